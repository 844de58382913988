// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_mount: the mount table (items 25, 11 and 17 in this release).
 *
 * mount_table.c reads the kernel's private mount structures with the
 * layout kwish_core/layout.sh took from the target kernel's BTF; each item
 * file registers its feature and reports it unavailable (with the reason)
 * when the mount table cannot be read on this kernel.
 */
#include <linux/kernel.h>
#include <linux/module.h>

#include <kwish_core.h>
#include "kwish_mount.h"

/* One entry per file; set up in this order, torn down in reverse. */
static const struct {
	int (*init)(void);
	void (*exit)(void);
} kw_mount_features[] = {
	{ kw_mount_table_init,		kw_mount_table_exit },
	{ kw_mount_statmount_init,	kw_mount_statmount_exit },
	{ kw_mount_owner_init,		kw_mount_owner_exit },
	{ kw_mount_notify_init,		kw_mount_notify_exit },
};

static int __init kw_mount_init(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(kw_mount_features); i++) {
		err = kw_mount_features[i].init();
		if (err)
			goto unwind;
	}
	return 0;

unwind:
	while (i--)
		kw_mount_features[i].exit();
	return err;
}

static void __exit kw_mount_exit(void)
{
	unsigned int i = ARRAY_SIZE(kw_mount_features);

	while (i--)
		kw_mount_features[i].exit();
}

module_init(kw_mount_init);
module_exit(kw_mount_exit);
/* The SRCU domain of this module's hook destinations (kwish_core.h). */
KW_MODULE_DRAIN;

MODULE_DESCRIPTION("kwish: mount table (statmount/listmount, mount notifications, mount ownership)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KWISH);
