/* SPDX-License-Identifier: GPL-2.0-or-later
 * edf.c — EDF, EDF+ (C and D) and BDF recordings, read one data record at a time.
 * Method: Kemp B et al., "A simple format for exchange of digitized polygraphic
 * recordings", EEG Clin Neurophysiol 82:391-393, 1992; EDF+: Kemp B, Olivan J,
 * Clin Neurophysiol 114:1755-1761, 2003. Physical value = (d - dmin) *
 * (pmax - pmin) / (dmax - dmin) + pmin. "EDF Annotations" signals are not
 * channels; in EDF+D their time-keeping TAL gives each record's onset, and
 * the time between records becomes NaN samples. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "io/edf_util.h"
#include "io/reader_impl.h"

#define EDF_MAX_SIGNALS 4096

typedef struct edf_sig {
    char label[17];
    char units[9];
    double pmin, pmax;
    long dmin, dmax;
    long spr;          /* samples per record */
    size_t offset;     /* byte offset in a record */
    double gain, base; /* physical = gain * d + base, then * scale */
    int annot;
} edf_sig;

typedef struct edf_state {
    FILE *f;
    char path[1024];
    int bdf;     /* 24-bit samples */
    int discont; /* EDF+D */
    int ns;
    edf_sig *sig;
    long long hdr_bytes;
    long long nrec; /* records to read */
    double rec_dur_s;
    size_t rec_bytes;
    size_t bps; /* bytes per sample */
    int out_sig[PT_MAX_CHANNELS];
    double scale[PT_MAX_CHANNELS];
    int annot_sig; /* first annotation signal, -1 none */
    unsigned char *rec;
    long long recno;     /* next record */
    double next_onset_s; /* EDF+D: where the next record should start */
    double max_gap_s;
    pt_chunk k;
} edf_state;

static int edf_probe(const char *path, const unsigned char *head, size_t len)
{
    (void)path;
    if (len < 256)
        return 0;
    if (head[0] == 0xFF && !memcmp(head + 1, "BIOSEMI", 7))
        return 95;
    if (memcmp(head, "0       ", 8) != 0)
        return 0;
    /* start date dd.mm.yy and time hh.mm.ss, header bytes a number */
    const unsigned char *d = head + 168, *t = head + 176;
    if (d[2] != '.' || d[5] != '.' || t[2] != '.' || t[5] != '.')
        return 0;
    return 95;
}

static void edf_close(void *p)
{
    edf_state *s = p;
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    free(s->sig);
    free(s->rec);
    pt_chunk_free(&s->k);
    free(s);
}

/* Parse a header field as a number; returns 0 or -1. */
static int field_num(const unsigned char *f, size_t n, double *v)
{
    char buf[96];
    pt_trim_copy(buf, sizeof buf, (const char *)f, n);
    if (!buf[0])
        return -1;
    char *end;
    errno = 0;
    *v = strtod(buf, &end);
    if (*end || errno || !isfinite(*v))
        return -1;
    return 0;
}

static int read_exact(FILE *f, void *buf, size_t n)
{
    return fread(buf, 1, n, f) == n ? 0 : -1;
}

/* Onset [s] of the record from its time-keeping TAL ("+12.5\x14\x14"). */
static int tal_onset(const unsigned char *a, size_t n, double *onset)
{
    char buf[64];
    size_t i = 0;
    while (i < n && i + 1 < sizeof buf && a[i] != 0x14 && a[i] != 0x15 && a[i] != 0) {
        buf[i] = (char)a[i];
        i++;
    }
    buf[i] = '\0';
    if (i == 0 || i >= n || a[i] != 0x14 || (buf[0] != '+' && buf[0] != '-'))
        return -1;
    char *end;
    *onset = strtod(buf, &end);
    return *end || !isfinite(*onset) ? -1 : 0;
}

static void *edf_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                      pt_error *err)
{
    edf_state *s = calloc(1, sizeof *s);
    unsigned char *sh = NULL;
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the EDF reader", path);
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    s->annot_sig = -1;
    s->max_gap_s = opt->max_gap_s > 0 ? opt->max_gap_s : 86400.0;
    if (!(s->f = fopen(path, "rb"))) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(fileno(s->f), &st) != 0) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    long long fsize = (long long)st.st_size;
    unsigned char h[256];
    if (fsize == 0) {
        pt_error_set(err, PT_EFORMAT, "%s: the file is empty", path);
        goto fail;
    }
    if (read_exact(s->f, h, 256)) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: byte %lld: truncated EDF header (the fixed part is 256 bytes)", path,
                     fsize);
        goto fail;
    }
    s->bdf = h[0] == 0xFF;
    s->bps = s->bdf ? 3 : 2;
    double v;
    if (field_num(h + 252, 4, &v) || v < 1 || v > EDF_MAX_SIGNALS || v != floor(v)) {
        pt_error_set(err, PT_EFORMAT, "%s: byte 252: number of signals '%.4s' is not 1..%d", path,
                     (const char *)h + 252, EDF_MAX_SIGNALS);
        goto fail;
    }
    s->ns = (int)v;
    if (field_num(h + 184, 8, &v) || v != 256.0 * (s->ns + 1)) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: byte 184: header length '%.8s' does not match %d signals (%d bytes)",
                     path, (const char *)h + 184, s->ns, 256 * (s->ns + 1));
        goto fail;
    }
    s->hdr_bytes = 256LL * (s->ns + 1);
    if (field_num(h + 244, 8, &v) || v < 0) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: byte 244: record duration '%.8s' s must be a positive number", path,
                     (const char *)h + 244);
        goto fail;
    }
    s->rec_dur_s = v;
    double nrec_hdr;
    if (field_num(h + 236, 8, &nrec_hdr) || (nrec_hdr < 0 && nrec_hdr != -1) ||
        nrec_hdr != floor(nrec_hdr)) {
        pt_error_set(err, PT_EFORMAT, "%s: byte 236: number of records '%.8s' is not valid", path,
                     (const char *)h + 236);
        goto fail;
    }
    if (!memcmp(h + 192, "EDF+D", 5))
        s->discont = 1;
    sh = malloc((size_t)s->ns * 256);
    s->sig = calloc((size_t)s->ns, sizeof *s->sig);
    if (!sh || !s->sig) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for %d signal headers", path, s->ns);
        goto fail;
    }
    if (read_exact(s->f, sh, (size_t)s->ns * 256)) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: byte %lld: truncated EDF header (%d signals need %lld header bytes)",
                     path, fsize, s->ns, s->hdr_bytes);
        goto fail;
    }
    size_t ns = (size_t)s->ns;
    s->rec_bytes = 0;
    for (size_t i = 0; i < ns; i++) {
        edf_sig *g = &s->sig[i];
        pt_trim_copy(g->label, sizeof g->label, (const char *)sh + 16 * i, 16);
        pt_trim_copy(g->units, sizeof g->units, (const char *)sh + 96 * ns + 8 * i, 8);
        size_t o_pmin = 104 * ns, o_pmax = 112 * ns, o_dmin = 120 * ns, o_dmax = 128 * ns,
               o_spr = 216 * ns;
        double dmin, dmax, spr;
        g->annot = !strcmp(g->label, "EDF Annotations") || !strcmp(g->label, "BDF Annotations");
        if (field_num(sh + o_spr + 8 * i, 8, &spr) || spr < 1 || spr != floor(spr) || spr > 1e8) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %zu: signal %zu '%s': samples per record '%.8s' is not a "
                         "positive integer",
                         path, 256 + o_spr + 8 * i, i + 1, g->label,
                         (const char *)sh + o_spr + 8 * i);
            goto fail;
        }
        g->spr = (long)spr;
        g->offset = s->rec_bytes;
        s->rec_bytes += (size_t)g->spr * s->bps;
        if (g->annot) {
            if (s->annot_sig < 0)
                s->annot_sig = (int)i;
            continue;
        }
        if (field_num(sh + o_pmin + 8 * i, 8, &g->pmin) ||
            field_num(sh + o_pmax + 8 * i, 8, &g->pmax) ||
            field_num(sh + o_dmin + 8 * i, 8, &dmin) || field_num(sh + o_dmax + 8 * i, 8, &dmax)) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %zu: signal %zu '%s': physical/digital range is not numeric",
                         path, 256 + o_pmin + 8 * i, i + 1, g->label);
            goto fail;
        }
        double lim = s->bdf ? 8388608.0 : 32768.0;
        if (!(dmax > dmin) || dmin < -lim || dmax > lim - 1 || g->pmax == g->pmin) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %zu: signal %zu '%s': bad ranges (digital %g..%g, physical "
                         "%g..%g)",
                         path, 256 + o_dmin + 8 * i, i + 1, g->label, dmin, dmax, g->pmin, g->pmax);
            goto fail;
        }
        g->dmin = (long)dmin;
        g->dmax = (long)dmax;
        g->gain = (g->pmax - g->pmin) / (dmax - dmin);
        g->base = g->pmin - g->gain * dmin;
    }
    if (s->rec_bytes > (size_t)1 << 28) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: data records of %zu bytes (over 256 MiB) are not "
                     "supported",
                     path, s->rec_bytes);
        goto fail;
    }
    if (s->discont && s->annot_sig < 0) {
        pt_error_set(err, PT_EFORMAT, "%s: EDF+D file without an 'EDF Annotations' signal", path);
        goto fail;
    }
    /* Length: the header count against the bytes present. */
    long long avail = (fsize - s->hdr_bytes) / (long long)s->rec_bytes;
    long long partial = (fsize - s->hdr_bytes) % (long long)s->rec_bytes;
    if (nrec_hdr == -1) {
        s->nrec = avail;
        if (partial)
            pt_note_add(info, "the last data record is incomplete and was ignored");
    } else {
        s->nrec = (long long)nrec_hdr;
        if (avail < s->nrec) {
            if (!opt->allow_truncated) {
                pt_error_set(err, PT_EFORMAT,
                             "%s: byte %lld: truncated: the header promises %lld data records "
                             "of %zu bytes, the file holds %lld (--allow-truncated reads them)",
                             path, fsize, s->nrec, s->rec_bytes, avail);
                goto fail;
            }
            char note[160];
            snprintf(note, sizeof note, "truncated: %lld of %lld data records present", avail,
                     s->nrec);
            pt_note_add(info, note);
            s->nrec = avail;
        } else if (avail > s->nrec || partial) {
            pt_note_add(info, "bytes after the last data record were ignored");
        }
    }
    if (s->nrec == 0) { /* as a CSV with a header and no rows: nothing to summarise */
        pt_error_set(err, PT_EDATA, "%s: no samples: %s", path,
                     nrec_hdr == 0 ? "the header says 0 data records"
                                   : "the file holds no complete data record");
        goto fail;
    }
    /* Channels: every ordinary signal (the first PT_MAX_CHANNELS). */
    int axis[PT_MAX_CHANNELS];
    size_t chunk_cap[PT_MAX_CHANNELS];
    size_t skipped = 0;
    for (size_t i = 0; i < ns; i++) {
        edf_sig *g = &s->sig[i];
        if (g->annot)
            continue;
        if (info->nchan >= PT_MAX_CHANNELS) {
            skipped++;
            continue;
        }
        size_t c = info->nchan++;
        pt_channel_info *ch = &info->chan[c];
        snprintf(ch->name, sizeof ch->name, "%s", g->label);
        pt_kind_from_label(g->label, g->units, &ch->kind, &s->scale[c], ch->units, &axis[c]);
        ch->fs_hz = s->rec_dur_s > 0 ? (double)g->spr / s->rec_dur_s : 0;
        ch->t0_s = 0;
        ch->n_samples = s->discont ? -1 : s->nrec * g->spr;
        s->out_sig[c] = (int)i;
        chunk_cap[c] = (size_t)g->spr;
    }
    if (info->nchan == 0) {
        pt_error_set(err, PT_EFORMAT, "%s: no signal channels (the file holds annotations only)",
                     path);
        goto fail;
    }
    if (!(s->rec_dur_s > 0)) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: byte 244: record duration '%.8s' s must be a positive number", path,
                     (const char *)h + 244);
        goto fail;
    }
    pt_assign_acc_axes(info, axis);
    if (skipped) {
        char note[96];
        snprintf(note, sizeof note, "%zu signals beyond the first %d were ignored", skipped,
                 PT_MAX_CHANNELS);
        pt_note_add(info, note);
    }
    if (pt_channel_map_apply(opt->channels, info, path, err))
        goto fail;
    /* Start: dd.mm.yy hh.mm.ss; years 85-99 are 19xx (the EDF clipping date). */
    {
        int dd, mm, yy, hh, mi, ss;
        char d[9], t[9];
        memcpy(d, h + 168, 8);
        memcpy(t, h + 176, 8);
        d[8] = t[8] = '\0';
        if (sscanf(d, "%2d.%2d.%2d", &dd, &mm, &yy) == 3 &&
            sscanf(t, "%2d.%2d.%2d", &hh, &mi, &ss) == 3) {
            char iso[40];
            snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ",
                     yy >= 85 ? 1900 + yy : 2000 + yy, mm, dd, hh, mi, ss);
            double u;
            if (!pt_parse_iso8601(iso, strlen(iso), &u)) {
                info->start_unix_s = u;
                pt_format_iso8601(u, info->start_time_utc);
            }
        }
        if (!isfinite(info->start_unix_s))
            pt_note_add(info, "start date/time in the header is not valid; start unknown");
        else
            pt_note_add(info, "EDF start times are local time of the recording; taken as UTC");
    }
    if (!s->discont)
        info->duration_s = (double)s->nrec * s->rec_dur_s;
    s->rec = malloc(s->rec_bytes);
    if (!s->rec || pt_chunk_init(&s->k, info->nchan, chunk_cap)) {
        pt_error_set(err, PT_ENOMEM,
                     "%s: out of memory for a data record (%zu bytes) and the sample chunks", path,
                     (size_t)s->rec_bytes);
        goto fail;
    }
    free(sh);
    return s;
fail:
    free(sh);
    edf_close(s);
    return NULL;
}

/* Decode record s->recno into the chunk. Returns PT_OK, -1 at the end, or an error code. */
static int load_record(edf_state *s, pt_recording_info *info, pt_error *err)
{
    if (s->recno >= s->nrec)
        return -1;
    long long at = s->hdr_bytes + s->recno * (long long)s->rec_bytes;
    if (read_exact(s->f, s->rec, s->rec_bytes))
        return pt_error_set(err, PT_EFORMAT, "%s: byte %lld: data record %lld is truncated",
                            s->path, at, s->recno);
    if (s->discont) {
        const edf_sig *a = &s->sig[s->annot_sig];
        double onset;
        if (tal_onset(s->rec + a->offset, (size_t)a->spr * s->bps, &onset))
            return pt_error_set(err, PT_EFORMAT,
                                "%s: byte %lld: data record %lld has no time-keeping annotation",
                                s->path, at + (long long)a->offset, s->recno);
        if (s->recno == 0) {
            s->next_onset_s = onset;
        } else if (onset < s->next_onset_s - 1e-6) {
            return pt_error_set(err, PT_EDATA,
                                "%s: data record %lld: onset %.6f s is before the end of the "
                                "previous record (%.6f s): time goes backwards",
                                s->path, s->recno, onset, s->next_onset_s);
        } else if (onset > s->next_onset_s + 1e-6) {
            double gap = onset - s->next_onset_s;
            if (gap > s->max_gap_s)
                return pt_error_set(err, PT_EDATA,
                                    "%s: data record %lld: a gap of %.3f s (more than %.0f s)",
                                    s->path, s->recno, gap, s->max_gap_s);
            for (size_t c = 0; c < info->nchan; c++)
                s->k.nan_pending[c] += (int64_t)llround(gap * info->chan[c].fs_hz);
        }
        s->next_onset_s = onset + s->rec_dur_s;
    }
    for (size_t c = 0; c < info->nchan; c++) {
        const edf_sig *g = &s->sig[s->out_sig[c]];
        const unsigned char *p = s->rec + g->offset;
        double *v = s->k.v[c];
        double gain = g->gain * s->scale[c], base = g->base * s->scale[c];
        if (s->bdf) {
            for (long i = 0; i < g->spr; i++, p += 3) {
                int32_t d = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16);
                if (d & 0x800000)
                    d -= 0x1000000;
                v[i] = gain * d + base;
            }
        } else {
            for (long i = 0; i < g->spr; i++, p += 2)
                v[i] = gain * (int16_t)(uint16_t)(p[0] | p[1] << 8) + base;
        }
        s->k.len[c] = (size_t)g->spr;
        s->k.pos[c] = 0;
    }
    s->recno++;
    return PT_OK;
}

static int edf_load(void *p, pt_recording_info *info, pt_error *err)
{
    return load_record(p, info, err);
}

static int edf_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    edf_state *s = p;
    int done, rc = pt_chunk_read(&s->k, b, edf_load, s, info, &done, err);
    if (!rc && done)
        pt_chunk_finish(&s->k, info);
    return rc;
}

const pt_reader_ops pt_reader_edf = {"edf", edf_probe, edf_open, edf_read, edf_close};
