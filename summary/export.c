/* SPDX-License-Identifier: GPL-2.0-or-later
 * export.c — every table of a summary as a CSV file (DIR/<table>.csv), the units in the
 * column names, written under a temporary name and renamed. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/atomic.h"
#include "pulsetrain/summary.h"
#include "summary/summary_impl.h"

/* The suffix that names units in a column name ("bpm", "spm", "pct"); "" for none. */
static const char *unit_suffix(const char *units)
{
    static const char *const map[][2] = {
        {"steps/min", "spm"}, {"%", "pct"}, {"AU", "au"}, {"1", ""}, {"B", "bytes"}};
    if (!units || !*units)
        return "";
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(units, map[i][0]))
            return map[i][1];
    for (const char *c = units; *c; c++) /* units that do not fit in a name */
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
            return "";
    return units;
}

void pt_export_colname(const char *name, const char *units, char *out, size_t len)
{
    const char *suf = unit_suffix(units);
    size_t n = strlen(name), s = strlen(suf);
    int has = !*suf || !strcasecmp(name, suf) ||
              (n > s && name[n - s - 1] == '_' && !strcasecmp(name + n - s, suf)) ||
              (!strcmp(suf, "min") && strstr(name, "minutes"));
    snprintf(out, len, has ? "%s" : "%s_%s", name, suf);
}

static int export_table(const pt_table *t, const char *dir, pt_error *err)
{
    char path[1200], tmp[1300];
    snprintf(path, sizeof path, "%s/%s.csv", dir, pt_table_name(t));
    FILE *f = pt_tmp_fopen(path, tmp, sizeof tmp, err);
    if (!f)
        return err ? err->code : PT_EIO;
    size_t nc = pt_table_ncols(t), nr = pt_table_nrows(t);
    for (size_t c = 0; c < nc; c++) {
        char nm[128];
        pt_export_colname(pt_table_colname(t, c), pt_table_colunits(t, c), nm, sizeof nm);
        fprintf(f, "%s%s", c ? "," : "", nm);
    }
    fputc('\n', f);
    for (size_t i = 0; i < nr; i++) {
        for (size_t c = 0; c < nc; c++) {
            const double *v = pt_table_column(t, pt_table_colname(t, c));
            double x = v ? v[i] : (double)NAN;
            if (c)
                fputc(',', f);
            if (isnan(x) || !v)
                continue; /* missing: an empty cell */
            switch (pt_table_coltype(t, c)) {
            case PT_COL_CLASS: fputs(x < 0 ? "" : pt_class_name((int)x), f); break;
            case PT_COL_DATE: {
                time_t tt = (time_t)x;
                struct tm tm;
                gmtime_r(&tt, &tm);
                fprintf(f, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
                        tm.tm_mday % 100);
                break;
            }
            default: fprintf(f, "%.10g", x);
            }
        }
        fputc('\n', f);
        PT_RELEASE_EVERY(i, t);
    }
    pt_table_release(t);
    return pt_tmp_fclose(f, PT_OK, tmp, path, err);
}

int pt_summary_export_csv(const pt_summary *s, const char *dir, size_t *n_files, pt_error *err)
{
    if (n_files)
        *n_files = 0;
    if (!s || !dir || strlen(dir) > 1000)
        return pt_error_set(err, PT_EINVAL, "pt_summary_export_csv: no summary or folder");
    for (size_t i = 0; i < pt_summary_ntables(s); i++) {
        int rc = export_table(pt_summary_table_at(s, i), dir, err);
        if (rc)
            return rc;
        if (n_files)
            (*n_files)++;
    }
    return PT_OK;
}
