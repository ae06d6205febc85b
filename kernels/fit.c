/* SPDX-License-Identifier: GPL-2.0-or-later
 * fit.c — mono-exponential least squares by variable projection (Golub & Pereyra 1973):
 * for fixed tau the model is linear in (a, b); the residual is minimised over log tau by a
 * grid bracket and golden-section search. T30 after Imai et al. 1994 (J Am Coll Cardiol
 * 24:1529): -1/slope of ln HR over the first 30 s of recovery. */
#include <math.h>

#include "pulsetrain/fit.h"

#define NGRID 48

/* best (a, b) for this tau, and the residual sum of squares. yc = y - mean(y) is passed
 * through y with my subtracted on the fly; one exp per point:
 * RSS = Syy - Sey^2 / See with centred sums (Syy given). */
static double rss_at(const double *t, const double *y, size_t n, double uniform_dt, double my,
                     double syy, double tau, double *a, double *b)
{
    double se = 0, see = 0, sey = 0;
    size_t m = 0;
    if (uniform_dt > 0) {
        /* equally spaced, all finite: e_i = e_0 q^i, one exp per call instead of n
         * (the rounding of 300 products is ~1e-13 relative, far below the fit's) */
        double e = exp(-t[0] / tau), q = exp(-uniform_dt / tau);
        for (size_t i = 0; i < n; i++, e *= q) {
            double yc = y[i] - my;
            se += e;
            see += e * e;
            sey += e * yc;
        }
        m = n;
    } else {
        for (size_t i = 0; i < n; i++)
            if (isfinite(t[i]) && isfinite(y[i])) {
                double e = exp(-t[i] / tau), yc = y[i] - my;
                se += e;
                see += e * e;
                sey += e * yc;
                m++;
            }
    }
    double me = se / (double)m, cee = see - se * me; /* sum (e - me)^2 */
    double bb = cee > 0 ? sey / cee : 0;
    *a = my - bb * me;
    *b = bb;
    return cee > 0 ? syy - sey * sey / cee : syy;
}

static void set_nan(pt_expfit *o, size_t m)
{
    o->a = o->b = o->tau_s = o->r2 = o->rmse = NAN;
    o->n_used = m;
}

int pt_fit_exp(const double *t_s, const double *y, size_t n, pt_expfit *out, pt_error *err)
{
    if (!t_s || !y || !out)
        return pt_error_set(err, PT_EINVAL, "pt_fit_exp: NULL argument");
    size_t m = 0;
    double tmin = HUGE_VAL, tmax = -HUGE_VAL, sy = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(t_s[i]) && isfinite(y[i])) {
            m++;
            sy += y[i];
            tmin = t_s[i] < tmin ? t_s[i] : tmin;
            tmax = t_s[i] > tmax ? t_s[i] : tmax;
        }
    set_nan(out, m);
    if (m < 4)
        return pt_error_set(err, PT_EDATA, "pt_fit_exp: %zu finite points, need 4", m);
    double span = tmax - tmin, my = sy / (double)m, vy = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(t_s[i]) && isfinite(y[i]))
            vy += (y[i] - my) * (y[i] - my);
    if (!(span > 0) || !(vy > 0))
        return pt_error_set(err, PT_EDATA, "pt_fit_exp: no time span or no variance in y");
    /* equally spaced times with every point finite allow the one-exp recurrence */
    double udt = 0;
    if (m == n && n > 1) {
        double dt = (t_s[n - 1] - t_s[0]) / (double)(n - 1);
        int uni = dt > 0;
        for (size_t i = 0; i < n && uni; i++)
            uni = fabs(t_s[i] - (t_s[0] + (double)i * dt)) <= 1e-9 * (fabs(t_s[i]) + dt);
        udt = uni ? dt : 0;
    }
    /* grid over log tau in [span/1000, 100 span] */
    double lo = log(span / 1000), hi = log(span * 100), a, b;
    double best = HUGE_VAL;
    int kbest = 0;
    for (int k = 0; k < NGRID; k++) {
        double lt = lo + (hi - lo) * k / (NGRID - 1);
        double r = rss_at(t_s, y, n, udt, my, vy, exp(lt), &a, &b);
        if (r < best) {
            best = r;
            kbest = k;
        }
    }
    if (kbest == 0 || kbest == NGRID - 1)
        return pt_error_set(err, PT_EDATA,
                            "pt_fit_exp: best time constant at the edge of "
                            "[%g, %g] s: no exponential decay",
                            exp(lo), exp(hi));
    /* golden section on log tau within the bracketing grid cells */
    const double g = 0.6180339887498949;
    double x0 = lo + (hi - lo) * (kbest - 1) / (NGRID - 1);
    double x3 = lo + (hi - lo) * (kbest + 1) / (NGRID - 1);
    double x1 = x3 - g * (x3 - x0), x2 = x0 + g * (x3 - x0);
    double f1 = rss_at(t_s, y, n, udt, my, vy, exp(x1), &a, &b);
    double f2 = rss_at(t_s, y, n, udt, my, vy, exp(x2), &a, &b);
    for (int it = 0; it < 200 && x3 - x0 > 1e-11; it++) {
        if (f1 < f2) {
            x3 = x2;
            x2 = x1;
            f2 = f1;
            x1 = x3 - g * (x3 - x0);
            f1 = rss_at(t_s, y, n, udt, my, vy, exp(x1), &a, &b);
        } else {
            x0 = x1;
            x1 = x2;
            f1 = f2;
            x2 = x0 + g * (x3 - x0);
            f2 = rss_at(t_s, y, n, udt, my, vy, exp(x2), &a, &b);
        }
    }
    double tau = exp((x0 + x3) / 2);
    double rss = rss_at(t_s, y, n, udt, my, vy, tau, &a, &b);
    /* r2 = 1 - var(resid) / var(y), population variances (the reference's definition) */
    double sr = 0, sr2 = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(t_s[i]) && isfinite(y[i])) {
            double e = y[i] - a - b * exp(-t_s[i] / tau);
            sr += e;
            sr2 += e * e;
        }
    double mr = sr / (double)m, vr = sr2 / (double)m - mr * mr;
    out->a = a;
    out->b = b;
    out->tau_s = tau;
    out->r2 = 1 - vr / (vy / (double)m);
    out->rmse = sqrt(rss / (double)m);
    out->n_used = m;
    return PT_OK;
}

int pt_fit_t30(const double *t_s, const double *y, size_t n, double *t30_s, pt_error *err)
{
    if (!t_s || !y || !t30_s)
        return pt_error_set(err, PT_EINVAL, "pt_fit_t30: NULL argument");
    *t30_s = NAN;
    double t0 = NAN;
    for (size_t i = 0; i < n && isnan(t0); i++)
        if (isfinite(t_s[i]) && isfinite(y[i]))
            t0 = t_s[i];
    double st = 0, sl = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t_s[i]) || !isfinite(y[i]) || t_s[i] < t0 || t_s[i] > t0 + 30)
            continue;
        if (!(y[i] > 0))
            return pt_error_set(err, PT_EDATA,
                                "pt_fit_t30: sample %zu: y = %g <= 0 has no "
                                "logarithm",
                                i, y[i]);
        st += t_s[i];
        sl += log(y[i]);
        m++;
    }
    if (m < 2)
        return pt_error_set(err, PT_EDATA, "pt_fit_t30: %zu points in the first 30 s, need 2", m);
    double mt = st / (double)m, ml = sl / (double)m, stt = 0, stl = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t_s[i]) || !isfinite(y[i]) || t_s[i] < t0 || t_s[i] > t0 + 30)
            continue;
        stt += (t_s[i] - mt) * (t_s[i] - mt);
        stl += (t_s[i] - mt) * (log(y[i]) - ml);
    }
    double slope = stt > 0 ? stl / stt : 0;
    if (!(slope < 0))
        return pt_error_set(err, PT_EDATA,
                            "pt_fit_t30: ln y does not decrease over the first "
                            "30 s (slope %g /s)",
                            slope);
    *t30_s = -1.0 / slope;
    return PT_OK;
}
