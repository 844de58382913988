// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs, item 24: upgrade masks, re-open restrictions for O_PATH fds,
 * as KWISH_UPGRADE_MASK with the UPGRADE_NOREAD/UPGRADE_NOWRITE bits of
 * the 2019 openat2() upgrade-mask series.
 *
 * The identity problem.  A re-open through /proc/<pid>/fd/<n> does not
 * see the file: proc_fd_link() (fs/proc/fd.c) copies file->f_path and
 * nd_jump_link() continues the walk from that path, and the open that
 * follows only has the path.  So the restricted fd gets a path of its
 * own: KWISH_UPGRADE_MASK makes a private clone of the fd's mount rooted
 * at the fd's dentry (clone_private_mount(), fs/namespace.c, v6.1 and
 * v6.12: not attached to any namespace, mnt_ns MNT_NS_INTERNAL, the
 * original's flags, idmapping and locks) and opens the new O_PATH file on
 * it.  Every path that comes from that fd, by a magic link, by
 * openat(fd, ".") or by fchdir(), is (clone, clone root), and nothing
 * else in the system is: the clone's vfsmount is the restriction's key.
 *
 * Enforcement.  Two hooks, both with an O(1) lock-free filter that reads
 * one atomic counter (0 while no restriction exists):
 *   security_file_open(file)  do_dentry_open() calls it for every open
 *                             that is not O_PATH, after f_mode is set
 *                             and before the file's ->open(); O_TRUNC is
 *                             still in f_flags there (cleared after
 *                             ->open()).  Covers open(), openat2(),
 *                             open_by_handle_at(), io_uring, exec
 *                             (do_open_execat() opens for reading).
 *   vfs_truncate(path, len)   truncate(2) of the magic link: a write
 *                             that opens nothing.
 * A call on (restricted clone, clone root) whose access is in the mask is
 * diverted to a function that returns -EACCES.
 *
 * The original mount's flags.  The clone copies the original's mount
 * flags once, but an admin may tighten the original later (mount -o
 * remount,bind,ro, noexec, nodev, nosuid, or mount_setattr()); a
 * restricted fd must never grant more than the original allows at the
 * time of use.  Those changes happen in functions that Debian's kernels
 * inline (do_reconfigure_mnt(), mount_setattr_commit()), so kwish looks
 * at the original when the clone is used instead:
 *   - read-only: a third hook, on the mount write gate (mnt_want_write()
 *     and __mnt_want_write() in v6.1, mnt_get_write_access() in v6.12,
 *     the one check every write open, truncate, chmod, chown, utimes and
 *     xattr change passes), refuses a path on a clone whose original is
 *     read-only now with -EROFS, as the original would;
 *   - nosuid, nodev, noexec and the atime flags: each open through the
 *     clone copies them from the original into the clone before the open
 *     goes on (exec's set-id and noexec checks, mmap's PROT_EXEC check
 *     then see them), and refuses what may_open() already let through
 *     with the old flags (a device node on a now-nodev mount, an exec
 *     open on a now-noexec one) with -EACCES.  Nothing but kwish changes
 *     a clone's flags (it is in no namespace: mount_setattr(), remount
 *     and umount do not reach it), so the update needs no mount_lock.
 * Files opened before the change keep what they were opened with, as
 * files of the original do; a file opened through the clone before a
 * noexec or nosuid change sees the new flags from the next open through
 * the clone on.
 *
 * Lifetime.  O_PATH files have no ->release of their own, but __fput()
 * calls f_op->release for FMODE_PATH files too (fs/file_table.c, v6.1 and
 * v6.12), so the new file gets kwish's file_operations (owner THIS_MODULE:
 * rmmod kwish_fs is EBUSY while it is open).  Files, O_PATH files and
 * working directories re-opened from it live on the clone as well and
 * keep the mask after the fd is closed, so the restriction lives as long
 * as the clone mount has users: each restriction holds a module
 * reference, and a work item frees it once may_umount_tree() sees no
 * reference but its own two (looked at soon after its last kwish fd is
 * closed, then less and less often, see kw_upgrade_mask_gc()).  rmmod kwish_fs is
 * EBUSY until then.
 *
 * Privilege.  clone_private_mount() asks for CAP_SYS_ADMIN over the
 * mount's namespace (v6.1.192, v6.12).  For a directory this is kept,
 * with the caller's credentials: a clone does not take the child mounts
 * with it, so a restricted directory fd would uncover what mounts on its
 * subdirectories hide (as a non-recursive open_tree(OPEN_TREE_CLONE),
 * which needs the same capability).  A non-directory has nothing below
 * it: its clone reaches exactly the inode the caller's fd already
 * reaches, with the same mount flags, so the clone is made with kernel
 * credentials and any caller may restrict its own fds.  The clone's
 * other checks (check_mnt(): the caller's mount namespace; unbindable
 * mounts; locked child mounts) stay.
 */

#include <linux/cred.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/rculist.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <kwish_core.h>
#include "kwish_fs.h"

#define KW_UM_VALID_MASK	(UPGRADE_NOREAD | UPGRADE_NOWRITE)
/* How soon a restriction without kwish fds is looked at again, see kw_upgrade_mask_gc() */
#define KW_UM_GC_FIRST		(HZ / 50)
#define KW_UM_GC_MAX		(2 * HZ)

/* One restriction: a clone mount and its mask. */
struct kw_upgrade_mask_entry {
	struct hlist_node hnode;	/* kw_upgrade_mask_hash, RCU */
	/*
	 * kw_upgrade_mask_list while a kwish fd is open, then
	 * kw_upgrade_mask_idle; under kw_upgrade_mask_lock
	 */
	struct list_head node;
	struct vfsmount *mnt;		/* the clone: two references of ours */
	struct vfsmount *origin;	/* the mount it was cloned from */
	u32 mask;
	unsigned int nr_files;		/* kwish O_PATH files on it */
	unsigned long gc_due;		/* jiffies: look at it again then */
	unsigned long gc_period;	/* doubles up to KW_UM_GC_MAX */
	struct rcu_head rcu;
};

static atomic_t kw_upgrade_mask_nr = ATOMIC_INIT(0);	/* entries in kw_upgrade_mask_hash */
static DEFINE_HASHTABLE(kw_upgrade_mask_hash, 6);
static LIST_HEAD(kw_upgrade_mask_list);
static LIST_HEAD(kw_upgrade_mask_idle);
static DEFINE_MUTEX(kw_upgrade_mask_lock);

static void kw_upgrade_mask_gc(struct work_struct *work);
static DECLARE_DELAYED_WORK(kw_upgrade_mask_gc_work, kw_upgrade_mask_gc);

/* -------------------------------------------------------- pure helpers */

/* The argument checks that need no file: 0 or -EINVAL. */
VISIBLE_IF_KUNIT int kw_upgrade_mask_check_args(const struct kwish_upgrade_mask *arg)
{
	if (arg->__reserved)
		return -EINVAL;
	if (!arg->upgrade_mask || arg->upgrade_mask & ~KW_UM_VALID_MASK)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kw_upgrade_mask_check_args);

/*
 * The mask bits an open with @mode (f_mode) and @flags (f_flags) needs:
 * UPGRADE_NOREAD for FMODE_READ (exec opens for reading too),
 * UPGRADE_NOWRITE for FMODE_WRITE and for O_TRUNC (which truncates after
 * the open even for O_RDONLY).
 */
VISIBLE_IF_KUNIT u32 kw_upgrade_mask_needed(fmode_t mode, unsigned int flags)
{
	u32 need = 0;

	if (mode & FMODE_READ)
		need |= UPGRADE_NOREAD;
	if ((mode & FMODE_WRITE) || (flags & O_TRUNC))
		need |= UPGRADE_NOWRITE;
	return need;
}
EXPORT_SYMBOL_IF_KUNIT(kw_upgrade_mask_needed);

/* ------------------------------------------------------------- lookup */

/* Called under rcu_read_lock() or kw_upgrade_mask_lock. */
static struct kw_upgrade_mask_entry *kw_upgrade_mask_find(const struct vfsmount *mnt)
{
	struct kw_upgrade_mask_entry *e;

	hash_for_each_possible_rcu(kw_upgrade_mask_hash, e, hnode, (unsigned long)mnt)
		if (e->mnt == mnt)
			return e;
	return NULL;
}

/* The mask of @path if it is the root of a restriction's clone, or 0. */
static u32 kw_upgrade_mask_path_mask(const struct path *path)
{
	struct kw_upgrade_mask_entry *e;
	u32 mask = 0;

	if (path->dentry != path->mnt->mnt_root)
		return 0;
	rcu_read_lock();
	e = kw_upgrade_mask_find(path->mnt);
	if (e)
		mask = READ_ONCE(e->mask);
	rcu_read_unlock();
	return mask;
}

/* ---------------------------------------------------------------- hooks */

/* Per-mount flags a clone takes over from its original at each open. */
#define KW_UM_SYNC_FLAGS	(MNT_NOSUID | MNT_NODEV | MNT_NOEXEC | \
				 MNT_NOATIME | MNT_NODIRATIME | MNT_RELATIME)

/*
 * The errno an open of @file on a restriction's clone (@e) gets, or 0:
 * the upgrade mask, then what the original mount forbids now.  Copies
 * the original's KW_UM_SYNC_FLAGS into the clone first, also for an open
 * that is refused (see the top of
 * the file: kwish is the clone's only writer).  rcu_read_lock() held.
 */
static int kw_upgrade_mask_open_errno(struct kw_upgrade_mask_entry *e, const struct file *file)
{
	struct vfsmount *clone = e->mnt;
	int want, have;

	have = READ_ONCE(clone->mnt_flags);
	want = (have & ~KW_UM_SYNC_FLAGS) |
	       (READ_ONCE(e->origin->mnt_flags) & KW_UM_SYNC_FLAGS);
	if (want != have)
		WRITE_ONCE(clone->mnt_flags, want);
	if (READ_ONCE(e->mask) & kw_upgrade_mask_needed(file->f_mode, file->f_flags))
		return -EACCES;
	if (((file->f_mode & FMODE_WRITE) || (file->f_flags & O_TRUNC)) &&
	    __mnt_is_readonly(e->origin))
		return -EROFS;
	if ((file->f_flags & __FMODE_EXEC) && (want & MNT_NOEXEC))
		return -EACCES;
	if ((want & MNT_NODEV) && (S_ISBLK(file_inode(file)->i_mode) ||
				   S_ISCHR(file_inode(file)->i_mode)))
		return -EACCES;
	return 0;
}

/* The errno of an open of @file, 0 if it is not on a restriction. */
static int kw_upgrade_mask_file_errno(const struct file *file)
{
	const struct path *path = &file->f_path;
	struct kw_upgrade_mask_entry *e;
	int err = 0;

	if (path->dentry != path->mnt->mnt_root)
		return 0;
	rcu_read_lock();
	e = kw_upgrade_mask_find(path->mnt);
	if (e)
		err = kw_upgrade_mask_open_errno(e, file);
	rcu_read_unlock();
	return err;
}

/* Filter of the security_file_open(struct file *) hook. */
VISIBLE_IF_KUNIT bool kw_upgrade_mask_file_open_filter(const unsigned long *args)
{
	const struct file *file = (const struct file *)args[0];

	if (likely(!atomic_read(&kw_upgrade_mask_nr)))
		return false;
	return kw_upgrade_mask_file_errno(file);
}
EXPORT_SYMBOL_IF_KUNIT(kw_upgrade_mask_file_open_filter);

static int kw_upgrade_mask_refuse_open(struct file *file)
{
	/* never 0: that would skip the LSMs' own security_file_open() */
	return kw_upgrade_mask_file_errno(file) ?: -EACCES;
}

/*
 * Filter of the mount write gate (struct vfsmount * first): a path on a
 * clone whose original is read-only now.
 */
static bool kw_upgrade_mask_write_filter(const unsigned long *args)
{
	const struct vfsmount *mnt = (const struct vfsmount *)args[0];
	struct kw_upgrade_mask_entry *e;
	bool ro = false;

	if (likely(!atomic_read(&kw_upgrade_mask_nr)))
		return false;
	rcu_read_lock();
	e = kw_upgrade_mask_find(mnt);
	if (e)
		ro = __mnt_is_readonly(e->origin);
	rcu_read_unlock();
	return ro;
}

static int kw_upgrade_mask_refuse_write(struct vfsmount *mnt)
{
	return -EROFS;
}

/* Filter of the vfs_truncate(const struct path *, loff_t) hook. */
static bool kw_upgrade_mask_truncate_filter(const unsigned long *args)
{
	const struct path *path = (const struct path *)args[0];

	if (likely(!atomic_read(&kw_upgrade_mask_nr)))
		return false;
	return kw_upgrade_mask_path_mask(path) & UPGRADE_NOWRITE;
}

static long kw_upgrade_mask_refuse_truncate(const struct path *path, loff_t length)
{
	return -EACCES;
}

static struct kw_hook kw_upgrade_mask_hooks[] = {
	{
		.name = "upgrade mask check in security_file_open",
		.target_sym = "security_file_open",
		.dest_fn = kw_upgrade_mask_refuse_open,
		.filter = kw_upgrade_mask_file_open_filter,
	},
	{
		.name = "upgrade mask check in vfs_truncate",
		.target_sym = "vfs_truncate",
		.dest_fn = kw_upgrade_mask_refuse_truncate,
		.filter = kw_upgrade_mask_truncate_filter,
	},
	{
		.name = "original read-only check in mnt_want_write",
		.target_sym = "mnt_want_write",
		.dest_fn = kw_upgrade_mask_refuse_write,
		.filter = kw_upgrade_mask_write_filter,
	},
	{
		/* target_sym: kw_upgrade_mask_write_gate_sym() */
		.name = "original read-only check in the mount write gate",
		.dest_fn = kw_upgrade_mask_refuse_write,
		.filter = kw_upgrade_mask_write_filter,
	},
};

/*
 * The mount write gate that mnt_want_write() and do_dentry_open() call
 * (fs/namespace.c): mnt_get_write_access() since v6.8 (exported),
 * __mnt_want_write() before (fs/internal.h; out of line in v6.1's BTF).
 */
static const char *kw_upgrade_mask_write_gate_sym(void)
{
	return kw_lookup_name("mnt_get_write_access") ?
	       "mnt_get_write_access" : "__mnt_want_write";
}

/* ------------------------------------------------------------ lifetime */

static void kw_upgrade_mask_free(struct kw_upgrade_mask_entry *e)
{
	mntput(e->mnt);
	/* mnt_ns = NULL, synchronize_rcu(), the last mntput() */
	kern_unmount(e->mnt);
	mntput(e->origin);
	kfree_rcu(e, rcu);
}

/*
 * Free the entries on @dead.  kern_unmount() waits for an RCU grace
 * period, so freeing them one by one cost one grace period each: 600
 * restrictions a user left behind kept the collector (a system_wq worker)
 * and the module busy for 20 s under QEMU.  kern_unmount_array() (v5.15,
 * exported; the same in v6.1 and v6.12) clears mnt_ns of a whole batch,
 * waits once (synchronize_rcu_expedited()), then mntput()s them.
 *
 * Each entry holds a module reference.  Dropping the last one lets rmmod
 * go on, but kw_upgrade_mask_teardown() waits for this work to return
 * (cancel_delayed_work_sync()).
 */
#define KW_UM_GC_BATCH	32

static void kw_upgrade_mask_free_list(struct list_head *dead)
{
	struct kw_upgrade_mask_entry *batch[KW_UM_GC_BATCH], *e, *tmp;
	struct vfsmount *mnts[KW_UM_GC_BATCH];
	unsigned int n, i;

	while (!list_empty(dead)) {
		n = 0;
		list_for_each_entry_safe(e, tmp, dead, node) {
			list_del(&e->node);
			mntput(e->mnt);		/* the entry's second reference */
			mnts[n] = e->mnt;
			batch[n++] = e;
			if (n == KW_UM_GC_BATCH)
				break;
		}
		kern_unmount_array(mnts, n);
		for (i = 0; i < n; i++) {
			mntput(batch[i]->origin);
			kfree_rcu(batch[i], rcu);
			module_put(THIS_MODULE);
		}
		cond_resched();
	}
}

/*
 * Free the restrictions nobody uses any more: no kwish fd, and no
 * reference to the clone but the entry's two (a file, O_PATH file or
 * working directory re-opened from a restricted fd holds one).  Nothing
 * can take a new reference then: the clone is in no namespace, and all
 * paths to it come from existing references.
 *
 * Cost.  Only restrictions whose last kwish fd is closed are on
 * kw_upgrade_mask_idle, and each is looked at (may_umount_tree(), which takes
 * mount_lock) when it is due: KW_UM_GC_FIRST after that close, then with
 * a period that doubles up to KW_UM_GC_MAX while re-opened files keep the
 * clone busy.  So the work follows what users left behind, a restriction
 * with an open kwish fd costs nothing here, and the walk yields the CPU
 * between entries.
 */
static void kw_upgrade_mask_gc(struct work_struct *work)
{
	unsigned long now = jiffies, next = 0;
	struct kw_upgrade_mask_entry *e, *tmp;
	bool again = false;
	LIST_HEAD(dead);

	mutex_lock(&kw_upgrade_mask_lock);
	list_for_each_entry_safe(e, tmp, &kw_upgrade_mask_idle, node) {
		if (time_before(now, e->gc_due)) {
			/* not due yet */
		} else if (may_umount_tree(e->mnt)) {
			hash_del_rcu(&e->hnode);
			list_move(&e->node, &dead);
			atomic_dec(&kw_upgrade_mask_nr);
			continue;
		} else {
			e->gc_period = min_t(unsigned long, 2 * e->gc_period,
					     KW_UM_GC_MAX);
			e->gc_due = now + e->gc_period;
		}
		if (!again || time_before(e->gc_due, next))
			next = e->gc_due;
		again = true;
		cond_resched();
	}
	if (again)
		mod_delayed_work(system_wq, &kw_upgrade_mask_gc_work,
				 time_after(next, jiffies) ? next - jiffies : 0);
	mutex_unlock(&kw_upgrade_mask_lock);

	kw_upgrade_mask_free_list(&dead);
}

static int kw_upgrade_mask_release(struct inode *inode, struct file *file)
{
	struct kw_upgrade_mask_entry *e = file->private_data;

	mutex_lock(&kw_upgrade_mask_lock);
	if (!--e->nr_files) {
		e->gc_period = KW_UM_GC_FIRST;
		e->gc_due = jiffies + KW_UM_GC_FIRST;
		list_move_tail(&e->node, &kw_upgrade_mask_idle);
	}
	mutex_unlock(&kw_upgrade_mask_lock);
	/* __fput() drops this file's reference to the clone after us. */
	mod_delayed_work(system_wq, &kw_upgrade_mask_gc_work, KW_UM_GC_FIRST);
	return 0;
}

static void kw_upgrade_mask_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct kw_upgrade_mask_entry *e = file->private_data;

	seq_printf(m, "kwish_upgrade_mask:\t%#x\n", READ_ONCE(e->mask));
}

/* The restricted O_PATH file's operations: only its lifetime. */
static const struct file_operations kw_upgrade_mask_fops = {
	.owner = THIS_MODULE,
	.release = kw_upgrade_mask_release,
	.show_fdinfo = kw_upgrade_mask_show_fdinfo,
};

/* ------------------------------------------------------------- command */

/*
 * The clone of @path's mount rooted at @path's dentry; see "Privilege" at
 * the top of the file.
 */
static struct vfsmount *kw_upgrade_mask_clone(const struct path *path)
{
	const struct cred *old;
	struct vfsmount *mnt;
	struct cred *kcred;

	if (d_is_dir(path->dentry))
		return clone_private_mount(path);

	kcred = prepare_kernel_cred(&init_task);
	if (!kcred)
		return ERR_PTR(-ENOMEM);
	old = override_creds(kcred);
	mnt = clone_private_mount(path);
	revert_creds(old);
	put_cred(kcred);
	return mnt;
}

VISIBLE_IF_KUNIT long kw_fs_upgrade_mask(struct kw_ucmd *ucmd)
{
	const struct kwish_upgrade_mask *arg = ucmd->cmd;
	struct kw_upgrade_mask_entry *e, *src;
	struct path from, root;
	struct file *file, *src_file;
	int fd, err;

	err = kw_upgrade_mask_check_args(arg);
	if (err)
		return err;
	/* charged to the caller's memory cgroup: it may outlive its fd */
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	e->mask = arg->upgrade_mask;

	/* fget_raw(): O_PATH fds too */
	src_file = fget_raw(arg->fd);
	if (!src_file) {
		err = -EBADF;
		goto free_entry;
	}
	from = src_file->f_path;

	/*
	 * A path on a restriction's clone (the restricted fd, or something
	 * below a restricted directory) is cloned from the original mount;
	 * the clone's root keeps the old mask in the new one.
	 */
	mutex_lock(&kw_upgrade_mask_lock);
	src = kw_upgrade_mask_find(from.mnt);
	if (src) {
		if (from.dentry == from.mnt->mnt_root)
			e->mask |= src->mask;
		from.mnt = src->origin;
	}
	path_get(&from);
	mutex_unlock(&kw_upgrade_mask_lock);
	fput(src_file);

	e->mnt = kw_upgrade_mask_clone(&from);
	if (IS_ERR(e->mnt)) {
		err = PTR_ERR(e->mnt);
		path_put(&from);
		goto free_entry;
	}
	e->origin = from.mnt;		/* keeps from's mount reference */
	dput(from.dentry);
	mntget(e->mnt);			/* the second reference, see kw_upgrade_mask_gc() */

	fd = get_unused_fd_flags(arg->flags & KWISH_UPGRADE_MASK_NOCLOEXEC ?
				 0 : O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto unmount;
	}
	root.mnt = e->mnt;
	root.dentry = e->mnt->mnt_root;
	file = dentry_open(&root, O_PATH, current_cred());
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		put_unused_fd(fd);
		goto unmount;
	}
	/*
	 * replace_fops(file, fops_get(&kw_upgrade_mask_fops)), open-coded: the ioctl
	 * dispatcher holds a reference on this module, so fops_get() cannot
	 * fail; __fput() calls our ->release and fops_put()s the owner.
	 */
	fops_put(file->f_op);
	__module_get(THIS_MODULE);
	file->f_op = &kw_upgrade_mask_fops;
	file->private_data = e;
	e->nr_files = 1;
	__module_get(THIS_MODULE);	/* the entry's, see kw_upgrade_mask_gc() */

	mutex_lock(&kw_upgrade_mask_lock);
	list_add(&e->node, &kw_upgrade_mask_list);
	hash_add_rcu(kw_upgrade_mask_hash, &e->hnode, (unsigned long)e->mnt);
	atomic_inc(&kw_upgrade_mask_nr);
	mutex_unlock(&kw_upgrade_mask_lock);

	fd_install(fd, file);
	return fd;

unmount:
	kw_upgrade_mask_free(e);
	return err;
free_entry:
	kfree(e);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kw_fs_upgrade_mask);

/* the uapi sizes: a struct never changes, it only grows */
static_assert(sizeof(struct kwish_upgrade_mask) == KWISH_UPGRADE_MASK_SIZE_VER0);

static const struct kw_cmd kw_upgrade_mask_cmds[] = {
	KW_IOCTL_OP(KWISH_CMD_UPGRADE_MASK, kw_fs_upgrade_mask,
		    struct kwish_upgrade_mask, __reserved,
		    KWISH_UPGRADE_MASK_NOCLOEXEC),
};

/* Which function is the mount write gate on this kernel. */
static enum kwish_feature_state kw_upgrade_mask_probe(struct kw_feature *f)
{
	kw_upgrade_mask_hooks[ARRAY_SIZE(kw_upgrade_mask_hooks) - 1].target_sym =
		kw_upgrade_mask_write_gate_sym();
	return KWISH_STATE_PRESENT;
}

static void kw_upgrade_mask_teardown(struct kw_feature *f)
{
	/*
	 * Every restriction holds a module reference: none is left when
	 * the module goes, but the work that freed the last one may still
	 * be returning.
	 */
	cancel_delayed_work_sync(&kw_upgrade_mask_gc_work);
	WARN_ON(!list_empty(&kw_upgrade_mask_list) || !list_empty(&kw_upgrade_mask_idle));
}

struct kw_feature kw_upgrade_mask_feature = {
	.id = 24,
	.cmds = kw_upgrade_mask_cmds,
	.nr_cmds = ARRAY_SIZE(kw_upgrade_mask_cmds),
	.hooks = kw_upgrade_mask_hooks,
	.nr_hooks = ARRAY_SIZE(kw_upgrade_mask_hooks),
	.present =
		"open, exec, truncate enforced; chmod/chown/xattr/utimes via magic link not",
	.probe = kw_upgrade_mask_probe,
	.teardown = kw_upgrade_mask_teardown,
};
