/* SPDX-License-Identifier: GPL-2.0-or-later
 * memory.c — a recording made of arrays the caller holds (pt_memory_recording, io.h):
 * delivered block by block like any file, so that the pipeline runs on memory exactly
 * as on a file. Blocks are cut in time as the CSV reader cuts them (rows in time order,
 * a block ends before the first sample that would overflow a channel), so the same
 * samples as a CSV and as arrays reach the stages in the same blocks.
 * The samples are read in place (never copied whole, never written); acceleration and
 * IBI are scaled to the canonical units on their way into the block. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/reader_impl.h"

typedef struct mem_chan {
    const double *x, *t; /* the caller's arrays (t only for irregular channels) */
    size_t n;
    double fs_hz, t0_s;
    double scale; /* to the delivered units */
    size_t pos;   /* samples delivered so far */
} mem_chan;

typedef struct mem_state {
    size_t nchan;
    mem_chan chan[PT_MAX_CHANNELS];
} mem_state;

/* Time of sample i of a channel [s from the start]. */
static double sample_time(const mem_chan *c, size_t i)
{
    return c->fs_hz > 0 ? c->t0_s + (double)i / c->fs_hz : c->t[i];
}

static int mem_probe(const char *path, const unsigned char *head, size_t len)
{
    (void)path;
    (void)head;
    (void)len;
    return 0; /* never chosen for a file: only through pt_read_options.memory */
}

static void mem_close(void *p)
{
    free(p);
}

/* Units of a channel and the factor to the delivered (canonical) units; PT_EINVAL when
 * the units cannot be those of the kind. */
static int channel_units(const char *label, size_t c, const pt_memory_channel *m,
                         const char *acc_units, char units[16], double *scale, pt_error *err)
{
    const char *u = m->units && m->units[0] ? m->units : NULL;
    *scale = 1.0;
    switch (m->kind) {
    case PT_KIND_ACC_X:
    case PT_KIND_ACC_Y:
    case PT_KIND_ACC_Z:
        if (!u)
            u = acc_units && acc_units[0] ? acc_units : "g";
        if (!strcasecmp(u, "g"))
            *scale = 1.0;
        else if (!strcasecmp(u, "mg"))
            *scale = 1e-3;
        else if (!strcasecmp(u, "m/s^2") || !strcasecmp(u, "m/s2") || !strcasecmp(u, "ms2"))
            *scale = 1.0 / 9.80665;
        else
            return pt_error_set(err, PT_EINVAL,
                                "%s: channel %zu (%s): acceleration units '%s' (g, mg or m/s^2)",
                                label, c, pt_kind_name(m->kind), u);
        snprintf(units, 16, "g");
        return PT_OK;
    case PT_KIND_HR:
        if (u && strcasecmp(u, "bpm"))
            return pt_error_set(err, PT_EINVAL, "%s: channel %zu (hr): units '%s' (bpm)", label, c,
                                u);
        snprintf(units, 16, "bpm");
        return PT_OK;
    case PT_KIND_IBI:
        if (u && !strcasecmp(u, "s"))
            *scale = 1000.0;
        else if (u && strcasecmp(u, "ms"))
            return pt_error_set(err, PT_EINVAL, "%s: channel %zu (ibi): units '%s' (ms or s)",
                                label, c, u);
        snprintf(units, 16, "ms");
        return PT_OK;
    case PT_KIND_PPG:
    case PT_KIND_ECG:
    case PT_KIND_AUX:
        if (u && strlen(u) >= 16)
            return pt_error_set(err, PT_EINVAL,
                                "%s: channel %zu (%s): units '%s' longer than 15 characters", label,
                                c, pt_kind_name(m->kind), u);
        snprintf(units, 16, "%s", u ? u : "au");
        return PT_OK;
    }
    return pt_error_set(err, PT_EINVAL, "%s: channel %zu: kind %d is not a pt_kind", label, c,
                        (int)m->kind);
}

static void *mem_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                      pt_error *err)
{
    const pt_memory_recording *m = opt->memory;
    if (!m) {
        pt_error_set(err, PT_EINVAL, "%s: no arrays given (pt_read_options.memory)", path);
        return NULL;
    }
    if (m->nchan == 0 || m->nchan > PT_MAX_CHANNELS || !m->chan) {
        pt_error_set(err, PT_EINVAL, "%s: %zu channels given; 1..%d are read", path, m->nchan,
                     PT_MAX_CHANNELS);
        return NULL;
    }
    if (!isnan(m->start_unix_s) && !isfinite(m->start_unix_s)) {
        pt_error_set(err, PT_EINVAL, "%s: start time %g is not a time", path, m->start_unix_s);
        return NULL;
    }
    mem_state *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    double end_s = -HUGE_VAL, fs_max = 0;
    for (size_t c = 0; c < m->nchan; c++) {
        const pt_memory_channel *mc = &m->chan[c];
        mem_chan *sc = &s->chan[c];
        pt_channel_info *ch = &info->chan[c];
        const char *kname = pt_kind_name(mc->kind);
        if (!mc->x || mc->n == 0) {
            pt_error_set(err, PT_EINVAL, "%s: channel %zu (%s) has no samples", path, c, kname);
            goto fail;
        }
        if (!(mc->fs_hz >= 0) || !isfinite(mc->fs_hz)) {
            pt_error_set(err, PT_EINVAL,
                         "%s: channel %zu (%s): sample rate %g Hz (> 0, or 0 with times)", path, c,
                         kname, mc->fs_hz);
            goto fail;
        }
        if (mc->fs_hz > 0 && mc->t) {
            pt_error_set(err, PT_EINVAL,
                         "%s: channel %zu (%s): both a sample rate and sample times; give one",
                         path, c, kname);
            goto fail;
        }
        if (mc->fs_hz == 0 && !mc->t) {
            pt_error_set(err, PT_EINVAL,
                         "%s: channel %zu (%s): no sample rate and no sample times; give one", path,
                         c, kname);
            goto fail;
        }
        if (mc->fs_hz > 0 && !isfinite(mc->t0_s)) {
            pt_error_set(err, PT_EINVAL, "%s: channel %zu (%s): first sample time %g s", path, c,
                         kname, mc->t0_s);
            goto fail;
        }
        if (mc->t) {
            for (size_t i = 0; i < mc->n; i++) {
                if (!isfinite(mc->t[i])) {
                    pt_error_set(err, PT_EDATA, "%s: channel %zu (%s): time of sample %zu is %g",
                                 path, c, kname, i, mc->t[i]);
                    goto fail;
                }
                if (i > 0 && mc->t[i] < mc->t[i - 1]) {
                    pt_error_set(err, PT_EDATA,
                                 "%s: channel %zu (%s): time goes backwards at sample %zu "
                                 "(%.6f s after %.6f s)",
                                 path, c, kname, i, mc->t[i], mc->t[i - 1]);
                    goto fail;
                }
            }
        }
        if (mc->name && strlen(mc->name) >= sizeof ch->name) {
            pt_error_set(err, PT_EINVAL, "%s: channel %zu: name longer than %zu characters", path,
                         c, sizeof ch->name - 1);
            goto fail;
        }
        double scale;
        if (channel_units(path, c, mc, opt->acc_units, ch->units, &scale, err))
            goto fail;
        snprintf(ch->name, sizeof ch->name, "%s", mc->name && mc->name[0] ? mc->name : kname);
        ch->kind = mc->kind;
        ch->fs_hz = mc->fs_hz;
        ch->n_samples = (int64_t)mc->n;
        *sc = (mem_chan){.x = mc->x,
                         .t = mc->fs_hz > 0 ? NULL : mc->t,
                         .n = mc->n,
                         .fs_hz = mc->fs_hz,
                         .t0_s = mc->fs_hz > 0 ? mc->t0_s : 0.0,
                         .scale = scale};
        ch->t0_s = sample_time(sc, 0);
        double last = sample_time(sc, mc->n - 1);
        if (last > end_s)
            end_s = last;
        if (mc->fs_hz > fs_max)
            fs_max = mc->fs_hz;
    }
    info->nchan = m->nchan;
    s->nchan = m->nchan;
    /* as a CSV's: the last row's time plus one period of the fastest channel */
    info->duration_s = end_s + (fs_max > 0 ? 1.0 / fs_max : 0.0);
    if (isfinite(m->start_unix_s)) {
        info->start_unix_s = m->start_unix_s;
        pt_format_iso8601(m->start_unix_s, info->start_time_utc);
    }
    return s;
fail:
    free(s);
    return NULL;
}

/* Samples of a channel before `end` (or at it, with at_end), at most cap. */
static size_t deliverable(const mem_chan *mc, size_t cap, double end, int at_end)
{
    /* times never decrease: bisect for the first sample at or after end (after, at_end) */
    size_t lo = 0, hi = mc->n - mc->pos < cap ? mc->n - mc->pos : cap;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double t = sample_time(mc, mc->pos + mid);
        if (t < end || (at_end && t == end))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int mem_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    mem_state *s = p;
    (void)info;
    (void)err;
    /* The block ends before the earliest time at which some channel would overflow it. */
    double end = HUGE_VAL;
    for (size_t c = 0; c < s->nchan; c++) {
        const mem_chan *mc = &s->chan[c];
        if (mc->n - mc->pos > b->cap) {
            double t = sample_time(mc, mc->pos + b->cap);
            if (t < end)
                end = t;
        }
    }
    size_t total = 0, left = 0;
    for (size_t c = 0; c < s->nchan; c++) {
        total += deliverable(&s->chan[c], b->cap, end, 0);
        left += s->chan[c].n - s->chan[c].pos;
    }
    /* more than a block of samples at one time (irregular channels): take them all */
    int at_end = total == 0 && left > 0;
    for (size_t c = 0; c < s->nchan; c++) {
        mem_chan *mc = &s->chan[c];
        size_t k = deliverable(mc, b->cap, end, at_end);
        b->first[c] = (int64_t)mc->pos;
        const double *x = mc->x + mc->pos;
        if (mc->scale == 1.0)
            memcpy(b->x[c], x, k * sizeof *x);
        else
            for (size_t i = 0; i < k; i++)
                b->x[c][i] = x[i] * mc->scale;
        if (mc->t)
            memcpy(b->t[c], mc->t + mc->pos, k * sizeof *mc->t);
        b->n[c] = k;
        mc->pos += k;
    }
    return PT_OK;
}

const pt_reader_ops pt_reader_memory = {
    .name = "memory",
    .probe = mem_probe,
    .open = mem_open,
    .read = mem_read,
    .close = mem_close,
};
