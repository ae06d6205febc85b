/* SPDX-License-Identifier: GPL-2.0-or-later
 * trimp.c — training impulse per heart-rate minute: Banister (1991; Morton 1990) and
 * Edwards (1993) zones. */
#include <math.h>

#include "pulsetrain/trimp.h"

double pt_trimp_banister(double minutes, double x, double k_a, double k_b)
{
    return minutes * x * k_a * exp(k_b * x);
}

int pt_edwards_zone(double pct)
{
    if (isnan(pct) || pct < 50)
        return 0;
    if (pct >= 90)
        return 5;
    return 1 + (int)((pct - 50) / 10);
}
