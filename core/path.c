/* SPDX-License-Identifier: GPL-2.0-or-later
 * path.c — files compared by device and inode (see path.h). */
#define _DEFAULT_SOURCE /* realpath */
#include "core/path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int pt_same_file(const char *a, const char *b)
{
    struct stat x, y;
    return a && b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
           x.st_ino == y.st_ino;
}

int pt_path_inside(const char *path, const char *dir)
{
    struct stat d;
    if (!path || !dir || stat(dir, &d) != 0 || !S_ISDIR(d.st_mode))
        return 0;
    char buf[PATH_MAX];
    if (!realpath(path, buf))
        return 0;
    /* walk up from path: one of its parents (or itself) is dir */
    for (;;) {
        struct stat p;
        if (stat(buf, &p) == 0 && p.st_dev == d.st_dev && p.st_ino == d.st_ino)
            return 1;
        char *slash = strrchr(buf, '/');
        if (!slash || slash == buf)
            return buf[0] == '/' && stat("/", &p) == 0 && p.st_dev == d.st_dev &&
                   p.st_ino == d.st_ino;
        *slash = '\0';
    }
}

int pt_path_special(const char *path)
{
    struct stat s;
    return path && stat(path, &s) == 0 && !S_ISREG(s.st_mode) && !S_ISDIR(s.st_mode);
}
