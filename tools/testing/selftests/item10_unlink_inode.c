// SPDX-License-Identifier: GPL-2.0
/*
 * item10_unlink_inode: KWISH_UNLINK_INODE (wish-list item 10, unlink a
 * name only if it still refers to a given inode).
 *
 * It must behave exactly like unlinkat() (AT_REMOVEDIR with
 * KWISH_UNLINK_REMOVEDIR) for the same caller -- permissions, sticky bit,
 * read-only mounts, mount points, EISDIR/ENOTDIR, fsnotify -- except that
 * it removes the name only if, at the moment of removal, the name refers
 * to the inode inode_fd refers to, and fails with ESTALE otherwise.  The
 * race tests let another process rename files over the name while the
 * command runs and check by inode numbers that nothing but the expected
 * inode is ever removed.
 */
#include <limits.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

#include "kwtap.h"

_Static_assert(KWISH_UNLINK_REMOVEDIR == AT_REMOVEDIR,
	       "KWISH_UNLINK_REMOVEDIR has AT_REMOVEDIR's value");

#define RACE_SECS	3.0
#define RACE_MAX	(1 << 16)

static char dir[] = "/tmp/kw10.XXXXXX";
static char path_buf[8][PATH_MAX];
static int path_idx;
/* The scratch directory (O_PATH), and /dev/kwish, opened in main(). */
static int dfd = -1;
static int kfd = -1, kfd_errno;

/* dir/@name, in a small ring of buffers. */
static const char *P(const char *name)
{
	char *p = path_buf[path_idx++ % KW_ARRAY_SIZE(path_buf)];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

static long unlink_inode(int dirfd, const char *name, int inode_fd,
			 __u32 flags)
{
	struct kwish_unlink_inode arg = {
		.size = sizeof(arg),
		.flags = flags,
		.dirfd = dirfd,
		.inode_fd = inode_fd,
		.name = (uintptr_t)name,
	};

	if (kfd < 0) {
		kw_diag("open %s: %s", KWISH_DEV_PATH, kw_errname(kfd_errno));
		errno = kfd_errno;
		return -1;
	}
	return ioctl(kfd, KWISH_UNLINK_INODE, &arg);
}

/* Create @name in @at with @name as its content; returns an O_RDWR fd. */
static int create_at(int at, const char *name)
{
	int fd = openat(at, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (write(fd, name, strlen(name)) != (ssize_t)strlen(name)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int create(const char *name)
{
	return create_at(dfd, name);
}

/* mkdir @name in @at and open it O_RDONLY | O_DIRECTORY. */
static int mkdir_open_at(int at, const char *name)
{
	if (mkdirat(at, name, 0755) < 0)
		return -1;
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static bool exists(const char *name)
{
	return kw_ino_at(dfd, name) != 0;
}

static long nlink_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	return st.st_nlink;
}

/* Check that @name in the scratch dir is the file @fd refers to. */
#define CHECK_IS(name, fd)						\
	KW_CHECK(kw_ino_at(dfd, name) == kw_ino_of(fd),			\
		 "%s is inode %lu, want %lu", name, kw_ino_at(dfd, name),	\
		 kw_ino_of(fd))

static int setup(void)
{
	if (!mkdtemp(dir))
		return -1;
	/* The uid 1000 children of a root run need to get in. */
	if (chmod(dir, 0755) < 0)
		return -1;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return dfd < 0 ? -1 : 0;
}

/* ---- behaviour ---- */

static int test_removes_matching_file(void)
{
	int fd = create("match");

	KW_CHECK_OK(fd);
	KW_CHECK_OK(unlink_inode(dfd, "match", fd, 0));
	KW_CHECK(!exists("match"), "match still exists");
	KW_CHECK(nlink_of(fd) == 0, "nlink %ld after the removal",
		 nlink_of(fd));
	close(fd);
	return KW_PASS;
}

/* O_PATH fds for both, AT_FDCWD, an O_RDONLY directory fd. */
static int test_fd_kinds(void)
{
	int fd, pfd, rdfd;

	fd = create("kinds1");
	KW_CHECK_OK(fd);
	pfd = openat(dfd, "kinds1", O_PATH | O_CLOEXEC);
	KW_CHECK_OK(pfd);
	close(fd);
	KW_CHECK_OK(chdir(dir));
	KW_CHECK_OK(unlink_inode(AT_FDCWD, "kinds1", pfd, 0));
	KW_CHECK(!exists("kinds1"), "kinds1 still exists");
	close(pfd);

	fd = create("kinds2");
	KW_CHECK_OK(fd);
	rdfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(rdfd);
	KW_CHECK_OK(unlink_inode(rdfd, "kinds2", fd, 0));
	KW_CHECK(!exists("kinds2"), "kinds2 still exists");
	close(rdfd);
	close(fd);
	return KW_PASS;
}

/* Another process replaced the name: ESTALE, and its file stays. */
static int test_replaced_by_rename_estale(void)
{
	char buf[64] = "";
	int fd, nfd;
	pid_t pid;

	fd = create("replaced");
	KW_CHECK_OK(fd);
	pid = fork();
	if (pid < 0)
		return kw_fail("fork: %s", kw_errname(errno));
	if (pid == 0) {
		int ofd = create("replaced.new");

		if (ofd < 0 || renameat(dfd, "replaced.new", dfd, "replaced"))
			_exit(kw_fail("replacing: %s", kw_errname(errno)));
		_exit(KW_PASS);
	}
	KW_TRY(kw_wait(pid));
	KW_CHECK(exists("replaced") && kw_ino_at(dfd, "replaced") != kw_ino_of(fd),
		 "the name was not replaced");

	KW_CHECK_ERRNO(unlink_inode(dfd, "replaced", fd, 0), ESTALE);
	nfd = openat(dfd, "replaced", O_RDONLY | O_CLOEXEC);
	KW_CHECK(nfd >= 0, "the new file is gone: %s", kw_errname(errno));
	KW_CHECK(read(nfd, buf, sizeof(buf) - 1) > 0 &&
		 !strcmp(buf, "replaced.new"), "content '%s'", buf);
	/* And the new file's own fd removes it. */
	KW_CHECK_OK(unlink_inode(dfd, "replaced", nfd, 0));
	KW_CHECK(!exists("replaced"), "replaced still exists");
	close(nfd);
	close(fd);
	return KW_PASS;
}

/* ---- the wish list's use case ---- */

static int lock_owner_a(int to_b, int from_b)
{
	char c;
	int fd;

	fd = openat(dfd, "app.lock", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);
	KW_CHECK_OK(fd);
	KW_CHECK(write(fd, "A", 1) == 1, "write: %s", kw_errname(errno));
	KW_CHECK(write(to_b, "1", 1) == 1, "signal B: %s", kw_errname(errno));
	/* ... A stalls; B decides A is gone and takes the lock over ... */
	KW_CHECK(read(from_b, &c, 1) == 1, "B did not take over");
	/* A's late cleanup must leave B's lock alone. */
	KW_CHECK_ERRNO(unlink_inode(dfd, "app.lock", fd, 0), ESTALE);
	KW_CHECK(nlink_of(fd) == 0, "A's lock file still has %ld links",
		 nlink_of(fd));
	close(fd);
	KW_CHECK(write(to_b, "2", 1) == 1, "signal B: %s", kw_errname(errno));
	return KW_PASS;
}

static int lock_owner_b(int from_a, int to_a)
{
	char c, buf[8] = "";
	int fd;

	KW_CHECK(read(from_a, &c, 1) == 1, "A did not take the lock");
	/* Take over atomically: a new lock file renamed over A's. */
	fd = openat(dfd, "app.lock.B", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);
	KW_CHECK_OK(fd);
	KW_CHECK(write(fd, "B", 1) == 1, "write: %s", kw_errname(errno));
	KW_CHECK_OK(renameat(dfd, "app.lock.B", dfd, "app.lock"));
	KW_CHECK(write(to_a, "1", 1) == 1, "signal A: %s", kw_errname(errno));
	KW_CHECK(read(from_a, &c, 1) == 1, "A did not finish its cleanup");

	/* B's lock survived A's cleanup ... */
	CHECK_IS("app.lock", fd);
	KW_CHECK(pread(fd, buf, sizeof(buf) - 1, 0) == 1 && buf[0] == 'B',
		 "lock content '%s'", buf);
	/* ... and B's own cleanup removes it. */
	KW_CHECK_OK(unlink_inode(dfd, "app.lock", fd, 0));
	KW_CHECK(!exists("app.lock"), "app.lock still exists");
	close(fd);
	return KW_PASS;
}

static int test_usecase_lock_file(void)
{
	int a2b[2], b2a[2], ra, rb;
	pid_t a, b;

	KW_CHECK_OK(pipe2(a2b, O_CLOEXEC));
	KW_CHECK_OK(pipe2(b2a, O_CLOEXEC));
	a = fork();
	if (a == 0) {
		close(a2b[0]);
		close(b2a[1]);
		_exit(lock_owner_a(a2b[1], b2a[0]));
	}
	b = fork();
	if (b == 0) {
		close(a2b[1]);
		close(b2a[0]);
		_exit(lock_owner_b(a2b[0], b2a[1]));
	}
	close(a2b[0]);
	close(a2b[1]);
	close(b2a[0]);
	close(b2a[1]);
	if (a < 0 || b < 0)
		return kw_fail("fork: %s", kw_errname(errno));
	ra = kw_wait(a);
	rb = kw_wait(b);
	KW_CHECK(ra == KW_PASS, "process A failed (%d)", ra);
	KW_CHECK(rb == KW_PASS, "process B failed (%d)", rb);
	return KW_PASS;
}

/* ---- directories, links, symlinks ---- */

static int test_directory_removedir(void)
{
	int fd, pfd;

	fd = mkdir_open_at(dfd, "d1");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(unlink_inode(dfd, "d1", fd, KWISH_UNLINK_REMOVEDIR));
	KW_CHECK(!exists("d1"), "d1 still exists");
	KW_CHECK(nlink_of(fd) == 0, "removed directory has nlink %ld",
		 nlink_of(fd));
	close(fd);

	KW_CHECK_OK(mkdirat(dfd, "d1p", 0755));
	pfd = openat(dfd, "d1p", O_PATH | O_CLOEXEC);
	KW_CHECK_OK(pfd);
	KW_CHECK_OK(unlink_inode(dfd, "d1p", pfd, KWISH_UNLINK_REMOVEDIR));
	KW_CHECK(!exists("d1p"), "d1p still exists");
	close(pfd);
	return KW_PASS;
}

static int test_directory_replaced_estale(void)
{
	int fd, nfd;

	fd = mkdir_open_at(dfd, "d2");
	KW_CHECK_OK(fd);
	nfd = mkdir_open_at(dfd, "d2.new");
	KW_CHECK_OK(nfd);
	KW_CHECK_OK(renameat(dfd, "d2.new", dfd, "d2"));
	KW_CHECK_ERRNO(unlink_inode(dfd, "d2", fd, KWISH_UNLINK_REMOVEDIR),
		       ESTALE);
	CHECK_IS("d2", nfd);
	KW_CHECK_OK(unlink_inode(dfd, "d2", nfd, KWISH_UNLINK_REMOVEDIR));
	close(nfd);
	close(fd);
	return KW_PASS;
}

static int test_directory_without_flag_eisdir(void)
{
	int fd = mkdir_open_at(dfd, "d3");

	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(unlink_inode(dfd, "d3", fd, 0), EISDIR);
	KW_CHECK_ERRNO(unlinkat(dfd, "d3", 0), EISDIR);
	CHECK_IS("d3", fd);
	close(fd);
	return KW_PASS;
}

static int test_file_with_flag_enotdir(void)
{
	int fd = create("f4");

	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(unlink_inode(dfd, "f4", fd, KWISH_UNLINK_REMOVEDIR),
		       ENOTDIR);
	KW_CHECK_ERRNO(unlinkat(dfd, "f4", AT_REMOVEDIR), ENOTDIR);
	CHECK_IS("f4", fd);
	close(fd);
	return KW_PASS;
}

static int test_directory_not_empty(void)
{
	long r;
	int fd;

	fd = mkdir_open_at(dfd, "d4");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(mknodat(dfd, "d4/x", S_IFREG | 0644, 0));
	r = unlink_inode(dfd, "d4", fd, KWISH_UNLINK_REMOVEDIR);
	KW_CHECK(r == -1 && (errno == ENOTEMPTY || errno == EEXIST),
		 "non-empty directory: %s",
		 r == -1 ? kw_errname(errno) : "removed");
	CHECK_IS("d4", fd);
	close(fd);
	return KW_PASS;
}

/* Another name of the same inode is that inode: it may be removed. */
static int test_hard_link_other_name(void)
{
	int fd = create("hl1");

	KW_CHECK_OK(fd);
	KW_CHECK_OK(linkat(dfd, "hl1", dfd, "hl2", 0));
	KW_CHECK(nlink_of(fd) == 2, "nlink %ld", nlink_of(fd));
	KW_CHECK_OK(unlink_inode(dfd, "hl2", fd, 0));
	KW_CHECK(!exists("hl2") && exists("hl1"), "hl2 %s, hl1 %s",
		 exists("hl2") ? "exists" : "gone",
		 exists("hl1") ? "exists" : "gone");
	KW_CHECK(nlink_of(fd) == 1, "nlink %ld", nlink_of(fd));
	KW_CHECK_OK(unlink_inode(dfd, "hl1", fd, 0));
	KW_CHECK(nlink_of(fd) == 0, "nlink %ld", nlink_of(fd));
	close(fd);
	return KW_PASS;
}

/* The entry is compared, never what a symlink points to. */
static int test_symlink_entry_compared(void)
{
	int tfd, lfd;

	tfd = create("target");
	KW_CHECK_OK(tfd);
	KW_CHECK_OK(symlinkat("target", dfd, "link"));
	KW_CHECK_ERRNO(unlink_inode(dfd, "link", tfd, 0), ESTALE);
	KW_CHECK(exists("link") && exists("target"), "something was removed");
	lfd = openat(dfd, "link", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	KW_CHECK_OK(lfd);
	KW_CHECK_OK(unlink_inode(dfd, "link", lfd, 0));
	KW_CHECK(!exists("link"), "link still exists");
	CHECK_IS("target", tfd);
	close(lfd);
	close(tfd);
	return KW_PASS;
}

/* inotify sees the removal as an unlink/rmdir, and nothing on ESTALE. */
static int test_fsnotify(void)
{
	char buf[4096] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	int ifd, fd, ofd, dirf;
	ssize_t n;

	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	KW_CHECK_OK(ifd);
	fd = create("watched");
	KW_CHECK_OK(fd);
	ofd = create("watched.other");
	KW_CHECK_OK(ofd);
	dirf = mkdir_open_at(dfd, "watched.dir");
	KW_CHECK_OK(dirf);
	KW_CHECK_OK(inotify_add_watch(ifd, dir, IN_DELETE));

	KW_CHECK_ERRNO(unlink_inode(dfd, "watched", ofd, 0), ESTALE);
	KW_CHECK_ERRNO(read(ifd, buf, sizeof(buf)), EAGAIN);

	KW_CHECK_OK(unlink_inode(dfd, "watched", fd, 0));
	n = read(ifd, buf, sizeof(buf));
	KW_CHECK(n >= (ssize_t)sizeof(*ev), "no event after the unlink: %s",
		 n < 0 ? kw_errname(errno) : "short read");
	ev = (const struct inotify_event *)buf;
	KW_CHECK(ev->mask == IN_DELETE && ev->len &&
		 !strcmp(ev->name, "watched"), "event %#x '%s'", ev->mask,
		 ev->len ? ev->name : "");

	KW_CHECK_OK(unlink_inode(dfd, "watched.dir", dirf,
				 KWISH_UNLINK_REMOVEDIR));
	n = read(ifd, buf, sizeof(buf));
	KW_CHECK(n >= (ssize_t)sizeof(*ev), "no event after the rmdir: %s",
		 n < 0 ? kw_errname(errno) : "short read");
	KW_CHECK(ev->mask == (IN_DELETE | IN_ISDIR) && ev->len &&
		 !strcmp(ev->name, "watched.dir"), "event %#x '%s'",
		 ev->mask, ev->len ? ev->name : "");
	close(dirf);
	close(ofd);
	close(fd);
	close(ifd);
	return KW_PASS;
}

/* ---- the argument struct and the errno contract ---- */

static int test_struct_contract(void)
{
	static const __u32 bad_flags[] = {
		1, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH,
		KWISH_UNLINK_REMOVEDIR | 0x1000, 1U << 31,
	};
	struct {
		struct kwish_unlink_inode a;
		unsigned char tail[16];
	} big;
	size_t i;
	int fd;

	KW_CHECK(kfd >= 0, "open %s: %s", KWISH_DEV_PATH,
		 kw_errname(kfd_errno));
	fd = create("contract");
	KW_CHECK_OK(fd);
	memset(&big, 0, sizeof(big));
	big.a.size = sizeof(big.a);
	big.a.dirfd = dfd;
	big.a.inode_fd = fd;
	big.a.name = (uintptr_t)"contract";

	big.a.size = KWISH_UNLINK_INODE_SIZE_VER0 - 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_UNLINK_INODE, &big), EINVAL);
	big.a.size = 0;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_UNLINK_INODE, &big), EINVAL);
	big.a.size = sizeof(big.a);
	for (i = 0; i < KW_ARRAY_SIZE(bad_flags); i++) {
		big.a.flags = bad_flags[i];
		KW_CHECK_ERRNO(ioctl(kfd, KWISH_UNLINK_INODE, &big), EINVAL);
	}
	big.a.flags = 0;
	big.a.__reserved = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_UNLINK_INODE, &big), EINVAL);
	big.a.__reserved = 1ULL << 63;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_UNLINK_INODE, &big), EINVAL);
	big.a.__reserved = 0;
	big.a.size = sizeof(big);
	big.tail[3] = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_UNLINK_INODE, &big), E2BIG);
	big.tail[3] = 0;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_UNLINK_INODE, NULL), EFAULT);
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_UNLINK_INODE, kw_bad_ptr()), EFAULT);
	CHECK_IS("contract", fd);
	KW_CHECK(ioctl(kfd, KWISH_UNLINK_INODE, &big) == 0,
		 "larger struct with zero tail: %s", kw_errname(errno));
	KW_CHECK(!exists("contract"), "contract still exists");
	close(fd);
	return KW_PASS;
}

/* One path component only, as in the proposal. */
static int test_einval_name(void)
{
	static const char *const names[] = {
		"slash/", "/slash", "sub/x", "sub/", ".", "..", "./slash",
		"//",
	};
	int fd, xfd, sfd;
	size_t i;

	fd = create("slash");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(mkdirat(dfd, "sub", 0755));
	xfd = create("sub/x");
	KW_CHECK_OK(xfd);
	sfd = openat(dfd, "sub", O_PATH | O_CLOEXEC);
	KW_CHECK_OK(sfd);
	for (i = 0; i < KW_ARRAY_SIZE(names); i++) {
		KW_CHECK_ERRNO(unlink_inode(dfd, names[i], fd, 0), EINVAL);
		KW_CHECK_ERRNO(unlink_inode(dfd, names[i], xfd, 0), EINVAL);
		KW_CHECK_ERRNO(unlink_inode(dfd, names[i], sfd,
					    KWISH_UNLINK_REMOVEDIR), EINVAL);
	}
	/* "." and ".." with the directory they name. */
	KW_CHECK_ERRNO(unlink_inode(sfd, ".", sfd, KWISH_UNLINK_REMOVEDIR),
		       EINVAL);
	KW_CHECK_ERRNO(unlink_inode(sfd, "..", dfd, KWISH_UNLINK_REMOVEDIR),
		       EINVAL);
	CHECK_IS("slash", fd);
	CHECK_IS("sub/x", xfd);
	CHECK_IS("sub", sfd);
	close(sfd);
	close(xfd);
	close(fd);
	return KW_PASS;
}

static int test_enoent(void)
{
	int fd, gfd;

	fd = create("enoent");
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(unlink_inode(dfd, "missing", fd, 0), ENOENT);
	KW_CHECK_ERRNO(unlink_inode(dfd, "missing", fd,
				    KWISH_UNLINK_REMOVEDIR), ENOENT);
	KW_CHECK_ERRNO(unlink_inode(dfd, "", fd, 0), ENOENT);
	/* In a directory that was removed meanwhile. */
	KW_CHECK_OK(mkdirat(dfd, "gone", 0755));
	gfd = openat(dfd, "gone", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(gfd);
	KW_CHECK_OK(unlinkat(dfd, "gone", AT_REMOVEDIR));
	KW_CHECK_ERRNO(unlink_inode(gfd, "enoent", fd, 0), ENOENT);
	CHECK_IS("enoent", fd);
	close(gfd);
	close(fd);
	return KW_PASS;
}

static int test_enametoolong(void)
{
	char name[300];
	int fd;

	fd = create("long");
	KW_CHECK_OK(fd);
	memset(name, 'a', sizeof(name));
	name[NAME_MAX] = '\0';		/* 255: fine, but not there */
	KW_CHECK_ERRNO(unlink_inode(dfd, name, fd, 0), ENOENT);
	name[NAME_MAX] = 'a';
	name[NAME_MAX + 1] = '\0';	/* 256 */
	KW_CHECK_ERRNO(unlink_inode(dfd, name, fd, 0), ENAMETOOLONG);
	name[sizeof(name) - 1] = '\0';
	memset(name, 'a', sizeof(name) - 1);
	KW_CHECK_ERRNO(unlink_inode(dfd, name, fd, 0), ENAMETOOLONG);
	close(fd);
	return KW_PASS;
}

static int test_efault_name(void)
{
	int fd = create("efault");

	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(unlink_inode(dfd, kw_bad_ptr(), fd, 0), EFAULT);
	KW_CHECK_ERRNO(unlink_inode(dfd, NULL, fd, 0), EFAULT);
	CHECK_IS("efault", fd);
	close(fd);
	return KW_PASS;
}

static int test_ebadf(void)
{
	int fd, closed;

	fd = create("ebadf");
	KW_CHECK_OK(fd);
	closed = open("/", O_PATH | O_CLOEXEC);
	KW_CHECK_OK(closed);
	close(closed);
	KW_CHECK_ERRNO(unlink_inode(closed, "ebadf", fd, 0), EBADF);
	KW_CHECK_ERRNO(unlink_inode(-1, "ebadf", fd, 0), EBADF);
	KW_CHECK_ERRNO(unlink_inode(INT_MAX, "ebadf", fd, 0), EBADF);
	KW_CHECK_ERRNO(unlink_inode(dfd, "ebadf", closed, 0), EBADF);
	KW_CHECK_ERRNO(unlink_inode(dfd, "ebadf", -1, 0), EBADF);
	KW_CHECK_ERRNO(unlink_inode(dfd, "ebadf", AT_FDCWD, 0), EBADF);
	KW_CHECK_ERRNO(unlink_inode(dfd, "ebadf", INT_MAX, 0), EBADF);
	CHECK_IS("ebadf", fd);
	close(fd);
	return KW_PASS;
}

static int test_enotdir_dirfd(void)
{
	int fd, lfd;

	fd = create("enotdir");
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(unlink_inode(fd, "enotdir", fd, 0), ENOTDIR);
	/* An O_PATH fd of a symlink to a directory is not a directory. */
	KW_CHECK_OK(symlinkat(".", dfd, "dotlink"));
	lfd = openat(dfd, "dotlink", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	KW_CHECK_OK(lfd);
	KW_CHECK_ERRNO(unlink_inode(lfd, "enotdir", fd, 0), ENOTDIR);
	CHECK_IS("enotdir", fd);
	close(lfd);
	close(fd);
	return KW_PASS;
}

/* An inode of another file system can never be a name in this one. */
static int test_exdev_other_fs(void)
{
	static const char *const others[] = {
		"/proc/self/status", "/dev/null", "/dev/shm",
	};
	int fd, ofd;
	size_t i;

	fd = create("exdev");
	KW_CHECK_OK(fd);
	for (i = 0; i < KW_ARRAY_SIZE(others); i++) {
		ofd = open(others[i], O_PATH | O_CLOEXEC);
		KW_CHECK(ofd >= 0, "open %s: %s", others[i],
			 kw_errname(errno));
		KW_CHECK_ERRNO(unlink_inode(dfd, "exdev", ofd, 0), EXDEV);
		KW_CHECK_ERRNO(unlink_inode(dfd, "missing", ofd, 0), EXDEV);
		close(ofd);
	}
	CHECK_IS("exdev", fd);
	close(fd);
	return KW_PASS;
}

/* ---- permissions: everything unlinkat() checks still applies ---- */

struct perm_case {
	int dirfd;
	const char *name;
	int inode_fd;
	int err;
};

static struct perm_case pc;

/* Both the command and unlinkat() fail with pc.err. */
static int perm_case_as_user(void)
{
	KW_CHECK_ERRNO(unlink_inode(pc.dirfd, pc.name, pc.inode_fd, 0),
		       pc.err);
	KW_CHECK_ERRNO(unlinkat(pc.dirfd, pc.name, 0), pc.err);
	return KW_PASS;
}

/* uid 1000 in a directory of root's (mode 0755): no write permission. */
static int test_eacces_root_owned_dir(void)
{
	char exe[PATH_MAX], *slash;
	struct stat st;
	ssize_t n;

	pc.err = EACCES;
	if (kw_is_root()) {
		int rdfd, fd;

		KW_CHECK_OK(mkdirat(dfd, "rootdir", 0755));
		fd = create("rootdir/rf");
		KW_CHECK_OK(fd);
		rdfd = openat(dfd, "rootdir", O_PATH | O_DIRECTORY | O_CLOEXEC);
		KW_CHECK_OK(rdfd);
		pc.dirfd = rdfd;
		pc.name = "rf";
		pc.inode_fd = fd;
		KW_TRY(kw_run_as_user(perm_case_as_user));
		CHECK_IS("rootdir/rf", fd);
		return KW_PASS;
	}
	/* As the user: the directory this program lives in (root's). */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	KW_CHECK(n > 0, "readlink /proc/self/exe: %s", kw_errname(errno));
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	KW_CHECK(slash && slash != exe, "exe path '%s'", exe);
	*slash = '\0';
	if (stat(exe, &st) < 0 || st.st_uid != 0 || !access(exe, W_OK))
		return kw_skip("%s is not a directory of root's that uid %u cannot write",
			       exe, getuid());
	pc.dirfd = open(exe, O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(pc.dirfd);
	pc.name = slash + 1;
	pc.inode_fd = openat(pc.dirfd, pc.name, O_PATH | O_CLOEXEC);
	KW_CHECK_OK(pc.inode_fd);
	KW_TRY(perm_case_as_user());
	KW_CHECK(kw_ino_at(pc.dirfd, pc.name) == kw_ino_of(pc.inode_fd),
		 "%s/%s was removed", exe, pc.name);
	return KW_PASS;
}

/* No search permission on the directory: the lookup fails. */
static int test_eacces_no_search(void)
{
	int ndfd, fd;

	KW_CHECK_OK(mkdirat(dfd, "nosearch", 0755));
	fd = create("nosearch/f");
	KW_CHECK_OK(fd);
	ndfd = openat(dfd, "nosearch", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(ndfd);
	KW_CHECK_OK(fchmodat(dfd, "nosearch", 0600, 0));
	pc.dirfd = ndfd;
	pc.name = "f";
	pc.inode_fd = fd;
	pc.err = EACCES;
	KW_TRY(kw_run_as_user(perm_case_as_user));
	KW_CHECK_OK(fchmodat(dfd, "nosearch", 0755, 0));
	CHECK_IS("nosearch/f", fd);
	close(fd);
	close(ndfd);
	return KW_PASS;
}

static int own_file_in_tmp(void)
{
	char path[] = "/tmp/kw10-mine.XXXXXX";
	int fd = mkstemp(path);

	KW_CHECK_OK(fd);
	KW_CHECK_OK(unlink_inode(pc.dirfd, strrchr(path, '/') + 1, fd, 0));
	KW_CHECK(access(path, F_OK) < 0, "%s still exists", path);
	close(fd);
	return KW_PASS;
}

/* /tmp is sticky: uid 1000 may not remove root's file there. */
static int test_eperm_sticky_tmp(void)
{
	char path[] = "/tmp/kw10-sticky.XXXXXX";
	struct stat st;
	int fd, res;

	if (!kw_is_root())
		return kw_skip("needs root to make a file of another user in /tmp");
	KW_CHECK_OK(stat("/tmp", &st));
	if (!(st.st_mode & S_ISVTX))
		return kw_skip("/tmp is not sticky (mode %o)", st.st_mode);
	fd = mkstemp(path);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(fchmod(fd, 0666));
	pc.dirfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(pc.dirfd);
	pc.name = strrchr(path, '/') + 1;
	pc.inode_fd = fd;
	pc.err = EPERM;
	res = kw_run_as_user(perm_case_as_user);
	if (res == KW_PASS)
		res = kw_run_as_user(own_file_in_tmp);
	KW_CHECK(kw_ino_at(pc.dirfd, pc.name) == kw_ino_of(fd), "%s was removed",
		 path);
	unlink(path);
	close(fd);
	return res;
}

/* Root's CAP_DAC_OVERRIDE applies, as for unlinkat() ... */
static int test_root_dac_override(void)
{
	int udfd, fd;

	if (!kw_is_root())
		return kw_skip("root only");
	KW_CHECK_OK(mkdirat(dfd, "udir", 0755));
	KW_CHECK_OK(fchownat(dfd, "udir", KW_USER_UID, KW_USER_GID, 0));
	fd = create("udir/uf");
	KW_CHECK_OK(fd);
	udfd = openat(dfd, "udir", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(udfd);
	KW_CHECK_OK(unlink_inode(udfd, "uf", fd, 0));
	KW_CHECK(!exists("udir/uf"), "udir/uf still exists");
	close(fd);
	close(udfd);
	return KW_PASS;
}

/*
 * ... but not for root in a new user namespace, where the directory's
 * owner (uid 1000) is not mapped.
 */
static int test_userns_no_dac_override(void)
{
	pid_t pid;
	int fd;

	if (!kw_is_root())
		return kw_skip("root only (needs a directory of an unmapped owner)");
	KW_CHECK_OK(mkdirat(dfd, "udir2", 0755));
	KW_CHECK_OK(fchownat(dfd, "udir2", KW_USER_UID, KW_USER_GID, 0));
	fd = create("udir2/uf");
	KW_CHECK_OK(fd);
	pc.dirfd = openat(dfd, "udir2", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(pc.dirfd);
	pc.name = "uf";
	pc.inode_fd = fd;
	pc.err = EACCES;
	pid = fork();
	if (pid < 0)
		return kw_fail("fork: %s", kw_errname(errno));
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(kw_skip("unshare(CLONE_NEWUSER): %s",
				      kw_errname(errno)));
		_exit(perm_case_as_user());
	}
	KW_TRY(kw_wait(pid));
	CHECK_IS("udir2/uf", fd);
	close(fd);
	return KW_PASS;
}

/*
 * A read-only bind mount: EROFS, as for unlinkat().  The mount inode_fd
 * was opened on does not matter: through the writable mount, the fd
 * opened through the read-only one removes the file.
 */
static int test_erofs_ro_bind_mount(void)
{
	int rofd, rwfd, fd;

	KW_CHECK_OK(mkdirat(dfd, "rosrc", 0755));
	fd = create("rosrc/f");
	KW_CHECK_OK(fd);
	close(fd);
	KW_CHECK_OK(mkdirat(dfd, "romnt", 0755));
	KW_TRY(kw_enter_mount_ns());
	KW_CHECK_OK(mount(P("rosrc"), P("romnt"), NULL, MS_BIND, NULL));
	KW_CHECK_OK(mount(NULL, P("romnt"), NULL,
			  MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	rofd = open(P("romnt"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(rofd);
	fd = openat(rofd, "f", O_PATH | O_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(unlink_inode(rofd, "f", fd, 0), EROFS);
	KW_CHECK_ERRNO(unlinkat(rofd, "f", 0), EROFS);
	CHECK_IS("rosrc/f", fd);

	rwfd = openat(dfd, "rosrc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(rwfd);
	KW_CHECK_OK(unlink_inode(rwfd, "f", fd, 0));
	KW_CHECK(!exists("rosrc/f"), "rosrc/f still exists");
	close(rwfd);
	close(fd);
	close(rofd);
	return KW_PASS;
}

/* A mount point: EBUSY, as for rmdir(). */
static int test_ebusy_mountpoint(void)
{
	int under, top, ndfd;

	KW_CHECK_OK(mkdirat(dfd, "mp", 0755));
	under = openat(dfd, "mp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(under);
	KW_TRY(kw_enter_mount_ns());
	KW_CHECK_OK(mount("kw10", P("mp"), "tmpfs", 0, NULL));
	/* The scratch directory as this mount namespace sees it. */
	ndfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(ndfd);
	KW_CHECK_ERRNO(unlink_inode(ndfd, "mp", under,
				    KWISH_UNLINK_REMOVEDIR), EBUSY);
	KW_CHECK_ERRNO(unlinkat(ndfd, "mp", AT_REMOVEDIR), EBUSY);
	/* What is mounted there is not the entry (another file system). */
	top = openat(ndfd, "mp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(top);
	KW_CHECK(kw_ino_at(ndfd, "mp") == kw_ino_of(top), "mp is not the mount");
	KW_CHECK_ERRNO(unlink_inode(ndfd, "mp", top, KWISH_UNLINK_REMOVEDIR),
		       EXDEV);
	KW_CHECK(kw_ino_at(dfd, "mp") == kw_ino_of(under), "mp was removed");
	close(top);
	close(ndfd);
	close(under);
	return KW_PASS;
}

/* Run @fn in a child with uid and gid @id (needs root). */
static int run_as_id(unsigned int id, int (*fn)(void))
{
	pid_t pid = fork();

	if (pid < 0)
		return kw_fail("fork: %s", kw_errname(errno));
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(id, id, id) < 0 ||
		    setresuid(id, id, id) < 0)
			_exit(kw_fail("becoming uid %u: %s", id,
				      kw_errname(errno)));
		_exit(fn());
	}
	return kw_wait(pid);
}

static int remove_pc(void)
{
	KW_CHECK_OK(unlink_inode(pc.dirfd, pc.name, pc.inode_fd, 0));
	return KW_PASS;
}

/*
 * A user namespace fd whose idmapping maps id @from to @to (root): a
 * child unshares one and waits while the parent writes its maps.
 */
static int userns_fd(unsigned int from, unsigned int to)
{
	char path[64], map[64];
	int p[2], fd, err;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[1]);
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		/* Wait for the parent: EOF when it is done. */
		while (read(p[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(p[0]);
	/* The child may not have unshared yet: wait until it has. */
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	for (fd = 0; fd < 2000; fd++) {
		char buf[64];

		if (kw_read_file(path, buf, sizeof(buf)) >= 0 && !buf[0])
			break;
		usleep(1000);
	}
	snprintf(map, sizeof(map), "%u %u 1", from, to);
	err = kw_write_file(path, map);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	if (!err)
		err = kw_write_file(path, map);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	fd = err ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	err = err ? -err : errno;
	close(p[1]);
	kw_wait(pid);
	errno = err;
	return fd;
}

/*
 * An idmapped mount (mount_setattr(MOUNT_ATTR_IDMAP), on-disk uid 1000
 * shown as 3000): the permission checks see the mapped owner, as
 * unlinkat()'s do.  tmpfs allows idmapped mounts since v6.3, so this
 * runs on 6.12 and is skipped on 6.1.
 */
static int test_idmapped_mount(void)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	struct stat st;
	int tree, fd;

	if (!kw_is_root())
		return kw_skip("root only (makes an idmapped mount)");
	KW_CHECK_OK(mkdirat(dfd, "idm", 0755));
	KW_CHECK_OK(fchownat(dfd, "idm", KW_USER_UID, KW_USER_GID, 0));
	fd = create("idm/f");
	KW_CHECK_OK(fd);
	/* An owner the idmapping maps, else may_delete() says EOVERFLOW. */
	KW_CHECK_OK(fchown(fd, KW_USER_UID, KW_USER_GID));
	attr.userns_fd = userns_fd(KW_USER_UID, 3000);
	KW_CHECK(attr.userns_fd < (__u64)INT_MAX, "user namespace: %s",
		 kw_errname(errno));
	tree = open_tree(dfd, "idm", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	KW_CHECK_OK(tree);
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		if (errno == EINVAL)
			return kw_skip("no idmapped mounts of tmpfs on this kernel (v6.3+)");
		return kw_fail("mount_setattr(MOUNT_ATTR_IDMAP): %s",
			       kw_errname(errno));
	}
	KW_CHECK_OK(fstat(tree, &st));
	KW_CHECK(st.st_uid == 3000, "idmapped directory owner %u", st.st_uid);

	pc.dirfd = tree;
	pc.name = "f";
	pc.inode_fd = fd;
	pc.err = EACCES;
	/* The on-disk owner is not the owner through this mount ... */
	KW_TRY(run_as_id(KW_USER_UID, perm_case_as_user));
	CHECK_IS("idm/f", fd);
	/* ... the mapped one is. */
	KW_TRY(run_as_id(3000, remove_pc));
	KW_CHECK(!exists("idm/f"), "idm/f still exists");
	close(tree);
	close(fd);
	return KW_PASS;
}

/* ---- races: nothing but the expected inode is ever removed ---- */

struct race_shared {
	volatile int stop;
	/* test_race_exchange's fallback: pause the racer, know it paused */
	volatile int pause;
	volatile unsigned int pause_gen, paused_gen;
	volatile unsigned long ops;
	unsigned long ino[RACE_MAX];
};

static struct race_shared *race_shared(void)
{
	void *p = mmap(NULL, sizeof(struct race_shared),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Create a file or directory as @tmp, open it, rename it to @name. */
static int race_new(int at, const char *tmp, const char *name, bool isdir)
{
	int fd = isdir ? mkdir_open_at(at, tmp) : create_at(at, tmp);

	if (fd < 0)
		return -1;
	if (renameat2(at, tmp, at, name, RENAME_NOREPLACE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The racer swaps "a" and "b" with RENAME_EXCHANGE as fast as it can, so
 * the other file is renamed over "a" again and again and nothing is ever
 * removed but by the command.  Each round the command is retried until
 * it removes "a" = E; every ESTALE must leave both files linked, the
 * success must leave E unlinked and X, by inode number, the only entry.
 * Odd rounds use directories.  A round in which the racer always wins
 * (the two processes can fall into step) ends with the racer paused: one
 * more try, and if "a" is X then, an exchange of our own and a last try,
 * which must remove E.
 */
static int test_race_exchange(void)
{
	struct race_shared *sh = race_shared();
	unsigned int rounds = 0, stale = 0, paused = 0, tries;
	double end = kw_now() + RACE_SECS;
	unsigned long ops;
	int rdfd, e, x, res;
	pid_t racer;
	long r;

	KW_CHECK(sh, "mmap: %s", kw_errname(errno));
	KW_CHECK_OK(mkdirat(dfd, "race_x", 0755));
	rdfd = openat(dfd, "race_x", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(rdfd);
	racer = fork();
	if (racer < 0)
		return kw_fail("fork: %s", kw_errname(errno));
	if (racer == 0) {
		while (!sh->stop) {
			if (sh->pause) {
				/* No exchange runs once this is seen. */
				sh->paused_gen = sh->pause_gen;
				continue;
			}
			if (!renameat2(rdfd, "a", rdfd, "b", RENAME_EXCHANGE))
				sh->ops++;
			else if (errno != ENOENT)
				_exit(kw_fail("RENAME_EXCHANGE: %s",
					      kw_errname(errno)));
		}
		_exit(KW_PASS);
	}

	res = KW_PASS;
	while (res == KW_PASS && kw_now() < end && rounds < 2000) {
		bool isdir = rounds & 1;
		__u32 flags = isdir ? KWISH_UNLINK_REMOVEDIR : 0;
		long lx = isdir ? 2 : 1;
		unsigned long ia, ib;

		/* E first ("b" absent: no swaps yet), then X. */
		e = race_new(rdfd, "e.tmp", "a", isdir);
		x = race_new(rdfd, "x.tmp", "b", isdir);
		if (e < 0 || x < 0) {
			res = kw_fail("round %u: creating: %s", rounds,
				      kw_errname(errno));
			break;
		}
		/* Let the racer swap at least once in each round. */
		ops = sh->ops;
		for (tries = 0; sh->ops == ops && tries < 100000; tries++)
			sched_yield();
		for (tries = 0; tries < 1000; tries++) {
			if (tries == 999) {
				sh->pause_gen++;
				sh->pause = 1;
				while (sh->paused_gen != sh->pause_gen)
					sched_yield();
				if (kw_ino_at(rdfd, "a") == kw_ino_of(x) &&
				    renameat2(rdfd, "a", rdfd, "b",
					      RENAME_EXCHANGE)) {
					res = kw_fail("exchange: %s",
						      kw_errname(errno));
					break;
				}
				paused++;
			}
			r = unlink_inode(rdfd, "a", e, flags);
			if (r == 0)
				break;
			if (errno != ESTALE) {
				res = kw_fail("round %u: %s", rounds,
					      kw_errname(errno));
				break;
			}
			stale++;
			if (nlink_of(e) < 1 || nlink_of(x) != lx) {
				res = kw_fail("round %u: ESTALE, but nlink E %ld X %ld",
					      rounds, nlink_of(e),
					      nlink_of(x));
				break;
			}
		}
		sh->pause = 0;
		if (res != KW_PASS)
			break;
		if (r != 0) {
			res = kw_fail("round %u: not removed in %u tries",
				      rounds, tries);
			break;
		}
		/* E is gone, X is untouched and is the one entry left. */
		ia = kw_ino_at(rdfd, "a");
		ib = kw_ino_at(rdfd, "b");
		if (nlink_of(e) != 0 || nlink_of(x) != lx ||
		    !!ia == !!ib || (ia ? ia : ib) != kw_ino_of(x)) {
			res = kw_fail("round %u: after removal: nlink E %ld X %ld, a=%lu b=%lu, E=%lu X=%lu",
				      rounds, nlink_of(e), nlink_of(x), ia, ib,
				      kw_ino_of(e), kw_ino_of(x));
			break;
		}
		if (unlinkat(rdfd, ia ? "a" : "b", isdir ? AT_REMOVEDIR : 0)) {
			res = kw_fail("removing X: %s", kw_errname(errno));
			break;
		}
		close(e);
		close(x);
		rounds++;
	}
	sh->stop = 1;
	r = kw_wait(racer);
	KW_TRY(res);
	KW_CHECK(r == KW_PASS, "the racer failed (%ld)", r);
	kw_diag("%u rounds (files and directories), %u ESTALE, %lu exchanges, %u rounds ended with the racer paused",
		rounds, stale, sh->ops, paused);
	KW_CHECK(rounds > 0, "no round completed");
	return KW_PASS;
}

/* Read the inotify events that are there into @log (grows). */
struct ev_log {
	char *buf;
	size_t len, cap;
	bool overflow;
};

static int ev_drain(int ifd, struct ev_log *log)
{
	ssize_t n;

	for (;;) {
		if (log->cap - log->len < 4096) {
			char *p = realloc(log->buf, log->cap * 2 + 65536);

			if (!p)
				return -1;
			log->buf = p;
			log->cap = log->cap * 2 + 65536;
		}
		n = read(ifd, log->buf + log->len, log->cap - log->len);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		log->len += n;
	}
}

/*
 * The racer renames new files over "a" as fast as it can (recording each
 * file's inode number first); the command removes whatever it found at
 * "a" a moment before, if that is still there.  inotify reports the
 * directory's changes in the order they happened (under the directory
 * lock): replaying IN_MOVED_TO "a" (the racer's file n.K is "a" now) and
 * IN_DELETE "a" (the command removed "a"), every removal must have hit
 * exactly the inode that call was given.
 */
static int test_race_rename_over(void)
{
	struct race_shared *sh = race_shared();
	unsigned long *succ, holder = 0;
	unsigned int nsucc = 0, stale = 0, nodel = 0, ndel = 0, k;
	double end = kw_now() + RACE_SECS;
	struct ev_log log = { 0 };
	int rdfd, ifd, fd, res;
	uint32_t cookie = 0;
	unsigned long ino;
	pid_t racer;
	size_t off;
	long r;

	succ = calloc(RACE_MAX, sizeof(*succ));
	KW_CHECK(sh && succ, "no memory");
	KW_CHECK_OK(mkdirat(dfd, "race_r", 0755));
	rdfd = openat(dfd, "race_r", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(rdfd);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	KW_CHECK_OK(ifd);
	KW_CHECK_OK(inotify_add_watch(ifd, P("race_r"),
				      IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO));
	racer = fork();
	if (racer < 0)
		return kw_fail("fork: %s", kw_errname(errno));
	if (racer == 0) {
		char name[32];
		int nfd;

		for (k = 0; !sh->stop && k < RACE_MAX; k++) {
			snprintf(name, sizeof(name), "n.%u", k);
			nfd = create_at(rdfd, name);
			if (nfd < 0)
				_exit(kw_fail("create %s: %s", name,
					      kw_errname(errno)));
			sh->ino[k] = kw_ino_of(nfd);
			close(nfd);
			__sync_synchronize();
			if (renameat(rdfd, name, rdfd, "a"))
				_exit(kw_fail("rename %s: %s", name,
					      kw_errname(errno)));
			sh->ops++;
		}
		_exit(KW_PASS);
	}

	res = KW_PASS;
	while (kw_now() < end && nsucc < RACE_MAX) {
		if (ev_drain(ifd, &log) < 0) {
			res = kw_fail("inotify: %s", kw_errname(errno));
			break;
		}
		fd = openat(rdfd, "a", O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			nodel++;	/* just removed, not replaced yet */
			continue;
		}
		ino = kw_ino_of(fd);
		r = unlink_inode(rdfd, "a", fd, 0);
		if (r == 0) {
			succ[nsucc++] = ino;
		} else if (errno == ESTALE) {
			stale++;
		} else {
			res = kw_fail("%s", kw_errname(errno));
			close(fd);
			break;
		}
		/* Either way this inode is unlinked now: by us or the racer. */
		if (nlink_of(fd) != 0) {
			res = kw_fail("%s, but inode %lu still has %ld links",
				      r ? "ESTALE" : "removed", ino,
				      nlink_of(fd));
			close(fd);
			break;
		}
		close(fd);
	}
	sh->stop = 1;
	r = kw_wait(racer);
	KW_TRY(res);
	KW_CHECK(r == KW_PASS, "the racer failed (%ld)", r);
	KW_CHECK(ev_drain(ifd, &log) == 0, "inotify: %s", kw_errname(errno));

	/* Replay the directory's history. */
	for (off = 0; off < log.len;) {
		const struct inotify_event *ev =
			(const struct inotify_event *)(log.buf + off);

		off += sizeof(*ev) + ev->len;
		KW_CHECK(!(ev->mask & IN_Q_OVERFLOW), "inotify queue overflow");
		if (ev->mask & IN_MOVED_FROM) {
			KW_CHECK(sscanf(ev->name, "n.%u", &k) == 1 &&
				 k < RACE_MAX, "moved from '%s'", ev->name);
			cookie = ev->cookie;
		} else if (ev->mask & IN_MOVED_TO) {
			KW_CHECK(!strcmp(ev->name, "a") && ev->cookie == cookie,
				 "moved to '%s'", ev->name);
			holder = sh->ino[k];
		} else if (ev->mask & IN_DELETE) {
			KW_CHECK(!strcmp(ev->name, "a"), "'%s' was removed",
				 ev->name);
			KW_CHECK(ndel < nsucc, "more removals than successes");
			KW_CHECK(succ[ndel] == holder,
				 "removal %u removed inode %lu, the call was given %lu",
				 ndel, holder, succ[ndel]);
			ndel++;
			holder = 0;
		}
	}
	KW_CHECK(ndel == nsucc, "%u successes, %u removals seen", nsucc, ndel);
	kw_diag("%u removed, %u ESTALE, %u gaps, %lu renames over the name",
		nsucc, stale, nodel, sh->ops);
	KW_CHECK(nsucc > 0, "nothing was ever removed");
	free(log.buf);
	free(succ);
	return KW_PASS;
}

/* ---- libkwish and kwishctl ---- */

static int test_libkwish(void)
{
	int fd, ofd;

	fd = create("lib");
	KW_CHECK_OK(fd);
	ofd = create("lib.other");
	KW_CHECK_OK(ofd);
	KW_CHECK_ERRNO(kwish_unlink_inode(dfd, "lib", ofd, 0), ESTALE);
	KW_CHECK(kwish_last_iface() == KWISH_IFACE_DEV, "used %s",
		 kwish_iface_name(kwish_last_iface()));
	CHECK_IS("lib", fd);
	KW_CHECK_OK(kwish_unlink_inode(dfd, "lib", fd, 0));
	KW_CHECK(!exists("lib"), "lib still exists");
	KW_CHECK_OK(kwish_unlink_inode_kfd(kfd, dfd, "lib.other", ofd, 0));
	KW_CHECK(!exists("lib.other"), "lib.other still exists");
	close(ofd);
	close(fd);
	return KW_PASS;
}

#define KWISHCTL(want, ...)						\
	do {								\
		char *const __argv[] = { "kwishctl", "unlink-inode",	\
					 __VA_ARGS__, NULL };		\
		int __st = kw_run_cmd(__argv, -1, NULL, 0);			\
									\
		if (__st == 127)					\
			return kw_skip("kwishctl is not in PATH");	\
		KW_CHECK(__st == (want), "kwishctl unlink-inode %s: exit %d, want %d", \
			 __argv[2], __st, (want));			\
	} while (0)

static int test_kwishctl(void)
{
	char num[16], *p1, *p2;
	int fd, ofd;

	fd = create("ctl1");
	KW_CHECK_OK(fd);
	close(fd);
	p1 = strdup(P("ctl1"));
	KWISHCTL(0, p1, p1);
	KW_CHECK(!exists("ctl1"), "ctl1 still exists");

	fd = create("ctl2");
	KW_CHECK_OK(fd);
	ofd = create("ctl2.other");
	KW_CHECK_OK(ofd);
	p1 = strdup(P("ctl2"));
	p2 = strdup(P("ctl2.other"));
	KWISHCTL(5, p1, p2);		/* ESTALE */
	CHECK_IS("ctl2", fd);
	/* --fd: an inherited fd (not O_CLOEXEC). */
	KW_CHECK_OK(fcntl(fd, F_SETFD, 0));
	snprintf(num, sizeof(num), "%d", fd);
	KWISHCTL(0, "--fd", num, p1);
	KW_CHECK(!exists("ctl2"), "ctl2 still exists");
	close(ofd);
	close(fd);

	KW_CHECK_OK(mkdirat(dfd, "ctl3", 0755));
	p1 = strdup(P("ctl3/"));
	KWISHCTL(1, p1, p1);		/* EISDIR */
	KWISHCTL(0, "--dir", p1, p1);
	KW_CHECK(!exists("ctl3"), "ctl3 still exists");
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_removes_matching_file),
	KW_TEST(test_fd_kinds),
	KW_TEST(test_replaced_by_rename_estale),
	KW_TEST(test_usecase_lock_file),
	KW_TEST(test_directory_removedir),
	KW_TEST(test_directory_replaced_estale),
	KW_TEST(test_directory_without_flag_eisdir),
	KW_TEST(test_file_with_flag_enotdir),
	KW_TEST(test_directory_not_empty),
	KW_TEST(test_hard_link_other_name),
	KW_TEST(test_symlink_entry_compared),
	KW_TEST(test_fsnotify),
	KW_TEST(test_struct_contract),
	KW_TEST(test_einval_name),
	KW_TEST(test_enoent),
	KW_TEST(test_enametoolong),
	KW_TEST(test_efault_name),
	KW_TEST(test_ebadf),
	KW_TEST(test_enotdir_dirfd),
	KW_TEST(test_exdev_other_fs),
	KW_TEST(test_eacces_root_owned_dir),
	KW_TEST(test_eacces_no_search),
	KW_TEST(test_eperm_sticky_tmp),
	KW_TEST(test_root_dac_override),
	KW_TEST(test_userns_no_dac_override),
	KW_TEST(test_erofs_ro_bind_mount),
	KW_TEST(test_ebusy_mountpoint),
	KW_TEST(test_idmapped_mount),
	KW_TEST_T(test_race_exchange, 30),
	KW_TEST_T(test_race_rename_over, 30),
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
	chmod(P("nosearch"), 0755);
	kw_rm_rf(dir);
	return ret;
}
