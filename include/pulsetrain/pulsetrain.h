/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain.h — umbrella header: everything public. */
#ifndef PULSETRAIN_H
#define PULSETRAIN_H
#define PT_VERSION_MAJOR 0
#define PT_VERSION_MINOR 1
#define PT_VERSION_PATCH 0
#include "pulsetrain/error.h"
/* kernels: arrays in, arrays out */
#include "pulsetrain/fft.h"
#include "pulsetrain/fit.h"
#include "pulsetrain/peaks.h"
#include "pulsetrain/resample.h"
#include "pulsetrain/sos.h"
#include "pulsetrain/stats.h"
#include "pulsetrain/welch.h"
/* recordings, stages, summaries */
#include "pulsetrain/io.h"
#include "pulsetrain/pipeline.h"
#include "pulsetrain/hrtrack.h"
#include "pulsetrain/load.h"
#include "pulsetrain/batch.h"
#include "pulsetrain/simulate.h"
#endif
