/* SPDX-License-Identifier: GPL-2.0-or-later
 * stage_impl.h — the stage interface the runner walks (one stage per file).
 * A stage keeps only the state that must cross block edges; it does no I/O. */
#ifndef PT_PIPELINE_STAGE_IMPL_H
#define PT_PIPELINE_STAGE_IMPL_H

#include "pulsetrain/io.h"
#include "pulsetrain/pipeline.h"

typedef struct pt_stage_ops {
    const char *name;
    void *(*create)(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                    pt_error *err);
    /* One block of samples (channels as in info). */
    int (*push)(void *st, const pt_block *b, pt_summary *s, pt_error *err);
    /* Optional second half of push, for the same block, after push: the runner may call it
     * on another thread, at most one block behind push (push of block k + 2 waits until
     * push_bg of block k is done). It must not touch what push touches. */
    int (*push_bg)(void *st, const pt_block *b, pt_summary *s, pt_error *err);
    /* Optional: called once, before the first push, when push_bg will run on another
     * thread (a stage may then hand data over differently). */
    void (*threaded)(void *st);
    /* End of the recording: flush rows; later stages may read earlier tables. */
    int (*finish)(void *st, pt_summary *s, pt_error *err);
    void (*destroy)(void *st);
} pt_stage_ops;

extern const pt_stage_ops pt_stage_motion;
extern const pt_stage_ops pt_stage_heart;
extern const pt_stage_ops pt_stage_classify;
extern const pt_stage_ops pt_stage_daily;
extern const pt_stage_ops pt_stage_recovery;

/* Internal to the summary: set the recording description. */
void pt_summary_set_recording(pt_summary *s, const pt_recording_info *info);
/* The source's SHA-256 (hex) when the runner computed it already, else "": the summary
 * writer hashes the source itself then. */
void pt_summary_set_source_sha256(pt_summary *s, const char hex[65]);
const char *pt_summary_source_sha256(const pt_summary *s);

/* Long passes over a table call pt_table_release every pt_release_rows rows (16384 unless
 * a test sets it), so that a week's table is never wholly in memory (issue 8). */
extern size_t pt_release_rows;
#define PT_RELEASE_ROWS pt_release_rows
#define PT_RELEASE_EVERY(i, t)                                                                     \
    do {                                                                                           \
        if (((i) + 1) % PT_RELEASE_ROWS == 0)                                                      \
            pt_table_release(t);                                                                   \
    } while (0)

/* The k-th smallest (0-based) of the non-NaN values among x[0..n): the value sorting them
 * would put at k, found from a histogram and a sort of one bin (memory: that bin), with
 * release(arg) called every PT_RELEASE_ROWS values when not NULL. -1 when k is out of
 * range or out of memory. */
int pt_kth_value(const double *x, size_t n, size_t k, void (*release)(const void *),
                 const void *arg, double *out);

/* First channel of a kind in info, or -1. */
int pt_find_channel(const pt_recording_info *info, pt_kind kind);

#endif
