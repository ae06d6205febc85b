/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_edf.c — libFuzzer target: the EDF/EDF+/BDF reader on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write("rec.edf", data, size);
    pt_read_options o = pt_read_defaults();
    o.format = "edf";
    o.allow_truncated = size & 1;
    fz_read(fz_path("rec.edf"), &o);
    return 0;
}
