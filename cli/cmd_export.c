/* SPDX-License-Identifier: GPL-2.0-or-later
 * cmd_export.c — `pulsetrain export SUMMARY.h5 --csv DIR`: every table of a summary as
 * CSV, units in the column names. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "pulsetrain/summary.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: pulsetrain export SUMMARY.h5 --csv DIR\n"
               "Write every table of a summary (hr, beats, epochs, bouts, recovery, daily) as\n"
               "DIR/<table>.csv: one header row whose column names end in their units\n"
               "(hr_bpm, t_start_s, enmo_mg, trimp_banister_au, ...), classes as names, dates as\n"
               "YYYY-MM-DD, missing values as empty cells. Each file is written under a\n"
               "temporary name and renamed. DIR is created if missing.\n\n"
               "      --csv DIR     output folder (required)\n"
               "  -q, --quiet       print nothing but errors\n"
               "  -h, --help\n\n"
               "Exit codes: 0 ok, 1 usage, 2 not a summary, 3 output failure.\n");
}

int pt_cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {{"csv", required_argument, 0, 'c'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *dir = NULL;
    int quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': dir = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return PT_EXIT_OK;
        default: pt_cli_try_help("export"); return PT_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !dir) {
        fprintf(stderr, "pulsetrain export: give one summary and --csv DIR\n");
        pt_cli_try_help("export");
        return PT_EXIT_USAGE;
    }
    const char *path = argv[optind];
    pt_error err = {0};
    pt_summary *s = pt_summary_read_h5(path, NULL, &err);
    if (!s) {
        fprintf(stderr, "pulsetrain export: %s\n", err.msg[0] ? err.msg : pt_strerror(err.code));
        return err.code == PT_EIO || err.code == PT_ENOMEM ? PT_EXIT_OUTPUT : PT_EXIT_INPUT;
    }
    struct stat st;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "pulsetrain export: %s: cannot create the folder: %s\n", dir,
                strerror(errno));
        pt_summary_destroy(s);
        return PT_EXIT_OUTPUT;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "pulsetrain export: %s: not a folder\n", dir);
        pt_summary_destroy(s);
        return PT_EXIT_OUTPUT;
    }
    size_t n = 0;
    int rc = pt_summary_export_csv(s, dir, &n, &err);
    pt_summary_destroy(s);
    if (rc) {
        fprintf(stderr, "pulsetrain export: %s\n", err.msg[0] ? err.msg : pt_strerror(rc));
        return pt_cli_exit_code(rc);
    }
    if (!quiet)
        fprintf(stderr, "pulsetrain export: %zu tables of %s -> %s/\n", n, path, dir);
    return PT_EXIT_OK;
}
