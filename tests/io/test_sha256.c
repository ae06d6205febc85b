/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_sha256.c — SHA-256 (core/sha256.c) against the FIPS 180-4 examples, and the SHA
 * extensions path against the portable one on random data fed in random pieces. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "pt_test.h"

static void hash(const void *p, size_t n, char hex[65], int portable)
{
    pt_sha256 s;
    if (portable)
        pt_sha256_init_portable(&s);
    else
        pt_sha256_init(&s);
    pt_sha256_update(&s, p, n);
    pt_sha256_final(&s, hex);
}

/* FIPS 180-4 / NIST CSRC examples; run on whichever path this CPU takes, then forced
 * portable. */
PT_TEST(fips_examples_on_both_paths)
{
    static const char *abc = "abc";
    static const char *two =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 448 bits */
    char *mil = malloc(1000000);
    PT_REQUIRE(mil);
    memset(mil, 'a', 1000000);
    for (int portable = 0; portable <= 1; portable++) {
        char hex[65];
        hash("", 0, hex, portable);
        PT_CHECK(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        hash(abc, 3, hex, portable);
        PT_CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        hash(two, strlen(two), hex, portable);
        PT_CHECK(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        hash(mil, 1000000, hex, portable);
        PT_CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    }
    free(mil);
}

/* Random lengths 0..5000 fed in random pieces: both paths give the same hash. */
PT_TEST(extensions_equal_portable)
{
    uint64_t st = 99;
    unsigned char *buf = malloc(5000);
    PT_REQUIRE(buf);
    for (int trial = 0; trial < 3000; trial++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        size_t n = (size_t)(st >> 33) % 5001;
        for (size_t i = 0; i < n; i++) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            buf[i] = (unsigned char)(st >> 56);
        }
        char hx[2][65];
        for (int portable = 0; portable <= 1; portable++) {
            pt_sha256 s;
            if (portable)
                pt_sha256_init_portable(&s);
            else
                pt_sha256_init(&s);
            size_t at = 0;
            while (at < n) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                size_t k = 1 + (size_t)(st >> 33) % 300;
                k = k < n - at ? k : n - at;
                pt_sha256_update(&s, buf + at, k);
                at += k;
            }
            pt_sha256_final(&s, hx[portable]);
        }
        if (strcmp(hx[0], hx[1])) {
            PT_FAILF("length %zu: %s vs portable %s", n, hx[0], hx[1]);
            break;
        }
    }
    free(buf);
}

int main(int argc, char **argv)
{
    return pt_test_main(argc, argv);
}
