#!/usr/bin/python3
"""scipy/numpy side of the kernel benchmark: times the same work as pt-bench's kernel
cases (same case names, same sizes, same signal formula) and prints one table with
pulsetrain's time, scipy's time and the ratio scipy/pulsetrain (> 1: pulsetrain faster).

Usage (Debian's python3-scipy; run with /usr/bin/python3):
  bench/scipy_kernels.py --pt-bench build/dev/pt-bench [--quick] [-s SUBSTRING] [--markdown]
  bench/scipy_kernels.py --json results.json [...]      # reuse a pt-bench --json file
Timing as pt-bench: a warm-up call, iterations until a repeat lasts >= 0.2 s, median of
5 repeats (--quick: 0.01 s, 1 repeat).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy
import scipy.ndimage as ndi
from scipy import signal
from scipy.optimize import curve_fit

H1, H24 = 230400, 5529600


def bench_signal(n, fs):
    """pt_bench_signal: tones, wander, offset and xorshift64 noise (same sequence)."""
    t = np.arange(n) / fs
    s = np.uint64(88172645463325252)
    u = np.empty(n)
    m = np.uint64(0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        for i in range(n) if n <= 4096 else ():
            s ^= (s << np.uint64(13)) & m
            s ^= s >> np.uint64(7)
            s ^= (s << np.uint64(17)) & m
            u[i] = float(s >> np.uint64(11)) / 9007199254740992.0 - 0.5
    if n > 4096:  # the exact sequence does not matter for timing; a fast stand-in
        u = np.random.default_rng(1).random(n) - 0.5
    return (np.sin(2 * np.pi * 1.3 * t) + 0.5 * np.sin(2 * np.pi * 2.7 * t)
            + 0.3 * np.sin(2 * np.pi * 0.1 * t) + 0.7 + 0.4 * u)


def sos_bp(fs):
    return signal.butter(4, [0.5, 4.0], btype="bandpass", fs=fs, output="sos")


def cases():
    c = {}
    for n, fs in ((512, 64.0), (1000, 125.0), (2048, 256.0)):
        tag = f"8s_{int(fs)}hz"
        x = bench_signal(n, fs)
        c[f"fft_power_{tag}"] = lambda x=x: np.abs(np.fft.rfft(x)) ** 2
        c[f"fft_forward_{tag}"] = lambda x=x: np.fft.rfft(x)
        c[f"sosfiltfilt_{tag}"] = lambda x=x, s=sos_bp(fs): signal.sosfiltfilt(s, x)
        c[f"welch_{tag}"] = lambda x=x, fs=fs, n=n: signal.welch(
            x, fs=fs, nperseg=n // 2, noverlap=n // 4, nfft=n // 2)
    x1 = bench_signal(H1, 64.0)
    x24 = bench_signal(H24, 64.0)
    s64 = sos_bp(64.0)
    c["sosfilt_1h_64hz"] = lambda: signal.sosfilt(s64, x1)
    c["sosfiltfilt_1h_64hz"] = lambda: signal.sosfiltfilt(s64, x1)
    c["sosfilt_24h_64hz"] = lambda: signal.sosfilt(s64, x24)
    c["sosfiltfilt_24h_64hz"] = lambda: signal.sosfiltfilt(s64, x24)
    c["welch_1h_64hz"] = lambda: signal.welch(x1, fs=64.0, nperseg=512, noverlap=256)
    c["welch_24h_64hz"] = lambda: signal.welch(x24, fs=64.0, nperseg=512, noverlap=256)
    c["spectrogram_1h_64hz"] = lambda: signal.spectrogram(
        x1, fs=64.0, window="hann", nperseg=512, noverlap=384, nfft=2048, detrend="constant",
        scaling="density", mode="psd")
    c["peaks_1h_64hz"] = lambda: signal.find_peaks(x1, distance=20, prominence=0.5)
    x125 = bench_signal(450000, 125.0)
    c["resample_1h_125to64hz"] = lambda: signal.resample_poly(x125, 64, 125)
    c["resample_1h_64to32hz"] = lambda: signal.resample_poly(x1, 1, 2)
    i = np.arange(H1)
    tx = (i + 0.3 * np.sin(0.7 * i)) / 64.0
    tq = i / 64.0
    c["interp_1h_64hz"] = lambda: np.interp(tq, tx, x1)
    w = 320

    def movmean():  # trailing mean, as pandas rolling(w).mean(): cumulative-sum form
        cs = np.cumsum(np.insert(x1, 0, 0.0))
        return (cs[w:] - cs[:-w]) / w

    def movstd():
        m = ndi.uniform_filter1d(x1, w)
        return np.sqrt(np.maximum(ndi.uniform_filter1d(x1 * x1, w) - m * m, 0))

    c["movmean_1h_64hz"] = movmean
    c["movstd_1h_64hz"] = movstd
    c["movmedian_1h_64hz"] = lambda: ndi.median_filter(x1, size=w)
    t = np.arange(300.0)
    y = 60 + 110 * np.exp(-t / 45.0) + bench_signal(300, 1.0) - 0.7 - 0.3 * np.sin(0.2 * t)
    model = lambda tt, a, b, cc: a + b * np.exp(-tt / cc)
    c["expfit_300s"] = lambda: curve_fit(model, t, y, p0=(y[-1], y[0] - y[-1], 60.0))
    c["t30_300s"] = lambda: -1.0 / np.polyfit(t[:31], np.log(y[:31]), 1)[0]
    return c


def timeit(fn, quick):
    fn()
    min_s = 0.01 if quick else 0.2
    iters = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_s:
            break
        iters = min(iters * 10, int(iters * min_s * 1.2 / dt) + 1 if dt > 0 else iters * 10)
    reps = 1 if quick else 5
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        ts.append((time.perf_counter() - t0) / iters)
    return sorted(ts)[reps // 2]


def fmt(sec):
    return f"{sec * 1e6:.2f} us" if sec < 1e-3 else f"{sec * 1e3:.3f} ms"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pt-bench", help="path of the pt-bench executable to run")
    ap.add_argument("--json", help="read pt-bench results from this file instead")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("-s", dest="sub", default=None)
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    a = ap.parse_args()
    if not a.pt_bench and not a.json:
        ap.error("give --pt-bench PATH or --json FILE")
    if a.pt_bench:
        fd, path = tempfile.mkstemp(suffix=".json")
        os.close(fd)
        cmd = [a.pt_bench, "--json", path] + (["--quick"] if a.quick else []) + (["-s", a.sub] if a.sub else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        sys.stderr.write(out)
        with open(path) as f:
            pt = json.load(f)
        os.unlink(path)
    else:
        with open(a.json) as f:
            pt = json.load(f)
    res = {c["name"]: c for c in pt["cases"]}
    sp = cases()
    rows = []
    for name, c in res.items():
        if a.sub and a.sub not in name:
            continue
        fn = sp.get(name)
        s_sec = timeit(fn, a.quick) if fn else None
        base = c.get("baseline")
        b = res.get(base) if base else None
        rows.append((name, c["n"], c["sec_per_call"], s_sec,
                     (f"{b['sec_per_call'] / c['sec_per_call']:.2f}x vs {base}" if b else "")))
    hdr = (f"pulsetrain {pt['version']} ({pt['compiler']}, flags '{pt['cflags'].strip()}') on "
           f"{pt['cpu']}; scipy {scipy.__version__}, numpy {np.__version__}, "
           f"Python {platform.python_version()}{'; QUICK' if a.quick else ''}")
    if a.markdown:
        print(hdr + "\n")
        print("| case | n | pulsetrain / call | samples/s | scipy/numpy / call | speed-up vs scipy | in-process baseline |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for name, n, p, s, bl in rows:
            print(f"| {name} | {n} | {fmt(p)} | {n / p:.3g} | {fmt(s) if s else '-'} | "
                  f"{(f'{s / p:.2f}x') if s else '-'} | {bl} |")
    else:
        print("# " + hdr)
        print(f"{'case':34} {'n':>9} {'pulsetrain':>12} {'samples/s':>10} {'scipy':>12} {'ratio':>8}  baseline")
        for name, n, p, s, bl in rows:
            print(f"{name:34} {n:9d} {fmt(p):>12} {n / p:10.3g} {fmt(s) if s else '-':>12} "
                  f"{(f'{s / p:.2f}x') if s else '-':>8}  {bl}")


if __name__ == "__main__":
    main()
