"""Evaluation of the prototype.

    /usr/bin/python3 bench/hr_proto/evaluate.py [key=value ...]

Prints per-record MAE / RMSE / % within 5 BPM / Pearson r for SPC 2015 01-08 (with
Temko 2017 WFPV beside) and the wrist_ppg_exercise walk/run/bike records, the quality
split, and the per-activity means.  Reference windows of wrist_ppg_exercise whose beat
annotations contain RR outliers are flagged 'doubtful' (see doubtful_ref)."""
import sys
import numpy as np
import data
import hr_proto

Q_THR = 0.1


def parse(argv):
    p = {}
    for a in argv:
        k, v = a.split('=', 1)
        try:
            p[k] = eval(v)
        except Exception:
            p[k] = v
    return p


def doubtful_ref(beats_t, nwin, win_s=8.0, step_s=2.0, tol=0.25):
    """A reference window is doubtful when one of its RR intervals differs from the
    window's median RR by more than tol (missed or extra annotations)."""
    rr = np.diff(beats_t)
    mid = beats_t[1:]
    out = np.zeros(nwin, dtype=bool)
    for i in range(nwin):
        m = (mid >= i * step_s) & (mid < i * step_s + win_s)
        r = rr[m]
        if len(r) < 2:
            out[i] = True
            continue
        med = np.median(r)
        out[i] = np.any(np.abs(r - med) > tol * med)
    return out


def run(p, verbose=True, wrist=True):
    est = getattr(hr_proto, p.pop('est', 'estimate3'))
    res = {}
    spc = []
    allq, allerr = [], []
    for r in data.SPC_RECORDS:
        d = data.load_spc(r)
        out = est(d, p)
        n = min(len(out['bpm']), len(d['truth']))
        m = hr_proto.metrics(out['bpm'][:n], d['truth'][:n])
        mt = hr_proto.metrics(d['temko'][:n], d['truth'][:n])
        spc.append(m['mae'])
        allq.append(out['quality'][:n]); allerr.append(np.abs(out['bpm'][:n] - d['truth'][:n]))
        if verbose:
            print('%-24s MAE %5.2f RMSE %5.2f w5 %5.1f%% r %.3f  | WFPV %5.2f' %
                  (r, m['mae'], m['rmse'], m['w5'], m['r'], mt['mae']))
    res['spc'] = np.mean(spc)
    if verbose:
        print('SPC2015 01-08 mean MAE %.3f  (Temko 2017 WFPV 0.95, TROIKA 2.34 on 12)' % res['spc'])
    if wrist:
        acts = {}
        for r in data.WRIST_RECORDS:
            d = data.load_wrist(r)
            out = est(d, p)
            n = min(len(out['bpm']), len(d['truth']))
            e, t = out['bpm'][:n], d['truth'][:n]
            dbt = doubtful_ref(d['beats_t'], n)
            m = hr_proto.metrics(e, t)
            tt = t.copy(); tt[dbt] = np.nan
            mc = hr_proto.metrics(e, tt)
            ok = np.isfinite(t)
            allq.append(out['quality'][:n][ok]); allerr.append(np.abs(e - t)[ok])
            act = 'walk' if 'walk' in r else 'run' if 'run' in r else 'bike'
            acts.setdefault(act, []).append((r, m['mae'], mc['mae']))
            if verbose:
                print('%-24s MAE %5.2f RMSE %5.2f w5 %5.1f%% r %6.3f | trusted ref (%3d/%3d win) MAE %5.2f' %
                      (r, m['mae'], m['rmse'], m['w5'], m['r'], mc['n'], m['n'], mc['mae']))
        for a, v in acts.items():
            keep = [x for x in v if x[0] != 's4_run']
            res[a] = np.mean([x[1] for x in keep])
            res[a + '_trusted'] = np.mean([x[2] for x in keep])
            if verbose:
                print('%-5s mean MAE %.2f (trusted-ref windows %.2f)%s' % (
                    a, res[a], res[a + '_trusted'], ' [s4_run excluded: doubtful reference]' if a == 'run' else ''))
    q = np.concatenate(allq); err = np.concatenate(allerr)
    if verbose:
        hi = q >= Q_THR
        print('quality >= %.2f: %d windows MAE %.2f | < %.2f: %d windows MAE %.2f' % (
            Q_THR, hi.sum(), err[hi].mean(), Q_THR, (~hi).sum(), err[~hi].mean() if (~hi).any() else np.nan))
    return res


if __name__ == '__main__':
    run(parse(sys.argv[1:]))
