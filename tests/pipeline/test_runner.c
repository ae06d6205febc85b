/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_runner.c — CSV in -> stages -> HDF5 summary out, and back: the schema,
 * the atomic write, and what a failed run leaves behind. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/spill.h"
#include "pipeline/stage.h"
#include "pt_test.h"
#include "pulsetrain/pipeline.h"

static char dir[256];

static const char *path_in(const char *name)
{
    static char p[4][512];
    static int k;
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/pt_test_runner_XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

/* 3 minutes: PPG at 64 Hz with a 72 bpm pulse, accelerometer at 32 Hz:
 * still for 90 s, then 2 Hz shaking of 0.6 g. */
static const char *write_recording_n(const char *name, int seconds, int bad_at);
static const char *write_recording(void)
{
    return write_recording_n("rec.csv", 180, 0);
}

/* seconds long; with `bad_at` > 0 the row of that index holds a non-number */
static const char *write_recording_n(const char *name, int seconds, int bad_at)
{
    const char *path = path_in(name);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fprintf(f, "t_s,ppg,acc_x_g,acc_y_g,acc_z_g\n");
    for (int i = 0; i < 64 * seconds; i++) {
        double t = i / 64.0;
        if (bad_at > 0 && i == bad_at) {
            fprintf(f, "%.6f,oops,,,\n", t);
            continue;
        }
        /* 72 bpm, with a slow swing of +-12 bpm over 20 min on long recordings */
        double ph = 1.2 * t + (seconds > 600 ? 0.2 * 1200 / (2 * 3.141592653589793) *
                                                   sin(2 * 3.141592653589793 * t / 1200)
                                             : 0);
        double ppg = sin(2 * 3.141592653589793 * ph) + 0.3 * sin(2 * 3.141592653589793 * 2 * ph);
        if (i % 2 == 0) {
            double a = fmod(t, 180) >= 90 ? 0.6 * sin(2 * 3.141592653589793 * 2.0 * t) : 0.0;
            fprintf(f, "%.6f,%.6f,%.6f,0,%.6f\n", t, ppg, a, 1.0 + 0.5 * a);
        } else {
            fprintf(f, "%.6f,%.6f,,,\n", t, ppg);
        }
    }
    fclose(f);
    return path;
}

PT_TEST(csv_to_summary_and_back)
{
    const char *in = write_recording(), *out = path_in("rec.h5");
    pt_error err = {0};
    pt_summary *s = NULL;
    pt_params p = pt_params_defaults();
    snprintf(p.subject_id, sizeof p.subject_id, "S01");
    int rc = pt_process_file(in, NULL, &p, out, &s, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    PT_REQUIRE(rc == PT_OK && s);
    const pt_table *hr = pt_summary_table_const(s, "hr");
    /* windows of 8 s every 2 s over 180 s: floor((180 - 8) / 2) + 1 = 87 */
    PT_CHECK_INT(87, pt_table_nrows(hr));
    const double *bpm = pt_table_column(hr, "bpm");
    size_t good = 0;
    for (size_t i = 0; i < pt_table_nrows(hr); i++)
        good += fabs(bpm[i] - 72.0) < 1.0;
    PT_CHECK(good >= 80); /* a clean 72 bpm pulse: within 1 bpm nearly everywhere */
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    PT_CHECK_INT(36, pt_table_nrows(ep));
    const double *mad = pt_table_column(ep, "mad_mg"), *cls = pt_table_column(ep, "class");
    PT_CHECK(mad[0] < 1.0 && cls[0] == PT_CLASS_SEDENTARY);
    PT_CHECK(mad[30] > 100.0 && cls[30] >= PT_CLASS_MODERATE);

    /* Read back: same tables, same values, metadata. */
    pt_summary_meta meta;
    pt_summary *r = pt_summary_read_h5(out, &meta, &err);
    PT_REQUIRE(r != NULL);
    PT_CHECK_INT(1, meta.schema_version);
    PT_CHECK(!strcmp(meta.subject_id, "S01"));
    PT_CHECK_INT(64, strlen(meta.source_sha256));
    PT_CHECK_STR_CONTAINS(meta.parameters, "\"hr_window_s\": 8");
    for (size_t t = 0; t < pt_summary_ntables(s); t++) {
        const pt_table *a = pt_summary_table_at(s, t), *b = pt_summary_table_at(r, t);
        PT_CHECK_INT(pt_table_nrows(a), pt_table_nrows(b));
        for (size_t c = 0; c < pt_table_ncols(a); c++) {
            const double *x = pt_table_column(a, pt_table_colname(a, c));
            const double *y = pt_table_column(b, pt_table_colname(a, c));
            for (size_t i = 0; i < pt_table_nrows(a) && i < pt_table_nrows(b); i++)
                PT_CHECK_NEAR(x[i], y[i], 0, 0);
        }
    }
    const pt_recording_info *ri = pt_summary_recording(r);
    PT_CHECK_INT(4, ri->nchan);
    PT_CHECK_NEAR(32.0, ri->chan[1].fs_hz, 0, 0);
    pt_summary_destroy(r);
    pt_summary_destroy(s);
}

static int count_tmp_files(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

PT_TEST(failed_run_keeps_previous_output)
{
    const char *out = path_in("keep.h5");
    FILE *f = fopen(out, "w");
    fputs("previous contents\n", f);
    fclose(f);
    const char *bad = path_in("bad.csv");
    f = fopen(bad, "w");
    fputs("t_s,ppg\n0,1\n0.5,2\n1.0,x\n", f);
    fclose(f);
    pt_error err = {0};
    int rc = pt_process_file(bad, NULL, NULL, out, NULL, &err);
    PT_CHECK_INT(PT_EDATA, rc);
    PT_CHECK_STR_CONTAINS(err.msg, "bad.csv:4");
    char buf[64] = {0};
    f = fopen(out, "r");
    PT_REQUIRE(f != NULL);
    PT_CHECK(fgets(buf, sizeof buf, f) && !strcmp(buf, "previous contents\n"));
    fclose(f);
    PT_CHECK_INT(0, count_tmp_files());
}

PT_TEST(unwritable_output_is_an_io_error)
{
    const char *in = write_recording();
    pt_error err = {0};
    int rc = pt_process_file(in, NULL, NULL, "/nonexistent-dir/x.h5", NULL, &err);
    PT_CHECK_INT(PT_EIO, rc);
    PT_CHECK_STR_CONTAINS(err.msg, "/nonexistent-dir/x.h5");
}

PT_TEST(params_are_checked)
{
    pt_params p = pt_params_defaults();
    p.hr_step_s = 0;
    pt_error err = {0};
    PT_CHECK_INT(PT_EINVAL, pt_params_check(&p, &err));
    PT_CHECK_STR_CONTAINS(err.msg, "step");
    p = pt_params_defaults();
    p.hr_rest_bpm = 190;
    p.hr_max_bpm = 180;
    PT_CHECK_INT(PT_EINVAL, pt_params_check(&p, &err));
}

PT_TEST(accelerometer_only_and_ppg_only)
{
    const char *a = path_in("acc.csv"), *b = path_in("ppg.csv");
    FILE *fa = fopen(a, "w"), *fb = fopen(b, "w");
    fputs("t_s,acc_x_g,acc_y_g,acc_z_g\n", fa);
    fputs("t_s,ppg\n", fb);
    for (int i = 0; i < 32 * 60; i++) {
        fprintf(fa, "%.5f,0,0,1\n", i / 32.0);
        fprintf(fb, "%.5f,%.6f\n", i / 32.0, sin(2 * 3.141592653589793 * 1.0 * i / 32.0));
    }
    fclose(fa);
    fclose(fb);
    pt_error err = {0};
    pt_summary *s = NULL;
    PT_REQUIRE(pt_process_file(a, NULL, NULL, NULL, &s, &err) == PT_OK);
    PT_CHECK_INT(0, pt_table_nrows(pt_summary_table_const(s, "hr")));
    PT_CHECK_INT(12, pt_table_nrows(pt_summary_table_const(s, "epochs")));
    PT_CHECK_STR_CONTAINS(pt_summary_notes(s), "PPG");
    pt_summary_destroy(s);
    PT_REQUIRE(pt_process_file(b, NULL, NULL, NULL, &s, &err) == PT_OK);
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    PT_CHECK_INT(12, pt_table_nrows(ep));
    PT_CHECK(isnan(pt_table_column(ep, "mad_mg")[0]));
    PT_CHECK_NEAR(60.0, pt_table_column(pt_summary_table_const(s, "hr"), "bpm")[5], 0, 1.0);
    pt_summary_destroy(s);
}

/* Every value of every table equal (NaN equal to NaN), and the same notes. */
static void same_summary(const pt_summary *a, const pt_summary *b)
{
    PT_CHECK(!strcmp(pt_summary_notes(a), pt_summary_notes(b)));
    for (size_t k = 0; k < pt_summary_ntables(a); k++) {
        const pt_table *x = pt_summary_table_at(a, k), *y = pt_summary_table_at(b, k);
        PT_CHECK_INT(pt_table_nrows(x), pt_table_nrows(y));
        for (size_t c = 0; c < pt_table_ncols(x); c++) {
            const double *u = pt_table_column(x, pt_table_colname(x, c));
            const double *v = pt_table_column(y, pt_table_colname(y, c));
            size_t diff = 0;
            for (size_t i = 0; i < pt_table_nrows(x) && i < pt_table_nrows(y); i++)
                diff += !(u[i] == v[i] || (isnan(u[i]) && isnan(v[i])));
            if (diff)
                fprintf(stderr, "%s/%s: %zu values differ\n", pt_table_name(x),
                        pt_table_colname(x, c), diff);
            PT_CHECK_INT(0, diff);
        }
    }
}

/* The heart stage on a second thread gives the very same summary (every value of every
 * table compared exactly, NaN equal to NaN) over several blocks of 65536 samples. */
PT_TEST(two_threads_give_the_same_summary)
{
    const char *in = write_recording_n("long.csv", 40 * 60, 0); /* 153600 PPG samples */
    pt_error err = {0};
    pt_summary *a = NULL, *b = NULL;
    PT_REQUIRE(pt_process_file_mt(in, NULL, NULL, path_in("long1.h5"), 1, &a, &err) == PT_OK);
    PT_REQUIRE(pt_process_file_mt(in, NULL, NULL, path_in("long2.h5"), 2, &b, &err) == PT_OK);
    /* the source hash, made on the reader's thread while the heart stage finishes */
    pt_summary_meta m1, m2;
    pt_summary *r1 = pt_summary_read_h5(path_in("long1.h5"), &m1, &err);
    pt_summary *r2 = pt_summary_read_h5(path_in("long2.h5"), &m2, &err);
    PT_REQUIRE(r1 && r2);
    PT_CHECK_INT(64, strlen(m2.source_sha256));
    PT_CHECK(!strcmp(m1.source_sha256, m2.source_sha256));
    pt_summary_destroy(r1);
    pt_summary_destroy(r2);
    PT_CHECK(pt_table_nrows(pt_summary_table_const(a, "hr")) > 1000);
    same_summary(a, b);
    pt_summary_destroy(a);
    pt_summary_destroy(b);
}

/* Tables and per-epoch state in scratch files (core/spill.c), with the pages released
 * every 7 rows in every pass (this test links the library built with PT_RELEASE_ROWS=7),
 * give the very same summary as everything on the heap. */
PT_TEST(scratch_files_give_the_same_summary)
{
    PT_REQUIRE(PT_RELEASE_ROWS == 7);
    const char *in = write_recording_n("long.csv", 40 * 60, 0);
    pt_error err = {0};
    pt_summary *a = NULL, *b = NULL;
    pt_run_options heap = pt_run_defaults(), spill = pt_run_defaults();
    heap.scratch_heap_max = (size_t)-1;
    spill.scratch_heap_max = 0;
    spill.threads = 2;
    spill.scratch_dir = dir; /* the scratch directory is the caller's choice */
    PT_REQUIRE(pt_process(in, NULL, NULL, &heap, path_in("heap.h5"), &a, &err) == PT_OK);
    int rc = pt_process(in, NULL, NULL, &spill, path_in("spill.h5"), &b, &err);
    PT_REQUIRE(rc == PT_OK);
    PT_CHECK(pt_table_nrows(pt_summary_table_const(a, "beats")) > 1000);
    same_summary(a, b);
    /* and the files written from them */
    pt_summary *r1 = pt_summary_read_h5(path_in("heap.h5"), NULL, &err);
    pt_summary *r2 = pt_summary_read_h5(path_in("spill.h5"), NULL, &err);
    PT_REQUIRE(r1 && r2);
    same_summary(r1, r2);
    pt_summary_destroy(r1);
    pt_summary_destroy(r2);
    pt_summary_destroy(a);
    pt_summary_destroy(b);
}

/* An input error in the third block: the same message with two threads, the worker is
 * stopped and joined, nothing is left behind. */
PT_TEST(two_threads_input_error)
{
    const char *in = write_recording_n("late_bad.csv", 40 * 60, 150000);
    const char *out = path_in("late_bad.h5");
    pt_error e1 = {0}, e2 = {0};
    PT_CHECK_INT(PT_EDATA, pt_process_file_mt(in, NULL, NULL, out, 1, NULL, &e1));
    PT_CHECK_INT(PT_EDATA, pt_process_file_mt(in, NULL, NULL, out, 2, NULL, &e2));
    PT_CHECK_STR_CONTAINS(e2.msg, "late_bad.csv:150002");
    PT_CHECK(!strcmp(e1.msg, e2.msg));
    PT_CHECK(access(out, F_OK) != 0);
    PT_CHECK_INT(0, count_tmp_files());
}

/* The progress hook: called after each block with the signal read so far, never going back,
 * and a last time with done = total = the recording's length; the summary is the same. */
typedef struct prog_log {
    size_t n;
    double last_done, last_total;
    int backwards;
} prog_log;

static void log_progress(double done_s, double total_s, void *user)
{
    prog_log *l = user;
    if (done_s < l->last_done)
        l->backwards = 1;
    l->n++;
    l->last_done = done_s;
    l->last_total = total_s;
}

PT_TEST(progress_reports_the_signal_read)
{
    const char *in = write_recording_n("prog.csv", 40 * 60, 0); /* several 65536-row blocks */
    pt_error err = {0};
    prog_log l = {0};
    pt_run_options run = pt_run_defaults();
    run.progress = log_progress;
    run.progress_user = &l;
    run.threads = 2;
    pt_summary *s = NULL;
    PT_REQUIRE(pt_process(in, NULL, NULL, &run, NULL, &s, &err) == PT_OK);
    PT_CHECK(l.n >= 3);
    PT_CHECK(!l.backwards);
    double len = pt_summary_recording(s)->duration_s;
    PT_CHECK(fabs(l.last_done - len) < 1e-9 && fabs(l.last_total - len) < 1e-9);
    pt_summary_destroy(s);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, dir);
}
