#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Speed of the Python package (python/), in one process:

1. the kernels against scipy.signal on the same arrays (ratio = scipy time / ours);
2. the pipeline: analyse() on a 24 h recording in memory, the time inside the C call
   against the whole Python call (the binding's overhead: argument checks, the summary's
   conversion to DataFrames), and process() on the same recording as a file against the
   CLI on that file;
3. NeuroKit2 / HeartPy on the same PPG, when they are installed.

    PYTHONPATH=build/dev/python /usr/bin/python3 bench/python_bench.py [--hours 24]
        [--repeat 5] [--cli build/dev/pulsetrain]

Times are the best of --repeat runs (wall clock, perf_counter); nothing else should run.
"""
import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
import scipy.signal as ss

import pulsetrain as pt


def best(f, repeat):
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return min(t)


def kernels(repeat, seconds):
    fs = 64.0
    n = int(seconds * fs)
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.standard_normal(n)) * 0.01 + np.sin(np.arange(n) * 2 * np.pi * 1.3 / fs)
    sos_s = ss.butter(4, (0.5, 4.0), "bandpass", fs=fs, output="sos")
    sos_p = pt.butter(4, (0.5, 4.0), "bandpass", fs=fs, output="sos")
    cases = [
        ("butter(4, band, sos)", lambda: ss.butter(4, (0.5, 4.0), "bandpass", fs=fs,
                                                  output="sos"),
         lambda: pt.butter(4, (0.5, 4.0), "bandpass", fs=fs, output="sos")),
        ("sosfilt", lambda: ss.sosfilt(sos_s, x), lambda: pt.sosfilt(sos_p, x)),
        ("sosfiltfilt", lambda: ss.sosfiltfilt(sos_s, x), lambda: pt.sosfiltfilt(sos_p, x)),
        ("welch(nperseg=512)", lambda: ss.welch(x, fs=fs, nperseg=512),
         lambda: pt.welch(x, fs=fs, nperseg=512)),
        ("find_peaks(distance=20)", lambda: ss.find_peaks(x, distance=20),
         lambda: pt.find_peaks(x, distance=20)),
        ("find_peaks(prominence=.5)", lambda: ss.find_peaks(x, prominence=0.5),
         lambda: pt.find_peaks(x, prominence=0.5)),
        ("resample_poly(25, 32)", lambda: ss.resample_poly(x, 25, 32),
         lambda: pt.resample_poly(x, 25, 32)),
    ]
    print(f"kernels on {seconds / 3600:g} h at 64 Hz ({n} samples), best of {repeat}:")
    print(f"  {'kernel':28s} {'scipy ms':>10s} {'pulsetrain ms':>14s} {'ratio':>7s}")
    for name, fs_, fp in cases:
        ts, tp = best(fs_, repeat), best(fp, repeat)
        print(f"  {name:28s} {ts * 1e3:10.3f} {tp * 1e3:14.3f} {ts / tp:6.1f}x")


def pipeline(hours, repeat, cli):
    tmp = tempfile.mkdtemp(prefix="pt_pybench_")
    csv = os.path.join(tmp, f"sim_{hours:g}h.csv")
    subprocess.run([cli, "simulate", "--hours", str(hours), "--seed", "7", "-o", csv],
                   check=True, stdout=subprocess.DEVNULL)
    df = pd.read_csv(csv, float_precision="round_trip", comment="#")
    ppg = df["ppg"].to_numpy()
    rows = df["acc_x_g"].notna().to_numpy()
    acc = [np.ascontiguousarray(df.loc[rows, c].to_numpy())
           for c in ("acc_x_g", "acc_y_g", "acc_z_g")]
    t = df["t_s"].to_numpy()
    fs = round(1.0 / np.median(np.diff(t[:4096])))
    fs_acc = fs * rows[:4096].sum() / 4096
    t0_acc = float(t[rows][0] - t[0])
    del df
    print(f"\npipeline on {hours:g} h simulated (PPG {fs:g} Hz, acc {fs_acc:g} Hz; "
          f"{len(ppg)} PPG samples), threads=1, best of {repeat}:")
    wall, cwall = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        s = pt.analyse(ppg=ppg, fs_ppg=fs, acc=acc, fs_acc=fs_acc, t0_acc=t0_acc, threads=1)
        wall.append(time.perf_counter() - t0)
        cwall.append(s._c_wall_s)
    i = int(np.argmin(wall))
    w, c = wall[i], cwall[i]
    print(f"  analyse(arrays): {w:.3f} s in Python, {c:.3f} s inside pt_process: "
          f"overhead {100 * (w - c) / c:.1f} % ({(w - c) * 1e3:.0f} ms: checks, DataFrames)")
    tp = best(lambda: pt.process(csv, threads=1), repeat)
    tc = best(lambda: subprocess.run([cli, "process", csv, "-o", os.path.join(tmp, "o.h5"),
                                      "-q", "-j", "1"], check=True), repeat)
    print(f"  process(csv):    {tp:.3f} s;  CLI process (writes the HDF5 file): {tc:.3f} s")
    return tmp, ppg, fs


def others(ppg, fs, repeat):
    print("\nother Python packages on the same PPG:")
    for name in ("neurokit2", "heartpy"):
        if importlib.util.find_spec(name) is None:
            print(f"  {name}: not installed (not in Debian 12; no PyPI here): not measured")
            continue
        mod = __import__(name)
        if name == "neurokit2":
            t = best(lambda: mod.ppg_process(ppg, sampling_rate=int(fs)), repeat)
        else:
            t = best(lambda: mod.process(ppg, sample_rate=fs), repeat)
        print(f"  {name}: {t:.3f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--kernel-hours", type=float, default=1.0)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--cli", default=os.path.join(here, "..", "build", "dev", "pulsetrain"))
    a = ap.parse_args()
    print(f"pulsetrain {pt.__version__} ({pt.__file__}), numpy {np.__version__}, "
          f"scipy {__import__('scipy').__version__}, python {sys.version.split()[0]}")
    kernels(a.repeat, a.kernel_hours * 3600)
    tmp, ppg, fs = pipeline(a.hours, max(1, a.repeat // 2), a.cli)
    others(ppg, fs, 1)
    subprocess.run(["rm", "-rf", tmp], check=False)


if __name__ == "__main__":
    main()
