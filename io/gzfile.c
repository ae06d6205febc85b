/* SPDX-License-Identifier: GPL-2.0-or-later
 * gzfile.c — gzip-compressed text inputs through zlib (gzopen/gzread; RFC 1952) behind
 * a stdio FILE (glibc fopencookie), so that io/csv.c and io/actilife.c read .csv.gz
 * exactly as .csv, in the same fixed buffers. */
#define _GNU_SOURCE /* fopencookie */
#include "io/gzfile.h"

#include <errno.h>
#include <string.h>
#include <zlib.h>

int pt_gz_magic(const unsigned char *head, size_t len)
{
    return len >= 2 && head[0] == 0x1f && head[1] == 0x8b;
}

static ssize_t gz_cookie_read(void *c, char *buf, size_t n)
{
    if (n > (1u << 30))
        n = 1u << 30;
    int got = gzread((gzFile)c, buf, (unsigned)n);
    if (got < 0) {
        errno = EIO; /* a damaged stream: stdio reports a read error */
        return -1;
    }
    return got;
}

static int gz_cookie_seek(void *c, off64_t *pos, int whence)
{
    if (whence == SEEK_END) {
        errno = EINVAL;
        return -1;
    }
    z_off_t r = gzseek((gzFile)c, (z_off_t)*pos, whence);
    if (r < 0) {
        errno = EINVAL;
        return -1;
    }
    *pos = (off64_t)r;
    return 0;
}

static int gz_cookie_close(void *c)
{
    return gzclose_r((gzFile)c) == Z_OK ? 0 : EOF;
}

FILE *pt_gz_fopen(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char m[2];
    size_t n = fread(m, 1, 2, f);
    if (!pt_gz_magic(m, n)) {
        rewind(f);
        return f;
    }
    fclose(f);
    gzFile g = gzopen(path, "rb");
    if (!g) {
        if (!errno)
            errno = ENOMEM;
        return NULL;
    }
    gzbuffer(g, 1u << 17);
    cookie_io_functions_t io = {
        .read = gz_cookie_read, .write = NULL, .seek = gz_cookie_seek, .close = gz_cookie_close};
    FILE *cf = fopencookie(g, "r", io);
    if (!cf)
        gzclose_r(g);
    return cf;
}

size_t pt_gz_head(const char *path, unsigned char *out, size_t cap)
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        return 0;
    int got = gzread(g, out, (unsigned)cap);
    gzclose_r(g);
    return got > 0 ? (size_t)got : 0;
}
