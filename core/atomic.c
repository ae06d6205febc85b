/* SPDX-License-Identifier: GPL-2.0-or-later
 * atomic.c — temporary name, fsync, rename (see atomic.h). */
#include "core/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void pt_tmp_name(const char *path, char *tmp, size_t len)
{
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
}

int pt_tmp_commit(int rc, const char *tmp, const char *path, pt_error *err)
{
    if (!rc) {
        int fd = open(tmp, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0)
            rc = pt_error_set(err, PT_EIO, "%s: fsync failed: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if (!rc && rename(tmp, path) != 0)
        rc = pt_error_set(err, PT_EIO, "%s: cannot rename %s into place: %s", path, tmp,
                          strerror(errno));
    if (rc)
        unlink(tmp);
    return rc;
}

FILE *pt_tmp_fopen(const char *path, char *tmp, size_t len, pt_error *err)
{
    pt_tmp_name(path, tmp, len);
    FILE *f = fopen(tmp, "w");
    if (!f)
        pt_error_set(err, PT_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    return f;
}

int pt_tmp_fclose(FILE *f, int rc, const char *tmp, const char *path, pt_error *err)
{
    if ((ferror(f) | fflush(f)) && !rc)
        rc = pt_error_set(err, PT_EIO, "%s: write failed: %s", tmp, strerror(errno));
    if (fclose(f) && !rc)
        rc = pt_error_set(err, PT_EIO, "%s: close failed: %s", tmp, strerror(errno));
    return pt_tmp_commit(rc, tmp, path, err);
}
