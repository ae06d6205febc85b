/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_fit.c — Garmin .fit against the reference rows of data/formats/fit (a FIT decoder
 * cross-checked with fit-file-parser and gpsbabel): every record's heart rate and
 * timestamp exactly (integers), every valid RR interval of every hrv message exactly
 * (ms integers) and in order, beat times accumulated from the last timestamp before the
 * first interval (within 1e-9 s); chained files, developer fields and compressed
 * timestamps through the real files; synthetic files for a bad file CRC, a bad header
 * CRC, a data message with no definition, a truncated file and bytes after the chain,
 * each failing with the byte named. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_test_util.h"

static uint16_t crc16(uint16_t crc, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (uint16_t)(crc & 1 ? (crc >> 1) ^ 0xA001 : crc >> 1);
    }
    return crc;
}

/* A small FIT file: record definitions (timestamp, heart_rate; and one with a developer
 * field), 3 records, one compressed-timestamp record, an hrv message. Returns its size. */
static size_t synthetic(unsigned char *out)
{
    unsigned char d[256];
    size_t n = 0;
    /* definition, local 0: record (20), fields 253 uint32, 3 uint8 */
    unsigned char def0[] = {0x40, 0, 0, 20, 0, 2, 253, 4, 0x86, 3, 1, 0x02};
    memcpy(d + n, def0, sizeof def0);
    n += sizeof def0;
    for (int i = 0; i < 3; i++) {
        uint32_t ts = 1000000000u + (uint32_t)i;
        d[n++] = 0x00;
        for (int k = 0; k < 4; k++)
            d[n++] = (unsigned char)(ts >> (8 * k));
        d[n++] = (unsigned char)(100 + i);
    }
    /* definition, local 1 with a developer field: record, field 3 uint8 + dev 2 bytes */
    unsigned char def1[] = {0x61, 0, 0, 20, 0, 1, 3, 1, 0x02, 1, 0, 2, 0};
    memcpy(d + n, def1, sizeof def1);
    n += sizeof def1;
    /* compressed timestamp, local 1, offset +3 s from ...02 -> ...05 */
    uint32_t last = 1000000002u;
    d[n++] = (unsigned char)(0x80 | 1 << 5 | ((last + 3) & 0x1F));
    d[n++] = 110;
    d[n++] = 0xAB;
    d[n++] = 0xCD;
    /* hrv (78): field 0 uint16[3]: 800 ms, invalid, 810 ms */
    unsigned char def2[] = {0x42, 0, 0, 78, 0, 1, 0, 6, 0x84};
    memcpy(d + n, def2, sizeof def2);
    n += sizeof def2;
    d[n++] = 0x02;
    unsigned rr[3] = {800, 0xFFFF, 810};
    for (int k = 0; k < 3; k++) {
        d[n++] = (unsigned char)(rr[k] & 0xFF);
        d[n++] = (unsigned char)(rr[k] >> 8);
    }
    unsigned char h[14] = {14, 0x20, 0x08, 0x08, 0, 0, 0, 0, '.', 'F', 'I', 'T', 0, 0};
    h[4] = (unsigned char)(n & 0xFF);
    h[5] = (unsigned char)(n >> 8);
    uint16_t hc = crc16(0, h, 12);
    h[12] = (unsigned char)(hc & 0xFF);
    h[13] = (unsigned char)(hc >> 8);
    memcpy(out, h, 14);
    memcpy(out + 14, d, n);
    uint16_t c = crc16(0, out, 14 + n);
    out[14 + n] = (unsigned char)(c & 0xFF);
    out[15 + n] = (unsigned char)(c >> 8);
    return 16 + n;
}

PT_TEST(synthetic_records_compressed_developer_hrv)
{
    unsigned char f[512];
    size_t n = synthetic(f);
    const char *path = io_write_bytes("syn.fit", f, n);
    PT_CHECK(!strcmp(pt_reader_probe(path), "fit"));
    pt_error err = {0};
    pt_reader *r = pt_reader_open(path, NULL, &err);
    PT_REQUIRE(r != NULL);
    const pt_recording_info *info = pt_reader_info(r);
    PT_CHECK_NEAR(1000000000.0 + 631065600.0, info->start_unix_s, 0, 0);
    pt_block *b = pt_block_create(info, 16, &err);
    PT_REQUIRE(pt_reader_read(r, b, &err) == PT_OK);
    PT_REQUIRE(b->n[0] == 4);
    PT_CHECK_NEAR(100, b->x[0][0], 0, 0);
    PT_CHECK_NEAR(110, b->x[0][3], 0, 0);
    PT_CHECK_NEAR(5.0, b->t[0][3], 0, 0); /* the compressed timestamp */
    PT_REQUIRE(b->n[1] == 2);
    PT_CHECK_NEAR(800, b->x[1][0], 0, 0);
    PT_CHECK_NEAR(810, b->x[1][1], 0, 0);
    PT_CHECK_NEAR(5.8, b->t[1][0], 0, 1e-12); /* from the last timestamp, 5 s */
    PT_CHECK_NEAR(6.61, b->t[1][1], 0, 1e-12);
    PT_REQUIRE(pt_reader_read(r, b, &err) == PT_OK);
    PT_CHECK_INT(0, b->n[0] + b->n[1]);
    pt_block_destroy(b);
    pt_reader_close(r);

    /* chained: the same file twice */
    unsigned char two[1024];
    memcpy(two, f, n);
    memcpy(two + n, f, n);
    io_all a;
    PT_REQUIRE(io_read_all(io_write_bytes("two.fit", two, 2 * n), NULL, 16, 100, &a, &err) ==
               PT_OK);
    PT_CHECK_INT(4, a.n[0]); /* the second file's records do not advance: dropped */
    PT_CHECK_STR_CONTAINS(a.info.note, "2 chained FIT files");
    io_all_free(&a);
}

PT_TEST(malformed_fit_named_with_byte)
{
    unsigned char f[512], g[512];
    size_t n = synthetic(f);
    static char where_buf[96];
    const char *where = where_buf;
    memcpy(g, f, n);
    g[14 + 12 + 2] ^= 1; /* a timestamp byte of the first record */
    snprintf(where_buf, sizeof where_buf, "byte %zu: CRC mismatch of FIT file 1", n - 2);
    IO_EXPECT_FAIL(io_write_bytes("crc.fit", g, n), NULL, PT_EDATA, where);
    memcpy(g, f, n);
    g[1] ^= 1;
    IO_EXPECT_FAIL(io_write_bytes("hcrc.fit", g, n), NULL, PT_EDATA,
                   "byte 12: FIT header CRC mismatch");
    memcpy(g, f, n);
    g[14 + 12] = 0x05; /* a data message for local type 5, never defined */
    IO_EXPECT_FAIL(io_write_bytes("undef.fit", g, n), NULL, PT_EFORMAT,
                   "byte 26: data message for local type 5, which has no definition");
    IO_EXPECT_FAIL(io_write_bytes("cut.fit", f, n - 7), NULL, PT_EFORMAT, "byte 0: truncated");
    memcpy(g, f, n);
    memcpy(g + n, "junkjunkjunkjunk", 16);
    snprintf(where_buf, sizeof where_buf, "byte %zu: 16 bytes after FIT file 1", n);
    IO_EXPECT_FAIL(io_write_bytes("junk.fit", g, n + 16), NULL, PT_EFORMAT, where);
}

/* ---- the real files ---- */

static int split(char *line, char **fld, int max)
{
    int k = 0;
    char *p = line;
    while (k < max && p) {
        fld[k++] = p;
        p = strchr(p, ',');
        if (p)
            *p++ = '\0';
    }
    for (int i = 0; i < k; i++)
        fld[i][strcspn(fld[i], "\r\n")] = '\0';
    return k;
}

static void compare(const char *name, int has_hrv)
{
    char rel[256];
    snprintf(rel, sizeof rel, "formats/fit/%s", name);
    const char *path = io_format_file(rel);
    snprintf(rel, sizeof rel, "formats/fit/%s.records.csv", name);
    FILE *rec = fopen(io_format_file(rel), "r");
    FILE *hrv = NULL;
    if (has_hrv) {
        snprintf(rel, sizeof rel, "formats/fit/%s.hrv.csv", name);
        hrv = fopen(io_format_file(rel), "r");
        PT_REQUIRE(hrv != NULL);
    }
    PT_REQUIRE(rec != NULL);
    pt_error err = {0};
    pt_reader *r = pt_reader_open(path, NULL, &err);
    PT_REQUIRE(r != NULL);
    const pt_recording_info *info = pt_reader_info(r);
    PT_CHECK(!strcmp(info->format, "fit"));
    pt_block *b = pt_block_create(info, 100, &err);
    static double hr[20000], hr_t[20000], rr[10000], rr_t[10000];
    size_t nhr = 0, nrr = 0;
    for (;;) {
        PT_REQUIRE(pt_reader_read(r, b, &err) == PT_OK);
        if (!b->n[0] && !b->n[1])
            break;
        for (size_t i = 0; i < b->n[0] && nhr < 20000; i++, nhr++) {
            hr[nhr] = b->x[0][i];
            hr_t[nhr] = b->t[0][i];
        }
        for (size_t i = 0; i < b->n[1] && nrr < 10000; i++, nrr++) {
            rr[nrr] = b->x[1][i];
            rr_t[nrr] = b->t[1][i];
        }
    }
    char line[1024], *fld[16];
    PT_REQUIRE(fgets(line, sizeof line, rec) != NULL);
    size_t k = 0, rows = 0, mism = 0;
    double t_first = NAN;
    while (fgets(line, sizeof line, rec)) {
        PT_REQUIRE(split(line, fld, 16) >= 4);
        double ts = strtod(fld[1], NULL);
        if (isnan(t_first))
            t_first = ts;
        rows++;
        if (!fld[3][0])
            continue; /* no heart rate in this record */
        if (k >= nhr || hr[k] != strtod(fld[3], NULL) || hr_t[k] != ts - t_first)
            mism++;
        k++;
    }
    PT_CHECK_INT(k, nhr);
    PT_CHECK_INT(0, mism);
    size_t krr = 0, rr_mism = 0;
    double beat = NAN, tmax = 0;
    if (hrv) {
        PT_REQUIRE(fgets(line, sizeof line, hrv) != NULL);
        while (fgets(line, sizeof line, hrv)) {
            PT_REQUIRE(split(line, fld, 16) >= 7);
            if (isnan(beat))
                beat = strtod(fld[1], NULL) - t_first;
            for (int j = 2; j < 7; j++) {
                if (!fld[j][0])
                    continue;
                double v = strtod(fld[j], NULL);
                beat += v;
                if (krr >= nrr || rr[krr] != round(v * 1000))
                    rr_mism++;
                else
                    tmax = fmax(tmax, fabs(rr_t[krr] - beat));
                krr++;
            }
        }
        fclose(hrv);
    }
    fclose(rec);
    printf("%s: %zu records, %zu heart rates equal (%zu differ), %zu RR equal (%zu differ), "
           "max |beat time diff| %.3g s\n",
           name, rows, k - mism, mism, krr - rr_mism, rr_mism, tmax);
    PT_CHECK_INT(krr, nrr);
    PT_CHECK_INT(0, rr_mism);
    PT_CHECK(tmax < 1e-9);
    pt_block_destroy(b);
    pt_reader_close(r);
}

PT_TEST(fenix5_records_and_hrv)
{
    compare("garmin-fenix-5-run.fit", 1);
}

PT_TEST(hrv_activity_records_and_hrv)
{
    compare("hrv-activity.fit", 1);
}

PT_TEST(chained_developer_fields)
{
    compare("garmin-fr935-cr.fit", 0);
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(io_format_file("formats/fit/garmin-fr935-cr.fit"), NULL, 100, 10000, &a,
                           &err) == PT_OK);
    PT_CHECK_STR_CONTAINS(a.info.note, "7 chained FIT files");
    PT_CHECK_STR_CONTAINS(a.info.note, "developer fields skipped");
    io_all_free(&a);
}

PT_TEST(compressed_timestamps_relative_time)
{
    compare("compressed-speed-distance.fit", 0);
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(io_format_file("formats/fit/compressed-speed-distance.fit"), NULL, 100,
                           10000, &a, &err) == PT_OK);
    PT_CHECK(isnan(a.info.start_unix_s)); /* relative device seconds, not a date */
    PT_CHECK_STR_CONTAINS(a.info.note, "relative seconds");
    io_all_free(&a);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
