// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs: the "directory fd + one name" addressing that the items which
 * change a directory entry share (item 7 link-replace, item 10 unlink if
 * inode).  They take the directory by fd and the entry as one path
 * component, so that the directory is pinned and no path walk happens
 * between the caller's choice of directory and the change.
 */
#include <linux/dcache.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <kwish_core.h>
#include "kwish_fs.h"

/*
 * The name, @len bytes without the NUL: one component of at most NAME_MAX
 * bytes.  Empty is -ENOENT, as for unlinkat() and linkat(); "." and ".."
 * (which lookup_one() would refuse with -EACCES) and names with '/' are
 * -EINVAL.
 */
VISIBLE_IF_KUNIT int kw_fs_check_name(const char *name, size_t len)
{
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	if (!len)
		return -ENOENT;
	if (memchr(name, '/', len))
		return -EINVAL;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kw_fs_check_name);

/*
 * Copy the NUL-terminated name at user address @uname into @kname
 * (NAME_MAX + 1 bytes) and check it.  Returns its length or an errno.
 */
long kw_fs_copy_name(char *kname, u64 uname)
{
	long len;
	int err;

	len = strncpy_from_user(kname, u64_to_user_ptr(uname), NAME_MAX + 1);
	if (len < 0)
		return len;
	if (len == NAME_MAX + 1)	/* no NUL in NAME_MAX + 1 bytes */
		return -ENAMETOOLONG;
	err = kw_fs_check_name(kname, len);
	return err ? err : len;
}

/* The directory @dirfd names, as path_init() (fs/namei.c) finds it. */
int kw_fs_get_dir(int dirfd, struct path *dir)
{
	struct file *file;

	if (dirfd == AT_FDCWD) {
		get_fs_pwd(current->fs, dir);
	} else {
		/* fget_raw(): O_PATH fds too, as path_init()'s fdget_raw() */
		file = fget_raw(dirfd);
		if (!file)
			return -EBADF;
		*dir = file->f_path;
		path_get(dir);
		fput(file);
	}
	if (!d_can_lookup(dir->dentry)) {
		path_put(dir);
		return -ENOTDIR;
	}
	return 0;
}
