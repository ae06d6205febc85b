/* SPDX-License-Identifier: GPL-2.0-or-later
 * actilife.c — ActiGraph ActiLife raw CSV exports ("------------ Data File Created By
 * ActiGraph ... at 30 Hz ..."), plain or gzip-compressed (io/gzfile.c).
 *
 * A 10-line header (device, firmware, "date format M/d/yyyy", "at NN Hz", Serial Number,
 * Start Time, Start Date in that date format, Epoch Period (hh:mm:ss): 00:00:00 = raw
 * samples, anything else is an epoch-count file and refused), a dashes line, a column row
 * (Accelerometer X/Y/Z in g, optionally Timestamp first and Temperature, Lux, IMU ...
 * after them: those are ignored with a note), then one row per sample at the header rate
 * from Start Date + Start Time (ActiGraph ActiLife 6 user manual, "Raw data export").
 * The times are the device's local time without a zone: taken as UTC (a note says so), as
 * the Polar reader and the .gt3x reader without a TimeZone do. ActiLife fills idle sleep
 * by repeating the last sample; the CSV does not mark those rows (a note says so).
 * Rows are read one line at a time through a fixed buffer: memory does not depend on the
 * file's length. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/edf_util.h"
#include "io/gzfile.h"
#include "io/reader_impl.h"

#define AL_LINE 4096     /* longest line accepted [bytes] */
#define AL_MAX_COLS 64   /* columns in the column row, at most */
#define AL_HEADER_MAX 20 /* the dashes line that closes the header comes by this line */
#define AL_MAGIC "------------ Data File Created By ActiGraph"

typedef struct al_state {
    FILE *f;
    char path[1024];
    char line[AL_LINE + 2];
    long long lineno; /* number of the last line read (1 = first) */
    int allow_truncated;
    size_t ncols;
    int col[3]; /* columns of x, y, z */
    double fs_hz;
    int64_t n; /* samples delivered */
    int done;
} al_state;

/* Next line into s->line without its end of line. 1 a line, 0 the end, -1 error.
 * *cut is set when the line had no end of line (the file's end). */
static int al_next(al_state *s, size_t *len, int *cut, pt_error *err)
{
    if (!fgets(s->line, sizeof s->line, s->f)) {
        if (ferror(s->f))
            return pt_error_set(err, PT_EIO, "%s:%lld: read error: %s", s->path, s->lineno + 1,
                                strerror(errno)),
                   -1;
        return 0;
    }
    s->lineno++;
    size_t n = strlen(s->line);
    *cut = n == 0 || s->line[n - 1] != '\n';
    if (*cut && n >= AL_LINE)
        return pt_error_set(err, PT_EFORMAT, "%s:%lld: line longer than %d bytes", s->path,
                            s->lineno, AL_LINE),
               -1;
    if (*cut && !feof(s->f)) { /* a NUL byte ended fgets' view of the line early */
        int c = fgetc(s->f);
        if (c != EOF) {
            ungetc(c, s->f);
            return pt_error_set(err, PT_EFORMAT, "%s:%lld: a NUL byte in the line: not a text CSV",
                                s->path, s->lineno),
                   -1;
        }
    }
    while (n > 0 && (s->line[n - 1] == '\n' || s->line[n - 1] == '\r'))
        n--;
    s->line[n] = '\0';
    *len = n;
    return 1;
}

static int al_probe(const char *path, const unsigned char *head, size_t len)
{
    (void)path;
    if (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) { /* UTF-8 BOM */
        head += 3;
        len -= 3;
    }
    size_t m = strlen(AL_MAGIC);
    return len >= m && memcmp(head, AL_MAGIC, m) == 0 ? 95 : 0;
}

static void al_close(void *p)
{
    al_state *s = p;
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    free(s);
}

/* Unsigned decimal of 1..max digits at *p; advances *p. -1 when none. */
static long al_uint(const char **p, int max)
{
    long v = 0;
    int k = 0;
    while (k < max && isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    return k ? v : -1;
}

/* A date written in ActiLife's .NET date format (M/d/yyyy, d/M/yyyy, yyyy-MM-dd,
 * dd.MM.yyyy: runs of y, M, d and literal separators) into days since 1970. 0 ok. */
static int al_date(const char *fmt, const char *s, long long *days)
{
    long y = -1, mo = -1, d = -1;
    const char *p = s, *f = fmt;
    while (*f) {
        char c = *f;
        int run = 0;
        while (f[run] == c)
            run++;
        if (c == 'y' || c == 'M' || c == 'd') {
            long v = al_uint(&p, c == 'y' ? 4 : 2);
            if (v < 0 || run > 4)
                return -1;
            if (c == 'y')
                y = run <= 2 && v < 100 ? 2000 + v : v;
            else if (c == 'M')
                mo = v;
            else
                d = v;
            f += run;
        } else {
            if (*p != c)
                return -1;
            p++;
            f++;
        }
    }
    while (*p == ' ')
        p++;
    if (*p || y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1)
        return -1;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
        return -1;
    *days = pt_days_from_civil(y, mo, d);
    return 0;
}

/* "hh:mm:ss" (optionally "AM"/"PM" after it) into seconds. 0 ok. */
static int al_clock(const char *s, double *sec)
{
    const char *p = s;
    while (*p == ' ')
        p++;
    long h = al_uint(&p, 2);
    if (h < 0 || *p++ != ':')
        return -1;
    long m = al_uint(&p, 2);
    if (m < 0 || *p++ != ':')
        return -1;
    long x = al_uint(&p, 2);
    if (x < 0)
        return -1;
    while (*p == ' ')
        p++;
    if (!strcasecmp(p, "PM") && h >= 1 && h <= 12)
        h = h % 12 + 12;
    else if (!strcasecmp(p, "AM") && h >= 1 && h <= 12)
        h %= 12;
    else if (*p)
        return -1;
    if (h > 23 || m > 59 || x > 59)
        return -1;
    *sec = (double)(h * 3600 + m * 60 + x);
    return 0;
}

/* The value after key at the start of the line, or NULL. */
static const char *al_field(const char *line, const char *key)
{
    size_t k = strlen(key);
    if (strncasecmp(line, key, k) != 0)
        return NULL;
    line += k;
    while (*line == ' ' || *line == ':')
        line++;
    return line;
}

/* A plain decimal ("-0.094", "1") as a double: Clinger's fast path (1990), m / 10^k with
 * m < 2^53 and k <= 15 both exact, one correctly rounded division (= strtod's result).
 * Returns 0 for anything else (strtod then decides). */
static int al_fast_number(const char *t, double *v)
{
    static const double p10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    int neg = *t == '-';
    t += neg || *t == '+';
    uint64_t m = 0;
    int nd = 0, nf = -1;
    for (; *t; t++) {
        if (*t >= '0' && *t <= '9') {
            m = m * 10 + (uint64_t)(*t - '0');
            nd++;
            nf += nf >= 0;
        } else if (*t == '.' && nf < 0) {
            nf = 0;
        } else {
            return 0;
        }
    }
    if (nd == 0 || nd > 15 || nf > 15)
        return 0;
    double x = (double)m / p10[nf > 0 ? nf : 0];
    *v = neg ? -x : x;
    return 1;
}

/* Split line in place at commas, trimming blanks and quotes. Returns the number of cells. */
static size_t al_split(char *line, char **cell, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *q = strchr(p, ',');
        char *z = q ? q : p + strlen(p);
        char *a = p;
        while (a < z && (*a == ' ' || *a == '\t'))
            a++;
        while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
            z--;
        if (z - a >= 2 && *a == '"' && z[-1] == '"') {
            a++;
            z--;
        }
        *z = '\0';
        if (n < max)
            cell[n] = a;
        n++;
        if (!q)
            break;
        p = q + 1;
    }
    return n;
}

static void *al_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                     pt_error *err)
{
    al_state *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    s->allow_truncated = opt->allow_truncated;
    if (!(s->f = pt_gz_fopen(path))) {
        pt_error_set(err, PT_EDATA, "%s: %s", path, strerror(errno));
        goto fail;
    }
    size_t len;
    int cut, r;
    char device[64] = "", firmware[32] = "", datefmt[32] = "", serial[64] = "";
    double fs = NAN, clock_s = NAN, epoch_s = NAN;
    long long days = 0, date_line = 0;
    char date_text[64] = "";
    if ((r = al_next(s, &len, &cut, err)) <= 0) {
        if (r == 0)
            pt_error_set(err, PT_EFORMAT, "%s:1: the file is empty", path);
        goto fail;
    }
    {
        const char *l = s->line;
        if (!strncmp(l, "\xEF\xBB\xBF", 3))
            l += 3;
        if (strncmp(l, AL_MAGIC, strlen(AL_MAGIC)) != 0) {
            pt_error_set(err, PT_EFORMAT, "%s:1: not an ActiLife CSV (its first line starts '%s')",
                         path, AL_MAGIC);
            goto fail;
        }
        const char *p = l + strlen(AL_MAGIC);
        while (*p == ' ')
            p++;
        const char *e = strstr(p, " ActiLife");
        if (e && e - p < (long)sizeof device)
            snprintf(device, sizeof device, "%.*s", (int)(e - p), p);
        if ((e = strstr(l, "Firmware v")))
            sscanf(e + 10, "%31s", firmware);
        if ((e = strstr(l, "date format ")))
            sscanf(e + 12, "%31s", datefmt);
        if ((e = strstr(l, " at "))) {
            char *end;
            double v = strtod(e + 4, &end);
            while (*end == ' ')
                end++;
            if (end != e + 4 && !strncasecmp(end, "Hz", 2))
                fs = v;
        }
        if (!(fs > 0 && fs <= 10000)) {
            pt_error_set(err, PT_EFORMAT, "%s:1: no sample rate ('at NN Hz') in the header line",
                         path);
            goto fail;
        }
        if (!datefmt[0])
            snprintf(datefmt, sizeof datefmt, "M/d/yyyy"); /* ActiLife's default (en-US) */
    }
    /* Header lines up to the dashes. */
    for (;;) {
        if ((r = al_next(s, &len, &cut, err)) < 0)
            goto fail;
        if (r == 0) {
            pt_error_set(err, PT_EFORMAT,
                         "%s:%lld: the file ends inside the header (no '-----' line and column "
                         "row)",
                         path, s->lineno + 1);
            goto fail;
        }
        const char *v;
        if (!strncmp(s->line, "-----", 5))
            break;
        if (s->lineno > AL_HEADER_MAX) {
            pt_error_set(err, PT_EFORMAT, "%s:%lld: no '-----' line closing the header by line %d",
                         path, s->lineno, AL_HEADER_MAX);
            goto fail;
        }
        if ((v = al_field(s->line, "Serial Number"))) {
            snprintf(serial, sizeof serial, "%s", v);
        } else if ((v = al_field(s->line, "Start Time"))) {
            if (al_clock(v, &clock_s)) {
                pt_error_set(err, PT_EFORMAT, "%s:%lld: Start Time '%s' is not hh:mm:ss", path,
                             s->lineno, v);
                goto fail;
            }
        } else if ((v = al_field(s->line, "Start Date"))) {
            snprintf(date_text, sizeof date_text, "%s", v);
            date_line = s->lineno;
            if (al_date(datefmt, v, &days)) {
                pt_error_set(err, PT_EFORMAT,
                             "%s:%lld: Start Date '%s' is not a date in the header's format %s",
                             path, s->lineno, v, datefmt);
                goto fail;
            }
        } else if ((v = al_field(s->line, "Epoch Period (hh:mm:ss)"))) {
            if (al_clock(v, &epoch_s)) {
                pt_error_set(err, PT_EFORMAT, "%s:%lld: Epoch Period '%s' is not hh:mm:ss", path,
                             s->lineno, v);
                goto fail;
            }
            if (epoch_s > 0) {
                pt_error_set(err, PT_EFORMAT,
                             "%s:%lld: Epoch Period %s: an epoch file of activity counts, not "
                             "raw acceleration (export raw data, epoch 00:00:00)",
                             path, s->lineno, v);
                goto fail;
            }
        }
    }
    if (!isfinite(clock_s) || !date_line) {
        pt_error_set(err, PT_EFORMAT, "%s:%lld: the header has no %s", path, s->lineno,
                     !isfinite(clock_s) ? "Start Time" : "Start Date");
        goto fail;
    }
    if (!isfinite(epoch_s)) {
        pt_error_set(err, PT_EFORMAT,
                     "%s:%lld: the header has no Epoch Period (00:00:00 for raw data)", path,
                     s->lineno);
        goto fail;
    }
    /* Column row. */
    if ((r = al_next(s, &len, &cut, err)) < 0)
        goto fail;
    if (r == 0) {
        pt_error_set(err, PT_EFORMAT, "%s:%lld: the file ends before the column row", path,
                     s->lineno + 1);
        goto fail;
    }
    char *cell[AL_MAX_COLS];
    s->ncols = al_split(s->line, cell, AL_MAX_COLS);
    if (s->ncols > AL_MAX_COLS) {
        pt_error_set(err, PT_EFORMAT, "%s:%lld: more than %d columns", path, s->lineno,
                     AL_MAX_COLS);
        goto fail;
    }
    s->col[0] = s->col[1] = s->col[2] = -1;
    char ignored[200] = "";
    for (size_t c = 0; c < s->ncols; c++) {
        int a = -1;
        if (!strncasecmp(cell[c], "Accelerometer ", 14) && cell[c][14] && !cell[c][15])
            a = toupper((unsigned char)cell[c][14]) - 'X';
        if (a >= 0 && a < 3 && s->col[a] < 0) {
            s->col[a] = (int)c;
        } else {
            size_t u = strlen(ignored);
            snprintf(ignored + u, sizeof ignored - u, "%s%s", u ? ", " : "", cell[c]);
        }
    }
    if (s->col[0] < 0 || s->col[1] < 0 || s->col[2] < 0) {
        pt_error_set(err, PT_EFORMAT,
                     "%s:%lld: the column row has no Accelerometer X, Accelerometer Y and "
                     "Accelerometer Z",
                     path, s->lineno);
        goto fail;
    }
    s->fs_hz = fs;
    static const char *const names[3] = {"acc_x", "acc_y", "acc_z"};
    for (int c = 0; c < 3; c++) {
        pt_channel_info *ch = &info->chan[info->nchan++];
        snprintf(ch->name, sizeof ch->name, "%s", names[c]);
        ch->kind = (pt_kind)(PT_KIND_ACC_X + c);
        snprintf(ch->units, sizeof ch->units, "g");
        ch->fs_hz = fs;
        ch->n_samples = -1;
    }
    info->start_unix_s = (double)days * 86400.0 + clock_s;
    pt_format_iso8601(info->start_unix_s, info->start_time_utc);
    {
        char note[400];
        snprintf(note, sizeof note,
                 "ActiLife CSV: ActiGraph %s serial %s firmware %s, %g Hz; start date %s (%s) and "
                 "time are the "
                 "device's local time (no zone in the file): taken as UTC; idle-sleep rows "
                 "repeat the last sample and are not marked%s%s",
                 device[0] ? device : "?", serial[0] ? serial : "?", firmware[0] ? firmware : "?",
                 fs, date_text, datefmt, ignored[0] ? "; ignored columns: " : "", ignored);
        pt_note_add(info, note);
    }
    if (pt_channel_map_apply(opt->channels, info, path, err))
        goto fail;
    return s;
fail:
    al_close(s);
    return NULL;
}

static int al_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    al_state *s = p;
    for (size_t c = 0; c < info->nchan; c++)
        b->first[c] = s->n;
    while (!s->done && b->n[0] < b->cap) {
        size_t len;
        int cut;
        int r = al_next(s, &len, &cut, err);
        if (r < 0)
            return err ? err->code : PT_EIO;
        if (r == 0) {
            s->done = 1;
            break;
        }
        if (len == 0 && !cut)
            continue; /* blank line */
        char *cell[AL_MAX_COLS];
        size_t n = al_split(s->line, cell, AL_MAX_COLS);
        double v[3];
        int bad = n != s->ncols;
        size_t a = 0;
        for (; !bad && a < 3; a++) {
            char *e;
            const char *t = cell[s->col[a]];
            if (al_fast_number(t, &v[a]))
                continue;
            v[a] = strtod(t, &e);
            bad = e == t || *e || !isfinite(v[a]);
        }
        if (bad) {
            if (cut && s->allow_truncated) {
                char tmp[96];
                snprintf(tmp, sizeof tmp,
                         "truncated: the incomplete last line %lld (%zu bytes) was dropped",
                         s->lineno, len);
                pt_note_add(info, tmp);
                s->done = 1;
                break;
            }
            const char *tail = cut ? ": the file ends there (--allow-truncated drops it)" : "";
            if (n != s->ncols)
                return pt_error_set(err, PT_EDATA,
                                    "%s:%lld: expected %zu cells as in the column row, found %zu%s",
                                    s->path, s->lineno, s->ncols, n, tail);
            a--;
            return pt_error_set(err, PT_EDATA, "%s:%lld: Accelerometer %c: '%s' is not a number%s",
                                s->path, s->lineno, 'X' + (int)a, cell[s->col[a]], tail);
        }
        for (int c = 0; c < 3; c++)
            b->x[c][b->n[c]++] = v[c];
        s->n++;
    }
    if (s->done) {
        info->duration_s = (double)s->n / s->fs_hz;
        for (size_t c = 0; c < info->nchan; c++)
            info->chan[c].n_samples = s->n;
    }
    return PT_OK;
}

const pt_reader_ops pt_reader_actilife = {
    .name = "actilife",
    .probe = al_probe,
    .open = al_open,
    .read = al_read,
    .close = al_close,
};
