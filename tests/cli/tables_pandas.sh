#!/bin/sh
# The CSV tables pulsetrain writes open in pandas with the right dtypes: the cohort tables
# of batch (recordings.csv, days.csv) and export --csv of a summary -- numbers as float64
# (int64 where no cell is missing), missing values as NaN (never 0), dates parseable,
# strings as str; batch.h5 read with h5py has the same rows, its strings UTF-8 (h5py 3
# hands dataset strings back as bytes: .asstr() gives str). $1 = the pulsetrain binary.
# Exit 77 when /usr/bin/python3 has no pandas or h5py (scripts/install-deps installs them).
set -u
PT="$1"
PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c 'import pandas, h5py' 2>/dev/null || { echo "SKIP: no pandas/h5py for $PY"; exit 77; }
d=$(mktemp -d /tmp/pt_tpandas_XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/in/A"
"$PT" simulate --minutes 6 --seed 1 --start 2026-03-02T08:00:00Z -o "$d/in/A/r1.csv" >/dev/null 2>&1 || { echo "FAIL simulate"; exit 1; }
"$PT" simulate --minutes 6 --seed 2 --scenario intervals -o "$d/in/A/r2.csv" >/dev/null 2>&1 || { echo "FAIL simulate"; exit 1; }
printf 'file,subject\nr1.csv,1\n' > "$d/in/labels.csv"
printf 't_s,ppg\n0,1\n0.015625,zz\n' > "$d/in/broken.csv"
"$PT" batch "$d/in" -o "$d/out" -q --age 35 --sex m >/dev/null 2>&1
[ $? -eq 4 ] || { echo "FAIL batch: expected exit 4 (broken.csv)"; exit 1; }
"$PT" export "$d/out/r1.h5" --csv "$d/exp" -q || { echo "FAIL export"; exit 1; }
"$PY" - "$d" <<'PY'
import sys, math
import pandas as pd, numpy as np, h5py
d = sys.argv[1]
fail = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fail.append(what)
r = pd.read_csv(f"{d}/out/recordings.csv")
check(len(r) == 8, f"recordings.csv: 8 rows ({len(r)})")
for c in ["path", "name", "status", "error", "summary"]:
    check(r[c].dtype == object, f"recordings.{c} is text ({r[c].dtype})")
num = ["duration_s", "wear_min", "mvpa_min", "enmo_mean_mg", "hr_mean_bpm", "hr_rest_bpm",
       "hr_max_bpm", "age_y", "trimp_banister_au", "steps", "n_days", "wall_s", "bytes",
       "error_code", "hrr60_mean_bpm"]
for c in num:
    check(np.issubdtype(r[c].dtype, np.number), f"recordings.{c} is numeric ({r[c].dtype})")
st = dict(zip(r.path.str.rsplit("/", n=1).str[-1], r.status))
check(st == {"broken.csv": "failed", "labels.csv": "skipped", "r1.csv": "ok", "r2.csv": "ok",
            "r1.truth.csv": "skipped", "r1.recovery.csv": "skipped", "r2.truth.csv": "skipped",
            "r2.recovery.csv": "skipped"}, f"statuses {st}")
ok = r[r.status == "ok"]
bad = r[r.status != "ok"]
check(bad.duration_s.isna().all() and bad.wear_min.isna().all(),
      "failed and skipped rows: figures NaN, not 0")
check((ok.age_y == 35).all() and (ok.sex == "m").all(), "age and sex given to batch")
check(ok.hr_mean_bpm.between(40, 200).all() and (ok.wear_min > 0).all(), "figures of the ok rows")
check(r.loc[r.status == "failed", "error"].str.contains("broken.csv:3").all(), "the failure's reason")
check(r.loc[r.status == "skipped", "error"].str.contains("not a recording").all(), "the skip's reason")
check(pd.to_datetime(ok.start_utc.dropna(), utc=True).dt.year.eq(2026).all(), "start_utc parses")
dy = pd.read_csv(f"{d}/out/days.csv", parse_dates=["date"])
check(len(dy) == 2, f"days.csv: one day per ok recording ({len(dy)})")
check(np.issubdtype(dy.date.dtype, np.datetime64), f"days.date parses as dates ({dy.date.dtype})")
for c in ["wear_min", "mvpa_min", "trimp_banister_au", "steps", "valid_day", "hrr60_bpm"]:
    check(np.issubdtype(dy[c].dtype, np.number), f"days.{c} is numeric ({dy[c].dtype})")
check(dy.hrr60_bpm.isna().sum() >= 1, "a day without recovery: hrr60_bpm NaN, not 0")
check(np.allclose(dy.mvpa_min, dy.moderate_min + dy.vigorous_min), "mvpa_min = moderate + vigorous")
with h5py.File(f"{d}/out/batch.h5") as f:
    g = f["recordings"]
    check(h5py.check_string_dtype(g["path"].dtype).encoding == "utf-8", "batch.h5 strings UTF-8")
    paths = list(g["path"].asstr()[...])
    check(paths == list(r.path), "batch.h5 /recordings = recordings.csv rows, same order")
    check(np.allclose(g["wear_min"][...], r.wear_min, equal_nan=True), "batch.h5 wear_min = csv")
    check(f["days"]["date"].asstr()[0] == dy.date.dt.strftime("%Y-%m-%d")[0], "batch.h5 /days/date")
    check(f["recordings"]["wear_min"].attrs["units"] == "min", "units attribute read as str")
ep = pd.read_csv(f"{d}/exp/epochs.csv")
check(all(np.issubdtype(ep[c].dtype, np.number) for c in ["t_start_s", "enmo_mg", "hr_bpm", "t_unix_s"]),
      "export epochs: numbers numeric")
check(ep["class"].dtype == object and set(ep["class"].dropna()) <= {"nonwear", "sedentary", "light", "moderate", "vigorous"},
      "export epochs.class as names")
with h5py.File(f"{d}/out/r1.h5") as f:
    check(len(ep) == f["epochs/t_start_s"].shape[0], "export: every epoch row")
    check(np.allclose(ep.enmo_mg, f["epochs/enmo_mg"][...], rtol=1e-9, equal_nan=True),
          "export: enmo_mg equal to the summary (10 significant digits)")
da = pd.read_csv(f"{d}/exp/daily.csv", parse_dates=["date"])
check(np.issubdtype(da.date.dtype, np.datetime64) and "trimp_banister_au" in da, "export daily: date, units")
sys.exit(1 if fail else 0)
PY
