"""Issue 5, fourth pass: time-domain pulse-shape (template) features and raw/clean mixing.

    /usr/bin/python3 bench/hr_proto/template.py explore|explore2|discrim|discrim2   (-> template.txt)

explore: raw-PPG features per record; explore2: bicoherence on the motion residual and raw;
discrim/discrim2: in windows where the tracker is > 10 bpm off, is the template score higher
at the truth than at the path? Result: no (docs/heart-rate.md, fourth pass); nothing adopted.

Time-domain stream per record: PPG band-passed 0.5-8 Hz (Butterworth order 4, zero-phase;
wider than the 0.5-4 Hz tracking band so the 2nd harmonic of any HR in 40-220 bpm survives),
resampled to 25 Hz, z-scored per window. For a candidate HR f in a window:
  a_k(f) = sum_t w(t) x(t) exp(-i 2 pi k f t)   (Hann window w, k = 1, 2, 3)
  psi(f) = arg(a_2 conj(a_1)^2)                 harmonic phase relation (time-shift free)
  r21(f) = |a_2| / |a_1|
  fold(f): the window cut into cycles of 1/f, beat-to-beat correlation of the cycles.
"""
import os, sys, pickle
import numpy as np
from scipy import signal
sys.path.insert(0, os.path.dirname(__file__))
import data, hr_proto as H, experiments as X

FSP = 25.0


def ts_stream(kind, r, band=(0.5, 8.0)):
    key = '/tmp/pt_hr_proto_cache/ts_%s_%g_%g.pkl' % (r, band[0], band[1])
    if os.path.exists(key):
        return pickle.load(open(key, 'rb'))
    d = X.load(kind, r)
    fs, fa = d['fs'], d['fs_acc']
    dur = min(d['ppg'].shape[0] / fs, d['acc'].shape[0] / fa)
    n_out = int(np.floor(dur * FSP + 1e-9))
    p = dict(H.DEFAULTS); p['band_hz'] = band
    xp = H.resample(H.condition(d['ppg'], fs, p), fs, FSP, n_out)
    mag = np.sqrt((d['acc'] ** 2).sum(1))[:, None]
    xa = H.resample(H.condition(np.hstack([d['acc'], mag]), fa, p), fa, FSP, n_out)
    out = dict(xp=xp, xa=xa)
    pickle.dump(out, open(key, 'wb'))
    return out


def win_idx(nw, win_s=8.0, step_s=2.0, n=None):
    W = int(round(win_s * FSP))
    c0 = (np.arange(nw) * step_s + 4.0) * FSP
    st = np.round(c0 - W / 2).astype(int)
    if n is not None:
        st = np.clip(st, 0, n - W)
    return st[:, None] + np.arange(W)[None, :]


def harm_coefs(seg, f_bpm, K=3):
    """seg (nw, W) z-scored windows, f_bpm (nw,) -> a (nw, K) complex at k*f, Hann window."""
    nw, W = seg.shape
    t = np.arange(W) / FSP
    w = np.hanning(W)
    out = np.zeros((nw, K), complex)
    for k in range(1, K + 1):
        e = np.exp(-2j * np.pi * k * (f_bpm[:, None] / 60.0) * t[None, :])
        out[:, k - 1] = (seg * w[None, :] * e).sum(1)
    return out


def zsegs(x, idx):
    s = x[idx]
    s = s - s.mean(1, keepdims=True)
    return s / np.maximum(s.std(1, keepdims=True), 1e-12)


def fold_corr(seg, f_bpm, nph=16):
    """Mean correlation between consecutive cycles of period 60/f (phase-resampled)."""
    nw, W = seg.shape
    t = np.arange(W) / FSP
    out = np.zeros(nw)
    for i in range(nw):
        T = 60.0 / f_bpm[i]
        ncyc = int(np.floor(t[-1] / T))
        if ncyc < 2:
            out[i] = np.nan; continue
        tt = (np.arange(ncyc)[:, None] + (np.arange(nph) / nph)[None, :]) * T
        cyc = np.interp(tt.ravel(), t, seg[i]).reshape(ncyc, nph)
        cyc = cyc - cyc.mean(1, keepdims=True)
        nrm = np.linalg.norm(cyc, axis=1) + 1e-12
        cc = (cyc[1:] * cyc[:-1]).sum(1) / (nrm[1:] * nrm[:-1])
        out[i] = cc.mean()
        tpl = cyc.mean(0)   # folded template; rise fraction min->max, sign-free asymmetry
        u = ((np.argmax(tpl) - np.argmin(tpl)) % nph) / nph
        ASYM.append(abs(u - 0.5))
    return out


ASYM = []


def explore():
    for kind, r in X.RECS:
        c = X.get(kind, r)
        ts = ts_stream(kind, r)
        nw = c['nw']
        idx = win_idx(nw, n=len(ts['xp']))
        seg = zsegs(ts['xp'][:, 0], idx) if ts['xp'].shape[1] == 1 else zsegs(ts['xp'].mean(1), idx)
        tr = c['truth'][:nw]
        f = c['f']
        path = f[X.viterbi(6 * X.nz(X.emis(c)), f)]
        cad = f[np.argmax(c['M'], 1)]
        rows = []
        for nm, fb in (('HR', tr), ('2HR', 2 * tr), ('HR/2', tr / 2), ('path', path), ('acc|a|pk', cad)):
            ok = np.isfinite(fb) & (fb >= 30)
            a = harm_coefs(seg[ok], fb[ok])
            psi = np.angle(a[:, 1] * np.conj(a[:, 0]) ** 2)
            R = np.abs(np.mean(np.exp(1j * psi)))
            mpsi = np.degrees(np.angle(np.mean(np.exp(1j * psi))))
            r21 = np.median(np.abs(a[:, 1]) / np.abs(a[:, 0]))
            ASYM.clear()
            fc = np.nanmedian(fold_corr(seg[ok], fb[ok]))
            rows.append('%s: psi %4.0f R %.2f r21 %.2f fold %.2f asym %.2f' % (nm, mpsi, R, r21, fc, np.median(ASYM)))
        print('%-26s %s' % (r, ' | '.join(rows)), flush=True)


if __name__ == "__main__" and sys.argv[1] == "explore":
    explore()


# ---------------------------------------------------------------------------
# Complex spectra of the 0.5-8 Hz streams (Hann, nfft NF), motion-regression residual
# R = Xp - Xa Saa^-1 Sap (cross-spectra over +-K windows, as the coherence cleaning), and
# the local bicoherence at (f, f): phase coupling of the pulse's fundamental and 2nd
# harmonic (Nikias & Mendel 1993, IEEE SP Mag. 10(3):10-37, "higher-order spectra").
# ---------------------------------------------------------------------------
NF = 1024


def csum(Z, K):
    nw = Z.shape[0]
    c = np.cumsum(np.concatenate([np.zeros_like(Z[:1]), Z]), axis=0)
    lo = np.clip(np.arange(nw) - K, 0, nw); hi = np.clip(np.arange(nw) + K + 1, 0, nw)
    return c[hi] - c[lo]


def resid_spectra(kind, r, K=15, reg=0.05):
    key = '/tmp/pt_hr_proto_cache/resid_%s_%d_%g_%d.pkl' % (r, K, reg, NF)
    if os.path.exists(key):
        return pickle.load(open(key, 'rb'))
    c = X.get(kind, r); ts = ts_stream(kind, r)
    nw = c['nw']; idx = win_idx(nw, n=len(ts['xp']))
    W = idx.shape[1]; w = np.hanning(W)
    def spec(x):
        s = x[idx]; s = s - s.mean(1, keepdims=True); s = s / np.maximum(s.std(1, keepdims=True), 1e-12)
        return np.fft.rfft(s * w[None, :, None], NF, axis=1)          # (nw, nb, ch)
    Xp = spec(ts['xp']); Xa = spec(ts['xa'])
    na = Xa.shape[2]
    Saa = csum(np.einsum('tfi,tfj->tfij', Xa, np.conj(Xa)), K)
    Spa = csum(np.einsum('tfc,tfj->tfcj', Xp, np.conj(Xa)), K)
    tr = np.real(np.trace(Saa, axis1=2, axis2=3))
    Saa = Saa + (reg * tr / na + 1e-12)[..., None, None] * np.eye(na)
    Hc = np.einsum('tfcj,tfjk->tfck', Spa, np.linalg.inv(Saa))          # (nw, nb, cp, na)
    R = Xp - np.einsum('tfck,tfk->tfc', Hc, Xa)
    fb = np.arange(NF // 2 + 1) * FSP / NF * 60
    out = dict(R=R.mean(2), Xp=Xp.mean(2), f=fb)
    pickle.dump(out, open(key, 'wb'))
    return out


def bicoh_at(S, f, x, K=15):
    """Local bicoherence |sum X(f)^2 X*(2f)| / sqrt(sum |X(f)|^4 sum |X(2f)|^2) over +-K windows,
    at the bin nearest x[t] (and exactly twice that bin); nan where 2f leaves the grid."""
    df = f[1] - f[0]
    j = np.round(x / df).astype(int); nw = S.shape[0]
    ok = (j >= 1) & (2 * j < S.shape[1])
    jj = np.clip(j, 1, (S.shape[1] - 1) // 2)
    a1 = S[np.arange(nw), jj]; a2 = S[np.arange(nw), 2 * jj]
    B = a1 * a1 * np.conj(a2)
    num = np.abs(csum(B, K)); den = np.sqrt(csum(np.abs(a1) ** 4, K) * csum(np.abs(a2) ** 2, K))
    b = num / np.maximum(den, 1e-30)
    psi = np.angle(csum(np.conj(B), K))
    return np.where(ok, b, np.nan), psi, np.abs(a2) / np.maximum(np.abs(a1), 1e-30)


def explore2():
    for kind, r in X.RECS:
        c = X.get(kind, r); rs = resid_spectra(kind, r)
        tr = c['truth'][:c['nw']]; f = c['f']
        path = f[X.viterbi(6 * X.nz(X.emis(c)), f)]
        cad = f[np.argmax(c['M'], 1)]
        rows = []
        for nm, x in (('HR', tr), ('2HR', 2 * tr), ('HR/2', tr / 2), ('path', path), ('|a|pk', cad)):
            x = np.where(np.isfinite(x), x, 60)
            bR, psiR, rR = bicoh_at(rs['R'], rs['f'], x)
            bP, psiP, rP = bicoh_at(rs['Xp'], rs['f'], x)
            rows.append('%s bR %.2f(%4.0f) r %.2f bP %.2f' % (nm, np.nanmedian(bR), np.degrees(np.angle(np.nanmean(np.exp(1j*psiR)))), np.nanmedian(rR), np.nanmedian(bP)))
        print('%-24s %s' % (r[:24], ' | '.join(rows)), flush=True)


if __name__ == '__main__' and sys.argv[1] == 'explore2':
    explore2()


def bicoh_grid(kind, r, K=15):
    """Residual bicoherence b(t, j) on the tracking grid c['f'] (nearest 1024-pt bin)."""
    key = '/tmp/pt_hr_proto_cache/bgrid_%s_%d.pkl' % (r, K)
    if os.path.exists(key):
        return pickle.load(open(key, 'rb'))
    c = X.get(kind, r); rs = resid_spectra(kind, r)
    out = {}
    for nm in ('R', 'Xp'):
        b = np.zeros((c['nw'], len(c['f'])))
        for j, fj in enumerate(c['f']):
            b[:, j] = bicoh_at(rs[nm], rs['f'], np.full(c['nw'], fj), K)[0]
        out[nm] = b
    pickle.dump(out, open(key, 'wb'))
    return out


def discrim():
    """Windows where the tracker is > 10 bpm off: is the template score higher at the truth
    than at the path? (share of windows; 0.5 = no information)."""
    print('# per-window: residual / raw bicoherence at truth vs at the (wrong) path')
    for kind, r in X.RECS:
        c = X.get(kind, r); f = c['f']; bg = bicoh_grid(kind, r)
        tr = c['truth'][:c['nw']]
        p = X.viterbi(6 * X.nz(X.emis(c)), f)
        jt = np.clip(np.round((tr - f[0]) / (f[1] - f[0])).astype(int), 0, len(f) - 1)
        bad = np.abs(f[p] - tr) > 10
        s = []
        for nm in ('R', 'Xp'):
            b = bg[nm]; i = np.arange(len(p))
            bt, bp = b[i, jt], b[i, p]
            s.append('%s: truth %.2f path %.2f  P(truth>path) %.2f' % (
                nm, np.nanmean(bt[bad]) if bad.any() else np.nan, np.nanmean(bp[bad]) if bad.any() else np.nan,
                np.nanmean((bt > bp)[bad]) if bad.any() else np.nan))
        print('%-24s wrong %3d/%3d | %s' % (r[:24], bad.sum(), len(p), ' | '.join(s)), flush=True)


if __name__ == '__main__' and sys.argv[1] == 'discrim':
    discrim()


PSI0 = np.radians(10.0)   # SPC template phase (median psi at the reference HR, DATA_01-08)


def proj_score(S, f, x, K, psi0=PSI0):
    """Projected (signed) bicoherence: Re(sum a1^2 a2* e^{i psi0}) / sqrt(sum|a1|^4 sum|a2|^2)."""
    df = f[1] - f[0]; nw = S.shape[0]
    j = np.clip(np.round(x / df).astype(int), 1, (S.shape[1] - 1) // 2)
    a1 = S[np.arange(nw), j]; a2 = S[np.arange(nw), 2 * j]
    B = np.conj(a1 * a1 * np.conj(a2)) * np.exp(-1j * psi0)    # angle = psi - psi0
    if K == 0:
        return np.real(B) / np.maximum(np.abs(a1) ** 2 * np.abs(a2), 1e-30)
    return np.real(csum(B, K)) / np.maximum(np.sqrt(csum(np.abs(a1) ** 4, K) * csum(np.abs(a2) ** 2, K)), 1e-30)


def discrim2():
    print('# per-window, windows > 10 bpm off: signed template score (psi0 = 10 deg) at truth vs path, share truth > path')
    for kind, r in X.RECS:
        if kind == 'spc':
            continue
        c = X.get(kind, r); f = c['f']; rs = resid_spectra(kind, r)
        tr = c['truth'][:c['nw']]
        p = f[X.viterbi(6 * X.nz(X.emis(c)), f)]
        bad = np.abs(p - tr) > 10
        s = []
        for nm in ('R', 'Xp'):
            for K in (0, 3, 15):
                st, sp = proj_score(rs[nm], rs['f'], tr, K), proj_score(rs[nm], rs['f'], p, K)
                s.append('%s K%-2d %.2f' % (nm, K, np.mean((st > sp)[bad]) if bad.any() else np.nan))
        print('%-24s wrong %3d | %s' % (r[:24], bad.sum(), ' '.join(s)), flush=True)


if __name__ == '__main__' and sys.argv[1] == 'discrim2':
    discrim2()
