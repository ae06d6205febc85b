/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_hrv.c — pt_hrv_compute (pipeline/hrv.c) against tests/hrv_reference/expected.csv,
 * what NeuroKit2 0.2.12's hrv_time and hrv_frequency(interpolation_rate=4, normalize=False)
 * return on the fixed series rr.csv (hrv_ref.py; the numbers are checked in); and /hrv from a
 * CSV with an IBI column. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/hrv.h"
#include "pt_test.h"
#include "pulsetrain/pipeline.h"
#include "pulsetrain/summary.h"

static const char *src_dir(void)
{
    const char *d = getenv("PT_SOURCE_DIR");
    return d && *d ? d : "..";
}

/* rr.csv into t, rr (cap rows); the number read. */
static size_t read_rr(double *t, double *rr, size_t cap)
{
    char path[1024], line[256];
    snprintf(path, sizeof path, "%s/tests/hrv_reference/rr.csv", src_dir());
    FILE *f = fopen(path, "r");
    PT_CHECK(f != NULL);
    size_t n = 0;
    if (!f || !fgets(line, sizeof line, f)) {
        if (f)
            fclose(f);
        return 0;
    }
    while (n < cap && fscanf(f, "%lf,%lf", &t[n], &rr[n]) == 2)
        n++;
    fclose(f);
    return n;
}

/* Every row of tests/hrv_reference/NAME (name,value) against v; the rows seen.
 * 1e-9 relative: the same sums in another order, our tridiagonal spline solve against
 * scipy's banded LU, FFTW against pocketfft (each ~1e-15 relative); a difference of method
 * shows at 1e-3 or more (linear interpolation: 0.2 on HF; a per-segment detrend instead of
 * NeuroKit2's global mean: 6e-8 on LF). */
static int check_expected(const char *name_csv, const pt_hrv_values *v)
{
    char path[1024], line[256], name[32];
    snprintf(path, sizeof path, "%s/tests/hrv_reference/%s", src_dir(), name_csv);
    FILE *f = fopen(path, "r");
    PT_CHECK(f != NULL);
    if (!f || !fgets(line, sizeof line, f)) {
        if (f)
            fclose(f);
        return 0;
    }
    double want;
    int seen = 0;
    while (fscanf(f, "%31[^,],%lf\n", name, &want) == 2) {
        double got = !strcmp(name, "MeanNN")  ? v->mean_rr_ms
                     : !strcmp(name, "SDNN")  ? v->sdnn_ms
                     : !strcmp(name, "RMSSD") ? v->rmssd_ms
                     : !strcmp(name, "pNN50") ? v->pnn50_pct
                     : !strcmp(name, "LF")    ? v->lf_ms2
                     : !strcmp(name, "HF")    ? v->hf_ms2
                     : !strcmp(name, "LFHF")  ? v->lf_hf
                                              : (double)NAN;
        printf("%s %-6s reference %.12g  C %.12g\n", name_csv, name, want, got);
        PT_CHECK_NEAR(want, got, 1e-9, 1e-12);
        seen++;
    }
    fclose(f);
    return seen;
}

PT_TEST(hrv_reference)
{
    static double t[1000], rr[1000], scratch[PT_HRV_SCRATCH(4 * 310, 1000)];
    size_t n = read_rr(t, rr, 1000);
    PT_CHECK(n == 377);
    pt_hrv_values v;
    pt_error err = {0};
    PT_CHECK(pt_hrv_compute(t, rr, NULL, n, scratch, NULL, &v, &err) == PT_OK);
    PT_CHECK(check_expected("expected.csv", &v) == 7);
}

/* The spectrum over rejected intervals: rows 40, 41, 150 and 300 of rr.csv flagged give
 * NeuroKit2's LF, HF and LF/HF on the series without them (expected_gaps.csv), to 1e-9. */
PT_TEST(hrv_reference_flagged_rows)
{
    static double t[1000], rr[1000], scratch[PT_HRV_SCRATCH(4 * 310, 1000)];
    static unsigned char ok[1000];
    size_t n = read_rr(t, rr, 1000);
    PT_CHECK(n == 377);
    for (size_t i = 0; i < n; i++)
        ok[i] = i != 40 && i != 41 && i != 150 && i != 300;
    pt_hrv_values v;
    PT_CHECK(pt_hrv_compute(t, rr, ok, n, scratch, NULL, &v, NULL) == PT_OK);
    PT_CHECK(v.n_nn == 373);
    PT_CHECK(check_expected("expected_gaps.csv", &v) == 3);
}

/* Rejected intervals: an artefact (1.5 x) is left out, and the successive differences on
 * both sides of it are skipped, as if the stretch were two. */
PT_TEST(hrv_artefact_skipped)
{
    double t[40], rr[40], scratch[PT_HRV_SCRATCH(4 * 40, 40)];
    unsigned char ok[40];
    double tt = 0;
    for (int i = 0; i < 40; i++) {
        rr[i] = i == 20 ? 1200 : 800 + (i % 2 ? 30 : 0);
        tt += rr[i] / 1000;
        t[i] = tt;
        ok[i] = i != 20;
    }
    pt_hrv_values v;
    PT_CHECK(pt_hrv_compute(t, rr, ok, 40, scratch, NULL, &v, NULL) == PT_OK);
    PT_CHECK(v.n_nn == 39);
    PT_CHECK_NEAR(31800.0 / 39.0, v.mean_rr_ms, 1e-12, 1e-9); /* 19 x 800 + 20 x 830 */
    PT_CHECK_NEAR(30.0, v.rmssd_ms, 1e-12, 1e-9);             /* every difference is +-30 */
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
