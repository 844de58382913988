// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_core: /dev/kwish, the feature registry, the hook registry and
 * symbol resolution for the kwish feature modules.
 */

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "core.h"

static const struct file_operations kw_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = kw_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * Mode 0666: /dev/kwish grants nothing by itself.  Every command runs as
 * the caller and makes the checks the equivalent system call makes.
 */
static struct miscdevice kw_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KWISH_DEVICE_NAME,
	.fops = &kw_fops,
	.mode = 0666,
};

static int __init kw_core_init(void)
{
	int err;

	err = kw_hooks_init();
	if (err)
		return err;
	kw_symbols_init();
	err = kw_registry_init();
	if (err)
		goto err_symbols;
	err = misc_register(&kw_miscdev);
	if (err)
		goto err_registry;
	pr_info("loaded, ABI %d\n", KWISH_ABI_VERSION);
	return 0;

err_registry:
	kw_registry_exit();
err_symbols:
	kw_symbols_exit();
	kw_hooks_exit();
	return err;
}

static void __exit kw_core_exit(void)
{
	misc_deregister(&kw_miscdev);
	kw_registry_exit();
	kw_symbols_exit();
	kw_hooks_exit();
	kw_syscalls_exit();
}

module_init(kw_core_init);
module_exit(kw_core_exit);
/* The SRCU domain of this module's hook destinations (kwish_core.h). */
KW_MODULE_DRAIN;

MODULE_DESCRIPTION("kwish core: /dev/kwish and the feature and hook registries");
MODULE_LICENSE("GPL");
