/* SPDX-License-Identifier: GPL-2.0-or-later
 * daily.c — /daily: the recording split into local calendar days.
 *
 * In:  /epochs (t_start_s, class, walking, cadence_spm, hr_bpm, hrr_pct),
 *      /bouts (t_start_s, t_end_s, class) and /recovery (t_end_exercise_s,
 *      hrr60_bpm, quality) when present.
 * Out: /daily rows, one per local day the recording touches: date, minutes per
 *      class [min], walking_minutes [min], steps, trimp_banister, trimp_edwards
 *      [AU], wear_minutes [min], valid_day (0/1), hr_minutes [min],
 *      moderate_walking_minutes [min], longest_easy_minutes [min], hrr60_bpm
 *      [bpm], n_recovery.
 * Parameters: tz ("UTC"; fixed offset or IANA name), min_wear_h (10 h, the
 *      GGIR default for a valid day), epoch_s, sex, age_y, hr_max_bpm.
 * Method: local day = floor((start_unix_s + t + UTC offset) / 86400 s); the
 *      offset comes from the zone's TZif transitions (RFC 8536), read once at
 *      create, without setenv/tzset. Without an absolute start, days count
 *      from the recording's start (day 1 is written as 1970-01-01).
 *      Banister TRIMP (Banister 1991; Morton 1990): sum over epochs of
 *      minutes * x * 0.64 e^{1.92 x} (men; 0.86 e^{1.67 x} women), x = HRR
 *      fraction clipped to [0, 1]; unknown sex uses the men's constants, as
 *      GoldenCheetah does. Edwards TRIMP (Edwards 1993): minutes in zones of
 *      %HRmax 50-60, 60-70, 70-80, 80-90, >= 90 weighted 1..5.
 *      A day with less wear than min_wear_h is flagged valid_day = 0: its
 *      values stay, but the load model treats it as missing, not as rest. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/tzif.h"
#include "pipeline/stage.h"
#include "pulsetrain/trimp.h"

#define DAY_S 86400.0
#define EASY_GAP_S 60.0 /* interruptions of a light/moderate stretch that are bridged */
/* Recoveries below this quality (0..1, recovery.c) are left out of the daily HRR60;
 * clean simulated recoveries score about 0.45, unusable ones near 0. */
#define MIN_RECOVERY_QUALITY 0.25

typedef struct daily {
    pt_params p;
    pt_tzinfo tz;
    double hr_max_bpm;
    int banister_female;
} daily;

static void daily_destroy(void *st)
{
    daily *d = st;
    if (!d)
        return;
    pt_tz_free(&d->tz);
    free(d);
}

static void *daily_create(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                          pt_error *err)
{
    (void)info;
    (void)s;
    daily *d = calloc(1, sizeof *d);
    if (!d) {
        pt_error_set(err, PT_ENOMEM, "out of memory for its state");
        return NULL;
    }
    d->p = *p;
    if (pt_tz_load(&d->tz, p->tz, err)) {
        daily_destroy(d);
        return NULL;
    }
    d->hr_max_bpm =
        !isnan(p->hr_max_bpm) ? p->hr_max_bpm : 208.0 - 0.7 * (isnan(p->age_y) ? 40.0 : p->age_y);
    d->banister_female = p->sex == 'f';
    return d;
}

static int daily_push(void *st, const pt_block *b, pt_summary *s, pt_error *err)
{
    (void)st;
    (void)b;
    (void)s;
    (void)err;
    return PT_OK;
}

/* Per-day accumulators, in the order of the /daily columns they feed. */
typedef struct dayacc {
    double cls_min[PT_NCLASS];
    int any_class;
    double walk_min, modwalk_min;
    int walk_known;
    double steps;
    int acc_known;
    double banister, edwards, hr_min;
    double easy_run_min, easy_best_min, easy_last_t;
    double hrr60_sum;
    int n_rec;
} dayacc;

static int64_t day_of(const daily *d, double t0_unix, double t, size_t *k)
{
    if (isnan(t0_unix))
        return (int64_t)floor(t / DAY_S);
    double u = t0_unix + t;
    return (int64_t)floor((u + pt_tz_offset_at(&d->tz, u, k)) / DAY_S);
}

static int daily_finish(void *st, pt_summary *s, pt_error *err)
{
    daily *d = st;
    const pt_params *p = &d->p;
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const pt_table *bo = pt_summary_table_const(s, "bouts");
    const pt_table *rv = pt_summary_table_const(s, "recovery");
    pt_table *out = pt_summary_table(s, "daily");
    size_t ne = pt_table_nrows(ep);
    if (!ne)
        return PT_OK;
    double t0u = pt_summary_recording(s)->start_unix_s;
    if (isnan(t0u))
        pt_summary_note(s, "no absolute start time: days count from the recording's start "
                           "(day 1 is dated 1970-01-01)");
    const double *et = pt_table_column(ep, "t_start_s"), *cls = pt_table_column(ep, "class");
    if (!isnan(t0u)) { /* absolute time next to the relative one */
        pt_table *epw = pt_summary_table(s, "epochs");
        double *tu = pt_table_column_mut(epw, "t_unix_s");
        for (size_t i = 0; i < ne; i++) {
            tu[i] = t0u + et[i];
            PT_RELEASE_EVERY(i, epw);
        }
        pt_table_release(epw);
    }
    const double *walk = pt_table_column(ep, "walking"), *cad = pt_table_column(ep, "cadence_spm");
    const double *hr = pt_table_column(ep, "hr_bpm"), *hrr = pt_table_column(ep, "hrr_pct");
    const double *mad = pt_table_column(ep, "mad_mg"), *enmo = pt_table_column(ep, "enmo_mg");
    double emin = p->epoch_s / 60.0;
    size_t k = 0;
    int64_t first = day_of(d, t0u, et[0], &k), last = first;
    for (size_t i = 1; i < ne; i++) {
        int64_t dd = day_of(d, t0u, et[i], &k);
        if (dd < first)
            first = dd;
        if (dd > last)
            last = dd;
        PT_RELEASE_EVERY(i, ep);
    }
    pt_table_release(ep);
    if (last - first > 366 * 20)
        return pt_error_set(err, PT_EDATA, "epochs span %lld days", (long long)(last - first));
    size_t nd = (size_t)(last - first + 1);
    dayacc *acc = calloc(nd, sizeof *acc);
    if (!acc)
        return pt_error_set(err, PT_ENOMEM, "daily: out of memory for %zu days", nd);
    for (size_t j = 0; j < nd; j++)
        acc[j].easy_last_t = -INFINITY;
    double k_a = d->banister_female ? 0.86 : 0.64, k_b = d->banister_female ? 1.67 : 1.92;
    if (!p->sex)
        pt_summary_note(s, "sex unknown: Banister TRIMP uses the men's constants 0.64, 1.92");
    k = 0;
    for (size_t i = 0; i < ne; i++) {
        PT_RELEASE_EVERY(i, ep);
        dayacc *a = &acc[day_of(d, t0u, et[i], &k) - first];
        int c = isnan(cls[i]) ? -1 : (int)cls[i];
        if (!isnan(mad[i]) || !isnan(enmo[i]))
            a->acc_known = 1;
        if (c >= 0 && c < PT_NCLASS) {
            a->any_class = 1;
            a->cls_min[c] += emin;
        }
        if (c == PT_CLASS_NONWEAR)
            continue;
        if (!isnan(walk[i])) {
            a->walk_known = 1;
            if (walk[i] > 0.5) {
                a->walk_min += emin;
                if (c >= PT_CLASS_MODERATE)
                    a->modwalk_min += emin;
            }
        }
        if (!isnan(cad[i]))
            a->steps += cad[i] * emin;
        if (c == PT_CLASS_LIGHT || c == PT_CLASS_MODERATE) {
            if (et[i] - a->easy_last_t > p->epoch_s + EASY_GAP_S + 1e-9)
                a->easy_run_min = 0;
            a->easy_run_min += emin;
            a->easy_last_t = et[i];
            if (a->easy_run_min > a->easy_best_min)
                a->easy_best_min = a->easy_run_min;
        }
        if (!isnan(hr[i])) {
            a->hr_min += emin;
            double x = hrr[i] / 100.0;
            if (!isnan(x)) {
                x = x < 0 ? 0 : x > 1 ? 1 : x;
                a->banister += pt_trimp_banister(emin, x, k_a, k_b);
            }
            a->edwards += emin * pt_edwards_zone(100.0 * hr[i] / d->hr_max_bpm);
        }
    }
    pt_table_release(ep);
    /* Bouts of light/moderate activity count as easy sessions too. */
    size_t nb = pt_table_nrows(bo);
    const double *bs = pt_table_column(bo, "t_start_s"), *be_ = pt_table_column(bo, "t_end_s");
    const double *bc = pt_table_column(bo, "class");
    k = 0;
    for (size_t i = 0; i < nb; i++) {
        if (isnan(bc[i]) || (bc[i] != PT_CLASS_LIGHT && bc[i] != PT_CLASS_MODERATE))
            continue;
        int64_t dd = day_of(d, t0u, bs[i], &k);
        double m = (be_[i] - bs[i]) / 60.0;
        if (dd >= first && dd <= last && m > acc[dd - first].easy_best_min)
            acc[dd - first].easy_best_min = m;
    }
    size_t nr = pt_table_nrows(rv);
    const double *rt = pt_table_column(rv, "t_end_exercise_s");
    const double *r60 = pt_table_column(rv, "hrr60_bpm"), *rq = pt_table_column(rv, "quality");
    k = 0;
    for (size_t i = 0; i < nr; i++) {
        if (isnan(r60[i]) || (!isnan(rq[i]) && rq[i] < MIN_RECOVERY_QUALITY))
            continue;
        int64_t dd = day_of(d, t0u, rt[i], &k);
        if (dd >= first && dd <= last) {
            acc[dd - first].hrr60_sum += r60[i];
            acc[dd - first].n_rec++;
        }
    }
    int rc = PT_OK;
    size_t ncol = pt_table_ncols(out);
    double row[32];
    for (size_t j = 0; j < nd && !rc; j++) {
        const dayacc *a = &acc[j];
        double wear = 0;
        for (int c = PT_CLASS_SEDENTARY; c < PT_NCLASS; c++)
            wear += a->cls_min[c];
        for (size_t c = 0; c < ncol; c++)
            row[c] = NAN;
#define SET(name, v) row[pt_table_colindex(out, name)] = (v)
        SET("date", (double)(first + (int64_t)j) * DAY_S);
        for (int c = 0; c < PT_NCLASS; c++) {
            char name[32];
            snprintf(name, sizeof name, "minutes_%s", pt_class_name(c));
            SET(name, a->any_class ? a->cls_min[c] : (double)NAN);
        }
        SET("walking_minutes", a->walk_known ? a->walk_min : (double)NAN);
        SET("moderate_walking_minutes", a->walk_known ? a->modwalk_min : (double)NAN);
        SET("steps", a->acc_known ? round(a->steps) : (double)NAN);
        SET("trimp_banister", a->hr_min > 0 ? a->banister : (double)NAN);
        SET("trimp_edwards", a->hr_min > 0 ? a->edwards : (double)NAN);
        SET("wear_minutes", a->any_class ? wear : (double)NAN);
        SET("valid_day", wear >= p->min_wear_h * 60.0 - 1e-9 ? 1.0 : 0.0);
        SET("hr_minutes", a->hr_min);
        SET("longest_easy_minutes", a->any_class ? a->easy_best_min : (double)NAN);
        SET("hrr60_bpm", a->n_rec ? a->hrr60_sum / a->n_rec : (double)NAN);
        SET("n_recovery", a->n_rec);
#undef SET
        rc = pt_table_append(out, row, err);
    }
    free(acc);
    return rc;
}

const pt_stage_ops pt_stage_daily = {
    .name = "daily",
    .create = daily_create,
    .push = daily_push,
    .finish = daily_finish,
    .destroy = daily_destroy,
};
