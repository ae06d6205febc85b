/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/summary.h — the result of a run: columnar tables (HDF5 schema 1, DESIGN.md)
 * and the summary that holds them, with its HDF5 form.
 *
 *   pt_summary *s = pt_summary_read_h5("rec.h5", NULL, &err);   (or from pt_process_file)
 *   const pt_table *hr = pt_summary_table_const(s, "hr");
 *   const double *bpm = pt_table_column(hr, "bpm");            [size: pt_table_nrows(hr)]
 *   pt_summary_destroy(s);
 *
 * A summary is read-only to its users: only the pipeline's stages fill it (internal
 * header summary/summary_impl.h), so every table keeps equal-length columns.
 * Threads: one summary per thread at a time; distinct summaries share nothing. */
#ifndef PULSETRAIN_SUMMARY_H
#define PULSETRAIN_SUMMARY_H

#include <stddef.h>

#include "pulsetrain/error.h"
#include "pulsetrain/io.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/* ---- tables ---- */

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
/* Where a heart-rate column's values came from ("ppg", "device", "ibi", "ecg"), else NULL. */
PT_API const char *pt_table_colsource(const pt_table *t, size_t col);
/* The rule that chose a heart-rate source (the columns' attribute source_rule), or NULL. */
PT_API const char *pt_hr_source_rule(const char *source);
PT_API pt_coltype pt_table_coltype(const pt_table *t, size_t col);
/* Column by name, NULL when there is none; values as double [size: nrows]. */
PT_API const double *pt_table_column(const pt_table *t, const char *name);
/* Column index by name, or -1. */
PT_API int pt_table_colindex(const pt_table *t, const char *name);
/* Numeric attributes of the table ("window_s" of /hr, "epoch_s" of /epochs): the count,
 * and the name and value of attribute i (NULL / NaN when i is out of range). */
PT_API size_t pt_table_nattrs(const pt_table *t);
PT_API const char *pt_table_attr_name(const pt_table *t, size_t i);
PT_API double pt_table_attr(const pt_table *t, size_t i);
/* A long table's columns live in unlinked scratch files and only the pages read since the
 * last release stay in memory. This drops them (a hint for long passes over a table: the
 * values stay and come back when read). Column pointers stay valid. */
PT_API void pt_table_release(const pt_table *t);

typedef struct pt_summary pt_summary;

/* Tables of schema 1: "hr", "beats", "epochs", "bouts", "recovery", "daily". */
PT_API void pt_summary_destroy(pt_summary *s); /* NULL is a harmless no-op */
PT_API const pt_table *pt_summary_table_const(const pt_summary *s, const char *name);
PT_API size_t pt_summary_ntables(const pt_summary *s);
PT_API const pt_table *pt_summary_table_at(const pt_summary *s, size_t i);
/* Recording description kept with the summary. */
PT_API const pt_recording_info *pt_summary_recording(const pt_summary *s);
/* Notes the stages left ("no PPG: heart rate not computed"), "; "-separated. */
PT_API const char *pt_summary_notes(const pt_summary *s);
/* Subject id and every setting of the run as one JSON object ("" when unknown). */
PT_API const char *pt_summary_subject_id(const pt_summary *s);
PT_API const char *pt_summary_parameters(const pt_summary *s);
/* pt_table_release on every table. */
PT_API void pt_summary_release(const pt_summary *s);

/* ---- HDF5 form ---- */

/* Write a summary as HDF5 schema 1 (temporary name, fsync, rename): root attributes,
 * /channels and every table. Returns PT_OK, PT_EIO (path named) or PT_ENOMEM. */
PT_API int pt_summary_write_h5(const pt_summary *s, const char *path, pt_error *err);

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

/* Every table as DIR/<table>.csv (hr, beats, epochs, bouts, recovery, daily): one header
 * row whose column names end in their units (pt_export_colname), one row per table row;
 * classes as names, dates as YYYY-MM-DD, missing values as empty cells. Each file is
 * written to a temporary name and renamed. n_files (may be NULL) counts the files. DIR
 * must exist. PT_OK, or PT_EIO naming the file. */
PT_API int pt_summary_export_csv(const pt_summary *s, const char *dir, size_t *n_files,
                                 pt_error *err);
/* A column's name with its units appended when the name does not already end in them
 * ("trimp_banister", "AU" -> "trimp_banister_au"; "hr_bpm", "bpm" -> "hr_bpm";
 * "cadence_spm", "steps/min" -> "cadence_spm"; "class", "1" -> "class"). */
PT_API void pt_export_colname(const char *name, const char *units, char *out, size_t len);

/* 1 when path is an HDF5 file (by its signature), else 0. */
PT_API int pt_is_hdf5(const char *path);

#ifdef __cplusplus
}
#endif

#endif
