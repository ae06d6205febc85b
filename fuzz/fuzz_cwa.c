/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_cwa.c — libFuzzer target: the Axivity CWA reader on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write("rec.cwa", data, size);
    pt_read_options o = pt_read_defaults();
    o.format = "cwa";
    o.allow_truncated = size & 1;
    fz_read(fz_path("rec.cwa"), &o);
    return 0;
}
