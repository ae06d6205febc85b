/* SPDX-License-Identifier: GPL-2.0-or-later
 * runner.c — one recording through every stage, block by block. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/stage_impl.h"

/* The stages in data-flow order; later ones read the tables of earlier ones
 * at finish. */
static const pt_stage_ops *const stages[] = {
    &pt_stage_motion,
    &pt_stage_heart,
    &pt_stage_classify,
    &pt_stage_recovery,
    &pt_stage_daily, /* last: reads /epochs, /bouts, /recovery */
};
#define NSTAGES (sizeof stages / sizeof stages[0])

#define BLOCK_SAMPLES 65536

static int input_error(pt_error *err)
{
    if (!err)
        return PT_EDATA;
    if (err->code == PT_EIO || err->code == PT_OK)
        err->code = PT_EDATA;
    return err->code;
}

int pt_process_file(const char *in, const pt_read_options *ropt, const pt_params *p,
                    const char *out_h5, pt_summary **out, pt_error *err)
{
    pt_params defaults = pt_params_defaults();
    if (!p)
        p = &defaults;
    if (out)
        *out = NULL;
    int rc = pt_params_check(p, err);
    if (rc)
        return rc;
    pt_reader *r = pt_reader_open(in, ropt, err);
    if (!r) /* PT_EIO is kept for the output side: an unreadable input is bad input */
        return input_error(err);
    const pt_recording_info *info = pt_reader_info(r);
    pt_summary *s = pt_summary_create(err);
    pt_block *b = s ? pt_block_create(info, BLOCK_SAMPLES, err) : NULL;
    void *st[NSTAGES] = {0};
    if (!b) {
        rc = err ? err->code : PT_ENOMEM;
        goto done;
    }
    pt_summary_set_recording(s, info);
    for (size_t i = 0; i < NSTAGES; i++) {
        st[i] = stages[i]->create(p, info, s, err);
        if (!st[i]) {
            rc = err ? err->code : PT_EINTERNAL;
            pt_error_prefix(err, "%s stage: ", stages[i]->name);
            goto done;
        }
    }
    for (;;) {
        if ((rc = pt_reader_read(r, b, err))) {
            rc = input_error(err);
            goto done;
        }
        size_t total = 0;
        for (size_t c = 0; c < b->nchan; c++)
            total += b->n[c];
        if (total == 0)
            break;
        for (size_t i = 0; i < NSTAGES; i++)
            if ((rc = stages[i]->push(st[i], b, s, err)))
                goto done;
    }
    pt_summary_set_recording(s, info); /* now with duration and sample counts */
    for (size_t i = 0; i < NSTAGES; i++)
        if ((rc = stages[i]->finish(st[i], s, err)))
            goto done;
    if (out_h5 && (rc = pt_summary_write_h5(s, p, out_h5, err)))
        goto done;
done:
    for (size_t i = 0; i < NSTAGES; i++)
        if (st[i])
            stages[i]->destroy(st[i]);
    pt_block_destroy(b);
    pt_reader_close(r);
    if (rc == PT_OK && out)
        *out = s;
    else
        pt_summary_destroy(s);
    return rc;
}
