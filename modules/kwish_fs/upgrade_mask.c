// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs, item 24: upgrade masks, re-open restrictions for O_PATH fds,
 * as KWISH_FD_RESTRICT with the UPGRADE_NOREAD/UPGRADE_NOWRITE bits of
 * the 2019 openat2() upgrade-mask series.
 *
 * The identity problem.  A re-open through /proc/<pid>/fd/<n> does not
 * see the file: proc_fd_link() (fs/proc/fd.c) copies file->f_path and
 * nd_jump_link() continues the walk from that path, and the open that
 * follows only has the path.  So the restricted fd gets a path of its
 * own: KWISH_FD_RESTRICT makes a private clone of the fd's mount rooted
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
 * Lifetime.  O_PATH files have no ->release of their own, but __fput()
 * calls f_op->release for FMODE_PATH files too (fs/file_table.c, v6.1 and
 * v6.12), so the new file gets kwish's file_operations (owner THIS_MODULE:
 * rmmod kwish_fs is EBUSY while it is open).  Files, O_PATH files and
 * working directories re-opened from it live on the clone as well and
 * keep the mask after the fd is closed, so the restriction lives as long
 * as the clone mount has users: each restriction holds a module
 * reference, and a work item frees it once may_umount_tree() sees no
 * reference but its own two (looked at after a restricted fd is closed,
 * then every KW_UM_GC_PERIOD while some restriction has no kwish fd
 * left).  rmmod kwish_fs is EBUSY until then.
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
#define pr_fmt(fmt) "kwish_fs: " fmt

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
#include "../kwish_core/compat.h"
#include "kwish_fs.h"

#define KW_UM_VALID_MASK	(UPGRADE_NOREAD | UPGRADE_NOWRITE)
#define KW_UM_GC_PERIOD		(HZ / 10)

/* One restriction: a clone mount and its mask. */
struct kw_um_entry {
	struct hlist_node hnode;	/* kw_um_hash, RCU */
	struct list_head node;		/* kw_um_list, kw_um_lock */
	struct vfsmount *mnt;		/* the clone: two references of ours */
	struct vfsmount *origin;	/* the mount it was cloned from */
	u32 mask;
	unsigned int nr_files;		/* kwish O_PATH files on it */
	struct rcu_head rcu;
};

static atomic_t kw_um_nr = ATOMIC_INIT(0);	/* entries in kw_um_hash */
static DEFINE_HASHTABLE(kw_um_hash, 6);
static LIST_HEAD(kw_um_list);
static DEFINE_MUTEX(kw_um_lock);

static void kw_um_gc(struct work_struct *work);
static DECLARE_DELAYED_WORK(kw_um_gc_work, kw_um_gc);

/* -------------------------------------------------------- pure helpers */

/* The argument checks that need no file: 0 or -EINVAL. */
VISIBLE_IF_KUNIT int kw_um_check_args(const struct kwish_fd_restrict *arg)
{
	if (arg->__reserved)
		return -EINVAL;
	if (!arg->upgrade_mask || arg->upgrade_mask & ~KW_UM_VALID_MASK)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kw_um_check_args);

/*
 * The mask bits an open with @mode (f_mode) and @flags (f_flags) needs:
 * UPGRADE_NOREAD for FMODE_READ (exec opens for reading too),
 * UPGRADE_NOWRITE for FMODE_WRITE and for O_TRUNC (which truncates after
 * the open even for O_RDONLY).
 */
VISIBLE_IF_KUNIT u32 kw_um_needed(fmode_t mode, unsigned int flags)
{
	u32 need = 0;

	if (mode & FMODE_READ)
		need |= UPGRADE_NOREAD;
	if ((mode & FMODE_WRITE) || (flags & O_TRUNC))
		need |= UPGRADE_NOWRITE;
	return need;
}
EXPORT_SYMBOL_IF_KUNIT(kw_um_needed);

/* ------------------------------------------------------------- lookup */

/* Called under rcu_read_lock() or kw_um_lock. */
static struct kw_um_entry *kw_um_find(const struct vfsmount *mnt)
{
	struct kw_um_entry *e;

	hash_for_each_possible_rcu(kw_um_hash, e, hnode, (unsigned long)mnt)
		if (e->mnt == mnt)
			return e;
	return NULL;
}

/* The mask of @path if it is the root of a restriction's clone, or 0. */
static u32 kw_um_path_mask(const struct path *path)
{
	struct kw_um_entry *e;
	u32 mask = 0;

	if (path->dentry != path->mnt->mnt_root)
		return 0;
	rcu_read_lock();
	e = kw_um_find(path->mnt);
	if (e)
		mask = READ_ONCE(e->mask);
	rcu_read_unlock();
	return mask;
}

/* ---------------------------------------------------------------- hooks */

/* Filter of the security_file_open(struct file *) hook. */
VISIBLE_IF_KUNIT bool kw_um_file_open_filter(const unsigned long *args)
{
	const struct file *file = (const struct file *)args[0];

	if (likely(!atomic_read(&kw_um_nr)))
		return false;
	return kw_um_path_mask(&file->f_path) &
	       kw_um_needed(file->f_mode, file->f_flags);
}
EXPORT_SYMBOL_IF_KUNIT(kw_um_file_open_filter);

static int kw_um_refuse_open(struct file *file)
{
	return -EACCES;
}

/* Filter of the vfs_truncate(const struct path *, loff_t) hook. */
static bool kw_um_truncate_filter(const unsigned long *args)
{
	const struct path *path = (const struct path *)args[0];

	if (likely(!atomic_read(&kw_um_nr)))
		return false;
	return kw_um_path_mask(path) & UPGRADE_NOWRITE;
}

static long kw_um_refuse_truncate(const struct path *path, loff_t length)
{
	return -EACCES;
}

static struct kw_hook kw_um_hooks[] = {
	{
		.name = "upgrade mask check in security_file_open",
		.target_sym = "security_file_open",
		.dest_fn = kw_um_refuse_open,
		.filter = kw_um_file_open_filter,
	},
	{
		.name = "upgrade mask check in vfs_truncate",
		.target_sym = "vfs_truncate",
		.dest_fn = kw_um_refuse_truncate,
		.filter = kw_um_truncate_filter,
	},
};

/* ------------------------------------------------------------ lifetime */

static void kw_um_free(struct kw_um_entry *e)
{
	mntput(e->mnt);
	/* mnt_ns = NULL, synchronize_rcu(), the last mntput() */
	kern_unmount(e->mnt);
	mntput(e->origin);
	kfree_rcu(e, rcu);
}

/*
 * Free the restrictions nobody uses any more: no kwish fd, and no
 * reference to the clone but the entry's two (a file, O_PATH file or
 * working directory re-opened from a restricted fd holds one).  Nothing
 * can take a new reference then: the clone is in no namespace, and all
 * paths to it come from existing references.
 */
static void kw_um_gc(struct work_struct *work)
{
	struct kw_um_entry *e, *tmp;
	LIST_HEAD(dead);
	bool again = false;

	mutex_lock(&kw_um_lock);
	list_for_each_entry_safe(e, tmp, &kw_um_list, node) {
		if (e->nr_files)
			continue;
		if (!may_umount_tree(e->mnt)) {
			again = true;
			continue;
		}
		hash_del_rcu(&e->hnode);
		list_move(&e->node, &dead);
		atomic_dec(&kw_um_nr);
	}
	if (again)
		schedule_delayed_work(&kw_um_gc_work, KW_UM_GC_PERIOD);
	mutex_unlock(&kw_um_lock);

	/*
	 * Each entry holds a module reference.  Dropping the last one lets
	 * rmmod go on, but kw_fs_upgrade_mask_exit() waits for this work to
	 * return (cancel_delayed_work_sync()).
	 */
	list_for_each_entry_safe(e, tmp, &dead, node) {
		kw_um_free(e);
		module_put(THIS_MODULE);
	}
}

static int kw_um_release(struct inode *inode, struct file *file)
{
	struct kw_um_entry *e = file->private_data;

	mutex_lock(&kw_um_lock);
	e->nr_files--;
	mutex_unlock(&kw_um_lock);
	/* __fput() drops this file's reference to the clone after us. */
	mod_delayed_work(system_wq, &kw_um_gc_work, HZ / 50);
	return 0;
}

static void kw_um_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct kw_um_entry *e = file->private_data;

	seq_printf(m, "kwish_upgrade_mask:\t%#x\n", READ_ONCE(e->mask));
}

/* The restricted O_PATH file's operations: only its lifetime. */
static const struct file_operations kw_um_fops = {
	.owner = THIS_MODULE,
	.release = kw_um_release,
	.show_fdinfo = kw_um_show_fdinfo,
};

/* ------------------------------------------------------------- command */

/*
 * The clone of @path's mount rooted at @path's dentry; see "Privilege" at
 * the top of the file.
 */
static struct vfsmount *kw_um_clone(const struct path *path)
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

VISIBLE_IF_KUNIT long kw_fs_fd_restrict(struct kw_ucmd *ucmd)
{
	const struct kwish_fd_restrict *arg = ucmd->cmd;
	struct kw_um_entry *e, *src;
	struct path from, root;
	struct file *file, *src_file;
	int fd, err;

	err = kw_um_check_args(arg);
	if (err)
		return err;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
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
	mutex_lock(&kw_um_lock);
	src = kw_um_find(from.mnt);
	if (src) {
		if (from.dentry == from.mnt->mnt_root)
			e->mask |= src->mask;
		from.mnt = src->origin;
	}
	path_get(&from);
	mutex_unlock(&kw_um_lock);
	fput(src_file);

	e->mnt = kw_um_clone(&from);
	if (IS_ERR(e->mnt)) {
		err = PTR_ERR(e->mnt);
		path_put(&from);
		goto free_entry;
	}
	e->origin = from.mnt;		/* keeps from's mount reference */
	dput(from.dentry);
	mntget(e->mnt);			/* the second reference, see kw_um_gc() */

	fd = get_unused_fd_flags(arg->flags & KWISH_FD_RESTRICT_NOCLOEXEC ?
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
	 * replace_fops(file, fops_get(&kw_um_fops)), open-coded: the ioctl
	 * dispatcher holds a reference on this module, so fops_get() cannot
	 * fail; __fput() calls our ->release and fops_put()s the owner.
	 */
	fops_put(file->f_op);
	__module_get(THIS_MODULE);
	file->f_op = &kw_um_fops;
	file->private_data = e;
	e->nr_files = 1;
	__module_get(THIS_MODULE);	/* the entry's, see kw_um_gc() */

	mutex_lock(&kw_um_lock);
	list_add(&e->node, &kw_um_list);
	hash_add_rcu(kw_um_hash, &e->hnode, (unsigned long)e->mnt);
	atomic_inc(&kw_um_nr);
	mutex_unlock(&kw_um_lock);

	fd_install(fd, file);
	return fd;

unmount:
	kw_um_free(e);
	return err;
free_entry:
	kfree(e);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kw_fs_fd_restrict);

static const struct kw_cmd kw_um_cmds[] = {
	{ KWISH_CMD_FD_RESTRICT, kw_fs_fd_restrict },
};

static struct kw_feature kw_um_feature = {
	.id = 24,
	.cmds = kw_um_cmds,
	.nr_cmds = ARRAY_SIZE(kw_um_cmds),
};

int kw_fs_upgrade_mask_init(void)
{
	return kw_feature_setup(&kw_um_feature, kw_um_hooks,
				ARRAY_SIZE(kw_um_hooks),
				"open, exec, truncate enforced; chmod/chown/xattr/utimes via magic link not");
}

void kw_fs_upgrade_mask_exit(void)
{
	kw_feature_unregister(&kw_um_feature);
	/*
	 * Every restriction holds a module reference: none is left when
	 * the module goes, but the work that freed the last one may still
	 * be returning.
	 */
	cancel_delayed_work_sync(&kw_um_gc_work);
	WARN_ON(!list_empty(&kw_um_list));
	if (kw_um_feature.state == KWISH_STATE_PRESENT)
		kw_hooks_remove(kw_um_hooks, ARRAY_SIZE(kw_um_hooks));
}
