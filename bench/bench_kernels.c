/* SPDX-License-Identifier: GPL-2.0-or-later
 * bench_kernels.c — kernel benchmarks at realistic sizes: 8 s windows at 64, 125 and
 * 256 Hz, 1 h and 24 h signals at 64 Hz. In-process baselines: raw FFTW calls against the
 * wrapper, a direct DFT against the FFT, ESTIMATE against MEASURE, naive loops against the
 * filter and moving-statistic kernels. bench/scipy_kernels.py times the same work (same
 * case names, same signal) in scipy/numpy. */
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "pt_bench.h"
#include "pulsetrain/fft.h"
#include "pulsetrain/fit.h"
#include "pulsetrain/peaks.h"
#include "pulsetrain/resample.h"
#include "pulsetrain/sos.h"
#include "pulsetrain/stats.h"
#include "pulsetrain/welch.h"

typedef struct st {
    size_t n;
    double fs;
    double *x, *y, *a, *b; /* input, outputs / scratch */
    size_t *idx;
    pt_fft *fft;
    fftw_plan plan;
    double *fin, *fre;   /* raw FFTW buffers */
    double *cosv, *sinv; /* DFT tables */
    pt_sos *sos;
    double coef[60];
    size_t nsec;
    pt_welch *welch;
    pt_spectrogram *spec;
    pt_peaks *peaks;
    pt_resample *rs;
    pt_movstat *mov;
    size_t w;
} st;

static void teardown(void *p);

static st *base(size_t n, double fs, size_t extra)
{
    st *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->n = n;
    s->fs = fs;
    /* fftw_malloc: SIMD-aligned, so raw FFTW may execute on these arrays directly */
    s->x = fftw_alloc_real(n);
    s->y = fftw_alloc_real(n + extra + 2);
    s->a = fftw_alloc_real(n + extra + 2);
    s->b = fftw_alloc_real(n + extra + 2);
    if (!s->x || !s->y || !s->a || !s->b) {
        teardown(s);
        return NULL;
    }
    pt_bench_signal(s->x, n, fs);
    return s;
}

static void teardown(void *p)
{
    st *s = p;
    if (!s)
        return;
    pt_fft_destroy(s->fft);
    if (s->plan)
        fftw_destroy_plan(s->plan);
    fftw_free(s->fin);
    fftw_free(s->fre);
    pt_sos_destroy(s->sos);
    pt_welch_destroy(s->welch);
    pt_spectrogram_destroy(s->spec);
    pt_peaks_destroy(s->peaks);
    pt_resample_destroy(s->rs);
    pt_movstat_destroy(s->mov);
    fftw_free(s->x);
    fftw_free(s->y);
    fftw_free(s->a);
    fftw_free(s->b);
    free(s->idx);
    free(s->cosv);
    free(s->sinv);
    free(s);
}

/* ---- FFT ---------------------------------------------------------------------------- */

static void *setup_fft(size_t n, double fs)
{
    st *s = base(n, fs, n);
    if (s)
        s->fft = pt_fft_create(n, PT_FFT_ESTIMATE, NULL);
    return s && s->fft ? s : NULL;
}

static void *setup_fft_measure(size_t n, double fs)
{
    st *s = base(n, fs, n);
    if (s)
        s->fft = pt_fft_create(n, PT_FFT_MEASURE, NULL);
    return s && s->fft ? s : NULL;
}

static void run_fft_power(void *p)
{
    st *s = p;
    pt_fft_power(s->fft, s->x, s->y);
    pt_bench_sink(s->y[1]);
}

static void run_fft_forward(void *p)
{
    st *s = p; /* separate re and im arrays: the wrapper copies the spectrum once */
    pt_fft_forward(s->fft, s->x, s->y, s->a);
    pt_bench_sink(s->y[1] + s->a[1]);
}

static void run_fft_forward_packed(void *p)
{
    st *s = p; /* im == re + nfreq: zero-copy path */
    pt_fft_forward(s->fft, s->x, s->y, s->y + s->n / 2 + 1);
    pt_bench_sink(s->y[1]);
}

/* raw FFTW: the plain interleaved r2c plan (the canonical call, and what pt_fft uses),
 * executed on FFTW-aligned arrays; forward = transform + split into re|im as our API
 * returns it, power = transform + |X|^2, so both sides do the same work */
static void *setup_fftw_raw(size_t n, double fs)
{
    st *s = base(n, fs, n);
    if (!s)
        return NULL;
    s->fin = fftw_alloc_real(n);
    s->fre = fftw_alloc_real(2 * (n / 2 + 1)); /* interleaved complex output */
    if (!s->fin || !s->fre)
        return NULL;
    s->plan = fftw_plan_dft_r2c_1d((int)n, s->fin, (fftw_complex *)s->fre, FFTW_ESTIMATE);
    memcpy(s->fin, s->x, n * sizeof *s->fin);
    return s->plan ? s : NULL;
}

static void run_fftw_raw_forward(void *p)
{
    st *s = p;
    size_t nf = s->n / 2 + 1;
    fftw_execute(s->plan);
    const double *c = s->fre;
    for (size_t k = 0; k < nf; k++) {
        s->y[k] = c[2 * k];
        s->y[nf + k] = c[2 * k + 1];
    }
    pt_bench_sink(s->y[1]);
}

static void run_fftw_raw_power(void *p)
{
    st *s = p;
    size_t nf = s->n / 2 + 1;
    fftw_execute(s->plan);
    const double *c = s->fre;
    for (size_t k = 0; k < nf; k++)
        s->y[k] = c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1];
    pt_bench_sink(s->y[1]);
}

static void *setup_dft(size_t n, double fs)
{
    st *s = base(n, fs, n);
    if (!s)
        return NULL;
    s->cosv = malloc(n * sizeof *s->cosv);
    s->sinv = malloc(n * sizeof *s->sinv);
    if (!s->cosv || !s->sinv)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        s->cosv[i] = cos(2 * 3.141592653589793 * (double)i / (double)n);
        s->sinv[i] = sin(2 * 3.141592653589793 * (double)i / (double)n);
    }
    return s;
}

static void run_dft_power(void *p)
{
    st *s = p; /* direct DFT with a twiddle table: O(n^2) */
    size_t n = s->n;
    for (size_t k = 0; k <= n / 2; k++) {
        double re = 0, im = 0;
        size_t j = 0;
        for (size_t t = 0; t < n; t++) {
            re += s->x[t] * s->cosv[j];
            im -= s->x[t] * s->sinv[j];
            j += k;
            if (j >= n)
                j -= n;
        }
        s->y[k] = re * re + im * im;
    }
    pt_bench_sink(s->y[1]);
}

/* ---- SOS: Butterworth band-pass 0.5-4 Hz, order 4 (the PPG conditioning default) ---- */

static void *setup_sos(size_t n, double fs)
{
    st *s = base(n, fs, 1000);
    if (!s)
        return NULL;
    s->nsec = pt_butter_nsec(4, PT_BAND_BANDPASS);
    if (pt_butter_sos(4, PT_BAND_BANDPASS, 0.5, 4.0, fs, s->coef, NULL) != PT_OK)
        return NULL;
    s->sos = pt_sos_create(s->coef, s->nsec, n, NULL);
    return s->sos ? s : NULL;
}

static void run_sosfilt(void *p)
{
    st *s = p;
    pt_sos_reset(s->sos);
    pt_sos_execute(s->sos, s->x, s->y, s->n);
    pt_bench_sink(s->y[s->n - 1]);
}

static void run_sosfiltfilt(void *p)
{
    st *s = p;
    pt_sos_filtfilt(s->sos, s->x, s->y, s->n, NULL);
    pt_bench_sink(s->y[s->n - 1]);
}

/* naive: sample-outer, section-inner, state in memory (scipy's _sosfilt loop in plain C) */
static void naive_sosfilt(const double *c, size_t nsec, double *z, const double *x, double *y,
                          size_t n, ptrdiff_t step)
{
    for (size_t i = 0; i < n; i++) {
        double v = x[(ptrdiff_t)i * step];
        for (size_t k = 0; k < nsec; k++) {
            const double *r = c + 6 * k;
            double t = r[0] * v + z[2 * k];
            z[2 * k] = r[1] * v - r[4] * t + z[2 * k + 1];
            z[2 * k + 1] = r[2] * v - r[5] * t;
            v = t;
        }
        y[(ptrdiff_t)i * step] = v;
    }
}

static void run_naive_sosfilt(void *p)
{
    st *s = p;
    double z[40] = {0};
    naive_sosfilt(s->coef, s->nsec, z, s->x, s->y, s->n, 1);
    pt_bench_sink(s->y[s->n - 1]);
}

static void run_naive_sosfiltfilt(void *p)
{
    st *s = p; /* odd extension + two naive passes (zi from the library: not the work) */
    size_t n = s->n, pl = pt_sos_padlen(s->sos), m = n + 2 * pl;
    double *e = s->a, zi[40], z[40];
    pt_sos_zi(s->coef, s->nsec, zi);
    for (size_t i = 0; i < pl; i++) {
        e[i] = 2 * s->x[0] - s->x[pl - i];
        e[pl + n + i] = 2 * s->x[n - 1] - s->x[n - 2 - i];
    }
    memcpy(e + pl, s->x, n * sizeof *e);
    for (size_t k = 0; k < 2 * s->nsec; k++)
        z[k] = zi[k] * e[0];
    naive_sosfilt(s->coef, s->nsec, z, e, e, m, 1);
    for (size_t k = 0; k < 2 * s->nsec; k++)
        z[k] = zi[k] * e[m - 1];
    naive_sosfilt(s->coef, s->nsec, z, e + m - 1, e + m - 1, m, -1);
    memcpy(s->y, e + pl, n * sizeof *e);
    pt_bench_sink(s->y[n - 1]);
}

/* ---- Welch / spectrogram ------------------------------------------------------------ */

static void *setup_welch_cfg(size_t n, double fs, size_t nper, size_t nover, size_t nfft)
{
    st *s = base(n, fs, 0);
    if (!s)
        return NULL;
    pt_welch_config c = pt_welch_defaults(fs);
    c.nperseg = nper;
    c.noverlap = nover;
    c.nfft = nfft;
    s->welch = pt_welch_create(&c, NULL);
    fftw_free(s->y);
    s->y = fftw_alloc_real(nfft / 2 + 1);
    return s->welch && s->y ? s : NULL;
}

/* 8 s window: 4 s segments, 50 % overlap (3 segments) */
static void *setup_welch_8s(size_t n, double fs)
{
    return setup_welch_cfg(n, fs, n / 2, n / 4, n / 2);
}

/* long signals: 8 s segments at 64 Hz, 50 % overlap */
static void *setup_welch_long(size_t n, double fs)
{
    return setup_welch_cfg(n, fs, 512, 256, 512);
}

static void run_welch(void *p)
{
    st *s = p;
    pt_welch_execute(s->welch, s->x, s->n, s->y, NULL);
    pt_bench_sink(s->y[3]);
}

/* the heart-rate stage's short-time spectrum: 8 s windows, 2 s step, nfft 2048 */
static void *setup_spectrogram(size_t n, double fs)
{
    st *s = base(n, fs, 0);
    if (!s)
        return NULL;
    pt_welch_config c = pt_welch_defaults(fs);
    c.nperseg = (size_t)(8 * fs);
    c.noverlap = (size_t)(6 * fs);
    c.nfft = 2048;
    s->spec = pt_spectrogram_create(&c, NULL);
    if (!s->spec)
        return NULL;
    fftw_free(s->y);
    s->y = fftw_alloc_real(pt_spectrogram_nseg(s->spec, n) * pt_spectrogram_nfreq(s->spec));
    return s->y ? s : NULL;
}

static void run_spectrogram(void *p)
{
    st *s = p;
    pt_spectrogram_execute(s->spec, s->x, s->n, s->y, NULL);
    pt_bench_sink(s->y[3]);
}

/* ---- peaks, resampling, interpolation ------------------------------------------------- */

static void *setup_peaks(size_t n, double fs)
{
    st *s = base(n, fs, 0);
    if (!s)
        return NULL;
    pt_peaks_config c = pt_peaks_defaults();
    c.distance = 20;
    c.prominence_min = 0.5;
    s->peaks = pt_peaks_create(&c, n, NULL);
    s->idx = malloc(pt_peaks_capacity(n) * sizeof *s->idx);
    return s->peaks && s->idx ? s : NULL;
}

static void run_peaks(void *p)
{
    st *s = p;
    size_t m;
    pt_peaks_execute(s->peaks, s->x, s->n, s->idx, NULL, &m);
    pt_bench_sink((double)m);
}

static void *setup_resample_125to64(size_t n, double fs)
{
    st *s = base(n, fs, n);
    if (s)
        s->rs = pt_resample_create(64, 125, NULL);
    return s && s->rs ? s : NULL;
}

static void *setup_resample_64to32(size_t n, double fs)
{
    st *s = base(n, fs, n);
    if (s)
        s->rs = pt_resample_create(1, 2, NULL);
    return s && s->rs ? s : NULL;
}

static void run_resample(void *p)
{
    st *s = p;
    size_t no;
    pt_resample_execute(s->rs, s->x, s->n, s->y, &no);
    pt_bench_sink(s->y[no / 2]);
}

/* irregular sample times (jittered 64 Hz) queried on the regular 64 Hz grid */
static void *setup_interp(size_t n, double fs)
{
    st *s = base(n, fs, 0);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        s->a[i] = ((double)i + 0.3 * sin(0.7 * (double)i)) / fs;
        s->b[i] = (double)i / fs;
    }
    return s;
}

static void run_interp(void *p)
{
    st *s = p;
    pt_interp(s->a, s->x, s->n, s->b, s->y, s->n);
    pt_bench_sink(s->y[s->n / 2]);
}

/* ---- moving statistics: 5 s windows ----------------------------------------------------- */

static void *setup_mov(size_t n, double fs, pt_movstat_kind k)
{
    st *s = base(n, fs, 0);
    if (!s)
        return NULL;
    s->w = (size_t)(5 * fs);
    s->mov = pt_movstat_create(k, s->w, NULL);
    return s->mov ? s : NULL;
}

static void *setup_movmean(size_t n, double fs)
{
    return setup_mov(n, fs, PT_MOVSTAT_MEAN);
}
static void *setup_movstd(size_t n, double fs)
{
    return setup_mov(n, fs, PT_MOVSTAT_STD);
}
static void *setup_movmedian(size_t n, double fs)
{
    return setup_mov(n, fs, PT_MOVSTAT_MEDIAN);
}

static void run_mov(void *p)
{
    st *s = p;
    pt_movstat_reset(s->mov);
    pt_movstat_execute(s->mov, s->x, s->y, s->n);
    pt_bench_sink(s->y[s->n - 1]);
}

static void run_naive_movmean(void *p)
{
    st *s = p; /* O(n w): sum every window again */
    size_t w = s->w;
    for (size_t i = 0; i + 1 < w && i < s->n; i++)
        s->y[i] = NAN;
    for (size_t i = w - 1; i < s->n; i++) {
        double acc = 0;
        for (size_t j = i + 1 - w; j <= i; j++)
            acc += s->x[j];
        s->y[i] = acc / (double)w;
    }
    pt_bench_sink(s->y[s->n - 1]);
}

/* ---- exponential fit and T30 on a 300 s recovery at 1 Hz ------------------------------- */

static void *setup_fit(size_t n, double fs)
{
    st *s = base(n, fs, 0);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        s->a[i] = (double)i / fs;
        s->b[i] = 60 + 110 * exp(-s->a[i] / 45.0) + s->x[i] - 0.7 - 0.3 * sin(0.2 * (double)i);
    }
    return s;
}

static void run_fit(void *p)
{
    st *s = p;
    pt_expfit f;
    pt_fit_exp(s->a, s->b, s->n, &f, NULL);
    pt_bench_sink(f.tau_s);
}

static void run_t30(void *p)
{
    st *s = p;
    double t;
    pt_fit_t30(s->a, s->b, s->n, &t, NULL);
    pt_bench_sink(t);
}

#define H1 230400   /* 1 h at 64 Hz */
#define H24 5529600 /* 24 h at 64 Hz */

const pt_bench_case pt_bench_kernels[] = {
    {"dft_power_8s_64hz", 512, 64, setup_dft, run_dft_power, teardown, NULL},
    {"dft_power_8s_256hz", 2048, 256, setup_dft, run_dft_power, teardown, NULL},
    {"fftw_raw_power_8s_64hz", 512, 64, setup_fftw_raw, run_fftw_raw_power, teardown,
     "dft_power_8s_64hz"},
    {"fftw_raw_power_8s_125hz", 1000, 125, setup_fftw_raw, run_fftw_raw_power, teardown, NULL},
    {"fftw_raw_power_8s_256hz", 2048, 256, setup_fftw_raw, run_fftw_raw_power, teardown,
     "dft_power_8s_256hz"},
    {"fftw_raw_forward_8s_64hz", 512, 64, setup_fftw_raw, run_fftw_raw_forward, teardown, NULL},
    {"fftw_raw_forward_8s_125hz", 1000, 125, setup_fftw_raw, run_fftw_raw_forward, teardown, NULL},
    {"fftw_raw_forward_8s_256hz", 2048, 256, setup_fftw_raw, run_fftw_raw_forward, teardown, NULL},
    {"fft_power_8s_64hz", 512, 64, setup_fft, run_fft_power, teardown, "fftw_raw_power_8s_64hz"},
    {"fft_power_8s_125hz", 1000, 125, setup_fft, run_fft_power, teardown,
     "fftw_raw_power_8s_125hz"},
    {"fft_power_8s_256hz", 2048, 256, setup_fft, run_fft_power, teardown,
     "fftw_raw_power_8s_256hz"},
    {"fft_forward_8s_64hz", 512, 64, setup_fft, run_fft_forward, teardown,
     "fftw_raw_forward_8s_64hz"},
    {"fft_forward_8s_125hz", 1000, 125, setup_fft, run_fft_forward, teardown,
     "fftw_raw_forward_8s_125hz"},
    {"fft_forward_8s_256hz", 2048, 256, setup_fft, run_fft_forward, teardown,
     "fftw_raw_forward_8s_256hz"},
    {"fft_forward_packed_8s_64hz", 512, 64, setup_fft, run_fft_forward_packed, teardown,
     "fftw_raw_forward_8s_64hz"},
    {"fft_forward_packed_8s_256hz", 2048, 256, setup_fft, run_fft_forward_packed, teardown,
     "fftw_raw_forward_8s_256hz"},
    {"fft_measure_power_8s_64hz", 512, 64, setup_fft_measure, run_fft_power, teardown,
     "fft_power_8s_64hz"},
    {"fft_measure_power_8s_125hz", 1000, 125, setup_fft_measure, run_fft_power, teardown,
     "fft_power_8s_125hz"},
    {"fft_measure_power_8s_256hz", 2048, 256, setup_fft_measure, run_fft_power, teardown,
     "fft_power_8s_256hz"},
    {"naive_sosfilt_1h_64hz", H1, 64, setup_sos, run_naive_sosfilt, teardown, NULL},
    {"naive_sosfiltfilt_1h_64hz", H1, 64, setup_sos, run_naive_sosfiltfilt, teardown, NULL},
    {"sosfilt_1h_64hz", H1, 64, setup_sos, run_sosfilt, teardown, "naive_sosfilt_1h_64hz"},
    {"sosfiltfilt_1h_64hz", H1, 64, setup_sos, run_sosfiltfilt, teardown,
     "naive_sosfiltfilt_1h_64hz"},
    {"sosfilt_24h_64hz", H24, 64, setup_sos, run_sosfilt, teardown, NULL},
    {"sosfiltfilt_24h_64hz", H24, 64, setup_sos, run_sosfiltfilt, teardown, NULL},
    {"sosfiltfilt_8s_64hz", 512, 64, setup_sos, run_sosfiltfilt, teardown, NULL},
    {"sosfiltfilt_8s_125hz", 1000, 125, setup_sos, run_sosfiltfilt, teardown, NULL},
    {"sosfiltfilt_8s_256hz", 2048, 256, setup_sos, run_sosfiltfilt, teardown, NULL},
    {"welch_8s_64hz", 512, 64, setup_welch_8s, run_welch, teardown, NULL},
    {"welch_8s_125hz", 1000, 125, setup_welch_8s, run_welch, teardown, NULL},
    {"welch_8s_256hz", 2048, 256, setup_welch_8s, run_welch, teardown, NULL},
    {"welch_1h_64hz", H1, 64, setup_welch_long, run_welch, teardown, NULL},
    {"welch_24h_64hz", H24, 64, setup_welch_long, run_welch, teardown, NULL},
    {"spectrogram_1h_64hz", H1, 64, setup_spectrogram, run_spectrogram, teardown, NULL},
    {"peaks_1h_64hz", H1, 64, setup_peaks, run_peaks, teardown, NULL},
    {"resample_1h_125to64hz", 450000, 125, setup_resample_125to64, run_resample, teardown, NULL},
    {"resample_1h_64to32hz", H1, 64, setup_resample_64to32, run_resample, teardown, NULL},
    {"interp_1h_64hz", H1, 64, setup_interp, run_interp, teardown, NULL},
    {"naive_movmean_1h_64hz", H1, 64, setup_movmean, run_naive_movmean, teardown, NULL},
    {"movmean_1h_64hz", H1, 64, setup_movmean, run_mov, teardown, "naive_movmean_1h_64hz"},
    {"movstd_1h_64hz", H1, 64, setup_movstd, run_mov, teardown, NULL},
    {"movmedian_1h_64hz", H1, 64, setup_movmedian, run_mov, teardown, NULL},
    {"expfit_300s", 300, 1, setup_fit, run_fit, teardown, NULL},
    {"t30_300s", 300, 1, setup_fit, run_t30, teardown, NULL},
    {NULL, 0, 0, NULL, NULL, NULL, NULL},
};
