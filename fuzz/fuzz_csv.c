/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_csv.c — libFuzzer target: the generic CSV reader on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write("rec.csv", data, size);
    pt_read_options o = pt_read_defaults();
    o.format = "csv";
    o.fs_hz = 50;
    fz_read(fz_path("rec.csv"), &o);
    return 0;
}
