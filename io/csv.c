/* SPDX-License-Identifier: GPL-2.0-or-later
 * csv.c — generic CSV recordings (DESIGN.md, "Generic CSV input").
 *
 * Header row required; columns recognised by name (case-insensitive) with an
 * optional unit suffix (acc_x_ms2, ppg_mV, hr_bpm); a time column t_s / time /
 * timestamp in seconds (relative, Unix) or ISO 8601, or --fs without one.
 * Channels may have different rates: an empty cell means "no sample on this
 * row" (a 32 Hz accelerometer in a 64 Hz file leaves every other row empty);
 * "NaN" means a missing sample. Rows at irregular times (heart rate per
 * breath or per beat) make every channel irregular (fs_hz = 0, times given).
 * The file is read through a fixed buffer, one block at a time: memory does
 * not depend on its length. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/gzfile.h"
#include "io/reader_impl.h"

#define BUF_BYTES (1u << 20) /* longest line accepted, and the read size */
#define MAX_COLS 256
#define PROBE_ROWS 4096

typedef struct csv_state {
    FILE *f;
    char path[1024];
    char *buf;
    size_t beg, end; /* unread bytes are buf[beg..end) */
    int eof;
    int unterminated;    /* the last line handed out had no end of line (the file's end) */
    int allow_truncated; /* --allow-truncated: an incomplete last line is dropped, noted */
    long long line;      /* number of the last line handed out (1 = header) */
    long data_offset;    /* file offset of the first data line              */
    char delim;
    size_t ncols;
    int time_col;           /* -1: none, rows at 1/fs                           */
    double time_scale;      /* to seconds (t_ms columns)                        */
    int iso_time;           /* time column holds ISO 8601 text                  */
    int col_chan[MAX_COLS]; /* column -> channel, -1 ignored                 */
    double chan_scale[PT_MAX_CHANNELS];
    int chan_started[PT_MAX_CHANNELS];
    int64_t chan_n[PT_MAX_CHANNELS]; /* samples delivered so far, NaNs included */
    int irregular;
    double fs_row;      /* rows per second (regular mode)                   */
    double t_first;     /* time of the first row, file units [s]            */
    double t_prev;      /* relative time of the previous row                */
    long long nrows;    /* data rows read                                   */
    long long repeated; /* irregular mode: rows repeating the previous time */
    double max_gap_s;
    /* A parsed row not yet delivered because the block was full. */
    int held;
    double held_t;
    long long held_line;
    double held_v[PT_MAX_CHANNELS];
    int held_has[PT_MAX_CHANNELS];
} csv_state;

/* ---- line reader ---- */

/* Next line (without its end of line) into *line and *len, NUL-terminated in place.
 * Returns 1 for a line, 0 at the end, -1 on error (*err filled). */
static int next_line(csv_state *s, char **line, size_t *len, pt_error *err)
{
    for (;;) {
        char *start = s->buf + s->beg;
        char *nl = memchr(start, '\n', s->end - s->beg);
        if (nl || (s->eof && s->end > s->beg)) {
            size_t n = nl ? (size_t)(nl - start) : s->end - s->beg;
            s->beg += nl ? n + 1 : n;
            s->unterminated = !nl;
            const char *nul = memchr(start, '\0', n);
            if (nul) /* a text reader would stop there and read the cell before it */
                return pt_error_set(err, PT_EFORMAT,
                                    "%s:%lld: a NUL byte at column %zu of the line: not a text "
                                    "CSV, or a damaged one",
                                    s->path, s->line + 1, (size_t)(nul - start) + 1),
                       -1;
            if (n > 0 && start[n - 1] == '\r')
                n--;
            start[n] = '\0';
            *line = start;
            *len = n;
            s->line++;
            return 1;
        }
        if (s->eof)
            return 0;
        if (s->beg > 0) {
            memmove(s->buf, s->buf + s->beg, s->end - s->beg);
            s->end -= s->beg;
            s->beg = 0;
        }
        if (s->end >= BUF_BYTES - 1)
            return pt_error_set(err, PT_EFORMAT, "%s:%lld: line longer than %u bytes", s->path,
                                s->line + 1, BUF_BYTES - 1),
                   -1;
        size_t got = fread(s->buf + s->end, 1, BUF_BYTES - 1 - s->end, s->f);
        if (got == 0) {
            if (ferror(s->f))
                return pt_error_set(err, PT_EIO, "%s:%lld: read error: %s", s->path, s->line + 1,
                                    strerror(errno)),
                       -1;
            s->eof = 1;
        }
        s->end += got;
        s->buf[s->end] = '\0'; /* sentinel: fast_row stops at the end of the buffered bytes */
    }
}

/* isspace() of the C locale, without the locale table lookup per byte. */
static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Split line in place at delim; trims blanks and surrounding quotes.
 * One pass over the bytes (strchr + strlen per field was ~5 % of `process`). */
static size_t split(char *line, char delim, char **fields, size_t *flen, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *q = p;
        while (*q && *q != delim)
            q++;
        int more = *q == delim;
        char *a = p, *z = q;
        while (a < z && is_blank(*a))
            a++;
        while (z > a && is_blank(z[-1]))
            z--;
        if (z - a >= 2 && *a == '"' && z[-1] == '"') {
            a++;
            z--;
        }
        *z = '\0';
        if (n < max) {
            fields[n] = a;
            flen[n] = (size_t)(z - a);
        }
        n++;
        if (!more)
            break;
        p = q + 1;
    }
    return n;
}

/* Exact powers of ten: 10^0..10^22 are representable in binary64. */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Plain decimals ("-0.2569", "86399.984375") without strtod, which was the
 * largest single cost of reading (~12 % of `process`). Clinger's fast path
 * (1990): when the digits read as one integer m <= 2^53 and the power of ten
 * 10^k (k <= 22) are both exact, m / 10^k is one correctly rounded IEEE
 * division, the same double strtod returns. Anything else (exponents, more
 * digits, nan, inf, hex) returns 0 and goes to strtod. */
static int fast_decimal(const char *f, size_t len, double *v)
{
    const char *p = f, *end = f + len;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    if (end - p > 20) /* at most 19 digits and the point: m cannot overflow */
        return 0;
    uint64_t m = 0;
    const char *digits = p, *dot = NULL;
    for (; p < end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (d < 10)
            m = m * 10 + d;
        else if (*p == '.' && !dot)
            dot = p;
        else
            return 0;
    }
    size_t ndig = (size_t)(end - digits) - (dot != NULL);
    int nfrac = dot ? (int)(end - dot - 1) : 0;
    if (ndig == 0 || ndig > 19 || nfrac > 22 || m > ((uint64_t)1 << 53)) /* 20 digits may wrap */
        return 0;
    double x = (double)m / pow10_exact[nfrac];
    *v = neg ? -x : x;
    return 1;
}

/* Parse a whole field as a double. Returns 0 ok, 1 empty, -1 not a number. */
static int parse_num(const char *f, size_t len, double *v)
{
    if (len == 0)
        return 1;
    if (fast_decimal(f, len, v))
        return 0;
    char *end;
    *v = strtod(f, &end);
    if (end != f + len)
        return -1;
    return 0;
}

static int is_time_name(const char *name, double *scale)
{
    static const char *const sec[] = {"t_s",      "t",           "time",      "time_s", "timestamp",
                                      "datetime", "timestamp_s", "unix_time", "unix_s"};
    for (size_t i = 0; i < sizeof sec / sizeof sec[0]; i++)
        if (!strcasecmp(name, sec[i])) {
            *scale = 1.0;
            return 1;
        }
    if (!strcasecmp(name, "t_ms") || !strcasecmp(name, "time_ms") ||
        !strcasecmp(name, "timestamp_ms")) {
        *scale = 1e-3;
        return 1;
    }
    if (!strcasecmp(name, "t_us") || !strcasecmp(name, "time_us") ||
        !strcasecmp(name, "timestamp_us")) {
        *scale = 1e-6;
        return 1;
    }
    return 0;
}

/* Parse one data row: time (relative, s) and the channel values.
 * Returns 0, or an error code with *err naming file, line and column. */
static int parse_row(csv_state *s, pt_recording_info *info, char *line, double *t, double *v,
                     int *has, pt_error *err)
{
    char *fields[MAX_COLS];
    size_t flen[MAX_COLS];
    size_t n = split(line, s->delim, fields, flen, MAX_COLS);
    if (n != s->ncols)
        return pt_error_set(err, PT_EFORMAT,
                            "%s:%lld: expected %zu fields as in the header, found %zu%s", s->path,
                            s->line, s->ncols, n, n < s->ncols ? " (truncated line?)" : "");
    for (size_t c = 0; c < info->nchan; c++)
        has[c] = 0;
    if (s->time_col >= 0) {
        const char *f = fields[s->time_col];
        size_t len = flen[s->time_col];
        double tv;
        int r;
        if (s->iso_time) {
            r = len == 0 ? 1 : pt_parse_iso8601(f, len, &tv) ? -1 : 0;
        } else {
            r = parse_num(f, len, &tv);
            tv *= s->time_scale;
        }
        if (r == 1)
            return pt_error_set(err, PT_EDATA, "%s:%lld: empty time cell", s->path, s->line);
        if (r < 0 || !isfinite(tv))
            return pt_error_set(err, PT_EDATA, "%s:%lld: time '%s' is not %s", s->path, s->line, f,
                                s->iso_time ? "an ISO 8601 time" : "a finite number");
        *t = tv;
    } else {
        *t = (double)s->nrows / s->fs_row;
    }
    for (size_t col = 0; col < n; col++) {
        int c = s->col_chan[col];
        if (c < 0)
            continue;
        double x;
        int r = parse_num(fields[col], flen[col], &x);
        if (r == 1) {
            if (s->time_col < 0) { /* no time: every row is a sample, empty = missing */
                v[c] = NAN;
                has[c] = 1;
            }
            continue;
        }
        if (r < 0)
            return pt_error_set(err, PT_EDATA, "%s:%lld: column '%s': '%s' is not a number",
                                s->path, s->line, info->chan[c].name, fields[col]);
        if (isinf(x))
            return pt_error_set(err, PT_EDATA, "%s:%lld: column '%s': infinite value '%s'", s->path,
                                s->line, info->chan[c].name, fields[col]);
        v[c] = x * s->chan_scale[c];
        has[c] = 1;
    }
    return PT_OK;
}

/* The common row in one pass: next_line + split + parse_num + parse_row fused for rows whose
 * every field is empty or a plain decimal (optional sign, digits, at most one point: what
 * fast_decimal takes, with no blanks or quotes around it), ending in "\n" or "\r\n" inside
 * the buffer. Same values as the general path, bit for bit (Clinger 1990, as fast_decimal).
 * Returns 1 with the row parsed and the line consumed, or 0 with nothing consumed (any
 * other byte, an empty or comment line, a wrong field count, an empty time cell, a number
 * fast_decimal would refuse, the end of the buffer): the general path then reads the line
 * and gives the same result or the same error as before. */
static int fast_row(csv_state *s, double *t, double *v, int *has)
{
    const char *p = s->buf + s->beg; /* s->buf[s->end] is a NUL sentinel */
    const char delim = s->delim;
    const size_t ncols = s->ncols;
    const int time_col = s->time_col;
    if (*p == '\n' || *p == '\r' || *p == '#')
        return 0;
    for (size_t col = 0;; col++) {
        const char *f = p;
        int neg = 0;
        if (*p == '-' || *p == '+')
            neg = *p++ == '-';
        const char *digits = p;
        uint64_t m = 0;
        unsigned d;
        while ((d = (unsigned)(*p - '0')) < 10) {
            m = m * 10 + d; /* may wrap past 20 digits: refused below by the length */
            p++;
        }
        size_t nint = (size_t)(p - digits), nfrac = 0, dot = *p == '.';
        if (dot) {
            const char *q = ++p;
            while ((d = (unsigned)(*p - '0')) < 10) {
                m = m * 10 + d;
                p++;
            }
            nfrac = (size_t)(p - q);
        }
        char c = *p;
        int eol = c == '\n' || (c == '\r' && p[1] == '\n');
        if (!eol && c != delim)
            return 0;
        int ch = s->col_chan[col];
        if (p == f) { /* empty cell */
            if ((int)col == time_col)
                return 0; /* an error: the general path words it */
            if (ch >= 0) {
                if (time_col < 0) {
                    v[ch] = NAN;
                    has[ch] = 1;
                } else {
                    has[ch] = 0;
                }
            }
        } else {
            size_t ndig = nint + nfrac;
            /* fast_decimal's limits: a digit, at most 20 characters after the sign and 19
             * digits, m <= 2^53 ("-", ".", "+." go to the general path and its error) */
            if (ndig == 0 || ndig + dot > 20 || ndig > 19 || m > ((uint64_t)1 << 53))
                return 0;
            double x = (double)m / pow10_exact[nfrac];
            x = neg ? -x : x;
            if ((int)col == time_col) {
                *t = x * s->time_scale;
            } else if (ch >= 0) {
                v[ch] = x * s->chan_scale[ch];
                has[ch] = 1;
            }
        }
        if (col + 1 == ncols) {
            if (!eol)
                return 0; /* more fields than the header */
            p += c == '\r' ? 2 : 1;
            break;
        }
        if (eol)
            return 0; /* fewer fields than the header */
        p++;
    }
    if (time_col < 0)
        *t = (double)s->nrows / s->fs_row;
    s->beg = (size_t)(p - s->buf);
    s->line++;
    return 1;
}

static int csv_probe(const char *path, const unsigned char *head, size_t len)
{
    (void)path;
    if (len == 0)
        return 0;
    size_t printable = 0, i;
    for (i = 0; i < len; i++) {
        unsigned char ch = head[i];
        if (ch == 0)
            return 0;
        if (isprint(ch) || isspace(ch) || ch >= 0x80)
            printable++;
    }
    if (printable < len)
        return 0;
    return memchr(head, ',', len) || memchr(head, ';', len) || memchr(head, '\t', len) ? 50 : 10;
}

static void csv_close(void *p)
{
    csv_state *s = p;
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    free(s->buf);
    free(s);
}

static void note_append(pt_recording_info *info, const char *fmt, const char *arg)
{
    size_t used = strlen(info->note);
    if (used + 1 < sizeof info->note)
        snprintf(info->note + used, sizeof info->note - used, fmt, arg);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A row that failed to parse: when it is the file's last line, without an end of line, the
 * file was cut there. With --allow-truncated it is dropped (returns 1, noted once); else the
 * message says so (returns 0: the error stands). */
static int last_line_dropped(csv_state *s, pt_recording_info *info, size_t len, pt_error *err)
{
    if (!s->unterminated)
        return 0;
    if (!s->allow_truncated) {
        if (err && strlen(err->msg) + 48 < sizeof err->msg)
            strcat(err->msg, ": the file ends there (--allow-truncated drops it)");
        return 0;
    }
    if (!strstr(info->note, "incomplete last line")) {
        char tmp[96];
        snprintf(tmp, sizeof tmp,
                 "truncated: the incomplete last line %lld (%zu bytes) was dropped", s->line, len);
        note_append(info, info->note[0] ? "; %s" : "%s", tmp);
    }
    if (err) {
        err->code = PT_OK;
        err->msg[0] = '\0';
    }
    return 1;
}

static void *csv_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                      pt_error *err)
{
    csv_state *s = calloc(1, sizeof *s);
    double *times = NULL;
    if (!s || !(s->buf = malloc(BUF_BYTES))) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the CSV reader's buffer", path);
        goto fail;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    s->max_gap_s = opt->max_gap_s > 0 ? opt->max_gap_s : 86400.0;
    s->allow_truncated = opt->allow_truncated;
    s->f = pt_gz_fopen(path); /* plain, or .csv.gz through zlib (io/gzfile.c) */
    if (!s->f) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    char *line;
    size_t len;
    int r;
    /* Header: the first line that is not a comment. A comment "# start_time: ISO8601" before
     * it gives the absolute time of t = 0 for a file whose time column is relative. */
    double comment_start = NAN;
    long long comment_line = 0;
    do {
        r = next_line(s, &line, &len, err);
        if (r < 0)
            goto fail;
        if (r == 0) {
            pt_error_set(err, PT_EFORMAT, "%s: the file is empty", path);
            goto fail;
        }
        if (len > 12 && line[0] == '#') {
            const char *c = line + 1;
            while (*c == ' ' || *c == '\t')
                c++;
            if (!strncasecmp(c, "start_time", 10) && (c[10] == ':' || c[10] == '=')) {
                c += 11;
                while (*c == ' ' || *c == '\t')
                    c++;
                size_t cl = strlen(c);
                while (cl && (c[cl - 1] == ' ' || c[cl - 1] == '\t'))
                    cl--;
                comment_line = s->line;
                if (pt_parse_iso8601(c, cl, &comment_start)) {
                    pt_error_set(err, PT_EFORMAT,
                                 "%s:%lld: start_time '%.*s' is not an ISO 8601 time "
                                 "(YYYY-MM-DDTHH:MM[:SS](Z|+hh:mm))",
                                 path, comment_line, (int)(cl < 60 ? cl : 60), c);
                    goto fail;
                }
            }
        }
    } while (len == 0 || line[0] == '#');
    if ((unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB &&
        (unsigned char)line[2] == 0xBF) /* UTF-8 byte order mark */
        line += 3;
    s->delim = strchr(line, ',') ? ',' : strchr(line, ';') ? ';' : strchr(line, '\t') ? '\t' : ',';
    char *names[MAX_COLS];
    size_t nlen[MAX_COLS];
    size_t ncols = split(line, s->delim, names, nlen, MAX_COLS);
    if (ncols > MAX_COLS) {
        pt_error_set(err, PT_EFORMAT, "%s:%lld: %zu columns; at most %d are supported", path,
                     s->line, ncols, MAX_COLS);
        goto fail;
    }
    s->ncols = ncols;
    s->time_col = -1;
    s->time_scale = 1.0;
    size_t numeric = 0, known = 0;
    char ignored[256] = "";
    char tname[64] = "";
    for (size_t col = 0; col < ncols; col++) {
        double tmp;
        s->col_chan[col] = -1;
        if (parse_num(names[col], nlen[col], &tmp) == 0)
            numeric++;
        if (nlen[col] == 0)
            continue;
        if (s->time_col < 0 && is_time_name(names[col], &s->time_scale)) {
            s->time_col = (int)col;
            snprintf(tname, sizeof tname, "%s", names[col]);
            known++;
            continue;
        }
        pt_kind kind;
        double scale;
        char units[16];
        int rec = pt_channel_from_name(names[col], opt->acc_units, &kind, &scale, units);
        known += rec;
        if (info->nchan >= PT_MAX_CHANNELS) {
            size_t u = strlen(ignored);
            snprintf(ignored + u, sizeof ignored - u, "%s%s", u ? ", " : "", names[col]);
            continue;
        }
        pt_channel_info *ch = &info->chan[info->nchan];
        snprintf(ch->name, sizeof ch->name, "%s", names[col]);
        ch->kind = kind;
        snprintf(ch->units, sizeof ch->units, "%s", units);
        ch->n_samples = -1;
        s->chan_scale[info->nchan] = scale;
        s->col_chan[col] = (int)info->nchan++;
        if (!rec) {
            size_t u = strlen(info->note);
            if (u + 1 < sizeof info->note)
                snprintf(info->note + u, sizeof info->note - u,
                         "%scolumn '%s' is not a known channel; kept as auxiliary", u ? "; " : "",
                         names[col]);
        }
    }
    if (ignored[0])
        note_append(info, "; columns beyond the channel limit ignored: %s", ignored);
    if (numeric == ncols || known == 0) {
        pt_error_set(err, PT_EFORMAT,
                     "%s:%lld: no header row naming the columns (expected names such as "
                     "t_s, ppg, acc_x_g, acc_y_g, acc_z_g, ecg, hr_bpm)",
                     path, s->line);
        goto fail;
    }
    if (info->nchan == 0) {
        pt_error_set(err, PT_EFORMAT, "%s:%lld: the header names a time column but no signal", path,
                     s->line);
        goto fail;
    }
    long long header_line = s->line;
    s->data_offset = -1;
    /* Probe: the first rows give the time format, the row rate and each
     * channel's share of rows (its rate). */
    times = malloc(PROBE_ROWS * sizeof *times);
    long long counts[PT_MAX_CHANNELS] = {0};
    if (!times) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the rows that probe the time column",
                     path);
        goto fail;
    }
    if (s->time_col < 0) {
        if (!(opt->fs_hz > 0)) {
            pt_error_set(err, PT_EINVAL,
                         "%s:%lld: no time column (t_s, time or timestamp); give the sample rate "
                         "(--fs)",
                         path, header_line);
            goto fail;
        }
        s->fs_row = opt->fs_hz;
    }
    size_t m = 0;
    /* where the data starts (the reader rewinds here after the probe) */
    s->data_offset = ftell(s->f) - (long)(s->end - s->beg);
    while (m < PROBE_ROWS) {
        r = next_line(s, &line, &len, err);
        if (r < 0)
            goto fail;
        if (r == 0)
            break;
        if (len == 0 || line[0] == '#')
            continue;
        if (m == 0 && s->time_col >= 0) {
            char copy[128];
            char *flds[MAX_COLS];
            size_t fl[MAX_COLS];
            size_t cl = len < sizeof copy - 1 ? len : sizeof copy - 1;
            memcpy(copy, line, cl);
            copy[cl] = '\0';
            size_t nf = split(copy, s->delim, flds, fl, MAX_COLS);
            double tv, us;
            if ((size_t)s->time_col < nf &&
                parse_num(flds[s->time_col], fl[s->time_col], &tv) < 0 &&
                pt_parse_iso8601(flds[s->time_col], fl[s->time_col], &us) == 0)
                s->iso_time = 1;
        }
        double t, v[PT_MAX_CHANNELS];
        int has[PT_MAX_CHANNELS];
        if (parse_row(s, info, line, &t, v, has, err)) {
            if (last_line_dropped(s, info, len, err))
                break;
            goto fail;
        }
        times[m++] = t;
        s->nrows++;
        for (size_t c = 0; c < info->nchan; c++)
            counts[c] += has[c];
    }
    if (m == 0) {
        pt_error_set(err, PT_EFORMAT, "%s:%lld: no samples: no data rows after the header", path,
                     header_line);
        goto fail;
    }
    size_t tl = strlen(tname);
    int says_s = tl >= 2 && !strcasecmp(tname + tl - 2, "_s"); /* the header says seconds */
    if (s->time_col >= 0 && !s->iso_time && s->time_scale == 1.0 && m >= 3) {
        /* A seconds column holding ms (or us) gives an absurdly slow row rate: refuse it rather
         * than read 50 Hz as 0.05 Hz. Values above 1e11 (year 5138 in seconds, ms since 1970)
         * give it away; so do whole steps >= 2 (20, 40: ms at 50/25 Hz) under a name without
         * a unit when a waveform (PPG, acceleration, ECG) is in the rows: those are never
         * sampled below 0.5 Hz, while an HR column every 5 s may be. */
        int waveform = 0;
        for (size_t c = 0; c < info->nchan; c++)
            waveform |= info->chan[c].kind == PT_KIND_PPG || info->chan[c].kind == PT_KIND_ECG ||
                        info->chan[c].kind == PT_KIND_ACC_X ||
                        info->chan[c].kind == PT_KIND_ACC_Y || info->chan[c].kind == PT_KIND_ACC_Z;
        double step = (times[m - 1] - times[0]) / (double)(m - 1);
        double d1 = times[1] - times[0];
        int whole = step >= 2 && d1 >= 1 && fabs(d1 - round(d1)) < 1e-9;
        int epoch_ms = fabs(times[0]) > 1e11;
        if (epoch_ms || (step > 0 && 1.0 / step < 0.5 && whole && waveform && !says_s)) {
            /* epoch: us since 1970 is ~1.7e15, ms ~1.7e12; relative: as ms the steps give
             * 1..1000 Hz, beyond that as us */
            int us = epoch_ms ? fabs(times[0]) > 1e14 : step > 1000;
            pt_error_set(err, PT_EFORMAT,
                         "%s:%lld: time column '%s' looks like %s: read as seconds it would give "
                         "%.3g Hz; name it %s (or time_s if it really is seconds)",
                         path, header_line + 1, tname, us ? "microseconds" : "milliseconds",
                         step > 0 ? 1.0 / step : 0.0, us ? "time_us" : "time_ms");
            goto fail;
        }
    }
    s->t_first = times[0];
    if (s->iso_time || (s->time_col >= 0 && times[0] > 9e8)) { /* absolute: ISO or Unix seconds */
        info->start_unix_s = times[0];
        pt_format_iso8601(times[0], info->start_time_utc);
        if (isfinite(comment_start) && fabs(comment_start - times[0]) > 1.0) {
            char note[160];
            snprintf(note, sizeof note,
                     "line %lld: start_time differs from the time column by %.0f s; the time "
                     "column is used",
                     comment_line, comment_start - times[0]);
            note_append(info, info->note[0] ? "; %s" : "%s", note);
        }
    } else if (isfinite(comment_start)) {
        info->start_unix_s = comment_start + (s->time_col >= 0 ? times[0] : 0.0);
        pt_format_iso8601(info->start_unix_s, info->start_time_utc);
    }
    if (s->time_col >= 0) {
        /* Row rate from the median step; irregular when steps vary widely. */
        size_t nd = 0;
        for (size_t i = 1; i < m; i++) {
            double d = times[i] - times[i - 1];
            if (d > 0)
                times[nd++] = d;
        }
        if (nd < 2) {
            s->irregular = 1;
        } else {
            qsort(times, nd, sizeof *times, cmp_double);
            double med = times[nd / 2];
            size_t near = 0; /* steps within -20 %..+25 % of the median; gaps are few */
            for (size_t i = 0; i < nd; i++)
                near += times[i] >= 0.8 * med && times[i] <= 1.25 * med;
            if ((double)near < 0.9 * (double)nd) {
                s->irregular = 1;
            } else {
                double fs = 1.0 / med, rf = round(fs);
                s->fs_row = fabs(fs - rf) <= 0.005 * fs ? rf : fs;
            }
        }
    }
    for (size_t c = 0; c < info->nchan; c++) {
        pt_channel_info *ch = &info->chan[c];
        if (s->irregular) {
            ch->fs_hz = 0;
        } else if (counts[c] > 0) {
            double d = round((double)m / (double)counts[c]);
            ch->fs_hz = s->fs_row / (d >= 1 ? d : 1);
        } else {
            ch->fs_hz = s->fs_row;
        }
    }
    if (s->irregular)
        note_append(info, "%srows at irregular times: channels kept with their time stamps",
                    info->note[0] ? "; " : "");
    /* Rewind to the first data row. */
    if (fseek(s->f, s->data_offset, SEEK_SET) != 0) {
        pt_error_set(err, PT_EIO, "%s: cannot seek (a pipe?): %s", path, strerror(errno));
        goto fail;
    }
    s->beg = s->end = 0;
    s->buf[0] = '\0';
    s->eof = 0;
    s->line = header_line;
    s->nrows = 0;
    free(times);
    return s;
fail:
    free(times);
    csv_close(s);
    return NULL;
}

/* Deliver s->held into b if it fits; returns 1 delivered, 0 block full, -1 error. */
/* A regular channel whose cells stay empty while the rows go on (its column stops part-way)
 * has no samples there: it is kept within LAG of the rows with NaN, so that the channels
 * of the block stay together in time. Returns how many NaN samples are due. */
static inline int64_t lagging(const csv_state *s, const pt_channel_info *ch, size_t c, double t)
{
    double lag_s = ch->fs_hz > 1.5 ? 2.0 : 3.0 / ch->fs_hz;
    int64_t due = (int64_t)floor((t - lag_s - ch->t0_s) * ch->fs_hz);
    return due - s->chan_n[c];
}

static int deliver(csv_state *s, pt_recording_info *info, pt_block *b, pt_error *err)
{
    double t = s->held_t - s->t_first;
    if (!s->irregular)
        for (size_t c = 0; c < info->nchan; c++) {
            if (s->held_has[c] || !s->chan_started[c] || !(info->chan[c].fs_hz > 0))
                continue;
            for (int64_t k = lagging(s, &info->chan[c], c, t); k > 0 && b->n[c] < b->cap; k--) {
                b->x[c][b->n[c]++] = NAN;
                s->chan_n[c]++;
            }
        }
    /* Check first so that a row is delivered whole or not at all. */
    for (size_t c = 0; c < info->nchan; c++) {
        if (!s->held_has[c])
            continue;
        if (s->irregular) {
            if (b->n[c] + 1 > b->cap)
                return 0;
            continue;
        }
        pt_channel_info *ch = &info->chan[c];
        if (!s->chan_started[c]) {
            s->chan_started[c] = 1;
            ch->t0_s = t;
        }
        int64_t idx = (int64_t)llround((t - ch->t0_s) * ch->fs_hz);
        /* Errors return -1, never a status that could read as "delivered". */
        if (idx < s->chan_n[c]) {
            pt_error_set(err, PT_EDATA,
                         "%s:%lld: column '%s': sample at %.6f s comes less than one sample "
                         "period (1/%.6g Hz) after the previous one",
                         s->path, s->held_line, ch->name, t, ch->fs_hz);
            return -1;
        }
        if ((double)(idx - s->chan_n[c]) / ch->fs_hz > s->max_gap_s) {
            pt_error_set(err, PT_EDATA,
                         "%s:%lld: gap of %.1f s before %.3f s is longer than the limit of %.0f s",
                         s->path, s->held_line, (double)(idx - s->chan_n[c]) / ch->fs_hz, t,
                         s->max_gap_s);
            return -1;
        }
        /* A gap is filled with NaN so that sample i stays at t0 + i/fs. */
        while (s->chan_n[c] < idx && b->n[c] < b->cap) {
            b->x[c][b->n[c]++] = NAN;
            s->chan_n[c]++;
        }
        if (s->chan_n[c] < idx || b->n[c] + 1 > b->cap)
            return 0;
    }
    for (size_t c = 0; c < info->nchan; c++) {
        if (!s->held_has[c])
            continue;
        if (s->irregular) {
            b->t[c][b->n[c]] = t;
        }
        b->x[c][b->n[c]++] = s->held_v[c];
        s->chan_n[c]++;
    }
    s->held = 0;
    return 1;
}

/* Time order of the row just parsed into s->held_t; marks it held. Returns 0 or an error. */
static inline int row_checks(csv_state *s, pt_error *err)
{
    double t = s->held_t - s->t_first;
    if (s->nrows > 0) {
        if (t < s->t_prev)
            return pt_error_set(err, PT_EDATA, "%s:%lld: time goes backwards (%.6f s after %.6f s)",
                                s->path, s->line, t, s->t_prev);
        if (t == s->t_prev) {
            if (!s->irregular)
                return pt_error_set(err, PT_EDATA,
                                    "%s:%lld: time %.6f s repeats the previous row's", s->path,
                                    s->line, t);
            s->repeated++;
        }
    }
    s->t_prev = t;
    s->nrows++;
    s->held = 1;
    s->held_line = s->line;
    return PT_OK;
}

/* deliver() for the common case, regular mode: every sample of the held row falls on its
 * channel's next index and fits in the block. llround(x) == chan_n when the computed
 * x - chan_n lies within +-0.25 (rounding is monotone, so the exact difference is then
 * below 0.5), which spares llround per sample. Returns 1 delivered, or 0 with nothing
 * changed: deliver() then decides (gap, error, block full, a channel's first sample). */
static inline int fast_deliver(csv_state *s, const pt_recording_info *info, pt_block *b)
{
    double t = s->held_t - s->t_first;
    size_t nchan = info->nchan;
    for (size_t c = 0; c < nchan; c++) {
        if (!s->held_has[c]) {
            if (s->chan_started[c] && info->chan[c].fs_hz > 0 &&
                lagging(s, &info->chan[c], c, t) > 0)
                return 0; /* deliver() fills its NaN */
            continue;
        }
        if (!s->chan_started[c] || b->n[c] >= b->cap)
            return 0;
        const pt_channel_info *ch = &info->chan[c];
        double d = (t - ch->t0_s) * ch->fs_hz - (double)s->chan_n[c];
        if (!(d > -0.25 && d < 0.25))
            return 0;
    }
    for (size_t c = 0; c < nchan; c++) {
        if (!s->held_has[c])
            continue;
        b->x[c][b->n[c]++] = s->held_v[c];
        s->chan_n[c]++;
    }
    s->held = 0;
    return 1;
}

static int csv_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    csv_state *s = p;
    for (size_t c = 0; c < info->nchan; c++)
        b->first[c] = s->chan_n[c];
    for (;;) {
        if (!s->held && s->beg < s->end && !s->iso_time &&
            fast_row(s, &s->held_t, s->held_v, s->held_has)) {
            if (row_checks(s, err))
                return err ? err->code : PT_EDATA;
        } else if (!s->held) {
            char *line;
            size_t len;
            int r = next_line(s, &line, &len, err);
            if (r < 0)
                return err ? err->code : PT_EIO;
            if (r == 0) {
                double fs = s->irregular ? 0 : s->fs_row;
                info->duration_s = s->t_prev + (fs > 0 ? 1.0 / fs : 0.0);
                for (size_t c = 0; c < info->nchan; c++)
                    info->chan[c].n_samples = s->chan_n[c];
                if (s->repeated > 0 && !strstr(info->note, "repeat")) {
                    char tmp[64];
                    snprintf(tmp, sizeof tmp, "%lld", s->repeated);
                    note_append(info, "; %s rows repeat the previous row's time", tmp);
                }
                return PT_OK;
            }
            if (len == 0 || line[0] == '#')
                continue;
            if (parse_row(s, info, line, &s->held_t, s->held_v, s->held_has, err)) {
                if (last_line_dropped(s, info, len, err))
                    continue;
                return err ? err->code : PT_EDATA;
            }
            if (row_checks(s, err))
                return err ? err->code : PT_EDATA;
        }
        if (!s->irregular && fast_deliver(s, info, b))
            continue;
        int r = deliver(s, info, b, err);
        if (r < 0)
            return err && err->code ? err->code : PT_EDATA;
        if (r == 0)
            return PT_OK; /* block full; the held row goes first next time */
    }
}

const pt_reader_ops pt_reader_csv = {
    .name = "csv",
    .probe = csv_probe,
    .open = csv_open,
    .read = csv_read,
    .close = csv_close,
};
