/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kwish compat layer: <kunit/visibility.h>: what KUnit may reach.
 */
#ifndef _KWISH_COMPAT_KUNIT_H
#define _KWISH_COMPAT_KUNIT_H

#include <linux/export.h>
#include <linux/kconfig.h>

/*
 * Internal functions that kwish's KUnit modules (kunit/) test: static
 * unless the kernel has CONFIG_KUNIT, then global and exported in the
 * EXPORTED_FOR_KUNIT_TESTING namespace.  <kunit/visibility.h> since v6.2,
 * backported to later 6.1.y; the same definitions for a 6.1.y without it
 * (probes/kunit_visibility_h.c).
 * Debian's kernels have no CONFIG_KUNIT: there the functions stay static.
 */
#ifdef KW_HAVE_KUNIT_VISIBILITY_H
#include <kunit/visibility.h>
#elif IS_ENABLED(CONFIG_KUNIT)
#define VISIBLE_IF_KUNIT
#define EXPORT_SYMBOL_IF_KUNIT(symbol) \
	EXPORT_SYMBOL_NS(symbol, EXPORTED_FOR_KUNIT_TESTING)
#else
#define VISIBLE_IF_KUNIT static
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
#endif

#endif
