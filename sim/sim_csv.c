/* SPDX-License-Identifier: GPL-2.0-or-later
 * sim_csv.c — a simulated recording and its truth written as CSV:
 *
 *   REC.csv           t_s,ppg,acc_x_g,acc_y_g,acc_z_g (one row per PPG sample; the acc cells
 *                     are empty on rows without an accelerometer sample; a first line
 *                     "# start_time: ISO8601" when the start is known)
 *   REC.truth.csv     t_s,hr_bpm,class,cadence_spm (one row per second)
 *   REC.recovery.csv  t_end_exercise_s,hr_end_bpm,tau_s,hr_60_bpm,hr_120_bpm,hrr60_bpm,hrr120_bpm
 *
 * NaN marks a missing truth value. Each file is written under its temporary name
 * (core/atomic.h) and renamed into place once complete.
 * Numbers are formatted by hand (fixed point, trailing zeros trimmed): a day at 64 Hz is
 * about 5.5 million rows, and snprintf would dominate the run time. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "pulsetrain/simulate.h"
#include "pulsetrain/tz.h"

/* ---------------------------------------------------------------- buffered writer */

typedef struct out {
    FILE *f;
    const char *path;
    char tmp[1100];
    char buf[1 << 16];
    size_t n;
    int failed; /* errno of the first failed write */
} out;

static void out_flush(out *o)
{
    if (o->n && !o->failed && fwrite(o->buf, 1, o->n, o->f) != o->n)
        o->failed = errno ? errno : EIO;
    o->n = 0;
}

/* Room for one more row (rows are < 200 bytes). */
static inline char *out_reserve(out *o)
{
    if (o->n > sizeof o->buf - 256)
        out_flush(o);
    return o->buf + o->n;
}

static inline void out_commit(out *o, const char *end)
{
    o->n = (size_t)(end - o->buf);
}

/* NULL and *err when the temporary file cannot be created; free with out_close. */
static out *out_open(const char *path, pt_error *err)
{
    out *o = malloc(sizeof *o); /* 64 KiB: off the stack */
    if (!o) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the write buffer", path);
        return NULL;
    }
    o->path = path;
    o->n = 0;
    o->failed = 0;
    pt_tmp_name(path, o->tmp, sizeof o->tmp);
    o->f = fopen(o->tmp, "wb");
    if (!o->f) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        free(o);
        return NULL;
    }
    return o;
}

/* Flush, close, then rename into place when rc is PT_OK (else the temporary file is
 * removed); frees o. Returns rc or the write's error. */
static int out_close(out *o, int rc, pt_error *err)
{
    out_flush(o);
    if (o->failed && !rc)
        rc = pt_error_set(err, PT_EIO, "%s: %s", o->path, strerror(o->failed));
    rc = pt_tmp_fclose(o->f, rc, o->tmp, o->path, err);
    free(o);
    return rc;
}

/* ---------------------------------------------------------------- number formatting */

static const int64_t pow10_i[] = {1,      10,      100,      1000,      10000,
                                  100000, 1000000, 10000000, 100000000, 1000000000};

static inline char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k)
        *p++ = tmp[--k];
    return p;
}

/* Fixed point with dec decimals (0..9), trailing zeros and a bare '.' removed; q is the value
 * times 10^dec, already rounded. */
static inline char *put_scaled(char *p, int64_t q, int dec)
{
    if (q < 0) {
        *p++ = '-';
        q = -q;
    }
    int64_t sc = pow10_i[dec];
    p = put_u64(p, (uint64_t)(q / sc));
    int64_t fr = q % sc;
    if (fr) {
        while (fr % 10 == 0) {
            fr /= 10;
            dec--;
        }
        *p++ = '.';
        for (int k = dec - 1; k >= 0; k--) {
            p[k] = (char)('0' + fr % 10);
            fr /= 10;
        }
        p += dec;
    }
    return p;
}

/* A double in fixed point; NaN/inf give an empty cell. */
static inline char *put_fixed(char *p, double v, int dec)
{
    if (!isfinite(v))
        return p;
    double sv = v * (double)pow10_i[dec];
    if (fabs(sv) > 9.0e15) // beyond exact integers: let printf do it
        return p + sprintf(p, "%.6g", v);
    return put_scaled(p, (int64_t)llround(sv), dec);
}

/* A value of the truth files: "NaN" when missing (the README's convention; an empty cell
 * in the recording means "no sample on this row"). */
static inline char *put_value(char *p, double v, int dec)
{
    if (isnan(v)) {
        memcpy(p, "NaN", 3);
        return p + 3;
    }
    return put_fixed(p, v, dec);
}

static void put_line(out *o, const char *s)
{
    char *p = out_reserve(o);
    size_t n = strlen(s);
    memcpy(p, s, n);
    out_commit(o, p + n);
}

/* ---------------------------------------------------------------- writers */

int pt_sim_write_truth_csv(pt_sim *sim, const char *path, pt_error *err)
{
    out *o = out_open(path, err);
    if (!o)
        return err ? err->code : PT_EIO;
    pt_sim_second rows[1024];
    size_t n;
    int rc;
    put_line(o, "t_s,hr_bpm,class,cadence_spm\n");
    while (!(rc = pt_sim_truth_read(sim, 1024, rows, &n, err)) && n && !o->failed) {
        for (size_t i = 0; i < n; i++) {
            char *p = out_reserve(o);
            p = put_fixed(p, rows[i].t_s, 0);
            *p++ = ',';
            p = put_value(p, rows[i].hr_bpm, 3);
            *p++ = ',';
            *p++ = (char)('0' + rows[i].intensity);
            *p++ = ',';
            p = put_value(p, rows[i].cadence_spm, 2);
            *p++ = '\n';
            out_commit(o, p);
        }
    }
    return out_close(o, rc, err);
}

int pt_sim_write_recovery_csv(pt_sim *sim, const char *path, pt_error *err)
{
    out *o = out_open(path, err);
    if (!o)
        return err ? err->code : PT_EIO;
    pt_sim_recovery rows[64];
    size_t n;
    int rc;
    put_line(o, "t_end_exercise_s,hr_end_bpm,tau_s,hr_60_bpm,hr_120_bpm,hrr60_bpm,hrr120_bpm\n");
    while (!(rc = pt_sim_recovery_read(sim, 64, rows, &n, err)) && n && !o->failed) {
        for (size_t i = 0; i < n; i++) {
            const pt_sim_recovery *r = &rows[i];
            double v[7] = {r->t_end_exercise_s, r->hr_end_bpm, r->tau_s,     r->hr_60_bpm,
                           r->hr_120_bpm,       r->hrr60_bpm,  r->hrr120_bpm};
            char *p = out_reserve(o);
            for (int k = 0; k < 7; k++) {
                if (k)
                    *p++ = ',';
                p = put_value(p, v[k], k == 0 ? 0 : 3);
            }
            *p++ = '\n';
            out_commit(o, p);
        }
    }
    return out_close(o, rc, err);
}

#define BLOCK 4096

int pt_sim_write_csv(pt_sim *sim, const char *path, pt_sim_progress_fn progress, void *user,
                     pt_error *err)
{
    const pt_sim_config *c = pt_sim_config_of(sim);
    const int with_ppg = c->with_ppg, with_acc = c->with_acc;
    const int64_t fs = (int64_t)c->fs_ppg_hz;
    /* time decimals: the fewest that print i / fs exactly (6 for 64 Hz), else 6 rounded */
    int tdec = 6;
    for (int d = 0; d <= 9; d++)
        if (pow10_i[d] % fs == 0) {
            tdec = d;
            break;
        }
    const int exact = pow10_i[tdec] % fs == 0;
    const int64_t tmul = exact ? pow10_i[tdec] / fs : 0;
    const size_t decim = pt_sim_acc_decimation(sim);
    const int64_t nrows = pt_sim_nrows(sim);

    double *ppg = malloc(BLOCK * sizeof *ppg), *ax = malloc(BLOCK * sizeof *ax),
           *ay = malloc(BLOCK * sizeof *ay), *az = malloc(BLOCK * sizeof *az);
    if (!ppg || !ax || !ay || !az) {
        free(ppg), free(ax), free(ay), free(az);
        return pt_error_set(err, PT_ENOMEM, "%s: out of memory for the sample blocks", path);
    }
    out *o = out_open(path, err);
    if (!o) {
        free(ppg), free(ax), free(ay), free(az);
        return err ? err->code : PT_EIO;
    }
    char *p;
    if (isfinite(c->start_unix_s)) { /* the CSV reader takes it as the start */
        char iso[40];
        pt_time_format_iso8601(c->start_unix_s, iso);
        p = out_reserve(o);
        p += sprintf(p, "# start_time: %s\n", iso);
        out_commit(o, p);
    }
    static const char *const headers[] = {"", "t_s,acc_x_g,acc_y_g,acc_z_g\n", "t_s,ppg\n",
                                          "t_s,ppg,acc_x_g,acc_y_g,acc_z_g\n"};
    put_line(o, headers[(with_ppg ? 2 : 0) + (with_acc ? 1 : 0)]);

    int64_t i = 0;
    size_t n;
    int rc = PT_OK;
    while (!o->failed && !(rc = pt_sim_read(sim, BLOCK, NULL, ppg, ax, ay, az, &n, err)) && n) {
        for (size_t k = 0; k < n; k++, i++) {
            int acc_row = (uint64_t)i % decim == 0;
            if (!with_ppg && !acc_row)
                continue;
            p = out_reserve(o);
            p = exact ? put_scaled(p, i * tmul, tdec)
                      : put_fixed(p, (double)i / c->fs_ppg_hz, tdec);
            if (with_ppg) {
                *p++ = ',';
                p = put_fixed(p, ppg[k], 4);
            }
            if (with_acc) {
                *p++ = ',';
                if (acc_row) {
                    p = put_fixed(p, ax[k], 3);
                    *p++ = ',';
                    p = put_fixed(p, ay[k], 3);
                    *p++ = ',';
                    p = put_fixed(p, az[k], 3);
                } else {
                    *p++ = ',';
                    *p++ = ',';
                }
            }
            *p++ = '\n';
            out_commit(o, p);
        }
        if (progress)
            progress(i, nrows, user);
    }
    free(ppg), free(ax), free(ay), free(az);
    return out_close(o, rc, err);
}
