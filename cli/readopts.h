/* SPDX-License-Identifier: GPL-2.0-or-later
 * readopts.h — the reader options every command that opens a recording takes
 * (process, info, batch): one list, one parser, one help text. */
#ifndef PT_CLI_READOPTS_H
#define PT_CLI_READOPTS_H
#include <getopt.h>
#include <stdio.h>

#include "pulsetrain/io.h"

enum {
    PT_OPT_FORMAT = 1000,
    PT_OPT_FS,
    PT_OPT_ACC_UNITS,
    PT_OPT_CHANNELS,
    PT_OPT_TRUNCATED,
    PT_OPT_H5_PPG,
    PT_OPT_H5_ACC_X,
    PT_OPT_H5_ACC_Y,
    PT_OPT_H5_ACC_Z,
    PT_OPT_H5_ECG,
    PT_OPT_H5_HR,
    PT_OPT_H5_PPG_FS,
    PT_OPT_H5_ACC_FS,
    PT_OPT_H5_ECG_FS,
    PT_OPT_H5_HR_FS,
    PT_OPT_START
};

/* Entries for a getopt_long table. */
#define PT_CLI_READ_LONGOPTS                                                                       \
    {"format", required_argument, 0, PT_OPT_FORMAT}, {"fs", required_argument, 0, PT_OPT_FS},      \
        {"acc-units", required_argument, 0, PT_OPT_ACC_UNITS},                                     \
        {"channels", required_argument, 0, PT_OPT_CHANNELS},                                       \
        {"allow-truncated", no_argument, 0, PT_OPT_TRUNCATED},                                     \
        {"h5-ppg", required_argument, 0, PT_OPT_H5_PPG},                                           \
        {"h5-acc-x", required_argument, 0, PT_OPT_H5_ACC_X},                                       \
        {"h5-acc-y", required_argument, 0, PT_OPT_H5_ACC_Y},                                       \
        {"h5-acc-z", required_argument, 0, PT_OPT_H5_ACC_Z},                                       \
        {"h5-ecg", required_argument, 0, PT_OPT_H5_ECG},                                           \
        {"h5-hr", required_argument, 0, PT_OPT_H5_HR},                                             \
        {"h5-ppg-fs", required_argument, 0, PT_OPT_H5_PPG_FS},                                     \
        {"h5-acc-fs", required_argument, 0, PT_OPT_H5_ACC_FS},                                     \
        {"h5-ecg-fs", required_argument, 0, PT_OPT_H5_ECG_FS},                                     \
        {"h5-hr-fs", required_argument, 0, PT_OPT_H5_HR_FS},                                       \
    {                                                                                              \
        "start", required_argument, 0, PT_OPT_START                                                \
    }

/* Handle option c with argument arg: 1 = handled, 0 = not a reader option,
 * -1 = bad value (message on stderr, prefixed with cmd). */
int pt_cli_read_option(int c, const char *arg, pt_read_options *ro, const char *cmd);

/* The help lines of those options. */
void pt_cli_read_help(FILE *f);
#endif
