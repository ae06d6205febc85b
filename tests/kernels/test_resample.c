/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_resample.c — resample_poly and numpy.interp against scipy/numpy (resample.h5). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/ref_h5.h"
#include "pulsetrain/resample.h"

/* FIR sums in a different order than upfirdn; Kaiser I0 by series vs Cephes: 1e-9 */
#define TOL_RESAMPLE 1e-9
/* numpy.interp: same formula and branch order, exact up to rounding */
#define TOL_INTERP 1e-13

PT_TEST(resample_and_interp_match_scipy)
{
    hid_t f = ref_open("resample.h5");
    PT_REQUIRE(f >= 0);
    size_t nc = ref_ncases(f), nr = 0, ni = 0;
    for (size_t c = 0; c < nc; c++) {
        char name[64];
        ref_case_name(f, c, name, sizeof name);
        hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
        size_t nx, ny;
        double *x = ref_read(g, "x", &nx, NULL);
        double *yr = ref_read(g, "y", &ny, NULL);
        double *y = malloc((ny + 1) * sizeof *y);
        if (!strncmp(name, "interp", 6)) {
            ni++;
            size_t nt, nq;
            double *tx = ref_read(g, "tx", &nt, NULL), *tq = ref_read(g, "tq", &nq, NULL);
            PT_CHECK_INT(PT_OK, pt_interp(tx, x, nx, tq, y, nq));
            double s = ref_maxabs(yr, ny);
            for (size_t i = 0; i < ny; i++)
                PT_CHECK_NEAR(yr[i], y[i], 0, TOL_INTERP * s);
            free(tx);
            free(tq);
        } else {
            nr++;
            int up = (int)ref_attr(g, "up", 0), down = (int)ref_attr(g, "down", 0);
            pt_error err = {0};
            pt_resample *r = pt_resample_create(up, down, &err);
            PT_REQUIRE(r);
            PT_CHECK_INT(ny, pt_resample_nout(r, nx));
            size_t no = 0;
            PT_CHECK_INT(PT_OK, pt_resample_execute(r, x, nx, y, &no));
            PT_CHECK_INT(ny, no);
            double s = ref_maxabs(yr, ny);
            int bad = 0;
            for (size_t i = 0; i < ny && bad < 3; i++)
                if (!(fabs(y[i] - yr[i]) <= TOL_RESAMPLE * s)) {
                    PT_FAILF("resample.h5/%s up %d down %d: y[%zu] = %.17g, scipy %.17g", name, up,
                             down, i, y[i], yr[i]);
                    bad++;
                }
            pt_resample_destroy(r);
        }
        free(x);
        free(yr);
        free(y);
        H5Gclose(g);
    }
    PT_CHECK(nr >= 6);
    PT_CHECK(ni >= 2);
    H5Fclose(f);
}

PT_TEST(identity_gcd_and_dc)
{
    double x[100], y[400];
    for (int i = 0; i < 100; i++)
        x[i] = 3.0;
    pt_resample *r = pt_resample_create(4, 4, NULL); /* gcd -> 1/1: copy */
    PT_REQUIRE(r);
    size_t no;
    PT_CHECK_INT(PT_OK, pt_resample_execute(r, x, 100, y, &no));
    PT_CHECK_INT(100, no);
    PT_CHECK_NEAR(3.0, y[50], 0, 0);
    pt_resample_destroy(r);
    r = pt_resample_create(6, 2, NULL); /* 3/1 */
    PT_REQUIRE(r);
    PT_CHECK_INT(300, pt_resample_nout(r, 100));
    PT_CHECK_INT(PT_OK, pt_resample_execute(r, x, 100, y, &no));
    PT_CHECK_NEAR(3.0, y[150], 1e-3, 0); /* unit DC gain away from the edges */
    pt_resample_destroy(r);
    pt_error err = {0};
    PT_CHECK(pt_resample_create(0, 2, &err) == NULL);
    PT_CHECK_INT(PT_EINVAL, err.code);
    pt_resample_destroy(NULL);
}

PT_TEST(interp_edges_and_nan)
{
    double tx[] = {0, 1, 2, 3}, x[] = {0, 10, 20, 0};
    double tq[] = {-1, 0, 0.5, 1, 2.5, 3, 4, NAN, 1.5}, y[9];
    PT_CHECK_INT(PT_OK, pt_interp(tx, x, 4, tq, y, 9));
    static const double e[] = {0, 0, 5, 10, 10, 0, 0, NAN, 15};
    for (int i = 0; i < 9; i++)
        PT_CHECK_NEAR(e[i], y[i], 0, 1e-15);
    double one = 7;
    PT_CHECK_INT(PT_OK, pt_interp(tx, &one, 1, tq, y, 3));
    PT_CHECK_NEAR(7, y[0], 0, 0);
    PT_CHECK_INT(PT_EINVAL, pt_interp(tx, x, 0, tq, y, 3));
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
