/* SPDX-License-Identifier: GPL-2.0-or-later
 * runner.c — one recording through every stage, block by block. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/sha256.h"
#include "pipeline/stage.h"

/* The stages in data-flow order; later ones read the tables of earlier ones
 * at finish. */
static const pt_stage_ops *const stages[] = {
    &pt_stage_motion,   &pt_stage_heart,
    &pt_stage_ecg,  /* after heart: fills /hr when there is no PPG */
    &pt_stage_hrv,  /* after ecg and heart: reads /ecg_beats or /beats */
    &pt_stage_wear, /* after heart: needs its reliable windows */
    &pt_stage_classify, &pt_stage_recovery,
    &pt_stage_daily, /* last: reads /epochs, /bouts, /recovery */
};
#define NSTAGES (sizeof stages / sizeof stages[0])

#define BLOCK_SAMPLES 65536

/* Two-thread pipeline: the reader and every stage's push on the calling thread, the heart
 * stage's push_bg (the tracker) on a worker, a block behind. Two blocks alternate: block k
 * goes into blk[k & 1] once the worker has finished block k - 2; both threads only read a
 * posted block. The stages share no state between push and push_bg (each appends to its
 * own tables; the heart stage hands its conditioned samples over in two alternating
 * sets), so the rows and the summary are the same as with one thread. */
typedef struct worker {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const pt_stage_ops *ops;
    void *st;
    pt_summary *s;
    pt_block *blk[2];
    size_t posted, done; /* blocks handed over / finished */
    int end;             /* no more blocks will be posted */
    int rc;              /* first error of the worker */
    pt_error err;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    for (size_t j = 0;; j++) {
        pthread_mutex_lock(&w->mu);
        while (w->posted <= j && !w->end)
            pthread_cond_wait(&w->cv, &w->mu);
        int have = w->posted > j;
        pthread_mutex_unlock(&w->mu);
        if (!have)
            return NULL;
        int rc = w->ops->push_bg(w->st, w->blk[j & 1], w->s, &w->err);
        pthread_mutex_lock(&w->mu);
        w->done = j + 1;
        if (rc) {
            w->rc = rc;
            w->end = 1;
        }
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        if (rc)
            return NULL;
    }
}

/* Wait until the worker has finished block `upto - 1` (all when upto = posted). Returns its
 * error code, or 0. */
static int worker_wait(worker *w, size_t upto)
{
    pthread_mutex_lock(&w->mu);
    while (w->done < upto && !w->rc)
        pthread_cond_wait(&w->cv, &w->mu);
    int rc = w->rc;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

static void worker_post(worker *w, size_t k)
{
    pthread_mutex_lock(&w->mu);
    w->posted = k + 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void worker_stop(worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->end = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->tid, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
}

/* The source's SHA-256 on a thread of its own (the summary writer would read the whole
 * file again at the end otherwise, after everything else). */
typedef struct hasher {
    pthread_t tid;
    char path[sizeof((pt_recording_info *)0)->path]; /* its own copy: the summary's is rewritten */
    char hex[65];
    int rc;
} hasher;

static void *hasher_main(void *arg)
{
    hasher *hs = arg;
    hs->rc = pt_sha256_file(hs->path, hs->hex, NULL);
    return NULL;
}

static int input_error(pt_error *err)
{
    if (!err)
        return PT_EDATA;
    if (err->code == PT_EIO || err->code == PT_OK)
        err->code = PT_EDATA;
    return err->code;
}

/* A user's end of exercise past the recording's end (once its duration is known): refused,
 * PT_EDATA naming the flag, rather than a recovery measured on samples that do not exist. */
static int exercise_ends_inside(const pt_params *p, const pt_recording_info *info, pt_error *err)
{
    if (!(info->duration_s >= 0))
        return PT_OK; /* not known yet */
    for (size_t i = 0; i < p->n_exercise_end && i < 32; i++)
        if (p->exercise_end_s[i] > info->duration_s)
            return pt_error_set(err, PT_EDATA,
                                "%s: --exercise-end %g s is past the recording's end (%.1f s "
                                "long); give a time from the recording's start",
                                info->path, p->exercise_end_s[i], info->duration_s);
    return PT_OK;
}

pt_run_options pt_run_defaults(void)
{
    pt_run_options o = {.threads = 1,
                        .scratch_dir = NULL,
                        .scratch_heap_max = PT_SPILL_HEAP_MAX,
                        .cancel = NULL,
                        .progress = NULL,
                        .progress_user = NULL};
    return o;
}

int pt_process_file(const char *in, const pt_read_options *ropt, const pt_params *p,
                    const char *out_h5, pt_summary **out, pt_error *err)
{
    return pt_process(in, ropt, p, NULL, out_h5, out, err);
}

int pt_process_file_mt(const char *in, const pt_read_options *ropt, const pt_params *p,
                       const char *out_h5, int threads, pt_summary **out, pt_error *err)
{
    pt_run_options run = pt_run_defaults();
    run.threads = threads;
    return pt_process(in, ropt, p, &run, out_h5, out, err);
}

/* The index of the stage whose push_bg runs on the second thread, or -1. */
static int background_stage(void)
{
    for (size_t i = 0; i < NSTAGES; i++)
        if (stages[i]->background && stages[i]->push_bg)
            return (int)i;
    return -1;
}

/* Stage messages name the recording (reader messages do already). */
static int stage_error(int rc, const char *in, pt_error *err)
{
    if (err && strncmp(err->msg, in, strlen(in)) != 0)
        pt_error_prefix(err, "%s: ", in);
    return rc;
}

/* A signal asked the run to stop (run->cancel, set by the caller's handler). */
static int cancelled(const pt_run_options *run, pt_error *err)
{
    if (!run->cancel || !*run->cancel)
        return 0;
    pt_error_set(err, PT_ECANCELED, "interrupted (signal %d): nothing written", (int)*run->cancel);
    return 1;
}

/* Signal read so far [s]: the furthest sample time of the block over its channels. */
static double block_end_s(const pt_recording_info *info, const pt_block *b)
{
    double end = 0;
    for (size_t c = 0; c < b->nchan && c < info->nchan; c++) {
        if (!b->n[c])
            continue;
        double t = info->chan[c].fs_hz > 0
                       ? info->chan[c].t0_s +
                             (double)(b->first[c] + (int64_t)b->n[c]) / info->chan[c].fs_hz
                       : (b->t[c] ? b->t[c][b->n[c] - 1] : 0);
        if (t > end)
            end = t;
    }
    return end;
}

/* The summary keeps the run's subject and parameters, as the HDF5 root says them. */
static int set_run(pt_summary *s, const pt_params *p, pt_error *err)
{
    size_t need = pt_params_json(p, NULL, 0);
    char *json = malloc(need + 1);
    if (!json)
        return pt_error_set(err, PT_ENOMEM, "out of memory for the parameters' JSON");
    pt_params_json(p, json, need + 1);
    int rc = pt_summary_set_run(s, p->subject_id, json, err);
    free(json);
    return rc;
}

int pt_process(const char *in, const pt_read_options *ropt, const pt_params *p,
               const pt_run_options *run, const char *out_h5, pt_summary **out, pt_error *err)
{
    pt_params defaults = pt_params_defaults();
    pt_run_options run_defaults = pt_run_defaults();
    if (!p)
        p = &defaults;
    if (!run)
        run = &run_defaults;
    if (out)
        *out = NULL;
    int rc = pt_params_check(p, err);
    if (rc)
        return rc;
    int threads = run->threads;
    const int bg = background_stage();
    if (bg < 0)
        threads = 1;
    pt_scratch sc = pt_scratch_defaults();
    sc.heap_max = run->scratch_heap_max;
    if (run->scratch_dir && run->scratch_dir[0]) {
        if (strlen(run->scratch_dir) >= sizeof sc.dir)
            return pt_error_set(err, PT_EINVAL, "scratch directory name too long: %s",
                                run->scratch_dir);
        snprintf(sc.dir, sizeof sc.dir, "%s", run->scratch_dir);
    }
    if (out_h5 && (pt_same_file(in, out_h5) || pt_path_inside(out_h5, in)))
        return pt_error_set(err, PT_EINVAL,
                            "%s: the output is the recording itself%s: refusing to overwrite "
                            "it (choose another name with -o)",
                            out_h5, pt_same_file(in, out_h5) ? "" : " (a file of its folder)");
    pt_reader *r = pt_reader_open(in, ropt, err);
    if (!r) /* PT_EIO is kept for the output side: an unreadable input is bad input */
        return input_error(err);
    const pt_recording_info *info = pt_reader_info(r);
    pt_summary *s = pt_summary_create(&sc, err);
    pt_block *blk[2] = {s ? pt_block_create(info, BLOCK_SAMPLES, err) : NULL, NULL};
    void *st[NSTAGES] = {0};
    worker w = {0};
    hasher hs = {0};
    int running = 0, hashing = 0;
    double done_s_max = 0; /* signal read so far [s] */
    if (!blk[0] || (threads > 1 && !(blk[1] = pt_block_create(info, BLOCK_SAMPLES, err)))) {
        rc = err ? err->code : PT_ENOMEM;
        goto done;
    }
    if ((rc = exercise_ends_inside(p, info, err))) /* a header that gives the duration */
        goto done;
    pt_summary_set_recording(s, info);
    if ((rc = set_run(s, p, err)))
        goto done;
    for (size_t i = 0; i < NSTAGES; i++) {
        st[i] = stages[i]->create(p, info, s, err);
        if (!st[i]) {
            rc = err ? err->code : PT_EINTERNAL;
            pt_error_prefix(err, "%s stage: ", stages[i]->name);
            rc = stage_error(rc, in, err);
            goto done;
        }
    }
    snprintf(hs.path, sizeof hs.path, "%s", pt_summary_recording(s)->path);
    hs.rc = -1;
    /* arrays in memory (format "memory") have no source file to hash: source_sha256 stays "" */
    int from_memory = !strcmp(pt_summary_recording(s)->format, "memory");
    hashing = threads > 1 && out_h5 && !from_memory &&
              pthread_create(&hs.tid, NULL, hasher_main, &hs) == 0;
    if (threads > 1) {
        w.ops = stages[bg];
        w.st = st[bg];
        w.s = s;
        w.blk[0] = blk[0];
        w.blk[1] = blk[1];
        pthread_mutex_init(&w.mu, NULL);
        pthread_cond_init(&w.cv, NULL);
        if (stages[bg]->threaded)
            stages[bg]->threaded(st[bg]);
        running = pthread_create(&w.tid, NULL, worker_main, &w) == 0;
        if (!running) { /* no thread to be had: everything runs on this one */
            pthread_cond_destroy(&w.cv);
            pthread_mutex_destroy(&w.mu);
        }
    }
    for (size_t k = 0;; k++) {
        pt_block *b = blk[running ? (k & 1) : 0];
        if (running && k >= 2 && worker_wait(&w, k - 1))
            break; /* its error is taken below */
        if (cancelled(run, err)) {
            rc = PT_ECANCELED;
            goto done;
        }
        if ((rc = pt_reader_read(r, b, err))) {
            rc = input_error(err);
            goto done;
        }
        size_t total = 0;
        for (size_t c = 0; c < b->nchan; c++)
            total += b->n[c];
        if (total == 0)
            break;
        if (run->progress) {
            double done_s = block_end_s(info, b);
            done_s_max = done_s > done_s_max ? done_s : done_s_max;
            run->progress(done_s_max, info->duration_s, run->progress_user);
        }
        for (size_t i = 0; i < NSTAGES; i++) {
            if ((rc = stages[i]->push(st[i], b, s, err))) {
                rc = stage_error(rc, in, err);
                goto done;
            }
            if (stages[i]->push_bg && !(running && (int)i == bg) &&
                (rc = stages[i]->push_bg(st[i], b, s, err))) {
                rc = stage_error(rc, in, err);
                goto done;
            }
        }
        if (running)
            worker_post(&w, k);
    }
    if (running) {
        int wrc = worker_wait(&w, w.posted);
        worker_stop(&w);
        running = 0;
        if (wrc) {
            rc = wrc;
            if (err)
                *err = w.err;
            rc = stage_error(rc, in, err);
            goto done;
        }
    }
    if ((rc = exercise_ends_inside(p, info, err)))
        goto done;
    if (run->progress) { /* every block read: the end passes follow */
        double len = isfinite(info->duration_s) ? info->duration_s : done_s_max;
        run->progress(len, len, run->progress_user);
    }
    pt_summary_set_recording(s, info); /* now with duration and sample counts */
    for (size_t i = 0; i < NSTAGES; i++)
        if ((rc = stages[i]->finish(st[i], s, err))) {
            rc = stage_error(rc, in, err);
            goto done;
        }
    if (hashing) {
        pthread_join(hs.tid, NULL);
        hashing = 0;
    } else if (out_h5 && !from_memory) {
        hs.rc = pt_sha256_file(hs.path, hs.hex, NULL);
    }
    if (out_h5 && hs.rc == PT_OK)
        pt_summary_set_source_sha256(s, hs.hex);
    /* after the last block and the hash: a file cut or rewritten meanwhile is not summarised */
    if ((rc = pt_reader_unchanged(r, err)))
        goto done;
    if (cancelled(run, err)) {
        rc = PT_ECANCELED;
        goto done;
    }
    if (out_h5 && (rc = pt_summary_write_h5(s, out_h5, err)))
        goto done;
done:
    if (running) /* an error on this thread: let the worker finish its block, then stop */
        worker_stop(&w);
    if (hashing)
        pthread_join(hs.tid, NULL);
    for (size_t i = 0; i < NSTAGES; i++)
        if (st[i])
            stages[i]->destroy(st[i]);
    pt_block_destroy(blk[0]);
    pt_block_destroy(blk[1]);
    pt_reader_close(r);
    if (rc == PT_OK && out)
        *out = s;
    else
        pt_summary_destroy(s);
    return rc;
}
