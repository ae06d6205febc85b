/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_hr.c — accuracy and speed of the heart-rate tracker (pipeline/hrtrack.c).
 *
 *   pt-eval-hr [--data DIR] [--quality Q] [--dump DIR] [--no-speed] [--hours H]
 *
 * DIR holds spc2015/ and wrist_ppg_exercise/ (default: $PT_SHARED_DIR/data, else
 * ../shared/data, ../../shared/data, ../../../shared/data). For every record: MAE, RMSE,
 * share within 5 bpm and Pearson r against the ECG-derived reference, global and fixed-lag
 * decoding and their agreement, the published figures beside (Temko 2017 WFPV per-window
 * estimates from the _bpm.csv files; TROIKA 2.34 and JOSS 1.28 are 12-record means from the
 * papers). wrist_ppg_exercise: windows whose beat annotations hold an RR outlier (> 25 %
 * from the window median) are "doubtful"; s4_run (reference at twice the PPG's rate, RR down
 * to 0.15 s) is shown but left out of the activity means. Then MAE above/below a quality
 * threshold, and the throughput on a synthetic H-hour recording (PPG 64 Hz + acc 32 Hz,
 * band-pass + tracker, one core). --dump writes <record>.hr.csv per record. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pulsetrain/hrtrack.h"

#define PT_NAN ((double)NAN)
#define PT_PI 3.14159265358979323846

typedef struct table {
    size_t nrow, ncol;
    char **names;
    double *v; /* [nrow][ncol], NaN for empty fields */
} table;

static void table_free(table *t)
{
    for (size_t c = 0; c < t->ncol; c++)
        free(t->names[c]);
    free(t->names);
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* Minimal numeric CSV reader: one header line, comma-separated numbers. */
static int load_csv(const char *path, table *t)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    line[strcspn(line, "\r\n")] = 0;
    size_t ncol = 1;
    for (char *p = line; *p; p++)
        ncol += *p == ',';
    t->ncol = ncol;
    t->names = calloc(ncol, sizeof *t->names);
    char *tok = line;
    for (size_t c = 0; c < ncol; c++) {
        char *e = strchr(tok, ',');
        if (e)
            *e = 0;
        t->names[c] = strdup(tok);
        tok = e ? e + 1 : tok + strlen(tok);
    }
    size_t cap = 1 << 16;
    t->v = malloc(cap * ncol * sizeof *t->v);
    while (fgets(line, sizeof line, f)) {
        if (t->nrow == cap) {
            cap *= 2;
            t->v = realloc(t->v, cap * ncol * sizeof *t->v);
        }
        char *p = line;
        for (size_t c = 0; c < ncol; c++) {
            char *end;
            double x = strtod(p, &end);
            t->v[t->nrow * ncol + c] = end == p ? PT_NAN : x;
            p = strchr(end, ',');
            if (!p)
                p = end;
            else
                p++;
        }
        t->nrow++;
    }
    fclose(f);
    return 0;
}

static int col(const table *t, const char *name)
{
    for (size_t c = 0; c < t->ncol; c++)
        if (!strcmp(t->names[c], name))
            return (int)c;
    return -1;
}

static double *column(const table *t, int c)
{
    double *x = malloc((t->nrow ? t->nrow : 1) * sizeof *x);
    for (size_t i = 0; i < t->nrow; i++)
        x[i] = c >= 0 ? t->v[i * t->ncol + (size_t)c] : PT_NAN;
    return x;
}

typedef struct stats {
    double mae, rmse, w5, r;
    size_t n;
} stats;

static stats metrics(const double *est, const double *ref, const int *skip, size_t n)
{
    stats s = {0, 0, 0, PT_NAN, 0};
    double se = 0, sr = 0, see = 0, srr = 0, ser = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(ref[i]) || !isfinite(est[i]) || (skip && skip[i]))
            continue;
        double e = est[i] - ref[i];
        s.mae += fabs(e);
        s.rmse += e * e;
        s.w5 += fabs(e) <= 5.0;
        se += est[i];
        sr += ref[i];
        see += est[i] * est[i];
        srr += ref[i] * ref[i];
        ser += est[i] * ref[i];
        s.n++;
    }
    if (!s.n)
        return s;
    double m = (double)s.n;
    s.mae /= m;
    s.rmse = sqrt(s.rmse / m);
    s.w5 = 100.0 * s.w5 / m;
    double cov = ser / m - se / m * sr / m, ve = see / m - se / m * se / m,
           vr = srr / m - sr / m * sr / m;
    s.r = ve > 0 && vr > 0 ? cov / sqrt(ve * vr) : PT_NAN;
    return s;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_s(void) /* this process's CPU time: fair on a shared, loaded machine */
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* quality split accumulators */
static double q_thr = 0.1;
static double qa_sum[2];
static size_t qa_n[2];
/* the reliability rule (pt_hr_reliable) without its beats and device checks, per data set
 * (0 SPC 2015, 1 wrist_ppg_exercise): windows with a reference, reliable, reliable > 10 off */
static int cur_set;
static size_t rule_n[2], rule_rel[2], rule_wrong[2];

typedef struct rec_result {
    stats g, fl, trusted, gq; /* gq: windows with quality >= q_thr */
    double agree;             /* share of windows with identical global and fixed-lag estimates */
} rec_result;

static int run_record(const char *name, const double *const *ppg, size_t nch, size_t n, double fs,
                      const double *const *acc, const double *ref, size_t nref, const int *doubtful,
                      const char *dump_dir, rec_result *res)
{
    pt_hrtrack_config cfg = pt_hrtrack_defaults();
    size_t nw = pt_hrtrack_nwindows(&cfg, (double)n / fs);
    pt_hrtrack_window *wg = calloc(nw + 1, sizeof *wg), *wf = calloc(nw + 1, sizeof *wf);
    size_t ng = 0, nf = 0;
    pt_error err;
    if (pt_hrtrack_process(&cfg, ppg, nch, n, fs, acc, n, fs, PT_HRTRACK_GLOBAL, wg, nw, &ng,
                           &err) ||
        pt_hrtrack_process(&cfg, ppg, nch, n, fs, acc, n, fs, PT_HRTRACK_FIXED_LAG, wf, nw, &nf,
                           &err)) {
        fprintf(stderr, "pt-eval-hr: %s: %s\n", name, err.msg);
        free(wg);
        free(wf);
        return -1;
    }
    size_t m = ng < nref ? ng : nref;
    double *eg = calloc(m + 1, sizeof *eg), *ef = calloc(m + 1, sizeof *ef);
    size_t same = 0;
    for (size_t i = 0; i < m; i++) {
        eg[i] = wg[i].bpm;
        ef[i] = wf[i].bpm;
        same += fabs(eg[i] - ef[i]) < 1e-9;
        if (isfinite(ref[i]) && i < nf) {
            int rel = pt_hr_reliable(wf[i].bpm, wf[i].quality, wf[i].motion_g, NAN, NAN);
            rule_n[cur_set]++;
            rule_rel[cur_set] += (size_t)rel;
            rule_wrong[cur_set] += (size_t)(rel && fabs(wf[i].bpm - ref[i]) > 10);
        }
        if (isfinite(ref[i])) {
            int hi = wg[i].quality >= q_thr;
            qa_sum[hi] += fabs(eg[i] - ref[i]);
            qa_n[hi]++;
        }
    }
    res->g = metrics(eg, ref, NULL, m);
    res->fl = metrics(ef, ref, NULL, m);
    res->trusted = metrics(eg, ref, doubtful, m);
    int *lowq = calloc(m + 1, sizeof *lowq);
    for (size_t i = 0; i < m; i++)
        lowq[i] = wg[i].quality < q_thr;
    res->gq = metrics(eg, ref, lowq, m);
    free(lowq);
    res->agree = m ? 100.0 * (double)same / (double)m : 0;
    if (dump_dir) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s.hr.csv", dump_dir, name);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "window,t_start_s,bpm_global,bpm_fixed_lag,quality,ref_bpm\n");
            for (size_t i = 0; i < m; i++)
                fprintf(f, "%zu,%.1f,%.4f,%.4f,%.4f,%.3f\n", i, wg[i].t_start_s, eg[i], ef[i],
                        wg[i].quality, ref[i]);
            fclose(f);
        }
    }
    free(eg);
    free(ef);
    free(wg);
    free(wf);
    return 0;
}

/* RR-outlier check of the reference: one interval > 25 % from the window's median */
static int *doubtful_windows(const double *bt, size_t nb, size_t nw)
{
    int *d = calloc(nw + 1, sizeof *d);
    double *rr = malloc((nb + 1) * sizeof *rr);
    for (size_t i = 0; i < nw; i++) {
        double t0 = 2.0 * (double)i, t1 = t0 + 8.0;
        size_t k = 0;
        for (size_t j = 1; j < nb; j++)
            if (bt[j] >= t0 && bt[j] < t1)
                rr[k++] = bt[j] - bt[j - 1];
        if (k < 2) {
            d[i] = 1;
            continue;
        }
        /* median by insertion sort (k is small) */
        double tmp[64];
        size_t kk = k < 64 ? k : 64;
        memcpy(tmp, rr, kk * sizeof *tmp);
        for (size_t a = 1; a < kk; a++)
            for (size_t b = a; b > 0 && tmp[b - 1] > tmp[b]; b--) {
                double x = tmp[b];
                tmp[b] = tmp[b - 1];
                tmp[b - 1] = x;
            }
        double med = kk % 2 ? tmp[kk / 2] : 0.5 * (tmp[kk / 2 - 1] + tmp[kk / 2]);
        for (size_t a = 0; a < k; a++)
            if (fabs(rr[a] - med) > 0.25 * med)
                d[i] = 1;
    }
    free(rr);
    return d;
}

/* Elgendi 2013 beats on the PPG against the ECG annotations: share of PPG beats flagged as
 * in heavy motion (acc magnitude SD > 0.1 g over +-2 s), and the median rate from the
 * unflagged IBIs (0.3-2 s) against the median annotated rate. */
static void beats_line(const char *name, const double *ppg, size_t n, double fs,
                       const double *const *acc_g, const double *ann_t, size_t n_ann)
{
    size_t cap = n / 8 + 16, nb = 0;
    double *t = malloc(cap * sizeof *t), *ibi = malloc(cap * sizeof *ibi);
    int *mv = malloc(cap * sizeof *mv);
    pt_error err;
    if (pt_hrtrack_beats(ppg, n, fs, acc_g, n, fs, 0.1, t, ibi, mv, cap, &nb, &err) == PT_OK) {
        double *ok = malloc((nb + 1) * sizeof *ok), *rr = malloc((n_ann + 1) * sizeof *rr);
        size_t k = 0, nm = 0, kr = 0;
        for (size_t i = 0; i < nb; i++) {
            nm += mv[i] != 0;
            if (i && !mv[i] && !mv[i - 1] && ibi[i] >= 0.3 && ibi[i] <= 2.0)
                ok[k++] = 60.0 / ibi[i];
        }
        for (size_t i = 1; i < n_ann; i++)
            if (ann_t[i] - ann_t[i - 1] > 0.2)
                rr[kr++] = 60.0 / (ann_t[i] - ann_t[i - 1]);
        /* medians by sorting copies */
        for (size_t a = 1; a < k; a++)
            for (size_t b = a; b > 0 && ok[b - 1] > ok[b]; b--) {
                double x = ok[b];
                ok[b] = ok[b - 1];
                ok[b - 1] = x;
            }
        for (size_t a = 1; a < kr; a++)
            for (size_t b = a; b > 0 && rr[b - 1] > rr[b]; b--) {
                double x = rr[b];
                rr[b] = rr[b - 1];
                rr[b - 1] = x;
            }
        printf("  beats %-24s PPG %4zu (ECG %4zu), in motion %5.1f%%, median rate of clean IBIs "
               "%6.1f bpm (ECG %6.1f)\n",
               name, nb, n_ann, nb ? 100.0 * (double)nm / (double)nb : 0, k ? ok[k / 2] : PT_NAN,
               kr ? rr[kr / 2] : PT_NAN);
        free(ok);
        free(rr);
    }
    free(t);
    free(ibi);
    free(mv);
}

static const char *find_data(const char *arg)
{
    static char buf[1024];
    if (arg)
        return arg;
    const char *env = getenv("PT_SHARED_DIR");
    if (env) {
        snprintf(buf, sizeof buf, "%s/data", env);
        return buf;
    }
    const char *c[] = {"../shared/data", "../../shared/data", "../../../shared/data"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(buf, sizeof buf, "%s/spc2015/README.md", c[i]);
        FILE *f = fopen(buf, "r");
        if (f) {
            fclose(f);
            return c[i];
        }
    }
    return "../shared/data";
}

static void speed(double hours)
{
    const double fsp = 64.0, fsa = 32.0;
    size_t np = (size_t)(hours * 3600 * fsp), na = (size_t)(hours * 3600 * fsa);
    double *ppg = malloc(np * sizeof *ppg), *acc[3];
    for (int a = 0; a < 3; a++)
        acc[a] = malloc(na * sizeof **acc);
    uint64_t s = 88172645463325252ULL; /* xorshift64: explicit state, no rand() */
    double ph = 0, hr = 1.4;
    for (size_t i = 0; i < np; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        hr += 1e-5 * sin(1e-4 * (double)i);
        ph += 2 * PT_PI * hr / fsp;
        ppg[i] = sin(ph) + 0.3 * sin(2 * ph) + ((double)(s >> 11) / 9007199254740992.0 - 0.5);
    }
    for (size_t i = 0; i < na; i++)
        for (int a = 0; a < 3; a++)
            acc[a][i] = 0.5 * sin(2 * PT_PI * 2.7 * (double)i / fsa + a) + 0.01 * a;
    pt_hrtrack_config cfg = pt_hrtrack_defaults();
    size_t nw = pt_hrtrack_nwindows(&cfg, hours * 3600);
    pt_hrtrack_window *w = malloc((nw + 1) * sizeof *w);
    size_t n = 0;
    pt_error err;
    const double *pp[1] = {ppg};
    double t0 = now_s(), c0 = cpu_s();
    int rc = pt_hrtrack_process(&cfg, pp, 1, np, fsp, (const double *const *)acc, na, fsa,
                                PT_HRTRACK_FIXED_LAG, w, nw, &n, &err);
    double dt = now_s() - t0, dc = cpu_s() - c0;
    if (rc)
        fprintf(stderr, "pt-eval-hr: speed: %s\n", err.msg);
    else
        printf("throughput: %.1f h (PPG 64 Hz + acc 32 Hz, band-pass + tracker, fixed lag, one "
               "thread): CPU %.2f s = %.0f x real time = %.2f recording-hours/s (wall %.2f s); "
               "%zu windows\n",
               hours, dc, hours * 3600 / dc, hours / dc, dt, n);
    free(w);
    free(ppg);
    for (int a = 0; a < 3; a++)
        free(acc[a]);
}

int main(int argc, char **argv)
{
    const char *data = NULL, *dump = NULL;
    int do_speed = 1;
    double hours = 24;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc)
            data = argv[++i];
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dump = argv[++i];
        else if (!strcmp(argv[i], "--quality") && i + 1 < argc)
            q_thr = atof(argv[++i]);
        else if (!strcmp(argv[i], "--hours") && i + 1 < argc)
            hours = atof(argv[++i]);
        else if (!strcmp(argv[i], "--no-speed"))
            do_speed = 0;
        else if (!strcmp(argv[i], "--speed-only"))
            do_speed = 2;
        else {
            fprintf(stderr, "usage: pt-eval-hr [--data DIR] [--quality Q] [--dump DIR] "
                            "[--no-speed | --speed-only] [--hours H]\n");
            return 1;
        }
    }
    if (do_speed == 2) {
        speed(hours);
        return 0;
    }
    data = find_data(data);
    pt_hrtrack_config cfg = pt_hrtrack_defaults();
    printf("pt-eval-hr: data %s; window %.0f s step %.0f s, lag %zu windows\n", data, cfg.window_s,
           cfg.step_s, cfg.lag_windows);

    /* ---- SPC 2015 */
    const char *spc[] = {"DATA_01_TYPE01", "DATA_02_TYPE02", "DATA_03_TYPE02", "DATA_04_TYPE02",
                         "DATA_05_TYPE02", "DATA_06_TYPE02", "DATA_07_TYPE02", "DATA_08_TYPE02"};
    printf("\nIEEE SPC 2015 training 01-08 (2 PPG channels averaged, 3-axis acc, 125 Hz)\n");
    printf("%-16s %6s %6s %6s %6s | %6s %6s | %7s | %6s\n", "record", "MAE", "RMSE", "%<=5", "r",
           "MAE-FL", "agree%", "WFPV", "WFPV+VD");
    double sum_g = 0, sum_f = 0, sum_t = 0, sum_tv = 0;
    size_t nrec = 0;
    for (size_t k = 0; k < 8; k++) {
        char path[1200];
        table s, b;
        snprintf(path, sizeof path, "%s/spc2015/%s.csv", data, spc[k]);
        if (load_csv(path, &s)) {
            fprintf(stderr, "pt-eval-hr: cannot read %s (skipping SPC 2015)\n", path);
            break;
        }
        snprintf(path, sizeof path, "%s/spc2015/%s_bpm.csv", data, spc[k]);
        if (load_csv(path, &b)) {
            table_free(&s);
            break;
        }
        double *p1 = column(&s, col(&s, "ppg1")), *p2 = column(&s, col(&s, "ppg2"));
        double *ax = column(&s, col(&s, "acc_x_g")), *ay = column(&s, col(&s, "acc_y_g")),
               *az = column(&s, col(&s, "acc_z_g"));
        double *ref = column(&b, col(&b, "bpm")), *tv = column(&b, col(&b, "temko2017_wfpv_bpm")),
               *tvd = column(&b, col(&b, "temko2017_wfpv_vd_bpm"));
        const double *pp[2] = {p1, p2}, *aa[3] = {ax, ay, az};
        rec_result r;
        cur_set = 0;
        if (run_record(spc[k], pp, 2, s.nrow, 125.0, aa, ref, b.nrow, NULL, dump, &r) == 0) {
            stats t = metrics(tv, ref, NULL, b.nrow), tq = metrics(tvd, ref, NULL, b.nrow);
            printf("%-16s %6.2f %6.2f %6.1f %6.3f | %6.2f %6.1f | %7.2f | %6.2f\n", spc[k], r.g.mae,
                   r.g.rmse, r.g.w5, r.g.r, r.fl.mae, r.agree, t.mae, tq.mae);
            sum_g += r.g.mae;
            sum_f += r.fl.mae;
            sum_t += t.mae;
            sum_tv += tq.mae;
            nrec++;
        }
        free(p1);
        free(p2);
        free(ax);
        free(ay);
        free(az);
        free(ref);
        free(tv);
        free(tvd);
        table_free(&s);
        table_free(&b);
    }
    if (nrec)
        printf("%-16s %6.3f %6s %6s %6s | %6.3f %6s | %7.3f | %6.3f   (TROIKA 2.34, JOSS 1.28, "
               "WFPV 1.02 on 12 records)\n",
               "mean", sum_g / (double)nrec, "", "", "", sum_f / (double)nrec, "",
               sum_t / (double)nrec, sum_tv / (double)nrec);

    /* ---- wrist_ppg_exercise */
    const char *wr[] = {"s2_walk",
                        "s3_walk",
                        "s6_walk",
                        "s3_run",
                        "s4_run",
                        "s5_run",
                        "s6_run",
                        "s3_high_resistance_bike",
                        "s5_low_resistance_bike"};
    printf("\nwrist_ppg_exercise (1 PPG channel, 3-axis acc, 256 Hz; reference from chest-ECG "
           "beats)\n");
    printf("%-24s %6s %6s %6s %7s | %6s %6s | %6s %9s | %6s %5s\n", "record", "MAE", "RMSE", "%<=5",
           "r", "MAE-FL", "agree%", "MAE-tr", "trusted", "MAE-q", "cov%");
    double act_sum[3] = {0}, act_tr[3] = {0}, act_qe[3] = {0}, act_qn[3] = {0}, act_all[3] = {0};
    size_t act_n[3] = {0};
    const char *act_name[3] = {"walking", "running", "cycling"};
    for (size_t k = 0; k < sizeof wr / sizeof *wr; k++) {
        char path[1200];
        table s, b, bt;
        snprintf(path, sizeof path, "%s/wrist_ppg_exercise/%s.csv", data, wr[k]);
        if (load_csv(path, &s)) {
            fprintf(stderr, "pt-eval-hr: cannot read %s\n", path);
            continue;
        }
        snprintf(path, sizeof path, "%s/wrist_ppg_exercise/%s_hr.csv", data, wr[k]);
        load_csv(path, &b);
        snprintf(path, sizeof path, "%s/wrist_ppg_exercise/%s_beats.csv", data, wr[k]);
        load_csv(path, &bt);
        double *p = column(&s, col(&s, "ppg_mV"));
        double *ax = column(&s, col(&s, "acc_x_ms2")), *ay = column(&s, col(&s, "acc_y_ms2")),
               *az = column(&s, col(&s, "acc_z_ms2"));
        double *ref = column(&b, col(&b, "bpm")), *beats = column(&bt, col(&bt, "t_s"));
        int *dbt = doubtful_windows(beats, bt.nrow, b.nrow);
        const double *pp[1] = {p}, *aa[3] = {ax, ay, az};
        rec_result r;
        double *ag[3] = {malloc(s.nrow * sizeof(double)), malloc(s.nrow * sizeof(double)),
                         malloc(s.nrow * sizeof(double))};
        for (size_t i = 0; i < s.nrow; i++) {
            ag[0][i] = ax[i] / 9.81;
            ag[1][i] = ay[i] / 9.81;
            ag[2][i] = az[i] / 9.81;
        }
        beats_line(wr[k], p, s.nrow, 256.0, (const double *const *)ag, beats, bt.nrow);
        for (int a = 0; a < 3; a++)
            free(ag[a]);
        cur_set = 1;
        if (run_record(wr[k], pp, 1, s.nrow, 256.0, aa, ref, b.nrow, dbt, dump, &r) == 0) {
            char mq[32];
            if (r.gq.n)
                snprintf(mq, sizeof mq, "%6.2f", r.gq.mae);
            else
                snprintf(mq, sizeof mq, "%6s", "-");
            printf("%-24s %6.2f %6.2f %6.1f %7.3f | %6.2f %6.1f | %6.2f %4zu/%-4zu | %s %5.1f%s\n",
                   wr[k], r.g.mae, r.g.rmse, r.g.w5, r.g.r, r.fl.mae, r.agree, r.trusted.mae,
                   r.trusted.n, r.g.n, mq, r.g.n ? 100.0 * (double)r.gq.n / (double)r.g.n : 0,
                   strcmp(wr[k], "s4_run") ? "" : "  doubtful reference");
            int a = strstr(wr[k], "walk") ? 0 : strstr(wr[k], "run") ? 1 : 2;
            if (strcmp(wr[k], "s4_run")) {
                act_sum[a] += r.g.mae;
                act_tr[a] += r.trusted.mae;
                act_qe[a] += r.gq.mae * (double)r.gq.n;
                act_qn[a] += (double)r.gq.n;
                act_all[a] += (double)r.g.n;
                act_n[a]++;
            }
        }
        free(p);
        free(ax);
        free(ay);
        free(az);
        free(ref);
        free(beats);
        free(dbt);
        table_free(&s);
        table_free(&b);
        table_free(&bt);
    }
    for (int a = 0; a < 3; a++)
        if (act_n[a])
            printf("%-8s mean MAE %6.2f bpm over %zu records (trusted-reference windows %6.2f); "
                   "windows with quality >= %.2f: MAE %6.2f, %4.1f%% of windows%s\n",
                   act_name[a], act_sum[a] / (double)act_n[a], act_n[a],
                   act_tr[a] / (double)act_n[a], q_thr,
                   act_qn[a] > 0 ? act_qe[a] / act_qn[a] : PT_NAN,
                   act_all[a] > 0 ? 100.0 * act_qn[a] / act_all[a] : 0.0,
                   a == 1 ? "  [s4_run excluded]" : "");

    printf("\nquality >= %.2f: %zu windows, MAE %.2f bpm | quality < %.2f: %zu windows, MAE %.2f "
           "bpm (all records, global decoding)\n",
           q_thr, qa_n[1], qa_n[1] ? qa_sum[1] / (double)qa_n[1] : PT_NAN, q_thr, qa_n[0],
           qa_n[0] ? qa_sum[0] / (double)qa_n[0] : PT_NAN);
    static const char *const set_name[2] = {"SPC 2015", "wrist_ppg_exercise"};
    printf("reliability rule (pt_hr_reliable on the fixed-lag windows; quality and motion only,\n"
           "  the pipeline adds the beats' and a device's agreement: bench/eval_reliable.py)\n");
    for (int k = 0; k < 2; k++)
        printf("  %-20s %4zu of %4zu windows reliable (%5.1f %%), %4.1f %% of them > 10 bpm off\n",
               set_name[k], rule_rel[k], rule_n[k],
               rule_n[k] ? 100.0 * (double)rule_rel[k] / (double)rule_n[k] : 0.0,
               rule_rel[k] ? 100.0 * (double)rule_wrong[k] / (double)rule_rel[k] : 0.0);
    if (do_speed)
        speed(hours);
    return 0;
}
