/* SPDX-License-Identifier: GPL-2.0-or-later
 * window.c — cosine-sum windows as scipy.signal.windows.general_cosine (Harris 1978):
 * w = sum_k a_k cos(k * fac), fac = linspace(-pi, pi, M); periodic = first n of M = n + 1. */
#include <math.h>

#include "pulsetrain/welch.h"

int pt_window_fill(pt_window w, size_t n, int periodic, double *out)
{
    static const double hann[] = {0.5, 0.5}, hamming[] = {0.54, 0.46},
                        blackman[] = {0.42, 0.50, 0.08};
    const double *a;
    int na;
    if (!out || n == 0)
        return PT_EINVAL;
    switch (w) {
    case PT_WINDOW_HANN:
        a = hann;
        na = 2;
        break;
    case PT_WINDOW_HAMMING:
        a = hamming;
        na = 2;
        break;
    case PT_WINDOW_BLACKMAN:
        a = blackman;
        na = 3;
        break;
    case PT_WINDOW_BOXCAR:
        for (size_t i = 0; i < n; i++)
            out[i] = 1.0;
        return PT_OK;
    default: return PT_EINVAL;
    }
    if (n == 1) { /* scipy _len_guards */
        out[0] = 1.0;
        return PT_OK;
    }
    const double pi = 3.14159265358979323846;
    size_t m = periodic ? n + 1 : n;
    double step = 2 * pi / (double)(m - 1);
    for (size_t i = 0; i < n; i++) {
        double fac = i == m - 1 ? pi : -pi + (double)i * step; /* numpy linspace */
        double v = 0;
        for (int k = 0; k < na; k++)
            v += a[k] * cos(k * fac);
        out[i] = v;
    }
    return PT_OK;
}
