/* SPDX-License-Identifier: GPL-2.0-or-later
 * summary_read.c — read an HDF5 summary (schema 1) back into a pt_summary, for
 * `pulsetrain info`, reports, batch --resume and the load model. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lock.h"
#include "io/h5table.h"
#include "io/reader_impl.h"
#include "summary/summary_impl.h"

int pt_is_hdf5(const char *path)
{
    return pt_h5_signature(path);
}

/* Days from 1970-01-01 of a civil date (timegm is not POSIX). */
static double date_unix_s(const char *s)
{
    int y, m, dd;
    if (!s || sscanf(s, "%d-%d-%d", &y, &m, &dd) != 3)
        return NAN;
    return (double)(pt_days_from_civil(y, m, dd) * 86400);
}

/* Dataset grp/name as doubles (numbers and enums; date strings to Unix seconds).
 * Returns a malloc'd array of *n values, or NULL: absent (*rc stays PT_OK), or present but
 * not a 1-D column of numbers or dates (*rc = PT_EFORMAT, *err says which). */
static double *read_column(hid_t grp, const char *path, const char *gname, const char *name,
                           size_t *n, int *rc, pt_error *err)
{
    *n = 0;
    if (H5Lexists(grp, name, H5P_DEFAULT) <= 0)
        return NULL;
    double *v = pt_h5r_column(grp, name, n);
    if (v)
        return v;
    char **str = pt_h5r_strings(grp, name, n);
    if (!str) {
        *rc = pt_error_set(err, PT_EFORMAT,
                           "%s: damaged summary: %s/%s is not a 1-D column of numbers", path, gname,
                           name);
        return NULL;
    }
    v = malloc((*n ? *n : 1) * sizeof *v);
    for (size_t i = 0; v && i < *n; i++) {
        v[i] = date_unix_s(str[i]);
        if (isnan(v[i]) && str[i] && str[i][0]) { /* text where a number or date belongs */
            *rc = pt_error_set(err, PT_EFORMAT,
                               "%s: damaged summary: %s/%s row %zu holds \"%.40s\", not a "
                               "number or a date",
                               path, gname, name, i, str[i]);
            free(v);
            v = NULL;
        }
    }
    if (!v && !*rc)
        *rc = pt_error_set(err, PT_ENOMEM, "%s: out of memory reading %s/%s", path, gname, name);
    pt_h5r_strings_free(str, *n);
    if (!v)
        *n = 0;
    return v;
}

typedef struct table_attrs {
    pt_table *t;
    pt_error *err;
    int rc;
} table_attrs;

static herr_t table_attr(hid_t g, const char *name, const H5A_info_t *info, void *arg)
{
    (void)info;
    table_attrs *ta = arg;
    double v = pt_h5r_attr_num(g, name);
    if (!isnan(v) && (ta->rc = pt_table_set_attr(ta->t, name, v, ta->err)))
        return 1;
    return 0;
}

/* A heart-rate column's `source` attribute, when it is one of the names we write. */
static void read_source(hid_t g, pt_table *t, const char *name)
{
    static const char *const known[] = {"ppg", "device", "ibi", "ecg", "ppg_beats"};
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return;
    char v[16];
    if (pt_h5r_attr_str(d, "source", v, sizeof v) == 0)
        for (size_t k = 0; k < sizeof known / sizeof *known; k++)
            if (!strcmp(v, known[k]))
                pt_table_set_colsource(t, name, known[k]);
    H5Dclose(d);
}

/* Times from the recording's start beyond this are no recording's (31 years) */
#define PT_SUMMARY_T_MAX_S 1e9
/* No value of a summary comes near this (dates in Unix seconds are below 2.6e11); larger
 * ones stall the report's axes (a step of 2 added to 1e17 changes nothing) */
#define PT_SUMMARY_ABS_MAX 1e12

/* A time column (t_s, t_start_s, t_end_s, t_end_exercise_s) of a table with rows is there and
 * holds finite times within PT_SUMMARY_T_MAX_S, in order when it is the table's first column
 * t_s or t_start_s (the report and load divide by their steps). */
static int check_times(const char *path, const char *gname, const char *name, int first,
                       const double *v, size_t n, pt_error *err)
{
    static const char *const times[] = {"t_s", "t_start_s", "t_end_s", "t_end_exercise_s"};
    for (size_t i = 0; v && i < n; i++) /* beyond 1e12 (inf too) no column holds */
        if (!isnan(v[i]) && !(fabs(v[i]) <= PT_SUMMARY_ABS_MAX))
            return pt_error_set(err, PT_EFORMAT,
                                "%s: damaged summary: %s/%s row %zu is %g, beyond any value a "
                                "summary holds",
                                path, gname, name, i, v[i]);
    int is_time = 0;
    for (size_t k = 0; k < sizeof times / sizeof times[0]; k++)
        is_time |= !strcmp(name, times[k]);
    if (!strcmp(name, "class")) { /* an intensity class: NaN, or -1 (unknown) .. 4 */
        for (size_t i = 0; v && i < n; i++)
            if (!isnan(v[i]) && !(v[i] >= -1 && v[i] <= 4 && v[i] == floor(v[i])))
                return pt_error_set(err, PT_EFORMAT,
                                    "%s: damaged summary: %s/class row %zu is %g, not a class",
                                    path, gname, i, v[i]);
        return PT_OK;
    }
    if (!strcmp(name, "date")) { /* a day: NaN (no date), else years 1..9999 */
        for (size_t i = 0; v && i < n; i++)
            if (!isnan(v[i]) && !(v[i] >= -62135596800.0 && v[i] < 253402300800.0))
                return pt_error_set(err, PT_EFORMAT,
                                    "%s: damaged summary: %s/date row %zu is %g s, not a date",
                                    path, gname, i, v[i]);
        return PT_OK;
    }
    if (!is_time)
        return PT_OK;
    if (!v)
        return pt_error_set(err, PT_EFORMAT, "%s: damaged summary: %s has %zu rows and no %s", path,
                            gname, n, name);
    /* rows in time order, where the schema promises it: /hrv ends with its whole-recording
     * row (t_start_s 0) and /ecg_beats runs channel by channel */
    first = first && (!strcmp(name, "t_s") || !strcmp(name, "t_start_s")) &&
            strcmp(gname, "/hrv") && strcmp(gname, "/ecg_beats");
    for (size_t i = 0; i < n; i++) {
        if (!(fabs(v[i]) <= PT_SUMMARY_T_MAX_S))
            return pt_error_set(err, PT_EFORMAT,
                                "%s: damaged summary: %s/%s row %zu is %g, not a time in the "
                                "recording",
                                path, gname, name, i, v[i]);
        if (first && i && v[i] < v[i - 1])
            return pt_error_set(err, PT_EFORMAT,
                                "%s: damaged summary: %s/%s goes back at row %zu (%g after %g)",
                                path, gname, name, i, v[i], v[i - 1]);
    }
    return PT_OK;
}

static int read_all(hid_t f, const char *path, pt_summary *s, pt_summary_meta *meta, pt_error *err)
{
    hid_t root = H5Gopen2(f, "/", H5P_DEFAULT);
    double schema = pt_h5r_attr_num(root, "schema_version");
    if (!(schema >= 1 && schema <= 1000 && schema == floor(schema))) {
        H5Gclose(root);
        return pt_error_set(err, PT_EFORMAT, "%s: not a pulsetrain summary (no schema_version)",
                            path);
    }
    pt_recording_info rec;
    memset(&rec, 0, sizeof rec);
    pt_h5r_attr_str(root, "source_file", rec.path, sizeof rec.path);
    pt_h5r_attr_str(root, "format", rec.format, sizeof rec.format);
    pt_h5r_attr_str(root, "start_time_utc", rec.start_time_utc, sizeof rec.start_time_utc);
    rec.duration_s = pt_h5r_attr_num(root, "duration_s");
    if (!(rec.duration_s >= 0 && rec.duration_s <= PT_SUMMARY_T_MAX_S))
        rec.duration_s = NAN; /* absent, or no recording's: not known */
    rec.start_unix_s = NAN;
    if (rec.start_time_utc[0])
        pt_parse_iso8601(rec.start_time_utc, strlen(rec.start_time_utc), &rec.start_unix_s);
    char notes[1024];
    if (pt_h5r_attr_str(root, "notes", notes, sizeof notes) == 0 && notes[0])
        pt_summary_note(s, "%s", notes);
    {
        char subject[64], *json = malloc(65536);
        pt_h5r_attr_str(root, "subject_id", subject, sizeof subject);
        if (json)
            pt_h5r_attr_str(root, "parameters", json, 65536);
        int rc = json ? pt_summary_set_run(s, subject, json, err)
                      : pt_error_set(err, PT_ENOMEM, "%s: out of memory for its parameters", path);
        free(json);
        if (rc) {
            H5Gclose(root);
            return rc;
        }
    }
    if (meta) {
        memset(meta, 0, sizeof *meta);
        meta->schema_version = (int)schema;
        pt_h5r_attr_str(root, "pulsetrain_version", meta->pulsetrain_version,
                        sizeof meta->pulsetrain_version);
        pt_h5r_attr_str(root, "subject_id", meta->subject_id, sizeof meta->subject_id);
        pt_h5r_attr_str(root, "source_sha256", meta->source_sha256, sizeof meta->source_sha256);
        pt_h5r_attr_str(root, "parameters", meta->parameters, sizeof meta->parameters);
    }
    H5Gclose(root);
    /* channels */
    if (H5Lexists(f, "/channels", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, "/channels", H5P_DEFAULT);
        size_t n = 0, n2, n3;
        int crc = PT_OK;
        double *fs = read_column(g, path, "/channels", "fs_hz", &n, &crc, err);
        double *ns = crc ? NULL : read_column(g, path, "/channels", "n_samples", &n2, &crc, err);
        double *t0 = crc ? NULL : read_column(g, path, "/channels", "t0_s", &n3, &crc, err);
        if (crc) {
            free(fs);
            free(ns);
            H5Gclose(g);
            return crc;
        }
        const char *cols[3] = {"name", "kind", "units"};
        char **str[3] = {0};
        size_t ns_[3] = {0};
        for (int k = 0; k < 3; k++)
            str[k] = pt_h5r_strings(g, cols[k], &ns_[k]);
        if (!fs)
            n = 0;
        for (int k = 0; k < 3; k++)
            if (str[k] && ns_[k] < n)
                n = ns_[k];
        if (ns && n2 < n)
            n = n2;
        if (t0 && n3 < n)
            n = n3;
        rec.nchan = n < PT_MAX_CHANNELS ? n : PT_MAX_CHANNELS;
        for (size_t c = 0; c < rec.nchan; c++) {
            pt_channel_info *ch = &rec.chan[c];
            snprintf(ch->name, sizeof ch->name, "%s", str[0] && str[0][c] ? str[0][c] : "");
            ch->kind = PT_KIND_AUX;
            for (int k = 0; k <= PT_KIND_AUX; k++)
                if (str[1] && str[1][c] && !strcmp(str[1][c], pt_kind_name((pt_kind)k)))
                    ch->kind = (pt_kind)k;
            snprintf(ch->units, sizeof ch->units, "%s", str[2] && str[2][c] ? str[2][c] : "");
            ch->fs_hz = fs && !isnan(fs[c]) ? fs[c] : 0;
            ch->n_samples = -1;
            ch->t0_s = t0 && !isnan(t0[c]) ? t0[c] : 0;
            const char *bad = !(ch->fs_hz >= 0 && ch->fs_hz <= 1e6)                    ? "fs_hz"
                              : !(fabs(ch->t0_s) <= PT_SUMMARY_T_MAX_S)                ? "t0_s"
                              : ns && !isnan(ns[c]) && !(ns[c] >= -1 && ns[c] <= 9e15) ? "n_samples"
                                                                                       : NULL;
            if (bad)
                crc = crc ? crc
                          : pt_error_set(err, PT_EFORMAT,
                                         "%s: damaged summary: /channels/%s row %zu is %g, not a "
                                         "channel's",
                                         path, bad, c,
                                         !strcmp(bad, "fs_hz")  ? ch->fs_hz
                                         : !strcmp(bad, "t0_s") ? ch->t0_s
                                                                : ns[c]);
            else if (ns && !isnan(ns[c]))
                ch->n_samples = (int64_t)ns[c];
        }
        for (int k = 0; k < 3; k++)
            pt_h5r_strings_free(str[k], ns_[k]);
        free(fs);
        free(ns);
        free(t0);
        H5Gclose(g);
        if (crc)
            return crc;
    }
    pt_summary_set_recording(s, &rec);
    /* tables */
    for (size_t i = 0; i < pt_summary_ntables(s); i++) {
        pt_table *t = pt_summary_table(s, pt_table_name(pt_summary_table_at(s, i)));
        char gname[64];
        snprintf(gname, sizeof gname, "/%s", pt_table_name(t));
        if (H5Lexists(f, gname, H5P_DEFAULT) <= 0)
            continue;
        hid_t g = H5Gopen2(f, gname, H5P_DEFAULT);
        size_t nc = pt_table_ncols(t), nrows = 0;
        double *col[32] = {0};
        int rc = PT_OK;
        const char *first = NULL;
        for (size_t c = 0; c < nc && c < 32; c++) {
            size_t n;
            const char *name = pt_table_colname(t, c);
            col[c] = rc ? NULL : read_column(g, path, gname, name, &n, &rc, err);
            if (!col[c])
                continue;
            read_source(g, t, name);
            if (!first) {
                first = name;
                nrows = n;
            } else if (n != nrows && !rc) /* schema 1: a table's columns have one length */
                rc = pt_error_set(err, PT_EFORMAT,
                                  "%s: damaged summary: %s/%s has %zu rows, %s/%s %zu", path, gname,
                                  name, n, gname, first, nrows);
        }
        for (size_t c = 0; c < nc && c < 32 && !rc && nrows; c++)
            rc = check_times(path, gname, pt_table_colname(t, c), c == 0, col[c], nrows, err);
        if (!rc) { /* the table's numeric attributes (window_s, epoch_s, ...) */
            table_attrs ta = {t, err, PT_OK};
            H5Aiterate2(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, NULL, table_attr, &ta);
            if (ta.rc == PT_OK)
                H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, NULL, table_attr, &ta);
            rc = ta.rc;
        }
        double row[32];
        for (size_t r = 0; r < nrows && !rc; r++) {
            for (size_t c = 0; c < nc && c < 32; c++)
                row[c] = col[c] ? col[c][r] : (double)NAN;
            rc = pt_table_append(t, row, err);
        }
        for (size_t c = 0; c < 32; c++)
            free(col[c]);
        H5Gclose(g);
        if (rc)
            return rc;
    }
    return PT_OK;
}

pt_summary *pt_summary_read_h5(const char *path, pt_summary_meta *meta, pt_error *err)
{
    if (!pt_is_hdf5(path)) {
        pt_error_set(err, PT_EFORMAT, "%s: not an HDF5 file", path);
        return NULL;
    }
    pt_summary *s = pt_summary_create(NULL, err);
    if (!s)
        return NULL;
    pt_io_lock();
    pt_h5_quiet_state q;
    pt_h5_quiet(&q);
    hid_t f = pt_h5r_open(path, err);
    int rc;
    if (f < 0)
        rc = err ? err->code : PT_EFORMAT;
    else {
        rc = read_all(f, path, s, meta, err);
        H5Fclose(f);
    }
    pt_h5_loud(&q);
    pt_io_unlock();
    if (rc) {
        pt_summary_destroy(s);
        return NULL;
    }
    return s;
}
