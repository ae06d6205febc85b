/* SPDX-License-Identifier: GPL-2.0-or-later
 * hrv.c — heart-rate variability per 5 min and per recording from the best beat series.
 *
 * In:  /ecg_beats (when the ECG is the heart-rate source: pt_ecg_hr_feed's rule), else an
 *      IBI channel [ms] (device beat intervals), else /beats (PPG: beats in heavy motion are
 *      already left out, so only still stretches give intervals: pulse-rate variability).
 * Out: /hrv rows, one per 5 min segment [k 300 s, (k+1) 300 s) holding intervals, then one
 *      for the whole recording (whole = 1): t_start_s, duration_s [s], n_nn, artefact_pct,
 *      mean_rr_ms, sdnn_ms, rmssd_ms [ms], pnn50_pct [%], lf_ms2, hf_ms2 [ms^2], lf_hf.
 *      Attribute source on the value columns: ecg, ibi or ppg_beats (pulse-rate variability).
 * Methods: time domain as NeuroKit2's hrv_time (Makowski et al. 2021, Behav Res Methods
 *      53:1689): MeanNN, SDNN (ddof 1), RMSSD, pNN50 = NN50 / number of intervals x 100;
 *      frequency domain (Task Force 1996 bands LF 0.04-0.15, HF 0.15-0.4 Hz) as NeuroKit2's
 *      hrv_frequency(interpolation_rate=4, normalize=False): accepted intervals through a
 *      quadratic interpolating spline at 4 Hz from the first beat (scipy's interp1d
 *      'quadratic' knots, held at the last value past the last beat), mean removed, Welch
 *      (Hann, nperseg = half the samples, half overlap, nfft = 2 nperseg, no detrend,
 *      density), band power = trapezoid over the bins in [lo, hi).
 Artefact correction: an interval is rejected when its
 *      beat source flags it, when it lies outside 300-2000 ms, or when it differs by more
 *      than 20 % from the previous accepted one (Malik et al. 1989's 20 % rule; the
 *      reference is dropped after 5 rejections in a row, so a real step is followed);
 *      rejected intervals are deleted, successive differences skip them, and the spectrum
 *      interpolates over them. A segment with fewer than 30 accepted intervals or more than
 *      half rejected reports NaN values (its row stays, with n_nn and artefact_pct).
 *      Per recording: time domain over all accepted intervals (running sums), LF and HF
 *      the mean over the segments that have them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/hrv.h"
#include "pipeline/stage.h"
#include "pulsetrain/welch.h"

#define SEG_S 300.0
#define FS_RS 4.0
#define SEG_MAX 4096 /* intervals in 5 min: < 13.7 per s */
#define MIN_NN 30
#define MALIK 0.20

/* The quadratic B-spline through (x[i], y[i]), i < n (n >= 3, x increasing) with scipy's
 * make_interp_spline(k=2) knots: x0 x3, the midpoints (x[i] + x[i+1]) / 2 for 1 <= i <= n - 3,
 * x[n-1] x3 (de Boor 1978, A Practical Guide to Splines). Knot k >= 3 is then mid(k - 2), so
 * the collocation rows are tridiagonal: row j (0 < j < n-1) lies in knot interval j + 1. The
 * matrix is totally positive, so elimination without pivoting is stable (de Boor & Pinkus
 * 1977). c: the n coefficients; dg, up: scratch [n]. */
static double knot2(const double *x, size_t n, size_t k)
{
    return k <= 2 ? x[0] : k >= n ? x[n - 1] : 0.5 * (x[k - 2] + x[k - 1]);
}

/* The three nonzero degree-2 B-splines at t in knot interval mu (Cox-de Boor recursion). */
static void basis2(const double *x, size_t n, size_t mu, double t, double b[3])
{
    double left[3], right[3];
    b[0] = 1.0;
    for (int j = 1; j <= 2; j++) {
        left[j] = t - knot2(x, n, mu + 1 - (size_t)j);
        right[j] = knot2(x, n, mu + (size_t)j) - t;
        double saved = 0.0;
        for (int r = 0; r < j; r++) {
            double tmp = b[r] / (right[r + 1] + left[j - r]);
            b[r] = saved + right[r + 1] * tmp;
            saved = left[j - r] * tmp;
        }
        b[j] = saved;
    }
}

static void spline2_fit(const double *x, const double *y, size_t n, double *c, double *dg,
                        double *up)
{
    /* Thomas algorithm; row 0 and row n-1 are the identity (clamped ends) */
    dg[0] = 1.0;
    up[0] = 0.0;
    c[0] = y[0];
    for (size_t j = 1; j + 1 < n; j++) {
        double b[3];
        basis2(x, n, j + 1, x[j], b); /* columns j-1, j, j+1 */
        double l = b[0] / dg[j - 1];
        dg[j] = b[1] - l * up[j - 1];
        up[j] = b[2];
        c[j] = y[j] - l * c[j - 1];
    }
    c[n - 1] = y[n - 1];
    for (size_t j = n - 1; j-- > 1;)
        c[j] = (c[j] - up[j] * c[j + 1]) / dg[j];
}

/* The spline at t in [x0, x[n-1]]; *mu: the knot interval, advanced as t grows (start 2). */
static double spline2_eval(const double *x, const double *c, size_t n, double t, size_t *mu)
{
    while (*mu < n - 1 && t >= knot2(x, n, *mu + 1))
        (*mu)++;
    double b[3];
    basis2(x, n, *mu, t, b);
    return c[*mu - 2] * b[0] + c[*mu - 1] * b[1] + c[*mu] * b[2];
}

/* Band power: the trapezoid over the bins with lo <= f < hi (numpy.trapz); NaN when zero. */
static double band_power(const double *f, const double *psd, size_t nf, double lo, double hi)
{
    double p = 0;
    for (size_t q = 0; q + 1 < nf; q++)
        if (f[q] >= lo && f[q + 1] < hi)
            p += 0.5 * (psd[q] + psd[q + 1]) * (f[q + 1] - f[q]);
    return p > 0 ? p : (double)NAN;
}

/* NeuroKit2's Welch for n samples: nperseg = n / 2, half overlap, nfft = 2 nperseg, Hann,
 * no detrend (the mean is removed before), density; from the cache when it has one. */
static pt_welch *welch_for(pt_hrv_cache *cache, size_t nperseg, pt_error *err)
{
    if (cache)
        for (size_t i = 0; i < PT_HRV_CACHE_N; i++)
            if (cache->w[i] && cache->nperseg[i] == nperseg)
                return cache->w[i];
    pt_welch_config cfg = pt_welch_defaults(FS_RS);
    cfg.nperseg = nperseg;
    cfg.noverlap = nperseg / 2;
    cfg.nfft = 2 * nperseg;
    cfg.detrend_constant = 0;
    pt_welch *w = pt_welch_create(&cfg, err);
    if (w && cache) {
        size_t i = cache->next;
        pt_welch_destroy(cache->w[i]);
        cache->w[i] = w;
        cache->nperseg[i] = nperseg;
        cache->next = (i + 1) % PT_HRV_CACHE_N;
    }
    return w;
}

void pt_hrv_cache_free(pt_hrv_cache *c)
{
    for (size_t i = 0; c && i < PT_HRV_CACHE_N; i++) {
        pt_welch_destroy(c->w[i]);
        c->w[i] = NULL;
    }
}

int pt_hrv_compute(const double *t_s, const double *rr_ms, const unsigned char *ok, size_t n,
                   double *scratch, pt_hrv_cache *cache, pt_hrv_values *out, pt_error *err)
{
    pt_hrv_values v = {0, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    double sum = 0, sum2 = 0, dsum = 0;
    size_t na = 0, nd = 0, nn50 = 0;
    for (size_t i = 0; i < n; i++) {
        if (ok && !ok[i])
            continue;
        sum += rr_ms[i];
        na++;
        if (i > 0 && (!ok || ok[i - 1])) {
            double d = rr_ms[i] - rr_ms[i - 1];
            dsum += d * d;
            nd++;
            nn50 += fabs(d) > 50.0;
        }
    }
    v.n_nn = (double)na;
    if (na >= 3) {
        v.mean_rr_ms = sum / (double)na;
        for (size_t i = 0; i < n; i++)
            if (!ok || ok[i])
                sum2 += (rr_ms[i] - v.mean_rr_ms) * (rr_ms[i] - v.mean_rr_ms);
        v.sdnn_ms = sqrt(sum2 / (double)(na - 1));
        v.rmssd_ms = nd ? sqrt(dsum / (double)nd) : (double)NAN;
        v.pnn50_pct = 100.0 * (double)nn50 / (double)na;
    }
    /* the spectrum: accepted intervals at their beat times, quadratic spline at 4 Hz */
    size_t first = n, last = n;
    for (size_t i = 0; i < n; i++)
        if (!ok || ok[i]) {
            first = first == n ? i : first;
            last = i;
        }
    if (na >= 3) {
        /* the accepted beats, packed: xs (times), ys (intervals) */
        double *xs = scratch, *ys = xs + na, *c = ys + na, *dg = c + na, *up = dg + na;
        size_t q = 0;
        for (size_t i = first; i <= last; i++)
            if (!ok || ok[i]) {
                if (q && !(t_s[i] > xs[q - 1])) /* times not increasing: no spectrum */
                    goto done;
                xs[q] = t_s[i];
                ys[q++] = rr_ms[i];
            }
        spline2_fit(xs, ys, na, c, dg, up);
        /* the grid of numpy.arange(t0, t_last + 1/fs, 1/fs) */
        double *x = up + na;
        size_t m = (size_t)ceil((xs[na - 1] + 1.0 / FS_RS - xs[0]) * FS_RS);
        size_t mu = 2;
        double mean = 0;
        for (size_t k = 0; k < m; k++) {
            double t = xs[0] + (double)k / FS_RS;
            x[k] = t > xs[na - 1] ? ys[na - 1] : spline2_eval(xs, c, na, t, &mu);
            mean += x[k];
        }
        mean /= (double)m;
        for (size_t k = 0; k < m; k++)
            x[k] -= mean;
        if (m >= 16) {
            size_t nperseg = m / 2;
            pt_welch *w = welch_for(cache, nperseg, err);
            if (!w)
                return err ? err->code : PT_ENOMEM;
            double *psd = x + m, *f = psd + nperseg + 1;
            int rc = pt_welch_execute(w, x, m, psd, NULL);
            size_t nf = pt_welch_nfreq(w);
            pt_welch_freqs(w, f);
            if (!cache)
                pt_welch_destroy(w);
            if (rc)
                return rc;
            v.lf_ms2 = band_power(f, psd, nf, 0.04, 0.15);
            v.hf_ms2 = band_power(f, psd, nf, 0.15, 0.4);
            v.lf_hf = v.lf_ms2 / v.hf_ms2;
        }
    }
done:
    *out = v;
    return PT_OK;
}

typedef struct hrv {
    int ch_ibi;
    pt_spill st, sr; /* IBI channel: beat times [s] and intervals [ms] */
    size_t n, cap;
    /* the current segment */
    double t[SEG_MAX], rr[SEG_MAX];
    unsigned char ok[SEG_MAX];
    size_t ns;
    long seg;
    size_t seg_all, seg_rej;
    double *scratch;
    pt_hrv_cache cache;
    /* Malik's reference */
    double ref;
    int nrej;
    /* the whole recording */
    double w_n, w_mean, w_m2, w_d2, w_nd, w_nn50, w_all, w_rej, w_lf, w_hf, w_nlf;
    double prev_rr;
    int prev_ok;
} hrv;

static void hrv_destroy(void *p)
{
    hrv *h = p;
    if (!h)
        return;
    pt_spill_free(&h->st);
    pt_spill_free(&h->sr);
    free(h->scratch);
    pt_hrv_cache_free(&h->cache);
    free(h);
}

static void *hrv_create(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                        pt_error *err)
{
    (void)p;
    hrv *h = calloc(1, sizeof *h);
    if (h)
        h->scratch = malloc(PT_HRV_SCRATCH((size_t)(FS_RS * SEG_S) + 8, SEG_MAX) * sizeof(double));
    if (!h || !h->scratch) {
        hrv_destroy(h);
        pt_error_set(err, PT_ENOMEM, "out of memory for the HRV stage");
        return NULL;
    }
    h->st.sc = h->sr.sc = pt_summary_scratch(s);
    h->ch_ibi = pt_find_channel(info, PT_KIND_IBI);
    return h;
}

static int hrv_push(void *p, const pt_block *b, pt_summary *s, pt_error *err)
{
    hrv *h = p;
    if (h->ch_ibi < 0)
        return PT_OK;
    const pt_channel_info *ci = &pt_summary_recording(s)->chan[h->ch_ibi];
    size_t nb = b->n[h->ch_ibi];
    if (h->n + nb > h->cap) {
        size_t cap = h->cap ? h->cap : 4096;
        while (cap < h->n + nb)
            cap *= 2;
        if (pt_spill_reserve(&h->st, cap * sizeof(double)) ||
            pt_spill_reserve(&h->sr, cap * sizeof(double)))
            return pt_error_set(err, PT_ENOMEM, "hrv: no memory or scratch space in %s",
                                pt_spill_dir(&h->st));
        h->cap = cap;
    }
    double *t = h->st.p, *r = h->sr.p;
    for (size_t i = 0; i < nb; i++) {
        t[h->n] = b->t[h->ch_ibi]
                      ? b->t[h->ch_ibi][i]
                      : ci->t0_s + (double)(b->first[h->ch_ibi] + (int64_t)i) / ci->fs_hz;
        r[h->n++] = b->x[h->ch_ibi][i];
    }
    return PT_OK;
}

static int flush_seg(hrv *h, pt_summary *s, pt_error *err)
{
    if (h->seg < 0 || h->seg_all == 0)
        return PT_OK;
    pt_hrv_values v;
    int rc = pt_hrv_compute(h->t, h->rr, h->ok, h->ns, h->scratch, &h->cache, &v, err);
    if (rc)
        return rc;
    double rej = 100.0 * (double)h->seg_rej / (double)h->seg_all;
    int good = v.n_nn >= MIN_NN && rej <= 50.0;
    if (good && isfinite(v.lf_ms2)) {
        h->w_lf += v.lf_ms2;
        h->w_hf += v.hf_ms2;
        h->w_nlf++;
    }
    double row[] = {(double)h->seg * SEG_S,
                    SEG_S,
                    v.n_nn,
                    rej,
                    good ? v.mean_rr_ms : (double)NAN,
                    good ? v.sdnn_ms : (double)NAN,
                    good ? v.rmssd_ms : (double)NAN,
                    good ? v.pnn50_pct : (double)NAN,
                    good ? v.lf_ms2 : (double)NAN,
                    good ? v.hf_ms2 : (double)NAN,
                    good ? v.lf_hf : (double)NAN,
                    0};
    h->ns = h->seg_all = h->seg_rej = 0;
    return pt_table_append(pt_summary_table(s, "hrv"), row, err);
}

/* One interval (ending at t) with its source's flag, in time order. */
static int add_rr(hrv *h, double t, double rr, int flagged, pt_summary *s, pt_error *err)
{
    if (!isfinite(t) || !(t >= 0))
        return PT_OK;
    long seg = (long)floor(t / SEG_S);
    if (seg != h->seg) {
        int rc = flush_seg(h, s, err);
        if (rc)
            return rc;
        h->seg = seg;
        h->prev_ok = 0;
    }
    if (!isfinite(rr)) { /* a gap: the chain of successive differences breaks */
        h->prev_ok = 0;
        return PT_OK;
    }
    int ok = !flagged && rr >= 300 && rr <= 2000 &&
             (!(h->ref > 0) || fabs(rr - h->ref) <= MALIK * h->ref);
    if (ok) {
        h->ref = rr;
        h->nrej = 0;
    } else if (++h->nrej >= 5) {
        h->ref = NAN; /* a real change of rhythm: start again */
    }
    h->seg_all++;
    h->seg_rej += !ok;
    h->w_all++;
    h->w_rej += !ok;
    if (h->ns < SEG_MAX) {
        h->t[h->ns] = t;
        h->rr[h->ns] = rr;
        h->ok[h->ns++] = (unsigned char)ok;
    }
    if (ok) {
        double d = rr - h->w_mean;
        h->w_n++;
        h->w_mean += d / h->w_n;
        h->w_m2 += d * (rr - h->w_mean);
        if (h->prev_ok) {
            double dd = rr - h->prev_rr;
            h->w_d2 += dd * dd;
            h->w_nd++;
            h->w_nn50 += fabs(dd) > 50.0;
        }
    }
    h->prev_ok = ok;
    h->prev_rr = rr;
    return PT_OK;
}

static int feed_ecg(void *ctx, double t, double bpm, pt_error *err)
{
    (void)ctx;
    (void)t;
    (void)bpm;
    (void)err;
    return PT_OK;
}

static int hrv_finish(void *p, pt_summary *s, pt_error *err)
{
    hrv *h = p;
    h->seg = -1;
    h->ref = NAN;
    int ecg = 0, rc = pt_ecg_hr_feed(s, feed_ecg, NULL, &ecg, err);
    if (rc)
        return rc;
    const char *src = NULL;
    if (ecg) {
        const pt_table *bt = pt_summary_table_const(s, "ecg_beats");
        double ch = -1;
        for (size_t i = 0; i < pt_table_nattrs(bt); i++)
            if (!strcmp(pt_table_attr_name(bt, i), "hr_channel"))
                ch = pt_table_attr(bt, i);
        const double *tb = pt_table_column(bt, "t_s"), *rr = pt_table_column(bt, "rr_ms"),
                     *art = pt_table_column(bt, "artefact"), *chn = pt_table_column(bt, "channel");
        for (size_t i = 0; i < pt_table_nrows(bt) && !rc; i++) {
            if (chn[i] == ch)
                rc = add_rr(h, tb[i], rr[i], art[i] != 0, s, err);
            PT_RELEASE_EVERY(i, bt);
        }
        pt_table_release(bt);
        src = "ecg";
    } else if (h->n) {
        const double *t = h->st.p, *r = h->sr.p;
        for (size_t i = 0; i < h->n && !rc; i++)
            rc = add_rr(h, t[i], r[i], 0, s, err);
        src = "ibi";
    } else {
        const pt_table *bt = pt_summary_table_const(s, "beats");
        const double *tb = pt_table_column(bt, "t_s"), *ibi = pt_table_column(bt, "ibi_ms");
        for (size_t i = 0; i < pt_table_nrows(bt) && !rc; i++) {
            rc = add_rr(h, tb[i], ibi[i], 0, s, err);
            PT_RELEASE_EVERY(i, bt);
        }
        pt_table_release(bt);
        if (pt_table_nrows(bt))
            src = "ppg_beats";
    }
    if (!rc)
        rc = flush_seg(h, s, err);
    if (rc || !src)
        return rc;
    pt_table *t = pt_summary_table(s, "hrv");
    const pt_recording_info *rec = pt_summary_recording(s);
    double rej = h->w_all ? 100.0 * h->w_rej / h->w_all : (double)NAN;
    int good = h->w_n >= MIN_NN && rej <= 50.0;
    double lf = h->w_nlf ? h->w_lf / h->w_nlf : (double)NAN,
           hf = h->w_nlf ? h->w_hf / h->w_nlf : (double)NAN;
    double row[] = {0,
                    rec->duration_s,
                    h->w_n,
                    rej,
                    good ? h->w_mean : (double)NAN,
                    good && h->w_n > 1 ? sqrt(h->w_m2 / (h->w_n - 1)) : (double)NAN,
                    good && h->w_nd ? sqrt(h->w_d2 / h->w_nd) : (double)NAN,
                    good ? 100.0 * h->w_nn50 / h->w_n : (double)NAN,
                    good ? lf : (double)NAN,
                    good ? hf : (double)NAN,
                    good && hf > 0 ? lf / hf : (double)NAN,
                    1};
    if ((rc = pt_table_append(t, row, err)))
        return rc;
    const char *cols[] = {"mean_rr_ms", "sdnn_ms", "rmssd_ms", "pnn50_pct", "lf_ms2", "hf_ms2"};
    for (size_t k = 0; k < sizeof cols / sizeof *cols; k++)
        pt_table_set_colsource(t, cols[k], src);
    pt_summary_note(s, "%s from %s beats: %.0f of %.0f intervals accepted",
                    strcmp(src, "ppg_beats") ? "HRV"
                                             : "pulse-rate variability (PPG, still stretches)",
                    !strcmp(src, "ecg")   ? "ECG"
                    : !strcmp(src, "ibi") ? "device IBI"
                                          : "PPG",
                    h->w_n, h->w_all);
    return PT_OK;
}

const pt_stage_ops pt_stage_hrv = {
    .name = "hrv",
    .create = hrv_create,
    .push = hrv_push,
    .finish = hrv_finish,
    .destroy = hrv_destroy,
};
