/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/batch.h — many recordings through pt_process_file on a pool of
 * worker threads, with an index of every recording (OUTDIR/batch.h5) and
 * resumption after an interrupted run.
 *
 *   pt_params p = pt_params_defaults();
 *   pt_batch *b = pt_batch_create("cohort/", "out/", &p, NULL, &err);
 *   pt_batch_options o = pt_batch_defaults();     o.nworkers = 4; o.resume = 1;
 *   int rc = pt_batch_run(b, &o, &err);           // PT_OK, or PT_EDATA when some failed
 *   ... pt_batch_count(b), pt_batch_result_at(b, i) ...
 *   pt_batch_destroy(b);
 *
 * Output: OUTDIR/<name>.h5 per recording, each written by pt_process_file to
 * a temporary name and renamed, so a summary is either complete or absent.
 * The summaries are the journal: each one carries the SHA-256 of its source
 * and the JSON of its parameters, so after a crash (kill -9 included) a run
 * with resume = 1 keeps exactly the summaries that still match and redoes the
 * rest. OUTDIR/batch.h5 (the index) is rewritten the same way at the end;
 * meanwhile OUTDIR/batch.journal.tsv gets one line per finished recording
 * (time_utc, status, name, path, wall_s, error), flushed and fsync'd, so that
 * what happened before a crash, failures included, stays readable.
 *
 * Results are identical to `pulsetrain process` run on each recording in
 * turn, whatever the number of workers: recordings share nothing.
 * Threads: one pt_batch is driven by one thread; pt_batch_run starts and
 * joins its workers. The progress callback runs on a worker thread, one call
 * at a time (under the batch's own mutex). */
#ifndef PULSETRAIN_BATCH_H
#define PULSETRAIN_BATCH_H

#include <signal.h> /* sig_atomic_t */
#include <stddef.h>
#include <stdio.h>

#include "pulsetrain/error.h"
#include "pulsetrain/io.h"
#include "pulsetrain/pipeline.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pt_batch pt_batch;

/* What batch lists in a folder (NULL = the defaults: every file, subfolders included). */
typedef struct pt_batch_scan_options {
    const char *const *include; /* fnmatch(3) globs on the path relative to the folder
                                 * ('*' also matches '/': "*.csv", "P0[1-4]/ *"); a file
                                 * is listed when it matches one; none = every file     */
    size_t n_include;
    const char *const *exclude; /* a file or subfolder matching one is left out        */
    size_t n_exclude;
    int no_recursion; /* 1: only the folder's own files                       */
    int subject_from; /* a recording without a subject id (none in base or the
                                 * manifest) gets: 0 none; PT_BATCH_SUBJECT_NAME its
                                 * name; PT_BATCH_SUBJECT_FOLDER the name of the folder
                                 * holding it (one folder per participant)             */
} pt_batch_scan_options;
#define PT_BATCH_SUBJECT_NAME 1
#define PT_BATCH_SUBJECT_FOLDER 2

/* List the recordings of `input` and prepare their parameters.
 *   input  : a directory, scanned recursively (sorted by path) -- or a manifest CSV with
 *            a header row and the columns path (required; relative to the manifest's
 *            folder), subject_id, age, sex, hr_rest, hr_max, tz, start_time (optional;
 *            empty = the value of base / ropt).
 *            In a folder, a recording is whatever a reader recognises (E4 zips and
 *            folders, WFDB headers, EDF, audio, CWA, ...), a file named like one (.edf
 *            .bdf .hea .wav .flac .ogg .aif .aiff .cwa: a broken one then fails with its
 *            reason), and a CSV/TSV/TXT whose header row names a signal column (ppg,
 *            acc_x_g, ecg, hr_bpm, ...) and a time column (or ropt->fs_hz). Every other
 *            file is listed as not a recording (PT_BATCH_NOT_RECORDING, the reason in
 *            error.msg): truth, label and manifest CSVs, README and notes, data files of a
 *            WFDB record, HDF5 files (recordings only with ropt->h5_*), formats no reader
 *            knows. Never listed: hidden files, OUTDIR (when inside input) and, in OUTDIR,
 *            the batch's own files (batch.h5, batch.journal*.tsv, recordings.csv,
 *            days.csv, *.h5 summaries, *.tmp.* temporaries), and what scan filters out.
 *   outdir : created if missing (one level).
 *   base   : parameters every recording starts from (NULL = defaults), the subject's
 *            included (subject_id, age, sex, hr_rest, hr_max: batch --age ...); a
 *            manifest's values override them per recording.
 *   ropt   : read options for every recording (NULL = defaults), strings included (one
 *            channel map for a cohort of same-device files; start = --start for every
 *            file, a manifest's start_time overrides it); copied.
 *   scan   : folder filters (NULL = none; ignored for a manifest) and subject_from
 *            (applies to a manifest's rows too).
 * Each recording's summary is OUTDIR/<name>.h5, <name> being the file name
 * without its extension (made unique with -2, -3, ... in listing order).
 * Returns NULL and fills *err: PT_EDATA (input missing or unreadable, no
 * recording found, a manifest value out of range), PT_EFORMAT / PT_EDATA
 * ("manifest.csv:7: ..." for a bad manifest line), PT_EINVAL (base
 * parameters out of range), PT_EIO (outdir cannot be created).
 * Free with pt_batch_destroy. */
PT_API pt_batch *pt_batch_create_ex(const char *input, const char *outdir, const pt_params *base,
                                    const pt_read_options *ropt, const pt_batch_scan_options *scan,
                                    pt_error *err);
/* pt_batch_create_ex without filters. */
PT_API pt_batch *pt_batch_create(const char *input, const char *outdir, const pt_params *base,
                                 const pt_read_options *ropt, pt_error *err);
PT_API void pt_batch_destroy(pt_batch *b); /* NULL is a harmless no-op */

/* Number of files listed (recordings and files that are not recordings). */
PT_API size_t pt_batch_count(const pt_batch *b);

typedef enum pt_batch_state {
    PT_BATCH_PENDING = 0,  /* not run yet                                      */
    PT_BATCH_DONE,         /* processed in this run                            */
    PT_BATCH_SKIPPED,      /* resume: the summary already matched              */
    PT_BATCH_FAILED,       /* error, see code and msg                          */
    PT_BATCH_NOT_RECORDING /* listed, not a recording: error.msg says why      */
} pt_batch_state;

/* What happened to one recording, with key figures from its summary (NaN when
 * not available). */
typedef struct pt_batch_result {
    char path[1024];    /* the source recording                              */
    char name[256];     /* its name in OUTDIR                                */
    char summary[1400]; /* OUTDIR/<name>.h5 ("" when failed)                 */
    char subject_id[64];
    pt_batch_state state;
    pt_error error;        /* code and message when failed                      */
    double bytes;          /* size of the source [bytes]                        */
    double duration_s;     /* length of the recording [s]                       */
    double wall_s;         /* time spent on it in this run [s]                  */
    double hr_mean_bpm;    /* mean of /hr/bpm                                   */
    double wear_h;         /* epochs not classed non-wear [h]                   */
    double mvpa_min;       /* moderate + vigorous epochs [min]                  */
    double n_bouts;        /* rows of /bouts                                    */
    double n_recovery;     /* rows of /recovery                                 */
    double hrr60_mean_bpm; /* mean of /recovery/hrr60_bpm                       */
} pt_batch_result;

/* Result i (0 <= i < count); valid until pt_batch_destroy. */
PT_API const pt_batch_result *pt_batch_result_at(const pt_batch *b, size_t i);

/* Progress so far, handed to the callback after every recording. */
typedef struct pt_batch_progress {
    size_t total, done, skipped, failed; /* recordings (total: without the files
                                          * that are not recordings; skipped: kept
                                          * by resume)                              */
    double bytes_total, bytes_done;      /* source sizes, finished ones [bytes]     */
    double bytes_processed;              /* of those processed in this run (not
                                          * skipped, not failed): the rate [bytes]  */
    double signal_s;                     /* signal processed in this run [s]        */
    double elapsed_s;                    /* since pt_batch_run started [s]          */
    const pt_batch_result *last;         /* the recording that just finished; NULL
                                          * in a call made while recordings run     */
    /* The recordings still running (updated after each block they read): */
    double signal_running_s;       /* signal read so far [s]                  */
    double bytes_running;          /* their sizes x the share read, of those
                                          * whose length is known [bytes]           */
    double signal_running_known_s; /* signal read of those same [s]           */
} pt_batch_progress;

typedef void (*pt_batch_progress_fn)(const pt_batch_progress *p, void *user);

typedef struct pt_batch_options {
    int nworkers;                        /* worker threads, >= 1; default 1 (the CLI uses
                                    * the number of cores)                           */
    int resume;                          /* 1: skip recordings whose summary matches     */
    pt_batch_progress_fn progress;       /* optional; called once per recording, and with
                                    * last = NULL after each block a worker reads  */
    void *user;                          /* passed to progress                            */
    const char *scratch_dir;             /* scratch files of long tables (pt_run_options);
                                    * NULL = /tmp (the CLI passes $TMPDIR)          */
    const volatile sig_atomic_t *cancel; /* NULL or a flag a signal handler sets: no
                                    * new recording starts, those running stop before
                                    * writing (left pending for --resume), the index
                                    * is written, PT_ECANCELED                        */
    const char *journal_tag;             /* NULL: OUTDIR/batch.journal.tsv; else
                                          * OUTDIR/batch.journal.<tag>.tsv (one per shard;
                                          * [A-Za-z0-9._-] only)                         */
} pt_batch_options;

PT_API pt_batch_options pt_batch_defaults(void);

/* Process every recording (those still pending), then write the index and the cohort
 * tables (pt_batch_collate below describes them). The journal gets one line per file
 * that is not a recording when the run starts, and one per recording as it finishes.
 * Temporary files left by a killed run (OUTDIR/<name>.h5.tmp.<pid> of a
 * process that no longer exists) are removed first.
 * A recording that fails never stops the others.
 * Returns PT_OK when every recording is done or kept; PT_EDATA when some
 * failed (the batch is partial); PT_EIO when batch.h5 cannot be written;
 * PT_EINVAL for bad options. */
PT_API int pt_batch_run(pt_batch *b, const pt_batch_options *opt, pt_error *err);

/* ---- journal, index and cohort tables ----
 *
 * Journal naming contract (collate and sharded runs rely on it): every run appends to
 * OUTDIR/batch.journal.tsv, or, when several processes share OUTDIR (shards of one
 * batch on a cluster), each to its own OUTDIR/batch.journal.<tag>.tsv (<tag> free, e.g.
 * "3of8": pt_batch_options.journal_tag). A journal is UTF-8, tab-separated, with this
 * header row (columns found by name; older journals lack the last three):
 *   time_utc status name path wall_s error error_code subject_id bytes
 * time_utc: ISO 8601 UTC to the second when the line was written; status: ok (processed),
 * kept (resume: the summary matched), skipped (not a recording; error = why), failed
 * (error, error_code = pt_status); name: the summary's name in OUTDIR without .h5 (""
 * when skipped); path: the input as listed; wall_s: processing time [s]; bytes: size of
 * the source [B]. Tabs and newlines in a field are written as spaces.
 * The index gets one row per path: the line written last (time_utc, then the journal's
 * name, then its line order) wins, so a re-run or a resumed shard replaces older lines.
 *
 * OUTDIR/batch.h5 (the index): root attributes kind ("pulsetrain batch index"),
 * pulsetrain_version, input, parameters, n_ok, n_kept, n_skipped, n_failed; group
 * /recordings, one row per path sorted by path (strcmp); group /days, one row per
 * recording-day (the summaries' /daily rows, same order). OUTDIR/recordings.csv and
 * OUTDIR/days.csv hold the same tables (units in the column names, ISO 8601 dates and
 * times, missing = empty cell; written to a temporary name and renamed). */

/* What pt_batch_collate found. */
typedef struct pt_batch_collate_counts {
    size_t rows, ok, kept, skipped, failed; /* index rows and their status              */
    size_t journals;                        /* journals merged                          */
    size_t unjournaled;                     /* summaries no journal names (added as ok) */
} pt_batch_collate_counts;

/* Called for every recording a journal names that has no finished summary in OUTDIR
 * (failed, or its summary missing or unreadable), with why. */
typedef void (*pt_batch_missing_fn)(const char *path, const char *why, void *user);

/* Rebuild OUTDIR/batch.h5, recordings.csv and days.csv from the journals
 * (every batch.journal.*.tsv and batch.journal.tsv, merged as above) and the summaries (the .h5 files) in OUTDIR: the
 * same rows, in the same order, as the batch that wrote them (shards of one batch
 * collate to the index of one run over all of it). Idempotent. A summary no journal
 * names is added as ok (path = its source_file); a journal's ok or kept recording whose
 * summary is gone becomes failed ("no finished summary"). missing (may be NULL) hears of
 * every failed row. Returns PT_OK, PT_EDATA when OUTDIR holds no journal and no summary
 * (or is not a folder), PT_EIO when the index or tables cannot be written. */
PT_API int pt_batch_collate(const char *outdir, pt_batch_missing_fn missing, void *user,
                            pt_batch_collate_counts *counts, pt_error *err);

/* Print what a batch index holds (for `info`): version, input, counts, the columns of
 * /recordings and /days with their units and rows, every failed file with its error.
 * PT_EFORMAT when path is not a batch index. */
PT_API int pt_batch_index_describe(const char *path, FILE *out, pt_error *err);

/* ---- one part of a cohort on a cluster (a scheduler's job array) ----
 * Each task of the array keeps its part of the listing, writes its summaries and its own
 * journal OUTDIR/batch.journal.K-of-N.tsv (whatever journal_tag says), never another
 * part's files, and neither the index nor the cohort tables. Its journal first lists every
 * recording of the part as failed ("not finished by shard K/N"), replaced line by line as
 * they finish, so a killed task's unfinished recordings stay listed.
 * `pulsetrain collate OUTDIR` (which also names parts that left no journal,
 * pt_batch_parts_missing) builds batch.h5 from the summaries and journals afterwards.
 * The parts are balanced by source size (largest first into the part with the fewest bytes
 * so far) and depend only on the listing, so every task of the array, and a re-run of
 * task K, computes the same parts. Summary names are those of the whole listing.
 * Call after pt_batch_create, before pt_batch_run; 1 <= k <= n (n = 1: the whole batch,
 * as without this call). After it, pt_batch_count and pt_batch_result_at see the part only.
 * Returns PT_OK, PT_EINVAL (k, n out of range), PT_ENOMEM. */
PT_API int pt_batch_shard(pt_batch *b, int k, int n, pt_error *err);

/* Which task of an array job this process is. The library reads no environment: the caller
 * passes its lookup (getenv). Reads Slurm's SLURM_ARRAY_TASK_ID / _MIN / _COUNT / _STEP
 * (k = (ID - MIN) / STEP + 1, n = COUNT), else SGE's SGE_TASK_ID / _FIRST / _LAST /
 * _STEPSIZE (k = (ID - FIRST) / STEPSIZE + 1, n = (LAST - FIRST) / STEPSIZE + 1).
 * PBS names the index (PBS_ARRAY_INDEX, Torque PBS_ARRAYID) but not the number of tasks:
 * PT_EINVAL asking for --shard. No array variable: PT_OK with n = 0. */
typedef char *(*pt_getenv_fn)(const char *name);
typedef struct pt_shard {
    int k, n;         /* part k of n, 1 <= k <= n; n = 0: not an array task */
    char source[160]; /* the variables it came from, for the log */
} pt_shard;
PT_API int pt_shard_from_env(pt_getenv_fn get, pt_shard *out, pt_error *err);

/* Cores the scheduler gave this task: SLURM_CPUS_PER_TASK, NSLOTS (SGE), NCPUS or
 * PBS_NUM_PPN (PBS); 1 inside a scheduler's job that states none (SLURM_JOB_ID, PBS_JOBID,
 * LSB_JOBID, SGE's JOB_ID with SGE_TASK_ID); 0 outside a scheduler. */
PT_API int pt_shard_cpus_from_env(pt_getenv_fn get);

/* The parts of a sharded batch that left no journal in outdir (a task that never ran): for
 * every N of which some OUTDIR/batch.journal.K-of-N.tsv exists, each K in 1..N without
 * one. Their names ("3-of-4"), comma-separated, go into buf [size: len] as far as they fit.
 * Returns how many (0: none, or no sharded journal). */
PT_API size_t pt_batch_parts_missing(const char *outdir, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
