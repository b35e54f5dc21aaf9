/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Clocks for dslitectl and the test programs: every deadline and interval
 * is CLOCK_MONOTONIC nanoseconds; wall-clock time is only ever printed.
 */
#ifndef DSLITE_CLOCK_H
#define DSLITE_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC		1000000000ULL
#define NSEC_PER_MSEC		1000000ULL
#define NSEC_PER_USEC		1000ULL

/* CLOCK_MONOTONIC in nanoseconds */
static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC in seconds, for rates and durations in test programs */
static inline double mono_s(void)
{
	return (double)mono_ns() / 1e9;
}

/* CLOCK_REALTIME in milliseconds (what is printed as a time of day) */
static inline uint64_t realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif /* DSLITE_CLOCK_H */
