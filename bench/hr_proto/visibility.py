"""Is the reference heart rate visible in the spectra at all?  For each wrist_ppg_exercise
record: share of windows where a local maximum within 4 bpm of the reference is the highest
(top1) or among the three highest (top3) of the raw PPG spectrum and of the final emission.

    /usr/bin/python3 bench/hr_proto/visibility.py"""
import numpy as np
import data
import hr_proto


def ranks(M, f, truth):
    out = []
    for t in range(min(len(truth), M.shape[0])):
        tr = truth[t]
        if not np.isfinite(tr):
            continue
        loc = [k for k in range(1, len(f) - 1) if M[t, k] > M[t, k - 1] and M[t, k] >= M[t, k + 1]]
        loc = sorted(loc, key=lambda k: -M[t, k])
        rr = [i for i, k in enumerate(loc) if abs(f[k] - tr) < 4]
        out.append(rr[0] if rr else 99)
    return np.array(out)


if __name__ == '__main__':
    p = dict(hr_proto.DEFAULTS)
    print('%-24s %-18s %-18s %s' % ('record', 'raw top1/top3', 'emission top1/top3', 'mean quality'))
    for r in data.WRIST_RECORDS:
        d = data.load_wrist(r)
        o = hr_proto.estimate3(d, p)
        _, _, P, _ = hr_proto.estimate_coh(d, p)
        a, b = ranks(P, o['f'], d['truth']), ranks(o['C'], o['f'], d['truth'])
        print('%-24s %5.0f%% / %5.0f%%   %5.0f%% / %5.0f%%   %.3f' % (
            r, 100 * np.mean(a == 0), 100 * np.mean(a < 3), 100 * np.mean(b == 0), 100 * np.mean(b < 3),
            o['quality'].mean()))
