/* SPDX-License-Identifier: GPL-2.0-or-later
 * print.h — human-readable summaries for the terminal. */
#ifndef PT_CLI_PRINT_H
#define PT_CLI_PRINT_H
#include <stdio.h>

#include "pulsetrain/pipeline.h"

void pt_print_recording(FILE *f, const pt_recording_info *info);
/* out_path may be NULL (summary read back from a file). */
void pt_print_summary(FILE *f, const pt_summary *s, const char *out_path);
#endif
