/* SPDX-License-Identifier: GPL-2.0-or-later
 * summary_h5.c — the HDF5 form of a summary, schema 1 (DESIGN.md): root attributes,
 * /channels and one group per table, written and read through io/h5table (the one
 * columnar HDF5 writer). Written to "<path>.tmp.<pid>", flushed, fsync'd and renamed into
 * place, so a reader never sees a half-written summary and a failed run leaves the
 * previous file untouched. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/lock.h"
#include "core/sha256.h"
#include "io/h5table.h"
#include "io/reader_impl.h"
#include "pulsetrain/version.h"
#include "summary/summary_impl.h"

static const char *const class_names[PT_NCLASS] = {"nonwear", "sedentary", "light", "moderate",
                                                   "vigorous"};

static void release_table(const void *t)
{
    pt_table_release(t);
}

static int write_table(pt_h5w *w, const pt_table *t)
{
    char gname[64];
    snprintf(gname, sizeof gname, "/%s", pt_table_name(t));
    hid_t g = pt_h5w_group(w, gname);
    if (g < 0)
        return w->rc;
    size_t n = pt_table_nrows(t);
    int rc = PT_OK;
    for (size_t c = 0; c < pt_table_ncols(t) && !rc; c++) {
        const char *name = pt_table_colname(t, c);
        const double *v = pt_table_column(t, name);
        pt_h5col col = {
            name,     pt_table_colunits(t, c), pt_table_coldesc(t, c), PT_H5_F64, v, class_names,
            PT_NCLASS};
        switch (pt_table_coltype(t, c)) {
        case PT_COL_CLASS:
        case PT_COL_U8: {
            signed char *k = malloc(n ? n : 1);
            if (!k) {
                rc = pt_error_set(w->err, PT_ENOMEM, "%s: out of memory for column %s/%s", w->path,
                                  pt_table_name(t), name);
                break;
            }
            for (size_t i = 0; i < n; i++) {
                k[i] = isnan(v[i]) ? -1 : (signed char)v[i];
                PT_RELEASE_EVERY(i, t);
            }
            pt_table_release(t);
            col.type = pt_table_coltype(t, c) == PT_COL_CLASS ? PT_H5_ENUM : PT_H5_I8;
            col.data = k;
            rc = pt_h5w_column(w, g, &col, n, NULL, NULL);
            free(k);
            break;
        }
        case PT_COL_DATE: {
            char *buf = malloc(n ? n * 16 : 1);
            const char **ptr = malloc((n ? n : 1) * sizeof *ptr);
            if (!buf || !ptr) {
                free(buf);
                free(ptr);
                rc = pt_error_set(w->err, PT_ENOMEM, "%s: out of memory for column %s/%s", w->path,
                                  pt_table_name(t), name);
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
            col.type = PT_H5_STR;
            col.data = ptr;
            rc = pt_h5w_column(w, g, &col, n, NULL, NULL);
            free(buf);
            free(ptr);
            break;
        }
        default: rc = pt_h5w_column(w, g, &col, n, release_table, t);
        }
        const char *src = pt_table_colsource(t, c);
        if (!rc && src) { /* where a heart-rate column's values came from */
            hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
            rc =
                d < 0 ? pt_h5w_fail(w, "open dataset", name) : pt_h5w_attr_str(w, d, "source", src);
            if (!rc)
                rc = pt_h5w_attr_str(w, d, "source_rule", pt_hr_source_rule(src));
            if (d >= 0)
                H5Dclose(d);
        }
    }
    for (size_t i = 0; !rc && i < pt_table_nattrs(t); i++) {
        double a = pt_table_attr(t, i);
        rc = pt_h5w_attr_num(w, g, pt_table_attr_name(t, i), H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE,
                             &a);
    }
    H5Gclose(g);
    return rc;
}

static int write_channels(pt_h5w *w, const pt_recording_info *rec)
{
    hid_t g = pt_h5w_group(w, "/channels");
    if (g < 0)
        return w->rc;
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
    const pt_h5col cols[] = {
        {"name", "", "channel name in the source file", PT_H5_STR, names, NULL, 0},
        {"kind", "", "ppg, acc_x, acc_y, acc_z, ecg, hr, ibi or aux", PT_H5_STR, kinds, NULL, 0},
        {"units", "", "units of the channel's values as analysed", PT_H5_STR, units, NULL, 0},
        {"fs_hz", "Hz", "sample rate; NaN for irregular samples", PT_H5_F64, fs, NULL, 0},
        {"n_samples", "1", "number of samples, missing ones included", PT_H5_F64, ns, NULL, 0},
        {"t0_s", "s", "time of the first sample from the recording's start", PT_H5_F64, t0, NULL,
         0},
    };
    int rc = PT_OK;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0] && !rc; i++)
        rc = pt_h5w_column(w, g, &cols[i], n, NULL, NULL);
    H5Gclose(g);
    return rc;
}

static int write_all(pt_h5w *w, const pt_summary *s, const char sha[65])
{
    const pt_recording_info *rec = pt_summary_recording(s);
    hid_t root = H5Gopen2(w->file, "/", H5P_DEFAULT);
    if (root < 0)
        return pt_h5w_fail(w, "open", "/");
    int schema = 1;
    int rc = pt_h5w_attr_num(w, root, "schema_version", H5T_NATIVE_INT, H5T_NATIVE_INT, &schema);
    if (!rc)
        rc = pt_h5w_attr_str(w, root, "pulsetrain_version", pt_version());
    if (!rc)
        rc = pt_h5w_attr_str(w, root, "source_file", rec->path);
    if (!rc)
        rc = pt_h5w_attr_str(w, root, "source_sha256", sha);
    if (!rc)
        rc = pt_h5w_attr_str(w, root, "format", rec->format);
    if (!rc)
        rc = pt_h5w_attr_str(w, root, "start_time_utc", rec->start_time_utc);
    if (!rc)
        rc = pt_h5w_attr_num(w, root, "duration_s", H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE,
                             &rec->duration_s);
    if (!rc)
        rc = pt_h5w_attr_str(w, root, "subject_id", pt_summary_subject_id(s));
    if (!rc)
        rc = pt_h5w_attr_str(w, root, "notes", pt_summary_notes(s));
    if (!rc)
        rc = pt_h5w_attr_str(w, root, "parameters", pt_summary_parameters(s));
    H5Gclose(root);
    if (!rc)
        rc = write_channels(w, rec);
    for (size_t i = 0; !rc && i < pt_summary_ntables(s); i++)
        rc = write_table(w, pt_summary_table_at(s, i));
    return rc;
}

int pt_summary_write_h5(const pt_summary *s, const char *path, pt_error *err)
{
    /* Hash outside the I/O lock: it reads the whole source (10 % of a run),
     * and batch workers would otherwise wait for each other here. The two-thread
     * runner hashes while the heart stage finishes and leaves the result. */
    char sha[65];
    const char *known = pt_summary_source_sha256(s);
    if (known[0])
        snprintf(sha, sizeof sha, "%s", known);
    else if (!strcmp(pt_summary_recording(s)->format, "memory"))
        sha[0] = '\0'; /* samples given as arrays: no source file, no hash */
    else {
        int hrc = pt_sha256_file(pt_summary_recording(s)->path, sha, err);
        if (hrc)
            return hrc;
    }
    size_t bytes = 0; /* the columns' values; HDF5's own structures are in the 64 KiB added */
    for (size_t i = 0; i < pt_summary_ntables(s); i++) {
        const pt_table *t = pt_summary_table_at(s, i);
        bytes += pt_table_nrows(t) * pt_table_ncols(t) * sizeof(double);
    }
    pt_h5w w;
    int rc = pt_h5w_create(&w, path, bytes, err);
    if (rc)
        return rc;
    rc = write_all(&w, s, sha);
    return pt_h5w_commit(&w, rc);
}
