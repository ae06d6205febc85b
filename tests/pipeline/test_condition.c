/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_condition.c — chunked zero-phase band-pass equals whole-signal
 * sosfiltfilt (DESIGN.md: block-wise results equal whole-signal results to
 * 1e-9 relative), whatever the push sizes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/condition.h"
#include "pt_test.h"
#include "pulsetrain/sos.h"

/* DESIGN.md's block-wise tolerance, relative to the output's peak. */
#define BLOCKWISE_RTOL 1e-9

static double lcg(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0 - 0.5;
}

static void check_equal(double fs, size_t n, double chunk_s, size_t piece_max)
{
    double *x = malloc(n * sizeof *x), *ref = malloc(n * sizeof *ref), *y = malloc(n * sizeof *y);
    unsigned long long seed = 42;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs;
        x[i] = 100 + sin(2 * 3.141592653589793 * 1.3 * t) +
               0.5 * sin(2 * 3.141592653589793 * 0.1 * t) + 0.3 * lcg(&seed);
    }
    double sos[6 * 8];
    pt_error err = {0};
    PT_REQUIRE(pt_butter_sos(4, PT_BAND_BANDPASS, 0.5, 4.0, fs, sos, &err) == PT_OK);
    pt_sos *f = pt_sos_create(sos, pt_butter_nsec(4, PT_BAND_BANDPASS), n, &err);
    PT_REQUIRE(f && pt_sos_filtfilt(f, x, ref, n, &err) == PT_OK);
    pt_sos_destroy(f);
    pt_condition *c = pt_condition_create(fs, 0.5, 4.0, 4, chunk_s, 30.0, &err);
    PT_REQUIRE(c != NULL);
    PT_CHECK(pt_condition_max_in(c) >= piece_max);
    double *out = malloc(pt_condition_max_out(c) * sizeof *out);
    size_t got = 0, at = 0, k = 1;
    while (at < n) {
        size_t piece = (k * 7919) % piece_max + 1; /* uneven pieces */
        k++;
        if (piece > n - at)
            piece = n - at;
        size_t ny;
        PT_REQUIRE(pt_condition_push(c, x + at, piece, out, NULL, &ny, &err) == PT_OK);
        PT_REQUIRE(got + ny <= n);
        memcpy(y + got, out, ny * sizeof *y);
        got += ny;
        at += piece;
    }
    size_t ny;
    PT_REQUIRE(pt_condition_finish(c, out, NULL, &ny, &err) == PT_OK);
    memcpy(y + got, out, ny * sizeof *y);
    got += ny;
    PT_CHECK_INT(n, got);
    double peak = 0, worst = 0;
    for (size_t i = 0; i < n; i++) {
        peak = fmax(peak, fabs(ref[i]));
        worst = fmax(worst, fabs(y[i] - ref[i]));
    }
    PT_CHECK(worst <= BLOCKWISE_RTOL * peak);
    if (worst > BLOCKWISE_RTOL * peak)
        fprintf(stderr, "worst %.3g, peak %.3g\n", worst, peak);
    free(out);
    pt_condition_destroy(c);
    free(x);
    free(ref);
    free(y);
}

PT_TEST(chunked_equals_whole_64hz)
{
    check_equal(64.0, 64 * 1500, 120.0, 5000);
}
PT_TEST(chunked_equals_whole_125hz_small_pieces)
{
    check_equal(125.0, 125 * 700, 60.0, 300);
}
PT_TEST(short_signal_is_one_pass)
{
    check_equal(32.0, 32 * 50, 300.0, 1000);
}

PT_TEST(nan_is_held_not_spread)
{
    double fs = 32.0;
    size_t n = 32 * 400;
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = sin(2 * 3.141592653589793 * 1.0 * (double)i / fs);
    for (size_t i = 5000; i < 5100; i++)
        x[i] = NAN;
    pt_error err = {0};
    pt_condition *c = pt_condition_create(fs, 0.5, 4.0, 4, 100.0, 30.0, &err);
    PT_REQUIRE(c != NULL);
    double *out = malloc(pt_condition_max_out(c) * sizeof *out);
    double *raw = malloc(pt_condition_max_out(c) * sizeof *raw);
    size_t at = 0, nan_out = 0, nan_raw = 0, total = 0, ny;
    while (at < n) {
        size_t piece = n - at < 1000 ? n - at : 1000;
        PT_REQUIRE(pt_condition_push(c, x + at, piece, out, raw, &ny, &err) == PT_OK);
        for (size_t i = 0; i < ny; i++) {
            nan_out += isnan(out[i]);
            nan_raw += isnan(raw[i]);
        }
        total += ny;
        at += piece;
    }
    PT_REQUIRE(pt_condition_finish(c, out, raw, &ny, &err) == PT_OK);
    for (size_t i = 0; i < ny; i++) {
        nan_out += isnan(out[i]);
        nan_raw += isnan(raw[i]);
    }
    total += ny;
    PT_CHECK_INT(n, total);
    PT_CHECK_INT(0, nan_out);   /* filtered output stays finite */
    PT_CHECK_INT(100, nan_raw); /* the raw copy still says which were missing */
    free(out);
    free(raw);
    free(x);
    pt_condition_destroy(c);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
