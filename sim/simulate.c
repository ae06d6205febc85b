/* SPDX-License-Identifier: GPL-2.0-or-later
 * simulate.c — deterministic synthetic wrist PPG + accelerometer with known truth.
 *
 * Output rows: t_s [s], ppg [a.u.] at fs_ppg_hz; acc_x/y/z [g] at fs_acc_hz (on every
 * decim-th row). Truth: per-second HR [bpm], class, cadence [steps/min]; per recovery
 * HR_end, tau, HR(60), HR(120), HRR60, HRR120.
 *
 * Methods: PPG pulse = asymmetric systolic + dicrotic Gaussian sum (McSharry 2003 style);
 * HR kinetics = mono-exponential on/off (Cole 1999, Imai 1994 for recovery); 1/f noise =
 * Paul Kellet's pink filter; PRNG = xoshiro256** + splitmix64 (Blackman & Vigna 2018).
 *
 * The schedule (a sequence of activity segments with integer-second edges) is drawn lazily
 * from its own PRNG stream; each of the three cursors (signal, per-second truth, recovery)
 * owns its own copy of the scheduler, so they agree exactly without storing the schedule.
 * HR inside a segment is analytic, HR(t) = L + (HR0 - L) exp(-(t - t0)/tau) + wander, so
 * the truth is exact at any time and continuous across segment edges. */
#include "pulsetrain/simulate.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/reader_impl.h"

#define TWO_PI 6.283185307179586476925286766559
#define DAY_S 86400.0
#define MAX_DURATION_S (31.0 * DAY_S)
#define ACC_LSB_G 0.001 /* 1 mg, about a 14-bit +-8 g sensor */

/* ---------------------------------------------------------------- PRNG */

typedef struct rng {
    uint64_t s[4];
    int has_spare;
    double spare;
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    splitmix64(&x); // decorrelate nearby seeds before filling the state
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    r->has_spare = 0;
    r->spare = 0.0;
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** 1.0 (Blackman & Vigna 2018). */
static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static inline double rng_u01(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static inline double rng_unif(rng *r, double a, double b)
{
    return a + (b - a) * rng_u01(r);
}

/* Standard normal, Marsaglia polar method (the spare value is kept in the state). */
static double rng_gauss(rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, q;
    do {
        u = 2.0 * rng_u01(r) - 1.0;
        v = 2.0 * rng_u01(r) - 1.0;
        q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    double f = sqrt(-2.0 * log(q) / q);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

/* ---------------------------------------------------------------- schedule */

/* K_DEEP: sleep without posture drift, still enough for the GGIR non-wear rule */
typedef enum kind { K_REST, K_SLEEP, K_NONWEAR, K_LIGHT, K_WALK, K_RUN, K_RECOVERY, K_DEEP } kind;

typedef struct seg {
    kind k;
    int64_t t0, t1;         /* [s] */
    double hr0, level, tau; /* HR kinetics [bpm, bpm, s] */
    double wamp, wper[2], wph[2];
    double cad; /* [steps/min], 0 if no gait */
    double vert_g, fwd_g, lat_g, swing_rad, art_rel;
    double resp_hz;
    double roll, pitch, roll0, pitch0, trans_s; /* orientation [rad], transition [s] */
    double light_g, light_rad;
    double noise_g;
    int still; /* 1: no slow posture drift (deep sleep) */
} seg;

typedef struct plan_item {
    kind k;
    int64_t dur_s;
} plan_item;

#define PLAN_MAX 48

typedef struct sched {
    rng r;
    const pt_sim_config *cfg;
    seg cur;
    int started;
    plan_item plan[PLAN_MAX];
    int plan_n, plan_i;
    int64_t cycle;
    int64_t bouts;
} sched;

static void sched_init(sched *s, const pt_sim_config *cfg)
{
    memset(s, 0, sizeof *s);
    rng_seed(&s->r, cfg->seed, 1);
    s->cfg = cfg;
}

static int64_t dur(rng *r, double a, double b)
{
    int64_t d = (int64_t)llround(rng_unif(r, a, b));
    return d < 1 ? 1 : d;
}

static void plan_add(sched *s, kind k, int64_t d)
{
    assert(s->plan_n < PLAN_MAX);
    s->plan[s->plan_n].k = k;
    s->plan[s->plan_n].dur_s = d;
    s->plan_n++;
}

/* Fill the plan with the next cycle of the scenario, starting at time t [s]. */
static void plan_cycle(sched *s, int64_t t)
{
    rng *r = &s->r;
    s->plan_n = s->plan_i = 0;
    switch (s->cfg->scenario) {
    case PT_SIM_WALK: plan_add(s, K_WALK, dur(r, 300, 900)); return;
    case PT_SIM_RUN: plan_add(s, K_RUN, dur(r, 300, 900)); return;
    case PT_SIM_REST: plan_add(s, K_REST, dur(r, 300, 1200)); return;
    case PT_SIM_INTERVALS:
        if (s->cycle++ == 0) {
            plan_add(s, K_REST, 180);
            plan_add(s, K_WALK, 180); // warm-up
        }
        plan_add(s, K_RUN, dur(r, 120, 240));
        plan_add(s, K_RECOVERY, dur(r, 180, 240));
        if (++s->bouts % 6 == 0)
            plan_add(s, K_REST, 1800);
        return;
    case PT_SIM_NIGHT:
        if (s->cycle++ == 0) {
            plan_add(s, K_REST, dur(r, 1200, 1800));
            plan_add(s, K_NONWEAR, dur(r, 2700, 5400)); // the watch on the nightstand
            plan_add(s, K_REST, dur(r, 600, 900));
        }
        plan_add(s, K_DEEP, dur(r, 4200, 6000)); // still for 70-100 min: the GGIR rule fires
        plan_add(s, K_SLEEP, dur(r, 1200, 2400));
        return;
    case PT_SIM_MIXED: break;
    }
    /* Mixed: a night of sleep when a cycle would start between 23:00 and 06:30. */
    double tod = fmod(s->cfg->start_tod_s + (double)t, DAY_S);
    if (tod >= 23.0 * 3600 || tod < 6.5 * 3600) {
        double wake = 6.5 * 3600 + rng_unif(r, 0, 3600);
        double left = tod >= 23.0 * 3600 ? DAY_S - tod + wake : wake - tod;
        int64_t left_s = (int64_t)llround(left);
        while (left_s > 0) {
            int64_t d = dur(r, 1200, 5400); // posture changes every 20-90 min
            if (d > left_s || s->plan_n == PLAN_MAX - 1 || left_s - d < 600)
                d = left_s;
            plan_add(s, K_SLEEP, d);
            left_s -= d;
        }
        return;
    }
    if (s->cycle == 0 || rng_u01(r) < 0.25) {
        /* The exercise cycle; the first one always opens the recording. */
        plan_add(s, K_REST, s->cycle == 0 ? 300 : dur(r, 300, 600));
        plan_add(s, K_WALK, dur(r, 300, 390));
        plan_add(s, K_RUN, dur(r, 300, 390));
        plan_add(s, K_RECOVERY, dur(r, 240, 300));
        plan_add(s, K_WALK, dur(r, 240, 330));
        plan_add(s, K_REST, dur(r, 300, 900));
        plan_add(s, K_LIGHT, dur(r, 300, 600));
    } else {
        /* An everyday cycle, sometimes starting with the device off the wrist. */
        if (rng_u01(r) < 0.12)
            plan_add(s, K_NONWEAR, dur(r, 2700, 5400));
        plan_add(s, K_LIGHT, dur(r, 300, 1200));
        plan_add(s, K_WALK, dur(r, 300, 720));
        plan_add(s, K_REST, dur(r, 1200, 3600));
    }
    s->cycle++;
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* HR at absolute time t [s] inside segment g. */
static double seg_hr(const seg *g, double t)
{
    double u = t - (double)g->t0;
    double hr = g->level + (g->hr0 - g->level) * exp(-u / g->tau);
    if (g->wamp > 0.0) // slow wander, faded in so that HR stays continuous at t0
        hr += g->wamp * (1.0 - exp(-u / 30.0)) *
              (sin(TWO_PI * u / g->wper[0] + g->wph[0]) +
               0.6 * sin(TWO_PI * u / g->wper[1] + g->wph[1])) /
              1.6;
    return hr;
}

static int kind_class(kind k)
{
    switch (k) {
    case K_NONWEAR: return PT_SIM_CLASS_NONWEAR;
    case K_LIGHT: return PT_SIM_CLASS_LIGHT;
    case K_WALK: return PT_SIM_CLASS_MODERATE;
    case K_RUN: return PT_SIM_CLASS_VIGOROUS;
    case K_REST:
    case K_SLEEP:
    case K_DEEP:
    case K_RECOVERY: break;
    }
    return PT_SIM_CLASS_SEDENTARY;
}

/* Draw the parameters of a segment of kind k over [t0, t1). */
static void make_seg(sched *s, kind k, int64_t t0, int64_t t1)
{
    const pt_sim_config *c = s->cfg;
    rng *r = &s->r;
    seg prev = s->cur;
    seg *g = &s->cur;
    memset(g, 0, sizeof *g);
    g->k = k;
    g->t0 = t0;
    g->t1 = t1;
    g->hr0 = s->started ? seg_hr(&prev, (double)prev.t1) : c->hr_rest_bpm + 2.0;
    double hrr = c->hr_max_bpm - c->hr_rest_bpm;
    double frac = 0.0;
    g->noise_g = 0.003; // worn sensor noise; the flat non-wear case is below
    g->trans_s = 2.0;
    switch (k) {
    case K_REST:
        g->level = c->hr_rest_bpm + rng_unif(r, 0, 5);
        g->wamp = 1.0;
        g->resp_hz = rng_unif(r, 0.22, 0.28);
        g->roll = rng_unif(r, -0.6, 0.6);
        g->pitch = rng_unif(r, -0.4, 0.4);
        break;
    case K_DEEP:
    case K_SLEEP:
        g->still = k == K_DEEP;
        g->level = c->hr_rest_bpm - rng_unif(r, 4, 8);
        g->wamp = 1.5;
        g->resp_hz = rng_unif(r, 0.20, 0.25);
        g->roll = rng_unif(r, -3.1, 3.1); // a new lying posture
        g->pitch = rng_unif(r, -0.8, 0.8);
        g->trans_s = 4.0;
        g->noise_g = 0.0025;
        break;
    case K_NONWEAR:
        g->level = c->hr_rest_bpm + rng_unif(r, 0, 8);
        g->resp_hz = 0.25;
        g->roll = (rng_u01(r) < 0.3 ? 3.14159 : 0.0) + rng_unif(r, -0.03, 0.03); // on a table
        g->pitch = rng_unif(r, -0.03, 0.03);
        g->trans_s = 3.0;
        g->noise_g = 0.0003; // quantisation flicker only
        break;
    case K_LIGHT:
        g->level = c->hr_rest_bpm + hrr * rng_unif(r, 0.12, 0.20);
        g->wamp = 1.5;
        g->resp_hz = rng_unif(r, 0.25, 0.32);
        g->roll = rng_unif(r, -1.0, 1.0);
        g->pitch = rng_unif(r, -0.8, 0.4);
        g->light_g = rng_unif(r, 0.04, 0.07);
        g->light_rad = rng_unif(r, 0.2, 0.4);
        break;
    case K_WALK:
        g->cad = rng_unif(r, 100, 120);
        frac = (g->cad - 100) / 20;
        g->level = c->hr_rest_bpm + hrr * (0.33 + 0.15 * frac + rng_unif(r, -0.03, 0.03));
        g->wamp = 1.5;
        g->resp_hz = rng_unif(r, 0.30, 0.38);
        g->roll = rng_unif(r, -0.3, 0.3); // arm hanging: forearm near vertical
        g->pitch = rng_unif(r, -1.25, -1.0);
        g->vert_g = rng_unif(r, 0.16, 0.26);
        g->fwd_g = rng_unif(r, 0.08, 0.15);
        g->lat_g = rng_unif(r, 0.03, 0.06);
        g->swing_rad = rng_unif(r, 0.25, 0.40);
        g->art_rel = rng_unif(r, 0.5, 1.0);
        break;
    case K_RUN:
        g->cad = rng_unif(r, 150, 180);
        frac = (g->cad - 150) / 30;
        g->level = c->hr_rest_bpm + hrr * (0.65 + 0.17 * frac + rng_unif(r, -0.03, 0.03));
        g->wamp = 2.0;
        g->resp_hz = rng_unif(r, 0.45, 0.6);
        g->roll = rng_unif(r, -0.4, 0.4); // arm bent about 90 degrees
        g->pitch = rng_unif(r, -0.4, -0.1);
        g->vert_g = rng_unif(r, 0.75, 1.05);
        g->fwd_g = rng_unif(r, 0.25, 0.45);
        g->lat_g = rng_unif(r, 0.05, 0.12);
        g->swing_rad = rng_unif(r, 0.35, 0.55);
        g->art_rel = rng_unif(r, 1.5, 2.5);
        break;
    case K_RECOVERY: // seated level stays raised for minutes after exercise
        g->level = c->hr_rest_bpm + rng_unif(r, 12, 22);
        g->tau = c->tau_s * (1.0 + rng_unif(r, -c->tau_spread, c->tau_spread));
        g->resp_hz = rng_unif(r, 0.30, 0.40);
        g->roll = rng_unif(r, -0.6, 0.6);
        g->pitch = rng_unif(r, -0.4, 0.4);
        break;
    }
    g->level = clampd(g->level, 35.0, c->hr_max_bpm - 3.0);
    if (k != K_RECOVERY) // on-kinetics 30-60 s (Whipp), slower off-kinetics; slow in sleep
        g->tau = k == K_SLEEP || k == K_DEEP ? rng_unif(r, 300, 600)
                 : g->level > g->hr0         ? rng_unif(r, 30, 60)
                                             : rng_unif(r, 40, 90);
    for (int j = 0; j < 2; j++) {
        g->wper[j] = j == 0 ? rng_unif(r, 40, 120) : rng_unif(r, 150, 400);
        g->wph[j] = rng_unif(r, 0, TWO_PI);
    }
    if (s->started) {
        g->roll0 = prev.roll;
        g->pitch0 = prev.pitch;
    } else {
        g->roll0 = g->roll;
        g->pitch0 = g->pitch;
    }
    s->started = 1;
}

/* Advance to the next segment. */
static void sched_next(sched *s)
{
    int64_t t = s->started ? s->cur.t1 : 0;
    if (s->plan_i >= s->plan_n)
        plan_cycle(s, t);
    plan_item it = s->plan[s->plan_i++];
    make_seg(s, it.k, t, t + it.dur_s);
}

/* Make the current segment the one that contains time t [s]. */
static inline const seg *sched_at(sched *s, double t)
{
    while (!s->started || t >= (double)s->cur.t1)
        sched_next(s);
    return &s->cur;
}

/* ---------------------------------------------------------------- the object */

/* smoothing and OU coefficients, exp(-dt/tau), fixed at create */
enum { KC_AMP, KC_CAD, KC_RESP, KC_BASE, KC_ARTMOD, KC_LANG, KC_DRIFT, KC_LLIN, KC_N };

struct pt_sim {
    pt_sim_config cfg;
    int64_t nrows, nsec;
    size_t decim;
    double dt;
    double k[KC_N];

    /* signal cursor */
    sched sig;
    int64_t row;
    rng gait_r, ppg_r, acc_r;
    /* gait (shared by the accelerometer and the PPG motion artefact) */
    double psi;                        /* gait phase [steps] */
    double cad;                        /* smoothed cadence [steps/min] */
    double vert, fwd, lat, swing, art; /* smoothed gait amplitudes */
    double step_amp, step_rate;        /* per-step jitter */
    double h2, h3, fph, aph[3];        /* fixed gait waveform phases of this "subject" */
    double resp_ph, resp_hz;
    /* PPG */
    double beat_ph, beat_mult;
    double pink[7];
    double base, art_mod;
    /* accelerometer */
    double drift[2], light_ang[2], light_lin[3];

    /* truth cursors */
    sched tru;
    int64_t sec;
    sched rec;
    int rec_done;
};

pt_sim_config pt_sim_defaults(void)
{
    pt_sim_config c;
    memset(&c, 0, sizeof c);
    c.seed = 1;
    c.scenario = PT_SIM_MIXED;
    c.duration_s = 1800.0;
    c.fs_ppg_hz = 64.0;
    c.fs_acc_hz = 32.0;
    c.start_tod_s = 8.0 * 3600;
    c.age_y = 35.0;
    c.sex = 'm';
    c.hr_rest_bpm = 60.0;
    c.hr_max_bpm = NAN;
    c.tau_s = 60.0;
    c.tau_spread = 0.25;
    c.with_ppg = 1;
    c.with_acc = 1;
    c.start_unix_s = NAN;
    return c;
}

int pt_sim_config_set_start(pt_sim_config *c, const char *iso8601, pt_error *err)
{
    const char *s = iso8601 ? iso8601 : "";
    size_t len = strlen(s);
    int dated = len >= 10 && s[4] == '-';
    char buf[96];
    const char *t = s;
    if (!dated && len < 80) { /* a clock time alone: read on a date of its own */
        snprintf(buf, sizeof buf, "1970-01-01T%s", s);
        t = buf;
    }
    double u, clock;
    if (!c || (!dated && t == s) || pt_parse_iso8601_clock(t, strlen(t), &u, &clock) ||
        !(clock < DAY_S))
        return pt_error_set(err, PT_EINVAL,
                            "simulate: start '%.64s' is not an ISO 8601 time "
                            "(YYYY-MM-DDTHH:MM[:SS][Z|+hh:mm] or HH:MM[:SS])",
                            s);
    c->start_tod_s = clock;
    /* a date alone sets the clock to 00:00 and is not written into the files */
    c->start_unix_s = dated && (s[10] == 'T' || s[10] == ' ') ? u : (double)NAN;
    return PT_OK;
}

static const char *const scenario_names[] = {
    [PT_SIM_MIXED] = "mixed", [PT_SIM_WALK] = "walk",           [PT_SIM_RUN] = "run",
    [PT_SIM_REST] = "rest",   [PT_SIM_INTERVALS] = "intervals", [PT_SIM_NIGHT] = "night",
};
#define N_SCENARIOS (sizeof scenario_names / sizeof scenario_names[0])

int pt_sim_scenario_parse(const char *name, pt_sim_scenario *out, pt_error *err)
{
    if (!name || !out)
        return pt_error_set(err, PT_EINVAL, "simulate: scenario name or output is NULL");
    for (size_t i = 0; i < N_SCENARIOS; i++)
        if (!strcmp(name, scenario_names[i])) {
            *out = (pt_sim_scenario)i;
            return PT_OK;
        }
    return pt_error_set(err, PT_EINVAL,
                        "simulate: unknown scenario '%s' (mixed, walk, run, rest, intervals)",
                        name);
}

const char *pt_sim_scenario_name(pt_sim_scenario sc)
{
    if ((size_t)sc < N_SCENARIOS)
        return scenario_names[sc];
    return "?";
}

static int is_integer(double x)
{
    return isfinite(x) && x == floor(x);
}

static int validate(pt_sim_config *c, pt_error *err)
{
    if ((size_t)c->scenario >= N_SCENARIOS)
        return pt_error_set(err, PT_EINVAL, "simulate: scenario = %d is not a pt_sim_scenario",
                            (int)c->scenario);
    if (!(c->duration_s >= 1.0 && c->duration_s <= MAX_DURATION_S))
        return pt_error_set(
            err, PT_EINVAL,
            "simulate: the length (--hours, --minutes) %g s is outside 1 s .. 31 days",
            c->duration_s);
    if (!is_integer(c->fs_ppg_hz) || c->fs_ppg_hz < 1 || c->fs_ppg_hz > 2048)
        return pt_error_set(err, PT_EINVAL,
                            "simulate: --fs-ppg %g must be an integer in 1..2048 Hz", c->fs_ppg_hz);
    if (!is_integer(c->fs_acc_hz) || c->fs_acc_hz < 1 || c->fs_acc_hz > c->fs_ppg_hz ||
        fmod(c->fs_ppg_hz, c->fs_acc_hz) != 0.0)
        return pt_error_set(err, PT_EINVAL,
                            "simulate: --fs-acc %g must be an integer that divides "
                            "--fs-ppg %g",
                            c->fs_acc_hz, c->fs_ppg_hz);
    if (!(c->start_tod_s >= 0 && c->start_tod_s <= DAY_S))
        return pt_error_set(err, PT_EINVAL,
                            "simulate: --start: time of day %g s is outside 0..86400",
                            c->start_tod_s);
    if (!isnan(c->start_unix_s) && !(c->start_unix_s >= 0 && c->start_unix_s < 253402300800.0))
        return pt_error_set(err, PT_EINVAL, "simulate: --start: %g s is outside years 1970..9999",
                            c->start_unix_s);
    if (!(c->age_y >= 10 && c->age_y <= 100))
        return pt_error_set(err, PT_EINVAL, "simulate: --age %g is outside 10..100 years",
                            c->age_y);
    if (c->sex != 'm' && c->sex != 'f')
        return pt_error_set(err, PT_EINVAL, "simulate: --sex must be m or f");
    if (!(c->hr_rest_bpm >= 30 && c->hr_rest_bpm <= 120))
        return pt_error_set(err, PT_EINVAL, "simulate: --hr-rest %g is outside 30..120 bpm",
                            c->hr_rest_bpm);
    if (isnan(c->hr_max_bpm))
        c->hr_max_bpm = 208.0 - 0.7 * c->age_y; // Tanaka 2001
    if (!(c->hr_max_bpm >= c->hr_rest_bpm + 40 && c->hr_max_bpm <= 230))
        return pt_error_set(err, PT_EINVAL,
                            "simulate: --hr-max %g must be at least --hr-rest + 40 = %g "
                            "and at most 230 bpm",
                            c->hr_max_bpm, c->hr_rest_bpm + 40);
    if (!(c->tau_s >= 10 && c->tau_s <= 600))
        return pt_error_set(err, PT_EINVAL, "simulate: --tau-s %g is outside 10..600 s", c->tau_s);
    if (!(c->tau_spread >= 0 && c->tau_spread <= 0.9))
        return pt_error_set(err, PT_EINVAL, "simulate: --tau-spread %g is outside 0..0.9",
                            c->tau_spread);
    return PT_OK;
}

void pt_sim_reset(pt_sim *s)
{
    if (!s)
        return;
    const pt_sim_config *c = &s->cfg;
    sched_init(&s->sig, c);
    sched_init(&s->tru, c);
    sched_init(&s->rec, c);
    s->row = 0;
    s->sec = 0;
    s->rec_done = 0;
    rng_seed(&s->gait_r, c->seed, 2);
    rng_seed(&s->ppg_r, c->seed, 3);
    rng_seed(&s->acc_r, c->seed, 4);
    s->psi = 0;
    s->cad = 0;
    s->vert = s->fwd = s->lat = s->swing = s->art = 0;
    s->step_amp = s->step_rate = 1.0;
    /* the subject's own gait waveform and artefact phases */
    s->h2 = rng_unif(&s->gait_r, 0, TWO_PI);
    s->h3 = rng_unif(&s->gait_r, 0, TWO_PI);
    s->fph = rng_unif(&s->gait_r, 0, TWO_PI);
    for (int j = 0; j < 3; j++)
        s->aph[j] = rng_unif(&s->gait_r, 0, TWO_PI);
    s->resp_ph = rng_unif(&s->gait_r, 0, 1);
    s->resp_hz = 0.25;
    s->beat_ph = rng_unif(&s->ppg_r, 0, 1);
    s->beat_mult = 1.0;
    memset(s->pink, 0, sizeof s->pink);
    s->base = 0;
    s->art_mod = 0;
    memset(s->drift, 0, sizeof s->drift);
    memset(s->light_ang, 0, sizeof s->light_ang);
    memset(s->light_lin, 0, sizeof s->light_lin);
}

pt_sim *pt_sim_create(const pt_sim_config *cfg, pt_error *err)
{
    if (!cfg) {
        pt_error_set(err, PT_EINVAL, "simulate: configuration is NULL");
        return NULL;
    }
    pt_sim_config c = *cfg;
    if (validate(&c, err) != PT_OK)
        return NULL;
    pt_sim *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "simulate: out of memory (%zu bytes)", sizeof *s);
        return NULL;
    }
    s->cfg = c;
    s->nrows = (int64_t)floor(c.duration_s * c.fs_ppg_hz + 1e-6);
    s->nsec = (int64_t)ceil(c.duration_s - 1e-9);
    s->decim = (size_t)(c.fs_ppg_hz / c.fs_acc_hz);
    s->dt = 1.0 / c.fs_ppg_hz;
    const double dta = s->dt * (double)s->decim;
    s->k[KC_AMP] = 1.0 - exp(-s->dt / 1.5); // gait amplitudes follow in 1.5 s
    s->k[KC_CAD] = 1.0 - exp(-s->dt / 2.0);
    s->k[KC_RESP] = 1.0 - exp(-s->dt / 10.0);
    s->k[KC_BASE] = exp(-s->dt / 30.0);
    s->k[KC_ARTMOD] = exp(-s->dt / 5.0);
    s->k[KC_LANG] = exp(-dta / 1.0); // accelerometer processes run at fs_acc
    s->k[KC_DRIFT] = exp(-dta / 120.0);
    s->k[KC_LLIN] = exp(-dta / 0.3);
    pt_sim_reset(s);
    return s;
}

void pt_sim_destroy(pt_sim *s)
{
    free(s);
}

int64_t pt_sim_nrows(const pt_sim *s)
{
    return s ? s->nrows : 0;
}

int64_t pt_sim_nseconds(const pt_sim *s)
{
    return s ? s->nsec : 0;
}

size_t pt_sim_acc_decimation(const pt_sim *s)
{
    return s ? s->decim : 0;
}

const pt_sim_config *pt_sim_config_of(const pt_sim *s)
{
    return s ? &s->cfg : NULL;
}

/* ---------------------------------------------------------------- signals */

static inline double wrap_half(double x) /* to [-0.5, 0.5) */
{
    return x - floor(x + 0.5);
}

static inline double wrap_pi(double x) /* to [-pi, pi) */
{
    return x - TWO_PI * floor(x / TWO_PI + 0.5);
}

/* One PPG pulse at beat phase ph in [0, 1): asymmetric systolic Gaussian plus a dicrotic
 * wave that fades as HR rises (the notch disappears at high rates). Periodic in ph. */
static inline double pulse_shape(double ph, double hr)
{
    double d1 = wrap_half(ph - 0.18);
    double s1 = d1 < 0 ? 0.055 : 0.10; // fast upstroke, slower fall
    double d2 = wrap_half(ph - 0.48);
    double a2 = 0.45 * clampd((160.0 - hr) / 100.0, 0.15, 1.0);
    return exp(-0.5 * d1 * d1 / (s1 * s1)) + a2 * exp(-0.5 * d2 * d2 / (0.09 * 0.09));
}

/* Kellet's economy 1/f filter on white noise w; about unit variance after scaling. */
static inline double pink_next(double *b, double w)
{
    b[0] = 0.99886 * b[0] + w * 0.0555179;
    b[1] = 0.99332 * b[1] + w * 0.0750759;
    b[2] = 0.96900 * b[2] + w * 0.1538520;
    b[3] = 0.86650 * b[3] + w * 0.3104856;
    b[4] = 0.55000 * b[4] + w * 0.5329522;
    b[5] = -0.7616 * b[5] - w * 0.0168980;
    double p = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
    b[6] = w * 0.115926;
    return 0.25 * p;
}

/* One step of an Ornstein-Uhlenbeck process: x' = a x + sqrt(1 - a^2) sigma N(0, 1). */
static inline double ou(double x, double a, double sigma, rng *r)
{
    return a * x + sqrt(1.0 - a * a) * sigma * rng_gauss(r);
}

static inline double quantise(double x)
{
    return floor(x / ACC_LSB_G + 0.5) * ACC_LSB_G;
}

static void gen_row(pt_sim *s, int64_t i, double *ppg_out, double acc_out[3], int want_acc)
{
    const double dt = s->dt;
    const double t = (double)i / s->cfg.fs_ppg_hz;
    const seg *g = sched_at(&s->sig, t);
    const double hr = seg_hr(g, t);
    const int worn = g->k != K_NONWEAR;

    /* gait: smoothed amplitudes (1.5 s) and cadence (2 s); the phase is integrated so that
     * cadence changes stay continuous. Cadence is held when gait stops, so the waveform
     * fades out instead of slowing down. */
    const double a_amp = s->k[KC_AMP], a_cad = s->k[KC_CAD];
    if (g->cad > 0)
        s->cad = s->cad > 0 ? s->cad + (g->cad - s->cad) * a_cad : g->cad;
    s->vert += (g->vert_g - s->vert) * a_amp;
    s->fwd += (g->fwd_g - s->fwd) * a_amp;
    s->lat += (g->lat_g - s->lat) * a_amp;
    s->swing += (g->swing_rad - s->swing) * a_amp;
    s->art += (g->art_rel - s->art) * a_amp;
    if (s->cad > 0) {
        double psi0 = s->psi;
        s->psi += s->cad / 60.0 * s->step_rate * dt;
        if (floor(s->psi) != floor(psi0)) { // a new step: stride-to-stride variability
            s->step_amp = 1.0 + 0.08 * clampd(rng_gauss(&s->gait_r), -3, 3);
            s->step_rate = 1.0 + 0.015 * clampd(rng_gauss(&s->gait_r), -3, 3);
        }
        if (s->psi > 1e6) // keep precision on week-long runs; stride phase needs even steps
            s->psi -= 1e6;
    }
    s->resp_hz += (g->resp_hz - s->resp_hz) * s->k[KC_RESP];
    s->resp_ph += s->resp_hz * dt;
    s->resp_ph -= floor(s->resp_ph);
    const double step_th = TWO_PI * s->psi, stride_th = 0.5 * step_th;

    if (ppg_out) {
        rng *r = &s->ppg_r;
        double w = rng_gauss(r);
        double pk = pink_next(s->pink, rng_gauss(r));
        double resp = sin(TWO_PI * s->resp_ph);
        if (!worn) {
            *ppg_out = -0.5 + 0.03 * pk + 0.01 * w; // ambient light, no pulse
        } else {
            double var = clampd((130.0 - hr) / 70.0, 0.1, 1.0);               // HRV shrinks with HR
            double fb = hr / 60.0 * s->beat_mult * (1.0 + 0.03 * var * resp); // RSA
            s->beat_ph += fb * dt;
            if (s->beat_ph >= 1.0) {
                s->beat_ph -= floor(s->beat_ph);
                s->beat_mult = 1.0 + 0.035 * var * clampd(rng_gauss(r), -3, 3);
            }
            s->base = ou(s->base, s->k[KC_BASE], 0.2, r);
            s->art_mod = ou(s->art_mod, s->k[KC_ARTMOD], 0.25, r);
            double am = 1.0 + 0.12 * resp;                     // respiratory AM
            double bw = 0.25 * sin(TWO_PI * s->resp_ph - 0.7); // respiratory baseline
            double art = s->art * s->step_amp * (1.0 + s->art_mod) *
                         (sin(step_th + s->aph[0]) + 0.5 * sin(2.0 * step_th + s->aph[1]) +
                          0.35 * sin(stride_th + s->aph[2]));
            *ppg_out =
                am * pulse_shape(s->beat_ph, hr) + bw + s->base + art + 0.04 * pk + 0.015 * w;
        }
    }

    if (want_acc) {
        rng *r = &s->acc_r;
        double u = clampd((t - (double)g->t0) / g->trans_s, 0.0, 1.0);
        double sm = u * u * (3.0 - 2.0 * u);
        double roll = g->roll0 + wrap_pi(g->roll - g->roll0) * sm;
        double pitch = g->pitch0 + (g->pitch - g->pitch0) * sm;
        double f[3] = {0.0, 0.0, 1.0}; // specific force in the world frame (z up) [g]
        /* the OU processes run always, so that their state does not depend on worn time */
        const double a_l = s->k[KC_LANG], a_d = s->k[KC_DRIFT], a_lin = s->k[KC_LLIN];
        for (int j = 0; j < 2; j++) {
            s->light_ang[j] = ou(s->light_ang[j], a_l, g->light_rad, r);
            s->drift[j] = ou(s->drift[j], a_d, 0.01, r);
        }
        for (int j = 0; j < 3; j++)
            s->light_lin[j] = ou(s->light_lin[j], a_lin, g->light_g, r);
        if (worn) {
            if (g->still) { /* deep sleep: the arm does not drift */
                roll += s->light_ang[0];
                pitch += s->light_ang[1];
            } else {
                roll += s->drift[0] + s->light_ang[0];
                pitch += s->drift[1] + s->light_ang[1] + s->swing * sin(stride_th + s->fph);
            }
            double amp = s->step_amp;
            f[0] += s->fwd * amp * sin(stride_th + s->fph + 1.0) + s->light_lin[0];
            f[1] += s->lat * amp * sin(stride_th + s->fph + 2.2) + s->light_lin[1];
            f[2] += s->vert * amp *
                        (cos(step_th) + 0.35 * cos(2.0 * step_th + s->h2) +
                         0.15 * cos(3.0 * step_th + s->h3)) +
                    s->light_lin[2];
        }
        /* device reading = Rx(roll)^T Ry(pitch)^T f */
        double cp = cos(pitch), sp = sin(pitch), cr = cos(roll), sr = sin(roll);
        double vx = cp * f[0] - sp * f[2], vy = f[1], vz = sp * f[0] + cp * f[2];
        double dev[3] = {vx, cr * vy + sr * vz, -sr * vy + cr * vz};
        for (int j = 0; j < 3; j++)
            acc_out[j] = quantise(dev[j] + g->noise_g * rng_gauss(r));
    }
}

int pt_sim_read(pt_sim *s, size_t max_rows, double *t_s, double *ppg, double *acc_x_g,
                double *acc_y_g, double *acc_z_g, size_t *n_rows, pt_error *err)
{
    if (!s || !n_rows)
        return pt_error_set(err, PT_EINVAL, "simulate: pt_sim_read: NULL simulator or n_rows");
    size_t n = 0;
    while (n < max_rows && s->row < s->nrows) {
        int64_t i = s->row;
        double p = NAN, a[3] = {NAN, NAN, NAN};
        int want_acc = s->cfg.with_acc && (uint64_t)i % s->decim == 0;
        gen_row(s, i, s->cfg.with_ppg ? &p : NULL, a, want_acc);
        if (t_s)
            t_s[n] = (double)i / s->cfg.fs_ppg_hz;
        if (ppg)
            ppg[n] = p;
        if (acc_x_g)
            acc_x_g[n] = a[0];
        if (acc_y_g)
            acc_y_g[n] = a[1];
        if (acc_z_g)
            acc_z_g[n] = a[2];
        s->row++;
        n++;
    }
    *n_rows = n;
    return PT_OK;
}

/* ---------------------------------------------------------------- truth */

int pt_sim_truth_read(pt_sim *s, size_t max_rows, pt_sim_second *rows, size_t *n_rows,
                      pt_error *err)
{
    if (!s || !n_rows || (!rows && max_rows))
        return pt_error_set(err, PT_EINVAL, "simulate: pt_sim_truth_read: NULL argument");
    size_t n = 0;
    while (n < max_rows && s->sec < s->nsec) {
        double t = (double)s->sec;
        const seg *g = sched_at(&s->tru, t);
        pt_sim_second *o = &rows[n++];
        o->t_s = t;
        o->hr_bpm = g->k == K_NONWEAR ? (double)NAN : seg_hr(g, t);
        o->intensity = kind_class(g->k);
        o->cadence_spm = g->cad > 0 ? g->cad : (double)NAN;
        s->sec++;
    }
    *n_rows = n;
    return PT_OK;
}

int pt_sim_recovery_read(pt_sim *s, size_t max_rows, pt_sim_recovery *rows, size_t *n_rows,
                         pt_error *err)
{
    if (!s || !n_rows || (!rows && max_rows))
        return pt_error_set(err, PT_EINVAL, "simulate: pt_sim_recovery_read: NULL argument");
    size_t n = 0;
    while (n < max_rows && !s->rec_done) {
        sched_next(&s->rec);
        const seg *g = &s->rec.cur;
        if ((double)g->t0 >= s->cfg.duration_s) {
            s->rec_done = 1;
            break;
        }
        if (g->k != K_RECOVERY)
            continue;
        /* the last truth second is nsec - 1; HR(t0 + x) is seen only inside this segment */
        double last = fmin((double)g->t1, (double)(s->nsec - 1));
        double t0 = (double)g->t0;
        pt_sim_recovery *o = &rows[n++];
        o->t_end_exercise_s = t0;
        o->hr_end_bpm = seg_hr(g, t0);
        o->tau_s = g->tau;
        o->hr_60_bpm = t0 + 60 <= last ? seg_hr(g, t0 + 60) : (double)NAN;
        o->hr_120_bpm = t0 + 120 <= last ? seg_hr(g, t0 + 120) : (double)NAN;
        o->hrr60_bpm = o->hr_end_bpm - o->hr_60_bpm;
        o->hrr120_bpm = o->hr_end_bpm - o->hr_120_bpm;
    }
    *n_rows = n;
    return PT_OK;
}
