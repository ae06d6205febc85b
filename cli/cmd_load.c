/* SPDX-License-Identifier: GPL-2.0-or-later
 * cmd_load.c — `pulsetrain load SUMMARY.h5... -o LOAD.h5 [--csv LOAD.csv]`:
 * the training-load model over the days of any number of summaries. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "pulsetrain/load.h"
#include "pulsetrain/path.h"

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: pulsetrain load SUMMARY.h5... -o LOAD.h5 [--csv LOAD.csv] [options]\n"
        "Training load per subject and day from the /daily tables of summaries (one\n"
        "subject over many days, or several subjects by subject_id): daily TRIMP,\n"
        "CTL/ATL/TSB (GoldenCheetah's Performance Manager), ACWR (EWMA, Williams 2017),\n"
        "Foster monotony and strain, walking streaks and targets, weekly adherence and the\n"
        "HRR60 trend. Days without data, or with too little wear, are missing (NaN), not\n"
        "rest days, unless --missing zero.\n\n"
        "  -o, --output FILE       LOAD.h5 to write (required)\n"
        "      --csv FILE          also write the daily table as CSV\n"
        "      --metric M          banister (default), edwards, accel\n"
        "      --missing P         skip (default: NaN, model state kept) or zero (GoldenCheetah)\n"
        "      --ctl-days D        fitness time constant (default 42)\n"
        "      --atl-days D        fatigue time constant (default 7)\n"
        "      --sb-today          TSB = CTL - ATL of the same day (default: of the day before,\n"
        "                          as GoldenCheetah shows it)\n"
        "      --min-wear H        hours of wear for a valid day after merging (default 10)\n"
        "      --streak-min M      minutes of moderate walking for a streak day (default 10)\n"
        "      --walk-target M     daily walking target in minutes (default 60)\n"
        "      --easy-min M        a longer easy session lasts at least M minutes (default 25)\n"
        "  -q, --quiet             no per-subject summary on stdout\n"
        "  -h, --help\n\n"
        "Exit codes: 0 ok, 1 usage, 2 bad input, 3 output failure, 4 some inputs unreadable.\n");
}

static int num(const char *opt, const char *arg, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "pulsetrain load: %s needs a number in [%g, %g], not '%s'\n", opt, lo, hi,
                arg);
        return -1;
    }
    *out = v;
    return 0;
}

static void print_date(double unix_s, char *buf, size_t len)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d", &tm);
}

static void print_subjects(const pt_load *ld)
{
    size_t n = pt_load_nrows(ld, "subjects"), nd = pt_load_nrows(ld, "daily");
    const double *first = pt_load_column(ld, "subjects", "first_date");
    const double *last = pt_load_column(ld, "subjects", "last_date");
    const double *ndays = pt_load_column(ld, "subjects", "n_days");
    const double *nval = pt_load_column(ld, "subjects", "n_valid_days");
    const double *ctl = pt_load_column(ld, "subjects", "ctl");
    const double *atl = pt_load_column(ld, "subjects", "atl");
    const double *tsb = pt_load_column(ld, "subjects", "tsb");
    const double *slope = pt_load_column(ld, "subjects", "hrr60_slope_bpm_per_week");
    const double *sid = pt_load_column(ld, "subjects", "subject_id");
    const double *dsid = pt_load_column(ld, "daily", "subject_id");
    const double *acwr = pt_load_column(ld, "daily", "acwr");
    const double *streak = pt_load_column(ld, "daily", "streak_days");
    for (size_t i = 0; i < n; i++) {
        char a[16], b[16];
        print_date(first[i], a, sizeof a);
        print_date(last[i], b, sizeof b);
        double last_acwr = NAN, last_streak = NAN, best = 0;
        for (size_t r = 0; r < nd; r++)
            if (dsid[r] == sid[i]) {
                if (!isnan(acwr[r]))
                    last_acwr = acwr[r];
                if (!isnan(streak[r])) {
                    last_streak = streak[r];
                    best = streak[r] > best ? streak[r] : best;
                }
            }
        printf("subject %-12s %s .. %s  %3.0f days, %3.0f valid\n",
               pt_load_subject(ld, (size_t)sid[i]), a, b, ndays[i], nval[i]);
        const pt_load_config *cfg = pt_load_settings(ld);
        if (isnan(ctl[i])) /* no day reached the wear needed for a load */
            printf("  fitness CTL, fatigue ATL, form TSB: n/a (no day with %g h of wear)\n",
                   cfg->min_wear_h);
        else
            printf("  fitness CTL %.1f  fatigue ATL %.1f  form TSB (tomorrow) %+.1f\n", ctl[i],
                   atl[i], tsb[i]);
        if (isnan(last_acwr))
            printf("  ACWR n/a (needs %zu days of load)\n", cfg->acwr_warmup_days);
        else
            printf("  ACWR %.2f\n", last_acwr);
        if (isnan(last_streak))
            printf("  walking streak n/a (no day with walking known)  HRR60 trend ");
        else
            printf("  walking streak %.0f days (best %.0f)  HRR60 trend ", last_streak, best);
        if (isnan(slope[i]))
            printf("n/a (fewer than %zu weeks with recoveries)\n",
                   pt_load_settings(ld)->trend_min_weeks);
        else
            printf("%+.2f bpm/week\n", slope[i]);
    }
}

int pt_cmd_load(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"csv", required_argument, 0, 'c'},
                                         {"metric", required_argument, 0, 'M'},
                                         {"missing", required_argument, 0, 'm'},
                                         {"ctl-days", required_argument, 0, 'C'},
                                         {"atl-days", required_argument, 0, 'A'},
                                         {"sb-today", no_argument, 0, 'T'},
                                         {"min-wear", required_argument, 0, 'w'},
                                         {"streak-min", required_argument, 0, 's'},
                                         {"walk-target", required_argument, 0, 'W'},
                                         {"easy-min", required_argument, 0, 'e'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    pt_load_config cfg = pt_load_defaults();
    const char *out = NULL, *csv = NULL;
    int quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'c': csv = optarg; break;
        case 'M':
            if (!strcmp(optarg, "banister"))
                cfg.metric = PT_LOAD_BANISTER;
            else if (!strcmp(optarg, "edwards"))
                cfg.metric = PT_LOAD_EDWARDS;
            else if (!strcmp(optarg, "accel"))
                cfg.metric = PT_LOAD_ACCEL;
            else {
                fprintf(stderr, "pulsetrain load: --metric takes banister, edwards or accel\n");
                return PT_EXIT_USAGE;
            }
            break;
        case 'm':
            if (!strcmp(optarg, "skip"))
                cfg.missing = PT_MISSING_SKIP;
            else if (!strcmp(optarg, "zero"))
                cfg.missing = PT_MISSING_ZERO;
            else {
                fprintf(stderr, "pulsetrain load: --missing takes skip or zero\n");
                return PT_EXIT_USAGE;
            }
            break;
        case 'C':
            if (num("--ctl-days", optarg, 1, 365, &cfg.ctl_days))
                return PT_EXIT_USAGE;
            break;
        case 'A':
            if (num("--atl-days", optarg, 1, 365, &cfg.atl_days))
                return PT_EXIT_USAGE;
            break;
        case 'T': cfg.sb_today = 1; break;
        case 'w':
            if (num("--min-wear", optarg, 0, 24, &cfg.min_wear_h))
                return PT_EXIT_USAGE;
            break;
        case 's':
            if (num("--streak-min", optarg, 0, 1440, &cfg.streak_min_minutes))
                return PT_EXIT_USAGE;
            break;
        case 'W':
            if (num("--walk-target", optarg, 0, 1440, &cfg.walk_target_minutes))
                return PT_EXIT_USAGE;
            break;
        case 'e':
            if (num("--easy-min", optarg, 1, 1440, &cfg.easy_session_minutes))
                return PT_EXIT_USAGE;
            break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return PT_EXIT_OK;
        default: pt_cli_try_help("load"); return PT_EXIT_USAGE;
        }
    }
    if (!out || optind >= argc) {
        fprintf(stderr, "pulsetrain load: give one or more summaries and -o LOAD.h5\n");
        pt_cli_try_help("load");
        return PT_EXIT_USAGE;
    }
    if (!(cfg.atl_days <
          cfg.ctl_days)) { /* fatigue must decay faster than fitness (Banister 1975) */
        fprintf(stderr, "pulsetrain load: --atl-days %g: must be below --ctl-days %g\n",
                cfg.atl_days, cfg.ctl_days);
        return PT_EXIT_USAGE;
    }
    for (int i = optind; i < argc; i++)
        if (pt_same_file(argv[i], out) || (csv && pt_same_file(argv[i], csv))) {
            fprintf(stderr,
                    "pulsetrain load: %s: the output is one of the inputs: refusing to "
                    "overwrite it (choose another name with -o / --csv)\n",
                    argv[i]);
            return PT_EXIT_USAGE;
        }
    pt_error err = {0};
    pt_load *ld = pt_load_create(&cfg, &err);
    if (!ld) {
        fprintf(stderr, "pulsetrain load: %s\n", err.msg);
        return PT_EXIT_USAGE;
    }
    int nbad = 0, first_bad = PT_OK;
    for (int i = optind; i < argc; i++) {
        pt_error_clear(&err);
        size_t added = 0; /* a summary, a batch index (its summaries) or a folder of them */
        int rc = pt_load_add_path(ld, argv[i], &added, &err);
        if (rc) {
            fprintf(stderr, "pulsetrain load: %s\n", err.msg[0] ? err.msg : pt_strerror(rc));
            if (!nbad++)
                first_bad = rc;
        }
    }
    if (nbad == argc - optind) {
        pt_load_destroy(ld);
        return pt_cli_exit_code(first_bad);
    }
    int rc = pt_load_compute(ld, &err);
    if (!rc)
        rc = pt_load_write_h5(ld, out, &err);
    if (!rc && csv)
        rc = pt_load_write_csv(ld, csv, &err);
    if (rc) {
        fprintf(stderr, "pulsetrain load: %s\n", err.msg[0] ? err.msg : pt_strerror(rc));
        pt_load_destroy(ld);
        return rc == PT_EIO || rc == PT_ENOMEM ? PT_EXIT_OUTPUT : pt_cli_exit_code(rc);
    }
    if (pt_load_notes(ld)[0])
        fprintf(stderr, "pulsetrain load: note: %s\n", pt_load_notes(ld));
    if (!quiet) {
        print_subjects(ld);
        printf("wrote %s%s%s\n", out, csv ? " and " : "", csv ? csv : "");
    }
    pt_load_destroy(ld);
    return nbad ? PT_EXIT_PARTIAL : PT_EXIT_OK;
}
