/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kwish: the systemd/UAPI-group kernel wish list as loadable modules.
 *
 * This header is the whole user-space interface of /dev/kwish.  Every
 * wish-list item has the same number everywhere (this header, kwishctl,
 * the tests and the docs): see docs/kwish.7.md.
 *
 * Commands
 * --------
 * Every command is _IO(KWISH_TYPE, KWISH_CMD_BASE + n) on an open
 * /dev/kwish and takes one pointer to an argument struct that begins with
 * "__u32 size; __u32 flags;".  The kernel copies min(size, its own size)
 * bytes; a caller built against an older header passes a smaller size and
 * the missing fields read as zero, a caller built against a newer header
 * passes a larger size whose extra bytes must be zero.  Pointers are
 * __aligned_u64.  Reserved fields must be zero.
 *
 * errno contract (the same for every command, checked in this order):
 *   ENOTTY      not a kwish ioctl (type, direction or size bits), or an
 *               unknown command number
 *   EOPNOTSUPP  the command's feature is not provided right now: its module
 *               is not loaded, or the module reported it unavailable on this
 *               kernel (kwishctl status says why)
 *   EFAULT      the size word cannot be read
 *   EINVAL      size smaller than the command's first version
 *   E2BIG       size larger than a page
 *   EFAULT      the argument cannot be read
 *   E2BIG       size larger than the kernel's struct and the extra bytes
 *               are not all zero
 *   EINVAL      unknown bits in flags
 * then the command's own checks: EINVAL for non-zero reserved fields and
 * bad values, EFAULT for output that cannot be written.
 * A command may add errno values of its own; they are listed at the
 * command.
 */
#ifndef _UAPI_LINUX_KWISH_H
#define _UAPI_LINUX_KWISH_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/kwish_upstream.h>

#define KWISH_DEVICE_NAME	"kwish"		/* /dev/kwish */
#define KWISH_TYPE		0xBA	/* free in ioctl-number.rst (0xB7 is nsfs) */
#define KWISH_CMD_BASE		0x80
#define KWISH_ABI_VERSION	1

/* Wish-list item numbers (../shared/wishlist.md); 1..KWISH_ITEM_MAX. */
#define KWISH_ITEM_MAX		37

enum kwish_cmd {
	KWISH_CMD_STATUS = KWISH_CMD_BASE,	/* core, always available */
	KWISH_CMD_OPEN_REGULAR,			/* item 8, kwish_fs */
	KWISH_CMD_UNLINK_INODE,			/* item 10, kwish_fs */
	KWISH_CMD_FLOCK_TIMEOUT,		/* item 22, kwish_fs */
	KWISH_CMD_LINK_REPLACE,			/* item 7, kwish_fs */
	KWISH_CMD_CREATE_OPEN,			/* item 34, kwish_fs */
	KWISH_CMD_CLOSE_ASYNC,			/* item 19, kwish_fs */
	KWISH_CMD_FLOCK_WATCH,			/* item 4, kwish_fs */
	KWISH_CMD_UPGRADE_MASK,			/* item 24, kwish_fs */
	KWISH_CMD_STATMOUNT,			/* item 25, kwish_mount */
	KWISH_CMD_LISTMOUNT,			/* item 25, kwish_mount */
	KWISH_CMD_MOUNT_OWNER,			/* item 11, kwish_mount */
	KWISH_CMD_MOUNT_WATCH,			/* item 17, kwish_mount */
	KWISH_CMD_END,
};

/* ------------------------------------------------------------------ */
/* KWISH_STATUS: the state of every wish-list item.                    */

enum kwish_feature_state {
	/* kwish has no implementation of this item in this release. */
	KWISH_STATE_NOT_IMPLEMENTED	= 0,
	/* kwish implements it, but the module that provides it is not loaded. */
	KWISH_STATE_NOT_LOADED		= 1,
	/* A loaded kwish module provides it. */
	KWISH_STATE_PRESENT		= 2,
	/* The running kernel provides it itself (checked at run time). */
	KWISH_STATE_NATIVE		= 3,
	/* The module is loaded but cannot provide it on this kernel. */
	KWISH_STATE_UNAVAILABLE		= 4,
};

#define KWISH_NAME_LEN		32
#define KWISH_REASON_LEN	128

struct kwish_feature {
	__u32	id;				/* wish-list item number */
	__u32	state;				/* enum kwish_feature_state */
	char	module[KWISH_NAME_LEN];		/* module that owns the item */
	char	name[KWISH_NAME_LEN];		/* short name, e.g. "o_regular" */
	char	reason[KWISH_REASON_LEN];	/* detail: how native was
						 * detected, why unavailable
						 */
};

#define KWISH_FEATURE_SIZE_VER0	200

/*
 * struct kwish_status - argument of KWISH_STATUS
 * @size:         sizeof(struct kwish_status)
 * @flags:        must be 0
 * @nr_features:  in: number of entries @features has room for (may be 0);
 *                out: number of items kwish knows (KWISH_ITEM_MAX)
 * @feature_size: in: sizeof(struct kwish_feature) as the caller knows it,
 *                at least KWISH_FEATURE_SIZE_VER0; entries are written this
 *                far apart, bytes the kernel does not know are zeroed
 * @features:     pointer to an array of struct kwish_feature, entry i
 *                describes item i + 1
 * @abi_version:  out: KWISH_ABI_VERSION of the loaded kwish_core
 * @__reserved:   must be 0
 */
struct kwish_status {
	__u32		size;
	__u32		flags;
	__u32		nr_features;
	__u32		feature_size;
	__aligned_u64	features;
	__u32		abi_version;
	__u32		__reserved;
};

#define KWISH_STATUS_SIZE_VER0	32

#define KWISH_STATUS		_IO(KWISH_TYPE, KWISH_CMD_STATUS)

/* ------------------------------------------------------------------ */
/* Item 8: O_REGULAR, open a file only if it is a regular file.        */

/* OPENAT2_REGULAR and EFTYPE: <linux/kwish_upstream.h>. */

/*
 * struct kwish_open_regular - argument of KWISH_OPEN_REGULAR
 * @size:       sizeof(struct kwish_open_regular)
 * @flags:      must be 0
 * @dirfd:      directory fd or AT_FDCWD, as for openat2()
 * @__reserved: must be 0
 * @pathname:   pointer to the NUL-terminated path
 * @open_flags: openat2() how.flags (O_*); OPENAT2_REGULAR is implied and
 *              may be given; O_CLOEXEC is honoured as given
 * @mode:       openat2() how.mode
 * @resolve:    openat2() how.resolve (RESOLVE_*)
 *
 * Return: a new file descriptor on success.  The open is the kernel's own
 * openat2() for the caller (same lookup, DAC, LSM, audit and fsnotify), with
 * one more rule: if the file the lookup ends on is not a regular file the
 * open fails with EFTYPE before the file is opened, so a FIFO never blocks
 * and no device driver's open is called.  Errors: every openat2() errno
 * (EINVAL for bad open_flags/mode/resolve, E2BIG never) plus EFTYPE.
 * O_NOFOLLOW on a symlink gives ELOOP (as openat2), O_DIRECTORY gives
 * ENOTDIR on a regular file, O_PATH|O_NOFOLLOW on a symlink gives EFTYPE.
 */
struct kwish_open_regular {
	__u32		size;
	__u32		flags;
	__s32		dirfd;
	__u32		__reserved;
	__aligned_u64	pathname;
	__aligned_u64	open_flags;
	__aligned_u64	mode;
	__aligned_u64	resolve;
};

#define KWISH_OPEN_REGULAR_SIZE_VER0	48

#define KWISH_OPEN_REGULAR	_IO(KWISH_TYPE, KWISH_CMD_OPEN_REGULAR)

/* ------------------------------------------------------------------ */
/* Item 10: unlink a name only if it still refers to a given inode.    */

/*
 * The wish list's unlinkat3(dir_fd, name, inode_fd) (a later revision of
 * the uapi-group list calls it unlinkat2()); no kernel interface has been
 * posted to copy, so kwish keeps the proposal's three arguments and
 * unlinkat()'s flag.
 */
#define KWISH_UNLINK_REMOVEDIR	0x200	/* remove a directory: AT_REMOVEDIR */

/*
 * struct kwish_unlink_inode - argument of KWISH_UNLINK_INODE
 * @size:       sizeof(struct kwish_unlink_inode)
 * @flags:      0 to remove a non-directory (unlinkat() with 0), or
 *              KWISH_UNLINK_REMOVEDIR to remove an empty directory
 *              (unlinkat() with AT_REMOVEDIR, the same value); any other
 *              bit is EINVAL
 * @dirfd:      the directory that holds @name: a directory fd (O_PATH
 *              is fine) or AT_FDCWD
 * @inode_fd:   an fd (O_PATH is fine, O_PATH|O_NOFOLLOW for a symlink)
 *              that refers to the inode @name is expected to refer to;
 *              the mount it was opened on does not matter
 * @name:       pointer to the NUL-terminated name: one path component,
 *              as in the proposal (no '/', not "." or "..")
 * @__reserved: must be 0
 *
 * Removes the directory entry @name from @dirfd's directory, exactly as
 * unlinkat(@dirfd, @name, @flags) would, but only if that entry refers
 * to the same inode (the same struct inode, so the same superblock) as
 * @inode_fd.  The comparison and the removal happen under the
 * directory's inode lock, the lock rename(), link() and unlink() take,
 * so no other change of that directory can come in between: if at that
 * moment the name refers to another inode (another file was renamed over
 * it, or it was removed and created again), the call fails with ESTALE
 * and removes nothing.
 * The entry itself is compared, never what a symlink points to or what
 * is mounted on it.  The checks are unlinkat()'s for the calling task on
 * @dirfd's mount (mnt_want_write(), search and write permission on the
 * directory, the sticky bit, LSM path and inode hooks, idmapped mounts);
 * audit and fsnotify see an unlink/rmdir.
 *
 * Return: 0 when the name was removed.  Errors, in the order checked:
 *   EINVAL        non-zero @__reserved
 *   EFAULT        @name cannot be read
 *   ENAMETOOLONG  @name is longer than NAME_MAX (255) bytes
 *   ENOENT        @name is empty (as for unlinkat())
 *   EINVAL        @name contains '/' or is "." or ".."
 *   EBADF         @dirfd is neither an open fd nor AT_FDCWD; @inode_fd is
 *                 not an open fd (AT_FDCWD included)
 *   ENOTDIR       @dirfd is not a directory
 *   EXDEV         @inode_fd is on another file system than the directory:
 *                 @name can never refer to it (a usage error, unlike ESTALE)
 *   EROFS         @dirfd's mount or file system is read-only
 *   EACCES        no search permission on the directory
 *   ENOENT        @name does not exist (nothing to compare), or the
 *                 directory was removed
 *   ESTALE        @name exists but refers to another inode than @inode_fd:
 *                 nothing was removed.  ESTALE ("stale file handle") is
 *                 the error for a reference that no longer matches what the
 *                 file system has; here the caller's inode_fd is stale as a
 *                 handle on @name.  Network file systems report ESTALE for
 *                 their own reasons too (kwish retries once, as unlinkat()
 *                 does); in every case nothing was removed.
 *   then unlinkat()'s own: EACCES (no write and search permission), EPERM
 *   (sticky directory, immutable or append-only file, LSM), EISDIR (a
 *   directory without KWISH_UNLINK_REMOVEDIR), ENOTDIR (a non-directory
 *   with it), ENOTEMPTY, EBUSY (a mount point, a file system's root), EIO.
 */
struct kwish_unlink_inode {
	__u32		size;
	__u32		flags;
	__s32		dirfd;
	__s32		inode_fd;
	__aligned_u64	name;
	__aligned_u64	__reserved;
};

#define KWISH_UNLINK_INODE_SIZE_VER0	32

#define KWISH_UNLINK_INODE	_IO(KWISH_TYPE, KWISH_CMD_UNLINK_INODE)

/* ------------------------------------------------------------------ */
/* Item 22: flock() with a timeout.                                    */

/*
 * The wish list's flock() with a timeout in nanoseconds; no kernel
 * interface has been posted to copy.  @operation takes flock(2)'s values
 * (<sys/file.h>): LOCK_SH 1, LOCK_EX 2.
 */

/*
 * struct kwish_flock_timeout - argument of KWISH_FLOCK_TIMEOUT
 * @size:       sizeof(struct kwish_flock_timeout)
 * @flags:      0 (no flags are defined; any bit is EINVAL)
 * @fd:         the open file description to lock, as for flock(2): not
 *              O_PATH, opened for reading or writing
 * @operation:  LOCK_SH (1) or LOCK_EX (2).  Not LOCK_UN (unlocking never
 *              waits: use flock(fd, LOCK_UN) or close()), not LOCK_NB (a
 *              @timeout_ns of 0 is the single try), not LOCK_MAND.
 * @timeout_ns: how long to wait for the lock, in nanoseconds, measured
 *              from the start of the call: 0 tries once (flock(2) with
 *              LOCK_NB); values of 2^63 - 1 and above wait without limit
 *              (flock(2) without LOCK_NB)
 * @__reserved: must be 0
 *
 * flock(@fd, @operation) that gives up after @timeout_ns.  Everything
 * else is flock(2)'s, for the calling task: the same lock (a lock taken
 * here is an ordinary flock() lock of the open file description: flock()
 * and close() release it, flock() callers wait for it), the same LSM
 * check (security_file_lock()), the same conversion of a lock already
 * held through the same open file description (not atomic, as flock(2)
 * documents: the old lock is released first, so a conversion that fails
 * or times out leaves no lock).  The caller waits on the lock's own wait
 * queue, like a blocked flock() caller, and is woken as soon as the
 * lock is released; kwish and flock() waiters compete on equal terms.
 * When the call fails (timeout, signal), the request is removed from the
 * queue: no lock is held and nothing stays queued.
 *
 * Return: 0 when the lock is held.  Errors, in the order checked:
 *   EINVAL       non-zero @__reserved; @operation is not LOCK_SH or LOCK_EX
 *   EBADF        @fd is not an open fd, is an O_PATH fd, or is open
 *                neither for reading nor for writing (as flock(2))
 *   EACCES, EPERM  refused by an LSM (security_file_lock(), as flock(2))
 *   EOPNOTSUPP   the file system locks through its own ->flock method
 *                (NFS, CIFS, FUSE, 9p, Ceph, GFS2, OCFS2, AFS): kwish does
 *                not wait on those; use flock(2) there
 *   ENOMEM, ENOLCK  no memory for the lock
 *   EWOULDBLOCK  @timeout_ns is 0 and the lock is held by another open
 *                file description (EAGAIN, the same value)
 *   ETIMEDOUT    the lock was not free within @timeout_ns
 *   EINTR        a signal handler ran while waiting; with or without
 *                SA_RESTART, as poll() and select(): a restart would start
 *                the relative timeout again (flock(2) itself is restarted
 *                under SA_RESTART).  A signal without handler (a stop
 *                signal, the freezer) restarts the call transparently,
 *                with the whole @timeout_ns.
 */
struct kwish_flock_timeout {
	__u32		size;
	__u32		flags;
	__s32		fd;
	__u32		operation;
	__aligned_u64	timeout_ns;
	__aligned_u64	__reserved;
};

#define KWISH_FLOCK_TIMEOUT_SIZE_VER0	32

#define KWISH_FLOCK_TIMEOUT	_IO(KWISH_TYPE, KWISH_CMD_FLOCK_TIMEOUT)

/* ------------------------------------------------------------------ */
/* Item 7: link a file (an O_TMPFILE file) over an existing name.      */

/*
 * The posted proposal was linkat(..., AT_LINK_REPLACE) (Omar Sandoval,
 * 2020, not merged); its value 0x1000 has since become AT_EXECVE_CHECK, so
 * kwish defines no linkat() flag and offers the operation as a command.
 */

/*
 * struct kwish_link_replace - argument of KWISH_LINK_REPLACE
 * @size:       sizeof(struct kwish_link_replace)
 * @flags:      0 (no flags are defined; any bit is EINVAL)
 * @fd:         the file to link: typically an O_TMPFILE fd opened without
 *              O_EXCL, or any fd (O_PATH too) of a file that may be linked
 * @dirfd:      the directory that holds @name: a directory fd (O_PATH is
 *              fine) or AT_FDCWD; on the same mount as @fd
 * @name:       pointer to the NUL-terminated name: one path component
 *              (no '/', not "." or "..")
 * @__reserved: must be 0
 *
 * Makes @name in @dirfd's directory refer to @fd's inode, replacing
 * whatever @name referred to, in one step: a process that opens or stats
 * @name at any moment finds either the old file or @fd's file, never
 * ENOENT and never anything in between.  If @name does not exist this is
 * linkat(); if it exists, the old entry is replaced as rename() replaces
 * it (its inode loses this link; a directory, a mount point or a file the
 * caller may not delete is refused, see below).  If @name already refers
 * to @fd's inode, nothing changes and the call succeeds.
 *
 * Checks, for the calling task: linkat(@fd, "", @dirfd, @name,
 * AT_EMPTY_PATH)'s as in v6.10 and later on every kernel (the caller must
 * have opened @fd itself, i.e. the file's open credentials are the
 * caller's, or have CAP_DAC_READ_SEARCH in the user namespace of those
 * credentials; fs.protected_hardlinks; same mount; write and search
 * permission on the directory; LSM link hooks), plus, when @name exists,
 * rename()'s checks on the replaced entry (sticky bit, immutable,
 * LSM unlink/rename hooks, idmapped mounts).
 *
 * How: under the directory's inode lock (the lock link(), rename(),
 * unlink() and readdir() take), the inode is linked under a fresh name
 * ".kwish-link-" + 16 hex digits in the same directory and that name is
 * renamed over @name; if the rename fails, the temporary name is removed
 * before the lock is dropped.  No reader of the directory can see the
 * temporary name (readdir() waits for the lock); fsnotify watchers see
 * IN_CREATE and IN_MOVED_FROM/IN_MOVED_TO of it, and a crash of the
 * machine between the two steps can leave it on disk.
 *
 * Return: 0.  Errors, in the order checked:
 *   EINVAL        non-zero @__reserved
 *   EFAULT        @name cannot be read
 *   ENAMETOOLONG  @name is longer than NAME_MAX (255) bytes
 *   ENOENT        @name is empty
 *   EINVAL        @name contains '/' or is "." or ".."
 *   EBADF         @dirfd is neither an open fd nor AT_FDCWD; @fd is not
 *                 an open fd
 *   ENOTDIR       @dirfd is not a directory
 *   ENOENT        @fd was not opened with the caller's credentials and the
 *                 caller lacks CAP_DAC_READ_SEARCH (linkat(AT_EMPTY_PATH));
 *                 @fd's file has no link left and is not a linkable
 *                 O_TMPFILE file (O_TMPFILE|O_EXCL, or unlinked)
 *   EXDEV         @fd is on another mount than @dirfd
 *   EOVERFLOW     the file's owner is not mapped in the mount
 *   EPERM         fs.protected_hardlinks refuses the link (not the
 *                 file's owner, and it is not a regular file the caller
 *                 may read and write); @fd is a directory; the file is
 *                 immutable or append-only; the file system has no links
 *   EROFS         @dirfd's mount or file system is read-only
 *   then linkat()'s and rename()'s own: EACCES (no write or search
 *   permission on the directory), EPERM (sticky directory, LSM), EISDIR
 *   (@name is a directory), EBUSY (@name is a mount point), EMLINK,
 *   ENOSPC, EDQUOT, EIO.
 */
struct kwish_link_replace {
	__u32		size;
	__u32		flags;
	__s32		fd;
	__s32		dirfd;
	__aligned_u64	name;
	__aligned_u64	__reserved;
};

#define KWISH_LINK_REPLACE_SIZE_VER0	32

#define KWISH_LINK_REPLACE	_IO(KWISH_TYPE, KWISH_CMD_LINK_REPLACE)

/* ------------------------------------------------------------------ */
/* Item 34: create a directory, node or symlink and open it.           */

/*
 * The wish list's mkdirat_fd(), mknodat_fd() and symlinkat_fd() as one
 * command; no kernel interface has been posted to copy.
 */
#define KWISH_CREATE_OPEN_NOCLOEXEC	0x1	/* the new fd without O_CLOEXEC */

/*
 * struct kwish_create_open - argument of KWISH_CREATE_OPEN
 * @size:       sizeof(struct kwish_create_open)
 * @flags:      0, or KWISH_CREATE_OPEN_NOCLOEXEC; any other bit is EINVAL
 * @dirfd:      directory fd (O_PATH is fine) or AT_FDCWD, as for mkdirat()
 * @mode:       the file type and permission bits (S_IF* | 07777):
 *              S_IFDIR for mkdirat(), S_IFCHR, S_IFBLK, S_IFIFO or
 *              S_IFSOCK for mknodat(), S_IFLNK (permission bits 0) for
 *              symlinkat()
 * @pathname:   pointer to the NUL-terminated path of the new object,
 *              resolved as mkdirat()/mknodat()/symlinkat() resolve it
 * @target:     S_IFLNK: pointer to the NUL-terminated symlink contents
 *              (symlinkat()'s first argument); otherwise 0
 * @rdev_major: S_IFCHR, S_IFBLK: the device number, as in statx(); 0
 * @rdev_minor: for every other type
 * @__reserved: must be 0
 *
 * Creates the object exactly as mkdirat(@dirfd, @pathname, @mode),
 * mknodat(@dirfd, @pathname, @mode, makedev(@rdev_major, @rdev_minor)) or
 * symlinkat(@target, @dirfd, @pathname) would (the same path walk,
 * umask and default-ACL handling, setgid inheritance, permission, LSM,
 * device-cgroup, audit and fsnotify) and returns a new fd that refers to
 * the inode it created: O_RDONLY|O_DIRECTORY for a directory, O_PATH for
 * a device node, FIFO or socket (no driver is opened, a FIFO does not
 * block), O_PATH|O_NOFOLLOW for a symlink (the link itself: readlinkat(fd,
 * ""), fchownat(fd, "", ..., AT_EMPTY_PATH)).  The fd is taken from the
 * created dentry before the parent directory's lock is dropped, so it is
 * the created inode even if another process renames, removes or replaces
 * @pathname at once.  As for open(O_CREAT), opening the new directory
 * needs no read permission on it: the caller just created it.
 *
 * Return: the new fd (O_CLOEXEC unless KWISH_CREATE_OPEN_NOCLOEXEC).
 * Errors, in the order checked:
 *   EINVAL        non-zero @__reserved; @mode has bits outside S_IFMT|07777;
 *                 its type is none of the above (S_IFREG and 0 included:
 *                 use open(O_CREAT|O_EXCL) for regular files); a symlink
 *                 with permission bits or no @target; @target or a device
 *                 number for a type that takes none; @rdev_major above
 *                 4095 or @rdev_minor above 1048575 (MKDEV()'s limits)
 *   EFAULT        @pathname or @target cannot be read
 *   ENOENT        @target is empty (as for symlinkat())
 *   EMFILE        the caller has no free fd (nothing is created)
 *   then mkdirat()'s, mknodat()'s and symlinkat()'s own: EBADF (@dirfd is
 *   neither an open fd nor AT_FDCWD), EEXIST (the name exists), ENOENT,
 *   ENOTDIR (also @dirfd is not a directory), ELOOP, ENAMETOOLONG (path
 *   walk), EACCES,
 *   EPERM (no CAP_MKNOD for a device node; the file system does not
 *   support the type), EROFS, ENOSPC, EDQUOT, EMLINK, EIO.
 *   ENFILE, ENOMEM  the object was created but could not be opened (as
 *   for open(O_CREAT)); it stays.
 */
struct kwish_create_open {
	__u32		size;
	__u32		flags;
	__s32		dirfd;
	__u32		mode;
	__aligned_u64	pathname;
	__aligned_u64	target;
	__u32		rdev_major;
	__u32		rdev_minor;
	__aligned_u64	__reserved;
};

#define KWISH_CREATE_OPEN_SIZE_VER0	48

#define KWISH_CREATE_OPEN	_IO(KWISH_TYPE, KWISH_CMD_CREATE_OPEN)

/* ------------------------------------------------------------------ */
/* Item 19: close without blocking (asynchronous close).               */

/*
 * The wish list's "special form of close() that simply detaches a file
 * descriptor from the file descriptor table without blocking on IO in any
 * form".  No kernel interface has been posted to copy (close_range(2) has
 * no such flag; io_uring's IORING_OP_CLOSE still runs the final fput in
 * the submitting task), so the call takes a batch of fds, as received
 * with SCM_RIGHTS, and can return a completion fd.
 */
#define KWISH_CLOSE_ASYNC_WAITFD		0x1U
#define KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC	0x2U

/* The most fds one call takes (SCM_RIGHTS carries at most 253). */
#define KWISH_CLOSE_ASYNC_MAX_FDS	1024

/*
 * struct kwish_close_async - argument of KWISH_CLOSE_ASYNC
 * @size:       sizeof(struct kwish_close_async)
 * @flags:      0, or KWISH_CLOSE_ASYNC_WAITFD for a completion fd in
 *              @wait_fd (O_CLOEXEC unless KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC
 *              is given too; that flag alone is EINVAL)
 * @fds:        pointer to an array of @nr_fds __s32 file descriptors
 * @nr_fds:     1..KWISH_CLOSE_ASYNC_MAX_FDS
 * @wait_fd:    out: with KWISH_CLOSE_ASYNC_WAITFD the completion fd, else
 *              -1.  Written before any fd is closed; meaningful only when
 *              the call returns > 0.  Ignored on input.
 * @__reserved: must be 0
 *
 * Closes the fds in array order the way close(2) does, except that the
 * caller never waits for a file's release, nor for its flush unless the
 * caller holds POSIX locks on the file.  For each fd, in the calling task:
 *   - the fd is removed from the caller's fd table (as close(2): the
 *     number is free for reuse when the call returns);
 *   - if the caller holds POSIX (fcntl F_SETLK) locks on the file, what
 *     close(2) does in that order: the file's ->flush (NFS writeback,
 *     FUSE FLUSH; its error goes to the completion fd), then the removal
 *     of its dnotify registrations and of its POSIX locks (on a file
 *     system that locks remotely, NFS, CIFS, Ceph, 9p, the file system's
 *     unlock request), so no lock outlives the call;
 *   - otherwise only the removal of its dnotify registrations;
 * then, in a kernel worker running with the caller's credentials, the
 * file's ->flush if it has not run yet and the release of the caller's
 * reference: when it was the last one, the file's final release
 * (->release, e.g. a TCP close that lingers) runs there too.
 *
 * Memory is bounded: each fd being released holds a small kernel record
 * (charged to the caller's memory cgroup) and its file.  At most
 * kwish_fs.close_async_max_per_user (default 1024) files per user (uid in
 * the initial user namespace; all uids of a user namespace that a user
 * other than root created count as that user) and
 * kwish_fs.close_async_max_total (default 65536) altogether may be in
 * flight; past that an fd is not closed and the call stops with EAGAIN.
 * At most kwish_fs.close_async_max_running_per_user (default 16) releases
 * of one user run at once; the user's others wait for them, so one user's
 * releases that block do not hold up other users'.
 *
 * The completion fd becomes readable (poll/epoll/select: POLLIN) when
 * every file this call closed has been flushed and released; read(2) of
 * at least 8 bytes then returns a struct kwish_close_async_result (and
 * keeps returning it).  Before that, read blocks (EAGAIN with O_NONBLOCK).
 *
 * Return: the number of fds closed, 1..@nr_fds.  The fds are processed in
 * order and the call stops at the first one it cannot close: if that is
 * the first fd the call fails with its errno and nothing was closed (no
 * completion fd either), else it returns how many were closed and
 * fds[return value] is the one that was not (call again from there to see
 * why).  Errors, in the order checked:
 *   EINVAL   non-zero @__reserved; @nr_fds 0 or above
 *            KWISH_CLOSE_ASYNC_MAX_FDS; KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC
 *            without KWISH_CLOSE_ASYNC_WAITFD
 *   EFAULT   @fds cannot be read, @wait_fd cannot be written
 *   ENOMEM   no memory
 *   EMFILE, ENFILE  no fd or file for the completion fd
 *   and for the first fd:
 *   EBADF    not an open fd (also a second copy of an fd in @fds)
 *   EAGAIN   the in-flight limit is reached: the fd stays open
 *   ENOMEM   no memory for its record: the fd stays open
 */
struct kwish_close_async {
	__u32		size;
	__u32		flags;
	__aligned_u64	fds;
	__u32		nr_fds;
	__s32		wait_fd;
	__aligned_u64	__reserved;
};

#define KWISH_CLOSE_ASYNC_SIZE_VER0	32

/*
 * struct kwish_close_async_result - what read(2) of a completion fd gives
 * @nr_files: how many files the call closed (its return value)
 * @error:    0, or the first error a file's ->flush returned (what
 *            close(2) would have returned, as a negative errno: -EIO,
 *            -EDQUOT, -ENOSPC, ... from NFS writeback)
 */
struct kwish_close_async_result {
	__u32	nr_files;
	__s32	error;
};

#define KWISH_CLOSE_ASYNC	_IO(KWISH_TYPE, KWISH_CMD_CLOSE_ASYNC)

/* ------------------------------------------------------------------ */
/* Item 4: notification when the last BSD (flock) lock is released.    */

/*
 * The wish list asks for "an inotify event or similar" when the last
 * flock() lock of an inode goes away (udev re-probes a block device when
 * the tool that held LOCK_EX on it lets go, see systemd.io's
 * BLOCK_DEVICE_LOCKING).  No kernel interface has been posted; kwish
 * returns a pollable watch fd rather than extending inotify, which has no
 * room for it (its event mask is full of file-content events, and its
 * watches need only search permission on the path, not an open fd).
 */

/* Flags of KWISH_FLOCK_WATCH */
#define KWISH_FLOCK_WATCH_NONBLOCK	0x1	/* O_NONBLOCK on the watch fd */
#define KWISH_FLOCK_WATCH_NO_CLOEXEC	0x2	/* no O_CLOEXEC on the watch fd */

/*
 * struct kwish_flock_watch - argument of KWISH_FLOCK_WATCH
 * @size:       sizeof(struct kwish_flock_watch)
 * @flags:      KWISH_FLOCK_WATCH_NONBLOCK, KWISH_FLOCK_WATCH_NO_CLOEXEC;
 *              any other bit is EINVAL
 * @fd:         an fd of the inode to watch, as flock(2) needs it: not
 *              O_PATH, opened for reading or for writing.  Locks are per
 *              inode: two device nodes of one block device are two inodes
 *              (as for flock(2) itself).
 * @__reserved: must be 0
 *
 * Returns a new fd, the watch (O_RDONLY, O_CLOEXEC unless
 * KWISH_FLOCK_WATCH_NO_CLOEXEC), that becomes readable (poll, select,
 * epoll: EPOLLIN | EPOLLRDNORM) when the last flock() lock of @fd's inode
 * is released: by flock(LOCK_UN), by the close() of the last fd of the
 * open file description that held it, by the exit of the last process
 * holding such an fd, or by a failed lock conversion (flock(2) releases
 * the old lock first).  "Last" means the inode had at least one flock()
 * lock (LOCK_SH or LOCK_EX, any holder) and now has none: of several
 * LOCK_SH holders only the release by the last one counts.  POSIX
 * (fcntl) and OFD locks and leases are not flock() locks and do not count.
 *
 * No release is lost: the watch is armed before the call returns, and
 * every release after that is counted, even one that is followed at once
 * by a new lock.  If no flock() lock is held when the watch is armed, the
 * watch is readable at once (KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM), so that
 * "wait until the device is not locked" never waits for a release that
 * happened just before the watch existed.
 *
 * Edge-triggered with a counter, like eventfd: read() returns one
 * struct kwish_flock_event with the number of releases since the watch
 * was armed or last read, and resets it; it blocks while nothing is
 * pending (EAGAIN with O_NONBLOCK).  A watch lives until its fd is
 * closed and keeps the watched file's mount busy as an open fd would
 * (umount without MNT_DETACH fails with EBUSY), but it does not keep the
 * file or device open.
 *
 * Permission: a caller must hold an fd of the inode opened for reading or
 * writing, exactly what trying flock(2) on it needs, and the LSM hook
 * flock(2) calls (security_file_lock(), as for LOCK_SH) must allow it.
 * An O_PATH fd, which needs no permission on the file, is refused.
 *
 * Return: the watch fd.  Errors, in the order checked:
 *   EINVAL       non-zero @__reserved
 *   EBADF        @fd is not an open fd, is an O_PATH fd, or is open
 *                neither for reading nor for writing (as flock(2))
 *   EACCES, EPERM  refused by an LSM (security_file_lock())
 *   EOPNOTSUPP   the file system locks through its own ->flock method
 *                (NFS, CIFS, FUSE, 9p, Ceph, GFS2, OCFS2, AFS): locks of
 *                other clients are invisible to this machine
 *   ENOMEM       no memory for the watch
 *   EMFILE, ENFILE  no fd for the watch
 *
 * read() on the watch fd: a buffer of at least
 * KWISH_FLOCK_EVENT_SIZE_VER0 bytes gets one record of
 * min(count, sizeof(struct kwish_flock_event)) bytes (the record's @size
 * says how long the kernel's record is; later versions only append).
 *   EINVAL       the buffer is smaller than KWISH_FLOCK_EVENT_SIZE_VER0
 *   EAGAIN       nothing pending and the fd is O_NONBLOCK
 *   EINTR        a signal handler ran while waiting (restarted under
 *                SA_RESTART)
 *   EFAULT       the buffer cannot be written (the event stays pending)
 * write() is EBADF (the watch fd is read-only); it has no other
 * operations.
 */
struct kwish_flock_watch {
	__u32		size;
	__u32		flags;
	__s32		fd;
	__u32		__reserved;
};

#define KWISH_FLOCK_WATCH_SIZE_VER0	16

#define KWISH_FLOCK_WATCH	_IO(KWISH_TYPE, KWISH_CMD_FLOCK_WATCH)

/* struct kwish_flock_event flags */
/* No flock() lock was held when the watch was armed (first read only). */
#define KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM	0x1
/* When the record was read, a flock() lock was held again. */
#define KWISH_FLOCK_EVENT_LOCKED		0x2

/*
 * struct kwish_flock_event - what read() on a KWISH_FLOCK_WATCH fd returns
 * @size:     sizeof(struct kwish_flock_event) of the kernel
 * @flags:    KWISH_FLOCK_EVENT_*
 * @releases: how often the last flock() lock of the inode was released
 *            since the watch was armed or last read (0 only in a record
 *            that reports KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM alone)
 */
struct kwish_flock_event {
	__u32		size;
	__u32		flags;
	__aligned_u64	releases;
};

#define KWISH_FLOCK_EVENT_SIZE_VER0	16

/* ------------------------------------------------------------------ */
/* KWISH_UPGRADE_MASK (item 24): an O_PATH fd with an upgrade mask.     */

/*
 * The upgrade mask bits of the openat2() upgrade-mask series (Aleksa
 * Sarai, 2019, not merged): struct open_how's upgrade_mask, a set bit
 * blocks re-opening with that access.  Bit 0 was reserved there for a
 * future UPGRADE_NOEXEC and is EINVAL here too.
 */
#ifndef UPGRADE_NOREAD
#define UPGRADE_NOREAD			0x02	/* block re-opening for reading */
#define UPGRADE_NOWRITE			0x04	/* block re-opening for writing */
#endif

#define KWISH_UPGRADE_MASK_NOCLOEXEC	0x1	/* the new fd without O_CLOEXEC */

/*
 * struct kwish_upgrade_mask - argument of KWISH_UPGRADE_MASK
 * @size:         sizeof(struct kwish_upgrade_mask)
 * @flags:        0, or KWISH_UPGRADE_MASK_NOCLOEXEC; any other bit is EINVAL
 * @fd:           the fd to restrict: any open fd of a file, directory,
 *                device node, FIFO, socket or symlink that has a path in
 *                the caller's mount namespace (O_PATH is fine)
 * @upgrade_mask: UPGRADE_NOREAD and/or UPGRADE_NOWRITE, at least one
 * @__reserved:   must be 0
 *
 * Returns a new O_PATH fd to the same file as @fd that can never be
 * re-opened with an access mode the mask blocks: not through
 * /proc/<pid>/fd/<n> or any other magic link to it (/proc/<pid>/cwd after
 * fchdir(), ...), not with openat(fd, ".") for a directory, not through
 * execveat(fd, "", AT_EMPTY_PATH) (an exec opens the program for reading).
 * Such an open fails with EACCES; UPGRADE_NOWRITE also refuses O_TRUNC and
 * truncate() of the magic link.  Everything re-opened from the fd (fds,
 * O_PATH fds, a working directory) carries the same mask, also after the
 * fd itself is closed.  Restricting a restricted fd adds to its mask; a
 * mask never shrinks.  @fd itself is not changed.  The mask restricts
 * re-opening only: the permission checks of the open itself (DAC, LSM,
 * read-only mounts) still apply, so the mask never grants anything.  See
 * kwish(7) for what is and is not enforced.
 *
 * Return: the new fd (O_CLOEXEC unless KWISH_UPGRADE_MASK_NOCLOEXEC).
 * Errors, in the order checked:
 *   EINVAL   non-zero @__reserved; @upgrade_mask is 0 or has a bit other
 *            than UPGRADE_NOREAD|UPGRADE_NOWRITE
 *   EBADF    @fd is not an open fd
 *   EINVAL   @fd's mount is not in the caller's mount namespace (a pipe,
 *            socket or anonymous-inode fd; an fd from another mount
 *            namespace), the mount is unbindable, or (a directory) it has
 *            child mounts the caller may not uncover (MNT_LOCKED)
 *   EPERM    @fd is a directory and the caller lacks CAP_SYS_ADMIN in
 *            the user namespace that owns its mount namespace (restricting
 *            a directory clones its mount, as open_tree(OPEN_TREE_CLONE))
 *   EMFILE, ENFILE, ENOMEM
 */
struct kwish_upgrade_mask {
	__u32		size;
	__u32		flags;
	__s32		fd;
	__u32		upgrade_mask;
	__aligned_u64	__reserved;
};

#define KWISH_UPGRADE_MASK_SIZE_VER0	24

#define KWISH_UPGRADE_MASK	_IO(KWISH_TYPE, KWISH_CMD_UPGRADE_MASK)

/*
 * Item 24's first names, those of kwish 0.1.0 (KWISH_FD_RESTRICT, struct
 * kwish_fd_restrict, libkwish's kwish_fd_restrict()), for programs written
 * against them: the same request, struct and call.
 */
#define KWISH_CMD_FD_RESTRICT		KWISH_CMD_UPGRADE_MASK
#define KWISH_FD_RESTRICT		KWISH_UPGRADE_MASK
#define KWISH_FD_RESTRICT_NOCLOEXEC	KWISH_UPGRADE_MASK_NOCLOEXEC
#define KWISH_FD_RESTRICT_SIZE_VER0	KWISH_UPGRADE_MASK_SIZE_VER0
#define kwish_fd_restrict		kwish_upgrade_mask
#define kwish_fd_restrict_kfd		kwish_upgrade_mask_kfd

/* ------------------------------------------------------------------ */
/* kwish_net: socket options (items 5, 6, 13, 14, 20).                 */

/*
 * SO_PASSPIDFD, SO_PEERPIDFD, SCM_PIDFD (item 6) and SO_PASSRIGHTS
 * (item 13): upstream's, in <linux/kwish_upstream.h>.
 */

/*
 * Item 5: the sender's cgroup v2 id.  Upstream has no such message (the
 * posted SO_PEERCGROUPID of 2025 did not land; PIDFD_INFO_CGROUPID, v6.13,
 * answers for a pidfd at query time, not for a message at send time), so
 * these are kwish's own options.  Their values lie in a block no upstream
 * SOL_SOCKET option can reach: upstream numbers options sequentially from
 * 1 (below 100 on asm-generic; 0x4000 + n on parisc, 0x1000 + n on
 * alpha/mips/sparc for a few), kwish uses 0x4b57xxxx ("KW").  As upstream
 * does, the control message type equals the option that enables it.
 *
 *   SO_KWISH_PASSCGROUPID  int: every recvmsg() gets SCM_KWISH_CGROUPID
 *   SCM_KWISH_CGROUPID     cmsg, SOL_SOCKET: __u64 cgroup id of the
 *                          sender's cgroup v2 when it sent the message
 *   SO_KWISH_PEERCGROUPID  getsockopt, __u64: the cgroup id of the peer
 *                          process (SO_PEERCRED's) now; see kwish(7)
 */
#define SO_KWISH_PASSCGROUPID	0x4b570001
#define SCM_KWISH_CGROUPID	SO_KWISH_PASSCGROUPID
#define SO_KWISH_PEERCGROUPID	0x4b570002

/*
 * Item 14: accept only some fds.  SO_KWISH_RIGHTS_FILTER (AF_UNIX, set and
 * get, struct kwish_rights_filter) on a receiving socket: every fd of an
 * SCM_RIGHTS message sent to it must match, else the sendmsg() fails with
 * EFTYPE and nothing is queued (an fd is never installed in the receiver).
 * Checked after SO_PASSRIGHTS (EPERM).  A file matches if its type is in
 * @types (0: any type) and its file system's magic (statfs() f_type) is
 * one of the @nr_magics @magics (0: any file system).  "Only memfds":
 * types = KWISH_RF_TYPE(S_IFREG), magics = { TMPFS_MAGIC,
 * HUGETLBFS_MAGIC }.  All zero removes the filter.  Connections inherit
 * the listener's filter at connect().  optlen must be the struct's size.
 */
#define SO_KWISH_RIGHTS_FILTER	0x4b570003

/*
 * Item 20: SO_KWISH_TIMESTAMP_CLOCK (int: CLOCK_REALTIME (default),
 * CLOCK_MONOTONIC or CLOCK_BOOTTIME; AF_UNIX dgram/seqpacket and UDP):
 * the socket's SO_TIMESTAMP* receive timestamps are on that clock, taken
 * when the message is queued to the socket.
 */
#define SO_KWISH_TIMESTAMP_CLOCK	0x4b570004

#define KWISH_RF_TYPE(s_ifmt)		(1U << (((s_ifmt) >> 12) & 0xf))
#define KWISH_RIGHTS_FILTER_MAX_MAGICS	8

struct kwish_rights_filter {
	__u32		flags;		/* none yet: 0 */
	__u32		types;		/* KWISH_RF_TYPE() bits; 0: any */
	__u32		nr_magics;	/* 0..KWISH_RIGHTS_FILTER_MAX_MAGICS */
	__u32		__reserved;	/* 0 */
	__u64		magics[KWISH_RIGHTS_FILTER_MAX_MAGICS];
};

/*
 * Item 25: statmount(2) and listmount(2)
 * ---------------------------------------
 * Upstream v6.8 system calls (x86_64 numbers 457 and 458), with upstream's
 * argument structs, repeated here under kwish names with the same layout
 * so that a program built against older headers can use them.  On a
 * kernel without them, kwish_mount answers these syscall numbers itself
 * (the calls fail with ENOSYS without kwish_mount, as on any kernel
 * without them); on a kernel that has them kwish stays out of the way.
 *
 * Mount ids are 64-bit and never reused while kwish_mount is loaded: on
 * v6.1 they are (generation << 32) | mnt_id, where mnt_id is the id of
 * /proc/self/mountinfo (also in mnt_id_old); see kwish.7.
 */
#define KWISH_NR_STATMOUNT		457
#define KWISH_NR_LISTMOUNT		458

/* struct mnt_id_req */
struct kwish_mnt_id_req {
	__u32		size;
	__u32		mnt_ns_fd;	/* must be 0 where kwish provides the
					 * calls (v6.8: spare); see kwish.7
					 */
	__u64		mnt_id;
	__u64		param;		/* statmount: mask; listmount: last id */
	__u64		mnt_ns_id;	/* 0 or the caller's (VER1, v6.11) */
};

#define KWISH_MNT_ID_REQ_SIZE_VER0	24
#define KWISH_MNT_ID_REQ_SIZE_VER1	32

/* struct statmount; strings at str + the [str] offsets */
struct kwish_statmount {
	__u32		size;		/* bytes written, including strings */
	__u32		mnt_opts;	/* [str] (v6.10; not provided by kwish) */
	__u64		mask;		/* what was written */
	__u32		sb_dev_major;
	__u32		sb_dev_minor;
	__u64		sb_magic;
	__u32		sb_flags;	/* SB_{RDONLY,SYNCHRONOUS,DIRSYNC,LAZYTIME} */
	__u32		fs_type;	/* [str] */
	__u64		mnt_id;
	__u64		mnt_parent_id;
	__u32		mnt_id_old;
	__u32		mnt_parent_id_old;
	__u64		mnt_attr;	/* MOUNT_ATTR_* */
	__u64		mnt_propagation;	/* MS_{SHARED,SLAVE,PRIVATE,UNBINDABLE} */
	__u64		mnt_peer_group;
	__u64		mnt_master;
	__u64		propagate_from;
	__u32		mnt_root;	/* [str] */
	__u32		mnt_point;	/* [str] */
	__u64		mnt_ns_id;
	__u64		__spare2[46];
	/* kwish extension (KWISH_STATMOUNT_MNT_OWNER, item 11) */
	__u64		kw_owner_userns_ino;
	__u32		kw_owner_uid;
	__u32		kw_umount_flags;	/* KWISH_UMOUNT_* */
	__u64		__spare3;
	char		str[];
};

#define KWISH_STATMOUNT_SB_BASIC	0x00000001U
#define KWISH_STATMOUNT_MNT_BASIC	0x00000002U
#define KWISH_STATMOUNT_PROPAGATE_FROM	0x00000004U
#define KWISH_STATMOUNT_MNT_ROOT	0x00000008U
#define KWISH_STATMOUNT_MNT_POINT	0x00000010U
#define KWISH_STATMOUNT_FS_TYPE		0x00000020U
#define KWISH_STATMOUNT_MNT_NS_ID	0x00000040U
/*
 * kwish's extension (item 11): the kw_owner_* and kw_umount_flags fields,
 * where kwish provides statmount (v6.1).  A kernel's own statmount
 * ignores the bit (it is not set in the returned mask): use
 * KWISH_MOUNT_OWNER then.  The top bit, far from upstream's new bits.
 */
#define KWISH_STATMOUNT_MNT_OWNER	0x8000000000000000ULL

#define KWISH_LSMT_ROOT			0xffffffffffffffffULL
#define KWISH_LISTMOUNT_REVERSE		0x00000001U

/*
 * The same calls through /dev/kwish (kernels without the syscalls only):
 * KWISH_STATMOUNT is statmount(req, buf, bufsize, call_flags),
 * KWISH_LISTMOUNT is listmount(req, buf, bufsize, call_flags) with buf a
 * __u64 array of bufsize entries.  The ioctl returns what the syscall
 * returns, with the syscall's errno values.
 */
struct kwish_mount_call {
	__u32		size;
	__u32		flags;		/* none defined */
	__aligned_u64	req;		/* const struct kwish_mnt_id_req * */
	__aligned_u64	buf;
	__aligned_u64	bufsize;
	__u32		call_flags;
	__u32		__reserved;
};

#define KWISH_MOUNT_CALL_SIZE_VER0	40

#define KWISH_STATMOUNT		_IO(KWISH_TYPE, KWISH_CMD_STATMOUNT)
#define KWISH_LISTMOUNT		_IO(KWISH_TYPE, KWISH_CMD_LISTMOUNT)

/*
 * Item 11: who owns a mount, and could I unmount it?
 * --------------------------------------------------
 * For the mount of @fd (any fd, O_PATH included), or with
 * KWISH_MOUNT_OWNER_BY_ID the mount of the caller's namespace with unique
 * id @mnt_id: the user namespace that owns the mount's mount namespace
 * and whether the caller could unmount it with umount2(2), so that a
 * shutdown can skip mounts it cannot remove.  On kernels where kwish
 * provides statmount(2) (v6.1), the same answer is the statmount
 * extension KWISH_STATMOUNT_MNT_OWNER (fields kw_owner_* below).
 */
#define KWISH_MOUNT_OWNER_BY_ID		0x00000001U	/* use mnt_id, not fd */

/*
 * umount_flags:
 *   CAN		umount2(path, 0) would not be refused for permission,
 *			namespace or lock reasons (it may still be EBUSY)
 *   CALLER_NS		the mount is in the caller's mount namespace
 *   NS_ADMIN		the caller has CAP_SYS_ADMIN over the namespace's owner
 *   OWNER_DESCENDANT	the owner is the caller's user namespace or below it
 *   LOCKED		MNT_LOCKED: locked to its parent when a less
 *			privileged namespace copied the tree
 *   NS_ROOT		the root mount of its namespace
 *   DETACHED		in no mount namespace or an anonymous one (an
 *			open_tree() clone; a pipe, socket, memfd, pidfd,
 *			nsfs or anonymous-inode fd, whose mount is the
 *			kernel's own; a KWISH_UPGRADE_MASK fd): nothing to
 *			unmount, mnt_ns_id and userns_ino are 0
 */
#define KWISH_UMOUNT_CAN		0x00000001U
#define KWISH_UMOUNT_CALLER_NS		0x00000002U
#define KWISH_UMOUNT_NS_ADMIN		0x00000004U
#define KWISH_UMOUNT_OWNER_DESCENDANT	0x00000008U
#define KWISH_UMOUNT_LOCKED		0x00000010U
#define KWISH_UMOUNT_NS_ROOT		0x00000020U
#define KWISH_UMOUNT_DETACHED		0x00000040U

struct kwish_mount_owner {
	__u32		size;
	__u32		flags;		/* KWISH_MOUNT_OWNER_BY_ID */
	__s32		fd;
	__u32		umount_flags;	/* out: KWISH_UMOUNT_* */
	__aligned_u64	mnt_id;		/* in with BY_ID; out: unique id */
	__aligned_u64	mnt_ns_id;	/* out: its namespace (0: none) */
	__aligned_u64	userns_ino;	/* out: /proc/PID/ns/user inode of the owner (0: none) */
	/* out: the owner's creator as the caller sees it (or overflowuid) */
	__u32		owner_uid;
	__u32		__reserved;
};

#define KWISH_MOUNT_OWNER_SIZE_VER0	48

#define KWISH_MOUNT_OWNER	_IO(KWISH_TYPE, KWISH_CMD_MOUNT_OWNER)

/*
 * Item 17: mount notifications
 * ----------------------------
 * Upstream v6.15 reports mounts attached to and detached from a mount
 * namespace through fanotify: fanotify_init(FAN_REPORT_MNT), then
 * fanotify_mark(FAN_MARK_ADD | FAN_MARK_MNTNS, FAN_MNT_ATTACH |
 * FAN_MNT_DETACH, nsfd, NULL).  v6.1 and v6.12 have no fsnotify object
 * for a namespace, so kwish cannot add that mark type (docs/kwish.7.md
 * says why); it gives the same events, in fanotify's own format, on an fd
 * of its own:
 *
 *	fd = ioctl(kwish, KWISH_MOUNT_WATCH, &(struct kwish_mount_watch){
 *		.size = sizeof(w), .mntns_fd = open("/proc/self/ns/mnt"),
 *		.mask = FAN_MNT_ATTACH | FAN_MNT_DETACH });
 *
 * read(fd) returns whole events, each a struct fanotify_event_metadata
 * (vers FANOTIFY_METADATA_VERSION, fd FAN_NOFD, pid the process that
 * made the change, 0 if the watcher's pid namespace cannot see it)
 * followed by one struct fanotify_event_info_mnt (FAN_EVENT_INFO_TYPE_MNT)
 * with the mount's unique id, the id statmount(2) takes.  So code that
 * parses a v6.15 fanotify mount watch parses this one.
 *
 *   FAN_MNT_ATTACH		the mount entered the namespace (mount,
 *				bind, propagation from a peer, move in from
 *				another namespace)
 *   FAN_MNT_DETACH		the mount left it (umount, also lazy,
 *				propagated or by expiry)
 *   both bits			the mount moved inside the namespace
 *				(MS_MOVE, move_mount(), pivot_root())
 *   FAN_Q_OVERFLOW		alone, with no info record: the queue was
 *				full and later events were dropped; re-read
 *				the table (listmount) and go on reading
 *
 * @mask selects the bits reported.  No event is lost between the ioctl
 * and the first change: the watch is armed before it returns, every
 * change after that is queued, and a change under way while it was armed
 * is either in the table the watcher then reads or in the queue.
 *
 * Permission: as fanotify_mark(FAN_MARK_MNTNS) in v6.16, CAP_SYS_ADMIN in
 * the caller's user namespace and over the user namespace that owns the
 * mount namespace (EPERM), and the LSM check fanotify_mark() makes.
 * Limits, as fanotify's for a caller without CAP_SYS_ADMIN in the initial
 * user namespace: @queue_len above KWISH_MOUNT_WATCH_QUEUE_DEFAULT (as
 * FAN_UNLIMITED_QUEUE) needs CAP_SYS_ADMIN there (EPERM), and one user
 * (a user namespace counts as its creator) has at most 128 watches open
 * (EMFILE; kwish_mount's mount_watch_max_per_user, as
 * fs.fanotify.max_user_groups).
 * Errors: EBADF (@mntns_fd is not open, or is an O_PATH fd), EINVAL (not
 * a mount namespace fd (a file, directory, pipe, socket, another
 * namespace type, ...), an empty
 * or unknown @mask, unknown @flags, @queue_len too large, a reserved
 * field set), EBUSY (the first watch could not install kwish's hooks);
 * read(): EINVAL when the buffer cannot hold one event,
 * EAGAIN with KWISH_MOUNT_WATCH_NONBLOCK and nothing queued.
 */
/* FAN_MNT_* and struct fanotify_event_info_mnt: <linux/kwish_upstream.h> */

#define KWISH_MOUNT_WATCH_NONBLOCK	0x1	/* O_NONBLOCK on the watch fd */
#define KWISH_MOUNT_WATCH_NO_CLOEXEC	0x2	/* no O_CLOEXEC on it */

/* Queue length of @queue_len 0: fanotify's default max_queued_events. */
#define KWISH_MOUNT_WATCH_QUEUE_DEFAULT	16384
#define KWISH_MOUNT_WATCH_QUEUE_MAX	0x100000	/* 2^20 */

struct kwish_mount_watch {
	__u32		size;
	__u32		flags;		/* KWISH_MOUNT_WATCH_* */
	__s32		mntns_fd;	/* an fd of /proc/PID/ns/mnt */
	__u32		queue_len;	/* events queued before overflow */
	__aligned_u64	mask;		/* FAN_MNT_ATTACH | FAN_MNT_DETACH */
};

#define KWISH_MOUNT_WATCH_SIZE_VER0	24

#define KWISH_MOUNT_WATCH	_IO(KWISH_TYPE, KWISH_CMD_MOUNT_WATCH)

#endif /* _UAPI_LINUX_KWISH_H */
