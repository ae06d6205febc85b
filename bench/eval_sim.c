/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_sim.c — accuracy on simulated recordings with known truth.
 *
 *   pt-eval-sim REC.csv [REC2.csv ...]
 *
 * Runs the whole pipeline on each recording (as `pulsetrain process` does) and
 * compares with REC.truth.csv (per second: hr_bpm, class, cadence_spm):
 *   - heart rate: per /hr window, truth = mean of the per-second HR inside the
 *     window; MAE, RMSE, share within 5 bpm (windows with truth HR only);
 *   - class: per epoch, truth = the class of the epoch's middle second;
 *     agreement over epochs with both classes known, and walking-vs-high
 *     intensity agreement (truth moderate/vigorous epochs only);
 *   - the class confusion matrix (truth rows, pipeline columns; epochs), summed
 *     over the recordings, and Cohen's kappa.
 * Prints one row per recording, the mean and the confusion matrix. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pulsetrain/pipeline.h"

typedef struct truth {
    size_t n;
    double *hr, *cls, *cad;
} truth;

static int load_truth(const char *rec, truth *t)
{
    char path[1100];
    snprintf(path, sizeof path, "%.*s.truth.csv",
             (int)(strlen(rec) > 4 && !strcmp(rec + strlen(rec) - 4, ".csv") ? strlen(rec) - 4
                                                                             : strlen(rec)),
             rec);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "pt-eval-sim: cannot open %s\n", path);
        return -1;
    }
    char line[256];
    size_t cap = 4096;
    t->n = 0;
    t->hr = malloc(cap * sizeof(double));
    t->cls = malloc(cap * sizeof(double));
    t->cad = malloc(cap * sizeof(double));
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        if (t->n == cap) {
            cap *= 2;
            t->hr = realloc(t->hr, cap * sizeof(double));
            t->cls = realloc(t->cls, cap * sizeof(double));
            t->cad = realloc(t->cad, cap * sizeof(double));
        }
        char *p = line, *q;
        double v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = strtod(p, &q);
            if (q == p)
                v[k] = NAN;
            p = strchr(q, ',');
            p = p ? p + 1 : q;
        }
        t->hr[t->n] = v[1];
        t->cls[t->n] = v[2];
        t->cad[t->n] = v[3];
        t->n++;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pt-eval-sim REC.csv [REC.csv ...]   (REC.truth.csv beside each)\n");
        return 1;
    }
    printf("%-28s %8s %8s %8s %8s %9s %9s\n", "recording", "windows", "MAE", "RMSE", "<=5bpm",
           "class_agr", "walk/high");
    double s_mae = 0, s_agree = 0, s_wh = 0;
    double cm[PT_NCLASS][PT_NCLASS + 1] = {{0}}; /* last column: pipeline class unknown */
    int n_ok = 0;
    for (int a = 1; a < argc; a++) {
        truth t;
        if (load_truth(argv[a], &t))
            return 2;
        pt_error err = {0};
        pt_summary *s = NULL;
        if (pt_process_file(argv[a], NULL, NULL, NULL, &s, &err)) {
            fprintf(stderr, "pt-eval-sim: %s\n", err.msg);
            return 2;
        }
        const pt_table *hr = pt_summary_table_const(s, "hr");
        const double *ht = pt_table_column(hr, "t_start_s"), *hb = pt_table_column(hr, "bpm");
        double sae = 0, sse = 0;
        size_t n = 0, within = 0;
        for (size_t i = 0; i < pt_table_nrows(hr); i++) {
            size_t i0 = (size_t)ceil(ht[i]), i1 = (size_t)floor(ht[i] + 8.0);
            double sum = 0;
            size_t m = 0;
            for (size_t k = i0; k < i1 && k < t.n; k++)
                if (!isnan(t.hr[k])) {
                    sum += t.hr[k];
                    m++;
                }
            if (!m || isnan(hb[i]))
                continue;
            double e = hb[i] - sum / (double)m;
            sae += fabs(e);
            sse += e * e;
            within += fabs(e) <= 5;
            n++;
        }
        const pt_table *ep = pt_summary_table_const(s, "epochs");
        const double *et = pt_table_column(ep, "t_start_s"), *ec = pt_table_column(ep, "class");
        size_t agree = 0, both = 0, wh = 0, nwh = 0;
        for (size_t i = 0; i < pt_table_nrows(ep); i++) {
            size_t k = (size_t)(et[i] + 2.5);
            if (k < t.n && !isnan(t.cls[k]) && t.cls[k] >= 0 && t.cls[k] < PT_NCLASS)
                cm[(int)t.cls[k]][isnan(ec[i]) ? PT_NCLASS : (int)ec[i]]++;
            if (k >= t.n || isnan(ec[i]) || isnan(t.cls[k]))
                continue;
            both++;
            agree += ec[i] == t.cls[k];
            if (t.cls[k] >= PT_CLASS_MODERATE) {
                nwh++;
                wh += (ec[i] >= PT_CLASS_VIGOROUS) == (t.cls[k] >= PT_CLASS_VIGOROUS);
            }
        }
        double mae = n ? sae / (double)n : (double)NAN,
               agr = both ? (double)agree / (double)both : (double)NAN;
        double whr = nwh ? (double)wh / (double)nwh : (double)NAN;
        const char *name = strrchr(argv[a], '/');
        printf("%-28s %8zu %8.2f %8.2f %7.1f%% %9.3f %9.3f\n", name ? name + 1 : argv[a], n, mae,
               n ? sqrt(sse / (double)n) : (double)NAN,
               n ? 100.0 * (double)within / (double)n : (double)NAN, agr, whr);
        s_mae += mae;
        s_agree += agr;
        s_wh += whr;
        n_ok++;
        pt_summary_destroy(s);
        free(t.hr);
        free(t.cls);
        free(t.cad);
    }
    printf("%-28s %8s %8.2f %8s %8s %9.3f %9.3f\n", "mean", "", s_mae / n_ok, "", "",
           s_agree / n_ok, s_wh / n_ok);
    /* confusion matrix over all recordings, and Cohen's kappa on known classes */
    printf("\nclass confusion (epochs; rows truth, columns pipeline)\n%-10s", "");
    for (int c = 0; c < PT_NCLASS; c++)
        printf(" %9s", pt_class_name(c));
    printf(" %9s %8s\n", "unknown", "recall");
    double tot = 0, diag = 0, rs[PT_NCLASS] = {0}, cs[PT_NCLASS] = {0};
    for (int r = 0; r < PT_NCLASS; r++) {
        double row = 0;
        printf("%-10s", pt_class_name(r));
        for (int c = 0; c <= PT_NCLASS; c++) {
            printf(" %9.0f", cm[r][c]);
            if (c < PT_NCLASS) {
                row += cm[r][c];
                rs[r] += cm[r][c];
                cs[c] += cm[r][c];
            }
        }
        tot += row;
        diag += cm[r][r];
        printf(" %8.3f\n", row > 0 ? cm[r][r] / row : (double)NAN);
    }
    double pe = 0;
    for (int c = 0; c < PT_NCLASS; c++)
        pe += rs[c] * cs[c] / fmax(1, tot * tot);
    printf("agreement %.3f, Cohen's kappa %.3f over %.0f epochs\n", diag / fmax(1, tot),
           (diag / fmax(1, tot) - pe) / (1 - pe), tot);
    return 0;
}
