/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzz targets share: a reader of the fuzzer's bytes and a
 * check that aborts with a message (libFuzzer saves the input and the
 * sanitizers print the stack).
 */
#ifndef DSLITE_FUZZ_H
#define DSLITE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The input, read front to back; reads past the end give zeros. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v = 0;

	if (in->left) {
		v = *in->p++;
		in->left--;
	}
	return v;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	return (uint16_t)(fuzz_u8(in) << 8 | fuzz_u8(in));
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	return (uint32_t)fuzz_u16(in) << 16 | fuzz_u16(in);
}

/* Up to n bytes of the input (fewer at its end); *got says how many. */
static inline const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t n,
					size_t *got)
{
	const uint8_t *p = in->p;

	if (n > in->left)
		n = in->left;
	in->p += n;
	in->left -= n;
	*got = n;
	return p;
}

#define fuzz_assert(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s: ",	\
				__FILE__, __LINE__, #cond);		\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

/*
 * fuzz_quiet(): the code under test reports bad input on stderr (one
 * line per refused input): send the stdio stream to /dev/null. The
 * sanitizers and libFuzzer write to file descriptor 2 directly, so their
 * reports still show.
 */
static inline void fuzz_quiet(void)
{
	FILE *f = fopen("/dev/null", "w");

	if (f && !getenv("FUZZ_VERBOSE"))
		stderr = f;
}

#endif
