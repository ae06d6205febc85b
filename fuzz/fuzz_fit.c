/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_fit.c — libFuzzer target: the FIT reader on arbitrary bytes. Mutated files fail
 * their CRC at the end, so the message decoder before it is what gets exercised. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write("rec.fit", data, size);
    pt_read_options o = pt_read_defaults();
    o.format = "fit";
    fz_read(fz_path("rec.fit"), &o);
    return 0;
}
