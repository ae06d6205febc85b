/* SPDX-License-Identifier: GPL-2.0-or-later
 * h5in.c — recordings stored as HDF5 datasets that the user names
 * (pt_read_options.h5_ppg = "/data/ppg", ...): 1-D numeric datasets (or N x 1),
 * each with a rate from the options, from its "fs_hz" / "sample_rate" /
 * "fs" attribute, or from fs_hz. Read by hyperslabs, one time span per block.
 * Every HDF5 call runs under the I/O lock with HDF5's error printing off. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hdf5.h>

#include "core/lock.h"
#include "io/edf_util.h"
#include "io/h5table.h"
#include "io/reader_impl.h"

typedef struct h5in_state {
    hid_t file;
    char path[1024];
    size_t nchan;
    hid_t dset[PT_MAX_CHANNELS];
    char dname[PT_MAX_CHANNELS][256];
    hsize_t len[PT_MAX_CHANNELS];
    double scale[PT_MAX_CHANNELS];
    int64_t pos[PT_MAX_CHANNELS];
    double fs_max;
    double t_end;
} h5in_state;

static int h5in_probe(const char *path, const unsigned char *head, size_t len)
{
    (void)path;
    return len >= 8 && !memcmp(head, "\x89HDF\r\n\x1a\n", 8) ? 60 : 0;
}

/* Call with the lock held. */
static void close_locked(h5in_state *s)
{
    for (size_t c = 0; c < PT_MAX_CHANNELS; c++)
        if (s->dset[c] > 0)
            H5Dclose(s->dset[c]);
    if (s->file > 0)
        H5Fclose(s->file);
}

static void h5in_close(void *p)
{
    h5in_state *s = p;
    if (!s)
        return;
    pt_io_lock();
    pt_h5_quiet_state q;
    pt_h5_quiet(&q);
    close_locked(s);
    pt_h5_loud(&q);
    pt_io_unlock();
    free(s);
}

static double num_attr(hid_t d, const char *name)
{
    double v = (double)NAN;
    if (H5Aexists(d, name) <= 0)
        return (double)NAN;
    hid_t a = H5Aopen(d, name, H5P_DEFAULT);
    if (a < 0)
        return (double)NAN;
    if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0)
        v = (double)NAN;
    H5Aclose(a);
    return v;
}

/* Open with the lock held; returns PT_OK or an error. */
static int open_locked(h5in_state *s, const pt_read_options *opt, pt_recording_info *info,
                       pt_error *err)
{
    const char *path = s->path;
    s->file = pt_h5r_open(path, err);
    if (s->file < 0)
        return err ? err->code : PT_EFORMAT;
    double acc_scale = 1.0;
    if (opt->acc_units) {
        double g = pt_acc_units_to_g(opt->acc_units);
        if (g > 0)
            acc_scale = g;
        else if (!strcasecmp(opt->acc_units, "ms2"))
            acc_scale = 1.0 / PT_STD_GRAVITY;
    }
    const struct {
        const char *name;
        pt_kind kind;
        double fs;
        const char *units;
        double scale;
        const char *flag; /* the option that gives its rate */
    } want[] = {
        {opt->h5_ppg, PT_KIND_PPG, opt->h5_ppg_fs_hz, "au", 1.0, "--h5-ppg-fs"},
        {opt->h5_acc_x, PT_KIND_ACC_X, opt->h5_acc_fs_hz, "g", acc_scale, "--h5-acc-fs"},
        {opt->h5_acc_y, PT_KIND_ACC_Y, opt->h5_acc_fs_hz, "g", acc_scale, "--h5-acc-fs"},
        {opt->h5_acc_z, PT_KIND_ACC_Z, opt->h5_acc_fs_hz, "g", acc_scale, "--h5-acc-fs"},
        {opt->h5_ecg, PT_KIND_ECG, opt->h5_ecg_fs_hz, "au", 1.0, "--h5-ecg-fs"},
        {opt->h5_hr, PT_KIND_HR, opt->h5_hr_fs_hz, "bpm", 1.0, "--h5-hr-fs"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!want[i].name || !*want[i].name)
            continue;
        size_t c = s->nchan;
        const char *dn = want[i].name;
        snprintf(s->dname[c], sizeof s->dname[c], "%s", dn);
        if (H5Lexists(s->file, dn, H5P_DEFAULT) <= 0)
            return pt_error_set(err, PT_EFORMAT, "%s: no dataset '%s'", path, dn);
        hid_t d = H5Dopen2(s->file, dn, H5P_DEFAULT);
        if (d < 0)
            return pt_error_set(err, PT_EFORMAT, "%s: '%s' is not a dataset", path, dn);
        s->dset[c] = d;
        s->nchan++;
        hid_t sp = H5Dget_space(d);
        int rank = H5Sget_simple_extent_ndims(sp);
        hsize_t dims[2] = {0, 0};
        if (rank >= 1 && rank <= 2)
            H5Sget_simple_extent_dims(sp, dims, NULL);
        H5Sclose(sp);
        hid_t ty = H5Dget_type(d);
        H5T_class_t cls = H5Tget_class(ty);
        H5Tclose(ty);
        if (cls != H5T_INTEGER && cls != H5T_FLOAT)
            return pt_error_set(err, PT_EFORMAT, "%s: dataset '%s' is not numeric", path, dn);
        if (rank < 1 || rank > 2 || (rank == 2 && dims[1] != 1))
            return pt_error_set(err, PT_EFORMAT,
                                "%s: dataset '%s' has rank %d; one column (N or N x 1) is "
                                "needed, one dataset per channel",
                                path, dn, rank);
        if (dims[0] == 0)
            return pt_error_set(err, PT_EFORMAT, "%s: dataset '%s' is empty", path, dn);
        s->len[c] = dims[0];
        double fs = want[i].fs;
        const char *from = want[i].flag, *attr = NULL;
        static const char *const attrs[] = {"fs_hz", "sample_rate", "fs"};
        for (size_t k = 0; k < 3 && !isfinite(fs); k++) {
            fs = num_attr(d, attrs[k]);
            attr = attrs[k];
        }
        if (!isfinite(fs)) {
            from = "--fs";
            attr = NULL;
            fs = opt->fs_hz;
        }
        if (!isfinite(fs))
            return pt_error_set(err, PT_EINVAL,
                                "%s: dataset '%s': no sample rate (give %s, or store an "
                                "'fs_hz' attribute)",
                                path, dn, want[i].flag);
        if (!(fs > 0) && attr) /* the file's own attribute: bad data */
            return pt_error_set(err, PT_EDATA,
                                "%s: dataset '%s': its '%s' attribute says %g Hz; a sample rate "
                                "must be positive (%s overrides it)",
                                path, dn, attr, fs, want[i].flag);
        if (!(fs > 0))
            return pt_error_set(err, PT_EINVAL,
                                "%s: dataset '%s': sample rate %g Hz (from %s) must be positive",
                                path, dn, fs, from);
        pt_channel_info *ch = &info->chan[info->nchan++];
        snprintf(ch->name, sizeof ch->name, "%.63s", dn);
        ch->kind = want[i].kind;
        ch->fs_hz = fs;
        ch->n_samples = (int64_t)dims[0];
        snprintf(ch->units, sizeof ch->units, "%s", want[i].units);
        s->scale[c] = want[i].scale;
        if (fs > s->fs_max)
            s->fs_max = fs;
        double dur = (double)dims[0] / fs;
        if (!(info->duration_s >= dur))
            info->duration_s = dur;
    }
    if (s->nchan == 0)
        return pt_error_set(err, PT_EINVAL,
                            "%s: an HDF5 recording needs its datasets named (--h5-ppg, "
                            "--h5-acc-x/-y/-z, --h5-ecg, --h5-hr)",
                            path);
    return PT_OK;
}

static void *h5in_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                       pt_error *err)
{
    h5in_state *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "HDF5 recording: out of memory for its datasets");
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    s->file = -1;
    for (size_t c = 0; c < PT_MAX_CHANNELS; c++)
        s->dset[c] = -1;
    info->duration_s = (double)NAN;
    pt_io_lock();
    pt_h5_quiet_state q;
    pt_h5_quiet(&q);
    int rc = open_locked(s, opt, info, err);
    if (rc)
        close_locked(s);
    pt_h5_loud(&q);
    pt_io_unlock();
    if (rc) {
        free(s);
        return NULL;
    }
    return s;
}

static int read_locked(h5in_state *s, pt_recording_info *info, pt_block *b, pt_error *err)
{
    double t_end = s->t_end + (double)b->cap / s->fs_max;
    for (size_t c = 0; c < s->nchan; c++) {
        b->first[c] = s->pos[c];
        double fs = info->chan[c].fs_hz;
        int64_t upto = (int64_t)ceil(t_end * fs - 1e-9);
        if (upto > (int64_t)s->len[c])
            upto = (int64_t)s->len[c];
        int64_t n = upto - s->pos[c];
        if (n > (int64_t)b->cap)
            n = (int64_t)b->cap;
        if (n <= 0)
            continue;
        hid_t fsp = H5Dget_space(s->dset[c]);
        int rank = H5Sget_simple_extent_ndims(fsp);
        hsize_t start[2] = {(hsize_t)s->pos[c], 0}, count[2] = {(hsize_t)n, 1};
        hsize_t mdim = (hsize_t)n;
        hid_t msp = H5Screate_simple(1, &mdim, NULL);
        herr_t r = H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count, NULL);
        if (r >= 0)
            r = H5Dread(s->dset[c], H5T_NATIVE_DOUBLE, msp, fsp, H5P_DEFAULT, b->x[c]);
        (void)rank;
        H5Sclose(msp);
        H5Sclose(fsp);
        if (r < 0)
            return pt_error_set(err, PT_EIO, "%s: dataset '%s': read error at sample %lld", s->path,
                                s->dname[c], (long long)s->pos[c]);
        for (int64_t i = 0; i < n; i++) {
            if (isinf(b->x[c][i]))
                return pt_error_set(err, PT_EDATA, "%s: dataset '%s': sample %lld is infinite",
                                    s->path, s->dname[c], (long long)(s->pos[c] + i));
            b->x[c][i] *= s->scale[c];
        }
        b->n[c] = (size_t)n;
        s->pos[c] += n;
    }
    s->t_end = t_end;
    return PT_OK;
}

static int h5in_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    h5in_state *s = p;
    int more = 0;
    for (size_t c = 0; c < s->nchan; c++)
        more |= s->pos[c] < (int64_t)s->len[c];
    if (!more)
        return PT_OK;
    pt_io_lock();
    pt_h5_quiet_state q;
    pt_h5_quiet(&q);
    int rc = read_locked(s, info, b, err);
    pt_h5_loud(&q);
    pt_io_unlock();
    return rc;
}

const pt_reader_ops pt_reader_h5 = {"h5", h5in_probe, h5in_open, h5in_read, h5in_close};
