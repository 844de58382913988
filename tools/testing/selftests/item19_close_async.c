// SPDX-License-Identifier: GPL-2.0
/*
 * item19_close_async: KWISH_CLOSE_ASYNC, close without blocking.
 *
 * The slow release is a real one and needs no test module: a TCP
 * loopback socket with SO_LINGER {1, LINGER s} whose peer never reads and
 * whose send buffer is full.  close(2) of it waits in tcp_close() for the
 * FIN to be acknowledged, which cannot happen before the linger time is
 * over.  The tests show that close(2) blocks for that time and
 * KWISH_CLOSE_ASYNC does not, that the completion fd reports the end of
 * the release, that SCM_RIGHTS-received fds are released in parallel,
 * that POSIX locks and dnotify registrations go at once as with
 * close(2), that ->flush runs before the caller's POSIX locks go, as in
 * close(2) (on a FUSE file system the test serves itself from /dev/fuse),
 * the per-user limit (EAGAIN), that one user's blocked releases do not
 * hold up another user's, rmmod while a release is in flight (refused,
 * then clean), every errno of the contract, and the unprivileged user and
 * a user namespace.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/fuse.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include "kwtap.h"

#define LINGER		2	/* seconds a slow close(2) blocks */
#define FAST		0.5	/* seconds: "at once", generous for TCG */
#define PARAM_MAX_USER	"/sys/module/kwish_fs/parameters/close_async_max_per_user"

static int kfd = -1;

static int close_async(int *fds, unsigned int nr, unsigned int flags,
		       int *wfd)
{
	struct kwish_close_async arg = {
		.size = sizeof(arg),
		.flags = flags,
		.fds = (uintptr_t)fds,
		.nr_fds = nr,
		.wait_fd = -2,
	};
	int ret = ioctl(kfd, KWISH_CLOSE_ASYNC, &arg);

	if (wfd)
		*wfd = arg.wait_fd;
	return ret;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int setup(void)
{
	kfd = kwish_open();
	if (kfd < 0)
		return kw_skip("/dev/kwish: %s", kw_errname(errno));
	if (close_async(NULL, 0, 0, NULL) < 0 && errno == EOPNOTSUPP)
		return kw_skip("KWISH_CLOSE_ASYNC not available (kwish_fs)");
	return KW_PASS;
}

/*
 * A TCP socket whose close(2) blocks for about @secs seconds: connected
 * over loopback, SO_LINGER {1, @secs}, the send buffer and the peer's
 * small receive window full.  *@peer is the accepted end (keep it open,
 * never read).  Returns the fd or -1.
 */
static int slow_socket(int secs, int *peer)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct linger lg = { .l_onoff = 1, .l_linger = secs };
	socklen_t len = sizeof(sa);
	int small = 4096, lfd, c, p, fl;
	static char buf[65536];

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -1;
	/* inherited by the accepted socket: a small, fixed window */
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
		close(lfd);
		return -1;
	}
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0) {
		close(lfd);
		return -1;
	}
	setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(c);
		close(lfd);
		return -1;
	}
	p = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	if (p < 0) {
		close(c);
		return -1;
	}
	fl = fcntl(c, F_GETFL);
	fcntl(c, F_SETFL, fl | O_NONBLOCK);
	/* Fill until the peer's window and our buffer are both full. */
	for (int idle = 0; idle < 20;) {
		if (write(c, buf, sizeof(buf)) > 0) {
			idle = 0;
			continue;
		}
		if (errno != EAGAIN) {
			close(c);
			close(p);
			return -1;
		}
		idle++;
		usleep(5000);
	}
	fcntl(c, F_SETFL, fl);
	if (setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0) {
		close(c);
		close(p);
		return -1;
	}
	*peer = p;
	return c;
}

/* Wait up to @secs for @wfd to be readable; returns the poll() result. */
static int wait_readable(int wfd, double secs)
{
	struct pollfd p = { .fd = wfd, .events = POLLIN };

	return poll(&p, 1, (int)(secs * 1000));
}

static int read_result(int wfd, struct kwish_close_async_result *res)
{
	ssize_t n = read(wfd, res, sizeof(*res));

	return n == (ssize_t)sizeof(*res) ? 0 : -1;
}

/* ------------------------------------------------------------ behaviour */

static int test_plain_file(void)
{
	struct kwish_close_async_result res;
	int fd, wfd, ret;

	KW_TRY(setup());
	fd = open("/proc/self/status", O_RDONLY);
	KW_CHECK_OK(fd);
	ret = close_async(&fd, 1, KWISH_CLOSE_ASYNC_WAITFD, &wfd);
	KW_CHECK(ret == 1, "returned %d (%s)", ret, kw_errname(errno));
	KW_CHECK(!fd_open(fd), "fd %d still open", fd);
	KW_CHECK(wfd >= 0 && fd_open(wfd), "no completion fd (%d)", wfd);
	KW_CHECK(wait_readable(wfd, 10) == 1, "completion fd never readable");
	KW_CHECK(read_result(wfd, &res) == 0, "read: %s", kw_errname(errno));
	KW_CHECK(res.nr_files == 1 && res.error == 0, "result {%u, %d}",
		 res.nr_files, res.error);
	/* the fd number is free for reuse at once, as after close(2) */
	ret = open("/dev/null", O_RDONLY);
	KW_CHECK(ret == fd, "lowest free fd is %d, not the closed %d", ret, fd);
	close(ret);
	close(wfd);
	return KW_PASS;
}

/* The baseline: close(2) of the slow socket really blocks. */
static int test_sync_close_blocks(void)
{
	int peer, fd = slow_socket(LINGER, &peer);
	double t;

	KW_CHECK(fd >= 0, "slow socket: %s", kw_errname(errno));
	t = kw_now();
	close(fd);
	t = kw_now() - t;
	close(peer);
	KW_CHECK(t >= LINGER * 0.8, "close() took only %.3f s", t);
	kw_diag("close(2) of the lingering socket: %.3f s", t);
	return KW_PASS;
}

static int slow_async(void)
{
	struct kwish_close_async_result res;
	int peer, fd, wfd, ret;
	double t0, t;

	KW_TRY(setup());
	fd = slow_socket(LINGER, &peer);
	KW_CHECK(fd >= 0, "slow socket: %s", kw_errname(errno));
	t0 = kw_now();
	ret = close_async(&fd, 1, KWISH_CLOSE_ASYNC_WAITFD, &wfd);
	t = kw_now() - t0;
	KW_CHECK(ret == 1, "returned %d (%s)", ret, kw_errname(errno));
	KW_CHECK(t < FAST, "the caller waited %.3f s", t);
	KW_CHECK(!fd_open(fd), "fd still open");
	KW_CHECK(wait_readable(wfd, 0) == 0,
		 "completion fd readable before the release");
	/* O_NONBLOCK read before completion: EAGAIN */
	fcntl(wfd, F_SETFL, O_NONBLOCK);
	KW_CHECK_ERRNO(read(wfd, &res, sizeof(res)), EAGAIN);
	fcntl(wfd, F_SETFL, 0);
	/* a blocking read waits for the release */
	KW_CHECK(read_result(wfd, &res) == 0, "read: %s", kw_errname(errno));
	t = kw_now() - t0;
	KW_CHECK(t >= LINGER * 0.8, "released after only %.3f s", t);
	KW_CHECK(res.nr_files == 1 && res.error == 0, "result {%u, %d}",
		 res.nr_files, res.error);
	KW_CHECK(wait_readable(wfd, 0) == 1, "not readable after completion");
	KW_CHECK(read_result(wfd, &res) == 0 && res.nr_files == 1,
		 "second read differs");
	kw_diag("caller returned at once, release took %.3f s", t);
	close(wfd);
	close(peer);
	return KW_PASS;
}

static int test_slow_release_async(void)
{
	return slow_async();
}

static int test_slow_release_as_user(void)
{
	return kw_run_as_user(slow_async);
}

/* As the namespace's root (the program runs as root and as uid 1000). */
static int test_slow_release_in_userns(void)
{
	int ret = kw_enter_userns(0);

	if (ret == -EPERM || ret == -EINVAL || ret == -ENOSPC)
		return kw_skip("unshare(CLONE_NEWUSER): %s", kw_errname(-ret));
	KW_CHECK(ret == 0, "entering a user namespace: %s", kw_errname(-ret));
	return slow_async();
}

/* The broker case: fds received with SCM_RIGHTS, released in parallel. */
static int test_scm_rights_batch(void)
{
	enum { N = 8 };
	int sv[2], socks[N], peers[N], got[N], wfd, ret, i;
	char cbuf[CMSG_SPACE(sizeof(socks))], byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct kwish_close_async_result res;
	struct cmsghdr *cm;
	double t0, t;

	KW_TRY(setup());
	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	for (i = 0; i < N; i++) {
		socks[i] = slow_socket(LINGER, &peers[i]);
		KW_CHECK(socks[i] >= 0, "slow socket %d: %s", i,
			 kw_errname(errno));
	}
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(socks));
	memcpy(CMSG_DATA(cm), socks, sizeof(socks));
	KW_CHECK(sendmsg(sv[0], &msg, 0) == 1, "sendmsg: %s", kw_errname(errno));
	/* not the last reference (in flight in sv): cheap */
	for (i = 0; i < N; i++)
		close(socks[i]);
	memset(cbuf, 0, sizeof(cbuf));
	msg.msg_controllen = sizeof(cbuf);
	KW_CHECK(recvmsg(sv[1], &msg, MSG_CMSG_CLOEXEC) == 1, "recvmsg: %s",
		 kw_errname(errno));
	cm = CMSG_FIRSTHDR(&msg);
	KW_CHECK(cm && cm->cmsg_type == SCM_RIGHTS, "no SCM_RIGHTS");
	memcpy(got, CMSG_DATA(cm), sizeof(got));

	t0 = kw_now();
	ret = close_async(got, N, KWISH_CLOSE_ASYNC_WAITFD, &wfd);
	t = kw_now() - t0;
	KW_CHECK(ret == N, "returned %d (%s)", ret, kw_errname(errno));
	KW_CHECK(t < FAST, "the caller waited %.3f s for %d fds", t, N);
	for (i = 0; i < N; i++)
		KW_CHECK(!fd_open(got[i]), "received fd %d still open", got[i]);
	KW_CHECK(read_result(wfd, &res) == 0, "read: %s", kw_errname(errno));
	t = kw_now() - t0;
	KW_CHECK(res.nr_files == N, "nr_files %u", res.nr_files);
	/* released side by side, not one after the other (N * LINGER s) */
	KW_CHECK(t < LINGER * 3, "%d releases took %.3f s", N, t);
	kw_diag("%d received fds: caller at once, all released after %.3f s",
		N, t);
	close(wfd);
	for (i = 0; i < N; i++)
		close(peers[i]);
	return KW_PASS;
}

/* POSIX locks go when the call returns, as with close(2). */
static int test_posix_locks_dropped(void)
{
	char path[] = "/tmp/kw_cla_lockXXXXXX";
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd1, fd2, st;
	pid_t pid;

	KW_TRY(setup());
	fd1 = mkstemp(path);
	KW_CHECK_OK(fd1);
	KW_CHECK_OK(fcntl(fd1, F_SETLK, &fl));
	fd2 = open(path, O_RDWR);
	unlink(path);
	KW_CHECK_OK(fd2);
	/* closing any fd of the file drops the process's locks on it */
	KW_CHECK(close_async(&fd2, 1, 0, NULL) == 1, "close_async: %s",
		 kw_errname(errno));
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		struct flock t = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

		_exit(fcntl(fd1, F_SETLK, &t) == 0 ? 0 : 1);
	}
	st = kw_wait(pid);
	KW_CHECK(st == 0, "the lock survived the call (child could not lock)");
	close(fd1);
	return KW_PASS;
}

static volatile sig_atomic_t dn_events;

static void dn_handler(int sig)
{
	dn_events++;
}

/* The dnotify registration is dropped before the file can be freed. */
static int test_dnotify_dropped(void)
{
	char dir[] = "/tmp/kw_cla_dnXXXXXX", path[64];
	struct sigaction sa = { .sa_handler = dn_handler };
	int dfd, wfd, fd;

	KW_TRY(setup());
	KW_CHECK(mkdtemp(dir), "mkdtemp: %s", kw_errname(errno));
	sigaction(SIGUSR1, &sa, NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	KW_CHECK_OK(dfd);
	KW_CHECK_OK(fcntl(dfd, F_SETSIG, SIGUSR1));
	KW_CHECK_OK(fcntl(dfd, F_NOTIFY, DN_CREATE | DN_MULTISHOT));
	snprintf(path, sizeof(path), "%s/a", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	KW_CHECK_OK(fd);
	close(fd);
	usleep(50000);
	KW_CHECK(dn_events > 0, "dnotify does not work here");
	KW_CHECK(close_async(&dfd, 1, KWISH_CLOSE_ASYNC_WAITFD, &wfd) == 1,
		 "close_async: %s", kw_errname(errno));
	KW_CHECK(wait_readable(wfd, 10) == 1, "no completion");
	dn_events = 0;
	snprintf(path, sizeof(path), "%s/b", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	KW_CHECK_OK(fd);
	close(fd);
	usleep(50000);
	KW_CHECK(dn_events == 0, "dnotify still fires after the close");
	close(wfd);
	kw_rm_rf(dir);
	return KW_PASS;
}

static int test_waitfd_cloexec(void)
{
	int fd, wfd;

	KW_TRY(setup());
	fd = open("/dev/null", O_RDONLY);
	KW_CHECK(close_async(&fd, 1, KWISH_CLOSE_ASYNC_WAITFD, &wfd) == 1,
		 "close_async: %s", kw_errname(errno));
	KW_CHECK(fcntl(wfd, F_GETFD) == FD_CLOEXEC, "not O_CLOEXEC");
	close(wfd);
	fd = open("/dev/null", O_RDONLY);
	KW_CHECK(close_async(&fd, 1, KWISH_CLOSE_ASYNC_WAITFD |
			     KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC, &wfd) == 1,
		 "close_async: %s", kw_errname(errno));
	KW_CHECK(fcntl(wfd, F_GETFD) == 0, "O_CLOEXEC despite _NOCLOEXEC");
	/* a read shorter than the result is EINVAL */
	KW_CHECK(wait_readable(wfd, 10) == 1, "no completion");
	{
		char small[4];

		KW_CHECK_ERRNO(read(wfd, small, sizeof(small)), EINVAL);
	}
	close(wfd);
	/* without the flag: no completion fd, wait_fd is -1 */
	fd = open("/dev/null", O_RDONLY);
	KW_CHECK(close_async(&fd, 1, 0, &wfd) == 1, "close_async: %s",
		 kw_errname(errno));
	KW_CHECK(wfd == -1, "wait_fd %d without the flag", wfd);
	return KW_PASS;
}

/* O_PATH fds, the /dev/kwish fd the call came through, exit in flight. */
static int test_special_fds(void)
{
	int fd, k, peer = -1, st;
	pid_t pid;
	double t;

	KW_TRY(setup());
	fd = open("/tmp", O_PATH);
	KW_CHECK_OK(fd);
	KW_CHECK(close_async(&fd, 1, 0, NULL) == 1, "O_PATH: %s",
		 kw_errname(errno));
	KW_CHECK(!fd_open(fd), "O_PATH fd still open");

	k = kwish_open();
	KW_CHECK_OK(k);
	{
		struct kwish_close_async arg = {
			.size = sizeof(arg), .fds = (uintptr_t)&k, .nr_fds = 1,
		};

		KW_CHECK(ioctl(k, KWISH_CLOSE_ASYNC, &arg) == 1,
			 "closing the /dev/kwish fd itself: %s",
			 kw_errname(errno));
	}
	KW_CHECK(!fd_open(k), "/dev/kwish fd still open");

	/* the caller exits while its release is in flight */
	t = kw_now();
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		fd = slow_socket(LINGER, &peer);
		if (fd < 0)
			_exit(2);
		_exit(close_async(&fd, 1, 0, NULL) == 1 ? 0 : 1);
	}
	st = kw_wait(pid);
	t = kw_now() - t;
	KW_CHECK(st == 0, "child failed (%d)", st);
	kw_diag("child with a release in flight exited after %.3f s", t);
	return KW_PASS;
}

/* ------------------------------------------------------------ errors */

static int test_errno_contract(void)
{
	struct kwish_close_async arg = { .size = sizeof(arg) };
	int a, b, c, fds[3], wfd, ret;
	struct {
		struct kwish_close_async a;
		__u64 tail;
	} big = { .a = { .size = sizeof(big) } };

	KW_TRY(setup());
	a = open("/dev/null", O_RDONLY);
	b = open("/dev/null", O_RDONLY);
	c = open("/dev/null", O_RDONLY);
	KW_CHECK(a >= 0 && b >= 0 && c >= 0, "open: %s", kw_errname(errno));

	/* EINVAL: nr_fds 0 and too many, reserved, lone _NOCLOEXEC, flags */
	KW_CHECK_ERRNO(close_async(&a, 0, 0, NULL), EINVAL);
	KW_CHECK_ERRNO(close_async(&a, KWISH_CLOSE_ASYNC_MAX_FDS + 1, 0, NULL),
		       EINVAL);
	KW_CHECK_ERRNO(close_async(&a, 1, KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC,
				   NULL), EINVAL);
	KW_CHECK_ERRNO(close_async(&a, 1, 0x4, NULL), EINVAL);
	arg.fds = (uintptr_t)&a;
	arg.nr_fds = 1;
	arg.__reserved = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_CLOSE_ASYNC, &arg), EINVAL);
	arg.__reserved = 0;
	arg.size = KWISH_CLOSE_ASYNC_SIZE_VER0 - 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_CLOSE_ASYNC, &arg), EINVAL);
	/* E2BIG: a larger struct with a non-zero tail */
	big.a.fds = (uintptr_t)&a;
	big.a.nr_fds = 1;
	big.tail = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_CLOSE_ASYNC, &big), E2BIG);
	/* EFAULT: the argument, the fd array, the wait_fd field */
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_CLOSE_ASYNC, kw_bad_ptr()), EFAULT);
	KW_CHECK_ERRNO(close_async(kw_bad_ptr(), 1, 0, NULL), EFAULT);
	KW_CHECK(fd_open(a), "EINVAL/EFAULT closed fd %d", a);

	/* EBADF for the first fd: nothing closed, no completion fd */
	fds[0] = -1;
	fds[1] = a;
	KW_CHECK_ERRNO(close_async(fds, 2, KWISH_CLOSE_ASYNC_WAITFD, &wfd),
		       EBADF);
	KW_CHECK(fd_open(a), "fd after a bad first fd was closed");
	fds[0] = 100000;
	KW_CHECK_ERRNO(close_async(fds, 1, 0, NULL), EBADF);

	/* partial: stops at the bad one, returns how many were closed */
	fds[0] = a;
	fds[1] = -1;
	fds[2] = b;
	ret = close_async(fds, 3, KWISH_CLOSE_ASYNC_WAITFD, &wfd);
	KW_CHECK(ret == 1, "partial: returned %d (%s)", ret, kw_errname(errno));
	KW_CHECK(!fd_open(a) && fd_open(b), "partial: wrong fds closed");
	KW_CHECK(wfd >= 0, "partial: no completion fd");
	close(wfd);
	/* the same fd twice: the second copy is EBADF */
	fds[0] = b;
	fds[1] = b;
	KW_CHECK(close_async(fds, 2, 0, NULL) == 1, "duplicate: %s",
		 kw_errname(errno));
	KW_CHECK(!fd_open(b), "duplicate: not closed");
	close(c);
	return KW_PASS;
}

/* EMFILE: no fd for the completion fd, and nothing is closed. */
static int test_emfile(void)
{
	struct rlimit rl;
	int last;

	KW_TRY(setup());
	/* the lowest free fd: every one below it is in use */
	last = open("/dev/null", O_RDONLY);
	KW_CHECK_OK(last);
	KW_CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = last + 1;
	KW_CHECK_OK(setrlimit(RLIMIT_NOFILE, &rl));
	KW_CHECK_ERRNO(open("/dev/null", O_RDONLY), EMFILE);
	KW_CHECK_ERRNO(close_async(&last, 1, KWISH_CLOSE_ASYNC_WAITFD, NULL),
		       EMFILE);
	KW_CHECK(fd_open(last), "fd closed although the call failed");
	KW_CHECK(close_async(&last, 1, 0, NULL) == 1, "without a wait fd: %s",
		 kw_errname(errno));
	return KW_PASS;
}

/* EAGAIN past the per-user limit; the fd stays open. */
static int test_limit_eagain(void)
{
	char old[32];
	int p1, p2, s1, s2, wfd, ret;

	if (!kw_is_root())
		return kw_skip("changing the module parameter needs root");
	KW_TRY(setup());
	KW_CHECK(kw_read_file(PARAM_MAX_USER, old, sizeof(old)) > 0,
		 "read %s", PARAM_MAX_USER);
	s1 = slow_socket(LINGER, &p1);
	s2 = slow_socket(LINGER, &p2);
	KW_CHECK(s1 >= 0 && s2 >= 0, "slow sockets: %s", kw_errname(errno));
	KW_CHECK(kw_write_file(PARAM_MAX_USER, "1") == 0, "set limit");
	ret = close_async(&s1, 1, KWISH_CLOSE_ASYNC_WAITFD, &wfd);
	if (ret == 1)
		ret = close_async(&s2, 1, 0, NULL) == -1 && errno == EAGAIN ?
		      0 : -1;
	else
		ret = -2;
	kw_write_file(PARAM_MAX_USER, old);
	KW_CHECK(ret != -2, "first close_async: %s", kw_errname(errno));
	KW_CHECK(ret == 0, "second close_async was not EAGAIN");
	KW_CHECK(fd_open(s2), "the refused fd was closed");
	KW_CHECK(wait_readable(wfd, 10) == 1, "no completion");
	close(wfd);
	/* with the file released (and the old limit back) it works */
	KW_CHECK(close_async(&s2, 1, KWISH_CLOSE_ASYNC_WAITFD, &wfd) == 1,
		 "after release: %s", kw_errname(errno));
	close(p1);
	close(p2);
	/* s2's release pins kwish_fs until it ends: let it end here */
	KW_CHECK(wait_readable(wfd, 10) == 1, "no completion for s2");
	close(wfd);
	return KW_PASS;
}

/* ------------------------------------------------------------ ->flush */

/*
 * A FUSE file system of one file, "f" (inode 2), served by a child
 * process straight from /dev/fuse: what its FLUSH requests saw.  POSIX
 * locks are the kernel's own (no FUSE_POSIX_LOCKS), so they show in
 * /proc/locks.
 */
struct fuse_seen {
	int delay_ms;		/* set by the test: before FLUSH is answered */
	int flushes;		/* FLUSH requests so far */
	int pid, uid;		/* of the last FLUSH request */
	int locked;		/* the test's lock on "f" was there at FLUSH */
	int lock_pid;		/* whose lock to look for */
	char lock_id[64];	/* "MAJ:MIN:INO" of "f" as /proc/locks has it */
};

static struct fuse_seen *fseen;

/* Is a POSIX lock of @pid on @id listed in /proc/locks? */
static int lock_listed(int pid, const char *id)
{
	char line[256], want[32];
	FILE *f = fopen("/proc/locks", "re");
	int found = 0;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), " %d ", pid);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "POSIX") && strstr(line, want) &&
		    strstr(line, id))
			found = 1;
	fclose(f);
	return found;
}

static void fuse_reply(int dev, uint64_t unique, int error, const void *arg,
		       size_t len)
{
	struct fuse_out_header out = {
		.len = sizeof(out) + len, .error = error, .unique = unique,
	};
	struct iovec iov[2] = {
		{ &out, sizeof(out) }, { (void *)arg, len },
	};

	if (writev(dev, iov, len ? 2 : 1) < 0)
		_exit(3);
}

static void fuse_fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0666;
	a->nlink = 1;
	a->uid = getuid();
	a->gid = getgid();
	a->blksize = 4096;
}

static void fuse_serve(int dev)
{
	static char buf[FUSE_MIN_READ_BUFFER + 65536];

	for (;;) {
		struct fuse_in_header *in = (void *)buf;
		void *arg = buf + sizeof(*in);
		ssize_t n = read(dev, buf, sizeof(buf));

		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(*in))
			_exit(0);	/* unmounted */
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *ii = arg;
			struct fuse_init_out io = {
				.major = FUSE_KERNEL_VERSION,
				.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ?
					 ii->minor : FUSE_KERNEL_MINOR_VERSION,
				.max_readahead = ii->max_readahead,
				.max_background = 4,
				.congestion_threshold = 3,
				.max_write = 4096,
				.time_gran = 1,
			};

			fuse_reply(dev, in->unique, 0, &io, sizeof(io));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out e = { .nodeid = 2 };

			if (in->nodeid != FUSE_ROOT_ID || strcmp(arg, "f")) {
				fuse_reply(dev, in->unique, -ENOENT, NULL, 0);
				break;
			}
			fuse_fill_attr(&e.attr, 2);
			fuse_reply(dev, in->unique, 0, &e, sizeof(e));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out a = {};

			fuse_fill_attr(&a.attr, in->nodeid);
			fuse_reply(dev, in->unique, 0, &a, sizeof(a));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out o = { .fh = 1 };

			fuse_reply(dev, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_FLUSH:
			fseen->pid = in->pid;
			fseen->uid = in->uid;
			fseen->locked = lock_listed(fseen->lock_pid,
						    fseen->lock_id);
			usleep(fseen->delay_ms * 1000);
			__atomic_add_fetch(&fseen->flushes, 1,
					   __ATOMIC_SEQ_CST);
			/* an error close(2) would return */
			fuse_reply(dev, in->unique, -EIO, NULL, 0);
			break;
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
			fuse_reply(dev, in->unique, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		default:
			fuse_reply(dev, in->unique, -ENOSYS, NULL, 0);
		}
	}
}

/*
 * Finding 8 of issue 14: close(2) runs ->flush, then drops the caller's
 * POSIX locks (filp_flush()).  When the caller holds a lock on the file,
 * KWISH_CLOSE_ASYNC does the same in the caller: FUSE's FLUSH comes from
 * the caller (pid, uid) while the lock is still there, the lock is gone
 * when the call returns, and FLUSH's error reaches the completion fd.
 * Without a lock ->flush runs afterwards, and the call does not wait.
 */
static int test_flush_then_unlock(void)
{
	char dir[] = "/tmp/kw_cla_fuseXXXXXX", path[64], opts[128];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct kwish_close_async_result res;
	int dev, fd, wfd, ret;
	struct stat st;
	double t0, t;
	pid_t srv;

	KW_TRY(setup());
	fseen = mmap(NULL, sizeof(*fseen), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	KW_CHECK(fseen != MAP_FAILED, "mmap: %s", kw_errname(errno));
	KW_TRY(kw_enter_mount_ns());
	dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return kw_skip("/dev/fuse: %s", kw_errname(errno));
	KW_CHECK(mkdtemp(dir), "mkdtemp: %s", kw_errname(errno));
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=%u,group_id=%u",
		 dev, getuid(), getgid());
	if (mount("kwfuse", dir, "fuse", MS_NOSUID | MS_NODEV, opts) < 0) {
		ret = errno;
		rmdir(dir);
		return kw_skip("mounting fuse: %s", kw_errname(ret));
	}
	fflush(stdout);
	srv = fork();
	KW_CHECK_OK(srv);
	if (srv == 0)
		fuse_serve(dev);
	close(dev);
	snprintf(path, sizeof(path), "%s/f", dir);
	KW_CHECK_OK(stat(path, &st));
	snprintf(fseen->lock_id, sizeof(fseen->lock_id), "%02x:%02x:%lu ",
		 major(st.st_dev), minor(st.st_dev), (unsigned long)st.st_ino);
	fseen->lock_pid = getpid();

	/* with a lock: FLUSH from the caller, before the unlock, waited for */
	fd = open(path, O_RDWR | O_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(fcntl(fd, F_SETLK, &fl));
	KW_CHECK(lock_listed(getpid(), fseen->lock_id) == 1,
		 "the lock is not in /proc/locks");
	fseen->delay_ms = 300;
	t0 = kw_now();
	ret = close_async(&fd, 1, KWISH_CLOSE_ASYNC_WAITFD, &wfd);
	t = kw_now() - t0;
	KW_CHECK(ret == 1, "close_async: %s", kw_errname(errno));
	KW_CHECK(fseen->flushes == 1, "%d FLUSH requests when the call returned",
		 fseen->flushes);
	KW_CHECK(fseen->locked == 1,
		 "the caller's lock was gone before ->flush (%d)",
		 fseen->locked);
	KW_CHECK(fseen->pid == getpid() && fseen->uid == (int)getuid(),
		 "FLUSH came from pid %d uid %d, not the caller's %d, %d",
		 fseen->pid, fseen->uid, getpid(), getuid());
	KW_CHECK(lock_listed(getpid(), fseen->lock_id) == 0,
		 "the lock survived the call");
	KW_CHECK(t >= 0.25, "the call returned after %.3f s, before FLUSH", t);
	KW_CHECK(wait_readable(wfd, 10) == 1, "no completion");
	KW_CHECK(read_result(wfd, &res) == 0 && res.nr_files == 1 &&
		 res.error == -EIO, "result {%u, %d}, want {1, -EIO}",
		 res.nr_files, res.error);
	close(wfd);

	/* without a lock: the call does not wait for FLUSH */
	fd = open(path, O_RDWR | O_CLOEXEC);
	KW_CHECK_OK(fd);
	fseen->delay_ms = 1000;
	t0 = kw_now();
	ret = close_async(&fd, 1, KWISH_CLOSE_ASYNC_WAITFD, &wfd);
	t = kw_now() - t0;
	KW_CHECK(ret == 1, "close_async: %s", kw_errname(errno));
	KW_CHECK(t < FAST, "the caller waited %.3f s for FLUSH", t);
	KW_CHECK(read_result(wfd, &res) == 0 && res.nr_files == 1 &&
		 res.error == -EIO, "result {%u, %d}, want {1, -EIO}",
		 res.nr_files, res.error);
	t = kw_now() - t0;
	KW_CHECK(t >= 0.8, "completion after %.3f s, before FLUSH's answer", t);
	KW_CHECK(fseen->flushes == 2, "%d FLUSH requests", fseen->flushes);
	KW_CHECK(fseen->uid == (int)getuid(),
		 "FLUSH without the caller's uid (%d)", fseen->uid);
	kw_diag("FLUSH with a lock: from the caller, lock still there; without: %.3f s later",
		t);
	close(wfd);

	umount2(dir, MNT_DETACH);
	kill(srv, SIGKILL);
	kw_wait(srv);
	rmdir(dir);
	return KW_PASS;
}

/* ------------------------------------------------------------ fairness */

#define FAIR_N		530	/* > the workqueue's 512 at once */
#define FAIR_LINGER	20	/* seconds each of them would block */
#define FAIR_WAIT	5	/* seconds: "at once" for another user, TCG */

/*
 * Like slow_socket(), quicker, for many: connected through the listening
 * socket @lfd (at @sa, with a small SO_RCVBUF the accepted end inherits),
 * filled until data is left unsent.  Returns the fd or -1.
 */
static int lingering_socket(int lfd, const struct sockaddr_in *sa, int secs,
			    int *peer)
{
	struct linger lg = { .l_onoff = 1, .l_linger = secs };
	int small = 4096, unsent = 0, c, p, i;
	static char buf[65536];

	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		return -1;
	setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	if (connect(c, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		close(c);
		return -1;
	}
	p = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (p < 0) {
		close(c);
		return -1;
	}
	/* the peer never reads: once its window is full data stays unsent */
	for (i = 0; i < 1000 && unsent <= 0; i++) {
		while (send(c, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		if (errno != EAGAIN || ioctl(c, SIOCOUTQNSD, &unsent) < 0)
			break;
		if (unsent <= 0)
			usleep(1000);
	}
	if (unsent <= 0 ||
	    setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0) {
		close(c);
		close(p);
		return -1;
	}
	*peer = p;
	return c;
}

/*
 * The blocking user: FAIR_N lingering sockets closed with one call, then
 * "1" on @ready (a failure code otherwise); when @go is readable, the
 * peers are closed (their reset ends every linger at once) and all
 * releases must end.  Runs as the unprivileged user; exit 0 if all went.
 */
static int fair_blocker(int ready, int go)
{
	static int socks[FAIR_N], peers[FAIR_N];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct kwish_close_async_result res;
	socklen_t len = sizeof(sa);
	int small = 4096, lfd, wfd, i, n;
	char c = '1';

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return 10;
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0)
		return 11;
	for (i = 0; i < FAIR_N; i++) {
		socks[i] = lingering_socket(lfd, &sa, FAIR_LINGER, &peers[i]);
		if (socks[i] < 0)
			return 12;
	}
	close(lfd);
	n = close_async(socks, FAIR_N, KWISH_CLOSE_ASYNC_WAITFD, &wfd);
	if (n != FAIR_N)
		return 13;
	if (write(ready, &c, 1) != 1)
		return 14;
	if (read(go, &c, 1) < 0)
		return 15;
	for (i = 0; i < FAIR_N; i++)
		close(peers[i]);
	/* 16 at a time, each over at once now: bounded */
	if (wait_readable(wfd, 60) != 1)
		return 16;
	if (read_result(wfd, &res) < 0 || res.nr_files != FAIR_N)
		return 17;
	return 0;
}

/*
 * Finding 4 of issue 14: one user whose releases block for long holds up
 * no other user's.  The unprivileged user has more lingering sockets in
 * flight than the workqueue runs at once; root's close of a plain file
 * with a POSIX lock still completes at once.
 */
static int test_fair_between_users(void)
{
	char path[] = "/tmp/kw_cla_fairXXXXXX";
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct kwish_close_async_result res;
	int ready[2], go[2], fd, fd2, wfd, st, done, locked;
	struct rlimit rl = { 4096, 4096 };
	double t0, t;
	char c;
	pid_t pid;

	if (!kw_is_root())
		return kw_skip("two users need root to set up");
	KW_TRY(setup());
	KW_CHECK_OK(pipe2(ready, O_CLOEXEC));
	KW_CHECK_OK(pipe2(go, O_CLOEXEC));
	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || kw_become_user() < 0)
			_exit(9);
		_exit(fair_blocker(ready[1], go[0]));
	}
	close(ready[1]);
	close(go[0]);
	t0 = kw_now();
	if (wait_readable(ready[0], 100) != 1 || read(ready[0], &c, 1) != 1) {
		st = kw_wait(pid);
		return kw_fail("the blocking user did not get ready (%d)", st);
	}
	kw_diag("uid %d has %d lingering releases in flight after %.1f s",
		KW_USER_UID, FAIR_N, kw_now() - t0);

	fd = mkstemp(path);
	fd2 = fd < 0 ? -1 : open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	if (fd < 0 || fd2 < 0 || fcntl(fd, F_SETLK, &fl) < 0) {
		close(go[1]);
		kw_wait(pid);
		return kw_fail("lock file: %s", kw_errname(errno));
	}
	t0 = kw_now();
	done = close_async(&fd, 1, KWISH_CLOSE_ASYNC_WAITFD, &wfd) == 1 &&
	       wait_readable(wfd, FAIR_WAIT) == 1;
	t = kw_now() - t0;
	locked = fork();
	if (locked == 0)
		_exit(fcntl(fd2, F_SETLK, &fl) == 0 ? 0 : 1);
	locked = locked < 0 ? -1 : kw_wait(locked);
	/* let the blocking user's releases end either way */
	close(go[1]);
	st = kw_wait(pid);
	close(fd2);
	KW_CHECK(locked == 0, "root's POSIX lock survived the call");
	KW_CHECK(done, "root's release waited for uid %d's: not done after %.1f s",
		 KW_USER_UID, t);
	KW_CHECK(read_result(wfd, &res) == 0 && res.nr_files == 1 &&
		 res.error == 0, "result {%u, %d}", res.nr_files, res.error);
	KW_CHECK(st == 0, "the blocking user failed (%d)", st);
	kw_diag("root's release took %.3f s next to %d blocked ones", t,
		FAIR_N);
	close(wfd);
	close(ready[0]);
	return KW_PASS;
}

/* ------------------------------------------------------------ rmmod */

static int module_refcnt(void)
{
	char buf[32];

	if (kw_read_file("/sys/module/kwish_fs/refcnt", buf, sizeof(buf)) <= 0)
		return -1;
	return atoi(buf);
}

/*
 * The module's reference count once every release still in flight from
 * an earlier test has ended: each one holds a reference until its work
 * item returns (kw_cla_work()).  Waits up to 10 s for it to reach 0; a
 * count that stays above 0 is someone else's use.
 */
static int module_refcnt_settled(void)
{
	int i, n = module_refcnt();

	for (i = 0; i < 1000 && n > 0; i++) {
		usleep(10000);
		n = module_refcnt();
	}
	return n;
}

/*
 * rmmod while a release is in flight is refused (the module is in use),
 * after it the references are back and rmmod and a reload are clean.
 */
static int test_rmmod_in_flight(void)
{
	int peer, fd, wfd, before, during, after, ret, err, i;

	if (!kw_is_root())
		return kw_skip("rmmod needs root");
	KW_TRY(setup());
	before = module_refcnt_settled();
	KW_CHECK(before >= 0, "no /sys/module/kwish_fs/refcnt");
	fd = slow_socket(LINGER, &peer);
	KW_CHECK(fd >= 0, "slow socket: %s", kw_errname(errno));
	KW_CHECK(close_async(&fd, 1, KWISH_CLOSE_ASYNC_WAITFD, &wfd) == 1,
		 "close_async: %s", kw_errname(errno));
	during = module_refcnt();
	ret = syscall(SYS_delete_module, "kwish_fs", O_NONBLOCK);
	err = errno;
	if (ret == 0)
		kw_module_insert("kwish_fs");
	KW_CHECK(ret == -1 && (err == EWOULDBLOCK || err == EBUSY),
		 "rmmod during the release: %s",
		 ret ? kw_errname(err) : "succeeded");
	KW_CHECK(during == before + 2, "refcnt %d during, %d before", during,
		 before);
	KW_CHECK(wait_readable(wfd, 10) == 1, "no completion");
	close(wfd);
	close(peer);
	/* the work item drops its reference just after it signals wfd */
	after = module_refcnt();
	for (i = 0; i < 1000 && after != before; i++) {
		usleep(10000);
		after = module_refcnt();
	}
	KW_CHECK(after == before, "refcnt %d after, %d before", after,
		 before);
	if (before > 0)
		return KW_PASS;	/* someone else uses it: do not unload */
	close(kfd);
	kfd = -1;
	ret = syscall(SYS_delete_module, "kwish_fs", O_NONBLOCK);
	err = errno;
	KW_CHECK(ret == 0, "rmmod after the release: %s", kw_errname(err));
	KW_CHECK(kw_module_insert("kwish_fs") == 0, "reload: %s",
		 kw_errname(errno));
	KW_TRY(setup());
	fd = open("/dev/null", O_RDONLY);
	KW_CHECK(close_async(&fd, 1, 0, NULL) == 1, "after reload: %s",
		 kw_errname(errno));
	return KW_PASS;
}

/* ------------------------------------------------------------ kwishctl */

static char kwishctl_path[PATH_MAX];

static int run(char *const args[])
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(args[0], args);
		_exit(127);
	}
	return kw_wait(pid);
}

static int test_kwishctl(void)
{
	char *ok[] = { kwishctl_path, "close-async", "--wait", "7", "--",
		       "/bin/sh", "-c", "test ! -e /proc/self/fd/7 && exit 5",
		       NULL };
	char *badfd[] = { kwishctl_path, "close-async", "99", NULL };
	char *usage[] = { kwishctl_path, "close-async", "x", NULL };
	int fd, rc;

	KW_TRY(setup());
	if (!kw_find_kwishctl(kwishctl_path, sizeof(kwishctl_path)))
		return kw_skip("kwishctl not found");
	fd = open("/dev/null", O_RDONLY);
	KW_CHECK_OK(dup2(fd, 7));
	rc = run(ok);
	KW_CHECK(rc == 5, "close-async 7 -- sh: exit %d, want 5", rc);
	rc = run(badfd);
	KW_CHECK(rc == 1, "close-async 99: exit %d, want 1", rc);
	rc = run(usage);
	KW_CHECK(rc == 2, "close-async x: exit %d, want 2", rc);
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_plain_file),
	KW_TEST(test_sync_close_blocks),
	KW_TEST(test_slow_release_async),
	KW_TEST(test_slow_release_as_user),
	KW_TEST(test_slow_release_in_userns),
	KW_TEST(test_scm_rights_batch),
	KW_TEST(test_posix_locks_dropped),
	KW_TEST(test_flush_then_unlock),
	KW_TEST(test_dnotify_dropped),
	KW_TEST(test_waitfd_cloexec),
	KW_TEST(test_special_fds),
	KW_TEST(test_errno_contract),
	KW_TEST(test_emfile),
	KW_TEST(test_limit_eagain),
	KW_TEST(test_fair_between_users),
	KW_TEST(test_rmmod_in_flight),
	KW_TEST(test_kwishctl),
};

int main(void)
{
	return KW_RUN(tests);
}
