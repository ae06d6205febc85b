/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/welch.h — window functions, Welch power spectral density, and the
 * short-time spectrum (spectrogram) over sliding windows.
 *
 * Threads: pt_window_fill is pure. A pt_welch / pt_spectrogram is used by one thread at a
 * time; create and destroy take the FFT planner lock (see fft.h). */
#ifndef PULSETRAIN_WELCH_H
#define PULSETRAIN_WELCH_H

#include <stddef.h>

#include "pulsetrain/error.h"
#include "pulsetrain/fft.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pt_window {
    PT_WINDOW_HANN,     /* scipy 'hann'     0.5 - 0.5 cos               */
    PT_WINDOW_HAMMING,  /* scipy 'hamming'  0.54 - 0.46 cos             */
    PT_WINDOW_BLACKMAN, /* scipy 'blackman' 0.42 - 0.5 cos + 0.08 cos 2 */
    PT_WINDOW_BOXCAR    /* scipy 'boxcar'   ones                        */
} pt_window;

typedef enum pt_scaling {
    PT_SCALING_DENSITY, /* power spectral density [units^2/Hz] (scipy 'density') */
    PT_SCALING_SPECTRUM /* power spectrum [units^2] (scipy 'spectrum')          */
} pt_scaling;

typedef enum pt_average {
    PT_AVERAGE_MEAN,  /* scipy average='mean' (default)                                   */
    PT_AVERAGE_MEDIAN /* scipy average='median': median over segments / its bias factor   */
} pt_average;

/* Welch / spectrogram parameters. Fill from pt_welch_defaults(), then change fields. */
typedef struct pt_welch_config {
    double fs_hz;     /* sample rate [Hz], > 0 (scipy fs)                                */
    size_t nperseg;   /* segment length [samples], >= 1 (scipy default 256)              */
    size_t noverlap;  /* overlap [samples], < nperseg (scipy default nperseg/2)          */
    size_t nfft;      /* FFT length [samples], nperseg..INT_MAX, zero-padded (default = nperseg) */
    pt_window window; /* window, periodic (scipy get_window fftbins=True); default hann  */
    int detrend_constant; /* 1: subtract each segment's mean (scipy 'constant', default); 0: none */
    pt_scaling scaling;   /* density (default) or spectrum                                   */
    pt_fft_rigor rigor;   /* FFT planning; ESTIMATE (default)                                */
    /* --- additions beyond the first API; pt_welch_defaults fills them --- */
    int detrend_linear; /* 1: subtract each segment's least-squares line (scipy 'linear');
                             overrides detrend_constant. Default 0                            */
    pt_average average; /* segment average, Welch only; default PT_AVERAGE_MEAN            */
    size_t max_n;       /* longest input [samples] with PT_AVERAGE_MEDIAN (sizes the scratch
                             that holds every segment's spectrum); unused for the mean. Default 0 */
} pt_welch_config;

/* scipy.signal.welch defaults for sample rate fs_hz: nperseg 256, noverlap 128, nfft 256,
 * periodic hann, constant detrend, density scaling, one-sided, mean average, ESTIMATE. */
PT_API pt_welch_config pt_welch_defaults(double fs_hz);

/* Welch's averaged periodogram (Welch 1967), matching scipy.signal.welch(x, fs, window,
 * nperseg, noverlap, nfft, detrend, return_onesided=True, scaling, average). */
typedef struct pt_welch pt_welch;

/* Validate cfg, allocate and plan the FFT.
 *   cfg : parameters (copied)
 *   err : out, reason on failure (may be NULL)
 * Returns the object, or NULL with PT_EINVAL (the offending field named) / PT_ENOMEM.
 * Destroy with pt_welch_destroy. Takes the planner lock. */
PT_API pt_welch *pt_welch_create(const pt_welch_config *cfg, pt_error *err);

/* Number of one-sided frequency bins, nfft/2 + 1. */
PT_API size_t pt_welch_nfreq(const pt_welch *w);

/* Bin frequencies, k * fs / nfft (numpy rfftfreq).  f_hz : out [size: nfreq] [Hz]. */
PT_API void pt_welch_freqs(const pt_welch *w, double *f_hz);

/* Number of segments Welch uses for n samples: (n - noverlap) / (nperseg - noverlap), or 0
 * when n < nperseg. */
PT_API size_t pt_welch_nseg(const pt_welch *w, size_t n);

/* PSD of x[0..n).
 *   x    : input [size: n]
 *   n    : nperseg <= n (and n <= max_n for the median average)
 *   psd  : out [size: nfreq], [units^2/Hz] (density) or [units^2] (spectrum)
 *   nseg : out, segments averaged (may be NULL)
 * Returns PT_OK, or PT_EINVAL when n < nperseg (scipy would shrink nperseg with a warning;
 * we refuse), n > max_n with the median, or a NULL pointer. Never allocates.
 * NaN in a segment makes that segment's spectrum NaN, hence the mean NaN at every bin;
 * the median then follows NaN ordering and is not meaningful: screen NaN first. */
PT_API int pt_welch_execute(pt_welch *w, const double *x, size_t n, double *psd, size_t *nseg);

/* Release the object (takes the planner lock). NULL is a harmless no-op. */
PT_API void pt_welch_destroy(pt_welch *w);

/* Short-time spectrum over sliding windows, scipy.signal.spectrogram(x, fs, window,
 * nperseg, noverlap, nfft, detrend, return_onesided=True, scaling, mode='psd'):
 * one scaled one-sided periodogram per segment, no averaging (cfg->average is ignored). */
typedef struct pt_spectrogram pt_spectrogram;

/* Same configuration and errors as pt_welch_create. Destroy with pt_spectrogram_destroy. */
PT_API pt_spectrogram *pt_spectrogram_create(const pt_welch_config *cfg, pt_error *err);

/* Number of one-sided frequency bins, nfft/2 + 1. */
PT_API size_t pt_spectrogram_nfreq(const pt_spectrogram *s);

/* Segments for n samples, as pt_welch_nseg (0 when n < nperseg). */
PT_API size_t pt_spectrogram_nseg(const pt_spectrogram *s, size_t n);

/* Bin frequencies [Hz] [size: nfreq]. */
PT_API void pt_spectrogram_freqs(const pt_spectrogram *s, double *f_hz);

/* Segment centre times, (nperseg/2 + i*(nperseg - noverlap)) / fs [s] (scipy's t),
 * t_s : out [size: nseg]. */
PT_API void pt_spectrogram_times(const pt_spectrogram *s, size_t nseg, double *t_s);

/* Spectra of every segment of x[0..n).
 *   sxx  : out [size: nseg * nfreq], segment-major: sxx[i*nfreq + k] is segment i, bin k
 *          (the transpose of scipy's freq x time array)
 *   nseg : out, segments written (may be NULL)
 * Returns PT_OK, or PT_EINVAL when n < nperseg or on a NULL pointer. Never allocates. */
PT_API int pt_spectrogram_execute(pt_spectrogram *s, const double *x, size_t n, double *sxx,
                                  size_t *nseg);

/* Release the object. NULL is a harmless no-op. */
PT_API void pt_spectrogram_destroy(pt_spectrogram *s);

/* Fill a window as scipy.signal.get_window(name, n, fftbins=periodic).
 *   w        : a pt_window
 *   n        : length [samples], >= 1 (n = 1 gives [1], as scipy)
 *   periodic : 1 = periodic (DFT-even, for spectral analysis), 0 = symmetric
 *   out      : out [size: n]
 * Returns PT_OK or PT_EINVAL (unknown window, n = 0, NULL). */
PT_API int pt_window_fill(pt_window w, size_t n, int periodic, double *out);

#ifdef __cplusplus
}
#endif

#endif
