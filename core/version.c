/* SPDX-License-Identifier: GPL-2.0-or-later
 * version.c — the library's version, from the generated pulsetrain/version.h. */
#include "pulsetrain/version.h"

const char *pt_version(void)
{
    return PT_VERSION_STRING;
}
