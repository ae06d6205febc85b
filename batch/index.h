/* SPDX-License-Identifier: GPL-2.0-or-later
 * index.h — the batch index (OUTDIR/batch.h5) and the cohort tables (recordings.csv,
 * days.csv), written from rows that a batch run or the journals (collate) give. Internal
 * to batch/. */
#ifndef PT_BATCH_INDEX_H
#define PT_BATCH_INDEX_H

#include <stddef.h>

#include "pulsetrain/batch.h"

/* One file of the batch, as its journal line says (strings owned by the row). */
typedef struct pt_index_row {
    char *path, *name, *subject_id, *status, *error;
    char time_utc[32];
    double error_code, wall_s, bytes;
} pt_index_row;

/* Set a row's string fields (copies; tabs and newlines become spaces, as in the journal).
 * Returns PT_OK or PT_ENOMEM. */
int pt_index_row_set(pt_index_row *r, const char *path, const char *name, const char *subject_id,
                     const char *status, const char *error);
void pt_index_rows_free(pt_index_row *rows, size_t n);

/* wall_s as the journal writes it (to the millisecond), so that an index built by a run
 * and one collated from its journal hold the same number. */
double pt_index_round_ms(double s);

/* Sort rows by path, read the summaries of the ok and kept rows (OUTDIR/<name>.h5; one
 * that cannot be read makes its row failed) and write OUTDIR/batch.h5, recordings.csv and
 * days.csv. input and params_json go to the root attributes ("" when unknown). missing
 * hears of every failed row; counts (may be NULL) gets the statuses. */
int pt_index_write(const char *outdir, pt_index_row *rows, size_t n, const char *input,
                   const char *params_json, pt_batch_missing_fn missing, void *user,
                   pt_batch_collate_counts *counts, pt_error *err);

#endif
