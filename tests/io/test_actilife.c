/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_actilife.c — ActiGraph ActiLife raw CSV (io/actilife.c), plain and gzip-compressed,
 * against the .gt3x reader on the same recordings (data/formats/gt3x):
 *  - neo.csv (ActiLife 6.13.4 export of neo.gt3x): all 18,004 samples within 5e-4 g of the
 *    gt3x reader (ActiLife prints counts/341 rounded to 3 decimals: |diff| <= 0.0005 g; the
 *    README says read.gt3x equals the CSV in every row), same rate, and the same start once
 *    the gt3x reader's UTC is moved back to local time (TimeZone -06:00: the CSV has none).
 *  - TAS1H30182785_2019-09-17.csv.gz (ActiLife 6.13.3, 240,500 rows at 100 Hz) read through
 *    zlib: within 5e-4 g of the gt3x reader on every one of its 215,200 samples with a value
 *    (33,000 stored + 182,200 idle-sleep repeats of the last sample, which ActiLife repeats
 *    too); where the gt3x reader has NaN (700 samples, 19:15:40-46, no sleep event) the CSV
 *    repeats the last sample for the first 100 (19:15:40) and has 0,0,0 for 600; after the
 *    gt3x reader's last sample the CSV has 24,600 more rows of 0,0,0 (to Last Sample Time).
 *  - bad input: cut header, bad date, epoch-count file, ragged row, non-number, cut last
 *    line (with and without --allow-truncated): PT_EFORMAT/PT_EDATA (the CLI's exit 2)
 *    naming file:line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "io_test_util.h"

#define CAP 300000
#define G_TOL 5e-4 /* ActiLife's 3-decimal rounding of counts/scale [g] */

static const char *HDR1 = "------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.4 "
                          "Firmware v2.5.0 date format %s at 30 Hz  Filter Normal -----------\r\n";

/* An ActiLife header with the given date format, date, epoch and column row. */
static const char *write_al(const char *name, const char *fmt, const char *date, const char *epoch,
                            const char *cols, const char *rows)
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, HDR1, fmt);
    n += snprintf(buf + n, sizeof buf - (size_t)n,
                  "Serial Number: NEO1C04110003\r\nStart Time 11:55:00\r\nStart Date %s\r\n"
                  "Epoch Period (hh:mm:ss) %s\r\nDownload Time 12:09:58\r\nDownload Date "
                  "12/20/2021\r\nCurrent Memory Address: 0\r\nCurrent Battery Voltage: 4.26     "
                  "Mode = 12\r\n--------------------------------------------------\r\n%s\r\n%s",
                  date, epoch, cols, rows);
    return io_write_bytes(name, buf, (size_t)n);
}

PT_TEST(neo_csv_equals_gt3x)
{
    const char *csv = io_format_file("formats/gt3x/neo.csv");
    const char *gt3x = io_format_file("formats/gt3x/neo.gt3x");
    io_all a, g;
    pt_error err = {0};
    PT_REQUIRE(io_read_all(csv, NULL, 1000, CAP, &a, &err) == PT_OK);
    PT_REQUIRE(io_read_all(gt3x, NULL, 777, CAP, &g, &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "actilife"));
    PT_CHECK_INT(3, (int)a.nchan);
    PT_CHECK(a.first_ok);
    PT_CHECK_INT(18004, (int)a.n[0]);
    PT_CHECK_INT((int)g.n[0], (int)a.n[0]);
    PT_CHECK_NEAR(30.0, a.info.chan[0].fs_hz, 0, 0);
    PT_CHECK_NEAR(g.info.chan[0].fs_hz, a.info.chan[0].fs_hz, 0, 0);
    /* local time taken as UTC; the gt3x reader applies TimeZone -06:00:00 */
    PT_CHECK_NEAR(g.info.start_unix_s - 6 * 3600.0, a.info.start_unix_s, 0, 1e-6);
    PT_CHECK_STR_CONTAINS(a.info.note, "local time");
    PT_CHECK_STR_CONTAINS(a.info.note, "idle-sleep");
    double worst = 0;
    size_t bad = 0;
    for (int c = 0; c < 3; c++) {
        PT_CHECK(!strcmp(a.info.chan[c].units, "g"));
        PT_CHECK_INT(PT_KIND_ACC_X + c, (int)a.info.chan[c].kind);
        for (size_t i = 0; i < a.n[c] && i < g.n[c]; i++) {
            double d = fabs(a.x[c][i] - g.x[c][i]);
            worst = d > worst ? d : worst;
            bad += !(d <= G_TOL + 1e-12);
        }
    }
    PT_CHECK_INT(0, (int)bad);
    fprintf(stderr, "neo.csv vs neo.gt3x: max |diff| %.6f g over 18004 x 3\n", worst);
    io_all_free(&a);
    io_all_free(&g);
}

PT_TEST(tas_csv_gz_equals_gt3x)
{
    const char *csv = io_format_file("formats/gt3x/TAS1H30182785_2019-09-17.csv.gz");
    const char *gt3x = io_format_file("formats/gt3x/TAS1H30182785_2019-09-17.gt3x");
    io_all a, g;
    pt_error err = {0};
    PT_REQUIRE(io_read_all(csv, NULL, 4096, CAP, &a, &err) == PT_OK);
    PT_REQUIRE(io_read_all(gt3x, NULL, 4096, CAP, &g, &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "actilife"));
    PT_CHECK_INT(240500, (int)a.n[0]);
    PT_CHECK_INT(215900, (int)g.n[0]);
    PT_CHECK_NEAR(100.0, a.info.chan[0].fs_hz, 0, 0);
    PT_CHECK_NEAR(g.info.start_unix_s - 4 * 3600.0, a.info.start_unix_s, 0, 1e-6); /* -04:00 */
    size_t valued = 0, bad = 0, nan_rows = 0, nan_repeat = 0, nan_zero = 0, tail_zero = 0;
    double worst = 0;
    for (size_t i = 0; i < a.n[0]; i++) {
        int zero = a.x[0][i] == 0 && a.x[1][i] == 0 && a.x[2][i] == 0;
        if (i >= g.n[0]) {
            tail_zero += zero;
            continue;
        }
        if (isnan(g.x[0][i])) {
            nan_rows++;
            nan_zero += zero;
            nan_repeat += i > 0 && a.x[0][i] == a.x[0][i - 1] && a.x[1][i] == a.x[1][i - 1] &&
                          a.x[2][i] == a.x[2][i - 1] && !zero;
            continue;
        }
        valued++;
        for (int c = 0; c < 3; c++) {
            double d = fabs(a.x[c][i] - g.x[c][i]);
            worst = d > worst ? d : worst;
            bad += !(d <= G_TOL + 1e-12);
        }
    }
    PT_CHECK_INT(215200, (int)valued);
    PT_CHECK_INT(0, (int)bad);
    PT_CHECK_INT(700, (int)nan_rows);
    PT_CHECK_INT(100, (int)nan_repeat);
    PT_CHECK_INT(600, (int)nan_zero);
    PT_CHECK_INT(24600, (int)tail_zero);
    fprintf(stderr,
            "TAS .csv.gz vs .gt3x: %zu samples with a value, max |diff| %.6f g; where gt3x is "
            "NaN (%zu): %zu repeats, %zu zeros; after its end: %zu zeros\n",
            valued, worst, nan_rows, nan_repeat, nan_zero, tail_zero);
    io_all_free(&a);
    io_all_free(&g);
}

/* Synthetic files: date formats, trailing columns, gzip through the generic CSV reader. */
PT_TEST(date_formats_and_columns)
{
    static const char *const fmt[3] = {"M/d/yyyy", "d/M/yyyy", "yyyy-MM-dd"};
    static const char *const date[3] = {"12/20/2021", "20/12/2021", "2021-12-20"};
    for (int k = 0; k < 3; k++) {
        const char *p = write_al("d.csv", fmt[k], date[k], "00:00:00",
                                 "Timestamp,Accelerometer X,Accelerometer Y,Accelerometer "
                                 "Z,Temperature",
                                 "12/20/2021 11:55:00.000,0.1,-0.2,1.0,25\r\n"
                                 "12/20/2021 11:55:00.033,0.2,-0.3,0.9,25\r\n");
        io_all a;
        pt_error err = {0};
        PT_REQUIRE(io_read_all(p, NULL, 64, 16, &a, &err) == PT_OK);
        PT_CHECK_INT(2, (int)a.n[2]);
        PT_CHECK_NEAR(1640001300.0, a.info.start_unix_s, 0, 0); /* 2021-12-20T11:55:00 */
        PT_CHECK_NEAR(0.9, a.x[2][1], 0, 0);
        PT_CHECK_NEAR(-0.3, a.x[1][1], 0, 0);
        PT_CHECK_STR_CONTAINS(a.info.note, "ignored columns: Timestamp, Temperature");
        io_all_free(&a);
    }
    /* an ordinary CSV, gzip-compressed, read by the generic CSV reader */
    const char *plain = "t_s,acc_x_g\n0,0.5\n0.02,0.25\n0.04,-1\n";
    const char *gz = io_tmp_path("g.csv.gz");
    gzFile z = gzopen(gz, "wb");
    PT_REQUIRE(z != NULL);
    gzwrite(z, plain, (unsigned)strlen(plain));
    gzclose(z);
    io_all a;
    pt_error err = {0};
    PT_REQUIRE(io_read_all(gz, NULL, 64, 16, &a, &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "csv"));
    PT_CHECK_INT(3, (int)a.n[0]);
    PT_CHECK_NEAR(-1.0, a.x[0][2], 0, 0);
    PT_CHECK_NEAR(50.0, a.info.chan[0].fs_hz, 0, 1e-9);
    io_all_free(&a);
}

PT_TEST(bad_input)
{
    const char *cols = "Accelerometer X,Accelerometer Y,Accelerometer Z";
    /* cut header: the file ends after line 3 */
    char head[1024];
    int n = snprintf(head, sizeof head, HDR1, "M/d/yyyy");
    n += snprintf(head + n, sizeof head - (size_t)n, "Serial Number: X\r\nStart Time 11:55:00\r\n");
    const char *p = io_write_bytes("cut.csv", head, (size_t)n);
    IO_EXPECT_FAIL(p, NULL, PT_EFORMAT, ":4: the file ends inside the header");
    p = write_al("date.csv", "M/d/yyyy", "20/12/2021", "00:00:00", cols, "0,0,1\r\n");
    IO_EXPECT_FAIL(p, NULL, PT_EFORMAT, ":4: Start Date '20/12/2021'");
    p = write_al("epoch.csv", "M/d/yyyy", "12/20/2021", "00:01:00", "Axis1,Axis2,Axis3",
                 "12,3,4\r\n");
    IO_EXPECT_FAIL(p, NULL, PT_EFORMAT, ":5: Epoch Period 00:01:00");
    IO_EXPECT_FAIL(p, NULL, PT_EFORMAT, "not raw acceleration");
    p = write_al("ragged.csv", "M/d/yyyy", "12/20/2021", "00:00:00", cols,
                 "0,0,1\r\n0,0,1\r\n0,1\r\n0,0,1\r\n");
    IO_EXPECT_FAIL(p, NULL, PT_EDATA, ":14: expected 3 cells");
    p = write_al("nan.csv", "M/d/yyyy", "12/20/2021", "00:00:00", cols, "0,0,1\r\n0,x,1\r\n");
    IO_EXPECT_FAIL(p, NULL, PT_EDATA, ":13: Accelerometer Y: 'x' is not a number");
    p = write_al("nocols.csv", "M/d/yyyy", "12/20/2021", "00:00:00", "X,Y,Z", "0,0,1\r\n");
    IO_EXPECT_FAIL(p, NULL, PT_EFORMAT, ":11: the column row has no Accelerometer X");
    /* a cut last line: an error naming it, or dropped with a note under --allow-truncated */
    p = write_al("cutrow.csv", "M/d/yyyy", "12/20/2021", "00:00:00", cols, "0,0,1\r\n0,0.");
    IO_EXPECT_FAIL(p, NULL, PT_EDATA, ":13: expected 3 cells");
    IO_EXPECT_FAIL(p, NULL, PT_EDATA, "--allow-truncated");
    pt_read_options o = pt_read_defaults();
    o.allow_truncated = 1;
    io_all a;
    pt_error err = {0};
    PT_REQUIRE(io_read_all(p, &o, 64, 16, &a, &err) == PT_OK);
    PT_CHECK_INT(1, (int)a.n[0]);
    PT_CHECK_STR_CONTAINS(a.info.note, "incomplete last line 13");
    io_all_free(&a);
    /* the same cut inside a gzip stream: read through zlib, the same error and line */
    FILE *f = fopen(p, "rb");
    PT_REQUIRE(f != NULL);
    char txt[4096];
    size_t nt = fread(txt, 1, sizeof txt, f);
    fclose(f);
    const char *gz = io_tmp_path("cutrow.csv.gz");
    gzFile z = gzopen(gz, "wb");
    PT_REQUIRE(z != NULL);
    gzwrite(z, txt, (unsigned)nt);
    gzclose(z);
    IO_EXPECT_FAIL(gz, NULL, PT_EDATA, ":13: expected 3 cells");
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
