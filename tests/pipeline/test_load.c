/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_load.c — the load model against hand-computed values.
 *
 * Oracle for the 90-day series (GoldenCheetah's PMCData formulas, Williams
 * 2017 EWMA, Foster 1998), written out in plain Python, run once, values
 * pasted below with 17 digits:
 *
 *   import math
 *   L = [float('nan') if d in (20, 21, 60) else 0.0 if d % 7 == 6
 *        else 40.0 + 10.0 * ((d * 5) % 9) for d in range(90)]
 *   lte, ste = math.exp(-1/42), math.exp(-1/7); c = a = 0.0
 *   for x in L:                      # missing day: skipped, state kept
 *       if x != x: continue
 *       sb = c - a                   # TSB_d = CTL_{d-1} - ATL_{d-1}
 *       c = x*(1-lte) + c*lte; a = x*(1-ste) + a*ste
 *   la, lc = 2/8, 2/29               # EWMA seeded with the first load;
 *   ea = x*la + (1-la)*ea; ...       # ACWR after 28 days
 *   w = [x for x in L[d-6:d+1] if x == x]; m = mean(w)
 *   sd = sqrt(sum((x-m)**2)/(len(w)-1)); monotony = m/sd; strain = 7*m*m/sd
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pt_test.h"
#include "pulsetrain/load.h"
#include "pulsetrain/trimp.h"
#include "summary/summary_impl.h"

/* Same formulas, same double arithmetic order: agreement to rounding. */
#define TOL_REL 1e-12

#define N90 90

static double series(int d)
{
    if (d == 20 || d == 21 || d == 60)
        return NAN;
    if (d % 7 == 6)
        return 0.0;
    return 40.0 + 10.0 * ((d * 5) % 9);
}

static const struct {
    int d;
    double ctl, atl, tsb, acute, chronic, acwr;
} oracle[] = {
    {0, 0.9411325339102694, 5.324884009992736, 0.0, 40.0, 40.0, NAN},
    {6, 9.829183859527634, 39.252206971182886, -35.21395159407618, 56.02294921875, 49.201637102591,
     NAN},
    {19, 27.45279108773123, 70.26312494863436, -41.28653035122284, 75.93623275261052,
     65.37016825608112, NAN},
    {22, 28.218572017613994, 68.89687620034584, -42.81033386090313, 71.95217456445789,
     64.99981182462724, NAN},
    {41, 41.901920471664454, 59.304231704036525, -25.499728711177646, 51.44433897757381,
     63.372200316649376, 0.8117808553359975},
    {59, 51.4788378859414, 69.86226983170764, -13.62976268630117, 74.7827731488065,
     67.87797635963852, 1.101723668846346},
    {61, 53.091025259113415, 76.5367097734694, -18.383431945766233, 86.08707986160488,
     71.47259867966345, 1.2044767008884452},
    {89, 62.48766699001111, 79.31746723068592, -17.146950853372566, 84.77068556368195,
     74.95886408269402, 1.1308960801508892},
};

PT_TEST(pmc_acwr_match_oracle_90_days)
{
    double load[N90], ctl[N90], atl[N90], tsb[N90], ea[N90], ec[N90], r[N90];
    for (int d = 0; d < N90; d++)
        load[d] = series(d);
    PT_REQUIRE(pt_pmc(load, N90, 42, 7, 0, 0, 0, PT_MISSING_SKIP, ctl, atl, tsb) == PT_OK);
    PT_REQUIRE(pt_acwr_ewma(load, N90, 7, 28, 28, PT_MISSING_SKIP, ea, ec, r) == PT_OK);
    for (size_t i = 0; i < sizeof oracle / sizeof oracle[0]; i++) {
        int d = oracle[i].d;
        PT_CHECK_NEAR(oracle[i].ctl, ctl[d], TOL_REL, 1e-13);
        PT_CHECK_NEAR(oracle[i].atl, atl[d], TOL_REL, 1e-13);
        PT_CHECK_NEAR(oracle[i].tsb, tsb[d], TOL_REL, 1e-13);
        PT_CHECK_NEAR(oracle[i].acute, ea[d], TOL_REL, 1e-13);
        PT_CHECK_NEAR(oracle[i].chronic, ec[d], TOL_REL, 1e-13);
        PT_CHECK_NEAR(oracle[i].acwr, r[d], TOL_REL, 1e-13);
    }
    /* missing days stay missing */
    PT_CHECK(isnan(ctl[20]) && isnan(atl[21]) && isnan(tsb[60]) && isnan(r[60]));
}

PT_TEST(pmc_constant_load_closed_form)
{
    double load[N90], ctl[N90], atl[N90], tsb[N90], tsb_today[N90];
    for (int d = 0; d < N90; d++)
        load[d] = 100;
    pt_pmc(load, N90, 42, 7, 0, 0, 0, PT_MISSING_SKIP, ctl, atl, tsb);
    pt_pmc(load, N90, 42, 7, 0, 0, 1, PT_MISSING_SKIP, ctl, atl, tsb_today);
    double lte = exp(-1.0 / 42), ste = exp(-1.0 / 7);
    for (int d = 0; d < N90; d++) {
        PT_CHECK_NEAR(100 * (1 - pow(lte, d + 1)), ctl[d], 1e-12, 1e-12);
        PT_CHECK_NEAR(100 * (1 - pow(ste, d + 1)), atl[d], 1e-12, 1e-12);
        PT_CHECK_NEAR(100 * (pow(ste, d) - pow(lte, d)), tsb[d], 1e-12, 1e-12);
        PT_CHECK_NEAR(100 * (pow(ste, d + 1) - pow(lte, d + 1)), tsb_today[d], 1e-12, 1e-12);
    }
}

PT_TEST(pmc_missing_zero_is_goldencheetah_rest_day)
{
    double a[N90], z[N90], c1[N90], a1[N90], t1[N90], c2[N90], a2[N90], t2[N90];
    for (int d = 0; d < N90; d++) {
        a[d] = series(d);
        z[d] = isnan(a[d]) ? 0 : a[d];
    }
    pt_pmc(a, N90, 42, 7, 0, 0, 0, PT_MISSING_ZERO, c1, a1, t1);
    pt_pmc(z, N90, 42, 7, 0, 0, 0, PT_MISSING_SKIP, c2, a2, t2);
    for (int d = 0; d < N90; d++) {
        PT_CHECK_NEAR(c2[d], c1[d], 0, 0);
        PT_CHECK_NEAR(t2[d], t1[d], 0, 0);
    }
    /* skipping a day is not the same as resting on it */
    double c3[N90], a3[N90], t3[N90];
    pt_pmc(a, N90, 42, 7, 0, 0, 0, PT_MISSING_SKIP, c3, a3, t3);
    PT_CHECK(fabs(c3[22] - c2[22]) > 0.5);
}

PT_TEST(acwr_constant_load_is_one_after_warmup)
{
    double load[40], ea[40], ec[40], r[40];
    for (int d = 0; d < 40; d++)
        load[d] = d < 3 ? NAN : 55; /* starts on day 3 */
    pt_acwr_ewma(load, 40, 7, 28, 28, PT_MISSING_SKIP, ea, ec, r);
    PT_CHECK(isnan(ea[2]) && isnan(r[3]) && isnan(r[30]));
    PT_CHECK_NEAR(1.0, r[31], 0, 1e-15); /* 29th day of data */
    PT_CHECK_NEAR(55, ec[39], 0, 1e-12);
    /* lambda = 2/(N+1): one step from 0 to 100 moves acute by 2/8 */
    double l2[2] = {0, 100}, e2[2], c2[2], r2[2];
    pt_acwr_ewma(l2, 2, 7, 28, 0, PT_MISSING_SKIP, e2, c2, r2);
    PT_CHECK_NEAR(25.0, e2[1], 0, 1e-12);
    PT_CHECK_NEAR(200.0 / 29, c2[1], 1e-15, 0);
    PT_CHECK(isnan(r2[0])); /* chronic 0 */
}

PT_TEST(foster_monotony_strain_by_hand)
{
    double load[N90], mono[N90], strain[N90], wl[N90];
    for (int d = 0; d < N90; d++)
        load[d] = series(d);
    PT_REQUIRE(pt_foster(load, N90, 7, 7, mono, strain, wl) == PT_OK);
    /* days 7..13: 120 80 40 90 50 100 0 -> mean 480/7, sample SD by hand */
    const double wk[7] = {120, 80, 40, 90, 50, 100, 0};
    double m = 480.0 / 7, ss = 0;
    for (int i = 0; i < 7; i++)
        ss += (wk[i] - m) * (wk[i] - m);
    double sd = sqrt(ss / 6);
    PT_CHECK_NEAR(m / sd, mono[13], 1e-14, 0);
    PT_CHECK_NEAR(480 * m / sd, strain[13], 1e-14, 0);
    PT_CHECK_NEAR(480, wl[13], 0, 1e-12);
    PT_CHECK_NEAR(1.6724975568596012, mono[13], TOL_REL, 0);
    PT_CHECK_NEAR(802.7988272926086, strain[13], TOL_REL, 0);
    PT_CHECK_NEAR(1.9143801288548998, mono[89], TOL_REL, 0);
    PT_CHECK_NEAR(1033.765269581646, strain[89], TOL_REL, 0);
    PT_CHECK(isnan(mono[23])); /* two missing days in the window */
    PT_CHECK(isnan(mono[5]));  /* fewer than 7 days yet */
    pt_foster(load, N90, 7, 5, mono, strain, wl);
    PT_CHECK_NEAR(2.8128861987509, mono[23], TOL_REL, 0);
    PT_CHECK_NEAR(1496.4554577354788, strain[23], TOL_REL, 0);
    double flat[7] = {50, 50, 50, 50, 50, 50, 50};
    pt_foster(flat, 7, 7, 7, mono, strain, wl);
    PT_CHECK(isnan(mono[6])); /* SD 0: undefined */
}

PT_TEST(streak_pauses_on_missing_days)
{
    double min[9] = {15, 5, 12, NAN, 20, 30, 9, 11, 10};
    double exp_[9] = {1, 0, 1, NAN, 2, 3, 0, 1, 2};
    double got[9];
    pt_streak(min, 9, 10, got);
    for (int d = 0; d < 9; d++)
        PT_CHECK_NEAR(exp_[d], got[d], 0, 0);
}

PT_TEST(slope_and_trimp_kernels)
{
    double x[6] = {0, 1, 2, 3, 4, 5}, y[6] = {1, 3, NAN, 7, 9, 11};
    PT_CHECK_NEAR(2.0, pt_slope(x, y, 6, 4), 1e-14, 0);
    PT_CHECK(isnan(pt_slope(x, y, 3, 4)));
    PT_CHECK_NEAR(60 * 0.5 * 0.64 * exp(0.96), pt_trimp_banister(60, 0.5, 0.64, 1.92), 1e-15, 0);
    PT_CHECK_INT(0, pt_edwards_zone(49.9));
    PT_CHECK_INT(1, pt_edwards_zone(50));
    PT_CHECK_INT(2, pt_edwards_zone(69.99));
    PT_CHECK_INT(4, pt_edwards_zone(80));
    PT_CHECK_INT(5, pt_edwards_zone(105));
    PT_CHECK_INT(0, pt_edwards_zone(NAN));
}

/* ---- the object on summaries built by hand ---- */

#define DAY0 19723 /* 2024-01-01, a Monday */

typedef struct dayspec {
    double wear, trimp, hr_min, walk, modwalk, easy, vig, light, mod, hrr60, nrec;
} dayspec;

static void add_day(pt_summary *s, int d, const dayspec *v)
{
    pt_table *t = pt_summary_table(s, "daily");
    double row[32];
    for (size_t c = 0; c < pt_table_ncols(t); c++)
        row[c] = NAN;
#define PUT(name, x) row[pt_table_colindex(t, name)] = (x)
    PUT("date", (DAY0 + d) * 86400.0);
    PUT("wear_minutes", v->wear);
    PUT("trimp_banister", v->trimp);
    PUT("hr_minutes", v->hr_min);
    PUT("walking_minutes", v->walk);
    PUT("moderate_walking_minutes", v->modwalk);
    PUT("longest_easy_minutes", v->easy);
    PUT("minutes_vigorous", v->vig);
    PUT("minutes_light", v->light);
    PUT("minutes_moderate", v->mod);
    PUT("hrr60_bpm", v->hrr60);
    PUT("n_recovery", v->nrec);
#undef PUT
    pt_table_append(t, row, NULL);
}

static dayspec subject_a(int d)
{
    dayspec v = {
        900, series(d), 900, d % 2 ? 30 : 70, d % 5 == 4 ? 5 : 15, d % 7 == 3 ? 30 : 10, 5, 100,
        30,  NAN,       NAN};
    if (d == 20 || d == 21) { /* too little wear: missing, whatever the TRIMP */
        v.wear = v.hr_min = 300;
        v.trimp = 5;
    }
    if (d % 7 == 2) {
        v.hrr60 = 20 + d / 7.0; /* +1 bpm a week */
        v.nrec = 1;
    }
    return v;
}

static pt_load *build_model(pt_load_config *cfg)
{
    pt_load *ld = pt_load_create(cfg, NULL);
    pt_summary *f1 = pt_summary_create(NULL, NULL), *f2 = pt_summary_create(NULL, NULL);
    pt_summary *fb = pt_summary_create(NULL, NULL);
    for (int d = 0; d < N90; d++) {
        if (d == 60)
            continue; /* no recording at all */
        dayspec v = subject_a(d);
        if (d == 44) { /* split over the two files */
            dayspec a = v, b = v;
            a.wear = a.hr_min = 400;
            a.trimp = 30;
            b.wear = b.hr_min = 500;
            b.trimp = v.trimp - 30;
            a.walk = 50, b.walk = 20;
            add_day(f1, d, &a);
            add_day(f2, d, &b);
            continue;
        }
        add_day(d < 44 ? f1 : f2, d, &v);
    }
    for (int d = 0; d < 10; d++) {
        dayspec v = {800, NAN, 0, 20, 20, 30, 10, 100, 30, NAN, NAN};
        add_day(fb, d + 3, &v);
    }
    pt_load_add_summary(ld, f2, "A", 'm', "f2", NULL); /* order must not matter */
    pt_load_add_summary(ld, f1, "A", 0, "f1", NULL);
    pt_load_add_summary(ld, fb, "B", 'f', "fb", NULL);
    pt_summary_destroy(f1);
    pt_summary_destroy(f2);
    pt_summary_destroy(fb);
    return ld;
}

PT_TEST(load_object_end_to_end)
{
    pt_load_config cfg = pt_load_defaults();
    pt_load *ld = build_model(&cfg);
    pt_error err = {0};
    PT_REQUIRE(pt_load_compute(ld, &err) == PT_OK);
    PT_REQUIRE(pt_load_nsubjects(ld) == 2);
    PT_REQUIRE(pt_load_nrows(ld, "daily") == N90 + 10);
    const double *subj = pt_load_column(ld, "daily", "subject_id");
    const double *date = pt_load_column(ld, "daily", "date");
    const double *load = pt_load_column(ld, "daily", "load");
    const double *ctl = pt_load_column(ld, "daily", "ctl");
    const double *tsb = pt_load_column(ld, "daily", "tsb");
    const double *acwr = pt_load_column(ld, "daily", "acwr");
    const double *valid = pt_load_column(ld, "daily", "valid_day");
    const double *src = pt_load_column(ld, "daily", "load_source");
    const double *streak = pt_load_column(ld, "daily", "streak_days");
    const double *met = pt_load_column(ld, "daily", "walk_target_met");
    PT_REQUIRE(subj && date && load && ctl && tsb && acwr && valid && src && streak && met);
    PT_CHECK(!strcmp(pt_load_subject(ld, (size_t)subj[0]), "A"));
    PT_CHECK_NEAR((DAY0)*86400.0, date[0], 0, 0);
    /* the model's daily load is the oracle series: missing and flagged days are NaN */
    for (int d = 0; d < N90; d++)
        PT_CHECK_NEAR(series(d), load[d], 0, 1e-12);
    PT_CHECK_INT(0, valid[20]);
    PT_CHECK(isnan(valid[60]));
    PT_CHECK_INT(1, valid[44]); /* 400 + 500 min merged */
    PT_CHECK_INT(1, src[0]);
    PT_CHECK_INT(0, src[20]);
    for (size_t i = 0; i < sizeof oracle / sizeof oracle[0]; i++) {
        PT_CHECK_NEAR(oracle[i].ctl, ctl[oracle[i].d], TOL_REL, 1e-13);
        PT_CHECK_NEAR(oracle[i].tsb, tsb[oracle[i].d], TOL_REL, 1e-13);
        PT_CHECK_NEAR(oracle[i].acwr, acwr[oracle[i].d], TOL_REL, 1e-13);
    }
    /* streak: >= 10 min of moderate walking except every 5th day */
    PT_CHECK_NEAR(4, streak[3], 0, 0);
    PT_CHECK_NEAR(0, streak[4], 0, 0);
    PT_CHECK_NEAR(1, streak[5], 0, 0);
    PT_CHECK_INT(1, met[0]);
    PT_CHECK_INT(0, met[1]);
    PT_CHECK(isnan(met[21])); /* short on an invalid day: unknown */
    PT_CHECK_INT(1, met[44]); /* 50 + 20 min */
    /* subject B: no heart rate -> accelerometer load, women's constants */
    double acc = 100 * 0.35 * 0.86 * exp(1.67 * 0.35) + 30 * 0.5 * 0.86 * exp(1.67 * 0.5) +
                 10 * 0.75 * 0.86 * exp(1.67 * 0.75);
    PT_CHECK(!strcmp(pt_load_subject(ld, (size_t)subj[N90]), "B"));
    PT_CHECK_NEAR(acc, load[N90], 1e-14, 0);
    PT_CHECK_INT(2, src[N90]);
    PT_CHECK_NEAR((DAY0 + 3) * 86400.0, date[N90], 0, 0);

    /* weekly: ISO weeks from Monday 2024-01-01 */
    const double *ws = pt_load_column(ld, "weekly", "week_start");
    const double *wtd = pt_load_column(ld, "weekly", "walk_target_days");
    const double *easy = pt_load_column(ld, "weekly", "easy_session");
    const double *hi = pt_load_column(ld, "weekly", "high_intensity_minutes");
    const double *wh = pt_load_column(ld, "weekly", "hrr60_bpm");
    const double *slope = pt_load_column(ld, "weekly", "hrr60_slope_bpm_per_week");
    const double *wmono = pt_load_column(ld, "weekly", "monotony");
    PT_REQUIRE(pt_load_nrows(ld, "weekly") >= 13);
    PT_CHECK_NEAR(DAY0 * 86400.0, ws[0], 0, 0);
    PT_CHECK_NEAR(4, wtd[0], 0, 0);
    PT_CHECK_NEAR(1, easy[0], 0, 0);
    PT_CHECK_NEAR(35, hi[0], 0, 1e-12);
    PT_CHECK_NEAR(20 + 2.0 / 7, wh[0], 1e-14, 0);
    PT_CHECK(isnan(slope[2]));              /* 3 weeks: fewer than 4 */
    PT_CHECK_NEAR(1.0, slope[3], 1e-12, 0); /* +1 bpm per week */
    PT_CHECK_NEAR(1.0, slope[12], 1e-12, 0);
    PT_CHECK_NEAR(1.6724975568596012, wmono[1], TOL_REL, 0); /* days 7..13 */
    PT_CHECK(isnan(wmono[2]));                               /* day 20 missing */
    const double *sslope = pt_load_column(ld, "subjects", "hrr60_slope_bpm_per_week");
    PT_CHECK_NEAR(1.0, sslope[0], 1e-12, 0);

    /* LOAD.h5 round trip and CSV */
    char h5[64], csv[64];
    snprintf(h5, sizeof h5, "test_load_%ld.h5", (long)getpid());
    snprintf(csv, sizeof csv, "test_load_%ld.csv", (long)getpid());
    PT_REQUIRE(pt_load_write_h5(ld, h5, &err) == PT_OK);
    PT_REQUIRE(pt_load_write_csv(ld, csv, &err) == PT_OK);
    pt_load *back = pt_load_read_h5(h5, &err);
    if (!back)
        fprintf(stderr, "%s\n", err.msg);
    PT_REQUIRE(back);
    PT_CHECK_INT(pt_load_nrows(ld, "daily"), pt_load_nrows(back, "daily"));
    const double *ctl2 = pt_load_column(back, "daily", "ctl");
    const double *date2 = pt_load_column(back, "daily", "date");
    const double *valid2 = pt_load_column(back, "daily", "valid_day");
    for (size_t r = 0; r < pt_load_nrows(ld, "daily"); r++) {
        PT_CHECK_NEAR(ctl[r], ctl2[r], 0, 0);
        PT_CHECK_NEAR(date[r], date2[r], 0, 0);
        PT_CHECK_NEAR(valid[r], valid2[r], 0, 0);
    }
    PT_CHECK(!strcmp(pt_load_subject(back, 1), "B"));
    FILE *f = fopen(csv, "r");
    char line[2048] = "";
    PT_CHECK(f && fgets(line, sizeof line, f));
    PT_CHECK_STR_CONTAINS(line, "subject_id,date,valid_day");
    PT_CHECK(fgets(line, sizeof line, f) != NULL);
    PT_CHECK_STR_CONTAINS(line, "A,2024-01-01,1,");
    if (f)
        fclose(f);
    pt_load_destroy(back);
    remove(h5);
    remove(csv);
    /* a summary is not a load file */
    PT_CHECK(pt_load_read_h5("no-such-file.h5", &err) == NULL);
    PT_CHECK_STR_CONTAINS(err.msg, "no-such-file.h5");
    pt_load_destroy(ld);
}

PT_TEST(load_missing_zero_option)
{
    pt_load_config cfg = pt_load_defaults();
    cfg.missing = PT_MISSING_ZERO;
    cfg.walk_target_minutes = 45;
    cfg.ctl_days = 30;
    pt_load *ld = build_model(&cfg);
    PT_REQUIRE(pt_load_compute(ld, NULL) == PT_OK);
    const double *load = pt_load_column(ld, "daily", "load");
    PT_CHECK_NEAR(0, load[60], 0, 0); /* no data -> 0 */
    PT_CHECK_NEAR(5, load[20], 0, 0); /* flagged day: its measured load */
    /* the settings travel with the file */
    char h5[64];
    snprintf(h5, sizeof h5, "test_load_zero_%ld.h5", (long)getpid());
    PT_REQUIRE(pt_load_write_h5(ld, h5, NULL) == PT_OK);
    pt_load *back = pt_load_read_h5(h5, NULL);
    PT_REQUIRE(back);
    PT_CHECK_INT(PT_MISSING_ZERO, pt_load_settings(back)->missing);
    PT_CHECK_NEAR(45, pt_load_settings(back)->walk_target_minutes, 0, 0);
    PT_CHECK_NEAR(30, pt_load_settings(back)->ctl_days, 0, 0);
    pt_load_destroy(back);
    remove(h5);
    pt_load_destroy(ld);
}

PT_TEST(load_bad_config_and_empty)
{
    pt_load_config cfg = pt_load_defaults();
    cfg.ctl_days = 0;
    pt_error err = {0};
    PT_CHECK(pt_load_create(&cfg, &err) == NULL);
    PT_CHECK_INT(PT_EINVAL, err.code);
    pt_load *ld = pt_load_create(NULL, &err);
    PT_CHECK(pt_load_compute(ld, &err) == PT_EDATA);
    pt_load_destroy(ld);
    pt_load_destroy(NULL);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
