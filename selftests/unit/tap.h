/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP 13 output for dslite's C test programs: one line per check,
 * the plan at the end, exit status 0 (all passed), 1 (a failure) or 4
 * (everything skipped), as selftests/lib.sh does for shell tests.
 */
#ifndef _DSLITE_TAP_H
#define _DSLITE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed, tap_skipped;

static void tap_start(void)
{
	printf("TAP version 13\n");
	fflush(stdout);
}

/* tap_result(ok, fmt, ...): one check; returns ok */
__attribute__((format(printf, 2, 3)))
static __attribute__((unused)) int tap_result(int ok, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%sok %d ", ok ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return ok;
}

__attribute__((format(printf, 2, 3)))
static __attribute__((unused)) void tap_skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	tap_skipped++;
	printf("ok %d ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
}

/* a "# ..." comment line (diagnostics under a failed check) */
__attribute__((format(printf, 1, 2)))
static void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* ok if a == b (integers); prints both on failure */
#define tap_eq(a, b, ...) ({						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	int __ok = tap_result(__a == __b, __VA_ARGS__);			\
	if (!__ok)							\
		tap_diag("  got %lld (0x%llx), expected %lld (0x%llx)",	\
			 __a, (unsigned long long)__a, __b,		\
			 (unsigned long long)__b);			\
	__ok;								\
})

/* tap_check(ok, name): one check named by a plain string */
static __attribute__((unused)) int tap_check(int ok, const char *name)
{
	return tap_result(ok, "%s", name);
}

/* ok if two strings are equal; prints both on failure */
static __attribute__((unused)) int tap_str(const char *name,
					   const char *want, const char *got)
{
	int ok = tap_result(got && !strcmp(want, got), "%s", name);

	if (!ok) {
		tap_diag("  want: %s", want);
		tap_diag("  got:  %s", got ? got : "(null)");
	}
	return ok;
}

static __attribute__((unused)) void tap_skip_named(const char *name,
						   const char *why)
{
	tap_skip(why, "%s", name);
}

static __attribute__((unused)) void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(4);
}

static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed) {
		printf("# %d of %d checks failed\n", tap_failed, tap_n);
		return 1;
	}
	if (tap_n && tap_skipped == tap_n)
		return 4;
	return 0;
}

#endif /* _DSLITE_TAP_H */
