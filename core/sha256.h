/* SPDX-License-Identifier: GPL-2.0-or-later
 * sha256.h — SHA-256 (FIPS 180-4) of a file, for the summary's source_sha256. */
#ifndef PT_IO_SHA256_H
#define PT_IO_SHA256_H
#include <stddef.h>
#include <stdint.h>

#include "pulsetrain/error.h"

typedef struct pt_sha256 {
    uint32_t h[8];
    uint64_t nbytes;
    unsigned char buf[64];
    size_t nbuf;
    int ni; /* 1: this hasher uses the CPU's SHA extensions (chosen at init, never shared) */
} pt_sha256;

void pt_sha256_init(pt_sha256 *s);
/* As pt_sha256_init, but always the portable code (tests compare the two paths). */
void pt_sha256_init_portable(pt_sha256 *s);
void pt_sha256_update(pt_sha256 *s, const void *data, size_t n);
void pt_sha256_final(pt_sha256 *s, char hex[65]);
/* Hash a file (or, for a directory, nothing: hex = ""). */
int pt_sha256_file(const char *path, char hex[65], pt_error *err);
#endif
