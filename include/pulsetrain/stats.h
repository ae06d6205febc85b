/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/stats.h — moving statistics (mean, standard deviation, median) over a
 * trailing window, block by block.
 *
 * Threads: a pt_movstat is used by one thread at a time. */
#ifndef PULSETRAIN_STATS_H
#define PULSETRAIN_STATS_H

#include <stddef.h>

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pt_movstat_kind {
    PT_MOVSTAT_MEAN,  /* arithmetic mean (pandas rolling(w).mean())                   */
    PT_MOVSTAT_STD,   /* population standard deviation, ddof 0 (numpy.std)            */
    PT_MOVSTAT_MEDIAN /* median; mean of the two middle values for even w (numpy)     */
} pt_movstat_kind;

typedef struct pt_movstat pt_movstat;

/* Create a moving statistic over the last `window` samples.
 *   kind   : a pt_movstat_kind
 *   window : window length [samples], 1..2^28
 * Returns the object or NULL with PT_EINVAL / PT_ENOMEM. Destroy with pt_movstat_destroy. */
PT_API pt_movstat *pt_movstat_create(pt_movstat_kind kind, size_t window, pt_error *err);

/* y[i] = statistic of the `window` samples ending at x[i] (trailing window, like pandas
 * rolling(window) with min_periods = window). Stateful: consecutive blocks give the same
 * output as one call on the concatenation (bit for bit).
 *   x : input [size: n];  y : out [size: n]; y == x allowed
 * The first window-1 outputs after create/reset are NaN (window not yet full), and so is
 * every output whose window holds a NaN (numpy semantics).
 * Returns PT_OK or PT_EINVAL (NULL). Never allocates. Accuracy: mean/std use running sums
 * re-anchored every window samples, ~1e-12 relative to the signal's range. */
PT_API int pt_movstat_execute(pt_movstat *m, const double *x, double *y, size_t n);

/* Forget the history (as after create); keeps the memory. */
PT_API void pt_movstat_reset(pt_movstat *m);

/* Release the object. NULL is a harmless no-op. */
PT_API void pt_movstat_destroy(pt_movstat *m);

#ifdef __cplusplus
}
#endif

#endif
