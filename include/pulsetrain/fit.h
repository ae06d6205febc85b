/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/fit.h — mono-exponential least-squares fit y = a + b exp(-t/tau) (heart-rate
 * recovery), and Imai's T30.
 *
 * Threads: pure functions (no state, no allocation). */
#ifndef PULSETRAIN_FIT_H
#define PULSETRAIN_FIT_H

#include <stddef.h>

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Result of pt_fit_exp. On failure every double is NaN. */
typedef struct pt_expfit {
    double a;      /* asymptote [y units] (e.g. HR at rest, bpm)                     */
    double b;      /* amplitude at t = 0 [y units] (y(0) - a)                         */
    double tau_s;  /* time constant [s], > 0                                          */
    double r2;     /* 1 - var(residual) / var(y), as the reference                    */
    double rmse;   /* root-mean-square residual [y units]                             */
    size_t n_used; /* finite (t, y) pairs used                                        */
} pt_expfit;

/* Least-squares fit of y = a + b exp(-t/tau) (the minimum scipy.optimize.curve_fit
 * reaches from p0 = (y[-1], y[0] - y[-1], 60)). Robust by construction: variable
 * projection (Golub & Pereyra 1973) — a and b are solved exactly for each tau, and the
 * one-dimensional residual in log tau is bracketed on a grid, then refined by golden
 * section, so there is no starting point to get wrong.
 *   t_s : sample times [s], measured from the start of the recovery (the model uses t as
 *         given) [size: n]
 *   y   : values [size: n]; pairs with a non-finite t or y are skipped
 *   n   : >= 4 finite pairs needed
 *   out : result
 * Returns PT_OK; PT_EDATA (too few points, zero time span or no variance, or the best tau
 * at the edge of the search range [span/1000, 100 * span]: no exponential decay to fit),
 * with *out NaN and the reason in *err; PT_EINVAL on NULL. */
PT_API int pt_fit_exp(const double *t_s, const double *y, size_t n, pt_expfit *out, pt_error *err);

/* T30 (Imai et al. 1994): -1 / slope of the least-squares line of ln y against t over
 * the first 30 s, i.e. samples with t_s[0] <= t <= t_s[0] + 30.
 *   t_s, y : [size: n], y > 0 where used; non-finite pairs skipped
 *   t30_s  : out, T30 [s] (NaN on failure)
 * Returns PT_OK, or PT_EDATA (fewer than 2 points in the window, y <= 0, or a slope >= 0:
 * no decay) with the reason in *err; PT_EINVAL on NULL. */
PT_API int pt_fit_t30(const double *t_s, const double *y, size_t n, double *t30_s, pt_error *err);

#ifdef __cplusplus
}
#endif

#endif
