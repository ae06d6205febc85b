/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_readers.c — pt-eval-readers: read throughput of each format reader on
 * the real files in ../shared/data (MB/s of file bytes and samples/s),
 * against the raw read of the same bytes (`cat > /dev/null` style: 1 MiB
 * fread calls, page cache warm). Timing: CLOCK_MONOTONIC, a warm-up, repeats
 * until 0.2 s, median of 5 (STYLE.md, Benchmarks).
 *   pt-eval-readers [--quick] [--big GB] [--gt3x-week]
 * --big GB also streams a sparse WFDB record of GB gigabytes (format 16,
 * 4 signals) and reports the peak resident memory: it must not grow with
 * the file.
 * --gt3x-week writes a week of 100 Hz ActiGraph log.bin (a stored zip in /tmp): the 33,000
 * stored samples of data/formats/gt3x/TAS1H30182785_2019-09-17.gt3x, read back as counts and
 * repeated in one-second ACTIVITY2 records with consecutive timestamps (checksums and the
 * member's CRC-32 computed), and reports the read time and peak memory. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

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
    {"gt3x",
     "formats/gt3x/TAS1H30182785_2019-09-17.gt3x",
     {"formats/gt3x/TAS1H30182785_2019-09-17.gt3x"},
     0},
    {"gt3x", "formats/gt3x/actigraph_testfile.gt3x", {"formats/gt3x/actigraph_testfile.gt3x"}, 0},
    {"gt3x", "formats/gt3x/neo.gt3x", {"formats/gt3x/neo.gt3x"}, 0},
    {"actilife", "formats/gt3x/neo.csv", {"formats/gt3x/neo.csv"}, 0},
    {"actilife",
     "formats/gt3x/TAS1H30182785_2019-09-17.csv.gz",
     {"formats/gt3x/TAS1H30182785_2019-09-17.csv.gz"},
     0},
    {"geneactiv",
     "formats/geneactiv/GENEActiv_testfile.bin",
     {"formats/geneactiv/GENEActiv_testfile.bin"},
     0},
    {"geneactiv",
     "formats/geneactiv/gnactv_sample.bin",
     {"formats/geneactiv/gnactv_sample.bin"},
     0},
    {"fit", "formats/fit/garmin-fr935-cr.fit", {"formats/fit/garmin-fr935-cr.fit"}, 0},
    {"fit", "formats/fit/hrv-activity.fit", {"formats/fit/hrv-activity.fit"}, 0},
    {"polar",
     "formats/polar/verity_sense_biobss",
     {"formats/polar/verity_sense_biobss/Polar_Sense_PPG.txt",
      "formats/polar/verity_sense_biobss/Polar_Sense_ACC.txt",
      "formats/polar/verity_sense_biobss/Polar_Sense_HR.txt",
      "formats/polar/verity_sense_biobss/Polar_Sense_PPI.txt"},
     0},
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

static void put_le(FILE *f, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        fputc((int)(v >> (8 * i) & 0xFF), f);
}

static int gt3x_week(const char *shared)
{
    char src[1024];
    snprintf(src, sizeof src, "%s/data/formats/gt3x/TAS1H30182785_2019-09-17.gt3x", shared);
    pt_error err = {0};
    pt_reader *r = pt_reader_open(src, NULL, &err);
    if (!r) {
        fprintf(stderr, "pt-eval-readers: %s\n", err.msg);
        return 2;
    }
    static int16_t counts[33000][3];
    size_t n = 0;
    pt_block *b = pt_block_create(pt_reader_info(r), 4096, &err);
    while (b && !pt_reader_read(r, b, &err) && b->n[0])
        for (size_t i = 0; i < b->n[0]; i++)
            if (b->x[3][i] == 0.0 && !isnan(b->x[0][i]) && n < 33000) {
                for (int a = 0; a < 3; a++)
                    counts[n][a] = (int16_t)lround(b->x[a][i] * 256.0);
                n++;
            }
    pt_block_destroy(b);
    pt_reader_close(r);
    if (n < 100)
        return 2;
    char path[] = "/tmp/pt_eval_week_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    if (!f)
        return 3;
    static const char info[] = "Serial Number: TAS1H30182785\r\nSample Rate: 100\r\nStart Date: "
                               "637043424000000000\r\nTimeZone: -04:00:00\r\nAcceleration "
                               "Scale: 256.0\r\n";
    const long secs = 7L * 86400L;
    const uint32_t rec = 9 + 600, logsize = (uint32_t)(rec * (uint32_t)secs);
    uint32_t icrc = (uint32_t)crc32(0L, (const Bytef *)info, (uInt)strlen(info));
    /* local headers: info.txt, then log.bin with its CRC patched in afterwards */
    uint32_t off_log;
    for (int m = 0; m < 2; m++) {
        const char *name = m ? "log.bin" : "info.txt";
        uint32_t sz = m ? logsize : (uint32_t)strlen(info);
        if (m)
            off_log = (uint32_t)ftell(f);
        put_le(f, 0x04034b50u, 4);
        put_le(f, 20, 2);
        put_le(f, 0, 4);
        put_le(f, 0, 4);
        put_le(f, m ? 0 : icrc, 4);
        put_le(f, sz, 4);
        put_le(f, sz, 4);
        put_le(f, (uint32_t)strlen(name), 2);
        put_le(f, 0, 2);
        fputs(name, f);
        if (!m)
            fputs(info, f);
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    unsigned char buf[609];
    size_t k = 0;
    for (long s = 0; s < secs; s++) {
        uint32_t ts = 1568745600u + (uint32_t)s;
        buf[0] = 0x1E;
        buf[1] = 0x1A;
        for (int i = 0; i < 4; i++)
            buf[2 + i] = (unsigned char)(ts >> (8 * i));
        buf[6] = 600 & 0xFF;
        buf[7] = 600 >> 8;
        for (int i = 0; i < 100; i++, k = (k + 1) % n)
            for (int a = 0; a < 3; a++) {
                uint16_t v = (uint16_t)counts[k][a];
                buf[8 + 6 * i + 2 * a] = (unsigned char)(v & 0xFF);
                buf[9 + 6 * i + 2 * a] = (unsigned char)(v >> 8);
            }
        unsigned x = 0;
        for (int i = 0; i < 608; i++)
            x ^= buf[i];
        buf[608] = (unsigned char)~x;
        crc = crc32(crc, buf, 609);
        fwrite(buf, 1, 609, f);
    }
    uint32_t cd = (uint32_t)ftell(f);
    for (int m = 0; m < 2; m++) {
        const char *name = m ? "log.bin" : "info.txt";
        uint32_t sz = m ? logsize : (uint32_t)strlen(info);
        put_le(f, 0x02014b50u, 4);
        put_le(f, 20, 2);
        put_le(f, 20, 2);
        put_le(f, 0, 4);
        put_le(f, 0, 4);
        put_le(f, m ? (uint32_t)crc : icrc, 4);
        put_le(f, sz, 4);
        put_le(f, sz, 4);
        put_le(f, (uint32_t)strlen(name), 2);
        put_le(f, 0, 4);
        put_le(f, 0, 4);
        put_le(f, 0, 4);
        put_le(f, m ? off_log : 0, 4);
        fputs(name, f);
    }
    uint32_t cdlen = (uint32_t)ftell(f) - cd;
    put_le(f, 0x06054b50u, 4);
    put_le(f, 0, 4);
    put_le(f, 2, 2);
    put_le(f, 2, 2);
    put_le(f, cdlen, 4);
    put_le(f, cd, 4);
    put_le(f, 0, 2);
    fseek(f, (long)off_log + 14, SEEK_SET);
    put_le(f, (uint32_t)crc, 4);
    fclose(f);
    long long bytes = file_bytes(path);
    pt_read_options o = pt_read_defaults();
    o.format = "gt3x";
    long before = peak_rss_kb();
    long long samples = 0;
    double t = reader_read(path, &o, &samples);
    long after = peak_rss_kb();
    unlink(path);
    if (t < 0)
        return 2;
    printf("week  gt3x 7 d x 100 Hz (%.0f MB log.bin, stored zip): %.2f s, %.0f MB/s, %.3g "
           "samples/s, peak RSS %ld -> %ld kB\n",
           (double)bytes / 1e6, t, (double)bytes / 1e6 / t, (double)samples / t, before, after);
    return 0;
}

int main(int argc, char **argv)
{
    int quick = 0;
    double big = 0;
    int week = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--gt3x-week"))
            week = 1;
        else if (!strcmp(argv[i], "--big") && i + 1 < argc)
            big = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: pt-eval-readers [--quick] [--big GB] [--gt3x-week]\n");
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
    if (week && gt3x_week(shared))
        return 2;
    if (big > 0)
        return big_wfdb(big);
    return 0;
}
