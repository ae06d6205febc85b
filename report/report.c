/* SPDX-License-Identifier: GPL-2.0-or-later
 * report.c — self-contained SVG reports (no external fonts, images or scripts):
 *   - a recording's summary: heart rate over time coloured by intensity class,
 *     ends of exercise marked, and the recovery curves with their
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

/* ---- a recording ---- */

int pt_report_summary_svg(const pt_summary *s, const char *title, const char *path, pt_error *err)
{
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const pt_table *hr = pt_summary_table_const(s, "hr");
    const pt_table *rv = pt_summary_table_const(s, "recovery");
    size_t ne = pt_table_nrows(ep), nh = pt_table_nrows(hr), nr = pt_table_nrows(rv);
    const double *et = pt_table_column(ep, "t_start_s"), *ehr = pt_table_column(ep, "hr_bpm");
    const double *ecl = pt_table_column(ep, "class");
    const double *ht = pt_table_column(hr, "t_start_s"), *hb = pt_table_column(hr, "bpm");
    const double *rt = pt_table_column(rv, "t_end_exercise_s"),
                 *rtau = pt_table_column(rv, "tau_s");
    const double *rr2 = pt_table_column(rv, "fit_r2"), *r60 = pt_table_column(rv, "hrr60_bpm");
    const double *rq = pt_table_column(rv, "quality");
    if (!ne && !nh)
        return pt_error_set(err, PT_EDATA, "%s: the summary has neither epochs nor heart rate",
                            path);
    double hr_half = 4.0; /* centre of the default 8-s window */
    double tend = 0;
    if (ne)
        tend = et[ne - 1];
    if (nh && ht[nh - 1] > tend)
        tend = ht[nh - 1];
    const pt_recording_info *rec = pt_summary_recording(s);
    if (isfinite(rec->duration_s) && rec->duration_s > tend)
        tend = rec->duration_s;
    int hours = tend > 2 * 3600;
    double tscale = hours ? 3600.0 : 60.0;
    /* Bins of at least one epoch, a round length, at most ~2500 across the page. */
    static const double round_s[] = {5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600};
    double ep_s = ne > 1 ? et[1] - et[0] : 5;
    double bin_s = ep_s;
    for (size_t i = 0; i < sizeof round_s / sizeof round_s[0] && tend / bin_s > 2500; i++)
        bin_s = fmax(ep_s, round_s[i]);
    size_t nbin = (size_t)(tend / bin_s) + 1;
    double *bx = calloc(nbin, sizeof *bx), *by = calloc(nbin, sizeof *by);
    int *bc = calloc(nbin, sizeof *bc);
    double *bn = calloc(nbin, sizeof *bn);
    int *cnt = calloc(nbin * (PT_NCLASS + 1), sizeof *cnt);
    if (!bx || !by || !bc || !bn || !cnt) {
        free(bx), free(by), free(bc), free(bn), free(cnt);
        return pt_error_set(err, PT_ENOMEM, "report: out of memory for the chart");
    }
    double hmin = INFINITY, hmax = -INFINITY;
    for (size_t i = 0; i < ne; i++) {
        if (!(et[i] >= 0)) /* before the recording (a damaged summary): no bin */
            continue;
        size_t b = (size_t)(et[i] / bin_s);
        if (b >= nbin)
            continue;
        int c = isnan(ecl[i]) ? PT_NCLASS : (int)ecl[i];
        cnt[b * (PT_NCLASS + 1) + (c >= 0 && c < PT_NCLASS ? c : PT_NCLASS)]++;
        if (!isnan(ehr[i])) {
            by[b] += ehr[i];
            bn[b]++;
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
    for (size_t b = 0; b < nbin; b++) {
        bx[b] = (b + 0.5) * bin_s / tscale;
        by[b] = bn[b] > 0 ? by[b] / bn[b] : (double)NAN;
        int best = PT_NCLASS, bestn = 0;
        for (int c = 0; c <= PT_NCLASS; c++)
            if (cnt[b * (PT_NCLASS + 1) + c] > bestn) {
                bestn = cnt[b * (PT_NCLASS + 1) + c];
                best = c;
            }
        bc[b] = best;
        if (isfinite(by[b])) {
            hmin = fmin(hmin, by[b]);
            hmax = fmax(hmax, by[b]);
        }
    }
    free(cnt);
    free(bn);
    if (!isfinite(hmin)) {
        hmin = 50;
        hmax = 150;
    }
    char tmp[1100];
    FILE *f = pt_tmp_fopen(path, tmp, sizeof tmp, err);
    if (!f) {
        free(bx), free(by), free(bc);
        return PT_EIO;
    }
    double W = 1100, H = nr ? 795 : 445;
    head(f, W, H, title);
    text(f, 20, 28, "start", 18, "#111", title);
    char sub[400];
    /* which heart rate fed the classes, the load and the recoveries */
    int c_hr = pt_table_colindex(ep, "hr_bpm");
    const char *src = ne && c_hr >= 0 ? pt_table_colsource(ep, (size_t)c_hr) : NULL;
    const char *src_txt = !src                     ? "PPG, reliable windows"
                          : !strcmp(src, "device") ? "the device's HR channel"
                          : !strcmp(src, "ibi")    ? "the device's beat intervals"
                                                   : "PPG, reliable windows only";
    snprintf(sub, sizeof sub,
             "start %s, %.1f h; mean heart rate (%s) per %g s, coloured by the bin's most "
             "common class",
             rec->start_time_utc[0] ? rec->start_time_utc : "(relative time: no start in the file)",
             tend / 3600, src_txt, bin_s);
    text(f, 20, 48, "start", 12, "#555", sub);
    panel p = {
        70, 95, 820, 280, 0, tend / tscale, floor(hmin / 10) * 10 - 5, ceil(hmax / 10) * 10 + 5};
    yaxis(f, &p, "heart rate [bpm]", 0);
    double xstep = nice_step(p.xmax, 10);
    for (double x = 0; x <= p.xmax + 1e-9 * xstep; x += xstep) { /* tend of 1e-300 s: 10 ticks */
        char buf[32];
        snprintf(buf, sizeof buf, "%g", x);
        xtick(f, &p, x, buf);
    }
    text(f, p.x0 + p.w / 2, p.y0 + p.h + 34, "middle", 12, "#333",
         hours ? "time since start [h]" : "time since start [min]");
    /* one segment per bin pair, coloured by the class of the later bin */
    for (size_t b = 1; b < nbin; b++) {
        if (!isfinite(by[b]) || !isfinite(by[b - 1]))
            continue;
        const char *col = bc[b] < PT_NCLASS ? class_colour[bc[b]] : "#333333";
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"1.6\"/>\n",
                px(&p, bx[b - 1]), py(&p, by[b - 1]), px(&p, bx[b]), py(&p, by[b]), col);
    }
    double last_x = -1e9;
    int row = 0;
    for (size_t i = 0; i < nr; i++) {
        double X = px(&p, rt[i] / tscale);
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
    double ly = 115;
    text(f, 905, 107, "start", 12, "#111", "class");
    for (int c = 0; c < PT_NCLASS; c++, ly += 18)
        legend_item(f, 905, ly + 6, class_colour[c], 1, pt_class_name(c));
    legend_item(f, 905, ly + 6, "#333333", 1, "unknown");
    ly += 18;
    legend_item(f, 905, ly + 6, rec_colour[0], 2, "end of exercise");
    free(bx), free(by), free(bc);

    if (nr) {
        panel q = {70, 465, 560, 270, -30, 300, 0, 1};
        double qmin = INFINITY, qmax = -INFINITY;
        for (size_t i = 0; i < nh; i++) {
            double tc = ht[i] + hr_half;
            for (size_t k = 0; k < nr; k++)
                if (tc >= rt[k] - 30 && tc <= rt[k] + 300 && !isnan(hb[i])) {
                    qmin = fmin(qmin, hb[i]);
                    qmax = fmax(qmax, hb[i]);
                }
        }
        if (!isfinite(qmin)) {
            qmin = 60;
            qmax = 180;
        }
        q.ymin = floor(qmin / 10) * 10 - 5;
        q.ymax = ceil(qmax / 10) * 10 + 5;
        text(f, 20, 440, "start", 15, "#111",
             "Heart-rate recovery after each end of exercise (R1, R2, ...): data and fit");
        yaxis(f, &q, "heart rate [bpm]", 0);
        for (double x = -30; x <= 300; x += 30) {
            char buf[16];
            snprintf(buf, sizeof buf, "%g", x);
            xtick(f, &q, x, buf);
        }
        text(f, q.x0 + q.w / 2, q.y0 + q.h + 34, "middle", 12, "#333",
             "time since the end of exercise [s]");
        double *xs = malloc((nh ? nh : 1) * sizeof *xs), *ys = malloc((nh ? nh : 1) * sizeof *ys);
        for (size_t k = 0; xs && ys && k < nr && k < 8; k++) {
            size_t m = 0;
            double sx = 0, sy = 0, sxx = 0, sxy = 0;
            size_t nf = 0;
            for (size_t i = 0; i < nh; i++) {
                double tc = ht[i] + hr_half - rt[k];
                if (tc < -30 || tc > 300 || isnan(hb[i]))
                    continue;
                xs[m] = tc;
                ys[m++] = hb[i];
                if (tc >= 0 && isfinite(rtau[k]) && rtau[k] > 0) {
                    double e = exp(-tc / rtau[k]);
                    sx += e, sy += hb[i], sxx += e * e, sxy += e * hb[i];
                    nf++;
                }
            }
            const char *col = rec_colour[k % 8];
            for (size_t i = 0; i < m; i++)
                fprintf(f,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\" fill=\"%s\" "
                        "fill-opacity=\"0.6\"/>\n",
                        px(&q, xs[i]), py(&q, ys[i]), col);
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
            char buf[160];
            snprintf(buf, sizeof buf,
                     "R%zu at %.2f %s: HRR60 %.0f bpm, tau %.0f s, r2 %.2f, q %.2f", k + 1,
                     rt[k] / tscale, hours ? "h" : "min", r60[k], rtau[k], rr2[k], rq[k]);
            legend_item(f, 660, 485 + 20.0 * (double)k, col, 1, buf);
        }
        free(xs);
        free(ys);
        frame(f, &q);
        text(f, 660, 485 + 20.0 * (double)(nr < 8 ? nr : 8) + 14, "start", 10.5, "#555",
             "dots: heart rate; lines: HR = L + A exp(-t/tau), tau from /recovery");
        if (nr > 8)
            text(f, 660, 485 + 20.0 * 8 + 30, "start", 10.5, "#555", "(first 8 recoveries shown)");
    }
    fputs("</svg>\n", f);
    return pt_tmp_fclose(f, PT_OK, tmp, path, err);
}

/* ---- a load file ---- */

static void fmt_day(double unix_s, char *buf, size_t len, const char *fmt)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, fmt, &tm);
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
    snprintf(sub, sizeof sub, "subject %s, %s .. %s (%zu days); HRR60 trend %+.2f bpm/week",
             pt_load_subject(ld, (size_t)want), first, last, n, slope);
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
    int tick_every = n > 200 ? 28 : n > 60 ? 14 : 7;
    for (size_t i = 0; i < n; i++) {
        double dow = fmod(fmod(date[i] / 86400.0 + 3, 7) + 7, 7); /* 0 = Monday */
        if (dow == 0 && ((size_t)(x[i] - 0.5) / 7) % (size_t)(tick_every / 7) == 0) {
            char buf[16];
            fmt_day(date[i], buf, sizeof buf, "%m-%d");
            xtick(f, &p, x[i] - 0.5, buf);
        }
    }
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
    snprintf(buf, sizeof buf, "ACWR (EWMA) last: %.2f", last_acwr);
    text(f, lx, ly + 170, "start", 11, "#222", buf);

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
    for (size_t i = 0; i < n; i++) {
        double dow = fmod(fmod(date[i] / 86400.0 + 3, 7) + 7, 7);
        if (dow == 0 && ((size_t)(x[i] - 0.5) / 7) % (size_t)(tick_every / 7) == 0) {
            fmt_day(date[i], buf, sizeof buf, "%m-%d");
            xtick(f, &q, x[i] - 0.5, buf);
        }
    }
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
    for (size_t i = 0; i < n; i++) {
        double dow = fmod(fmod(date[i] / 86400.0 + 3, 7) + 7, 7);
        if (dow == 0 && ((size_t)(x[i] - 0.5) / 7) % (size_t)(tick_every / 7) == 0) {
            fmt_day(date[i], buf, sizeof buf, "%m-%d");
            xtick(f, &r, x[i] - 0.5, buf);
        }
    }
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
