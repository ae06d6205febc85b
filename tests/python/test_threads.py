# SPDX-License-Identifier: GPL-2.0-or-later
"""Calls from several threads at once give the same results as one after another (each call
owns its C objects; the FFT planner is serialised inside the library)."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import pulsetrain as pt
from conftest import SAMPLE, assert_same_summary

rng = np.random.default_rng(5)
SIGNALS = [rng.standard_normal(50000 + 1000 * i) for i in range(8)]
SOS = pt.butter(4, (0.5, 4.0), "bandpass", fs=64, output="sos")


def kernels(x):
    return (pt.sosfiltfilt(SOS, x), pt.welch(x, fs=64, nperseg=512)[1],
            pt.resample_poly(x, 25, 32), pt.find_peaks(x, distance=10)[0])


def test_kernels_from_threads():
    serial = [kernels(x) for x in SIGNALS]
    with ThreadPoolExecutor(max_workers=4) as ex:
        parallel = list(ex.map(kernels, SIGNALS * 2))
    for i, got in enumerate(parallel):
        for a, b in zip(serial[i % len(SIGNALS)], got):
            assert np.array_equal(a, b)


def test_pipeline_from_threads():
    ref = pt.process(SAMPLE, threads=1)
    ppg = np.sin(np.arange(64 * 600) * 2 * np.pi * 1.2 / 64)
    ref_a = pt.analyse(ppg=ppg, fs_ppg=64, threads=1)
    jobs = [lambda: pt.process(SAMPLE, threads=1), lambda: pt.process(SAMPLE, threads=2),
            lambda: pt.analyse(ppg=ppg, fs_ppg=64)]
    with ThreadPoolExecutor(max_workers=3) as ex:
        got = list(ex.map(lambda f: f(), jobs * 2))
    for i, s in enumerate(got):
        assert_same_summary(ref_a if i % 3 == 2 else ref, s)


def released_gil_during(call, tries=200):
    """True when another Python thread ran while `call` ran. With a switch interval of
    100 s the interpreter never takes the GIL from a running thread, so the waiting thread
    can run only if the call releases the GIL itself. The waiter must also be scheduled
    while the GIL is free, so the call is repeated (up to `tries` times) until it was: a
    call that never releases the GIL fails every time."""
    import sys
    import threading
    import time
    go, ran, ready = threading.Event(), threading.Event(), threading.Event()

    def waiter():
        ready.set()
        go.wait()  # blocks (GIL released) until the main thread says go
        ran.set()

    old = sys.getswitchinterval()
    t = threading.Thread(target=waiter)
    t.start()
    # the waiter must be blocked in go.wait() before the switch interval changes: a request
    # for the GIL made under the old 5 ms interval would take it from this thread
    ready.wait()
    time.sleep(0.2)
    try:
        sys.setswitchinterval(100.0)
        go.set()  # the waiter is runnable but needs the GIL, which this thread holds
        for _ in range(tries):
            call()
            if ran.is_set():
                break
        during = ran.is_set()
    finally:
        sys.setswitchinterval(old)
        t.join()
    return during


def test_gil_is_released_in_long_calls():
    from pulsetrain import _core
    x = SIGNALS[0]
    assert not released_gil_during(lambda: sum(range(10000)))  # the test can fail
    assert released_gil_during(lambda: _core.sosfiltfilt(SOS, x))
    assert released_gil_during(lambda: _core.welch(x, 64.0, 0, 512, 256, 512, 1, 0, 0))
    assert released_gil_during(lambda: _core.resample_poly(x, 25, 32))
    inf = float("inf")
    assert released_gil_during(lambda: _core.find_peaks(x, -inf, inf, 5.0, 0.1, inf, True))
    assert released_gil_during(lambda: _core.sosfilt(SOS, x, None))
    assert released_gil_during(lambda: _core.run(SAMPLE, None, float("nan"), {}, None), 3)


def test_ctrl_c_stops_a_long_run(tmp_path):
    """SIGINT during analyse(): the C run stops before its next block, leaves no output file
    (a run that went to its end would have written it) and KeyboardInterrupt propagates (the
    wait for the run takes the GIL every 100 ms to let the handler run)."""
    import os
    import signal
    import threading
    import time
    fs = 64.0
    t = np.arange(int(24 * 3600 * fs)) / fs
    ppg = np.sin(2 * np.pi * 1.2 * t)
    # The signal must come while the run is going, on a fast machine as on a slow one: time
    # one full run (FFT plans warm), then send it at a quarter of that.
    t0 = time.perf_counter()
    pt.analyse(ppg=ppg, fs_ppg=fs, threads=1)
    full_s = time.perf_counter() - t0
    # Python leaves SIGINT ignored when it starts with it ignored (a job started with & from a
    # script, as CI may run us); Ctrl-C then does nothing by design, so install the handler
    # an interactive Python has and restore what was there.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(full_s / 4, lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        with pytest.raises(KeyboardInterrupt):
            timer.start()
            pt.analyse(ppg=ppg, fs_ppg=fs, threads=1, out=tmp_path / "s.h5")
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert list(tmp_path.iterdir()) == []  # neither the summary nor its temporary file
    s = pt.analyse(ppg=ppg[: int(600 * fs)], fs_ppg=fs)  # and the next call works
    assert len(s.hr) > 250
