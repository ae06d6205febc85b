/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_geneactiv.c — libFuzzer target: the GENEActiv .bin reader on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write("rec.bin", data, size);
    pt_read_options o = pt_read_defaults();
    o.format = "geneactiv";
    fz_read(fz_path("rec.bin"), &o);
    return 0;
}
