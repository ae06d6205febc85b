/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_edf.c — the EDF/EDF+ reader: the wrist PPG records (PhysioNet `wrist`)
 * against the README in data/formats/edf and against their CSV twins in
 * data/wrist_ppg_exercise; EDF+D gaps; what bad input gets. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_test_util.h"

/* ---- a tiny EDF writer for the bad-input cases ---- */

static void put(char *dst, size_t width, const char *fmt, ...) PT_PRINTF(3, 4);
static void put(char *dst, size_t width, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    size_t n = strlen(tmp);
    memset(dst, ' ', width);
    memcpy(dst, tmp, n < width ? n : width);
}

typedef struct edf_spec {
    int ns;               /* signals (the last one is annotations when plus_d) */
    const char *nrec;     /* header field text */
    const char *dur;      /* record duration field */
    int spr;              /* samples per record, every signal */
    int nrec_written;     /* records actually written */
    int plus_d;           /* EDF+D with an annotation signal */
    const double *onsets; /* EDF+D record onsets */
    const char *hdr_len;  /* NULL: correct */
    int dmin, dmax;
} edf_spec;

/* Build an EDF in memory; sample i of signal j in record r = r*spr + i + j. */
static size_t make_edf(const edf_spec *sp, char *out, size_t cap)
{
    int ns = sp->ns;
    size_t hdr = 256 * (size_t)(ns + 1);
    memset(out, ' ', hdr);
    put(out, 8, "0");
    put(out + 8, 80, "X X X X");
    put(out + 88, 80, "Startdate X X X X");
    put(out + 168, 8, "01.05.24");
    put(out + 176, 8, "12.30.00");
    if (sp->hdr_len)
        put(out + 184, 8, "%s", sp->hdr_len);
    else
        put(out + 184, 8, "%zu", hdr);
    put(out + 192, 44, "%s", sp->plus_d ? "EDF+D" : "");
    put(out + 236, 8, "%s", sp->nrec);
    put(out + 244, 8, "%s", sp->dur);
    put(out + 252, 4, "%d", ns);
    size_t n = (size_t)ns;
    for (int j = 0; j < ns; j++) {
        int annot = sp->plus_d && j == ns - 1;
        put(out + 256 + 16 * j, 16, "%s", annot ? "EDF Annotations" : j == 0 ? "PPG" : "ECG");
        put(out + 256 + 96 * n + 8 * j, 8, "%s", annot ? "" : "mV");
        put(out + 256 + 104 * n + 8 * j, 8, "%d", annot ? -1 : -100);
        put(out + 256 + 112 * n + 8 * j, 8, "%d", annot ? 1 : 100);
        put(out + 256 + 120 * n + 8 * j, 8, "%d", annot ? -32768 : sp->dmin);
        put(out + 256 + 128 * n + 8 * j, 8, "%d", annot ? 32767 : sp->dmax);
        put(out + 256 + 216 * n + 8 * j, 8, "%d", sp->spr);
    }
    size_t at = hdr;
    for (int r = 0; r < sp->nrec_written; r++)
        for (int j = 0; j < ns; j++) {
            if (sp->plus_d && j == ns - 1) {
                char tal[256];
                memset(tal, 0, sizeof tal);
                snprintf(tal, sizeof tal, "%+g\x14\x14", sp->onsets[r]);
                memcpy(out + at, tal, (size_t)sp->spr * 2);
                at += (size_t)sp->spr * 2;
                continue;
            }
            for (int i = 0; i < sp->spr; i++) {
                int v = r * sp->spr + i + j;
                out[at++] = (char)(v & 0xFF);
                out[at++] = (char)((v >> 8) & 0xFF);
            }
        }
    if (at > cap)
        abort();
    return at;
}

static char edfbuf[1 << 16];

static const char *edf_file(const char *name, const edf_spec *sp)
{
    size_t n = make_edf(sp, edfbuf, sizeof edfbuf);
    return io_write_bytes(name, edfbuf, n);
}

static edf_spec good_spec(void)
{
    edf_spec sp = {.ns = 2,
                   .nrec = "3",
                   .dur = "1",
                   .spr = 8,
                   .nrec_written = 3,
                   .dmin = -32768,
                   .dmax = 32767};
    return sp;
}

PT_TEST(synthetic_values_and_blocks)
{
    edf_spec sp = good_spec();
    const char *path = edf_file("ok.edf", &sp);
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(path, NULL, 16, 1000, &a, &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "edf"));
    PT_CHECK_INT(2, a.nchan);
    PT_CHECK_INT(PT_KIND_PPG, a.info.chan[0].kind);
    PT_CHECK_INT(PT_KIND_ECG, a.info.chan[1].kind);
    PT_CHECK_NEAR(8.0, a.info.chan[0].fs_hz, 0, 1e-12);
    PT_CHECK_INT(24, a.n[0]);
    PT_CHECK(a.first_ok);
    /* (d + 32768) * 200/65535 - 100 */
    int ok = 1;
    for (size_t i = 0; i < 24; i++)
        ok &= fabs(a.x[1][i] - ((double)(i + 1) + 32768.0) * 200.0 / 65535.0 + 100.0) < 1e-12;
    PT_CHECK(ok);
    PT_CHECK(!strcmp(a.info.start_time_utc, "2024-05-01T12:30:00.000Z"));
    PT_CHECK_NEAR(3.0, a.info.duration_s, 0, 1e-12);
    io_all_free(&a);
}

PT_TEST(edf_plus_d_gap_becomes_nan)
{
    static const double onsets[] = {0, 1, 3}; /* record 2 starts 1 s late */
    edf_spec sp = good_spec();
    sp.plus_d = 1;
    sp.onsets = onsets;
    const char *path = edf_file("gap.edf", &sp);
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(path, NULL, 16, 1000, &a, &err) == PT_OK);
    PT_CHECK_INT(1, a.nchan); /* the annotation signal is not a channel */
    PT_CHECK_INT(32, a.n[0]);
    PT_CHECK(isnan(a.x[0][16]) && isnan(a.x[0][23]));
    PT_CHECK_NEAR(16.0, a.x[0][24] * 65535.0 / 200.0 - 32768.0 + 100.0 * 65535.0 / 200.0, 0, 1e-6);
    PT_CHECK_NEAR(4.0, a.info.duration_s, 0, 1e-12);
    io_all_free(&a);
}

PT_TEST(edf_plus_d_time_backwards)
{
    static const double onsets[] = {0, 1, 1.5};
    edf_spec sp = good_spec();
    sp.plus_d = 1;
    sp.onsets = onsets;
    IO_EXPECT_FAIL(edf_file("back.edf", &sp), NULL, PT_EDATA, "data record 2");
}

PT_TEST(bad_input)
{
    IO_EXPECT_FAIL(io_write_bytes("empty.edf", "", 0), NULL, PT_EFORMAT, "empty");
    edf_spec sp = good_spec();
    size_t n = make_edf(&sp, edfbuf, sizeof edfbuf);
    pt_read_options o = pt_read_defaults();
    o.format = "edf";
    IO_EXPECT_FAIL(io_write_bytes("hdr.edf", edfbuf, 200), &o, PT_EFORMAT, "truncated EDF header");
    IO_EXPECT_FAIL(io_write_bytes("sig.edf", edfbuf, 600), &o, PT_EFORMAT, "truncated EDF header");
    /* the header says 3 records, the file holds 2 and a half */
    const char *trunc = io_write_bytes("trunc.edf", edfbuf, n - 20);
    IO_EXPECT_FAIL(trunc, NULL, PT_EFORMAT, "promises 3 data records");
    pt_error err = {0};
    io_all a;
    o.allow_truncated = 1;
    PT_CHECK(io_read_all(trunc, &o, 16, 100, &a, &err) == PT_OK);
    PT_CHECK_INT(16, a.n[0]);
    PT_CHECK_STR_CONTAINS(a.info.note, "truncated");
    io_all_free(&a);
    sp = good_spec();
    sp.hdr_len = "1024";
    IO_EXPECT_FAIL(edf_file("len.edf", &sp), NULL, PT_EFORMAT, "byte 184");
    sp = good_spec();
    sp.dur = "0";
    IO_EXPECT_FAIL(edf_file("dur0.edf", &sp), NULL, PT_EFORMAT, "byte 244");
    sp.dur = "-1";
    IO_EXPECT_FAIL(edf_file("durneg.edf", &sp), NULL, PT_EFORMAT, "record duration");
    sp = good_spec();
    sp.dmin = 100;
    sp.dmax = 100;
    IO_EXPECT_FAIL(edf_file("range.edf", &sp), NULL, PT_EFORMAT, "bad ranges");
    sp = good_spec();
    sp.spr = 0;
    sp.nrec_written = 0;
    IO_EXPECT_FAIL(edf_file("spr0.edf", &sp), NULL, PT_EFORMAT, "samples per record");
    /* a channel map with an unknown name */
    sp = good_spec();
    o = pt_read_defaults();
    o.channels = "ppg,heartbeat";
    IO_EXPECT_FAIL(edf_file("map.edf", &sp), &o, PT_EINVAL, "'heartbeat'");
    o.channels = "aux,ppg";
    PT_CHECK(io_read_all(edf_file("map2.edf", &sp), &o, 16, 100, &a, &err) == PT_OK);
    PT_CHECK_INT(PT_KIND_AUX, a.info.chan[0].kind);
    PT_CHECK_INT(PT_KIND_PPG, a.info.chan[1].kind);
    io_all_free(&a);
}

PT_TEST(annotations_only_file_is_rejected)
{
    const char *path = io_format_file("formats/edf/hmc_SN001_sleepscoring_test_edfann.edf");
    IO_EXPECT_FAIL(path, NULL, PT_EFORMAT, "annotations only");
}

/* README (formats/edf): 15 signals, 256 Hz, 400 records (s2_walk) / 308 (s3_run);
 * mean |wide-range acc| 10.1 and 10.7 m/s^2. */
static void check_wrist(const char *rel, int64_t nrec, double mean_wide_ms2)
{
    const char *path = io_format_file(rel);
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(path, NULL, 1000, 120000, &a, &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "edf"));
    PT_CHECK_INT(15, a.nchan);
    PT_CHECK_INT(PT_KIND_ECG, a.info.chan[0].kind);
    PT_CHECK_INT(PT_KIND_PPG, a.info.chan[1].kind);
    PT_CHECK_INT(PT_KIND_ACC_X, a.info.chan[5].kind);
    PT_CHECK_INT(PT_KIND_ACC_Y, a.info.chan[6].kind);
    PT_CHECK_INT(PT_KIND_ACC_Z, a.info.chan[7].kind);
    PT_CHECK_INT(PT_KIND_AUX, a.info.chan[8].kind); /* the wide-range accelerometer */
    PT_CHECK(!strcmp(a.info.chan[5].units, "g"));
    PT_CHECK_NEAR(256.0, a.info.chan[1].fs_hz, 0, 1e-12);
    PT_CHECK_INT(nrec * 256, a.n[1]);
    PT_CHECK_INT(nrec * 256, a.info.chan[1].n_samples);
    PT_CHECK_NEAR((double)nrec, a.info.duration_s, 0, 1e-9);
    PT_CHECK(a.first_ok);
    double sum = 0;
    for (size_t i = 0; i < a.n[8]; i++)
        sum += sqrt(a.x[8][i] * a.x[8][i] + a.x[9][i] * a.x[9][i] + a.x[10][i] * a.x[10][i]);
    /* wide-range acc delivered in g: README's figure to its 3 digits */
    PT_CHECK_NEAR(mean_wide_ms2, sum / (double)a.n[8] * 9.80665, 0, 0.05);
    io_all_free(&a);
}

PT_TEST(wrist_s2_walk_matches_readme)
{
    check_wrist("formats/edf/s2_walk.edf", 400, 10.1);
}
PT_TEST(wrist_s3_run_matches_readme)
{
    check_wrist("formats/edf/s3_run.edf", 308, 10.7);
}

/* The EDF and its CSV twin (wrist_ppg_exercise/<rec>.csv: ppg_mV %.2f, acc m/s^2 %.4f). */
static void check_twin(const char *rec)
{
    char edf[128], csv[128];
    snprintf(edf, sizeof edf, "formats/edf/%s.edf", rec);
    snprintf(csv, sizeof csv, "wrist_ppg_exercise/%s.csv", rec);
    const char *pe = io_format_file(edf), *pc = io_format_file(csv);
    pt_error err = {0};
    io_all e, c;
    PT_REQUIRE(io_read_all(pe, NULL, 4096, 120000, &e, &err) == PT_OK);
    PT_REQUIRE(io_read_all(pc, NULL, 4096, 120000, &c, &err) == PT_OK);
    PT_REQUIRE(c.nchan == 4);
    PT_CHECK_INT(e.n[1], c.n[0]);
    double dppg = 0, dacc = 0;
    for (size_t i = 0; i < c.n[0] && i < e.n[1]; i++) {
        dppg = fmax(dppg, fabs(e.x[1][i] - c.x[0][i]));
        for (int k = 0; k < 3; k++)
            dacc = fmax(dacc, fabs(e.x[5 + k][i] - c.x[1 + k][i]));
    }
    /* half of the CSV's last printed digit, plus double rounding */
    PT_CHECK(dppg <= 0.005 + 1e-9);
    PT_CHECK(dacc <= 0.00005 / 9.80665 + 1e-12);
    fprintf(stderr, "  %s: %zu samples, max |EDF - CSV| ppg %.2g mV, acc %.2g g\n", rec, c.n[0],
            dppg, dacc);
    io_all_free(&e);
    io_all_free(&c);
}

PT_TEST(wrist_edf_equals_csv_twin)
{
    check_twin("s2_walk");
    check_twin("s3_run");
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
