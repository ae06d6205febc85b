/* SPDX-License-Identifier: GPL-2.0-or-later
 * hrv.h — heart-rate variability of one stretch of intervals (pipeline/hrv.c). */
#ifndef PT_PIPELINE_HRV_H
#define PT_PIPELINE_HRV_H

#include <stddef.h>

#include "pulsetrain/error.h"

struct pt_hrv_cache;

typedef struct pt_hrv_values {
    double n_nn;       /* accepted intervals                                      */
    double mean_rr_ms; /* MeanNN                                                  */
    double sdnn_ms;    /* SD of the accepted intervals, ddof 1                    */
    double rmssd_ms;   /* root mean square of successive differences              */
    double pnn50_pct;  /* 100 x (successive differences > 50 ms) / accepted intervals */
    double lf_ms2;     /* Welch power 0.04-0.15 Hz of the 4 Hz spline-resampled series */
    double hf_ms2;     /* 0.15-0.4 Hz                                             */
    double lf_hf;      /* lf / hf                                                 */
} pt_hrv_values;

/* HRV of intervals rr_ms[0..n) ending at beat times t_s[0..n) (sorted), of which ok[i]
 * says which are accepted (NULL: all). Successive differences are taken only between
 * accepted intervals that follow each other. The spectrum is NeuroKit2's hrv_frequency at
 * 4 Hz (pipeline/hrv.c): the accepted intervals through a quadratic spline at 4 Hz, mean
 * removed, Welch with nperseg = half the samples. Values NaN when there are too few (< 3
 * intervals; < 16 resampled points or no bin in a band for the spectrum; accepted times
 * not increasing). scratch: PT_HRV_SCRATCH(m_max, n) doubles with m_max >= 4 (t_s[last] -
 * t_s[first]) + 2. Returns PT_OK or an error of the Welch kernel. */
#define PT_HRV_SCRATCH(m_max, n) (5 * (size_t)(n) + 2 * (size_t)(m_max) + 8)
int pt_hrv_compute(const double *t_s, const double *rr_ms, const unsigned char *ok, size_t n,
                   double *scratch, struct pt_hrv_cache *cache, pt_hrv_values *out, pt_error *err);

/* Welch objects kept between pt_hrv_compute calls (cache: NULL = none): each segment has
 * its own length, but 5 min segments take only a few, and an FFT plan of such a length
 * (e.g. 1198 = 2 x 599) costs more than the spectrum itself. Zero-initialise; free with
 * pt_hrv_cache_free. */
#define PT_HRV_CACHE_N 6
typedef struct pt_hrv_cache {
    struct pt_welch *w[PT_HRV_CACHE_N];
    size_t nperseg[PT_HRV_CACHE_N];
    size_t next; /* the slot replaced next */
} pt_hrv_cache;
void pt_hrv_cache_free(pt_hrv_cache *c);

#endif
