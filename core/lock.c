/* SPDX-License-Identifier: GPL-2.0-or-later
 * lock.c — the I/O mutex (see lock.h for why it exists). */
#include "core/lock.h"

#include <pthread.h>

/* Mutable static by necessity: HDF5 and libsndfile keep process globals. */
static pthread_mutex_t io_lock = PTHREAD_MUTEX_INITIALIZER;

void pt_io_lock(void)
{
    pthread_mutex_lock(&io_lock);
}
void pt_io_unlock(void)
{
    pthread_mutex_unlock(&io_lock);
}
