/* SPDX-License-Identifier: GPL-2.0-or-later
 * heart.c — heart rate from the PPG, window by window.
 *
 * In:  the first PPG channel (any units), regular rate.
 * Out: /hr rows: t_start_s [s], bpm [bpm], quality [0..1].
 * Parameters: ppg_lo_hz, ppg_hi_hz, ppg_order (band-pass), hr_window_s (8),
 *             hr_step_s (2), hr_lo_bpm..hr_hi_bpm (40..220).
 * Method: Butterworth band-pass, zero-phase (scipy sosfiltfilt), then the
 * highest peak of the Hann-windowed, zero-padded power spectrum per window
 * (first pass; issue 5 adds motion suppression and a path through time).
 *
 * Block-wise: the signal is filtered in chunks of chunk_s with margin_s of
 * overlap on both sides, so the filtered samples equal a whole-recording
 * sosfiltfilt to ~1e-12 (the filter forgets its start within a few seconds). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/stage_impl.h"
#include "pulsetrain/fft.h"
#include "pulsetrain/sos.h"

#define CHUNK_S 300.0
#define MARGIN_S 30.0

typedef struct heart {
    int ch;
    double fs_hz, t0_s;
    double win_s, step_s, lo_bpm, hi_bpm;
    size_t n_win, nfft, nfreq;
    size_t n_chunk, n_margin;
    double *buf;     /* raw samples from absolute index buf_first [size: cap] */
    size_t buf_n, cap;
    int64_t buf_first;
    int64_t next_win; /* index of the next window to compute */
    double *filt;    /* filtered copy of buf [size: cap] */
    double *clean;   /* buf with missing samples held [size: cap] */
    double *seg, *power, *hann;
    pt_sos *sos;
    pt_fft *fft;
} heart;

static void heart_destroy(void *p)
{
    heart *h = p;
    if (!h)
        return;
    free(h->buf);
    free(h->filt);
    free(h->clean);
    free(h->seg);
    free(h->power);
    free(h->hann);
    pt_sos_destroy(h->sos);
    pt_fft_destroy(h->fft);
    free(h);
}

static void *heart_create(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                          pt_error *err)
{
    heart *h = calloc(1, sizeof *h);
    if (!h) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    h->ch = pt_find_channel(info, PT_KIND_PPG);
    if (h->ch < 0) {
        pt_summary_note(s, "no PPG channel: /hr is empty");
        return h;
    }
    const pt_channel_info *c = &info->chan[h->ch];
    if (!(c->fs_hz > 0)) {
        pt_error_set(err, PT_EUNSUPPORTED, "%s: PPG channel '%s' has no regular sample rate",
                     info->path, c->name);
        heart_destroy(h);
        return NULL;
    }
    h->fs_hz = c->fs_hz;
    if (p->ppg_hi_hz >= h->fs_hz / 2) {
        pt_summary_note(s, "PPG '%s' at %g Hz is too slow for the %g Hz band edge: /hr is empty",
                        c->name, h->fs_hz, p->ppg_hi_hz);
        h->ch = -1;
        return h;
    }
    h->win_s = p->hr_window_s;
    h->step_s = p->hr_step_s;
    h->lo_bpm = p->hr_lo_bpm;
    h->hi_bpm = p->hr_hi_bpm;
    h->n_win = (size_t)llround(h->win_s * h->fs_hz);
    /* zero-pad to <= 0.5 bpm bins */
    size_t need = (size_t)ceil(h->fs_hz * 120.0);
    h->nfft = 1;
    while (h->nfft < need || h->nfft < h->n_win)
        h->nfft *= 2;
    h->nfreq = h->nfft / 2 + 1;
    h->n_chunk = (size_t)llround(CHUNK_S * h->fs_hz);
    h->n_margin = (size_t)llround(MARGIN_S * h->fs_hz);
    h->cap = h->n_chunk + 2 * h->n_margin + h->n_win + 1;
    size_t nsec = pt_butter_nsec(p->ppg_order, PT_BAND_BANDPASS);
    double sos[6 * 20];
    if (pt_butter_sos(p->ppg_order, PT_BAND_BANDPASS, p->ppg_lo_hz, p->ppg_hi_hz, h->fs_hz, sos,
                      err))
        goto fail;
    h->sos = pt_sos_create(sos, nsec, h->cap, err);
    h->fft = h->sos ? pt_fft_create(h->nfft, PT_FFT_ESTIMATE, err) : NULL;
    if (!h->fft)
        goto fail;
    h->buf = calloc(h->cap, sizeof(double));
    h->filt = calloc(h->cap, sizeof(double));
    h->clean = calloc(h->cap, sizeof(double));
    h->seg = calloc(h->nfft, sizeof(double));
    h->power = calloc(h->nfreq, sizeof(double));
    h->hann = calloc(h->n_win, sizeof(double));
    if (!h->buf || !h->filt || !h->clean || !h->seg || !h->power || !h->hann) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < h->n_win; i++) /* symmetric Hann */
        h->hann[i] = 0.5 - 0.5 * cos(2.0 * 3.14159265358979323846 * (double)i / (double)(h->n_win - 1));
    return h;
fail:
    heart_destroy(h);
    return NULL;
}

/* Spectral peak of one filtered window: bpm and a quality (peak's share of
 * the in-band power). */
static void window_hr(heart *h, const double *x, int *missing, double *bpm, double *q)
{
    double mean = 0;
    for (size_t i = 0; i < h->n_win; i++)
        mean += x[i];
    mean /= (double)h->n_win;
    memset(h->seg, 0, h->nfft * sizeof(double));
    for (size_t i = 0; i < h->n_win; i++)
        h->seg[i] = (x[i] - mean) * h->hann[i];
    pt_fft_power(h->fft, h->seg, h->power);
    double df = h->fs_hz / (double)h->nfft;
    size_t k0 = (size_t)ceil(h->lo_bpm / 60.0 / df), k1 = (size_t)floor(h->hi_bpm / 60.0 / df);
    if (k1 >= h->nfreq - 1)
        k1 = h->nfreq - 2;
    size_t best = k0;
    double total = 0;
    for (size_t k = k0; k <= k1; k++) {
        total += h->power[k];
        if (h->power[k] > h->power[best])
            best = k;
    }
    if (*missing || !(total > 0)) {
        *bpm = NAN;
        *q = NAN;
        return;
    }
    /* parabolic interpolation of the peak on log power */
    double a = log(h->power[best - 1] + 1e-300), b = log(h->power[best] + 1e-300),
           c = log(h->power[best + 1] + 1e-300);
    double den = a - 2 * b + c, off = den < 0 ? 0.5 * (a - c) / den : 0;
    *bpm = ((double)best + off) * df * 60.0;
    /* share of in-band power within +-3 bins of the peak */
    double near = 0;
    for (size_t k = best >= k0 + 3 ? best - 3 : k0; k <= best + 3 && k <= k1; k++)
        near += h->power[k];
    *q = near / total;
}

/* Filter buf[0..buf_n) and emit every window that lies in the settled part
 * [lo_ok, hi_ok) of absolute sample indices. */
static int process(heart *h, int64_t hi_ok, pt_summary *s, pt_error *err)
{
    if (h->buf_n <= pt_sos_padlen(h->sos))
        return PT_OK; /* too short to filter: no windows */
    /* The filter cannot take NaN: hold the last valid value (windows with
     * many missing samples are reported as NaN anyway). */
    double last = 0;
    for (size_t i = 0; i < h->buf_n; i++)
        if (!isnan(h->buf[i])) {
            last = h->buf[i];
            break;
        }
    for (size_t i = 0; i < h->buf_n; i++) {
        if (!isnan(h->buf[i]))
            last = h->buf[i];
        h->clean[i] = last;
    }
    int rc = pt_sos_filtfilt(h->sos, h->clean, h->filt, h->buf_n, err);
    if (rc)
        return rc;
    int64_t step = llround(h->step_s * h->fs_hz);
    pt_table *t = pt_summary_table(s, "hr");
    for (;;) {
        int64_t start = h->next_win * step;
        if (start + (int64_t)h->n_win > hi_ok)
            break;
        const double *x = h->filt + (start - h->buf_first);
        int missing = 0;
        size_t nnan = 0;
        const double *raw = h->buf + (start - h->buf_first);
        for (size_t i = 0; i < h->n_win; i++)
            nnan += isnan(raw[i]) != 0;
        missing = nnan * 10 > h->n_win; /* more than 10 % of the window missing */
        double bpm, q;
        window_hr(h, x, &missing, &bpm, &q);
        double row[] = {h->t0_s + (double)start / h->fs_hz, bpm, q};
        if ((rc = pt_table_append(t, row, err)))
            return rc;
        h->next_win++;
    }
    return PT_OK;
}

static int heart_push(void *p, const pt_block *b, pt_summary *s, pt_error *err)
{
    heart *h = p;
    if (h->ch < 0)
        return PT_OK;
    const double *x = b->x[h->ch];
    size_t n = b->n[h->ch];
    while (n > 0) {
        size_t room = h->cap - h->buf_n, take = n < room ? n : room;
        memcpy(h->buf + h->buf_n, x, take * sizeof(double));
        h->buf_n += take;
        x += take;
        n -= take;
        if (h->buf_n == h->cap) {
            /* settled part ends one margin before the buffer's end */
            int64_t hi_ok = h->buf_first + (int64_t)h->buf_n - (int64_t)h->n_margin;
            int rc = process(h, hi_ok, s, err);
            if (rc)
                return rc;
            /* keep from (next window start - margin) */
            int64_t step = llround(h->step_s * h->fs_hz);
            int64_t keep_from = h->next_win * step - (int64_t)h->n_margin;
            if (keep_from < h->buf_first)
                keep_from = h->buf_first;
            size_t drop = (size_t)(keep_from - h->buf_first);
            memmove(h->buf, h->buf + drop, (h->buf_n - drop) * sizeof(double));
            h->buf_n -= drop;
            h->buf_first += (int64_t)drop;
        }
    }
    return PT_OK;
}

static int heart_finish(void *p, pt_summary *s, pt_error *err)
{
    heart *h = p;
    if (h->ch < 0)
        return PT_OK;
    const pt_recording_info *rec = pt_summary_recording(s);
    double t0 = rec->chan[h->ch].t0_s;
    if (t0 != 0) {
        pt_table *t = pt_summary_table(s, "hr");
        double *ts = pt_table_column_mut(t, "t_start_s");
        for (size_t i = 0; i < pt_table_nrows(t); i++)
            ts[i] += t0;
        h->t0_s = t0;
    }
    return process(h, h->buf_first + (int64_t)h->buf_n, s, err);
}

const pt_stage_ops pt_stage_heart = {
    .name = "heart",
    .create = heart_create,
    .push = heart_push,
    .finish = heart_finish,
    .destroy = heart_destroy,
};
