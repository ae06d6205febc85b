/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain.h — umbrella header: everything public. */
#ifndef PULSETRAIN_H
#define PULSETRAIN_H
#define PT_VERSION_MAJOR 0
#define PT_VERSION_MINOR 1
#define PT_VERSION_PATCH 0
#include "pulsetrain/error.h"
#include "pulsetrain/io.h"
#include "pulsetrain/pipeline.h"
#endif
