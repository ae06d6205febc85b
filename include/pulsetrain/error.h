/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/error.h — status codes and the caller-owned error record.
 *
 * Every call that can fail returns an int status (PT_OK = 0) or, for
 * constructors, NULL; the reason goes into a caller-owned pt_error passed as
 * the last argument (NULL is allowed). There is no global errno.
 * Threads: pt_error is plain data; give each thread its own. */
#ifndef PULSETRAIN_ERROR_H
#define PULSETRAIN_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PT_BUILD) && defined(__GNUC__)
#define PT_API __attribute__((visibility("default")))
#else
#define PT_API
#endif

#if defined(__GNUC__)
#define PT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PT_PRINTF(f, a)
#endif

typedef enum pt_status {
    PT_OK = 0,
    PT_EINVAL,       /* invalid argument (programmer error or bad option)   */
    PT_ENOMEM,       /* allocation failed                                   */
    PT_EIO,          /* the operating system refused a read or write        */
    PT_EFORMAT,      /* the file is not in the format it claims             */
    PT_EDATA,        /* the format is right but the values are not usable   */
    PT_EUNSUPPORTED, /* a valid feature this build does not handle          */
    PT_EINTERNAL,    /* a bug: an invariant did not hold                    */
    PT_ECANCELED     /* the caller asked the work to stop (a signal)        */
} pt_status;

typedef struct pt_error {
    int code;      /* a pt_status                                        */
    char msg[512]; /* "file:line: what went wrong"; empty when code == 0 */
} pt_error;

/* Static text for a status code; never NULL (unknown codes get "unknown error"). */
PT_API const char *pt_strerror(int code);

/* Fill *err (if not NULL) with code and a printf-style message; returns code,
 * so that `return pt_error_set(err, PT_EDATA, "...")` reads naturally. */
PT_API int pt_error_set(pt_error *err, int code, const char *fmt, ...) PT_PRINTF(3, 4);

/* Prepend context to an existing message (e.g. the file name); returns err->code
 * (PT_OK when err is NULL). */
PT_API int pt_error_prefix(pt_error *err, const char *fmt, ...) PT_PRINTF(2, 3);

/* Reset *err to PT_OK and an empty message; NULL is a no-op. */
PT_API void pt_error_clear(pt_error *err);

#ifdef __cplusplus
}
#endif

#endif
