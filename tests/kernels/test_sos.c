/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_sos.c — Butterworth design, sosfilt (+zi), sosfiltfilt against scipy reference
 * vectors (butter.h5, filter.h5), plus properties: block-wise == whole, DC gain, NaN, and
 * the time-lane paths against the serial one on long signals. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/ref_h5.h"
#include "kernels/sos_impl.h"
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
        PT_CHECK_INT(PT_OK,
                     pt_butter_sos((int)ref_attr(g, "order", 0), band_of(bt), ref_attr(g, "wn", 0),
                                   ref_attr(g, "wn", 1), ref_attr(g, "fs", 0), des, NULL));
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
        x[i] = sin(2 * PI * 1.3 * t) + 0.5 * sin(2 * PI * 7.1 * t) + 0.3 +
               0.1 * cos(0.37 * (double)i * (double)i);
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

/* ---- time lanes (kernels/sos.c) against the serial path ----
 * The lane paths may differ from the serial one by (a) the forgotten zero start of each
 * lane, at most 2^-53 of the state's 1-norm by the choice of the warm-up (pt_sos_warmup),
 * and (b) rounding: a lane rounds differently from the serial stream (other start, FMA in
 * the AVX2 path), and the recursion amplifies rounding by its noise gain. On these signals
 * (states of the order of the output) both paths are within 3.5e-13 of a long-double
 * reference for the narrowest filter (0.05-4 Hz at 64 Hz) and within 2.5e-14 for the PPG
 * default, so they differ by up to ~7e-13 of max |y|. Hence, relative to max |y| (or
 * max |state|) of the serial run: */
#define TOL_LANES 2e-12
/* and, against the long-double reference, a lane path is as accurate as the serial one:
 * error <= 2 x the serial error + 1e-15 relative (the lanes add noise of the same size,
 * not a bias). */
#define LANES_VS_SERIAL_ERROR 2.0
#define LANES_ERROR_FLOOR 1e-15

typedef struct lane_case {
    int order;
    pt_band band;
    double f1_hz, f2_hz, fs_hz;
} lane_case;

static const lane_case LANE_CASES[] = {
    {4, PT_BAND_BANDPASS, 0.5, 4.0, 64},  /* the PPG default, W ~ 3000 */
    {2, PT_BAND_BANDPASS, 0.5, 8.0, 64},  /* beats filter: two sections, padded group */
    {5, PT_BAND_LOWPASS, 3.0, 0, 64},     /* three sections */
    {10, PT_BAND_BANDPASS, 0.5, 4.0, 64}, /* 10 sections: three groups, W from the squares */
    {4, PT_BAND_BANDPASS, 0.05, 4.0, 64}, /* narrow low cut: W ~ 26 000 */
    {1, PT_BAND_HIGHPASS, 0.01, 0, 64},   /* one section, W ~ 37 000 */
    {8, PT_BAND_BANDPASS, 0.4, 5.0, 256}, /* W beyond 2^16: no lanes, serial fallback */
};

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* tones + offset + uniform noise: every band of every case gets energy */
static void lane_signal(double *x, size_t n, double fs, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs;
        double u = (double)(xorshift(&seed) >> 11) / 9007199254740992.0 - 0.5;
        x[i] = sin(2 * PI * 1.3 * t) + 0.5 * sin(2 * PI * 0.07 * t) + 0.7 + 0.4 * u;
    }
}

static double maxabs(const double *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fabs(x[i]) > m ? fabs(x[i]) : m;
    return m;
}

/* max |got - exp| / max |exp|; NaN if the NaN patterns differ */
static double rel_diff(const double *exp, const double *got, size_t n)
{
    double d = 0, s = maxabs(exp, n);
    for (size_t i = 0; i < n; i++) {
        if (isnan(exp[i]) != isnan(got[i]))
            return (double)NAN;
        if (!isnan(exp[i]))
            d = fabs(got[i] - exp[i]) > d ? fabs(got[i] - exp[i]) : d;
    }
    return d / (s > 0 ? s : 1);
}

static pt_sos *lane_filter(const lane_case *c, size_t max_n, size_t *nsec)
{
    double sos[120];
    *nsec = pt_butter_nsec(c->order, c->band);
    if (pt_butter_sos(c->order, c->band, c->f1_hz, c->f2_hz, c->fs_hz, sos, NULL) != PT_OK)
        return NULL;
    return pt_sos_create(sos, *nsec, max_n, NULL);
}

/* the lane paths this CPU has, forced */
static const pt_sos_path LANE_PATHS[] = {PT_SOS_PATH_LANES, PT_SOS_PATH_LANES_AVX2};

/* scipy's recursion in long double (64-bit mantissa on x86-64) from state z: *e1, *e2 <-
 * the largest deviations of y1 and y2 from it, relative to its largest |y| */
static void ld_errors(const double *sos, size_t nsec, const double *z, const double *x, size_t n,
                      const double *y1, const double *y2, double *e1, double *e2)
{
    long double s[40], c[120], scale = 0, d1 = 0, d2 = 0;
    for (size_t k = 0; k < 2 * nsec; k++)
        s[k] = (long double)z[k];
    for (size_t k = 0; k < 6 * nsec; k++)
        c[k] = (long double)sos[k];
    for (size_t i = 0; i < n; i++) {
        long double v = (long double)x[i];
        for (size_t k = 0; k < nsec; k++) {
            const long double *r = c + 6 * k;
            long double t = r[0] * v + s[2 * k];
            s[2 * k] = r[1] * v - r[4] * t + s[2 * k + 1];
            s[2 * k + 1] = r[2] * v - r[5] * t;
            v = t;
        }
        long double a1 = fabsl((long double)y1[i] - v), a2 = fabsl((long double)y2[i] - v);
        scale = fabsl(v) > scale ? fabsl(v) : scale;
        d1 = a1 > d1 ? a1 : d1;
        d2 = a2 > d2 ? a2 : d2;
    }
    *e1 = (double)(d1 / scale);
    *e2 = (double)(d2 / scale);
}

PT_TEST(lanes_match_serial_on_long_signals)
{
    size_t n = 1000003; /* odd: the lanes leave a serial tail */
    double *x = malloc(n * sizeof *x), *ys = malloc(n * sizeof *ys), *yl = malloc(n * sizeof *yl),
           *yf = malloc(n * sizeof *yf);
    PT_REQUIRE(x && ys && yl && yf);
    for (size_t ci = 0; ci < sizeof LANE_CASES / sizeof LANE_CASES[0]; ci++) {
        const lane_case *c = &LANE_CASES[ci];
        double sos[120];
        size_t nsec = pt_butter_nsec(c->order, c->band);
        PT_REQUIRE(pt_butter_sos(c->order, c->band, c->f1_hz, c->f2_hz, c->fs_hz, sos, NULL) ==
                   PT_OK);
        pt_sos *f = pt_sos_create(sos, nsec, n, NULL);
        PT_REQUIRE(f);
        size_t W = pt_sos_warmup(f);
        if (c->fs_hz == 256)
            PT_CHECK_INT(0, W); /* the fallback case: no lanes */
        else
            PT_CHECK(W > 0 && W < 70000);
        lane_signal(x, n, c->fs_hz, 88172645463325252u + ci);
        double z0[40], zs[40], zl[40];
        PT_CHECK_INT(PT_OK, pt_sos_set_path(f, PT_SOS_PATH_SERIAL));
        pt_sos_prime(f, x[0]);
        pt_sos_get_state(f, z0);
        pt_sos_execute(f, x, ys, n);
        pt_sos_get_state(f, zs);
        for (size_t pi = 0; pi < 2; pi++) {
            int rc = pt_sos_set_path(f, LANE_PATHS[pi]);
            if (rc != PT_OK) {
                PT_CHECK_INT(PT_EUNSUPPORTED, rc); /* no AVX2, or no lanes for this filter */
                continue;
            }
            pt_sos_set_state(f, z0);
            pt_sos_execute(f, x, yl, n);
            pt_sos_get_state(f, zl);
            double dy = rel_diff(ys, yl, n), dz = rel_diff(zs, zl, 2 * nsec);
            if (!(dy <= TOL_LANES) || !(dz <= TOL_LANES))
                PT_FAILF("case %zu path %d (W %zu): output %.3g, state %.3g relative", ci,
                         (int)LANE_PATHS[pi], W, dy, dz);
            pt_checks_++;
            if (LDBL_MANT_DIG >= 64) {
                double es, el;
                ld_errors(sos, nsec, z0, x, n, ys, yl, &es, &el);
                if (!(el <= LANES_VS_SERIAL_ERROR * es + LANES_ERROR_FLOOR))
                    PT_FAILF("case %zu path %d: error vs long double %.3g, serial's %.3g", ci,
                             (int)LANE_PATHS[pi], el, es);
                pt_checks_++;
            }
            /* sosfiltfilt (lanes backwards too), in place */
            PT_CHECK_INT(PT_OK, pt_sos_set_path(f, PT_SOS_PATH_SERIAL));
            PT_CHECK_INT(PT_OK, pt_sos_filtfilt(f, x, yf, n, NULL));
            PT_CHECK_INT(PT_OK, pt_sos_set_path(f, LANE_PATHS[pi]));
            memcpy(yl, x, n * sizeof *yl);
            PT_CHECK_INT(PT_OK, pt_sos_filtfilt(f, yl, yl, n, NULL));
            dy = rel_diff(yf, yl, n);
            if (!(dy <= TOL_LANES))
                PT_FAILF("case %zu path %d filtfilt: %.3g relative", ci, (int)LANE_PATHS[pi], dy);
            pt_checks_++;
        }
        pt_sos_destroy(f);
    }
    free(x);
    free(ys);
    free(yl);
    free(yf);
}

/* Blocks of random sizes (1 .. 300 000, some in place) in the default path, which picks
 * lanes or serial per block: output and carried state as one serial call. */
PT_TEST(lanes_blockwise_random_sizes_match_serial)
{
    size_t n = 1500007;
    double *x = malloc(n * sizeof *x), *ys = malloc(n * sizeof *ys), *yb = malloc(n * sizeof *yb);
    PT_REQUIRE(x && ys && yb);
    uint64_t rng = 0x9E3779B97F4A7C15u;
    for (size_t ci = 0; ci < 5; ci++) {
        const lane_case *c = &LANE_CASES[ci];
        size_t nsec;
        pt_sos *f = lane_filter(c, 0, &nsec), *g = lane_filter(c, 0, &nsec);
        PT_REQUIRE(f && g);
        PT_CHECK_INT(PT_OK, pt_sos_set_path(f, PT_SOS_PATH_SERIAL));
        lane_signal(x, n, c->fs_hz, 1 + ci);
        pt_sos_execute(f, x, ys, n);
        double zs[40], zb[40];
        pt_sos_get_state(f, zs);
        memcpy(yb, x, n * sizeof *yb);
        size_t pos = 0, nblk = 0;
        while (pos < n) {
            uint64_t r = xorshift(&rng);
            size_t m = r % 4 == 0 ? 1 + (size_t)(r >> 8) % 64 : 1 + (size_t)(r >> 8) % 300000;
            m = m < n - pos ? m : n - pos;
            if (r & 16) /* in place */
                PT_CHECK_INT(PT_OK, pt_sos_execute(g, yb + pos, yb + pos, m));
            else
                PT_CHECK_INT(PT_OK, pt_sos_execute(g, x + pos, yb + pos, m));
            pos += m;
            nblk++;
        }
        pt_sos_get_state(g, zb);
        double dy = rel_diff(ys, yb, n), dz = rel_diff(zs, zb, 2 * nsec);
        if (!(dy <= TOL_LANES) || !(dz <= TOL_LANES))
            PT_FAILF("case %zu, %zu blocks: output %.3g, state %.3g relative", ci, nblk, dy, dz);
        pt_checks_++;
        pt_sos_destroy(f);
        pt_sos_destroy(g);
    }
    free(x);
    free(ys);
    free(yb);
}

/* Lengths at the edges of the lane rule: the least n a forced path takes, and around it. */
PT_TEST(lanes_edge_lengths)
{
    size_t nsec;
    pt_sos *f = lane_filter(&LANE_CASES[2], 0, &nsec);
    PT_REQUIRE(f);
    size_t W = pt_sos_warmup(f);
    PT_REQUIRE(W > 0);
    size_t nmax = 5 * W + 64;
    double *x = malloc(nmax * sizeof *x), *ys = malloc(nmax * sizeof *ys),
           *yl = malloc(nmax * sizeof *yl);
    PT_REQUIRE(x && ys && yl);
    lane_signal(x, nmax, 64, 7);
    const size_t lens[] = {3 * W - 1, 3 * W,     3 * W + 1, 5 * W - 1,
                           5 * W,     5 * W + 1, 5 * W + 7, nmax};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
        for (size_t pi = 0; pi < 2; pi++) {
            size_t n = lens[li];
            pt_sos_set_path(f, PT_SOS_PATH_SERIAL);
            pt_sos_prime(f, 0.3);
            pt_sos_execute(f, x, ys, n);
            if (pt_sos_set_path(f, LANE_PATHS[pi]) != PT_OK)
                continue;
            pt_sos_prime(f, 0.3);
            pt_sos_execute(f, x, yl, n);
            double dy = rel_diff(ys, yl, n);
            if (!(dy <= TOL_LANES))
                PT_FAILF("n %zu (W %zu) path %d: %.3g relative", n, W, (int)LANE_PATHS[pi], dy);
            pt_checks_++;
        }
    pt_sos_destroy(f);
    free(x);
    free(ys);
    free(yl);
}

/* A NaN inside a long block: outputs before it agree with serial, everything from it on is
 * NaN, and so is the carried state, in every path (the documented behaviour). */
PT_TEST(lanes_nan_poisons_the_rest_as_serial)
{
    size_t n = 400000, nsec;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), z[40];
    PT_REQUIRE(x);
    PT_REQUIRE(y);
    pt_sos *f = lane_filter(&LANE_CASES[0], n, &nsec);
    PT_REQUIRE(f);
    lane_signal(x, n, 64, 3);
    const size_t at[] = {10, 60000, 150001, 399990};
    const pt_sos_path paths[] = {PT_SOS_PATH_SERIAL, PT_SOS_PATH_LANES, PT_SOS_PATH_LANES_AVX2};
    for (size_t ai = 0; ai < sizeof at / sizeof at[0]; ai++)
        for (size_t pi = 0; pi < 3; pi++) {
            if (pt_sos_set_path(f, paths[pi]) != PT_OK)
                continue;
            double keep = x[at[ai]];
            x[at[ai]] = ai % 2 ? (double)INFINITY : (double)NAN;
            pt_sos_reset(f);
            pt_sos_execute(f, x, y, n);
            pt_sos_get_state(f, z);
            x[at[ai]] = keep;
            size_t first_bad = n, finite_after = 0;
            for (size_t i = 0; i < n; i++) {
                if (!isfinite(y[i]) && first_bad == n)
                    first_bad = i;
                if (i > at[ai] && isfinite(y[i]))
                    finite_after++;
            }
            PT_CHECK_INT(at[ai], first_bad);
            PT_CHECK_INT(0, finite_after);
            PT_CHECK(!isfinite(z[0]));
            /* filtfilt: all NaN */
            x[at[ai]] = (double)NAN;
            PT_CHECK_INT(PT_OK, pt_sos_filtfilt(f, x, y, n, NULL));
            x[at[ai]] = keep;
            PT_CHECK(isnan(y[0]) && isnan(y[n / 2]) && isnan(y[n - 1]));
        }
    pt_sos_destroy(f);
    free(x);
    free(y);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
