/* SPDX-License-Identifier: GPL-2.0-or-later
 * audio.c — multi-channel recordings in any format libsndfile reads (WAV,
 * WAV extensible, RF64, FLAC, AIFF, ...), including Axivity OMConvert WAV
 * exports, whose metadata sits in the LIST/INFO text chunks: ICMT holds
 * "Time: <start>", "Channel-N: Accel-X" and "Scale-N: 8" (g = sample / 32768 *
 * scale), IART "Device: CWA". Without such metadata the channels are "ch1",
 * "ch2", ... as fractions of full scale, and --channels names their kinds.
 * Method: libsndfile (de Castro Lopo); OMConvert (Jackson D, Open Movement,
 * Newcastle University). sf_open and sf_strerror(NULL) run under the I/O lock. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <sndfile.h>

#include "core/lock.h"
#include "io/edf_util.h"
#include "io/reader_impl.h"

typedef struct audio_state {
    SNDFILE *sf;
    char path[1024];
    int nch;           /* channels in the file */
    sf_count_t frames; /* frames libsndfile says are present */
    sf_count_t frame;  /* frames read */
    double scale[PT_MAX_CHANNELS];
    double *buf; /* interleaved */
    size_t buf_frames;
    int64_t delivered;
} audio_state;

static int audio_probe(const char *path, const unsigned char *head, size_t len)
{
    (void)path;
    if (len < 12)
        return 0;
    if ((!memcmp(head, "RIFF", 4) || !memcmp(head, "RF64", 4)) && !memcmp(head + 8, "WAVE", 4))
        return 85;
    if (!memcmp(head, "fLaC", 4) || !memcmp(head, "OggS", 4))
        return 85;
    if (!memcmp(head, "FORM", 4) && (!memcmp(head + 8, "AIFF", 4) || !memcmp(head + 8, "AIFC", 4)))
        return 85;
    return 0;
}

static void audio_close(void *p)
{
    audio_state *s = p;
    if (!s)
        return;
    if (s->sf)
        sf_close(s->sf);
    free(s->buf);
    free(s);
}

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* RIFF WAV: the data chunk's declared size against the bytes present.
 * Returns the declared size, or -1 when the file is not RIFF or has no data chunk;
 * *at is the offset of the samples. */
static long long wav_data_declared(FILE *f, long long fsize, long long *at)
{
    unsigned char h[12];
    if (fseeko(f, 0, SEEK_SET) || fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) ||
        memcmp(h + 8, "WAVE", 4))
        return -1;
    long long off = 12;
    while (off + 8 <= fsize) {
        unsigned char c[8];
        if (fseeko(f, (off_t)off, SEEK_SET) || fread(c, 1, 8, f) != 8)
            return -1;
        uint32_t size = le32(c + 4);
        if (!memcmp(c, "data", 4)) {
            *at = off + 8;
            return size;
        }
        off += 8 + (long long)size + (size & 1);
    }
    return -1;
}

/* Value of "Key: value" in OMConvert text, or NULL. Copies into out. */
static const char *meta_value(const char *text, const char *key, char *out, size_t outsz)
{
    if (!text)
        return NULL;
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        if (!strncmp(p, key, kl) && p[kl] == ':') {
            const char *v = p + kl + 1;
            while (*v == ' ')
                v++;
            size_t n = strcspn(v, "\r\n");
            pt_trim_copy(out, outsz, v, n);
            return out;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

static void *audio_open(const char *path, const pt_read_options *opt, pt_recording_info *info,
                        pt_error *err)
{
    audio_state *s = calloc(1, sizeof *s);
    if (!s) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the audio reader", path);
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    /* Truncation: libsndfile quietly clamps a data chunk longer than the file. */
    long long declared = -1, data_at = 0, fsize = 0;
    {
        FILE *f = fopen(path, "rb");
        struct stat st;
        if (!f || fstat(fileno(f), &st)) {
            pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
            if (f)
                fclose(f);
            goto fail;
        }
        fsize = (long long)st.st_size;
        if (fsize == 0) {
            fclose(f);
            pt_error_set(err, PT_EFORMAT, "%s: the file is empty", path);
            goto fail;
        }
        declared = wav_data_declared(f, fsize, &data_at);
        fclose(f);
    }
    SF_INFO si;
    memset(&si, 0, sizeof si);
    pt_io_lock();
    s->sf = sf_open(path, SFM_READ, &si);
    if (!s->sf)
        pt_error_set(err, PT_EFORMAT, "%s: %s", path, sf_strerror(NULL));
    pt_io_unlock();
    if (!s->sf)
        goto fail;
    if (si.channels < 1 || si.samplerate <= 0) {
        pt_error_set(err, PT_EFORMAT, "%s: %d channels at %d Hz", path, si.channels, si.samplerate);
        goto fail;
    }
    s->nch = si.channels;
    s->frames = si.frames;
    int blockalign = 0;
    {
        int bits = 0;
        switch (si.format & SF_FORMAT_SUBMASK) {
        case SF_FORMAT_PCM_S8:
        case SF_FORMAT_PCM_U8: bits = 8; break;
        case SF_FORMAT_PCM_16: bits = 16; break;
        case SF_FORMAT_PCM_24: bits = 24; break;
        case SF_FORMAT_PCM_32:
        case SF_FORMAT_FLOAT: bits = 32; break;
        case SF_FORMAT_DOUBLE: bits = 64; break;
        default: bits = 0;
        }
        blockalign = bits / 8 * s->nch;
    }
    if (declared >= 0 && blockalign > 0 && declared > fsize - data_at) {
        long long want = declared / blockalign;
        if (!opt->allow_truncated) {
            pt_error_set(err, PT_EFORMAT,
                         "%s: byte %lld: truncated: the data chunk declares %lld frames "
                         "(%lld bytes), the file holds %lld (--allow-truncated reads them)",
                         path, fsize, want, declared, (long long)s->frames);
            goto fail;
        }
        char note[160];
        snprintf(note, sizeof note, "truncated: %lld of %lld frames present", (long long)s->frames,
                 want);
        pt_note_add(info, note);
    }
    /* OMConvert metadata */
    const char *cmt = sf_get_string(s->sf, SF_STR_COMMENT);
    const char *art = sf_get_string(s->sf, SF_STR_ARTIST);
    char val[128], key[32];
    int omconvert = meta_value(art, "Device", val, sizeof val) && !strcmp(val, "CWA");
    if (meta_value(cmt, "Time", val, sizeof val)) {
        double u;
        if (!pt_parse_iso8601(val, strlen(val), &u)) {
            info->start_unix_s = u;
            pt_format_iso8601(u, info->start_time_utc);
        }
    }
    int nout = s->nch < PT_MAX_CHANNELS ? s->nch : PT_MAX_CHANNELS;
    int named = 0;
    for (int c = 0; c < nout; c++) {
        pt_channel_info *ch = &info->chan[info->nchan++];
        ch->fs_hz = si.samplerate;
        ch->n_samples = s->frames;
        ch->kind = PT_KIND_AUX;
        s->scale[c] = 1.0;
        snprintf(ch->name, sizeof ch->name, "ch%d", c + 1);
        snprintf(ch->units, sizeof ch->units, "FS");
        snprintf(key, sizeof key, "Channel-%d", c + 1);
        if (meta_value(cmt, key, val, sizeof val)) {
            named++;
            snprintf(ch->name, sizeof ch->name, "%.63s", val);
            snprintf(key, sizeof key, "Scale-%d", c + 1);
            char sc[64];
            double scale = meta_value(cmt, key, sc, sizeof sc) ? strtod(sc, NULL) : 0.0;
            if (!strncasecmp(val, "Accel-", 6) && val[6] >= 'X' && val[6] <= 'Z' && !val[7]) {
                if (!(scale > 0) || !isfinite(scale)) {
                    pt_error_set(err, PT_EFORMAT,
                                 "%s: ICMT chunk: %s '%s' is not a positive "
                                 "scale",
                                 path, key, sc);
                    goto fail;
                }
                ch->kind = (pt_kind)(PT_KIND_ACC_X + (val[6] - 'X'));
                s->scale[c] = scale; /* libsndfile gives sample / 32768 */
                snprintf(ch->units, sizeof ch->units, "g");
            } else if (scale > 0) {
                s->scale[c] = scale;
                snprintf(ch->units, sizeof ch->units, "au");
            }
            /* other names the CSV reader knows (PPG, ECG, HR, ...) give their kind too */
            pt_kind kind;
            double unit_scale;
            char units[16];
            if (ch->kind == PT_KIND_AUX &&
                pt_channel_from_name(val, opt->acc_units, &kind, &unit_scale, units) &&
                kind != PT_KIND_ACC_X && kind != PT_KIND_ACC_Y && kind != PT_KIND_ACC_Z) {
                ch->kind = kind;
                snprintf(ch->units, sizeof ch->units, "%s", units);
            }
        } else if (omconvert) {
            /* OMConvert's packed auxiliary channel: kept as raw 16-bit codes */
            snprintf(ch->name, sizeof ch->name, "aux%d", c + 1);
            snprintf(ch->units, sizeof ch->units, "counts");
            s->scale[c] = 32768.0;
        }
    }
    if (s->nch > PT_MAX_CHANNELS)
        pt_note_add(info, "channels beyond the first 16 were ignored");
    if (omconvert) {
        char note[256];
        snprintf(note, sizeof note, "Axivity OMConvert export (%s)",
                 meta_value(art, "Id", val, sizeof val) ? val : "device id unknown");
        pt_note_add(info, note);
        if (!isfinite(info->start_unix_s))
            pt_note_add(info, "no 'Time:' in the ICMT chunk: start unknown");
    } else if (!named) {
        pt_note_add(info, "no channel metadata: values are fractions of full scale; name the "
                          "channels with a channel map");
    }
    if (pt_channel_map_apply(opt->channels, info, path, err))
        goto fail;
    info->duration_s = (double)s->frames / si.samplerate;
    s->buf_frames = 4096;
    if (!(s->buf = malloc(s->buf_frames * (size_t)s->nch * sizeof(double)))) {
        pt_error_set(err, PT_ENOMEM, "%s: out of memory for the frame buffer", path);
        goto fail;
    }
    return s;
fail:
    audio_close(s);
    return NULL;
}

static int audio_read(void *p, pt_recording_info *info, pt_block *b, pt_error *err)
{
    audio_state *s = p;
    for (size_t c = 0; c < info->nchan; c++)
        b->first[c] = s->delivered;
    size_t want = b->cap;
    size_t got_total = 0;
    while (got_total < want) {
        size_t n = want - got_total;
        if (n > s->buf_frames)
            n = s->buf_frames;
        sf_count_t got = sf_readf_double(s->sf, s->buf, (sf_count_t)n);
        if (got < 0 || (got == 0 && sf_error(s->sf)))
            return pt_error_set(err, PT_EIO, "%s: frame %lld: %s", s->path, (long long)s->frame,
                                sf_strerror(s->sf));
        if (got == 0)
            break;
        for (sf_count_t i = 0; i < got; i++) {
            const double *row = s->buf + (size_t)i * (size_t)s->nch;
            for (size_t c = 0; c < info->nchan; c++) {
                double v = row[c];
                if (isinf(v))
                    return pt_error_set(err, PT_EDATA,
                                        "%s: frame %lld, channel %zu: infinite "
                                        "sample",
                                        s->path, (long long)(s->frame + i), c + 1);
                b->x[c][got_total + (size_t)i] = v * s->scale[c];
            }
        }
        got_total += (size_t)got;
        s->frame += got;
    }
    for (size_t c = 0; c < info->nchan; c++)
        b->n[c] = got_total;
    s->delivered += (int64_t)got_total;
    if (got_total == 0) {
        for (size_t c = 0; c < info->nchan; c++)
            info->chan[c].n_samples = s->delivered;
        info->duration_s = (double)s->delivered / info->chan[0].fs_hz;
    }
    return PT_OK;
}

const pt_reader_ops pt_reader_audio = {"wav", audio_probe, audio_open, audio_read, audio_close};
