/* SPDX-License-Identifier: GPL-2.0-or-later
 * eval_same_steps.c — the numpy/scipy baseline's steps (bench/baseline_scipy.py), done
 * with pulsetrain's reader and kernels, for a like-for-like speed ratio:
 *   read the CSV; Butterworth band-pass 0.5-4 Hz order 4, zero-phase (chunked, equal to
 *   whole-signal sosfiltfilt to 1e-9); per 8 s window every 2 s the Welch PSD (4 s Hann
 *   segments, 50 % overlap, nfft 2048) and its peak in 40-220 bpm; ENMO and MAD per 5 s.
 *
 * The windows step by one segment step (2 s), so each 4 s segment is shared by three
 * windows: its periodogram (Welch 1967: constant detrend, window and FFT are per segment)
 * is computed once and each window averages its three, in the order pt_welch_execute
 * sums them, with the same scale: the PSD is bit for bit pt_welch's (checked against it
 * with --check), at a third of the FFTs. scipy.signal.welch on the stacked windows
 * computes every segment of every window.
 *
 *   pt-eval-same_steps REC.csv [OUT.csv] [--check] [-j 1|2]
 *     --check : also run pt_welch_execute on every window and count PSDs that differ
 *     -j 2    : (default) read and parse the CSV on a second thread, NSLOT blocks ahead of
 *               the DSP on the main thread; -j 1: both on one thread. Wall and CPU are
 *               printed separately (CPU = both threads).
 *
 * Streams block by block (memory flat); prints wall/CPU seconds, hours of signal per
 * second and peak RSS; OUT.csv (optional) holds t_s,hr_bpm for comparison with the
 * baseline's .npz. Bench, not a test. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "eval_util.h"
#include "kernels/condition.h"
#include "kernels/fft_impl.h"
#include "pulsetrain/io.h"
#include "pulsetrain/welch.h"

/* One 4 s segment: constant detrend and Hann window into the FFT's input, as pt_welch's
 * segment(); returns |X_k|^2 for k in [k0, k1] into p, each as pt_welch_execute adds it. */
static void seg_power(pt_fft *fft, const double *win, size_t m, const double *x, size_t k0,
                      size_t k1, double *p)
{
    double *in = pt_fft_inbuf(fft); /* [nfft]; the tail past m stays zero */
    double sum = 0;
    for (size_t i = 0; i < m; i++)
        sum += x[i];
    double mean = sum / (double)m;
    for (size_t i = 0; i < m; i++)
        in[i] = (x[i] - mean) * win[i];
    const double *c = pt_fft_forward_internal(fft, in);
    for (size_t k = k0; k <= k1; k++)
        p[k - k0] = c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1];
}

/* Blocks read ahead by the reader thread; the main thread consumes them in order. */
#define NSLOT 3
typedef struct feeder {
    pt_reader *r;
    pt_block *blk[NSLOT];
    int rc[NSLOT];
    pt_error err[NSLOT];
    int full[NSLOT]; /* slot holds a block not yet consumed */
    int stop;        /* consumer finished or failed: the reader returns */
    int threaded;
    size_t nslot; /* NSLOT with the reader thread, 1 without */
    size_t next;  /* consumer's next slot (counts blocks) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} feeder;

static int block_empty(const pt_block *b)
{
    for (size_t c = 0; c < b->nchan; c++)
        if (b->n[c])
            return 0;
    return 1;
}

static void *feeder_run(void *arg)
{
    feeder *f = arg;
    for (size_t i = 0;; i++) {
        size_t k = i % f->nslot;
        pthread_mutex_lock(&f->mu);
        while (f->full[k] && !f->stop)
            pthread_cond_wait(&f->cv, &f->mu);
        int stop = f->stop;
        pthread_mutex_unlock(&f->mu);
        if (stop)
            return NULL;
        f->rc[k] = pt_reader_read(f->r, f->blk[k], &f->err[k]);
        int last = f->rc[k] != 0 || block_empty(f->blk[k]);
        pthread_mutex_lock(&f->mu);
        f->full[k] = 1;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
        if (last)
            return NULL;
    }
}

/* The next block in file order (read now with -j 1); *err filled when the read failed. */
static pt_block *feeder_get(feeder *f, int *rc, pt_error **err)
{
    size_t k = f->next % f->nslot;
    if (!f->threaded) {
        f->rc[k] = pt_reader_read(f->r, f->blk[k], &f->err[k]);
    } else {
        pthread_mutex_lock(&f->mu);
        while (!f->full[k])
            pthread_cond_wait(&f->cv, &f->mu);
        pthread_mutex_unlock(&f->mu);
    }
    *rc = f->rc[k];
    *err = &f->err[k];
    return f->blk[k];
}

/* Hand the block from feeder_get back for reuse. */
static void feeder_put(feeder *f)
{
    size_t k = f->next++ % f->nslot;
    if (!f->threaded)
        return;
    pthread_mutex_lock(&f->mu);
    f->full[k] = 0;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

int main(int argc, char **argv)
{
    const char *in_path = NULL, *out_path = NULL;
    int check_welch = 0, threads = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--check"))
            check_welch = 1;
        else if (!strcmp(argv[i], "-j") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!in_path)
            in_path = argv[i];
        else
            out_path = argv[i];
    }
    if (!in_path) {
        fprintf(stderr, "usage: pt-eval-same_steps REC.csv [OUT.csv] [--check] [-j 1|2]\n");
        return 1;
    }
    if (threads != 1 && threads != 2) {
        fprintf(stderr, "-j takes 1 or 2\n");
        return 1;
    }
    double w0 = now_s(), c0 = cpu_s();
    pt_error err = {0};
    pt_reader *r = pt_reader_open(in_path, NULL, &err);
    if (!r) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    const pt_recording_info *info = pt_reader_info(r);
    int cp = -1, ca[3] = {-1, -1, -1};
    for (size_t c = 0; c < info->nchan; c++) {
        pt_kind k = info->chan[c].kind;
        if (k == PT_KIND_PPG && cp < 0)
            cp = (int)c;
        if (k >= PT_KIND_ACC_X && k <= PT_KIND_ACC_Z)
            ca[k - PT_KIND_ACC_X] = (int)c;
    }
    if (cp < 0 || ca[0] < 0 || ca[1] < 0 || ca[2] < 0) {
        fprintf(stderr, "need ppg and acc_x/y/z\n");
        return 2;
    }
    double fs = info->chan[cp].fs_hz, fsa = info->chan[ca[0]].fs_hz;
    feeder fd;
    memset(&fd, 0, sizeof fd);
    fd.r = r;
    fd.threaded = threads == 2;
    fd.nslot = fd.threaded ? NSLOT : 1;
    for (size_t k = 0; k < fd.nslot; k++)
        if (!(fd.blk[k] = pt_block_create(info, 65536, &err))) {
            fprintf(stderr, "%s\n", err.msg);
            return 2;
        }
    pt_condition *cond = pt_condition_create(fs, 0.5, 4.0, 4, 300.0, 30.0, &err);
    pt_welch_config wc = pt_welch_defaults(fs);
    wc.nperseg = (size_t)(4 * fs);
    wc.noverlap = (size_t)(2 * fs);
    wc.nfft = 2048;
    pt_welch *w = check_welch ? pt_welch_create(&wc, &err) : NULL;
    pt_fft *fft = pt_fft_create(wc.nfft, wc.rigor, &err);
    if (!cond || (check_welch && !w) || !fft) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    size_t win = (size_t)(8 * fs), step = (size_t)(2 * fs), nf = wc.nfft / 2 + 1;
    size_t m = wc.nperseg, sstep = m - wc.noverlap;
    size_t k0 = (size_t)ceil(40.0 / 60.0 / (fs / 2048)),
           k1 = (size_t)floor(220.0 / 60.0 / (fs / 2048));
    size_t nb = k1 - k0 + 1;
    if (step != sstep || (win - wc.noverlap) / sstep != 3 || k1 >= nf) {
        fprintf(stderr, "segment sharing needs the window step = segment step, 3 segments\n");
        return 2;
    }
    /* pt_welch's scale (density: 1 / (fs sum w^2)) and its mean over 3 segments with the
     * one-sided doubling, computed as pt_welch_create and finish() do */
    double *hann = malloc(m * sizeof *hann), s2 = 0;
    if (!hann || pt_window_fill(wc.window, m, 1, hann)) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < m; i++)
        s2 += hann[i] * hann[i];
    double scale = 1.0 / (wc.fs_hz * s2), dbl = 2 * (scale * (1.0 / 3.0));
    double *ring = malloc(3 * nb * sizeof *ring); /* segment j's band power in slot j % 3 */
    size_t nsegs = 0;                             /* segments computed so far */
    double *y = malloc(pt_condition_max_out(cond) * sizeof *y);
    double *buf = malloc((pt_condition_max_out(cond) + win) * sizeof *buf);
    double *psd = malloc(nf * sizeof *psd), *wpsd = malloc(nf * sizeof *wpsd);
    size_t nbuf = 0, nwin = 0, nep = 0, ep = (size_t)llround(5 * fsa), fill = 0, ndiff = 0;
    double *r_ep = malloc(ep * sizeof *r_ep), check = 0;
    if (!ring || !y || !buf || !psd || !wpsd || !r_ep) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    FILE *out = out_path ? fopen(out_path, "w") : NULL;
    if (out)
        fprintf(out, "t_s,hr_bpm\n");
    pthread_t reader;
    if (fd.threaded) {
        pthread_mutex_init(&fd.mu, NULL);
        pthread_cond_init(&fd.cv, NULL);
        if (pthread_create(&reader, NULL, feeder_run, &fd)) {
            fprintf(stderr, "cannot start the reader thread\n");
            return 2;
        }
    }
    int done = 0;
    while (!done) {
        int rc;
        pt_error *rerr;
        const pt_block *b = feeder_get(&fd, &rc, &rerr);
        if (rc) {
            fprintf(stderr, "%s\n", rerr->msg);
            return 2;
        }
        size_t n = b->n[cp], ny = 0;
        done = n == 0 && b->n[ca[0]] == 0;
        /* band-pass, then every complete window */
        for (size_t at = 0; at < n || (done && at == 0); at += pt_condition_max_in(cond)) {
            size_t mm = n - at < pt_condition_max_in(cond) ? n - at : pt_condition_max_in(cond);
            if (done)
                pt_condition_finish(cond, y, NULL, &ny, &err);
            else
                pt_condition_push(cond, b->x[cp] + at, mm, y, NULL, &ny, &err);
            memcpy(buf + nbuf, y, ny * sizeof *y);
            nbuf += ny;
            size_t s0 = 0;
            for (; s0 + win <= nbuf; s0 += step, nwin++) {
                /* window nwin = segments nwin, nwin+1, nwin+2; the first two are shared */
                for (; nsegs < nwin + 3; nsegs++)
                    seg_power(fft, hann, m, buf + s0 + (nsegs - nwin) * sstep, k0, k1,
                              ring + (nsegs % 3) * nb);
                const double *pa = ring + (nwin % 3) * nb, *pb = ring + ((nwin + 1) % 3) * nb,
                             *pc = ring + ((nwin + 2) % 3) * nb;
                for (size_t k = 0; k < nb; k++) /* pt_welch_execute's order: 0 + s0 + s1 + s2 */
                    psd[k0 + k] = (((0.0 + pa[k]) + pb[k]) + pc[k]) * dbl;
                if (w) {
                    size_t nseg;
                    pt_welch_execute(w, buf + s0, win, wpsd, &nseg);
                    ndiff += memcmp(wpsd + k0, psd + k0, nb * sizeof *psd) != 0;
                }
                size_t best = k0;
                for (size_t k = k0; k <= k1; k++)
                    best = psd[k] > psd[best] ? k : best;
                double bpm = 60.0 * (double)best * fs / 2048;
                check += bpm;
                if (out)
                    fprintf(out, "%.1f,%.4f\n", 2.0 * (double)nwin, bpm);
            }
            memmove(buf, buf + s0, (nbuf - s0) * sizeof *buf);
            nbuf -= s0;
            if (done)
                break;
        }
        /* ENMO and MAD per 5 s epoch */
        for (size_t i = 0; i < b->n[ca[0]]; i++) {
            double ax = b->x[ca[0]][i], ay = b->x[ca[1]][i], az = b->x[ca[2]][i];
            r_ep[fill++] = sqrt(ax * ax + ay * ay + az * az);
            if (fill == ep) {
                double se = 0, sr = 0, sd = 0;
                for (size_t j = 0; j < ep; j++) {
                    se += r_ep[j] > 1 ? r_ep[j] - 1 : 0;
                    sr += r_ep[j];
                }
                for (size_t j = 0; j < ep; j++)
                    sd += fabs(r_ep[j] - sr / (double)ep);
                check += 1000 * se / (double)ep + 1000 * sd / (double)ep;
                nep++;
                fill = 0;
            }
        }
        feeder_put(&fd);
    }
    if (fd.threaded) {
        pthread_mutex_lock(&fd.mu);
        fd.stop = 1;
        pthread_cond_broadcast(&fd.cv);
        pthread_mutex_unlock(&fd.mu);
        pthread_join(reader, NULL);
        pthread_cond_destroy(&fd.cv);
        pthread_mutex_destroy(&fd.mu);
    }
    double hours = (double)info->chan[cp].n_samples / fs / 3600.0;
    double wall = now_s() - w0, cpu = cpu_s() - c0;
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    printf("same-steps %s  %.2f h  %zu windows  %zu epochs  -j %d  wall %.2f s  CPU %.2f s  "
           "%.1f h/s  peak RSS %.0f MB  (checksum %.6g)\n",
           in_path, hours, nwin, nep, threads, wall, cpu, hours / wall,
           (double)u.ru_maxrss / 1024.0, check);
    if (w)
        printf("--check: %zu of %zu windows' PSDs differ from pt_welch_execute's in 40-220 bpm\n",
               ndiff, nwin);
    if (out)
        fclose(out);
    free(y);
    free(buf);
    free(psd);
    free(wpsd);
    free(ring);
    free(hann);
    free(r_ep);
    pt_fft_destroy(fft);
    pt_welch_destroy(w);
    pt_condition_destroy(cond);
    for (size_t k = 0; k < fd.nslot; k++)
        pt_block_destroy(fd.blk[k]);
    pt_reader_close(r);
    return 0;
}
