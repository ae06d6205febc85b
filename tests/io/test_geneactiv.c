/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_geneactiv.c — GENEActiv .bin against GGIRread's readGENEActiv (data/formats/geneactiv
 * *.reference.csv): x/y/z within 1e-6 g (GGIRread stores float32), light within 1e-9 lux,
 * temperature within 1e-5 degC (float32 of a 1-decimal value), times within 3 ms (GGIRread
 * truncates each page's start to whole ms, 0.58 ms lost per page at 85.7 Hz over the 3
 * pages compared, and prints truncated ms); against the vendor
 * export (skdh truth): x/y/z within 5e-5 g (4-dp rounding), light within 1 lux (the CSV
 * truncates), temperature within 1e-9, times on page 0 within 1 ms and 0.5 s earlier on
 * pages 1-2 (the CSV restarts each page at its own rounded page time; see docs/formats.md).
 * A synthetic file checks the formulas, a cut page, bad hex and a missing page marker. The
 * original Genea file against readGenea (tolerances at genea_compare), cut and damaged. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_test_util.h"

/* A small GENEActiv file: 2 pages of 4 samples at 10 Hz. */
static size_t synthetic(char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap,
                                "Device Identity\r\nDevice Unique Serial Code:1\r\n"
                                "\r\nConfiguration Info\r\nMeasurement Frequency:10 Hz\r\n"
                                "Time Zone:GMT +01:00\r\n\r\nCalibration Data\r\nx gain:25600\r\n"
                                "x offset:100\r\ny gain:25000\r\ny offset:-200\r\nz gain:25600\r\n"
                                "z offset:0\r\nVolts:3\r\nLux:8\r\n\r\nMemory Status\r\n"
                                "Number of Pages:2\r\n\r\n");
    for (int p = 0; p < 2; p++) {
        n += (size_t)snprintf(
            out + n, cap - n,
            "Recorded Data\r\nDevice Unique Serial Code:1\r\nSequence Number:%d\r\n"
            "Page Time:2020-01-02 03:04:0%d:500\r\nUnassigned:\r\n"
            "Temperature:2%d.5\r\nBattery voltage:4.1\r\nDevice Status:Recording"
            "\r\nMeasurement Frequency:10.0\r\n",
            p, 5 + p * 0, p);
        for (int i = 0; i < 4; i++) {
            /* x = 256 + i, y = -256, z = 2047, light = 3, button 1 */
            unsigned x = (unsigned)(256 + i + 4 * p) & 0xFFF, y = (unsigned)(-256) & 0xFFF,
                     z = 2047;
            unsigned long long w = (unsigned long long)x << 36 | (unsigned long long)y << 24 |
                                   (unsigned long long)z << 12 | 3u << 2 | 2u;
            n += (size_t)snprintf(out + n, cap - n, "%012llX", w);
        }
        n += (size_t)snprintf(out + n, cap - n, "\r\n");
    }
    return n;
}

PT_TEST(synthetic_formulas_and_clock)
{
    static char buf[8192];
    size_t n = synthetic(buf, sizeof buf);
    const char *path = io_write_bytes("syn.bin", buf, n);
    PT_CHECK(!strcmp(pt_reader_probe(path), "geneactiv"));
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(path, NULL, 16, 100, &a, &err) == PT_OK);
    PT_REQUIRE(a.nchan == 5);
    PT_CHECK_INT(8, a.n[0]);
    PT_CHECK_NEAR((256.0 * 100 - 100) / 25600, a.x[0][0], 0, 1e-15);
    PT_CHECK_NEAR((263.0 * 100 - 100) / 25600, a.x[0][7], 0, 1e-15);
    PT_CHECK_NEAR((-256.0 * 100 + 200) / 25000, a.x[1][0], 0, 1e-15);
    PT_CHECK_NEAR(2047.0 * 100 / 25600, a.x[2][3], 0, 1e-15);
    PT_CHECK_NEAR(3.0 * 8 / 3, a.x[3][0], 0, 1e-15);
    PT_CHECK_NEAR(20.5, a.x[4][0], 0, 0);
    PT_CHECK_NEAR(21.5, a.x[4][4], 0, 0);
    /* 03:04:05.500 at +01:00 */
    PT_CHECK(!strcmp(a.info.start_time_utc, "2020-01-02T02:04:05.500Z"));
    io_all_free(&a);

    /* cut inside page 2's hex line: page 1 is read, with a note */
    const char *cut = io_write_bytes("cut.bin", buf, n - 10);
    PT_REQUIRE(io_read_all(cut, NULL, 16, 100, &a, &err) == PT_OK);
    PT_CHECK_INT(4, a.n[0]);
    PT_CHECK_STR_CONTAINS(a.info.note, "ends inside a page");
    io_all_free(&a);
    /* cut inside page 2's header lines */
    char *rd = strstr(strstr(buf, "Recorded Data") + 5, "Recorded Data");
    const char *cut2 = io_write_bytes("cut2.bin", buf, (size_t)(rd - buf) + 40);
    PT_REQUIRE(io_read_all(cut2, NULL, 16, 100, &a, &err) == PT_OK);
    PT_CHECK_INT(4, a.n[0]);
    PT_CHECK_STR_CONTAINS(a.info.note, "ends inside a page");
    io_all_free(&a);

    /* a bad hex digit, named with its line and byte */
    static char bad[8192];
    memcpy(bad, buf, n);
    char *hex = strstr(bad, "Measurement Frequency:10.0\r\n") + 28;
    hex[5] = 'G';
    static char where_buf[64];
    const char *where = where_buf;
    snprintf(where_buf, sizeof where_buf, "(byte %ld): 'G' is not a hex digit",
             (long)(hex + 5 - bad));
    IO_EXPECT_FAIL(io_write_bytes("hex.bin", bad, n), NULL, PT_EFORMAT, where);
    /* no "Recorded Data" before page 2 */
    memcpy(bad, buf, n);
    memcpy(bad + (rd - buf), "Recorded Dada", 13);
    IO_EXPECT_FAIL(io_write_bytes("marker.bin", bad, n), NULL, PT_EFORMAT,
                   "expected 'Recorded Data'");
    /* hex line of a wrong length */
    memcpy(bad, buf, n);
    hex = strstr(bad, "Measurement Frequency:10.0\r\n") + 28;
    hex[47] = '\n';
    IO_EXPECT_FAIL(io_write_bytes("len.bin", bad, n), NULL, PT_EFORMAT, "47 hex digits");
}

typedef struct ga_ref {
    double t, x[3], light, temp;
} ga_ref;

/* rows of a CSV: t at column tcol, x y z light temp from column xcol on */
static void read_csv(const char *path, int tcol, int xcol, ga_ref *rows, size_t cap, size_t *n)
{
    FILE *f = fopen(path, "r");
    PT_REQUIRE(f != NULL);
    char line[1024];
    *n = 0;
    PT_REQUIRE(fgets(line, sizeof line, f) != NULL);
    while (*n < cap && fgets(line, sizeof line, f)) {
        char *fld[16], *p = line;
        int k = 0;
        while (k < 16 && p) {
            fld[k++] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = '\0';
        }
        PT_REQUIRE(k >= xcol + 5);
        ga_ref *r = &rows[(*n)++];
        r->t = strtod(fld[tcol], NULL);
        for (int a = 0; a < 3; a++)
            r->x[a] = strtod(fld[xcol + a], NULL);
        r->light = strtod(fld[xcol + 3], NULL);
        r->temp = strtod(fld[xcol + 4], NULL);
    }
    fclose(f);
}

static void compare(const char *file, double tz_s, int truth)
{
    char rel[256], refrel[300];
    snprintf(rel, sizeof rel, "formats/geneactiv/%s", file);
    snprintf(refrel, sizeof refrel, "formats/geneactiv/%s.%s", file,
             truth ? "skdh_truth.csv" : "reference.csv");
    const char *path = io_format_file(rel);
    static ga_ref ref[1000];
    size_t nref = 0;
    /* reference: sample_index,page,time_unix_s,time_utc,x,y,z,light,temp;
     * truth: sample_index,time_local_as_unix_s,x,y,z,light,temp */
    read_csv(io_format_file(refrel), truth ? 1 : 2, truth ? 2 : 4, ref, 1000, &nref);
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(path, NULL, 333, 10000, &a, &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "geneactiv"));
    double fs = a.info.chan[0].fs_hz, t0 = a.info.start_unix_s + (truth ? tz_s : 0);
    double dx = 0, dl = 0, dt = 0, dtemp = 0;
    size_t m = nref < a.n[0] ? nref : a.n[0];
    for (size_t i = 0; i < m; i++) {
        for (int c = 0; c < 3; c++)
            dx = fmax(dx, fabs(a.x[c][i] - ref[i].x[c]));
        dl = fmax(dl,
                  truth ? fabs(floor(a.x[3][i]) - ref[i].light) : fabs(a.x[3][i] - ref[i].light));
        dtemp = fmax(dtemp, fabs(a.x[4][i] - ref[i].temp));
        double t = t0 + (double)i / fs;
        if (truth && i >= 300)
            t += 0.5; /* the vendor export restarts pages 1 and 2 at their page times */
        dt = fmax(dt, fabs(t - ref[i].t));
    }
    printf("%s vs %s: %zu samples, max |dx| %.3g g, |dlight| %.3g lux, |dtemp| %.3g, |dt| %.3g "
           "s\n",
           file, truth ? "vendor CSV" : "GGIRread", m, dx, dl, dtemp, dt);
    PT_CHECK_INT(nref, m);
    PT_CHECK(dx <= (truth ? 5e-5 + 1e-9 : 1e-6));
    PT_CHECK(dl <= (truth ? 0 : 1e-9));
    PT_CHECK(dtemp <= (truth ? 1e-9 : 1e-5));
    PT_CHECK(dt <= (truth ? 1e-3 : 3e-3));
    io_all_free(&a);
}

PT_TEST(gnactv_sample_equals_ggirread_and_vendor_csv)
{
    compare("gnactv_sample.bin", -4 * 3600.0, 0);
    compare("gnactv_sample.bin", -4 * 3600.0, 1);
}

PT_TEST(truncated_old_firmware_file)
{
    compare("GENEActiv_testfile.bin", 3600.0, 0);
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(io_format_file("formats/geneactiv/GENEActiv_testfile.bin"), NULL, 500,
                           10000, &a, &err) == PT_OK);
    /* 16 whole pages; GGIRread also returns 231 samples of the cut 17th (5,031) */
    PT_CHECK_INT(4800, a.n[0]);
    PT_CHECK_STR_CONTAINS(a.info.note, "ends inside a page");
    PT_CHECK_STR_CONTAINS(a.info.note, "header says 222048");
    /* GGIRread's own test: sample 300 (1-based) z = -0.808364033699036 */
    PT_CHECK_NEAR(-0.808364033699036, a.x[2][299], 0, 1e-6);
    PT_CHECK_NEAR(1369905174.5, a.info.start_unix_s, 0, 1e-6);
    io_all_free(&a);
}

/* The original Genea (2010) file against GGIRread's readGenea: x/y/z equal to its integer
 * milli-g (compared in mg within 1e-9: the reader reproduces its integer rounding), times
 * within 0.5 ms + 1e-6 s (the reference prints 3 decimals; 1e-6 for the doubles' rounding
 * at 1.27e9 s). The reference holds the first 1000 samples; the sums, extremes and last time
 * of all 42,529 samples come from its summary. */
static void genea_compare(const io_all *a, size_t nref_max)
{
    FILE *f = fopen(io_format_file("formats/geneactiv/genea_testfile.bin.reference.csv"), "r");
    PT_REQUIRE(f != NULL);
    char line[256];
    PT_REQUIRE(fgets(line, sizeof line, f) != NULL);
    PT_CHECK_STR_CONTAINS(line, "sample_index,timestamps1_s,x_mg,y_mg,z_mg");
    size_t m = 0;
    double dx = 0, dt = 0, fs = a->info.chan[0].fs_hz;
    long idx;
    double t, mg[3];
    while (m < nref_max && fgets(line, sizeof line, f) &&
           sscanf(line, "%ld,%lf,%lf,%lf,%lf", &idx, &t, &mg[0], &mg[1], &mg[2]) == 5) {
        PT_REQUIRE(idx == (long)m && m < a->n[0]);
        for (int c = 0; c < 3; c++)
            dx = fmax(dx, fabs(a->x[c][m] * 1000.0 - mg[c]));
        dt = fmax(dt, fabs(a->info.start_unix_s + (double)m / fs - t));
        m++;
    }
    fclose(f);
    printf("genea_testfile.bin vs GGIRread: %zu samples, max |dx| %.3g mg, |dt| %.3g s\n", m, dx,
           dt);
    PT_CHECK_INT(nref_max < 1000 ? nref_max : 1000, m);
    PT_CHECK(dx <= 1e-9);
    PT_CHECK(dt <= 5e-4 + 1e-6);
}

PT_TEST(genea_equals_ggirread)
{
    const char *path = io_format_file("formats/geneactiv/genea_testfile.bin");
    PT_CHECK(!strcmp(pt_reader_probe(path), "geneactiv"));
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(path, NULL, 257, 50000, &a, &err) == PT_OK);
    PT_REQUIRE(a.nchan == 3);
    PT_CHECK(a.first_ok);
    PT_CHECK_NEAR(80, a.info.chan[0].fs_hz, 0, 0);
    PT_CHECK_STR_CONTAINS(a.info.note, "original Genea (2010) serial 01275");
    genea_compare(&a, 1000);
    /* the summary of all samples: n, sums, extremes in mg, last time 12:17:28.000 */
    PT_CHECK_INT(42529, a.n[0]);
    static const double sum[3] = {3828342, -753352, -2751855}, lo[3] = {-2585, -2788, -5921},
                        hi[3] = {5991, 5603, 5847};
    for (int c = 0; c < 3; c++) {
        double s = 0, mn = INFINITY, mx = -INFINITY;
        for (size_t i = 0; i < a.n[c]; i++) {
            double v = a.x[c][i] * 1000.0;
            s += v;
            mn = fmin(mn, v);
            mx = fmax(mx, v);
        }
        PT_CHECK_NEAR(sum[c], s, 0, 1e-6); /* 42,529 integers: exact in double */
        PT_CHECK_NEAR(lo[c], mn, 0, 1e-9);
        PT_CHECK_NEAR(hi[c], mx, 0, 1e-9);
    }
    PT_CHECK_NEAR(1269951448.0, a.info.start_unix_s + 42528.0 / 80.0, 0, 5e-4 + 1e-6);
    PT_CHECK_NEAR(1269950916.4, a.info.start_unix_s, 0, 5e-4 + 1e-6);
    io_all_free(&a);
}

/* Whole file into a static buffer. */
static void slurp(const char *path, unsigned char *buf, size_t cap, size_t *n)
{
    FILE *f = fopen(path, "rb");
    *n = 0;
    PT_REQUIRE(f != NULL);
    *n = fread(buf, 1, cap, f);
    fclose(f);
}

PT_TEST(genea_cut_and_damaged)
{
    static unsigned char buf[300000];
    size_t n;
    slurp(io_format_file("formats/geneactiv/genea_testfile.bin"), buf, sizeof buf, &n);
    PT_REQUIRE(n == 262144);
    /* cut after 10 pages and 100 bytes (pages start at byte 422): the 10 pages are read */
    const char *cut = io_write_bytes("genea_cut.bin", buf, 422 + 10 * 2048 + 100);
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(cut, NULL, 64, 50000, &a, &err) == PT_OK);
    PT_CHECK(a.n[0] > 3000 && a.n[0] < 3410);
    PT_CHECK_STR_CONTAINS(a.info.note, "ends inside a page");
    genea_compare(&a, a.n[0] < 1000 ? a.n[0] : 1000);
    io_all_free(&a);
    /* cut inside the header */
    IO_EXPECT_FAIL(io_write_bytes("genea_head.bin", buf, 300), NULL, PT_EFORMAT,
                   "byte 300: no end of the Genea header");
    /* cut after the header: no page */
    IO_EXPECT_FAIL(io_write_bytes("genea_nopage.bin", buf, 422 + 2000), NULL, PT_EFORMAT,
                   "byte 422: 0 whole pages");
    /* a chunk of an unknown type in page 3 */
    static unsigned char bad[300000];
    memcpy(bad, buf, n);
    size_t at = 422 + 3 * 2048 + 6 * 17;
    bad[at + 1] = (unsigned char)(0x70 | (bad[at + 1] & 15));
    static char where_buf[64];
    const char *where = where_buf;
    snprintf(where_buf, sizeof where_buf, "byte %zu: chunk of type 7", at);
    IO_EXPECT_FAIL(io_write_bytes("genea_bad.bin", bad, n), NULL, PT_EFORMAT, where);
    /* Accel-Gains that are not numbers */
    memcpy(bad, buf, n);
    memcpy(strstr((char *)bad, "Accel-Gains:") + 12, "81x4", 4);
    IO_EXPECT_FAIL(io_write_bytes("genea_gain.bin", bad, n), NULL, PT_EFORMAT,
                   "is not three integers");
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
