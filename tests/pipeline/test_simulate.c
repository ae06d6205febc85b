/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_simulate.c — properties of the synthetic recordings (sim/simulate.c):
 * determinism, block-size independence, truth consistency, physiology of the HR truth,
 * accelerometer magnitude, intensity bands and the gait / pulse frequencies; the start
 * taken from an ISO 8601 time and the CSV writers (sim/sim_csv.c). */
#include "pt_test.h"
#include "pulsetrain/simulate.h"

#include <dirent.h>
#include <stdint.h>
#include <unistd.h>

static char dir[64];

#define TWO_PI 6.283185307179586476925286766559

typedef struct rec {
    size_t n;
    double *t, *ppg, *ax, *ay, *az;
    size_t nsec;
    pt_sim_second *sec;
    size_t nrec;
    pt_sim_recovery rcv[256];
} rec;

static void rec_free(rec *r)
{
    free(r->t), free(r->ppg), free(r->ax), free(r->ay), free(r->az), free(r->sec);
    memset(r, 0, sizeof *r);
}

/* Generate a whole recording, reading the signal in blocks of `block` rows. */
static int generate(const pt_sim_config *cfg, size_t block, rec *r)
{
    memset(r, 0, sizeof *r);
    pt_error err = {0};
    pt_sim *s = pt_sim_create(cfg, &err);
    if (!s) {
        fprintf(stderr, "pt_sim_create: %s\n", err.msg);
        return -1;
    }
    size_t n = (size_t)pt_sim_nrows(s), ns = (size_t)pt_sim_nseconds(s);
    r->t = malloc(n * sizeof(double));
    r->ppg = malloc(n * sizeof(double));
    r->ax = malloc(n * sizeof(double));
    r->ay = malloc(n * sizeof(double));
    r->az = malloc(n * sizeof(double));
    r->sec = malloc(ns * sizeof *r->sec);
    if (!r->t || !r->ppg || !r->ax || !r->ay || !r->az || !r->sec) {
        pt_sim_destroy(s);
        return -1;
    }
    size_t got, pos = 0;
    while (pt_sim_read(s, block, r->t + pos, r->ppg + pos, r->ax + pos, r->ay + pos, r->az + pos,
                       &got, &err) == PT_OK &&
           got)
        pos += got;
    r->n = pos;
    pos = 0;
    while (pt_sim_truth_read(s, 100, r->sec + pos, &got, &err) == PT_OK && got)
        pos += got;
    r->nsec = pos;
    r->nrec = 0;
    while (pt_sim_recovery_read(s, 256 - r->nrec, r->rcv + r->nrec, &got, &err) == PT_OK && got)
        r->nrec += got;
    pt_sim_destroy(s);
    return (r->n == n && r->nsec == ns) ? 0 : -1;
}

static int same_bits(const double *a, const double *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static pt_sim_config cfg_of(pt_sim_scenario sc, double dur_s, uint64_t seed)
{
    pt_sim_config c = pt_sim_defaults();
    c.scenario = sc;
    c.duration_s = dur_s;
    c.seed = seed;
    return c;
}

/* |a| of accelerometer rows (every decim-th row) in [i0, i1) into m; returns the count. */
static size_t acc_mag(const rec *r, size_t decim, size_t i0, size_t i1, double *m)
{
    size_t k = 0;
    for (size_t i = i0 - i0 % decim + (i0 % decim ? decim : 0); i < i1; i += decim)
        m[k++] = sqrt(r->ax[i] * r->ax[i] + r->ay[i] * r->ay[i] + r->az[i] * r->az[i]);
    return k;
}

static double mad(const double *x, size_t n)
{
    double mu = 0, d = 0;
    for (size_t i = 0; i < n; i++)
        mu += x[i];
    mu /= (double)n;
    for (size_t i = 0; i < n; i++)
        d += fabs(x[i] - mu);
    return d / (double)n;
}

/* Frequency [Hz] of the largest DFT magnitude of x (mean removed, Hann) over f_lo..f_hi. */
static double peak_freq(const double *x, size_t n, double fs, double f_lo, double f_hi)
{
    double mu = 0;
    for (size_t i = 0; i < n; i++)
        mu += x[i];
    mu /= (double)n;
    double best = -1, fbest = NAN;
    for (double f = f_lo; f <= f_hi + 1e-9; f += 0.005) {
        double re = 0, im = 0;
        for (size_t i = 0; i < n; i++) {
            double w = 0.5 - 0.5 * cos(TWO_PI * (double)i / (double)n);
            double ph = TWO_PI * f * (double)i / fs;
            re += w * (x[i] - mu) * cos(ph);
            im -= w * (x[i] - mu) * sin(ph);
        }
        double p = re * re + im * im;
        if (p > best) {
            best = p;
            fbest = f;
        }
    }
    return fbest;
}

static double band_power(const double *x, size_t n, double fs, double f)
{
    double mu = 0, re = 0, im = 0;
    for (size_t i = 0; i < n; i++)
        mu += x[i];
    mu /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double w = 0.5 - 0.5 * cos(TWO_PI * (double)i / (double)n);
        re += w * (x[i] - mu) * cos(TWO_PI * f * (double)i / fs);
        im -= w * (x[i] - mu) * sin(TWO_PI * f * (double)i / fs);
    }
    return re * re + im * im;
}

PT_TEST(defaults_and_validation)
{
    pt_sim_config c = pt_sim_defaults();
    PT_CHECK_INT(PT_SIM_MIXED, c.scenario);
    PT_CHECK_NEAR(64.0, c.fs_ppg_hz, 0, 0);
    PT_CHECK_NEAR(32.0, c.fs_acc_hz, 0, 0);
    PT_CHECK(isnan(c.hr_max_bpm));
    pt_error err = {0};
    pt_sim *s = pt_sim_create(&c, &err);
    PT_REQUIRE(s != NULL);
    PT_CHECK_NEAR(208.0 - 0.7 * 35.0, pt_sim_config_of(s)->hr_max_bpm, 1e-12, 0); // Tanaka
    PT_CHECK_INT(1800 * 64, pt_sim_nrows(s));
    PT_CHECK_INT(1800, pt_sim_nseconds(s));
    PT_CHECK_INT(2, pt_sim_acc_decimation(s));
    pt_sim_destroy(s);
    pt_sim_destroy(NULL);

    /* each bad value is rejected with a message naming the option a user types */
    static const char *const fields[] = {"--minutes", "--fs-acc", "--hr-max", "--tau-s", "--sex"};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        pt_sim_config b = pt_sim_defaults();
        if (k == 0)
            b.duration_s = -5;
        if (k == 1)
            b.fs_acc_hz = 25; // does not divide 64
        if (k == 2)
            b.hr_max_bpm = 80; // below hr_rest + 40
        if (k == 3)
            b.tau_s = 0;
        if (k == 4)
            b.sex = 'x';
        pt_error_clear(&err);
        PT_CHECK(pt_sim_create(&b, &err) == NULL);
        PT_CHECK_INT(PT_EINVAL, err.code);
        PT_CHECK_STR_CONTAINS(err.msg, fields[k]);
    }
    pt_sim_scenario sc;
    PT_CHECK_INT(PT_OK, pt_sim_scenario_parse("intervals", &sc, NULL));
    PT_CHECK_INT(PT_SIM_INTERVALS, sc);
    PT_CHECK_INT(PT_EINVAL, pt_sim_scenario_parse("jog", &sc, &err));
    PT_CHECK_STR_CONTAINS(err.msg, "jog");
    PT_CHECK(!strcmp(pt_sim_scenario_name(PT_SIM_REST), "rest"));
}

PT_TEST(same_seed_same_output_other_seed_differs)
{
    pt_sim_config c = cfg_of(PT_SIM_MIXED, 600, 42);
    rec a, b, d;
    PT_REQUIRE(generate(&c, 4096, &a) == 0);
    PT_REQUIRE(generate(&c, 4096, &b) == 0);
    c.seed = 43;
    PT_REQUIRE(generate(&c, 4096, &d) == 0);
    PT_CHECK(same_bits(a.ppg, b.ppg, a.n));
    PT_CHECK(same_bits(a.ax, b.ax, a.n) && same_bits(a.ay, b.ay, a.n) &&
             same_bits(a.az, b.az, a.n));
    PT_CHECK(memcmp(a.sec, b.sec, a.nsec * sizeof *a.sec) == 0);
    PT_CHECK(!same_bits(a.ppg, d.ppg, a.n));
    PT_CHECK(!same_bits(a.ax, d.ax, a.n));
    int hr_differs = 0;
    for (size_t k = 0; k < a.nsec; k++)
        hr_differs |= a.sec[k].hr_bpm != d.sec[k].hr_bpm;
    PT_CHECK(hr_differs);
    /* t = i / fs, acc on every second row */
    PT_CHECK_NEAR(1.0 / 64.0, a.t[1], 0, 0);
    PT_CHECK(isnan(a.ax[1]) && !isnan(a.ax[2]));
    rec_free(&a), rec_free(&b), rec_free(&d);
}

PT_TEST(blockwise_equals_one_shot)
{
    pt_sim_config c = cfg_of(PT_SIM_INTERVALS, 900, 7);
    rec whole, b1, b7;
    PT_REQUIRE(generate(&c, 900 * 64, &whole) == 0);
    PT_REQUIRE(generate(&c, 1, &b1) == 0);
    PT_REQUIRE(generate(&c, 777, &b7) == 0);
    PT_CHECK(same_bits(whole.t, b1.t, whole.n) && same_bits(whole.t, b7.t, whole.n));
    PT_CHECK(same_bits(whole.ppg, b1.ppg, whole.n) && same_bits(whole.ppg, b7.ppg, whole.n));
    PT_CHECK(same_bits(whole.ax, b1.ax, whole.n) && same_bits(whole.az, b7.az, whole.n));

    /* reset replays; interleaving the truth cursor with the signal changes nothing */
    pt_sim *s = pt_sim_create(&c, NULL);
    PT_REQUIRE(s != NULL);
    double p[500];
    pt_sim_second sec[3];
    size_t got;
    PT_CHECK_INT(PT_OK, pt_sim_read(s, 500, NULL, p, NULL, NULL, NULL, &got, NULL));
    PT_CHECK_INT(PT_OK, pt_sim_truth_read(s, 3, sec, &got, NULL));
    pt_sim_reset(s);
    PT_CHECK_INT(PT_OK, pt_sim_truth_read(s, 3, sec, &got, NULL));
    PT_CHECK_INT(PT_OK, pt_sim_read(s, 500, NULL, p, NULL, NULL, NULL, &got, NULL));
    PT_CHECK(same_bits(whole.ppg, p, 500));
    PT_CHECK_INT(PT_EINVAL, pt_sim_read(s, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    pt_sim_destroy(s);
    rec_free(&whole), rec_free(&b1), rec_free(&b7);
}

PT_TEST(channels_are_independent_streams)
{
    pt_sim_config c = cfg_of(PT_SIM_MIXED, 600, 3);
    rec both, no_ppg, no_acc;
    PT_REQUIRE(generate(&c, 4096, &both) == 0);
    c.with_ppg = 0;
    PT_REQUIRE(generate(&c, 4096, &no_ppg) == 0);
    c.with_ppg = 1;
    c.with_acc = 0;
    PT_REQUIRE(generate(&c, 4096, &no_acc) == 0);
    PT_CHECK(same_bits(both.ax, no_ppg.ax, both.n) && same_bits(both.az, no_ppg.az, both.n));
    PT_CHECK(same_bits(both.ppg, no_acc.ppg, both.n));
    PT_CHECK(isnan(no_ppg.ppg[10]) && isnan(no_acc.ax[0]));
    PT_CHECK(memcmp(both.sec, no_ppg.sec, both.nsec * sizeof *both.sec) == 0);
    rec_free(&both), rec_free(&no_ppg), rec_free(&no_acc);
}

PT_TEST(truth_hr_follows_the_scenario)
{
    rec r;
    /* rest: HR within a few bpm of hr_rest (60) */
    pt_sim_config c = cfg_of(PT_SIM_REST, 1200, 11);
    PT_REQUIRE(generate(&c, 8192, &r) == 0);
    for (size_t k = 0; k < r.nsec; k++) {
        PT_CHECK(r.sec[k].hr_bpm > 55 && r.sec[k].hr_bpm < 68);
        PT_CHECK_INT(PT_SIM_CLASS_SEDENTARY, r.sec[k].intensity);
    }
    PT_CHECK(isnan(r.sec[100].cadence_spm));
    rec_free(&r);

    /* run: after 3 min above 60 % HRR, cadence 150-180, never above HRmax */
    c = cfg_of(PT_SIM_RUN, 1200, 12);
    PT_REQUIRE(generate(&c, 8192, &r) == 0);
    double hrmax = 208 - 0.7 * 35, hrr = hrmax - 60;
    for (size_t k = 0; k < r.nsec; k++) {
        if (k >= 180)
            PT_CHECK(r.sec[k].hr_bpm > 60 + 0.6 * hrr);
        PT_CHECK(r.sec[k].hr_bpm < hrmax);
        PT_CHECK(r.sec[k].cadence_spm >= 150 && r.sec[k].cadence_spm <= 180);
        PT_CHECK_INT(PT_SIM_CLASS_VIGOROUS, r.sec[k].intensity);
    }
    /* on-kinetics of 30-60 s: half-way within ~20-45 s (ln 2 tau) */
    size_t half = 0;
    double target = 0.5 * (r.sec[0].hr_bpm + r.sec[300].hr_bpm);
    while (half < r.nsec && r.sec[half].hr_bpm < target)
        half++;
    PT_CHECK(half >= 15 && half <= 50);
    rec_free(&r);

    /* walk: between rest and run, cadence 100-120 */
    c = cfg_of(PT_SIM_WALK, 900, 13);
    PT_REQUIRE(generate(&c, 8192, &r) == 0);
    for (size_t k = 240; k < r.nsec; k++) {
        PT_CHECK(r.sec[k].hr_bpm > 85 && r.sec[k].hr_bpm < 60 + 0.6 * hrr);
        PT_CHECK(r.sec[k].cadence_spm >= 100 && r.sec[k].cadence_spm <= 120);
    }
    rec_free(&r);
}

PT_TEST(recovery_truth_is_exact)
{
    static const pt_sim_scenario scs[] = {PT_SIM_MIXED, PT_SIM_INTERVALS};
    for (int q = 0; q < 2; q++) {
        pt_sim_config c = cfg_of(scs[q], 1800, 21);
        rec r;
        PT_REQUIRE(generate(&c, 8192, &r) == 0);
        PT_CHECK(r.nrec >= (q == 0 ? 1u : 2u));
        for (size_t j = 0; j < r.nrec; j++) {
            const pt_sim_recovery *v = &r.rcv[j];
            size_t k = (size_t)v->t_end_exercise_s;
            PT_REQUIRE(k + 120 < r.nsec);
            PT_CHECK_NEAR(r.sec[k].hr_bpm, v->hr_end_bpm, 0, 1e-9);
            PT_CHECK_NEAR(r.sec[k + 60].hr_bpm, v->hr_60_bpm, 0, 1e-9);
            PT_CHECK_NEAR(r.sec[k].hr_bpm - r.sec[k + 60].hr_bpm, v->hrr60_bpm, 0, 1e-9);
            PT_CHECK_NEAR(r.sec[k].hr_bpm - r.sec[k + 120].hr_bpm, v->hrr120_bpm, 0, 1e-9);
            PT_CHECK(v->tau_s >= 45 - 1e-9 && v->tau_s <= 75 + 1e-9); // 60 s +- 25 %
            PT_CHECK(v->hrr60_bpm > 20);
            /* run before, seated after */
            PT_CHECK_INT(PT_SIM_CLASS_VIGOROUS, r.sec[k - 1].intensity);
            PT_CHECK_INT(PT_SIM_CLASS_SEDENTARY, r.sec[k].intensity);
            /* exponential: ln(HR - L) is linear with slope -1/tau; check with three points */
            double h0 = r.sec[k].hr_bpm, h1 = r.sec[k + 60].hr_bpm, h2 = r.sec[k + 120].hr_bpm;
            double L = (h0 * h2 - h1 * h1) / (h0 + h2 - 2 * h1);
            PT_CHECK_NEAR(v->tau_s, 60.0 / log((h0 - L) / (h1 - L)), 1e-6, 0);
        }
        rec_free(&r);
    }
}

PT_TEST(acc_at_rest_is_one_g_and_still)
{
    pt_sim_config c = cfg_of(PT_SIM_REST, 600, 5);
    rec r;
    PT_REQUIRE(generate(&c, 8192, &r) == 0);
    double *m = malloc(r.n * sizeof *m);
    PT_REQUIRE(m != NULL);
    for (size_t e = 0; e + 5 * 64 <= r.n; e += 5 * 64) {
        size_t k = acc_mag(&r, 2, e, e + 5 * 64, m);
        double mu = 0;
        for (size_t i = 0; i < k; i++)
            mu += m[i];
        mu /= (double)k;
        PT_CHECK_NEAR(1.0, mu, 0, 0.01);
        PT_CHECK(mad(m, k) < 0.0225); // below the sedentary cut-point (Vaha-Ypya 2015)
    }
    free(m);
    rec_free(&r);
}

/* MAD of |a| over 5 s epochs falls into the band of the truth class (Vaha-Ypya 2015
 * cut-points: 22.5 / 91 / 414 mg) on at least 90 % of the epochs inside one activity. */
PT_TEST(mad_bands_match_truth_classes)
{
    pt_sim_config c = cfg_of(PT_SIM_MIXED, 3 * 3600, 8);
    c.with_ppg = 0;
    rec r;
    PT_REQUIRE(generate(&c, 8192, &r) == 0);
    double m[5 * 32];
    size_t n_ep[5] = {0}, ok[5] = {0};
    for (size_t s0 = 5; s0 + 10 <= r.nsec; s0 += 5) {
        int cl = r.sec[s0].intensity, same = 1;
        for (size_t k = s0 - 5; k < s0 + 10; k++)
            same &= r.sec[k].intensity == cl;
        if (!same)
            continue;
        size_t k = acc_mag(&r, 2, s0 * 64, (s0 + 5) * 64, m);
        double v = mad(m, k);
        n_ep[cl]++;
        ok[cl] += cl == PT_SIM_CLASS_NONWEAR     ? v < 0.005
                  : cl == PT_SIM_CLASS_SEDENTARY ? v < 0.0225
                  : cl == PT_SIM_CLASS_LIGHT     ? v >= 0.0225 && v < 0.091
                  : cl == PT_SIM_CLASS_MODERATE  ? v >= 0.091 && v < 0.414
                                                 : v >= 0.414;
    }
    for (int cl = 1; cl < 5; cl++) {
        PT_CHECK(n_ep[cl] > 10);
        if (n_ep[cl])
            PT_CHECK((double)ok[cl] >= 0.9 * (double)n_ep[cl]);
        if (ok[cl] < 0.9 * (double)n_ep[cl])
            fprintf(stderr, "class %d: %zu of %zu epochs in band\n", cl, ok[cl], n_ep[cl]);
    }
    rec_free(&r);
}

/* The gait is visible where it should be: |a| peaks at the step rate (cadence / 60 Hz), the
 * arm-swing axis at the stride rate (cadence / 120 Hz); the running PPG carries the step
 * artefact at a power comparable to the pulse. */
PT_TEST(gait_frequencies_match_cadence)
{
    static const pt_sim_scenario scs[] = {PT_SIM_WALK, PT_SIM_RUN};
    for (int q = 0; q < 2; q++) {
        pt_sim_config c = cfg_of(scs[q], 600, 31 + (uint64_t)q);
        rec r;
        PT_REQUIRE(generate(&c, 8192, &r) == 0);
        for (size_t s0 = 60; s0 + 20 <= r.nsec; s0 += 120) {
            double cad = r.sec[s0 + 10].cadence_spm;
            if (cad != r.sec[s0].cadence_spm || cad != r.sec[s0 + 19].cadence_spm)
                continue; // a cadence change inside the window
            double m[20 * 32], x[20 * 32], p[20 * 64];
            size_t k = acc_mag(&r, 2, s0 * 64, (s0 + 20) * 64, m);
            for (size_t i = 0; i < k; i++)
                x[i] = r.ax[s0 * 64 + 2 * i];
            for (size_t i = 0; i < 20 * 64; i++)
                p[i] = r.ppg[s0 * 64 + i];
            double fstep = cad / 60.0, fstride = cad / 120.0;
            PT_CHECK_NEAR(fstep, peak_freq(m, k, 32, 0.5, 5.0), 0, 0.06);
            PT_CHECK_NEAR(fstride, peak_freq(x, k, 32, 0.3, fstep * 0.75), 0, 0.06);
            if (q == 1) {
                double fhr = r.sec[s0 + 10].hr_bpm / 60.0;
                double p_step = band_power(p, 20 * 64, 64, fstep);
                double p_hr = band_power(p, 20 * 64, 64, fhr);
                PT_CHECK(p_step > 0.5 * p_hr);
            }
        }
        rec_free(&r);
    }
}

/* The PPG pulse runs at the truth heart rate at rest. */
PT_TEST(ppg_pulse_at_truth_hr)
{
    pt_sim_config c = cfg_of(PT_SIM_REST, 600, 17);
    rec r;
    PT_REQUIRE(generate(&c, 8192, &r) == 0);
    for (size_t s0 = 30; s0 + 30 <= r.nsec; s0 += 90) {
        double fhr = r.sec[s0 + 15].hr_bpm / 60.0;
        PT_CHECK_NEAR(fhr, peak_freq(r.ppg + s0 * 64, 30 * 64, 64, 0.6, 3.0), 0, 0.04);
    }
    rec_free(&r);
}

/* A day of 'mixed' has a night of sleep (HR below rest) and flat non-wear periods. */
PT_TEST(mixed_day_has_night_and_flat_nonwear)
{
    pt_sim_config c = cfg_of(PT_SIM_MIXED, 24 * 3600, 2);
    c.with_ppg = 0;
    rec r;
    PT_REQUIRE(generate(&c, 1 << 16, &r) == 0);
    /* 03:00 is 19 h after the 08:00 start */
    PT_CHECK(r.sec[19 * 3600].hr_bpm < 60);
    PT_CHECK_INT(PT_SIM_CLASS_SEDENTARY, r.sec[19 * 3600].intensity);
    size_t nonwear = 0, flat = 0, checked = 0;
    for (size_t k = 10; k + 1 < r.nsec; k++) {
        if (r.sec[k].intensity != PT_SIM_CLASS_NONWEAR)
            continue;
        nonwear++;
        PT_CHECK(isnan(r.sec[k].hr_bpm));
        if (r.sec[k - 10].intensity != PT_SIM_CLASS_NONWEAR)
            continue; // the device is still being put down
        checked++;
        /* flat: each axis within 3 LSB (3 mg) over the second: quantisation flicker only */
        int same = 1;
        const double *ax[3] = {r.ax, r.ay, r.az};
        for (int a = 0; a < 3; a++) {
            double lo = 9, hi = -9;
            for (size_t i = k * 64; i < (k + 1) * 64; i += 2) {
                lo = fmin(lo, ax[a][i]);
                hi = fmax(hi, ax[a][i]);
            }
            same &= hi - lo <= 0.0031;
        }
        flat += (size_t)same;
    }
    PT_CHECK(nonwear >= 1800);
    PT_CHECK(checked > 0 && flat == checked);
    rec_free(&r);
}

PT_TEST(start_from_iso8601)
{
    pt_sim_config c = pt_sim_defaults();
    pt_error err = {0};
    /* the clock time as written sets the rhythm; an offset is not applied to it */
    PT_REQUIRE(pt_sim_config_set_start(&c, "08:00+02:00", &err) == PT_OK);
    PT_CHECK(c.start_tod_s == 28800.0 && isnan(c.start_unix_s));
    PT_REQUIRE(pt_sim_config_set_start(&c, "06:45:30.25", &err) == PT_OK);
    PT_CHECK(c.start_tod_s == 24330.25 && isnan(c.start_unix_s));
    /* a date and a time: the instant as well (2024-03-01T00:00Z = 1709251200 s) */
    PT_REQUIRE(pt_sim_config_set_start(&c, "2024-03-01T08:00:00+02:00", &err) == PT_OK);
    PT_CHECK(c.start_tod_s == 28800.0 && c.start_unix_s == 1709251200.0 + 6 * 3600);
    PT_REQUIRE(pt_sim_config_set_start(&c, "2024-03-01 21:30Z", &err) == PT_OK);
    PT_CHECK(c.start_tod_s == 77400.0 && c.start_unix_s == 1709251200.0 + 77400);
    /* a date alone: midnight, nothing written into the files */
    PT_REQUIRE(pt_sim_config_set_start(&c, "2024-03-01", &err) == PT_OK);
    PT_CHECK(c.start_tod_s == 0.0 && isnan(c.start_unix_s));
    /* refused, *cfg untouched */
    c.start_tod_s = 123;
    const char *bad[] = {
        "25:00",    "24:00", "8:00", "nonsense", "", "2024-13-01T08:00", "2024-03-01X08:00",
        "08:00+02x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        PT_CHECK(pt_sim_config_set_start(&c, bad[i], &err) == PT_EINVAL);
        PT_CHECK(c.start_tod_s == 123 && isnan(c.start_unix_s));
    }
    PT_CHECK_STR_CONTAINS(err.msg, "08:00+02x");
}

static size_t count_lines(const char *path, char first[128])
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = 0;
    char line[256];
    first[0] = '\0';
    while (fgets(line, sizeof line, f))
        if (n++ == 0)
            snprintf(first, 128, "%s", line);
    fclose(f);
    return n;
}

PT_TEST(csv_writers_temporary_name_then_rename)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/pt_test_sim_XXXXXX");
        PT_REQUIRE(mkdtemp(dir) != NULL);
    }
    pt_sim_config c = pt_sim_defaults();
    c.duration_s = 1200;
    c.scenario = PT_SIM_INTERVALS;
    pt_error err = {0};
    PT_REQUIRE(pt_sim_config_set_start(&c, "2024-03-01T08:00:00+02:00", &err) == PT_OK);
    pt_sim *s = pt_sim_create(&c, &err);
    PT_REQUIRE(s != NULL);
    char recp[128], truth[128], recov[128], first[128];
    snprintf(recp, sizeof recp, "%s/r.csv", dir);
    snprintf(truth, sizeof truth, "%s/r.truth.csv", dir);
    snprintf(recov, sizeof recov, "%s/r.recovery.csv", dir);
    PT_CHECK(pt_sim_write_csv(s, recp, NULL, NULL, &err) == PT_OK);
    PT_CHECK(pt_sim_write_truth_csv(s, truth, &err) == PT_OK);
    PT_CHECK(pt_sim_write_recovery_csv(s, recov, &err) == PT_OK);
    /* start line + header + one row per PPG sample */
    PT_CHECK(count_lines(recp, first) == 2 + (size_t)pt_sim_nrows(s));
    PT_CHECK(!strcmp(first, "# start_time: 2024-03-01T06:00:00.000Z\n"));
    PT_CHECK(count_lines(truth, first) == 1 + (size_t)pt_sim_nseconds(s));
    PT_CHECK(!strcmp(first, "t_s,hr_bpm,class,cadence_spm\n"));
    PT_CHECK(count_lines(recov, first) >= 2); /* intervals: a run and its recovery by 20 min */
    /* only the three files, no temporary left */
    DIR *d = opendir(dir);
    PT_REQUIRE(d != NULL);
    int nfiles = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') {
            nfiles++;
            PT_CHECK(strstr(e->d_name, ".tmp") == NULL);
        }
    closedir(d);
    PT_CHECK_INT(3, nfiles);
    /* a folder that is not there: PT_EIO naming the file, nothing written */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/missing/r.csv", dir);
    pt_sim_reset(s);
    PT_CHECK(pt_sim_write_csv(s, bad, NULL, NULL, &err) == PT_EIO);
    PT_CHECK_STR_CONTAINS(err.msg, bad);
    pt_sim_destroy(s);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, dir);
}
