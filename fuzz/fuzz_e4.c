/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_e4.c — libFuzzer target: the Empatica E4 reader, folder and zip.
 *   - input starting "PK": the bytes are a zip archive (central directory,
 *     local headers, inflate, CRC paths), read with --format auto;
 *   - input starting "Z" + a mode byte: the rest is split at 0xFF bytes into
 *     ACC.csv, BVP.csv, HR.csv and IBI.csv, packed into a zip here (mode bit 0:
 *     deflated, else stored), so the CSV parser is reached through inflate;
 *   - otherwise: split at 0xFF bytes into the folder's ACC.csv, BVP.csv,
 *     HR.csv and IBI.csv. */
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "fuzz/fuzz_util.h"

static void put16(FILE *f, unsigned v)
{
    fputc((int)(v & 0xFF), f);
    fputc((int)(v >> 8 & 0xFF), f);
}

static void put32(FILE *f, uint32_t v)
{
    put16(f, v & 0xFFFF);
    put16(f, v >> 16);
}

/* Header fields shared by the local (sig 0x04034b50) and central records. */
static void fields(FILE *f, unsigned method, uint32_t crc, uint32_t csize, uint32_t usize,
                   const char *name)
{
    put16(f, 0); /* flags */
    put16(f, method);
    put32(f, 0); /* time, date */
    put32(f, crc);
    put32(f, csize);
    put32(f, usize);
    put16(f, (unsigned)strlen(name));
    put16(f, 0); /* extra */
}

static void write_zip(const char *path, const char *const *names, const uint8_t **part,
                      const size_t *len, size_t n, int deflated)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    uint32_t off[4], crc[4], csize[4];
    for (size_t i = 0; i < n; i++) {
        unsigned char *buf = NULL;
        uLong clen = len[i];
        const unsigned char *data = part[i];
        if (deflated) {
            z_stream z = {0};
            if (deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                abort();
            clen = deflateBound(&z, len[i]);
            buf = malloc(clen + 1);
            z.next_in = (Bytef *)(uintptr_t)part[i];
            z.avail_in = (uInt)len[i];
            z.next_out = buf;
            z.avail_out = (uInt)clen;
            if (deflate(&z, Z_FINISH) != Z_STREAM_END)
                abort();
            clen = z.total_out;
            deflateEnd(&z);
            data = buf;
        }
        off[i] = (uint32_t)ftell(f);
        crc[i] = (uint32_t)crc32(crc32(0L, Z_NULL, 0), part[i], (uInt)len[i]);
        csize[i] = (uint32_t)clen;
        put32(f, 0x04034b50u);
        put16(f, 20);
        fields(f, deflated ? 8 : 0, crc[i], csize[i], (uint32_t)len[i], names[i]);
        fwrite(names[i], 1, strlen(names[i]), f);
        if (clen)
            fwrite(data, 1, clen, f);
        free(buf);
    }
    long cd = ftell(f);
    for (size_t i = 0; i < n; i++) {
        put32(f, 0x02014b50u);
        put16(f, 20);
        put16(f, 20);
        fields(f, deflated ? 8 : 0, crc[i], csize[i], (uint32_t)len[i], names[i]);
        put16(f, 0); /* comment */
        put16(f, 0); /* disk */
        put16(f, 0);
        put32(f, 0);
        put32(f, off[i]);
        fwrite(names[i], 1, strlen(names[i]), f);
    }
    long end = ftell(f);
    put32(f, 0x06054b50u);
    put32(f, 0);
    put16(f, (unsigned)n);
    put16(f, (unsigned)n);
    put32(f, (uint32_t)(end - cd));
    put32(f, (uint32_t)cd);
    put16(f, 0);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[4] = {"e4/ACC.csv", "e4/BVP.csv", "e4/HR.csv", "e4/IBI.csv"};
    static const char *const members[4] = {"ACC.csv", "BVP.csv", "HR.csv", "IBI.csv"};
    pt_read_options o = pt_read_defaults();
    if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
        fz_write("e4.zip", data, size);
        fz_read(fz_path("e4.zip"), &o); /* auto: the probe sees a zip */
        return 0;
    }
    const uint8_t *part[4];
    size_t len[4] = {0, 0, 0, 0};
    if (size >= 2 && data[0] == 'Z') {
        size_t n = fz_split(data + 2, size - 2, part, len, 4);
        write_zip(fz_path("e4z.zip"), members, part, len, n, data[1] & 1);
        o.format = "e4";
        fz_read(fz_path("e4z.zip"), &o);
        return 0;
    }
    size_t n = fz_split(data, size, part, len, 4);
    mkdir(fz_path("e4"), 0700);
    for (size_t i = 0; i < 4; i++) {
        if (i < n)
            fz_write(names[i], part[i], len[i]);
        else
            unlink(fz_path(names[i]));
    }
    o.format = "e4";
    fz_read(fz_path("e4"), &o);
    return 0;
}
