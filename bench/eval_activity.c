/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_activity.c — moderate walking versus high intensity, and cadence.
 *
 *   pt-eval-activity [SHARED_DIR] [--no-sim]     (default $PT_SHARED_DIR, else /work/shared)
 *
 * 1. Real: WISDM smartwatch files in SHARED_DIR/data/activity (labels.csv):
 *    per 5 s epoch, "high intensity" = class vigorous; balanced accuracy of
 *    walking vs jogging for (a) the MAD cut-point alone (Vaha-Ypya 2015,
 *    >= 414 mg), (b) ENMO with GGIR's default vigorous threshold (>= 400 mg),
 *    (c) the fused classifier (gait cadence + cut-points; no heart rate here),
 *    and the median cadence per activity.
 * 2. Simulation (pulsetrain/simulate.h): several seeds and scenarios, written
 *    as CSV and run through pt_process_file; per epoch, truth = class of the
 *    epoch's middle second; class agreement, walking-vs-high balanced
 *    accuracy, cadence error (epochs of steady gait in the truth). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_util.h"
#include "pulsetrain/pipeline.h"
#include "pulsetrain/simulate.h"
#include "pulsetrain/version.h"

/* Confusion counts for walking (negative) versus high intensity (positive). */
typedef struct conf {
    double tp, tn, fp, fn;
} conf;

static void conf_add(conf *c, int truth_high, int pred_high)
{
    if (truth_high)
        *(pred_high ? &c->tp : &c->fn) += 1;
    else
        *(pred_high ? &c->fp : &c->tn) += 1;
}

static double bal_acc(const conf *c)
{
    return 0.5 * (c->tp / fmax(1, c->tp + c->fn) + c->tn / fmax(1, c->tn + c->fp));
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void eval_wisdm(const char *shared)
{
    char path[1200], line[512];
    snprintf(path, sizeof path, "%s/data/activity/labels.csv", shared);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("WISDM: %s not found, skipped\n", path);
        return;
    }
    conf mad = {0}, enmo = {0}, fused = {0}, file_fused = {0}, file_mad = {0}, file_enmo = {0};
    double cad_w[64], cad_j[64];
    size_t ncw = 0, ncj = 0, nfiles = 0;
    pt_params p = pt_params_defaults();
    printf("\n== WISDM wrist accelerometer, walking vs jogging (per 5 s epoch) ==\n");
    printf("%-26s %6s %8s %8s %9s %6s %s\n", "file", "epochs", "MAD_mg", "ENMO_mg", "cad_spm",
           "high%", "fused");
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return;
    }
    while (fgets(line, sizeof line, f)) {
        char file[128], act[32];
        if (sscanf(line, "%127[^,],%*[^,],%*[^,],%31[^,]", file, act) != 2)
            continue;
        int high = !strcmp(act, "jogging");
        snprintf(path, sizeof path, "%s/data/activity/%s", shared, file);
        pt_summary *s = NULL;
        pt_error err = {0};
        if (pt_process_file(path, NULL, &p, NULL, &s, &err)) {
            printf("%-26s error: %s\n", file, err.msg);
            continue;
        }
        const pt_table *ep = pt_summary_table_const(s, "epochs");
        const double *m = pt_table_column(ep, "mad_mg"), *e = pt_table_column(ep, "enmo_mg"),
                     *c = pt_table_column(ep, "cadence_spm"), *k = pt_table_column(ep, "class");
        size_t n = pt_table_nrows(ep), used = 0, nhigh = 0;
        double cads[64], sm = 0, se = 0;
        size_t nc = 0;
        for (size_t i = 0; i < n; i++) {
            if (isnan(m[i]) || isnan(k[i]))
                continue;
            used++;
            sm += m[i];
            se += e[i];
            conf_add(&mad, high, m[i] >= p.mad_vigorous_mg);
            conf_add(&enmo, high, e[i] >= p.enmo_vigorous_mg);
            conf_add(&fused, high, k[i] == PT_CLASS_VIGOROUS);
            nhigh += k[i] == PT_CLASS_VIGOROUS;
            if (!isnan(c[i]) && nc < 64)
                cads[nc++] = c[i];
        }
        double med = NAN;
        if (nc) {
            qsort(cads, nc, sizeof *cads, cmp_d);
            med = cads[nc / 2];
            if (high && ncj < 64)
                cad_j[ncj++] = med;
            if (!high && ncw < 64)
                cad_w[ncw++] = med;
        }
        int file_high = 2 * nhigh > used;
        conf_add(&file_fused, high, file_high);
        conf_add(&file_mad, high, sm / (double)used >= p.mad_vigorous_mg);
        conf_add(&file_enmo, high, se / (double)used >= p.enmo_vigorous_mg);
        printf("%-26s %6zu %8.0f %8.0f %9.1f %6.0f %s\n", file, used, sm / (double)used,
               se / (double)used, med, 100.0 * (double)nhigh / (double)used,
               file_high == high ? "ok" : "WRONG");
        nfiles++;
        pt_summary_destroy(s);
    }
    fclose(f);
    qsort(cad_w, ncw, sizeof *cad_w, cmp_d);
    qsort(cad_j, ncj, sizeof *cad_j, cmp_d);
    printf("\nWISDM (%zu files) balanced accuracy, walking vs high intensity:\n", nfiles);
    printf("                                            per epoch   per file\n");
    printf("  MAD cut-point >= %.0f mg (Vaha-Ypya 2015)   %.3f       %.3f (file mean)\n",
           p.mad_vigorous_mg, bal_acc(&mad), bal_acc(&file_mad));
    printf("  ENMO >= %.0f mg (GGIR default)              %.3f       %.3f (file mean)\n",
           p.enmo_vigorous_mg, bal_acc(&enmo), bal_acc(&file_enmo));
    printf("  fused (cadence + cut-points)              %.3f       %.3f (majority of epochs)\n",
           bal_acc(&fused), bal_acc(&file_fused));
    if (ncw && ncj)
        printf("  median cadence: walking %.0f (range %.0f-%.0f), jogging %.0f (range %.0f-%.0f) "
               "steps/min\n",
               cad_w[ncw / 2], cad_w[0], cad_w[ncw - 1], cad_j[ncj / 2], cad_j[0], cad_j[ncj - 1]);
}

static void eval_sim(void)
{
    static const struct {
        pt_sim_scenario sc;
        double dur_s;
    } runs[] = {
        {PT_SIM_MIXED, 7200}, {PT_SIM_INTERVALS, 3600}, {PT_SIM_WALK, 1200}, {PT_SIM_RUN, 1200}};
    const unsigned seeds[] = {1, 2, 3};
    printf("\n== Simulation (pulsetrain simulate), per 5 s epoch ==\n");
    printf("%-10s %4s %7s %9s %9s %10s %10s %8s\n", "scenario", "seed", "epochs", "class_agr",
           "walk_hi_BA", "cad_MAE", "cad_in3spm", "cad_n");
    conf all = {0};
    double agr_n = 0, agr_ok = 0, cad_abs = 0, cad_n = 0, cad_in3 = 0;
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++)
        for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; si++) {
            pt_sim_config cfg = pt_sim_defaults();
            cfg.seed = seeds[si];
            cfg.scenario = runs[r].sc;
            cfg.duration_s = runs[r].dur_s;
            cfg.fs_ppg_hz = 32;
            cfg.fs_acc_hz = 32;
            sim_truth tr = {0};
            const char *path = "pt_eval_activity_sim.csv";
            pt_summary *s = sim_process(&cfg, path, &tr);
            if (!s)
                continue;
            const pt_table *ep = pt_summary_table_const(s, "epochs");
            const double *et = pt_table_column(ep, "t_start_s"), *k = pt_table_column(ep, "class"),
                         *c = pt_table_column(ep, "cadence_spm");
            conf cf = {0};
            double n = 0, ok = 0, ca = 0, cn = 0, c3 = 0;
            for (size_t i = 0; i < pt_table_nrows(ep); i++) {
                size_t a = (size_t)et[i], mid = a + (size_t)(pt_params_defaults().epoch_s / 2);
                if (mid >= tr.nsec || isnan(k[i]))
                    continue;
                int tc = tr.sec[mid].intensity;
                n++;
                ok += (int)k[i] == tc;
                if (tc == PT_SIM_CLASS_MODERATE || tc == PT_SIM_CLASS_VIGOROUS)
                    conf_add(&cf, tc == PT_SIM_CLASS_VIGOROUS, k[i] == PT_CLASS_VIGOROUS);
                /* cadence: steady gait over the epoch and the gait window before it */
                int steady = 1;
                double tcad = tr.sec[mid].cadence_spm;
                for (size_t q = a >= 10 ? a - 10 : 0; q < a + 5 && q < tr.nsec; q++)
                    if (isnan(tr.sec[q].cadence_spm) || fabs(tr.sec[q].cadence_spm - tcad) > 1)
                        steady = 0;
                if (steady && !isnan(tcad) && !isnan(c[i])) {
                    ca += fabs(c[i] - tcad);
                    c3 += fabs(c[i] - tcad) <= 3;
                    cn++;
                }
            }
            printf("%-10s %4u %7.0f %9.3f %9.3f %10.2f %10.3f %8.0f\n",
                   pt_sim_scenario_name(cfg.scenario), seeds[si], n, ok / fmax(1, n), bal_acc(&cf),
                   ca / fmax(1, cn), c3 / fmax(1, cn), cn);
            all.tp += cf.tp;
            all.tn += cf.tn;
            all.fp += cf.fp;
            all.fn += cf.fn;
            agr_n += n;
            agr_ok += ok;
            cad_abs += ca;
            cad_n += cn;
            cad_in3 += c3;
            pt_summary_destroy(s);
            free(tr.sec);
            remove(path);
        }
    printf("ALL: class agreement %.3f, walking vs high balanced accuracy %.3f, cadence MAE %.2f "
           "steps/min, within +-3: %.3f (%.0f epochs)\n",
           agr_ok / fmax(1, agr_n), bal_acc(&all), cad_abs / fmax(1, cad_n),
           cad_in3 / fmax(1, cad_n), cad_n);
}

int main(int argc, char **argv)
{
    const char *shared = getenv("PT_SHARED_DIR");
    int sim = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-sim"))
            sim = 0;
        else
            shared = argv[i];
    }
    if (!shared || !*shared)
        shared = "/work/shared";
    printf("pt-eval-activity, pulsetrain %s, shared dir %s\n", pt_version(), shared);
    eval_wisdm(shared);
    if (sim)
        eval_sim();
    return 0;
}
