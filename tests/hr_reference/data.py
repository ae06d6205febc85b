"""Loaders for the shared evaluation data (read-only; cached as .npy under /tmp, never in the repo)."""
import os
import numpy as np

SHARED = os.path.join(os.environ.get('PT_SHARED_DIR') or
                      os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared'), 'data')
CACHE = '/tmp/pt_hr_proto_cache'

SPC_RECORDS = ['DATA_01_TYPE01'] + ['DATA_%02d_TYPE02' % i for i in range(2, 9)]
WRIST_RECORDS = ['s2_walk', 's3_walk', 's6_walk', 's3_run', 's4_run', 's5_run', 's6_run',
                 's3_high_resistance_bike', 's5_low_resistance_bike']


def _load_csv(path):
    os.makedirs(CACHE, exist_ok=True)
    key = os.path.join(CACHE, os.path.basename(path) + '.npy')
    if os.path.exists(key) and os.path.getmtime(key) >= os.path.getmtime(path):
        return np.load(key)
    with open(path) as f:
        header = f.readline()
    a = np.genfromtxt(path, delimiter=',', skip_header=1)
    np.save(key, a)
    return a


def _header(path):
    with open(path) as f:
        return f.readline().strip().split(',')


def load_spc(rec):
    """Return dict: fs, ppg (n, 2), acc (n, 3) [g], truth bpm per window, temko."""
    d = os.path.join(SHARED, 'spc2015')
    a = _load_csv(os.path.join(d, rec + '.csv'))
    b = _load_csv(os.path.join(d, rec + '_bpm.csv'))
    h = _header(os.path.join(d, rec + '_bpm.csv'))
    return dict(name=rec, fs=125.0, ppg=a[:, 1:3], acc=a[:, 3:6], fs_acc=125.0,
                truth=b[:, h.index('bpm')], temko=b[:, h.index('temko2017_wfpv_bpm')],
                temko_vd=b[:, h.index('temko2017_wfpv_vd_bpm')])


def load_wrist(rec):
    d = os.path.join(SHARED, 'wrist_ppg_exercise')
    a = _load_csv(os.path.join(d, rec + '.csv'))
    h = _header(os.path.join(d, rec + '_hr.csv'))
    b = _load_csv(os.path.join(d, rec + '_hr.csv'))
    beats = _load_csv(os.path.join(d, rec + '_beats.csv'))
    return dict(name=rec, fs=256.0, ppg=a[:, 1:2], acc=a[:, 2:5] / 9.81, fs_acc=256.0,
                truth=b[:, h.index('bpm')], beats_t=beats[:, 2])
