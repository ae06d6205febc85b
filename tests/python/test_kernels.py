# SPDX-License-Identifier: GPL-2.0-or-later
"""The kernels against scipy: on the reference vectors of ../shared/reference (scipy 1.10.1)
with the C parity tests' tolerances (tests/kernels/test_sos.c: design 1e-12 of the largest
coefficient; filtering and spectra 1e-9 of the signal's scale; peaks exact; resampling
1e-9), and against Debian's scipy in this process on fresh inputs (the same tolerances)."""
import json

import numpy as np
import pytest
import scipy.signal as ss

import pulsetrain as pt
from conftest import reference

TOL_DESIGN = 1e-12  # same algorithm in double: rounding only
TOL_FILTER = 1e-9   # recursions over up to 15000 samples: rounding accumulates


def close(ref, got, tol):
    ref, got = np.asarray(ref), np.asarray(got)
    assert ref.shape == got.shape
    scale = max(float(np.max(np.abs(ref))) if ref.size else 0.0, 1e-300)
    err = float(np.max(np.abs(ref - got))) if ref.size else 0.0
    assert err <= tol * scale, f"max error {err:.3g} > {tol} x scale {scale:.3g}"


def cases(f, prefix="case"):
    return [f[k] for k in sorted(f) if k.startswith(prefix)]


def test_butter_reference():
    h5py = pytest.importorskip("h5py")
    with h5py.File(reference("butter.h5")) as f:
        for g in cases(f):
            wn = g.attrs["wn"]
            sos = pt.butter(int(g.attrs["order"]), wn, btype=g.attrs["btype"],
                            fs=float(g.attrs["fs"]), output="sos")
            close(g["sos"][()], sos, TOL_DESIGN)


def test_filters_reference():
    h5py = pytest.importorskip("h5py")
    with h5py.File(reference("filter.h5")) as f:
        for g in cases(f):
            sos, x = g["sos"][()], g["x"][()]
            close(g["sosfilt"][()], pt.sosfilt(sos, x), TOL_FILTER)
            zi = g["sosfilt_zi"][()] * x[0]
            y, zf = pt.sosfilt(sos, x, zi=zi)
            close(g["sosfilt_with_zi"][()], y, TOL_FILTER)
            close(g["sosfilt_zf"][()], zf, TOL_FILTER)
            msg = g.attrs["sosfiltfilt_error"]
            if isinstance(msg, bytes):
                msg = msg.decode()
            if msg:
                with pytest.raises(ValueError, match="padlen"):
                    pt.sosfiltfilt(sos, x)
            else:
                close(g["sosfiltfilt"][()], pt.sosfiltfilt(sos, x), TOL_FILTER)


def _attr(g, k, default=None):
    v = g.attrs.get(k, default)
    return v.decode() if isinstance(v, bytes) else v


def test_welch_reference():
    h5py = pytest.importorskip("h5py")
    with h5py.File(reference("welch.h5")) as f:
        n = 0
        for g in cases(f):
            noverlap = _attr(g, "noverlap")
            detrend = _attr(g, "detrend")
            kw = dict(fs=float(g.attrs["fs"]), window=_attr(g, "window"),
                      nperseg=int(g.attrs["nperseg"]),
                      noverlap=None if noverlap == "none" else int(noverlap),
                      detrend=False if detrend == "false" else detrend,
                      scaling=_attr(g, "scaling"), average=_attr(g, "average"))
            if "nfft" in g.attrs:
                kw["nfft"] = int(g.attrs["nfft"])
            fr, p = pt.welch(g["x"][()], **kw)
            close(g["freq"][()], fr, TOL_DESIGN)
            close(g["pxx"][()], p, TOL_FILTER)
            n += 1
        assert n > 0


def test_find_peaks_reference():
    h5py = pytest.importorskip("h5py")
    with h5py.File(reference("peaks.h5")) as f:
        for g in cases(f):
            kw = json.loads(_attr(g, "kwargs_json"))
            kw = {k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()}
            supported = {"height", "distance", "prominence"}
            if set(kw) - supported:
                continue
            idx, props = pt.find_peaks(g["x"][()], **kw)
            assert np.array_equal(idx, g["peaks"][()])  # exact
            prom, _, _ = ss.peak_prominences(g["x"][()], idx)
            if "prominence" in kw:
                close(g["prominences"][()], props["prominences"], 1e-12)


def test_resample_reference():
    h5py = pytest.importorskip("h5py")
    with h5py.File(reference("resample.h5")) as f:
        for g in cases(f):
            y = pt.resample_poly(g["x"][()], int(g.attrs["up"]), int(g.attrs["down"]))
            close(g["y"][()], y, TOL_FILTER)


# ---- against scipy in this process, on fresh inputs

rng = np.random.default_rng(17)
X = np.cumsum(rng.standard_normal(20000)) + 5 * np.sin(np.arange(20000) * 0.05)


@pytest.mark.parametrize("order,wn,btype", [(4, (0.5, 4.0), "bandpass"), (2, 5.0, "lowpass"),
                                            (3, 0.3, "highpass"), (5, (1.0, 3.0), "bandstop")])
def test_kernels_match_scipy(order, wn, btype):
    fs = 64.0
    sos = pt.butter(order, wn, btype=btype, fs=fs, output="sos")
    ref = ss.butter(order, wn, btype=btype, fs=fs, output="sos")
    close(ref, sos, TOL_DESIGN)
    close(ss.sosfilt(ref, X), pt.sosfilt(sos, X), TOL_FILTER)
    close(ss.sosfiltfilt(ref, X), pt.sosfiltfilt(sos, X), TOL_FILTER)
    # 'ba' multiplied out from the sections: scipy's own zpk2tf, to rounding of the product
    b, a = pt.butter(order, wn, btype=btype, fs=fs)
    rb, ra = ss.butter(order, wn, btype=btype, fs=fs)
    close(rb, b, 1e-9)
    close(ra, a, 1e-9)


def test_butter_normalised_wn():
    close(ss.butter(4, 0.2, output="sos"), pt.butter(4, 0.2, output="sos"), TOL_DESIGN)


@pytest.mark.parametrize("kw", [{}, {"nperseg": 512}, {"nperseg": 300, "noverlap": 100,
                                                       "nfft": 1024, "window": "hamming"},
                                {"detrend": "linear", "scaling": "spectrum"},
                                {"average": "median", "nperseg": 128}])
def test_welch_matches_scipy(kw):
    f1, p1 = ss.welch(X, fs=32.0, **kw)
    f2, p2 = pt.welch(X, fs=32.0, **kw)
    close(f1, f2, TOL_DESIGN)
    close(p1, p2, TOL_FILTER)


def test_welch_short_input_like_scipy():
    x = X[:100]
    with pytest.warns(UserWarning):
        ref = ss.welch(x, nperseg=256)
    with pytest.warns(UserWarning):
        got = pt.welch(x, nperseg=256)
    close(ref[1], got[1], TOL_FILTER)
    with pytest.warns(UserWarning):  # the default nperseg too, as scipy
        close(ss.welch(x)[1], pt.welch(x)[1], TOL_FILTER)


@pytest.mark.parametrize("kw", [{}, {"height": 1.0}, {"distance": 25}, {"prominence": 2.0},
                                {"height": (0, 10), "distance": 7, "prominence": (0.5, None)}])
def test_find_peaks_matches_scipy(kw):
    x = np.sin(np.arange(3000) * 0.3) * 3 + rng.standard_normal(3000)
    i1, p1 = ss.find_peaks(x, **kw)
    i2, p2 = pt.find_peaks(x, **kw)
    assert np.array_equal(i1, i2)
    assert i2.dtype == np.intp
    assert set(p1) == set(p2)
    for k in p1:
        close(p1[k], p2[k], 1e-12)


@pytest.mark.parametrize("up,down", [(1, 2), (2, 1), (3, 2), (25, 32), (32, 25)])
def test_resample_poly_matches_scipy(up, down):
    close(ss.resample_poly(X, up, down), pt.resample_poly(X, up, down), TOL_FILTER)


def test_inputs_untouched_and_types():
    x = X.copy()
    sos = pt.butter(4, (0.5, 4), "bandpass", fs=64, output="sos")
    y = pt.sosfiltfilt(sos, x)
    assert np.array_equal(x, X)  # read in place, never written
    assert y.dtype == np.float64 and y.shape == x.shape and y.flags.c_contiguous
    # other real dtypes and lists are converted, as scipy converts them
    close(ss.sosfilt(sos, x.astype(np.float32)), pt.sosfilt(sos, x.astype(np.float32)),
          TOL_FILTER)
    close(ss.sosfilt(sos, list(range(50))), pt.sosfilt(sos, list(range(50))), TOL_FILTER)
    # strided input is handled (a contiguous copy is made)
    close(ss.sosfilt(sos, x[::2]), pt.sosfilt(sos, x[::2]), TOL_FILTER)


def traced_peak(f, *args):
    """Bytes numpy allocated at the peak of f(*args) (numpy reports to tracemalloc)."""
    import tracemalloc
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    f(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def test_no_copy_of_contiguous_float64():
    """float64 C-contiguous input is read in place: the call allocates its output only
    (8 MB), not a second 8 MB copy of the input, which float32 input needs."""
    x = np.random.default_rng(2).standard_normal(1_000_000)
    sos = pt.butter(4, (0.5, 4), "bandpass", fs=64, output="sos")
    mb = x.nbytes
    assert traced_peak(pt.sosfiltfilt, sos, x) < 1.25 * mb
    assert traced_peak(pt.sosfiltfilt, sos, x.astype(np.float32)) > 1.75 * mb  # the test bites
    assert traced_peak(lambda v: pt.welch(v, nperseg=1024), x) < 0.1 * mb
    # find_peaks: scratch for the largest possible peak count (n/2 indices) and the outputs
    assert traced_peak(lambda v: pt.find_peaks(v, distance=10), x) < mb


def test_n_d_input_along_an_axis_as_scipy():
    sos = ss.butter(4, (0.5, 4.0), "bandpass", fs=64, output="sos")
    x3 = X[:3 * 4 * 500].reshape(3, 4, 500)
    for axis in (-1, 0, 1):
        close(ss.sosfilt(sos, x3, axis=axis), pt.sosfilt(sos, x3, axis=axis), TOL_FILTER)
        if x3.shape[axis] > 27:  # longer than the default padding
            close(ss.sosfiltfilt(sos, x3, axis=axis), pt.sosfiltfilt(sos, x3, axis=axis),
                  TOL_FILTER)
        close(ss.resample_poly(x3, 3, 2, axis=axis), pt.resample_poly(x3, 3, 2, axis=axis),
              TOL_FILTER)
    f1, p1 = ss.welch(x3, fs=64, nperseg=128)
    f2, p2 = pt.welch(x3, fs=64, nperseg=128)
    close(f1, f2, TOL_DESIGN)
    close(p1, p2, TOL_FILTER)
    x2 = np.ascontiguousarray(x3[0].T)  # (500, 4): along axis 0
    close(ss.welch(x2, nperseg=64, axis=0)[1], pt.welch(x2, nperseg=64, axis=0)[1], TOL_FILTER)
    close(ss.resample_poly(x2, 2, 5), pt.resample_poly(x2, 2, 5), TOL_FILTER)  # axis 0 default
