/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_e4zip.c — the E4 reader on the portal's zip: the real exports of
 * data/formats/e4 zipped here (deflated with zlib, and stored) must give every
 * channel of the folder bit for bit; bad archives (truncated, bad CRC-32, no
 * E4 member, a member that is not E4 CSV, encrypted, ZIP64, unsupported
 * method, corrupt deflate data) fail with the zip and the member named; a
 * day-long BVP member (~60 MB) is streamed in bounded memory.
 * The archives are written by the small zip writer below (APPNOTE 6.3.10). */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "io_test_util.h"

/* ---- a minimal zip writer: members stored or deflated, then the directory ---- */

typedef struct zw_member {
    char name[128];
    uint16_t method, flags;
    uint32_t crc, csize, usize, off;
} zw_member;

typedef struct zw {
    FILE *f;
    zw_member m[16];
    int n;
} zw;

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

static void zw_local(zw *z, const zw_member *m)
{
    put32(z->f, 0x04034b50u);
    put16(z->f, 20);
    put16(z->f, m->flags);
    put16(z->f, m->method);
    put16(z->f, 0);
    put16(z->f, 0x21);
    put32(z->f, m->crc);
    put32(z->f, m->csize);
    put32(z->f, m->usize);
    put16(z->f, (unsigned)strlen(m->name));
    put16(z->f, 0);
    fwrite(m->name, 1, strlen(m->name), z->f);
}

static zw *zw_create(const char *path)
{
    zw *z = calloc(1, sizeof *z);
    z->f = fopen(path, "wb");
    if (!z->f)
        abort();
    return z;
}

/* Start a member; its header is rewritten with the sizes by zw_end. */
static zw_member *zw_begin(zw *z, const char *name, int deflated)
{
    zw_member *m = &z->m[z->n++];
    snprintf(m->name, sizeof m->name, "%s", name);
    m->method = deflated ? 8 : 0;
    m->off = (uint32_t)ftell(z->f);
    m->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    zw_local(z, m);
    return m;
}

/* Append data to member m (through strm when deflated; flush at the end). */
static void zw_data(zw *z, zw_member *m, z_stream *strm, const void *data, size_t n, int end)
{
    m->crc = (uint32_t)crc32(m->crc, data, (uInt)n);
    m->usize += (uint32_t)n;
    if (m->method == 0) {
        fwrite(data, 1, n, z->f);
        m->csize += (uint32_t)n;
        return;
    }
    unsigned char out[65536];
    strm->next_in = (Bytef *)(uintptr_t)data;
    strm->avail_in = (uInt)n;
    int rc;
    do {
        strm->next_out = out;
        strm->avail_out = sizeof out;
        rc = deflate(strm, end ? Z_FINISH : Z_NO_FLUSH);
        size_t k = sizeof out - strm->avail_out;
        fwrite(out, 1, k, z->f);
        m->csize += (uint32_t)k;
    } while (strm->avail_out == 0 || (end && rc != Z_STREAM_END));
}

static void zw_end(zw *z, zw_member *m)
{
    long here = ftell(z->f);
    fseek(z->f, (long)m->off, SEEK_SET);
    zw_local(z, m);
    fseek(z->f, here, SEEK_SET);
}

static void zw_add(zw *z, const char *name, const void *data, size_t n, int deflated)
{
    zw_member *m = zw_begin(z, name, deflated);
    z_stream strm = {0};
    if (deflated && deflateInit2(&strm, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    zw_data(z, m, &strm, data, n, 1);
    if (deflated)
        deflateEnd(&strm);
    zw_end(z, m);
}

/* Write the central directory and the end record; free z. */
static void zw_finish(zw *z)
{
    long cd = ftell(z->f);
    for (int i = 0; i < z->n; i++) {
        zw_member *m = &z->m[i];
        put32(z->f, 0x02014b50u);
        put16(z->f, 0x031E);
        put16(z->f, 20);
        put16(z->f, m->flags);
        put16(z->f, m->method);
        put16(z->f, 0);
        put16(z->f, 0x21);
        put32(z->f, m->crc);
        put32(z->f, m->csize);
        put32(z->f, m->usize);
        put16(z->f, (unsigned)strlen(m->name));
        put16(z->f, 0);
        put16(z->f, 0);
        put16(z->f, 0);
        put16(z->f, 0);
        put32(z->f, 0);
        put32(z->f, m->off);
        fwrite(m->name, 1, strlen(m->name), z->f);
    }
    long end = ftell(z->f);
    put32(z->f, 0x06054b50u);
    put16(z->f, 0);
    put16(z->f, 0);
    put16(z->f, (unsigned)z->n);
    put16(z->f, (unsigned)z->n);
    put32(z->f, (uint32_t)(end - cd));
    put32(z->f, (uint32_t)cd);
    put16(z->f, 0);
    fclose(z->f);
    free(z);
}

/* ---- helpers ---- */

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    b[*n] = '\0';
    fclose(f);
    return b;
}

/* Zip every regular file of dir into zpath under prefix (deflated or stored). */
static void zip_folder(const char *dir, const char *zpath, const char *prefix, int deflated)
{
    zw *z = zw_create(zpath);
    DIR *d = opendir(dir);
    if (!d)
        abort();
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char p[1400], name[300];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        snprintf(name, sizeof name, "%s%s", prefix, de->d_name);
        size_t n;
        unsigned char *b = slurp(p, &n);
        zw_add(z, name, b, n, deflated);
        free(b);
    }
    closedir(d);
    zw_finish(z);
}

/* A whole recording, times of irregular channels included. */
typedef struct rec {
    pt_recording_info info;
    size_t n[PT_MAX_CHANNELS];
    double *x[PT_MAX_CHANNELS], *t[PT_MAX_CHANNELS];
} rec;

static void rec_free(rec *r)
{
    for (size_t c = 0; c < PT_MAX_CHANNELS; c++) {
        free(r->x[c]);
        free(r->t[c]);
    }
}

static int rec_read(const char *path, size_t blk, rec *out, pt_error *err)
{
    memset(out, 0, sizeof *out);
    pt_reader *r = pt_reader_open(path, NULL, err);
    if (!r)
        return err->code;
    const pt_recording_info *info = pt_reader_info(r);
    pt_block *b = pt_block_create(info, blk, err);
    size_t cap[PT_MAX_CHANNELS] = {0};
    int rc;
    for (;;) {
        if ((rc = pt_reader_read(r, b, err)))
            break;
        size_t tot = 0;
        for (size_t c = 0; c < b->nchan; c++) {
            tot += b->n[c];
            if (!b->n[c])
                continue;
            if (out->n[c] + b->n[c] > cap[c]) {
                cap[c] = 2 * (out->n[c] + b->n[c]);
                out->x[c] = realloc(out->x[c], cap[c] * sizeof(double));
                out->t[c] = realloc(out->t[c], cap[c] * sizeof(double));
            }
            memcpy(out->x[c] + out->n[c], b->x[c], b->n[c] * sizeof(double));
            if (b->t[c])
                memcpy(out->t[c] + out->n[c], b->t[c], b->n[c] * sizeof(double));
            out->n[c] += b->n[c];
        }
        if (!tot)
            break;
    }
    out->info = *info;
    pt_block_destroy(b);
    pt_reader_close(r);
    return rc;
}

/* Every channel of the zip equals the folder's, bit for bit. */
static void check_same(const rec *dir, const rec *zip)
{
    PT_CHECK(!strcmp(zip->info.format, "e4"));
    PT_REQUIRE(zip->info.nchan == dir->info.nchan);
    PT_CHECK(!strcmp(zip->info.start_time_utc, dir->info.start_time_utc));
    for (size_t c = 0; c < dir->info.nchan; c++) {
        const pt_channel_info *a = &dir->info.chan[c], *b = &zip->info.chan[c];
        PT_CHECK(!strcmp(a->name, b->name));
        PT_CHECK_INT(a->kind, b->kind);
        PT_CHECK(a->fs_hz == b->fs_hz && a->t0_s == b->t0_s);
        PT_CHECK_INT(a->n_samples, b->n_samples);
        PT_REQUIRE(dir->n[c] == zip->n[c] && dir->n[c] > 0);
        PT_CHECK(!memcmp(dir->x[c], zip->x[c], dir->n[c] * sizeof(double)));
        if (!(a->fs_hz > 0))
            PT_CHECK(!memcmp(dir->t[c], zip->t[c], dir->n[c] * sizeof(double)));
    }
    PT_CHECK(dir->info.duration_s == zip->info.duration_s);
}

static void real_export(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "formats/e4/%s", name);
    const char *dir = io_format_file(rel);
    pt_error err = {0};
    rec folder, z;
    PT_REQUIRE(rec_read(dir, 1000, &folder, &err) == PT_OK);
    char zname[160];
    /* deflated at the root, as the portal writes it */
    snprintf(zname, sizeof zname, "%s.zip", name);
    const char *zp = io_tmp_path(zname);
    zip_folder(dir, zp, "", 1);
    PT_REQUIRE(rec_read(zp, 1000, &z, &err) == PT_OK);
    unlink(zp);
    check_same(&folder, &z);
    PT_CHECK_STR_CONTAINS(z.info.note, "zip archive");
    if (strstr(folder.info.note, "event"))
        PT_CHECK_STR_CONTAINS(z.info.note, "1 event");
    rec_free(&z);
    /* stored, inside a folder of the archive, read through odd-sized blocks */
    snprintf(zname, sizeof zname, "%s_stored.zip", name);
    zp = io_tmp_path(zname);
    zip_folder(dir, zp, "export/", 0);
    PT_REQUIRE(rec_read(zp, 77, &z, &err) == PT_OK);
    unlink(zp);
    check_same(&folder, &z);
    rec_free(&z);
    rec_free(&folder);
}

PT_TEST(wesad_s15_zip_equals_folder)
{
    real_export("wesad_S15");
}

PT_TEST(msr2023_zip_equals_folder)
{
    real_export("msr2023_tutorial");
}

#define ACC "1600000000, 1600000000, 1600000000\n32, 32, 32\n1,2,3\n4,5,6\n7,8,9\n"
#define BVP "1600000000\n64\n1.5\n2.5\n3.5\n4.5\n5.5\n6.5\n"

/* A small E4 zip; hook (may be NULL) edits the member table before the directory. */
static const char *small_zip(const char *name, int deflated, void (*hook)(zw *))
{
    const char *zp = io_tmp_path(name);
    zw *z = zw_create(zp);
    zw_add(z, "ACC.csv", ACC, strlen(ACC), deflated);
    zw_add(z, "BVP.csv", BVP, strlen(BVP), deflated);
    zw_add(z, "tags.csv", "1600000001.5\n", 13, deflated);
    if (hook)
        hook(z);
    zw_finish(z);
    return zp;
}

static void bad_crc(zw *z)
{
    z->m[1].crc ^= 0x1u;
}
static void encrypted(zw *z)
{
    z->m[0].flags |= 1u;
}
static void zip64(zw *z)
{
    z->m[1].csize = 0xFFFFFFFFu;
}
static void bzip2(zw *z)
{
    z->m[0].method = 12;
}
static void longer(zw *z)
{
    z->m[0].csize += 100000;
}

PT_TEST(small_zips_read)
{
    pt_error err = {0};
    io_all a;
    for (int deflated = 0; deflated <= 1; deflated++) {
        PT_REQUIRE(io_read_all(small_zip(deflated ? "d.zip" : "s.zip", deflated, NULL), NULL, 16,
                               100, &a, &err) == PT_OK);
        PT_CHECK(!strcmp(a.info.format, "e4"));
        PT_CHECK_INT(4, a.nchan);
        PT_CHECK_INT(3, a.n[0]);
        PT_CHECK_INT(6, a.n[3]);
        PT_CHECK_NEAR(9 / 64.0, a.x[2][2], 0, 0);
        PT_CHECK_NEAR(6.5, a.x[3][5], 0, 0);
        PT_CHECK_STR_CONTAINS(a.info.note, "1 event");
        io_all_free(&a);
    }
}

PT_TEST(truncated_zip)
{
    size_t n;
    unsigned char *b = slurp(small_zip("full.zip", 1, NULL), &n);
    PT_REQUIRE(b && n > 100);
    /* cut in the middle: no end record */
    const char *cut = io_write_bytes("cut.zip", b, n / 2);
    IO_EXPECT_FAIL(cut, NULL, PT_EFORMAT, "truncated");
    /* just the signature */
    IO_EXPECT_FAIL(io_write_bytes("sig.zip", b, 4), NULL, PT_EFORMAT, "truncated");
    free(b);
    /* the directory promises more bytes of a member than the archive holds */
    IO_EXPECT_FAIL(small_zip("long.zip", 1, longer), NULL, PT_EFORMAT,
                   "long.zip:ACC.csv: byte 37: the member's 100");
}

PT_TEST(bad_crc_named)
{
    /* stored: the CRC in the directory is wrong for BVP.csv */
    const char *zp = small_zip("crc_s.zip", 0, bad_crc);
    IO_EXPECT_FAIL(zp, NULL, PT_EDATA, "BVP.csv: CRC-32");
    zp = small_zip("crc_d.zip", 1, bad_crc);
    IO_EXPECT_FAIL(zp, NULL, PT_EDATA, "BVP.csv: CRC-32");
    /* a stored data byte changed (a digit for a digit: still valid CSV) */
    size_t n;
    unsigned char *b = slurp(small_zip("flip.zip", 0, NULL), &n);
    unsigned char *p = (unsigned char *)strstr((char *)b + 30 + 7, "4,5,6");
    PT_REQUIRE(p);
    *p = '7';
    zp = io_write_bytes("flip2.zip", b, n);
    IO_EXPECT_FAIL(zp, NULL, PT_EDATA, "ACC.csv: CRC-32");
    free(b);
}

PT_TEST(corrupt_deflate_data)
{
    size_t n;
    unsigned char *b = slurp(small_zip("bits.zip", 1, NULL), &n);
    /* the first member's compressed bytes start after its 30 + 7 byte header */
    for (size_t i = 37; i < 45; i++)
        b[i] ^= 0xA5;
    const char *zp = io_write_bytes("bits2.zip", b, n);
    pt_error err = {0};
    io_all a;
    PT_CHECK(io_read_all(zp, NULL, 16, 100, &a, &err) != PT_OK);
    PT_CHECK_STR_CONTAINS(err.msg, zp);
    PT_CHECK_STR_CONTAINS(err.msg, "ACC.csv");
    io_all_free(&a);
    free(b);
}

static void no_e4(zw *z)
{
    z->n = 0;
    zw_add(z, "readme.txt", "hello\n", 6, 1);
}

PT_TEST(zip_without_e4_members)
{
    const char *zp = small_zip("none.zip", 1, no_e4);
    IO_EXPECT_FAIL(zp, NULL, PT_EFORMAT, "no E4 signal file");
    pt_read_options o = pt_read_defaults();
    o.format = "e4";
    IO_EXPECT_FAIL(zp, &o, PT_EFORMAT, "no E4 signal file");
}

PT_TEST(member_not_e4_csv)
{
    const char *zp = io_tmp_path("text.zip");
    zw *z = zw_create(zp);
    zw_add(z, "ACC.csv", "x,y,z\n1,2,3\n", 12, 1);
    zw_finish(z);
    IO_EXPECT_FAIL(zp, NULL, PT_EFORMAT, "text.zip:ACC.csv:1: the first line must be the start");
    /* binary bytes without a line end */
    zp = io_tmp_path("bin.zip");
    z = zw_create(zp);
    size_t nb = (size_t)3 << 20;
    unsigned char *bin = malloc(nb);
    for (size_t i = 0; i < nb; i++)
        bin[i] = (unsigned char)(i * 2654435761u >> 13) | 0x80;
    zw_add(z, "BVP.csv", bin, nb, 1);
    zw_finish(z);
    free(bin);
    IO_EXPECT_FAIL(zp, NULL, PT_EFORMAT, "bin.zip:BVP.csv:1: a line longer than");
    /* a bad row inside a member names the member and the line */
    zp = io_tmp_path("row.zip");
    z = zw_create(zp);
    const char *acc = "1600000000, 1600000000, 1600000000\n32, 32, 32\n1,2,3\n1,x,3\n";
    zw_add(z, "ACC.csv", acc, strlen(acc), 1);
    zw_finish(z);
    IO_EXPECT_FAIL(zp, NULL, PT_EDATA, "row.zip:ACC.csv:4: 'x");
}

PT_TEST(unsupported_members_named)
{
    IO_EXPECT_FAIL(small_zip("enc.zip", 1, encrypted), NULL, PT_EUNSUPPORTED,
                   "enc.zip:ACC.csv: the member is encrypted");
    IO_EXPECT_FAIL(small_zip("z64.zip", 1, zip64), NULL, PT_EUNSUPPORTED, "BVP.csv: ZIP64");
    IO_EXPECT_FAIL(small_zip("bz.zip", 1, bzip2), NULL, PT_EUNSUPPORTED,
                   "bz.zip:ACC.csv: compression method 12");
    /* a ZIP64 end record (0xFFFF members) */
    size_t n;
    unsigned char *b = slurp(small_zip("z64e.zip", 1, NULL), &n);
    b[n - 22 + 8] = b[n - 22 + 9] = b[n - 22 + 10] = b[n - 22 + 11] = 0xFF;
    IO_EXPECT_FAIL(io_write_bytes("z64e2.zip", b, n), NULL, PT_EUNSUPPORTED, "ZIP64");
    free(b);
}

/* A day at 64 Hz: a BVP member of ~60 MB, written and read in streaming
 * fashion; the reading process must not hold the member in memory. */
PT_TEST(day_long_member_streams)
{
    const char *zp = io_tmp_path("day.zip");
    const long rows = 64L * 86400;
    {
        zw *z = zw_create(zp);
        zw_member *m = zw_begin(z, "BVP.csv", 1);
        z_stream strm = {0};
        if (deflateInit2(&strm, 1, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            abort();
        char chunk[1 << 16];
        size_t k = (size_t)snprintf(chunk, sizeof chunk, "1600000000.000000\n64.000000\n");
        for (long i = 0; i < rows; i++) {
            k += (size_t)snprintf(chunk + k, sizeof chunk - k, "%.6f\n",
                                  -1000.0 + (double)((i * 7919) % 200000) / 100.0);
            if (k > sizeof chunk - 64) {
                zw_data(z, m, &strm, chunk, k, 0);
                k = 0;
            }
        }
        zw_data(z, m, &strm, chunk, k, 1);
        deflateEnd(&strm);
        zw_end(z, m);
        PT_CHECK(m->usize > 50u * 1000 * 1000);
        zw_finish(z);
    }
    fflush(NULL);
    pid_t pid = fork();
    PT_REQUIRE(pid >= 0);
    if (pid == 0) {
        pt_error err = {0};
        pt_reader *r = pt_reader_open(zp, NULL, &err);
        if (!r)
            _exit(2);
        pt_block *b = pt_block_create(pt_reader_info(r), 4096, &err);
        long got = 0;
        double last = NAN;
        for (;;) {
            if (pt_reader_read(r, b, &err))
                _exit(3);
            if (!b->n[0])
                break;
            got += (long)b->n[0];
            last = b->x[0][b->n[0] - 1];
        }
        pt_block_destroy(b);
        pt_reader_close(r);
        double want = -1000.0 + (double)(((rows - 1) * 7919) % 200000) / 100.0;
        _exit(got == rows && fabs(last - want) < 1e-9 ? 0 : 4);
    }
    int status = 0;
    struct rusage ru;
    PT_REQUIRE(waitpid(pid, &status, 0) == pid);
    getrusage(RUSAGE_CHILDREN, &ru); /* the only child of this process */
    PT_CHECK(WIFEXITED(status));
    PT_CHECK_INT(0, WEXITSTATUS(status));
#if !defined(__SANITIZE_ADDRESS__)
    /* The member is ~60 MB; the reader holds a few 64 KiB buffers. ru_maxrss [KiB]. */
    printf("day_long_member_streams: child peak RSS %ld KiB\n", ru.ru_maxrss);
    PT_CHECK(ru.ru_maxrss < 40 * 1024);
#endif
    unlink(zp);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
