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
"""
import csv
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np


def run(cli, scenario, minutes, seed, tmp):
    rec = os.path.join(tmp, "%s_%d.csv" % (scenario, seed))
    subprocess.run([cli, "simulate", "--scenario", scenario, "--minutes", str(minutes),
                    "--seed", str(seed), "--no-acc", "-o", rec], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    truth = np.genfromtxt(rec[:-4] + ".truth.csv", delimiter=",", names=True)
    rng = np.random.default_rng(1000 + seed)
    hr_path = os.path.join(tmp, "%s_%d_hr.csv" % (scenario, seed))
    t, tt = 0.0, truth["t_s"]
    with open(hr_path, "w") as f:
        f.write("t_s,hr_bpm\n")
        while t < tt[-1]:
            v = float(np.interp(t, tt, truth["hr_bpm"]))
            f.write("%d,%s\n" % (round(t), "" if np.isnan(v) else "%d" % round(v)))  # NaN: off
            t += rng.uniform(2.0, 4.0)
    out = hr_path[:-4] + ".h5"
    subprocess.run([cli, "process", hr_path, "--age", "35", "--sex", "m", "-o", out],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with h5py.File(out) as h:
        g = h["recovery"]
        det = {k: g[k][:] for k in ("t_end_exercise_s", "hrr60_bpm", "hrr120_bpm")}
    tr = list(csv.DictReader(open(rec[:-4] + ".recovery.csv")))
    return tr, det


def main():
    cli = sys.argv[1]
    seeds = range(6, 11)
    for i, a in enumerate(sys.argv):
        if a == "--seeds":
            lo, hi = sys.argv[i + 1].split("-")
            seeds = range(int(lo), int(hi) + 1)
    tmp = tempfile.mkdtemp(prefix="pt_hronly_")
    for scenario, minutes in (("intervals", 75), ("mixed", 180)):
        n_true = n_found = n_false = 0
        e_end, e60, e120 = [], [], []
        for seed in seeds:
            tr, det = run(cli, scenario, minutes, seed, tmp)
            used = set()
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
        print("%-9s seeds %d-%d: found %d/%d, false ends %d; end error MAE %.2f s (bias %+.2f); "
              "HRR60 MAE %.2f bpm, %d/%d within +-3; HRR120 MAE %.2f bpm, %d/%d within +-3"
              % (scenario, seeds[0], seeds[-1], n_found, n_true, n_false,
                 np.nanmean(np.abs(e_end)), np.nanmean(e_end), np.nanmean(np.abs(e60)),
                 np.sum(np.abs(e60) <= 3), len(e60), np.nanmean(np.abs(e120)),
                 np.sum(np.abs(e120) <= 3), len(e120)))


if __name__ == "__main__":
    main()
