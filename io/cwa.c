/* SPDX-License-Identifier: GPL-2.0-or-later
 * cwa.c — Axivity AX3/AX6 native .cwa files: a "MD" header (1024 bytes) and
 * 512-byte "AX" data blocks with a packed timestamp, a rate/range code and
 * 3 or 6 axes as packed 10-bit words (AX3, 1/256 g) or 16-bit samples (AX3
 * 1/256 g; AX6 gyro then accel, accel unit from the block's light word).
 * Method: Open Movement cwa.h / omconvert (Jackson D, Newcastle University).
 * A block whose 16-bit word sum is not 0 is skipped and listed in the note;
 * the time it should have covered becomes NaN samples. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/edf_util.h"
#include "io/reader_impl.h"

#define CWA_BLOCK 512

typedef struct cwa_state {
    FILE *f;
    char path[1024];
    long long data_at; /* first data block */
    long long nblocks; /* complete blocks after the header */
    long long block;   /* next block */
    int ax6;
    int naxes; /* axes in the file's samples: 3 or 6 */
    double fs_hz;
    int rate_code;
    double t_next;    /* Unix time the next sample should have */
    double max_gap_s; /* a longer gap between blocks is an error (pt_read_options) */
    int started;
    long long bad, bad_list[8];
    int nbad_list;
    pt_chunk k;
} cwa_state;

static uint16_t u16(const unsigned char *b)
{
    return (uint16_t)(b[0] | b[1] << 8);
}
static uint32_t u32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static int cwa_probe(const char *path, const unsigned char *head, size_t len)
{
    (void)path;
    if (len < 4 || head[0] != 'M' || head[1] != 'D')
        return 0;
    return u16(head + 2) == 1020 ? 90 : 30; /* every AX3/AX6 writes 1020 (two blocks) */
}

static void cwa_close(void *p)
{
    cwa_state *s = p;
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    pt_chunk_free(&s->k);
    free(s);
}

/* Packed date-time YYYYYYMM MMDDDDDh hhhhmmmm mmssssss -> Unix seconds, or NaN. */
static double cwa_time(uint32_t v)
{
    int y = 2000 + (int)(v >> 26), mo = (int)(v >> 22 & 15), d = (int)(v >> 17 & 31),
        h = (int)(v >> 12 & 31), mi = (int)(v >> 6 & 63), se = (int)(v & 63);
    char iso[32];
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", y % 10000, mo, d, h % 100, mi % 100,
             se % 100);
    double u;
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59 ||
        pt_parse_iso8601(iso, strlen(iso), &u))
        return (double)NAN;
    return u;
}

static int checksum_ok(const unsigned char *b)
{
    uint16_t sum = 0;
    for (int i = 0; i < CWA_BLOCK; i += 2)
        sum = (uint16_t)(sum + u16(b + i));
    return sum == 0;
}

static void *cwa_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                      pt_error *err)
{
    cwa_state *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the CWA reader", path);
        return NULL;
    }
    s->max_gap_s = opt->max_gap_s > 0 ? opt->max_gap_s : 86400.0;
    snprintf(s->path, sizeof s->path, "%s", path);
    if (!(s->f = fopen(path, "rb"))) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(fileno(s->f), &st)) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    long long fsize = (long long)st.st_size;
    unsigned char h[CWA_BLOCK];
    if (fsize == 0) {
        pt_error_set(err, PT_EFORMAT, "%s: the file is empty", path);
        goto fail;
    }
    size_t got = fread(h, 1, CWA_BLOCK, s->f);
    if (got >= 2 && (h[0] != 'M' || h[1] != 'D')) {
        pt_error_set(err, PT_EFORMAT, "%s: byte 0: not an Axivity CWA file (no 'MD' header)", path);
        goto fail;
    }
    if (got != CWA_BLOCK) {
        pt_error_set(err, PT_EFORMAT, "%s: byte %lld: truncated CWA header (512 bytes at least)",
                     path, fsize);
        goto fail;
    }
    if (h[0] != 'M' || h[1] != 'D') {
        pt_error_set(err, PT_EFORMAT, "%s: byte 0: not an Axivity CWA file (no 'MD' header)", path);
        goto fail;
    }
    /* Every AX3/AX6 writes a header length of 1020 (the MD block and a metadata block). Data
     * blocks are found by their own "AX" signature and checksum: another length is noted and
     * the blocks after the first are searched, so that a damaged field skips nothing. */
    unsigned hfield = u16(h + 2);
    s->data_at = hfield == 1020 ? 1024 : CWA_BLOCK;
    if (hfield != 1020) {
        char note[160];
        snprintf(note, sizeof note,
                 "odd header length field %u (every AX3/AX6 writes 1020): data blocks found "
                 "by their AX signature from byte 512",
                 hfield);
        pt_note_add(info, note);
    }
    s->ax6 = h[4] == 0x64;
    s->nblocks = fsize > s->data_at ? (fsize - s->data_at) / CWA_BLOCK : 0;
    long long rest = fsize > s->data_at ? (fsize - s->data_at) % CWA_BLOCK : 0;
    if (rest) {
        if (!opt->allow_truncated) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %lld: truncated: the last block has %lld of 512 bytes "
                         "(--allow-truncated ignores it)",
                         path, fsize - rest, rest);
            goto fail;
        }
        pt_note_add(info, "truncated: the incomplete last block was ignored");
    }
    /* The first block with a good checksum gives the layout. */
    unsigned char b[CWA_BLOCK];
    long long first = -1;
    for (long long i = 0; i < s->nblocks && first < 0; i++) {
        if (fseeko(s->f, (off_t)(s->data_at + i * CWA_BLOCK), SEEK_SET) ||
            fread(b, 1, CWA_BLOCK, s->f) != CWA_BLOCK) {
            pt_error_set(err, PT_EIO, "%s: block %lld: read error", path, i);
            goto fail;
        }
        if (b[0] == 'A' && b[1] == 'X' && u16(b + 2) == 508 && checksum_ok(b))
            first = i;
    }
    if (first < 0) {
        pt_error_set(err, PT_EFORMAT, "%s: no data block with a valid checksum (%lld blocks)", path,
                     s->nblocks);
        goto fail;
    }
    s->rate_code = b[24];
    s->fs_hz = 3200.0 / (double)(1 << (15 - (b[24] & 15)));
    s->naxes = b[25] >> 4;
    int bps = b[25] & 15;
    if (!((s->naxes == 3 && (bps == 0 || bps == 2)) || (s->naxes == 6 && bps == 2))) {
        pt_error_set(err, PT_EUNSUPPORTED,
                     "%s: block %lld (byte %lld): %d axes with sample code %d are not supported",
                     path, first, s->data_at + first * CWA_BLOCK, s->naxes, bps);
        goto fail;
    }
    static const char *const names6[6] = {"gyro_x", "gyro_y", "gyro_z", "acc_x", "acc_y", "acc_z"};
    static const char *const names3[3] = {"acc_x", "acc_y", "acc_z"};
    size_t caps[PT_MAX_CHANNELS];
    for (int c = 0; c < s->naxes; c++) {
        pt_channel_info *ch = &info->chan[info->nchan++];
        int gyro = s->naxes == 6 && c < 3;
        snprintf(ch->name, sizeof ch->name, "%s", s->naxes == 6 ? names6[c] : names3[c]);
        ch->kind = gyro ? PT_KIND_AUX : (pt_kind)(PT_KIND_ACC_X + (s->naxes == 6 ? c - 3 : c));
        snprintf(ch->units, sizeof ch->units, "%s", gyro ? "deg/s" : "g");
        ch->fs_hz = s->fs_hz;
        ch->n_samples = -1;
        caps[c] = 120;
    }
    {
        char note[200];
        snprintf(note, sizeof note,
                 "Axivity %s device %u session %u, %g Hz (nominal; each block re-synchronises)%s",
                 s->ax6 ? "AX6" : "AX3", (unsigned)u16(h + 5), (unsigned)u32(h + 7), s->fs_hz,
                 bps == 0 ? ", packed samples" : "");
        pt_note_add(info, note);
    }
    if (pt_channel_map_apply(opt->channels, info, path, err))
        goto fail;
    if (pt_chunk_init(&s->k, info->nchan, caps)) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the sample chunks", path);
        goto fail;
    }
    if (fseeko(s->f, (off_t)s->data_at, SEEK_SET)) {
        pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    return s;
fail:
    cwa_close(s);
    return NULL;
}

static void note_bad(cwa_state *s, long long i)
{
    if (s->nbad_list < 8)
        s->bad_list[s->nbad_list++] = i;
    s->bad++;
}

/* Decode the next good block into the chunk: PT_OK, -1 at the end, or an error. */
static int load_block(cwa_state *s, pt_recording_info *info, pt_error *err)
{
    unsigned char b[CWA_BLOCK];
    while (s->block < s->nblocks) {
        long long i = s->block++;
        long long at = s->data_at + i * CWA_BLOCK;
        if (fread(b, 1, CWA_BLOCK, s->f) != CWA_BLOCK)
            return pt_error_set(err, PT_EIO, "%s: byte %lld: read error", s->path, at);
        if (b[0] != 'A' || b[1] != 'X')
            continue; /* other packet types carry no samples */
        if (u16(b + 2) != 508 || !checksum_ok(b)) {
            note_bad(s, i);
            continue;
        }
        int n = u16(b + 28);
        int bps = b[25] & 15;
        int naxes = b[25] >> 4;
        if (naxes != s->naxes || b[24] != s->rate_code)
            return pt_error_set(err, PT_EUNSUPPORTED,
                                "%s: block %lld (byte %lld): the rate or the axes change "
                                "within the file",
                                s->path, i, at);
        int bytes = bps == 0 ? 4 : 2 * naxes;
        if (n <= 0 || n * bytes > 480)
            return pt_error_set(err, PT_EFORMAT,
                                "%s: block %lld (byte %lld): %d samples do "
                                "not fit a block",
                                s->path, i, at, n);
        double t = cwa_time(u32(b + 14));
        uint16_t frac = u16(b + 4);
        int offset = (int16_t)u16(b + 26);
        if (frac & 0x8000) {
            /* as omconvert: the device subtracted the fraction's samples from the offset */
            int f16 = (frac & 0x7FFF) << 1;
            t += (double)f16 / 65536.0;
            offset += (int)(((long)f16 * (long)s->fs_hz) >> 16);
        }
        t -= (double)offset / s->fs_hz; /* the time of sample 0 */
        if (!isfinite(t))
            return pt_error_set(err, PT_EDATA, "%s: block %lld (byte %lld): invalid timestamp",
                                s->path, i, at + 14);
        if (!s->started) {
            s->started = 1;
            info->start_unix_s = t;
            pt_format_iso8601(t, info->start_time_utc);
            s->t_next = t;
        } else {
            double lag = (t - s->t_next) * s->fs_hz; /* samples */
            if (lag < -s->fs_hz)                     /* a second back: not clock jitter */
                return pt_error_set(err, PT_EDATA,
                                    "%s: block %lld (byte %lld): time goes back %.3f s", s->path, i,
                                    at + 14, -lag / s->fs_hz);
            if (lag / s->fs_hz > s->max_gap_s) /* found by fuzzing: 2.5 KB asked for 480 h */
                return pt_error_set(err, PT_EDATA,
                                    "%s: block %lld (byte %lld): gap of %.1f s is longer than the "
                                    "limit of %.0f s",
                                    s->path, i, at + 14, lag / s->fs_hz, s->max_gap_s);
            if (lag >= n / 2.0) { /* a gap (a skipped or missing block) */
                int64_t m = llround(lag);
                for (size_t c = 0; c < info->nchan; c++)
                    s->k.nan_pending[c] += m;
            }
        }
        /* Each block restarts the clock: the device's rate differs from the
         * nominal one by up to about 1 %, which must not read as gaps. */
        s->t_next = t + n / s->fs_hz;
        double accel_unit = 256.0;
        double gyro_unit = 1.0;
        if (s->ax6) {
            uint16_t light = u16(b + 18);
            accel_unit = (double)(1 << (8 + ((light >> 13) & 7)));
            int gcode = (light >> 10) & 7;
            double range = gcode ? 8000.0 / (double)(1 << gcode) : 2000.0;
            gyro_unit = 32768.0 / range;
        }
        const unsigned char *d = b + 30;
        for (int j = 0; j < n; j++) {
            if (bps == 0) {
                uint32_t w = u32(d + 4 * j);
                int e = (int)(w >> 30);
                for (int a = 0; a < 3; a++) {
                    int v = (int)(w >> (10 * a) & 0x3FF);
                    if (v & 0x200)
                        v -= 0x400;
                    s->k.v[a][j] = (double)(v * (1 << e)) / 256.0;
                }
            } else {
                for (int a = 0; a < naxes; a++) {
                    double v = (int16_t)u16(d + 2 * (naxes * j + a));
                    int gyro = naxes == 6 && a < 3;
                    s->k.v[a][j] = v / (gyro ? gyro_unit : accel_unit);
                }
            }
        }
        for (size_t c = 0; c < info->nchan; c++) {
            s->k.len[c] = (size_t)n;
            s->k.pos[c] = 0;
        }
        return PT_OK;
    }
    return -1;
}

static int cwa_load(void *p, pt_recording_info *info, pt_error *err)
{
    return load_block(p, info, err);
}

static int cwa_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    cwa_state *s = p;
    int done, rc = pt_chunk_read(&s->k, b, cwa_load, s, info, &done, err);
    if (rc)
        return rc;
    if (done) {
        pt_chunk_finish(&s->k, info);
        if (s->bad) {
            char note[200];
            int u =
                snprintf(note, sizeof note,
                         "%lld data blocks failed the checksum and were skipped (blocks", s->bad);
            for (int i = 0; i < s->nbad_list && u > 0 && (size_t)u < sizeof note; i++)
                u += snprintf(note + u, sizeof note - (size_t)u, " %lld", s->bad_list[i]);
            if (u > 0 && (size_t)u < sizeof note)
                snprintf(note + u, sizeof note - (size_t)u, "%s)", s->bad > 8 ? " ..." : "");
            if (!strstr(info->note, "failed the checksum"))
                pt_note_add(info, note);
        }
    }
    return PT_OK;
}

const pt_reader_ops pt_reader_cwa = {"cwa", cwa_probe, cwa_open, cwa_read, cwa_close};
