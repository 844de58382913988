// SPDX-License-Identifier: GPL-2.0
/*
 * item07_link_replace: KWISH_LINK_REPLACE (wish-list item 7, link an
 * O_TMPFILE file over an existing name in one step).
 *
 * The use-case: update a file atomically from an O_TMPFILE file, so that
 * a reader of the name sees either the old or the new complete file,
 * never ENOENT and never a half-written one, and no temporary name is
 * ever visible or left behind.  The race test hammers the name with
 * readers and a directory lister while a writer replaces it thousands of
 * times.  The permission tests compare the command with what linkat()
 * (through /proc/self/fd, which any process may use) and rename() give
 * the same caller.
 */
#include <dirent.h>
#include <limits.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

#include "kwtap.h"

#define RECORD_SIZE	4096
#define RACE_SECS	10.0
#define RACE_WANT	100	/* a race worth the name, even on a debug kernel */
#define RACE_MAX	3000

static char dir[] = "/tmp/kw07.XXXXXX";
static char path_buf[8][PATH_MAX];
static int path_idx;
static int dfd = -1;		/* the scratch directory, O_PATH */
static int kfd = -1, kfd_errno;

static const char *P(const char *name)
{
	char *p = path_buf[path_idx++ % KW_ARRAY_SIZE(path_buf)];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

static long link_replace(int fd, int dirfd, const char *name)
{
	struct kwish_link_replace arg = {
		.size = sizeof(arg),
		.fd = fd,
		.dirfd = dirfd,
		.name = (uintptr_t)name,
	};

	if (kfd < 0) {
		kw_diag("open %s: %s", KWISH_DEV_PATH, kw_errname(kfd_errno));
		errno = kfd_errno;
		return -1;
	}
	return ioctl(kfd, KWISH_LINK_REPLACE, &arg);
}

/* An O_TMPFILE file in @at holding @s; returns its fd. */
static int tmpfile_at(int at, const char *s)
{
	int fd = openat(at, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tmpfile_in(const char *s)
{
	int at = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (at < 0)
		return -1;
	fd = tmpfile_at(at, s);
	close(at);
	return fd;
}

/* A named file @name in @at holding @name. */
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

static long nlink_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? -1 : (long)st.st_nlink;
}

/* The content of @name in @at, in a static buffer ("" if none). */
static const char *content_at(int at, const char *name)
{
	static char buf[256];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = openat(at, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

/* Number of ".kwish-link-*" entries in the directory @path. */
static int tmp_names_in(const char *path)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, ".kwish-link-", 12))
			n++;
	closedir(d);
	return n;
}

#define CHECK_IS(at, name, fd)						\
	KW_CHECK(kw_ino_at(at, name) == kw_ino_of(fd),			\
		 "%s is inode %lu, want %lu", name, kw_ino_at(at, name),	\
		 kw_ino_of(fd))

#define CHECK_NO_TMP(path)						\
	KW_CHECK(tmp_names_in(path) == 0,				\
		 "%d temporary names left in %s", tmp_names_in(path), path)

static int setup(void)
{
	if (!mkdtemp(dir))
		return -1;
	if (chmod(dir, 0755) < 0)
		return -1;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return dfd < 0 ? -1 : 0;
}

/* ---- behaviour ---- */

static int test_replaces_existing(void)
{
	int old, fd;

	old = create_at(dfd, "target");
	KW_CHECK_OK(old);
	fd = tmpfile_in("new contents");
	KW_CHECK_OK(fd);
	KW_CHECK(nlink_of(fd) == 0, "O_TMPFILE has %ld links", nlink_of(fd));
	KW_CHECK_OK(link_replace(fd, dfd, "target"));
	CHECK_IS(dfd, "target", fd);
	KW_CHECK(!strcmp(content_at(dfd, "target"), "new contents"),
		 "target holds '%s'", content_at(dfd, "target"));
	KW_CHECK(nlink_of(fd) == 1, "new file has %ld links", nlink_of(fd));
	KW_CHECK(nlink_of(old) == 0, "old file has %ld links", nlink_of(old));
	CHECK_NO_TMP(dir);
	close(old);
	close(fd);
	return KW_PASS;
}

/* A missing name: a plain link, as linkat(). */
static int test_creates_missing(void)
{
	int fd = tmpfile_in("fresh");

	KW_CHECK_OK(fd);
	KW_CHECK(!kw_ino_at(dfd, "fresh"), "fresh exists");
	KW_CHECK_OK(link_replace(fd, dfd, "fresh"));
	CHECK_IS(dfd, "fresh", fd);
	KW_CHECK(nlink_of(fd) == 1, "%ld links", nlink_of(fd));
	CHECK_NO_TMP(dir);
	close(fd);
	return KW_PASS;
}

/* Already this inode: success, nothing changes (as rename()). */
static int test_same_inode_noop(void)
{
	int fd = create_at(dfd, "same");

	KW_CHECK_OK(fd);
	KW_CHECK_OK(link_replace(fd, dfd, "same"));
	CHECK_IS(dfd, "same", fd);
	KW_CHECK(nlink_of(fd) == 1, "%ld links", nlink_of(fd));
	CHECK_NO_TMP(dir);
	close(fd);
	return KW_PASS;
}

/* Any linkable fd (O_PATH to a named file too): like a hard link. */
static int test_named_file_and_o_path(void)
{
	int a, b, pfd;

	a = create_at(dfd, "na");
	KW_CHECK_OK(a);
	b = create_at(dfd, "nb");
	KW_CHECK_OK(b);
	pfd = openat(dfd, "na", O_PATH | O_CLOEXEC);
	KW_CHECK_OK(pfd);
	KW_CHECK_OK(link_replace(pfd, dfd, "nb"));
	CHECK_IS(dfd, "nb", a);
	CHECK_IS(dfd, "na", a);
	KW_CHECK(nlink_of(a) == 2, "%ld links", nlink_of(a));
	KW_CHECK(nlink_of(b) == 0, "old nb has %ld links", nlink_of(b));
	/* a symlink is replaced itself, not followed */
	KW_CHECK_OK(symlinkat("na", dfd, "nlink"));
	KW_CHECK_OK(link_replace(pfd, dfd, "nlink"));
	CHECK_IS(dfd, "nlink", a);
	CHECK_NO_TMP(dir);
	close(pfd);
	close(a);
	close(b);
	return KW_PASS;
}

/*
 * Not linkable: O_TMPFILE|O_EXCL and a removed file: ENOENT, as
 * linkat(); the name keeps its file and no temporary name stays.
 */
static int test_enoent_not_linkable(void)
{
	int at, ex, gone, old;

	old = create_at(dfd, "keep");
	KW_CHECK_OK(old);
	at = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(at);
	ex = openat(at, ".", O_TMPFILE | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	KW_CHECK_OK(ex);
	KW_CHECK_ERRNO(link_replace(ex, dfd, "keep"), ENOENT);
	KW_CHECK_ERRNO(link_replace(ex, dfd, "keep-missing"), ENOENT);
	gone = create_at(dfd, "gone");
	KW_CHECK_OK(gone);
	KW_CHECK_OK(unlinkat(dfd, "gone", 0));
	KW_CHECK_ERRNO(link_replace(gone, dfd, "keep"), ENOENT);
	CHECK_IS(dfd, "keep", old);
	KW_CHECK(!kw_ino_at(dfd, "keep-missing"), "keep-missing exists");
	CHECK_NO_TMP(dir);
	close(gone);
	close(ex);
	close(at);
	close(old);
	return KW_PASS;
}

/* A directory is neither source nor target; nothing is left behind. */
static int test_directories(void)
{
	int fd, dirfd_src;

	KW_CHECK_OK(mkdirat(dfd, "adir", 0755));
	fd = tmpfile_in("x");
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(link_replace(fd, dfd, "adir"), EISDIR);
	KW_CHECK(nlink_of(fd) == 0, "tmpfile got %ld links", nlink_of(fd));
	CHECK_NO_TMP(dir);
	dirfd_src = openat(dfd, "adir", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(dirfd_src);
	KW_CHECK_ERRNO(link_replace(dirfd_src, dfd, "dirlink"), EPERM);
	close(dirfd_src);
	close(fd);
	return KW_PASS;
}

/* inotify watchers see the new name arrive (IN_MOVED_TO). */
static int test_fsnotify(void)
{
	char buf[4096] __attribute__((aligned(8)));
	struct inotify_event *ev;
	bool moved_to = false;
	int ifd, old, fd;
	ssize_t n, off;

	old = create_at(dfd, "watched");
	KW_CHECK_OK(old);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	KW_CHECK_OK(ifd);
	KW_CHECK_OK(inotify_add_watch(ifd, dir, IN_MOVED_TO | IN_CREATE));
	fd = tmpfile_in("w");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(link_replace(fd, dfd, "watched"));
	n = read(ifd, buf, sizeof(buf));
	KW_CHECK(n > 0, "no inotify event: %s", kw_errname(errno));
	for (off = 0; off < n; off += sizeof(*ev) + ev->len) {
		ev = (struct inotify_event *)(buf + off);
		if ((ev->mask & IN_MOVED_TO) && ev->len &&
		    !strcmp(ev->name, "watched"))
			moved_to = true;
	}
	KW_CHECK(moved_to, "no IN_MOVED_TO for 'watched'");
	close(fd);
	close(ifd);
	close(old);
	return KW_PASS;
}

/* ---- the argument struct and the errno contract ---- */

static int test_struct_contract(void)
{
	static const __u32 bad_flags[] = { 1, 0x1000, AT_EMPTY_PATH, 1U << 31 };
	struct {
		struct kwish_link_replace a;
		unsigned char tail[16];
	} big;
	size_t i;
	int fd;

	KW_CHECK(kfd >= 0, "open %s: %s", KWISH_DEV_PATH,
		 kw_errname(kfd_errno));
	fd = tmpfile_in("contract");
	KW_CHECK_OK(fd);
	memset(&big, 0, sizeof(big));
	big.a.fd = fd;
	big.a.dirfd = dfd;
	big.a.name = (uintptr_t)"contract";

	big.a.size = KWISH_LINK_REPLACE_SIZE_VER0 - 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_LINK_REPLACE, &big), EINVAL);
	big.a.size = sizeof(big.a);
	for (i = 0; i < KW_ARRAY_SIZE(bad_flags); i++) {
		big.a.flags = bad_flags[i];
		KW_CHECK_ERRNO(ioctl(kfd, KWISH_LINK_REPLACE, &big), EINVAL);
	}
	big.a.flags = 0;
	big.a.__reserved = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_LINK_REPLACE, &big), EINVAL);
	big.a.__reserved = 0;
	big.a.size = sizeof(big);
	big.tail[5] = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_LINK_REPLACE, &big), E2BIG);
	big.tail[5] = 0;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_LINK_REPLACE, NULL), EFAULT);
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_LINK_REPLACE, kw_bad_ptr()), EFAULT);
	KW_CHECK(!kw_ino_at(dfd, "contract"), "contract was linked");
	KW_CHECK(ioctl(kfd, KWISH_LINK_REPLACE, &big) == 0,
		 "larger struct with zero tail: %s", kw_errname(errno));
	CHECK_IS(dfd, "contract", fd);
	close(fd);
	return KW_PASS;
}

static int test_name_errors(void)
{
	static const char *const bad[] = { ".", "..", "a/b", "/abs", "x/" };
	char name[300];
	size_t i;
	int fd;

	fd = tmpfile_in("names");
	KW_CHECK_OK(fd);
	for (i = 0; i < KW_ARRAY_SIZE(bad); i++)
		KW_CHECK_ERRNO(link_replace(fd, dfd, bad[i]), EINVAL);
	KW_CHECK_ERRNO(link_replace(fd, dfd, ""), ENOENT);
	KW_CHECK_ERRNO(link_replace(fd, dfd, kw_bad_ptr()), EFAULT);
	memset(name, 'a', sizeof(name));
	name[NAME_MAX + 1] = '\0';
	KW_CHECK_ERRNO(link_replace(fd, dfd, name), ENAMETOOLONG);
	name[sizeof(name) - 1] = '\0';
	KW_CHECK_ERRNO(link_replace(fd, dfd, name), ENAMETOOLONG);
	name[NAME_MAX] = '\0';		/* 255 bytes: fine */
	KW_CHECK_OK(link_replace(fd, dfd, name));
	CHECK_IS(dfd, name, fd);
	close(fd);
	return KW_PASS;
}

static int test_fd_errors(void)
{
	int fd, ffd;

	fd = tmpfile_in("fds");
	KW_CHECK_OK(fd);
	ffd = create_at(dfd, "notadir");
	KW_CHECK_OK(ffd);
	KW_CHECK_ERRNO(link_replace(-1, dfd, "fds"), EBADF);
	KW_CHECK_ERRNO(link_replace(9999, dfd, "fds"), EBADF);
	KW_CHECK_ERRNO(link_replace(AT_FDCWD, dfd, "fds"), EBADF);
	KW_CHECK_ERRNO(link_replace(fd, -1, "fds"), EBADF);
	KW_CHECK_ERRNO(link_replace(fd, 9999, "fds"), EBADF);
	KW_CHECK_ERRNO(link_replace(fd, ffd, "fds"), ENOTDIR);
	KW_CHECK(!kw_ino_at(dfd, "fds"), "fds was linked");
	/* AT_FDCWD: the working directory */
	KW_CHECK_OK(fchdir(openat(dfd, ".", O_RDONLY | O_DIRECTORY)));
	KW_CHECK_OK(link_replace(fd, AT_FDCWD, "fds"));
	CHECK_IS(dfd, "fds", fd);
	close(ffd);
	close(fd);
	return KW_PASS;
}

/*
 * Another mount of the same file system: EXDEV, as linkat(); a read-only
 * mount: EROFS; a file bind-mounted over the name: EBUSY (rename()).
 */
static int test_mounts(void)
{
	int bfd, bind, fd, rofd, old, mfd;

	KW_CHECK_OK(mkdirat(dfd, "bsrc", 0755));
	KW_CHECK_OK(mkdirat(dfd, "bmnt", 0755));
	KW_CHECK_OK(mkdirat(dfd, "romnt", 0755));
	old = create_at(dfd, "bsrc/t");
	KW_CHECK_OK(old);
	mfd = create_at(dfd, "bsrc/m");
	KW_CHECK_OK(mfd);
	KW_TRY(kw_enter_mount_ns());
	KW_CHECK_OK(mount(P("bsrc"), P("bmnt"), NULL, MS_BIND, NULL));
	bind = open(P("bmnt"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(bind);
	bfd = openat(dfd, "bsrc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(bfd);
	fd = tmpfile_at(bind, "through the bind mount");
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(link_replace(fd, bfd, "t"), EXDEV);
	CHECK_IS(bfd, "t", old);
	KW_CHECK_OK(link_replace(fd, bind, "t"));
	CHECK_IS(bfd, "t", fd);

	KW_CHECK_OK(mount(P("bsrc"), P("romnt"), NULL, MS_BIND, NULL));
	KW_CHECK_OK(mount(NULL, P("romnt"), NULL,
			  MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	rofd = open(P("romnt"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(rofd);
	close(fd);
	fd = openat(rofd, "m", O_PATH | O_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(link_replace(fd, rofd, "t"), EROFS);

	close(fd);
	fd = tmpfile_at(bind, "busy");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(mount(P("bsrc/m"), P("bmnt/t"), NULL, MS_BIND, NULL));
	KW_CHECK_ERRNO(link_replace(fd, bind, "t"), EBUSY);
	KW_CHECK_ERRNO(renameat(bind, "m", bind, "t"), EBUSY);
	CHECK_NO_TMP(P("bsrc"));
	close(fd);
	close(rofd);
	close(bfd);
	close(bind);
	close(mfd);
	close(old);
	return KW_PASS;
}

/* ---- permissions: the same answers as linkat() and rename() ---- */

/* linkat() of @fd through /proc/self/fd (allowed to every process). */
static int proc_linkat(int fd, int dirfd, const char *name)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, p, dirfd, name, AT_SYMLINK_FOLLOW);
}

static struct {
	int fd, dirfd;
	const char *name;
	int err;
} pc;

static int perm_case(void)
{
	if (pc.err) {
		KW_CHECK_ERRNO(link_replace(pc.fd, pc.dirfd, pc.name), pc.err);
	} else {
		KW_CHECK_OK(link_replace(pc.fd, pc.dirfd, pc.name));
	}
	return KW_PASS;
}

/* uid 1000 opens a file of root's that it may not write, then links it. */
static int user_links_root_file(void)
{
	int want, fd;

	fd = openat(dfd, "rootfile", O_PATH | O_CLOEXEC);
	KW_CHECK_OK(fd);
	want = proc_linkat(fd, pc.dirfd, "viaproc") < 0 ? errno : 0;
	if (!want)
		unlinkat(pc.dirfd, "viaproc", 0);
	pc.fd = fd;
	pc.name = "hl";
	pc.err = want;
	return perm_case();
}

/*
 * fs.protected_hardlinks: uid 1000 may not link a file of root's that it
 * cannot read and write; the answer is linkat()'s, whatever the sysctl.
 */
static int test_protected_hardlinks(void)
{
	char val[16] = "?";
	int fd, udir;

	if (!kw_is_root())
		return kw_skip("root only (needs a file of another user)");
	kw_read_file("/proc/sys/fs/protected_hardlinks", val, sizeof(val));
	fd = create_at(dfd, "rootfile");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(mkdirat(dfd, "hdir", 0777));
	KW_CHECK_OK(fchmodat(dfd, "hdir", 0777, 0));
	udir = openat(dfd, "hdir", O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(udir);
	pc.dirfd = udir;
	KW_TRY(kw_run_as_user(user_links_root_file));
	kw_diag("fs.protected_hardlinks=%.1s: uid %d got %s", val, KW_USER_UID,
		kw_ino_at(udir, "hl") ? "the link" : "EPERM");
	if (val[0] == '1')
		KW_CHECK(!kw_ino_at(udir, "hl"), "hl was linked");
	close(udir);
	close(fd);
	return KW_PASS;
}

/* An fd opened by another process (other credentials): ENOENT. */
static int test_foreign_fd_enoent(void)
{
	pid_t pid;
	int fd;

	fd = tmpfile_in("foreign");
	KW_CHECK_OK(fd);
	pid = fork();
	if (pid < 0)
		return kw_fail("fork: %s", kw_errname(errno));
	if (pid == 0) {
		/* fork() gave the child credentials of its own */
		if (kw_is_root() && kw_become_user() < 0)
			_exit(kw_fail("setuid: %s", kw_errname(errno)));
		pc.fd = fd;
		pc.dirfd = dfd;
		pc.name = "foreign";
		pc.err = ENOENT;	/* checked before the directory */
		_exit(perm_case());
	}
	KW_TRY(kw_wait(pid));
	KW_CHECK(!kw_ino_at(dfd, "foreign"), "foreign was linked");
	/* root (CAP_DAC_READ_SEARCH) may link another process's fd */
	if (kw_is_root()) {
		pid = fork();
		if (pid == 0) {
			pc.fd = fd;
			pc.dirfd = dfd;
			pc.name = "foreign";
			pc.err = 0;
			_exit(perm_case());
		}
		KW_TRY(kw_wait(pid));
		CHECK_IS(dfd, "foreign", fd);
	}
	close(fd);
	return KW_PASS;
}

/* uid 1000: its own O_TMPFILE into root's directory: EACCES. */
static int user_into_root_dir(void)
{
	int fd, at;

	at = open(P("udir"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(at);
	fd = tmpfile_at(at, "mine");
	KW_CHECK_OK(fd);
	pc.fd = fd;
	pc.dirfd = dfd;
	pc.name = "rootfile2";
	pc.err = EACCES;
	KW_TRY(perm_case());
	KW_CHECK_ERRNO(proc_linkat(fd, dfd, "rootfile3"), EACCES);
	/* ... and into its own directory, over its own file: fine */
	KW_CHECK_OK(link_replace(fd, at, "own"));
	KW_CHECK_OK(link_replace(fd, at, "own"));
	close(fd);
	close(at);
	return KW_PASS;
}

static int test_eacces_root_dir(void)
{
	int fd;

	if (!kw_is_root())
		return kw_skip("root only (needs a directory of root's)");
	fd = create_at(dfd, "rootfile2");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(mkdirat(dfd, "udir", 0755));
	KW_CHECK_OK(fchownat(dfd, "udir", KW_USER_UID, KW_USER_GID, 0));
	KW_TRY(kw_run_as_user(user_into_root_dir));
	CHECK_IS(dfd, "rootfile2", fd);
	CHECK_NO_TMP(dir);
	close(fd);
	return KW_PASS;
}

/* /tmp is sticky: uid 1000 may not replace root's file there (EPERM). */
static int user_sticky(void)
{
	int at, fd;

	at = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(at);
	fd = tmpfile_at(at, "intruder");
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(link_replace(fd, at, pc.name), EPERM);
	close(fd);
	close(at);
	return KW_PASS;
}

static int test_eperm_sticky_tmp(void)
{
	char path[] = "/tmp/kw07-sticky.XXXXXX";
	struct stat st;
	int fd, res;

	if (!kw_is_root())
		return kw_skip("root only (needs a file of another user)");
	KW_CHECK_OK(stat("/tmp", &st));
	if (!(st.st_mode & S_ISVTX))
		return kw_skip("/tmp is not sticky (mode %o)", st.st_mode);
	fd = mkstemp(path);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(fchmod(fd, 0666));
	pc.name = strrchr(path, '/') + 1;
	res = kw_run_as_user(user_sticky);
	KW_CHECK(kw_ino_at(AT_FDCWD, path) == kw_ino_of(fd), "%s was replaced",
		 path);
	unlink(path);
	close(fd);
	KW_TRY(res);
	CHECK_NO_TMP("/tmp");
	return KW_PASS;
}

/*
 * Root in a new user namespace: no DAC override on a directory whose
 * owner (uid 1000) is not mapped there, as for linkat().
 */
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
		int at, fd, nsd;

		ret = kw_enter_userns(0);
		if (ret < 0)
			_exit(kw_skip("no user namespace: %s",
				      kw_errname(-ret)));
		/* our own directory (mapped owner): works */
		at = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (at < 0)
			_exit(kw_fail("open: %s", kw_errname(errno)));
		fd = tmpfile_at(at, "ns");
		if (fd < 0)
			_exit(kw_fail("O_TMPFILE: %s", kw_errname(errno)));
		if (link_replace(fd, at, "nsfile") < 0)
			_exit(kw_fail("in own dir: %s", kw_errname(errno)));
		if (!real_root)
			_exit(KW_PASS);
		nsd = openat(at, "nsdir", O_PATH | O_DIRECTORY | O_CLOEXEC);
		pc.fd = fd;
		pc.dirfd = nsd;
		pc.name = "x";
		pc.err = EACCES;
		ret = perm_case();
		if (ret == KW_PASS && proc_linkat(fd, nsd, "y") == 0)
			ret = kw_fail("linkat() into nsdir worked");
		_exit(ret);
	}
	KW_TRY(kw_wait(pid));
	KW_CHECK(kw_ino_at(dfd, "nsfile"), "nsfile missing");
	KW_CHECK(!kw_ino_at(dfd, "nsdir/x"), "nsdir/x was linked");
	return KW_PASS;
}

/* ---- the use-case: readers never see ENOENT or a partial file ---- */

struct race_shared {
	volatile int stop;
	volatile long replaced, reads, enoent, torn, listed_tmp, lists;
	char why[256];
};

/* A record: 4096 bytes, all equal to the generation's low byte. */
static void fill_record(char *buf, unsigned long gen)
{
	memset(buf, 'A' + (int)(gen % 26), RECORD_SIZE);
}

static void race_reader(struct race_shared *sh)
{
	char buf[RECORD_SIZE + 1];
	ssize_t n, len;
	int fd, i;

	while (!sh->stop) {
		fd = openat(dfd, "hot", O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				__sync_fetch_and_add(&sh->enoent, 1);
			continue;
		}
		len = 0;
		while ((n = read(fd, buf + len, sizeof(buf) - len)) > 0)
			len += n;
		close(fd);
		for (i = 1; i < len && buf[i] == buf[0]; i++)
			;
		if (len != RECORD_SIZE || i != len) {
			__sync_fetch_and_add(&sh->torn, 1);
			snprintf(sh->why, sizeof(sh->why),
				 "read %zd bytes, first bad at %d", len, i);
		}
		__sync_fetch_and_add(&sh->reads, 1);
	}
	_exit(0);
}

static void race_lister(struct race_shared *sh)
{
	while (!sh->stop) {
		int n = tmp_names_in(dir);

		if (n > 0)
			__sync_fetch_and_add(&sh->listed_tmp, n);
		__sync_fetch_and_add(&sh->lists, 1);
	}
	_exit(0);
}

static int test_race_readers_never_miss(void)
{
	struct race_shared *sh;
	char buf[RECORD_SIZE];
	pid_t kids[3];
	double end;
	int at, fd, i, res = KW_PASS;
	unsigned long gen;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	KW_CHECK(sh != MAP_FAILED, "mmap: %s", kw_errname(errno));
	at = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(at);
	fill_record(buf, 0);
	fd = openat(at, "hot", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	KW_CHECK_OK(fd);
	KW_CHECK(write(fd, buf, RECORD_SIZE) == RECORD_SIZE, "write");
	close(fd);

	for (i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			return kw_fail("fork: %s", kw_errname(errno));
		if (kids[i] == 0) {
			if (i < 2)
				race_reader(sh);
			race_lister(sh);
		}
	}
	end = kw_now() + RACE_SECS;
	for (gen = 1; gen <= RACE_MAX && kw_now() < end; gen++) {
		fd = openat(at, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0) {
			res = kw_fail("O_TMPFILE: %s", kw_errname(errno));
			break;
		}
		fill_record(buf, gen);
		if (write(fd, buf, RECORD_SIZE) != RECORD_SIZE) {
			res = kw_fail("write: %s", kw_errname(errno));
			close(fd);
			break;
		}
		if (link_replace(fd, at, "hot") < 0) {
			res = kw_fail("replacement %lu: %s", gen,
				      kw_errname(errno));
			close(fd);
			break;
		}
		close(fd);
		sh->replaced++;
	}
	sh->stop = 1;
	for (i = 0; i < 3; i++)
		kw_wait(kids[i]);
	kw_diag("%ld replacements, %ld reads (%ld ENOENT, %ld torn), %ld listings (%ld temporary names seen)",
		sh->replaced, sh->reads, sh->enoent, sh->torn, sh->lists,
		sh->listed_tmp);
	KW_TRY(res);
	KW_CHECK(sh->enoent == 0, "%ld reads found no file", sh->enoent);
	KW_CHECK(sh->torn == 0, "%ld reads saw a partial file: %s", sh->torn,
		 sh->why);
	KW_CHECK(sh->listed_tmp == 0, "readdir() listed a temporary name");
	KW_CHECK(sh->replaced >= RACE_WANT || sh->replaced == RACE_MAX,
		 "only %ld replacements", sh->replaced);
	KW_CHECK(sh->reads > 0, "the readers never read");
	CHECK_NO_TMP(dir);
	close(at);
	return KW_PASS;
}

/* ---- libkwish and kwishctl ---- */

static int test_libkwish(void)
{
	int fd;

	fd = tmpfile_in("lib");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(kwish_link_replace(fd, dfd, "lib", 0));
	KW_CHECK(kwish_last_iface() == KWISH_IFACE_DEV, "used %s",
		 kwish_iface_name(kwish_last_iface()));
	CHECK_IS(dfd, "lib", fd);
	close(fd);
	fd = tmpfile_in("lib2");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(kwish_link_replace_kfd(kfd, fd, dfd, "lib", 0));
	CHECK_IS(dfd, "lib", fd);
	KW_CHECK_ERRNO(kwish_link_replace(fd, dfd, "lib", 1), EINVAL);
	close(fd);
	return KW_PASS;
}

#define KWISHCTL(want, in, ...)						\
	do {								\
		char *const __argv[] = { "kwishctl", "link-replace",	\
					 __VA_ARGS__, NULL };		\
		int __st = kw_run_cmd(__argv, in, NULL, 0);			\
									\
		if (__st == 127)					\
			return kw_skip("kwishctl is not in PATH");	\
		KW_CHECK(__st == (want), "kwishctl link-replace %s: exit %d, want %d", \
			 __argv[2], __st, (want));			\
	} while (0)

static int test_kwishctl(void)
{
	char num[16], *p;
	struct stat st;
	int in, fd, old;

	old = create_at(dfd, "ctl");
	KW_CHECK_OK(old);
	in = create_at(dfd, "ctl.input");	/* holds "ctl.input" */
	KW_CHECK_OK(in);
	KW_CHECK_OK(lseek(in, 0, SEEK_SET));
	p = strdup(P("ctl"));
	KWISHCTL(0, in, "--mode", "0640", p);
	KW_CHECK(!strcmp(content_at(dfd, "ctl"), "ctl.input"),
		 "ctl holds '%s'", content_at(dfd, "ctl"));
	KW_CHECK_OK(fstatat(dfd, "ctl", &st, 0));
	KW_CHECK((st.st_mode & 07777) == 0640, "mode %o", st.st_mode & 07777);
	KW_CHECK(nlink_of(old) == 0, "old ctl still linked");

	fd = tmpfile_in("by fd");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(fcntl(fd, F_SETFD, 0));	/* inherited */
	snprintf(num, sizeof(num), "%d", fd);
	if (!kw_is_root()) {
		/*
		 * kwishctl's credentials are not those that opened the fd
		 * (execve() installs new ones): without CAP_DAC_READ_SEARCH
		 * that is ENOENT, as for linkat(AT_EMPTY_PATH).
		 */
		KWISHCTL(1, -1, "--fd", num, "--no-sync", p);
		KW_CHECK(nlink_of(fd) == 0, "the fd's file was linked");
		CHECK_NO_TMP(dir);
		close(fd);
		close(in);
		close(old);
		return KW_PASS;
	}
	KWISHCTL(0, -1, "--fd", num, "--no-sync", p);
	CHECK_IS(dfd, "ctl", fd);

	KW_CHECK_OK(mkdirat(dfd, "ctldir", 0755));
	p = strdup(P("ctldir"));
	KWISHCTL(1, -1, "--fd", num, p);	/* EISDIR */
	KWISHCTL(2, -1, "--fd", "x", p);
	CHECK_NO_TMP(dir);
	close(fd);
	close(in);
	close(old);
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_replaces_existing),
	KW_TEST(test_creates_missing),
	KW_TEST(test_same_inode_noop),
	KW_TEST(test_named_file_and_o_path),
	KW_TEST(test_enoent_not_linkable),
	KW_TEST(test_directories),
	KW_TEST(test_fsnotify),
	KW_TEST(test_struct_contract),
	KW_TEST(test_name_errors),
	KW_TEST(test_fd_errors),
	KW_TEST(test_mounts),
	KW_TEST(test_protected_hardlinks),
	KW_TEST(test_foreign_fd_enoent),
	KW_TEST(test_eacces_root_dir),
	KW_TEST(test_eperm_sticky_tmp),
	KW_TEST(test_userns),
	KW_TEST_T(test_race_readers_never_miss, 30),
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
