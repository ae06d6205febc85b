/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/peaks.h — peak finding with scipy.signal.find_peaks semantics (height,
 * distance, prominence) and scipy.signal.peak_prominences.
 *
 * Threads: pt_peak_prominences is pure. A pt_peaks is used by one thread at a time. */
#ifndef PULSETRAIN_PEAKS_H
#define PULSETRAIN_PEAKS_H

#include <stddef.h>

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Conditions, applied in scipy's order: height, distance, prominence. An unbounded
 * interval (-HUGE_VAL, HUGE_VAL) means "not given" (scipy None). */
typedef struct pt_peaks_config {
    double height_min, height_max; /* peak value bounds [signal units]; default +-HUGE_VAL */
    double distance;               /* min spacing [samples], >= 1 (ceil'd, as scipy);
                                              default 1 = no condition                        */
    double prominence_min,
        prominence_max; /* prominence bounds [signal units]; default +-HUGE_VAL */
} pt_peaks_config;

/* No conditions: every local maximum (scipy find_peaks(x)). */
PT_API pt_peaks_config pt_peaks_defaults(void);

typedef struct pt_peaks pt_peaks;

/* Largest number of peaks n samples can hold: [size] for the idx/prominence outputs. */
PT_API size_t pt_peaks_capacity(size_t n);

/* Validate cfg and allocate scratch for signals up to max_n samples.
 *   cfg   : conditions (copied); distance >= 1, min <= max for both intervals
 *   max_n : longest signal [samples], >= 1
 * Returns the object or NULL with PT_EINVAL / PT_ENOMEM in *err. Destroy with
 * pt_peaks_destroy. */
PT_API pt_peaks *pt_peaks_create(const pt_peaks_config *cfg, size_t max_n, pt_error *err);

/* Find peaks in x, scipy.signal.find_peaks(x, height, distance, prominence): strict local
 * maxima, a flat top counted once at its middle sample ((left + right) // 2), ends never
 * peaks; then the height interval, then distance (higher peaks win, scipy's
 * _select_by_peak_distance; equal heights: the later peak wins), then prominence.
 *   x          : signal [size: n]; NaN samples never become peaks
 *   n          : 0..max_n
 *   idx        : out, peak positions in increasing order [size: pt_peaks_capacity(n)]
 *   prominence : out, each peak's prominence (scipy peak_prominences, wlen None)
 *                [size: pt_peaks_capacity(n)], or NULL
 *   npeaks     : out, number of peaks written
 * Returns PT_OK, or PT_EINVAL (n > max_n, NULL). Never allocates. */
PT_API int pt_peaks_execute(pt_peaks *p, const double *x, size_t n, size_t *idx, double *prominence,
                            size_t *npeaks);

/* Release the object. NULL is a harmless no-op. */
PT_API void pt_peaks_destroy(pt_peaks *p);

/* Prominence of given peaks, scipy.signal.peak_prominences(x, peaks) (wlen None): the
 * height above the higher of the two lowest points reached before meeting a higher sample
 * (or the signal end) on either side.
 *   x : signal [size: n];  peaks : positions [size: npk], each < n
 *   prom : out [size: npk];  left_base, right_base : out [size: npk] or NULL
 * Returns PT_OK or PT_EINVAL (a position >= n, NULL). */
PT_API int pt_peak_prominences(const double *x, size_t n, const size_t *peaks, size_t npk,
                               double *prom, size_t *left_base, size_t *right_base);

#ifdef __cplusplus
}
#endif

#endif
