/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_motion.c — motion stage: ENMO and MAD of known vectors, cadence of a
 * synthetic gait (step line, and the wrist's stride line), calibration of a
 * mis-scaled sensor, GGIR non-wear on a flat stretch. Inputs are CSV files
 * written here and run through pt_process_file; a walk whose second step
 * harmonic is the strongest line still reads at the step rate. */
#include <stdint.h>
#include <stdio.h>

#include "pt_test.h"
#include "pulsetrain/pipeline.h"

#define PI_ 3.14159265358979323846

int pt_motion_calibrate(const double (*pt)[3], size_t n, double off[3], double scale[3],
                        double *err_before, double *err_after);

typedef void (*gen_fn)(double t, double a[3], void *ctx);

static const char *write_csv(const char *name, double fs, double dur_s, gen_fn gen, void *ctx)
{
    static char path[256];
    snprintf(path, sizeof path, "test_motion_%s.csv", name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fprintf(f, "t_s,acc_x_g,acc_y_g,acc_z_g\n");
    long n = (long)(fs * dur_s);
    for (long i = 0; i < n; i++) {
        double t = (double)i / fs, a[3];
        gen(t, a, ctx);
        fprintf(f, "%.4f,%.6f,%.6f,%.6f\n", t, a[0], a[1], a[2]);
    }
    fclose(f);
    return path;
}

static pt_summary *run(const char *path, const pt_params *p)
{
    pt_summary *s = NULL;
    pt_error err = {0};
    int rc = pt_process_file(path, NULL, p, NULL, &s, &err);
    if (rc)
        fprintf(stderr, "pt_process_file: %s\n", err.msg);
    return s;
}

/* |a| alternates 1.2 g and 0.9 g sample by sample: ENMO = 100 mg, MAD = 150 mg. */
static void gen_square(double t, double a[3], void *ctx)
{
    (void)ctx;
    long i = lround(t * 20);
    a[0] = 0;
    a[1] = 0;
    a[2] = i % 2 ? 0.9 : 1.2;
}

PT_TEST(enmo_mad_of_known_vector)
{
    const char *path = write_csv("square", 20, 60, gen_square, NULL);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    PT_CHECK_INT(12, pt_table_nrows(ep));
    const double *enmo = pt_table_column(ep, "enmo_mg"), *mad = pt_table_column(ep, "mad_mg");
    /* printed with 6 decimals: 1e-6 g, well below 1e-3 mg */
    for (size_t i = 0; i < pt_table_nrows(ep); i++) {
        PT_CHECK_NEAR(100.0, enmo[i], 0, 1e-6);
        PT_CHECK_NEAR(150.0, mad[i], 0, 1e-6);
    }
    pt_summary_destroy(s);
}

typedef struct gait {
    double step_hz, step_amp, stride_amp;
} gait;

/* Gravity on z, a step line on |a| and an arm-swing line at half the step rate. */
static void gen_gait(double t, double a[3], void *ctx)
{
    const gait *g = ctx;
    double v = g->step_amp * sin(2 * PI_ * g->step_hz * t) +
               g->stride_amp * sin(2 * PI_ * g->step_hz / 2 * t + 0.3);
    a[0] = 0.05 * sin(2 * PI_ * g->step_hz / 2 * t);
    a[1] = 0;
    a[2] = 1.0 + v;
}

static void check_cadence(const char *name, gait g, double want_spm, double want_walk)
{
    const char *path = write_csv(name, 32, 120, gen_gait, &g);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const double *cad = pt_table_column(ep, "cadence_spm"), *walk = pt_table_column(ep, "walking");
    size_t n = pt_table_nrows(ep);
    PT_REQUIRE(n == 24);
    /* after the first full window: 0.01 Hz grid + interpolation, 0.5 steps/min */
    for (size_t i = 2; i < n; i++) {
        PT_CHECK_NEAR(want_spm, cad[i], 0, 0.5);
        PT_CHECK_NEAR(want_walk, walk[i], 0, 0);
    }
    pt_summary_destroy(s);
}

PT_TEST(cadence_of_step_line)
{
    gait g = {1.8, 0.25, 0.05}; /* 108 steps/min walking */
    check_cadence("walk_step", g, 108.0, 1.0);
}

PT_TEST(cadence_from_wrist_stride_line)
{
    gait g = {1.8, 0.05, 0.25}; /* the stride (0.9 Hz) dominates: step = 2 x stride */
    check_cadence("walk_stride", g, 108.0, 1.0);
}

PT_TEST(cadence_of_running_with_arm_swing)
{
    gait g = {2.8, 0.45, 0.6}; /* 168 steps/min, arm swing at 1.4 Hz dominates */
    check_cadence("run", g, 168.0, 0.0);
}

PT_TEST(no_cadence_at_rest)
{
    gait g = {1.8, 0.0, 0.0};
    const char *path = write_csv("rest", 32, 60, gen_gait, &g);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const double *cad = pt_table_column(ep, "cadence_spm"), *walk = pt_table_column(ep, "walking");
    for (size_t i = 0; i < pt_table_nrows(ep); i++) {
        PT_CHECK(isnan(cad[i]));
        PT_CHECK_NEAR(0.0, walk[i], 0, 0);
    }
    pt_summary_destroy(s);
}

/* Light, aperiodic arm movement: four incommensurate lines, the strongest at
 * 0.62 Hz holding about 36 % of the 0.5-4 Hz power. Read as a stride it would
 * give 74 steps/min; it is not rhythmic (< 50 % near the gait lines). */
static void gen_fidget(double t, double a[3], void *ctx)
{
    (void)ctx;
    double v = 0.078 * sin(2 * PI_ * 0.62 * t) + 0.06 * sin(2 * PI_ * 1.71 * t + 1.0) +
               0.06 * sin(2 * PI_ * 2.37 * t + 2.0) + 0.06 * sin(2 * PI_ * 3.13 * t + 0.5);
    a[0] = 0.01 * sin(2 * PI_ * 0.41 * t);
    a[1] = 0;
    a[2] = 1.0 + v;
}

PT_TEST(aperiodic_arm_movement_is_not_gait)
{
    const char *path = write_csv("fidget", 32, 120, gen_fidget, NULL);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const double *cad = pt_table_column(ep, "cadence_spm"), *mad = pt_table_column(ep, "mad_mg");
    PT_REQUIRE(pt_table_nrows(ep) == 24);
    for (size_t i = 2; i < pt_table_nrows(ep); i++) {
        PT_CHECK(mad[i] >= 40.0); /* moving enough to be looked at */
        PT_CHECK(isnan(cad[i]));
    }
    pt_summary_destroy(s);
}

PT_TEST(calibration_recovers_offset_and_scale)
{
    /* still points on a sphere seen through offset (20, -10, 30) mg, scale 1.03 0.98 1.01 */
    double pts[200][3];
    const double o[3] = {0.020, -0.010, 0.030}, g[3] = {1.03, 0.98, 1.01};
    for (int i = 0; i < 200; i++) {
        double th = acos(1 - 2 * (i + 0.5) / 200.0), ph = PI_ * (1 + sqrt(5.0)) * i;
        double u[3] = {sin(th) * cos(ph), sin(th) * sin(ph), cos(th)};
        for (int k = 0; k < 3; k++)
            pts[i][k] = (u[k] - o[k]) / g[k]; /* raw such that o + g.raw = u */
    }
    double off[3], sc[3], e0, e1;
    PT_CHECK(pt_motion_calibrate((const double(*)[3])pts, 200, off, sc, &e0, &e1));
    for (int k = 0; k < 3; k++) {
        PT_CHECK_NEAR(o[k], off[k], 0, 1e-6);
        PT_CHECK_NEAR(g[k], sc[k], 0, 1e-6);
    }
    PT_CHECK(e0 > 0.01);
    PT_CHECK(e1 < 1e-6);
}

PT_TEST(calibration_needs_populated_sphere)
{
    double pts[50][3];
    for (int i = 0; i < 50; i++) { /* all near +z */
        pts[i][0] = 0.01 * i / 50.0;
        pts[i][1] = 0;
        pts[i][2] = 1.02;
    }
    double off[3], sc[3], e0, e1;
    PT_CHECK(!pt_motion_calibrate((const double(*)[3])pts, 50, off, sc, &e0, &e1));
}

/* 30 min of movement, 2 h flat on a table (noise 2 mg), 30 min of movement. */
static void gen_table(double t, double a[3], void *ctx)
{
    (void)ctx;
    int flat = t >= 1800 && t < 9000;
    double mv = flat ? 0.002 * sin(t * 7.1) : 0.3 * sin(2 * PI_ * 1.9 * t);
    a[0] = flat ? 0.0 : 0.2 * sin(0.3 * t);
    a[1] = 0.0;
    a[2] = 1.0 + mv;
}

PT_TEST(ggir_nonwear_on_flat_stretch)
{
    const char *path = write_csv("table", 4, 10800, gen_table, NULL);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const double *t = pt_table_column(ep, "t_start_s"), *cls = pt_table_column(ep, "class");
    const double *hr = pt_table_column(ep, "hr_bpm");
    size_t inside = 0, in_nw = 0, outside_nw = 0;
    for (size_t i = 0; i < pt_table_nrows(ep); i++) {
        /* the centred 60 min window needs >= 2 flat axes: blocks fully inside
         * [1800 + 1350, 9000 - 1350] are certain */
        if (t[i] >= 1800 + 1800 && t[i] < 9000 - 1800) {
            inside++;
            in_nw += cls[i] == PT_CLASS_NONWEAR;
            PT_CHECK(isnan(hr[i]));
        }
        if (t[i] < 1800 || t[i] >= 9000)
            outside_nw += cls[i] == PT_CLASS_NONWEAR;
    }
    PT_CHECK(inside > 0);
    PT_CHECK_INT(inside, in_nw);
    PT_CHECK_INT(0, outside_nw);
    pt_summary_destroy(s);
}

/* 30 min of movement, 80 min flat (noise 2 mg), 40 min of movement. */
static void gen_table80(double t, double a[3], void *ctx)
{
    (void)ctx;
    int flat = t >= 1800 && t < 6600;
    double mv = flat ? 0.002 * sin(t * 7.1) : 0.3 * sin(2 * PI_ * 1.9 * t);
    a[0] = flat ? 0.0 : 0.2 * sin(0.3 * t);
    a[1] = 0.0;
    a[2] = 1.0 + mv;
}

PT_TEST(ggir_2023_marks_the_whole_flat_window)
{
    const char *path = write_csv("table80", 4, 9000, gen_table80, NULL);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const double *t = pt_table_column(ep, "t_start_s"), *cls = pt_table_column(ep, "class");
    double in_min = 0;
    size_t outside_nw = 0;
    for (size_t i = 0; i < pt_table_nrows(ep); i++) {
        if (cls[i] != PT_CLASS_NONWEAR)
            continue;
        if (t[i] >= 1800 && t[i] < 6600)
            in_min += p.epoch_s / 60;
        else
            outside_nw++;
    }
    /* 80 min on a 15 min grid holds one or two whole 60 min windows: >= 60 min
     * found ("2013", centre blocks only, found 15-30 min); nothing outside */
    PT_CHECK(in_min >= 60.0);
    PT_CHECK_INT(0, outside_nw);
    pt_summary_destroy(s);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}

/* Wrist walking at 110 steps/min whose second step harmonic is the strongest
 * line: |a| = a sin(f) + 1.5 a sin(2f) + an arm swing at f/2 + noise. */
typedef struct harm {
    double step_hz, step_amp, harm_amp, swing_amp, noise_g;
    uint64_t rng;
} harm;

static void gen_harm(double t, double a[3], void *ctx)
{
    harm *h = ctx;
    h->rng = h->rng * 6364136223846793005ULL + 1442695040888963407ULL; /* Knuth MMIX LCG */
    double u = (double)(h->rng >> 11) / 9007199254740992.0 - 0.5;
    double v = h->step_amp * sin(2 * PI_ * h->step_hz * t) +
               h->harm_amp * sin(2 * PI_ * 2 * h->step_hz * t + 0.7) +
               h->swing_amp * sin(2 * PI_ * h->step_hz / 2 * t + 0.3) + h->noise_g * u;
    a[0] = 0.05 * sin(2 * PI_ * h->step_hz / 2 * t);
    a[1] = 0;
    a[2] = 1.0 + v;
}

/* Share of the epochs after the first full window with cadence within tol of want. */
static double share_near(const char *name, harm h, double want_spm, double tol_spm,
                         size_t *n_vigorous)
{
    const char *path = write_csv(name, 32, 300, gen_harm, &h);
    if (!path)
        return -1;
    pt_params p = pt_params_defaults();
    pt_summary *s = run(path, &p);
    if (!s)
        return -1;
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const double *cad = pt_table_column(ep, "cadence_spm"), *cls = pt_table_column(ep, "class");
    size_t n = pt_table_nrows(ep), ok = 0;
    *n_vigorous = 0;
    for (size_t i = 2; i < n; i++) {
        ok += fabs(cad[i] - want_spm) <= tol_spm; /* NaN counts as wrong */
        *n_vigorous += cls[i] == PT_CLASS_VIGOROUS;
    }
    pt_summary_destroy(s);
    return n > 2 ? (double)ok / (double)(n - 2) : -1;
}

PT_TEST(cadence_not_taken_from_step_harmonic)
{
    harm h = {110.0 / 60.0, 0.08, 0.12, 0.04, 0.03, 12345};
    size_t nvig = 99;
    double share = share_near("walk_harm", h, 110.0, 5.0, &nvig);
    PT_CHECK(share >= 0.95); /* issue: read ~220 in about half the epochs */
    PT_CHECK_INT(0, nvig);
}

PT_TEST(running_fundamental_still_read_as_run)
{
    /* 170 steps/min, fundamental strongest, arm swing at the stride with 34 % of its
     * power, vigorous motion: the stride must not be taken for the step */
    harm h = {170.0 / 60.0, 0.6, 0.1, 0.35, 0.05, 777};
    size_t nvig = 0;
    double share = share_near("run_fund", h, 170.0, 5.0, &nvig);
    PT_CHECK(share >= 0.95);
}
