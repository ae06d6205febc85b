/* SPDX-License-Identifier: GPL-2.0-or-later
 * motion.c — accelerometer metrics per epoch.
 *
 * In:  ACC_X, ACC_Y, ACC_Z [g], one rate.
 * Out: /epochs rows: t_start_s [s], enmo_mg, mad_mg [mg]; cadence_spm, hr_bpm,
 *      hrr_pct, walking, class are NaN here and filled by later stages.
 * Parameters: epoch_s (default 5).
 * Method: ENMO = mean(max(0, |a| - 1 g)) (van Hees 2013); MAD = mean |r - mean r|
 * of r = |a| (Vaha-Ypya 2015). An epoch with any missing sample is NaN.
 * Without an accelerometer the epochs still cover the recording, all NaN, so
 * that heart-rate-only recordings get classes from heart rate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/stage_impl.h"

typedef struct motion {
    int ch[3];      /* channel of x, y, z or -1 */
    double fs_hz;
    double t0_s;
    double epoch_s;
    size_t n_epoch; /* samples per epoch */
    double *r;      /* |a| of the epoch being filled [size: n_epoch] */
    size_t fill;    /* samples in r */
    size_t nan;     /* missing samples in r */
    int64_t epoch;  /* index of the epoch being filled */
    size_t lag[3];  /* samples of each axis waiting for the others */
    double *pend[3];
    size_t pend_cap;
    int64_t used[3]; /* samples consumed per axis */
} motion;

static void motion_destroy(void *p)
{
    motion *m = p;
    if (!m)
        return;
    free(m->r);
    for (int k = 0; k < 3; k++)
        free(m->pend[k]);
    free(m);
}

static void *motion_create(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                           pt_error *err)
{
    motion *m = calloc(1, sizeof *m);
    if (!m) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    m->epoch_s = p->epoch_s;
    m->ch[0] = pt_find_channel(info, PT_KIND_ACC_X);
    m->ch[1] = pt_find_channel(info, PT_KIND_ACC_Y);
    m->ch[2] = pt_find_channel(info, PT_KIND_ACC_Z);
    if (m->ch[0] < 0 || m->ch[1] < 0 || m->ch[2] < 0) {
        m->ch[0] = m->ch[1] = m->ch[2] = -1;
        pt_summary_note(s, "no 3-axis accelerometer: ENMO, MAD and cadence are NaN");
        return m;
    }
    const pt_channel_info *cx = &info->chan[m->ch[0]];
    for (int k = 1; k < 3; k++) {
        const pt_channel_info *c = &info->chan[m->ch[k]];
        if (c->fs_hz != cx->fs_hz || !(cx->fs_hz > 0)) {
            pt_error_set(err, PT_EUNSUPPORTED,
                         "%s: accelerometer axes must share one regular sample rate (%s: %g Hz, "
                         "%s: %g Hz)",
                         info->path, cx->name, cx->fs_hz, c->name, c->fs_hz);
            motion_destroy(m);
            return NULL;
        }
    }
    m->fs_hz = cx->fs_hz;
    m->n_epoch = (size_t)llround(m->epoch_s * m->fs_hz);
    if (m->n_epoch < 2) {
        pt_error_set(err, PT_EINVAL, "%s: epoch of %g s holds fewer than 2 samples at %g Hz",
                     info->path, m->epoch_s, m->fs_hz);
        motion_destroy(m);
        return NULL;
    }
    m->r = calloc(m->n_epoch, sizeof(double));
    if (!m->r) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        motion_destroy(m);
        return NULL;
    }
    return m;
}

static int emit_epoch(motion *m, pt_summary *s, pt_error *err)
{
    double enmo = NAN, mad = NAN;
    if (m->nan == 0 && m->fill == m->n_epoch) {
        double se = 0, sr = 0;
        for (size_t i = 0; i < m->fill; i++) {
            se += m->r[i] > 1.0 ? m->r[i] - 1.0 : 0.0;
            sr += m->r[i];
        }
        double mean = sr / (double)m->fill, sd = 0;
        for (size_t i = 0; i < m->fill; i++)
            sd += fabs(m->r[i] - mean);
        enmo = 1000.0 * se / (double)m->fill;
        mad = 1000.0 * sd / (double)m->fill;
    }
    double row[] = {m->t0_s + (double)m->epoch * m->epoch_s, enmo, mad, NAN, NAN, NAN, NAN, NAN};
    m->epoch++;
    m->fill = m->nan = 0;
    return pt_table_append(pt_summary_table(s, "epochs"), row, err);
}

/* Axes can arrive unevenly (a reader may deliver them in different blocks):
 * keep the surplus of each axis until the others catch up. */
static int motion_push(void *p, const pt_block *b, pt_summary *s, pt_error *err)
{
    motion *m = p;
    if (m->ch[0] < 0)
        return PT_OK;
    size_t have[3];
    for (int k = 0; k < 3; k++)
        have[k] = m->lag[k] + b->n[m->ch[k]];
    size_t n = have[0] < have[1] ? have[0] : have[1];
    n = n < have[2] ? n : have[2];
    for (size_t i = 0; i < n; i++) {
        double a[3];
        for (int k = 0; k < 3; k++)
            a[k] = i < m->lag[k] ? m->pend[k][i] : b->x[m->ch[k]][i - m->lag[k]];
        double r = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
        if (isnan(r))
            m->nan++;
        m->r[m->fill++] = r;
        if (m->fill == m->n_epoch) {
            int rc = emit_epoch(m, s, err);
            if (rc)
                return rc;
        }
    }
    /* Keep what is left of each axis. */
    for (int k = 0; k < 3; k++) {
        size_t left = have[k] - n;
        if (left > m->pend_cap) {
            size_t cap = left * 2;
            for (int j = 0; j < 3; j++) {
                double *q = realloc(m->pend[j], cap * sizeof(double));
                if (!q)
                    return pt_error_set(err, PT_ENOMEM, "out of memory");
                m->pend[j] = q;
            }
            m->pend_cap = cap;
        }
        /* surplus comes from the old pending part first, then the block */
        size_t w = 0;
        for (size_t i = n; i < have[k]; i++) {
            double v = i < m->lag[k] ? m->pend[k][i] : b->x[m->ch[k]][i - m->lag[k]];
            m->pend[k][w++] = v;
        }
        m->lag[k] = left;
    }
    return PT_OK;
}

static int motion_finish(void *p, pt_summary *s, pt_error *err)
{
    motion *m = p;
    const pt_recording_info *rec = pt_summary_recording(s);
    if (m->ch[0] >= 0) {
        m->t0_s = rec->chan[m->ch[0]].t0_s; /* rows were written relative to 0; shift below */
        /* A final partial epoch is not reported (it would be biased). */
        if (m->t0_s != 0) {
            pt_table *t = pt_summary_table(s, "epochs");
            double *ts = pt_table_column_mut(t, "t_start_s");
            for (size_t i = 0; i < pt_table_nrows(t); i++)
                ts[i] += m->t0_s;
        }
        return PT_OK;
    }
    /* No accelerometer: epochs over the whole recording, motion unknown. */
    double dur = rec->duration_s;
    if (!(dur > 0))
        return PT_OK;
    int64_t n = (int64_t)floor(dur / m->epoch_s);
    for (int64_t i = 0; i < n; i++) {
        double row[] = {(double)i * m->epoch_s, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
        int rc = pt_table_append(pt_summary_table(s, "epochs"), row, err);
        if (rc)
            return rc;
    }
    return PT_OK;
}

const pt_stage_ops pt_stage_motion = {
    .name = "motion",
    .create = motion_create,
    .push = motion_push,
    .finish = motion_finish,
    .destroy = motion_destroy,
};
