/* Baselines for bench_rma.py, measured in the same run as the shmem calls.
 *
 * memcpy_ns: the cost of one glibc memcpy of n bytes between the two given buffers, timed inside C with
 * clock_gettime over iters copies, so that no call overhead (Python, ctypes) is counted.
 * noop4: a function with the shape of a put (two addresses, a size, a PE) that does nothing; calling it through
 * ctypes measures what any Python-to-C call costs. */
#include <stddef.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double memcpy_ns(void *dst, const void *src, size_t n, long iters) {
    double t0 = now_ns();
    for (long i = 0; i < iters; i++) {
        memcpy(dst, src, n);
        /* The compiler must not merge or drop the copies: every one of them is observed. */
        __asm__ __volatile__("" : : "r"(dst), "r"(src) : "memory");
    }
    return (now_ns() - t0) / (double)iters;
}

int noop4(void *dst, const void *src, size_t n, int pe) {
    (void)dst;
    (void)src;
    (void)n;
    (void)pe;
    return 0;
}
