/* SPDX-License-Identifier: GPL-2.0-or-later
 * tzif.h — a time zone's UTC offsets, loaded once (for the daily stage). */
#ifndef PT_IO_TZIF_H
#define PT_IO_TZIF_H

#include <stddef.h>
#include <stdint.h>

#include "pulsetrain/error.h"

typedef struct pt_tzinfo {
    size_t n;     /* transitions */
    int64_t *at;  /* [n] Unix seconds of each transition */
    int32_t *off; /* [n] UTC offset from at[i] on [s] */
    int32_t off0; /* offset before the first transition (or fixed) [s] */
} pt_tzinfo;

/* A fixed offset or an IANA zone (TZif). PT_EINVAL (unknown zone), PT_EFORMAT (bad file),
 * PT_ENOMEM; free with pt_tz_free. */
int pt_tz_load(pt_tzinfo *tz, const char *name, pt_error *err);
/* UTC offset [s] at Unix time t; *k is a search hint for increasing t (start at 0). */
double pt_tz_offset_at(const pt_tzinfo *tz, double t, size_t *k);
void pt_tz_free(pt_tzinfo *tz);

#endif
