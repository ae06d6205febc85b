/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_ecg.c — the ECG stage (pipeline/ecg.c): R peaks of a synthetic ECG at 125 Hz to
 * 2 kHz, the artefact flag, a flat end, /hr from the ECG when there is no PPG, MIT-BIH 100,
 * and the motion cases of the s2_walk chest ECG. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_test.h"
#include "pulsetrain/pipeline.h"
#include "pulsetrain/summary.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* A synthetic ECG: Gaussian P, QRS (R 1 mV, 10 ms wide; S -0.3), T waves, baseline wander
 * 0.3 mV at 0.3 Hz, white noise 0.02 mV; beats at the times in beat[]. */
static double ecg_at(double t, const double *beat, size_t nb, unsigned *seed)
{
    double v = 0.3 * sin(2 * M_PI * 0.3 * t);
    for (size_t k = 0; k < nb; k++) {
        double d = t - beat[k];
        if (d < -0.3 || d > 0.5)
            continue;
        v += 0.15 * exp(-0.5 * pow((d + 0.16) / 0.025, 2));
        v += 1.0 * exp(-0.5 * pow(d / 0.010, 2));
        v -= 0.3 * exp(-0.5 * pow((d - 0.03) / 0.010, 2));
        v += 0.35 * exp(-0.5 * pow((d - 0.28) / 0.045, 2));
    }
    *seed = *seed * 1103515245u + 12345u;
    return v + 0.02 * (((double)(*seed >> 8 & 0xffff) / 65535.0) - 0.5) * 3.46;
}

/* Beats of a rhythm moving 60 -> 150 -> 70 bpm over dur_s. Returns the count. */
static size_t rhythm(double dur_s, double *beat, size_t max)
{
    size_t n = 0;
    double t = 0.5;
    while (t < dur_s - 0.5 && n < max) {
        beat[n++] = t;
        double x = t / dur_s;
        double bpm = x < 0.5 ? 60 + 180 * x : 150 - 160 * (x - 0.5);
        t += 60.0 / bpm;
    }
    return n;
}

static char *write_csv(double fs, double dur_s, const double *beat, size_t nb)
{
    static char path[256];
    snprintf(path, sizeof path, "test_ecg_%d_%.0f.csv", (int)getpid(), fs);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fprintf(f, "t_s,ecg_mV\n");
    unsigned seed = 1;
    size_t n = (size_t)(dur_s * fs);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs;
        fprintf(f, "%.6f,%.5f\n", t, ecg_at(t, beat, nb, &seed));
    }
    fclose(f);
    return path;
}

static pt_summary *run(const char *path)
{
    pt_error err = {0};
    pt_summary *s = NULL;
    pt_read_options ro = pt_read_defaults();
    pt_params p = pt_params_defaults();
    if (pt_process_file(path, &ro, &p, NULL, &s, &err)) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        return NULL;
    }
    return s;
}

/* Every true beat found within 10 ms, nothing else, intervals right, no flag. */
static void check_rate(double fs)
{
    enum { MAXB = 1000 };
    static double beat[MAXB];
    double dur = 240.0;
    size_t nb = rhythm(dur, beat, MAXB);
    char *path = write_csv(fs, dur, beat, nb);
    PT_CHECK(path != NULL);
    if (!path)
        return;
    pt_summary *s = run(path);
    unlink(path);
    PT_CHECK(s != NULL);
    if (!s)
        return;
    const pt_table *t = pt_summary_table_const(s, "ecg_beats");
    size_t n = pt_table_nrows(t);
    const double *ts = pt_table_column(t, "t_s"), *rr = pt_table_column(t, "rr_ms"),
                 *art = pt_table_column(t, "artefact");
    /* the first beat may fall in the 2 s of learning; the last in the last 0.5 s */
    size_t hit = 0, flagged = 0;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        for (size_t k = 1; k < nb; k++)
            if (fabs(beat[k] - ts[i]) < fabs(beat[j] - ts[i]))
                j = k;
        double d = fabs(beat[j] - ts[i]);
        worst = d > worst ? d : worst;
        hit += d < 0.010; /* 10 ms: 2.5 samples at 250 Hz; the QRS is 10 ms wide */
        flagged += art[i] != 0;
        if (i > 0 && isfinite(rr[i]))
            PT_CHECK_NEAR(1000 * (ts[i] - ts[i - 1]), rr[i], 1e-9, 1e-6);
    }
    printf("fs %g Hz: %zu true beats, %zu detected, %zu within 10 ms (worst %.1f ms), %zu "
           "flagged\n",
           fs, nb, n, hit, 1000 * worst, flagged);
    PT_CHECK(n >= nb - 1 && n <= nb);
    PT_CHECK(hit == n);
    PT_CHECK(flagged == 0);
    /* no PPG: /hr comes from the ECG, named so */
    const pt_table *hr = pt_summary_table_const(s, "hr");
    PT_CHECK(pt_table_nrows(hr) > 100);
    int c = pt_table_colindex(hr, "bpm");
    PT_CHECK(c >= 0 && pt_table_colsource(hr, (size_t)c) &&
             !strcmp(pt_table_colsource(hr, (size_t)c), "ecg"));
    pt_summary_destroy(s);
}

PT_TEST(ecg_rates)
{
    check_rate(125.0);
    check_rate(250.0);
    check_rate(1000.0);
    check_rate(2000.0);
}

/* A missed stretch (NaN) and a beat 40 % early: the early interval is flagged, the
 * interval across the gap is NaN. */
PT_TEST(ecg_artefact_flag)
{
    enum { MAXB = 400 };
    static double beat[MAXB];
    size_t nb = 0;
    for (double t = 0.5; t < 119 && nb < MAXB; t += 0.8)
        beat[nb++] = t;
    beat[60] = beat[59] + 0.48; /* premature: 480 ms against 800 */
    double fs = 250;
    char path[256];
    snprintf(path, sizeof path, "test_ecg_gap_%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    PT_CHECK(f != NULL);
    if (!f)
        return;
    fprintf(f, "t_s,ecg_mV\n");
    unsigned seed = 3;
    for (size_t i = 0; i < (size_t)(120 * fs); i++) {
        double t = (double)i / fs;
        if (t >= 80 && t < 85)
            fprintf(f, "%.6f,\n", t);
        else
            fprintf(f, "%.6f,%.5f\n", t, ecg_at(t, beat, nb, &seed));
    }
    fclose(f);
    pt_summary *s = run(path);
    unlink(path);
    PT_CHECK(s != NULL);
    if (!s)
        return;
    const pt_table *t = pt_summary_table_const(s, "ecg_beats");
    size_t n = pt_table_nrows(t);
    const double *ts = pt_table_column(t, "t_s"), *rr = pt_table_column(t, "rr_ms"),
                 *art = pt_table_column(t, "artefact");
    int early = 0, across = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(ts[i] - beat[60]) < 0.01) {
            early = 1;
            PT_CHECK(art[i] == 1);
        }
        if (ts[i] > 85 && ts[i] < 88 && (i == 0 || ts[i - 1] < 80)) {
            across = 1;
            PT_CHECK(isnan(rr[i]));
        }
    }
    PT_CHECK(early);
    PT_CHECK(across);
    pt_summary_destroy(s);
}

/* A recording that ends in a flat line (an EDF padded after the signal stopped: s2_walk and
 * s3_run step to a constant for their last second): the step is not a beat. */
PT_TEST(ecg_flat_end)
{
    enum { MAXB = 100 };
    static double beat[MAXB];
    size_t nb = 0;
    for (double t = 0.5; t < 59.0 && nb < MAXB; t += 0.75)
        beat[nb++] = t;
    double fs = 256, step_s = 59.2;
    char path[256];
    snprintf(path, sizeof path, "test_ecg_flat_%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    PT_REQUIRE(f != NULL);
    fprintf(f, "t_s,ecg_mV\n");
    unsigned seed = 5;
    for (size_t i = 0; i < (size_t)(60 * fs); i++) {
        double t = (double)i / fs;
        if (t >= step_s)
            fprintf(f, "%.6f,-1.5\n", t); /* 1.8 mV below the baseline, 0.8 s flat */
        else
            fprintf(f, "%.6f,%.5f\n", t, ecg_at(t, beat, nb, &seed));
    }
    fclose(f);
    pt_summary *s = run(path);
    unlink(path);
    PT_REQUIRE(s != NULL);
    const pt_table *t = pt_summary_table_const(s, "ecg_beats");
    size_t n = pt_table_nrows(t), late = 0;
    const double *ts = pt_table_column(t, "t_s");
    for (size_t i = 0; i < n; i++)
        late += ts[i] > beat[nb - 1] + 0.1;
    printf("flat end: %zu beats (%zu true), %zu after the last true beat\n", n, nb, late);
    PT_CHECK(late == 0);              /* the step at 59.2 s is no beat */
    PT_CHECK(n >= nb - 1 && n <= nb); /* the first may fall in the 2 s of learning */
    pt_summary_destroy(s);
}

/* A noiseless ECG printed to 1 uV: exactly 0 between the waves (about 0.5 s per beat at
 * 50 bpm). That flat isoelectric line lies inside the signal's range and is no gap: every
 * beat is found. */
PT_TEST(ecg_noiseless)
{
    enum { MAXB = 100 };
    static double beat[MAXB];
    size_t nb = 0;
    for (double t = 0.5; t < 59.0 && nb < MAXB; t += 1.2)
        beat[nb++] = t;
    double fs = 250;
    char path[256];
    snprintf(path, sizeof path, "test_ecg_clean_%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    PT_REQUIRE(f != NULL);
    fprintf(f, "t_s,ecg_mV\n");
    for (size_t i = 0; i < (size_t)(60 * fs); i++) {
        double t = (double)i / fs, v = 0;
        for (size_t k = 0; k < nb; k++) {
            double d = t - beat[k];
            v += 0.15 * exp(-0.5 * pow((d + 0.16) / 0.025, 2)) + exp(-0.5 * pow(d / 0.010, 2)) -
                 0.3 * exp(-0.5 * pow((d - 0.03) / 0.010, 2)) +
                 0.35 * exp(-0.5 * pow((d - 0.28) / 0.045, 2));
        }
        fprintf(f, "%.6f,%.3f\n", t, v);
    }
    fclose(f);
    pt_summary *s = run(path);
    unlink(path);
    PT_REQUIRE(s != NULL);
    const pt_table *t = pt_summary_table_const(s, "ecg_beats");
    size_t n = pt_table_nrows(t), hit = 0;
    const double *ts = pt_table_column(t, "t_s");
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < nb; k++)
            hit += fabs(ts[i] - beat[k]) < 0.010;
    printf("noiseless: %zu beats (%zu true), %zu within 10 ms\n", n, nb, hit);
    PT_CHECK(n >= nb - 1 && n <= nb); /* the first may fall in the 2 s of learning */
    PT_CHECK(hit == n);
    pt_summary_destroy(s);
}

/* MIT-BIH Arrhythmia record 100 (MLII) against its .atr beats read by pt-eval-ecg: here the
 * count only (2273 beats; the 150 ms match is the bench's). */
PT_TEST(ecg_mitdb100)
{
    const char *dir = getenv("PT_SHARED_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/formats/wfdb/100.hea", dir && *dir ? dir : "../shared");
    if (access(path, R_OK))
        PT_SKIP("no ../shared/data/formats/wfdb/100.hea");
    pt_summary *s = run(path);
    PT_CHECK(s != NULL);
    if (!s)
        return;
    const pt_table *t = pt_summary_table_const(s, "ecg_beats");
    const double *chn = pt_table_column(t, "channel"), *art = pt_table_column(t, "artefact");
    size_t n0 = 0, flagged = 0;
    for (size_t i = 0; i < pt_table_nrows(t); i++)
        if (chn[i] == 0) {
            n0++;
            flagged += art[i] != 0;
        }
    printf("mitdb 100 MLII: %zu beats (2273 annotated), %zu flagged\n", n0, flagged);
    /* 2273 +- 0.2 % (the F1 goal of 99.8 % allows about 4 beats either way) */
    PT_CHECK(n0 >= 2268 && n0 <= 2278);
    PT_CHECK(flagged < 60); /* 33 A and 1 V beats: their intervals are flagged, ~3 % */
    const pt_table *hr = pt_summary_table_const(s, "hr");
    PT_CHECK(pt_table_nrows(hr) > 800); /* 30 min on a 2 s grid: no longer "0 windows" */
    pt_summary_destroy(s);
}

/* Chest ECG next to a wrist PPG (s3_run.edf): the ECG is the heart-rate source of the
 * classes and recovery, and says so. The annotated beats' median rate is 110.5 bpm. */
PT_TEST(ecg_source)
{
    const char *dir = getenv("PT_SHARED_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/formats/edf/s3_run.edf", dir && *dir ? dir : "../shared");
    if (access(path, R_OK))
        PT_SKIP("no ../shared/data/formats/edf/s3_run.edf");
    pt_summary *s = run(path);
    PT_CHECK(s != NULL);
    if (!s)
        return;
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    int c = pt_table_colindex(ep, "hr_bpm");
    const char *src = c >= 0 ? pt_table_colsource(ep, (size_t)c) : NULL;
    PT_CHECK(src && !strcmp(src, "ecg"));
    const double *hr = pt_table_column(ep, "hr_bpm");
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < pt_table_nrows(ep); i++)
        if (isfinite(hr[i])) {
            sum += hr[i];
            n++;
        }
    printf("s3_run: %zu epochs with ECG heart rate, mean %.1f bpm\n", n, sum / (double)n);
    PT_CHECK(n >= 55);                           /* 61 epochs of 5 s */
    PT_CHECK(fabs(sum / (double)n - 110.5) < 3); /* the rate drifts ~105-115 over the run */
    pt_summary_destroy(s);
}

/* Reference beat times [s] of a wrist_ppg_exercise beats CSV (beat_index,sample,t_s,rr_s). */
static size_t read_ref(const char *path, double *t, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[256];
    size_t n = 0;
    if (fgets(line, sizeof line, f))
        while (n < max && fgets(line, sizeof line, f)) {
            double v;
            if (sscanf(line, "%*[^,],%*[^,],%lf", &v) == 1)
                t[n++] = v;
        }
    fclose(f);
    return n;
}

static int near_any(const double *v, size_t n, double t, double tol)
{
    for (size_t i = 0; i < n; i++)
        if (fabs(v[i] - t) <= tol)
            return 1;
    return 0;
}

/* The chest ECG of s2_walk (treadmill walking, motion noise) against PhysioNet's beats: the
 * cases the motion refinements were made for, each seen on the trace:
 * - 104.68 s: a QRS followed within 300 ms by a burst of noise 8 x the QRS's integrator
 *   level (the earlier peak of the candidate group keeps the rhythm);
 * - 263.96 s: a QRS 300 ms after an artefact spike taken as a beat (the T-wave test used to
 *   compare with the spike's slope and called the QRS a T wave);
 * - 268.40 and 268.63 s: two spikes between the beats at 268.17 and 268.84 (dropped as extra
 *   beats: their three intervals add up to one);
 * - 399.00 s: the step into the flat padding after the signal ends (no beat).
 * All four failed on the detector before these refinements (F1 97.88 %). s3_run: the QRS
 * at 149.48 s, 170 ms before a movement artefact 3 x its size (same rule). */
PT_TEST(ecg_s2_walk_motion)
{
    const char *dir = getenv("PT_SHARED_DIR");
    char path[1024], refp[1024];
    snprintf(path, sizeof path, "%s/data/formats/edf/s2_walk.edf", dir && *dir ? dir : "../shared");
    snprintf(refp, sizeof refp, "%s/data/wrist_ppg_exercise/s2_walk_beats.csv",
             dir && *dir ? dir : "../shared");
    if (access(path, R_OK) || access(refp, R_OK))
        PT_SKIP("no ../shared/data/formats/edf/s2_walk.edf or its beats");
    enum { MAXR = 1000 };
    static double ref[MAXR], det[MAXR];
    size_t nr = read_ref(refp, ref, MAXR);
    PT_REQUIRE(nr == 566);
    pt_summary *s = run(path);
    PT_REQUIRE(s != NULL);
    const pt_table *t = pt_summary_table_const(s, "ecg_beats");
    const double *ts = pt_table_column(t, "t_s"), *chn = pt_table_column(t, "channel");
    size_t nd = 0;
    for (size_t i = 0; i < pt_table_nrows(t) && nd < MAXR; i++)
        if (chn[i] == 0)
            det[nd++] = ts[i];
    /* F1 with the 150 ms window of pt-eval-ecg (greedy, each beat once) */
    static char used[MAXR];
    memset(used, 0, sizeof used);
    size_t tp = 0;
    for (size_t i = 0; i < nd; i++) {
        size_t best = nr;
        for (size_t k = 0; k < nr; k++)
            if (!used[k] && fabs(ref[k] - det[i]) <= 0.150 &&
                (best == nr || fabs(ref[k] - det[i]) < fabs(ref[best] - det[i])))
                best = k;
        if (best < nr) {
            used[best] = 1;
            tp++;
        }
    }
    double f1 = 200.0 * (double)tp / (double)(nr + nd);
    printf("s2_walk: %zu reference beats, %zu detected, %zu matched, F1 %.2f %%\n", nr, nd, tp, f1);
    /* 98.0: above the 97.88 % before the refinements, below today's 98.23 % so that a
     * change of one beat elsewhere does not fail it; 4 of the 12 misses are doubtful
     * reference beats (pt-eval-ecg lists them) */
    PT_CHECK(f1 >= 98.0);
    PT_CHECK(near_any(det, nd, 104.684, 0.050));
    PT_CHECK(near_any(det, nd, 263.957, 0.050));
    PT_CHECK(!near_any(det, nd, 268.52, 0.20)); /* nothing between 268.32 and 268.72 */
    PT_CHECK(near_any(det, nd, 268.17, 0.050) && near_any(det, nd, 268.84, 0.050));
    PT_CHECK(!near_any(det, nd, 399.0, 0.30));
    pt_summary_destroy(s);

    snprintf(path, sizeof path, "%s/data/formats/edf/s3_run.edf", dir && *dir ? dir : "../shared");
    if (access(path, R_OK))
        return;
    PT_REQUIRE((s = run(path)) != NULL);
    t = pt_summary_table_const(s, "ecg_beats");
    ts = pt_table_column(t, "t_s");
    chn = pt_table_column(t, "channel");
    nd = 0;
    for (size_t i = 0; i < pt_table_nrows(t) && nd < MAXR; i++)
        if (chn[i] == 0)
            det[nd++] = ts[i];
    PT_CHECK(near_any(det, nd, 149.477, 0.050));
    PT_CHECK(!near_any(det, nd, 149.66, 0.05)); /* the artefact */
    pt_summary_destroy(s);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
