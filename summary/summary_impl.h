/* SPDX-License-Identifier: GPL-2.0-or-later
 * summary_impl.h — the writer's side of a summary, for the pipeline's stages and the
 * summary reader only: these calls keep every table's columns of equal length as long as
 * rows are appended whole and columns only rewritten in place. */
#ifndef PT_SUMMARY_IMPL_H
#define PT_SUMMARY_IMPL_H

#include "core/spill.h"
#include "pulsetrain/summary.h"

/* An empty summary with every table of schema 1, its long tables spilling as sc says
 * (copied; NULL = pt_scratch_defaults()). NULL (and *err) when out of memory. */
pt_summary *pt_summary_create(const pt_scratch *sc, pt_error *err);
/* The summary's scratch settings, for the stages' own long arrays. */
const pt_scratch *pt_summary_scratch(const pt_summary *s);
pt_table *pt_summary_table(pt_summary *s, const char *name);
void pt_summary_note(pt_summary *s, const char *fmt, ...) PT_PRINTF(2, 3);
/* Append one row (values in column order, [size: ncols]). */
int pt_table_append(pt_table *t, const double *row, pt_error *err);
/* Writable column (for stages that fill columns after the rows exist). */
double *pt_table_column_mut(pt_table *t, const char *name);
/* Name the source of a heart-rate column ("ppg", "device", "ibi", "ecg"; a static string),
 * written as its attribute `source`. PT_EINVAL when there is no such column. */
int pt_table_set_colsource(pt_table *t, const char *name, const char *source);
/* Keep only the first nrows rows (after compacting the columns in place). */
void pt_table_shrink(pt_table *t, size_t nrows);
/* Set (or replace) a numeric table attribute; at most 16 per table. */
int pt_table_set_attr(pt_table *t, const char *name, double value, pt_error *err);

/* Set the recording description. */
void pt_summary_set_recording(pt_summary *s, const pt_recording_info *info);
/* Subject id and the run's parameters as JSON text (copied). PT_ENOMEM when out of memory. */
int pt_summary_set_run(pt_summary *s, const char *subject_id, const char *parameters_json,
                       pt_error *err);
/* The source's SHA-256 (hex) when the runner computed it already, else "": the summary
 * writer hashes the source itself then. */
void pt_summary_set_source_sha256(pt_summary *s, const char hex[65]);
const char *pt_summary_source_sha256(const pt_summary *s);

/* In a long pass over a table, release its pages every PT_RELEASE_ROWS rows. */
#define PT_RELEASE_EVERY(i, t)                                                                     \
    do {                                                                                           \
        if (((i) + 1) % PT_RELEASE_ROWS == 0)                                                      \
            pt_table_release(t);                                                                   \
    } while (0)

#endif
