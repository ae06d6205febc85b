"""Issue 5, fourth pass: does the multiple coherence at the path make the quality index
predict error better within walking/running records?   (-> quality4.txt)

    /usr/bin/python3 bench/hr_proto/quality4.py

q0: current index (pt-eval-hr): share of positive emission within +-6 bpm x height at the path,
    averaged over +-7 windows.
q1: q0 x min(1, ((1 - G) / (1 - g0))^p), G = gamma^2 at the path (mean over PPG channels)
    averaged over +-K windows (K = 15, the cross-spectral half-length): a path on a line the
    motion explains is down-weighted. Swept g0 in {0.28, 0.4, 0.52}, p in {2.8, 4, 5.2}.
Per record: AUROC of the index for 'error <= 5 bpm' (0.5 = no information), MAE / coverage
above and below 0.1; pooled over walking+running (s4_run apart), cycling, SPC.
"""
import numpy as np
import experiments as X
import hr_proto as H

THR = 0.1


def auroc(q, good):
    if good.all() or (~good).all():
        return np.nan
    # rank-based (Mann-Whitney)
    r = np.argsort(np.argsort(q)) + 1.0
    n1 = good.sum(); n0 = (~good).sum()
    return (r[good].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def per_record(kind, r, g0=None, p=4.0, K=15):
    c = X.get(kind, r); f = c['f']; C = X.emis(c)
    path = X.viterbi(6 * X.nz(C), f)
    bpm = X.finish(c, C, path)
    q = H.smooth_centered(H.quality(C, f, path, H.DEFAULTS), 7)
    if g0 is not None:
        G = H.smooth_centered(c['g2'][np.arange(len(path)), path], K)
        q = q * np.minimum(1.0, ((1 - G) / (1 - g0)) ** p)
    tr = c['truth']; n = min(len(bpm), len(tr))
    e = np.abs(bpm[:n] - tr[:n]); q = q[:n]; ok = np.isfinite(e)
    return q[ok], e[ok]


def report(g0=None, p=4.0, verbose=True):
    groups = {'SPC': [], 'walk+run': [], 'bike': [], 's4_run': []}
    lines = []
    for kind, r in X.RECS:
        q, e = per_record(kind, r, g0, p)
        g = 'SPC' if kind == 'spc' else 's4_run' if r == 's4_run' else 'bike' if 'bike' in r else 'walk+run'
        groups[g].append((q, e))
        hi = q >= THR
        lines.append('  %-24s AUROC(err<=5) %5.2f | q>=%.1f: MAE %6.2f cov %5.1f%% | q<%.1f: MAE %6.2f' % (
            r[:24], auroc(q, e <= 5), THR, e[hi].mean() if hi.any() else np.nan, 100 * hi.mean(),
            THR, e[~hi].mean() if (~hi).any() else np.nan))
    head = 'q0 (current)' if g0 is None else 'q1 g0=%g p=%g' % (g0, p)
    out = [head]
    for g, v in groups.items():
        q = np.concatenate([a for a, _ in v]); e = np.concatenate([b for _, b in v]); hi = q >= THR
        s = '  pooled %-8s q>=%.1f: MAE %6.2f cov %5.1f%% | q<%.1f: MAE %6.2f | mean within-record AUROC %.2f' % (
            g, THR, e[hi].mean() if hi.any() else np.nan, 100 * hi.mean(), THR,
            e[~hi].mean() if (~hi).any() else np.nan, np.nanmean([auroc(a, b <= 5) for a, b in v]))
        if g == 'SPC':
            for t in (0.15, 0.2):
                h2 = q >= t
                s += ' | at %.2f: %.2f (%.0f%%) vs %.2f' % (t, e[h2].mean(), 100 * h2.mean(), e[~h2].mean() if (~h2).any() else np.nan)
        out.append(s)
    if verbose:
        out += lines
    print('\n'.join(out), flush=True)


if __name__ == '__main__':
    report()
    report(0.4, 4.0)
    for g0 in (0.28, 0.4, 0.52):
        for p in (2.8, 4.0, 5.2):
            if (g0, p) != (0.4, 4.0):
                report(g0, p, verbose=False)


def auroc_table():
    recs = [(k, r) for k, r in X.RECS if k == 'wr']
    print('# within-record AUROC(err<=5) per grid point (walk/run/bike records; nan: one class only)')
    print('%-16s %s' % ('', ' '.join('%8s' % r.replace('_resistance_bike', 'b')[:8] for _, r in recs)))
    for g0, p in [(None, 0)] + [(g, pp) for g in (0.28, 0.4, 0.52) for pp in (2.8, 4.0, 5.2)]:
        a = [auroc(*(lambda q, e: (q, e <= 5))(*per_record(k, r, g0, p))) for k, r in recs]
        print('%-16s %s' % ('q0' if g0 is None else 'g0=%g p=%g' % (g0, p), ' '.join('%8.2f' % v for v in a)))


if __name__ == '__main__':
    auroc_table()
