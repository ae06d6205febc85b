# SPDX-License-Identifier: GPL-2.0-or-later
"""pulsetrain: wearable signal processing (heart rate under motion, intensity, recovery,
training load) from Python, over the C library of the same name.

    import pulsetrain as pt
    s = pt.process("rec.csv")                     # a file, as `pulsetrain process`
    s = pt.analyse(ppg=ppg, fs_ppg=64, acc=acc, fs_acc=32, start="2026-03-02T08:00Z")
    s.hr                                          # pandas DataFrame, units in s.hr.attrs
    s.attrs                                       # the summary's root attributes (dict)
    s = pt.read_summary("rec.h5")                 # a summary the CLI wrote

Kernels with scipy.signal's signatures and defaults (numpy in, numpy out):
butter, sosfilt, sosfiltfilt, welch, find_peaks, resample_poly.

Errors are pulsetrain.Error subclasses carrying the C library's message:
InvalidArgumentError and DataError (FormatError) are ValueErrors, IOError is an OSError,
DTypeError is also a TypeError. Every long call releases the GIL; calls share nothing,
so threads may call anything at once.
"""
from __future__ import annotations

import datetime as _dt
import json as _json
import math as _math
import os as _os
import warnings as _warnings

import numpy as _np

from . import _core
from ._core import (  # noqa: F401  (re-exported)
    CancelledError,
    DataError,
    DTypeError,
    Error,
    FormatError,
    InternalError,
    InvalidArgumentError,
    IOError,
    UnsupportedError,
)

__version__ = _core.version
__all__ = [
    "process", "analyse", "analyze", "read_summary", "Summary", "options", "defaults",
    "butter", "sosfilt", "sosfiltfilt", "welch", "find_peaks", "resample_poly",
    "Error", "InvalidArgumentError", "DTypeError", "DataError", "FormatError",
    "UnsupportedError", "IOError", "InternalError", "CancelledError",
]

# pt_kind (pulsetrain/io.h) by name, and pt_coltype (summary.h)
_KIND = {"ppg": 0, "acc_x": 1, "acc_y": 2, "acc_z": 3, "ecg": 4, "hr": 5, "ibi": 6, "aux": 7}
_COL_F64, _COL_CLASS, _COL_U8, _COL_DATE = 0, 1, 2, 3
# the time column of each table: the datetime index is start + this
_TIME_COLUMN = {"hr": "t_start_s", "beats": "t_s", "epochs": "t_start_s", "bouts": "t_start_s",
                "recovery": "t_end_exercise_s"}


# ---------------------------------------------------------------- summaries

class Summary:
    """The result of a run: tables as pandas DataFrames and the root attributes.

    tables  dict name -> DataFrame ("hr", "beats", "epochs", "bouts", "recovery", "daily")
            each also reachable as an attribute (s.hr) or item (s["hr"]). Columns carry
            their units in their names (bpm, t_start_s, enmo_mg) and in df.attrs["units"];
            df.attrs["descriptions"] describes them, df.attrs["sources"] names where heart
            rate came from, and the table's own numbers (window_s) are in df.attrs too.
            When the recording's absolute start is known the index is a UTC DatetimeIndex
            (start + the table's time column), else a RangeIndex. "class" columns are
            pandas Categoricals (nonwear, sedentary, light, moderate, vigorous).
    attrs   dict of the root attributes: path, format, start_time_utc, start_unix_s [s],
            duration_s [s], note, notes, subject_id, parameters (dict), and for a file read
            back schema_version, pulsetrain_version, source_sha256.
    channels  DataFrame of the recording's channels (name, kind, fs_hz, units, t0_s,
            n_samples).
    """

    def __init__(self, raw: dict):
        import pandas as pd

        rec = raw["recording"]
        # the index starts at the ISO start (to the ms, as a summary file keeps it), so that
        # a summary in memory and the same one read back from its file have equal indexes
        start = pd.Timestamp(rec["start_time_utc"]) if rec["start_time_utc"] else None
        self.attrs = {k: rec[k] for k in ("path", "format", "start_time_utc", "start_unix_s",
                                          "duration_s", "note")}
        self.attrs["notes"] = raw["notes"]
        self.attrs["subject_id"] = raw["subject_id"]
        try:
            self.attrs["parameters"] = _json.loads(raw["parameters"]) if raw["parameters"] else {}
        except ValueError:
            self.attrs["parameters"] = raw["parameters"]
        for k in ("schema_version", "pulsetrain_version", "source_sha256"):
            if k in raw:
                self.attrs[k] = raw[k]
        self.channels = pd.DataFrame(rec["channels"],
                                     columns=["name", "kind", "fs_hz", "units", "t0_s",
                                              "n_samples"])
        self.channels.attrs["units"] = {"fs_hz": "Hz", "t0_s": "s", "n_samples": "1"}
        self.tables = {t["name"]: _table_frame(t, start) for t in raw["tables"]}
        self._c_wall_s = raw.get("c_wall_s")  # time inside the C pipeline [s] (benchmarks)

    def __getitem__(self, name: str):
        return self.tables[name]

    def __getattr__(self, name: str):
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def __iter__(self):
        return iter(self.tables)

    def __dir__(self):
        return list(super().__dir__()) + list(self.tables)

    def __repr__(self):
        rows = ", ".join(f"{k}: {len(v)} rows" for k, v in self.tables.items())
        return f"<pulsetrain.Summary of {self.attrs['path']!r} ({rows})>"


def _table_frame(t: dict, start):
    import pandas as pd

    data, units, desc, sources = {}, {}, {}, {}
    classes = _core.class_names()
    for c in t["columns"]:
        name, v = c["name"], c["values"]
        if c["type"] == _COL_CLASS:
            codes = _np.where(_np.isnan(v), -1, v).astype(_np.int8)
            data[name] = pd.Categorical.from_codes(codes, categories=classes)
        elif c["type"] == _COL_U8:
            if _np.isnan(v).any():
                data[name] = pd.array([None if _math.isnan(x) else bool(x) for x in v],
                                      dtype="boolean")
            else:
                data[name] = v.astype(bool)
        elif c["type"] == _COL_DATE:
            data[name] = pd.to_datetime(v, unit="s", utc=True).date
        else:
            data[name] = v
        units[name] = c["units"]
        desc[name] = c["description"]
        if c["source"] is not None:
            sources[name] = c["source"]
    df = pd.DataFrame(data, copy=False)
    tcol = _TIME_COLUMN.get(t["name"])
    if tcol in df.columns and start is not None:
        df.index = pd.DatetimeIndex(start + pd.to_timedelta(df[tcol].to_numpy(), unit="s"),
                                    name="time")
    df.attrs["units"] = units
    df.attrs["descriptions"] = desc
    if sources:
        df.attrs["sources"] = sources
    df.attrs.update(t["attrs"])
    return df


def options() -> dict:
    """Every option process() and analyse() take, name -> group ("params": the analysis,
    "read": how the file is read, "run": threads and scratch files). The names are the
    fields of pt_params, pt_read_options and pt_run_options (include/pulsetrain/*.h)."""
    return _core.options()


def defaults(**options) -> dict:
    """The analysis parameters a run would use (defaults, with `options` applied), as the
    summary stores them."""
    return _json.loads(_core.params_json(dict(options)))


def _check_path(path):
    p = _os.fspath(path)
    if not _os.path.exists(p):
        import errno
        raise FileNotFoundError(errno.ENOENT, f"{p}: no such file or folder", p)
    return p


def process(path, *, out=None, **options) -> Summary:
    """Run the whole pipeline on a recording file (CSV, EDF/BDF, WFDB, Empatica E4, WAV/FLAC,
    Axivity CWA, HDF5), as `pulsetrain process PATH`.

    path     the recording (str or os.PathLike)
    out      also write the HDF5 summary there (as `-o`); None = do not write
    options  analysis parameters and read options by their C names (see options()):
             e.g. hr_window_s=8, epoch_s=5, tz="Europe/Berlin", start="2026-03-02T08:00Z",
             acc_units="mg", fs_hz=64 (CSV without time column), threads=2.
    Returns a Summary. Raises FileNotFoundError for a missing path, FormatError / DataError
    for a file that cannot be read or used, InvalidArgumentError for bad options,
    IOError when `out` cannot be written.
    """
    p = _check_path(path)
    return Summary(_core.run(p, None, _math.nan, dict(options),
                             None if out is None else _os.fspath(out)))


def _start_unix_s(start) -> float:
    if start is None:
        return _math.nan
    if isinstance(start, (int, float)) and not isinstance(start, bool):
        return float(start)
    if isinstance(start, str):
        import pandas as pd
        try:
            ts = pd.Timestamp(start)
        except ValueError as e:
            raise InvalidArgumentError(f"start: {start!r} is not a time ({e})") from None
        if ts.tzinfo is None:
            raise InvalidArgumentError(f"start: {start!r} has no time zone (add Z or +hh:mm)")
        return ts.timestamp()
    if isinstance(start, _dt.datetime) or hasattr(start, "timestamp"):
        if getattr(start, "tzinfo", None) is None:
            raise InvalidArgumentError("start: a naive datetime; give one with a time zone")
        return float(start.timestamp())
    if isinstance(start, _np.datetime64):
        return float(start.astype("datetime64[ns]").astype(_np.int64)) / 1e9
    raise InvalidArgumentError(f"start: {start!r} is not a time")


def _rate(name, fs):
    try:
        v = float(fs)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{name}: {fs!r} is not a sample rate [Hz]") from None
    if not (v > 0 and _math.isfinite(v)):
        raise InvalidArgumentError(f"{name}: {v!r} Hz; a sample rate must be finite and > 0")
    return v


def _axes(acc):
    """acc as three 1-D arrays: (n, 3) columns (copied: they are strided), (3, n) rows or a
    sequence of three arrays (not copied when C-contiguous float64)."""
    if isinstance(acc, (list, tuple)) and len(acc) == 3 and all(_np.ndim(a) == 1 for a in acc):
        return list(acc)
    a = _np.asarray(acc)
    if a.ndim == 2 and a.shape[1] == 3:
        return [_np.ascontiguousarray(a[:, k], dtype=_np.float64) for k in range(3)]
    if a.ndim == 2 and a.shape[0] == 3:
        return [a[k] for k in range(3)]
    raise InvalidArgumentError(f"acc: shape {a.shape}; (n, 3), (3, n) or three 1-D arrays")


def analyse(ppg=None, fs_ppg=None, acc=None, fs_acc=None, hr=None, fs_hr=None, *, t_hr=None,
            ecg=None, fs_ecg=None, ibi=None, t_ibi=None, start=None, ppg_units=None,
            acc_units="g", ecg_units=None, t0_ppg=0.0, t0_acc=0.0, t0_hr=0.0, t0_ecg=0.0,
            out=None, **options) -> Summary:
    """Run the whole pipeline on arrays in memory: the same numbers as process() on the same
    samples written to a file. At least one signal is needed.

    ppg      PPG samples (1-D), any units (ppg_units, default "au"); fs_ppg [Hz]
    acc      acceleration, (n, 3), (3, n) or three 1-D arrays x, y, z, in acc_units
             ("g" default, "mg" or "m/s^2"); fs_acc [Hz]
    hr       heart rate [bpm] from a device: regular at fs_hr [Hz], or at times t_hr [s]
    ecg      ECG samples (ecg_units, default "au"); fs_ecg [Hz]
    ibi      inter-beat intervals [ms] at times t_ibi [s]
    start    absolute time of t = 0: ISO 8601 with a zone, an aware datetime /
             pandas.Timestamp, or Unix seconds; None = unknown (no datetime index)
    t0_*     time of each channel's first sample [s from t = 0], default 0
    out      also write the HDF5 summary there (its source_sha256 is "": arrays have no
             source file); None = do not write
    options  as for process()
    The arrays are read in place (no copy when 1-D C-contiguous float64; the (n, 3) acc
    layout copies its columns) and must not be changed while the call runs.
    """
    chans = []

    def add(name, kind, x, fs, units, t0, t=None):
        chans.append((name, _KIND[kind], fs, units, float(t0), x, t))

    if ppg is not None:
        add("ppg", "ppg", ppg, _rate("fs_ppg", fs_ppg), ppg_units, t0_ppg)
    if acc is not None:
        fs = _rate("fs_acc", fs_acc)
        for k, a in zip(("acc_x", "acc_y", "acc_z"), _axes(acc)):
            add(k, k, a, fs, acc_units, t0_acc)
    if ecg is not None:
        add("ecg", "ecg", ecg, _rate("fs_ecg", fs_ecg), ecg_units, t0_ecg)
    if hr is not None:
        if t_hr is not None:
            if fs_hr is not None:
                raise InvalidArgumentError("hr: give fs_hr or t_hr, not both")
            add("hr_bpm", "hr", hr, 0.0, "bpm", 0.0, t_hr)
        else:
            add("hr_bpm", "hr", hr, _rate("fs_hr", fs_hr), "bpm", t0_hr)
    if ibi is not None:
        if t_ibi is None:
            raise InvalidArgumentError("ibi: the beat times t_ibi [s] are needed")
        add("ibi_ms", "ibi", ibi, 0.0, "ms", 0.0, t_ibi)
    if not chans:
        raise InvalidArgumentError("analyse: no signal given (ppg, acc, hr, ecg or ibi)")
    return Summary(_core.run(None, chans, _start_unix_s(start), dict(options),
                             None if out is None else _os.fspath(out)))


analyze = analyse


def read_summary(path) -> Summary:
    """Read an HDF5 summary written by `pulsetrain process -o FILE` (or process(out=...))."""
    return Summary(_core.read_summary(_check_path(path)))


# ---------------------------------------------------------------- kernels (scipy.signal)

_BTYPE = {"lowpass": 0, "low": 0, "lp": 0, "highpass": 1, "high": 1, "hp": 1,
          "bandpass": 2, "band": 2, "bp": 2, "pass": 2,
          "bandstop": 3, "stop": 3, "bs": 3}


def butter(N, Wn, btype="low", analog=False, output="ba", fs=None):
    """Butterworth digital filter design, as scipy.signal.butter.

    N       order, 1..10
    Wn      cut-off(s): [Hz] when fs is given, else as a fraction of Nyquist (0 < Wn < 1);
            a pair (low, high) for band-pass / band-stop
    btype   'lowpass', 'highpass', 'bandpass' or 'bandstop' (scipy's short forms too)
    output  'sos' (second-order sections, shape (n_sections, 6): the one to use),
            'ba' (numerator, denominator; multiplied out from the sections) or 'zpk'
    fs      sample rate [Hz]; None = Wn normalised to Nyquist
    analog  must be False (analog designs are not supported)
    """
    if analog:
        raise UnsupportedError("butter: analog filters are not supported")
    bt = _BTYPE.get(str(btype).lower())
    if bt is None:
        raise InvalidArgumentError(f"butter: btype {btype!r} (lowpass, highpass, bandpass, "
                                   "bandstop)")
    fs_hz = 2.0 if fs is None else float(fs)
    w = _np.atleast_1d(_np.asarray(Wn, dtype=float))
    if bt >= 2 and w.size != 2:
        raise InvalidArgumentError("butter: Wn must be a pair (low, high) for band filters")
    if bt < 2 and w.size != 1:
        raise InvalidArgumentError("butter: Wn must be one number for low/high-pass")
    f2 = float(w[1]) if w.size == 2 else 0.0
    sos = _core.butter(int(N), bt, float(w[0]), f2, fs_hz)
    if output == "sos":
        return sos
    if output == "ba":
        b, a = _np.ones(1), _np.ones(1)
        for s in sos:
            b, a = _np.polymul(b, s[:3]), _np.polymul(a, s[3:])
        # a band design of order N has 2N poles; trailing zero taps of first-order sections
        n = (2 * int(N) if bt >= 2 else int(N)) + 1
        return b[:n], a[:n]
    if output == "zpk":
        z, p, k = [], [], 1.0
        for s in sos:
            k *= s[0]
            bz = _np.trim_zeros(s[:3] / s[0], "b")
            z.extend(_np.roots(bz))
            p.extend(_np.roots(_np.trim_zeros(s[3:], "b")))
        return _np.array(z), _np.array(p), k
    raise InvalidArgumentError(f"butter: output {output!r} ('ba', 'zpk' or 'sos')")


def _along(f, x, axis, name):
    """f (1-D -> 1-D) applied along `axis` of an N-D x, as scipy broadcasts; 1-D x goes
    straight through (no copy)."""
    if _np.ndim(x) <= 1:
        return f(x)
    a = _np.asarray(x)
    try:
        a = _np.moveaxis(a, axis, -1)
    except _np.AxisError as e:
        raise InvalidArgumentError(f"{name}: {e}") from None
    rows = a.reshape(-1, a.shape[-1])
    out = _np.stack([f(_np.ascontiguousarray(r)) for r in rows])
    return _np.moveaxis(out.reshape(a.shape[:-1] + (out.shape[-1],)), -1, axis)


def sosfilt(sos, x, axis=-1, zi=None):
    """Causal cascaded second-order-section filter, as scipy.signal.sosfilt (along axis).

    sos  (n_sections, 6), rows b0 b1 b2 a0 a1 a2
    x    signal; 1-D float64 C-contiguous input is not copied; N-D is filtered along axis
    zi   initial state, shape (n_sections, 2), or None (zero state); 1-D x only
    Returns y, or (y, zf) when zi is given (scipy's convention).
    """
    if zi is None:
        return _along(lambda r: _core.sosfilt(sos, r, None)[0], x, axis, "sosfilt")
    if _np.ndim(x) != 1:
        raise UnsupportedError("sosfilt: zi with N-D input is not supported (1-D x with zi)")
    return _core.sosfilt(sos, x, zi)


def sosfiltfilt(sos, x, axis=-1, padtype="odd", padlen=None):
    """Zero-phase forward-backward filter, as scipy.signal.sosfiltfilt with its defaults
    (odd extension of scipy's default pad length), along axis; len(x) > padlen."""
    if padtype != "odd" or padlen is not None:
        raise UnsupportedError("sosfiltfilt: only padtype='odd' with the default padlen")
    return _along(lambda r: _core.sosfiltfilt(sos, r), x, axis, "sosfiltfilt")


_WINDOW = {"hann": 0, "hanning": 0, "hamming": 1, "blackman": 2, "boxcar": 3, "rect": 3,
           "rectangular": 3, "ones": 3}


def welch(x, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None,
          detrend="constant", return_onesided=True, scaling="density", axis=-1,
          average="mean"):
    """Welch's power spectral density, as scipy.signal.welch (real x, along axis).

    fs       sample rate [Hz]
    window   'hann' (default), 'hamming', 'blackman' or 'boxcar' (periodic, as scipy)
    nperseg  segment length [samples]; None = 256; len(x) when longer, with a warning
             (as scipy)
    noverlap overlap [samples]; None = nperseg // 2
    nfft     FFT length [samples] >= nperseg; None = nperseg
    detrend  'constant', 'linear' or False;  scaling 'density' [units^2/Hz] or
             'spectrum' [units^2];  average 'mean' or 'median'
    Returns (f [Hz], Pxx).
    """
    if not return_onesided:
        raise UnsupportedError("welch: only the one-sided spectrum of real input")
    wname = window if isinstance(window, str) else None
    if wname is None or wname.lower() not in _WINDOW:
        raise UnsupportedError(f"welch: window {window!r} (hann, hamming, blackman, boxcar)")
    shape = _np.shape(x)
    try:
        n = int(shape[axis]) if len(shape) >= 1 else 0
    except IndexError:
        raise InvalidArgumentError(f"welch: axis {axis} is out of bounds for {len(shape)}-D "
                                   "input") from None
    if nperseg is None:
        nperseg = 256
    if nperseg > n > 0:
        _warnings.warn(f"nperseg = {nperseg} is greater than input length = {n}, using "
                       f"nperseg = {n}", UserWarning, stacklevel=2)
        nperseg = n
    nperseg = int(nperseg)
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    if noverlap >= nperseg:
        raise InvalidArgumentError("welch: noverlap must be less than nperseg")
    nfft = nperseg if nfft is None else int(nfft)
    if nfft < nperseg:
        raise InvalidArgumentError("welch: nfft must be greater than or equal to nperseg")
    dt = {"constant": 1, "linear": 2, False: 0, None: 0}.get(detrend)
    if dt is None:
        raise UnsupportedError(f"welch: detrend {detrend!r} ('constant', 'linear' or False)")
    sc = {"density": 0, "spectrum": 1}.get(scaling)
    av = {"mean": 0, "median": 1}.get(average)
    if sc is None or av is None:
        raise InvalidArgumentError(f"welch: scaling {scaling!r} / average {average!r}")
    args = (float(fs), _WINDOW[wname.lower()], nperseg, noverlap, nfft, dt, sc, av)
    if _np.ndim(x) <= 1:
        return _core.welch(x, *args)
    f = _core.welch(_np.zeros(nperseg), *args)[0]
    return f, _along(lambda r: _core.welch(r, *args)[1], x, axis, "welch")


def _interval(name, v):
    if v is None:
        return -_math.inf, _math.inf
    if _np.ndim(v) == 0:
        return float(v), _math.inf
    if len(v) != 2 or any(_np.ndim(e) != 0 for e in v if e is not None):
        raise UnsupportedError(f"find_peaks: {name} as a number or a (min, max) pair")
    lo, hi = v
    return (-_math.inf if lo is None else float(lo)), (_math.inf if hi is None else float(hi))


def find_peaks(x, height=None, threshold=None, distance=None, prominence=None, width=None,
               wlen=None, rel_height=0.5, plateau_size=None):
    """Peaks of a 1-D signal, as scipy.signal.find_peaks (height, distance, prominence).

    height      min, or (min, max) [signal units]
    distance    minimum spacing [samples] >= 1; higher peaks win
    prominence  min, or (min, max) [signal units]
    threshold, width, wlen and plateau_size are not supported (must stay None).
    Returns (peaks, properties): peak indices (intp) and a dict with 'peak_heights' when
    height is given and 'prominences', 'left_bases', 'right_bases' when prominence is.
    """
    given = [k for k, v in (("threshold", threshold), ("width", width), ("wlen", wlen),
                            ("plateau_size", plateau_size)) if v is not None]
    if given:
        raise UnsupportedError(f"find_peaks: {', '.join(given)} not supported (height, "
                               "distance and prominence are)")
    hmin, hmax = _interval("height", height)
    pmin, pmax = _interval("prominence", prominence)
    d = 1.0 if distance is None else float(distance)
    if not d >= 1:
        raise InvalidArgumentError("find_peaks: `distance` must be greater or equal to 1")
    idx, prom, lb, rb = _core.find_peaks(x, hmin, hmax, d, pmin, pmax, prominence is not None)
    props = {}
    if height is not None:
        props["peak_heights"] = _np.asarray(x, dtype=float)[idx]
    if prominence is not None:
        props["prominences"], props["left_bases"], props["right_bases"] = prom, lb, rb
    return idx, props


def resample_poly(x, up, down, axis=0, window=("kaiser", 5.0), padtype="constant", cval=None):
    """Polyphase rational resampling by up/down, as scipy.signal.resample_poly with its
    defaults (Kaiser-windowed FIR, beta 5, zero padding), along axis (default 0, as scipy);
    1 <= up, down <= 10000.
    Returns ceil(len(x) * up / down) samples at fs * up / down."""
    if tuple(window) != ("kaiser", 5.0) or padtype != "constant" or cval not in (None, 0):
        raise UnsupportedError("resample_poly: only the default window and padding")
    if int(up) != up or int(down) != down:
        raise InvalidArgumentError("resample_poly: up and down must be integers")
    return _along(lambda r: _core.resample_poly(r, int(up), int(down)), x, axis,
                  "resample_poly")
