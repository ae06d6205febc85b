/* SPDX-License-Identifier: GPL-2.0-or-later
 * cluster.h — batch as one task of a scheduler's job array (cluster.c). */
#ifndef PT_CLI_CLUSTER_H
#define PT_CLI_CLUSTER_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* "K/N" with 1 <= K <= N: 0, else -1. */
int pt_cli_parse_shard(const char *arg, int *k, int *n);

/* Cores this process may use (its CPU affinity: what a cpuset or taskset allows). */
int pt_cli_cpus(void);

/* A shell script that submits `batch` (argv, opts: this command's) as an sbatch array of
 * ntasks tasks, then `collate outdir` after it. nrec, bytes: the listing, for its comment.
 * 0, or -1 when it could not be written. */
int pt_cli_print_slurm(FILE *f, int argc, char **argv, const struct option *opts,
                       const char *outdir, int ntasks, size_t nrec, double bytes);

#endif
