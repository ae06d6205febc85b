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
#include "pulsetrain/pipeline.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: pulsetrain info FILE [reading options]\n"
               "Describe a recording (channels, rates, units, duration, missing samples) or an\n"
               "HDF5 summary (tables, row counts, parameters).\n\n");
    pt_cli_read_help(f);
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
