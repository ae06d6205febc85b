/* SPDX-License-Identifier: GPL-2.0-or-later
 * classify.c — intensity class per epoch from motion and heart rate.
 *
 * In:  /epochs (enmo_mg, mad_mg) and /hr (bpm).
 * Out: /epochs hr_bpm [bpm], hrr_pct [%], class (pt_class; NaN = unknown).
 * Parameters: mad_*_mg (Vaha-Ypya 2015: 22.5 / 91 / 414 mg), enmo_*_mg (GGIR
 * defaults 40 / 100 / 400 mg), hr_rest_bpm, hr_max_bpm, age_y.
 * Method: MAD cut-points (Vaha-Ypya 2015); ENMO cut-points where MAD is
 * missing; heart-rate reserve (ACSM: moderate 40-59 %HRR, vigorous >= 60
 * %HRR; Karvonen 1957) where motion is missing. HRmax = 208 - 0.7 age
 * (Tanaka 2001). HRrest, when not given, is the 5th percentile of the
 * epochs' heart rate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/stage_impl.h"

typedef struct classify {
    pt_params p;
} classify;

static void *classify_create(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                             pt_error *err)
{
    (void)info;
    (void)s;
    classify *c = calloc(1, sizeof *c);
    if (!c) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    c->p = *p;
    return c;
}

static int classify_push(void *st, const pt_block *b, pt_summary *s, pt_error *err)
{
    (void)st;
    (void)b;
    (void)s;
    (void)err;
    return PT_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
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
    double *ehr = pt_table_column_mut(ep, "hr_bpm"), *hrr = pt_table_column_mut(ep, "hrr_pct");
    double *cls = pt_table_column_mut(ep, "class");
    const double *ht = pt_table_column(hr, "t_start_s"), *hb = pt_table_column(hr, "bpm");
    double half = p->hr_window_s / 2;
    /* Mean heart rate of the windows whose centre falls in the epoch (both
     * tables are in time order: one merge pass). */
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
    }
    double hr_max = p->hr_max_bpm, hr_rest = p->hr_rest_bpm;
    if (isnan(hr_max)) {
        double age = isnan(p->age_y) ? 40.0 : p->age_y;
        hr_max = 208.0 - 0.7 * age;
        if (isnan(p->age_y))
            pt_summary_note(s, "age unknown: HRmax taken as 208 - 0.7 * 40 = %.0f bpm", hr_max);
    }
    if (isnan(hr_rest)) {
        double *v = malloc((ne ? ne : 1) * sizeof *v);
        if (!v)
            return pt_error_set(err, PT_ENOMEM, "out of memory");
        size_t n = 0;
        for (size_t i = 0; i < ne; i++)
            if (!isnan(ehr[i]))
                v[n++] = ehr[i];
        if (n >= 12) { /* at least a minute of heart rate */
            qsort(v, n, sizeof *v, cmp_double);
            hr_rest = v[n / 20];
            pt_summary_note(s, "HRrest estimated as the 5th percentile of epoch heart rate: %.1f bpm",
                            hr_rest);
        }
        free(v);
    }
    for (size_t i = 0; i < ne; i++) {
        hrr[i] = (!isnan(hr_rest) && !isnan(ehr[i]) && hr_max > hr_rest)
                     ? 100.0 * (ehr[i] - hr_rest) / (hr_max - hr_rest)
                     : (double)NAN;
        double k = NAN;
        if (!isnan(mad[i]))
            k = mad[i] >= p->mad_vigorous_mg   ? PT_CLASS_VIGOROUS
                : mad[i] >= p->mad_moderate_mg ? PT_CLASS_MODERATE
                : mad[i] >= p->mad_light_mg    ? PT_CLASS_LIGHT
                                               : PT_CLASS_SEDENTARY;
        else if (!isnan(enmo[i]))
            k = enmo[i] >= p->enmo_vigorous_mg   ? PT_CLASS_VIGOROUS
                : enmo[i] >= p->enmo_moderate_mg ? PT_CLASS_MODERATE
                : enmo[i] >= p->enmo_light_mg    ? PT_CLASS_LIGHT
                                                 : PT_CLASS_SEDENTARY;
        else if (!isnan(hrr[i]))
            k = hrr[i] >= 60 ? PT_CLASS_VIGOROUS : hrr[i] >= 40 ? PT_CLASS_MODERATE
                : hrr[i] >= 20                                    ? PT_CLASS_LIGHT
                                                                  : PT_CLASS_SEDENTARY;
        cls[i] = k;
    }
    return PT_OK;
}

static void classify_destroy(void *st) { free(st); }

const pt_stage_ops pt_stage_classify = {
    .name = "classify",
    .create = classify_create,
    .push = classify_push,
    .finish = classify_finish,
    .destroy = classify_destroy,
};
