/* SPDX-License-Identifier: GPL-2.0-or-later
 * reader_impl.h — the table of format readers behind pt_reader_open.
 * Each format defines `const pt_reader_ops pt_reader_<name>` in io/<name>.c
 * and is listed in io/recording.c. */
#ifndef PT_IO_READER_IMPL_H
#define PT_IO_READER_IMPL_H

#include "pulsetrain/io.h"

typedef struct pt_reader_ops {
    const char *name;
    /* Score 0..100 how likely `head` (the first bytes of path, len of them) is
     * this format; 0 = certainly not. path may be a directory (head empty). */
    int (*probe)(const char *path, const unsigned char *head, size_t len);
    void *(*open)(const char *path, const pt_read_options *opt, pt_recording_info *info,
                  pt_error *err);
    int (*read)(void *state, pt_recording_info *info, pt_block *b, pt_error *err);
    void (*close)(void *state);
} pt_reader_ops;

extern const pt_reader_ops pt_reader_csv;
extern const pt_reader_ops pt_reader_edf;    /* EDF, EDF+, BDF */
extern const pt_reader_ops pt_reader_wfdb;   /* PhysioNet .hea + signal files */
extern const pt_reader_ops pt_reader_e4;     /* Empatica E4 export folder */
extern const pt_reader_ops pt_reader_audio;  /* WAV/FLAC/... via libsndfile */
extern const pt_reader_ops pt_reader_cwa;    /* Axivity AX3/AX6 .cwa */
extern const pt_reader_ops pt_reader_h5;     /* HDF5 datasets named by the user */
extern const pt_reader_ops pt_reader_memory; /* arrays (pt_read_options.memory); not probed */

/* Device formats: ActiGraph .gt3x, GENEActiv .bin, Garmin .fit, Polar Sensor Logger. */
extern const pt_reader_ops pt_reader_gt3x;
extern const pt_reader_ops pt_reader_geneactiv;
extern const pt_reader_ops pt_reader_fit;
extern const pt_reader_ops pt_reader_polar;
extern const pt_reader_ops pt_reader_actilife; /* ActiGraph ActiLife raw CSV (.csv, .csv.gz) */

/* Kind and canonical units from a channel name with an optional unit suffix
 * ("acc_x_ms2" -> ACC_X, scale 1/9.80665 to g). Returns 0 when the name is not
 * recognised (kind = AUX, scale 1, units from the suffix or "au"). */
int pt_channel_from_name(const char *name, const char *acc_units, pt_kind *kind, double *scale,
                         char units[16]);

/* Parse an ISO 8601 date-time ("2024-05-01T12:00:00.5Z", "+02:00" offsets, a
 * space instead of T) into Unix seconds. Returns 0 on success. */
int pt_parse_iso8601(const char *s, size_t len, double *unix_s);
/* The same; *clock_s (may be NULL) receives the clock time written [s after midnight], the
 * offset not applied ("2024-05-01T08:00+02:00" -> 28800). */
int pt_parse_iso8601_clock(const char *s, size_t len, double *unix_s, double *clock_s);

/* Days from 1970-01-01 to the calendar date y-m-d (proleptic Gregorian). */
long long pt_days_from_civil(long long y, long long m, long long d);

/* Format Unix seconds as "YYYY-MM-DDTHH:MM:SS.sssZ". */
void pt_format_iso8601(double unix_s, char out[40]);

#endif
