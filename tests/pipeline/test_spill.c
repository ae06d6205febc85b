/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_spill.c — scratch-file arrays (core/spill.c) and the order statistic that
 * replaces sorting a whole column (kernels/order.c). */
#define _DEFAULT_SOURCE
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/spill.h"
#include "pipeline/stage.h"
#include "pt_test.h"

/* Resident kB of the mapping that holds p, from /proc/self/smaps; -1 when not found. */
static long resident_kb(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    int in = 0;
    long kb = -1;
    uintptr_t x = (uintptr_t)p;
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b;
        if (sscanf(line, "%lx-%lx ", &a, &b) == 2) { /* a mapping's first line */
            in = x >= a && x < b;
            continue;
        }
        if (in && sscanf(line, "Rss: %ld kB", &kb) == 1)
            break;
    }
    fclose(f);
    return kb;
}

static uint64_t mix(uint64_t i)
{
    return i * 0x9E3779B97F4A7C15ull ^ (i >> 7);
}

/* Past the heap limit the array moves to a scratch file; its contents survive every
 * growth and release, new bytes are zero, and a release drops the pages from this
 * process's resident memory (they come back, unchanged, when read). */
PT_TEST(grows_into_a_scratch_file_and_keeps_its_contents)
{
    pt_spill a = {0};
    size_t n = 0;
    for (size_t want = 1000; want <= 4000000; want = want * 3 / 2) {
        PT_REQUIRE(pt_spill_reserve(&a, want * sizeof(uint64_t)) == 0);
        uint64_t *v = a.p;
        for (size_t i = 0; i < n; i++)
            if (v[i] != mix(i)) {
                PT_FAILF("value %zu lost at capacity %zu", i, want);
                break;
            }
        for (size_t i = n; i < want; i++)
            PT_REQUIRE(v[i] == 0);
        for (size_t i = n; i < want; i++)
            v[i] = mix(i);
        n = want;
        pt_spill_release(&a, 0, n * sizeof(uint64_t) / 2);
    }
    PT_CHECK(a.mapped); /* 32 MB: far past PT_SPILL_HEAP_MAX, and /tmp is writable */
    uint64_t *v = a.p;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) /* reading brings every page back */
        bad += v[i] != mix(i);
    PT_CHECK_INT(0, bad);
    long before = resident_kb(v);
    pt_spill_release(&a, 0, a.cap);
    long after = resident_kb(v);
    if (before >= 0) { /* Linux: the mapping's resident size; n values are 26 MB */
        PT_CHECK(before > (long)(n * sizeof(uint64_t) >> 10) - 64);
        PT_CHECK(after < 64);
    }
    bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += v[i] != mix(i);
    PT_CHECK_INT(0, bad);
    pt_spill_free(&a);
    PT_CHECK(a.p == NULL && a.cap == 0);
}

/* No scratch directory: the array stays on the heap and works the same. */
PT_TEST(without_scratch_space_it_stays_on_the_heap)
{
    pt_scratch sc = pt_scratch_defaults();
    snprintf(sc.dir, sizeof sc.dir, "/nonexistent/pulsetrain-test");
    pt_spill a = {.sc = &sc};
    PT_REQUIRE(pt_spill_reserve(&a, (size_t)8 << 20) == 0);
    PT_CHECK(!a.mapped);
    memset(a.p, 7, (size_t)8 << 20);
    pt_spill_release(&a, 0, a.cap); /* nothing to do on the heap */
    PT_CHECK(((unsigned char *)a.p)[12345] == 7);
    PT_CHECK(!strcmp(pt_spill_dir(&a), "/nonexistent/pulsetrain-test"));
    pt_spill_free(&a);
}

/* A scratch file that cannot grow (here: a 1 MiB file size limit, as a full disk would
 * do) makes reserve fail with the contents intact, never a SIGBUS later; an array that
 * cannot get a scratch file at all stays on the heap. */
PT_TEST(a_full_scratch_disk_is_an_error_not_a_crash)
{
    struct rlimit old, lim;
    PT_REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < ((rlim_t)8 << 20))
        PT_SKIP("file size limit already below 8 MiB");
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of the signal */
    lim = old;
    lim.rlim_cur = (rlim_t)1 << 20;
    PT_REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    pt_spill a = {0}, b = {0};
    int r1 = pt_spill_reserve(&a, (size_t)512 << 10);
    int mapped = a.mapped;
    if (r1 == 0)
        memset(a.p, 0x5a, (size_t)512 << 10);
    int r2 = pt_spill_reserve(&a, (size_t)4 << 20);  /* the file would pass 1 MiB */
    int r3 = pt_spill_reserve(&b, (size_t)16 << 20); /* first spill already too big */
    PT_REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);
    signal(SIGXFSZ, prev);
    PT_CHECK_INT(0, r1);
    PT_CHECK(mapped);
    PT_CHECK_INT(-1, r2);
    PT_CHECK(a.cap == ((size_t)512 << 10));
    size_t bad = 0;
    for (size_t i = 0; r1 == 0 && i < ((size_t)512 << 10); i++)
        bad += ((unsigned char *)a.p)[i] != 0x5a;
    PT_CHECK_INT(0, bad);
    PT_CHECK_INT(0, r3);
    PT_CHECK(!b.mapped);
    pt_spill_free(&a);
    pt_spill_free(&b);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int releases;
static void count_release(const void *arg)
{
    (void)arg;
    releases++;
}

/* pt_kth_value gives exactly the value a sort of the non-NaN values puts at k: random
 * values, heavy ties (heart rates on a 0.5 bpm grid), NaN runs, one distinct value,
 * wide ranges, every k of a small array. */
PT_TEST(kth_value_equals_sorting)
{
    uint64_t st = 12345;
    size_t sizes[] = {1, 2, 3, 17, 1000, 20000, 300000};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        for (int kind = 0; kind < 4; kind++) {
            size_t n = sizes[si], m = 0;
            double *x = malloc(n * sizeof *x), *s = malloc(n * sizeof *s);
            PT_REQUIRE(x && s);
            for (size_t i = 0; i < n; i++) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                double u = (double)(st >> 11) / 9007199254740992.0;
                x[i] = kind == 0   ? 40 + 160 * u
                       : kind == 1 ? floor((60 + 100 * u) * 2) / 2
                       : kind == 2 ? 72.5
                                   : (u - 0.5) * 1e300;
                if (kind != 2 && (i % 97) < 9)
                    x[i] = NAN;
                if (!isnan(x[i]))
                    s[m++] = x[i];
            }
            qsort(s, m, sizeof *s, cmp_double);
            size_t ks[] = {0, m / 20, m / 2, m ? m - 1 : 0};
            for (size_t j = 0; j < 4 && m; j++) {
                double got = NAN;
                releases = 0;
                PT_REQUIRE(pt_kth_value(x, n, ks[j], count_release, NULL, &got) == 0);
                if (got != s[ks[j]])
                    PT_FAILF("n %zu kind %d k %zu: %.17g, sorting gives %.17g", n, kind, ks[j], got,
                             s[ks[j]]);
                PT_CHECK(releases >= (int)(n / PT_RELEASE_ROWS));
            }
            if (n <= 17)
                for (size_t k = 0; k < m; k++) {
                    double got;
                    PT_REQUIRE(pt_kth_value(x, n, k, NULL, NULL, &got) == 0);
                    PT_CHECK(got == s[k]);
                }
            double dummy;
            PT_CHECK(pt_kth_value(x, n, m, NULL, NULL, &dummy) == -1); /* k out of range */
            free(x);
            free(s);
        }
    }
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
