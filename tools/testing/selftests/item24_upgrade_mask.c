// SPDX-License-Identifier: GPL-2.0
/*
 * item24_upgrade_mask: KWISH_UPGRADE_MASK (wish-list item 24, re-open
 * restrictions for O_PATH fds).
 *
 * A restricted fd must never be re-opened with an access its mask blocks:
 * through /proc/self/fd/N, openat(fd, "."), fchdir() + ".", execveat(),
 * truncate() of the magic link, nor through anything re-opened from it,
 * also after it is closed.  The mask never grants anything: DAC still
 * applies, and an unprivileged caller cannot restrict (clone the mount
 * of) a directory.
 */
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include "kwtap.h"

static char dir[] = "/tmp/kw24.XXXXXX";
static char path_buf[8][PATH_MAX];
static int path_idx;
static int kfd = -1, kfd_errno;
static char self_exe[PATH_MAX];

static const char *P(const char *name)
{
	char *p = path_buf[path_idx++ % KW_ARRAY_SIZE(path_buf)];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

/* kwish 0.1.0's names still compile to the same request and struct */
_Static_assert(KWISH_FD_RESTRICT == KWISH_UPGRADE_MASK, "old request name");
_Static_assert(sizeof(struct kwish_fd_restrict) ==
	       KWISH_UPGRADE_MASK_SIZE_VER0, "old struct name");

static int restrict_raw(int fd, __u32 mask, __u32 flags, __u64 reserved)
{
	struct kwish_upgrade_mask arg = {
		.size = sizeof(arg),
		.flags = flags,
		.fd = fd,
		.upgrade_mask = mask,
		.__reserved = reserved,
	};

	if (kfd < 0) {
		errno = kfd_errno;
		return -1;
	}
	return ioctl(kfd, KWISH_UPGRADE_MASK, &arg);
}

static int restrict_path(const char *path, __u32 mask)
{
	int fd = open(path, O_PATH | O_CLOEXEC), rfd, err;

	if (fd < 0)
		return -1;
	rfd = restrict_raw(fd, mask, 0, 0);
	err = errno;
	close(fd);
	errno = err;
	return rfd;
}

/* open("/proc/self/fd/@fd", @flags): the magic-link re-open. */
static int reopen(int fd, int flags)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return open(p, flags | O_CLOEXEC);
}

static int make_file(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, "data", 4) != 4 || fchmod(fd, mode) < 0)
		return -1;
	return close(fd);
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : st.st_size;
}

#define REOPEN_OK(fd, flags)						\
	do {								\
		int __f = reopen(fd, flags);				\
									\
		KW_CHECK(__f >= 0, "reopen(%s) of fd %d: %s", #flags,	\
			 fd, kw_errname(errno));			\
		close(__f);						\
	} while (0)

static int setup(void)
{
	ssize_t n;

	if (!mkdtemp(dir) || chmod(dir, 0777) < 0)
		return -1;
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n < 0)
		return -1;
	self_exe[n] = '\0';
	return 0;
}

/* ---- errno contract ---- */

static int test_einval_ebadf(void)
{
	int fd, pfd[2];

	KW_CHECK_OK(make_file(P("args"), 0644));
	fd = open(P("args"), O_PATH | O_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(restrict_raw(fd, UPGRADE_NOWRITE, 0, 1), EINVAL);
	KW_CHECK_ERRNO(restrict_raw(fd, 0, 0, 0), EINVAL);
	KW_CHECK_ERRNO(restrict_raw(fd, 0x1, 0, 0), EINVAL);	/* NOEXEC */
	KW_CHECK_ERRNO(restrict_raw(fd, 0x8, 0, 0), EINVAL);
	KW_CHECK_ERRNO(restrict_raw(fd, UPGRADE_NOWRITE | 0x100, 0, 0),
		       EINVAL);
	KW_CHECK_ERRNO(restrict_raw(fd, UPGRADE_NOWRITE, 0x2, 0), EINVAL);
	/* argument checks come before the fd */
	KW_CHECK_ERRNO(restrict_raw(-1, 0, 0, 0), EINVAL);
	KW_CHECK_ERRNO(restrict_raw(-1, UPGRADE_NOWRITE, 0, 0), EBADF);
	KW_CHECK_ERRNO(restrict_raw(999999, UPGRADE_NOWRITE, 0, 0), EBADF);
	/* no path in this mount namespace: a pipe */
	KW_CHECK_OK(pipe2(pfd, O_CLOEXEC));
	KW_CHECK_ERRNO(restrict_raw(pfd[0], UPGRADE_NOWRITE, 0, 0), EINVAL);
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
	return KW_PASS;
}

/* ---- behaviour ---- */

static int test_nowrite(void)
{
	char buf[64], info[64];
	const char *f = P("nowrite");
	int rfd, fd, fl;
	FILE *fi;
	bool seen = false;

	KW_CHECK_OK(make_file(f, 0666));
	rfd = restrict_path(f, UPGRADE_NOWRITE);
	KW_CHECK_OK(rfd);
	fl = fcntl(rfd, F_GETFL);
	KW_CHECK(fl & O_PATH, "F_GETFL %#x: not O_PATH", fl);
	KW_CHECK(fcntl(rfd, F_GETFD) == FD_CLOEXEC, "not O_CLOEXEC");
	/* an O_PATH fd: no read/write on it */
	KW_CHECK_ERRNO(read(rfd, buf, 1), EBADF);

	fd = reopen(rfd, O_RDONLY);
	KW_CHECK_OK(fd);
	KW_CHECK(read(fd, buf, sizeof(buf)) == 4, "read");
	close(fd);
	KW_CHECK_ERRNO(reopen(rfd, O_WRONLY), EACCES);
	KW_CHECK_ERRNO(reopen(rfd, O_RDWR), EACCES);
	KW_CHECK_ERRNO(reopen(rfd, O_RDONLY | O_TRUNC), EACCES);
	KW_CHECK_ERRNO(reopen(rfd, O_WRONLY | O_APPEND), EACCES);
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", rfd);
	KW_CHECK_ERRNO(truncate(buf, 0), EACCES);
	KW_CHECK(size_of(f) == 4, "size %ld", (long)size_of(f));
	/* O_PATH re-opens carry no access */
	REOPEN_OK(rfd, O_PATH);
	/* the restriction is the fd's, not the file's */
	fd = open(f, O_WRONLY | O_CLOEXEC);
	KW_CHECK_OK(fd);
	close(fd);
	KW_CHECK_OK(truncate(f, 4));
	/* fdinfo names the mask */
	snprintf(buf, sizeof(buf), "/proc/self/fdinfo/%d", rfd);
	fi = fopen(buf, "re");
	KW_CHECK(fi, "fopen %s", buf);
	while (fgets(info, sizeof(info), fi))
		if (!strcmp(info, "kwish_upgrade_mask:\t0x4\n"))
			seen = true;
	fclose(fi);
	KW_CHECK(seen, "no kwish_upgrade_mask line in %s", buf);
	close(rfd);
	return KW_PASS;
}

static int test_noread(void)
{
	const char *f = P("noread");
	int rfd, fd;

	KW_CHECK_OK(make_file(f, 0666));
	rfd = restrict_path(f, UPGRADE_NOREAD);
	KW_CHECK_OK(rfd);
	KW_CHECK_ERRNO(reopen(rfd, O_RDONLY), EACCES);
	KW_CHECK_ERRNO(reopen(rfd, O_RDWR), EACCES);
	fd = reopen(rfd, O_WRONLY | O_TRUNC);
	KW_CHECK_OK(fd);
	KW_CHECK(write(fd, "xy", 2) == 2, "write");
	close(fd);
	KW_CHECK(size_of(f) == 2, "size %ld", (long)size_of(f));
	close(rfd);

	rfd = restrict_path(f, UPGRADE_NOREAD | UPGRADE_NOWRITE);
	KW_CHECK_OK(rfd);
	KW_CHECK_ERRNO(reopen(rfd, O_RDONLY), EACCES);
	KW_CHECK_ERRNO(reopen(rfd, O_WRONLY), EACCES);
	REOPEN_OK(rfd, O_PATH);
	close(rfd);
	return KW_PASS;
}

/* exec opens the program for reading: UPGRADE_NOREAD blocks it. */
static int test_exec(void)
{
	char *const argv[] = { "kw24", "--exit42", NULL };
	char *const envp[] = { NULL };
	int rfd, st;
	pid_t pid;

	rfd = restrict_path(self_exe, UPGRADE_NOREAD);
	KW_CHECK_OK(rfd);
	KW_CHECK_ERRNO(syscall(SYS_execveat, rfd, "", argv, envp,
			       AT_EMPTY_PATH), EACCES);
	close(rfd);

	rfd = restrict_path(self_exe, UPGRADE_NOWRITE);
	KW_CHECK_OK(rfd);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		syscall(SYS_execveat, rfd, "", argv, envp, AT_EMPTY_PATH);
		_exit(errno);
	}
	st = kw_wait(pid);
	KW_CHECK(st == 42, "exec through a NOWRITE fd: exit %d (%s)", st,
		 kw_errname(st));
	close(rfd);
	return KW_PASS;
}

/* What is re-opened from a restricted fd keeps its mask, also later. */
static int test_derived_keep_mask(void)
{
	const char *f = P("derived");
	int rfd, ro, op;

	KW_CHECK_OK(make_file(f, 0666));
	rfd = restrict_path(f, UPGRADE_NOWRITE);
	KW_CHECK_OK(rfd);
	ro = reopen(rfd, O_RDONLY);
	KW_CHECK_OK(ro);
	op = reopen(rfd, O_PATH);
	KW_CHECK_OK(op);
	close(rfd);
	KW_CHECK_ERRNO(reopen(ro, O_WRONLY), EACCES);
	KW_CHECK_ERRNO(reopen(ro, O_RDWR), EACCES);
	KW_CHECK_ERRNO(reopen(op, O_WRONLY), EACCES);
	REOPEN_OK(ro, O_RDONLY);
	REOPEN_OK(op, O_RDONLY);
	close(ro);
	/* after a pause (the module's clean-up runs), still restricted */
	usleep(300 * 1000);
	KW_CHECK_ERRNO(reopen(op, O_WRONLY), EACCES);
	close(op);
	return KW_PASS;
}

/* A mask only grows. */
static int test_restrict_restricted(void)
{
	const char *f = P("twice");
	int r1, r2;

	KW_CHECK_OK(make_file(f, 0666));
	r1 = restrict_path(f, UPGRADE_NOWRITE);
	KW_CHECK_OK(r1);
	r2 = restrict_raw(r1, UPGRADE_NOREAD, KWISH_UPGRADE_MASK_NOCLOEXEC, 0);
	KW_CHECK_OK(r2);
	KW_CHECK(fcntl(r2, F_GETFD) == 0, "NOCLOEXEC fd is close-on-exec");
	KW_CHECK_ERRNO(reopen(r2, O_RDONLY), EACCES);
	KW_CHECK_ERRNO(reopen(r2, O_WRONLY), EACCES);
	REOPEN_OK(r1, O_RDONLY);
	KW_CHECK_ERRNO(reopen(r1, O_WRONLY), EACCES);
	close(r1);
	close(r2);
	return KW_PASS;
}

/* Handed to another process, the fd stays restricted. */
static int test_fork_child(void)
{
	const char *f = P("child");
	int rfd, st;
	pid_t pid;

	KW_CHECK_OK(make_file(f, 0666));
	rfd = restrict_path(f, UPGRADE_NOWRITE);
	KW_CHECK_OK(rfd);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		int fd = reopen(rfd, O_WRONLY);

		_exit(fd < 0 && errno == EACCES ? 0 : 1);
	}
	st = kw_wait(pid);
	KW_CHECK(st == 0, "child could re-open for writing");
	close(rfd);
	return KW_PASS;
}

/* The clone mount is not the file's: a hard link through it is EXDEV. */
static int test_link_exdev(void)
{
	char src[64];
	const char *f = P("lnk.src");
	int rfd;

	KW_CHECK_OK(make_file(f, 0666));
	rfd = restrict_path(f, UPGRADE_NOWRITE);
	KW_CHECK_OK(rfd);
	snprintf(src, sizeof(src), "/proc/self/fd/%d", rfd);
	KW_CHECK_ERRNO(linkat(AT_FDCWD, src, AT_FDCWD, P("lnk.dst"),
			      AT_SYMLINK_FOLLOW), EXDEV);
	close(rfd);
	return KW_PASS;
}

/* Directories: root may restrict; "." and the cwd are the fd itself. */
static int test_directory(void)
{
	int rfd, fd;

	if (!kw_is_root())
		return kw_skip("needs root (CAP_SYS_ADMIN)");
	KW_CHECK_OK(mkdir(P("d"), 0755));
	KW_CHECK_OK(make_file(P("d/child"), 0666));
	KW_CHECK_OK(mkdir(P("d/sub"), 0755));
	rfd = restrict_path(P("d"), UPGRADE_NOREAD);
	KW_CHECK_OK(rfd);
	KW_CHECK_ERRNO(openat(rfd, ".", O_RDONLY | O_DIRECTORY), EACCES);
	KW_CHECK_ERRNO(reopen(rfd, O_RDONLY | O_DIRECTORY), EACCES);
	KW_CHECK_ERRNO(openat(rfd, "sub/..", O_RDONLY), EACCES);
	/* below the directory: ordinary files */
	fd = openat(rfd, "child", O_RDWR | O_CLOEXEC);
	KW_CHECK_OK(fd);
	close(fd);
	KW_CHECK_OK(fchdir(rfd));
	KW_CHECK_ERRNO(open(".", O_RDONLY | O_CLOEXEC), EACCES);
	KW_CHECK_ERRNO(open("/proc/self/cwd", O_RDONLY | O_CLOEXEC), EACCES);
	/* ".." at the clone's root stays there: no way out */
	KW_CHECK_ERRNO(open("..", O_RDONLY | O_CLOEXEC), EACCES);
	KW_CHECK_OK(chdir("/"));
	close(rfd);
	return KW_PASS;
}

/* ---- permission ---- */

static int as_user(void)
{
	const char *rootfile = P("rootowned");
	const char *own = P("userowned");
	int rfd;

	/* a file the user may only read: no mask makes it writable */
	rfd = restrict_path(rootfile, UPGRADE_NOREAD);
	KW_CHECK_OK(rfd);
	KW_CHECK_ERRNO(reopen(rfd, O_WRONLY), EACCES);
	KW_CHECK_ERRNO(reopen(rfd, O_RDONLY), EACCES);
	close(rfd);
	rfd = restrict_path(rootfile, UPGRADE_NOWRITE);
	KW_CHECK_OK(rfd);
	REOPEN_OK(rfd, O_RDONLY);
	KW_CHECK_ERRNO(reopen(rfd, O_WRONLY), EACCES);
	close(rfd);
	/* its own file */
	KW_CHECK_OK(make_file(own, 0600));
	rfd = restrict_path(own, UPGRADE_NOWRITE);
	KW_CHECK_OK(rfd);
	KW_CHECK_ERRNO(reopen(rfd, O_RDWR), EACCES);
	REOPEN_OK(rfd, O_RDONLY);
	close(rfd);
	/* a directory clone needs CAP_SYS_ADMIN over the mount */
	KW_CHECK_ERRNO(restrict_path(dir, UPGRADE_NOWRITE), EPERM);
	return KW_PASS;
}

static int test_unprivileged(void)
{
	/* read-only for the user (also when the user itself runs this) */
	unlink(P("rootowned"));
	unlink(P("userowned"));
	KW_CHECK_OK(make_file(P("rootowned"), 0444));
	return kw_run_as_user(as_user);
}

static int in_userns(bool newns)
{
	char name[64];
	const char *f;
	int rfd, err;

	/* the uid in the name: the root and the user runs each own one */
	snprintf(name, sizeof(name), "userns.%u.%d", (unsigned int)getuid(),
		 newns);
	f = P(name);
	KW_CHECK_OK(make_file(f, 0666));
	err = kw_enter_userns(newns ? CLONE_NEWNS : 0);
	if (err < 0)
		return kw_skip("user namespace: %s", kw_errname(-err));
	rfd = restrict_path(f, UPGRADE_NOWRITE);
	KW_CHECK_OK(rfd);
	KW_CHECK_ERRNO(reopen(rfd, O_WRONLY), EACCES);
	REOPEN_OK(rfd, O_RDONLY);
	close(rfd);
	if (!newns) {
		/* CAP_SYS_ADMIN in a new user namespace, not over the mount */
		KW_CHECK_ERRNO(restrict_path(dir, UPGRADE_NOWRITE), EPERM);
		return KW_PASS;
	}
	/* the new mount namespace is the user namespace's own */
	rfd = restrict_path(dir, UPGRADE_NOREAD);
	KW_CHECK_OK(rfd);
	KW_CHECK_ERRNO(openat(rfd, ".", O_RDONLY | O_DIRECTORY), EACCES);
	close(rfd);
	return KW_PASS;
}

static int userns_only(void)
{
	return in_userns(false);
}

static int userns_and_mntns(void)
{
	return in_userns(true);
}

static int test_userns(void)
{
	KW_TRY(userns_only());
	return userns_and_mntns();
}

static int test_userns_as_user(void)
{
	return kw_run_as_user(userns_only);
}

/*
 * The original mount tightened after the restriction: a restricted fd
 * never grants more than the original allows at the time of use.  In a
 * user + mount namespace of its own (root and uid 1000 alike): a tmpfs,
 * a file restricted with UPGRADE_NOREAD (writes allowed), then the tmpfs
 * remounted read-only, noexec, nosuid.
 */
static int origin_tightened(void)
{
	char mnt[PATH_MAX], file[PATH_MAX + 8], fdpath[64];
	struct statvfs sv;
	int err, rfd, f;

	snprintf(mnt, sizeof(mnt), "%s/tight.%u", dir, (unsigned int)getuid());
	snprintf(file, sizeof(file), "%s/f", mnt);
	err = kw_enter_userns(CLONE_NEWNS);
	if (err < 0)
		return kw_skip("user + mount namespace: %s", kw_errname(-err));
	KW_CHECK_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	if (mkdir(mnt, 0755) < 0 && errno != EEXIST)
		return kw_fail("mkdir %s: %s", mnt, kw_errname(errno));
	KW_CHECK_OK(mount("kw24", mnt, "tmpfs", 0, "size=1m"));
	KW_CHECK_OK(make_file(file, 0755));
	rfd = restrict_path(file, UPGRADE_NOREAD);
	KW_CHECK_OK(rfd);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", rfd);
	REOPEN_OK(rfd, O_WRONLY);

	KW_CHECK_OK(mount(NULL, mnt, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
			  MS_NOEXEC | MS_NOSUID, NULL));
	KW_CHECK_ERRNO(open(file, O_WRONLY | O_CLOEXEC), EROFS);
	KW_CHECK_ERRNO(reopen(rfd, O_WRONLY), EROFS);
	KW_CHECK_ERRNO(reopen(rfd, O_RDONLY | O_TRUNC), EROFS);
	KW_CHECK_ERRNO(truncate(fdpath, 0), EROFS);
	KW_CHECK_ERRNO(fchownat(rfd, "", getuid(), getgid(), AT_EMPTY_PATH),
		       EROFS);
	KW_CHECK_ERRNO(chmod(fdpath, 0700), EROFS);
	/* still UPGRADE_NOREAD */
	KW_CHECK_ERRNO(reopen(rfd, O_RDONLY), EACCES);
	/* what an O_PATH re-open sees: the original's flags */
	f = reopen(rfd, O_PATH);
	KW_CHECK_OK(f);
	KW_CHECK_OK(fstatvfs(f, &sv));
	close(f);
	KW_CHECK((sv.f_flag & (ST_NOEXEC | ST_NOSUID)) ==
		 (ST_NOEXEC | ST_NOSUID), "clone's flags %#lx", sv.f_flag);

	/* loosened again: the restriction follows */
	KW_CHECK_OK(mount(NULL, mnt, NULL, MS_REMOUNT | MS_BIND, NULL));
	REOPEN_OK(rfd, O_WRONLY);
	close(rfd);
	return KW_PASS;
}

static int test_origin_tightened(void)
{
	return origin_tightened();
}

static int test_origin_tightened_as_user(void)
{
	return kw_run_as_user(origin_tightened);
}

/* ---- interfaces ---- */

static int test_libkwish(void)
{
	const char *f = P("lib");
	int fd, rfd;

	KW_CHECK_OK(make_file(f, 0666));
	fd = open(f, O_RDONLY | O_CLOEXEC);	/* any fd, not only O_PATH */
	KW_CHECK_OK(fd);
	rfd = kwish_upgrade_mask(fd, UPGRADE_NOWRITE, 0);
	KW_CHECK_OK(rfd);
	KW_CHECK_ERRNO(reopen(rfd, O_WRONLY), EACCES);
	KW_CHECK(fcntl(rfd, F_GETFL) & O_PATH, "not O_PATH");
	close(rfd);
	close(fd);
	return KW_PASS;
}

static int run_sh(const char *ctl, const char *opt, const char *file,
		  const char *script)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl(ctl, "kwishctl", "upgrade-mask", opt, file, "--", "/bin/sh",
		      "-c", script, (char *)NULL);
		_exit(127);
	}
	return kw_wait(pid);
}

static int test_kwishctl(void)
{
	const char *f = P("ctl");
	char ctl[PATH_MAX];
	int st;

	if (!kw_find_kwishctl(ctl, sizeof(ctl)))
		return kw_skip("kwishctl not found");
	if (access("/bin/sh", X_OK) < 0)
		return kw_skip("no /bin/sh");
	KW_CHECK_OK(make_file(f, 0666));
	st = run_sh(ctl, "--no-write", f,
		    "cat /proc/self/fd/$KWISH_RESTRICTED_FD");
	KW_CHECK(st == 0, "read through the restricted fd: exit %d", st);
	st = run_sh(ctl, "--no-write", f, "echo x >/proc/self/fd/3");
	KW_CHECK(st != 0, "write through the restricted fd succeeded");
	KW_CHECK(size_of(f) == 4, "size %ld", (long)size_of(f));
	st = run_sh(ctl, "--bogus", f, "true");
	KW_CHECK(st == 2, "bad option: exit %d", st);
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_einval_ebadf),
	KW_TEST(test_nowrite),
	KW_TEST(test_noread),
	KW_TEST(test_exec),
	KW_TEST(test_derived_keep_mask),
	KW_TEST(test_restrict_restricted),
	KW_TEST(test_fork_child),
	KW_TEST(test_link_exdev),
	KW_TEST(test_directory),
	KW_TEST(test_unprivileged),
	KW_TEST(test_userns),
	KW_TEST(test_userns_as_user),
	KW_TEST(test_origin_tightened),
	KW_TEST(test_origin_tightened_as_user),
	KW_TEST(test_libkwish),
	KW_TEST(test_kwishctl),
};

int main(int argc, char **argv)
{
	int ret;

	if (argc > 1 && !strcmp(argv[1], "--exit42"))
		return 42;
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
