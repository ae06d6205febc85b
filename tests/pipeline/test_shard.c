/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_shard.c — the parts of a cohort: every recording in exactly one part, the same
 * parts for the same sizes, largest first into the lightest part (so the heaviest and
 * lightest parts differ by at most the largest recording); which task a process is, from
 * Slurm's and SGE's array variables (a PBS index alone refused); the cores a scheduler
 * gave; parts that left no journal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/shard.h"
#include "pt_test.h"
#include "pulsetrain/batch.h"

PT_TEST(assign_covers_balances_and_repeats)
{
    enum { N = 1000, P = 7 };
    double *bytes = malloc(N * sizeof *bytes);
    int *part = malloc(N * sizeof *part), *again = malloc(N * sizeof *again);
    PT_CHECK(bytes && part && again);
    unsigned long long x = 88172645463325252ULL; /* xorshift64: sizes from 1 kB to 2 GB */
    double biggest = 0;
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes[i] = 1e3 + (double)(x % 2000000000ULL);
        if (i % 50 == 0)
            bytes[i] = bytes[i - (i ? 1 : 0)]; /* ties, broken by listing order */
        biggest = bytes[i] > biggest ? bytes[i] : biggest;
    }
    PT_CHECK(pt_shard_assign(bytes, N, P, part) == PT_OK);
    PT_CHECK(pt_shard_assign(bytes, N, P, again) == PT_OK);
    double load[P] = {0};
    for (int i = 0; i < N; i++) {
        PT_CHECK(part[i] >= 0 && part[i] < P);
        PT_CHECK(part[i] == again[i]);
        load[part[i]] += bytes[i];
    }
    double lo = load[0], hi = load[0];
    for (int p = 1; p < P; p++) {
        lo = load[p] < lo ? load[p] : lo;
        hi = load[p] > hi ? load[p] : hi;
    }
    /* LPT: the last recording put into the heaviest part went to the lightest part then */
    PT_CHECK(hi - lo <= biggest);
    /* 1000 recordings into 7: much better than that, within 1 % here */
    PT_CHECK(hi / lo < 1.01);
    /* more parts than recordings: each in its own part, the rest empty */
    double three[3] = {5, 9, 7};
    int p3[3];
    PT_CHECK(pt_shard_assign(three, 3, 5, p3) == PT_OK);
    PT_CHECK(p3[1] == 0 && p3[2] == 1 && p3[0] == 2);
    PT_CHECK(pt_shard_assign(three, 3, 0, p3) == PT_EINVAL);
    free(bytes);
    free(part);
    free(again);
}

/* a fake environment: NAME=VALUE strings, NULL-terminated */
static const char *const *env_now;

static char *fake_getenv(const char *name)
{
    size_t l = strlen(name);
    for (const char *const *e = env_now; e && *e; e++)
        if (!strncmp(*e, name, l) && (*e)[l] == '=')
            return (char *)(*e + l + 1);
    return NULL;
}

static int shard_of(const char *const *env, pt_shard *s, pt_error *err)
{
    env_now = env;
    return pt_shard_from_env(fake_getenv, s, err);
}

PT_TEST(shard_from_scheduler_variables)
{
    pt_shard s;
    pt_error err = {0};
    const char *none[] = {"HOME=/root", NULL};
    PT_CHECK(shard_of(none, &s, &err) == PT_OK && s.n == 0);
    const char *slurm[] = {"SLURM_ARRAY_TASK_ID=0", "SLURM_ARRAY_TASK_MIN=0",
                           "SLURM_ARRAY_TASK_COUNT=4", NULL};
    PT_CHECK(shard_of(slurm, &s, &err) == PT_OK && s.k == 1 && s.n == 4);
    PT_CHECK(strstr(s.source, "SLURM_ARRAY_TASK_ID=0") != NULL);
    const char *slurm1[] = {"SLURM_ARRAY_TASK_ID=4", "SLURM_ARRAY_TASK_MIN=1",
                            "SLURM_ARRAY_TASK_COUNT=4", NULL};
    PT_CHECK(shard_of(slurm1, &s, &err) == PT_OK && s.k == 4 && s.n == 4);
    const char *step[] = {"SLURM_ARRAY_TASK_ID=10", "SLURM_ARRAY_TASK_MIN=2",
                          "SLURM_ARRAY_TASK_COUNT=5", "SLURM_ARRAY_TASK_STEP=4", NULL};
    PT_CHECK(shard_of(step, &s, &err) == PT_OK && s.k == 3 && s.n == 5);
    const char *off[] = {"SLURM_ARRAY_TASK_ID=9", "SLURM_ARRAY_TASK_MIN=2",
                         "SLURM_ARRAY_TASK_COUNT=5", "SLURM_ARRAY_TASK_STEP=4", NULL};
    PT_CHECK(shard_of(off, &s, &err) == PT_EINVAL && strstr(err.msg, "--shard"));
    const char *beyond[] = {"SLURM_ARRAY_TASK_ID=7", "SLURM_ARRAY_TASK_MIN=0",
                            "SLURM_ARRAY_TASK_COUNT=4", NULL};
    PT_CHECK(shard_of(beyond, &s, &err) == PT_EINVAL);
    const char *bad[] = {"SLURM_ARRAY_TASK_ID=-1", NULL};
    PT_CHECK(shard_of(bad, &s, &err) == PT_EINVAL && strstr(err.msg, "SLURM_ARRAY_TASK_ID"));
    const char *sge[] = {"SGE_TASK_ID=5", "SGE_TASK_FIRST=1", "SGE_TASK_LAST=9",
                         "SGE_TASK_STEPSIZE=2", NULL};
    PT_CHECK(shard_of(sge, &s, &err) == PT_OK && s.k == 3 && s.n == 5);
    const char *sge_no[] = {"SGE_TASK_ID=undefined", "JOB_ID=12", NULL};
    PT_CHECK(shard_of(sge_no, &s, &err) == PT_OK && s.n == 0);
    const char *pbs[] = {"PBS_ARRAY_INDEX=3", NULL};
    PT_CHECK(shard_of(pbs, &s, &err) == PT_EINVAL && strstr(err.msg, "PBS_ARRAY_INDEX/N"));
    const char *torque[] = {"PBS_ARRAYID=3", NULL};
    PT_CHECK(shard_of(torque, &s, &err) == PT_EINVAL);
}

PT_TEST(cores_from_scheduler_variables)
{
    const char *none[] = {"HOME=/root", NULL};
    env_now = none;
    PT_CHECK(pt_shard_cpus_from_env(fake_getenv) == 0);
    const char *slurm[] = {"SLURM_JOB_ID=3", "SLURM_CPUS_PER_TASK=4", NULL};
    env_now = slurm;
    PT_CHECK(pt_shard_cpus_from_env(fake_getenv) == 4);
    const char *bare[] = {"SLURM_JOB_ID=3", NULL};
    env_now = bare;
    PT_CHECK(pt_shard_cpus_from_env(fake_getenv) == 1);
    const char *sge[] = {"JOB_ID=3", "SGE_TASK_ID=undefined", "NSLOTS=2", NULL};
    env_now = sge;
    PT_CHECK(pt_shard_cpus_from_env(fake_getenv) == 2);
    const char *pbs[] = {"PBS_JOBID=3.server", "NCPUS=8", NULL};
    env_now = pbs;
    PT_CHECK(pt_shard_cpus_from_env(fake_getenv) == 8);
}

PT_TEST(parts_that_left_no_journal)
{
    char dir[] = "/tmp/pt_test_shard_XXXXXX", path[256], buf[128];
    PT_CHECK(mkdtemp(dir) != NULL);
    PT_CHECK(pt_batch_parts_missing(dir, buf, sizeof buf) == 0 && !buf[0]);
    const char *names[] = {"batch.journal.1-of-4.tsv", "batch.journal.4-of-4.tsv",
                           "batch.journal.tsv", "batch.journal.2-of-4.tsv.tmp",
                           "batch.journal.x.tsv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "w");
        PT_CHECK(f != NULL);
        if (f)
            fclose(f);
    }
    PT_CHECK(pt_batch_parts_missing(dir, buf, sizeof buf) == 2);
    PT_CHECK(!strcmp(buf, "2-of-4, 3-of-4"));
    PT_CHECK(pt_batch_parts_missing(dir, NULL, 0) == 2);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    PT_CHECK(pt_batch_parts_missing("/nonexistent/folder", buf, sizeof buf) == 0);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
