/* SPDX-License-Identifier: GPL-2.0-or-later
 * hrtrack_beats.c — systolic peaks of a PPG by two moving averages, with motion flags.
 *
 * Method: Elgendi, Norton, Brearley, Abbott, Schuurmans 2013, "Systolic peak detection in
 * acceleration photoplethysmograms measured from emergency responders in tropical
 * conditions", PLoS ONE 8(10):e76585 (band-pass 0.5-8 Hz, W1 = 111 ms, W2 = 667 ms,
 * beta = 0.02). Motion flag: standard deviation of the acc magnitude over +-2 s. Runs of
 * finite samples are analysed one by one: a gap ends a run of beats, it does not void the rest. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pulsetrain/hrtrack.h"
#include "pulsetrain/sos.h"

/* centred moving average of odd length w (edges: mean over the available part) */
static void movavg(const double *x, double *y, size_t n, size_t w)
{
    size_t h = w / 2;
    double s = 0;
    size_t lo = 0, hi = 0; /* sum over [lo, hi) */
    for (size_t i = 0; i < n; i++) {
        size_t a = i > h ? i - h : 0, b = i + h + 1 < n ? i + h + 1 : n;
        while (hi < b)
            s += x[hi++];
        while (lo < a)
            s -= x[lo++];
        y[i] = s / (double)(b - a);
    }
}

/* Beats of one run of finite samples x[0..n) into t_s/ibi_s/motion from *k on; t_off is the
 * run's start in the whole signal [s]. y, ma1, ma2: scratch [size: n]. The first beat of a
 * run that does not start the signal follows a gap: its interval is NaN. */
static int run_beats(pt_sos *f, const double *x, size_t n, double fs_hz, double t_off,
                     const double *mag, size_t na, double fs_acc_hz, double motion_g, double *t_s,
                     double *ibi_s, int *motion, size_t max_beats, size_t *k, double *y,
                     double *ma1, double *ma2, pt_error *err)
{
    int rc = pt_sos_filtfilt(f, x, y, n, err);
    if (rc)
        return rc;
    double mean = 0;
    for (size_t i = 0; i < n; i++) {
        y[i] = y[i] > 0 ? y[i] * y[i] : 0.0; /* clip negative, square: emphasises systole */
        mean += y[i];
    }
    mean /= (double)(n ? n : 1);
    size_t w1 = (size_t)(0.111 * fs_hz) | 1u, w2 = (size_t)(0.667 * fs_hz) | 1u;
    movavg(y, ma1, n, w1);
    movavg(y, ma2, n, w2);
    double alpha = 0.02 * mean;
    size_t i = 0;
    double prev_t = t_off > 0 ? (double)NAN : -1;
    while (i < n) {
        if (!(ma1[i] > ma2[i] + alpha)) {
            i++;
            continue;
        }
        size_t a = i;
        while (i < n && ma1[i] > ma2[i] + alpha)
            i++;
        if (i - a < w1)
            continue; /* block shorter than W1: noise */
        size_t pk = a;
        for (size_t j = a; j < i; j++)
            if (y[j] > y[pk])
                pk = j;
        double t = t_off + (double)pk / fs_hz;
        if (*k >= max_beats)
            return pt_error_set(err, PT_EINVAL, "hrtrack_beats: more than %zu beats", max_beats);
        t_s[*k] = t;
        ibi_s[*k] = isnan(prev_t) ? (double)NAN : prev_t >= 0 ? t - prev_t : 0.0;
        if (motion) {
            int mv = 0;
            if (na) {
                size_t q = (size_t)(t * fs_acc_hz);
                q = q < na ? q : na - 1;
                double var = mag[na + q] - mag[q] * mag[q];
                mv = var > motion_g * motion_g;
            }
            motion[*k] = mv;
        }
        prev_t = t;
        (*k)++;
    }
    return PT_OK;
}

int pt_hrtrack_beats(const double *ppg, size_t n, double fs_hz, const double *const *acc,
                     size_t n_acc, double fs_acc_hz, double motion_g, double *t_s, double *ibi_s,
                     int *motion, size_t max_beats, size_t *n_beats, pt_error *err)
{
    if (!ppg || !t_s || !ibi_s || !n_beats || !(fs_hz > 16.0))
        return pt_error_set(err, PT_EINVAL, "hrtrack_beats: bad argument (fs_hz %g > 16 needed)",
                            fs_hz);
    *n_beats = 0;
    size_t k = 0;
    double sos[6 * 4];
    size_t nsec = pt_butter_nsec(2, PT_BAND_BANDPASS);
    int rc = pt_butter_sos(2, PT_BAND_BANDPASS, 0.5, 8.0, fs_hz, sos, err);
    if (rc)
        return rc;
    pt_sos *f = pt_sos_create(sos, nsec, n, err);
    double *y = malloc((n ? n : 1) * sizeof *y), *ma1 = malloc((n ? n : 1) * sizeof *ma1),
           *ma2 = malloc((n ? n : 1) * sizeof *ma2);
    double *mag = NULL;
    if (!f || !y || !ma1 || !ma2) {
        rc = f     ? pt_error_set(err, PT_ENOMEM, "hrtrack_beats: out of memory")
             : err ? err->code
                   : PT_ENOMEM;
        goto done;
    }
    /* acc magnitude standard deviation over +-2 s, for the motion flag */
    size_t na = acc ? n_acc : 0;
    if (na) {
        mag = malloc(2 * na * sizeof *mag);
        if (!mag) {
            rc = pt_error_set(err, PT_ENOMEM, "hrtrack_beats: out of memory");
            goto done;
        }
        for (size_t i = 0; i < na; i++) {
            double m = sqrt(acc[0][i] * acc[0][i] + acc[1][i] * acc[1][i] + acc[2][i] * acc[2][i]);
            m = isfinite(m) ? m : 1.0; /* a missing acc sample: no motion evidence */
            mag[i] = m;
            mag[na + i] = m * m;
        }
        movavg(mag, mag, na, (size_t)(4.0 * fs_acc_hz) | 1u);
        movavg(mag + na, mag + na, na, (size_t)(4.0 * fs_acc_hz) | 1u);
    }
    /* a gap (NaN samples) ends a run of beats; runs shorter than 2 s hold none */
    size_t min_run = (size_t)(2.0 * fs_hz);
    for (size_t a = 0; a < n && !rc;) {
        while (a < n && !isfinite(ppg[a]))
            a++;
        size_t b = a;
        while (b < n && isfinite(ppg[b]))
            b++;
        if (b - a >= min_run && b - a > pt_sos_padlen(f))
            rc = run_beats(f, ppg + a, b - a, fs_hz, (double)a / fs_hz, mag, na, fs_acc_hz,
                           motion_g, t_s, ibi_s, motion, max_beats, &k, y, ma1, ma2, err);
        a = b;
    }
done:
    *n_beats = k;
    free(mag);
    free(y);
    free(ma1);
    free(ma2);
    pt_sos_destroy(f);
    return rc;
}
