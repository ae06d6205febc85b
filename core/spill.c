/* SPDX-License-Identifier: GPL-2.0-or-later
 * spill.c — heap-then-scratch-file growable arrays (see spill.h). */
#define _DEFAULT_SOURCE /* madvise, MADV_DONTNEED */
#include "core/spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

pt_scratch pt_scratch_defaults(void)
{
    pt_scratch sc = {.dir = "", .heap_max = PT_SPILL_HEAP_MAX};
    return sc;
}

static size_t page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    return ps > 0 ? (size_t)ps : 4096;
}

const char *pt_spill_dir(const pt_spill *a)
{
    return a && a->sc && a->sc->dir[0] ? a->sc->dir : "/tmp";
}

/* An unlinked scratch file, or -1. */
static int scratch_file(const pt_spill *a)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/pulsetrain-scratch-XXXXXX", pt_spill_dir(a));
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    fcntl(fd, F_SETFD, FD_CLOEXEC); /* not inherited by a child the caller execs */
    unlink(path);
    return fd;
}

/* Size the file to `bytes`, with its blocks allocated so that a full disk is an error here
 * and not a SIGBUS when a page is written later. */
static int size_file(int fd, size_t old, size_t bytes)
{
    if (ftruncate(fd, (off_t)bytes) != 0)
        return -1;
#if defined(__linux__)
    int rc = posix_fallocate(fd, (off_t)old, (off_t)(bytes - old));
    return rc == 0 || rc == EINVAL || rc == EOPNOTSUPP ? 0 : -1; /* fs without fallocate */
#else
    (void)old; /* no posix_fallocate (macOS): a full disk shows when pages are written */
    return 0;
#endif
}

static int grow_heap(pt_spill *a, size_t cap)
{
    void *q = realloc(a->p, cap);
    if (!q)
        return -1;
    memset((char *)q + a->cap, 0, cap - a->cap);
    a->p = q;
    a->cap = cap;
    return 0;
}

int pt_spill_reserve(pt_spill *a, size_t bytes)
{
    if (bytes <= a->cap)
        return 0;
    size_t ps = page_size(), cap = a->cap ? a->cap : 4096;
    while (cap < bytes) {
        if (cap > (size_t)-1 / 2)
            return -1;
        cap *= 2;
    }
    size_t heap_max = a->sc ? a->sc->heap_max : PT_SPILL_HEAP_MAX;
    if (!a->mapped && cap <= heap_max)
        return grow_heap(a, cap);
    cap = (cap + ps - 1) / ps * ps;
    if (!a->mapped) {
        int fd = scratch_file(a);
        if (fd < 0 || size_file(fd, 0, cap) != 0) {
            if (fd >= 0)
                close(fd);
            return grow_heap(a, cap); /* no scratch space: stay on the heap */
        }
        void *q = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (q == MAP_FAILED) {
            close(fd);
            return grow_heap(a, cap);
        }
        if (a->cap)
            memcpy(q, a->p, a->cap);
        free(a->p);
        a->p = q;
        a->cap = cap;
        a->fd = fd;
        a->mapped = 1;
        return 0;
    }
    /* the file keeps the data: map it again, larger (the old pages stay in the page cache) */
    if (size_file(a->fd, a->cap, cap) != 0)
        return -1;
    void *q = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);
    if (q == MAP_FAILED)
        return -1;
    munmap(a->p, a->cap);
    a->p = q;
    a->cap = cap;
    return 0;
}

void pt_spill_release(const pt_spill *a, size_t from, size_t to)
{
    if (!a->mapped)
        return;
    size_t ps = page_size();
    if (to > a->cap)
        to = a->cap;
    from = (from + ps - 1) / ps * ps;
    to = to / ps * ps;
    if (to > from) /* shared file mapping: the pages return from the page cache when touched */
        madvise((char *)a->p + from, to - from, MADV_DONTNEED);
}

void pt_spill_free(pt_spill *a)
{
    if (a->mapped) {
        munmap(a->p, a->cap);
        close(a->fd);
    } else {
        free(a->p);
    }
    const pt_scratch *sc = a->sc;
    memset(a, 0, sizeof *a);
    a->sc = sc; /* the array may grow again, into the same place */
}
