/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_gt3x.c — libFuzzer target: the ActiGraph .gt3x reader.
 *   - input starting "PK": the bytes are the archive itself;
 *   - otherwise byte 0 is a mode (bit 0: the old activity.bin layout, else log.bin),
 *     bytes 1-2 the length of info.txt (little-endian), then info.txt, then the data
 *     member; both are packed here into a stored zip with correct CRC-32s, so the
 *     mutations reach the record parser rather than the zip's checks. */
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

static void fields(FILE *f, uint32_t crc, uint32_t n, const char *name)
{
    put16(f, 0); /* flags */
    put16(f, 0); /* stored */
    put32(f, 0); /* time, date */
    put32(f, crc);
    put32(f, n);
    put32(f, n);
    put16(f, (unsigned)strlen(name));
    put16(f, 0);
}

static void write_zip(const char *path, const char *const *names, const uint8_t *const *part,
                      const size_t *len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    uint32_t off[2], crc[2];
    for (int i = 0; i < 2; i++) {
        off[i] = (uint32_t)ftell(f);
        crc[i] = (uint32_t)crc32(crc32(0L, Z_NULL, 0), part[i], (uInt)len[i]);
        put32(f, 0x04034b50u);
        put16(f, 20);
        fields(f, crc[i], (uint32_t)len[i], names[i]);
        fwrite(names[i], 1, strlen(names[i]), f);
        if (len[i])
            fwrite(part[i], 1, len[i], f);
    }
    uint32_t cd = (uint32_t)ftell(f);
    for (int i = 0; i < 2; i++) {
        put32(f, 0x02014b50u);
        put16(f, 20);
        put16(f, 20);
        fields(f, crc[i], (uint32_t)len[i], names[i]);
        put16(f, 0);
        put16(f, 0);
        put16(f, 0);
        put32(f, 0);
        put32(f, off[i]);
        fwrite(names[i], 1, strlen(names[i]), f);
    }
    uint32_t cdlen = (uint32_t)ftell(f) - cd;
    put32(f, 0x06054b50u);
    put32(f, 0);
    put16(f, 2);
    put16(f, 2);
    put32(f, cdlen);
    put32(f, cd);
    put16(f, 0);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pt_read_options o = pt_read_defaults();
    o.format = "gt3x";
    if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
        fz_write("rec.gt3x", data, size);
    } else {
        if (size < 3)
            return 0;
        size_t ilen = (size_t)data[1] | (size_t)data[2] << 8;
        if (ilen > size - 3)
            ilen = size - 3;
        const char *names[2] = {"info.txt", data[0] & 1 ? "activity.bin" : "log.bin"};
        const uint8_t *part[2] = {data + 3, data + 3 + ilen};
        size_t len[2] = {ilen, size - 3 - ilen};
        write_zip(fz_path("rec.gt3x"), names, part, len);
    }
    fz_read(fz_path("rec.gt3x"), &o);
    return 0;
}
