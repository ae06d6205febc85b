/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/fft.h — real FFT of any length on FFTW3, planned once, executed many times.
 *
 * Threads: one thread per object at a time. Planning (create, destroy, wisdom import and
 * export) takes the library's planner lock, so objects may be created on worker threads.
 * A host program that also calls the FFTW planner itself, on other threads, must serialize
 * those calls too, or link -lfftw3_threads and call fftw_make_planner_thread_safe().
 * The library never calls fftw_cleanup(); main() may, once every object is destroyed. */
#ifndef PULSETRAIN_FFT_H
#define PULSETRAIN_FFT_H

#include <stddef.h>

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Planner rigor: ESTIMATE (default) is deterministic and fast to plan; MEASURE times
 * candidate plans at create (seconds for large n; reuse with wisdom). */
typedef enum pt_fft_rigor { PT_FFT_ESTIMATE, PT_FFT_MEASURE } pt_fft_rigor;

typedef struct pt_fft pt_fft;

/* Create a real FFT plan pair (forward r2c and inverse c2r) of length n.
 *   n     : transform length [samples], 1..INT_MAX (any factorisation)
 *   rigor : PT_FFT_ESTIMATE or PT_FFT_MEASURE
 *   err   : out, reason on failure (may be NULL)
 * Returns the object, or NULL with PT_EINVAL (bad n) / PT_ENOMEM / PT_EINTERNAL (FFTW
 * returned no plan) in *err. Destroy with pt_fft_destroy. Takes the planner lock. */
PT_API pt_fft *pt_fft_create(size_t n, pt_fft_rigor rigor, pt_error *err);

/* Transform length n given at create. */
PT_API size_t pt_fft_n(const pt_fft *f);

/* Number of non-negative frequency bins, n/2 + 1. */
PT_API size_t pt_fft_nfreq(const pt_fft *f);

/* Forward real FFT, unnormalised, like numpy.fft.rfft: X_k = sum_t x_t exp(-2 pi i k t / n).
 *   x      : input [size: n]
 *   re, im : out, real and imaginary parts of X_0..X_{n/2} [size: nfreq each]
 * Returns PT_OK, or PT_EINVAL on a NULL pointer. Never allocates; x is not modified;
 * x may not alias re or im. Zero-copy when x is malloc-aligned and im == re + nfreq (one
 * array of 2*nfreq); any other layout costs one copy of the spectrum. */
PT_API int pt_fft_forward(pt_fft *f, const double *x, double *re, double *im);

/* Inverse real FFT like numpy.fft.irfft(X, n): divides by n; the imaginary parts of X_0
 * (and of X_{n/2} for even n) are ignored, as numpy does.
 *   re, im : spectrum [size: nfreq each]; not modified
 *   x      : out, time signal [size: n]
 * Returns PT_OK, or PT_EINVAL on a NULL pointer. Never allocates. */
PT_API int pt_fft_inverse(pt_fft *f, const double *re, const double *im, double *x);

/* Power spectrum p_k = |X_k|^2 of the unnormalised forward FFT (numpy abs(rfft(x))**2).
 *   x : input [size: n];  p : out [size: nfreq]
 * Returns PT_OK, or PT_EINVAL on a NULL pointer. Never allocates. */
PT_API int pt_fft_power(pt_fft *f, const double *x, double *p);

/* Release the object (takes the planner lock). NULL is a harmless no-op. */
PT_API void pt_fft_destroy(pt_fft *f);

/* Merge FFTW wisdom from a file written by pt_fft_wisdom_export (or fftw-wisdom), so that
 * later MEASURE plans of the same sizes are found without timing. Call from one thread
 * (e.g. the CLI's main thread) before workers start.
 *   path : wisdom file
 * Returns PT_OK, or PT_EIO (unreadable file) / PT_EFORMAT (not FFTW wisdom) with the path
 * in *err. Takes the planner lock. */
PT_API int pt_fft_wisdom_import(const char *path, pt_error *err);

/* Write the process's accumulated FFTW wisdom to path (overwrites). Returns PT_OK or PT_EIO
 * with the path in *err. Takes the planner lock. Write to a temporary name and rename it
 * yourself if other processes may read the file concurrently. */
PT_API int pt_fft_wisdom_export(const char *path, pt_error *err);

#ifdef __cplusplus
}
#endif

#endif
