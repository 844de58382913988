// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_mount, item 11: who owns a mount, and could the caller unmount
 * it?  systemd's shutdown wants to skip mounts it cannot remove instead
 * of failing on them.
 *
 * The answer mirrors the checks of umount2(2) in fs/namespace.c
 * (can_umount(), v6.1 and v6.12 alike): the caller needs CAP_SYS_ADMIN
 * over the user namespace that owns its mount namespace (may_mount()),
 * the mount must be in the caller's namespace (check_mnt()), and not
 * MNT_LOCKED (a mount that a less privileged namespace got locked
 * together with its parent when it copied the tree); the root mount of a
 * namespace has no parent to be unmounted from.  "Busy" is not judged:
 * that depends on the moment (MNT_DETACH never is).
 *
 * Reported: the mount's unique id and namespace id, the owning user
 * namespace (its /proc/PID/ns/user inode number and its creator's uid as
 * the caller sees it), and KWISH_UMOUNT_* flags.  Through /dev/kwish
 * (KWISH_MOUNT_OWNER, by fd or by id) and, where kwish provides
 * statmount(2), as its extension KWISH_STATMOUNT_MNT_OWNER.  Read under
 * namespace_sem like statmount; nothing is changed.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/mount.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include <kwish_core.h>
#include "kwish_mount.h"

int kw_mount_owner_fill(struct mount *m, struct kw_mount_owner_info *o)
{
	struct mnt_namespace *ns = kw_mnt_ns(m);
	struct user_namespace *owner, *u;
	u32 f = 0;

	memset(o, 0, sizeof(*o));
	o->mnt_id = kw_mnt_unique_id(m);
	if (!o->mnt_id)
		return -ENOMEM;
	if (READ_ONCE(kwl_vfsmount(m)->mnt_flags) & MNT_LOCKED)
		f |= KWISH_UMOUNT_LOCKED;
	/* no namespace, or an anonymous one (seq 0: open_tree() clones) */
	if (!ns || !KWL(mnt_namespace, seq, u64, ns)) {
		o->umount_flags = f | KWISH_UMOUNT_DETACHED;
		return 0;
	}
	owner = KWL(mnt_namespace, user_ns, struct user_namespace *, ns);
	o->mnt_ns_id = KWL(mnt_namespace, seq, u64, ns);
	o->userns_ino = owner->ns.inum;
	o->owner_uid = from_kuid_munged(current_user_ns(), owner->owner);
	if (ns == kw_current_mnt_ns())
		f |= KWISH_UMOUNT_CALLER_NS;
	if (ns_capable_noaudit(owner, CAP_SYS_ADMIN))
		f |= KWISH_UMOUNT_NS_ADMIN;
	for (u = owner; u; u = u->parent) {
		if (u == current_user_ns()) {
			f |= KWISH_UMOUNT_OWNER_DESCENDANT;
			break;
		}
	}
	if (kw_mnt_parent(m) == m)
		f |= KWISH_UMOUNT_NS_ROOT;
	if ((f & (KWISH_UMOUNT_CALLER_NS | KWISH_UMOUNT_NS_ADMIN)) ==
	    (KWISH_UMOUNT_CALLER_NS | KWISH_UMOUNT_NS_ADMIN) &&
	    !(f & (KWISH_UMOUNT_LOCKED | KWISH_UMOUNT_NS_ROOT)))
		f |= KWISH_UMOUNT_CAN;
	o->umount_flags = f;
	return 0;
}

static long kw_cmd_mount_owner(struct kw_ucmd *ucmd)
{
	struct kwish_mount_owner *c = ucmd->cmd;
	struct kw_mount_owner_info o;
	struct file *file = NULL;
	struct mount *m;
	long err;

	if (c->__reserved || c->umount_flags || c->mnt_ns_id ||
	    c->userns_ino || c->owner_uid)
		return -EINVAL;
	if (c->flags & KWISH_MOUNT_OWNER_BY_ID) {
		if (c->fd != -1)
			return -EINVAL;
	} else {
		if (c->mnt_id)
			return -EINVAL;
		file = fget_raw(c->fd);
		if (!file)
			return -EBADF;
	}

	kw_namespace_lock_read();
	if (file) {
		/* the file's reference keeps the mount */
		m = kwl_real_mount(file->f_path.mnt);
	} else {
		m = kw_mnt_find(kw_current_mnt_ns(), c->mnt_id);
	}
	err = m ? kw_mount_owner_fill(m, &o) : -ENOENT;
	kw_namespace_unlock_read();
	if (file)
		fput(file);
	if (err)
		return err;

	c->mnt_id = o.mnt_id;
	c->mnt_ns_id = o.mnt_ns_id;
	c->userns_ino = o.userns_ino;
	c->owner_uid = o.owner_uid;
	c->umount_flags = o.umount_flags;
	if (copy_to_user(ucmd->ubuffer, c,
			 min_t(u32, ucmd->user_size, sizeof(*c))))
		return -EFAULT;
	return 0;
}

/* the uapi sizes: a struct never changes, it only grows */
static_assert(sizeof(struct kwish_mount_owner) == KWISH_MOUNT_OWNER_SIZE_VER0);

static const struct kw_cmd kw_mount_owner_cmds[] = {
	KW_IOCTL_OP(KWISH_CMD_MOUNT_OWNER, kw_cmd_mount_owner,
		    struct kwish_mount_owner, __reserved,
		    KWISH_MOUNT_OWNER_BY_ID),
};

static enum kwish_feature_state kw_mount_owner_probe(struct kw_feature *f)
{
	if (kw_mount_table_error()) {
		strscpy(f->reason, kw_mount_table_error(), sizeof(f->reason));
		return KWISH_STATE_UNAVAILABLE;
	}
	f->present = kw_mount_statmount_provided() ?
		     "KWISH_MOUNT_OWNER and statmount KWISH_STATMOUNT_MNT_OWNER" :
		     "KWISH_MOUNT_OWNER";
	return KWISH_STATE_PRESENT;
}

struct kw_feature kw_mount_owner_feature = {
	.id = 11,
	.cmds = kw_mount_owner_cmds,
	.nr_cmds = ARRAY_SIZE(kw_mount_owner_cmds),
	.probe = kw_mount_owner_probe,
};
