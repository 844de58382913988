// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs, item 10: unlink a name only if it still refers to a given
 * inode, the wish list's unlinkat3(dir_fd, name, inode_fd), as
 * KWISH_UNLINK_INODE.
 *
 * How it works.  The command is do_unlinkat() and do_rmdir() (fs/namei.c,
 * the same in v6.1 and v6.12) for a name of one component, with one more
 * step under the parent directory's inode lock: after the lookup, the
 * dentry's inode must be file_inode() of inode_fd, else -ESTALE.
 * rename(), link(), unlink() and rmdir() change a directory's entries only
 * with that lock held (lock_rename() takes it for both directories of a
 * rename), so between the comparison and vfs_unlink()/vfs_rmdir() the
 * name cannot change.
 *
 * Everything else is the syscalls' own, through exported VFS functions:
 *   mnt_want_write()               EROFS, freeze protection
 *   inode_lock_nested(I_MUTEX_PARENT) the lock do_unlinkat() takes
 *   lookup_one()                   search permission on the directory
 *                                  (inode_permission(MAY_EXEC)), the
 *                                  file system's d_hash/d_revalidate/lookup
 *   security_path_unlink()         LSM path hook (AppArmor, TOMOYO)
 *   security_path_rmdir()          the same for directories; not exported
 *                                  (v6.1, v6.12), reached through a call
 *                                  gate (kwish_core hook registry)
 *   vfs_unlink(), vfs_rmdir()      may_delete(): write+search permission,
 *                                  sticky bit, append-only/immutable,
 *                                  EISDIR/ENOTDIR, audit_inode_child();
 *                                  EBUSY for mount points; LSM inode hooks;
 *                                  fsnotify; vfs_unlink() reports NFS
 *                                  delegations, which are broken with
 *                                  break_deleg_wait() outside the lock and
 *                                  the call retried, as do_unlinkat() does
 *   getname_kernel()               the name for audit (audit_getname())
 *
 * The idmapping of the directory's mount, which lookup_one(), vfs_unlink()
 * and vfs_rmdir() take, is where v6.1 and v6.12 differ: struct
 * user_namespace * (mnt_user_ns()) in v6.1, struct mnt_idmap *
 * (mnt_idmap()) in v6.12; kw_path_idmap() in compat/idmap.h.
 *
 * The name is one path component, as in the proposal: the directory is
 * given by fd, so there is no path walk, and "." and ".." (which unlinkat()
 * refuses too) and "a/b" are EINVAL (kw_fs_copy_name(), dirent.c).
 */

#include <linux/dcache.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <kwish_core.h>
#include <gates/security/security.h>
#include "kwish_fs.h"

static struct kw_hook kw_unlink_inode_gates[] = {
	KW_GATE_HOOK(security_path_rmdir),
};

/*
 * Under the lock of @dir's inode: look @name up, compare, remove.  Sets
 * *@mismatch when the name refers to another inode, so that this -ESTALE
 * is not retried like a file system's.  On -EWOULDBLOCK from vfs_unlink(),
 * *@delegated holds the inode whose NFS delegation must be broken.
 */
static int kw_unlink_inode_locked(const struct path *dir, const char *name, int len,
				  struct inode *expected, bool removedir,
				  struct inode **delegated, bool *mismatch)
{
	struct inode *dir_inode = d_inode(dir->dentry);
	struct dentry *dentry;
	int err;

	inode_lock_nested(dir_inode, I_MUTEX_PARENT);
	dentry = lookup_one(kw_path_idmap(dir), name, dir->dentry, len);
	if (IS_ERR(dentry)) {
		err = PTR_ERR(dentry);
		goto unlock;
	}
	if (d_is_negative(dentry)) {
		err = -ENOENT;
	} else if (d_inode(dentry) != expected) {
		/* The whole point: the name is not (any more) this inode. */
		*mismatch = true;
		err = -ESTALE;
	} else if (removedir) {
		err = kw_gate_security_path_rmdir(dir, dentry);
		if (!err)
			err = vfs_rmdir(kw_path_idmap(dir), dir_inode, dentry);
	} else {
		/*
		 * do_unlinkat() takes an inode reference here so that the
		 * final iput() (truncation) runs outside the directory lock;
		 * inode_fd's file holds one until the caller closes it.
		 */
		err = security_path_unlink(dir, dentry);
		if (!err)
			err = vfs_unlink(kw_path_idmap(dir), dir_inode, dentry,
					 delegated);
	}
	dput(dentry);
unlock:
	inode_unlock(dir_inode);
	return err;
}

VISIBLE_IF_KUNIT long kw_fs_unlink_inode(struct kw_ucmd *ucmd)
{
	const struct kwish_unlink_inode *arg = ucmd->cmd;
	bool removedir = arg->flags & KWISH_UNLINK_REMOVEDIR;
	struct inode *delegated = NULL;
	bool mismatch, retried = false;
	char kname[NAME_MAX + 1];
	struct filename *name;
	struct file *ifile;
	struct path dir;
	long len;
	int err;

	if (arg->__reserved)
		return -EINVAL;

	len = kw_fs_copy_name(kname, arg->name);
	if (len < 0)
		return len;

	err = kw_fs_get_dir(arg->dirfd, &dir);
	if (err)
		return err;

	/* fget_raw(): any fd that refers to the inode, O_PATH included */
	ifile = fget_raw(arg->inode_fd);
	if (!ifile) {
		err = -EBADF;
		goto put_dir;
	}
	if (file_inode(ifile)->i_sb != dir.dentry->d_sb) {
		err = -EXDEV;
		goto put_file;
	}

	/* The name as audit records it for unlinkat() (audit_getname()). */
	name = getname_kernel(kname);
	if (IS_ERR(name)) {
		err = PTR_ERR(name);
		goto put_file;
	}

	err = mnt_want_write(dir.mnt);
	if (err)
		goto put_name;
retry:
	mismatch = false;
	err = kw_unlink_inode_locked(&dir, name->name, (int)len, file_inode(ifile),
				     removedir, &delegated, &mismatch);
	if (delegated) {
		/* break_deleg_wait() drops the reference vfs_unlink() took */
		err = break_deleg_wait(&delegated);
		if (!err)
			goto retry;
	}
	/*
	 * A file system's own -ESTALE (NFS) gets one more try, as
	 * retry_estale() gives do_unlinkat() and do_rmdir(); a mismatch of
	 * the inodes does not.
	 */
	if (err == -ESTALE && !mismatch && !retried) {
		retried = true;
		goto retry;
	}
	mnt_drop_write(dir.mnt);
put_name:
	putname(name);
put_file:
	fput(ifile);
put_dir:
	path_put(&dir);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kw_fs_unlink_inode);

/* the uapi sizes: a struct never changes, it only grows */
static_assert(sizeof(struct kwish_unlink_inode) == KWISH_UNLINK_INODE_SIZE_VER0);

static const struct kw_cmd kw_unlink_inode_cmds[] = {
	KW_IOCTL_OP(KWISH_CMD_UNLINK_INODE, kw_fs_unlink_inode,
		    struct kwish_unlink_inode, __reserved,
		    KWISH_UNLINK_REMOVEDIR),
};

struct kw_feature kw_unlink_inode_feature = {
	.id = 10,
	.cmds = kw_unlink_inode_cmds,
	.nr_cmds = ARRAY_SIZE(kw_unlink_inode_cmds),
	.gates = kw_unlink_inode_gates,
	.nr_gates = ARRAY_SIZE(kw_unlink_inode_gates),
	.present = "inode check and vfs_unlink()/vfs_rmdir() under the directory lock",
};
