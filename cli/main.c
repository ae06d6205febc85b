/* SPDX-License-Identifier: GPL-2.0-or-later
 * main.c — `pulsetrain COMMAND [options]`: dispatch to the sub-commands. */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "pulsetrain/pipeline.h"
#include "pulsetrain/version.h"

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *what;
} commands[] = {
    {"process", pt_cmd_process, "analyse one recording into an HDF5 summary"},
    {"batch", pt_cmd_batch, "analyse many recordings (folder or manifest) into OUTDIR"},
    {"collate", pt_cmd_collate, "rebuild a batch's index and cohort tables from OUTDIR"},
    {"export", pt_cmd_export, "write every table of a summary as CSV"},
    {"info", pt_cmd_info, "describe a recording, a summary, a batch index or a load file"},
    {"simulate", pt_cmd_simulate, "write a synthetic recording with known truth"},
    {"load", pt_cmd_load, "training load over days: TRIMP, CTL/ATL/TSB, ACWR, streaks"},
    {"report", pt_cmd_report, "draw a summary or a load file as a self-contained SVG"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: pulsetrain COMMAND [options]   (pulsetrain COMMAND --help for more)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
    fprintf(f, "\nExit codes: 0 ok, 1 usage, 2 bad input, 3 output failure, 4 partial batch.\n");
}

volatile sig_atomic_t pt_cli_signal = 0;

static void on_signal(int sig)
{
    pt_cli_signal = sig;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* the second signal has its default effect */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

void pt_cli_try_help(const char *cmd)
{
    fprintf(stderr, "try 'pulsetrain %s --help'\n", cmd);
}

int pt_cli_exit_code(int status)
{
    switch (status) {
    case PT_OK: return PT_EXIT_OK;
    case PT_ECANCELED: return 128 + (pt_cli_signal ? (int)pt_cli_signal : SIGINT);
    case PT_EINVAL: return PT_EXIT_USAGE;
    case PT_EIO:
    case PT_ENOMEM: /* memory or scratch space: the machine's, not the input's fault */
        return PT_EXIT_OUTPUT;
    default: return PT_EXIT_INPUT;
    }
}

int main(int argc, char **argv)
{
    /* Shared filesystems refuse HDF5's file lock; the library turns it off per file where
     * HDF5 can (1.10.7+), this covers older HDF5 (read at every open). A value already set
     * is kept. */
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0);
    if (argc < 2) {
        usage(stderr);
        return PT_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return PT_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("pulsetrain %s\n", pt_version());
        return PT_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) {
            catch_signals();
            int code = commands[i].run(argc - 1, argv + 1);
            return pt_cli_signal ? 128 + (int)pt_cli_signal : code;
        }
    fprintf(stderr, "pulsetrain: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return PT_EXIT_USAGE;
}
