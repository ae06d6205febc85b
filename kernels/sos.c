/* SPDX-License-Identifier: GPL-2.0-or-later
 * sos.c — cascaded second-order sections (transposed direct form II, as scipy's _sosfilt,
 * with the output substituted into the state update to shorten the recursion) and
 * zero-phase sosfiltfilt with scipy's odd extension and steady-state initial conditions
 * (Gustafsson 1996 style start-up, as scipy filtfilt).
 * Speed: short blocks run one stream with up to four sections in a wavefront, so their
 * recursions overlap in the CPU's pipeline. Long blocks are cut into time lanes filtered
 * side by side in SIMD registers, each lane starting from zero a warm-up of W samples early
 * (overlapped segments; the block state-space view is Burrus, "Block realization of digital
 * filters", IEEE Trans. Audio Electroacoust. 20(4), 1972). W is chosen at create from
 * powers of the state-transition matrix so that the forgotten start state is below 2^-53
 * of the true state's 1-norm for every later sample (see warmup_len). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/sos_impl.h"
#include "pulsetrain/sos.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PT_SOS_X86 1
#include <immintrin.h>
#endif

enum {
    SEC_GROUP = 4,  /* sections per lane pass (coefficients padded with identity sections) */
    LANES_MAX = 4,  /* time lanes of the widest kernel */
    TILE = 128,     /* time steps gathered per lane pass: tile of TILE x lanes stays in L1 */
    WARM_NSEC = 32, /* lanes only up to this many sections (create-time cost ~ (2 nsec)^3) */
    WARM_LOG2 = 16  /* longest warm-up considered: 2^16 samples */
};

struct pt_sos {
    size_t nsec, max_n, padlen;
    int have_zi;   /* sosfilt_zi exists (no section with a pole at z = 1) */
    double *c;     /* [nsec*5] b0, b1 - a1 b0, b2 - a2 b0, a1, a2 (normalised to a0 = 1) */
    double *zi;    /* [nsec*2] sosfilt_zi */
    double *state; /* [nsec*2] causal delay line (scipy zi/zf layout) */
    double *tmp;   /* [nsec*2] filtfilt's own state */
    double *ext;   /* [max_n + 2*padlen] filtfilt scratch */
    size_t warm;   /* lane warm-up W [samples]; 0: lanes off for this filter */
    size_t ngrp;   /* ceil(nsec / SEC_GROUP) */
    int path;      /* pt_sos_path */
    int avx2;      /* the CPU has AVX2 and FMA */
    double *lc;    /* [ngrp*SEC_GROUP*5] c padded with identity sections (b0 = 1, rest 0) */
    double *lz;    /* [ngrp*SEC_GROUP*2*LANES_MAX] lane states, [section][z0/z1][lane] */
    double *tile;  /* [TILE*LANES_MAX] lane samples, [step][lane] */
};

/* One section of transposed direct form II with t = b0 v + z0 substituted into the state
 * update: z0' = (b1 - a1 b0) v + z1 - a1 z0, z1' = (b2 - a2 b0) v - a2 z0. Same filter as
 * scipy's order of operations (differences at rounding level), but the recursion through
 * z0 is one multiply and one add instead of four dependent operations. */
#define SEC(k)                                                                                     \
    do {                                                                                           \
        double t_ = b0_##k * v + z0_##k;                                                           \
        double n0_ = (c1_##k * v + z1_##k) - a1_##k * z0_##k;                                      \
        z1_##k = c2_##k * v - a2_##k * z0_##k;                                                     \
        z0_##k = n0_;                                                                              \
        v = t_;                                                                                    \
    } while (0)
#define LOAD(k)                                                                                    \
    const double b0_##k = c[5 * (k)], c1_##k = c[5 * (k) + 1], c2_##k = c[5 * (k) + 2],            \
                 a1_##k = c[5 * (k) + 3], a2_##k = c[5 * (k) + 4];                                 \
    double z0_##k = z[2 * (k)], z1_##k = z[2 * (k) + 1]
#define STORE(k) (z[2 * (k)] = z0_##k, z[2 * (k) + 1] = z1_##k)

/* Filter n samples at x[0], x[s], x[2s], ... into y (same stride); y == x allowed. */
static void run1(const double *c, double *z, const double *x, double *y, size_t n, ptrdiff_t s)
{
    LOAD(0);
    for (size_t i = 0; i < n; i++) {
        double v = x[(ptrdiff_t)i * s];
        SEC(0);
        y[(ptrdiff_t)i * s] = v;
    }
    STORE(0);
}

static void run2(const double *c, double *z, const double *x, double *y, size_t n, ptrdiff_t s)
{
    LOAD(0);
    LOAD(1);
    for (size_t i = 0; i < n; i++) {
        double v = x[(ptrdiff_t)i * s];
        SEC(0);
        SEC(1);
        y[(ptrdiff_t)i * s] = v;
    }
    STORE(0);
    STORE(1);
}

static void run3(const double *c, double *z, const double *x, double *y, size_t n, ptrdiff_t s)
{
    LOAD(0);
    LOAD(1);
    LOAD(2);
    for (size_t i = 0; i < n; i++) {
        double v = x[(ptrdiff_t)i * s];
        SEC(0);
        SEC(1);
        SEC(2);
        y[(ptrdiff_t)i * s] = v;
    }
    STORE(0);
    STORE(1);
    STORE(2);
}

static void run4(const double *c, double *z, const double *x, double *y, size_t n, ptrdiff_t s)
{
    LOAD(0);
    LOAD(1);
    LOAD(2);
    LOAD(3);
    for (size_t i = 0; i < n; i++) {
        double v = x[(ptrdiff_t)i * s];
        SEC(0);
        SEC(1);
        SEC(2);
        SEC(3);
        y[(ptrdiff_t)i * s] = v;
    }
    STORE(0);
    STORE(1);
    STORE(2);
    STORE(3);
}

/* Four sections with two SSE2 lanes each, as a wavefront: at step i section k works on
 * sample i - k, so the four recursions are independent within a step and run as two
 * 2-lane vector updates (same arithmetic as SEC, lane by lane). The first and last three
 * steps, where some sections have no sample, run scalar. */
typedef double v2d __attribute__((vector_size(16)));

#define STEP1(k, vin, tout)                                                                        \
    do {                                                                                           \
        double v_ = (vin);                                                                         \
        (tout) = b0[k] * v_ + z0[k];                                                               \
        double n0_ = (c1[k] * v_ + z1[k]) - a1[k] * z0[k];                                         \
        z1[k] = c2[k] * v_ - a2[k] * z0[k];                                                        \
        z0[k] = n0_;                                                                               \
    } while (0)

static void run4v(const double *c, double *z, const double *x, double *y, size_t n, ptrdiff_t s)
{
    if (n < 4) {
        run4(c, z, x, y, n, s);
        return;
    }
    double b0[4], c1[4], c2[4], a1[4], a2[4], z0[4], z1[4];
    for (int k = 0; k < 4; k++) {
        b0[k] = c[5 * k];
        c1[k] = c[5 * k + 1];
        c2[k] = c[5 * k + 2];
        a1[k] = c[5 * k + 3];
        a2[k] = c[5 * k + 4];
        z0[k] = z[2 * k];
        z1[k] = z[2 * k + 1];
    }
    double in1, in2, in3, t;
    /* prologue: steps 0..2 (highest section first: it consumes the older pending value) */
    STEP1(0, x[0], in1);
    STEP1(1, in1, in2);
    STEP1(0, x[s], in1);
    STEP1(2, in2, in3);
    STEP1(1, in1, in2);
    STEP1(0, x[2 * s], in1);
    const v2d B0a = {b0[0], b0[1]}, B0b = {b0[2], b0[3]}, C1a = {c1[0], c1[1]},
              C1b = {c1[2], c1[3]}, C2a = {c2[0], c2[1]}, C2b = {c2[2], c2[3]},
              A1a = {a1[0], a1[1]}, A1b = {a1[2], a1[3]}, A2a = {a2[0], a2[1]},
              A2b = {a2[2], a2[3]};
    v2d Z0a = {z0[0], z0[1]}, Z0b = {z0[2], z0[3]}, Z1a = {z1[0], z1[1]}, Z1b = {z1[2], z1[3]};
    for (size_t i = 3; i < n; i++) {
        v2d Va = {x[(ptrdiff_t)i * s], in1}, Vb = {in2, in3};
        v2d Ta = B0a * Va + Z0a, Tb = B0b * Vb + Z0b;
        v2d Na = (C1a * Va + Z1a) - A1a * Z0a, Nb = (C1b * Vb + Z1b) - A1b * Z0b;
        Z1a = C2a * Va - A2a * Z0a;
        Z1b = C2b * Vb - A2b * Z0b;
        Z0a = Na;
        Z0b = Nb;
        y[((ptrdiff_t)i - 3) * s] = Tb[1];
        in3 = Tb[0];
        in2 = Ta[1];
        in1 = Ta[0];
    }
    z0[0] = Z0a[0], z0[1] = Z0a[1], z0[2] = Z0b[0], z0[3] = Z0b[1];
    z1[0] = Z1a[0], z1[1] = Z1a[1], z1[2] = Z1b[0], z1[3] = Z1b[1];
    /* epilogue: steps n..n+2 */
    ptrdiff_t e = (ptrdiff_t)n;
    STEP1(3, in3, t);
    y[(e - 3) * s] = t;
    STEP1(2, in2, in3);
    STEP1(1, in1, in2);
    STEP1(3, in3, t);
    y[(e - 2) * s] = t;
    STEP1(2, in2, in3);
    STEP1(3, in3, t);
    y[(e - 1) * s] = t;
    for (int k = 0; k < 4; k++) {
        z[2 * k] = z0[k];
        z[2 * k + 1] = z1[k];
    }
}

/* Cascade: groups of up to four sections, each group one pass (first reads x, the rest
 * work in place in y). s = +1 forward, -1 backward (x, y then point at the last sample). */
static void cascade(const double *c, double *z, size_t nsec, const double *x, double *y, size_t n,
                    ptrdiff_t s)
{
    const double *in = x;
    for (size_t k = 0; k < nsec; k += 4) {
        size_t m = nsec - k < 4 ? nsec - k : 4;
        switch (m) {
        case 1: run1(c + 5 * k, z + 2 * k, in, y, n, s); break;
        case 2: run2(c + 5 * k, z + 2 * k, in, y, n, s); break;
        case 3: run3(c + 5 * k, z + 2 * k, in, y, n, s); break;
        default: run4v(c + 5 * k, z + 2 * k, in, y, n, s); break;
        }
        in = y;
    }
}

/* ---- time lanes ----
 * The block is cut into L contiguous segments of M samples that are filtered side by side,
 * lane j in vector slot j. Lane 0 starts from the true state at sample 0 and covers
 * [0, W + M); lane j >= 1 starts from zero at sample jM, and its first W outputs (the
 * warm-up, inside lane j - 1's segment) are dropped, so it covers [jM + W, (j+1)M + W).
 * By linearity lane j's state then differs from the true one by A^(W+i) s, s the true
 * state at jM and i the step since the warm-up ended; warmup_len makes that <= 2^-53 |s|_1.
 * The last lane's state is the block's final state and carries on into the next block.
 * Samples move between the signal and a tile [step][lane] of TILE steps, which each group
 * of SEC_GROUP sections then filters in place. */

/* Lane kernel: SEC_GROUP sections over T steps of the tile, in place. c: [SEC_GROUP][5];
 * z: [SEC_GROUP][2][L] lane states; tile: [T][L]. */
typedef void lane_kernel(const double *c, double *z, double *tile, size_t T);

/* One section on a vector of lanes: the same operations as SEC. */
#define GSEC(k, u, Z0, Z1)                                                                         \
    do {                                                                                           \
        v2d t_ = B0[k] * u + Z0;                                                                   \
        v2d n_ = (C1[k] * u + Z1) - A1[k] * Z0;                                                    \
        Z1 = C2[k] * u - A2[k] * Z0;                                                               \
        Z0 = n_;                                                                                   \
        u = t_;                                                                                    \
    } while (0)

static v2d ld2(const double *p)
{
    v2d v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void st2(double *p, v2d v)
{
    memcpy(p, &v, sizeof v);
}

/* Portable kernel: 2 lanes in one 2-double vector (SSE2 on x86-64, NEON on arm64), no FMA,
 * so lane 0 is bit-identical to the serial code. */
static void lanes2(const double *c, double *z, double *tile, size_t T)
{
    enum { L = 2 };
    v2d B0[4], C1[4], C2[4], A1[4], A2[4];
    for (int k = 0; k < 4; k++) {
        B0[k] = (v2d){c[5 * k], c[5 * k]};
        C1[k] = (v2d){c[5 * k + 1], c[5 * k + 1]};
        C2[k] = (v2d){c[5 * k + 2], c[5 * k + 2]};
        A1[k] = (v2d){c[5 * k + 3], c[5 * k + 3]};
        A2[k] = (v2d){c[5 * k + 4], c[5 * k + 4]};
    }
    v2d P0 = ld2(z + 0 * L), P1 = ld2(z + 1 * L), R0 = ld2(z + 2 * L), R1 = ld2(z + 3 * L);
    v2d E0 = ld2(z + 4 * L), E1 = ld2(z + 5 * L), G0 = ld2(z + 6 * L), G1 = ld2(z + 7 * L);
    for (size_t t = 0; t < T; t++) {
        v2d u = ld2(tile + t * L);
        GSEC(0, u, P0, P1);
        GSEC(1, u, R0, R1);
        GSEC(2, u, E0, E1);
        GSEC(3, u, G0, G1);
        st2(tile + t * L, u);
    }
    st2(z + 0 * L, P0), st2(z + 1 * L, P1), st2(z + 2 * L, R0), st2(z + 3 * L, R1);
    st2(z + 4 * L, E0), st2(z + 5 * L, E1), st2(z + 6 * L, G0), st2(z + 7 * L, G1);
}

/* Gather steps [t0, t0 + T) of the L lanes into tile[t][j] (lane j at x + (jM + t) s,
 * s = +-1), and scatter them back, lanes >= 1 only past their warm-up (t >= W). */
static void gather_any(const double *x, ptrdiff_t s, size_t L, size_t M, size_t t0, size_t T,
                       double *tile)
{
    for (size_t j = 0; j < L; j++) {
        const double *xp = x + (ptrdiff_t)(j * M + t0) * s;
        if (s == 1)
            for (size_t t = 0; t < T; t++)
                tile[t * L + j] = xp[t];
        else
            for (size_t t = 0; t < T; t++)
                tile[t * L + j] = *(xp - t);
    }
}

static void scatter_any(double *y, ptrdiff_t s, size_t L, size_t M, size_t t0, size_t T, size_t W,
                        const double *tile)
{
    for (size_t j = 0; j < L; j++) {
        double *yp = y + (ptrdiff_t)(j * M + t0) * s;
        size_t t = j == 0 || t0 >= W ? 0 : W - t0 < T ? W - t0 : T;
        if (s == 1)
            for (; t < T; t++)
                yp[t] = tile[t * L + j];
        else
            for (; t < T; t++)
                *(yp - t) = tile[t * L + j];
    }
}

#ifdef PT_SOS_X86
/* AVX2 + FMA: 4 lanes in one 4-double vector, only called after __builtin_cpu_supports
 * said yes. The four sections are independent recursions within a step, so the loop runs
 * at the FMA units' throughput (20 per step), not at the recursion's latency. */
#define XSEC(k, u, Z0, Z1)                                                                         \
    do {                                                                                           \
        __m256d t_ = _mm256_fmadd_pd(B0[k], u, Z0);                                                \
        __m256d n_ = _mm256_fnmadd_pd(A1[k], Z0, _mm256_fmadd_pd(C1[k], u, Z1));                   \
        Z1 = _mm256_fnmadd_pd(A2[k], Z0, _mm256_mul_pd(C2[k], u));                                 \
        Z0 = n_;                                                                                   \
        u = t_;                                                                                    \
    } while (0)

__attribute__((target("avx2,fma"))) static void lanes4_avx2(const double *c, double *z,
                                                            double *tile, size_t T)
{
    enum { L = 4 };
    __m256d B0[4], C1[4], C2[4], A1[4], A2[4];
    for (int k = 0; k < 4; k++) {
        B0[k] = _mm256_set1_pd(c[5 * k]);
        C1[k] = _mm256_set1_pd(c[5 * k + 1]);
        C2[k] = _mm256_set1_pd(c[5 * k + 2]);
        A1[k] = _mm256_set1_pd(c[5 * k + 3]);
        A2[k] = _mm256_set1_pd(c[5 * k + 4]);
    }
    __m256d P0 = _mm256_loadu_pd(z + 0 * L), P1 = _mm256_loadu_pd(z + 1 * L);
    __m256d R0 = _mm256_loadu_pd(z + 2 * L), R1 = _mm256_loadu_pd(z + 3 * L);
    __m256d E0 = _mm256_loadu_pd(z + 4 * L), E1 = _mm256_loadu_pd(z + 5 * L);
    __m256d G0 = _mm256_loadu_pd(z + 6 * L), G1 = _mm256_loadu_pd(z + 7 * L);
    for (size_t t = 0; t < T; t++) {
        __m256d u = _mm256_loadu_pd(tile + t * L);
        XSEC(0, u, P0, P1);
        XSEC(1, u, R0, R1);
        XSEC(2, u, E0, E1);
        XSEC(3, u, G0, G1);
        _mm256_storeu_pd(tile + t * L, u);
    }
    _mm256_storeu_pd(z + 0 * L, P0), _mm256_storeu_pd(z + 1 * L, P1);
    _mm256_storeu_pd(z + 2 * L, R0), _mm256_storeu_pd(z + 3 * L, R1);
    _mm256_storeu_pd(z + 4 * L, E0), _mm256_storeu_pd(z + 5 * L, E1);
    _mm256_storeu_pd(z + 6 * L, G0), _mm256_storeu_pd(z + 7 * L, G1);
}

/* 4 steps at a time: one 4-sample load per lane (reversed when s = -1) and a 4 x 4
 * transpose; leftover steps and warm-up tiles go through the scalar versions. */
#define TRANSPOSE4(r0, r1, r2, r3)                                                                 \
    do {                                                                                           \
        __m256d a0_ = _mm256_unpacklo_pd(r0, r1), a1_ = _mm256_unpackhi_pd(r0, r1);                \
        __m256d a2_ = _mm256_unpacklo_pd(r2, r3), a3_ = _mm256_unpackhi_pd(r2, r3);                \
        r0 = _mm256_permute2f128_pd(a0_, a2_, 0x20);                                               \
        r1 = _mm256_permute2f128_pd(a1_, a3_, 0x20);                                               \
        r2 = _mm256_permute2f128_pd(a0_, a2_, 0x31);                                               \
        r3 = _mm256_permute2f128_pd(a1_, a3_, 0x31);                                               \
    } while (0)

/* steps t..t+3 of a lane, p at its step t */
__attribute__((target("avx2,fma"))) static __m256d load4(const double *p, ptrdiff_t s)
{
    if (s == 1)
        return _mm256_loadu_pd(p);
    return _mm256_permute4x64_pd(_mm256_loadu_pd(p - 3), 0x1B);
}

__attribute__((target("avx2,fma"))) static void store4(double *p, ptrdiff_t s, __m256d v)
{
    if (s == 1)
        _mm256_storeu_pd(p, v);
    else
        _mm256_storeu_pd(p - 3, _mm256_permute4x64_pd(v, 0x1B));
}

__attribute__((target("avx2,fma"))) static void gather4(const double *x, ptrdiff_t s, size_t M,
                                                        size_t t0, size_t T, double *tile)
{
    size_t t = 0;
    for (; t + 4 <= T; t += 4) {
        const double *p = x + (ptrdiff_t)(t0 + t) * s;
        ptrdiff_t d = (ptrdiff_t)M * s;
        __m256d r0 = load4(p, s), r1 = load4(p + d, s), r2 = load4(p + 2 * d, s),
                r3 = load4(p + 3 * d, s);
        TRANSPOSE4(r0, r1, r2, r3);
        double *o = tile + t * 4;
        _mm256_storeu_pd(o, r0);
        _mm256_storeu_pd(o + 4, r1);
        _mm256_storeu_pd(o + 8, r2);
        _mm256_storeu_pd(o + 12, r3);
    }
    if (t < T)
        gather_any(x, s, 4, M, t0 + t, T - t, tile + t * 4);
}

__attribute__((target("avx2,fma"))) static void
scatter4(double *y, ptrdiff_t s, size_t M, size_t t0, size_t T, size_t W, const double *tile)
{
    if (t0 < W) {
        scatter_any(y, s, 4, M, t0, T, W, tile);
        return;
    }
    size_t t = 0;
    for (; t + 4 <= T; t += 4) {
        const double *o = tile + t * 4;
        __m256d r0 = _mm256_loadu_pd(o), r1 = _mm256_loadu_pd(o + 4), r2 = _mm256_loadu_pd(o + 8),
                r3 = _mm256_loadu_pd(o + 12);
        TRANSPOSE4(r0, r1, r2, r3);
        double *p = y + (ptrdiff_t)(t0 + t) * s;
        ptrdiff_t d = (ptrdiff_t)M * s;
        store4(p, s, r0);
        store4(p + d, s, r1);
        store4(p + 2 * d, s, r2);
        store4(p + 3 * d, s, r3);
    }
    if (t < T)
        scatter_any(y, s, 4, M, t0 + t, T - t, W, tile + t * 4);
}
#endif

/* A lane engine: its lane count, kernel and (optionally) fast gather/scatter. */
typedef struct lane_engine {
    size_t L;
    lane_kernel *kern;
    void (*gather)(const double *x, ptrdiff_t s, size_t M, size_t t0, size_t T, double *tile);
    void (*scatter)(double *y, ptrdiff_t s, size_t M, size_t t0, size_t T, size_t W,
                    const double *tile);
} lane_engine;

static const lane_engine engine_portable = {2, lanes2, NULL, NULL};
#ifdef PT_SOS_X86
static const lane_engine engine_avx2 = {4, lanes4_avx2, gather4, scatter4};
#endif

/* Filter n samples at x[0], x[s], ... into y (same stride, s = +-1, y == x allowed) with
 * the engine's L lanes; needs f->warm > 0 and n >= (L + 1) * f->warm. z: the true state,
 * in and out. In place is safe: a sample is read by its own lane and by the next lane's
 * warm-up (at an earlier step: t < W <= M) before its own lane writes it. */
static void run_lanes(pt_sos *f, double *z, const double *x, double *y, size_t n, ptrdiff_t s,
                      const lane_engine *e)
{
    const size_t L = e->L, W = f->warm, M = (n - W) / L, steps = W + M;
    const size_t nz = 2 * SEC_GROUP * f->ngrp;
    double *lz = f->lz, *tile = f->tile;
    memset(lz, 0, nz * L * sizeof *lz);
    for (size_t k = 0; k < 2 * f->nsec; k++)
        lz[k * L] = z[k];
    for (size_t t0 = 0; t0 < steps; t0 += TILE) {
        size_t T = steps - t0 < TILE ? steps - t0 : TILE;
        if (e->gather)
            e->gather(x, s, M, t0, T, tile);
        else
            gather_any(x, s, L, M, t0, T, tile);
        for (size_t g = 0; g < f->ngrp; g++)
            e->kern(f->lc + 5 * SEC_GROUP * g, lz + 2 * SEC_GROUP * L * g, tile, T);
        if (e->scatter)
            e->scatter(y, s, M, t0, T, W, tile);
        else
            scatter_any(y, s, L, M, t0, T, W, tile);
    }
    /* A non-finite value makes every later serial output and state non-finite, but a later
     * lane would forget it after its warm-up: after the first lane whose state is not
     * finite, the rest of the block and the carried state are NaN, as serially. */
    size_t bad = L;
    for (size_t j = 0; j < L && bad == L; j++)
        for (size_t k = 0; k < nz; k++)
            if (!isfinite(lz[k * L + j])) {
                bad = j;
                break;
            }
    for (size_t k = 0; k < 2 * f->nsec; k++)
        z[k] = bad < L - 1 ? (double)NAN : lz[k * L + L - 1];
    if (bad < L - 1)
        for (size_t i = (bad + 1) * M + W; i < L * M + W; i++)
            y[(ptrdiff_t)i * s] = (double)NAN;
    size_t done = L * M + W;
    if (done < n)
        cascade(f->c, z, f->nsec, x + (ptrdiff_t)done * s, y + (ptrdiff_t)done * s, n - done, s);
}

/* Causal filter of one buffer from state z (in/out): lanes where they pay, else serial.
 * Measured on Zen 4 (4-section band-pass): a serial sample costs ~2.6 ns; an AVX2 lane
 * step ~1.0 ns for 4 lanes, so with the 3 W warm-up steps AVX2 wins from the least n it
 * can take, 5 W (1.6 vs 2.5 ns per sample; 1.1 ns from 30 W on). The portable 2-lane
 * kernel is no faster than serial with SSE2 (~2.7 ns per lane step), so AUTO uses serial
 * without AVX2; the portable path stays for the tests and other ISAs. */
static void filter(pt_sos *f, double *z, const double *x, double *y, size_t n, ptrdiff_t s)
{
    int path = f->path;
    if (path == PT_SOS_PATH_AUTO)
        path = f->avx2 ? PT_SOS_PATH_LANES_AVX2 : PT_SOS_PATH_SERIAL;
    const lane_engine *e = &engine_portable;
#ifdef PT_SOS_X86
    if (path == PT_SOS_PATH_LANES_AVX2)
        e = &engine_avx2;
#endif
    if (f->warm && path != PT_SOS_PATH_SERIAL && n / (e->L + 1) >= f->warm)
        run_lanes(f, z, x, y, n, s, e);
    else
        cascade(f->c, z, f->nsec, x, y, n, s);
}

/* ---- warm-up length ----
 * The cascade is a linear system s' = A s + B x with the N = 2 nsec states (z0, z1 per
 * section). A lane started from zero W steps late is off by A^(W+i) s. With
 * G >= max_{r<W} |A^r|_1 and |A^W|_1 G <= 2^-53, writing W + i = qW + r (q >= 1, r < W)
 * gives |A^(W+i)|_1 <= |A^W|_1^q |A^r|_1 <= 2^-53: the error is at most 2^-53 |s|_1 for
 * every later sample, at or below one rounding of the state itself. While it is cheap,
 * A^r is stepped one r at a time (G exact: the largest |A^r|_1 so far). Otherwise G is
 * the product of max(1, |A^(2^b)|_1) over b < k, which bounds |A^r|_1 for every r < 2^k
 * (r is a sum of distinct powers of two), and A^W is a product of repeated squares. */

/* out = a b, N x N, column-major */
static void matmul(size_t N, const double *a, const double *b, double *out)
{
    for (size_t j = 0; j < N; j++) {
        double *o = out + j * N;
        for (size_t i = 0; i < N; i++)
            o[i] = 0;
        for (size_t k = 0; k < N; k++) {
            double bk = b[j * N + k];
            const double *ak = a + k * N;
            for (size_t i = 0; i < N; i++)
                o[i] += ak[i] * bk;
        }
    }
}

static double norm1(size_t N, const double *a)
{
    double m = 0;
    for (size_t j = 0; j < N; j++) {
        double col = 0;
        for (size_t i = 0; i < N; i++)
            col += fabs(a[j * N + i]);
        if (!(col <= m)) /* NaN wins */
            m = col;
    }
    return m;
}

/* s <- A s: one step of the cascade c with zero input, state s [2 nsec] */
static void zir_step(const double *c, size_t nsec, double *s)
{
    double v = 0;
    for (size_t k = 0; k < nsec; k++) {
        const double *ck = c + 5 * k;
        double z0 = s[2 * k], z1 = s[2 * k + 1], t = ck[0] * v + z0;
        s[2 * k] = (ck[1] * v + z1) - ck[3] * z0;
        s[2 * k + 1] = ck[2] * v - ck[4] * z0;
        v = t;
    }
}

/* W for the coefficients c (as in struct pt_sos), 0 if none up to 2^WARM_LOG2 (or out of
 * memory: the lanes are an optimisation, the serial code is always there). */
static size_t warmup_len(const double *c, size_t nsec)
{
    const double eps = 0x1p-53;
    const size_t step_budget = (size_t)1 << 20; /* N * nsec * steps: a few ms at most */
    if (nsec > WARM_NSEC)
        return 0;
    size_t N = 2 * nsec, NN = N * N, W = 0;
    double *p = malloc((WARM_LOG2 + 4) * NN * sizeof *p); /* A^(2^b), b <= WARM_LOG2; 3 more */
    if (!p)
        return 0;
    double *q = p + (WARM_LOG2 + 1) * NN, *cand = q + NN, *a = cand + NN;
    /* exact G: columns of A^r by stepping the unit states */
    memset(q, 0, NN * sizeof *q);
    for (size_t m = 0; m < N; m++)
        q[m * N + m] = 1;
    double g = 1;
    for (size_t r = 1; r <= (size_t)1 << WARM_LOG2 && r * N * nsec <= step_budget; r++) {
        for (size_t m = 0; m < N; m++)
            zir_step(c, nsec, q + m * N);
        if (r == 1)
            memcpy(a, q, NN * sizeof *a); /* A itself, for the squares */
        double nr = norm1(N, q);
        if (!isfinite(nr))
            break;
        if (nr * g <= eps) {
            W = r;
            break;
        }
        g = nr > g ? nr : g;
    }
    if (W || !isfinite(g) || g > 1e300) {
        free(p);
        return W;
    }
    /* bound G by the squares: find the first 2^b that passes */
    memcpy(p, a, NN * sizeof *p);
    g = 1;
    int b;
    for (b = 0; b <= WARM_LOG2; b++) {
        double nb = norm1(N, p + b * NN);
        if (!isfinite(nb) || !isfinite(g))
            break;
        if (nb * g <= eps) {
            W = (size_t)1 << b;
            break;
        }
        g *= nb > 1 ? nb : 1;
        if (b < WARM_LOG2)
            matmul(N, p + b * NN, p + b * NN, p + (b + 1) * NN);
    }
    if (W > 1) {
        /* largest lo in [2^(b-1), 2^b) that fails, by binary lifting; q = A^lo */
        size_t lo = W / 2;
        memcpy(q, p + (b - 1) * NN, NN * sizeof *q);
        for (int i = b - 2; i >= 0; i--) {
            matmul(N, q, p + i * NN, cand);
            if (!(norm1(N, cand) * g <= eps)) {
                lo += (size_t)1 << i;
                memcpy(q, cand, NN * sizeof *q);
            }
        }
        matmul(N, q, a, cand); /* lo + 1 must pass on its own; otherwise keep 2^b */
        if (norm1(N, cand) * g <= eps)
            W = lo + 1;
    }
    free(p);
    return W;
}

int pt_sos_set_path(pt_sos *f, pt_sos_path path)
{
    if (!f || path < PT_SOS_PATH_AUTO || path > PT_SOS_PATH_LANES_AVX2)
        return PT_EINVAL;
    if ((path == PT_SOS_PATH_LANES || path == PT_SOS_PATH_LANES_AVX2) && !f->warm)
        return PT_EUNSUPPORTED;
    if (path == PT_SOS_PATH_LANES_AVX2 && !f->avx2)
        return PT_EUNSUPPORTED;
    f->path = path;
    return PT_OK;
}

size_t pt_sos_warmup(const pt_sos *f)
{
    return f->warm;
}

int pt_sos_zi(const double *sos, size_t nsec, double *zi)
{
    if (!sos || !zi || nsec == 0)
        return PT_EINVAL;
    double scale = 1.0;
    for (size_t k = 0; k < nsec; k++) {
        const double *r = sos + 6 * k;
        if (r[3] == 0)
            return PT_EINVAL;
        /* scipy lfilter_zi: solve (I - A^T) zi = b[1:] - a[1:] b0 for the companion A */
        double b0 = r[0] / r[3], b1 = r[1] / r[3], b2 = r[2] / r[3];
        double a1 = r[4] / r[3], a2 = r[5] / r[3];
        double den = 1 + a1 + a2;
        if (den == 0)
            return PT_EINVAL;
        double B0 = b1 - a1 * b0, B1 = b2 - a2 * b0;
        double z0 = (B0 + B1) / den;
        zi[2 * k] = scale * z0;
        zi[2 * k + 1] = scale * (B1 - a2 * z0);
        /* steady-state (DC) gain of this section scales the next one */
        scale *= (r[0] + r[1] + r[2]) / (r[3] + r[4] + r[5]);
    }
    return PT_OK;
}

pt_sos *pt_sos_create(const double *sos, size_t nsec, size_t max_n, pt_error *err)
{
    if (!sos || nsec < 1 || nsec > 1000) {
        pt_error_set(err, PT_EINVAL, "pt_sos_create: need 1..1000 sections, got %zu%s", nsec,
                     sos ? "" : " (NULL sos)");
        return NULL;
    }
    for (size_t k = 0; k < nsec * 6; k++)
        if (!isfinite(sos[k])) {
            pt_error_set(err, PT_EINVAL,
                         "pt_sos_create: section %zu coefficient %zu is not "
                         "finite",
                         k / 6, k % 6);
            return NULL;
        }
    size_t n2 = 0, n5 = 0;
    for (size_t k = 0; k < nsec; k++) {
        if (sos[6 * k + 3] == 0) {
            pt_error_set(err, PT_EINVAL, "pt_sos_create: section %zu has a0 = 0", k);
            return NULL;
        }
        n2 += sos[6 * k + 2] == 0;
        n5 += sos[6 * k + 5] == 0;
    }
    size_t padlen = 3 * (2 * nsec + 1 - (n2 < n5 ? n2 : n5));
    if (max_n > (SIZE_MAX / sizeof(double)) - 2 * padlen - 1) {
        pt_error_set(err, PT_EINVAL, "pt_sos_create: max_n %zu too large", max_n);
        return NULL;
    }
    pt_sos *f = calloc(1, sizeof *f);
    if (!f) {
        pt_error_set(err, PT_ENOMEM, "pt_sos_create: out of memory");
        return NULL;
    }
    f->nsec = nsec;
    f->max_n = max_n;
    f->padlen = padlen;
    f->c = calloc(nsec * 5, sizeof *f->c);
    f->zi = calloc(nsec * 2, sizeof *f->zi);
    f->state = calloc(nsec * 2, sizeof *f->state);
    f->tmp = calloc(nsec * 2, sizeof *f->tmp);
    f->ext = max_n ? calloc(max_n + 2 * padlen, sizeof *f->ext) : NULL;
    if (!f->c || !f->zi || !f->state || !f->tmp || (max_n && !f->ext)) {
        pt_sos_destroy(f);
        pt_error_set(err, PT_ENOMEM, "pt_sos_create: out of memory (max_n = %zu)", max_n);
        return NULL;
    }
    for (size_t k = 0; k < nsec; k++) {
        const double *r = sos + 6 * k;
        double b0 = r[0] / r[3], a1 = r[4] / r[3], a2 = r[5] / r[3];
        f->c[5 * k] = b0;
        f->c[5 * k + 1] = r[1] / r[3] - a1 * b0;
        f->c[5 * k + 2] = r[2] / r[3] - a2 * b0;
        f->c[5 * k + 3] = a1;
        f->c[5 * k + 4] = a2;
    }
    f->have_zi = pt_sos_zi(sos, nsec, f->zi) == PT_OK;
    f->warm = warmup_len(f->c, nsec);
    if (f->warm) {
        f->ngrp = (nsec + SEC_GROUP - 1) / SEC_GROUP;
        f->lc = calloc(f->ngrp * SEC_GROUP * 5, sizeof *f->lc);
        f->lz = calloc(f->ngrp * SEC_GROUP * 2 * LANES_MAX, sizeof *f->lz);
        f->tile = calloc(TILE * LANES_MAX, sizeof *f->tile);
        if (!f->lc || !f->lz || !f->tile) {
            pt_sos_destroy(f);
            pt_error_set(err, PT_ENOMEM, "pt_sos_create: out of memory (lane scratch)");
            return NULL;
        }
        memcpy(f->lc, f->c, nsec * 5 * sizeof *f->lc);
        for (size_t k = nsec; k < f->ngrp * SEC_GROUP; k++)
            f->lc[5 * k] = 1; /* identity section: t = v, state stays 0 */
    }
#if defined(PT_SOS_X86) && !defined(PT_PORTABLE)
    /* PT_PORTABLE (cmake -DPT_PORTABLE=ON) keeps the portable code even on an AVX2 machine,
     * so that CI runs the whole suite on the path other CPUs take */
    f->avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    f->path = PT_SOS_PATH_AUTO;
    return f;
}

int pt_sos_execute(pt_sos *f, const double *x, double *y, size_t n)
{
    if (!f || (n && (!x || !y)))
        return PT_EINVAL;
    if (n)
        filter(f, f->state, x, y, n, 1);
    return PT_OK;
}

int pt_sos_filtfilt(pt_sos *f, const double *x, double *y, size_t n, pt_error *err)
{
    if (!f || !x || !y)
        return pt_error_set(err, PT_EINVAL, "pt_sos_filtfilt: NULL argument");
    size_t p = f->padlen;
    if (n <= p)
        return pt_error_set(err, PT_EINVAL,
                            "The length of the input vector x must be greater "
                            "than padlen, which is %zu.",
                            p);
    if (n > f->max_n)
        return pt_error_set(err, PT_EINVAL,
                            "pt_sos_filtfilt: %zu samples exceed max_n = %zu "
                            "given at create",
                            n, f->max_n);
    if (!f->have_zi)
        return pt_error_set(err, PT_EINVAL,
                            "pt_sos_filtfilt: a section has a pole at z = 1; "
                            "no steady-state initial condition exists");
    double *e = f->ext;
    size_t m = n + 2 * p;
    /* odd extension: 2 x[0] - x[p..1] and 2 x[n-1] - x[n-2..n-1-p] (scipy odd_ext) */
    for (size_t i = 0; i < p; i++) {
        e[i] = 2 * x[0] - x[p - i];
        e[p + n + i] = 2 * x[n - 1] - x[n - 2 - i];
    }
    size_t ns2 = 2 * f->nsec;
    /* forward over [left extension, x, right extension]; x is read where it is */
    for (size_t k = 0; k < ns2; k++)
        f->tmp[k] = f->zi[k] * e[0];
    filter(f, f->tmp, e, e, p, 1);
    filter(f, f->tmp, x, e + p, n, 1);
    filter(f, f->tmp, e + p + n, e + p + n, p, 1);
    /* backward: the right extension, then the signal straight into y (x is no longer
     * needed, so y == x is fine); the left extension's backward outputs are never used */
    for (size_t k = 0; k < ns2; k++)
        f->tmp[k] = f->zi[k] * e[m - 1];
    filter(f, f->tmp, e + m - 1, e + m - 1, p, -1);
    filter(f, f->tmp, e + p + n - 1, y + n - 1, n, -1);
    return PT_OK;
}

size_t pt_sos_padlen(const pt_sos *f)
{
    return f->padlen;
}

size_t pt_sos_nsec(const pt_sos *f)
{
    return f->nsec;
}

void pt_sos_set_state(pt_sos *f, const double *zi)
{
    memcpy(f->state, zi, 2 * f->nsec * sizeof *zi);
}

void pt_sos_get_state(const pt_sos *f, double *zf)
{
    memcpy(zf, f->state, 2 * f->nsec * sizeof *zf);
}

void pt_sos_prime(pt_sos *f, double x0)
{
    for (size_t k = 0; k < 2 * f->nsec; k++)
        f->state[k] = f->have_zi ? f->zi[k] * x0 : 0.0;
}

void pt_sos_reset(pt_sos *f)
{
    memset(f->state, 0, 2 * f->nsec * sizeof *f->state);
}

void pt_sos_destroy(pt_sos *f)
{
    if (!f)
        return;
    free(f->c);
    free(f->zi);
    free(f->state);
    free(f->tmp);
    free(f->ext);
    free(f->lc);
    free(f->lz);
    free(f->tile);
    free(f);
}
