/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/pipeline.h — parameters, the summary tables (HDF5 schema 1) and
 * the runner that takes a recording through every stage.
 *
 *   pt_params p = pt_params_defaults();
 *   pt_summary *s = NULL;
 *   int rc = pt_process_file("rec.csv", NULL, &p, "rec.h5", &s, &err);
 *   ... pt_summary_table(s, "hr") ...
 *   pt_summary_destroy(s);
 *
 * Threads: one recording per thread; nothing is shared between runs. */
#ifndef PULSETRAIN_PIPELINE_H
#define PULSETRAIN_PIPELINE_H

#include <stddef.h>

#include "pulsetrain/error.h"
#include "pulsetrain/io.h"

/* Epoch classes, stored as an HDF5 enum in /epochs/class and /bouts/class. */
typedef enum pt_class {
    PT_CLASS_NONWEAR = 0,
    PT_CLASS_SEDENTARY = 1,
    PT_CLASS_LIGHT = 2,
    PT_CLASS_MODERATE = 3,
    PT_CLASS_VIGOROUS = 4
} pt_class;
#define PT_NCLASS 5
PT_API const char *pt_class_name(int cls); /* "nonwear", ..., "vigorous"; "unknown" */

/* Every setting of a run. Defaults from pt_params_defaults(); NaN where the
 * value is estimated from the recording. Written as JSON into the summary. */
typedef struct pt_params {
    /* subject */
    char subject_id[64];
    double age_y;        /* age [years]; NaN = unknown                          */
    char sex;            /* 'm', 'f' or 0 (unknown)                              */
    double hr_rest_bpm;  /* resting heart rate [bpm]; NaN = estimate            */
    double hr_max_bpm;   /* maximal heart rate [bpm]; NaN = 208 - 0.7 age (Tanaka 2001), 190 without age */
    /* PPG conditioning */
    double ppg_lo_hz, ppg_hi_hz; /* band-pass edges [Hz], default 0.5, 4   */
    int ppg_order;               /* Butterworth order, default 4            */
    /* heart rate */
    double hr_window_s; /* spectral window [s], default 8 */
    double hr_step_s;   /* step between windows [s], default 2 */
    double hr_lo_bpm, hr_hi_bpm; /* search range [bpm], default 40..220 */
    /* motion and intensity */
    double epoch_s;        /* epoch [s], default 5                                   */
    double mad_light_mg;   /* MAD cut-points (Vaha-Ypya 2015): 22.5 / 91 / 414 mg    */
    double mad_moderate_mg;
    double mad_vigorous_mg;
    double enmo_light_mg;  /* ENMO cut-points (GGIR defaults): 40 / 100 / 400 mg     */
    double enmo_moderate_mg;
    double enmo_vigorous_mg;
    double nonwear_window_s;  /* GGIR non-wear rule: window 3600 s                    */
    double nonwear_sd_mg;     /* per-axis SD below this ... (13 mg)                   */
    double nonwear_range_mg;  /* ... and range below this (50 mg), in 2 of 3 axes     */
    /* daily summaries (/daily) */
    char tz[64];          /* local time for days: "UTC" (default), a fixed offset "+02:00",
                           * "-0530" or "+120" (minutes), or an IANA name ("Europe/Berlin")
                           * read from the system zoneinfo (TZif); no setenv/tzset */
    double min_wear_h;    /* a day with less wear is flagged valid_day = 0 [h], default 10 (GGIR) */
    /* calibration, gait, fused intensity, bouts (issue 6) */
    int calibrate;            /* auto-calibrate from still periods (van Hees 2014); default 1 */
    double gait_window_s;     /* spectral window for cadence [s], default 10                 */
    double run_cadence_spm;   /* rhythmic gait at or above this is running, default 140      */
    double hrr_sustain_s;     /* %HRR must hold this long to change a class [s], default 60  */
    double bout_min_s;        /* shortest bout [s], default 60                               */
    double bout_tolerance_s;  /* longest interruption inside a bout [s], default 10          */
    /* heart-rate recovery (issue 6) */
    double recovery_min_exercise_s; /* high intensity at least this long before an end [s], 120 */
    double recovery_rest_s;   /* rest needed after the end [s], default 60                   */
    double recovery_fit_s;    /* length of the mono-exponential fit [s], default 300         */
    size_t n_exercise_end;    /* ends of exercise given by the user (--exercise-end), 0..32  */
    double exercise_end_s[32]; /* [s from the recording's start], used instead of detection  */
} pt_params;

PT_API pt_params pt_params_defaults(void);

/* Check ranges; PT_EINVAL naming the parameter. */
PT_API int pt_params_check(const pt_params *p, pt_error *err);

/* Every parameter as one JSON object into buf[len]; returns the length it
 * needs (like snprintf). */
PT_API size_t pt_params_json(const pt_params *p, char *buf, size_t len);

/* ---- summary tables ---- */

typedef enum pt_coltype {
    PT_COL_F64 = 0, /* float64                                  */
    PT_COL_CLASS,   /* pt_class, written as an HDF5 enum (int8) */
    PT_COL_U8,      /* 0/1 flags, written as uint8              */
    PT_COL_DATE     /* Unix seconds of a day's start, written as "YYYY-MM-DD" */
} pt_coltype;

typedef struct pt_table pt_table;

PT_API size_t pt_table_nrows(const pt_table *t);
PT_API size_t pt_table_ncols(const pt_table *t);
PT_API const char *pt_table_name(const pt_table *t);
PT_API const char *pt_table_colname(const pt_table *t, size_t col);
PT_API const char *pt_table_colunits(const pt_table *t, size_t col);
PT_API const char *pt_table_coldesc(const pt_table *t, size_t col);
PT_API pt_coltype pt_table_coltype(const pt_table *t, size_t col);
/* Column by name, NULL when there is none; values as double [size: nrows]. */
PT_API const double *pt_table_column(const pt_table *t, const char *name);
/* Column index by name, or -1. */
PT_API int pt_table_colindex(const pt_table *t, const char *name);
/* Append one row (values in column order, [size: ncols]). */
PT_API int pt_table_append(pt_table *t, const double *row, pt_error *err);
/* Writable column (for stages that fill columns after the rows exist). */
PT_API double *pt_table_column_mut(pt_table *t, const char *name);
/* A long table's columns live in unlinked scratch files ($TMPDIR, else /tmp), and only
 * the pages read or written since the last release stay in memory. This drops them; the
 * values stay and come back when read. Column pointers stay valid until the next append. */
PT_API void pt_table_release(const pt_table *t);

typedef struct pt_summary pt_summary;

/* Tables of schema 1: "hr", "beats", "epochs", "bouts", "recovery", "daily". */
PT_API pt_summary *pt_summary_create(pt_error *err);
PT_API void pt_summary_destroy(pt_summary *s); /* NULL is a harmless no-op */
PT_API pt_table *pt_summary_table(pt_summary *s, const char *name);
PT_API const pt_table *pt_summary_table_const(const pt_summary *s, const char *name);
PT_API size_t pt_summary_ntables(const pt_summary *s);
PT_API const pt_table *pt_summary_table_at(const pt_summary *s, size_t i);
/* Recording description and run facts kept with the summary. */
PT_API const pt_recording_info *pt_summary_recording(const pt_summary *s);
/* Notes the stages left ("no PPG: heart rate not computed"), "; "-separated. */
PT_API const char *pt_summary_notes(const pt_summary *s);
PT_API void pt_summary_note(pt_summary *s, const char *fmt, ...) PT_PRINTF(2, 3);
/* pt_table_release on every table. */
PT_API void pt_summary_release(const pt_summary *s);

/* ---- runner ---- */

/* Read `in` block by block through every stage and, when out_h5 is not NULL,
 * write the HDF5 summary (schema 1) to a temporary name and rename it into
 * place. *out (optional) receives the summary, to be freed with
 * pt_summary_destroy. The samples are read block by block, and long tables and the state
 * of the end-of-recording passes live in unlinked scratch files ($TMPDIR, else /tmp) of
 * which only the pages in use stay in memory: peak memory does not grow with the
 * recording's length (36-37 MB from 1 h to 7 days, docs/benchmarks.md).
 * Returns PT_OK; PT_EINVAL (bad parameters); PT_EFORMAT / PT_EDATA /
 * PT_EUNSUPPORTED for a recording that cannot be read or used (a missing or
 * unreadable file included); PT_EIO only when the summary cannot be written. */
PT_API int pt_process_file(const char *in, const pt_read_options *ropt, const pt_params *p,
                           const char *out_h5, pt_summary **out, pt_error *err);

/* As pt_process_file, with the heart-rate stage (most of the CPU time) on a second thread
 * when threads >= 2: the reader and the other stages run a block ahead on the calling
 * thread. The summary is identical to the one-thread run. pt_process_file uses 1. */
PT_API int pt_process_file_mt(const char *in, const pt_read_options *ropt, const pt_params *p,
                              const char *out_h5, int threads, pt_summary **out, pt_error *err);

/* Write a summary as HDF5 schema 1 (temporary name, fsync, rename). */
PT_API int pt_summary_write_h5(const pt_summary *s, const pt_params *p, const char *path,
                               pt_error *err);

/* Root attributes of a summary file (besides the recording description). */
typedef struct pt_summary_meta {
    int schema_version;
    char pulsetrain_version[32];
    char subject_id[64];
    char source_sha256[65];
    char parameters[4096]; /* JSON */
} pt_summary_meta;

/* Read a summary written by pt_summary_write_h5 back into memory. meta may be
 * NULL. PT_EFORMAT when the file is HDF5 but not a pulsetrain summary. */
PT_API pt_summary *pt_summary_read_h5(const char *path, pt_summary_meta *meta, pt_error *err);

/* 1 when path is an HDF5 file (by its signature), else 0. */
PT_API int pt_is_hdf5(const char *path);

/* Library version, "MAJOR.MINOR.PATCH". */
PT_API const char *pt_version(void);

#endif
