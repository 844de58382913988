// SPDX-License-Identifier: GPL-2.0
/*
 * core_fd_kinds: every /dev/kwish command that takes an fd, against every
 * kind of fd.
 *
 * The kinds: a closed number, -1, a regular file, a directory, O_PATH fds
 * of both, the O_PATH|O_NOFOLLOW fd of a symlink, a pipe, a socket, an
 * eventfd, a memfd, a pidfd, nsfs files (/proc/self/ns/mnt, .../net),
 * anonymous-inode fds (epoll, signalfd), a /proc file, a detached mount
 * (open_tree(OPEN_TREE_CLONE)), a directory of a mount in another mount
 * namespace and a restricted item-24 fd (KWISH_UPGRADE_MASK).  Pipes,
 * sockets, nsfs and anonymous inodes live on kern_mount() mounts, whose
 * mnt_ns is an ERR_PTR, not NULL: KWISH_MOUNT_OWNER once oopsed on them.
 *
 * One test per command (per fd argument where a command takes two).  Each
 * (command, kind) pair calls the command with otherwise valid arguments
 * and compares the outcome with the one the command's documentation
 * (uapi/linux/kwish.h, docs/kwish.7.md) gives for that kind: success (and,
 * for KWISH_MOUNT_OWNER, the documented umount_flags) or the documented
 * errno.  Every unexpected (kind, outcome) is listed as a diagnostic.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "kwtap.h"
#include "libkwish.h"


/* What a kind of fd is; the expectations are computed from these. */
#define K_BAD		0x0001	/* not an open fd (closed number, -1) */
#define K_DIR		0x0002	/* a directory */
#define K_PATH		0x0004	/* an O_PATH file (open_tree() gives one) */
#define K_OURNS		0x0008	/* has a path in the caller's mount ns */
#define K_INTERNAL	0x0010	/* on a kern_mount() mount (no namespace) */
#define K_DETACHED	0x0020	/* on an open_tree() clone (anonymous ns) */
#define K_FOREIGN	0x0040	/* on a mount of another mount namespace */
#define K_RESTRICTED	0x0080	/* a KWISH_UPGRADE_MASK fd (kwish's clone) */
#define K_SAMEMNT	0x0100	/* on the scratch directory's mount */
#define K_SAMESB	0x0200	/* on the scratch directory's file system */
#define K_FILE_F	0x0400	/* refers to the inode of <dir>/f */
#define K_MNTNS		0x0800	/* a mount namespace file */

static char dir[] = "/tmp/kwfdk.XXXXXX";
static int kfd = -1;		/* /dev/kwish */
static int dfd = -1;		/* the scratch directory */
static int foreign_master = -1;	/* a directory of another mount ns */
static int detached_master = -1;	/* the open_tree() clone of dir */
static char setup_why[256];	/* why foreign/detached are missing */

/* -------------------------------------------------------------- */
/* The kinds.  make() returns 0 and the fd (any value), or -errno. */

static int mk_closed(int *fd)
{
	int n = fcntl(0, F_DUPFD_CLOEXEC, 100);

	if (n < 0)
		return -errno;
	close(n);
	*fd = n;
	return 0;
}

static int mk_minus1(int *fd)
{
	*fd = -1;
	return 0;
}

static int mk_open(int *fd, int at, const char *path, int flags)
{
	*fd = openat(at, path, flags | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

static int mk_regular(int *fd)
{
	return mk_open(fd, dfd, "f", O_RDWR);
}

static int mk_directory(int *fd)
{
	return mk_open(fd, dfd, ".", O_RDONLY | O_DIRECTORY);
}

static int mk_opath_file(int *fd)
{
	return mk_open(fd, dfd, "f", O_PATH);
}

static int mk_opath_dir(int *fd)
{
	return mk_open(fd, dfd, ".", O_PATH);
}

static int mk_symlink(int *fd)
{
	return mk_open(fd, dfd, "l", O_PATH | O_NOFOLLOW);
}

static int mk_pipe(int *fd)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	close(p[1]);
	*fd = p[0];
	return 0;
}

static int mk_socket(int *fd)
{
	int s[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) < 0)
		return -errno;
	close(s[1]);
	*fd = s[0];
	return 0;
}

static int mk_eventfd(int *fd)
{
	*fd = eventfd(0, EFD_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

static int mk_memfd(int *fd)
{
	*fd = memfd_create("kwfdk", MFD_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

static int mk_pidfd(int *fd)
{
	*fd = syscall(SYS_pidfd_open, getpid(), 0);
	return *fd < 0 ? -errno : 0;
}

static int mk_nsfs_mnt(int *fd)
{
	return mk_open(fd, AT_FDCWD, "/proc/self/ns/mnt", O_RDONLY);
}

static int mk_nsfs_net(int *fd)
{
	return mk_open(fd, AT_FDCWD, "/proc/self/ns/net", O_RDONLY);
}

static int mk_epoll(int *fd)
{
	*fd = epoll_create1(EPOLL_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

static int mk_signalfd(int *fd)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	*fd = signalfd(-1, &set, SFD_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

static int mk_proc(int *fd)
{
	return mk_open(fd, AT_FDCWD, "/proc/self/status", O_RDONLY);
}

static int mk_detached(int *fd)
{
	if (detached_master < 0)
		return -ENODEV;
	return mk_open(fd, detached_master, ".", O_PATH);
}

static int mk_foreign(int *fd)
{
	if (foreign_master < 0)
		return -ENODEV;
	return mk_open(fd, foreign_master, ".", O_RDONLY | O_DIRECTORY);
}

static int mk_restricted(int *fd)
{
	struct kwish_upgrade_mask r = {
		.size = sizeof(r),
		.upgrade_mask = UPGRADE_NOWRITE,
	};
	int ret;

	r.fd = openat(dfd, "f", O_PATH | O_CLOEXEC);
	if (r.fd < 0)
		return -errno;
	ret = ioctl(kfd, KWISH_UPGRADE_MASK, &r);
	ret = ret < 0 ? -errno : ret;
	close(r.fd);
	if (ret < 0)
		return ret;
	*fd = ret;
	return 0;
}

struct kind {
	const char *name;
	int (*make)(int *fd);
	unsigned int props;
};

#define OURS	(K_OURNS | K_SAMEMNT | K_SAMESB)

static const struct kind kinds[] = {
	{ "closed",	mk_closed,	K_BAD },
	{ "minus1",	mk_minus1,	K_BAD },
	{ "regular",	mk_regular,	OURS | K_FILE_F },
	{ "directory",	mk_directory,	OURS | K_DIR },
	{ "opath_file",	mk_opath_file,	OURS | K_PATH | K_FILE_F },
	{ "opath_dir",	mk_opath_dir,	OURS | K_PATH | K_DIR },
	{ "symlink",	mk_symlink,	OURS | K_PATH },
	{ "pipe",	mk_pipe,	K_INTERNAL },
	{ "socket",	mk_socket,	K_INTERNAL },
	{ "eventfd",	mk_eventfd,	K_INTERNAL },
	{ "memfd",	mk_memfd,	K_INTERNAL },
	{ "pidfd",	mk_pidfd,	K_INTERNAL },
	{ "nsfs_mnt",	mk_nsfs_mnt,	K_INTERNAL | K_MNTNS },
	{ "nsfs_net",	mk_nsfs_net,	K_INTERNAL },
	{ "epoll",	mk_epoll,	K_INTERNAL },
	{ "signalfd",	mk_signalfd,	K_INTERNAL },
	{ "proc_file",	mk_proc,	K_OURNS },
	{ "detached",	mk_detached,	K_DETACHED | K_PATH | K_DIR | K_SAMESB },
	{ "foreign",	mk_foreign,	K_FOREIGN | K_DIR },
	{ "restricted",	mk_restricted,	K_RESTRICTED | K_PATH | K_SAMESB |
					K_FILE_F },
};

/* -------------------------------------------------------------- */
/* The fixture every pair starts from.                             */

/*
 * dir/f (a regular file), dir/l -> f; no dir/t, no dir/n; the foreign
 * mount's f, no n there.
 */
static int reset_fixture(void)
{
	int fd;

	unlinkat(dfd, "t", 0);
	unlinkat(dfd, "n", AT_REMOVEDIR);
	fd = openat(dfd, "f", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	if (symlinkat("f", dfd, "l") < 0 && errno != EEXIST)
		return -errno;
	if (foreign_master >= 0) {
		unlinkat(foreign_master, "n", AT_REMOVEDIR);
		fd = openat(foreign_master, "f", O_RDWR | O_CREAT | O_CLOEXEC,
			    0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	return 0;
}

/* -------------------------------------------------------------- */
/* The commands: call with @fd, return 0 or -errno; close results. */

/* A documented result was wrong: the reason is in result_why. */
#define E_RESULT	(-100000)
static char result_why[256];

static __attribute__((format(printf, 1, 2)))
int bad_result(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result_why, sizeof(result_why), fmt, ap);
	va_end(ap);
	return E_RESULT;
}

static int ret_fd(int ret)
{
	if (ret < 0)
		return -errno;
	close(ret);
	return 0;
}

static int c_open_regular(int fd, unsigned int props)
{
	struct kwish_open_regular a = {
		.size = sizeof(a),
		.dirfd = fd,
		.pathname = (uintptr_t)"f",
		.open_flags = O_RDONLY | O_CLOEXEC,
	};

	return ret_fd(ioctl(kfd, KWISH_OPEN_REGULAR, &a));
}

static int c_unlink_dirfd(int fd, unsigned int props)
{
	struct kwish_unlink_inode a = {
		.size = sizeof(a),
		.dirfd = fd,
		.name = (uintptr_t)"f",
	};
	int ret;

	/* dir/f: on the foreign mount "f" is another file (EXDEV) */
	a.inode_fd = openat(dfd, "f", O_PATH | O_CLOEXEC);
	if (a.inode_fd < 0)
		return bad_result("open f: %s", kw_errname(errno));
	ret = ioctl(kfd, KWISH_UNLINK_INODE, &a) < 0 ? -errno : 0;
	close(a.inode_fd);
	return ret;
}

static int c_unlink_inode_fd(int fd, unsigned int props)
{
	struct kwish_unlink_inode a = {
		.size = sizeof(a),
		.dirfd = dfd,
		.inode_fd = fd,
		.name = (uintptr_t)"f",
	};

	return ioctl(kfd, KWISH_UNLINK_INODE, &a) < 0 ? -errno : 0;
}

static int c_flock_timeout(int fd, unsigned int props)
{
	struct kwish_flock_timeout a = {
		.size = sizeof(a),
		.fd = fd,
		.operation = LOCK_SH,
		.timeout_ns = 0,
	};

	return ioctl(kfd, KWISH_FLOCK_TIMEOUT, &a) < 0 ? -errno : 0;
}

static int c_link_replace_fd(int fd, unsigned int props)
{
	struct kwish_link_replace a = {
		.size = sizeof(a),
		.fd = fd,
		.dirfd = dfd,
		.name = (uintptr_t)"t",
	};

	return ioctl(kfd, KWISH_LINK_REPLACE, &a) < 0 ? -errno : 0;
}

static int c_link_replace_dirfd(int fd, unsigned int props)
{
	struct kwish_link_replace a = {
		.size = sizeof(a),
		.dirfd = fd,
		.name = (uintptr_t)"t",
	};
	int ret;

	a.fd = openat(dfd, "f", O_PATH | O_CLOEXEC);
	if (a.fd < 0)
		return bad_result("open f: %s", kw_errname(errno));
	ret = ioctl(kfd, KWISH_LINK_REPLACE, &a) < 0 ? -errno : 0;
	close(a.fd);
	return ret;
}

static int c_create_open(int fd, unsigned int props)
{
	struct kwish_create_open a = {
		.size = sizeof(a),
		.dirfd = fd,
		.mode = S_IFDIR | 0700,
		.pathname = (uintptr_t)"n",
	};

	return ret_fd(ioctl(kfd, KWISH_CREATE_OPEN, &a));
}

static bool fd_closed;	/* the command closed the fd (CLOSE_ASYNC) */

static int c_close_async(int fd, unsigned int props)
{
	struct kwish_close_async a = {
		.size = sizeof(a),
		.fds = (uintptr_t)&fd,
		.nr_fds = 1,
	};
	int ret = ioctl(kfd, KWISH_CLOSE_ASYNC, &a);

	if (ret < 0)
		return -errno;
	fd_closed = true;
	if (ret != 1 || a.wait_fd != -1)
		return bad_result("returned %d, wait_fd %d", ret, a.wait_fd);
	if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
		return bad_result("fd %d still open", fd);
	return 0;
}

static int c_flock_watch(int fd, unsigned int props)
{
	struct kwish_flock_watch a = { .size = sizeof(a), .fd = fd };

	return ret_fd(ioctl(kfd, KWISH_FLOCK_WATCH, &a));
}

static int c_fd_restrict(int fd, unsigned int props)
{
	struct kwish_upgrade_mask a = {
		.size = sizeof(a),
		.fd = fd,
		.upgrade_mask = UPGRADE_NOWRITE,
	};

	return ret_fd(ioctl(kfd, KWISH_UPGRADE_MASK, &a));
}

static uint64_t scratch_mnt_id;	/* the scratch directory's mount */

/*
 * KWISH_STATMOUNT/KWISH_LISTMOUNT with @mnt_ns_fd.  Only where kwish
 * provides item 25 (6.1); on a kernel with its own statmount (6.12) the
 * ioctl is EOPNOTSUPP and the kernel's syscall decides (see kwish.7).
 */
static int mount_call(unsigned long cmd, unsigned int mnt_ns_fd,
		      uint64_t mnt_id)
{
	uint64_t buf[512];
	struct kwish_mnt_id_req req = {
		.size = KWISH_MNT_ID_REQ_SIZE_VER0,
		.mnt_ns_fd = mnt_ns_fd,
		.mnt_id = mnt_id,
		.param = cmd == KWISH_STATMOUNT ? KWISH_STATMOUNT_MNT_BASIC : 0,
	};
	struct kwish_mount_call a = {
		.size = sizeof(a),
		.req = (uintptr_t)&req,
		.buf = (uintptr_t)buf,
		.bufsize = cmd == KWISH_STATMOUNT ? sizeof(buf) :
			   KW_ARRAY_SIZE(buf),
	};

	return ioctl(kfd, cmd, &a) < 0 ? -errno : 0;
}

static int c_statmount(int fd, unsigned int props)
{
	return mount_call(KWISH_STATMOUNT, fd, scratch_mnt_id);
}

static int c_listmount(int fd, unsigned int props)
{
	return mount_call(KWISH_LISTMOUNT, fd, KWISH_LSMT_ROOT);
}

static int c_mount_owner(int fd, unsigned int props)
{
	struct kwish_mount_owner a = { .size = sizeof(a), .fd = fd };
	__u32 f, want_set = 0, want_clear = 0;

	if (ioctl(kfd, KWISH_MOUNT_OWNER, &a) < 0)
		return -errno;
	f = a.umount_flags;
	/*
	 * The documented answer: DETACHED (no namespace, or an anonymous
	 * one), with mnt_ns_id and userns_ino 0; CALLER_NS for our mounts.
	 */
	if (props & (K_INTERNAL | K_DETACHED | K_RESTRICTED)) {
		want_set = KWISH_UMOUNT_DETACHED;
		want_clear = KWISH_UMOUNT_CAN | KWISH_UMOUNT_CALLER_NS;
	} else if (props & K_OURNS) {
		want_set = KWISH_UMOUNT_CALLER_NS;
		want_clear = KWISH_UMOUNT_DETACHED;
	} else if (props & K_FOREIGN) {
		want_clear = KWISH_UMOUNT_DETACHED | KWISH_UMOUNT_CAN |
			     KWISH_UMOUNT_CALLER_NS;
	}
	if ((f & want_set) != want_set || (f & want_clear) ||
	    !a.mnt_id || !!a.mnt_ns_id == !!(f & KWISH_UMOUNT_DETACHED) ||
	    !!a.userns_ino == !!(f & KWISH_UMOUNT_DETACHED))
		return bad_result("umount_flags %#x mnt_id %#llx mnt_ns_id %llu userns %llu",
				  f, (unsigned long long)a.mnt_id,
				  (unsigned long long)a.mnt_ns_id,
				  (unsigned long long)a.userns_ino);
	return 0;
}

static int c_mount_watch(int fd, unsigned int props)
{
	struct kwish_mount_watch a = {
		.size = sizeof(a),
		.mntns_fd = fd,
		.mask = FAN_MNT_ATTACH | FAN_MNT_DETACH,
	};

	return ret_fd(ioctl(kfd, KWISH_MOUNT_WATCH, &a));
}

/* -------------------------------------------------------------- */
/* The documented outcome of each command for each kind.           */

struct expect {
	int n;
	int v[3];	/* 0: success, else an errno */
};

#define EXPECT(...)	((struct expect){					\
	.n = sizeof((int[]){ __VA_ARGS__ }) / sizeof(int),		\
	.v = { __VA_ARGS__ } })

/*
 * A directory fd (dirfd) argument: EBADF if not open, ENOTDIR if not a
 * directory (KWISH_OPEN_REGULAR: openat2()'s; UNLINK_INODE, LINK_REPLACE,
 * CREATE_OPEN: their Errors lists).
 */
#define DIRFD_CHECKS(p)						\
	do {							\
		if ((p) & K_BAD)				\
			return EXPECT(EBADF);			\
		if (!((p) & K_DIR))				\
			return EXPECT(ENOTDIR);			\
	} while (0)

static struct expect x_open_regular(unsigned int p)
{
	DIRFD_CHECKS(p);
	return EXPECT(0);		/* every directory has a regular f */
}

static struct expect x_unlink_dirfd(unsigned int p)
{
	DIRFD_CHECKS(p);
	/* "EXDEV @inode_fd is on another file system than the directory" */
	if (!(p & K_SAMESB))
		return EXPECT(EXDEV);
	return EXPECT(0);		/* the detached clone too: same inode */
}

static struct expect x_unlink_inode_fd(unsigned int p)
{
	if (p & K_BAD)
		return EXPECT(EBADF);
	if (!(p & K_SAMESB))
		return EXPECT(EXDEV);
	/* "ESTALE @name exists but refers to another inode" */
	if (!(p & K_FILE_F))
		return EXPECT(ESTALE);
	return EXPECT(0);
}

/* flock(2)'s fd: "EBADF not an open fd, is an O_PATH fd" */
static struct expect x_flock(unsigned int p)
{
	if (p & (K_BAD | K_PATH))
		return EXPECT(EBADF);
	return EXPECT(0);
}

static struct expect x_link_replace_fd(unsigned int p)
{
	if (p & K_BAD)
		return EXPECT(EBADF);
	/* "EXDEV @fd is on another mount than @dirfd" */
	if (!(p & K_SAMEMNT))
		return EXPECT(EXDEV);
	/* "EPERM ... @fd is a directory" */
	if (p & K_DIR)
		return EXPECT(EPERM);
	return EXPECT(0);		/* the file, or the symlink itself */
}

static struct expect x_link_replace_dirfd(unsigned int p)
{
	DIRFD_CHECKS(p);
	if (!(p & K_SAMEMNT))
		return EXPECT(EXDEV);
	return EXPECT(0);
}

static struct expect x_create_open(unsigned int p)
{
	DIRFD_CHECKS(p);
	return EXPECT(0);
}

static struct expect x_close_async(unsigned int p)
{
	if (p & K_BAD)
		return EXPECT(EBADF);
	return EXPECT(0);		/* any open fd: closed, returns 1 */
}

static struct expect x_fd_restrict(unsigned int p)
{
	if (p & K_BAD)
		return EXPECT(EBADF);
	/*
	 * "EINVAL @fd's mount is not in the caller's mount namespace (a
	 * pipe, socket or anonymous-inode fd; an fd from another mount
	 * namespace)"; a restricted fd is restricted again (its mask adds).
	 */
	if (!(p & (K_OURNS | K_RESTRICTED)))
		return EXPECT(EINVAL);
	/* "EPERM @fd is a directory and the caller lacks CAP_SYS_ADMIN" */
	if ((p & K_DIR) && !kw_is_root())
		return EXPECT(EPERM);
	return EXPECT(0);
}

/* mnt_ns_fd "must be 0": EINVAL for any fd number */
static struct expect x_mount_call(unsigned int p)
{
	return EXPECT(EINVAL);
}

static struct expect x_mount_owner(unsigned int p)
{
	if (p & K_BAD)
		return EXPECT(EBADF);
	return EXPECT(0);		/* "any fd, O_PATH included" */
}

static struct expect x_mount_watch(unsigned int p)
{
	/* "EPERM no CAP_SYS_ADMIN in the caller's user namespace" first */
	if (!kw_is_root())
		return EXPECT(EPERM);
	/* "EBADF @mntns_fd is not open, or is an O_PATH fd" */
	if (p & (K_BAD | K_PATH))
		return EXPECT(EBADF);
	if (!(p & K_MNTNS))
		return EXPECT(EINVAL);
	return EXPECT(0);
}

/* -------------------------------------------------------------- */

struct command {
	int (*call)(int fd, unsigned int props);
	struct expect (*expect)(unsigned int props);
	int (*baseline)(void);	/* the call works without an fd, or NULL */
};

static const char *outcome_name(int r)
{
	static char buf[64];

	if (r == 0)
		return "success";
	if (r == E_RESULT) {
		snprintf(buf, sizeof(buf), "success, but %.40s", result_why);
		return buf;
	}
	return kw_errname(-r);
}

static void expect_str(const struct expect *x, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < x->n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? "|" : "",
				x->v[i] ? kw_errname(x->v[i]) : "success");
}

static int run_command(const struct command *c)
{
	unsigned int bad = 0, skipped = 0;
	char seen[1024];
	size_t i, len = 0;
	int r;

	if (kfd < 0)
		return kw_fail("/dev/kwish: %s", kw_errname(errno));
	r = c->baseline ? c->baseline() : 0;
	if (r == -EOPNOTSUPP)
		return kw_skip("EOPNOTSUPP: the kernel has item 25 itself, as documented");
	if (r)
		return kw_fail("with no fd: %s", outcome_name(r));
	for (i = 0; i < KW_ARRAY_SIZE(kinds); i++) {
		const struct kind *k = &kinds[i];
		struct expect x = c->expect(k->props);
		char want[96];
		bool ok = false;
		int fd = -1, j;

		r = reset_fixture();
		if (r < 0)
			return kw_fail("fixture: %s", kw_errname(-r));
		r = k->make(&fd);
		if (r < 0) {
			kw_diag("kind %s not made: %s%s%s", k->name,
				kw_errname(-r), r == -ENODEV ? ": " : "",
				r == -ENODEV ? setup_why : "");
			skipped++;
			continue;
		}
		fd_closed = false;
		result_why[0] = '\0';
		r = c->call(fd, k->props);
		if (r == -EOPNOTSUPP)
			return kw_fail("kind %s: EOPNOTSUPP (module not loaded?)",
				       k->name);
		for (j = 0; j < x.n; j++)
			if (r == -x.v[j])
				ok = true;
		if (len < sizeof(seen))
			len += snprintf(seen + len, sizeof(seen) - len, " %s=%s",
					k->name, r ? r == E_RESULT ? "BAD" :
					kw_errname(-r) : "ok");
		if (!ok) {
			expect_str(&x, want, sizeof(want));
			kw_diag("kind %s: %s, documented: %s", k->name,
				outcome_name(r), want);
			bad++;
		}
		if (fd >= 0 && !fd_closed && !(k->props & K_BAD))
			close(fd);
	}
	kw_diag("outcomes:%s", len ? seen : " none");
	if (bad)
		return kw_fail("%u of %zu kinds gave an undocumented outcome (listed above)",
			       bad, KW_ARRAY_SIZE(kinds) - skipped);
	return KW_PASS;
}

#define CMD_TEST_B(name, base)						\
	static int test_##name(void)					\
	{								\
		static const struct command c = {			\
			c_##name, x_##name, base			\
		};							\
									\
		return run_command(&c);					\
	}
#define CMD_TEST(name)		CMD_TEST_B(name, NULL)

/* mnt_ns_fd 0: the scratch directory's mount, the whole list */
static int b_statmount(void)
{
	return mount_call(KWISH_STATMOUNT, 0, scratch_mnt_id);
}

static int b_listmount(void)
{
	return mount_call(KWISH_LISTMOUNT, 0, KWISH_LSMT_ROOT);
}

static struct expect x_flock_timeout(unsigned int p)
{
	return x_flock(p);
}

static struct expect x_flock_watch(unsigned int p)
{
	return x_flock(p);
}

static struct expect x_statmount(unsigned int p)
{
	return x_mount_call(p);
}

static struct expect x_listmount(unsigned int p)
{
	return x_mount_call(p);
}

CMD_TEST(open_regular)
CMD_TEST(unlink_dirfd)
CMD_TEST(unlink_inode_fd)
CMD_TEST(flock_timeout)
CMD_TEST(link_replace_fd)
CMD_TEST(link_replace_dirfd)
CMD_TEST(create_open)
CMD_TEST(close_async)
CMD_TEST(flock_watch)
CMD_TEST(fd_restrict)
CMD_TEST_B(statmount, b_statmount)
CMD_TEST_B(listmount, b_listmount)
CMD_TEST(mount_owner)
CMD_TEST(mount_watch)

/* -------------------------------------------------------------- */
/* Setup: a child in another mount namespace sends back its fds.    */

static int send_fds(int sock, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)] = { 0 };
	char c = 'x';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = CMSG_SPACE(sizeof(int) * n),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fds(int sock, int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)] = { 0 };
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int) * n))
		return -1;
	memcpy(fds, CMSG_DATA(cm), sizeof(int) * n);
	return 0;
}

/*
 * In a new mount namespace (a new user namespace too unless root): the
 * open_tree() clone of dir, a tmpfs mounted on dir/sub and the
 * namespace's nsfs file (which keeps the namespace, and so the tmpfs
 * attached to it, alive after the child exits).
 */
static void child_setup(int sock)
{
	char sub[sizeof(dir) + 8];
	int fds[3], ret;

	ret = kw_is_root() ? (unshare(CLONE_NEWNS) < 0 ? -errno : 0) :
			     kw_enter_userns(CLONE_NEWNS);
	if (ret < 0) {
		dprintf(sock, "user + mount namespace: %s", kw_errname(-ret));
		_exit(1);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		dprintf(sock, "making / private: %s", kw_errname(errno));
		_exit(1);
	}
	fds[0] = syscall(SYS_open_tree, AT_FDCWD, dir,
			 OPEN_TREE_CLONE | O_CLOEXEC);
	if (fds[0] < 0) {
		dprintf(sock, "open_tree: %s", kw_errname(errno));
		_exit(1);
	}
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	if (mount("kwfdk", sub, "tmpfs", 0, "size=1m,mode=0777") < 0) {
		dprintf(sock, "mount tmpfs: %s", kw_errname(errno));
		_exit(1);
	}
	fds[1] = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fds[2] = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fds[1] < 0 || fds[2] < 0 || send_fds(sock, fds, 3) < 0) {
		dprintf(sock, "sending fds: %s", kw_errname(errno));
		_exit(1);
	}
	_exit(0);
}

static void setup_namespaces(void)
{
	int sv[2], fds[3];
	pid_t pid;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(setup_why, sizeof(setup_why), "socketpair: %s",
			 kw_errname(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		child_setup(sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		snprintf(setup_why, sizeof(setup_why), "fork: %s",
			 kw_errname(errno));
	} else if (recv_fds(sv[0], fds, 3) == 0) {
		detached_master = fds[0];
		foreign_master = fds[1];
		/* fds[2] stays open: it keeps the namespace */
	} else {
		n = read(sv[0], setup_why, sizeof(setup_why) - 1);
		if (n <= 0)
			snprintf(setup_why, sizeof(setup_why),
				 "the setup child failed");
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	close(sv[0]);
}

int main(void)
{
	static const struct kw_test tests[] = {
		KW_TEST(test_open_regular),
		KW_TEST(test_unlink_dirfd),
		KW_TEST(test_unlink_inode_fd),
		KW_TEST(test_flock_timeout),
		KW_TEST(test_link_replace_fd),
		KW_TEST(test_link_replace_dirfd),
		KW_TEST(test_create_open),
		KW_TEST(test_close_async),
		KW_TEST(test_flock_watch),
		KW_TEST(test_fd_restrict),
		KW_TEST(test_statmount),
		KW_TEST(test_listmount),
		KW_TEST(test_mount_owner),
		KW_TEST(test_mount_watch),
	};
	struct kwish_mount_owner o = { .size = sizeof(o) };
	int ret, i;

	/* fd 0 must be open: 0 is the one valid mnt_ns_fd */
	for (i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) != i)
			return printf("Bail out! fd %d: %s\n", i,
				      strerror(errno)), 1;
	if (!mkdtemp(dir))
		return printf("Bail out! mkdtemp: %s\n", strerror(errno)), 1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || mkdirat(dfd, "sub", 0755) < 0)
		return printf("Bail out! %s: %s\n", dir, strerror(errno)), 1;
	kfd = kwish_open();
	if (kfd >= 0) {
		o.fd = dfd;
		if (ioctl(kfd, KWISH_MOUNT_OWNER, &o) == 0)
			scratch_mnt_id = o.mnt_id;
	}
	setup_namespaces();
	ret = KW_RUN(tests);
	if (detached_master >= 0)
		close(detached_master);
	kw_rm_rf(dir);
	return ret;
}
