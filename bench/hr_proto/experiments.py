"""Issue 5 follow-up experiments (walking / cycling): emission variants on cached components.

    /usr/bin/python3 bench/hr_proto/experiments.py [variant ...]

Components per record (8 s or longer windows centred on the 8 s window grid): coherence-
cleaned Cc, Wiener-cleaned Cw, raw P, mean multiple coherence g2, acc-axis spectrum A,
|a| spectrum M; cached under /tmp/pt_hr_proto_cache (never in the repo). Every variant
is decoded with the same Laplacian Viterbi (dense transition matrix here; identical
optimum to the C distance transform), refined on Cw within +-3 bpm and smoothed over 3
windows, like estimate3. 'base' reproduces estimate3 / pt-eval-hr to the printed digit.
Results: experiments.txt. None of the variants was adopted (docs/heart-rate.md)."""
import os
import pickle
import sys
import numpy as np

import data, hr_proto
H=hr_proto
RECS=[('spc',r) for r in data.SPC_RECORDS]+[('wr',r) for r in data.WRIST_RECORDS]
def load(kind,r): return data.load_spc(r) if kind=='spc' else data.load_wrist(r)
def comps(d,p):
    fsp=p['fs_proc']; fs=d['fs']; fa=d['fs_acc']; ppg=d['ppg']; acc=d['acc']
    dur=min(ppg.shape[0]/fs, acc.shape[0]/fa); n_out=int(np.floor(dur*fsp+1e-9))
    xp=H.resample(H.condition(ppg,fs,p),fs,fsp,n_out); xa=H.resample(H.condition(acc,fa,p),fa,fsp,n_out)
    mag=np.sqrt((acc**2).sum(1))[:,None]; xm=H.resample(H.condition(mag,fa,p),fa,fsp,n_out)
    xa4=np.hstack([xa,xm])
    W=int(round(p['win_s']*fsp)); S=p['step_s']*fsp
    nw=int(np.floor((dur-8.0)/p['step_s']+1e-9))+1
    nfft=p['nfft']; f=np.arange(nfft//2+1)*fsp/nfft*60; keep=(f>=p['bpm_lo'])&(f<=p['bpm_hi'])
    # centre the longer window on the same centre as the 8 s window
    c0=(np.arange(nw)*p['step_s']+4.0)*fsp
    st=np.round(c0-W/2).astype(int); st=np.clip(st,0,n_out-W)
    idx=st[:,None]+np.arange(W)[None,:]
    Xp=H.complex_spectra(xp,idx,nfft,keep); Xa=H.complex_spectra(xa4,idx,nfft,keep)
    g2=H.coherence_clean(Xp,Xa,p['coh_K'],p['coh_reg'])
    Pp=np.abs(Xp); Pn=Pp/Pp.max(axis=1,keepdims=True)
    Cc=(Pn*(1-g2)).mean(axis=2); P=Pn.mean(axis=2)
    # wiener
    Sa=np.abs(Xa[:,:,:3]).transpose(0,2,1); Sp=Pp.transpose(0,2,1)
    Cw,_=H.clean_spectra(Sp,Sa,p)
    A=H._norm_max(Sa).mean(axis=1)
    M=np.abs(Xa[:,:,3]); M=M/M.max(axis=1,keepdims=True)
    return dict(f=f[keep],Cc=Cc,Cw=Cw,P=P,g2=g2.mean(axis=2),A=A,M=M,nw=nw)
def get(kind,r,win=8.0,nfft=2048):
    key='/tmp/pt_hr_proto_cache/comp_%s_%g_%d.pkl'%(r,win,nfft)
    if os.path.exists(key): return pickle.load(open(key,'rb'))
    p=dict(H.DEFAULTS); p['win_s']=win; p['nfft']=nfft
    d=load(kind,r); c=comps(d,p); c['truth']=d['truth']
    if kind=='wr': c['beats_t']=d['beats_t']
    pickle.dump(c,open(key,'wb')); return c
def viterbi(E,f,b=1.5):
    nw,nb=E.shape; df=f[1]-f[0]
    L=-np.abs(np.arange(nb)[:,None]-np.arange(nb)[None,:])*df/b
    delta=E[0].copy(); bp=np.zeros((nw,nb),int)
    for t in range(1,nw):
        M=delta[None,:]+L; a=M.argmax(1); bp[t]=a; delta=M[np.arange(nb),a]+E[t]
    path=np.zeros(nw,int); path[-1]=delta.argmax()
    for t in range(nw-1,0,-1): path[t-1]=bp[t,path[t]]
    return path
nz=lambda X: X/np.maximum(X.max(axis=1,keepdims=True),1e-12)
def finish(c,C,path,ref=None):
    f=c['f']; ref=c['Cw'] if ref is None else ref
    bpm=H.local_refine(ref,f,path,3.0)
    k=3; bpm=np.convolve(np.pad(bpm,(1,1),mode='edge'),np.ones(k)/k,mode='valid')
    return bpm
def score(est_fn, verbose=False, only=None):
    res={}; acts={}
    spc=[]
    for kind,r in RECS:
        if only and r not in only: continue
        c=est_fn(kind,r)
        bpm,tr=c
        n=min(len(bpm),len(tr)); e=np.abs(bpm[:n]-tr[:n]); m=np.nanmean(e)
        res[r]=m
        if kind=='spc': spc.append(m)
        elif r!='s4_run':
            a='walk' if 'walk' in r else 'run' if 'run' in r else 'bike'; acts.setdefault(a,[]).append(m)
    out=dict(spc=np.mean(spc) if spc else np.nan,**{a:np.mean(v) for a,v in acts.items()})
    return out,res
def fmt(out,res):
    s='SPC %.3f walk %.2f run %.2f bike %.2f | '%(out['spc'],out.get('walk',np.nan),out.get('run',np.nan),out.get('bike',np.nan))
    s+=' '.join('%s %.1f'%(k.replace('_resistance_bike','b').replace('DATA_','D').replace('_TYPE0',''),v) for k,v in res.items() if not k.startswith('DATA') or True)
    return s


def emis(c, w=0.7):
    return nz(w * nz(c['Cc']) + (1 - w) * nz(c['Cw']))


def harm_term(c, C, fill='mean', weight=None):
    """Second-harmonic support C(2f); where 2f is above the band, a neutral value (the
    window's mean positive emission) so high candidates are not penalised (octave bias)."""
    f = c['f']; df = f[1] - f[0]
    j2 = np.round((2 * f - f[0]) / df).astype(int); ok = j2 < len(f)
    Xp = np.maximum(C, 0)
    nv = Xp.mean(axis=1, keepdims=True) if fill == 'mean' else np.zeros((C.shape[0], 1))
    Hm = np.repeat(nv, C.shape[1], axis=1)
    Hm[:, ok] = Xp[:, j2[ok]] * (1.0 if weight is None else weight(c, j2[ok], ok))
    return Hm


def run_variant(kind, r, w=0.7, b=1.5, beta=6.0, win2=None, a=0.0, h=0.0, fill='mean',
                hweight=None, lam=0.0, ens=None):
    c = get(kind, r)
    if ens:
        outs = [run_variant(kind, r, w=wi, b=b, beta=beta)[0] for wi in ens]
        return np.median(np.array(outs), axis=0), c['truth']
    C = emis(c, w)
    if win2:
        C = (1 - a) * C + a * emis(get(kind, r, win2), w)
    if lam > 0:   # cadence-locked fallback: raw spectrum where the motion explains the bin
        C = nz(np.maximum(C, lam * nz(c['P']) * c['g2']))
    if h > 0:
        C = nz(C + h * harm_term(c, C, fill, hweight))
    path = viterbi(beta * nz(C), c['f'], b)
    return finish(c, C, path), c['truth']


WA = lambda c, j2, ok: 1 - nz(c['A'])[:, j2]                 # harmonic not at an acc line
WG = lambda c, j2, ok: 1 - c['g2'][:, j2]                    # harmonic not motion-coherent
WB = lambda c, j2, ok: 1 - c['g2'][:, ok] * c['g2'][:, j2]   # not both motion-coherent
VARIANTS = {
    'base': {},
    'multires12_a0.3': dict(win2=12.0, a=0.3), 'multires12_a0.5': dict(win2=12.0, a=0.5),
    'multires16_a0.5': dict(win2=16.0, a=0.5), 'window16_only': dict(win2=16.0, a=1.0),
    'rawfallback_0.8': dict(lam=0.8),
    'harm0.5_zero': dict(h=0.5, fill='zero'), 'harm0.3': dict(h=0.3), 'harm0.5': dict(h=0.5),
    'harm0.7': dict(h=0.7), 'harm0.5_notacc': dict(h=0.5, hweight=WA),
    'harm0.5_notcoh': dict(h=0.5, hweight=WG), 'harm0.5_notboth': dict(h=0.5, hweight=WB),
    'trans1.0': dict(b=1.0), 'trans2.5': dict(b=2.5), 'beta4': dict(beta=4.0),
    'beta10': dict(beta=10.0), 'wcoh0.5': dict(w=0.5), 'wcoh0.9': dict(w=0.9),
    'ens_wcoh_.6.7.8': dict(ens=(0.6, 0.7, 0.8)), 'ens_wcoh_.5.7.9': dict(ens=(0.5, 0.7, 0.9)),
}

if __name__ == '__main__':
    names = sys.argv[1:] or list(VARIANTS)
    for nm in names:
        kw = VARIANTS[nm]
        print('%-18s %s' % (nm, fmt(*score(lambda k, r: run_variant(k, r, **kw)))), flush=True)
