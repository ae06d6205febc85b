/* SPDX-License-Identifier: GPL-2.0-or-later
 * sha256.c — SHA-256 as specified in FIPS 180-4 (NIST 2015). */
#include "core/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void block(pt_sha256 *s, const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5],
             g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
    s->h[5] += f;
    s->h[6] += g;
    s->h[7] += h;
}

/* ---- x86-64 SHA extensions (Gulley et al., Intel 2013): four rounds per pair of
 * sha256rnds2, the message schedule by sha256msg1/msg2; same hash as block() ---- */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define PT_SHA_NI 1

__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t h[8],
                                                                  const unsigned char *p, size_t n)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t = _mm_loadu_si128((const __m128i *)&h[0]);  /* D C B A */
    __m128i s1 = _mm_loadu_si128((const __m128i *)&h[4]); /* H G F E */
    t = _mm_shuffle_epi32(t, 0xB1);                       /* C D A B */
    s1 = _mm_shuffle_epi32(s1, 0x1B);                     /* E F G H */
    __m128i s0 = _mm_alignr_epi8(t, s1, 8);               /* A B E F */
    s1 = _mm_blend_epi16(s1, t, 0xF0);                    /* C D G H */
    for (; n > 0; n--, p += 64) {
        __m128i abef = s0, cdgh = s1, w[4];
        for (int g = 0; g < 16; g++) { /* rounds 4g .. 4g + 3 */
            __m128i m;
            if (g < 4) {
                w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
            } else { /* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] */
                m = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
                m = _mm_add_epi32(m, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                w[g & 3] = _mm_sha256msg2_epu32(m, w[(g + 3) & 3]);
            }
            m = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&K[4 * g]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, m);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(m, 0x0E));
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }
    t = _mm_shuffle_epi32(s0, 0x1B);   /* F E B A */
    s1 = _mm_shuffle_epi32(s1, 0xB1);  /* D C H G */
    s0 = _mm_blend_epi16(t, s1, 0xF0); /* D C B A */
    s1 = _mm_alignr_epi8(s1, t, 8);    /* H G F E */
    _mm_storeu_si128((__m128i *)&h[0], s0);
    _mm_storeu_si128((__m128i *)&h[4], s1);
}

/* Asked of the CPU at every init (a few hundred cycles per file), so no process state is
 * written: hashers on several threads never race on a cache. */
static int have_sha_ni(void)
{
#ifdef PT_PORTABLE
    return 0;
#else
    unsigned a, b, c, d, ok = 0;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3) && (c & bit_SSE4_1) &&
        __get_cpuid_count(7, 0, &a, &b, &c, &d))
        ok = (b >> 29) & 1; /* CPUID.7.0:EBX.SHA */
    return (int)ok;
#endif
}
#endif

/* n whole 64-byte blocks */
static void blocks(pt_sha256 *s, const unsigned char *p, size_t n)
{
#ifdef PT_SHA_NI
    if (s->ni) {
        blocks_ni(s->h, p, n);
        return;
    }
#endif
    for (; n > 0; n--, p += 64)
        block(s, p);
}

void pt_sha256_init(pt_sha256 *s)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof h0);
    s->nbytes = 0;
    s->nbuf = 0;
#ifdef PT_SHA_NI
    s->ni = have_sha_ni();
#else
    s->ni = 0;
#endif
}

void pt_sha256_init_portable(pt_sha256 *s)
{
    pt_sha256_init(s);
    s->ni = 0;
}

void pt_sha256_update(pt_sha256 *s, const void *data, size_t n)
{
    const unsigned char *p = data;
    s->nbytes += n;
    if (s->nbuf) {
        size_t take = 64 - s->nbuf < n ? 64 - s->nbuf : n;
        memcpy(s->buf + s->nbuf, p, take);
        s->nbuf += take;
        p += take;
        n -= take;
        if (s->nbuf == 64) {
            blocks(s, s->buf, 1);
            s->nbuf = 0;
        }
    }
    blocks(s, p, n / 64);
    p += n / 64 * 64;
    n %= 64;
    memcpy(s->buf, p, n);
    s->nbuf += n;
}

void pt_sha256_final(pt_sha256 *s, char hex[65])
{
    uint64_t bits = s->nbytes * 8;
    unsigned char pad[72] = {0x80};
    size_t padlen = (s->nbuf < 56 ? 56 : 120) - s->nbuf;
    pt_sha256_update(s, pad, padlen);
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    pt_sha256_update(s, len, 8);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 8 * i, 9, "%08x", s->h[i]);
}

int pt_sha256_file(const char *path, char hex[65], pt_error *err)
{
    struct stat st;
    hex[0] = '\0';
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return PT_OK;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pt_error_set(err, PT_EIO, "%s: %s", path, strerror(errno));
    pt_sha256 s;
    pt_sha256_init(&s);
    static const size_t N = 1 << 16;
    unsigned char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, N, f)) > 0)
        pt_sha256_update(&s, buf, got);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return pt_error_set(err, PT_EIO, "%s: read error while hashing", path);
    pt_sha256_final(&s, hex);
    return PT_OK;
}
