/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/tz.h — time zones for local calendar days, without setenv/tzset. */
#ifndef PULSETRAIN_TZ_H
#define PULSETRAIN_TZ_H

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* UTC offset [s] of a time zone at Unix time unix_s. tz: "UTC", a fixed offset
 * ("+02:00", "-0530", "+120" minutes) or an IANA name read from
 * /usr/share/zoneinfo (TZif, RFC 8536); no setenv/tzset.
 * Returns PT_OK, PT_EINVAL (unknown zone), PT_EFORMAT (bad TZif file). */
PT_API int pt_tz_offset_s(const char *tz, double unix_s, double *offset_s, pt_error *err);

/* ISO 8601 "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+hh[:mm]|-hh[:mm]]" -> Unix time [s, UTC]; no offset
 * means UTC. Returns PT_OK or PT_EINVAL (not such a time; *unix_s untouched). */
PT_API int pt_time_parse_iso8601(const char *s, double *unix_s);
/* Unix time [s] -> "YYYY-MM-DDTHH:MM:SS.mmmZ" (years 0000..9999; "" otherwise). */
PT_API void pt_time_format_iso8601(double unix_s, char out[40]);

#ifdef __cplusplus
}
#endif

#endif
