/* SPDX-License-Identifier: GPL-2.0-or-later
 * ecg.c — R peaks of every ECG channel, block by block, and heart rate from them.
 *
 * In:  every ECG channel with a regular rate (125 Hz .. 2 kHz and more; below 100 Hz the
 *      channel is skipped with a note).
 * Out: /ecg_beats rows: t_s [s] (R peak), rr_ms [ms] (interval since the channel's previous
 *      beat; NaN after a gap or at the start), artefact (0/1), channel (index in
 *      /channels); the rows of one channel are in time order, channels interleave.
 *      Attributes: hr_channel (the channel the heart rate comes from, -1 none),
 *      clean_share (share of that channel's beats without the flag), reliable_share
 *      (share of its /hr-grid windows with a reliable rate).
 *      /hr rows when the recording has no PPG: the ECG's rate on the /hr grid (bpm,
 *      bpm_raw, quality = clean share of the window's beats, reliable), source "ecg".
 * Method: Pan & Tompkins 1985 (IEEE TBME 32(3):230-236): causal band-pass (Butterworth
 *      5-15 Hz, order 2, any rate), five-point derivative, squaring, 150 ms moving-window
 *      integration (MWI); candidate peaks of the MWI (the highest within 100 ms), two
 *      adaptive thresholds (signal/noise peak levels, learnt over the first 2 s and after
 *      each gap), 200 ms refractory period, T-wave test (a peak within 360 ms of the last
 *      QRS with less than half its steepest slope is a T wave), search-back for a missed
 *      beat after 1.66 x the recent mean RR with the lower threshold. The R peak is the
 *      extremum of the band-passed signal before the MWI peak, then moved to the extremum of
 *      the baseline-free ECG within +-(filter delay) around it.
 *      Refinements against motion (artefact flag, the beat kept in the table):
 *      - RR plausibility: RR outside 250..2000 ms, or more than 25 % from the median of
 *        the last 8 clean RR intervals (Malik et al. 1989's 20 % rule, widened for
 *        exercise, where RR changes quickly) -> flagged;
 *      - a peak more than 8 x the signal level (electrode pop, movement) is not a beat and
 *        does not move the thresholds;
 *      - a window whose noise level exceeds half the signal level marks its beats.
 * Memory: per channel a fixed ring of 0.5 s of samples and a short candidate list; the
 *      table spills (core/spill.h). Consecutive blocks give the beats of one pass. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/stage.h"
#include "pulsetrain/sos.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define ECG_MAX_CH 8
#define ECG_FS_MIN 100.0
#define RING_S 0.6   /* samples kept for locating the R peak */
#define MWI_S 0.150  /* moving-window integration */
#define CAND_S 0.200 /* a candidate is the highest MWI peak within this */
#define REFRACT_S 0.200
#define TWAVE_S 0.360
#define LEARN_S 2.0
#define NCAND 64
#define CHUNK 256      /* samples integrated before their peaks are looked at */
#define POP_FACTOR 8.0 /* a peak this many times the signal level is an artefact */
#define RR_MIN_MS 250.0
#define RR_MAX_MS 2000.0
#define RR_DEV 0.25
#define NOISE_RATIO 0.5
#define HR_MIN_CLEAN                                                                               \
    0.5 /* the ECG is the heart-rate source when this share of windows is reliable */

typedef struct cand {
    int64_t p;    /* MWI peak [sample] */
    double h;     /* its height */
    double slope; /* steepest |derivative| over the integration window */
    int64_t r;    /* R peak [sample] */
} cand;

typedef struct chan {
    int ch;
    double fs;
    pt_sos *bp;
    size_t nmwi, nring, hcand, delay; /* samples: MWI length, ring, candidate half, filter */
    size_t ringmask;                  /* the rings hold ringmask + 1 (a power of 2) >= nring
                                         + hcand + 2 + CHUNK: a candidate is made when
                                         decided, and a chunk is written ahead */
    size_t mi;                        /* the MWI buffer's next slot */
    double *mwi_buf, mwi_sum;
    double *ring_x, *ring_b, *ring_d; /* raw, band-passed, |derivative| */
    double *y;                        /* the block band-passed */
    size_t cap_y;
    double d[4];    /* last band-passed values for the derivative */
    int64_t n;      /* samples of the current run */
    int64_t n_abs0; /* absolute index of the run's first sample */
    double mwi_prev2, mwi_prev1;
    /* pending candidate */
    int have_pend;
    cand pend;
    /* learning */
    int learning;
    double learn_max, learn_sum;
    cand lbuf[NCAND];
    size_t nl;
    /* thresholds */
    double spki, npki;
    /* detection state */
    int64_t last_p, last_r; /* -1: none in this run */
    double last_slope;
    double rr[8];
    size_t nrr;
    double rr_avg;  /* mean of rr[], updated with it */
    int64_t sb_at;  /* the sample from which search-back is due (INT64_MAX: not yet) */
    cand sb[NCAND]; /* noise candidates since the last QRS, for search-back */
    size_t nsb;
    /* output */
    double prev_t; /* last beat [s], NaN: none in this run */
    double clean_rr[8];
    size_t nclean;
    size_t nbeats, nartefact, ndropped;
    double pend_t; /* the beat waiting for the next one [s], NaN: none */
    int64_t gap;
} chan;

typedef struct ecg {
    size_t nch;
    chan c[ECG_MAX_CH];
    double win_s, step_s;
    int have_ppg;
} ecg;

static void chan_free(chan *c)
{
    pt_sos_destroy(c->bp);
    free(c->mwi_buf);
    free(c->ring_x);
    free(c->ring_b);
    free(c->ring_d);
    free(c->y);
}

static void ecg_destroy(void *p)
{
    ecg *e = p;
    if (!e)
        return;
    for (size_t k = 0; k < e->nch; k++)
        chan_free(&e->c[k]);
    free(e);
}

/* Group delay of the band-pass at 10 Hz [samples], from its frequency response. */
static double group_delay(const double *sos, size_t nsec, double fs)
{
    double ph[2];
    for (int j = 0; j < 2; j++) {
        double w = 2 * M_PI * (10.0 + 0.01 * j) / fs, phase = 0;
        for (size_t s = 0; s < nsec; s++) {
            const double *q = sos + 6 * s;
            double br = q[0] + q[1] * cos(w) + q[2] * cos(2 * w);
            double bi = -q[1] * sin(w) - q[2] * sin(2 * w);
            double ar = q[3] + q[4] * cos(w) + q[5] * cos(2 * w);
            double ai = -q[4] * sin(w) - q[5] * sin(2 * w);
            phase += atan2(bi, br) - atan2(ai, ar);
        }
        ph[j] = phase;
    }
    double d = ph[1] - ph[0];
    while (d > M_PI)
        d -= 2 * M_PI;
    while (d < -M_PI)
        d += 2 * M_PI;
    double dw = 2 * M_PI * 0.01 / fs;
    return -d / dw;
}

static void chan_reset(chan *c)
{
    memset(c->mwi_buf, 0, c->nmwi * sizeof(double));
    memset(c->ring_x, 0, (c->ringmask + 1) * sizeof(double));
    memset(c->ring_b, 0, (c->ringmask + 1) * sizeof(double));
    memset(c->ring_d, 0, (c->ringmask + 1) * sizeof(double));
    c->mi = 0;
    memset(c->d, 0, sizeof c->d);
    c->mwi_sum = 0;
    c->n = 0;
    c->mwi_prev1 = c->mwi_prev2 = 0;
    c->have_pend = 0;
    c->learning = 1;
    c->learn_max = c->learn_sum = 0;
    c->nl = 0;
    c->spki = c->npki = 0;
    c->last_p = c->last_r = -1;
    c->last_slope = 0;
    c->nrr = 0;
    c->nsb = 0;
    c->sb_at = INT64_MAX;
    c->prev_t = NAN;
    c->pend_t = NAN;
    c->nclean = 0;
}

static int chan_init(chan *c, int ch, double fs, pt_error *err)
{
    double sos[12];
    c->ch = ch;
    c->fs = fs;
    int rc = pt_butter_sos(2, PT_BAND_BANDPASS, 5.0, 15.0, fs, sos, err);
    if (rc)
        return rc;
    if (!(c->bp = pt_sos_create(sos, 2, 0, err)))
        return err ? err->code : PT_ENOMEM;
    c->nmwi = (size_t)lround(MWI_S * fs);
    c->nring = (size_t)lround(RING_S * fs);
    c->hcand = (size_t)lround(CAND_S * fs);
    c->delay = (size_t)lround(group_delay(sos, 2, fs));
    if (c->delay > (size_t)(0.1 * fs))
        c->delay = (size_t)(0.1 * fs);
    c->mwi_buf = calloc(c->nmwi, sizeof(double));
    size_t phys = 1;
    while (phys < c->nring + c->hcand + 2 + CHUNK)
        phys *= 2;
    c->ringmask = phys - 1;
    c->ring_x = calloc(phys, sizeof(double));
    c->ring_b = calloc(phys, sizeof(double));
    c->ring_d = calloc(phys, sizeof(double));
    if (!c->mwi_buf || !c->ring_x || !c->ring_b || !c->ring_d)
        return pt_error_set(err, PT_ENOMEM, "out of memory for the ECG stage");
    c->n_abs0 = 0;
    chan_reset(c);
    pt_sos_reset(c->bp);
    return PT_OK;
}

static void *ecg_create(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                        pt_error *err)
{
    ecg *e = calloc(1, sizeof *e);
    if (!e) {
        pt_error_set(err, PT_ENOMEM, "out of memory for the ECG stage");
        return NULL;
    }
    e->win_s = p->hr_window_s;
    e->step_s = p->hr_step_s;
    e->have_ppg = pt_find_channel(info, PT_KIND_PPG) >= 0;
    for (size_t i = 0; i < info->nchan && e->nch < ECG_MAX_CH; i++) {
        if (info->chan[i].kind != PT_KIND_ECG)
            continue;
        double fs = info->chan[i].fs_hz;
        if (!(fs >= ECG_FS_MIN)) {
            pt_summary_note(s, "ECG '%s' at %g Hz: R peaks need >= %g Hz, skipped",
                            info->chan[i].name, fs, ECG_FS_MIN);
            continue;
        }
        if (chan_init(&e->c[e->nch], (int)i, fs, err)) {
            e->nch++;
            ecg_destroy(e);
            return NULL;
        }
        e->nch++;
    }
    pt_table *t = pt_summary_table(s, "ecg_beats");
    if (pt_table_set_attr(t, "hr_channel", -1, err)) {
        ecg_destroy(e);
        return NULL;
    }
    return e;
}

static double median8(const double *v, size_t n)
{
    double a[8];
    memcpy(a, v, n * sizeof *a);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && a[j - 1] > a[j]; j--) {
            double t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
    return n % 2 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
}

static double rr_mean(const chan *c)
{
    if (!c->nrr)
        return NAN;
    double s = 0;
    size_t n = c->nrr < 8 ? c->nrr : 8;
    for (size_t i = 0; i < n; i++)
        s += c->rr[i];
    return s / (double)n;
}

/* A beat into the table: its interval and flag. */
static int write_row(chan *c, double t, pt_summary *s, pt_error *err)
{
    double rr = isnan(c->prev_t) ? (double)NAN : 1000.0 * (t - c->prev_t);
    int art = 0;
    if (isfinite(rr)) {
        if (rr < RR_MIN_MS || rr > RR_MAX_MS)
            art = 1;
        else if (c->nclean >= 4) {
            double med = median8(c->clean_rr, c->nclean < 8 ? c->nclean : 8);
            art = fabs(rr - med) > RR_DEV * med;
        }
    }
    if (c->npki > NOISE_RATIO * c->spki)
        art = 1;
    if (isfinite(rr) && rr >= RR_MIN_MS && rr <= RR_MAX_MS) {
        c->clean_rr[c->nclean % 8] = rr; /* every plausible interval: the median self-corrects */
        c->nclean++;
    }
    c->prev_t = t;
    c->nbeats++;
    c->nartefact += art;
    double row[] = {t, rr, art, c->ch};
    return pt_table_append(pt_summary_table(s, "ecg_beats"), row, err);
}

/* Beats pass one behind: a beat whose intervals on both sides are short and together make
 * about one usual interval (within 20 % of the clean median) is an extra detection (a tall
 * T wave, a step artefact) and is dropped — the "extra beat" case of Lipponen & Tarvainen
 * 2019 (J Med Eng Technol 43(3):173-181), decided on the detector's output. */
static int beat_out(chan *c, double t, pt_summary *s, pt_error *err)
{
    if (isnan(c->pend_t)) {
        c->pend_t = t;
        return PT_OK;
    }
    if (isfinite(c->prev_t) && c->nclean >= 4) {
        double med = median8(c->clean_rr, c->nclean < 8 ? c->nclean : 8);
        double rr1 = 1000.0 * (c->pend_t - c->prev_t), rr2 = 1000.0 * (t - c->pend_t);
        if (rr1 < 0.8 * med && rr2 < 0.8 * med && fabs(rr1 + rr2 - med) < 0.2 * med) {
            c->pend_t = t; /* the pending beat was extra */
            c->ndropped++;
            return PT_OK;
        }
    }
    int rc = write_row(c, c->pend_t, s, err);
    c->pend_t = t;
    return rc;
}

static int flush(chan *c, pt_summary *s, pt_error *err)
{
    int rc = isnan(c->pend_t) ? PT_OK : write_row(c, c->pend_t, s, err);
    c->pend_t = NAN;
    return rc;
}

/* Emit one beat (R at absolute-in-run sample r) into the table. */
static int emit(ecg *e, chan *c, const cand *q, int weak, pt_summary *s, pt_error *err)
{
    (void)e;
    if (c->last_p >= 0) {
        double rr = (double)(q->p - c->last_p);
        c->rr[c->nrr % 8] = rr;
        c->nrr++;
        c->rr_avg = rr_mean(c);
    }
    c->spki = weak ? 0.25 * q->h + 0.75 * c->spki : 0.125 * q->h + 0.875 * c->spki;
    c->last_p = q->p;
    c->last_slope = q->slope;
    c->nsb = 0;
    /* search_back's test (n - last_p >= 1.66 mean RR) as a sample index: n is an integer */
    c->sb_at = c->nrr >= 1 && isfinite(c->rr_avg) ? c->last_p + (int64_t)ceil(1.66 * c->rr_avg)
                                                  : INT64_MAX;
    if (c->last_r >= 0 && q->r - c->last_r < (int64_t)(REFRACT_S * c->fs))
        return PT_OK; /* the refined R fell on the previous one: one beat */
    c->last_r = q->r;
    return beat_out(c, (double)(c->n_abs0 + q->r) / c->fs, s, err);
}

/* One candidate MWI peak, in time order. */
static int decide(ecg *e, chan *c, const cand *q, pt_summary *s, pt_error *err)
{
    if (c->learning) {
        if (c->nl < NCAND)
            c->lbuf[c->nl++] = *q;
        return PT_OK;
    }
    if (c->last_p >= 0 && q->p - c->last_p < (int64_t)(REFRACT_S * c->fs))
        return PT_OK;
    if (c->spki > 0 && q->h > POP_FACTOR * c->spki)
        return PT_OK; /* an electrode pop or a blow: neither beat nor noise level */
    double thr1 = c->npki + 0.25 * (c->spki - c->npki);
    if (q->h > thr1) {
        if (c->last_r >= 0 && q->r - c->last_r < (int64_t)(TWAVE_S * c->fs) &&
            q->slope < 0.5 * c->last_slope) {
            c->npki = 0.125 * q->h + 0.875 * c->npki; /* a T wave */
            return PT_OK;
        }
        return emit(e, c, q, 0, s, err);
    }
    c->npki = 0.125 * q->h + 0.875 * c->npki;
    if (c->nsb < NCAND)
        c->sb[c->nsb++] = *q;
    return PT_OK;
}

/* Search-back: no beat for 1.66 x the mean RR: the highest noise peak above the second
 * threshold since the last beat is one. */
static int search_back(ecg *e, chan *c, pt_summary *s, pt_error *err)
{
    if (c->learning || c->last_p < 0 || c->nrr < 1 || !c->nsb)
        return PT_OK;
    double m = c->rr_avg;
    if ((double)(c->n - c->last_p) < 1.66 * m)
        return PT_OK;
    double thr2 = 0.5 * (c->npki + 0.25 * (c->spki - c->npki));
    size_t best = NCAND;
    for (size_t i = 0; i < c->nsb; i++)
        if (c->sb[i].h > thr2 && c->sb[i].p - c->last_p >= (int64_t)(TWAVE_S * c->fs) &&
            (best == NCAND || c->sb[i].h > c->sb[best].h))
            best = i;
    if (best == NCAND) {
        c->nsb = 0;
        return PT_OK;
    }
    cand q = c->sb[best];
    size_t rest = c->nsb - best - 1;
    cand tail[NCAND];
    memcpy(tail, c->sb + best + 1, rest * sizeof *tail);
    int rc = emit(e, c, &q, 1, s, err);
    memcpy(c->sb, tail, rest * sizeof *tail);
    c->nsb = rest;
    return rc;
}

/* End of learning: thresholds from the first LEARN_S, then the buffered candidates. */
static int learnt(ecg *e, chan *c, pt_summary *s, pt_error *err)
{
    c->learning = 0;
    c->spki = 0.25 * c->learn_max;
    c->npki = 0.5 * c->learn_sum / (double)(c->n ? c->n : 1);
    int rc = PT_OK;
    for (size_t i = 0; i < c->nl && !rc; i++)
        rc = decide(e, c, &c->lbuf[i], s, err);
    c->nl = 0;
    return rc;
}

#define RING(c, a, i) ((c)->a[(size_t)(i) & (c)->ringmask])

/* The candidate at MWI peak p: R by the band-passed signal, then the raw ECG, from the
 * samples there were when the peak was seen (now = p + 2: the ring's last nring of them). */
static cand make_cand(const chan *c, int64_t p, double h)
{
    cand q = {.p = p, .h = h, .slope = 0, .r = p};
    int64_t now = p + 2;
    int64_t lo = p - (int64_t)c->nmwi - (int64_t)(0.05 * c->fs);
    int64_t oldest = now - (int64_t)c->nring + 1;
    lo = lo < oldest ? oldest : lo;
    lo = lo < 0 ? 0 : lo;
    double best = -1;
    for (int64_t i = lo; i <= p; i++) {
        double b = fabs(RING(c, ring_b, i)), d = RING(c, ring_d, i);
        if (b > best) {
            best = b;
            q.r = i;
        }
        if (d > q.slope)
            q.slope = d;
    }
    /* the raw ECG's extremum (away from a local baseline) within +-delay of R - delay */
    int64_t centre = q.r - (int64_t)c->delay;
    int64_t a = centre - (int64_t)c->delay - (int64_t)(0.02 * c->fs),
            z = centre + (int64_t)c->delay + (int64_t)(0.02 * c->fs);
    a = a < oldest ? oldest : a;
    a = a < 0 ? 0 : a;
    z = z > now ? now : z;
    if (z <= a)
        return q;
    double base = 0;
    for (int64_t i = a; i < z; i++)
        base += RING(c, ring_x, i);
    base /= (double)(z - a);
    double bx = -1;
    for (int64_t i = a; i < z; i++) {
        double v = fabs(RING(c, ring_x, i) - base);
        if (v > bx) {
            bx = v;
            q.r = i;
        }
    }
    return q;
}

static int64_t imin3(int64_t a, int64_t b, int64_t c)
{
    int64_t m = a < b ? a : b;
    return m < c ? m : c;
}

static int chan_push(ecg *e, chan *c, const double *x, size_t nx, int64_t first, pt_summary *s,
                     pt_error *err)
{
    int rc = PT_OK;
    if (nx > c->cap_y) {
        double *y = realloc(c->y, nx * sizeof *y);
        if (!y)
            return pt_error_set(err, PT_ENOMEM, "out of memory for the ECG stage");
        c->y = y;
        c->cap_y = nx;
    }
    /* the per-sample state in locals (the rings' stores could alias it in *c); written
     * back before anything that reads it */
    double d0 = c->d[0], d1 = c->d[1], d2 = c->d[2], d3 = c->d[3];
    double msum = c->mwi_sum, prev1 = c->mwi_prev1, prev2 = c->mwi_prev2;
    double *mbuf = c->mwi_buf, fs8 = c->fs / 8.0, inv_learn = LEARN_S * c->fs;
    double *rx = c->ring_x, *rb = c->ring_b, *rd = c->ring_d, *y = c->y;
    size_t mi = c->mi, nmwi = c->nmwi, mask = c->ringmask;
    int64_t n = c->n, hcand = (int64_t)c->hcand;
    int have_pend = c->have_pend, learning = c->learning;
    int64_t pend_p = c->pend.p, learn_end = (int64_t)ceil(inv_learn) - 1;
    double pend_h = c->pend.h;
    /* the first sample index `now` at which the pending candidate is decided (now - p >
     * hcand), learning ends ((double)(now + 1) >= inv_learn) or search-back is due (now + 1
     * >= sb_at): before it, a sample needs no more than the local-maximum test */
#define DUE()                                                                                      \
    (imin3(have_pend ? pend_p + hcand + 1 : INT64_MAX, learning ? learn_end : INT64_MAX,           \
           c->nsb && c->sb_at != INT64_MAX ? c->sb_at - 1 : INT64_MAX))
#define SYNC_OUT()                                                                                 \
    do {                                                                                           \
        c->d[0] = d0, c->d[1] = d1, c->d[2] = d2, c->d[3] = d3;                                    \
        c->mwi_sum = msum, c->mwi_prev1 = prev1, c->mwi_prev2 = prev2;                             \
        c->mi = mi, c->n = n;                                                                      \
        c->have_pend = have_pend, c->pend.p = pend_p, c->pend.h = pend_h;                          \
    } while (0)
#define SYNC_IN()                                                                                  \
    do {                                                                                           \
        d0 = c->d[0], d1 = c->d[1], d2 = c->d[2], d3 = c->d[3];                                    \
        msum = c->mwi_sum, prev1 = c->mwi_prev1, prev2 = c->mwi_prev2;                             \
        mi = c->mi, n = c->n;                                                                      \
        have_pend = c->have_pend, pend_p = c->pend.p, pend_h = c->pend.h;                          \
        learning = c->learning;                                                                    \
    } while (0)
    int64_t due = DUE();
    double mv[CHUNK]; /* the MWI of a chunk */
    /* runs of finite samples: band-passed at once, then chunk by chunk; a non-finite
     * sample ends the run (beats flushed, detector and filter reset) */
    for (size_t a = 0; a < nx && !rc;) {
        size_t z = a;
        while (z < nx && isfinite(x[z]))
            z++;
        if (z > a) {
            if (c->gap)
                pt_sos_reset(c->bp);
            pt_sos_execute(c->bp, x + a, y + a, z - a);
            if (c->gap || (n == 0 && c->n_abs0 == 0)) {
                c->n_abs0 = first + (int64_t)a;
                c->gap = 0;
            }
        }
        for (size_t j0 = a; j0 < z && !rc; j0 += CHUNK) {
            size_t j1 = z - j0 < CHUNK ? z : j0 + CHUNK;
            /* pass 1: derivative, squaring, integration and the rings for the chunk (the
             * rings are sized for it: a candidate reads no sample after p + 2) */
            for (size_t j = j0; j < j1; j++) {
                double b = y[j];
                /* Pan & Tompkins' five-point derivative (2x[n] + x[n-1] - x[n-3] - 2x[n-4])
                 * fs/8 */
                double der = (2 * b + d0 - d2 - 2 * d3) * fs8;
                d3 = d2;
                d2 = d1;
                d1 = d0;
                d0 = b;
                double sq = der * der;
                msum += sq - mbuf[mi];
                mbuf[mi] = sq;
                mi = mi + 1 == nmwi ? 0 : mi + 1;
                double m = msum / (double)nmwi;
                mv[j - j0] = m < 0 ? 0 : m;
                size_t r = (size_t)(n + (int64_t)(j - j0)) & mask;
                rx[r] = x[j];
                rb[r] = b;
                rd[r] = fabs(der);
            }
            /* pass 2: MWI peaks and decisions, sample by sample */
            for (size_t j = j0; j < j1; j++) {
                double m = mv[j - j0];
                int64_t now = n++;
                if (learning) {
                    c->learn_max = m > c->learn_max ? m : c->learn_max;
                    c->learn_sum += m;
                }
                /* a local maximum of the MWI at now - 1; the pending one is made into a
                 * candidate (R peak, slope) only when it is decided: ripples cost a compare */
                if (now >= 2 && prev1 > prev2 && prev1 >= m) {
                    int64_t p = now - 1;
                    if (have_pend && p - pend_p <= hcand) {
                        if (prev1 > pend_h) {
                            pend_p = p;
                            pend_h = prev1;
                        }
                    } else {
                        if (have_pend) {
                            SYNC_OUT();
                            c->pend = make_cand(c, pend_p, pend_h);
                            rc = decide(e, c, &c->pend, s, err);
                            learning = c->learning;
                            if (rc)
                                break;
                        }
                        pend_p = p;
                        pend_h = prev1;
                        have_pend = 1;
                    }
                    due = DUE();
                }
                prev2 = prev1;
                prev1 = m;
                if (now < due)
                    continue;
                /* something is due: the pending candidate, the end of learning, search-back */
                if (!rc && have_pend && now - pend_p > hcand) {
                    SYNC_OUT();
                    c->pend = make_cand(c, pend_p, pend_h);
                    rc = decide(e, c, &c->pend, s, err);
                    have_pend = 0;
                }
                if (!rc && c->learning && (double)n >= inv_learn) {
                    SYNC_OUT();
                    rc = learnt(e, c, s, err);
                }
                if (!rc && c->nsb && n >= c->sb_at) {
                    SYNC_OUT();
                    rc = search_back(e, c, s, err);
                }
                learning = c->learning;
                due = DUE();
                if (rc)
                    break;
            }
        }
        if (rc || z == nx)
            break;
        if (n > 0 || c->gap == 0) {
            SYNC_OUT();
            if ((rc = flush(c, s, err)))
                return rc;
            chan_reset(c);
            c->gap = 1;
            SYNC_IN();
            due = DUE();
        }
        for (a = z; a < nx && !isfinite(x[a]); a++)
            ;
        pt_sos_reset(c->bp);
    }
    SYNC_OUT();
#undef SYNC_OUT
#undef SYNC_IN
#undef DUE
    return rc;
}

static int ecg_push(void *p, const pt_block *b, pt_summary *s, pt_error *err)
{
    ecg *e = p;
    for (size_t k = 0; k < e->nch; k++) {
        chan *c = &e->c[k];
        int rc = chan_push(e, c, b->x[c->ch], b->n[c->ch], b->first[c->ch], s, err);
        if (rc)
            return rc;
    }
    return PT_OK;
}

/* Heart rate of channel ch on the /hr grid: windows [i step, i step + win) whose clean
 * intervals (beat and its predecessor unflagged) number >= PT_HR_MIN_BEATS (4) and are at
 * least 70 % of the window's intervals: 60000 / their mean. Appends /hr rows when `rows`. */
#define ECG_WIN_CLEAN 0.7
#define ECG_MIN_RR 4

static int ecg_hr(ecg *e, pt_summary *s, int ch, double dur, int rows, size_t *n_rel, size_t *n_win,
                  pt_error *err)
{
    const pt_table *bt = pt_summary_table_const(s, "ecg_beats");
    size_t nb = pt_table_nrows(bt);
    const double *tb = pt_table_column(bt, "t_s"), *rr = pt_table_column(bt, "rr_ms"),
                 *art = pt_table_column(bt, "artefact"), *chn = pt_table_column(bt, "channel");
    pt_table *hr = pt_summary_table(s, "hr");
    *n_rel = *n_win = 0;
    size_t j = 0;
    for (size_t i = 0;; i++) {
        double t0 = (double)i * e->step_s;
        if (t0 + e->win_s > dur + 1e-9)
            break;
        while (j < nb && tb[j] < t0)
            j++;
        double sum = 0;
        size_t nclean = 0, nall = 0;
        for (size_t k = j; k < nb && tb[k] < t0 + e->win_s; k++) {
            if (chn[k] != ch)
                continue;
            /* an interval inside the window: the previous beat of the channel too */
            if (!isfinite(rr[k]) || tb[k] - rr[k] / 1000.0 < t0)
                continue;
            nall++;
            if (art[k] == 0) {
                sum += rr[k];
                nclean++;
            }
        }
        double q = nall ? (double)nclean / (double)nall : 0.0;
        double bpm = nclean ? 60000.0 * (double)nclean / sum : (double)NAN;
        int rel = nclean >= ECG_MIN_RR && q >= ECG_WIN_CLEAN;
        (*n_win)++;
        *n_rel += rel;
        if (rows) {
            double row[] = {t0, rel ? bpm : (double)NAN, q, bpm, nall ? rel : (double)NAN, NAN};
            int rc = pt_table_append(hr, row, err);
            if (rc)
                return rc;
        }
        PT_RELEASE_EVERY(i, hr);
    }
    pt_table_release(bt);
    return PT_OK;
}

static int ecg_finish(void *p, pt_summary *s, pt_error *err)
{
    ecg *e = p;
    pt_table *bt = pt_summary_table(s, "ecg_beats");
    if (!e->nch)
        return PT_OK;
    const pt_recording_info *rec = pt_summary_recording(s);
    for (size_t k = 0; k < e->nch; k++) {
        int rc = flush(&e->c[k], s, err);
        if (rc)
            return rc;
    }
    /* the channel for heart rate: most beats without the flag */
    int best = -1;
    size_t best_clean = 0;
    double best_share = 0;
    for (size_t k = 0; k < e->nch; k++) {
        chan *c = &e->c[k];
        size_t clean = c->nbeats - c->nartefact;
        pt_summary_note(s, "ECG '%s': %zu R peaks (%zu extra dropped), %zu flagged as artefact",
                        rec->chan[c->ch].name, c->nbeats, c->ndropped, c->nartefact);
        if (c->nbeats && (best < 0 || clean > best_clean)) {
            best = (int)k;
            best_clean = clean;
            best_share = (double)clean / (double)c->nbeats;
        }
    }
    /* times: the channel's start offset */
    double *ts = pt_table_column_mut(bt, "t_s");
    const double *chn = pt_table_column(bt, "channel");
    for (size_t i = 0; i < pt_table_nrows(bt); i++) {
        ts[i] += rec->chan[(int)chn[i]].t0_s;
        PT_RELEASE_EVERY(i, bt);
    }
    pt_table_release(bt);
    if (best < 0)
        return PT_OK;
    chan *c = &e->c[best];
    double dur = rec->duration_s;
    if (!(dur > 0))
        dur = rec->chan[c->ch].t0_s + (double)(c->n_abs0 + c->n) / c->fs;
    int rows = !e->have_ppg && pt_table_nrows(pt_summary_table(s, "hr")) == 0;
    size_t n_rel = 0, n_win = 0;
    int rc = ecg_hr(e, s, c->ch, dur, rows, &n_rel, &n_win, err);
    if (rc)
        return rc;
    double share = n_win ? (double)n_rel / (double)n_win : 0.0;
    if ((rc = pt_table_set_attr(bt, "hr_channel", c->ch, err)) ||
        (rc = pt_table_set_attr(bt, "clean_share", best_share, err)) ||
        (rc = pt_table_set_attr(bt, "reliable_share", share, err)))
        return rc;
    if (rows) {
        pt_table *hr = pt_summary_table(s, "hr");
        pt_table_set_colsource(hr, "bpm", "ecg");
        pt_table_set_colsource(hr, "bpm_raw", "ecg");
        pt_summary_note(s, "heart rate from ECG '%s': %zu of %zu windows reliable",
                        rec->chan[c->ch].name, n_rel, n_win);
    }
    if (share < HR_MIN_CLEAN)
        pt_summary_note(s,
                        "ECG heart rate reliable in %.0f %% of windows (< %.0f %%): not used as "
                        "the heart-rate source",
                        100 * share, 100 * HR_MIN_CLEAN);
    return PT_OK;
}

static double attr_of(const pt_table *t, const char *name)
{
    for (size_t i = 0; i < pt_table_nattrs(t); i++)
        if (!strcmp(pt_table_attr_name(t, i), name))
            return pt_table_attr(t, i);
    return NAN;
}

int pt_ecg_hr_feed(const pt_summary *s, int (*add)(void *ctx, double t, double bpm, pt_error *err),
                   void *ctx, int *used, pt_error *err)
{
    *used = 0;
    const pt_table *bt = pt_summary_table_const(s, "ecg_beats");
    double ch = attr_of(bt, "hr_channel"), share = attr_of(bt, "reliable_share");
    if (!(ch >= 0) || !(share >= HR_MIN_CLEAN))
        return PT_OK;
    *used = 1;
    size_t n = pt_table_nrows(bt);
    const double *tb = pt_table_column(bt, "t_s"), *rr = pt_table_column(bt, "rr_ms"),
                 *art = pt_table_column(bt, "artefact"), *chn = pt_table_column(bt, "channel");
    for (size_t i = 0; i < n; i++) {
        if (chn[i] == ch && art[i] == 0 && rr[i] > 0) {
            int rc = add(ctx, tb[i] - rr[i] / 2000.0, 60000.0 / rr[i], err);
            if (rc)
                return rc;
        }
        PT_RELEASE_EVERY(i, bt);
    }
    pt_table_release(bt);
    return PT_OK;
}

const pt_stage_ops pt_stage_ecg = {
    .name = "ecg",
    .create = ecg_create,
    .push = ecg_push,
    .finish = ecg_finish,
    .destroy = ecg_destroy,
};
