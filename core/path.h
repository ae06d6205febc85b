/* SPDX-License-Identifier: GPL-2.0-or-later
 * path.h — the library's side of pulsetrain/path.h. */
#ifndef PT_CORE_PATH_H
#define PT_CORE_PATH_H

#include "pulsetrain/path.h"

#endif
