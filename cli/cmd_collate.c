/* SPDX-License-Identifier: GPL-2.0-or-later
 * cmd_collate.c — `pulsetrain collate OUTDIR`: rebuild a batch's index (batch.h5) and
 * cohort tables (recordings.csv, days.csv) from the journals and summaries in OUTDIR. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "pulsetrain/batch.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: pulsetrain collate OUTDIR [-q]\n"
               "Rebuild OUTDIR/batch.h5, OUTDIR/recordings.csv and OUTDIR/days.csv from the\n"
               "journals (every batch.journal*.tsv: shards of one batch merge into one index,\n"
               "the line written last winning for a path) and the summaries (*.h5) in OUTDIR.\n"
               "Rows are sorted by input path, as batch writes them; running it again gives the\n"
               "same files. Recordings a journal names that have no finished summary are listed\n"
               "on stderr with the reason; a summary no journal names is added as ok.\n\n"
               "  -q, --quiet   only the failed recordings\n"
               "  -h, --help\n\n"
               "Exit codes: 0 every recording has its summary, 1 usage, 2 nothing to collate,\n"
               "3 output failure, 4 some recordings failed or lack a summary, or a part of a\n"
               "sharded batch (batch.journal.K-of-N.tsv) is missing (index written).\n");
}

typedef struct ctx {
    size_t n;
} ctx;

static void missing(const char *path, const char *why, void *user)
{
    ctx *c = user;
    c->n++;
    fprintf(stderr, "pulsetrain collate: no summary for %s: %s\n", path, why);
}

int pt_cmd_collate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return PT_EXIT_OK;
        default: pt_cli_try_help("collate"); return PT_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "pulsetrain collate: give one batch output folder\n");
        pt_cli_try_help("collate");
        return PT_EXIT_USAGE;
    }
    const char *dir = argv[optind];
    pt_error err = {0};
    pt_batch_collate_counts n;
    ctx cx = {0};
    int rc = pt_batch_collate(dir, missing, &cx, &n, &err);
    if (rc) {
        fprintf(stderr, "pulsetrain collate: %s\n", err.msg[0] ? err.msg : pt_strerror(rc));
        return pt_cli_exit_code(rc);
    }
    if (!quiet)
        fprintf(stderr,
                "pulsetrain collate: %zu journal%s, %zu rows: %zu ok, %zu kept, %zu skipped (not "
                "recordings), %zu failed%s; %s/batch.h5, recordings.csv, days.csv\n",
                n.journals, n.journals == 1 ? "" : "s", n.rows, n.ok, n.kept, n.skipped, n.failed,
                n.unjournaled ? " (summaries no journal names added as ok)" : "", dir);
    char parts[512]; /* shards of a cluster batch that never wrote a journal */
    size_t lost = pt_batch_parts_missing(dir, parts, sizeof parts);
    if (lost)
        fprintf(stderr,
                "pulsetrain collate: %zu part%s of the batch left no journal (never ran?): %s; "
                "their recordings are not in the index: submit %s with --shard K/N\n",
                lost, lost == 1 ? "" : "s", parts, lost == 1 ? "it" : "them");
    return n.failed || lost ? PT_EXIT_PARTIAL : PT_EXIT_OK;
}
