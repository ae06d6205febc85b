/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_e4.c — the Empatica E4 folder reader on the two real exports of
 * data/formats/e4 (figures from its README) and on bad folders. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io_test_util.h"

/* channel order: ACC_x, ACC_y, ACC_z, BVP, HR, IBI, EDA, TEMP */
enum { ACCX, ACCY, ACCZ, BVP, HR, IBI, EDA, TEMP };

PT_TEST(wesad_s15_matches_readme)
{
    const char *dir = io_format_file("formats/e4/wesad_S15");
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(dir, NULL, 2048, 500000, &a, &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "e4"));
    PT_REQUIRE(a.nchan == 8);
    PT_CHECK(!strcmp(a.info.start_time_utc, "2017-08-10T07:10:56.000Z"));
    PT_CHECK_NEAR(1502349056.0, a.info.start_unix_s, 0, 1e-6);
    PT_CHECK_INT(PT_KIND_ACC_X, a.info.chan[ACCX].kind);
    PT_CHECK_INT(PT_KIND_PPG, a.info.chan[BVP].kind);
    PT_CHECK_INT(PT_KIND_HR, a.info.chan[HR].kind);
    PT_CHECK_INT(PT_KIND_IBI, a.info.chan[IBI].kind);
    PT_CHECK_NEAR(32.0, a.info.chan[ACCX].fs_hz, 0, 0);
    PT_CHECK_NEAR(64.0, a.info.chan[BVP].fs_hz, 0, 0);
    PT_CHECK_NEAR(10.0, a.info.chan[HR].t0_s, 0, 1e-9); /* HR starts 10 s later */
    PT_CHECK_INT(212568, a.n[ACCX]);
    PT_CHECK_INT(425139, a.n[BVP]);
    PT_CHECK_INT(26568, a.n[EDA]);
    PT_CHECK_INT(26568, a.n[TEMP]);
    PT_CHECK_INT(6633, a.n[HR]);
    PT_CHECK_INT(3398, a.n[IBI]);
    PT_CHECK_INT(212568, a.info.chan[ACCX].n_samples);
    PT_CHECK(a.first_ok);
    /* first ACC row -1,1,63 in 1/64 g */
    PT_CHECK_NEAR(-1 / 64.0, a.x[ACCX][0], 0, 0);
    PT_CHECK_NEAR(63 / 64.0, a.x[ACCZ][0], 0, 0);
    PT_CHECK_NEAR(812.537, a.x[IBI][0], 1e-12, 0);
    PT_CHECK_NEAR(382.21, a.x[TEMP][3], 0, 1e-9);
    PT_CHECK_NEAR(0.0, a.x[EDA][0], 0, 0);
    double lo = INFINITY, hi = -INFINITY, hlo = INFINITY, hhi = -INFINITY;
    for (size_t i = 0; i < a.n[ACCX]; i++)
        for (int k = 0; k < 3; k++) {
            lo = fmin(lo, a.x[ACCX + k][i] * 64);
            hi = fmax(hi, a.x[ACCX + k][i] * 64);
        }
    for (size_t i = 0; i < a.n[HR]; i++) {
        hlo = fmin(hlo, a.x[HR][i]);
        hhi = fmax(hhi, a.x[HR][i]);
    }
    PT_CHECK_NEAR(-128, lo, 0, 0);
    PT_CHECK_NEAR(127, hi, 0, 0);
    PT_CHECK_NEAR(58.6, hlo, 0, 0.05 + 1e-9);
    PT_CHECK_NEAR(124.3, hhi, 0, 0.05 + 1e-9); /* README rounds to 0.1 */
    PT_CHECK_NEAR(6642.8, (double)a.n[ACCX] / a.info.chan[ACCX].fs_hz, 0, 0.05 + 1e-9);
    PT_CHECK_STR_CONTAINS(a.info.note, "1 event");
    io_all_free(&a);
}

PT_TEST(msr2023_without_tags_and_info)
{
    const char *dir = io_format_file("formats/e4/msr2023_tutorial");
    pt_error err = {0};
    io_all a;
    /* a file inside the folder opens the whole export */
    char bvp[1100];
    snprintf(bvp, sizeof bvp, "%s/BVP.csv", dir);
    PT_REQUIRE(io_read_all(bvp, NULL, 500, 300000, &a, &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "e4"));
    PT_CHECK(!strcmp(a.info.start_time_utc, "2023-04-05T09:23:40.000Z"));
    PT_CHECK_INT(117156, a.n[ACCX]);
    PT_CHECK_INT(234311, a.n[BVP]);
    PT_CHECK_INT(14646, a.n[EDA]);
    PT_CHECK_INT(14640, a.n[TEMP]);
    PT_CHECK_INT(3651, a.n[HR]);
    PT_CHECK_INT(570, a.n[IBI]);
    PT_CHECK(a.first_ok);
    io_all_free(&a);
    /* the IBI times: the first beat at 263.45 s */
    pt_reader *r = pt_reader_open(dir, NULL, &err);
    PT_REQUIRE(r);
    pt_block *b = pt_block_create(pt_reader_info(r), 64, &err);
    double t_first = NAN;
    while (pt_reader_read(r, b, &err) == PT_OK) {
        size_t tot = 0;
        for (size_t c = 0; c < b->nchan; c++)
            tot += b->n[c];
        if (!tot)
            break;
        if (b->n[IBI] && isnan(t_first))
            t_first = b->t[IBI][0];
    }
    PT_CHECK_NEAR(263.45, t_first, 0, 0.005);
    pt_block_destroy(b);
    pt_reader_close(r);
}

static const char *e4_folder(const char *name, const char *acc, const char *ibi)
{
    char dir[1024], p[300];
    snprintf(dir, sizeof dir, "%s", io_tmp_path(name));
    mkdir(dir, 0700);
    snprintf(p, sizeof p, "%.200s/ACC.csv", name);
    if (acc)
        io_write_bytes(p, acc, strlen(acc));
    snprintf(p, sizeof p, "%.200s/IBI.csv", name);
    if (ibi)
        io_write_bytes(p, ibi, strlen(ibi));
    return io_tmp_path(name);
}

#define HDR "1600000000, 1600000000, 1600000000\n32, 32, 32\n"

PT_TEST(bad_folders)
{
    pt_error err = {0};
    io_all a;
    PT_CHECK(io_read_all(e4_folder("good", HDR "1,2,3\n4,5,6\n", "1600000000, IBI\n1.0,0.8\n"),
                         NULL, 16, 100, &a, &err) == PT_OK);
    PT_CHECK_INT(2, a.n[0]);
    PT_CHECK_INT(1, a.n[3]);
    io_all_free(&a);
    pt_read_options o = pt_read_defaults();
    o.format = "e4";
    IO_EXPECT_FAIL(e4_folder("nofiles", NULL, NULL), &o, PT_EFORMAT, "no E4 signal file");
    IO_EXPECT_FAIL(e4_folder("nofiles", NULL, NULL), NULL, PT_EFORMAT, "not a recording");
    IO_EXPECT_FAIL(e4_folder("empty", "", NULL), NULL, PT_EFORMAT, "ACC.csv:1: the file is empty");
    IO_EXPECT_FAIL(e4_folder("fs0", "1600000000, 1600000000, 1600000000\n0, 0, 0\n1,2,3\n", NULL),
                   NULL, PT_EFORMAT, "ACC.csv:2: sample rate 0");
    IO_EXPECT_FAIL(e4_folder("fsneg", "1600000000, 1600000000, 1600000000\n-32,-32,-32\n", NULL),
                   NULL, PT_EFORMAT, "ACC.csv:2: sample rate -32");
    IO_EXPECT_FAIL(e4_folder("start", "hello\n32\n", NULL), NULL, PT_EFORMAT, "ACC.csv:1:");
    IO_EXPECT_FAIL(e4_folder("text", HDR "1,2,3\n1,x,3\n", NULL), NULL, PT_EDATA, "ACC.csv:4: 'x");
    IO_EXPECT_FAIL(e4_folder("trunc", HDR "1,2,3\n1,2", NULL), NULL, PT_EFORMAT,
                   "ACC.csv:4: 2 columns, expected 3 (truncated line?)");
    IO_EXPECT_FAIL(e4_folder("inf", HDR "1,2,3\n1,inf,3\n", NULL), NULL, PT_EDATA,
                   "ACC.csv:4: infinite");
    IO_EXPECT_FAIL(e4_folder("back", NULL, "1600000000, IBI\n2.0,0.8\n1.5,0.8\n"), NULL, PT_EDATA,
                   "IBI.csv:3:");
    IO_EXPECT_FAIL(e4_folder("repeat", NULL, "1600000000, IBI\n2.0,0.8\n2.0,0.8\n"), NULL, PT_EDATA,
                   "IBI.csv:3:");
    /* NaN samples are kept as missing */
    PT_CHECK(io_read_all(e4_folder("nan", HDR "1,nan,3\n", NULL), NULL, 16, 100, &a, &err) ==
             PT_OK);
    PT_CHECK(isnan(a.x[1][0]));
    io_all_free(&a);
    /* the portal's zip is read (tests/io/test_e4zip.c); a cut one is refused */
    IO_EXPECT_FAIL(io_write_bytes("x.zip", "PK\x03\x04", 4), &o, PT_EFORMAT, "truncated");
}

/* The reader's decimal conversion (a fast path for plain decimals) gives
 * strtod's value bit for bit, on awkward strings too. */
PT_TEST(numbers_equal_strtod)
{
    enum { N = 20000 };
    static const char *const fixed[] = {"-0.00",
                                        "0",
                                        "+5",
                                        "5.",
                                        ".5",
                                        "-.5",
                                        "00.0500",
                                        "1e22",
                                        "1e23",
                                        "1.5e-22",
                                        "4e-400",
                                        "9007199254740992",
                                        "9007199254740993",
                                        "12345678901234567890",
                                        "0.1",
                                        "0.3",
                                        "1234567.1234567",
                                        "2.2250738585072014e-308",
                                        "1.7976931348623157e308",
                                        "1e+05",
                                        "0x1p3",
                                        "nan",
                                        "-nan",
                                        "1E5",
                                        "123456789012345678.5",
                                        "0.000000000000000000001",
                                        "-1056.400000",
                                        "999999999999999999",
                                        "1.0000000000000001",
                                        "7e-1",
                                        "3.14159265358979"};
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    char *text = malloc((size_t)N * 40 + 64), **vals = calloc(N, sizeof *vals);
    PT_REQUIRE(text && vals);
    size_t k = (size_t)sprintf(text, "1600000000\n64\n");
    uint64_t st = 88172645463325252u;
    for (int i = 0; i < N; i++) {
        char v[40];
        st ^= st << 13;
        st ^= st >> 7;
        st ^= st << 17;
        double d = (double)(int64_t)(st >> 11) * 1e-9 * ((st & 7) ? 1 : 1e-30);
        switch (i % 5) {
        case 0: snprintf(v, sizeof v, "%s", fixed[(size_t)i / 5 % nfixed]); break;
        case 1: snprintf(v, sizeof v, "%.2f", d); break;
        case 2: snprintf(v, sizeof v, "%.17g", d); break;
        case 3: snprintf(v, sizeof v, "%.*f", (int)(st % 20), d / 1e6); break;
        default: snprintf(v, sizeof v, "%.*e", (int)(st % 18), d); break;
        }
        vals[i] = text + k;
        k += (size_t)sprintf(text + k, "%s\n", v);
    }
    const char *dir = io_tmp_path("nums");
    mkdir(dir, 0700);
    io_write_bytes("nums/BVP.csv", text, k);
    pt_error err = {0};
    io_all a;
    pt_read_options raw = pt_read_defaults();
    raw.sample_abs_max = 0; /* parity with strtod: 1e308 too, the range policy off */
    PT_REQUIRE(io_read_all(dir, &raw, 1000, N, &a, &err) == PT_OK);
    PT_REQUIRE(a.n[0] == N);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        double want = strtod(vals[i], NULL);
        if (memcmp(&want, &a.x[0][i], sizeof want) && !(isnan(want) && isnan(a.x[0][i])) &&
            bad++ < 5)
            PT_FAILF("'%.30s': strtod %.17g, reader %.17g", vals[i], want, a.x[0][i]);
    }
    PT_CHECK_INT(0, bad);
    io_all_free(&a);
    free(vals);
    free(text);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
