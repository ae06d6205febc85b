/* SPDX-License-Identifier: GPL-2.0-or-later
 * pt_bench.c — the benchmark driver: runs every registered case (or those whose name
 * contains -s SUBSTRING), prints time per call, samples/s, x real time and the ratio to
 * its in-process baseline; --json FILE saves the results (bench/scipy_kernels.py reads it
 * and adds the scipy/numpy column).
 * Timing (liquid-dsp style): CLOCK_MONOTONIC, one warm-up call, iterations scaled until a
 * repeat lasts >= 0.2 s, median of 5 repeats (--quick: >= 0.01 s, 1 repeat). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pt_bench.h"

#include "bench_registry.h" /* generated: needs pt_bench.h first */
#include "pulsetrain/pulsetrain.h"

#ifndef PT_COMPILER
#define PT_COMPILER "unknown compiler"
#endif
#ifndef PT_CFLAGS
#define PT_CFLAGS ""
#endif

typedef struct result {
    const pt_bench_case *c;
    double sec; /* median seconds per call */
    int done;
} result;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void cpu_name(char *buf, size_t len)
{
    snprintf(buf, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            char *p = strchr(line, ':');
            if (p) {
                p += 2;
                p[strcspn(p, "\n")] = '\0';
                snprintf(buf, len, "%s", p);
            }
            break;
        }
    fclose(f);
}

static double measure(const pt_bench_case *c, int quick, int *ok)
{
    void *st = c->setup(c->n, c->fs_hz);
    *ok = st != NULL;
    if (!st)
        return 0;
    c->run(st); /* warm-up */
    double min_s = quick ? 0.01 : 0.2;
    long iters = 1;
    for (;;) { /* scale iterations until one repeat lasts >= min_s */
        double t0 = now();
        for (long i = 0; i < iters; i++)
            c->run(st);
        double dt = now() - t0;
        if (dt >= min_s)
            break;
        long next = dt > 0 ? (long)(iters * (min_s * 1.2 / dt)) + 1 : iters * 10;
        iters = next > iters * 10 ? iters * 10 : next;
    }
    int reps = quick ? 1 : 5;
    double t[5];
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        for (long i = 0; i < iters; i++)
            c->run(st);
        t[r] = (now() - t0) / (double)iters;
    }
    c->teardown(st);
    qsort(t, (size_t)reps, sizeof t[0], cmpd);
    return t[reps / 2];
}

static const pt_bench_case *find_case(const char *name)
{
    for (size_t m = 0; pt_bench_registry[m]; m++)
        for (const pt_bench_case *c = pt_bench_registry[m]; c->name; c++)
            if (!strcmp(c->name, name))
                return c;
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: pt-bench [-s SUBSTRING] [--quick] [--json FILE] [--list]\n"
               "  -s SUBSTRING  run only cases whose name contains SUBSTRING (baselines too)\n"
               "  --quick       one short repeat per case (smoke test)\n"
               "  --json FILE   also write the results as JSON\n"
               "  --list        print the case names and exit\n");
}

int main(int argc, char **argv)
{
    const char *sub = NULL, *json = NULL;
    int quick = 0, list = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-s") && i + 1 < argc)
            sub = argv[++i];
        else if (!strcmp(argv[i], "--json") && i + 1 < argc)
            json = argv[++i];
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--list"))
            list = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 1;
        }
    }
    size_t ncase = 0;
    for (size_t m = 0; pt_bench_registry[m]; m++)
        for (const pt_bench_case *c = pt_bench_registry[m]; c->name; c++)
            ncase++;
    if (list) {
        for (size_t m = 0; pt_bench_registry[m]; m++)
            for (const pt_bench_case *c = pt_bench_registry[m]; c->name; c++)
                printf("%s\n", c->name);
        return 0;
    }
    result *res = calloc(ncase ? ncase : 1, sizeof *res);
    if (!res)
        return 3;
    char cpu[256];
    cpu_name(cpu, sizeof cpu);
    printf("# pt-bench pulsetrain %s | %s | flags: %s | CPU: %s%s\n", PT_VERSION_STRING,
           PT_COMPILER, PT_CFLAGS, cpu, quick ? " | QUICK (not for reporting)" : "");
    printf("%-34s %10s %12s %12s %10s  %s\n", "case", "n", "time/call", "samples/s", "x realtime",
           "vs baseline");
    size_t k = 0;
    int failed = 0;
    /* pass 1: selected cases and their baselines, in registry order */
    for (size_t m = 0; pt_bench_registry[m]; m++)
        for (const pt_bench_case *c = pt_bench_registry[m]; c->name; c++, k++) {
            res[k].c = c;
            int sel = !sub || strstr(c->name, sub);
            if (!sel) /* run a baseline if a selected case needs it */
                for (size_t mm = 0; pt_bench_registry[mm] && !sel; mm++)
                    for (const pt_bench_case *d = pt_bench_registry[mm]; d->name; d++)
                        if (strstr(d->name, sub) && d->baseline && !strcmp(d->baseline, c->name))
                            sel = 1;
            if (!sel)
                continue;
            int ok;
            res[k].sec = measure(c, quick, &ok);
            res[k].done = ok;
            if (!ok) {
                fprintf(stderr, "pt-bench: %s: setup failed\n", c->name);
                failed = 1;
            }
        }
    for (size_t i = 0; i < ncase; i++) {
        if (!res[i].done)
            continue;
        const pt_bench_case *c = res[i].c;
        double sps = (double)c->n / res[i].sec;
        char rt[32] = "-", ratio[96] = "";
        if (c->fs_hz > 0)
            snprintf(rt, sizeof rt, "%.0f", sps / c->fs_hz);
        if (c->baseline) {
            const pt_bench_case *b = find_case(c->baseline);
            for (size_t j = 0; b && j < ncase; j++)
                if (res[j].c == b && res[j].done)
                    snprintf(ratio, sizeof ratio, "%.2fx vs %s", res[j].sec / res[i].sec, b->name);
        }
        char tc[32];
        if (res[i].sec < 1e-3)
            snprintf(tc, sizeof tc, "%.2f us", res[i].sec * 1e6);
        else
            snprintf(tc, sizeof tc, "%.3f ms", res[i].sec * 1e3);
        printf("%-34s %10zu %12s %12.3g %10s  %s\n", c->name, c->n, tc, sps, rt, ratio);
    }
    if (json) {
        FILE *f = fopen(json, "w");
        if (!f) {
            fprintf(stderr, "pt-bench: %s: cannot write\n", json);
            free(res);
            return 3;
        }
        fprintf(f,
                "{\n  \"version\": \"%s\",\n  \"compiler\": \"%s\",\n  \"cflags\": \"%s\",\n"
                "  \"cpu\": \"%s\",\n  \"quick\": %d,\n  \"cases\": [",
                PT_VERSION_STRING, PT_COMPILER, PT_CFLAGS, cpu, quick);
        int first = 1;
        for (size_t i = 0; i < ncase; i++) {
            if (!res[i].done)
                continue;
            const pt_bench_case *c = res[i].c;
            fprintf(f,
                    "%s\n    {\"name\": \"%s\", \"n\": %zu, \"fs_hz\": %g, \"sec_per_call\": "
                    "%.9g, \"baseline\": %s%s%s}",
                    first ? "" : ",", c->name, c->n, c->fs_hz, res[i].sec, c->baseline ? "\"" : "",
                    c->baseline ? c->baseline : "null", c->baseline ? "\"" : "");
            first = 0;
        }
        fprintf(f, "\n  ]\n}\n");
        if (fclose(f) != 0) {
            free(res);
            return 3;
        }
    }
    free(res);
    return failed ? 2 : 0;
}
