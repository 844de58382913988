// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs: file and lock operations of the wish list
 * (items 4, 7, 8, 10, 19, 22, 24, 34: all of them in this release).
 */
#include <linux/kernel.h>
#include <linux/module.h>

#include <kwish_core.h>
#include "kwish_fs.h"

/* One entry per feature file; set up in this order, torn down in reverse. */
static const struct {
	int (*init)(void);
	void (*exit)(void);
} kw_fs_features[] = {
	{ kw_fs_open_regular_init,	kw_fs_open_regular_exit },
	{ kw_fs_unlink_inode_init,	kw_fs_unlink_inode_exit },
	{ kw_fs_flock_timeout_init,	kw_fs_flock_timeout_exit },
	{ kw_fs_link_replace_init,	kw_fs_link_replace_exit },
	{ kw_fs_create_open_init,	kw_fs_create_open_exit },
	{ kw_fs_close_async_init,	kw_fs_close_async_exit },
	{ kw_fs_flock_notify_init,	kw_fs_flock_notify_exit },
	{ kw_fs_upgrade_mask_init,	kw_fs_upgrade_mask_exit },
};

static int __init kw_fs_init(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(kw_fs_features); i++) {
		err = kw_fs_features[i].init();
		if (err)
			goto unwind;
	}
	return 0;

unwind:
	while (i--)
		kw_fs_features[i].exit();
	return err;
}

static void __exit kw_fs_exit(void)
{
	unsigned int i = ARRAY_SIZE(kw_fs_features);

	while (i--)
		kw_fs_features[i].exit();
}

module_init(kw_fs_init);
module_exit(kw_fs_exit);
/* The SRCU domain of this module's hook destinations (kwish_core.h). */
KW_MODULE_DRAIN;

MODULE_DESCRIPTION("kwish: file and lock operations (O_REGULAR, link-replace, create-and-open, async close, flock release watch, upgrade masks)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KWISH);
