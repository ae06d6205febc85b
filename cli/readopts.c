/* SPDX-License-Identifier: GPL-2.0-or-later
 * readopts.c — options shared by the commands: reader options, subject and analysis
 * parameters. */
#include "cli/readopts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hz(const char *cmd, const char *opt, const char *arg, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !(v > 0) || !isfinite(v)) {
        fprintf(stderr, "pulsetrain %s: %s needs a rate in Hz above 0, not '%s'\n", cmd, opt, arg);
        return -1;
    }
    *out = v;
    return 1;
}

int pt_cli_read_option(int c, const char *arg, pt_read_options *ro, const char *cmd)
{
    switch (c) {
    case PT_OPT_FORMAT: {
        pt_error e = {0};
        if (pt_reader_format_check(arg, &e) != PT_OK) {
            fprintf(stderr, "pulsetrain %s: %s\n", cmd, e.msg);
            return -1;
        }
        ro->format = arg;
        return 1;
    }
    case PT_OPT_FS: return hz(cmd, "--fs", arg, &ro->fs_hz);
    case PT_OPT_ACC_UNITS: {
        /* the names pt_channel_from_name understands; anything else would silently read as g */
        static const char *const known[] = {"g", "mg", "ms2", "m/s2", "m/s^2"};
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (!strcasecmp(arg, known[i])) {
                ro->acc_units = arg;
                return 1;
            }
        fprintf(stderr, "pulsetrain %s: --acc-units %s: must be g, mg or ms2 (m/s^2)\n", cmd, arg);
        return -1;
    }
    case PT_OPT_CHANNELS: ro->channels = arg; return 1;
    case PT_OPT_TRUNCATED: ro->allow_truncated = 1; return 1;
    case PT_OPT_H5_PPG: ro->h5_ppg = arg; return 1;
    case PT_OPT_H5_ACC_X: ro->h5_acc_x = arg; return 1;
    case PT_OPT_H5_ACC_Y: ro->h5_acc_y = arg; return 1;
    case PT_OPT_H5_ACC_Z: ro->h5_acc_z = arg; return 1;
    case PT_OPT_H5_ECG: ro->h5_ecg = arg; return 1;
    case PT_OPT_H5_HR: ro->h5_hr = arg; return 1;
    case PT_OPT_H5_PPG_FS: return hz(cmd, "--h5-ppg-fs", arg, &ro->h5_ppg_fs_hz);
    case PT_OPT_H5_ACC_FS: return hz(cmd, "--h5-acc-fs", arg, &ro->h5_acc_fs_hz);
    case PT_OPT_H5_ECG_FS: return hz(cmd, "--h5-ecg-fs", arg, &ro->h5_ecg_fs_hz);
    case PT_OPT_H5_HR_FS: return hz(cmd, "--h5-hr-fs", arg, &ro->h5_hr_fs_hz);
    case PT_OPT_START: ro->start = arg; return 1;
    default: return 0;
    }
}

void pt_cli_read_help(FILE *f)
{
    fprintf(
        f,
        "Reading:\n"
        "      --format FMT      auto (default: by content), csv, edf, wfdb, e4, wav, cwa, h5\n"
        "      --fs HZ           sample rate of a CSV without a time column\n"
        "      --acc-units U     units of unsuffixed acc columns: g (default), mg, ms2\n"
        "                        (|a| at rest of 9.8 or 1000 g is refused: exit 2)\n"
        "      --channels LIST   channel map of a WAV/FLAC file, e.g. ppg,acc_x,acc_y,acc_z\n"
        "                        ('-' keeps the file's label, 'aux' ignores a channel)\n"
        "      --allow-truncated read the complete part of a file shorter than its header says\n"
        "      --h5-ppg PATH, --h5-acc-x PATH, --h5-acc-y PATH, --h5-acc-z PATH,\n"
        "      --h5-ecg PATH, --h5-hr PATH      datasets of an HDF5 recording\n"
        "      --h5-ppg-fs HZ, --h5-acc-fs HZ, --h5-ecg-fs HZ, --h5-hr-fs HZ\n"
        "                        their rates (else the dataset's fs_hz attribute, else --fs)\n"
        "      --start ISO8601   absolute start of a file without one, e.g.\n"
        "                        2026-03-02T08:00:00+01:00 (a file with another start: exit 2)\n");
}

int pt_cli_number(const char *cmd, const char *opt, const char *arg, double lo, int closed,
                  const char *unit, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !isfinite(v)) {
        fprintf(stderr, "pulsetrain %s: %s needs a number, not '%s'\n", cmd, opt, arg);
        return -1;
    }
    if (closed ? !(v >= lo) : !(v > lo)) {
        fprintf(stderr, "pulsetrain %s: %s %s: must be %s %g %s\n", cmd, opt, arg,
                closed ? ">=" : ">", lo, unit);
        return -1;
    }
    *out = v;
    return 0;
}

int pt_cli_param_option(int c, const char *arg, pt_params *p, const char *cmd)
{
    const char *opt = NULL, *unit = "s";
    double *dst = NULL;
    int closed = 0;
    switch (c) {
    case PT_OPT_SUBJECT:
        /* it is stored in the summary's parameters JSON: no quotes, no truncation */
        if (strlen(arg) >= sizeof p->subject_id || strchr(arg, '"') || strchr(arg, '\\')) {
            fprintf(stderr, "pulsetrain %s: --subject '%s' is too long or has quotes\n", cmd, arg);
            return -1;
        }
        snprintf(p->subject_id, sizeof p->subject_id, "%s", arg);
        return 1;
    case PT_OPT_SEX:
        if (strcmp(arg, "m") && strcmp(arg, "f")) {
            fprintf(stderr, "pulsetrain %s: --sex takes m or f\n", cmd);
            return -1;
        }
        p->sex = arg[0];
        return 1;
    case PT_OPT_TZ: snprintf(p->tz, sizeof p->tz, "%s", arg); return 1;
    case PT_OPT_NO_CALIBRATE: p->calibrate = 0; return 1;
    case PT_OPT_AGE: opt = "--age", unit = "years", dst = &p->age_y; break;
    case PT_OPT_HR_REST: opt = "--hr-rest", unit = "bpm", dst = &p->hr_rest_bpm; break;
    case PT_OPT_HR_MAX: opt = "--hr-max", unit = "bpm", dst = &p->hr_max_bpm; break;
    case PT_OPT_HR_WINDOW: opt = "--hr-window", dst = &p->hr_window_s; break;
    case PT_OPT_HR_STEP: opt = "--hr-step", dst = &p->hr_step_s; break;
    case PT_OPT_EPOCH: opt = "--epoch", dst = &p->epoch_s; break;
    case PT_OPT_RUN_CADENCE:
        opt = "--run-cadence", unit = "steps/min", dst = &p->run_cadence_spm;
        break;
    case PT_OPT_BOUT_MIN: opt = "--bout-min", closed = 1, dst = &p->bout_min_s; break;
    case PT_OPT_BOUT_TOLERANCE:
        opt = "--bout-tolerance", closed = 1, dst = &p->bout_tolerance_s;
        break;
    default: return 0;
    }
    return pt_cli_number(cmd, opt, arg, 0, closed, unit, dst) ? -1 : 1;
}
