#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ecg_nk2_accuracy.py — NeuroKit2's R peaks scored exactly as pt-eval-ecg scores ours.

  bench/ecg_nk2_accuracy.py [--data DIR] [--edf-dir DIR2] [--neurokit DIR3]

Same records (MIT-BIH 100 MLII; the chest ECG, EDF signal 0, of every wrist_ppg_exercise
record whose EDF is in DIR/formats/edf or DIR2), same reference, same matching (150 ms,
nearest first, each beat once), same list of doubtful reference beats (two short intervals
that add up to one usual interval) and the F1 without them, detections outside the annotated
span left out. NeuroKit2 is imported from
DIR3 (default $NEUROKIT_DIR, else /work/peers/NeuroKit): nk.ecg_peaks(ecg, sampling_rate=fs),
its default method ("neurokit"). Only reads the data; writes nothing."""
import os
import sys
import warnings

import numpy as np

args = sys.argv[1:]


def opt(name, default):
    if name in args:
        i = args.index(name)
        v = args[i + 1]
        del args[i:i + 2]
        return v
    return default


data = opt("--data", os.path.join(os.environ.get("PT_SHARED_DIR", "/work/shared"), "data"))
edf_dir = opt("--edf-dir", None)
sys.path.insert(0, opt("--neurokit", os.environ.get("NEUROKIT_DIR", "/work/peers/NeuroKit")))
warnings.filterwarnings("ignore")
import neurokit2 as nk  # noqa: E402


def read_edf_signal(path, sig=0):
    """Physical values and rate of one signal of a plain EDF file."""
    with open(path, "rb") as f:
        b = f.read()
    hb, nrec, ns = int(b[184:192]), int(b[236:244]), int(b[252:256])
    dur = float(b[244:252])
    h = b[256:hb]

    def col(off, w):
        return [h[off + i * w:off + (i + 1) * w] for i in range(ns)]

    o = ns * (16 + 80 + 8)
    pmin = [float(v) for v in col(o, 8)]
    pmax = [float(v) for v in col(o + ns * 8, 8)]
    dmin = [float(v) for v in col(o + ns * 16, 8)]
    dmax = [float(v) for v in col(o + ns * 24, 8)]
    nsamp = [int(v) for v in col(o + ns * 32 + ns * 80, 8)]
    d = np.frombuffer(b[hb:hb + nrec * sum(nsamp) * 2], "<i2").reshape(nrec, sum(nsamp))
    st = sum(nsamp[:sig])
    x = d[:, st:st + nsamp[sig]].reshape(-1).astype(float)
    x = (x - dmin[sig]) * (pmax[sig] - pmin[sig]) / (dmax[sig] - dmin[sig]) + pmin[sig]
    return x, nsamp[sig] / dur


def read_mitdb100(d):
    """Record 100 (format 212, channel 0 MLII, gain 200, 360 Hz) and its QRS annotations."""
    raw = np.fromfile(os.path.join(d, "formats/wfdb/100.dat"), np.uint8).reshape(-1, 3)
    s0 = (raw[:, 0].astype(int) | ((raw[:, 1].astype(int) & 0x0F) << 8))
    s0 = np.where(s0 > 2047, s0 - 4096, s0)
    x = (s0 - 1024) / 200.0
    a = np.fromfile(os.path.join(d, "formats/wfdb/100.atr"), np.uint8)
    qrs = set(range(1, 14)) | {25, 30, 34, 35, 37, 38, 41}
    t, sample, i = [], 0, 0
    while i + 1 < len(a):
        w = int(a[i]) | (int(a[i + 1]) << 8)
        code, v = w >> 10, w & 0x3FF
        i += 2
        if code == 0 and v == 0:
            break
        if code == 59:
            hi = int(a[i]) | (int(a[i + 1]) << 8)
            lo = int(a[i + 2]) | (int(a[i + 3]) << 8)
            sample += np.int32(np.uint32((hi << 16) | lo))
            i += 4
        elif code == 63:
            i += v + (v & 1)
        elif code in (60, 61, 62):
            pass
        else:
            sample += v
            if code in qrs:
                t.append(sample / 360.0)
    return x, 360.0, np.array(t)


def match(ref, det, tol=0.150):
    used = np.zeros(len(ref), bool)
    tp, j = 0, 0
    for d in det:
        while j < len(ref) and ref[j] < d - tol:
            j += 1
        best, k = -1, j
        while k < len(ref) and ref[k] <= d + tol:
            if not used[k] and (best < 0 or abs(ref[k] - d) < abs(ref[best] - d)):
                best = k
            k += 1
        if best >= 0:
            used[best] = True
            tp += 1
    fn, fp = len(ref) - tp, len(det) - tp
    return fn, fp, 100.0 * 2 * tp / (2 * tp + fn + fp)


def doubtful(ref):
    """The rule of pt-eval-ecg: both intervals < 0.7 x the median of the 8 around, sum within
    15 % of it."""
    keep = np.ones(len(ref), bool)
    for i in range(1, len(ref) - 1):
        w = [ref[k] - ref[k - 1] for k in range(i - 4, i + 6)
             if k not in (i, i + 1) and 1 <= k < len(ref)][:8]
        if len(w) < 4:
            continue
        med = float(np.median(w))
        ra, rb = ref[i] - ref[i - 1], ref[i + 1] - ref[i]
        if ra < 0.7 * med and rb < 0.7 * med and abs(ra + rb - med) < 0.15 * med:
            keep[i] = False
    return keep


recs = [("mitdb_100_MLII", None)]
with open(os.path.join(data, "wrist_ppg_exercise/records.csv")) as f:
    for line in f.readlines()[1:]:
        name = line.split(",")[0]
        for d in [os.path.join(data, "formats/edf"), edf_dir]:
            if d and os.path.exists(os.path.join(d, name + ".edf")):
                recs.append((name, os.path.join(d, name + ".edf")))
                break
print("NeuroKit2 %s ecg_peaks (method neurokit), 150 ms window\n" % nk.__version__)
print("| record | ref | det | FN | FP | F1 % | F1 without doubtful ref % (n) | outside span |")
print("|---|---|---|---|---|---|---|---|")
for name, path in recs:
    if path is None:
        x, fs, ref = read_mitdb100(data)
    else:
        x, fs = read_edf_signal(path)
        b = np.genfromtxt(os.path.join(data, "wrist_ppg_exercise/%s_beats.csv" % name),
                          delimiter=",", skip_header=1)
        ref = b[:, 2]
    _, info = nk.ecg_peaks(x, sampling_rate=int(round(fs)))
    det = np.asarray(info["ECG_R_Peaks"]) / fs
    span = (det >= ref[0] - 0.150) & (det <= ref[-1] + 0.150)  # the annotated span only
    nout, det = int((~span).sum()), det[span]
    fn, fp, f1 = match(ref, det)
    keep = doubtful(ref)
    _, _, f1b = match(ref[keep], det)
    print("| %s | %d | %d | %d | %d | %.2f | %.2f (%d) | %d |" %
          (name, len(ref), len(det), fn, fp, f1, f1b, int((~keep).sum()), nout))
