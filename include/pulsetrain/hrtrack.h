/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/hrtrack.h — heart rate from wrist PPG under motion: per-window spectra with the
 * accelerometer's contribution suppressed, and a Viterbi path through time.
 *
 * Method (docs/heart-rate.md): PPG and acc band-passed (Butterworth 0.5-4 Hz, order 4,
 * zero-phase) and linearly resampled to fs_proc_hz; per window (8 s, step 2 s) the z-scored
 * channels' zero-padded FFTs; motion suppressed twice and the two results mixed:
 *   - Wiener-type gains of the PPG spectrum against the normalised accelerometer spectrum,
 *     the "signal" estimate being the PPG spectrum averaged over neighbouring windows
 *     (Temko 2017, IEEE TBME 64(9):2016-2024, "WFPV");
 *   - removal of the PPG power that is linearly predictable from the three acc axes
 *     (multiple coherence from cross-spectra averaged over neighbouring windows; Bendat &
 *     Piersol, Random Data, 4th ed. 2010, ch. 7);
 * then Viterbi decoding over the BPM grid with a Laplacian transition in BPM per step
 * (Temko 2017, offline "VD"), a fixed decision lag (flat memory) or the whole record.
 * All PPG channels are used: the per-channel max-normalised spectra are averaged.
 *
 * Lifecycle: pt_hrtrack_create -> pt_hrtrack_push (blocks of conditioned samples, any
 * length) ... -> pt_hrtrack_finish -> pt_hrtrack_destroy (or pt_hrtrack_reset to start a
 * new recording with the same memory). pt_hrtrack_process does all of it, conditioning
 * included, on whole arrays.
 * Threads: one thread per object at a time; create/destroy take the FFT planner lock. */
#ifndef PULSETRAIN_HRTRACK_H
#define PULSETRAIN_HRTRACK_H
#include <stddef.h>

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parameters; fill from pt_hrtrack_defaults() and change fields. Window counts refer to
 * the analysis step (default 2 s). */
typedef struct pt_hrtrack_config {
    double window_s;     /* analysis window [s], default 8, >= 2                          */
    double step_s;       /* window step [s], default 2, 0 < step_s <= window_s            */
    double fs_proc_hz;   /* internal rate [Hz], default 25, >= 2.2 * bpm_max / 60         */
    size_t nfft;         /* zero-padded FFT length, default 2048, >= window_s*fs_proc_hz  */
    double band_lo_hz;   /* conditioning band-pass (pt_hrtrack_process only), default 0.5 */
    double band_hi_hz;   /* default 4.0                                                   */
    int band_order;      /* Butterworth order, default 4 (zero-phase: 8 effective)        */
    double bpm_min;      /* search range [bpm], default 40                                */
    double bpm_max;      /* default 220                                                   */
    size_t wiener_half;  /* PPG spectrum average for the Wiener gains: +-windows, def. 7  */
    size_t coh_half;     /* cross-spectral average for the coherence: +-windows, def. 15  */
    double coh_reg;      /* diagonal loading of the acc cross-spectral matrix, x trace/nref,
                            default 0.05                                                  */
    int acc_magnitude;   /* 1: the band-passed |a| of the raw axes is a 4th coherence
                            reference (non-linear motion coupling), default 1             */
    double acc_pow;      /* exponent on the normalised acc magnitude spectrum, default 2  */
    double w_coh;        /* weight of the coherence-cleaned spectrum in the emission
                            (the Wiener-cleaned one gets 1 - w_coh), 0..1, default 0.7     */
    double emis_beta;    /* log-emission = emis_beta * spectrum / max, default 6           */
    double trans_bpm;    /* Laplacian transition scale [bpm per step per nat], default 1.5 */
    double refine_bpm;   /* final estimate: Wiener-spectrum peak within +- this of the
                            path [bpm], default 3                                         */
    size_t smooth;       /* centred moving average of the estimates [windows], default 3  */
    double quality_bpm;  /* half-width of the "near the path" band of the quality [bpm],
                            default 6                                                     */
    size_t quality_half; /* the quality is averaged over +- this many windows, default 7  */
    size_t lag_windows;  /* fixed-lag decision delay [windows], default 150 (5 min)       */
} pt_hrtrack_config;

/* The defaults above (tuned on SPC 2015 01-08; docs/heart-rate.md). */
PT_API pt_hrtrack_config pt_hrtrack_defaults(void);

/* One analysis window [t_start_s, t_start_s + window_s). */
typedef struct pt_hrtrack_window {
    double t_start_s;     /* window start, relative to the first sample [s]                */
    double bpm;           /* heart rate [bpm]                                              */
    double quality;       /* 0..1: share of the cleaned spectrum near the path x the path's
                            height relative to the window's peak, averaged over
                            +-quality_half windows; < 0.1 = unreliable                     */
    double cand_bpm[3];   /* the three highest local maxima of the emission [bpm]
                            (0 when fewer), highest first                                 */
    double cand_score[3]; /* their emission values, 0..1                                   */
    double motion_g;      /* largest standard deviation of the band-passed accelerometer axes
                            in the window [the acc's units: g in the pipeline]; NaN without
                            accelerometer                                                 */
} pt_hrtrack_window;

/* The one reliability rule for a heart-rate window (docs/heart-rate.md, "Reliable"):
 * a window is reliable when its rate is finite and
 *   - quality >= PT_HR_QUALITY_REST, or >= PT_HR_QUALITY_MOTION while the wrist moves
 *     (motion_g > PT_HR_MOTION_G: the spectrum then holds motion lines that a weak pulse
 *     is confused with);
 *   - the clean beats of the window, when there are (beats_bpm finite: median rate of at
 *     least PT_HR_MIN_BEATS intervals), agree with it within PT_HR_AGREE_BPM;
 *   - a device heart rate, when there is one (device_bpm finite), agrees within
 *     PT_HR_AGREE_BPM.
 * Calibrated on SPC 2015 and wrist_ppg_exercise (bench/eval_hr.c prints the reliable and
 * the wrong share per data set). Returns 1 (reliable) or 0. */
#define PT_HR_QUALITY_REST 0.10
#define PT_HR_QUALITY_MOTION 0.13
#define PT_HR_MOTION_G 0.10
#define PT_HR_AGREE_BPM 15.0
#define PT_HR_MIN_BEATS 4
PT_API int pt_hr_reliable(double bpm, double quality, double motion_g, double beats_bpm,
                          double device_bpm);

typedef struct pt_hrtrack pt_hrtrack;

/* Create a tracker.
 *   cfg            : parameters (copied); NULL = pt_hrtrack_defaults()
 *   fs_ppg_hz      : PPG sample rate [Hz], > 0
 *   n_ppg_channels : PPG channels, 1..8 (all are used)
 *   fs_acc_hz      : accelerometer sample rate [Hz], > 0 (ignored without acc)
 *   have_acc       : 1 when the accelerometer is pushed (pt_hrtrack_nacc streams), 0 for
 *                    PPG only (no motion suppression)
 *   err            : out, reason on failure (may be NULL)
 * Returns the object, or NULL with PT_EINVAL / PT_ENOMEM in *err. Destroy with
 * pt_hrtrack_destroy. Memory is flat in the recording length: about
 * (2*max(coh_half, wiener_half) + 2) * (n_ppg_channels + 4) * nbins * 16 B
 * + (lag_windows + 1) * nbins * 18 B, nbins = bins in bpm_min..bpm_max (246 by default):
 * about 1.5 MB with the defaults. */
PT_API pt_hrtrack *pt_hrtrack_create(const pt_hrtrack_config *cfg, double fs_ppg_hz,
                                     size_t n_ppg_channels, double fs_acc_hz, int have_acc,
                                     pt_error *err);

/* Accelerometer streams pt_hrtrack_push expects: 0 (no acc), 3 (x, y, z) or, with
 * cfg->acc_magnitude (default), 4: x, y, z and |a| = sqrt(x^2 + y^2 + z^2) of the raw axes,
 * each band-passed like the PPG. */
PT_API size_t pt_hrtrack_nacc(const pt_hrtrack *h);

/* Upper bound on the windows one pt_hrtrack_push of n_ppg samples, or pt_hrtrack_finish
 * (n_ppg = 0), can return: size `out` with it. */
PT_API size_t pt_hrtrack_max_out(const pt_hrtrack *h, size_t n_ppg);

/* Number of windows a recording of dur_s seconds yields: floor((dur_s - window_s)/step_s)+1
 * (0 when shorter than one window). Window i starts at i * step_s. */
PT_API size_t pt_hrtrack_nwindows(const pt_hrtrack_config *cfg, double dur_s);

/* Feed the next block of conditioned (band-passed) samples; returns the windows decided
 * so far, in order (fixed lag: window i comes out once window i + lag_windows +
 * coh_half + smooth/2 has been seen).
 *   ppg   : n_ppg_channels pointers, each to n_ppg samples (any units)
 *   n_ppg : samples per PPG channel in this block, may be 0
 *   acc   : pt_hrtrack_nacc(h) pointers (x, y, z[, |a|]) to n_acc samples each (any units,
 *           the same for all); NULL without acc
 *   n_acc : samples per axis in this block, may be 0 (blocks need not be aligned in time)
 *   out   : out, decided windows [size: max_out]; n_out: out, how many
 * Returns PT_OK, or PT_EINVAL (NULL pointer, max_out < pt_hrtrack_max_out(h, n_ppg)) /
 * PT_EDATA (non-finite sample, with its index). Never allocates. */
PT_API int pt_hrtrack_push(pt_hrtrack *h, const double *const *ppg, size_t n_ppg,
                           const double *const *acc, size_t n_acc, pt_hrtrack_window *out,
                           size_t max_out, size_t *n_out, pt_error *err);

/* End of recording: decide and return the remaining windows (the tail of the path is
 * decoded from the best final state, as the global decoder does). Then the object
 * accepts nothing more until pt_hrtrack_reset.
 *   out : out [size: max_out >= pt_hrtrack_max_out(h, 0)]; n_out: out, how many
 * Returns PT_OK or PT_EINVAL. Never allocates. */
PT_API int pt_hrtrack_finish(pt_hrtrack *h, pt_hrtrack_window *out, size_t max_out, size_t *n_out,
                             pt_error *err);

/* Forget the recording; keep the memory and the configuration. */
PT_API void pt_hrtrack_reset(pt_hrtrack *h);

/* Release the object. NULL is a harmless no-op. */
PT_API void pt_hrtrack_destroy(pt_hrtrack *h);

/* Decoding of a whole array. */
typedef enum pt_hrtrack_decode {
    PT_HRTRACK_FIXED_LAG, /* cfg->lag_windows, flat memory (what the pipeline runs) */
    PT_HRTRACK_GLOBAL     /* exact Viterbi over the whole record; memory ~ windows x bins */
} pt_hrtrack_decode;

/* Whole-array convenience: band-pass (zero-phase, scipy sosfiltfilt) every channel, then
 * create, push, finish and destroy a tracker.
 *   cfg            : parameters; NULL = defaults
 *   ppg            : n_ppg_channels pointers to n_ppg raw samples; fs_ppg_hz their rate
 *   acc            : 3 pointers (x, y, z) to n_acc raw samples, or NULL; fs_acc_hz their
 *                    rate (|a| is computed here when cfg->acc_magnitude)
 *   mode           : PT_HRTRACK_FIXED_LAG or PT_HRTRACK_GLOBAL
 *   out            : out [size: max_out >= pt_hrtrack_nwindows(cfg, duration)], where the
 *                    duration is min(n_ppg/fs_ppg_hz, n_acc/fs_acc_hz); n_out: out
 * Returns PT_OK, PT_EINVAL, PT_ENOMEM or PT_EDATA. Allocates (copies of the signals). */
PT_API int pt_hrtrack_process(const pt_hrtrack_config *cfg, const double *const *ppg,
                              size_t n_ppg_channels, size_t n_ppg, double fs_ppg_hz,
                              const double *const *acc, size_t n_acc, double fs_acc_hz,
                              pt_hrtrack_decode mode, pt_hrtrack_window *out, size_t max_out,
                              size_t *n_out, pt_error *err);

/* Systolic peaks of a PPG by two moving averages (Elgendi et al. 2013, PLoS ONE
 * 8(10):e76585): band-pass 0.5-8 Hz, clip at 0, square, MA over 111 ms (peak) and 667 ms
 * (beat) + offset 0.02 * mean; blocks where the first exceeds the second and last >= 111 ms
 * hold one beat each, at the block's maximum.
 *   ppg, n, fs_hz : one raw PPG channel
 *   acc, n_acc, fs_acc_hz : 3 acc axes (or NULL); a beat is flagged when the acc magnitude's
 *                   standard deviation over +-2 s exceeds motion_g (same units as acc)
 *   t_s       : out, beat times [s] [size: max_beats]
 *   ibi_s     : out, interval to the previous beat [s] (0 for the first; NaN for the first
 *               after a gap, i.e. NaN samples, which end a run of beats) [size: max_beats]
 *   motion    : out, 1 when the beat falls in heavy motion [size: max_beats]; may be NULL
 *   n_beats   : out, how many
 * Returns PT_OK, PT_EINVAL (max_beats too small: n_beats then says how many were found up
 * to the limit) or PT_ENOMEM. Allocates scratch. */
PT_API int pt_hrtrack_beats(const double *ppg, size_t n, double fs_hz, const double *const *acc,
                            size_t n_acc, double fs_acc_hz, double motion_g, double *t_s,
                            double *ibi_s, int *motion, size_t max_beats, size_t *n_beats,
                            pt_error *err);

#ifdef __cplusplus
}
#endif

#endif
