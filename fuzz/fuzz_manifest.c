/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_manifest.c — libFuzzer target: the batch manifest parser on arbitrary bytes, through
 * pt_batch_create (the manifest is read and every recording named in OUTDIR; nothing is
 * run). Seeds: manifests as the CLI tests and the README write them (fuzz/corpus/manifest). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"
#include "pulsetrain/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write("manifest.csv", data, size);
    char out[512];
    snprintf(out, sizeof out, "%s", fz_path("out"));
    pt_error err = {0};
    pt_batch *b = pt_batch_create(fz_path("manifest.csv"), out, NULL, NULL, &err);
    if (!b) {
        FZ_CHECK(err.code != 0 && err.msg[0]);
        return 0;
    }
    size_t n = pt_batch_count(b);
    FZ_CHECK(n > 0);
    for (size_t i = 0; i < n; i++) {
        const pt_batch_result *r = pt_batch_result_at(b, i);
        FZ_CHECK(r && r->path[0] && r->name[0] && r->state == PT_BATCH_PENDING);
        FZ_CHECK(memchr(r->name, '\0', sizeof r->name) && !strchr(r->name, '/'));
        for (size_t j = 0; j < i; j++) /* every summary gets a name of its own */
            FZ_CHECK(strcmp(r->name, pt_batch_result_at(b, j)->name) != 0);
    }
    pt_batch_destroy(b);
    return 0;
}
