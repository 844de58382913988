// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs, item 34: create a directory, device node, FIFO, socket or
 * symlink and return an fd to the inode that was created, the wish list's
 * mkdirat_fd(), mknodat_fd() and symlinkat_fd(), as KWISH_CREATE_OPEN.
 *
 * How it works.  The command is do_mkdirat(), do_mknodat() and
 * do_symlinkat() (fs/namei.c, the same in v6.1 and v6.12), through the
 * same exported functions, with one step added before the dentry of the
 * new entry is let go:
 *
 *   user_path_create()     filename_create(): the path walk, the parent's
 *                          inode lock, mnt_want_write(), EEXIST, the
 *                          trailing-slash rules, audit of the name
 *   security_path_mkdir()  LSM path hooks; security_path_symlink() is not
 *   security_path_mknod()  exported (v6.1, v6.12): a kwish_core call gate
 *   vfs_mkdir(), vfs_mknod(), vfs_symlink()
 *                          may_create(), CAP_MKNOD, the device cgroup,
 *                          vfs_prepare_mode() (umask unless the directory
 *                          has default ACLs, setgid), LSM inode hooks,
 *                          fsnotify
 *   dget() of the dentry   the fd's reference, taken while the parent is
 *                          still locked: nobody can have renamed anything
 *                          over the name yet, and a held dentry keeps its
 *                          inode even if the name is later removed or
 *                          replaced (d_delete() only unhashes it)
 *   done_path_create()     unlock, mnt_drop_write()
 *   dentry_open()          the fd, after the lock is dropped (an fanotify
 *                          permission event must not wait under it)
 *
 * A file system may leave the dentry negative or unhashed after a
 * successful ->mkdir() (NFS, CIFS and others instantiate another dentry,
 * the reason v6.15 made vfs_mkdir() return one): then the name is looked
 * up again, still under the lock, and that dentry is the one opened.
 *
 * Every type but a directory gets an O_PATH fd, which needs no permission
 * on the inode (as open(O_PATH)): no driver is opened and a FIFO never
 * blocks.  A directory gets O_RDONLY|O_DIRECTORY if the caller may read
 * it, checked as may_open() does for open(2) of an existing directory
 * (inode_permission(MAY_OPEN | MAY_READ)): open(O_CREAT) skips that check
 * for files it creates (FMODE_CREATED), but there is no such rule for
 * mkdir, and the creator is not always the owner (vfat's uid=, NFS root
 * squashing) nor always allowed to read (mode 0300).  Otherwise the
 * directory fd is O_PATH|O_DIRECTORY, which still works as the dirfd of
 * the *at() calls.  security_file_open() runs for both (dentry_open()).
 */

#include <linux/dcache.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/kdev_t.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/uaccess.h>

#include <kwish_core.h>
#include <gates/security/security.h>
#include "kwish_fs.h"

static struct kw_hook kw_create_open_gates[] = {
	KW_GATE_HOOK(security_path_symlink),
};

/* MKDEV()'s limits: 12 bits of major, MINORBITS (20) of minor. */
#define KW_CRO_MAJOR_MAX	((1U << (32 - MINORBITS)) - 1)

/*
 * The argument checks that need no file system: returns 0 or -EINVAL.
 */
VISIBLE_IF_KUNIT int kw_create_open_check_args(const struct kwish_create_open *arg)
{
	bool has_rdev = arg->rdev_major || arg->rdev_minor;

	if (arg->__reserved)
		return -EINVAL;
	if (arg->mode & ~(S_IFMT | 07777))
		return -EINVAL;
	switch (arg->mode & S_IFMT) {
	case S_IFDIR:
	case S_IFIFO:
	case S_IFSOCK:
		return arg->target || has_rdev ? -EINVAL : 0;
	case S_IFCHR:
	case S_IFBLK:
		if (arg->target || arg->rdev_major > KW_CRO_MAJOR_MAX ||
		    arg->rdev_minor > MINORMASK)
			return -EINVAL;
		return 0;
	case S_IFLNK:
		return arg->mode != S_IFLNK || !arg->target || has_rdev ?
		       -EINVAL : 0;
	default:	/* S_IFREG, 0: open(O_CREAT | O_EXCL) */
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(kw_create_open_check_args);

/* The open flags of the new fd for a file of type @type (S_IFMT bits). */
VISIBLE_IF_KUNIT int kw_create_open_open_flags(umode_t type)
{
	switch (type) {
	case S_IFDIR:
		return O_RDONLY | O_DIRECTORY | O_LARGEFILE;
	case S_IFLNK:
		return O_PATH | O_NOFOLLOW;
	default:
		return O_PATH;
	}
}
EXPORT_SYMBOL_IF_KUNIT(kw_create_open_open_flags);

/*
 * mode_strip_umask() (fs/namei.c in v6.1, <linux/namei.h> in v6.12): the
 * mode do_mkdirat() and do_mknodat() show security_path_mkdir() and
 * security_path_mknod(); the umask is left to posix_acl_create() if the
 * directory supports ACLs.
 */
static umode_t kw_create_open_strip_umask(const struct inode *dir, umode_t mode)
{
	if (!IS_POSIXACL(dir))
		mode &= ~current_umask();
	return mode;
}

/*
 * The symlink's contents, as symlinkat()'s getname() (not exported) takes
 * them: EFAULT, ENAMETOOLONG from PATH_MAX bytes on, ENOENT if empty; the
 * copy through getname_kernel() is what audit records.
 */
static struct filename *kw_create_open_get_target(u64 utarget)
{
	struct filename *name;
	long len;
	char *buf;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	len = strncpy_from_user(buf, u64_to_user_ptr(utarget), PATH_MAX);
	if (len < 0)
		name = ERR_PTR(len);
	else if (len == PATH_MAX)
		name = ERR_PTR(-ENAMETOOLONG);
	else if (!len)
		name = ERR_PTR(-ENOENT);
	else
		name = getname_kernel(buf);
	kfree(buf);
	return name;
}

/* What one creation needs; @dentry is user_path_create()'s. */
struct kw_create_open_op {
	umode_t mode;
	dev_t dev;
	const char *target;		/* S_IFLNK */
	struct path parent;
	struct dentry *dentry;
};

/* Called with the parent locked, as after filename_create(). */
static int kw_create_open_create_locked(struct kw_create_open_op *op)
{
	struct inode *dir = d_inode(op->parent.dentry);
	umode_t lsm_mode = kw_create_open_strip_umask(dir, op->mode);
	int err;

	switch (op->mode & S_IFMT) {
	case S_IFDIR:
		err = security_path_mkdir(&op->parent, op->dentry, lsm_mode);
		if (!err)
			err = vfs_mkdir(kw_path_idmap(&op->parent), dir,
					op->dentry, op->mode);
		break;
	case S_IFLNK:
		err = kw_gate_security_path_symlink(&op->parent, op->dentry,
						    op->target);
		if (!err)
			err = vfs_symlink(kw_path_idmap(&op->parent), dir,
					  op->dentry, op->target);
		break;
	default:
		/* the device number as mknodat() hands it to the LSM */
		err = security_path_mknod(&op->parent, op->dentry, lsm_mode,
					  new_encode_dev(op->dev));
		if (!err)
			err = vfs_mknod(kw_path_idmap(&op->parent), dir,
					op->dentry, op->mode, op->dev);
		break;
	}
	return err;
}

/*
 * The dentry of the created inode, with a reference of its own, taken
 * under the parent's lock (see the top of the file).
 */
static struct dentry *kw_create_open_created(struct kw_create_open_op *op)
{
	struct dentry *d = op->dentry;

	if (!d_really_is_negative(d) && !d_unhashed(d))
		return dget(d);
	d = lookup_one(kw_path_idmap(&op->parent), d->d_name.name,
		       op->parent.dentry, d->d_name.len);
	if (!IS_ERR(d) && d_really_is_negative(d)) {
		dput(d);
		d = ERR_PTR(-ENOENT);
	}
	return d;
}

/* Create the object; on success *@created is the new inode's path. */
static int kw_create_open_create(struct kw_create_open_op *op, int dirfd,
				 const char __user *pathname, struct path *created)
{
	unsigned int lookup_flags = S_ISDIR(op->mode) ? LOOKUP_DIRECTORY : 0;
	struct dentry *d;
	int err;

retry:
	op->dentry = user_path_create(dirfd, pathname, &op->parent,
				      lookup_flags);
	if (IS_ERR(op->dentry))
		return PTR_ERR(op->dentry);
	err = kw_create_open_create_locked(op);
	if (!err) {
		d = kw_create_open_created(op);
		if (IS_ERR(d)) {
			err = PTR_ERR(d);
		} else {
			created->dentry = d;
			created->mnt = mntget(op->parent.mnt);
		}
	}
	done_path_create(&op->parent, op->dentry);
	/* retry_estale(), as do_mkdirat() and friends: once, revalidating */
	if (err == -ESTALE && !(lookup_flags & LOOKUP_REVAL)) {
		lookup_flags |= LOOKUP_REVAL;
		goto retry;
	}
	return err;
}

VISIBLE_IF_KUNIT long kw_fs_create_open(struct kw_ucmd *ucmd)
{
	const struct kwish_create_open *arg = ucmd->cmd;
	struct filename *target = NULL;
	struct kw_create_open_op op = {};
	struct path created;
	struct file *file;
	int fd, err, oflags;

	err = kw_create_open_check_args(arg);
	if (err)
		return err;
	op.mode = (umode_t)arg->mode;
	if (S_ISCHR(op.mode) || S_ISBLK(op.mode))
		op.dev = MKDEV(arg->rdev_major, arg->rdev_minor);
	if (S_ISLNK(op.mode)) {
		target = kw_create_open_get_target(arg->target);
		if (IS_ERR(target))
			return PTR_ERR(target);
		op.target = target->name;
	}

	/* The fd first: EMFILE must not leave a created object behind. */
	fd = get_unused_fd_flags(arg->flags & KWISH_CREATE_OPEN_NOCLOEXEC ?
				 0 : O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto put_target;
	}
	err = kw_create_open_create(&op, arg->dirfd, u64_to_user_ptr(arg->pathname),
				    &created);
	if (err)
		goto put_fd;

	oflags = kw_create_open_open_flags(op.mode & S_IFMT);
	if (d_is_dir(created.dentry) &&
	    inode_permission(kw_path_idmap(&created), d_inode(created.dentry),
			     MAY_OPEN | MAY_READ))
		oflags = O_PATH | O_DIRECTORY;
	file = dentry_open(&created, oflags, current_cred());
	path_put(&created);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto put_fd;
	}
	if (!(file->f_mode & FMODE_PATH))
		fsnotify_open(file);	/* as do_sys_openat2() */
	fd_install(fd, file);
	if (target)
		putname(target);
	return fd;

put_fd:
	put_unused_fd(fd);
put_target:
	if (target)
		putname(target);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kw_fs_create_open);

/* the uapi sizes: a struct never changes, it only grows */
static_assert(sizeof(struct kwish_create_open) == KWISH_CREATE_OPEN_SIZE_VER0);

static const struct kw_cmd kw_create_open_cmds[] = {
	KW_IOCTL_OP(KWISH_CMD_CREATE_OPEN, kw_fs_create_open,
		    struct kwish_create_open, __reserved,
		    KWISH_CREATE_OPEN_NOCLOEXEC),
};

struct kw_feature kw_create_open_feature = {
	.id = 34,
	.cmds = kw_create_open_cmds,
	.nr_cmds = ARRAY_SIZE(kw_create_open_cmds),
	.gates = kw_create_open_gates,
	.nr_gates = ARRAY_SIZE(kw_create_open_gates),
	.present = "vfs_mkdir()/vfs_mknod()/vfs_symlink(), fd from the created dentry",
};
