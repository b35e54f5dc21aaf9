// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: global options, error reporting and argument parsing helpers
 * shared by every object.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/filter.h>

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

bool watch_kw_is(const char *kw)
{
	return kw_is(kw, "count") || kw_is(kw, "ready");
}

int watch_kw(const char *what, const char *kw, const char *val,
	     struct watch_opts *o)
{
	if (kw_is(kw, "count") ? o->count != 0 : o->ready != NULL)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "\"%s\" given twice", kw);
	if (kw_is(kw, "ready")) {
		o->ready = val;
		return 0;
	}
	if (parse_uint(val, UINT64_MAX, &o->count) || o->count == 0) {
		o->count = 0;
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "count must be a number of at least 1, not \"%s\"",
				     val);
	}
	return 0;
}

void watch_signals(void (*handler)(int), sigset_t *orig)
{
	struct sigaction sa = { .sa_handler = handler };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, orig);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int watch_ready(const char *what, const struct watch_opts *o)
{
	int fd;

	if (!o->ready)
		return 0;
	fd = open(o->ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
				     o->ready, strerror(errno));
	close(fd);
	return 0;
}

int sock_filter_attach(int fd, const struct sock_filter *code,
		       unsigned short len)
{
	struct sock_fprog prog = {
		.len = len,
		.filter = (struct sock_filter *)code,
	};
	char buf[64];

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
		return -1;
	/* a socket gets packets from its creation on: those queued before
	 * the filter did not pass it */
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
	return 0;
}

int raw_socket(int family, int protocol, const char *what, char *err,
	       size_t errlen)
{
	int fd;

	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return fd;
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int netns_cookie(uint64_t *out)
{
	socklen_t len = sizeof(*out);
	int fd, err = 0;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, out, &len))
		err = -errno;
	close(fd);
	return err;
}

int netns_is_pid1(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self) || stat("/proc/1/ns/net", &init))
		return -errno;
	return self.st_dev == init.st_dev && self.st_ino == init.st_ino;
}
