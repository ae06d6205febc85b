/* SPDX-License-Identifier: GPL-2.0-or-later
 * zip.c — zip archives read member by member as streams (see zip.h).
 * Method: PKWARE APPNOTE.TXT 6.3.10 (end of central directory 4.3.16, central
 * directory header 4.3.12, local header 4.3.7); raw DEFLATE (RFC 1951) via
 * zlib's inflateInit2(-MAX_WBITS); CRC-32 via zlib's crc32. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "io/zip.h"

#define ZIP_SIG_LOCAL 0x04034b50u
#define ZIP_SIG_CENTRAL 0x02014b50u
#define ZIP_SIG_EOCD 0x06054b50u
#define ZIP_SIG_EOCD64_LOC 0x07064b50u
#define ZIP_EOCD_LEN 22
#define ZIP_MAX_COMMENT 65535
#define ZIP_INBUF 65536

struct pt_zip {
    int fd;
    char path[1024];
    uint64_t size;   /* of the file [bytes] */
    uint64_t cd_off; /* where the central directory starts: members end before it */
    size_t n;
    pt_zip_entry *e;
};

struct pt_zip_stream {
    pt_zip *z;
    const pt_zip_entry *e;
    uint64_t pos;  /* file offset of the next compressed byte */
    uint64_t left; /* compressed bytes not yet read */
    uint64_t out;  /* uncompressed bytes delivered */
    uint32_t crc;
    int inflating; /* z is initialised */
    int done;      /* the end was reached and checked */
    z_stream zs;
    unsigned char in[ZIP_INBUF];
};

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int pt_zip_sniff(const unsigned char *head, size_t len)
{
    if (len >= 4 && le32(head) == ZIP_SIG_LOCAL)
        return 1;
    if (len >= ZIP_EOCD_LEN && le32(head) == ZIP_SIG_EOCD) /* an empty archive */
        return 1;
    return 0;
}

/* Read exactly n bytes at off; 0, or -1 with errno (0 when the file is short). */
static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = pread(fd, p, n, (off_t)off);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got == 0) {
            errno = 0;
            return -1;
        }
        p += got;
        n -= (size_t)got;
        off += (uint64_t)got;
    }
    return 0;
}

void pt_zip_close(pt_zip *z)
{
    if (!z)
        return;
    if (z->fd >= 0)
        close(z->fd);
    free(z->e);
    free(z);
}

const char *pt_zip_path(const pt_zip *z)
{
    return z->path;
}
size_t pt_zip_count(const pt_zip *z)
{
    return z->n;
}
const pt_zip_entry *pt_zip_entry_at(const pt_zip *z, size_t i)
{
    return &z->e[i];
}

static int by_offset(const void *a, const void *b)
{
    const pt_zip_entry *x = *(const pt_zip_entry *const *)a, *y = *(const pt_zip_entry *const *)b;
    return x->local_off < y->local_off ? -1 : x->local_off > y->local_off;
}

/* Two central-directory entries pointing at one local header (one member's bytes read under
 * two names: the overlapping-file zip bomb, or a corrupt directory): refused naming both. */
static int shared_header(const pt_zip *z, pt_error *err)
{
    if (z->n < 2)
        return PT_OK;
    const pt_zip_entry **by = malloc(z->n * sizeof *by);
    if (!by)
        return pt_error_set(err, PT_ENOMEM, "zip archive: out of memory for its directory");
    for (size_t i = 0; i < z->n; i++)
        by[i] = &z->e[i];
    qsort(by, z->n, sizeof *by, by_offset);
    int rc = PT_OK;
    for (size_t i = 1; i < z->n && !rc; i++)
        if (by[i]->local_off == by[i - 1]->local_off)
            rc = pt_error_set(err, PT_EFORMAT,
                              "%s: byte %llu: the central directory lists two members, '%s' and "
                              "'%s', at this one local header: a corrupt archive (or a zip bomb)",
                              z->path, (unsigned long long)by[i]->local_off, by[i - 1]->name,
                              by[i]->name);
    free(by);
    return rc;
}

pt_zip *pt_zip_open(const char *path, pt_error *err)
{
    unsigned char *tail = NULL, *cd = NULL;
    pt_zip *z = calloc(1, sizeof *z);
    if (!z) {
        pt_error_set(err, PT_ENOMEM, "zip archive: out of memory for its directory");
        return NULL;
    }
    snprintf(z->path, sizeof z->path, "%s", path);
    z->fd = open(path, O_RDONLY);
    struct stat st;
    if (z->fd < 0 || fstat(z->fd, &st) != 0) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    z->size = (uint64_t)st.st_size;
    /* The end-of-central-directory record: 22 bytes and a comment, at the end. */
    size_t tn =
        z->size < ZIP_EOCD_LEN + ZIP_MAX_COMMENT ? (size_t)z->size : ZIP_EOCD_LEN + ZIP_MAX_COMMENT;
    uint64_t tail_off = z->size - tn;
    if (tn < ZIP_EOCD_LEN) {
        pt_error_set(err, PT_EFORMAT, "%s: %llu bytes: too short for a zip archive (truncated?)",
                     path, (unsigned long long)z->size);
        goto fail;
    }
    if (!(tail = malloc(tn))) {
        pt_error_set(err, PT_ENOMEM, "zip archive: out of memory for its directory");
        goto fail;
    }
    if (read_at(z->fd, tail, tn, tail_off)) {
        pt_error_set(err, PT_EIO, "%s: %s", path, errno ? strerror(errno) : "short read");
        goto fail;
    }
    long eocd = -1;
    for (long i = (long)tn - ZIP_EOCD_LEN; i >= 0; i--)
        if (le32(tail + i) == ZIP_SIG_EOCD &&
            (size_t)i + ZIP_EOCD_LEN + le16(tail + i + 20) <= tn) {
            eocd = i;
            break;
        }
    if (eocd < 0) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: no end-of-central-directory record: the zip archive is truncated "
                     "or corrupt",
                     path);
        goto fail;
    }
    const unsigned char *r = tail + eocd;
    uint64_t eocd_at = tail_off + (uint64_t)eocd;
    uint16_t disk = le16(r + 4), cd_disk = le16(r + 6), n_disk = le16(r + 8), n = le16(r + 10);
    uint32_t cd_size = le32(r + 12), cd_off = le32(r + 16);
    if ((eocd >= 20 && le32(tail + eocd - 20) == ZIP_SIG_EOCD64_LOC) || n == 0xFFFF ||
        n_disk == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu) {
        pt_error_set(err, PT_EUNSUPPORTED,
                     "%s: ZIP64 archive (over 65535 members or 4 GiB): not supported; unzip it "
                     "and give the folder",
                     path);
        goto fail;
    }
    if (disk != 0 || cd_disk != 0 || n_disk != n) {
        pt_error_set(err, PT_EUNSUPPORTED, "%s: multi-disk (split) zip archive: not supported",
                     path);
        goto fail;
    }
    if ((uint64_t)cd_off + cd_size > eocd_at) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: byte %llu: the central directory (%u bytes at byte %u) runs past the "
                     "end record: the archive is truncated or corrupt",
                     path, (unsigned long long)eocd_at, cd_size, cd_off);
        goto fail;
    }
    z->cd_off = cd_off;
    if (!(cd = malloc(cd_size ? cd_size : 1)) || !(z->e = calloc(n ? n : 1, sizeof *z->e))) {
        pt_error_set(err, PT_ENOMEM, "out of memory for a central directory of %u bytes", cd_size);
        goto fail;
    }
    if (cd_size && read_at(z->fd, cd, cd_size, cd_off)) {
        pt_error_set(err, PT_EIO, "%s: %s", path, errno ? strerror(errno) : "short read");
        goto fail;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (at + 46 > cd_size || le32(cd + at) != ZIP_SIG_CENTRAL) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %llu: central directory entry %zu of %u is corrupt", path,
                         (unsigned long long)(cd_off + at), i + 1, n);
            goto fail;
        }
        const unsigned char *h = cd + at;
        pt_zip_entry *e = &z->e[i];
        e->flags = le16(h + 8);
        e->method = le16(h + 10);
        e->crc32 = le32(h + 16);
        e->csize = le32(h + 20);
        e->usize = le32(h + 24);
        size_t nl = le16(h + 28), xl = le16(h + 30), cl = le16(h + 32);
        e->local_off = le32(h + 42);
        if (at + 46 + nl + xl + cl > cd_size) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %llu: central directory entry %zu runs past the directory", path,
                         (unsigned long long)(cd_off + at), i + 1);
            goto fail;
        }
        size_t cp = nl < sizeof e->name ? nl : sizeof e->name - 1;
        memcpy(e->name, h + 46, cp);
        e->name[cp] = '\0';
        e->zip64 =
            e->csize == 0xFFFFFFFFu || e->usize == 0xFFFFFFFFu || e->local_off == 0xFFFFFFFFu;
        at += 46 + nl + xl + cl;
    }
    z->n = n;
    if (shared_header(z, err))
        goto fail;
    free(tail);
    free(cd);
    return z;
fail:
    free(tail);
    free(cd);
    pt_zip_close(z);
    return NULL;
}

long pt_zip_find(const pt_zip *z, const char *name)
{
    long best = -1;
    for (size_t i = 0; i < z->n; i++) {
        const char *nm = z->e[i].name;
        if (!strncmp(nm, "__MACOSX/", 9))
            continue;
        if (!strcasecmp(nm, name))
            return (long)i; /* at the root: the best match */
        const char *sl = strrchr(nm, '/');
        if (best < 0 && sl && !strcasecmp(sl + 1, name))
            best = (long)i;
    }
    return best;
}

pt_zip_stream *pt_zip_stream_open(pt_zip *z, size_t i, pt_error *err)
{
    const pt_zip_entry *e = &z->e[i];
    if (e->flags & 1u) {
        pt_error_set(err, PT_EUNSUPPORTED, "%s:%s: the member is encrypted: not supported", z->path,
                     e->name);
        return NULL;
    }
    if (e->zip64) {
        pt_error_set(err, PT_EUNSUPPORTED,
                     "%s:%s: ZIP64 member (4 GiB or more): not supported; unzip the archive",
                     z->path, e->name);
        return NULL;
    }
    if (e->method != 0 && e->method != 8) {
        pt_error_set(err, PT_EUNSUPPORTED,
                     "%s:%s: compression method %u: not supported (stored and deflated only)",
                     z->path, e->name, e->method);
        return NULL;
    }
    if (e->method == 0 && e->csize != e->usize) {
        pt_error_set(err, PT_EFORMAT,
                     "%s:%s: stored member with compressed size %llu != size %llu (corrupt "
                     "directory)",
                     z->path, e->name, (unsigned long long)e->csize, (unsigned long long)e->usize);
        return NULL;
    }
    unsigned char lh[30];
    if (e->local_off + 30 > z->cd_off || read_at(z->fd, lh, sizeof lh, e->local_off) ||
        le32(lh) != ZIP_SIG_LOCAL) {
        pt_error_set(err, PT_EFORMAT,
                     "%s:%s: byte %llu: no local file header there (truncated or corrupt "
                     "archive)",
                     z->path, e->name, (unsigned long long)e->local_off);
        return NULL;
    }
    uint64_t data = e->local_off + 30 + le16(lh + 26) + le16(lh + 28);
    if (data + e->csize > z->cd_off) {
        pt_error_set(err, PT_EFORMAT,
                     "%s:%s: byte %llu: the member's %llu bytes run past the start of the "
                     "central directory (truncated or corrupt archive)",
                     z->path, e->name, (unsigned long long)data, (unsigned long long)e->csize);
        return NULL;
    }
    pt_zip_stream *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "zip archive: out of memory for its directory");
        return NULL;
    }
    s->z = z;
    s->e = e;
    s->pos = data;
    s->left = e->csize;
    s->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    if (e->method == 8) {
        if (inflateInit2(&s->zs, -MAX_WBITS) != Z_OK) {
            free(s);
            pt_error_set(err, PT_ENOMEM, "%s:%s: zlib: out of memory", z->path, e->name);
            return NULL;
        }
        s->inflating = 1;
    }
    return s;
}

void pt_zip_stream_close(pt_zip_stream *s)
{
    if (!s)
        return;
    if (s->inflating)
        inflateEnd(&s->zs);
    free(s);
}

static void crc_add(pt_zip_stream *s, const unsigned char *p, size_t n)
{
    while (n > 0) {
        uInt k = n > UINT_MAX ? UINT_MAX : (uInt)n;
        s->crc = (uint32_t)crc32(s->crc, p, k);
        p += k;
        n -= k;
    }
}

/* The member's end: its size and CRC-32 against the central directory. */
static int check_end(pt_zip_stream *s, pt_error *err)
{
    s->done = 1;
    if (s->out != s->e->usize)
        return pt_error_set(err, PT_EDATA,
                            "%s:%s: %llu bytes uncompressed, the directory says %llu (corrupt "
                            "member)",
                            s->z->path, s->e->name, (unsigned long long)s->out,
                            (unsigned long long)s->e->usize);
    if (s->crc != s->e->crc32)
        return pt_error_set(err, PT_EDATA,
                            "%s:%s: CRC-32 of the data is %08x, the directory says %08x "
                            "(corrupt member)",
                            s->z->path, s->e->name, (unsigned)s->crc, (unsigned)s->e->crc32);
    return PT_OK;
}

/* More compressed bytes into s->in; -1 with *err on a short file. */
static int refill(pt_zip_stream *s, pt_error *err)
{
    size_t k = s->left < ZIP_INBUF ? (size_t)s->left : ZIP_INBUF;
    if (read_at(s->z->fd, s->in, k, s->pos)) {
        pt_error_set(err, errno ? PT_EIO : PT_EFORMAT, "%s:%s: byte %llu: %s", s->z->path,
                     s->e->name, (unsigned long long)s->pos,
                     errno ? strerror(errno) : "the archive ends early (truncated)");
        return -1;
    }
    s->pos += k;
    s->left -= k;
    s->zs.next_in = s->in;
    s->zs.avail_in = (uInt)k;
    return 0;
}

ssize_t pt_zip_stream_read(pt_zip_stream *s, void *buf, size_t cap, pt_error *err)
{
    if (s->done || cap == 0)
        return 0;
    if (cap > (size_t)1 << 30)
        cap = (size_t)1 << 30;
    if (s->e->method == 0) {
        if (s->left == 0)
            return check_end(s, err) ? -1 : 0;
        size_t k = s->left < cap ? (size_t)s->left : cap;
        if (read_at(s->z->fd, buf, k, s->pos)) {
            pt_error_set(err, errno ? PT_EIO : PT_EFORMAT, "%s:%s: byte %llu: %s", s->z->path,
                         s->e->name, (unsigned long long)s->pos,
                         errno ? strerror(errno) : "the archive ends early (truncated)");
            return -1;
        }
        s->pos += k;
        s->left -= k;
        s->out += k;
        crc_add(s, buf, k);
        return (ssize_t)k;
    }
    s->zs.next_out = buf;
    s->zs.avail_out = (uInt)cap;
    int ended = 0;
    while (s->zs.avail_out == cap && !ended) {
        if (s->zs.avail_in == 0 && s->left > 0 && refill(s, err))
            return -1;
        int rc = inflate(&s->zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            ended = 1;
        } else if (rc == Z_MEM_ERROR) {
            pt_error_set(err, PT_ENOMEM, "%s:%s: zlib: out of memory", s->z->path, s->e->name);
            return -1;
        } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_STREAM_ERROR) {
            pt_error_set(err, PT_EDATA, "%s:%s: byte %llu: corrupt deflate data (%s)", s->z->path,
                         s->e->name, (unsigned long long)(s->pos - s->zs.avail_in),
                         s->zs.msg ? s->zs.msg : "zlib error");
            return -1;
        } else if (rc == Z_BUF_ERROR ||
                   (s->zs.avail_in == 0 && s->left == 0 && s->zs.avail_out == cap)) {
            if (s->zs.avail_in == 0 && s->left == 0) {
                pt_error_set(err, PT_EDATA,
                             "%s:%s: the deflate data ends before the member does (truncated "
                             "or corrupt)",
                             s->z->path, s->e->name);
                return -1;
            }
        }
    }
    size_t got = cap - s->zs.avail_out;
    s->out += got;
    crc_add(s, buf, got);
    if (s->out > s->e->usize) { /* more than announced: stop (a zip bomb, a lie) */
        pt_error_set(err, PT_EDATA,
                     "%s:%s: inflates to more than the %llu bytes the directory "
                     "says (corrupt member)",
                     s->z->path, s->e->name, (unsigned long long)s->e->usize);
        return -1;
    }
    if (ended && check_end(s, err))
        return -1;
    return (ssize_t)got;
}
