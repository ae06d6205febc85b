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

/* A recording, over one time axis (clock time and dates from the recording's start in the
 * run's time zone; time since the start when the file has none): the heart rate, when there
 * is one; an activity strip, the class of each bin as a coloured band; the ENMO trace [mg],
 * when there is an accelerometer; non-wear as a grey band with no trace through it; the ends
 * of exercise. Then each recovery (first 8), drawn from the heart rate it was measured on
 * (the /hr windows for PPG, the /epochs heart rate for a device or chest strap), with its fit
 * HR = L + A e^{-t/tau} (tau from /recovery; L, A by least squares on the plotted values).
 * Values that are missing are written "n/a" with the reason. title NULL or "": the subject
 * and the recording's file name.
 * PT_EDATA when the summary has neither epochs nor heart rate; PT_EIO. */
PT_API int pt_report_summary_svg(const pt_summary *s, const char *title, const char *path,
                                 pt_error *err);
/* A load file, one subject (NULL = the first): daily load bars with CTL, ATL
 * and TSB; walking minutes against the target with the streak; weekly
 * target days, longer easy session, vigorous minutes and HRR60. Dates on the axis (every
 * day up to two weeks, then Mondays); ACWR and the HRR60 trend "n/a" with the reason while
 * they cannot be computed. title NULL or "": "Training load: subject ID".
 * PT_EDATA when the subject has no days; PT_EIO. */
PT_API int pt_report_load_svg(const pt_load *ld, const char *subject, const char *title,
                              const char *path, pt_error *err);

#ifdef __cplusplus
}
#endif

#endif
