/* SPDX-License-Identifier: GPL-2.0-or-later
 * params.c — every setting of a run: defaults, range checks and the JSON text the
 * summary keeps in its `parameters` attribute. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pulsetrain/pipeline.h"

pt_params pt_params_defaults(void)
{
    pt_params p;
    memset(&p, 0, sizeof p);
    p.age_y = NAN;
    p.hr_rest_bpm = NAN;
    p.hr_max_bpm = NAN;
    p.ppg_lo_hz = 0.5;
    p.ppg_hi_hz = 4.0;
    p.ppg_order = 4;
    p.hr_window_s = 8.0;
    p.hr_step_s = 2.0;
    p.hr_lo_bpm = 40.0;
    p.hr_hi_bpm = 220.0;
    p.epoch_s = 5.0;
    p.mad_light_mg = 22.5;
    p.mad_moderate_mg = 91.0;
    p.mad_vigorous_mg = 414.0;
    p.enmo_light_mg = 40.0;
    p.enmo_moderate_mg = 100.0;
    p.enmo_vigorous_mg = 400.0;
    p.nonwear_window_s = 3600.0;
    p.nonwear_sd_mg = 13.0;
    p.nonwear_range_mg = 50.0;
    snprintf(p.tz, sizeof p.tz, "UTC");
    p.min_wear_h = 10.0;
    p.calibrate = 1;
    p.gait_window_s = 10.0;
    p.run_cadence_spm = 140.0;
    p.hrr_sustain_s = 60.0;
    p.bout_min_s = 60.0;
    p.bout_tolerance_s = 10.0;
    p.recovery_min_exercise_s = 120.0;
    p.recovery_rest_s = 60.0;
    p.recovery_fit_s = 300.0;
    return p;
}

int pt_params_check(const pt_params *p, pt_error *err)
{
#define NEED(cond, ...)                                                                            \
    if (!(cond))                                                                                   \
    return pt_error_set(err, PT_EINVAL, __VA_ARGS__)
    NEED(isnan(p->age_y) || (p->age_y > 0 && p->age_y < 130), "age %g is not in (0, 130) years",
         p->age_y);
    NEED(p->sex == 0 || p->sex == 'm' || p->sex == 'f', "sex must be m or f");
    NEED(isnan(p->hr_rest_bpm) || (p->hr_rest_bpm >= 25 && p->hr_rest_bpm <= 150),
         "resting heart rate %g is not in [25, 150] bpm", p->hr_rest_bpm);
    NEED(isnan(p->hr_max_bpm) || (p->hr_max_bpm >= 100 && p->hr_max_bpm <= 240),
         "maximal heart rate %g is not in [100, 240] bpm", p->hr_max_bpm);
    NEED(isnan(p->hr_rest_bpm) || isnan(p->hr_max_bpm) || p->hr_rest_bpm < p->hr_max_bpm,
         "resting heart rate must be below the maximal heart rate");
    NEED(p->ppg_lo_hz > 0 && p->ppg_lo_hz < p->ppg_hi_hz, "PPG band %g..%g Hz is not valid",
         p->ppg_lo_hz, p->ppg_hi_hz);
    NEED(p->ppg_order >= 1 && p->ppg_order <= 10, "filter order %d is not in 1..10", p->ppg_order);
    NEED(p->hr_window_s >= 2 && p->hr_window_s <= 60, "HR window %g s is not in [2, 60] s",
         p->hr_window_s);
    NEED(p->hr_step_s > 0 && p->hr_step_s <= p->hr_window_s, "HR step %g s must be in (0, window]",
         p->hr_step_s);
    NEED(p->hr_lo_bpm >= 20 && p->hr_lo_bpm < p->hr_hi_bpm && p->hr_hi_bpm <= 300,
         "HR search range %g..%g bpm is not valid", p->hr_lo_bpm, p->hr_hi_bpm);
    NEED(p->epoch_s >= 1 && p->epoch_s <= 600, "epoch %g s is not in [1, 600] s", p->epoch_s);
    NEED(p->mad_light_mg < p->mad_moderate_mg && p->mad_moderate_mg < p->mad_vigorous_mg,
         "MAD cut-points must increase");
    NEED(p->enmo_light_mg < p->enmo_moderate_mg && p->enmo_moderate_mg < p->enmo_vigorous_mg,
         "ENMO cut-points must increase");
    NEED(p->nonwear_window_s >= 60, "non-wear window must be at least 60 s");
    NEED(p->min_wear_h >= 0 && p->min_wear_h <= 24, "minimum wear %g h is not in [0, 24] h",
         p->min_wear_h);
    NEED(memchr(p->tz, 0, sizeof p->tz) && p->tz[0] && !strchr(p->tz, '"') && !strchr(p->tz, '\\'),
         "time zone must be a non-empty name or offset");
    NEED(p->gait_window_s >= 2 && p->gait_window_s <= 60, "gait window %g s is not in [2, 60] s",
         p->gait_window_s);
    NEED(p->run_cadence_spm > 0 && p->run_cadence_spm <= 300,
         "running cadence %g steps/min is not in (0, 300] steps/min", p->run_cadence_spm);
    NEED(p->bout_min_s >= 0 && p->bout_tolerance_s >= 0, "bout lengths must not be negative");
    NEED(p->recovery_fit_s >= 60, "recovery fit must cover at least 60 s");
    NEED(p->n_exercise_end <= 32, "at most 32 exercise ends");
#undef NEED
    return PT_OK;
}

static void json_num(char *buf, size_t len, size_t *at, const char *key, double v, int last)
{
    char tmp[96];
    if (isnan(v))
        snprintf(tmp, sizeof tmp, "\"%s\": null%s", key, last ? "" : ", ");
    else
        snprintf(tmp, sizeof tmp, "\"%s\": %.10g%s", key, v, last ? "" : ", ");
    size_t n = strlen(tmp);
    if (*at < len)
        snprintf(buf + *at, len - *at, "%s", tmp);
    *at += n;
}

size_t pt_params_json(const pt_params *p, char *buf, size_t len)
{
    size_t at = 0;
    char head[160];
    snprintf(head, sizeof head, "{\"subject_id\": \"%s\", \"sex\": %s%c%s, ", p->subject_id,
             p->sex ? "\"" : "null", p->sex ? p->sex : ' ', p->sex ? "\"" : "");
    /* remove the filler space when sex is null */
    if (!p->sex) {
        char *sp = strstr(head, "null ");
        if (sp)
            memmove(sp + 4, sp + 5, strlen(sp + 5) + 1);
    }
    if (len)
        snprintf(buf, len, "%s", head);
    at = strlen(head);
    json_num(buf, len, &at, "age_y", p->age_y, 0);
    json_num(buf, len, &at, "hr_rest_bpm", p->hr_rest_bpm, 0);
    json_num(buf, len, &at, "hr_max_bpm", p->hr_max_bpm, 0);
    json_num(buf, len, &at, "ppg_lo_hz", p->ppg_lo_hz, 0);
    json_num(buf, len, &at, "ppg_hi_hz", p->ppg_hi_hz, 0);
    json_num(buf, len, &at, "ppg_order", p->ppg_order, 0);
    json_num(buf, len, &at, "hr_window_s", p->hr_window_s, 0);
    json_num(buf, len, &at, "hr_step_s", p->hr_step_s, 0);
    json_num(buf, len, &at, "hr_lo_bpm", p->hr_lo_bpm, 0);
    json_num(buf, len, &at, "hr_hi_bpm", p->hr_hi_bpm, 0);
    json_num(buf, len, &at, "epoch_s", p->epoch_s, 0);
    json_num(buf, len, &at, "mad_light_mg", p->mad_light_mg, 0);
    json_num(buf, len, &at, "mad_moderate_mg", p->mad_moderate_mg, 0);
    json_num(buf, len, &at, "mad_vigorous_mg", p->mad_vigorous_mg, 0);
    json_num(buf, len, &at, "enmo_light_mg", p->enmo_light_mg, 0);
    json_num(buf, len, &at, "enmo_moderate_mg", p->enmo_moderate_mg, 0);
    json_num(buf, len, &at, "enmo_vigorous_mg", p->enmo_vigorous_mg, 0);
    json_num(buf, len, &at, "nonwear_window_s", p->nonwear_window_s, 0);
    json_num(buf, len, &at, "nonwear_sd_mg", p->nonwear_sd_mg, 0);
    json_num(buf, len, &at, "nonwear_range_mg", p->nonwear_range_mg, 0);
    json_num(buf, len, &at, "min_wear_h", p->min_wear_h, 0);
    json_num(buf, len, &at, "calibrate", p->calibrate, 0);
    json_num(buf, len, &at, "gait_window_s", p->gait_window_s, 0);
    json_num(buf, len, &at, "run_cadence_spm", p->run_cadence_spm, 0);
    json_num(buf, len, &at, "hrr_sustain_s", p->hrr_sustain_s, 0);
    json_num(buf, len, &at, "bout_min_s", p->bout_min_s, 0);
    json_num(buf, len, &at, "bout_tolerance_s", p->bout_tolerance_s, 0);
    json_num(buf, len, &at, "recovery_min_exercise_s", p->recovery_min_exercise_s, 0);
    json_num(buf, len, &at, "recovery_rest_s", p->recovery_rest_s, 0);
    json_num(buf, len, &at, "recovery_fit_s", p->recovery_fit_s, 0);
    for (size_t i = 0; i < p->n_exercise_end && i < 32; i++) {
        char key[32];
        snprintf(key, sizeof key, "exercise_end_s_%zu", i);
        json_num(buf, len, &at, key, p->exercise_end_s[i], 0);
    }
    {
        char tmp[96]; /* tz is checked free of quotes and backslashes */
        snprintf(tmp, sizeof tmp, "\"tz\": \"%s\"", p->tz);
        if (at < len)
            snprintf(buf + at, len - at, "%s", tmp);
        at += strlen(tmp);
    }
    if (at < len)
        snprintf(buf + at, len - at, "}");
    return at + 1;
}
