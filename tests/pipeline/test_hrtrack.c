/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_hrtrack.c — properties of the heart-rate tracker (pipeline/hrtrack.c) on synthetic
 * signals: it follows a pulse under a stronger motion artefact that the accelerometer sees,
 * fixed-lag decoding equals global decoding, block-wise pushing equals one push, quality is
 * low on noise, argument errors name the argument, beats are found at the right interval.
 * Accuracy on real recordings: bench/eval_hr.c (pt-eval-hr). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pt_test.h"
#include "pulsetrain/hrtrack.h"
#include "pulsetrain/sos.h"

#define PI 3.14159265358979323846
#define FS_PPG 64.0
#define FS_ACC 32.0
#define DUR_S 600.0
/* tracking tolerance: FFT bins are 0.73 bpm, the pulse rate moves 0.1 bpm/s */
#define MAE_TOL_BPM 2.0

typedef struct rng {
    uint64_t s;
} rng;

static double urand(rng *r) /* xorshift64*, uniform in [-0.5, 0.5) */
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return (double)((r->s * 2685821657736338717ULL) >> 11) / 9007199254740992.0 - 0.5;
}

/* true pulse rate [bpm] at time t: 90 -> 130 -> 100 over ten minutes */
static double hr_at(double t)
{
    return 110.0 + 20.0 * sin(2 * PI * t / DUR_S - 0.5 * PI) * (t < 300 ? 1.0 : 0.5) +
           (t < 300 ? 0.0 : -10.0 * (1 - cos(2 * PI * (t - 300) / DUR_S)));
}

typedef struct sig {
    double *ppg, *acc[4]; /* x, y, z, |a| (the 4th only for pt_hrtrack_push) */
    size_t np, na;
} sig;

/* pulse (fundamental + 2nd harmonic) + motion at 2.6 Hz (156 spm) three times stronger,
 * seen by all three acc axes with different gains and phases, + noise */
static void make_signal(sig *s, double motion_gain, double pulse_gain, uint64_t seed)
{
    rng r = {seed};
    s->np = (size_t)(DUR_S * FS_PPG);
    s->na = (size_t)(DUR_S * FS_ACC);
    s->ppg = malloc(s->np * sizeof *s->ppg);
    for (int a = 0; a < 4; a++)
        s->acc[a] = malloc(s->na * sizeof **s->acc);
    double ph = 0;
    const double fm = 2.6;
    for (size_t i = 0; i < s->np; i++) {
        double t = (double)i / FS_PPG;
        ph += 2 * PI * hr_at(t) / 60.0 / FS_PPG;
        double pulse = sin(ph) + 0.4 * sin(2 * ph + 0.7);
        double motion = sin(2 * PI * fm * t + 0.3) + 0.5 * sin(2 * PI * 2 * fm * t + 1.1);
        s->ppg[i] = pulse_gain * pulse + motion_gain * 3.0 * motion + 0.5 * urand(&r);
    }
    for (size_t i = 0; i < s->na; i++) {
        double t = (double)i / FS_ACC;
        for (int a = 0; a < 3; a++)
            s->acc[a][i] = (0.5 + 0.3 * a) * sin(2 * PI * fm * t + 0.3 + 0.4 * a) +
                           0.2 * sin(2 * PI * 2 * fm * t + 1.1 + 0.2 * a) + 0.05 * urand(&r) +
                           (a == 2 ? 1.0 : 0.0);
        s->acc[3][i] = sqrt(s->acc[0][i] * s->acc[0][i] + s->acc[1][i] * s->acc[1][i] +
                            s->acc[2][i] * s->acc[2][i]);
    }
}

static void free_signal(sig *s)
{
    free(s->ppg);
    for (int a = 0; a < 4; a++)
        free(s->acc[a]);
}

static pt_hrtrack_window *run(const sig *s, int with_acc, pt_hrtrack_decode mode,
                              const pt_hrtrack_config *cfg, size_t *n)
{
    size_t nw = pt_hrtrack_nwindows(cfg, DUR_S);
    pt_hrtrack_window *w = calloc(nw, sizeof *w);
    const double *pp[1] = {s->ppg};
    pt_error err;
    int rc = pt_hrtrack_process(cfg, pp, 1, s->np, FS_PPG,
                                with_acc ? (const double *const *)s->acc : NULL, s->na, FS_ACC,
                                mode, w, nw, n, &err);
    PT_CHECK_INT(PT_OK, rc);
    PT_CHECK_INT((long)nw, (long)*n);
    return w;
}

static double mae_vs_truth(const pt_hrtrack_window *w, size_t n, double win_s)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        /* truth: mean rate over the window */
        double m = 0;
        for (int k = 0; k < 80; k++)
            m += hr_at(w[i].t_start_s + win_s * (k + 0.5) / 80.0) / 80.0;
        s += fabs(w[i].bpm - m);
    }
    return s / (double)n;
}

PT_TEST(follows_pulse_not_motion)
{
    sig s;
    make_signal(&s, 1.0, 1.0, 1);
    pt_hrtrack_config cfg = pt_hrtrack_defaults();
    size_t n = 0;
    pt_hrtrack_window *w = run(&s, 1, PT_HRTRACK_GLOBAL, &cfg, &n);
    double mae = mae_vs_truth(w, n, cfg.window_s);
    PT_CHECK(mae < MAE_TOL_BPM);
    if (!(mae < MAE_TOL_BPM))
        fprintf(stderr, "  MAE %.2f bpm\n", mae);
    /* without the accelerometer the 156 spm artefact wins somewhere: proves the test bites */
    size_t n2 = 0;
    pt_hrtrack_window *w2 = run(&s, 0, PT_HRTRACK_GLOBAL, &cfg, &n2);
    PT_CHECK(mae_vs_truth(w2, n2, cfg.window_s) > 5.0);
    free(w);
    free(w2);
    free_signal(&s);
}

PT_TEST(fixed_lag_equals_global)
{
    sig s;
    make_signal(&s, 1.0, 1.0, 2);
    pt_hrtrack_config cfg = pt_hrtrack_defaults();
    cfg.lag_windows = 30; /* 1 min */
    size_t ng = 0, nf = 0;
    pt_hrtrack_window *g = run(&s, 1, PT_HRTRACK_GLOBAL, &cfg, &ng);
    pt_hrtrack_window *f = run(&s, 1, PT_HRTRACK_FIXED_LAG, &cfg, &nf);
    PT_REQUIRE(ng == nf);
    size_t same = 0;
    for (size_t i = 0; i < ng; i++)
        same += g[i].bpm == f[i].bpm && g[i].quality == f[i].quality;
    PT_CHECK_INT((long)ng, (long)same);
    free(g);
    free(f);
    free_signal(&s);
}

PT_TEST(blockwise_push_equals_one_push)
{
    sig s;
    make_signal(&s, 1.0, 1.0, 3);
    pt_hrtrack_config cfg = pt_hrtrack_defaults();
    cfg.lag_windows = 20;
    pt_error err;
    pt_hrtrack *a = pt_hrtrack_create(&cfg, FS_PPG, 1, FS_ACC, 1, &err);
    pt_hrtrack *b = pt_hrtrack_create(&cfg, FS_PPG, 1, FS_ACC, 1, &err);
    PT_REQUIRE(a && b);
    PT_CHECK_INT(4, (long)pt_hrtrack_nacc(a)); /* x, y, z, |a| by default */
    size_t cap = pt_hrtrack_max_out(a, s.np);
    pt_hrtrack_window *wa = calloc(cap * 2, sizeof *wa), *wb = calloc(cap * 2, sizeof *wb);
    size_t na = 0, nb = 0, k = 0;
    const double *pp[1] = {s.ppg};
    PT_CHECK_INT(
        PT_OK, pt_hrtrack_push(a, pp, s.np, (const double *const *)s.acc, s.na, wa, cap, &k, &err));
    na += k;
    PT_CHECK_INT(PT_OK, pt_hrtrack_finish(a, wa + na, cap, &k, &err));
    na += k;
    /* blocks of 1..700 PPG samples with the matching acc span (blocks not aligned) */
    rng r = {7};
    size_t ip = 0, ia = 0;
    while (ip < s.np || ia < s.na) {
        size_t bp = 1 + (size_t)((urand(&r) + 0.5) * 700);
        bp = bp < s.np - ip ? bp : s.np - ip;
        size_t target_a = (size_t)((double)(ip + bp) * FS_ACC / FS_PPG);
        target_a = target_a < s.na ? target_a : s.na;
        if (ip + bp == s.np)
            target_a = s.na;
        const double *p1[1] = {s.ppg + ip};
        const double *a1[4] = {s.acc[0] + ia, s.acc[1] + ia, s.acc[2] + ia, s.acc[3] + ia};
        PT_CHECK_INT(PT_OK, pt_hrtrack_push(b, p1, bp, a1, target_a - ia, wb + nb, cap, &k, &err));
        nb += k;
        ip += bp;
        ia = target_a;
    }
    PT_CHECK_INT(PT_OK, pt_hrtrack_finish(b, wb + nb, cap, &k, &err));
    nb += k;
    PT_REQUIRE(na == nb);
    PT_CHECK_INT((long)pt_hrtrack_nwindows(&cfg, DUR_S), (long)na);
    size_t same = 0;
    for (size_t i = 0; i < na; i++)
        same += wa[i].bpm == wb[i].bpm && wa[i].t_start_s == wb[i].t_start_s;
    PT_CHECK_INT((long)na, (long)same);
    /* reset: the same object gives the same answer again */
    pt_hrtrack_reset(a);
    size_t n2 = 0;
    PT_CHECK_INT(
        PT_OK, pt_hrtrack_push(a, pp, s.np, (const double *const *)s.acc, s.na, wb, cap, &k, &err));
    n2 += k;
    PT_CHECK_INT(PT_OK, pt_hrtrack_finish(a, wb + n2, cap, &k, &err));
    n2 += k;
    PT_REQUIRE(n2 == na);
    PT_CHECK(memcmp(wa, wb, na * sizeof *wa) == 0);
    free(wa);
    free(wb);
    pt_hrtrack_destroy(a);
    pt_hrtrack_destroy(b);
    free_signal(&s);
}

PT_TEST(quality_low_on_noise)
{
    sig clean, noise;
    make_signal(&clean, 0.0, 1.0, 4);
    make_signal(&noise, 0.0, 0.0, 5); /* PPG is white noise only */
    pt_hrtrack_config cfg = pt_hrtrack_defaults();
    size_t n1 = 0, n2 = 0;
    pt_hrtrack_window *a = run(&clean, 1, PT_HRTRACK_GLOBAL, &cfg, &n1);
    pt_hrtrack_window *b = run(&noise, 1, PT_HRTRACK_GLOBAL, &cfg, &n2);
    double qa = 0, qb = 0;
    for (size_t i = 0; i < n1; i++)
        qa += a[i].quality / (double)n1;
    for (size_t i = 0; i < n2; i++)
        qb += b[i].quality / (double)n2;
    PT_CHECK(qa > 0.3);
    PT_CHECK(qb < 0.1);
    PT_CHECK(mae_vs_truth(a, n1, cfg.window_s) < MAE_TOL_BPM);
    for (size_t i = 0; i < n1; i++)
        PT_CHECK(a[i].quality >= 0 && a[i].quality <= 1);
    free(a);
    free(b);
    free_signal(&clean);
    free_signal(&noise);
}

PT_TEST(create_rejects_bad_arguments)
{
    pt_error err;
    PT_CHECK(pt_hrtrack_create(NULL, 0.0, 1, 32, 1, &err) == NULL);
    PT_CHECK_INT(PT_EINVAL, err.code);
    PT_CHECK_STR_CONTAINS(err.msg, "fs_ppg_hz");
    PT_CHECK(pt_hrtrack_create(NULL, 64, 0, 32, 1, &err) == NULL);
    PT_CHECK_STR_CONTAINS(err.msg, "channels");
    pt_hrtrack_config c = pt_hrtrack_defaults();
    c.nfft = 64; /* shorter than the 200-sample window */
    PT_CHECK(pt_hrtrack_create(&c, 64, 1, 32, 1, &err) == NULL);
    PT_CHECK_STR_CONTAINS(err.msg, "nfft");
    pt_hrtrack_destroy(NULL);
    /* a NaN sample is reported with its index */
    pt_hrtrack *h = pt_hrtrack_create(NULL, 64, 1, 32, 0, &err);
    PT_REQUIRE(h != NULL);
    double x[4] = {0, 1, (double)NAN, 2};
    const double *pp[1] = {x};
    pt_hrtrack_window w[64];
    size_t k;
    PT_CHECK_INT(PT_EDATA, pt_hrtrack_push(h, pp, 4, NULL, 0, w, 64, &k, &err));
    PT_CHECK_STR_CONTAINS(err.msg, "sample 2");
    pt_hrtrack_destroy(h);
}

PT_TEST(beats_at_the_pulse_interval)
{
    /* 75 bpm pulse with a sharp systolic upstroke: IBI 0.8 s */
    size_t n = (size_t)(60 * FS_PPG);
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        double ph = fmod((double)i / FS_PPG / 0.8, 1.0);
        x[i] = ph < 0.15 ? sin(PI * ph / 0.3) : exp(-(ph - 0.15) * 5) * cos((ph - 0.15) * 2);
    }
    double t[200], ibi[200];
    int mv[200];
    size_t nb = 0;
    pt_error err;
    PT_CHECK_INT(PT_OK,
                 pt_hrtrack_beats(x, n, FS_PPG, NULL, 0, 0, 0.1, t, ibi, mv, 200, &nb, &err));
    PT_CHECK(nb >= 73 && nb <= 76);
    for (size_t i = 2; i + 1 < nb; i++)
        PT_CHECK_NEAR(0.8, ibi[i], 0, 2.0 / FS_PPG);
    free(x);
}

PT_TEST(any_rates_and_short_records)
{
    /* PPG 25 Hz + acc 20 Hz, and PPG 125 Hz + acc 50 Hz: same pulse, same answer within a bin */
    const double rates[2][2] = {{25.0, 20.0}, {125.0, 50.0}};
    for (int r = 0; r < 2; r++) {
        double fp = rates[r][0], fa = rates[r][1];
        size_t np = (size_t)(300 * fp), na = (size_t)(300 * fa);
        double *x = malloc(np * sizeof *x), *acc[3];
        for (int a = 0; a < 3; a++)
            acc[a] = malloc(na * sizeof **acc);
        for (size_t i = 0; i < np; i++) {
            double t = (double)i / fp;
            x[i] = sin(2 * PI * 1.5 * t) + 2.0 * sin(2 * PI * 2.4 * t); /* 90 bpm + 144 spm */
        }
        for (size_t i = 0; i < na; i++)
            for (int a = 0; a < 3; a++)
                acc[a][i] = (1.0 + a) * sin(2 * PI * 2.4 * (double)i / fa + a);
        pt_hrtrack_config cfg = pt_hrtrack_defaults();
        if (r == 1) { /* window and step are parameters */
            cfg.window_s = 10.0;
            cfg.step_s = 1.0;
        }
        size_t nw = pt_hrtrack_nwindows(&cfg, 300), n = 0;
        pt_hrtrack_window *w = calloc(nw, sizeof *w);
        const double *pp[1] = {x};
        pt_error err;
        PT_CHECK_INT(PT_OK, pt_hrtrack_process(&cfg, pp, 1, np, fp, (const double *const *)acc, na,
                                               fa, PT_HRTRACK_FIXED_LAG, w, nw, &n, &err));
        PT_CHECK_INT((long)nw, (long)n);
        for (size_t i = 0; i < n; i++)
            PT_CHECK_NEAR(90.0, w[i].bpm, 0, 1.0);
        /* a 20 s record (7 or 11 windows) is shorter than the lag and the coherence span */
        size_t n2 = 0;
        PT_CHECK_INT(PT_OK, pt_hrtrack_process(&cfg, pp, 1, (size_t)(20 * fp), fp,
                                               (const double *const *)acc, (size_t)(20 * fa), fa,
                                               PT_HRTRACK_FIXED_LAG, w, nw, &n2, &err));
        PT_CHECK_INT(r == 1 ? 11 : 7, (long)n2);
        for (size_t i = 0; i < n2; i++)
            PT_CHECK_NEAR(90.0, w[i].bpm, 0, 1.5);
        /* shorter than one window: no window, no error */
        PT_CHECK_INT(PT_OK, pt_hrtrack_process(&cfg, pp, 1, (size_t)(7 * fp), fp, NULL, 0, fa,
                                               PT_HRTRACK_GLOBAL, w, nw, &n2, &err));
        PT_CHECK_INT(0, (long)n2);
        free(w);
        free(x);
        for (int a = 0; a < 3; a++)
            free(acc[a]);
    }
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
