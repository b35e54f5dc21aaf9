// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the keyword parser (user/kw.c) through the B4's table
 * (user/b4/config.c), both ways it gets words: a command line and a
 * config file ("config FILE": lines cut into words, comments, limits).
 *
 * Input: first byte even: the rest is a config file, read through
 * "dslitectl b4 run config FILE"; odd: the rest is a command line, its
 * words separated by NUL bytes.
 *
 * Invariants: an accepted configuration keeps the rules
 * b4_config_parse() promises (at least one device, at most the limits,
 * terminated strings); nothing is read outside the input.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "dslitectl.h"
#include "b4.h"
#include "fuzz.h"

#define MAX_ARGS 128

static int memfd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	memfd = memfd_create("b4.conf", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return 0;
}

static void check(const struct b4_config *c)
{
	int i;

	fuzz_assert(c->n_dev >= 1 && c->n_dev <= B4_MAX_TUNNELS, "n_dev %d",
		    c->n_dev);
	fuzz_assert(c->n_aftr >= 0 && c->n_aftr <= B4_MAX_CANDIDATES,
		    "n_aftr %d", c->n_aftr);
	for (i = 0; i < c->n_dev; i++)
		fuzz_assert(c->dev[i][0] &&
			    strnlen(c->dev[i], IFNAMSIZ) < IFNAMSIZ,
			    "dev %d not a name", i);
	fuzz_assert(strnlen(c->aftr_name, sizeof(c->aftr_name)) <
		    sizeof(c->aftr_name), "aftr-name unterminated");
	fuzz_assert(c->multiplier >= 1, "multiplier 0");
	fuzz_assert(c->n_dev == 1 || c->mode == B4_MODE_CARRIER,
		    "%d devices without failover carrier", c->n_dev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct b4_config c;
	char *argv[MAX_ARGS], *buf;
	int argc = 0;
	size_t i;

	if (!size)
		return 0;
	b4_config_init(&c);
	if (!(data[0] & 1)) {
		if (ftruncate(memfd, 0) ||
		    pwrite(memfd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
			abort();
		argv[0] = "config";
		argv[1] = path;
		if (b4_config_parse(&c, 2, argv) == 0)
			check(&c);
		return 0;
	}
	/* the words, each in a buffer of its own size (ASan sees overreads) */
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	for (i = 0; i < size - 1 && argc < MAX_ARGS; i++) {
		size_t n = strlen(buf + i);

		argv[argc] = malloc(n + 1);
		if (!argv[argc])
			break;
		memcpy(argv[argc++], buf + i, n + 1);
		i += n;
	}
	free(buf);
	if (b4_config_parse(&c, argc, argv) == 0)
		check(&c);
	while (argc)
		free(argv[--argc]);
	return 0;
}
