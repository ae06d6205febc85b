/* SPDX-License-Identifier: GPL-2.0-or-later
 * h5write.c — the HDF5 summary, schema 1 (DESIGN.md): columnar tables, one
 * group each, 1-D datasets with `units` and `description` attributes.
 * Written to "<path>.tmp.<pid>", flushed, fsync'd and renamed into place, so
 * a reader never sees a half-written summary and a failed run leaves the
 * previous file untouched. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/atomic.h"
#include "io/lock.h"
#include "io/sha256.h"
#include "pipeline/stage_impl.h"
#include "pulsetrain/pipeline.h"

/* All HDF5 work of one summary; every call checks and bails out to `fail`. */
typedef struct h5w {
    hid_t file;
    const char *path;
    pt_error *err;
    int rc;
    char sha[65]; /* SHA-256 of the source, computed before taking the I/O lock */
} h5w;

static int fail(h5w *w, const char *what, const char *where)
{
    if (!w->rc)
        w->rc = pt_error_set(w->err, PT_EIO, "%s: HDF5 could not %s %s", w->path, what, where);
    return w->rc;
}

static hid_t str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static int attr_str(h5w *w, hid_t obj, const char *name, const char *value)
{
    hid_t t = str_type(), sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, t, &value);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return e < 0 ? fail(w, "write attribute", name) : PT_OK;
}

static int attr_num(h5w *w, hid_t obj, const char *name, hid_t type, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, type, v);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return e < 0 ? fail(w, "write attribute", name) : PT_OK;
}

static hid_t class_enum(void)
{
    hid_t t = H5Tenum_create(H5T_NATIVE_SCHAR);
    signed char v = -1;
    H5Tenum_insert(t, "unknown", &v);
    for (v = 0; v < PT_NCLASS; v++)
        H5Tenum_insert(t, pt_class_name(v), &v);
    return t;
}

/* One 1-D dataset with its units and description. */
/* Rows written per H5Dwrite of a long column: the table's pages are released after each,
 * so that writing a week's summary does not bring whole columns back into memory. */
#define WRITE_ROWS ((hsize_t)PT_RELEASE_ROWS * 4)

static int dataset(h5w *w, hid_t grp, const char *name, hid_t ftype, hid_t mtype, size_t n,
                   const void *data, const char *units, const char *desc, const pt_table *from)
{
    hsize_t dims[1] = {n};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t d = H5Dcreate2(grp, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = d < 0 ? -1 : 0;
    size_t elem = H5Tget_size(mtype);
    for (hsize_t at = 0; e >= 0 && at < (hsize_t)n; at += WRITE_ROWS) {
        hsize_t cnt[1] = {(hsize_t)n - at < WRITE_ROWS ? (hsize_t)n - at : WRITE_ROWS};
        hsize_t off[1] = {at};
        hid_t ms = H5Screate_simple(1, cnt, NULL);
        e = ms < 0 ? -1 : H5Sselect_hyperslab(sp, H5S_SELECT_SET, off, NULL, cnt, NULL);
        if (e >= 0)
            e = H5Dwrite(d, mtype, ms, sp, H5P_DEFAULT, (const char *)data + at * elem);
        if (ms >= 0)
            H5Sclose(ms);
        if (from)
            pt_table_release(from);
    }
    H5Sclose(sp);
    if (d < 0 || e < 0) {
        if (d >= 0)
            H5Dclose(d);
        return fail(w, "write dataset", name);
    }
    int rc = attr_str(w, d, "units", units);
    if (!rc)
        rc = attr_str(w, d, "description", desc);
    H5Dclose(d);
    return rc;
}

static int write_table(h5w *w, const pt_table *t, const pt_params *p)
{
    char gname[64];
    snprintf(gname, sizeof gname, "/%s", pt_table_name(t));
    hid_t g = H5Gcreate2(w->file, gname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return fail(w, "create group", gname);
    size_t n = pt_table_nrows(t);
    int rc = PT_OK;
    for (size_t c = 0; c < pt_table_ncols(t) && !rc; c++) {
        const char *name = pt_table_colname(t, c);
        const double *v = pt_table_column(t, name);
        const char *u = pt_table_colunits(t, c), *desc = pt_table_coldesc(t, c);
        switch (pt_table_coltype(t, c)) {
        case PT_COL_CLASS:
        case PT_COL_U8: {
            int is_class = pt_table_coltype(t, c) == PT_COL_CLASS;
            signed char *k = malloc(n ? n : 1);
            if (!k) {
                rc = pt_error_set(w->err, PT_ENOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < n; i++) {
                k[i] = isnan(v[i]) ? -1 : (signed char)v[i];
                PT_RELEASE_EVERY(i, t);
            }
            pt_table_release(t);
            hid_t et = is_class ? class_enum() : H5Tcopy(H5T_NATIVE_SCHAR);
            rc = dataset(w, g, name, et, et, n, k, u, desc, NULL);
            H5Tclose(et);
            free(k);
            break;
        }
        case PT_COL_DATE: {
            char *buf = malloc(n ? n * 16 : 1);
            const char **ptr = malloc((n ? n : 1) * sizeof *ptr);
            if (!buf || !ptr) {
                free(buf);
                free(ptr);
                rc = pt_error_set(w->err, PT_ENOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < n; i++) {
                time_t tt = (time_t)v[i];
                struct tm tm;
                gmtime_r(&tt, &tm);
                snprintf(buf + 16 * i, 16, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000,
                         (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
                ptr[i] = buf + 16 * i;
            }
            hid_t st = str_type();
            rc = dataset(w, g, name, st, st, n, ptr, u, desc, NULL);
            H5Tclose(st);
            free(buf);
            free(ptr);
            break;
        }
        default:
            rc = dataset(w, g, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, v, u, desc, t);
        }
    }
    if (!rc && !strcmp(pt_table_name(t), "hr")) {
        rc = attr_num(w, g, "window_s", H5T_NATIVE_DOUBLE, &p->hr_window_s);
        if (!rc)
            rc = attr_num(w, g, "step_s", H5T_NATIVE_DOUBLE, &p->hr_step_s);
    }
    if (!rc && !strcmp(pt_table_name(t), "epochs"))
        rc = attr_num(w, g, "epoch_s", H5T_NATIVE_DOUBLE, &p->epoch_s);
    H5Gclose(g);
    return rc;
}

static int write_channels(h5w *w, const pt_recording_info *rec)
{
    hid_t g = H5Gcreate2(w->file, "/channels", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return fail(w, "create group", "/channels");
    size_t n = rec->nchan;
    const char *names[PT_MAX_CHANNELS], *kinds[PT_MAX_CHANNELS], *units[PT_MAX_CHANNELS];
    double fs[PT_MAX_CHANNELS], ns[PT_MAX_CHANNELS], t0[PT_MAX_CHANNELS];
    for (size_t c = 0; c < n; c++) {
        names[c] = rec->chan[c].name;
        kinds[c] = pt_kind_name(rec->chan[c].kind);
        units[c] = rec->chan[c].units;
        fs[c] = rec->chan[c].fs_hz > 0 ? rec->chan[c].fs_hz : (double)NAN;
        ns[c] = rec->chan[c].n_samples >= 0 ? (double)rec->chan[c].n_samples : (double)NAN;
        t0[c] = rec->chan[c].t0_s;
    }
    hid_t st = str_type();
    int rc = dataset(w, g, "name", st, st, n, names, "", "channel name in the source file", NULL);
    if (!rc)
        rc = dataset(w, g, "kind", st, st, n, kinds, "", "ppg, acc_x, acc_y, acc_z, ecg, hr, ibi or aux", NULL);
    if (!rc)
        rc = dataset(w, g, "units", st, st, n, units, "", "units of the channel's values as analysed", NULL);
    H5Tclose(st);
    if (!rc)
        rc = dataset(w, g, "fs_hz", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, fs, "Hz",
                     "sample rate; NaN for irregular samples", NULL);
    if (!rc)
        rc = dataset(w, g, "n_samples", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, ns, "1",
                     "number of samples, missing ones included", NULL);
    if (!rc)
        rc = dataset(w, g, "t0_s", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, t0, "s",
                     "time of the first sample from the recording's start", NULL);
    H5Gclose(g);
    return rc;
}

static int write_all(h5w *w, const pt_summary *s, const pt_params *p)
{
    const pt_recording_info *rec = pt_summary_recording(s);
    hid_t root = H5Gopen2(w->file, "/", H5P_DEFAULT);
    if (root < 0)
        return fail(w, "open", "/");
    int schema = 1;
    int rc = PT_OK;
    char *json = NULL;
    rc = attr_num(w, root, "schema_version", H5T_NATIVE_INT, &schema);
    if (!rc)
        rc = attr_str(w, root, "pulsetrain_version", pt_version());
    if (!rc)
        rc = attr_str(w, root, "source_file", rec->path);
    if (!rc)
        rc = attr_str(w, root, "source_sha256", w->sha);
    if (!rc)
        rc = attr_str(w, root, "format", rec->format);
    if (!rc)
        rc = attr_str(w, root, "start_time_utc", rec->start_time_utc);
    if (!rc)
        rc = attr_num(w, root, "duration_s", H5T_NATIVE_DOUBLE, &rec->duration_s);
    if (!rc)
        rc = attr_str(w, root, "subject_id", p->subject_id);
    if (!rc)
        rc = attr_str(w, root, "notes", pt_summary_notes(s));
    if (!rc) {
        size_t need = pt_params_json(p, NULL, 0);
        json = malloc(need + 1);
        if (!json)
            rc = pt_error_set(w->err, PT_ENOMEM, "out of memory");
        else {
            pt_params_json(p, json, need + 1);
            rc = attr_str(w, root, "parameters", json);
        }
    }
    free(json);
    H5Gclose(root);
    if (!rc)
        rc = write_channels(w, rec);
    for (size_t i = 0; !rc && i < pt_summary_ntables(s); i++)
        rc = write_table(w, pt_summary_table_at(s, i), p);
    return rc;
}

int pt_summary_write_h5(const pt_summary *s, const pt_params *p, const char *path, pt_error *err)
{
    char tmp[1100];
    pt_tmp_name(path, tmp, sizeof tmp);
    h5w w = {.path = path, .err = err};
    /* Hash outside the I/O lock: it reads the whole source (10 % of a run),
     * and batch workers would otherwise wait for each other here. The two-thread
     * runner hashes while the heart stage finishes and leaves the result. */
    const char *known = pt_summary_source_sha256(s);
    if (known[0])
        snprintf(w.sha, sizeof w.sha, "%s", known);
    else {
        int hrc = pt_sha256_file(pt_summary_recording(s)->path, w.sha, err);
        if (hrc)
            return hrc;
    }
    pt_io_lock();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* we report errors ourselves */
    w.file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (w.file < 0) {
        pt_io_unlock();
        return pt_error_set(err, PT_EIO, "%s: cannot create %s (directory missing or not writable?)",
                            path, tmp);
    }
    int rc = write_all(&w, s, p);
    if (H5Fclose(w.file) < 0 && !rc)
        rc = pt_error_set(err, PT_EIO, "%s: HDF5 could not close the file", path);
    pt_io_unlock();
    return pt_tmp_commit(rc, tmp, path, err);
}
