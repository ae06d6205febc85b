/* SPDX-License-Identifier: GPL-2.0-or-later
 * readopts.h — the options several commands share: the reader options of every command
 * that opens a recording (process, info, batch) and the subject and analysis parameters
 * of the commands that analyse one (process, batch): one list, one parser each. */
#ifndef PT_CLI_READOPTS_H
#define PT_CLI_READOPTS_H
#include <getopt.h>
#include <stdio.h>

#include "pulsetrain/io.h"
#include "pulsetrain/pipeline.h"

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

/* A number for option opt: finite, above lo (at or above it when closed), named with its unit
 * in the message (prefixed "pulsetrain cmd: "). 0 = ok, -1 = bad (message on stderr). */
int pt_cli_number(const char *cmd, const char *opt, const char *arg, double lo, int closed,
                  const char *unit, double *out);

/* The subject and analysis parameters of process and batch. */
enum {
    PT_OPT_SUBJECT = 1100,
    PT_OPT_AGE,
    PT_OPT_SEX,
    PT_OPT_HR_REST,
    PT_OPT_HR_MAX,
    PT_OPT_HR_WINDOW,
    PT_OPT_HR_STEP,
    PT_OPT_EPOCH,
    PT_OPT_TZ,
    PT_OPT_RUN_CADENCE,
    PT_OPT_BOUT_MIN,
    PT_OPT_BOUT_TOLERANCE,
    PT_OPT_NO_CALIBRATE
};

#define PT_CLI_PARAM_LONGOPTS                                                                      \
    {"subject", required_argument, 0, PT_OPT_SUBJECT}, {"age", required_argument, 0, PT_OPT_AGE},  \
        {"sex", required_argument, 0, PT_OPT_SEX},                                                 \
        {"hr-rest", required_argument, 0, PT_OPT_HR_REST},                                         \
        {"hr-max", required_argument, 0, PT_OPT_HR_MAX},                                           \
        {"hr-window", required_argument, 0, PT_OPT_HR_WINDOW},                                     \
        {"hr-step", required_argument, 0, PT_OPT_HR_STEP},                                         \
        {"epoch", required_argument, 0, PT_OPT_EPOCH}, {"tz", required_argument, 0, PT_OPT_TZ},    \
        {"run-cadence", required_argument, 0, PT_OPT_RUN_CADENCE},                                 \
        {"bout-min", required_argument, 0, PT_OPT_BOUT_MIN},                                       \
        {"bout-tolerance", required_argument, 0, PT_OPT_BOUT_TOLERANCE},                           \
    {                                                                                              \
        "no-calibrate", no_argument, 0, PT_OPT_NO_CALIBRATE                                        \
    }

/* Handle option c with argument arg into p: 1 = handled, 0 = not a parameter option,
 * -1 = bad value (message on stderr, prefixed with cmd). */
int pt_cli_param_option(int c, const char *arg, pt_params *p, const char *cmd);
#endif
