// SPDX-License-Identifier: GPL-2.0
/*
 * The VFS helpers take a mount's idmapping as struct mnt_idmap *, read
 * with mnt_idmap(mnt): v6.3 replaced struct user_namespace * (read with
 * mnt_user_ns(mnt)) by it throughout the VFS in one series (Christian
 * Brauner, "fs: port vfs_*() helpers to struct mnt_idmap" and its
 * siblings).  v6.12 has it, v6.1 does not.  kwish passes it to
 * vfs_unlink(), vfs_rmdir(), vfs_link(), vfs_rename() (struct renamedata),
 * vfs_mkdir(), vfs_mknod(), vfs_symlink() and lookup_one() (fs/namei.c),
 * so all are checked: a kernel where they disagree fails this probe and
 * then the build, instead of passing the wrong type.
 */
#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>

static_assert(__same_type(&vfs_unlink,
			  int (*)(struct mnt_idmap *, struct inode *,
				  struct dentry *, struct inode **)));
static_assert(__same_type(&vfs_rmdir,
			  int (*)(struct mnt_idmap *, struct inode *,
				  struct dentry *)));
static_assert(__same_type(&vfs_link,
			  int (*)(struct dentry *, struct mnt_idmap *,
				  struct inode *, struct dentry *,
				  struct inode **)));
static_assert(__same_type(&vfs_mkdir,
			  int (*)(struct mnt_idmap *, struct inode *,
				  struct dentry *, umode_t)));
static_assert(__same_type(&vfs_mknod,
			  int (*)(struct mnt_idmap *, struct inode *,
				  struct dentry *, umode_t, dev_t)));
static_assert(__same_type(&vfs_symlink,
			  int (*)(struct mnt_idmap *, struct inode *,
				  struct dentry *, const char *)));
static_assert(__same_type(((struct renamedata *)0)->old_mnt_idmap,
			  struct mnt_idmap *));
static_assert(__same_type(&lookup_one,
			  struct dentry *(*)(struct mnt_idmap *, const char *,
					     struct dentry *, int)));

struct mnt_idmap *kw_probe(const struct vfsmount *mnt);

struct mnt_idmap *kw_probe(const struct vfsmount *mnt)
{
	return mnt_idmap(mnt);
}
