/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_e4.c — libFuzzer target: the Empatica E4 folder reader. The input is
 * split at 0xFF bytes into ACC.csv, BVP.csv, HR.csv and IBI.csv. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[4] = {"e4/ACC.csv", "e4/BVP.csv", "e4/HR.csv", "e4/IBI.csv"};
    const uint8_t *part[4];
    size_t len[4] = {0, 0, 0, 0};
    size_t n = fz_split(data, size, part, len, 4);
    mkdir(fz_path("e4"), 0700);
    for (size_t i = 0; i < 4; i++) {
        if (i < n)
            fz_write(names[i], part[i], len[i]);
        else
            unlink(fz_path(names[i]));
    }
    pt_read_options o = pt_read_defaults();
    o.format = "e4";
    fz_read(fz_path("e4"), &o);
    return 0;
}
