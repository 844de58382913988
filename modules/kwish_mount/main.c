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

#include <kwish_module.h>
#include "kwish_mount.h"

/*
 * The mount table first (what the features share), then one feature per
 * file, set up in this order, torn down in reverse by kwish_core (struct
 * kw_feature); also this module's unload drain.
 */
KW_MODULE_FEATURES(kw_mount_table_init, kw_mount_table_exit,
		   &kw_statmount_feature,
		   &kw_mount_owner_feature,
		   &kw_mount_notify_feature);

MODULE_DESCRIPTION("kwish: mount table (statmount/listmount, mount notifications, mount ownership)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KWISH);
