/* SPDX-License-Identifier: GPL-2.0-or-later
 * stats.c — trailing moving mean / standard deviation (shifted running sums, re-anchored
 * every window to bound rounding drift; Chan, Golub & LeVeque 1983 on shifted sums) and
 * moving median (sorted window kept by binary search + memmove, O(w) per sample with a
 * tiny constant). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pulsetrain/stats.h"

struct pt_movstat {
    pt_movstat_kind kind;
    size_t w;
    double *ring;   /* [w] last w inputs */
    double *sorted; /* [w] median: finite... non-NaN window values, ascending */
    size_t nsorted;
    size_t seen;          /* samples since reset (saturates at w) */
    size_t pos;           /* next ring slot */
    size_t nnan;          /* NaNs in the window */
    size_t since;         /* samples since the last re-anchor */
    double shift, s1, s2; /* sums of (x - shift) and (x - shift)^2 over non-NaN window values */
};

pt_movstat *pt_movstat_create(pt_movstat_kind kind, size_t window, pt_error *err)
{
    if (kind != PT_MOVSTAT_MEAN && kind != PT_MOVSTAT_STD && kind != PT_MOVSTAT_MEDIAN) {
        pt_error_set(err, PT_EINVAL, "pt_movstat_create: unknown kind %d", (int)kind);
        return NULL;
    }
    if (window < 1 || window > ((size_t)1 << 28)) {
        pt_error_set(err, PT_EINVAL, "pt_movstat_create: window %zu outside 1..2^28", window);
        return NULL;
    }
    pt_movstat *m = calloc(1, sizeof *m);
    if (!m) {
        pt_error_set(err, PT_ENOMEM, "pt_movstat_create: out of memory");
        return NULL;
    }
    m->kind = kind;
    m->w = window;
    m->ring = calloc(window, sizeof *m->ring);
    m->sorted = kind == PT_MOVSTAT_MEDIAN ? calloc(window, sizeof *m->sorted) : NULL;
    if (!m->ring || (kind == PT_MOVSTAT_MEDIAN && !m->sorted)) {
        pt_movstat_destroy(m);
        pt_error_set(err, PT_ENOMEM, "pt_movstat_create: out of memory (window %zu)", window);
        return NULL;
    }
    return m;
}

void pt_movstat_reset(pt_movstat *m)
{
    m->nsorted = m->seen = m->pos = m->nnan = m->since = 0;
    m->shift = m->s1 = m->s2 = 0;
}

/* first index with sorted[i] >= v */
static size_t lower(const double *a, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* recompute the sums exactly around the current window's first value */
static void reanchor(pt_movstat *m)
{
    size_t cnt = m->seen;
    double c = (double)NAN;
    for (size_t k = 0; k < cnt && isnan(c); k++)
        c = m->ring[k];
    const double sh = isnan(c) ? 0 : c;
    const double *ring = m->ring;
    double s1 = 0, s2 = 0; /* locals: summing into m->s1 would go through memory */
    for (size_t k = 0; k < cnt; k++) {
        double v = ring[k];
        if (!isnan(v)) {
            s1 += v - sh;
            s2 += (v - sh) * (v - sh);
        }
    }
    m->shift = sh;
    m->s1 = s1;
    m->s2 = s2;
    m->since = 0;
}

/* Steady state of mean/std (full window, no NaN inside it or in x[0..n)): the
 * same arithmetic as the general loop below, without its per-sample branches,
 * in runs that end at the ring's wrap or the next re-anchor. Returns the
 * samples done (stops early at a NaN). */
static size_t steady(pt_movstat *m, const double *x, double *y, size_t n)
{
    const size_t w = m->w;
    const double inv_w = 1.0 / (double)w;
    size_t i = 0;
    while (i < n) {
        size_t run = n - i;
        if (run > w - m->pos)
            run = w - m->pos;
        if (run > w - 1 - m->since)
            run = w - 1 - m->since;
        if (run == 0) { /* re-anchor point: let the general path do this sample */
            break;
        }
        double *ring = m->ring + m->pos;
        const double sh = m->shift;
        double s1 = m->s1, s2 = m->s2;
        const double *xi = x + i;
        double *yi = y + i;
        size_t k = 0;
        if (m->kind == PT_MOVSTAT_MEAN) {
            for (; k < run; k++) {
                double v = xi[k];
                if (isnan(v))
                    break;
                double old = ring[k];
                ring[k] = v;
                s1 += v - old; /* (v - sh) - (old - sh); s2 is not needed for a mean */
                yi[k] = sh + s1 * inv_w;
            }
        } else {
            for (; k < run; k++) {
                double v = xi[k];
                if (isnan(v))
                    break;
                double old = ring[k];
                ring[k] = v;
                double dv = v - sh, dold = old - sh;
                s1 += dv - dold;
                s2 += dv * dv - dold * dold;
                double mu = s1 * inv_w, var = s2 * inv_w - mu * mu;
                yi[k] = var > 0 ? sqrt(var) : 0.0;
            }
        }
        m->s1 = s1;
        m->s2 = s2;
        m->pos = (m->pos + k) % w;
        m->since += k;
        i += k;
        if (k < run)
            break; /* a NaN: the general path takes it */
    }
    return i;
}

int pt_movstat_execute(pt_movstat *m, const double *x, double *y, size_t n)
{
    if (!m || (n && (!x || !y)))
        return PT_EINVAL;
    const size_t w = m->w;
    for (size_t i = 0; i < n; i++) {
        if (m->kind != PT_MOVSTAT_MEDIAN && m->seen == w && m->nnan == 0) {
            size_t done = steady(m, x + i, y + i, n - i);
            i += done;
            if (i >= n)
                break;
        }
        double v = x[i];
        double old = m->seen == w ? m->ring[m->pos] : (double)NAN;
        int had_old = m->seen == w;
        m->ring[m->pos] = v;
        m->pos = m->pos + 1 == w ? 0 : m->pos + 1;
        if (!had_old)
            m->seen++;
        if (had_old && isnan(old))
            m->nnan--;
        if (isnan(v))
            m->nnan++;
        if (m->kind == PT_MOVSTAT_MEDIAN) {
            if (had_old && !isnan(old)) {
                size_t k = lower(m->sorted, m->nsorted, old);
                memmove(m->sorted + k, m->sorted + k + 1, (m->nsorted - k - 1) * sizeof(double));
                m->nsorted--;
            }
            if (!isnan(v)) {
                size_t k = lower(m->sorted, m->nsorted, v);
                memmove(m->sorted + k + 1, m->sorted + k, (m->nsorted - k) * sizeof(double));
                m->sorted[k] = v;
                m->nsorted++;
            }
            if (m->seen < w || m->nnan)
                y[i] = NAN;
            else
                y[i] = w % 2 ? m->sorted[w / 2] : (m->sorted[w / 2 - 1] + m->sorted[w / 2]) / 2;
            continue;
        }
        if (++m->since >= w) {
            reanchor(m);
        } else {
            if (had_old && !isnan(old)) {
                m->s1 -= old - m->shift;
                m->s2 -= (old - m->shift) * (old - m->shift);
            }
            if (!isnan(v)) {
                m->s1 += v - m->shift;
                m->s2 += (v - m->shift) * (v - m->shift);
            }
        }
        if (m->seen < w || m->nnan) {
            y[i] = NAN;
        } else {
            double mu = m->s1 / (double)w;
            if (m->kind == PT_MOVSTAT_MEAN) {
                y[i] = m->shift + mu;
            } else {
                double var = m->s2 / (double)w - mu * mu;
                y[i] = var > 0 ? sqrt(var) : 0.0;
            }
        }
    }
    return PT_OK;
}

void pt_movstat_destroy(pt_movstat *m)
{
    if (!m)
        return;
    free(m->ring);
    free(m->sorted);
    free(m);
}
