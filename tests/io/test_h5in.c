/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_h5in.c — HDF5 input with user-named datasets: rates from options and
 * attributes, multi-rate blocks, and bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "io_test_util.h"

static void put_ds(hid_t f, const char *name, const double *x, hsize_t n, int rank2, double fs)
{
    hsize_t dims[2] = {n, 1};
    hid_t sp = H5Screate_simple(rank2 ? 2 : 1, dims, NULL);
    hid_t d = H5Dcreate2(f, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x);
    if (fs != 0) {
        hid_t as = H5Screate(H5S_SCALAR);
        hid_t a = H5Acreate2(d, "fs_hz", H5T_IEEE_F64LE, as, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_DOUBLE, &fs);
        H5Aclose(a);
        H5Sclose(as);
    }
    H5Dclose(d);
    H5Sclose(sp);
}

static const char *make_file(void)
{
    static double ppg[640], acc[320], bad[10];
    for (int i = 0; i < 640; i++)
        ppg[i] = i;
    for (int i = 0; i < 320; i++)
        acc[i] = 1000.0 + i; /* mg */
    for (int i = 0; i < 10; i++)
        bad[i] = i == 7 ? INFINITY : i;
    const char *path = io_tmp_path("rec.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(H5Gcreate2(f, "/acc", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    put_ds(f, "/ppg", ppg, 640, 0, 64.0);
    put_ds(f, "/acc/x", acc, 320, 1, 0);
    put_ds(f, "/acc/y", acc, 320, 0, 0);
    put_ds(f, "/acc/z", acc, 320, 0, 0);
    put_ds(f, "/inf", bad, 10, 0, 10.0);
    put_ds(f, "/neg", bad, 10, 0, -5.0);
    put_ds(f, "/wide", ppg, 320, 1, 64.0); /* 320 x 2 is made below */
    hsize_t d2[2] = {10, 2};
    hid_t sp = H5Screate_simple(2, d2, NULL);
    H5Dclose(H5Dcreate2(f, "/two", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Sclose(sp);
    H5Fclose(f);
    return path;
}

PT_TEST(named_datasets_and_rates)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", make_file());
    pt_read_options o = pt_read_defaults();
    o.h5_ppg = "/ppg";
    o.h5_acc_x = "/acc/x";
    o.h5_acc_y = "/acc/y";
    o.h5_acc_z = "/acc/z";
    o.h5_acc_fs_hz = 32.0;
    o.acc_units = "mg";
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(path, &o, 64, 1000, &a, &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "h5"));
    PT_REQUIRE(a.nchan == 4);
    PT_CHECK_NEAR(64.0, a.info.chan[0].fs_hz, 0, 0);
    PT_CHECK_NEAR(32.0, a.info.chan[1].fs_hz, 0, 0);
    PT_CHECK_INT(PT_KIND_ACC_Y, a.info.chan[2].kind);
    PT_CHECK_INT(640, a.n[0]);
    PT_CHECK_INT(320, a.n[3]);
    PT_CHECK(a.first_ok);
    PT_CHECK_NEAR(639.0, a.x[0][639], 0, 0);
    PT_CHECK_NEAR(1.319, a.x[1][319], 1e-12, 0);
    PT_CHECK_NEAR(10.0, a.info.duration_s, 0, 1e-12);
    io_all_free(&a);
}

PT_TEST(bad_input)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", make_file());
    pt_read_options o = pt_read_defaults();
    IO_EXPECT_FAIL(path, &o, PT_EINVAL, "needs its datasets named");
    o.h5_ppg = "/nothere";
    IO_EXPECT_FAIL(path, &o, PT_EFORMAT, "no dataset '/nothere'");
    o.h5_ppg = "/acc";
    IO_EXPECT_FAIL(path, &o, PT_EFORMAT, "'/acc' is not a dataset");
    o.h5_ppg = "/acc/y";
    IO_EXPECT_FAIL(path, &o, PT_EINVAL, "'/acc/y': no sample rate");
    o.h5_ppg_fs_hz = 0;
    IO_EXPECT_FAIL(path, &o, PT_EINVAL, "sample rate 0 Hz");
    o.h5_ppg = "/neg";
    o.h5_ppg_fs_hz = NAN;
    /* the file's own attribute: bad data, exit 2 (was PT_EINVAL, exit 1) */
    IO_EXPECT_FAIL(path, &o, PT_EDATA, "'/neg': its 'fs_hz' attribute says -5 Hz");
    o.h5_ppg = "/inf";
    IO_EXPECT_FAIL(path, &o, PT_EDATA, "'/inf': sample 7 is infinite");
    o.h5_ppg = "/two";
    IO_EXPECT_FAIL(path, &o, PT_EFORMAT, "one column");
    o.format = "h5";
    IO_EXPECT_FAIL(io_write_bytes("not.h5", "hello, world\n", 13), &o, PT_EFORMAT,
                   "not a readable HDF5 file");
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
