#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Ends of exercise from heart rate alone on simulated chest-strap files.

  /usr/bin/python3 bench/eval_hr_only_sim.py PULSETRAIN [--seeds 6-10] [--tmp DIR]

For each seed: `pulsetrain simulate` (intervals 75 min, mixed 3 h), then the true heart rate
(REC.truth.csv, per second) is written as a chest-strap file as the Yo-Yo K5 gives it: one
value per "breath" (every 2-4 s, seeded), rounded to whole bpm, no accelerometer. The file
goes through `pulsetrain process --age 35 --sex m`; each true recovery (REC.recovery.csv)
is matched to the detected end nearest to it within 30 s. Prints found/true, false ends
(detected ends matching no truth), end error MAE/bias, HRR60 and HRR120 MAE and the count
within +-3 bpm (the Yo-Yo target) against the truth.

Other protocols (synth_protocol, the same file format, seeds as above): the heart rate as
first-order kinetics towards each segment's level (on 30-60 s, off 40-90 s, seated recovery
tau 40-90 s to rest + 12-22 bpm; Cole 1999, Imai 1994), plus a slow AR(1) wander (SD 2 bpm,
60 s) in the truth; rest 60 bpm, HRmax 183.5 bpm (age 35), runs at 65-85 % of the reserve.
  shortrest  6 x (3 min run + 60-150 s standing rest), then 5 min seated: one end (the
             short rests are rests between efforts, counted as false ends when found)
  steady     10 min walk, 25-35 min steady run, 5 min seated, 10 min walk: one end
  day        3 runs of 5-10 min, each + 4-5 min seated, 20-40 min sitting/light between
  warmup     5 min jog (70-78 %), 4-6 min rest, incremental run with a 10 s walk every
             40 s rising to 90-100 %, 4 min seated: one end (the test's; an end found
             after the warm-up is counted apart as "warm-up ends", not as a false end)
"""
import csv
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np


def process_hr(cli, hr_path, tt, hr, rng):
    """Write hr (at times tt) as a chest strap would, a whole-bpm value every 2-4 s (NaN: an
    empty cell, the strap off), process it and return the /recovery columns."""
    t = 0.0
    with open(hr_path, "w") as f:
        f.write("t_s,hr_bpm\n")
        while t < tt[-1]:
            v = float(np.interp(t, tt, hr))
            f.write("%d,%s\n" % (round(t), "" if np.isnan(v) else "%d" % round(v)))
            t += rng.uniform(2.0, 4.0)
    out = hr_path[:-4] + ".h5"
    subprocess.run([cli, "process", hr_path, "--age", "35", "--sex", "m", "-o", out],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with h5py.File(out) as h:
        g = h["recovery"]
        return {k: g[k][:] for k in ("t_end_exercise_s", "hrr60_bpm", "hrr120_bpm")}


def run(cli, scenario, minutes, seed, tmp):
    rec = os.path.join(tmp, "%s_%d.csv" % (scenario, seed))
    subprocess.run([cli, "simulate", "--scenario", scenario, "--minutes", str(minutes),
                    "--seed", str(seed), "--no-acc", "-o", rec], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    truth = np.genfromtxt(rec[:-4] + ".truth.csv", delimiter=",", names=True)
    rng = np.random.default_rng(1000 + seed)
    hr_path = os.path.join(tmp, "%s_%d_hr.csv" % (scenario, seed))
    det = process_hr(cli, hr_path, truth["t_s"], truth["hr_bpm"], rng)
    tr = list(csv.DictReader(open(rec[:-4] + ".recovery.csv")))
    return tr, det


def synth_protocol(name, seed):
    """Per-second truth HR and the list of true ends (and warm-up ends) of a protocol."""
    rng = np.random.default_rng(5000 + seed)
    rest, hmax = 60.0, 208 - 0.7 * 35
    lvl = lambda f: rest + f * (hmax - rest)  # noqa: E731
    seg = []  # (kind, duration s, level bpm, tau s)
    u = rng.uniform

    def run(d, f):
        seg.append(("run", int(d), lvl(f), u(30, 60)))

    def seated(d):
        seg.append(("rec", int(d), rest + u(12, 22), u(40, 90)))

    seg.append(("rest", 300, rest + u(0, 8), 60))
    if name == "shortrest":
        for i in range(6):
            run(180, u(0.65, 0.85))
            if i < 5:
                seg.append(("short", int(u(60, 150)), lvl(0.35), u(40, 90)))
        seated(300)
    elif name == "steady":
        seg.append(("walk", 600, lvl(0.35), 45))
        run(u(1500, 2100), u(0.65, 0.8))
        seated(300)
        seg.append(("walk", 600, lvl(0.35), 45))
    elif name == "day":
        for i in range(3):
            run(u(300, 600), u(0.65, 0.85))
            seated(u(240, 300))
            seg.append(("rest", int(u(1200, 2400)), rest + u(5, 15), 60))
    elif name == "warmup":
        run(300, u(0.70, 0.78))
        seg[-1] = ("warm",) + seg[-1][1:]
        seg.append(("rest", int(u(240, 360)), rest + u(10, 20), 60))
        f0, f1, n = u(0.7, 0.75), u(0.9, 1.0), int(u(12, 18))
        for i in range(n):
            run(40, f0 + (f1 - f0) * i / (n - 1))
            if i < n - 1:
                seg.append(("short", 10, lvl(f0 - 0.1), 20))
        seated(240)
    hr, ends, warm = [rest], [], []
    for k, (kind, d, level, tau) in enumerate(seg):
        h0 = hr[-1]
        hr += [level + (h0 - level) * np.exp(-(i + 1) / tau) for i in range(d)]
        if kind in ("run", "warm") and k + 1 < len(seg) and seg[k + 1][0] == "rec":
            ends.append(len(hr) - 1)
        if kind == "warm":
            warm.append(len(hr) - 1)
    hr = np.array(hr)
    w, a = np.zeros(len(hr)), np.exp(-1 / 60.0)
    e = rng.normal(0, 2.0 * np.sqrt(1 - a * a), len(hr))
    for i in range(1, len(hr)):
        w[i] = a * w[i - 1] + e[i]
    return hr + w, ends, warm


def run_protocol(cli, name, seed, tmp):
    hr, ends, warm = synth_protocol(name, seed)
    rng = np.random.default_rng(1000 + seed)
    hr_path = os.path.join(tmp, "%s_%d_hr.csv" % (name, seed))
    det = process_hr(cli, hr_path, np.arange(len(hr), dtype=float), hr, rng)
    tr = [{"t_end_exercise_s": te, "hrr60_bpm": hr[te] - hr[te + 60],
           "hrr120_bpm": hr[te] - hr[te + 120]} for te in ends if te not in warm]
    return tr, det, warm


def report(name, seeds, results):
    n_true = n_found = n_false = n_warm = 0
    e_end, e60, e120 = [], [], []
    for tr, det, warm in results:
        used = set()
        for j, te in enumerate(det["t_end_exercise_s"]):
            if any(abs(te - w) <= 30 for w in warm):
                used.add(j)
                n_warm += 1
        for r in tr:
            te = float(r["t_end_exercise_s"])
            n_true += 1
            d = np.abs(det["t_end_exercise_s"] - te)
            if len(d) and d.min() <= 30:
                j = int(np.argmin(d))
                used.add(j)
                n_found += 1
                e_end.append(det["t_end_exercise_s"][j] - te)
                e60.append(det["hrr60_bpm"][j] - float(r["hrr60_bpm"]))
                e120.append(det["hrr120_bpm"][j] - float(r["hrr120_bpm"]))
        n_false += len(det["t_end_exercise_s"]) - len(used)
    e_end, e60, e120 = map(np.array, (e_end, e60, e120))
    mae = lambda x: np.nanmean(np.abs(x)) if len(x) else np.nan  # noqa: E731
    print("%-9s seeds %d-%d: found %d/%d, false ends %d%s; end error MAE %.2f s (bias %+.2f); "
          "HRR60 MAE %.2f bpm, %d/%d within +-3; HRR120 MAE %.2f bpm, %d/%d within +-3"
          % (name, seeds[0], seeds[-1], n_found, n_true, n_false,
             ", warm-up ends %d" % n_warm if name == "warmup" else "",
             mae(e_end), np.nanmean(e_end) if len(e_end) else np.nan, mae(e60),
             np.sum(np.abs(e60) <= 3), len(e60), mae(e120), np.sum(np.abs(e120) <= 3),
             len(e120)))


def main():
    cli = sys.argv[1]
    seeds = range(6, 11)
    for i, a in enumerate(sys.argv):
        if a == "--seeds":
            lo, hi = sys.argv[i + 1].split("-")
            seeds = range(int(lo), int(hi) + 1)
    tmp = tempfile.mkdtemp(prefix="pt_hronly_")
    for scenario, minutes in (("intervals", 75), ("mixed", 180)):
        report(scenario, seeds, [run(cli, scenario, minutes, seed, tmp) + ([],)
                                 for seed in seeds])
    for name in ("shortrest", "steady", "day", "warmup"):
        report(name, seeds, [run_protocol(cli, name, seed, tmp) for seed in seeds])

if __name__ == "__main__":
    main()
