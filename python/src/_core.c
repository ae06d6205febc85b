/* SPDX-License-Identifier: GPL-2.0-or-later
 * _core.c — the compiled half of the pulsetrain Python package: CPython + numpy C API over
 * the public C API (include/pulsetrain/ headers) only. Arrays come in as float64 views (no copy
 * when already C-contiguous float64), results go out as new numpy arrays, every C error
 * becomes a Python exception carrying the C message, and the GIL is released around every
 * call that does real work. Each call creates and destroys its own C objects, so calls
 * from different threads share nothing. Argument defaults and scipy's keyword handling
 * live in pulsetrain/__init__.py; this file checks types and shapes. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "pulsetrain/pulsetrain.h"

/* ---- exceptions ---- */

static PyObject *Error, *InvalidArgumentError, *DTypeError, *FormatError, *DataError,
    *UnsupportedError, *PtIOError, *InternalError, *CancelledError;

/* Raise the exception for a C status with the C message (or the status text). */
static PyObject *raise_status(int code, const pt_error *err)
{
    const char *msg = err && err->msg[0] ? err->msg : pt_strerror(code);
    PyObject *type;
    switch (code) {
    case PT_EINVAL: type = InvalidArgumentError; break;
    case PT_ENOMEM: return PyErr_NoMemory();
    case PT_EIO: type = PtIOError; break;
    case PT_EFORMAT: type = FormatError; break;
    case PT_EDATA: type = DataError; break;
    case PT_EUNSUPPORTED: type = UnsupportedError; break;
    case PT_ECANCELED: type = CancelledError; break;
    default: type = InternalError; break;
    }
    PyErr_SetString(type, msg);
    return NULL;
}

/* ---- arrays ---- */

/* A 1-D float64 C-contiguous view of obj (a new reference; the same array when it already
 * is one: no copy). Real numbers only: complex, object and text arrays are refused. */
static PyArrayObject *as_vector(PyObject *obj, const char *what)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(obj, NPY_NOTYPE, 0, 0, 0);
    if (!a) {
        PyErr_Clear();
        PyErr_Format(DTypeError, "%s: not an array of numbers (%.80s)", what,
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    int t = PyArray_TYPE(a);
    if (!(PyTypeNum_ISINTEGER(t) || PyTypeNum_ISFLOAT(t) || PyTypeNum_ISBOOL(t))) {
        PyErr_Format(DTypeError, "%s: dtype %R is not a real number type (float64 expected)", what,
                     (PyObject *)PyArray_DESCR(a));
        Py_DECREF(a);
        return NULL;
    }
    if (PyArray_NDIM(a) != 1) {
        PyErr_Format(InvalidArgumentError, "%s: a %d-D array; a 1-D array is needed", what,
                     PyArray_NDIM(a));
        Py_DECREF(a);
        return NULL;
    }
    PyArrayObject *v =
        (PyArrayObject *)PyArray_FROM_OTF((PyObject *)a, NPY_DOUBLE, NPY_ARRAY_IN_ARRAY);
    Py_DECREF(a);
    return v;
}

static const double *data_of(PyArrayObject *a)
{
    return (const double *)PyArray_DATA(a);
}

static PyArrayObject *new_vector(npy_intp n)
{
    return (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_DOUBLE);
}

/* An (nsec, 6) float64 C-contiguous view of sos. */
static PyArrayObject *as_sos(PyObject *obj, size_t *nsec)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(obj, NPY_DOUBLE, 2, 2, NPY_ARRAY_IN_ARRAY);
    if (!a || PyArray_DIM(a, 1) != 6 || PyArray_DIM(a, 0) < 1) {
        PyErr_Clear();
        Py_XDECREF(a);
        PyErr_SetString(InvalidArgumentError,
                        "sos: an array of shape (n_sections, 6) of real numbers is needed");
        return NULL;
    }
    *nsec = (size_t)PyArray_DIM(a, 0);
    return a;
}

/* ---- kernels ---- */

static PyObject *py_butter(PyObject *self, PyObject *args)
{
    (void)self;
    int order, band;
    double f1, f2, fs;
    if (!PyArg_ParseTuple(args, "iiddd", &order, &band, &f1, &f2, &fs))
        return NULL;
    size_t nsec = pt_butter_nsec(order, (pt_band)band);
    if (nsec == 0) {
        PyErr_Format(InvalidArgumentError, "butter: order %d (1..10 are designed)", order);
        return NULL;
    }
    npy_intp dims[2] = {(npy_intp)nsec, 6};
    PyArrayObject *sos = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    if (!sos)
        return NULL;
    pt_error err = {0};
    int rc = pt_butter_sos(order, (pt_band)band, f1, f2, fs, (double *)PyArray_DATA(sos), &err);
    if (rc) {
        Py_DECREF(sos);
        return raise_status(rc, &err);
    }
    return (PyObject *)sos;
}

/* sosfilt(sos, x, zi or None) -> (y, zf) */
static PyObject *py_sosfilt(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *sos_o, *x_o, *zi_o;
    if (!PyArg_ParseTuple(args, "OOO", &sos_o, &x_o, &zi_o))
        return NULL;
    size_t nsec;
    PyArrayObject *sos = as_sos(sos_o, &nsec), *x = NULL, *zi = NULL, *y = NULL, *zf = NULL;
    pt_sos *f = NULL;
    PyObject *ret = NULL;
    if (!sos || !(x = as_vector(x_o, "x")))
        goto done;
    if (zi_o != Py_None) {
        zi = (PyArrayObject *)PyArray_FROMANY(zi_o, NPY_DOUBLE, 2, 2, NPY_ARRAY_IN_ARRAY);
        if (!zi || PyArray_DIM(zi, 0) != (npy_intp)nsec || PyArray_DIM(zi, 1) != 2) {
            PyErr_Clear();
            PyErr_Format(InvalidArgumentError, "zi: an array of shape (%zu, 2) is needed", nsec);
            goto done;
        }
    }
    npy_intp n = PyArray_DIM(x, 0), zd[2] = {(npy_intp)nsec, 2};
    if (!(y = new_vector(n)) || !(zf = (PyArrayObject *)PyArray_SimpleNew(2, zd, NPY_DOUBLE)))
        goto done;
    pt_error err = {0};
    int rc = PT_OK;
    PyThreadState *ts = PyEval_SaveThread();
    f = pt_sos_create(data_of(sos), nsec, 0, &err);
    if (f) {
        if (zi)
            pt_sos_set_state(f, data_of(zi));
        rc = pt_sos_execute(f, data_of(x), (double *)PyArray_DATA(y), (size_t)n);
        pt_sos_get_state(f, (double *)PyArray_DATA(zf));
    }
    PyEval_RestoreThread(ts);
    if (!f || rc) {
        raise_status(f ? rc : err.code, &err);
        goto done;
    }
    ret = Py_BuildValue("OO", y, zf);
done:
    pt_sos_destroy(f);
    Py_XDECREF(sos);
    Py_XDECREF(x);
    Py_XDECREF(zi);
    Py_XDECREF(y);
    Py_XDECREF(zf);
    return ret;
}

static PyObject *py_sosfiltfilt(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *sos_o, *x_o;
    if (!PyArg_ParseTuple(args, "OO", &sos_o, &x_o))
        return NULL;
    size_t nsec;
    PyArrayObject *sos = as_sos(sos_o, &nsec), *x = NULL, *y = NULL;
    PyObject *ret = NULL;
    if (!sos || !(x = as_vector(x_o, "x")))
        goto done;
    npy_intp n = PyArray_DIM(x, 0);
    if (!(y = new_vector(n)))
        goto done;
    pt_error err = {0};
    int rc = PT_OK;
    PyThreadState *ts = PyEval_SaveThread();
    pt_sos *f = pt_sos_create(data_of(sos), nsec, (size_t)n, &err);
    rc = f ? pt_sos_filtfilt(f, data_of(x), (double *)PyArray_DATA(y), (size_t)n, &err) : err.code;
    pt_sos_destroy(f);
    PyEval_RestoreThread(ts);
    if (rc) {
        raise_status(rc, &err);
        goto done;
    }
    ret = (PyObject *)y;
    y = NULL;
done:
    Py_XDECREF(sos);
    Py_XDECREF(x);
    Py_XDECREF(y);
    return ret;
}

/* welch(x, fs, window, nperseg, noverlap, nfft, detrend(0 none,1 constant,2 linear),
 *       scaling(0 density,1 spectrum), average(0 mean,1 median)) -> (f, psd) */
static PyObject *py_welch(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *x_o;
    double fs;
    int window, detrend, scaling, average;
    Py_ssize_t nperseg, noverlap, nfft;
    if (!PyArg_ParseTuple(args, "Odinnniii", &x_o, &fs, &window, &nperseg, &noverlap, &nfft,
                          &detrend, &scaling, &average))
        return NULL;
    if (nperseg < 1 || noverlap < 0 || nfft < 1) {
        PyErr_SetString(InvalidArgumentError, "welch: nperseg >= 1, noverlap >= 0, nfft >= 1");
        return NULL;
    }
    PyArrayObject *x = as_vector(x_o, "x"), *f = NULL, *p = NULL;
    PyObject *ret = NULL;
    if (!x)
        return NULL;
    size_t n = (size_t)PyArray_DIM(x, 0);
    pt_welch_config cfg = pt_welch_defaults(fs);
    cfg.nperseg = (size_t)nperseg;
    cfg.noverlap = (size_t)noverlap;
    cfg.nfft = (size_t)nfft;
    cfg.window = (pt_window)window;
    cfg.detrend_constant = detrend == 1;
    cfg.detrend_linear = detrend == 2;
    cfg.scaling = scaling ? PT_SCALING_SPECTRUM : PT_SCALING_DENSITY;
    cfg.average = average ? PT_AVERAGE_MEDIAN : PT_AVERAGE_MEAN;
    cfg.max_n = n;
    pt_error err = {0};
    PyThreadState *ts = PyEval_SaveThread();
    pt_welch *w = pt_welch_create(&cfg, &err);
    PyEval_RestoreThread(ts);
    if (!w) {
        raise_status(err.code, &err);
        goto done;
    }
    npy_intp nf = (npy_intp)pt_welch_nfreq(w);
    if (!(f = new_vector(nf)) || !(p = new_vector(nf)))
        goto done;
    pt_welch_freqs(w, (double *)PyArray_DATA(f));
    ts = PyEval_SaveThread();
    int rc = pt_welch_execute(w, data_of(x), n, (double *)PyArray_DATA(p), NULL);
    PyEval_RestoreThread(ts);
    if (rc) {
        pt_error_set(&err, rc, "welch: %zu samples, fewer than nperseg = %zu", n, cfg.nperseg);
        raise_status(rc, &err);
        goto done;
    }
    ret = Py_BuildValue("OO", f, p);
done:
    ts = PyEval_SaveThread(); /* takes the FFT planner lock */
    pt_welch_destroy(w);
    PyEval_RestoreThread(ts);
    Py_XDECREF(x);
    Py_XDECREF(f);
    Py_XDECREF(p);
    return ret;
}

/* find_peaks(x, hmin, hmax, distance, pmin, pmax, want_bases) -> (idx, prominences, lb, rb);
 * the last three None unless want_bases */
static PyObject *py_find_peaks(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *x_o;
    pt_peaks_config cfg = pt_peaks_defaults();
    int bases;
    if (!PyArg_ParseTuple(args, "Odddddp", &x_o, &cfg.height_min, &cfg.height_max, &cfg.distance,
                          &cfg.prominence_min, &cfg.prominence_max, &bases))
        return NULL;
    PyArrayObject *x = as_vector(x_o, "x");
    if (!x)
        return NULL;
    size_t n = (size_t)PyArray_DIM(x, 0), cap = pt_peaks_capacity(n), np_ = 0;
    PyObject *ret = NULL;
    /* scratch at the largest peak count; prominences and bases only when asked for */
    size_t sz = cap ? cap : 1;
    size_t *idx = PyMem_RawMalloc(sz * sizeof *idx);
    size_t *lb = bases ? PyMem_RawMalloc(sz * sizeof *lb) : NULL;
    size_t *rb = bases ? PyMem_RawMalloc(sz * sizeof *rb) : NULL;
    double *prom = bases ? PyMem_RawMalloc(sz * sizeof *prom) : NULL;
    PyArrayObject *oi = NULL, *op = NULL, *ol = NULL, *orb = NULL;
    if (!idx || (bases && (!lb || !rb || !prom))) {
        PyErr_NoMemory();
        goto done;
    }
    pt_error err = {0};
    int rc = PT_OK;
    /* With a prominence condition: height and distance in the kernel, then the prominences
     * and bases once (scipy's order: height, distance, prominence), then the condition. */
    double pmin = cfg.prominence_min, pmax = cfg.prominence_max;
    if (bases) {
        cfg.prominence_min = -HUGE_VAL;
        cfg.prominence_max = HUGE_VAL;
    }
    PyThreadState *ts = PyEval_SaveThread();
    pt_peaks *pk = pt_peaks_create(&cfg, n ? n : 1, &err);
    rc = pk ? pt_peaks_execute(pk, data_of(x), n, idx, NULL, &np_) : err.code;
    if (!rc && bases) {
        rc = pt_peak_prominences(data_of(x), n, idx, np_, prom, lb, rb);
        size_t m = 0;
        for (size_t i = 0; i < np_; i++)
            if (pmin <= prom[i] && prom[i] <= pmax) {
                idx[m] = idx[i];
                prom[m] = prom[i];
                lb[m] = lb[i];
                rb[m] = rb[i];
                m++;
            }
        np_ = m;
    }
    pt_peaks_destroy(pk);
    PyEval_RestoreThread(ts);
    if (rc) {
        raise_status(rc, &err);
        goto done;
    }
    npy_intp m = (npy_intp)np_;
    if (!(oi = (PyArrayObject *)PyArray_SimpleNew(1, &m, NPY_INTP)))
        goto done;
    for (size_t i = 0; i < np_; i++)
        ((npy_intp *)PyArray_DATA(oi))[i] = (npy_intp)idx[i];
    if (!bases) { /* prominences and bases not asked for: None */
        ret = Py_BuildValue("OOOO", oi, Py_None, Py_None, Py_None);
        goto done;
    }
    if (!(op = new_vector(m)) || !(ol = (PyArrayObject *)PyArray_SimpleNew(1, &m, NPY_INTP)) ||
        !(orb = (PyArrayObject *)PyArray_SimpleNew(1, &m, NPY_INTP)))
        goto done;
    for (size_t i = 0; i < np_; i++) {
        ((npy_intp *)PyArray_DATA(ol))[i] = (npy_intp)lb[i];
        ((npy_intp *)PyArray_DATA(orb))[i] = (npy_intp)rb[i];
        ((double *)PyArray_DATA(op))[i] = prom[i];
    }
    ret = Py_BuildValue("OOOO", oi, op, ol, orb);
done:
    PyMem_RawFree(idx);
    PyMem_RawFree(lb);
    PyMem_RawFree(rb);
    PyMem_RawFree(prom);
    Py_XDECREF(x);
    Py_XDECREF(oi);
    Py_XDECREF(op);
    Py_XDECREF(ol);
    Py_XDECREF(orb);
    return ret;
}

static PyObject *py_resample_poly(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *x_o;
    int up, down;
    if (!PyArg_ParseTuple(args, "Oii", &x_o, &up, &down))
        return NULL;
    PyArrayObject *x = as_vector(x_o, "x"), *y = NULL;
    if (!x)
        return NULL;
    size_t n = (size_t)PyArray_DIM(x, 0);
    PyObject *ret = NULL;
    pt_error err = {0};
    PyThreadState *ts = PyEval_SaveThread();
    pt_resample *r = pt_resample_create(up, down, &err);
    PyEval_RestoreThread(ts);
    if (!r) {
        raise_status(err.code, &err);
        goto done;
    }
    if (n == 0) {
        PyErr_SetString(InvalidArgumentError, "resample_poly: x is empty");
        goto done;
    }
    if (!(y = new_vector((npy_intp)pt_resample_nout(r, n))))
        goto done;
    ts = PyEval_SaveThread();
    int rc = pt_resample_execute(r, data_of(x), n, (double *)PyArray_DATA(y), NULL);
    PyEval_RestoreThread(ts);
    if (rc) {
        raise_status(rc, &err);
        goto done;
    }
    ret = (PyObject *)y;
    y = NULL;
done:
    pt_resample_destroy(r);
    Py_XDECREF(x);
    Py_XDECREF(y);
    return ret;
}

/* ---- options: Python keywords onto the C structs, by field name ----
 * The tables below name each field and take its offset and size from the header with
 * offsetof/sizeof, so nothing here mirrors a layout by hand. */

typedef enum { F_DBL, F_INT, F_CHAR, F_STRBUF, F_STRPTR, F_SIZE } ftype;
typedef struct field {
    const char *name;
    ftype type;
    size_t off, size;
} field;

#define FLD(S, name, type)                                                                         \
    {                                                                                              \
#name, type, offsetof(S, name), sizeof(((S *)0)->name)                                     \
    }
static const field param_fields[] = {
    FLD(pt_params, subject_id, F_STRBUF),
    FLD(pt_params, age_y, F_DBL),
    FLD(pt_params, sex, F_CHAR),
    FLD(pt_params, hr_rest_bpm, F_DBL),
    FLD(pt_params, hr_max_bpm, F_DBL),
    FLD(pt_params, ppg_lo_hz, F_DBL),
    FLD(pt_params, ppg_hi_hz, F_DBL),
    FLD(pt_params, ppg_order, F_INT),
    FLD(pt_params, hr_window_s, F_DBL),
    FLD(pt_params, hr_step_s, F_DBL),
    FLD(pt_params, hr_lo_bpm, F_DBL),
    FLD(pt_params, hr_hi_bpm, F_DBL),
    FLD(pt_params, epoch_s, F_DBL),
    FLD(pt_params, mad_light_mg, F_DBL),
    FLD(pt_params, mad_moderate_mg, F_DBL),
    FLD(pt_params, mad_vigorous_mg, F_DBL),
    FLD(pt_params, enmo_light_mg, F_DBL),
    FLD(pt_params, enmo_moderate_mg, F_DBL),
    FLD(pt_params, enmo_vigorous_mg, F_DBL),
    FLD(pt_params, nonwear_window_s, F_DBL),
    FLD(pt_params, nonwear_sd_mg, F_DBL),
    FLD(pt_params, nonwear_range_mg, F_DBL),
    FLD(pt_params, tz, F_STRBUF),
    FLD(pt_params, min_wear_h, F_DBL),
    FLD(pt_params, calibrate, F_INT),
    FLD(pt_params, gait_window_s, F_DBL),
    FLD(pt_params, run_cadence_spm, F_DBL),
    FLD(pt_params, hrr_sustain_s, F_DBL),
    FLD(pt_params, bout_min_s, F_DBL),
    FLD(pt_params, bout_tolerance_s, F_DBL),
    FLD(pt_params, recovery_min_exercise_s, F_DBL),
    FLD(pt_params, recovery_rest_s, F_DBL),
    FLD(pt_params, recovery_fit_s, F_DBL),
};
static const field read_fields[] = {
    FLD(pt_read_options, format, F_STRPTR),    FLD(pt_read_options, fs_hz, F_DBL),
    FLD(pt_read_options, acc_units, F_STRPTR), FLD(pt_read_options, max_gap_s, F_DBL),
    FLD(pt_read_options, channels, F_STRPTR),  FLD(pt_read_options, allow_truncated, F_INT),
    FLD(pt_read_options, h5_ppg, F_STRPTR),    FLD(pt_read_options, h5_acc_x, F_STRPTR),
    FLD(pt_read_options, h5_acc_y, F_STRPTR),  FLD(pt_read_options, h5_acc_z, F_STRPTR),
    FLD(pt_read_options, h5_ecg, F_STRPTR),    FLD(pt_read_options, h5_hr, F_STRPTR),
    FLD(pt_read_options, h5_ppg_fs_hz, F_DBL), FLD(pt_read_options, h5_acc_fs_hz, F_DBL),
    FLD(pt_read_options, h5_ecg_fs_hz, F_DBL), FLD(pt_read_options, h5_hr_fs_hz, F_DBL),
    FLD(pt_read_options, start, F_STRPTR),     FLD(pt_read_options, sample_abs_max, F_DBL),
};
static const field run_fields[] = {
    FLD(pt_run_options, threads, F_INT),
    FLD(pt_run_options, scratch_dir, F_STRPTR),
    FLD(pt_run_options, scratch_heap_max, F_SIZE),
};
#undef FLD

#define NFIELDS(t) (sizeof t / sizeof t[0])

/* Set one field of base from value; -1 with an exception. F_STRPTR points into the str
 * object, which the caller's dict keeps alive for the call. */
static int set_field(void *base, const field *f, PyObject *value)
{
    char *p = (char *)base + f->off;
    switch (f->type) {
    case F_DBL: {
        double v = PyFloat_AsDouble(value);
        if (v == -1.0 && PyErr_Occurred())
            goto type;
        memcpy(p, &v, sizeof v);
        return 0;
    }
    case F_INT: {
        if (PyFloat_Check(value))
            goto type;
        long v = PyLong_AsLong(value);
        if (v == -1 && PyErr_Occurred())
            goto type;
        if (v < INT32_MIN || v > INT32_MAX) {
            PyErr_Format(InvalidArgumentError, "%s: %ld is out of range", f->name, v);
            return -1;
        }
        int iv = (int)v;
        memcpy(p, &iv, sizeof iv);
        return 0;
    }
    case F_SIZE: {
        size_t v = PyLong_AsSize_t(value);
        if (v == (size_t)-1 && PyErr_Occurred())
            goto type;
        memcpy(p, &v, sizeof v);
        return 0;
    }
    case F_CHAR: {
        const char *s = PyUnicode_Check(value) ? PyUnicode_AsUTF8(value) : NULL;
        if (!s || strlen(s) > 1)
            goto type;
        *p = s[0];
        return 0;
    }
    case F_STRBUF:
    case F_STRPTR: {
        if (value == Py_None && f->type == F_STRPTR) {
            const char *null = NULL;
            memcpy(p, &null, sizeof null);
            return 0;
        }
        const char *s = PyUnicode_Check(value) ? PyUnicode_AsUTF8(value) : NULL;
        if (!s)
            goto type;
        if (f->type == F_STRPTR) {
            memcpy(p, &s, sizeof s);
            return 0;
        }
        if (strlen(s) >= f->size) {
            PyErr_Format(InvalidArgumentError, "%s: '%s' is longer than %zu characters", f->name, s,
                         f->size - 1);
            return -1;
        }
        snprintf(p, f->size, "%s", s);
        return 0;
    }
    }
type:
    PyErr_Clear();
    PyErr_Format(InvalidArgumentError, "%s: %R is not a valid value (%s expected)", f->name, value,
                 f->type == F_DBL                        ? "a number"
                 : f->type == F_INT || f->type == F_SIZE ? "an integer"
                 : f->type == F_CHAR                     ? "one character"
                 : f->type == F_STRPTR                   ? "a string or None"
                                                         : "a string");
    return -1;
}

/* Every key of opts onto ropt, p or run; unknown keys are refused naming the known ones. */
static int apply_options(PyObject *opts, pt_read_options *ropt, pt_params *p, pt_run_options *run)
{
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(opts, &pos, &key, &value)) {
        const char *k = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
        if (!k)
            return -1;
        if (!strcmp(k, "exercise_end_s")) {
            PyObject *seq = PySequence_Fast(value, "exercise_end_s: a sequence of times [s]");
            if (!seq)
                return -1;
            Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
            if (m > 32) {
                Py_DECREF(seq);
                PyErr_SetString(InvalidArgumentError, "exercise_end_s: at most 32 times");
                return -1;
            }
            for (Py_ssize_t i = 0; i < m; i++) {
                p->exercise_end_s[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i));
                if (PyErr_Occurred()) {
                    Py_DECREF(seq);
                    return -1;
                }
            }
            p->n_exercise_end = (size_t)m;
            Py_DECREF(seq);
            continue;
        }
        const field *f = NULL;
        void *base = NULL;
        for (size_t i = 0; !f && i < NFIELDS(param_fields); i++)
            if (!strcmp(k, param_fields[i].name))
                f = &param_fields[i], base = p;
        for (size_t i = 0; !f && i < NFIELDS(read_fields); i++)
            if (!strcmp(k, read_fields[i].name))
                f = &read_fields[i], base = ropt;
        for (size_t i = 0; !f && i < NFIELDS(run_fields); i++)
            if (!strcmp(k, run_fields[i].name))
                f = &run_fields[i], base = run;
        if (!f) {
            PyErr_Format(InvalidArgumentError,
                         "unknown option '%s' (see pulsetrain.options() for the names)", k);
            return -1;
        }
        if (set_field(base, f, value))
            return -1;
    }
    return 0;
}

/* options() -> {name: "params"|"read"|"run"} */
static PyObject *py_options(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    static const struct {
        const field *f;
        size_t n;
        const char *group;
    } groups[] = {{param_fields, NFIELDS(param_fields), "params"},
                  {read_fields, NFIELDS(read_fields), "read"},
                  {run_fields, NFIELDS(run_fields), "run"}};
    for (size_t g = 0; g < 3; g++)
        for (size_t i = 0; i < groups[g].n; i++) {
            PyObject *v = PyUnicode_FromString(groups[g].group);
            if (!v || PyDict_SetItemString(d, groups[g].f[i].name, v)) {
                Py_XDECREF(v);
                Py_DECREF(d);
                return NULL;
            }
            Py_DECREF(v);
        }
    PyObject *v = PyUnicode_FromString("params");
    if (!v || PyDict_SetItemString(d, "exercise_end_s", v)) {
        Py_XDECREF(v);
        Py_DECREF(d);
        return NULL;
    }
    Py_DECREF(v);
    return d;
}

/* params_json(**options) -> the run's parameters as JSON (defaults with options applied) */
static PyObject *py_params_json(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *opts;
    if (!PyArg_ParseTuple(args, "O!", &PyDict_Type, &opts))
        return NULL;
    pt_params p = pt_params_defaults();
    pt_read_options ro = pt_read_defaults();
    pt_run_options run = pt_run_defaults();
    if (apply_options(opts, &ro, &p, &run))
        return NULL;
    size_t need = pt_params_json(&p, NULL, 0);
    char *buf = PyMem_Malloc(need + 1);
    if (!buf)
        return PyErr_NoMemory();
    pt_params_json(&p, buf, need + 1);
    PyObject *s = PyUnicode_FromString(buf);
    PyMem_Free(buf);
    return s;
}

/* ---- summaries: into plain Python objects (pulsetrain/__init__.py makes DataFrames) ---- */

static int set_str(PyObject *d, const char *key, const char *s)
{
    PyObject *v = s ? PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace")
                    : (Py_INCREF(Py_None), Py_None);
    int rc = v ? PyDict_SetItemString(d, key, v) : -1;
    Py_XDECREF(v);
    return rc;
}

static int set_num(PyObject *d, const char *key, double x)
{
    PyObject *v = PyFloat_FromDouble(x);
    int rc = v ? PyDict_SetItemString(d, key, v) : -1;
    Py_XDECREF(v);
    return rc;
}

static int set_obj(PyObject *d, const char *key, PyObject *v) /* steals v */
{
    int rc = v ? PyDict_SetItemString(d, key, v) : -1;
    Py_XDECREF(v);
    return rc;
}

static PyObject *recording_dict(const pt_recording_info *r)
{
    PyObject *d = PyDict_New(), *chans = PyList_New(0);
    if (!d || !chans)
        goto fail;
    if (set_str(d, "path", r->path) || set_str(d, "format", r->format) ||
        set_str(d, "start_time_utc", r->start_time_utc) ||
        set_num(d, "start_unix_s", r->start_unix_s) || set_num(d, "duration_s", r->duration_s) ||
        set_str(d, "note", r->note))
        goto fail;
    for (size_t c = 0; c < r->nchan; c++) {
        const pt_channel_info *ch = &r->chan[c];
        PyObject *cd = PyDict_New();
        if (!cd || set_str(cd, "name", ch->name) || set_str(cd, "kind", pt_kind_name(ch->kind)) ||
            set_num(cd, "fs_hz", ch->fs_hz) || set_str(cd, "units", ch->units) ||
            set_num(cd, "t0_s", ch->t0_s) ||
            set_num(cd, "n_samples", ch->n_samples >= 0 ? (double)ch->n_samples : (double)NAN) ||
            PyList_Append(chans, cd)) {
            Py_XDECREF(cd);
            goto fail;
        }
        Py_DECREF(cd);
    }
    if (set_obj(d, "channels", chans))
        goto fail_d;
    return d;
fail:
    Py_XDECREF(chans);
fail_d:
    Py_XDECREF(d);
    return NULL;
}

static PyObject *table_dict(const pt_table *t)
{
    size_t nrows = pt_table_nrows(t), ncols = pt_table_ncols(t);
    PyObject *d = PyDict_New(), *cols = PyList_New(0), *attrs = PyDict_New();
    if (!d || !cols || !attrs)
        goto fail;
    for (size_t c = 0; c < ncols; c++) {
        const char *name = pt_table_colname(t, c);
        npy_intp n = (npy_intp)nrows;
        PyArrayObject *v = new_vector(n);
        PyObject *cd = PyDict_New();
        if (!v || !cd) {
            Py_XDECREF(v);
            Py_XDECREF(cd);
            goto fail;
        }
        const double *src = pt_table_column(t, name);
        if (nrows && src)
            memcpy(PyArray_DATA(v), src, nrows * sizeof(double));
        PyObject *type = PyLong_FromLong((long)pt_table_coltype(t, c));
        int bad = !type || set_str(cd, "name", name) ||
                  set_str(cd, "units", pt_table_colunits(t, c)) ||
                  set_str(cd, "description", pt_table_coldesc(t, c)) ||
                  set_str(cd, "source", pt_table_colsource(t, c)) ||
                  PyDict_SetItemString(cd, "type", type) ||
                  PyDict_SetItemString(cd, "values", (PyObject *)v) || PyList_Append(cols, cd);
        Py_XDECREF(type);
        Py_DECREF(v);
        Py_DECREF(cd);
        if (bad)
            goto fail;
    }
    for (size_t i = 0; i < pt_table_nattrs(t); i++)
        if (set_num(attrs, pt_table_attr_name(t, i), pt_table_attr(t, i)))
            goto fail;
    if (set_str(d, "name", pt_table_name(t)) || PyDict_SetItemString(d, "columns", cols) ||
        PyDict_SetItemString(d, "attrs", attrs))
        goto fail;
    pt_table_release(t);
    Py_DECREF(cols);
    Py_DECREF(attrs);
    return d;
fail:
    pt_table_release(t);
    Py_XDECREF(cols);
    Py_XDECREF(attrs);
    Py_XDECREF(d);
    return NULL;
}

static PyObject *summary_dict(const pt_summary *s, const pt_summary_meta *meta)
{
    PyObject *d = PyDict_New(), *tables = PyList_New(0);
    if (!d || !tables)
        goto fail;
    for (size_t i = 0; i < pt_summary_ntables(s); i++) {
        PyObject *t = table_dict(pt_summary_table_at(s, i));
        if (!t || PyList_Append(tables, t)) {
            Py_XDECREF(t);
            goto fail;
        }
        Py_DECREF(t);
    }
    if (set_obj(d, "tables", tables)) {
        tables = NULL;
        goto fail;
    }
    tables = NULL;
    if (set_obj(d, "recording", recording_dict(pt_summary_recording(s))) ||
        set_str(d, "notes", pt_summary_notes(s)) ||
        set_str(d, "subject_id", pt_summary_subject_id(s)) ||
        set_str(d, "parameters", pt_summary_parameters(s)))
        goto fail;
    if (meta) {
        PyObject *sv = PyLong_FromLong(meta->schema_version);
        if (set_obj(d, "schema_version", sv) ||
            set_str(d, "pulsetrain_version", meta->pulsetrain_version) ||
            set_str(d, "source_sha256", meta->source_sha256))
            goto fail;
    }
    return d;
fail:
    Py_XDECREF(tables);
    Py_XDECREF(d);
    return NULL;
}

/* ---- the pipeline ---- */

/* pt_process on a thread of its own while the calling thread, GIL released, waits for it and
 * every 100 ms takes the GIL to run Python's signal handlers: Ctrl-C (KeyboardInterrupt)
 * sets the run's cancel flag, pt_process stops before its next block (PT_ECANCELED, no
 * file left) and the exception propagates. Without a thread to be had, it runs here. */
typedef struct process_job {
    const char *path;
    const pt_read_options *ro;
    const pt_params *p;
    pt_run_options *run;
    const char *out;
    pt_error *err;
    pt_summary *s;
    int rc, done;
    volatile sig_atomic_t cancel;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} process_job;

static void *process_main(void *arg)
{
    process_job *j = arg;
    int rc = pt_process(j->path, j->ro, j->p, j->run, j->out, &j->s, j->err);
    pthread_mutex_lock(&j->mu);
    j->rc = rc;
    j->done = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

static int process_interruptible(process_job *j, pt_summary **s)
{
    j->run->cancel = &j->cancel;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    pthread_t tid;
    PyThreadState *ts = PyEval_SaveThread();
    int threaded = pthread_create(&tid, NULL, process_main, j) == 0;
    if (!threaded)
        process_main(j);
    int interrupted = 0;
    pthread_mutex_lock(&j->mu);
    while (!j->done) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&j->cv, &j->mu, &until);
        if (j->done || interrupted)
            continue;
        pthread_mutex_unlock(&j->mu);
        PyEval_RestoreThread(ts);
        if (PyErr_CheckSignals() < 0) { /* the exception stays set for the caller */
            interrupted = 1;
            j->cancel = SIGINT;
        }
        ts = PyEval_SaveThread();
        pthread_mutex_lock(&j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    if (threaded)
        pthread_join(tid, NULL);
    PyEval_RestoreThread(ts);
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    *s = j->s; /* with an exception set (interrupted), the caller drops it */
    return j->rc;
}

/* run(path or None, channels or None, start_unix_s, options dict, out_h5 or None) -> dict.
 * channels: a list of (name, kind, fs_hz, units or None, t0_s, x, t or None). */
static PyObject *py_run(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *path_o, *chans_o, *opts, *out_o;
    double start_unix_s;
    if (!PyArg_ParseTuple(args, "OOdO!O", &path_o, &chans_o, &start_unix_s, &PyDict_Type, &opts,
                          &out_o))
        return NULL;
    pt_params p = pt_params_defaults();
    pt_read_options ro = pt_read_defaults();
    pt_run_options run = pt_run_defaults();
    if (apply_options(opts, &ro, &p, &run))
        return NULL;
    PyObject *path_b = NULL, *out_b = NULL, *ret = NULL;
    PyArrayObject *keep[2 * PT_MAX_CHANNELS] = {0};
    pt_memory_channel mc[PT_MAX_CHANNELS];
    pt_memory_recording mem = {.label = "<arrays>", .start_unix_s = start_unix_s};
    const char *path = NULL, *out = NULL;
    if (path_o != Py_None) {
        if (!PyUnicode_FSConverter(path_o, &path_b))
            return NULL;
        path = PyBytes_AS_STRING(path_b);
    }
    if (out_o != Py_None) {
        if (!PyUnicode_FSConverter(out_o, &out_b))
            goto done;
        out = PyBytes_AS_STRING(out_b);
    }
    if (chans_o != Py_None) {
        if (!PyList_Check(chans_o) || PyList_GET_SIZE(chans_o) < 1 ||
            PyList_GET_SIZE(chans_o) > PT_MAX_CHANNELS) {
            PyErr_Format(InvalidArgumentError, "between 1 and %d channels are needed",
                         PT_MAX_CHANNELS);
            goto done;
        }
        mem.nchan = (size_t)PyList_GET_SIZE(chans_o);
        for (size_t c = 0; c < mem.nchan; c++) {
            PyObject *x_o, *t_o, *units_o;
            const char *name;
            int kind;
            double fs, t0;
            if (!PyArg_ParseTuple(PyList_GET_ITEM(chans_o, c), "sidOdOO", &name, &kind, &fs,
                                  &units_o, &t0, &x_o, &t_o))
                goto done;
            mc[c] =
                (pt_memory_channel){.name = name, .kind = (pt_kind)kind, .fs_hz = fs, .t0_s = t0};
            if (units_o != Py_None && !(mc[c].units = PyUnicode_AsUTF8(units_o)))
                goto done;
            char what[96];
            snprintf(what, sizeof what, "%s samples", name);
            if (!(keep[2 * c] = as_vector(x_o, what)))
                goto done;
            mc[c].x = data_of(keep[2 * c]);
            mc[c].n = (size_t)PyArray_DIM(keep[2 * c], 0);
            if (t_o != Py_None) {
                snprintf(what, sizeof what, "%s times", name);
                if (!(keep[2 * c + 1] = as_vector(t_o, what)))
                    goto done;
                if ((size_t)PyArray_DIM(keep[2 * c + 1], 0) != mc[c].n) {
                    PyErr_Format(InvalidArgumentError,
                                 "%s: %zu samples but %zd times; one time per sample", name,
                                 mc[c].n, PyArray_DIM(keep[2 * c + 1], 0));
                    goto done;
                }
                mc[c].t = data_of(keep[2 * c + 1]);
            }
        }
        mem.chan = mc;
        ro.memory = &mem;
        path = mem.label;
    }
    if (!path) {
        PyErr_SetString(InvalidArgumentError, "no recording: a path or arrays are needed");
        goto done;
    }
    pt_error err = {0};
    pt_summary *s = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    process_job job = {.path = path, .ro = &ro, .p = &p, .run = &run, .out = out, .err = &err};
    int rc = process_interruptible(&job, &s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (PyErr_Occurred()) { /* KeyboardInterrupt (or another signal handler's exception) */
        pt_summary_destroy(s);
        goto done;
    }
    if (rc) {
        raise_status(rc, &err);
        goto done;
    }
    ret = summary_dict(s, NULL);
    pt_summary_destroy(s);
    /* the C call's own wall time, for bench/python_bench.py's overhead figure */
    if (ret &&
        set_num(ret, "c_wall_s",
                (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec))) {
        Py_CLEAR(ret);
    }
done:
    for (size_t i = 0; i < 2 * PT_MAX_CHANNELS; i++)
        Py_XDECREF(keep[i]);
    Py_XDECREF(path_b);
    Py_XDECREF(out_b);
    return ret;
}

static PyObject *py_read_summary(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *path_b;
    if (!PyArg_ParseTuple(args, "O&", PyUnicode_FSConverter, &path_b))
        return NULL;
    pt_summary_meta meta;
    memset(&meta, 0, sizeof meta);
    pt_error err = {0};
    const char *path = PyBytes_AS_STRING(path_b);
    PyThreadState *ts = PyEval_SaveThread();
    pt_summary *s = pt_summary_read_h5(path, &meta, &err);
    PyEval_RestoreThread(ts);
    PyObject *ret = s ? summary_dict(s, &meta) : raise_status(err.code, &err);
    pt_summary_destroy(s);
    Py_DECREF(path_b);
    return ret;
}

static PyObject *py_class_names(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *l = PyList_New(PT_NCLASS);
    if (!l)
        return NULL;
    for (int i = 0; i < PT_NCLASS; i++) {
        PyObject *s = PyUnicode_FromString(pt_class_name(i));
        if (!s) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, i, s);
    }
    return l;
}

static PyMethodDef methods[] = {
    {"butter", py_butter, METH_VARARGS, "butter(order, band, f1_hz, f2_hz, fs_hz) -> sos"},
    {"sosfilt", py_sosfilt, METH_VARARGS, "sosfilt(sos, x, zi) -> (y, zf)"},
    {"sosfiltfilt", py_sosfiltfilt, METH_VARARGS, "sosfiltfilt(sos, x) -> y"},
    {"welch", py_welch, METH_VARARGS, "welch(x, fs, window, nperseg, noverlap, nfft, ...)"},
    {"find_peaks", py_find_peaks, METH_VARARGS, "find_peaks(x, hmin, hmax, distance, ...)"},
    {"resample_poly", py_resample_poly, METH_VARARGS, "resample_poly(x, up, down) -> y"},
    {"run", py_run, METH_VARARGS, "run(path, channels, start_unix_s, options, out) -> dict"},
    {"read_summary", py_read_summary, METH_VARARGS, "read_summary(path) -> dict"},
    {"options", py_options, METH_NOARGS, "options() -> {name: group}"},
    {"params_json", py_params_json, METH_VARARGS, "params_json(options) -> str"},
    {"class_names", py_class_names, METH_NOARGS, "class_names() -> list of str"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "pulsetrain._core",
    "The compiled core of pulsetrain (use the pulsetrain package).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

/* A new exception class name(bases...) added to the module. */
static PyObject *new_exc(PyObject *m, const char *name, PyObject *bases, const char *doc)
{
    char full[96];
    snprintf(full, sizeof full, "pulsetrain.%s", name);
    PyObject *e = PyErr_NewExceptionWithDoc(full, doc, bases, NULL);
    Py_DECREF(bases);
    if (!e || PyModule_AddObjectRef(m, name, e) < 0) {
        Py_XDECREF(e);
        return NULL;
    }
    return e;
}

PyMODINIT_FUNC PyInit__core(void); /* the module's entry point, found by name */

PyMODINIT_FUNC PyInit__core(void)
{
    import_array();
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    if (!(Error = new_exc(m, "Error", Py_BuildValue("(O)", PyExc_Exception),
                          "Base of every error pulsetrain raises.")) ||
        !(InvalidArgumentError =
              new_exc(m, "InvalidArgumentError", Py_BuildValue("(OO)", Error, PyExc_ValueError),
                      "A bad argument or option (C status PT_EINVAL).")) ||
        !(DTypeError =
              new_exc(m, "DTypeError", Py_BuildValue("(OO)", InvalidArgumentError, PyExc_TypeError),
                      "An array of the wrong type (not real numbers).")) ||
        !(DataError = new_exc(m, "DataError", Py_BuildValue("(OO)", Error, PyExc_ValueError),
                              "A recording whose values cannot be used (PT_EDATA).")) ||
        !(FormatError = new_exc(m, "FormatError", Py_BuildValue("(O)", DataError),
                                "A file not in the format it claims (PT_EFORMAT).")) ||
        !(UnsupportedError =
              new_exc(m, "UnsupportedError", Py_BuildValue("(OO)", Error, PyExc_ValueError),
                      "A valid feature this build does not handle (PT_EUNSUPPORTED).")) ||
        !(PtIOError = new_exc(m, "IOError", Py_BuildValue("(OO)", Error, PyExc_OSError),
                              "The operating system refused a read or write (PT_EIO).")) ||
        !(InternalError =
              new_exc(m, "InternalError", Py_BuildValue("(OO)", Error, PyExc_RuntimeError),
                      "A bug in pulsetrain: an invariant did not hold (PT_EINTERNAL).")) ||
        !(CancelledError = new_exc(m, "CancelledError", Py_BuildValue("(O)", Error),
                                   "The run was asked to stop (PT_ECANCELED)."))) {
        Py_DECREF(m);
        return NULL;
    }
    PyModule_AddStringConstant(m, "version", PT_VERSION_STRING);
    return m;
}
