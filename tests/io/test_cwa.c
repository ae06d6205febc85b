/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_cwa.c — Axivity .cwa: the AX3 (packed) and AX6 (16-bit, 6 axes) test
 * files of data/formats/cwa against its README, the corrupted copy (six bad
 * blocks skipped and reported), and bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_test_util.h"

static double mean_norm(const io_all *a, size_t c0, size_t *n)
{
    double sum = 0;
    *n = 0;
    for (size_t i = 0; i < a->n[c0]; i++) {
        double r = sqrt(a->x[c0][i] * a->x[c0][i] + a->x[c0 + 1][i] * a->x[c0 + 1][i] +
                        a->x[c0 + 2][i] * a->x[c0 + 2][i]);
        if (!isnan(r)) {
            sum += r;
            (*n)++;
        }
    }
    return sum / (double)*n;
}

PT_TEST(ax3_packed_matches_readme)
{
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(io_format_file("formats/cwa/ax3_testfile.cwa"), NULL, 500, 20000, &a,
                           &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "cwa"));
    PT_REQUIRE(a.nchan == 3);
    PT_CHECK_INT(PT_KIND_ACC_X, a.info.chan[0].kind);
    PT_CHECK_NEAR(100.0, a.info.chan[0].fs_hz, 0, 0);
    PT_CHECK_INT(17400, a.n[0]); /* 145 blocks x 120 */
    PT_CHECK(a.first_ok);
    PT_CHECK(!strncmp(a.info.start_time_utc, "2019-02-26T10:55:0", 18));
    size_t n;
    PT_CHECK_NEAR(0.98, mean_norm(&a, 0, &n), 0, 0.005);
    PT_CHECK_INT(17400, n); /* no gaps */
    PT_CHECK_STR_CONTAINS(a.info.note, "device 39434");
    /* 174 s of samples: 10:55:07 -> 10:58:01 */
    PT_CHECK_NEAR(174.0, a.info.duration_s, 0, 1e-9);
    io_all_free(&a);
}

PT_TEST(ax6_matches_readme)
{
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(io_format_file("formats/cwa/ax6_testfile.cwa"), NULL, 500, 20000, &a,
                           &err) == PT_OK);
    PT_REQUIRE(a.nchan == 6);
    PT_CHECK_INT(PT_KIND_AUX, a.info.chan[0].kind); /* gyro */
    PT_CHECK(!strcmp(a.info.chan[0].units, "deg/s"));
    PT_CHECK_INT(PT_KIND_ACC_X, a.info.chan[3].kind);
    PT_CHECK_INT(11320, a.n[3]); /* 283 blocks x 40 */
    PT_CHECK(!strncmp(a.info.start_time_utc, "2019-12-23T21:04:0", 18));
    size_t n;
    PT_CHECK_NEAR(1.54, mean_norm(&a, 3, &n), 0, 0.005);
    /* gyro range 250 deg/s: it saturates */
    double gmax = 0;
    for (size_t i = 0; i < a.n[0]; i++)
        gmax = fmax(gmax, fabs(a.x[0][i]));
    PT_CHECK(gmax <= 250.0 + 1e-9 && gmax > 240.0);
    io_all_free(&a);
}

PT_TEST(corrupt_blocks_skipped_and_reported)
{
    pt_error err = {0};
    io_all good, bad;
    PT_REQUIRE(io_read_all(io_format_file("formats/cwa/ax3_testfile.cwa"), NULL, 500, 20000, &good,
                           &err) == PT_OK);
    PT_REQUIRE(io_read_all(io_format_file(
                               "formats/cwa/ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa"),
                           NULL, 500, 20000, &bad, &err) == PT_OK);
    PT_CHECK_STR_CONTAINS(bad.info.note, "6 data blocks failed the checksum");
    PT_CHECK_STR_CONTAINS(bad.info.note, "blocks 0 13 14 142 143 144)");
    /* data block 0 is lost at the start, 13-14 become NaN (about 240 samples: the
     * gap is measured by the clock), 142-144 are lost at the end; every other
     * sample equals the intact file's */
    size_t nan = 0, j = 120, same = 0, cmp = 0;
    for (size_t i = 0; i < bad.n[0]; i++) {
        if (isnan(bad.x[0][i])) {
            nan++;
            continue;
        }
        if (j == 13 * 120)
            j = 15 * 120;
        cmp++;
        same += bad.x[0][i] == good.x[0][j] && bad.x[2][i] == good.x[2][j];
        j++;
    }
    PT_CHECK(nan >= 235 && nan <= 245);
    PT_CHECK_INT(139 * 120, cmp);
    PT_CHECK_INT(cmp, same);
    fprintf(stderr, "  corrupt file: %zu NaN for 2 skipped blocks of 120 samples\n", nan);
    io_all_free(&good);
    io_all_free(&bad);
}

static unsigned char file[4096];

PT_TEST(bad_input)
{
    FILE *f = fopen(io_format_file("formats/cwa/ax3_testfile.cwa"), "rb");
    PT_REQUIRE(f && fread(file, 1, sizeof file, f) == sizeof file);
    fclose(f);
    IO_EXPECT_FAIL(io_write_bytes("empty.cwa", "", 0), NULL, PT_EFORMAT, "empty");
    pt_read_options o = pt_read_defaults();
    o.format = "cwa";
    IO_EXPECT_FAIL(io_write_bytes("hdr.cwa", file, 100), &o, PT_EFORMAT, "truncated CWA header");
    IO_EXPECT_FAIL(io_write_bytes("notmd.cwa", "XXXXXXXXXXXXXXXX", 16), &o, PT_EFORMAT,
                   "not an Axivity CWA file");
    /* 3 blocks and 100 bytes of a fourth */
    const char *tr = io_write_bytes("trunc.cwa", file, 1024 + 3 * 512 + 100);
    IO_EXPECT_FAIL(tr, NULL, PT_EFORMAT, "byte 2560: truncated");
    pt_error err = {0};
    io_all a;
    o = pt_read_defaults();
    o.allow_truncated = 1;
    PT_CHECK(io_read_all(tr, &o, 100, 1000, &a, &err) == PT_OK);
    PT_CHECK_INT(360, a.n[0]);
    io_all_free(&a);
    /* time going back: block 2 stamped a minute before block 1 (checksum fixed up) */
    unsigned char *b2 = file + 1024 + 2 * 512;
    uint32_t ts = (uint32_t)(b2[14] | b2[15] << 8 | b2[16] << 16 | (uint32_t)b2[17] << 24);
    ts = (ts & ~(uint32_t)(63 << 6)) | ((((ts >> 6) & 63) - 1) & 63) << 6;
    uint16_t old_lo = (uint16_t)(b2[14] | b2[15] << 8), old_hi = (uint16_t)(b2[16] | b2[17] << 8);
    b2[14] = (unsigned char)ts;
    b2[15] = (unsigned char)(ts >> 8);
    b2[16] = (unsigned char)(ts >> 16);
    b2[17] = (unsigned char)(ts >> 24);
    uint16_t new_lo = (uint16_t)ts, new_hi = (uint16_t)(ts >> 16);
    uint16_t ck = (uint16_t)(b2[510] | b2[511] << 8);
    ck = (uint16_t)(ck + old_lo + old_hi - new_lo - new_hi);
    b2[510] = (unsigned char)ck;
    b2[511] = (unsigned char)(ck >> 8);
    IO_EXPECT_FAIL(io_write_bytes("back.cwa", file, 1024 + 4 * 512), NULL, PT_EDATA,
                   "block 2 (byte 2062): time goes back");
    /* every block bad */
    memset(file + 1024 + 10, 0x55, 3 * 512 - 10);
    IO_EXPECT_FAIL(io_write_bytes("allbad.cwa", file, 1024 + 3 * 512), NULL, PT_EFORMAT,
                   "no data block with a valid checksum");
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
