/* SPDX-License-Identifier: GPL-2.0-or-later
 * fft.c — real FFT of any length on FFTW3 (Frigo & Johnson 2005), planned once.
 *
 * Plans use FFTW's split-complex guru interface (re and im in separate arrays, as our API).
 * FFTW's new-array execute needs the same SIMD alignment and, for split arrays, the same
 * distance im - re as at planning (FFTW manual 4.6), so the planning buffer holds re and im
 * back to back: a caller passing x aligned like fftw_malloc and im == re + nfreq (one
 * array of 2*nfreq) gets a zero-copy transform; any other layout goes through the
 * object's own buffers with a copy. No alignment contract either way.
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
    fftw_plan fwd; /* split r2c: in -> re, im            */
    fftw_plan inv; /* split c2r: re2, im2 -> out (destroys re2, im2) */
    double *in;    /* [n]      planning/bounce buffers (fftw_malloc) */
    double *re;    /* [2*nfreq] re then im */
    double *im;    /* = re + nfreq */
    double *re2;   /* [2*nfreq] inverse input copy (c2r destroys its input), re then im */
    double *im2;   /* = re2 + nfreq */
    double *out;   /* [n]      */
    int align;     /* fftw_alignment_of() of the planning buffers */
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
    f->re = fftw_alloc_real(2 * f->nfreq);
    f->re2 = fftw_alloc_real(2 * f->nfreq);
    if (!f->in || !f->out || !f->re || !f->re2) {
        pt_fft_destroy(f);
        pt_error_set(err, PT_ENOMEM, "pt_fft_create: out of memory (n = %zu)", n);
        return NULL;
    }
    memset(f->in, 0, n * sizeof *f->in);
    f->im = f->re + f->nfreq;
    f->im2 = f->re2 + f->nfreq;
    memset(f->re2, 0, 2 * f->nfreq * sizeof *f->re2);
    f->align = fftw_alignment_of(f->in);
    unsigned flags = rigor == PT_FFT_MEASURE ? FFTW_MEASURE : FFTW_ESTIMATE;
    fftw_iodim dim = {(int)n, 1, 1};
    pthread_mutex_lock(&planner_lock);
    f->fwd = fftw_plan_guru_split_dft_r2c(1, &dim, 0, NULL, f->in, f->re, f->im, flags);
    f->inv = fftw_plan_guru_split_dft_c2r(1, &dim, 0, NULL, f->re2, f->im2, f->out,
                                          flags | FFTW_DESTROY_INPUT);
    pthread_mutex_unlock(&planner_lock);
    if (!f->fwd || !f->inv) {
        pt_fft_destroy(f);
        pt_error_set(err, PT_EINTERNAL, "pt_fft_create: FFTW returned no plan for n = %zu", n);
        return NULL;
    }
    return f;
}

size_t pt_fft_n(const pt_fft *f) { return f->n; }

size_t pt_fft_nfreq(const pt_fft *f) { return f->nfreq; }

static int same_align(const pt_fft *f, const double *p)
{
    return fftw_alignment_of((double *)(size_t)p) == f->align;
}

int pt_fft_forward(pt_fft *f, const double *x, double *re, double *im)
{
    if (!f || !x || !re || !im)
        return PT_EINVAL;
    /* r2c out of place preserves its input (FFTW manual 4.3.2), so the cast is safe. */
    double *xin = (double *)(size_t)x;
    if (!same_align(f, x)) {
        memcpy(f->in, x, f->n * sizeof *x);
        xin = f->in;
    }
    if (same_align(f, re) && im == re + f->nfreq) {
        fftw_execute_split_dft_r2c(f->fwd, xin, re, im);
    } else {
        fftw_execute_split_dft_r2c(f->fwd, xin, f->re, f->im);
        memcpy(re, f->re, f->nfreq * sizeof *re);
        memcpy(im, f->im, f->nfreq * sizeof *im);
    }
    return PT_OK;
}

int pt_fft_inverse(pt_fft *f, const double *re, const double *im, double *x)
{
    if (!f || !re || !im || !x)
        return PT_EINVAL;
    size_t n = f->n, nf = f->nfreq;
    memcpy(f->re2, re, nf * sizeof *re);
    memcpy(f->im2, im, nf * sizeof *im);
    /* numpy irfft ignores the imaginary part of DC and (even n) Nyquist. */
    f->im2[0] = 0.0;
    if (n % 2 == 0)
        f->im2[nf - 1] = 0.0;
    double *xo = same_align(f, x) ? x : f->out;
    fftw_execute_split_dft_c2r(f->inv, f->re2, f->im2, xo);
    double s = 1.0 / (double)n;
    for (size_t i = 0; i < n; i++)
        x[i] = xo[i] * s;
    return PT_OK;
}

int pt_fft_power(pt_fft *f, const double *x, double *p)
{
    if (!f || !x || !p)
        return PT_EINVAL;
    double *xin = (double *)(size_t)x;
    if (!same_align(f, x)) {
        memcpy(f->in, x, f->n * sizeof *x);
        xin = f->in;
    }
    fftw_execute_split_dft_r2c(f->fwd, xin, f->re, f->im);
    const double *re = f->re, *im = f->im;
    for (size_t k = 0; k < f->nfreq; k++)
        p[k] = re[k] * re[k] + im[k] * im[k];
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
    fftw_free(f->re);
    fftw_free(f->re2);
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

/* Internal: raw access for the Welch/spectrogram kernels, which need the half spectrum
 * without copies. Returns pointers to the object's own re/im buffers after the transform. */
void pt_fft_forward_internal(pt_fft *f, const double *x, const double **re, const double **im)
{
    double *xin = (double *)(size_t)x;
    if (!same_align(f, x)) {
        memcpy(f->in, x, f->n * sizeof *x);
        xin = f->in;
    }
    fftw_execute_split_dft_r2c(f->fwd, xin, f->re, f->im);
    *re = f->re;
    *im = f->im;
}

/* Internal: the object's fftw_malloc input buffer [n], for callers that build a segment
 * in place (saves one copy). */
double *pt_fft_inbuf(pt_fft *f) { return f->in; }
