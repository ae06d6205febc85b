/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_batch.c — pt_batch: folder scan and manifest (fields, errors naming the
 * line), unique names, one failure does not stop the others, resume keeps
 * matching summaries with the same key figures, stale temporaries removed,
 * the result does not depend on the number of workers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_test.h"
#include "pulsetrain/batch.h"

static char tmpdir[256];

static const char *tmp_path(const char *name)
{
    static char path[8][1024];
    static int k;
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/pt_test_batch_XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
    }
    k = (k + 1) % 8;
    snprintf(path[k], sizeof path[k], "%.255s/%.700s", tmpdir, name);
    return path[k];
}

/* A small recording: PPG at 64 Hz (pulse at hr_bpm), acc at 32 Hz, minutes long. */
static void write_rec(const char *name, double minutes, double hr_bpm)
{
    FILE *f = fopen(tmp_path(name), "w");
    if (!f)
        abort();
    fprintf(f, "t_s,ppg,acc_x_g,acc_y_g,acc_z_g\n");
    long n = (long)(minutes * 60 * 64);
    for (long i = 0; i < n; i++) {
        double t = (double)i / 64.0;
        double ppg = sin(2 * 3.14159265358979 * hr_bpm / 60.0 * t);
        if (i % 2 == 0)
            fprintf(f, "%.6f,%.4f,0.01,0.02,%.3f\n", t, ppg, 1.0 + 0.01 * sin(t));
        else
            fprintf(f, "%.6f,%.4f,,,\n", t, ppg);
    }
    fclose(f);
}

static void write_text(const char *name, const char *text)
{
    FILE *f = fopen(tmp_path(name), "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

/* The result of the file whose path ends in /name (NULL when none). */
static const pt_batch_result *res_of(const pt_batch *b, const char *name)
{
    for (size_t i = 0; i < pt_batch_count(b); i++) {
        const char *p = pt_batch_result_at(b, i)->path;
        const char *sl = strrchr(p, '/');
        if (!strcmp(sl ? sl + 1 : p, name))
            return pt_batch_result_at(b, i);
    }
    static pt_batch_result none;
    return &none;
}
#define RES(name) res_of(b, name)

PT_TEST(folder_one_bad_file_partial)
{
    mkdir(tmp_path("f"), 0777);
    write_rec("f/a.csv", 3, 70);
    write_rec("f/b.csv", 3, 90);
    write_text("f/bad.csv", "t_s,ppg\n0,1\n0.015625,zz\n");
    write_text("f/readme.md", "not a recording\n");
    write_text("f/a.truth.csv", "t_s,hr_bpm\n0,60\n"); /* simulator side file: left out */
    pt_error err = {0};
    pt_batch *b = pt_batch_create(tmp_path("f"), tmp_path("fo"), NULL, NULL, &err);
    PT_REQUIRE(b != NULL);
    /* listed in order of path; readme.md and the simulator's side file as not recordings */
    PT_CHECK(pt_batch_count(b) == 5);
    PT_CHECK(RES("a.truth.csv")->state == PT_BATCH_NOT_RECORDING);
    PT_CHECK(strstr(RES("a.truth.csv")->error.msg, "simulator") != NULL);
    PT_CHECK(RES("readme.md")->state == PT_BATCH_NOT_RECORDING);
    PT_CHECK(!strcmp(pt_batch_result_at(b, 1)->path + strlen(pt_batch_result_at(b, 1)->path) - 11,
                     "a.truth.csv"));
    write_text("fo/a.h5.tmp.999999999", "half"); /* left by a killed run (pid gone) */
    pt_batch_options o = pt_batch_defaults();
    o.nworkers = 4; /* more workers than recordings */
    int rc = pt_batch_run(b, &o, &err);
    PT_CHECK(rc == PT_EDATA);
    if (!strstr(err.msg, "1 of 3"))
        PT_FAILF("%s; first: %s", err.msg, RES("a.csv")->error.msg);
    const pt_batch_result *a = RES("a.csv"), *bad = RES("bad.csv");
    PT_CHECK(!strcmp(a->name, "a") && a->state == PT_BATCH_DONE);
    PT_CHECK(!strcmp(bad->name, "bad") && bad->state == PT_BATCH_FAILED);
    PT_CHECK(bad->error.code == PT_EDATA);
    PT_CHECK(strstr(bad->error.msg, "bad.csv:3") != NULL);
    PT_CHECK_NEAR(180.0, a->duration_s, 0, 0.1);
    PT_CHECK(RES("b.csv")->state == PT_BATCH_DONE);
    PT_CHECK(access(tmp_path("fo/a.h5"), F_OK) == 0);
    PT_CHECK(access(tmp_path("fo/batch.h5"), F_OK) == 0);
    PT_CHECK(access(tmp_path("fo/bad.h5"), F_OK) != 0);
    PT_CHECK(access(tmp_path("fo/a.h5.tmp.999999999"), F_OK) != 0);
    double hr_a = a->hr_mean_bpm, hr_b = RES("b.csv")->hr_mean_bpm;
    PT_CHECK(hr_b > hr_a); /* 90 vs 70 bpm pulse */
    pt_batch_destroy(b);

    /* resume: both good summaries kept with the same figures; the bad one retried */
    b = pt_batch_create(tmp_path("f"), tmp_path("fo"), NULL, NULL, &err);
    PT_REQUIRE(b != NULL);
    o.nworkers = 1;
    o.resume = 1;
    PT_CHECK(pt_batch_run(b, &o, &err) == PT_EDATA);
    PT_CHECK(RES("a.csv")->state == PT_BATCH_SKIPPED);
    PT_CHECK(RES("b.csv")->state == PT_BATCH_SKIPPED);
    PT_CHECK(RES("bad.csv")->state == PT_BATCH_FAILED);
    PT_CHECK(RES("a.csv")->hr_mean_bpm == hr_a);
    PT_CHECK(RES("b.csv")->hr_mean_bpm == hr_b);
    pt_batch_destroy(b);

    /* a changed source is processed again */
    write_rec("f/a.csv", 3, 75);
    b = pt_batch_create(tmp_path("f"), tmp_path("fo"), NULL, NULL, &err);
    PT_REQUIRE(b != NULL);
    pt_batch_run(b, &o, &err);
    PT_CHECK(RES("a.csv")->state == PT_BATCH_DONE);
    PT_CHECK(RES("b.csv")->state == PT_BATCH_SKIPPED);
    pt_batch_destroy(b);
}

PT_TEST(manifest_fields_and_unique_names)
{
    mkdir(tmp_path("m"), 0777);
    mkdir(tmp_path("m/x"), 0777);
    write_rec("m/rec.csv", 2, 60);
    write_rec("m/x/rec.csv", 2, 80);
    write_text("m/list.csv", "path,subject_id,age,sex,hr_rest,hr_max,tz\n"
                             "rec.csv,S1,30,f,55,185,+02:00\n"
                             "# a comment\n"
                             "\"x/rec.csv\",S2,,,,,\n");
    pt_error err = {0};
    pt_batch *b = pt_batch_create(tmp_path("m/list.csv"), tmp_path("mo"), NULL, NULL, &err);
    PT_REQUIRE(b != NULL);
    PT_CHECK(pt_batch_count(b) == 2);
    PT_CHECK(!strcmp(pt_batch_result_at(b, 0)->name, "rec"));
    PT_CHECK(!strcmp(pt_batch_result_at(b, 1)->name, "rec-2"));
    PT_CHECK(!strcmp(pt_batch_result_at(b, 0)->subject_id, "S1"));
    pt_batch_options o = pt_batch_defaults();
    o.nworkers = 2;
    PT_CHECK(pt_batch_run(b, &o, &err) == PT_OK);
    pt_summary_meta meta;
    pt_summary *s = pt_summary_read_h5(pt_batch_result_at(b, 0)->summary, &meta, &err);
    PT_REQUIRE(s != NULL);
    PT_CHECK(!strcmp(meta.subject_id, "S1"));
    PT_CHECK(strstr(meta.parameters, "+02:00") != NULL);
    PT_CHECK(strstr(meta.parameters, "185") != NULL);
    pt_summary_destroy(s);
    pt_batch_destroy(b);
}

PT_TEST(manifest_errors_name_the_line)
{
    static const struct {
        const char *text, *needle;
        int code;
    } cases[] = {
        {"path,weight\nrec.csv,80\n", "bad1.csv:1: unknown column 'weight'", PT_EFORMAT},
        {"subject_id\nS1\n", "bad2.csv:1: the header has no 'path'", PT_EFORMAT},
        {"path,age\nrec.csv,old\n", "bad3.csv:2: age 'old'", PT_EDATA},
        {"path,sex\nrec.csv,x\n", "bad4.csv:2: sex 'x'", PT_EDATA},
        {"path,age\nrec.csv,200\n", "bad5.csv:2: age 200", PT_EDATA},
        {"", "bad6.csv: empty manifest", PT_EFORMAT},
        {"path\n,\n", "bad7.csv:2: empty path", PT_EDATA},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.csv", i + 1);
        write_text(name, cases[i].text);
        pt_error err = {0};
        pt_batch *b = pt_batch_create(tmp_path(name), tmp_path("bo"), NULL, NULL, &err);
        PT_CHECK(b == NULL);
        PT_CHECK(err.code == cases[i].code);
        if (!strstr(err.msg, cases[i].needle))
            PT_FAILF("case %zu: '%s' lacks '%s'", i + 1, err.msg, cases[i].needle);
        pt_batch_destroy(b);
    }
    pt_error err = {0};
    PT_CHECK(pt_batch_create(tmp_path("nothing-here"), tmp_path("bo"), NULL, NULL, &err) == NULL);
    PT_CHECK(err.code == PT_EDATA && strstr(err.msg, "nothing-here"));
    mkdir(tmp_path("empty"), 0777);
    PT_CHECK(pt_batch_create(tmp_path("empty"), tmp_path("bo"), NULL, NULL, &err) == NULL);
    PT_CHECK(err.code == PT_EDATA && strstr(err.msg, "no recordings"));
}

PT_TEST(workers_do_not_change_results)
{
    mkdir(tmp_path("w"), 0777);
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "w/r%d.csv", i);
        write_rec(name, 2, 60 + 10 * i);
    }
    pt_error err = {0};
    pt_batch *b1 = pt_batch_create(tmp_path("w"), tmp_path("w1"), NULL, NULL, &err);
    pt_batch *b3 = pt_batch_create(tmp_path("w"), tmp_path("w3"), NULL, NULL, &err);
    PT_REQUIRE(b1 && b3);
    pt_batch_options o = pt_batch_defaults();
    PT_CHECK(pt_batch_run(b1, &o, &err) == PT_OK);
    o.nworkers = 3;
    PT_CHECK(pt_batch_run(b3, &o, &err) == PT_OK);
    for (size_t i = 0; i < 5; i++) {
        pt_summary *s1 = pt_summary_read_h5(pt_batch_result_at(b1, i)->summary, NULL, &err);
        pt_summary *s3 = pt_summary_read_h5(pt_batch_result_at(b3, i)->summary, NULL, &err);
        PT_REQUIRE(s1 && s3);
        PT_CHECK(pt_summary_ntables(s1) == pt_summary_ntables(s3));
        for (size_t t = 0; t < pt_summary_ntables(s1); t++) {
            const pt_table *a = pt_summary_table_at(s1, t);
            const pt_table *c = pt_summary_table_const(s3, pt_table_name(a));
            PT_REQUIRE(c && pt_table_nrows(a) == pt_table_nrows(c));
            for (size_t k = 0; k < pt_table_ncols(a); k++) {
                const double *x = pt_table_column(a, pt_table_colname(a, k));
                const double *y = pt_table_column(c, pt_table_colname(a, k));
                size_t n = pt_table_nrows(a);
                if (n && (!x || !y)) { /* an empty table may have no storage */
                    PT_FAILF("%s/%s missing", pt_table_name(a), pt_table_colname(a, k));
                    continue;
                }
                if (n && memcmp(x, y, n * sizeof *x)) /* bitwise, NaN included */
                    PT_FAILF("%s/%s differs between 1 and 3 workers", pt_table_name(a),
                             pt_table_colname(a, k));
            }
        }
        pt_summary_destroy(s1);
        pt_summary_destroy(s3);
    }
    pt_batch_destroy(b1);
    pt_batch_destroy(b3);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, tmpdir);
}

static long count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long n = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* Shards of one batch write their own journals (journal_tag); collate merges them, the
 * line written last winning for a path, and counts what it found. A bad tag is refused. */
PT_TEST(journal_tags_and_collate)
{
    mkdir(tmp_path("j"), 0777);
    write_rec("j/r1.csv", 2, 65);
    write_rec("j/r2.csv", 2, 85);
    write_text("j/notes.txt", "just notes\n");
    pt_error err = {0};
    pt_batch *b = pt_batch_create(tmp_path("j"), tmp_path("jo"), NULL, NULL, &err);
    PT_REQUIRE(b != NULL);
    PT_CHECK(pt_batch_count(b) == 3);
    pt_batch_options o = pt_batch_defaults();
    o.journal_tag = "bad/tag";
    PT_CHECK(pt_batch_run(b, &o, &err) == PT_EINVAL);
    o.journal_tag = "1of2";
    PT_CHECK(pt_batch_run(b, &o, &err) == PT_OK);
    pt_batch_destroy(b);
    PT_CHECK(access(tmp_path("jo/batch.journal.1of2.tsv"), F_OK) == 0);
    PT_CHECK(access(tmp_path("jo/batch.journal.tsv"), F_OK) != 0);
    /* header + 3 files */
    PT_CHECK(count_lines(tmp_path("jo/batch.journal.1of2.tsv")) == 4);
    /* a second "shard" resumes: its lines (kept) are the later ones */
    b = pt_batch_create(tmp_path("j"), tmp_path("jo"), NULL, NULL, &err);
    PT_REQUIRE(b != NULL);
    o.journal_tag = "2of2";
    o.resume = 1;
    PT_CHECK(pt_batch_run(b, &o, &err) == PT_OK);
    pt_batch_destroy(b);
    pt_batch_collate_counts n;
    PT_CHECK(pt_batch_collate(tmp_path("jo"), NULL, NULL, &n, &err) == PT_OK);
    PT_CHECK(n.journals == 2 && n.rows == 3 && n.skipped == 1 && n.failed == 0);
    PT_CHECK(n.kept + n.ok == 2);
    PT_CHECK(n.unjournaled == 0);
    /* recordings.csv: header + 3 rows */
    PT_CHECK(count_lines(tmp_path("jo/recordings.csv")) == 4);
    PT_CHECK(count_lines(tmp_path("jo/days.csv")) == 3);
    PT_CHECK(pt_batch_collate(tmp_path("nothing-here"), NULL, NULL, &n, &err) == PT_EDATA);
}
