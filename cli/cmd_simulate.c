/* SPDX-License-Identifier: GPL-2.0-or-later
 * cmd_simulate.c — `pulsetrain simulate`: write a synthetic recording (CSV) and its truth.
 *
 *   REC.csv           t_s,ppg,acc_x_g,acc_y_g,acc_z_g (one row per PPG sample; the acc cells
 *                     are empty on rows without an accelerometer sample)
 *   REC.truth.csv     t_s,hr_bpm,class,cadence_spm (one row per second)
 *   REC.recovery.csv  t_end_exercise_s,hr_end_bpm,tau_s,hr_60_bpm,hr_120_bpm,hrr60_bpm,hrr120_bpm
 * (REC = the -o path without its ".csv"; NaN marks a missing truth value). Each file is
 * written to "<path>.tmp" and renamed into place once complete; on failure the temporaries
 * are removed.
 * Numbers are formatted by hand (fixed point, trailing zeros trimmed): a day at 64 Hz is
 * about 5.5 million rows, and snprintf would dominate the run time. */
#include "cli/commands.h"
#include "pulsetrain/simulate.h"
#include "pulsetrain/tz.h"

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

/* ---------------------------------------------------------------- buffered writer */

typedef struct out {
    FILE *f;
    char *path, *tmp;
    char buf[1 << 16];
    size_t n;
    int failed;
} out;

static void out_flush(out *o)
{
    if (o->n && !o->failed && fwrite(o->buf, 1, o->n, o->f) != o->n)
        o->failed = errno ? errno : EIO;
    o->n = 0;
}

/* Room for one more row (rows are < 200 bytes). */
static inline char *out_reserve(out *o)
{
    if (o->n > sizeof o->buf - 256)
        out_flush(o);
    return o->buf + o->n;
}

static inline void out_commit(out *o, const char *end)
{
    o->n = (size_t)(end - o->buf);
}

static int out_open(out *o, const char *path)
{
    memset(o, 0, sizeof *o);
    size_t len = strlen(path);
    o->path = malloc(len + 1);
    o->tmp = malloc(len + 5);
    if (!o->path || !o->tmp)
        return ENOMEM;
    memcpy(o->path, path, len + 1);
    memcpy(o->tmp, path, len);
    memcpy(o->tmp + len, ".tmp", 5);
    o->f = fopen(o->tmp, "wb");
    return o->f ? 0 : errno;
}

/* Flush, fsync and close; returns 0 or an errno value. */
static int out_close(out *o)
{
    if (!o->f)
        return 0;
    out_flush(o);
    int e = o->failed;
    if (!e && fflush(o->f) != 0)
        e = errno;
    if (!e && fsync(fileno(o->f)) != 0 && errno != EINVAL) // EINVAL: a pipe or special file
        e = errno;
    if (fclose(o->f) != 0 && !e)
        e = errno;
    o->f = NULL;
    return e;
}

static void out_discard(out *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
    }
    if (o->tmp)
        unlink(o->tmp);
    free(o->path);
    free(o->tmp);
    o->path = o->tmp = NULL;
}

/* ---------------------------------------------------------------- number formatting */

static const int64_t pow10_i[] = {1,      10,      100,      1000,      10000,
                                  100000, 1000000, 10000000, 100000000, 1000000000};

static inline char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k)
        *p++ = tmp[--k];
    return p;
}

/* Fixed point with dec decimals (0..9), trailing zeros and a bare '.' removed; q is the value
 * times 10^dec, already rounded. */
static inline char *put_scaled(char *p, int64_t q, int dec)
{
    if (q < 0) {
        *p++ = '-';
        q = -q;
    }
    int64_t sc = pow10_i[dec];
    p = put_u64(p, (uint64_t)(q / sc));
    int64_t fr = q % sc;
    if (fr) {
        while (fr % 10 == 0) {
            fr /= 10;
            dec--;
        }
        *p++ = '.';
        for (int k = dec - 1; k >= 0; k--) {
            p[k] = (char)('0' + fr % 10);
            fr /= 10;
        }
        p += dec;
    }
    return p;
}

/* A double in fixed point; NaN/inf give an empty cell. */
static inline char *put_fixed(char *p, double v, int dec)
{
    if (!isfinite(v))
        return p;
    double sv = v * (double)pow10_i[dec];
    if (fabs(sv) > 9.0e15) // beyond exact integers: let printf do it
        return p + sprintf(p, "%.6g", v);
    return put_scaled(p, (int64_t)llround(sv), dec);
}

/* A value of the truth files: "NaN" when missing (the README's convention; an empty cell
 * in the recording means "no sample on this row"). */
static inline char *put_value(char *p, double v, int dec)
{
    if (isnan(v)) {
        memcpy(p, "NaN", 3);
        return p + 3;
    }
    return put_fixed(p, v, dec);
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

/* "[YYYY-MM-DD]THH:MM[:SS[.fff]][Z|+hh:mm|-hh:mm]" or "HH:MM[:SS]" -> seconds after midnight
 * of the local clock written in the string (the offset is accepted and not applied). */
static int parse_start(const char *s, double *tod_s)
{
    const char *p = s;
    int y, mo, d, n = 0;
    if (sscanf(p, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10) {
        if (mo < 1 || mo > 12 || d < 1 || d > 31)
            return -1;
        p += n;
        if (*p == '\0') {
            *tod_s = 0;
            return 0;
        }
        if (*p != 'T' && *p != 't' && *p != ' ')
            return -1;
        p++;
    }
    int hh, mm, k = 0;
    double ss = 0;
    if (sscanf(p, "%2d:%2d%n", &hh, &mm, &k) != 2 || k != 5)
        return -1;
    p += k;
    if (*p == ':') {
        char *end;
        ss = strtod(p + 1, &end);
        if (end == p + 1)
            return -1;
        p = end;
    }
    if (*p == 'Z' || *p == 'z')
        p++;
    else if (*p == '+' || *p == '-') {
        int oh, om = 0;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1)
            return -1;
        p += strlen(p); // offsets are accepted; the clock time is what sets the rhythm
    }
    if (*p || hh < 0 || hh > 23 || mm < 0 || mm > 59 || !(ss >= 0 && ss < 61))
        return -1;
    *tod_s = hh * 3600.0 + mm * 60.0 + ss;
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

/* ---------------------------------------------------------------- writers */

static int write_truth(pt_sim *sim, out *o)
{
    pt_sim_second rows[1024];
    size_t n;
    char *p = out_reserve(o);
    p += sprintf(p, "t_s,hr_bpm,class,cadence_spm\n");
    out_commit(o, p);
    while (pt_sim_truth_read(sim, 1024, rows, &n, NULL) == PT_OK && n) {
        for (size_t i = 0; i < n; i++) {
            p = out_reserve(o);
            p = put_fixed(p, rows[i].t_s, 0);
            *p++ = ',';
            p = put_value(p, rows[i].hr_bpm, 3);
            *p++ = ',';
            *p++ = (char)('0' + rows[i].intensity);
            *p++ = ',';
            p = put_value(p, rows[i].cadence_spm, 2);
            *p++ = '\n';
            out_commit(o, p);
        }
    }
    return o->failed;
}

static int write_recovery(pt_sim *sim, out *o)
{
    pt_sim_recovery rows[64];
    size_t n;
    char *p = out_reserve(o);
    p += sprintf(p, "t_end_exercise_s,hr_end_bpm,tau_s,hr_60_bpm,hr_120_bpm,hrr60_bpm,"
                    "hrr120_bpm\n");
    out_commit(o, p);
    while (pt_sim_recovery_read(sim, 64, rows, &n, NULL) == PT_OK && n) {
        for (size_t i = 0; i < n; i++) {
            const pt_sim_recovery *r = &rows[i];
            double v[7] = {r->t_end_exercise_s, r->hr_end_bpm, r->tau_s,     r->hr_60_bpm,
                           r->hr_120_bpm,       r->hrr60_bpm,  r->hrr120_bpm};
            p = out_reserve(o);
            for (int k = 0; k < 7; k++) {
                if (k)
                    *p++ = ',';
                p = put_value(p, v[k], k == 0 ? 0 : 3);
            }
            *p++ = '\n';
            out_commit(o, p);
        }
    }
    return o->failed;
}

#define BLOCK 4096

static int write_recording(pt_sim *sim, out *o, int with_ppg, int with_acc)
{
    const pt_sim_config *c = pt_sim_config_of(sim);
    const int64_t fs = (int64_t)c->fs_ppg_hz;
    /* time decimals: the fewest that print i / fs exactly (6 for 64 Hz), else 6 rounded */
    int tdec = 6;
    for (int d = 0; d <= 9; d++)
        if (pow10_i[d] % fs == 0) {
            tdec = d;
            break;
        }
    const int exact = pow10_i[tdec] % fs == 0;
    const int64_t tmul = exact ? pow10_i[tdec] / fs : 0;
    const size_t decim = pt_sim_acc_decimation(sim);
    const int64_t nrows = pt_sim_nrows(sim);
    const int progress = isatty(STDERR_FILENO);
    int last_pct = -1;

    char *p;
    if (isfinite(c->start_unix_s)) { /* the CSV reader takes it as the start */
        char iso[40];
        pt_time_format_iso8601(c->start_unix_s, iso);
        p = out_reserve(o);
        p += sprintf(p, "# start_time: %s\n", iso);
        out_commit(o, p);
    }
    static const char *const headers[] = {"", "t_s,acc_x_g,acc_y_g,acc_z_g\n", "t_s,ppg\n",
                                          "t_s,ppg,acc_x_g,acc_y_g,acc_z_g\n"};
    p = out_reserve(o);
    p += sprintf(p, "%s", headers[(with_ppg ? 2 : 0) + (with_acc ? 1 : 0)]);
    out_commit(o, p);

    double *ppg = malloc(BLOCK * sizeof *ppg), *ax = malloc(BLOCK * sizeof *ax),
           *ay = malloc(BLOCK * sizeof *ay), *az = malloc(BLOCK * sizeof *az);
    if (!ppg || !ax || !ay || !az) {
        free(ppg), free(ax), free(ay), free(az);
        return ENOMEM;
    }
    int64_t i = 0;
    size_t n;
    while (!o->failed && pt_sim_read(sim, BLOCK, NULL, ppg, ax, ay, az, &n, NULL) == PT_OK && n) {
        for (size_t k = 0; k < n; k++, i++) {
            int acc_row = (uint64_t)i % decim == 0;
            if (!with_ppg && !acc_row)
                continue;
            p = out_reserve(o);
            p = exact ? put_scaled(p, i * tmul, tdec)
                      : put_fixed(p, (double)i / c->fs_ppg_hz, tdec);
            if (with_ppg) {
                *p++ = ',';
                p = put_fixed(p, ppg[k], 4);
            }
            if (with_acc) {
                *p++ = ',';
                if (acc_row) {
                    p = put_fixed(p, ax[k], 3);
                    *p++ = ',';
                    p = put_fixed(p, ay[k], 3);
                    *p++ = ',';
                    p = put_fixed(p, az[k], 3);
                } else {
                    *p++ = ',';
                    *p++ = ',';
                }
            }
            *p++ = '\n';
            out_commit(o, p);
        }
        if (progress) {
            int pct = (int)(100 * i / (nrows ? nrows : 1));
            if (pct != last_pct) {
                fprintf(stderr, "\rsimulate: %3d%%", pct);
                last_pct = pct;
            }
        }
    }
    if (progress)
        fputs("\r              \r", stderr);
    free(ppg), free(ax), free(ay), free(az);
    return o->failed;
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
            /* with a date, the instant goes into the files as well (the clock time sets the
             * day/night rhythm either way) */
            cfg.start_unix_s = NAN;
            if (parse_start(optarg, &cfg.start_tod_s) ||
                (strlen(optarg) > 10 && optarg[4] == '-' &&
                 pt_time_parse_iso8601(optarg, &cfg.start_unix_s) != PT_OK)) {
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
    int nfiles = csv ? 3 : 2; /* FLAC and WFDB writers do their own temp name + rename */
    char *p_truth = malloc(stem + 16), *p_rec = malloc(stem + 16);
    out *files = calloc(3, sizeof *files); // 3 x 64 KiB buffers: off the stack
    int rc = PT_EXIT_OK, e = 0;
    const char *failed_path = output;
    if (p_truth && p_rec && files) {
        memcpy(p_truth, output, stem);
        strcpy(p_truth + stem, ".truth.csv");
        memcpy(p_rec, output, stem);
        strcpy(p_rec + stem, ".recovery.csv");
    } else {
        e = ENOMEM;
    }
    const char *paths[3] = {p_truth, p_rec, output};
    for (int k = 0; k < nfiles && !e; k++) {
        failed_path = paths[k];
        e = out_open(&files[k], paths[k]);
    }
    if (!e) {
        failed_path = p_truth;
        e = write_truth(sim, &files[0]);
        e = e ? e : out_close(&files[0]);
    }
    if (!e) {
        failed_path = p_rec;
        e = write_recovery(sim, &files[1]);
        e = e ? e : out_close(&files[1]);
    }
    if (!e && csv) {
        failed_path = output;
        e = write_recording(sim, &files[2], cfg.with_ppg, cfg.with_acc);
        e = e ? e : out_close(&files[2]);
    }
    if (!e && !csv) {
        int r = !strcmp(format, "flac") ? pt_sim_write_flac(sim, output, &err)
                                        : pt_sim_write_wfdb(sim, output, &err);
        if (r) {
            fprintf(stderr, "pulsetrain simulate: %s\n", err.msg);
            rc = PT_EXIT_OUTPUT;
            nfiles = 0; /* keep no truth files for a recording that was not written */
        }
    }
    for (int k = 0; k < nfiles && !e; k++) {
        failed_path = paths[k];
        if (rename(files[k].tmp, files[k].path) != 0)
            e = errno;
    }
    if (e) {
        fprintf(stderr, "pulsetrain simulate: %s: %s\n", failed_path, strerror(e));
        rc = PT_EXIT_OUTPUT;
    }
    for (int k = 0; files && k < 3; k++)
        out_discard(&files[k]); // unlinks the temporaries that were not renamed (or opened)
    free(files);
    free(p_truth);
    free(p_rec);
    pt_sim_destroy(sim);
    return rc;
}
