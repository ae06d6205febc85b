"""Issue 5, third pass: segment-level octave decisions and learnt transitions (nothing adopted).

    /usr/bin/python3 bench/hr_proto/octave.py [sweep ...]  (A B C D scanA; default all)

Runs on the components cached by experiments.py (same records, same first-layer decoder as
'base' = pt-eval-hr). Every candidate is judged on all 17 records under a +-30 % sweep of
each of its own parameters (3^k grid); the line WORST is the worst activity mean over the
grid. Protocol (docs/heart-rate.md): adopt only if worst SPC <= 0.95, worst running <= 8
and walking / cycling improve at every grid point. Results: octave.txt.

A  second Viterbi layer over the hypotheses {q/2, q, 2q} around the first-layer path q
   (direction 1 of the follow-up list): emission beta2*(C(x) + wh*C(2x)), C(2x) = 0 above
   the band; switching between hypotheses costs kappa nats (HR cannot halve or double
   within seconds, so a switch needs evidence sustained over many windows).
B  A plus a motion-coherence penalty -lam*gamma2(x) on each hypothesis.
C  halving allowed only where the path line is motion-coherent (gamma2(q) > thr); evidence
   = raw-PPG line at q/2 minus rho x raw line at q (a PPG fundamental dominates its
   2nd harmonic); same two-state switching cost kappa.
D  learnt transition (Temko 2017 "VD"): histogram of |dHR| per 2 s step of the SPC
   references on the bpm grid, Gaussian-smoothed (sm bins), floor added before the log,
   |dHR| scaled by `scale`; emission weight beta.
"""
import itertools
import sys
import numpy as np

import experiments as X


def cval(S, f, x, fill):
    """S[t, bin nearest x[t]]; `fill` where x[t] is outside the grid."""
    df = f[1] - f[0]
    j = np.round((x - f[0]) / df).astype(int)
    ok = (j >= 0) & (j < len(f))
    v = S[np.arange(S.shape[0]), np.clip(j, 0, len(f) - 1)]
    return np.where(ok, v, fill)


def first_layer(kind, r):
    c = X.get(kind, r)
    C = X.emis(c)
    path = X.viterbi(6 * X.nz(C), c['f'])
    return c, C, c['f'][path]


def switch_decode(E, kappa):
    """Viterbi over a few hypotheses, constant cost kappa per switch."""
    nw, ns = E.shape
    T = -kappa * (1 - np.eye(ns))
    d = E[0].copy()
    bp = np.zeros((nw, ns), int)
    for t in range(1, nw):
        M = d[None, :] + T.T
        a = M.argmax(1)
        bp[t] = a
        d = M[np.arange(ns), a] + E[t]
    s = np.zeros(nw, int)
    s[-1] = d.argmax()
    for t in range(nw - 1, 0, -1):
        s[t - 1] = bp[t, s[t]]
    return s


def finish_at(c, C, x):
    f = c['f']
    p = np.clip(np.round((x - f[0]) / (f[1] - f[0])).astype(int), 0, len(f) - 1)
    return X.finish(c, C, p), c['truth']


def octave_ab(kind, r, kappa=20.0, wh=0.5, lam=0.0, beta2=6.0):
    c, C, q = first_layer(kind, r)
    f = c['f']
    Sp = np.maximum(C, 0)
    cands = [q / 2, q, 2 * q]
    E = np.full((len(q), 3), -np.inf)
    for s, x in enumerate(cands):
        inb = (x >= f[0]) & (x <= f[-1])
        e = cval(Sp, f, x, 0.0) + wh * cval(Sp, f, 2 * x, 0.0) - lam * cval(c['g2'], f, x, 0.0)
        E[:, s] = np.where(inb, beta2 * e, -np.inf)
    s = switch_decode(E, kappa)
    return finish_at(c, C, np.choose(s, cands))


def octave_c(kind, r, kappa=20.0, thr=0.45, rho=1.0, beta2=6.0):
    c, C, q = first_layer(kind, r)
    f = c['f']
    P = X.nz(c['P'])
    gate = (q / 2 >= f[0]) & (cval(c['g2'], f, q, 0.0) > thr)
    E = np.zeros((len(q), 2))
    E[:, 1] = np.where(gate, beta2 * (cval(P, f, q / 2, 0.0) - rho * cval(P, f, q, 0.0)), -np.inf)
    s = switch_decode(E, kappa)
    return finish_at(c, C, np.where(s == 1, q / 2, q))


def learnt_transition(f, floor=1e-4, sm=1.0, scale=1.0):
    df = f[1] - f[0]
    d = np.concatenate([np.abs(np.diff(X.get('spc', r)['truth'])) for r in X.data.SPC_RECORDS])
    k = np.arange(len(f))
    h = np.array([np.mean(np.abs(d * scale / df - kk) < 0.5) for kk in k])
    g = np.exp(-0.5 * (np.arange(-10, 11) / sm) ** 2)
    h = np.convolve(h, g / g.sum(), 'same')
    h = h / h.sum()
    return np.log(h + floor) - np.log(h[0] + floor)


def learnt_d(kind, r, floor=1e-4, sm=1.0, scale=1.0, beta=6.0):
    c = X.get(kind, r)
    f = c['f']
    C = X.emis(c)
    Lk = learnt_transition(f, floor, sm, scale)
    E = beta * X.nz(C)
    nw, nb = E.shape
    L = Lk[np.abs(np.arange(nb)[:, None] - np.arange(nb)[None, :])]
    d = E[0].copy()
    bp = np.zeros((nw, nb), int)
    for t in range(1, nw):
        M = d[None, :] + L
        a = M.argmax(1)
        bp[t] = a
        d = M[np.arange(nb), a] + E[t]
    p = np.zeros(nw, int)
    p[-1] = d.argmax()
    for t in range(nw - 1, 0, -1):
        p[t - 1] = bp[t, p[t]]
    return X.finish(c, C, p), c['truth']


SWEEPS = {
    'A': (octave_ab, dict(kappa=20.0, wh=0.5)),
    'B': (octave_ab, dict(kappa=20.0, wh=0.5, lam=0.2)),
    'C': (octave_c, dict(kappa=20.0, thr=0.45, rho=1.0)),
    'D': (learnt_d, dict(floor=1e-4, sm=1.0, scale=1.0, beta=6.0)),
}


def sweep(name):
    fn, centre = SWEEPS[name]
    keys = list(centre)
    worst = dict(spc=0.0, walk=0.0, run=0.0, bike=0.0)
    best = dict(spc=1e9, walk=1e9, run=1e9, bike=1e9)
    # D: the floor is swept by decades (x0.1, x1, x10), the rest by +-30 %
    for fac in itertools.product((0.7, 1.0, 1.3), repeat=len(keys)):
        kw = {}
        for k, a in zip(keys, fac):
            kw[k] = centre[k] * ({0.7: 0.1, 1.0: 1.0, 1.3: 10.0}[a] if k == 'floor' else a)
        o, res = X.score(lambda kind, r: fn(kind, r, **kw))
        for a in worst:
            worst[a] = max(worst[a], o[a])
            best[a] = min(best[a], o[a])
        print('%s %s  %s' % (name, ' '.join('%s=%g' % kv for kv in kw.items()), X.fmt(o, res)), flush=True)
    print('%s WORST  SPC %.3f walk %.2f run %.2f bike %.2f | BEST SPC %.3f walk %.2f run %.2f bike %.2f'
          % (name, worst['spc'], worst['walk'], worst['run'], worst['bike'],
             best['spc'], best['walk'], best['run'], best['bike']), flush=True)


def scan_a():
    """Finer kappa x wh scan of A: where does each record switch octave?"""
    print('# finer scan of A (kappa x wh)')
    for wh in (0.21, 0.25, 0.3, 0.35, 0.39, 0.42, 0.45):
        for kappa in (14, 20, 26, 34):
            o, res = X.score(lambda k, r: octave_ab(k, r, kappa=kappa, wh=wh))
            print('A kappa=%g wh=%g  %s' % (kappa, wh, X.fmt(o, res)), flush=True)


if __name__ == '__main__':
    for nm in sys.argv[1:] or list(SWEEPS) + ['scanA']:
        scan_a() if nm == 'scanA' else sweep(nm)
