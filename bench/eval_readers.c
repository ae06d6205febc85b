/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_readers.c — pt-eval-readers: read throughput of each format reader on
 * the real files in ../shared/data (MB/s of file bytes and samples/s),
 * against the raw read of the same bytes (`cat > /dev/null` style: 1 MiB
 * fread calls, page cache warm). Timing: CLOCK_MONOTONIC, a warm-up, repeats
 * until 0.2 s, median of 5 (STYLE.md, Benchmarks).
 *   pt-eval-readers [--quick] [--big GB]
 * --big GB also streams a sparse WFDB record of GB gigabytes (format 16,
 * 4 signals) and reports the peak resident memory: it must not grow with
 * the file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pulsetrain/io.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long long file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static double raw_read(const char *const *files, size_t nfiles)
{
    static char buf[1 << 20];
    double t = now_s();
    for (size_t i = 0; i < nfiles; i++) {
        FILE *f = fopen(files[i], "rb");
        if (!f)
            continue;
        while (fread(buf, 1, sizeof buf, f) == sizeof buf)
            ;
        fclose(f);
    }
    return now_s() - t;
}

/* Read the whole recording; returns seconds (or -1) and the samples read. */
static double reader_read(const char *path, const pt_read_options *opt, long long *samples)
{
    pt_error err = {0};
    double t = now_s();
    pt_reader *r = pt_reader_open(path, opt, &err);
    if (!r) {
        fprintf(stderr, "pt-eval-readers: %s\n", err.msg);
        return -1;
    }
    pt_block *b = pt_block_create(pt_reader_info(r), 4096, &err);
    *samples = 0;
    for (;;) {
        if (!b || pt_reader_read(r, b, &err)) {
            fprintf(stderr, "pt-eval-readers: %s\n", err.msg);
            pt_block_destroy(b);
            pt_reader_close(r);
            return -1;
        }
        size_t tot = 0;
        for (size_t c = 0; c < b->nchan; c++)
            tot += b->n[c];
        if (!tot)
            break;
        *samples += (long long)tot;
    }
    pt_block_destroy(b);
    pt_reader_close(r);
    return now_s() - t;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median over 5 repeats of the time of one pass, each repeat at least 0.2 s. */
static double median_time(const char *path, const pt_read_options *opt, const char *const *files,
                          size_t nfiles, int raw, int quick, long long *samples)
{
    double rep[5];
    int nrep = quick ? 1 : 5;
    if (raw)
        raw_read(files, nfiles);
    else if (reader_read(path, opt, samples) < 0)
        return -1;
    for (int k = 0; k < nrep; k++) {
        int iters = 0;
        double t = 0;
        do {
            double d = raw ? raw_read(files, nfiles) : reader_read(path, opt, samples);
            if (d < 0)
                return -1;
            t += d;
            iters++;
        } while (t < (quick ? 0.02 : 0.2));
        rep[k] = t / iters;
    }
    qsort(rep, (size_t)nrep, sizeof rep[0], cmp);
    return rep[nrep / 2];
}

typedef struct bench_case {
    const char *format;
    const char *path;     /* under data/ */
    const char *files[8]; /* the bytes read, under data/ */
    int allow_truncated;
} bench_case;

static const bench_case cases[] = {
    {"csv", "wrist_ppg_exercise/s2_walk.csv", {"wrist_ppg_exercise/s2_walk.csv"}, 0},
    {"edf", "formats/edf/s2_walk.edf", {"formats/edf/s2_walk.edf"}, 0},
    {"wfdb", "formats/wfdb/100.hea", {"formats/wfdb/100.hea", "formats/wfdb/100.dat"}, 0},
    {"wfdb",
     "formats/wfdb/03700181.hea",
     {"formats/wfdb/03700181.hea", "formats/wfdb/03700181.dat"},
     0},
    {"e4",
     "formats/e4/wesad_S15",
     {"formats/e4/wesad_S15/ACC.csv", "formats/e4/wesad_S15/BVP.csv", "formats/e4/wesad_S15/HR.csv",
      "formats/e4/wesad_S15/IBI.csv", "formats/e4/wesad_S15/EDA.csv",
      "formats/e4/wesad_S15/TEMP.csv"},
     0},
    {"wav", "formats/wav/ax3test.wav", {"formats/wav/ax3test.wav"}, 1},
    {"cwa", "formats/cwa/ax3_testfile.cwa", {"formats/cwa/ax3_testfile.cwa"}, 0},
    {"cwa", "formats/cwa/ax6_testfile.cwa", {"formats/cwa/ax6_testfile.cwa"}, 0},
};

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int big_wfdb(double gb)
{
    char dir[] = "/tmp/pt_eval_big_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char hea[128], dat[128];
    snprintf(hea, sizeof hea, "%s/big.hea", dir);
    snprintf(dat, sizeof dat, "%s/big.dat", dir);
    long long bytes = (long long)(gb * 1e9) / 8 * 8;
    long long frames = bytes / 8;
    FILE *f = fopen(hea, "w");
    if (!f)
        return 1;
    fprintf(f,
            "big 4 1000 %lld\nbig.dat 16 100/mV 16 0 0 0 0 PPG\nbig.dat 16 100 16 0 0 0 0 "
            "acc_x\nbig.dat 16 100 16 0 0 0 0 acc_y\nbig.dat 16 100 16 0 0 0 0 acc_z\n",
            frames);
    fclose(f);
    f = fopen(dat, "w");
    /* a sparse file: no disk space, zeros when read */
    if (!f || ftruncate(fileno(f), (off_t)bytes) != 0) {
        fprintf(stderr, "pt-eval-readers: %s: %s\n", dat, strerror(errno));
        return 1;
    }
    fclose(f);
    long before = peak_rss_kb();
    long long samples = 0;
    double t = reader_read(hea, NULL, &samples);
    long after = peak_rss_kb();
    printf("big   wfdb %.1f GB sparse: %.1f s, %.0f MB/s, %.3g samples/s, peak RSS %ld -> %ld "
           "kB\n",
           (double)bytes / 1e9, t, (double)bytes / 1e6 / t, (double)samples / t, before, after);
    unlink(dat);
    unlink(hea);
    rmdir(dir);
    return 0;
}

int main(int argc, char **argv)
{
    int quick = 0;
    double big = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--big") && i + 1 < argc)
            big = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: pt-eval-readers [--quick] [--big GB]\n");
            return 1;
        }
    }
    const char *shared = getenv("PT_SHARED_DIR");
    if (!shared || !*shared)
        shared = "../shared";
    printf("# pt-eval-readers: reader throughput vs raw fread of the same bytes (page cache "
           "warm)\n");
    printf("%-5s %-34s %9s %10s %10s %12s %8s\n", "fmt", "file", "MB", "raw MB/s", "read MB/s",
           "samples/s", "x raw");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bench_case *bc = &cases[i];
        char path[1024], fbuf[8][1024];
        const char *files[8];
        size_t nf = 0;
        long long bytes = 0;
        snprintf(path, sizeof path, "%s/data/%s", shared, bc->path);
        for (; nf < 8 && bc->files[nf]; nf++) {
            snprintf(fbuf[nf], sizeof fbuf[nf], "%s/data/%s", shared, bc->files[nf]);
            files[nf] = fbuf[nf];
            bytes += file_bytes(fbuf[nf]);
        }
        if (access(path, R_OK) != 0) {
            printf("%-5s %-34s missing\n", bc->format, bc->path);
            continue;
        }
        pt_read_options o = pt_read_defaults();
        o.format = bc->format;
        o.allow_truncated = bc->allow_truncated;
        long long samples = 0;
        double traw = median_time(NULL, NULL, files, nf, 1, quick, &samples);
        double tread = median_time(path, &o, files, nf, 0, quick, &samples);
        if (tread < 0)
            return 2;
        double mb = (double)bytes / 1e6;
        printf("%-5s %-34s %9.2f %10.0f %10.1f %12.4g %8.1f\n", bc->format, bc->path, mb, mb / traw,
               mb / tread, (double)samples / tread, tread / traw);
    }
    if (big > 0)
        return big_wfdb(big);
    return 0;
}
