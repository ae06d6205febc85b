/* SPDX-License-Identifier: GPL-2.0-or-later
 * e4.c — Empatica E4 exports (E4 Connect / WESAD layout): a folder with
 * ACC.csv, BVP.csv, HR.csv, IBI.csv, EDA.csv, TEMP.csv and tags.csv. In every
 * signal file line 1 is the start (Unix seconds, UTC, one per column) and
 * line 2 the sample rate [Hz]; IBI.csv has "<start>, IBI" and then rows of
 * "<s since start>,<interval s>". Units (Empatica's info.txt): ACC 1/64 g,
 * BVP unitless (PPG), HR bpm, IBI s (delivered in ms), EDA uS, TEMP degC.
 * Files are read in step, a time span per block, so the folder's channels
 * stay aligned without loading any file whole. The zip the portal gives is
 * not read: unzip it first (the reader says so). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/edf_util.h"
#include "io/reader_impl.h"

enum { E4_ACC, E4_BVP, E4_HR, E4_IBI, E4_EDA, E4_TEMP, E4_NFILES };

static const struct {
    const char *file;
    int ncols;
} e4_files[E4_NFILES] = {
    {"ACC.csv", 3}, {"BVP.csv", 1}, {"HR.csv", 1}, {"IBI.csv", 2}, {"EDA.csv", 1}, {"TEMP.csv", 1},
};

typedef struct e4_file {
    FILE *f;
    char path[1100];
    long long line;
    double start_unix_s;
    double fs_hz;     /* 0 for IBI */
    size_t chan;      /* first output channel */
    int ncols;
    int64_t n;        /* samples delivered */
    double t_prev;    /* IBI: last time [s since its start] */
    int eof;
    /* a parsed row that did not fit in the block */
    int held;
    double held_v[3];
} e4_file;

typedef struct e4_state {
    char dir[1024];
    e4_file file[E4_NFILES];
    double start_unix_s;
    double fs_max;
    double t_end; /* blocks so far cover [0, t_end) s */
    char *line;
    size_t line_cap;
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

static int e4_probe(const char *path, const unsigned char *head, size_t len)
{
    char dir[1024], p[1100];
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

static void e4_close(void *p)
{
    e4_state *s = p;
    if (!s)
        return;
    for (int i = 0; i < E4_NFILES; i++)
        if (s->file[i].f)
            fclose(s->file[i].f);
    free(s->line);
    free(s);
}

/* Next non-empty line of f with its end stripped; 1, 0 at the end, -1 on a read error. */
static int get_line(e4_state *s, e4_file *f, char **line)
{
    for (;;) {
        ssize_t n = getline(&s->line, &s->line_cap, f->f);
        if (n < 0)
            return ferror(f->f) ? -1 : 0;
        f->line++;
        while (n > 0 && (s->line[n - 1] == '\n' || s->line[n - 1] == '\r' || s->line[n - 1] == ' '))
            s->line[--n] = '\0';
        if (n > 0) {
            *line = s->line;
            return 1;
        }
    }
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
        double x = strtod(p, &end);
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

static void *e4_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                     pt_error *err)
{
    (void)opt;
    e4_state *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    size_t plen = strlen(path);
    if (plen > 4 && !strcasecmp(path + plen - 4, ".zip")) {
        pt_error_set(err, PT_EUNSUPPORTED,
                     "%s: E4 zip archives are not read directly; unzip it and give the folder",
                     path);
        goto fail;
    }
    if (e4_dir(path, s->dir)) {
        pt_error_set(err, PT_EFORMAT, "%s: not an E4 export folder", path);
        goto fail;
    }
    s->start_unix_s = (double)INFINITY;
    int nfiles = 0;
    for (int i = 0; i < E4_NFILES; i++) {
        e4_file *f = &s->file[i];
        f->ncols = e4_files[i].ncols;
        snprintf(f->path, sizeof f->path, "%s/%s", s->dir, e4_files[i].file);
        if (access(f->path, F_OK) != 0)
            continue;
        if (!(f->f = fopen(f->path, "rb"))) {
            pt_error_set(err, PT_EIO, "%s: %s", f->path, strerror(errno));
            goto fail;
        }
        nfiles++;
        char *line, *bad;
        double v[3];
        int r = get_line(s, f, &line);
        if (r <= 0) {
            pt_error_set(err, r < 0 ? PT_EIO : PT_EFORMAT, "%s:1: %s", f->path,
                         r < 0 ? strerror(errno) : "the file is empty");
            goto fail;
        }
        int n;
        if (i == E4_IBI) {
            char *comma = strchr(line, ',');
            if (comma)
                *comma = '\0';
            n = parse_fields(line, v, 1, &bad);
        } else {
            n = parse_fields(line, v, 3, &bad);
        }
        if (n < 1 || !isfinite(v[0]) || v[0] < 0) {
            pt_error_set(err, PT_EFORMAT,
                         "%s:%lld: the first line must be the start time (Unix seconds)",
                         f->path, f->line);
            goto fail;
        }
        if (i != E4_IBI && n != f->ncols) {
            pt_error_set(err, PT_EFORMAT, "%s:%lld: %d columns, expected %d", f->path, f->line, n,
                         f->ncols);
            goto fail;
        }
        f->start_unix_s = v[0];
        if (i != E4_IBI) {
            r = get_line(s, f, &line);
            if (r <= 0 || (n = parse_fields(line, v, 3, &bad)) < 1) {
                pt_error_set(err, PT_EFORMAT, "%s:%lld: the second line must be the sample rate",
                             f->path, f->line + (r <= 0));
                goto fail;
            }
            if (!(v[0] > 0) || !isfinite(v[0]) || v[0] > 1e6) {
                pt_error_set(err, PT_EFORMAT,
                             "%s:%lld: sample rate %g Hz: it must be a positive number up to 1 MHz", f->path,
                             f->line, v[0]);
                goto fail;
            }
            f->fs_hz = v[0];
            if (f->fs_hz > s->fs_max)
                s->fs_max = f->fs_hz;
        }
        if (f->start_unix_s < s->start_unix_s)
            s->start_unix_s = f->start_unix_s;
    }
    if (nfiles == 0) {
        pt_error_set(err, PT_EFORMAT, "%s: no E4 signal file (ACC.csv, BVP.csv, HR.csv, IBI.csv, "
                     "EDA.csv, TEMP.csv)", s->dir);
        goto fail;
    }
    if (s->fs_max <= 0)
        s->fs_max = 1.0; /* IBI only */
    for (int i = 0; i < E4_NFILES; i++) {
        e4_file *f = &s->file[i];
        double lag = f->start_unix_s - s->start_unix_s;
        if (f->f && lag > (opt->max_gap_s > 0 ? opt->max_gap_s : 86400.0)) {
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
        if (!f->f)
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
        char tags[1100];
        snprintf(tags, sizeof tags, "%s/tags.csv", s->dir);
        FILE *t = fopen(tags, "rb");
        if (t) {
            int ntag = 0, ch, prev = '\n';
            while ((ch = fgetc(t)) != EOF) {
                if (prev == '\n' && ch != '\n' && ch != '\r')
                    ntag++;
                prev = ch;
            }
            fclose(t);
            char note[96];
            snprintf(note, sizeof note, "tags.csv: %d event marks (not channels)", ntag);
            pt_note_add(info, note);
        }
    }
    return s;
fail:
    e4_close(s);
    return NULL;
}

/* Fill channel(s) of file i up to time t_end [s from the recording start]. */
static int fill_file(e4_state *s, int i, const pt_recording_info *info, pt_block *b,
                     double t_end, pt_error *err)
{
    e4_file *f = &s->file[i];
    size_t c0 = f->chan;
    double t0 = info->chan[c0].t0_s;
    for (;;) {
        if (b->n[c0] >= b->cap)
            return PT_OK;
        double v[3] = {(double)NAN, (double)NAN, (double)NAN};
        if (f->held) {
            memcpy(v, f->held_v, sizeof v);
        } else {
            if (f->eof)
                return PT_OK;
            if (i != E4_IBI && t0 + (double)f->n / f->fs_hz >= t_end)
                return PT_OK;
            char *line, *bad;
            int r = get_line(s, f, &line);
            if (r < 0)
                return pt_error_set(err, PT_EIO, "%s:%lld: %s", f->path, f->line + 1,
                                    strerror(errno));
            if (r == 0) {
                f->eof = 1;
                return PT_OK;
            }
            int n = parse_fields(line, v, 3, &bad);
            if (n < 0)
                return pt_error_set(err, PT_EDATA, "%s:%lld: '%.40s' is not a number", f->path,
                                    f->line, bad);
            if (n != f->ncols)
                return pt_error_set(err, PT_EFORMAT, "%s:%lld: %d columns, expected %d%s",
                                    f->path, f->line, n, f->ncols,
                                    n < f->ncols ? " (truncated line?)" : "");
            for (int k = 0; k < n; k++)
                if (isinf(v[k]))
                    return pt_error_set(err, PT_EDATA, "%s:%lld: infinite value", f->path,
                                        f->line);
            if (i == E4_IBI) {
                if (isnan(v[0]) || (f->n > 0 && v[0] <= f->t_prev))
                    return pt_error_set(err, PT_EDATA,
                                        "%s:%lld: time %.6f s does not come after the previous "
                                        "beat (%.6f s)",
                                        f->path, f->line, v[0], f->t_prev);
                if (!(v[1] > 0))
                    return pt_error_set(err, PT_EDATA, "%s:%lld: interval %g s is not positive",
                                        f->path, f->line, v[1]);
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
    }
}

static int e4_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    e4_state *s = p;
    for (int i = 0; i < E4_NFILES; i++) {
        e4_file *f = &s->file[i];
        if (!f->f)
            continue;
        for (size_t k = 0; k < (i == E4_ACC ? 3u : 1u); k++)
            b->first[f->chan + k] = f->n;
    }
    /* one time span per block: the fastest channel fills it */
    double t_end = s->t_end + (double)b->cap / s->fs_max;
    int more = 0;
    for (;;) {
        for (int i = 0; i < E4_NFILES; i++) {
            if (!s->file[i].f)
                continue;
            int rc = fill_file(s, i, info, b, t_end, err);
            if (rc)
                return rc;
        }
        size_t tot = 0;
        more = 0;
        for (size_t c = 0; c < b->nchan; c++)
            tot += b->n[c];
        for (int i = 0; i < E4_NFILES; i++)
            if (s->file[i].f && (!s->file[i].eof || s->file[i].held))
                more = 1;
        if (tot || !more)
            break;
        /* A span with no samples (a late start, a gap between beats): go on from
         * the next sample any file holds, not span by span. */
        double next = (double)INFINITY;
        for (int i = 0; i < E4_NFILES; i++) {
            e4_file *f = &s->file[i];
            if (!f->f)
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
            if (!f->f)
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
