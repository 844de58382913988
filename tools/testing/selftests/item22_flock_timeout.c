// SPDX-License-Identifier: GPL-2.0
/*
 * item22_flock_timeout: KWISH_FLOCK_TIMEOUT (wish-list item 22, flock()
 * with a timeout).
 *
 * It must behave exactly like flock(2) for the same caller -- the same
 * lock, shared/exclusive, conversion, EBADF for O_PATH fds -- except that
 * it gives up after the timeout with ETIMEDOUT, leaving no lock and no
 * queued request behind.  Waiters are woken by the release itself (a
 * 30 s timeout must end in well under 10 s when the holder lets go after
 * 100 ms), kwish and flock() waiters both get the lock, and a signal
 * handler ends the wait with EINTR.  Timing bounds are generous: the
 * guest runs under TCG.
 */
#include <limits.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "kwtap.h"

#define MS		1000000ULL		/* ns */
#define SEC		1000000000ULL		/* ns */
/* A wait that must end because of a release, not because of the timeout */
#define LONG_TIMEOUT	(30 * SEC)
#define WAKE_BOUND	10.0			/* s */

static char dir[] = "/tmp/kw22.XXXXXX";
static char lock_path[PATH_MAX];
static int kfd = -1, kfd_errno;

static long flt_arg(struct kwish_flock_timeout *arg)
{
	if (kfd < 0) {
		kw_diag("open %s: %s", KWISH_DEV_PATH, kw_errname(kfd_errno));
		errno = kfd_errno;
		return -1;
	}
	return ioctl(kfd, KWISH_FLOCK_TIMEOUT, arg);
}

static long flt(int fd, unsigned int op, unsigned long long timeout_ns)
{
	struct kwish_flock_timeout arg = {
		.size = sizeof(arg),
		.fd = fd,
		.operation = op,
		.timeout_ns = timeout_ns,
	};

	return flt_arg(&arg);
}

/*
 * A new open file description of the lock file: read-only, which is
 * enough for flock() and what the unprivileged user may do on root's file.
 */
static int open_lock(void)
{
	return open(lock_path, O_RDONLY | O_CLOEXEC);
}

/* Can another open file description take @op right now? */
static bool can_lock(int op)
{
	int fd = open_lock();
	bool ok;

	if (fd < 0)
		return false;
	ok = flock(fd, op | LOCK_NB) == 0;
	close(fd);
	return ok;
}

/* How a holder lets go of its lock. */
enum release { HOLD, UNLOCK, CLOSE, EXIT };

/*
 * Fork a process that takes @op on its own open file description of the
 * lock file with plain flock(), reports through a pipe, and after
 * @after_ms releases it the way @how says (HOLD: never, until killed).
 * Returns its pid once it holds the lock, or -1.
 */
static pid_t holder(int op, enum release how, int after_ms)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open_lock();

		if (fd < 0 || flock(fd, op) < 0)
			_exit(1);
		if (write(p[1], "1", 1) != 1)
			_exit(1);
		if (how == HOLD)
			for (;;)
				pause();
		usleep(after_ms * 1000);
		if (how == UNLOCK) {
			flock(fd, LOCK_UN);
			pause();
		} else if (how == CLOSE) {
			close(fd);
			pause();
		}
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		close(p[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(p[0]);
	return pid;
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* Lines of /proc/locks for the lock file that are blocked requests. */
static int blocked_requests(void)
{
	char line[256], want[64];
	struct stat st;
	int n = 0;
	FILE *f;

	if (stat(lock_path, &st) < 0)
		return -1;
	snprintf(want, sizeof(want), ":%lu ", (unsigned long)st.st_ino);
	f = fopen("/proc/locks", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "->") && strstr(line, want))
			n++;
	fclose(f);
	return n;
}

/* ---- behaviour ---- */

static int test_free_lock_is_taken(void)
{
	int fd = open_lock();

	KW_CHECK_OK(fd);
	KW_CHECK_OK(flt(fd, LOCK_EX, SEC));
	KW_CHECK(!can_lock(LOCK_SH), "LOCK_EX taken, yet another fd gets LOCK_SH");
	/* An ordinary flock() lock: flock(LOCK_UN) releases it. */
	KW_CHECK_OK(flock(fd, LOCK_UN));
	KW_CHECK(can_lock(LOCK_EX), "LOCK_EX still held after flock(LOCK_UN)");
	/* The same with a single try. */
	KW_CHECK_OK(flt(fd, LOCK_SH, 0));
	KW_CHECK(can_lock(LOCK_SH), "LOCK_SH does not let another LOCK_SH in");
	KW_CHECK(!can_lock(LOCK_EX), "LOCK_SH held, yet another fd gets LOCK_EX");
	close(fd);
	KW_CHECK(can_lock(LOCK_EX), "lock still held after close()");
	return KW_PASS;
}

static int test_try_once_ewouldblock(void)
{
	pid_t h = holder(LOCK_EX, HOLD, 0);
	int fd = open_lock();
	double t0;

	KW_CHECK(h > 0, "holder did not start");
	KW_CHECK_OK(fd);
	t0 = kw_now();
	KW_CHECK_ERRNO(flt(fd, LOCK_EX, 0), EWOULDBLOCK);
	KW_CHECK_ERRNO(flt(fd, LOCK_SH, 0), EWOULDBLOCK);
	KW_CHECK(kw_now() - t0 < WAKE_BOUND, "a single try took %.3f s",
		 kw_now() - t0);
	KW_CHECK(blocked_requests() == 0, "%d blocked requests left queued",
		 blocked_requests());
	stop(h);
	KW_CHECK(can_lock(LOCK_EX), "lock held after the holder died");
	close(fd);
	return KW_PASS;
}

static int test_timeout_leaves_no_lock(void)
{
	pid_t h = holder(LOCK_EX, HOLD, 0);
	int fd = open_lock();
	double t0, dt;

	KW_CHECK(h > 0, "holder did not start");
	KW_CHECK_OK(fd);
	t0 = kw_now();
	KW_CHECK_ERRNO(flt(fd, LOCK_EX, 300 * MS), ETIMEDOUT);
	dt = kw_now() - t0;
	/* a timer never fires early; no upper bound but the generous one */
	KW_CHECK(dt >= 0.29, "timed out after %.3f s, before 0.3 s", dt);
	KW_CHECK(dt < WAKE_BOUND, "a 0.3 s timeout took %.3f s", dt);
	KW_CHECK(blocked_requests() == 0,
		 "%d blocked requests left queued after the timeout",
		 blocked_requests());
	/* The holder still holds it, undisturbed ... */
	KW_CHECK(!can_lock(LOCK_SH), "the holder's lock is gone");
	KW_CHECK_ERRNO(flt(fd, LOCK_SH, 100 * MS), ETIMEDOUT);
	stop(h);
	/* ... and after its release nobody does: not our fd either. */
	KW_CHECK(can_lock(LOCK_EX), "a lock is held after the timeout");
	/* Our fd is still usable. */
	KW_CHECK_OK(flt(fd, LOCK_EX, SEC));
	KW_CHECK(!can_lock(LOCK_SH), "LOCK_EX after the timeout not held");
	close(fd);

	/* A timed-out waiter does not disturb the holder's own unlock. */
	h = holder(LOCK_SH, UNLOCK, 500);
	KW_CHECK(h > 0, "holder did not start");
	fd = open_lock();
	KW_CHECK_ERRNO(flt(fd, LOCK_EX, 100 * MS), ETIMEDOUT);
	t0 = kw_now();
	while (!can_lock(LOCK_EX) && kw_now() - t0 < WAKE_BOUND)
		usleep(10000);
	KW_CHECK(can_lock(LOCK_EX), "the holder's flock(LOCK_UN) did not free it");
	close(fd);
	stop(h);
	return KW_PASS;
}

/* The lock is released after 100 ms: the waiter must get it at once. */
static int wake_test(enum release how, unsigned long long timeout, int op)
{
	pid_t h = holder(LOCK_EX, how, 100);
	int fd = open_lock();
	double t0, dt;

	KW_CHECK(h > 0, "holder did not start");
	KW_CHECK_OK(fd);
	t0 = kw_now();
	KW_CHECK_OK(flt(fd, op, timeout));
	dt = kw_now() - t0;
	KW_CHECK(dt < WAKE_BOUND,
		 "woken %.3f s after the wait began, release was at 0.1 s", dt);
	kw_diag("got the lock %.3f s after the wait began (released at 0.1 s)",
		dt);
	KW_CHECK(!can_lock(LOCK_EX), "the lock is not held after success");
	KW_CHECK(op == LOCK_SH || !can_lock(LOCK_SH),
		 "LOCK_EX is not exclusive after success");
	KW_CHECK(blocked_requests() == 0, "%d blocked requests left",
		 blocked_requests());
	stop(h);
	close(fd);
	return KW_PASS;
}

static int test_woken_by_unlock(void)
{
	return wake_test(UNLOCK, LONG_TIMEOUT, LOCK_EX);
}

static int test_woken_by_close(void)
{
	return wake_test(CLOSE, LONG_TIMEOUT, LOCK_SH);
}

static int test_woken_by_exit(void)
{
	return wake_test(EXIT, LONG_TIMEOUT, LOCK_EX);
}

/* UINT64_MAX: no limit, as flock() without LOCK_NB. */
static int test_unlimited_timeout(void)
{
	return wake_test(UNLOCK, UINT64_MAX, LOCK_EX);
}

static void on_alarm(int sig)
{
}

static int eintr_test(int sa_flags)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = sa_flags };
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	pid_t h = holder(LOCK_EX, HOLD, 0);
	int fd = open_lock();
	double t0, dt;

	KW_CHECK(h > 0, "holder did not start");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	KW_CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
	t0 = kw_now();
	KW_CHECK_ERRNO(flt(fd, LOCK_EX, LONG_TIMEOUT), EINTR);
	dt = kw_now() - t0;
	KW_CHECK(dt < WAKE_BOUND, "EINTR after %.3f s (signal at 0.2 s)", dt);
	KW_CHECK(blocked_requests() == 0, "%d blocked requests left",
		 blocked_requests());
	stop(h);
	KW_CHECK(can_lock(LOCK_EX), "a lock is held after EINTR");
	close(fd);
	return KW_PASS;
}

static int test_signal_eintr(void)
{
	return eintr_test(0);
}

/* Not restarted under SA_RESTART: the relative timeout would restart. */
static int test_signal_eintr_sa_restart(void)
{
	return eintr_test(SA_RESTART);
}

/* SIGSTOP/SIGCONT has no handler: the call goes on and gets the lock. */
static int test_stop_cont_restarts(void)
{
	pid_t h = holder(LOCK_EX, UNLOCK, 1500);
	int p[2], st;
	pid_t w;
	char c;

	KW_CHECK(h > 0, "holder did not start");
	KW_CHECK_OK(pipe2(p, O_CLOEXEC));
	w = fork();
	KW_CHECK_OK(w);
	if (w == 0) {
		int fd = open_lock();

		if (write(p[1], "1", 1) != 1)
			_exit(1);
		_exit(flt(fd, LOCK_EX, LONG_TIMEOUT) ? 10 + errno : 0);
	}
	close(p[1]);
	KW_CHECK(read(p[0], &c, 1) == 1, "waiter did not start");
	usleep(300000);
	KW_CHECK_OK(kill(w, SIGSTOP));
	usleep(200000);
	KW_CHECK_OK(kill(w, SIGCONT));
	KW_CHECK(kw__wait_timeout(w, WAKE_BOUND, &st), "waiter hangs");
	KW_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		 "waiter after SIGSTOP/SIGCONT: status %#x (10 + errno %d)",
		 st, WIFEXITED(st) ? WEXITSTATUS(st) - 10 : -1);
	stop(h);
	return KW_PASS;
}

static int test_shared_with_shared(void)
{
	pid_t h = holder(LOCK_SH, HOLD, 0);
	int fd = open_lock(), fd2 = open_lock();

	KW_CHECK(h > 0, "holder did not start");
	KW_CHECK_OK(fd);
	KW_CHECK_OK(flt(fd, LOCK_SH, LONG_TIMEOUT));
	KW_CHECK_OK(flt(fd2, LOCK_SH, 0));
	KW_CHECK(!can_lock(LOCK_EX), "LOCK_EX granted beside LOCK_SH");
	KW_CHECK_OK(flock(fd2, LOCK_UN));
	KW_CHECK_ERRNO(flt(fd2, LOCK_EX, 100 * MS), ETIMEDOUT);
	stop(h);
	close(fd);
	close(fd2);
	return KW_PASS;
}

static int test_conversion(void)
{
	int fd = open_lock(), fd2 = open_lock();

	KW_CHECK_OK(fd);
	/* SH -> EX -> SH through the same open file description */
	KW_CHECK_OK(flt(fd, LOCK_SH, SEC));
	KW_CHECK(can_lock(LOCK_SH), "LOCK_SH is not shared");
	KW_CHECK_OK(flt(fd, LOCK_EX, SEC));
	KW_CHECK(!can_lock(LOCK_SH), "SH -> EX did not convert");
	KW_CHECK_OK(flt(fd, LOCK_SH, 0));
	KW_CHECK(can_lock(LOCK_SH) && !can_lock(LOCK_EX),
		 "EX -> SH did not convert");
	/* The same mode again: nothing changes. */
	KW_CHECK_OK(flt(fd, LOCK_SH, 0));
	KW_CHECK(!can_lock(LOCK_EX), "LOCK_SH lost by asking for it again");

	/*
	 * A conversion that times out leaves no lock, as flock(2) documents
	 * for a failed LOCK_NB conversion: the old lock goes first.
	 */
	KW_CHECK_OK(flock(fd2, LOCK_SH));
	KW_CHECK_ERRNO(flt(fd, LOCK_EX, 200 * MS), ETIMEDOUT);
	KW_CHECK_OK(flock(fd2, LOCK_UN));
	KW_CHECK(can_lock(LOCK_EX), "our LOCK_SH survived the failed conversion");
	KW_CHECK(blocked_requests() == 0, "%d blocked requests left",
		 blocked_requests());
	close(fd);
	close(fd2);
	return KW_PASS;
}

/* A waiting conversion is woken like any waiter. */
static int test_conversion_woken(void)
{
	pid_t h = holder(LOCK_SH, UNLOCK, 100);
	int fd = open_lock();
	double t0;

	KW_CHECK(h > 0, "holder did not start");
	KW_CHECK_OK(flt(fd, LOCK_SH, 0));
	t0 = kw_now();
	KW_CHECK_OK(flt(fd, LOCK_EX, LONG_TIMEOUT));
	KW_CHECK(kw_now() - t0 < WAKE_BOUND, "conversion took %.3f s",
		 kw_now() - t0);
	KW_CHECK(!can_lock(LOCK_SH), "conversion to LOCK_EX not held");
	stop(h);
	close(fd);
	return KW_PASS;
}

/*
 * A plain flock() waiter and a kwish waiter queue behind a holder; each
 * takes the lock in turn, holds it 100 ms and lets go: both must get it.
 */
static int waiter(bool kwish, int *pipefd)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid != 0)
		return pid;
	{
		int fd = open_lock();
		char c = kwish ? 'k' : 'f';
		int ret;

		if (fd < 0)
			_exit(2);
		ret = kwish ? flt(fd, LOCK_EX, LONG_TIMEOUT) :
			      flock(fd, LOCK_EX);
		if (ret)
			_exit(3);
		if (write(pipefd[1], &c, 1) != 1)
			_exit(4);
		usleep(100000);
		flock(fd, LOCK_UN);
		_exit(0);
	}
}

static int test_fair_with_flock_waiters(void)
{
	int p[2], st, round;
	pid_t h, w1, w2;
	char got[2];
	double t0;

	KW_CHECK_OK(pipe2(p, O_CLOEXEC));
	for (round = 0; round < 3; round++) {
		h = holder(LOCK_EX, UNLOCK, 300);
		KW_CHECK(h > 0, "holder did not start");
		/* alternate who queues first */
		w1 = waiter(round & 1, p);
		usleep(50000);
		w2 = waiter(!(round & 1), p);
		KW_CHECK(w1 > 0 && w2 > 0, "fork: %s", kw_errname(errno));
		t0 = kw_now();
		KW_CHECK(read(p[0], &got[0], 1) == 1 &&
			 read(p[0], &got[1], 1) == 1, "read: %s",
			 kw_errname(errno));
		KW_CHECK(got[0] != got[1],
			 "round %d: '%c' twice: a waiter starved", round,
			 got[0]);
		KW_CHECK(kw_now() - t0 < 2 * WAKE_BOUND,
			 "round %d: both waiters took %.3f s", round,
			 kw_now() - t0);
		KW_CHECK(kw__wait_timeout(w1, WAKE_BOUND, &st) &&
			 WIFEXITED(st) && !WEXITSTATUS(st),
			 "waiter 1 failed (%#x)", st);
		KW_CHECK(kw__wait_timeout(w2, WAKE_BOUND, &st) &&
			 WIFEXITED(st) && !WEXITSTATUS(st),
			 "waiter 2 failed (%#x)", st);
		stop(h);
		kw_diag("round %d: order %c%c", round, got[0], got[1]);
	}
	return KW_PASS;
}

/* ---- errno contract ---- */

static int test_ebadf(void)
{
	int fd, opath;

	KW_CHECK_ERRNO(flt(-1, LOCK_EX, 0), EBADF);
	KW_CHECK_ERRNO(flt(INT_MAX, LOCK_EX, SEC), EBADF);
	fd = open_lock();
	KW_CHECK_OK(fd);
	close(fd);
	KW_CHECK_ERRNO(flt(fd, LOCK_EX, SEC), EBADF);

	/* O_PATH: flock(2) refuses it with EBADF, so does kwish */
	opath = open(lock_path, O_PATH | O_CLOEXEC);
	KW_CHECK_OK(opath);
	KW_CHECK_ERRNO(flock(opath, LOCK_EX | LOCK_NB), EBADF);
	KW_CHECK_ERRNO(flt(opath, LOCK_EX, SEC), EBADF);
	KW_CHECK_ERRNO(flt(opath, LOCK_SH, 0), EBADF);
	close(opath);

	/* open mode 3: neither readable nor writable (flock(2): EBADF) */
	fd = open(lock_path, O_ACCMODE | O_CLOEXEC);
	if (fd >= 0) {
		KW_CHECK_ERRNO(flock(fd, LOCK_EX | LOCK_NB), EBADF);
		KW_CHECK_ERRNO(flt(fd, LOCK_EX, SEC), EBADF);
		close(fd);
	} else {
		kw_diag("open(O_ACCMODE): %s, case not run", kw_errname(errno));
	}
	/* A read-only fd is enough, as for flock(2). */
	fd = open(lock_path, O_RDONLY | O_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(flt(fd, LOCK_EX, SEC));
	close(fd);
	return KW_PASS;
}

static int test_einval_operation(void)
{
	static const unsigned int bad[] = {
		0, LOCK_UN, LOCK_NB, LOCK_EX | LOCK_NB, LOCK_SH | LOCK_NB,
		LOCK_SH | LOCK_EX, LOCK_EX | LOCK_UN, 32 /* LOCK_MAND */,
		32 | 64, 16, 0x80000000u,
	};
	int fd = open_lock();
	unsigned int i;

	KW_CHECK_OK(fd);
	for (i = 0; i < KW_ARRAY_SIZE(bad); i++) {
		errno = 0;
		KW_CHECK(flt(fd, bad[i], SEC) == -1 && errno == EINVAL,
			 "operation %#x: %s, want EINVAL", bad[i],
			 errno ? kw_errname(errno) : "success");
	}
	/* EINVAL comes before EBADF, as flock(2)'s operation check */
	KW_CHECK_ERRNO(flt(-1, LOCK_UN, SEC), EINVAL);
	KW_CHECK(can_lock(LOCK_EX), "a refused request left a lock");
	close(fd);
	return KW_PASS;
}

static int test_einval_reserved_flags(void)
{
	struct kwish_flock_timeout arg = {
		.size = sizeof(arg), .operation = LOCK_EX, .timeout_ns = SEC,
	};
	int fd = open_lock();

	KW_CHECK_OK(fd);
	arg.fd = fd;
	arg.__reserved = 1;
	KW_CHECK_ERRNO(flt_arg(&arg), EINVAL);
	arg.__reserved = 1ULL << 63;
	KW_CHECK_ERRNO(flt_arg(&arg), EINVAL);
	arg.__reserved = 0;
	arg.flags = 1;
	KW_CHECK_ERRNO(flt_arg(&arg), EINVAL);
	arg.flags = 0x80000000u;
	KW_CHECK_ERRNO(flt_arg(&arg), EINVAL);
	arg.flags = 0;
	KW_CHECK_OK(flt_arg(&arg));
	KW_CHECK(!can_lock(LOCK_SH), "the valid request did not lock");
	close(fd);
	return KW_PASS;
}

static int test_size_rules(void)
{
	struct {
		struct kwish_flock_timeout arg;
		__u64 tail[2];
	} big = { .arg = { .operation = LOCK_EX, .timeout_ns = SEC } };
	static char page[8192] __attribute__((aligned(8)));
	struct kwish_flock_timeout *pg = (void *)page;
	int fd = open_lock();

	KW_CHECK_OK(fd);
	_Static_assert(sizeof(struct kwish_flock_timeout) ==
		       KWISH_FLOCK_TIMEOUT_SIZE_VER0, "VER0 is the struct");
	big.arg.fd = fd;
	big.arg.size = 0;
	KW_CHECK_ERRNO(flt_arg(&big.arg), EINVAL);
	big.arg.size = KWISH_FLOCK_TIMEOUT_SIZE_VER0 - 1;
	KW_CHECK_ERRNO(flt_arg(&big.arg), EINVAL);
	big.arg.size = 8;
	KW_CHECK_ERRNO(flt_arg(&big.arg), EINVAL);
	/* larger, zero tail: accepted (a newer header) */
	big.arg.size = sizeof(big);
	KW_CHECK_OK(flt_arg(&big.arg));
	/* larger, non-zero tail: E2BIG */
	big.tail[1] = 1;
	KW_CHECK_ERRNO(flt_arg(&big.arg), E2BIG);
	/* more than a page: E2BIG */
	memset(page, 0, sizeof(page));
	pg->size = 4097;
	pg->fd = fd;
	pg->operation = LOCK_EX;
	KW_CHECK_ERRNO(flt_arg(pg), E2BIG);
	/* unreadable argument */
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_FLOCK_TIMEOUT, kw_bad_ptr()), EFAULT);
	close(fd);
	return KW_PASS;
}

/* ---- permissions ---- */

static int as_user(void)
{
	int fd = open(lock_path, O_RDONLY | O_CLOEXEC);
	pid_t h;

	KW_CHECK_OK(fd);
	KW_CHECK_OK(flt(fd, LOCK_EX, SEC));
	KW_CHECK_OK(flock(fd, LOCK_UN));
	h = holder(LOCK_SH, HOLD, 0);
	KW_CHECK(h > 0, "holder did not start");
	KW_CHECK_ERRNO(flt(fd, LOCK_EX, 100 * MS), ETIMEDOUT);
	KW_CHECK_ERRNO(flt(fd, LOCK_EX, 0), EWOULDBLOCK);
	KW_CHECK_OK(flt(fd, LOCK_SH, 100 * MS));
	stop(h);
	close(fd);
	return KW_PASS;
}

/* The unprivileged user locks a file it can open (read-only). */
static int test_unprivileged_user(void)
{
	return kw_run_as_user(as_user);
}

static int test_user_namespace(void)
{
	int fd = open(lock_path, O_RDONLY | O_CLOEXEC), ret;
	pid_t h;

	KW_CHECK_OK(fd);
	ret = kw_enter_userns(0);
	if (ret == -EPERM || ret == -EINVAL || ret == -ENOSPC)
		return kw_skip("unshare(CLONE_NEWUSER): %s", kw_errname(-ret));
	KW_CHECK(ret == 0, "entering a user namespace: %s", kw_errname(-ret));
	KW_CHECK_OK(flt(fd, LOCK_EX, SEC));
	KW_CHECK_OK(flock(fd, LOCK_UN));
	h = holder(LOCK_EX, UNLOCK, 100);
	KW_CHECK(h > 0, "holder did not start");
	KW_CHECK_OK(flt(fd, LOCK_SH, LONG_TIMEOUT));
	KW_CHECK_OK(flock(fd, LOCK_UN));
	stop(h);
	h = holder(LOCK_EX, HOLD, 0);
	KW_CHECK(h > 0, "holder did not start");
	KW_CHECK_ERRNO(flt(fd, LOCK_SH, 100 * MS), ETIMEDOUT);
	stop(h);
	close(fd);
	return KW_PASS;
}

/* ---- libkwish and kwishctl (the use case) ---- */

static int test_libkwish(void)
{
	pid_t h = holder(LOCK_EX, HOLD, 0);
	int fd = open_lock();

	KW_CHECK(h > 0, "holder did not start");
	KW_CHECK_ERRNO(kwish_flock_timeout(fd, LOCK_EX, 0), EWOULDBLOCK);
	KW_CHECK(kwish_last_iface() == KWISH_IFACE_NATIVE,
		 "timeout 0 did not use flock(2)");
	KW_CHECK_ERRNO(kwish_flock_timeout(fd, LOCK_EX, 100 * MS), ETIMEDOUT);
	KW_CHECK(kwish_last_iface() == KWISH_IFACE_DEV,
		 "a timeout did not use /dev/kwish");
	KW_CHECK_ERRNO(kwish_flock_timeout(fd, LOCK_UN, SEC), EINVAL);
	stop(h);
	KW_CHECK_OK(kwish_flock_timeout(fd, LOCK_EX, SEC));
	close(fd);
	return KW_PASS;
}

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

static int test_kwishctl_flock(void)
{
	char *ok[] = { kwishctl_path, "flock", "-w", "5", lock_path, "--",
		       "/bin/sh", "-c", "exit 7", NULL };
	char *busy[] = { kwishctl_path, "flock", "--timeout", "200ms",
			 lock_path, "true", NULL };
	char *busy_e[] = { kwishctl_path, "flock", "-n", "-E", "42",
			   lock_path, "-c", "true", NULL };
	char *shared[] = { kwishctl_path, "flock", "--shared", "-w", "0.2",
			   lock_path, "true", NULL };
	char *shared_c[] = { kwishctl_path, "flock", "-s", "-w", "1s",
			     lock_path, "-c", "exit 5", NULL };
	char *bad[] = { kwishctl_path, "flock", "-w", "soon", lock_path,
			"true", NULL };
	pid_t h;
	int rc;

	if (!kw_find_kwishctl(kwishctl_path, sizeof(kwishctl_path)))
		return kw_skip("kwishctl not found");
	rc = run(ok);
	KW_CHECK(rc == 7, "free lock: exit %d, want the command's 7", rc);
	h = holder(LOCK_SH, HOLD, 0);
	KW_CHECK(h > 0, "holder did not start");
	rc = run(busy);
	KW_CHECK(rc == 6, "busy lock with --timeout: exit %d, want 6", rc);
	rc = run(busy_e);
	KW_CHECK(rc == 42, "busy lock with -n -E 42: exit %d, want 42", rc);
	rc = run(shared);
	KW_CHECK(rc == 0, "--shared beside LOCK_SH: exit %d, want 0", rc);
	rc = run(shared_c);
	KW_CHECK(rc == 5, "-s PATH -c 'exit 5': exit %d, want 5", rc);
	rc = run(bad);
	KW_CHECK(rc == 2, "bad duration: exit %d, want 2", rc);
	stop(h);
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_free_lock_is_taken),
	KW_TEST(test_try_once_ewouldblock),
	KW_TEST(test_timeout_leaves_no_lock),
	KW_TEST(test_woken_by_unlock),
	KW_TEST(test_woken_by_close),
	KW_TEST(test_woken_by_exit),
	KW_TEST(test_unlimited_timeout),
	KW_TEST(test_signal_eintr),
	KW_TEST(test_signal_eintr_sa_restart),
	KW_TEST(test_stop_cont_restarts),
	KW_TEST(test_shared_with_shared),
	KW_TEST(test_conversion),
	KW_TEST(test_conversion_woken),
	KW_TEST_T(test_fair_with_flock_waiters, 30),
	KW_TEST(test_ebadf),
	KW_TEST(test_einval_operation),
	KW_TEST(test_einval_reserved_flags),
	KW_TEST(test_size_rules),
	KW_TEST(test_unprivileged_user),
	KW_TEST(test_user_namespace),
	KW_TEST(test_libkwish),
	KW_TEST(test_kwishctl_flock),
};

int main(void)
{
	int fd, ret;

	kfd = open(KWISH_DEV_PATH, O_RDWR | O_CLOEXEC);
	kfd_errno = errno;
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0) {
		printf("TAP version 13\n1..0\nBail out! setup in %s: %s\n",
		       dir, strerror(errno));
		return 1;
	}
	snprintf(lock_path, sizeof(lock_path), "%s/lock", dir);
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		printf("TAP version 13\n1..0\nBail out! create %s: %s\n",
		       lock_path, strerror(errno));
		kw_rm_rf(dir);
		return 1;
	}
	close(fd);
	ret = KW_RUN(tests);
	kw_rm_rf(dir);
	return ret;
}
