/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_pipeline.c — end-to-end speed and memory of one recording.
 *
 *   pt-eval-pipeline [--read-only | --hash-only] [-o OUT.h5] REC
 *
 * Default: pt_process_file(REC -> OUT.h5), exactly what `pulsetrain process`
 * does (read, every stage, SHA-256 of the source, HDF5 write). --read-only
 * only opens the recording and reads every block (the floor for the whole
 * pipeline); --hash-only only hashes the file. One run per process, so that
 * the peak RSS (getrusage ru_maxrss) belongs to that mode alone.
 * Prints one line: mode, bytes, hours of signal, wall and CPU seconds, hours
 * of signal per wall second, peak RSS [MB]. Bench, not a test: no assertion. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "io/sha256.h"
#include "pulsetrain/io.h"
#include "pulsetrain/pipeline.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_s(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec +
           (double)u.ru_stime.tv_sec + 1e-6 * (double)u.ru_stime.tv_usec;
}

static double peak_mb(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_maxrss / 1024.0; /* Linux: kB */
}

static int read_only(const char *path, double *dur_s, pt_error *err)
{
    pt_reader *r = pt_reader_open(path, NULL, err);
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

int main(int argc, char **argv)
{
    const char *mode = "process", *out = NULL, *in = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--read-only"))
            mode = "read-only";
        else if (!strcmp(argv[i], "--hash-only"))
            mode = "hash-only";
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else
            in = argv[i];
    }
    if (!in) {
        fprintf(stderr, "usage: pt-eval-pipeline [--read-only | --hash-only] [-o OUT.h5] REC\n");
        return 1;
    }
    struct stat st;
    double bytes = stat(in, &st) == 0 ? (double)st.st_size : (double)NAN;
    pt_error err = {0};
    double dur = NAN, t0 = now_s(), c0 = cpu_s();
    int rc;
    if (!strcmp(mode, "read-only")) {
        rc = read_only(in, &dur, &err);
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
        rc = pt_process_file(in, NULL, NULL, out, &s, &err);
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
    printf("%-9s %s  %.1f MB  %.2f h  wall %.2f s  cpu %.2f s  %.0f h/s  peak RSS %.1f MB\n", mode,
           in, bytes / 1e6, dur / 3600.0, wall, cpu, dur / 3600.0 / wall, peak_mb());
    return 0;
}
