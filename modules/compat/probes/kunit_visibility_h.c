// SPDX-License-Identifier: GPL-2.0
/*
 * <kunit/visibility.h>: VISIBLE_IF_KUNIT and EXPORT_SYMBOL_IF_KUNIT(),
 * which make a static function reachable from a KUnit test module when
 * the kernel has CONFIG_KUNIT.  Added in v6.2 ("kunit: add macro to allow
 * conditionally exposing static symbols to tests"): v6.12 has it, v6.1
 * does not, and compat/kunit.h defines the same two macros with the same
 * meaning there.
 */
#include <linux/module.h>
#include <kunit/visibility.h>

/* __maybe_unused: static, and unused, without CONFIG_KUNIT */
VISIBLE_IF_KUNIT int __maybe_unused kw_probe(void);

VISIBLE_IF_KUNIT int __maybe_unused kw_probe(void)
{
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kw_probe);
