/* SPDX-License-Identifier: GPL-2.0-or-later
 * welch.c — Welch's averaged modified periodogram (Welch 1967) and the spectrogram, as
 * scipy.signal._spectral_py._spectral_helper: strided segments (no boundary padding),
 * detrend, window, real FFT of length nfft, |X|^2 * scale, one-sided doubling, then the
 * mean, or the median divided by scipy's _median_bias. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/fft_impl.h"
#include "pulsetrain/welch.h"

struct pt_welch {
    pt_welch_config cfg;
    size_t nfreq, step, max_nseg;
    pt_fft *fft;
    double *win;   /* [nperseg] */
    double *tc;    /* [nperseg] centred time for the linear detrend */
    double tc2;    /* sum tc^2 */
    double scale;  /* density 1/(fs sum w^2), spectrum 1/(sum w)^2 */
    double *acc;   /* [nfreq] */
    double *store; /* [max_nseg * nfreq] median only */
    double *col;   /* [max_nseg] median only */
};

struct pt_spectrogram {
    pt_welch *w;
};

pt_welch_config pt_welch_defaults(double fs_hz)
{
    pt_welch_config c;
    memset(&c, 0, sizeof c);
    c.fs_hz = fs_hz;
    c.nperseg = 256;
    c.noverlap = 128;
    c.nfft = 256;
    c.window = PT_WINDOW_HANN;
    c.detrend_constant = 1;
    c.scaling = PT_SCALING_DENSITY;
    c.rigor = PT_FFT_ESTIMATE;
    c.detrend_linear = 0;
    c.average = PT_AVERAGE_MEAN;
    c.max_n = 0;
    return c;
}

static pt_welch *create(const pt_welch_config *cfg, int median, const char *who, pt_error *err)
{
    if (!cfg) {
        pt_error_set(err, PT_EINVAL, "%s: NULL config", who);
        return NULL;
    }
    if (!(cfg->fs_hz > 0) || !isfinite(cfg->fs_hz)) {
        pt_error_set(err, PT_EINVAL, "%s: fs_hz = %g must be > 0", who, cfg->fs_hz);
        return NULL;
    }
    if (cfg->nperseg < 1 || cfg->nperseg > INT_MAX) {
        pt_error_set(err, PT_EINVAL, "%s: nperseg = %zu outside 1..%d", who, cfg->nperseg, INT_MAX);
        return NULL;
    }
    if (cfg->noverlap >= cfg->nperseg) {
        pt_error_set(err, PT_EINVAL, "%s: noverlap = %zu must be less than nperseg = %zu", who,
                     cfg->noverlap, cfg->nperseg);
        return NULL;
    }
    if (cfg->nfft < cfg->nperseg || cfg->nfft > INT_MAX) {
        pt_error_set(err, PT_EINVAL, "%s: nfft = %zu must be in nperseg (%zu)..%d", who, cfg->nfft,
                     cfg->nperseg, INT_MAX);
        return NULL;
    }
    if (cfg->window < PT_WINDOW_HANN || cfg->window > PT_WINDOW_BOXCAR) {
        pt_error_set(err, PT_EINVAL, "%s: unknown window %d", who, (int)cfg->window);
        return NULL;
    }
    if (cfg->scaling != PT_SCALING_DENSITY && cfg->scaling != PT_SCALING_SPECTRUM) {
        pt_error_set(err, PT_EINVAL, "%s: unknown scaling %d", who, (int)cfg->scaling);
        return NULL;
    }
    if (median && cfg->average != PT_AVERAGE_MEAN && cfg->average != PT_AVERAGE_MEDIAN) {
        pt_error_set(err, PT_EINVAL, "%s: unknown average %d", who, (int)cfg->average);
        return NULL;
    }
    median = median && cfg->average == PT_AVERAGE_MEDIAN;
    size_t step = cfg->nperseg - cfg->noverlap;
    size_t max_nseg = 0;
    if (median) {
        if (cfg->max_n < cfg->nperseg) {
            pt_error_set(err, PT_EINVAL,
                         "%s: the median average needs max_n >= nperseg "
                         "(got max_n = %zu)",
                         who, cfg->max_n);
            return NULL;
        }
        max_nseg = (cfg->max_n - cfg->noverlap) / step;
        if (max_nseg > SIZE_MAX / sizeof(double) / (cfg->nfft / 2 + 1)) {
            pt_error_set(err, PT_EINVAL, "%s: max_n = %zu too large", who, cfg->max_n);
            return NULL;
        }
    }
    pt_welch *w = calloc(1, sizeof *w);
    if (!w) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory", who);
        return NULL;
    }
    w->cfg = *cfg;
    w->nfreq = cfg->nfft / 2 + 1;
    w->step = step;
    w->max_nseg = max_nseg;
    w->win = calloc(cfg->nperseg, sizeof *w->win);
    w->tc = calloc(cfg->nperseg, sizeof *w->tc);
    w->acc = calloc(w->nfreq, sizeof *w->acc);
    if (median) {
        w->store = calloc(max_nseg * w->nfreq, sizeof *w->store);
        w->col = calloc(max_nseg, sizeof *w->col);
    }
    if (!w->win || !w->tc || !w->acc || (median && (!w->store || !w->col))) {
        pt_welch_destroy(w);
        pt_error_set(err, PT_ENOMEM, "%s: out of memory", who);
        return NULL;
    }
    w->fft = pt_fft_create(cfg->nfft, cfg->rigor, err);
    if (!w->fft) {
        pt_welch_destroy(w);
        pt_error_prefix(err, "%s: ", who);
        return NULL;
    }
    pt_window_fill(cfg->window, cfg->nperseg, 1, w->win);
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < cfg->nperseg; i++) {
        s1 += w->win[i];
        s2 += w->win[i] * w->win[i];
        w->tc[i] = (double)i - (double)(cfg->nperseg - 1) / 2;
        w->tc2 += w->tc[i] * w->tc[i];
    }
    w->scale = cfg->scaling == PT_SCALING_DENSITY ? 1.0 / (cfg->fs_hz * s2) : 1.0 / (s1 * s1);
    return w;
}

pt_welch *pt_welch_create(const pt_welch_config *cfg, pt_error *err)
{
    return create(cfg, 1, "pt_welch_create", err);
}

size_t pt_welch_nfreq(const pt_welch *w)
{
    return w->nfreq;
}

void pt_welch_freqs(const pt_welch *w, double *f_hz)
{
    double val = 1.0 / ((double)w->cfg.nfft * (1.0 / w->cfg.fs_hz)); /* numpy rfftfreq */
    for (size_t k = 0; k < w->nfreq; k++)
        f_hz[k] = (double)k * val;
}

size_t pt_welch_nseg(const pt_welch *w, size_t n)
{
    return n < w->cfg.nperseg ? 0 : (n - w->cfg.noverlap) / w->step;
}

/* Detrend and window one segment into the FFT's aligned input, transform; returns the
 * half spectrum as interleaved (re, im) pairs. */
static const double *segment(pt_welch *w, const double *x)
{
    size_t m = w->cfg.nperseg;
    double *in = pt_fft_inbuf(w->fft); /* [nfft]; the tail past nperseg stays zero */
    const double *win = w->win;
    if (w->cfg.detrend_linear) {
        double s = 0, st = 0;
        for (size_t i = 0; i < m; i++) {
            s += x[i];
            st += w->tc[i] * x[i];
        }
        double mean = s / (double)m, slope = w->tc2 > 0 ? st / w->tc2 : 0;
        for (size_t i = 0; i < m; i++)
            in[i] = (x[i] - mean - slope * w->tc[i]) * win[i];
    } else if (w->cfg.detrend_constant) {
        double s = 0;
        for (size_t i = 0; i < m; i++)
            s += x[i];
        double mean = s / (double)m;
        for (size_t i = 0; i < m; i++)
            in[i] = (x[i] - mean) * win[i];
    } else {
        for (size_t i = 0; i < m; i++)
            in[i] = x[i] * win[i];
    }
    return pt_fft_forward_internal(w->fft, in);
}

/* scale and one-sided doubling (not DC, not Nyquist for even nfft), as scipy */
static void finish(const pt_welch *w, double *p, double factor)
{
    size_t nf = w->nfreq, last = w->cfg.nfft % 2 ? nf : nf - 1;
    double s = w->scale * factor;
    p[0] *= s;
    for (size_t k = 1; k < last; k++)
        p[k] *= 2 * s;
    for (size_t k = last; k < nf; k++)
        p[k] *= s;
}

/* k-th smallest of a[0..n) (Hoare quickselect; reorders a) */
static double select_kth(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double piv = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < piv)
                i++;
            while (a[j] > piv)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return a[k];
}

static double median_bias(size_t n)
{
    double b = 1;
    for (size_t i = 1; i <= (n - 1) / 2; i++) {
        double ii2 = 2.0 * (double)i;
        b += 1.0 / (ii2 + 1) - 1.0 / ii2;
    }
    return b;
}

int pt_welch_execute(pt_welch *w, const double *x, size_t n, double *psd, size_t *nseg)
{
    if (!w || !x || !psd || n < w->cfg.nperseg)
        return PT_EINVAL;
    size_t ns = pt_welch_nseg(w, n), nf = w->nfreq;
    const double *c;
    if (w->cfg.average == PT_AVERAGE_MEDIAN) {
        if (ns > w->max_nseg)
            return PT_EINVAL;
        for (size_t s = 0; s < ns; s++) {
            c = segment(w, x + s * w->step);
            double *row = w->store + s * nf;
            for (size_t k = 0; k < nf; k++)
                row[k] = c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1];
        }
        for (size_t k = 0; k < nf; k++) {
            for (size_t s = 0; s < ns; s++)
                w->col[s] = w->store[s * nf + k];
            double hi = select_kth(w->col, ns, ns / 2);
            if (ns % 2 == 0) { /* numpy median: mean of the two middle values */
                double lo = w->col[0];
                for (size_t s = 1; s < ns / 2; s++)
                    lo = w->col[s] > lo ? w->col[s] : lo;
                hi = (lo + hi) / 2;
            }
            psd[k] = hi;
        }
        finish(w, psd, 1.0 / median_bias(ns));
    } else {
        double *acc = w->acc;
        memset(acc, 0, nf * sizeof *acc);
        for (size_t s = 0; s < ns; s++) {
            c = segment(w, x + s * w->step);
            for (size_t k = 0; k < nf; k++)
                acc[k] += c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1];
        }
        memcpy(psd, acc, nf * sizeof *psd);
        finish(w, psd, 1.0 / (double)ns);
    }
    if (nseg)
        *nseg = ns;
    return PT_OK;
}

void pt_welch_destroy(pt_welch *w)
{
    if (!w)
        return;
    pt_fft_destroy(w->fft);
    free(w->win);
    free(w->tc);
    free(w->acc);
    free(w->store);
    free(w->col);
    free(w);
}

pt_spectrogram *pt_spectrogram_create(const pt_welch_config *cfg, pt_error *err)
{
    pt_spectrogram *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "pt_spectrogram_create: out of memory");
        return NULL;
    }
    s->w = create(cfg, 0, "pt_spectrogram_create", err);
    if (!s->w) {
        free(s);
        return NULL;
    }
    return s;
}

size_t pt_spectrogram_nfreq(const pt_spectrogram *s)
{
    return s->w->nfreq;
}

size_t pt_spectrogram_nseg(const pt_spectrogram *s, size_t n)
{
    return pt_welch_nseg(s->w, n);
}

void pt_spectrogram_freqs(const pt_spectrogram *s, double *f_hz)
{
    pt_welch_freqs(s->w, f_hz);
}

void pt_spectrogram_times(const pt_spectrogram *s, size_t nseg, double *t_s)
{
    const pt_welch_config *c = &s->w->cfg;
    for (size_t i = 0; i < nseg; i++) /* numpy arange(nperseg/2, ..., step) / fs */
        t_s[i] = ((double)c->nperseg / 2 + (double)i * (double)s->w->step) / c->fs_hz;
}

int pt_spectrogram_execute(pt_spectrogram *s, const double *x, size_t n, double *sxx, size_t *nseg)
{
    if (!s || !x || !sxx || n < s->w->cfg.nperseg)
        return PT_EINVAL;
    pt_welch *w = s->w;
    size_t ns = pt_welch_nseg(w, n), nf = w->nfreq;
    const double *c;
    for (size_t i = 0; i < ns; i++) {
        c = segment(w, x + i * w->step);
        double *row = sxx + i * nf;
        for (size_t k = 0; k < nf; k++)
            row[k] = c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1];
        finish(w, row, 1.0);
    }
    if (nseg)
        *nseg = ns;
    return PT_OK;
}

void pt_spectrogram_destroy(pt_spectrogram *s)
{
    if (!s)
        return;
    pt_welch_destroy(s->w);
    free(s);
}
