/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kwish differs between kernel versions, included
 * before every kwish source file by Kbuild (-include, as WireGuard's
 * compat.h is).  One header per kernel header it stands in for; each
 * decision comes from compat_gen.h, written at build time by probe.sh
 * from probes/ (one probe per API difference), never from version
 * numbers.  Where a shim can give the kernel's own name (a function
 * renamed upstream), code uses the newest kernel's name.
 */
#ifndef _KWISH_COMPAT_H
#define _KWISH_COMPAT_H

#include "compat_gen.h"
#include "ftrace.h"
#include "filelock.h"
#include "idmap.h"
#include "fdtable.h"
#include "kunit.h"

#endif /* _KWISH_COMPAT_H */
