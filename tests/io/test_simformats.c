/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_simformats.c — the simulator's recording written as a multi-frequency
 * WFDB record (PPG 64 Hz as 2 samples per 32 Hz frame, acc 32 Hz, format 16)
 * and as a 32-bit float WAV with a channel map, read back with --format auto:
 * the values come back to the format's quantisation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "io_test_util.h"
#include "pulsetrain/simulate.h"

#define NSEC 120
#define FS_PPG 64
#define FS_ACC 32

static double ppg[NSEC * FS_PPG], ax[NSEC * FS_ACC], ay[NSEC * FS_ACC], az[NSEC * FS_ACC];

static void simulate(void)
{
    pt_sim_config cfg = pt_sim_defaults();
    cfg.duration_s = NSEC;
    cfg.fs_ppg_hz = FS_PPG;
    cfg.fs_acc_hz = FS_ACC;
    pt_error err = {0};
    pt_sim *s = pt_sim_create(&cfg, &err);
    if (!s)
        PT_SKIP("simulator: %s", err.msg);
    static double x[NSEC * FS_PPG], y[NSEC * FS_PPG], z[NSEC * FS_PPG];
    size_t n = 0, got;
    while (pt_sim_read(s, NSEC * FS_PPG - n, NULL, ppg + n, x + n, y + n, z + n, &got, &err) ==
               PT_OK &&
           got)
        n += got;
    for (size_t i = 0; i < NSEC * FS_ACC; i++) {
        ax[i] = x[2 * i];
        ay[i] = y[2 * i];
        az[i] = z[2 * i];
    }
    pt_sim_destroy(s);
}

PT_TEST(simulated_wfdb_multifrequency)
{
    simulate();
    /* PPG gain 1000/au, acc gain 1000/g (the simulator quantises acc to 1 mg) */
    static short dat[NSEC * FS_ACC * 5];
    double pmax = 0;
    for (size_t i = 0; i < NSEC * FS_PPG; i++)
        pmax = fmax(pmax, fabs(ppg[i]));
    double pgain = 30000.0 / pmax;
    for (size_t f = 0; f < NSEC * FS_ACC; f++) {
        dat[5 * f] = (short)lround(ppg[2 * f] * pgain);
        dat[5 * f + 1] = (short)lround(ppg[2 * f + 1] * pgain);
        dat[5 * f + 2] = (short)lround(ax[f] * 1000);
        dat[5 * f + 3] = (short)lround(ay[f] * 1000);
        dat[5 * f + 4] = (short)lround(az[f] * 1000);
    }
    io_write_bytes("sim.dat", dat, sizeof dat);
    /* header checksums: the 16-bit sum of each signal's samples */
    short ck[4] = {0, 0, 0, 0};
    for (size_t f = 0; f < NSEC * FS_ACC; f++)
        for (int k = 0; k < 5; k++)
            ck[k < 2 ? 0 : k - 1] =
                (short)(unsigned short)((unsigned)ck[k < 2 ? 0 : k - 1] + (unsigned)dat[5 * f + k]);
    char hea[512];
    snprintf(hea, sizeof hea,
             "sim 4 %d %d\nsim.dat 16x2 %.17g/au 16 0 %d %d 0 PPG\nsim.dat 16 1000/g 16 0 %d %d 0 "
             "acc_x\nsim.dat 16 1000/g 16 0 %d %d 0 acc_y\nsim.dat 16 1000/g 16 0 %d %d 0 acc_z\n",
             FS_ACC, NSEC * FS_ACC, pgain, dat[0], ck[0], dat[2], ck[1], dat[3], ck[2], dat[4],
             ck[3]);
    const char *path = io_write_bytes("sim.hea", hea, strlen(hea));
    pt_error err = {0};
    io_all a;
    int rc = io_read_all(path, NULL, 100, NSEC * FS_PPG, &a, &err);
    if (rc)
        fprintf(stderr, "  %s\n", err.msg);
    PT_REQUIRE(rc == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "wfdb"));
    PT_CHECK_NEAR(FS_PPG, a.info.chan[0].fs_hz, 0, 0);
    PT_CHECK_NEAR(FS_ACC, a.info.chan[1].fs_hz, 0, 0);
    PT_CHECK_INT(PT_KIND_PPG, a.info.chan[0].kind);
    PT_CHECK_INT(PT_KIND_ACC_Z, a.info.chan[3].kind);
    PT_CHECK_INT(NSEC * FS_PPG, a.n[0]);
    PT_CHECK_INT(NSEC * FS_ACC, a.n[3]);
    double dp = 0, da = 0;
    for (size_t i = 0; i < a.n[0]; i++)
        dp = fmax(dp, fabs(a.x[0][i] - ppg[i]));
    for (size_t i = 0; i < a.n[1]; i++)
        da = fmax(da, fmax(fabs(a.x[1][i] - ax[i]), fabs(a.x[3][i] - az[i])));
    PT_CHECK(dp <= 0.5 / pgain + 1e-12); /* half an ADC step */
    PT_CHECK(da <= 1e-9);                /* acc is on the 1 mg grid */
    io_all_free(&a);
}

PT_TEST(simulated_float_wav_with_channel_map)
{
    simulate();
    static double x[NSEC * FS_ACC * 4];
    for (size_t i = 0; i < NSEC * FS_ACC; i++) {
        x[4 * i] = ppg[2 * i];
        x[4 * i + 1] = ax[i];
        x[4 * i + 2] = ay[i];
        x[4 * i + 3] = az[i];
    }
    const char *path = io_tmp_path("sim.wav");
    SF_INFO si = {.samplerate = FS_ACC, .channels = 4, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *f = sf_open(path, SFM_WRITE, &si);
    PT_REQUIRE(f);
    sf_command(f, SFC_SET_NORM_DOUBLE, NULL, SF_FALSE);
    sf_writef_double(f, x, NSEC * FS_ACC);
    sf_close(f);
    pt_read_options o = pt_read_defaults();
    o.channels = "ppg,acc_x,acc_y,acc_z";
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(path, &o, 100, NSEC * FS_ACC, &a, &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "wav"));
    PT_CHECK_INT(NSEC * FS_ACC, a.n[2]);
    double d = 0;
    for (size_t i = 0; i < a.n[0]; i++)
        for (int c = 0; c < 4; c++)
            d = fmax(d, fabs(a.x[c][i] - x[4 * i + c]) / fmax(1.0, fabs(x[4 * i + c])));
    PT_CHECK(d <= 1e-7); /* float32 */
    io_all_free(&a);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
