// SPDX-License-Identifier: GPL-2.0
/*
 * item08_open_regular: KWISH_OPEN_REGULAR (wish-list item 8, O_REGULAR).
 *
 * It must behave exactly like openat2() (lookup, flags, resolve, DAC),
 * except that anything that is not a regular file fails with EFTYPE before
 * it is opened: FIFOs never block, device drivers are never called.
 */
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <linux/openat2.h>

#include "kwtap.h"

#define CONTENT	"hello kwish\n"

static char dir[] = "/tmp/kw08.XXXXXX";
static char path_buf[8][PATH_MAX];
static int path_idx;

/* dir/@name, in a small ring of buffers. */
static const char *P(const char *name)
{
	char *p = path_buf[path_idx++ % KW_ARRAY_SIZE(path_buf)];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

/* /dev/kwish, opened once in main() so tests can rely on fd numbers. */
static int kfd = -1, kfd_errno;

static long open_regular(int dirfd, const char *path, __u64 flags,
			 __u64 mode, __u64 resolve)
{
	struct kwish_open_regular arg = {
		.size = sizeof(arg),
		.dirfd = dirfd,
		.pathname = (uintptr_t)path,
		.open_flags = flags,
		.mode = mode,
		.resolve = resolve,
	};

	if (kfd < 0) {
		kw_diag("open %s: %s", KWISH_DEV_PATH, kw_errname(kfd_errno));
		errno = kfd_errno;
		return -1;
	}
	return ioctl(kfd, KWISH_OPEN_REGULAR, &arg);
}

/* open_regular(AT_FDCWD, dir/@name, @flags, 0, 0) must fail with @err. */
#define CHECK_REFUSED(name, flags, err)					\
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, P(name), (flags), 0, 0), err)

static int same_file(int fd, const char *path)
{
	struct stat a, b;

	KW_CHECK_OK(fstat(fd, &a));
	KW_CHECK_OK(stat(path, &b));
	KW_CHECK(a.st_dev == b.st_dev && a.st_ino == b.st_ino,
		 "fd refers to dev %lx ino %lu, %s is dev %lx ino %lu",
		 (unsigned long)a.st_dev, (unsigned long)a.st_ino, path,
		 (unsigned long)b.st_dev, (unsigned long)b.st_ino);
	KW_CHECK(S_ISREG(a.st_mode), "fd is not a regular file (mode %o)",
		 a.st_mode);
	return KW_PASS;
}

static int check_content(int fd)
{
	char buf[64] = "";
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	KW_CHECK(n == (ssize_t)strlen(CONTENT), "read %zd bytes: %s", n,
		 n < 0 ? kw_errname(errno) : "short");
	KW_CHECK(!memcmp(buf, CONTENT, n), "read back '%s'", buf);
	return KW_PASS;
}

static int make_file(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return -1;
	if (write(fd, content, strlen(content)) != (ssize_t)strlen(content)) {
		close(fd);
		return -1;
	}
	close(fd);
	return chmod(path, mode);
}

/* Files owned by the user the permission tests run as. */
static int chown_to_user(const char *path)
{
	if (!kw_is_root())
		return 0;
	return lchown(path, KW_USER_UID, KW_USER_GID);
}

static int setup(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s;

	if (!mkdtemp(dir))
		return -1;
	/* The uid 1000 children of a root run need to get in. */
	if (chmod(dir, 0755) < 0 ||
	    make_file(P("file"), CONTENT, 0644) < 0 ||
	    make_file(P("trunc"), CONTENT, 0644) < 0 ||
	    make_file(P("exists"), CONTENT, 0644) < 0 ||
	    make_file(P("secret"), CONTENT, 0600) < 0 ||
	    make_file(P("mode0"), CONTENT, 0000) < 0 ||
	    make_file(P("ro"), CONTENT, 0444) < 0 ||
	    mkfifo(P("fifo"), 0666) < 0 ||
	    mkdir(P("dir"), 0755) < 0 ||
	    mkdir(P("nosearch"), 0700) < 0 ||
	    make_file(P("nosearch/f"), CONTENT, 0644) < 0 ||
	    chmod(P("nosearch"), 0600) < 0 ||
	    symlink("file", P("link")) < 0 ||
	    symlink("fifo", P("link_fifo")) < 0 ||
	    symlink("/dev/null", P("link_null")) < 0 ||
	    symlink("../file", P("dir/up")) < 0)
		return -1;
	if (chown_to_user(P("mode0")) < 0 || chown_to_user(P("ro")) < 0 ||
	    chown_to_user(P("nosearch")) < 0 ||
	    chown_to_user(P("nosearch/f")) < 0)
		return -1;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", P("sock"));
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return -1;
	close(s);
	return 0;
}

/* ---------------------------------------------------------------- */

static int test_regular_opens(void)
{
	long fd = open_regular(AT_FDCWD, P("file"), O_RDONLY | O_CLOEXEC, 0, 0);

	KW_CHECK(fd >= 0, "open_regular(file): %s", kw_errname(errno));
	KW_TRY(same_file(fd, P("file")));
	KW_TRY(check_content(fd));
	close(fd);
	return KW_PASS;
}

static int test_openat2_regular_flag_accepted(void)
{
	long fd = open_regular(AT_FDCWD, P("file"),
			       O_RDONLY | O_CLOEXEC | OPENAT2_REGULAR, 0, 0);

	KW_CHECK(fd >= 0, "with OPENAT2_REGULAR given: %s", kw_errname(errno));
	KW_TRY(check_content(fd));
	close(fd);
	return KW_PASS;
}

static int test_cloexec(void)
{
	long fd;
	int fl;

	fd = open_regular(AT_FDCWD, P("file"), O_RDONLY | O_CLOEXEC, 0, 0);
	KW_CHECK_OK(fd);
	fl = fcntl(fd, F_GETFD);
	KW_CHECK(fl >= 0 && (fl & FD_CLOEXEC),
		 "O_CLOEXEC given but FD_CLOEXEC not set (F_GETFD %d)", fl);
	close(fd);
	fd = open_regular(AT_FDCWD, P("file"), O_RDONLY, 0, 0);
	KW_CHECK_OK(fd);
	fl = fcntl(fd, F_GETFD);
	KW_CHECK(fl >= 0 && !(fl & FD_CLOEXEC),
		 "O_CLOEXEC not given but FD_CLOEXEC set (F_GETFD %d)", fl);
	close(fd);
	return KW_PASS;
}

static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	alarmed = 1;
}

/* A watchdog that interrupts a blocking open with EINTR. */
static void watchdog(unsigned int secs)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	alarmed = 0;
	alarm(secs);
}

static int test_fifo_eftype_no_block(void)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	double t0;
	size_t i;

	for (i = 0; i < KW_ARRAY_SIZE(modes); i++) {
		watchdog(3);
		t0 = kw_now();
		KW_CHECK_ERRNO(open_regular(AT_FDCWD, P("fifo"),
					    modes[i] | O_CLOEXEC, 0, 0),
			       EFTYPE);
		alarm(0);
		KW_CHECK(!alarmed && kw_now() - t0 < 1.0,
			 "open of a FIFO without a peer took %.2f s",
			 kw_now() - t0);
	}
	/* Through a symlink, too. */
	watchdog(3);
	CHECK_REFUSED("link_fifo", O_RDONLY, EFTYPE);
	alarm(0);
	return KW_PASS;
}

static int test_dev_null_eftype(void)
{
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, "/dev/null", O_RDONLY, 0, 0),
		       EFTYPE);
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, "/dev/null", O_WRONLY, 0, 0),
		       EFTYPE);
	CHECK_REFUSED("link_null", O_RDONLY, EFTYPE);
	return KW_PASS;
}

static int test_directory_eftype(void)
{
	CHECK_REFUSED("dir", O_RDONLY, EFTYPE);
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, "/", O_RDONLY, 0, 0), EFTYPE);
	return KW_PASS;
}

static int test_o_directory_enotdir(void)
{
	CHECK_REFUSED("file", O_RDONLY | O_DIRECTORY, ENOTDIR);
	return KW_PASS;
}

static int test_symlink_followed(void)
{
	long fd = open_regular(AT_FDCWD, P("link"), O_RDONLY | O_CLOEXEC, 0, 0);

	KW_CHECK(fd >= 0, "open_regular(link -> file): %s",
		 kw_errname(errno));
	KW_TRY(same_file(fd, P("file")));
	close(fd);
	return KW_PASS;
}

static int test_symlink_nofollow_eloop(void)
{
	CHECK_REFUSED("link", O_RDONLY | O_NOFOLLOW, ELOOP);
	return KW_PASS;
}

static int test_symlink_opath_nofollow_eftype(void)
{
	CHECK_REFUSED("link", O_PATH | O_NOFOLLOW, EFTYPE);
	return KW_PASS;
}

static int test_opath_regular(void)
{
	long fd = open_regular(AT_FDCWD, P("file"), O_PATH | O_CLOEXEC, 0, 0);
	int fl;

	KW_CHECK(fd >= 0, "O_PATH on a regular file: %s", kw_errname(errno));
	fl = fcntl(fd, F_GETFL);
	KW_CHECK(fl >= 0 && (fl & O_PATH), "fd lacks O_PATH (F_GETFL %#x)",
		 fl);
	KW_TRY(same_file(fd, P("file")));
	close(fd);
	return KW_PASS;
}

/*
 * The kernel's O_LARGEFILE (the userspace headers of 64-bit glibc define it
 * as 0): openat2() adds it to every open but O_PATH on 64-bit, and a file
 * over 2 GiB opens only with it.  KWISH_OPEN_REGULAR must do the same.
 */
#define KW_KERNEL_O_LARGEFILE	0100000

static int test_largefile_like_openat2(void)
{
	static const __u64 flags[] = { O_RDONLY, O_RDWR, O_PATH };
	struct open_how how = { 0 };
	int fd, i, fl_kw, fl_sys;
	long kfd2;

	fd = open(P("large"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(ftruncate(fd, 3LL << 30));	/* sparse, 3 GiB */
	close(fd);
	for (i = 0; i < (int)KW_ARRAY_SIZE(flags); i++) {
		how.flags = flags[i] | O_CLOEXEC;
		fd = syscall(SYS_openat2, AT_FDCWD, P("large"), &how,
			     sizeof(how));
		KW_CHECK(fd >= 0, "openat2(large, %#llx): %s",
			 (unsigned long long)flags[i], kw_errname(errno));
		kfd2 = open_regular(AT_FDCWD, P("large"), how.flags, 0, 0);
		KW_CHECK(kfd2 >= 0, "KWISH_OPEN_REGULAR(large, %#llx): %s",
			 (unsigned long long)flags[i], kw_errname(errno));
		fl_sys = fcntl(fd, F_GETFL);
		fl_kw = fcntl(kfd2, F_GETFL);
		KW_CHECK(fl_sys == fl_kw,
			 "F_GETFL %#x, openat2() gives %#x (flags %#llx)",
			 fl_kw, fl_sys, (unsigned long long)flags[i]);
		KW_CHECK(!!(fl_kw & KW_KERNEL_O_LARGEFILE) ==
			 !(flags[i] & O_PATH), "O_LARGEFILE %s for %#llx",
			 fl_kw & KW_KERNEL_O_LARGEFILE ? "set" : "missing",
			 (unsigned long long)flags[i]);
		close(fd);
		close(kfd2);
	}
	unlink(P("large"));
	return KW_PASS;
}

static int test_create_mode_umask(void)
{
	struct stat st;
	long fd;

	umask(027);
	fd = open_regular(AT_FDCWD, P("created"),
			  O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666, 0);
	KW_CHECK(fd >= 0, "O_CREAT: %s", kw_errname(errno));
	KW_CHECK_OK(fstat(fd, &st));
	KW_CHECK(S_ISREG(st.st_mode), "created mode %o", st.st_mode);
	KW_CHECK((st.st_mode & 07777) == 0640,
		 "created with mode %04o, want 0666 & ~027 = 0640",
		 st.st_mode & 07777);
	KW_CHECK(st.st_uid == geteuid(), "owner %u, want %u", st.st_uid,
		 geteuid());
	KW_TRY(same_file(fd, P("created")));
	KW_CHECK(write(fd, "x", 1) == 1, "write: %s", kw_errname(errno));
	close(fd);
	return KW_PASS;
}

static int test_create_excl_eexist(void)
{
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, P("exists"),
				    O_WRONLY | O_CREAT | O_EXCL, 0644, 0),
		       EEXIST);
	return KW_PASS;
}

/* O_CREAT on an existing FIFO opens nothing either. */
static int test_create_on_fifo_eftype(void)
{
	watchdog(3);
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, P("fifo"), O_WRONLY | O_CREAT,
				    0644, 0), EFTYPE);
	alarm(0);
	return KW_PASS;
}

static int test_trunc(void)
{
	struct stat st;
	long fd;

	fd = open_regular(AT_FDCWD, P("trunc"), O_WRONLY | O_TRUNC | O_CLOEXEC,
			  0, 0);
	KW_CHECK(fd >= 0, "O_TRUNC: %s", kw_errname(errno));
	KW_CHECK_OK(fstat(fd, &st));
	KW_CHECK(st.st_size == 0, "size %lld after O_TRUNC",
		 (long long)st.st_size);
	close(fd);
	return KW_PASS;
}

static int test_socket_eftype(void)
{
	CHECK_REFUSED("sock", O_RDONLY, EFTYPE);
	CHECK_REFUSED("sock", O_PATH, EFTYPE);
	return KW_PASS;
}

static int test_dirfd_relative(void)
{
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	long fd;

	KW_CHECK_OK(dfd);
	fd = open_regular(dfd, "file", O_RDONLY | O_CLOEXEC, 0, 0);
	KW_CHECK(fd >= 0, "dirfd-relative open: %s", kw_errname(errno));
	KW_TRY(same_file(fd, P("file")));
	close(fd);
	KW_CHECK_ERRNO(open_regular(dfd, "fifo", O_RDONLY, 0, 0), EFTYPE);
	close(dfd);
	return KW_PASS;
}

static int test_resolve_beneath_exdev(void)
{
	int dfd = open(P("dir"), O_PATH | O_DIRECTORY | O_CLOEXEC);

	KW_CHECK_OK(dfd);
	KW_CHECK_ERRNO(open_regular(dfd, "../file", O_RDONLY, 0,
				    RESOLVE_BENEATH), EXDEV);
	KW_CHECK_ERRNO(open_regular(dfd, "up", O_RDONLY, 0, RESOLVE_BENEATH),
		       EXDEV);
	KW_CHECK_ERRNO(open_regular(dfd, P("file"), O_RDONLY, 0,
				    RESOLVE_BENEATH), EXDEV);
	close(dfd);
	return KW_PASS;
}

static int test_resolve_in_root(void)
{
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	long fd;

	KW_CHECK_OK(dfd);
	fd = open_regular(dfd, "/file", O_RDONLY | O_CLOEXEC, 0,
			  RESOLVE_IN_ROOT);
	KW_CHECK(fd >= 0, "RESOLVE_IN_ROOT \"/file\": %s", kw_errname(errno));
	KW_TRY(same_file(fd, P("file")));
	close(fd);
	close(dfd);
	return KW_PASS;
}

static int test_resolve_no_symlinks_eloop(void)
{
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, P("link"), O_RDONLY, 0,
				    RESOLVE_NO_SYMLINKS), ELOOP);
	return KW_PASS;
}

static int test_einval_unknown_open_flag(void)
{
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, P("file"),
				    O_RDONLY | (1ULL << 40), 0, 0), EINVAL);
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, P("file"),
				    O_RDONLY | (1ULL << 63), 0, 0), EINVAL);
	return KW_PASS;
}

static int test_einval_unknown_resolve(void)
{
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, P("file"), O_RDONLY, 0,
				    1ULL << 40), EINVAL);
	return KW_PASS;
}

static int test_einval_mode(void)
{
	/* A mode without O_CREAT, and bits outside S_IALLUGO. */
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, P("file"), O_RDONLY, 0644, 0),
		       EINVAL);
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, P("new_badmode"),
				    O_WRONLY | O_CREAT, 010000, 0), EINVAL);
	return KW_PASS;
}

static int test_efault_pathname(void)
{
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, kw_bad_ptr(), O_RDONLY, 0, 0),
		       EFAULT);
	KW_CHECK_ERRNO(open_regular(AT_FDCWD, NULL, O_RDONLY, 0, 0), EFAULT);
	return KW_PASS;
}

static int test_ebadf_dirfd(void)
{
	int fd = open(dir, O_PATH | O_CLOEXEC);
	int ffd = open(P("file"), O_RDONLY | O_CLOEXEC);

	KW_CHECK_OK(fd);
	KW_CHECK_OK(ffd);
	close(fd);	/* now a closed fd number */
	KW_CHECK_ERRNO(open_regular(fd, "file", O_RDONLY, 0, 0), EBADF);
	KW_CHECK_ERRNO(open_regular(INT_MAX, "file", O_RDONLY, 0, 0), EBADF);
	/* A dirfd that is not a directory. */
	KW_CHECK_ERRNO(open_regular(ffd, "file", O_RDONLY, 0, 0), ENOTDIR);
	close(ffd);
	return KW_PASS;
}

static int test_enoent(void)
{
	CHECK_REFUSED("missing", O_RDONLY, ENOENT);
	return KW_PASS;
}

/* The argument struct follows the /dev/kwish contract too. */
static int test_struct_contract(void)
{
	struct {
		struct kwish_open_regular a;
		unsigned char tail[16];
	} big;
	long fd;

	KW_CHECK(kfd >= 0, "open %s: %s", KWISH_DEV_PATH,
		 kw_errname(kfd_errno));
	memset(&big, 0, sizeof(big));
	big.a.size = sizeof(big.a);
	big.a.dirfd = AT_FDCWD;
	big.a.pathname = (uintptr_t)P("file");
	big.a.open_flags = O_RDONLY | O_CLOEXEC;

	big.a.size = KWISH_OPEN_REGULAR_SIZE_VER0 - 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_OPEN_REGULAR, &big), EINVAL);
	big.a.size = 0;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_OPEN_REGULAR, &big), EINVAL);
	big.a.size = sizeof(big.a);
	big.a.flags = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_OPEN_REGULAR, &big), EINVAL);
	big.a.flags = 0;
	big.a.__reserved = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_OPEN_REGULAR, &big), EINVAL);
	big.a.__reserved = 0;
	big.a.size = sizeof(big);
	big.tail[5] = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_OPEN_REGULAR, &big), E2BIG);
	big.tail[5] = 0;
	fd = ioctl(kfd, KWISH_OPEN_REGULAR, &big);
	KW_CHECK(fd >= 0, "larger struct with zero tail: %s",
		 kw_errname(errno));
	close(fd);
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_OPEN_REGULAR, NULL), EFAULT);
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_OPEN_REGULAR, kw_bad_ptr()), EFAULT);
	return KW_PASS;
}

static int test_same_inode(void)
{
	long fd = open_regular(AT_FDCWD, P("file"), O_RDONLY | O_CLOEXEC, 0, 0);

	KW_CHECK_OK(fd);
	KW_TRY(same_file(fd, P("file")));
	close(fd);
	return KW_PASS;
}

/* ---- permissions: everything openat2() checks still applies ---- */

static int secret_as_user(void)
{
	KW_CHECK_ERRNO(open(P("secret"), O_RDONLY | O_CLOEXEC), EACCES);
	CHECK_REFUSED("secret", O_RDONLY, EACCES);
	return KW_PASS;
}

static int test_perm_other_users_0600(void)
{
	if (!kw_is_root())
		return kw_skip("needs root to make a file of another user");
	return kw_run_as_user(secret_as_user);
}

static int mode0_as_user(void)
{
	CHECK_REFUSED("mode0", O_RDONLY, EACCES);
	CHECK_REFUSED("mode0", O_WRONLY, EACCES);
	return KW_PASS;
}

/* The owner of a mode 0000 file (uid 1000, no CAP_DAC_OVERRIDE). */
static int test_perm_mode0000(void)
{
	return kw_run_as_user(mode0_as_user);
}

static int nosearch_as_user(void)
{
	CHECK_REFUSED("nosearch/f", O_RDONLY, EACCES);
	return KW_PASS;
}

static int test_perm_dir_no_search(void)
{
	return kw_run_as_user(nosearch_as_user);
}

static int ro_as_user(void)
{
	long fd;

	CHECK_REFUSED("ro", O_WRONLY, EACCES);
	CHECK_REFUSED("ro", O_RDWR, EACCES);
	CHECK_REFUSED("ro", O_RDONLY | O_TRUNC, EACCES);
	fd = open_regular(AT_FDCWD, P("ro"), O_RDONLY | O_CLOEXEC, 0, 0);
	KW_CHECK(fd >= 0, "O_RDONLY on a 0444 file: %s", kw_errname(errno));
	close(fd);
	return KW_PASS;
}

static int test_perm_wronly_readonly_file(void)
{
	return kw_run_as_user(ro_as_user);
}

/* Root's CAP_DAC_OVERRIDE applies, as it does for openat2(). */
static int test_root_dac_override(void)
{
	long fd;

	if (!kw_is_root())
		return kw_skip("root only");
	fd = open_regular(AT_FDCWD, P("mode0"), O_RDONLY | O_CLOEXEC, 0, 0);
	KW_CHECK(fd >= 0, "root opening a mode 0000 file: %s",
		 kw_errname(errno));
	close(fd);
	return KW_PASS;
}

/*
 * Root in a new user namespace: its CAP_DAC_OVERRIDE there does not reach
 * a file whose owner (uid 1000) is not mapped into it.
 */
static int test_userns_no_dac_override(void)
{
	pid_t pid;

	if (!kw_is_root())
		return kw_skip("root only (needs a file of an unmapped owner)");
	pid = fork();
	if (pid < 0)
		return kw_fail("fork: %s", kw_errname(errno));
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(kw_skip("unshare(CLONE_NEWUSER): %s",
				      kw_errname(errno)));
		_exit(mode0_as_user());
	}
	return kw_wait(pid);
}

/* ---- libkwish ---- */

static int test_libkwish(void)
{
	enum kwish_iface want;
	int fd;

	want = kwish_o_regular_native() ? KWISH_IFACE_NATIVE : KWISH_IFACE_DEV;
	fd = kwish_open_regular(AT_FDCWD, P("file"), O_RDONLY | O_CLOEXEC, 0, 0);
	KW_CHECK(fd >= 0, "kwish_open_regular(file): %s", kw_errname(errno));
	KW_TRY(check_content(fd));
	close(fd);
	KW_CHECK(kwish_last_iface() == want, "used %s, want %s",
		 kwish_iface_name(kwish_last_iface()), kwish_iface_name(want));
	watchdog(3);
	KW_CHECK_ERRNO(kwish_open_regular(AT_FDCWD, P("fifo"), O_RDONLY, 0, 0),
		       EFTYPE);
	alarm(0);
	KW_CHECK(kwish_last_iface() == want, "used %s, want %s",
		 kwish_iface_name(kwish_last_iface()), kwish_iface_name(want));
	return KW_PASS;
}

/* ---- the wish list's use case ---- */

/*
 * A naive reader ("a web browser pointed at file:///dev/zero") that only
 * wants regular files reads what it is given, up to a limit.
 */
static ssize_t naive_read(const char *path, bool o_regular, size_t limit)
{
	static char buf[65536];
	size_t total = 0;
	ssize_t n;
	long fd;

	fd = o_regular ? open_regular(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0, 0)
		       : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (total < limit) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	return total;
}

static int test_usecase_dev_zero(void)
{
	enum { LIMIT = 16 << 20 };
	ssize_t n;

	/* Without O_REGULAR: data without end (stopped at the limit). */
	n = naive_read("/dev/zero", false, LIMIT);
	KW_CHECK(n >= LIMIT, "plain open of /dev/zero read %zd bytes", n);
	/* With it: refused at open. */
	KW_CHECK_ERRNO(naive_read("/dev/zero", true, LIMIT), EFTYPE);
	/* And a real file still reads completely. */
	n = naive_read(P("file"), true, LIMIT);
	KW_CHECK(n == (ssize_t)strlen(CONTENT), "regular file read %zd: %s",
		 n, n < 0 ? kw_errname(errno) : "short");
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_regular_opens),
	KW_TEST(test_openat2_regular_flag_accepted),
	KW_TEST(test_cloexec),
	KW_TEST(test_largefile_like_openat2),
	KW_TEST(test_fifo_eftype_no_block),
	KW_TEST(test_dev_null_eftype),
	KW_TEST(test_directory_eftype),
	KW_TEST(test_o_directory_enotdir),
	KW_TEST(test_symlink_followed),
	KW_TEST(test_symlink_nofollow_eloop),
	KW_TEST(test_symlink_opath_nofollow_eftype),
	KW_TEST(test_opath_regular),
	KW_TEST(test_create_mode_umask),
	KW_TEST(test_create_excl_eexist),
	KW_TEST(test_create_on_fifo_eftype),
	KW_TEST(test_trunc),
	KW_TEST(test_socket_eftype),
	KW_TEST(test_dirfd_relative),
	KW_TEST(test_resolve_beneath_exdev),
	KW_TEST(test_resolve_in_root),
	KW_TEST(test_resolve_no_symlinks_eloop),
	KW_TEST(test_einval_unknown_open_flag),
	KW_TEST(test_einval_unknown_resolve),
	KW_TEST(test_einval_mode),
	KW_TEST(test_efault_pathname),
	KW_TEST(test_ebadf_dirfd),
	KW_TEST(test_enoent),
	KW_TEST(test_struct_contract),
	KW_TEST(test_same_inode),
	KW_TEST(test_perm_other_users_0600),
	KW_TEST(test_perm_mode0000),
	KW_TEST(test_perm_dir_no_search),
	KW_TEST(test_perm_wronly_readonly_file),
	KW_TEST(test_root_dac_override),
	KW_TEST(test_userns_no_dac_override),
	KW_TEST(test_libkwish),
	KW_TEST(test_usecase_dev_zero),
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
	chmod(P("nosearch"), 0700);
	kw_rm_rf(dir);
	return ret;
}
