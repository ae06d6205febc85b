/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_stats.c — moving mean / std / median against direct per-window computation
 * (numpy semantics: std ddof 0, median of even count = mean of the middle two),
 * block-wise == whole, NaN handling. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pt_test.h"
#include "pulsetrain/stats.h"

/* running sums re-anchored every window vs two-pass per window: 1e-12 of the range
 * (signals here have a 1e3 offset, the hard case for running sums) */
#define TOL_STATS 1e-10

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double direct(pt_movstat_kind k, const double *x, size_t w, double *tmp)
{
    double s = 0;
    for (size_t i = 0; i < w; i++) {
        if (isnan(x[i]))
            return NAN;
        s += x[i];
    }
    double mu = s / (double)w;
    if (k == PT_MOVSTAT_MEAN)
        return mu;
    if (k == PT_MOVSTAT_STD) {
        double v = 0;
        for (size_t i = 0; i < w; i++)
            v += (x[i] - mu) * (x[i] - mu);
        return sqrt(v / (double)w);
    }
    memcpy(tmp, x, w * sizeof *tmp);
    qsort(tmp, w, sizeof *tmp, cmp);
    return w % 2 ? tmp[w / 2] : (tmp[w / 2 - 1] + tmp[w / 2]) / 2;
}

PT_TEST(moving_stats_match_direct_and_blocks)
{
    size_t n = 5000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *y2 = malloc(n * sizeof *y2),
           *tmp = malloc(n * sizeof *tmp);
    uint64_t s = 42;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = 1000.0 + sin(0.01 * (double)i) + (double)(s >> 11) / 9007199254740992.0;
        if (i % 97 == 0)
            x[i] = x[i - (i ? 1 : 0)]; /* ties for the median */
    }
    x[3000] = NAN;
    static const size_t ws[] = {1, 2, 7, 64, 255};
    for (int k = 0; k < 3; k++)
        for (size_t wi = 0; wi < sizeof ws / sizeof ws[0]; wi++) {
            size_t w = ws[wi];
            pt_movstat *m = pt_movstat_create((pt_movstat_kind)k, w, NULL);
            PT_REQUIRE(m);
            PT_CHECK_INT(PT_OK, pt_movstat_execute(m, x, y, n));
            int bad = 0;
            for (size_t i = 0; i < n && bad < 3; i++) {
                double e =
                    i + 1 < w ? (double)NAN : direct((pt_movstat_kind)k, x + i + 1 - w, w, tmp);
                if (!((isnan(e) && isnan(y[i])) || fabs(e - y[i]) <= TOL_STATS * 1000)) {
                    PT_FAILF("kind %d w %zu i %zu: expected %.17g got %.17g", k, w, i, e, y[i]);
                    bad++;
                }
            }
            pt_checks_++;
            /* blocks of varying size, in place */
            pt_movstat_reset(m);
            memcpy(y2, x, n * sizeof *y2);
            for (size_t pos = 0, b = 1; pos < n; pos += b, b = b * 3 % 1000 + 1) {
                size_t len = b < n - pos ? b : n - pos;
                pt_movstat_execute(m, y2 + pos, y2 + pos, len);
            }
            for (size_t i = 0; i < n; i++)
                if (!(y[i] == y2[i] || (isnan(y[i]) && isnan(y2[i])))) {
                    PT_FAILF("kind %d w %zu: block output differs at %zu", k, w, i);
                    break;
                }
            pt_movstat_destroy(m);
        }
    free(x);
    free(y);
    free(y2);
    free(tmp);
}

PT_TEST(movstat_errors)
{
    pt_error err = {0};
    PT_CHECK(pt_movstat_create(PT_MOVSTAT_MEAN, 0, &err) == NULL);
    PT_CHECK_STR_CONTAINS(err.msg, "window");
    PT_CHECK(pt_movstat_create((pt_movstat_kind)9, 3, &err) == NULL);
    pt_movstat_destroy(NULL);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
