/* SPDX-License-Identifier: GPL-2.0-or-later
 * order.h — order statistics of long arrays with bounded memory. */
#ifndef PT_KERNELS_ORDER_H
#define PT_KERNELS_ORDER_H

#include <stddef.h>

/* The k-th smallest (0-based) of the non-NaN values among x[0..n): the value sorting them
 * would put at k, found from a histogram and a sort of one bin (memory: that bin), with
 * release(arg) called every PT_RELEASE_ROWS (core/spill.h) values when release is not NULL. -1 when k is out of
 * range or out of memory. */
int pt_kth_value(const double *x, size_t n, size_t k, void (*release)(const void *),
                 const void *arg, double *out);

#endif
