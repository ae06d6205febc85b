/* SPDX-License-Identifier: GPL-2.0-or-later
 * classify.c — intensity class per epoch from motion, gait and heart rate; bouts.
 *
 * In:  /epochs (enmo_mg, mad_mg, cadence_spm, walking, class = nonwear from
 *      motion.c), /hr (bpm, PPG), and a device heart-rate channel (HR [bpm],
 *      or IBI [ms]) at any times, collected block by block into 1 s bins.
 * Out: /epochs hr_bpm [bpm], hrr_pct [%], class (pt_class; NaN = unknown);
 *      /bouts rows: t_start_s, t_end_s [s], class, mean_hr_bpm, max_hr_bpm [bpm],
 *      mean_cadence_spm [steps/min], trimp_banister, trimp_edwards [AU].
 * Parameters: mad_*_mg (Vaha-Ypya 2015: 22.5 / 91 / 414 mg), enmo_*_mg (GGIR
 *      defaults 40 / 100 / 400 mg), run_cadence_spm (140), hrr_sustain_s (60),
 *      bout_min_s (60), bout_tolerance_s (10), hr_rest_bpm, hr_max_bpm, age_y, sex.
 * Method (fusion, in order):
 *   1. non-wear epochs (GGIR rule, motion.c) stay non-wear, without heart rate;
 *   2. rhythmic gait: cadence >= run_cadence_spm is running (vigorous);
 *      100 steps/min up to it is walking (moderate) — Tudor-Locke 2018 puts
 *      moderate walking at >= 100 steps/min and running above ~140; slower
 *      stepping is light, or what the cut-points say when that is more;
 *   3. otherwise the MAD cut-points (Vaha-Ypya 2015), ENMO (Hildebrand 2014 /
 *      GGIR) where MAD is missing;
 *   4. heart-rate reserve (Karvonen 1957; ACSM: moderate 40-59 %HRR, vigorous
 *      >= 60 %HRR) raises a class where motion is ambiguous (quiet wrist while
 *      cycling, slow uphill walking): the median %HRR over hrr_sustain_s around
 *      the epoch must reach the level, and the heart rate must not be falling
 *      (> 5 bpm lower than hrr_sustain_s earlier), so that the elevated heart
 *      rate of a seated recovery is not taken for exercise; nor within
 *      hrr_sustain_s after gait or moderate motion (the rate lags the motion:
 *      the first minute of a recovery has not fallen 5 bpm yet). Without motion the
 *      class comes from the sustained %HRR alone (< 20 % sedentary, < 40 light).
 * HRmax = 208 - 0.7 age (Tanaka 2001; age 40 when unknown); HRrest, when not
 * given, the 5th percentile of the epochs' heart rate.
 * Bouts: runs of one class (sedentary..vigorous) in which interruptions of at
 * most bout_tolerance_s are bridged, at least bout_min_s long. TRIMP per bout:
 * Banister 1991: sum over minutes of x 0.64 e^{1.92 x} (men) or x 0.86 e^{1.67 x}
 * (women; the mean of the two when sex is unknown), x = HR reserve fraction;
 * Edwards 1993: minutes in 50-60, 60-70, 70-80, 80-90, 90-100 %HRmax weighted
 * 1..5. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/spill.h"
#include "pipeline/stage.h"
#include "pulsetrain/hrtrack.h"

/* Tudor-Locke 2018 (Br J Sports Med 52:776): 100 steps/min ~ 3 METs, the
 * moderate threshold for adults; 60-99 steps/min is slow, light walking */
#define WALK_MODERATE_SPM 100.0

typedef struct classify {
    pt_params p;
    int ch_hr, ch_ibi;
    pt_spill sum, cnt; /* device heart rate per 1 s bin from the recording's start:   */
    double *hr_sum;    /* sums [bpm] (sum.p) and counts (cnt.p)                      */
    float *hr_n;
    size_t n_sec, cap_sec;
} classify;

static void release_sec(const classify *c)
{
    pt_spill_release(&c->sum, 0, c->n_sec * sizeof(double));
    pt_spill_release(&c->cnt, 0, c->n_sec * sizeof(float));
}

static void release_table(const void *t)
{
    pt_table_release(t);
}

static void classify_destroy(void *st)
{
    classify *c = st;
    if (!c)
        return;
    pt_spill_free(&c->sum);
    pt_spill_free(&c->cnt);
    free(c);
}

static void *classify_create(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                             pt_error *err)
{
    classify *c = calloc(1, sizeof *c);
    if (!c) {
        pt_error_set(err, PT_ENOMEM, "out of memory for the classify stage");
        return NULL;
    }
    c->sum.sc = c->cnt.sc = pt_summary_scratch(s);
    c->p = *p;
    c->ch_hr = pt_find_channel(info, PT_KIND_HR);
    c->ch_ibi = c->ch_hr < 0 ? pt_find_channel(info, PT_KIND_IBI) : -1;
    return c;
}

/* Add one heart-rate value [bpm] at t [s] to the 1 s bins. */
static int add_hr(classify *c, double t, double bpm, pt_error *err)
{
    if (!(t >= 0) || !(bpm >= 25 && bpm <= 250))
        return PT_OK; /* strap dropouts (0) and nonsense are missing, not data */
    size_t k = (size_t)floor(t);
    if (k >= c->cap_sec) {
        size_t cap = c->cap_sec ? c->cap_sec : 4096;
        while (cap <= k)
            cap *= 2;
        if (pt_spill_reserve(&c->sum, cap * sizeof(double)) ||
            pt_spill_reserve(&c->cnt, cap * sizeof(float)))
            return pt_error_set(err, PT_ENOMEM, "classify: no memory or scratch space in %s",
                                pt_spill_dir(&c->sum));
        c->hr_sum = c->sum.p;
        c->hr_n = c->cnt.p;
        c->cap_sec = cap;
    }
    if (k + 1 > c->n_sec && (k + 1) % (4 * PT_RELEASE_ROWS) == 0)
        release_sec(c); /* times mostly grow: the bins behind are done */
    c->hr_sum[k] += bpm;
    c->hr_n[k] += 1.0f;
    if (k + 1 > c->n_sec)
        c->n_sec = k + 1;
    return PT_OK;
}

static int classify_push(void *st, const pt_block *b, pt_summary *s, pt_error *err)
{
    classify *c = st;
    int ch = c->ch_hr >= 0 ? c->ch_hr : c->ch_ibi;
    if (ch < 0)
        return PT_OK;
    const pt_channel_info *ci = &pt_summary_recording(s)->chan[ch];
    for (size_t i = 0; i < b->n[ch]; i++) {
        double t =
            b->t[ch] ? b->t[ch][i] : ci->t0_s + (double)(b->first[ch] + (int64_t)i) / ci->fs_hz;
        double v = b->x[ch][i];
        double bpm = c->ch_hr >= 0 ? v : (v > 0 ? 60000.0 / v : (double)NAN);
        int rc = add_hr(c, t, bpm, err);
        if (rc)
            return rc;
    }
    return PT_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of the non-NaN values of v[a..z); NaN when there are none. tmp has room. */
static double median_of(const double *v, long a, long z, double *tmp)
{
    size_t n = 0;
    for (long i = a; i < z; i++)
        if (!isnan(v[i]))
            tmp[n++] = v[i];
    if (!n)
        return NAN;
    qsort(tmp, n, sizeof *tmp, cmp_double);
    return n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
}

/* Banister TRIMP weight per minute for a reserve fraction x. */
static double banister(double x, char sex)
{
    double m = x * 0.64 * exp(1.92 * x), f = x * 0.86 * exp(1.67 * x);
    return sex == 'm' ? m : sex == 'f' ? f : 0.5 * (m + f);
}

static double edwards(double hr, double hr_max)
{
    double pct = 100.0 * hr / hr_max;
    return pct >= 90 ? 5 : pct >= 80 ? 4 : pct >= 70 ? 3 : pct >= 60 ? 2 : pct >= 50 ? 1 : 0;
}

/* Bouts over the finished classes. */
static int make_bouts(const classify *c, pt_summary *s, double hr_rest, double hr_max,
                      pt_error *err)
{
    const pt_params *p = &c->p;
    pt_table *ep = pt_summary_table(s, "epochs"), *bt = pt_summary_table(s, "bouts");
    size_t ne = pt_table_nrows(ep);
    const double *et = pt_table_column(ep, "t_start_s"), *cls = pt_table_column(ep, "class");
    const double *hr = pt_table_column(ep, "hr_bpm"), *cad = pt_table_column(ep, "cadence_spm");
    size_t tol = (size_t)floor(p->bout_tolerance_s / p->epoch_s + 1e-9);
    size_t i = 0, next_release = PT_RELEASE_ROWS;
    while (i < ne) {
        if (i >= next_release) {
            pt_table_release(ep);
            next_release = i + PT_RELEASE_ROWS;
        }
        double k = cls[i];
        if (isnan(k) || k < PT_CLASS_SEDENTARY) {
            i++;
            continue;
        }
        size_t last = i, j = i + 1;
        while (j < ne) {
            if (cls[j] == k) {
                last = j++;
                continue;
            }
            /* an interruption: bridge it when the class comes back within tol */
            size_t q = j;
            while (q < ne && cls[q] != k && q - j < tol)
                q++;
            if (q < ne && cls[q] == k && q - j <= tol) {
                j = q;
                continue;
            }
            break;
        }
        double t0 = et[i], t1 = et[last] + p->epoch_s;
        if (t1 - t0 >= p->bout_min_s - 1e-9) {
            double shr = 0, mhr = NAN, scad = 0, tb = 0, te = 0;
            size_t nhr = 0, ncad = 0;
            for (size_t e = i; e <= last; e++) {
                if (!isnan(hr[e])) {
                    shr += hr[e];
                    nhr++;
                    mhr = isnan(mhr) || hr[e] > mhr ? hr[e] : mhr;
                    double x = (hr[e] - hr_rest) / (hr_max - hr_rest);
                    x = x < 0 ? 0 : x > 1 ? 1 : x;
                    tb += p->epoch_s / 60.0 * banister(x, p->sex);
                    te += p->epoch_s / 60.0 * edwards(hr[e], hr_max);
                }
                if (!isnan(cad[e])) {
                    scad += cad[e];
                    ncad++;
                }
            }
            int hr_ok = nhr > 0 && !isnan(hr_rest) && hr_max > hr_rest;
            double row[] = {t0,
                            t1,
                            k,
                            nhr ? shr / (double)nhr : (double)NAN,
                            mhr,
                            ncad ? scad / (double)ncad : (double)NAN,
                            hr_ok ? tb : (double)NAN,
                            nhr ? te : (double)NAN};
            int rc = pt_table_append(bt, row, err);
            if (rc)
                return rc;
        }
        i = last + 1;
    }
    pt_table_release(ep);
    return PT_OK;
}

static int add_hr_ctx(void *ctx, double t, double bpm, pt_error *err)
{
    return ctx ? add_hr(ctx, t, bpm, err) : PT_OK; /* NULL: only asks whether to use it */
}

static double cut(double v, double lo, double mid, double hi)
{
    return v >= hi    ? PT_CLASS_VIGOROUS
           : v >= mid ? PT_CLASS_MODERATE
           : v >= lo  ? PT_CLASS_LIGHT
                      : PT_CLASS_SEDENTARY;
}

static int classify_finish(void *st, pt_summary *s, pt_error *err)
{
    classify *c = st;
    const pt_params *p = &c->p;
    pt_table *ep = pt_summary_table(s, "epochs");
    const pt_table *hr = pt_summary_table(s, "hr");
    size_t ne = pt_table_nrows(ep), nh = pt_table_nrows(hr);
    const double *et = pt_table_column(ep, "t_start_s");
    const double *enmo = pt_table_column(ep, "enmo_mg"), *mad = pt_table_column(ep, "mad_mg");
    const double *cad = pt_table_column(ep, "cadence_spm");
    double *ehr = pt_table_column_mut(ep, "hr_bpm"), *hrr = pt_table_column_mut(ep, "hrr_pct");
    double *cls = pt_table_column_mut(ep, "class");
    const double *ht = pt_table_column(hr, "t_start_s"), *hb = pt_table_column(hr, "bpm");
    double half = p->hr_window_s / 2;
    /* the ECG first (R peaks), then a device's rate or intervals, then the PPG */
    int ecg = 0;
    int rce = pt_ecg_hr_feed(s, add_hr_ctx, NULL, &ecg, err);
    if (rce)
        return rce;
    if (ecg) {
        if (c->cap_sec) {
            memset(c->hr_sum, 0, c->cap_sec * sizeof(double));
            memset(c->hr_n, 0, c->cap_sec * sizeof(float));
        }
        c->n_sec = 0;
        if ((rce = pt_ecg_hr_feed(s, add_hr_ctx, c, &ecg, err)))
            return rce;
    }
    int hc = pt_table_colindex(hr, "bpm");
    const char *hsrc = hc >= 0 ? pt_table_colsource(hr, (size_t)hc) : NULL;
    const char *src = ecg        ? "ecg"
                      : c->n_sec ? (c->ch_hr >= 0 ? "device" : "ibi")
                      : hsrc     ? hsrc
                                 : "ppg";
    pt_table_set_colsource(ep, "hr_bpm", src);
    pt_table_set_colsource(pt_summary_table(s, "bouts"), "mean_hr_bpm", src);
    pt_table_set_colsource(pt_summary_table(s, "bouts"), "max_hr_bpm", src);
    if (c->n_sec) {
        /* the device's part of the reliability rule: a PPG window more than PT_HR_AGREE_BPM
         * from the device's mean over the window is not reliable */
        pt_table *hw = pt_summary_table(s, "hr");
        double *rel = pt_table_column_mut(hw, "reliable"), *bpm = pt_table_column_mut(hw, "bpm");
        const double *raw = pt_table_column(hw, "bpm_raw"), *q = pt_table_column(hw, "quality");
        const double *mg = pt_table_column(hw, "motion_g");
        size_t dropped = 0;
        for (size_t i = 0; i < nh; i++) {
            if (rel[i] != 1)
                continue;
            double sum = 0, n = 0;
            long a = (long)ceil(ht[i]), z = (long)ceil(ht[i] + p->hr_window_s);
            for (long k = a < 0 ? 0 : a; k < z && (size_t)k < c->n_sec; k++) {
                sum += c->hr_sum[k];
                n += (double)c->hr_n[k];
            }
            if (n > 0 && !pt_hr_reliable(raw[i], q[i], mg[i], NAN, sum / n)) {
                rel[i] = 0;
                bpm[i] = NAN;
                dropped++;
            }
            if ((i + 1) % PT_RELEASE_ROWS == 0) {
                release_sec(c);
                pt_table_release(hw);
            }
        }
        pt_table_release(hw);
        if (dropped)
            pt_summary_note(s,
                            "heart rate: %zu PPG windows disagreed with the device's heart "
                            "rate by more than %.0f bpm: not reliable",
                            dropped, PT_HR_AGREE_BPM);
        /* device heart rate: mean of the 1 s bins inside the epoch */
        for (size_t i = 0; i < ne; i++) {
            double sum = 0, n = 0;
            long a = (long)ceil(et[i]), z = (long)ceil(et[i] + p->epoch_s);
            for (long k = a < 0 ? 0 : a; k < z && (size_t)k < c->n_sec; k++) {
                sum += c->hr_sum[k];
                n += (double)c->hr_n[k];
            }
            ehr[i] = n > 0 ? sum / n : (double)NAN;
            if ((i + 1) % PT_RELEASE_ROWS == 0) {
                release_sec(c);
                pt_table_release(ep);
            }
        }
        release_sec(c);
    } else {
        /* PPG heart rate: mean of the windows whose centre falls in the epoch */
        size_t j = 0;
        for (size_t i = 0; i < ne; i++) {
            double a = et[i], z = et[i] + p->epoch_s, sum = 0;
            size_t n = 0;
            while (j < nh && ht[j] + half < a)
                j++;
            for (size_t k = j; k < nh && ht[k] + half < z; k++)
                if (!isnan(hb[k])) {
                    sum += hb[k];
                    n++;
                }
            ehr[i] = n ? sum / (double)n : (double)NAN;
            if ((i + 1) % PT_RELEASE_ROWS == 0) {
                pt_table_release(ep);
                pt_table_release(hr);
            }
        }
        pt_table_release(hr);
    }
    for (size_t i = 0; i < ne; i++) {
        if (cls[i] == PT_CLASS_NONWEAR)
            ehr[i] = NAN; /* no heart rate invented where the device was off */
        PT_RELEASE_EVERY(i, ep);
    }
    double hr_max = p->hr_max_bpm, hr_rest = p->hr_rest_bpm;
    int rc0 = PT_OK;
    if (isnan(hr_max)) {
        double age = isnan(p->age_y) ? 40.0 : p->age_y;
        hr_max = 208.0 - 0.7 * age;
        if (isnan(p->age_y))
            pt_summary_note(s, "age unknown: HRmax taken as 208 - 0.7 * 40 = %.0f bpm", hr_max);
    }
    /* sustained %HRR: median over hrr_sustain_s centred on the epoch */
    long w = (long)lround(p->hrr_sustain_s / p->epoch_s / 2);
    double *tmp = malloc((size_t)(2 * w + 4) * sizeof *tmp); /* a median's window */
    if (!tmp)
        return pt_error_set(err, PT_ENOMEM, "classify: out of memory for the %%HRR median window");
    if (isnan(hr_rest)) {
        size_t n = 0;
        for (size_t i = 0; i < ne; i++)
            n += !isnan(ehr[i]);
        /* at least a minute of heart rate; the 5th percentile as sorting would give it */
        if ((double)n * p->epoch_s >= 60 &&
            !pt_kth_value(ehr, ne, n / 20, release_table, ep, &hr_rest))
            pt_summary_note(
                s, "HRrest estimated as the 5th percentile of epoch heart rate: %.1f bpm", hr_rest);
    }
    for (size_t i = 0; i < ne; i++) {
        hrr[i] = (!isnan(hr_rest) && !isnan(ehr[i]) && hr_max > hr_rest)
                     ? 100.0 * (ehr[i] - hr_rest) / (hr_max - hr_rest)
                     : (double)NAN;
        PT_RELEASE_EVERY(i, ep);
    }
    /* the values used, as attributes (the parameters keep what was given) */
    {
        double age_used = isnan(p->age_y) ? 40.0 : p->age_y;
        const char *an[] = {"hr_rest_bpm_used", "hr_rest_estimated", "hr_max_bpm_used",
                            "hr_max_from_age",  "age_y_used",        "age_assumed",
                            "sex_assumed"};
        double av[] = {hr_rest,
                       isnan(p->hr_rest_bpm) ? 1 : 0,
                       hr_max,
                       isnan(p->hr_max_bpm) ? 1 : 0,
                       age_used,
                       isnan(p->age_y) ? 1 : 0,
                       p->sex == 'm' || p->sex == 'f' ? 0 : 1};
        for (size_t k = 0; k < sizeof av / sizeof *av; k++)
            if ((rc0 = pt_table_set_attr(ep, an[k], av[k], err)))
                break;
        if (rc0) {
            free(tmp);
            return rc0;
        }
    }
    long back = (long)lround(p->hrr_sustain_s / p->epoch_s);
    for (size_t i = 0; i < ne; i++) {
        PT_RELEASE_EVERY(i, ep);
        if (cls[i] == PT_CLASS_NONWEAR)
            continue;
        long w0 = (long)i - w, w1 = (long)i + w + 1;
        double shrr = median_of(hrr, w0 < 0 ? 0 : w0, w1 > (long)ne ? (long)ne : w1, tmp);
        double k = NAN;
        if (!isnan(mad[i]))
            k = cut(mad[i], p->mad_light_mg, p->mad_moderate_mg, p->mad_vigorous_mg);
        else if (!isnan(enmo[i]))
            k = cut(enmo[i], p->enmo_light_mg, p->enmo_moderate_mg, p->enmo_vigorous_mg);
        if (!isnan(cad[i])) {
            /* gait decides: running is vigorous; walking at >= 100 steps/min is
             * moderate (Tudor-Locke 2018); slower stepping is at least light,
             * the cut-points may say more */
            if (cad[i] >= p->run_cadence_spm)
                k = PT_CLASS_VIGOROUS;
            else if (cad[i] >= WALK_MODERATE_SPM)
                k = PT_CLASS_MODERATE;
            else
                k = isnan(k) || k < PT_CLASS_LIGHT ? PT_CLASS_LIGHT : k;
        }
        double hk = isnan(shrr) ? (double)NAN : cut(shrr, 20, 40, 60);
        int falling = 0;
        if (!isnan(hk) && hk >= PT_CLASS_MODERATE) {
            long j0 = (long)i - back, a = j0 - 1 < 0 ? 0 : j0 - 1;
            double then = j0 >= 0 ? median_of(ehr, a, j0 + 2, tmp) : (double)NAN;
            double now = median_of(ehr, (long)i - 1 < 0 ? 0 : (long)i - 1,
                                   (long)i + 2 > (long)ne ? (long)ne : (long)i + 2, tmp);
            falling = !isnan(then) && !isnan(now) && now < then - 5.0;
        }
        /* the heart rate lags the motion (off-kinetics 30-90 s): within
         * hrr_sustain_s after gait or moderate motion an elevated rate is
         * that motion's, not exercise of a quiet wrist */
        int after_motion = 0;
        for (long j = (long)i - back < 0 ? 0 : (long)i - back; j < (long)i && !after_motion; j++)
            after_motion = !isnan(cad[j]) || (!isnan(mad[j]) && mad[j] >= p->mad_moderate_mg);
        if (isnan(k))
            /* heart rate alone: a falling rate is a recovery, not exercise */
            k = falling && hk > PT_CLASS_LIGHT ? PT_CLASS_LIGHT : hk;
        else if (!isnan(hk) && hk > k && hk >= PT_CLASS_MODERATE && !falling && !after_motion)
            k = hk; /* heart rate says harder than the wrist, and is not recovering */
        cls[i] = k;
    }
    free(tmp);
    pt_table_release(ep);
    return make_bouts(c, s, hr_rest, hr_max, err);
}

const pt_stage_ops pt_stage_classify = {
    .name = "classify",
    .create = classify_create,
    .push = classify_push,
    .finish = classify_finish,
    .destroy = classify_destroy,
};
