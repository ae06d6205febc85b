/* SPDX-License-Identifier: GPL-2.0-or-later
 * resample.c — polyphase rational resampling as scipy.signal.resample_poly (upfirdn with a
 * Kaiser-windowed sinc, Crochiere & Rabiner 1983) and numpy.interp's linear interpolation. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pulsetrain/resample.h"

struct pt_resample {
    size_t up, down;
    size_t npre;   /* leading zeros of the padded filter (scipy n_pre_pad) */
    size_t remove; /* first kept output of upfirdn (scipy n_pre_remove) */
    size_t hlen;   /* padded filter length */
    size_t ntap;   /* taps per phase, ceil(hlen / up) */
    double *poly;  /* [up * ntap] phase f: h[f + up*t], t = 0..ntap-1 (zero beyond hlen) */
};

static size_t gcd(size_t a, size_t b)
{
    while (b) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* modified Bessel function I0 by its power series (all terms positive: accurate) */
static double bessel_i0(double x)
{
    double s = 1, t = 1, q = x * x / 4;
    for (int k = 1; k < 500; k++) {
        t *= q / ((double)k * (double)k);
        s += t;
        if (t < 1e-17 * s)
            break;
    }
    return s;
}

static double sinc(double x)
{
    const double pi = 3.14159265358979323846;
    double y = pi * (x == 0 ? 1.0e-20 : x); /* numpy.sinc */
    return sin(y) / y;
}

pt_resample *pt_resample_create(int up, int down, pt_error *err)
{
    if (up < 1 || down < 1 || up > 10000 || down > 10000) {
        pt_error_set(err, PT_EINVAL,
                     "pt_resample_create: up = %d and down = %d must be in "
                     "1..10000",
                     up, down);
        return NULL;
    }
    pt_resample *r = calloc(1, sizeof *r);
    if (!r) {
        pt_error_set(err, PT_ENOMEM, "pt_resample_create: out of memory");
        return NULL;
    }
    size_t g = gcd((size_t)up, (size_t)down);
    r->up = (size_t)up / g;
    r->down = (size_t)down / g;
    if (r->up == 1 && r->down == 1)
        return r; /* identity: scipy returns a copy */
    size_t maxr = r->up > r->down ? r->up : r->down;
    size_t half = 10 * maxr, L = 2 * half + 1;
    double fc = 1.0 / (double)maxr, alpha = 0.5 * (double)(L - 1), beta = 5.0;
    r->npre = r->down - half % r->down;
    r->remove = (half + r->npre) / r->down;
    r->hlen = L + r->npre;
    r->ntap = (r->hlen + r->up - 1) / r->up;
    double *h = calloc(L, sizeof *h);
    r->poly = calloc(r->up * r->ntap, sizeof *r->poly);
    if (!h || !r->poly) {
        free(h);
        pt_resample_destroy(r);
        pt_error_set(err, PT_ENOMEM, "pt_resample_create: out of memory");
        return NULL;
    }
    /* firwin(L, fc, window=('kaiser', 5)), scaled to unit DC gain, then times up */
    double i0b = bessel_i0(beta), s = 0;
    for (size_t i = 0; i < L; i++) {
        double m = (double)i - alpha, q = ((double)i - alpha) / alpha;
        double w = bessel_i0(beta * sqrt(1 - q * q)) / i0b;
        h[i] = fc * sinc(fc * m) * w;
        s += h[i];
    }
    for (size_t i = 0; i < L; i++) {
        double v = h[i] / s * (double)r->up;
        size_t j = i + r->npre; /* index in the padded filter */
        r->poly[(j % r->up) * r->ntap + j / r->up] = v;
    }
    free(h);
    return r;
}

size_t pt_resample_nout(const pt_resample *r, size_t n_in)
{
    size_t t = n_in * r->up;
    return t / r->down + (t % r->down != 0);
}

int pt_resample_execute(const pt_resample *r, const double *x, size_t n, double *y, size_t *n_out)
{
    if (!r || !x || !y || n == 0)
        return PT_EINVAL;
    size_t no = pt_resample_nout(r, n);
    if (r->up == 1 && r->down == 1) {
        memcpy(y, x, n * sizeof *y);
    } else {
        /* upfirdn output k = sum_i x[i] h[k*down - i*up]; phase f = pos mod up uses taps
         * h[f + up*t] against x[pos/up - t] */
        for (size_t o = 0; o < no; o++) {
            size_t pos = (o + r->remove) * r->down;
            size_t f = pos % r->up, i0 = pos / r->up;
            const double *hp = r->poly + f * r->ntap;
            size_t t0 = i0 >= n ? i0 - (n - 1) : 0; /* skip x beyond the end (zeros) */
            size_t t1 = i0 + 1 < r->ntap ? i0 + 1 : r->ntap;
            /* four partial sums: one serial chain of adds was the bottleneck (its
             * latency, not the multiplies); the order change is at rounding level */
            double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            size_t t = t0;
            for (; t + 4 <= t1; t += 4) {
                a0 += hp[t] * x[i0 - t];
                a1 += hp[t + 1] * x[i0 - t - 1];
                a2 += hp[t + 2] * x[i0 - t - 2];
                a3 += hp[t + 3] * x[i0 - t - 3];
            }
            for (; t < t1; t++)
                a0 += hp[t] * x[i0 - t];
            y[o] = (a0 + a1) + (a2 + a3);
        }
    }
    if (n_out)
        *n_out = no;
    return PT_OK;
}

void pt_resample_destroy(pt_resample *r)
{
    if (!r)
        return;
    free(r->poly);
    free(r);
}

/* numpy binary_search_with_guess: j with tx[j] <= v < tx[j+1]; -1 below, n above */
static ptrdiff_t search(const double *tx, size_t n, double v, ptrdiff_t guess)
{
    if (v < tx[0])
        return -1;
    if (v > tx[n - 1])
        return (ptrdiff_t)n;
    if (guess >= 0 && (size_t)guess + 1 < n && tx[guess] <= v && v < tx[guess + 1])
        return guess;
    if (guess >= -1 && (size_t)(guess + 2) < n && tx[guess + 1] <= v && v < tx[guess + 2])
        return guess + 1;
    size_t lo = 0, hi = n; /* invariant: tx[lo] <= v, v < tx[hi] (hi = n: +inf) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (v < tx[mid])
            hi = mid;
        else
            lo = mid;
    }
    return (ptrdiff_t)lo;
}

/* One interior point: tx[j] <= v < tx[j + 1] (numpy.interp's arithmetic). */
static double interp_at(const double *tx, const double *x, size_t j, double v)
{
    if (tx[j] == v)
        return x[j];
    double slope = (x[j + 1] - x[j]) / (tx[j + 1] - tx[j]);
    double r = slope * (v - tx[j]) + x[j];
    if (isnan(r)) { /* as numpy: try from the right end, then a flat segment */
        r = slope * (v - tx[j + 1]) + x[j + 1];
        if (isnan(r) && x[j] == x[j + 1])
            r = x[j];
    }
    return r;
}

int pt_interp(const double *tx, const double *x, size_t n, const double *tq, double *y, size_t m)
{
    if (!tx || !x || n == 0 || (m && (!tq || !y)))
        return PT_EINVAL;
    if (n == 1) {
        for (size_t i = 0; i < m; i++)
            y[i] = isnan(tq[i]) ? tq[i] : x[0];
        return PT_OK;
    }
    const double lo = tx[0], hi = tx[n - 1];
    size_t j = 0; /* segment of the previous query */
    for (size_t i = 0; i < m; i++) {
        double v = tq[i];
        if (!(v >= lo)) { /* below the range, or NaN */
            y[i] = isnan(v) ? v : x[0];
            continue;
        }
        if (v >= hi) {
            y[i] = x[n - 1];
            continue;
        }
        /* Queries usually increase (a time base): walk forward from the last
         * segment, a few steps at most; otherwise search. */
        if (tx[j] <= v) {
            size_t k = 0;
            while (tx[j + 1] <= v && k < 8) {
                j++;
                k++;
            }
            if (tx[j + 1] <= v)
                j = (size_t)search(tx, n, v, -2);
        } else {
            j = (size_t)search(tx, n, v, -2);
        }
        y[i] = interp_at(tx, x, j, v);
    }
    return PT_OK;
}
