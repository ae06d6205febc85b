/* SPDX-License-Identifier: GPL-2.0-or-later
 * scan.c — list a study folder for batch: recursively, filtered by --include/--exclude
 * globs (fnmatch(3) on the path relative to the root), every file classed as a recording
 * (what a reader recognises, or a file named like a recording, so a broken one fails with
 * its reason) or not one, with the reason (a CSV whose header names no signal column, a
 * file no reader recognises, an HDF5 file, a WFDB record's data file). The batch's own
 * outputs (OUTDIR and, when OUTDIR is the root, batch.h5, journals, tables, summaries,
 * temporary files) are never listed. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch/scan.h"
#include "io/reader_impl.h"

typedef struct ent {
    char *path;
    char *reason; /* NULL: a recording */
} ent;

typedef struct walk {
    ent *e;
    size_t n, cap;
    size_t rootlen;
    int have_out;
    dev_t odev;
    ino_t oino;
    const pt_read_options *ro;
    const pt_batch_scan_options *so;
    size_t filtered;
} walk;

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

int pt_batch_own_output(const char *name)
{
    if (!strcmp(name, "batch.h5") || !strcmp(name, "recordings.csv") || !strcmp(name, "days.csv") ||
        strstr(name, ".tmp."))
        return 1;
    return !strncmp(name, "batch.journal", 13) && ends_with(name, ".tsv");
}

static int push(walk *w, const char *path, const char *reason, pt_error *err)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        ent *e = realloc(w->e, cap * sizeof *e);
        if (!e)
            return pt_error_set(err, PT_ENOMEM, "out of memory listing %s", path);
        w->e = e;
        w->cap = cap;
    }
    ent *e = &w->e[w->n];
    e->path = strdup(path);
    e->reason = reason ? strdup(reason) : NULL;
    if (!e->path || (reason && !e->reason)) {
        free(e->path);
        free(e->reason);
        return pt_error_set(err, PT_ENOMEM, "out of memory listing %s", path);
    }
    w->n++;
    return PT_OK;
}

static int matches(const char *rel, const char *const *pat, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pat[i] && fnmatch(pat[i], rel, 0) == 0)
            return 1;
    return 0;
}

/* Left out by the globs: an --include given and none matching, or an --exclude matching. */
static int filtered_out(const walk *w, const char *rel, int is_dir)
{
    const pt_batch_scan_options *so = w->so;
    if (!so)
        return 0;
    if (matches(rel, so->exclude, so->n_exclude))
        return 1;
    return !is_dir && so->n_include && !matches(rel, so->include, so->n_include);
}

static int is_time_name(const char *n)
{ /* the CSV reader's time columns (io/csv.c) */
    static const char *const t[] = {"t_s",       "t",        "time",        "time_s",
                                    "timestamp", "datetime", "timestamp_s", "unix_time",
                                    "unix_s",    "t_ms",     "time_ms",     "timestamp_ms",
                                    "t_us",      "time_us",  "timestamp_us"};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcasecmp(n, t[i]))
            return 1;
    return 0;
}

/* NULL when the header row of a text file names a signal column (PPG, acceleration, ECG,
 * heart rate, inter-beat intervals) and a time column (or --fs is given); else why the file
 * is not a recording, in out. A file that cannot be opened is a recording: reading it
 * then fails with the reason. */
static const char *header_reason(const char *path, const pt_read_options *ro, char *out, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char line[8192], first[8192] = "";
    int found = 0;
    for (int k = 0; k < 200 && fgets(line, sizeof line, f); k++) {
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
            line[--l] = '\0';
        if (l == 0 || line[0] == '#')
            continue;
        found = 1;
        break;
    }
    for (int k = 0; found && k < 200 && fgets(first, sizeof first, f); k++) {
        size_t l = strlen(first);
        while (l && (first[l - 1] == '\n' || first[l - 1] == '\r'))
            first[--l] = '\0';
        if (l && first[0] != '#')
            break;
        first[0] = '\0';
    }
    fclose(f);
    if (!found) {
        snprintf(out, len, "not a recording: no header row (empty or only comments)");
        return out;
    }
    char *h = line;
    if ((unsigned char)h[0] == 0xEF && (unsigned char)h[1] == 0xBB && (unsigned char)h[2] == 0xBF)
        h += 3;
    for (const unsigned char *c = (const unsigned char *)h; *c; c++)
        if (*c < 32 && *c != '\t') {
            snprintf(out, len, "not a recording: not text (no reader recognises it)");
            return out;
        }
    char delim = strchr(h, ',') ? ',' : strchr(h, ';') ? ';' : strchr(h, '\t') ? '\t' : ',';
    char shown[120];
    snprintf(shown, sizeof shown, "%s", h);
    if (strlen(h) >= sizeof shown)
        memcpy(shown + sizeof shown - 4, "...", 4);
    int nsig = 0, ntime = 0, tcol = -1, col = 0;
    char tname[64] = "";
    char *p = h;
    while (p) {
        char *next = strchr(p, delim);
        if (next)
            *next++ = '\0';
        while (isspace((unsigned char)*p) || *p == '"')
            p++;
        size_t l = strlen(p);
        while (l && (isspace((unsigned char)p[l - 1]) || p[l - 1] == '"'))
            p[--l] = '\0';
        pt_kind kind;
        double scale;
        char units[16];
        if (is_time_name(p)) {
            if (!ntime++) {
                tcol = col;
                snprintf(tname, sizeof tname, "%s", p);
            }
        } else if (l && l < 64 &&
                   pt_channel_from_name(p, ro && ro->acc_units ? ro->acc_units : "g", &kind, &scale,
                                        units) &&
                   kind != PT_KIND_AUX && kind != PT_KIND_IBI) {
            nsig++; /* inter-beat intervals alone: beat annotations, not read as a recording */
        }
        col++;
        p = next;
    }
    if (!nsig) {
        snprintf(out, len,
                 "not a recording: the header '%s' names no signal column (such as ppg, "
                 "acc_x_g, ecg, hr_bpm)",
                 shown);
        return out;
    }
    if (ntime && first[0]) { /* the first row's time: seconds or ISO 8601 */
        char *q = first;
        for (int c = 0; c < tcol && q; c++) {
            q = strchr(q, delim);
            if (q)
                q++;
        }
        if (q) {
            char *e = strchr(q, delim);
            size_t tl = e ? (size_t)(e - q) : strlen(q);
            while (tl && (q[tl - 1] == '"' || isspace((unsigned char)q[tl - 1])))
                tl--;
            while (tl && (*q == '"' || isspace((unsigned char)*q))) {
                q++;
                tl--;
            }
            char tv[64];
            snprintf(tv, sizeof tv, "%.*s", (int)(tl < 63 ? tl : 63), q);
            char *end;
            double x, u;
            x = strtod(tv, &end);
            (void)x;
            if (tl && (end == tv || *end) && pt_parse_iso8601(tv, strlen(tv), &u) != 0) {
                snprintf(out, len,
                         "not read as a recording: time column '%s' holds '%s', neither "
                         "seconds nor ISO 8601",
                         tname, tv);
                return out;
            }
        }
    }
    if (!ntime && !(ro && ro->fs_hz > 0)) {
        snprintf(out, len,
                 "not read as a recording: the header '%s' names signals but no time column "
                 "(t_s, time, timestamp) and no --fs was given",
                 shown);
        return out;
    }
    return NULL;
}

/* A zip archive the E4 probe claims but not named .zip (ActiGraph .gt3x files are zips):
 * a recording only when the E4 reader opens it. */
static const char *zip_reason(const char *path, const pt_read_options *ro, char *out, size_t len)
{
    pt_read_options o = ro ? *ro : pt_read_defaults();
    o.format = "e4";
    pt_error e = {0};
    pt_reader *r = pt_reader_open(path, &o, &e);
    if (r) {
        pt_reader_close(r);
        return NULL;
    }
    const char *dot = strrchr(path, '/');
    dot = strrchr(dot ? dot : path, '.');
    snprintf(out, len,
             "not a recording: a zip archive%s%s%s that is no E4 export (no reader "
             "recognises it)",
             dot ? " (" : "", dot ? dot : "", dot ? ")" : "");
    return out;
}

/* 1 when an EDF file's every signal is "EDF Annotations" (or BDF): an EDF+ annotation file. */
static int edf_annotations_only(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char h[256 + 16 * 64];
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    if (n < 256)
        return 0;
    char ns_s[5];
    memcpy(ns_s, h + 252, 4);
    ns_s[4] = '\0';
    int ns = atoi(ns_s);
    if (ns < 1 || ns > 64 || n < 256 + 16 * (size_t)ns)
        return 0;
    for (int i = 0; i < ns; i++) {
        const char *lab = h + 256 + 16 * i;
        if (strncmp(lab, "EDF Annotations", 15) && strncmp(lab, "BDF Annotations", 15))
            return 0;
    }
    return 1;
}

/* NULL for a recording, else the reason it is not one (in out). */
static const char *classify(const walk *w, const char *dir, const char *name, const char *path,
                            char *out, size_t len)
{
    static const char *const rec_ext[] = {".edf", ".bdf", ".hea",  ".wav", ".flac",
                                          ".ogg", ".aif", ".aiff", ".cwa"};
    static const char *const text_ext[] = {".csv", ".tsv", ".txt"};
    const pt_read_options *ro = w->ro;
    if (ends_with(name, ".truth.csv") || ends_with(name, ".recovery.csv")) {
        snprintf(out, len, "not a recording: the simulator's truth or recovery side file");
        return out;
    }
    const char *fmt = pt_reader_probe(path);
    const char *dot = strrchr(name, '.');
    if (fmt && !strcmp(fmt, "wfdb") && !ends_with(name, ".hea") && dot && dot != name) {
        snprintf(out, len, "part of the WFDB record %.*s.hea (read through its header)",
                 (int)(dot - name), name);
        return out;
    }
    if (fmt && !strcmp(fmt, "e4") && !ends_with(name, ".zip"))
        return zip_reason(path, ro, out, len);
    if (fmt && !strcmp(fmt, "edf") && edf_annotations_only(path)) {
        snprintf(out, len,
                 "not a recording: an EDF+ annotation file (no signal, only "
                 "annotations)");
        return out;
    }
    if (fmt && strcmp(fmt, "csv") && strcmp(fmt, "h5"))
        return NULL;
    if (fmt && !strcmp(fmt, "h5")) {
        if (ro && (ro->h5_ppg || ro->h5_acc_x || ro->h5_ecg || ro->h5_hr))
            return NULL;
        snprintf(out, len,
                 "HDF5 file: read as a recording only with --h5-ppg/--h5-acc-x/--h5-ecg/--h5-hr "
                 "(a pulsetrain summary or another program's data is not one)");
        return out;
    }
    for (size_t i = 0; i < sizeof rec_ext / sizeof rec_ext[0]; i++)
        if (ends_with(name, rec_ext[i]))
            return NULL; /* named like a recording: a broken one fails with its reason */
    int text = 0;
    for (size_t i = 0; i < sizeof text_ext / sizeof text_ext[0]; i++)
        text |= ends_with(name, text_ext[i]);
    if (text)
        return header_reason(path, ro, out, len);
    if (fmt) { /* text, but not named as a table (.md, .json, ...) */
        snprintf(out, len, "not a recording: a text file%s%s%s, not a table of signals",
                 dot ? " (" : "", dot ? dot : "", dot ? ")" : "");
        return out;
    }
    /* a WFDB record's signal or annotation file: the record is its .hea */
    if (dot && dot != name) {
        char hea[2100];
        snprintf(hea, sizeof hea, "%s/%.*s.hea", dir, (int)(dot - name), name);
        if (access(hea, F_OK) == 0) {
            snprintf(out, len, "part of the WFDB record %.*s.hea (read through its header)",
                     (int)(dot - name), name);
            return out;
        }
    }
    snprintf(out, len, "not a recording: no reader recognises this file%s%s%s", dot ? " (" : "",
             dot ? dot : "", dot ? ")" : "");
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const ent *)a)->path, ((const ent *)b)->path);
}

static int walk_dir(walk *w, const char *dir, int depth, pt_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return pt_error_set(err, PT_EDATA, "%s: %s", dir, strerror(errno));
    struct stat dst;
    int in_out =
        w->have_out && fstat(dirfd(d), &dst) == 0 && dst.st_dev == w->odev && dst.st_ino == w->oino;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = PT_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue; /* hidden files, . and .. */
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = pt_error_set(err, PT_ENOMEM, "out of memory scanning %s", dir);
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = pt_error_set(err, PT_ENOMEM, "out of memory scanning %s", dir);
            break;
        }
        n++;
    }
    closedir(d);
    if (!rc && n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    char path[2100], why[512];
    for (size_t i = 0; i < n && !rc; i++) {
        int len = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (len < 0 || (size_t)len >= 1000) {
            rc = pt_error_set(err, PT_EDATA, "%s/%s: path too long", dir, names[i]);
            break;
        }
        const char *rel = path + w->rootlen + 1;
        struct stat st;
        int isdir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        if (isdir) {
            if (w->have_out && st.st_dev == w->odev && st.st_ino == w->oino)
                continue; /* the output folder */
            if (filtered_out(w, rel, 1)) {
                w->filtered++;
                continue;
            }
            const char *fmt = pt_reader_probe(path);
            if (fmt) { /* a folder that is one recording (an E4 export) */
                if (filtered_out(w, rel, 0))
                    w->filtered++;
                else
                    rc = push(w, path, NULL, err);
            } else if (!(w->so && w->so->no_recursion) && depth < 32) {
                rc = walk_dir(w, path, depth + 1, err);
            }
            continue;
        }
        if (in_out && (pt_batch_own_output(names[i]) || ends_with(names[i], ".h5")))
            continue; /* the batch's own index, journal, tables, summaries, temporaries */
        if (filtered_out(w, rel, 0)) {
            w->filtered++;
            continue;
        }
        rc = push(w, path, classify(w, dir, names[i], path, why, sizeof why), err);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int pt_batch_scan(const char *root, const char *outdir, const pt_read_options *ro,
                  const pt_batch_scan_options *scan, pt_scan_add_fn add, void *user,
                  size_t *n_filtered, pt_error *err)
{
    walk w;
    memset(&w, 0, sizeof w);
    w.ro = ro;
    w.so = scan;
    char r[1024];
    snprintf(r, sizeof r, "%s", root);
    size_t l = strlen(r);
    while (l > 1 && r[l - 1] == '/')
        r[--l] = '\0';
    w.rootlen = l;
    struct stat st;
    if (outdir && stat(outdir, &st) == 0 && S_ISDIR(st.st_mode)) {
        w.have_out = 1;
        w.odev = st.st_dev;
        w.oino = st.st_ino;
    }
    int rc = walk_dir(&w, r, 0, err);
    if (!rc && w.n > 1)
        qsort(w.e, w.n, sizeof *w.e, cmp_ent); /* by path: the order of the index */
    for (size_t i = 0; i < w.n; i++) {
        if (!rc)
            rc = add(user, w.e[i].path, w.e[i].reason, err);
        free(w.e[i].path);
        free(w.e[i].reason);
    }
    free(w.e);
    if (n_filtered)
        *n_filtered = w.filtered;
    return rc;
}
