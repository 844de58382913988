// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs: file and lock operations of the wish list
 * (items 4, 7, 8, 10, 19, 22, 24, 34; items 7, 8, 10, 22, 24 and 34 in
 * this release).
 */
#include <linux/module.h>

#include <kwish_core.h>
#include "kwish_fs.h"

static int __init kw_fs_init(void)
{
	int err;

	err = kw_fs_open_regular_init();
	if (err)
		return err;
	err = kw_fs_unlink_inode_init();
	if (err)
		goto err_oreg;
	err = kw_fs_flock_timeout_init();
	if (err)
		goto err_unl;
	err = kw_fs_link_replace_init();
	if (err)
		goto err_flt;
	err = kw_fs_create_open_init();
	if (err)
		goto err_lnr;
	err = kw_fs_upgrade_mask_init();
	if (err)
		goto err_cro;
	return 0;

err_cro:
	kw_fs_create_open_exit();
err_lnr:
	kw_fs_link_replace_exit();
err_flt:
	kw_fs_flock_timeout_exit();
err_unl:
	kw_fs_unlink_inode_exit();
err_oreg:
	kw_fs_open_regular_exit();
	return err;
}

static void __exit kw_fs_exit(void)
{
	kw_fs_upgrade_mask_exit();
	kw_fs_create_open_exit();
	kw_fs_link_replace_exit();
	kw_fs_flock_timeout_exit();
	kw_fs_unlink_inode_exit();
	kw_fs_open_regular_exit();
}

module_init(kw_fs_init);
module_exit(kw_fs_exit);
MODULE_DESCRIPTION("kwish: file and lock operations (O_REGULAR, link-replace, create-and-open, upgrade masks, ...)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KWISH);
