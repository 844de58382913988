// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_core: the feature registry.
 *
 * kwish_core knows all 37 wish-list items (name, owning module, whether
 * this release implements it) so that it can report every item even when
 * the module that provides it is not loaded.  Feature modules register
 * the items they provide; their commands are dispatched only while they
 * are registered.
 */

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include "core.h"

struct kw_item {
	const char *name;
	const char *module;
	/* this release has code for it in @module */
	bool implemented;
};

/* Indexed by wish-list item number; the module column is design.md's. */
static const struct kw_item kw_items[KWISH_ITEM_MAX + 1] = {
	[1]  = { "overflowuid",		"kwish_mount" },
	[2]  = { "umount_obstructed",	"kwish_mount" },
	[3]  = { "mount_subdir",	"kwish_mount" },
	[4]  = { "flock_notify",	"kwish_fs", true },
	[5]  = { "scm_cgroup",		"kwish_net", true },
	[6]  = { "scm_pidfd",		"kwish_net", true },
	[7]  = { "link_replace",	"kwish_fs", true },
	[8]  = { "open_regular",	"kwish_fs", true },
	[9]  = { "unicast_if_connect",	"kwish_net" },
	[10] = { "unlink_inode",	"kwish_fs", true },
	[11] = { "mount_owner",		"kwish_mount", true },
	[12] = { "propagate_rdonly",	"kwish_mount" },
	[13] = { "passrights",		"kwish_net", true },
	[14] = { "rights_filter",	"kwish_net", true },
	[15] = { "pidns_detect",	"kwish_cgroup" },
	[16] = { "waitid_exclude",	"kwish_cgroup" },
	[17] = { "mount_notify",	"kwish_mount", true },
	[18] = { "crossns_mount",	"kwish_mount" },
	[19] = { "close_async",		"kwish_fs", true },
	[20] = { "mono_timestamps",	"kwish_net", true },
	[21] = { "immutable_loop",	"kwish_loop" },
	[22] = { "flock_timeout",	"kwish_fs", true },
	[23] = { "setattr_ignore",	"kwish_mount" },
	[24] = { "upgrade_mask",	"kwish_fs", true },
	[25] = { "statmount",		"kwish_mount", true },
	[26] = { "userns_quota",	"kwish_mount" },
	[27] = { "setattr_locked",	"kwish_mount" },
	[28] = { "open_tree_clear",	"kwish_mount" },
	[29] = { "idmap_written",	"kwish_mount" },
	[30] = { "setns_all",		"kwish_cgroup" },
	[31] = { "setattr_lsm_hook",	"kwish_mount" },
	[32] = { "userns_lsm_hook",	"kwish_cgroup" },
	[33] = { "cgroup_coredump",	"kwish_cgroup" },
	[34] = { "create_open",		"kwish_fs", true },
	[35] = { "io_uring",		"" },
	[36] = { "idmap_many_to_one",	"kwish_mount" },
	[37] = { "diskseq",		"kwish_loop" },
};

static DEFINE_MUTEX(kw_registry_lock);
static struct kw_feature *kw_features[KWISH_ITEM_MAX + 1];
/* Command number - KWISH_CMD_BASE -> registered feature (RCU). */
static struct kw_feature __rcu *kw_cmd_owner[KW_NR_CMDS];

static bool kw_feature_dispatchable(const struct kw_feature *f)
{
	return f->state == KWISH_STATE_PRESENT ||
	       f->state == KWISH_STATE_NATIVE;
}

int __kw_feature_register(struct kw_feature *f, struct module *owner)
{
	unsigned int i;
	int err = 0;

	if (!f->id || f->id > KWISH_ITEM_MAX)
		return -EINVAL;
	if (f->state != KWISH_STATE_PRESENT && f->state != KWISH_STATE_NATIVE &&
	    f->state != KWISH_STATE_UNAVAILABLE)
		return -EINVAL;
	for (i = 0; i < f->nr_cmds; i++) {
		const struct kw_cmd *c = &f->cmds[i];

		/* a table not written with KW_IOCTL_OP() */
		if (c->nr <= KWISH_CMD_STATUS || c->nr >= KWISH_CMD_END ||
		    !c->handler || c->min_size < 2 * sizeof(u32) ||
		    c->min_size > c->size || c->size > KW_CMD_MAX_SIZE)
			return -EINVAL;
	}
	for (i = 0; i < f->nr_syscalls; i++)
		if (f->syscalls[i].nr - KW_SYSCALL_FIRST >= KW_SYSCALL_SLOTS ||
		    !f->syscalls[i].call || !f->syscalls[i].name)
			return -EINVAL;

	f->owner = owner;
	mutex_lock(&kw_registry_lock);
	if (kw_features[f->id]) {
		err = -EEXIST;
		goto out;
	}
	for (i = 0; i < f->nr_cmds; i++) {
		if (rcu_access_pointer(kw_cmd_owner[f->cmds[i].nr -
						    KWISH_CMD_BASE])) {
			err = -EEXIST;
			goto out;
		}
	}
	if (f->state == KWISH_STATE_PRESENT) {
		for (i = 0; i < f->nr_syscalls; i++) {
			err = kw_syscall_add(&f->syscalls[i], owner);
			if (err) {
				while (i--)
					kw_syscall_del(&f->syscalls[i]);
				goto out;
			}
		}
	}
	kw_features[f->id] = f;
	if (kw_feature_dispatchable(f))
		for (i = 0; i < f->nr_cmds; i++)
			rcu_assign_pointer(kw_cmd_owner[f->cmds[i].nr -
							KWISH_CMD_BASE], f);
	pr_info("item %u (%s): %s%s%s\n", f->id, kw_items[f->id].name,
		f->state == KWISH_STATE_PRESENT ? "present" :
		f->state == KWISH_STATE_NATIVE ? "native" : "unavailable",
		f->reason[0] ? ": " : "", f->reason);
out:
	mutex_unlock(&kw_registry_lock);
	return err;
}
EXPORT_SYMBOL_NS_GPL(__kw_feature_register, KWISH);

void kw_feature_unregister(struct kw_feature *f)
{
	unsigned int i;

	mutex_lock(&kw_registry_lock);
	if (kw_features[f->id] != f) {
		mutex_unlock(&kw_registry_lock);
		return;
	}
	kw_features[f->id] = NULL;
	for (i = 0; i < f->nr_cmds; i++) {
		unsigned int slot = f->cmds[i].nr - KWISH_CMD_BASE;

		if (rcu_access_pointer(kw_cmd_owner[slot]) == f)
			RCU_INIT_POINTER(kw_cmd_owner[slot], NULL);
	}
	mutex_unlock(&kw_registry_lock);
	if (f->state == KWISH_STATE_PRESENT)
		for (i = f->nr_syscalls; i-- > 0;)
			kw_syscall_del(&f->syscalls[i]);
	/* No new caller can find the handlers or syscalls after this. */
	synchronize_rcu();
}
EXPORT_SYMBOL_NS_GPL(kw_feature_unregister, KWISH);

/* Undo what kw_feature_start() did, in reverse. */
static void kw_feature_stop(struct kw_feature *f)
{
	kw_feature_unregister(f);	/* nothing if it is not registered */
	if (f->set_up && f->teardown)
		f->teardown(f);
	f->set_up = false;
	if (f->hooked)
		kw_hooks_remove(f->hooks, f->nr_hooks);
	f->hooked = false;
	if (f->gated)
		kw_hooks_remove(f->gates, f->nr_gates);
	f->gated = false;
}

/* The life of one feature up to its registration (kwish_core.h). */
static int kw_feature_start(struct kw_feature *f, struct module *owner,
			    struct srcu_struct *drain)
{
	enum kwish_feature_state state = KWISH_STATE_PRESENT;
	int err;

	f->reason[0] = '\0';
	if (f->probe)
		state = f->probe(f);
	if (state == KWISH_STATE_NOT_LOADED)
		return 0;

	if (state == KWISH_STATE_PRESENT && f->nr_gates) {
		err = __kw_hooks_install(f->gates, f->nr_gates, owner, drain,
					 f->reason, sizeof(f->reason));
		if (err)
			state = KWISH_STATE_UNAVAILABLE;
		else
			f->gated = true;
	}
	if (state == KWISH_STATE_PRESENT && f->nr_hooks) {
		err = __kw_hooks_install(f->hooks, f->nr_hooks, owner, drain,
					 f->reason, sizeof(f->reason));
		if (err) {
			kw_feature_stop(f);
			state = KWISH_STATE_UNAVAILABLE;
		} else {
			f->hooked = true;
		}
	}
	if (state == KWISH_STATE_PRESENT) {
		/* @setup may say why it failed, or make the item NATIVE */
		f->reason[0] = '\0';
		f->state = state;
		err = f->setup ? f->setup(f) : 0;
		if (err) {
			kw_feature_stop(f);
			f->state = KWISH_STATE_UNAVAILABLE;
			if (!f->reason[0])
				snprintf(f->reason, sizeof(f->reason),
					 "setup failed (%d)", err);
		} else {
			f->set_up = true;
			if (!f->reason[0] && f->present)
				strscpy(f->reason, f->present,
					sizeof(f->reason));
		}
		state = f->state;
	}

	f->state = state;
	err = __kw_feature_register(f, owner);
	if (err)
		kw_feature_stop(f);
	return err;
}

int __kw_features_init(struct kw_feature *const *features, unsigned int n,
		       int (*init)(void), void (*exit)(void),
		       struct module *owner, struct srcu_struct *drain)
{
	unsigned int i;
	int err;

	if (init) {
		err = init();
		if (err)
			return err;
	}
	for (i = 0; i < n; i++) {
		err = kw_feature_start(features[i], owner, drain);
		if (err)
			goto unwind;
	}
	return 0;

unwind:
	while (i--)
		kw_feature_stop(features[i]);
	if (exit)
		exit();
	return err;
}
EXPORT_SYMBOL_NS_GPL(__kw_features_init, KWISH);

void kw_features_exit(struct kw_feature *const *features, unsigned int n,
		      void (*exit)(void))
{
	while (n--)
		kw_feature_stop(features[n]);
	if (exit)
		exit();
}
EXPORT_SYMBOL_NS_GPL(kw_features_exit, KWISH);

const struct kw_cmd *kw_registry_get_cmd(unsigned int nr,
					 struct module **owner)
{
	const struct kw_cmd *cmd = NULL;
	struct kw_feature *f;
	unsigned int i;

	rcu_read_lock();
	f = rcu_dereference(kw_cmd_owner[nr - KWISH_CMD_BASE]);
	/*
	 * A module that is unloading fails try_module_get() before it
	 * unregisters, so a handler is never called after its module's exit
	 * started, and exit cannot finish while the handler runs.  The
	 * table is the module's own, so the reference keeps it too.
	 */
	if (f && try_module_get(f->owner)) {
		for (i = 0; i < f->nr_cmds; i++)
			if (f->cmds[i].nr == nr)
				cmd = &f->cmds[i];
		if (cmd)
			*owner = f->owner;
		else
			module_put(f->owner);
	}
	rcu_read_unlock();
	return cmd;
}
EXPORT_SYMBOL_IF_KUNIT(kw_registry_get_cmd);

/*
 * Append to @reason which syscall numbers @f answers, or that it does
 * not and why: "/dev/kwish; syscalls statmount(457), listmount(458)" or
 * "...: off (kwish_core syscalls=1 slows every syscall)".
 */
static void kw_registry_syscalls_reason(const struct kw_feature *f,
					char *reason, size_t len)
{
	char why[KWISH_REASON_LEN];
	size_t n = strlen(reason);
	unsigned int i;
	bool on;

	on = kw_syscalls_answered(why, sizeof(why));
	n += scnprintf(reason + n, len - n, "%ssyscalls", n ? "; " : "");
	for (i = 0; i < f->nr_syscalls; i++)
		n += scnprintf(reason + n, len - n, "%s %s(%u)", i ? "," : "",
			       f->syscalls[i].name, f->syscalls[i].nr);
	if (!on)
		scnprintf(reason + n, len - n, ": %s", why);
}

void kw_registry_fill(u32 id, struct kwish_feature *out)
{
	const struct kw_item *item = &kw_items[id];
	struct kw_feature *f;

	memset(out, 0, sizeof(*out));
	out->id = id;
	strscpy(out->name, item->name, sizeof(out->name));
	strscpy(out->module, item->module, sizeof(out->module));

	mutex_lock(&kw_registry_lock);
	f = kw_features[id];
	if (f) {
		out->state = f->state;
		strscpy(out->reason, f->reason, sizeof(out->reason));
		if (f->state == KWISH_STATE_PRESENT && f->nr_syscalls)
			kw_registry_syscalls_reason(f, out->reason,
						    sizeof(out->reason));
	}
	mutex_unlock(&kw_registry_lock);
	if (f)
		return;

	if (kw_native_state(id, out->reason, sizeof(out->reason))) {
		out->state = KWISH_STATE_NATIVE;
	} else if (item->implemented) {
		out->state = KWISH_STATE_NOT_LOADED;
		snprintf(out->reason, sizeof(out->reason), "modprobe %s",
			 item->module);
	} else {
		out->state = KWISH_STATE_NOT_IMPLEMENTED;
		/* keep a native probe's explanation if there was one */
		if (!out->reason[0])
			strscpy(out->reason, id == 35 ?
				"a statement about io_uring: no code, see docs" :
				"not implemented in this kwish release",
				sizeof(out->reason));
	}
}
EXPORT_SYMBOL_IF_KUNIT(kw_registry_fill);

int kw_registry_init(void)
{
	kw_native_probe_all();
	return 0;
}

void kw_registry_exit(void)
{
	unsigned int id;

	for (id = 1; id <= KWISH_ITEM_MAX; id++)
		WARN_ON(kw_features[id]);
}
