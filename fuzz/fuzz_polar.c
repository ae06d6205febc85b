/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_polar.c — libFuzzer target: the Polar Sensor Logger folder reader. The input is
 * split at 0xFF bytes into Polar_F_PPG.txt, _ACC.txt, _HR.txt and _PPI.txt of a folder
 * (missing parts: no file). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[4] = {"pol/Polar_F_PPG.txt", "pol/Polar_F_ACC.txt",
                                         "pol/Polar_F_HR.txt", "pol/Polar_F_PPI.txt"};
    const uint8_t *part[4];
    size_t len[4];
    size_t n = fz_split(data, size, part, len, 4);
    mkdir(fz_path("pol"), 0700);
    for (size_t i = 0; i < 4; i++) {
        if (i < n)
            fz_write(names[i], part[i], len[i]);
        else
            unlink(fz_path(names[i]));
    }
    pt_read_options o = pt_read_defaults();
    o.format = "polar";
    fz_read(fz_path("pol"), &o);
    return 0;
}
