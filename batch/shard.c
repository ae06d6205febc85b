/* SPDX-License-Identifier: GPL-2.0-or-later
 * shard.c — one part of a cohort for one task of a scheduler's job array: the parts
 * (balanced by source size), and which task this process is (from the array variables the
 * caller reads for us).
 * Method: longest-processing-time-first list scheduling (Graham, SIAM J. Appl. Math. 1969):
 * recordings by decreasing size, each into the part with the fewest bytes so far; its
 * largest part is within 4/3 of the best possible. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/shard.h"
#include "pulsetrain/batch.h"

typedef struct order {
    double bytes;
    size_t i;
} order;

/* Larger first; equal sizes in listing order: the same listing gives the same parts. */
static int by_size(const void *a, const void *b)
{
    const order *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int pt_shard_assign(const double *bytes, size_t n, int nparts, int *part)
{
    if (nparts < 1 || (n && (!bytes || !part)))
        return PT_EINVAL;
    order *o = calloc(n ? n : 1, sizeof *o);
    double *load = calloc((size_t)nparts, sizeof *load);
    if (!o || !load) {
        free(o);
        free(load);
        return PT_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        o[i].bytes = bytes[i] > 0 ? bytes[i] : 0; /* unreadable sources count as empty */
        o[i].i = i;
    }
    qsort(o, n, sizeof *o, by_size);
    for (size_t j = 0; j < n; j++) {
        int best = 0; /* the lightest part; the lowest number among equals */
        for (int p = 1; p < nparts; p++)
            if (load[p] < load[best])
                best = p;
        load[best] += o[j].bytes;
        part[o[j].i] = best;
    }
    free(o);
    free(load);
    return PT_OK;
}

int pt_batch_shard(pt_batch *b, int k, int n, pt_error *err)
{
    if (!b || n < 1 || k < 1 || k > n)
        return pt_error_set(err, PT_EINVAL, "shard %d/%d: K/N needs 1 <= K <= N", k, n);
    size_t count = pt_batch_count(b);
    double *bytes = calloc(count ? count : 1, sizeof *bytes);
    int *part = calloc(count ? count : 1, sizeof *part);
    int rc = bytes && part ? PT_OK : PT_ENOMEM;
    for (size_t i = 0; i < count && !rc; i++)
        bytes[i] = pt_batch_result_at(b, i)->state == PT_BATCH_NOT_RECORDING
                       ? 0 /* listed in the journal only: no work */
                       : pt_batch_result_at(b, i)->bytes;
    if (!rc)
        rc = pt_shard_assign(bytes, count, n, part);
    if (!rc)
        rc = pt_batch_keep_part_(b, part, k - 1, k, n);
    free(bytes);
    free(part);
    if (rc == PT_ENOMEM)
        return pt_error_set(err, PT_ENOMEM, "out of memory for the parts of %zu recordings", count);
    return rc;
}

/* A non-negative integer variable: 1 and its value, 0 when unset or empty, -1 when not a
 * number (named in err). */
static int var(pt_getenv_fn get, const char *name, long *v, pt_error *err)
{
    const char *s = get(name);
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno || x < 0 || x > INT_MAX) {
        pt_error_set(err, PT_EINVAL, "%s='%.40s' is not a task number", name, s);
        return -1;
    }
    *v = x;
    return 1;
}

int pt_shard_from_env(pt_getenv_fn get, pt_shard *out, pt_error *err)
{
    if (!get || !out)
        return pt_error_set(err, PT_EINVAL, "pt_shard_from_env: no lookup or no output");
    memset(out, 0, sizeof *out);
    long id = 0, lo = 0, count = 0, hi = 0, step = 1;
    int r;
    /* Slurm: --array=0-3 gives ids 0..3, MIN 0, COUNT 4; a step (0-6:2) is in TASK_STEP. */
    if ((r = var(get, "SLURM_ARRAY_TASK_ID", &id, err)) != 0) {
        if (r < 0 || var(get, "SLURM_ARRAY_TASK_MIN", &lo, err) < 0 ||
            var(get, "SLURM_ARRAY_TASK_COUNT", &count, err) < 0 ||
            var(get, "SLURM_ARRAY_TASK_STEP", &step, err) < 0)
            return PT_EINVAL;
        if (step < 1)
            step = 1;
        if (count < 1 || id < lo || (id - lo) % step || (id - lo) / step >= count)
            return pt_error_set(err, PT_EINVAL,
                                "SLURM_ARRAY_TASK_ID=%ld with MIN=%ld, STEP=%ld, COUNT=%ld is "
                                "not one of COUNT evenly spaced tasks (an array like 1,5,7 or a "
                                "re-submitted single task): give --shard K/N",
                                id, lo, step, count);
        out->k = (int)((id - lo) / step) + 1;
        out->n = (int)count;
        snprintf(out->source, sizeof out->source,
                 "SLURM_ARRAY_TASK_ID=%ld of %ld tasks from %ld, step %ld", id, count, lo, step);
        return PT_OK;
    }
    /* SGE (and its forks): -t 1-4 gives SGE_TASK_ID 1..4, FIRST 1, LAST 4, STEPSIZE 1;
     * outside an array job SGE_TASK_ID is the word "undefined". */
    const char *sge = get("SGE_TASK_ID");
    if (sge && *sge && strcmp(sge, "undefined")) {
        if (var(get, "SGE_TASK_ID", &id, err) < 0 || var(get, "SGE_TASK_FIRST", &lo, err) < 0 ||
            var(get, "SGE_TASK_LAST", &hi, err) < 0 ||
            var(get, "SGE_TASK_STEPSIZE", &step, err) < 0)
            return PT_EINVAL;
        if (step < 1)
            step = 1;
        if (hi < lo || id < lo || id > hi || (id - lo) % step)
            return pt_error_set(err, PT_EINVAL,
                                "SGE_TASK_ID=%ld is not a task of FIRST=%ld LAST=%ld "
                                "STEPSIZE=%ld: give --shard K/N",
                                id, lo, hi, step);
        out->k = (int)((id - lo) / step) + 1;
        out->n = (int)((hi - lo) / step) + 1;
        snprintf(out->source, sizeof out->source, "SGE_TASK_ID=%ld of tasks %ld-%ld, step %ld", id,
                 lo, hi, step);
        return PT_OK;
    }
    /* PBS Pro (PBS_ARRAY_INDEX) and Torque (PBS_ARRAYID) give the index but not the range. */
    const char *pbs = get("PBS_ARRAY_INDEX");
    if (!pbs || !*pbs)
        pbs = get("PBS_ARRAYID");
    if (pbs && *pbs)
        return pt_error_set(err, PT_EINVAL,
                            "a PBS array task (index %.20s), but PBS does not say how many "
                            "tasks there are: give --shard \"$PBS_ARRAY_INDEX/N\" with "
                            "#PBS -J 1-N",
                            pbs);
    return PT_OK;
}

int pt_shard_cpus_from_env(pt_getenv_fn get)
{
    /* Slurm, SGE (slots), PBS: the cores given to this task */
    static const char *const names[] = {"SLURM_CPUS_PER_TASK", "NSLOTS", "NCPUS", "PBS_NUM_PPN"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        long v = 0;
        if (var(get, names[i], &v, NULL) == 1 && v >= 1)
            return (int)v;
    }
    /* a scheduler's job without a stated core count: one core */
    static const char *const jobs[] = {"SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID"};
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        const char *s = get(jobs[i]);
        if (s && *s)
            return 1;
    }
    const char *sge = get("JOB_ID");
    if (sge && *sge && get("SGE_TASK_ID"))
        return 1;
    return 0;
}

typedef struct kn {
    int k, n;
} kn;

static int by_kn(const void *a, const void *b)
{
    const kn *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

size_t pt_batch_parts_missing(const char *outdir, char *buf, size_t len)
{
    if (buf && len)
        buf[0] = '\0';
    DIR *d = outdir ? opendir(outdir) : NULL;
    if (!d)
        return 0;
    kn *seen = NULL;
    size_t n = 0, cap = 0, missing = 0, used = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int k, parts, end = 0;
        if (sscanf(e->d_name, "batch.journal.%d-of-%d.tsv%n", &k, &parts, &end) != 2 ||
            e->d_name[end] || k < 1 || parts < 2 || k > parts || parts > 1000000)
            continue;
        if (n == cap) {
            size_t c = cap ? 2 * cap : 64;
            kn *s = realloc(seen, c * sizeof *s);
            if (!s)
                break;
            seen = s;
            cap = c;
        }
        seen[n].k = k;
        seen[n++].n = parts;
    }
    closedir(d);
    if (n > 1)
        qsort(seen, n, sizeof *seen, by_kn);
    for (size_t i = 0; i < n;) { /* one run of equal N at a time */
        size_t j = i;
        int want = 1;
        for (; j < n && seen[j].n == seen[i].n; j++) {
            for (; want < seen[j].k; want++, missing++)
                if (buf && used + 24 < len)
                    used += (size_t)snprintf(buf + used, len - used, "%s%d-of-%d", used ? ", " : "",
                                             want, seen[i].n);
            if (seen[j].k == want)
                want++;
        }
        for (; want <= seen[i].n; want++, missing++)
            if (buf && used + 24 < len)
                used += (size_t)snprintf(buf + used, len - used, "%s%d-of-%d", used ? ", " : "",
                                         want, seen[i].n);
        i = j;
    }
    free(seen);
    return missing;
}
