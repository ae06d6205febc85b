/* SPDX-License-Identifier: GPL-2.0-or-later
 * zip.h — read members of a zip archive as byte streams (internal to io/).
 *
 * The central directory is parsed here (PKWARE APPNOTE 6.3.10, sections 4.3
 * and 4.4); members stored (method 0) or deflated (method 8) are streamed
 * through zlib's raw inflate, block by block, so a member of any size costs
 * one input buffer and zlib's 32 KiB window. Each member's CRC-32 and size
 * are checked against the central directory when its stream reaches the end.
 * Not supported (clear error naming the archive and the member): ZIP64,
 * encryption, other compression methods, multi-disk archives.
 *
 * Several streams of one archive may be open at once (they read with pread
 * at their own offsets). Threads: one thread per pt_zip and its streams. */
#ifndef PT_IO_ZIP_H
#define PT_IO_ZIP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pulsetrain/error.h"

typedef struct pt_zip_entry {
    char name[256];     /* the member's name in the archive ("ACC.csv", "dir/x.csv") */
    uint16_t flags;     /* general purpose bit flag (bit 0: encrypted)              */
    uint16_t method;    /* 0 stored, 8 deflated, others unsupported                 */
    uint32_t crc32;     /* CRC-32 of the uncompressed bytes                         */
    uint64_t csize;     /* compressed size [bytes]                                  */
    uint64_t usize;     /* uncompressed size [bytes]                                */
    uint64_t local_off; /* offset of the local file header [bytes]                  */
    int zip64;          /* a size or offset is in a ZIP64 extra field (unsupported) */
} pt_zip_entry;

typedef struct pt_zip pt_zip;
typedef struct pt_zip_stream pt_zip_stream;

/* Score how likely head (the first len bytes of a file) starts a zip archive:
 * 1 for a local file header or an empty archive's end record, else 0. */
int pt_zip_sniff(const unsigned char *head, size_t len);

/* Open path and read its central directory.
 * Returns NULL and fills *err ("path: reason") when the file is not a zip, is
 * truncated (no end-of-central-directory record, a directory past the end of
 * the file), is ZIP64 or spans several disks. Free with pt_zip_close. */
pt_zip *pt_zip_open(const char *path, pt_error *err);
void pt_zip_close(pt_zip *z); /* NULL is a harmless no-op */

const char *pt_zip_path(const pt_zip *z);
size_t pt_zip_count(const pt_zip *z);
const pt_zip_entry *pt_zip_entry_at(const pt_zip *z, size_t i); /* i < pt_zip_count */

/* Index of the member whose name, or last path component, equals name
 * (case-insensitive; the root member first, "__MACOSX/" entries skipped);
 * -1 when there is none. */
long pt_zip_find(const pt_zip *z, const char *name);

/* Start streaming member i: checks its local header, method, encryption and
 * sizes. Returns NULL and fills *err ("zip:member: reason"). */
pt_zip_stream *pt_zip_stream_open(pt_zip *z, size_t i, pt_error *err);

/* Read up to cap uncompressed bytes into buf. Returns the count (> 0), 0 at
 * the end of the member once its CRC-32 and size have been checked, or -1 with
 * *err filled (truncated archive, corrupt deflate data, CRC mismatch; PT_EIO,
 * PT_EFORMAT, PT_EDATA). */
ssize_t pt_zip_stream_read(pt_zip_stream *s, void *buf, size_t cap, pt_error *err);
void pt_zip_stream_close(pt_zip_stream *s); /* NULL is a harmless no-op */

#endif
