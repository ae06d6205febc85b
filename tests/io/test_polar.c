/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_polar.c — Polar Sensor Logger exports (data/formats/polar/verity_sense_biobss; the
 * text files are their own reference, parsed here with a plain split(';')): every PPG and
 * ambient value exactly, every ACC value exactly (mg / 1000, |Δ| < 1e-12 g), the sample
 * clock within a quarter step of each row's sensor time (the rate is rows over span; the
 * sensor times of Polar's batches jitter: 4.0 ms of 18.3 ms in the PPG), HR values and phone times exactly (0 bpm rows skipped), PP intervals
 * exactly (blocker rows skipped) at their cumulative beat times; a synthetic folder for
 * the rules and for bad input (a bad number, a header without the needed column). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io_test_util.h"
#include "pulsetrain/tz.h"

static const char *write_file(const char *dir, const char *name, const char *text)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    return path;
}

PT_TEST(synthetic_folder_rules_and_errors)
{
    const char *dir = io_tmp_path("pol");
    mkdir(dir, 0700);
    char d[1024];
    snprintf(d, sizeof d, "%s", dir);
    /* 4 ACC rows at 50 Hz with a missing row (a 40 ms step), HR with a 0, PPI with a blocker */
    write_file(d, "Polar_X_ACC.txt",
               "Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]\n"
               "2022-01-01T10:00:01.000;694346400000000000;1000;0;-5\n"
               "2022-01-01T10:00:01.000;694346400020000000;1001;0;-5\n"
               "2022-01-01T10:00:01.000;694346400060000000;1003;0;-5\n"
               "2022-01-01T10:00:01.000;694346400080000000;1004;0;-5\n");
    write_file(d, "Polar_X_HR.txt",
               "Phone timestamp;HR [bpm]\n2022-01-01T10:00:00.500;0\n"
               "2022-01-01T10:00:01.500;61\n");
    write_file(d, "Polar_X_PPI.txt",
               "Phone timestamp;PP-interval [ms];error estimate [ms];blocker;contact;contact;hr "
               "[bpm]\n2022-01-01T10:00:02.000;1000;10;0;1;1;60\n"
               "2022-01-01T10:00:02.000;900;10;1;1;1;60\n"
               "2022-01-01T10:00:02.000;800;10;0;1;1;60\n");
    PT_CHECK(!strcmp(pt_reader_probe(d), "polar"));
    pt_error err = {0};
    pt_reader *r = pt_reader_open(d, NULL, &err);
    PT_REQUIRE(r != NULL);
    const pt_recording_info *info = pt_reader_info(r);
    PT_REQUIRE(info->nchan == 5);
    /* the sensor time 694346400 s after 2000-01-01 is 2022-01-01T10:00:00 */
    PT_CHECK(!strcmp(info->start_time_utc, "2022-01-01T10:00:00.000Z"));
    PT_CHECK_NEAR(50.0, info->chan[0].fs_hz, 0, 1e-9);
    pt_block *b = pt_block_create(info, 200, &err); /* one block spans 4 s at 50 Hz */
    PT_REQUIRE(pt_reader_read(r, b, &err) == PT_OK);
    PT_CHECK_INT(5, b->n[0]);
    PT_REQUIRE(b->n[0] == 5);
    PT_CHECK_NEAR(1.0, b->x[0][0], 0, 1e-15);
    PT_CHECK(isnan(b->x[0][2])); /* the missing row */
    PT_CHECK_NEAR(1.004, b->x[0][4], 0, 1e-15);
    PT_REQUIRE(b->n[3] == 1);
    PT_CHECK_NEAR(61, b->x[3][0], 0, 0);
    PT_CHECK_NEAR(1.5, b->t[3][0], 0, 1e-9);
    PT_REQUIRE(b->n[4] == 2); /* the blocked interval advances the clock, not delivered */
    PT_CHECK_NEAR(1000, b->x[4][0], 0, 0);
    PT_CHECK_NEAR(2.0, b->t[4][0], 0, 1e-9);
    PT_CHECK_NEAR(800, b->x[4][1], 0, 0);
    PT_CHECK_NEAR(3.7, b->t[4][1], 0, 1e-9);
    pt_block_destroy(b);
    pt_reader_close(r);

    write_file(d, "Polar_X_HR.txt", "Phone timestamp;HR [bpm]\n2022-01-01T10:00:00.500;6x1\n");
    IO_EXPECT_FAIL(d, NULL, PT_EDATA, "Polar_X_HR.txt:2: '6x1' is not a number");
    write_file(d, "Polar_X_HR.txt", "Phone timestamp;bpm\n2022-01-01T10:00:00.500;61\n");
    IO_EXPECT_FAIL(d, NULL, PT_EFORMAT, "Polar_X_HR.txt:1: the header lacks");
}

/* ---- the real export ---- */

typedef struct rows {
    size_t n;
    double *v[4];
    double *t; /* sensor ns (relative to the first) or phone time */
    int *blocked;
} rows;

static void load(const char *path, int ncol, const int *cols, int sensor, int blocker_col,
                 rows *out)
{
    FILE *f = fopen(path, "r");
    PT_REQUIRE(f != NULL);
    char line[4096];
    size_t cap = 40000;
    memset(out, 0, sizeof *out);
    for (int a = 0; a < ncol; a++)
        out->v[a] = calloc(cap, sizeof(double));
    out->t = calloc(cap, sizeof(double));
    out->blocked = calloc(cap, sizeof(int));
    PT_REQUIRE(fgets(line, sizeof line, f) != NULL);
    long long ns0 = 0;
    while (out->n < cap && fgets(line, sizeof line, f)) {
        char *fld[16], *p = line;
        int k = 0;
        while (k < 16 && p) {
            fld[k++] = p;
            p = strchr(p, ';');
            if (p)
                *p++ = '\0';
        }
        size_t i = out->n++;
        for (int a = 0; a < ncol; a++)
            out->v[a][i] = strtod(fld[cols[a]], NULL);
        if (sensor) {
            long long ns = strtoll(fld[1], NULL, 10);
            if (i == 0)
                ns0 = ns;
            out->t[i] = (double)(ns - ns0) / 1e9;
        } else {
            PT_REQUIRE(pt_time_parse_iso8601(fld[0], &out->t[i]) == PT_OK);
        }
        out->blocked[i] = blocker_col >= 0 && atoi(fld[blocker_col]) == 1;
    }
    fclose(f);
}

static void rows_free(rows *r)
{
    for (int a = 0; a < 4; a++)
        free(r->v[a]);
    free(r->t);
    free(r->blocked);
}

PT_TEST(verity_sense_export_value_for_value)
{
    char rel[256];
    const char *dir = io_format_file("formats/polar/verity_sense_biobss");
    char d[1024];
    snprintf(d, sizeof d, "%s", dir);
    snprintf(rel, sizeof rel, "%s/Polar_Sense_PPG.txt", d);
    rows ppg, acc, hr, ppi;
    static const int cppg[4] = {2, 3, 4, 5}, cacc[3] = {2, 3, 4}, chr[1] = {1}, cppi[1] = {1};
    load(rel, 4, cppg, 1, -1, &ppg);
    snprintf(rel, sizeof rel, "%s/Polar_Sense_ACC.txt", d);
    load(rel, 3, cacc, 1, -1, &acc);
    snprintf(rel, sizeof rel, "%s/Polar_Sense_HR.txt", d);
    load(rel, 1, chr, 0, -1, &hr);
    snprintf(rel, sizeof rel, "%s/Polar_Sense_PPI.txt", d);
    load(rel, 1, cppi, 0, 3, &ppi);
    PT_CHECK_INT(28143, ppg.n);
    PT_CHECK_INT(26526, acc.n);

    pt_error err = {0};
    pt_reader *r = pt_reader_open(d, NULL, &err);
    PT_REQUIRE(r != NULL);
    const pt_recording_info *info = pt_reader_info(r);
    PT_CHECK(!strcmp(info->format, "polar"));
    PT_REQUIRE(info->nchan == 9);
    pt_block *b = pt_block_create(info, 1000, &err);
    size_t n[9] = {0};
    double dppg = 0, dacc = 0, dt_ppg = 0, dt_acc = 0, dhr_t = 0;
    size_t bad_hr = 0, bad_ppi = 0, ihr = 0, ippi = 0;
    double beat = NAN, dbeat = 0;
    for (;;) {
        PT_REQUIRE(pt_reader_read(r, b, &err) == PT_OK);
        size_t tot = 0;
        for (size_t c = 0; c < 9; c++)
            tot += b->n[c];
        if (!tot)
            break;
        for (size_t i = 0; i < b->n[0]; i++, n[0]++) {
            size_t k = n[0];
            if (k >= ppg.n)
                break;
            for (int a = 0; a < 4; a++)
                dppg = fmax(dppg, fabs(b->x[a][i] - ppg.v[a][k]));
            dt_ppg = fmax(dt_ppg, fabs((double)k / info->chan[0].fs_hz - ppg.t[k]));
        }
        for (size_t i = 0; i < b->n[4]; i++, n[4]++) {
            size_t k = n[4];
            if (k >= acc.n)
                break;
            for (int a = 0; a < 3; a++)
                dacc = fmax(dacc, fabs(b->x[4 + a][i] - acc.v[a][k] / 1000.0));
            dt_acc = fmax(dt_acc, fabs((double)k / info->chan[4].fs_hz - acc.t[k]));
        }
        for (size_t i = 0; i < b->n[7]; i++, n[7]++) {
            while (ihr < hr.n && hr.v[0][ihr] == 0)
                ihr++;
            if (ihr >= hr.n || b->x[7][i] != hr.v[0][ihr])
                bad_hr++;
            else
                dhr_t = fmax(dhr_t, fabs(info->start_unix_s + b->t[7][i] - hr.t[ihr]));
            ihr++;
        }
        for (size_t i = 0; i < b->n[8]; i++, n[8]++) {
            for (;;) { /* the beat clock: cumulative, from the first row's phone time */
                if (ippi >= ppi.n)
                    break;
                double tr = ppi.t[ippi] - info->start_unix_s;
                if (isnan(beat) || tr - beat > 5.0)
                    beat = tr - ppi.v[0][ippi] / 1000.0;
                beat += ppi.v[0][ippi] / 1000.0;
                if (!ppi.blocked[ippi])
                    break;
                ippi++;
            }
            if (ippi >= ppi.n || b->x[8][i] != ppi.v[0][ippi])
                bad_ppi++;
            else
                dbeat = fmax(dbeat, fabs(b->t[8][i] - beat));
            ippi++;
        }
    }
    printf("polar: PPG %zu samples max |d| %.3g (clock vs sensor %.3g s), ACC %zu max |d| %.3g g "
           "(clock %.3g s), HR %zu (%zu differ, time %.3g s), PPI %zu (%zu differ, beat time "
           "%.3g s)\n",
           n[0], dppg, dt_ppg, n[4], dacc, dt_acc, n[7], bad_hr, dhr_t, n[8], bad_ppi, dbeat);
    PT_CHECK_INT(28143, n[0]);
    PT_CHECK_INT(26526, n[4]);
    PT_CHECK_INT(548 - 73, n[7]);
    PT_CHECK_INT(442 - 21, n[8]);
    PT_CHECK(dppg == 0);
    PT_CHECK(dacc < 1e-12);
    PT_CHECK(dt_ppg < 0.25 / info->chan[0].fs_hz && dt_acc < 0.25 / info->chan[4].fs_hz);
    PT_CHECK_INT(0, bad_hr);
    PT_CHECK(dhr_t < 1e-6);
    PT_CHECK_INT(0, bad_ppi);
    PT_CHECK(dbeat < 1e-9);
    pt_block_destroy(b);
    pt_reader_close(r);
    rows_free(&ppg);
    rows_free(&acc);
    rows_free(&hr);
    rows_free(&ppi);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
