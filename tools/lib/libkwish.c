// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkwish: see libkwish.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "libkwish.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static __thread enum kwish_iface last_iface;

enum kwish_iface kwish_last_iface(void)
{
	return last_iface;
}

const char *kwish_iface_name(enum kwish_iface iface)
{
	switch (iface) {
	case KWISH_IFACE_NATIVE:
		return "native";
	case KWISH_IFACE_DEV:
		return KWISH_DEV_PATH;
	default:
		return "none";
	}
}

int kwish_open(void)
{
	return open(KWISH_DEV_PATH, O_RDWR | O_CLOEXEC);
}

bool kwish_core_missing(int err)
{
	return err == ENOENT || err == ENXIO || err == ENODEV;
}

/* Run @cmd on @kfd, or on a /dev/kwish opened for this call if @kfd < 0. */
static int kwish_ioctl(int kfd, unsigned long cmd, void *arg)
{
	int fd = kfd, ret, err;

	last_iface = KWISH_IFACE_NONE;
	if (fd < 0) {
		fd = kwish_open();
		if (fd < 0)
			return -1;
	}
	last_iface = KWISH_IFACE_DEV;
	ret = ioctl(fd, cmd, arg);
	if (fd != kfd) {
		err = errno;
		close(fd);
		errno = err;
	}
	return ret;
}

int kwish_status(int kfd, struct kwish_feature *features, unsigned int *nr,
		 unsigned int *abi_version)
{
	struct kwish_status st = {
		.size = sizeof(st),
		.nr_features = *nr,
		.feature_size = sizeof(*features),
		.features = (uintptr_t)features,
	};

	if (kwish_ioctl(kfd, KWISH_STATUS, &st) < 0)
		return -1;
	*nr = st.nr_features;
	if (abi_version)
		*abi_version = st.abi_version;
	return 0;
}

static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/* -1: not probed yet, 0: no, 1: yes.  Races only repeat the probe. */
static int o_regular_native = -1;

bool kwish_o_regular_native(void)
{
	int native = __atomic_load_n(&o_regular_native, __ATOMIC_RELAXED);
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | OPENAT2_REGULAR,
	};
	long fd;

	if (native >= 0)
		return native;
	/*
	 * "/" is a directory: a kernel that implements OPENAT2_REGULAR fails
	 * with EFTYPE, one that does not know the bit fails with EINVAL
	 * (ENOSYS or a seccomp EPERM: no openat2 at all).  One that opens
	 * "/" does not implement it either.
	 */
	fd = sys_openat2(AT_FDCWD, "/", &how);
	if (fd >= 0) {
		close(fd);
		native = 0;
	} else {
		native = errno == EFTYPE;
	}
	__atomic_store_n(&o_regular_native, native, __ATOMIC_RELAXED);
	return native;
}

int kwish_open_regular_kfd(int kfd, int dirfd, const char *path,
			   uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct kwish_open_regular arg = {
		.size = sizeof(arg),
		.dirfd = dirfd,
		.pathname = (uintptr_t)path,
		.open_flags = flags,
		.mode = mode,
		.resolve = resolve,
	};
	struct open_how how = {
		.flags = flags | OPENAT2_REGULAR,
		.mode = mode,
		.resolve = resolve,
	};
	int saved = errno;

	if (kwish_o_regular_native()) {
		last_iface = KWISH_IFACE_NATIVE;
		return sys_openat2(dirfd, path, &how);
	}
	errno = saved;
	return kwish_ioctl(kfd, KWISH_OPEN_REGULAR, &arg);
}

int kwish_open_regular(int dirfd, const char *path, uint64_t flags,
		       uint64_t mode, uint64_t resolve)
{
	return kwish_open_regular_kfd(-1, dirfd, path, flags, mode, resolve);
}

int kwish_unlink_inode_kfd(int kfd, int dirfd, const char *name, int inode_fd,
			   unsigned int flags)
{
	struct kwish_unlink_inode arg = {
		.size = sizeof(arg),
		.flags = flags,
		.dirfd = dirfd,
		.inode_fd = inode_fd,
		.name = (uintptr_t)name,
	};

	return kwish_ioctl(kfd, KWISH_UNLINK_INODE, &arg);
}

int kwish_unlink_inode(int dirfd, const char *name, int inode_fd,
		       unsigned int flags)
{
	return kwish_unlink_inode_kfd(-1, dirfd, name, inode_fd, flags);
}

int kwish_flock_timeout_kfd(int kfd, int fd, int operation,
			    uint64_t timeout_ns)
{
	struct kwish_flock_timeout arg = {
		.size = sizeof(arg),
		.fd = fd,
		.operation = (uint32_t)operation,
		.timeout_ns = timeout_ns,
	};

	if (operation != LOCK_SH && operation != LOCK_EX) {
		last_iface = KWISH_IFACE_NONE;
		errno = EINVAL;
		return -1;
	}
	/* A single try and an unlimited wait are flock(2)'s own. */
	if (timeout_ns == 0 || timeout_ns >= (uint64_t)INT64_MAX) {
		last_iface = KWISH_IFACE_NATIVE;
		return flock(fd, operation | (timeout_ns ? 0 : LOCK_NB));
	}
	return kwish_ioctl(kfd, KWISH_FLOCK_TIMEOUT, &arg);
}

int kwish_flock_timeout(int fd, int operation, uint64_t timeout_ns)
{
	return kwish_flock_timeout_kfd(-1, fd, operation, timeout_ns);
}

int kwish_link_replace_kfd(int kfd, int fd, int dirfd, const char *name,
			   unsigned int flags)
{
	struct kwish_link_replace arg = {
		.size = sizeof(arg),
		.flags = flags,
		.fd = fd,
		.dirfd = dirfd,
		.name = (uintptr_t)name,
	};

	return kwish_ioctl(kfd, KWISH_LINK_REPLACE, &arg);
}

int kwish_link_replace(int fd, int dirfd, const char *name,
		       unsigned int flags)
{
	return kwish_link_replace_kfd(-1, fd, dirfd, name, flags);
}

int kwish_create_open_kfd(int kfd, int dirfd, const char *path, mode_t mode,
			  const char *target, dev_t dev, unsigned int flags)
{
	struct kwish_create_open arg = {
		.size = sizeof(arg),
		.flags = flags,
		.dirfd = dirfd,
		.mode = mode,
		.pathname = (uintptr_t)path,
		.target = (uintptr_t)target,
		.rdev_major = major(dev),
		.rdev_minor = minor(dev),
	};

	return kwish_ioctl(kfd, KWISH_CREATE_OPEN, &arg);
}

int kwish_create_open(int dirfd, const char *path, mode_t mode,
		      const char *target, dev_t dev, unsigned int flags)
{
	return kwish_create_open_kfd(-1, dirfd, path, mode, target, dev, flags);
}

int kwish_close_async_kfd(int kfd, const int *fds, unsigned int nr,
			  int *wait_fd)
{
	struct kwish_close_async arg = {
		.size = sizeof(arg),
		.flags = wait_fd ? KWISH_CLOSE_ASYNC_WAITFD : 0,
		.fds = (uintptr_t)fds,
		.nr_fds = nr,
		.wait_fd = -1,
	};
	int ret;

	ret = kwish_ioctl(kfd, KWISH_CLOSE_ASYNC, &arg);
	if (ret > 0 && wait_fd)
		*wait_fd = arg.wait_fd;
	return ret;
}

int kwish_close_async(const int *fds, unsigned int nr, int *wait_fd)
{
	return kwish_close_async_kfd(-1, fds, nr, wait_fd);
}

int kwish_flock_watch_kfd(int kfd, int fd, unsigned int flags)
{
	struct kwish_flock_watch arg = {
		.size = sizeof(arg),
		.flags = flags,
		.fd = fd,
	};

	return kwish_ioctl(kfd, KWISH_FLOCK_WATCH, &arg);
}

int kwish_flock_watch(int fd, unsigned int flags)
{
	return kwish_flock_watch_kfd(-1, fd, flags);
}

int kwish_flock_watch_read(int wfd, struct kwish_flock_event *ev)
{
	ssize_t n;

	memset(ev, 0, sizeof(*ev));
	n = read(wfd, ev, sizeof(*ev));
	if (n < 0)
		return -1;
	if (n < KWISH_FLOCK_EVENT_SIZE_VER0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int kwish_upgrade_mask_kfd(int kfd, int fd, unsigned int upgrade_mask,
			  unsigned int flags)
{
	struct kwish_upgrade_mask arg = {
		.size = sizeof(arg),
		.flags = flags,
		.fd = fd,
		.upgrade_mask = upgrade_mask,
	};

	return kwish_ioctl(kfd, KWISH_UPGRADE_MASK, &arg);
}

int kwish_upgrade_mask(int fd, unsigned int upgrade_mask, unsigned int flags)
{
	return kwish_upgrade_mask_kfd(-1, fd, upgrade_mask, flags);
}

/*
 * Item 25: the system call first (native, or kwish_mount's on v6.1);
 * /dev/kwish only where the number is not served at all (ENOSYS), e.g.
 * where kwish_mount could not take the syscall numbers.
 */
static long kwish_mount_call(int kfd, long nr, unsigned long cmd,
			     const struct kwish_mnt_id_req *req, void *buf,
			     size_t size, unsigned int flags)
{
	struct kwish_mount_call arg = {
		.size = sizeof(arg),
		.req = (uintptr_t)req,
		.buf = (uintptr_t)buf,
		.bufsize = size,
		.call_flags = flags,
	};
	long ret;

	last_iface = KWISH_IFACE_NATIVE;
	ret = syscall(nr, req, buf, size, flags);
	if (ret >= 0 || errno != ENOSYS)
		return ret;
	ret = kwish_ioctl(kfd, cmd, &arg);
	if (ret < 0 && errno == EOPNOTSUPP)
		errno = ENOSYS;
	return ret;
}

int kwish_statmount_req(int kfd, const struct kwish_mnt_id_req *req,
			struct kwish_statmount *buf, size_t bufsize,
			unsigned int flags)
{
	return kwish_mount_call(kfd, KWISH_NR_STATMOUNT, KWISH_STATMOUNT, req,
				buf, bufsize, flags);
}

ssize_t kwish_listmount_req(int kfd, const struct kwish_mnt_id_req *req,
			    uint64_t *ids, size_t nr, unsigned int flags)
{
	return kwish_mount_call(kfd, KWISH_NR_LISTMOUNT, KWISH_LISTMOUNT, req,
				ids, nr, flags);
}

int kwish_statmount(uint64_t mnt_id, uint64_t mask, struct kwish_statmount *buf,
		    size_t bufsize, unsigned int flags)
{
	struct kwish_mnt_id_req req = {
		.size = KWISH_MNT_ID_REQ_SIZE_VER0,
		.mnt_id = mnt_id,
		.param = mask,
	};

	return kwish_statmount_req(-1, &req, buf, bufsize, flags);
}

ssize_t kwish_listmount(uint64_t mnt_id, uint64_t last_mnt_id, uint64_t *ids,
			size_t nr, unsigned int flags)
{
	struct kwish_mnt_id_req req = {
		.size = KWISH_MNT_ID_REQ_SIZE_VER0,
		.mnt_id = mnt_id,
		.param = last_mnt_id,
	};

	return kwish_listmount_req(-1, &req, ids, nr, flags);
}

int kwish_mount_owner_kfd(int kfd, int fd, uint64_t mnt_id,
			  struct kwish_mount_owner *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->fd = fd;
	if (fd < 0) {
		out->fd = -1;
		out->flags = KWISH_MOUNT_OWNER_BY_ID;
		out->mnt_id = mnt_id;
	}
	return kwish_ioctl(kfd, KWISH_MOUNT_OWNER, out);
}

int kwish_mount_owner(int fd, uint64_t mnt_id, struct kwish_mount_owner *out)
{
	return kwish_mount_owner_kfd(-1, fd, mnt_id, out);
}

int kwish_mount_watch_kfd(int kfd, int mntns_fd, uint64_t mask,
			  unsigned int flags, unsigned int queue_len)
{
	struct kwish_mount_watch w = {
		.size = sizeof(w),
		.flags = flags,
		.mntns_fd = mntns_fd,
		.queue_len = queue_len,
		.mask = mask,
	};

	return kwish_ioctl(kfd, KWISH_MOUNT_WATCH, &w);
}

int kwish_mount_watch(int mntns_fd, uint64_t mask, unsigned int flags,
		      unsigned int queue_len)
{
	return kwish_mount_watch_kfd(-1, mntns_fd, mask, flags, queue_len);
}

const char *kwish_state_name(unsigned int state)
{
	switch (state) {
	case KWISH_STATE_NOT_IMPLEMENTED:
		return "not-implemented";
	case KWISH_STATE_NOT_LOADED:
		return "not-loaded";
	case KWISH_STATE_PRESENT:
		return "present";
	case KWISH_STATE_NATIVE:
		return "native";
	case KWISH_STATE_UNAVAILABLE:
		return "unavailable";
	default:
		return "unknown";
	}
}

const char *kwish_errno_name(int err)
{
	const char *name;

	if (err == EFTYPE)
		return "EFTYPE";
	name = strerrorname_np(err);
	return name ? name : "E?";
}

const char *kwish_strerror(int err)
{
	switch (err) {
	case ENOTTY:
		return "kwish_core does not know this command (older than this program)";
	case EOPNOTSUPP:
		return "feature not available: module not loaded or unavailable (kwishctl status)";
	case E2BIG:
		return "argument has fields kwish_core does not know (older than this program)";
	case EFTYPE:
		return "not a regular file";
	case ETIMEDOUT:
		return "timed out";
	default:
		return strerror(err);
	}
}
