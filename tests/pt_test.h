/* SPDX-License-Identifier: GPL-2.0-or-later
 * pt_test.h — the project's tiny test harness (in the spirit of greatest and
 * liquid's autotest). cmocka 1.1.5's float checks cast to float, too coarse
 * for 1e-10 parity, hence our own.
 *
 *   PT_TEST(name) { PT_CHECK(cond); PT_CHECK_NEAR(exp, got, rtol, atol); }
 *   int main(int argc, char **argv) { return pt_test_main(argc, argv); }
 *
 * Tests register themselves (constructor attribute) in file order; `-t sub`
 * runs those whose name contains sub. A test may call PT_SKIP("why") to exit
 * the whole executable with 77 (CTest SKIP_RETURN_CODE) when optional data
 * is absent. The run ends with "N passed, N failed". */
#ifndef PT_TEST_H
#define PT_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*pt_test_fn)(void);
#define PT_TEST_MAX 512
static struct {
    const char *name;
    pt_test_fn fn;
} pt_tests_[PT_TEST_MAX];
static int pt_ntests_, pt_fail_cur_, pt_checks_;

static void pt_test_register_(const char *name, pt_test_fn fn)
{
    if (pt_ntests_ < PT_TEST_MAX) {
        pt_tests_[pt_ntests_].name = name;
        pt_tests_[pt_ntests_].fn = fn;
        pt_ntests_++;
    }
}

#define PT_TEST(name)                                                                              \
    static void pt_test_##name(void);                                                              \
    __attribute__((constructor)) static void pt_test_reg_##name(void)                              \
    {                                                                                              \
        pt_test_register_(#name, pt_test_##name);                                                  \
    }                                                                                              \
    static void pt_test_##name(void)

#define PT_FAILF(...)                                                                              \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                            \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        pt_fail_cur_++;                                                                            \
    } while (0)

/* Non-fatal check: records the failure and goes on. */
#define PT_CHECK(cond)                                                                             \
    do {                                                                                           \
        pt_checks_++;                                                                              \
        if (!(cond))                                                                               \
            PT_FAILF("check failed: %s", #cond);                                                   \
    } while (0)

/* Fatal check: records the failure and leaves the test. */
#define PT_REQUIRE(cond)                                                                           \
    do {                                                                                           \
        pt_checks_++;                                                                              \
        if (!(cond)) {                                                                             \
            PT_FAILF("requirement failed: %s", #cond);                                             \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* |got - exp| <= atol + rtol*|exp|; NaN equals NaN. */
#define PT_CHECK_NEAR(exp, got, rtol, atol)                                                        \
    do {                                                                                           \
        double e_ = (exp), g_ = (got);                                                             \
        pt_checks_++;                                                                              \
        if (!(isnan(e_) && isnan(g_)) && !(fabs(g_ - e_) <= (atol) + (rtol)*fabs(e_)))             \
            PT_FAILF("%s: expected %.17g, got %.17g, diff %.3g", #got, e_, g_, g_ - e_);           \
    } while (0)

#define PT_CHECK_INT(exp, got)                                                                     \
    do {                                                                                           \
        long long e_ = (long long)(exp), g_ = (long long)(got);                                    \
        pt_checks_++;                                                                              \
        if (e_ != g_)                                                                              \
            PT_FAILF("%s: expected %lld, got %lld", #got, e_, g_);                                 \
    } while (0)

#define PT_CHECK_STR_CONTAINS(hay, needle)                                                         \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        pt_checks_++;                                                                              \
        if (!h_ || !strstr(h_, n_))                                                                \
            PT_FAILF("%s: \"%s\" does not contain \"%s\"", #hay, h_ ? h_ : "(null)", n_);          \
    } while (0)

#define PT_SKIP(...)                                                                               \
    do {                                                                                           \
        fprintf(stderr, "SKIP: ");                                                                 \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        exit(77);                                                                                  \
    } while (0)

/* Directory of ../shared (PT_SHARED_DIR, set by CTest), or NULL. */
static inline const char *pt_test_shared_dir(void)
{
    const char *d = getenv("PT_SHARED_DIR");
    return d && *d ? d : NULL;
}

static inline int pt_test_main(int argc, char **argv)
{
    const char *filter = NULL;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-t") && i + 1 < argc)
            filter = argv[++i];
    int passed = 0, failed = 0;
    for (int i = 0; i < pt_ntests_; i++) {
        if (filter && !strstr(pt_tests_[i].name, filter))
            continue;
        pt_fail_cur_ = 0;
        pt_tests_[i].fn();
        if (pt_fail_cur_) {
            failed++;
            fprintf(stderr, "FAIL %s\n", pt_tests_[i].name);
        } else {
            passed++;
            fprintf(stderr, "ok   %s\n", pt_tests_[i].name);
        }
    }
    fprintf(stderr, "%d passed, %d failed (%d checks)\n", passed, failed, pt_checks_);
    return failed ? 1 : (passed ? 0 : 1);
}

/* pt_test_main, then remove the test's scratch directory dir (when it was made: dir[0]). */
static inline int pt_test_main_rmdir(int argc, char **argv, const char *dir)
{
    int rc = pt_test_main(argc, argv);
    if (dir[0]) {
        char cmd[1100];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return rc;
}

#endif
