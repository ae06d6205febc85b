"""Issue 5, fourth pass: candidates under the octave.py robustness protocol (3^k grid, +-30 %).

    /usr/bin/python3 bench/hr_proto/fourth.py [T1 T2 M1 M2 ...]   (-> fourth.txt)

T1  template emission: E = beta*(nz(C) + wt*(b - mean_t b)), b(t, f) the local bicoherence at
    (f, f) of the motion-regression residual over +-K windows (template.py): a pulse has a
    fixed phase relation between its fundamental and 2nd harmonic, an uncorrelated remainder
    of motion should not.
T2  octave layer of octave.py (A) with the template score as evidence:
    hypotheses {q/2, q, 2q}, emission beta*(C(x) + wt*b(x)), kappa per switch.
M1  per-window raw/clean mixture driven by the acc intensity a_t (rms of the band-passed
    acc axes in the window, g): m_t = lam / (1 + (a_t/a0)^2); C_t = nz((1-m_t) nz(C) + m_t nz(P)).
M2  same, driven by the share of the window's PPG power the motion explains,
    g_t = sum P^2 g2 / sum P^2: m_t = lam * (1 - g_t)^p.
"""
import sys
import numpy as np
import experiments as X
import octave as O
import template as T

_ACC = {}


def acc_rms(kind, r):
    if r not in _ACC:
        c = X.get(kind, r); ts = T.ts_stream(kind, r, band=(0.5, 4.0))
        idx = T.win_idx(c['nw'], n=len(ts['xa']))
        seg = ts['xa'][:, :3][idx]                       # (nw, W, 3), g
        _ACC[r] = np.sqrt((seg ** 2).sum(2).mean(1))
    return _ACC[r]


def gshare(c):
    P2 = c['P'] ** 2
    return (P2 * c['g2']).sum(1) / P2.sum(1)


def t1(kind, r, wt=0.5, K=15, beta=6.0):
    c = X.get(kind, r); C = X.emis(c)
    b = T.bicoh_grid(kind, r, int(round(K)))['R']
    b = np.nan_to_num(b, nan=np.nanmean(b))
    E = beta * (X.nz(C) + wt * (b - b.mean(1, keepdims=True)))
    p = X.viterbi(E, c['f'])
    return X.finish(c, C, p), c['truth']


def t2(kind, r, kappa=20.0, wt=0.5, K=15, beta2=6.0):
    c, C, q = O.first_layer(kind, r)
    f = c['f']
    b = T.bicoh_grid(kind, r, int(round(K)))['R']
    b = np.nan_to_num(b, nan=np.nanmean(b))
    Sp = np.maximum(C, 0)
    cands = [q / 2, q, 2 * q]
    E = np.full((len(q), 3), -np.inf)
    for s, x in enumerate(cands):
        inb = (x >= f[0]) & (x <= f[-1])
        E[:, s] = np.where(inb, beta2 * (O.cval(Sp, f, x, 0.0) + wt * O.cval(b, f, x, 0.0)), -np.inf)
    s = O.switch_decode(E, kappa)
    return O.finish_at(c, C, np.choose(s, cands))


def mix(kind, r, m):
    c = X.get(kind, r); C = X.emis(c)
    Cm = X.nz((1 - m)[:, None] * X.nz(C) + m[:, None] * X.nz(c['P']))
    p = X.viterbi(6 * Cm, c['f'])
    return X.finish(c, Cm, p), c['truth']


def m1(kind, r, lam=0.5, a0=0.1):
    a = acc_rms(kind, r)
    return mix(kind, r, lam / (1 + (a / a0) ** 2))


def m2(kind, r, lam=0.5, p=2.0):
    c = X.get(kind, r)
    return mix(kind, r, lam * (1 - gshare(c)) ** p)


O.SWEEPS.update({
    'T1': (t1, dict(wt=0.5, K=15)),
    'T2': (t2, dict(kappa=20.0, wt=0.5, K=15)),
    'M1': (m1, dict(lam=0.5, a0=0.1)),
    'M2': (m2, dict(lam=0.5, p=2.0)),
})


def stats():
    for kind, r in X.RECS:
        c = X.get(kind, r); a = acc_rms(kind, r); g = gshare(c)
        print('%-24s acc rms [g] p10/50/90 %.3f %.3f %.3f | motion share g_t p10/50/90 %.2f %.2f %.2f'
              % (r[:24], *np.percentile(a, [10, 50, 90]), *np.percentile(g, [10, 50, 90])))




def t2_scan():
    print('# T2 with larger template weights (does the template ever move s2_walk?)')
    for wt in (1.0, 2.0, 4.0):
        o, res = X.score(lambda k, r: t2(k, r, kappa=20.0, wt=wt))
        print('T2 kappa=20 wt=%g K=15  %s' % (wt, X.fmt(o, res)), flush=True)


if __name__ == '__main__':
    for nm in sys.argv[1:]:
        {'stats': stats, 'T2scan': t2_scan}.get(nm, lambda: O.sweep(nm))()
