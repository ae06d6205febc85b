/* SPDX-License-Identifier: GPL-2.0-or-later
 * summary.c — the columnar tables of HDF5 schema 1 and the summary that holds them
 * (DESIGN.md, "HDF5 summary, schema 1"). */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/spill.h"
#include "summary/summary_impl.h"

const char *pt_class_name(int cls)
{
    static const char *const names[] = {"nonwear", "sedentary", "light", "moderate", "vigorous"};
    return cls >= 0 && cls < PT_NCLASS ? names[cls] : "unknown";
}

/* ---- tables ---- */

typedef struct col_def {
    const char *name, *units, *desc;
    pt_coltype type;
} col_def;

#define MAX_COLS 24
#define MAX_ATTRS 16

struct pt_table {
    const char *name;
    size_t ncols, nrows, cap;
    col_def def[MAX_COLS];
    const char *source[MAX_COLS]; /* heart-rate columns: where the values came from, or NULL */
    pt_spill col[MAX_COLS];       /* a long table's columns live in scratch files (spill.h) */
    size_t nattrs;
    char attr_name[MAX_ATTRS][32];
    double attr[MAX_ATTRS];
};

size_t pt_table_nattrs(const pt_table *t)
{
    return t ? t->nattrs : 0;
}
const char *pt_table_attr_name(const pt_table *t, size_t i)
{
    return t && i < t->nattrs ? t->attr_name[i] : NULL;
}
double pt_table_attr(const pt_table *t, size_t i)
{
    return t && i < t->nattrs ? t->attr[i] : (double)NAN;
}

int pt_table_set_attr(pt_table *t, const char *name, double value, pt_error *err)
{
    size_t i = 0;
    while (i < t->nattrs && strcmp(t->attr_name[i], name))
        i++;
    if (i == MAX_ATTRS || strlen(name) >= sizeof t->attr_name[0])
        return pt_error_set(err, PT_EINTERNAL, "table %s: no room for attribute %s", t->name, name);
    snprintf(t->attr_name[i], sizeof t->attr_name[i], "%s", name);
    t->attr[i] = value;
    if (i == t->nattrs)
        t->nattrs++;
    return PT_OK;
}

size_t pt_table_nrows(const pt_table *t)
{
    return t ? t->nrows : 0;
}
size_t pt_table_ncols(const pt_table *t)
{
    return t ? t->ncols : 0;
}
const char *pt_table_name(const pt_table *t)
{
    return t->name;
}
const char *pt_table_colname(const pt_table *t, size_t c)
{
    return c < t->ncols ? t->def[c].name : NULL;
}
const char *pt_table_colunits(const pt_table *t, size_t c)
{
    return c < t->ncols ? t->def[c].units : NULL;
}
const char *pt_table_coldesc(const pt_table *t, size_t c)
{
    return c < t->ncols ? t->def[c].desc : NULL;
}
const char *pt_table_colsource(const pt_table *t, size_t c)
{
    return c < t->ncols ? t->source[c] : NULL;
}

int pt_table_set_colsource(pt_table *t, const char *name, const char *source)
{
    int c = pt_table_colindex(t, name);
    if (c < 0)
        return PT_EINVAL;
    t->source[c] = source;
    return PT_OK;
}

const char *pt_hr_source_rule(const char *source)
{
    if (!source)
        return NULL;
    if (!strcmp(source, "device"))
        return "the recording's heart-rate channel: preferred to the PPG when present";
    if (!strcmp(source, "ibi"))
        return "60000 / the recording's beat intervals: preferred to the PPG when present";
    if (!strcmp(source, "ppg_beats"))
        return "intervals of the PPG's systolic peaks (Elgendi 2013) outside heavy motion: "
               "pulse-rate variability, not HRV";
    if (!strcmp(source, "ecg"))
        return "60000 / the clean R-R intervals of the ECG (pipeline/ecg.c): preferred to a device "
               "and the PPG when reliable in at least half of its windows";
    return "PPG spectrum (pt_hrtrack), reliable windows only (pt_hr_reliable, docs/heart-rate.md)";
}

void pt_table_shrink(pt_table *t, size_t nrows)
{
    if (t && nrows < t->nrows)
        t->nrows = nrows;
}
pt_coltype pt_table_coltype(const pt_table *t, size_t c)
{
    return c < t->ncols ? t->def[c].type : PT_COL_F64;
}

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
                                    t->name, pt_spill_dir(&t->col[c]), t->nrows);
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
      {"bpm", "bpm",
       "heart rate of the window where reliable (column reliable), else NaN; NaN in non-wear",
       PT_COL_F64},
      {"quality", "1", "signal quality index of the window, 0 (unusable) to 1 (clean)", PT_COL_F64},
      {"bpm_raw", "bpm",
       "the tracker's estimate from the PPG spectrum, reliable or not (NaN in non-wear)",
       PT_COL_F64},
      {"reliable", "1",
       "1 when the window passes the reliability rule (quality, motion, beats and device "
       "agreement: docs/heart-rate.md), 0 when not, NaN where there is no estimate",
       PT_COL_F64},
      {"motion_g", "g", "largest SD of the band-passed accelerometer axes in the window",
       PT_COL_F64},
      {0}}},
    {"beats",
     {{"t_s", "s", "time of the systolic peak, from the recording's start", PT_COL_F64},
      {"ibi_ms", "ms", "interval since the previous beat", PT_COL_F64},
      {0}}},
    {"ecg_beats",
     {{"t_s", "s", "time of the R peak, from the recording's start (Pan & Tompkins 1985)",
       PT_COL_F64},
      {"rr_ms", "ms",
       "interval since the channel's previous R peak; NaN at the start and after a gap",
       PT_COL_F64},
      {"artefact", "1",
       "1 when the interval is implausible (outside 250-2000 ms or > 25 % from the median of "
       "the last clean ones: artefact or ectopic beat) or the ECG is noisy there, else 0",
       PT_COL_F64},
      {"channel", "1", "index of the ECG channel in /channels", PT_COL_F64},
      {0}}},
    {"hrv",
     {{"t_start_s", "s", "start of the 5 min segment (0 on the whole-recording row)", PT_COL_F64},
      {"duration_s", "s", "length of the segment or of the recording", PT_COL_F64},
      {"n_nn", "1", "accepted intervals (artefact-corrected: Malik 1989 20 % rule)", PT_COL_F64},
      {"artefact_pct", "%", "share of intervals rejected", PT_COL_F64},
      {"mean_rr_ms", "ms", "mean of the accepted intervals (MeanNN)", PT_COL_F64},
      {"sdnn_ms", "ms", "standard deviation of the accepted intervals (SDNN, ddof 1)", PT_COL_F64},
      {"rmssd_ms", "ms", "root mean square of successive differences (RMSSD)", PT_COL_F64},
      {"pnn50_pct", "%", "successive differences > 50 ms per accepted interval (pNN50)",
       PT_COL_F64},
      {"lf_ms2", "ms^2",
       "power 0.04-0.15 Hz: Welch spectrum of the intervals, quadratic spline at 4 Hz (NeuroKit2 "
       "hrv_frequency)",
       PT_COL_F64},
      {"hf_ms2", "ms^2",
       "power 0.15-0.4 Hz: Welch spectrum of the intervals, quadratic spline at 4 Hz (NeuroKit2 "
       "hrv_frequency)",
       PT_COL_F64},
      {"lf_hf", "1", "LF / HF", PT_COL_F64},
      {"whole", "1", "1 on the row for the whole recording, 0 on 5 min segments", PT_COL_F64},
      {0}}},
    {"epochs",
     {{"t_start_s", "s", "start of the epoch, from the recording's start", PT_COL_F64},
      {"enmo_mg", "mg", "mean Euclidean norm minus one g, negatives set to zero", PT_COL_F64},
      {"mad_mg", "mg", "mean amplitude deviation of the acceleration magnitude", PT_COL_F64},
      {"cadence_spm", "steps/min", "step rate when the epoch shows rhythmic gait", PT_COL_F64},
      {"hr_bpm", "bpm",
       "mean reliable heart rate over the epoch (attribute source: ecg, device, ibi or ppg); NaN "
       "in "
       "non-wear",
       PT_COL_F64},
      {"hrr_pct", "%", "heart rate reserve used: 100 (HR - HRrest) / (HRmax - HRrest)", PT_COL_F64},
      {"walking", "1",
       "1 when the epoch is rhythmic gait at walking cadence, 0 when not, NaN when unknown",
       PT_COL_F64},
      {"class", "1",
       "intensity class: unknown=-1 nonwear=0 sedentary=1 light=2 moderate=3 vigorous=4",
       PT_COL_CLASS},
      {"t_unix_s", "s",
       "start of the epoch as Unix time (UTC); NaN when the recording has no absolute start",
       PT_COL_F64},
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
      {"valid_day", "1",
       "1 when wear_minutes >= min_wear_h (default 10 h, GGIR); 0 = too little wear, not a rest "
       "day",
       PT_COL_U8},
      {"hr_minutes", "min", "minutes of wear with a reliable heart rate (source: /epochs/hr_bpm)",
       PT_COL_F64},
      {"moderate_walking_minutes", "min", "minutes of walking classed moderate or vigorous",
       PT_COL_F64},
      {"longest_easy_minutes", "min",
       "longest continuous light/moderate stretch (gaps up to 60 s bridged) or bout", PT_COL_F64},
      {"hrr60_bpm", "bpm", "mean heart rate recovery in 60 s of the day's recoveries", PT_COL_F64},
      {"n_recovery", "1", "number of recoveries behind hrr60_bpm", PT_COL_F64},
      {0}}},
};

#define NTABLES (sizeof schema1 / sizeof schema1[0])

struct pt_summary {
    pt_table tables[NTABLES];
    pt_recording_info rec;
    pt_scratch scratch;
    char notes[1024];
    char source_sha256[65]; /* "" until the runner hashed the source */
    char subject_id[64];
    char *parameters; /* JSON, NULL = none */
};

pt_summary *pt_summary_create(const pt_scratch *sc, pt_error *err)
{
    pt_summary *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "out of memory for a summary");
        return NULL;
    }
    s->scratch = sc ? *sc : pt_scratch_defaults();
    for (size_t i = 0; i < NTABLES; i++) {
        pt_table *t = &s->tables[i];
        t->name = schema1[i].name;
        for (size_t c = 0; c < MAX_COLS && schema1[i].cols[c].name; c++) {
            t->col[t->ncols].sc = &s->scratch;
            t->def[t->ncols++] = schema1[i].cols[c];
        }
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
    free(s->parameters);
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

size_t pt_summary_ntables(const pt_summary *s)
{
    return s ? NTABLES : 0;
}
const pt_table *pt_summary_table_at(const pt_summary *s, size_t i)
{
    return i < NTABLES ? &s->tables[i] : NULL;
}
const pt_recording_info *pt_summary_recording(const pt_summary *s)
{
    return &s->rec;
}
void pt_summary_set_source_sha256(pt_summary *s, const char hex[65])
{
    snprintf(s->source_sha256, sizeof s->source_sha256, "%s", hex);
}
const char *pt_summary_source_sha256(const pt_summary *s)
{
    return s->source_sha256;
}
const char *pt_summary_notes(const pt_summary *s)
{
    return s->notes;
}
const pt_scratch *pt_summary_scratch(const pt_summary *s)
{
    return &s->scratch;
}
const char *pt_summary_subject_id(const pt_summary *s)
{
    return s->subject_id;
}
const char *pt_summary_parameters(const pt_summary *s)
{
    return s->parameters ? s->parameters : "";
}

int pt_summary_set_run(pt_summary *s, const char *subject_id, const char *parameters_json,
                       pt_error *err)
{
    snprintf(s->subject_id, sizeof s->subject_id, "%s", subject_id ? subject_id : "");
    char *copy = NULL;
    if (parameters_json) {
        size_t n = strlen(parameters_json);
        if (!(copy = malloc(n + 1)))
            return pt_error_set(err, PT_ENOMEM, "out of memory for the parameters of a summary");
        memcpy(copy, parameters_json, n + 1);
    }
    free(s->parameters);
    s->parameters = copy;
    return PT_OK;
}

void pt_summary_set_recording(pt_summary *s, const pt_recording_info *info)
{
    s->rec = *info;
}

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
