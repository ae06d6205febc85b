/* SPDX-License-Identifier: GPL-2.0-or-later
 * path.c — files compared by device and inode (see path.h). */
#define _DEFAULT_SOURCE /* realpath */
#include "core/path.h"

#include <dirent.h>
#include <errno.h>
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

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

pt_path_stamp pt_path_stamp_of(const char *path)
{
    pt_path_stamp s = {0};
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return s;
    s.ok = 1;
    s.dev = (uint64_t)st.st_dev;
    s.ino = (uint64_t)st.st_ino;
    if (!S_ISDIR(st.st_mode)) {
        s.size = (uint64_t)st.st_size;
        s.nfiles = 1;
        s.mtime_ns = mtime_ns(&st);
        return s;
    }
    DIR *d = opendir(path); /* an export folder (E4, Polar): its member files */
    if (!d)
        return s;
    struct dirent *e;
    char sub[PATH_MAX];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub)
            continue;
        if (stat(sub, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        s.nfiles++;
        s.size += (uint64_t)st.st_size;
        if (mtime_ns(&st) > s.mtime_ns)
            s.mtime_ns = mtime_ns(&st);
    }
    closedir(d);
    return s;
}

int pt_path_stamp_equal(const pt_path_stamp *a, const pt_path_stamp *b)
{
    return a->ok && b->ok && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->nfiles == b->nfiles && a->mtime_ns == b->mtime_ns;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int pt_dir_names(const char *dir, char ***names_out, size_t *n_out, pt_error *err)
{
    *names_out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return pt_error_set(err, PT_EDATA, "%s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = PT_OK;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = pt_error_set(err, PT_ENOMEM, "out of memory listing %s", dir);
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name)))
            rc = pt_error_set(err, PT_ENOMEM, "out of memory listing %s", dir);
        else
            n++;
    }
    closedir(d);
    if (rc) {
        pt_dir_names_free(names, n);
        return rc;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    *names_out = names;
    *n_out = n;
    return PT_OK;
}

void pt_dir_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
