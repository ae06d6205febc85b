/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_classify.c — fused intensity classes and bouts: gait cadence decides
 * walking versus running, slow stepping (< 100 steps/min) is light, the lagging
 * heart rate after a walk does not lift a seated wrist, heart rate lifts a quiet wrist (cycling), a falling
 * heart rate after exercise does not, heart-rate-only input at irregular times
 * gets classes, and TRIMP of a bout at constant heart rate matches the formula. */
#include <stdio.h>

#include "pt_test.h"
#include "pulsetrain/pipeline.h"

#define PI_ 3.14159265358979323846

/* One segment of a scripted recording. */
typedef struct seg {
    double dur_s;
    double step_hz;  /* 0 = no gait */
    double amp_g;    /* gait amplitude on |a| */
    double hr0, hr1; /* heart rate from hr0 to hr1, exponential with tau 40 s */
} seg;

static const char *write_script(const char *name, const seg *sg, int nseg, int with_acc)
{
    static char path[256];
    snprintf(path, sizeof path, "test_classify_%s.csv", name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fprintf(f, with_acc ? "t_s,acc_x_g,acc_y_g,acc_z_g,hr_bpm\n" : "t_s,hr_bpm\n");
    double t0 = 0, fs = 16;
    for (int k = 0; k < nseg; k++) {
        long n = (long)(sg[k].dur_s * fs);
        for (long i = 0; i < n; i++) {
            double t = (double)i / fs, tt = t0 + t;
            double hr = sg[k].hr1 + (sg[k].hr0 - sg[k].hr1) * exp(-t / 40.0);
            if (with_acc) {
                /* gait on |a| (step + stride lines); at rest a 5 mg tremor or
                 * road vibration, so that the GGIR rule sees a worn device */
                double v = sg[k].step_hz > 0 ? sg[k].amp_g * sin(2 * PI_ * sg[k].step_hz * t) +
                                                   0.5 * sg[k].amp_g * sin(PI_ * sg[k].step_hz * t)
                                             : 0.005 * sin(2 * PI_ * 5.3 * tt);
                double sw = sg[k].step_hz > 0 ? 0.1 * sin(PI_ * sg[k].step_hz * t) : 0.0;
                fprintf(f, "%.4f,%.5f,%.5f,%.5f,", tt, sw + 0.03 * sin(2 * PI_ * 6.1 * tt),
                        0.6 * sw + 0.03 * sin(2 * PI_ * 4.7 * tt), 1 + v);
                if (i % 16 == 0)
                    fprintf(f, "%.2f\n", hr);
                else
                    fprintf(f, "\n");
            } else if (i % 16 == 0) {
                /* irregular: about one value per 1-3 s */
                double jit = (double)((i / 16) % 3);
                fprintf(f, "%.3f,%.2f\n", tt + jit * 0.37, hr);
                i += (long)(jit * 16);
            }
        }
        t0 += sg[k].dur_s;
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

/* Class of the epoch that starts at t. */
static double class_at(const pt_summary *s, double t)
{
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const double *et = pt_table_column(ep, "t_start_s"), *c = pt_table_column(ep, "class");
    for (size_t i = 0; i < pt_table_nrows(ep); i++)
        if (fabs(et[i] - t) < 1e-6)
            return c[i];
    return -99;
}

static pt_params subject(void)
{
    pt_params p = pt_params_defaults();
    p.hr_rest_bpm = 60;
    p.hr_max_bpm = 180;
    p.sex = 'm';
    return p;
}

PT_TEST(walking_is_moderate_running_is_vigorous)
{
    seg sg[] = {{120, 0, 0, 65, 65},
                {300, 1.8, 0.30, 65, 100},  /* walking, 108 steps/min */
                {300, 2.8, 0.25, 100, 165}, /* running, 168 steps/min, modest wrist MAD */
                {300, 0, 0, 165, 70}};
    const char *path = write_script("walkrun", sg, 4, 1);
    PT_REQUIRE(path);
    pt_params p = subject();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    PT_CHECK_INT(PT_CLASS_SEDENTARY, class_at(s, 60));
    PT_CHECK_INT(PT_CLASS_MODERATE, class_at(s, 250));
    PT_CHECK_INT(PT_CLASS_VIGOROUS, class_at(s, 600));
    /* seated recovery: heart rate high but falling, wrist quiet -> not exercise */
    PT_CHECK(class_at(s, 760) <= PT_CLASS_LIGHT);
    PT_CHECK(class_at(s, 1000) <= PT_CLASS_LIGHT);
    pt_summary_destroy(s);
}

PT_TEST(slow_stepping_is_light)
{
    /* 84 steps/min with a small wrist amplitude: rhythmic, below Tudor-Locke's
     * 100 steps/min for moderate walking */
    seg sg[] = {{120, 0, 0, 65, 65}, {300, 1.4, 0.06, 65, 75}, {300, 1.8, 0.30, 75, 100}};
    const char *path = write_script("slowstep", sg, 3, 1);
    PT_REQUIRE(path);
    pt_params p = subject();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const double *et = pt_table_column(ep, "t_start_s"), *cad = pt_table_column(ep, "cadence_spm");
    for (size_t i = 0; i < pt_table_nrows(ep); i++)
        if (et[i] >= 150 && et[i] < 400) {
            PT_CHECK_NEAR(84.0, cad[i], 0, 1.0);
            PT_CHECK_INT(PT_CLASS_LIGHT, class_at(s, et[i]));
        }
    PT_CHECK_INT(PT_CLASS_MODERATE, class_at(s, 600)); /* 108 steps/min */
    pt_summary_destroy(s);
}

PT_TEST(seated_after_walking_is_not_raised_by_the_lagging_heart_rate)
{
    /* a walk brings the rate to 50 %HRR; sitting down, it falls by 20 bpm
     * with tau 40 s: for its first 10 s not yet 5 bpm below its level of a
     * minute earlier, and the minute's median still >= 40 %HRR */
    seg sg[] = {{120, 0, 0, 65, 65}, {300, 1.8, 0.30, 65, 120}, {300, 0, 0, 120, 100}};
    const char *path = write_script("sitafterwalk", sg, 3, 1);
    PT_REQUIRE(path);
    pt_params p = subject();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    PT_CHECK_INT(PT_CLASS_MODERATE, class_at(s, 400));
    for (double t = 425; t < 720; t += 5)
        PT_CHECK(class_at(s, t) <= PT_CLASS_LIGHT);
    pt_summary_destroy(s);
}

PT_TEST(quiet_wrist_with_high_heart_rate_is_not_sedentary)
{
    /* cycling: wrist still, heart rate steady at 60 %HRR and above */
    seg sg[] = {{180, 0, 0, 62, 62}, {600, 0, 0, 62, 150}, {120, 0, 0, 150, 150}};
    const char *path = write_script("cycling", sg, 3, 1);
    PT_REQUIRE(path);
    pt_params p = subject();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    PT_CHECK_INT(PT_CLASS_SEDENTARY, class_at(s, 60));
    PT_CHECK(class_at(s, 600) >= PT_CLASS_MODERATE);
    PT_CHECK_INT(PT_CLASS_VIGOROUS, class_at(s, 850));
    pt_summary_destroy(s);
}

PT_TEST(heart_rate_only_irregular_input)
{
    seg sg[] = {{600, 0, 0, 60, 60}, {600, 0, 0, 60, 165}, {600, 0, 0, 165, 65}};
    const char *path = write_script("hronly", sg, 3, 0);
    PT_REQUIRE(path);
    pt_params p = subject();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    PT_CHECK(pt_table_nrows(ep) >= 350);
    PT_CHECK_INT(PT_CLASS_SEDENTARY, class_at(s, 300));
    PT_CHECK_INT(PT_CLASS_VIGOROUS, class_at(s, 1000));
    pt_summary_destroy(s);
}

PT_TEST(bout_trimp_at_constant_heart_rate)
{
    seg sg[] = {{120, 0, 0, 60, 60}, {600, 2.8, 0.3, 150, 150}, {120, 0, 0, 60, 60}};
    const char *path = write_script("trimp", sg, 3, 1);
    PT_REQUIRE(path);
    pt_params p = subject();
    pt_summary *s = run(path, &p);
    PT_REQUIRE(s);
    const pt_table *bt = pt_summary_table_const(s, "bouts");
    const double *cls = pt_table_column(bt, "class"), *t0 = pt_table_column(bt, "t_start_s"),
                 *t1 = pt_table_column(bt, "t_end_s"), *tb = pt_table_column(bt, "trimp_banister"),
                 *te = pt_table_column(bt, "trimp_edwards"),
                 *mh = pt_table_column(bt, "mean_hr_bpm");
    int found = 0;
    for (size_t i = 0; i < pt_table_nrows(bt); i++) {
        if (cls[i] != PT_CLASS_VIGOROUS)
            continue;
        found++;
        double min = (t1[i] - t0[i]) / 60.0, x = (150.0 - 60.0) / 120.0;
        PT_CHECK_NEAR(150.0, mh[i], 0, 0.5);
        /* Banister: minutes x 0.64 e^{1.92 x}; mean HR 150 within 0.5 bpm -> 1 % */
        PT_CHECK_NEAR(min * x * 0.64 * exp(1.92 * x), tb[i], 0.01, 0);
        PT_CHECK_NEAR(min * 4.0, te[i], 0.02, 0); /* 83 %HRmax: zone 4 */
        PT_CHECK(min >= 9.5 && min <= 10.5);
    }
    PT_CHECK_INT(1, found);
    pt_summary_destroy(s);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
