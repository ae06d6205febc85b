/* SPDX-License-Identifier: GPL-2.0-or-later
 * heart.c — heart rate and beats from wrist PPG, block by block.
 *
 * In:  every PPG channel with the first PPG's rate; ACC_X/Y/Z when present
 *      (motion suppression, beat flags).
 * Out: /hr rows: t_start_s [s], bpm [bpm] (reliable windows only, else NaN), quality
 *      [0..1], bpm_raw [bpm] (the tracker's estimate), reliable (0/1: pt_hr_reliable with
 *      the beats' agreement; classify.c adds a device's), motion_g [g];
 *      /beats rows: t_s [s], ibi_ms [ms] (beats in heavy motion left out; the
 *      interval after a left-out or missing beat, or a gap, is NaN).
 * Parameters: ppg_lo_hz, ppg_hi_hz, ppg_order (conditioning band-pass),
 *      hr_window_s (8), hr_step_s (2), hr_lo_bpm..hr_hi_bpm (40..220).
 * Method: zero-phase Butterworth band-pass in overlapping chunks
 *      (kernels/condition.c), then pipeline/hrtrack.c: Wiener and coherence
 *      suppression of the accelerometer's spectrum and a fixed-lag Viterbi
 *      path (Temko 2017, IEEE TBME 64(9)); beats by Elgendi et al. 2013.
 * A window with more than 10 % missing PPG samples reports NaN. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/condition.h"
#include "pipeline/stage.h"
#include "pulsetrain/hrtrack.h"

#define CHUNK_S 300.0
#define MARGIN_S 30.0
#define MAX_PPG 8
#define NACC 4            /* x, y, z and |a| */
#define BEAT_MOTION_G 0.1 /* SD of |a| over +-2 s above which a beat is left out [g] */

typedef struct heart {
    size_t nppg;
    int ppg[MAX_PPG], acc[3];
    double fs_ppg, fs_acc;
    double win_s, step_s;
    pt_condition *cp[MAX_PPG], *ca[NACC];
    double *yp[MAX_PPG], *ya[NACC]; /* conditioned output of the last push */
    size_t nacc;                    /* acc streams the tracker takes: x, y, z[, |a|] */
    double *mag;                    /* |a| of the raw axes, one piece [size: max_in] */
    double *rp;                     /* raw copy of ppg[0]'s output (NaN)      */
    size_t np_pend, na_pend[NACC];  /* conditioned samples waiting (per kind) */
    /* one block's conditioned output, made by push (the reader's thread) and taken by
     * push_bg (the tracker's thread, a block behind): two sets, alternating per block */
    struct staged {
        double *p[MAX_PPG], *a[NACC], *raw; /* PPG channels, acc streams, raw ppg[0] mask */
        size_t np, na[NACC], cap_p[MAX_PPG], cap_a[NACC], cap_raw;
    } stg[2];
    size_t n_prep, n_track; /* blocks conditioned / tracked */
    int staged;             /* push_bg runs on another thread: hand over through stg */
    double *pend_p[MAX_PPG], *pend_a[NACC];
    size_t pend_cap_p[MAX_PPG], pend_cap_a[NACC];
    pt_hrtrack *trk;
    pt_hrtrack_window *out;
    size_t max_out;
    /* missing PPG samples per step (absolute step index from miss_first) */
    unsigned *miss;
    size_t miss_n, miss_cap;
    long long miss_first, ppg_seen;
    size_t step_samples;
    double t0_s;
    /* beats: raw FIFOs of ppg[0] and the acc axes, analysed every BEAT_CHUNK_S */
    double *bp, *ba[3];
    size_t bp_n, ba_n[3], bp_cap, ba_cap[3];
    long long bp_first, ba_first; /* absolute sample index of bp[0], ba[k][0] */
    double *bt, *bibi;
    int *bmot;
    size_t bmax;
    double last_beat_s;
    int last_beat_ok;
} heart;

#define BEAT_CHUNK_S 300.0
#define BEAT_TAIL_S 10.0
#define BEATS_CONTEXT_S 8.0 /* the beats compared with a window: its own and 8 s either side */

static void heart_destroy(void *p)
{
    heart *h = p;
    if (!h)
        return;
    for (size_t k = 0; k < MAX_PPG; k++) {
        pt_condition_destroy(h->cp[k]);
        free(h->yp[k]);
        free(h->pend_p[k]);
    }
    for (int k = 0; k < NACC; k++) {
        pt_condition_destroy(h->ca[k]);
        free(h->ya[k]);
        free(h->pend_a[k]);
    }
    for (int j = 0; j < 2; j++) {
        for (size_t k = 0; k < MAX_PPG; k++)
            free(h->stg[j].p[k]);
        for (int k = 0; k < NACC; k++)
            free(h->stg[j].a[k]);
        free(h->stg[j].raw);
    }
    free(h->mag);
    free(h->rp);
    free(h->bp);
    for (int k = 0; k < 3; k++)
        free(h->ba[k]);
    free(h->bt);
    free(h->bibi);
    free(h->bmot);
    free(h->out);
    free(h->miss);
    pt_hrtrack_destroy(h->trk);
    free(h);
}

static void *heart_create(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                          pt_error *err)
{
    pt_table *hr = pt_summary_table(s, "hr");
    if (pt_table_set_attr(hr, "window_s", p->hr_window_s, err) ||
        pt_table_set_attr(hr, "step_s", p->hr_step_s, err) ||
        pt_table_set_attr(hr, "quality_rest_min", PT_HR_QUALITY_REST, err) ||
        pt_table_set_attr(hr, "quality_motion_min", PT_HR_QUALITY_MOTION, err) ||
        pt_table_set_attr(hr, "motion_g", PT_HR_MOTION_G, err) ||
        pt_table_set_attr(hr, "agree_bpm", PT_HR_AGREE_BPM, err))
        return NULL;
    pt_table_set_colsource(hr, "bpm", "ppg");
    pt_table_set_colsource(hr, "bpm_raw", "ppg");
    heart *h = calloc(1, sizeof *h);
    if (!h) {
        pt_error_set(err, PT_ENOMEM, "out of memory for the heart stage");
        return NULL;
    }
    h->last_beat_s = NAN;
    int first = pt_find_channel(info, PT_KIND_PPG);
    if (first < 0) {
        pt_summary_note(s, "no PPG channel: /hr and /beats are empty");
        return h;
    }
    h->fs_ppg = info->chan[first].fs_hz;
    if (!(h->fs_ppg > 0)) {
        pt_summary_note(s, "PPG '%s' has no regular sample rate: /hr is empty",
                        info->chan[first].name);
        return h;
    }
    if (p->ppg_hi_hz >= h->fs_ppg / 2) {
        pt_summary_note(s, "PPG '%s' at %g Hz is too slow for the %g Hz band edge: /hr is empty",
                        info->chan[first].name, h->fs_ppg, p->ppg_hi_hz);
        return h;
    }
    for (size_t c = 0; c < info->nchan && h->nppg < MAX_PPG; c++)
        if (info->chan[c].kind == PT_KIND_PPG && info->chan[c].fs_hz == h->fs_ppg)
            h->ppg[h->nppg++] = (int)c;
    h->acc[0] = pt_find_channel(info, PT_KIND_ACC_X);
    h->acc[1] = pt_find_channel(info, PT_KIND_ACC_Y);
    h->acc[2] = pt_find_channel(info, PT_KIND_ACC_Z);
    int have_acc = h->acc[0] >= 0 && h->acc[1] >= 0 && h->acc[2] >= 0;
    if (have_acc) {
        h->fs_acc = info->chan[h->acc[0]].fs_hz;
        if (!(h->fs_acc > 2 * p->ppg_hi_hz) || info->chan[h->acc[1]].fs_hz != h->fs_acc ||
            info->chan[h->acc[2]].fs_hz != h->fs_acc)
            have_acc = 0;
    }
    if (!have_acc) {
        h->acc[0] = h->acc[1] = h->acc[2] = -1;
        pt_summary_note(s, "heart rate without motion suppression (no usable accelerometer)");
    }
    pt_summary_note(s, "heart rate from %zu PPG channel%s (spectra averaged)", h->nppg,
                    h->nppg > 1 ? "s" : "");
    h->win_s = p->hr_window_s;
    h->step_s = p->hr_step_s;
    pt_hrtrack_config cfg = pt_hrtrack_defaults();
    cfg.window_s = p->hr_window_s;
    cfg.step_s = p->hr_step_s;
    cfg.bpm_min = p->hr_lo_bpm;
    cfg.bpm_max = p->hr_hi_bpm;
    cfg.band_lo_hz = p->ppg_lo_hz;
    cfg.band_hi_hz = p->ppg_hi_hz;
    cfg.band_order = p->ppg_order;
    h->trk = pt_hrtrack_create(&cfg, h->fs_ppg, h->nppg, have_acc ? h->fs_acc : 1.0, have_acc, err);
    if (!h->trk)
        goto fail;
    for (size_t k = 0; k < h->nppg; k++) {
        h->cp[k] = pt_condition_create(h->fs_ppg, p->ppg_lo_hz, p->ppg_hi_hz, p->ppg_order, CHUNK_S,
                                       MARGIN_S, err);
        if (!h->cp[k] || !(h->yp[k] = malloc(pt_condition_max_out(h->cp[k]) * sizeof(double))))
            goto fail_mem;
    }
    if (!(h->rp = malloc(pt_condition_max_out(h->cp[0]) * sizeof(double))))
        goto fail_mem;
    h->nacc = have_acc ? pt_hrtrack_nacc(h->trk) : 0;
    if (h->nacc > NACC || (have_acc && h->nacc < 3)) {
        pt_error_set(err, PT_EINTERNAL, "heart: the tracker wants %zu acc streams", h->nacc);
        goto fail;
    }
    for (size_t k = 0; k < h->nacc; k++) {
        h->ca[k] = pt_condition_create(h->fs_acc, p->ppg_lo_hz, p->ppg_hi_hz, p->ppg_order, CHUNK_S,
                                       MARGIN_S, err);
        if (!h->ca[k] || !(h->ya[k] = malloc(pt_condition_max_out(h->ca[k]) * sizeof(double))))
            goto fail_mem;
    }
    if (h->nacc > 3 && !(h->mag = malloc(pt_condition_max_in(h->ca[3]) * sizeof(double))))
        goto fail_mem;
    h->max_out = pt_hrtrack_max_out(h->trk, pt_condition_max_out(h->cp[0]));
    h->out = malloc(h->max_out * sizeof *h->out);
    if (!h->out)
        goto fail_mem;
    h->bmax = (size_t)((BEAT_CHUNK_S + 2 * BEAT_TAIL_S) * 4.0) + 16; /* < 240 bpm */
    h->bt = malloc(h->bmax * sizeof(double));
    h->bibi = malloc(h->bmax * sizeof(double));
    h->bmot = malloc(h->bmax * sizeof(int));
    if (!h->bt || !h->bibi || !h->bmot)
        goto fail_mem;
    h->step_samples = (size_t)llround(h->step_s * h->fs_ppg);
    if (h->step_samples == 0)
        h->step_samples = 1;
    return h;
fail_mem:
    if (!err || !err->code)
        pt_error_set(err, PT_ENOMEM, "out of memory for the PPG and accelerometer buffers");
fail:
    heart_destroy(h);
    return NULL;
}

/* Count missing PPG samples per step, for the windows' 10 % rule. */
static int note_missing(heart *h, const double *raw, size_t n, pt_error *err)
{
    for (size_t i = 0; i < n; i++, h->ppg_seen++) {
        size_t step = (size_t)(h->ppg_seen / (long long)h->step_samples - h->miss_first);
        while (step >= h->miss_n) {
            if (h->miss_n == h->miss_cap) {
                size_t cap = h->miss_cap ? 2 * h->miss_cap : 1024;
                unsigned *m = realloc(h->miss, cap * sizeof *m);
                if (!m)
                    return pt_error_set(err, PT_ENOMEM,
                                        "heart: out of memory for the missing-sample steps (%zu)",
                                        cap);
                h->miss = m;
                h->miss_cap = cap;
            }
            h->miss[h->miss_n++] = 0;
        }
        h->miss[step] += isnan(raw[i]) != 0;
    }
    return PT_OK;
}

static int emit(heart *h, size_t n_out, pt_summary *s, pt_error *err)
{
    pt_table *t = pt_summary_table(s, "hr");
    size_t steps_per_win = (size_t)llround(h->win_s / h->step_s);
    for (size_t i = 0; i < n_out; i++) {
        const pt_hrtrack_window *w = &h->out[i];
        long long step0 = llround(w->t_start_s / h->step_s);
        unsigned missing = 0;
        for (size_t k = 0; k < steps_per_win; k++) {
            long long idx = step0 + (long long)k - h->miss_first;
            if (idx >= 0 && (size_t)idx < h->miss_n)
                missing += h->miss[idx];
        }
        int bad = (double)missing > 0.1 * h->win_s * h->fs_ppg;
        /* the rule without the beats (heart_finish adds their agreement) */
        int rel = !bad && pt_hr_reliable(w->bpm, w->quality, w->motion_g, NAN, NAN);
        double row[] = {h->t0_s + w->t_start_s,         rel ? w->bpm : (double)NAN,
                        bad ? (double)NAN : w->quality, bad ? (double)NAN : w->bpm,
                        bad ? (double)NAN : rel,        w->motion_g};
        int rc = pt_table_append(t, row, err);
        if (rc)
            return rc;
        /* steps before this window's start are no longer needed */
        long long drop = step0 - h->miss_first;
        if (drop > 0 && (size_t)drop <= h->miss_n) {
            memmove(h->miss, h->miss + drop, (h->miss_n - (size_t)drop) * sizeof *h->miss);
            h->miss_n -= (size_t)drop;
            h->miss_first += drop;
        }
    }
    return PT_OK;
}

/* Append conditioned samples to the pending queues, push what is aligned. */
static int queue(double **q, size_t *cap, size_t have, const double *x, size_t n, pt_error *err)
{
    if (n == 0)
        return PT_OK; /* nothing to copy (and *q may still be NULL) */
    if (have + n > *cap) {
        size_t c = (have + n) * 2;
        double *p = realloc(*q, c * sizeof(double));
        if (!p)
            return pt_error_set(err, PT_ENOMEM, "heart: out of memory queueing %zu samples",
                                have + n);
        *q = p;
        *cap = c;
    }
    memcpy(*q + have, x, n * sizeof(double));
    return PT_OK;
}

/* Push the time-aligned part of the pending PPG and acc samples to the
 * tracker (it allows the streams only a small skew), in pieces whose output
 * fits h->out; keep the rest. final: push everything. */
static int feed(heart *h, int final, pt_summary *s, pt_error *err)
{
    int have_acc = h->ca[0] != NULL;
    size_t piece = pt_condition_max_in(h->cp[0]);
    for (;;) {
        size_t np = h->np_pend, na = 0;
        if (have_acc) {
            na = h->na_pend[0];
            for (size_t k = 1; k < h->nacc; k++)
                na = h->na_pend[k] < na ? h->na_pend[k] : na;
            if (!final) {
                size_t np_cov = (size_t)((double)na * h->fs_ppg / h->fs_acc);
                np = np < np_cov ? np : np_cov;
            }
        }
        np = np < piece ? np : piece;
        if (have_acc && (!final || np < h->np_pend)) {
            size_t na_cov = (size_t)ceil((double)np * h->fs_acc / h->fs_ppg);
            na = na < na_cov ? na : na_cov;
        }
        if (np == 0 && na == 0)
            return PT_OK;
        const double *pp[MAX_PPG], *pa[NACC];
        for (size_t k = 0; k < h->nppg; k++)
            pp[k] = h->pend_p[k];
        for (size_t k = 0; k < h->nacc; k++)
            pa[k] = h->pend_a[k];
        size_t n_out = 0;
        int rc = pt_hrtrack_push(h->trk, pp, np, have_acc ? pa : NULL, na, h->out, h->max_out,
                                 &n_out, err);
        if (rc)
            return rc;
        for (size_t k = 0; k < h->nppg && np && h->np_pend > np; k++)
            memmove(h->pend_p[k], h->pend_p[k] + np, (h->np_pend - np) * sizeof(double));
        h->np_pend -= np;
        for (size_t k = 0; k < h->nacc; k++) {
            if (na && h->na_pend[k] > na)
                memmove(h->pend_a[k], h->pend_a[k] + na, (h->na_pend[k] - na) * sizeof(double));
            h->na_pend[k] -= na;
        }
        if ((rc = emit(h, n_out, s, err)))
            return rc;
        if (np == 0 && !final)
            return PT_OK;
    }
}

/* Beats of the buffered raw PPG (Elgendi 2013 via pt_hrtrack_beats); keeps
 * those before the buffer's last BEAT_TAIL_S/2 (unless final) and after the
 * last kept beat, then drops all but BEAT_TAIL_S of context. */
static int beats(heart *h, int final, pt_summary *s, pt_error *err)
{
    double dur = (double)h->bp_n / h->fs_ppg;
    if (h->bp_n < (size_t)(2 * h->fs_ppg))
        return PT_OK;
    double t_first = (double)h->bp_first / h->fs_ppg;
    const double *acc[3];
    size_t na = 0;
    double acc_off = 0; /* the acc FIFO may start at another time than the PPG's */
    if (h->ca[0]) {
        na = h->ba_n[0];
        for (int k = 0; k < 3; k++) {
            na = h->ba_n[k] < na ? h->ba_n[k] : na;
            acc[k] = h->ba[k];
        }
        acc_off = (double)h->ba_first / h->fs_acc - t_first;
        if (acc_off > 0.5 || acc_off < -0.5)
            na = 0; /* not aligned: no motion flags this round */
        size_t span = (size_t)((double)h->bp_n / h->fs_ppg * h->fs_acc);
        na = na < span ? na : span; /* the acc FIFO may run ahead of the PPG's */
    }
    size_t nb = 0;
    int rc = pt_hrtrack_beats(h->bp, h->bp_n, h->fs_ppg, na ? acc : NULL, na, h->fs_acc,
                              BEAT_MOTION_G, h->bt, h->bibi, h->bmot, h->bmax, &nb, err);
    if (rc)
        return rc;
    double t_keep_end = final ? dur + 1 : dur - BEAT_TAIL_S / 2;
    pt_table *t = pt_summary_table(s, "beats");
    for (size_t i = 0; i < nb; i++) {
        double tb = t_first + h->bt[i];
        if (h->bt[i] >= t_keep_end || (!isnan(h->last_beat_s) && tb <= h->last_beat_s + 0.2))
            continue;
        if (isnan(h->bibi[i])) /* the first beat after a gap: no interval */
            h->last_beat_ok = 0;
        if (h->bmot[i]) { /* in heavy motion: left out, and it breaks the interval chain */
            h->last_beat_s = tb;
            h->last_beat_ok = 0;
            continue;
        }
        double ibi = h->last_beat_ok ? 1000.0 * (tb - h->last_beat_s) : (double)NAN;
        if (ibi > 2000.0) /* a gap or missed beats: not an interval */
            ibi = NAN;
        double row[] = {h->t0_s + tb, ibi};
        if ((rc = pt_table_append(t, row, err)))
            return rc;
        h->last_beat_s = tb;
        h->last_beat_ok = 1;
    }
    if (final)
        return PT_OK;
    size_t keep = (size_t)(BEAT_TAIL_S * h->fs_ppg);
    if (h->bp_n > keep) {
        size_t drop = h->bp_n - keep;
        memmove(h->bp, h->bp + drop, keep * sizeof(double));
        h->bp_n = keep;
        h->bp_first += (long long)drop;
    }
    if (h->ca[0]) {
        long long target = (long long)llround((double)h->bp_first / h->fs_ppg * h->fs_acc);
        for (int k = 0; k < 3; k++) {
            long long drop = target - h->ba_first;
            if (drop < 0)
                drop = 0;
            if ((size_t)drop > h->ba_n[k])
                drop = (long long)h->ba_n[k];
            if (drop > 0 && h->ba_n[k] > (size_t)drop)
                memmove(h->ba[k], h->ba[k] + drop, (h->ba_n[k] - (size_t)drop) * sizeof(double));
            h->ba_n[k] -= (size_t)drop;
        }
        h->ba_first = target > h->ba_first ? target : h->ba_first;
    }
    return PT_OK;
}

static int beats_push(heart *h, const pt_block *b, pt_summary *s, pt_error *err)
{
    int rc;
    for (int k = 0; k < 3 && h->ca[0]; k++) {
        if ((rc = queue(&h->ba[k], &h->ba_cap[k], h->ba_n[k], b->x[h->acc[k]], b->n[h->acc[k]],
                        err)))
            return rc;
        h->ba_n[k] += b->n[h->acc[k]];
    }
    /* PPG in pieces, so that one analysis never holds more than a chunk + tail */
    size_t full = (size_t)((BEAT_CHUNK_S + BEAT_TAIL_S) * h->fs_ppg);
    const double *x = b->x[h->ppg[0]];
    size_t n = b->n[h->ppg[0]];
    while (n > 0) {
        size_t take = full - h->bp_n < n ? full - h->bp_n : n;
        if ((rc = queue(&h->bp, &h->bp_cap, h->bp_n, x, take, err)))
            return rc;
        h->bp_n += take;
        x += take;
        n -= take;
        if (h->bp_n >= full && (rc = beats(h, 0, s, err)))
            return rc;
    }
    return PT_OK;
}

/* One conditioned piece of the PPG channels (in h->yp, ppg[0]'s raw mask in h->rp) into
 * the staging set g, or, with g NULL (one thread), straight into the tracker's queues. */
static int take_ppg(heart *h, struct staged *g, size_t ny, pt_error *err)
{
    int rc;
    for (size_t k = 0; k < h->nppg; k++)
        if ((rc = g ? queue(&g->p[k], &g->cap_p[k], g->np, h->yp[k], ny, err)
                    : queue(&h->pend_p[k], &h->pend_cap_p[k], h->np_pend, h->yp[k], ny, err)))
            return rc;
    if (g) {
        if ((rc = queue(&g->raw, &g->cap_raw, g->np, h->rp, ny, err)))
            return rc;
        g->np += ny;
        return PT_OK;
    }
    if ((rc = note_missing(h, h->rp, ny, err)))
        return rc;
    h->np_pend += ny;
    return PT_OK;
}

/* Likewise for acc stream k (in h->ya[k]). */
static int take_acc(heart *h, struct staged *g, size_t k, size_t ny, pt_error *err)
{
    double **q = g ? &g->a[k] : &h->pend_a[k];
    size_t *cap = g ? &g->cap_a[k] : &h->pend_cap_a[k], *have = g ? &g->na[k] : &h->na_pend[k];
    int rc = queue(q, cap, *have, h->ya[k], ny, err);
    if (!rc)
        *have += ny;
    return rc;
}

/* Condition one block and find its beats (the reader's thread). The conditioned samples
 * wait in a staging set for heart_push_bg when that runs on another thread. */
static int heart_push(void *p, const pt_block *b, pt_summary *s, pt_error *err)
{
    heart *h = p;
    if (!h->trk)
        return PT_OK;
    struct staged *g = NULL;
    if (h->staged) {
        g = &h->stg[h->n_prep++ & 1];
        g->np = 0;
        for (size_t k = 0; k < NACC; k++)
            g->na[k] = 0;
    }
    int rc;
    /* PPG channels arrive in lockstep (one rate); push pieces no longer than a chunk. */
    size_t n = b->n[h->ppg[0]];
    for (size_t k = 1; k < h->nppg; k++)
        if (b->n[h->ppg[k]] != n)
            return pt_error_set(err, PT_EUNSUPPORTED,
                                "PPG channels of one rate arrived unevenly (%zu vs %zu samples)",
                                b->n[h->ppg[k]], n);
    size_t step = pt_condition_max_in(h->cp[0]);
    for (size_t at = 0; at < n; at += step) {
        size_t m = n - at < step ? n - at : step, ny = 0;
        for (size_t k = 0; k < h->nppg; k++)
            if ((rc = pt_condition_push(h->cp[k], b->x[h->ppg[k]] + at, m, h->yp[k],
                                        k == 0 ? h->rp : NULL, &ny, err)))
                return rc;
        if ((rc = take_ppg(h, g, ny, err)))
            return rc;
    }
    if (h->ca[0]) {
        /* x, y, z band-passed as they come, and |a| of the raw axes (the
         * magnitude carries the step impacts whatever the orientation) */
        size_t na = b->n[h->acc[0]];
        if (b->n[h->acc[1]] != na || b->n[h->acc[2]] != na)
            return pt_error_set(err, PT_EUNSUPPORTED,
                                "accelerometer axes arrived unevenly (%zu, %zu, %zu samples)", na,
                                b->n[h->acc[1]], b->n[h->acc[2]]);
        size_t st = pt_condition_max_in(h->ca[0]);
        for (size_t at = 0; at < na; at += st) {
            size_t m = na - at < st ? na - at : st;
            for (size_t k = 0; k < h->nacc; k++) {
                const double *src = k < 3 ? b->x[h->acc[k]] + at : h->mag;
                if (k == 3)
                    for (size_t i = 0; i < m; i++) {
                        double x = b->x[h->acc[0]][at + i], y = b->x[h->acc[1]][at + i],
                               z = b->x[h->acc[2]][at + i];
                        h->mag[i] = sqrt(x * x + y * y + z * z);
                    }
                size_t ny = 0;
                if ((rc = pt_condition_push(h->ca[k], src, m, h->ya[k], NULL, &ny, err)) ||
                    (rc = take_acc(h, g, k, ny, err)))
                    return rc;
            }
        }
    }
    return beats_push(h, b, s, err);
}

/* The tracker's half of a block: take its staged samples (when staged) and push what is
 * aligned into the tracker: /hr rows. */
static int heart_push_bg(void *p, const pt_block *b, pt_summary *s, pt_error *err)
{
    heart *h = p;
    (void)b;
    if (!h->trk)
        return PT_OK;
    if (h->staged) {
        const struct staged *g = &h->stg[h->n_track++ & 1];
        int rc;
        for (size_t k = 0; k < h->nppg; k++)
            if ((rc = queue(&h->pend_p[k], &h->pend_cap_p[k], h->np_pend, g->p[k], g->np, err)))
                return rc;
        if ((rc = note_missing(h, g->raw, g->np, err)))
            return rc;
        h->np_pend += g->np;
        for (size_t k = 0; k < h->nacc; k++) {
            if ((rc = queue(&h->pend_a[k], &h->pend_cap_a[k], h->na_pend[k], g->a[k], g->na[k],
                            err)))
                return rc;
            h->na_pend[k] += g->na[k];
        }
    }
    return feed(h, 0, s, err);
}

/* The runner runs heart_push_bg on another thread from now on. */
static void heart_threaded(void *p)
{
    ((heart *)p)->staged = 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The beats' part of the reliability rule (pt_hr_reliable): a window whose clean beats
 * (at least PT_HR_MIN_BEATS intervals) say a rate more than PT_HR_AGREE_BPM away from the
 * spectrum's is not reliable. */
static int beats_agree(heart *h, pt_summary *s, pt_error *err)
{
    pt_table *hr = pt_summary_table(s, "hr");
    const pt_table *bt = pt_summary_table_const(s, "beats");
    size_t nh = pt_table_nrows(hr), nb = pt_table_nrows(bt);
    const double *ht = pt_table_column(hr, "t_start_s"), *q = pt_table_column(hr, "quality");
    const double *raw = pt_table_column(hr, "bpm_raw"), *mg = pt_table_column(hr, "motion_g");
    double *bpm = pt_table_column_mut(hr, "bpm"), *rel = pt_table_column_mut(hr, "reliable");
    const double *tb = pt_table_column(bt, "t_s"), *ibi = pt_table_column(bt, "ibi_ms");
    size_t cap = (size_t)((h->win_s + 2 * BEATS_CONTEXT_S) * 5) + 16; /* intervals, < 300 bpm */
    double *rate = malloc(cap * sizeof *rate);
    if (!rate)
        return pt_error_set(err, PT_ENOMEM, "out of memory for the beats' agreement");
    size_t j = 0, dropped = 0;
    for (size_t i = 0; i < nh; i++) {
        while (j < nb && tb[j] < ht[i] - BEATS_CONTEXT_S)
            j++;
        size_t n = 0;
        for (size_t k = j; k < nb && tb[k] < ht[i] + h->win_s + BEATS_CONTEXT_S && n < cap; k++)
            if (ibi[k] > 0)
                rate[n++] = 60000.0 / ibi[k];
        if (rel[i] == 1 && n >= PT_HR_MIN_BEATS) {
            qsort(rate, n, sizeof *rate, cmp_double);
            double med = n % 2 ? rate[n / 2] : 0.5 * (rate[n / 2 - 1] + rate[n / 2]);
            if (!pt_hr_reliable(raw[i], q[i], mg[i], med, NAN)) {
                rel[i] = 0;
                bpm[i] = NAN;
                dropped++;
            }
        }
        PT_RELEASE_EVERY(i, hr);
    }
    free(rate);
    pt_table_release(hr);
    pt_table_release(bt);
    size_t nrel = 0;
    for (size_t i = 0; i < nh; i++) {
        nrel += rel[i] == 1;
        PT_RELEASE_EVERY(i, hr);
    }
    pt_table_release(hr);
    pt_summary_note(s, "heart rate: %zu of %zu windows reliable (%zu disagreed with the beats)",
                    nrel, nh, dropped);
    return PT_OK;
}

static int heart_finish(void *p, pt_summary *s, pt_error *err)
{
    heart *h = p;
    if (!h->trk)
        return PT_OK;
    const pt_recording_info *rec = pt_summary_recording(s);
    h->t0_s = rec->chan[h->ppg[0]].t0_s;
    /* earlier rows were written before t0 was known */
    const char *tabs[2][2] = {{"hr", "t_start_s"}, {"beats", "t_s"}};
    for (int k = 0; k < 2; k++) {
        pt_table *t = pt_summary_table(s, tabs[k][0]);
        double *ts = pt_table_column_mut(t, tabs[k][1]);
        for (size_t i = 0; h->t0_s != 0 && i < pt_table_nrows(t); i++) {
            ts[i] += h->t0_s;
            PT_RELEASE_EVERY(i, t);
        }
        pt_table_release(t);
    }
    int rc = beats(h, 1, s, err);
    if (rc)
        return rc;
    size_t ny;
    for (size_t k = 0; k < h->nppg; k++) {
        if ((rc = pt_condition_finish(h->cp[k], h->yp[k], k == 0 ? h->rp : NULL, &ny, err)))
            return rc;
        if ((rc = queue(&h->pend_p[k], &h->pend_cap_p[k], h->np_pend, h->yp[k], ny, err)))
            return rc;
    }
    if ((rc = note_missing(h, h->rp, ny, err)))
        return rc;
    h->np_pend += ny;
    for (size_t k = 0; k < h->nacc; k++) {
        size_t na;
        if ((rc = pt_condition_finish(h->ca[k], h->ya[k], NULL, &na, err)))
            return rc;
        if ((rc = queue(&h->pend_a[k], &h->pend_cap_a[k], h->na_pend[k], h->ya[k], na, err)))
            return rc;
        h->na_pend[k] += na;
    }
    if ((rc = feed(h, 1, s, err)))
        return rc;
    size_t n_out = 0;
    if ((rc = pt_hrtrack_finish(h->trk, h->out, h->max_out, &n_out, err)) ||
        (rc = emit(h, n_out, s, err)))
        return rc;
    return beats_agree(h, s, err);
}

const pt_stage_ops pt_stage_heart = {
    .name = "heart",
    .create = heart_create,
    .push = heart_push,
    .push_bg = heart_push_bg,
    .threaded = heart_threaded,
    .finish = heart_finish,
    .destroy = heart_destroy,
    .background = 1, /* the tracker: most of the run's CPU time */
};
