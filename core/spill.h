/* SPDX-License-Identifier: GPL-2.0-or-later
 * spill.h — growable arrays that move from the heap to an unlinked scratch file once
 * they are large, so that a week-long recording's tables and per-epoch state do not
 * stay in memory (peak memory flat in the recording's length).
 *
 *   pt_spill a = {0};                 zero = empty, on the heap
 *   pt_spill_reserve(&a, bytes);      grow (contents kept); a.p moves like realloc's
 *   pt_spill_release(&a, from, to);   drop the resident pages of bytes [from, to)
 *   pt_spill_free(&a);
 *
 * Up to the scratch's heap_max bytes (PT_SPILL_HEAP_MAX by default) an array is plain heap
 * memory and release does nothing. Beyond that it is a shared mapping of a file created in
 * the scratch's directory (the caller's choice: the CLI passes $TMPDIR, else /tmp) and
 * unlinked at once: the data live in the page cache and on disk, and only the pages
 * touched since the last release count in the process's resident memory. When no
 * scratch file can be made the array stays on the heap (memory then grows, nothing
 * fails). Not thread-safe: one owner per array. */
#ifndef PT_CORE_SPILL_H
#define PT_CORE_SPILL_H

#include <stddef.h>

#define PT_SPILL_HEAP_MAX ((size_t)64 << 10)

/* Long passes over a table release its pages every PT_RELEASE_ROWS rows, so that a week's
 * table is never wholly in memory. A compile-time constant: the test of the release path
 * builds the library a second time with -DPT_RELEASE_ROWS=7. */
#ifndef PT_RELEASE_ROWS
#define PT_RELEASE_ROWS ((size_t)16384)
#endif

/* Where and when arrays spill; one per run, owned by the caller (the summary keeps one). */
typedef struct pt_scratch {
    char dir[512];   /* scratch directory; "" = /tmp                           */
    size_t heap_max; /* arrays up to this many bytes stay on the heap           */
} pt_scratch;

/* dir "" (= /tmp), heap_max PT_SPILL_HEAP_MAX. */
pt_scratch pt_scratch_defaults(void);

typedef struct pt_spill {
    void *p;              /* the data                                       */
    size_t cap;           /* bytes usable at p                              */
    int fd;               /* scratch file, valid when mapped                */
    int mapped;           /* 1: p is a shared mapping of fd                 */
    const pt_scratch *sc; /* where to spill; NULL = pt_scratch_defaults()   */
} pt_spill;

/* Make at least `bytes` usable, keeping the contents; new bytes are zero.
 * Returns 0, or -1 when out of memory or scratch space (contents unchanged). */
int pt_spill_reserve(pt_spill *a, size_t bytes);
/* Drop the resident pages wholly inside bytes [from, to); the data stay. */
void pt_spill_release(const pt_spill *a, size_t from, size_t to);
void pt_spill_free(pt_spill *a);
/* The directory a's scratch file goes to (for error messages). */
const char *pt_spill_dir(const pt_spill *a);

#endif
