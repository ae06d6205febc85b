/* SPDX-License-Identifier: GPL-2.0-or-later
 * scan.h — the files of a study folder: which are recordings, which are not (and why),
 * and which are the batch's own outputs (never listed). Internal to batch/. */
#ifndef PT_BATCH_SCAN_H
#define PT_BATCH_SCAN_H

#include <stddef.h>

#include "pulsetrain/batch.h"
#include "pulsetrain/io.h"

/* Called for every file listed, in order of path (strcmp): reason NULL for a recording,
 * else why it is not one. Returns PT_OK or an error that stops the scan. */
typedef int (*pt_scan_add_fn)(void *user, const char *path, const char *reason, pt_error *err);

/* Walk root (recursively unless scan->no_recursion), handing every candidate to add.
 * outdir: the batch's output folder; its files are never listed (nor a folder that is
 * it). ro: the read options (acc_units and fs_hz decide what a CSV header needs; h5_*
 * make HDF5 files recordings). n_filtered (may be NULL) counts the files left out by
 * --include/--exclude. */
int pt_batch_scan(const char *root, const char *outdir, const pt_read_options *ro,
                  const pt_batch_scan_options *scan, pt_scan_add_fn add, void *user,
                  size_t *n_filtered, pt_error *err);

/* 1 when name (a file name in OUTDIR) is one of the batch's own outputs: batch.h5,
 * batch.journal*.tsv, recordings.csv, days.csv, a temporary *.tmp.<pid>. */
int pt_batch_own_output(const char *name);

#endif
