/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_memory.c — recordings from arrays (pt_memory_recording): the same samples as a CSV
 * and as arrays give the same summary, every table and column bit for bit (NaN equal to
 * NaN; no tolerance: the arrays are the very doubles the CSV reader delivered, cut into the
 * same blocks); the reader's description agrees; bad arrays are refused naming the channel. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_test_util.h"
#include "pt_test.h"
#include "pulsetrain/pipeline.h"

/* Every sample of every channel of a file, with its description (times for irregular ones). */
typedef struct recording {
    pt_recording_info info;
    double *x[PT_MAX_CHANNELS], *t[PT_MAX_CHANNELS];
    size_t n[PT_MAX_CHANNELS];
} recording;

static void recording_free(recording *r)
{
    for (size_t c = 0; c < PT_MAX_CHANNELS; c++) {
        free(r->x[c]);
        free(r->t[c]);
    }
    memset(r, 0, sizeof *r);
}

static int read_whole(const char *path, recording *rec, pt_error *err)
{
    memset(rec, 0, sizeof *rec);
    pt_reader *r = pt_reader_open(path, NULL, err);
    if (!r)
        return err->code;
    pt_block *b = pt_block_create(pt_reader_info(r), 4096, err);
    size_t cap[PT_MAX_CHANNELS] = {0};
    int rc = b ? PT_OK : err->code;
    while (b && (rc = pt_reader_read(r, b, err)) == PT_OK) {
        size_t tot = 0;
        for (size_t c = 0; c < b->nchan; c++) {
            tot += b->n[c];
            if (rec->n[c] + b->n[c] > cap[c]) {
                cap[c] = 2 * (rec->n[c] + b->n[c]);
                rec->x[c] = realloc(rec->x[c], cap[c] * sizeof(double));
                rec->t[c] = realloc(rec->t[c], cap[c] * sizeof(double));
                if (!rec->x[c] || !rec->t[c])
                    abort();
            }
            memcpy(rec->x[c] + rec->n[c], b->x[c], b->n[c] * sizeof(double));
            if (b->t[c])
                memcpy(rec->t[c] + rec->n[c], b->t[c], b->n[c] * sizeof(double));
            rec->n[c] += b->n[c];
        }
        if (!tot)
            break;
    }
    rec->info = *pt_reader_info(r);
    pt_block_destroy(b);
    pt_reader_close(r);
    return rc;
}

/* The arrays of rec as a pt_memory_recording (ch has room for PT_MAX_CHANNELS). */
static pt_memory_recording as_memory(const recording *rec, pt_memory_channel *ch)
{
    for (size_t c = 0; c < rec->info.nchan; c++) {
        const pt_channel_info *ci = &rec->info.chan[c];
        ch[c] = (pt_memory_channel){.name = ci->name,
                                    .kind = ci->kind,
                                    .fs_hz = ci->fs_hz,
                                    .units = ci->units,
                                    .t0_s = ci->t0_s,
                                    .x = rec->x[c],
                                    .t = ci->fs_hz > 0 ? NULL : rec->t[c],
                                    .n = rec->n[c]};
    }
    return (pt_memory_recording){.label = "<arrays>",
                                 .start_unix_s = rec->info.start_unix_s,
                                 .nchan = rec->info.nchan,
                                 .chan = ch};
}

static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Every table of a and b: names, columns, units, attributes and values bit for bit. */
static void check_same_summary(const pt_summary *a, const pt_summary *b)
{
    PT_CHECK_INT(pt_summary_ntables(a), pt_summary_ntables(b));
    for (size_t i = 0; i < pt_summary_ntables(a); i++) {
        const pt_table *ta = pt_summary_table_at(a, i);
        const pt_table *tb = pt_summary_table_const(b, pt_table_name(ta));
        if (!tb)
            PT_FAILF("table %s missing", pt_table_name(ta));
        PT_REQUIRE(tb != NULL);
        PT_CHECK_INT(pt_table_nrows(ta), pt_table_nrows(tb));
        PT_CHECK_INT(pt_table_ncols(ta), pt_table_ncols(tb));
        for (size_t k = 0; k < pt_table_nattrs(ta); k++)
            PT_CHECK(same(pt_table_attr(ta, k), pt_table_attr(tb, k)));
        for (size_t col = 0; col < pt_table_ncols(ta); col++) {
            const char *name = pt_table_colname(ta, col);
            int cb = pt_table_colindex(tb, name);
            if (cb < 0)
                PT_FAILF("/%s/%s missing", pt_table_name(ta), name);
            PT_REQUIRE(cb >= 0);
            PT_CHECK(!strcmp(pt_table_colunits(ta, col), pt_table_colunits(tb, (size_t)cb)));
            /* an empty table's columns have no storage (NULL) */
            const double *xa = pt_table_column(ta, name), *xb = pt_table_column(tb, name);
            size_t bad = 0, n = pt_table_nrows(ta) < pt_table_nrows(tb) ? pt_table_nrows(ta)
                                                                        : pt_table_nrows(tb);
            /* the whole-recording /hrv row's length: a CSV's is its last time + 1 / the rate
             * estimated from its time column, arrays' n / fs exactly (as duration_s below) */
            int length = !strcmp(pt_table_name(ta), "hrv") && !strcmp(name, "duration_s");
            for (size_t r = 0; r < n; r++)
                bad += length ? !(fabs(xa[r] - xb[r]) <= 1e-6) : !same(xa[r], xb[r]);
            if (bad)
                PT_FAILF("/%s/%s: %zu of %zu values differ", pt_table_name(ta), name, bad, n);
        }
    }
    PT_CHECK(!strcmp(pt_summary_notes(a), pt_summary_notes(b)));
    const pt_recording_info *ra = pt_summary_recording(a), *rb = pt_summary_recording(b);
    /* a CSV's duration is its last printed time (to 1 us) plus a period; the arrays' is
     * n / fs exactly */
    PT_CHECK_NEAR(ra->duration_s, rb->duration_s, 0, 1e-6);
    PT_CHECK(same(ra->start_unix_s, rb->start_unix_s));
    PT_CHECK(!strcmp(ra->start_time_utc, rb->start_time_utc));
    PT_CHECK_INT(ra->nchan, rb->nchan);
    for (size_t c = 0; c < ra->nchan && c < rb->nchan; c++) {
        PT_CHECK(!strcmp(ra->chan[c].name, rb->chan[c].name));
        PT_CHECK(!strcmp(ra->chan[c].units, rb->chan[c].units));
        PT_CHECK_INT(ra->chan[c].kind, rb->chan[c].kind);
        PT_CHECK_INT(ra->chan[c].n_samples, rb->chan[c].n_samples);
        PT_CHECK(same(ra->chan[c].fs_hz, rb->chan[c].fs_hz));
        PT_CHECK(same(ra->chan[c].t0_s, rb->chan[c].t0_s));
    }
}

/* process(csv) == process(the same samples as arrays), with threads 1 and 2. */
static void csv_vs_arrays(const char *csv, size_t min_hr_rows)
{
    pt_error err = {0};
    recording rec;
    PT_REQUIRE(read_whole(csv, &rec, &err) == PT_OK);
    pt_memory_channel ch[PT_MAX_CHANNELS];
    pt_memory_recording m = as_memory(&rec, ch);
    pt_read_options o = pt_read_defaults();
    o.memory = &m;
    for (int threads = 1; threads <= 2; threads++) {
        pt_summary *a = NULL, *b = NULL;
        int ra = pt_process_file_mt(csv, NULL, NULL, NULL, threads, &a, &err);
        if (ra)
            fprintf(stderr, "%s\n", err.msg);
        int rb = pt_process_file_mt(m.label, &o, NULL, NULL, threads, &b, &err);
        if (rb)
            fprintf(stderr, "%s\n", err.msg);
        PT_CHECK_INT(PT_OK, ra);
        PT_CHECK_INT(PT_OK, rb);
        if (a && b) {
            check_same_summary(a, b);
            PT_CHECK(pt_table_nrows(pt_summary_table_const(a, "hr")) >= min_hr_rows);
            PT_CHECK(!strcmp(pt_summary_recording(b)->path, "<arrays>"));
            PT_CHECK(!strcmp(pt_summary_recording(b)->format, "memory"));
        }
        pt_summary_destroy(a);
        pt_summary_destroy(b);
    }
    recording_free(&rec);
}

static const char *sample_csv(const char *name)
{
    static char path[1024];
    const char *src = getenv("PT_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/data-samples/%s", src ? src : "..", name);
    return path;
}

PT_TEST(sample_csv_and_arrays_give_the_same_summary)
{
    /* 30 min: PPG at 64 Hz, acceleration at 32 Hz on every other row */
    csv_vs_arrays(sample_csv("sample_30min.csv"), 800);
}

PT_TEST(irregular_hr_and_start_time)
{
    /* a chest strap's heart rate at irregular times, with the start in a comment */
    char text[1 << 16];
    size_t len =
        (size_t)snprintf(text, sizeof text, "# start_time: 2026-03-02T08:00:00Z\nt_s,hr_bpm\n");
    double t = 0;
    for (int i = 0; i < 1500; i++) {
        t += 0.7 + 0.3 * sin(0.01 * i);
        len += (size_t)snprintf(text + len, sizeof text - len, "%.3f,%.2f\n", t,
                                70 + 40 * sin(0.004 * i) * sin(0.004 * i));
    }
    const char *csv = io_write_bytes("hr_irregular.csv", text, len);
    pt_error err = {0};
    recording rec;
    PT_REQUIRE(read_whole(csv, &rec, &err) == PT_OK);
    PT_CHECK(rec.info.chan[0].fs_hz == 0);
    pt_memory_channel ch[PT_MAX_CHANNELS];
    pt_memory_recording m = as_memory(&rec, ch);
    PT_CHECK(isfinite(m.start_unix_s));
    pt_read_options o = pt_read_defaults();
    o.memory = &m;
    pt_summary *a = NULL, *b = NULL;
    PT_CHECK_INT(PT_OK, pt_process_file(csv, NULL, NULL, NULL, &a, &err));
    PT_CHECK_INT(PT_OK, pt_process_file("<arrays>", &o, NULL, NULL, &b, &err));
    if (a && b)
        check_same_summary(a, b);
    pt_summary_destroy(a);
    pt_summary_destroy(b);
    recording_free(&rec);
}

PT_TEST(real_recording_csv_and_arrays)
{
    const char *dir = pt_test_shared_dir();
    char csv[1024];
    snprintf(csv, sizeof csv, "%s/data/wrist_ppg_exercise/s2_walk.csv", dir ? dir : "");
    FILE *f = dir ? fopen(csv, "rb") : NULL;
    if (!f) {
        fprintf(stderr, "(not run: %s absent)\n", csv);
        return;
    }
    fclose(f);
    csv_vs_arrays(csv, 10);
}

PT_TEST(reader_delivers_the_arrays_in_canonical_units)
{
    double acc[100], ibi_s[5] = {0.8, 0.81, 0.79, 0.8, 0.82}, t_ibi[5] = {1, 1.8, 2.6, 3.4, 4.2};
    for (int i = 0; i < 100; i++)
        acc[i] = 9.80665 * (i % 7);
    pt_memory_channel ch[] = {
        {.kind = PT_KIND_ACC_X, .fs_hz = 25, .units = "m/s^2", .t0_s = 0.5, .x = acc, .n = 100},
        {.name = "rr", .kind = PT_KIND_IBI, .units = "s", .x = ibi_s, .t = t_ibi, .n = 5},
    };
    pt_memory_recording m = {.label = NULL, .start_unix_s = NAN, .nchan = 2, .chan = ch};
    pt_error err = {0};
    pt_reader *r = pt_reader_open_memory(&m, NULL, &err);
    PT_REQUIRE(r != NULL);
    const pt_recording_info *info = pt_reader_info(r);
    PT_CHECK(!strcmp(info->path, "<memory>"));
    PT_CHECK(!strcmp(info->chan[0].name, "acc_x"));
    PT_CHECK(!strcmp(info->chan[0].units, "g"));
    PT_CHECK(!strcmp(info->chan[1].name, "rr"));
    PT_CHECK(!strcmp(info->chan[1].units, "ms"));
    PT_CHECK_NEAR(0.5 + 100 / 25.0 + 0.0, info->duration_s, 1e-15, 0); /* acc ends last */
    PT_CHECK(isnan(info->start_unix_s));
    pt_block *b = pt_block_create(info, 16, &err);
    PT_REQUIRE(b != NULL);
    size_t seen[2] = {0};
    double last_t = -1;
    for (;;) {
        PT_REQUIRE(pt_reader_read(r, b, &err) == PT_OK);
        if (b->n[0] + b->n[1] == 0)
            break;
        PT_CHECK(b->n[0] <= 16 && b->n[1] <= 16);
        PT_CHECK_INT(seen[0], b->first[0]);
        for (size_t i = 0; i < b->n[0]; i++)
            PT_CHECK_NEAR((double)((seen[0] + i) % 7), b->x[0][i], 1e-15, 1e-15);
        for (size_t i = 0; i < b->n[1]; i++) {
            PT_CHECK_NEAR(ibi_s[seen[1] + i] * 1000, b->x[1][i], 1e-15, 0);
            PT_CHECK(b->t[1][i] > last_t);
            last_t = b->t[1][i];
        }
        seen[0] += b->n[0];
        seen[1] += b->n[1];
    }
    PT_CHECK_INT(100, seen[0]);
    PT_CHECK_INT(5, seen[1]);
    pt_block_destroy(b);
    pt_reader_close(r);
}

/* Open m (one channel ch0) and expect code with `what` in the message. */
static void expect_refused(pt_memory_channel ch0, int code, const char *what)
{
    pt_memory_recording m = {.label = "phone", .start_unix_s = NAN, .nchan = 1, .chan = &ch0};
    pt_error err = {0};
    pt_reader *r = pt_reader_open_memory(&m, NULL, &err);
    PT_CHECK(r == NULL);
    PT_CHECK_INT(code, err.code);
    PT_CHECK_STR_CONTAINS(err.msg, "phone: channel 0");
    PT_CHECK_STR_CONTAINS(err.msg, what);
    pt_reader_close(r);
}

PT_TEST(bad_arrays_are_refused_naming_the_channel)
{
    double x[4] = {1, 2, 3, 4}, t_back[4] = {0, 1, 0.5, 2}, t_nan[4] = {0, NAN, 1, 2};
    expect_refused((pt_memory_channel){.kind = PT_KIND_PPG, .fs_hz = 64, .x = x, .n = 0}, PT_EINVAL,
                   "no samples");
    expect_refused((pt_memory_channel){.kind = PT_KIND_PPG, .fs_hz = NAN, .x = x, .n = 4},
                   PT_EINVAL, "sample rate nan Hz");
    expect_refused((pt_memory_channel){.kind = PT_KIND_PPG, .fs_hz = -1, .x = x, .n = 4}, PT_EINVAL,
                   "sample rate -1 Hz");
    expect_refused((pt_memory_channel){.kind = PT_KIND_PPG, .fs_hz = 0, .x = x, .n = 4}, PT_EINVAL,
                   "no sample rate and no sample times");
    expect_refused(
        (pt_memory_channel){.kind = PT_KIND_PPG, .fs_hz = 4, .x = x, .t = t_back, .n = 4},
        PT_EINVAL, "both");
    expect_refused((pt_memory_channel){.kind = PT_KIND_HR, .x = x, .t = t_back, .n = 4}, PT_EDATA,
                   "backwards at sample 2");
    expect_refused((pt_memory_channel){.kind = PT_KIND_HR, .x = x, .t = t_nan, .n = 4}, PT_EDATA,
                   "time of sample 1 is nan");
    expect_refused(
        (pt_memory_channel){.kind = PT_KIND_ACC_X, .fs_hz = 4, .units = "furlong", .x = x, .n = 4},
        PT_EINVAL, "'furlong'");
    expect_refused((pt_memory_channel){.kind = (pt_kind)42, .fs_hz = 4, .x = x, .n = 4}, PT_EINVAL,
                   "not a pt_kind");
    /* no channel at all */
    pt_memory_recording m0 = {.label = "phone", .start_unix_s = NAN, .nchan = 0, .chan = NULL};
    pt_error err = {0};
    PT_CHECK(pt_reader_open_memory(&m0, NULL, &err) == NULL);
    PT_CHECK_STR_CONTAINS(err.msg, "0 channels given");
    /* a sample beyond the range check, as for a file */
    double big[20] = {0};
    big[17] = 1e13;
    pt_memory_channel c1 = {.kind = PT_KIND_PPG, .fs_hz = 4, .x = big, .n = 20};
    pt_memory_recording m1 = {.label = "phone", .start_unix_s = NAN, .nchan = 1, .chan = &c1};
    pt_reader *r = pt_reader_open_memory(&m1, NULL, &err);
    PT_REQUIRE(r != NULL);
    pt_block *b = pt_block_create(pt_reader_info(r), 16, &err);
    PT_CHECK_INT(PT_OK, pt_reader_read(r, b, &err));
    PT_CHECK_INT(PT_EDATA, pt_reader_read(r, b, &err));
    PT_CHECK_STR_CONTAINS(err.msg, "sample 17");
    pt_block_destroy(b);
    pt_reader_close(r);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
