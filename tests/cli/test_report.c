/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_report.c — `pulsetrain load` and `pulsetrain report` end to end: a
 * 2-hour recording summary and a 90-day load file, built by hand, drawn as
 * SVG by the CLI and rendered to PNG with rsvg-convert (librsvg2-bin). The
 * SVG must be self-contained; the PNG must exist and be non-trivial.
 * Exit 77 when rsvg-convert is not installed. Outputs stay in the build
 * directory: report_recording.{svg,png}, report_load.{svg,png}. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "pipeline/stage.h"
#include "pt_test.h"
#include "pulsetrain/load.h"
#include "pulsetrain/report.h"

static const char *cli(void)
{
    const char *c = getenv("PT_CLI");
    return c && *c ? c : "./pulsetrain";
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static char *slurp(const char *path)
{
    long n = file_size(path);
    FILE *f = n >= 0 ? fopen(path, "rb") : NULL;
    char *s = f ? calloc(1, (size_t)n + 1) : NULL;
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (f)
        fclose(f);
    return s;
}

/* PNG signature and IHDR size; 0 when it is not a PNG. */
static int png_size(const char *path, unsigned *w, unsigned *h)
{
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(b, 1, 24, f);
    fclose(f);
    if (n != 24 || memcmp(b, "\x89PNG\r\n\x1a\n", 8) || memcmp(b + 12, "IHDR", 4))
        return 0;
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
    return 1;
}

static void check_svg_self_contained(const char *svg)
{
    char *s = slurp(svg);
    PT_REQUIRE(s);
    PT_CHECK_STR_CONTAINS(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    PT_CHECK(!strstr(s, "<script"));
    PT_CHECK(!strstr(s, "href"));
    PT_CHECK(!strstr(s, "@font-face"));
    PT_CHECK(!strstr(s, "url("));
    PT_CHECK(!strstr(s, "nan,") && !strstr(s, "\"nan\"")); /* no NaN coordinates */
    free(s);
}

static void render_and_check(const char *svg, const char *png, unsigned want_w)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rsvg-convert '%s' -o '%s'", svg, png);
    PT_REQUIRE(system(cmd) == 0);
    unsigned w = 0, h = 0;
    PT_REQUIRE(png_size(png, &w, &h));
    PT_CHECK_INT(want_w, w);
    PT_CHECK(h > 300);
    PT_CHECK(file_size(png) > 20000); /* a blank page of this size is a few kB */
}

/* ---- a recording: rest, walk, run, recovery (tau 45 s), walk ---- */

static double hr_at(double t)
{
    if (t < 1200)
        return 62;
    if (t < 2400)
        return 110;
    if (t < 3000)
        return 165;
    if (t < 3600)
        return 75 + 90 * exp(-(t - 3000) / 45.0);
    if (t < 5400)
        return 105 + 5 * sin(t / 300);
    return 64;
}

static int cls_at(double t)
{
    return t < 1200   ? PT_CLASS_SEDENTARY
           : t < 2400 ? PT_CLASS_MODERATE
           : t < 3000 ? PT_CLASS_VIGOROUS
           : t < 3600 ? PT_CLASS_SEDENTARY
           : t < 5400 ? PT_CLASS_LIGHT
                      : PT_CLASS_NONWEAR;
}

PT_TEST(report_recording_svg_renders)
{
    const char *src = getenv("PT_SOURCE_DIR");
    if (system("command -v rsvg-convert > /dev/null 2>&1") != 0)
        PT_SKIP("rsvg-convert not found: apt-get install -y librsvg2-bin");
    PT_REQUIRE(src);
    pt_summary *s = pt_summary_create(NULL, NULL);
    pt_recording_info rec;
    memset(&rec, 0, sizeof rec);
    snprintf(rec.path, sizeof rec.path, "%s/tests/cli/test_report.c", src); /* hashed as source */
    snprintf(rec.format, sizeof rec.format, "csv");
    snprintf(rec.start_time_utc, sizeof rec.start_time_utc, "2024-03-05T07:00:00Z");
    rec.start_unix_s = 1709622000;
    rec.duration_s = 7200;
    pt_summary_set_recording(s, &rec);
    for (double t = 0; t < 7200; t += 2) {
        double b =
            hr_at(t) + 1.5 * sin(t * 0.37); /* t_start_s bpm quality bpm_raw reliable motion_g */
        double row[6] = {t - 4, b, 0.9, b, 1, NAN};
        pt_table_append(pt_summary_table(s, "hr"), row, NULL);
    }
    for (double t = 0; t < 7200; t += 5) {
        double row[9] = {t, 20, 30, NAN, hr_at(t + 2.5), NAN, NAN, cls_at(t), NAN};
        pt_table_append(pt_summary_table(s, "epochs"), row, NULL);
    }
    double r[10] = {3000,
                    165,
                    75 + 90 * exp(-60 / 45.0),
                    75 + 90 * exp(-120 / 45.0),
                    90 * (1 - exp(-60 / 45.0)),
                    90 * (1 - exp(-120 / 45.0)),
                    40,
                    45,
                    0.99,
                    0.9};
    pt_table_append(pt_summary_table(s, "recovery"), r, NULL);
    pt_params p = pt_params_defaults();
    snprintf(p.subject_id, sizeof p.subject_id, "S01");
    pt_error err = {0};
    void *st = pt_stage_daily.create(&p, &rec, s, &err);
    PT_REQUIRE(st && pt_stage_daily.finish(st, s, &err) == PT_OK);
    pt_stage_daily.destroy(st);
    PT_REQUIRE(pt_summary_set_run(s, p.subject_id, NULL, &err) == PT_OK);
    PT_REQUIRE(pt_summary_write_h5(s, "report_recording.h5", &err) == PT_OK);
    pt_summary_destroy(s);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' report report_recording.h5 -o report_recording.svg", cli());
    PT_REQUIRE(system(cmd) == 0);
    check_svg_self_contained("report_recording.svg");
    render_and_check("report_recording.svg", "report_recording.png", 1100);
    char *svg = slurp("report_recording.svg");
    PT_REQUIRE(svg);
    /* the subject and the recording in the title, not the summary's file name */
    PT_CHECK_STR_CONTAINS(svg, "<title>Subject S01: test_report.c</title>");
    /* clock time on the axis (start 07:00 UTC), the date under the first tick */
    PT_CHECK_STR_CONTAINS(svg, ">07:00<");
    PT_CHECK_STR_CONTAINS(svg, ">08:00<");
    PT_CHECK_STR_CONTAINS(svg, ">Tue Mar 05<");
    /* non-wear (the last half hour) is its own band, and the strip shows every class */
    PT_CHECK_STR_CONTAINS(svg, "<rect class=\"nonwear\" x=");
    PT_CHECK_STR_CONTAINS(svg, "<rect class=\"vigorous\"");
    PT_CHECK(!strstr(svg, "nan"));
    free(svg);
    /* usage errors */
    snprintf(cmd, sizeof cmd, "'%s' report report_recording.h5 2>/dev/null", cli());
    PT_CHECK(WEXITSTATUS(system(cmd)) == 1);
    snprintf(cmd, sizeof cmd, "'%s' report '%s/CMakeLists.txt' -o x.svg 2>/dev/null", cli(), src);
    PT_CHECK(WEXITSTATUS(system(cmd)) == 2);
}

/* ---- four days from midnight: one date per day on the axis ---- */

PT_TEST(report_axis_four_days)
{
    pt_summary *s = pt_summary_create(NULL, NULL);
    pt_recording_info rec;
    memset(&rec, 0, sizeof rec);
    snprintf(rec.path, sizeof rec.path, "four_days.csv");
    snprintf(rec.format, sizeof rec.format, "csv");
    snprintf(rec.start_time_utc, sizeof rec.start_time_utc, "2024-03-05T00:00:00Z");
    rec.start_unix_s = 1709596800;
    rec.duration_s = 4 * 86400;
    pt_summary_set_recording(s, &rec);
    for (double t = 0; t < 4 * 86400; t += 60) { /* 1-min epochs: no PPG, ENMO only */
        double tod = fmod(t, 86400);
        int c = tod < 7 * 3600   ? PT_CLASS_SEDENTARY
                : tod < 8 * 3600 ? PT_CLASS_MODERATE
                                 : PT_CLASS_LIGHT;
        double row[9] = {t, c == PT_CLASS_MODERATE ? 150 : 20, 30, NAN, NAN, NAN, NAN, c, NAN};
        pt_table_append(pt_summary_table(s, "epochs"), row, NULL);
    }
    pt_error err = {0};
    PT_REQUIRE(pt_report_summary_svg(s, NULL, "report_four_days.svg", &err) == PT_OK);
    pt_summary_destroy(s);
    char *svg = slurp("report_four_days.svg");
    PT_REQUIRE(svg);
    PT_CHECK_STR_CONTAINS(svg, "<title>Recording four_days.csv</title>");
    PT_CHECK_STR_CONTAINS(svg, ">Mar 05<");
    PT_CHECK_STR_CONTAINS(svg, ">Mar 06<");
    PT_CHECK_STR_CONTAINS(svg, ">Mar 07<");
    PT_CHECK_STR_CONTAINS(svg, ">Mar 08<");
    PT_CHECK(!strstr(svg, ">Mar 09<"));
    PT_CHECK_STR_CONTAINS(svg, "id=\"activity-strip\"");
    PT_CHECK_STR_CONTAINS(svg, "id=\"enmo\"");
    PT_CHECK(!strstr(svg, "id=\"heart-rate\"")); /* no empty heart-rate panel */
    PT_CHECK(!strstr(svg, "nan"));
    free(svg);
}

/* ---- 90 days: 3 weeks building, 1 easier; a holiday week without the watch ---- */

#define DAY0 19723 /* 2024-01-01, a Monday */

static void add_day(pt_summary *s, int d)
{
    static const double pattern[7] = {60, 90, 40, 100, 0, 150, 50};
    static const double factor[4] = {1.0, 1.15, 1.3, 0.7};
    int dow = d % 7, w = d / 7;
    pt_table *t = pt_summary_table(s, "daily");
    double row[32];
    for (size_t c = 0; c < pt_table_ncols(t); c++)
        row[c] = NAN;
#define PUT(name, x) row[pt_table_colindex(t, name)] = (x)
    double wear = d % 17 == 5 ? 400 : 900 + 30 * sin(d);
    double walk = 35 + 45 * pow(sin(d * 0.9), 2) + (dow >= 5 ? 20 : 0);
    PUT("date", (DAY0 + d) * 86400.0);
    PUT("wear_minutes", wear);
    PUT("hr_minutes", wear);
    PUT("trimp_banister", pattern[dow] * factor[w % 4] * (1 + 0.1 * sin(d)));
    PUT("walking_minutes", walk);
    PUT("moderate_walking_minutes", walk < 45 ? 8 : 0.4 * walk);
    PUT("longest_easy_minutes", dow == 5 ? 50 : 15);
    PUT("minutes_light", 200);
    PUT("minutes_moderate", 60);
    PUT("minutes_vigorous", dow == 1 ? 20 : dow == 3 ? 25 : dow == 5 ? 10 : 0);
    if (dow == 1) {
        PUT("hrr60_bpm", 28 + 0.15 * d + 1.5 * sin(3.0 * d));
        PUT("n_recovery", 1);
    }
#undef PUT
    pt_table_append(t, row, NULL);
}

PT_TEST(report_load_svg_renders)
{
    if (system("command -v rsvg-convert > /dev/null 2>&1") != 0)
        PT_SKIP("rsvg-convert not found: apt-get install -y librsvg2-bin");
    pt_load *ld = pt_load_create(NULL, NULL);
    for (int part = 0; part < 3; part++) { /* three 30-day summaries */
        pt_summary *s = pt_summary_create(NULL, NULL);
        for (int d = 30 * part; d < 30 * (part + 1); d++)
            if (d < 45 || d > 51)
                add_day(s, d);
        PT_REQUIRE(pt_load_add_summary(ld, s, "P07", 'f', "part", NULL) == PT_OK);
        pt_summary_destroy(s);
    }
    pt_error err = {0};
    PT_REQUIRE(pt_load_compute(ld, &err) == PT_OK);
    PT_REQUIRE(pt_load_write_h5(ld, "report_load.h5", &err) == PT_OK);
    const double *load = pt_load_column(ld, "daily", "load");
    PT_CHECK(isnan(load[46]) && isnan(load[5])); /* holiday, and a day with 400 min wear */
    pt_load_destroy(ld);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' report report_load.h5 -o report_load.svg > /dev/null", cli());
    PT_REQUIRE(system(cmd) == 0);
    check_svg_self_contained("report_load.svg");
    render_and_check("report_load.svg", "report_load.png", 1100);
    char *svg = slurp("report_load.svg");
    PT_REQUIRE(svg);
    PT_CHECK_STR_CONTAINS(svg, "<title>Training load: subject P07</title>");
    PT_CHECK_STR_CONTAINS(svg, ">Jan 01<"); /* Mondays labelled with their dates */
    PT_CHECK_STR_CONTAINS(svg, ">Jan 08<");
    PT_CHECK_STR_CONTAINS(svg, ">Mar 25<");
    PT_CHECK(!strstr(svg, "nan"));
    free(svg);
    snprintf(cmd, sizeof cmd, "'%s' report report_load.h5 --subject nobody -o x.svg 2>/dev/null",
             cli());
    PT_CHECK(WEXITSTATUS(system(cmd)) == 2);
}

PT_TEST(load_cli_reads_summaries)
{
    /* report_recording.h5 from the first test: one day with too little wear */
    if (file_size("report_recording.h5") <= 0)
        PT_SKIP("report_recording.h5 missing (first test skipped)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "'%s' load report_recording.h5 report_recording.h5 -o cli_load.h5 --csv cli_load.csv "
             "> cli_load.out 2>&1",
             cli());
    PT_CHECK(system(cmd) == 0);
    char *out = slurp("cli_load.out"), *csv = slurp("cli_load.csv");
    PT_REQUIRE(out && csv);
    PT_CHECK_STR_CONTAINS(out, "subject S01");
    PT_CHECK_STR_CONTAINS(out, "skipped"); /* the same file twice */
    PT_CHECK_STR_CONTAINS(csv, "S01,2024-03-05,0,");
    /* one day: no load, no ACWR, no trend, each said with its reason, no nan */
    PT_CHECK_STR_CONTAINS(out, "ACWR n/a (needs 28 days");
    PT_CHECK_STR_CONTAINS(out, "CTL, fatigue ATL, form TSB: n/a (no day with");
    PT_CHECK(!strstr(out, "nan"));
    free(out);
    free(csv);
    snprintf(cmd, sizeof cmd, "'%s' load no-such.h5 -o x.h5 2>/dev/null", cli());
    PT_CHECK(WEXITSTATUS(system(cmd)) == 2);
    snprintf(cmd, sizeof cmd, "'%s' load report_recording.h5 2>/dev/null", cli());
    PT_CHECK(WEXITSTATUS(system(cmd)) == 1);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
