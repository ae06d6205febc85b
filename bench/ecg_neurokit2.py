#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""R peaks on 24 h of 250 Hz ECG: pulsetrain against NeuroKit2 (Makowski et al. 2021), the
tool people use for this, in the same script on the same file.

  /usr/bin/python3 bench/ecg_neurokit2.py build/dev/pulsetrain [--neurokit DIR] [--hours H]

DIR is a NeuroKit2 source tree (the folder holding `neurokit2/`; default $NEUROKIT2_SRC). It
runs on Debian's python3-numpy/scipy/pandas/matplotlib/sklearn/pywt/requests; NeuroKit2 is not
a dependency of pulsetrain, and without it only pulsetrain and the plain scipy detector
(bench/ecg_scipy_pt.py) are measured.

The record is synthetic and known beat by beat (numpy, seeded): a Gaussian P-QRS-T template
(McSharry et al. 2003's shape, not their ODE) at RR intervals that drift between 40 and
100 bpm with respiratory modulation, 0.3 Hz baseline wander, 50 Hz mains and white noise,
written as WFDB format 16 (200 adu/mV), 24 h = 21.6 M samples. Each contender runs in its own
process so that CPU time (user + sys) and peak RSS are its own:

  pulsetrain     `pulsetrain process REC.hea -o OUT.h5`: reading, R peaks, ECG heart rate,
                 HRV, classes, HDF5 writing - everything
  pt.analyse     with --python DIR: pulsetrain's Python package on the array in memory, the
                 whole pipeline again but no file (the same footing as NeuroKit2's call)
  nk.ecg_peaks   NeuroKit2's R peaks on the signal in memory (reading excluded), its
                 default method "neurokit"
  nk clean+peaks nk.ecg_clean then nk.ecg_peaks, what nk.ecg_process does for the peaks
  scipy P&T      bench/ecg_scipy_pt.py, the same detector as ours in numpy/scipy

F1 against the known beats uses the standard 150 ms match window. Prints one table.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

FS = 250.0


def synth(path, hours, seed=7):
    """Write REC.dat/REC.hea; return the true R-peak times [s]."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * FS)
    # RR: a slow random walk of the rate between 40 and 100 bpm, plus respiratory modulation
    beats = []
    t, bpm = 0.5, 70.0
    while t < n / FS - 1.0:
        beats.append(t)
        bpm = float(np.clip(bpm + rng.normal(0, 0.8), 40, 100))
        rr = 60.0 / bpm * (1 + 0.03 * np.sin(2 * np.pi * 0.25 * t)) + rng.normal(0, 0.01)
        t += rr
    beats = np.array(beats)
    # template: P, Q, R, S, T Gaussians [mV] around the R peak (times in s)
    tt = np.arange(-0.3, 0.45, 1 / FS)
    wave = np.zeros_like(tt)
    for a, mu, sd in ((0.12, -0.20, 0.025), (-0.12, -0.03, 0.008), (1.2, 0.0, 0.010),
                      (-0.25, 0.03, 0.008), (0.30, 0.25, 0.040)):
        wave += a * np.exp(-0.5 * ((tt - mu) / sd) ** 2)
    x = np.zeros(n)
    idx = np.round(beats * FS).astype(np.int64)
    off = np.round(tt * FS).astype(np.int64)
    for k in range(0, len(idx), 20000):  # chunks keep the index matrix small
        pos = idx[k:k + 20000, None] + off[None, :]
        ok = (pos >= 0) & (pos < n)
        np.add.at(x, pos[ok], np.broadcast_to(wave, pos.shape)[ok])
    s = np.arange(n) / FS
    x += 0.15 * np.sin(2 * np.pi * 0.3 * s) + 0.02 * np.sin(2 * np.pi * 50 * s)
    x += rng.normal(0, 0.02, n)
    d = np.clip(np.round(x * 200), -32768, 32767).astype("<i2")
    d.tofile(path + ".dat")
    check = int(d.astype(np.int64).sum()) % 65536  # WFDB: 16-bit two's complement sum
    check = check - 65536 if check >= 32768 else check
    with open(path + ".hea", "w") as f:
        f.write("%s 1 %g %d\n" % (os.path.basename(path), FS, n))
        f.write("%s.dat 16 200 16 0 %d %d 0 ECG\n" % (os.path.basename(path), d[0], check))
    return beats


def f1(ref, det, tol=0.150):
    """Greedy one-to-one matching within tol seconds, both sorted."""
    i = j = tp = 0
    while i < len(ref) and j < len(det):
        d = det[j] - ref[i]
        if abs(d) <= tol:
            tp, i, j = tp + 1, i + 1, j + 1
        elif d < 0:
            j += 1
        else:
            i += 1
    se = tp / len(ref) if len(ref) else float("nan")
    ppv = tp / len(det) if len(det) else float("nan")
    return 100 * 2 * se * ppv / (se + ppv) if se + ppv > 0 else 0.0


def child_usage(cmd):
    """Run cmd; return (wall s, user+sys s, peak RSS MB, stdout) of that child alone.
    GNU time measures it: os.wait4 from this Python would report this process's own peak
    (Linux keeps the larger of the parent's and the child's across fork and exec)."""
    with tempfile.NamedTemporaryFile("r") as tf:
        p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name] + cmd,
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("%s failed (exit %d):\n%s" % (cmd[0], p.returncode, p.stderr[-2000:]))
        wall, user, sys_s, rss_kb = tf.read().split()[-4:]
    return float(wall), float(user) + float(sys_s), float(rss_kb) / 1024.0, p.stdout


# run inside a child: NeuroKit2 on the record, beats to a .npy, CPU of the call only
CHILD = r"""
import sys, time, warnings, resource
import numpy as np
x = np.fromfile(sys.argv[2] + ".dat", "<i2").astype(float) / 200.0
mode = sys.argv[3]
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
if mode == "pulsetrain":
    import pulsetrain as pt
else:
    import neurokit2 as nk
best = None
for rep in range(int(sys.argv[5])):  # the best of the repeats: the first one also warms up
    r0 = resource.getrusage(resource.RUSAGE_SELF); t0 = time.perf_counter()
    if mode == "pulsetrain":
        beats = np.asarray(pt.analyse(ecg=x, fs_ecg=250.0, threads=1).tables["ecg_beats"]["t_s"])
    else:
        xx = nk.ecg_clean(x, sampling_rate=250) if mode == "clean" else x
        _, info = nk.ecg_peaks(xx, sampling_rate=250)
        beats = np.asarray(info["ECG_R_Peaks"]) / 250.0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    got = (time.perf_counter() - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    best = got if best is None or got[1] < best[1] else best
np.save(sys.argv[4], beats)
print(*best)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pulsetrain")
    ap.add_argument("--neurokit", default=os.environ.get("NEUROKIT2_SRC"))
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the least CPU counts")
    ap.add_argument("--python", help="folder holding the pulsetrain Python package (e.g. "
                    "build/dev/python): also time pulsetrain.analyse on the array in memory")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as d:
        rec = os.path.join(d, "ecg24")
        truth = synth(rec, a.hours)
        print("record: %.1f h at 250 Hz, %d beats (synthetic, seed 7)" % (a.hours, len(truth)))
        rows = []
        out = os.path.join(d, "s.h5")
        runs = [child_usage([a.pulsetrain, "process", "-q", "-j", "1", rec + ".hea", "-o", out])
                for _ in range(a.repeat)]
        wall, cpu, rss, _ = min(runs, key=lambda r: r[1])
        import h5py
        with h5py.File(out, "r") as h:
            pt_beats = np.asarray(h["ecg_beats"]["t_s"])
        rows.append(("pulsetrain process -j 1 (everything)", wall, cpu, rss, f1(truth, pt_beats)))
        base_cpu = cpu
        scipy_script = os.path.join(here, "ecg_scipy_pt.py")
        wall, cpu, rss, so = child_usage([sys.executable, scipy_script, rec + ".dat", "250"])
        rows.append(("scipy P&T (bench/ecg_scipy_pt.py)", wall, cpu, rss, float("nan")))
        contenders = []
        if a.python:
            contenders.append(("pulsetrain.analyse(ecg=...) (the call)", a.python, "pulsetrain"))
        if a.neurokit and os.path.isdir(os.path.join(a.neurokit, "neurokit2")):
            contenders += [("NeuroKit2 ecg_peaks (the call)", a.neurokit, "raw"),
                           ("NeuroKit2 ecg_clean+ecg_peaks (the call)", a.neurokit, "clean")]
        else:
            print("NeuroKit2: not found (--neurokit DIR or NEUROKIT2_SRC): not measured")
        for name, path, mode in contenders:
            npy = os.path.join(d, "beats_%s.npy" % mode)
            wall, cpu_all, rss, so = child_usage([sys.executable, "-c", CHILD, path, rec, mode, npy,
                                                  str(a.repeat)])
            call_wall, call_cpu = (float(v) for v in so.split())
            rows.append((name, call_wall, call_cpu, rss, f1(truth, np.load(npy))))
        print()
        print("| contender | wall s | CPU s | peak RSS MB | F1 % | CPU / pulsetrain |")
        print("|---|---|---|---|---|---|")
        for name, wall, cpu, rss, f in rows:
            print("| %s | %.2f | %.2f | %.0f | %s | %.1fx |" % (
                name, wall, cpu, rss, "%.2f" % f if f == f else "-", cpu / base_cpu))
        by = {r[0]: r[2] for r in rows}
        api = by.get("pulsetrain.analyse(ecg=...) (the call)")
        for name in ("NeuroKit2 ecg_peaks (the call)", "NeuroKit2 ecg_clean+ecg_peaks (the call)"):
            if api and name in by:
                print("%s / pulsetrain.analyse, CPU: %.1fx" % (name, by[name] / api))
        print("\nCPU = user + sys, the least of %d runs (pulsetrain process: the whole run; the"
              " Python rows: the call alone, without start-up and reading; scipy: one run)."
              " Peak RSS: the child's whole life." % a.repeat)


if __name__ == "__main__":
    main()
