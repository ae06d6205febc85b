#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reference HRV numbers for tests/pipeline/test_hrv.c, computed by NeuroKit2 itself.

Writes rr.csv (a fixed, seeded 5 min series: t_s,rr_ms), expected.csv (name,value) and
expected_gaps.csv (the spectrum with four rows left out, below): what NeuroKit2 (Makowski et al. 2021, Behav Res Methods 53:1689) returns on that series with

    nk.hrv_time({"RRI": rr_ms, "RRI_Time": t_s})
    nk.hrv_frequency({"RRI": rr_ms, "RRI_Time": t_s}, interpolation_rate=4, normalize=False)

i.e. hrv_frequency's defaults except the 4 Hz resampling the Task Force (1996) uses (NeuroKit2
takes 100 Hz; on this series LF and HF differ by < 5e-5 relative between the two) and normalize=False (its
default divides the PSD by its maximum, which leaves LF and HF without units).

NeuroKit2 is not a dependency of pulsetrain and is not installed by CI: the numbers are
checked in. They were made with NeuroKit2 0.2.12 run from its source tree (not part of this
repository) on Debian 12's numpy 1.24 / scipy 1.10 / pandas 1.5:

    PYTHONPATH=/path/to/NeuroKit /usr/bin/python3 tests/hrv_reference/hrv_ref.py tests/hrv_reference

Without NeuroKit2 the script stops and leaves the checked-in files alone.
"""
import os
import sys
import warnings

import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
try:
    import neurokit2 as nk
except ImportError:
    sys.exit("hrv_ref.py: NeuroKit2 is not importable (set PYTHONPATH to its source tree)")

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
series = {"RRI": d[:, 1], "RRI_Time": d[:, 0]}

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # NeuroKit2's notes on short recordings (ULF/VLF bands)
    ht = nk.hrv_time(series)
    hf = nk.hrv_frequency(series, interpolation_rate=4, normalize=False)
res = {
    "MeanNN": ht["HRV_MeanNN"][0],
    "SDNN": ht["HRV_SDNN"][0],
    "RMSSD": ht["HRV_RMSSD"][0],
    "pNN50": ht["HRV_pNN50"][0],
    "LF": hf["HRV_LF"][0],
    "HF": hf["HRV_HF"][0],
    "LFHF": hf["HRV_LFHF"][0],
}
with open(os.path.join(out, "expected.csv"), "w") as f:
    f.write("name,value\n")
    for k, v in res.items():
        f.write("%s,%.17g\n" % (k, v))
print("NeuroKit2", nk.__version__, res)

# The spectrum over rejected intervals: NeuroKit2 on the series without rows GAPS (0-based),
# which pulsetrain is given whole with those rows flagged (expected_gaps.csv: LF, HF, LFHF).
GAPS = (40, 41, 150, 300)
keep = np.setdiff1d(np.arange(len(d)), GAPS)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    hg = nk.hrv_frequency({"RRI": d[keep, 1], "RRI_Time": d[keep, 0]}, interpolation_rate=4,
                          normalize=False)
with open(os.path.join(out, "expected_gaps.csv"), "w") as f:
    f.write("name,value\n")
    for k in ("LF", "HF", "LFHF"):
        f.write("%s,%.17g\n" % (k, hg["HRV_" + k][0]))
print("with rows %s left out:" % (GAPS,), {k: hg["HRV_" + k][0] for k in ("LF", "HF", "LFHF")})
