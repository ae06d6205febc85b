#!/usr/bin/python3
"""The heart-rate tracker against its reference (hr_proto.estimate3, numpy/scipy): the
per-window heart rate of `pulsetrain process` on every SPC 2015 record and every
wrist_ppg_exercise record equals the reference's.

    tests/hr_reference/test_parity.py PULSETRAIN_CLI     (ctest: pipeline.hr_parity)

Tolerance: 1e-9 bpm absolute per window. Both run the same steps in float64 (FFTW and
scipy's FFT, the same Viterbi path); the differences seen are ~2e-13 bpm, rounding of
the FFTs. Exit 77 (skipped) when ../shared/data is absent; 1 on any difference or
missing Python module (scripts/install-deps installs numpy, scipy and h5py)."""
import os
import subprocess
import sys
import tempfile

TOL_BPM = 1e-9

try:
    import h5py
    import numpy as np
except ImportError as e:
    print(f"FAIL: {e} (scripts/install-deps installs python3-numpy, python3-scipy, python3-h5py)")
    sys.exit(1)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import hr_proto  # noqa: E402


def main(cli):
    if not os.path.isdir(os.path.join(data.SHARED, 'spc2015')):
        print(f"skip: {data.SHARED}/spc2015 absent")
        return 77
    bad = 0
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        data.CACHE = os.path.join(tmp, 'cache')  # nothing left behind
        cases = [('spc2015', r, data.load_spc) for r in data.SPC_RECORDS] + \
                [('wrist_ppg_exercise', r, data.load_wrist) for r in data.WRIST_RECORDS]
        for folder, rec, load in cases:
            src = os.path.join(data.SHARED, folder, rec + '.csv')
            if not os.path.exists(src):
                print(f"FAIL {rec}: {src} missing")
                bad += 1
                continue
            ref = hr_proto.estimate3(load(rec))['bpm']
            out = os.path.join(tmp, rec + '.h5')
            subprocess.run([cli, 'process', '-q', '-j', '1', src, '-o', out], check=True)
            with h5py.File(out, 'r') as f:
                got = f['hr/bpm_raw'][:]  # the tracker's estimate, reliable or not
            if len(got) != len(ref):
                print(f"FAIL {rec}: {len(got)} windows, reference {len(ref)}")
                bad += 1
                continue
            d = float(np.nanmax(np.abs(got - ref))) if len(ref) else 0.0
            same_nan = bool(np.array_equal(np.isnan(got), np.isnan(ref)))
            ok = d <= TOL_BPM and same_nan
            bad += not ok
            checked += len(ref)
            print(f"{'ok  ' if ok else 'FAIL'} {rec}: {len(ref)} windows, max |C - reference| "
                  f"{d:.2e} bpm")
    print(f"{checked} windows compared, {bad} records differ (tolerance {TOL_BPM:g} bpm)")
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
