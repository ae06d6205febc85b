/* SPDX-License-Identifier: GPL-2.0-or-later
 * sos.c — cascaded second-order sections (transposed direct form II, as scipy's _sosfilt,
 * with the output substituted into the state update to shorten the recursion) and zero-phase sosfiltfilt with scipy's odd extension and
 * steady-state initial conditions (Gustafsson 1996 style start-up, as scipy filtfilt).
 * Speed: up to four sections are run in one pass over the samples with their state in
 * registers, so the recursions of successive sections overlap in the CPU's pipeline. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pulsetrain/sos.h"

struct pt_sos {
    size_t nsec, max_n, padlen;
    int have_zi;   /* sosfilt_zi exists (no section with a pole at z = 1) */
    double *c;     /* [nsec*5] b0, b1 - a1 b0, b2 - a2 b0, a1, a2 (normalised to a0 = 1) */
    double *zi;    /* [nsec*2] sosfilt_zi */
    double *state; /* [nsec*2] causal delay line (scipy zi/zf layout) */
    double *tmp;   /* [nsec*2] filtfilt's own state */
    double *ext;   /* [max_n + 2*padlen] filtfilt scratch */
};

/* One section of transposed direct form II with t = b0 v + z0 substituted into the state
 * update: z0' = (b1 - a1 b0) v + z1 - a1 z0, z1' = (b2 - a2 b0) v - a2 z0. Same filter as
 * scipy's order of operations (differences at rounding level), but the recursion through
 * z0 is one multiply and one add instead of four dependent operations. */
#define SEC(k)                                                                                  \
    do {                                                                                        \
        double t_ = b0_##k * v + z0_##k;                                                        \
        double n0_ = (c1_##k * v + z1_##k) - a1_##k * z0_##k;                                   \
        z1_##k = c2_##k * v - a2_##k * z0_##k;                                                  \
        z0_##k = n0_;                                                                           \
        v = t_;                                                                                 \
    } while (0)
#define LOAD(k)                                                                                 \
    const double b0_##k = c[5 * (k)], c1_##k = c[5 * (k) + 1], c2_##k = c[5 * (k) + 2],         \
                 a1_##k = c[5 * (k) + 3], a2_##k = c[5 * (k) + 4];                              \
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

#define STEP1(k, vin, tout)                                                                     \
    do {                                                                                        \
        double v_ = (vin);                                                                      \
        (tout) = b0[k] * v_ + z0[k];                                                            \
        double n0_ = (c1[k] * v_ + z1[k]) - a1[k] * z0[k];                                      \
        z1[k] = c2[k] * v_ - a2[k] * z0[k];                                                     \
        z0[k] = n0_;                                                                            \
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
static void cascade(const double *c, double *z, size_t nsec, const double *x, double *y,
                    size_t n, ptrdiff_t s)
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
            pt_error_set(err, PT_EINVAL, "pt_sos_create: section %zu coefficient %zu is not "
                         "finite", k / 6, k % 6);
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
    return f;
}

int pt_sos_execute(pt_sos *f, const double *x, double *y, size_t n)
{
    if (!f || (n && (!x || !y)))
        return PT_EINVAL;
    if (n)
        cascade(f->c, f->state, f->nsec, x, y, n, 1);
    return PT_OK;
}

int pt_sos_filtfilt(pt_sos *f, const double *x, double *y, size_t n, pt_error *err)
{
    if (!f || !x || !y)
        return pt_error_set(err, PT_EINVAL, "pt_sos_filtfilt: NULL argument");
    size_t p = f->padlen;
    if (n <= p)
        return pt_error_set(err, PT_EINVAL, "The length of the input vector x must be greater "
                            "than padlen, which is %zu.", p);
    if (n > f->max_n)
        return pt_error_set(err, PT_EINVAL, "pt_sos_filtfilt: %zu samples exceed max_n = %zu "
                            "given at create", n, f->max_n);
    if (!f->have_zi)
        return pt_error_set(err, PT_EINVAL, "pt_sos_filtfilt: a section has a pole at z = 1; "
                            "no steady-state initial condition exists");
    double *e = f->ext;
    size_t m = n + 2 * p;
    /* odd extension: 2 x[0] - x[p..1] and 2 x[n-1] - x[n-2..n-1-p] (scipy odd_ext) */
    for (size_t i = 0; i < p; i++) {
        e[i] = 2 * x[0] - x[p - i];
        e[p + n + i] = 2 * x[n - 1] - x[n - 2 - i];
    }
    memcpy(e + p, x, n * sizeof *x);
    size_t ns2 = 2 * f->nsec;
    for (size_t k = 0; k < ns2; k++)
        f->tmp[k] = f->zi[k] * e[0];
    cascade(f->c, f->tmp, f->nsec, e, e, m, 1);
    for (size_t k = 0; k < ns2; k++)
        f->tmp[k] = f->zi[k] * e[m - 1];
    cascade(f->c, f->tmp, f->nsec, e + m - 1, e + m - 1, m, -1);
    memcpy(y, e + p, n * sizeof *y);
    return PT_OK;
}

size_t pt_sos_padlen(const pt_sos *f) { return f->padlen; }

size_t pt_sos_nsec(const pt_sos *f) { return f->nsec; }

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
    free(f);
}
