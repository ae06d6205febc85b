/* SPDX-License-Identifier: GPL-2.0-or-later
 * cmd_process.c — `pulsetrain process REC [-o OUT.h5] [options]`. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli/cluster.h"
#include "cli/commands.h"
#include "cli/print.h"
#include "cli/readopts.h"
#include "pulsetrain/batch.h"
#include "pulsetrain/pipeline.h"

static void usage(FILE *f)
{
    fprintf(
        f, "usage: pulsetrain process REC [-o OUT.h5] [options]\n"
           "Analyse one recording: heart rate, motion epochs and intensity classes, written\n"
           "as an HDF5 summary (schema 1). Prints a readable summary on stdout.\n\n"
           "  -o, --output FILE     summary to write (default: REC with .h5 instead of its "
           "extension)\n"
           "      --subject ID      subject id written into the summary\n"
           "      --age YEARS       subject age (HRmax = 208 - 0.7 age, Tanaka 2001)\n"
           "      --sex m|f\n"
           "      --hr-rest BPM     resting heart rate (default: estimated from the recording)\n"
           "      --hr-max BPM      maximal heart rate\n"
           "      --hr-window S     heart-rate window (default 8 s)\n"
           "      --hr-step S       heart-rate step (default 2 s)\n"
           "      --epoch S         motion epoch (default 5 s)\n"
           "      --tz ZONE         local time for /daily: UTC (default), +02:00, or an IANA name\n"
           "      --exercise-end T  end of exercise [s from the start] for recovery (repeatable);\n"
           "                        given ends replace automatic detection\n"
           "      --run-cadence SPM rhythmic gait at or above this is running (default 140)\n"
           "      --bout-min S      shortest bout (default 60 s)\n"
           "      --bout-tolerance S  longest interruption inside a bout (default 10 s)\n"
           "      --no-calibrate    do not auto-calibrate the accelerometer (van Hees 2014)\n"
           "  -j, --threads N       1: one thread; 2 (default when two or more cores are\n"
           "                        online): the heart-rate tracker on a second thread\n"
           "  -q, --quiet           do not print the summary\n"
           "  -h, --help\n");
    pt_cli_read_help(f);
}

/* Progress on a terminal: signal read / length, per cent and time left, redrawn at most
 * 5 times a second on one line of stderr, cleared at the end. */
typedef struct bar {
    double t0, last_draw, rate; /* [s], [s], signal s per wall s (smoothed) */
    double last_done, last_t;
    int drawn;
} bar;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_signal(double s, char *out, size_t len)
{
    if (s >= 7200)
        snprintf(out, len, "%.1f h", s / 3600);
    else
        snprintf(out, len, "%.1f min", s / 60);
}

static void draw(double done_s, double total_s, void *user)
{
    bar *b = user;
    double now = mono_s();
    if (now - b->last_t > 0.2 && done_s > b->last_done) { /* rate over >= 0.2 s, smoothed */
        double r = (done_s - b->last_done) / (now - b->last_t);
        b->rate = b->rate > 0 ? 0.7 * b->rate + 0.3 * r : r;
        b->last_done = done_s;
        b->last_t = now;
    }
    if (b->drawn && now - b->last_draw < 0.2 && !(done_s >= total_s))
        return;
    b->last_draw = now;
    b->drawn = 1;
    char d[32], t[32], eta[32] = "--:--";
    fmt_signal(done_s, d, sizeof d);
    if (isfinite(total_s) && total_s > 0) {
        fmt_signal(total_s, t, sizeof t);
        if (b->rate > 0) {
            double left = fmax(total_s - done_s, 0) / b->rate;
            snprintf(eta, sizeof eta, "%d:%02d", (int)(left / 60), (int)fmod(left, 60));
        }
        fprintf(stderr, "\r\033[Kprocessing: %s of %s  %3.0f%%  %s left", d, t,
                fmin(100, 100 * done_s / total_s), eta);
    } else {
        fprintf(stderr, "\r\033[Kprocessing: %s of signal read (length not in the header)", d);
    }
    fflush(stderr);
}

int pt_cmd_process(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         PT_CLI_READ_LONGOPTS,
                                         PT_CLI_PARAM_LONGOPTS,
                                         {"exercise-end", required_argument, 0, 'E'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {"threads", required_argument, 0, 'j'},
                                         {0, 0, 0, 0}};
    pt_params p = pt_params_defaults();
    pt_read_options ro = pt_read_defaults();
    const char *out = NULL;
    int quiet = 0, c;
    /* cores: a scheduler's allocation (SLURM_CPUS_PER_TASK, ...), else the CPU affinity */
    int sched = pt_shard_cpus_from_env(getenv);
    long ncpu = sched > 0 ? sched : pt_cli_cpus();
    int threads = ncpu >= 2 ? 2 : 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'j': {
            double t;
            if (pt_cli_number("process", "--threads", optarg, -INFINITY, 1, "", &t))
                return PT_EXIT_USAGE;
            if (t != 1 && t != 2) {
                fprintf(stderr, "pulsetrain process: --threads takes 1 or 2\n");
                return PT_EXIT_USAGE;
            }
            threads = (int)t;
            break;
        }
        case 'o': out = optarg; break;
        case 'E': {
            double t;
            if (pt_cli_number("process", "--exercise-end", optarg, 0, 1, "s", &t))
                return PT_EXIT_USAGE;
            if (p.n_exercise_end >= sizeof p.exercise_end_s / sizeof p.exercise_end_s[0]) {
                fprintf(stderr, "pulsetrain process: at most %zu --exercise-end\n",
                        sizeof p.exercise_end_s / sizeof p.exercise_end_s[0]);
                return PT_EXIT_USAGE;
            }
            p.exercise_end_s[p.n_exercise_end++] = t;
            break;
        }
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return PT_EXIT_OK;
        default: {
            int r = pt_cli_param_option(c, optarg, &p, "process");
            if (r == 0)
                r = pt_cli_read_option(c, optarg, &ro, "process");
            if (r < 0)
                return PT_EXIT_USAGE;
            if (r == 0) {
                pt_cli_try_help("process");
                return PT_EXIT_USAGE;
            }
        }
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "pulsetrain process: give exactly one recording\n");
        pt_cli_try_help("process");
        return PT_EXIT_USAGE;
    }
    const char *in = argv[optind];
    char outbuf[1100];
    if (!out) {
        snprintf(outbuf, sizeof outbuf, "%s", in);
        char *slash = strrchr(outbuf, '/'), *dot = strrchr(outbuf, '.');
        if (dot && (!slash || dot > slash) && !strcasecmp(dot, ".gz")) { /* rec.csv.gz: rec.h5 */
            *dot = '\0';
            dot = strrchr(outbuf, '.');
        }
        if (dot && (!slash || dot > slash))
            *dot = '\0';
        size_t l = strlen(outbuf);
        snprintf(outbuf + l, sizeof outbuf - l, ".h5");
        out = outbuf;
    }
    pt_error err = {0};
    pt_summary *s = NULL;
    pt_run_options run = pt_run_defaults();
    run.threads = threads;
    run.scratch_dir = getenv("TMPDIR"); /* the library reads no environment */
    run.cancel = &pt_cli_signal;
    bar pb = {.t0 = mono_s()};
    pb.last_t = pb.t0;
    if (!quiet && isatty(2)) { /* a terminal only: nothing on a pipe or in a log */
        run.progress = draw;
        run.progress_user = &pb;
    }
    int rc = pt_process(in, &ro, &p, &run, out, &s, &err);
    if (pb.drawn) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    if (rc) {
        fprintf(stderr, "pulsetrain process: %s\n", err.msg[0] ? err.msg : pt_strerror(rc));
        return pt_cli_exit_code(rc);
    }
    if (!quiet)
        pt_print_summary(stdout, s, out);
    pt_summary_destroy(s);
    return PT_EXIT_OK;
}
