/* SPDX-License-Identifier: GPL-2.0-or-later
 * io_test_util.h — helpers for the reader tests: temporary files, reading a
 * whole recording through blocks, checking a failure's code and message. */
#ifndef PT_IO_TEST_UTIL_H
#define PT_IO_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_test.h"
#include "pulsetrain/io.h"

static char io_tmpdir[256];

static inline const char *io_tmp_path(const char *name)
{
    static char path[4][1024];
    static int k;
    if (!io_tmpdir[0]) {
        snprintf(io_tmpdir, sizeof io_tmpdir, "/tmp/pt_test_io_XXXXXX");
        if (!mkdtemp(io_tmpdir))
            abort();
    }
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%.255s/%.700s", io_tmpdir, name);
    return path[k];
}

static inline const char *io_write_bytes(const char *name, const void *data, size_t n)
{
    const char *path = io_tmp_path(name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (n && fwrite(data, 1, n, f) != n)
        abort();
    fclose(f);
    return path;
}

/* The whole of one recording: every channel's samples (up to cap each). */
typedef struct io_all {
    size_t nchan;
    size_t n[PT_MAX_CHANNELS];
    double *x[PT_MAX_CHANNELS];
    pt_recording_info info;
    int first_ok; /* block first[] indices were consecutive */
} io_all;

static inline void io_all_free(io_all *a)
{
    for (size_t c = 0; c < PT_MAX_CHANNELS; c++)
        free(a->x[c]);
    memset(a, 0, sizeof *a);
}

/* Read path (opt may be NULL) through blocks of blk samples; returns the status. */
static inline int io_read_all(const char *path, const pt_read_options *opt, size_t blk, size_t cap,
                              io_all *a, pt_error *err)
{
    memset(a, 0, sizeof *a);
    a->first_ok = 1;
    pt_reader *r = pt_reader_open(path, opt, err);
    if (!r)
        return err->code;
    const pt_recording_info *info = pt_reader_info(r);
    a->nchan = info->nchan;
    for (size_t c = 0; c < a->nchan; c++)
        a->x[c] = calloc(cap, sizeof(double));
    pt_block *b = pt_block_create(info, blk, err);
    int rc = b ? PT_OK : err->code;
    size_t seen[PT_MAX_CHANNELS] = {0};
    while (b) {
        if ((rc = pt_reader_read(r, b, err)))
            break;
        size_t tot = 0;
        for (size_t c = 0; c < b->nchan; c++) {
            tot += b->n[c];
            if (b->n[c] && b->first[c] != (int64_t)seen[c])
                a->first_ok = 0;
            seen[c] += b->n[c];
            for (size_t i = 0; i < b->n[c]; i++)
                if (a->n[c] < cap)
                    a->x[c][a->n[c]++] = b->x[c][i];
        }
        if (!tot)
            break;
    }
    a->info = *info;
    pt_block_destroy(b);
    pt_reader_close(r);
    return rc;
}

/* Expect reading path to fail with code, the message naming the file and where. */
#define IO_EXPECT_FAIL(path, opt, code, where)                                                     \
    do {                                                                                           \
        pt_error fe_ = {0};                                                                        \
        io_all fa_;                                                                                \
        int rc_ = io_read_all((path), (opt), 64, 1 << 20, &fa_, &fe_);                             \
        PT_CHECK_INT((code), rc_);                                                                 \
        PT_CHECK_STR_CONTAINS(fe_.msg, (path));                                                    \
        if (where)                                                                                 \
            PT_CHECK_STR_CONTAINS(fe_.msg, (const char *)(where));                                 \
        io_all_free(&fa_);                                                                         \
    } while (0)

/* $PT_SHARED_DIR/data/formats/<rel>, or skip the test executable. */
static inline const char *io_format_file(const char *rel)
{
    static char path[4][1024];
    static int k;
    const char *d = pt_test_shared_dir();
    if (!d)
        PT_SKIP("PT_SHARED_DIR not set: no real files for %s", rel);
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/data/%s", d, rel);
    if (access(path[k], R_OK) != 0)
        PT_SKIP("%s is missing", path[k]);
    return path[k];
}

#endif
