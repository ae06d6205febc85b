/* SPDX-License-Identifier: GPL-2.0-or-later
 * recording.c — the reader front end: format detection, blocks, channel
 * naming and time stamps shared by every format. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "core/path.h"
#include "io/gzfile.h"
#include "io/reader_impl.h"
#include "pulsetrain/tz.h"

/* Every format reader; pt_reader_open tries them in this order. */
static const pt_reader_ops *const readers[] = {
    &pt_reader_csv,       &pt_reader_edf, &pt_reader_wfdb,  &pt_reader_e4,
    &pt_reader_audio,     &pt_reader_cwa, &pt_reader_h5,    &pt_reader_gt3x,
    &pt_reader_geneactiv, &pt_reader_fit, &pt_reader_polar, &pt_reader_actilife,
};

/* A reader's score for path. A gzip file (.csv.gz) is shown decompressed to the readers that
 * read through io/gzfile.c (csv, actilife); the others see its bytes. */
static int probe_one(const pt_reader_ops *ops, const char *path, const unsigned char *head,
                     size_t len, const unsigned char *unz, size_t unz_len)
{
    if (unz && (ops == &pt_reader_csv || ops == &pt_reader_actilife))
        return ops->probe(path, unz, unz_len);
    return ops->probe(path, head, len);
}

/* The decompressed head of a gzip file into unz (cap bytes); NULL when not gzip. */
static const unsigned char *gz_head(const char *path, const unsigned char *head, size_t len,
                                    unsigned char *unz, size_t cap, size_t *unz_len)
{
    if (!pt_gz_magic(head, len))
        return NULL;
    *unz_len = pt_gz_head(path, unz, cap);
    return unz;
}

/* Units check of the accelerometer: at rest |a| is 1 g whatever the device, so the median
 * magnitude of the still seconds (magnitude sd below 2 % of its mean) at the start of a
 * recording tells m/s^2 (9.8) or mg (1000) read as g. Cheap: the first ACC_CHECK_S only. */
#define ACC_CHECK_S 3600.0 /* acceleration examined [s]                             */
#define ACC_STILL_MIN 10   /* still seconds needed to judge; fewer: no judgement     */
#define ACC_STILL_MAX 60   /* judged as soon as this many are found                  */
typedef struct acc_check {
    int active;       /* still looking                                            */
    int ch[3];        /* channels of acc_x, acc_y, acc_z                          */
    size_t win;       /* samples per window (1 s, at least 8)                     */
    size_t n_win;     /* samples in the current window                            */
    double sum, sum2; /* of |a| in the current window [g]                         */
    double n_seen;    /* samples examined                                         */
    double fs_hz;
    size_t n_still;
    double still_g[ACC_STILL_MAX]; /* mean |a| of each still second [g]              */
    char units[16];                /* the --acc-units the file was read with                   */
} acc_check;

struct pt_reader {
    const pt_reader_ops *ops;
    void *state;
    pt_recording_info info;
    pt_path_stamp stamp; /* the file as it was opened: pt_reader_unchanged compares */
    acc_check acc;
    double sample_abs_max; /* opt->sample_abs_max; 0 = no check */
    int64_t delivered;     /* samples of every channel so far */
};

static void acc_check_init(acc_check *a, const pt_recording_info *info, const char *units)
{
    memset(a, 0, sizeof *a);
    a->ch[0] = pt_find_channel(info, PT_KIND_ACC_X);
    a->ch[1] = pt_find_channel(info, PT_KIND_ACC_Y);
    a->ch[2] = pt_find_channel(info, PT_KIND_ACC_Z);
    snprintf(a->units, sizeof a->units, "%s", units ? units : "g");
    if (a->ch[0] < 0 || a->ch[1] < 0 || a->ch[2] < 0)
        return; /* no three axes: no magnitude */
    double fs = info->chan[a->ch[0]].fs_hz;
    if (!(fs > 0) || info->chan[a->ch[1]].fs_hz != fs || info->chan[a->ch[2]].fs_hz != fs)
        return; /* irregular or unequal rates: samples do not pair up */
    a->fs_hz = fs;
    a->win = fs >= 8 ? (size_t)lround(fs) : 8;
    a->active = 1;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The verdict once enough is seen (or at the end): PT_OK, or PT_EDATA naming --acc-units. */
static int acc_check_judge(acc_check *a, const char *path, pt_error *err)
{
    a->active = 0;
    if (a->n_still < ACC_STILL_MIN)
        return PT_OK; /* no still period: do not guess */
    qsort(a->still_g, a->n_still, sizeof a->still_g[0], cmp_double);
    double rest_g = a->n_still % 2
                        ? a->still_g[a->n_still / 2]
                        : 0.5 * (a->still_g[a->n_still / 2 - 1] + a->still_g[a->n_still / 2]);
    const char *hint; /* only a known wrong unit is refused; anything else: do not guess */
    if (rest_g >= 5 && rest_g <= 20)
        hint = "the file looks like m/s^2; pass --acc-units m/s^2";
    else if (rest_g >= 300 && rest_g <= 3000)
        hint = "the file looks like mg; pass --acc-units mg";
    else if (rest_g >= 3e-4 && rest_g <= 3e-3)
        hint = "the file looks like g read as mg; pass --acc-units g";
    else if (rest_g >= 0.05 && rest_g <= 0.2)
        hint = "the file looks like g read as m/s^2; pass --acc-units g";
    else if (rest_g >= 50 && rest_g <= 200)
        hint = "the file looks like mg read as m/s^2; pass --acc-units mg";
    else
        return PT_OK;
    return pt_error_set(err, PT_EDATA,
                        "%s: acceleration magnitude at rest is %.3g (median of %zu still seconds "
                        "in the first %.0f s, read with --acc-units %s or the columns' own "
                        "units): %s",
                        path, rest_g, a->n_still, a->n_seen / a->fs_hz, a->units, hint);
}

/* Feed a block: 1-s windows of |a|; a window with a NaN is dropped. */
static int acc_check_push(acc_check *a, const pt_block *b, const char *path, pt_error *err)
{
    const int *ch = a->ch;
    size_t n = b->n[ch[0]];
    if (b->n[ch[1]] != n || b->n[ch[2]] != n || b->first[ch[1]] != b->first[ch[0]] ||
        b->first[ch[2]] != b->first[ch[0]]) {
        a->active = 0; /* the axes do not pair up sample by sample */
        return PT_OK;
    }
    const double *x = b->x[ch[0]], *y = b->x[ch[1]], *z = b->x[ch[2]];
    for (size_t i = 0; i < n && a->active; i++) {
        double m = sqrt(x[i] * x[i] + y[i] * y[i] + z[i] * z[i]);
        a->n_seen += 1;
        if (isnan(m)) {
            a->n_win = 0;
            a->sum = a->sum2 = 0;
            continue;
        }
        a->sum += m;
        a->sum2 += m * m;
        if (++a->n_win == a->win) {
            double mean = a->sum / (double)a->n_win;
            double var = a->sum2 / (double)a->n_win - mean * mean;
            double sd = var > 0 ? sqrt(var) : 0;
            if (mean > 0 && isfinite(mean) && sd < 0.02 * mean)
                a->still_g[a->n_still++] = mean;
            a->n_win = 0;
            a->sum = a->sum2 = 0;
            if (a->n_still == ACC_STILL_MAX)
                return acc_check_judge(a, path, err);
        }
        if (a->n_seen >= ACC_CHECK_S * a->fs_hz)
            return acc_check_judge(a, path, err);
    }
    return PT_OK;
}

const char *pt_kind_name(pt_kind kind)
{
    static const char *const names[] = {"ppg", "acc_x", "acc_y", "acc_z",
                                        "ecg", "hr",    "ibi",   "aux"};
    if ((unsigned)kind >= sizeof names / sizeof names[0])
        return "aux";
    return names[kind];
}

/* No sensor's reading, in any unit a reader delivers (acc in g, PPG counts up to 2^32, ECG
 * in uV, HR in bpm), comes near 1e12: such a value is a corrupt file, and squared in a
 * magnitude or a filter it would overflow to inf. */
#define PT_SAMPLE_ABS_MAX 1e12

/* No wearable sensor samples faster than this (PPG, ECG and accelerometers run at 1 Hz to
 * a few kHz): a file claiming more (CSV times 1 ns apart, an EDF record of 1e-9 s, a WFDB
 * header with fs 1e12) is corrupt, and its filters would ask for terabytes. */
#define PT_FS_MAX_HZ 100e3

/* The field of a file of this format that gives a channel its sample rate. */
static const char *fs_field(const char *format)
{
    static const char *const f[][2] = {
        {"csv", "the spacing of its time column or --fs"},
        {"edf", "its record duration and samples per record"},
        {"wfdb", "the sampling frequency in its header"},
        {"e4", "the sample rate on the second line of the channel's file"},
        {"wav", "the sample rate in its header"},
        {"cwa", "the rate code of its data blocks"},
        {"h5", "the dataset's fs_hz attribute, --h5-*-fs or --fs"}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!strcmp(format, f[i][0]))
            return f[i][1];
    return "its header";
}

static int check_rates(const pt_recording_info *info, pt_error *err)
{
    for (size_t c = 0; c < info->nchan; c++)
        if (info->chan[c].fs_hz > PT_FS_MAX_HZ || isinf(info->chan[c].fs_hz))
            return pt_error_set(err, PT_EDATA,
                                "%s: channel %s: a sample rate of %g Hz (from %s) is above the "
                                "%g kHz no wearable sensor exceeds: a corrupt file",
                                info->path, info->chan[c].name, info->chan[c].fs_hz,
                                fs_field(info->format), PT_FS_MAX_HZ / 1e3);
    return PT_OK;
}

pt_read_options pt_read_defaults(void)
{
    pt_read_options o = {.format = "auto",
                         .fs_hz = NAN,
                         .acc_units = "g",
                         .max_gap_s = 86400.0,
                         .h5_ppg_fs_hz = NAN,
                         .h5_acc_fs_hz = NAN,
                         .h5_ecg_fs_hz = NAN,
                         .h5_hr_fs_hz = NAN,
                         .sample_abs_max = PT_SAMPLE_ABS_MAX};
    return o;
}

pt_block *pt_block_create(const pt_recording_info *info, size_t cap, pt_error *err)
{
    if (!info || cap < 16 || info->nchan > PT_MAX_CHANNELS) {
        pt_error_set(err, PT_EINVAL, "pt_block_create: bad arguments");
        return NULL;
    }
    pt_block *b = calloc(1, sizeof *b);
    if (!b) {
        pt_error_set(err, PT_ENOMEM, "out of memory for a block");
        return NULL;
    }
    b->nchan = info->nchan;
    b->cap = cap;
    for (size_t c = 0; c < info->nchan; c++) {
        b->x[c] = calloc(cap, sizeof(double));
        int irregular = !(info->chan[c].fs_hz > 0);
        if (irregular)
            b->t[c] = calloc(cap, sizeof(double));
        if (!b->x[c] || (irregular && !b->t[c])) {
            pt_block_destroy(b);
            pt_error_set(err, PT_ENOMEM, "out of memory for a block of %zu samples", cap);
            return NULL;
        }
    }
    return b;
}

void pt_block_destroy(pt_block *b)
{
    if (!b)
        return;
    for (size_t c = 0; c < PT_MAX_CHANNELS; c++) {
        free(b->x[c]);
        free(b->t[c]);
    }
    free(b);
}

/* The user's --start for a file without absolute time; refused when the file says otherwise. */
static int apply_start(const char *path, const char *start, pt_recording_info *info, pt_error *err)
{
    double u;
    if (pt_parse_iso8601(start, strlen(start), &u))
        return pt_error_set(err, PT_EINVAL,
                            "%s: --start '%s' is not an ISO 8601 time "
                            "(YYYY-MM-DDTHH:MM[:SS](Z|+hh:mm))",
                            path, start);
    if (isfinite(info->start_unix_s)) {
        if (fabs(info->start_unix_s - u) > 1.0)
            return pt_error_set(err, PT_EDATA,
                                "%s: the file starts at %s but --start says %s; drop --start "
                                "(the file's own time is used)",
                                path, info->start_time_utc, start);
        return PT_OK;
    }
    info->start_unix_s = u;
    pt_format_iso8601(u, info->start_time_utc);
    return PT_OK;
}

const char *pt_reader_probe(const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) != 0 || (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)))
        return NULL;
    unsigned char head[4096];
    size_t len = 0;
    if (!S_ISDIR(st.st_mode)) {
        FILE *f = fopen(path, "rb");
        if (!f)
            return NULL;
        len = fread(head, 1, sizeof head, f);
        fclose(f);
    }
    int best = 0;
    const char *name = NULL;
    unsigned char unzb[4096];
    size_t unz_len = 0;
    const unsigned char *unz = gz_head(path, head, len, unzb, sizeof unzb, &unz_len);
    for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
        int sc = probe_one(readers[i], path, head, len, unz, unz_len);
        if (sc > best) {
            best = sc;
            name = readers[i]->name;
        }
    }
    return name;
}

int pt_reader_format_check(const char *format, pt_error *err)
{
    if (!format || !strcasecmp(format, "auto"))
        return PT_OK;
    char names[160] = "auto";
    for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
        if (!strcasecmp(readers[i]->name, format))
            return PT_OK;
        size_t u = strlen(names);
        snprintf(names + u, sizeof names - u, ", %s", readers[i]->name);
    }
    return pt_error_set(err, PT_EINVAL, "--format: '%s' is not a format (%s)", format, names);
}

/* The common part of opening, once the format is chosen. */
static pt_reader *reader_start(const pt_reader_ops *ops, const char *path,
                               const pt_read_options *opt, pt_error *err);

pt_reader *pt_reader_open(const char *path, const pt_read_options *opt, pt_error *err)
{
    pt_read_options defaults = pt_read_defaults();
    if (!opt)
        opt = &defaults;
    if (opt->memory) { /* arrays: the path only names them */
        if (!path || !*path)
            path = opt->memory->label && opt->memory->label[0] ? opt->memory->label : "<memory>";
        return reader_start(&pt_reader_memory, path, opt, err);
    }
    if (!path || !*path) {
        pt_error_set(err, PT_EINVAL, "no input file given");
        return NULL;
    }
    struct stat st;
    if (stat(path, &st) != 0) { /* missing or unreadable input: bad input, not an I/O fault */
        pt_error_set(err, PT_EDATA, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) { /* a FIFO would block for ever */
        pt_error_set(err, PT_EDATA, "%s: not a regular file or folder (a FIFO, socket or device?)",
                     path);
        return NULL;
    }
    unsigned char head[4096];
    size_t len = 0;
    if (!S_ISDIR(st.st_mode)) {
        FILE *f = fopen(path, "rb");
        if (!f) {
            pt_error_set(err, PT_EDATA, "%s: %s", path, strerror(errno));
            return NULL;
        }
        len = fread(head, 1, sizeof head, f);
        fclose(f);
    }
    const pt_reader_ops *ops = NULL;
    const char *fmt = opt->format ? opt->format : "auto";
    if (strcmp(fmt, "auto") != 0) {
        for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++)
            if (!strcasecmp(readers[i]->name, fmt))
                ops = readers[i];
        if (!ops) {
            pt_reader_format_check(fmt, err);
            pt_error_prefix(err, "%s: ", path);
            return NULL;
        }
    } else {
        int best = 0;
        unsigned char unzb[4096];
        size_t unz_len = 0;
        const unsigned char *unz = gz_head(path, head, len, unzb, sizeof unzb, &unz_len);
        for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
            int s = probe_one(readers[i], path, head, len, unz, unz_len);
            if (s > best) {
                best = s;
                ops = readers[i];
            }
        }
        if (!ops) {
            if (len == 0 && !S_ISDIR(st.st_mode))
                pt_error_set(err, PT_EFORMAT, "%s: the file is empty", path);
            else
                pt_error_set(err, PT_EFORMAT, "%s: not a recording in any format this build reads",
                             path);
            return NULL;
        }
    }
    return reader_start(ops, path, opt, err);
}

pt_reader *pt_reader_open_memory(const pt_memory_recording *m, const pt_read_options *opt,
                                 pt_error *err)
{
    pt_read_options o = opt ? *opt : pt_read_defaults();
    if (!m) {
        pt_error_set(err, PT_EINVAL, "pt_reader_open_memory: no recording given");
        return NULL;
    }
    o.memory = m;
    return pt_reader_open(NULL, &o, err);
}

static pt_reader *reader_start(const pt_reader_ops *ops, const char *path,
                               const pt_read_options *opt, pt_error *err)
{
    pt_reader *r = calloc(1, sizeof *r);
    if (!r) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the reader", path);
        return NULL;
    }
    r->ops = ops;
    r->info.start_unix_s = NAN;
    r->info.duration_s = NAN;
    snprintf(r->info.path, sizeof r->info.path, "%s", path);
    snprintf(r->info.format, sizeof r->info.format, "%s", ops->name);
    if (!opt->memory) /* arrays have no file to watch: stamp.ok stays 0 */
        r->stamp = pt_path_stamp_of(path);
    r->sample_abs_max = opt->sample_abs_max > 0 ? opt->sample_abs_max : 0;
    r->state = ops->open(path, opt, &r->info, err);
    if (!r->state) {
        free(r);
        return NULL;
    }
    if (check_rates(&r->info, err) != PT_OK ||
        (opt->start && *opt->start && apply_start(path, opt->start, &r->info, err) != PT_OK)) {
        pt_reader_close(r);
        return NULL;
    }
    acc_check_init(&r->acc, &r->info, opt->acc_units);
    return r;
}

const pt_recording_info *pt_reader_info(const pt_reader *r)
{
    return r ? &r->info : NULL;
}

/* Samples beyond +-max (pt_read_options.sample_abs_max) refused naming the channel and time. */
static int check_range(const pt_recording_info *info, const pt_block *b, double max, pt_error *err)
{
    for (size_t c = 0; c < b->nchan; c++) {
        const double *x = b->x[c];
        for (size_t i = 0; i < b->n[c]; i++) {
            if (!(fabs(x[i]) > max)) /* NaN: a missing sample */
                continue;
            const pt_channel_info *ch = &info->chan[c];
            double t = b->t[c]         ? b->t[c][i]
                       : ch->fs_hz > 0 ? ch->t0_s + (double)(b->first[c] + (int64_t)i) / ch->fs_hz
                                       : (double)NAN;
            return pt_error_set(err, PT_EDATA,
                                "%s: channel %s, sample %lld (t = %.3f s): value %g is out of "
                                "range (|x| > %g in %s): a corrupt file or a wrong unit",
                                info->path, ch->name, (long long)(b->first[c] + (int64_t)i), t,
                                x[i], max, ch->units[0] ? ch->units : "its units");
        }
    }
    return PT_OK;
}

int pt_reader_read(pt_reader *r, pt_block *b, pt_error *err)
{
    if (!r || !b || b->nchan != r->info.nchan)
        return pt_error_set(err, PT_EINVAL, "pt_reader_read: block does not match the reader");
    for (size_t c = 0; c < b->nchan; c++)
        b->n[c] = 0;
    int rc = r->ops->read(r->state, &r->info, b, err);
    if (!rc)
        rc = r->sample_abs_max > 0 ? check_range(&r->info, b, r->sample_abs_max, err) : PT_OK;
    if (rc)
        return rc;
    size_t total = 0;
    for (size_t c = 0; c < b->nchan; c++)
        total += b->n[c];
    r->delivered += (int64_t)total;
    if (total == 0 && r->delivered == 0) /* every reader: an empty recording is bad input */
        return pt_error_set(err, PT_EDATA, "%s: no samples: the recording holds none",
                            r->info.path);
    if (!r->acc.active)
        return rc;
    if (total == 0) /* the end: judge what there was */
        return acc_check_judge(&r->acc, r->info.path, err);
    return acc_check_push(&r->acc, b, r->info.path, err);
}

int pt_reader_unchanged(const pt_reader *r, pt_error *err)
{
    if (!r)
        return pt_error_set(err, PT_EINVAL, "pt_reader_unchanged: no reader");
    pt_path_stamp now = pt_path_stamp_of(r->info.path);
    if (!r->stamp.ok || pt_path_stamp_equal(&r->stamp, &now))
        return PT_OK;
    if (!now.ok)
        return pt_error_set(err, PT_EDATA, "%s: removed while being read", r->info.path);
    return pt_error_set(err, PT_EDATA,
                        "%s: changed while being read (size %llu -> %llu bytes%s): the samples "
                        "read may be part of the old and part of the new file; run again once "
                        "it is complete",
                        r->info.path, (unsigned long long)r->stamp.size,
                        (unsigned long long)now.size,
                        r->stamp.mtime_ns != now.mtime_ns ? ", modification time moved" : "");
}

void pt_reader_close(pt_reader *r)
{
    if (!r)
        return;
    r->ops->close(r->state);
    free(r);
}

/* ---- channel names ---- */

static int ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

int pt_channel_from_name(const char *name, const char *acc_units, pt_kind *kind, double *scale,
                         char units[16])
{
    char base[64];
    snprintf(base, sizeof base, "%s", name);
    for (char *p = base; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    /* Split a unit suffix: the last '_' part when it is a known unit. */
    static const struct {
        const char *suffix;
        const char *units;
        double to_g;
    } known[] = {
        {"g", "g", 1.0},
        {"mg", "g", 1e-3},
        {"ms2", "g", 1.0 / 9.80665},
        {"mps2", "g", 1.0 / 9.80665},
        {"mv", "mV", 0},
        {"uv", "uV", 0},
        {"v", "V", 0},
        {"bpm", "bpm", 0},
        {"ms", "ms", 0},
        {"s", "s", 0},
        {"au", "au", 0},
        {"nw", "nW", 0},
        {"counts", "au", 0},
    };
    const char *suffix = NULL;
    char *us = strrchr(base, '_');
    double to_g = NAN;
    units[0] = '\0';
    if (us) {
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (!strcmp(us + 1, known[i].suffix)) {
                suffix = known[i].units;
                to_g = known[i].to_g;
                *us = '\0';
                break;
            }
    }
    *scale = 1.0;
    int recognised = 1;
    if (!strcmp(base, "ppg") || !strcmp(base, "bvp") || !strcmp(base, "pleth") ||
        (!strncmp(base, "ppg", 3) && isdigit((unsigned char)base[3]))) {
        *kind = PT_KIND_PPG;
    } else if (!strcmp(base, "acc_x") || !strcmp(base, "acc_y") || !strcmp(base, "acc_z") ||
               !strcmp(base, "ax") || !strcmp(base, "ay") || !strcmp(base, "az") ||
               !strcmp(base, "x") || !strcmp(base, "y") || !strcmp(base, "z")) {
        char axis = base[strlen(base) - 1];
        *kind = axis == 'x' ? PT_KIND_ACC_X : axis == 'y' ? PT_KIND_ACC_Y : PT_KIND_ACC_Z;
        if (suffix && !(to_g > 0)) {
            recognised = 0; /* acc in mV? not acceleration units */
        } else if (!suffix) {
            const char *u = acc_units ? acc_units : "g";
            to_g = ieq(u, "mg")                                           ? 1e-3
                   : (ieq(u, "ms2") || ieq(u, "m/s2") || ieq(u, "m/s^2")) ? 1.0 / 9.80665
                                                                          : 1.0;
        }
        if (recognised) {
            *scale = to_g;
            snprintf(units, 16, "g");
            return 1;
        }
    } else if (!strcmp(base, "ecg")) {
        *kind = PT_KIND_ECG;
    } else if (!strcmp(base, "hr") || !strcmp(base, "heart_rate") || !strcmp(base, "heartrate")) {
        *kind = PT_KIND_HR;
        snprintf(units, 16, "bpm");
        return 1;
    } else if (!strcmp(base, "ibi") || !strcmp(base, "rr")) {
        *kind = PT_KIND_IBI;
        if (suffix && !strcmp(suffix, "s")) {
            *scale = 1000.0;
        }
        snprintf(units, 16, "ms");
        return 1;
    } else {
        recognised = 0;
    }
    if (!recognised) {
        *kind = PT_KIND_AUX;
        *scale = 1.0;
        snprintf(units, 16, "%s", suffix ? suffix : "au");
        return 0;
    }
    snprintf(units, 16, "%s", suffix ? suffix : "au");
    return 1;
}

/* ---- ISO 8601 ---- */

/* Hinnant's days_from_civil (proleptic Gregorian). */
long long pt_days_from_civil(long long y, long long m, long long d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, size_t len, size_t *i, int n, int *out)
{
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (*i >= len || !isdigit((unsigned char)s[*i]))
            return -1;
        v = v * 10 + (s[(*i)++] - '0');
    }
    *out = v;
    return 0;
}

int pt_parse_iso8601(const char *s, size_t len, double *unix_s)
{
    return pt_parse_iso8601_clock(s, len, unix_s, NULL);
}

int pt_parse_iso8601_clock(const char *s, size_t len, double *unix_s, double *clock_s)
{
    size_t i = 0;
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (digits(s, len, &i, 4, &y) || i >= len || s[i++] != '-' || digits(s, len, &i, 2, &mo) ||
        i >= len || s[i++] != '-' || digits(s, len, &i, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    double frac = 0;
    if (i < len && (s[i] == 'T' || s[i] == ' ')) {
        i++;
        if (digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' || digits(s, len, &i, 2, &mi))
            return -1;
        if (i < len && s[i] == ':') {
            i++;
            if (digits(s, len, &i, 2, &se))
                return -1;
            if (i < len && (s[i] == '.' || s[i] == ',')) {
                i++;
                double scale = 0.1;
                while (i < len && isdigit((unsigned char)s[i])) {
                    frac += (s[i++] - '0') * scale;
                    scale *= 0.1;
                }
            }
        }
        if (h > 24 || mi > 59 || se > 60)
            return -1;
    }
    long offset = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i++] == '-' ? -1 : 1, oh, om = 0;
        if (digits(s, len, &i, 2, &oh))
            return -1;
        if (i < len && s[i] == ':')
            i++;
        if (i < len)
            if (digits(s, len, &i, 2, &om))
                return -1;
        offset = sign * (oh * 3600L + om * 60L);
    }
    if (i != len)
        return -1;
    long long days = pt_days_from_civil(y, mo, d);
    *unix_s = (double)(days * 86400LL + h * 3600LL + mi * 60LL + se - offset) + frac;
    if (clock_s)
        *clock_s = h * 3600.0 + mi * 60.0 + (se + frac);
    return 0;
}

void pt_format_iso8601(double unix_s, char out[40])
{
    /* years 0000..9999 only: beyond, time_t conversion overflows (found by fuzzing) */
    if (!isfinite(unix_s) || unix_s < -62167219200.0 || unix_s > 253402300799.0) {
        out[0] = '\0';
        return;
    }
    double whole = floor(unix_s);
    int ms = (int)llround((unix_s - whole) * 1000.0);
    if (ms == 1000) {
        whole += 1;
        ms = 0;
    }
    time_t t = (time_t)whole;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, ms % 1000);
}
int pt_time_parse_iso8601(const char *s, double *unix_s)
{
    return s && pt_parse_iso8601(s, strlen(s), unix_s) == 0 ? PT_OK : PT_EINVAL;
}

void pt_time_format_iso8601(double unix_s, char out[40])
{
    pt_format_iso8601(unix_s, out);
}

int pt_find_channel(const pt_recording_info *info, pt_kind kind)
{
    for (size_t c = 0; c < info->nchan; c++)
        if (info->chan[c].kind == kind)
            return (int)c;
    return -1;
}
