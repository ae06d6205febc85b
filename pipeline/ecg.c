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
 *      order 2, any rate; 8-20 Hz, the QRS band of Elgendi et al. 2010, BIOSIGNALS
 *      pp. 428-431, instead of 5-15 Hz, which passes the steep T and motion waves of
 *      exercise ECG), five-point derivative, squaring, 150 ms moving-window integration
 *      (MWI); candidate peaks of the MWI (the highest within 200 ms), two adaptive
 *      thresholds (signal/noise peak levels, learnt over the first 2 s and after each gap),
 *      200 ms refractory period, T-wave test (a peak within 360 ms of the last QRS with less
 *      than half the QRS slope is a T wave), search-back for a missed beat after 1.66 x the
 *      recent mean RR with the lower threshold. The R peak is the extremum of the
 *      band-passed signal before the MWI peak, then moved to the extremum of the
 *      baseline-free ECG within +-(filter delay) around it.
 *      Refinements against motion (artefact flag, the beat kept in the table):
 *      - RR plausibility: RR outside 250..2000 ms, or more than 25 % from the median of
 *        the last 8 clean RR intervals (Malik et al. 1989's 20 % rule, widened for
 *        exercise, where RR changes quickly) -> flagged;
 *      - a peak more than 8 x the signal level (electrode pop, movement) is not a beat and
 *        does not move the thresholds, unless it falls where the next beat is due (within
 *        20 % of the mean RR): then it is the beat inside the artefact, flagged;
 *      - the T-wave test compares with the running mean QRS slope (an artefact taken as a
 *        beat would hide the next QRS as a "T wave") and is skipped after an early beat;
 *      - the highest peak of a 200 ms candidate group 3 x above the signal level (noise
 *        that swallowed a QRS): an earlier peak of the group above the threshold that
 *        keeps the rhythm (within 20 % of the mean RR) is taken instead;
 *      - once the lead's QRS polarity is clear (running mean of the R signs), R is the
 *        extremum of that sign, so a biphasic QRS keeps its R on the same wave;
 *      - beats whose intervals are all short and together make one usual interval are
 *        extra (up to 3 in a row) and dropped, see beat_out; not when 3 of the last 8
 *        beats followed a drop (then the "extras" are the rhythm: a fast heart at the
 *        step rate during running, which halving would lock in);
 *      - a flat line (the same value for 200 ms, outside the range of the 0.4 s before it:
 *        a rail, the padding after the end) is a gap like NaN, so the step into it is not a
 *        beat (an isoelectric line inside the range is not);
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
#define BP_LO_HZ 8.0 /* QRS band: Elgendi et al. 2010's 8-20 Hz (P & T: 5-15 Hz) */
#define BP_HI_HZ 20.0
#define CAND_S 0.200 /* a candidate is the highest MWI peak within this */
#define REFRACT_S 0.200
#define TWAVE_S 0.360
#define LEARN_S 2.0
#define FLAT_S 0.2 /* the same value this long: no signal */
#define NCAND 64
#define LAZY_MAX 2 /* x hcand: a lazy alternative this much older than the pending is made */
#define NPEND 4
#define NALT 8
#define POL_CLEAR 0.6  /* |mean sign| above this: the lead's QRS polarity is known */
#define POP_FACTOR 8.0 /* a peak this many times the signal level is an artefact */
#define BIG_FACTOR 3.0 /* this many times: maybe an artefact that swallowed a QRS */
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
    double sgn;   /* sign of the R deflection from the local baseline */
    double pol;   /* the lead's polarity when the MWI peak was seen (make_cand uses it) */
    int made;     /* 0: only p, h and pol are set yet (see lazy / make_cand) */
} cand;

typedef struct chan {
    int ch;
    double fs;
    pt_sos *bp;
    size_t nmwi, nring, hcand, delay; /* samples: MWI length, ring, candidate half, filter */
    size_t nflat, flat_n;             /* samples: a flat line; the current flat run */
    int flat_gap;                     /* in a flat line taken as a gap */
    double last_v;                    /* the previous raw sample */
    double *mwi_buf, mwi_sum;
    double *ring_x, *ring_b, *ring_d; /* raw, band-passed, |derivative| */
    size_t ringmask; /* the rings hold ringmask + 1 >= nring + (LAZY_MAX + 1) hcand + 2
                        samples (a power of 2): lazy peaks are made up to that late */
    size_t mi;       /* the MWI buffer's next slot */
    double *y;       /* the block band-passed */
    size_t cap_y;
    double d[4];    /* last band-passed values for the derivative */
    int64_t n;      /* samples of the current run */
    int64_t n_abs0; /* absolute index of the run's first sample */
    double mwi_prev2, mwi_prev1;
    /* pending candidate */
    int have_pend;
    cand pend;
    cand alt[NALT]; /* the earlier peaks of the pending candidate's group */
    size_t nalt;
    /* learning */
    int learning;
    double learn_max, learn_sum;
    cand lbuf[NCAND];
    size_t nl;
    /* thresholds */
    double spki, npki;
    /* detection state */
    int64_t last_p, last_r; /* -1: none in this run */
    double last_slope;      /* running mean of the QRS slopes (Pan & Tompkins: the last one) */
    double pol;             /* running mean of the beats' R signs: the lead's QRS polarity */
    double rr[8];
    size_t nrr;
    double rr_avg;  /* rr_mean, kept with rr[] */
    int64_t sb_at;  /* from this sample search-back may be due (INT64_MAX: not) */
    cand sb[NCAND]; /* noise candidates since the last QRS, for search-back */
    size_t nsb;
    /* output */
    double prev_t; /* last beat [s], NaN: none in this run */
    double clean_rr[8];
    size_t nclean;
    size_t nbeats, nartefact, ndropped;
    double pend_t[NPEND]; /* beats waiting for the next ones [s] */
    int pend_art[NPEND];  /* their own flag (an R inside an artefact) */
    size_t npend;
    unsigned drop_hist; /* bit k: the k-th last beat out came after a drop */
    int drop_next;      /* the next beat out comes after a drop */
    int last_short;     /* the last detection came early (< 0.7 x the mean RR) */
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
    c->sb_at = INT64_MAX;
    memset(c->d, 0, sizeof c->d);
    c->mwi_sum = 0;
    c->n = 0;
    c->mwi_prev1 = c->mwi_prev2 = 0;
    c->have_pend = 0;
    c->nalt = 0;
    c->learning = 1;
    c->learn_max = c->learn_sum = 0;
    c->nl = 0;
    c->spki = c->npki = 0;
    c->last_p = c->last_r = -1;
    c->last_slope = 0;
    c->pol = 0;
    c->nrr = 0;
    c->nsb = 0;
    c->prev_t = NAN;
    c->npend = 0;
    c->drop_hist = 0;
    c->drop_next = 0;
    c->last_short = 0;
    c->nclean = 0;
}

static int chan_init(chan *c, int ch, double fs, pt_error *err)
{
    double sos[12];
    c->ch = ch;
    c->fs = fs;
    int rc = pt_butter_sos(2, PT_BAND_BANDPASS, BP_LO_HZ, BP_HI_HZ, fs, sos, err);
    if (rc)
        return rc;
    if (!(c->bp = pt_sos_create(sos, 2, 0, err)))
        return err ? err->code : PT_ENOMEM;
    c->nmwi = (size_t)lround(MWI_S * fs);
    c->nring = (size_t)lround(RING_S * fs);
    c->hcand = (size_t)lround(CAND_S * fs);
    c->nflat = (size_t)lround(FLAT_S * fs);
    c->flat_n = 0;
    c->flat_gap = 0;
    c->last_v = NAN;
    c->delay = (size_t)lround(group_delay(sos, 2, fs));
    if (c->delay > (size_t)(0.1 * fs))
        c->delay = (size_t)(0.1 * fs);
    c->mwi_buf = calloc(c->nmwi, sizeof(double));
    size_t phys = 1;
    while (phys < c->nring + (LAZY_MAX + 1) * c->hcand + 2)
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
static int write_row(chan *c, double t, int art, pt_summary *s, pt_error *err)
{
    double rr = isnan(c->prev_t) ? (double)NAN : 1000.0 * (t - c->prev_t);
    if (isfinite(rr) && !art) {
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
    c->drop_hist = (c->drop_hist << 1) | (unsigned)c->drop_next;
    c->drop_next = 0;
    c->nbeats++;
    c->nartefact += art;
    double row[] = {t, rr, art, c->ch};
    return pt_table_append(pt_summary_table(s, "ecg_beats"), row, err);
}

/* Beats pass a few behind: beats whose intervals are all short (< 0.8 x the clean median)
 * and together make about one usual interval (within 20 %) are extra detections (a tall T
 * wave, step artefacts) and are dropped — the "extra beat" case of Lipponen & Tarvainen
 * 2019 (J Med Eng Technol 43(3):173-181), decided on the detector's output. */
static int beat_out(chan *c, double t, int art, pt_summary *s, pt_error *err)
{
    int rc = PT_OK;
    if (c->npend == NPEND) {
        rc = write_row(c, c->pend_t[0], c->pend_art[0], s, err);
        memmove(c->pend_t, c->pend_t + 1, (NPEND - 1) * sizeof *c->pend_t);
        memmove(c->pend_art, c->pend_art + 1, (NPEND - 1) * sizeof *c->pend_art);
        c->npend--;
    }
    c->pend_t[c->npend] = t;
    c->pend_art[c->npend++] = art;
    while (!rc && c->npend >= 2) {
        /* extra beats come now and then: when 3 of the last 8 beats out followed a drop,
         * the "extras" are the rhythm (a rate twice the output's) and are kept */
        int ndrop = 0;
        for (unsigned h = c->drop_hist & 0xffu; h; h >>= 1)
            ndrop += (int)(h & 1u);
        int often = ndrop >= 3;
        double med = c->nclean >= 4 && !often
                         ? median8(c->clean_rr, c->nclean < 8 ? c->nclean : 8) / 1000.0
                         : (double)NAN;
        if (isfinite(c->prev_t) && isfinite(med)) {
            double total = c->pend_t[c->npend - 1] - c->prev_t, last = c->prev_t;
            int all_short = 1;
            for (size_t k = 0; k < c->npend; k++) {
                all_short &= c->pend_t[k] - last < 0.8 * med;
                last = c->pend_t[k];
            }
            if (all_short && fabs(total - med) < 0.2 * med) {
                c->ndropped += c->npend - 1; /* the ones before the newest were extra */
                c->drop_next = 1;
                c->pend_t[0] = c->pend_t[c->npend - 1];
                c->pend_art[0] = c->pend_art[c->npend - 1];
                c->npend = 1;
                break;
            }
            if (all_short && total < 0.8 * med)
                break; /* a later beat may still close the interval */
        }
        rc = write_row(c, c->pend_t[0], c->pend_art[0], s, err);
        memmove(c->pend_t, c->pend_t + 1, (NPEND - 1) * sizeof *c->pend_t);
        memmove(c->pend_art, c->pend_art + 1, (NPEND - 1) * sizeof *c->pend_art);
        c->npend--;
    }
    return rc;
}

static int flush(chan *c, pt_summary *s, pt_error *err)
{
    int rc = PT_OK;
    for (size_t k = 0; k < c->npend && !rc; k++)
        rc = write_row(c, c->pend_t[k], c->pend_art[k], s, err);
    c->npend = 0;
    return rc;
}

/* Emit one beat (R at absolute-in-run sample r) into the table. */
/* weak: found by search-back; pop: a peak far above the signal level, taken because it
 * falls where the rhythm puts the next beat (the level does not learn from it). */
static int emit(ecg *e, chan *c, const cand *q, int weak, int pop, pt_summary *s, pt_error *err)
{
    (void)e;
    c->last_short = 0;
    if (c->last_p >= 0) {
        double rr = (double)(q->p - c->last_p), m = rr_mean(c);
        c->last_short = c->nrr >= 4 && rr < 0.7 * m;
        c->rr[c->nrr % 8] = rr;
        c->nrr++;
        c->rr_avg = rr_mean(c);
    }
    if (!pop)
        c->pol += 0.05 * (q->sgn - c->pol);
    if (!pop)
        c->spki = weak ? 0.25 * q->h + 0.75 * c->spki : 0.125 * q->h + 0.875 * c->spki;
    c->last_p = q->p;
    /* search_back's test (n - last_p >= 1.66 x the mean RR) as a sample index */
    c->sb_at = c->nrr >= 1 ? c->last_p + (int64_t)ceil(1.66 * c->rr_avg) : INT64_MAX;
    if (!pop)
        c->last_slope = c->last_slope > 0 ? 0.125 * q->slope + 0.875 * c->last_slope : q->slope;
    c->nsb = 0;
    if (c->last_r >= 0 && q->r - c->last_r < (int64_t)(REFRACT_S * c->fs))
        return PT_OK; /* the refined R fell on the previous one: one beat */
    c->last_r = q->r;
    return beat_out(c, (double)(c->n_abs0 + q->r) / c->fs, pop, s, err);
}

static cand make_cand(const chan *c, const cand *lz);

/* One candidate MWI peak, in time order. */
static int decide(ecg *e, chan *c, const cand *q, pt_summary *s, pt_error *err)
{
    if (!c->learning && c->nalt && c->last_p >= 0 && c->nrr >= 4) {
        /* the group's highest peak is artefact-sized (the integrator is the squared slope:
         * 3 x the signal level is a slope 1.7 x the usual QRS's) and an earlier peak above
         * the threshold keeps the rhythm (within 20 % of the mean RR, and better): that one
         * is the QRS, the winner the noise that followed it */
        double m = rr_mean(c), thr = c->npki + 0.25 * (c->spki - c->npki);
        double dq = fabs((double)(q->p - c->last_p) - m), dbest = 0.2 * m;
        if (q->h > BIG_FACTOR * c->spki)
            for (size_t k = 0; k < c->nalt; k++) {
                double d = fabs((double)(c->alt[k].p - c->last_p) - m);
                if (c->alt[k].h > thr && c->alt[k].h <= POP_FACTOR * c->spki && d < dbest &&
                    d < dq) {
                    dbest = d;
                    c->alt[k] = make_cand(c, &c->alt[k]);
                    q = &c->alt[k];
                }
            }
        c->nalt = 0;
    }
    if (c->learning) {
        if (c->nl < NCAND)
            c->lbuf[c->nl++] = *q;
        return PT_OK;
    }
    if (c->last_p >= 0 && q->p - c->last_p < (int64_t)(REFRACT_S * c->fs))
        return PT_OK;
    if (c->spki > 0 && q->h > POP_FACTOR * c->spki) {
        /* an electrode pop or a blow: neither beat nor noise level, unless it falls where
         * the next beat is due (a beat inside the artefact; flagged) */
        double m = rr_mean(c);
        if (c->last_p >= 0 && c->nrr >= 4 && fabs((double)(q->p - c->last_p) - m) < 0.2 * m)
            return emit(e, c, q, 0, 1, s, err);
        return PT_OK;
    }
    double thr1 = c->npki + 0.25 * (c->spki - c->npki);
    if (q->h > thr1) {
        if (c->last_r >= 0 && q->r - c->last_r < (int64_t)(TWAVE_S * c->fs) &&
            q->slope < 0.5 * c->last_slope && !c->last_short) {
            c->npki = 0.125 * q->h + 0.875 * c->npki; /* a T wave */
            return PT_OK;
        }
        return emit(e, c, q, 0, 0, s, err);
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
    double m = rr_mean(c);
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
    int rc = emit(e, c, &q, 1, 0, s, err);
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

/* The candidate at MWI peak p: R by the band-passed signal, then the raw ECG. */
/* An MWI peak as it was seen at sample p + 1 (the lead's polarity then): R and slope are
 * found only when it is decided, or chosen in its group (make_cand), as most peaks are
 * integrator ripples replaced within 200 ms. */
static cand lazy(const chan *c, int64_t p, double h)
{
    return (cand){.p = p, .h = h, .r = p, .pol = c->pol, .made = 0};
}

/* The candidate of a lazy peak, from the samples there were when the peak was seen (now = p
 * + 2: the ring's last nring of them; the rings are sized so that they are still there) and
 * the polarity then: what making it at that moment gave. */
static cand make_cand(const chan *c, const cand *lz)
{
    if (lz->made)
        return *lz;
    int64_t p = lz->p, now = p + 2;
    cand q = {.p = p, .h = lz->h, .slope = 0, .r = p, .sgn = 0, .pol = lz->pol, .made = 1};
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
    /* once the lead's polarity is clear, the extremum of that sign (a biphasic QRS keeps
     * its R on the same wave) */
    double pol = lz->pol > POL_CLEAR ? 1.0 : lz->pol < -POL_CLEAR ? -1.0 : 0.0;
    double bx = -INFINITY;
    for (int64_t i = a; i < z; i++) {
        double dv = RING(c, ring_x, i) - base, v = pol != 0 ? pol * dv : fabs(dv);
        if (v > bx) {
            bx = v;
            q.r = i;
            q.sgn = dv >= 0 ? 1.0 : -1.0;
        }
    }
    return q;
}

/* A flat run at value v: outside the range of the ring's samples before it (strictly: an
 * isoelectric segment of a noiseless ECG lies inside, a rail or the padding after the end
 * does not). An empty history counts as outside. */
static int flat_outside(const chan *c, double v)
{
    int64_t z = c->n - (int64_t)c->flat_n, a = c->n - (int64_t)c->nring;
    a = a < 0 ? 0 : a;
    if (z <= a)
        return 1;
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = a; i < z; i++) {
        double x = RING(c, ring_x, i);
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    return v < lo || v > hi;
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
    /* the band-pass over each run of finite samples at once */
    for (size_t a = 0; a < nx;) {
        size_t z = a;
        while (z < nx && isfinite(x[z]))
            z++;
        if (z > a) {
            if (c->gap) {
                pt_sos_reset(c->bp);
            }
            pt_sos_execute(c->bp, x + a, c->y + a, z - a);
            a = z;
        }
        while (a < nx && !isfinite(x[a])) {
            c->y[a] = NAN;
            a++;
            pt_sos_reset(c->bp);
        }
    }
    for (size_t j = 0; j < nx && !rc; j++) {
        double v = x[j];
        /* a flat line (the same value for FLAT_S, outside the range of the signal before
         * it: lead off, saturation, the padding after the end) is no signal: a gap like
         * NaN, and the step into it is not a beat */
        c->flat_n = isfinite(v) && v == c->last_v ? c->flat_n + 1 : 0;
        c->last_v = v;
        if (!c->flat_n)
            c->flat_gap = 0;
        else if (c->flat_n == c->nflat)
            c->flat_gap = flat_outside(c, v);
        if (!isfinite(v) || c->flat_gap) {
            if (c->n > 0 || c->gap == 0) {
                if ((rc = flush(c, s, err)))
                    return rc;
                chan_reset(c);
                c->gap = 1;
            }
            continue;
        }
        if (c->gap || (c->n == 0 && c->n_abs0 == 0)) {
            c->n_abs0 = first + (int64_t)j;
            c->gap = 0;
        }
        double b = c->y[j];
        /* Pan & Tompkins' five-point derivative (2x[n] + x[n-1] - x[n-3] - 2x[n-4]) fs/8 */
        double der = (2 * b + c->d[0] - c->d[2] - 2 * c->d[3]) * c->fs / 8.0;
        c->d[3] = c->d[2];
        c->d[2] = c->d[1];
        c->d[1] = c->d[0];
        c->d[0] = b;
        double sq = der * der;
        c->mwi_sum += sq - c->mwi_buf[c->mi];
        c->mwi_buf[c->mi] = sq;
        c->mi = c->mi + 1 == c->nmwi ? 0 : c->mi + 1;
        double m = c->mwi_sum / (double)c->nmwi;
        if (m < 0)
            m = 0;
        RING(c, ring_x, c->n) = v;
        RING(c, ring_b, c->n) = b;
        RING(c, ring_d, c->n) = fabs(der);
        int64_t n = c->n;
        c->n++;
        if (c->learning) {
            c->learn_max = m > c->learn_max ? m : c->learn_max;
            c->learn_sum += m;
        }
        /* a local maximum of the MWI at n - 1 */
        if (n >= 2 && c->mwi_prev1 > c->mwi_prev2 && c->mwi_prev1 >= m) {
            int64_t p = n - 1;
            if (c->have_pend && p - c->pend.p <= (int64_t)c->hcand) {
                if (c->mwi_prev1 > c->pend.h) {
                    if (c->nalt == NALT) { /* full: the lowest goes */
                        size_t lo = 0;
                        for (size_t k = 1; k < NALT; k++)
                            lo = c->alt[k].h < c->alt[lo].h ? k : lo;
                        c->alt[lo] = c->alt[--c->nalt];
                    }
                    c->alt[c->nalt++] = c->pend;
                    /* an alternative about to fall out of the rings is made now */
                    for (size_t k = 0; k < c->nalt; k++)
                        if (!c->alt[k].made && p - c->alt[k].p > LAZY_MAX * (int64_t)c->hcand)
                            c->alt[k] = make_cand(c, &c->alt[k]);
                    c->pend = lazy(c, p, c->mwi_prev1);
                }
            } else {
                if (c->have_pend) {
                    c->pend = make_cand(c, &c->pend);
                    rc = decide(e, c, &c->pend, s, err);
                }
                c->nalt = 0;
                c->pend = lazy(c, p, c->mwi_prev1);
                c->have_pend = 1;
            }
        }
        c->mwi_prev2 = c->mwi_prev1;
        c->mwi_prev1 = m;
        if (!rc && c->have_pend && n - c->pend.p > (int64_t)c->hcand) {
            c->pend = make_cand(c, &c->pend);
            rc = decide(e, c, &c->pend, s, err);
            c->have_pend = 0;
            c->nalt = 0;
        }
        if (!rc && c->learning && (double)c->n >= LEARN_S * c->fs)
            rc = learnt(e, c, s, err);
        if (!rc && c->nsb && c->n >= c->sb_at) /* else search_back has nothing to do */
            rc = search_back(e, c, s, err);
    }
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
