/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_fuzz_regress_devices.c — replays the inputs that once failed a device-format fuzz
 * target (fuzz/regress/{gt3x,geneactiv,fit,polar,actilife}) and their seed corpora (fuzz/corpus/...)
 * through the same harnesses, so that a fixed failure stays fixed. (A file of their own: their
 * harnesses' helpers share names with test_fuzz_regress.c's.) */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_test.h"

#define LLVMFuzzerTestOneInput fz_one_gt3x
#include "fuzz/fuzz_gt3x.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_one_geneactiv
#include "fuzz/fuzz_geneactiv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_one_fit
#include "fuzz/fuzz_fit.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_one_polar
#include "fuzz/fuzz_polar.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_one_actilife
#include "fuzz/fuzz_actilife.c"
#undef LLVMFuzzerTestOneInput

typedef int (*fz_fn)(const uint8_t *, size_t);

/* Run every file of <source>/fuzz/<sub>/<name>; returns the count. */
static int replay(const char *sub, const char *name, fz_fn fn)
{
    const char *src = getenv("PT_SOURCE_DIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/fuzz/%s/%s", src ? src : ".", sub, name);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        FILE *f = fopen(p, "rb");
        if (!f)
            continue;
        static uint8_t buf[1 << 20];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        fn(buf, len); /* a crash or a failed invariant aborts the test */
        n++;
    }
    closedir(d);
    return n;
}

PT_TEST(replay_regressions_and_corpora)
{
    static const struct {
        const char *name;
        fz_fn fn;
    } t[] = {{"gt3x", fz_one_gt3x},
             {"geneactiv", fz_one_geneactiv},
             {"fit", fz_one_fit},
             {"polar", fz_one_polar},
             {"actilife", fz_one_actilife}};
    int total = 0;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int r = replay("regress", t[i].name, t[i].fn);
        int c = replay("corpus", t[i].name, t[i].fn);
        fprintf(stderr, "  %s: %d regression inputs, %d corpus inputs\n", t[i].name, r, c);
        total += r + c;
    }
    if (!getenv("PT_SOURCE_DIR"))
        PT_SKIP("PT_SOURCE_DIR not set");
    PT_CHECK(total > 0);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
