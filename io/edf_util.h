/* SPDX-License-Identifier: GPL-2.0-or-later
 * edf_util.h — helpers shared by the binary readers (EDF, WFDB, CWA, WAV, HDF5):
 * kinds from device signal labels, the --channels map, and a per-channel
 * "chunk" of decoded samples (one EDF record, one CWA block) drained into
 * pt_block so that channels of different rates stay aligned in time. */
#ifndef PT_IO_EDF_UTIL_H
#define PT_IO_EDF_UTIL_H

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/reader_impl.h"

#define PT_STD_GRAVITY 9.80665

/* Copy s[0..n) without surrounding blanks into out (NUL-terminated). */
static inline void pt_trim_copy(char *out, size_t outsz, const char *s, size_t n)
{
    while (n > 0 && (isspace((unsigned char)*s) || *s == '\0')) {
        s++;
        n--;
    }
    while (n > 0 && (isspace((unsigned char)s[n - 1]) || s[n - 1] == '\0'))
        n--;
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Factor to g for acceleration units ("m/s^2", "ms^-2", "g", "mg"), or 0. */
static inline double pt_acc_units_to_g(const char *units)
{
    char u[32];
    size_t k = 0;
    for (const char *p = units; *p && k + 1 < sizeof u; p++)
        if (!isspace((unsigned char)*p))
            u[k++] = (char)tolower((unsigned char)*p);
    u[k] = '\0';
    static const char *const ms2[] = {"m/s^2", "m/s2", "ms^-2", "ms-2",   "m/s/s",
                                      "ms2",   "mps2", "m.s-2", "m.s^-2", "m/s²"};
    for (size_t i = 0; i < sizeof ms2 / sizeof ms2[0]; i++)
        if (!strcmp(u, ms2[i]))
            return 1.0 / PT_STD_GRAVITY;
    if (!strcmp(u, "g"))
        return 1.0;
    if (!strcmp(u, "mg"))
        return 1e-3;
    return 0.0;
}

/* Kind, scale to canonical units and delivered units from a device signal
 * label and its units ("wrist_ppg"/"mV", "PLETH"/"NU", "MLII"/"mV",
 * "wrist_low_noise_"/"ms^-2"). *axis is 0/1/2 when the label names the axis,
 * -1 for an acceleration channel whose label does not (the caller numbers
 * repeated labels x, y, z in order). */
static inline void pt_kind_from_label(const char *label, const char *units, pt_kind *kind,
                                      double *scale, char out_units[16], int *axis)
{
    char l[80];
    size_t k = 0;
    for (const char *p = label; *p && k + 1 < sizeof l; p++)
        l[k++] = (char)tolower((unsigned char)*p);
    l[k] = '\0';
    *axis = -1;
    *scale = 1.0;
    snprintf(out_units, 16, "%s", units && *units ? units : "au");
    double to_g = units ? pt_acc_units_to_g(units) : 0.0;
    static const char *const leads[] = {
        "i",    "ii",   "iii",  "avr",  "avl",  "avf",    "v",       "v1",      "v2",
        "v3",   "v4",   "v5",   "v6",   "mlii", "mli",    "mliii",   "ml2",     "mcl1",
        "mcl2", "mcl3", "mcl4", "mcl5", "mcl6", "lead i", "lead ii", "lead iii"};
    if (strstr(l, "ppg") || strstr(l, "pleth") || strstr(l, "bvp")) {
        *kind = PT_KIND_PPG;
        return;
    }
    if (strstr(l, "ecg") || strstr(l, "ekg")) {
        *kind = PT_KIND_ECG;
        return;
    }
    for (size_t i = 0; i < sizeof leads / sizeof leads[0]; i++)
        if (!strcmp(l, leads[i])) {
            *kind = PT_KIND_ECG;
            return;
        }
    if (strstr(l, "acc") || to_g > 0) {
        size_t n = strlen(l);
        char last = n ? l[n - 1] : 0;
        if (n >= 2 && (last == 'x' || last == 'y' || last == 'z') &&
            !isalpha((unsigned char)l[n - 2]))
            *axis = last - 'x';
        else if (n == 1 && (last == 'x' || last == 'y' || last == 'z'))
            *axis = last - 'x';
        *kind = PT_KIND_ACC_X; /* the caller sets the axis */
        *scale = to_g > 0 ? to_g : 1.0;
        snprintf(out_units, 16, "%s", to_g > 0 ? "g" : (units && *units ? units : "au"));
        return;
    }
    if ((!strcmp(l, "hr") || strstr(l, "heart rate") || !strcmp(l, "pulse")) && units &&
        (!strcmp(units, "bpm") || !strcmp(units, "/min"))) {
        *kind = PT_KIND_HR;
        snprintf(out_units, 16, "bpm");
        return;
    }
    *kind = PT_KIND_AUX;
}

/* Give kinds to labelled channels: acc axes numbered for repeated labels,
 * and only the first channel of each acc axis keeps the ACC kind (a second
 * accelerometer, as the wrist EDFs' wide-range one, becomes auxiliary). */
static inline void pt_assign_acc_axes(pt_recording_info *info, const int *axis)
{
    int taken[3] = {0, 0, 0};
    for (size_t c = 0; c < info->nchan; c++) {
        if (info->chan[c].kind != PT_KIND_ACC_X)
            continue;
        int a = axis[c];
        if (a < 0) {
            size_t same = 0, total = 0;
            for (size_t d = 0; d < info->nchan; d++)
                if (!strcmp(info->chan[d].name, info->chan[c].name) && axis[d] < 0) {
                    if (d < c)
                        same++;
                    total++;
                }
            if (total == 3 || total == 1) /* one triple or a lone unnamed axis */
                a = total == 3 ? (int)(same % 3) : -1;
            else
                a = (int)(same % 3);
        }
        if (a < 0 || taken[a]) {
            info->chan[c].kind = PT_KIND_AUX;
            continue;
        }
        taken[a] = 1;
        info->chan[c].kind = (pt_kind)(PT_KIND_ACC_X + a);
    }
}

/* Apply a channel map "ppg,acc_x,-,acc_z" (one entry per channel, in the
 * file's order; "" or "-" keeps what the reader found; "aux" marks a channel
 * auxiliary). Returns PT_OK or PT_EINVAL naming the entry. The map sets
 * kinds only; values keep the reader's units. */
static inline int pt_channel_map_apply(const char *map, pt_recording_info *info, const char *path,
                                       pt_error *err)
{
    if (!map || !*map)
        return PT_OK;
    size_t c = 0;
    const char *p = map;
    for (;;) {
        const char *q = strchr(p, ',');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        char name[64];
        pt_trim_copy(name, sizeof name, p, n);
        if (c >= info->nchan)
            return pt_error_set(err, PT_EINVAL,
                                "%s: --channels names %zu or more channels, the file has %zu", path,
                                c + 1, info->nchan);
        if (name[0] && strcmp(name, "-") != 0) {
            pt_kind kind;
            double scale;
            char units[16];
            if (!strcasecmp(name, "aux")) {
                kind = PT_KIND_AUX;
            } else if (!pt_channel_from_name(name, "g", &kind, &scale, units)) {
                return pt_error_set(err, PT_EINVAL,
                                    "%s: --channels entry %zu '%s' is not a channel name (ppg, "
                                    "acc_x, acc_y, acc_z, ecg, hr, ibi, aux or -)",
                                    path, c + 1, name);
            }
            info->chan[c].kind = kind;
        }
        c++;
        if (!q)
            break;
        p = q + 1;
    }
    return PT_OK;
}

/* ---- decoded samples waiting for a block ---- */

typedef struct pt_chunk {
    size_t nchan;
    double *v[PT_MAX_CHANNELS];
    size_t len[PT_MAX_CHANNELS], pos[PT_MAX_CHANNELS];
    int64_t nan_pending[PT_MAX_CHANNELS]; /* gap samples to deliver before v */
    int64_t delivered[PT_MAX_CHANNELS];
} pt_chunk;

/* Allocate chunk buffers of cap[c] samples. Returns 0, or -1 out of memory. */
static inline int pt_chunk_init(pt_chunk *k, size_t nchan, const size_t *cap)
{
    memset(k, 0, sizeof *k);
    k->nchan = nchan;
    for (size_t c = 0; c < nchan; c++)
        if (!(k->v[c] = calloc(cap[c] ? cap[c] : 1, sizeof(double))))
            return -1;
    return 0;
}

static inline void pt_chunk_free(pt_chunk *k)
{
    for (size_t c = 0; c < PT_MAX_CHANNELS; c++) {
        free(k->v[c]);
        k->v[c] = NULL;
    }
}

static inline int pt_chunk_empty(const pt_chunk *k)
{
    for (size_t c = 0; c < k->nchan; c++)
        if (k->pos[c] < k->len[c] || k->nan_pending[c] > 0)
            return 0;
    return 1;
}

/* Move what fits into b. The whole chunk moves when every channel has room;
 * otherwise a block that already holds samples is handed out first (the
 * channels stay within one chunk of each other), and only an empty block
 * takes a partial chunk. Returns 1 when b is full, 0 when the chunk is used up. */
static inline int pt_chunk_drain(pt_chunk *k, pt_block *b)
{
    int fits = 1, any = 0;
    for (size_t c = 0; c < k->nchan; c++) {
        size_t rem = (size_t)k->nan_pending[c] + (k->len[c] - k->pos[c]);
        if (rem > b->cap - b->n[c])
            fits = 0;
        if (b->n[c])
            any = 1;
    }
    if (!fits && any)
        return 1;
    for (size_t c = 0; c < k->nchan; c++) {
        while (k->nan_pending[c] > 0 && b->n[c] < b->cap) {
            b->x[c][b->n[c]++] = (double)NAN;
            k->nan_pending[c]--;
        }
        size_t m = k->len[c] - k->pos[c];
        if (m > b->cap - b->n[c])
            m = b->cap - b->n[c];
        memcpy(b->x[c] + b->n[c], k->v[c] + k->pos[c], m * sizeof(double));
        b->n[c] += m;
        k->pos[c] += m;
    }
    return pt_chunk_empty(k) ? 0 : 1;
}

/* Start a block: first[c] = samples delivered so far. */
static inline void pt_chunk_begin(const pt_chunk *k, pt_block *b)
{
    for (size_t c = 0; c < k->nchan; c++)
        b->first[c] = k->delivered[c];
}

/* End a block: count what was delivered; returns the total in b. */
static inline size_t pt_chunk_end(pt_chunk *k, const pt_block *b)
{
    size_t tot = 0;
    for (size_t c = 0; c < k->nchan; c++) {
        k->delivered[c] += (int64_t)b->n[c];
        tot += b->n[c];
    }
    return tot;
}

/* Decode the next record (block) of a file into k; 0 = decoded, < 0 = no more
 * records, > 0 = an error code (in *err). */
typedef int (*pt_chunk_load_fn)(void *state, pt_recording_info *info, pt_error *err);

/* One pt_reader_read of a record-structured format (EDF, CWA): deliver what k
 * holds, decoding records with load until b is full or the file ends. Returns
 * PT_OK or load's error; *done = 1 when this block delivered nothing (the end). */
static inline int pt_chunk_read(pt_chunk *k, pt_block *b, pt_chunk_load_fn load, void *state,
                                pt_recording_info *info, int *done, pt_error *err)
{
    pt_chunk_begin(k, b);
    for (;;) {
        if (pt_chunk_empty(k)) {
            int r = load(state, info, err);
            if (r < 0)
                break;
            if (r)
                return r;
        }
        if (pt_chunk_drain(k, b))
            break;
    }
    *done = pt_chunk_end(k, b) == 0;
    return PT_OK;
}

/* When the reader reaches the end: durations and sample counts. */
static inline void pt_chunk_finish(const pt_chunk *k, pt_recording_info *info)
{
    double dur = 0;
    for (size_t c = 0; c < k->nchan; c++) {
        info->chan[c].n_samples = k->delivered[c];
        if (info->chan[c].fs_hz > 0) {
            double d = info->chan[c].t0_s + (double)k->delivered[c] / info->chan[c].fs_hz;
            if (d > dur)
                dur = d;
        }
    }
    info->duration_s = dur;
}

static inline void pt_note_add(pt_recording_info *info, const char *text)
{
    size_t u = strlen(info->note);
    if (u + 1 < sizeof info->note)
        snprintf(info->note + u, sizeof info->note - u, "%s%s", u ? "; " : "", text);
}

#endif
