/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_util.h — helpers shared by the bench/eval_*.c programs (each is its own
 * executable): a simulated recording written as CSV with its truth kept in
 * memory, and wall/CPU clocks. */
#ifndef PT_BENCH_EVAL_UTIL_H
#define PT_BENCH_EVAL_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "pulsetrain/pipeline.h"
#include "pulsetrain/simulate.h"

typedef struct sim_truth {
    pt_sim_second *sec;
    size_t nsec;
    pt_sim_recovery rec[256];
    size_t nrec;
} sim_truth;

/* Write cfg's recording to path (t_s,ppg,acc_x_g,acc_y_g,acc_z_g; PPG and acc on
 * the same grid) and fill *tr. Returns 0 on success. */
static inline int sim_write(const pt_sim_config *cfg, const char *path, sim_truth *tr)
{
    pt_error err = {0};
    pt_sim *s = pt_sim_create(cfg, &err);
    if (!s) {
        fprintf(stderr, "simulate: %s\n", err.msg);
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        pt_sim_destroy(s);
        return -1;
    }
    fprintf(f, "t_s,ppg,acc_x_g,acc_y_g,acc_z_g\n");
    enum { CH = 4096 };
    static double t[CH], ppg[CH], x[CH], y[CH], z[CH];
    size_t n;
    while (pt_sim_read(s, CH, t, ppg, x, y, z, &n, &err) == PT_OK && n > 0)
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "%.5f,%.5f", t[i], ppg[i]);
            if (isnan(x[i]))
                fprintf(f, ",,,\n");
            else
                fprintf(f, ",%.3f,%.3f,%.3f\n", x[i], y[i], z[i]);
        }
    fclose(f);
    tr->nsec = (size_t)pt_sim_nseconds(s);
    tr->sec = calloc(tr->nsec + 1, sizeof *tr->sec);
    size_t got = 0;
    while (tr->sec && got < tr->nsec &&
           pt_sim_truth_read(s, tr->nsec - got, tr->sec + got, &n, &err) == PT_OK && n > 0)
        got += n;
    tr->nsec = got;
    tr->nrec = 0;
    while (tr->nrec < 256 &&
           pt_sim_recovery_read(s, 256 - tr->nrec, tr->rec + tr->nrec, &n, &err) == PT_OK && n > 0)
        tr->nrec += n;
    pt_sim_destroy(s);
    return tr->sec ? 0 : -1;
}

/* Simulate cfg into path and run the whole pipeline on it, with the subject's
 * age and sex; NULL (message printed, truth freed) when either step fails. */
static inline pt_summary *sim_process(const pt_sim_config *cfg, const char *path, sim_truth *tr)
{
    if (sim_write(cfg, path, tr))
        return NULL;
    pt_params p = pt_params_defaults();
    p.age_y = cfg->age_y;
    p.sex = cfg->sex;
    pt_summary *s = NULL;
    pt_error err = {0};
    if (pt_process_file(path, NULL, &p, NULL, &s, &err)) {
        printf("%s: %s\n", path, err.msg);
        free(tr->sec);
        tr->sec = NULL;
        return NULL;
    }
    return s;
}

/* Monotonic wall clock and process CPU time (user + system) [s]. */
static inline double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline double cpu_s(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec +
           (double)u.ru_stime.tv_sec + 1e-6 * (double)u.ru_stime.tv_usec;
}

#endif
