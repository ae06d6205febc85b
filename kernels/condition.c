/* SPDX-License-Identifier: GPL-2.0-or-later
 * condition.c — zero-phase band-pass of an endless signal in overlapping
 * chunks (see condition.h). Filtering: Butterworth SOS, forward-backward with
 * scipy's odd padding (Gustafsson-free sosfiltfilt, scipy 1.10 semantics). */
#include "kernels/condition.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pulsetrain/sos.h"

struct pt_condition {
    size_t n_chunk, n_margin, cap;
    double *raw;      /* buffered raw samples [size: cap]          */
    double *clean;    /* raw with NaN held [size: cap]             */
    double *filt;     /* filtered buffer [size: cap]               */
    size_t n;         /* samples in the buffer                     */
    size_t emit_from; /* first buffer index not yet emitted        */
    long long first;  /* absolute index of raw[0]                  */
    double hold;      /* last valid value (for NaN)                */
    int have_hold;
    pt_sos *sos;
};

void pt_condition_destroy(pt_condition *c)
{
    if (!c)
        return;
    free(c->raw);
    free(c->clean);
    free(c->filt);
    pt_sos_destroy(c->sos);
    free(c);
}

pt_condition *pt_condition_create(double fs_hz, double lo_hz, double hi_hz, int order,
                                  double chunk_s, double margin_s, pt_error *err)
{
    if (!(fs_hz > 0) || !(chunk_s > 0) || !(margin_s >= 0) || !(lo_hz > 0) || !(hi_hz > lo_hz) ||
        !(hi_hz < fs_hz / 2)) {
        pt_error_set(err, PT_EINVAL, "conditioning: bad band %g..%g Hz at %g Hz", lo_hz, hi_hz,
                     fs_hz);
        return NULL;
    }
    pt_condition *c = calloc(1, sizeof *c);
    if (!c) {
        pt_error_set(err, PT_ENOMEM, "band-pass conditioning: out of memory for its buffers");
        return NULL;
    }
    c->n_chunk = (size_t)ceil(chunk_s * fs_hz);
    c->n_margin = (size_t)ceil(margin_s * fs_hz);
    c->cap = c->n_chunk + 3 * c->n_margin + 1;
    double sos[6 * 20];
    size_t nsec = pt_butter_nsec(order, PT_BAND_BANDPASS);
    if (nsec > 20 || pt_butter_sos(order, PT_BAND_BANDPASS, lo_hz, hi_hz, fs_hz, sos, err))
        goto fail;
    c->sos = pt_sos_create(sos, nsec, c->cap, err);
    if (!c->sos)
        goto fail;
    c->raw = calloc(c->cap, sizeof(double));
    c->clean = calloc(c->cap, sizeof(double));
    c->filt = calloc(c->cap, sizeof(double));
    if (!c->raw || !c->clean || !c->filt) {
        pt_error_set(err, PT_ENOMEM, "band-pass conditioning: out of memory for its buffers");
        goto fail;
    }
    return c;
fail:
    pt_condition_destroy(c);
    return NULL;
}

size_t pt_condition_max_out(const pt_condition *c)
{
    return c->cap;
}

const double *pt_condition_buffer(const pt_condition *c, size_t *n, long long *first)
{
    *n = c->n;
    *first = c->first;
    return c->raw;
}

/* Filter the buffer and emit [emit_from, upto). */
static int run(pt_condition *c, size_t upto, double *y, double *raw, size_t *ny, pt_error *err)
{
    *ny = 0;
    if (upto <= c->emit_from)
        return PT_OK;
    if (c->n <= pt_sos_padlen(c->sos)) {
        /* Too short to filter (a recording of a few seconds): emit NaN. */
        for (size_t i = c->emit_from; i < upto; i++) {
            y[*ny] = NAN;
            if (raw)
                raw[*ny] = c->raw[i];
            (*ny)++;
        }
        c->emit_from = upto;
        return PT_OK;
    }
    int rc = pt_sos_filtfilt(c->sos, c->clean, c->filt, c->n, err);
    if (rc)
        return rc;
    for (size_t i = c->emit_from; i < upto; i++) {
        y[*ny] = c->filt[i];
        if (raw)
            raw[*ny] = c->raw[i];
        (*ny)++;
    }
    c->emit_from = upto;
    return PT_OK;
}

size_t pt_condition_max_in(const pt_condition *c)
{
    return c->n_chunk;
}

/* Emit all but the last margin; keep 2 margins (history for the next pass). */
static int flush_chunk(pt_condition *c, double *y, double *raw, size_t *ny, pt_error *err)
{
    int rc = run(c, c->n - c->n_margin, y, raw, ny, err);
    if (rc)
        return rc;
    size_t keep_from = c->n - 2 * c->n_margin;
    memmove(c->raw, c->raw + keep_from, (c->n - keep_from) * sizeof(double));
    memmove(c->clean, c->clean + keep_from, (c->n - keep_from) * sizeof(double));
    c->n -= keep_from;
    c->emit_from -= keep_from;
    c->first += (long long)keep_from;
    return PT_OK;
}

int pt_condition_push(pt_condition *c, const double *x, size_t n, double *y, double *raw,
                      size_t *ny, pt_error *err)
{
    *ny = 0;
    if (n > c->n_chunk)
        return pt_error_set(err, PT_EINVAL,
                            "conditioning: push of %zu samples exceeds the chunk of %zu", n,
                            c->n_chunk);
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (isnan(v)) {
            v = c->have_hold ? c->hold : 0.0;
        } else if (!c->have_hold) {
            /* samples missing before the first valid one take its value */
            for (size_t k = 0; k < c->n; k++)
                c->clean[k] = v;
            c->have_hold = 1;
            c->hold = v;
        } else {
            c->hold = v;
        }
        c->raw[c->n] = x[i];
        c->clean[c->n] = v;
        c->n++;
        /* at most once per push: after a flush n = 2 margins, and n <= chunk */
        if (c->n == c->n_chunk + 2 * c->n_margin) {
            int rc = flush_chunk(c, y, raw, ny, err);
            if (rc)
                return rc;
        }
    }
    return PT_OK;
}

int pt_condition_finish(pt_condition *c, double *y, double *raw, size_t *ny, pt_error *err)
{
    return run(c, c->n, y, raw, ny, err);
}
