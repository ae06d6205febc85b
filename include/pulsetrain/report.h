/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/report.h — self-contained SVG reports (no external fonts, images or scripts) of a
 * summary and of a load file. */
#ifndef PULSETRAIN_REPORT_H
#define PULSETRAIN_REPORT_H

#include "pulsetrain/error.h"
#include "pulsetrain/load.h"
#include "pulsetrain/summary.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A recording: heart rate over time coloured by intensity class, the ends of
 * exercise, and each recovery (first 8) with its fit HR = L + A e^{-t/tau}
 * (tau from /recovery; L, A by least squares on the plotted /hr values).
 * PT_EDATA when the summary has neither epochs nor heart rate; PT_EIO. */
PT_API int pt_report_summary_svg(const pt_summary *s, const char *title, const char *path,
                                 pt_error *err);
/* A load file, one subject (NULL = the first): daily load bars with CTL, ATL
 * and TSB; walking minutes against the target with the streak; weekly
 * target days, longer easy session, vigorous minutes and HRR60.
 * PT_EDATA when the subject has no days; PT_EIO. */
PT_API int pt_report_load_svg(const pt_load *ld, const char *subject, const char *title,
                              const char *path, pt_error *err);

#ifdef __cplusplus
}
#endif

#endif
