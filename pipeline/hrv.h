/* SPDX-License-Identifier: GPL-2.0-or-later
 * hrv.h — heart-rate variability of one stretch of intervals (pipeline/hrv.c). */
#ifndef PT_PIPELINE_HRV_H
#define PT_PIPELINE_HRV_H

#include <stddef.h>

#include "pulsetrain/error.h"

typedef struct pt_hrv_values {
    double n_nn;       /* accepted intervals                                      */
    double mean_rr_ms; /* MeanNN                                                  */
    double sdnn_ms;    /* SD of the accepted intervals, ddof 1                    */
    double rmssd_ms;   /* root mean square of successive differences              */
    double pnn50_pct;  /* 100 x (successive differences > 50 ms) / accepted intervals */
    double lf_ms2;     /* Welch power 0.04-0.15 Hz of the 4 Hz resampled series   */
    double hf_ms2;     /* 0.15-0.4 Hz                                             */
    double lf_hf;      /* lf / hf                                                 */
} pt_hrv_values;

/* HRV of intervals rr_ms[0..n) ending at beat times t_s[0..n) (sorted), of which ok[i]
 * says which are accepted (NULL: all). Successive differences are taken only between
 * accepted intervals that follow each other. The spectrum resamples the accepted intervals
 * linearly at 4 Hz and takes Welch's average (Hann, 256 samples, half overlap, constant
 * detrend, density; fewer samples: one segment of all). Values NaN when there are too few
 * (< 3 intervals; < 16 resampled points for the spectrum). scratch: [size: 4 * (t_s[n-1] -
 * t_s[0]) + 8 + 2 * 129]. Returns PT_OK or an error of the Welch kernel. */
int pt_hrv_compute(const double *t_s, const double *rr_ms, const unsigned char *ok, size_t n,
                   double *scratch, pt_hrv_values *out, pt_error *err);

#endif
