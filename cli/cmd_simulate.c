/* SPDX-License-Identifier: GPL-2.0-or-later
 * cmd_simulate.c — `pulsetrain simulate`: write a synthetic recording and its truth
 * (REC.csv, .flac or .hea, REC.truth.csv, REC.recovery.csv; the writers are the library's,
 * pulsetrain/simulate.h). The recording is written first; its truth files only when it was. */
#include "cli/commands.h"
#include "pulsetrain/simulate.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fputs("usage: pulsetrain simulate -o REC.csv [options]\n"
          "\n"
          "Write a deterministic synthetic wrist recording (PPG + 3-axis accelerometer) and\n"
          "its truth: REC.csv, REC.truth.csv (per second) and REC.recovery.csv.\n"
          "\n"
          "  -o, --output REC.csv    recording to write (required)\n"
          "      --hours H           length in hours (default 0.5)\n"
          "      --minutes M         length in minutes (instead of --hours)\n"
          "      --seed S            PRNG seed, unsigned 64-bit (default 1)\n"
          "      --scenario NAME     mixed (default), walk, run, rest, intervals, night\n"
          "      --start ISO8601     clock time of the first sample, e.g. 2024-03-01T08:00:00Z;\n"
          "                          with a date it is written into the recording (CSV\n"
          "                          '# start_time:' line, FLAC Time:, WFDB base time)\n"
          "                          (sets the day/night rhythm of 'mixed'; default 08:00)\n"
          "      --age Y             age in years (default 35)\n"
          "      --sex m|f           (default m)\n"
          "      --hr-rest BPM       resting heart rate (default 60)\n"
          "      --hr-max BPM        maximal heart rate (default 208 - 0.7 age, Tanaka 2001)\n"
          "      --tau-s S           mean recovery time constant in s (default 60)\n"
          "      --tau-spread F      per-bout tau varies by +-F (fraction, default 0.25)\n"
          "      --fs-ppg HZ         PPG rate = row rate (default 64)\n"
          "      --fs-acc HZ         accelerometer rate, divides --fs-ppg (default 32)\n"
          "      --no-ppg            leave out the ppg column (rows at the accelerometer rate)\n"
          "      --no-acc            leave out the accelerometer columns\n"
          "      --format FMT        csv (default), flac or wfdb; by default from the name:\n"
          "                          REC.flac -> FLAC (PPG + acc at the PPG rate, 24-bit, channel\n"
          "                          names and scales in its comment), REC.hea -> WFDB record\n"
          "                          REC.hea + REC.dat (format 16, multi-frequency)\n"
          "  -h, --help              this text\n"
          "\n"
          "Units: t_s seconds from the start, ppg arbitrary units, acc in g (1 mg steps);\n"
          "truth class: 0 nonwear, 1 sedentary, 2 light, 3 moderate (walking), 4 vigorous\n"
          "(running). In the truth files NaN is a missing value; in REC.csv an empty acc cell\n"
          "means that row has no accelerometer sample.\n"
          "Exit status: 0 ok, 1 usage, 2 bad option value, 3 output failure.\n",
          f);
}

/* ---------------------------------------------------------------- option parsing */

static int parse_double(const char *opt, const char *s, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(x)) {
        fprintf(stderr, "pulsetrain simulate: --%s: '%s' is not a number\n", opt, s);
        return -1;
    }
    *v = x;
    return 0;
}

enum {
    OPT_HOURS = 256,
    OPT_MINUTES,
    OPT_SEED,
    OPT_SCENARIO,
    OPT_AGE,
    OPT_SEX,
    OPT_HR_REST,
    OPT_HR_MAX,
    OPT_TAU,
    OPT_TAU_SPREAD,
    OPT_FS_PPG,
    OPT_FS_ACC,
    OPT_START,
    OPT_NO_PPG,
    OPT_NO_ACC,
    OPT_FORMAT
};

/* Progress on a terminal, in whole percent. */
static void show_progress(int64_t done, int64_t total, void *user)
{
    int *last_pct = user;
    int pct = (int)(100 * done / (total ? total : 1));
    if (pct != *last_pct) {
        fprintf(stderr, "\rsimulate: %3d%%", pct);
        *last_pct = pct;
    }
}

/* ---------------------------------------------------------------- the command */

int pt_cmd_simulate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {"hours", required_argument, NULL, OPT_HOURS},
        {"minutes", required_argument, NULL, OPT_MINUTES},
        {"seed", required_argument, NULL, OPT_SEED},
        {"scenario", required_argument, NULL, OPT_SCENARIO},
        {"age", required_argument, NULL, OPT_AGE},
        {"sex", required_argument, NULL, OPT_SEX},
        {"hr-rest", required_argument, NULL, OPT_HR_REST},
        {"hr-max", required_argument, NULL, OPT_HR_MAX},
        {"tau-s", required_argument, NULL, OPT_TAU},
        {"tau-spread", required_argument, NULL, OPT_TAU_SPREAD},
        {"fs-ppg", required_argument, NULL, OPT_FS_PPG},
        {"fs-acc", required_argument, NULL, OPT_FS_ACC},
        {"start", required_argument, NULL, OPT_START},
        {"no-ppg", no_argument, NULL, OPT_NO_PPG},
        {"no-acc", no_argument, NULL, OPT_NO_ACC},
        {"format", required_argument, NULL, OPT_FORMAT},
        {NULL, 0, NULL, 0},
    };
    pt_sim_config cfg = pt_sim_defaults();
    const char *output = NULL, *format = NULL;
    int have_hours = 0, have_minutes = 0;
    double v;
    pt_error err = {0};

    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        const char *name = optind > 1 && optind - 1 < argc ? argv[optind - 1] : "option";
        for (const struct option *lo = longopts; lo->name; lo++)
            if (lo->val == ch && ch >= OPT_HOURS)
                name = lo->name; // the value's option, not argv[optind - 1] (the value)
        switch (ch) {
        case 'o': output = optarg; break;
        case 'h': usage(stdout); return PT_EXIT_OK;
        case OPT_HOURS:
        case OPT_MINUTES:
            if (parse_double(ch == OPT_HOURS ? "hours" : "minutes", optarg, &v))
                return PT_EXIT_USAGE;
            cfg.duration_s = v * (ch == OPT_HOURS ? 3600.0 : 60.0);
            *(ch == OPT_HOURS ? &have_hours : &have_minutes) = 1;
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            unsigned long long sd = strtoull(optarg, &end, 0);
            if (end == optarg || *end || errno || optarg[0] == '-') {
                fprintf(stderr, "pulsetrain simulate: --seed: '%s' is not an unsigned integer\n",
                        optarg);
                return PT_EXIT_USAGE;
            }
            cfg.seed = (uint64_t)sd;
            break;
        }
        case OPT_SCENARIO:
            if (pt_sim_scenario_parse(optarg, &cfg.scenario, &err) != PT_OK) {
                fprintf(stderr, "pulsetrain %s\n", err.msg);
                return PT_EXIT_USAGE;
            }
            break;
        case OPT_SEX:
            if (strcmp(optarg, "m") && strcmp(optarg, "f") && strcmp(optarg, "M") &&
                strcmp(optarg, "F")) {
                fprintf(stderr, "pulsetrain simulate: --sex: '%s' is not m or f\n", optarg);
                return PT_EXIT_USAGE;
            }
            cfg.sex = (char)(optarg[0] | 0x20);
            break;
        case OPT_START:
            /* with a date and a time, the instant goes into the files as well (the clock time
             * sets the day/night rhythm either way) */
            if (pt_sim_config_set_start(&cfg, optarg, &err) != PT_OK) {
                fprintf(stderr,
                        "pulsetrain simulate: --start: '%s' is not an ISO 8601 time "
                        "(YYYY-MM-DDTHH:MM[:SS][Z|+hh:mm])\n",
                        optarg);
                return PT_EXIT_USAGE;
            }
            break;
        case OPT_AGE:
        case OPT_HR_REST:
        case OPT_HR_MAX:
        case OPT_TAU:
        case OPT_TAU_SPREAD:
        case OPT_FS_PPG:
        case OPT_FS_ACC:
            if (parse_double(name, optarg, &v))
                return PT_EXIT_USAGE;
            *(ch == OPT_AGE          ? &cfg.age_y
              : ch == OPT_HR_REST    ? &cfg.hr_rest_bpm
              : ch == OPT_HR_MAX     ? &cfg.hr_max_bpm
              : ch == OPT_TAU        ? &cfg.tau_s
              : ch == OPT_TAU_SPREAD ? &cfg.tau_spread
              : ch == OPT_FS_PPG     ? &cfg.fs_ppg_hz
                                     : &cfg.fs_acc_hz) = v;
            break;
        case OPT_NO_PPG: cfg.with_ppg = 0; break;
        case OPT_FORMAT: format = optarg; break;
        case OPT_NO_ACC: cfg.with_acc = 0; break;
        case ':':
            fprintf(stderr, "pulsetrain simulate: %s needs a value\n", name);
            pt_cli_try_help("simulate");
            return PT_EXIT_USAGE;
        default:
            fprintf(stderr, "pulsetrain simulate: unknown option '%s'\n", name);
            pt_cli_try_help("simulate");
            return PT_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "pulsetrain simulate: unexpected argument '%s'\n", argv[optind]);
        pt_cli_try_help("simulate");
        return PT_EXIT_USAGE;
    }
    if (!output || !*output) {
        fprintf(stderr, "pulsetrain simulate: -o REC.csv is required\n");
        pt_cli_try_help("simulate");
        return PT_EXIT_USAGE;
    }
    if (have_hours && have_minutes) {
        fprintf(stderr, "pulsetrain simulate: give --hours or --minutes, not both\n");
        return PT_EXIT_USAGE;
    }
    if (!cfg.with_ppg && !cfg.with_acc) {
        fprintf(stderr, "pulsetrain simulate: --no-ppg and --no-acc leave nothing to write\n");
        return PT_EXIT_USAGE;
    }

    /* the recording's format: --format, else the name's extension */
    size_t len = strlen(output);
    int ends_flac = len >= 5 && !strcmp(output + len - 5, ".flac");
    int ends_hea = len >= 4 && !strcmp(output + len - 4, ".hea");
    if (!format)
        format = ends_flac ? "flac" : ends_hea ? "wfdb" : "csv";
    if (strcmp(format, "csv") && strcmp(format, "flac") && strcmp(format, "wfdb")) {
        fprintf(stderr, "pulsetrain simulate: --format takes csv, flac or wfdb, not '%s'\n",
                format);
        return PT_EXIT_USAGE;
    }
    int csv = !strcmp(format, "csv");
    if (!csv && (!cfg.with_ppg || !cfg.with_acc)) {
        fprintf(stderr, "pulsetrain simulate: --no-ppg/--no-acc are for CSV output only\n");
        return PT_EXIT_USAGE;
    }
    if (!strcmp(format, "wfdb") && !ends_hea) {
        fprintf(stderr, "pulsetrain simulate: a WFDB record is named NAME.hea (NAME.dat beside)\n");
        return PT_EXIT_USAGE;
    }

    pt_sim *sim = pt_sim_create(&cfg, &err);
    if (!sim) {
        fprintf(stderr, "pulsetrain %s\n", err.msg);
        return err.code == PT_ENOMEM   ? PT_EXIT_OUTPUT
               : err.code == PT_EINVAL ? PT_EXIT_USAGE /* an option value out of range */
                                       : PT_EXIT_INPUT;
    }

    /* the truth files sit next to the recording: REC.csv -> REC.truth.csv, REC.recovery.csv
     * (likewise REC.flac, REC.hea) */
    size_t stem = len >= 4 && (!strcmp(output + len - 4, ".csv") || ends_hea) ? len - 4
                  : ends_flac                                                 ? len - 5
                                                                              : len;
    char *p_truth = malloc(stem + 16), *p_rec = malloc(stem + 16);
    int r;
    if (p_truth && p_rec) {
        memcpy(p_truth, output, stem);
        strcpy(p_truth + stem, ".truth.csv");
        memcpy(p_rec, output, stem);
        strcpy(p_rec + stem, ".recovery.csv");
        int last_pct = -1, tty = isatty(STDERR_FILENO);
        r = csv ? pt_sim_write_csv(sim, output, tty ? show_progress : NULL, &last_pct, &err)
            : !strcmp(format, "flac") ? pt_sim_write_flac(sim, output, &err)
                                      : pt_sim_write_wfdb(sim, output, &err);
        if (tty && csv)
            fputs("\r              \r", stderr);
        /* no truth files for a recording that was not written */
        r = r ? r : pt_sim_write_truth_csv(sim, p_truth, &err);
        r = r ? r : pt_sim_write_recovery_csv(sim, p_rec, &err);
    } else {
        r = pt_error_set(&err, PT_ENOMEM, "out of memory for the truth files' names");
    }
    if (r)
        fprintf(stderr, "pulsetrain simulate: %s\n", err.msg);
    free(p_truth);
    free(p_rec);
    pt_sim_destroy(sim);
    return r ? PT_EXIT_OUTPUT : PT_EXIT_OK;
}
