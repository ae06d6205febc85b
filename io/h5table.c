/* SPDX-License-Identifier: GPL-2.0-or-later
 * h5table.c — the one columnar HDF5 writer and reader (see h5table.h). */
#include "io/h5table.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/lock.h"

/* Rows per H5Dwrite of a long column: the caller's release hook runs after each, so that
 * writing a week's table does not bring whole scratch-file columns back into memory. */
#define WRITE_ROWS ((hsize_t)65536)

void pt_h5_quiet(pt_h5_quiet_state *q)
{
    H5Eget_auto2(H5E_DEFAULT, &q->efunc, &q->edata);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* we report errors ourselves */
}

void pt_h5_loud(const pt_h5_quiet_state *q)
{
    H5Eset_auto2(H5E_DEFAULT, q->efunc, q->edata);
}

/* Reserve `bytes` at the temporary name before HDF5 writes anything: HDF5 1.10 does not
 * recover from a write that fails for want of space (its state is left broken), so a
 * full disk is found here, while nothing is open. */
static int reserve(const pt_h5w *w, size_t bytes)
{
    int fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return pt_error_set(w->err, PT_EIO, "%s: cannot create %s: %s", w->path, w->tmp,
                            strerror(errno));
    int e = bytes ? posix_fallocate(fd, 0, (off_t)bytes) : 0;
    close(fd);
    if (e == 0 || e == EINVAL || e == EOPNOTSUPP) /* a file system without fallocate */
        return PT_OK;
    unlink(w->tmp);
    return pt_error_set(w->err, PT_EIO, "%s: no room for it (about %.1f MB): %s", w->path,
                        (double)bytes / 1e6, strerror(e));
}

/* The end-of-file address the superblock at offset 0 declares (versions 0-3, HDF5 file
 * format specification 3.0, section II.A), or 0 when it cannot be read. */
static uint64_t declared_eof(FILE *f)
{
    unsigned char b[128];
    size_t n = fread(b, 1, sizeof b, f);
    if (n < 24 || memcmp(b, "\x89HDF\r\n\x1a\n", 8))
        return 0;
    unsigned ver = b[8], so;
    size_t at;
    if (ver <= 1) {
        so = b[13];
        at = 24 + (ver == 1 ? 4 : 0) + 2 * so; /* after base and free-space addresses */
    } else if (ver <= 3) {
        so = b[9];
        at = 12 + 2 * so; /* after base and superblock-extension addresses */
    } else {
        return 0;
    }
    if (so != 4 && so != 8)
        return 0;
    if (at + so > n)
        return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < so; i++)
        v |= (uint64_t)b[at + i] << (8 * i);
    return v == UINT64_MAX || (so == 4 && v == UINT32_MAX) ? 0 : v; /* undefined address */
}

/* File access without HDF5's file lock. Shared filesystems (NFS, Lustre, GPFS) often refuse
 * it ("unable to lock file, errno = 38"), and pulsetrain needs none: a file is written under
 * a temporary name by one process and renamed when complete, and only complete files are
 * read. H5Pset_file_locking exists from HDF5 1.10.7 and 1.12.1; with an older library the
 * CLI sets HDF5_USE_FILE_LOCKING=FALSE, which HDF5 reads at every open. Close the result
 * with H5Pclose unless it is H5P_DEFAULT. */
static hid_t fapl_nolock(void)
{
#if H5_VERSION_GE(1, 12, 1) || (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7)
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return H5P_DEFAULT;
    if (H5Pset_file_locking(fapl, 0, 1) < 0) {
        H5Pclose(fapl);
        return H5P_DEFAULT;
    }
    return fapl;
#else
    return H5P_DEFAULT;
#endif
}

static void plist_close(hid_t p)
{
    if (p != H5P_DEFAULT)
        H5Pclose(p);
}

/* Creation properties of the given class (H5P_FILE_CREATE, H5P_GROUP_CREATE,
 * H5P_DATASET_CREATE) without the times HDF5 otherwise stamps into every object header: the
 * same recording and parameters then give the same file byte for byte, whichever machine or
 * cluster task wrote it and when. Close with plist_close. */
static hid_t untimed(hid_t cls)
{
    hid_t p = H5Pcreate(cls);
    if (p < 0)
        return H5P_DEFAULT;
    if (H5Pset_obj_track_times(p, 0) < 0) {
        H5Pclose(p);
        return H5P_DEFAULT;
    }
    return p;
}

hid_t pt_h5r_open(const char *path, pt_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        return -1;
    }
    uint64_t eof = declared_eof(fp);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    if (eof && size >= 0 && (uint64_t)size < eof) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: truncated HDF5 file: %ld of the %llu bytes it declares (an interrupted "
                     "copy?)",
                     path, size, (unsigned long long)eof);
        return -1;
    }
    hid_t fapl = fapl_nolock();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    plist_close(fapl);
    if (f < 0)
        pt_error_set(err, PT_EFORMAT, "%s: not a readable HDF5 file (damaged, or not HDF5 at all?)",
                     path);
    return f;
}

/* A pulsetrain file HDF5 cannot open (cut short, say) still names our root attributes in
 * its first bytes; a damaged file of ours may be replaced, another program's may not. */
static int names_our_attrs(const char *path)
{
    static const char *const names[] = {"pulsetrain_version", "load_schema_version"};
    unsigned char buf[65536];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    for (size_t k = 0; k < 2; k++) {
        size_t l = strlen(names[k]);
        for (size_t i = 0; i + l <= n; i++)
            if (!memcmp(buf + i, names[k], l))
                return 1;
    }
    return 0;
}

int pt_h5_signature(const char *path)
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

/* 1 when path is an HDF5 file pulsetrain wrote (a summary, load file or batch index). */
static int ours(const char *path)
{
    if (!pt_h5_signature(path))
        return 0;
    pt_io_lock();
    pt_h5_quiet_state q;
    pt_h5_quiet(&q);
    int yes = 0;
    hid_t file = pt_h5r_open(path, NULL);
    if (file >= 0) {
        yes = H5Aexists(file, "schema_version") > 0 || H5Aexists(file, "load_schema_version") > 0 ||
              H5Aexists(file, "kind") > 0;
        H5Fclose(file);
    } else {
        yes = names_our_attrs(path);
    }
    pt_h5_loud(&q);
    pt_io_unlock();
    return yes;
}

int pt_h5w_create(pt_h5w *w, const char *path, size_t expect_bytes, pt_error *err)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    w->err = err;
    pt_tmp_name(path, w->tmp, sizeof w->tmp);
    struct stat st;
    if (stat(path, &st) == 0 && (!S_ISREG(st.st_mode) || !ours(path)))
        /* never replace a recording, or anything else pulsetrain did not write */
        return w->rc = pt_error_set(err, PT_EINVAL,
                                    "%s exists and is not a file pulsetrain wrote: refusing to "
                                    "overwrite it (choose another output name with -o)",
                                    path);
    int rc = reserve(w, expect_bytes + ((size_t)64 << 10));
    if (rc)
        return w->rc = rc;
    pt_io_lock();
    pt_h5_quiet(&w->quiet);
    hid_t fapl = fapl_nolock(), fcpl = untimed(H5P_FILE_CREATE);
    w->file = H5Fcreate(w->tmp, H5F_ACC_TRUNC, fcpl, fapl);
    plist_close(fapl);
    plist_close(fcpl);
    if (w->file < 0) {
        pt_h5_loud(&w->quiet);
        pt_io_unlock();
        unlink(w->tmp);
        return w->rc = pt_error_set(err, PT_EIO,
                                    "%s: cannot create %s (directory missing or not writable?)",
                                    path, w->tmp);
    }
    return PT_OK;
}

int pt_h5w_commit(pt_h5w *w, int rc)
{
    /* A full disk: when HDF5's last flush fails inside H5Fclose it keeps the file open in a
     * state that crashes a second close and its own exit handler (HDF5 1.10). So flush
     * first; when that fails, give the space back by emptying the temporary file (it is
     * removed below anyway) so that the flush of the remaining metadata, and the close,
     * succeed. */
    if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) {
        if (!rc)
            rc = pt_error_set(w->err, PT_EIO, "%s: HDF5 could not write the file (disk full?)",
                              w->path);
        if (truncate(w->tmp, 0) == 0)
            H5Fflush(w->file, H5F_SCOPE_GLOBAL); /* a failure here shows in the close */
    }
    if (H5Fclose(w->file) < 0 && !rc)
        rc = pt_error_set(w->err, PT_EIO, "%s: HDF5 could not close the file", w->path);
    pt_h5_loud(&w->quiet);
    pt_io_unlock();
    return pt_tmp_commit(rc, w->tmp, w->path, w->err);
}

int pt_h5w_fail(pt_h5w *w, const char *what, const char *where)
{
    if (!w->rc)
        w->rc = pt_error_set(w->err, PT_EIO, "%s: HDF5 could not %s %s", w->path, what, where);
    return w->rc;
}

hid_t pt_h5w_group(pt_h5w *w, const char *name)
{
    hid_t gcpl = untimed(H5P_GROUP_CREATE);
    hid_t g = H5Gcreate2(w->file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    plist_close(gcpl);
    if (g < 0)
        pt_h5w_fail(w, "create group", name);
    return g;
}

static hid_t str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

int pt_h5w_attr_str(pt_h5w *w, hid_t obj, const char *name, const char *value)
{
    hid_t t = str_type(), sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, t, &value);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return e < 0 ? pt_h5w_fail(w, "write attribute", name) : PT_OK;
}

int pt_h5w_attr_num(pt_h5w *w, hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, mtype, v);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return e < 0 ? pt_h5w_fail(w, "write attribute", name) : PT_OK;
}

static hid_t enum_type(const pt_h5col *c)
{
    hid_t t = H5Tenum_create(H5T_NATIVE_SCHAR);
    signed char v = -1;
    H5Tenum_insert(t, "unknown", &v);
    for (v = 0; v < c->n_enum; v++)
        H5Tenum_insert(t, c->enum_names[v], &v);
    return t;
}

int pt_h5w_column(pt_h5w *w, hid_t grp, const pt_h5col *c, size_t n, void (*release)(const void *),
                  const void *arg)
{
    if (w->rc)
        return w->rc;
    hid_t ftype, mtype, owned = -1;
    switch (c->type) {
    case PT_H5_F64:
        ftype = H5T_IEEE_F64LE;
        mtype = H5T_NATIVE_DOUBLE;
        break;
    case PT_H5_I8: ftype = mtype = owned = H5Tcopy(H5T_NATIVE_SCHAR); break;
    case PT_H5_ENUM: ftype = mtype = owned = enum_type(c); break;
    default: ftype = mtype = owned = str_type();
    }
    hsize_t dims[1] = {n};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t dcpl = untimed(H5P_DATASET_CREATE);
    hid_t d = H5Dcreate2(grp, c->name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    plist_close(dcpl);
    herr_t e = d < 0 ? -1 : 0;
    size_t elem = H5Tget_size(mtype);
    for (hsize_t at = 0; e >= 0 && at < (hsize_t)n; at += WRITE_ROWS) {
        hsize_t cnt[1] = {(hsize_t)n - at < WRITE_ROWS ? (hsize_t)n - at : WRITE_ROWS};
        hsize_t off[1] = {at};
        hid_t ms = H5Screate_simple(1, cnt, NULL);
        e = ms < 0 ? -1 : H5Sselect_hyperslab(sp, H5S_SELECT_SET, off, NULL, cnt, NULL);
        if (e >= 0)
            e = H5Dwrite(d, mtype, ms, sp, H5P_DEFAULT, (const char *)c->data + at * elem);
        if (ms >= 0)
            H5Sclose(ms);
        if (release)
            release(arg);
    }
    H5Sclose(sp);
    if (owned >= 0)
        H5Tclose(owned);
    if (d < 0 || e < 0) {
        if (d >= 0)
            H5Dclose(d);
        return pt_h5w_fail(w, "write dataset", c->name);
    }
    int rc = pt_h5w_attr_str(w, d, "units", c->units);
    if (!rc)
        rc = pt_h5w_attr_str(w, d, "description", c->desc);
    H5Dclose(d);
    return rc;
}

/* ---- reading ---- */

int pt_h5r_attr_str(hid_t obj, const char *name, char *out, size_t len)
{
    out[0] = '\0';
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
    int rc = -1;
    if (H5Tget_class(ft) == H5T_STRING && H5Sget_simple_extent_npoints(sp) == 1) {
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
    H5Sclose(sp);
    H5Tclose(ft);
    H5Aclose(a);
    return rc;
}

double pt_h5r_attr_num(hid_t obj, const char *name)
{
    double v = NAN;
    if (H5Aexists(obj, name) <= 0)
        return v;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return v;
    hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
    H5T_class_t cl = H5Tget_class(ft);
    if ((cl != H5T_INTEGER && cl != H5T_FLOAT) || H5Sget_simple_extent_npoints(sp) != 1 ||
        H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0)
        v = NAN;
    H5Sclose(sp);
    H5Tclose(ft);
    H5Aclose(a);
    return v;
}

long long pt_h5r_length(hid_t grp, const char *name)
{
    if (H5Lexists(grp, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t sp = H5Dget_space(d);
    long long n =
        H5Sget_simple_extent_ndims(sp) == 1 ? (long long)H5Sget_simple_extent_npoints(sp) : -1;
    H5Sclose(sp);
    H5Dclose(d);
    return n;
}

/* The dataset and its element count when it is a 1-D dataset of class `want` (or of a
 * numeric class when want is H5T_NO_CLASS); else -1. */
static hid_t open_1d(hid_t grp, const char *name, int numeric, hssize_t *cnt, hid_t *ft)
{
    if (H5Lexists(grp, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t sp = H5Dget_space(d);
    *ft = H5Dget_type(d);
    H5T_class_t cl = H5Tget_class(*ft);
    int ok = H5Sget_simple_extent_ndims(sp) == 1 &&
             (numeric ? cl == H5T_INTEGER || cl == H5T_FLOAT || cl == H5T_ENUM : cl == H5T_STRING);
    *cnt = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    if (!ok || *cnt < 0) {
        H5Tclose(*ft);
        H5Dclose(d);
        return -1;
    }
    return d;
}

double *pt_h5r_column(hid_t grp, const char *name, size_t *n)
{
    *n = 0;
    hssize_t cnt;
    hid_t ft;
    hid_t d = open_1d(grp, name, 1, &cnt, &ft);
    if (d < 0)
        return NULL;
    double *v = malloc((size_t)(cnt ? cnt : 1) * sizeof *v);
    if (v && cnt > 0) {
        if (H5Tget_class(ft) == H5T_ENUM) {
            signed char *k = malloc((size_t)cnt);
            if (k && H5Dread(d, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, k) >= 0) {
                /* the raw integer values, not the enum mapping */
                for (hssize_t i = 0; i < cnt; i++)
                    v[i] = k[i] < 0 ? (double)NAN : k[i];
            } else {
                free(v);
                v = NULL;
            }
            free(k);
        } else if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
            free(v);
            v = NULL;
        }
    }
    if (v)
        *n = (size_t)cnt;
    H5Tclose(ft);
    H5Dclose(d);
    return v;
}

char **pt_h5r_strings(hid_t grp, const char *name, size_t *n)
{
    *n = 0;
    hssize_t cnt;
    hid_t ft;
    hid_t d = open_1d(grp, name, 0, &cnt, &ft);
    if (d < 0)
        return NULL;
    char **out = calloc((size_t)(cnt ? cnt : 1), sizeof *out);
    int ok = out != NULL;
    if (ok && cnt > 0 && H5Tis_variable_str(ft) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(ft));
        char **raw = calloc((size_t)cnt, sizeof *raw);
        hid_t sp = H5Dget_space(d);
        ok = raw && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0;
        for (hssize_t i = 0; ok && i < cnt; i++) {
            const char *s = raw[i] ? raw[i] : "";
            size_t len = strlen(s);
            if ((out[i] = malloc(len + 1)))
                memcpy(out[i], s, len + 1);
            else
                ok = 0;
        }
        if (raw)
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw);
        free(raw);
        H5Sclose(sp);
        H5Tclose(mt);
    } else if (ok && cnt > 0) { /* fixed-length strings */
        size_t sz = H5Tget_size(ft);
        char *buf = calloc((size_t)cnt, sz + 1);
        hid_t mt = H5Tcopy(ft);
        ok = buf && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
        for (hssize_t i = 0; ok && i < cnt; i++) {
            if ((out[i] = calloc(1, sz + 1)))
                memcpy(out[i], buf + (size_t)i * sz, sz);
            else
                ok = 0;
        }
        H5Tclose(mt);
        free(buf);
    }
    for (hssize_t i = 0; ok && i < cnt; i++)
        if (!out[i] && !(out[i] = calloc(1, 1)))
            ok = 0;
    H5Tclose(ft);
    H5Dclose(d);
    if (!ok) {
        pt_h5r_strings_free(out, out ? (size_t)cnt : 0);
        return NULL;
    }
    *n = (size_t)cnt;
    return out;
}

void pt_h5r_strings_free(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
}
