// SPDX-License-Identifier: GPL-2.0
/*
 * item04_flock_notify: KWISH_FLOCK_WATCH (wish-list item 4, notification
 * when the last BSD lock of an inode is released).
 *
 * The watch must become readable when the last flock() lock goes away --
 * by flock(LOCK_UN), by close(), by process exit, through kwish's own
 * item-22 flock -- and only then: of several LOCK_SH holders only the
 * last release counts, a conversion that keeps a lock fires nothing.  No
 * release may be lost (one followed at once by a new lock is counted) and
 * a watch armed while nothing is locked is readable at once.  Every errno
 * of the contract, the fd flags, the permission rule (the watcher needs an
 * fd it could call flock() on) as uid 1000 and in a user namespace, and
 * the use case: a formatter holding LOCK_EX on a loop device and a udev
 * stand-in that sees the release within a bound.  Timing bounds are
 * generous: the guest runs under TCG.
 */
#include <sys/file.h>
#include <sys/ioctl.h>

#include "kwtap.h"

#define NOTIFY_BOUND_MS	2000	/* a release must be seen within this */
#define QUIET_MS	300	/* and nothing may be seen for this long */

static char dir[] = "/tmp/kw04.XXXXXX";
static char lock_path[PATH_MAX];

static int open_lock(void)
{
	return open(lock_path, O_RDONLY | O_CLOEXEC);
}

static int watch_fd(int fd, unsigned int flags)
{
	return kwish_flock_watch(fd, flags);
}

/* A watch of @path, through a read-only fd that is closed again. */
static int watch_path_of(const char *path, unsigned int flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), wfd, err;

	if (fd < 0)
		return -1;
	wfd = watch_fd(fd, flags);
	err = errno;
	close(fd);
	errno = err;
	return wfd;
}

static int watch_path(unsigned int flags)
{
	return watch_path_of(lock_path, flags);
}

/* Is @wfd readable within @ms? */
static bool readable(int wfd, int ms)
{
	struct pollfd p = { .fd = wfd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Read one event without blocking; -1 with errno if there is none. */
static int read_event(int wfd, struct kwish_flock_event *ev)
{
	int fl = fcntl(wfd, F_GETFL);

	fcntl(wfd, F_SETFL, fl | O_NONBLOCK);
	if (kwish_flock_watch_read(wfd, ev))
		return -1;
	fcntl(wfd, F_SETFL, fl);
	return 0;
}

/* Arm a watch on the (unlocked) lock file and consume the arm record. */
static int armed_watch(int *wfd)
{
	struct kwish_flock_event ev;

	*wfd = watch_path(KWISH_FLOCK_WATCH_NONBLOCK);
	KW_CHECK_OK(*wfd);
	KW_CHECK_OK(read_event(*wfd, &ev));
	KW_CHECK(ev.flags == KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM &&
		 ev.releases == 0, "arm record flags %#x releases %llu",
		 ev.flags, (unsigned long long)ev.releases);
	return KW_PASS;
}

/* How a holder lets go of its lock. */
enum release { UNLOCK, CLOSE, EXIT };

struct holder {
	pid_t pid;
	int ctl;		/* write a byte: release now */
};

/* When a holder released (CLOCK_MONOTONIC, s), shared with the children. */
static volatile double *released_at;

/*
 * Fork a process that takes @op on its own open file description of
 * @path with plain flock() and releases it the way @how says when told
 * to through h->ctl.  Returns 0 once it holds the lock.
 */
static int holder_start(struct holder *h, const char *path, int op,
			enum release how)
{
	int ready[2], ctl[2];
	char c;

	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(ctl, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		close(ctl[1]);
		if (fd < 0 || flock(fd, op) < 0)
			_exit(1);
		if (write(ready[1], "1", 1) != 1)
			_exit(1);
		if (read(ctl[0], &c, 1) != 1)
			_exit(1);
		*released_at = kw_now();
		if (how == EXIT)
			_exit(0);
		if (how == UNLOCK)
			flock(fd, LOCK_UN);
		else
			close(fd);
		for (;;)
			pause();
	}
	close(ready[1]);
	close(ctl[0]);
	h->ctl = ctl[1];
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		close(h->ctl);
		waitpid(h->pid, NULL, 0);
		return -1;
	}
	close(ready[0]);
	return 0;
}

static void holder_release(struct holder *h)
{
	if (write(h->ctl, "r", 1) != 1)
		kw_diag("cannot tell holder %d to release", h->pid);
}

static void holder_stop(struct holder *h)
{
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		close(h->ctl);
		h->pid = 0;
	}
}

/* ------------------------------------------------------------ behaviour */

static int test_arm_unlocked(void)
{
	struct kwish_flock_event ev;
	int wfd;

	wfd = watch_path(KWISH_FLOCK_WATCH_NONBLOCK);
	KW_CHECK_OK(wfd);
	KW_CHECK(readable(wfd, 0), "a watch armed while unlocked is not readable");
	KW_CHECK_OK(read_event(wfd, &ev));
	KW_CHECK(ev.size == sizeof(ev), "record size %u", ev.size);
	KW_CHECK(ev.flags == KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM,
		 "flags %#x", ev.flags);
	KW_CHECK(ev.releases == 0, "releases %llu",
		 (unsigned long long)ev.releases);
	/* consumed: edge-triggered */
	KW_CHECK(!readable(wfd, 0), "still readable after the read");
	KW_CHECK_ERRNO(read(wfd, &ev, sizeof(ev)), EAGAIN);
	close(wfd);
	return KW_PASS;
}

/* A holder takes LOCK_EX, a watch is armed, the holder lets go by @how. */
static int release_by(enum release how)
{
	struct kwish_flock_event ev;
	struct holder h;
	double seen;
	int wfd;

	KW_CHECK_OK(holder_start(&h, lock_path, LOCK_EX, how));
	wfd = watch_path(0);
	KW_CHECK_OK(wfd);
	KW_CHECK(!readable(wfd, QUIET_MS), "readable while LOCK_EX is held");
	holder_release(&h);
	KW_CHECK(readable(wfd, NOTIFY_BOUND_MS),
		 "no event within %d ms of the release", NOTIFY_BOUND_MS);
	seen = kw_now();
	KW_CHECK_OK(kwish_flock_watch_read(wfd, &ev));
	KW_CHECK(ev.releases == 1 && !(ev.flags &
					KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM),
		 "releases %llu flags %#x", (unsigned long long)ev.releases,
		 ev.flags);
	kw_diag("event %.3f ms after the release", (seen - *released_at) * 1e3);
	holder_stop(&h);
	close(wfd);
	return KW_PASS;
}

static int test_release_by_unlock(void)
{
	return release_by(UNLOCK);
}

static int test_release_by_close(void)
{
	return release_by(CLOSE);
}

static int test_release_by_exit(void)
{
	return release_by(EXIT);
}

/* SIGKILL of the holder: exit without any cooperation. */
static int test_release_by_kill(void)
{
	struct kwish_flock_event ev;
	struct holder h;
	int wfd;

	KW_CHECK_OK(holder_start(&h, lock_path, LOCK_SH, UNLOCK));
	wfd = watch_path(0);
	KW_CHECK_OK(wfd);
	KW_CHECK(!readable(wfd, 50), "readable while LOCK_SH is held");
	kill(h.pid, SIGKILL);
	KW_CHECK(readable(wfd, NOTIFY_BOUND_MS), "no event after SIGKILL");
	KW_CHECK_OK(kwish_flock_watch_read(wfd, &ev));
	KW_CHECK(ev.releases == 1, "releases %llu",
		 (unsigned long long)ev.releases);
	holder_stop(&h);
	close(wfd);
	return KW_PASS;
}

/* Of several LOCK_SH holders only the release by the last one fires. */
static int test_shared_last_release(void)
{
	struct kwish_flock_event ev;
	struct holder a, b, c;
	int wfd;

	KW_CHECK_OK(holder_start(&a, lock_path, LOCK_SH, UNLOCK));
	KW_CHECK_OK(holder_start(&b, lock_path, LOCK_SH, CLOSE));
	KW_CHECK_OK(holder_start(&c, lock_path, LOCK_SH, EXIT));
	wfd = watch_path(0);
	KW_CHECK_OK(wfd);
	holder_release(&a);
	KW_CHECK(!readable(wfd, QUIET_MS), "fired with two LOCK_SH left");
	holder_release(&c);
	KW_CHECK(!readable(wfd, QUIET_MS), "fired with one LOCK_SH left");
	holder_release(&b);
	KW_CHECK(readable(wfd, NOTIFY_BOUND_MS), "no event for the last release");
	KW_CHECK_OK(kwish_flock_watch_read(wfd, &ev));
	KW_CHECK(ev.releases == 1, "releases %llu",
		 (unsigned long long)ev.releases);
	holder_stop(&a);
	holder_stop(&b);
	holder_stop(&c);
	close(wfd);
	return KW_PASS;
}

/* A release followed at once by a new lock is not lost, and counted. */
static int test_release_then_relock(void)
{
	struct kwish_flock_event ev;
	int fd1 = open_lock(), fd2 = open_lock(), wfd, i;

	KW_CHECK_OK(fd1);
	KW_CHECK_OK(fd2);
	KW_CHECK_OK(flock(fd1, LOCK_EX));
	wfd = watch_path(0);
	KW_CHECK_OK(wfd);
	KW_CHECK(!readable(wfd, 0), "readable while locked");
	KW_CHECK_OK(flock(fd1, LOCK_UN));
	KW_CHECK_OK(flock(fd2, LOCK_EX));
	KW_CHECK(readable(wfd, 0), "the release before the new lock was lost");
	KW_CHECK_OK(read_event(wfd, &ev));
	KW_CHECK(ev.releases == 1 && ev.flags == KWISH_FLOCK_EVENT_LOCKED,
		 "releases %llu flags %#x", (unsigned long long)ev.releases,
		 ev.flags);
	/* three more cycles before a read: one record, counter 3 */
	for (i = 0; i < 3; i++) {
		KW_CHECK_OK(flock(fd2, LOCK_UN));
		KW_CHECK_OK(flock(fd1, LOCK_SH));
		KW_CHECK_OK(flock(fd1, LOCK_UN));
		KW_CHECK_OK(flock(fd2, LOCK_EX));
	}
	KW_CHECK_OK(flock(fd2, LOCK_UN));
	KW_CHECK_OK(read_event(wfd, &ev));
	KW_CHECK(ev.releases == 7 && ev.flags == 0,
		 "releases %llu flags %#x (want 7, 0)",
		 (unsigned long long)ev.releases, ev.flags);
	KW_CHECK_ERRNO(read_event(wfd, &ev), EAGAIN);
	close(wfd);
	close(fd1);
	close(fd2);
	return KW_PASS;
}

/*
 * Conversions: flock(2) removes the old lock first, but one that keeps a
 * lock fires nothing; one that fails while another holder stays fires
 * nothing either.
 */
static int test_conversion(void)
{
	struct kwish_flock_event ev;
	int fd1 = open_lock(), fd2 = open_lock(), wfd;

	KW_CHECK_OK(fd1);
	KW_CHECK_OK(fd2);
	KW_CHECK_OK(flock(fd1, LOCK_SH));
	wfd = watch_path(KWISH_FLOCK_WATCH_NONBLOCK);
	KW_CHECK_OK(wfd);
	KW_CHECK_OK(flock(fd1, LOCK_EX));
	KW_CHECK_OK(flock(fd1, LOCK_SH));
	KW_CHECK(!readable(wfd, 0), "a conversion fired");
	KW_CHECK_OK(flock(fd2, LOCK_SH));
	/* fails, and drops fd1's LOCK_SH; fd2's stays */
	KW_CHECK_ERRNO(flock(fd1, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	KW_CHECK(!readable(wfd, 0), "fired while fd2 holds LOCK_SH");
	KW_CHECK_OK(close(fd2));
	KW_CHECK(readable(wfd, 0), "no event for the last release");
	KW_CHECK_OK(read_event(wfd, &ev));
	KW_CHECK(ev.releases == 1, "releases %llu",
		 (unsigned long long)ev.releases);
	close(wfd);
	close(fd1);
	return KW_PASS;
}

/* A lock taken through KWISH_FLOCK_TIMEOUT (item 22) counts the same. */
static int test_item22_lock(void)
{
	struct kwish_flock_event ev;
	int fd = open_lock(), wfd;

	KW_CHECK_OK(fd);
	KW_TRY(armed_watch(&wfd));
	if (kwish_flock_timeout(fd, LOCK_EX, 1000000000ULL) < 0) {
		if (errno == EOPNOTSUPP)
			return kw_skip("KWISH_FLOCK_TIMEOUT not available");
		return kw_fail("kwish_flock_timeout: %s", kw_errname(errno));
	}
	KW_CHECK(!readable(wfd, 0), "readable after a lock was taken");
	close(fd);
	KW_CHECK(readable(wfd, 0), "no event for the release of item 22's lock");
	KW_CHECK_OK(read_event(wfd, &ev));
	KW_CHECK(ev.releases == 1 && ev.flags == 0, "releases %llu flags %#x",
		 (unsigned long long)ev.releases, ev.flags);
	close(wfd);
	return KW_PASS;
}

/* Several watches of one inode each see every release; they are independent. */
static int test_two_watches(void)
{
	struct kwish_flock_event ev;
	int fd = open_lock(), w1, w2;

	KW_CHECK_OK(fd);
	KW_TRY(armed_watch(&w1));
	KW_TRY(armed_watch(&w2));
	KW_CHECK_OK(flock(fd, LOCK_EX));
	KW_CHECK_OK(flock(fd, LOCK_UN));
	KW_CHECK(readable(w1, 0) && readable(w2, 0), "not both readable");
	KW_CHECK_OK(read_event(w1, &ev));
	KW_CHECK(!readable(w1, 0) && readable(w2, 0),
		 "reading one watch changed the other");
	close(w1);
	KW_CHECK_OK(read_event(w2, &ev));
	KW_CHECK(ev.releases == 1, "releases %llu",
		 (unsigned long long)ev.releases);
	KW_CHECK_OK(flock(fd, LOCK_SH));
	KW_CHECK_OK(flock(fd, LOCK_UN));
	KW_CHECK_OK(read_event(w2, &ev));
	KW_CHECK(ev.releases == 1, "after closing the other watch: %llu",
		 (unsigned long long)ev.releases);
	close(w2);
	close(fd);
	return KW_PASS;
}

/* A blocking read() waits for the release and a signal ends it (EINTR). */
static void on_alarm(int sig)
{
}

static int test_blocking_read(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct kwish_flock_event ev;
	struct holder h;
	int wfd;

	KW_CHECK_OK(holder_start(&h, lock_path, LOCK_EX, CLOSE));
	wfd = watch_path(0);
	KW_CHECK_OK(wfd);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	alarm(1);
	KW_CHECK_ERRNO(read(wfd, &ev, sizeof(ev)), EINTR);
	fflush(stdout);
	if (fork() == 0) {
		usleep(200000);
		holder_release(&h);
		_exit(0);
	}
	KW_CHECK(read(wfd, &ev, sizeof(ev)) == sizeof(ev),
		 "blocking read: %s", kw_errname(errno));
	KW_CHECK(ev.releases == 1, "releases %llu",
		 (unsigned long long)ev.releases);
	holder_stop(&h);
	close(wfd);
	return KW_PASS;
}

/* The watch does not keep the watched file open and outlives its fd. */
static int test_watch_outlives_fd(void)
{
	struct kwish_flock_event ev;
	struct holder h;
	struct stat st;
	int wfd;

	KW_CHECK_OK(holder_start(&h, lock_path, LOCK_EX, CLOSE));
	wfd = watch_path(0);	/* the fd it was made from is closed */
	KW_CHECK_OK(wfd);
	KW_CHECK_OK(fstat(wfd, &st));
	holder_release(&h);
	KW_CHECK(readable(wfd, NOTIFY_BOUND_MS), "no event");
	KW_CHECK_OK(kwish_flock_watch_read(wfd, &ev));
	holder_stop(&h);
	close(wfd);
	return KW_PASS;
}

/* fcntl() (POSIX) and OFD locks are not flock() locks. */
static int test_posix_locks_ignored(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(lock_path, O_RDWR | O_CLOEXEC), wfd;

	if (fd < 0 && errno == EACCES)
		return kw_skip("lock file not writable by this user");
	KW_CHECK_OK(fd);
	KW_TRY(armed_watch(&wfd));
	KW_CHECK_OK(fcntl(fd, F_SETLK, &fl));
	fl.l_type = F_UNLCK;
	KW_CHECK_OK(fcntl(fd, F_SETLK, &fl));
	KW_CHECK(!readable(wfd, 0), "a POSIX lock release fired");
	close(fd);
	KW_CHECK(!readable(wfd, 0), "a close without flock() lock fired");
	close(wfd);
	return KW_PASS;
}

/* ------------------------------------------------------------ uapi, errnos */

static int test_fd_flags(void)
{
	int fd = open_lock(), wfd;

	KW_CHECK_OK(fd);
	wfd = watch_fd(fd, 0);
	KW_CHECK_OK(wfd);
	KW_CHECK(fcntl(wfd, F_GETFD) & FD_CLOEXEC, "not O_CLOEXEC by default");
	KW_CHECK(!(fcntl(wfd, F_GETFL) & O_NONBLOCK), "O_NONBLOCK by default");
	KW_CHECK((fcntl(wfd, F_GETFL) & O_ACCMODE) == O_RDONLY, "not O_RDONLY");
	close(wfd);
	wfd = watch_fd(fd, KWISH_FLOCK_WATCH_NO_CLOEXEC |
		       KWISH_FLOCK_WATCH_NONBLOCK);
	KW_CHECK_OK(wfd);
	KW_CHECK(!(fcntl(wfd, F_GETFD) & FD_CLOEXEC), "O_CLOEXEC despite NO_CLOEXEC");
	KW_CHECK(fcntl(wfd, F_GETFL) & O_NONBLOCK, "no O_NONBLOCK");
	close(wfd);
	close(fd);
	return KW_PASS;
}

static int test_errnos(void)
{
	struct {
		struct kwish_flock_watch w;
		char tail[8];
	} big = { .w = { .size = sizeof(big) } };
	struct kwish_flock_watch arg = { .size = sizeof(arg) };
	struct kwish_flock_event ev;
	int kfd = kwish_open(), fd = open_lock(), pfd, wfd;
	char small[KWISH_FLOCK_EVENT_SIZE_VER0 - 1];

	KW_CHECK_OK(kfd);
	KW_CHECK_OK(fd);
	arg.fd = fd;
	arg.__reserved = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_FLOCK_WATCH, &arg), EINVAL);
	arg.__reserved = 0;
	arg.flags = 4;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_FLOCK_WATCH, &arg), EINVAL);
	arg.flags = 0x80000000u;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_FLOCK_WATCH, &arg), EINVAL);
	arg.flags = 0;
	arg.size = KWISH_FLOCK_WATCH_SIZE_VER0 - 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_FLOCK_WATCH, &arg), EINVAL);
	arg.size = sizeof(arg);
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_FLOCK_WATCH, kw_bad_ptr()), EFAULT);
	big.w.fd = fd;
	big.tail[3] = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_FLOCK_WATCH, &big), E2BIG);
	big.tail[3] = 0;
	wfd = ioctl(kfd, KWISH_FLOCK_WATCH, &big);
	KW_CHECK(wfd >= 0, "larger struct with zero tail: %s",
		 kw_errname(errno));
	close(wfd);
	/* EBADF: no fd, AT_FDCWD, O_PATH (as flock(2)) */
	arg.fd = -1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_FLOCK_WATCH, &arg), EBADF);
	arg.fd = AT_FDCWD;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_FLOCK_WATCH, &arg), EBADF);
	arg.fd = INT_MAX;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_FLOCK_WATCH, &arg), EBADF);
	pfd = open(lock_path, O_PATH | O_CLOEXEC);
	KW_CHECK_OK(pfd);
	KW_CHECK_ERRNO(flock(pfd, LOCK_SH | LOCK_NB), EBADF);
	arg.fd = pfd;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_FLOCK_WATCH, &arg), EBADF);
	close(pfd);
	/* read(): too small a buffer, bad buffer, nothing pending; write() */
	arg.fd = fd;
	arg.flags = KWISH_FLOCK_WATCH_NONBLOCK;
	wfd = ioctl(kfd, KWISH_FLOCK_WATCH, &arg);
	KW_CHECK_OK(wfd);
	KW_CHECK_ERRNO(read(wfd, small, sizeof(small)), EINVAL);
	KW_CHECK_ERRNO(read(wfd, kw_bad_ptr(), sizeof(ev)), EFAULT);
	/* the EFAULT read consumed nothing */
	KW_CHECK(read(wfd, &ev, sizeof(ev)) == sizeof(ev), "event lost by EFAULT");
	KW_CHECK(ev.flags == KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM, "flags %#x",
		 ev.flags);
	KW_CHECK_ERRNO(read(wfd, &ev, sizeof(ev)), EAGAIN);
	KW_CHECK_ERRNO(write(wfd, &ev, sizeof(ev)), EBADF);
	close(wfd);
	close(fd);
	close(kfd);
	return KW_PASS;
}

/* A pipe and a write-only fd are fine: flock(2) accepts both. */
static int test_other_files(void)
{
	struct kwish_flock_event ev;
	int p[2], wfd, fd;

	KW_CHECK_OK(pipe2(p, O_CLOEXEC));
	KW_CHECK_OK(flock(p[1], LOCK_EX));
	wfd = watch_fd(p[0], KWISH_FLOCK_WATCH_NONBLOCK);
	KW_CHECK_OK(wfd);
	KW_CHECK(!readable(wfd, 0), "pipe locked but readable");
	close(p[1]);
	KW_CHECK(readable(wfd, 0), "pipe: no event");
	KW_CHECK_OK(read_event(wfd, &ev));
	close(wfd);
	close(p[0]);
	fd = open(lock_path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == EACCES)
		return KW_PASS;		/* not the owner: done */
	KW_CHECK_OK(fd);
	wfd = watch_fd(fd, 0);
	KW_CHECK_OK(wfd);
	close(wfd);
	close(fd);
	return KW_PASS;
}

/* ------------------------------------------------------------ permission */

static char secret_path[PATH_MAX];

/*
 * As uid 1000: a file it cannot open cannot be watched (its O_PATH fd is
 * EBADF, as flock(2) on it), a file it can read can be.
 */
static int user_permission(void)
{
	struct kwish_flock_event ev;
	int fd, wfd;

	KW_CHECK_ERRNO(open(secret_path, O_RDONLY), EACCES);
	fd = open(secret_path, O_PATH | O_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(watch_fd(fd, 0), EBADF);
	close(fd);
	/* root's 0644 lock file: readable, so flock() and a watch work */
	fd = open_lock();
	KW_CHECK_OK(fd);
	wfd = watch_fd(fd, KWISH_FLOCK_WATCH_NONBLOCK);
	KW_CHECK_OK(wfd);
	KW_CHECK_OK(read_event(wfd, &ev));
	KW_CHECK_OK(flock(fd, LOCK_SH));
	KW_CHECK_OK(flock(fd, LOCK_UN));
	KW_CHECK_OK(read_event(wfd, &ev));
	KW_CHECK(ev.releases == 1, "releases %llu",
		 (unsigned long long)ev.releases);
	close(wfd);
	close(fd);
	return KW_PASS;
}

static int test_unprivileged(void)
{
	if (kw_is_root()) {
		int fd;

		snprintf(secret_path, sizeof(secret_path), "%s/secret", dir);
		fd = open(secret_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		KW_CHECK_OK(fd);
		close(fd);
		KW_CHECK_OK(chmod(dir, 0755));
		KW_CHECK_OK(chmod(lock_path, 0644));
		return kw_run_as_user(user_permission);
	}
	/* already uid 1000: a root-only file of the system */
	snprintf(secret_path, sizeof(secret_path), "/proc/1/environ");
	if (!access(secret_path, R_OK))
		return kw_skip("%s is readable by uid %u", secret_path,
			       geteuid());
	return user_permission();
}

/* In a user namespace (uid 0 there): same rules, same events. */
static int test_userns(void)
{
	struct kwish_flock_event ev;
	int fd, wfd, err;

	err = kw_enter_userns(0);
	if (err == -EPERM || err == -EINVAL || err == -ENOSPC)
		return kw_skip("no user namespace: %s", kw_errname(-err));
	KW_CHECK(err == 0, "kw_enter_userns: %s", kw_errname(-err));
	fd = open_lock();
	KW_CHECK_OK(fd);
	wfd = watch_fd(fd, KWISH_FLOCK_WATCH_NONBLOCK);
	KW_CHECK_OK(wfd);
	KW_CHECK_OK(read_event(wfd, &ev));
	KW_CHECK_OK(flock(fd, LOCK_EX));
	KW_CHECK_OK(flock(fd, LOCK_UN));
	KW_CHECK_OK(read_event(wfd, &ev));
	KW_CHECK(ev.releases == 1, "releases %llu",
		 (unsigned long long)ev.releases);
	close(wfd);
	close(fd);
	/* an O_PATH fd stays refused for namespace root too */
	fd = open(lock_path, O_PATH | O_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(watch_fd(fd, 0), EBADF);
	close(fd);
	return KW_PASS;
}

/* ------------------------------------------------------------ kwishctl */

static int run_kwishctl(char *const argv[], double *secs)
{
	double t0 = kw_now();
	pid_t pid;
	int ret;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	ret = kw_wait(pid);
	if (secs)
		*secs = kw_now() - t0;
	return ret;
}

static int test_kwishctl(void)
{
	char ctl[PATH_MAX];
	struct holder h;
	double secs;
	int ret;

	if (!kw_find_kwishctl(ctl, sizeof(ctl)))
		return kw_skip("kwishctl not found");
	{
		char *const unlocked[] = { ctl, "flock-watch", "-q", lock_path,
					   NULL };

		ret = run_kwishctl(unlocked, NULL);
		KW_CHECK(ret == 0, "unlocked: exit %d", ret);
	}
	KW_CHECK_OK(holder_start(&h, lock_path, LOCK_EX, UNLOCK));
	{
		char *const timeout[] = { ctl, "flock-watch", "-q", "-w",
					  "200ms", lock_path, NULL };

		ret = run_kwishctl(timeout, &secs);
		KW_CHECK(ret == 6, "still locked: exit %d, want 6", ret);
		KW_CHECK(secs >= 0.2, "timed out after %.3f s", secs);
	}
	{
		char *const wait[] = { ctl, "flock-watch", "-w", "20",
				       lock_path, NULL };
		pid_t pid;

		fflush(stdout);
		pid = fork();
		KW_CHECK_OK(pid);
		if (pid == 0) {
			execv(ctl, wait);
			_exit(127);
		}
		usleep(300000);
		holder_release(&h);
		ret = kw_wait(pid);
		KW_CHECK(ret == 0, "release: exit %d", ret);
	}
	{
		char *const bad[] = { ctl, "flock-watch", "--fd", "99", NULL };

		ret = run_kwishctl(bad, NULL);
		KW_CHECK(ret == 1, "bad fd: exit %d, want 1", ret);
	}
	holder_stop(&h);
	return KW_PASS;
}

/* ------------------------------------------------------------ use case */

/*
 * A formatter holds LOCK_EX on a loop device while it writes a "file
 * system", a udev stand-in waits on a watch of the device node and must
 * see the release within a bound of the unlock; kwishctl flock-watch as a
 * second watcher must end too.
 */
static int test_loop_device_formatter(void)
{
	char backing[PATH_MAX], dev[64] = "", cmd[3 * PATH_MAX], ctl[PATH_MAX];
	struct kwish_flock_event ev;
	double latency, seen;
	pid_t formatter, watcher = -1;
	FILE *f;
	int fd, wfd, ret;

	if (!kw_is_root())
		return kw_skip("setting up a loop device needs root");
	if (access("/dev/loop-control", F_OK))
		return kw_skip("no /dev/loop-control (loop module not loaded)");
	snprintf(backing, sizeof(backing), "%s/disk.img", dir);
	fd = open(backing, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(ftruncate(fd, 4 << 20));
	close(fd);
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s 2>/dev/null || "
		 "{ d=$(losetup -f) && losetup \"$d\" %s && echo \"$d\"; }",
		 backing, backing);
	f = popen(cmd, "r");
	KW_CHECK(f, "popen: %s", kw_errname(errno));
	if (!fgets(dev, sizeof(dev), f))
		dev[0] = '\0';
	pclose(f);
	dev[strcspn(dev, "\n")] = '\0';
	if (!dev[0])
		return kw_skip("losetup could not attach a loop device");

	/* the formatter */
	KW_CHECK_OK(fd = open(dev, O_RDWR | O_CLOEXEC));
	KW_CHECK_OK(flock(fd, LOCK_EX));
	/* udev: a watch of the device node, and kwishctl as a second watcher */
	wfd = watch_path_of(dev, 0);
	if (kw_find_kwishctl(ctl, sizeof(ctl))) {
		/* armed before or after the release: exit 0 either way */
		char *const argv[] = { ctl, "flock-watch", "-w", "30", dev,
				       NULL };

		fflush(stdout);
		watcher = fork();
		if (watcher == 0) {
			execv(ctl, argv);
			_exit(127);
		}
	}
	fflush(stdout);
	formatter = fork();
	KW_CHECK_OK(formatter);
	if (formatter == 0) {
		static const char sb[512] = "KWISHFS";

		usleep(300000);
		if (pwrite(fd, sb, sizeof(sb), 0) != sizeof(sb) || fsync(fd))
			_exit(1);
		*released_at = kw_now();
		flock(fd, LOCK_UN);
		_exit(0);
	}
	close(fd);	/* the formatter's copy holds the lock */
	KW_CHECK_OK(wfd);
	KW_CHECK(!readable(wfd, 100), "readable while the formatter works");
	KW_CHECK(readable(wfd, 10000), "udev saw no release");
	seen = kw_now();
	KW_CHECK_OK(kwish_flock_watch_read(wfd, &ev));
	KW_CHECK(ev.releases == 1, "releases %llu",
		 (unsigned long long)ev.releases);
	latency = (seen - *released_at) * 1e3;
	kw_diag("%s: udev saw the release %.3f ms after the unlock", dev,
		latency);
	KW_CHECK(latency < NOTIFY_BOUND_MS, "%.3f ms", latency);
	KW_CHECK(kw_wait(formatter) == 0, "formatter failed");
	if (watcher > 0) {
		ret = kw_wait(watcher);
		KW_CHECK(ret == 0, "kwishctl flock-watch %s: exit %d", dev,
			 ret);
	}
	close(wfd);
	snprintf(cmd, sizeof(cmd), "losetup -d %s", dev);
	KW_CHECK(system(cmd) == 0, "%s failed", cmd);
	return KW_PASS;
}

/* ------------------------------------------------------------ setup */

static const struct kw_test tests[] = {
	KW_TEST(test_arm_unlocked),
	KW_TEST(test_release_by_unlock),
	KW_TEST(test_release_by_close),
	KW_TEST(test_release_by_exit),
	KW_TEST(test_release_by_kill),
	KW_TEST(test_shared_last_release),
	KW_TEST(test_release_then_relock),
	KW_TEST(test_conversion),
	KW_TEST(test_item22_lock),
	KW_TEST(test_two_watches),
	KW_TEST(test_blocking_read),
	KW_TEST(test_watch_outlives_fd),
	KW_TEST(test_posix_locks_ignored),
	KW_TEST(test_fd_flags),
	KW_TEST(test_errnos),
	KW_TEST(test_other_files),
	KW_TEST(test_unprivileged),
	KW_TEST(test_userns),
	KW_TEST(test_kwishctl),
	KW_TEST_T(test_loop_device_formatter, 30),
};

int main(void)
{
	struct kwish_feature f[4];
	unsigned int nr = 4;
	int fd, ret;

	released_at = mmap(NULL, sizeof(*released_at), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (released_at == MAP_FAILED || !mkdtemp(dir)) {
		printf("Bail out! setup: %s\n", strerror(errno));
		return 1;
	}
	chmod(dir, 0755);
	snprintf(lock_path, sizeof(lock_path), "%s/lock", dir);
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		printf("Bail out! %s: %s\n", lock_path, strerror(errno));
		return 1;
	}
	close(fd);
	/* Not present is a failure of every test; say why once. */
	if (kwish_status(-1, f, &nr, NULL) == 0 &&
	    f[3].state != KWISH_STATE_PRESENT)
		printf("# item 4 is %s: %.*s\n", kwish_state_name(f[3].state),
		       KWISH_REASON_LEN, f[3].reason);
	ret = KW_RUN(tests);
	kw_rm_rf(dir);
	return ret;
}
