/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_csv_numbers.c — every number the CSV reader parses is the double strtod gives for
 * that cell, bit for bit: 2 x 10^6 random decimal strings (signs, leading zeros, 1..21
 * digits, the point anywhere, a few exponents) and the edge cases (2^53 and its
 * neighbours, 19/20 digits, '.5', '5.', -0, blanks, quotes, empty cells), through both
 * the one-pass row parser and the general path, in files with and without a time column,
 * LF and CRLF, across buffer and block boundaries. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_test.h"
#include "pulsetrain/io.h"

#define NROWS 500000 /* x 2 columns x 2 files = 2 x 10^6 random strings */

static char tmpdir[256];

static const char *tmp_path(const char *name)
{
    static char path[512];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/pt_test_csvnum_XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
    }
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

/* splitmix64 (Steele, Lea & Flood 2014): explicit state, no rand() */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static unsigned below(uint64_t *s, unsigned n)
{
    return (unsigned)(next_u64(s) % n);
}

/* A random decimal string into out[64]: mostly what the fast paths take, some not. */
static void random_decimal(uint64_t *s, char *out)
{
    char *p = out;
    unsigned r = below(s, 10);
    if (r < 3)
        *p++ = '-';
    else if (r == 3)
        *p++ = '+';
    unsigned ndig = below(s, 8) == 0 ? 15 + below(s, 7) : 1 + below(s, 14); /* 1..21 */
    unsigned point = below(s, 5) == 0 ? ndig + 1 : below(s, ndig + 1);      /* > ndig: none */
    for (unsigned i = 0; i < ndig; i++) {
        if (i == point)
            *p++ = '.';
        *p++ = (char)('0' + below(s, 10));
    }
    if (point == ndig)
        *p++ = '.';
    if (below(s, 33) == 0)
        p += sprintf(p, "%c%c%u", below(s, 2) ? 'e' : 'E', below(s, 2) ? '-' : '+', below(s, 250));
    *p = '\0';
}

static const char *const edge[] = {
    "0",
    "-0",
    "+0",
    "-0.0",
    "0.",
    ".5",
    "5.",
    "-.5",
    "+.5",
    "-5.",
    "00012",
    "-00012.500",
    "000000000000000000001",
    "0.000000000000000000001",
    "0.0000000000000000000001",
    "0.00000000000000000000001",
    "1234567890123456789",
    "12345678901234567890",
    "123456789012345678901",
    "9007199254740992",
    "9007199254740993",
    "9007199254740991",
    "-9007199254740993",
    "900719925474099.3",
    "0.9007199254740993",
    "9007199254740992.0",
    "90071992547409.92",
    "1e5",
    "1E-5",
    "-1.5e+200",
    "4.9e-324",
    "2.2250738585072014e-308",
    "0.1",
    "0.2",
    "0.3",
    "1.7976931348623157e308",
    "86399.984375",
    "-0.2569",
    " 1.25",
    "1.25 ",
    "\t-3.5",
    "\"2.5\"",
    " \"-7.75\" ",
    "\"\"",
    "",
    "nan",
    "NaN",
    "-nan",
    ".0",
    "0.0",
};
#define NEDGE (sizeof edge / sizeof edge[0])

/* What the reader should give for a cell: split's trimming (blanks, then one pair of
 * quotes), then strtod of the whole rest; empty -> NaN (a missing sample, or a gap). */
static double expected(const char *cell)
{
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%s", cell);
    char *a = tmp, *z = tmp + strlen(tmp);
    while (a < z && (*a == ' ' || *a == '\t'))
        a++;
    while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
        z--;
    if (z - a >= 2 && *a == '"' && z[-1] == '"') {
        a++;
        z--;
    }
    *z = '\0';
    if (a == z)
        return NAN;
    char *end;
    double v = strtod(a, &end);
    if (end != z)
        abort(); /* the generator only writes numbers */
    return v;
}

/* Read channels 0 and 1 of path whole into x0, x1 [size: cap]. */
static int read_two(const char *path, double fs_hz, double *x0, double *x1, size_t cap, size_t *n0,
                    size_t *n1, pt_error *err)
{
    pt_read_options o = pt_read_defaults();
    o.sample_abs_max = 0; /* parity with strtod: 1e308 too, the range policy off */
    o.format = "csv";
    o.fs_hz = fs_hz;
    pt_reader *r = pt_reader_open(path, &o, err);
    if (!r)
        return err->code;
    pt_block *b = pt_block_create(pt_reader_info(r), 4093, err);
    int rc = b ? PT_OK : err->code;
    *n0 = *n1 = 0;
    while (rc == PT_OK) {
        if ((rc = pt_reader_read(r, b, err)))
            break;
        if (b->n[0] == 0 && b->n[1] == 0)
            break;
        for (size_t i = 0; i < b->n[0] && *n0 < cap; i++)
            x0[(*n0)++] = b->x[0][i];
        for (size_t i = 0; i < b->n[1] && *n1 < cap; i++)
            x1[(*n1)++] = b->x[1][i];
    }
    pt_block_destroy(b);
    pt_reader_close(r);
    return rc;
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* One file: header, NEDGE edge rows (each edge case in both columns, shifted by one so the
 * pair differs), then NROWS random rows; compares every value with strtod's. */
static void check_file(const char *name, int with_time, const char *delim, const char *eol,
                       uint64_t seed)
{
    size_t nrows = NEDGE + NROWS + 1; /* + 1: a last plain row, so no empty cell is last */
    double *e0 = malloc(nrows * sizeof *e0), *e1 = malloc(nrows * sizeof *e1);
    double *x0 = malloc(nrows * sizeof *x0), *x1 = malloc(nrows * sizeof *x1);
    PT_REQUIRE(e0 && e1 && x0 && x1);
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    PT_REQUIRE(f != NULL);
    if (with_time)
        fprintf(f, "t_s%s", delim);
    fprintf(f, "ppg%sx%s", delim, eol);
    uint64_t s = seed;
    char a[80], b[80];
    for (size_t i = 0; i < nrows; i++) {
        if (i < NEDGE) {
            snprintf(a, sizeof a, "%s", edge[i]);
            snprintf(b, sizeof b, "%s", edge[(i + 1) % NEDGE]);
        } else if (i + 1 < nrows) {
            random_decimal(&s, a);
            random_decimal(&s, b);
        } else {
            snprintf(a, sizeof a, "1");
            snprintf(b, sizeof b, "2");
        }
        e0[i] = expected(a);
        e1[i] = expected(b);
        if (with_time) {
            /* 64 Hz: i/64 is exact with 6 decimals; leading zeros and '+' now and then */
            double t = (double)i / 64.0;
            if (i % 7 == 3)
                fprintf(f, "+%09.6f%s", t, delim);
            else if (i % 5 == 1)
                fprintf(f, "%.8f%s", t, delim);
            else
                fprintf(f, "%.6f%s", t, delim);
        }
        fprintf(f, "%s%s%s%s", a, delim, b, eol);
    }
    PT_REQUIRE(fclose(f) == 0);
    pt_error err = {0};
    size_t n0 = 0, n1 = 0;
    PT_CHECK_INT(PT_OK,
                 read_two(path, with_time ? (double)NAN : 64.0, x0, x1, nrows, &n0, &n1, &err));
    if (err.code)
        fprintf(stderr, "%s\n", err.msg);
    PT_CHECK_INT(nrows, n0);
    PT_CHECK_INT(nrows, n1);
    size_t bad = 0;
    for (size_t i = 0; i < n0 && i < n1; i++) {
        int ok0 = same_double(e0[i], x0[i]), ok1 = same_double(e1[i], x1[i]);
        if ((!ok0 || !ok1) && bad++ < 10)
            PT_FAILF("%s row %zu: expected %.17g %.17g, read %.17g %.17g", name, i, e0[i], e1[i],
                     x0[i], x1[i]);
    }
    PT_CHECK_INT(0, bad);
    free(e0);
    free(e1);
    free(x0);
    free(x1);
}

PT_TEST(numbers_equal_strtod_time_column_lf)
{
    check_file("a.csv", 1, ",", "\n", 1);
}

PT_TEST(numbers_equal_strtod_no_time_crlf)
{
    check_file("b.csv", 0, ";", "\r\n", 2);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, tmpdir);
}
