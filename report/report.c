/* SPDX-License-Identifier: GPL-2.0-or-later
 * report.c — self-contained SVG reports (no external fonts, images or scripts):
 *   - a recording's summary: heart rate, an activity strip (class per bin), ENMO and
 *     non-wear bands over a clock/date axis, ends of exercise marked, and the recovery
 *     curves (from the heart-rate source the recoveries used) with their
 *     mono-exponential fits (HR = L + A e^{-t/tau}: tau from /recovery, L and A
 *     by least squares on the plotted heart rate, as recovery.c fits them);
 *   - a load file: daily load bars with CTL/ATL/TSB (GoldenCheetah's PMC
 *     layout), walking minutes against the target with the streak, and weekly
 *     adherence (target days, the longer easy session, high-intensity minutes).
 * Files are written to a temporary name and renamed into place. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/atomic.h"
#include "pulsetrain/report.h"
#include "pulsetrain/tz.h"

#define FONT "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\""

static const char *const class_colour[PT_NCLASS] = {"#b0b0b0", "#6c8ebf", "#5aae61", "#f39c12",
                                                    "#d7301f"};
static const char *const rec_colour[] = {"#1b9e77", "#7570b3", "#e7298a", "#66a61e",
                                         "#e6ab02", "#a6761d", "#1f78b4", "#666666"};

typedef struct panel {
    double x0, y0, w, h; /* plot area [px] */
    double xmin, xmax, ymin, ymax;
} panel;

static double px(const panel *p, double x)
{
    return p->x0 + (x - p->xmin) / (p->xmax - p->xmin) * p->w;
}
static double py(const panel *p, double y)
{
    return p->y0 + p->h - (y - p->ymin) / (p->ymax - p->ymin) * p->h;
}

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t')
                fputc(*s, f);
        }
    }
}

static void text(FILE *f, double x, double y, const char *anchor, double size, const char *fill,
                 const char *s)
{
    fprintf(f,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%.1f\" fill=\"%s\" " FONT
            ">",
            x, y, anchor, size, fill);
    esc(f, s);
    fputs("</text>\n", f);
}

static double nice_step(double range, int target)
{
    double raw = range / target;
    if (!(raw > 0 && isfinite(raw))) /* an empty axis (one row at t = 0): a step of 1, not 0 */
        return 1;
    double mag = pow(10, floor(log10(raw))), r = raw / mag;
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

/* Frame, grid and y ticks with a label; x ticks are drawn by the caller. */
static void yaxis(FILE *f, const panel *p, const char *label, int right)
{
    double step = nice_step(p->ymax - p->ymin, 5);
    for (double v = ceil(p->ymin / step) * step; v <= p->ymax + 1e-9 * step; v += step) {
        double y = py(p, v);
        char buf[32];
        snprintf(buf, sizeof buf, "%g", fabs(v) < 1e-9 * step ? 0.0 : v);
        if (!right)
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n",
                    p->x0, y, p->x0 + p->w, y);
        text(f, right ? p->x0 + p->w + 6 : p->x0 - 6, y + 4, right ? "start" : "end", 11, "#333",
             buf);
    }
    double xl = right ? p->x0 + p->w + 44 : p->x0 - 44, yl = p->y0 + p->h / 2;
    fprintf(f,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" fill=\"#333\" "
            "transform=\"rotate(-90 %.1f %.1f)\" " FONT ">",
            xl, yl, xl, yl);
    esc(f, label);
    fputs("</text>\n", f);
}

static void frame(FILE *f, const panel *p)
{
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "stroke=\"#555\"/>\n",
            p->x0, p->y0, p->w, p->h);
}

static void xtick(FILE *f, const panel *p, double x, const char *label)
{
    double X = px(p, x);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", X,
            p->y0, X, p->y0 + p->h);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>\n", X,
            p->y0 + p->h, X, p->y0 + p->h + 4);
    text(f, X, p->y0 + p->h + 16, "middle", 11, "#333", label);
}

static void legend_item(FILE *f, double x, double y, const char *colour, int line, const char *s)
{
    if (line == 1)
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"2.5\"/>\n",
                x, y - 4, x + 18, y - 4, colour);
    else if (line == 2)
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"2\" "
                "stroke-dasharray=\"5,3\"/>\n",
                x, y - 4, x + 18, y - 4, colour);
    else
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"%s\"/>\n", x,
                y - 10, colour);
    text(f, x + 23, y, "start", 11, "#222", s);
}

/* Polyline of (x[i], y[i]); NaN breaks the line. */
static void series(FILE *f, const panel *p, const double *x, const double *y, size_t n,
                   const char *colour, double width, const char *dash)
{
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            if (open)
                fputs("\"/>\n", f);
            open = 0;
            continue;
        }
        if (!open)
            fprintf(f,
                    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s points=\"",
                    colour, width, dash ? " stroke-dasharray=\"" : "", dash ? dash : "",
                    dash ? "\"" : "");
        fprintf(f, "%.1f,%.1f ", px(p, x[i]), py(p, y[i]));
        open = 1;
    }
    if (open)
        fputs("\"/>\n", f);
}

static void head(FILE *f, double w, double h, const char *title)
{
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\">\n<title>",
            w, h, w, h);
    esc(f, title);
    fprintf(f, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
}

/* ---- dates and times ---- */

static const char *const month_abbr[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const wday_abbr[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

/* Broken-down time of a (local) Unix time, without the C library's zone. */
static struct tm civil(double unix_s)
{
    time_t t = (time_t)floor(unix_s);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    gmtime_r(&t, &tm);
    return tm;
}

/* "Mar 02" (month names in English, whatever the locale). */
static void fmt_mday(double unix_s, char *buf, size_t len)
{
    struct tm tm = civil(unix_s);
    snprintf(buf, len, "%s %02d", month_abbr[tm.tm_mon % 12], tm.tm_mday);
}

static void fmt_day(double unix_s, char *buf, size_t len, const char *fmt)
{
    struct tm tm = civil(unix_s);
    strftime(buf, len, fmt, &tm);
}

/* A time axis: grid lines, and labels of one or two lines (a label of a day sits in the middle
 * of the day's visible part). Positions in seconds since the recording's start. */
#define MAXTICK 96
typedef struct ticks {
    size_t ng, nl;
    double grid[MAXTICK], lx[MAXTICK];
    char l1[MAXTICK][24], l2[MAXTICK][24];
    char title[120];
} ticks;

static void add_grid(ticks *k, double t)
{
    if (k->ng < MAXTICK)
        k->grid[k->ng++] = t;
}

static void add_label(ticks *k, double t, const char *a, const char *b)
{
    if (k->nl >= MAXTICK)
        return;
    k->lx[k->nl] = t;
    snprintf(k->l1[k->nl], sizeof k->l1[0], "%s", a);
    snprintf(k->l2[k->nl], sizeof k->l2[0], "%s", b ? b : "");
    k->nl++;
}

/* Ticks for [0, tend] s. start_unix NaN: time since the start; else local clock time
 * (start_unix + off_s) named tzname. width_px: the axis length, to keep labels apart. */
static void make_ticks(ticks *k, double tend, double start_unix, double off_s, const char *tzname,
                       double width_px)
{
    memset(k, 0, sizeof *k);
    char a[24], b[24];
    double day = 86400;
    if (!(tend >= 1)) /* an empty or sub-second axis (a damaged summary: 1e-300 s) is 1 s */
        tend = 1;
    if (!isfinite(start_unix)) {
        if (tend <= 300) {
            double step = nice_step(tend, 10);
            for (double t = 0; t <= tend + 1e-6; t += step) {
                snprintf(a, sizeof a, "%g", t);
                add_grid(k, t);
                add_label(k, t, a, NULL);
            }
            snprintf(k->title, sizeof k->title, "time since start [s] (no start time in the file)");
        } else if (tend <= 2 * 3600) {
            double step = nice_step(tend / 60, 10) * 60;
            for (double t = 0; t <= tend + 1e-6; t += step) {
                snprintf(a, sizeof a, "%g", t / 60);
                add_grid(k, t);
                add_label(k, t, a, NULL);
            }
            snprintf(k->title, sizeof k->title,
                     "time since start [min] (no start time in the file)");
        } else if (tend <= 3 * day) {
            static const double hs[] = {1, 2, 3, 6, 12};
            double step = 12;
            for (size_t i = 0; i < 5; i++)
                if (tend / 3600 / hs[i] <= 12) {
                    step = hs[i];
                    break;
                }
            for (double t = 0; t <= tend + 1e-6; t += step * 3600) {
                snprintf(a, sizeof a, "%g", t / 3600);
                add_grid(k, t);
                add_label(k, t, a, NULL);
            }
            snprintf(k->title, sizeof k->title, "time since start [h] (no start time in the file)");
        } else {
            double dstep = tend > 45 * day ? 7 : 1;
            for (double t = 0; t <= tend + 1e-6; t += dstep * day)
                add_grid(k, t);
            for (double t = 0; t < tend; t += dstep * day) {
                snprintf(a, sizeof a, "day %.0f", t / day + 1);
                double e = fmin(t + dstep * day, tend);
                if (dstep == 1 && (e - t) / tend * width_px >= 40)
                    add_label(k, (t + e) / 2, a, NULL);
                else if (dstep > 1)
                    add_label(k, t, a, NULL);
            }
            snprintf(k->title, sizeof k->title, "days since start (no start time in the file)");
        }
        return;
    }
    double L0 = start_unix + off_s, L1 = L0 + tend; /* local clock time as Unix seconds */
    if (tend <= 1.5 * day) {
        static const double st[] = {10,  15,   30,   60,   120,   300,   600,
                                    900, 1800, 3600, 7200, 10800, 21600, 43200};
        double step = 43200;
        for (size_t i = 0; i < sizeof st / sizeof *st; i++)
            if (tend / st[i] <= 12 && tend / st[i] * (st[i] < 60 ? 70 : 55) <= width_px) {
                step = st[i];
                break;
            }
        int first = 1;
        for (double L = ceil(L0 / step) * step; L <= L1 + 1e-6; L += step) {
            struct tm tm = civil(L);
            if (step < 60)
                snprintf(a, sizeof a, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
            else
                snprintf(a, sizeof a, "%02d:%02d", tm.tm_hour, tm.tm_min);
            b[0] = '\0';
            if (first || (tm.tm_hour == 0 && tm.tm_min == 0))
                snprintf(b, sizeof b, "%s %s %02d", wday_abbr[tm.tm_wday % 7],
                         month_abbr[tm.tm_mon % 12], tm.tm_mday);
            first = 0;
            add_grid(k, L - L0);
            add_label(k, L - L0, a, b);
        }
        snprintf(k->title, sizeof k->title, "time of day (%s)", tzname);
        return;
    }
    double days = tend / day;
    if (days <= 10) { /* a grid line each midnight, the date in the middle of each day */
        for (double D = floor(L0 / day) * day; D < L1; D += day) {
            if (D > L0)
                add_grid(k, D - L0);
            double s = fmax(D, L0), e = fmin(D + day, L1);
            if ((e - s) / tend * width_px < 48)
                continue;
            struct tm tm = civil(D);
            snprintf(a, sizeof a, "%s", wday_abbr[tm.tm_wday % 7]);
            snprintf(b, sizeof b, "%s %02d", month_abbr[tm.tm_mon % 12], tm.tm_mday);
            add_label(k, (s + e) / 2 - L0, b, a);
        }
        snprintf(k->title, sizeof k->title, "date (local time, %s; lines at midnight)", tzname);
        return;
    }
    /* weeks: a line each Monday (every day up to 6 weeks), labelled with its date */
    for (double D = ceil(L0 / day) * day; D <= L1; D += day) {
        int wd = civil(D).tm_wday;
        if (wd == 1 || days <= 42)
            add_grid(k, D - L0);
        int every = days > 120 ? 4 : days > 60 ? 2 : 1;
        if (wd == 1 && ((long)floor((D - L0) / (7 * day)) % every) == 0) {
            fmt_mday(D, a, sizeof a);
            add_label(k, D - L0, a, NULL);
        }
    }
    snprintf(k->title, sizeof k->title, "date (local time, %s; labels on Mondays)", tzname);
}

static void draw_grid(FILE *f, const panel *p, const ticks *k)
{
    for (size_t i = 0; i < k->ng; i++) {
        double X = px(p, k->grid[i]);
        if (X < p->x0 - 0.5 || X > p->x0 + p->w + 0.5)
            continue;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n",
                X, p->y0, X, p->y0 + p->h);
    }
}

/* Labels under panel p; returns the y below them. */
static double draw_tick_labels(FILE *f, const panel *p, const ticks *k)
{
    int two = 0;
    for (size_t i = 0; i < k->nl; i++) {
        double X = px(p, k->lx[i]);
        if (X < p->x0 - 1 || X > p->x0 + p->w + 1)
            continue;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>\n", X,
                p->y0 + p->h, X, p->y0 + p->h + 4);
        text(f, X, p->y0 + p->h + 16, "middle", 11, "#333", k->l1[i]);
        if (k->l2[i][0]) {
            text(f, X, p->y0 + p->h + 29, "middle", 10, "#555", k->l2[i]);
            two = 1;
        }
    }
    double y = p->y0 + p->h + (two ? 47 : 34);
    text(f, p->x0 + p->w / 2, y, "middle", 12, "#333", k->title);
    return y;
}

/* "%.*f" of v with its unit, or "n/a" and a reason. */
static void fmt_val(char *buf, size_t len, double v, int prec, const char *unit, const char *why)
{
    if (isfinite(v))
        snprintf(buf, len, "%.*f%s%s", prec, v, unit[0] ? " " : "", unit);
    else
        snprintf(buf, len, "n/a%s%s%s", why ? " (" : "", why ? why : "", why ? ")" : "");
}

/* The value of "key": "..." in the run's parameters (JSON written by pt_params_json). */
static void json_str(const char *json, const char *key, char *out, size_t len)
{
    out[0] = '\0';
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    const char *p = json ? strstr(json, pat) : NULL;
    if (!p)
        return;
    p += strlen(pat);
    size_t i = 0;
    while (p[i] && p[i] != '"' && i + 1 < len) {
        out[i] = p[i];
        i++;
    }
    out[i] = '\0';
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- a recording ---- */

/* Where the heart rate came from, in words. */
static const char *source_words(const char *src)
{
    if (!src || !strcmp(src, "ppg"))
        return "PPG, reliable windows";
    if (!strcmp(src, "device"))
        return "the device's HR channel (chest strap or watch)";
    if (!strcmp(src, "ibi"))
        return "the device's beat intervals";
    if (!strcmp(src, "ecg"))
        return "the ECG's R peaks";
    return src;
}

/* Filled area under y (NaN breaks it) down to the panel's bottom. */
static void area(FILE *f, const panel *p, const double *x, const double *y, size_t n,
                 const char *fill, const char *stroke)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && !isfinite(y[i]))
            i++;
        size_t j = i;
        while (j < n && isfinite(y[j]))
            j++;
        if (j > i) {
            double base = p->y0 + p->h;
            fprintf(f, "<path d=\"M%.1f %.1f", px(p, x[i]), base);
            for (size_t m = i; m < j; m++)
                fprintf(f, "L%.1f %.1f", px(p, x[m]), py(p, fmin(y[m], p->ymax)));
            fprintf(f, "L%.1f %.1fZ\" fill=\"%s\" stroke=\"none\"/>\n", px(p, x[j - 1]), base,
                    fill);
            series(f, p, x + i, y + i, j - i, stroke, 1.2, NULL);
        }
        i = j;
    }
}

int pt_report_summary_svg(const pt_summary *s, const char *title, const char *path, pt_error *err)
{
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const pt_table *hr = pt_summary_table_const(s, "hr");
    const pt_table *rv = pt_summary_table_const(s, "recovery");
    size_t ne = pt_table_nrows(ep), nh = pt_table_nrows(hr), nr = pt_table_nrows(rv);
    const double *et = pt_table_column(ep, "t_start_s"), *ehr = pt_table_column(ep, "hr_bpm");
    const double *ecl = pt_table_column(ep, "class"), *eenmo = pt_table_column(ep, "enmo_mg");
    const double *ht = pt_table_column(hr, "t_start_s"), *hb = pt_table_column(hr, "bpm");
    const double *rt = pt_table_column(rv, "t_end_exercise_s"),
                 *rtau = pt_table_column(rv, "tau_s");
    const double *rr2 = pt_table_column(rv, "fit_r2"), *r60 = pt_table_column(rv, "hrr60_bpm");
    const double *rq = pt_table_column(rv, "quality");
    if (!ne && !nh)
        return pt_error_set(err, PT_EDATA, "%s: the summary has neither epochs nor heart rate",
                            path);
    double hr_half = 4.0; /* centre of the default 8-s window */
    for (size_t i = 0; i < pt_table_nattrs(hr); i++)
        if (!strcmp(pt_table_attr_name(hr, i), "window_s") && pt_table_attr(hr, i) > 0)
            hr_half = pt_table_attr(hr, i) / 2;
    double tend = 0;
    if (ne)
        tend = et[ne - 1];
    if (nh && ht[nh - 1] > tend)
        tend = ht[nh - 1];
    const pt_recording_info *rec = pt_summary_recording(s);
    if (isfinite(rec->duration_s) && rec->duration_s > tend)
        tend = rec->duration_s;
    if (!(tend > 0))
        tend = 1;
    /* which heart rate fed the classes, the load and the recoveries */
    int c_hr = pt_table_colindex(ep, "hr_bpm"), c_rv = pt_table_colindex(rv, "hr_end_bpm");
    const char *src = ne && c_hr >= 0 ? pt_table_colsource(ep, (size_t)c_hr) : NULL;
    if (!src && c_rv >= 0)
        src = pt_table_colsource(rv, (size_t)c_rv);
    int from_hr_table = nh > 0 && (!src || !strcmp(src, "ppg"));
    /* Bins of at least one epoch, a round length, at most ~2500 across the page. */
    static const double round_s[] = {5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600};
    double ep_s = ne > 1 ? et[1] - et[0] : 5;
    double bin_s = ep_s;
    for (size_t i = 0; i < sizeof round_s / sizeof round_s[0] && tend / bin_s > 2500; i++)
        bin_s = fmax(ep_s, round_s[i]);
    size_t nbin = (size_t)(tend / bin_s) + 1;
    double *bx = calloc(nbin, sizeof *bx), *by = calloc(nbin, sizeof *by);
    double *be = calloc(nbin, sizeof *be), *bne = calloc(nbin, sizeof *bne);
    int *bc = calloc(nbin, sizeof *bc);
    double *bn = calloc(nbin, sizeof *bn);
    int *cnt = calloc(nbin * (PT_NCLASS + 1), sizeof *cnt);
    if (!bx || !by || !bc || !bn || !cnt || !be || !bne) {
        free(bx), free(by), free(bc), free(bn), free(cnt), free(be), free(bne);
        return pt_error_set(err, PT_ENOMEM, "report: out of memory for the chart");
    }
    for (size_t i = 0; i < ne; i++) {
        if (!(et[i] >= 0)) /* before the recording (a damaged summary): no bin */
            continue;
        size_t b = (size_t)(et[i] / bin_s);
        if (b >= nbin)
            continue;
        int c = isnan(ecl[i]) ? PT_NCLASS : (int)ecl[i];
        cnt[b * (PT_NCLASS + 1) + (c >= 0 && c < PT_NCLASS ? c : PT_NCLASS)]++;
        if (ehr && !isnan(ehr[i])) {
            by[b] += ehr[i];
            bn[b]++;
        }
        if (eenmo && !isnan(eenmo[i])) {
            be[b] += eenmo[i];
            bne[b]++;
        }
    }
    if (!ne) /* heart rate only: bin the /hr windows */
        for (size_t i = 0; i < nh; i++) {
            if (!(ht[i] + hr_half >= 0))
                continue;
            size_t b = (size_t)((ht[i] + hr_half) / bin_s);
            if (b < nbin && !isnan(hb[i])) {
                by[b] += hb[i];
                bn[b]++;
            }
        }
    double hmin = INFINITY, hmax = -INFINITY, emax = 0;
    size_t n_hr = 0, n_enmo = 0, n_nonwear = 0;
    for (size_t b = 0; b < nbin; b++) {
        bx[b] = (b + 0.5) * bin_s;
        int best = PT_NCLASS, bestn = 0;
        for (int c = 0; c <= PT_NCLASS; c++)
            if (cnt[b * (PT_NCLASS + 1) + c] > bestn) {
                bestn = cnt[b * (PT_NCLASS + 1) + c];
                best = c;
            }
        bc[b] = ne ? best : -1; /* -1: no epochs at all */
        /* non-wear is drawn as non-wear: no heart rate or motion trace through it */
        int off = best == PT_CLASS_NONWEAR && bestn > 0;
        n_nonwear += (size_t)off;
        by[b] = bn[b] > 0 && !off ? by[b] / bn[b] : (double)NAN;
        be[b] = bne[b] > 0 && !off ? be[b] / bne[b] : (double)NAN;
        if (isfinite(by[b])) {
            hmin = fmin(hmin, by[b]);
            hmax = fmax(hmax, by[b]);
            n_hr++;
        }
        if (isfinite(be[b])) {
            emax = fmax(emax, be[b]);
            n_enmo++;
        }
    }
    free(cnt);
    free(bn);
    free(bne);
    /* the line crosses gaps of up to 3 bins inside wear (a strap dropout, a breath without a
     * beat), never non-wear */
    for (size_t b = 1; b + 1 < nbin; b++) {
        if (isfinite(by[b]) || !isfinite(by[b - 1]))
            continue;
        size_t e = b;
        while (e < nbin && e < b + 4 && !isfinite(by[e]) && bc[e] != PT_CLASS_NONWEAR)
            e++;
        if (e < nbin && e - b <= 3 && isfinite(by[e]))
            for (size_t m = b; m < e; m++)
                by[m] = by[b - 1] + (by[e] - by[b - 1]) * (double)(m - b + 1) / (double)(e - b + 1);
        b = e;
    }
    int has_hr = n_hr > 0 || nr > 0, has_enmo = n_enmo > 0, has_strip = ne > 0;
    if (!isfinite(hmin)) {
        hmin = 50;
        hmax = 150;
    }
    /* the local time of the axis */
    char tz[64], tzname[80];
    json_str(pt_summary_parameters(s), "tz", tz, sizeof tz);
    double off_s = 0;
    if (tz[0] && isfinite(rec->start_unix_s)) {
        pt_error e2 = {0};
        if (pt_tz_offset_s(tz, rec->start_unix_s, &off_s, &e2) != PT_OK)
            off_s = 0, snprintf(tz, sizeof tz, "UTC");
    }
    snprintf(tzname, sizeof tzname, "%s", tz[0] ? tz : "UTC");
    /* the title: the caller's, else the subject and the recording's name */
    char tbuf[1200];
    const char *subj = pt_summary_subject_id(s);
    if (!title || !title[0]) {
        const char *name = rec->path[0] ? base_name(rec->path) : "recording";
        if (subj && subj[0])
            snprintf(tbuf, sizeof tbuf, "Subject %s: %s", subj, name);
        else
            snprintf(tbuf, sizeof tbuf, "Recording %s", name);
        title = tbuf;
    }
    char tmp[1100];
    FILE *f = pt_tmp_fopen(path, tmp, sizeof tmp, err);
    if (!f) {
        free(bx), free(by), free(bc), free(be);
        return PT_EIO;
    }
    /* layout: heart rate, activity strip, ENMO, the time axis, then the recoveries */
    double y = 95, hr_h = has_enmo ? 230 : 280, enmo_h = has_hr ? 110 : 230;
    panel p = {70, y, 820, hr_h, 0, tend, floor(hmin / 10) * 10 - 5, ceil(hmax / 10) * 10 + 5};
    if (has_hr)
        y += hr_h + 10;
    panel ps = {70, y, 820, 24, 0, tend, 0, 1};
    if (has_strip)
        y += 24 + 10;
    emax = fmax(emax, 50); /* a still night's 1 mg is not drawn as a full-height trace */
    double etop = nice_step(emax, 4) * ceil(emax / nice_step(emax, 4));
    panel pe = {70, y, 820, enmo_h, 0, tend, 0, etop};
    if (has_enmo)
        y += enmo_h;
    else
        y -= 10;
    const panel *last = has_enmo ? &pe : has_strip ? &ps : &p;
    ticks tk;
    make_ticks(&tk, tend, rec->start_unix_s, off_s, tzname, p.w);
    double axis_bottom = last->y0 + last->h + 47;
    double rec_top = axis_bottom + 40;
    double W = 1100, H = nr ? rec_top + 330 : axis_bottom + 20;
    head(f, W, H, title);
    text(f, 20, 28, "start", 18, "#111", title);
    char sub[600], when[64], lenb[32];
    if (isfinite(rec->start_unix_s)) {
        struct tm tm = civil(rec->start_unix_s + off_s);
        snprintf(when, sizeof when, "%s %04d-%02d-%02d %02d:%02d %s", wday_abbr[tm.tm_wday % 7],
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tzname);
    } else {
        snprintf(when, sizeof when, "start not in the file");
    }
    if (tend >= 2 * 86400)
        snprintf(lenb, sizeof lenb, "%.1f days", tend / 86400);
    else if (tend >= 2 * 3600)
        snprintf(lenb, sizeof lenb, "%.1f h", tend / 3600);
    else
        snprintf(lenb, sizeof lenb, "%.0f min", tend / 60);
    char binb[32];
    if (bin_s >= 60)
        snprintf(binb, sizeof binb, "%g-min", bin_s / 60);
    else
        snprintf(binb, sizeof binb, "%g-s", bin_s);
    snprintf(sub, sizeof sub, "%s, %s; %s; heart rate: %s; %s bins", when, lenb,
             base_name(rec->path[0] ? rec->path : path),
             has_hr ? source_words(src) : "none (no PPG or heart-rate channel)", binb);
    text(f, 20, 48, "start", 12, "#555", sub);
    if (has_hr && !has_enmo)
        text(f, 20, 64, "start", 12, "#555",
             "no accelerometer: ENMO not drawn; classes from heart rate alone");
    else if (!has_hr && has_enmo)
        text(f, 20, 64, "start", 12, "#555",
             "accelerometer only: activity classes and ENMO, no heart rate");

    /* non-wear: one band per run of non-wear bins across every panel */
    fputs("<g id=\"nonwear\">\n", f);
    for (size_t b = 0; b < nbin; b++) {
        if (bc[b] != PT_CLASS_NONWEAR)
            continue;
        size_t e = b;
        while (e + 1 < nbin && bc[e + 1] == PT_CLASS_NONWEAR)
            e++;
        double t0 = b * bin_s, t1 = fmin((e + 1) * bin_s, tend);
        double X0 = px(&p, t0), X1 = px(&p, t1), Y0 = has_hr ? p.y0 : has_strip ? ps.y0 : pe.y0;
        double Y1 = last->y0 + last->h;
        fprintf(f,
                "<rect class=\"nonwear\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "fill=\"#ececec\"/>\n",
                X0, Y0, fmax(X1 - X0, 0.5), Y1 - Y0);
        if (X1 - X0 > 60)
            text(f, (X0 + X1) / 2, (has_hr ? p.y0 : pe.y0) + 14, "middle", 10.5, "#777",
                 "not worn");
        b = e;
    }
    fputs("</g>\n", f);

    if (has_hr) {
        yaxis(f, &p, "heart rate [bpm]", 0);
        draw_grid(f, &p, &tk);
        fputs("<g id=\"heart-rate\">\n", f);
        series(f, &p, bx, by, nbin, "#b2182b", 1.5, NULL);
        fputs("</g>\n", f);
        double last_x = -1e9;
        int row = 0;
        for (size_t i = 0; i < nr; i++) {
            if (!isfinite(rt[i]))
                continue;
            double X = px(&p, rt[i]);
            row = X - last_x < 24 ? (row + 1) % 3 : 0; /* stagger labels that would overlap */
            last_x = X;
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-dasharray=\"3,3\"/>\n",
                    X, p.y0, X, p.y0 + p.h, rec_colour[i % 8]);
            char buf[16];
            snprintf(buf, sizeof buf, "R%zu", i + 1);
            text(f, X, p.y0 - 4 - 10.0 * row, "middle", 10, rec_colour[i % 8], buf);
        }
        frame(f, &p);
    }
    if (has_strip) { /* the class of each bin as a coloured band */
        fputs("<g id=\"activity-strip\">\n", f);
        for (size_t b = 0; b < nbin; b++) {
            size_t e = b;
            while (e + 1 < nbin && bc[e + 1] == bc[b])
                e++;
            double X0 = px(&ps, b * bin_s), X1 = px(&ps, fmin((e + 1) * bin_s, tend));
            int c = bc[b];
            fprintf(f,
                    "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"%s\"/>\n",
                    c >= 0 && c < PT_NCLASS ? pt_class_name(c) : "unknown", X0, ps.y0,
                    fmax(X1 - X0, 0.3), ps.h,
                    c >= 0 && c < PT_NCLASS ? class_colour[c] : "#ffffff");
            b = e;
        }
        fputs("</g>\n", f);
        frame(f, &ps);
        text(f, ps.x0 - 6, ps.y0 + 16, "end", 11, "#333", "activity");
    }
    if (has_enmo) {
        yaxis(f, &pe, "ENMO [mg]", 0);
        draw_grid(f, &pe, &tk);
        fputs("<g id=\"enmo\">\n", f);
        area(f, &pe, bx, be, nbin, "#cbc9e2", "#54278f");
        fputs("</g>\n", f);
        frame(f, &pe);
    }
    draw_tick_labels(f, last, &tk);
    /* legend */
    double ly = 107;
    text(f, 905, ly, "start", 12, "#111", "activity class");
    ly += 14;
    for (int c = 0; c < PT_NCLASS; c++, ly += 18)
        legend_item(f, 905, ly + 6, class_colour[c], 0,
                    c == PT_CLASS_NONWEAR ? "non-wear (grey band)" : pt_class_name(c));
    legend_item(f, 905, ly + 6, "#ffffff", 0, "unknown");
    fprintf(f,
            "<rect x=\"905\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"none\" "
            "stroke=\"#999\"/>\n",
            ly - 4);
    ly += 26;
    if (has_hr) {
        legend_item(f, 905, ly + 6, "#b2182b", 1, "heart rate");
        ly += 18;
    }
    if (has_enmo) {
        legend_item(f, 905, ly + 6, "#54278f", 1, "ENMO (motion)");
        ly += 18;
    }
    if (nr)
        legend_item(f, 905, ly + 6, rec_colour[0], 2, "end of exercise");
    free(bx), free(by), free(bc), free(be);

    if (nr) {
        /* the heart rate the recoveries were measured on */
        size_t np = from_hr_table ? nh : ne;
        double *xs = malloc((np ? np : 1) * sizeof *xs), *ys = malloc((np ? np : 1) * sizeof *ys);
        const double *st = from_hr_table ? ht : et, *sv = from_hr_table ? hb : ehr;
        double shift = from_hr_table ? hr_half : ep_s / 2;
        if (!sv)
            np = 0;
        panel q = {70, rec_top + 25, 560, 260, -30, 300, 0, 1};
        double qmin = INFINITY, qmax = -INFINITY;
        for (size_t i = 0; i < np; i++) {
            double tc = st[i] + shift;
            for (size_t k = 0; k < nr; k++)
                if (tc >= rt[k] - 30 && tc <= rt[k] + 300 && !isnan(sv[i])) {
                    qmin = fmin(qmin, sv[i]);
                    qmax = fmax(qmax, sv[i]);
                }
        }
        if (!isfinite(qmin)) {
            qmin = 60;
            qmax = 180;
        }
        q.ymin = floor(qmin / 10) * 10 - 5;
        q.ymax = ceil(qmax / 10) * 10 + 5;
        char rtitle[300];
        snprintf(rtitle, sizeof rtitle,
                 "Heart-rate recovery after each end of exercise (R1, R2, ...), from %s",
                 source_words(src));
        text(f, 20, rec_top, "start", 15, "#111", rtitle);
        yaxis(f, &q, "heart rate [bpm]", 0);
        for (double x = -30; x <= 300; x += 30) {
            char buf[16];
            snprintf(buf, sizeof buf, "%g", x);
            xtick(f, &q, x, buf);
        }
        text(f, q.x0 + q.w / 2, q.y0 + q.h + 34, "middle", 12, "#333",
             "time since the end of exercise [s]");
        fputs("<g id=\"recovery\">\n", f);
        for (size_t k = 0; xs && ys && k < nr && k < 8; k++) {
            if (!isfinite(rt[k]))
                continue;
            size_t m = 0;
            double sx = 0, sy = 0, sxx = 0, sxy = 0;
            size_t nf = 0;
            for (size_t i = 0; i < np; i++) {
                double tc = st[i] + shift - rt[k];
                if (tc < -30 || tc > 300 || isnan(sv[i]))
                    continue;
                xs[m] = tc;
                ys[m++] = sv[i];
                if (tc >= 0 && isfinite(rtau[k]) && rtau[k] > 0) {
                    double e = exp(-tc / rtau[k]);
                    sx += e, sy += sv[i], sxx += e * e, sxy += e * sv[i];
                    nf++;
                }
            }
            const char *col = rec_colour[k % 8];
            for (size_t i = 0; i < m; i++)
                fprintf(f,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" "
                        "fill-opacity=\"0.6\"/>\n",
                        px(&q, xs[i]), py(&q, ys[i]), from_hr_table ? 1.6 : 2.4, col);
            if (!from_hr_table) /* sparse points: join them */
                series(f, &q, xs, ys, m, col, 0.8, "2,2");
            double den = (double)nf * sxx - sx * sx;
            if (nf >= 3 && fabs(den) > 1e-12) {
                double A = ((double)nf * sxy - sx * sy) / den, L = (sy - A * sx) / (double)nf;
                double fx[61], fy[61];
                for (int j = 0; j <= 60; j++) {
                    fx[j] = 5.0 * j;
                    fy[j] = L + A * exp(-fx[j] / rtau[k]);
                }
                series(f, &q, fx, fy, 61, col, 2.2, NULL);
            }
            char at[48], h60[40], tau[40], r2[24], qq[24], buf[240];
            if (isfinite(rec->start_unix_s)) {
                struct tm tm = civil(rec->start_unix_s + off_s + rt[k]);
                if (tend > 86400) /* more than a day: the date too */
                    snprintf(at, sizeof at, "%s %02d %02d:%02d:%02d", month_abbr[tm.tm_mon % 12],
                             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
                else
                    snprintf(at, sizeof at, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
            } else if (tend > 2 * 3600) {
                snprintf(at, sizeof at, "%.2f h", rt[k] / 3600);
            } else {
                snprintf(at, sizeof at, "%.1f min", rt[k] / 60);
            }
            fmt_val(h60, sizeof h60, r60[k], 0, "bpm", "no HR at +60 s");
            fmt_val(tau, sizeof tau, rtau[k], 0, "s", "no fit");
            fmt_val(r2, sizeof r2, rr2[k], 2, "", NULL);
            fmt_val(qq, sizeof qq, rq[k], 2, "", NULL);
            snprintf(buf, sizeof buf, "R%zu at %s: HRR60 %s, tau %s, r2 %s, q %s", k + 1, at, h60,
                     tau, r2, qq);
            legend_item(f, 650, q.y0 + 20 + 20.0 * (double)k, col, 1, buf);
        }
        fputs("</g>\n", f);
        free(xs);
        free(ys);
        frame(f, &q);
        double ny = q.y0 + 20 + 20.0 * (double)(nr < 8 ? nr : 8) + 14;
        text(f, 650, ny, "start", 10.5, "#555",
             from_hr_table ? "dots: heart-rate windows; lines: HR = L + A exp(-t/tau)"
                           : "dots: heart rate per epoch; lines: HR = L + A exp(-t/tau)");
        text(f, 650, ny + 15, "start", 10.5, "#555",
             "tau from /recovery, L and A fitted to the dots");
        if (nr > 8)
            text(f, 650, ny + 30, "start", 10.5, "#555", "(first 8 recoveries shown)");
    }
    fputs("</svg>\n", f);
    return pt_tmp_fclose(f, PT_OK, tmp, path, err);
}

/* ---- a load file ---- */

/* Date ticks of a load chart (x = day index + 0.5): every day up to two weeks (centred),
 * then Mondays (every 2nd past 120 days, every 4th past 240), labelled "Mar 02". */
static void day_axis(FILE *f, const panel *p, const double *date, const double *x, size_t n)
{
    size_t every = n > 240 ? 4 : n > 120 ? 2 : 1, k = 0;
    for (size_t i = 0; i < n; i++) {
        char buf[16];
        fmt_mday(date[i], buf, sizeof buf);
        if (n <= 14) {
            xtick(f, p, x[i], buf);
            continue;
        }
        double dow = fmod(fmod(date[i] / 86400.0 + 3, 7) + 7, 7); /* 0 = Monday */
        if (dow == 0 && k++ % every == 0)
            xtick(f, p, x[i] - 0.5, buf);
    }
}

int pt_report_load_svg(const pt_load *ld, const char *subject, const char *title, const char *path,
                       pt_error *err)
{
    size_t nd = pt_load_nrows(ld, "daily"), nw = pt_load_nrows(ld, "weekly");
    const double *sid = pt_load_column(ld, "daily", "subject_id");
    long want = -1;
    for (size_t i = 0; i < pt_load_nsubjects(ld); i++)
        if (!subject || !strcmp(pt_load_subject(ld, i), subject)) {
            want = (long)i;
            break;
        }
    if (want < 0 || !nd)
        return pt_error_set(err, PT_EDATA, "%s: subject '%s' has no days in the load file", path,
                            subject ? subject : "");
    size_t a = 0, b;
    while (a < nd && sid[a] != (double)want)
        a++;
    for (b = a; b < nd && sid[b] == (double)want; b++)
        ;
    size_t n = b - a;
    const double *date = pt_load_column(ld, "daily", "date") + a;
    const double *load = pt_load_column(ld, "daily", "load") + a;
    const double *src = pt_load_column(ld, "daily", "load_source") + a;
    const double *valid = pt_load_column(ld, "daily", "valid_day") + a;
    const double *ctl = pt_load_column(ld, "daily", "ctl") + a;
    const double *atl = pt_load_column(ld, "daily", "atl") + a;
    const double *tsb = pt_load_column(ld, "daily", "tsb") + a;
    const double *walk = pt_load_column(ld, "daily", "walking_minutes") + a;
    const double *met = pt_load_column(ld, "daily", "walk_target_met") + a;
    const double *streak = pt_load_column(ld, "daily", "streak_days") + a;
    const double *acwr = pt_load_column(ld, "daily", "acwr") + a;
    const double *wsid = pt_load_column(ld, "weekly", "subject_id");
    const double *wstart = pt_load_column(ld, "weekly", "week_start");
    const double *wpct = pt_load_column(ld, "weekly", "walk_target_pct");
    const double *weasy = pt_load_column(ld, "weekly", "easy_session");
    const double *whi = pt_load_column(ld, "weekly", "high_intensity_minutes");
    const double *wh60 = pt_load_column(ld, "weekly", "hrr60_bpm");
    const double *ssl = pt_load_column(ld, "subjects", "hrr60_slope_bpm_per_week");
    const double *ssid = pt_load_column(ld, "subjects", "subject_id");
    const pt_load_config *cfg = pt_load_settings(ld);
    double target = cfg->walk_target_minutes;
    double d0 = date[0] / 86400.0;
    double *x = malloc(n * sizeof *x);
    if (!x)
        return pt_error_set(err, PT_ENOMEM, "report: out of memory for the chart");
    double lmax = 1, tmin = 0, wmax = target * 1.2, smax = 1;
    for (size_t i = 0; i < n; i++) {
        x[i] = date[i] / 86400.0 - d0 + 0.5;
        if (isfinite(load[i]))
            lmax = fmax(lmax, load[i]);
        if (isfinite(ctl[i]))
            lmax = fmax(lmax, fmax(ctl[i], atl[i]));
        if (isfinite(tsb[i]))
            tmin = fmin(tmin, tsb[i]);
        if (isfinite(walk[i]))
            wmax = fmax(wmax, walk[i]);
        if (isfinite(streak[i]))
            smax = fmax(smax, streak[i]);
    }
    char tmp[1100];
    FILE *f = pt_tmp_fopen(path, tmp, sizeof tmp, err);
    if (!f) {
        free(x);
        return PT_EIO;
    }
    char tbuf[300];
    if (!title || !title[0]) {
        snprintf(tbuf, sizeof tbuf, "Training load: subject %s", pt_load_subject(ld, (size_t)want));
        title = tbuf;
    }
    double W = 1100, H = 900;
    head(f, W, H, title);
    text(f, 20, 28, "start", 18, "#111", title);
    char first[16], last[16], sub[300];
    fmt_day(date[0], first, sizeof first, "%Y-%m-%d");
    fmt_day(date[n - 1], last, sizeof last, "%Y-%m-%d");
    double slope = NAN;
    for (size_t i = 0; i < pt_load_nrows(ld, "subjects"); i++)
        if (ssid[i] == (double)want)
            slope = ssl[i];
    char trend[96];
    if (isfinite(slope))
        snprintf(trend, sizeof trend, "%+.2f bpm/week", slope);
    else
        snprintf(trend, sizeof trend, "n/a (needs %zu weeks with recoveries)",
                 cfg->trend_min_weeks);
    snprintf(sub, sizeof sub, "subject %s, %s .. %s (%zu days); HRR60 trend %s",
             pt_load_subject(ld, (size_t)want), first, last, n, trend);
    text(f, 20, 48, "start", 12, "#555", sub);

    /* 1: load, CTL, ATL, TSB */
    panel p = {70,
               80,
               820,
               300,
               0,
               (double)n,
               tmin < 0 ? floor(tmin / 10) * 10 : 0,
               ceil(lmax / 10) * 10 + 10};
    text(f, 70, 72, "start", 14, "#111",
         "Training load and the Performance Manager (GoldenCheetah conventions)");
    yaxis(f, &p, "load [AU]", 0);
    double bw = fmax(1.0, p.w / (double)n * 0.7);
    for (size_t i = 0; i < n; i++) {
        double X = px(&p, x[i]);
        if (isfinite(load[i])) {
            double y0 = py(&p, 0), y1 = py(&p, load[i]);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
                    X - bw / 2, fmin(y0, y1), bw, fabs(y0 - y1),
                    src[i] == 2 ? "#9ecae1" : "#bdbdbd");
        } else { /* missing: a small cross on the zero line */
            double y0 = py(&p, 0);
            fprintf(f,
                    "<path d=\"M%.1f %.1fl6 6m0 -6l-6 6\" stroke=\"%s\" stroke-width=\"1.2\"/>\n",
                    X - 3, y0 - 9, valid[i] == 0 ? "#e6550d" : "#969696");
        }
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>\n", p.x0,
            py(&p, 0), p.x0 + p.w, py(&p, 0));
    /* Across missing days the model carries its state: thin dotted bridges. */
    for (size_t i = 0, prev = SIZE_MAX; i < n; i++) {
        if (!isfinite(ctl[i]))
            continue;
        if (prev != SIZE_MAX && i > prev + 1) {
            double bx2[2] = {x[prev], x[i]}, bc[2] = {ctl[prev], ctl[i]},
                   ba[2] = {atl[prev], atl[i]};
            series(f, &p, bx2, bc, 2, "#1f4e9c", 1.0, "2,3");
            series(f, &p, bx2, ba, 2, "#c2185b", 1.0, "2,3");
        }
        prev = i;
    }
    series(f, &p, x, ctl, n, "#1f4e9c", 2.4, NULL);
    series(f, &p, x, atl, n, "#c2185b", 2.0, NULL);
    series(f, &p, x, tsb, n, "#f28e2b", 2.0, "6,3");
    day_axis(f, &p, date, x, n);
    frame(f, &p);
    double lx = 915, ly = 92;
    legend_item(f, lx, ly, "#bdbdbd", 0, "load (TRIMP)");
    legend_item(f, lx, ly + 18, "#9ecae1", 0, "load (accel.)");
    char lab[64];
    snprintf(lab, sizeof lab, "CTL %g d (fitness)", cfg->ctl_days);
    legend_item(f, lx, ly + 36, "#1f4e9c", 1, lab);
    snprintf(lab, sizeof lab, "ATL %g d (fatigue)", cfg->atl_days);
    legend_item(f, lx, ly + 54, "#c2185b", 1, lab);
    legend_item(f, lx, ly + 72, "#f28e2b", 2, "TSB (form)");
    text(f, lx, ly + 92, "start", 10, "#555", "TSB(d) = CTL-ATL");
    text(f, lx, ly + 104, "start", 10, "#555", cfg->sb_today ? "of day d" : "of day d-1");
    fprintf(f, "<path d=\"M%.1f %.1fl6 6m0 -6l-6 6\" stroke=\"#e6550d\" stroke-width=\"1.2\"/>\n",
            lx + 4, ly + 116);
    text(f, lx + 23, ly + 124, "start", 11, "#222", "too little wear");
    fprintf(f, "<path d=\"M%.1f %.1fl6 6m0 -6l-6 6\" stroke=\"#969696\" stroke-width=\"1.2\"/>\n",
            lx + 4, ly + 134);
    text(f, lx + 23, ly + 142, "start", 11, "#222", "no data");
    double last_acwr = NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(acwr[i]))
            last_acwr = acwr[i];
    char buf[96];
    if (isfinite(last_acwr)) {
        snprintf(buf, sizeof buf, "ACWR (EWMA) last: %.2f", last_acwr);
        text(f, lx, ly + 170, "start", 11, "#222", buf);
    } else {
        text(f, lx, ly + 170, "start", 11, "#222", "ACWR (EWMA): n/a");
        snprintf(buf, sizeof buf, "(needs %zu days of load)", cfg->acwr_warmup_days);
        text(f, lx, ly + 184, "start", 11, "#222", buf);
    }

    /* 2: walking minutes, target and streak */
    panel q = {70, 440, 820, 200, 0, (double)n, 0, ceil(wmax / 20) * 20};
    text(f, 70, 432, "start", 14, "#111",
         "Walking: minutes per day against the target, and the movement streak");
    yaxis(f, &q, "walking [min]", 0);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(walk[i]))
            continue;
        double y0 = py(&q, 0), y1 = py(&q, walk[i]);
        const char *col = met[i] == 1 ? "#31a354" : met[i] == 0 ? "#a1d99b" : "#d9d9d9";
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
                px(&q, x[i]) - bw / 2, y1, bw, y0 - y1, col);
    }
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#006d2c\" "
            "stroke-dasharray=\"6,4\"/>\n",
            q.x0, py(&q, target), q.x0 + q.w, py(&q, target));
    panel qs = q;
    qs.ymax = ceil(smax / 5) * 5;
    double *sx = malloc(2 * n * sizeof *sx), *sy = malloc(2 * n * sizeof *sy);
    if (sx && sy) { /* streak as steps */
        for (size_t i = 0; i < n; i++) {
            sx[2 * i] = x[i] - 0.5;
            sx[2 * i + 1] = x[i] + 0.5;
            sy[2 * i] = sy[2 * i + 1] = streak[i];
        }
        series(f, &qs, sx, sy, 2 * n, "#54278f", 1.8, NULL);
    }
    free(sx);
    free(sy);
    yaxis(f, &qs, "streak [days]", 1);
    day_axis(f, &q, date, x, n);
    frame(f, &q);
    legend_item(f, lx + 40, 452, "#31a354", 0, "target met");
    legend_item(f, lx + 40, 470, "#a1d99b", 0, "below");
    legend_item(f, lx + 40, 488, "#d9d9d9", 0, "unknown");
    legend_item(f, lx + 40, 506, "#006d2c", 2, "target");
    legend_item(f, lx + 40, 524, "#54278f", 1, "streak");

    /* 3: weekly adherence */
    panel r = {70, 700, 820, 150, 0, (double)n, 0, 100};
    text(
        f, 70, 692, "start", 14, "#111",
        "Weekly plan: days at the walking target, the longer easy session, high-intensity minutes");
    yaxis(f, &r, "target days [%]", 0);
    for (size_t w = 0; w < nw; w++) {
        if (wsid[w] != (double)want)
            continue;
        double xs = wstart[w] / 86400.0 - d0, xe = xs + 7;
        double cx0 = fmax(xs, 0), cx1 = fmin(xe, (double)n);
        if (cx1 <= cx0)
            continue;
        double X0 = px(&r, cx0) + 2, X1 = px(&r, cx1) - 2;
        if (isfinite(wpct[w]))
            fprintf(
                f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#74c476\"/>\n",
                X0, py(&r, wpct[w]), X1 - X0, py(&r, 0) - py(&r, wpct[w]));
        double cx = (X0 + X1) / 2;
        if (isfinite(weasy[w]))
            fprintf(f,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" stroke=\"#08519c\" "
                    "stroke-width=\"1.5\"/>\n",
                    cx, r.y0 + 12, weasy[w] > 0 ? "#08519c" : "white");
        if (isfinite(whi[w])) {
            snprintf(buf, sizeof buf, "%.0f", whi[w]);
            text(f, cx, r.y0 + 34, "middle", 10, "#b2182b", buf);
        }
        if (isfinite(wh60[w])) {
            snprintf(buf, sizeof buf, "%.0f", wh60[w]);
            text(f, cx, r.y0 + 48, "middle", 10, "#1b9e77", buf);
        }
    }
    day_axis(f, &r, date, x, n);
    text(f, r.x0 + r.w / 2, r.y0 + r.h + 34, "middle", 12, "#333",
         "date (local, ISO weeks from Monday)");
    frame(f, &r);
    legend_item(f, lx + 40, 712, "#74c476", 0, "target days");
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#08519c\"/>\n", lx + 47, 726.0);
    snprintf(buf, sizeof buf, "easy >= %g min", cfg->easy_session_minutes);
    text(f, lx + 63, 730, "start", 11, "#222", buf);
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"white\" stroke=\"#08519c\"/>\n",
            lx + 47, 744.0);
    text(f, lx + 63, 748, "start", 11, "#222", "none");
    text(f, lx + 40, 766, "start", 11, "#b2182b", "n: vigorous min");
    text(f, lx + 40, 784, "start", 11, "#1b9e77", "n: HRR60 [bpm]");
    free(x);
    fputs("</svg>\n", f);
    return pt_tmp_fclose(f, PT_OK, tmp, path, err);
}
