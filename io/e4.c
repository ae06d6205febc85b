/* SPDX-License-Identifier: GPL-2.0-or-later
 * e4.c — Empatica E4 exports (E4 Connect / WESAD layout): a folder with
 * ACC.csv, BVP.csv, HR.csv, IBI.csv, EDA.csv, TEMP.csv and tags.csv, or the
 * zip of those files the portal gives. In every signal file line 1 is the
 * start (Unix seconds, UTC, one per column) and line 2 the sample rate [Hz];
 * IBI.csv has "<start>, IBI" and then rows of "<s since start>,<interval s>".
 * Units (Empatica's info.txt): ACC 1/64 g, BVP unitless (PPG), HR bpm, IBI s
 * (delivered in ms), EDA uS, TEMP degC.
 * Files are read in step, a time span per block, so the channels stay aligned
 * without loading any file whole. A zip's members are inflated block by block
 * (io/zip.c) into the same line parser as the folder's files.
 * Numbers: decimal fields are converted exactly (Clinger 1990's fast path: an
 * integer mantissa up to 2^53 times a power of ten up to 1e22 is one correctly
 * rounded operation); anything else goes to strtod, so values equal strtod's. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/edf_util.h"
#include "io/reader_impl.h"
#include "io/zip.h"

enum { E4_ACC, E4_BVP, E4_HR, E4_IBI, E4_EDA, E4_TEMP, E4_NFILES };

static const struct {
    const char *file;
    int ncols;
} e4_files[E4_NFILES] = {
    {"ACC.csv", 3}, {"BVP.csv", 1}, {"HR.csv", 1}, {"IBI.csv", 2}, {"EDA.csv", 1}, {"TEMP.csv", 1},
};

#define E4_BUF 65536
#define E4_PAD_MIN_S 5.0      /* a file ending this much before the others is padded with NaN */
#define E4_MAX_LINE (1 << 20) /* longer is not an E4 CSV (a binary file, say) */

/* One signal file: a file of the folder or a member of the zip, read through
 * a buffer of lines. */
typedef struct e4_file {
    FILE *f;           /* folder: the file                        */
    pt_zip_stream *zs; /* zip: the member's stream                */
    int open;          /* one of the two is set                   */
    char path[1400];   /* "dir/ACC.csv" or "x.zip:ACC.csv"        */
    unsigned char *buf;
    size_t beg, end, cap;
    int src_eof;
    long long line;
    double start_unix_s;
    double fs_hz; /* 0 for IBI */
    size_t chan;  /* first output channel */
    int ncols;
    int64_t n;      /* samples delivered (NaN padding included) */
    int64_t n_real; /* of them read from the file */
    double t_prev;  /* IBI: last time [s since its start] */
    int eof;
    /* a parsed row that did not fit in the block */
    int held;
    double held_v[3];
} e4_file;

typedef struct e4_state {
    char dir[1024]; /* the folder, or the zip */
    pt_zip *zip;    /* NULL for a folder */
    e4_file file[E4_NFILES];
    double start_unix_s;
    double fs_max;
    double t_end;     /* blocks so far cover [0, t_end) s */
    double max_gap_s; /* a longer gap between beats (or to the first) is an error */
} e4_state;

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The export folder for path: itself, or the folder of one of its CSVs. */
static int e4_dir(const char *path, char out[1024])
{
    if (is_dir(path)) {
        snprintf(out, 1024, "%s", path);
        return 0;
    }
    const char *sl = strrchr(path, '/');
    const char *base = sl ? sl + 1 : path;
    for (int i = 0; i < E4_NFILES; i++)
        if (!strcmp(base, e4_files[i].file)) {
            if (sl)
                snprintf(out, 1024, "%.*s", (int)(sl - path), path);
            else
                snprintf(out, 1024, ".");
            return 0;
        }
    return -1;
}

/* Number of E4 signal members in the zip. */
static int zip_e4_members(const pt_zip *z)
{
    int found = 0;
    for (int i = 0; i < E4_NFILES; i++)
        found += pt_zip_find(z, e4_files[i].file) >= 0;
    return found;
}

static int e4_probe(const char *path, const unsigned char *head, size_t len)
{
    char dir[1024], p[1100];
    if (pt_zip_sniff(head, len)) {
        /* Any zip gets a low score so that a zip without E4 members is told so. */
        pt_zip *z = pt_zip_open(path, NULL);
        int found = z ? zip_e4_members(z) : 0;
        pt_zip_close(z);
        return found ? 95 : 10;
    }
    if (e4_dir(path, dir))
        return 0;
    if (!is_dir(path)) {
        /* an E4 CSV starts with a Unix time, not a header of names */
        size_t i = 0;
        while (i < len && (isdigit(head[i]) || head[i] == '.'))
            i++;
        if (i < 9)
            return 0;
    }
    int found = 0;
    for (int i = 0; i < E4_NFILES; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, e4_files[i].file);
        found += access(p, R_OK) == 0;
    }
    return found ? 90 : 0;
}

static void file_close(e4_file *f)
{
    if (f->f)
        fclose(f->f);
    pt_zip_stream_close(f->zs);
    free(f->buf);
    f->f = NULL;
    f->zs = NULL;
    f->buf = NULL;
}

static void e4_close(void *p)
{
    e4_state *s = p;
    if (!s)
        return;
    for (int i = 0; i < E4_NFILES; i++)
        file_close(&s->file[i]);
    pt_zip_close(s->zip);
    free(s);
}

/* Open the source of f: path in the folder, or member m of the zip. */
static int file_open(e4_state *s, e4_file *f, const char *name, long m, pt_error *err)
{
    if (s->zip) {
        snprintf(f->path, sizeof f->path, "%s:%s", s->dir,
                 pt_zip_entry_at(s->zip, (size_t)m)->name);
        if (!(f->zs = pt_zip_stream_open(s->zip, (size_t)m, err)))
            return err ? err->code : PT_EFORMAT;
    } else {
        snprintf(f->path, sizeof f->path, "%s/%s", s->dir, name);
        if (!(f->f = fopen(f->path, "rb")))
            return pt_error_set(err, PT_EIO, "%s: %s", f->path, strerror(errno));
    }
    f->cap = E4_BUF;
    if (!(f->buf = malloc(f->cap)))
        return pt_error_set(err, PT_ENOMEM, "%s: out of memory for the line buffer", f->path);
    f->open = 1;
    return PT_OK;
}

/* Raw bytes from the file or the member: the count, 0 at the end, -1 with *err. */
static long src_read(e4_file *f, unsigned char *buf, size_t n, pt_error *err)
{
    if (f->zs)
        return (long)pt_zip_stream_read(f->zs, buf, n, err);
    size_t got = fread(buf, 1, n, f->f);
    if (got == 0 && ferror(f->f)) {
        pt_error_set(err, PT_EIO, "%s:%lld: %s", f->path, f->line + 1, strerror(errno));
        return -1;
    }
    return (long)got;
}

/* Next non-empty line of f with its end (CR, LF, blanks) stripped, NUL-terminated:
 * 1, 0 at the end, -1 with *err filled. */
static int get_line(e4_file *f, char **line, pt_error *err)
{
    for (;;) {
        unsigned char *start = f->buf + f->beg;
        size_t avail = f->end - f->beg;
        unsigned char *nl = avail ? memchr(start, '\n', avail) : NULL;
        size_t n;
        if (nl) {
            n = (size_t)(nl - start);
            f->beg += n + 1;
        } else if (f->src_eof) {
            if (!avail)
                return 0;
            n = avail; /* the last line has no LF */
            f->beg = f->end;
        } else {
            /* Keep the partial line, make room, read more (one byte kept for a NUL). */
            if (f->beg > 0) {
                memmove(f->buf, start, avail);
                f->beg = 0;
                f->end = avail;
            }
            if (f->end + 1 >= f->cap) {
                if (f->cap >= E4_MAX_LINE) {
                    pt_error_set(err, PT_EFORMAT,
                                 "%s:%lld: a line longer than %d bytes: not an E4 CSV file",
                                 f->path, f->line + 1, E4_MAX_LINE);
                    return -1;
                }
                unsigned char *nb = realloc(f->buf, f->cap * 2);
                if (!nb) {
                    pt_error_set(err, PT_ENOMEM, "%s:%lld: out of memory for a line of %zu bytes",
                                 f->path, f->line + 1, f->cap * 2);
                    return -1;
                }
                f->buf = nb;
                f->cap *= 2;
            }
            long got = src_read(f, f->buf + f->end, f->cap - f->end - 1, err);
            if (got < 0)
                return -1;
            if (got == 0)
                f->src_eof = 1;
            f->end += (size_t)got;
            continue;
        }
        f->line++;
        while (n > 0 && (start[n - 1] == '\r' || start[n - 1] == ' ' || start[n - 1] == '\n'))
            n--;
        if (n > 0) {
            start[n] = '\0';
            *line = (char *)start;
            return 1;
        }
    }
}

/* Exact powers of ten: every one up to 1e22 is a double without rounding. */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* strtod, faster on plain decimals ("-1056.400000", "63", "1.2e3"): with at
 * most 19 significant digits forming an integer m <= 2^53 and a decimal
 * exponent |e| <= 22, m * 10^e (or m / 10^-e) is one IEEE operation on exact
 * operands, hence the correctly rounded value strtod returns. Anything else
 * (more digits, hex, inf, nan, an unusual end) is left to strtod. */
static double parse_num(const char *p, char **end)
{
    const char *q = p;
    int neg = 0;
    if (*q == '-' || *q == '+')
        neg = *q++ == '-';
    uint64_t m = 0;
    int nd = 0, ndig = 0, e10 = 0;
    while (*q == '0') {
        q++;
        ndig++;
    }
    while (*q >= '0' && *q <= '9') {
        m = m * 10 + (uint64_t)(*q++ - '0');
        nd++;
        ndig++;
    }
    if (*q == '.') {
        q++;
        if (nd == 0)
            while (*q == '0') {
                q++;
                ndig++;
                e10--;
            }
        while (*q >= '0' && *q <= '9') {
            m = m * 10 + (uint64_t)(*q++ - '0');
            nd++;
            ndig++;
            e10--;
        }
    }
    if (ndig == 0 || nd > 19)
        return strtod(p, end);
    if (*q == 'e' || *q == 'E') {
        const char *r = q + 1;
        int eneg = 0, ev = 0, en = 0;
        if (*r == '-' || *r == '+')
            eneg = *r++ == '-';
        while (*r >= '0' && *r <= '9' && en < 4) {
            ev = ev * 10 + (*r++ - '0');
            en++;
        }
        if (en == 0 || (*r >= '0' && *r <= '9'))
            return strtod(p, end);
        e10 += eneg ? -ev : ev;
        q = r;
    }
    /* only the ends parse_fields accepts; others (a letter: "0x1p3") go to strtod */
    if (*q && *q != ',' && *q != ' ' && *q != '\t')
        return strtod(p, end);
#if FLT_EVAL_METHOD != 0
    return strtod(p, end); /* x87 extended precision would round twice */
#endif
    double v;
    if (m == 0)
        v = 0.0;
    else if (m <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22)
        v = e10 < 0 ? (double)m / pow10_exact[-e10] : (double)m * pow10_exact[e10];
    else
        return strtod(p, end);
    *end = (char *)q;
    return neg ? -v : v;
}

/* Split a line of numbers at commas: returns the count, or -1 when a field
 * is not a number; *bad points at it. */
static int parse_fields(char *line, double *v, int max, char **bad)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        char *end;
        double x = parse_num(p, &end);
        char *q = end;
        while (*q == ' ' || *q == '\t')
            q++;
        if (end == p || (*q && *q != ',')) {
            *bad = p;
            return -1;
        }
        if (n < max)
            v[n] = x;
        n++;
        if (!*q)
            return n;
        p = q + 1;
    }
}

/* Count the lines of f that do not start with CR or LF (tags.csv: one event a line). */
static int count_lines(e4_file *f, int *count, pt_error *err)
{
    int prev = '\n', ntag = 0;
    for (;;) {
        long got = src_read(f, f->buf, f->cap, err);
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        for (long k = 0; k < got; k++) {
            int ch = f->buf[k];
            if (prev == '\n' && ch != '\n' && ch != '\r')
                ntag++;
            prev = ch;
        }
    }
    *count = ntag;
    return 0;
}

/* Read the two header lines of signal file i (the start time, the rate). */
static int read_header(e4_state *s, int i, pt_error *err)
{
    e4_file *f = &s->file[i];
    char *line, *bad;
    double v[3];
    int r = get_line(f, &line, err);
    if (r < 0)
        return err ? err->code : PT_EIO;
    if (r == 0)
        return pt_error_set(err, PT_EFORMAT, "%s:1: the file is empty", f->path);
    int n;
    if (i == E4_IBI) {
        char *comma = strchr(line, ',');
        if (comma)
            *comma = '\0';
        n = parse_fields(line, v, 1, &bad);
    } else {
        n = parse_fields(line, v, 3, &bad);
    }
    if (n < 1 || !isfinite(v[0]) || v[0] < 0)
        return pt_error_set(err, PT_EFORMAT,
                            "%s:%lld: the first line must be the start time (Unix seconds)",
                            f->path, f->line);
    if (i != E4_IBI && n != f->ncols)
        return pt_error_set(err, PT_EFORMAT, "%s:%lld: %d columns, expected %d", f->path, f->line,
                            n, f->ncols);
    f->start_unix_s = v[0];
    if (i != E4_IBI) {
        r = get_line(f, &line, err);
        if (r < 0)
            return err ? err->code : PT_EIO;
        if (r == 0 || (n = parse_fields(line, v, 3, &bad)) < 1)
            return pt_error_set(err, PT_EFORMAT, "%s:%lld: the second line must be the sample rate",
                                f->path, f->line + (r <= 0));
        /* E4 files are 1-64 Hz. A rate of 1e-51 Hz (found by fuzzing) put the next sample
         * 10^50 s away and the block loop crawled towards it; 0.01 Hz next to 30 kHz (also
         * fuzzing) made 30 M samples of padding from 185 bytes: the ratio stays <= 2048 */
        if (!(v[0] >= 0.5) || !isfinite(v[0]) || v[0] > 1024)
            return pt_error_set(err, PT_EFORMAT,
                                "%s:%lld: sample rate %g Hz: an E4 file has 1-64 Hz (0.5-1024 Hz "
                                "are accepted)",
                                f->path, f->line, v[0]);
        f->fs_hz = v[0];
        if (f->fs_hz > s->fs_max)
            s->fs_max = f->fs_hz;
    }
    if (f->start_unix_s < s->start_unix_s)
        s->start_unix_s = f->start_unix_s;
    return PT_OK;
}

static void *e4_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                     pt_error *err)
{
    e4_state *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the E4 reader", path);
        return NULL;
    }
    unsigned char head[22] = {0};
    size_t hn = 0;
    if (!is_dir(path)) {
        FILE *hf = fopen(path, "rb");
        if (hf) {
            hn = fread(head, 1, sizeof head, hf);
            fclose(hf);
        }
    }
    if (pt_zip_sniff(head, hn)) {
        snprintf(s->dir, sizeof s->dir, "%s", path);
        if (!(s->zip = pt_zip_open(path, err)))
            goto fail;
        if (!zip_e4_members(s->zip)) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: no E4 signal file (ACC.csv, BVP.csv, HR.csv, IBI.csv, EDA.csv, "
                         "TEMP.csv) among the archive's %zu members",
                         path, pt_zip_count(s->zip));
            goto fail;
        }
    } else if (e4_dir(path, s->dir)) {
        pt_error_set(err, PT_EFORMAT, "%s: not an E4 export folder or zip", path);
        goto fail;
    }
    s->start_unix_s = (double)INFINITY;
    int nfiles = 0;
    for (int i = 0; i < E4_NFILES; i++) {
        e4_file *f = &s->file[i];
        f->ncols = e4_files[i].ncols;
        long m = -1;
        if (s->zip) {
            if ((m = pt_zip_find(s->zip, e4_files[i].file)) < 0)
                continue;
        } else {
            char p[1100];
            snprintf(p, sizeof p, "%s/%s", s->dir, e4_files[i].file);
            if (access(p, F_OK) != 0)
                continue;
        }
        if (file_open(s, f, e4_files[i].file, m, err) || read_header(s, i, err))
            goto fail;
        nfiles++;
    }
    if (nfiles == 0) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: no E4 signal file (ACC.csv, BVP.csv, HR.csv, IBI.csv, "
                     "EDA.csv, TEMP.csv)",
                     s->dir);
        goto fail;
    }
    if (s->fs_max <= 0)
        s->fs_max = 1.0; /* IBI only */
    s->max_gap_s = opt->max_gap_s > 0 ? opt->max_gap_s : 86400.0;
    for (int i = 0; i < E4_NFILES; i++) {
        e4_file *f = &s->file[i];
        double lag = f->start_unix_s - s->start_unix_s;
        if (f->open && lag > (opt->max_gap_s > 0 ? opt->max_gap_s : 86400.0)) {
            pt_error_set(err, PT_EDATA,
                         "%s:1: starts %.0f s after the other files (more than the gap limit)",
                         f->path, lag);
            goto fail;
        }
    }
    static const char *const names[E4_NFILES][3] = {
        {"ACC_x", "ACC_y", "ACC_z"}, {"BVP"}, {"HR"}, {"IBI"}, {"EDA"}, {"TEMP"}};
    static const char *const units[E4_NFILES] = {"g", "au", "bpm", "ms", "uS", "degC"};
    static const pt_kind kinds[E4_NFILES] = {PT_KIND_ACC_X, PT_KIND_PPG, PT_KIND_HR,
                                             PT_KIND_IBI,   PT_KIND_AUX, PT_KIND_AUX};
    for (int i = 0; i < E4_NFILES; i++) {
        e4_file *f = &s->file[i];
        if (!f->open)
            continue;
        f->chan = info->nchan;
        int nc = i == E4_ACC ? 3 : 1;
        for (int k = 0; k < nc; k++) {
            pt_channel_info *ch = &info->chan[info->nchan++];
            snprintf(ch->name, sizeof ch->name, "%s", names[i][k]);
            ch->kind = (pt_kind)(kinds[i] + (i == E4_ACC ? k : 0));
            snprintf(ch->units, sizeof ch->units, "%s", units[i]);
            ch->fs_hz = f->fs_hz;
            ch->t0_s = f->start_unix_s - s->start_unix_s;
            ch->n_samples = -1;
        }
    }
    info->start_unix_s = s->start_unix_s;
    pt_format_iso8601(s->start_unix_s, info->start_time_utc);
    if (pt_channel_map_apply(opt->channels, info, s->dir, err))
        goto fail;
    {
        /* tags.csv: counted, read through the same sources as the signals */
        e4_file t = {0};
        long m = s->zip ? pt_zip_find(s->zip, "tags.csv") : 0;
        char p[1100];
        snprintf(p, sizeof p, "%s/tags.csv", s->dir);
        if (s->zip ? m >= 0 : access(p, R_OK) == 0) {
            int ntag = 0;
            int rc = file_open(s, &t, "tags.csv", m, err);
            if (!rc)
                rc = count_lines(&t, &ntag, err) ? -1 : 0;
            file_close(&t);
            if (rc && s->zip)
                goto fail; /* a corrupt member; a folder's unreadable tags are skipped */
            char note[96];
            if (!rc) {
                snprintf(note, sizeof note, "tags.csv: %d event marks (not channels)", ntag);
                pt_note_add(info, note);
            }
            pt_error_clear(err);
        }
    }
    if (s->zip) {
        char note[128];
        snprintf(note, sizeof note, "read from the zip archive (%zu members)",
                 pt_zip_count(s->zip));
        pt_note_add(info, note);
    }
    return s;
fail:
    e4_close(s);
    return NULL;
}

/* First sample index n of file f whose time t0 + n / fs reaches t_end: the
 * predicate evaluated exactly as a per-row test would (it is monotonic in n). */
static int64_t first_at_or_after(double t0, double fs, double t_end, int64_t from)
{
    double guess = ceil((t_end - t0) * fs);
    if (isnan(guess) || guess > 9e15)
        return INT64_MAX; /* beyond any file's rows */
    int64_t n = guess > (double)from ? (int64_t)guess : from;
    while (n > from && t0 + (double)(n - 1) / fs >= t_end)
        n--;
    while (!(t0 + (double)n / fs >= t_end))
        n++;
    return n;
}

/* Fill channel(s) of file i up to time t_end [s from the recording start]. */
static int fill_file(e4_state *s, int i, const pt_recording_info *info, pt_block *b, double t_end,
                     pt_error *err)
{
    e4_file *f = &s->file[i];
    size_t c0 = f->chan;
    double t0 = info->chan[c0].t0_s;
    int64_t n_stop = i == E4_IBI ? INT64_MAX : first_at_or_after(t0, f->fs_hz, t_end, f->n);
    for (;;) {
        if (b->n[c0] >= b->cap)
            return PT_OK;
        double v[3] = {(double)NAN, (double)NAN, (double)NAN};
        if (f->held) {
            memcpy(v, f->held_v, sizeof v);
        } else {
            if (f->eof)
                return PT_OK;
            if (f->n >= n_stop)
                return PT_OK;
            char *line, *bad;
            int r = get_line(f, &line, err);
            if (r < 0)
                return err ? err->code : PT_EIO;
            if (r == 0) {
                f->eof = 1;
                return PT_OK;
            }
            int n = parse_fields(line, v, 3, &bad);
            if (n < 0)
                return pt_error_set(err, PT_EDATA, "%s:%lld: '%.40s' is not a number", f->path,
                                    f->line, bad);
            if (n != f->ncols)
                return pt_error_set(err, PT_EFORMAT, "%s:%lld: %d columns, expected %d%s", f->path,
                                    f->line, n, f->ncols, n < f->ncols ? " (truncated line?)" : "");
            for (int k = 0; k < n; k++)
                if (isinf(v[k]))
                    return pt_error_set(err, PT_EDATA, "%s:%lld: infinite value", f->path, f->line);
            if (i == E4_IBI) {
                if (isnan(v[0]) || (f->n > 0 && v[0] <= f->t_prev))
                    return pt_error_set(err, PT_EDATA,
                                        "%s:%lld: time %.6f s does not come after the previous "
                                        "beat (%.6f s)",
                                        f->path, f->line, v[0], f->t_prev);
                if (!(v[1] > 0))
                    return pt_error_set(err, PT_EDATA, "%s:%lld: interval %g s is not positive",
                                        f->path, f->line, v[1]);
                /* also keeps times where adding a block's span still moves them on */
                if (v[0] - (f->n > 0 ? f->t_prev : 0.0) > s->max_gap_s)
                    return pt_error_set(err, PT_EDATA,
                                        "%s:%lld: beat at %g s comes more than the gap limit "
                                        "(%g s) after the previous one",
                                        f->path, f->line, v[0], s->max_gap_s);
            }
        }
        if (i == E4_IBI && t0 + v[0] >= t_end) {
            f->held = 1;
            memcpy(f->held_v, v, sizeof v);
            return PT_OK;
        }
        f->held = 0;
        if (i == E4_ACC) {
            for (int k = 0; k < 3; k++)
                b->x[c0 + k][b->n[c0 + k]++] = v[k] / 64.0;
        } else if (i == E4_IBI) {
            b->t[c0][b->n[c0]] = t0 + v[0];
            b->x[c0][b->n[c0]++] = v[1] * 1000.0;
            f->t_prev = v[0];
        } else {
            b->x[c0][b->n[c0]++] = v[0];
        }
        f->n++;
        f->n_real++;
    }
}

/* A file that ends before the others (a sensor stopped early, a cut export): NaN samples up
 * to the time the longest file has reached, so that every channel spans the recording. */
static int pad_ended(e4_state *s, pt_recording_info *info, pt_block *b, pt_error *err)
{
    double t_cover = -INFINITY; /* the latest time a file's own samples reach */
    for (int i = 0; i < E4_NFILES; i++) {
        const e4_file *f = &s->file[i];
        if (f->open && i != E4_IBI)
            t_cover = fmax(t_cover, info->chan[f->chan].t0_s + (double)f->n_real / f->fs_hz);
    }
    for (int i = 0; i < E4_NFILES; i++) {
        e4_file *f = &s->file[i];
        if (!f->open || i == E4_IBI || !f->eof)
            continue;
        size_t c0 = f->chan, nc = i == E4_ACC ? 3u : 1u;
        double t0 = info->chan[c0].t0_s;
        int64_t stop = first_at_or_after(t0, f->fs_hz, t_cover, f->n);
        if (f->n >= stop ||
            (f->n == f->n_real && t_cover - (t0 + (double)f->n / f->fs_hz) <= E4_PAD_MIN_S))
            continue; /* files of one export end within a few seconds of each other */
        double end = t0 + (double)f->n_real / f->fs_hz;
        if (t_cover - end > s->max_gap_s) /* as a gap between beats: not one recording */
            return pt_error_set(err, PT_EDATA,
                                "%s: ends at %.1f s, %.1f s before another file of the "
                                "recording: more than the gap limit (%.0f s)",
                                f->path, end, t_cover - end, s->max_gap_s);
        if (f->n == f->n_real) { /* the first padding: say so once */
            char note[200];
            snprintf(note, sizeof note,
                     "%s ends at %.1f s, before the other files (%.1f s): NaN from there",
                     strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path,
                     t0 + (double)f->n / f->fs_hz, t_cover);
            pt_note_add(info, note);
        }
        while (f->n < stop && b->n[c0] < b->cap) {
            for (size_t k = 0; k < nc; k++)
                b->x[c0 + k][b->n[c0 + k]++] = (double)NAN;
            f->n++;
        }
    }
    return PT_OK;
}

static int e4_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    e4_state *s = p;
    for (int i = 0; i < E4_NFILES; i++) {
        e4_file *f = &s->file[i];
        if (!f->open)
            continue;
        for (size_t k = 0; k < (i == E4_ACC ? 3u : 1u); k++)
            b->first[f->chan + k] = f->n;
    }
    /* one time span per block: the fastest channel fills it */
    double t_end = s->t_end + (double)b->cap / s->fs_max;
    int more = 0;
    for (;;) {
        for (int i = 0; i < E4_NFILES; i++) {
            if (!s->file[i].open)
                continue;
            int rc = fill_file(s, i, info, b, t_end, err);
            if (rc)
                return rc;
        }
        int rc = pad_ended(s, info, b, err);
        if (rc)
            return rc;
        size_t tot = 0;
        more = 0;
        for (size_t c = 0; c < b->nchan; c++)
            tot += b->n[c];
        for (int i = 0; i < E4_NFILES; i++)
            if (s->file[i].open && (!s->file[i].eof || s->file[i].held))
                more = 1;
        if (tot || !more)
            break;
        /* A span with no samples (a late start, a gap between beats): go on from
         * the next sample any file holds, not span by span. */
        double next = (double)INFINITY;
        for (int i = 0; i < E4_NFILES; i++) {
            e4_file *f = &s->file[i];
            if (!f->open)
                continue;
            double t0 = info->chan[f->chan].t0_s;
            if (f->held)
                next = fmin(next, t0 + f->held_v[0]);
            else if (!f->eof && i != E4_IBI)
                next = fmin(next, t0 + (double)f->n / f->fs_hz);
        }
        t_end = fmax(t_end, isfinite(next) ? next : t_end) + (double)b->cap / s->fs_max;
    }
    s->t_end = t_end;
    if (!more) {
        double dur = 0;
        for (int i = 0; i < E4_NFILES; i++) {
            e4_file *f = &s->file[i];
            if (!f->open)
                continue;
            for (size_t k = 0; k < (i == E4_ACC ? 3u : 1u); k++)
                info->chan[f->chan + k].n_samples = f->n;
            double t0 = info->chan[f->chan].t0_s;
            double d = i == E4_IBI ? t0 + f->t_prev : t0 + (double)f->n / f->fs_hz;
            if (d > dur)
                dur = d;
        }
        info->duration_s = dur;
    }
    return PT_OK;
}

const pt_reader_ops pt_reader_e4 = {"e4", e4_probe, e4_open, e4_read, e4_close};
