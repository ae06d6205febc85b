/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_ecg.c — R peaks of the ECG stage (pipeline/ecg.c) against annotated beats.
 *
 *   pt-eval-ecg [--data DIR] [--edf-dir DIR2] [--dump DIR3] [-v]
 *   (DIR: default $PT_SHARED_DIR/data, else /work/shared/data;
 *   DIR2: where to look for the EDFs that DIR/formats/edf lacks; DIR3: writes
 *   <record>_det.csv, the detections, for a look at the trace)
 *
 * Records: MIT-BIH Arrhythmia 100 (formats/wfdb/100.dat, reference 100.atr, read here: MIT
 * annotation format, beat codes of WFDB's isqrs table), and the chest ECG (EDF signal 0) of
 * every record of wrist_ppg_exercise/records.csv whose EDF is in formats/edf or DIR2
 * (reference: wrist_ppg_exercise/<record>_beats.csv, the PhysioNet .atr beats); the
 * records without one are named. The first ECG channel's beats are compared (MIT-BIH: MLII).
 * A reference beat and a detection match within 150 ms (the usual window, ANSI/AAMI EC57);
 * each is matched once, nearest first. Sensitivity TP/(TP+FN), PPV TP/(TP+FP), F1.
 * Doubtful reference beats are listed and a second F1 leaves them out, and detections
 * outside the annotated span are not scored (both counted and named; see eval_one).
 * Flagged beats (artefact = 1) stay in the count: the flag says the interval is not to be
 * trusted, not that there was no beat. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pulsetrain/pipeline.h"
#include "pulsetrain/summary.h"

/* WFDB isqrs: NORMAL..NESC 1-11, PACE 12, UNKNOWN 13, BBB 25, LEARN 30, AESC 34, SVESC 35,
 * NAPC 37, PFUS 38, RONT 41 */
static int is_qrs(int code)
{
    return (code >= 1 && code <= 13) || code == 25 || code == 30 || code == 34 || code == 35 ||
           code == 37 || code == 38 || code == 41;
}

/* Beat times [s] of a MIT-format annotation file (.atr) at fs_hz. Returns the count, or
 * -1 when the file cannot be read or is malformed. *t is malloc'd. */
static long read_atr(const char *path, double fs_hz, double **t)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 4096, n = 0;
    double *v = malloc(cap * sizeof *v);
    long long sample = 0;
    unsigned char w[2];
    int bad = 0;
    while (v && fread(w, 1, 2, f) == 2) {
        unsigned word = (unsigned)w[0] | ((unsigned)w[1] << 8);
        int a = (int)(word >> 10), i = (int)(word & 0x3ff);
        if (a == 0 && i == 0)
            break;
        if (a == 59) { /* SKIP: a 32-bit interval follows, high 16 bits first */
            unsigned char l[4];
            if (fread(l, 1, 4, f) != 4) {
                bad = 1;
                break;
            }
            long hi = (long)((unsigned)l[0] | ((unsigned)l[1] << 8)),
                 lo = (long)((unsigned)l[2] | ((unsigned)l[3] << 8));
            int32_t d = (int32_t)(((uint32_t)hi << 16) | (uint32_t)lo);
            sample += d;
        } else if (a == 63) { /* AUX: i bytes, padded to even */
            if (fseek(f, (long)(i + (i & 1)), SEEK_CUR)) {
                bad = 1;
                break;
            }
        } else if (a == 60 || a == 61 || a == 62) {
            /* NUM, SUB, CHN: fields of the current annotation */
        } else {
            sample += i;
            if (is_qrs(a)) {
                if (n == cap) {
                    cap *= 2;
                    double *nv = realloc(v, cap * sizeof *nv);
                    if (!nv) {
                        bad = 1;
                        break;
                    }
                    v = nv;
                }
                v[n++] = (double)sample / fs_hz;
            }
        }
    }
    fclose(f);
    if (!v || bad) {
        free(v);
        return -1;
    }
    *t = v;
    return (long)n;
}

/* t_s column of a beats CSV (beat_index,sample,t_s,rr_s). */
static long read_beats_csv(const char *path, double **t)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    size_t cap = 4096, n = 0;
    double *v = malloc(cap * sizeof *v);
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        free(v);
        return -1;
    }
    while (v && fgets(line, sizeof line, f)) {
        char *p = strchr(line, ',');
        p = p ? strchr(p + 1, ',') : NULL;
        if (!p)
            continue;
        if (n == cap) {
            cap *= 2;
            double *nv = realloc(v, cap * sizeof *nv);
            if (!nv)
                break;
            v = nv;
        }
        v[n++] = strtod(p + 1, NULL);
    }
    fclose(f);
    *t = v;
    return v ? (long)n : -1;
}

typedef struct score {
    long tp, fp, fn;
    double sum_abs_ms;
    long flagged, ndet;
} score;

/* Match ref[0..nr) and det[0..nd) (both sorted) within tol_s, nearest first, greedily in
 * time order: a detection takes the nearest free reference beat. */
static score match(const double *ref, long nr, const double *det, long nd, double tol_s)
{
    score s = {0};
    char *used = calloc((size_t)(nr > 0 ? nr : 1), 1);
    long j = 0;
    for (long i = 0; i < nd; i++) {
        while (j < nr && ref[j] < det[i] - tol_s)
            j++;
        long best = -1;
        for (long k = j; k < nr && ref[k] <= det[i] + tol_s; k++)
            if (!used[k] && (best < 0 || fabs(ref[k] - det[i]) < fabs(ref[best] - det[i])))
                best = k;
        if (best >= 0) {
            used[best] = 1;
            s.tp++;
            s.sum_abs_ms += 1000 * fabs(ref[best] - det[i]);
        } else {
            s.fp++;
        }
    }
    s.fn = nr - s.tp;
    free(used);
    return s;
}

typedef struct rec {
    char name[64], file[1024], ref[1024]; /* input and reference paths */
    int atr;                              /* 1: ref is a .atr at the channel's rate */
} rec;

/* The list of doubtful reference beats, printed after the table. */
static char doubt_buf[16384];
static size_t doubt_len;

static void doubt_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void doubt_add(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (doubt_len + 4 < sizeof doubt_buf) {
        memcpy(doubt_buf + doubt_len, "  - ", 4);
        doubt_len += 4;
        int w = vsnprintf(doubt_buf + doubt_len, sizeof doubt_buf - doubt_len, fmt, ap);
        if (w > 0)
            doubt_len += (size_t)w < sizeof doubt_buf - doubt_len ? (size_t)w : 0;
        if (doubt_len + 1 < sizeof doubt_buf)
            doubt_buf[doubt_len++] = '\n';
        doubt_buf[doubt_len] = 0;
    }
    va_end(ap);
}

static int eval_one(const rec *r, int verbose, const char *dump, score *tot)
{
    const char *in = r->file, *refp = r->ref;
    pt_error err = {0};
    pt_summary *s = NULL;
    pt_read_options ro = pt_read_defaults();
    pt_params p = pt_params_defaults();
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (pt_process_file(in, &ro, &p, NULL, &s, &err)) {
        fprintf(stderr, "%s: %s\n", r->name, err.msg);
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    const pt_recording_info *info = pt_summary_recording(s);
    int ch = pt_find_channel(info, PT_KIND_ECG);
    if (ch < 0) {
        fprintf(stderr, "%s: no ECG channel\n", r->name);
        pt_summary_destroy(s);
        return -1;
    }
    double *ref = NULL;
    long nr = r->atr ? read_atr(refp, info->chan[ch].fs_hz, &ref) : read_beats_csv(refp, &ref);
    if (nr < 0) {
        fprintf(stderr, "%s: cannot read %s\n", r->name, refp);
        pt_summary_destroy(s);
        return -1;
    }
    const pt_table *t = pt_summary_table_const(s, "ecg_beats");
    size_t n = pt_table_nrows(t);
    const double *ts = pt_table_column(t, "t_s"), *chn = pt_table_column(t, "channel"),
                 *art = pt_table_column(t, "artefact");
    double *det = malloc((n ? n : 1) * sizeof *det);
    long nd = 0, flagged = 0;
    for (size_t i = 0; i < n; i++)
        if ((int)chn[i] == ch) {
            det[nd++] = ts[i];
            flagged += art[i] != 0;
        }
    if (dump) {
        char dp[1200];
        snprintf(dp, sizeof dp, "%s/%s_det.csv", dump, r->name);
        FILE *df = fopen(dp, "w");
        if (df) {
            fprintf(df, "t_s,artefact\n");
            for (size_t i = 0; i < n; i++)
                if ((int)chn[i] == ch)
                    fprintf(df, "%.6f,%g\n", ts[i], art[i]);
            fclose(df);
        }
    }
    /* the reference's span: detections more than 150 ms before its first beat or after its
     * last are not scored (s3_walk's annotations start at 6.06 s on a clean ECG whose
     * beats begin at 0.3 s); they are counted and named below */
    long nout = 0, k2 = 0, nd_all = nd;
    for (long i = 0; i < nd; i++) {
        if (nr > 0 && (det[i] < ref[0] - 0.150 || det[i] > ref[nr - 1] + 0.150))
            nout++;
        else
            det[k2++] = det[i];
    }
    if (nout)
        doubt_add("%s: %ld detections outside the annotated span %.2f-%.2f s, not scored", r->name,
                  nout, ref[0], ref[nr - 1]);
    nd = k2;
    score sc = match(ref, nr, det, nd, 0.150);
    /* The reference's own extra beats: an annotated normal beat whose two intervals are
     * both short (< 0.7 x the median of the 8 reference intervals around them) and add up
     * to one usual interval (within 15 %): the rhythm runs on as if it were not there, which
     * a normal (sinus) beat cannot do; it is a spike of motion noise annotated as a beat, or
     * at best an interpolated ectopic beat. The same rule as the detector's extra-beat drop
     * (Lipponen & Tarvainen 2019), applied to the reference alone, whatever was detected.
     * F1 is given with and without these reference beats (detections all kept). */
    double *r2 = malloc((size_t)(nr > 0 ? nr : 1) * sizeof *r2);
    long n2r = 0, ndoubt = 0;
    for (long i = 0; i < nr; i++) {
        int doubt = 0;
        if (i >= 1 && i + 1 < nr) {
            double w[8];
            int m = 0;
            for (long k = i - 4; k <= i + 5 && m < 8; k++)
                if (k != i && k != i + 1 && k >= 1 && k < nr)
                    w[m++] = ref[k] - ref[k - 1];
            for (int a1 = 1; a1 < m; a1++)
                for (int b1 = a1; b1 > 0 && w[b1 - 1] > w[b1]; b1--) {
                    double tmp = w[b1];
                    w[b1] = w[b1 - 1];
                    w[b1 - 1] = tmp;
                }
            double med = m % 2 ? w[m / 2] : 0.5 * (w[m / 2 - 1] + w[m / 2]);
            double ra = ref[i] - ref[i - 1], rb = ref[i + 1] - ref[i];
            doubt = m >= 4 && ra < 0.7 * med && rb < 0.7 * med && fabs(ra + rb - med) < 0.15 * med;
            if (doubt) {
                int found = 0;
                for (long k = 0; k < nd && !found; k++)
                    found = fabs(det[k] - ref[i]) <= 0.150;
                doubt_add("%s %.3f s (RR %.0f + %.0f ms, median %.0f ms; %s)", r->name, ref[i],
                          1000 * ra, 1000 * rb, 1000 * med, found ? "detected" : "not detected");
                ndoubt++;
            }
        }
        if (!doubt)
            r2[n2r++] = ref[i];
    }
    score s2 = match(r2, n2r, det, nd, 0.150);
    double se2 = 100.0 * (double)s2.tp / (double)(s2.tp + s2.fn),
           ppv2 = 100.0 * (double)s2.tp / (double)(s2.tp + s2.fp);
    free(r2);
    long nbad = ndoubt;
    sc.flagged = flagged;
    sc.ndet = nd;
    double se = 100.0 * (double)sc.tp / (double)(sc.tp + sc.fn),
           ppv = 100.0 * (double)sc.tp / (double)(sc.tp + sc.fp);
    printf(
        "| %-22s | %6ld | %6ld | %5ld | %5ld | %6.2f | %6.2f | %6.2f | %6.2f (%ld) | %5.1f | %4.1f "
        "| %.3f |\n",
        r->name, nr, nd, sc.fn, sc.fp, se, ppv, 2 * se * ppv / (se + ppv),
        2 * se2 * ppv2 / (se2 + ppv2), nbad, sc.tp ? sc.sum_abs_ms / (double)sc.tp : (double)NAN,
        100.0 * (double)flagged / (double)nd_all,
        (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec));
    if (verbose) {
        /* the misses and the false detections, for a look at the trace */
        long j = 0;
        for (long i = 0; i < nr; i++) {
            while (j < nd && det[j] < ref[i] - 0.15)
                j++;
            if (!(j < nd && fabs(det[j] - ref[i]) <= 0.15))
                printf("    miss %.3f s\n", ref[i]);
        }
    }
    tot->tp += sc.tp;
    tot->fp += sc.fp;
    tot->fn += sc.fn;
    free(det);
    free(ref);
    pt_summary_destroy(s);
    return 0;
}

static int readable(const char *p)
{
    FILE *f = fopen(p, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *edf_dir = NULL, *dump = NULL;
    int verbose = 0;
    char def[1024];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--edf-dir") && i + 1 < argc)
            edf_dir = argv[++i];
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dump = argv[++i];
        else if (!strcmp(argv[i], "-v"))
            verbose = 1;
        else {
            fprintf(stderr, "usage: pt-eval-ecg [--data DIR] [--edf-dir DIR] [--dump DIR] [-v]\n");
            return 1;
        }
    }
    if (!dir) {
        const char *env = getenv("PT_SHARED_DIR");
        snprintf(def, sizeof def, "%s/data", env && *env ? env : "/work/shared");
        dir = def;
    }
    enum { MAXREC = 64 };
    static rec recs[MAXREC];
    size_t nrec = 0;
    snprintf(recs[0].name, sizeof recs[0].name, "mitdb_100_MLII");
    snprintf(recs[0].file, sizeof recs[0].file, "%s/formats/wfdb/100.hea", dir);
    snprintf(recs[0].ref, sizeof recs[0].ref, "%s/formats/wfdb/100.atr", dir);
    recs[0].atr = 1;
    nrec = 1;
    /* every wrist record with annotated beats and an EDF (the chest ECG is signal 0) */
    char csv[1200], line[1024];
    snprintf(csv, sizeof csv, "%s/wrist_ppg_exercise/records.csv", dir);
    FILE *rf = fopen(csv, "r");
    if (!rf) {
        fprintf(stderr, "pt-eval-ecg: cannot read %s\n", csv);
        return 3;
    }
    printf("R peaks against annotations, 150 ms window\n\n");
    int skipped = 0;
    while (fgets(line, sizeof line, rf) && nrec < MAXREC) {
        char name[64];
        if (!strncmp(line, "record,", 7) || sscanf(line, "%63[^,]", name) != 1)
            continue;
        rec *r = &recs[nrec];
        snprintf(r->name, sizeof r->name, "%s", name);
        snprintf(r->ref, sizeof r->ref, "%s/wrist_ppg_exercise/%s_beats.csv", dir, name);
        snprintf(r->file, sizeof r->file, "%s/formats/edf/%s.edf", dir, name);
        if (!readable(r->file) && edf_dir)
            snprintf(r->file, sizeof r->file, "%s/%s.edf", edf_dir, name);
        if (readable(r->file) && readable(r->ref))
            nrec++;
        else
            printf("%s%s", skipped++ ? ", " : "no chest ECG reachable for: ", name);
    }
    fclose(rf);
    if (skipped)
        printf("\n\n");
    printf(
        "| record | ref | det | FN | FP | Se %% | PPV %% | F1 %% | F1 without doubtful ref %% (n) "
        "| "
        "|dt| ms | flagged %% | process s |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    score tot = {0};
    int bad = 0;
    for (size_t i = 0; i < nrec; i++)
        bad |= eval_one(&recs[i], verbose, dump, &tot) != 0;
    double se = 100.0 * (double)tot.tp / (double)(tot.tp + tot.fn),
           ppv = 100.0 * (double)tot.tp / (double)(tot.tp + tot.fp);
    printf("\nall: Se %.2f %%, PPV %.2f %%, F1 %.2f %%\n", se, ppv, 2 * se * ppv / (se + ppv));
    if (doubt_len)
        printf("\nReference notes (doubtful beats: two short intervals that add up to one "
               "usual interval, still counted in F1 %%):\n%s",
               doubt_buf);
    return bad ? 2 : 0;
}
