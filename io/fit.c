/* SPDX-License-Identifier: GPL-2.0-or-later
 * fit.c — Garmin/ANT FIT activity files, decoded here from the public FIT protocol
 * description (developer.garmin.com/fit/protocol): a 12- or 14-byte file header
 * (size, protocol, profile, data size, ".FIT", header CRC), data records of the given
 * size, then the CRC-16 of header and records; files may be chained one after another.
 * Records: a definition message (local type 0-15, architecture, global message number,
 * fields as number/size/base type, developer fields as number/size/index) or a data
 * message laid out by the last definition of its local type; a compressed-timestamp
 * header (bit 7) carries local type 0-3 and a 5-bit time offset from the last timestamp.
 * Read: record (20) field 253 timestamp and 3 heart_rate -> channel "heart_rate" (HR, bpm)
 * at the records' times; hrv (78) field 0 time[] (RR intervals, 1/1000 s, 0xFFFF invalid)
 * -> channel "rr" (IBI, ms) at beat times accumulated from the last timestamp before the
 * first interval (re-anchored when the beats fall more than FIT_RR_REANCHOR_S behind the
 * records' clock). Developer fields, other messages and unknown fields are skipped by
 * their sizes. The CRC-16 (poly 0xA001, reflected; the FIT protocol's nibble table) of
 * every chained file is checked. The file is read through one buffer. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/edf_util.h"
#include "io/reader_impl.h"

#define FIT_BUF (1 << 18)          /* >= the largest message (255 x 255 x 2 + 6) */
#define FIT_EPOCH_UNIX 631065600.0 /* 1989-12-31T00:00:00Z */
#define FIT_REL_MAX 0x10000000u    /* smaller date values are relative seconds */
#define FIT_RR_REANCHOR_S 5.0      /* beats this far behind the clock: re-anchored */
#define FIT_PEND 256               /* decoded samples waiting for a block */
#define FIT_MESG_RECORD 20
#define FIT_MESG_HRV 78
#define FIT_MESG_HR 132

typedef struct fit_def {
    int defined;
    int big;         /* architecture: 1 big-endian */
    unsigned global; /* global message number */
    int nf;          /* fields */
    unsigned char num[255], size[255], base[255];
    size_t dev_bytes; /* developer fields, skipped */
    size_t total;     /* bytes of a data message */
} fit_def;

typedef struct fit_state {
    FILE *f;
    char path[1024];
    unsigned char *buf;
    size_t beg, end;
    int eof;
    long long off; /* file offset of buf[beg] */
    long long fsize;
    /* the current chained file */
    int nfile;          /* files started */
    long long data_end; /* offset where this file's records end (its CRC follows) */
    long long file_at;  /* offset of this file's header */
    uint16_t crc;
    int in_file;
    fit_def def[16];
    uint32_t last_ts;
    int have_ts;
    /* time */
    double t0_fit; /* the recording's start [FIT s] */
    double beat_t; /* RR beat clock [FIT s]; NaN before the first interval */
    double last_hr_t, last_rr_t;
    /* decoded, not yet delivered */
    double pend_hr_t, pend_hr;
    int pend_hr_n;
    double pend_rr_t[FIT_PEND], pend_rr[FIT_PEND];
    int pend_rr_n, pend_rr_pos;
    int64_t n_hr, n_rr, n_dropped, n_hr_mesg, n_dev, n_compressed;
    int done, scanning;
    int have_rec_ts;    /* scanning: a record's timestamp was seen */
    uint32_t rec_ts;    /* the first record's timestamp */
    uint32_t first_any; /* the first timestamp of any message */
} fit_state;

/* CRC-16 (poly 0xA001 reflected, init 0) a nibble at a time: t[i] is the CRC of nibble i. */
static uint16_t crc16(uint16_t crc, const unsigned char *p, size_t n)
{
    static const uint16_t t[16] = {0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
                                   0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400};
    for (size_t i = 0; i < n; i++) {
        crc = (uint16_t)((crc >> 4) ^ t[crc & 0xF] ^ t[p[i] & 0xF]);
        crc = (uint16_t)((crc >> 4) ^ t[crc & 0xF] ^ t[p[i] >> 4]);
    }
    return crc;
}

static int fit_probe(const char *path, const unsigned char *head, size_t len)
{
    (void)path;
    if (len >= 12 && (head[0] == 12 || head[0] == 14) && !memcmp(head + 8, ".FIT", 4))
        return 95;
    return 0;
}

static void fit_close(void *p)
{
    fit_state *s = p;
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    free(s->buf);
    free(s);
}

/* At least need bytes at buf[beg]: 1, 0 when the file ends first, -1 with *err. */
static int need(fit_state *s, size_t n, pt_error *err)
{
    while (s->end - s->beg < n) {
        if (s->eof)
            return 0;
        if (s->beg) {
            memmove(s->buf, s->buf + s->beg, s->end - s->beg);
            s->end -= s->beg;
            s->beg = 0;
        }
        size_t got = fread(s->buf + s->end, 1, FIT_BUF - s->end, s->f);
        if (got == 0) {
            if (ferror(s->f)) {
                pt_error_set(err, PT_EIO, "%s: byte %lld: %s", s->path, s->off, strerror(errno));
                return -1;
            }
            s->eof = 1;
        }
        s->end += got;
    }
    return 1;
}

/* Consume n bytes (already available), adding them to the file's CRC. */
static void take(fit_state *s, size_t n)
{
    s->crc = crc16(s->crc, s->buf + s->beg, n);
    s->beg += n;
    s->off += (long long)n;
}

static uint64_t uval(const unsigned char *p, int size, int big)
{
    uint64_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint64_t)p[big ? size - 1 - i : i] << (8 * i);
    return v;
}

/* Start the next chained file at s->off: 1, 0 at the clean end, -1 with *err. */
static int file_header(fit_state *s, pt_error *err)
{
    int r = need(s, 1, err);
    if (r <= 0)
        return r;
    long long at = s->off;
    if ((r = need(s, 12, err)) < 0)
        return -1;
    const unsigned char *h = s->buf + s->beg;
    size_t hs = h[0];
    if (r == 0 || (hs != 12 && hs != 14) || memcmp(h + 8, ".FIT", 4)) {
        if (s->nfile > 0)
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %lld: %lld bytes after FIT file %d are not another FIT file "
                         "header",
                         s->path, at, s->fsize - at, s->nfile);
        else
            pt_error_set(err, PT_EFORMAT, "%s: byte 0: not a FIT file (no '.FIT' header)", s->path);
        return -1;
    }
    if ((r = need(s, hs, err)) <= 0) {
        if (r == 0)
            pt_error_set(err, PT_EFORMAT, "%s: byte %lld: truncated FIT header", s->path, at);
        return -1;
    }
    h = s->buf + s->beg;
    uint32_t dsize = (uint32_t)uval(h + 4, 4, 0);
    if (hs == 14) {
        uint16_t stored = (uint16_t)uval(h + 12, 2, 0);
        if (stored && stored != crc16(0, h, 12)) {
            pt_error_set(err, PT_EDATA,
                         "%s: byte %lld: FIT header CRC mismatch (stored 0x%04X, computed "
                         "0x%04X)",
                         s->path, at + 12, stored, crc16(0, h, 12));
            return -1;
        }
    }
    if (at + (long long)hs + (long long)dsize + 2 > s->fsize) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: byte %lld: truncated: FIT file %d says %u bytes of records, the file "
                     "has %lld after its header",
                     s->path, at, s->nfile + 1, dsize, s->fsize - at - (long long)hs);
        return -1;
    }
    s->crc = 0;
    take(s, hs);
    s->file_at = at;
    s->data_end = s->off + dsize;
    s->nfile++;
    s->in_file = 1;
    memset(s->def, 0, sizeof s->def);
    return 1;
}

static void set_ts(fit_state *s, uint32_t ts)
{
    s->last_ts = ts;
    if (!s->have_ts) {
        s->have_ts = 1;
        s->first_any = ts;
    }
}

/* A data message of definition d at p: samples into the pending lists. */
static void data_message(fit_state *s, const fit_def *d, const unsigned char *p, int compressed)
{
    int hr = -1;
    const unsigned char *rr = NULL;
    int rr_n = 0;
    int has_ts = compressed;
    for (int i = 0; i < d->nf; i++) {
        int sz = d->size[i];
        if (d->num[i] == 253 && sz == 4) {
            uint32_t ts = (uint32_t)uval(p, 4, d->big);
            if (ts != 0xFFFFFFFFu) {
                set_ts(s, ts);
                has_ts = 1;
            }
        } else if (d->global == FIT_MESG_RECORD && d->num[i] == 3 && sz == 1) {
            hr = p[0] == 0xFF ? -1 : p[0];
        } else if (d->global == FIT_MESG_HRV && d->num[i] == 0 && sz >= 2) {
            rr = p;
            rr_n = sz / 2;
        }
        p += sz;
    }
    if (d->global == FIT_MESG_HR)
        s->n_hr_mesg++;
    if (s->scanning && d->global == FIT_MESG_RECORD && has_ts && s->have_ts && !s->have_rec_ts) {
        s->have_rec_ts = 1;
        s->rec_ts = s->last_ts;
    }
    if (s->scanning || !s->have_ts)
        return;
    if (d->global == FIT_MESG_RECORD && hr >= 0 && has_ts) {
        double t = (double)s->last_ts - s->t0_fit;
        if (s->n_hr > 0 && !(t > s->last_hr_t)) {
            s->n_dropped++;
        } else {
            s->pend_hr_t = t;
            s->pend_hr = hr;
            s->pend_hr_n = 1;
            s->last_hr_t = t;
        }
    }
    if (rr) {
        double clock = fmax((double)s->last_ts - s->t0_fit, 0.0);
        if (isnan(s->beat_t) || clock - s->beat_t > FIT_RR_REANCHOR_S)
            s->beat_t = clock;
        s->pend_rr_n = s->pend_rr_pos = 0;
        for (int k = 0; k < rr_n && k < FIT_PEND; k++) {
            unsigned v = (unsigned)uval(rr + 2 * k, 2, d->big);
            if (v == 0xFFFF || v == 0)
                continue;
            s->beat_t += v / 1000.0;
            s->pend_rr_t[s->pend_rr_n] = s->beat_t;
            s->pend_rr[s->pend_rr_n++] = (double)v; /* ms */
        }
    }
}

/* Decode the next message: 1, 0 at the end of the chain, -1 with *err. */
static int next_message(fit_state *s, pt_error *err)
{
    for (;;) {
        if (!s->in_file) {
            int r = file_header(s, err);
            if (r <= 0)
                return r;
        }
        if (s->off >= s->data_end) {
            long long at = s->off;
            if (s->off > s->data_end) {
                pt_error_set(err, PT_EFORMAT,
                             "%s: byte %lld: a message runs past the end of FIT file %d's records "
                             "(byte %lld)",
                             s->path, at, s->nfile, s->data_end);
                return -1;
            }
            if (need(s, 2, err) <= 0) {
                if (!err || !err->code)
                    pt_error_set(err, PT_EFORMAT, "%s: byte %lld: truncated: no file CRC", s->path,
                                 at);
                return -1;
            }
            uint16_t stored = (uint16_t)uval(s->buf + s->beg, 2, 0);
            if (stored != s->crc) {
                pt_error_set(err, PT_EDATA,
                             "%s: byte %lld: CRC mismatch of FIT file %d (stored 0x%04X, "
                             "computed 0x%04X)",
                             s->path, at, s->nfile, stored, s->crc);
                return -1;
            }
            take(s, 2);
            s->in_file = 0;
            continue;
        }
        long long at = s->off;
        if (need(s, 1, err) <= 0)
            goto truncated;
        unsigned h = s->buf[s->beg];
        if (h & 0x80) { /* compressed timestamp: a data message of local type 0-3 */
            int lt = (int)(h >> 5 & 3);
            fit_def *d = &s->def[lt];
            if (!d->defined) {
                pt_error_set(err, PT_EFORMAT,
                             "%s: byte %lld: data message for local type %d, which has no "
                             "definition",
                             s->path, at, lt);
                return -1;
            }
            if (need(s, 1 + d->total, err) <= 0)
                goto truncated;
            if (!s->have_ts && !s->scanning) {
                pt_error_set(err, PT_EFORMAT,
                             "%s: byte %lld: compressed timestamp before any timestamp", s->path,
                             at);
                return -1;
            }
            uint32_t off5 = h & 0x1F;
            uint32_t ts = (s->last_ts & ~0x1Fu) + off5;
            if (off5 < (s->last_ts & 0x1Fu))
                ts += 0x20;
            if (s->have_ts)
                set_ts(s, ts);
            s->n_compressed++;
            data_message(s, d, s->buf + s->beg + 1, s->have_ts);
            take(s, 1 + d->total);
            return 1;
        }
        int lt = (int)(h & 0x0F);
        if (h & 0x40) { /* definition */
            if (need(s, 6, err) <= 0)
                goto truncated;
            const unsigned char *p = s->buf + s->beg;
            int nf = p[5];
            size_t len = 6 + 3 * (size_t)nf;
            int dev = (h & 0x20) != 0;
            if (need(s, len + (size_t)dev, err) <= 0)
                goto truncated;
            p = s->buf + s->beg;
            int ndev = dev ? p[len] : 0;
            size_t full = len + (size_t)dev + 3 * (size_t)ndev;
            if (need(s, full, err) <= 0)
                goto truncated;
            p = s->buf + s->beg;
            if (p[2] > 1) {
                pt_error_set(err, PT_EFORMAT,
                             "%s: byte %lld: definition with architecture %u (0 or 1)", s->path,
                             at + 2, p[2]);
                return -1;
            }
            fit_def *d = &s->def[lt];
            memset(d, 0, sizeof *d);
            d->defined = 1;
            d->big = p[2];
            d->global = (unsigned)uval(p + 3, 2, d->big);
            d->nf = nf;
            for (int i = 0; i < nf; i++) {
                d->num[i] = p[6 + 3 * i];
                d->size[i] = p[7 + 3 * i];
                d->base[i] = p[8 + 3 * i];
                d->total += d->size[i];
            }
            for (int i = 0; i < ndev; i++)
                d->dev_bytes += p[len + 1 + 3 * i + 1];
            d->total += d->dev_bytes;
            if (ndev)
                s->n_dev++;
            take(s, full);
            continue;
        }
        fit_def *d = &s->def[lt];
        if (!d->defined) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %lld: data message for local type %d, which has no definition",
                         s->path, at, lt);
            return -1;
        }
        if (need(s, 1 + d->total, err) <= 0)
            goto truncated;
        data_message(s, d, s->buf + s->beg + 1, 0);
        take(s, 1 + d->total);
        return 1;
    truncated:
        if (!err || !err->code)
            pt_error_set(err, PT_EFORMAT, "%s: byte %lld: truncated message", s->path, at);
        return -1;
    }
}

static void rewind_state(fit_state *s)
{
    rewind(s->f);
    s->beg = s->end = 0;
    s->eof = 0;
    s->off = 0;
    s->nfile = 0;
    s->in_file = 0;
    s->have_ts = 0;
    s->n_dev = s->n_compressed = s->n_hr_mesg = 0;
}

static void *fit_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                      pt_error *err)
{
    fit_state *s = calloc(1, sizeof *s);
    if (!s || !(s->buf = malloc(FIT_BUF))) {
        free(s);
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    struct stat st;
    if (!(s->f = fopen(path, "rb")) || fstat(fileno(s->f), &st)) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    s->fsize = (long long)st.st_size;
    if (s->fsize == 0) {
        pt_error_set(err, PT_EFORMAT, "%s: the file is empty", path);
        goto fail;
    }
    /* the first record's timestamp (else the first of any message: summary messages may
     * come first) sets the start: scan up to it, then start again */
    s->scanning = 1;
    int r;
    while (!s->have_rec_ts && (r = next_message(s, err)) > 0)
        ;
    if (err && err->code)
        goto fail;
    if (!s->have_ts) {
        pt_error_set(err, PT_EFORMAT, "%s: no timestamp in the file (no activity data)", path);
        goto fail;
    }
    s->t0_fit = s->have_rec_ts ? s->rec_ts : s->first_any;
    double t0 = s->t0_fit;
    int rel = t0 < FIT_REL_MAX;
    rewind_state(s);
    s->scanning = 0;
    s->beat_t = (double)NAN;
    static const char *const names[2] = {"heart_rate", "rr"};
    static const char *const units[2] = {"bpm", "ms"};
    static const pt_kind kinds[2] = {PT_KIND_HR, PT_KIND_IBI};
    for (int c = 0; c < 2; c++) {
        pt_channel_info *ch = &info->chan[info->nchan++];
        snprintf(ch->name, sizeof ch->name, "%s", names[c]);
        ch->kind = kinds[c];
        snprintf(ch->units, sizeof ch->units, "%s", units[c]);
        ch->fs_hz = 0;
        ch->n_samples = -1;
    }
    if (!rel) {
        info->start_unix_s = t0 + FIT_EPOCH_UNIX;
        pt_format_iso8601(info->start_unix_s, info->start_time_utc);
    } else {
        pt_note_add(info, "the file's timestamps are relative seconds (device time), not dates: "
                          "no absolute start");
    }
    if (pt_channel_map_apply(opt->channels, info, path, err))
        goto fail;
    return s;
fail:
    fit_close(s);
    return NULL;
}

static int fit_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    fit_state *s = p;
    b->first[0] = s->n_hr;
    b->first[1] = s->n_rr;
    for (;;) {
        if (s->pend_hr_n) {
            if (b->n[0] >= b->cap)
                break;
            b->t[0][b->n[0]] = s->pend_hr_t;
            b->x[0][b->n[0]++] = s->pend_hr;
            s->pend_hr_n = 0;
            s->n_hr++;
        }
        while (s->pend_rr_pos < s->pend_rr_n && b->n[1] < b->cap) {
            double t = s->pend_rr_t[s->pend_rr_pos];
            if (s->n_rr > 0 && !(t > s->last_rr_t)) {
                s->n_dropped++;
            } else {
                b->t[1][b->n[1]] = t;
                b->x[1][b->n[1]++] = s->pend_rr[s->pend_rr_pos];
                s->n_rr++;
                s->last_rr_t = t;
            }
            s->pend_rr_pos++;
        }
        if (s->pend_rr_pos < s->pend_rr_n)
            break; /* the block is full */
        if (s->done)
            break;
        int r = next_message(s, err);
        if (r < 0)
            return err ? err->code : PT_EFORMAT;
        if (r == 0)
            s->done = 1;
    }
    if (s->done && !s->pend_hr_n && s->pend_rr_pos >= s->pend_rr_n && !b->n[0] && !b->n[1]) {
        info->chan[0].n_samples = s->n_hr;
        info->chan[1].n_samples = s->n_rr;
        info->duration_s = fmax(s->last_hr_t, s->last_rr_t);
        if (!strstr(info->note, "FIT file")) {
            char note[300];
            snprintf(note, sizeof note,
                     "%d chained FIT file%s, CRCs checked; %lld heart-rate records, %lld RR "
                     "intervals%s%s; %lld hr messages (mesg 132) not read",
                     s->nfile, s->nfile == 1 ? "" : "s", (long long)s->n_hr, (long long)s->n_rr,
                     s->n_dev ? "; developer fields skipped" : "",
                     s->n_dropped ? "; samples whose time did not advance dropped" : "",
                     (long long)s->n_hr_mesg);
            pt_note_add(info, note);
        }
    }
    return PT_OK;
}

const pt_reader_ops pt_reader_fit = {"fit", fit_probe, fit_open, fit_read, fit_close};
