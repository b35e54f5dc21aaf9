// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: global options, error reporting and argument parsing helpers
 * shared by every object.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "dslitectl.h"

_Static_assert(DSLITECTL_IFNAMSIZ == IFNAMSIZ, "IFNAMSIZ");

struct dslitectl_opts dslitectl_opts;

int dslitectl_err(int code, const char *what, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("dslitectl: ", stderr);
	if (what)
		fprintf(stderr, "%s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_ifname(const char *what, const char *s, char out[DSLITECTL_IFNAMSIZ])
{
	size_t len = strlen(s);
	const char *p;

	if (len == 0 || len >= DSLITECTL_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		goto bad;
	for (p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			goto bad;
	memcpy(out, s, len + 1);
	return 0;
bad:
	return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
			     "\"%s\" is not a valid interface name", s);
}

int need_arg(const char *what, int argc, char **argv)
{
	if (argc >= 2)
		return 0;
	return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
			     "\"%s\" needs a value", argv[0]);
}
