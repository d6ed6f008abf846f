/*
 * monoclock - the monotonic clock in milliseconds or nanoseconds, for
 * deadlines and elapsed times that a change of the wall clock must not
 * move. Header only; owns nothing.
 */
#ifndef DLP_MONOCLOCK_H
#define DLP_MONOCLOCK_H

#include <stdint.h>
#include <time.h>

/* mono_ms: the monotonic clock in milliseconds (an arbitrary origin). */
static inline long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* mono_ns: the monotonic clock in nanoseconds (an arbitrary origin). */
static inline uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
