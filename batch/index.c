/* SPDX-License-Identifier: GPL-2.0-or-later
 * index.c — the batch index OUTDIR/batch.h5 and the cohort tables OUTDIR/recordings.csv
 * and OUTDIR/days.csv (one row per recording, one per recording-day), from rows that a
 * batch run hands over or that collate reads back from the journals; and collate itself.
 * Both paths go through pt_index_write, so a run's index and its collated index agree. */
#include <dirent.h>
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "batch/index.h"
#include "batch/scan.h"
#include "core/atomic.h"
#include "core/lock.h"
#include "io/h5table.h"
#include "pulsetrain/summary.h"
#include "pulsetrain/version.h"

/* ---- rows ---- */

static char *clean_dup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (d)
        for (char *c = d; *c; c++)
            if (*c == '\t' || *c == '\n' || *c == '\r')
                *c = ' ';
    return d;
}

int pt_index_row_set(pt_index_row *r, const char *path, const char *name, const char *subject_id,
                     const char *status, const char *error)
{
    char **f[5] = {&r->path, &r->name, &r->subject_id, &r->status, &r->error};
    const char *v[5] = {path, name, subject_id, status, error};
    char *nv[5];
    int rc = PT_OK;
    for (int k = 0; k < 5; k++) /* copies first: v may point into r */
        if (!(nv[k] = clean_dup(v[k])))
            rc = PT_ENOMEM;
    for (int k = 0; k < 5; k++) {
        if (rc) {
            free(nv[k]);
            continue;
        }
        free(*f[k]);
        *f[k] = nv[k];
    }
    return rc;
}

void pt_index_rows_free(pt_index_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].path);
        free(rows[i].name);
        free(rows[i].subject_id);
        free(rows[i].status);
        free(rows[i].error);
    }
    free(rows);
}

double pt_index_round_ms(double s)
{
    if (!isfinite(s))
        return s;
    char b[64];
    snprintf(b, sizeof b, "%.3f", s);
    return strtod(b, NULL);
}

static int cmp_row(const void *a, const void *b)
{
    const pt_index_row *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : strcmp(x->name, y->name);
}

/* ---- figures from one summary ---- */

enum {
    R_ERRCODE,
    R_BYTES,
    R_DUR,
    R_WALL,
    R_WEAR,
    R_MVPA,
    R_ENMO,
    R_HR,
    R_HRREST,
    R_HRREST_EST,
    R_HRMAX,
    R_AGE,
    R_AGE_ASSUMED,
    R_NDAYS,
    R_NVALID,
    R_STEPS,
    R_TRIMPB,
    R_TRIMPE,
    R_NBOUTS,
    R_NREC,
    R_HRR60,
    R_NNUM
};
enum { RS_PATH, RS_NAME, RS_SUBJECT, RS_STATUS, RS_ERROR, RS_SUMMARY, RS_START, RS_SEX, RS_NSTR };

static const struct {
    const char *name, *units, *desc;
} rnum[R_NNUM] = {{"error_code", "1", "pt_status of the failure (0 = none)"},
                  {"bytes", "B", "size of the source"},
                  {"duration_s", "s", "length of the recording"},
                  {"wall_s", "s", "processing time in the run that made or checked the summary"},
                  {"wear_min", "min", "epochs classed worn (sedentary to vigorous)"},
                  {"mvpa_min", "min", "epochs classed moderate or vigorous"},
                  {"enmo_mean_mg", "mg", "mean ENMO over worn epochs"},
                  {"hr_mean_bpm", "bpm", "mean of /epochs/hr_bpm (reliable heart rate while worn)"},
                  {"hr_rest_bpm", "bpm", "resting heart rate used (/epochs hr_rest_bpm_used)"},
                  {"hr_rest_estimated", "1", "1 when HRrest was estimated from the recording"},
                  {"hr_max_bpm", "bpm", "maximum heart rate used (/epochs hr_max_bpm_used)"},
                  {"age_y", "y", "age used (/epochs age_y_used)"},
                  {"age_assumed", "1", "1 when the age was assumed, not given"},
                  {"n_days", "1", "rows of /daily"},
                  {"n_valid_days", "1", "days with enough wear (/daily/valid_day)"},
                  {"steps", "steps", "sum of /daily/steps"},
                  {"trimp_banister_au", "AU", "sum of /daily/trimp_banister"},
                  {"trimp_edwards_au", "AU", "sum of /daily/trimp_edwards"},
                  {"n_bouts", "1", "rows of /bouts"},
                  {"n_recovery", "1", "rows of /recovery"},
                  {"hrr60_mean_bpm", "bpm", "mean of /recovery/hrr60_bpm"}};
static const struct {
    const char *name, *desc;
} rstr[RS_NSTR] = {{"path", "source recording (or file that is not one)"},
                   {"name", "name of its summary in this folder, without .h5"},
                   {"subject_id", "subject"},
                   {"status",
                    "ok (processed), kept (resume: summary matched), skipped (not a recording), "
                    "failed"},
                   {"error", "why it failed or was skipped, naming the file and the place"},
                   {"summary", "the HDF5 summary, relative to this folder"},
                   {"start_utc", "start of the recording, ISO 8601 UTC (empty when unknown)"},
                   {"sex", "sex given (m, f; empty when not given)"}};

/* Day columns: the summary's /daily column, the cohort table's name, units. */
enum { D_NNUM = 17 };
static const struct {
    const char *from, *name, *units, *desc;
} dcol[D_NNUM] = {
    {"valid_day", "valid_day", "1", "1 when the day has enough wear"},
    {"wear_minutes", "wear_min", "min", "worn"},
    {"minutes_nonwear", "nonwear_min", "min", "classed non-wear"},
    {"minutes_sedentary", "sedentary_min", "min", "classed sedentary"},
    {"minutes_light", "light_min", "min", "classed light"},
    {"minutes_moderate", "moderate_min", "min", "classed moderate"},
    {"minutes_vigorous", "vigorous_min", "min", "classed vigorous"},
    {NULL, "mvpa_min", "min", "moderate + vigorous"},
    {"walking_minutes", "walking_min", "min", "rhythmic gait at walking cadence"},
    {"moderate_walking_minutes", "moderate_walking_min", "min", "walking classed moderate+"},
    {"longest_easy_minutes", "longest_easy_min", "min", "longest light/moderate stretch"},
    {"hr_minutes", "hr_min", "min", "worn with a reliable heart rate"},
    {"steps", "steps", "steps", "steps from the gait cadence"},
    {"trimp_banister", "trimp_banister_au", "AU", "Banister training impulse"},
    {"trimp_edwards", "trimp_edwards_au", "AU", "Edwards training load"},
    {"n_recovery", "n_recovery", "1", "recoveries behind hrr60_bpm"},
    {"hrr60_bpm", "hrr60_bpm", "bpm", "mean heart rate recovery in 60 s"}};

typedef struct days {
    size_t n, cap;
    size_t *row; /* the recording's row */
    char (*date)[16];
    double *v[D_NNUM];
} days;

static int days_grow(days *d)
{
    if (d->n < d->cap)
        return PT_OK;
    size_t cap = d->cap ? 2 * d->cap : 256;
    size_t *r = realloc(d->row, cap * sizeof *r);
    if (!r)
        return PT_ENOMEM;
    d->row = r;
    char(*dt)[16] = realloc(d->date, cap * sizeof *dt);
    if (!dt)
        return PT_ENOMEM;
    d->date = dt;
    for (int k = 0; k < D_NNUM; k++) {
        double *v = realloc(d->v[k], cap * sizeof *v);
        if (!v)
            return PT_ENOMEM;
        d->v[k] = v;
    }
    d->cap = cap;
    return PT_OK;
}

static double tab_attr(const pt_table *t, const char *name)
{
    for (size_t i = 0; t && i < pt_table_nattrs(t); i++)
        if (!strcmp(pt_table_attr_name(t, i), name))
            return pt_table_attr(t, i);
    return NAN;
}

/* Mean (or sum) of the finite values of a column; NaN when none. */
static double col_stat(const pt_table *t, const char *col, int sum)
{
    const double *v = t ? pt_table_column(t, col) : NULL;
    if (!v)
        return NAN;
    double s = 0;
    size_t k = 0;
    for (size_t i = 0; i < pt_table_nrows(t); i++)
        if (isfinite(v[i])) {
            s += v[i];
            k++;
        }
    return k == 0 ? (double)NAN : sum ? s : s / (double)k;
}

static void figures(const pt_summary *s, double *v, char *sex, char *start, size_t start_len)
{
    const pt_recording_info *rec = pt_summary_recording(s);
    v[R_DUR] = rec ? rec->duration_s : (double)NAN;
    snprintf(start, start_len, "%s", rec ? rec->start_time_utc : "");
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const double *cls = ep ? pt_table_column(ep, "class") : NULL;
    const double *enmo = ep ? pt_table_column(ep, "enmo_mg") : NULL;
    double epoch_s = tab_attr(ep, "epoch_s");
    v[R_WEAR] = v[R_MVPA] = v[R_ENMO] = NAN;
    if (cls && epoch_s > 0) {
        size_t known = 0, wear = 0, mvpa = 0, ne = 0;
        double es = 0;
        for (size_t i = 0; i < pt_table_nrows(ep); i++) {
            if (!(cls[i] >= PT_CLASS_NONWEAR))
                continue; /* unknown */
            known++;
            if (cls[i] >= PT_CLASS_SEDENTARY) {
                wear++;
                mvpa += cls[i] >= PT_CLASS_MODERATE;
                if (enmo && isfinite(enmo[i])) {
                    es += enmo[i];
                    ne++;
                }
            }
        }
        if (known) {
            v[R_WEAR] = (double)wear * epoch_s / 60.0;
            v[R_MVPA] = (double)mvpa * epoch_s / 60.0;
        }
        v[R_ENMO] = ne ? es / (double)ne : (double)NAN;
    }
    v[R_HR] = col_stat(ep, "hr_bpm", 0);
    v[R_HRREST] = tab_attr(ep, "hr_rest_bpm_used");
    v[R_HRREST_EST] = tab_attr(ep, "hr_rest_estimated");
    v[R_HRMAX] = tab_attr(ep, "hr_max_bpm_used");
    v[R_AGE] = tab_attr(ep, "age_y_used");
    v[R_AGE_ASSUMED] = tab_attr(ep, "age_assumed");
    if (ep)
        pt_table_release(ep);
    const pt_table *dy = pt_summary_table_const(s, "daily");
    v[R_NDAYS] = dy ? (double)pt_table_nrows(dy) : (double)NAN;
    v[R_NVALID] = col_stat(dy, "valid_day", 1);
    if (dy && pt_table_nrows(dy) && isnan(v[R_NVALID]))
        v[R_NVALID] = NAN;
    v[R_STEPS] = col_stat(dy, "steps", 1);
    v[R_TRIMPB] = col_stat(dy, "trimp_banister", 1);
    v[R_TRIMPE] = col_stat(dy, "trimp_edwards", 1);
    const pt_table *bo = pt_summary_table_const(s, "bouts");
    v[R_NBOUTS] = bo ? (double)pt_table_nrows(bo) : (double)NAN;
    const pt_table *rc = pt_summary_table_const(s, "recovery");
    v[R_NREC] = rc ? (double)pt_table_nrows(rc) : (double)NAN;
    v[R_HRR60] = col_stat(rc, "hrr60_bpm", 0);
    /* sex given: the parameters' "sex": "m" or "f" */
    const char *js = pt_summary_parameters(s);
    const char *p = js ? strstr(js, "\"sex\":") : NULL;
    sex[0] = '\0';
    if (p) {
        p += 6;
        while (*p == ' ')
            p++;
        if (p[0] == '"' && (p[1] == 'm' || p[1] == 'f') && p[2] == '"') {
            sex[0] = p[1];
            sex[1] = '\0';
        }
    }
}

static int add_days(days *d, const pt_summary *s, size_t row)
{
    const pt_table *dy = pt_summary_table_const(s, "daily");
    if (!dy)
        return PT_OK;
    const double *date = pt_table_column(dy, "date");
    const double *src[D_NNUM];
    for (int k = 0; k < D_NNUM; k++)
        src[k] = dcol[k].from ? pt_table_column(dy, dcol[k].from) : NULL;
    for (size_t i = 0; i < pt_table_nrows(dy); i++) {
        if (days_grow(d))
            return PT_ENOMEM;
        size_t j = d->n++;
        d->row[j] = row;
        d->date[j][0] = '\0';
        if (date && isfinite(date[i])) {
            time_t tt = (time_t)date[i];
            struct tm tm;
            gmtime_r(&tt, &tm);
            snprintf(d->date[j], 16, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000,
                     (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
        }
        for (int k = 0; k < D_NNUM; k++)
            d->v[k][j] = src[k] ? src[k][i] : (double)NAN;
        /* mvpa_min = moderate + vigorous */
        d->v[7][j] = d->v[5][j] + d->v[6][j];
    }
    return PT_OK;
}

/* ---- CSV ---- */

static void csv_str(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
}

static int write_recordings_csv(const char *outdir, size_t n, const char *const *s, const double *v,
                                pt_error *err)
{
    char path[1100], tmp[1200];
    snprintf(path, sizeof path, "%s/recordings.csv", outdir);
    FILE *f = pt_tmp_fopen(path, tmp, sizeof tmp, err);
    if (!f)
        return err ? err->code : PT_EIO;
    for (int k = 0; k < RS_NSTR; k++)
        fprintf(f, "%s%s", k ? "," : "", rstr[k].name);
    for (int k = 0; k < R_NNUM; k++)
        fprintf(f, ",%s", rnum[k].name);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < RS_NSTR; k++) {
            if (k)
                fputc(',', f);
            csv_str(f, s[(size_t)k * n + i]);
        }
        for (int k = 0; k < R_NNUM; k++) {
            fputc(',', f);
            csv_num(f, v[(size_t)k * n + i]);
        }
        fputc('\n', f);
    }
    return pt_tmp_fclose(f, PT_OK, tmp, path, err);
}

static int write_days_csv(const char *outdir, const pt_index_row *rows, const days *d,
                          pt_error *err)
{
    char path[1100], tmp[1200];
    snprintf(path, sizeof path, "%s/days.csv", outdir);
    FILE *f = pt_tmp_fopen(path, tmp, sizeof tmp, err);
    if (!f)
        return err ? err->code : PT_EIO;
    fputs("path,name,subject_id,date", f);
    for (int k = 0; k < D_NNUM; k++)
        fprintf(f, ",%s", dcol[k].name);
    fputc('\n', f);
    for (size_t j = 0; j < d->n; j++) {
        const pt_index_row *r = &rows[d->row[j]];
        csv_str(f, r->path);
        fputc(',', f);
        csv_str(f, r->name);
        fputc(',', f);
        csv_str(f, r->subject_id);
        fprintf(f, ",%s", d->date[j]);
        for (int k = 0; k < D_NNUM; k++) {
            fputc(',', f);
            csv_num(f, d->v[k][j]);
        }
        fputc('\n', f);
    }
    return pt_tmp_fclose(f, PT_OK, tmp, path, err);
}

/* ---- HDF5 ---- */

static int write_h5(const char *outdir, const pt_index_row *rows, size_t n, const char *const *s,
                    const double *v, const days *d, const char *input, const char *params,
                    const size_t count[4], pt_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/batch.h5", outdir);
    size_t nd = d->n;
    const char **ds = calloc(4 * (nd ? nd : 1), sizeof *ds);
    if (!ds)
        return pt_error_set(err, PT_ENOMEM, "out of memory for the batch index");
    for (size_t j = 0; j < nd; j++) {
        const pt_index_row *r = &rows[d->row[j]];
        ds[j] = r->path;
        ds[nd + j] = r->name;
        ds[2 * nd + j] = r->subject_id;
        ds[3 * nd + j] = d->date[j];
    }
    pt_h5w w;
    int rc = pt_h5w_create(&w, path, n * 30 * 64 + nd * 22 * 16, err);
    if (rc) {
        free(ds);
        return rc;
    }
    hid_t g = pt_h5w_group(&w, "/recordings");
    for (int k = 0; k < RS_NSTR && g >= 0 && !rc; k++) {
        pt_h5col c = {rstr[k].name, "", rstr[k].desc, PT_H5_STR, s + (size_t)k * n, NULL, 0};
        rc = pt_h5w_column(&w, g, &c, n, NULL, NULL);
    }
    for (int k = 0; k < R_NNUM && g >= 0 && !rc; k++) {
        pt_h5col c = {
            rnum[k].name, rnum[k].units, rnum[k].desc, PT_H5_F64, v + (size_t)k * n, NULL, 0};
        rc = pt_h5w_column(&w, g, &c, n, NULL, NULL);
    }
    if (g >= 0)
        H5Gclose(g);
    else
        rc = w.rc;
    hid_t gd = rc ? -1 : pt_h5w_group(&w, "/days");
    static const char *const dsn[4][2] = {{"path", "source recording"},
                                          {"name", "name of its summary"},
                                          {"subject_id", "subject"},
                                          {"date", "local calendar day (ISO 8601)"}};
    for (int k = 0; k < 4 && gd >= 0 && !rc; k++) {
        pt_h5col c = {dsn[k][0], "", dsn[k][1], PT_H5_STR, ds + (size_t)k * nd, NULL, 0};
        rc = pt_h5w_column(&w, gd, &c, nd, NULL, NULL);
    }
    for (int k = 0; k < D_NNUM && gd >= 0 && !rc; k++) {
        pt_h5col c = {dcol[k].name, dcol[k].units, dcol[k].desc, PT_H5_F64, d->v[k], NULL, 0};
        rc = pt_h5w_column(&w, gd, &c, nd, NULL, NULL);
    }
    if (gd >= 0)
        H5Gclose(gd);
    else if (!rc)
        rc = w.rc;
    if (!rc) {
        hid_t root = H5Gopen2(w.file, "/", H5P_DEFAULT);
        if (root < 0)
            rc = pt_h5w_fail(&w, "open", "/");
        static const char *const cn[4] = {"n_ok", "n_kept", "n_skipped", "n_failed"};
        for (int k = 0; k < 4 && !rc; k++) {
            long long x = (long long)count[k];
            rc = pt_h5w_attr_num(&w, root, cn[k], H5T_STD_I64LE, H5T_NATIVE_LLONG, &x);
        }
        const char *strs[4][2] = {{"kind", "pulsetrain batch index"},
                                  {"pulsetrain_version", pt_version()},
                                  {"input", input ? input : ""},
                                  {"parameters", params ? params : ""}};
        for (int k = 0; k < 4 && !rc; k++)
            rc = pt_h5w_attr_str(&w, root, strs[k][0], strs[k][1]);
        if (root >= 0)
            H5Gclose(root);
    }
    rc = pt_h5w_commit(&w, rc);
    free(ds);
    return rc;
}

int pt_index_write(const char *outdir, pt_index_row *rows, size_t n, const char *input,
                   const char *params_json, pt_batch_missing_fn missing, void *user,
                   pt_batch_collate_counts *counts, pt_error *err)
{
    if (n > 1)
        qsort(rows, n, sizeof *rows, cmp_row);
    size_t nn = n ? n : 1;
    const char **s = calloc(RS_NSTR * nn, sizeof *s);
    double *v = malloc(R_NNUM * nn * sizeof *v);
    char *buf = calloc(nn, 1200 + 48 + 2); /* summary name, start, sex per row */
    days d;
    memset(&d, 0, sizeof d);
    if (!s || !v || !buf) {
        free(s);
        free(v);
        free(buf);
        return pt_error_set(err, PT_ENOMEM, "out of memory for the batch index");
    }
    int rc = PT_OK;
    size_t count[4] = {0}; /* ok, kept, skipped, failed */
    for (size_t i = 0; i < n && !rc; i++) {
        pt_index_row *r = &rows[i];
        char *sum = buf + i * 1250, *start = sum + 1200, *sex = start + 46;
        double *vi = v;
        for (int k = 0; k < R_NNUM; k++)
            vi[(size_t)k * n + i] = NAN;
        double fig[R_NNUM];
        for (int k = 0; k < R_NNUM; k++)
            fig[k] = NAN;
        int has = !strcmp(r->status, "ok") || !strcmp(r->status, "kept");
        if (has) {
            char p[1400];
            snprintf(p, sizeof p, "%s/%s.h5", outdir, r->name);
            pt_error e = {0};
            pt_summary *sm = pt_summary_read_h5(p, NULL, &e);
            if (!sm) {
                char why[600];
                snprintf(why, sizeof why, "no finished summary: %s", e.msg[0] ? e.msg : p);
                if (pt_index_row_set(r, r->path, r->name, r->subject_id, "failed", why)) {
                    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
                    break;
                }
                r->error_code = e.code ? e.code : PT_EIO;
                has = 0;
            } else {
                figures(sm, fig, sex, start, 46);
                snprintf(sum, 1200, "%s.h5", r->name);
                if (add_days(&d, sm, i))
                    rc = pt_error_set(err, PT_ENOMEM, "out of memory for the day table");
                pt_summary_destroy(sm);
            }
        }
        fig[R_ERRCODE] = r->error_code;
        fig[R_BYTES] = r->bytes;
        fig[R_WALL] = r->wall_s;
        for (int k = 0; k < R_NNUM; k++)
            v[(size_t)k * n + i] = fig[k];
        s[RS_PATH * n + i] = r->path;
        s[RS_NAME * n + i] = r->name;
        s[RS_SUBJECT * n + i] = r->subject_id;
        s[RS_STATUS * n + i] = r->status;
        s[RS_ERROR * n + i] = r->error;
        s[RS_SUMMARY * n + i] = sum;
        s[RS_START * n + i] = start;
        s[RS_SEX * n + i] = sex;
        int k = !strcmp(r->status, "ok")        ? 0
                : !strcmp(r->status, "kept")    ? 1
                : !strcmp(r->status, "skipped") ? 2
                : !strcmp(r->status, "failed")  ? 3
                                                : -1;
        if (k >= 0)
            count[k]++;
        if (k == 3 && missing)
            missing(r->path, r->error, user);
    }
    if (!rc)
        rc = write_h5(outdir, rows, n, s, v, &d, input, params_json, count, err);
    if (!rc)
        rc = write_recordings_csv(outdir, n, s, v, err);
    if (!rc)
        rc = write_days_csv(outdir, rows, &d, err);
    if (counts) {
        counts->rows = n;
        counts->ok = count[0];
        counts->kept = count[1];
        counts->skipped = count[2];
        counts->failed = count[3];
    }
    free(d.row);
    free(d.date);
    for (int k = 0; k < D_NNUM; k++)
        free(d.v[k]);
    free(s);
    free(v);
    free(buf);
    return rc;
}

/* ---- collate ---- */

typedef struct jline {
    pt_index_row row;
    size_t file, line;
} jline;

static int cmp_jline(const void *a, const void *b)
{
    const jline *x = a, *y = b;
    int c = strcmp(x->row.path, y->row.path);
    if (c)
        return c;
    if ((c = strcmp(x->row.time_utc, y->row.time_utc)))
        return c;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Split a tab-separated line in place. */
static size_t split_tab(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

static int read_journal(const char *path, size_t fileno_, jline **out, size_t *n, size_t *cap,
                        pt_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return pt_error_set(err, PT_EDATA, "%s: %s", path, strerror(errno));
    enum { J_TIME, J_STATUS, J_NAME, J_PATH, J_WALL, J_ERROR, J_CODE, J_SUBJECT, J_BYTES, J_N };
    static const char *const jn[J_N] = {"time_utc", "status",     "name",       "path", "wall_s",
                                        "error",    "error_code", "subject_id", "bytes"};
    int col[J_N];
    for (int k = 0; k < J_N; k++)
        col[k] = -1;
    char line[8192], *fld[32];
    size_t lineno = 0;
    int rc = PT_OK, header = 1;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
            line[--l] = '\0';
        if (!l)
            continue;
        size_t nf = split_tab(line, fld, 32);
        if (header) {
            header = 0;
            for (size_t i = 0; i < nf; i++)
                for (int k = 0; k < J_N; k++)
                    if (!strcmp(fld[i], jn[k]))
                        col[k] = (int)i;
            if (col[J_STATUS] < 0 || col[J_PATH] < 0 || col[J_NAME] < 0)
                rc = pt_error_set(err, PT_EFORMAT,
                                  "%s:1: not a batch journal (no status, name and path columns)",
                                  path);
            continue;
        }
        const char *v[J_N];
        for (int k = 0; k < J_N; k++)
            v[k] = col[k] >= 0 && (size_t)col[k] < nf ? fld[col[k]] : "";
        if (!*v[J_PATH])
            continue; /* a line cut by a crash */
        if (*n == *cap) {
            size_t c = *cap ? 2 * *cap : 256;
            jline *nl = realloc(*out, c * sizeof *nl);
            if (!nl) {
                rc = pt_error_set(err, PT_ENOMEM, "out of memory reading %s", path);
                break;
            }
            *out = nl;
            *cap = c;
        }
        jline *j = &(*out)[*n];
        memset(j, 0, sizeof *j);
        j->file = fileno_;
        j->line = lineno;
        (*n)++; /* counted first: its strings are freed with the others */
        if (pt_index_row_set(&j->row, v[J_PATH], v[J_NAME], v[J_SUBJECT], v[J_STATUS],
                             v[J_ERROR])) {
            rc = pt_error_set(err, PT_ENOMEM, "out of memory reading %s", path);
            break;
        }
        snprintf(j->row.time_utc, sizeof j->row.time_utc, "%s", v[J_TIME]);
        char *end;
        double x = strtod(v[J_WALL], &end);
        j->row.wall_s = *v[J_WALL] && !*end ? x : (double)NAN;
        x = strtod(v[J_CODE], &end);
        j->row.error_code = *v[J_CODE] && !*end              ? x
                            : !strcmp(v[J_STATUS], "failed") ? (double)NAN
                                                             : 0.0;
        x = strtod(v[J_BYTES], &end);
        j->row.bytes = *v[J_BYTES] && !*end ? x : (double)NAN;
    }
    fclose(f);
    return rc;
}

/* Source path and subject of a pulsetrain summary; 0 when path is one. */
static int summary_source(const char *path, char *src, size_t len, char *subject, size_t slen)
{
    if (!pt_is_hdf5(path))
        return -1;
    int ok = -1;
    pt_io_lock();
    pt_h5_quiet_state q;
    pt_h5_quiet(&q);
    hid_t f = pt_h5r_open(path, NULL);
    if (f >= 0) {
        if (H5Aexists(f, "schema_version") > 0 &&
            pt_h5r_attr_str(f, "source_file", src, len) == 0) {
            ok = 0;
            if (pt_h5r_attr_str(f, "subject_id", subject, slen) != 0)
                subject[0] = '\0';
        }
        H5Fclose(f);
    }
    pt_h5_loud(&q);
    pt_io_unlock();
    return ok;
}

static void index_attrs(const char *path, char *input, size_t il, char **params)
{
    input[0] = '\0';
    *params = NULL;
    if (!pt_is_hdf5(path))
        return;
    pt_io_lock();
    pt_h5_quiet_state q;
    pt_h5_quiet(&q);
    hid_t f = pt_h5r_open(path, NULL);
    if (f >= 0) {
        pt_h5r_attr_str(f, "input", input, il);
        char *p = malloc(8192);
        if (p && pt_h5r_attr_str(f, "parameters", p, 8192) == 0)
            *params = p;
        else
            free(p);
        H5Fclose(f);
    }
    pt_h5_loud(&q);
    pt_io_unlock();
}

int pt_batch_collate(const char *outdir, pt_batch_missing_fn missing, void *user,
                     pt_batch_collate_counts *counts, pt_error *err)
{
    if (counts)
        memset(counts, 0, sizeof *counts);
    if (!outdir || strlen(outdir) > 900)
        return pt_error_set(err, PT_EINVAL, "pt_batch_collate: no folder or path too long");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", outdir);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dir[--dl] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return pt_error_set(err, PT_EDATA, "%s: %s", dir, strerror(errno));
    char **jn = NULL, **hn = NULL;
    size_t nj = 0, nh = 0, cj = 0, ch = 0;
    int rc = PT_OK;
    struct dirent *e;
    while ((e = readdir(d)) && !rc) {
        const char *nm = e->d_name;
        size_t l = strlen(nm);
        int j = !strncmp(nm, "batch.journal", 13) && l > 4 && !strcmp(nm + l - 4, ".tsv") &&
                !strstr(nm, ".tmp.");
        int h = nm[0] != '.' && l > 3 && !strcmp(nm + l - 3, ".h5") && !pt_batch_own_output(nm);
        if (!j && !h)
            continue;
        char ***arr = j ? &jn : &hn;
        size_t *cnt = j ? &nj : &nh, *cp = j ? &cj : &ch;
        if (*cnt == *cp) {
            size_t c = *cp ? 2 * *cp : 64;
            char **na = realloc(*arr, c * sizeof *na);
            if (!na) {
                rc = pt_error_set(err, PT_ENOMEM, "out of memory listing %s", dir);
                break;
            }
            *arr = na;
            *cp = c;
        }
        if (!((*arr)[*cnt] = strdup(nm))) {
            rc = pt_error_set(err, PT_ENOMEM, "out of memory listing %s", dir);
            break;
        }
        (*cnt)++;
    }
    closedir(d);
    if (nj > 1)
        qsort(jn, nj, sizeof *jn, cmp_str);
    if (nh > 1)
        qsort(hn, nh, sizeof *hn, cmp_str);
    jline *jl = NULL;
    size_t n = 0, cap = 0;
    char path[2100];
    for (size_t i = 0; i < nj && !rc; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, jn[i]);
        rc = read_journal(path, i, &jl, &n, &cap, err);
    }
    /* the last line per path */
    if (!rc && n > 1)
        qsort(jl, n, sizeof *jl, cmp_jline);
    pt_index_row *rows = calloc(n + nh + 1, sizeof *rows);
    size_t nr = 0;
    if (!rows && !rc)
        rc = pt_error_set(err, PT_ENOMEM, "out of memory for the index");
    for (size_t i = 0; i < n; i++) {
        int last = i + 1 == n || strcmp(jl[i].row.path, jl[i + 1].row.path) != 0;
        if (last && rows && !rc) {
            rows[nr++] = jl[i].row;
            memset(&jl[i].row, 0, sizeof jl[i].row);
        }
    }
    for (size_t i = 0; i < n; i++) {
        pt_index_row *r = &jl[i].row;
        free(r->path);
        free(r->name);
        free(r->subject_id);
        free(r->status);
        free(r->error);
    }
    free(jl);
    /* summaries no journal names */
    size_t unj = 0, njrows = nr;
    for (size_t i = 0; i < nh && !rc; i++) {
        char stem[1024];
        snprintf(stem, sizeof stem, "%.*s", (int)(strlen(hn[i]) - 3), hn[i]);
        int named = 0;
        for (size_t k = 0; k < njrows && !named; k++)
            named = !strcmp(rows[k].name, stem);
        if (named)
            continue;
        char src[1024], subj[64];
        snprintf(path, sizeof path, "%s/%s", dir, hn[i]);
        if (summary_source(path, src, sizeof src, subj, sizeof subj) != 0)
            continue; /* not a summary */
        pt_index_row *r = &rows[nr];
        memset(r, 0, sizeof *r);
        if (pt_index_row_set(r, src, stem, subj, "ok", "")) {
            rc = pt_error_set(err, PT_ENOMEM, "out of memory");
            break;
        }
        nr++;
        struct stat st;
        r->bytes = stat(src, &st) == 0 ? (double)st.st_size : (double)NAN;
        r->wall_s = NAN;
        r->error_code = 0;
        unj++;
    }
    if (!rc && nr == 0)
        rc = pt_error_set(err, PT_EDATA,
                          "%s: no batch journal (batch.journal*.tsv) and no pulsetrain summary",
                          dir);
    char input[1024], *params = NULL;
    snprintf(path, sizeof path, "%s/batch.h5", dir);
    index_attrs(path, input, sizeof input, &params);
    if (!rc)
        rc = pt_index_write(dir, rows, nr, input, params ? params : "", missing, user, counts, err);
    if (counts) {
        counts->journals = nj;
        counts->unjournaled = unj;
    }
    free(params);
    pt_index_rows_free(rows, nr);
    for (size_t i = 0; i < nj; i++)
        free(jn[i]);
    for (size_t i = 0; i < nh; i++)
        free(hn[i]);
    free(jn);
    free(hn);
    return rc;
}

/* ---- info ---- */

typedef struct desc_ctx {
    FILE *out;
} desc_ctx;

static herr_t desc_col(hid_t g, const char *name, const H5L_info_t *info, void *user)
{
    (void)info;
    desc_ctx *c = user;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return 0;
    char units[64] = "";
    pt_h5r_attr_str(d, "units", units, sizeof units);
    hid_t t = H5Dget_type(d);
    int str = H5Tget_class(t) == H5T_STRING;
    H5Tclose(t);
    H5Dclose(d);
    fprintf(c->out, "  %-22s %s\n", name,
            str                              ? "text"
            : units[0] && strcmp(units, "1") ? units
                                             : "number");
    return 0;
}

int pt_batch_index_describe(const char *path, FILE *out, pt_error *err)
{
    if (!pt_is_hdf5(path))
        return pt_error_set(err, PT_EFORMAT, "%s: not an HDF5 file", path);
    pt_io_lock();
    pt_h5_quiet_state q;
    pt_h5_quiet(&q);
    int rc = PT_OK;
    hid_t f = pt_h5r_open(path, err);
    char kind[64] = "", ver[32] = "", input[1024] = "";
    if (f < 0)
        rc = err ? err->code : PT_EFORMAT;
    else if (pt_h5r_attr_str(f, "kind", kind, sizeof kind) != 0 || !strstr(kind, "batch"))
        rc = pt_error_set(err, PT_EFORMAT, "%s: not a pulsetrain batch index", path);
    if (!rc) {
        pt_h5r_attr_str(f, "pulsetrain_version", ver, sizeof ver);
        pt_h5r_attr_str(f, "input", input, sizeof input);
        fprintf(out, "batch index %s (pulsetrain %s)\n", path, ver);
        fprintf(out, "input       %s\n", input[0] ? input : "(not recorded: collated)");
        static const char *const cn[4] = {"n_ok", "n_kept", "n_skipped", "n_failed"};
        fprintf(out, "files      ");
        for (int k = 0; k < 4; k++) {
            double v = pt_h5r_attr_num(f, cn[k]);
            if (!isnan(v))
                fprintf(out, " %s %.0f", cn[k] + 2, v);
        }
        fputc('\n', out);
        static const char *const grp[2][2] = {{"/recordings", "one row per file (recordings.csv)"},
                                              {"/days", "one row per recording-day (days.csv)"}};
        for (int k = 0; k < 2; k++) {
            if (H5Lexists(f, grp[k][0], H5P_DEFAULT) <= 0)
                continue;
            hid_t g = H5Gopen2(f, grp[k][0], H5P_DEFAULT);
            if (g < 0)
                continue;
            fprintf(out, "%-11s %lld rows, %s; columns:\n", grp[k][0] + 1, pt_h5r_length(g, "path"),
                    grp[k][1]);
            desc_ctx c = {out};
            H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, desc_col, &c);
            if (k == 0) {
                size_t ns = 0, np = 0, ne = 0;
                char **st = pt_h5r_strings(g, "status", &ns);
                char **pa = pt_h5r_strings(g, "path", &np);
                char **er = pt_h5r_strings(g, "error", &ne);
                for (size_t i = 0; st && pa && er && i < ns && i < np && i < ne; i++)
                    if (!strcmp(st[i], "failed") && strstr(er[i], pa[i]))
                        fprintf(out, "failed      %s\n", er[i]);
                    else if (!strcmp(st[i], "failed"))
                        fprintf(out, "failed      %s: %s\n", pa[i], er[i]);
                pt_h5r_strings_free(st, ns);
                pt_h5r_strings_free(pa, np);
                pt_h5r_strings_free(er, ne);
            }
            H5Gclose(g);
        }
    }
    if (f >= 0)
        H5Fclose(f);
    pt_h5_loud(&q);
    pt_io_unlock();
    return rc;
}
