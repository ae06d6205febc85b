/* SPDX-License-Identifier: GPL-2.0-or-later
 * h5read.c — read an HDF5 summary (schema 1) back into a pt_summary, for
 * `pulsetrain info` and the load model. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/lock.h"
#include "io/reader_impl.h"
#include "pipeline/stage_impl.h"

int pt_is_hdf5(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(head, 1, 8, f);
    fclose(f);
    return n == 8 && !memcmp(head, sig, 8);
}

static int read_str_attr(hid_t obj, const char *name, char *out, size_t len)
{
    out[0] = '\0';
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    hid_t ft = H5Aget_type(a);
    int rc = -1;
    if (H5Tget_class(ft) == H5T_STRING) {
        if (H5Tis_variable_str(ft) > 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(ft)); /* no conversion between ASCII and UTF-8 */
            char *s = NULL;
            if (H5Aread(a, mt, &s) >= 0 && s) {
                snprintf(out, len, "%s", s);
                H5free_memory(s);
                rc = 0;
            }
            H5Tclose(mt);
        } else {
            size_t sz = H5Tget_size(ft);
            char *s = calloc(1, sz + 1);
            if (s && H5Aread(a, ft, s) >= 0) {
                snprintf(out, len, "%s", s);
                rc = 0;
            }
            free(s);
        }
    }
    H5Tclose(ft);
    H5Aclose(a);
    return rc;
}

static double read_num_attr(hid_t obj, const char *name)
{
    double v = NAN;
    if (H5Aexists(obj, name) <= 0)
        return v;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a >= 0) {
        if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0)
            v = NAN;
        H5Aclose(a);
    }
    return v;
}

/* Read dataset grp/name as doubles (numbers and enums; date strings to Unix
 * seconds). Returns a malloc'd array of *n values, or NULL. */
static double *read_column(hid_t grp, const char *name, size_t *n)
{
    *n = 0;
    if (H5Lexists(grp, name, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0)
        return NULL;
    hid_t sp = H5Dget_space(d), ft = H5Dget_type(d);
    hssize_t cnt = H5Sget_simple_extent_npoints(sp);
    double *v = cnt >= 0 ? malloc((size_t)(cnt ? cnt : 1) * sizeof *v) : NULL;
    if (v && cnt > 0) {
        H5T_class_t cl = H5Tget_class(ft);
        if (cl == H5T_ENUM) {
            signed char *k = malloc((size_t)cnt);
            if (k && H5Dread(d, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, k) >= 0) {
                /* read the raw integer values, not the enum mapping */
                for (hssize_t i = 0; i < cnt; i++)
                    v[i] = k[i] < 0 ? (double)NAN : k[i];
            } else {
                free(v);
                v = NULL;
            }
            free(k);
        } else if (cl == H5T_STRING) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(ft));
            char **s = calloc((size_t)cnt, sizeof *s);
            if (s && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) >= 0) {
                for (hssize_t i = 0; i < cnt; i++) {
                    int y, m, dd;
                    v[i] = NAN;
                    if (s[i] && sscanf(s[i], "%d-%d-%d", &y, &m, &dd) == 3) {
                        /* timegm is not POSIX: days from civil by hand */
                        long long yy = y - (m <= 2);
                        long long era = (yy >= 0 ? yy : yy - 399) / 400;
                        long long yoe = yy - era * 400;
                        long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
                        long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
                        v[i] = (double)((era * 146097 + doe - 719468) * 86400);
                    }
                }
                H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, s);
            }
            free(s);
            H5Tclose(mt);
        } else if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
            free(v);
            v = NULL;
        }
    }
    if (v)
        *n = (size_t)cnt;
    H5Tclose(ft);
    H5Sclose(sp);
    H5Dclose(d);
    return v;
}

static int read_all(hid_t f, const char *path, pt_summary *s, pt_summary_meta *meta, pt_error *err)
{
    hid_t root = H5Gopen2(f, "/", H5P_DEFAULT);
    double schema = read_num_attr(root, "schema_version");
    if (!(schema >= 1)) {
        H5Gclose(root);
        return pt_error_set(err, PT_EFORMAT, "%s: not a pulsetrain summary (no schema_version)",
                            path);
    }
    pt_recording_info rec;
    memset(&rec, 0, sizeof rec);
    read_str_attr(root, "source_file", rec.path, sizeof rec.path);
    read_str_attr(root, "format", rec.format, sizeof rec.format);
    read_str_attr(root, "start_time_utc", rec.start_time_utc, sizeof rec.start_time_utc);
    rec.duration_s = read_num_attr(root, "duration_s");
    rec.start_unix_s = NAN;
    if (rec.start_time_utc[0])
        pt_parse_iso8601(rec.start_time_utc, strlen(rec.start_time_utc), &rec.start_unix_s);
    char notes[1024];
    if (read_str_attr(root, "notes", notes, sizeof notes) == 0 && notes[0])
        pt_summary_note(s, "%s", notes);
    if (meta) {
        memset(meta, 0, sizeof *meta);
        meta->schema_version = (int)schema;
        read_str_attr(root, "pulsetrain_version", meta->pulsetrain_version,
                      sizeof meta->pulsetrain_version);
        read_str_attr(root, "subject_id", meta->subject_id, sizeof meta->subject_id);
        read_str_attr(root, "source_sha256", meta->source_sha256, sizeof meta->source_sha256);
        read_str_attr(root, "parameters", meta->parameters, sizeof meta->parameters);
    }
    H5Gclose(root);
    /* channels */
    if (H5Lexists(f, "/channels", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, "/channels", H5P_DEFAULT);
        size_t n = 0, n2;
        double *fs = read_column(g, "fs_hz", &n), *ns = read_column(g, "n_samples", &n2);
        double *t0 = read_column(g, "t0_s", &n2);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5T_CSET_UTF8);
        const char *cols[3] = {"name", "kind", "units"};
        char **str[3] = {0};
        for (int k = 0; k < 3; k++) {
            str[k] = calloc(n ? n : 1, sizeof(char *));
            hid_t d = H5Dopen2(g, cols[k], H5P_DEFAULT);
            if (d >= 0 && str[k] && n)
                H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, str[k]);
            if (d >= 0)
                H5Dclose(d);
        }
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
            ch->n_samples = ns && !isnan(ns[c]) ? (int64_t)ns[c] : -1;
            ch->t0_s = t0 ? t0[c] : 0;
        }
        for (int k = 0; k < 3; k++) {
            for (size_t c = 0; str[k] && c < n; c++)
                H5free_memory(str[k][c]);
            free(str[k]);
        }
        H5Tclose(mt);
        free(fs);
        free(ns);
        free(t0);
        H5Gclose(g);
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
        for (size_t c = 0; c < nc && c < 32; c++) {
            size_t n;
            col[c] = read_column(g, pt_table_colname(t, c), &n);
            if (c == 0 || n > nrows)
                nrows = n;
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
    pt_summary *s = pt_summary_create(err);
    if (!s)
        return NULL;
    pt_io_lock();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int rc;
    if (f < 0)
        rc = pt_error_set(err, PT_EFORMAT, "%s: HDF5 cannot open it (truncated or damaged?)", path);
    else {
        rc = read_all(f, path, s, meta, err);
        H5Fclose(f);
    }
    pt_io_unlock();
    if (rc) {
        pt_summary_destroy(s);
        return NULL;
    }
    return s;
}
