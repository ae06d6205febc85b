/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain.h — umbrella header: everything public, and the map of it.
 *
 * Object families and their lifecycles (each create has one destroy; destroy(NULL) is a
 * harmless no-op; every call that can fail returns a pt_status and fills a caller-owned
 * pt_error, which may be NULL):
 *
 *   error.h     pt_error, pt_status, pt_strerror                       no object
 *   version.h   pt_version, PT_VERSION_*                                no object
 *   kernels (arrays in, arrays out; create validates and plans, execute never allocates):
 *     sos.h       pt_butter_sos (design)    pt_sos    create -> execute* -> reset -> destroy
 *     welch.h     window functions          pt_welch  create -> execute* -> destroy
 *     fft.h       pt_fft   create -> forward/inverse* -> destroy
 *     peaks.h, resample.h, stats.h, fit.h   as their headers say
 *   io.h        pt_reader  open -> info -> read* (blocks) -> close; pt_block create/destroy
 *   tz.h        pt_tz_offset_s                                          no object
 *   summary.h   pt_summary (read-only to users): from pt_process* or pt_summary_read_h5
 *               -> pt_summary_table_const / pt_table_* -> pt_summary_destroy;
 *               pt_summary_write_h5 writes one
 *   pipeline.h  pt_params (defaults -> check), pt_run_options; pt_process runs a file
 *               through every stage into a summary
 *   hrtrack.h   pt_hrtrack  create -> push* -> finish -> destroy (heart rate under motion)
 *   trimp.h     pt_trimp_banister, pt_edwards_zone                      no object
 *   simulate.h  pt_sim     create -> read* / write_* -> destroy (synthetic recordings)
 *   batch.h     pt_batch   create (folder or manifest) -> run -> result_at* -> destroy
 *   load.h      pt_load    create -> add_file* -> compute -> write_h5 / columns -> destroy
 *   report.h    pt_report_summary_svg, pt_report_load_svg               no object
 *
 * Threads: an object is used by one thread at a time; distinct objects share nothing.
 * HDF5 and libsndfile calls run under the library's one I/O lock. */
#ifndef PULSETRAIN_H
#define PULSETRAIN_H
#include "pulsetrain/error.h"
#include "pulsetrain/path.h"
#include "pulsetrain/version.h"
/* kernels: arrays in, arrays out */
#include "pulsetrain/fft.h"
#include "pulsetrain/fit.h"
#include "pulsetrain/peaks.h"
#include "pulsetrain/resample.h"
#include "pulsetrain/sos.h"
#include "pulsetrain/stats.h"
#include "pulsetrain/welch.h"
/* recordings, summaries, the pipeline */
#include "pulsetrain/hrtrack.h"
#include "pulsetrain/io.h"
#include "pulsetrain/pipeline.h"
#include "pulsetrain/summary.h"
#include "pulsetrain/trimp.h"
#include "pulsetrain/tz.h"
/* simulation, many recordings, days, reports */
#include "pulsetrain/batch.h"
#include "pulsetrain/load.h"
#include "pulsetrain/report.h"
#include "pulsetrain/simulate.h"
#endif
