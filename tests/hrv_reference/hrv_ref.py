#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reference HRV numbers for tests/pipeline/test_hrv.c.

NeuroKit2 is not installed here (and cannot be): this is a RE-IMPLEMENTATION of the
formulas NeuroKit2 documents for hrv_time (Makowski et al. 2021, Behav Res Methods
53:1689; neurokit2.readthedocs.io, "hrv_time"): MeanNN = mean, SDNN = std(ddof=1),
RMSSD = sqrt(mean(diff^2)), pNN50 = count(|diff| > 50) / len(rri) * 100 -- not NeuroKit2
run. The frequency domain uses the settings of pipeline/hrv.c (intervals at their beat
times, linear interpolation at 4 Hz, scipy.signal.welch: hann, nperseg 256, noverlap 128,
constant detrend, density; LF 0.04-0.15 Hz, HF 0.15-0.4 Hz as sum of PSD x df), which is
NOT NeuroKit2's hrv_frequency default (it interpolates at 100 Hz and sizes the Welch window
from the lowest band): equal only in the formulas, by construction.

Writes rr.csv (the fixed series, t_s,rr_ms) and expected.csv (name,value).
Run: /usr/bin/python3 tests/hrv_reference/hrv_ref.py tests/hrv_reference
"""
import os
import sys

import numpy as np
import scipy.signal

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))

# a clean 5 min series: 0.1 Hz (LF) and 0.25 Hz (HF) modulation, seeded noise
rng = np.random.default_rng(20)
rri, t = [], 0.0
while t < 300.0:
    r = 800 + 40 * np.sin(2 * np.pi * 0.1 * t) + 25 * np.sin(2 * np.pi * 0.25 * t) + rng.normal(0, 8)
    r = round(r, 3)
    t = round(t + r / 1000.0, 6)
    rri.append(r)
    if t >= 300.0:
        break
rri = np.array(rri)
tb = np.round(np.cumsum(rri) / 1000.0, 6)

with open(os.path.join(out, "rr.csv"), "w") as f:
    f.write("t_s,rr_ms\n")
    for a, b in zip(tb, rri):
        f.write("%.6f,%.3f\n" % (a, b))
# read back what the C test reads
d = np.loadtxt(os.path.join(out, "rr.csv"), delimiter=",", skiprows=1)
tb, rri = d[:, 0], d[:, 1]

diff = np.diff(rri)
res = {
    "MeanNN": np.mean(rri),
    "SDNN": np.std(rri, ddof=1),
    "RMSSD": np.sqrt(np.mean(diff**2)),
    "pNN50": np.sum(np.abs(diff) > 50) / len(rri) * 100,
}
fs = 4.0
tq = tb[0] + np.arange(int(np.floor((tb[-1] - tb[0]) * fs + 1e-9)) + 1) / fs
x = np.interp(tq, tb, rri)
nper = min(256, len(x))
f, p = scipy.signal.welch(x, fs=fs, window="hann", nperseg=nper, noverlap=nper // 2,
                          detrend="constant", scaling="density")
df = f[1] - f[0]
res["LF"] = np.sum(p[(f >= 0.04) & (f < 0.15)]) * df
res["HF"] = np.sum(p[(f >= 0.15) & (f < 0.4)]) * df
res["LFHF"] = res["LF"] / res["HF"]
with open(os.path.join(out, "expected.csv"), "w") as f:
    f.write("name,value\n")
    for k, v in res.items():
        f.write("%s,%.17g\n" % (k, v))
print(res)
