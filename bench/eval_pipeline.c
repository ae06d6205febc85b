/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_pipeline.c — end-to-end speed and memory of one recording.
 *
 *   pt-eval-pipeline [--read-only | --hash-only] [-j N] [--channels MAP] [-o OUT.h5] REC
 *   pt-eval-pipeline --to-flac OUT.flac REC.csv
 *
 * Default: pt_process_file_mt(REC -> OUT.h5) with N threads (-j, default 2 as
 * `process`), exactly what `pulsetrain process` does (read, every stage, SHA-256 of
 * the source, HDF5 write). --read-only
 * only opens the recording and reads every block (the floor for the whole
 * pipeline); --hash-only only hashes the file. One run per process, so that
 * the peak RSS (getrusage ru_maxrss) belongs to that mode alone.
 * Prints one line: mode, bytes, hours of signal, wall and CPU seconds, hours
 * of signal per wall second, peak RSS [MB]. Bench, not a test: no assertion.
 * --to-flac converts a simulated CSV (PPG 64 Hz + acc 32 Hz) into a 4-channel
 * 24-bit FLAC at the PPG rate (acc held over each pair of PPG samples, as a
 * single-rate container needs), with OMConvert-style "Channel-N"/"Scale-N"
 * comments; read it back with --channels ppg,-,-,- . */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "core/sha256.h"
#include "eval_util.h"
#include "pulsetrain/io.h"
#include "pulsetrain/pipeline.h"

static double peak_mb(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_maxrss / 1024.0; /* Linux: kB */
}

static int pt_find_kind(const pt_recording_info *info, pt_kind k)
{
    for (size_t c = 0; c < info->nchan; c++)
        if (info->chan[c].kind == k)
            return (int)c;
    return -1;
}

static int read_only(const char *path, const pt_read_options *ro, double *dur_s, pt_error *err)
{
    pt_reader *r = pt_reader_open(path, ro, err);
    if (!r)
        return err->code;
    pt_block *b = pt_block_create(pt_reader_info(r), 65536, err); /* the runner's block size */
    int rc = b ? PT_OK : err->code;
    double sink = 0;
    while (!rc) {
        if ((rc = pt_reader_read(r, b, err)))
            break;
        size_t total = 0;
        for (size_t c = 0; c < b->nchan; c++) {
            total += b->n[c];
            if (b->n[c])
                sink += b->x[c][b->n[c] - 1]; /* touch the data */
        }
        if (!total)
            break;
    }
    *dur_s = pt_reader_info(r)->duration_s + 0 * sink;
    pt_block_destroy(b);
    pt_reader_close(r);
    return rc;
}

/* CSV (ppg, acc_x/y/z) -> FLAC 24-bit at the PPG rate; full scale 32 au (PPG) and 8 g (acc),
 * clipped beyond (24-bit steps: 4e-6 au, 1e-6 g). */
static int to_flac(const char *in, const char *out, pt_error *err)
{
    pt_reader *r = pt_reader_open(in, NULL, err);
    if (!r)
        return err->code;
    const pt_recording_info *info = pt_reader_info(r);
    int ch[4] = {pt_find_kind(info, PT_KIND_PPG), pt_find_kind(info, PT_KIND_ACC_X),
                 pt_find_kind(info, PT_KIND_ACC_Y), pt_find_kind(info, PT_KIND_ACC_Z)};
    for (int k = 0; k < 4; k++)
        if (ch[k] < 0) {
            pt_reader_close(r);
            return pt_error_set(err, PT_EDATA, "%s: needs ppg and acc_x/y/z", in);
        }
    SF_INFO si = {.samplerate = (int)info->chan[ch[0]].fs_hz,
                  .channels = 4,
                  .format = SF_FORMAT_FLAC | SF_FORMAT_PCM_24};
    SNDFILE *f = sf_open(out, SFM_WRITE, &si);
    if (!f) {
        pt_reader_close(r);
        return pt_error_set(err, PT_EIO, "%s: %s", out, sf_strerror(NULL));
    }
    sf_command(f, SFC_SET_CLIPPING, NULL, SF_TRUE); /* else out-of-range values wrap */
    sf_set_string(f, SF_STR_COMMENT,
                  "Channel-1: PPG\nScale-1: 32\nChannel-2: Accel-X\nScale-2: 8\n"
                  "Channel-3: Accel-Y\nScale-3: 8\nChannel-4: Accel-Z\nScale-4: 8\n");
    pt_block *b = pt_block_create(info, 65536, err);
    double *fr = malloc(4 * 65536 * sizeof *fr);
    int rc = b && fr ? PT_OK : PT_ENOMEM;
    double ratio = info->chan[ch[1]].fs_hz / info->chan[ch[0]].fs_hz;
    while (!rc && !(rc = pt_reader_read(r, b, err)) && b->n[ch[0]]) {
        size_t n = b->n[ch[0]];
        for (size_t i = 0; i < n; i++) {
            double v = b->x[ch[0]][i];
            fr[4 * i] = isfinite(v) ? v / 32 : 0;
            int64_t k =
                (int64_t)floor((double)(b->first[ch[0]] + (int64_t)i) * ratio) - b->first[ch[1]];
            k = k < 0 ? 0 : k >= (int64_t)b->n[ch[1]] ? (int64_t)b->n[ch[1]] - 1 : k;
            for (int a = 1; a < 4; a++) {
                double x = b->n[ch[a]] ? b->x[ch[a]][k] : 0;
                fr[4 * i + (size_t)a] = isfinite(x) ? x / 8 : 0;
            }
        }
        if (sf_writef_double(f, fr, (sf_count_t)n) != (sf_count_t)n)
            rc = pt_error_set(err, PT_EIO, "%s: %s", out, sf_strerror(f));
    }
    sf_close(f);
    free(fr);
    pt_block_destroy(b);
    pt_reader_close(r);
    return rc;
}

int main(int argc, char **argv)
{
    const char *mode = "process", *out = NULL, *in = NULL, *flac = NULL;
    char mode_buf[32];
    int threads = 2;
    pt_read_options ro = pt_read_defaults();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--read-only"))
            mode = "read-only";
        else if (!strcmp(argv[i], "--hash-only"))
            mode = "hash-only";
        else if (!strcmp(argv[i], "--to-flac") && i + 1 < argc)
            flac = argv[++i];
        else if (!strcmp(argv[i], "--channels") && i + 1 < argc)
            ro.channels = argv[++i];
        else if (!strcmp(argv[i], "-j") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else
            in = argv[i];
    }
    if (!in) {
        fprintf(stderr,
                "usage: pt-eval-pipeline [--read-only | --hash-only] [--channels MAP] "
                "[-j N] [-o OUT.h5] REC\n       pt-eval-pipeline --to-flac OUT.flac REC.csv\n");
        return 1;
    }
    if (flac) {
        pt_error e = {0};
        if (to_flac(in, flac, &e)) {
            fprintf(stderr, "pt-eval-pipeline: %s\n", e.msg);
            return 2;
        }
        return 0;
    }
    struct stat st;
    double bytes = stat(in, &st) == 0 ? (double)st.st_size : (double)NAN;
    pt_error err = {0};
    double dur = NAN, t0 = now_s(), c0 = cpu_s();
    int rc;
    if (!strcmp(mode, "read-only")) {
        rc = read_only(in, &ro, &dur, &err);
    } else if (!strcmp(mode, "hash-only")) {
        char hex[65];
        rc = pt_sha256_file(in, hex, &err);
    } else {
        char tmp[1100];
        if (!out) {
            snprintf(tmp, sizeof tmp, "%s.bench.h5", in);
            out = tmp;
        }
        pt_summary *s = NULL;
        rc = pt_process_file_mt(in, &ro, NULL, out, threads < 1 ? 1 : threads, &s, &err);
        if (!rc)
            dur = pt_summary_recording(s)->duration_s;
        pt_summary_destroy(s);
        if (out == tmp)
            remove(tmp);
    }
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    if (rc) {
        fprintf(stderr, "pt-eval-pipeline: %s\n", err.msg);
        return 2;
    }
    if (!strcmp(mode, "process")) {
        snprintf(mode_buf, sizeof mode_buf, "process-j%d", threads < 1 ? 1 : threads);
        mode = mode_buf;
    }
    printf("%-11s %s  %.1f MB  %.2f h  wall %.2f s  cpu %.2f s  %.0f h/s  peak RSS %.1f MB\n", mode,
           in, bytes / 1e6, dur / 3600.0, wall, cpu, dur / 3600.0 / wall, peak_mb());
    return 0;
}
