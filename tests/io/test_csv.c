/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_csv.c — the generic CSV reader: channels, units, rates, blocks, and
 * what bad input gets (code + message naming the file and the line). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_test.h"
#include "pulsetrain/io.h"

static char tmpdir[256];

static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/pt_test_csv_XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
    }
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    return path;
}

/* Read a whole file; returns the status and fills samples of channel 0..2. */
static int read_all(const char *path, pt_error *err, double *x, size_t cap, size_t *n,
                    size_t cap_block)
{
    pt_reader *r = pt_reader_open(path, NULL, err);
    if (!r)
        return err->code;
    pt_block *b = pt_block_create(pt_reader_info(r), cap_block, err);
    int rc = PT_OK;
    *n = 0;
    for (;;) {
        if ((rc = pt_reader_read(r, b, err)))
            break;
        size_t tot = 0;
        for (size_t c = 0; c < b->nchan; c++)
            tot += b->n[c];
        if (!tot)
            break;
        for (size_t i = 0; i < b->n[0] && *n < cap; i++)
            x[(*n)++] = b->x[0][i];
    }
    pt_block_destroy(b);
    pt_reader_close(r);
    return rc;
}

/* Expect opening or reading to fail with code, the message naming the file and "name:line". */
static void expect_bad(const char *name, const char *text, int code, const char *where)
{
    const char *path = write_file(name, text);
    pt_error err = {0};
    double x[64];
    size_t n;
    int rc = read_all(path, &err, x, 64, &n, 16);
    PT_CHECK_INT(code, rc);
    PT_CHECK_STR_CONTAINS(err.msg, path);
    if (where)
        PT_CHECK_STR_CONTAINS(err.msg, where);
}

PT_TEST(channels_units_and_rate)
{
    const char *path = write_file("ok.csv", "t_s,ppg_mV,acc_x_ms2,acc_y_mg,acc_z_g,hr_bpm,temp_c\n"
                                            "0.00,1.5,9.80665,1000,1,60,30\n"
                                            "0.04,1.6,0,0,0,61,30\n"
                                            "0.08,1.7,0,0,0,62,30\n"
                                            "0.12,1.8,0,0,0,63,30\n");
    pt_error err = {0};
    pt_reader *r = pt_reader_open(path, NULL, &err);
    PT_REQUIRE(r != NULL);
    const pt_recording_info *info = pt_reader_info(r);
    PT_CHECK_INT(6, info->nchan);
    PT_CHECK_INT(PT_KIND_PPG, info->chan[0].kind);
    PT_CHECK(!strcmp(info->chan[0].units, "mV"));
    PT_CHECK_INT(PT_KIND_ACC_X, info->chan[1].kind);
    PT_CHECK(!strcmp(info->chan[1].units, "g"));
    PT_CHECK_INT(PT_KIND_HR, info->chan[4].kind);
    PT_CHECK_INT(PT_KIND_AUX, info->chan[5].kind);
    PT_CHECK_STR_CONTAINS(info->note, "temp_c");
    PT_CHECK_NEAR(25.0, info->chan[0].fs_hz, 0, 1e-9);
    pt_block *b = pt_block_create(info, 64, &err);
    PT_REQUIRE(b && pt_reader_read(r, b, &err) == PT_OK);
    PT_CHECK_INT(4, b->n[0]);
    /* m/s^2, mg and g all become g (exact to rounding) */
    PT_CHECK_NEAR(1.0, b->x[1][0], 1e-15, 0);
    PT_CHECK_NEAR(1.0, b->x[2][0], 1e-15, 0);
    PT_CHECK_NEAR(1.0, b->x[3][0], 1e-15, 0);
    PT_CHECK(pt_reader_read(r, b, &err) == PT_OK && b->n[0] == 0);
    PT_CHECK_NEAR(0.16, info->duration_s, 1e-12, 0);
    PT_CHECK_INT(4, info->chan[0].n_samples);
    pt_block_destroy(b);
    pt_reader_close(r);
}

PT_TEST(mixed_rates_empty_cells)
{
    /* PPG at 4 Hz, accelerometer at 2 Hz: acc cells empty on odd rows */
    char text[4096] = "t_s,ppg,acc_x_g,acc_y_g,acc_z_g\n";
    for (int i = 0; i < 40; i++) {
        char row[128];
        if (i % 2 == 0)
            snprintf(row, sizeof row, "%.2f,%d,%d,0,1\n", i / 4.0, i, i / 2);
        else
            snprintf(row, sizeof row, "%.2f,%d,,,\n", i / 4.0, i);
        strcat(text, row);
    }
    const char *path = write_file("mixed.csv", text);
    pt_error err = {0};
    pt_reader *r = pt_reader_open(path, NULL, &err);
    PT_REQUIRE(r != NULL);
    const pt_recording_info *info = pt_reader_info(r);
    PT_CHECK_NEAR(4.0, info->chan[0].fs_hz, 0, 1e-12);
    PT_CHECK_NEAR(2.0, info->chan[1].fs_hz, 0, 1e-12);
    pt_block *b = pt_block_create(info, 16, &err);
    size_t nppg = 0, nacc = 0;
    int ok = 1;
    for (;;) {
        PT_REQUIRE(pt_reader_read(r, b, &err) == PT_OK);
        if (!b->n[0] && !b->n[1])
            break;
        for (size_t i = 0; i < b->n[0]; i++)
            ok &= b->x[0][i] == (double)nppg++;
        for (size_t i = 0; i < b->n[1]; i++)
            ok &= b->x[1][i] == (double)nacc++;
    }
    PT_CHECK(ok);
    PT_CHECK_INT(40, nppg);
    PT_CHECK_INT(20, nacc);
    pt_block_destroy(b);
    pt_reader_close(r);
}

PT_TEST(gap_filled_with_nan)
{
    /* 1 Hz rows 0..19 with rows 10 and 11 missing */
    char text[1024] = "t_s,ppg\n";
    for (int i = 0; i < 20; i++) {
        char row[32];
        snprintf(row, sizeof row, "%d,%d\n", i, i);
        if (i != 10 && i != 11)
            strcat(text, row);
    }
    const char *path = write_file("gap.csv", text);
    pt_error err = {0};
    double x[32];
    size_t n;
    PT_REQUIRE(read_all(path, &err, x, 32, &n, 16) == PT_OK);
    PT_CHECK_INT(20, n);
    PT_CHECK(x[9] == 9 && isnan(x[10]) && isnan(x[11]) && x[12] == 12 && x[19] == 19);
}

PT_TEST(irregular_rows_keep_times)
{
    const char *path =
        write_file("irr.csv", "t_s,hr_bpm\n0,80\n1,81\n4,83\n4,84\n9,90\n10,\n17,95\n");
    pt_error err = {0};
    pt_reader *r = pt_reader_open(path, NULL, &err);
    PT_REQUIRE(r != NULL);
    const pt_recording_info *info = pt_reader_info(r);
    PT_CHECK(info->chan[0].fs_hz == 0);
    PT_CHECK_STR_CONTAINS(info->note, "irregular");
    pt_block *b = pt_block_create(info, 16, &err);
    PT_REQUIRE(pt_reader_read(r, b, &err) == PT_OK);
    PT_CHECK_INT(6, b->n[0]); /* the empty cell is no sample */
    PT_CHECK_NEAR(17.0, b->t[0][5], 0, 1e-12);
    PT_CHECK_NEAR(95.0, b->x[0][5], 0, 1e-12);
    pt_block_destroy(b);
    pt_reader_close(r);
}

PT_TEST(iso_time_column)
{
    const char *path = write_file("iso.csv", "timestamp,ppg\n2024-05-01T10:00:00Z,1\n"
                                             "2024-05-01T10:00:00.5Z,2\n2024-05-01T10:00:01Z,3\n"
                                             "2024-05-01T10:00:01.5Z,4\n");
    pt_error err = {0};
    pt_reader *r = pt_reader_open(path, NULL, &err);
    PT_REQUIRE(r != NULL);
    PT_CHECK_NEAR(2.0, pt_reader_info(r)->chan[0].fs_hz, 0, 1e-12);
    PT_CHECK_STR_CONTAINS(pt_reader_info(r)->start_time_utc, "2024-05-01T10:00:00");
    PT_CHECK_NEAR(1714557600.0, pt_reader_info(r)->start_unix_s, 0, 1e-6);
    pt_reader_close(r);
}

PT_TEST(no_time_column_needs_fs)
{
    const char *path = write_file("notime.csv", "ppg\n1\n2\n3\n");
    pt_error err = {0};
    PT_CHECK(pt_reader_open(path, NULL, &err) == NULL);
    PT_CHECK_INT(PT_EINVAL, err.code);
    PT_CHECK_STR_CONTAINS(err.msg, "--fs");
    pt_read_options o = pt_read_defaults();
    o.fs_hz = 50;
    pt_reader *r = pt_reader_open(path, &o, &err);
    PT_REQUIRE(r != NULL);
    PT_CHECK_NEAR(50.0, pt_reader_info(r)->chan[0].fs_hz, 0, 0);
    pt_reader_close(r);
}

PT_TEST(block_size_does_not_change_samples)
{
    char text[1 << 16] = "t_s,ppg,acc_x_g,acc_y_g,acc_z_g\n";
    size_t len = strlen(text);
    for (int i = 0; i < 1000; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%.3f,%g,%g,0,1\n", i / 100.0,
                                sin(i * 0.1), i % 7 * 0.1);
    const char *path = write_file("blocks.csv", text);
    pt_error err = {0};
    double a[1000], b[1000];
    size_t na, nb;
    PT_REQUIRE(read_all(path, &err, a, 1000, &na, 16) == PT_OK);
    PT_REQUIRE(read_all(path, &err, b, 1000, &nb, 4096) == PT_OK);
    PT_CHECK_INT(1000, na);
    PT_CHECK_INT(1000, nb);
    PT_CHECK(memcmp(a, b, sizeof a) == 0);
}

PT_TEST(bad_empty_file)
{
    expect_bad("empty.csv", "", PT_EFORMAT, "empty");
}
PT_TEST(bad_header_only)
{
    expect_bad("hdr.csv", "t_s,ppg\n", PT_EFORMAT, "hdr.csv:1");
}
PT_TEST(bad_missing_header)
{
    expect_bad("nohdr.csv", "0,1,2\n0.1,1,2\n", PT_EFORMAT, "nohdr.csv:1");
}
PT_TEST(bad_non_numeric_cell)
{
    expect_bad("nonnum.csv", "t_s,ppg\n0,1\n0.1,2\n0.2,abc\n0.3,4\n", PT_EDATA, "nonnum.csv:4");
}
PT_TEST(bad_time_backwards)
{
    expect_bad("back.csv", "t_s,ppg\n0,1\n0.1,2\n0.2,2\n0.15,3\n", PT_EDATA, "back.csv:5");
}
PT_TEST(bad_time_repeats)
{
    expect_bad("dup.csv", "t_s,ppg\n0,1\n0.1,2\n0.2,2\n0.3,3\n0.3,3\n", PT_EDATA, "dup.csv:6");
}
PT_TEST(bad_truncated_line)
{
    expect_bad("trunc.csv", "t_s,ppg,acc_x_g,acc_y_g,acc_z_g\n0,1,0,0,1\n0.1,2,0,0,1\n0.2,2,0",
               PT_EFORMAT, "trunc.csv:4");
}
PT_TEST(bad_infinite_value)
{
    expect_bad("inf.csv", "t_s,ppg\n0,1\n0.1,2\n0.2,inf\n", PT_EDATA, "inf.csv:4");
}
PT_TEST(bad_nan_time)
{
    expect_bad("nant.csv", "t_s,ppg\n0,1\nnan,2\n", PT_EDATA, "nant.csv:3");
}
/* Found by fuzzing: a slower column whose next sample comes too early used to
 * loop forever (the error status was read as "row delivered"). */
PT_TEST(bad_sample_too_early_is_an_error_not_a_hang)
{
    expect_bad("early.csv", "t_s,ppg,acc_g_x,hr_bpm\n0,1,,60\n0.51662,2,0.1,\n1.0,NaN,0.2,61\n",
               PT_EDATA, "early.csv:4");
}

PT_TEST(bad_missing_file)
{
    pt_error err = {0};
    PT_CHECK(pt_reader_open("/nonexistent/rec.csv", NULL, &err) == NULL);
    PT_CHECK_INT(PT_EDATA, err.code); /* bad input (exit 2), not an output failure */
    PT_CHECK_STR_CONTAINS(err.msg, "/nonexistent/rec.csv");
}

PT_TEST(nan_cell_is_missing_sample)
{
    const char *path = write_file("nan.csv", "t_s,ppg\n0,1\n0.5,NaN\n1,3\n1.5,4\n");
    pt_error err = {0};
    double x[8];
    size_t n;
    PT_REQUIRE(read_all(path, &err, x, 8, &n, 16) == PT_OK);
    PT_CHECK_INT(4, n);
    PT_CHECK(isnan(x[1]) && x[2] == 3);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, tmpdir);
}
