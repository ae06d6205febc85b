/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_welch.c — windows, Welch PSD and spectrogram against scipy (welch.h5), plus
 * properties: Parseval for a boxcar periodogram, error cases. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/ref_h5.h"
#include "pulsetrain/welch.h"

/* spectra in double with a different summation order than numpy: 1e-9 of the peak */
#define TOL_SPECTRA 1e-9

static void check_vec(const char *what, const char *cs, const double *exp, const double *got,
                      size_t n, double tol)
{
    double scale = ref_maxabs(exp, n);
    int bad = 0;
    pt_checks_++;
    for (size_t i = 0; i < n && bad < 3; i++)
        if (!(fabs(got[i] - exp[i]) <= tol * (scale > 0 ? scale : 1))) {
            PT_FAILF("%s %s[%zu]: expected %.17g got %.17g (scale %.3g)", cs, what, i, exp[i],
                     got[i], scale);
            bad++;
        }
}

static int window_of(const char *s, pt_window *w)
{
    static const struct {
        const char *name;
        pt_window w;
    } tab[] = {{"hann", PT_WINDOW_HANN},
               {"hamming", PT_WINDOW_HAMMING},
               {"blackman", PT_WINDOW_BLACKMAN},
               {"boxcar", PT_WINDOW_BOXCAR}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(s, tab[i].name)) {
            *w = tab[i].w;
            return 1;
        }
    return 0;
}

/* Fill a config from a case's attributes, as scipy reads its keywords. */
static int config_of(hid_t g, pt_welch_config *c, size_t n)
{
    char s[64];
    *c = pt_welch_defaults(ref_attr(g, "fs", 0));
    c->nperseg = (size_t)ref_attr(g, "nperseg", 0);
    ref_attr_str(g, "noverlap", s, sizeof s);
    c->noverlap = !strcmp(s, "none") ? c->nperseg / 2 : (size_t)ref_attr(g, "noverlap", 0);
    c->nfft = ref_has(g, "nfft") ? (size_t)ref_attr(g, "nfft", 0) : c->nperseg;
    ref_attr_str(g, "window", s, sizeof s);
    if (!window_of(s, &c->window))
        return 0;
    ref_attr_str(g, "detrend", s, sizeof s);
    c->detrend_constant = !strcmp(s, "constant");
    c->detrend_linear = !strcmp(s, "linear");
    ref_attr_str(g, "scaling", s, sizeof s);
    c->scaling = !strcmp(s, "spectrum") ? PT_SCALING_SPECTRUM : PT_SCALING_DENSITY;
    ref_attr_str(g, "average", s, sizeof s);
    c->average = !strcmp(s, "median") ? PT_AVERAGE_MEDIAN : PT_AVERAGE_MEAN;
    c->max_n = n;
    return 1;
}

PT_TEST(welch_and_spectrogram_match_scipy)
{
    hid_t f = ref_open("welch.h5");
    PT_REQUIRE(f >= 0);
    size_t nc = ref_ncases(f), nwelch = 0, nspec = 0;
    for (size_t c = 0; c < nc; c++) {
        char name[64], cs[256];
        ref_case_name(f, c, name, sizeof name);
        snprintf(cs, sizeof cs, "welch.h5/%s", name);
        hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
        size_t nx, nfr, np;
        hsize_t dims[2];
        double *x = ref_read(g, "x", &nx, NULL);
        double *fr = ref_read(g, "freq", &nfr, NULL);
        pt_welch_config cfg;
        PT_REQUIRE(x && fr && config_of(g, &cfg, nx));
        pt_error err = {0};
        double *fo = malloc(nfr * sizeof *fo);
        if (!strncmp(name, "spectrogram", 11)) {
            nspec++;
            size_t nt;
            double *t = ref_read(g, "t", &nt, NULL);
            double *sxx = ref_read(g, "sxx", &np, dims); /* [nfreq][nseg] */
            pt_spectrogram *s = pt_spectrogram_create(&cfg, &err);
            PT_REQUIRE(s);
            PT_CHECK_INT(nfr, pt_spectrogram_nfreq(s));
            PT_CHECK_INT(nt, pt_spectrogram_nseg(s, nx));
            pt_spectrogram_freqs(s, fo);
            check_vec("freq", cs, fr, fo, nfr, 1e-15);
            double *to = malloc(nt * sizeof *to), *out = malloc(np * sizeof *out),
                   *tr = malloc(np * sizeof *tr);
            pt_spectrogram_times(s, nt, to);
            check_vec("t", cs, t, to, nt, 1e-15);
            size_t ns = 0;
            PT_CHECK_INT(PT_OK, pt_spectrogram_execute(s, x, nx, out, &ns));
            PT_CHECK_INT(nt, ns);
            for (size_t i = 0; i < nt; i++) /* ours is segment-major */
                for (size_t k = 0; k < nfr; k++)
                    tr[k * nt + i] = out[i * nfr + k];
            check_vec("sxx", cs, sxx, tr, np, TOL_SPECTRA);
            pt_spectrogram_destroy(s);
            free(t);
            free(sxx);
            free(to);
            free(out);
            free(tr);
        } else {
            nwelch++;
            double *pxx = ref_read(g, "pxx", &np, NULL);
            pt_welch *w = pt_welch_create(&cfg, &err);
            PT_REQUIRE(w);
            PT_CHECK_INT(nfr, pt_welch_nfreq(w));
            pt_welch_freqs(w, fo);
            check_vec("freq", cs, fr, fo, nfr, 1e-15);
            double *out = malloc(np * sizeof *out);
            size_t ns = 0;
            PT_CHECK_INT(PT_OK, pt_welch_execute(w, x, nx, out, &ns));
            PT_CHECK_INT(pt_welch_nseg(w, nx), ns);
            check_vec("pxx", cs, pxx, out, np, TOL_SPECTRA);
            pt_welch_destroy(w);
            free(pxx);
            free(out);
        }
        free(fo);
        free(x);
        free(fr);
        H5Gclose(g);
    }
    PT_CHECK(nwelch >= 7);
    PT_CHECK(nspec >= 3);
    H5Fclose(f);
}

/* scipy.signal.get_window values for n = 8 (periodic) and 5 (symmetric) */
PT_TEST(windows_match_scipy_values)
{
    double w[8];
    PT_CHECK_INT(PT_OK, pt_window_fill(PT_WINDOW_HANN, 8, 1, w));
    static const double hann8[] = {0, 0.14644660940672624, 0.5, 0.8535533905932737,
                                   1, 0.8535533905932737,  0.5, 0.14644660940672624};
    for (int i = 0; i < 8; i++)
        PT_CHECK_NEAR(hann8[i], w[i], 0, 1e-15);
    PT_CHECK_INT(PT_OK, pt_window_fill(PT_WINDOW_HAMMING, 5, 0, w));
    static const double ham5[] = {0.08, 0.54, 1, 0.54, 0.08};
    for (int i = 0; i < 5; i++)
        PT_CHECK_NEAR(ham5[i], w[i], 0, 1e-15);
    PT_CHECK_INT(PT_OK, pt_window_fill(PT_WINDOW_BLACKMAN, 5, 0, w));
    static const double bl5[] = {-1.3877787807814457e-17, 0.34, 1, 0.34, -1.3877787807814457e-17};
    for (int i = 0; i < 5; i++)
        PT_CHECK_NEAR(bl5[i], w[i], 0, 1e-15);
    PT_CHECK_INT(PT_OK, pt_window_fill(PT_WINDOW_HANN, 1, 1, w));
    PT_CHECK_NEAR(1.0, w[0], 0, 0);
    PT_CHECK_INT(PT_EINVAL, pt_window_fill((pt_window)99, 4, 1, w));
    PT_CHECK_INT(PT_EINVAL, pt_window_fill(PT_WINDOW_HANN, 0, 1, w));
}

/* Parseval: boxcar, no detrend, spectrum scaling, one segment: sum of the two-sided
 * periodogram equals mean(x^2). */
PT_TEST(parseval_boxcar_periodogram)
{
    size_t n = 1000;
    double *x = malloc(n * sizeof *x), p[501];
    for (size_t i = 0; i < n; i++)
        x[i] = sin(0.1 * (double)i) + 0.3 * cos(2.9 * (double)i) + 0.2;
    pt_welch_config c = pt_welch_defaults(10.0);
    c.nperseg = c.nfft = n;
    c.noverlap = 0;
    c.window = PT_WINDOW_BOXCAR;
    c.detrend_constant = 0;
    c.scaling = PT_SCALING_SPECTRUM;
    pt_welch *w = pt_welch_create(&c, NULL);
    PT_REQUIRE(w);
    PT_CHECK_INT(PT_OK, pt_welch_execute(w, x, n, p, NULL));
    double sp = 0, sx = 0;
    for (size_t k = 0; k < 501; k++)
        sp += p[k];
    for (size_t i = 0; i < n; i++)
        sx += x[i] * x[i];
    PT_CHECK_NEAR(sx / (double)n, sp, 1e-12, 0);
    pt_welch_destroy(w);
    free(x);
}

PT_TEST(welch_errors_and_defaults)
{
    pt_welch_config c = pt_welch_defaults(64);
    PT_CHECK_INT(256, c.nperseg);
    PT_CHECK_INT(128, c.noverlap);
    PT_CHECK_INT(256, c.nfft);
    PT_CHECK_INT(PT_WINDOW_HANN, c.window);
    PT_CHECK_INT(1, c.detrend_constant);
    pt_error err = {0};
    pt_welch_config b = c;
    b.noverlap = 256;
    PT_CHECK(pt_welch_create(&b, &err) == NULL);
    PT_CHECK_STR_CONTAINS(err.msg, "noverlap");
    b = c;
    b.nfft = 100;
    PT_CHECK(pt_welch_create(&b, &err) == NULL);
    PT_CHECK_STR_CONTAINS(err.msg, "nfft");
    b = c;
    b.fs_hz = 0;
    PT_CHECK(pt_welch_create(&b, &err) == NULL);
    b = c;
    b.average = PT_AVERAGE_MEDIAN;
    PT_CHECK(pt_welch_create(&b, &err) == NULL); /* max_n missing */
    PT_CHECK_STR_CONTAINS(err.msg, "max_n");
    pt_welch *w = pt_welch_create(&c, &err);
    PT_REQUIRE(w);
    double x[300] = {0}, p[129];
    PT_CHECK_INT(PT_EINVAL, pt_welch_execute(w, x, 255, p, NULL)); /* shorter than nperseg */
    PT_CHECK_INT(PT_OK, pt_welch_execute(w, x, 256, p, NULL));
    PT_CHECK_INT(0, pt_welch_nseg(w, 255));
    PT_CHECK_INT(1, pt_welch_nseg(w, 300));
    /* NaN: documented to give NaN at every bin with the mean average */
    x[10] = NAN;
    PT_CHECK_INT(PT_OK, pt_welch_execute(w, x, 256, p, NULL));
    PT_CHECK(isnan(p[0]) && isnan(p[128]));
    pt_welch_destroy(w);
    pt_welch_destroy(NULL);
    pt_spectrogram_destroy(NULL);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
