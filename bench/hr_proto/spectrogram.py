"""Spectrogram figures for issue 5 (no matplotlib: a minimal PNG writer).

    /usr/bin/python3 bench/hr_proto/spectrogram.py s2_walk s6_walk ...   -> /tmp/hrfig/<rec>.png

Four panels, time left to right (2 px per 2 s window), 40 bpm at the bottom to 220 at the
top, each window max-normalised, sqrt grey scale: raw PPG | mean acc-axis spectrum |
|a| spectrum | final emission of estimate3. Red: reference HR; green: estimate (last
panel). Also prints every 8th window: reference, estimate, top-3 peaks of each spectrum."""
import os
import sys, zlib, struct
import numpy as np

import data, hr_proto
def png(path, rgb):
    h,w,_=rgb.shape
    raw=b''.join(b'\x00'+rgb[i].astype(np.uint8).tobytes() for i in range(h))
    def chunk(t,d): return struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d)&0xffffffff)
    open(path,'wb').write(b'\x89PNG\r\n\x1a\n'+chunk(b'IHDR',struct.pack('>IIBBBBB',w,h,8,2,0,0,0))+chunk(b'IDAT',zlib.compress(raw,6))+chunk(b'IEND',b''))
def panel(S, f, truth, est):
    # S (nw, nb) -> image rows = bins (high bpm at top), cols=windows, each window 2 px
    S=S/np.maximum(S.max(axis=1,keepdims=True),1e-12)
    S=np.clip(S,0,1)
    img=(np.sqrt(S.T[::-1])*255)
    rgb=np.stack([img,img,img],-1)
    nb=len(f); df=f[1]-f[0]
    for t in range(S.shape[0]):
        if t<len(truth) and np.isfinite(truth[t]):
            j=nb-1-int(round((truth[t]-f[0])/df))
            if 0<=j<nb: rgb[j,t]=[255,0,0]
        if est is not None and t<len(est):
            j=nb-1-int(round((est[t]-f[0])/df))
            if 0<=j<nb: rgb[j,t]=[0,255,0]
    return np.repeat(rgb,2,axis=1)
os.makedirs('/tmp/hrfig', exist_ok=True)
p=dict(hr_proto.DEFAULTS)
for r in sys.argv[1:]:
    d=data.load_wrist(r) if r.startswith('s') else data.load_spc(r)
    out=hr_proto.estimate3(d,p)
    f2,sel,Sp,Sa,nw,xp,xa=hr_proto.window_spectra(d['ppg'],d['acc'],d['fs'],d['fs_acc'],p)
    P=hr_proto._norm_max(Sp).mean(axis=1)[:, sel]
    A=hr_proto._norm_max(Sa).mean(axis=1)[:, sel]
    # |a|
    mag=np.sqrt((d['acc']**2).sum(1))[:,None]
    _,_,Sm,_,_,_,_=hr_proto.window_spectra(mag,None,d['fs'],d['fs_acc'],p)
    M=Sm[:,0][:, sel]
    f=out['f']; tr=d['truth']
    sep=np.full((P.shape[1],4,3),[0,0,128.])
    im=np.concatenate([panel(P,f,tr,None),sep,panel(A,f,tr,None),sep,panel(M,f,tr,None),sep,panel(out['C'],f,tr,out['bpm'])],axis=1)
    png('/tmp/hrfig/%s.png'%r, im)
    # table
    def top(S,k=3):
        o=[]
        for row in S:
            pk=[j for j in range(1,len(row)-1) if row[j]>=row[j-1] and row[j]>row[j+1]]
            pk=sorted(pk,key=lambda j:-row[j])[:k]; o.append([f[j] for j in pk])
        return o
    tP,tA,tM=top(P),top(A),top(M)
    print(r, 'win  truth  est | PPG top3 | acc top3 | |a| top3')
    for t in range(0,min(nw,len(tr)),8):
        print('%4d %6.1f %6.1f | %s | %s | %s'%(t,tr[t],out['bpm'][t],' '.join('%5.1f'%x for x in tP[t]),' '.join('%5.1f'%x for x in tA[t]),' '.join('%5.1f'%x for x in tM[t])))
