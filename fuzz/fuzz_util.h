/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_util.h — shared by the libFuzzer targets: write the input to files in
 * a per-process folder (the readers take paths), read the whole recording
 * through small blocks, and check the invariants every reader promises. */
#ifndef PT_FUZZ_UTIL_H
#define PT_FUZZ_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pulsetrain/io.h"

/* An invariant every reader promises: checked in every build (FZ_CHECK() would vanish under
 * -DNDEBUG, and the regression replay runs in release builds too). */
#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: reader invariant broken: %s\n", __FILE__, __LINE__, #cond);    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static char fz_dir[256];

static const char *fz_path(const char *name)
{
    static char p[512];
    if (!fz_dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fz_dir, sizeof fz_dir, "%s/pt_fuzz_%ld", base, (long)getpid());
        mkdir(fz_dir, 0700);
    }
    snprintf(p, sizeof p, "%s/%s", fz_dir, name);
    return p;
}

static void fz_write(const char *name, const uint8_t *data, size_t n)
{
    FILE *f = fopen(fz_path(name), "wb");
    if (!f)
        abort();
    if (n)
        fwrite(data, 1, n, f);
    fclose(f);
}

/* Read everything; errors are fine, crashes and broken invariants are not. */
static void fz_read(const char *path, const pt_read_options *opt_in)
{
    /* Gaps become NaN samples up to max_gap_s (a day by default): a few bytes can
     * then ask for 10^8 samples, which is the readers' contract but makes an input
     * take a minute under ASan with 16-sample blocks. Fuzz with 10-minute gaps. */
    pt_read_options o = *opt_in;
    if (!(o.max_gap_s <= 600))
        o.max_gap_s = 600;
    const pt_read_options *opt = &o;
    pt_error err = {0};
    pt_reader *r = pt_reader_open(path, opt, &err);
    if (!r) {
        FZ_CHECK(err.code != 0 && err.msg[0]);
        return;
    }
    const pt_recording_info *info = pt_reader_info(r);
    FZ_CHECK(info->nchan <= PT_MAX_CHANNELS);
    pt_block *b = pt_block_create(info, 16, &err);
    int64_t seen[PT_MAX_CHANNELS] = {0};
    for (int guard = 0; b && guard < 1000000; guard++) {
        if (pt_reader_read(r, b, &err)) {
            FZ_CHECK(err.code != 0 && err.msg[0]);
            break;
        }
        size_t tot = 0;
        for (size_t c = 0; c < b->nchan; c++) {
            FZ_CHECK(b->n[c] <= b->cap);
            if (b->n[c])
                FZ_CHECK(b->first[c] == seen[c]);
            seen[c] += (int64_t)b->n[c];
            tot += b->n[c];
            for (size_t i = 0; i < b->n[c]; i++)
                FZ_CHECK(!isinf(b->x[c][i]));
        }
        if (!tot)
            break;
    }
    pt_block_destroy(b);
    pt_reader_close(r);
}

/* Split data at the first n-1 bytes equal to 0xFF into n parts. */
static size_t fz_split(const uint8_t *data, size_t size, const uint8_t **part, size_t *len,
                       size_t n)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i < size && k + 1 < n; i++)
        if (data[i] == 0xFF) {
            part[k] = data + start;
            len[k++] = i - start;
            start = i + 1;
        }
    part[k] = data + start;
    len[k++] = size - start;
    return k;
}

#endif
