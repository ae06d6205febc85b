/* SPDX-License-Identifier: GPL-2.0-or-later
 * polar.c — Polar Sensor Logger exports: a folder of `;`-separated text files, one per
 * stream, named <prefix>_<STREAM>.txt (Polar_Sense_<id>_<date>_<time>_PPG.txt), read as
 * one recording like an E4 folder. Each file starts with a header line.
 *  - sensor streams (ACC "X [mg];Y [mg];Z [mg]", PPG "channel 0..2;ambient", ECG
 *    "ecg [uV]"): "Phone timestamp;sensor timestamp [ns];values..." (PPG rows end with an
 *    extra ';'). The sensor time is ns since 2000-01-01 in the phone's clock (Polar BLE
 *    SDK, TimeSystemExplained.md). Delivered at a regular rate: (rows - 1) / (last - first
 *    sensor time), rows counted in a first pass (with the rows missing in steps over 1.5
 *    median steps); a row later than its place by more than 0.75 step starts a NaN gap.
 *  - HR ("Phone timestamp;HR [bpm]"): an irregular HR channel at the phone times; 0 bpm
 *    (no reading) is skipped.
 *  - PPI ("...;PP-interval [ms];error estimate [ms];blocker;...") and H10 RR ("Phone
 *    timestamp;RR-interval [ms]"): an irregular IBI channel; beat times are the intervals'
 *    cumulative sum from the first row's phone time (phone times arrive in batches and go
 *    back), re-anchored when the beats fall more than 5 s behind the phone clock; rows
 *    with blocker = 1 (motion) advance the clock but are not delivered.
 * Times have no zone in the export: local time is taken as UTC (a note says so). The files
 * are read in step, one time span per block, each through a line buffer. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "io/edf_util.h"
#include "io/reader_impl.h"

#define PL_LINE 4096
#define PL_EPOCH_2000 946684800.0
#define PL_REANCHOR_S 5.0
#define PL_STEP_ROWS 256 /* rows whose median step sets a sensor stream's row count */

enum { PL_PPG, PL_ACC, PL_ECG, PL_HR, PL_PPI, PL_RR, PL_NSTREAMS };
static const char *const pl_suffix[PL_NSTREAMS] = {"_PPG.txt", "_ACC.txt", "_ECG.txt",
                                                   "_HR.txt",  "_PPI.txt", "_RR.txt"};

typedef struct pl_file {
    int open;
    FILE *f;
    char path[1400];
    char line[PL_LINE];
    long long lineno;
    int kind;        /* PL_* */
    int sensor;      /* regular stream with sensor times */
    int col[4];      /* value columns */
    int ncol;        /* values per row */
    int col_blocker; /* PPI: blocker column, -1 none */
    double scale;
    size_t chan; /* first output channel */
    /* sensor streams */
    long long ts_first; /* ns */
    double fs;
    /* state */
    int64_t n;        /* samples delivered */
    int64_t nan_left; /* gap samples to deliver */
    int held;         /* a parsed row not yet delivered */
    double held_t, held_v[4];
    int eof;
    double beat_t; /* irregular: beat clock [s from start]; NaN before the first */
    double last_t;
    int64_t skipped;
} pl_file;

typedef struct pl_state {
    char dir[1024];
    pl_file file[PL_NSTREAMS];
    double start; /* local time as Unix s */
    double fs_max;
    double t_end;
    double max_gap_s;
} pl_state;

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcasecmp(s + a - b, suf);
}

/* The stream of a file name, or -1. */
static int stream_of(const char *name)
{
    if (strncasecmp(name, "Polar", 5))
        return -1;
    for (int i = 0; i < PL_NSTREAMS; i++)
        if (ends_with(name, pl_suffix[i]))
            return i;
    return -1;
}

/* Folder and prefix ("dir", "Polar_Sense") for path: a folder (its first Polar file in
 * name order) or one of the files. 0 on success. */
static int find_set(const char *path, char dir[1024], char prefix[256])
{
    if (is_dir(path)) {
        snprintf(dir, 1024, "%s", path);
        DIR *d = opendir(path);
        if (!d)
            return -1;
        struct dirent *e;
        char best[256] = "";
        while ((e = readdir(d))) {
            int k = stream_of(e->d_name);
            if (k < 0)
                continue;
            char p[256];
            snprintf(p, sizeof p, "%.*s", (int)(strlen(e->d_name) - strlen(pl_suffix[k])),
                     e->d_name);
            if (!best[0] || strcmp(p, best) < 0)
                snprintf(best, sizeof best, "%s", p);
        }
        closedir(d);
        if (!best[0])
            return -1;
        snprintf(prefix, 256, "%s", best);
        return 0;
    }
    const char *sl = strrchr(path, '/');
    const char *base = sl ? sl + 1 : path;
    int k = stream_of(base);
    if (k < 0)
        return -1;
    if (sl)
        snprintf(dir, 1024, "%.*s", (int)(sl - path), path);
    else
        snprintf(dir, 1024, ".");
    snprintf(prefix, 256, "%.*s", (int)(strlen(base) - strlen(pl_suffix[k])), base);
    return 0;
}

static int pl_probe(const char *path, const unsigned char *head, size_t len)
{
    char dir[1024], prefix[256];
    if (find_set(path, dir, prefix))
        return 0;
    if (!is_dir(path) && (len < 16 || memcmp(head, "Phone timestamp;", 16)))
        return 0;
    return 92;
}

static void pl_close(void *p)
{
    pl_state *s = p;
    if (!s)
        return;
    for (int i = 0; i < PL_NSTREAMS; i++)
        if (s->file[i].f)
            fclose(s->file[i].f);
    free(s);
}

/* Next line of f without its end into f->line: 1, 0 at the end, -1 with *err. */
static int get_line(pl_file *f, pt_error *err)
{
    for (;;) {
        if (!fgets(f->line, PL_LINE, f->f)) {
            if (ferror(f->f))
                return pt_error_set(err, PT_EIO, "%s:%lld: %s", f->path, f->lineno + 1,
                                    strerror(errno)),
                       -1;
            return 0;
        }
        f->lineno++;
        size_t n = strlen(f->line);
        if (n == PL_LINE - 1 && f->line[n - 1] != '\n')
            return pt_error_set(err, PT_EFORMAT, "%s:%lld: line longer than %d bytes", f->path,
                                f->lineno, PL_LINE - 2),
                   -1;
        while (n && (f->line[n - 1] == '\n' || f->line[n - 1] == '\r'))
            f->line[--n] = '\0';
        if (n)
            return 1;
    }
}

/* Split line at ';' into at most max fields; returns the count. */
static int split(char *line, char **fld, int max)
{
    int k = 0;
    char *p = line;
    while (k < max && p) {
        fld[k++] = p;
        p = strchr(p, ';');
        if (p)
            *p++ = '\0';
    }
    return k;
}

static int find_col(char **fld, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        char t[128];
        pt_trim_copy(t, sizeof t, fld[i], strlen(fld[i]));
        if (!strcasecmp(t, name))
            return i;
    }
    return -1;
}

/* Parse a data row: time (s, local Unix) and values. 0, or an error code. */
static int parse_row(pl_file *f, double *t, double *v, int *blocked, pt_error *err)
{
    char *fld[16];
    int n = split(f->line, fld, 16);
    char *e;
    *blocked = 0;
    if (f->sensor) {
        if (n < 2)
            return pt_error_set(err, PT_EFORMAT, "%s:%lld: no sensor timestamp", f->path,
                                f->lineno);
        errno = 0;
        long long ns = strtoll(fld[1], &e, 10);
        if (e == fld[1] || *e || errno == ERANGE)
            return pt_error_set(err, PT_EDATA,
                                "%s:%lld: sensor timestamp '%.30s' is not an "
                                "integer of ns",
                                f->path, f->lineno, fld[1]);
        *t = (double)(ns - f->ts_first) / 1e9; /* from the stream's first row */
    } else {
        size_t l = strlen(fld[0]);
        if (pt_parse_iso8601(fld[0], l, t))
            return pt_error_set(err, PT_EDATA, "%s:%lld: phone timestamp '%.30s' is not a time",
                                f->path, f->lineno, fld[0]);
    }
    for (int k = 0; k < f->ncol; k++) {
        if (f->col[k] >= n)
            return pt_error_set(err, PT_EFORMAT,
                                "%s:%lld: %d fields, the header has more "
                                "(a cut line?)",
                                f->path, f->lineno, n);
        const char *q = fld[f->col[k]];
        double d = strtod(q, &e);
        while (*e == ' ')
            e++;
        if (e == q || *e || !isfinite(d))
            return pt_error_set(err, PT_EDATA, "%s:%lld: '%.30s' is not a number", f->path,
                                f->lineno, q);
        v[k] = d * f->scale;
    }
    if (f->col_blocker >= 0 && f->col_blocker < n)
        *blocked = atoi(fld[f->col_blocker]) == 1;
    return PT_OK;
}

/* Sensor stream: first timestamp, median step of the first rows, last line's timestamp ->
 * rate. Leaves the file at its first data row. */
static int sensor_rate(pl_file *f, pt_error *err)
{
    long pos = ftell(f->f);
    long long lineno = f->lineno;
    long long prev = 0, steps[PL_STEP_ROWS];
    int nsteps = 0, r;
    char *fld[16], *e;
    for (int i = 0; i <= PL_STEP_ROWS && (r = get_line(f, err)) > 0; i++) {
        if (split(f->line, fld, 16) < 2)
            return pt_error_set(err, PT_EFORMAT, "%s:%lld: no sensor timestamp", f->path,
                                f->lineno);
        errno = 0;
        long long ns = strtoll(fld[1], &e, 10);
        if (e == fld[1] || errno)
            return pt_error_set(err, PT_EDATA,
                                "%s:%lld: sensor timestamp '%.30s' is not an "
                                "integer of ns",
                                f->path, f->lineno, fld[1]);
        if (i == 0)
            f->ts_first = ns;
        else if (ns > prev)
            steps[nsteps++] = ns - prev;
        prev = ns;
    }
    if (r < 0)
        return err->code;
    if (nsteps < 1)
        return pt_error_set(err, PT_EFORMAT,
                            "%s: fewer than 2 rows with increasing sensor "
                            "timestamps: no rate",
                            f->path);
    /* median step */
    for (int i = 1; i < nsteps; i++) /* insertion sort: 256 at most */
        for (int j = i; j > 0 && steps[j] < steps[j - 1]; j--) {
            long long t = steps[j];
            steps[j] = steps[j - 1];
            steps[j - 1] = t;
        }
    double step = (double)steps[nsteps / 2];
    /* a counting pass: rows, plus the rows missing in steps over 1.5 median steps, over the
     * span from the first to the last sensor time gives the rate */
    long long rows = 1 + nsteps, missing = 0, last = prev;
    for (int i = 0; i < nsteps; i++)
        if ((double)steps[i] > 1.5 * step)
            missing += llround((double)steps[i] / step) - 1;
    while ((r = get_line(f, err)) > 0) {
        if (split(f->line, fld, 16) < 2)
            continue; /* reported when the row is read */
        errno = 0;
        long long ns = strtoll(fld[1], &e, 10);
        if (e == fld[1] || errno || ns <= last)
            continue;
        double d = (double)(ns - last);
        if (d > 1.5 * step)
            missing += llround(d / step) - 1;
        rows++;
        last = ns;
    }
    if (r < 0)
        return err->code;
    double span = (double)(last - f->ts_first) / 1e9;
    f->fs = span > 0 ? (double)(rows + missing - 1) / span : 1e9 / step;
    if (!(f->fs >= 0.01 && f->fs <= 10000))
        return pt_error_set(err, PT_EDATA,
                            "%s: sensor timestamps give %g Hz (%lld rows over %.9f s): not a "
                            "Polar stream's rate",
                            f->path, f->fs, rows + missing, span);
    if (fseek(f->f, pos, SEEK_SET))
        return pt_error_set(err, PT_EIO, "%s: %s", f->path, strerror(errno));
    f->lineno = lineno;
    return PT_OK;
}

static int open_file(pl_state *s, int k, const char *prefix, pt_error *err)
{
    pl_file *f = &s->file[k];
    snprintf(f->path, sizeof f->path, "%s/%s%s", s->dir, prefix, pl_suffix[k]);
    if (!(f->f = fopen(f->path, "rb"))) {
        if (errno == ENOENT)
            return PT_OK;
        return pt_error_set(err, PT_EIO, "%s: %s", f->path, strerror(errno));
    }
    f->kind = k;
    f->col_blocker = -1;
    f->scale = 1.0;
    f->beat_t = (double)NAN;
    int r = get_line(f, err);
    if (r < 0)
        return err->code;
    if (r == 0 || strncasecmp(f->line, "Phone timestamp", 15))
        return pt_error_set(err, PT_EFORMAT,
                            "%s:1: no header line starting 'Phone timestamp' (not a Polar "
                            "Sensor Logger file)",
                            f->path);
    char *fld[16];
    int n = split(f->line, fld, 16);
    static const char *const acc[3] = {"X [mg]", "Y [mg]", "Z [mg]"};
    static const char *const ppg[4] = {"channel 0", "channel 1", "channel 2", "ambient"};
    switch (k) {
    case PL_ACC:
        for (int a = 0; a < 3; a++)
            f->col[a] = find_col(fld, n, acc[a]);
        f->ncol = 3;
        f->scale = 1e-3;
        break;
    case PL_PPG:
        for (int a = 0; a < 4; a++)
            f->col[a] = find_col(fld, n, ppg[a]);
        f->ncol = 4;
        break;
    case PL_ECG:
        f->col[0] = find_col(fld, n, "ecg [uV]");
        f->ncol = 1;
        break;
    case PL_HR:
        f->col[0] = find_col(fld, n, "HR [bpm]");
        f->ncol = 1;
        break;
    case PL_PPI:
        f->col[0] = find_col(fld, n, "PP-interval [ms]");
        f->col_blocker = find_col(fld, n, "blocker");
        f->ncol = 1;
        break;
    default:
        f->col[0] = find_col(fld, n, "RR-interval [ms]");
        f->ncol = 1;
        break;
    }
    for (int a = 0; a < f->ncol; a++)
        if (f->col[a] < 0)
            return pt_error_set(err, PT_EFORMAT, "%s:1: the header lacks the %s column%s", f->path,
                                pl_suffix[k] + 1, a ? "s it needs" : "");
    f->sensor = k <= PL_ECG;
    if (f->sensor) {
        if (find_col(fld, n, "sensor timestamp [ns]") != 1)
            return pt_error_set(err, PT_EFORMAT,
                                "%s:1: no 'sensor timestamp [ns]' as the second column", f->path);
        int rc = sensor_rate(f, err);
        if (rc)
            return rc;
    }
    f->open = 1;
    return PT_OK;
}

static void *pl_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                     pt_error *err)
{
    pl_state *s = calloc(1, sizeof *s);
    char prefix[256];
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    s->max_gap_s = opt->max_gap_s > 0 ? opt->max_gap_s : 86400.0;
    if (find_set(path, s->dir, prefix)) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: no Polar Sensor Logger file (Polar*_PPG.txt, _ACC.txt, _ECG.txt, "
                     "_HR.txt, _PPI.txt, _RR.txt)",
                     path);
        goto fail;
    }
    for (int k = 0; k < PL_NSTREAMS; k++)
        if (open_file(s, k, prefix, err))
            goto fail;
    /* the start: the earliest first time of any stream */
    s->start = (double)INFINITY;
    double first[PL_NSTREAMS];
    for (int k = 0; k < PL_NSTREAMS; k++) {
        pl_file *f = &s->file[k];
        first[k] = (double)NAN;
        if (!f->open)
            continue;
        if (f->sensor) {
            first[k] = (double)f->ts_first / 1e9 + PL_EPOCH_2000;
        } else {
            long pos = ftell(f->f);
            long long ln = f->lineno;
            int r = get_line(f, err);
            if (r < 0)
                goto fail;
            if (r > 0) {
                char *sc = strchr(f->line, ';');
                if (sc)
                    *sc = '\0';
                if (pt_parse_iso8601(f->line, strlen(f->line), &first[k])) {
                    pt_error_set(err, PT_EDATA, "%s:%lld: phone timestamp '%.30s' is not a time",
                                 f->path, f->lineno, f->line);
                    goto fail;
                }
            }
            fseek(f->f, pos, SEEK_SET);
            f->lineno = ln;
        }
        if (first[k] < s->start)
            s->start = first[k];
    }
    if (!isfinite(s->start)) {
        pt_error_set(err, PT_EFORMAT, "%s: the Polar files hold no rows", path);
        goto fail;
    }
    static const char *const names[PL_NSTREAMS][4] = {{"ppg", "ppg_1", "ppg_2", "ambient"},
                                                      {"acc_x", "acc_y", "acc_z"},
                                                      {"ecg"},
                                                      {"hr"},
                                                      {"ppi"},
                                                      {"rr"}};
    static const char *const units[PL_NSTREAMS] = {"au", "g", "uV", "bpm", "ms", "ms"};
    s->fs_max = 0;
    for (int k = 0; k < PL_NSTREAMS; k++) {
        pl_file *f = &s->file[k];
        if (!f->open)
            continue;
        f->chan = info->nchan;
        for (int a = 0; a < f->ncol; a++) {
            pt_channel_info *ch = &info->chan[info->nchan++];
            snprintf(ch->name, sizeof ch->name, "%s", names[k][a]);
            pt_kind kind = k == PL_PPG   ? (a == 0 ? PT_KIND_PPG : PT_KIND_AUX)
                           : k == PL_ACC ? (pt_kind)(PT_KIND_ACC_X + a)
                           : k == PL_ECG ? PT_KIND_ECG
                           : k == PL_HR  ? PT_KIND_HR
                                         : PT_KIND_IBI;
            if (k == PL_RR && s->file[PL_PPI].open)
                kind = PT_KIND_AUX;
            ch->kind = kind;
            snprintf(ch->units, sizeof ch->units, "%s", units[k]);
            ch->fs_hz = f->sensor ? f->fs : 0;
            ch->t0_s = f->sensor ? first[k] - s->start : 0;
            ch->n_samples = -1;
        }
        if (f->sensor && f->fs > s->fs_max)
            s->fs_max = f->fs;
    }
    if (s->fs_max <= 0)
        s->fs_max = 1.0;
    info->start_unix_s = s->start;
    pt_format_iso8601(s->start, info->start_time_utc);
    {
        char note[400];
        snprintf(note, sizeof note,
                 "Polar Sensor Logger files %s/%s_*.txt; times are the phone's local time "
                 "(taken as UTC); PPG/ACC/ECG on the sensor clock, HR and PP intervals on the "
                 "phone clock (BLE delivery lags the sensor by 1-2 s)",
                 s->dir, prefix);
        pt_note_add(info, note);
    }
    if (pt_channel_map_apply(opt->channels, info, s->dir, err))
        goto fail;
    return s;
fail:
    pl_close(s);
    return NULL;
}

/* Fill file k's channels with samples before t_end [s from the start]. */
static int fill_file(pl_state *s, pl_file *f, const pt_recording_info *info, pt_block *b,
                     double t_end, pt_error *err)
{
    size_t c0 = f->chan;
    double t0 = info->chan[c0].t0_s;
    for (;;) {
        if (b->n[c0] >= b->cap)
            return PT_OK;
        if (f->sensor && f->nan_left > 0) {
            if (t0 + (double)f->n / f->fs >= t_end)
                return PT_OK;
            for (int a = 0; a < f->ncol; a++)
                b->x[c0 + a][b->n[c0 + a]++] = (double)NAN;
            f->nan_left--;
            f->n++;
            continue;
        }
        if (!f->held) {
            if (f->eof)
                return PT_OK;
            int r = get_line(f, err);
            if (r < 0)
                return err->code;
            if (r == 0) {
                f->eof = 1;
                return PT_OK;
            }
            int blocked;
            double t, v[4];
            int rc = parse_row(f, &t, v, &blocked, err);
            if (rc)
                return rc;
            if (f->sensor) {
                /* the row's place on the regular clock */
                double idx = t * f->fs;
                if (idx - (double)f->n > 0.75) { /* a row missing: jitter is < 0.25 */
                    if (idx / f->fs - (double)f->n / f->fs > s->max_gap_s)
                        return pt_error_set(err, PT_EDATA,
                                            "%s:%lld: gap of %.1f s is longer than the limit",
                                            f->path, f->lineno, idx / f->fs - (double)f->n / f->fs);
                    f->nan_left = (int64_t)llround(idx) - f->n;
                }
                f->held_t = 0;
            } else {
                double tr = t - s->start;
                if (f->kind == PL_HR) {
                    if (v[0] <= 0 || (f->n > 0 && !(tr > f->last_t))) {
                        f->skipped++;
                        continue;
                    }
                    f->held_t = tr;
                } else {
                    if (!(v[0] > 0)) {
                        f->skipped++;
                        continue;
                    }
                    if (isnan(f->beat_t) || tr - f->beat_t > PL_REANCHOR_S)
                        f->beat_t = tr - v[0] / 1000.0;
                    f->beat_t += v[0] / 1000.0;
                    if (blocked) {
                        f->skipped++;
                        continue;
                    }
                    f->held_t = f->beat_t;
                    if (f->n > 0 && tr - f->beat_t > s->max_gap_s)
                        return pt_error_set(err, PT_EDATA, "%s:%lld: gap longer than the limit",
                                            f->path, f->lineno);
                }
            }
            memcpy(f->held_v, v, sizeof v);
            f->held = 1;
            continue; /* NaN gap samples first, if any */
        }
        double t = f->sensor ? t0 + (double)f->n / f->fs : f->held_t;
        if (t >= t_end)
            return PT_OK;
        for (int a = 0; a < f->ncol; a++) {
            if (!f->sensor)
                b->t[c0 + a][b->n[c0 + a]] = t;
            b->x[c0 + a][b->n[c0 + a]++] = f->held_v[a];
        }
        f->last_t = t;
        f->held = 0;
        f->n++;
    }
}

static int pl_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    pl_state *s = p;
    for (int k = 0; k < PL_NSTREAMS; k++) {
        pl_file *f = &s->file[k];
        if (f->open)
            for (int a = 0; a < f->ncol; a++)
                b->first[f->chan + a] = f->n;
    }
    double t_end = s->t_end + (double)b->cap / s->fs_max;
    int more = 0;
    for (;;) {
        size_t tot = 0;
        for (int k = 0; k < PL_NSTREAMS; k++)
            if (s->file[k].open) {
                int rc = fill_file(s, &s->file[k], info, b, t_end, err);
                if (rc)
                    return rc;
            }
        more = 0;
        for (size_t c = 0; c < b->nchan; c++)
            tot += b->n[c];
        for (int k = 0; k < PL_NSTREAMS; k++) {
            pl_file *f = &s->file[k];
            if (f->open && (!f->eof || f->held || f->nan_left))
                more = 1;
        }
        if (tot || !more)
            break;
        /* A span with no samples: go on from the next sample any file holds. */
        double next = (double)INFINITY;
        for (int k = 0; k < PL_NSTREAMS; k++) {
            pl_file *f = &s->file[k];
            if (!f->open || !(f->held || f->nan_left))
                continue;
            double t = f->sensor ? info->chan[f->chan].t0_s + (double)f->n / f->fs : f->held_t;
            next = fmin(next, t);
        }
        double t_new = fmax(t_end, next) + (double)b->cap / s->fs_max;
        if (!isfinite(next) || !(t_new > t_end) || next - s->t_end > s->max_gap_s)
            return pt_error_set(err, PT_EDATA,
                                "%s: no samples for %.1f s (more than the gap limit of %.0f s) "
                                "or times that do not advance",
                                s->dir, next - s->t_end, s->max_gap_s);
        t_end = t_new;
    }
    s->t_end = t_end;
    if (!more) {
        double dur = 0;
        int64_t skipped_hr = 0, skipped_beats = 0;
        for (int k = 0; k < PL_NSTREAMS; k++) {
            pl_file *f = &s->file[k];
            if (!f->open)
                continue;
            for (int a = 0; a < f->ncol; a++)
                info->chan[f->chan + a].n_samples = f->n;
            double d = f->sensor ? info->chan[f->chan].t0_s + (double)f->n / f->fs : f->last_t;
            dur = fmax(dur, d);
            if (k == PL_HR)
                skipped_hr += f->skipped;
            else if (!f->sensor)
                skipped_beats += f->skipped;
        }
        info->duration_s = dur;
        if ((skipped_hr || skipped_beats) && !strstr(info->note, "not delivered")) {
            char note[200];
            snprintf(note, sizeof note,
                     "not delivered: %lld HR rows of 0 bpm (no reading) or a repeated time, "
                     "%lld intervals flagged blocker (motion) or not positive",
                     (long long)skipped_hr, (long long)skipped_beats);
            pt_note_add(info, note);
        }
    }
    return PT_OK;
}

const pt_reader_ops pt_reader_polar = {"polar", pl_probe, pl_open, pl_read, pl_close};
