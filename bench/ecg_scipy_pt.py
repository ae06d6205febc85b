#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Pan & Tompkins 1985 with numpy/scipy, the way a Python user writes it (and NeuroKit2's
"pantompkins1985" method is built: scipy filters, then a Python loop over the integrator's
peaks), for a speed comparison with pipeline/ecg.c; bench/ecg_neurokit2.py runs it beside
NeuroKit2 itself (accuracy against NeuroKit2: bench/ecg_nk2_accuracy.py).

  /usr/bin/python3 bench/ecg_scipy_pt.py REC.dat FS  (WFDB format 16, one signal)

Prints the beats found and the seconds spent (reading excluded)."""
import sys
import time

import numpy as np
import scipy.signal

x = np.fromfile(sys.argv[1], "<i2").astype(float) / 1000.0
fs = float(sys.argv[2])
t0 = time.perf_counter()
sos = scipy.signal.butter(2, [8, 20], btype="bandpass", fs=fs, output="sos")  # as pipeline/ecg.c
b = scipy.signal.sosfilt(sos, x)
d = np.convolve(b, np.array([2, 1, 0, -1, -2]) * fs / 8.0, mode="same")
w = int(round(0.15 * fs))
m = np.convolve(d * d, np.ones(w) / w, mode="same")
pk, _ = scipy.signal.find_peaks(m, distance=int(0.2 * fs))
learn = int(2 * fs)
spki, npki = 0.25 * m[:learn].max(), 0.5 * m[:learn].mean()
beats, rr = [], []
last = -10**9
for p in pk:
    h = m[p]
    thr1 = npki + 0.25 * (spki - npki)
    if h > thr1 and p - last > 0.2 * fs:
        if beats:
            rr.append(p - last)
        beats.append(p)
        last = p
        spki = 0.125 * h + 0.875 * spki
    else:
        npki = 0.125 * h + 0.875 * npki
    if len(rr) >= 8 and p - last > 1.66 * np.mean(rr[-8:]):
        pass  # search-back omitted: the clean synthetic record needs none
sec = time.perf_counter() - t0
print("%d beats, %.2f s (filters %s)" % (len(beats), sec, "scipy"))
