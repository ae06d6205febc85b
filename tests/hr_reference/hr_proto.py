"""pulsetrain issue 5 prototype: heart rate from wrist PPG under motion.

Method (see docs/heart-rate.md):
  1. Butterworth band-pass 0.5-4 Hz, order 4, zero-phase, on every PPG channel and acc axis.
  2. Linear resampling to fs_proc (25 Hz) on a common time grid.
  3. Per window (8 s, step 2 s): z-scored channels, Hann-free zero-padded FFT magnitude;
     PPG channels combined by averaging max-normalised spectra (all channels present).
  4. Motion suppression: Wiener-style gains from the accelerometer spectrum against a
     time-averaged PPG spectrum (Temko 2017, IEEE TBME 64(9), "WFPV"), two gains ensembled.
  5. Viterbi decoding over a BPM grid, Laplacian transition in BPM jump per step
     (Temko 2017 "VD" variant; transition here is parametric, not learnt).
  6. Per-window quality from the concentration of the cleaned spectrum at the path.
"""
import numpy as np
from scipy import signal

DEFAULTS = dict(
    band_hz=(0.5, 4.0), order=4, fs_proc=25.0, win_s=8.0, step_s=2.0, nfft=2048,
    bpm_lo=40.0, bpm_hi=220.0,
    wf_len=15,            # windows in the PPG "signal" average (centered when offline)
    wf_centered=True,
    acc_avg=1,            # windows averaged for the acc noise estimate
    acc_pow=2.0,          # exponent on normalised acc spectrum
    spec_pow=1.0,         # 1: magnitude, 2: power
    emis_beta=6.0,        # log-emission = beta * clean/max(clean)
    trans_b=1.5,          # Laplacian scale of transition [BPM per step]
    trans_max=1e9,        # max jump per step [BPM] (untruncated Laplacian, as in the C port)
    harm=0.0,             # weight of 2nd harmonic in emission
    smooth=3,             # moving-average length on the final path
    coh_K=15,             # half-length of the cross-spectral average [windows]
    coh_reg=0.05,         # diagonal loading of the acc cross-spectral matrix (x trace/nref)
    coh_mag=1,            # |acc| (band-passed) as a 4th coherence reference: non-linear coupling
    q_half=7,             # quality averaged over +-q_half windows
    w_coh=0.7,            # emission weight of the coherence-cleaned spectrum vs Wiener
    refine=True,          # parabolic interpolation of the path peak
)


def condition(x, fs, p):
    sos = signal.butter(p['order'], p['band_hz'], btype='bandpass', fs=fs, output='sos')
    return signal.sosfiltfilt(sos, x, axis=0)


def resample(x, fs, fs_out, n_out):
    t_in = np.arange(x.shape[0]) / fs
    t_out = np.arange(n_out) / fs_out
    return np.stack([np.interp(t_out, t_in, x[:, c]) for c in range(x.shape[1])], axis=1)


def window_spectra(ppg, acc, fs_ppg, fs_acc, p):
    """Return f_bpm grid, ppg spectra (nw, nch, nb), acc spectra (nw, 3, nb)."""
    fsp = p['fs_proc']
    dur = min(ppg.shape[0] / fs_ppg, acc.shape[0] / fs_acc if acc is not None else 1e30)
    n_out = int(np.floor(dur * fsp + 1e-9))
    xp = resample(condition(ppg, fs_ppg, p), fs_ppg, fsp, n_out)
    xa = resample(condition(acc, fs_acc, p), fs_acc, fsp, n_out) if acc is not None else None
    W = int(round(p['win_s'] * fsp))
    S = p['step_s'] * fsp
    nw = int(np.floor((dur - p['win_s']) / p['step_s'] + 1e-9)) + 1
    nfft = p['nfft']
    f = np.arange(nfft // 2 + 1) * fsp / nfft * 60.0
    sel = (f >= p['bpm_lo']) & (f <= p['bpm_hi'])
    sel2 = sel  # one band for everything (C port uses the same)
    starts = np.round(np.arange(nw) * S).astype(int)
    idx = starts[:, None] + np.arange(W)[None, :]

    def spec(x):  # x (n, c) -> (nw, c, nb2)
        seg = x[idx]                       # (nw, W, c)
        seg = seg - seg.mean(axis=1, keepdims=True)
        sd = seg.std(axis=1, keepdims=True)
        seg = seg / np.where(sd > 0, sd, 1)
        X = np.abs(np.fft.rfft(seg, nfft, axis=1))  # (nw, nb, c)
        return np.transpose(X, (0, 2, 1))[:, :, sel2] ** p['spec_pow']

    Sp = spec(xp)
    Sa = spec(xa) if xa is not None else None
    return f[sel2], sel[sel2], Sp, Sa, nw, xp, xa


def _norm_max(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x / np.where(m > 0, m, 1)


def movavg_windows(X, L, centered):
    """Average X (nw, nb) over L windows (centered or trailing)."""
    nw = X.shape[0]
    c = np.cumsum(np.vstack([np.zeros((1, X.shape[1])), X]), axis=0)
    out = np.empty_like(X)
    for i in range(nw):
        if centered:
            a, b = max(0, i - L // 2), min(nw, i + L // 2 + 1)
        else:
            a, b = max(0, i - L), i + 1
        out[i] = (c[b] - c[a]) / (b - a)
    return out


def clean_spectra(Sp, Sa, p):
    P = _norm_max(Sp).mean(axis=1)              # combine channels: mean of max-normalised spectra
    P = _norm_max(P)
    if Sa is None:
        return P, P
    Pbar = _norm_max(movavg_windows(P, p['wf_len'], p['wf_centered']))
    A = _norm_max(Sa).mean(axis=1) ** p['acc_pow']
    if p['acc_avg'] > 1:
        A = movavg_windows(A, p['acc_avg'], True)
    eps = 1e-9
    W1 = 1.0 - A / (Pbar + eps)
    W1 = np.maximum(W1, -1.0)
    W2 = Pbar / (A + Pbar + eps)
    C1 = P * W1
    C2 = P * W2
    C = C1 / C1.std(axis=1, keepdims=True) + C2 / C2.std(axis=1, keepdims=True)
    return C, P


def viterbi(E, f_bpm, p):
    """E: (nw, nb) log-emission. Laplacian transition truncated at trans_max. Returns path idx."""
    nw, nb = E.shape
    df = f_bpm[1] - f_bpm[0]
    K = min(int(np.floor(p['trans_max'] / df)), nb - 1)
    shifts = np.arange(-K, K + 1)
    logT = -np.abs(shifts * df) / p['trans_b']
    delta = E[0].copy()
    bp = np.zeros((nw, nb), dtype=np.int32)
    for t in range(1, nw):
        best = np.full(nb, -np.inf)
        arg = np.zeros(nb, dtype=np.int32)
        for s, lt in zip(shifts, logT):
            # from state j-s to j
            src = np.arange(nb) - s
            ok = (src >= 0) & (src < nb)
            cand = np.full(nb, -np.inf)
            cand[ok] = delta[src[ok]] + lt
            m = cand > best
            best[m] = cand[m]
            arg[m] = src[m]
        delta = best + E[t]
        bp[t] = arg
    path = np.zeros(nw, dtype=np.int32)
    path[-1] = int(np.argmax(delta))
    for t in range(nw - 1, 0, -1):
        path[t - 1] = bp[t, path[t]]
    return path


def estimate(rec, p=None):
    p = dict(DEFAULTS, **(p or {}))
    acc = rec.get('acc')
    f2, sel, Sp, Sa, nw, xp, xa = window_spectra(rec['ppg'], acc, rec['fs'], rec.get('fs_acc', rec['fs']), p)
    C2, P2 = clean_spectra(Sp, Sa, p)
    f = f2[sel]
    C = C2[:, sel]
    if p['harm'] > 0:
        # add the cleaned 2nd harmonic (bin of 2f) to each candidate
        j2 = np.searchsorted(f2, 2 * f)
        j2 = np.clip(j2, 0, len(f2) - 1)
        C = C + p['harm'] * C2[:, j2]
    Cn = C / np.maximum(C.max(axis=1, keepdims=True), 1e-12)
    E = p['emis_beta'] * Cn
    path = viterbi(E, f, p)
    bpm = f[path].astype(float)
    if p['refine']:
        for t in range(nw):
            j = path[t]
            if 0 < j < len(f) - 1:
                y0, y1, y2 = C[t, j - 1], C[t, j], C[t, j + 1]
                den = y0 - 2 * y1 + y2
                if den < 0:
                    d = 0.5 * (y0 - y2) / den
                    bpm[t] = f[j] + np.clip(d, -0.5, 0.5) * (f[1] - f[0])
    if p['smooth'] > 1:
        k = p['smooth']
        bpm = np.convolve(np.pad(bpm, (k // 2, k - 1 - k // 2), mode='edge'), np.ones(k) / k, mode='valid')
    q = quality(C, f, path, p)
    return dict(bpm=bpm, quality=q, C=C, f=f, path=path, E=E)


def quality(C, f, path, p, half_bpm=6.0):
    """Fraction of the positive cleaned spectrum within +-half_bpm of the path, times
    the ratio of the path value to the window maximum."""
    Cp = np.maximum(C, 0)
    nw = C.shape[0]
    q = np.zeros(nw)
    df = f[1] - f[0]
    h = int(round(half_bpm / df))
    for t in range(nw):
        j = path[t]
        tot = Cp[t].sum()
        if tot <= 0:
            continue
        near = Cp[t, max(0, j - h):j + h + 1].sum() / tot
        ratio = Cp[t, j] / Cp[t].max()
        q[t] = near * ratio
    return q


def metrics(est, truth):
    m = np.isfinite(truth) & np.isfinite(est)
    e = est[m] - truth[m]
    return dict(mae=np.mean(np.abs(e)), rmse=np.sqrt(np.mean(e ** 2)),
                w5=100 * np.mean(np.abs(e) <= 5), r=np.corrcoef(est[m], truth[m])[0, 1], n=int(m.sum()))


# ---------------------------------------------------------------------------
# Coherence-based motion suppression: remove the part of the PPG power that is
# linearly predictable from the accelerometer axes (multiple coherence, Bendat &
# Piersol 2010, ch. 7), estimated from cross-spectra averaged over neighbouring
# windows.  A pulse whose phase is unrelated to the motion survives even when its
# frequency coincides with a motion harmonic.
# ---------------------------------------------------------------------------
def complex_spectra(x, idx, nfft, keep):
    seg = x[idx]
    seg = seg - seg.mean(axis=1, keepdims=True)
    sd = seg.std(axis=1, keepdims=True)
    seg = seg / np.where(sd > 0, sd, 1)
    X = np.fft.rfft(seg, nfft, axis=1)[:, keep, :]   # (nw, nb, c)
    return X


def coherence_clean(Xp, Xa, K, reg=1e-3):
    """Xp (nw, nb, cp), Xa (nw, nb, 3). Returns residual power (nw, nb, cp) and gamma2."""
    nw, nb, cp = Xp.shape
    na = Xa.shape[2]
    Saa = np.einsum('tfi,tfj->tfij', Xa, np.conj(Xa))          # (nw, nb, 3, 3)
    Spa = np.einsum('tfc,tfj->tfcj', Xp, np.conj(Xa))          # (nw, nb, cp, 3)
    Spp = np.abs(Xp) ** 2
    def csum(Z):
        c = np.cumsum(np.concatenate([np.zeros_like(Z[:1]), Z]), axis=0)
        lo = np.clip(np.arange(nw) - K, 0, nw)
        hi = np.clip(np.arange(nw) + K + 1, 0, nw)
        return c[hi] - c[lo]
    Saa_s, Spa_s, Spp_s = csum(Saa), csum(Spa), csum(Spp)
    tr = np.real(np.trace(Saa_s, axis1=2, axis2=3))
    Saa_r = Saa_s + (reg * tr / na + 1e-12)[..., None, None] * np.eye(na)
    inv = np.linalg.inv(Saa_r)
    # explained power per PPG channel: Spa Saa^-1 Spa^H
    expl = np.real(np.einsum('tfci,tfij,tfcj->tfc', Spa_s, inv, np.conj(Spa_s)))
    g2 = np.clip(expl / np.maximum(Spp_s, 1e-20), 0, 1)
    return g2


def estimate_coh(rec, p=None):
    p = dict(DEFAULTS, **(p or {}))
    fsp = p['fs_proc']
    fs_ppg, fs_acc = rec['fs'], rec.get('fs_acc', rec['fs'])
    ppg, acc = rec['ppg'], rec.get('acc')
    dur = min(ppg.shape[0] / fs_ppg, acc.shape[0] / fs_acc)
    n_out = int(np.floor(dur * fsp + 1e-9))
    xp = resample(condition(ppg, fs_ppg, p), fs_ppg, fsp, n_out)
    xa = resample(condition(acc, fs_acc, p), fs_acc, fsp, n_out)
    if p.get('coh_mag', 0):
        mag = np.sqrt((acc ** 2).sum(axis=1))[:, None]
        xm = resample(condition(mag, fs_acc, p), fs_acc, fsp, n_out)
        xa = np.hstack([xa, xm])
    if p.get('coh_sq', 0):
        xs = resample(condition(acc ** 2, fs_acc, p), fs_acc, fsp, n_out)
        xa = np.hstack([xa, xs])
    W = int(round(p['win_s'] * fsp)); S = p['step_s'] * fsp
    nw = int(np.floor((dur - p['win_s']) / p['step_s'] + 1e-9)) + 1
    nfft = p['nfft']
    f = np.arange(nfft // 2 + 1) * fsp / nfft * 60.0
    keep = (f >= p['bpm_lo']) & (f <= p['bpm_hi'])
    idx = (np.round(np.arange(nw) * S).astype(int))[:, None] + np.arange(W)[None, :]
    Xp = complex_spectra(xp, idx, nfft, keep)
    Xa = complex_spectra(xa, idx, nfft, keep)
    g2 = coherence_clean(Xp, Xa, p.get('coh_K', 7), p.get('coh_reg', 1e-2))
    Pp = np.abs(Xp) ** p['spec_pow']
    Pn = Pp / Pp.max(axis=1, keepdims=True)
    C = (Pn * (1 - g2) ** p.get('coh_alpha', 1.0)).mean(axis=2)
    return f[keep], C, Pn.mean(axis=2), nw


def decode(C, f, p):
    nw = C.shape[0]
    Cn = C / np.maximum(C.max(axis=1, keepdims=True), 1e-12)
    E = p['emis_beta'] * Cn
    path = viterbi(E, f, p)
    bpm = f[path].astype(float)
    if p['refine']:
        for t in range(nw):
            j = path[t]
            if 0 < j < len(f) - 1:
                y0, y1, y2 = C[t, j - 1], C[t, j], C[t, j + 1]
                den = y0 - 2 * y1 + y2
                if den < 0:
                    d = 0.5 * (y0 - y2) / den
                    bpm[t] = f[j] + np.clip(d, -0.5, 0.5) * (f[1] - f[0])
    if p['smooth'] > 1:
        k = p['smooth']
        bpm = np.convolve(np.pad(bpm, (k // 2, k - 1 - k // 2), mode='edge'), np.ones(k) / k, mode='valid')
    return bpm, path


def estimate2(rec, p=None):
    p = dict(DEFAULTS, **(p or {}))
    f, Cc, P, nw = estimate_coh(rec, p)
    lam = p.get('mix_raw', 0.0)
    C = (1 - lam) * Cc / Cc.max(axis=1, keepdims=True) + lam * P / P.max(axis=1, keepdims=True)
    bpm, path = decode(C, f, p)
    return dict(bpm=bpm, quality=quality(C, f, path, p), C=C, f=f, path=path)


def local_refine(Cref, f, path, half_bpm):
    """Move each path point to the max of Cref within +-half_bpm, with parabolic interpolation."""
    df = f[1] - f[0]
    h = int(round(half_bpm / df))
    out = np.empty(len(path))
    for t, j in enumerate(path):
        a, b = max(1, j - h), min(len(f) - 2, j + h)
        k = a + int(np.argmax(Cref[t, a:b + 1]))
        y0, y1, y2 = Cref[t, k - 1], Cref[t, k], Cref[t, k + 1]
        den = y0 - 2 * y1 + y2
        d = 0.5 * (y0 - y2) / den if den < 0 else 0.0
        out[t] = f[k] + np.clip(d, -0.5, 0.5) * df
    return out


def estimate3(rec, p=None):
    """Emission = w_coh * coherence-cleaned + (1-w_coh) * Wiener-cleaned spectrum (both max-normalised)."""
    p = dict(DEFAULTS, **(p or {}))
    f, Cc, P, nw = estimate_coh(rec, p)
    f2, sel, Sp, Sa, nw2, xp, xa = window_spectra(rec['ppg'], rec['acc'], rec['fs'], rec.get('fs_acc', rec['fs']), p)
    Cw2, P2 = clean_spectra(Sp, Sa, p)
    Cw = Cw2[:, sel]
    n = min(nw, nw2)
    Cc, Cw, P = Cc[:n], Cw[:n], P[:n]
    nz = lambda X: X / np.maximum(X.max(axis=1, keepdims=True), 1e-12)
    w = p.get('w_coh', 0.5)
    C = w * nz(Cc) + (1 - w) * nz(Cw)
    Cn = nz(C)
    if p.get('harm3', 0) > 0:
        # harmonic support: add gamma * C(2f) where 2f lies inside the band
        j2 = np.round((2 * f - f[0]) / (f[1] - f[0])).astype(int)
        okh = j2 < len(f)
        H = np.zeros_like(Cn)
        H[:, okh] = np.maximum(Cn[:, j2[okh]], 0)
        Cn = nz(Cn + p['harm3'] * H)
    if p.get('emis_log', 0) > 0:
        E = p['emis_beta'] * np.log(np.maximum(Cn, 0) + p['emis_log'])
    else:
        E = p['emis_beta'] * Cn
    if p.get('conf_pow', 0) > 0:
        # confidence of a window: flat (noise-like) spectra steer the path less
        kappa = (1.0 - np.maximum(Cn, 0).mean(axis=1, keepdims=True)) ** p['conf_pow']
        E = E * kappa / p.get('conf_ref', 1.0)
    path = viterbi(E, f, p)
    ref = {'raw': P, 'wiener': Cw, 'mix': C}[p.get('ref', 'wiener')]
    bpm = local_refine(ref, f, path, p.get('ref_half', 3.0))
    if p['smooth'] > 1:
        k = p['smooth']
        bpm = np.convolve(np.pad(bpm, (k // 2, k - 1 - k // 2), mode='edge'), np.ones(k) / k, mode='valid')
    q = smooth_centered(quality(C, f, path, p), p.get('q_half', 0))
    return dict(bpm=bpm, quality=q, C=C, f=f, path=path)


def smooth_centered(x, h):
    """Centred moving average over +-h samples, edges padded with the end values."""
    if h <= 0:
        return x
    k = 2 * h + 1
    return np.convolve(np.pad(x, h, mode='edge'), np.ones(k) / k, mode='valid')
