/* SPDX-License-Identifier: GPL-2.0-or-later
 * simwrite.c — a simulated recording written as FLAC (libsndfile) or as a
 * PhysioNet WFDB record, so that those readers are tested round trip.
 *
 * FLAC: one rate per file, so the channels are PPG, acc x, y, z at the PPG
 * rate (each accelerometer sample held until the next), 24-bit, with
 * OMConvert-style metadata in the Vorbis comment ("Channel-N: PPG",
 * "Scale-N: 32"; physical = sample / 2^23 * scale) that io/audio.c reads, so
 * no --channels map is needed. Steps: 3.8e-6 au (PPG), 9.5e-7 g (acc).
 * WFDB: a multi-frequency record (Moody, WFDB Applications Guide): frames at
 * the accelerometer rate, the PPG with fs_ppg/fs_acc samples per frame,
 * format 16, gains 1000/au and 1000/g (acc is quantised to 1 mg by the
 * simulator, so acc round-trips exactly), checksums in the header.
 * Both are written under temporary names and renamed into place. */
#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/lock.h"
#include "pulsetrain/simulate.h"
#include "pulsetrain/tz.h"

#define BLOCK 8192

typedef struct sim_bufs {
    double *ppg, *ax, *ay, *az;
} sim_bufs;

static int bufs_alloc(sim_bufs *b, pt_error *err)
{
    b->ppg = malloc(BLOCK * sizeof(double));
    b->ax = malloc(BLOCK * sizeof(double));
    b->ay = malloc(BLOCK * sizeof(double));
    b->az = malloc(BLOCK * sizeof(double));
    if (b->ppg && b->ax && b->ay && b->az)
        return PT_OK;
    return pt_error_set(err, PT_ENOMEM, "simulate: out of memory for the sample blocks");
}

static void bufs_free(sim_bufs *b)
{
    free(b->ppg);
    free(b->ax);
    free(b->ay);
    free(b->az);
}

static double finite_or(double v, double dflt)
{
    return isfinite(v) ? v : dflt;
}

int pt_sim_write_flac(pt_sim *sim, const char *path, pt_error *err)
{
    const pt_sim_config *c = pt_sim_config_of(sim);
    char tmp[1100];
    pt_tmp_name(path, tmp, sizeof tmp);
    SF_INFO si = {.samplerate = (int)c->fs_ppg_hz,
                  .channels = 4,
                  .format = SF_FORMAT_FLAC | SF_FORMAT_PCM_24};
    pt_io_lock();
    SNDFILE *f = sf_open(tmp, SFM_WRITE, &si);
    const char *why = f ? NULL : sf_strerror(NULL);
    pt_io_unlock();
    if (!f)
        return pt_error_set(err, PT_EIO, "%s: cannot create FLAC: %s", path, why);
    sf_command(f, SFC_SET_CLIPPING, NULL, SF_TRUE); /* out of range clips, never wraps */
    char cmt[320], iso[40] = "";
    if (isfinite(c->start_unix_s))
        pt_time_format_iso8601(c->start_unix_s, iso);
    snprintf(cmt, sizeof cmt,
             "%s%s%sChannel-1: PPG\nScale-1: 32\nChannel-2: Accel-X\nScale-2: 8\n"
             "Channel-3: Accel-Y\nScale-3: 8\nChannel-4: Accel-Z\nScale-4: 8\n",
             iso[0] ? "Time: " : "", iso, iso[0] ? "\n" : "");
    sf_set_string(f, SF_STR_COMMENT, cmt);
    sf_set_string(f, SF_STR_SOFTWARE, "pulsetrain simulate");
    sim_bufs b;
    double *fr = malloc(4 * BLOCK * sizeof *fr), hold[3] = {0, 0, 1};
    int rc = bufs_alloc(&b, err);
    if (!rc && !fr)
        rc = pt_error_set(err, PT_ENOMEM, "%s: out of memory for the FLAC frames", path);
    size_t n;
    while (!rc && !(rc = pt_sim_read(sim, BLOCK, NULL, b.ppg, b.ax, b.ay, b.az, &n, err)) && n) {
        for (size_t i = 0; i < n; i++) {
            if (!isnan(b.ax[i])) { /* an accelerometer row: hold it until the next */
                hold[0] = b.ax[i];
                hold[1] = b.ay[i];
                hold[2] = b.az[i];
            }
            fr[4 * i] = finite_or(b.ppg[i], 0) / 32.0;
            for (int k = 0; k < 3; k++)
                fr[4 * i + 1 + (size_t)k] = hold[k] / 8.0;
        }
        if (sf_writef_double(f, fr, (sf_count_t)n) != (sf_count_t)n)
            rc = pt_error_set(err, PT_EIO, "%s: %s", tmp, sf_strerror(f));
    }
    if (sf_close(f) != 0 && !rc)
        rc = pt_error_set(err, PT_EIO, "%s: cannot finish the FLAC stream", tmp);
    free(fr);
    bufs_free(&b);
    return pt_tmp_commit(rc, tmp, path, err);
}

static int16_t q16(double v, double gain)
{
    double x = round(finite_or(v, 0) * gain);
    return (int16_t)(x > 32767 ? 32767 : x < -32767 ? -32767 : x); /* -32768 = WFDB's invalid */
}

int pt_sim_write_wfdb(pt_sim *sim, const char *hea_path, pt_error *err)
{
    const pt_sim_config *c = pt_sim_config_of(sim);
    size_t len = strlen(hea_path);
    if (len < 5 || strcmp(hea_path + len - 4, ".hea") != 0)
        return pt_error_set(err, PT_EINVAL, "%s: a WFDB record is written as NAME.hea (+ NAME.dat)",
                            hea_path);
    const char *slash = strrchr(hea_path, '/');
    const char *base = slash ? slash + 1 : hea_path;
    char rec[256], dat[1100], tmp_dat[1100], tmp_hea[1100];
    snprintf(rec, sizeof rec, "%.*s", (int)(strlen(base) - 4), base);
    snprintf(dat, sizeof dat, "%.*s.dat", (int)(len - 4), hea_path);
    pt_tmp_name(dat, tmp_dat, sizeof tmp_dat);
    pt_tmp_name(hea_path, tmp_hea, sizeof tmp_hea);
    size_t spf = pt_sim_acc_decimation(sim); /* PPG samples per frame */
    if (spf > 16)
        return pt_error_set(err, PT_EINVAL,
                            "%s: %zu PPG samples per accelerometer sample is "
                            "more than this writer's frames take (16)",
                            hea_path, spf);
    FILE *fd = fopen(tmp_dat, "wb");
    if (!fd)
        return pt_error_set(err, PT_EIO, "%s: cannot create: %s", dat, strerror(errno));
    sim_bufs b;
    int rc = bufs_alloc(&b, err);
    uint16_t ck[4] = {0, 0, 0, 0};
    int16_t first[4] = {0, 0, 0, 0};
    unsigned char frame[2 * (16 + 3)];
    size_t in_frame = 0, nframes = 0, n, fl = 0;
    int64_t row = 0;
    while (!rc && !(rc = pt_sim_read(sim, BLOCK, NULL, b.ppg, b.ax, b.ay, b.az, &n, err)) && n) {
        for (size_t i = 0; i < n; i++, row++) {
            int16_t v = q16(b.ppg[i], 1000.0);
            if (row == 0)
                first[0] = v;
            ck[0] = (uint16_t)(ck[0] + (uint16_t)v);
            frame[fl++] = (unsigned char)((uint16_t)v & 0xff);
            frame[fl++] = (unsigned char)((uint16_t)v >> 8);
            if (in_frame == 0) { /* the frame's accelerometer sample sits on its first row */
                double a[3] = {b.ax[i], b.ay[i], b.az[i]};
                for (int k = 0; k < 3; k++) {
                    int16_t q = q16(a[k], 1000.0);
                    if (row == 0)
                        first[1 + k] = q;
                    ck[1 + k] = (uint16_t)(ck[1 + k] + (uint16_t)q);
                    /* acc samples follow the PPG group: store after the frame's PPG */
                    frame[2 * spf + 2 * (size_t)k] = (unsigned char)((uint16_t)q & 0xff);
                    frame[2 * spf + 2 * (size_t)k + 1] = (unsigned char)((uint16_t)q >> 8);
                }
            }
            if (++in_frame == spf) {
                if (fwrite(frame, 1, 2 * (spf + 3), fd) != 2 * (spf + 3))
                    rc = pt_error_set(err, PT_EIO, "%s: write failed", tmp_dat);
                in_frame = fl = 0;
                nframes++;
            }
        }
    }
    /* a trailing partial frame is dropped (WFDB frames are whole) */
    bufs_free(&b);
    rc = pt_tmp_fclose(fd, rc, tmp_dat, dat, err);
    if (rc)
        return rc;
    FILE *fh = pt_tmp_fopen(hea_path, tmp_hea, sizeof tmp_hea, err);
    if (!fh)
        return err ? err->code : PT_EIO;
    fprintf(fh, "# pulsetrain simulate: scenario %s, seed %llu\n",
            pt_sim_scenario_name(c->scenario), (unsigned long long)c->seed);
    if (isfinite(c->start_unix_s)) { /* base time and date (UTC: WFDB has no zone) */
        char iso[40];
        pt_time_format_iso8601(c->start_unix_s, iso); /* YYYY-MM-DDTHH:MM:SS.mmmZ */
        fprintf(fh, "%s 4 %g %zu %.12s %.2s/%.2s/%.4s\n", rec, c->fs_acc_hz, nframes, iso + 11,
                iso + 8, iso + 5, iso);
    } else {
        fprintf(fh, "%s 4 %g %zu\n", rec, c->fs_acc_hz, nframes);
    }
    fprintf(fh, "%s.dat 16x%zu 1000/au 16 0 %d %d 0 PPG\n", rec, spf, first[0], (int16_t)ck[0]);
    static const char *const names[3] = {"acc_x", "acc_y", "acc_z"};
    for (int k = 0; k < 3; k++)
        fprintf(fh, "%s.dat 16 1000/g 16 0 %d %d 0 %s\n", rec, first[1 + k], (int16_t)ck[1 + k],
                names[k]);
    return pt_tmp_fclose(fh, PT_OK, tmp_hea, hea_path, err);
}
