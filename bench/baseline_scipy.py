#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""baseline_scipy.py — what a researcher would write instead of `pulsetrain
process`: the same steps in plain numpy/scipy, on the same CSV (issue 8).

    /usr/bin/python3 bench/baseline_scipy.py REC.csv [-o OUT.npz]

Steps (the pipeline's defaults):
  1. read the CSV with numpy.loadtxt (pandas is not installed on the bench
     machine; loadtxt's C parser with a converter for the empty acc cells of
     the 64 Hz PPG / 32 Hz acc rows is the fastest plain-numpy reader:
     genfromtxt is ~3x slower);
  2. PPG: Butterworth band-pass 0.5-4 Hz, order 4, zero-phase
     (scipy.signal.butter(output='sos') + sosfiltfilt, whole signal);
  3. heart rate: 8 s windows every 2 s, Welch PSD of each window
     (scipy.signal.welch on the stacked windows: 4 s Hann segments, 50 %
     overlap, nfft 2048; 1024 windows at a time), peak in 40-220 bpm;
  4. motion: |a|, ENMO = mean max(0, |a| - 1 g), MAD = mean ||a| - mean|a||
     per 5 s epoch;
  5. save the tables (numpy.savez).
Prints the time of each step, the total and the peak RSS (ru_maxrss).
Memory grows with the recording: the whole file is in memory, as in every
tool of this kind.
"""
import argparse
import resource
import sys
import time

import numpy as np
from scipy import signal


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rec")
    ap.add_argument("-o", "--output", default=None)
    a = ap.parse_args()
    t0 = time.perf_counter()
    times = {}

    t = time.perf_counter()
    with open(a.rec) as f:
        header = f.readline().strip().split(",")
    nan = float("nan")
    data = np.loadtxt(a.rec, delimiter=",", skiprows=1,
                      converters=lambda s: float(s) if s else nan)
    col = {name: i for i, name in enumerate(header)}
    tt = data[:, col["t_s"]]
    ppg = data[:, col["ppg"]]
    acc_rows = ~np.isnan(data[:, col["acc_x_g"]])
    acc = data[acc_rows][:, [col["acc_x_g"], col["acc_y_g"], col["acc_z_g"]]]
    fs = round(1.0 / np.median(np.diff(tt[:1000])))
    fs_acc = fs * acc.shape[0] / data.shape[0]
    del data
    times["read"] = time.perf_counter() - t

    t = time.perf_counter()
    ppg = np.where(np.isnan(ppg), 0.0, ppg)
    sos = signal.butter(4, [0.5, 4.0], btype="bandpass", fs=fs, output="sos")
    ppg_f = signal.sosfiltfilt(sos, ppg)
    times["bandpass"] = time.perf_counter() - t

    t = time.perf_counter()
    win, step = int(8 * fs), int(2 * fs)
    w = np.lib.stride_tricks.sliding_window_view(ppg_f, win)[::step]
    hr_bpm = np.empty(w.shape[0])
    for i in range(0, w.shape[0], 1024):  # chunks: all windows at once would need GBs
        f_hz, pxx = signal.welch(w[i:i + 1024], fs=fs, nperseg=int(4 * fs),
                                 noverlap=int(2 * fs), nfft=2048, axis=-1)
        band = (f_hz >= 40 / 60) & (f_hz <= 220 / 60)
        hr_bpm[i:i + 1024] = 60.0 * f_hz[band][np.argmax(pxx[:, band], axis=1)]
    hr_t = np.arange(hr_bpm.size) * 2.0
    times["welch_hr"] = time.perf_counter() - t

    t = time.perf_counter()
    mag = np.sqrt(np.sum(acc * acc, axis=1))
    ep = int(round(5 * fs_acc))
    ne = mag.size // ep
    r = mag[: ne * ep].reshape(ne, ep)
    enmo = np.maximum(r - 1.0, 0.0).mean(axis=1) * 1000.0
    mad = np.abs(r - r.mean(axis=1, keepdims=True)).mean(axis=1) * 1000.0
    ep_t = np.arange(ne) * 5.0
    times["enmo_mad"] = time.perf_counter() - t

    t = time.perf_counter()
    out = a.output or (a.rec.rsplit(".", 1)[0] + ".baseline.npz")
    np.savez(out, hr_t_s=hr_t, hr_bpm=hr_bpm, epoch_t_s=ep_t, enmo_mg=enmo, mad_mg=mad)
    times["write"] = time.perf_counter() - t

    total = time.perf_counter() - t0
    hours = tt[-1] / 3600.0
    steps = "  ".join(f"{k} {v:.2f} s" for k, v in times.items())
    print(f"scipy-baseline {a.rec}  {hours:.2f} h  total {total:.2f} s  ({steps})  "
          f"{hours / total:.2f} h/s  peak RSS {peak_mb():.0f} MB  "
          f"(numpy {np.__version__}, scipy {sys.modules['scipy'].__version__})")


if __name__ == "__main__":
    main()
