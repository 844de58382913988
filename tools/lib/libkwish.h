/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkwish: a small C library over the kwish interfaces.
 *
 * Every call uses the running kernel's own interface where the kernel has
 * the feature natively and /dev/kwish otherwise, and records which one it
 * used; kwish_last_iface() returns that for the calling thread.
 *
 * Every call returns -1 and sets errno on failure; errno values are those
 * of the kernel interface that was used (see <linux/kwish.h> for the
 * /dev/kwish contract), plus:
 *   ENOENT, ENXIO, ENODEV from kwish_open(): /dev/kwish does not exist or
 *   has no driver behind it, i.e. kwish_core is not loaded
 *   (kwish_core_missing() tells these apart from other errors).
 *
 * Link with -lkwish (pkg-config kwish).  Include as <kwish/libkwish.h>
 * once installed.
 */
#ifndef _KWISH_LIBKWISH_H
#define _KWISH_LIBKWISH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/kwish.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KWISH_DEV_PATH		"/dev/" KWISH_DEVICE_NAME

/* Which interface served the last libkwish call of this thread. */
enum kwish_iface {
	KWISH_IFACE_NONE = 0,	/* none: the call failed before any */
	KWISH_IFACE_NATIVE,	/* the running kernel's own system call */
	KWISH_IFACE_DEV,	/* /dev/kwish */
};

enum kwish_iface kwish_last_iface(void);
/* "none", "native" or "/dev/kwish". */
const char *kwish_iface_name(enum kwish_iface iface);

/* Open /dev/kwish read-write with O_CLOEXEC.  Returns the fd or -1. */
int kwish_open(void);

/* True if @err from kwish_open() means that kwish_core is not loaded. */
bool kwish_core_missing(int err);

/*
 * KWISH_STATUS.  @kfd is an fd from kwish_open(), or -1 to open and close
 * /dev/kwish inside the call.  @features has room for *@nr entries (may
 * be NULL if *@nr is 0); entry i describes item i + 1.  On success *@nr
 * is the number of items kwish knows (KWISH_ITEM_MAX for this header),
 * which may be more than the entries written, and *@abi_version (if not
 * NULL) the ABI version of the loaded kwish_core.  Returns 0 or -1.
 */
int kwish_status(int kfd, struct kwish_feature *features, unsigned int *nr,
		 unsigned int *abi_version);

/*
 * Item 8, O_REGULAR: openat2(@dirfd, @path, {@flags, @mode, @resolve})
 * that fails with EFTYPE, without opening anything, if the file is not a
 * regular file.  Uses openat2() with OPENAT2_REGULAR if the running kernel
 * accepts it, KWISH_OPEN_REGULAR on /dev/kwish otherwise.  @flags are O_*
 * flags (O_CLOEXEC is not implied), @mode and @resolve as for openat2().
 * Returns the new fd or -1; EOPNOTSUPP if neither interface provides
 * O_REGULAR right now (kwish_fs not loaded), the kwish_open() errno if
 * /dev/kwish cannot be opened.
 */
int kwish_open_regular(int dirfd, const char *path, uint64_t flags,
		       uint64_t mode, uint64_t resolve);
/* The same with an fd from kwish_open() (-1: open one for this call). */
int kwish_open_regular_kfd(int kfd, int dirfd, const char *path,
			   uint64_t flags, uint64_t mode, uint64_t resolve);
/* True if the running kernel's openat2() implements OPENAT2_REGULAR. */
bool kwish_o_regular_native(void);

/*
 * Item 10, unlink only if the name is this inode: remove @name (one path
 * component) from the directory @dirfd (or AT_FDCWD) as
 * unlinkat(@dirfd, @name, @flags) would, but only if the entry refers to
 * the inode @inode_fd refers to (any fd, O_PATH included), atomically
 * with respect to renames, links and unlinks in that directory.  @flags:
 * 0, or KWISH_UNLINK_REMOVEDIR (== AT_REMOVEDIR) for an empty directory.
 * Returns 0 or -1: ESTALE if @name refers to another inode (nothing was
 * removed), EXDEV if @inode_fd is on another file system, EINVAL for a
 * name with '/' or "." or "..", the other errors of KWISH_UNLINK_INODE
 * (<linux/kwish.h>) and unlinkat(); EOPNOTSUPP if kwish_fs is not loaded,
 * the kwish_open() errno if /dev/kwish cannot be opened.  No kernel has
 * this natively: it always uses /dev/kwish.
 */
int kwish_unlink_inode(int dirfd, const char *name, int inode_fd,
		       unsigned int flags);
/* The same with an fd from kwish_open() (-1: open one for this call). */
int kwish_unlink_inode_kfd(int kfd, int dirfd, const char *name, int inode_fd,
			   unsigned int flags);

/*
 * Item 22, flock() with a timeout: flock(@fd, @operation) (LOCK_SH or
 * LOCK_EX) that waits at most @timeout_ns nanoseconds for the lock.
 * @timeout_ns 0 tries once and UINT64_MAX (any value >= INT64_MAX) waits
 * without limit: both are what flock(2) itself does (with and without
 * LOCK_NB), so for them the call uses flock(2) (kwish_last_iface() says
 * "native") and works without kwish and on every file system; other
 * timeouts use KWISH_FLOCK_TIMEOUT on /dev/kwish.  Returns 0 (the lock is
 * held) or -1: EWOULDBLOCK (timeout 0, the lock is busy), ETIMEDOUT (no
 * lock, nothing left queued), EINTR (a signal handler ran), EINVAL (an
 * operation other than LOCK_SH or LOCK_EX), EBADF, the other errors of
 * KWISH_FLOCK_TIMEOUT (<linux/kwish.h>): EOPNOTSUPP if kwish_fs is not
 * loaded or the file system has its own flock method (NFS, FUSE, ...),
 * the kwish_open() errno if /dev/kwish cannot be opened.
 */
int kwish_flock_timeout(int fd, int operation, uint64_t timeout_ns);
/* The same with an fd from kwish_open() (-1: open one for this call). */
int kwish_flock_timeout_kfd(int kfd, int fd, int operation,
			    uint64_t timeout_ns);

/*
 * Item 7, link-replace: make @name (one path component) in the directory
 * @dirfd (or AT_FDCWD) refer to the file @fd refers to (typically an
 * O_TMPFILE fd opened without O_EXCL), replacing an existing @name in one
 * step: a reader of @name sees the old or the new file, never ENOENT.
 * @flags: 0.  Returns 0 or -1: the errors of KWISH_LINK_REPLACE
 * (<linux/kwish.h>), which are linkat()'s and rename()'s (EXDEV for
 * another mount, EPERM for fs.protected_hardlinks, EISDIR, EBUSY, ...);
 * EOPNOTSUPP if kwish_fs is not loaded, the kwish_open() errno if
 * /dev/kwish cannot be opened.  No kernel has this natively.
 */
int kwish_link_replace(int fd, int dirfd, const char *name,
		       unsigned int flags);
/* The same with an fd from kwish_open() (-1: open one for this call). */
int kwish_link_replace_kfd(int kfd, int fd, int dirfd, const char *name,
			   unsigned int flags);

/*
 * Item 34, create-and-open: create @path (relative to @dirfd, or
 * AT_FDCWD) as mkdirat(), mknodat() or symlinkat() would, by the type in
 * @mode (S_IFDIR, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK or S_IFLNK, with the
 * permission bits; @target is the symlink's contents, @dev the device
 * number (makedev()) for S_IFCHR and S_IFBLK, else 0), and return an fd to
 * the inode that was created: O_RDONLY|O_DIRECTORY for a directory,
 * O_PATH for the others (O_PATH|O_NOFOLLOW for a symlink).  @flags: 0
 * (the fd is O_CLOEXEC) or KWISH_CREATE_OPEN_NOCLOEXEC.  Returns the fd or
 * -1: the errors of KWISH_CREATE_OPEN (<linux/kwish.h>), which are the
 * three syscalls' (EEXIST, EACCES, EPERM, ...); EOPNOTSUPP if kwish_fs is
 * not loaded.
 */
int kwish_create_open(int dirfd, const char *path, mode_t mode,
		      const char *target, dev_t dev, unsigned int flags);
/* The same with an fd from kwish_open() (-1: open one for this call). */
int kwish_create_open_kfd(int kfd, int dirfd, const char *path, mode_t mode,
			  const char *target, dev_t dev, unsigned int flags);

/*
 * Item 19, close without blocking: close the @nr fds @fds (1 to
 * KWISH_CLOSE_ASYNC_MAX_FDS) as close(2) would, but return at once: the
 * fds are gone from the table and the caller's POSIX locks on their files
 * are removed when the call returns; each file's flush and release (NFS
 * writeback, a lingering TCP close, ...) run in the kernel afterwards.
 * With @wait_fd not NULL, *@wait_fd receives a completion fd (O_CLOEXEC)
 * that polls readable when all those releases are done and reads as a
 * struct kwish_close_async_result; close it when done.
 * Returns the number of fds closed, in order: fewer than @nr when
 * fds[return value] could not be closed (it stays open; call again from
 * there for its errno).  -1 when the first fd could not be closed
 * (nothing closed): EBADF (not open), EAGAIN (too many files of this
 * user in flight), ENOMEM; EINVAL for @nr out of range, EMFILE/ENFILE (no
 * fd for the completion fd), EOPNOTSUPP if kwish_fs is not loaded, the
 * kwish_open() errno if /dev/kwish cannot be opened.  No kernel has this
 * natively: it always uses /dev/kwish.
 */
int kwish_close_async(const int *fds, unsigned int nr, int *wait_fd);
/* The same with an fd from kwish_open() (-1: open one for this call). */
int kwish_close_async_kfd(int kfd, const int *fds, unsigned int nr,
			  int *wait_fd);

/*
 * Item 4, notification when the last flock() lock of an inode is
 * released: a watch fd for the inode of @fd (an fd opened for reading or
 * writing, as flock(2) needs).  @flags: KWISH_FLOCK_WATCH_NONBLOCK,
 * KWISH_FLOCK_WATCH_NO_CLOEXEC (O_CLOEXEC is the default).  The watch is
 * readable (poll) when the last lock was released since the previous
 * read, or at once if nothing was locked when it was armed; read it with
 * kwish_flock_watch_read().  Returns the watch fd or -1: EBADF, EINVAL,
 * the other errors of KWISH_FLOCK_WATCH (<linux/kwish.h>): EOPNOTSUPP if
 * kwish_fs is not loaded or the file system has its own flock method, the
 * kwish_open() errno if /dev/kwish cannot be opened.  No kernel has this
 * natively: it always uses /dev/kwish.
 */
int kwish_flock_watch(int fd, unsigned int flags);
/* The same with an fd from kwish_open() (-1: open one for this call). */
int kwish_flock_watch_kfd(int kfd, int fd, unsigned int flags);
/*
 * read() one struct kwish_flock_event from a watch fd (blocks unless the
 * watch is non-blocking).  Returns 0 or -1 (EAGAIN, EINTR, ...).
 */
int kwish_flock_watch_read(int wfd, struct kwish_flock_event *ev);

/*
 * Item 24, upgrade masks: a new O_PATH fd to @fd's file that can never be
 * re-opened (through /proc/self/fd/N or any other magic link, openat(fd,
 * "."), execveat()) with an access @upgrade_mask blocks: UPGRADE_NOREAD,
 * UPGRADE_NOWRITE.  @flags: 0 (the fd is O_CLOEXEC) or
 * KWISH_UPGRADE_MASK_NOCLOEXEC.  Returns the fd or -1: the errors of
 * KWISH_UPGRADE_MASK (<linux/kwish.h>); EOPNOTSUPP if kwish_fs is not
 * loaded.
 */
int kwish_upgrade_mask(int fd, unsigned int upgrade_mask, unsigned int flags);
/* The same with an fd from kwish_open() (-1: open one for this call). */
int kwish_upgrade_mask_kfd(int kfd, int fd, unsigned int upgrade_mask,
			  unsigned int flags);

/*
 * Item 25, statmount(2) / listmount(2) (upstream v6.8).  The system call
 * (the kernel's own, or the one kwish_mount provides on v6.1), else
 * /dev/kwish.  kwish_statmount(): @mnt_id a unique mount id, @mask
 * KWISH_STATMOUNT_*, @buf of @bufsize bytes (strings after the struct);
 * returns 0 or -1.  kwish_listmount(): the ids of the mounts below
 * @mnt_id (KWISH_LSMT_ROOT: below the caller's root) after @last_mnt_id
 * (0: from the start), at most @nr into @ids; returns how many or -1.
 * Errors: those of the system calls (ENOSYS: neither the kernel nor
 * kwish_mount provides them).
 */
int kwish_statmount(uint64_t mnt_id, uint64_t mask, struct kwish_statmount *buf,
		    size_t bufsize, unsigned int flags);
ssize_t kwish_listmount(uint64_t mnt_id, uint64_t last_mnt_id, uint64_t *ids,
			size_t nr, unsigned int flags);
/* The same with an explicit request (e.g. mnt_ns_id), via @kfd if needed. */
int kwish_statmount_req(int kfd, const struct kwish_mnt_id_req *req,
			struct kwish_statmount *buf, size_t bufsize,
			unsigned int flags);
ssize_t kwish_listmount_req(int kfd, const struct kwish_mnt_id_req *req,
			    uint64_t *ids, size_t nr, unsigned int flags);

/*
 * Item 11: the owner of the mount of @fd (any fd, O_PATH too), or with
 * @fd = -1 of the mount of the caller's namespace with unique id
 * @mnt_id, and whether the caller could unmount it: fills @out
 * (KWISH_MOUNT_OWNER; umount_flags are KWISH_UMOUNT_*).  Returns 0 or -1
 * (EBADF, ENOENT, EOPNOTSUPP if kwish_mount is not loaded).
 */
int kwish_mount_owner(int fd, uint64_t mnt_id, struct kwish_mount_owner *out);
int kwish_mount_owner_kfd(int kfd, int fd, uint64_t mnt_id,
			  struct kwish_mount_owner *out);

/*
 * Item 17: a watch of the mount namespace of @mntns_fd (an fd of
 * /proc/PID/ns/mnt) for the events of @mask (FAN_MNT_ATTACH |
 * FAN_MNT_DETACH); @flags KWISH_MOUNT_WATCH_*, @queue_len 0 for the
 * default.  Returns the watch fd, whose read() gives fanotify events, or
 * -1 (EPERM, EINVAL, EBADF, EOPNOTSUPP if kwish_mount is not loaded).
 */
int kwish_mount_watch(int mntns_fd, uint64_t mask, unsigned int flags,
		      unsigned int queue_len);
int kwish_mount_watch_kfd(int kfd, int mntns_fd, uint64_t mask,
			  unsigned int flags, unsigned int queue_len);

/* "not-implemented", "not-loaded", "present", "native", "unavailable". */
const char *kwish_state_name(unsigned int state);
/* "EFTYPE", "ENOTTY", ... ("E?" for unknown values). */
const char *kwish_errno_name(int err);
/* strerror() with the kwish meaning of the contract's errno values. */
const char *kwish_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* _KWISH_LIBKWISH_H */
