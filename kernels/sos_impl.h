/* SPDX-License-Identifier: GPL-2.0-or-later
 * sos_impl.h — internal controls of kernels/sos.c for its tests (not installed). */
#ifndef PULSETRAIN_SOS_IMPL_H
#define PULSETRAIN_SOS_IMPL_H

#include "pulsetrain/sos.h"

/* Which code filters a long block. AUTO (the default after create) uses the AVX2 lanes
 * when the CPU has AVX2 + FMA and the block is long enough (n >= 5 W), else the serial
 * code. The others force one path wherever it applies: lanes need n >= (lanes + 1) W,
 * W = pt_sos_warmup(f); shorter blocks run serially. */
typedef enum pt_sos_path {
    PT_SOS_PATH_AUTO,
    PT_SOS_PATH_SERIAL,    /* one stream, sections in a wavefront (scipy's recursion) */
    PT_SOS_PATH_LANES,     /* 2 time lanes in portable 2-double vectors, no FMA */
    PT_SOS_PATH_LANES_AVX2 /* 4 time lanes, AVX2 + FMA (x86-64 with both only) */
} pt_sos_path;

/* Select the path. Returns PT_OK; PT_EUNSUPPORTED when the CPU lacks it or the filter has
 * no lane warm-up (pt_sos_warmup(f) == 0); PT_EINVAL for NULL or an unknown path. The path
 * is unchanged on error. */
int pt_sos_set_path(pt_sos *f, pt_sos_path path);

/* Warm-up of a time lane [samples], chosen at create so that a zero start state is
 * forgotten to 2^-53 of the true state's 1-norm; 0 when the lanes are off for this filter
 * (a pole too close to the unit circle, or more than 32 sections). */
size_t pt_sos_warmup(const pt_sos *f);

#endif
