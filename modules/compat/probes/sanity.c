// SPDX-License-Identifier: GPL-2.0
/*
 * Control probe: compiles on every kernel.  If it does not, the probe
 * build itself is broken and compat/probe.sh stops instead of reporting
 * every API as missing.
 */
#include <linux/module.h>

int kw_probe(void);

int kw_probe(void)
{
	return 0;
}
