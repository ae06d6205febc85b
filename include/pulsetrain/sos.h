/* SPDX-License-Identifier: GPL-2.0-or-later
 * pulsetrain/sos.h — Butterworth design as second-order sections, and the cascaded SOS
 * filter (causal, stateful, block by block) with scipy's zero-phase sosfiltfilt.
 *
 * Threads: pt_butter_sos and pt_sos_zi are pure functions. A pt_sos is used by one thread
 * at a time; distinct objects share nothing. */
#ifndef PULSETRAIN_SOS_H
#define PULSETRAIN_SOS_H

#include <stddef.h>

#include "pulsetrain/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pt_band {
    PT_BAND_LOWPASS,
    PT_BAND_HIGHPASS,
    PT_BAND_BANDPASS,
    PT_BAND_BANDSTOP
} pt_band;

/* Number of second-order sections of a Butterworth design (scipy's count):
 * ceil(order/2) for low/high-pass, order for band-pass/band-stop.
 *   order : 1..10;  band : a pt_band
 * Returns 0 for an invalid order or band. */
PT_API size_t pt_butter_nsec(int order, pt_band band);

/* Digital Butterworth filter as second-order sections, matching
 * scipy.signal.butter(order, wn, btype, fs=fs_hz, output='sos') (scipy 1.10: analog
 * prototype, pre-warped bilinear transform, zpk2sos 'nearest' pairing, gain in section 0).
 *   order : filter order (band filters have 2*order poles), 1..10
 *   band  : PT_BAND_LOWPASS, _HIGHPASS, _BANDPASS or _BANDSTOP
 *   f1_hz : cut-off [Hz] (low/high-pass), or lower band edge [Hz]; 0 < f1_hz < fs_hz/2
 *   f2_hz : upper band edge [Hz] for band-pass/stop, f1_hz < f2_hz < fs_hz/2; ignored
 *           for low/high-pass
 *   fs_hz : sample rate [Hz], > 0
 *   sos   : out, [size: pt_butter_nsec(order, band) * 6], rows b0 b1 b2 1 a1 a2
 *   err   : out, reason on failure (may be NULL)
 * Returns PT_OK, or PT_EINVAL with the reason in *err. */
PT_API int pt_butter_sos(int order, pt_band band, double f1_hz, double f2_hz, double fs_hz,
                         double *sos, pt_error *err);

/* Initial state for a step response in steady state, scipy.signal.sosfilt_zi: scale by
 * x[0] (each of the nsec*2 values) to start a filter "as if the signal had always been
 * x[0]".
 *   sos  : sections [size: nsec * 6], rows b0 b1 b2 a0 a1 a2 (a0 != 0)
 *   nsec : number of sections, >= 1
 *   zi   : out, [size: nsec * 2]
 * Returns PT_OK, or PT_EINVAL (NULL, nsec = 0, a0 = 0, or a section with a pole at z = 1,
 * where no steady state exists). */
PT_API int pt_sos_zi(const double *sos, size_t nsec, double *zi);

/* Cascaded second-order-section IIR filter, transposed direct form II per section, as
 * scipy.signal.sosfilt. */
typedef struct pt_sos pt_sos;

/* Create the filter; copies sos (normalised so that a0 = 1) and allocates the scratch
 * sosfiltfilt needs for signals up to max_n samples. The state starts at zero.
 *   sos   : sections [size: nsec * 6], rows b0 b1 b2 a0 a1 a2, a0 != 0, all finite
 *   nsec  : number of sections, 1..1000
 *   max_n : longest signal passed to pt_sos_filtfilt [samples]; 0 if filtfilt is unused
 *   err   : out, reason on failure (may be NULL)
 * Returns the object or NULL with PT_EINVAL / PT_ENOMEM in *err. Destroy with
 * pt_sos_destroy. */
PT_API pt_sos *pt_sos_create(const double *sos, size_t nsec, size_t max_n, pt_error *err);

/* Filter one block causally, carrying the state across calls: consecutive blocks give the
 * same output as one call on the concatenation (scipy sosfilt with zi/zf), to rounding:
 * on CPUs with AVX2, a block of more than about 5 times the filter's decay time (to
 * 2^-53) is cut into time segments filtered in parallel, which agree with one serial pass
 * to the recursion's own rounding noise (about 1e-13 of the signal's scale), output and
 * carried state alike.
 *   x : input [size: n];  y : out [size: n]; y == x (in place) is allowed
 *   n : block length [samples], any (0 is a no-op)
 * Returns PT_OK, or PT_EINVAL on a NULL pointer. Never allocates.
 * NaN/Inf input propagates: it makes the state non-finite until pt_sos_reset or
 * pt_sos_set_state. */
PT_API int pt_sos_execute(pt_sos *f, const double *x, double *y, size_t n);

/* Zero-phase forward-backward filter of one whole buffer, scipy.signal.sosfiltfilt with
 * its defaults: odd extension of padlen = pt_sos_padlen(f) samples at both ends
 * (Gustafsson-style initial conditions from sosfilt_zi scaled by the first sample of each
 * pass). The object's causal state is not used or changed.
 *   x   : input [size: n]; y : out [size: n]; y == x allowed
 *   n   : padlen < n <= max_n
 *   err : out (may be NULL)
 * Returns PT_OK, or PT_EINVAL: "The length of the input vector x must be greater than
 * padlen, which is P." (scipy's message) when n <= padlen, or n > max_n. Never allocates.
 * A NaN anywhere in x makes the whole output NaN (as scipy). */
PT_API int pt_sos_filtfilt(pt_sos *f, const double *x, double *y, size_t n, pt_error *err);

/* scipy's default pad length: 3 * (2*nsec + 1 - min(#{b2 == 0}, #{a2 == 0})). */
PT_API size_t pt_sos_padlen(const pt_sos *f);

/* Number of sections. */
PT_API size_t pt_sos_nsec(const pt_sos *f);

/* Set the delay-line state (scipy's zi layout).  zi : [size: nsec * 2]. */
PT_API void pt_sos_set_state(pt_sos *f, const double *zi);

/* Read the delay-line state (scipy's zf).  zf : out, [size: nsec * 2]. */
PT_API void pt_sos_get_state(const pt_sos *f, double *zf);

/* Set the state to the steady state for a constant input x0, sosfilt_zi * x0: avoids the
 * start-up transient of a signal that does not start at 0. */
PT_API void pt_sos_prime(pt_sos *f, double x0);

/* Zero the state; keeps the memory. */
PT_API void pt_sos_reset(pt_sos *f);

/* Release the object. NULL is a harmless no-op. */
PT_API void pt_sos_destroy(pt_sos *f);

#ifdef __cplusplus
}
#endif

#endif
