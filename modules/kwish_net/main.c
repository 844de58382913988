// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_net: AF_UNIX ancillary data and socket options of the wish list
 * (items 5, 6, 13, 14 and 20 in this release; 9: see docs/kwish.7.md).
 */
#include <linux/kernel.h>
#include <linux/module.h>

#include <kwish_module.h>
#include "kwish_net.h"

/*
 * What the items share, first: sockopt.c owns the SOL_SOCKET option hooks
 * the items add to, recv.c the receive path of items 5 and 6.
 */
static int kw_net_shared_init(void)
{
	int err;

	err = kw_net_sockopt_init();
	if (err)
		return err;
	err = kw_net_recv_init();
	if (err)
		kw_net_sockopt_exit();
	return err;
}

static void kw_net_shared_exit(void)
{
	kw_net_recv_exit();
	kw_net_sockopt_exit();
}

/*
 * Then one item per file, set up in this order, torn down in reverse by
 * kwish_core (struct kw_feature, struct kw_net_item); also this module's
 * unload drain.  Item 5 installs the maybe_add_creds() gate item 20
 * subscribes to, item 13 the send hooks item 14 subscribes to.
 */
KW_MODULE_FEATURES(kw_net_shared_init, kw_net_shared_exit,
		   &kw_scm_pidfd_item.feature,
		   &kw_scm_cgroup_item.feature,
		   &kw_mono_tstamp_item.feature,
		   &kw_passrights_item.feature,
		   &kw_rights_filter_item.feature);

MODULE_DESCRIPTION("kwish: AF_UNIX ancillary data and socket options (SCM_PIDFD, sender cgroup, SO_PASSRIGHTS, fd filter, monotonic timestamps)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KWISH);
