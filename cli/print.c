/* SPDX-License-Identifier: GPL-2.0-or-later
 * print.c — human-readable summaries for the terminal. */
#include "cli/print.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void duration(FILE *f, double s)
{
    if (isnan(s)) {
        fprintf(f, "unknown");
        return;
    }
    s = round(s * 10) / 10; /* printed to 0.1 s: 599.98 s is 10 min 00.0 s, not 9 min 60.0 s */
    int h = (int)(s / 3600), m = (int)(fmod(s, 3600) / 60);
    double sec = fmod(s, 60);
    if (h)
        fprintf(f, "%d h %02d min %04.1f s", h, m, sec);
    else if (m)
        fprintf(f, "%d min %04.1f s", m, sec);
    else
        fprintf(f, "%.1f s", sec);
}

void pt_print_recording(FILE *f, const pt_recording_info *info)
{
    fprintf(f, "recording  %s\n", info->path);
    fprintf(f, "format     %s\n", info->format);
    fprintf(f, "start      %s\n",
            info->start_time_utc[0] ? info->start_time_utc : "(not in the file)");
    fprintf(f, "duration   ");
    duration(f, info->duration_s);
    fprintf(f, "\nchannels   %zu\n", info->nchan);
    for (size_t c = 0; c < info->nchan; c++) {
        const pt_channel_info *ch = &info->chan[c];
        fprintf(f, "  %-16s %-6s %-5s ", ch->name, pt_kind_name(ch->kind), ch->units);
        if (ch->fs_hz > 0)
            fprintf(f, "%9.3f Hz", ch->fs_hz);
        else
            fprintf(f, "irregular   ");
        if (ch->n_samples >= 0)
            fprintf(f, " %10lld samples", (long long)ch->n_samples);
        if (ch->t0_s != 0)
            fprintf(f, "  from %.3f s", ch->t0_s);
        fputc('\n', f);
    }
    if (info->note[0])
        fprintf(f, "note       %s\n", info->note);
}

/* Mean, range and count of the non-NaN values of a column; the table's pages are released
 * as the pass goes (a week's column is not brought back into memory whole). */
static void stats(const pt_table *t, const char *col, double *mean, double *lo, double *hi,
                  size_t *nv)
{
    const double *v = pt_table_column(t, col);
    size_t n = pt_table_nrows(t);
    double s = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    *nv = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(v[i])) {
            s += v[i];
            (*nv)++;
            if (v[i] < *lo)
                *lo = v[i];
            if (v[i] > *hi)
                *hi = v[i];
        }
        if ((i + 1) % 16384 == 0)
            pt_table_release(t);
    }
    pt_table_release(t);
    *mean = *nv ? s / (double)*nv : (double)NAN;
}

void pt_print_summary(FILE *f, const pt_summary *s, const char *out_path)
{
    pt_print_recording(f, pt_summary_recording(s));
    const pt_table *hr = pt_summary_table_const(s, "hr");
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    size_t nh = pt_table_nrows(hr), nv;
    double mean, lo, hi;
    if (nh)
        fprintf(f, "\nheart rate  PPG: %zu windows", nh);
    else
        fprintf(f, "\nheart rate  PPG: none");
    if (nh) {
        size_t nraw;
        stats(hr, "bpm_raw", &mean, &lo, &hi, &nraw);
        stats(hr, "bpm", &mean, &lo, &hi, &nv);
        fprintf(f, ", %zu reliable of %zu with an estimate", nv, nraw);
        if (nv)
            fprintf(f, ": mean %.1f bpm, range %.1f-%.1f bpm", mean, lo, hi);
        stats(hr, "quality", &mean, &lo, &hi, &nv);
        if (nv)
            fprintf(f, ", mean quality %.2f", mean);
    }
    fputc('\n', f);
    /* which heart rate fed the classes, TRIMP and the report */
    int c_hr = pt_table_colindex(ep, "hr_bpm");
    const char *src = c_hr >= 0 ? pt_table_colsource(ep, (size_t)c_hr) : NULL;
    if (pt_table_nrows(ep)) {
        stats(ep, "hr_bpm", &mean, &lo, &hi, &nv);
        if (!nv && !nh)
            fprintf(f, "  no heart rate: classes from the accelerometer alone, no TRIMP or "
                       "recovery");
        else
            fprintf(f, "  classes, TRIMP and recovery use the %s heart rate",
                    src && !strcmp(src, "ecg")      ? "ECG's (R peaks)"
                    : src && !strcmp(src, "device") ? "device's"
                    : src && !strcmp(src, "ibi")    ? "device's (from its beat intervals)"
                                                    : "PPG's reliable");
        if (nv)
            fprintf(f, ": %zu epochs, mean %.1f bpm", nv, mean);
        else if (nh)
            fprintf(f, ": none");
        fputc('\n', f);
    }
    size_t ne = pt_table_nrows(ep);
    const double *cls = pt_table_column(ep, "class");
    double epoch_s =
        ne > 1 ? pt_table_column(ep, "t_start_s")[1] - pt_table_column(ep, "t_start_s")[0] : 5.0;
    fprintf(f, "epochs      %zu of %.0f s\n", ne, epoch_s);
    if (ne) {
        stats(ep, "enmo_mg", &mean, &lo, &hi, &nv);
        if (nv)
            fprintf(f, "  ENMO      mean %.1f mg (max %.1f)\n", mean, hi);
        stats(ep, "mad_mg", &mean, &lo, &hi, &nv);
        if (nv)
            fprintf(f, "  MAD       mean %.1f mg (max %.1f)\n", mean, hi);
        double minutes[PT_NCLASS + 1] = {0};
        for (size_t i = 0; i < ne; i++) {
            int k = isnan(cls[i]) ? PT_NCLASS : (int)cls[i];
            minutes[k] += epoch_s / 60.0;
            if ((i + 1) % 16384 == 0)
                pt_table_release(ep);
        }
        pt_table_release(ep);
        fprintf(f, "  minutes  ");
        for (int k = 0; k <= PT_NCLASS; k++)
            if (minutes[k] > 0)
                fprintf(f, " %s %.1f", k < PT_NCLASS ? pt_class_name(k) : "unknown", minutes[k]);
        fputc('\n', f);
    }
    for (size_t i = 0; i < pt_summary_ntables(s); i++) {
        const pt_table *t = pt_summary_table_at(s, i);
        const char *n = pt_table_name(t);
        if (strcmp(n, "hr") && strcmp(n, "epochs"))
            fprintf(f, "%-11s %zu rows\n", n, pt_table_nrows(t));
    }
    if (pt_summary_notes(s)[0])
        fprintf(f, "notes       %s\n", pt_summary_notes(s));
    if (out_path)
        fprintf(f, "\nwrote %s\n", out_path);
}
