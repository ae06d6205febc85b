/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_actilife.c — libFuzzer target: the ActiGraph ActiLife CSV reader, plain or gzip.
 * Byte 0 is a mode: bit 0 writes the rest gzip-compressed (rec.csv.gz, read through zlib),
 * bit 1 lets the probe choose the reader (auto) instead of --format actilife; the rest is
 * the file's text. */
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    data++;
    size--;
    const char *name = "rec.csv";
    if (mode & 1) {
        name = "rec.csv.gz";
        gzFile z = gzopen(fz_path(name), "wb1");
        if (!z)
            abort();
        if (size)
            gzwrite(z, data, (unsigned)size);
        gzclose(z);
    } else {
        fz_write(name, data, size);
    }
    pt_read_options o = pt_read_defaults();
    o.format = mode & 2 ? "auto" : "actilife";
    o.allow_truncated = (mode & 4) != 0;
    fz_read(fz_path(name), &o);
    return 0;
}
