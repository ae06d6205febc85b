/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_twins.c — the same recording in two formats gives the same summary:
 * the PhysioNet wrist-PPG record as EDF (../shared/data/formats/edf) and as
 * its CSV twin (../shared/data/wrist_ppg_exercise).
 * Tolerance: the CSV prints PPG with 0.01 mV steps and acceleration with
 * 1e-4 m/s^2 steps (README), so derived figures agree to that rounding, not
 * to the bit: heart rate to 0.01 bpm, ENMO/MAD to 0.01 mg; classes, window
 * times and beat times exactly. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pt_test.h"
#include "pulsetrain/pipeline.h"

#define TWIN_BPM_ATOL 0.01 /* bpm */
#define TWIN_MG_ATOL 0.01  /* mg */

static void compare(const char *name)
{
    const char *dir = pt_test_shared_dir();
    if (!dir)
        PT_SKIP("PT_SHARED_DIR not set: no real data");
    char edf[1024], csv[1024];
    snprintf(edf, sizeof edf, "%s/data/formats/edf/%s.edf", dir, name);
    snprintf(csv, sizeof csv, "%s/data/wrist_ppg_exercise/%s.csv", dir, name);
    FILE *f = fopen(edf, "rb");
    if (!f)
        PT_SKIP("%s absent", edf);
    fclose(f);
    pt_error err = {0};
    pt_summary *a = NULL, *b = NULL;
    PT_REQUIRE(pt_process_file(edf, NULL, NULL, NULL, &a, &err) == PT_OK);
    PT_REQUIRE(pt_process_file(csv, NULL, NULL, NULL, &b, &err) == PT_OK);
    static const struct {
        const char *table, *col;
        double atol;
    } cols[] = {
        {"hr", "t_start_s", 0},
        {"hr", "bpm", TWIN_BPM_ATOL},
        {"epochs", "t_start_s", 0},
        {"epochs", "enmo_mg", TWIN_MG_ATOL},
        {"epochs", "mad_mg", TWIN_MG_ATOL},
        {"epochs", "class", 0},
        {"beats", "t_s", 0},
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        const pt_table *ta = pt_summary_table_const(a, cols[i].table);
        const pt_table *tb = pt_summary_table_const(b, cols[i].table);
        PT_CHECK_INT(pt_table_nrows(ta), pt_table_nrows(tb));
        if (strcmp(cols[i].table, "beats")) /* running: every beat is in heavy motion */
            PT_CHECK(pt_table_nrows(ta) > 0);
        const double *x = pt_table_column(ta, cols[i].col), *y = pt_table_column(tb, cols[i].col);
        for (size_t r = 0; r < pt_table_nrows(ta) && r < pt_table_nrows(tb); r++)
            PT_CHECK_NEAR(x[r], y[r], 0, cols[i].atol);
    }
    pt_summary_destroy(a);
    pt_summary_destroy(b);
}

PT_TEST(edf_and_csv_twin_s2_walk)
{
    compare("s2_walk");
}
PT_TEST(edf_and_csv_twin_s3_run)
{
    compare("s3_run");
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
