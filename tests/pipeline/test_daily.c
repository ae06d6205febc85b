/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_daily.c — /daily: local days, wear and validity, minutes per class,
 * TRIMP by hand, time zones (fixed offsets and TZif). */
#include <math.h>
#include <string.h>

#include "pipeline/stage.h"
#include "pt_test.h"
#include "pulsetrain/tz.h"

/* Sums of 5-s epochs: exact in binary to well below this. */
#define TOL_SUM 1e-9

#define T0_UTC_MIDNIGHT 1709596800.0 /* 2024-03-05T00:00:00Z */

typedef struct seg {
    double min; /* duration [min] */
    int cls;
    double hr, hrr, cadence, walking;
} seg;

static double add_epochs(pt_summary *s, double t, const seg *g)
{
    pt_table *ep = pt_summary_table(s, "epochs");
    size_t n = (size_t)llround(g->min * 12);
    for (size_t i = 0; i < n; i++, t += 5) {
        double row[9] = {t, 10, 30, g->cadence, g->hr, g->hrr, g->walking, g->cls, NAN};
        pt_table_append(ep, row, NULL);
    }
    return t;
}

/* Local day 1 (24 h) and 6 h of day 2, at +02:00. */
static pt_summary *two_days(double start_unix, pt_params *p)
{
    pt_summary *s = pt_summary_create(NULL, NULL);
    pt_recording_info rec;
    memset(&rec, 0, sizeof rec);
    rec.start_unix_s = start_unix;
    rec.duration_s = 30 * 3600;
    pt_summary_set_recording(s, &rec);
    const seg day[] = {
        {480, PT_CLASS_NONWEAR, NAN, NAN, NAN, NAN},
        {600, PT_CLASS_SEDENTARY, 60, 0, NAN, 0},
        {30, PT_CLASS_MODERATE, 130, 50, 110, 1},
        {10, PT_CLASS_VIGOROUS, 170, 80, 160, 0},
        {100, PT_CLASS_LIGHT, 90, 20, NAN, 0},
        {0.5, PT_CLASS_SEDENTARY, 90, 20, NAN, 0}, /* bridged */
        {100, PT_CLASS_LIGHT, 90, 20, NAN, 0},
        {2, PT_CLASS_SEDENTARY, 90, 20, NAN, 0}, /* breaks the stretch */
        {117.5, PT_CLASS_LIGHT, 90, 20, NAN, 0},
        {360, PT_CLASS_LIGHT, NAN, NAN, NAN, NAN}, /* day 2: no heart rate */
    };
    double t = 0;
    for (size_t i = 0; i < sizeof day / sizeof day[0]; i++)
        t = add_epochs(s, t, &day[i]);
    pt_table *rv = pt_summary_table(s, "recovery");
    double r1[10] = {1121 * 60.0, 170, 145, 130, 25, 40, 50, 60, 0.9, 0.9};
    double r2[10] = {1200 * 60.0, 170, 160, 150, 10, 20, 50, 60, 0.9, 0.1}; /* poor: ignored */
    pt_table_append(rv, r1, NULL);
    pt_table_append(rv, r2, NULL);
    *p = pt_params_defaults();
    p->hr_max_bpm = 200;
    snprintf(p->tz, sizeof p->tz, "+02:00");
    return s;
}

static int run_daily(pt_summary *s, const pt_params *p)
{
    pt_error err = {0};
    void *st = pt_stage_daily.create(p, pt_summary_recording(s), s, &err);
    if (!st)
        return err.code;
    int rc = pt_stage_daily.finish(st, s, &err);
    pt_stage_daily.destroy(st);
    return rc;
}

#define COL(t, name, r) (pt_table_column((t), (name))[r])

PT_TEST(daily_two_local_days_by_hand)
{
    pt_params p;
    pt_summary *s = two_days(T0_UTC_MIDNIGHT - 7200, &p); /* local midnight at +02:00 */
    PT_REQUIRE(run_daily(s, &p) == PT_OK);
    const pt_table *d = pt_summary_table_const(s, "daily");
    PT_REQUIRE(pt_table_nrows(d) == 2);
    PT_CHECK_NEAR(T0_UTC_MIDNIGHT, COL(d, "date", 0), 0, 0);
    PT_CHECK_NEAR(T0_UTC_MIDNIGHT + 86400, COL(d, "date", 1), 0, 0);
    PT_CHECK_NEAR(480, COL(d, "minutes_nonwear", 0), 0, TOL_SUM);
    PT_CHECK_NEAR(602.5, COL(d, "minutes_sedentary", 0), 0, TOL_SUM);
    PT_CHECK_NEAR(317.5, COL(d, "minutes_light", 0), 0, TOL_SUM);
    PT_CHECK_NEAR(30, COL(d, "minutes_moderate", 0), 0, TOL_SUM);
    PT_CHECK_NEAR(10, COL(d, "minutes_vigorous", 0), 0, TOL_SUM);
    PT_CHECK_NEAR(960, COL(d, "wear_minutes", 0), 0, TOL_SUM);
    PT_CHECK_INT(1, COL(d, "valid_day", 0));
    PT_CHECK_NEAR(30, COL(d, "walking_minutes", 0), 0, TOL_SUM);
    PT_CHECK_NEAR(30, COL(d, "moderate_walking_minutes", 0), 0, TOL_SUM);
    PT_CHECK_NEAR(110 * 30 + 160 * 10, COL(d, "steps", 0), 0, 0.5);
    double ban = 30 * 0.5 * 0.64 * exp(1.92 * 0.5) + 10 * 0.8 * 0.64 * exp(1.92 * 0.8) +
                 317.5 * 0.2 * 0.64 * exp(1.92 * 0.2) + 2.5 * 0.2 * 0.64 * exp(1.92 * 0.2);
    /* the 2.5 sedentary minutes at HRR 20 % count too: TRIMP follows heart rate, not class */
    PT_CHECK_NEAR(ban, COL(d, "trimp_banister", 0), 1e-12, 1e-9);
    PT_CHECK_NEAR(30 * 2 + 10 * 4, COL(d, "trimp_edwards", 0), 0, TOL_SUM);
    PT_CHECK_NEAR(960, COL(d, "hr_minutes", 0), 0, TOL_SUM);
    PT_CHECK_NEAR(200, COL(d, "longest_easy_minutes", 0), 0, TOL_SUM);
    PT_CHECK_NEAR(25, COL(d, "hrr60_bpm", 0), 0, 0);
    PT_CHECK_INT(1, COL(d, "n_recovery", 0));
    /* day 2: 6 h worn, flagged, no heart rate -> TRIMP missing, not zero */
    PT_CHECK_NEAR(360, COL(d, "wear_minutes", 1), 0, TOL_SUM);
    PT_CHECK_INT(0, COL(d, "valid_day", 1));
    PT_CHECK(isnan(COL(d, "trimp_banister", 1)));
    PT_CHECK(isnan(COL(d, "walking_minutes", 1)));
    PT_CHECK(isnan(COL(d, "hrr60_bpm", 1)));
    PT_CHECK_NEAR(0, COL(d, "steps", 1), 0, 0);
    pt_summary_destroy(s);
}

PT_TEST(daily_women_constants_and_min_wear_param)
{
    pt_params p;
    pt_summary *s = two_days(T0_UTC_MIDNIGHT - 7200, &p);
    p.sex = 'f';
    p.min_wear_h = 5;
    PT_REQUIRE(run_daily(s, &p) == PT_OK);
    const pt_table *d = pt_summary_table_const(s, "daily");
    double ban = 30 * 0.5 * 0.86 * exp(1.67 * 0.5) + 10 * 0.8 * 0.86 * exp(1.67 * 0.8) +
                 320 * 0.2 * 0.86 * exp(1.67 * 0.2);
    PT_CHECK_NEAR(ban, COL(d, "trimp_banister", 0), 1e-12, 1e-9);
    PT_CHECK_INT(1, COL(d, "valid_day", 1)); /* 6 h >= 5 h */
    pt_summary_destroy(s);
}

PT_TEST(daily_utc_splits_differently)
{
    pt_params p;
    pt_summary *s = two_days(T0_UTC_MIDNIGHT - 7200, &p);
    snprintf(p.tz, sizeof p.tz, "UTC");
    PT_REQUIRE(run_daily(s, &p) == PT_OK);
    const pt_table *d = pt_summary_table_const(s, "daily");
    PT_REQUIRE(pt_table_nrows(d) == 3); /* 2 h on 03-04, 24 h on 03-05, 4 h on 03-06 */
    PT_CHECK_NEAR(T0_UTC_MIDNIGHT - 86400, COL(d, "date", 0), 0, 0);
    PT_CHECK_NEAR(120, COL(d, "minutes_nonwear", 0), 0, TOL_SUM);
    pt_summary_destroy(s);
}

PT_TEST(daily_without_start_time_counts_from_start)
{
    pt_params p;
    pt_summary *s = two_days(NAN, &p);
    PT_REQUIRE(run_daily(s, &p) == PT_OK);
    const pt_table *d = pt_summary_table_const(s, "daily");
    PT_REQUIRE(pt_table_nrows(d) == 2);
    PT_CHECK_NEAR(0, COL(d, "date", 0), 0, 0);
    PT_CHECK_NEAR(86400, COL(d, "date", 1), 0, 0);
    PT_CHECK_STR_CONTAINS(pt_summary_notes(s), "days count from the recording's start");
    pt_summary_destroy(s);
}

PT_TEST(daily_empty_epochs_give_empty_table)
{
    pt_summary *s = pt_summary_create(NULL, NULL);
    pt_params p = pt_params_defaults();
    PT_CHECK(run_daily(s, &p) == PT_OK);
    PT_CHECK_INT(0, pt_table_nrows(pt_summary_table_const(s, "daily")));
    pt_summary_destroy(s);
}

PT_TEST(tz_fixed_offsets)
{
    double off;
    PT_CHECK(pt_tz_offset_s("+02:00", 0, &off, NULL) == PT_OK && off == 7200);
    PT_CHECK(pt_tz_offset_s("-0530", 0, &off, NULL) == PT_OK && off == -19800);
    PT_CHECK(pt_tz_offset_s("+120", 0, &off, NULL) == PT_OK && off == 7200);
    PT_CHECK(pt_tz_offset_s("UTC", 0, &off, NULL) == PT_OK && off == 0);
    pt_error err = {0};
    PT_CHECK(pt_tz_offset_s("../etc/passwd", 0, &off, &err) == PT_EINVAL);
    PT_CHECK(pt_tz_offset_s("Nowhere/Atlantis", 0, &off, &err) == PT_EINVAL);
    PT_CHECK_STR_CONTAINS(err.msg, "Nowhere/Atlantis");
}

PT_TEST(tz_iana_from_tzif)
{
    double off;
    if (pt_tz_offset_s("Europe/Berlin", 0, &off, NULL) != PT_OK)
        PT_SKIP("no /usr/share/zoneinfo/Europe/Berlin (tzdata not installed)");
    PT_CHECK(pt_tz_offset_s("Europe/Berlin", 1704067200, &off, NULL) == PT_OK && off == 3600);
    PT_CHECK(pt_tz_offset_s("Europe/Berlin", 1719792000, &off, NULL) == PT_OK && off == 7200);
    /* 2024-03-31 01:00 UTC: the switch to summer time */
    PT_CHECK(pt_tz_offset_s("Europe/Berlin", 1711846800 - 1, &off, NULL) == PT_OK && off == 3600);
    PT_CHECK(pt_tz_offset_s("Europe/Berlin", 1711846800, &off, NULL) == PT_OK && off == 7200);
    PT_CHECK(pt_tz_offset_s("America/New_York", 1719792000, &off, NULL) == PT_OK &&
             off == -4 * 3600);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
