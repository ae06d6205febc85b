/* SPDX-License-Identifier: GPL-2.0-or-later
 * cmd_info.c — `pulsetrain info FILE`: describe a recording or a summary.
 * A recording is read to its end (streamed) so that lengths and duration are
 * exact; a summary's tables are listed with their row counts. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/print.h"
#include "cli/readopts.h"
#include "pulsetrain/batch.h"
#include "pulsetrain/load.h"
#include "pulsetrain/pipeline.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: pulsetrain info FILE [reading options]\n"
               "Describe a recording (channels, rates, units, duration, missing samples) or a\n"
               "file pulsetrain wrote: a summary (tables, their columns with units, rows,\n"
               "parameters), a batch index (batch.h5: counts, the cohort tables' columns,\n"
               "failures) or a load file (subjects, tables, columns, units, rows).\n\n");
    pt_cli_read_help(f);
}

/* Every table of a summary: rows, and its columns with their units. */
static void describe_tables(const pt_summary *s)
{
    printf("tables     (pulsetrain export --csv DIR writes them as CSV)\n");
    for (size_t i = 0; i < pt_summary_ntables(s); i++) {
        const pt_table *t = pt_summary_table_at(s, i);
        printf("  /%-9s %zu rows:", pt_table_name(t), pt_table_nrows(t));
        for (size_t c = 0; c < pt_table_ncols(t); c++) {
            const char *u = pt_table_colunits(t, c);
            printf(" %s", pt_table_colname(t, c));
            if (pt_table_coltype(t, c) == PT_COL_CLASS)
                printf(" [class]");
            else if (pt_table_coltype(t, c) == PT_COL_DATE)
                printf(" [date]");
            else if (u && *u && strcmp(u, "1"))
                printf(" [%s]", u);
        }
        printf("\n");
    }
}

static void describe_load(const char *path, const pt_load *ld)
{
    printf("load file  %s\n", path);
    printf("subjects   %zu:", pt_load_nsubjects(ld));
    for (size_t i = 0; i < pt_load_nsubjects(ld) && i < 20; i++)
        printf(" %s", pt_load_subject(ld, i)[0] ? pt_load_subject(ld, i) : "(unknown)");
    printf("%s\n", pt_load_nsubjects(ld) > 20 ? " ..." : "");
    static const char *const tab[] = {"daily", "weekly", "subjects"};
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++) {
        printf("  /%-9s %zu rows:", tab[k], pt_load_nrows(ld, tab[k]));
        for (size_t c = 0; c < pt_load_ncols(ld, tab[k]); c++) {
            const char *u = pt_load_colunits(ld, tab[k], c);
            printf(" %s", pt_load_colname(ld, tab[k], c));
            if (u && *u && strcmp(u, "1"))
                printf(" [%s]", u);
        }
        printf("\n");
    }
    const char *notes = pt_load_notes(ld);
    if (notes && *notes)
        printf("notes      %s\n", notes);
}

int pt_cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {
        PT_CLI_READ_LONGOPTS, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    pt_read_options ro = pt_read_defaults();
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return PT_EXIT_OK;
        default: {
            int r = pt_cli_read_option(c, optarg, &ro, "info");
            if (r < 0)
                return PT_EXIT_USAGE;
            if (r == 0) {
                pt_cli_try_help("info");
                return PT_EXIT_USAGE;
            }
        }
        }
    }
    if (optind != argc - 1) {
        pt_cli_try_help("info");
        return PT_EXIT_USAGE;
    }
    const char *path = argv[optind];
    pt_error err = {0};
    if (pt_is_hdf5(path)) {
        if (pt_batch_index_describe(path, stdout, &err) == PT_OK)
            return PT_EXIT_OK;
        pt_error_clear(&err);
        pt_load *ld = pt_load_read_h5(path, &err);
        if (ld) {
            describe_load(path, ld);
            pt_load_destroy(ld);
            return PT_EXIT_OK;
        }
        pt_error_clear(&err);
        pt_summary_meta meta;
        pt_summary *s = pt_summary_read_h5(path, &meta, &err);
        if (!s) {
            fprintf(stderr, "pulsetrain info: %s\n", err.msg);
            return pt_cli_exit_code(err.code);
        }
        printf("summary    %s (schema %d, pulsetrain %s)\n", path, meta.schema_version,
               meta.pulsetrain_version);
        printf("subject    %s\n", meta.subject_id[0] ? meta.subject_id : "(none)");
        printf("sha256     %s\n", meta.source_sha256);
        pt_print_summary(stdout, s, NULL);
        printf("parameters %s\n", meta.parameters);
        describe_tables(s);
        pt_summary_destroy(s);
        return PT_EXIT_OK;
    }
    pt_reader *r = pt_reader_open(path, &ro, &err);
    if (!r) {
        fprintf(stderr, "pulsetrain info: %s\n", err.msg);
        return pt_cli_exit_code(err.code);
    }
    const pt_recording_info *info = pt_reader_info(r);
    pt_block *b = pt_block_create(info, 65536, &err);
    int rc = b ? PT_OK : err.code;
    double nan_count[PT_MAX_CHANNELS] = {0};
    while (!rc) {
        rc = pt_reader_read(r, b, &err);
        size_t total = 0;
        for (size_t k = 0; k < b->nchan && !rc; k++) {
            total += b->n[k];
            for (size_t i = 0; i < b->n[k]; i++)
                nan_count[k] += isnan(b->x[k][i]);
        }
        if (!rc && total == 0)
            break;
    }
    if (rc) {
        fprintf(stderr, "pulsetrain info: %s\n", err.msg);
        pt_block_destroy(b);
        pt_reader_close(r);
        return pt_cli_exit_code(rc);
    }
    pt_print_recording(stdout, info);
    for (size_t k = 0; k < info->nchan; k++)
        if (nan_count[k] > 0)
            printf("missing    %s: %.0f samples (gaps or NaN cells)\n", info->chan[k].name,
                   nan_count[k]);
    pt_block_destroy(b);
    pt_reader_close(r);
    return PT_EXIT_OK;
}
