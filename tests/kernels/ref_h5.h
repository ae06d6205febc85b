/* SPDX-License-Identifier: GPL-2.0-or-later
 * ref_h5.h — read scipy reference vectors (../shared/reference/NAME.h5, made by
 * `/usr/bin/python3 ../shared/tools/make_reference.py OUTDIR --seed N`) for the kernel
 * parity tests. The directory comes from PT_REFERENCE_DIR (CTest sets it), else
 * ../shared/reference; when it is absent the test exits 77 (skip) with the reason. */
#ifndef PT_REF_H5_H
#define PT_REF_H5_H

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pt_test.h"

static inline const char *ref_dir(void)
{
    const char *d = getenv("PT_REFERENCE_DIR");
    return d && *d ? d : "../shared/reference";
}

/* Open <dir>/<name> read-only; skips the whole test program when the directory is absent,
 * fails (returns -1) when the directory exists but the file does not. */
static inline hid_t ref_open(const char *name)
{
    struct stat st;
    const char *dir = ref_dir();
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        PT_SKIP("reference directory %s not found (set PT_REFERENCE_DIR)", dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        fprintf(stderr, "%s: cannot open\n", path);
    return f;
}

/* Name of the idx-th link of the root group (sorted by name); 0 on success. */
static inline int ref_case_name(hid_t f, size_t idx, char *buf, size_t len)
{
    ssize_t r =
        H5Lget_name_by_idx(f, ".", H5_INDEX_NAME, H5_ITER_INC, (hsize_t)idx, buf, len, H5P_DEFAULT);
    return r < 0 ? -1 : 0;
}

static inline size_t ref_ncases(hid_t f)
{
    H5G_info_t info;
    if (H5Gget_info(f, &info) < 0)
        return 0;
    return (size_t)info.nlinks;
}

static inline int ref_has(hid_t g, const char *name)
{
    return H5Lexists(g, name, H5P_DEFAULT) > 0 || H5Aexists(g, name) > 0;
}

/* Whole dataset as doubles (malloc'd; caller frees); *n = element count, dims optional. */
static inline double *ref_read(hid_t g, const char *name, size_t *n, hsize_t dims[2])
{
    *n = 0;
    if (dims)
        dims[0] = dims[1] = 0;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return NULL;
    hid_t sp = H5Dget_space(d);
    hsize_t dd[8] = {0};
    int nd = H5Sget_simple_extent_dims(sp, dd, NULL);
    size_t cnt = 1;
    for (int i = 0; i < nd; i++)
        cnt *= dd[i];
    if (dims) {
        dims[0] = nd > 0 ? dd[0] : 1;
        dims[1] = nd > 1 ? dd[1] : 1;
    }
    double *v = malloc((cnt ? cnt : 1) * sizeof *v);
    if (v && cnt && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        free(v);
        v = NULL;
    }
    H5Sclose(sp);
    H5Dclose(d);
    *n = cnt;
    return v;
}

/* Numeric attribute (element idx of an array attribute); NaN if absent or a string. */
static inline double ref_attr(hid_t g, const char *name, size_t idx)
{
    if (H5Aexists(g, name) <= 0)
        return NAN;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    double out = NAN;
    if (H5Tget_class(t) == H5T_INTEGER || H5Tget_class(t) == H5T_FLOAT) {
        hid_t sp = H5Aget_space(a);
        hssize_t cnt = H5Sget_simple_extent_npoints(sp);
        double *v = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *v);
        if (v && H5Aread(a, H5T_NATIVE_DOUBLE, v) >= 0 && (hssize_t)idx < cnt)
            out = v[idx];
        free(v);
        H5Sclose(sp);
    }
    H5Tclose(t);
    H5Aclose(a);
    return out;
}

/* Number of elements of a numeric attribute (0 if absent). */
static inline size_t ref_attr_len(hid_t g, const char *name)
{
    if (H5Aexists(g, name) <= 0)
        return 0;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    hid_t sp = H5Aget_space(a);
    hssize_t cnt = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    H5Aclose(a);
    return cnt > 0 ? (size_t)cnt : 0;
}

/* String attribute into buf ("" if absent or numeric). */
static inline void ref_attr_str(hid_t g, const char *name, char *buf, size_t len)
{
    buf[0] = '\0';
    if (H5Aexists(g, name) <= 0)
        return;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    if (H5Tget_class(t) == H5T_STRING) {
        if (H5Tis_variable_str(t) > 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(t));
            char *s = NULL;
            if (H5Aread(a, mt, &s) >= 0 && s) {
                snprintf(buf, len, "%s", s);
                H5free_memory(s);
            }
            H5Tclose(mt);
        } else {
            size_t sz = H5Tget_size(t);
            char *s = calloc(sz + 1, 1);
            hid_t mt = H5Tcopy(t);
            if (s && H5Aread(a, mt, s) >= 0)
                snprintf(buf, len, "%s", s);
            free(s);
            H5Tclose(mt);
        }
    }
    H5Tclose(t);
    H5Aclose(a);
}

static inline double ref_maxabs(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(v[i]) > m)
            m = fabs(v[i]);
    return m;
}

#endif
