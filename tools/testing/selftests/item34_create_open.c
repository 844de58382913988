// SPDX-License-Identifier: GPL-2.0
/*
 * item34_create_open: KWISH_CREATE_OPEN (wish-list item 34, create a
 * directory, device node, FIFO, socket or symlink and get an fd to it).
 *
 * The object must be created exactly as mkdirat(), mknodat() or
 * symlinkat() would create it for the same caller (mode, umask, default
 * ACLs, setgid directories, owner; the same errno for every refusal), and
 * the fd must refer to the inode that was created even when another
 * process swaps the name at once (the race tests, which also count how
 * often today's mkdirat() + openat() opens the wrong inode).
 */
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <dirent.h>

#include "kwtap.h"

#define RACE_SECS	4.0
#define RACE_MAX	4000

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE	(1 << 1)
#endif

static char dir[] = "/tmp/kw34.XXXXXX";
static char path_buf[8][PATH_MAX];
static int path_idx;
static int dfd = -1;
static int kfd = -1, kfd_errno;

static const char *P(const char *name)
{
	char *p = path_buf[path_idx++ % KW_ARRAY_SIZE(path_buf)];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

static int create_open(int at, const char *path, __u32 mode,
		       const char *target, __u32 maj, __u32 min, __u32 flags)
{
	struct kwish_create_open arg = {
		.size = sizeof(arg),
		.flags = flags,
		.dirfd = at,
		.mode = mode,
		.pathname = (uintptr_t)path,
		.target = (uintptr_t)target,
		.rdev_major = maj,
		.rdev_minor = min,
	};

	if (kfd < 0) {
		kw_diag("open %s: %s", KWISH_DEV_PATH, kw_errname(kfd_errno));
		errno = kfd_errno;
		return -1;
	}
	return ioctl(kfd, KWISH_CREATE_OPEN, &arg);
}

static int mk(const char *path, __u32 mode)
{
	return create_open(dfd, path, mode, NULL, 0, 0, 0);
}

/* What the syscall of @mode's type does with the same arguments. */
static int mk_syscall(int at, const char *path, __u32 mode,
		      const char *target, dev_t dev)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return mkdirat(at, path, mode & 07777);
	case S_IFLNK:
		return symlinkat(target, at, path);
	default:
		return mknodat(at, path, mode, dev);
	}
}

#define CHECK_IS(at, name, fd)						\
	KW_CHECK(kw_ino_at(at, name) == kw_ino_of(fd),			\
		 "%s is inode %lu, want %lu", name, kw_ino_at(at, name),	\
		 kw_ino_of(fd))

static int setup(void)
{
	if (!mkdtemp(dir))
		return -1;
	if (chmod(dir, 0755) < 0)
		return -1;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return dfd < 0 ? -1 : 0;
}

/* ---- behaviour, type by type ---- */

static int test_directory_fd(void)
{
	char buf[4096];
	struct stat st;
	int fd, cfd, fl;
	long n;

	fd = mk("d", S_IFDIR | 0750);
	KW_CHECK_OK(fd);
	CHECK_IS(dfd, "d", fd);
	KW_CHECK_OK(fstat(fd, &st));
	KW_CHECK(S_ISDIR(st.st_mode), "mode %o", st.st_mode);
	fl = fcntl(fd, F_GETFL);
	KW_CHECK((fl & O_ACCMODE) == O_RDONLY && (fl & O_DIRECTORY) &&
		 !(fl & O_PATH), "F_GETFL %#x", fl);
	KW_CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "not O_CLOEXEC");
	/* a real directory fd: getdents() and *at() work */
	n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
	KW_CHECK(n > 0, "getdents64: %s", kw_errname(errno));
	cfd = openat(fd, "child", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		     0600);
	KW_CHECK_OK(cfd);
	KW_CHECK(kw_ino_at(dfd, "d/child") == kw_ino_of(cfd), "d/child missing");
	close(cfd);
	close(fd);
	/* trailing slash allowed for a directory, as mkdir("d2/") */
	fd = mk("d2/", S_IFDIR | 0755);
	KW_CHECK_OK(fd);
	CHECK_IS(dfd, "d2", fd);
	close(fd);
	/* no CLOEXEC if asked */
	fd = create_open(dfd, "d3", S_IFDIR | 0755, NULL, 0, 0,
			 KWISH_CREATE_OPEN_NOCLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK(fcntl(fd, F_GETFD) == 0, "O_CLOEXEC set");
	close(fd);
	return KW_PASS;
}

static int test_fifo_socket_o_path(void)
{
	char proc[64];
	struct stat st;
	int fd, rfd, fl;

	fd = mk("fifo", S_IFIFO | 0600);	/* no reader: must not block */
	KW_CHECK_OK(fd);
	CHECK_IS(dfd, "fifo", fd);
	KW_CHECK_OK(fstat(fd, &st));
	KW_CHECK(S_ISFIFO(st.st_mode), "mode %o", st.st_mode);
	fl = fcntl(fd, F_GETFL);
	KW_CHECK(fl & O_PATH, "F_GETFL %#x: not O_PATH", fl);
	KW_CHECK_ERRNO(read(fd, proc, 1), EBADF);	/* O_PATH */
	/* reopen through the fd, the way O_PATH fds are used */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	rfd = open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	KW_CHECK_OK(rfd);
	close(rfd);
	close(fd);

	fd = mk("sock", S_IFSOCK | 0600);
	KW_CHECK_OK(fd);
	CHECK_IS(dfd, "sock", fd);
	KW_CHECK_OK(fstat(fd, &st));
	KW_CHECK(S_ISSOCK(st.st_mode), "mode %o", st.st_mode);
	KW_CHECK(fcntl(fd, F_GETFL) & O_PATH, "not O_PATH");
	close(fd);
	return KW_PASS;
}

static int test_symlink_o_path_nofollow(void)
{
	char buf[64];
	struct stat st;
	ssize_t n;
	int fd;

	fd = create_open(dfd, "sl", S_IFLNK, "the/target", 0, 0, 0);
	KW_CHECK_OK(fd);
	CHECK_IS(dfd, "sl", fd);
	KW_CHECK_OK(fstat(fd, &st));
	KW_CHECK(S_ISLNK(st.st_mode), "mode %o: not the link itself",
		 st.st_mode);
	KW_CHECK(fcntl(fd, F_GETFL) & O_PATH, "not O_PATH");
	n = readlinkat(fd, "", buf, sizeof(buf) - 1);
	KW_CHECK(n == 10, "readlinkat: %zd (%s)", n, kw_errname(errno));
	buf[n] = '\0';
	KW_CHECK(!strcmp(buf, "the/target"), "target '%s'", buf);
	close(fd);
	return KW_PASS;
}

/* Device nodes: root only (CAP_MKNOD), as mknodat(). */
static int test_device_nodes(void)
{
	char proc[64];
	struct stat st;
	int fd, wfd;

	if (!kw_is_root()) {
		KW_CHECK_ERRNO(create_open(dfd, "null", S_IFCHR | 0666, NULL,
					   1, 3, 0), EPERM);
		KW_CHECK_ERRNO(mknodat(dfd, "null", S_IFCHR | 0666,
				       makedev(1, 3)), EPERM);
		KW_CHECK(!kw_ino_at(dfd, "null"), "null exists");
		return KW_PASS;
	}
	fd = create_open(dfd, "null", S_IFCHR | 0666, NULL, 1, 3, 0);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(fstat(fd, &st));
	KW_CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
		 "mode %o rdev %u:%u", st.st_mode, major(st.st_rdev),
		 minor(st.st_rdev));
	KW_CHECK(fcntl(fd, F_GETFL) & O_PATH, "not O_PATH");
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	wfd = open(proc, O_WRONLY | O_CLOEXEC);
	KW_CHECK_OK(wfd);
	KW_CHECK(write(wfd, "x", 1) == 1, "write to /dev/null copy");
	close(wfd);
	close(fd);

	fd = create_open(dfd, "blk", S_IFBLK | 0600, NULL, 259, 0x12345, 0);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(fstat(fd, &st));
	KW_CHECK(S_ISBLK(st.st_mode) && st.st_rdev == makedev(259, 0x12345),
		 "mode %o rdev %u:%u", st.st_mode, major(st.st_rdev),
		 minor(st.st_rdev));
	close(fd);
	return KW_PASS;
}

/*
 * The same result as the syscall: for every type and several umasks and
 * modes, create one object each way side by side and compare mode, owner,
 * group and device number.  In a setgid directory of another group too.
 */
static int compare_in(int at, const char *where)
{
	static const __u32 modes[] = {
		S_IFDIR | 0777, S_IFDIR | 01777, S_IFDIR | 02755,
		S_IFDIR | 0700, S_IFIFO | 0666, S_IFIFO | 04755,
		S_IFSOCK | 0640, S_IFLNK, S_IFCHR | 0644, S_IFBLK | 06600,
	};
	static const mode_t masks[] = { 022, 0, 077, 0777 };
	struct stat a, b;
	size_t i, j;
	char na[32], nb[32];
	int fd;

	for (j = 0; j < KW_ARRAY_SIZE(masks); j++) {
		for (i = 0; i < KW_ARRAY_SIZE(modes); i++) {
			__u32 mode = modes[i];
			bool dev = S_ISCHR(mode) || S_ISBLK(mode);

			if (dev && !kw_is_root())
				continue;
			snprintf(na, sizeof(na), "k%zu.%zu", j, i);
			snprintf(nb, sizeof(nb), "s%zu.%zu", j, i);
			umask(masks[j]);
			fd = create_open(at, na, mode, S_ISLNK(mode) ? "t" : NULL,
					 dev ? 1 : 0, dev ? 7 : 0, 0);
			KW_CHECK(fd >= 0, "%s: mode %o umask %o: %s", where,
				 mode, masks[j], kw_errname(errno));
			close(fd);
			KW_CHECK_OK(mk_syscall(at, nb, mode, "t",
					       dev ? makedev(1, 7) : 0));
			umask(022);
			KW_CHECK_OK(fstatat(at, na, &a, AT_SYMLINK_NOFOLLOW));
			KW_CHECK_OK(fstatat(at, nb, &b, AT_SYMLINK_NOFOLLOW));
			KW_CHECK(a.st_mode == b.st_mode && a.st_uid == b.st_uid &&
				 a.st_gid == b.st_gid && a.st_rdev == b.st_rdev,
				 "%s: mode %o umask %o: kwish %o %u:%u, syscall %o %u:%u",
				 where, mode, masks[j], a.st_mode, a.st_uid,
				 a.st_gid, b.st_mode, b.st_uid, b.st_gid);
		}
	}
	return KW_PASS;
}

static int test_same_as_syscalls(void)
{
	int at;

	KW_CHECK_OK(mkdirat(dfd, "cmp", 0777));
	at = openat(dfd, "cmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(at);
	KW_TRY(compare_in(at, "plain"));
	close(at);
	if (!kw_is_root())
		return KW_PASS;
	/* setgid directory of group 1000: the group and S_ISGID inherit */
	KW_CHECK_OK(mkdirat(dfd, "sgid", 0777));
	KW_CHECK_OK(fchownat(dfd, "sgid", 0, KW_USER_GID, 0));
	KW_CHECK_OK(fchmodat(dfd, "sgid", 02777, 0));
	at = openat(dfd, "sgid", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(at);
	KW_TRY(compare_in(at, "setgid"));
	close(at);
	return KW_PASS;
}

/*
 * A default ACL on the directory: the umask is ignored and the ACL's
 * permissions apply, exactly as for mkdirat() (if the file system has
 * POSIX ACLs; the raw xattr format of <linux/posix_acl_xattr.h>).
 */
static int test_default_acl(void)
{
	struct {
		unsigned int version;
		struct { unsigned short tag, perm; unsigned int id; } e[3];
	} acl = { 2, { { 0x01, 7, ~0U }, { 0x04, 5, ~0U }, { 0x20, 1, ~0U } } };
	int at;

	KW_CHECK_OK(mkdirat(dfd, "acl", 0777));
	if (setxattr(P("acl"), "system.posix_acl_default", &acl, sizeof(acl),
		     0) < 0)
		return kw_skip("no default ACLs here: %s", kw_errname(errno));
	at = openat(dfd, "acl", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(at);
	KW_TRY(compare_in(at, "default ACL"));
	close(at);
	return KW_PASS;
}

/* ---- errors: the syscalls' ---- */

static int test_eexist_and_path_errors(void)
{
	static const __u32 types[] = {
		S_IFDIR | 0755, S_IFIFO | 0644, S_IFSOCK | 0644, S_IFLNK,
	};
	size_t i;
	int fd;

	fd = openat(dfd, "file", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);
	KW_CHECK_OK(fd);
	close(fd);
	for (i = 0; i < KW_ARRAY_SIZE(types); i++) {
		const char *t = S_ISLNK(types[i]) ? "x" : NULL;

		KW_CHECK_ERRNO(create_open(dfd, "file", types[i], t, 0, 0, 0),
			       EEXIST);
		KW_CHECK_ERRNO(create_open(dfd, "nodir/x", types[i], t, 0, 0,
					   0), ENOENT);
		KW_CHECK_ERRNO(create_open(dfd, "file/x", types[i], t, 0, 0,
					   0), ENOTDIR);
		KW_CHECK_ERRNO(create_open(dfd, ".", types[i], t, 0, 0, 0),
			       EEXIST);
	}
	/* a trailing slash on a non-directory: ENOENT, as mknod("f/") */
	KW_CHECK_ERRNO(mk("fifo2/", S_IFIFO | 0644), ENOENT);
	KW_CHECK_ERRNO(mknodat(dfd, "fifo2/", S_IFIFO | 0644, 0), ENOENT);
	KW_CHECK_ERRNO(mk("", S_IFDIR | 0755), ENOENT);
	KW_CHECK_ERRNO(mk(kw_bad_ptr(), S_IFDIR | 0755), EFAULT);
	KW_CHECK_ERRNO(create_open(-1, "x", S_IFDIR, NULL, 0, 0, 0), EBADF);
	fd = openat(dfd, "file", O_PATH | O_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(create_open(fd, "x", S_IFDIR, NULL, 0, 0, 0), ENOTDIR);
	close(fd);
	/* AT_FDCWD and an absolute path */
	fd = create_open(AT_FDCWD, P("abs"), S_IFDIR | 0755, NULL, 0, 0, 0);
	KW_CHECK_OK(fd);
	CHECK_IS(dfd, "abs", fd);
	close(fd);
	return KW_PASS;
}

static int test_einval_args(void)
{
	KW_CHECK_ERRNO(mk("r", S_IFREG | 0644), EINVAL);
	KW_CHECK_ERRNO(mk("r", 0644), EINVAL);
	KW_CHECK_ERRNO(mk("r", 0170000 | 0644), EINVAL);	/* bad type */
	KW_CHECK_ERRNO(mk("r", S_IFDIR | 0x10000), EINVAL);
	KW_CHECK_ERRNO(create_open(dfd, "r", S_IFLNK | 0777, "t", 0, 0, 0),
		       EINVAL);
	KW_CHECK_ERRNO(create_open(dfd, "r", S_IFLNK, NULL, 0, 0, 0), EINVAL);
	KW_CHECK_ERRNO(create_open(dfd, "r", S_IFDIR, "t", 0, 0, 0), EINVAL);
	KW_CHECK_ERRNO(create_open(dfd, "r", S_IFIFO, NULL, 1, 0, 0), EINVAL);
	KW_CHECK_ERRNO(create_open(dfd, "r", S_IFCHR, NULL, 4096, 0, 0),
		       EINVAL);
	KW_CHECK_ERRNO(create_open(dfd, "r", S_IFCHR, NULL, 1, 1U << 20, 0),
		       EINVAL);
	KW_CHECK_ERRNO(create_open(dfd, "r", S_IFLNK, "", 0, 0, 0), ENOENT);
	KW_CHECK_ERRNO(create_open(dfd, "r", S_IFLNK, kw_bad_ptr(), 0, 0, 0),
		       EFAULT);
	KW_CHECK(!kw_ino_at(dfd, "r"), "r was created");
	return KW_PASS;
}

static int test_struct_contract(void)
{
	struct {
		struct kwish_create_open a;
		unsigned char tail[16];
	} big;
	int fd;

	KW_CHECK(kfd >= 0, "open %s: %s", KWISH_DEV_PATH,
		 kw_errname(kfd_errno));
	memset(&big, 0, sizeof(big));
	big.a.dirfd = dfd;
	big.a.mode = S_IFDIR | 0755;
	big.a.pathname = (uintptr_t)"contract";
	big.a.size = KWISH_CREATE_OPEN_SIZE_VER0 - 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_CREATE_OPEN, &big), EINVAL);
	big.a.size = sizeof(big.a);
	big.a.flags = 2;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_CREATE_OPEN, &big), EINVAL);
	big.a.flags = O_CLOEXEC;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_CREATE_OPEN, &big), EINVAL);
	big.a.flags = 0;
	big.a.__reserved = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_CREATE_OPEN, &big), EINVAL);
	big.a.__reserved = 0;
	big.a.size = sizeof(big);
	big.tail[0] = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_CREATE_OPEN, &big), E2BIG);
	big.tail[0] = 0;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_CREATE_OPEN, NULL), EFAULT);
	KW_CHECK(!kw_ino_at(dfd, "contract"), "contract was created");
	fd = ioctl(kfd, KWISH_CREATE_OPEN, &big);
	KW_CHECK(fd >= 0, "larger struct with zero tail: %s",
		 kw_errname(errno));
	CHECK_IS(dfd, "contract", fd);
	close(fd);
	return KW_PASS;
}

/* No free fd: EMFILE, and nothing is created. */
static int test_emfile_creates_nothing(void)
{
	struct rlimit rl;
	int fd, top;

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	KW_CHECK_OK(fd);
	top = fd;
	rl.rlim_cur = rl.rlim_max = top;	/* fds 0..top-1 only */
	KW_CHECK_OK(setrlimit(RLIMIT_NOFILE, &rl));
	KW_CHECK_ERRNO(mk("emfile", S_IFDIR | 0755), EMFILE);
	KW_CHECK(!kw_ino_at(dfd, "emfile"), "emfile was created");
	return KW_PASS;
}

/* ---- permissions ---- */

static int user_in_root_dir(void)
{
	KW_CHECK_ERRNO(create_open(dfd, "rootonly/x", S_IFDIR | 0755, NULL, 0,
				   0, 0), EACCES);
	KW_CHECK_ERRNO(mkdirat(dfd, "rootonly/x", 0755), EACCES);
	KW_CHECK_ERRNO(create_open(dfd, "rootonly/y", S_IFLNK, "t", 0, 0, 0),
		       EACCES);
	return KW_PASS;
}

static int test_eacces(void)
{
	if (!kw_is_root())
		return kw_skip("root only (needs a directory of root's)");
	KW_CHECK_OK(mkdirat(dfd, "rootonly", 0755));
	KW_TRY(kw_run_as_user(user_in_root_dir));
	KW_CHECK(!kw_ino_at(dfd, "rootonly/x"), "rootonly/x was created");
	return KW_PASS;
}

/*
 * A directory its creator may not read (mode 0300): no readable fd, as
 * open(2) of it would fail; an O_PATH directory fd instead, which still
 * serves as a dirfd.
 */
static int unreadable_dir(void)
{
	char name[64], buf[256];
	int fd, cfd, fl;

	snprintf(name, sizeof(name), "open4all/noread.%u",
		 (unsigned int)getuid());
	fd = create_open(dfd, name, S_IFDIR | 0300, NULL, 0, 0, 0);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
		       EACCES);
	fl = fcntl(fd, F_GETFL);
	KW_CHECK(fl >= 0 && (fl & O_PATH) && (fl & O_DIRECTORY),
		 "F_GETFL %#x: not O_PATH|O_DIRECTORY", fl);
	KW_CHECK_ERRNO(syscall(SYS_getdents64, fd, buf, sizeof(buf)), EBADF);
	cfd = openat(fd, "child", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		     0600);
	KW_CHECK_OK(cfd);
	close(cfd);
	close(fd);
	return KW_PASS;
}

static int test_unreadable_directory(void)
{
	/* root's test directory is 0755: a directory the user may write */
	if (mkdirat(dfd, "open4all", 0777) < 0 && errno != EEXIST)
		return kw_fail("mkdir open4all: %s", kw_errname(errno));
	KW_CHECK_OK(fchmodat(dfd, "open4all", 0777, 0));
	if (kw_is_root())
		return kw_run_as_user(unreadable_dir);
	return unreadable_dir();
}

/* In a user namespace: no CAP_MKNOD, no DAC override on unmapped owners. */
static int test_userns(void)
{
	bool real_root = kw_is_root();	/* in the namespace, everyone is */
	pid_t pid;
	int ret;

	KW_CHECK_OK(mkdirat(dfd, "nsdir", 0755));
	if (kw_is_root())
		KW_CHECK_OK(fchownat(dfd, "nsdir", KW_USER_UID, KW_USER_GID,
				     0));
	pid = fork();
	if (pid < 0)
		return kw_fail("fork: %s", kw_errname(errno));
	if (pid == 0) {
		int fd;

		ret = kw_enter_userns(0);
		if (ret < 0)
			_exit(kw_skip("no user namespace: %s",
				      kw_errname(-ret)));
		fd = mk("nsown", S_IFDIR | 0755);
		if (fd < 0)
			_exit(kw_fail("in own dir: %s", kw_errname(errno)));
		close(fd);
		if (create_open(dfd, "nsnull", S_IFCHR | 0666, NULL, 1, 3, 0) >= 0
		    || errno != EPERM)
			_exit(kw_fail("char device in a userns: %s",
				      kw_errname(errno)));
		if (real_root &&
		    (mk("nsdir/x", S_IFDIR | 0755) >= 0 || errno != EACCES))
			_exit(kw_fail("nsdir/x: %s, want EACCES",
				      kw_errname(errno)));
		_exit(KW_PASS);
	}
	KW_TRY(kw_wait(pid));
	KW_CHECK(kw_ino_at(dfd, "nsown"), "nsown missing");
	KW_CHECK(!kw_ino_at(dfd, "nsnull"), "nsnull exists");
	KW_CHECK(!kw_ino_at(dfd, "nsdir/x"), "nsdir/x exists");
	return KW_PASS;
}

static int test_erofs(void)
{
	int ret;

	KW_CHECK_OK(mkdirat(dfd, "ro", 0755));
	if (kw_is_root()) {
		KW_CHECK_OK(unshare(CLONE_NEWNS));
	} else {
		ret = kw_enter_userns(CLONE_NEWNS);
		if (ret < 0)
			return kw_skip("no user and mount namespace: %s",
				       kw_errname(-ret));
	}
	KW_CHECK_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	KW_CHECK_OK(mount(P("ro"), P("ro"), NULL, MS_BIND, NULL));
	KW_CHECK_OK(mount(NULL, P("ro"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY,
			  NULL));
	KW_CHECK_ERRNO(create_open(AT_FDCWD, P("ro/x"), S_IFDIR | 0755, NULL,
				   0, 0, 0), EROFS);
	KW_CHECK_ERRNO(create_open(AT_FDCWD, P("ro/y"), S_IFLNK, "t", 0, 0,
				   0), EROFS);
	return KW_PASS;
}

/* ---- the race: the fd is always the created inode ---- */

struct race_shared {
	volatile int stop;
	volatile int cur;	/* >= 0: "r<cur>", <= -2: "w<-cur-2>", -1: none */
	volatile long swaps;
};

/*
 * Keep exchanging the decoy with the newest name and back: for a moment
 * the name refers to the decoy, then "decoy" is the decoy again.
 */
static void racer(struct race_shared *sh, const char *rdir)
{
	char name[48], decoy[48];
	int cur;

	snprintf(decoy, sizeof(decoy), "%s/decoy", rdir);
	while (!sh->stop) {
		cur = sh->cur;
		if (cur == -1)
			continue;
		if (cur >= 0)
			snprintf(name, sizeof(name), "%s/r%d", rdir, cur);
		else
			snprintf(name, sizeof(name), "%s/w%d", rdir, -cur - 2);
		if (!syscall(SYS_renameat2, dfd, decoy, dfd, name,
			     RENAME_EXCHANGE)) {
			sh->swaps++;
			syscall(SYS_renameat2, dfd, decoy, dfd, name,
				RENAME_EXCHANGE);
		}
	}
	_exit(0);
}

/* Is @fd the decoy rather than what was created? */
static bool is_decoy(int fd, __u32 type)
{
	char buf[16];
	ssize_t n;

	if (type == S_IFDIR)
		return !faccessat(fd, "marker", F_OK, 0);
	n = readlinkat(fd, "", buf, sizeof(buf) - 1);
	return n != 4 || memcmp(buf, "mine", 4);
}

/*
 * @type S_IFDIR or S_IFLNK.  A decoy of the same type sits next to the
 * new names, a racer exchanges it with the newest one (and back) as fast
 * as it can; every fd must still be the new object: an empty directory
 * (the decoy holds a file "marker"), or a link to "mine" (the decoy
 * points to "decoy").  The same race against today's create + open by
 * name shows what the command prevents.
 */
static int race(__u32 type, const char *rdir)
{
	__u32 mode = type == S_IFLNK ? S_IFLNK : type | 0755;
	long wrong = 0, wrong_workaround = 0;
	struct race_shared *sh;
	char rel[64];
	double end;
	pid_t pid;
	int fd, i, at;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	KW_CHECK(sh != MAP_FAILED, "mmap");
	KW_CHECK_OK(mkdirat(dfd, rdir, 0755));
	at = openat(dfd, rdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(at);
	if (type == S_IFDIR) {
		KW_CHECK_OK(mkdirat(at, "decoy", 0755));
		fd = openat(at, "decoy/marker", O_CREAT | O_WRONLY | O_CLOEXEC,
			    0644);
		KW_CHECK_OK(fd);
		close(fd);
	} else {
		KW_CHECK_OK(symlinkat("decoy", at, "decoy"));
	}
	sh->cur = -1;
	pid = fork();
	if (pid < 0)
		return kw_fail("fork: %s", kw_errname(errno));
	if (pid == 0)
		racer(sh, rdir);

	end = kw_now() + RACE_SECS;
	for (i = 0; i < RACE_MAX && kw_now() < end; i++) {
		/* kwish: the fd is what was created */
		snprintf(rel, sizeof(rel), "%s/r%d", rdir, i);
		sh->cur = i;
		fd = create_open(dfd, rel, mode,
				 type == S_IFLNK ? "mine" : NULL, 0, 0, 0);
		if (fd < 0) {
			sh->stop = 1;
			kw_wait(pid);
			return kw_fail("create_open %s: %s", rel,
				       kw_errname(errno));
		}
		if (is_decoy(fd, type))
			wrong++;
		close(fd);
		/* today's way, for comparison: create, then open by name */
		snprintf(rel, sizeof(rel), "%s/w%d", rdir, i);
		sh->cur = -i - 2;
		if (!mk_syscall(dfd, rel, mode, "mine", 0)) {
			fd = openat(dfd, rel, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0 && is_decoy(fd, type))
				wrong_workaround++;
			if (fd >= 0)
				close(fd);
		}
	}
	sh->stop = 1;
	kw_wait(pid);
	kw_diag("%d creations each way, %ld exchanges by the racer: kwish %ld wrong fds, mk+open by name %ld",
		i, sh->swaps, wrong, wrong_workaround);
	KW_CHECK(wrong == 0, "%ld fds referred to the decoy", wrong);
	KW_CHECK(sh->swaps > 0, "the racer never exchanged a name");
	close(at);
	return KW_PASS;
}

static int test_race_directory(void)
{
	return race(S_IFDIR, "rdir");
}

static int test_race_symlink(void)
{
	return race(S_IFLNK, "rlnk");
}

/* ---- libkwish and kwishctl ---- */

static int test_libkwish(void)
{
	struct stat st;
	int fd;

	fd = kwish_create_open(dfd, "lib", S_IFIFO | 0600, NULL, 0, 0);
	KW_CHECK_OK(fd);
	KW_CHECK(kwish_last_iface() == KWISH_IFACE_DEV, "used %s",
		 kwish_iface_name(kwish_last_iface()));
	KW_CHECK_OK(fstat(fd, &st));
	KW_CHECK(S_ISFIFO(st.st_mode), "mode %o", st.st_mode);
	close(fd);
	fd = kwish_create_open_kfd(kfd, dfd, "libl", S_IFLNK, "t", 0, 0);
	KW_CHECK_OK(fd);
	CHECK_IS(dfd, "libl", fd);
	close(fd);
	KW_CHECK_ERRNO(kwish_create_open(dfd, "lib", S_IFIFO | 0600, NULL, 0,
					 0), EEXIST);
	return KW_PASS;
}

#define KWISHCTL(want, ...)						\
	do {								\
		char *const __argv[] = { "kwishctl", "create",		\
					 __VA_ARGS__, NULL };		\
		int __st = kw_run_cmd(__argv, -1, out, sizeof(out));	\
									\
		if (__st == 127)					\
			return kw_skip("kwishctl is not in PATH");	\
		KW_CHECK(__st == (want), "kwishctl create %s: exit %d, want %d", \
			 __argv[2], __st, (want));			\
	} while (0)

static int test_kwishctl(void)
{
	char out[512], want[128], *p;

	p = strdup(P("ctl"));
	KWISHCTL(0, "--mode", "0700", "dir", p);
	snprintf(want, sizeof(want), "%s: directory, inode %lu, mode 0700",
		 p, kw_ino_at(dfd, "ctl"));
	KW_CHECK(!strncmp(out, want, strlen(want)), "printed '%s', want '%s'",
		 out, want);
	KWISHCTL(1, "dir", p);				/* EEXIST */
	p = strdup(P("ctl.lnk"));
	KWISHCTL(0, "symlink", "somewhere", p);
	KW_CHECK(strstr(out, "symbolic link"), "printed '%s'", out);
	p = strdup(P("ctl.fifo"));
	KWISHCTL(0, "fifo", p);
	KW_CHECK(strstr(out, "fifo"), "printed '%s'", out);
	if (kw_is_root()) {
		p = strdup(P("ctl.owned"));
		KWISHCTL(0, "--owner", "1000:1000", "dir", p);
		KW_CHECK(strstr(out, "owner 1000:1000"), "printed '%s'", out);
		p = strdup(P("ctl.null"));
		KWISHCTL(0, "char", "1:3", p);
		KW_CHECK(strstr(out, "character device"), "printed '%s'", out);
	}
	KWISHCTL(2, "file", p);
	KWISHCTL(2, "char", "1", p);
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_directory_fd),
	KW_TEST(test_fifo_socket_o_path),
	KW_TEST(test_symlink_o_path_nofollow),
	KW_TEST(test_device_nodes),
	KW_TEST(test_same_as_syscalls),
	KW_TEST(test_default_acl),
	KW_TEST(test_eexist_and_path_errors),
	KW_TEST(test_einval_args),
	KW_TEST(test_struct_contract),
	KW_TEST(test_emfile_creates_nothing),
	KW_TEST(test_eacces),
	KW_TEST(test_unreadable_directory),
	KW_TEST(test_userns),
	KW_TEST(test_erofs),
	KW_TEST_T(test_race_directory, 20),
	KW_TEST_T(test_race_symlink, 20),
	KW_TEST(test_libkwish),
	KW_TEST(test_kwishctl),
};

int main(void)
{
	int ret;

	kfd = open(KWISH_DEV_PATH, O_RDWR | O_CLOEXEC);
	kfd_errno = errno;
	if (setup() < 0) {
		printf("TAP version 13\n1..0\nBail out! setup in %s: %s\n",
		       dir, strerror(errno));
		kw_rm_rf(dir);
		return 1;
	}
	ret = KW_RUN(tests);
	kw_rm_rf(dir);
	return ret;
}
