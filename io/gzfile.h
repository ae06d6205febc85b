/* SPDX-License-Identifier: GPL-2.0-or-later
 * gzfile.h — gzip-compressed text inputs (.csv.gz) read through zlib without unpacking
 * to disk: a stdio FILE over gzread, so that the line readers need no change. */
#ifndef PT_IO_GZFILE_H
#define PT_IO_GZFILE_H

#include <stddef.h>
#include <stdio.h>

/* 1 when the bytes start with the gzip magic (1f 8b, RFC 1952). */
int pt_gz_magic(const unsigned char *head, size_t len);

/* Open path for reading: a plain FILE for an ordinary file, or a read-only FILE whose
 * bytes are the decompressed content of a gzip file (fseek/ftell work, a backward seek
 * decompresses again from the start). NULL with errno set on failure. */
FILE *pt_gz_fopen(const char *path);

/* The first cap bytes of the decompressed content of the gzip file path into out;
 * returns how many (0 when the file cannot be read or is empty). */
size_t pt_gz_head(const char *path, unsigned char *out, size_t cap);

#endif
