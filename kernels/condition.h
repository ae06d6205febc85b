/* SPDX-License-Identifier: GPL-2.0-or-later
 * condition.h — zero-phase band-pass of an endless signal, chunk by chunk.
 *
 * scipy's sosfiltfilt needs the whole signal; here the signal is filtered in
 * chunks that overlap by margin_s on each side, and only samples at least
 * margin_s from a chunk's cut edge are emitted. An IIR band-pass forgets its
 * start exponentially (the slowest pole of a 0.5 Hz Butterworth decays by
 * e^-1 in ~0.7 s), so with a 30 s margin the output equals whole-signal
 * sosfiltfilt to rounding; tests/pipeline/test_condition.c checks 1e-9.
 * At the recording's true start and end the odd padding is scipy's.
 * Missing samples (NaN) are held at the last valid value before filtering. */
#ifndef PT_PIPELINE_CONDITION_H
#define PT_PIPELINE_CONDITION_H
#include <stddef.h>

#include "pulsetrain/error.h"

typedef struct pt_condition pt_condition;

/* Band-pass [lo_hz, hi_hz], Butterworth order `order`, zero-phase, at fs_hz;
 * chunk_s of new samples per filtering pass, margin_s of overlap. */
pt_condition *pt_condition_create(double fs_hz, double lo_hz, double hi_hz, int order,
                                  double chunk_s, double margin_s, pt_error *err);
/* Most samples one push may take [samples] (chunk_s worth). */
size_t pt_condition_max_in(const pt_condition *c);
/* Most samples one push or finish can emit [samples]. */
size_t pt_condition_max_out(const pt_condition *c);
/* Add n raw samples; filtered samples that are settled go to y[*ny]
 * (y [size: max_out]); raw copies of them (NaN kept) to raw[*ny] when raw is
 * not NULL. May emit nothing; never more than max_out per call; n <= max_in. */
int pt_condition_push(pt_condition *c, const double *x, size_t n, double *y, double *raw,
                      size_t *ny, pt_error *err);
/* End of signal: emit the rest. */
int pt_condition_finish(pt_condition *c, double *y, double *raw, size_t *ny, pt_error *err);
/* Raw samples currently buffered (from absolute index *first), for analyses
 * that need context around the emitted samples. */
const double *pt_condition_buffer(const pt_condition *c, size_t *n, long long *first);
void pt_condition_destroy(pt_condition *c);
#endif
