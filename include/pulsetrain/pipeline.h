/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/pipeline.h — the parameters of a run and the runner that takes a recording
 * through every stage into a summary (pulsetrain/summary.h).
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

#include <signal.h> /* sig_atomic_t */
#include <stddef.h>

#include "pulsetrain/error.h"
#include "pulsetrain/io.h"
#include "pulsetrain/summary.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every setting of a run. Defaults from pt_params_defaults(); NaN where the
 * value is estimated from the recording. Written as JSON into the summary. */
typedef struct pt_params {
    /* subject */
    char subject_id[64];
    double age_y;       /* age [years]; NaN = unknown                          */
    char sex;           /* 'm', 'f' or 0 (unknown)                              */
    double hr_rest_bpm; /* resting heart rate [bpm]; NaN = estimate            */
    double
        hr_max_bpm; /* maximal heart rate [bpm]; NaN = 208 - 0.7 age (Tanaka 2001), 190 without age */
    /* PPG conditioning */
    double ppg_lo_hz, ppg_hi_hz; /* band-pass edges [Hz], default 0.5, 4   */
    int ppg_order;               /* Butterworth order, default 4            */
    /* heart rate */
    double hr_window_s;          /* spectral window [s], default 8 */
    double hr_step_s;            /* step between windows [s], default 2 */
    double hr_lo_bpm, hr_hi_bpm; /* search range [bpm], default 40..220 */
    /* motion and intensity */
    double epoch_s;      /* epoch [s], default 5                                   */
    double mad_light_mg; /* MAD cut-points (Vaha-Ypya 2015): 22.5 / 91 / 414 mg    */
    double mad_moderate_mg;
    double mad_vigorous_mg;
    double enmo_light_mg; /* ENMO cut-points (GGIR defaults): 40 / 100 / 400 mg     */
    double enmo_moderate_mg;
    double enmo_vigorous_mg;
    double nonwear_window_s; /* GGIR non-wear rule: window 3600 s                    */
    double nonwear_sd_mg;    /* per-axis SD below this ... (13 mg)                   */
    double nonwear_range_mg; /* ... and range below this (50 mg), in 2 of 3 axes     */
    /* daily summaries (/daily) */
    char tz[64];       /* local time for days: "UTC" (default), a fixed offset "+02:00",
                           * "-0530" or "+120" (minutes), or an IANA name ("Europe/Berlin")
                           * read from the system zoneinfo (TZif); no setenv/tzset */
    double min_wear_h; /* a day with less wear is flagged valid_day = 0 [h], default 10 (GGIR) */
    /* calibration, gait, fused intensity, bouts */
    int calibrate;           /* auto-calibrate from still periods (van Hees 2014); default 1 */
    double gait_window_s;    /* spectral window for cadence [s], default 10                 */
    double run_cadence_spm;  /* rhythmic gait at or above this is running, default 140      */
    double hrr_sustain_s;    /* %HRR must hold this long to change a class [s], default 60  */
    double bout_min_s;       /* shortest bout [s], default 60                               */
    double bout_tolerance_s; /* longest interruption inside a bout [s], default 10          */
    /* heart-rate recovery */
    double recovery_min_exercise_s; /* high intensity at least this long before an end [s], 120 */
    double recovery_rest_s;    /* rest needed after the end [s], default 60                   */
    double recovery_fit_s;     /* length of the mono-exponential fit [s], default 300         */
    size_t n_exercise_end;     /* ends of exercise given by the user (--exercise-end), 0..32  */
    double exercise_end_s[32]; /* [s from the recording's start], used instead of detection  */
} pt_params;

PT_API pt_params pt_params_defaults(void);

/* Check ranges; PT_EINVAL naming the parameter. */
PT_API int pt_params_check(const pt_params *p, pt_error *err);

/* Every parameter as one JSON object into buf[len]; returns the length it
 * needs (like snprintf). */
PT_API size_t pt_params_json(const pt_params *p, char *buf, size_t len);

/* ---- runner ---- */

/* How a run uses the machine; none of it changes the summary. */
typedef struct pt_run_options {
    int threads;             /* 1 (default): one thread; 2: the heart-rate tracker (most of
                              * the CPU time) on a second thread, a block behind the reader */
    const char *scratch_dir; /* where long tables spill to unlinked scratch files; NULL or ""
                              * = /tmp (the library reads no environment: the CLI passes
                              * $TMPDIR) */
    size_t scratch_heap_max; /* arrays up to this many bytes stay on the heap (default 65536;
                              * 0 puts every array in a scratch file, SIZE_MAX none) */
    const volatile sig_atomic_t *cancel; /* NULL, or a flag a signal handler sets (to the
                              * signal's number): the run stops before its next block and
                              * before writing, returns PT_ECANCELED and leaves no file */
    /* NULL, or called on the reading thread after each block (about 65536 samples of a
     * channel) with the signal read so far and the recording's length [s] (NaN while the
     * format does not say: streamed files), and once more with done = total when every
     * block has been read; user is progress_user. Keep it cheap: it runs inside the run. */
    void (*progress)(double done_s, double total_s, void *user);
    void *progress_user;
} pt_run_options;

PT_API pt_run_options pt_run_defaults(void);

/* Read `in` block by block through every stage and, when out_h5 is not NULL,
 * write the HDF5 summary (schema 1) to a temporary name and rename it into
 * place. *out (optional) receives the summary, to be freed with
 * pt_summary_destroy. The samples are read block by block, and long tables and the state
 * of the end-of-recording passes live in unlinked scratch files (run->scratch_dir) of
 * which only the pages in use stay in memory: peak memory does not grow with the
 * recording's length (36-37 MB from 1 h to 7 days, docs/benchmarks.md). The summary is
 * the same whatever run (NULL = pt_run_defaults()) says.
 * Returns PT_OK; PT_EINVAL (bad parameters); PT_EFORMAT / PT_EDATA /
 * PT_EUNSUPPORTED for a recording that cannot be read or used (a missing or
 * unreadable file included); PT_EIO only when the summary cannot be written; PT_ENOMEM.
 * Every message names the recording (or the output, for PT_EIO). */
PT_API int pt_process(const char *in, const pt_read_options *ropt, const pt_params *p,
                      const pt_run_options *run, const char *out_h5, pt_summary **out,
                      pt_error *err);

/* pt_process with pt_run_defaults() (one thread). */
PT_API int pt_process_file(const char *in, const pt_read_options *ropt, const pt_params *p,
                           const char *out_h5, pt_summary **out, pt_error *err);

/* pt_process with `threads` threads and the other run options at their defaults. */
PT_API int pt_process_file_mt(const char *in, const pt_read_options *ropt, const pt_params *p,
                              const char *out_h5, int threads, pt_summary **out, pt_error *err);

#ifdef __cplusplus
}
#endif

#endif
