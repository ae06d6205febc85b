/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/load.h — training load over days: TRIMP, fitness/fatigue/form
 * (CTL/ATL/TSB as GoldenCheetah's Performance Manager), ACWR (EWMA, Williams
 * 2017), Foster monotony and strain, movement streaks, weekly adherence and
 * the heart-rate-recovery trend.
 *
 * Two layers:
 *   - pure functions over one subject's daily series (consecutive calendar
 *     days, NaN = missing day) — no allocation, no I/O;
 *   - pt_load, an object that collects /daily tables from summaries (any
 *     number of subjects and days), computes every series per subject and
 *     writes LOAD.h5 (and a CSV).
 *
 *   pt_load_config cfg = pt_load_defaults();
 *   pt_load *ld = pt_load_create(&cfg, &err);
 *   pt_load_add_file(ld, "day1.h5", &err); ...
 *   pt_load_compute(ld, &err);
 *   pt_load_write_h5(ld, "load.h5", &err);
 *   pt_load_destroy(ld);
 *
 * Missing days are missing: a day without data, or flagged valid_day = 0
 * (too little wear), has NaN load and NaN model values, and the exponential
 * averages carry their state across it unchanged (the day is skipped, not
 * counted as rest). PT_MISSING_ZERO restores GoldenCheetah's behaviour
 * (a day without a workout has zero stress).
 *
 * Threads: the pure functions are reentrant; a pt_load is used by one thread
 * at a time; HDF5 calls run under the library's I/O lock. */
#ifndef PULSETRAIN_LOAD_H
#define PULSETRAIN_LOAD_H

#include <stddef.h>

#include "pulsetrain/error.h"
#include "pulsetrain/summary.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- pure series functions: x[n] is one value per calendar day ---- */

typedef enum pt_missing {
    PT_MISSING_SKIP = 0, /* missing day: outputs NaN, model state carried unchanged (default) */
    PT_MISSING_ZERO      /* missing day counts as zero load (GoldenCheetah)                   */
} pt_missing;

/* Performance Manager Chart, exactly as GoldenCheetah's PMCData::refresh():
 *   lte = e^{-1/ctl_days}, ste = e^{-1/atl_days}
 *   CTL_d = load_d (1 - lte) + CTL_{d-1} lte,   ATL_d = load_d (1 - ste) + ATL_{d-1} ste
 *   TSB_d = CTL_{d-1} - ATL_{d-1}  (sb_today = 0, GoldenCheetah's default: the
 *           balance a day starts with), or CTL_d - ATL_d (sb_today = 1).
 * State before day 0 is ctl0/atl0 (GoldenCheetah: 0, or the season's seed).
 *   load     : daily load [AU], NaN = missing   [size: n]
 *   ctl_days : long-term time constant [days], > 0 (default 42)
 *   atl_days : short-term time constant [days], > 0 (default 7)
 *   ctl, atl, tsb : out [size: n]; NaN on missing days under PT_MISSING_SKIP
 * Returns PT_OK or PT_EINVAL. */
PT_API int pt_pmc(const double *load, size_t n, double ctl_days, double atl_days, double ctl0,
                  double atl0, int sb_today, pt_missing miss, double *ctl, double *atl,
                  double *tsb);

/* ACWR from exponentially weighted moving averages (Williams et al. 2017):
 *   EWMA_d = load_d lambda + (1 - lambda) EWMA_{d-1},  lambda = 2 / (N + 1)
 * with N = acute_days (7) and chronic_days (28); both start at the first
 * non-missing day's load. acwr_d = acute_d / chronic_d, NaN during the first
 * `warmup_days` days after that first day (default 28) and when chronic is 0.
 *   acute, chronic, acwr : out [size: n]
 * Returns PT_OK or PT_EINVAL. */
PT_API int pt_acwr_ewma(const double *load, size_t n, double acute_days, double chronic_days,
                        size_t warmup_days, pt_missing miss, double *acute, double *chronic,
                        double *acwr);

/* Foster (1998) monotony and strain over the `window` days ending on each day
 * (default 7): monotony = mean / SD (sample SD, n - 1) of the daily loads,
 * week_load = window * mean, strain = week_load * monotony. Needs at least
 * min_days non-missing days in the window (default 7), else NaN; NaN when
 * SD = 0. Outputs may be NULL.  [size: n] each. */
PT_API int pt_foster(const double *load, size_t n, size_t window, size_t min_days, double *monotony,
                     double *strain, double *week_load);

/* Movement streak: on each day, the number of consecutive days up to and
 * including it with minutes[d] >= min_minutes; 0 on a day below it. A missing
 * day (NaN) gets NaN and neither breaks nor extends the streak.  [size: n] */
PT_API void pt_streak(const double *minutes, size_t n, double min_minutes, double *streak);

/* Least-squares slope of y on x over the finite pairs; NaN with fewer than
 * min_points.  [size: n] each. */
PT_API double pt_slope(const double *x, const double *y, size_t n, size_t min_points);

/* ---- the load object ---- */

typedef enum pt_load_metric {
    PT_LOAD_BANISTER = 0, /* Banister TRIMP (default)                  */
    PT_LOAD_EDWARDS,      /* Edwards TRIMP                             */
    PT_LOAD_ACCEL         /* accelerometer load only (class minutes)   */
} pt_load_metric;

typedef struct pt_load_config {
    pt_load_metric metric;       /* daily load; days whose heart rate covers less than
                             * hr_cover of the wear time use accelerometer load */
    double hr_cover;             /* default 0.5                                            */
    double ctl_days;             /* 42 (GoldenCheetah LTS default)                         */
    double atl_days;             /* 7  (GoldenCheetah STS default)                         */
    double ctl0, atl0;           /* starting values, default 0                             */
    int sb_today;                /* 0 (GoldenCheetah default): TSB_d = CTL_{d-1} - ATL_{d-1} */
    double acwr_acute_days;      /* 7  (Williams 2017)                                     */
    double acwr_chronic_days;    /* 28                                                  */
    size_t acwr_warmup_days;     /* 28                                                  */
    size_t foster_days;          /* 7 (Foster 1998)                                     */
    size_t foster_min_days;      /* 7                                                   */
    pt_missing missing;          /* PT_MISSING_SKIP                                     */
    double min_wear_h;           /* valid day after merging files [h], 10 (GGIR)        */
    double streak_min_minutes;   /* moderate walking per day for the streak, 10 min    */
    double walk_target_minutes;  /* daily walking target, 60 min                      */
    double easy_session_minutes; /* one longer easy session a week, >= 25 min        */
    size_t trend_min_weeks, trend_max_weeks; /* HRR60 slope over the last 4..8 weeks */
} pt_load_config;

PT_API pt_load_config pt_load_defaults(void);

/* Accelerometer-based load of a day from its class minutes: each class's
 * minutes times the load one minute at the middle of its ACSM band would get:
 * Banister at HRR fraction 0.35 / 0.50 / 0.75 (light 30-39 %, moderate 40-59 %,
 * vigorous 60-89 % HRR), Edwards 1.5 / 2.5 / 4 (ACSM %HRmax bands 57-63,
 * 64-76, 77-95 % spread over Edwards' zones). female: 1 for the women's
 * Banister constants. */
PT_API double pt_load_accel(double min_light, double min_moderate, double min_vigorous,
                            pt_load_metric metric, int female);

typedef struct pt_load pt_load;

/* Create an empty model; cfg may be NULL (defaults). Free with pt_load_destroy. */
PT_API pt_load *pt_load_create(const pt_load_config *cfg, pt_error *err);
PT_API void pt_load_destroy(pt_load *ld); /* NULL is a harmless no-op */

/* Add one summary's /daily (and subject) to the model. subject_id "" groups
 * under "unknown"; sex 'm', 'f' or 0; label names the source in messages.
 * Days of the same subject from several summaries are merged (minutes,
 * steps and TRIMP add up; validity is re-judged on the merged wear).
 * Copies everything. */
PT_API int pt_load_add_summary(pt_load *ld, const pt_summary *s, const char *subject_id, char sex,
                               const char *label, pt_error *err);
/* pt_summary_read_h5 + pt_load_add_summary with the file's subject_id and sex.
 * A file already added (same source_sha256 and subject) is skipped with a note. */
PT_API int pt_load_add_file(pt_load *ld, const char *path, pt_error *err);

/* Like pt_load_add_file, and path may also be a batch index (batch.h5: the summaries it
 * lists as ok or skipped, relative to its folder) or a folder (every summary *.h5 in it;
 * batch indexes and load files there are not summaries and are passed over). *n_added
 * (may be NULL) says how many summaries were added. A summary that cannot be read stops
 * with its error, naming it. */
PT_API int pt_load_add_path(pt_load *ld, const char *path, size_t *n_added, pt_error *err);

/* Compute every series. PT_EDATA when no day was added, or when two summaries of one subject
 * cannot be merged: one has no absolute start (days would collide on 1970-01-01) or their
 * recordings overlap in time; the message names both files and says to use process --start.
 * (Summaries that describe no recording, built in memory without one, are not checked.) */
PT_API int pt_load_compute(pt_load *ld, pt_error *err);

/* Results. Tables: "daily" (one row per subject and calendar day from the
 * subject's first to last day), "weekly" (ISO weeks, Monday first), "subjects".
 * Columns by name as double (dates as Unix seconds of the local day's start,
 * subject as an index into pt_load_subject). NULL when there is none. */
PT_API size_t pt_load_nrows(const pt_load *ld, const char *table);
PT_API const double *pt_load_column(const pt_load *ld, const char *table, const char *column);
PT_API size_t pt_load_ncols(const pt_load *ld, const char *table);
PT_API const char *pt_load_colname(const pt_load *ld, const char *table, size_t col);
PT_API const char *pt_load_colunits(const pt_load *ld, const char *table, size_t col);
PT_API size_t pt_load_nsubjects(const pt_load *ld);
PT_API const char *pt_load_subject(const pt_load *ld, size_t i);
/* Notes ("; "-separated): skipped duplicates, days counted from the start. */
PT_API const char *pt_load_notes(const pt_load *ld);

/* Write LOAD.h5: /daily, /weekly, /subjects (columnar, units and description
 * on every dataset, as the summary schema), root attributes kind = "load",
 * load_schema_version = 1, pulsetrain_version, parameters (JSON), sources,
 * notes. Temporary name, fsync, rename. */
PT_API int pt_load_write_h5(const pt_load *ld, const char *path, pt_error *err);
/* The daily table as CSV (header row, subject and ISO date first, NaN empty). */
PT_API int pt_load_write_csv(const pt_load *ld, const char *path, pt_error *err);
/* The settings of the model (for a file read back: those it was computed with). */
PT_API const pt_load_config *pt_load_settings(const pt_load *ld);
/* Read a LOAD.h5 back (for reports). PT_EFORMAT when it is not one. */
PT_API pt_load *pt_load_read_h5(const char *path, pt_error *err);

#ifdef __cplusplus
}
#endif

#endif
