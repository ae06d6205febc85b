/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_fft.c — real FFT wrapper: against a direct DFT (long double), round trip,
 * linearity, impulse/shift, power, misaligned buffers, wisdom round trip, errors. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_test.h"
#include "pulsetrain/fft.h"

/* FFTW vs an O(n^2) long-double DFT: error grows ~ eps log n * sum|x| */
#define TOL_DFT 1e-12

static void dft(const double *x, size_t n, double *re, double *im)
{
    const long double pi = 3.141592653589793238462643383279502884L;
    for (size_t k = 0; k <= n / 2; k++) {
        long double sr = 0, si = 0;
        for (size_t t = 0; t < n; t++) {
            long double a = -2 * pi * (long double)((k * t) % n) / (long double)n;
            sr += x[t] * cosl(a);
            si += x[t] * sinl(a);
        }
        re[k] = (double)sr;
        im[k] = (double)si;
    }
}

static void fill(double *x, size_t n, unsigned seed)
{
    uint64_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
    }
}

PT_TEST(forward_matches_dft_all_lengths)
{
    static const size_t ns[] = {1,  2,  3,   4,   5,   7,   8,    15,  16,
                                64, 97, 100, 256, 500, 512, 1000, 1021};
    for (size_t c = 0; c < sizeof ns / sizeof ns[0]; c++) {
        size_t n = ns[c], nf = n / 2 + 1;
        double *x = malloc(n * sizeof *x), *re = malloc(nf * sizeof *re),
               *im = malloc(nf * sizeof *im), *er = malloc(nf * sizeof *er),
               *ei = malloc(nf * sizeof *ei), *p = malloc(nf * sizeof *p),
               *back = malloc(n * sizeof *back);
        fill(x, n, (unsigned)n);
        pt_error err = {0};
        pt_fft *f = pt_fft_create(n, PT_FFT_ESTIMATE, &err);
        PT_REQUIRE(f);
        PT_CHECK_INT(n, pt_fft_n(f));
        PT_CHECK_INT(nf, pt_fft_nfreq(f));
        PT_CHECK_INT(PT_OK, pt_fft_forward(f, x, re, im));
        dft(x, n, er, ei);
        double tol = TOL_DFT * (double)n;
        for (size_t k = 0; k < nf; k++) {
            PT_CHECK_NEAR(er[k], re[k], 0, tol);
            PT_CHECK_NEAR(ei[k], im[k], 0, tol);
        }
        PT_CHECK_INT(PT_OK, pt_fft_power(f, x, p));
        for (size_t k = 0; k < nf; k++)
            PT_CHECK_NEAR(re[k] * re[k] + im[k] * im[k], p[k], 1e-12, 1e-12);
        /* irfft(rfft(x)) == x; junk in the imaginary part of DC / Nyquist is ignored */
        im[0] = 5.0;
        if (n % 2 == 0)
            im[nf - 1] = -3.0;
        PT_CHECK_INT(PT_OK, pt_fft_inverse(f, re, im, back));
        for (size_t i = 0; i < n; i++)
            PT_CHECK_NEAR(x[i], back[i], 0, 1e-13 * (double)n);
        PT_CHECK_NEAR(5.0, im[0], 0, 0); /* input not modified */
        pt_fft_destroy(f);
        free(x);
        free(re);
        free(im);
        free(er);
        free(ei);
        free(p);
        free(back);
    }
}

PT_TEST(misaligned_buffers_and_measure)
{
    size_t n = 384, nf = n / 2 + 1;
    double *buf = malloc((n + 1) * sizeof *buf), *re = malloc((nf + 1) * sizeof *re),
           *im = malloc((nf + 1) * sizeof *im), *r2 = malloc(nf * sizeof *r2),
           *i2 = malloc(nf * sizeof *i2), *back = malloc((n + 1) * sizeof *back);
    fill(buf + 1, n, 7);
    pt_fft *e = pt_fft_create(n, PT_FFT_ESTIMATE, NULL),
           *m = pt_fft_create(n, PT_FFT_MEASURE, NULL);
    PT_REQUIRE(e && m);
    /* odd offsets: not 16-byte aligned, the wrapper must bounce through its buffers */
    PT_CHECK_INT(PT_OK, pt_fft_forward(e, buf + 1, re + 1, im + 1));
    PT_CHECK_INT(PT_OK, pt_fft_forward(m, buf + 1, r2, i2));
    for (size_t k = 0; k < nf; k++) {
        PT_CHECK_NEAR(re[k + 1], r2[k], 1e-12, 1e-12);
        PT_CHECK_NEAR(im[k + 1], i2[k], 1e-12, 1e-12);
    }
    PT_CHECK_INT(PT_OK, pt_fft_inverse(m, r2, i2, back + 1));
    for (size_t i = 0; i < n; i++)
        PT_CHECK_NEAR(buf[i + 1], back[i + 1], 0, 1e-13);
    pt_fft_destroy(e);
    pt_fft_destroy(m);
    free(buf);
    free(re);
    free(im);
    free(r2);
    free(i2);
    free(back);
}

PT_TEST(linearity_and_shift)
{
    size_t n = 120, nf = n / 2 + 1;
    double x[120], y[120], z[120], xr[61], xi[61], yr[61], yi[61], zr[61], zi[61];
    fill(x, n, 1);
    fill(y, n, 2);
    for (size_t i = 0; i < n; i++)
        z[i] = 2 * x[i] - 3 * y[i];
    pt_fft *f = pt_fft_create(n, PT_FFT_ESTIMATE, NULL);
    PT_REQUIRE(f);
    pt_fft_forward(f, x, xr, xi);
    pt_fft_forward(f, y, yr, yi);
    pt_fft_forward(f, z, zr, zi);
    for (size_t k = 0; k < nf; k++) {
        PT_CHECK_NEAR(2 * xr[k] - 3 * yr[k], zr[k], 0, 1e-12);
        PT_CHECK_NEAR(2 * xi[k] - 3 * yi[k], zi[k], 0, 1e-12);
    }
    /* impulse at t0: X_k = exp(-2 pi i k t0 / n), |X_k| = 1 */
    memset(x, 0, sizeof x);
    x[5] = 1;
    double p[61];
    pt_fft_power(f, x, p);
    for (size_t k = 0; k < nf; k++)
        PT_CHECK_NEAR(1.0, p[k], 0, 1e-13);
    pt_fft_destroy(f);
}

PT_TEST(wisdom_round_trip_and_errors)
{
    char path[] = "/tmp/pt_test_wisdom_XXXXXX";
    int fd = mkstemp(path);
    PT_REQUIRE(fd >= 0);
    close(fd);
    pt_fft *m = pt_fft_create(200, PT_FFT_MEASURE, NULL);
    PT_REQUIRE(m);
    pt_error err = {0};
    PT_CHECK_INT(PT_OK, pt_fft_wisdom_export(path, &err));
    PT_CHECK_INT(PT_OK, pt_fft_wisdom_import(path, &err));
    FILE *fp = fopen(path, "w");
    PT_REQUIRE(fp);
    fputs("this is not wisdom\n", fp);
    fclose(fp);
    PT_CHECK_INT(PT_EFORMAT, pt_fft_wisdom_import(path, &err));
    PT_CHECK_STR_CONTAINS(err.msg, path);
    remove(path);
    PT_CHECK_INT(PT_EIO, pt_fft_wisdom_import("/nonexistent/dir/wisdom", &err));
    PT_CHECK_STR_CONTAINS(err.msg, "/nonexistent/dir/wisdom");
    PT_CHECK_INT(PT_EIO, pt_fft_wisdom_export("/nonexistent/dir/wisdom", &err));
    PT_CHECK(pt_fft_create(0, PT_FFT_ESTIMATE, &err) == NULL);
    PT_CHECK_INT(PT_EINVAL, err.code);
    PT_CHECK(pt_fft_create(8, (pt_fft_rigor)7, &err) == NULL);
    PT_CHECK_INT(PT_EINVAL, pt_fft_forward(m, NULL, NULL, NULL));
    pt_fft_destroy(m);
    pt_fft_destroy(NULL);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
