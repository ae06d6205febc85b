# SPDX-License-Identifier: GPL-2.0-or-later
"""Calls from several threads at once give the same results as one after another (each call
owns its C objects; the FFT planner is serialised inside the library)."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

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
