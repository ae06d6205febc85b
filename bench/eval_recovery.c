/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_recovery.c — heart-rate recovery against references.
 *
 *   pt-eval-recovery [SHARED_DIR] [--no-sim] [--no-yoyo] [-v]
 *   (default $PT_SHARED_DIR, else /work/shared; -v: one line per simulated recovery)
 *
 * 1. Real: Yo-Yo test chest-strap heart rate (SHARED_DIR/data/hr_recovery,
 *    sessions.csv with the converter's reference HRR60/HRR120 around the
 *    stated test end). Each session is run twice through pt_process_file with
 *    the participant's age and sex: (a) the end detected from heart rate alone
 *    (the detected end nearest the stated end, within 30 s, is matched), and
 *    (b) the stated end given as --exercise-end. Errors of HRR60/HRR120
 *    against the reference; sessions whose reference_quality is "ok" are
 *    summarised apart from all sessions. Detected ends > 30 s from the stated
 *    end are false ends; those within 30 s of the last level's finish
 *    (Dxx_Ry_levels.csv, evaluation truth only) are counted apart too.
 * 2. Simulation (pulsetrain/simulate.h): "intervals" (75 min: runs of 2-4 min,
 *    seated recoveries of 3-4 min, a 30 min rest after every sixth) and "mixed"
 *    (3 h: run, seated recovery, walk; everyday cycles), seeds 1-5 x tau 45/60/90 s;
 *    recoveries matched to the truth within 15 s; errors of the end, HRR60,
 *    HRR120 and tau. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_util.h"
#include "pulsetrain/pipeline.h"
#include "pulsetrain/simulate.h"
#include "pulsetrain/version.h"

typedef struct acc {
    double n, sum_abs, sum_sq, in_tol, sum;
} acc;

static void acc_add(acc *a, double err, double tol)
{
    if (isnan(err))
        return;
    a->n++;
    a->sum += err;
    a->sum_abs += fabs(err);
    a->sum_sq += err * err;
    a->in_tol += fabs(err) <= tol;
}

static void acc_print(const char *what, const acc *a, const char *unit, double tol)
{
    printf("  %-34s n=%2.0f  MAE %6.2f %s  RMSE %6.2f  bias %+6.2f  within +-%g: %.0f/%.0f\n", what,
           a->n, a->sum_abs / fmax(1, a->n), unit, sqrt(a->sum_sq / fmax(1, a->n)),
           a->sum / fmax(1, a->n), tol, a->in_tol, a->n);
}

/* Split a CSV line in place into at most max fields. */
static int split(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = 0;
        p = c + 1;
    }
    char *nl = strpbrk(f[n - 1], "\r\n");
    if (nl)
        *nl = 0;
    return n;
}

static int col(char **names, int n, const char *want)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], want))
            return i;
    return -1;
}

static double num(const char *s)
{
    return s && *s ? strtod(s, NULL) : (double)NAN;
}

static void eval_yoyo(const char *shared)
{
    char path[1200], head[2048], line[2048];
    snprintf(path, sizeof path, "%s/data/hr_recovery/sessions.csv", shared);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(head, sizeof head, f)) {
        printf("Yo-Yo: %s not found, skipped\n", path);
        if (f)
            fclose(f);
        return;
    }
    char *hn[64];
    int nh = split(head, hn, 64);
    int c_ses = col(hn, nh, "session"), c_sex = col(hn, nh, "gender"), c_age = col(hn, nh, "age"),
        c_end = col(hn, nh, "test_end_s"), c_start = col(hn, nh, "test_start_s"),
        c_h0 = col(hn, nh, "hr_end_bpm"), c_r60 = col(hn, nh, "hrr60_bpm"),
        c_r120 = col(hn, nh, "hrr120_bpm"), c_q = col(hn, nh, "reference_quality");
    printf(
        "\n== Yo-Yo test, chest-strap HR per breath (Oxford NIL), HRR against the reference ==\n");
    printf("%-7s %-27s %7s | %7s %6s %6s %6s %6s %5s | %6s %6s %6s %5s\n", "session", "ref_quality",
           "ref60", "det_end", "dEnd", "HRR60", "err60", "err120", "tau", "HRR60u", "err60u",
           "err120u", "q_u");
    acc d60_ok = {0}, d60_all = {0}, u60_ok = {0}, u60_all = {0}, u120_ok = {0}, d120_ok = {0},
        dend = {0};
    int found = 0, total = 0, false_ends = 0, false_ok = 0, false_last = 0;
    while (fgets(line, sizeof line, f)) {
        char *v[64];
        int n = split(line, v, 64);
        if (n < nh)
            continue;
        total++;
        double end = num(v[c_end]), r60 = num(v[c_r60]), r120 = num(v[c_r120]), h0 = num(v[c_h0]);
        int ok = !strcmp(v[c_q], "ok");
        (void)h0;
        pt_params p = pt_params_defaults();
        p.age_y = num(v[c_age]);
        p.sex = v[c_sex][0] == 'M' ? 'm' : 'f';
        /* the last level's finish (the levels file is evaluation truth only): a far
         * end there is the runner's stop with the stated end later */
        double last_finish = NAN;
        snprintf(path, sizeof path, "%s/data/hr_recovery/%s_levels.csv", shared, v[c_ses]);
        FILE *lv = fopen(path, "r");
        char lb[512];
        while (lv && fgets(lb, sizeof lb, lv)) {
            char *c = strrchr(lb, ',');
            if (c && strstr(lb, "Finish"))
                last_finish = num(v[c_start]) + strtod(c + 1, NULL);
        }
        if (lv)
            fclose(lv);
        snprintf(path, sizeof path, "%s/data/hr_recovery/%s.csv", shared, v[c_ses]);
        double det[2][5] = {{NAN, NAN, NAN, NAN, NAN}, {NAN, NAN, NAN, NAN, NAN}};
        for (int mode = 0; mode < 2; mode++) {
            if (mode == 1) {
                p.n_exercise_end = 1;
                p.exercise_end_s[0] = end; /* times in the file start at 0: same base */
            }
            pt_summary *s = NULL;
            pt_error err = {0};
            if (pt_process_file(path, NULL, &p, NULL, &s, &err)) {
                printf("%s: %s\n", path, err.msg);
                continue;
            }
            const pt_table *rc = pt_summary_table_const(s, "recovery");
            const double *te = pt_table_column(rc, "t_end_exercise_s"),
                         *a60 = pt_table_column(rc, "hrr60_bpm"),
                         *a120 = pt_table_column(rc, "hrr120_bpm"),
                         *tau = pt_table_column(rc, "tau_s"), *q = pt_table_column(rc, "quality");
            size_t best = (size_t)-1;
            for (size_t i = 0; i < pt_table_nrows(rc); i++)
                if (fabs(te[i] - end) <= 30 &&
                    (best == (size_t)-1 || fabs(te[i] - end) < fabs(te[best] - end)))
                    best = i;
            for (size_t i = 0; mode == 0 && i < pt_table_nrows(rc); i++)
                if (!(fabs(te[i] - end) <= 30)) { /* an end elsewhere in the file */
                    int at_last = fabs(te[i] - last_finish) <= 30;
                    printf("  %s: false end at %.0f s (stated end %.0f s)%s\n", v[c_ses], te[i],
                           end, at_last ? ", within 30 s of the last level's finish" : "");
                    false_ends++;
                    false_ok += ok;
                    false_last += at_last;
                }
            if (best != (size_t)-1) {
                det[mode][0] = te[best];
                det[mode][1] = a60[best];
                det[mode][2] = a120[best];
                det[mode][3] = tau[best];
                det[mode][4] = q[best];
            }
            pt_summary_destroy(s);
        }
        found += !isnan(det[0][0]);
        printf(
            "%-7s %-27.27s %7.1f | %7.0f %6.0f %6.1f %6.1f %6.1f %5.0f | %6.1f %6.1f %6.1f %5.2f\n",
            v[c_ses], v[c_q], r60, det[0][0], det[0][0] - end, det[0][1], det[0][1] - r60,
            det[0][2] - r120, det[0][3], det[1][1], det[1][1] - r60, det[1][2] - r120, det[1][4]);
        acc_add(&dend, det[0][0] - end, 5);
        acc_add(&d60_all, det[0][1] - r60, 3);
        acc_add(&u60_all, det[1][1] - r60, 3);
        if (ok) {
            acc_add(&d60_ok, det[0][1] - r60, 3);
            acc_add(&d120_ok, det[0][2] - r120, 3);
            acc_add(&u60_ok, det[1][1] - r60, 3);
            acc_add(&u120_ok, det[1][2] - r120, 3);
        }
    }
    fclose(f);
    printf("\nYo-Yo: end detected from heart rate alone in %d of %d sessions (within 30 s)\n",
           found, total);
    printf("  false ends (HR alone, > 30 s from the stated end): %d in all files, %d in the ok "
           "ones; %d of them within 30 s of the last level's finish\n",
           false_ends, false_ok, false_last);
    acc_print("detected end - stated end", &dend, "s  ", 5);
    acc_print("HRR60, detected end, ref ok", &d60_ok, "bpm", 3);
    acc_print("HRR120, detected end, ref ok", &d120_ok, "bpm", 3);
    acc_print("HRR60, detected end, all", &d60_all, "bpm", 3);
    acc_print("HRR60, stated end (--exercise-end), ref ok", &u60_ok, "bpm", 3);
    acc_print("HRR120, stated end, ref ok", &u120_ok, "bpm", 3);
    acc_print("HRR60, stated end, all", &u60_all, "bpm", 3);
}

static void eval_sim(int verbose, pt_sim_scenario scenario, double duration_s)
{
    const unsigned seeds[] = {1, 2, 3, 4, 5};
    const double taus[] = {45, 60, 90};
    printf("\n== Simulation (%s scenario, %.0f min, PPG + accelerometer at 32 Hz) ==\n",
           scenario == PT_SIM_INTERVALS ? "intervals" : "mixed", duration_s / 60);
    printf("%4s %5s %6s %6s %8s %8s %8s %9s %8s\n", "seed", "tau", "truth", "found", "end_MAE",
           "HRR60", "HRR120", "tau_%err", "quality");
    acc e_end = {0}, e60 = {0}, e120 = {0}, etau = {0};
    double nt = 0, nf = 0, qsum = 0;
    for (size_t ti = 0; ti < sizeof taus / sizeof taus[0]; ti++)
        for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; si++) {
            pt_sim_config cfg = pt_sim_defaults();
            cfg.seed = seeds[si];
            cfg.scenario = scenario;
            cfg.duration_s = duration_s;
            cfg.tau_s = taus[ti];
            cfg.fs_ppg_hz = 32;
            cfg.fs_acc_hz = 32;
            sim_truth tr = {0};
            const char *path = "pt_eval_recovery_sim.csv";
            pt_summary *s = sim_process(&cfg, path, &tr);
            if (!s)
                continue;
            const pt_table *rc = pt_summary_table_const(s, "recovery");
            const double *te = pt_table_column(rc, "t_end_exercise_s"),
                         *a60 = pt_table_column(rc, "hrr60_bpm"),
                         *a120 = pt_table_column(rc, "hrr120_bpm"),
                         *tau = pt_table_column(rc, "tau_s"), *q = pt_table_column(rc, "quality");
            acc r_end = {0}, r60 = {0}, r120 = {0}, rtau = {0};
            double found = 0, rq = 0;
            for (size_t k = 0; k < tr.nrec; k++) {
                const pt_sim_recovery *t = &tr.rec[k];
                if (isnan(t->hrr120_bpm))
                    continue; /* cut short by the recording's end */
                nt++;
                size_t best = (size_t)-1;
                for (size_t i = 0; i < pt_table_nrows(rc); i++)
                    if (fabs(te[i] - t->t_end_exercise_s) <= 15 &&
                        (best == (size_t)-1 ||
                         fabs(te[i] - t->t_end_exercise_s) < fabs(te[best] - t->t_end_exercise_s)))
                        best = i;
                if (best == (size_t)-1)
                    continue;
                found++;
                rq += q[best];
                acc_add(&r_end, te[best] - t->t_end_exercise_s, 2);
                acc_add(&r60, a60[best] - t->hrr60_bpm, 2);
                acc_add(&r120, a120[best] - t->hrr120_bpm, 2);
                acc_add(&rtau, 100.0 * (tau[best] - t->tau_s) / t->tau_s, 10);
                if (verbose) {
                    size_t k1 = (size_t)t->t_end_exercise_s; /* seconds of seated recovery */
                    while (k1 < tr.nsec && tr.sec[k1].intensity == PT_SIM_CLASS_SEDENTARY)
                        k1++;
                    printf("     end %7.0f  dEnd %+5.2f  dHR0 %+5.2f  dHR60 %+5.2f  dHR120 %+5.2f  "
                           "tau %5.1f / %5.1f (%+5.1f %%)  rest %4.0f s\n",
                           t->t_end_exercise_s, te[best] - t->t_end_exercise_s,
                           pt_table_column(rc, "hr_end_bpm")[best] - t->hr_end_bpm,
                           pt_table_column(rc, "hr_60_bpm")[best] - t->hr_60_bpm,
                           pt_table_column(rc, "hr_120_bpm")[best] - t->hr_120_bpm, tau[best],
                           t->tau_s, 100.0 * (tau[best] - t->tau_s) / t->tau_s,
                           (double)k1 - t->t_end_exercise_s);
                }
            }
            printf("%4u %5.0f %6.0f %6.0f %8.2f %8.2f %8.2f %9.1f %8.2f\n", seeds[si], taus[ti],
                   r_end.n + (double)0, found, r_end.sum_abs / fmax(1, r_end.n),
                   r60.sum_abs / fmax(1, r60.n), r120.sum_abs / fmax(1, r120.n),
                   rtau.sum_abs / fmax(1, rtau.n), rq / fmax(1, found));
            nf += found;
            qsum += rq;
#define MERGE(a, b)                                                                                \
    a.n += b.n;                                                                                    \
    a.sum_abs += b.sum_abs;                                                                        \
    a.sum += b.sum;                                                                                \
    a.sum_sq += b.sum_sq;                                                                          \
    a.in_tol += b.in_tol
            MERGE(e_end, r_end);
            MERGE(e60, r60);
            MERGE(e120, r120);
            MERGE(etau, rtau);
            pt_summary_destroy(s);
            free(tr.sec);
            remove(path);
        }
    printf("\nSimulation: %.0f of %.0f recoveries found (mean quality %.2f)\n", nf, nt,
           qsum / fmax(1, nf));
    acc_print("end of exercise error", &e_end, "s  ", 2);
    acc_print("HRR60 error", &e60, "bpm", 2);
    acc_print("HRR120 error", &e120, "bpm", 2);
    acc_print("tau error", &etau, "%  ", 10);
}

int main(int argc, char **argv)
{
    const char *shared = getenv("PT_SHARED_DIR");
    int sim = 1, yoyo = 1, verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-sim"))
            sim = 0;
        else if (!strcmp(argv[i], "--no-yoyo"))
            yoyo = 0;
        else if (!strcmp(argv[i], "-v"))
            verbose = 1;
        else
            shared = argv[i];
    }
    if (!shared || !*shared)
        shared = "/work/shared";
    printf("pt-eval-recovery, pulsetrain %s, shared dir %s\n", pt_version(), shared);
    if (yoyo)
        eval_yoyo(shared);
    if (sim) {
        eval_sim(verbose, PT_SIM_INTERVALS, 4500);
        eval_sim(verbose, PT_SIM_MIXED, 10800);
    }
    return 0;
}
