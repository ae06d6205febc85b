/* SPDX-License-Identifier: GPL-2.0-or-later
 * path.h — the library's side of pulsetrain/path.h. */
#ifndef PT_CORE_PATH_H
#define PT_CORE_PATH_H

#include <stdint.h>

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

#endif
