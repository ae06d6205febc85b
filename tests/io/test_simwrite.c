/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_simwrite.c — `pulsetrain simulate`'s FLAC and WFDB output read back by
 * the FLAC (libsndfile) and WFDB readers with --format auto (every
 * reader tested round trip), against the generator's own samples.
 * Tolerances are the formats' quantisation: WFDB gain 1000/au and 1000/g ->
 * half a step, 5e-4 (the simulator's acc is on a 1 mg grid, so acc is exact);
 * FLAC 24-bit with full scale 32 au / 8 g -> half a step, 2e-6 au / 5e-7 g. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_test.h"
#include "pulsetrain/io.h"
#include "pulsetrain/pipeline.h"
#include "pulsetrain/simulate.h"

#define NSEC 300
#define FS_PPG 64
#define FS_ACC 32
#define WFDB_TOL 5e-4 /* half a step of gain 1000 */
#define FLAC_PPG_TOL 2e-6
#define FLAC_ACC_TOL 5e-7

static double ppg[NSEC * FS_PPG], ax[NSEC * FS_PPG], ay[NSEC * FS_PPG], az[NSEC * FS_PPG];
static char dir[64];

static pt_sim_config config(void)
{
    pt_sim_config c = pt_sim_defaults();
    c.duration_s = NSEC;
    c.seed = 11;
    c.scenario = PT_SIM_INTERVALS;
    c.fs_ppg_hz = FS_PPG;
    c.fs_acc_hz = FS_ACC;
    return c;
}

static void truth(void)
{
    pt_sim_config c = config();
    pt_error err = {0};
    pt_sim *s = pt_sim_create(&c, &err);
    size_t n;
    if (!s || pt_sim_read(s, NSEC * FS_PPG, NULL, ppg, ax, ay, az, &n, &err) || n != NSEC * FS_PPG)
        abort();
    pt_sim_destroy(s);
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/pt_simwrite_XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
}

/* Read every channel of path; x[c] gets channel c (kinds ppg, acc_x/y/z expected). */
static void read_back(const char *path, double *out[4], size_t n_out[4], double fs[4])
{
    pt_error err = {0};
    pt_reader *r = pt_reader_open(path, NULL, &err);
    if (!r)
        fprintf(stderr, "%s\n", err.msg);
    PT_REQUIRE(r != NULL);
    const pt_recording_info *info = pt_reader_info(r);
    int map[4] = {-1, -1, -1, -1};
    for (size_t c = 0; c < info->nchan; c++) {
        pt_kind k = info->chan[c].kind;
        int slot = k == PT_KIND_PPG                           ? 0
                   : k >= PT_KIND_ACC_X && k <= PT_KIND_ACC_Z ? 1 + (int)(k - PT_KIND_ACC_X)
                                                              : -1;
        if (slot >= 0) {
            map[slot] = (int)c;
            fs[slot] = info->chan[c].fs_hz;
        }
    }
    for (int k = 0; k < 4; k++)
        PT_CHECK(map[k] >= 0); /* kinds come from the file, no --channels needed */
    pt_block *b = pt_block_create(info, 4096, &err);
    for (;;) {
        PT_REQUIRE(pt_reader_read(r, b, &err) == PT_OK);
        size_t tot = 0;
        for (int k = 0; k < 4; k++) {
            if (map[k] < 0)
                continue;
            for (size_t i = 0; i < b->n[map[k]] && n_out[k] < NSEC * FS_PPG; i++)
                out[k][n_out[k]++] = b->x[map[k]][i];
            tot += b->n[map[k]];
        }
        if (!tot)
            break;
    }
    pt_block_destroy(b);
    pt_reader_close(r);
}

PT_TEST(wfdb_round_trip)
{
    truth();
    pt_sim_config c = config();
    pt_error err = {0};
    pt_sim *s = pt_sim_create(&c, &err);
    char path[128];
    snprintf(path, sizeof path, "%s/sim.hea", dir);
    PT_REQUIRE(s && pt_sim_write_wfdb(s, path, &err) == PT_OK);
    pt_sim_destroy(s);
    static double b0[NSEC * FS_PPG], b1[NSEC * FS_PPG], b2[NSEC * FS_PPG], b3[NSEC * FS_PPG];
    double *out[4] = {b0, b1, b2, b3}, fs[4] = {0};
    size_t n[4] = {0};
    read_back(path, out, n, fs);
    PT_CHECK_INT(NSEC * FS_PPG, n[0]);
    PT_CHECK_INT(NSEC * FS_ACC, n[1]);
    PT_CHECK_NEAR(FS_PPG, fs[0], 0, 0);
    PT_CHECK_NEAR(FS_ACC, fs[1], 0, 0);
    double worst_p = 0, worst_a = 0;
    for (size_t i = 0; i < n[0]; i++)
        worst_p = fmax(worst_p, fabs(b0[i] - ppg[i]));
    for (size_t i = 0; i < n[1]; i++) {
        size_t row = i * (FS_PPG / FS_ACC); /* the simulator's acc rows */
        worst_a = fmax(worst_a, fabs(b1[i] - ax[row]));
        worst_a = fmax(worst_a, fabs(b2[i] - ay[row]));
        worst_a = fmax(worst_a, fabs(b3[i] - az[row]));
    }
    PT_CHECK(worst_p <= WFDB_TOL);
    PT_CHECK(worst_a <= WFDB_TOL);
}

PT_TEST(flac_round_trip)
{
    truth();
    pt_sim_config c = config();
    pt_error err = {0};
    pt_sim *s = pt_sim_create(&c, &err);
    char path[128];
    snprintf(path, sizeof path, "%s/sim.flac", dir);
    PT_REQUIRE(s && pt_sim_write_flac(s, path, &err) == PT_OK);
    pt_sim_destroy(s);
    static double b0[NSEC * FS_PPG], b1[NSEC * FS_PPG], b2[NSEC * FS_PPG], b3[NSEC * FS_PPG];
    double *out[4] = {b0, b1, b2, b3}, fs[4] = {0};
    size_t n[4] = {0};
    read_back(path, out, n, fs);
    PT_CHECK_INT(NSEC * FS_PPG, n[0]);
    PT_CHECK_INT(NSEC * FS_PPG, n[1]); /* acc held at the PPG rate in FLAC */
    double worst_p = 0, worst_a = 0;
    for (size_t i = 0; i < n[0]; i++) {
        worst_p = fmax(worst_p, fabs(b0[i] - ppg[i]));
        size_t row = i - i % (FS_PPG / FS_ACC);
        worst_a = fmax(worst_a, fabs(b1[i] - ax[row]));
        worst_a = fmax(worst_a, fabs(b3[i] - az[row]));
    }
    PT_CHECK(worst_p <= FLAC_PPG_TOL);
    PT_CHECK(worst_a <= FLAC_ACC_TOL);
    if (worst_p > FLAC_PPG_TOL || worst_a > FLAC_ACC_TOL)
        fprintf(stderr, "FLAC worst: ppg %.3g, acc %.3g\n", worst_p, worst_a);
}

PT_TEST(wfdb_summary_matches_csv_summary)
{
    /* The same simulated minutes through the whole pipeline from WFDB and from
     * the in-memory truth written as CSV: heart rate to 0.5 bpm (quantisation
     * of the PPG to 1/1000 au changes the spectra only slightly). */
    truth();
    char csv[128], hea[128];
    snprintf(csv, sizeof csv, "%s/sim.csv", dir);
    snprintf(hea, sizeof hea, "%s/sim.hea", dir);
    FILE *f = fopen(csv, "w");
    PT_REQUIRE(f != NULL);
    fprintf(f, "t_s,ppg,acc_x_g,acc_y_g,acc_z_g\n");
    for (size_t i = 0; i < NSEC * FS_PPG; i++) {
        if (i % 2 == 0)
            fprintf(f, "%.6f,%.17g,%.17g,%.17g,%.17g\n", (double)i / FS_PPG, ppg[i], ax[i], ay[i],
                    az[i]);
        else
            fprintf(f, "%.6f,%.17g,,,\n", (double)i / FS_PPG, ppg[i]);
    }
    fclose(f);
    pt_error err = {0};
    pt_summary *a = NULL, *b = NULL;
    PT_REQUIRE(pt_process_file(csv, NULL, NULL, NULL, &a, &err) == PT_OK);
    PT_REQUIRE(pt_process_file(hea, NULL, NULL, NULL, &b, &err) == PT_OK);
    const pt_table *ha = pt_summary_table_const(a, "hr"), *hb = pt_summary_table_const(b, "hr");
    PT_CHECK_INT(pt_table_nrows(ha), pt_table_nrows(hb));
    const double *x = pt_table_column(ha, "bpm"), *y = pt_table_column(hb, "bpm");
    for (size_t i = 0; i < pt_table_nrows(ha) && i < pt_table_nrows(hb); i++)
        PT_CHECK_NEAR(x[i], y[i], 0, 0.5);
    pt_summary_destroy(a);
    pt_summary_destroy(b);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, dir);
}
