/* SPDX-License-Identifier: GPL-2.0-or-later
 * h5table.h — THE columnar HDF5 writer and reader of pulsetrain: every table it writes
 * (summary, load file, batch index) is a group of equal-length 1-D datasets, each with
 * string attributes `units` and `description` (DESIGN.md, schema 1).
 *
 *   pt_h5w w;
 *   if (pt_h5w_create(&w, "out.h5", bytes, err)) return err->code;   I/O lock held from here
 *   hid_t g = pt_h5w_group(&w, "/hr");
 *   pt_h5w_column(&w, g, &(pt_h5col){"bpm", "bpm", "heart rate", PT_H5_F64, bpm}, n, NULL, NULL);
 *   H5Gclose(g);
 *   return pt_h5w_commit(&w, w.rc);                             close, rename, unlock
 *
 * The file is written under "<path>.tmp.<pid>" and renamed into place by commit (or
 * removed when rc != 0), so a reader never sees half a file. HDF5's automatic error
 * printing is off between create and commit and restored after: the host process's own
 * setting is left as it was. Every failure is recorded once in w.rc / *err with the path
 * and the object. */
#ifndef PT_IO_H5TABLE_H
#define PT_IO_H5TABLE_H

#include <hdf5.h>
#include <stddef.h>

#include "pulsetrain/error.h"

/* 1 when path starts with the HDF5 signature (superblock at offset 0), else 0. */
int pt_h5_signature(const char *path);

/* Save the host's HDF5 error printing and switch it off; pt_h5_loud restores it. */
typedef struct pt_h5_quiet_state {
    H5E_auto2_t efunc;
    void *edata;
} pt_h5_quiet_state;
void pt_h5_quiet(pt_h5_quiet_state *q);
void pt_h5_loud(const pt_h5_quiet_state *q);

typedef struct pt_h5w {
    hid_t file;
    const char *path;
    pt_error *err;
    int rc; /* first error, PT_OK until then */
    char tmp[1100];
    pt_h5_quiet_state quiet; /* the host's error printing, restored by commit */
} pt_h5w;

typedef enum pt_h5_type {
    PT_H5_F64,  /* double -> IEEE float64 LE                                    */
    PT_H5_I8,   /* signed char -> int8                                           */
    PT_H5_ENUM, /* signed char -> int8 enum: -1 "unknown", 0.. enum_names[i]     */
    PT_H5_STR   /* const char * -> variable-length UTF-8 strings                  */
} pt_h5_type;

typedef struct pt_h5col {
    const char *name, *units, *desc;
    pt_h5_type type;
    const void *data;              /* [size: n] of the type above */
    const char *const *enum_names; /* PT_H5_ENUM: names of 0 .. n_enum - 1 */
    int n_enum;
} pt_h5col;

/* Reserve expect_bytes (an estimate of the file's size; 64 KiB are added) at path's
 * temporary name, then take the I/O lock, switch HDF5's error printing off and create the
 * file there. PT_EIO naming both (nothing left behind, the lock released) when it cannot
 * be created or there is no room for it. */
int pt_h5w_create(pt_h5w *w, const char *path, size_t expect_bytes, pt_error *err);
/* Close the file, restore the error printing, release the lock, then rename the
 * temporary file into place when rc is PT_OK (else remove it). Returns the final status. */
int pt_h5w_commit(pt_h5w *w, int rc);
/* Record "PATH: HDF5 could not WHAT WHERE" as PT_EIO unless an error is recorded already;
 * returns w->rc. */
int pt_h5w_fail(pt_h5w *w, const char *what, const char *where);
/* A new group (absolute name), or a negative id with the failure recorded. */
hid_t pt_h5w_group(pt_h5w *w, const char *name);
int pt_h5w_attr_str(pt_h5w *w, hid_t obj, const char *name, const char *value);
/* A scalar numeric attribute stored as ftype, read from v as mtype. */
int pt_h5w_attr_num(pt_h5w *w, hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                    const void *v);
/* One column of n values with its units and description. A long column is written in
 * slices; release(arg), when not NULL, is called after each (to drop the pages of a
 * scratch-file array behind the writer). */
int pt_h5w_column(pt_h5w *w, hid_t grp, const pt_h5col *c, size_t n, void (*release)(const void *),
                  const void *arg);

/* ---- reading (callers hold the I/O lock, with error printing off: pt_h5_quiet) ---- */

/* String attribute into out[len] ("" when absent); 0, or -1 when absent or not a string. */
int pt_h5r_attr_str(hid_t obj, const char *name, char *out, size_t len);
/* Numeric attribute as double; NaN when absent or not numeric. */
double pt_h5r_attr_num(hid_t obj, const char *name);
/* H5Fopen read-only, but a file shorter than the end address its superblock declares is
 * refused first ("truncated: N of M bytes"): HDF5 1.10 keeps such a file half-open and
 * reports "infinite loop closing library" at exit. Returns the file or -1 with *err. */
hid_t pt_h5r_open(const char *path, pt_error *err);
/* Dataset grp/name as n doubles (numbers; enums as their integer values, negative -> NaN).
 * malloc'd, NULL when absent, not 1-D or not numeric (*n = 0). */
double *pt_h5r_column(hid_t grp, const char *name, size_t *n);
/* Dataset grp/name as n strings: malloc'd array of malloc'd strings (missing -> ""), NULL
 * when absent or not strings. Free with pt_h5r_strings_free. */
char **pt_h5r_strings(hid_t grp, const char *name, size_t *n);
void pt_h5r_strings_free(char **s, size_t n);
/* Number of elements of dataset grp/name, or -1 when absent. */
long long pt_h5r_length(hid_t grp, const char *name);

#endif
