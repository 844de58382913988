// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs, item 7: link a file (typically an O_TMPFILE file) over an
 * existing name in one step, as KWISH_LINK_REPLACE.
 *
 * How it works.  No file system can link an inode over an existing entry
 * (->link() wants a negative dentry, ->rename() an existing source name),
 * so the command does what the proposal's AT_LINK_REPLACE (2020) would
 * have asked each file system to do, from the VFS side and under one hold
 * of the directory's inode lock:
 *
 *   lookup_one(name)               the entry to replace
 *   lookup_one(".kwish-link-<hex>") a fresh name in the same directory
 *   vfs_link(file, tmp)            the inode gets a name
 *   vfs_rename(tmp, name)          ... and that name replaces @name,
 *                                  atomically, as rename() does
 *   vfs_unlink(tmp)                only if the rename failed
 *
 * rename(), link(), unlink() and readdir() (iterate_dir() takes the lock
 * shared) all take that lock, so nobody lists the temporary name, and a
 * concurrent lookup of @name finds the old or the new inode: d_move() in
 * vfs_rename() switches the dentry in one step.  If @name is negative, a
 * plain vfs_link() to it is the whole operation.
 *
 * Permission: the checks of linkat(fd, "", dirfd, name, AT_EMPTY_PATH)
 * (v6.10's rule for AT_EMPTY_PATH on both kernels, path_init() in v6.12:
 * the fd's open credentials are the caller's, or CAP_DAC_READ_SEARCH over
 * them; may_linkat(): fs.protected_hardlinks and unmapped owners; same
 * mount; security_path_link()) for @name, security_path_unlink() for the
 * entry being replaced, and whatever vfs_link(), vfs_rename() and
 * vfs_unlink() check themselves (may_create(), may_delete(), sticky bit,
 * LSM inode hooks, idmapped mounts, NFS delegations).  may_linkat() and
 * security_path_link() are not exported (v6.1, v6.12): kwish_core call
 * gates reach them.  The LSM path hooks see a link to @name and an unlink
 * of @name, never the temporary name, so AppArmor or TOMOYO rules written
 * for @name apply; the inode hooks (SELinux, Smack) see the real link and
 * rename of the temporary name.
 *
 * The idmapping types differ between v6.1 and v6.12 (kw_path_idmap(),
 * struct kw_idmap and kw_renamedata_set_idmap() in compat/idmap.h).
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/random.h>
#include <linux/security.h>

#include <kwish_core.h>
#include <gates/fs/namei.h>
#include <gates/security/security.h>
#include "kwish_fs.h"

/* ".kwish-link-" and 16 hex digits */
#define KW_LNR_TMP_LEN		28
/* Tries for a temporary name that does not exist (64 random bits each). */
#define KW_LNR_TMP_TRIES	4

static struct kw_hook kw_link_replace_gates[] = {
	KW_GATE_HOOK(may_linkat),
	KW_GATE_HOOK(security_path_link),
};

/* One link-replace: what the locked part needs and reports. */
struct kw_link_replace_op {
	const struct path *dir;
	struct dentry *src;		/* the fd's dentry */
	const char *name;
	int len;
	char tmp[KW_LNR_TMP_LEN + 1];
	/* set when the temporary name could not be removed under the lock */
	bool tmp_left;
	struct inode *delegated;	/* delegation to break, then retry */
	struct inode *tmp_delegated;	/* the same, for removing tmp */
};

/* A temporary name in @op->dir that does not exist: a negative dentry. */
static struct dentry *kw_link_replace_tmp_dentry(struct kw_link_replace_op *op)
{
	struct dentry *tmp;
	int i;

	for (i = 0; i < KW_LNR_TMP_TRIES; i++) {
		snprintf(op->tmp, sizeof(op->tmp), ".kwish-link-%016llx",
			 get_random_u64());
		tmp = lookup_one(kw_path_idmap(op->dir), op->tmp,
				 op->dir->dentry, KW_LNR_TMP_LEN);
		if (IS_ERR(tmp) || d_is_negative(tmp))
			return tmp;
		dput(tmp);
	}
	return ERR_PTR(-EEXIST);
}

/*
 * @target exists: link the inode under a temporary name and rename that
 * over @target.  Called with the directory locked.
 */
static int kw_link_replace_replace_locked(struct kw_link_replace_op *op, struct dentry *target)
{
	struct inode *dir_inode = d_inode(op->dir->dentry);
	struct renamedata rd = {};
	struct dentry *tmp;
	int err;

	tmp = kw_link_replace_tmp_dentry(op);
	if (IS_ERR(tmp))
		return PTR_ERR(tmp);

	err = vfs_link(op->src, kw_path_idmap(op->dir), dir_inode, tmp,
		       &op->delegated);
	if (err)
		goto out;

	kw_renamedata_set_idmap(&rd, kw_path_idmap(op->dir));
	rd.old_dir = dir_inode;
	rd.old_dentry = tmp;
	rd.new_dir = dir_inode;
	rd.new_dentry = target;
	rd.delegated_inode = &op->delegated;
	err = vfs_rename(&rd);
	if (err) {
		/*
		 * Undo the link.  The inode has just been linked here, so
		 * only an NFS delegation granted since, or an I/O error, can
		 * make this fail; the caller retries the former unlocked.
		 */
		if (vfs_unlink(kw_path_idmap(op->dir), dir_inode, tmp,
			       &op->tmp_delegated))
			op->tmp_left = true;
	}
out:
	dput(tmp);
	return err;
}

static int kw_link_replace_locked(struct kw_link_replace_op *op)
{
	struct inode *dir_inode = d_inode(op->dir->dentry);
	struct dentry *target;
	int err;

	inode_lock_nested(dir_inode, I_MUTEX_PARENT);
	target = lookup_one(kw_path_idmap(op->dir), op->name, op->dir->dentry,
			    op->len);
	if (IS_ERR(target)) {
		err = PTR_ERR(target);
		goto unlock;
	}
	/*
	 * Already this inode: done, as rename() of two links of one inode
	 * (vfs_rename() returns 0 and would leave the temporary name).
	 */
	if (d_is_positive(target) && d_inode(target) == d_inode(op->src)) {
		err = 0;
		goto put;
	}
	err = kw_gate_security_path_link(op->src, op->dir, target);
	if (err)
		goto put;
	if (d_is_negative(target)) {
		err = vfs_link(op->src, kw_path_idmap(op->dir), dir_inode,
			       target, &op->delegated);
		goto put;
	}
	err = security_path_unlink(op->dir, target);
	if (!err)
		err = kw_link_replace_replace_locked(op, target);
put:
	dput(target);
unlock:
	inode_unlock(dir_inode);
	return err;
}

/*
 * The rare path: the temporary link could not be removed under the lock
 * (an NFS delegation on the inode).  Break it and remove the name, if it
 * still refers to our inode (nobody else knows the name).
 */
static void kw_link_replace_remove_tmp(struct kw_link_replace_op *op)
{
	struct inode *dir_inode = d_inode(op->dir->dentry);
	struct dentry *tmp;
	int err = -EIO, tries;

	for (tries = 0; tries < 8 && op->tmp_delegated; tries++) {
		/* drops the reference vfs_unlink() took, clears the pointer */
		err = break_deleg_wait(&op->tmp_delegated);
		if (err)
			break;
		inode_lock_nested(dir_inode, I_MUTEX_PARENT);
		tmp = lookup_one(kw_path_idmap(op->dir), op->tmp,
				 op->dir->dentry, KW_LNR_TMP_LEN);
		err = PTR_ERR_OR_ZERO(tmp);
		if (!err) {
			if (d_inode(tmp) == d_inode(op->src))
				err = vfs_unlink(kw_path_idmap(op->dir),
						 dir_inode, tmp,
						 &op->tmp_delegated);
			dput(tmp);
		}
		inode_unlock(dir_inode);
	}
	if (op->tmp_delegated) {
		iput(op->tmp_delegated);
		op->tmp_delegated = NULL;
	}
	if (err)
		pr_warn_ratelimited("could not remove temporary link %s: %d\n",
				    op->tmp, err);
}

/*
 * linkat(AT_EMPTY_PATH)'s rule since v6.10 (path_init(), fs/namei.c):
 * the fd was opened with the caller's credentials, or the caller has
 * CAP_DAC_READ_SEARCH in the user namespace of the opener's.
 */
static bool kw_link_replace_may_link_fd(const struct file *file)
{
	return file->f_cred == current_cred() ||
	       ns_capable(file->f_cred->user_ns, CAP_DAC_READ_SEARCH);
}

VISIBLE_IF_KUNIT long kw_fs_link_replace(struct kw_ucmd *ucmd)
{
	const struct kwish_link_replace *arg = ucmd->cmd;
	struct kw_link_replace_op op = {};
	char kname[NAME_MAX + 1];
	struct filename *name;
	bool retried = false;
	struct file *file;
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
	file = fget_raw(arg->fd);
	if (!file) {
		err = -EBADF;
		goto put_dir;
	}
	if (!kw_link_replace_may_link_fd(file)) {
		err = -ENOENT;
		goto put_file;
	}
	if (file->f_path.mnt != dir.mnt) {
		err = -EXDEV;
		goto put_file;
	}
	err = kw_gate_may_linkat(kw_path_idmap(&dir), &file->f_path);
	if (err)
		goto put_file;

	/* The name as audit records it for linkat() (audit_getname()). */
	name = getname_kernel(kname);
	if (IS_ERR(name)) {
		err = PTR_ERR(name);
		goto put_file;
	}
	err = mnt_want_write(dir.mnt);
	if (err)
		goto put_name;

	op.dir = &dir;
	op.src = file->f_path.dentry;
	op.name = name->name;
	op.len = (int)len;
retry:
	err = kw_link_replace_locked(&op);
	if (op.tmp_left) {
		kw_link_replace_remove_tmp(&op);
		op.tmp_left = false;
	}
	if (op.delegated) {
		/* break_deleg_wait() drops the reference vfs_link() took */
		err = break_deleg_wait(&op.delegated);
		if (!err)
			goto retry;
	}
	/* A file system's -ESTALE (NFS) gets one more try, as retry_estale(). */
	if (err == -ESTALE && !retried) {
		retried = true;
		goto retry;
	}
	mnt_drop_write(dir.mnt);
put_name:
	putname(name);
put_file:
	fput(file);
put_dir:
	path_put(&dir);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kw_fs_link_replace);

/* the uapi sizes: a struct never changes, it only grows */
static_assert(sizeof(struct kwish_link_replace) == KWISH_LINK_REPLACE_SIZE_VER0);

static const struct kw_cmd kw_link_replace_cmds[] = {
	KW_IOCTL_OP(KWISH_CMD_LINK_REPLACE, kw_fs_link_replace,
		    struct kwish_link_replace, __reserved, 0),
};

struct kw_feature kw_link_replace_feature = {
	.id = 7,
	.cmds = kw_link_replace_cmds,
	.nr_cmds = ARRAY_SIZE(kw_link_replace_cmds),
	.gates = kw_link_replace_gates,
	.nr_gates = ARRAY_SIZE(kw_link_replace_gates),
	.present =
		"vfs_link() to a temporary name and vfs_rename() over the name, under the directory lock",
};
