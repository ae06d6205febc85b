/* SPDX-License-Identifier: GPL-2.0-or-later
 * path.h — the library's side of pulsetrain/path.h. */
#ifndef PT_CORE_PATH_H
#define PT_CORE_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "pulsetrain/error.h"
#include "pulsetrain/path.h"

/* What a file looked like when it was opened: its identity, size and modification time;
 * for a folder, the count, total size and latest modification of its regular files. Two
 * stamps that differ mean the file was rewritten, cut or grown in between. */
typedef struct pt_path_stamp {
    uint64_t dev, ino, size, nfiles;
    int64_t mtime_ns;
    int ok; /* 0: could not stat */
} pt_path_stamp;

pt_path_stamp pt_path_stamp_of(const char *path);
int pt_path_stamp_equal(const pt_path_stamp *a, const pt_path_stamp *b);

/* The names in folder dir, those starting with '.' left out, in strcmp order (readdir's is
 * arbitrary): *names [size: *n], freed with pt_dir_names_free. PT_OK, PT_EDATA (dir named)
 * when it cannot be opened, PT_ENOMEM. */
int pt_dir_names(const char *dir, char ***names, size_t *n, pt_error *err);
void pt_dir_names_free(char **names, size_t n);

#endif
