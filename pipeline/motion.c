/* SPDX-License-Identifier: GPL-2.0-or-later
 * motion.c — accelerometer metrics per epoch: calibration, ENMO, MAD, gait
 * cadence, steps and non-wear.
 *
 * In:  ACC_X, ACC_Y, ACC_Z [g], one regular rate.
 * Out: /epochs rows: t_start_s [s], enmo_mg, mad_mg [mg], cadence_spm [steps/min],
 *      walking (0/1); class = nonwear (0) where the GGIR rule says so, else NaN;
 *      hr_bpm, hrr_pct and the other classes are filled by classify.c.
 *      Notes: the calibration found (offsets [mg], scales), the step count.
 * Parameters: epoch_s (5), calibrate (1), gait_window_s (10), run_cadence_spm (140),
 *      nonwear_window_s (3600), nonwear_sd_mg (13), nonwear_range_mg (50).
 * Methods:
 *  - ENMO = mean(max(0, |a| - 1 g)) (van Hees 2013); MAD = mean |r - mean r| of
 *    r = |a| (Vaha-Ypya 2015). An epoch with any missing sample is NaN.
 *  - Auto-calibration (van Hees 2014): 10 s windows with every axis SD < 13 mg
 *    give points that should lie on the unit sphere; offset and scale per axis
 *    by iteratively re-weighted least squares to the closest sphere points.
 *    Used only when every axis saw both > +0.3 g and < -0.3 g (a populated
 *    sphere) and the error falls below 10 mg. The correction is applied per
 *    epoch through the epoch's mean orientation: |a| shifts by
 *    d = |o + s.m| - |m| (m = mean vector of the epoch), and ENMO is recomputed
 *    exactly from the epoch's sum above 1 g plus a 5 mg histogram of |a| - 1 g
 *    near zero (the only samples whose clipping at 0 changes). MAD does not
 *    change under a constant shift. Stays block-wise: one small record per epoch.
 *  - Gait: power spectrum of |a| over gait_window_s ending at the epoch's end
 *    (Hann, zero-padded to 0.01 Hz). At the wrist the arm swings once per
 *    stride, so the strongest line may be the stride (half the step rate):
 *    a peak below 1.15 Hz (< 69 steps/min) is taken as the stride and the step
 *    is its second harmonic; a peak of 1.15-1.7 Hz is a stride only when its
 *    second harmonic carries >= 30 % of its power and lies at running step
 *    rates (>= 2.3 Hz) with vigorous motion (MAD >= 300 mg) — running arm
 *    swing — else it is the step. A step line at >= 2.3 Hz whose half (a
 *    plausible step, >= 1.15 Hz) holds >= 30 % of its peak power is the second
 *    step harmonic of a walk unless MAD >= 300 mg (running); the step is then
 *    the half (octave check, Noll 1969). Rhythmic when the step line and its
 *    neighbours (f/2, 2f) hold >= 50 % of the 0.5-4 Hz power and MAD >= 40 mg
 *    (aperiodic light arm movement holds 30-60 %, walking at the wrist 50-90 %).
 *    Steps = cadence x epoch length.
 *  - Non-wear (GGIR, van Hees 2011/2013; GGIR 2.9-2's "2023" approach): 15 min
 *    blocks; a 60 min window centred on each block; an axis is flat when its
 *    SD < 13 mg AND its range < 50 mg over the window; when >= 2 of the 3 axes
 *    are flat the whole window is non-wear ("2013" marked only the centre
 *    block). Non-wear shorter than the window is not found. Per-axis
 *    statistics are kept per 7.5 min half block. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/spill.h"
#include "pipeline/stage.h"
#include "pulsetrain/fft.h"

#define PI_ 3.14159265358979323846
#define CAL_WIN_S 10.0       /* still window for calibration (van Hees 2014) */
#define CAL_SD_G 0.013       /* still: SD of every axis below this */
#define CAL_MAX_POINTS 25920 /* 72 h of 10 s windows, as GGIR's first pass */
#define HIST_BIN_G 0.005     /* ENMO correction histogram: 5 mg bins ... */
#define HIST_N 40            /* ... over +-100 mg */
#define GAIT_LO_HZ 0.5
#define GAIT_HI_HZ 4.0
/* rhythmic: share of the 0.5-4 Hz power near the gait lines. Gait holds
 * 0.9+ (simulated), WISDM wrist walking 0.5-0.9 (5th-95th percentile 0.48-0.91);
 * the aperiodic arm movements of light activity 0.3-0.6, read at 60-120
 * steps/min (0.35 counted steps in 85 % of simulated light epochs) */
#define RHYTHM_SHARE 0.5
#define STRIDE_MAX_HZ 1.15 /* a line below this is the stride, not a step */
/* a step line whose half holds this share of its power is a harmonic (walking) */
#define SUBHARM_SHARE 0.3

typedef struct epoch_rec { /* what the calibration needs to redo an epoch's ENMO */
    float m[3];            /* mean acceleration [g] */
    double sum_pos;        /* sum of max(0, r - 1) [g] */
    uint32_t n, n_pos;
    uint16_t hist[HIST_N];
} epoch_rec;

/* epoch records between releases of their pages (112 kB) */
#define ER_RELEASE 1024

typedef struct nw_stat { /* one half block of the non-wear rule, per axis */
    double n, s[3], ss[3], lo[3], hi[3], ref[3];
} nw_stat;

typedef struct motion {
    int ch[3];         /* channel of x, y, z or -1 */
    int ch_idle;       /* "idle_sleep" (ActiGraph): 1 on samples the reader repeated, or -1 */
    size_t n_idle_win; /* still-window candidates dropped for holding repeated samples */
    double fs_hz;
    double t0_s;
    double epoch_s;
    int calibrate;
    double run_cadence_spm, mad_vig_mg;
    double nw_sd_g, nw_range_g, nw_window_s;
    size_t n_epoch; /* samples per epoch */
    double *r;      /* |a| of the epoch being filled [size: n_epoch] */
    double msum[3];
    size_t fill;   /* samples in r */
    size_t nan;    /* missing samples in r */
    int64_t epoch; /* index of the epoch being filled */
    size_t lag[3]; /* samples of each axis waiting for the others */
    double *pend[3];
    size_t pend_cap;
    /* gait */
    size_t n_gait, nfft, nfreq;
    double *ring; /* last n_gait values of |a| */
    size_t ring_n, ring_at;
    double *seg, *power, *hann;
    pt_fft *fft;
    double steps;
    /* calibration */
    pt_spill er_store; /* er lives here: 112 B per epoch, in a scratch file when long */
    epoch_rec *er;
    size_t n_er, cap_er;
    size_t n_cal_win;
    double cw_s[3], cw_ss[3], cw_ref[3];
    size_t cw_n;
    int cw_bad;
    double (*cal)[3];
    size_t n_cal;
    /* non-wear */
    size_t n_half; /* samples per half block */
    nw_stat cur;
    size_t cur_n;
    nw_stat *nw;
    size_t n_nw, cap_nw;
} motion;

static void motion_destroy(void *p)
{
    motion *m = p;
    if (!m)
        return;
    free(m->r);
    for (int k = 0; k < 3; k++)
        free(m->pend[k]);
    free(m->ring);
    free(m->seg);
    free(m->power);
    free(m->hann);
    pt_fft_destroy(m->fft);
    pt_spill_free(&m->er_store);
    free(m->cal);
    free(m->nw);
    free(m);
}

static void nw_reset(nw_stat *s)
{
    memset(s, 0, sizeof *s);
    for (int k = 0; k < 3; k++) {
        s->lo[k] = INFINITY;
        s->hi[k] = -INFINITY;
        s->ref[k] = NAN;
    }
}

static void *motion_create(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                           pt_error *err)
{
    if (pt_table_set_attr(pt_summary_table(s, "epochs"), "epoch_s", p->epoch_s, err))
        return NULL;
    motion *m = calloc(1, sizeof *m);
    if (!m) {
        pt_error_set(err, PT_ENOMEM, "out of memory for the motion stage");
        return NULL;
    }
    m->er_store.sc = pt_summary_scratch(s);
    m->epoch_s = p->epoch_s;
    m->calibrate = p->calibrate;
    m->run_cadence_spm = p->run_cadence_spm;
    m->mad_vig_mg = p->mad_vigorous_mg;
    m->nw_sd_g = p->nonwear_sd_mg / 1000.0;
    m->nw_range_g = p->nonwear_range_mg / 1000.0;
    m->nw_window_s = p->nonwear_window_s;
    m->ch[0] = pt_find_channel(info, PT_KIND_ACC_X);
    m->ch[1] = pt_find_channel(info, PT_KIND_ACC_Y);
    m->ch[2] = pt_find_channel(info, PT_KIND_ACC_Z);
    m->ch_idle = -1;
    for (size_t c = 0; c < info->nchan; c++)
        if (info->chan[c].kind == PT_KIND_AUX && !strcmp(info->chan[c].name, "idle_sleep"))
            m->ch_idle = (int)c;
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
    m->n_gait = (size_t)llround(p->gait_window_s * m->fs_hz);
    if (m->n_gait < m->n_epoch)
        m->n_gait = m->n_epoch;
    size_t need = (size_t)ceil(m->fs_hz * 100.0); /* 0.01 Hz bins */
    m->nfft = 1;
    while (m->nfft < need || m->nfft < m->n_gait)
        m->nfft *= 2;
    m->nfreq = m->nfft / 2 + 1;
    m->n_cal_win = (size_t)llround(CAL_WIN_S * m->fs_hz);
    m->n_half = (size_t)llround(m->nw_window_s / 8.0 * m->fs_hz);
    if (m->n_half < 1)
        m->n_half = 1;
    nw_reset(&m->cur);
    m->r = calloc(m->n_epoch, sizeof(double));
    m->ring = calloc(m->n_gait, sizeof(double));
    m->seg = calloc(m->nfft, sizeof(double));
    m->power = calloc(m->nfreq, sizeof(double));
    m->hann = calloc(m->n_gait, sizeof(double));
    m->cal = calloc(CAL_MAX_POINTS, sizeof *m->cal);
    if (!m->r || !m->ring || !m->seg || !m->power || !m->hann || !m->cal) {
        pt_error_set(err, PT_ENOMEM, "out of memory for the epoch and gait buffers");
        motion_destroy(m);
        return NULL;
    }
    for (size_t i = 0; i < m->n_gait; i++)
        m->hann[i] = 0.5 - 0.5 * cos(2.0 * PI_ * (double)i / (double)(m->n_gait - 1));
    m->fft = pt_fft_create(m->nfft, PT_FFT_ESTIMATE, err);
    if (!m->fft) {
        motion_destroy(m);
        return NULL;
    }
    return m;
}

/* Power at frequency f (linear interpolation between bins). */
static double power_at(const motion *m, double f)
{
    double df = m->fs_hz / (double)m->nfft, x = f / df;
    size_t k = (size_t)floor(x);
    if (k + 1 >= m->nfreq)
        return 0;
    double w = x - (double)k;
    return (1 - w) * m->power[k] + w * m->power[k + 1];
}

/* Sum of power within +-bw of f. */
static double band_power(const motion *m, double f, double bw)
{
    double df = m->fs_hz / (double)m->nfft, sum = 0;
    long k0 = lround(ceil((f - bw) / df)), k1 = lround(floor((f + bw) / df));
    if (k0 < 1)
        k0 = 1;
    for (long k = k0; k <= k1 && (size_t)k < m->nfreq; k++)
        sum += m->power[k];
    return sum;
}

/* Largest bin power within +-bw of f. */
static double band_max(const motion *m, double f, double bw)
{
    double df = m->fs_hz / (double)m->nfft, best = 0;
    long k0 = lround(ceil((f - bw) / df)), k1 = lround(floor((f + bw) / df));
    if (k0 < 1)
        k0 = 1;
    for (long k = k0; k <= k1 && (size_t)k < m->nfreq; k++)
        if (m->power[k] > best)
            best = m->power[k];
    return best;
}

/* Cadence [steps/min] of the last gait window, NaN when not rhythmic. */
static double gait_cadence(motion *m, double mad_mg)
{
    /* the window: the last n_gait samples, or fewer at the start (one epoch at least) */
    size_t L = m->ring_n;
    if (L < m->n_epoch || !(mad_mg >= 40.0))
        return NAN;
    size_t first = (m->ring_at + m->n_gait - L) % m->n_gait; /* oldest */
    double mean = 0;
    for (size_t i = 0; i < L; i++)
        mean += m->ring[(first + i) % m->n_gait];
    mean /= (double)L;
    if (isnan(mean))
        return NAN;
    memset(m->seg, 0, m->nfft * sizeof(double));
    for (size_t i = 0; i < L; i++) {
        double w =
            L == m->n_gait ? m->hann[i] : 0.5 - 0.5 * cos(2.0 * PI_ * (double)i / (double)(L - 1));
        m->seg[i] = (m->ring[(first + i) % m->n_gait] - mean) * w;
    }
    pt_fft_power(m->fft, m->seg, m->power);
    double df = m->fs_hz / (double)m->nfft;
    size_t k0 = (size_t)ceil(GAIT_LO_HZ / df), k1 = (size_t)floor(GAIT_HI_HZ / df);
    if (k1 + 1 >= m->nfreq)
        k1 = m->nfreq - 2;
    size_t best = k0;
    double total = 0;
    for (size_t k = k0; k <= k1; k++) {
        total += m->power[k];
        if (m->power[k] > m->power[best])
            best = k;
    }
    if (!(total > 0) || best == k0 || best == k1)
        return NAN;
    double a = m->power[best - 1], b = m->power[best], c = m->power[best + 1];
    double den = a - 2 * b + c, off = den < 0 ? 0.5 * (a - c) / den : 0;
    double f0 = ((double)best + off) * df, step = f0;
    double p0 = power_at(m, f0), p2 = power_at(m, 2 * f0);
    if (f0 < STRIDE_MAX_HZ)
        step = 2 * f0; /* the arm-swing stride; the step is its second harmonic */
    else if (f0 < 1.7 && 2 * f0 >= 2.3 && p2 >= 0.3 * p0 && mad_mg >= 300.0)
        step = 2 * f0; /* running: arm swing at the stride, impacts at the step */
    /* octave check as in pitch detection (Noll 1969, harmonic-sum spectrum): a step
     * line at running rates whose half holds >= 30 % of its power, without vigorous
     * motion, is the second step harmonic of a walk; f/2 >= 1.15 Hz is a step */
    if (step >= 2 * STRIDE_MAX_HZ && mad_mg < 300.0 &&
        band_max(m, step / 2, 0.06) >= SUBHARM_SHARE * band_max(m, step, 0.06))
        step = step / 2;
    if (step > GAIT_HI_HZ)
        return NAN;
    /* rhythmic: power near the step, the stride and the second step harmonic */
    double bw = 0.12;
    double near = band_power(m, step, bw) + band_power(m, step / 2, bw);
    if (2 * step <= GAIT_HI_HZ)
        near += band_power(m, 2 * step, bw);
    if (near < RHYTHM_SHARE * total)
        return NAN;
    return 60.0 * step;
}

/* Still-window bookkeeping for the calibration. */
static void cal_add(motion *m, const double a[3], int repeated)
{
    if (!m->calibrate)
        return;
    if (repeated && !m->cw_bad) { /* not measured: no evidence of a still wrist */
        m->cw_bad = 1;
        m->n_idle_win++;
    }
    if (isnan(a[0]) || isnan(a[1]) || isnan(a[2]))
        m->cw_bad = 1;
    else {
        if (m->cw_n == 0)
            for (int k = 0; k < 3; k++)
                m->cw_ref[k] = a[k];
        for (int k = 0; k < 3; k++) {
            double d = a[k] - m->cw_ref[k];
            m->cw_s[k] += d;
            m->cw_ss[k] += d * d;
        }
    }
    if (++m->cw_n < m->n_cal_win)
        return;
    if (!m->cw_bad && m->n_cal < CAL_MAX_POINTS) {
        int still = 1;
        double mu[3];
        for (int k = 0; k < 3; k++) {
            double n = (double)m->cw_n, mk = m->cw_s[k] / n;
            double var = (m->cw_ss[k] - n * mk * mk) / (n - 1);
            mu[k] = m->cw_ref[k] + mk;
            if (!(var < CAL_SD_G * CAL_SD_G) || fabs(mu[k]) > 2.0)
                still = 0;
        }
        if (still)
            for (int k = 0; k < 3; k++)
                m->cal[m->n_cal][k] = mu[k];
        m->n_cal += still;
    }
    m->cw_n = 0;
    m->cw_bad = 0;
    memset(m->cw_s, 0, sizeof m->cw_s);
    memset(m->cw_ss, 0, sizeof m->cw_ss);
}

static int nw_push_half(motion *m, pt_error *err)
{
    if (m->n_nw == m->cap_nw) {
        size_t cap = m->cap_nw ? 2 * m->cap_nw : 64;
        nw_stat *q = realloc(m->nw, cap * sizeof *q);
        if (!q)
            return pt_error_set(err, PT_ENOMEM,
                                "motion: out of memory for the non-wear half-windows (%zu)", cap);
        m->nw = q;
        m->cap_nw = cap;
    }
    m->nw[m->n_nw++] = m->cur;
    nw_reset(&m->cur);
    m->cur_n = 0;
    return PT_OK;
}

static void nw_add(motion *m, const double a[3])
{
    m->cur_n++;
    if (isnan(a[0]) || isnan(a[1]) || isnan(a[2]))
        return;
    m->cur.n += 1;
    for (int k = 0; k < 3; k++) {
        if (isnan(m->cur.ref[k]))
            m->cur.ref[k] = a[k];
        double d = a[k] - m->cur.ref[k];
        m->cur.s[k] += d;
        m->cur.ss[k] += d * d;
        if (a[k] < m->cur.lo[k])
            m->cur.lo[k] = a[k];
        if (a[k] > m->cur.hi[k])
            m->cur.hi[k] = a[k];
    }
}

static int emit_epoch(motion *m, pt_summary *s, pt_error *err)
{
    double enmo = NAN, mad = NAN, cad = NAN, walk = NAN;
    epoch_rec rec;
    memset(&rec, 0, sizeof rec);
    if (m->nan == 0 && m->fill == m->n_epoch) {
        double se = 0, sr = 0;
        for (size_t i = 0; i < m->fill; i++) {
            double d = m->r[i] - 1.0;
            if (d > 0) {
                se += d;
                rec.n_pos++;
            }
            sr += m->r[i];
            long b = lround(floor(d / HIST_BIN_G)) + HIST_N / 2;
            if (b >= 0 && b < HIST_N)
                rec.hist[b]++;
        }
        double mean = sr / (double)m->fill, sd = 0;
        for (size_t i = 0; i < m->fill; i++)
            sd += fabs(m->r[i] - mean);
        enmo = 1000.0 * se / (double)m->fill;
        mad = 1000.0 * sd / (double)m->fill;
        rec.sum_pos = se;
        rec.n = (uint32_t)m->fill;
        for (int k = 0; k < 3; k++)
            rec.m[k] = (float)(m->msum[k] / (double)m->fill);
        cad = gait_cadence(m, mad);
        walk = isnan(cad) ? 0.0 : cad < m->run_cadence_spm ? 1.0 : 0.0;
        if (!isnan(cad))
            m->steps += cad * m->epoch_s / 60.0;
    }
    if (m->calibrate) {
        if (m->n_er == m->cap_er) {
            size_t cap = m->cap_er ? 2 * m->cap_er : 1024;
            if (pt_spill_reserve(&m->er_store, cap * sizeof(epoch_rec)))
                return pt_error_set(err, PT_ENOMEM, "motion: no memory or scratch space in %s",
                                    pt_spill_dir(&m->er_store));
            m->er = m->er_store.p;
            m->cap_er = cap;
        }
        m->er[m->n_er++] = rec;
        if (m->n_er % ER_RELEASE == 0) /* only the end is written */
            pt_spill_release(&m->er_store, 0, m->n_er * sizeof(epoch_rec));
    }
    double row[] = {
        m->t0_s + (double)m->epoch * m->epoch_s, enmo, mad, cad, NAN, NAN, walk, NAN, NAN};
    m->epoch++;
    m->fill = m->nan = 0;
    memset(m->msum, 0, sizeof m->msum);
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
        else
            for (int k = 0; k < 3; k++)
                m->msum[k] += a[k];
        m->r[m->fill++] = r;
        m->ring[m->ring_at] = r;
        m->ring_at = (m->ring_at + 1) % m->n_gait;
        if (m->ring_n < m->n_gait)
            m->ring_n++;
        /* the reader's repeated samples (gt3x idle sleep) come in step with the axes */
        int repeated =
            m->ch_idle >= 0 && m->lag[0] == 0 && i < b->n[m->ch_idle] && b->x[m->ch_idle][i] == 1.0;
        cal_add(m, a, repeated);
        nw_add(m, a);
        if (m->cur_n == m->n_half) {
            int rc = nw_push_half(m, err);
            if (rc)
                return rc;
        }
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
                    return pt_error_set(err, PT_ENOMEM,
                                        "motion: out of memory for %zu pending samples", cap);
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

/* Offset o and scale g per axis so that o + g.x lies on the unit sphere for
 * the still points (van Hees 2014, iteratively re-weighted least squares).
 * Returns 1 when the sphere is populated and the fit is good; err_* are the
 * mean | |a| - 1 | before and after [g]. */
int pt_motion_calibrate(const double (*pt)[3], size_t n, double off[3], double scale[3],
                        double *err_before, double *err_after);
int pt_motion_calibrate(const double (*pt)[3], size_t n, double off[3], double scale[3],
                        double *err_before, double *err_after)
{
    for (int k = 0; k < 3; k++) {
        off[k] = 0;
        scale[k] = 1;
    }
    *err_before = *err_after = NAN;
    if (n < 10)
        return 0;
    double e0 = 0;
    for (size_t i = 0; i < n; i++)
        e0 += fabs(sqrt(pt[i][0] * pt[i][0] + pt[i][1] * pt[i][1] + pt[i][2] * pt[i][2]) - 1);
    *err_before = e0 / (double)n;
    for (int k = 0; k < 3; k++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            lo = fmin(lo, pt[i][k]);
            hi = fmax(hi, pt[i][k]);
        }
        if (!(lo < -0.3 && hi > 0.3))
            return 0; /* sphere not populated on this axis */
    }
    for (int it = 0; it < 1000; it++) {
        double change = 0;
        /* weighted regression per axis of the sphere target u on x */
        double sw[3] = {0}, sx[3] = {0}, su[3] = {0}, sxx[3] = {0}, sxu[3] = {0};
        for (size_t i = 0; i < n; i++) {
            double c[3], nrm = 0;
            for (int k = 0; k < 3; k++) {
                c[k] = off[k] + scale[k] * pt[i][k];
                nrm += c[k] * c[k];
            }
            nrm = sqrt(nrm);
            double w = 1.0 / fmax(fabs(nrm - 1.0), 0.01); /* robust weights, as GGIR */
            for (int k = 0; k < 3; k++) {
                double u = c[k] / nrm, x = pt[i][k];
                sw[k] += w;
                sx[k] += w * x;
                su[k] += w * u;
                sxx[k] += w * x * x;
                sxu[k] += w * x * u;
            }
        }
        for (int k = 0; k < 3; k++) {
            double den = sw[k] * sxx[k] - sx[k] * sx[k];
            if (!(fabs(den) > 0))
                return 0;
            double g = (sw[k] * sxu[k] - sx[k] * su[k]) / den, o = (su[k] - g * sx[k]) / sw[k];
            change += fabs(g - scale[k]) + fabs(o - off[k]);
            scale[k] = g;
            off[k] = o;
        }
        if (change < 1e-9)
            break;
    }
    double e1 = 0;
    for (size_t i = 0; i < n; i++) {
        double nrm = 0;
        for (int k = 0; k < 3; k++) {
            double c = off[k] + scale[k] * pt[i][k];
            nrm += c * c;
        }
        e1 += fabs(sqrt(nrm) - 1);
    }
    *err_after = e1 / (double)n;
    return *err_after < 0.01 && *err_after < *err_before;
}

/* ENMO [mg] of one epoch after |a| shifts by d [g] (see the top comment). */
static double enmo_shifted(const epoch_rec *e, double d)
{
    double f = e->sum_pos + d * (double)e->n_pos;
    for (int b = 0; b < HIST_N; b++) {
        if (!e->hist[b])
            continue;
        double c = ((double)(b - HIST_N / 2) + 0.5) * HIST_BIN_G; /* bin centre of r - 1 */
        if (d > 0 && c <= 0 && c > -d)
            f += e->hist[b] * (c + d); /* newly above 1 g */
        else if (d < 0 && c > 0 && c <= -d)
            f -= e->hist[b] * (c + d); /* newly below 1 g: was counted negative */
    }
    return 1000.0 * fmax(f, 0.0) / (double)e->n;
}

static void apply_calibration(motion *m, pt_summary *s)
{
    double off[3], g[3], e0, e1;
    pt_table *t = pt_summary_table(s, "epochs");
    if (m->n_idle_win)
        pt_summary_note(s,
                        "calibration: %zu 10 s windows with samples the reader repeated "
                        "(idle_sleep: not measured) left out",
                        m->n_idle_win);
    if (!pt_motion_calibrate((const double(*)[3])m->cal, m->n_cal, off, g, &e0, &e1)) {
        pt_table_set_attr(t, "calibration_applied", 0, NULL);
        if (m->n_cal < 10)
            pt_summary_note(s, "calibration: only %zu still 10 s windows, not attempted", m->n_cal);
        else
            pt_summary_note(s,
                            "calibration: %zu still windows, sphere not populated or error "
                            "not below 10 mg (before %.1f mg): not applied",
                            m->n_cal, 1000 * e0);
        return;
    }
    pt_table_set_attr(t, "calibration_applied", 1, NULL);
    pt_table_set_attr(t, "calibration_error_mg", 1000 * e1, NULL);
    double *enmo = pt_table_column_mut(t, "enmo_mg");
    size_t n = pt_table_nrows(t) < m->n_er ? pt_table_nrows(t) : m->n_er;
    for (size_t i = 0; i < n; i++) {
        const epoch_rec *e = &m->er[i];
        if (!e->n || isnan(enmo[i]))
            continue;
        double raw = 0, cal = 0;
        for (int k = 0; k < 3; k++) {
            double c = off[k] + g[k] * (double)e->m[k];
            raw += (double)e->m[k] * (double)e->m[k];
            cal += c * c;
        }
        double d = sqrt(cal) - sqrt(raw);
        enmo[i] = enmo_shifted(e, d);
        if ((i + 1) % ER_RELEASE == 0) {
            pt_table_release(t);
            pt_spill_release(&m->er_store, 0, m->n_er * sizeof(epoch_rec));
        }
    }
    pt_table_release(t);
    pt_spill_release(&m->er_store, 0, m->n_er * sizeof(epoch_rec));
    pt_summary_note(s,
                    "calibration (van Hees 2014) from %zu still windows: offset %.1f %.1f %.1f "
                    "mg, scale %.4f %.4f %.4f, error %.1f -> %.1f mg",
                    m->n_cal, 1000 * off[0], 1000 * off[1], 1000 * off[2], g[0], g[1], g[2],
                    1000 * e0, 1000 * e1);
}

/* GGIR non-wear: mark the epochs of every non-wear 15 min block class 0. */
static void apply_nonwear(motion *m, pt_summary *s)
{
    if (m->cur_n > 0) /* a final partial half block counts with what it has */
        if (nw_push_half(m, NULL))
            return;
    pt_table *t = pt_summary_table(s, "epochs");
    double *cls = pt_table_column_mut(t, "class");
    size_t ne = pt_table_nrows(t);
    double half_s = (double)m->n_half / m->fs_hz, minutes = 0;
    /* block h = halves 2h, 2h+1; its window = halves 2h-3 .. 2h+4 */
    for (size_t h = 0; 2 * h < m->n_nw; h++) {
        long a = (long)(2 * h) - 3, z = (long)(2 * h) + 4;
        if (a < 0)
            a = 0;
        if (z >= (long)m->n_nw)
            z = (long)m->n_nw - 1;
        int flat = 0;
        double cover = 0;
        for (int k = 0; k < 3; k++) {
            double n = 0, sm = 0, ss = 0, lo = INFINITY, hi = -INFINITY, ref = NAN;
            for (long j = a; j <= z; j++) {
                const nw_stat *q = &m->nw[j];
                if (q->n < 2)
                    continue;
                if (isnan(ref))
                    ref = q->ref[k];
                double sh = q->ref[k] - ref; /* move the sums to one reference */
                sm += q->s[k] + q->n * sh;
                ss += q->ss[k] + 2 * sh * q->s[k] + q->n * sh * sh;
                n += q->n;
                lo = fmin(lo, q->lo[k]);
                hi = fmax(hi, q->hi[k]);
            }
            cover = n;
            if (n < 2)
                continue;
            double mu = sm / n, sd = sqrt(fmax(0.0, (ss - n * mu * mu) / (n - 1)));
            flat += sd < m->nw_sd_g && hi - lo < m->nw_range_g;
        }
        /* GGIR scores a window only when it holds data; half an hour at least */
        if (flat < 2 || cover * 2 < m->nw_window_s * m->fs_hz / 2)
            continue;
        /* GGIR "2023": the whole flat window is non-wear, not only its centre
         * block (the 2013 rule found 15-30 min of an 80 min non-wear); the
         * epochs whose centre falls in it (epoch i starts at i * epoch_s) */
        double b0 = (double)a * half_s, b1 = (double)(z + 1) * half_s;
        double first = ceil(b0 / m->epoch_s - 0.5);
        for (size_t i = first > 0 ? (size_t)first : 0; i < ne; i++) {
            if ((double)i * m->epoch_s + m->epoch_s / 2 >= b1)
                break;
            if (cls[i] != PT_CLASS_NONWEAR)
                minutes += m->epoch_s / 60;
            cls[i] = PT_CLASS_NONWEAR;
        }
        if ((h + 1) % 256 == 0)
            pt_table_release(t);
    }
    pt_table_release(t);
    if (minutes > 0)
        pt_summary_note(s, "non-wear (GGIR rule): %.0f min", minutes);
}

static int motion_finish(void *p, pt_summary *s, pt_error *err)
{
    (void)err;
    motion *m = p;
    const pt_recording_info *rec = pt_summary_recording(s);
    if (m->ch[0] >= 0) {
        /* A final partial epoch is not reported (it would be biased). */
        if (m->calibrate)
            apply_calibration(m, s);
        apply_nonwear(m, s);
        pt_summary_note(s, "steps counted from the gait cadence: %.0f", m->steps);
        m->t0_s = rec->chan[m->ch[0]].t0_s; /* rows were written relative to 0; shift */
        if (m->t0_s != 0) {
            pt_table *t = pt_summary_table(s, "epochs");
            double *ts = pt_table_column_mut(t, "t_start_s");
            for (size_t i = 0; i < pt_table_nrows(t); i++) {
                ts[i] += m->t0_s;
                PT_RELEASE_EVERY(i, t);
            }
            pt_table_release(t);
        }
        return PT_OK;
    }
    /* No accelerometer: epochs over the whole recording, motion unknown. */
    double dur = rec->duration_s;
    if (!(dur > 0))
        return PT_OK;
    int64_t n = (int64_t)floor(dur / m->epoch_s);
    for (int64_t i = 0; i < n; i++) {
        double row[] = {(double)i * m->epoch_s, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
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
