/* SPDX-License-Identifier: GPL-2.0-or-later
 * butter.c — digital Butterworth design as second-order sections, a line-by-line port of
 * scipy 1.10's butter(..., output='sos'): analog prototype poles, lp2{lp,hp,bp,bs}_zpk,
 * pre-warped bilinear transform (fs = 2), zpk2sos with 'nearest' pole-zero pairing.
 * Method: bilinear transform with frequency pre-warping (Oppenheim & Schafer 2010, 7.1). */
#include <complex.h>
#ifndef CMPLX /* clang 14 with glibc: no CMPLX; exact for the finite values used here */
#define CMPLX(x, y) ((double complex)((double)(x) + I * (double)(y)))
#endif
#include <math.h>
#include <string.h>

#include "pulsetrain/sos.h"

#define MAXR 48 /* 2 * max order (10) * 2 + padding */

typedef double complex cplx;

size_t pt_butter_nsec(int order, pt_band band)
{
    if (order < 1 || order > 10)
        return 0;
    switch (band) {
    case PT_BAND_LOWPASS:
    case PT_BAND_HIGHPASS: return (size_t)(order + 1) / 2;
    case PT_BAND_BANDPASS:
    case PT_BAND_BANDSTOP: return (size_t)order;
    }
    return 0;
}

static int is_real(cplx z)
{
    return cimag(z) == 0.0;
}

static void del_at(cplx *a, size_t *n, size_t i)
{
    if (i + 1 < *n) /* (the guard also tells gcc -O3 the length cannot wrap) */
        memmove(a + i, a + i + 1, (*n - i - 1) * sizeof *a);
    (*n)--;
}

/* scipy _cplxreal: conjugate pairs (one of each, +imag half, averaged) first, then reals,
 * each sorted as scipy sorts them. Returns the new count. */
static size_t cplxreal(cplx *z, size_t n)
{
    const double tol = 100 * 2.220446049250313e-16;
    /* lexsort((|imag|, real)): stable insertion sort by real, then |imag| */
    for (size_t i = 1; i < n; i++) {
        cplx v = z[i];
        size_t j = i;
        while (j > 0 && (creal(z[j - 1]) > creal(v) ||
                         (creal(z[j - 1]) == creal(v) && fabs(cimag(z[j - 1])) > fabs(cimag(v))))) {
            z[j] = z[j - 1];
            j--;
        }
        z[j] = v;
    }
    cplx zr[MAXR], zp[MAXR], zn[MAXR];
    size_t nr = 0, np_ = 0, nn = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(cimag(z[i])) <= tol * cabs(z[i]))
            zr[nr++] = creal(z[i]);
        else if (cimag(z[i]) > 0)
            zp[np_++] = z[i];
        else
            zn[nn++] = z[i];
    }
    /* runs of (nearly) equal real part, sorted by |imag| (both halves) */
    size_t s = 0;
    while (s < np_) {
        size_t e = s;
        while (e + 1 < np_ && creal(zp[e + 1]) - creal(zp[e]) <= tol * cabs(zp[e]))
            e++;
        for (int h = 0; h < 2; h++) {
            cplx *c = h ? zn : zp;
            for (size_t i = s + 1; i <= e && i < (h ? nn : np_); i++) {
                cplx v = c[i];
                size_t j = i;
                while (j > s && fabs(cimag(c[j - 1])) > fabs(cimag(v))) {
                    c[j] = c[j - 1];
                    j--;
                }
                c[j] = v;
            }
        }
        s = e + 1;
    }
    size_t k = 0;
    for (size_t i = 0; i < np_ && i < nn; i++)
        z[k++] = (zp[i] + conj(zn[i])) / 2;
    for (size_t i = 0; i < nr; i++)
        z[k++] = zr[i];
    return k;
}

/* argmin |1 - |p||, first occurrence (digital "worst" pole: closest to the unit circle) */
static size_t idx_worst(const cplx *p, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (fabs(1 - cabs(p[i])) < fabs(1 - cabs(p[best])))
            best = i;
    return best;
}

/* scipy _nearest_real_complex_idx with a stable argsort; which: 0 any, 1 real, 2 complex */
static size_t nearest_idx(const cplx *z, size_t n, cplx to, int which)
{
    size_t best = n;
    for (size_t i = 0; i < n; i++) {
        if ((which == 1 && !is_real(z[i])) || (which == 2 && is_real(z[i])))
            continue;
        if (best == n || cabs(z[i] - to) < cabs(z[best] - to))
            best = i;
    }
    return best;
}

/* coefficients of prod (1 - r_i z^-1) for up to two roots, right-aligned in c[3] */
static void poly2(const cplx *r, size_t nr, double *c)
{
    cplx a[3] = {1, 0, 0};
    for (size_t k = 0; k < nr; k++) { /* numpy.poly: convolve with [1, -r] */
        cplx na[3] = {a[0], a[1] - r[k] * a[0], a[2] - r[k] * a[1]};
        memcpy(a, na, sizeof a);
    }
    c[0] = c[1] = c[2] = 0;
    for (size_t k = 0; k <= nr; k++)
        c[3 - (nr + 1) + k] = creal(a[k]);
}

static void single_sos(const cplx *z, size_t nz, const cplx *p, size_t np_, double *row)
{
    poly2(z, nz, row);
    poly2(p, np_, row + 3);
}

/* scipy zpk2sos(z, p, k, pairing='nearest') for a digital filter with len(z) == len(p). */
static void zpk2sos(cplx *z, size_t nz, cplx *p, size_t np_, double k, double *sos, size_t nsec)
{
    if (np_ % 2 == 1) {
        p[np_++] = 0;
        z[nz++] = 0;
    }
    nz = cplxreal(z, nz);
    np_ = cplxreal(p, np_);
    memset(sos, 0, nsec * 6 * sizeof *sos);
    for (size_t si = nsec; si-- > 0;) {
        double *row = sos + 6 * si;
        size_t i1 = idx_worst(p, np_);
        cplx p1 = p[i1];
        del_at(p, &np_, i1);
        size_t nreal_p = 0, nreal_z = 0;
        for (size_t i = 0; i < np_; i++)
            nreal_p += is_real(p[i]);
        for (size_t i = 0; i < nz; i++)
            nreal_z += is_real(z[i]);
        if (is_real(p1) && nreal_p == 0) {
            /* special case 1: last remaining real pole */
            size_t zi = nearest_idx(z, nz, p1, 1);
            cplx zz[2] = {z[zi], 0}, pp[2] = {p1, 0};
            del_at(z, &nz, zi);
            single_sos(zz, 2, pp, 2, row);
        } else if (np_ + 1 == nz && !is_real(p1) && nreal_p == 1 && nreal_z == 1) {
            /* special case 2: must pair with a complex zero */
            size_t zi = nearest_idx(z, nz, p1, 2);
            cplx zz[2] = {z[zi], conj(z[zi])}, pp[2] = {p1, conj(p1)};
            del_at(z, &nz, zi);
            single_sos(zz, 2, pp, 2, row);
        } else {
            cplx p2;
            if (is_real(p1)) {
                cplx pr[MAXR];
                size_t idx[MAXR] = {0}, nr = 0;
                for (size_t i = 0; i < np_; i++)
                    if (is_real(p[i])) {
                        idx[nr] = i;
                        pr[nr++] = p[i];
                    }
                size_t i2 = idx[idx_worst(pr, nr)];
                p2 = p[i2];
                del_at(p, &np_, i2);
            } else {
                p2 = conj(p1);
            }
            cplx pp[2] = {p1, p2};
            if (nz > 0) {
                size_t zi = nearest_idx(z, nz, p1, 0);
                cplx z1 = z[zi];
                del_at(z, &nz, zi);
                if (!is_real(z1)) {
                    cplx zz[2] = {z1, conj(z1)};
                    single_sos(zz, 2, pp, 2, row);
                } else if (nz > 0) {
                    size_t zj = nearest_idx(z, nz, p1, 1);
                    cplx zz[2] = {z1, z[zj]};
                    del_at(z, &nz, zj);
                    single_sos(zz, 2, pp, 2, row);
                } else {
                    single_sos(&z1, 1, pp, 2, row);
                }
            } else {
                single_sos(NULL, 0, pp, 2, row);
            }
        }
    }
    sos[0] *= k;
    sos[1] *= k;
    sos[2] *= k;
}

int pt_butter_sos(int order, pt_band band, double f1_hz, double f2_hz, double fs_hz, double *sos,
                  pt_error *err)
{
    size_t nsec = pt_butter_nsec(order, band);
    if (nsec == 0)
        return pt_error_set(err, PT_EINVAL,
                            "pt_butter_sos: order %d or band %d invalid "
                            "(order 1..10, band a pt_band)",
                            order, (int)band);
    if (!sos)
        return pt_error_set(err, PT_EINVAL, "pt_butter_sos: NULL output");
    if (!(fs_hz > 0) || !isfinite(fs_hz))
        return pt_error_set(err, PT_EINVAL, "pt_butter_sos: sample rate %g Hz must be > 0", fs_hz);
    int two = band == PT_BAND_BANDPASS || band == PT_BAND_BANDSTOP;
    double nyq = fs_hz / 2;
    if (!(f1_hz > 0 && f1_hz < nyq) || (two && !(f2_hz > 0 && f2_hz < nyq)))
        return pt_error_set(err, PT_EINVAL,
                            "pt_butter_sos: critical frequencies must be "
                            "0 < f < fs/2 (fs=%g -> fs/2=%g), got %g%s%g Hz",
                            fs_hz, nyq, f1_hz, two ? ", " : "", two ? f2_hz : 0.0);
    if (two && !(f1_hz < f2_hz))
        return pt_error_set(err, PT_EINVAL,
                            "pt_butter_sos: band edges must satisfy f1 < f2, "
                            "got %g, %g Hz",
                            f1_hz, f2_hz);
    const double pi = 3.14159265358979323846;
    const int N = order;
    /* pre-warp with fs = 2, as scipy iirfilter */
    double w1 = 4 * tan(pi * (2 * f1_hz / fs_hz) / 2);
    double w2 = two ? 4 * tan(pi * (2 * f2_hz / fs_hz) / 2) : 0;
    cplx proto[10];
    for (int i = 0; i < N; i++) { /* buttap: middle value m = 0 gives an exactly real pole */
        double m = -N + 1 + 2 * i;
        proto[i] = -cexp(CMPLX(0.0, pi * m / (2 * N)));
        if (m == 0)
            proto[i] = -1.0;
    }
    cplx z[MAXR], p[MAXR];
    size_t nz = 0, np_ = 0;
    double k = 1;
    cplx prodp = 1;
    switch (band) {
    case PT_BAND_LOWPASS:
        for (int i = 0; i < N; i++)
            p[np_++] = w1 * proto[i];
        k = pow(w1, N);
        break;
    case PT_BAND_HIGHPASS:
        for (int i = 0; i < N; i++) {
            p[np_++] = w1 / proto[i];
            prodp *= -proto[i];
        }
        for (int i = 0; i < N; i++)
            z[nz++] = 0;
        k = creal(1 / prodp);
        break;
    case PT_BAND_BANDPASS: {
        double bw = w2 - w1, wo = sqrt(w1 * w2);
        for (int i = 0; i < N; i++) {
            cplx pl = proto[i] * bw / 2;
            p[np_++] = pl + csqrt(pl * pl - wo * wo);
        }
        for (int i = 0; i < N; i++) {
            cplx pl = proto[i] * bw / 2;
            p[np_++] = pl - csqrt(pl * pl - wo * wo);
        }
        for (int i = 0; i < N; i++)
            z[nz++] = 0;
        k = pow(bw, N);
        break;
    }
    case PT_BAND_BANDSTOP: {
        double bw = w2 - w1, wo = sqrt(w1 * w2);
        for (int i = 0; i < N; i++) {
            cplx ph = (bw / 2) / proto[i];
            p[np_++] = ph + csqrt(ph * ph - wo * wo);
            prodp *= -proto[i];
        }
        for (int i = 0; i < N; i++) {
            cplx ph = (bw / 2) / proto[i];
            p[np_++] = ph - csqrt(ph * ph - wo * wo);
        }
        for (int i = 0; i < N; i++)
            z[nz++] = CMPLX(0.0, wo);
        for (int i = 0; i < N; i++)
            z[nz++] = CMPLX(0.0, -wo);
        k = creal(1 / prodp);
        break;
    }
    }
    /* bilinear_zpk with fs = 2 */
    const double fs2 = 4.0;
    cplx num = 1, den = 1;
    for (size_t i = 0; i < nz; i++) {
        num *= fs2 - z[i];
        z[i] = (fs2 + z[i]) / (fs2 - z[i]);
    }
    for (size_t i = 0; i < np_; i++) {
        den *= fs2 - p[i];
        p[i] = (fs2 + p[i]) / (fs2 - p[i]);
    }
    while (nz < np_)
        z[nz++] = -1.0; /* zeros at infinity go to Nyquist */
    k *= creal(num / den);
    zpk2sos(z, nz, p, np_, k, sos, nsec);
    return PT_OK;
}
