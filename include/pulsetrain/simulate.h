/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/simulate.h — deterministic synthetic wrist recordings with known truth.
 *
 * A pt_sim generates, block by block, a wrist PPG channel and a 3-axis accelerometer
 * following an activity scenario (rest, walking, running, seated recovery with an
 * exponential heart-rate decay, light activity, sleep, non-wear), and the truth behind
 * them: heart rate, intensity class and cadence per second, and one row per recovery.
 * Memory does not depend on the length (minutes to weeks).
 *
 * Determinism: the output is a function of the configuration only (seed included),
 * bit-identical across runs and independent of the block sizes used to read it.
 * Separate PRNG streams drive the schedule, the gait, the PPG and the accelerometer,
 * so switching one channel off (with_ppg / with_acc) leaves the others and the truth
 * unchanged.
 *
 * Threads: one thread per object at a time; distinct objects share nothing.
 * Models: PPG pulse = asymmetric systolic + dicrotic Gaussians (McSharry 2003 /
 * Banerjee-style Gaussian sums); HR kinetics = first-order (mono-exponential) on- and
 * off-kinetics; PRNG = xoshiro256** seeded with splitmix64 (Blackman & Vigna 2018). */
#ifndef PULSETRAIN_SIMULATE_H
#define PULSETRAIN_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Activity scenarios. */
typedef enum pt_sim_scenario {
    PT_SIM_MIXED = 0, /* rest 5 min -> walk -> run -> seated recovery -> walk -> rest, light...
                       * repeating; everyday cycles with non-wear; sleep at night (23:00-07:00
                       * clock time, see start_tod_s)                                        */
    PT_SIM_WALK,      /* walking throughout, cadence re-drawn every 5-15 min                 */
    PT_SIM_RUN,       /* running throughout, cadence re-drawn every 5-15 min                 */
    PT_SIM_REST,      /* seated rest throughout, small posture changes every 5-20 min       */
    PT_SIM_INTERVALS, /* rest 3 min, walk 3 min, then [run 2-4 min, seated recovery 3-4 min]
                       * repeated (a 30 min seated rest after every 6 bouts)                 */
    PT_SIM_NIGHT      /* rest 20-30 min, the device off the wrist 45-90 min, rest, then sleep:
                       * 70-100 min without posture drift (still enough for the GGIR
                       * non-wear rule, with a clear pulse) alternating with 20-40 min of
                       * ordinary sleep -- wear measured in both directions                  */
} pt_sim_scenario;

/* Truth intensity classes (the same numbers as the summary's /epochs/class enum). */
enum {
    PT_SIM_CLASS_NONWEAR = 0,
    PT_SIM_CLASS_SEDENTARY = 1, /* seated rest, recovery, sleep */
    PT_SIM_CLASS_LIGHT = 2,     /* non-rhythmic arm movement (household activity) */
    PT_SIM_CLASS_MODERATE = 3,  /* walking */
    PT_SIM_CLASS_VIGOROUS = 4   /* running */
};

typedef struct pt_sim_config {
    uint64_t seed;            /* any value; same seed -> same output                         */
    pt_sim_scenario scenario; /* default PT_SIM_MIXED                                        */
    double duration_s;        /* recording length [s], 1 .. 31 days; default 1800            */
    double fs_ppg_hz;         /* PPG rate = row rate [Hz], integer, 1..2048; default 64      */
    double fs_acc_hz;         /* accelerometer rate [Hz], integer, divides fs_ppg_hz; 32     */
    double start_tod_s;       /* clock time of the first sample [s after local midnight],
                               * 0..86400; sets the day/night rhythm; default 8 h (08:00)    */
    double age_y;             /* subject age [years], 10..100; default 35                    */
    char sex;                 /* 'm' or 'f'; default 'm' (recorded; the signals do not use it) */
    double hr_rest_bpm;       /* resting heart rate [bpm], 30..120; default 60               */
    double hr_max_bpm;        /* maximal heart rate [bpm]; NaN (default) = 208 - 0.7 age
                               * (Tanaka 2001); must exceed hr_rest_bpm by 40, <= 230         */
    double tau_s;             /* mean recovery time constant [s], 10..600; default 60        */
    double tau_spread;        /* per-bout tau = tau_s (1 + u), u uniform in [-spread, spread],
                               * 0..0.9; default 0.25                                        */
    int with_ppg;             /* 0: skip the PPG (NaN); default 1                            */
    int with_acc;             /* 0: skip the accelerometer (NaN); default 1                  */
    double start_unix_s;      /* absolute time of the first sample [s since 1970, UTC], written
                               * into the files (CSV "# start_time:" line, FLAC "Time:",
                               * WFDB base time and date); NaN (default) = not written:
                               * the files then carry time from the start only             */
} pt_sim_config;

/* Per-second truth (t_s = 0, 1, 2, ... seconds from the start). */
typedef struct pt_sim_second {
    double t_s;         /* time from start [s], integer-valued                          */
    double hr_bpm;      /* underlying heart rate at t_s [bpm]; NaN during non-wear      */
    int intensity;      /* PT_SIM_CLASS_*                                               */
    double cadence_spm; /* step rate [steps/min] while walking/running, else NaN        */
} pt_sim_second;

/* One row per seated recovery that follows a run. HR(t) = L + (hr_end - L) exp(-t/tau),
 * so hr_60 and hr_120 equal the per-second truth at t_end + 60 s / + 120 s exactly.
 * Values the recording does not reach (it ends, or the recovery is cut short) are NaN. */
typedef struct pt_sim_recovery {
    double t_end_exercise_s; /* end of the run = start of the recovery [s]       */
    double hr_end_bpm;       /* HR at t_end_exercise_s [bpm]                     */
    double tau_s;            /* time constant of the decay [s]                   */
    double hr_60_bpm;        /* HR 60 s after the end [bpm]                      */
    double hr_120_bpm;       /* HR 120 s after the end [bpm]                     */
    double hrr60_bpm;        /* hr_end - hr_60 (Cole 1999) [bpm]                 */
    double hrr120_bpm;       /* hr_end - hr_120 [bpm]                            */
} pt_sim_recovery;

/* Default configuration (the values in pt_sim_config's comments). */
PT_API pt_sim_config pt_sim_defaults(void);

/* Set the start of *cfg from an ISO 8601 time "[YYYY-MM-DD(T| )]HH:MM[:SS[.fff]][Z|+hh[:mm]|-hh[:mm]]"
 * or a date "YYYY-MM-DD" (read by the parser of pt_time_parse_iso8601, pulsetrain/tz.h):
 * start_tod_s = the clock time as written (an offset is not applied: the clock sets the
 * day/night rhythm; 0 for a date alone); start_unix_s = the instant when a date and a time
 * are given, else NaN. Returns PT_OK, or PT_EINVAL (*cfg untouched). */
PT_API int pt_sim_config_set_start(pt_sim_config *cfg, const char *iso8601, pt_error *err);

/* Scenario names: "mixed", "walk", "run", "rest", "intervals", "night".
 * pt_sim_scenario_parse returns PT_OK, or PT_EINVAL for an unknown name (listed in *err).
 * pt_sim_scenario_name never returns NULL ("?" for an unknown value). */
PT_API int pt_sim_scenario_parse(const char *name, pt_sim_scenario *out, pt_error *err);
PT_API const char *pt_sim_scenario_name(pt_sim_scenario sc);

typedef struct pt_sim pt_sim;

/* Create a simulator; validates and copies *cfg.
 * Returns NULL and fills *err (PT_EINVAL with the offending field, or PT_ENOMEM).
 * Destroy with pt_sim_destroy. */
PT_API pt_sim *pt_sim_create(const pt_sim_config *cfg, pt_error *err);

/* Total number of rows (samples on the PPG grid), seconds of truth, and the accelerometer
 * decimation (fs_ppg_hz / fs_acc_hz: rows i with i % decim == 0 carry an accelerometer
 * sample). */
PT_API int64_t pt_sim_nrows(const pt_sim *s);
PT_API int64_t pt_sim_nseconds(const pt_sim *s);
PT_API size_t pt_sim_acc_decimation(const pt_sim *s);
PT_API const pt_sim_config *pt_sim_config_of(const pt_sim *s); /* validated copy, hr_max set */

/* Generate the next rows; row i is at t = i / fs_ppg_hz.
 *   max_rows : capacity of every non-NULL array, >= 0
 *   t_s      : out, time from start [s] [size: max_rows], may be NULL
 *   ppg      : out, PPG [arbitrary units] [size: max_rows], NaN when with_ppg = 0; may be NULL
 *   acc_x_g, acc_y_g, acc_z_g : out, specific force in the device frame [g], quantised to
 *              1 mg, [size: max_rows]; NaN on rows that carry no accelerometer sample or
 *              when with_acc = 0; may be NULL
 *   n_rows   : out, rows written; 0 once the recording is complete
 * Returns PT_OK, or PT_EINVAL (s or n_rows NULL). Consecutive calls continue the recording;
 * the result does not depend on how it is split into calls. */
PT_API int pt_sim_read(pt_sim *s, size_t max_rows, double *t_s, double *ppg, double *acc_x_g,
                       double *acc_y_g, double *acc_z_g, size_t *n_rows, pt_error *err);

/* Next per-second truth rows (an independent cursor: may be read before, after or
 * interleaved with pt_sim_read).
 *   rows : out [size: max_rows];  n_rows : out, 0 at the end.  Returns PT_OK or PT_EINVAL. */
PT_API int pt_sim_truth_read(pt_sim *s, size_t max_rows, pt_sim_second *rows, size_t *n_rows,
                             pt_error *err);

/* Next recovery rows (an independent cursor), in time order; recoveries that start
 * before the end of the recording are listed.
 *   rows : out [size: max_rows];  n_rows : out, 0 at the end.  Returns PT_OK or PT_EINVAL. */
PT_API int pt_sim_recovery_read(pt_sim *s, size_t max_rows, pt_sim_recovery *rows, size_t *n_rows,
                                pt_error *err);

/* Rewind all three cursors to the start (the same output is generated again). */
PT_API void pt_sim_reset(pt_sim *s);

/* Progress of a long write: rows written so far of rows_total. */
typedef void (*pt_sim_progress_fn)(int64_t rows_done, int64_t rows_total, void *user);

/* Write the whole recording (from the generator's current position) as CSV:
 * "t_s,ppg,acc_x_g,acc_y_g,acc_z_g", one row per PPG sample (t_s [s] exact where a few
 * decimals print i / fs_ppg_hz exactly, ppg 4 decimals, acc [g] 3 decimals); the acc cells
 * are empty on rows without an accelerometer sample; with_ppg = 0 or with_acc = 0 leave
 * those columns out (without the PPG, rows at the accelerometer rate). A first line
 * "# start_time: ISO8601" when start_unix_s is set. progress (may be NULL) is called after
 * every block. Temporary name, then rename. Returns PT_OK, PT_EIO or PT_ENOMEM. */
PT_API int pt_sim_write_csv(pt_sim *s, const char *path, pt_sim_progress_fn progress, void *user,
                            pt_error *err);

/* Write the per-second truth (from its cursor) as CSV "t_s,hr_bpm,class,cadence_spm"
 * (class: PT_SIM_CLASS_*; NaN where a value is missing). Temporary name, then rename.
 * Returns PT_OK, PT_EIO or PT_ENOMEM. */
PT_API int pt_sim_write_truth_csv(pt_sim *s, const char *path, pt_error *err);

/* Write the recoveries (from their cursor) as CSV "t_end_exercise_s,hr_end_bpm,tau_s,
 * hr_60_bpm,hr_120_bpm,hrr60_bpm,hrr120_bpm" (NaN where the recording does not reach a value).
 * Temporary name, then rename. Returns PT_OK, PT_EIO or PT_ENOMEM. */
PT_API int pt_sim_write_recovery_csv(pt_sim *s, const char *path, pt_error *err);

/* Write the whole recording (from the generator's current position) as FLAC:
 * PPG, acc x, y, z at the PPG rate, 24-bit, channel names and scales in the
 * Vorbis comment (read back by --format auto without a channel map).
 * Temporary name, then rename. Returns PT_OK, PT_EIO or PT_ENOMEM. */
PT_API int pt_sim_write_flac(pt_sim *s, const char *path, pt_error *err);

/* Write it as a WFDB record NAME.hea + NAME.dat (format 16, multi-frequency:
 * frames at the accelerometer rate, fs_ppg/fs_acc PPG samples per frame;
 * gains 1000/au and 1000/g; checksums). Returns PT_OK, PT_EINVAL, PT_EIO. */
PT_API int pt_sim_write_wfdb(pt_sim *s, const char *hea_path, pt_error *err);

/* Free the simulator; NULL is a harmless no-op. */
PT_API void pt_sim_destroy(pt_sim *s);

#ifdef __cplusplus
}
#endif

#endif
