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
 *     intensity agreement (truth moderate/vigorous epochs only).
 * Prints one row per recording and the mean. */
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
             (int)(strlen(rec) > 4 && !strcmp(rec + strlen(rec) - 4, ".csv") ? strlen(rec) - 4 : strlen(rec)), rec);
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
            if (k >= t.n || isnan(ec[i]) || isnan(t.cls[k]))
                continue;
            both++;
            agree += ec[i] == t.cls[k];
            if (t.cls[k] >= PT_CLASS_MODERATE) {
                nwh++;
                wh += (ec[i] >= PT_CLASS_VIGOROUS) == (t.cls[k] >= PT_CLASS_VIGOROUS);
            }
        }
        double mae = n ? sae / (double)n : (double)NAN, agr = both ? (double)agree / (double)both : (double)NAN;
        double whr = nwh ? (double)wh / (double)nwh : (double)NAN;
        const char *name = strrchr(argv[a], '/');
        printf("%-28s %8zu %8.2f %8.2f %7.1f%% %9.3f %9.3f\n", name ? name + 1 : argv[a], n, mae,
               n ? sqrt(sse / (double)n) : (double)NAN, n ? 100.0 * (double)within / (double)n : (double)NAN, agr,
               whr);
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
    return 0;
}
