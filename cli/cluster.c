/* SPDX-License-Identifier: GPL-2.0-or-later
 * cluster.c — `batch` as one task of a job array: --shard K/N or the scheduler's array
 * variables, cores from the allocation, and `batch --print-slurm N` (a script that submits
 * the array and a collate job after it). */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "cli/cluster.h"

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pulsetrain/batch.h"

int pt_cli_parse_shard(const char *arg, int *k, int *n)
{
    char *end;
    long a = strtol(arg, &end, 10);
    if (end == arg || *end != '/')
        return -1;
    const char *s = end + 1;
    long b = strtol(s, &end, 10);
    if (end == s || *end || b < 1 || b > 1000000 || a < 1 || a > b)
        return -1;
    *k = (int)a;
    *n = (int)b;
    return 0;
}

int pt_cli_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set); /* the cores this process may run on (cpusets, taskset) */
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* One shell word, single-quoted. */
static void quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* The option of opts that "--name" names (exactly, or as getopt's unique prefix). */
static const struct option *long_opt(const struct option *opts, const char *name, size_t len)
{
    const struct option *hit = NULL;
    for (const struct option *o = opts; o->name; o++) {
        if (strlen(o->name) == len && !strncmp(o->name, name, len))
            return o;
        if (!strncmp(o->name, name, len))
            hit = hit ? NULL : o; /* ambiguous: getopt refused it already */
    }
    return hit;
}

/* argv again, without the options that belong to one task or to this printing. */
static void forward_args(FILE *f, int argc, char **argv, const struct option *opts)
{
    static const char *const drop[] = {"print-slurm", "shard", "jobs", "resume"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int skip = 0, takes = 0;
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            const struct option *o = long_opt(opts, a + 2, len);
            if (o) {
                takes = o->has_arg == required_argument && !eq;
                for (size_t k = 0; k < sizeof drop / sizeof drop[0]; k++)
                    skip |= !strcmp(o->name, drop[k]);
            }
        } else if (a[0] == '-' && (a[1] == 'j' || a[1] == 'o')) {
            takes = !a[2];
            skip = a[1] == 'j';
        }
        if (!skip) {
            fputc(' ', f);
            quote(f, a);
            if (takes && i + 1 < argc) {
                fputc(' ', f);
                quote(f, argv[i + 1]);
            }
        }
        if (takes)
            i++;
    }
}

int pt_cli_print_slurm(FILE *f, int argc, char **argv, const struct option *opts,
                       const char *outdir, int ntasks, size_t nrec, double bytes)
{
    char exe[PATH_MAX], cwd[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l <= 0)
        snprintf(exe, sizeof exe, "pulsetrain");
    else
        exe[l] = '\0';
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    fprintf(f,
            "#!/bin/sh\n"
            "# pulsetrain on Slurm: %zu recordings (%.1f MB) in %d array tasks, balanced by size,\n"
            "# then one job that collates them into %s/batch.h5.\n"
            "#   sh THIS_FILE          submit the array and the collate job after it\n"
            "#   sh THIS_FILE 3,7      re-submit tasks 3 and 7 (they resume: finished\n"
            "#                         summaries are kept) and collate again after them\n"
            "# One core per task (-j follows SLURM_CPUS_PER_TASK); HDF5 file locking is off\n"
            "# for shared filesystems. --mem: pulsetrain streams, measured peak under 200 MB\n"
            "# for a 7-day file (docs/cluster.md); add --time=... as your site requires.\n"
            "set -eu\n"
            "tasks=${1:-1-%d}\n"
            "cd ",
            nrec, bytes / 1e6, ntasks, outdir, ntasks);
    quote(f, cwd);
    fprintf(f, "\n"
               "array=$(sbatch --parsable --job-name=pulsetrain --array=\"$tasks\" "
               "--cpus-per-task=1 --mem=1G \\\n"
               "  --output=pulsetrain-%%A_%%a.log <<'EOF'\n"
               "#!/bin/sh\n"
               "export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 HDF5_USE_FILE_LOCKING=FALSE\n"
               "# exit 4 = some recordings failed (bad input): they are listed by collate\n");
    quote(f, exe);
    fprintf(f, " batch");
    forward_args(f, argc, argv, opts);
    fprintf(f,
            " \\\n  --shard \"$SLURM_ARRAY_TASK_ID/%d\" --resume -j \"${SLURM_CPUS_PER_TASK:-1}\" "
            "|| [ $? -eq 4 ]\n"
            "EOF\n"
            ")\n"
            "array=${array%%%%;*}\n"
            "collate=$(sbatch --parsable --job-name=pulsetrain-collate "
            "--dependency=afterok:\"$array\" \\\n"
            "  --kill-on-invalid-dep=yes --cpus-per-task=1 --mem=1G "
            "--output=pulsetrain-collate-%%j.log <<'EOF'\n"
            "#!/bin/sh\n"
            "export HDF5_USE_FILE_LOCKING=FALSE\n",
            ntasks);
    quote(f, exe);
    fprintf(f, " collate ");
    quote(f, outdir);
    fprintf(f, " || [ $? -eq 4 ]\n"
               "EOF\n"
               ")\n"
               "echo \"array job $array (tasks $tasks), collate job ${collate%%%%;*}\"\n");
    return ferror(f) ? -1 : 0;
}
