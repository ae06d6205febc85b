# SPDX-License-Identifier: GPL-2.0-or-later
"""The pipeline from Python gives the CLI's numbers: process(csv) == the summary the CLI
writes (every table, NaN equal to NaN, no tolerance: the same C code on the same file);
analyse(arrays read from that CSV) == process(csv) (bit for bit: the arrays are the same
doubles, read with a correctly rounded parser, and are cut into the same blocks); the
DataFrames hold no bytes, carry units, a datetime index when the start is known and a
categorical class."""
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import pulsetrain as pt
from conftest import SAMPLE, assert_same_summary, cli, shared


def cli_summary(path, tmp_path, *args):
    out = tmp_path / "cli.h5"
    subprocess.run([cli(), "process", str(path), "-o", str(out), "-q", "-j", "1", *args],
                   check=True)
    return pt.read_summary(out)


def arrays_from_csv(path):
    """The CSV's columns as analyse() arguments: empty cells mean "no sample on this row"
    (a 32 Hz accelerometer in a 64 Hz file), as the C reader reads them."""
    df = pd.read_csv(path, float_precision="round_trip", comment="#")
    t = df["t_s"].to_numpy()
    fs = round(1.0 / np.median(np.diff(t[:4096])))
    kw = {"ppg": df[[c for c in df.columns if c.startswith("ppg")][0]].to_numpy(),
          "fs_ppg": fs}
    acc_cols = [c for c in df.columns if c.startswith("acc_")]
    rows = df[acc_cols[0]].notna().to_numpy()
    step = int(round(len(rows[:4096]) / rows[:4096].sum()))
    kw["acc"] = df.loc[rows, acc_cols].to_numpy()
    kw["fs_acc"] = fs / step
    kw["t0_acc"] = float(t[rows][0] - t[0])
    unit = acc_cols[0].rsplit("_", 1)[1]
    kw["acc_units"] = {"g": "g", "mg": "mg", "ms2": "m/s^2"}[unit]
    ppg_col = [c for c in df.columns if c.startswith("ppg")][0]
    if "_" in ppg_col:
        kw["ppg_units"] = {"mV": "mV", "au": "au"}.get(ppg_col.split("_", 1)[1], None)
    return kw


def no_bytes(obj, where="summary"):
    """No bytes anywhere: values, column names, index, attrs."""
    if isinstance(obj, bytes):
        raise AssertionError(f"bytes in {where}: {obj!r}")
    if isinstance(obj, dict):
        for k, v in obj.items():
            no_bytes(k, where)
            no_bytes(v, f"{where}[{k!r}]")
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            no_bytes(v, where)
    elif isinstance(obj, pd.DataFrame):
        no_bytes(list(obj.columns), where)
        no_bytes(obj.attrs, f"{where}.attrs")
        for c in obj.columns:
            if obj[c].dtype == object:
                no_bytes(list(obj[c]), f"{where}[{c!r}]")
            elif isinstance(obj[c].dtype, pd.CategoricalDtype):
                no_bytes(list(obj[c].cat.categories), f"{where}[{c!r}]")


def test_process_equals_cli(tmp_path):
    s = pt.process(SAMPLE, threads=1)
    c = cli_summary(SAMPLE, tmp_path)
    assert_same_summary(s, c)
    assert len(s.hr) > 800 and len(s.epochs) == 360
    for k in ("duration_s", "path", "format", "notes", "parameters", "subject_id"):
        assert s.attrs[k] == c.attrs[k], k
    assert c.attrs["schema_version"] == 1
    assert len(c.attrs["source_sha256"]) == 64


def test_process_writes_what_the_cli_writes(tmp_path):
    out = tmp_path / "py.h5"
    s = pt.process(SAMPLE, out=out, threads=2, subject_id="P01", age_y=35)
    assert out.exists()
    back = pt.read_summary(out)
    assert_same_summary(s, back)
    c = cli_summary(SAMPLE, tmp_path, "--subject", "P01", "--age", "35")
    assert_same_summary(back, c)
    assert back.attrs["subject_id"] == "P01" and back.attrs["parameters"]["age_y"] == 35


def test_analyse_equals_process_on_the_csv():
    kw = arrays_from_csv(SAMPLE)
    a = pt.analyse(**kw, threads=1)
    p = pt.process(SAMPLE, threads=1)
    assert_same_summary(a, p)
    assert a.attrs["path"] == "<arrays>" and a.attrs["format"] == "memory"
    assert a.attrs["duration_s"] == p.attrs["duration_s"]
    # acc given as (3, n) rows, or three arrays: the same numbers
    acc = kw.pop("acc")
    b = pt.analyse(**kw, acc=np.ascontiguousarray(acc.T))
    assert_same_summary(a, b)
    c = pt.analyse(**kw, acc=[acc[:, 0].copy(), acc[:, 1].copy(), acc[:, 2].copy()])
    assert_same_summary(a, c)


def test_real_recording(tmp_path):
    csv = shared("data", "wrist_ppg_exercise", "s2_walk.csv")
    p = pt.process(csv, threads=1)
    assert_same_summary(p, cli_summary(csv, tmp_path))
    a = pt.analyse(**arrays_from_csv(csv), threads=1)
    assert_same_summary(a, p)
    assert len(p.hr) > 100


@pytest.mark.parametrize("rel", ["formats/edf/s2_walk.edf", "formats/cwa/ax3_testfile.cwa",
                                 "formats/e4/wesad_S15", "formats/wfdb/100.hea"])
def test_real_files_in_other_formats_equal_cli(rel, tmp_path):
    path = shared("data", *rel.split("/"))
    assert_same_summary(pt.process(path, threads=1), cli_summary(path, tmp_path))


def test_frames_are_pandas_friendly():
    kw = arrays_from_csv(SAMPLE)
    s = pt.analyse(**kw, start="2026-03-02T08:00:00+01:00", tz="Europe/Berlin")
    assert s.attrs["start_time_utc"] == "2026-03-02T07:00:00.000Z"
    hr = s.hr
    assert isinstance(hr.index, pd.DatetimeIndex) and str(hr.index.tz) == "UTC"
    assert hr.index[0] == pd.Timestamp("2026-03-02T07:00:00Z")
    assert (hr.index[1] - hr.index[0]) == pd.Timedelta(seconds=2)
    assert hr.attrs["units"]["bpm"] == "bpm" and hr.attrs["window_s"] == 8
    cls = s.epochs["class"]
    assert isinstance(cls.dtype, pd.CategoricalDtype)
    assert list(cls.cat.categories) == ["nonwear", "sedentary", "light", "moderate",
                                        "vigorous"]
    assert not cls.isna().any()
    for name, df in s.tables.items():
        no_bytes(df, name)
    no_bytes(s.attrs, "attrs")
    no_bytes(s.channels, "channels")
    assert s.channels["kind"].tolist() == ["ppg", "acc_x", "acc_y", "acc_z"]
    # the same with a datetime as start, and without a start: a RangeIndex
    s2 = pt.analyse(**kw, start=pd.Timestamp("2026-03-02T07:00:00Z"), tz="Europe/Berlin")
    assert s2.hr.index.equals(hr.index)
    s3 = pt.analyse(**kw)
    assert isinstance(s3.hr.index, pd.RangeIndex)
    assert np.isnan(s3.attrs["start_unix_s"])


def test_read_summary_has_daily_dates(tmp_path):
    s = pt.process(SAMPLE, start="2026-03-02T08:00:00Z")
    d = s.daily
    assert len(d) == 1
    assert d.iloc[0, 0] == pd.Timestamp("2026-03-02").date()


def test_options_and_defaults():
    opts = pt.options()
    assert opts["hr_window_s"] == "params" and opts["acc_units"] == "read"
    assert opts["threads"] == "run"
    d = pt.defaults(hr_window_s=10)
    assert d["hr_window_s"] == 10 and d["epoch_s"] == 5
    s = pt.process(SAMPLE, hr_window_s=10, epoch_s=10, exercise_end_s=[951.0])
    assert s.attrs["parameters"]["hr_window_s"] == 10
    assert len(s.epochs) == 180
    assert s.hr.attrs["window_s"] == 10


def test_irregular_heart_rate_alone():
    t = np.cumsum(np.full(2000, 0.8))
    hr = 75 + 10 * np.sin(t / 60)
    s = pt.analyse(hr=hr, t_hr=t)
    assert s.channels["kind"].tolist() == ["hr"]
    assert s.channels["fs_hz"].tolist() == [0.0]
    assert os.fspath(s.attrs["path"]) == "<arrays>"



def test_analyse_out_writes_the_same_summary(tmp_path):
    # arrays have no source file: the summary is written with source_sha256 "" and reads back
    # with the same tables as the Summary returned (NaN equal to NaN)
    t = np.arange(64 * 600) / 64.0
    ppg = np.sin(2 * np.pi * 1.2 * t)
    s = pt.analyse(ppg=ppg, fs_ppg=64, out=tmp_path / "a.h5")
    assert (tmp_path / "a.h5").exists()
    back = pt.read_summary(tmp_path / "a.h5")
    assert back.attrs["source_sha256"] == ""
    for name in ("hr", "epochs"):
        a, b = getattr(s, name), getattr(back, name)
        assert list(a.columns) == list(b.columns)
        for c in a.columns:
            if a[c].dtype.kind == "f":
                assert np.array_equal(a[c].to_numpy(), b[c].to_numpy(), equal_nan=True), c
