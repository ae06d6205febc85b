/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_fit.c — mono-exponential fit and T30 against scipy curve_fit / numpy polyfit
 * (expfit.h5), plus failure cases. */
#include <math.h>
#include <stdlib.h>

#include "kernels/ref_h5.h"
#include "pulsetrain/fit.h"

/* curve_fit stops at its own tolerance (ftol = xtol = 1.49e-8): 1e-4 relative */
#define TOL_FIT 1e-4
/* T30 is a closed-form least-squares slope: 1e-9 relative */
#define TOL_T30 1e-9

PT_TEST(expfit_and_t30_match_scipy)
{
    hid_t f = ref_open("expfit.h5");
    PT_REQUIRE(f >= 0);
    size_t nc = ref_ncases(f);
    PT_CHECK(nc >= 4);
    for (size_t c = 0; c < nc; c++) {
        char name[64];
        ref_case_name(f, c, name, sizeof name);
        hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
        size_t n, np, k;
        double *t = ref_read(g, "t", &n, NULL), *y = ref_read(g, "y", &n, NULL);
        double *popt = ref_read(g, "popt", &np, NULL), *r2 = ref_read(g, "r2", &k, NULL);
        double *t30 = ref_read(g, "t30", &k, NULL);
        pt_expfit fit;
        pt_error err = {0};
        PT_CHECK_INT(PT_OK, pt_fit_exp(t, y, n, &fit, &err));
        PT_CHECK_NEAR(popt[0], fit.a, TOL_FIT, 0);
        PT_CHECK_NEAR(popt[1], fit.b, TOL_FIT, 0);
        PT_CHECK_NEAR(popt[2], fit.tau_s, TOL_FIT, 0);
        PT_CHECK_NEAR(r2[0], fit.r2, TOL_FIT, 0);
        PT_CHECK_INT(n, fit.n_used);
        double t30o;
        PT_CHECK_INT(PT_OK, pt_fit_t30(t, y, n, &t30o, &err));
        PT_CHECK_NEAR(t30[0], t30o, TOL_T30, 0);
        free(t);
        free(y);
        free(popt);
        free(r2);
        free(t30);
        H5Gclose(g);
    }
    H5Fclose(f);
}

PT_TEST(fit_recovers_exact_model_and_skips_nan)
{
    double t[200], y[200];
    for (int i = 0; i < 200; i++) {
        t[i] = 0.5 * i;
        y[i] = 62 + 100 * exp(-t[i] / 37.0);
    }
    y[10] = NAN;
    pt_expfit fit;
    PT_CHECK_INT(PT_OK, pt_fit_exp(t, y, 200, &fit, NULL));
    PT_CHECK_NEAR(62, fit.a, 1e-5, 0); /* one-pass RSS: ~sqrt(eps) on tau */
    PT_CHECK_NEAR(100, fit.b, 1e-5, 0);
    PT_CHECK_NEAR(37, fit.tau_s, 1e-5, 0);
    PT_CHECK_NEAR(1, fit.r2, 0, 1e-12);
    PT_CHECK_INT(199, fit.n_used);
}

PT_TEST(fit_failures)
{
    double t[50], y[50], t30;
    pt_error err = {0};
    pt_expfit fit;
    for (int i = 0; i < 50; i++) {
        t[i] = i;
        y[i] = 80 + 0.5 * i; /* rising: no decay */
    }
    PT_CHECK_INT(PT_EDATA, pt_fit_t30(t, y, 50, &t30, &err));
    PT_CHECK(isnan(t30));
    PT_CHECK_STR_CONTAINS(err.msg, "does not decrease");
    PT_CHECK_INT(PT_EDATA, pt_fit_exp(t, y, 3, &fit, &err));
    PT_CHECK(isnan(fit.tau_s));
    for (int i = 0; i < 50; i++)
        y[i] = 70;
    PT_CHECK_INT(PT_EDATA, pt_fit_exp(t, y, 50, &fit, &err));
    y[0] = -1;
    PT_CHECK_INT(PT_EDATA, pt_fit_t30(t, y, 50, &t30, &err));
    PT_CHECK_INT(PT_EINVAL, pt_fit_exp(NULL, y, 50, &fit, &err));
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
