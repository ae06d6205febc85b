/* SPDX-License-Identifier: GPL-2.0-or-later
 * spill.h — growable arrays that move from the heap to an unlinked scratch file once
 * they are large, so that a week-long recording's tables and per-epoch state do not
 * stay in memory (issue 8: peak memory flat in the recording's length).
 *
 *   pt_spill a = {0};                 zero = empty, on the heap
 *   pt_spill_reserve(&a, bytes);      grow (contents kept); a.p moves like realloc's
 *   pt_spill_release(&a, from, to);   drop the resident pages of bytes [from, to)
 *   pt_spill_free(&a);
 *
 * Up to PT_SPILL_HEAP_MAX bytes an array is plain heap memory and release does nothing.
 * Beyond that it is a shared mapping of a file created in $TMPDIR (else /tmp) and
 * unlinked at once: the data live in the page cache and on disk, and only the pages
 * touched since the last release count in the process's resident memory. When no
 * scratch file can be made the array stays on the heap (memory then grows, nothing
 * fails). Not thread-safe: one owner per array. */
#ifndef PT_PIPELINE_SPILL_H
#define PT_PIPELINE_SPILL_H

#include <stddef.h>

#define PT_SPILL_HEAP_MAX ((size_t)64 << 10)

typedef struct pt_spill {
    void *p;       /* the data                                       */
    size_t cap;    /* bytes usable at p                              */
    int fd;        /* scratch file, valid when mapped                */
    int mapped;    /* 1: p is a shared mapping of fd                 */
} pt_spill;

/* Make at least `bytes` usable, keeping the contents; new bytes are zero.
 * Returns 0, or -1 when out of memory or scratch space (contents unchanged). */
int pt_spill_reserve(pt_spill *a, size_t bytes);
/* Drop the resident pages wholly inside bytes [from, to); the data stay. */
void pt_spill_release(const pt_spill *a, size_t from, size_t to);
void pt_spill_free(pt_spill *a);
/* The directory scratch files go to: $TMPDIR, else /tmp (for error messages). */
const char *pt_spill_dir(void);
/* Tests: the heap limit for arrays grown from now on (PT_SPILL_HEAP_MAX by default; 0 puts
 * every array in a scratch file, SIZE_MAX none). Set it before any run starts. */
void pt_spill_set_heap_max(size_t bytes);

#endif
