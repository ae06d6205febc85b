/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/path.h — what a path names, compared by device and inode (links followed),
 * never by its spelling: "a.csv", "./a.csv" and "d/../a.csv" are one file. Used to refuse
 * an output that would replace an input. */
#ifndef PULSETRAIN_PATH_H
#define PULSETRAIN_PATH_H

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when a and b both exist and are the same file, else 0. */
PT_API int pt_same_file(const char *a, const char *b);
/* 1 when path exists and is dir itself or a file anywhere below directory dir, else 0. */
PT_API int pt_path_inside(const char *path, const char *dir);
/* 1 when path exists and is neither a regular file nor a directory (a FIFO, socket or
 * device: reading it may block for ever), else 0. */
PT_API int pt_path_special(const char *path);

#ifdef __cplusplus
}
#endif

#endif
