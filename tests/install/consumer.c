#include <pulsetrain/pulsetrain.h>
#include <stdio.h>
int main(void)
{
    pt_params p = pt_params_defaults();
    printf("pulsetrain %s, window %g s\n", pt_version(), p.hr_window_s);
    return 0;
}
