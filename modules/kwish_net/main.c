// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_net: AF_UNIX ancillary data and socket options of the wish list
 * (items 5, 6, 13, 14 and 20 in this release; 9: see docs/kwish.7.md).
 */
#include <linux/kernel.h>
#include <linux/module.h>

#include <kwish_core.h>
#include "kwish_net.h"

/*
 * One entry per feature file; set up in this order, torn down in reverse.
 * sockopt.c owns the SOL_SOCKET option hooks the items add to, recv.c
 * the receive path of items 5 and 6: first.
 */
static const struct {
	int (*init)(void);
	void (*exit)(void);
} kw_net_features[] = {
	{ kw_net_sockopt_init,		kw_net_sockopt_exit },
	{ kw_net_recv_init,		kw_net_recv_exit },
	{ kw_net_scm_pidfd_init,	kw_net_scm_pidfd_exit },
	{ kw_net_scm_cgroup_init,	kw_net_scm_cgroup_exit },
	{ kw_net_mono_tstamp_init,	kw_net_mono_tstamp_exit },
	{ kw_net_passrights_init,	kw_net_passrights_exit },
	{ kw_net_rights_filter_init,	kw_net_rights_filter_exit },
};

static int __init kw_net_init(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(kw_net_features); i++) {
		err = kw_net_features[i].init();
		if (err)
			goto unwind;
	}
	return 0;

unwind:
	while (i--)
		kw_net_features[i].exit();
	return err;
}

static void __exit kw_net_exit(void)
{
	unsigned int i = ARRAY_SIZE(kw_net_features);

	while (i--)
		kw_net_features[i].exit();
}

module_init(kw_net_init);
module_exit(kw_net_exit);
/* The SRCU domain of this module's hook destinations (kwish_core.h). */
KW_MODULE_DRAIN;

MODULE_DESCRIPTION("kwish: AF_UNIX ancillary data and socket options (SCM_PIDFD, sender cgroup, SO_PASSRIGHTS, fd filter, monotonic timestamps)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KWISH);
