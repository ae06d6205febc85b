/* SPDX-License-Identifier: GPL-2.0-or-later
 * lock.h — the one I/O mutex (STYLE.md: sanctioned static #2), taken around
 * every HDF5 call and around sf_open + sf_strerror(NULL): HDF5 builds other
 * than Debian's thread-safe one are not thread-safe at all. */
#ifndef PT_IO_LOCK_H
#define PT_IO_LOCK_H
void pt_io_lock(void);
void pt_io_unlock(void);
#endif
