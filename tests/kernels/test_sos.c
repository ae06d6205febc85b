/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_sos.c — Butterworth design, sosfilt (+zi), sosfiltfilt against scipy reference
 * vectors (butter.h5, filter.h5), plus properties: block-wise == whole, DC gain, NaN. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/ref_h5.h"
#include "pulsetrain/sos.h"

/* design: scipy butter vs ours, double, same algorithm: 1e-12 of the largest coefficient */
#define TOL_DESIGN 1e-12
/* sosfilt/sosfiltfilt in double, same recursion as scipy: 1e-9 of the signal's scale */
#define TOL_FILTER 1e-9

static const double PI = 3.14159265358979323846;

static pt_band band_of(const char *s)
{
    if (!strcmp(s, "highpass"))
        return PT_BAND_HIGHPASS;
    if (!strcmp(s, "bandpass"))
        return PT_BAND_BANDPASS;
    if (!strcmp(s, "bandstop"))
        return PT_BAND_BANDSTOP;
    return PT_BAND_LOWPASS;
}

static void check_vec(const char *what, const char *cs, const double *exp, const double *got,
                      size_t n, double tol)
{
    double scale = ref_maxabs(exp, n);
    int bad = 0;
    for (size_t i = 0; i < n && bad < 3; i++) {
        double e = exp[i], g = got[i];
        if (!(fabs(g - e) <= tol * (scale > 0 ? scale : 1))) {
            PT_FAILF("%s %s[%zu]: expected %.17g got %.17g (scale %.3g)", cs, what, i, e, g, scale);
            bad++;
        }
    }
    pt_checks_++;
}

PT_TEST(butter_matches_scipy)
{
    hid_t f = ref_open("butter.h5");
    PT_REQUIRE(f >= 0);
    size_t nc = ref_ncases(f);
    PT_CHECK(nc >= 200);
    for (size_t c = 0; c < nc; c++) {
        char name[64], bt[32];
        ref_case_name(f, c, name, sizeof name);
        hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
        int order = (int)ref_attr(g, "order", 0);
        ref_attr_str(g, "btype", bt, sizeof bt);
        double fs = ref_attr(g, "fs", 0);
        double f1 = ref_attr(g, "wn", 0), f2 = ref_attr_len(g, "wn") > 1 ? ref_attr(g, "wn", 1) : 0;
        size_t n;
        hsize_t dims[2];
        double *ref = ref_read(g, "sos", &n, dims);
        pt_band b = band_of(bt);
        size_t ns = pt_butter_nsec(order, b);
        PT_CHECK_INT(dims[0], ns);
        double sos[60];
        pt_error err = {0};
        int rc = pt_butter_sos(order, b, f1, f2, fs, sos, &err);
        PT_CHECK_INT(PT_OK, rc);
        if (rc == PT_OK && ns == dims[0]) {
            char cs[256];
            snprintf(cs, sizeof cs, "butter.h5/%s (order %d %s fs %g)", name, order, bt, fs);
            check_vec("sos", cs, ref, sos, n, TOL_DESIGN);
        }
        free(ref);
        H5Gclose(g);
    }
    H5Fclose(f);
}

PT_TEST(butter_rejects_bad_arguments)
{
    double sos[60];
    pt_error err = {0};
    PT_CHECK_INT(PT_EINVAL, pt_butter_sos(0, PT_BAND_LOWPASS, 1, 0, 64, sos, &err));
    PT_CHECK_INT(PT_EINVAL, pt_butter_sos(11, PT_BAND_LOWPASS, 1, 0, 64, sos, &err));
    PT_CHECK_INT(PT_EINVAL, pt_butter_sos(4, PT_BAND_LOWPASS, 32, 0, 64, sos, &err));
    PT_CHECK_STR_CONTAINS(err.msg, "fs/2");
    PT_CHECK_INT(PT_EINVAL, pt_butter_sos(4, PT_BAND_BANDPASS, 4, 0.5, 64, sos, &err));
    PT_CHECK_INT(PT_EINVAL, pt_butter_sos(4, PT_BAND_HIGHPASS, 1, 0, -1, sos, &err));
    PT_CHECK_INT(0, pt_butter_nsec(4, (pt_band)9));
}

PT_TEST(filter_matches_scipy)
{
    hid_t f = ref_open("filter.h5");
    PT_REQUIRE(f >= 0);
    size_t nc = ref_ncases(f);
    PT_CHECK(nc >= 35);
    for (size_t c = 0; c < nc; c++) {
        char name[64], cs[256], msg[512];
        ref_case_name(f, c, name, sizeof name);
        snprintf(cs, sizeof cs, "filter.h5/%s", name);
        hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
        size_t nsos, nx, nt;
        hsize_t dims[2];
        double *sos = ref_read(g, "sos", &nsos, dims);
        size_t nsec = dims[0];
        double *x = ref_read(g, "x", &nx, NULL);
        double *y_ref = ref_read(g, "sosfilt", &nt, NULL);
        double *zi_ref = ref_read(g, "sosfilt_zi", &nt, NULL);
        double *yzi_ref = ref_read(g, "sosfilt_with_zi", &nt, NULL);
        double *zf_ref = ref_read(g, "sosfilt_zf", &nt, NULL);
        double *y = malloc(nx * sizeof *y), zi[200], zf[200];
        pt_error err = {0};
        pt_sos *fl = pt_sos_create(sos, nsec, nx, &err);
        PT_REQUIRE(fl);
        /* the design in the file is scipy's: ours must agree with it too */
        char bt[32];
        ref_attr_str(g, "btype", bt, sizeof bt);
        double des[60];
        PT_CHECK_INT(PT_OK, pt_butter_sos((int)ref_attr(g, "order", 0), band_of(bt),
                                          ref_attr(g, "wn", 0), ref_attr(g, "wn", 1),
                                          ref_attr(g, "fs", 0), des, NULL));
        check_vec("design", cs, sos, des, nsos, TOL_DESIGN);
        /* sosfilt, zero state */
        PT_CHECK_INT(PT_OK, pt_sos_execute(fl, x, y, nx));
        check_vec("sosfilt", cs, y_ref, y, nx, TOL_FILTER);
        /* sosfilt_zi */
        PT_CHECK_INT(PT_OK, pt_sos_zi(sos, nsec, zi));
        check_vec("sosfilt_zi", cs, zi_ref, zi, 2 * nsec, TOL_FILTER);
        /* sosfilt with zi*x[0], zf; in place (y == x) in two uneven blocks */
        for (size_t k = 0; k < 2 * nsec; k++)
            zi[k] *= x[0];
        pt_sos_set_state(fl, zi);
        memcpy(y, x, nx * sizeof *y);
        size_t cut = nx / 3;
        PT_CHECK_INT(PT_OK, pt_sos_execute(fl, y, y, cut));
        PT_CHECK_INT(PT_OK, pt_sos_execute(fl, y + cut, y + cut, nx - cut));
        check_vec("sosfilt_with_zi", cs, yzi_ref, y, nx, TOL_FILTER);
        pt_sos_get_state(fl, zf);
        check_vec("sosfilt_zf", cs, zf_ref, zf, 2 * nsec, TOL_FILTER);
        /* pt_sos_prime is sosfilt_zi * x0 */
        pt_sos_prime(fl, x[0]);
        pt_sos_get_state(fl, zf);
        check_vec("prime", cs, zi, zf, 2 * nsec, TOL_FILTER);
        /* sosfiltfilt, or scipy's error where the signal is too short */
        PT_CHECK_INT((long long)ref_attr(g, "padlen_default", 0), pt_sos_padlen(fl));
        ref_attr_str(g, "sosfiltfilt_error", msg, sizeof msg);
        int rc = pt_sos_filtfilt(fl, x, y, nx, &err);
        if (msg[0]) {
            PT_CHECK_INT(PT_EINVAL, rc);
            PT_CHECK_STR_CONTAINS(err.msg, msg);
        } else {
            PT_CHECK_INT(PT_OK, rc);
            double *yff = ref_read(g, "sosfiltfilt", &nt, NULL);
            PT_REQUIRE(yff);
            check_vec("sosfiltfilt", cs, yff, y, nx, TOL_FILTER);
            /* state untouched by filtfilt */
            pt_sos_get_state(fl, zi);
            check_vec("state after filtfilt", cs, zf, zi, 2 * nsec, 0);
            free(yff);
        }
        pt_sos_destroy(fl);
        free(sos);
        free(x);
        free(y);
        free(y_ref);
        free(zi_ref);
        free(yzi_ref);
        free(zf_ref);
        H5Gclose(g);
    }
    H5Fclose(f);
}

static void make_signal(double *x, size_t n, double fs)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs;
        x[i] = sin(2 * PI * 1.3 * t) + 0.5 * sin(2 * PI * 7.1 * t) + 0.3 + 0.1 * cos(0.37 * (double)i * (double)i);
    }
}

PT_TEST(blockwise_equals_whole)
{
    double sos[60];
    PT_REQUIRE(pt_butter_sos(8, PT_BAND_BANDPASS, 0.4, 5.0, 256, sos, NULL) == PT_OK);
    size_t n = 10007, nsec = pt_butter_nsec(8, PT_BAND_BANDPASS);
    double *x = malloc(n * sizeof *x), *y1 = malloc(n * sizeof *y1), *y2 = malloc(n * sizeof *y2);
    make_signal(x, n, 256);
    pt_sos *a = pt_sos_create(sos, nsec, 0, NULL), *b = pt_sos_create(sos, nsec, 0, NULL);
    PT_REQUIRE(a && b);
    pt_sos_execute(a, x, y1, n);
    size_t pos = 0, blk = 1;
    while (pos < n) { /* blocks of 1, 2, 4, ... 1024, 1, 2, ... */
        size_t m = blk < n - pos ? blk : n - pos;
        PT_CHECK_INT(PT_OK, pt_sos_execute(b, x + pos, y2 + pos, m));
        pos += m;
        blk = blk >= 1024 ? 1 : 2 * blk;
    }
    for (size_t i = 0; i < n; i++)
        if (y1[i] != y2[i]) {
            PT_FAILF("sample %zu: whole %.17g, blocks %.17g", i, y1[i], y2[i]);
            break;
        }
    PT_CHECK_INT(PT_OK, pt_sos_execute(b, x, y2, 0));
    pt_sos_reset(b);
    pt_sos_execute(b, x, y2, n);
    PT_CHECK_NEAR(y1[n - 1], y2[n - 1], 0, 0);
    pt_sos_destroy(a);
    pt_sos_destroy(b);
    free(x);
    free(y1);
    free(y2);
}

PT_TEST(lowpass_unit_dc_gain_and_zero_phase_on_constant)
{
    double sos[60];
    PT_REQUIRE(pt_butter_sos(5, PT_BAND_LOWPASS, 3.0, 0, 64, sos, NULL) == PT_OK);
    size_t n = 4000, nsec = pt_butter_nsec(5, PT_BAND_LOWPASS);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        x[i] = 2.5;
    pt_sos *f = pt_sos_create(sos, nsec, n, NULL);
    PT_REQUIRE(f);
    pt_sos_execute(f, x, y, n);
    PT_CHECK_NEAR(2.5, y[n - 1], 1e-12, 0);
    /* primed with sosfilt_zi: steady state from the first sample */
    pt_sos_prime(f, 2.5);
    pt_sos_execute(f, x, y, 10);
    PT_CHECK_NEAR(2.5, y[0], 1e-12, 0);
    PT_CHECK_INT(PT_OK, pt_sos_filtfilt(f, x, y, n, NULL));
    for (size_t i = 0; i < n; i += 500)
        PT_CHECK_NEAR(2.5, y[i], 1e-12, 0);
    pt_sos_destroy(f);
    free(x);
    free(y);
}

PT_TEST(filtfilt_errors_like_scipy)
{
    double sos[60], x[64] = {0}, y[64];
    PT_REQUIRE(pt_butter_sos(4, PT_BAND_BANDPASS, 0.5, 4, 64, sos, NULL) == PT_OK);
    pt_sos *f = pt_sos_create(sos, 4, 64, NULL);
    PT_REQUIRE(f);
    PT_CHECK_INT(27, pt_sos_padlen(f));
    pt_error err = {0};
    PT_CHECK_INT(PT_EINVAL, pt_sos_filtfilt(f, x, y, 27, &err));
    PT_CHECK_STR_CONTAINS(err.msg, "The length of the input vector x must be greater than "
                                   "padlen, which is 27.");
    PT_CHECK_INT(PT_OK, pt_sos_filtfilt(f, x, y, 28, &err));
    double big[100] = {0};
    PT_CHECK_INT(PT_EINVAL, pt_sos_filtfilt(f, big, big, 100, &err));
    PT_CHECK_STR_CONTAINS(err.msg, "max_n");
    PT_CHECK(pt_sos_create(sos, 0, 10, &err) == NULL);
    PT_CHECK_INT(PT_EINVAL, err.code);
    sos[3] = 0;
    PT_CHECK(pt_sos_create(sos, 4, 10, &err) == NULL);
    pt_sos_destroy(f);
    pt_sos_destroy(NULL);
}

/* Documented NaN behaviour: causal NaN poisons the state from that sample on (reset
 * recovers); filtfilt returns all-NaN, as scipy. */
PT_TEST(nan_input_documented_behaviour)
{
    double sos[60], x[200], y[200];
    PT_REQUIRE(pt_butter_sos(2, PT_BAND_HIGHPASS, 0.25, 0, 32, sos, NULL) == PT_OK);
    pt_sos *f = pt_sos_create(sos, 1, 200, NULL);
    PT_REQUIRE(f);
    make_signal(x, 200, 32);
    x[100] = NAN;
    pt_sos_execute(f, x, y, 200);
    PT_CHECK(isfinite(y[99]));
    PT_CHECK(isnan(y[100]) && isnan(y[199]));
    pt_sos_reset(f);
    pt_sos_execute(f, x, y, 50);
    PT_CHECK(isfinite(y[49]));
    PT_CHECK_INT(PT_OK, pt_sos_filtfilt(f, x, y, 200, NULL));
    PT_CHECK(isnan(y[0]) && isnan(y[199]));
    pt_sos_destroy(f);
}

int main(int argc, char **argv) { return pt_test_main(argc, argv); }
