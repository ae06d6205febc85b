/* SPDX-License-Identifier: GPL-2.0-or-later
 * stage.h — the stage interface the runner walks (one stage per file).
 * A stage keeps only the state that must cross block edges; it does no I/O. */
#ifndef PT_PIPELINE_STAGE_H
#define PT_PIPELINE_STAGE_H

#include "core/spill.h"
#include "kernels/order.h"
#include "pulsetrain/io.h"
#include "pulsetrain/pipeline.h"
#include "summary/summary_impl.h"

typedef struct pt_stage_ops {
    const char *name;
    void *(*create)(const pt_params *p, const pt_recording_info *info, pt_summary *s,
                    pt_error *err);
    /* One block of samples (channels as in info). */
    int (*push)(void *st, const pt_block *b, pt_summary *s, pt_error *err);
    /* Optional second half of push, for the same block, after push: when `background` is
     * set the runner may call it on another thread, at most one block behind push (push of
     * block k + 2 waits until push_bg of block k is done). It must not touch what push
     * touches. */
    int (*push_bg)(void *st, const pt_block *b, pt_summary *s, pt_error *err);
    /* Optional: called once, before the first push, when push_bg will run on another
     * thread (a stage may then hand data over differently). */
    void (*threaded)(void *st);
    /* End of the recording: flush rows; later stages may read earlier tables. */
    int (*finish)(void *st, pt_summary *s, pt_error *err);
    void (*destroy)(void *st);
    /* 1: push_bg is the run's heavy half and goes to the second thread (one stage only). */
    int background;
} pt_stage_ops;

extern const pt_stage_ops pt_stage_motion;
extern const pt_stage_ops pt_stage_heart;
extern const pt_stage_ops pt_stage_ecg;
extern const pt_stage_ops pt_stage_hrv;
extern const pt_stage_ops pt_stage_wear;
extern const pt_stage_ops pt_stage_classify;
extern const pt_stage_ops pt_stage_daily;
extern const pt_stage_ops pt_stage_recovery;

/* The ECG as heart-rate source (pipeline/ecg.c): when /ecg_beats names a heart-rate
 * channel whose rate is reliable in at least half of its /hr-grid windows, calls
 * add(ctx, t, 60000 / rr) for every unflagged interval of that channel (t: the interval's
 * middle [s]) and sets *used = 1; else *used = 0 and nothing is called. Returns add's
 * first error, or PT_OK. */
int pt_ecg_hr_feed(const pt_summary *s, int (*add)(void *ctx, double t, double bpm, pt_error *err),
                   void *ctx, int *used, pt_error *err);

#endif
