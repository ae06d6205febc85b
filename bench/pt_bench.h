/* SPDX-License-Identifier: GPL-2.0-or-later
 * pt_bench.h — benchmark case table for pt-bench. Each bench/bench_<name>.c defines
 * `const pt_bench_case pt_bench_<name>[]`, terminated by an entry with name == NULL;
 * CMake generates the registry (bench_registry.h) that the driver walks. */
#ifndef PT_BENCH_H
#define PT_BENCH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pt_bench_case {
    const char *name; /* unique; shared with bench/scipy_kernels.py for the ratio table */
    size_t n;         /* samples processed per call                                    */
    double fs_hz;     /* sample rate for "x real time" (0: not a signal)               */
    void *(*setup)(size_t n, double fs_hz); /* allocate + plan; NULL on failure            */
    void (*run)(void *state);               /* one call: the timed work                    */
    void (*teardown)(void *state);
    const char *baseline; /* name of the in-process baseline case, or NULL                 */
} pt_bench_case;

/* The signal every kernel case uses (same formula in scipy_kernels.py): two tones, a slow
 * wander, an offset and deterministic noise. */
static inline void pt_bench_signal(double *x, size_t n, double fs_hz)
{
    uint64_t s = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs_hz;
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double u = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        x[i] = sin(2 * 3.141592653589793 * 1.3 * t) + 0.5 * sin(2 * 3.141592653589793 * 2.7 * t) +
               0.3 * sin(2 * 3.141592653589793 * 0.1 * t) + 0.7 + 0.4 * u;
    }
}

/* Keep the optimiser from deleting a result. */
static volatile double pt_bench_sink_v;
static inline void pt_bench_sink(double v)
{
    pt_bench_sink_v = v;
}

#endif
