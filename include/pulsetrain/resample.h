/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/resample.h — rational-rate polyphase resampling (scipy.signal.resample_poly)
 * and linear interpolation onto a time base (numpy.interp).
 *
 * Threads: pt_interp is pure. A pt_resample holds only its filter (read-only after
 * create) and may be shared by threads. */
#ifndef PULSETRAIN_RESAMPLE_H
#define PULSETRAIN_RESAMPLE_H

#include <stddef.h>

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pt_resample pt_resample;

/* Design the anti-aliasing filter of scipy.signal.resample_poly(x, up, down) with its
 * defaults: up/down reduced by their gcd, FIR firwin(20*max(up,down) + 1, 1/max(up,down),
 * window=('kaiser', 5.0)) times up, zero ('constant') padding at both ends.
 *   up, down : rate factors, 1..10000 each (fs_out = fs_in * up / down)
 * Returns the object or NULL with PT_EINVAL / PT_ENOMEM. Destroy with pt_resample_destroy. */
PT_API pt_resample *pt_resample_create(int up, int down, pt_error *err);

/* Output length for n_in input samples: ceil(n_in * up / down). */
PT_API size_t pt_resample_nout(const pt_resample *r, size_t n_in);

/* Resample one whole buffer (the signal is taken as zero outside it, as scipy).
 *   x : input [size: n], n >= 1;  y : out [size: pt_resample_nout(r, n)], must not alias x
 *   n_out : out, samples written (may be NULL)
 * Returns PT_OK or PT_EINVAL (NULL, n = 0). Never allocates. NaN input spreads over the
 * filter length (about 10*max(up,down)/up output samples either side). */
PT_API int pt_resample_execute(const pt_resample *r, const double *x, size_t n, double *y,
                               size_t *n_out);

/* Release the object. NULL is a harmless no-op. */
PT_API void pt_resample_destroy(pt_resample *r);

/* Piecewise-linear interpolation, numpy.interp(tq, tx, x): queries before tx[0] take x[0],
 * after tx[n-1] take x[n-1]; a NaN query gives NaN.
 *   tx : sample times, non-decreasing [size: n], n >= 1 (not checked, as numpy)
 *   x  : sample values [size: n]
 *   tq : query times [size: m], any order (fastest when non-decreasing)
 *   y  : out [size: m]
 * Returns PT_OK or PT_EINVAL (NULL, n = 0). */
PT_API int pt_interp(const double *tx, const double *x, size_t n, const double *tq, double *y,
                     size_t m);

#ifdef __cplusplus
}
#endif

#endif
