/* SPDX-License-Identifier: GPL-2.0-or-later
 * order.c — an order statistic of a long array without sorting (or copying) all of it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/spill.h" /* PT_RELEASE_ROWS */
#include "kernels/order.h"

#define NBIN 4096

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Bin of x in [lo, hi]: monotone in x, so each bin holds a run of the sorted values. */
static size_t bin_of(double x, double lo, double scale)
{
    double b = floor((x - lo) * scale);
    return !(b >= 0) ? 0 : b >= NBIN - 1 ? NBIN - 1 : (size_t)b;
}

int pt_kth_value(const double *x, size_t n, size_t k, void (*release)(const void *),
                 const void *arg, double *out)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(x[i])) {
            lo = x[i] < lo ? x[i] : lo;
            hi = x[i] > hi ? x[i] : hi;
            m++;
        }
        if (release && (i + 1) % PT_RELEASE_ROWS == 0)
            release(arg);
    }
    if (k >= m)
        return -1;
    if (lo == hi) {
        *out = lo;
        return 0;
    }
    size_t *count = calloc(NBIN, sizeof *count);
    if (!count)
        return -1;
    double scale = (double)NBIN / (hi - lo);
    for (size_t i = 0; i < n; i++) {
        if (!isnan(x[i]))
            count[bin_of(x[i], lo, scale)]++;
        if (release && (i + 1) % PT_RELEASE_ROWS == 0)
            release(arg);
    }
    size_t b = 0, below = 0;
    while (below + count[b] <= k)
        below += count[b++];
    size_t nb = count[b], j = 0;
    free(count);
    double *v = malloc(nb * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < n && j < nb; i++) {
        if (!isnan(x[i]) && bin_of(x[i], lo, scale) == b)
            v[j++] = x[i];
        if (release && (i + 1) % PT_RELEASE_ROWS == 0)
            release(arg);
    }
    qsort(v, nb, sizeof *v, cmp_double);
    *out = v[k - below];
    free(v);
    if (release)
        release(arg);
    return 0;
}
