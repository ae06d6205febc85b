/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_wfdb.c — libFuzzer target: the WFDB header parser and signal decoders.
 * The input is "<header text> 0xFF <r.dat bytes> 0xFF <r2.dat bytes>". */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[3];
    size_t len[3] = {0, 0, 0};
    size_t n = fz_split(data, size, part, len, 3);
    fz_write("r.hea", part[0], len[0]);
    fz_write("r.dat", n > 1 ? part[1] : data, n > 1 ? len[1] : 0);
    fz_write("r2.dat", n > 2 ? part[2] : data, n > 2 ? len[2] : 0);
    pt_read_options o = pt_read_defaults();
    o.format = "wfdb";
    o.allow_truncated = size & 1;
    fz_read(fz_path("r.hea"), &o);
    return 0;
}
