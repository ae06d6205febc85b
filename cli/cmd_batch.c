/* SPDX-License-Identifier: GPL-2.0-or-later
 * cmd_batch.c — `pulsetrain batch DIR|MANIFEST.csv -o OUTDIR [-j N] [--resume]`. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cluster.h"
#include "cli/commands.h"
#include "cli/readopts.h"
#include "pulsetrain/batch.h"

static void usage(FILE *f)
{
    fprintf(
        f, "usage: pulsetrain batch DIR|MANIFEST.csv -o OUTDIR [-j N] [--resume] [options]\n"
           "Analyse many recordings, one HDF5 summary each (OUTDIR/<name>.h5), and index them\n"
           "in OUTDIR/batch.h5 (status, error, summary path and key figures per recording);\n"
           "OUTDIR/batch.journal.tsv logs each recording as it finishes.\n"
           "A folder is scanned with its subfolders. Recordings are what a reader recognises\n"
           "(E4 zips and folders, WFDB, EDF, audio, CWA, ...), files named like one (a broken\n"
           "one fails with its reason) and CSV/TSV/TXT whose header names a signal column and a\n"
           "time column. Every other file (truth, label or manifest CSVs, README, WFDB data\n"
           "files, HDF5, unknown formats) is listed as skipped, with the reason, in the index\n"
           "and the journal; OUTDIR and its files are never taken as input.\n"
           "A manifest is a CSV with a header row and the columns path (relative to the\n"
           "manifest) and, optionally, subject_id, age, sex, hr_rest, hr_max, tz, start_time\n"
           "(ISO 8601, for a file without absolute time: as process --start); a value there\n"
           "wins over the option.\n"
           "Cohort tables: OUTDIR/recordings.csv (one row per file) and OUTDIR/days.csv (one\n"
           "per recording-day), also in batch.h5; `pulsetrain collate OUTDIR` rebuilds them.\n\n"
           "  -o, --output DIR      folder for the summaries (required; created if missing)\n"
           "  -j, --jobs N          worker threads (default: the cores this process may use;\n"
           "                        in a scheduler's job, the cores it was given)\n"
           "      --resume          keep summaries whose source hash and parameters match\n"
           "      --shard K/N       run part K of N (balanced by size) as one task of a job\n"
           "                        array: its summaries and OUTDIR/batch.journal.K-of-N.tsv,\n"
           "                        no index (`pulsetrain collate OUTDIR` afterwards). Default\n"
           "                        in an array job: from SLURM_ARRAY_TASK_* or SGE_TASK_*;\n"
           "                        -j then defaults to SLURM_CPUS_PER_TASK (NSLOTS, NCPUS) or 1\n"
           "      --print-slurm N   print a script submitting this batch as N Slurm array\n"
           "                        tasks plus a collate job after them (docs/cluster.md)\n"
           "      --include GLOB    only files whose path relative to DIR matches (fnmatch;\n"
           "                        '*' also matches '/': '*.csv', 'P01/*'); repeatable\n"
           "      --exclude GLOB    leave out files and subfolders whose relative path\n"
           "                        matches ('*_levels.csv', 'formats'); repeatable\n"
           "      --no-recursion    only DIR's own files, not its subfolders\n"
           "Subject and parameters for every recording (as in `process`; a manifest's\n"
           "columns win per recording):\n"
           "      --subject ID      subject id\n"
           "      --subject-from name|folder|none  a recording without a subject id (no\n"
           "                        --subject, none in the manifest) takes its own name\n"
           "                        (default: each file is one participant, as in GGIR),\n"
           "                        the name of the folder holding it (one folder per\n"
           "                        participant), or none (load then takes all such\n"
           "                        recordings as one person's)\n"
           "      --age YEARS       age (HRmax = 208 - 0.7 age, Tanaka 2001)\n"
           "      --sex m|f         sex (TRIMP weighting)\n"
           "      --hr-rest BPM     resting heart rate (default: estimated per recording)\n"
           "      --hr-max BPM      maximum heart rate (default: from the age)\n"
           "      --start TIME      start of files without absolute time (ISO 8601)\n"
           "      --hr-window S     heart-rate window (default 8 s)\n"
           "      --hr-step S       heart-rate step (default 2 s)\n"
           "      --epoch S         motion epoch (default 5 s)\n"
           "      --tz ZONE         local time for /daily: UTC (default), +02:00, or an IANA name\n"
           "      --run-cadence SPM rhythmic gait at or above this is running (default 140)\n"
           "      --bout-min S      shortest bout (default 60 s)\n"
           "      --bout-tolerance S  longest interruption inside a bout (default 10 s)\n"
           "      --no-calibrate    do not auto-calibrate the accelerometer (van Hees 2014)\n"
           "  -q, --quiet           no progress, only errors\n"
           "  -h, --help\n\n"
           "Exit codes: 0 all done, 1 usage, 2 bad input list, 3 output failure,\n"
           "4 partial batch (some recordings failed; see OUTDIR/batch.h5).\n");
    pt_cli_read_help(f);
}

typedef struct ui {
    int tty, quiet, bar_shown;
    double rate, rate_t, rate_done, last_draw; /* signal s per wall s, smoothed */
} ui;

static void fmt_time(double s, char *out, size_t len)
{
    if (!isfinite(s) || s < 0)
        snprintf(out, len, "--:--");
    else if (s >= 3600)
        snprintf(out, len, "%d:%02d:%02d", (int)(s / 3600), (int)fmod(s / 60, 60),
                 (int)fmod(s, 60));
    else
        snprintf(out, len, "%d:%02d", (int)(s / 60), (int)fmod(s, 60));
}

static void progress(const pt_batch_progress *p, void *user)
{
    ui *u = user;
    const pt_batch_result *r = p->last;
    if (!r && (!u->tty || u->quiet))
        return; /* a block inside a recording: only the terminal's bar moves with it */
    if (!r && p->elapsed_s - u->last_draw < 0.2)
        return;
    u->last_draw = p->elapsed_s;
    size_t fin = p->done + p->skipped + p->failed;
    /* signal read in this run, the finished recordings and those running */
    double sig = p->signal_s + p->signal_running_s;
    /* rate: signal seconds per wall second, over at least 2 s, smoothed with a 10-s time
     * constant so that a recording finishing does not make the estimate jump */
    if (p->elapsed_s - u->rate_t >= 2 && sig > u->rate_done) {
        double dt = p->elapsed_s - u->rate_t, inst = (sig - u->rate_done) / dt;
        double w = u->rate > 0 ? 1 - exp(-dt / 10) : 1;
        u->rate += w * (inst - u->rate);
        u->rate_t = p->elapsed_s;
        u->rate_done = sig;
    }
    double rate = u->rate > 0 ? u->rate : p->elapsed_s > 0 ? sig / p->elapsed_s : 0;
    /* signal per byte seen so far (skipped and failed recordings take no time and are not
     * counted): turns the bytes left into signal left, and the signal read in a recording of
     * unknown length (CSV) into bytes */
    double spb = p->bytes_processed > 0 ? p->signal_s / p->bytes_processed
                 : p->bytes_running > 0 ? p->signal_running_known_s / p->bytes_running
                                        : (double)NAN;
    double bytes = p->bytes_done + p->bytes_running;
    double unknown_s = p->signal_running_s - p->signal_running_known_s;
    if (unknown_s > 0 && spb > 0)
        bytes += unknown_s / spb;
    bytes = fmin(bytes, p->bytes_total);
    double frac = p->bytes_total > 0 ? bytes / p->bytes_total
                                     : (double)fin / (double)(p->total ? p->total : 1);
    double left = fin == p->total             ? 0
                  : rate > 0 && isfinite(spb) ? fmax(p->bytes_total - bytes, 0) * spb / rate
                                              : (double)NAN;
    rate /= 3600.0; /* h / s */
    char tl[32];
    fmt_time(left, tl, sizeof tl);
    if (u->tty) {
        if (r && r->state == PT_BATCH_FAILED)
            fprintf(stderr, "\r\033[Kfailed: %s\n", r->error.msg);
        if (u->quiet)
            return;
        int width = 24, full = (int)(frac * width + 0.5);
        char bar[32];
        for (int i = 0; i < width; i++)
            bar[i] = i < full ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r\033[K[%s] %zu/%zu recordings  %.1f h signal  %.2f h/s  %s left", bar,
                fin, p->total, sig / 3600.0, rate, tl);
        if (fin == p->total)
            fprintf(stderr, "\n");
        fflush(stderr);
        return;
    }
    if (r->state == PT_BATCH_FAILED) {
        fprintf(stderr, "pulsetrain batch: [%zu/%zu] failed: %s\n", fin, p->total, r->error.msg);
        return;
    }
    if (u->quiet)
        return;
    char len[32] = "length unknown";
    if (isfinite(r->duration_s))
        snprintf(len, sizeof len, "%.1f h", r->duration_s / 3600.0);
    fprintf(stderr,
            "pulsetrain batch: [%zu/%zu] %s %s -> %s (%s in %.1f s); %.1f h signal, "
            "%.2f h/s, %s left\n",
            fin, p->total, r->state == PT_BATCH_SKIPPED ? "kept" : "done", r->path, r->summary, len,
            r->wall_s, p->signal_s / 3600.0, rate, tl);
}

int pt_cmd_batch(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"jobs", required_argument, 0, 'j'},
                                         {"resume", no_argument, 0, 'R'},
                                         {"shard", required_argument, 0, 'K'},
                                         {"print-slurm", required_argument, 0, 'P'},
                                         PT_CLI_READ_LONGOPTS,
                                         PT_CLI_PARAM_LONGOPTS,
                                         {"include", required_argument, 0, 'I'},
                                         {"exclude", required_argument, 0, 'X'},
                                         {"no-recursion", no_argument, 0, 'D'},
                                         {"subject-from", required_argument, 0, 'F'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    pt_params p = pt_params_defaults();
    pt_read_options ro = pt_read_defaults();
    pt_batch_options bo = pt_batch_defaults();
    bo.nworkers = 0; /* -j, or the allocation's cores (below) */
    pt_shard shard = {0};
    int print_slurm = 0;
    bo.scratch_dir = getenv("TMPDIR"); /* the library reads no environment */
    bo.cancel = &pt_cli_signal;
    ui u = {.tty = isatty(2), .quiet = 0};
    pt_batch_scan_options so = {0};
    /* each file is one participant unless told otherwise (GGIR's convention): load then never
     * merges different people's anonymous recordings into one subject's days */
    so.subject_from = PT_BATCH_SUBJECT_NAME;
    const char *inc[64], *exc[64];
    so.include = inc;
    so.exclude = exc;
    const char *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 1024) {
                fprintf(stderr,
                        "pulsetrain batch: -j needs a number of workers in 1..1024, not "
                        "'%s'\n",
                        optarg);
                return PT_EXIT_USAGE;
            }
            bo.nworkers = (int)v;
            break;
        }
        case 'R': bo.resume = 1; break;
        case 'K':
            if (pt_cli_parse_shard(optarg, &shard.k, &shard.n)) {
                fprintf(stderr, "pulsetrain batch: --shard needs K/N with 1 <= K <= N, not '%s'\n",
                        optarg);
                return PT_EXIT_USAGE;
            }
            snprintf(shard.source, sizeof shard.source, "--shard");
            break;
        case 'P': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 1000000) {
                fprintf(stderr,
                        "pulsetrain batch: --print-slurm needs a number of tasks, not '%s'\n",
                        optarg);
                return PT_EXIT_USAGE;
            }
            print_slurm = (int)v;
            break;
        }
        case 'I':
        case 'X': {
            size_t *k = c == 'I' ? &so.n_include : &so.n_exclude;
            if (*k == 64) {
                fprintf(stderr, "pulsetrain batch: at most 64 --include and 64 --exclude\n");
                return PT_EXIT_USAGE;
            }
            (c == 'I' ? inc : exc)[(*k)++] = optarg;
            break;
        }
        case 'D': so.no_recursion = 1; break;
        case 'F':
            if (!strcmp(optarg, "name"))
                so.subject_from = PT_BATCH_SUBJECT_NAME;
            else if (!strcmp(optarg, "folder"))
                so.subject_from = PT_BATCH_SUBJECT_FOLDER;
            else if (!strcmp(optarg, "none"))
                so.subject_from = 0;
            else {
                fprintf(stderr,
                        "pulsetrain batch: --subject-from takes name, folder or none, not '%s'\n",
                        optarg);
                return PT_EXIT_USAGE;
            }
            break;
        case 'q': u.quiet = 1; break;
        case 'h': usage(stdout); return PT_EXIT_OK;
        default: {
            int r = pt_cli_param_option(c, optarg, &p, "batch");
            if (r == 0)
                r = pt_cli_read_option(c, optarg, &ro, "batch");
            if (r < 0)
                return PT_EXIT_USAGE;
            if (r == 0) {
                pt_cli_try_help("batch");
                return PT_EXIT_USAGE;
            }
        }
        }
    }
    if (optind != argc - 1 || !out) {
        fprintf(stderr, "pulsetrain batch: give one folder or manifest and -o OUTDIR\n");
        pt_cli_try_help("batch");
        return PT_EXIT_USAGE;
    }
    pt_error err = {0};
    /* one task of a job array: the part, and no more threads than the cores given to it */
    if (!shard.n && !print_slurm && pt_shard_from_env(getenv, &shard, &err)) {
        fprintf(stderr, "pulsetrain batch: %s\n", err.msg);
        return PT_EXIT_USAGE;
    }
    int sched_cpus = pt_shard_cpus_from_env(getenv);
    if (!bo.nworkers)
        bo.nworkers = sched_cpus > 0 ? sched_cpus : pt_cli_cpus();
    else if (sched_cpus > 0 && bo.nworkers > sched_cpus && !print_slurm) {
        fprintf(stderr, "pulsetrain batch: -j %d but the scheduler gave this task %d core%s: %d\n",
                bo.nworkers, sched_cpus, sched_cpus > 1 ? "s" : "", sched_cpus);
        bo.nworkers = sched_cpus;
    }
    pt_batch *b = pt_batch_create_ex(argv[optind], out, &p, &ro, &so, &err);
    if (!b) {
        fprintf(stderr, "pulsetrain batch: %s\n", err.msg[0] ? err.msg : pt_strerror(err.code));
        return pt_cli_exit_code(err.code);
    }
    size_t all = pt_batch_count(b);
    double all_bytes = 0;
    for (size_t i = 0; i < all; i++)
        all_bytes += pt_batch_result_at(b, i)->bytes;
    if (print_slurm) {
        int prc = pt_cli_print_slurm(stdout, argc, argv, opts, out, print_slurm, all, all_bytes);
        pt_batch_destroy(b);
        if (prc || fflush(stdout)) {
            fprintf(stderr, "pulsetrain batch: cannot write the script\n");
            return PT_EXIT_OUTPUT;
        }
        return PT_EXIT_OK;
    }
    if (shard.n) {
        if (pt_batch_shard(b, shard.k, shard.n, &err)) {
            fprintf(stderr, "pulsetrain batch: %s\n", err.msg);
            pt_batch_destroy(b);
            return pt_cli_exit_code(err.code);
        }
        double mine = 0;
        for (size_t i = 0; i < pt_batch_count(b); i++)
            mine += pt_batch_result_at(b, i)->bytes;
        /* printed even with -q: a task's log says which part it ran */
        fprintf(
            stderr, "pulsetrain batch: shard %d/%d (%s): %zu of %zu recordings, %.1f of %.1f MB\n",
            shard.k, shard.n, shard.source, pt_batch_count(b), all, mine / 1e6, all_bytes / 1e6);
    }
    bo.progress = progress;
    bo.user = &u;
    size_t nrec = 0, nskip = 0;
    for (size_t i = 0; i < pt_batch_count(b); i++) {
        int notrec = pt_batch_result_at(b, i)->state == PT_BATCH_NOT_RECORDING;
        nrec += !notrec;
        nskip += notrec;
    }
    if (!u.quiet)
        fprintf(stderr,
                "pulsetrain batch: %zu recordings (%zu other files skipped), %d workers%s -> %s\n",
                nrec, nskip, bo.nworkers, bo.resume ? ", resuming" : "", out);
    int rc = pt_batch_run(b, &bo, &err);
    size_t n = pt_batch_count(b), ok = 0, kept = 0, bad = 0;
    double sig = 0;
    for (size_t i = 0; i < n; i++) {
        const pt_batch_result *r = pt_batch_result_at(b, i);
        ok += r->state == PT_BATCH_DONE;
        kept += r->state == PT_BATCH_SKIPPED;
        bad += r->state == PT_BATCH_FAILED;
        if (r->state != PT_BATCH_FAILED && isfinite(r->duration_s))
            sig += r->duration_s;
    }
    pt_batch_destroy(b);
    if (rc == PT_EIO || rc == PT_ENOMEM || rc == PT_EINVAL || rc == PT_ECANCELED) {
        fprintf(stderr, "pulsetrain batch: %s\n", err.msg[0] ? err.msg : pt_strerror(rc));
        return pt_cli_exit_code(rc);
    }
    if (shard.n > 1)
        fprintf(stderr,
                "pulsetrain batch: shard %d/%d: %zu processed, %zu kept, %zu failed, %zu skipped "
                "(not recordings); %.1f h of signal; journal %s/batch.journal.%d-of-%d.tsv (when "
                "every part is done: pulsetrain collate %s)\n",
                shard.k, shard.n, ok, kept, bad, nskip, sig / 3600.0, out, shard.k, shard.n, out);
    else
        fprintf(
            stderr,
            "pulsetrain batch: %zu processed, %zu kept, %zu failed, %zu skipped (not recordings); "
            "%.1f h of signal; index %s/batch.h5, tables %s/recordings.csv and days.csv\n",
            ok, kept, bad, nskip, sig / 3600.0, out, out);
    return rc ? PT_EXIT_PARTIAL : PT_EXIT_OK;
}
