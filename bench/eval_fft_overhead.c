/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_fft_overhead.c — what the pt_fft wrapper costs over calling FFTW directly
 * (target: within 5 %), at the heart-rate window sizes (8 s at 64, 125, 256 Hz).
 *
 *   pt-eval-fft_overhead [TRIALS]
 *
 * Raw side: fftw_plan_dft_r2c_1d (ESTIMATE) executed on an fftw_malloc buffer, then
 * |X|^2 (power) or the split into re/im (forward) — the same work the wrapper does.
 * The two sides alternate inside each trial and the minimum over trials is kept,
 * which is robust to other load on the machine (a median of noisy runs is not). */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pulsetrain/fft.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    int trials = argc > 1 ? atoi(argv[1]) : 400, reps = 50;
    static const size_t sizes[] = {512, 1000, 2048};
    printf("# pt_fft wrapper vs raw FFTW (ESTIMATE), min over %d trials of %d calls\n", trials,
           reps);
    printf("%-6s %12s %12s %8s %14s %12s %8s\n", "n", "raw power", "pt power", "over",
           "raw fwd+split", "pt forward", "over");
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k], nf = n / 2 + 1;
        double *x = fftw_alloc_real(n), *p = fftw_alloc_real(nf), *re = fftw_alloc_real(nf),
               *im = fftw_alloc_real(nf);
        fftw_complex *X = fftw_alloc_complex(nf);
        for (size_t i = 0; i < n; i++)
            x[i] = sin(0.1 * (double)i) + 0.01 * (double)i;
        fftw_plan pl = fftw_plan_dft_r2c_1d((int)n, x, X, FFTW_ESTIMATE);
        pt_fft *f = pt_fft_create(n, PT_FFT_ESTIMATE, NULL);
        if (!pl || !f)
            return 1;
        double b[4] = {1e9, 1e9, 1e9, 1e9};
        for (int t = 0; t < trials; t++) {
            double t0 = now();
            for (int r = 0; r < reps; r++) {
                fftw_execute(pl);
                for (size_t i = 0; i < nf; i++)
                    p[i] = X[i][0] * X[i][0] + X[i][1] * X[i][1];
            }
            double t1 = now();
            for (int r = 0; r < reps; r++)
                pt_fft_power(f, x, p);
            double t2 = now();
            for (int r = 0; r < reps; r++) {
                fftw_execute(pl);
                for (size_t i = 0; i < nf; i++) {
                    re[i] = X[i][0];
                    im[i] = X[i][1];
                }
            }
            double t3 = now();
            for (int r = 0; r < reps; r++)
                pt_fft_forward(f, x, re, im);
            double t4 = now();
            double d[4] = {t1 - t0, t2 - t1, t3 - t2, t4 - t3};
            for (int j = 0; j < 4; j++)
                b[j] = d[j] < b[j] ? d[j] : b[j];
        }
        for (int j = 0; j < 4; j++)
            b[j] = b[j] / reps * 1e6;
        printf("%-6zu %9.3f us %9.3f us %+7.1f%% %11.3f us %9.3f us %+7.1f%%\n", n, b[0], b[1],
               100 * (b[1] / b[0] - 1), b[2], b[3], 100 * (b[3] / b[2] - 1));
        pt_fft_destroy(f);
        fftw_destroy_plan(pl);
        fftw_free(x);
        fftw_free(p);
        fftw_free(re);
        fftw_free(im);
        fftw_free(X);
    }
    return 0;
}
