// A C++ program against the installed headers and library: every public header through the
// umbrella, calls from several modules (links only when the headers carry extern "C").
#include <pulsetrain/pulsetrain.h>

#include <cstdio>

int main()
{
    pt_params p = pt_params_defaults();
    pt_error err{};
    double sos[6 * 2];
    if (pt_butter_sos(4, PT_BAND_LOWPASS, 5.0, 0.0, 100.0, sos, &err) != PT_OK)
        return 1;
    pt_summary_destroy(nullptr);
    std::printf("pulsetrain %s (C++), window %g s, %s\n", pt_version(), p.hr_window_s,
                pt_class_name(PT_CLASS_MODERATE));
    return 0;
}
