/* SPDX-License-Identifier: GPL-2.0-or-later
 * summary.c — parameters, the columnar tables of HDF5 schema 1 and the summary
 * that holds them (DESIGN.md, "HDF5 summary, schema 1"). */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/spill.h"
#include "pipeline/stage_impl.h"

const char *pt_version(void) { return PT_VERSION_STRING; }

const char *pt_class_name(int cls)
{
    static const char *const names[] = {"nonwear", "sedentary", "light", "moderate", "vigorous"};
    return cls >= 0 && cls < PT_NCLASS ? names[cls] : "unknown";
}

pt_params pt_params_defaults(void)
{
    pt_params p;
    memset(&p, 0, sizeof p);
    p.age_y = NAN;
    p.hr_rest_bpm = NAN;
    p.hr_max_bpm = NAN;
    p.ppg_lo_hz = 0.5;
    p.ppg_hi_hz = 4.0;
    p.ppg_order = 4;
    p.hr_window_s = 8.0;
    p.hr_step_s = 2.0;
    p.hr_lo_bpm = 40.0;
    p.hr_hi_bpm = 220.0;
    p.epoch_s = 5.0;
    p.mad_light_mg = 22.5;
    p.mad_moderate_mg = 91.0;
    p.mad_vigorous_mg = 414.0;
    p.enmo_light_mg = 40.0;
    p.enmo_moderate_mg = 100.0;
    p.enmo_vigorous_mg = 400.0;
    p.nonwear_window_s = 3600.0;
    p.nonwear_sd_mg = 13.0;
    p.nonwear_range_mg = 50.0;
    snprintf(p.tz, sizeof p.tz, "UTC");
    p.min_wear_h = 10.0;
    p.calibrate = 1;
    p.gait_window_s = 10.0;
    p.run_cadence_spm = 140.0;
    p.hrr_sustain_s = 60.0;
    p.bout_min_s = 60.0;
    p.bout_tolerance_s = 10.0;
    p.recovery_min_exercise_s = 120.0;
    p.recovery_rest_s = 60.0;
    p.recovery_fit_s = 300.0;
    return p;
}

int pt_params_check(const pt_params *p, pt_error *err)
{
#define NEED(cond, ...)                                                                            \
    if (!(cond))                                                                                   \
    return pt_error_set(err, PT_EINVAL, __VA_ARGS__)
    NEED(isnan(p->age_y) || (p->age_y > 0 && p->age_y < 130), "age %g is not in (0, 130) years",
         p->age_y);
    NEED(p->sex == 0 || p->sex == 'm' || p->sex == 'f', "sex must be m or f");
    NEED(isnan(p->hr_rest_bpm) || (p->hr_rest_bpm >= 25 && p->hr_rest_bpm <= 150),
         "resting heart rate %g is not in [25, 150] bpm", p->hr_rest_bpm);
    NEED(isnan(p->hr_max_bpm) || (p->hr_max_bpm >= 100 && p->hr_max_bpm <= 240),
         "maximal heart rate %g is not in [100, 240] bpm", p->hr_max_bpm);
    NEED(isnan(p->hr_rest_bpm) || isnan(p->hr_max_bpm) || p->hr_rest_bpm < p->hr_max_bpm,
         "resting heart rate must be below the maximal heart rate");
    NEED(p->ppg_lo_hz > 0 && p->ppg_lo_hz < p->ppg_hi_hz, "PPG band %g..%g Hz is not valid",
         p->ppg_lo_hz, p->ppg_hi_hz);
    NEED(p->ppg_order >= 1 && p->ppg_order <= 10, "filter order %d is not in 1..10", p->ppg_order);
    NEED(p->hr_window_s >= 2 && p->hr_window_s <= 60, "HR window %g s is not in [2, 60] s",
         p->hr_window_s);
    NEED(p->hr_step_s > 0 && p->hr_step_s <= p->hr_window_s,
         "HR step %g s must be in (0, window]", p->hr_step_s);
    NEED(p->hr_lo_bpm >= 20 && p->hr_lo_bpm < p->hr_hi_bpm && p->hr_hi_bpm <= 300,
         "HR search range %g..%g bpm is not valid", p->hr_lo_bpm, p->hr_hi_bpm);
    NEED(p->epoch_s >= 1 && p->epoch_s <= 600, "epoch %g s is not in [1, 600] s", p->epoch_s);
    NEED(p->mad_light_mg < p->mad_moderate_mg && p->mad_moderate_mg < p->mad_vigorous_mg,
         "MAD cut-points must increase");
    NEED(p->enmo_light_mg < p->enmo_moderate_mg && p->enmo_moderate_mg < p->enmo_vigorous_mg,
         "ENMO cut-points must increase");
    NEED(p->nonwear_window_s >= 60, "non-wear window must be at least 60 s");
    NEED(p->min_wear_h >= 0 && p->min_wear_h <= 24, "minimum wear %g h is not in [0, 24] h",
         p->min_wear_h);
    NEED(memchr(p->tz, 0, sizeof p->tz) && p->tz[0] && !strchr(p->tz, '"') && !strchr(p->tz, '\\'),
         "time zone must be a non-empty name or offset");
    NEED(p->gait_window_s >= 2 && p->gait_window_s <= 60, "gait window %g s is not in [2, 60] s",
         p->gait_window_s);
    NEED(p->bout_min_s >= 0 && p->bout_tolerance_s >= 0, "bout lengths must not be negative");
    NEED(p->recovery_fit_s >= 60, "recovery fit must cover at least 60 s");
    NEED(p->n_exercise_end <= 32, "at most 32 exercise ends");
#undef NEED
    return PT_OK;
}

static void json_num(char *buf, size_t len, size_t *at, const char *key, double v, int last)
{
    char tmp[96];
    if (isnan(v))
        snprintf(tmp, sizeof tmp, "\"%s\": null%s", key, last ? "" : ", ");
    else
        snprintf(tmp, sizeof tmp, "\"%s\": %.10g%s", key, v, last ? "" : ", ");
    size_t n = strlen(tmp);
    if (*at < len)
        snprintf(buf + *at, len - *at, "%s", tmp);
    *at += n;
}

size_t pt_params_json(const pt_params *p, char *buf, size_t len)
{
    size_t at = 0;
    char head[160];
    snprintf(head, sizeof head, "{\"subject_id\": \"%s\", \"sex\": %s%c%s, ", p->subject_id,
             p->sex ? "\"" : "null", p->sex ? p->sex : ' ', p->sex ? "\"" : "");
    /* remove the filler space when sex is null */
    if (!p->sex) {
        char *sp = strstr(head, "null ");
        if (sp)
            memmove(sp + 4, sp + 5, strlen(sp + 5) + 1);
    }
    if (len)
        snprintf(buf, len, "%s", head);
    at = strlen(head);
    json_num(buf, len, &at, "age_y", p->age_y, 0);
    json_num(buf, len, &at, "hr_rest_bpm", p->hr_rest_bpm, 0);
    json_num(buf, len, &at, "hr_max_bpm", p->hr_max_bpm, 0);
    json_num(buf, len, &at, "ppg_lo_hz", p->ppg_lo_hz, 0);
    json_num(buf, len, &at, "ppg_hi_hz", p->ppg_hi_hz, 0);
    json_num(buf, len, &at, "ppg_order", p->ppg_order, 0);
    json_num(buf, len, &at, "hr_window_s", p->hr_window_s, 0);
    json_num(buf, len, &at, "hr_step_s", p->hr_step_s, 0);
    json_num(buf, len, &at, "hr_lo_bpm", p->hr_lo_bpm, 0);
    json_num(buf, len, &at, "hr_hi_bpm", p->hr_hi_bpm, 0);
    json_num(buf, len, &at, "epoch_s", p->epoch_s, 0);
    json_num(buf, len, &at, "mad_light_mg", p->mad_light_mg, 0);
    json_num(buf, len, &at, "mad_moderate_mg", p->mad_moderate_mg, 0);
    json_num(buf, len, &at, "mad_vigorous_mg", p->mad_vigorous_mg, 0);
    json_num(buf, len, &at, "enmo_light_mg", p->enmo_light_mg, 0);
    json_num(buf, len, &at, "enmo_moderate_mg", p->enmo_moderate_mg, 0);
    json_num(buf, len, &at, "enmo_vigorous_mg", p->enmo_vigorous_mg, 0);
    json_num(buf, len, &at, "nonwear_window_s", p->nonwear_window_s, 0);
    json_num(buf, len, &at, "nonwear_sd_mg", p->nonwear_sd_mg, 0);
    json_num(buf, len, &at, "nonwear_range_mg", p->nonwear_range_mg, 0);
    json_num(buf, len, &at, "min_wear_h", p->min_wear_h, 0);
    json_num(buf, len, &at, "calibrate", p->calibrate, 0);
    json_num(buf, len, &at, "gait_window_s", p->gait_window_s, 0);
    json_num(buf, len, &at, "run_cadence_spm", p->run_cadence_spm, 0);
    json_num(buf, len, &at, "hrr_sustain_s", p->hrr_sustain_s, 0);
    json_num(buf, len, &at, "bout_min_s", p->bout_min_s, 0);
    json_num(buf, len, &at, "bout_tolerance_s", p->bout_tolerance_s, 0);
    json_num(buf, len, &at, "recovery_min_exercise_s", p->recovery_min_exercise_s, 0);
    json_num(buf, len, &at, "recovery_rest_s", p->recovery_rest_s, 0);
    json_num(buf, len, &at, "recovery_fit_s", p->recovery_fit_s, 0);
    for (size_t i = 0; i < p->n_exercise_end && i < 32; i++) {
        char key[32];
        snprintf(key, sizeof key, "exercise_end_s_%zu", i);
        json_num(buf, len, &at, key, p->exercise_end_s[i], 0);
    }
    {
        char tmp[96]; /* tz is checked free of quotes and backslashes */
        snprintf(tmp, sizeof tmp, "\"tz\": \"%s\"", p->tz);
        if (at < len)
            snprintf(buf + at, len - at, "%s", tmp);
        at += strlen(tmp);
    }
    if (at < len)
        snprintf(buf + at, len - at, "}");
    return at + 1;
}

/* ---- tables ---- */

typedef struct col_def {
    const char *name, *units, *desc;
    pt_coltype type;
} col_def;

#define MAX_COLS 24

struct pt_table {
    const char *name;
    size_t ncols, nrows, cap;
    col_def def[MAX_COLS];
    pt_spill col[MAX_COLS]; /* a long table's columns live in scratch files (spill.h) */
};


size_t pt_table_nrows(const pt_table *t) { return t ? t->nrows : 0; }
size_t pt_table_ncols(const pt_table *t) { return t ? t->ncols : 0; }
const char *pt_table_name(const pt_table *t) { return t->name; }
const char *pt_table_colname(const pt_table *t, size_t c) { return c < t->ncols ? t->def[c].name : NULL; }
const char *pt_table_colunits(const pt_table *t, size_t c) { return c < t->ncols ? t->def[c].units : NULL; }
const char *pt_table_coldesc(const pt_table *t, size_t c) { return c < t->ncols ? t->def[c].desc : NULL; }
pt_coltype pt_table_coltype(const pt_table *t, size_t c) { return c < t->ncols ? t->def[c].type : PT_COL_F64; }

int pt_table_colindex(const pt_table *t, const char *name)
{
    if (!t)
        return -1;
    for (size_t c = 0; c < t->ncols; c++)
        if (!strcmp(t->def[c].name, name))
            return (int)c;
    return -1;
}

const double *pt_table_column(const pt_table *t, const char *name)
{
    int c = pt_table_colindex(t, name);
    return c < 0 ? NULL : (const double *)t->col[c].p;
}

double *pt_table_column_mut(pt_table *t, const char *name)
{
    int c = pt_table_colindex(t, name);
    return c < 0 ? NULL : (double *)t->col[c].p;
}

void pt_table_release(const pt_table *t)
{
    for (size_t c = 0; t && c < t->ncols; c++)
        pt_spill_release(&t->col[c], 0, t->nrows * sizeof(double));
}

void pt_summary_release(const pt_summary *s)
{
    for (size_t i = 0; s && i < pt_summary_ntables(s); i++)
        pt_table_release(pt_summary_table_at(s, i));
}

int pt_table_append(pt_table *t, const double *row, pt_error *err)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        if (cap > SIZE_MAX / sizeof(double))
            return pt_error_set(err, PT_ENOMEM, "table %s: too many rows", t->name);
        for (size_t c = 0; c < t->ncols; c++)
            if (pt_spill_reserve(&t->col[c], cap * sizeof(double)))
                return pt_error_set(err, PT_ENOMEM,
                                    "table %s: no memory or scratch space in %s at %zu rows",
                                    t->name, pt_spill_dir(), t->nrows);
        t->cap = cap;
    }
    for (size_t c = 0; c < t->ncols; c++)
        ((double *)t->col[c].p)[t->nrows] = row[c];
    t->nrows++;
    if (t->nrows % PT_RELEASE_ROWS == 0) /* appending touches only the end */
        pt_table_release(t);
    return PT_OK;
}

/* ---- schema 1 ---- */

typedef struct table_def {
    const char *name;
    col_def cols[MAX_COLS];
} table_def;

static const table_def schema1[] = {
    {"hr",
     {{"t_start_s", "s", "start of the analysis window, from the recording's start", PT_COL_F64},
      {"bpm", "bpm", "heart rate estimated from the PPG spectrum in the window", PT_COL_F64},
      {"quality", "1", "signal quality index of the window, 0 (unusable) to 1 (clean)", PT_COL_F64},
      {0}}},
    {"beats",
     {{"t_s", "s", "time of the systolic peak, from the recording's start", PT_COL_F64},
      {"ibi_ms", "ms", "interval since the previous beat", PT_COL_F64},
      {0}}},
    {"epochs",
     {{"t_start_s", "s", "start of the epoch, from the recording's start", PT_COL_F64},
      {"enmo_mg", "mg", "mean Euclidean norm minus one g, negatives set to zero", PT_COL_F64},
      {"mad_mg", "mg", "mean amplitude deviation of the acceleration magnitude", PT_COL_F64},
      {"cadence_spm", "steps/min", "step rate when the epoch shows rhythmic gait", PT_COL_F64},
      {"hr_bpm", "bpm", "mean heart rate over the epoch", PT_COL_F64},
      {"hrr_pct", "%", "heart rate reserve used: 100 (HR - HRrest) / (HRmax - HRrest)", PT_COL_F64},
      {"walking", "1", "1 when the epoch is rhythmic gait at walking cadence, 0 when not, NaN when unknown", PT_COL_F64},
      {"class", "1", "intensity class: unknown=-1 nonwear=0 sedentary=1 light=2 moderate=3 vigorous=4",
       PT_COL_CLASS},
      {0}}},
    {"bouts",
     {{"t_start_s", "s", "start of the bout", PT_COL_F64},
      {"t_end_s", "s", "end of the bout", PT_COL_F64},
      {"class", "1", "intensity class of the bout", PT_COL_CLASS},
      {"mean_hr_bpm", "bpm", "mean heart rate over the bout", PT_COL_F64},
      {"max_hr_bpm", "bpm", "highest heart rate in the bout", PT_COL_F64},
      {"mean_cadence_spm", "steps/min", "mean cadence over the bout", PT_COL_F64},
      {"trimp_banister", "AU", "Banister training impulse (Banister 1991)", PT_COL_F64},
      {"trimp_edwards", "AU", "Edwards summated heart-rate-zone load (Edwards 1993)", PT_COL_F64},
      {0}}},
    {"recovery",
     {{"t_end_exercise_s", "s", "end of the high-intensity exercise", PT_COL_F64},
      {"hr_end_bpm", "bpm", "heart rate at the end of exercise", PT_COL_F64},
      {"hr_60_bpm", "bpm", "heart rate 60 s after the end", PT_COL_F64},
      {"hr_120_bpm", "bpm", "heart rate 120 s after the end", PT_COL_F64},
      {"hrr60_bpm", "bpm", "heart rate recovery in 60 s (Cole 1999)", PT_COL_F64},
      {"hrr120_bpm", "bpm", "heart rate recovery in 120 s", PT_COL_F64},
      {"t30_s", "s", "-1/slope of ln HR over the first 30 s (Imai 1994)", PT_COL_F64},
      {"tau_s", "s", "time constant of a mono-exponential fit of the recovery", PT_COL_F64},
      {"fit_r2", "1", "coefficient of determination of that fit", PT_COL_F64},
      {"quality", "1", "quality of the recovery measurement, 0..1", PT_COL_F64},
      {0}}},
    {"daily",
     {{"date", "", "local calendar day (ISO 8601)", PT_COL_DATE},
      {"minutes_nonwear", "min", "minutes classed non-wear", PT_COL_F64},
      {"minutes_sedentary", "min", "minutes classed sedentary", PT_COL_F64},
      {"minutes_light", "min", "minutes classed light", PT_COL_F64},
      {"minutes_moderate", "min", "minutes classed moderate", PT_COL_F64},
      {"minutes_vigorous", "min", "minutes classed vigorous", PT_COL_F64},
      {"walking_minutes", "min", "minutes of rhythmic gait at walking cadence", PT_COL_F64},
      {"steps", "steps", "steps counted from the gait cadence", PT_COL_F64},
      {"trimp_banister", "AU", "Banister training impulse of the day", PT_COL_F64},
      {"trimp_edwards", "AU", "Edwards training load of the day", PT_COL_F64},
      {"wear_minutes", "min", "minutes the device was worn", PT_COL_F64},
      {"valid_day", "1", "1 when wear_minutes >= min_wear_h (default 10 h, GGIR); 0 = too little wear, not a rest day", PT_COL_U8},
      {"hr_minutes", "min", "minutes of wear with a heart rate", PT_COL_F64},
      {"moderate_walking_minutes", "min", "minutes of walking classed moderate or vigorous", PT_COL_F64},
      {"longest_easy_minutes", "min", "longest continuous light/moderate stretch (gaps up to 60 s bridged) or bout", PT_COL_F64},
      {"hrr60_bpm", "bpm", "mean heart rate recovery in 60 s of the day's recoveries", PT_COL_F64},
      {"n_recovery", "1", "number of recoveries behind hrr60_bpm", PT_COL_F64},
      {0}}},
};

#define NTABLES (sizeof schema1 / sizeof schema1[0])

struct pt_summary {
    pt_table tables[NTABLES];
    pt_recording_info rec;
    char notes[1024];
    char source_sha256[65]; /* "" until the runner hashed the source */
};

pt_summary *pt_summary_create(pt_error *err)
{
    pt_summary *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < NTABLES; i++) {
        pt_table *t = &s->tables[i];
        t->name = schema1[i].name;
        for (size_t c = 0; c < MAX_COLS && schema1[i].cols[c].name; c++)
            t->def[t->ncols++] = schema1[i].cols[c];
    }
    s->rec.start_unix_s = NAN;
    s->rec.duration_s = NAN;
    return s;
}

void pt_summary_destroy(pt_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < NTABLES; i++)
        for (size_t c = 0; c < s->tables[i].ncols; c++)
            pt_spill_free(&s->tables[i].col[c]);
    free(s);
}

pt_table *pt_summary_table(pt_summary *s, const char *name)
{
    for (size_t i = 0; s && i < NTABLES; i++)
        if (!strcmp(s->tables[i].name, name))
            return &s->tables[i];
    return NULL;
}

const pt_table *pt_summary_table_const(const pt_summary *s, const char *name)
{
    return pt_summary_table((pt_summary *)s, name);
}

size_t pt_summary_ntables(const pt_summary *s) { return s ? NTABLES : 0; }
const pt_table *pt_summary_table_at(const pt_summary *s, size_t i) { return i < NTABLES ? &s->tables[i] : NULL; }
const pt_recording_info *pt_summary_recording(const pt_summary *s) { return &s->rec; }
void pt_summary_set_source_sha256(pt_summary *s, const char hex[65])
{
    snprintf(s->source_sha256, sizeof s->source_sha256, "%s", hex);
}
const char *pt_summary_source_sha256(const pt_summary *s) { return s->source_sha256; }
const char *pt_summary_notes(const pt_summary *s) { return s->notes; }

void pt_summary_set_recording(pt_summary *s, const pt_recording_info *info) { s->rec = *info; }

void pt_summary_note(pt_summary *s, const char *fmt, ...)
{
    size_t used = strlen(s->notes);
    if (used + 3 >= sizeof s->notes)
        return;
    if (used) {
        memcpy(s->notes + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->notes + used, sizeof s->notes - used, fmt, ap);
    va_end(ap);
}

int pt_find_channel(const pt_recording_info *info, pt_kind kind)
{
    for (size_t c = 0; c < info->nchan; c++)
        if (info->chan[c].kind == kind)
            return (int)c;
    return -1;
}
