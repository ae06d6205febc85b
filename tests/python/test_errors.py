# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad input raises a pulsetrain.Error subclass (ValueError / OSError / TypeError as a
scientific-Python user expects) with a clear message, never a crash."""
import numpy as np
import pytest

import pulsetrain as pt
from conftest import SAMPLE

SOS = pt.butter(4, (0.5, 4.0), "bandpass", fs=64, output="sos")
X = np.random.default_rng(1).standard_normal(1000)


@pytest.mark.parametrize("bad", [X.astype(complex), np.array(["a", "b"] * 100),
                                 np.array([object()] * 100), None, "text"])
def test_wrong_dtype(bad):
    with pytest.raises(pt.DTypeError, match="x: .*(not a real number type|not an array)"):
        pt.sosfiltfilt(SOS, bad)
    with pytest.raises(TypeError):  # DTypeError is a TypeError too
        pt.welch(bad) if not isinstance(bad, str) else pt.resample_poly(bad, 1, 2)


def test_two_d_where_one_d_is_needed():
    # find_peaks is 1-D in scipy too; the filters, welch and resample_poly take N-D input
    with pytest.raises(ValueError, match="2-D array; a 1-D array is needed"):
        pt.find_peaks(np.zeros((10, 300)))
    with pytest.raises(pt.UnsupportedError, match="zi with N-D"):
        pt.sosfilt(SOS, np.zeros((10, 300)), zi=np.zeros((4, 2)))
    with pytest.raises(pt.InvalidArgumentError, match="axis 2"):
        pt.sosfiltfilt(SOS, np.zeros((10, 300)), axis=2)
    with pytest.raises(ValueError, match="0-D array"):
        pt.sosfilt(SOS, 3.0)


def test_kernel_arguments():
    with pytest.raises(ValueError, match="padlen"):
        pt.sosfiltfilt(SOS, X[:20])  # scipy's message: too short for the padding
    with pytest.raises(pt.InvalidArgumentError, match="shape"):
        pt.sosfilt(np.zeros((2, 5)), X)
    with pytest.raises(pt.InvalidArgumentError, match="order"):
        pt.butter(0, 4.0, fs=64, output="sos")
    with pytest.raises(pt.InvalidArgumentError):
        pt.butter(4, 40.0, fs=64, output="sos")  # above Nyquist
    with pytest.raises(pt.InvalidArgumentError, match="btype"):
        pt.butter(4, 4.0, btype="sideways", fs=64)
    with pytest.raises(pt.InvalidArgumentError, match="distance"):
        pt.find_peaks(X, distance=0.5)
    with pytest.raises(pt.UnsupportedError, match="threshold"):
        pt.find_peaks(X, threshold=1)
    with pytest.raises(pt.InvalidArgumentError):
        pt.resample_poly(X, 0, 2)
    with pytest.raises(pt.InvalidArgumentError, match="noverlap"):
        pt.welch(X, nperseg=100, noverlap=100)
    with pytest.raises(pt.InvalidArgumentError, match=r"\(2, 2\)"):
        pt.sosfilt(SOS[:2], X, zi=np.zeros((3, 2)))


def test_missing_and_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        pt.process(tmp_path / "nothing.csv")
    with pytest.raises(FileNotFoundError):
        pt.read_summary(tmp_path / "nothing.h5")
    bad = tmp_path / "bad.csv"
    bad.write_text("t_s,ppg\n0,1\n0.5,2\n0.25,3\n1,4\n")
    with pytest.raises(pt.DataError, match=r"bad\.csv:4: time goes backwards"):
        pt.process(bad)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(pt.FormatError, match="junk.bin"):
        pt.process(junk)
    with pytest.raises(ValueError):  # FormatError is a DataError is a ValueError
        pt.read_summary(SAMPLE)
    with pytest.raises(OSError, match="out"):  # the output cannot be written
        pt.process(SAMPLE, out=tmp_path / "no" / "such" / "dir" / "out.h5")


def test_bad_options():
    with pytest.raises(pt.InvalidArgumentError, match="unknown option 'hr_windw_s'"):
        pt.process(SAMPLE, hr_windw_s=8)
    with pytest.raises(pt.InvalidArgumentError, match="hr_window_s"):
        pt.process(SAMPLE, hr_window_s="eight")
    with pytest.raises(pt.InvalidArgumentError, match="epoch -5 s"):
        pt.process(SAMPLE, epoch_s=-5)  # pt_params_check's message
    with pytest.raises(pt.InvalidArgumentError, match="ppg_order"):
        pt.process(SAMPLE, ppg_order=4.5)
    with pytest.raises(pt.InvalidArgumentError, match="sex"):
        pt.process(SAMPLE, sex="male")


def test_bad_arrays():
    ppg = np.sin(np.arange(64 * 60) / 10.0)
    for fs in (float("nan"), 0, -64, float("inf"), "fast"):
        with pytest.raises(pt.InvalidArgumentError, match="fs_ppg"):
            pt.analyse(ppg=ppg, fs_ppg=fs)
    with pytest.raises(pt.InvalidArgumentError, match="1 samples but 2 times|samples but"):
        pt.analyse(hr=[70.0], t_hr=[0.0, 1.0])
    with pytest.raises(pt.InvalidArgumentError, match="2 times"):
        pt.analyse(hr=np.array([70.0, 71.0, 72.0]), t_hr=np.array([0.0, 1.0]))
    with pytest.raises(pt.DataError, match="backwards"):
        pt.analyse(hr=np.array([70.0, 71.0, 72.0]), t_hr=np.array([0.0, 2.0, 1.0]))
    with pytest.raises(pt.InvalidArgumentError, match="no samples"):
        pt.analyse(ppg=np.array([]), fs_ppg=64)
    with pytest.raises(pt.InvalidArgumentError, match="acc: shape"):
        pt.analyse(acc=np.zeros((100, 4)), fs_acc=32)
    with pytest.raises(pt.InvalidArgumentError, match="no signal"):
        pt.analyse()
    with pytest.raises(pt.InvalidArgumentError, match="time zone"):
        pt.analyse(ppg=ppg, fs_ppg=64, start="2026-03-02T08:00")
    with pytest.raises(pt.InvalidArgumentError, match="units"):
        pt.analyse(acc=np.zeros((100, 3)), fs_acc=32, acc_units="furlong")
    with pytest.raises(pt.DTypeError):
        pt.analyse(ppg=ppg.astype(complex), fs_ppg=64)
    with pytest.raises(pt.InvalidArgumentError, match="2-D"):
        pt.analyse(ppg=np.zeros((10, 10)), fs_ppg=64)
    with pytest.raises(pt.DataError, match="out of range"):
        pt.analyse(ppg=np.full(6400, 1e13), fs_ppg=64)
    # the mistake of m/s^2 read as g is caught as for a file
    acc = np.tile([0.0, 0.0, 9.81], (32 * 120, 1))
    with pytest.raises(pt.DataError, match="m/s\\^2"):
        pt.analyse(acc=acc, fs_acc=32)


def test_no_memory_kept_across_calls():
    """Repeated calls, failing ones included, keep nothing: a leaked reference to a result
    (a table's arrays, an input view) would grow the traced memory by its size each time.
    Allowance 256 KiB: interpreter caches (warmed up first) stay below it."""
    import gc
    import tracemalloc
    x = np.random.default_rng(3).standard_normal(100_000)
    hr_t = np.arange(600.0)

    def calls():
        pt.process(SAMPLE, threads=1)
        pt.analyse(hr=70 + np.sin(hr_t), t_hr=hr_t)
        pt.sosfiltfilt(SOS, x)
        pt.sosfilt(SOS, x, zi=np.zeros((4, 2)))
        pt.welch(x, nperseg=512)
        pt.find_peaks(x, prominence=1)
        pt.resample_poly(x, 3, 2)
        for bad in (lambda: pt.sosfiltfilt(SOS, x[:5]), lambda: pt.process(SAMPLE, epoch_s=-1),
                    lambda: pt.analyse(hr=x[:3], t_hr=x[:3]), lambda: pt.welch(x.astype(complex)),
                    lambda: pt.read_summary(SAMPLE)):
            try:
                bad()
            except pt.Error:
                pass

    calls()
    calls()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(5):
        calls()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 256 * 1024, f"{grown} bytes kept after 5 rounds"
