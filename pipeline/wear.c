/* SPDX-License-Identifier: GPL-2.0-or-later
 * wear.c — wear time from all the evidence: the accelerometer's rule and the PPG's pulse.
 *
 * In:  /epochs (mad_mg, class = nonwear where motion.c's GGIR rule says so), /hr (reliable,
 *      bpm_raw: a pulse in the PPG), /beats.
 * Out: /epochs class (nonwear set or cleared); inside non-wear /hr has no rate (bpm,
 *      bpm_raw NaN, reliable NaN) and /beats no beats.
 * Method, per block of WEAR_BLOCK_S (15 min, GGIR's block) of epochs:
 *   1. worn despite the accelerometer: a block the GGIR rule (van Hees 2013) calls non-wear
 *      whose heart-rate windows are reliable for at least WEAR_PULSE_SHARE of them holds a
 *      pulse, and a pulse means skin under the sensor (sleep, a still arm);
 *   2. non-wear despite the accelerometer: WEAR_NOPULSE_BLOCKS (2, 30 min) or more
 *      consecutive blocks that are still (every epoch's MAD below nonwear_sd_mg) and whose
 *      recorded PPG (bpm_raw present in >= 80 % of the windows) shows no reliable pulse in
 *      more than WEAR_NOPULSE_SHARE of them; the run is widened epoch by epoch while still
 *      and the WEAR_EDGE_S around the epoch show no pulse (fewer than half their windows reliable). The GGIR rule needs an hour of flatness; off the
 *      wrist the PPG sees ambient light within minutes.
 * Without PPG the accelerometer's rule stands; without an accelerometer nothing is marked.
 * A worn, still wrist whose PPG shows no pulse for 30 min (a loose strap) is counted as
 * non-wear: no heart rate could be reported there either. */
#include <math.h>
#include <stdlib.h>

#include "pipeline/stage.h"

#define WEAR_BLOCK_S 900.0
#define WEAR_PULSE_SHARE 0.5
#define WEAR_NOPULSE_SHARE 0.05
#define WEAR_NOPULSE_BLOCKS 2
#define WEAR_PPG_PRESENT 0.8
#define WEAR_EDGE_S 120.0 /* a run's edge moves while the 2 min around it show no pulse */

typedef struct wear {
    double epoch_s, still_mg, win_s;
} wear;

static void *wear_create(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                         pt_error *err)
{
    (void)info;
    (void)s;
    wear *w = calloc(1, sizeof *w);
    if (!w) {
        pt_error_set(err, PT_ENOMEM, "out of memory for the wear stage");
        return NULL;
    }
    w->epoch_s = p->epoch_s;
    w->still_mg = p->nonwear_sd_mg;
    w->win_s = p->hr_window_s;
    return w;
}

static int wear_push(void *st, const pt_block *b, pt_summary *s, pt_error *err)
{
    (void)st;
    (void)b;
    (void)s;
    (void)err;
    return PT_OK;
}

static void wear_destroy(void *st)
{
    free(st);
}

/* Per epoch: heart-rate windows centred in it, how many had an estimate, how many were
 * reliable. */
typedef struct ep_hr {
    unsigned short n, raw, rel;
} ep_hr;

/* A pulse around epoch i (look epochs centred on it): at least WEAR_PULSE_SHARE of the
 * windows there are reliable (the PPG's noise off the wrist passes now and then). */
static int pulse(const ep_hr *e, size_t ne, size_t i, size_t look)
{
    size_t n = 0, rel = 0;
    size_t a = i > look / 2 ? i - look / 2 : 0, z = i + look / 2 + 1 < ne ? i + look / 2 + 1 : ne;
    for (size_t j = a; j < z; j++) {
        n += e[j].n;
        rel += e[j].rel;
    }
    return n && (double)rel >= WEAR_PULSE_SHARE * (double)n;
}

static int wear_finish(void *st, pt_summary *s, pt_error *err)
{
    const wear *w = st;
    pt_table *ep = pt_summary_table(s, "epochs"), *hr = pt_summary_table(s, "hr");
    size_t ne = pt_table_nrows(ep), nh = pt_table_nrows(hr);
    if (ne == 0 || nh == 0)
        return PT_OK; /* one of the two kinds of evidence is missing: nothing to fuse */
    const double *et = pt_table_column(ep, "t_start_s"), *mad = pt_table_column(ep, "mad_mg");
    double *cls = pt_table_column_mut(ep, "class");
    const double *ht = pt_table_column(hr, "t_start_s");
    double *rel = pt_table_column_mut(hr, "reliable"), *bpm = pt_table_column_mut(hr, "bpm");
    double *raw = pt_table_column_mut(hr, "bpm_raw");
    ep_hr *e = calloc(ne, sizeof *e);
    if (!e)
        return pt_error_set(err, PT_ENOMEM, "out of memory for the wear stage (%zu epochs)", ne);
    double t0 = et[0];
    for (size_t i = 0; i < nh; i++) {
        double k = floor((ht[i] + w->win_s / 2 - t0) / w->epoch_s);
        if (k >= 0 && k < (double)ne && e[(size_t)k].n < 65535) {
            ep_hr *x = &e[(size_t)k];
            x->n++;
            x->raw += !isnan(raw[i]);
            x->rel += rel[i] == 1;
        }
        PT_RELEASE_EVERY(i, hr);
    }
    pt_table_release(hr);
    size_t per = (size_t)llround(WEAR_BLOCK_S / w->epoch_s);
    per = per ? per : 1;
    size_t nblk = (ne + per - 1) / per, worn_min = 0, off_min = 0;
    size_t look = (size_t)llround(WEAR_EDGE_S / w->epoch_s);
    look = look ? look : 1;
    unsigned char *still = calloc(nblk ? nblk : 1, 1);
    if (!still) {
        free(e);
        return pt_error_set(err, PT_ENOMEM, "out of memory for the wear stage");
    }
    for (size_t b = 0; b < nblk; b++) {
        size_t a = b * per, z = a + per < ne ? a + per : ne;
        size_t n = 0, nraw = 0, nrel = 0, nw = 0, calm = 1;
        for (size_t i = a; i < z; i++) {
            n += e[i].n;
            nraw += e[i].raw;
            nrel += e[i].rel;
            nw += cls[i] == PT_CLASS_NONWEAR;
            calm &= mad[i] < w->still_mg; /* NaN: not known to be still */
        }
        /* 1. a pulse in an accelerometer non-wear block: worn */
        if (nw && n && (double)nrel >= WEAR_PULSE_SHARE * (double)n)
            for (size_t i = a; i < z; i++)
                if (cls[i] == PT_CLASS_NONWEAR) {
                    cls[i] = NAN;
                    worn_min++;
                }
        still[b] = calm && n && (double)nraw >= WEAR_PPG_PRESENT * (double)n &&
                   (double)nrel <= WEAR_NOPULSE_SHARE * (double)n;
        PT_RELEASE_EVERY(a, ep);
    }
    /* 2. runs of still blocks without a pulse: non-wear, widened epoch by epoch */
    for (size_t b = 0; b < nblk;) {
        if (!still[b]) {
            b++;
            continue;
        }
        size_t c = b;
        while (c < nblk && still[c])
            c++;
        if (c - b >= WEAR_NOPULSE_BLOCKS) {
            size_t a = b * per, z = c * per < ne ? c * per : ne;
            while (a > 0 && mad[a - 1] < w->still_mg && !pulse(e, ne, a - 1, look))
                a--;
            while (z < ne && mad[z] < w->still_mg && !pulse(e, ne, z, look))
                z++;
            for (size_t i = a; i < z; i++)
                if (cls[i] != PT_CLASS_NONWEAR) {
                    cls[i] = PT_CLASS_NONWEAR;
                    off_min++;
                }
        }
        b = c;
    }
    free(still);
    free(e);
    /* no heart rate and no beats inside non-wear */
    size_t j = 0, masked = 0;
    for (size_t i = 0; i < nh; i++) {
        double k = floor((ht[i] + w->win_s / 2 - t0) / w->epoch_s);
        if (k >= 0 && k < (double)ne && cls[(size_t)k] == PT_CLASS_NONWEAR) {
            masked += !isnan(raw[i]);
            bpm[i] = raw[i] = rel[i] = NAN;
        }
        PT_RELEASE_EVERY(i, hr);
    }
    pt_table_release(hr);
    pt_table *bt = pt_summary_table(s, "beats");
    size_t nb = pt_table_nrows(bt), kept = 0;
    double *tb = pt_table_column_mut(bt, "t_s"), *ibi = pt_table_column_mut(bt, "ibi_ms");
    int gap = 0;
    for (j = 0; j < nb; j++) {
        double k = floor((tb[j] - t0) / w->epoch_s);
        if (k >= 0 && k < (double)ne && cls[(size_t)k] == PT_CLASS_NONWEAR) {
            gap = 1;
            continue;
        }
        tb[kept] = tb[j];
        ibi[kept] = gap ? (double)NAN : ibi[j]; /* no interval across the non-wear */
        gap = 0;
        kept++;
        PT_RELEASE_EVERY(j, bt);
    }
    pt_table_shrink(bt, kept);
    pt_table_release(bt);
    pt_table_release(ep);
    double em = w->epoch_s / 60.0;
    if (worn_min)
        pt_summary_note(s, "wear: %.0f min the accelerometer called non-wear show a pulse: worn",
                        (double)worn_min * em);
    if (off_min)
        pt_summary_note(s, "wear: %.0f min still and without a pulse in the PPG: non-wear",
                        (double)off_min * em);
    if (masked || kept < nb)
        pt_summary_note(s, "wear: %zu heart-rate windows and %zu beats inside non-wear removed",
                        masked, nb - kept);
    return PT_OK;
}

const pt_stage_ops pt_stage_wear = {
    .name = "wear",
    .create = wear_create,
    .push = wear_push,
    .finish = wear_finish,
    .destroy = wear_destroy,
};
