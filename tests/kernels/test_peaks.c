/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_peaks.c — find_peaks / peak_prominences against scipy (peaks.h5), exact indices;
 * plateaus, ends, NaN, errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/ref_h5.h"
#include "pulsetrain/peaks.h"

/* prominences are differences of two input samples: exact up to one rounding */
#define TOL_PROM 1e-12

PT_TEST(find_peaks_matches_scipy)
{
    hid_t f = ref_open("peaks.h5");
    PT_REQUIRE(f >= 0);
    size_t nc = ref_ncases(f);
    PT_CHECK(nc >= 18);
    for (size_t c = 0; c < nc; c++) {
        char name[64], kw[256];
        ref_case_name(f, c, name, sizeof name);
        hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
        ref_attr_str(g, "kwargs_json", kw, sizeof kw);
        size_t nx, np, npr;
        double *x = ref_read(g, "x", &nx, NULL);
        double *pk = ref_read(g, "peaks", &np, NULL);
        double *pr = ref_read(g, "prominences", &npr, NULL);
        pt_peaks_config cfg = pt_peaks_defaults();
        if (ref_has(g, "height"))
            cfg.height_min = ref_attr(g, "height", 0);
        if (ref_has(g, "distance"))
            cfg.distance = ref_attr(g, "distance", 0);
        if (ref_has(g, "prominence")) {
            cfg.prominence_min = ref_attr(g, "prominence", 0);
            if (ref_attr_len(g, "prominence") > 1)
                cfg.prominence_max = ref_attr(g, "prominence", 1);
        }
        pt_error err = {0};
        pt_peaks *p = pt_peaks_create(&cfg, nx, &err);
        PT_REQUIRE(p);
        size_t cap = pt_peaks_capacity(nx), m = 0;
        size_t *idx = malloc(cap * sizeof *idx);
        double *prom = malloc(cap * sizeof *prom);
        PT_CHECK_INT(PT_OK, pt_peaks_execute(p, x, nx, idx, prom, &m));
        if (m != np) {
            PT_FAILF("peaks.h5/%s %s: %zu peaks, scipy %zu", name, kw, m, np);
        } else {
            for (size_t i = 0; i < m; i++) {
                if ((double)idx[i] != pk[i]) {
                    PT_FAILF("peaks.h5/%s %s: peak %zu at %zu, scipy %.0f", name, kw, i, idx[i],
                             pk[i]);
                    break;
                }
                PT_CHECK_NEAR(pr[i], prom[i], TOL_PROM, TOL_PROM);
            }
        }
        /* the standalone prominence function agrees */
        double *p2 = malloc((m ? m : 1) * sizeof *p2);
        PT_CHECK_INT(PT_OK, pt_peak_prominences(x, nx, idx, m, p2, NULL, NULL));
        for (size_t i = 0; i < m; i++)
            PT_CHECK_NEAR(prom[i], p2[i], 0, 0);
        free(p2);
        pt_peaks_destroy(p);
        free(idx);
        free(prom);
        free(x);
        free(pk);
        free(pr);
        H5Gclose(g);
    }
    H5Fclose(f);
}

PT_TEST(plateau_ends_and_nan)
{
    /* ends are never peaks; a flat top counts once at its middle ((l + r) // 2) */
    double x[] = {5, 1, 3, 3, 3, 3, 1, 2, 1, NAN, 4, 1, 2, 2, 7};
    size_t n = sizeof x / sizeof x[0], idx[8], m;
    double prom[8];
    pt_peaks_config c = pt_peaks_defaults();
    pt_peaks *p = pt_peaks_create(&c, n, NULL);
    PT_REQUIRE(p);
    PT_CHECK_INT(PT_OK, pt_peaks_execute(p, x, n, idx, prom, &m));
    PT_CHECK_INT(2, m);
    PT_CHECK_INT(3, idx[0]); /* plateau 2..5 -> 3 */
    PT_CHECK_INT(7, idx[1]); /* the NaN neighbour hides the 4 at index 10 */
    PT_CHECK_NEAR(2.0, prom[0], 0, 0);
    PT_CHECK_INT(PT_EINVAL, pt_peaks_execute(p, x, n + 1, idx, prom, &m));
    PT_CHECK_INT(PT_OK, pt_peaks_execute(p, x, 2, idx, NULL, &m));
    PT_CHECK_INT(0, m);
    pt_peaks_destroy(p);
    pt_error err = {0};
    c.distance = 0.5;
    PT_CHECK(pt_peaks_create(&c, 10, &err) == NULL);
    PT_CHECK_STR_CONTAINS(err.msg, "distance");
    pt_peaks_destroy(NULL);
}

PT_TEST(distance_keeps_higher_peak)
{
    double x[] = {0, 1, 0, 3, 0, 2, 0, 0, 0, 1, 0};
    size_t idx[8], m;
    pt_peaks_config c = pt_peaks_defaults();
    c.distance = 2.5; /* ceil -> 3 */
    pt_peaks *p = pt_peaks_create(&c, 11, NULL);
    PT_REQUIRE(p);
    PT_CHECK_INT(PT_OK, pt_peaks_execute(p, x, 11, idx, NULL, &m));
    PT_CHECK_INT(2, m);
    PT_CHECK_INT(3, idx[0]);
    PT_CHECK_INT(9, idx[1]);
    pt_peaks_destroy(p);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
