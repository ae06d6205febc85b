/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_summary.c — libFuzzer target: the HDF5 summary reader (pt_summary_read_h5, what info,
 * report, load and batch --resume read our summaries with), then what those commands do with
 * a summary it accepts: walk every table, draw the report, add it to a load model.
 *
 * The input is not the HDF5 file's bytes: libhdf5 1.10 itself overflows buffers on corrupt
 * metadata (a global-heap object longer than its collection, in H5HG_read, within the first
 * hundred mutations of a real summary), which no reader of ours can guard. The input is a
 * program that builds a well-formed HDF5 file through the HDF5 API -- groups, datasets and
 * attributes of any name, type, shape and content -- so the fuzzer explores what the summary
 * reader must validate (the schema: column types and lengths, attributes, strings). The seeds
 * (fuzz/corpus/summary) are real summaries turned into such programs by
 * fuzz/summary_to_program.py.
 *
 * Program: a sequence of operations, each one byte then its operands:
 *   'G' name              create (or open) group /name; later datasets go there ("" = root)
 *   'D' name type count data   dataset in the current group
 *   'A' target name type count data   attribute on the current group (target 0) or the last
 *                                      dataset (1)
 *   'L' name target       soft link /group/name -> target (dangling, cycles, anything)
 * name: one length byte and the bytes. count: two bytes little-endian (capped at 4096).
 * type: low 4 bits 0 f64, 1 f32, 2 i32, 3 u8, 4 i64, 5 variable-length string, 6 fixed
 * string (a size byte follows), 7 f64 N x 2, 8 enum on int8 (the class enum), 9 compound
 * {f64, i32}, 10 a group in place of a dataset; bit 0x80: scalar dataspace (count ignored).
 * Numbers: count raw little-endian values from the input; strings: a length byte and bytes.
 * Missing input reads as zeros. */
#include <hdf5.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "fuzz/fuzz_util.h"
#include "pulsetrain/load.h"
#include "pulsetrain/report.h"
#include "pulsetrain/summary.h"

typedef struct fz_in {
    const uint8_t *p;
    size_t n;
} fz_in;

static size_t fz_take(fz_in *in, void *out, size_t n)
{
    size_t k = n < in->n ? n : in->n;
    if (k)
        memcpy(out, in->p, k);
    if (k < n)
        memset((char *)out + k, 0, n - k);
    in->p += k;
    in->n -= k;
    return k;
}

static unsigned fz_byte(fz_in *in)
{
    uint8_t b = 0;
    fz_take(in, &b, 1);
    return b;
}

static void fz_name(fz_in *in, char *name, size_t cap)
{
    size_t l = fz_byte(in);
    if (l >= cap)
        l = cap - 1;
    fz_take(in, name, l);
    name[l] = '\0';
}

/* The type of element kind k (caller closes it); *size its bytes in memory. */
static hid_t fz_type(unsigned k, size_t fixed, size_t *size)
{
    hid_t t = -1;
    switch (k) {
    case 1: t = H5Tcopy(H5T_NATIVE_FLOAT); break;
    case 2: t = H5Tcopy(H5T_NATIVE_INT32); break;
    case 3: t = H5Tcopy(H5T_NATIVE_UINT8); break;
    case 4: t = H5Tcopy(H5T_NATIVE_INT64); break;
    case 5:
        t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        break;
    case 6:
        t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, fixed ? fixed : 1);
        break;
    case 8: {
        static const char *const names[] = {"unknown", "nonwear",  "sedentary",
                                            "light",   "moderate", "vigorous"};
        t = H5Tenum_create(H5T_NATIVE_INT8);
        for (int v = -1; v <= 4; v++) {
            int8_t x = (int8_t)v;
            H5Tenum_insert(t, names[v + 1], &x);
        }
        break;
    }
    case 9: {
        t = H5Tcreate(H5T_COMPOUND, 16);
        H5Tinsert(t, "a", 0, H5T_NATIVE_DOUBLE);
        H5Tinsert(t, "b", 8, H5T_NATIVE_INT32);
        break;
    }
    default: t = H5Tcopy(H5T_NATIVE_DOUBLE); break;
    }
    *size = t >= 0 ? H5Tget_size(t) : 0;
    return t;
}

/* Create a dataset (attr == 0) or an attribute on loc; returns the dataset (caller closes) or
 * -1. Consumes the type, count and data from the input even when HDF5 refuses. */
static hid_t fz_object(fz_in *in, hid_t loc, const char *name, int attr)
{
    unsigned ty = fz_byte(in), k = ty & 15;
    size_t fixed = k == 6 ? fz_byte(in) : 0;
    uint16_t cnt16 = 0;
    fz_take(in, &cnt16, 2);
    size_t count = ty & 0x80 ? 1 : cnt16 > 4096 ? 4096 : cnt16;
    if (k == 10) { /* a group where a dataset is expected */
        if (!attr && loc >= 0 && name[0]) {
            hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (g >= 0)
                H5Gclose(g);
        }
        return -1;
    }
    size_t esize;
    hid_t t = fz_type(k, fixed, &esize);
    hsize_t dims[2] = {count, 2};
    hid_t sp = ty & 0x80 ? H5Screate(H5S_SCALAR) : H5Screate_simple(k == 7 ? 2 : 1, dims, NULL);
    size_t nel = count * (k == 7 ? 2 : 1);
    void *buf = calloc(nel ? nel : 1, esize ? esize : 1);
    char **str = k == 5 ? calloc(nel ? nel : 1, sizeof *str) : NULL;
    if (k == 5) {
        for (size_t i = 0; i < nel && str; i++) {
            str[i] = malloc(256);
            if (str[i])
                fz_name(in, str[i], 256);
        }
    } else if (buf) {
        fz_take(in, buf, nel * esize);
    }
    hid_t obj = -1;
    const void *data = k == 5 ? (const void *)str : buf;
    if (t >= 0 && sp >= 0 && buf && (k != 5 || str) && loc >= 0 && name[0]) {
        if (attr) {
            hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
            if (a >= 0) {
                H5Awrite(a, t, data);
                H5Aclose(a);
            }
        } else {
            obj = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (obj >= 0)
                H5Dwrite(obj, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
        }
    }
    for (size_t i = 0; str && i < nel; i++)
        free(str[i]);
    free(str);
    free(buf);
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    return obj;
}

/* Build the HDF5 file the program describes at path. */
static void fz_build(const uint8_t *data, size_t size, const char *path)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS); /* built in memory, written once at close */
    H5Pset_fapl_core(fapl, 1 << 16, 1);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (f < 0)
        abort();
    hid_t grp = H5Gopen2(f, "/", H5P_DEFAULT), dset = -1;
    fz_in in = {data, size};
    for (int ops = 0; in.n && ops < 2000; ops++) {
        char name[256], target[256];
        switch (fz_byte(&in)) {
        case 'G':
            fz_name(&in, name, sizeof name);
            H5Gclose(grp);
            if (!name[0] || H5Lexists(f, name, H5P_DEFAULT) > 0)
                grp = H5Gopen2(f, name[0] ? name : "/", H5P_DEFAULT);
            else
                grp = H5Gcreate2(f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (grp < 0)
                grp = H5Gopen2(f, "/", H5P_DEFAULT);
            break;
        case 'D':
            fz_name(&in, name, sizeof name);
            if (dset >= 0)
                H5Dclose(dset);
            dset = fz_object(&in, grp, name, 0);
            break;
        case 'A': {
            int on_dset = fz_byte(&in) & 1;
            fz_name(&in, name, sizeof name);
            fz_object(&in, on_dset ? dset : grp, name, 1);
            break;
        }
        case 'L':
            fz_name(&in, name, sizeof name);
            fz_name(&in, target, sizeof target);
            if (name[0])
                H5Lcreate_soft(target, grp, name, H5P_DEFAULT, H5P_DEFAULT);
            break;
        default: break;
        }
    }
    if (dset >= 0)
        H5Dclose(dset);
    H5Gclose(grp);
    H5Fclose(f);
}

/* Every row of every column is there (ASan sees a short one) and the counts agree. */
static void fz_walk(const pt_summary *s)
{
    volatile double sink = 0;
    const pt_recording_info *rec = pt_summary_recording(s);
    FZ_CHECK(rec && rec->nchan <= PT_MAX_CHANNELS);
    for (size_t i = 0; i < pt_summary_ntables(s); i++) {
        const pt_table *t = pt_summary_table_at(s, i);
        size_t n = pt_table_nrows(t);
        for (size_t c = 0; c < pt_table_ncols(t); c++) {
            const char *name = pt_table_colname(t, c);
            FZ_CHECK(name && pt_table_colindex(t, name) == (int)c);
            const double *x = pt_table_column(t, name);
            FZ_CHECK(x || n == 0);
            for (size_t r = 0; r < n; r++)
                sink += x[r];
        }
        for (size_t a = 0; a < pt_table_nattrs(t); a++)
            FZ_CHECK(pt_table_attr_name(t, a) != NULL);
    }
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int limited;
    if (!limited) { /* an endless report (once found) fills 64 MiB, not the disk: EFBIG */
        struct rlimit rl = {64 << 20, 64 << 20};
        signal(SIGXFSZ, SIG_IGN);
        setrlimit(RLIMIT_FSIZE, &rl);
        limited = 1;
    }
    fz_build(data, size, fz_path("s.h5"));
    pt_error err = {0};
    pt_summary_meta meta;
    pt_summary *s = pt_summary_read_h5(fz_path("s.h5"), &meta, &err);
    if (!s) {
        FZ_CHECK(err.code != 0 && err.msg[0]);
        return 0;
    }
    FZ_CHECK(meta.schema_version >= 1);
    fz_walk(s);
    if (pt_report_summary_svg(s, "fuzz", fz_path("s.svg"), &err))
        FZ_CHECK(err.code != 0 && err.msg[0]);
    pt_load_config cfg = pt_load_defaults();
    pt_load *ld = pt_load_create(&cfg, &err);
    if (ld && pt_load_add_summary(ld, s, meta.subject_id, 0, "fuzz", &err) == PT_OK &&
        pt_load_compute(ld, &err) != PT_OK)
        FZ_CHECK(err.code != 0 && err.msg[0]);
    pt_load_destroy(ld);
    pt_summary_destroy(s);
    return 0;
}
