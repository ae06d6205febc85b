/* SPDX-License-Identifier: GPL-2.0-or-later
 * gt3x.c — ActiGraph .gt3x: a zip archive holding info.txt and either
 *  - log.bin (current devices): records 0x1E, type, uint32 second (local time), uint16
 *    size, payload, 1's-complement XOR checksum; ACTIVITY (0x00, 12-bit YXZ bit-packed)
 *    and ACTIVITY2 (0x1A, int16 XYZ) hold one second of samples each; EVENT (0x03)
 *    payload 0x08/0x09 = idle sleep entered/left (ActiGraph GT3X-File-Format, 2015); or
 *  - activity.bin (NHANES-era GT3X+, firmware <= 2.5.0): one stream of 36-bit YXZ samples
 *    from the start date on (ActiGraph NHANES-GT3X-File-Format, 2014).
 * Counts are divided by info.txt's "Acceleration Scale" (else 341 for NEO/CLE/MRA serials,
 * 256 otherwise; 341 for activity.bin) and delivered unrounded (ActiLife rounds to 3 dp).
 * Idle sleep: the device stops sampling while still; a gap whose log has an "enter idle
 * sleep" event is filled by repeating the last sample (as ActiLife and pygt3x do) and
 * channel "idle_sleep" is 1 there (0 where measured); any other gap is NaN.
 * log.bin is inflated and walked record by record (io/zip.c): memory is one buffer. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/edf_util.h"
#include "io/reader_impl.h"
#include "io/zip.h"

#define GT3X_BUF (1 << 17)                  /* >= the largest record (65535 + 9 bytes) */
#define GT3X_INFO_MAX 65536                 /* info.txt larger than this is not ActiGraph's */
#define GT3X_FS_MAX 1000                    /* samples per second in a record, at most */
#define NET_TICKS_UNIX 621355968000000000LL /* .NET ticks at 1970-01-01 */

typedef struct gt3x_state {
    char path[1100]; /* "file.gt3x:log.bin" for messages */
    pt_zip *zip;
    pt_zip_stream *zs;
    int old;            /* 1: activity.bin */
    unsigned char *buf; /* inflated bytes [beg, end) */
    size_t beg, end;
    int src_eof;
    long long off; /* offset in the member of buf[beg] */
    double fs_hz, scale, tz_s;
    int fs;          /* samples per second (integer rate) */
    int64_t t_first; /* local second of the first activity record */
    int64_t next;    /* sample index the next stored sample should have */
    int started;
    int sleep_seen; /* an "enter idle sleep" event since the last activity record */
    double max_gap_s;
    /* what is waiting to be delivered */
    int64_t fill_left; /* gap samples */
    int fill_sleep;    /* 1: repeat last[] (idle sleep); 0: NaN */
    double last[3];
    double rec[3][GT3X_FS_MAX];
    int rec_len, rec_pos;
    int64_t delivered, n_filled, n_nan, n_bad_usb;
} gt3x_state;

static int gt3x_probe(const char *path, const unsigned char *head, size_t len)
{
    if (!pt_zip_sniff(head, len))
        return 0;
    pt_zip *z = pt_zip_open(path, NULL);
    if (!z)
        return 0;
    int info = pt_zip_find(z, "info.txt") >= 0;
    int data = pt_zip_find(z, "log.bin") >= 0 || pt_zip_find(z, "activity.bin") >= 0;
    pt_zip_close(z);
    return info && data ? 96 : 0;
}

static void gt3x_close(void *p)
{
    gt3x_state *s = p;
    if (!s)
        return;
    pt_zip_stream_close(s->zs);
    pt_zip_close(s->zip);
    free(s->buf);
    free(s);
}

/* Make at least need bytes available at buf[beg]: 1, 0 when the member ends first, -1 error. */
static int fill(gt3x_state *s, size_t need, pt_error *err)
{
    while (s->end - s->beg < need) {
        if (s->src_eof)
            return 0;
        if (s->beg > 0) {
            memmove(s->buf, s->buf + s->beg, s->end - s->beg);
            s->end -= s->beg;
            s->beg = 0;
        }
        ssize_t got = pt_zip_stream_read(s->zs, s->buf + s->end, GT3X_BUF - s->end, err);
        if (got < 0)
            return -1;
        if (got == 0)
            s->src_eof = 1;
        s->end += (size_t)got;
    }
    return 1;
}

/* Value of "key: value" in info.txt, or NULL. */
static const char *info_get(const char *text, const char *key, char *out, size_t outsz)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        if (!strncasecmp(p, key, kl) && p[kl] == ':') {
            const char *v = p + kl + 1;
            const char *e = v;
            while (*e && *e != '\n' && *e != '\r')
                e++;
            pt_trim_copy(out, outsz, v, (size_t)(e - v));
            return out;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

/* A number that may use a decimal comma ("4,03"); NaN when it is not one. */
static double num(const char *s)
{
    char t[64], *e;
    snprintf(t, sizeof t, "%s", s);
    for (char *p = t; *p; p++)
        if (*p == ',')
            *p = '.';
    double v = strtod(t, &e);
    return e == t || *e ? (double)NAN : v;
}

/* "-04:00:00" / "02:00:00" -> seconds; 0 with *ok = 0 when absent or malformed. */
static double tz_seconds(const char *s, int *ok)
{
    int sign = 1, h = 0, m = 0, sec = 0;
    *ok = 0;
    if (*s == '-' || *s == '+')
        sign = *s++ == '-' ? -1 : 1;
    if (sscanf(s, "%d:%d:%d", &h, &m, &sec) < 2 || h > 14 || m > 59 || sec > 59 || h < 0 || m < 0 ||
        sec < 0)
        return 0;
    *ok = 1;
    return sign * (h * 3600.0 + m * 60.0 + sec);
}

static int read_info(gt3x_state *s, const char *file, char **text, pt_error *err)
{
    long m = pt_zip_find(s->zip, "info.txt");
    const pt_zip_entry *e = pt_zip_entry_at(s->zip, (size_t)m);
    if (e->usize > GT3X_INFO_MAX)
        return pt_error_set(err, PT_EFORMAT, "%s:info.txt: %llu bytes, too large for info.txt",
                            file, (unsigned long long)e->usize);
    pt_zip_stream *zs = pt_zip_stream_open(s->zip, (size_t)m, err);
    if (!zs)
        return err ? err->code : PT_EFORMAT;
    char *t = malloc(GT3X_INFO_MAX + 1);
    size_t n = 0;
    int rc = PT_OK;
    for (;;) {
        if (!t) {
            rc = pt_error_set(err, PT_ENOMEM, "out of memory");
            break;
        }
        ssize_t got = pt_zip_stream_read(zs, t + n, GT3X_INFO_MAX - n, err);
        if (got < 0) {
            rc = err ? err->code : PT_EFORMAT;
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n >= GT3X_INFO_MAX) {
            rc = pt_error_set(err, PT_EFORMAT, "%s:info.txt: too large", file);
            break;
        }
    }
    pt_zip_stream_close(zs);
    if (rc) {
        free(t);
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        if (t[i] == '\0')
            t[i] = ' ';
    t[n] = '\0';
    *text = t;
    return PT_OK;
}

static void *gt3x_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                       pt_error *err)
{
    gt3x_state *s = calloc(1, sizeof *s);
    char *text = NULL;
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    s->max_gap_s = opt->max_gap_s > 0 ? opt->max_gap_s : 86400.0;
    if (!(s->zip = pt_zip_open(path, err)))
        goto fail;
    long mlog = pt_zip_find(s->zip, "log.bin"), mact = pt_zip_find(s->zip, "activity.bin");
    if (pt_zip_find(s->zip, "info.txt") < 0 || (mlog < 0 && mact < 0)) {
        pt_error_set(err, PT_EFORMAT,
                     "%s: not an ActiGraph .gt3x (the archive needs info.txt and log.bin or "
                     "activity.bin)",
                     path);
        goto fail;
    }
    s->old = mlog < 0;
    if (read_info(s, path, &text, err))
        goto fail;
    char v[128], serial[64] = "", fw[64] = "";
    info_get(text, "Serial Number", serial, sizeof serial);
    info_get(text, "Firmware", fw, sizeof fw);
    s->fs_hz = info_get(text, "Sample Rate", v, sizeof v) ? num(v) : (double)NAN;
    if (!(s->fs_hz >= 1 && s->fs_hz <= GT3X_FS_MAX) || s->fs_hz != floor(s->fs_hz)) {
        pt_error_set(err, PT_EFORMAT, "%s:info.txt: Sample Rate '%s' is not a whole rate in Hz",
                     path, info_get(text, "Sample Rate", v, sizeof v) ? v : "(missing)");
        goto fail;
    }
    s->fs = (int)s->fs_hz;
    int has_scale = info_get(text, "Acceleration Scale", v, sizeof v) != NULL;
    s->scale = has_scale ? num(v) : 0;
    if (has_scale && !(s->scale >= 1 && s->scale <= 1e5)) {
        pt_error_set(err, PT_EFORMAT, "%s:info.txt: Acceleration Scale '%s' is not a scale", path,
                     v);
        goto fail;
    }
    if (!has_scale)
        s->scale = s->old || !strncasecmp(serial, "NEO", 3) || !strncasecmp(serial, "CLE", 3) ||
                           !strncasecmp(serial, "MRA", 3)
                       ? 341.0
                       : 256.0;
    int tz_ok = 0;
    if (info_get(text, "TimeZone", v, sizeof v))
        s->tz_s = tz_seconds(v, &tz_ok);
    double start_local = (double)NAN;
    if (info_get(text, "Start Date", v, sizeof v)) {
        char *e;
        long long ticks = strtoll(v, &e, 10);
        if (*e == '\0' && ticks > NET_TICKS_UNIX)
            start_local = (double)((ticks - NET_TICKS_UNIX) / 10000LL) / 1000.0;
    }
    if (s->old && !isfinite(start_local)) {
        pt_error_set(err, PT_EFORMAT, "%s:info.txt: no Start Date (.NET ticks)", path);
        goto fail;
    }
    snprintf(s->path, sizeof s->path, "%s:%s", path, s->old ? "activity.bin" : "log.bin");
    if (!(s->zs = pt_zip_stream_open(s->zip, (size_t)(s->old ? mact : mlog), err)))
        goto fail;
    if (!(s->buf = malloc(GT3X_BUF))) {
        pt_error_set(err, PT_ENOMEM, "out of memory");
        goto fail;
    }
    static const char *const names[4] = {"acc_x", "acc_y", "acc_z", "idle_sleep"};
    for (int c = 0; c < (s->old ? 3 : 4); c++) {
        pt_channel_info *ch = &info->chan[info->nchan++];
        snprintf(ch->name, sizeof ch->name, "%s", names[c]);
        ch->kind = c < 3 ? (pt_kind)(PT_KIND_ACC_X + c) : PT_KIND_AUX;
        snprintf(ch->units, sizeof ch->units, "%s", c < 3 ? "g" : "bool");
        ch->fs_hz = s->fs_hz;
        ch->n_samples = -1;
    }
    if (s->old) {
        s->started = 1;
        info->start_unix_s = start_local - s->tz_s;
        pt_format_iso8601(info->start_unix_s, info->start_time_utc);
    } else {
        /* the first activity record sets the start: find it now (records before it are
         * metadata, parameters, battery) */
        s->rec_len = -1;
    }
    {
        char note[300];
        snprintf(note, sizeof note, "ActiGraph %s serial %s firmware %s, %g Hz, %g counts/g%s%s%s",
                 s->old ? "activity.bin (NHANES-era layout)" : "log.bin", serial, fw, s->fs_hz,
                 s->scale, has_scale ? "" : " (by serial number: info.txt has no scale)",
                 tz_ok ? "" : "; no TimeZone in info.txt: local time taken as UTC",
                 s->old ? "" : "; idle-sleep gaps repeat the last sample (idle_sleep = 1)");
        pt_note_add(info, note);
    }
    if (pt_channel_map_apply(opt->channels, info, path, err))
        goto fail;
    free(text);
    return s;
fail:
    free(text);
    gt3x_close(s);
    return NULL;
}

/* ACTIVITY payload: n samples of 12-bit Y, X, Z, MSB first. */
static void unpack12(const unsigned char *p, int n, double scale, double out[3][GT3X_FS_MAX])
{
    static const int order[3] = {1, 0, 2}; /* Y X Z -> x y z */
    for (int i = 0; i < n; i++)
        for (int a = 0; a < 3; a++) {
            long bit = (long)(i * 3 + a) * 12;
            const unsigned char *q = p + bit / 8;
            int v = bit % 8 ? ((q[0] & 0x0F) << 8) | q[1] : (q[0] << 4) | (q[1] >> 4);
            if (v > 2047)
                v -= 4096;
            out[order[a]][i] = (double)v / scale;
        }
}

/* The next record with samples into s->rec (and any gap before it into fill_left):
 * 1, 0 at the end, or -1 with *err. */
static int next_record(gt3x_state *s, pt_recording_info *info, pt_error *err)
{
    for (;;) {
        int r = fill(s, 8, err);
        if (r < 0)
            return -1;
        if (r == 0) {
            if (s->end > s->beg) {
                pt_error_set(err, PT_EFORMAT,
                             "%s: byte %lld: truncated record header (%zu of 8 bytes)", s->path,
                             s->off, s->end - s->beg);
                return -1;
            }
            return 0;
        }
        const unsigned char *h = s->buf + s->beg;
        if (h[0] != 0x1E) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %lld: no record separator (0x1E) but 0x%02X: corrupt log",
                         s->path, s->off, h[0]);
            return -1;
        }
        int type = h[1];
        uint32_t ts =
            (uint32_t)h[2] | (uint32_t)h[3] << 8 | (uint32_t)h[4] << 16 | (uint32_t)h[5] << 24;
        size_t size = (size_t)h[6] | (size_t)h[7] << 8;
        r = fill(s, 9 + size, err);
        if (r < 0)
            return -1;
        if (r == 0) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %lld: truncated record (type 0x%02X, %zu payload bytes, %zu "
                         "present)",
                         s->path, s->off, type, size, s->end - s->beg - 8);
            return -1;
        }
        h = s->buf + s->beg;
        unsigned x = 0;
        for (size_t i = 0; i < 8 + size; i++)
            x ^= h[i];
        if ((unsigned char)~x != h[8 + size]) {
            pt_error_set(err, PT_EDATA,
                         "%s: byte %lld: record checksum mismatch (type 0x%02X, stored 0x%02X, "
                         "computed 0x%02X)",
                         s->path, s->off, type, h[8 + size], (unsigned char)~x);
            return -1;
        }
        long long at = s->off;
        const unsigned char *p = h + 8;
        s->beg += 9 + size;
        s->off += 9 + (long long)size;
        if (type == 0x03 && size >= 1 && p[0] == 0x08)
            s->sleep_seen = 1;
        if (type != 0x00 && type != 0x1A)
            continue;
        if (size <= 1) { /* a USB connection event, no samples */
            s->n_bad_usb++;
            continue;
        }
        int n = type == 0x1A ? (int)(size / 6) : (int)(size * 8 / 36);
        if (n > GT3X_FS_MAX || (type == 0x1A && size % 6)) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %lld: activity record of %zu bytes does not hold whole samples "
                         "of one second",
                         s->path, at, size);
            return -1;
        }
        if (type == 0x1A) {
            for (int i = 0; i < n; i++)
                for (int a = 0; a < 3; a++) {
                    const unsigned char *q = p + 6 * i + 2 * a;
                    s->rec[a][i] = (double)(int16_t)(uint16_t)(q[0] | q[1] << 8) / s->scale;
                }
        } else {
            unpack12(p, n, s->scale, s->rec);
        }
        if (!s->started) {
            s->started = 1;
            s->t_first = ts;
            info->start_unix_s = (double)ts - s->tz_s;
            pt_format_iso8601(info->start_unix_s, info->start_time_utc);
        }
        int64_t want = ((int64_t)ts - s->t_first) * s->fs;
        if (want < s->next - s->fs / 2) { /* half a second back: not a short record */
            pt_error_set(err, PT_EDATA,
                         "%s: byte %lld: record time %u goes back %.2f s before the previous "
                         "record's end",
                         s->path, at, ts, (double)(s->next - want) / s->fs_hz);
            return -1;
        }
        if (want > s->next) {
            if ((double)(want - s->next) / s->fs_hz > s->max_gap_s) {
                pt_error_set(err, PT_EDATA,
                             "%s: byte %lld: gap of %.0f s before this record is longer than the "
                             "limit of %.0f s",
                             s->path, at, (double)(want - s->next) / s->fs_hz, s->max_gap_s);
                return -1;
            }
            s->fill_left = want - s->next;
            s->fill_sleep = s->sleep_seen && s->delivered + s->rec_pos > 0;
            if (s->fill_sleep)
                s->n_filled += s->fill_left;
            else
                s->n_nan += s->fill_left;
            s->next = want;
        }
        s->sleep_seen = 0;
        s->rec_len = n;
        s->rec_pos = 0;
        s->next += n;
        return 1;
    }
}

/* activity.bin: up to GT3X_FS_MAX samples (9 bytes = 2 samples) into s->rec. */
static int next_old(gt3x_state *s, pt_error *err)
{
    int r = fill(s, 9 * (GT3X_FS_MAX / 2), err);
    if (r < 0)
        return -1;
    size_t avail = s->end - s->beg;
    if (avail > 9 * (GT3X_FS_MAX / 2))
        avail = 9 * (GT3X_FS_MAX / 2);
    int n = (int)(avail * 8 / 36);
    if (n == 0)
        return 0;
    unpack12(s->buf + s->beg, n, s->scale, s->rec);
    size_t used = r ? (size_t)n * 36 / 8 : avail; /* the last odd half byte is padding */
    s->beg += used;
    s->off += (long long)used;
    s->rec_len = n;
    s->rec_pos = 0;
    return 1;
}

static int gt3x_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    gt3x_state *s = p;
    size_t nc = info->nchan, n = 0;
    for (size_t c = 0; c < nc; c++)
        b->first[c] = s->delivered;
    while (n < b->cap) {
        if (s->fill_left > 0) {
            for (; s->fill_left > 0 && n < b->cap; s->fill_left--, n++) {
                for (int a = 0; a < 3; a++)
                    b->x[a][n] = s->fill_sleep ? s->last[a] : (double)NAN;
                if (nc > 3)
                    b->x[3][n] = s->fill_sleep ? 1.0 : 0.0;
            }
            continue;
        }
        if (s->rec_pos < s->rec_len) {
            for (; s->rec_pos < s->rec_len && n < b->cap; s->rec_pos++, n++) {
                for (int a = 0; a < 3; a++)
                    b->x[a][n] = s->last[a] = s->rec[a][s->rec_pos];
                if (nc > 3)
                    b->x[3][n] = 0.0;
            }
            continue;
        }
        int r = s->old ? next_old(s, err) : next_record(s, info, err);
        if (r < 0)
            return err ? err->code : PT_EFORMAT;
        if (r == 0)
            break;
    }
    for (size_t c = 0; c < nc; c++)
        b->n[c] = n;
    s->delivered += (int64_t)n;
    if (n == 0) {
        for (size_t c = 0; c < nc; c++)
            info->chan[c].n_samples = s->delivered;
        info->duration_s = (double)s->delivered / s->fs_hz;
        if (!s->started && !strstr(info->note, "no samples"))
            pt_note_add(info, "the log holds no samples");
        if (s->n_filled + s->n_nan > 0 && !strstr(info->note, "samples filled")) {
            char note[200];
            snprintf(note, sizeof note,
                     "%lld samples filled by repeating the last one (idle sleep), %lld missing "
                     "(NaN: gaps without an idle-sleep event)",
                     (long long)s->n_filled, (long long)s->n_nan);
            pt_note_add(info, note);
        }
    }
    return PT_OK;
}

const pt_reader_ops pt_reader_gt3x = {"gt3x", gt3x_probe, gt3x_open, gt3x_read, gt3x_close};
