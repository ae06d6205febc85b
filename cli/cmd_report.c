/* SPDX-License-Identifier: GPL-2.0-or-later
 * cmd_report.c — `pulsetrain report SUMMARY.h5|LOAD.h5 -o REPORT.svg`: a
 * self-contained SVG that opens in any browser. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "pulsetrain/path.h"
#include "pulsetrain/report.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: pulsetrain report SUMMARY.h5|LOAD.h5 -o REPORT.svg [--subject ID] [--title T]\n"
            "Draw a self-contained SVG (no external fonts or scripts):\n"
            "  a summary: heart rate, the activity class of each epoch as a strip, ENMO\n"
            "    and non-wear over time, with the recovery curves and their fits;\n"
            "  a load file: daily load bars with CTL/ATL/TSB, walking minutes against the\n"
            "    target with the streak, and weekly adherence.\n\n"
            "  -o, --output FILE   SVG to write (required)\n"
            "      --subject ID    subject of a load file (default: the first)\n"
            "      --title T       title (default: the subject and the recording's name)\n"
            "  -h, --help\n");
}

int pt_cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"subject", required_argument, 0, 's'},
                                         {"title", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *out = NULL, *subject = NULL, *title = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': subject = optarg; break;
        case 't': title = optarg; break;
        case 'h': usage(stdout); return PT_EXIT_OK;
        default: pt_cli_try_help("report"); return PT_EXIT_USAGE;
        }
    }
    if (!out || optind != argc - 1) {
        fprintf(stderr, "pulsetrain report: give one SUMMARY.h5 or LOAD.h5 and -o REPORT.svg\n");
        pt_cli_try_help("report");
        return PT_EXIT_USAGE;
    }
    const char *in = argv[optind];
    if (pt_same_file(in, out)) {
        fprintf(stderr,
                "pulsetrain report: %s: the output is the input itself: refusing to "
                "overwrite it (choose another name with -o)\n",
                out);
        return PT_EXIT_USAGE;
    }
    pt_error err = {0};
    if (!pt_is_hdf5(in)) {
        fprintf(stderr, "pulsetrain report: %s: not an HDF5 summary or load file\n", in);
        return PT_EXIT_INPUT;
    }
    int rc;
    pt_load *ld = pt_load_read_h5(in, &err);
    if (ld) {
        rc = pt_report_load_svg(ld, subject, title, out, &err);
        pt_load_destroy(ld);
    } else {
        pt_error_clear(&err);
        pt_summary *s = pt_summary_read_h5(in, NULL, &err);
        if (!s) {
            fprintf(stderr, "pulsetrain report: %s\n", err.msg);
            return pt_cli_exit_code(err.code);
        }
        rc = pt_report_summary_svg(s, title, out, &err);
        pt_summary_destroy(s);
    }
    if (rc) {
        fprintf(stderr, "pulsetrain report: %s\n", err.msg[0] ? err.msg : pt_strerror(rc));
        return rc == PT_EIO ? PT_EXIT_OUTPUT : pt_cli_exit_code(rc);
    }
    printf("wrote %s\n", out);
    return PT_EXIT_OK;
}
