/* SPDX-License-Identifier: GPL-2.0-or-later
 * wfdb.c — PhysioNet WFDB records: the .hea header and its signal files in
 * formats 8, 16, 61, 80, 160, 212, 310, 311, 24 and 32 (with byte offsets "16+24" and
 * several samples per frame "212x4"), parsed here rather than by libwfdb,
 * whose state is global to the process (STYLE.md).
 * Method: WFDB header(5) and signal(5) manual pages, Moody GB, PhysioNet.
 * Physical value = (d - baseline) / gain; the invalid-sample code of each
 * format (-32768 for 16-bit, ...) becomes NaN; the header's checksums are
 * verified when the whole record has been read. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/edf_util.h"
#include "io/reader_impl.h"

#define WFDB_MAX_SIG 64
#define WFDB_BUF 65536

typedef struct wfdb_sig {
    char file[256];
    int fmt;
    int spf; /* samples per frame */
    int skew;
    long offset; /* byte offset of the first sample */
    double gain, baseline;
    char units[16];
    int adcres;
    long initval;
    int has_cksum;
    long cksum;
    char desc[64];
    int group;    /* index of its file */
    int chan;     /* output channel, -1 when dropped */
    long acc;     /* format 8: running value */
    unsigned sum; /* running checksum (16 bits used) */
    double *lut;  /* formats 212 and 80: the value of every code, made on first use */
} wfdb_sig;

typedef struct wfdb_group {
    FILE *f;
    char path[1100];
    int fmt;
    int first, nsig;   /* signals [first, first + nsig) */
    int frame_samples; /* samples per frame in this file */
    unsigned char buf[WFDB_BUF];
    size_t beg, end;
    int eof;
    int phase;         /* 212: position in the 3-byte pair; 310/311: in the 4-byte triple */
    int pending;       /* 212: the second sample of a pair; 310/311: the next of a triple */
    int pending2;      /* 310/311: the third sample of a triple */
    long long byte_at; /* file offset of buf[beg] */
} wfdb_group;

typedef struct wfdb_state {
    char path[1024];
    int nsig, ngroup;
    wfdb_sig sig[WFDB_MAX_SIG];
    wfdb_group *grp[WFDB_MAX_SIG];
    double fs_frame;
    long long nframes; /* from the header; -1 unknown (read to the end of a file) */
    long long frame;   /* frames read */
    int64_t delivered[PT_MAX_CHANNELS];
    int truncated_ok;
    int done;
    int32_t raw[WFDB_BUF]; /* one buffer's samples, decoded (at most one per byte) */
} wfdb_state;

static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    return n > e && !strcasecmp(path + n - e, ext);
}

/* The header's path for a .hea, .dat or .mat path; "" when there is none. */
static void header_path(const char *path, char out[1024])
{
    out[0] = '\0';
    if (has_ext(path, ".hea")) {
        snprintf(out, 1024, "%s", path);
        return;
    }
    const char *dot = strrchr(path, '.'), *sl = strrchr(path, '/');
    if (!dot || (sl && dot < sl))
        return;
    snprintf(out, 1024, "%.*s.hea", (int)(dot - path), path);
    if (access(out, R_OK) != 0)
        out[0] = '\0';
}

static int wfdb_probe(const char *path, const unsigned char *head, size_t len)
{
    char hea[1024];
    header_path(path, hea);
    if (!hea[0])
        return 0;
    if (!has_ext(path, ".hea"))
        return 70; /* a signal file next to its header */
    /* A text header whose first record line starts with a name and a number. */
    for (size_t i = 0; i < len; i++)
        if (head[i] == 0)
            return 0;
    return 90;
}

static void wfdb_close(void *p)
{
    wfdb_state *s = p;
    if (!s)
        return;
    for (int g = 0; g < s->ngroup; g++) {
        if (s->grp[g] && s->grp[g]->f)
            fclose(s->grp[g]->f);
        free(s->grp[g]);
    }
    for (int i = 0; i < s->nsig; i++)
        free(s->sig[i].lut);
    free(s);
}

static int fmt_known(int fmt)
{
    return fmt == 8 || fmt == 16 || fmt == 61 || fmt == 80 || fmt == 160 || fmt == 212 ||
           fmt == 310 || fmt == 311 || fmt == 24 || fmt == 32;
}

/* Bits per sample of a format. */
static int fmt_bits(int fmt)
{
    switch (fmt) {
    case 8:
    case 80: return 8;
    case 212: return 12;
    case 310:
    case 311: return 10; /* packed 3 in 32 bits: see packed_samples */
    case 24: return 24;
    case 32: return 32;
    default: return 16;
    }
}

/* Code WFDB writes for an invalid sample, per format. */
static long fmt_invalid(int fmt)
{
    switch (fmt) {
    case 212: return -2048;
    case 310:
    case 311: return -512;
    case 80: return -128;
    case 24: return -8388608;
    case 32: return -2147483647L - 1;
    case 8: return LONG_MIN; /* differences: no such code */
    default: return -32768;
    }
}

/* Formats 310 and 311 (WFDB signal(5)): three 10-bit two's-complement samples in 4 bytes.
 * 310: two little-endian 16-bit words, samples 0 and 1 in bits 1-10 of each, sample 2 from
 * their top 5 bits (low half from the first word); 311: one little-endian 32-bit word,
 * samples in bits 0-9, 10-19 and 20-29. */
static void unpack_10bit(int fmt, const unsigned char *b, int32_t v[3])
{
    uint32_t r[3];
    if (fmt == 310) {
        uint32_t w0 = (uint32_t)b[0] | (uint32_t)b[1] << 8,
                 w1 = (uint32_t)b[2] | (uint32_t)b[3] << 8;
        r[0] = (w0 >> 1) & 0x3FF;
        r[1] = (w1 >> 1) & 0x3FF;
        r[2] = ((w0 >> 11) & 0x1F) | ((w1 >> 11) & 0x1F) << 5;
    } else {
        uint32_t w =
            (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        r[0] = w & 0x3FF;
        r[1] = (w >> 10) & 0x3FF;
        r[2] = (w >> 20) & 0x3FF;
    }
    for (int k = 0; k < 3; k++)
        v[k] = r[k] & 0x200 ? (int32_t)r[k] - 1024 : (int32_t)r[k];
}

/* Samples held by nbytes of a 310/311 file: whole triples, and the first (310, 311) or first
 * two (311) of a last triple cut short. */
static long long packed_samples(int fmt, long long nbytes)
{
    long long r = nbytes % 4, n = nbytes / 4 * 3;
    return n + (r >= 2) + (fmt == 311 && r >= 3);
}

/* Next line of the header text (without CR/LF and trailing blanks); NULL at the end. */
static char *next_line(char **p)
{
    if (!**p)
        return NULL;
    char *line = *p, *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = line + strlen(line);
    }
    size_t n = strlen(line);
    while (n > 0 && isspace((unsigned char)line[n - 1]))
        line[--n] = '\0';
    return line;
}

/* Parse "hh:mm:ss.sss" [dd/mm/yyyy] into info's start. */
static void parse_base(const char *tm, const char *date, pt_recording_info *info)
{
    int h = 0, m = 0, d, mo, y;
    double sec = 0;
    int n = 0;
    /* WFDB allows "ss", "mm:ss" and "hh:mm:ss" */
    double a[3] = {0, 0, 0};
    const char *p = tm;
    while (n < 3) {
        char *end;
        a[n++] = strtod(p, &end);
        if (end == p)
            return;
        if (*end != ':')
            break;
        p = end + 1;
    }
    for (int i = 0; i < n; i++)
        if (!(a[i] >= 0 && a[i] < 1e5)) {
            pt_note_add(info, "the header's base time is not valid; start unknown");
            return;
        }
    if (n == 3) {
        h = (int)a[0];
        m = (int)a[1];
        sec = a[2];
    } else if (n == 2) {
        m = (int)a[0];
        sec = a[1];
    } else {
        sec = a[0];
    }
    char note[96];
    if (date && sscanf(date, "%d/%d/%d", &d, &mo, &y) == 3) {
        char iso[48];
        snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:00Z", y, mo, d, h, m);
        double u;
        if (!pt_parse_iso8601(iso, strlen(iso), &u)) {
            info->start_unix_s = u + sec;
            pt_format_iso8601(info->start_unix_s, info->start_time_utc);
        }
    } else {
        snprintf(note, sizeof note, "the header gives the start time of day %02d:%02d:%06.3f only",
                 h, m, sec);
        pt_note_add(info, note);
    }
}

static void *wfdb_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                       pt_error *err)
{
    wfdb_state *s = calloc(1, sizeof *s);
    char *text = NULL;
    FILE *hf = NULL;
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the WFDB reader", path);
        return NULL;
    }
    char hea[1024];
    header_path(path, hea);
    if (!hea[0]) {
        pt_error_set(err, PT_EFORMAT, "%s: no WFDB header (.hea) for this file", path);
        goto fail;
    }
    snprintf(s->path, sizeof s->path, "%s", hea);
    s->truncated_ok = opt->allow_truncated;
    if (!(hf = fopen(hea, "rb"))) {
        pt_error_set(err, PT_EIO, "%s: %s", hea, strerror(errno));
        goto fail;
    }
    text = calloc(1, 1 << 16);
    if (!text) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the header text", hea);
        goto fail;
    }
    size_t tn = fread(text, 1, (1 << 16) - 1, hf);
    fclose(hf);
    hf = NULL;
    if (tn == 0) {
        pt_error_set(err, PT_EFORMAT, "%s: the header is empty", hea);
        goto fail;
    }
    if (memchr(text, 0, tn)) {
        pt_error_set(err, PT_EFORMAT, "%s: the header is not text (NUL byte)", hea);
        goto fail;
    }
    char *cur = text, *line;
    int lineno = 0, sig = -1;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", hea);
    char *sl = strrchr(dir, '/');
    if (sl)
        sl[1] = '\0';
    else
        dir[0] = '\0';
    while ((line = next_line(&cur))) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            continue;
        if (sig < 0) {
            /* record line: name[/nseg] nsig [fs[/cf[(base)]] [nsamp [time [date]]]] */
            char name[128], fsf[64] = "", ns[32] = "", tm[32] = "", date[32] = "";
            int nsig;
            int k = sscanf(p, "%127s %d %63s %31s %31s %31s", name, &nsig, fsf, ns, tm, date);
            if (k < 2) {
                pt_error_set(err, PT_EFORMAT,
                             "%s:%d: record line needs a name and a number of "
                             "signals",
                             hea, lineno);
                goto fail;
            }
            if (strchr(name, '/')) {
                pt_error_set(err, PT_EUNSUPPORTED,
                             "%s:%d: multi-segment records are not supported; open a segment", hea,
                             lineno);
                goto fail;
            }
            if (nsig < 1 || nsig > WFDB_MAX_SIG) {
                pt_error_set(err, PT_EFORMAT, "%s:%d: %d signals (1..%d are supported)", hea,
                             lineno, nsig, WFDB_MAX_SIG);
                goto fail;
            }
            s->nsig = nsig;
            s->fs_frame = 250.0; /* WFDB's default */
            if (k >= 3) {
                char *end;
                s->fs_frame = strtod(fsf, &end);
                if (end == fsf || (*end && *end != '/') || !isfinite(s->fs_frame) ||
                    !(s->fs_frame > 0)) {
                    pt_error_set(err, PT_EFORMAT,
                                 "%s:%d: sampling frequency '%s' must be a positive number", hea,
                                 lineno, fsf);
                    goto fail;
                }
            }
            s->nframes = -1;
            if (k >= 4) {
                char *end;
                long long v = strtoll(ns, &end, 10);
                if (*end || v < 0) {
                    pt_error_set(err, PT_EFORMAT, "%s:%d: number of samples '%s' is not valid", hea,
                                 lineno, ns);
                    goto fail;
                }
                s->nframes = v > 0 ? v : -1;
            }
            if (k >= 5)
                parse_base(tm, k >= 6 ? date : NULL, info);
            sig = 0;
            continue;
        }
        if (sig >= s->nsig) {
            pt_note_add(info, "extra signal lines in the header were ignored");
            break;
        }
        /* signal line: file fmt[xspf][:skew][+off] [gain[(base)][/units] [adcres [adczero
         * [initval [cksum [bsize [description]]]]]]] */
        wfdb_sig *g = &s->sig[sig];
        char file[256], fmt[64], gain[64] = "";
        int pos = 0;
        int k = sscanf(p, "%255s %63s %n", file, fmt, &pos);
        if (k < 2) {
            pt_error_set(err, PT_EFORMAT, "%s:%d: signal line needs a file name and a format", hea,
                         lineno);
            goto fail;
        }
        snprintf(g->file, sizeof g->file, "%s", file);
        char *q = fmt, *end;
        g->fmt = (int)strtol(q, &end, 10);
        g->spf = 1;
        for (q = end; *q;) {
            char c = *q++;
            long v = strtol(q, &end, 10);
            if (end == q) {
                c = '?';
            }
            q = end;
            if (c == 'x' && v >= 1 && v <= 4096)
                g->spf = (int)v;
            else if (c == ':' && v >= 0)
                g->skew = (int)v;
            else if (c == '+' && v >= 0)
                g->offset = v;
            else {
                pt_error_set(err, PT_EFORMAT, "%s:%d: format field '%s' is not valid", hea, lineno,
                             fmt);
                goto fail;
            }
        }
        if (!fmt_known(g->fmt)) {
            pt_error_set(err, PT_EUNSUPPORTED,
                         "%s:%d: signal %d: format %d is not supported (8, 16, 61, 80, 160, 212, "
                         "310, 311, 24, 32)",
                         hea, lineno, sig, g->fmt);
            goto fail;
        }
        char *rest = p + pos;
        /* the remaining fields, then the description (rest of the line) */
        char f[6][64];
        int nf = 0;
        while (nf < 6) {
            while (isspace((unsigned char)*rest))
                rest++;
            if (!*rest)
                break;
            int w = 0;
            while (rest[w] && !isspace((unsigned char)rest[w]))
                w++;
            snprintf(f[nf], sizeof f[nf], "%.*s", w, rest);
            rest += w;
            nf++;
        }
        while (isspace((unsigned char)*rest))
            rest++;
        snprintf(g->desc, sizeof g->desc, "%s", rest);
        if (nf >= 1)
            snprintf(gain, sizeof gain, "%s", f[0]);
        g->gain = 200.0;
        snprintf(g->units, sizeof g->units, "mV");
        g->adcres = fmt_bits(g->fmt) == 8 ? 8 : fmt_bits(g->fmt);
        long adczero = 0;
        if (nf >= 3)
            adczero = strtol(f[2], NULL, 10);
        g->baseline = (double)adczero;
        int has_base = 0;
        if (gain[0]) {
            double gv = strtod(gain, &end);
            if (end == gain || !isfinite(gv) || gv < 0 || (gv > 0 && gv < 1e-200)) {
                pt_error_set(err, PT_EFORMAT, "%s:%d: signal %d: gain '%s' is not valid", hea,
                             lineno, sig, gain);
                goto fail;
            }
            if (gv > 0)
                g->gain = gv;
            if (*end == '(') {
                g->baseline = strtod(end + 1, &end);
                has_base = 1;
                /* WFDB baselines are integers; an overflowing one (found by fuzzing:
                 * "(-1e4605)") would turn every sample into an infinity */
                if (*end != ')' || !(fabs(g->baseline) <= 2147483647.0)) {
                    pt_error_set(err, PT_EFORMAT,
                                 "%s:%d: signal %d: baseline in '%s' is not "
                                 "valid",
                                 hea, lineno, sig, gain);
                    goto fail;
                }
                end++;
            }
            if (*end == '/')
                snprintf(g->units, sizeof g->units, "%s", end + 1);
        }
        if (nf >= 2) {
            int r = atoi(f[1]);
            if (r > 0)
                g->adcres = r;
        }
        if (nf >= 3 && !has_base)
            g->baseline = (double)adczero;
        if (nf >= 4)
            g->initval = strtol(f[3], NULL, 10);
        else
            g->initval = adczero;
        /* WFDB's initial value is an int: format 8 adds its differences to it, and a value
         * near LONG_MAX (found by fuzzing) would overflow the running sum */
        if (g->initval < -2147483647L - 1 || g->initval > 2147483647L) {
            pt_error_set(err, PT_EFORMAT,
                         "%s:%d: signal %d: initial value %ld is outside the 32-bit range "
                         "of WFDB samples",
                         hea, lineno, sig, g->initval);
            goto fail;
        }
        if (nf >= 5) {
            g->cksum = strtol(f[4], NULL, 10);
            g->has_cksum = 1;
        }
        g->acc = g->initval;
        sig++;
    }
    if (sig < 0) {
        pt_error_set(err, PT_EFORMAT, "%s: no record line", hea);
        goto fail;
    }
    if (sig < s->nsig) {
        pt_error_set(err, PT_EFORMAT,
                     "%s:%d: the record line announces %d signals, the header "
                     "describes %d",
                     hea, lineno, s->nsig, sig);
        goto fail;
    }
    /* Group consecutive signals by file; open each file. */
    int skew = 0;
    for (int i = 0; i < s->nsig; i++) {
        wfdb_sig *g = &s->sig[i];
        skew |= g->skew != 0;
        if (i > 0 && !strcmp(g->file, s->sig[i - 1].file)) {
            g->group = s->ngroup - 1;
            wfdb_group *gr = s->grp[g->group];
            if (g->fmt != gr->fmt || g->offset != s->sig[gr->first].offset) {
                pt_error_set(err, PT_EFORMAT,
                             "%s: signals %d and %d share '%s' with different formats", hea,
                             gr->first, i, g->file);
                goto fail;
            }
            gr->nsig++;
            gr->frame_samples += g->spf;
            continue;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(g->file, s->sig[j].file)) {
                pt_error_set(err, PT_EUNSUPPORTED,
                             "%s: signal %d: '%s' is used by signals that "
                             "are not consecutive",
                             hea, i, g->file);
                goto fail;
            }
        if (!strcmp(g->file, "-")) {
            pt_error_set(err, PT_EUNSUPPORTED, "%s: signal %d: data on standard input", hea, i);
            goto fail;
        }
        wfdb_group *gr = calloc(1, sizeof *gr);
        if (!gr) {
            pt_error_set(err, PT_ENOMEM, "%s: signal %d: out of memory for its signal file group",
                         hea, i);
            goto fail;
        }
        s->grp[s->ngroup] = gr;
        g->group = s->ngroup++;
        gr->fmt = g->fmt;
        gr->first = i;
        gr->nsig = 1;
        gr->frame_samples = g->spf;
        snprintf(gr->path, sizeof gr->path, "%s%s", g->file[0] == '/' ? "" : dir, g->file);
        if (!(gr->f = fopen(gr->path, "rb"))) {
            pt_error_set(err, PT_EIO, "%s: signal %d: %s: %s", hea, i, gr->path, strerror(errno));
            goto fail;
        }
    }
    /* File sizes against the number of samples. */
    for (int gi = 0; gi < s->ngroup; gi++) {
        wfdb_group *gr = s->grp[gi];
        struct stat st;
        if (fstat(fileno(gr->f), &st) != 0) {
            pt_error_set(err, PT_EIO, "%s: %s", gr->path, strerror(errno));
            goto fail;
        }
        long long off = s->sig[gr->first].offset;
        long long bits_frame = (long long)gr->frame_samples * fmt_bits(gr->fmt);
        /* an offset past the end (up to LONG_MAX from strtol) holds nothing: no overflow */
        long long have =
            (long long)st.st_size < off ? 0 : ((long long)st.st_size - off) * 8 / bits_frame;
        if ((gr->fmt == 310 || gr->fmt == 311) && (long long)st.st_size >= off)
            have = packed_samples(gr->fmt, (long long)st.st_size - off) / gr->frame_samples;
        if (s->nframes < 0) {
            if (gi == 0 || have < s->nframes)
                s->nframes = have;
        } else if (have < s->nframes) {
            if (!s->truncated_ok) {
                pt_error_set(err, PT_EFORMAT,
                             "%s: byte %lld: truncated: the header (%s) promises %lld samples "
                             "per signal, the file holds %lld",
                             gr->path, (long long)st.st_size, hea, s->nframes, have);
                goto fail;
            }
            char note[128];
            snprintf(note, sizeof note, "truncated: %lld of %lld frames present", have, s->nframes);
            pt_note_add(info, note);
            s->nframes = have;
            for (int i = 0; i < s->nsig; i++)
                s->sig[i].has_cksum = 0;
        }
        if (fseeko(gr->f, (off_t)off, SEEK_SET) != 0) {
            pt_error_set(err, PT_EIO, "%s: %s", gr->path, strerror(errno));
            goto fail;
        }
        gr->byte_at = off;
    }
    if (s->nframes == 0) { /* as a CSV with a header and no rows: nothing to summarise */
        pt_error_set(err, PT_EDATA, "%s: no samples: %s", hea,
                     s->ngroup ? "its signal file holds no complete frame"
                               : "the header gives 0 samples");
        goto fail;
    }
    if (skew)
        pt_note_add(info, "signal skew in the header was not applied");
    /* Channels. */
    int axis[PT_MAX_CHANNELS];
    for (int i = 0; i < s->nsig; i++) {
        wfdb_sig *g = &s->sig[i];
        g->chan = -1;
        if (info->nchan >= PT_MAX_CHANNELS)
            continue;
        size_t c = info->nchan++;
        g->chan = (int)c;
        pt_channel_info *ch = &info->chan[c];
        snprintf(ch->name, sizeof ch->name, "%s", g->desc[0] ? g->desc : "signal");
        double scale;
        pt_kind_from_label(g->desc, g->units, &ch->kind, &scale, ch->units, &axis[c]);
        g->gain /= scale; /* (d - base) / gain * scale */
        ch->fs_hz = s->fs_frame * g->spf;
        ch->n_samples = s->nframes * g->spf;
    }
    if (s->nsig > PT_MAX_CHANNELS)
        pt_note_add(info, "signals beyond the first 16 were ignored");
    pt_assign_acc_axes(info, axis);
    if (pt_channel_map_apply(opt->channels, info, hea, err))
        goto fail;
    info->duration_s = (double)s->nframes / s->fs_frame;
    free(text);
    return s;
fail:
    if (hf)
        fclose(hf);
    free(text);
    wfdb_close(s);
    return NULL;
}

/* Make at least n bytes available in gr->buf; returns the bytes available. */
static size_t fill(wfdb_group *gr, size_t n)
{
    if (gr->end - gr->beg >= n || gr->eof)
        return gr->end - gr->beg;
    memmove(gr->buf, gr->buf + gr->beg, gr->end - gr->beg);
    gr->end -= gr->beg;
    gr->beg = 0;
    while (gr->end < n && !gr->eof) {
        size_t got = fread(gr->buf + gr->end, 1, WFDB_BUF - gr->end, gr->f);
        if (got == 0)
            gr->eof = 1;
        gr->end += got;
    }
    return gr->end - gr->beg;
}

/* Next raw sample of signal g from its file; returns 0 or -1 (the file ended). */
static int next_sample(wfdb_group *gr, wfdb_sig *g, long *d)
{
    unsigned char *b;
    switch (gr->fmt) {
    case 310:
    case 311:
        if (gr->phase) {
            *d = gr->phase == 1 ? gr->pending : gr->pending2;
            gr->phase = gr->phase == 1 ? 2 : 0;
            return 0;
        }
        {
            size_t have = fill(gr, 4);
            if (have < 2)
                return -1;
            unsigned char q[4] = {0, 0, 0, 0};
            size_t take = have < 4 ? have : 4;
            memcpy(q, gr->buf + gr->beg, take);
            int32_t v[3];
            unpack_10bit(gr->fmt, q, v);
            *d = v[0];
            gr->pending = v[1];
            gr->pending2 = v[2];
            gr->phase = 1; /* a triple cut short is the file's end: the rest is never asked */
            gr->beg += take;
            gr->byte_at += (long long)take;
        }
        return 0;
    case 212:
        if (gr->phase) {
            gr->phase = 0;
            *d = gr->pending;
            return 0;
        }
        if (fill(gr, 3) < 2)
            return -1;
        b = gr->buf + gr->beg;
        {
            long a = b[0] | (b[1] & 0x0F) << 8;
            *d = a >= 2048 ? a - 4096 : a;
            if (gr->end - gr->beg >= 3) {
                long c = b[2] | (b[1] & 0xF0) << 4;
                gr->pending = (int)(c >= 2048 ? c - 4096 : c);
                gr->beg += 3;
                gr->byte_at += 3;
            } else { /* an odd sample count ends the file with 2 bytes */
                gr->pending = 0;
                gr->beg += 2;
                gr->byte_at += 2;
            }
            gr->phase = 1;
        }
        return 0;
    case 8:
    case 80:
        if (fill(gr, 1) < 1)
            return -1;
        b = gr->buf + gr->beg++;
        gr->byte_at++;
        if (gr->fmt == 80) {
            *d = (long)b[0] - 128;
        } else {
            g->acc += (int8_t)b[0];
            *d = g->acc;
        }
        return 0;
    case 16:
    case 61:
    case 160:
        if (fill(gr, 2) < 2)
            return -1;
        b = gr->buf + gr->beg;
        gr->beg += 2;
        gr->byte_at += 2;
        if (gr->fmt == 61)
            *d = (int16_t)(uint16_t)(b[0] << 8 | b[1]);
        else if (gr->fmt == 160)
            *d = (long)(b[0] | b[1] << 8) - 32768;
        else
            *d = (int16_t)(uint16_t)(b[0] | b[1] << 8);
        return 0;
    case 24:
        if (fill(gr, 3) < 3)
            return -1;
        b = gr->buf + gr->beg;
        gr->beg += 3;
        gr->byte_at += 3;
        {
            long v = (long)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16);
            *d = v & 0x800000 ? v - 0x1000000 : v;
        }
        return 0;
    default: /* 32 */
        if (fill(gr, 4) < 4)
            return -1;
        b = gr->buf + gr->beg;
        gr->beg += 4;
        gr->byte_at += 4;
        *d = (long)(int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                             (uint32_t)b[3] << 24);
        return 0;
    }
}

/* Bytes that hold the next nsamp samples of the group's file (212: from its phase). */
static size_t bytes_for(const wfdb_group *gr, long long nsamp)
{
    if (gr->fmt == 212) {
        long long rest = nsamp - (gr->phase ? 1 : 0);
        return rest > 0 ? (size_t)(3 * ((rest + 1) / 2)) : 0;
    }
    if (gr->fmt == 310 || gr->fmt == 311) {
        long long rest = nsamp - (gr->phase ? 3 - gr->phase : 0);
        return rest > 0 ? (size_t)(4 * ((rest + 2) / 3)) : 0;
    }
    return (size_t)nsamp * (size_t)(fmt_bits(gr->fmt) / 8);
}

/* Samples decodable from nbytes buffered bytes (212: with the pending one). */
static long long samples_in(const wfdb_group *gr, size_t nbytes)
{
    if (gr->fmt == 212)
        return (long long)(nbytes / 3) * 2 + (gr->phase ? 1 : 0);
    if (gr->fmt == 310 || gr->fmt == 311)
        return (long long)(nbytes / 4) * 3 + (gr->phase ? 3 - gr->phase : 0);
    return (long long)(nbytes / (size_t)(fmt_bits(gr->fmt) / 8));
}

/* Decode n samples from the group's buffer into raw[] (all present: see
 * samples_in); the same values as n calls of next_sample. */
static void decode_run(wfdb_group *gr, int32_t *raw, size_t n)
{
    const unsigned char *p = gr->buf + gr->beg, *p0 = p;
    size_t i = 0;
    switch (gr->fmt) {
    case 310:
    case 311:
        while (gr->phase && i < n) {
            raw[i++] = gr->phase == 1 ? gr->pending : gr->pending2;
            gr->phase = gr->phase == 1 ? 2 : 0;
        }
        for (; i + 3 <= n; i += 3, p += 4)
            unpack_10bit(gr->fmt, p, raw + i);
        if (i < n) { /* one or two samples: the rest of the triple waits */
            int32_t v[3];
            unpack_10bit(gr->fmt, p, v);
            p += 4;
            raw[i++] = v[0];
            gr->pending = v[1];
            gr->pending2 = v[2];
            gr->phase = 1;
            if (i < n) {
                raw[i++] = v[1];
                gr->phase = 2;
            }
        }
        break;
    case 212:
        if (gr->phase && n) {
            raw[i++] = gr->pending;
            gr->phase = 0;
        }
        for (; i + 2 <= n; i += 2, p += 3) {
            int a = p[0] | (p[1] & 0x0F) << 8, c = p[2] | (p[1] & 0xF0) << 4;
            raw[i] = a >= 2048 ? a - 4096 : a;
            raw[i + 1] = c >= 2048 ? c - 4096 : c;
        }
        if (i < n) { /* a lone sample: its pair partner waits */
            int a = p[0] | (p[1] & 0x0F) << 8, c = p[2] | (p[1] & 0xF0) << 4;
            raw[i++] = a >= 2048 ? a - 4096 : a;
            gr->pending = c >= 2048 ? c - 4096 : c;
            gr->phase = 1;
            p += 3;
        }
        break;
    case 8: /* differences: accumulated per signal by the caller */
        for (; i < n; i++)
            raw[i] = (int8_t)p[i];
        p += n;
        break;
    case 80:
        for (; i < n; i++)
            raw[i] = (int32_t)p[i] - 128;
        p += n;
        break;
    case 16:
        for (; i < n; i++, p += 2)
            raw[i] = (int16_t)(uint16_t)(p[0] | p[1] << 8);
        break;
    case 61:
        for (; i < n; i++, p += 2)
            raw[i] = (int16_t)(uint16_t)(p[0] << 8 | p[1]);
        break;
    case 160:
        for (; i < n; i++, p += 2)
            raw[i] = (int32_t)(p[0] | p[1] << 8) - 32768;
        break;
    case 24:
        for (; i < n; i++, p += 3) {
            int32_t v = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16);
            raw[i] = v & 0x800000 ? v - 0x1000000 : v;
        }
        break;
    default: /* 32 */
        for (; i < n; i++, p += 4)
            raw[i] = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                               (uint32_t)p[3] << 24);
        break;
    }
    gr->beg += (size_t)(p - p0);
    gr->byte_at += (long long)(p - p0);
}

/* Frames every file can give from its buffer (filled up to one buffer's worth),
 * at most want; 0 when some file is near its end (the per-sample path then
 * reports exactly where it ends). */
static long long frames_buffered(wfdb_state *s, long long want)
{
    for (int gi = 0; gi < s->ngroup && want > 0; gi++) {
        wfdb_group *gr = s->grp[gi];
        long long fs = gr->frame_samples;
        size_t need = bytes_for(gr, want * fs);
        if (need > WFDB_BUF)
            need = WFDB_BUF;
        long long can = samples_in(gr, fill(gr, need)) / fs;
        if (can < want)
            want = can;
    }
    return want;
}

/* Decode nfr whole frames of every file into the block (see frames_buffered). */
static void decode_frames(wfdb_state *s, pt_block *b, long long nfr)
{
    for (int gi = 0; gi < s->ngroup; gi++) {
        wfdb_group *gr = s->grp[gi];
        size_t fs = (size_t)gr->frame_samples;
        decode_run(gr, s->raw, (size_t)nfr * fs);
        size_t off = 0; /* the signal's first sample within a frame */
        for (int i = gr->first; i < gr->first + gr->nsig; i++) {
            wfdb_sig *g = &s->sig[i];
            size_t spf = (size_t)g->spf;
            long inval = fmt_invalid(g->fmt);
            double base = g->baseline, gain = g->gain;
            unsigned sum = g->sum;
            long acc = g->acc;
            double *out = g->chan >= 0 ? b->x[g->chan] + b->n[g->chan] : NULL;
            size_t m = 0;
            /* 12- and 8-bit codes: a table of the values (the same expression, made
             * once) instead of a division per sample */
            int lut_off = g->fmt == 212                    ? 2048
                          : g->fmt == 310 || g->fmt == 311 ? 512
                          : g->fmt == 80                   ? 128
                                                           : 0;
            if (out && lut_off && !g->lut &&
                (g->lut = malloc(2 * (size_t)lut_off * sizeof(double)))) {
                for (long d = -lut_off; d < lut_off; d++)
                    g->lut[d + lut_off] = d == inval ? (double)NAN : ((double)d - base) / gain;
            }
            if (out && lut_off && g->lut) {
                const double *lut = g->lut + lut_off;
                for (long long fr = 0; fr < nfr; fr++) {
                    const int32_t *r = s->raw + (size_t)fr * fs + off;
                    for (size_t k = 0; k < spf; k++) {
                        sum += (unsigned)(long)r[k];
                        out[m++] = lut[r[k]];
                    }
                }
            } else if (out && fs == 1 && g->fmt != 8) {
                /* one signal of one sample per frame (most files): a flat loop */
                const int32_t *r = s->raw;
                for (long long fr = 0; fr < nfr; fr++) {
                    long d = r[fr];
                    sum += (unsigned)d;
                    out[fr] = d == inval ? (double)NAN : ((double)d - base) / gain;
                }
                m = (size_t)nfr;
            } else {
                for (long long fr = 0; fr < nfr; fr++) {
                    const int32_t *r = s->raw + (size_t)fr * fs + off;
                    for (size_t k = 0; k < spf; k++) {
                        long d = r[k];
                        if (g->fmt == 8) {
                            acc += d;
                            d = acc;
                        }
                        sum += (unsigned)d;
                        if (out)
                            out[m++] = d == inval ? (double)NAN : ((double)d - base) / gain;
                    }
                }
            }
            g->sum = sum;
            g->acc = acc;
            if (out)
                b->n[g->chan] += m;
            off += spf;
        }
    }
}

static int wfdb_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    wfdb_state *s = p;
    for (size_t c = 0; c < info->nchan; c++)
        b->first[c] = s->delivered[c];
    /* frames that fit: every channel gets spf samples per frame */
    long long room = (long long)b->cap;
    for (int i = 0; i < s->nsig; i++)
        if (s->sig[i].chan >= 0 && (long long)b->cap / s->sig[i].spf < room)
            room = (long long)b->cap / s->sig[i].spf;
    if (room < 1)
        return pt_error_set(err, PT_EINVAL,
                            "%s: blocks of %zu samples are too small for %d "
                            "samples per frame",
                            s->path, b->cap, s->sig[0].spf);
    long long todo = s->nframes - s->frame;
    if (todo > room)
        todo = room;
    for (long long fr = 0; fr < todo; fr++) {
        /* Whole frames already in the buffers: decoded format by format. */
        long long nfr = frames_buffered(s, todo - fr);
        if (nfr > 0) {
            decode_frames(s, b, nfr);
            s->frame += nfr;
            fr += nfr - 1;
            continue;
        }
        /* Near a file's end: sample by sample, to name the frame it ends at. */
        for (int gi = 0; gi < s->ngroup; gi++) {
            wfdb_group *gr = s->grp[gi];
            for (int i = gr->first; i < gr->first + gr->nsig; i++) {
                wfdb_sig *g = &s->sig[i];
                long inval = fmt_invalid(g->fmt);
                for (int k = 0; k < g->spf; k++) {
                    long d;
                    if (next_sample(gr, g, &d))
                        return pt_error_set(err, PT_EFORMAT,
                                            "%s: byte %lld: the file ends at frame %lld of %lld "
                                            "(truncated while reading)",
                                            gr->path, gr->byte_at, s->frame, s->nframes);
                    g->sum += (unsigned)d;
                    if (g->chan >= 0)
                        b->x[g->chan][b->n[g->chan]++] =
                            d == inval ? (double)NAN : ((double)d - g->baseline) / g->gain;
                }
            }
        }
        s->frame++;
    }
    for (size_t c = 0; c < info->nchan; c++)
        s->delivered[c] += (int64_t)b->n[c];
    if (todo == 0 && !s->done) {
        s->done = 1;
        for (int i = 0; i < s->nsig; i++) {
            wfdb_sig *g = &s->sig[i];
            if (g->has_cksum && (int16_t)(g->sum & 0xFFFF) != (int16_t)(g->cksum & 0xFFFF))
                return pt_error_set(err, PT_EDATA,
                                    "%s: signal %d (%s): checksum %d of the %lld samples read "
                                    "does not match the header's %ld (corrupt data?)",
                                    s->path, i, g->desc, (int16_t)(g->sum & 0xFFFF),
                                    s->nframes * g->spf, g->cksum);
        }
        for (size_t c = 0; c < info->nchan; c++)
            info->chan[c].n_samples = s->delivered[c];
    }
    return PT_OK;
}

const pt_reader_ops pt_reader_wfdb = {"wfdb", wfdb_probe, wfdb_open, wfdb_read, wfdb_close};
