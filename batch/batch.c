/* SPDX-License-Identifier: GPL-2.0-or-later
 * batch.c — many recordings through pt_process_file on a pool of pthreads,
 * resumable (the summaries carry their source hash and parameters), with an
 * index OUTDIR/batch.h5 written atomically at the end.
 * Method: a work queue (one shared counter under a mutex); every recording is
 * independent (DESIGN.md), so the results do not depend on the worker count. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "batch/shard.h"
#include "core/atomic.h"
#include "core/lock.h"
#include "core/sha256.h"
#include "io/h5table.h"
#include "pulsetrain/batch.h"
#include "pulsetrain/tz.h"
#include "pulsetrain/version.h"
#include "summary/summary_impl.h"

typedef struct item {
    pt_params params;
    char start[48]; /* the manifest's start_time ("" = none): --start for this recording */
    pt_batch_result res;
} item;

struct pt_batch {
    char outdir[1024];
    char input[1024];
    pt_params base;
    pt_read_options ropt;
    char ropt_str[9][256]; /* copies of the read options' strings */
    size_t n, cap;
    item *items;
    /* run state, shared by the workers under mu */
    pthread_mutex_t mu;
    size_t next;
    pt_batch_progress prog;
    const pt_batch_options *opt;
    struct timespec t0;
    FILE *journal;        /* OUTDIR/batch.journal.tsv, one line per finished recording */
    int shard_k, shard_n; /* part k of n (shard.c): its own journal, no index; n = 0: whole */
};

/* ---- helpers ---- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Size of a file, or of the regular files directly inside a folder [bytes]. */
static double source_bytes(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return (double)st.st_size;
    double sum = 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    char p[2300];
    while ((e = readdir(d))) {
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
            sum += (double)st.st_size;
    }
    closedir(d);
    return sum;
}

static int add_item(pt_batch *b, const char *path, pt_error *err)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16;
        item *it = realloc(b->items, cap * sizeof *it);
        if (!it)
            return pt_error_set(err, PT_ENOMEM, "out of memory for the list of recordings");
        b->items = it;
        b->cap = cap;
    }
    item *it = &b->items[b->n++];
    memset(it, 0, sizeof *it);
    it->params = b->base;
    snprintf(it->res.path, sizeof it->res.path, "%s", path);
    return PT_OK;
}

/* ---- directory scan ---- */

/* A recording batch should run: a file named like one (a broken or unreadable one then
 * fails with its reason instead of vanishing), and whatever else a reader's own probe
 * recognises (so that everything process reads, batch finds: E4 zips and folders, WFDB
 * headers, ...) -- except text only the CSV reader's catch-all accepts, the simulator's
 * side files, and HDF5 files (summaries; an HDF5 recording needs --h5-ppg, so it is given
 * by name or in a manifest). */
static int recognised_file(const char *dir, const char *name)
{
    static const char *const ext[] = {".csv", ".tsv",  ".txt", ".edf", ".bdf",  ".hea",
                                      ".wav", ".flac", ".ogg", ".aif", ".aiff", ".cwa"};
    if (ends_with(name, ".truth.csv") || ends_with(name, ".recovery.csv"))
        return 0; /* the simulator's side files, not recordings */
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (ends_with(name, ext[i]))
            return 1;
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    const char *fmt = pt_reader_probe(path);
    return fmt && strcmp(fmt, "h5") && strcmp(fmt, "csv");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int scan_dir(pt_batch *b, const char *dir, pt_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return pt_error_set(err, PT_EDATA, "%s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = PT_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = pt_error_set(err, PT_ENOMEM, "out of memory scanning %s", dir);
                break;
            }
            names = nn;
        }
        if (!(names[n] = malloc(strlen(e->d_name) + 1))) {
            rc = pt_error_set(err, PT_ENOMEM, "out of memory scanning %s", dir);
            break;
        }
        strcpy(names[n++], e->d_name);
    }
    closedir(d);
    if (!rc && n > 1) /* a stable order: readdir's is arbitrary */
        qsort(names, n, sizeof *names, cmp_str);
    char path[1100];
    for (size_t i = 0; i < n && !rc; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (recognised_file(dir, names[i]))
            rc = add_item(b, path, err);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* ---- manifest ---- */

/* Split one CSV line in place into at most max fields ("..." quoting, "" for a quote). */
static size_t split_csv(char *line, char **field, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            break;
        char *out = p;
        field[n++] = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else if (!*p) {
                    break;
                } else {
                    *out++ = *p++;
                }
            }
            while (*p && *p != ',')
                p++;
        } else {
            while (*p && *p != ',')
                *out++ = *p++;
        }
        int more = *p == ',';
        if (*p)
            p++;
        *out = '\0';
        /* trim */
        char *f = field[n - 1];
        while (isspace((unsigned char)*f))
            f++;
        size_t l = strlen(f);
        while (l && isspace((unsigned char)f[l - 1]))
            f[--l] = '\0';
        field[n - 1] = f;
        if (!more)
            break;
    }
    return n;
}

enum { COL_PATH, COL_SUBJECT, COL_AGE, COL_SEX, COL_HRREST, COL_HRMAX, COL_TZ, COL_START, NCOL };

static int manifest_num(const char *path, size_t line, const char *col, const char *s, double *v,
                        pt_error *err)
{
    if (!*s)
        return PT_OK; /* empty: keep the default */
    char *end;
    double x = strtod(s, &end);
    if (end == s || *end || !isfinite(x))
        return pt_error_set(err, PT_EDATA, "%s:%zu: %s '%s' is not a number", path, line, col, s);
    *v = x;
    return PT_OK;
}

static int read_manifest(pt_batch *b, const char *path, pt_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return pt_error_set(err, PT_EDATA, "%s: %s", path, strerror(errno));
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = '\0';
    else
        dir[0] = '\0';
    static const char *const names[NCOL] = {"path",    "subject_id", "age", "sex",
                                            "hr_rest", "hr_max",     "tz",  "start_time"};
    int colof[NCOL];
    for (int k = 0; k < NCOL; k++)
        colof[k] = -1;
    char line[4096], *field[32];
    size_t lineno = 0;
    int rc = PT_OK, header = 1;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        size_t l = strlen(line);
        if (l == sizeof line - 1 && line[l - 1] != '\n') {
            rc = pt_error_set(err, PT_EFORMAT, "%s:%zu: line too long", path, lineno);
            break;
        }
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
            line[--l] = '\0';
        if (l == 0 || line[0] == '#')
            continue;
        size_t nf = split_csv(line, field, 32);
        if (header) {
            header = 0;
            for (size_t i = 0; i < nf; i++) {
                int known = 0;
                for (int k = 0; k < NCOL; k++)
                    if (!strcasecmp(field[i], names[k])) {
                        colof[k] = (int)i;
                        known = 1;
                    }
                if (!known)
                    rc = pt_error_set(err, PT_EFORMAT,
                                      "%s:%zu: unknown column '%s' (path, subject_id, age, sex, "
                                      "hr_rest, hr_max, tz, start_time)",
                                      path, lineno, field[i]);
            }
            if (!rc && colof[COL_PATH] < 0)
                rc = pt_error_set(err, PT_EFORMAT, "%s:%zu: the header has no 'path' column", path,
                                  lineno);
            continue;
        }
        const char *v[NCOL];
        for (int k = 0; k < NCOL; k++)
            v[k] = colof[k] >= 0 && (size_t)colof[k] < nf ? field[colof[k]] : "";
        if (!*v[COL_PATH]) {
            rc = pt_error_set(err, PT_EDATA, "%s:%zu: empty path", path, lineno);
            break;
        }
        char rec[2100];
        if (v[COL_PATH][0] == '/')
            snprintf(rec, sizeof rec, "%s", v[COL_PATH]);
        else
            snprintf(rec, sizeof rec, "%s%s", dir, v[COL_PATH]);
        if ((rc = add_item(b, rec, err)))
            break;
        pt_params *p = &b->items[b->n - 1].params;
        if (*v[COL_SUBJECT]) {
            if (strlen(v[COL_SUBJECT]) >= sizeof p->subject_id || strchr(v[COL_SUBJECT], '"') ||
                strchr(v[COL_SUBJECT], '\\')) {
                rc = pt_error_set(err, PT_EDATA,
                                  "%s:%zu: subject_id '%s' is too long or has "
                                  "quotes",
                                  path, lineno, v[COL_SUBJECT]);
                break;
            }
            snprintf(p->subject_id, sizeof p->subject_id, "%s", v[COL_SUBJECT]);
        }
        if ((rc = manifest_num(path, lineno, "age", v[COL_AGE], &p->age_y, err)) ||
            (rc = manifest_num(path, lineno, "hr_rest", v[COL_HRREST], &p->hr_rest_bpm, err)) ||
            (rc = manifest_num(path, lineno, "hr_max", v[COL_HRMAX], &p->hr_max_bpm, err)))
            break;
        if (*v[COL_SEX]) {
            char s = (char)tolower((unsigned char)v[COL_SEX][0]);
            if (v[COL_SEX][1] || (s != 'm' && s != 'f')) {
                rc = pt_error_set(err, PT_EDATA, "%s:%zu: sex '%s' is not m or f", path, lineno,
                                  v[COL_SEX]);
                break;
            }
            p->sex = s;
        }
        if (*v[COL_TZ]) {
            if (strlen(v[COL_TZ]) >= sizeof p->tz) {
                rc = pt_error_set(err, PT_EDATA, "%s:%zu: tz too long", path, lineno);
                break;
            }
            snprintf(p->tz, sizeof p->tz, "%s", v[COL_TZ]);
        }
        if (*v[COL_START]) {
            item *it = &b->items[b->n - 1];
            double u;
            if (strlen(v[COL_START]) >= sizeof it->start ||
                pt_time_parse_iso8601(v[COL_START], &u) != PT_OK) {
                rc = pt_error_set(err, PT_EDATA,
                                  "%s:%zu: start_time '%.60s' is not an ISO 8601 time "
                                  "(YYYY-MM-DDTHH:MM[:SS](Z|+hh:mm))",
                                  path, lineno, v[COL_START]);
                break;
            }
            snprintf(it->start, sizeof it->start, "%s", v[COL_START]);
        }
        if ((rc = pt_params_check(p, err))) { /* a bad value in the input: bad input */
            rc = PT_EDATA;
            if (err)
                err->code = PT_EDATA;
            pt_error_prefix(err, "%s:%zu: ", path, lineno);
        }
    }
    if (!rc && ferror(f))
        rc = pt_error_set(err, PT_EIO, "%s: read error", path);
    if (!rc && header)
        rc = pt_error_set(err, PT_EFORMAT, "%s: empty manifest (a header row is required)", path);
    fclose(f);
    return rc;
}

/* ---- names in OUTDIR ---- */

static void base_name(const char *path, char *out, size_t len)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    size_t l = strlen(tmp);
    while (l > 1 && tmp[l - 1] == '/')
        tmp[--l] = '\0';
    const char *slash = strrchr(tmp, '/');
    const char *b = slash ? slash + 1 : tmp;
    snprintf(out, len, "%s", b);
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
    for (char *p = out; *p; p++) /* keep names portable */
        if (*p == '/' || *p == '\\' || (unsigned char)*p < 32)
            *p = '_';
    if (!*out)
        snprintf(out, len, "recording");
}

static int name_taken(const pt_batch *b, size_t upto, const char *name)
{
    for (size_t j = 0; j < upto; j++)
        if (!strcmp(b->items[j].res.name, name))
            return 1;
    return !strcmp(name, "batch"); /* the index */
}

static void assign_names(pt_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        pt_batch_result *r = &b->items[i].res;
        char base[200];
        base_name(r->path, base, sizeof base);
        snprintf(r->name, sizeof r->name, "%s", base);
        for (int k = 2; name_taken(b, i, r->name); k++)
            snprintf(r->name, sizeof r->name, "%s-%d", base, k);
        snprintf(r->summary, sizeof r->summary, "%s/%s.h5", b->outdir, r->name);
        snprintf(r->subject_id, sizeof r->subject_id, "%s", b->items[i].params.subject_id);
        r->bytes = source_bytes(r->path);
        r->state = PT_BATCH_PENDING;
    }
}

pt_batch *pt_batch_create(const char *input, const char *outdir, const pt_params *base,
                          const pt_read_options *ropt, pt_error *err)
{
    if (!input || !*input || !outdir || !*outdir) {
        pt_error_set(err, PT_EINVAL, "pt_batch_create: input and output folder are required");
        return NULL;
    }
    if (strlen(outdir) > 900 || strlen(input) > 900) {
        pt_error_set(err, PT_EINVAL, "pt_batch_create: path too long");
        return NULL;
    }
    pt_batch *b = calloc(1, sizeof *b);
    if (!b) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&b->mu, NULL);
    b->base = base ? *base : pt_params_defaults();
    b->ropt = ropt ? *ropt : pt_read_defaults();
    /* copy the strings the options point to (an object keeps no caller pointer);
     * one channel map or dataset layout applies to every recording of the batch */
    const char **str[9] = {&b->ropt.format,   &b->ropt.acc_units, &b->ropt.channels,
                           &b->ropt.h5_ppg,   &b->ropt.h5_acc_x,  &b->ropt.h5_acc_y,
                           &b->ropt.h5_acc_z, &b->ropt.h5_ecg,    &b->ropt.h5_hr};
    for (int k = 0; k < 9; k++) {
        if (!*str[k])
            continue;
        if (strlen(*str[k]) >= sizeof b->ropt_str[k]) {
            pt_error_set(err, PT_EINVAL, "pt_batch_create: read option '%.40s...' too long",
                         *str[k]);
            pt_batch_destroy(b);
            return NULL;
        }
        snprintf(b->ropt_str[k], sizeof b->ropt_str[k], "%s", *str[k]);
        *str[k] = b->ropt_str[k];
    }
    if (!b->ropt.acc_units)
        b->ropt.acc_units = "g";
    snprintf(b->outdir, sizeof b->outdir, "%s", outdir);
    size_t l = strlen(b->outdir);
    while (l > 1 && b->outdir[l - 1] == '/')
        b->outdir[--l] = '\0';
    snprintf(b->input, sizeof b->input, "%s", input);
    int rc = pt_params_check(&b->base, err);
    struct stat st;
    if (!rc && stat(input, &st) != 0) /* bad input, not an output failure */
        rc = pt_error_set(err, PT_EDATA, "%s: %s", input, strerror(errno));
    if (!rc) { /* a folder that is one recording (an E4 export) is run as one */
        const char *fmt = S_ISDIR(st.st_mode) ? pt_reader_probe(input) : NULL;
        rc = S_ISDIR(st.st_mode) && !fmt ? scan_dir(b, input, err)
             : S_ISDIR(st.st_mode)       ? add_item(b, input, err)
                                         : read_manifest(b, input, err);
    }
    if (!rc && b->n == 0)
        rc = pt_error_set(err, PT_EDATA, "%s: no recordings found", input);
    if (!rc && mkdir(b->outdir, 0777) != 0 && errno != EEXIST)
        rc = pt_error_set(err, PT_EIO, "%s: cannot create the output folder: %s", b->outdir,
                          strerror(errno));
    if (!rc && !is_dir(b->outdir))
        rc = pt_error_set(err, PT_EIO, "%s: not a folder", b->outdir);
    if (rc) {
        pt_batch_destroy(b);
        return NULL;
    }
    assign_names(b);
    return b;
}

int pt_batch_keep_part_(pt_batch *b, const int *part, int keep, int k, int n)
{
    size_t m = 0;
    for (size_t i = 0; i < b->n; i++)
        if (part[i] == keep)
            b->items[m++] = b->items[i];
    b->n = m;
    b->shard_k = k;
    b->shard_n = n;
    return PT_OK;
}

void pt_batch_destroy(pt_batch *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->mu);
    free(b->items);
    free(b);
}

size_t pt_batch_count(const pt_batch *b)
{
    return b ? b->n : 0;
}

const pt_batch_result *pt_batch_result_at(const pt_batch *b, size_t i)
{
    return b && i < b->n ? &b->items[i].res : NULL;
}

pt_batch_options pt_batch_defaults(void)
{
    pt_batch_options o = {
        .nworkers = 1, .resume = 0, .progress = NULL, .user = NULL, .scratch_dir = NULL};
    return o;
}

/* ---- one recording ---- */

static double col_mean(const pt_summary *s, const char *table, const char *col)
{
    const pt_table *t = pt_summary_table_const(s, table);
    const double *v = t ? pt_table_column(t, col) : NULL;
    if (!v)
        return NAN;
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < pt_table_nrows(t); i++) {
        if (!isnan(v[i])) {
            sum += v[i];
            k++;
        }
        PT_RELEASE_EVERY(i, t);
    }
    pt_table_release(t);
    return k ? sum / (double)k : (double)NAN;
}

static double table_rows(const pt_summary *s, const char *table)
{
    const pt_table *t = pt_summary_table_const(s, table);
    return t ? (double)pt_table_nrows(t) : (double)NAN;
}

static void key_figures(pt_batch_result *r, const pt_summary *s, const pt_params *p)
{
    const pt_recording_info *rec = pt_summary_recording(s);
    r->duration_s = rec ? rec->duration_s : (double)NAN;
    r->hr_mean_bpm = col_mean(s, "hr", "bpm");
    r->n_bouts = table_rows(s, "bouts");
    r->n_recovery = table_rows(s, "recovery");
    r->hrr60_mean_bpm = col_mean(s, "recovery", "hrr60_bpm");
    const pt_table *ep = pt_summary_table_const(s, "epochs");
    const double *cls = ep ? pt_table_column(ep, "class") : NULL;
    r->wear_h = r->mvpa_min = NAN;
    if (cls) {
        size_t wear = 0, mvpa = 0;
        for (size_t i = 0; i < pt_table_nrows(ep); i++) {
            wear += !isnan(cls[i]) && cls[i] != PT_CLASS_NONWEAR;
            mvpa += cls[i] == PT_CLASS_MODERATE || cls[i] == PT_CLASS_VIGOROUS;
            PT_RELEASE_EVERY(i, ep);
        }
        pt_table_release(ep);
        r->wear_h = (double)wear * p->epoch_s / 3600.0;
        r->mvpa_min = (double)mvpa * p->epoch_s / 60.0;
    }
}

/* Resume: the summary exists, its source hash and parameters match. Fills the
 * key figures from it. Returns 1 when it can be kept. */
static int summary_matches(const pt_batch *b, item *it, pt_error *err)
{
    (void)b;
    if (access(it->res.summary, F_OK) != 0)
        return 0;
    pt_summary_meta *meta = calloc(1, sizeof *meta);
    char *json = NULL;
    int keep = 0;
    pt_summary *s = meta ? pt_summary_read_h5(it->res.summary, meta, err) : NULL;
    if (s) {
        size_t need = pt_params_json(&it->params, NULL, 0);
        json = malloc(need + 1);
        char sha[65];
        if (json) {
            pt_params_json(&it->params, json, need + 1);
            keep = !strcmp(json, meta->parameters) &&
                   pt_sha256_file(it->res.path, sha, err) == PT_OK &&
                   !strcmp(sha, meta->source_sha256);
        }
        if (keep)
            key_figures(&it->res, s, &it->params);
    }
    pt_error_clear(err);
    pt_summary_destroy(s);
    free(json);
    free(meta);
    return keep;
}

static void run_one(pt_batch *b, item *it, const pt_batch_options *opt)
{
    int resume = opt->resume;
    pt_batch_result *r = &it->res;
    pt_error err = {0};
    double t = now_s();
    if (resume && summary_matches(b, it, &err)) {
        r->state = PT_BATCH_SKIPPED;
        r->wall_s = now_s() - t;
        return;
    }
    pt_summary *s = NULL;
    pt_run_options run = pt_run_defaults();
    run.scratch_dir = opt->scratch_dir;
    run.cancel = opt->cancel;
    pt_read_options ropt = b->ropt;
    if (it->start[0])
        ropt.start = it->start;
    int rc = pt_process(r->path, &ropt, &it->params, &run, r->summary, &s, &err);
    r->wall_s = now_s() - t;
    if (rc == PT_ECANCELED) { /* still to do: --resume takes it up */
        r->state = PT_BATCH_PENDING;
        return;
    }
    if (rc) {
        r->state = PT_BATCH_FAILED;
        r->error = err;
        if (!r->error.code)
            r->error.code = rc;
        if (!r->error.msg[0])
            snprintf(r->error.msg, sizeof r->error.msg, "%s: %s", r->path, pt_strerror(rc));
        r->duration_s = r->hr_mean_bpm = r->wear_h = r->mvpa_min = NAN;
        r->n_bouts = r->n_recovery = r->hrr60_mean_bpm = NAN;
        return;
    }
    r->state = PT_BATCH_DONE;
    key_figures(r, s, &it->params);
    pt_summary_destroy(s);
}

/* Append one line per finished recording and push it to the disk, so that
 * what happened before a crash (failures included) can still be read. A
 * journal that cannot be written does not stop the batch. Called under mu. */
static void journal_line(pt_batch *b, const pt_batch_result *r)
{
    static const char *const status[] = {"pending", "ok", "skipped", "failed"};
    if (!b->journal)
        return;
    char when[40], msg[sizeof r->error.msg];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(msg, sizeof msg, "%s", r->state == PT_BATCH_FAILED ? r->error.msg : "");
    for (char *c = msg; *c; c++) /* one line, tab-separated */
        if (*c == '\t' || *c == '\n' || *c == '\r')
            *c = ' ';
    fprintf(b->journal, "%s\t%s\t%s\t%s\t%.3f\t%s\n", when, status[r->state], r->name, r->path,
            r->wall_s, msg);
    if (fflush(b->journal) == 0)
        fsync(fileno(b->journal));
}

static void journal_open(pt_batch *b)
{
    char path[1100];
    if (b->shard_n > 1) /* one journal per part: tasks never write the same file */
        snprintf(path, sizeof path, "%s/batch.journal.%d-of-%d.tsv", b->outdir, b->shard_k,
                 b->shard_n);
    else
        snprintf(path, sizeof path, "%s/batch.journal.tsv", b->outdir);
    int fresh = access(path, F_OK) != 0;
    b->journal = fopen(path, "a");
    if (b->journal && fresh)
        fprintf(b->journal, "time_utc\tstatus\tname\tpath\twall_s\terror\n");
}

static void *worker(void *arg)
{
    pt_batch *b = arg;
    for (;;) {
        pthread_mutex_lock(&b->mu);
        size_t i = b->next;
        while (i < b->n && b->items[i].res.state != PT_BATCH_PENDING)
            i++;
        b->next = i + 1;
        pthread_mutex_unlock(&b->mu);
        if (i >= b->n || (b->opt->cancel && *b->opt->cancel))
            return NULL;
        item *it = &b->items[i];
        run_one(b, it, b->opt);
        if (it->res.state == PT_BATCH_PENDING) /* cancelled: nothing to record */
            return NULL;
        pthread_mutex_lock(&b->mu);
        pt_batch_progress *p = &b->prog;
        p->bytes_done += it->res.bytes;
        if (it->res.state == PT_BATCH_DONE) {
            p->done++;
            p->bytes_processed += it->res.bytes;
            if (isfinite(it->res.duration_s))
                p->signal_s += it->res.duration_s;
        } else if (it->res.state == PT_BATCH_SKIPPED) {
            p->skipped++;
        } else {
            p->failed++;
        }
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        p->elapsed_s =
            (double)(t1.tv_sec - b->t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - b->t0.tv_nsec);
        p->last = &it->res;
        journal_line(b, &it->res);
        if (b->opt->progress)
            b->opt->progress(p, b->opt->user); /* serialized by mu */
        pthread_mutex_unlock(&b->mu);
    }
}

/* 1 when <name> (the first len characters of a temporary file's name) is a recording of
 * this batch: a part of a cohort leaves the other parts' files alone. */
static int own_temp(const pt_batch *b, const char *name, size_t len)
{
    for (size_t i = 0; i < b->n; i++)
        if (strlen(b->items[i].res.name) == len && !strncmp(b->items[i].res.name, name, len))
            return 1;
    return 0;
}

/* Remove OUTDIR/<name>.h5.tmp.<pid> (pt_tmp_name) left by a process that no longer runs. */
static void remove_stale_temps(const pt_batch *b)
{
    DIR *d = opendir(b->outdir);
    if (!d)
        return;
    struct dirent *e;
    char path[2100];
    while ((e = readdir(d))) {
        const char *t = strstr(e->d_name, ".h5.tmp.");
        if (!t)
            continue;
        char *end;
        long pid = strtol(t + 8, &end, 10);
        if (*end || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno == EPERM)
            continue; /* that process still runs: not ours to remove */
        if (b->shard_n > 1 && !own_temp(b, e->d_name, (size_t)(t - e->d_name)))
            continue; /* another part's, maybe running on another node */
        snprintf(path, sizeof path, "%s/%s", b->outdir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

/* ---- the index, OUTDIR/batch.h5 ---- */

static int h5_root_attrs(pt_h5w *w, const pt_batch *b, const size_t count[3])
{
    hid_t root = H5Gopen2(w->file, "/", H5P_DEFAULT);
    if (root < 0)
        return pt_h5w_fail(w, "open", "/");
    static const char *const names[3] = {"n_ok", "n_skipped", "n_failed"};
    int rc = PT_OK;
    for (int k = 0; k < 3 && !rc; k++) {
        long long v = (long long)count[k];
        rc = pt_h5w_attr_num(w, root, names[k], H5T_STD_I64LE, H5T_NATIVE_LLONG, &v);
    }
    size_t need = pt_params_json(&b->base, NULL, 0);
    char *json = malloc(need + 1);
    if (!json && !rc)
        rc = pt_error_set(w->err, PT_ENOMEM, "%s: out of memory for the parameters", w->path);
    if (json)
        pt_params_json(&b->base, json, need + 1);
    const char *strs[4][2] = {{"kind", "pulsetrain batch index"},
                              {"pulsetrain_version", pt_version()},
                              {"input", b->input},
                              {"parameters", json}};
    for (int k = 0; k < 4 && !rc; k++)
        rc = pt_h5w_attr_str(w, root, strs[k][0], strs[k][1]);
    H5Gclose(root);
    free(json);
    return rc;
}

static int write_index(const pt_batch *b, pt_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/batch.h5", b->outdir);
    size_t n = b->n;
    const char **s = calloc(6 * (n ? n : 1), sizeof *s);
    double *v = calloc(11 * (n ? n : 1), sizeof *v);
    if (!s || !v) {
        free(s);
        free(v);
        return pt_error_set(err, PT_ENOMEM, "out of memory for the batch index");
    }
    size_t count[3] = {0};
    static const char *const status[] = {"pending", "ok", "skipped", "failed"};
    for (size_t i = 0; i < n; i++) {
        const pt_batch_result *r = &b->items[i].res;
        int failed = r->state != PT_BATCH_DONE && r->state != PT_BATCH_SKIPPED;
        count[r->state == PT_BATCH_DONE ? 0 : r->state == PT_BATCH_SKIPPED ? 1 : 2]++;
        s[0 * n + i] = r->path;
        s[1 * n + i] = r->name;
        s[2 * n + i] = r->subject_id;
        s[3 * n + i] = status[r->state];
        s[4 * n + i] = failed ? r->error.msg : "";
        s[5 * n + i] = failed ? "" : r->summary;
        v[0 * n + i] = failed ? (double)r->error.code : 0.0;
        v[1 * n + i] = r->bytes;
        v[2 * n + i] = r->duration_s;
        v[3 * n + i] = r->wall_s;
        v[4 * n + i] = r->hr_mean_bpm;
        v[5 * n + i] = r->wear_h;
        v[6 * n + i] = r->mvpa_min;
        v[7 * n + i] = r->n_bouts;
        v[8 * n + i] = r->n_recovery;
        v[9 * n + i] = r->hrr60_mean_bpm;
    }
    static const struct {
        const char *name, *desc;
    } sc[6] = {
        {"path", "source recording"},
        {"name", "name of its summary in this folder"},
        {"subject_id", "subject"},
        {"status", "ok (processed in the last run), skipped (resume: summary matched), failed"},
        {"error", "why it failed, naming the file and the place"},
        {"summary", "path of the HDF5 summary"}};
    static const struct {
        const char *name, *units, *desc;
    } nc[10] = {{"error_code", "1", "pt_status of the failure (0 = none)"},
                {"bytes", "B", "size of the source"},
                {"duration_s", "s", "length of the recording"},
                {"wall_s", "s", "processing time in the run that made or checked the summary"},
                {"hr_mean_bpm", "bpm", "mean heart rate (/hr/bpm)"},
                {"wear_h", "h", "time not classed non-wear (/epochs)"},
                {"mvpa_min", "min", "moderate + vigorous time (/epochs)"},
                {"n_bouts", "1", "rows of /bouts"},
                {"n_recovery", "1", "rows of /recovery"},
                {"hrr60_mean_bpm", "bpm", "mean HRR60 (/recovery)"}};
    pt_h5w w;
    int rc = pt_h5w_create(&w, path, n * 16 * 64, err); /* 16 columns, paths and messages */
    if (!rc) {
        hid_t g = pt_h5w_group(&w, "/recordings");
        for (int k = 0; k < 6 && g >= 0 && !rc; k++) {
            pt_h5col c = {sc[k].name, "", sc[k].desc, PT_H5_STR, s + (size_t)k * n, NULL, 0};
            rc = pt_h5w_column(&w, g, &c, n, NULL, NULL);
        }
        for (int k = 0; k < 10 && g >= 0 && !rc; k++) {
            pt_h5col c = {nc[k].name,        nc[k].units, nc[k].desc, PT_H5_F64,
                          v + (size_t)k * n, NULL,        0};
            rc = pt_h5w_column(&w, g, &c, n, NULL, NULL);
        }
        if (g >= 0)
            H5Gclose(g);
        else
            rc = w.rc;
        if (!rc)
            rc = h5_root_attrs(&w, b, count);
        rc = pt_h5w_commit(&w, rc); /* fsync + rename, or unlink */
    }
    free(s);
    free(v);
    return rc;
}

int pt_batch_run(pt_batch *b, const pt_batch_options *opt, pt_error *err)
{
    pt_batch_options defaults = pt_batch_defaults();
    if (!opt)
        opt = &defaults;
    if (!b)
        return pt_error_set(err, PT_EINVAL, "pt_batch_run: no batch");
    if (opt->nworkers < 1 || opt->nworkers > 1024)
        return pt_error_set(err, PT_EINVAL, "pt_batch_run: %d workers is not in 1..1024",
                            opt->nworkers);
    remove_stale_temps(b);
    b->opt = opt;
    b->next = 0;
    memset(&b->prog, 0, sizeof b->prog);
    b->prog.total = b->n;
    for (size_t i = 0; i < b->n; i++)
        b->prog.bytes_total += b->items[i].res.bytes;
    clock_gettime(CLOCK_MONOTONIC, &b->t0);
    journal_open(b);
    size_t nw = (size_t)opt->nworkers < b->n ? (size_t)opt->nworkers : b->n;
    pthread_t *tid = calloc(nw ? nw : 1, sizeof *tid);
    if (!tid)
        return pt_error_set(err, PT_ENOMEM, "out of memory for %zu workers", nw);
    size_t started = 0;
    for (; started < nw; started++)
        if (pthread_create(&tid[started], NULL, worker, b) != 0)
            break;
    if (started == 0) /* no thread could start: work on this one */
        worker(b);
    for (size_t i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    b->opt = NULL;
    if (b->journal)
        fclose(b->journal);
    b->journal = NULL;
    int rc = b->shard_n > 1 ? PT_OK : write_index(b, err); /* a part: collate writes it */
    if (rc)
        return rc;
    if (opt->cancel && *opt->cancel) {
        size_t left = 0;
        for (size_t i = 0; i < b->n; i++)
            left += b->items[i].res.state == PT_BATCH_PENDING;
        return pt_error_set(err, PT_ECANCELED,
                            "interrupted (signal %d): %zu of %zu recordings not done; the same "
                            "command with --resume goes on from here",
                            (int)*opt->cancel, left, b->n);
    }
    for (size_t i = 0; i < b->n; i++)
        if (b->items[i].res.state == PT_BATCH_FAILED)
            return pt_error_set(err, PT_EDATA, "%zu of %zu recordings failed (see %s/batch.h5)",
                                b->prog.failed, b->n, b->outdir);
    return PT_OK;
}
