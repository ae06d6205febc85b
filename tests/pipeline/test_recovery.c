/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_recovery.c — heart-rate recovery: the mono-exponential fit returns a
 * known tau; HRR60/HRR120/T30 of an exact exponential; ends of exercise from
 * heart rate alone (irregular chest-strap times), from the user, and from the
 * accelerometer at the knee of a fading stop; the fit span ends at a break in
 * the course; the simulator's intervals against their truth; from heart rate
 * alone a pause followed by a new effort is no end and a plateau longer than a
 * minute is followed to its end; a recovery spoiled by movement is kept with
 * low quality. */
#include <stdio.h>

#include "pt_test.h"
#include "pulsetrain/fit.h"
#include "pulsetrain/pipeline.h"
#include "pulsetrain/simulate.h"

#define PI_ 3.14159265358979323846

/* The stage fits with the kernel (kernels/fit.c, one implementation): the
 * model it is given, a + b e^{-t/tau} with t from the end. */
PT_TEST(fit_recovers_tau)
{
    double t[300], y[300];
    for (int i = 0; i < 300; i++) {
        t[i] = i;
        y[i] = 75 + 95 * exp(-t[i] / 47.0);
    }
    pt_expfit f;
    PT_REQUIRE(pt_fit_exp(t, y, 300, &f, NULL) == PT_OK);
    PT_CHECK_NEAR(47.0, f.tau_s, 1e-6, 0); /* noiseless: golden section to 1e-11 in log tau */
    PT_CHECK_NEAR(75.0, f.a, 0, 1e-4);
    PT_CHECK_NEAR(1.0, f.r2, 0, 1e-9);
}

/* Rest 60, exercise ramp to 170, end at t_end, decay L + (170 - L) e^{-t/tau}. */
typedef struct scen {
    double t_end, tau, L, dur;
    int move_after; /* arm movement during recovery */
    int with_acc;
    double decay_s;     /* the wrist's motion fades with this time constant after the end */
    double t_break, L2; /* t_break s after the end the rate turns towards L2 (tau 60 s) */
    double drift_bpm_s; /* cardiovascular drift: the rate keeps rising during exercise */
} scen;

static double hr_of(const scen *c, double t)
{
    if (t < 300)
        return 60;
    if (t < c->t_end)
        return 170 - 110 * exp(-(t - 300) / 60.0) + c->drift_bpm_s * (t - 300);
    double h_end = 170 - 110 * exp(-(c->t_end - 300) / 60.0) + c->drift_bpm_s * (c->t_end - 300);
    if (c->t_break > 0 && t >= c->t_end + c->t_break) {
        double hb = c->L + (h_end - c->L) * exp(-c->t_break / c->tau);
        return c->L2 + (hb - c->L2) * exp(-(t - c->t_end - c->t_break) / 60.0);
    }
    return c->L + (h_end - c->L) * exp(-(t - c->t_end) / c->tau);
}

static const char *write_scen(const char *name, const scen *c)
{
    static char path[256];
    snprintf(path, sizeof path, "test_recovery_%s.csv", name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    if (!c->with_acc) {
        /* chest strap logged per breath: irregular 1..3 s, values rounded to 1 bpm */
        fprintf(f, "t_s,hr_bpm\n");
        double t = 0;
        for (int k = 0; t < c->dur; k++) {
            fprintf(f, "%.0f,%.0f\n", t, round(hr_of(c, t)));
            t += 1 + (k * 7 % 3);
        }
    } else {
        fprintf(f, "t_s,acc_x_g,acc_y_g,acc_z_g,hr_bpm\n");
        double fs = 16;
        for (long i = 0; i < (long)(c->dur * fs); i++) {
            double t = (double)i / fs, v = 0.001 * sin(11 * t), x = 0;
            double fade = c->decay_s > 0 && t >= c->t_end && t < c->t_end + 20 * c->decay_s
                              ? exp(-(t - c->t_end) / c->decay_s)
                              : 0.0;
            if (t >= 300 && t < c->t_end) { /* running, 168 steps/min */
                v = 0.4 * sin(2 * PI_ * 2.8 * t) + 0.2 * sin(PI_ * 2.8 * t);
                x = 0.1 * sin(PI_ * 2.8 * t);
            } else if (fade > 0) { /* the arm settles: the simulator's 1.5 s */
                v = fade * (0.4 * sin(2 * PI_ * 2.8 * t) + 0.2 * sin(PI_ * 2.8 * t));
                x = fade * 0.1 * sin(PI_ * 2.8 * t);
            } else if (c->move_after && t >= c->t_end + 10 && t < c->t_end + 110) {
                v = 0.25 * sin(2 * PI_ * 0.7 * t) * sin(0.9 * t); /* fidgeting arm */
            }
            /* a 30 mg tremor on x and y keeps the GGIR rule from calling rest non-wear */
            fprintf(f, "%.4f,%.5f,%.5f,%.5f,", t, x + 0.03 * sin(2 * PI_ * 6.1 * t),
                    0.5 * x + 0.03 * sin(2 * PI_ * 4.7 * t), 1 + v);
            if (i % 16 == 0)
                fprintf(f, "%.3f\n", hr_of(c, t));
            else
                fprintf(f, "\n");
        }
    }
    fclose(f);
    return path;
}

static pt_summary *run(const char *path, const pt_params *p)
{
    pt_summary *s = NULL;
    pt_error err = {0};
    if (pt_process_file(path, NULL, p, NULL, &s, &err))
        fprintf(stderr, "pt_process_file: %s\n", err.msg);
    return s;
}

static void check_row(const pt_summary *s, const scen *c, double end_tol_s, double hr_tol,
                      double tau_rtol)
{
    const pt_table *rc = pt_summary_table_const(s, "recovery");
    if (pt_table_nrows(rc) != 1)
        fprintf(stderr, "notes: %s\n", pt_summary_notes(s));
    PT_REQUIRE(pt_table_nrows(rc) == 1);
    double T = pt_table_column(rc, "t_end_exercise_s")[0];
    fprintf(stderr, "  end %.1f s (true %.1f), tau %.2f s (true %.2f), quality %.2f\n", T, c->t_end,
            pt_table_column(rc, "tau_s")[0], c->tau, pt_table_column(rc, "quality")[0]);
    PT_CHECK_NEAR(c->t_end, T, 0, end_tol_s);
    double h0 = hr_of(c, c->t_end), h60 = hr_of(c, c->t_end + 60), h120 = hr_of(c, c->t_end + 120);
    PT_CHECK_NEAR(h0, pt_table_column(rc, "hr_end_bpm")[0], 0, hr_tol);
    PT_CHECK_NEAR(h0 - h60, pt_table_column(rc, "hrr60_bpm")[0], 0, hr_tol);
    PT_CHECK_NEAR(h0 - h120, pt_table_column(rc, "hrr120_bpm")[0], 0, hr_tol);
    PT_CHECK_NEAR(c->tau, pt_table_column(rc, "tau_s")[0], tau_rtol, 0);
    PT_CHECK(pt_table_column(rc, "fit_r2")[0] > 0.99);
    /* T30 of an exponential towards L: -1/slope of ln HR, longer than tau */
    double t30 = pt_table_column(rc, "t30_s")[0];
    PT_CHECK(t30 > c->tau && t30 < 20 * c->tau);
}

PT_TEST(exponential_recovery_with_user_end)
{
    scen c = {900, 45, 80, 1500, 0, 1, 0, 0, 0, 0};
    const char *path = write_scen("user", &c);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    p.age_y = 30;
    p.n_exercise_end = 1;
    p.exercise_end_s[0] = 900;
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    check_row(s, &c, 1e-9, 1.0, 0.01); /* the given end is used; tau within 1 % */
    pt_summary_destroy(s);
}

PT_TEST(end_from_accelerometer_refined_to_the_second)
{
    scen c = {903, 60, 75, 1500, 0, 1, 0, 0, 0, 0}; /* ends 3 s into an epoch */
    const char *path = write_scen("acc", &c);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    p.age_y = 30;
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    check_row(s, &c, 1.0, 1.0, 0.01);
    PT_CHECK(pt_table_column(pt_summary_table_const(s, "recovery"), "quality")[0] > 0.9);
    pt_summary_destroy(s);
}

PT_TEST(accelerometer_end_at_the_knee_of_a_fading_stop)
{
    /* the motion fades with 1.5 s after 903.4 s: a threshold on SD(|a|) lands
     * seconds late; the knee of log SD finds the start of the fade */
    scen c = {903.4, 60, 75, 1500, 0, 1, 1.5, 0, 0, 0};
    const char *path = write_scen("fade", &c);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    p.age_y = 30;
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    check_row(s, &c, 0.3, 1.0, 0.01);
    pt_summary_destroy(s);
}

PT_TEST(fit_stops_at_a_break_in_the_course)
{
    /* 200 s after the end the seated rate turns towards a lower level (a new
     * posture, the slow phase): one exponential over the 300 s gives 96 s */
    scen c = {900, 50, 95, 1500, 0, 1, 0, 200, 70, 0};
    const char *path = write_scen("break", &c);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    p.age_y = 30;
    p.n_exercise_end = 1;
    p.exercise_end_s[0] = 900;
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *rc = pt_summary_table_const(s, "recovery");
    PT_REQUIRE(pt_table_nrows(rc) == 1);
    fprintf(stderr, "  tau %.2f s (true %.2f)\n", pt_table_column(rc, "tau_s")[0], c.tau);
    PT_CHECK_NEAR(c.tau, pt_table_column(rc, "tau_s")[0], 0.03, 0);
    pt_summary_destroy(s);
}

/* The simulator's intervals (PPG + accelerometer): each recovery against its
 * truth. Tolerances are the recovery targets: end-derived HRR60 within 2 bpm,
 * tau within 10 %. */
PT_TEST(simulated_intervals_against_truth)
{
    pt_sim_config cfg = pt_sim_defaults();
    cfg.seed = 2;
    cfg.scenario = PT_SIM_INTERVALS;
    cfg.duration_s = 1500;
    cfg.fs_ppg_hz = 32;
    cfg.fs_acc_hz = 32;
    pt_error err = {0};
    pt_sim *sim = pt_sim_create(&cfg, &err);
    PT_REQUIRE(sim);
    FILE *f = fopen("test_recovery_sim.csv", "w");
    PT_REQUIRE(f);
    fprintf(f, "t_s,ppg,acc_x_g,acc_y_g,acc_z_g\n");
    static double t[4096], ppg[4096], x[4096], y[4096], z[4096];
    size_t n;
    while (pt_sim_read(sim, 4096, t, ppg, x, y, z, &n, &err) == PT_OK && n > 0)
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%.5f,%.5f,%.3f,%.3f,%.3f\n", t[i], ppg[i], x[i], y[i], z[i]);
    fclose(f);
    pt_sim_recovery tr[16];
    size_t ntr = 0;
    while (ntr < 16 && pt_sim_recovery_read(sim, 16 - ntr, tr + ntr, &n, &err) == PT_OK && n > 0)
        ntr += n;
    pt_sim_destroy(sim);
    pt_params p = pt_params_defaults();
    p.age_y = cfg.age_y;
    p.sex = cfg.sex;
    pt_summary *s = run("test_recovery_sim.csv", &p);
    PT_REQUIRE(s);
    const pt_table *rc = pt_summary_table_const(s, "recovery");
    const double *te = pt_table_column(rc, "t_end_exercise_s"),
                 *hrr60 = pt_table_column(rc, "hrr60_bpm"), *tau = pt_table_column(rc, "tau_s");
    int checked = 0;
    for (size_t k = 0; k < ntr; k++) {
        if (isnan(tr[k].hrr120_bpm))
            continue;
        size_t best = (size_t)-1;
        for (size_t i = 0; i < pt_table_nrows(rc); i++)
            if (fabs(te[i] - tr[k].t_end_exercise_s) <= 15)
                best = i;
        PT_REQUIRE(best != (size_t)-1);
        fprintf(stderr, "  end %.2f (true %.0f) HRR60 %.2f (%.2f) tau %.1f (%.1f)\n", te[best],
                tr[k].t_end_exercise_s, hrr60[best], tr[k].hrr60_bpm, tau[best], tr[k].tau_s);
        PT_CHECK_NEAR(tr[k].t_end_exercise_s, te[best], 0, 0.5);
        PT_CHECK_NEAR(tr[k].hrr60_bpm, hrr60[best], 0, 2.0);
        PT_CHECK_NEAR(tr[k].tau_s, tau[best], 0.10, 0);
        checked++;
    }
    PT_CHECK(checked >= 2);
    pt_summary_destroy(s);
}

PT_TEST(hr_only_irregular_end_from_heart_rate)
{
    scen c = {1000, 50, 85, 1500, 0, 0, 0, 0, 0, 0};
    const char *path = write_scen("hronly", &c);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    p.age_y = 30;
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    /* per-breath times, 1 bpm rounding and a sharp corner at the end: the
     * knee of plateau + decay finds it (a drop of 3 bpm below the peak landed
     * 2 s late at 1.7 bpm/s): end within 1 s, HR and HRR within 2 bpm, tau
     * within 5 % */
    check_row(s, &c, 1.0, 2.0, 0.05);
    pt_summary_destroy(s);
}

PT_TEST(hr_only_end_under_cardiovascular_drift)
{
    /* the rate still rises (0.04 bpm/s) when the exercise stops: a flat
     * plateau before the knee fits the rising run-up badly and put the knee a
     * grid step late (800.5 s); the run-up with a free rising slope finds the
     * corner. Tolerance 0.25 s: half the 0.5 s grid of knee_end. Only the end
     * is checked: the HR at the end is the median of +-5 s (as the reference
     * converter does), below the peak of a rising-then-falling rate. */
    scen c = {800, 50, 85, 1300, 0, 0, 0, 0, 0, 0.04};
    const char *path = write_scen("hrdrift", &c);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    p.age_y = 30;
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *rc = pt_summary_table_const(s, "recovery");
    PT_REQUIRE(pt_table_nrows(rc) == 1);
    double T = pt_table_column(rc, "t_end_exercise_s")[0];
    fprintf(stderr, "  end %.1f s (true %.1f)\n", T, c.t_end);
    PT_CHECK_NEAR(c.t_end, T, 0, 0.25);
    pt_summary_destroy(s);
}

/* A chest-strap file (per breath, 1 bpm) of any heart-rate course f(t) for dur s. */
static const char *write_hr(const char *name, double (*f)(double), double dur)
{
    static char path[256];
    snprintf(path, sizeof path, "test_recovery_%s.csv", name);
    FILE *o = fopen(path, "w");
    if (!o)
        return NULL;
    fprintf(o, "t_s,hr_bpm\n");
    double t = 0;
    for (int k = 0; t < dur; k++) {
        fprintf(o, "%.0f,%.0f\n", t, round(f(t)));
        t += 1 + (k * 7 % 3);
    }
    fclose(o);
    return path;
}

/* Run 300-900 s, a 100 s pause (rate towards 100 bpm, tau 50 s), the run resumed
 * (towards 175, tau 40 s) to 1600 s, then a seated recovery towards 90 (tau 60 s). */
static double hr_paused(double t)
{
    if (t < 300)
        return 60;
    double h900 = 170 - 110 * exp(-600 / 60.0);
    if (t < 900)
        return 170 - 110 * exp(-(t - 300) / 60.0);
    double h1000 = 100 + (h900 - 100) * exp(-100 / 50.0);
    if (t < 1000)
        return 100 + (h900 - 100) * exp(-(t - 900) / 50.0);
    double h1600 = 175 + (h1000 - 175) * exp(-600 / 40.0);
    if (t < 1600)
        return 175 + (h1000 - 175) * exp(-(t - 1000) / 40.0);
    return 90 + (h1600 - 90) * exp(-(t - 1600) / 60.0);
}

PT_TEST(hr_only_pause_followed_by_a_new_effort_is_no_end)
{
    /* the pause drops 49 bpm in its first minute (an end by the drop alone; the
     * base commit reported it at 900 s) but the rate climbs again within 180 s:
     * a rest between efforts. One end, at 1600 s (+-1 s as in the test above) */
    const char *path = write_hr("paused", hr_paused, 2200);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    p.age_y = 30;
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *rc = pt_summary_table_const(s, "recovery");
    const double *te = pt_table_column(rc, "t_end_exercise_s");
    for (size_t i = 0; i < pt_table_nrows(rc); i++)
        fprintf(stderr, "  end %.1f s\n", te[i]);
    PT_REQUIRE(pt_table_nrows(rc) == 1);
    PT_CHECK_NEAR(1600.0, te[0], 0, 1.0);
    pt_summary_destroy(s);
}

/* A steady run whose rate peaks at 900 s (172 bpm) and eases to 170 by its end at
 * 1000 s, then a recovery towards 90 bpm (tau 60 s). */
static double hr_early_peak(double t)
{
    if (t < 300)
        return 60;
    double base = 170 - 110 * exp(-(t - 300) / 60.0);
    if (t < 1000)
        return base + 2.0 * exp(-0.5 * pow((t - 900) / 40.0, 2)) * (t > 900 ? 0.0 : 1.0) +
               (t > 900 ? 2.0 - 0.02 * (t - 900) : 0.0);
    double h = 170 - 110 * exp(-700 / 60.0);
    return 90 + (h - 90) * exp(-(t - 1000) / 60.0);
}

PT_TEST(hr_only_end_of_a_plateau_longer_than_a_minute)
{
    /* the peak is 100 s before the stop: the plateau is followed second by second
     * (each within 3 bpm of the peak and within 60 s of the one before) to its
     * end; the base commit looked only 60 s past the peak, saw 2 bpm of drop and
     * found no end. End within 2 s (the run-up eases 0.02 bpm/s, fitted flat) */
    const char *path = write_hr("earlypeak", hr_early_peak, 1800);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    p.age_y = 30;
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *rc = pt_summary_table_const(s, "recovery");
    PT_REQUIRE(pt_table_nrows(rc) == 1);
    double T = pt_table_column(rc, "t_end_exercise_s")[0];
    fprintf(stderr, "  end %.1f s (true 1000)\n", T);
    PT_CHECK_NEAR(1000.0, T, 0, 2.0);
    pt_summary_destroy(s);
}

PT_TEST(movement_during_recovery_lowers_quality)
{
    scen c = {900, 60, 75, 1500, 1, 1, 0, 0, 0, 0};
    const char *path = write_scen("moving", &c);
    PT_REQUIRE(path);
    pt_params p = pt_params_defaults();
    p.age_y = 30;
    p.n_exercise_end = 1;
    p.exercise_end_s[0] = 900;
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *rc = pt_summary_table_const(s, "recovery");
    PT_REQUIRE(pt_table_nrows(rc) == 1); /* reported, not dropped */
    PT_CHECK(pt_table_column(rc, "quality")[0] < 0.5);
    pt_summary_destroy(s);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
