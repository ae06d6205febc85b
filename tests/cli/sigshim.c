/* SPDX-License-Identifier: GPL-2.0-or-later
 * sigshim.c — LD_PRELOAD shim for tests/cli/signals.sh: when PT_SHIM_SIGNAL=N is set,
 * raise signal N just before an output's temporary file (a name holding ".tmp.") is
 * renamed into place, i.e. in the middle of writing. That puts the signal in the one
 * window where a temporary file exists, every time, without timing guesses.
 * When PT_SHIM_NOLOCK is set, flock() fails with ENOLCK, as on an NFS mount without a lock
 * daemon (tests/cli/nolock.sh). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rename(const char *from, const char *to)
{
    int (*real)(const char *, const char *) =
        (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    const char *sig = getenv("PT_SHIM_SIGNAL");
    if (sig && from && strstr(from, ".tmp.")) {
        unsetenv("PT_SHIM_SIGNAL"); /* once */
        raise(atoi(sig));
    }
    return real(from, to);
}

int flock(int fd, int op)
{
    int (*real)(int, int) = (int (*)(int, int))dlsym(RTLD_NEXT, "flock");
    if (getenv("PT_SHIM_NOLOCK")) {
        errno = ENOLCK;
        return -1;
    }
    return real(fd, op);
}
