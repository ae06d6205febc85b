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

#include "batch/index.h"
#include "batch/scan.h"
#include "batch/shard.h"
#include "core/atomic.h"
#include "core/lock.h"
#include "core/path.h"
#include "core/sha256.h"
#include "pulsetrain/batch.h"
#include "pulsetrain/tz.h"
#include "pulsetrain/version.h"
#include "summary/summary_impl.h"

typedef struct item {
    pt_params params;
    char start[48]; /* the manifest's start_time ("" = none): --start for this recording */
    pt_batch_result res;
    double run_s, run_bytes, run_known_s; /* its share of prog's *_running while it runs */
} item;

struct pt_batch {
    char outdir[1024];
    char input[1024];
    pt_params base;
    pt_read_options ropt;
    char ropt_str[10][256]; /* copies of the read options' strings */
    size_t n_filtered;      /* files left out by --include/--exclude */
    int subject_from;       /* pt_batch_scan_options.subject_from */
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

/* ---- directory scan (batch/scan.c) ---- */

static int scan_add(void *user, const char *path, const char *reason, pt_error *err)
{
    pt_batch *b = user;
    int rc = add_item(b, path, err);
    if (!rc && reason) {
        pt_batch_result *r = &b->items[b->n - 1].res;
        r->state = PT_BATCH_NOT_RECORDING;
        snprintf(r->error.msg, sizeof r->error.msg, "%s", reason);
    }
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
    if (dot && dot != out && !strcasecmp(dot, ".gz")) { /* rec.csv.gz is rec, as rec.csv */
        *dot = '\0';
        dot = strrchr(out, '.');
    }
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
        r->bytes = source_bytes(r->path);
        if (r->state == PT_BATCH_NOT_RECORDING) { /* no summary, no name */
            r->duration_s = r->hr_mean_bpm = r->wear_h = r->mvpa_min = NAN;
            r->n_bouts = r->n_recovery = r->hrr60_mean_bpm = NAN;
            continue;
        }
        char base[200];
        base_name(r->path, base, sizeof base);
        snprintf(r->name, sizeof r->name, "%s", base);
        for (int k = 2; name_taken(b, i, r->name); k++)
            snprintf(r->name, sizeof r->name, "%s-%d", base, k);
        snprintf(r->summary, sizeof r->summary, "%s/%s.h5", b->outdir, r->name);
        pt_params *p = &b->items[i].params;
        if (!p->subject_id[0] && b->subject_from == PT_BATCH_SUBJECT_NAME) {
            snprintf(p->subject_id, sizeof p->subject_id, "%s", r->name);
        } else if (!p->subject_id[0] && b->subject_from == PT_BATCH_SUBJECT_FOLDER) {
            char d[1024];
            snprintf(d, sizeof d, "%s", r->path);
            size_t l = strlen(d);
            while (l > 1 && d[l - 1] == '/')
                d[--l] = '\0';
            char *sl = strrchr(d, '/');
            if (sl) {
                *sl = '\0';
                sl = strrchr(d, '/');
                const char *folder = sl ? sl + 1 : d;
                if (strcmp(folder, ".") && strcmp(folder, ".."))
                    snprintf(p->subject_id, sizeof p->subject_id, "%s", folder);
            }
        }
        for (char *c = p->subject_id; *c; c++) /* the JSON of the parameters */
            if (*c == '"' || *c == '\\' || (unsigned char)*c < 32)
                *c = '_';
        snprintf(r->subject_id, sizeof r->subject_id, "%s", b->items[i].params.subject_id);
        r->state = PT_BATCH_PENDING;
    }
}

pt_batch *pt_batch_create(const char *input, const char *outdir, const pt_params *base,
                          const pt_read_options *ropt, pt_error *err)
{
    return pt_batch_create_ex(input, outdir, base, ropt, NULL, err);
}

pt_batch *pt_batch_create_ex(const char *input, const char *outdir, const pt_params *base,
                             const pt_read_options *ropt, const pt_batch_scan_options *scan,
                             pt_error *err)
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
        pt_error_set(err, PT_ENOMEM, "pt_batch_create: out of memory");
        return NULL;
    }
    pthread_mutex_init(&b->mu, NULL);
    b->base = base ? *base : pt_params_defaults();
    b->ropt = ropt ? *ropt : pt_read_defaults();
    /* copy the strings the options point to (an object keeps no caller pointer);
     * one channel map or dataset layout applies to every recording of the batch */
    const char **str[10] = {&b->ropt.format,   &b->ropt.acc_units, &b->ropt.channels,
                            &b->ropt.h5_ppg,   &b->ropt.h5_acc_x,  &b->ropt.h5_acc_y,
                            &b->ropt.h5_acc_z, &b->ropt.h5_ecg,    &b->ropt.h5_hr,
                            &b->ropt.start};
    for (int k = 0; k < 10; k++) {
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
    b->subject_from = scan ? scan->subject_from : 0;
    int rc = pt_params_check(&b->base, err);
    struct stat st;
    if (!rc && stat(input, &st) != 0) /* bad input, not an output failure */
        rc = pt_error_set(err, PT_EDATA, "%s: %s", input, strerror(errno));
    if (!rc) { /* a folder that is one recording (an E4 export) is run as one */
        const char *fmt = S_ISDIR(st.st_mode) ? pt_reader_probe(input) : NULL;
        rc = S_ISDIR(st.st_mode) && !fmt
                 ? pt_batch_scan(input, b->outdir, &b->ropt, scan, scan_add, b, &b->n_filtered, err)
             : S_ISDIR(st.st_mode) ? add_item(b, input, err)
                                   : read_manifest(b, input, err);
    }
    size_t nrec = 0;
    for (size_t i = 0; i < b->n; i++)
        nrec += b->items[i].res.state != PT_BATCH_NOT_RECORDING;
    if (!rc && nrec == 0)
        rc = pt_error_set(err, PT_EDATA, "%s: no recordings found%s", input,
                          b->n ? " (only files that are not recordings)" : "");
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

/* The runner's progress hook: the recording's share of the running totals, then the
 * caller's callback with last = NULL. */
typedef struct block_ctx {
    pt_batch *b;
    item *it;
} block_ctx;

static void on_block(double done_s, double total_s, void *user)
{
    block_ctx *c = user;
    pt_batch *b = c->b;
    item *it = c->it;
    double frac = isfinite(total_s) && total_s > 0 ? fmin(done_s / total_s, 1) : (double)NAN;
    pthread_mutex_lock(&b->mu);
    pt_batch_progress *p = &b->prog;
    p->signal_running_s += done_s - it->run_s;
    it->run_s = done_s;
    if (isfinite(frac)) {
        p->bytes_running += frac * it->res.bytes - it->run_bytes;
        p->signal_running_known_s += done_s - it->run_known_s;
        it->run_bytes = frac * it->res.bytes;
        it->run_known_s = done_s;
    }
    p->elapsed_s = now_s() - ((double)b->t0.tv_sec + 1e-9 * (double)b->t0.tv_nsec);
    p->last = NULL;
    if (b->opt->progress)
        b->opt->progress(p, b->opt->user);
    pthread_mutex_unlock(&b->mu);
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
    block_ctx ctx = {b, it};
    if (opt->progress) {
        run.progress = on_block;
        run.progress_user = &ctx;
    }
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

static const char *status_name(pt_batch_state st)
{
    static const char *const names[] = {"pending", "ok", "kept", "failed", "skipped"};
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "pending";
}

/* Append one line per finished recording (and per file that is not one) and push it to
 * the disk, so that what happened before a crash (failures included) can still be read;
 * the columns are the contract in batch.h. A journal that cannot be written does not
 * stop the batch. Called under mu (or before the workers start). */
static void journal_line(pt_batch *b, const pt_batch_result *r)
{
    if (!b->journal)
        return;
    char when[40], msg[sizeof r->error.msg];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int err = r->state == PT_BATCH_FAILED || r->state == PT_BATCH_NOT_RECORDING;
    snprintf(msg, sizeof msg, "%s", err ? r->error.msg : "");
    for (char *c = msg; *c; c++) /* one line, tab-separated */
        if (*c == '\t' || *c == '\n' || *c == '\r')
            *c = ' ';
    char subj[sizeof r->subject_id], path[sizeof r->path];
    snprintf(subj, sizeof subj, "%s", r->subject_id);
    snprintf(path, sizeof path, "%s", r->path);
    for (char *c = subj; *c; c++)
        if (*c == '\t' || *c == '\n' || *c == '\r')
            *c = ' ';
    for (char *c = path; *c; c++)
        if (*c == '\t' || *c == '\n' || *c == '\r')
            *c = ' ';
    fprintf(b->journal, "%s\t%s\t%s\t%s\t%.3f\t%s\t%d\t%s\t%.0f\n", when, status_name(r->state),
            r->name, path, isfinite(r->wall_s) ? r->wall_s : 0.0, msg,
            r->state == PT_BATCH_FAILED ? (int)r->error.code : 0, subj, r->bytes);
    if (fflush(b->journal) == 0)
        fsync(fileno(b->journal));
}

/* A part of a cohort first journals every recording it is to process as failed ("not
 * finished"); the line written when one finishes replaces that (collate keeps the last
 * line of a path). So a task killed by the scheduler, or cut by a node failure, leaves
 * its unfinished recordings listed by collate instead of silently absent. */
static void shard_placeholders(pt_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].res.state != PT_BATCH_PENDING)
            continue;
        pt_batch_result r = b->items[i].res;
        r.state = PT_BATCH_FAILED;
        r.wall_s = 0;
        pt_error_set(&r.error, PT_ECANCELED,
                     "%s: not finished by shard %d/%d (task killed, or still running): "
                     "re-submit that task (it resumes)",
                     r.path, b->shard_k, b->shard_n);
        journal_line(b, &r);
    }
}

static void journal_open(pt_batch *b, const char *tag)
{
    char path[1100];
    if (b->shard_n > 1) /* one journal per part: tasks never write the same file */
        snprintf(path, sizeof path, "%s/batch.journal.%d-of-%d.tsv", b->outdir, b->shard_k,
                 b->shard_n);
    else if (tag && *tag)
        snprintf(path, sizeof path, "%s/batch.journal.%s.tsv", b->outdir, tag);
    else
        snprintf(path, sizeof path, "%s/batch.journal.tsv", b->outdir);
    int fresh = access(path, F_OK) != 0;
    b->journal = fopen(path, "a");
    if (b->journal && fresh)
        fprintf(b->journal,
                "time_utc\tstatus\tname\tpath\twall_s\terror\terror_code\tsubject_id\tbytes\n");
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
        p->signal_running_s -= it->run_s; /* no longer running */
        p->bytes_running -= it->run_bytes;
        p->signal_running_known_s -= it->run_known_s;
        it->run_s = it->run_bytes = it->run_known_s = 0;
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

/* ---- the index, OUTDIR/batch.h5, and the cohort tables (batch/index.c) ---- */

static int write_index(pt_batch *b, pt_error *err)
{
    pt_index_row *rows = calloc(b->n ? b->n : 1, sizeof *rows);
    size_t need = pt_params_json(&b->base, NULL, 0);
    char *json = malloc(need + 1);
    if (!rows || !json) {
        free(rows);
        free(json);
        return pt_error_set(err, PT_ENOMEM, "out of memory for the batch index");
    }
    pt_params_json(&b->base, json, need + 1);
    int rc = PT_OK;
    for (size_t i = 0; i < b->n && !rc; i++) {
        const pt_batch_result *r = &b->items[i].res;
        int err_row = r->state == PT_BATCH_FAILED || r->state == PT_BATCH_NOT_RECORDING;
        if (pt_index_row_set(&rows[i], r->path, r->name, r->subject_id, status_name(r->state),
                             err_row ? r->error.msg : ""))
            rc = pt_error_set(err, PT_ENOMEM, "out of memory for the batch index");
        rows[i].error_code = r->state == PT_BATCH_FAILED ? (double)r->error.code : 0.0;
        rows[i].wall_s = pt_index_round_ms(isfinite(r->wall_s) ? r->wall_s : 0.0);
        rows[i].bytes = r->bytes;
    }
    if (!rc)
        rc = pt_index_write(b->outdir, rows, b->n, b->input, json, NULL, NULL, NULL, err);
    pt_index_rows_free(rows, b->n);
    free(json);
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
    if (opt->journal_tag) {
        size_t l = strlen(opt->journal_tag);
        if (l == 0 || l > 64 ||
            strspn(opt->journal_tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789._-") != l)
            return pt_error_set(err, PT_EINVAL,
                                "pt_batch_run: journal tag '%.64s' is not 1-64 of [A-Za-z0-9._-]",
                                opt->journal_tag);
    }
    remove_stale_temps(b);
    b->opt = opt;
    b->next = 0;
    memset(&b->prog, 0, sizeof b->prog);
    clock_gettime(CLOCK_MONOTONIC, &b->t0);
    journal_open(b, opt->journal_tag);
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].res.state == PT_BATCH_NOT_RECORDING) {
            journal_line(b, &b->items[i].res); /* listed once per run, with the reason */
            continue;
        }
        b->prog.total++;
        b->prog.bytes_total += b->items[i].res.bytes;
    }
    if (b->shard_n > 1) /* a part: what it has not finished stays listed as failed */
        shard_placeholders(b);
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
                            (int)*opt->cancel, left, b->prog.total);
    }
    for (size_t i = 0; i < b->n; i++)
        if (b->items[i].res.state == PT_BATCH_FAILED)
            return pt_error_set(err, PT_EDATA, "%zu of %zu recordings failed (see %s/batch.h5)",
                                b->prog.failed, b->prog.total, b->outdir);
    return PT_OK;
}
