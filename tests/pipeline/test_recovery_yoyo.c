/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_recovery_yoyo.c — ends of exercise from heart rate alone on the real
 * Yo-Yo chest-strap sessions (../shared/data/hr_recovery; exits 77 without
 * them): every "ok" session's end found within 30 s of the stated end, no end
 * at the two paused tests, and no more false ends than now (the figures of
 * pt-eval-recovery). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_test.h"
#include "pulsetrain/pipeline.h"

/* Field i (0-based) of a CSV line, copied into out. */
static const char *field(const char *line, int i, char *out, size_t n)
{
    const char *p = line;
    for (int k = 0; k < i && p; k++) {
        p = strchr(p, ',');
        if (p)
            p++;
    }
    size_t m = 0;
    while (p && *p && *p != ',' && *p != '\n' && *p != '\r' && m + 1 < n)
        out[m++] = *p++;
    out[m] = 0;
    return out;
}

PT_TEST(yoyo_ends_from_heart_rate_alone)
{
    const char *dir = pt_test_shared_dir();
    char path[1024], line[2048], ses[32], buf[64];
    snprintf(path, sizeof path, "%s/data/hr_recovery/sessions.csv", dir ? dir : "../shared");
    FILE *f = fopen(path, "r");
    if (!f)
        PT_SKIP("no ../shared/data/hr_recovery/sessions.csv");
    /* columns: session 0, gender 3, age 4, test_end_s 8, reference_quality 23 */
    PT_REQUIRE(fgets(line, sizeof line, f) && strstr(line, "session,participant,round,gender,age"));
    PT_REQUIRE(!strcmp(field(line, 8, buf, sizeof buf), "test_end_s"));
    PT_REQUIRE(!strcmp(field(line, 23, buf, sizeof buf), "reference_quality"));
    int n_ok = 0, found_ok = 0, false_all = 0, false_ok = 0;
    while (fgets(line, sizeof line, f)) {
        field(line, 0, ses, sizeof ses);
        double end = strtod(field(line, 8, buf, sizeof buf), NULL);
        int ok = !strcmp(field(line, 23, buf, sizeof buf), "ok");
        pt_params p = pt_params_defaults();
        p.age_y = strtod(field(line, 4, buf, sizeof buf), NULL);
        p.sex = field(line, 3, buf, sizeof buf)[0] == 'M' ? 'm' : 'f';
        snprintf(path, sizeof path, "%s/data/hr_recovery/%s.csv", dir ? dir : "../shared", ses);
        pt_summary *s = NULL;
        pt_error err = {0};
        PT_REQUIRE(pt_process_file(path, NULL, &p, NULL, &s, &err) == PT_OK);
        const pt_table *rc = pt_summary_table_const(s, "recovery");
        const double *te = pt_table_column(rc, "t_end_exercise_s");
        int found = 0;
        for (size_t i = 0; i < pt_table_nrows(rc); i++) {
            if (fabs(te[i] - end) <= 30) {
                found = 1;
                continue;
            }
            fprintf(stderr, "  %s: end at %.0f s, stated end %.0f s\n", ses, te[i], end);
            false_all++;
            false_ok += ok;
            /* the tests paused and restarted (sessions.csv notes): D10_R1 1575-1690 s,
             * D10_R2 975-1096 s; the base commit ended both there */
            if (!strcmp(ses, "D10_R1"))
                PT_CHECK(!(te[i] > 1545 && te[i] < 1690));
            if (!strcmp(ses, "D10_R2"))
                PT_CHECK(!(te[i] > 945 && te[i] < 1096));
        }
        n_ok += ok;
        found_ok += ok && found;
        pt_summary_destroy(s);
    }
    fclose(f);
    fprintf(stderr, "  ok sessions found %d/%d; false ends %d (ok sessions %d)\n", found_ok, n_ok,
            false_all, false_ok);
    PT_CHECK(n_ok == 8);
    PT_CHECK(found_ok == n_ok);
    /* left (the goal is none): D10_R2's warm-up at 554 s (an ok session), and the
     * runner's stop in D08_R1 and D01_R2, within 30 s of the last level's finish but
     * 43-54 s before the stated end. The base commit had 6 (4 in ok sessions) */
    PT_CHECK(false_ok <= 1);
    PT_CHECK(false_all <= 3);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
