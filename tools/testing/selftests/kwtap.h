/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kwtap.h: a tiny TAP-13 test harness for the kwish selftests, in the
 * spirit of the kernel's kselftest.h.
 *
 * A test program is a table of test functions:
 *
 *	static int test_foo(void)
 *	{
 *		KW_CHECK(x == 1, "x is %d", x);
 *		KW_CHECK_ERRNO(ioctl(fd, CMD, NULL), EFAULT);
 *		return KW_PASS;
 *	}
 *
 *	static const struct kw_test tests[] = { KW_TEST(test_foo), };
 *	int main(void) { return KW_RUN(tests); }
 *
 * Each test runs in its own forked child (in its own process group), so a
 * test may unshare namespaces, change credentials, crash or hang without
 * affecting the others; a test that runs past its timeout is killed and
 * reported "not ok".  The whole program stays within a time budget (55 s,
 * KW_TIME_BUDGET in the environment overrides it).  KW_TIME_SCALE in the
 * environment multiplies both (the test VM sets it on the debug kernel,
 * which runs several times slower).  Output:
 *
 *	TAP version 13
 *	1..N
 *	# test_foo: <why it failed>
 *	not ok 1 - test_foo
 *	ok 2 - test_bar # SKIP <reason>
 *	# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0
 *
 * The exit status is 0 iff no test failed (skips do not fail).
 */
#ifndef _KWTAP_H
#define _KWTAP_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "libkwish.h"

/* Older libc headers than the kernels tested */
#ifndef SYS_open_tree
#define SYS_open_tree		428
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE		1
#endif

#define KW_PASS		0
#define KW_FAIL		1
#define KW_SKIP		4	/* KSFT_SKIP */

/* The unprivileged user the runner uses ("kwuser"). */
#define KW_USER_UID	1000
#define KW_USER_GID	1000

#define KW_DEFAULT_TIMEOUT	20	/* seconds per test */
#define KW_TIME_BUDGET		55	/* seconds per program */

#define KW_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct kw_test {
	const char *name;
	int (*fn)(void);
	unsigned int timeout;		/* seconds, 0: KW_DEFAULT_TIMEOUT */
};

#define KW_TEST(fn)		{ #fn, fn, 0 }
#define KW_TEST_T(fn, secs)	{ #fn, fn, secs }

/* Shared with every forked test, so nested children can leave a reason. */
struct kw_shared {
	char msg[1024];
};

static struct kw_shared *kw_sh;
static const char *kw_cur_test = "";

static inline const char *kw_errname(int err)
{
	return kwish_errno_name(err);
}

static inline bool kw_is_root(void)
{
	return geteuid() == 0;
}

/* Print a TAP diagnostic line. */
static inline __attribute__((format(printf, 1, 2)))
void kw_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# %s: ", kw_cur_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Record why a test failed or was skipped (the first reason wins). */
static inline __attribute__((format(printf, 2, 3)))
int kw_result(int res, const char *fmt, ...)
{
	va_list ap;

	if (kw_sh && !kw_sh->msg[0]) {
		va_start(ap, fmt);
		vsnprintf(kw_sh->msg, sizeof(kw_sh->msg), fmt, ap);
		va_end(ap);
	}
	return res;
}

#define kw_fail(...)	kw_result(KW_FAIL, __VA_ARGS__)
#define kw_skip(...)	kw_result(KW_SKIP, __VA_ARGS__)

/* Fail the test unless @cond holds. */
#define KW_CHECK(cond, fmt, ...)					\
	do {								\
		if (!(cond))						\
			return kw_fail("line %d: " fmt, __LINE__,	\
				       ##__VA_ARGS__);			\
	} while (0)

/* Fail the test unless @expr returns -1 with errno @err. */
#define KW_CHECK_ERRNO(expr, err)					\
	do {								\
		long __r = (long)(expr);				\
		int __e = errno;					\
									\
		if (__r != -1 || __e != (err))				\
			return kw_fail("line %d: %s: expected %s, got %s", \
				       __LINE__, #expr, kw_errname(err),\
				       __r == -1 ? kw_errname(__e) :	\
				       "success");			\
	} while (0)

/* Fail the test if @expr returns a negative value; errno is named. */
#define KW_CHECK_OK(expr)						\
	do {								\
		if ((long)(expr) < 0)					\
			return kw_fail("line %d: %s failed: %s (%s)",	\
				       __LINE__, #expr,			\
				       kw_errname(errno),		\
				       strerror(errno));		\
	} while (0)

/* Propagate a non-pass result of a helper. */
#define KW_TRY(expr)							\
	do {								\
		int __res = (expr);					\
									\
		if (__res != KW_PASS)					\
			return __res;					\
	} while (0)

static inline double kw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait for @pid; returns its exit code, or 128 + signal. */
static inline int kw_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return kw_fail("waitpid(%d): %s", pid,
				       kw_errname(errno));
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Become the unprivileged test user (needs root).  Returns 0 or -1. */
static inline int kw_become_user(void)
{
	if (setgroups(0, NULL) < 0 ||
	    setresgid(KW_USER_GID, KW_USER_GID, KW_USER_GID) < 0 ||
	    setresuid(KW_USER_UID, KW_USER_UID, KW_USER_UID) < 0)
		return -1;
	/*
	 * The credential change cleared "dumpable", which makes /proc/self
	 * root's: the user could not write its own uid_map in a new user
	 * namespace.  A user started as the user (the uid 1000 run) is
	 * dumpable; be the same.
	 */
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/*
 * Run @fn as the unprivileged user: directly when not root, in a forked
 * child that drops to KW_USER_UID/KW_USER_GID when root.
 */
static inline int kw_run_as_user(int (*fn)(void))
{
	pid_t pid;

	if (!kw_is_root())
		return fn();
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return kw_fail("fork: %s", kw_errname(errno));
	if (pid == 0) {
		int res;

		if (kw_become_user() < 0)
			res = kw_fail("dropping to uid %d: %s", KW_USER_UID,
				      kw_errname(errno));
		else
			res = fn();
		fflush(stdout);
		_exit(res);
	}
	return kw_wait(pid);
}

static inline int kw_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* Read a whole (small) file, NUL-terminated.  Returns length or -errno. */
static inline ssize_t kw_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return len;
}

/*
 * unshare(CLONE_NEWUSER | @flags) and map uid/gid 0 in the new user
 * namespace to the caller's.  Returns 0 or -errno.
 */
static inline int kw_enter_userns(int flags)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int ret;

	if (unshare(CLONE_NEWUSER | flags) < 0)
		return -errno;
	ret = kw_write_file("/proc/self/setgroups", "deny");
	if (ret < 0 && ret != -ENOENT)
		return ret;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	ret = kw_write_file("/proc/self/uid_map", map);
	if (ret < 0)
		return ret;
	snprintf(map, sizeof(map), "0 %u 1", gid);
	return kw_write_file("/proc/self/gid_map", map);
}

/* The inode number of @name in @at (not followed), 0 if it does not exist. */
static inline unsigned long kw_ino_at(int at, const char *name)
{
	struct stat st;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return st.st_ino;
}

/* The inode number of the file @fd refers to, 0 on error. */
static inline unsigned long kw_ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? 0 : st.st_ino;
}

/*
 * A private mount namespace to mount in: root's own, or for an
 * unprivileged caller one in a new user namespace (where it is root).
 * "/" is made private so nothing propagates out.  Returns a KW_ result.
 */
static inline int kw_enter_mount_ns(void)
{
	int ret;

	if (kw_is_root()) {
		if (unshare(CLONE_NEWNS) < 0)
			return kw_fail("unshare(CLONE_NEWNS): %s",
				       kw_errname(errno));
	} else {
		ret = kw_enter_userns(CLONE_NEWNS);
		if (ret < 0)
			return kw_skip("no user and mount namespace: %s",
				       kw_errname(-ret));
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return kw_fail("making / private: %s", kw_errname(errno));
	return KW_PASS;
}

/*
 * Run @argv (execvp(), so "kwishctl" is found in $PATH) with standard
 * input from @in_fd (-1: /dev/null), standard error to /dev/null and
 * standard output into @out (@size bytes, NUL-terminated; NULL: to
 * /dev/null).  Returns the exit status (127: could not be run), or -1.
 */
static inline int kw_run_cmd(char *const argv[], int in_fd, char *out,
			     size_t size)
{
	int pipefd[2] = { -1, -1 };
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (out && pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(in_fd >= 0 ? in_fd : null, STDIN_FILENO);
		dup2(out ? pipefd[1] : null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (out) {
		close(pipefd[1]);
		while (len + 1 < size) {
			n = read(pipefd[0], out + len, size - 1 - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += n;
		}
		out[len] = '\0';
		close(pipefd[0]);
	}
	return kw_wait(pid);
}

/* An address that faults: a PROT_NONE page (never unmapped). */
static inline void *kw_bad_ptr(void)
{
	static void *bad;

	if (!bad) {
		bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
		if (bad == MAP_FAILED)
			bad = (void *)16;	/* below mmap_min_addr */
	}
	return bad;
}

static inline int kw__rm(const char *path, const struct stat *st, int type,
			 struct FTW *ftw)
{
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* rm -rf @path (used for the tests' scratch directories). */
static inline void kw_rm_rf(const char *path)
{
	nftw(path, kw__rm, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	rmdir(path);
}

/*
 * Where kwishctl is: $KWISHCTL, the test VM's /kwish/bin/kwishctl, or the
 * build tree's $(O)/kwishctl next to $(O)/selftests/.  Writes the path to
 * @path (@size bytes); false if there is none.
 */
static inline bool kw_find_kwishctl(char *path, size_t size)
{
	const char *env = getenv("KWISHCTL");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && !access(env, X_OK)) {
		snprintf(path, size, "%s", env);
		return true;
	}
	if (!access("/kwish/bin/kwishctl", X_OK)) {
		snprintf(path, size, "/kwish/bin/kwishctl");
		return true;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(path, size, "%s/../kwishctl", dirname(exe));
		if (!access(path, X_OK))
			return true;
	}
	return false;
}

/* Wait up to @secs for @pid; returns true and fills @status if it ended. */
static inline bool kw__wait_timeout(pid_t pid, double secs, int *status)
{
	double end = kw_now() + secs;
	int pfd = syscall(SYS_pidfd_open, pid, 0);
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			*status = 0;
			break;
		}
		if (kw_now() >= end) {
			if (pfd >= 0)
				close(pfd);
			return false;
		}
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			double left = end - kw_now();

			poll(&p, 1, left > 0 ? (int)(left * 1000) + 1 : 0);
		} else {
			usleep(2000);
		}
	}
	if (pfd >= 0)
		close(pfd);
	return true;
}

/*
 * Module loading and unloading (root), for tests that unload a kwish
 * module under load.  The modules are in $KWISH_MODULES_DIR (default
 * /kwish/modules, where the test VM puts them).
 */
static inline bool kw_module_loaded(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

/*
 * Load @name with the parameters the test VM loaded it with at setup,
 * $KWISH_MODULE_PARAMS_<name> (kwish_core's "syscalls=1"), so that a test
 * that reloads a module leaves it as it found it.
 */
static inline int kw_module_insert(const char *name)
{
	const char *dir = getenv("KWISH_MODULES_DIR");
	const char *params;
	char path[512];
	int fd, ret, err;

	snprintf(path, sizeof(path), "KWISH_MODULE_PARAMS_%s", name);
	params = getenv(path);
	snprintf(path, sizeof(path), "%s/%s.ko", dir ? dir : "/kwish/modules",
		 name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params ? params : "", 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/*
 * delete_module(@name), retried for up to @secs while the module is in use
 * (EAGAIN, EBUSY): what an earlier test left behind may still pin it for a
 * moment (item 24's restrictions until their collector frees them, item
 * 19's releases in flight, sockets with item 13/14 settings being torn
 * down).  0 or -1 with errno.
 */
static inline int kw_module_remove_settled(const char *name, double secs)
{
	double end = kw_now() + secs;

	while (syscall(SYS_delete_module, name, O_NONBLOCK) < 0) {
		if ((errno != EAGAIN && errno != EBUSY) || kw_now() > end)
			return -1;
		usleep(50000);
	}
	return 0;
}

/*
 * delete_module(@name) in a child, so that an unload that hangs (in D
 * state, which no signal ends) shows as a timeout instead of hanging the
 * test.  Returns the child's pid, or -1.
 */
static inline pid_t kw_module_remove_start(const char *name)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(syscall(SYS_delete_module, name, O_NONBLOCK) ? errno : 0);
	return pid;
}

/*
 * Wait up to @secs for a kw_module_remove_start() child: its errno (0:
 * unloaded), or -1 if it is still inside delete_module().
 */
static inline int kw_module_remove_wait(pid_t pid, double secs)
{
	int status;

	if (!kw__wait_timeout(pid, secs, &status))
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

/*
 * $KW_TIME_SCALE: slower kernels (the debug kernel: KASAN, lockdep) scale
 * the time limits by it.  1 when unset.
 */
static inline double kw_time_scale(void)
{
	const char *env = getenv("KW_TIME_SCALE");

	return env && atof(env) > 0 ? atof(env) : 1;
}

static inline int kw_run(const struct kw_test *tests, size_t n)
{
	const char *env = getenv("KW_TIME_BUDGET");
	double scale = kw_time_scale();
	double budget = (env ? atof(env) : KW_TIME_BUDGET) * scale;
	double deadline = kw_now() + budget;
	unsigned int pass = 0, fail = 0, skip = 0;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	kw_sh = mmap(NULL, sizeof(*kw_sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (kw_sh == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	printf("TAP version 13\n1..%zu\n", n);
	printf("# %s: uid %u gid %u\n", program_invocation_short_name,
	       geteuid(), getegid());

	for (i = 0; i < n; i++) {
		const struct kw_test *t = &tests[i];
		double left = deadline - kw_now();
		double timeout = (t->timeout ? t->timeout : KW_DEFAULT_TIMEOUT) *
				 scale;
		int status, res;
		pid_t pid;

		kw_cur_test = t->name;
		memset(kw_sh->msg, 0, sizeof(kw_sh->msg));
		if (left <= 0) {
			printf("# %s: not run: the program's %.0f s time budget is used up\n",
			       t->name, budget);
			printf("not ok %zu - %s\n", i + 1, t->name);
			fail++;
			continue;
		}
		if (timeout > left)
			timeout = left;

		fflush(stdout);
		fflush(stderr);
		pid = fork();
		if (pid < 0) {
			printf("# %s: fork: %s\n", t->name, strerror(errno));
			printf("not ok %zu - %s\n", i + 1, t->name);
			fail++;
			continue;
		}
		if (pid == 0) {
			/* Its own group, killed as a whole; dies with us. */
			setpgid(0, 0);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			res = t->fn();
			fflush(stdout);
			fflush(stderr);
			_exit(res);
		}
		setpgid(pid, pid);

		if (!kw__wait_timeout(pid, timeout, &status)) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(kw_sh->msg, sizeof(kw_sh->msg),
				 "timed out after %.0f s (killed)", timeout);
			res = -1;
		} else if (WIFEXITED(status)) {
			res = WEXITSTATUS(status);
		} else {
			res = -1;
			snprintf(kw_sh->msg, sizeof(kw_sh->msg),
				 "killed by signal %d (%s)", WTERMSIG(status),
				 strsignal(WTERMSIG(status)));
		}
		/* Leftovers of the test's process group must not linger. */
		kill(-pid, SIGKILL);

		switch (res) {
		case KW_PASS:
			printf("ok %zu - %s\n", i + 1, t->name);
			pass++;
			break;
		case KW_SKIP:
			printf("ok %zu - %s # SKIP %s\n", i + 1, t->name,
			       kw_sh->msg[0] ? kw_sh->msg : "(no reason)");
			skip++;
			break;
		default:
			if (res > 0 && res != KW_FAIL && !kw_sh->msg[0])
				snprintf(kw_sh->msg, sizeof(kw_sh->msg),
					 "test exited with status %d", res);
			printf("# %s: %s\n", t->name,
			       kw_sh->msg[0] ? kw_sh->msg : "failed");
			printf("not ok %zu - %s\n", i + 1, t->name);
			fail++;
			break;
		}
	}
	kw_cur_test = "";
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       pass, fail, skip);
	fflush(stdout);
	return fail ? 1 : 0;
}

#define KW_RUN(tests)	kw_run(tests, KW_ARRAY_SIZE(tests))

#endif /* _KWTAP_H */
