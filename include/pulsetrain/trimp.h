/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/trimp.h — training impulse of heart-rate minutes (Banister, Edwards): the formulas the
 * bouts, the daily table and the load model share. */
#ifndef PULSETRAIN_TRIMP_H
#define PULSETRAIN_TRIMP_H

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Banister TRIMP of `minutes` at heart-rate-reserve fraction x (Banister 1991;
 * Morton 1990): minutes * x * k_a * e^{k_b x}. Men k_a = 0.64, k_b = 1.92;
 * women 0.86, 1.67. x is used as given (callers clip to [0, 1]). */
PT_API double pt_trimp_banister(double minutes, double x, double k_a, double k_b);

/* Edwards (1993) zone weight of a heart rate at pct_hrmax percent of HRmax:
 * 0 below 50 %, 1 for [50, 60), 2 [60, 70), 3 [70, 80), 4 [80, 90), 5 >= 90;
 * 0 for NaN. Edwards TRIMP = sum of minutes * weight. */
PT_API int pt_edwards_zone(double pct_hrmax);

#ifdef __cplusplus
}
#endif

#endif
