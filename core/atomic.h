/* SPDX-License-Identifier: GPL-2.0-or-later
 * atomic.h — outputs are written under a temporary name and renamed into
 * place, so a reader never sees a half-written file and a failed run leaves
 * the previous file untouched. */
#ifndef PT_IO_ATOMIC_H
#define PT_IO_ATOMIC_H
#include <stddef.h>
#include <stdio.h>

#include "pulsetrain/error.h"

/* The temporary name of path: "<path>.tmp.<pid>". */
void pt_tmp_name(const char *path, char *tmp, size_t len);

/* Finish a write to tmp: when rc is PT_OK, fsync tmp and rename it over path;
 * otherwise, or when that fails, unlink tmp. Returns rc, or PT_EIO with the
 * reason in *err. */
int pt_tmp_commit(int rc, const char *tmp, const char *path, pt_error *err);

/* Text outputs: open the temporary file of path for writing (NULL and *err
 * on failure; tmp [size: len] receives its name) ... */
FILE *pt_tmp_fopen(const char *path, char *tmp, size_t len, pt_error *err);
/* ... and close it: write errors checked, then pt_tmp_commit(rc, ...). */
int pt_tmp_fclose(FILE *f, int rc, const char *tmp, const char *path, pt_error *err);
#endif
