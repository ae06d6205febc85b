/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_audio.c — WAV/FLAC through libsndfile: the Axivity OMConvert export
 * of data/formats/wav (metadata from its INFO chunks, figures from its
 * README), files written here with a channel map, and bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "io_test_util.h"

PT_TEST(omconvert_wav_matches_readme)
{
    const char *path = io_format_file("formats/wav/ax3test.wav");
    /* the file is cut at 256 KiB: by default that is an error naming the byte */
    IO_EXPECT_FAIL(path, NULL, PT_EFORMAT, "declares 94996587 frames");
    pt_read_options o = pt_read_defaults();
    o.allow_truncated = 1;
    pt_error err = {0};
    io_all a;
    PT_REQUIRE(io_read_all(path, &o, 1000, 40000, &a, &err) == PT_OK);
    PT_CHECK(!strcmp(a.info.format, "wav"));
    PT_REQUIRE(a.nchan == 4);
    PT_CHECK_INT(32640, a.n[0]);
    PT_CHECK_NEAR(100.0, a.info.chan[0].fs_hz, 0, 0);
    PT_CHECK_NEAR(326.4, a.info.duration_s, 0, 1e-9);
    PT_CHECK(!strcmp(a.info.start_time_utc, "2018-03-18T17:24:47.536Z"));
    PT_CHECK_INT(PT_KIND_ACC_X, a.info.chan[0].kind);
    PT_CHECK_INT(PT_KIND_ACC_Y, a.info.chan[1].kind);
    PT_CHECK_INT(PT_KIND_ACC_Z, a.info.chan[2].kind);
    PT_CHECK_INT(PT_KIND_AUX, a.info.chan[3].kind);
    PT_CHECK(!strcmp(a.info.chan[0].units, "g"));
    PT_CHECK_STR_CONTAINS(a.info.note, "37727");
    PT_CHECK_STR_CONTAINS(a.info.note, "truncated");
    double m[3] = {0, 0, 0}, mag = 0, lo = INFINITY, hi = 0, amax = 0;
    for (size_t i = 0; i < a.n[0]; i++) {
        double r = 0;
        for (int k = 0; k < 3; k++) {
            m[k] += a.x[k][i];
            r += a.x[k][i] * a.x[k][i];
        }
        r = sqrt(r);
        mag += r;
        lo = fmin(lo, r);
        hi = fmax(hi, r);
        amax = fmax(amax, a.x[3][i]);
    }
    double n = (double)a.n[0];
    /* README: mean vector (-0.68, -0.07, 0.46) g, mean |a| 1.010 (min 0.20, max 3.12), aux 0..3332 */
    PT_CHECK_NEAR(-0.68, m[0] / n, 0, 0.005);
    PT_CHECK_NEAR(-0.07, m[1] / n, 0, 0.005);
    PT_CHECK_NEAR(0.46, m[2] / n, 0, 0.005);
    PT_CHECK_NEAR(1.010, mag / n, 0, 0.0005);
    PT_CHECK_NEAR(0.20, lo, 0, 0.005);
    PT_CHECK_NEAR(3.12, hi, 0, 0.005);
    PT_CHECK_NEAR(3332.0, amax, 0, 1e-9);
    io_all_free(&a);
}

static const char *write_sf(const char *name, int format, int ch, int fs, const double *x,
                            sf_count_t frames)
{
    const char *path = io_tmp_path(name);
    SF_INFO si = {.samplerate = fs, .channels = ch, .format = format};
    SNDFILE *f = sf_open(path, SFM_WRITE, &si);
    if (!f)
        abort();
    sf_writef_double(f, x, frames);
    sf_close(f);
    return path;
}

PT_TEST(wav_and_flac_with_channel_map)
{
    double x[4 * 200];
    for (int i = 0; i < 200; i++)
        for (int c = 0; c < 4; c++)
            x[4 * i + c] = ((i * 37 + c * 1000) % 4000 - 2000) / 32768.0;
    const int formats[2] = {SF_FORMAT_WAV | SF_FORMAT_PCM_16, SF_FORMAT_FLAC | SF_FORMAT_PCM_16};
    const char *names[2] = {"map.wav", "map.flac"};
    for (int k = 0; k < 2; k++) {
        const char *path = write_sf(names[k], formats[k], 4, 64, x, 200);
        pt_read_options o = pt_read_defaults();
        o.channels = "ppg,acc_x,acc_y,acc_z";
        pt_error err = {0};
        io_all a;
        PT_REQUIRE(io_read_all(path, &o, 48, 1000, &a, &err) == PT_OK);
        PT_CHECK_INT(PT_KIND_PPG, a.info.chan[0].kind);
        PT_CHECK_INT(PT_KIND_ACC_Z, a.info.chan[3].kind);
        PT_CHECK_INT(200, a.n[2]);
        PT_CHECK(a.first_ok);
        int ok = 1;
        for (int i = 0; i < 200; i++)
            for (int c = 0; c < 4; c++)
                ok &= a.x[c][i] == x[4 * i + c];
        PT_CHECK(ok);
        io_all_free(&a);
        /* without a map: auxiliary channels in full-scale units, and a note */
        PT_REQUIRE(io_read_all(path, NULL, 48, 1000, &a, &err) == PT_OK);
        PT_CHECK_INT(PT_KIND_AUX, a.info.chan[0].kind);
        PT_CHECK_STR_CONTAINS(a.info.note, "channel map");
        io_all_free(&a);
        o.channels = "ppg,acc_q";
        IO_EXPECT_FAIL(path, &o, PT_EINVAL, "'acc_q'");
        o.channels = "ppg,acc_x,acc_y,acc_z,ecg";
        IO_EXPECT_FAIL(path, &o, PT_EINVAL, "the file has 4");
    }
}

PT_TEST(bad_input)
{
    IO_EXPECT_FAIL(io_write_bytes("empty.wav", "", 0), NULL, PT_EFORMAT, "empty");
    pt_read_options o = pt_read_defaults();
    o.format = "wav";
    IO_EXPECT_FAIL(io_write_bytes("junk.wav", "RIFF\x10\0\0\0WAVEjunk", 16), &o, PT_EFORMAT,
                   "junk.wav");
    /* float samples: NaN is a gap, Inf an error naming the frame */
    double x[8] = {0.1, 0.2, NAN, 0.4, 0.5, INFINITY, 0.7, 0.8};
    const char *path = write_sf("nan.wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, 2, 10, x, 2);
    pt_error err = {0};
    io_all a;
    PT_CHECK(io_read_all(path, NULL, 16, 100, &a, &err) == PT_OK);
    PT_CHECK(isnan(a.x[0][1]));
    io_all_free(&a);
    path = write_sf("inf.wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, 2, 10, x, 4);
    IO_EXPECT_FAIL(path, NULL, PT_EDATA, "frame 2, channel 2: infinite");
    /* a WAV whose data chunk was cut: an error, or read with allow_truncated */
    double y[2 * 100] = {0};
    path = write_sf("cut.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2, 10, y, 100);
    FILE *f = fopen(path, "rb");
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    path = io_write_bytes("cut2.wav", buf, n - 100);
    IO_EXPECT_FAIL(path, NULL, PT_EFORMAT, "truncated");
    o = pt_read_defaults();
    o.allow_truncated = 1;
    PT_CHECK(io_read_all(path, &o, 16, 1000, &a, &err) == PT_OK);
    PT_CHECK_INT(75, a.n[0]);
    io_all_free(&a);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
