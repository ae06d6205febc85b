/* SPDX-License-Identifier: GPL-2.0-or-later
 * batch/shard.h — between batch.c and shard.c (not installed). */
#ifndef PT_BATCH_SHARD_H
#define PT_BATCH_SHARD_H

#include <stddef.h>

#include "pulsetrain/batch.h"

/* part[i] in 0..nparts-1 for recording i of sizes bytes[i] (largest first into the lightest
 * part; ties in listing order). PT_OK, PT_EINVAL, PT_ENOMEM. [size: n] */
int pt_shard_assign(const double *bytes, size_t n, int nparts, int *part);

/* Keep only the recordings with part[i] == keep (listing order kept, names unchanged) and
 * remember that this run is part k of n (its journal, no index). In batch.c. */
int pt_batch_keep_part_(pt_batch *b, const int *part, int keep, int k, int n);

#endif
