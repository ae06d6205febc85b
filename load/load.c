/* SPDX-License-Identifier: GPL-2.0-or-later
 * load.c — the training-load model over days (docs/load-model.md).
 *
 * Method: PMC as GoldenCheetah's PMCData::refresh() (src/Metrics/PMCData.cpp:
 * lte = exp(-1/ltsDays), LTS_d = stress_d (1 - lte) + LTS_{d-1} lte, SB shown
 * on the following day by default); ACWR EWMA (Williams et al. 2017, BJSM
 * 51:209, lambda = 2/(N+1)); monotony and strain (Foster 1998); Banister
 * TRIMP (Banister 1991) and Edwards TRIMP (Edwards 1993). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/lock.h"
#include "core/path.h"
#include "io/h5table.h"
#include "io/reader_impl.h"
#include "pulsetrain/load.h"
#include "pulsetrain/trimp.h"
#include "pulsetrain/version.h"

#define DAY_S 86400.0

double pt_load_accel(double light, double moderate, double vigorous, pt_load_metric metric,
                     int female)
{
    double w[3];
    if (metric == PT_LOAD_BANISTER) {
        double ka = female ? 0.86 : 0.64, kb = female ? 1.67 : 1.92;
        w[0] = pt_trimp_banister(1, 0.35, ka, kb);
        w[1] = pt_trimp_banister(1, 0.50, ka, kb);
        w[2] = pt_trimp_banister(1, 0.75, ka, kb);
    } else {
        w[0] = 1.5;
        w[1] = 2.5;
        w[2] = 4.0;
    }
    return light * w[0] + moderate * w[1] + vigorous * w[2];
}

/* ---- pure series functions ---- */

int pt_pmc(const double *load, size_t n, double ctl_days, double atl_days, double ctl0, double atl0,
           int sb_today, pt_missing miss, double *ctl, double *atl, double *tsb)
{
    if (!(ctl_days > 0) || !(atl_days > 0) || (n && (!load || !ctl || !atl || !tsb)))
        return PT_EINVAL;
    double lte = exp(-1.0 / ctl_days), ste = exp(-1.0 / atl_days);
    double c = ctl0, a = atl0;
    for (size_t d = 0; d < n; d++) {
        double x = load[d];
        if (isnan(x) && miss == PT_MISSING_ZERO)
            x = 0;
        if (isnan(x)) { /* skipped: the state crosses the day unchanged */
            ctl[d] = atl[d] = tsb[d] = NAN;
            continue;
        }
        double sb_before = c - a;
        c = x * (1.0 - lte) + c * lte;
        a = x * (1.0 - ste) + a * ste;
        ctl[d] = c;
        atl[d] = a;
        tsb[d] = sb_today ? c - a : sb_before;
    }
    return PT_OK;
}

int pt_acwr_ewma(const double *load, size_t n, double acute_days, double chronic_days,
                 size_t warmup_days, pt_missing miss, double *acute, double *chronic, double *acwr)
{
    if (!(acute_days >= 1) || !(chronic_days >= 1) || (n && (!load || !acute || !chronic || !acwr)))
        return PT_EINVAL;
    double la = 2.0 / (acute_days + 1), lc = 2.0 / (chronic_days + 1);
    double ea = NAN, ec = NAN;
    size_t start = SIZE_MAX;
    for (size_t d = 0; d < n; d++) {
        double x = load[d];
        if (isnan(x) && miss == PT_MISSING_ZERO && start != SIZE_MAX)
            x = 0;
        if (isnan(x)) {
            acute[d] = chronic[d] = acwr[d] = NAN;
            continue;
        }
        if (start == SIZE_MAX) { /* seed with the first day's load */
            start = d;
            ea = ec = x;
        } else {
            ea = x * la + (1 - la) * ea;
            ec = x * lc + (1 - lc) * ec;
        }
        acute[d] = ea;
        chronic[d] = ec;
        acwr[d] = (d - start + 1 > warmup_days && ec > 0) ? ea / ec : (double)NAN;
    }
    return PT_OK;
}

int pt_foster(const double *load, size_t n, size_t window, size_t min_days, double *monotony,
              double *strain, double *week_load)
{
    if (window < 2 || min_days < 2 || min_days > window || (n && !load))
        return PT_EINVAL;
    for (size_t d = 0; d < n; d++) {
        double sum = 0, sum2 = 0;
        size_t k = 0;
        for (size_t j = d + 1 > window ? d + 1 - window : 0; j <= d; j++)
            if (!isnan(load[j])) {
                sum += load[j];
                k++;
            }
        double mono = NAN, wl = NAN;
        if (k >= min_days) {
            double mean = sum / (double)k;
            for (size_t j = d + 1 > window ? d + 1 - window : 0; j <= d; j++)
                if (!isnan(load[j]))
                    sum2 += (load[j] - mean) * (load[j] - mean);
            double sd = sqrt(sum2 / (double)(k - 1));
            wl = mean * (double)window;
            mono = sd > 0 ? mean / sd : (double)NAN;
        }
        if (monotony)
            monotony[d] = mono;
        if (week_load)
            week_load[d] = wl;
        if (strain)
            strain[d] = wl * mono;
    }
    return PT_OK;
}

void pt_streak(const double *minutes, size_t n, double min_minutes, double *streak)
{
    double run = 0;
    for (size_t d = 0; d < n; d++) {
        if (isnan(minutes[d])) {
            streak[d] = NAN;
            continue;
        }
        run = minutes[d] >= min_minutes ? run + 1 : 0;
        streak[d] = run;
    }
}

double pt_slope(const double *x, const double *y, size_t n, size_t min_points)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i])) {
            sx += x[i];
            sy += y[i];
            k++;
        }
    if (k < min_points || k < 2)
        return NAN;
    double mx = sx / (double)k, my = sy / (double)k;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i])) {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
        }
    return sxx > 0 ? sxy / sxx : (double)NAN;
}

/* ---- tables of the load file ---- */

typedef enum ctype { C_F64 = 0, C_U8, C_DATE, C_SUBJECT, C_SEX } ctype;

typedef struct cdef {
    const char *name, *units, *desc;
    ctype type;
} cdef;

static const cdef daily_cols[] = {
    {"subject_id", "", "subject", C_SUBJECT},
    {"date", "", "local calendar day (ISO 8601)", C_DATE},
    {"valid_day", "1",
     "1 when the (merged) wear time reaches min_wear_h; 0 = too little wear: missing, not rest; "
     "NaN = no data",
     C_U8},
    {"wear_minutes", "min", "minutes worn", C_F64},
    {"hr_minutes", "min", "minutes worn with heart rate", C_F64},
    {"trimp_banister", "AU", "Banister TRIMP of the day (Banister 1991)", C_F64},
    {"trimp_edwards", "AU", "Edwards TRIMP of the day (Edwards 1993)", C_F64},
    {"accel_load", "AU",
     "accelerometer load: class minutes x TRIMP of a minute at the ACSM band's middle", C_F64},
    {"load", "AU", "daily load fed to the model; NaN = missing day", C_F64},
    {"load_source", "1",
     "0 missing, 1 heart rate (TRIMP), 2 accelerometer (no or too little heart rate)", C_F64},
    {"ctl", "AU", "chronic training load (fitness): 42-d exponentially weighted, GoldenCheetah LTS",
     C_F64},
    {"atl", "AU", "acute training load (fatigue): 7-d exponentially weighted, GoldenCheetah STS",
     C_F64},
    {"tsb", "AU",
     "training stress balance (form): CTL - ATL of the previous day (GoldenCheetah default)",
     C_F64},
    {"ctl_coverage", "1", "fraction of the last ctl_days days with a load", C_F64},
    {"acwr_acute", "AU", "acute EWMA, lambda = 2/(7+1) (Williams 2017)", C_F64},
    {"acwr_chronic", "AU", "chronic EWMA, lambda = 2/(28+1) (Williams 2017)", C_F64},
    {"acwr", "1", "acute:chronic workload ratio of the EWMAs; NaN in the first 28 days", C_F64},
    {"monotony", "1", "Foster monotony over the 7 days ending on the day: mean / SD", C_F64},
    {"strain", "AU", "Foster strain: 7-day load x monotony", C_F64},
    {"week_load", "AU", "load of the 7 days ending on the day", C_F64},
    {"minutes_light", "min", "minutes classed light", C_F64},
    {"minutes_moderate", "min", "minutes classed moderate", C_F64},
    {"minutes_vigorous", "min", "minutes classed vigorous (high intensity)", C_F64},
    {"steps", "steps", "steps", C_F64},
    {"walking_minutes", "min", "minutes of walking", C_F64},
    {"walk_target_met", "1",
     "1 when walking_minutes reaches the daily target; NaN when short on an invalid day", C_F64},
    {"moderate_walking_minutes", "min", "minutes of walking classed moderate or vigorous", C_F64},
    {"streak_days", "d",
     "consecutive days with >= streak_min_minutes of moderate walking (missing days pause it)",
     C_F64},
    {"longest_easy_minutes", "min", "longest continuous light/moderate stretch of the day", C_F64},
    {"hrr60_bpm", "bpm", "mean heart rate recovery in 60 s of the day", C_F64},
    {"n_recovery", "1", "recoveries behind hrr60_bpm", C_F64},
    {0},
};

static const cdef weekly_cols[] = {
    {"subject_id", "", "subject", C_SUBJECT},
    {"week_start", "", "Monday of the ISO week (local date)", C_DATE},
    {"n_days", "d", "days of the week with data", C_F64},
    {"n_valid_days", "d", "days of the week with enough wear", C_F64},
    {"load", "AU", "sum of the daily loads of the week's days with a load", C_F64},
    {"monotony", "1",
     "Foster monotony of the week (mean / SD of its daily loads); NaN below foster_min_days",
     C_F64},
    {"strain", "AU", "Foster strain of the week: 7 x mean load x monotony", C_F64},
    {"walking_minutes", "min", "walking minutes of the week", C_F64},
    {"walk_target_days", "d", "days that reached the daily walking target", C_F64},
    {"walk_target_pct", "%", "100 x walk_target_days / days with a known verdict", C_F64},
    {"easy_session", "1",
     "1 when a day had >= easy_session_minutes of continuous light/moderate activity", C_F64},
    {"longest_easy_minutes", "min", "longest easy stretch of the week", C_F64},
    {"high_intensity_minutes", "min", "minutes classed vigorous in the week", C_F64},
    {"hrr60_bpm", "bpm", "mean HRR60 of the week's recoveries", C_F64},
    {"n_recovery", "1", "recoveries behind hrr60_bpm", C_F64},
    {"hrr60_slope_bpm_per_week", "bpm/week",
     "least-squares slope of weekly HRR60 over the last 4-8 weeks up to this one", C_F64},
    {0},
};

static const cdef subject_cols[] = {
    {"subject_id", "", "subject", C_SUBJECT},
    {"sex", "", "m, f or empty (unknown: Banister men's constants)", C_SEX},
    {"first_date", "", "first day", C_DATE},
    {"last_date", "", "last day", C_DATE},
    {"n_days", "d", "calendar days from first to last", C_F64},
    {"n_valid_days", "d", "days with enough wear", C_F64},
    {"ctl", "AU", "CTL on the last day with a load", C_F64},
    {"atl", "AU", "ATL on the last day with a load", C_F64},
    {"tsb", "AU", "TSB for the day after the last day: CTL - ATL", C_F64},
    {"hrr60_slope_bpm_per_week", "bpm/week", "HRR60 trend over the last 4-8 weeks with recoveries",
     C_F64},
    {"hrr60_trend_weeks", "1", "weeks with an HRR60 value behind the slope", C_F64},
    {0},
};

#define MAXC 40

typedef struct ltable {
    const char *name;
    const cdef *def;
    size_t ncols, nrows, cap;
    double *col[MAXC];
} ltable;

enum { T_DAILY = 0, T_WEEKLY, T_SUBJECTS, NT };

/* Input fields read from each summary's /daily. */
static const char *const in_names[] = {
    "minutes_nonwear",
    "minutes_sedentary",
    "minutes_light",
    "minutes_moderate",
    "minutes_vigorous",
    "walking_minutes",
    "moderate_walking_minutes",
    "steps",
    "trimp_banister",
    "trimp_edwards",
    "wear_minutes",
    "hr_minutes",
    "longest_easy_minutes",
    "hrr60_bpm",
    "n_recovery",
};
enum {
    I_NONWEAR,
    I_SED,
    I_LIGHT,
    I_MOD,
    I_VIG,
    I_WALK,
    I_MODWALK,
    I_STEPS,
    I_BAN,
    I_EDW,
    I_WEAR,
    I_HRMIN,
    I_EASY,
    I_HRR60,
    I_NREC,
    NIN
};

typedef struct inrow {
    size_t subj;
    int64_t day;
    double v[NIN];
} inrow;

typedef struct subject {
    char id[64];
    char sex;
} subject;

/* One summary's recording: its subject and absolute span (NaN start = relative time). */
typedef struct span {
    size_t subj;
    double t0_unix_s, t1_unix_s;
    char label[512];
} span;

struct pt_load {
    pt_load_config cfg;
    span *spans;
    size_t nspans;
    pt_error conflict; /* the first two recordings that cannot be merged; pt_load_compute refuses */
    subject *subj;
    size_t nsubj, capsubj;
    inrow *in;
    size_t nin, capin;
    char (*sha)[65 + 64];
    size_t nsha;
    char *sources;
    size_t sources_len;
    ltable t[NT];
    char notes[1024];
};

static void note(pt_load *ld, const char *fmt, ...) PT_PRINTF(2, 3);
static void note(pt_load *ld, const char *fmt, ...)
{
    size_t used = strlen(ld->notes);
    if (used + 3 >= sizeof ld->notes)
        return;
    if (used) {
        memcpy(ld->notes + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->notes + used, sizeof ld->notes - used, fmt, ap);
    va_end(ap);
}

static void table_init(ltable *t, const char *name, const cdef *def)
{
    t->name = name;
    t->def = def;
    t->ncols = 0;
    while (def[t->ncols].name)
        t->ncols++;
}

static void table_clear(ltable *t)
{
    for (size_t c = 0; c < t->ncols; c++) {
        free(t->col[c]);
        t->col[c] = NULL;
    }
    t->nrows = t->cap = 0;
}

static int table_colindex(const ltable *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (!strcmp(t->def[c].name, name))
            return (int)c;
    return -1;
}

/* Append a row of NaN; returns its index or -1. */
static long table_addrow(ltable *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        for (size_t c = 0; c < t->ncols; c++) {
            double *p = realloc(t->col[c], cap * sizeof *p);
            if (!p)
                return -1;
            t->col[c] = p;
        }
        t->cap = cap;
    }
    for (size_t c = 0; c < t->ncols; c++)
        t->col[c][t->nrows] = NAN;
    return (long)t->nrows++;
}

static void tset(ltable *t, long r, const char *name, double v)
{
    int c = table_colindex(t, name);
    assert(c >= 0); /* a misspelt column name is a bug */
    if (c >= 0)
        t->col[c][r] = v;
}

pt_load_config pt_load_defaults(void)
{
    pt_load_config c;
    memset(&c, 0, sizeof c);
    c.metric = PT_LOAD_BANISTER;
    c.hr_cover = 0.5;
    c.ctl_days = 42;
    c.atl_days = 7;
    c.ctl0 = c.atl0 = 0;
    c.sb_today = 0;
    c.acwr_acute_days = 7;
    c.acwr_chronic_days = 28;
    c.acwr_warmup_days = 28;
    c.foster_days = 7;
    c.foster_min_days = 7;
    c.missing = PT_MISSING_SKIP;
    c.min_wear_h = 10;
    c.streak_min_minutes = 10;
    c.walk_target_minutes = 60;
    c.easy_session_minutes = 25;
    c.trend_min_weeks = 4;
    c.trend_max_weeks = 8;
    return c;
}

/* ---- the object ---- */

pt_load *pt_load_create(const pt_load_config *cfg, pt_error *err)
{
    pt_load_config def = pt_load_defaults();
    if (!cfg)
        cfg = &def;
    if (!(cfg->ctl_days > 0) || !(cfg->atl_days > 0) || !(cfg->acwr_acute_days >= 1) ||
        !(cfg->acwr_chronic_days >= 1) || cfg->foster_days < 2 || cfg->foster_min_days < 2 ||
        cfg->foster_min_days > cfg->foster_days || !(cfg->hr_cover >= 0 && cfg->hr_cover <= 1) ||
        !(cfg->min_wear_h >= 0 && cfg->min_wear_h <= 24) || cfg->trend_min_weeks < 2 ||
        cfg->trend_max_weeks < cfg->trend_min_weeks || (unsigned)cfg->metric > PT_LOAD_ACCEL ||
        (unsigned)cfg->missing > PT_MISSING_ZERO) {
        pt_error_set(err, PT_EINVAL,
                     "load model: a parameter is out of range "
                     "(time constants > 0, 2 <= foster_min_days <= foster_days, "
                     "0 <= hr_cover <= 1, 2 <= trend weeks)");
        return NULL;
    }
    pt_load *ld = calloc(1, sizeof *ld);
    if (!ld) {
        pt_error_set(err, PT_ENOMEM, "load model: out of memory for its daily tables");
        return NULL;
    }
    ld->cfg = *cfg;
    table_init(&ld->t[T_DAILY], "daily", daily_cols);
    table_init(&ld->t[T_WEEKLY], "weekly", weekly_cols);
    table_init(&ld->t[T_SUBJECTS], "subjects", subject_cols);
    return ld;
}

void pt_load_destroy(pt_load *ld)
{
    if (!ld)
        return;
    for (int i = 0; i < NT; i++)
        table_clear(&ld->t[i]);
    free(ld->subj);
    free(ld->spans);
    free(ld->in);
    free(ld->sha);
    free(ld->sources);
    free(ld);
}

static long subject_index(pt_load *ld, const char *id, pt_error *err)
{
    if (!id || !*id)
        id = "unknown";
    for (size_t i = 0; i < ld->nsubj; i++)
        if (!strcmp(ld->subj[i].id, id))
            return (long)i;
    if (ld->nsubj == ld->capsubj) {
        size_t cap = ld->capsubj ? 2 * ld->capsubj : 8;
        subject *p = realloc(ld->subj, cap * sizeof *p);
        if (!p)
            return pt_error_set(err, PT_ENOMEM, "load model: out of memory for its daily tables"),
                   -1;
        ld->subj = p;
        ld->capsubj = cap;
    }
    subject *sj = &ld->subj[ld->nsubj];
    memset(sj, 0, sizeof *sj);
    snprintf(sj->id, sizeof sj->id, "%s", id);
    return (long)ld->nsubj++;
}

/* Two recordings of one subject are merged day by day only when both have an absolute start
 * and they do not overlap: without a start every one would land on 1970-01-01. A conflict is
 * kept and pt_load_compute refuses the whole merge with it (PT_EDATA). */
static int check_span(pt_load *ld, size_t si, const pt_recording_info *rec, const char *label,
                      pt_error *err)
{
    if (!rec || (!rec->path[0] && rec->nchan == 0))
        return PT_OK; /* a summary built in memory that describes no recording: nothing to check */
    double t0 = rec->start_unix_s;
    double dur = isfinite(rec->duration_s) ? rec->duration_s : 0.0;
    double t1 = t0 + dur;
    const char *id = ld->subj[si].id[0] ? ld->subj[si].id : "(no id)";
    for (size_t i = 0; i < ld->nspans; i++) {
        const span *o = &ld->spans[i];
        if (o->subj != si)
            continue;
        if (isnan(t0) || isnan(o->t0_unix_s))
            return pt_error_set(err, PT_EDATA,
                                "subject %s: %s and %s cannot be merged: %s has no absolute "
                                "start time, so their days would collide; give each recording "
                                "its start (pulsetrain process --start 2026-03-02T08:00:00+01:00 "
                                "or batch --start), or, if they are different people, its "
                                "subject (process --subject, batch --subject-from name)",
                                id, o->label, label, isnan(o->t0_unix_s) ? o->label : label);
        if (t0 < o->t1_unix_s && o->t0_unix_s < t1) {
            char a[40], b[40];
            pt_format_iso8601(t0, a);
            pt_format_iso8601(o->t0_unix_s, b);
            return pt_error_set(err, PT_EDATA,
                                "subject %s: %s (from %s, %.0f s) overlaps %s (from %s, %.0f s) "
                                "in time; check their starts (pulsetrain process --start) or "
                                "their subject ids (process --subject, batch --subject-from name)",
                                id, label, a, dur, o->label, b, o->t1_unix_s - o->t0_unix_s);
        }
    }
    span *p = realloc(ld->spans, (ld->nspans + 1) * sizeof *p);
    if (!p)
        return pt_error_set(err, PT_ENOMEM, "load model: out of memory for its recordings");
    ld->spans = p;
    span *n = &ld->spans[ld->nspans++];
    n->subj = si;
    n->t0_unix_s = t0;
    n->t1_unix_s = t1;
    snprintf(n->label, sizeof n->label, "%s", label);
    return PT_OK;
}

int pt_load_add_summary(pt_load *ld, const pt_summary *s, const char *subject_id, char sex,
                        const char *label, pt_error *err)
{
    if (!ld || !s)
        return pt_error_set(err, PT_EINVAL, "load: no model or summary");
    if (!label)
        label = "summary";
    long si = subject_index(ld, subject_id, err);
    if (si < 0)
        return PT_ENOMEM;
    if ((sex == 'm' || sex == 'f') && !ld->subj[si].sex)
        ld->subj[si].sex = sex;
    pt_error cerr = {0};
    int rc = check_span(ld, (size_t)si, pt_summary_recording(s), label, &cerr);
    if (rc == PT_ENOMEM)
        return pt_error_set(err, rc, "%s", cerr.msg);
    if (rc && !ld->conflict.code)
        ld->conflict = cerr;
    const pt_table *t = pt_summary_table_const(s, "daily");
    size_t n = pt_table_nrows(t);
    const double *date = pt_table_column(t, "date");
    if (!n || !date) {
        note(ld, "%s: no days in /daily", label);
        return PT_OK;
    }
    if (isnan(pt_summary_recording(s)->start_unix_s))
        note(ld, "%s: no start time, days count from the recording's start", label);
    const double *col[NIN];
    for (int k = 0; k < NIN; k++)
        col[k] = pt_table_column(t, in_names[k]);
    if (ld->nin + n > ld->capin) {
        size_t cap = ld->capin ? ld->capin : 256;
        while (cap < ld->nin + n)
            cap *= 2;
        inrow *p = realloc(ld->in, cap * sizeof *p);
        if (!p)
            return pt_error_set(err, PT_ENOMEM, "load model: out of memory for its daily tables");
        ld->in = p;
        ld->capin = cap;
    }
    for (size_t r = 0; r < n; r++) {
        if (isnan(date[r]))
            return pt_error_set(err, PT_EDATA, "%s: /daily row %zu has no date", label, r);
        inrow *ir = &ld->in[ld->nin++];
        ir->subj = (size_t)si;
        ir->day = (int64_t)floor(date[r] / DAY_S + 1e-9);
        for (int k = 0; k < NIN; k++)
            ir->v[k] = col[k] ? col[k][r] : (double)NAN;
    }
    return PT_OK;
}

static char sex_from_json(const char *json)
{
    const char *p = strstr(json, "\"sex\"");
    if (!p)
        return 0;
    p = strchr(p + 5, ':');
    if (!p)
        return 0;
    while (*++p == ' ')
        ;
    return (p[0] == '"' && (p[1] == 'm' || p[1] == 'f')) ? p[1] : 0;
}

int pt_load_add_file(pt_load *ld, const char *path, pt_error *err)
{
    pt_summary_meta meta;
    pt_summary *s = pt_summary_read_h5(path, &meta, err);
    if (!s)
        return err ? err->code : PT_EFORMAT;
    char key[65 + 64];
    snprintf(key, sizeof key, "%.64s|%.62s", meta.source_sha256, meta.subject_id);
    for (size_t i = 0; i < ld->nsha; i++)
        if (meta.source_sha256[0] && !strcmp(ld->sha[i], key)) {
            note(ld, "%s: same recording and subject as an earlier file, skipped", path);
            pt_summary_destroy(s);
            return PT_OK;
        }
    char(*sp)[65 + 64] = realloc(ld->sha, (ld->nsha + 1) * sizeof *sp);
    size_t plen = strlen(path);
    char *src = realloc(ld->sources, ld->sources_len + plen + 2);
    if (sp)
        ld->sha = sp;
    if (src)
        ld->sources = src;
    if (!sp || !src) {
        pt_summary_destroy(s);
        return pt_error_set(err, PT_ENOMEM, "load model: out of memory for its daily tables");
    }
    memcpy(ld->sha[ld->nsha++], key, sizeof key);
    memcpy(ld->sources + ld->sources_len, path, plen);
    ld->sources_len += plen;
    ld->sources[ld->sources_len++] = '\n';
    ld->sources[ld->sources_len] = '\0';
    int rc = pt_load_add_summary(ld, s, meta.subject_id, sex_from_json(meta.parameters), path, err);
    pt_summary_destroy(s);
    return rc;
}

static int cmp_inrow(const void *a, const void *b)
{
    const inrow *x = a, *y = b;
    if (x->subj != y->subj)
        return x->subj < y->subj ? -1 : 1;
    return (x->day > y->day) - (x->day < y->day);
}

static double nsum(double a, double b)
{
    return isnan(a) ? b : isnan(b) ? a : a + b;
}
static double nmax(double a, double b)
{
    return isnan(a) ? b : isnan(b) ? a : a > b ? a : b;
}

/* Merge row b into a (same subject and day, from two files). */
static void merge(inrow *a, const inrow *b)
{
    double h1 = a->v[I_HRR60], n1 = a->v[I_NREC], h2 = b->v[I_HRR60], n2 = b->v[I_NREC];
    for (int k = 0; k < NIN; k++)
        a->v[k] = k == I_EASY ? nmax(a->v[k], b->v[k]) : nsum(a->v[k], b->v[k]);
    double w1 = isnan(h1) || isnan(n1) ? 0 : n1, w2 = isnan(h2) || isnan(n2) ? 0 : n2;
    a->v[I_HRR60] =
        w1 + w2 > 0 ? ((w1 ? h1 * w1 : 0) + (w2 ? h2 * w2 : 0)) / (w1 + w2) : (double)NAN;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* One subject's days [n], already merged; fills the daily, weekly and subject rows. */
static int compute_subject(pt_load *ld, size_t si, int64_t first, size_t n, inrow **byday,
                           pt_error *err)
{
    const pt_load_config *c = &ld->cfg;
    int female = ld->subj[si].sex == 'f';
    double *buf = calloc(16 * n, sizeof *buf);
    if (!buf)
        return pt_error_set(err, PT_ENOMEM, "load model: out of memory for its daily tables");
    double *load = buf, *src = buf + n, *valid = buf + 2 * n, *accl = buf + 3 * n;
    double *ctl = buf + 4 * n, *atl = buf + 5 * n, *tsb = buf + 6 * n, *ea = buf + 7 * n;
    double *ec = buf + 8 * n, *acwr = buf + 9 * n, *mono = buf + 10 * n, *strain = buf + 11 * n;
    double *wl = buf + 12 * n, *met = buf + 13 * n, *strk_in = buf + 14 * n, *strk = buf + 15 * n;
    for (size_t d = 0; d < n; d++) {
        const inrow *r = byday[d];
        load[d] = accl[d] = met[d] = strk_in[d] = NAN;
        src[d] = 0;
        valid[d] = NAN;
        if (!r)
            continue;
        const double *v = r->v;
        valid[d] = !isnan(v[I_WEAR]) && v[I_WEAR] >= c->min_wear_h * 60 - 1e-9;
        if (!isnan(v[I_LIGHT]) && !isnan(v[I_MOD]) && !isnan(v[I_VIG]))
            accl[d] = pt_load_accel(
                v[I_LIGHT], v[I_MOD], v[I_VIG],
                c->metric == PT_LOAD_EDWARDS ? PT_LOAD_EDWARDS : PT_LOAD_BANISTER, female);
        double trimp = c->metric == PT_LOAD_BANISTER  ? v[I_BAN]
                       : c->metric == PT_LOAD_EDWARDS ? v[I_EDW]
                                                      : (double)NAN;
        double measured = NAN, msrc = 0;
        if (!isnan(trimp) && !isnan(v[I_HRMIN]) && !isnan(v[I_WEAR]) &&
            v[I_HRMIN] >= c->hr_cover * v[I_WEAR]) {
            measured = trimp;
            msrc = 1;
        } else if (!isnan(accl[d])) {
            measured = accl[d];
            msrc = 2;
        }
        if (valid[d] > 0 || c->missing == PT_MISSING_ZERO) {
            load[d] = measured;
            src[d] = msrc;
        }
        double w = v[I_WALK];
        if (!isnan(w))
            met[d] = w >= c->walk_target_minutes ? 1.0 : valid[d] > 0 ? 0.0 : (double)NAN;
        double mw = v[I_MODWALK];
        if (!isnan(mw) && (mw >= c->streak_min_minutes || valid[d] > 0))
            strk_in[d] = mw;
    }
    if (c->missing == PT_MISSING_ZERO)
        for (size_t d = 0; d < n; d++)
            if (isnan(load[d]))
                load[d] = 0;
    pt_pmc(load, n, c->ctl_days, c->atl_days, c->ctl0, c->atl0, c->sb_today, c->missing, ctl, atl,
           tsb);
    pt_acwr_ewma(load, n, c->acwr_acute_days, c->acwr_chronic_days, c->acwr_warmup_days, c->missing,
                 ea, ec, acwr);
    pt_foster(load, n, c->foster_days, c->foster_min_days, mono, strain, wl);
    pt_streak(strk_in, n, c->streak_min_minutes, strk);
    ltable *td = &ld->t[T_DAILY], *tw = &ld->t[T_WEEKLY], *ts = &ld->t[T_SUBJECTS];
    size_t cov_w = (size_t)llround(c->ctl_days);
    size_t nvalid = 0;
    double last_ctl = NAN, last_atl = NAN;
    for (size_t d = 0; d < n; d++) {
        long r = table_addrow(td);
        if (r < 0) {
            free(buf);
            return pt_error_set(err, PT_ENOMEM, "load model: out of memory for its daily tables");
        }
        const double *v = byday[d] ? byday[d]->v : NULL;
#define IN(k) (v ? v[k] : (double)NAN)
        size_t lo = d + 1 > cov_w ? d + 1 - cov_w : 0, have = 0;
        for (size_t j = lo; j <= d; j++)
            have += !isnan(load[j]) && src[j] > 0;
        nvalid += valid[d] > 0;
        if (!isnan(ctl[d])) {
            last_ctl = ctl[d];
            last_atl = atl[d];
        }
        tset(td, r, "subject_id", (double)si);
        tset(td, r, "date", (double)(first + (int64_t)d) * DAY_S);
        tset(td, r, "valid_day", valid[d]);
        tset(td, r, "wear_minutes", IN(I_WEAR));
        tset(td, r, "hr_minutes", IN(I_HRMIN));
        tset(td, r, "trimp_banister", IN(I_BAN));
        tset(td, r, "trimp_edwards", IN(I_EDW));
        tset(td, r, "accel_load", accl[d]);
        tset(td, r, "load", load[d]);
        tset(td, r, "load_source", src[d]);
        tset(td, r, "ctl", ctl[d]);
        tset(td, r, "atl", atl[d]);
        tset(td, r, "tsb", tsb[d]);
        tset(td, r, "ctl_coverage", (double)have / (double)(d - lo + 1));
        tset(td, r, "acwr_acute", ea[d]);
        tset(td, r, "acwr_chronic", ec[d]);
        tset(td, r, "acwr", acwr[d]);
        tset(td, r, "monotony", mono[d]);
        tset(td, r, "strain", strain[d]);
        tset(td, r, "week_load", wl[d]);
        tset(td, r, "minutes_light", IN(I_LIGHT));
        tset(td, r, "minutes_moderate", IN(I_MOD));
        tset(td, r, "minutes_vigorous", IN(I_VIG));
        tset(td, r, "steps", IN(I_STEPS));
        tset(td, r, "walking_minutes", IN(I_WALK));
        tset(td, r, "walk_target_met", met[d]);
        tset(td, r, "moderate_walking_minutes", IN(I_MODWALK));
        tset(td, r, "streak_days", strk[d]);
        tset(td, r, "longest_easy_minutes", IN(I_EASY));
        tset(td, r, "hrr60_bpm", IN(I_HRR60));
        tset(td, r, "n_recovery", IN(I_NREC));
    }
    /* ISO weeks: 1970-01-01 (day 0) was a Thursday, so Monday = day - (day + 3) mod 7. */
    int64_t w0 = first - (first + 3 - 7 * floordiv(first + 3, 7));
    int64_t last = first + (int64_t)n - 1;
    size_t nweeks = (size_t)((last - w0) / 7 + 1);
    double *wx = calloc(2 * nweeks, sizeof *wx);
    if (!wx) {
        free(buf);
        return pt_error_set(err, PT_ENOMEM, "load model: out of memory for its daily tables");
    }
    double *wy = wx + nweeks;
    double last_slope = NAN, last_nw = 0;
    for (size_t w = 0; w < nweeks; w++) {
        int64_t ws = w0 + 7 * (int64_t)w;
        double wload[7], ndays = 0, nval = 0, lsum = NAN, walk = NAN, tdays = 0, tknown = 0;
        double easy_best = NAN, hi = NAN, hsum = 0, hn = 0;
        int easy = 0;
        for (int k = 0; k < 7; k++) {
            int64_t dd = ws + k;
            wload[k] = NAN;
            if (dd < first || dd > last)
                continue;
            size_t d = (size_t)(dd - first);
            const double *v = byday[d] ? byday[d]->v : NULL;
            wload[k] = load[d];
            if (!v)
                continue;
            ndays++;
            nval += valid[d] > 0;
            lsum = nsum(lsum, load[d]);
            walk = nsum(walk, v[I_WALK]);
            if (!isnan(met[d])) {
                tknown++;
                tdays += met[d];
            }
            easy_best = nmax(easy_best, v[I_EASY]);
            easy |= v[I_EASY] >= c->easy_session_minutes;
            hi = nsum(hi, v[I_VIG]);
            if (!isnan(v[I_HRR60]) && v[I_NREC] > 0) {
                hsum += v[I_HRR60] * v[I_NREC];
                hn += v[I_NREC];
            }
        }
        /* Foster's weekly numbers over the calendar week's 7 days. */
        double m7[7], s7[7];
        pt_foster(wload, 7, 7, c->foster_min_days < 7 ? c->foster_min_days : 7, m7, s7, NULL);
        double wm = m7[6], ws_ = s7[6];
        wx[w] = (double)w;
        wy[w] = hn > 0 ? hsum / hn : (double)NAN;
        size_t lo = w + 1 > c->trend_max_weeks ? w + 1 - c->trend_max_weeks : 0;
        double slope = pt_slope(wx + lo, wy + lo, w - lo + 1, c->trend_min_weeks);
        size_t nw = 0;
        for (size_t j = lo; j <= w; j++)
            nw += !isnan(wy[j]);
        last_slope = slope;
        last_nw = (double)nw;
        long r = table_addrow(tw);
        if (r < 0) {
            free(wx);
            free(buf);
            return pt_error_set(err, PT_ENOMEM, "load model: out of memory for its daily tables");
        }
        tset(tw, r, "subject_id", (double)si);
        tset(tw, r, "week_start", (double)ws * DAY_S);
        tset(tw, r, "n_days", ndays);
        tset(tw, r, "n_valid_days", nval);
        tset(tw, r, "load", lsum);
        tset(tw, r, "monotony", wm);
        tset(tw, r, "strain", ws_);
        tset(tw, r, "walking_minutes", walk);
        tset(tw, r, "walk_target_days", ndays > 0 ? tdays : (double)NAN);
        tset(tw, r, "walk_target_pct", tknown > 0 ? 100.0 * tdays / tknown : (double)NAN);
        tset(tw, r, "easy_session", easy ? 1.0 : nval >= 7 ? 0.0 : (double)NAN);
        tset(tw, r, "longest_easy_minutes", easy_best);
        tset(tw, r, "high_intensity_minutes", hi);
        tset(tw, r, "hrr60_bpm", wy[w]);
        tset(tw, r, "n_recovery", ndays > 0 ? hn : (double)NAN);
        tset(tw, r, "hrr60_slope_bpm_per_week", slope);
    }
    free(wx);
    long r = table_addrow(ts);
    if (r < 0) {
        free(buf);
        return pt_error_set(err, PT_ENOMEM, "load model: out of memory for its daily tables");
    }
    tset(ts, r, "subject_id", (double)si);
    tset(ts, r, "sex", (double)(unsigned char)ld->subj[si].sex);
    tset(ts, r, "first_date", (double)first * DAY_S);
    tset(ts, r, "last_date", (double)last * DAY_S);
    tset(ts, r, "n_days", (double)n);
    tset(ts, r, "n_valid_days", (double)nvalid);
    tset(ts, r, "ctl", last_ctl);
    tset(ts, r, "atl", last_atl);
    tset(ts, r, "tsb", last_ctl - last_atl);
    tset(ts, r, "hrr60_slope_bpm_per_week", last_slope);
    tset(ts, r, "hrr60_trend_weeks", last_nw);
#undef IN
    free(buf);
    return PT_OK;
}

int pt_load_compute(pt_load *ld, pt_error *err)
{
    for (int i = 0; i < NT; i++)
        table_clear(&ld->t[i]);
    if (ld->conflict.code)
        return pt_error_set(err, ld->conflict.code, "%s", ld->conflict.msg);
    if (!ld->nin)
        return pt_error_set(err, PT_EDATA, "load: no days to model (no /daily rows in the input)");
    qsort(ld->in, ld->nin, sizeof *ld->in, cmp_inrow);
    size_t m = 0; /* merge rows of the same subject and day */
    for (size_t i = 0; i < ld->nin; i++) {
        if (m && ld->in[m - 1].subj == ld->in[i].subj && ld->in[m - 1].day == ld->in[i].day)
            merge(&ld->in[m - 1], &ld->in[i]);
        else
            ld->in[m++] = ld->in[i];
    }
    ld->nin = m;
    int rc = PT_OK;
    for (size_t a = 0; a < m && !rc;) {
        size_t b = a;
        while (b < m && ld->in[b].subj == ld->in[a].subj)
            b++;
        int64_t first = ld->in[a].day, last = ld->in[b - 1].day;
        if (last - first > 366 * 50) {
            rc = pt_error_set(err, PT_EDATA, "subject %s: days span %lld days",
                              ld->subj[ld->in[a].subj].id, (long long)(last - first));
            break;
        }
        size_t n = (size_t)(last - first + 1);
        inrow **byday = calloc(n, sizeof *byday);
        if (!byday)
            return pt_error_set(err, PT_ENOMEM, "load model: out of memory for its daily tables");
        for (size_t i = a; i < b; i++)
            byday[ld->in[i].day - first] = &ld->in[i];
        rc = compute_subject(ld, ld->in[a].subj, first, n, byday, err);
        free(byday);
        a = b;
    }
    return rc;
}

static const ltable *table_by_name(const pt_load *ld, const char *name)
{
    for (int i = 0; ld && i < NT; i++)
        if (!strcmp(ld->t[i].name, name))
            return &ld->t[i];
    return NULL;
}

size_t pt_load_nrows(const pt_load *ld, const char *table)
{
    const ltable *t = table_by_name(ld, table);
    return t ? t->nrows : 0;
}

const double *pt_load_column(const pt_load *ld, const char *table, const char *column)
{
    const ltable *t = table_by_name(ld, table);
    int c = t ? table_colindex(t, column) : -1;
    return c >= 0 ? t->col[c] : NULL;
}

size_t pt_load_ncols(const pt_load *ld, const char *table)
{
    const ltable *t = table_by_name(ld, table);
    return t ? t->ncols : 0;
}

const char *pt_load_colname(const pt_load *ld, const char *table, size_t col)
{
    const ltable *t = table_by_name(ld, table);
    return t && col < t->ncols ? t->def[col].name : NULL;
}

const char *pt_load_colunits(const pt_load *ld, const char *table, size_t col)
{
    const ltable *t = table_by_name(ld, table);
    return t && col < t->ncols ? t->def[col].units : NULL;
}

size_t pt_load_nsubjects(const pt_load *ld)
{
    return ld ? ld->nsubj : 0;
}
const char *pt_load_subject(const pt_load *ld, size_t i)
{
    return i < ld->nsubj ? ld->subj[i].id : NULL;
}
const char *pt_load_notes(const pt_load *ld)
{
    return ld->notes;
}

static void fmt_date(double v, char *out, size_t len)
{
    if (isnan(v)) {
        snprintf(out, len, "%s", "");
        return;
    }
    time_t tt = (time_t)v;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(out, len, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
             tm.tm_mday % 100);
}

static size_t config_json(const pt_load_config *c, char *buf, size_t len)
{
    static const char *const metric[] = {"banister", "edwards", "accel"};
    return (size_t)snprintf(
        buf, len,
        "{\"metric\": \"%s\", \"hr_cover\": %g, \"ctl_days\": %g, \"atl_days\": %g, "
        "\"ctl0\": %g, \"atl0\": %g, \"sb_today\": %d, \"acwr_acute_days\": %g, "
        "\"acwr_chronic_days\": %g, \"acwr_warmup_days\": %zu, \"foster_days\": %zu, "
        "\"foster_min_days\": %zu, \"missing\": \"%s\", \"min_wear_h\": %g, "
        "\"streak_min_minutes\": %g, \"walk_target_minutes\": %g, \"easy_session_minutes\": %g, "
        "\"trend_min_weeks\": %zu, \"trend_max_weeks\": %zu}",
        metric[c->metric], c->hr_cover, c->ctl_days, c->atl_days, c->ctl0, c->atl0, c->sb_today,
        c->acwr_acute_days, c->acwr_chronic_days, c->acwr_warmup_days, c->foster_days,
        c->foster_min_days, c->missing == PT_MISSING_ZERO ? "zero" : "skip", c->min_wear_h,
        c->streak_min_minutes, c->walk_target_minutes, c->easy_session_minutes, c->trend_min_weeks,
        c->trend_max_weeks);
}

/* ---- HDF5, through io/h5table (the one columnar writer) ---- */

static int write_ltable(const pt_load *ld, pt_h5w *w, const ltable *t)
{
    char gname[32];
    snprintf(gname, sizeof gname, "/%s", t->name);
    hid_t g = pt_h5w_group(w, gname);
    if (g < 0)
        return w->rc;
    size_t n = t->nrows;
    int rc = PT_OK;
    char *sbuf = malloc((n ? n : 1) * 16);
    const char **ptr = malloc((n ? n : 1) * sizeof *ptr);
    signed char *u8 = malloc(n ? n : 1);
    if (!sbuf || !ptr || !u8)
        rc = pt_error_set(w->err, PT_ENOMEM, "%s: out of memory for table %s", w->path, gname);
    for (size_t c = 0; c < t->ncols && !rc; c++) {
        const cdef *def = &t->def[c];
        const double *v = t->col[c];
        pt_h5col col = {def->name, def->units, def->desc, PT_H5_STR, ptr, NULL, 0};
        switch (def->type) {
        case C_F64:
            col.type = PT_H5_F64;
            col.data = v;
            break;
        case C_U8:
            for (size_t i = 0; i < n; i++)
                u8[i] = isnan(v[i]) ? -1 : (signed char)v[i];
            col.type = PT_H5_I8;
            col.data = u8;
            break;
        case C_DATE:
            for (size_t i = 0; i < n; i++) {
                fmt_date(v[i], sbuf + 16 * i, 16);
                ptr[i] = sbuf + 16 * i;
            }
            break;
        case C_SUBJECT:
            for (size_t i = 0; i < n; i++)
                ptr[i] = ld->subj[(size_t)v[i]].id;
            break;
        case C_SEX:
            for (size_t i = 0; i < n; i++) {
                sbuf[16 * i] = v[i] > 0 ? (char)v[i] : '\0';
                sbuf[16 * i + 1] = '\0';
                ptr[i] = sbuf + 16 * i;
            }
            break;
        }
        rc = pt_h5w_column(w, g, &col, n, NULL, NULL);
    }
    free(sbuf);
    free(ptr);
    free(u8);
    H5Gclose(g);
    return rc;
}

int pt_load_write_h5(const pt_load *ld, const char *path, pt_error *err)
{
    char json[1024];
    config_json(&ld->cfg, json, sizeof json);
    size_t bytes = 0;
    for (int i = 0; i < NT; i++)
        bytes += ld->t[i].nrows * ld->t[i].ncols * sizeof(double);
    pt_h5w w;
    int rc = pt_h5w_create(&w, path, bytes, err);
    if (rc)
        return rc;
    hid_t root = H5Gopen2(w.file, "/", H5P_DEFAULT);
    int ver = 1;
    if (root < 0)
        rc = pt_h5w_fail(&w, "open", "/");
    if (!rc)
        rc = pt_h5w_attr_num(&w, root, "load_schema_version", H5T_NATIVE_INT, H5T_NATIVE_INT, &ver);
    if (!rc)
        rc = pt_h5w_attr_str(&w, root, "kind", "load");
    if (!rc)
        rc = pt_h5w_attr_str(&w, root, "pulsetrain_version", pt_version());
    if (!rc)
        rc = pt_h5w_attr_str(&w, root, "parameters", json);
    if (!rc)
        rc = pt_h5w_attr_str(&w, root, "sources", ld->sources ? ld->sources : "");
    if (!rc)
        rc = pt_h5w_attr_str(&w, root, "notes", ld->notes);
    if (root >= 0)
        H5Gclose(root);
    for (int i = 0; i < NT && !rc; i++)
        rc = write_ltable(ld, &w, &ld->t[i]);
    return pt_h5w_commit(&w, rc);
}

int pt_load_write_csv(const pt_load *ld, const char *path, pt_error *err)
{
    char tmp[1100];
    FILE *f = pt_tmp_fopen(path, tmp, sizeof tmp, err);
    if (!f)
        return err ? err->code : PT_EIO;
    const ltable *t = &ld->t[T_DAILY];
    for (size_t c = 0; c < t->ncols; c++)
        fprintf(f, "%s%s", c ? "," : "", t->def[c].name);
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            double v = t->col[c][r];
            char d[16];
            if (c)
                fputc(',', f);
            if (t->def[c].type == C_SUBJECT)
                fprintf(f, "%s", ld->subj[(size_t)v].id);
            else if (t->def[c].type == C_DATE) {
                fmt_date(v, d, sizeof d);
                fputs(d, f);
            } else if (!isnan(v))
                fprintf(f, "%.10g", v);
        }
        fputc('\n', f);
    }
    return pt_tmp_fclose(f, PT_OK, tmp, path, err);
}

/* ---- reading a LOAD.h5 back ---- */

static int read_ltable(pt_load *ld, hid_t file, ltable *t, const char *path, pt_error *err)
{
    char gname[32];
    snprintf(gname, sizeof gname, "/%s", t->name);
    if (H5Lexists(file, gname, H5P_DEFAULT) <= 0)
        return pt_error_set(err, PT_EFORMAT, "%s: no %s table", path, gname);
    hid_t g = H5Gopen2(file, gname, H5P_DEFAULT);
    int rc = PT_OK;
    size_t nrows = 0;
    int have_rows = 0;
    for (size_t c = 0; c < t->ncols && !rc; c++) {
        const cdef *def = &t->def[c];
        if (H5Lexists(g, def->name, H5P_DEFAULT) <= 0)
            continue; /* columns added later read as NaN */
        int strings = !(def->type == C_F64 || def->type == C_U8);
        size_t n = 0;
        double *v = strings ? NULL : pt_h5r_column(g, def->name, &n);
        char **str = strings ? pt_h5r_strings(g, def->name, &n) : NULL;
        if (!v && !str)
            rc = pt_error_set(err, PT_EFORMAT, "%s: cannot read %s/%s (not a 1-D %s column)", path,
                              gname, def->name, strings ? "string" : "numeric");
        else if (have_rows && n != nrows)
            rc = pt_error_set(err, PT_EFORMAT, "%s: %s/%s has %zu rows, the table %zu", path, gname,
                              def->name, n, nrows);
        else {
            nrows = n;
            have_rows = 1;
            while (t->nrows < nrows && table_addrow(t) >= 0)
                ;
            if (t->nrows < nrows)
                rc = pt_error_set(err, PT_ENOMEM, "%s: out of memory for table %s", path, gname);
        }
        for (size_t i = 0; !rc && v && i < nrows; i++)
            t->col[c][i] = def->type == C_U8 && v[i] < 0 ? (double)NAN : v[i];
        for (size_t i = 0; !rc && str && i < nrows; i++) {
            const char *sv = str[i];
            int y, m, dd;
            if (def->type == C_DATE)
                t->col[c][i] = sscanf(sv, "%d-%d-%d", &y, &m, &dd) == 3
                                   ? (double)pt_days_from_civil(y, m, dd) * DAY_S
                                   : (double)NAN;
            else if (def->type == C_SEX)
                t->col[c][i] = (double)(unsigned char)sv[0];
            else {
                long si = subject_index(ld, sv, err);
                if (si < 0)
                    rc = PT_ENOMEM;
                else
                    t->col[c][i] = (double)si;
            }
        }
        free(v);
        pt_h5r_strings_free(str, n);
    }
    H5Gclose(g);
    return rc;
}

static double json_number(const char *json, const char *key, double dflt)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p)
        return dflt;
    char *end;
    double v = strtod(p + strlen(pat), &end);
    return end == p + strlen(pat) ? dflt : v;
}

/* The numeric settings written by config_json (a missing key keeps the default). */
static void config_from_json(pt_load_config *c, const char *json)
{
    c->ctl_days = json_number(json, "ctl_days", c->ctl_days);
    c->atl_days = json_number(json, "atl_days", c->atl_days);
    c->sb_today = (int)json_number(json, "sb_today", c->sb_today);
    c->acwr_acute_days = json_number(json, "acwr_acute_days", c->acwr_acute_days);
    c->acwr_chronic_days = json_number(json, "acwr_chronic_days", c->acwr_chronic_days);
    c->min_wear_h = json_number(json, "min_wear_h", c->min_wear_h);
    c->streak_min_minutes = json_number(json, "streak_min_minutes", c->streak_min_minutes);
    c->walk_target_minutes = json_number(json, "walk_target_minutes", c->walk_target_minutes);
    c->easy_session_minutes = json_number(json, "easy_session_minutes", c->easy_session_minutes);
    c->missing = strstr(json, "\"missing\": \"zero\"") ? PT_MISSING_ZERO : PT_MISSING_SKIP;
    c->metric = strstr(json, "\"metric\": \"edwards\"") ? PT_LOAD_EDWARDS
                : strstr(json, "\"metric\": \"accel\"") ? PT_LOAD_ACCEL
                                                        : PT_LOAD_BANISTER;
}

const pt_load_config *pt_load_settings(const pt_load *ld)
{
    return &ld->cfg;
}

pt_load *pt_load_read_h5(const char *path, pt_error *err)
{
    if (!pt_is_hdf5(path)) {
        pt_error_set(err, PT_EFORMAT, "%s: not an HDF5 file", path);
        return NULL;
    }
    pt_load *ld = pt_load_create(NULL, err);
    if (!ld)
        return NULL;
    pt_io_lock();
    pt_h5_quiet_state q;
    pt_h5_quiet(&q);
    hid_t f = pt_h5r_open(path, err);
    int rc = PT_OK;
    if (f < 0)
        rc = err ? err->code : PT_EFORMAT;
    else {
        hid_t root = H5Gopen2(f, "/", H5P_DEFAULT);
        char kind[16], *json = malloc(4096);
        int is_load =
            pt_h5r_attr_str(root, "kind", kind, sizeof kind) == 0 && !strcmp(kind, "load");
        if (is_load && json && pt_h5r_attr_str(root, "parameters", json, 4096) == 0)
            config_from_json(&ld->cfg, json); /* the settings used */
        free(json);
        H5Gclose(root);
        if (!is_load)
            rc = pt_error_set(err, PT_EFORMAT, "%s: not a pulsetrain load file (kind != load)",
                              path);
        for (int i = 0; i < NT && !rc; i++)
            rc = read_ltable(ld, f, &ld->t[i], path, err);
        H5Fclose(f);
    }
    pt_h5_loud(&q);
    pt_io_unlock();
    if (rc) {
        pt_load_destroy(ld);
        return NULL;
    }
    return ld;
}

/* What kind of pulsetrain HDF5 file path is: 's' summary, 'l' load file, 'b' batch index,
 * 0 anything else (or unreadable). */
static int h5_kind(const char *path)
{
    if (!pt_is_hdf5(path))
        return 0;
    pt_io_lock();
    pt_h5_quiet_state q;
    pt_h5_quiet(&q);
    int k = 0;
    hid_t f = pt_h5r_open(path, NULL);
    if (f >= 0) {
        char kind[64];
        if (pt_h5r_attr_str(f, "kind", kind, sizeof kind) == 0)
            k = !strcmp(kind, "load") ? 'l' : strstr(kind, "batch") ? 'b' : 0;
        else if (H5Aexists(f, "load_schema_version") > 0)
            k = 'l';
        else if (H5Aexists(f, "schema_version") > 0)
            k = 's';
        H5Fclose(f);
    }
    pt_h5_loud(&q);
    pt_io_unlock();
    return k;
}

/* The summaries a batch index lists as ok or skipped. */
static int add_batch_index(pt_load *ld, const char *path, size_t *n_added, pt_error *err)
{
    pt_io_lock();
    pt_h5_quiet_state q;
    pt_h5_quiet(&q);
    hid_t f = pt_h5r_open(path, err);
    size_t ns = 0, nt = 0;
    char **sum = NULL, **st = NULL;
    if (f >= 0) {
        hid_t g = H5Lexists(f, "/recordings", H5P_DEFAULT) > 0
                      ? H5Gopen2(f, "/recordings", H5P_DEFAULT)
                      : -1;
        if (g >= 0) {
            sum = pt_h5r_strings(g, "summary", &ns);
            st = pt_h5r_strings(g, "status", &nt);
            H5Gclose(g);
        }
        H5Fclose(f);
    }
    pt_h5_loud(&q);
    pt_io_unlock();
    if (f < 0)
        return err ? err->code : PT_EFORMAT;
    int rc = PT_OK;
    if (!sum || !st || ns != nt)
        rc = pt_error_set(err, PT_EFORMAT,
                          "%s: damaged batch index: /recordings/summary and "
                          "/recordings/status missing or of unequal length",
                          path);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = '\0';
    else
        dir[0] = '\0';
    for (size_t i = 0; !rc && i < ns; i++) {
        if (!sum[i] || !sum[i][0] || !st[i] || !strcmp(st[i], "failed"))
            continue;
        char p[2100];
        if (sum[i][0] == '/' || access(sum[i], F_OK) == 0)
            snprintf(p, sizeof p, "%s", sum[i]);
        else
            snprintf(p, sizeof p, "%s%s", dir, sum[i]);
        rc = pt_load_add_file(ld, p, err);
        if (!rc && n_added)
            (*n_added)++;
    }
    pt_h5r_strings_free(sum, ns);
    pt_h5r_strings_free(st, nt);
    return rc;
}

int pt_load_add_path(pt_load *ld, const char *path, size_t *n_added, pt_error *err)
{
    struct stat stt;
    if (!path || stat(path, &stt) != 0)
        return pt_error_set(err, PT_EDATA, "%s: %s", path ? path : "(null)", strerror(errno));
    if (!S_ISDIR(stt.st_mode)) {
        if (h5_kind(path) == 'b')
            return add_batch_index(ld, path, n_added, err);
        int rc = pt_load_add_file(ld, path, err);
        if (!rc && n_added)
            (*n_added)++;
        return rc;
    }
    char **names;
    size_t n;
    int rc = pt_dir_names(path, &names, &n, err);
    char *file = NULL;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t l = strlen(names[i]);
        if (l < 4 || strcmp(names[i] + l - 3, ".h5"))
            continue;
        free(file);
        if (!(file = malloc(strlen(path) + l + 2))) {
            rc = pt_error_set(err, PT_ENOMEM, "load: out of memory listing %s", path);
            break;
        }
        sprintf(file, "%s/%s", path, names[i]);
        if (h5_kind(file) != 's')
            continue; /* batch index, load file, another program's HDF5 */
        rc = pt_load_add_file(ld, file, err);
        if (!rc && n_added)
            (*n_added)++;
    }
    free(file);
    pt_dir_names_free(names, n);
    if (!rc && n_added && *n_added == 0)
        rc = pt_error_set(err, PT_EDATA, "%s: no pulsetrain summaries in this folder", path);
    return rc;
}
