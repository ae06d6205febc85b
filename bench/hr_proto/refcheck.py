"""Plausibility of the wrist_ppg_exercise references (issue 5).

    /usr/bin/python3 bench/hr_proto/refcheck.py

Per record: RR statistics of the ECG beat annotations (median rate, 1st/99th percentile
RR, median |successive RR difference|, RR outliers > 30 % from the median), the step
cadence (peak of the band-passed |a| spectrum, 16 s windows) against the reference HR,
and the phase locking of the annotated beats to the step cycle: PLV = |mean exp(i phi)|
of the step phase (Hilbert phase of |a| band-passed at the cadence +-10 %) sampled at
the beat times, with m:n = 1:1 (PLV near 1: every beat at the same step phase)."""
import numpy as np
from scipy import signal
import data, hr_proto


def cadence_vs_ref(d, win=16.0):
    p = dict(hr_proto.DEFAULTS, win_s=win, nfft=4096)
    mag = np.sqrt((d['acc'] ** 2).sum(1))[:, None]
    f, sel, Sm, _, nw, _, _ = hr_proto.window_spectra(mag, None, d['fs'], d['fs'], p)
    tr = d['truth']
    diffs, cads = [], []
    for i in range(nw):
        if i + 4 >= len(tr):
            break
        t = np.nanmean([tr[i], tr[i + 4]])      # reference over the same 16 s
        fc = f[np.argmax(Sm[i, 0])]
        diffs.append(t - fc); cads.append(fc)
    return np.array(diffs), np.median(cads)


def plv(d, cad_bpm):
    fs = d['fs']
    mag = np.sqrt((d['acc'] ** 2).sum(1))
    fc = cad_bpm / 60.0
    sos = signal.butter(2, [0.9 * fc, 1.1 * fc], btype='bandpass', fs=fs, output='sos')
    ph = np.angle(signal.hilbert(signal.sosfiltfilt(sos, mag - mag.mean())))
    idx = np.round(d['beats_t'] * fs).astype(int)
    idx = idx[(idx >= 0) & (idx < len(ph))]
    return np.abs(np.mean(np.exp(1j * ph[idx])))


if __name__ == '__main__':
    print('%-24s %6s %6s %6s %7s %4s | %7s %6s %6s | %5s' % (
        'record', 'HRmed', 'RRp1', 'RRp99', '|dRR|', 'out', 'cad', 'ref-cad', '|d|<3', 'PLV'))
    for r in data.WRIST_RECORDS:
        d = data.load_wrist(r)
        rr = np.diff(d['beats_t']); med = np.median(rr)
        dif, cad = cadence_vs_ref(d)
        print('%-24s %6.1f %6.3f %6.3f %7.3f %4d | %7.1f %6.1f %5.0f%% | %5.2f' % (
            r, 60 / med, np.percentile(rr, 1), np.percentile(rr, 99), np.median(np.abs(np.diff(rr))),
            np.sum(np.abs(rr - med) > 0.3 * med), cad, np.median(dif), 100 * np.mean(np.abs(dif) < 3),
            plv(d, cad)))
