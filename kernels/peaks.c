/* SPDX-License-Identifier: GPL-2.0-or-later
 * peaks.c — scipy.signal.find_peaks (height, distance, prominence): a port of scipy 1.10's
 * _local_maxima_1d, _select_by_peak_distance and _peak_prominences (_peak_finding_utils.pyx).
 * Method: topographic prominence (scipy; Llamedo Soria 2016 for the definition). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pulsetrain/peaks.h"

struct keyed {
    double key;
    size_t pos;
};

struct pt_peaks {
    pt_peaks_config cfg;
    size_t max_n, cap;
    size_t *cand;          /* [cap] candidate peaks */
    size_t *order;         /* [cap] argsort by height */
    struct keyed *ka, *kb; /* [cap] (height, position) pairs for the sort */
    unsigned char *keep;   /* [cap] */
    double *prom;          /* [cap] */
};

pt_peaks_config pt_peaks_defaults(void)
{
    pt_peaks_config c = {-HUGE_VAL, HUGE_VAL, 1.0, -HUGE_VAL, HUGE_VAL};
    return c;
}

size_t pt_peaks_capacity(size_t n)
{
    return n / 2 + 1;
}

pt_peaks *pt_peaks_create(const pt_peaks_config *cfg, size_t max_n, pt_error *err)
{
    if (!cfg || max_n < 1) {
        pt_error_set(err, PT_EINVAL, "pt_peaks_create: need a config and max_n >= 1");
        return NULL;
    }
    if (!(cfg->distance >= 1) || isnan(cfg->height_min) || isnan(cfg->height_max) ||
        cfg->height_min > cfg->height_max || isnan(cfg->prominence_min) ||
        isnan(cfg->prominence_max) || cfg->prominence_min > cfg->prominence_max) {
        pt_error_set(err, PT_EINVAL,
                     "pt_peaks_create: invalid conditions (distance %g must be "
                     ">= 1; height [%g, %g] and prominence [%g, %g] need min <= max)",
                     cfg->distance, cfg->height_min, cfg->height_max, cfg->prominence_min,
                     cfg->prominence_max);
        return NULL;
    }
    if (max_n > SIZE_MAX / 2 / sizeof(size_t)) {
        pt_error_set(err, PT_EINVAL, "pt_peaks_create: max_n %zu too large", max_n);
        return NULL;
    }
    pt_peaks *p = calloc(1, sizeof *p);
    if (!p) {
        pt_error_set(err, PT_ENOMEM, "pt_peaks_create: out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    p->max_n = max_n;
    p->cap = pt_peaks_capacity(max_n);
    /* scratch only for the conditions asked for: a call with them all is 7 x cap words,
     * which the allocator maps and the first touch faults in, call after call */
    int dist = cfg->distance > 1,
        prom = cfg->prominence_min > -HUGE_VAL || cfg->prominence_max < HUGE_VAL;
    p->cand = malloc(p->cap * sizeof *p->cand);
    if (dist) {
        p->order = malloc(p->cap * sizeof *p->order);
        p->ka = malloc(p->cap * sizeof *p->ka);
        p->kb = malloc(p->cap * sizeof *p->kb);
        p->keep = malloc(p->cap);
    }
    if (prom)
        p->prom = malloc(p->cap * sizeof *p->prom);
    if (!p->cand || (dist && (!p->order || !p->ka || !p->kb || !p->keep)) || (prom && !p->prom)) {
        pt_peaks_destroy(p);
        pt_error_set(err, PT_ENOMEM, "pt_peaks_create: out of memory (max_n = %zu)", max_n);
        return NULL;
    }
    return p;
}

/* Stable argsort of the candidates by height (numpy argsort kind='stable', as scipy's
 * distance rule needs): a bottom-up merge sort of (height, position) pairs, keys kept
 * next to their positions so that comparisons do not chase x[pk[ord[i]]]. */
static void msort(size_t *ord, struct keyed *a, struct keyed *b, size_t m, const double *x,
                  const size_t *pk)
{
    for (size_t j = 0; j < m; j++) {
        a[j].key = x[pk[j]];
        a[j].pos = j;
    }
    for (size_t w = 1; w < m; w *= 2) {
        for (size_t lo = 0; lo < m; lo += 2 * w) {
            size_t mid = lo + w < m ? lo + w : m, hi = lo + 2 * w < m ? lo + 2 * w : m;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                b[k++] = a[j].key < a[i].key ? a[j++] : a[i++];
            while (i < mid)
                b[k++] = a[i++];
            while (j < hi)
                b[k++] = a[j++];
        }
        struct keyed *t = a;
        a = b;
        b = t;
    }
    for (size_t j = 0; j < m; j++)
        ord[j] = a[j].pos;
}

static double prominence1(const double *x, size_t n, size_t pk, size_t *lb, size_t *rb)
{
    double xp = x[pk], lmin = xp, rmin = xp;
    size_t l = pk, r = pk;
    for (ptrdiff_t i = (ptrdiff_t)pk; i >= 0 && x[i] <= xp; i--)
        if (x[i] < lmin) {
            lmin = x[i];
            l = (size_t)i;
        }
    for (size_t i = pk; i < n && x[i] <= xp; i++)
        if (x[i] < rmin) {
            rmin = x[i];
            r = i;
        }
    if (lb)
        *lb = l;
    if (rb)
        *rb = r;
    return xp - (lmin > rmin ? lmin : rmin);
}

int pt_peak_prominences(const double *x, size_t n, const size_t *peaks, size_t npk, double *prom,
                        size_t *left_base, size_t *right_base)
{
    if ((npk && (!x || !peaks || !prom)))
        return PT_EINVAL;
    for (size_t i = 0; i < npk; i++) {
        if (peaks[i] >= n)
            return PT_EINVAL;
        prom[i] = prominence1(x, n, peaks[i], left_base ? left_base + i : NULL,
                              right_base ? right_base + i : NULL);
    }
    return PT_OK;
}

int pt_peaks_execute(pt_peaks *p, const double *x, size_t n, size_t *idx, double *prominence,
                     size_t *npeaks)
{
    if (!p || !idx || !npeaks || (n && !x) || n > p->max_n)
        return PT_EINVAL;
    size_t m = 0;
    /* _local_maxima_1d: strict rise, optional plateau, strict fall */
    size_t i = 1, imax = n ? n - 1 : 0;
    while (i < imax) {
        if (x[i - 1] < x[i]) {
            size_t ia = i + 1;
            while (ia < imax && x[ia] == x[i])
                ia++;
            if (x[ia] < x[i]) {
                p->cand[m++] = (i + ia - 1) / 2;
                i = ia;
            }
        }
        i++;
    }
    const pt_peaks_config *c = &p->cfg;
    /* height */
    if (c->height_min > -HUGE_VAL || c->height_max < HUGE_VAL) {
        size_t k = 0;
        for (size_t j = 0; j < m; j++) {
            double h = x[p->cand[j]];
            if (c->height_min <= h && h <= c->height_max)
                p->cand[k++] = p->cand[j];
        }
        m = k;
    }
    /* distance: visit peaks from highest, drop lower neighbours closer than ceil(distance) */
    if (c->distance > 1 && m > 1) {
        double dist = ceil(c->distance);
        for (size_t j = 0; j < m; j++) {
            p->order[j] = j;
            p->keep[j] = 1;
        }
        msort(p->order, p->ka, p->kb, m, x, p->cand);
        for (size_t r = m; r-- > 0;) {
            size_t j = p->order[r];
            if (!p->keep[j])
                continue;
            for (ptrdiff_t k = (ptrdiff_t)j - 1; k >= 0 && (double)(p->cand[j] - p->cand[k]) < dist;
                 k--)
                p->keep[k] = 0;
            for (size_t k = j + 1; k < m && (double)(p->cand[k] - p->cand[j]) < dist; k++)
                p->keep[k] = 0;
        }
        size_t k = 0;
        for (size_t j = 0; j < m; j++)
            if (p->keep[j])
                p->cand[k++] = p->cand[j];
        m = k;
    }
    /* prominence */
    int want_prom = c->prominence_min > -HUGE_VAL || c->prominence_max < HUGE_VAL;
    if (want_prom || prominence) {
        double *pr = prominence ? prominence : p->prom; /* the output, else the scratch */
        for (size_t j = 0; j < m; j++)
            pr[j] = prominence1(x, n, p->cand[j], NULL, NULL);
        if (want_prom) {
            size_t k = 0;
            for (size_t j = 0; j < m; j++)
                if (c->prominence_min <= pr[j] && pr[j] <= c->prominence_max) {
                    p->cand[k] = p->cand[j];
                    pr[k++] = pr[j];
                }
            m = k;
        }
    }
    memcpy(idx, p->cand, m * sizeof *idx);
    *npeaks = m;
    return PT_OK;
}

void pt_peaks_destroy(pt_peaks *p)
{
    if (!p)
        return;
    free(p->cand);
    free(p->order);
    free(p->ka);
    free(p->kb);
    free(p->keep);
    free(p->prom);
    free(p);
}
