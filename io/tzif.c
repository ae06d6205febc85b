/* SPDX-License-Identifier: GPL-2.0-or-later
 * tzif.c — UTC offsets of a time zone: fixed offsets ("+02:00", "-0530", "+120" minutes)
 * or IANA names read from the system zoneinfo (TZif, RFC 8536), without setenv/tzset. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/tzif.h"
#include "pulsetrain/tz.h"

static int64_t be(const unsigned char *b, int nbytes)
{
    uint64_t v = 0;
    for (int i = 0; i < nbytes; i++)
        v = v << 8 | b[i];
    if (nbytes == 4)
        return (int64_t)(int32_t)(uint32_t)v;
    return (int64_t)v;
}

/* "+02:00", "-0530", "+120" (minutes), "UTC", "Z" -> seconds east of UTC; -1 if not an offset. */
static int parse_offset(const char *s, int32_t *off)
{
    if (!strcmp(s, "UTC") || !strcmp(s, "Z") || !strcmp(s, "GMT") || !strcmp(s, "Etc/UTC")) {
        *off = 0;
        return 0;
    }
    if (s[0] != '+' && s[0] != '-')
        return -1;
    int sign = s[0] == '-' ? -1 : 1;
    const char *d = s + 1;
    size_t nd = strspn(d, "0123456789");
    long v;
    if (d[nd] == ':' && nd == 2 && strlen(d + 3) == 2 && strspn(d + 3, "0123456789") == 2)
        v = strtol(d, NULL, 10) * 60 + strtol(d + 3, NULL, 10);
    else if (nd == 4 && !d[nd]) /* hhmm */
        v = strtol(d, NULL, 10) / 100 * 60 + strtol(d, NULL, 10) % 100;
    else if (nd >= 1 && nd <= 3 && !d[nd]) /* minutes */
        v = strtol(d, NULL, 10);
    else
        return -1;
    if (v > 18 * 60)
        return -1;
    *off = (int32_t)(sign * v * 60);
    return 0;
}

/* Transitions of an IANA zone from its TZif file (RFC 8536, version 2+ data
 * when present). After the last transition the last offset holds (Debian's
 * "fat" files list transitions up to 2037). */
static int load_tzif(pt_tzinfo *tz, const char *name, pt_error *err)
{
    if (strstr(name, "..") || name[0] == '/' || strlen(name) > 48)
        return pt_error_set(err, PT_EINVAL, "time zone '%s' is not a zone name", name);
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return pt_error_set(err, PT_EINVAL, "time zone '%s': cannot open %s: %s", name, path,
                            strerror(errno));
    unsigned char *buf = malloc(1 << 20);
    size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    if (!buf)
        return pt_error_set(err, PT_ENOMEM, "time zone: out of memory for its transitions");
    int rc = PT_OK;
    const unsigned char *h = buf;
    int tsize = 4;
    for (int pass = 0; pass < 2; pass++) {
        if ((size_t)(h - buf) + 44 > len || memcmp(h, "TZif", 4)) {
            rc = pt_error_set(err, PT_EFORMAT, "%s: not a TZif file", path);
            break;
        }
        int64_t isut = be(h + 20, 4), isstd = be(h + 24, 4), leap = be(h + 28, 4);
        int64_t timecnt = be(h + 32, 4), typecnt = be(h + 36, 4), charcnt = be(h + 40, 4);
        if (isut < 0 || isstd < 0 || leap < 0 || timecnt < 0 || typecnt < 1 || charcnt < 0 ||
            timecnt > 100000 || typecnt > 256) {
            rc = pt_error_set(err, PT_EFORMAT, "%s: bad TZif header", path);
            break;
        }
        size_t body = (size_t)(timecnt * tsize + timecnt + typecnt * 6 + charcnt +
                               leap * (tsize + 4) + isstd + isut);
        if ((size_t)(h - buf) + 44 + body > len) {
            rc = pt_error_set(err, PT_EFORMAT, "%s: truncated TZif file", path);
            break;
        }
        if (pass == 0 && h[4] >= '2') { /* skip the 32-bit block, use the 64-bit one */
            h += 44 + body;
            tsize = 8;
            continue;
        }
        const unsigned char *tt = h + 44, *ti = tt + timecnt * tsize, *ty = ti + timecnt;
        tz->n = (size_t)timecnt;
        tz->at = calloc(tz->n ? tz->n : 1, sizeof *tz->at);
        tz->off = calloc(tz->n ? tz->n : 1, sizeof *tz->off);
        if (!tz->at || !tz->off) {
            rc = pt_error_set(err, PT_ENOMEM, "time zone: out of memory for its transitions");
            break;
        }
        /* Before the first transition: the first standard-time type (RFC 8536 3.2). */
        tz->off0 = (int32_t)be(ty, 4);
        for (int64_t k = 0; k < typecnt; k++)
            if (!ty[k * 6 + 4]) {
                tz->off0 = (int32_t)be(ty + k * 6, 4);
                break;
            }
        for (size_t i = 0; i < tz->n; i++) {
            unsigned idx = ti[i];
            if (idx >= (unsigned)typecnt) {
                rc = pt_error_set(err, PT_EFORMAT, "%s: bad transition type", path);
                break;
            }
            tz->at[i] = be(tt + i * (size_t)tsize, tsize);
            tz->off[i] = (int32_t)be(ty + idx * 6, 4);
        }
        break;
    }
    free(buf);
    return rc;
}

/* UTC offset [s] at Unix time t; *k is a search hint for increasing t. */
double pt_tz_offset_at(const pt_tzinfo *tz, double t, size_t *k)
{
    if (!tz->n || t < (double)tz->at[0])
        return tz->off0;
    size_t i = *k < tz->n ? *k : 0;
    if ((double)tz->at[i] > t)
        i = 0;
    while (i + 1 < tz->n && (double)tz->at[i + 1] <= t)
        i++;
    *k = i;
    return tz->off[i];
}

int pt_tz_offset_s(const char *tz, double unix_s, double *offset_s, pt_error *err)
{
    pt_tzinfo z = {0};
    int32_t fixed;
    int rc = PT_OK;
    if (parse_offset(tz, &fixed) == 0)
        z.off0 = fixed;
    else
        rc = load_tzif(&z, tz, err);
    if (!rc) {
        size_t k = 0;
        *offset_s = pt_tz_offset_at(&z, unix_s, &k);
    }
    free(z.at);
    free(z.off);
    return rc;
}

int pt_tz_load(pt_tzinfo *tz, const char *name, pt_error *err)
{
    memset(tz, 0, sizeof *tz);
    int32_t fixed;
    if (parse_offset(name, &fixed) == 0) {
        tz->off0 = fixed;
        return PT_OK;
    }
    return load_tzif(tz, name, err);
}

void pt_tz_free(pt_tzinfo *tz)
{
    free(tz->at);
    free(tz->off);
    memset(tz, 0, sizeof *tz);
}
