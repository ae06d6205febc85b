/* SPDX-License-Identifier: GPL-2.0-or-later
 * geneactiv.c — GENEActiv .bin (Activinsights): a text header of "Key:Value" lines in
 * sections, "Calibration Data" (x/y/z gain and offset, Volts, Lux), then pages: a
 * "Recorded Data" line, 8 page-header lines (Page Time, Temperature, Measurement
 * Frequency, ...) and one line of hex, 12 hex digits (48 bits) per sample: 12-bit
 * two's-complement x, y, z, 10-bit light, button, reserved.
 * g = (raw x 100 - offset) / gain, lux = light x Lux / Volts (GENEActiv Instructions
 * Manual, Activinsights, "Understanding .bin files").
 * Time: the first page's Page Time (local, the header's "Time Zone" gives UTC), then the
 * clock runs at the header's Measurement Frequency, as GGIRread's readGENEActiv does: the
 * device rounds page times (0.5 s steps), so restarting each page at its own time would
 * put jumps of up to 0.5 s into a regular signal. How far the page times stray from the
 * clock is given in the note. A page cut short at the end of the file is dropped with a
 * note. The original Genea layout ("GENEA/1.00", binary pages) is read by gn_* below. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "io/edf_util.h"
#include "io/reader_impl.h"

#define GA_LINE 16384    /* longest line accepted (a page's hex line is 3,600) */
#define GA_PAGE_MAX 1200 /* samples in one page, at most */
#define GA_HEADER_LINES 400

enum { GA_X, GA_Y, GA_Z, GA_LIGHT, GA_TEMP, GA_NCHAN };

typedef struct ga_state {
    FILE *f;
    char path[1024];
    char *line;
    long long lineno; /* of the line in `line` */
    long long at;     /* byte offset of the line in `line` */
    long long next_at;
    int last_cut; /* the last line read ended at EOF without a newline */
    double fs_hz, tz_s;
    double gain[3], offset[3], lux_per_unit;
    double t0_local; /* first page's time */
    long long pages, pages_header, cut_pages;
    double max_dev_s; /* largest |page time - clock| */
    int64_t samples;  /* samples decoded */
    int done;
    pt_chunk k;
    struct gn_state *gn; /* the original Genea layout, read by gn_* below */
} ga_state;

static int ga_probe(const char *path, const unsigned char *head, size_t len)
{
    (void)path;
    if (len >= 15 && !memcmp(head, "Device Identity", 15))
        return 95;
    if (len >= 6 && !memcmp(head, "GENEA/", 6))
        return 90; /* the original Genea (2010) */
    return 0;
}

static void gn_close(struct gn_state *g);

static void ga_close(void *p)
{
    ga_state *s = p;
    if (!s)
        return;
    gn_close(s->gn);
    if (s->f)
        fclose(s->f);
    free(s->line);
    pt_chunk_free(&s->k);
    free(s);
}

/* Next line into s->line without its CR/LF: 1, 0 at the end of the file, -1 with *err. */
static int get_line(ga_state *s, pt_error *err)
{
    s->at = s->next_at;
    if (!fgets(s->line, GA_LINE, s->f)) {
        if (ferror(s->f))
            return pt_error_set(err, PT_EIO, "%s: byte %lld: %s", s->path, s->at, strerror(errno)),
                   -1;
        return 0;
    }
    size_t n = strlen(s->line);
    s->next_at += (long long)n;
    s->lineno++;
    s->last_cut = 0;
    if (n && s->line[n - 1] == '\n') {
        s->line[--n] = '\0';
    } else if (n == GA_LINE - 1) {
        pt_error_set(err, PT_EFORMAT, "%s:%lld (byte %lld): line longer than %d bytes", s->path,
                     s->lineno, s->at, GA_LINE - 2);
        return -1;
    } else {
        s->last_cut = 1; /* the file ends inside this line */
    }
    if (n && s->line[n - 1] == '\r')
        s->line[--n] = '\0';
    return 1;
}

/* "Key:value" -> value when the line's key is key (case-insensitive), else NULL. */
static const char *value_of(const char *line, const char *key)
{
    size_t kl = strlen(key);
    if (strncasecmp(line, key, kl) || line[kl] != ':')
        return NULL;
    const char *v = line + kl + 1;
    while (*v == ' ')
        v++;
    return v;
}

static int parse_num(const char *v, double *out)
{
    char *e;
    double d = strtod(v, &e);
    if (e == v || !isfinite(d))
        return -1;
    *out = d;
    return 0;
}

/* "2019-05-21 16:16:43:500" (ms after a colon; month and day may be unpadded) -> seconds. */
static int parse_time(const char *v, double *out)
{
    int y, mo, d, h, mi, se, ms = 0;
    if (sscanf(v, "%d-%d-%d %d:%d:%d:%d", &y, &mo, &d, &h, &mi, &se, &ms) < 6)
        return -1;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || h < 0 ||
        mi > 59 || mi < 0 || se > 60 || se < 0 || ms < 0 || ms > 999)
        return -1;
    char iso[40];
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, se);
    if (pt_parse_iso8601(iso, strlen(iso), out))
        return -1;
    *out += ms / 1000.0;
    return 0;
}

/* ---- The original Genea (2010): "GENEA/1.00", then "Key:Value" CRLF lines up to a blank
 * line, then pages of 2048 bytes straight after it, each 341 chunks of 6 bytes (+2 padding).
 * The chunk type is the high nibble of byte 1: 0 = one x/y/z sample (three 12-bit two's
 * complement values: x = byte1 low nibble + byte2, y = byte3 + high nibble of byte4, z = low
 * nibble of byte4 + byte5), 2 = a clock time (bytes 2-5, big-endian Unix s of the local
 * clock), 4 = battery. Layout, calibration and times as GGIRread's readGenea (R/readGenea.R,
 * GGIRread 1.0.7; Migueles et al. 2019): x and z negated, + Accel-Offsets, x Accel-Gains /
 * 8192 rounded to counts, x 1000 / 340 rounded to milli-g; a sample's time is its preceding
 * clock time plus (that time - the previous one) / (samples until the next one) per sample,
 * and the samples from the last clock time on are dropped except the first. */
#define GN_PAGE 2048
#define GN_CHUNKS 341
#define GN_HEADER_MAX 10240

typedef struct gn_step {
    int64_t at;       /* sample index where the clock time changes */
    double t, t_prev; /* the clock there and just before */
} gn_step;

typedef struct gn_state {
    FILE *f;
    char path[1024];
    long long data_at; /* first page's byte offset */
    long long pages;   /* whole pages in the file */
    long long page;    /* next page to read */
    int gain[3], offset[3];
    double fs_hz;
    int64_t n;    /* samples delivered (GGIRread's count) */
    int64_t sent; /* samples emitted so far */
    int cut;      /* bytes after the last whole page */
    pt_chunk k;
} gn_state;

static void gn_close(struct gn_state *g)
{
    if (!g)
        return;
    if (g->f)
        fclose(g->f);
    pt_chunk_free(&g->k);
    free(g);
}

/* One 2048-byte page: 0, 1 at the end of the whole pages, or an error code. */
static int gn_page(gn_state *g, long long p, unsigned char buf[GN_PAGE], pt_error *err)
{
    if (p >= g->pages)
        return 1;
    long long at = g->data_at + p * GN_PAGE;
    if (fseeko(g->f, (off_t)at, SEEK_SET) || fread(buf, 1, GN_PAGE, g->f) != GN_PAGE)
        return pt_error_set(err, PT_EIO, "%s: byte %lld: cannot read a page", g->path, at);
    for (int c = 0; c < GN_CHUNKS; c++) {
        int type = buf[6 * c + 1] >> 4;
        if (type != 0 && type != 2 && type != 4)
            return pt_error_set(err, PT_EFORMAT,
                                "%s: byte %lld: chunk of type %d (only 0 data, 2 time and 4 "
                                "battery exist): damaged Genea file",
                                g->path, at + 6 * c, type);
    }
    return 0;
}

static int gn_header_int3(const char *v, int out[3])
{
    long a[3];
    char *e = (char *)v;
    for (int i = 0; i < 3; i++) {
        char *s = e;
        a[i] = strtol(s, &e, 10);
        if (e == s || a[i] < -100000 || a[i] > 100000)
            return -1;
    }
    for (int i = 0; i < 3; i++)
        out[i] = (int)a[i];
    return 0;
}

static gn_state *gn_open(const char *path, FILE *f, const pt_read_options *opt,
                         pt_recording_info *info, pt_error *err)
{
    gn_state *g = calloc(1, sizeof *g);
    unsigned char *hb = malloc(GN_HEADER_MAX + 1);
    gn_step *st = NULL;
    if (!g || !hb) {
        free(hb);
        free(g);
        fclose(f);
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    g->f = f;
    snprintf(g->path, sizeof g->path, "%s", path);
    for (int a = 0; a < 3; a++)
        g->gain[a] = 8192; /* GGIRread's defaults when the header has none */
    rewind(f);
    size_t hn = fread(hb, 1, GN_HEADER_MAX, f);
    hb[hn] = '\0';
    /* the header ends with an empty CRLF line */
    long long end = -1;
    for (size_t i = 0; i + 3 < hn; i++)
        if (hb[i] == '\r' && hb[i + 1] == '\n' && hb[i + 2] == '\r' && hb[i + 3] == '\n') {
            end = (long long)i + 4;
            break;
        }
    if (end < 0) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: byte %zu: no end of the Genea header (an empty line) in the first %d "
                     "bytes: cut or damaged file",
                     path, hn, GN_HEADER_MAX);
        goto fail;
    }
    char serial[64] = "", start[64] = "";
    g->fs_hz = (double)NAN;
    for (long long i = 0; i < end - 4;) {
        long long j = i; /* the line's CRLF: the header's final one at end - 4 at the latest
                            (by bytes: a NUL in a line must not hide it) */
        while (!(hb[j] == '\r' && hb[j + 1] == '\n'))
            j++;
        char *line = (char *)hb + i;
        hb[j] = '\0';
        long long line_at = i;
        i = j + 2;
        const char *v;
        if ((v = value_of(line, "Serial-Number")))
            snprintf(serial, sizeof serial, "%.60s", v);
        else if ((v = value_of(line, "Trial-Start")))
            snprintf(start, sizeof start, "%.60s", v);
        else if ((v = value_of(line, "Sample-Rate"))) {
            if (parse_num(v, &g->fs_hz) || !(g->fs_hz > 0 && g->fs_hz <= 10000)) {
                pt_error_set(err, PT_EFORMAT, "%s: byte %lld: Sample-Rate '%.20s' is not a rate",
                             path, line_at, v);
                goto fail;
            }
        } else if (((v = value_of(line, "Accel-Gains")) && gn_header_int3(v, g->gain)) ||
                   ((v = value_of(line, "Accel-Offsets")) && gn_header_int3(v, g->offset))) {
            pt_error_set(err, PT_EFORMAT, "%s: byte %lld: '%.40s' is not three integers", path,
                         line_at, line);
            goto fail;
        }
    }
    if (isnan(g->fs_hz)) {
        pt_error_set(err, PT_EFORMAT, "%s: the Genea header has no Sample-Rate", path);
        goto fail;
    }
    g->data_at = end;
    if (fseeko(f, 0, SEEK_END)) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    long long size = (long long)ftello(f);
    g->pages = size > end ? (size - end) / GN_PAGE : 0;
    g->cut = (int)(size > end ? (size - end) % GN_PAGE : 0);
    /* first pass: where the clock time changes */
    size_t nst = 0, cap = 0;
    int64_t i = 0;
    double cur = (double)NAN, prev = (double)NAN;
    unsigned char buf[GN_PAGE];
    for (long long p = 0; p < g->pages; p++) {
        int r = gn_page(g, p, buf, err);
        if (r)
            goto fail;
        for (int c = 0; c < GN_CHUNKS; c++) {
            const unsigned char *b = buf + 6 * c;
            int type = b[1] >> 4;
            if (type == 2) {
                cur = (double)((uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 |
                               b[5]);
            } else if (type == 0) {
                if (i > 0 && cur > prev) { /* false while either is NaN */
                    if (nst == cap) {
                        cap = cap ? 2 * cap : 256;
                        gn_step *t = realloc(st, cap * sizeof *t);
                        if (!t) {
                            pt_error_set(err, PT_ENOMEM, "out of memory");
                            goto fail;
                        }
                        st = t;
                    }
                    st[nst++] = (gn_step){i, cur, prev};
                }
                prev = cur;
                i++;
            }
        }
    }
    if (nst < 2) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: byte %lld: %lld whole pages hold %zu changes of the clock time, fewer "
                     "than 2: no sample times (cut or damaged file)",
                     path, g->data_at + g->pages * GN_PAGE, g->pages, nst);
        goto fail;
    }
    g->n = st[nst - 1].at + 1;
    /* GGIRread's first time: the first clock change, less the next segment's rate */
    double t_first =
        st[0].t - (st[1].t - st[0].t) / (double)(st[1].at - st[0].at) * (double)st[0].at;
    /* GGIRread's times vs the regular clock t_first + i / fs: linear in each segment, so the
     * largest difference is at a segment's ends */
    double dev = 0;
    for (size_t k = 0; k + 1 < nst; k++) {
        double len = (double)(st[k + 1].at - st[k].at),
               rate = (st[k + 1].t_prev - st[k].t_prev) / len;
        for (int e = 0; e < 2; e++) {
            double j = e ? len - 1 : 0, ti = st[k].t + rate * j;
            double d = fabs(ti - (t_first + ((double)st[k].at + j) / g->fs_hz));
            if (d > dev)
                dev = d;
        }
    }
    {
        double d = fabs(st[nst - 1].t - (t_first + (double)st[nst - 1].at / g->fs_hz));
        if (d > dev)
            dev = d;
    }
    size_t caps[3];
    static const char *const names[3] = {"acc_x", "acc_y", "acc_z"};
    for (int c = 0; c < 3; c++) {
        pt_channel_info *ch = &info->chan[info->nchan++];
        snprintf(ch->name, sizeof ch->name, "%s", names[c]);
        ch->kind = (pt_kind)(PT_KIND_ACC_X + c);
        snprintf(ch->units, sizeof ch->units, "g");
        ch->fs_hz = g->fs_hz;
        ch->n_samples = g->n;
        caps[c] = GN_CHUNKS;
    }
    if (pt_chunk_init(&g->k, info->nchan, caps)) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        goto fail;
    }
    info->start_unix_s = t_first;
    info->duration_s = (double)g->n / g->fs_hz;
    pt_format_iso8601(t_first, info->start_time_utc);
    {
        char note[400];
        snprintf(note, sizeof note,
                 "original Genea (2010) serial %s, Trial-Start %s, %g Hz, %lld pages%s; times: "
                 "the device's local clock taken as UTC (no time zone in the header), regular "
                 "from GGIRread's first sample time, within %.6f s of GGIRread's per-second "
                 "times; acc in g from GGIRread's integer milli-g",
                 serial, start, g->fs_hz, g->pages,
                 g->cut ? " (the file ends inside a page: that page is dropped)" : "", dev);
        pt_note_add(info, note);
    }
    free(st);
    free(hb);
    st = NULL;
    hb = NULL;
    if (pt_channel_map_apply(opt->channels, info, path, err))
        goto fail;
    return g;
fail:
    free(st);
    free(hb);
    gn_close(g);
    return NULL;
}

/* GGIRread's int16(): clamp, then round half to even. */
static double gn_int16(double v)
{
    return nearbyint(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
}

static int gn_load(void *p, pt_recording_info *info, pt_error *err)
{
    gn_state *g = p;
    unsigned char buf[GN_PAGE];
    if (g->sent >= g->n)
        return -1;
    int r = gn_page(g, g->page++, buf, err);
    if (r)
        return r == 1 ? -1 : r;
    size_t n = 0;
    for (int c = 0; c < GN_CHUNKS && g->sent < g->n; c++) {
        const unsigned char *b = buf + 6 * c;
        if (b[1] >> 4)
            continue;
        int v[3] = {(b[1] & 15) << 8 | b[2], b[3] << 4 | b[4] >> 4, (b[4] & 15) << 8 | b[5]};
        for (int a = 0; a < 3; a++) {
            int x = v[a] > 2047 ? v[a] - 4096 : v[a];
            if (a != 1)
                x = -x;
            double counts = gn_int16((double)(x + g->offset[a]) * g->gain[a] / 8192.0);
            g->k.v[a][n] = gn_int16(counts * 1000.0 / 340.0) / 1000.0; /* milli-g -> g */
        }
        n++;
        g->sent++;
    }
    for (size_t c = 0; c < info->nchan; c++) {
        g->k.len[c] = n;
        g->k.pos[c] = 0;
    }
    return PT_OK;
}

static void *ga_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                     pt_error *err)
{
    ga_state *s = calloc(1, sizeof *s);
    if (!s || !(s->line = malloc(GA_LINE))) {
        free(s);
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    if (!(s->f = fopen(path, "rb"))) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    int r = get_line(s, err);
    if (r < 0)
        goto fail;
    if (r == 0) {
        pt_error_set(err, PT_EFORMAT, "%s: the file is empty", path);
        goto fail;
    }
    if (!strncmp(s->line, "GENEA/", 6)) {
        FILE *f = s->f;
        s->f = NULL;
        if (!(s->gn = gn_open(path, f, opt, info, err)))
            goto fail;
        return s;
    }
    if (strcmp(s->line, "Device Identity") != 0) {
        pt_error_set(err, PT_EFORMAT,
                     "%s:1: not a GENEActiv .bin (the first line is not 'Device Identity')", path);
        goto fail;
    }
    /* the header, up to the first "Recorded Data" */
    char serial[64] = "", fw[64] = "", tz[64] = "";
    int have[8] = {0}; /* gains, offsets, volts+lux, frequency */
    double volts = (double)NAN, lux = (double)NAN;
    s->fs_hz = (double)NAN;
    for (;;) {
        if ((r = get_line(s, err)) < 0)
            goto fail;
        if (r == 0 || s->lineno > GA_HEADER_LINES) {
            pt_error_set(err, PT_EFORMAT,
                         "%s:%lld: no 'Recorded Data' page after the header (the file holds no "
                         "data, or is not GENEActiv)",
                         path, s->lineno);
            goto fail;
        }
        if (!strcmp(s->line, "Recorded Data"))
            break;
        const char *v;
        static const char *const keys[6] = {"x gain",   "y gain",   "z gain",
                                            "x offset", "y offset", "z offset"};
        for (int a = 0; a < 6; a++)
            if ((v = value_of(s->line, keys[a]))) {
                double d;
                if (parse_num(v, &d) || (a < 3 && d == 0)) {
                    pt_error_set(err, PT_EFORMAT, "%s:%lld: %s '%s' is not a number%s", path,
                                 s->lineno, keys[a], v, a < 3 ? " (non-zero)" : "");
                    goto fail;
                }
                if (a < 3)
                    s->gain[a] = d;
                else
                    s->offset[a - 3] = d;
                have[a] = 1;
            }
        if ((v = value_of(s->line, "Volts")))
            parse_num(v, &volts);
        else if ((v = value_of(s->line, "Lux")))
            parse_num(v, &lux);
        else if ((v = value_of(s->line, "Measurement Frequency")) && !have[7]) {
            if (parse_num(v, &s->fs_hz) || !(s->fs_hz > 0 && s->fs_hz <= 10000)) {
                pt_error_set(err, PT_EFORMAT, "%s:%lld: Measurement Frequency '%s' is not a rate",
                             path, s->lineno, v);
                goto fail;
            }
            have[7] = 1;
        } else if ((v = value_of(s->line, "Time Zone")))
            snprintf(tz, sizeof tz, "%s", v);
        else if ((v = value_of(s->line, "Device Unique Serial Code")))
            snprintf(serial, sizeof serial, "%s", v);
        else if ((v = value_of(s->line, "Device Firmware Version")))
            snprintf(fw, sizeof fw, "%s", v);
        else if ((v = value_of(s->line, "Number of Pages")))
            s->pages_header = strtoll(v, NULL, 10);
    }
    for (int a = 0; a < 6; a++)
        if (!have[a]) {
            pt_error_set(err, PT_EFORMAT, "%s: the header has no Calibration Data (%s)", path,
                         a < 3 ? "gain" : "offset");
            goto fail;
        }
    if (!have[7]) {
        pt_error_set(err, PT_EFORMAT, "%s: the header has no Measurement Frequency", path);
        goto fail;
    }
    s->lux_per_unit = volts > 0 && isfinite(lux) ? lux / volts : (double)NAN;
    /* "GMT -04:00" / "GMT +01:00" */
    int tz_ok = 0;
    {
        const char *p = tz;
        if (!strncasecmp(p, "GMT", 3) || !strncasecmp(p, "UTC", 3))
            p += 3;
        while (*p == ' ')
            p++;
        int hh = 0, mm = 0;
        if ((*p == '+' || *p == '-') && sscanf(p + 1, "%d:%d", &hh, &mm) >= 1 && hh <= 14 &&
            hh >= 0 && mm >= 0 && mm < 60) {
            s->tz_s = (*p == '-' ? -1 : 1) * (hh * 3600.0 + mm * 60.0);
            tz_ok = 1;
        } else if (*p == '\0' && tz[0]) {
            tz_ok = 1; /* plain "GMT" */
        }
    }
    static const char *const names[GA_NCHAN] = {"acc_x", "acc_y", "acc_z", "light", "temperature"};
    static const char *const units[GA_NCHAN] = {"g", "g", "g", "lux", "degC"};
    size_t caps[GA_NCHAN];
    for (int c = 0; c < GA_NCHAN; c++) {
        pt_channel_info *ch = &info->chan[info->nchan++];
        snprintf(ch->name, sizeof ch->name, "%s", names[c]);
        ch->kind = c < 3 ? (pt_kind)(PT_KIND_ACC_X + c) : PT_KIND_AUX;
        snprintf(ch->units, sizeof ch->units, "%s", units[c]);
        ch->fs_hz = s->fs_hz;
        ch->n_samples = -1;
        caps[c] = GA_PAGE_MAX;
    }
    if (pt_chunk_init(&s->k, info->nchan, caps)) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        goto fail;
    }
    {
        char note[300];
        snprintf(note, sizeof note,
                 "GENEActiv serial %s firmware %s, %g Hz; times run at that rate from the first "
                 "page's time (as GGIRread)%s",
                 serial, fw, s->fs_hz,
                 tz_ok ? "" : "; no Time Zone in the header: local time taken as UTC");
        pt_note_add(info, note);
    }
    if (pt_channel_map_apply(opt->channels, info, path, err))
        goto fail;
    s->t0_local = (double)NAN;
    return s;
fail:
    ga_close(s);
    return NULL;
}

/* Value of a hex digit, -1 for any other byte. */
static const signed char
    hexval_tab[256] = {['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
                       ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12,
                       ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16, ['a'] = 11, ['b'] = 12,
                       ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16}; /* value + 1; 0 = not hex */

static int hexval(int c)
{
    return hexval_tab[c & 0xFF] - 1;
}

/* One page into the chunk: PT_OK, -1 at the end, or an error code. s->line holds
 * "Recorded Data" (already read) when called. */
static int load_page(void *p, pt_recording_info *info, pt_error *err)
{
    ga_state *s = p;
    if (s->done)
        return -1;
    long long page_at = s->at, page_line = s->lineno;
    if (strcmp(s->line, "Recorded Data") != 0)
        return pt_error_set(err, PT_EFORMAT,
                            "%s:%lld (byte %lld): expected 'Recorded Data' (a page) but read "
                            "'%.40s'",
                            s->path, s->lineno, s->at, s->line);
    double page_t = (double)NAN, temp = (double)NAN;
    int r;
    for (int i = 0; i < 8; i++) {
        if ((r = get_line(s, err)) < 0)
            return err ? err->code : PT_EIO;
        if (r == 0 || s->last_cut) {
            s->cut_pages++;
            s->done = 1;
            return -1;
        }
        const char *v;
        if ((v = value_of(s->line, "Page Time")) && parse_time(v, &page_t))
            return pt_error_set(err, PT_EFORMAT, "%s:%lld: Page Time '%.40s' is not a time",
                                s->path, s->lineno, v);
        if ((v = value_of(s->line, "Temperature")) && parse_num(v, &temp))
            temp = (double)NAN;
    }
    if (isnan(page_t))
        return pt_error_set(err, PT_EFORMAT, "%s:%lld (byte %lld): page without a Page Time",
                            s->path, page_line, page_at);
    if ((r = get_line(s, err)) < 0)
        return err ? err->code : PT_EIO;
    if (r == 0 || s->last_cut) {
        s->cut_pages++;
        s->done = 1;
        return -1;
    }
    size_t len = strlen(s->line);
    if (len == 0 || len % 12 || len / 12 > GA_PAGE_MAX)
        return pt_error_set(err, PT_EFORMAT,
                            "%s:%lld (byte %lld): page data of %zu hex digits (a multiple of 12, "
                            "at most %d samples)",
                            s->path, s->lineno, s->at, len, GA_PAGE_MAX);
    int n = (int)(len / 12);
    for (int i = 0; i < n; i++) {
        const char *h = s->line + 12 * i;
        uint64_t w = 0;
        for (int j = 0; j < 12; j++) {
            int d = hexval((unsigned char)h[j]);
            if (d < 0)
                return pt_error_set(err, PT_EFORMAT,
                                    "%s:%lld (byte %lld): '%c' is not a hex digit (sample %d of "
                                    "the page)",
                                    s->path, s->lineno, s->at + 12 * i + j, h[j], i);
            w = w << 4 | (uint64_t)d;
        }
        for (int a = 0; a < 3; a++) {
            int v = (int)(w >> (36 - 12 * a) & 0xFFF);
            if (v > 2047)
                v -= 4096;
            s->k.v[a][i] = ((double)v * 100.0 - s->offset[a]) / s->gain[a];
        }
        s->k.v[GA_LIGHT][i] = (double)(w >> 2 & 0x3FF) * s->lux_per_unit;
        s->k.v[GA_TEMP][i] = temp;
    }
    if (isnan(s->t0_local)) {
        s->t0_local = page_t;
        info->start_unix_s = page_t - s->tz_s;
        pt_format_iso8601(info->start_unix_s, info->start_time_utc);
    } else {
        double dev = page_t - (s->t0_local + (double)s->samples / s->fs_hz);
        if (fabs(dev) > s->max_dev_s)
            s->max_dev_s = fabs(dev);
    }
    s->samples += n;
    s->pages++;
    for (size_t c = 0; c < info->nchan; c++) {
        s->k.len[c] = (size_t)n;
        s->k.pos[c] = 0;
    }
    /* the next page's first line */
    if ((r = get_line(s, err)) < 0)
        return err ? err->code : PT_EIO;
    if (r == 0)
        s->done = 1;
    else if (s->last_cut) {
        s->cut_pages++;
        s->done = 1;
    }
    return PT_OK;
}

static int ga_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    ga_state *s = p;
    int done, rc;
    if (s->gn) {
        if ((rc = pt_chunk_read(&s->gn->k, b, gn_load, s->gn, info, &done, err)))
            return rc;
        if (done)
            pt_chunk_finish(&s->gn->k, info);
        return PT_OK;
    }
    rc = pt_chunk_read(&s->k, b, load_page, s, info, &done, err);
    if (rc)
        return rc;
    if (done && !strstr(info->note, " pages read")) {
        pt_chunk_finish(&s->k, info);
        char note[300];
        snprintf(note, sizeof note,
                 "%lld pages read (the header says %lld)%s; page times differ from the sample "
                 "clock by up to %.3f s",
                 s->pages, s->pages_header,
                 s->cut_pages ? "; the file ends inside a page: that page's samples were dropped"
                              : "",
                 s->max_dev_s);
        pt_note_add(info, note);
    }
    return PT_OK;
}

const pt_reader_ops pt_reader_geneactiv = {"geneactiv", ga_probe, ga_open, ga_read, ga_close};
