/* SPDX-License-Identifier: GPL-2.0-or-later
 * error.c — status strings and the pt_error helpers. */
#include "pulsetrain/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_text[] = {
    [PT_OK] = "success",
    [PT_EINVAL] = "invalid argument",
    [PT_ENOMEM] = "out of memory",
    [PT_EIO] = "input/output error",
    [PT_EFORMAT] = "bad file format",
    [PT_EDATA] = "bad data",
    [PT_EUNSUPPORTED] = "unsupported",
    [PT_EINTERNAL] = "internal error",
    [PT_ECANCELED] = "cancelled",
};

const char *pt_strerror(int code)
{
    if (code < 0 || (size_t)code >= sizeof status_text / sizeof status_text[0])
        return "unknown error";
    return status_text[code];
}

int pt_error_set(pt_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int pt_error_prefix(pt_error *err, const char *fmt, ...)
{
    if (!err)
        return PT_OK;
    char head[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    /* head + old message, cut to fit */
    size_t hl = strlen(head), ml = strlen(err->msg), cap = sizeof err->msg - 1;
    if (hl > cap)
        hl = cap;
    if (hl + ml > cap)
        ml = cap - hl;
    memmove(err->msg + hl, err->msg, ml);
    memcpy(err->msg, head, hl);
    err->msg[hl + ml] = '\0';
    return err->code;
}

void pt_error_clear(pt_error *err)
{
    if (err) {
        err->code = PT_OK;
        err->msg[0] = '\0';
    }
}
