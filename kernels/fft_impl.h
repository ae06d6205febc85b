/* SPDX-License-Identifier: GPL-2.0-or-later
 * fft_impl.h — internal helpers of kernels/fft.c for the other kernels (not installed). */
#ifndef PULSETRAIN_FFT_IMPL_H
#define PULSETRAIN_FFT_IMPL_H

#include "pulsetrain/fft.h"

/* Forward FFT into the object's own buffer: interleaved (re, im) pairs [2*nfreq], valid
 * until the next call on f. */
const double *pt_fft_forward_internal(pt_fft *f, const double *x);

/* The object's aligned input buffer [n]; pass it back as x to transform without a copy. */
double *pt_fft_inbuf(pt_fft *f);

#endif
