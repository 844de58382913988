// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_mount: mount table, idmapped mounts and mount notifications.
 *
 * No item of this module is implemented in this release: it loads,
 * registers nothing, and `kwishctl status` reports its items as not
 * implemented (or native, where kwish_core finds the running kernel
 * provides them).  The module exists so that packaging, autoloading and
 * the test runner treat every module the same from the start.
 */
#include <linux/module.h>

#include <kwish_core.h>

static int __init kw_mount_init(void)
{
	return 0;
}

static void __exit kw_mount_exit(void)
{
}

module_init(kw_mount_init);
module_exit(kw_mount_exit);
MODULE_DESCRIPTION("kwish: mount table, idmapped mounts and mount notifications");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KWISH);
