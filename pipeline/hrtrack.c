/* SPDX-License-Identifier: GPL-2.0-or-later
 * hrtrack.c — heart rate from wrist PPG under motion: per-window motion-suppressed
 * spectra and a Viterbi path through time, streaming with a fixed decision lag.
 *
 * Method: Wiener-type suppression of the accelerometer spectrum (Temko 2017, IEEE TBME
 * 64(9), WFPV) mixed with removal of the acc-coherent PPG power (multiple coherence,
 * Bendat & Piersol 2010, ch. 7), Viterbi decoding with a Laplacian transition (Temko 2017
 * "VD"; max-plus distance transform, Felzenszwalb & Huttenlocher 2012, Theory Comput. 8).
 * Prototype and parity reference: bench/hr_proto/hr_proto.py (estimate3).
 *
 * Data flow per stream (nch PPG channels, then 3 acc axes): linear resampling to fs_proc ->
 * proc buffer -> window frame (z-score, zero-padded FFT, bins bpm_min..bpm_max) -> frame
 * ring (2K+2) -> emission of window t once frame t+K exists (K = max(coh_half, wiener_half))
 * -> Viterbi forward step -> decision of window t-lag -> centred smoothing -> out. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pulsetrain/fft.h"
#include "pulsetrain/hrtrack.h"
#include "pulsetrain/sos.h"

#define MAX_CH 8
#define MAX_REF 4           /* acc references of the coherence: x, y, z (+ |a|) */
#define SKEW_S 60.0         /* streams may run this far apart in time */
#define RECOMPUTE_EVERY 256 /* exact re-summation of the running sums against drift */

/* Hot loops get an AVX2 copy beside the baseline one, chosen at load time (GNU ifunc).
 * AVX2 without FMA: the same IEEE operations in the same order, so the same results.
 * -DPT_NO_CLONES turns it off (needed under ThreadSanitizer, whose runtime is not up when
 * the ifunc resolvers of a shared library run). */
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__)) &&      \
    !defined(PT_NO_CLONES)
#define PT_HOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define PT_HOT_CLONES
#endif

typedef struct resampler {
    int64_t n_in;   /* input samples seen */
    double x_prev;  /* last input sample */
    int64_t k_next; /* next output (fs_proc) index */
} resampler;

struct pt_hrtrack {
    pt_hrtrack_config c;
    double fs[MAX_CH + MAX_REF];
    size_t nch, ns; /* PPG channels; streams = nch + na */
    size_t na;      /* acc streams: 0, 3 (axes) or 4 (axes and |a|) */
    size_t npair;   /* na (na + 1) / 2 entries of the Hermitian acc cross-spectral matrix */
    int have_acc;
    size_t W, nfft, k_lo, nb;
    double df_bpm, f0_bpm;
    size_t K, Kc, Kw, R; /* lookahead, halves, frame ring length */
    size_t L;            /* decision lag */
    size_t ks;           /* smoothing length */
    size_t back, ahead;  /* decided windows needed before/after one output (smoothing) */

    resampler rs[MAX_CH + MAX_REF];
    double *buf; /* [ns][cap] proc samples; index 0 = absolute buf0 */
    size_t cap;
    int64_t buf0, buf_end[MAX_CH + MAX_REF];

    int64_t nframes;   /* frames computed */
    double *fre, *fim; /* [R][ns][nb] */
    double *fPn;       /* [R][nch][nb] per-channel |X|/max */
    double *fP, *fA;   /* [R][nb] combined PPG, acc noise */
    double *fMg;       /* [R] largest SD of the band-passed acc axes in the frame */

    /* running sums for the coherence over frames [c_lo, c_hi) and the PPG average [w_lo, w_hi) */
    double *sMr, *sMi;   /* [npair][nb]: M_ij = sum X_i conj(X_j), i >= j, row-packed */
    double *sSre, *sSim; /* [nch][na][nb] cross-spectra PPG x conj(acc) */
    double *sSpp;        /* [nch][nb] */
    size_t nsum;         /* sMr, sMi, sSre, sSim, sSpp: one block of nsum doubles, in that order */
    double *fprod;       /* [R][nsum]: each frame's terms of those sums (made once per frame) */
    double *sP;          /* [nb] */
    int64_t c_lo, c_hi, w_lo, w_hi;
    size_t since_recompute;

    int64_t nemit; /* emissions computed = Viterbi steps */
    double *delta, *fwd, *bwd;
    int *fwa, *bwa;
    uint16_t *bp;   /* [L+1][nb] */
    uint16_t *path; /* [L+1] states of the tail at finish */
    double *rC;     /* [L+1][nb] normalised emission per window */
    double *rCw;    /* [L+1][nb] Wiener-cleaned spectrum per window */
    double *rMg;    /* [L+1] fMg of the window */

    int64_t ndecided, nout;
    pt_hrtrack_window *dec; /* [ks+2] decided, unsmoothed */

    int64_t nw_final; /* windows of the recording, set by finish; -1 before */
    int finished;

    double *seg, *xre, *xim, *mag, *Pbar, *Cc, *Cw, *C;
    pt_fft *fft;
};

pt_hrtrack_config pt_hrtrack_defaults(void)
{
    pt_hrtrack_config c;
    c.window_s = 8.0;
    c.step_s = 2.0;
    c.fs_proc_hz = 25.0;
    c.nfft = 2048;
    c.band_lo_hz = 0.5;
    c.band_hi_hz = 4.0;
    c.band_order = 4;
    c.bpm_min = 40.0;
    c.bpm_max = 220.0;
    c.wiener_half = 7;
    c.coh_half = 15;
    c.coh_reg = 0.05;
    c.acc_magnitude = 1;
    c.acc_pow = 2.0;
    c.w_coh = 0.7;
    c.emis_beta = 6.0;
    c.trans_bpm = 1.5;
    c.refine_bpm = 3.0;
    c.smooth = 3;
    c.quality_bpm = 6.0;
    c.quality_half = 7;
    c.lag_windows = 150;
    return c;
}

size_t pt_hrtrack_nwindows(const pt_hrtrack_config *cfg, double dur_s)
{
    pt_hrtrack_config d = pt_hrtrack_defaults();
    if (!cfg)
        cfg = &d;
    if (!(dur_s >= cfg->window_s) || !(cfg->step_s > 0))
        return 0;
    return (size_t)floor((dur_s - cfg->window_s) / cfg->step_s + 1e-9) + 1;
}

static size_t step_samples(const pt_hrtrack *h)
{
    return (size_t)ceil(h->c.step_s * h->c.fs_proc_hz) + 1;
}

size_t pt_hrtrack_max_out(const pt_hrtrack *h, size_t n_ppg)
{
    if (!h)
        return 0;
    return (size_t)((double)n_ppg / (h->fs[0] * h->c.step_s)) + h->cap / step_samples(h) + h->L +
           h->K + h->back + h->ahead + 8;
}

void pt_hrtrack_destroy(pt_hrtrack *h)
{
    if (!h)
        return;
    free(h->buf);
    free(h->fre);
    free(h->fim);
    free(h->fPn);
    free(h->fP);
    free(h->fA);
    free(h->sMr); /* the block that holds sMi .. sSpp too */
    free(h->fprod);
    free(h->sP);
    free(h->delta);
    free(h->fwd);
    free(h->bwd);
    free(h->fwa);
    free(h->bwa);
    free(h->bp);
    free(h->path);
    free(h->rC);
    free(h->rCw);
    free(h->fMg);
    free(h->rMg);
    free(h->dec);
    free(h->seg);
    free(h->xre);
    free(h->xim);
    free(h->mag);
    free(h->Pbar);
    free(h->Cc);
    free(h->Cw);
    free(h->C);
    pt_fft_destroy(h->fft);
    free(h);
}

static void clear_sums(pt_hrtrack *h)
{
    memset(h->sMr, 0, h->nsum * sizeof *h->sMr);
    memset(h->sP, 0, h->nb * sizeof *h->sP);
}

size_t pt_hrtrack_nacc(const pt_hrtrack *h)
{
    return h ? h->na : 0;
}

void pt_hrtrack_reset(pt_hrtrack *h)
{
    if (!h)
        return;
    memset(h->rs, 0, sizeof h->rs);
    h->buf0 = 0;
    for (size_t s = 0; s < h->ns; s++)
        h->buf_end[s] = 0;
    h->nframes = 0;
    h->c_lo = h->c_hi = h->w_lo = h->w_hi = 0;
    clear_sums(h);
    h->since_recompute = 0;
    h->nemit = 0;
    h->ndecided = 0;
    h->nout = 0;
    h->nw_final = -1;
    h->finished = 0;
}

/* calloc of a*b elements of size sz, NULL on overflow */
static void *xcalloc(size_t a, size_t b, size_t sz)
{
    if (a == 0 || b == 0)
        return calloc(1, sz);
    if (a > SIZE_MAX / b || a * b > SIZE_MAX / sz)
        return NULL;
    return calloc(a * b, sz);
}

pt_hrtrack *pt_hrtrack_create(const pt_hrtrack_config *cfg, double fs_ppg_hz, size_t n_ppg_channels,
                              double fs_acc_hz, int have_acc, pt_error *err)
{
    pt_hrtrack_config c = cfg ? *cfg : pt_hrtrack_defaults();
    if (!(fs_ppg_hz > 0) || !isfinite(fs_ppg_hz))
        return pt_error_set(err, PT_EINVAL, "hrtrack: fs_ppg_hz %g must be > 0", fs_ppg_hz), NULL;
    if (n_ppg_channels < 1 || n_ppg_channels > MAX_CH)
        return pt_error_set(err, PT_EINVAL, "hrtrack: %zu PPG channels (1..%d)", n_ppg_channels,
                            MAX_CH),
               NULL;
    if (have_acc && (!(fs_acc_hz > 0) || !isfinite(fs_acc_hz)))
        return pt_error_set(err, PT_EINVAL, "hrtrack: fs_acc_hz %g must be > 0", fs_acc_hz), NULL;
    if (!(c.window_s >= 2.0) || !(c.step_s > 0) || c.step_s > c.window_s)
        return pt_error_set(err, PT_EINVAL, "hrtrack: window_s %g / step_s %g invalid", c.window_s,
                            c.step_s),
               NULL;
    if (!(c.bpm_min > 0) || !(c.bpm_max > c.bpm_min + 5))
        return pt_error_set(err, PT_EINVAL, "hrtrack: bpm range %g..%g invalid", c.bpm_min,
                            c.bpm_max),
               NULL;
    if (!(c.fs_proc_hz >= 2.2 * c.bpm_max / 60.0) || c.fs_proc_hz > 1000)
        return pt_error_set(err, PT_EINVAL, "hrtrack: fs_proc_hz %g too low for bpm_max %g",
                            c.fs_proc_hz, c.bpm_max),
               NULL;
    double wd = floor(c.window_s * c.fs_proc_hz + 0.5);
    if (c.nfft < (size_t)wd || c.nfft > (1u << 20))
        return pt_error_set(err, PT_EINVAL,
                            "hrtrack: nfft %zu < window of %.0f samples (or > 2^20)", c.nfft, wd),
               NULL;
    if (!(c.w_coh >= 0 && c.w_coh <= 1) || !(c.emis_beta > 0) || !(c.trans_bpm > 0) ||
        !(c.coh_reg >= 0) || !(c.acc_pow > 0) || !(c.refine_bpm >= 0) || !(c.quality_bpm > 0) ||
        c.smooth < 1 || c.smooth > 64 || c.quality_half > 64 || c.lag_windows < 1 ||
        c.lag_windows > (size_t)1 << 30 || c.coh_half > 1000 || c.wiener_half > 1000)
        return pt_error_set(err, PT_EINVAL, "hrtrack: a tracking parameter is out of range"), NULL;

    pt_hrtrack *h = calloc(1, sizeof *h);
    if (!h)
        return pt_error_set(err, PT_ENOMEM, "hrtrack: out of memory"), NULL;
    h->c = c;
    h->nch = n_ppg_channels;
    h->have_acc = have_acc ? 1 : 0;
    h->na = h->have_acc ? (c.acc_magnitude ? 4 : 3) : 0;
    h->npair = h->na * (h->na + 1) / 2;
    h->ns = h->nch + h->na;
    for (size_t s = 0; s < h->ns; s++)
        h->fs[s] = s < h->nch ? fs_ppg_hz : fs_acc_hz;
    h->W = (size_t)wd;
    h->nfft = c.nfft;
    h->df_bpm = c.fs_proc_hz / (double)c.nfft * 60.0;
    size_t k_hi = 0;
    h->k_lo = SIZE_MAX;
    for (size_t k = 0; k <= c.nfft / 2; k++) {
        double f = (double)k * c.fs_proc_hz / (double)c.nfft * 60.0; /* as numpy computes it */
        if (f >= c.bpm_min && f <= c.bpm_max) {
            if (h->k_lo == SIZE_MAX)
                h->k_lo = k;
            k_hi = k;
        }
    }
    if (h->k_lo == SIZE_MAX || k_hi < h->k_lo + 4 || k_hi - h->k_lo + 1 > 65535) {
        pt_hrtrack_destroy(h);
        return pt_error_set(err, PT_EINVAL, "hrtrack: %g..%g bpm holds too few/many FFT bins",
                            c.bpm_min, c.bpm_max),
               NULL;
    }
    h->nb = k_hi - h->k_lo + 1;
    h->f0_bpm = (double)h->k_lo * c.fs_proc_hz / (double)c.nfft * 60.0;
    h->Kc = c.coh_half;
    h->Kw = c.wiener_half;
    h->K = h->have_acc ? (h->Kc > h->Kw ? h->Kc : h->Kw) : 0;
    h->R = 2 * h->K + 2;
    h->L = c.lag_windows;
    h->ks = c.smooth;
    {
        size_t bb = h->ks / 2, aa = h->ks - 1 - h->ks / 2;
        h->back = bb > c.quality_half ? bb : c.quality_half;
        h->ahead = aa > c.quality_half ? aa : c.quality_half;
    }
    h->cap = h->W + (size_t)ceil(SKEW_S * c.fs_proc_hz) + 2 * step_samples(h);

    size_t nb = h->nb, ns = h->ns, nch = h->nch, R = h->R, L1 = h->L + 1;
    h->buf = xcalloc(ns, h->cap, sizeof *h->buf);
    h->fre = xcalloc(R * ns, nb, sizeof *h->fre);
    h->fim = xcalloc(R * ns, nb, sizeof *h->fim);
    h->fPn = xcalloc(R * nch, nb, sizeof *h->fPn);
    h->fP = xcalloc(R, nb, sizeof *h->fP);
    h->fA = xcalloc(R, nb, sizeof *h->fA);
    size_t np = h->npair ? h->npair : 1, nr = h->na ? h->na : 1;
    h->nsum = (2 * np + 2 * nch * nr + nch) * nb;
    h->sMr = xcalloc(1, h->nsum, sizeof *h->sMr);
    if (h->sMr) {
        h->sMi = h->sMr + np * nb;
        h->sSre = h->sMi + np * nb;
        h->sSim = h->sSre + nch * nr * nb;
        h->sSpp = h->sSim + nch * nr * nb;
    }
    h->fprod = xcalloc(R, h->nsum, sizeof *h->fprod);
    h->sP = xcalloc(1, nb, sizeof *h->sP);
    h->delta = xcalloc(1, nb, sizeof *h->delta);
    h->fwd = xcalloc(1, nb, sizeof *h->fwd);
    h->bwd = xcalloc(1, nb, sizeof *h->bwd);
    h->fwa = xcalloc(1, nb, sizeof *h->fwa);
    h->bwa = xcalloc(1, nb, sizeof *h->bwa);
    h->bp = xcalloc(L1, nb, sizeof *h->bp);
    h->path = xcalloc(L1, 1, sizeof *h->path);
    h->rC = xcalloc(L1, nb, sizeof *h->rC);
    h->rCw = xcalloc(L1, nb, sizeof *h->rCw);
    h->fMg = xcalloc(R, 1, sizeof *h->fMg);
    h->rMg = xcalloc(L1, 1, sizeof *h->rMg);
    h->dec = xcalloc(h->back + h->ahead + 2, 1, sizeof *h->dec);
    h->seg = xcalloc(1, h->nfft, sizeof *h->seg);
    h->xre = xcalloc(1, h->nfft / 2 + 1, sizeof *h->xre);
    h->xim = xcalloc(1, h->nfft / 2 + 1, sizeof *h->xim);
    h->mag = xcalloc(1, nb, sizeof *h->mag);
    h->Pbar = xcalloc(1, nb, sizeof *h->Pbar);
    h->Cc = xcalloc(1, nb, sizeof *h->Cc);
    h->Cw = xcalloc(1, nb, sizeof *h->Cw);
    h->C = xcalloc(1, nb, sizeof *h->C);
    if (!h->buf || !h->fre || !h->fim || !h->fPn || !h->fP || !h->fA || !h->sMr || !h->sMi ||
        !h->sSre || !h->sSim || !h->sSpp || !h->sP || !h->delta || !h->fwd || !h->bwd || !h->fwa ||
        !h->bwa || !h->bp || !h->path || !h->rC || !h->rCw || !h->fMg || !h->rMg || !h->dec ||
        !h->seg || !h->xre || !h->xim || !h->mag || !h->Pbar || !h->Cc || !h->Cw || !h->C) {
        pt_hrtrack_destroy(h);
        return pt_error_set(err, PT_ENOMEM, "hrtrack: out of memory (lag %zu windows x %zu bins)",
                            h->L, nb),
               NULL;
    }
    h->fft = pt_fft_create(h->nfft, PT_FFT_ESTIMATE, err);
    if (!h->fft) {
        pt_hrtrack_destroy(h);
        return NULL;
    }
    pt_hrtrack_reset(h);
    return h;
}

/* ---------------------------------------------------------------- frames */

static int64_t win_start(const pt_hrtrack *h, int64_t i)
{
    return (int64_t)llround((double)i * h->c.step_s * h->c.fs_proc_hz);
}

/* z-scored, zero-padded FFT of one stream's window into the frame ring; returns max |X| */
static double frame_stream(pt_hrtrack *h, size_t s, int64_t start, double *re, double *im,
                           double *mag, double *sd_out)
{
    const double *x = h->buf + s * h->cap + (size_t)(start - h->buf0);
    size_t W = h->W;
    double mean = 0, var = 0;
    for (size_t i = 0; i < W; i++)
        mean += x[i];
    mean /= (double)W;
    for (size_t i = 0; i < W; i++)
        var += (x[i] - mean) * (x[i] - mean);
    double sd = sqrt(var / (double)W);
    *sd_out = sd;
    double g = sd > 0 ? 1.0 / sd : 1.0;
    for (size_t i = 0; i < W; i++)
        h->seg[i] = (x[i] - mean) * g;
    memset(h->seg + W, 0, (h->nfft - W) * sizeof *h->seg);
    pt_fft_forward(h->fft, h->seg, h->xre, h->xim);
    double mx = 0;
    for (size_t b = 0; b < h->nb; b++) {
        re[b] = h->xre[h->k_lo + b];
        im[b] = h->xim[h->k_lo + b];
        mag[b] = sqrt(re[b] * re[b] + im[b] * im[b]);
        if (mag[b] > mx)
            mx = mag[b];
    }
    return mx;
}

/* ------------------------------------------------------- running sums */

/* The terms one frame adds to the coherence sums, in the layout of the sums block:
 * X_i conj(X_j) of the acc references, Xp conj(Xa), |Xp|^2. */
PT_HOT_CLONES static void frame_products(pt_hrtrack *h, size_t slot)
{
    size_t nb = h->nb, ns = h->ns, nch = h->nch, na = h->na;
    size_t np = h->npair ? h->npair : 1, nr = na ? na : 1;
    double *pMr = h->fprod + slot * h->nsum, *pMi = pMr + np * nb;
    double *pSre = pMi + np * nb, *pSim = pSre + nch * nr * nb, *pSpp = pSim + nch * nr * nb;
    const double *ar[MAX_REF], *ai[MAX_REF];
    for (size_t a = 0; a < na; a++) {
        ar[a] = h->fre + (slot * ns + nch + a) * nb;
        ai[a] = h->fim + (slot * ns + nch + a) * nb;
    }
    size_t q = 0;
    for (size_t i = 0; i < na; i++) {
        for (size_t k = 0; k <= i; k++, q++) {
            double *mr = pMr + q * nb, *mi = pMi + q * nb;
            const double *xr = ar[i], *xi = ai[i], *yr = ar[k], *yi = ai[k];
            for (size_t b = 0; b < nb; b++) { /* X_i conj(X_j) */
                mr[b] = xr[b] * yr[b] + xi[b] * yi[b];
                mi[b] = xi[b] * yr[b] - xr[b] * yi[b];
            }
        }
    }
    for (size_t c = 0; c < nch; c++) {
        const double *pr = h->fre + (slot * ns + c) * nb, *pi = h->fim + (slot * ns + c) * nb;
        double *spp = pSpp + c * nb;
        for (size_t b = 0; b < nb; b++)
            spp[b] = pr[b] * pr[b] + pi[b] * pi[b];
        for (size_t a = 0; a < na; a++) {
            double *sr = pSre + (c * na + a) * nb, *si = pSim + (c * na + a) * nb;
            for (size_t b = 0; b < nb; b++) { /* Xp conj(Xa) */
                sr[b] = pr[b] * ar[a][b] + pi[b] * ai[a][b];
                si[b] = pi[b] * ar[a][b] - pr[b] * ai[a][b];
            }
        }
    }
}

static void compute_frame(pt_hrtrack *h, int64_t i)
{
    size_t nb = h->nb, slot = (size_t)(i % (int64_t)h->R);
    int64_t start = win_start(h, i);
    double *P = h->fP + slot * nb, *A = h->fA + slot * nb;
    memset(P, 0, nb * sizeof *P);
    memset(A, 0, nb * sizeof *A);
    double mg = h->have_acc ? 0.0 : (double)NAN;
    for (size_t s = 0; s < h->ns; s++) {
        double *re = h->fre + (slot * h->ns + s) * nb, *im = h->fim + (slot * h->ns + s) * nb;
        double sd;
        double mx = frame_stream(h, s, start, re, im, h->mag, &sd);
        double g = mx > 0 ? 1.0 / mx : 1.0;
        if (s < h->nch) {
            double *Pn = h->fPn + (slot * h->nch + s) * nb;
            for (size_t b = 0; b < nb; b++) {
                Pn[b] = h->mag[b] * g;
                P[b] += Pn[b] / (double)h->nch;
            }
        } else if (s < h->nch + 3) { /* the Wiener noise estimate uses the three axes */
            for (size_t b = 0; b < nb; b++)
                A[b] += h->mag[b] * g / 3.0;
            mg = sd > mg ? sd : mg;
        }
    }
    h->fMg[slot] = mg;
    double mx = 0;
    for (size_t b = 0; b < nb; b++)
        mx = P[b] > mx ? P[b] : mx;
    double g = mx > 0 ? 1.0 / mx : 1.0;
    for (size_t b = 0; b < nb; b++) {
        P[b] *= g;
        if (h->have_acc)
            A[b] = pow(A[b], h->c.acc_pow);
    }
    if (h->have_acc)
        frame_products(h, slot);
}

/* Add (sign +1) or remove (-1) frame j from the running sums. x - y is x + (-y) in IEEE
 * arithmetic, so removing is exact to the same bits as adding sign * term. */
PT_HOT_CLONES static void sums_frame(pt_hrtrack *h, int64_t j, double sign, int coh, int wie)
{
    size_t nb = h->nb, slot = (size_t)(j % (int64_t)h->R);
    if (wie) {
        const double *P = h->fP + slot * nb;
        for (size_t b = 0; b < nb; b++)
            h->sP[b] += sign * P[b];
    }
    if (!coh)
        return;
    const double *t = h->fprod + slot * h->nsum;
    double *m = h->sMr;
    size_t n = h->nsum;
    if (sign > 0)
        for (size_t i = 0; i < n; i++)
            m[i] += t[i];
    else
        for (size_t i = 0; i < n; i++)
            m[i] -= t[i];
}

/* One frame in, one out of the coherence sums in a single pass over them: (m + new) - old,
 * the same two roundings in the same order as two passes. */
PT_HOT_CLONES static void sums_swap(pt_hrtrack *h, int64_t in, int64_t out)
{
    const double *a = h->fprod + (size_t)(in % (int64_t)h->R) * h->nsum;
    const double *o = h->fprod + (size_t)(out % (int64_t)h->R) * h->nsum;
    double *m = h->sMr;
    for (size_t i = 0, n = h->nsum; i < n; i++)
        m[i] = (m[i] + a[i]) - o[i];
}

static void sums_move(pt_hrtrack *h, int64_t *lo, int64_t *hi, int64_t nlo, int64_t nhi, int coh,
                      int wie)
{
    if (coh && !wie && nhi - *hi == 1 && nlo - *lo == 1) {
        sums_swap(h, (*hi)++, (*lo)++);
        return;
    }
    while (*hi < nhi)
        sums_frame(h, (*hi)++, 1.0, coh, wie);
    while (*lo < nlo)
        sums_frame(h, (*lo)++, -1.0, coh, wie);
}

/* ------------------------------------------------------------ emission */

static double maxv(const double *x, size_t n)
{
    double m = -HUGE_VAL;
    for (size_t i = 0; i < n; i++)
        m = x[i] > m ? x[i] : m;
    return m;
}

static double stdv(const double *x, size_t n)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    return sqrt(v / (double)n);
}

/* The PPG power not explained by the acc references, per bin: sum over PPG channels of
 * Pn (1 - gamma^2) / nch into h->Cc, with the multiple coherence gamma^2 = s M^-1 s^H / Spp
 * (Bendat & Piersol 2010, ch. 7) from a Cholesky factor of the loaded cross-spectral matrix.
 * Bins are done TILE at a time with the bin index innermost, so that the compiler
 * vectorises across bins; every bin sees the same operations in the same order as a
 * bin-by-bin loop would, so the result does not depend on the tile or the vector width. */
#define TILE 64
PT_HOT_CLONES static void coherence_residual(pt_hrtrack *h, size_t slot)
{
    size_t nb = h->nb, na = h->na, nch = h->nch;
    double lr[MAX_REF][MAX_REF][TILE], li[MAX_REF][MAX_REF][TILE];
    double yr[MAX_REF][TILE], yi[MAX_REF][TILE], ld[TILE], expl[TILE];
    for (size_t b0 = 0; b0 < nb; b0 += TILE) {
        size_t bn = nb - b0 < TILE ? nb - b0 : TILE;
        /* Cholesky M + load I = L L^H (Hermitian, na <= 4), L lower with real diagonal */
        for (size_t b = 0; b < bn; b++)
            ld[b] = 0;
        for (size_t i = 0; i < na; i++) {
            const double *m = h->sMr + (i * (i + 1) / 2 + i) * nb + b0;
            for (size_t b = 0; b < bn; b++)
                ld[b] += m[b];
        }
        for (size_t b = 0; b < bn; b++)
            ld[b] = h->c.coh_reg * ld[b] / (double)na + 1e-12;
        for (size_t j = 0; j < na; j++) {
            const double *mjj = h->sMr + (j * (j + 1) / 2 + j) * nb + b0;
            double *ljj = lr[j][j];
            for (size_t b = 0; b < bn; b++) {
                double d = mjj[b] + ld[b];
                for (size_t k = 0; k < j; k++)
                    d -= lr[j][k][b] * lr[j][k][b] + li[j][k][b] * li[j][k][b];
                ljj[b] = sqrt(d > 1e-300 ? d : 1e-300);
                li[j][j][b] = 0;
            }
            for (size_t i = j + 1; i < na; i++) {
                size_t q = i * (i + 1) / 2 + j;
                const double *mr = h->sMr + q * nb + b0, *mi = h->sMi + q * nb + b0;
                for (size_t b = 0; b < bn; b++) {
                    double zr = mr[b], zi = mi[b];
                    for (size_t k = 0; k < j; k++) { /* - L_ik conj(L_jk) */
                        zr -= lr[i][k][b] * lr[j][k][b] + li[i][k][b] * li[j][k][b];
                        zi -= li[i][k][b] * lr[j][k][b] - lr[i][k][b] * li[j][k][b];
                    }
                    lr[i][j][b] = zr / ljj[b];
                    li[i][j][b] = zi / ljj[b];
                }
            }
        }
        double *cc = h->Cc + b0;
        for (size_t b = 0; b < bn; b++)
            cc[b] = 0;
        for (size_t c = 0; c < nch; c++) {
            /* explained power s M^-1 s^H = |y|^2 with L y = conj(s) */
            const double *sr = h->sSre + c * na * nb + b0, *si = h->sSim + c * na * nb + b0;
            for (size_t b = 0; b < bn; b++)
                expl[b] = 0;
            for (size_t i = 0; i < na; i++) {
                for (size_t b = 0; b < bn; b++) {
                    double zr = sr[i * nb + b], zi = -si[i * nb + b];
                    for (size_t k = 0; k < i; k++) {
                        zr -= lr[i][k][b] * yr[k][b] - li[i][k][b] * yi[k][b];
                        zi -= lr[i][k][b] * yi[k][b] + li[i][k][b] * yr[k][b];
                    }
                    yr[i][b] = zr / lr[i][i][b];
                    yi[i][b] = zi / lr[i][i][b];
                    expl[b] += yr[i][b] * yr[i][b] + yi[i][b] * yi[i][b];
                }
            }
            const double *spp = h->sSpp + c * nb + b0;
            const double *pn = h->fPn + (slot * nch + c) * nb + b0;
            for (size_t b = 0; b < bn; b++) {
                double g2 = expl[b] / (spp[b] > 1e-20 ? spp[b] : 1e-20);
                g2 = g2 < 0 ? 0 : (g2 > 1 ? 1 : g2);
                cc[b] += pn[b] * (1.0 - g2) / (double)nch;
            }
        }
    }
}

/* Emission of window t from frames [t-K, t+K] (clipped to the frames of the recording). */
static void emission(pt_hrtrack *h, int64_t t, int64_t nf, double *Cn, double *Cw)
{
    size_t nb = h->nb, slot = (size_t)(t % (int64_t)h->R);
    const double *P = h->fP + slot * nb;
    if (!h->have_acc) {
        double m = maxv(P, nb);
        m = m > 1e-12 ? m : 1e-12;
        for (size_t b = 0; b < nb; b++) {
            Cw[b] = P[b];
            Cn[b] = P[b] / m;
        }
        return;
    }
    int64_t Kc = (int64_t)h->Kc, Kw = (int64_t)h->Kw;
    int64_t clo = t - Kc > 0 ? t - Kc : 0, chi = t + Kc + 1 < nf ? t + Kc + 1 : nf;
    int64_t wlo = t - Kw > 0 ? t - Kw : 0, whi = t + Kw + 1 < nf ? t + Kw + 1 : nf;
    if (++h->since_recompute >= RECOMPUTE_EVERY) {
        /* start both sums afresh: bounds the floating-point drift of add/subtract */
        h->since_recompute = 0;
        clear_sums(h);
        h->c_lo = h->c_hi = clo;
        h->w_lo = h->w_hi = wlo;
    }
    sums_move(h, &h->c_lo, &h->c_hi, clo, chi, 1, 0);
    sums_move(h, &h->w_lo, &h->w_hi, wlo, whi, 0, 1);

    /* Wiener-type gains against the averaged PPG spectrum (Temko 2017, W1 and W2) */
    const double *A = h->fA + slot * nb;
    double inv_n = 1.0 / (double)(whi - wlo);
    for (size_t b = 0; b < nb; b++)
        h->Pbar[b] = h->sP[b] * inv_n;
    double m = maxv(h->Pbar, nb);
    double g = m > 0 ? 1.0 / m : 1.0;
    double *C1 = h->Cc, *C2 = h->C; /* scratch, overwritten below */
    for (size_t b = 0; b < nb; b++) {
        double pb = h->Pbar[b] * g;
        double w1 = 1.0 - A[b] / (pb + 1e-9);
        w1 = w1 < -1.0 ? -1.0 : w1;
        C1[b] = P[b] * w1;
        C2[b] = P[b] * pb / (A[b] + pb + 1e-9);
    }
    double s1 = stdv(C1, nb), s2 = stdv(C2, nb);
    s1 = s1 > 0 ? 1.0 / s1 : 1.0;
    s2 = s2 > 0 ? 1.0 / s2 : 1.0;
    for (size_t b = 0; b < nb; b++)
        Cw[b] = C1[b] * s1 + C2[b] * s2;

    /* PPG power not explained by the acc axes: Spp (1 - gamma^2), gamma^2 = s M^-1 s^H / Spp */
    coherence_residual(h, slot);
    double mc = maxv(h->Cc, nb), mw = maxv(Cw, nb);
    mc = mc > 1e-12 ? mc : 1e-12;
    mw = mw > 1e-12 ? mw : 1e-12;
    double w = h->c.w_coh;
    for (size_t b = 0; b < nb; b++)
        Cn[b] = w * h->Cc[b] / mc + (1.0 - w) * Cw[b] / mw;
    double mn = maxv(Cn, nb);
    mn = mn > 1e-12 ? mn : 1e-12;
    for (size_t b = 0; b < nb; b++)
        Cn[b] /= mn;
}

/* ------------------------------------------------------------- Viterbi */

/* delta <- max_i (delta_i - c |i - j|) + beta * Cn_j; exact for the untruncated Laplacian via
 * a forward and a backward pass (max-plus distance transform). */
static void viterbi_step(pt_hrtrack *h, const double *Cn, uint16_t *bp, int first)
{
    size_t nb = h->nb;
    double beta = h->c.emis_beta, c = h->df_bpm / h->c.trans_bpm;
    if (first) {
        for (size_t j = 0; j < nb; j++) {
            h->delta[j] = beta * Cn[j];
            bp[j] = (uint16_t)j;
        }
        return;
    }
    double *d = h->delta, *f = h->fwd, *bk = h->bwd;
    int *fa = h->fwa, *ba = h->bwa;
    f[0] = d[0];
    fa[0] = 0;
    for (size_t j = 1; j < nb; j++) {
        double cand = f[j - 1] - c;
        if (cand > d[j]) {
            f[j] = cand;
            fa[j] = fa[j - 1];
        } else {
            f[j] = d[j];
            fa[j] = (int)j;
        }
    }
    bk[nb - 1] = d[nb - 1];
    ba[nb - 1] = (int)nb - 1;
    for (size_t j = nb - 1; j-- > 0;) {
        double cand = bk[j + 1] - c;
        if (cand > d[j]) {
            bk[j] = cand;
            ba[j] = ba[j + 1];
        } else {
            bk[j] = d[j];
            ba[j] = (int)j;
        }
    }
    double mx = -HUGE_VAL;
    for (size_t j = 0; j < nb; j++) {
        int from_f = f[j] >= bk[j];
        double v = (from_f ? f[j] : bk[j]) + beta * Cn[j];
        bp[j] = (uint16_t)(from_f ? fa[j] : ba[j]);
        d[j] = v;
        mx = v > mx ? v : mx;
    }
    for (size_t j = 0; j < nb; j++)
        d[j] -= mx; /* keeps the scores bounded over week-long records */
}

static size_t argmax(const double *x, size_t n)
{
    size_t k = 0;
    for (size_t i = 1; i < n; i++)
        if (x[i] > x[k])
            k = i;
    return k;
}

/* ------------------------------------------------------------ decisions */

static void decide(pt_hrtrack *h, int64_t u, size_t state)
{
    size_t nb = h->nb, slot = (size_t)(u % (int64_t)(h->L + 1));
    const double *Cn = h->rC + slot * nb, *Cw = h->rCw + slot * nb;
    pt_hrtrack_window *w = &h->dec[(size_t)(u % (int64_t)(h->back + h->ahead + 2))];
    memset(w, 0, sizeof *w);
    w->t_start_s = (double)u * h->c.step_s;

    /* final estimate: peak of the Wiener-cleaned spectrum near the path, parabolic vertex */
    size_t hw = (size_t)llround(h->c.refine_bpm / h->df_bpm);
    size_t a = state > hw ? state - hw : 0, b = state + hw;
    a = a < 1 ? 1 : a;
    b = b > nb - 2 ? nb - 2 : b;
    size_t k = a;
    for (size_t i = a; i <= b; i++)
        if (Cw[i] > Cw[k])
            k = i;
    double y0 = Cw[k - 1], y1 = Cw[k], y2 = Cw[k + 1], den = y0 - 2 * y1 + y2;
    double dd = den < 0 ? 0.5 * (y0 - y2) / den : 0.0;
    dd = dd < -0.5 ? -0.5 : (dd > 0.5 ? 0.5 : dd);
    w->bpm = h->f0_bpm + ((double)k + dd) * h->df_bpm;
    w->motion_g = h->rMg[slot];

    /* quality: share of the positive emission within +-quality_bpm x height at the path */
    size_t hq = (size_t)llround(h->c.quality_bpm / h->df_bpm);
    double tot = 0, near = 0, mx = 0;
    for (size_t i = 0; i < nb; i++) {
        double v = Cn[i] > 0 ? Cn[i] : 0;
        tot += v;
        mx = v > mx ? v : mx;
        if (i + hq >= state && i <= state + hq)
            near += v;
    }
    double at = Cn[state] > 0 ? Cn[state] : 0;
    w->quality = tot > 0 && mx > 0 ? (near / tot) * (at / mx) : 0.0;

    /* candidates: the three highest interior local maxima of the emission */
    for (size_t i = 1; i + 1 < nb; i++) {
        if (!(Cn[i] > Cn[i - 1] && Cn[i] >= Cn[i + 1]))
            continue;
        double v = Cn[i];
        for (int r = 0; r < 3; r++) {
            if (w->cand_bpm[r] == 0 || v > w->cand_score[r]) {
                for (int q = 2; q > r; q--) {
                    w->cand_bpm[q] = w->cand_bpm[q - 1];
                    w->cand_score[q] = w->cand_score[q - 1];
                }
                w->cand_bpm[r] = h->f0_bpm + (double)i * h->df_bpm;
                w->cand_score[r] = v;
                break;
            }
        }
    }
    h->ndecided = u + 1;
}

/* Emit smoothed windows whose neighbourhood is decided (or all, once the end is known). */
static int output_ready(pt_hrtrack *h, pt_hrtrack_window *out, size_t max_out, size_t *n_out,
                        pt_error *err)
{
    int64_t before = (int64_t)(h->ks / 2), after = (int64_t)(h->ks - 1 - h->ks / 2);
    int64_t qh = (int64_t)h->c.quality_half;
    int64_t R = (int64_t)(h->back + h->ahead + 2);
    while (h->nout < h->ndecided) {
        int64_t u = h->nout;
        int end_known = h->nw_final >= 0 && h->ndecided == h->nw_final;
        if (!end_known && u + (int64_t)h->ahead >= h->ndecided)
            break;
        if (*n_out >= max_out)
            return pt_error_set(err, PT_EINVAL, "hrtrack: output buffer of %zu windows is full",
                                max_out);
        double s = 0, q = 0;
        for (int64_t j = -before; j <= after; j++) {
            int64_t v = u + j;
            v = v < 0 ? 0 : (v > h->ndecided - 1 ? h->ndecided - 1 : v);
            s += h->dec[v % R].bpm;
        }
        for (int64_t j = -qh; j <= qh; j++) {
            int64_t v = u + j;
            v = v < 0 ? 0 : (v > h->ndecided - 1 ? h->ndecided - 1 : v);
            q += h->dec[v % R].quality;
        }
        out[*n_out] = h->dec[u % R];
        out[*n_out].bpm = s / (double)(before + after + 1);
        out[*n_out].quality = q / (double)(2 * qh + 1);
        (*n_out)++;
        h->nout++;
    }
    return PT_OK;
}

/* Viterbi step for window t, then the fixed-lag decision of window t - L. */
static int advance(pt_hrtrack *h, int64_t t, pt_hrtrack_window *out, size_t max_out, size_t *n_out,
                   pt_error *err)
{
    size_t nb = h->nb, L1 = h->L + 1, slot = (size_t)(t % (int64_t)L1);
    double *Cn = h->rC + slot * nb, *Cw = h->rCw + slot * nb;
    emission(h, t, h->nw_final >= 0 ? h->nw_final : h->nframes, Cn, Cw);
    h->rMg[slot] = h->fMg[(size_t)(t % (int64_t)h->R)];
    viterbi_step(h, Cn, h->bp + slot * nb, t == 0);
    h->nemit = t + 1;
    if (t >= (int64_t)h->L) {
        size_t s = argmax(h->delta, nb);
        for (int64_t u = t; u > t - (int64_t)h->L; u--)
            s = h->bp[(size_t)(u % (int64_t)L1) * nb + s];
        decide(h, t - (int64_t)h->L, s);
        return output_ready(h, out, max_out, n_out, err);
    }
    return PT_OK;
}

/* ------------------------------------------------------------ streaming */

static int try_frames(pt_hrtrack *h, pt_hrtrack_window *out, size_t max_out, size_t *n_out,
                      pt_error *err)
{
    for (;;) {
        int64_t i = h->nframes;
        int64_t need = win_start(h, i) + (int64_t)h->W;
        double tend = (double)i * h->c.step_s + h->c.window_s;
        int ok = 1;
        for (size_t s = 0; s < h->ns && ok; s++)
            ok = h->buf_end[s] >= need && (double)h->rs[s].n_in / h->fs[s] >= tend - 1e-9;
        if (!ok)
            return PT_OK;
        compute_frame(h, i);
        h->nframes = i + 1;
        int64_t t = h->nframes - 1 - (int64_t)h->K;
        if (t >= 0) {
            int rc = advance(h, t, out, max_out, n_out, err);
            if (rc)
                return rc;
        }
    }
}

/* Append one proc-rate sample to stream s, making room by dropping samples before the next
 * window's start. */
static int append(pt_hrtrack *h, size_t s, double v, pt_error *err)
{
    int64_t pos = h->buf_end[s] - h->buf0;
    if (pos >= (int64_t)h->cap) {
        int64_t keep_from = win_start(h, h->nframes);
        int64_t lo = h->buf_end[0];
        for (size_t q = 1; q < h->ns; q++)
            lo = h->buf_end[q] < lo ? h->buf_end[q] : lo;
        keep_from = keep_from < lo ? keep_from : lo;
        int64_t shift = keep_from - h->buf0;
        if (shift <= 0)
            return pt_error_set(err, PT_EINVAL,
                                "hrtrack: stream %zu runs more than %.0f s ahead of the others "
                                "(push PPG and acc blocks covering similar times)",
                                s, SKEW_S);
        for (size_t q = 0; q < h->ns; q++) {
            double *b = h->buf + q * h->cap;
            int64_t n = h->buf_end[q] - keep_from;
            if (n > 0)
                memmove(b, b + shift, (size_t)n * sizeof *b);
        }
        h->buf0 = keep_from;
        pos = h->buf_end[s] - h->buf0;
    }
    h->buf[s * h->cap + (size_t)pos] = v;
    h->buf_end[s]++;
    return PT_OK;
}

/* Linear interpolation onto k / fs_proc as numpy.interp: output k is made when the input
 * sample at or after its time arrives. */
static int feed(pt_hrtrack *h, size_t s, const double *x, size_t n, pt_hrtrack_window *out,
                size_t max_out, size_t *n_out, pt_error *err)
{
    resampler *r = &h->rs[s];
    double ratio = h->fs[s] / h->c.fs_proc_hz;
    for (size_t i = 0; i < n; i++) {
        double xi = x[i];
        if (!isfinite(xi))
            return pt_error_set(err, PT_EDATA, "hrtrack: stream %zu sample %lld is not finite", s,
                                (long long)r->n_in);
        int64_t idx = r->n_in;
        for (;;) {
            double pos = (double)r->k_next * ratio;
            if (pos > (double)idx)
                break;
            double v = idx == 0 ? xi : r->x_prev + (pos - (double)(idx - 1)) * (xi - r->x_prev);
            int rc = append(h, s, v, err);
            if (rc)
                return rc;
            r->k_next++;
        }
        r->x_prev = xi;
        r->n_in++;
        /* frames as soon as possible keep the proc buffers short */
        if ((r->k_next & 15) == 0) {
            int rc = try_frames(h, out, max_out, n_out, err);
            if (rc)
                return rc;
        }
    }
    return PT_OK;
}

int pt_hrtrack_push(pt_hrtrack *h, const double *const *ppg, size_t n_ppg, const double *const *acc,
                    size_t n_acc, pt_hrtrack_window *out, size_t max_out, size_t *n_out,
                    pt_error *err)
{
    if (!h || !n_out || (!out && max_out))
        return pt_error_set(err, PT_EINVAL, "hrtrack_push: NULL argument");
    *n_out = 0;
    if (h->finished)
        return pt_error_set(err, PT_EINVAL, "hrtrack_push: called after finish (reset first)");
    if (n_ppg && !ppg)
        return pt_error_set(err, PT_EINVAL, "hrtrack_push: NULL ppg");
    if (n_acc && h->have_acc && !acc)
        return pt_error_set(err, PT_EINVAL, "hrtrack_push: NULL acc");
    for (size_t c = 0; c < h->nch && n_ppg; c++) {
        if (!ppg[c])
            return pt_error_set(err, PT_EINVAL, "hrtrack_push: NULL ppg channel %zu", c);
    }
    for (size_t a = 0; a < h->na && n_acc; a++) {
        if (!acc[a])
            return pt_error_set(err, PT_EINVAL, "hrtrack_push: NULL acc axis %zu", a);
    }
    /* interleave the streams in slices so that none runs far ahead of the others */
    size_t slice_p = (size_t)ceil(h->fs[0] * 10.0);
    size_t slice_a = h->have_acc ? (size_t)ceil(h->fs[h->nch] * 10.0) : 0;
    size_t ip = 0, ia = 0;
    while (ip < n_ppg || (h->have_acc && ia < n_acc)) {
        size_t np = n_ppg - ip < slice_p ? n_ppg - ip : slice_p;
        for (size_t c = 0; c < h->nch && np; c++) {
            int rc = feed(h, c, ppg[c] + ip, np, out, max_out, n_out, err);
            if (rc)
                return rc;
        }
        ip += np;
        if (h->have_acc) {
            size_t na = n_acc - ia < slice_a ? n_acc - ia : slice_a;
            for (size_t a = 0; a < h->na && na; a++) {
                int rc = feed(h, h->nch + a, acc[a] + ia, na, out, max_out, n_out, err);
                if (rc)
                    return rc;
            }
            ia += na;
        }
    }
    return try_frames(h, out, max_out, n_out, err);
}

int pt_hrtrack_finish(pt_hrtrack *h, pt_hrtrack_window *out, size_t max_out, size_t *n_out,
                      pt_error *err)
{
    if (!h || !n_out || (!out && max_out))
        return pt_error_set(err, PT_EINVAL, "hrtrack_finish: NULL argument");
    *n_out = 0;
    if (h->finished)
        return PT_OK;
    h->finished = 1;
    double dur = HUGE_VAL;
    for (size_t s = 0; s < h->ns; s++) {
        double d = (double)h->rs[s].n_in / h->fs[s];
        dur = d < dur ? d : dur;
    }
    int64_t nw = (int64_t)pt_hrtrack_nwindows(&h->c, dur);
    /* hold the last sample for proc samples past the end of a stream (numpy.interp) */
    int64_t need = nw > 0 ? win_start(h, nw - 1) + (int64_t)h->W : 0;
    for (size_t s = 0; s < h->ns; s++) {
        while (h->buf_end[s] < need) {
            int rc = append(h, s, h->rs[s].x_prev, err);
            if (rc)
                return rc;
        }
    }
    h->nw_final = nw;
    while (h->nframes < nw) {
        compute_frame(h, h->nframes);
        h->nframes++;
        int64_t t = h->nframes - 1 - (int64_t)h->K;
        if (t >= 0 && t < nw) {
            int rc = advance(h, t, out, max_out, n_out, err);
            if (rc)
                return rc;
        }
    }
    for (int64_t t = h->nemit; t < nw; t++) {
        int rc = advance(h, t, out, max_out, n_out, err);
        if (rc)
            return rc;
    }
    /* the tail: backtrack from the best final state, as the global decoder does */
    if (nw > 0 && h->ndecided < nw) {
        size_t nb = h->nb, L1 = h->L + 1;
        size_t s = argmax(h->delta, nb);
        for (int64_t u = nw - 1; u >= h->ndecided; u--) {
            size_t slot = (size_t)(u % (int64_t)L1);
            h->path[slot] = (uint16_t)s;
            s = h->bp[slot * nb + s];
        }
        for (int64_t u = h->ndecided; u < nw; u++) {
            decide(h, u, h->path[(size_t)(u % (int64_t)L1)]);
            int rc = output_ready(h, out, max_out, n_out, err);
            if (rc)
                return rc;
        }
    }
    return output_ready(h, out, max_out, n_out, err);
}

/* ------------------------------------------------------------ whole array */

int pt_hrtrack_process(const pt_hrtrack_config *cfg, const double *const *ppg,
                       size_t n_ppg_channels, size_t n_ppg, double fs_ppg_hz,
                       const double *const *acc, size_t n_acc, double fs_acc_hz,
                       pt_hrtrack_decode mode, pt_hrtrack_window *out, size_t max_out,
                       size_t *n_out, pt_error *err)
{
    pt_hrtrack_config c = cfg ? *cfg : pt_hrtrack_defaults();
    if (!ppg || !out || !n_out || n_ppg_channels < 1 || n_ppg_channels > MAX_CH)
        return pt_error_set(err, PT_EINVAL, "hrtrack_process: bad argument");
    *n_out = 0;
    int have_acc = acc != NULL;
    double dur = (double)n_ppg / fs_ppg_hz;
    if (have_acc && (double)n_acc / fs_acc_hz < dur)
        dur = (double)n_acc / fs_acc_hz;
    size_t nw = pt_hrtrack_nwindows(&c, dur);
    if (nw == 0)
        return PT_OK;
    if (max_out < nw)
        return pt_error_set(err, PT_EINVAL, "hrtrack_process: out holds %zu windows, need %zu",
                            max_out, nw);
    if (mode == PT_HRTRACK_GLOBAL)
        c.lag_windows = nw + 1;

    size_t nsec = pt_butter_nsec(c.band_order, PT_BAND_BANDPASS);
    double sos[6 * 20];
    if (nsec == 0 || nsec > 20)
        return pt_error_set(err, PT_EINVAL, "hrtrack_process: band_order %d", c.band_order);
    size_t nmax = n_ppg > n_acc ? n_ppg : n_acc;
    size_t nacc = have_acc ? (c.acc_magnitude ? 4 : 3) : 0;
    size_t ns = n_ppg_channels + nacc;
    double *amag = NULL;
    double **x = calloc(ns, sizeof *x);
    pt_sos *f = NULL;
    pt_hrtrack *h = NULL;
    int rc = PT_OK;
    if (!x) {
        rc = pt_error_set(err, PT_ENOMEM, "hrtrack_process: out of memory");
        goto done;
    }
    if (nacc == 4) { /* |a| of the raw axes: the non-linear part of the motion coupling */
        amag = malloc((n_acc ? n_acc : 1) * sizeof *amag);
        if (!amag) {
            rc = pt_error_set(err, PT_ENOMEM, "hrtrack_process: out of memory");
            goto done;
        }
        for (size_t a = 0; a < 3; a++) {
            if (!acc[a]) {
                rc = pt_error_set(err, PT_EINVAL, "hrtrack_process: NULL acc axis %zu", a);
                goto done;
            }
        }
        for (size_t i = 0; i < n_acc; i++)
            amag[i] = sqrt(acc[0][i] * acc[0][i] + acc[1][i] * acc[1][i] + acc[2][i] * acc[2][i]);
    }
    for (size_t s = 0; s < ns; s++) {
        size_t n = s < n_ppg_channels ? n_ppg : n_acc;
        double fs = s < n_ppg_channels ? fs_ppg_hz : fs_acc_hz;
        const double *src = s < n_ppg_channels       ? ppg[s]
                            : s < n_ppg_channels + 3 ? acc[s - n_ppg_channels]
                                                     : amag;
        if (!src) {
            rc = pt_error_set(err, PT_EINVAL, "hrtrack_process: NULL channel %zu", s);
            goto done;
        }
        x[s] = malloc((n ? n : 1) * sizeof **x);
        if (!x[s]) {
            rc = pt_error_set(err, PT_ENOMEM, "hrtrack_process: out of memory (%zu samples)", n);
            goto done;
        }
        rc =
            pt_butter_sos(c.band_order, PT_BAND_BANDPASS, c.band_lo_hz, c.band_hi_hz, fs, sos, err);
        if (rc)
            goto done;
        pt_sos_destroy(f);
        f = pt_sos_create(sos, nsec, nmax, err);
        if (!f) {
            rc = err ? err->code : PT_ENOMEM;
            goto done;
        }
        rc = pt_sos_filtfilt(f, src, x[s], n, err);
        if (rc)
            goto done;
    }
    h = pt_hrtrack_create(&c, fs_ppg_hz, n_ppg_channels, fs_acc_hz, have_acc, err);
    if (!h) {
        rc = err ? err->code : PT_ENOMEM;
        goto done;
    }
    size_t k = 0;
    rc = pt_hrtrack_push(h, (const double *const *)x, n_ppg,
                         have_acc ? (const double *const *)(x + n_ppg_channels) : NULL, n_acc, out,
                         max_out, &k, err);
    if (rc)
        goto done;
    size_t k2 = 0;
    rc = pt_hrtrack_finish(h, out + k, max_out - k, &k2, err);
    *n_out = k + k2;
done:
    pt_hrtrack_destroy(h);
    pt_sos_destroy(f);
    free(amag);
    for (size_t s = 0; x && s < ns; s++)
        free(x[s]);
    free(x);
    return rc;
}

int pt_hr_reliable(double bpm, double quality, double motion_g, double beats_bpm, double device_bpm)
{
    if (!isfinite(bpm) || !(quality >= 0))
        return 0;
    double q_min = motion_g > PT_HR_MOTION_G ? PT_HR_QUALITY_MOTION : PT_HR_QUALITY_REST;
    if (quality < q_min)
        return 0;
    if (isfinite(beats_bpm) && fabs(bpm - beats_bpm) > PT_HR_AGREE_BPM)
        return 0;
    if (isfinite(device_bpm) && fabs(bpm - device_bpm) > PT_HR_AGREE_BPM)
        return 0;
    return 1;
}
