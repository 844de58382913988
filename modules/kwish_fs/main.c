// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs: file and lock operations of the wish list
 * (items 4, 7, 8, 10, 19, 22, 24, 34: all of them in this release).
 */
#include <linux/kernel.h>
#include <linux/module.h>

#include <kwish_module.h>
#include "kwish_fs.h"

/*
 * One feature per file, set up in this order, torn down in reverse by
 * kwish_core (struct kw_feature); also this module's unload drain.
 */
KW_MODULE_FEATURES(NULL, NULL,
		   &kw_open_regular_feature,
		   &kw_unlink_inode_feature,
		   &kw_flock_timeout_feature,
		   &kw_link_replace_feature,
		   &kw_create_open_feature,
		   &kw_close_async_feature,
		   &kw_flock_notify_feature,
		   &kw_upgrade_mask_feature);

MODULE_DESCRIPTION("kwish: file and lock operations (O_REGULAR, link-replace, create-and-open, async close, flock release watch, upgrade masks)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KWISH);
