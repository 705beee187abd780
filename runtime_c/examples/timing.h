/* Wall-clock timing for the example app and the benchmark (benchmarks/ember_bench.c):
 * a monotonic clock in milliseconds (and nanoseconds) and the comparison that sorts run times for their
 * median. Needs _POSIX_C_SOURCE >= 199309L (clock_gettime), defined before any include. */
#ifndef EMBER_TIMING_H
#define EMBER_TIMING_H

#include <stdint.h>
#include <time.h>

static inline double timing_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The same clock in whole nanoseconds: the clock of `ember_run --profile` (an
 * ember_clock_fn through timing_clock_ns). */
static inline uint64_t timing_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
static inline uint64_t timing_clock_ns(void *ctx) {
    (void)ctx;
    return timing_now_ns();
}

/* qsort's comparison of doubles, ascending. */
static inline int timing_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif /* EMBER_TIMING_H */
