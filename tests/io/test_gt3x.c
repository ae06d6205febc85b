/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_gt3x.c — ActiGraph .gt3x against read.gt3x's reference CSVs in data/formats/gt3x
 * (both layouts): every referenced stored sample equal in counts (exactly: the reader
 * divides by the scale, the test multiplies back, |diff| < 1e-9 counts) and within 5e-4 g
 * of read.gt3x (its 3-dp rounding), and its local time within 0.5 ms (the CSV's 1 ms
 * printing); idle-sleep fill counts equal pygt3x's; malformed logs (bad checksum,
 * truncated record, no separator) fail naming log.bin and the byte. The synthetic
 * archives are written by the small stored-zip writer below (APPNOTE 6.3.10). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "io_test_util.h"
#include "pulsetrain/pipeline.h"
#include "pulsetrain/summary.h"

/* ---- a stored zip of up to 4 members ---- */
static void put16(FILE *f, unsigned v)
{
    fputc((int)(v & 0xFF), f);
    fputc((int)(v >> 8 & 0xFF), f);
}
static void put32(FILE *f, uint32_t v)
{
    put16(f, v & 0xFFFF);
    put16(f, v >> 16);
}
static void hdr(FILE *f, uint32_t crc, uint32_t n, const char *name)
{
    put16(f, 0); /* flags */
    put16(f, 0); /* stored */
    put32(f, 0); /* time, date */
    put32(f, crc);
    put32(f, n);
    put32(f, n);
    put16(f, (unsigned)strlen(name));
    put16(f, 0);
}
static const char *write_zip(const char *file, int n, const char *const *names,
                             const unsigned char *const *data, const size_t *len)
{
    const char *path = io_tmp_path(file);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    uint32_t off[4], crc[4];
    for (int i = 0; i < n; i++) {
        off[i] = (uint32_t)ftell(f);
        crc[i] = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data[i], (uInt)len[i]);
        put32(f, 0x04034b50u);
        put16(f, 20);
        hdr(f, crc[i], (uint32_t)len[i], names[i]);
        fwrite(names[i], 1, strlen(names[i]), f);
        fwrite(data[i], 1, len[i], f);
    }
    uint32_t cd = (uint32_t)ftell(f);
    for (int i = 0; i < n; i++) {
        put32(f, 0x02014b50u);
        put16(f, 20);
        put16(f, 20);
        hdr(f, crc[i], (uint32_t)len[i], names[i]);
        put16(f, 0); /* comment */
        put16(f, 0); /* disk */
        put16(f, 0); /* internal attributes */
        put32(f, 0); /* external */
        put32(f, off[i]);
        fwrite(names[i], 1, strlen(names[i]), f);
    }
    uint32_t cdlen = (uint32_t)ftell(f) - cd;
    put32(f, 0x06054b50u);
    put16(f, 0);
    put16(f, 0);
    put16(f, (unsigned)n);
    put16(f, (unsigned)n);
    put32(f, cdlen);
    put32(f, cd);
    put16(f, 0);
    fclose(f);
    return path;
}

/* One log record: 0x1E, type, time, size, payload, checksum. */
static size_t record(unsigned char *out, int type, uint32_t ts, const unsigned char *p, size_t n)
{
    out[0] = 0x1E;
    out[1] = (unsigned char)type;
    for (int i = 0; i < 4; i++)
        out[2 + i] = (unsigned char)(ts >> (8 * i));
    out[6] = (unsigned char)(n & 0xFF);
    out[7] = (unsigned char)(n >> 8);
    memcpy(out + 8, p, n);
    unsigned x = 0;
    for (size_t i = 0; i < 8 + n; i++)
        x ^= out[i];
    out[8 + n] = (unsigned char)~x;
    return 9 + n;
}

static const char info_txt[] = "Serial Number: MOS2TEST\r\nSample Rate: 2\r\nStart Date: "
                               "637340333400000000\r\nTimeZone: 02:00:00\r\nAcceleration Scale: "
                               "256.0\r\n";

/* A log: 2 s of ACTIVITY2 at 2 Hz, idle sleep for 3 s, 1 s, a gap of 2 s without event, 1 s. */
static size_t synthetic_log(unsigned char *log)
{
    size_t n = 0;
    unsigned char p[12];
    uint32_t t0 = 1598436540;
    for (int s = 0; s < 7; s++) {
        if (s == 2 || s == 3 || s == 4 || s == 6)
            continue;
        for (int i = 0; i < 2; i++) {
            int16_t v[3] = {(int16_t)(256 * s + i), (int16_t)-128, (int16_t)(10 * s)};
            for (int a = 0; a < 3; a++) {
                p[6 * i + 2 * a] = (unsigned char)(v[a] & 0xFF);
                p[6 * i + 2 * a + 1] = (unsigned char)((uint16_t)v[a] >> 8);
            }
        }
        if (s == 5) { /* a gap with no event before second 7 */
            n += record(log + n, 0x1A, t0 + (uint32_t)s, p, 12);
            continue;
        }
        n += record(log + n, 0x1A, t0 + (uint32_t)s, p, 12);
        if (s == 1) {
            unsigned char e = 0x08;
            n += record(log + n, 0x03, t0 + 2, &e, 1);
            e = 0x09;
            n += record(log + n, 0x03, t0 + 5, &e, 1);
        }
    }
    for (int i = 0; i < 2; i++)
        for (int a = 0; a < 3; a++)
            p[6 * i + 2 * a] = p[6 * i + 2 * a + 1] = 0;
    n += record(log + n, 0x1A, t0 + 8, p, 12);
    return n;
}

static const char *gt3x_with_log(const char *file, const unsigned char *log, size_t n)
{
    const char *names[2] = {"info.txt", "log.bin"};
    const unsigned char *data[2] = {(const unsigned char *)info_txt, log};
    size_t len[2] = {strlen(info_txt), n};
    return write_zip(file, 2, names, data, len);
}

PT_TEST(synthetic_idle_sleep_filled_other_gaps_nan)
{
    unsigned char log[512];
    size_t n = synthetic_log(log);
    const char *path = gt3x_with_log("syn.gt3x", log, n);
    PT_CHECK(!strcmp(pt_reader_probe(path), "gt3x"));
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(path, NULL, 16, 100, &a, &err) == PT_OK);
    PT_REQUIRE(a.nchan == 4);
    PT_CHECK(!strcmp(a.info.chan[3].name, "idle_sleep"));
    /* seconds 0,1 measured; 2,3,4 idle sleep; 5 measured; 6,7 gap (NaN); 8 measured */
    PT_CHECK_INT(18, a.n[0]);
    PT_CHECK_NEAR(1.0 + 1.0 / 256.0, a.x[0][3], 0, 1e-12);
    for (int i = 4; i < 10; i++) {
        PT_CHECK_NEAR(a.x[0][3], a.x[0][i], 0, 0); /* the last sample repeated */
        PT_CHECK_NEAR(1.0, a.x[3][i], 0, 0);
    }
    PT_CHECK_NEAR(0.0, a.x[3][10], 0, 0);
    PT_CHECK_NEAR(-0.5, a.x[1][10], 0, 1e-12);
    for (int i = 12; i < 16; i++) {
        PT_CHECK(isnan(a.x[0][i]));
        PT_CHECK_NEAR(0.0, a.x[3][i], 0, 0);
    }
    PT_CHECK_NEAR(0.0, a.x[2][16], 0, 0);
    /* local 10:09:00 at +02:00 */
    PT_CHECK(!strcmp(a.info.start_time_utc, "2020-08-26T08:09:00.000Z"));
    PT_CHECK_STR_CONTAINS(a.info.note, "6 samples filled");
    PT_CHECK_STR_CONTAINS(a.info.note, "4 missing");
    io_all_free(&a);
}

PT_TEST(malformed_logs_name_the_byte)
{
    unsigned char log[512], bad[512];
    size_t n = synthetic_log(log);
    /* a flipped payload byte in the second record (at 21 + 8 + 3) */
    memcpy(bad, log, n);
    bad[21 + 11] ^= 0x40;
    IO_EXPECT_FAIL(gt3x_with_log("badsum.gt3x", bad, n), NULL, PT_EDATA,
                   "log.bin: byte 21: record checksum mismatch");
    /* cut inside the third record's header, inside the second's payload */
    IO_EXPECT_FAIL(gt3x_with_log("cut.gt3x", log, 21 * 2 + 5), NULL, PT_EFORMAT,
                   "log.bin: byte 42: truncated record header");
    IO_EXPECT_FAIL(gt3x_with_log("cut2.gt3x", log, 21 + 15), NULL, PT_EFORMAT,
                   "log.bin: byte 21: truncated record (type 0x1A");
    memcpy(bad, log, n);
    bad[21] = 0x1F;
    IO_EXPECT_FAIL(gt3x_with_log("nosep.gt3x", bad, n), NULL, PT_EFORMAT,
                   "log.bin: byte 21: no record separator");
    /* time going back */
    unsigned char p[12] = {0}, back[64];
    size_t m = record(back, 0x1A, 1598436545, p, 12);
    m += record(back + m, 0x1A, 1598436540, p, 12);
    IO_EXPECT_FAIL(gt3x_with_log("back.gt3x", back, m), NULL, PT_EDATA, "log.bin: byte 21");
    /* the zip around it: a wrong CRC-32 (found at the member's end), a cut archive */
    const char *good = gt3x_with_log("good.gt3x", log, n);
    FILE *f = fopen(good, "rb");
    PT_REQUIRE(f != NULL);
    static unsigned char zbuf[4096];
    size_t zn = fread(zbuf, 1, sizeof zbuf, f);
    fclose(f);
    unsigned char *lb = zbuf + 30 + strlen("info.txt") + strlen(info_txt); /* log.bin's header */
    PT_REQUIRE(lb[0] == 'P' && lb[1] == 'K');
    lb[30 + 7 + 21 + 11] ^= 0x40;     /* a payload byte of the second record */
    lb[30 + 7 + 21 + 8 + 12] ^= 0x40; /* and its checksum byte: the record is still valid */
    IO_EXPECT_FAIL(io_write_bytes("zcrc.gt3x", zbuf, zn), NULL, PT_EDATA,
                   "log.bin: CRC-32 of the data");
    IO_EXPECT_FAIL(io_write_bytes("zcut.gt3x", zbuf, zn / 2), NULL, PT_EFORMAT, NULL);
    /* no log.bin */
    const char *names[1] = {"info.txt"};
    const unsigned char *data[1] = {(const unsigned char *)info_txt};
    size_t len[1] = {strlen(info_txt)};
    const char *nolog = write_zip("nolog.gt3x", 1, names, data, len);
    pt_read_options o = pt_read_defaults();
    o.format = "gt3x";
    IO_EXPECT_FAIL(nolog, &o, PT_EFORMAT, "log.bin or activity.bin");
}

/* ---- the real files against read.gt3x ---- */

typedef struct ref_row {
    double t_local, g[3], counts[3];
} ref_row;

static void read_ref(const char *path, ref_row *rows, size_t cap, size_t *nout)
{
    *nout = 0;
    FILE *f = fopen(path, "r");
    PT_REQUIRE(f != NULL);
    char line[1024];
    size_t n = 0;
    PT_REQUIRE(fgets(line, sizeof line, f) != NULL); /* header */
    while (n < cap && fgets(line, sizeof line, f)) {
        /* sample_index,time_local,time_local_as_unix_s,x,y,z (read.gt3x),x,y,z counts,... */
        char *p = line, *fld[12];
        int k = 0;
        while (k < 12 && p) {
            fld[k++] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = '\0';
        }
        PT_REQUIRE(k >= 9);
        rows[n].t_local = strtod(fld[2], NULL);
        for (int a = 0; a < 3; a++) {
            rows[n].g[a] = strtod(fld[3 + a], NULL);
            rows[n].counts[a] = strtod(fld[6 + a], NULL);
        }
        n++;
    }
    fclose(f);
    *nout = n;
}

/* Read file and compare its stored samples (idle_sleep 0, not NaN) with the reference. */
static void check_file(const char *name, double tz_s, double scale, long stored_expect,
                       long filled_expect)
{
    char rel[256], refrel[300];
    snprintf(rel, sizeof rel, "formats/gt3x/%s", name);
    snprintf(refrel, sizeof refrel, "formats/gt3x/%s.reference.csv", name);
    const char *path = io_format_file(rel);
    static ref_row ref[1000];
    size_t nref;
    read_ref(io_format_file(refrel), ref, 1000, &nref);
    PT_REQUIRE(nref == 1000);
    pt_error err = {0};
    pt_reader *r = pt_reader_open(path, NULL, &err);
    PT_REQUIRE(r != NULL);
    const pt_recording_info *info = pt_reader_info(r);
    PT_CHECK(!strcmp(info->format, "gt3x"));
    PT_CHECK(!strcmp(pt_reader_probe(path), "gt3x"));
    pt_block *b = pt_block_create(info, 777, &err);
    PT_REQUIRE(b != NULL);
    double fs = info->chan[0].fs_hz, t0_local = info->start_unix_s + tz_s;
    long k = 0, stored = 0, filled = 0, compared = 0;
    double max_counts = 0, max_g = 0, max_t = 0;
    for (;;) {
        PT_REQUIRE(pt_reader_read(r, b, &err) == PT_OK);
        if (!b->n[0])
            break;
        for (size_t i = 0; i < b->n[0]; i++, k++) {
            int fill = b->nchan > 3 && b->x[3][i] == 1.0;
            if (fill) {
                filled++;
                continue;
            }
            if (isnan(b->x[0][i]))
                continue;
            if ((size_t)stored < nref) {
                const ref_row *rr = &ref[stored];
                for (int a = 0; a < 3; a++) {
                    max_counts = fmax(max_counts, fabs(b->x[a][i] * scale - rr->counts[a]));
                    max_g = fmax(max_g, fabs(b->x[a][i] - rr->g[a]));
                }
                max_t = fmax(max_t, fabs(t0_local + (double)k / fs - rr->t_local));
                compared++;
            }
            stored++;
        }
    }
    printf("%s: %ld samples compared, max |counts diff| %.3g, max |g diff| %.3g, max |t diff| "
           "%.3g s; %ld stored, %ld filled\n",
           name, compared, max_counts, max_g, max_t, stored, filled);
    PT_CHECK_INT(1000, compared);
    PT_CHECK(max_counts < 1e-9);
    PT_CHECK(max_g <= 5e-4 + 1e-12);
    PT_CHECK(max_t <= 5e-4 + 1e-6);
    PT_CHECK_INT(stored_expect, stored);
    PT_CHECK_INT(filled_expect, filled);
    pt_block_destroy(b);
    pt_reader_close(r);
}

PT_TEST(actigraph_testfile_equals_readgt3x)
{
    /* 588 ACTIVITY records x 30; pygt3x fills 35,400 idle-sleep rows */
    check_file("actigraph_testfile.gt3x", 7200, 256, 17640, 35400);
}

PT_TEST(link_activity2_equals_readgt3x)
{
    /* 330 ACTIVITY2 records x 100; pygt3x fills 182,200 idle-sleep rows */
    check_file("TAS1H30182785_2019-09-17.gt3x", -4 * 3600, 256, 33000, 182200);
}

PT_TEST(old_layout_equals_readgt3x)
{
    check_file("sample.gt3x", 0, 341, 10467, 0); /* no TimeZone: local taken as UTC */
    check_file("neo.gt3x", -6 * 3600, 341, 18004, 0);
}

PT_TEST(idle_sleep_samples_not_used_for_calibration)
{
    /* 35,400 of the 53,040 samples are idle-sleep repeats: identical, so every 10 s window of
     * them would look perfectly still; the calibration must leave those windows out (with
     * them it fitted a sphere to copies of a few samples: 125 windows, applied) */
    const char *path = io_format_file("formats/gt3x/actigraph_testfile.gt3x");
    pt_params p = pt_params_defaults();
    pt_summary *sum = NULL;
    pt_error err = {0};
    PT_REQUIRE(pt_process_file(path, NULL, &p, NULL, &sum, &err) == PT_OK);
    const char *notes = pt_summary_notes(sum);
    PT_CHECK_STR_CONTAINS(notes, "137 10 s windows with samples the reader repeated");
    PT_CHECK_STR_CONTAINS(notes, "calibration: only 8 still 10 s windows, not attempted");
    pt_summary_destroy(sum);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
