/* SPDX-License-Identifier: GPL-2.0-or-later
 * readopts.c — reader options shared by the commands that open recordings. */
#include "cli/readopts.h"

#include <math.h>
#include <stdlib.h>
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
