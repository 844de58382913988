// SPDX-License-Identifier: GPL-2.0
/*
 * flock_timeout_bench: flock() with a timeout (wish-list item 22), against
 * today's user-space ways of bounding a flock() wait:
 *
 *   kwish       KWISH_FLOCK_TIMEOUT on /dev/kwish (a 10 s timeout)
 *   poll10ms    flock(LOCK_NB) in a loop, 10 ms sleep between tries
 *   alarm       alarm(10) + a blocking flock() (racy: on a loaded system
 *               the alarm can fire before flock() is entered, and then
 *               flock() waits forever)
 *   fork        systemd's way: a child does the blocking flock() on the
 *               shared open file description (the lock then belongs to the
 *               parent too) and exits; the parent waits for the child with
 *               a timeout (poll() on a pidfd)
 *   flock       a plain flock() with no timeout at all (the floor; only in
 *               the cost table)
 *
 * 1. Wake-up delay: a holder process takes LOCK_EX, the waiter starts
 *    waiting its way, the holder lets go 20 to 30 ms later (varied, so
 *    that the polling loop is not in step with it); the delay is from
 *    the holder's flock(LOCK_UN) to the waiter's return with the lock
 *    (CLOCK_MONOTONIC, shared memory).  Median and maximum of WAKES runs.
 * 2. Cost of an uncontended lock + unlock, ns per pair, best of ROUNDS.
 *
 * Ratios are "how many times faster is kwish" (the other's time divided by
 * kwish's).  A benchmark, never a test: it exits 0 whenever it could
 * measure something.
 *
 * Usage: flock_timeout_bench [-w WAKES] [-n ITERATIONS] [-r ROUNDS] [-d DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kwbench.h"
#include "libkwish.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TIMEOUT_S	10
#define HOLD_US		20000

static int kfd = -1;
static char path[4096];

static int lock_kwish(int fd)
{
	struct kwish_flock_timeout arg = {
		.size = sizeof(arg),
		.fd = fd,
		.operation = LOCK_EX,
		.timeout_ns = TIMEOUT_S * 1000000000ULL,
	};

	if (kfd < 0) {
		errno = ENODEV;		/* no /dev/kwish */
		return -1;
	}
	return ioctl(kfd, KWISH_FLOCK_TIMEOUT, &arg);
}

static int lock_poll(int fd)
{
	double end = kwb_now_ns() + TIMEOUT_S * 1e9;

	for (;;) {
		if (!flock(fd, LOCK_EX | LOCK_NB))
			return 0;
		if (errno != EWOULDBLOCK || kwb_now_ns() >= end)
			return -1;
		usleep(10000);
	}
}

static void on_alarm(int sig)
{
}

static int lock_alarm(int fd)
{
	int ret, err;

	alarm(TIMEOUT_S);
	ret = flock(fd, LOCK_EX);
	err = errno;
	alarm(0);
	errno = err;
	return ret;
}

static int lock_fork(int fd)
{
	struct pollfd p = { .events = POLLIN };
	int status, r;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(flock(fd, LOCK_EX) ? 1 : 0);
	p.fd = syscall(SYS_pidfd_open, pid, 0);
	if (p.fd >= 0) {
		r = poll(&p, 1, TIMEOUT_S * 1000);
		close(p.fd);
		if (r == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			errno = ETIMEDOUT;
			return -1;
		}
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static int lock_plain(int fd)
{
	return flock(fd, LOCK_EX);
}

struct method {
	const char *name;
	int (*lock)(int fd);
	bool wake;		/* in the wake-up table */
	bool ok;
	double median_ns, max_ns, best_ns;
	char why[64];
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Shared with the holder process. */
struct shared {
	double released_ns;
};

/* Wake-up delays of @m, @n times; fills median and max. */
static void wake(struct method *m, int n, struct shared *sh)
{
	int to_h[2], from_h[2], i, fd;
	double *d = calloc(n, sizeof(*d));
	char c = 0;
	pid_t h;

	if (!d || pipe(to_h) < 0 || pipe(from_h) < 0) {
		snprintf(m->why, sizeof(m->why), "setup: %s", strerror(errno));
		free(d);
		return;
	}
	h = fork();
	if (h < 0) {
		snprintf(m->why, sizeof(m->why), "fork: %s", strerror(errno));
		free(d);
		return;
	}
	if (h == 0) {
		int hfd = open(path, O_RDONLY | O_CLOEXEC);

		for (i = 0; i < n; i++) {
			if (hfd < 0 || flock(hfd, LOCK_EX) ||
			    write(from_h[1], "l", 1) != 1)
				_exit(1);
			/* 20..30 ms, so that polling is not in step with it */
			usleep(HOLD_US + (i * 3709) % 10000);
			sh->released_ns = kwb_now_ns();
			flock(hfd, LOCK_UN);
			/* wait until the waiter has let go again */
			if (read(to_h[0], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	for (i = 0; i < n && fd >= 0; i++) {
		if (read(from_h[0], &c, 1) != 1)
			break;
		if (m->lock(fd)) {
			snprintf(m->why, sizeof(m->why), "%s",
				 kwish_errno_name(errno));
			break;
		}
		d[i] = kwb_now_ns() - sh->released_ns;
		flock(fd, LOCK_UN);
		if (write(to_h[1], "u", 1) != 1)
			break;
	}
	if (fd >= 0)
		close(fd);
	close(to_h[1]);
	close(to_h[0]);
	close(from_h[0]);
	close(from_h[1]);
	kill(h, SIGKILL);
	waitpid(h, NULL, 0);
	if (i == n) {
		qsort(d, n, sizeof(*d), cmp_double);
		m->median_ns = d[n / 2];
		m->max_ns = d[n - 1];
		m->ok = true;
	}
	free(d);
}

/* ns per uncontended lock + unlock, best of @rounds rounds of @iter. */
static void cost(struct method *m, long iter, long rounds)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	double t0, ns;
	long r, i;

	m->ok = false;
	m->best_ns = 0;
	if (fd < 0)
		return;
	for (r = 0; r < rounds; r++) {
		t0 = kwb_now_ns();
		for (i = 0; i < iter; i++) {
			if (m->lock(fd)) {
				snprintf(m->why, sizeof(m->why), "%s",
					 kwish_errno_name(errno));
				close(fd);
				return;
			}
			flock(fd, LOCK_UN);
		}
		ns = (kwb_now_ns() - t0) / iter;
		if (!r || ns < m->best_ns)
			m->best_ns = ns;
	}
	m->ok = true;
	close(fd);
}

int main(int argc, char **argv)
{
	struct method m[] = {
		{ .name = "kwish", .lock = lock_kwish, .wake = true },
		{ .name = "poll10ms", .lock = lock_poll, .wake = true },
		{ .name = "alarm", .lock = lock_alarm, .wake = true },
		{ .name = "fork", .lock = lock_fork, .wake = true },
		{ .name = "flock", .lock = lock_plain, .wake = false },
	};
	struct sigaction sa = { .sa_handler = on_alarm };
	long iter = 2000, rounds = 3, wakes = 15;
	const char *dir = "/tmp";
	struct shared *sh;
	unsigned int i;
	int c, fd;

	while ((c = getopt(argc, argv, "w:n:r:d:")) != -1) {
		switch (c) {
		case 'w':
			wakes = atol(optarg);
			break;
		case 'n':
			iter = atol(optarg);
			break;
		case 'r':
			rounds = atol(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-w WAKES] [-n ITERATIONS] [-r ROUNDS] [-d DIR]\n",
				argv[0]);
			return 2;
		}
	}
	if (wakes < 1 || iter < 1 || rounds < 1) {
		fprintf(stderr, "%s: -w, -n and -r must be positive\n", argv[0]);
		return 2;
	}
	sigaction(SIGALRM, &sa, NULL);
	snprintf(path, sizeof(path), "%s/flock_timeout_bench.%d", dir,
		 (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], path, strerror(errno));
		return 1;
	}
	close(fd);
	kfd = kwish_open();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		unlink(path);
		return 1;
	}

	printf("# flock_timeout_bench: wake-up delay after the holder's flock(LOCK_UN), %ld runs per method\n",
	       wakes);
	for (i = 0; i < ARRAY_SIZE(m); i++)
		if (m[i].wake)
			wake(&m[i], wakes, sh);
	printf("%-10s %14s %14s\n", "method", "median(us)", "max(us)");
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		if (!m[i].wake)
			continue;
		if (!m[i].ok)
			printf("%-10s %14s %14s  (%s)\n", m[i].name, "n/a", "n/a",
			       m[i].why);
		else
			printf("%-10s %14.1f %14.1f\n", m[i].name,
			       m[i].median_ns / 1e3, m[i].max_ns / 1e3);
	}
	for (i = 1; i < ARRAY_SIZE(m); i++) {
		if (!m[i].wake)
			continue;
		if (m[0].ok && m[i].ok && m[0].median_ns > 0)
			printf("wake %s/kwish = %.2f\n", m[i].name,
			       m[i].median_ns / m[0].median_ns);
		else
			printf("wake %s/kwish = n/a\n", m[i].name);
	}

	printf("# flock_timeout_bench: uncontended lock + unlock, best of %ld rounds of %ld (fork: %ld)\n",
	       rounds, iter, iter / 10 ? iter / 10 : 1);
	for (i = 0; i < ARRAY_SIZE(m); i++)
		cost(&m[i], m[i].lock == lock_fork ?
		     (iter / 10 ? iter / 10 : 1) : iter, rounds);
	printf("%-10s %14s\n", "method", "ns/lock+unlock");
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		if (!m[i].ok)
			printf("%-10s %14s  (%s)\n", m[i].name, "n/a", m[i].why);
		else
			printf("%-10s %14.0f\n", m[i].name, m[i].best_ns);
	}
	for (i = 1; i < ARRAY_SIZE(m); i++) {
		if (m[0].ok && m[i].ok && m[0].best_ns > 0)
			printf("cost %s/kwish = %.2f\n", m[i].name,
			       m[i].best_ns / m[0].best_ns);
		else
			printf("cost %s/kwish = n/a\n", m[i].name);
	}
	unlink(path);
	return 0;
}
