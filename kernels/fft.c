/* SPDX-License-Identifier: GPL-2.0-or-later
 * fft.c — real FFT of any length on FFTW3 (Frigo & Johnson 2005), planned once.
 *
 * Plans are FFTW's plain interleaved r2c / c2r: its split-array (guru split) r2c codelets
 * measured 2.0-2.6x slower than the interleaved ones at 512-2048 points, so the transform
 * runs interleaved into the object's buffer and the split re/im of our API is a copy
 * (nfreq pairs, a few percent of the transform). Input x is used in place when its SIMD
 * alignment equals the planning buffer's (FFTW's new-array execute rule, manual 4.6),
 * else copied. No alignment contract for callers either way.
 *
 * This file holds every call into the FFTW planner, all under planner_lock. */
#include "pulsetrain/fft.h"

#include <fftw3.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/fft_impl.h"

/* The one sanctioned mutable static (STYLE.md): FFTW's planner keeps global state and
 * is not thread-safe, so every plan/destroy/wisdom call is serialized here.
 * fftw_execute_* never takes it. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

struct pt_fft {
    size_t n, nfreq;
    fftw_plan fwd;    /* r2c: in -> c                                  */
    fftw_plan inv;    /* c2r: c2 -> out (destroys c2)                  */
    double *in;       /* [n]  planning/bounce buffers (fftw_malloc)    */
    fftw_complex *c;  /* [nfreq] forward output, interleaved          */
    fftw_complex *c2; /* [nfreq] inverse input (c2r destroys it)       */
    double *out;      /* [n]                                           */
    int align;        /* fftw_alignment_of() of the planning buffers */
};

pt_fft *pt_fft_create(size_t n, pt_fft_rigor rigor, pt_error *err)
{
    if (n < 1 || n > INT_MAX) {
        pt_error_set(err, PT_EINVAL, "pt_fft_create: length %zu outside 1..%d", n, INT_MAX);
        return NULL;
    }
    if (rigor != PT_FFT_ESTIMATE && rigor != PT_FFT_MEASURE) {
        pt_error_set(err, PT_EINVAL, "pt_fft_create: unknown rigor %d", (int)rigor);
        return NULL;
    }
    pt_fft *f = calloc(1, sizeof *f);
    if (!f) {
        pt_error_set(err, PT_ENOMEM, "pt_fft_create: out of memory (n = %zu)", n);
        return NULL;
    }
    f->n = n;
    f->nfreq = n / 2 + 1;
    f->in = fftw_alloc_real(n);
    f->out = fftw_alloc_real(n);
    f->c = fftw_alloc_complex(f->nfreq);
    f->c2 = fftw_alloc_complex(f->nfreq);
    if (!f->in || !f->out || !f->c || !f->c2) {
        pt_fft_destroy(f);
        pt_error_set(err, PT_ENOMEM, "pt_fft_create: out of memory (n = %zu)", n);
        return NULL;
    }
    memset(f->in, 0, n * sizeof *f->in);
    memset(f->c2, 0, f->nfreq * sizeof *f->c2);
    f->align = fftw_alignment_of(f->in);
    unsigned flags = rigor == PT_FFT_MEASURE ? FFTW_MEASURE : FFTW_ESTIMATE;
    pthread_mutex_lock(&planner_lock);
    /* MEASURE overwrites the arrays while planning; they are zeroed again below. */
    f->fwd = fftw_plan_dft_r2c_1d((int)n, f->in, f->c, flags);
    f->inv = fftw_plan_dft_c2r_1d((int)n, f->c2, f->out, flags | FFTW_DESTROY_INPUT);
    pthread_mutex_unlock(&planner_lock);
    memset(f->in, 0, n * sizeof *f->in);
    if (!f->fwd || !f->inv) {
        pt_fft_destroy(f);
        pt_error_set(err, PT_EINTERNAL, "pt_fft_create: FFTW returned no plan for n = %zu", n);
        return NULL;
    }
    return f;
}

size_t pt_fft_n(const pt_fft *f)
{
    return f->n;
}

size_t pt_fft_nfreq(const pt_fft *f)
{
    return f->nfreq;
}

static int same_align(const pt_fft *f, const double *p)
{
    return fftw_alignment_of((double *)(size_t)p) == f->align;
}

/* Transform x into f->c (x used in place when aligned like the planning buffer). */
static void forward(pt_fft *f, const double *x)
{
    /* r2c out of place preserves its input (FFTW manual 4.3.2), so the cast is safe. */
    double *xin = (double *)(size_t)x;
    if (!same_align(f, x)) {
        memcpy(f->in, x, f->n * sizeof *x);
        xin = f->in;
    }
    fftw_execute_dft_r2c(f->fwd, xin, f->c);
}

int pt_fft_forward(pt_fft *f, const double *x, double *re, double *im)
{
    if (!f || !x || !re || !im)
        return PT_EINVAL;
    forward(f, x);
    fftw_complex *c = f->c;
    for (size_t k = 0; k < f->nfreq; k++) {
        re[k] = c[k][0];
        im[k] = c[k][1];
    }
    return PT_OK;
}

int pt_fft_inverse(pt_fft *f, const double *re, const double *im, double *x)
{
    if (!f || !re || !im || !x)
        return PT_EINVAL;
    size_t n = f->n, nf = f->nfreq;
    for (size_t k = 0; k < nf; k++) {
        f->c2[k][0] = re[k];
        f->c2[k][1] = im[k];
    }
    /* numpy irfft ignores the imaginary part of DC and (even n) Nyquist. */
    f->c2[0][1] = 0.0;
    if (n % 2 == 0)
        f->c2[nf - 1][1] = 0.0;
    double *xo = same_align(f, x) ? x : f->out;
    fftw_execute_dft_c2r(f->inv, f->c2, xo);
    double s = 1.0 / (double)n;
    for (size_t i = 0; i < n; i++)
        x[i] = xo[i] * s;
    return PT_OK;
}

int pt_fft_power(pt_fft *f, const double *x, double *p)
{
    if (!f || !x || !p)
        return PT_EINVAL;
    forward(f, x);
    fftw_complex *c = f->c;
    for (size_t k = 0; k < f->nfreq; k++)
        p[k] = c[k][0] * c[k][0] + c[k][1] * c[k][1];
    return PT_OK;
}

void pt_fft_destroy(pt_fft *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&planner_lock);
    if (f->fwd)
        fftw_destroy_plan(f->fwd);
    if (f->inv)
        fftw_destroy_plan(f->inv);
    pthread_mutex_unlock(&planner_lock);
    fftw_free(f->in);
    fftw_free(f->out);
    fftw_free(f->c);
    fftw_free(f->c2);
    free(f);
}

int pt_fft_wisdom_import(const char *path, pt_error *err)
{
    if (!path)
        return pt_error_set(err, PT_EINVAL, "pt_fft_wisdom_import: NULL path");
    FILE *fp = fopen(path, "r");
    if (!fp)
        return pt_error_set(err, PT_EIO, "%s: cannot open FFTW wisdom for reading", path);
    pthread_mutex_lock(&planner_lock);
    int ok = fftw_import_wisdom_from_file(fp);
    pthread_mutex_unlock(&planner_lock);
    fclose(fp);
    if (!ok)
        return pt_error_set(err, PT_EFORMAT, "%s: not an FFTW wisdom file", path);
    return PT_OK;
}

int pt_fft_wisdom_export(const char *path, pt_error *err)
{
    if (!path)
        return pt_error_set(err, PT_EINVAL, "pt_fft_wisdom_export: NULL path");
    FILE *fp = fopen(path, "w");
    if (!fp)
        return pt_error_set(err, PT_EIO, "%s: cannot open FFTW wisdom for writing", path);
    pthread_mutex_lock(&planner_lock);
    fftw_export_wisdom_to_file(fp);
    pthread_mutex_unlock(&planner_lock);
    if (fclose(fp) != 0)
        return pt_error_set(err, PT_EIO, "%s: write of FFTW wisdom failed", path);
    return PT_OK;
}

/* Internal: the half spectrum without copies, for the Welch/spectrogram kernels:
 * interleaved (re, im) pairs [2*nfreq], valid until the next call on f. */
const double *pt_fft_forward_internal(pt_fft *f, const double *x)
{
    forward(f, x);
    return &f->c[0][0];
}

/* Internal: the object's fftw_malloc input buffer [n], for callers that build a segment
 * in place (saves one copy). */
double *pt_fft_inbuf(pt_fft *f)
{
    return f->in;
}
