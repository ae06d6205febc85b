/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/io.h — the recording model every reader yields, read block by block.
 *
 * A recording is a set of channels, each with a kind (PPG, ACC_X/Y/Z, ECG, HR,
 * IBI, auxiliary), a sample rate (or irregular sample times), units and the
 * time of its first sample relative to the recording's start. Readers deliver
 * blocks: consecutive samples of every channel, in time order, so that a
 * week-long file never has to sit in memory whole (peak memory is one block).
 *
 * Canonical units: readers convert acceleration to g (from mg or m/s^2 as the
 * column names or file headers say), heart rate to bpm, IBI to ms; PPG and ECG
 * keep the file's units ("au" when it does not say).
 * Missing samples inside a regular channel (a gap in the time column, or an
 * explicit "NaN" cell) are delivered as NaN so that sample i is always at
 * t0_s + i / fs_hz.
 *
 * Lifecycle: pt_reader_open -> pt_reader_info -> pt_reader_read ... -> pt_reader_close.
 * Threads: a reader is used by one thread at a time; readers share nothing. */
#ifndef PULSETRAIN_IO_H
#define PULSETRAIN_IO_H

#include <stddef.h>
#include <stdint.h>

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PT_MAX_CHANNELS 16

typedef enum pt_kind {
    PT_KIND_PPG = 0,
    PT_KIND_ACC_X,
    PT_KIND_ACC_Y,
    PT_KIND_ACC_Z,
    PT_KIND_ECG,
    PT_KIND_HR,  /* heart rate [bpm] from a device or chest strap */
    PT_KIND_IBI, /* inter-beat interval [ms] */
    PT_KIND_AUX  /* anything else, kept and ignored by the stages */
} pt_kind;

/* Short lower-case name of a kind ("ppg", "acc_x", ...); never NULL. */
PT_API const char *pt_kind_name(pt_kind kind);

typedef struct pt_channel_info {
    char name[64];     /* the channel's name in the file (column, signal label)     */
    pt_kind kind;      /* what it measures                                           */
    double fs_hz;      /* sample rate [Hz]; 0 = irregular: times come with samples   */
    char units[16];    /* units of the delivered values ("g", "bpm", "ms", "mV", "au") */
    double t0_s;       /* time of the first sample [s from the recording's start]    */
    int64_t n_samples; /* total samples, or -1 while unknown (streamed formats)      */
} pt_channel_info;

typedef struct pt_recording_info {
    char path[1024];         /* the file (or folder) read                          */
    char format[16];         /* "csv", ...                                         */
    char start_time_utc[40]; /* ISO 8601 start, "" when the file does not say      */
    double start_unix_s;     /* the same as Unix seconds, NaN when unknown         */
    double duration_s;       /* NaN while unknown (streamed formats)               */
    size_t nchan;
    pt_channel_info chan[PT_MAX_CHANNELS];
    char note[512]; /* what the user should know (ignored columns, ...)   */
} pt_recording_info;

/* One block of samples. Channel c holds n[c] samples, the first of which is
 * sample number first[c] of that channel. For irregular channels (fs_hz == 0)
 * t[c][i] is the time of x[c][i] [s from the start]; otherwise t[c] is NULL. */
typedef struct pt_block {
    size_t nchan;
    size_t cap; /* capacity per channel [samples] */
    size_t n[PT_MAX_CHANNELS];
    int64_t first[PT_MAX_CHANNELS];
    double *x[PT_MAX_CHANNELS];
    double *t[PT_MAX_CHANNELS];
} pt_block;

/* Allocate a block for the channels of info, cap samples per channel (>= 16).
 * Returns NULL and fills *err on failure. Free with pt_block_destroy. */
PT_API pt_block *pt_block_create(const pt_recording_info *info, size_t cap, pt_error *err);
PT_API void pt_block_destroy(pt_block *b); /* NULL is a harmless no-op */

/* Index of the first channel of a kind in info, or -1. */
PT_API int pt_find_channel(const pt_recording_info *info, pt_kind kind);

typedef struct pt_read_options {
    const char *format;    /* "auto" (default) or a reader's name ("csv")                  */
    double fs_hz;          /* CSV without time column: sample rate [Hz]; NaN = from file    */
    const char *acc_units; /* units of unsuffixed acc columns: "g" (default), "mg", "ms2"   */
    double max_gap_s;      /* a time gap longer than this is an error [s]; default 86400    */
    /* Binary formats. */
    const char *channels; /* channel map, one name per file channel in order:
                            * "ppg,acc_x,acc_y,acc_z"; "-" keeps the reader's guess, "aux"
                            * ignores; NULL (default) = kinds from the file's labels        */
    int allow_truncated;  /* 1: read the complete part of a file shorter than its header
                            * says (with a note); 0 (default): that is an error             */
    /* HDF5 input: dataset paths ("/data/ppg"); NULL = absent. Each needs a rate:
     * its own (h5_*_fs_hz), else the dataset's "fs_hz"/"sample_rate" attribute,
     * else fs_hz above. Acceleration in acc_units.                              */
    const char *h5_ppg, *h5_acc_x, *h5_acc_y, *h5_acc_z, *h5_ecg, *h5_hr;
    double h5_ppg_fs_hz, h5_acc_fs_hz, h5_ecg_fs_hz, h5_hr_fs_hz; /* [Hz]; NaN = not given */
    /* Absolute start for a file without one (process --start): ISO 8601 with a zone,
     * "2026-03-02T08:00:00+01:00" or "...Z"; NULL = none. A file that has its own start
     * and a different one (by more than 1 s) is refused, PT_EDATA naming both.          */
    const char *start;
    /* A sample beyond +-this (in the delivered units) is an error naming the channel and
     * time: a corrupt file or a wrong unit; default 1e12, 0 = no check.               */
    double sample_abs_max;
    /* Samples in memory instead of a file (pt_memory_recording, below): when not NULL,
     * pt_reader_open (and so pt_process) reads these arrays and takes its path argument
     * only as the recording's name in messages and in the summary; NULL (default) = a file. */
    const struct pt_memory_recording *memory;
} pt_read_options;

PT_API pt_read_options pt_read_defaults(void);

typedef struct pt_reader pt_reader;

/* The format pt_reader_open would choose for path ("csv", "edf", "wfdb", "e4", "audio",
 * "cwa", "h5"), from the readers' own probes of its first 4 KiB (or, for a folder, its
 * files); NULL when none recognises it or it is not a regular file or folder. Opens the
 * file only to read that head. */
PT_API const char *pt_reader_probe(const char *path);

/* PT_OK when format is NULL, "auto" or a reader's name (csv, edf, wfdb, e4, wav, cwa, h5);
 * else PT_EINVAL, the message listing them. */
PT_API int pt_reader_format_check(const char *format, pt_error *err);

/* Open a recording. Reads and checks the header and the first rows (sample
 * rates are estimated from the time column). opt may be NULL (defaults).
 * Returns NULL and fills *err ("path:line: reason") on failure. */
PT_API pt_reader *pt_reader_open(const char *path, const pt_read_options *opt, pt_error *err);

/* The recording's description; valid until pt_reader_close. duration_s and
 * n_samples are filled in once the reader reaches the end. */
PT_API const pt_recording_info *pt_reader_info(const pt_reader *r);

/* Read the next block: up to b->cap samples per channel. At the end of the
 * recording every b->n[c] is 0. Returns PT_OK, or an error naming the file
 * and the line/sample (PT_EFORMAT, PT_EDATA, PT_EIO); after an error the
 * reader must only be closed. */
PT_API int pt_reader_read(pt_reader *r, pt_block *b, pt_error *err);

/* Close and free; NULL is a harmless no-op. */
PT_API void pt_reader_close(pt_reader *r);
/* PT_OK when the file (for a folder: its files) has the size, identity and modification
 * time it had at pt_reader_open; else PT_EDATA "changed while being read" (a file being
 * copied, cut or rewritten by another process). pt_process asks after the last block and
 * after hashing, so a summary never describes part of a file that is no longer there. */
PT_API int pt_reader_unchanged(const pt_reader *r, pt_error *err);

/* ---- recordings in memory ----
 * Samples a program already holds (a phone app, a BLE stream, a Python array) go through
 * the same readers' interface and so through pt_process unchanged:
 *
 *   pt_memory_channel ch[2] = {
 *       {.kind = PT_KIND_PPG, .fs_hz = 64, .x = ppg, .n = n_ppg},
 *       {.kind = PT_KIND_HR, .fs_hz = 0, .x = hr, .t = t_hr, .n = n_hr},
 *   };
 *   pt_memory_recording m = {.label = "<arrays>", .start_unix_s = NAN, .nchan = 2, .chan = ch};
 *   pt_read_options o = pt_read_defaults();
 *   o.memory = &m;
 *   pt_process(m.label, &o, &params, NULL, NULL, &summary, &err);
 *
 * Ownership and lifetime: the descriptors (this struct, its channel array, names and
 * units) are copied at open and may be freed once pt_reader_open_memory / pt_reader_open
 * returns. The sample arrays x and t are NOT copied: each pt_reader_read copies the next
 * block out of them, so they must stay allocated and unchanged until pt_reader_close (for
 * pt_process: until it returns). They are only read, never written. Several readers may
 * read the same arrays at once from different threads.
 * The blocks are cut in time as the CSV reader cuts a file's rows, so the same samples as
 * a CSV and as arrays give the same summary. duration_s and n_samples are known at open:
 * the duration is the last sample's time plus one period of the fastest channel, as for a
 * CSV. Not yet: an HDF5 summary file (pt_process's out_h5) of arrays, which fails with
 * PT_EIO, because pt_summary_write_h5 hashes the source file; take the summary (*out). */

/* One channel of samples held by the caller. */
typedef struct pt_memory_channel {
    const char *name;  /* its name in the summary's /channels; NULL or "" = the kind's name */
    pt_kind kind;      /* what it measures                                                 */
    double fs_hz;      /* sample rate [Hz] > 0; 0 = irregular, t gives every sample's time  */
    const char *units; /* units of x. NULL = the kind's own: acc_* in pt_read_options
                        * acc_units (default g), hr "bpm", ibi "ms", others "au". Accepted:
                        * acc_* "g", "mg", "m/s^2" (delivered in g), hr "bpm", ibi "ms" or
                        * "s" (delivered in ms); PPG, ECG and AUX keep any units given     */
    double t0_s;       /* regular channels: time of x[0] [s from the recording's start]    */
    const double *x;   /* samples [size: n]; NaN = a missing sample                        */
    const double *t;   /* irregular channels: sample times [s from the start], finite and
                        * non-decreasing [size: n]; NULL for regular channels              */
    size_t n;          /* number of samples, >= 1                                          */
} pt_memory_channel;

/* A recording made of channels in memory. */
typedef struct pt_memory_recording {
    const char *label;   /* the recording's name in messages and the summary (its "path");
                          * NULL = "<memory>". Not opened: it need not be a file           */
    double start_unix_s; /* absolute time of t = 0 [Unix s]; NaN = unknown (then
                          * pt_read_options start may give it)                           */
    size_t nchan;        /* 1..PT_MAX_CHANNELS                                           */
    const pt_memory_channel *chan; /* [size: nchan]                                     */
} pt_memory_recording;

/* Open a recording in memory: pt_reader_open(m->label, opt with opt->memory = m). opt may be
 * NULL (defaults; its format and file options are ignored, acc_units, start and
 * sample_abs_max apply). Returns NULL and fills *err (PT_EINVAL naming the channel: no
 * samples, a rate that is not finite and >= 0, a rate and times both or neither, unknown
 * units; PT_EDATA: times not finite or going backwards). Close with pt_reader_close. */
PT_API pt_reader *pt_reader_open_memory(const pt_memory_recording *m, const pt_read_options *opt,
                                        pt_error *err);

#ifdef __cplusplus
}
#endif

#endif
