// SPDX-License-Identifier: GPL-2.0
/*
 * flock_notify_bench: notification when the last flock() lock is released
 * (wish-list item 4), against what a watcher (udev) can do today:
 *
 *   kwish       a KWISH_FLOCK_WATCH fd, poll() until readable
 *   poll200ms   flock(LOCK_SH | LOCK_NB) every 200 ms until it succeeds
 *               (takes a lock itself, which a formatter's LOCK_NB then
 *               sees as busy)
 *   inotify     IN_CLOSE_WRITE on the file (udev's approximation today):
 *               fires on the close of a writable fd, also without any lock,
 *               and never for flock(LOCK_UN); measured for a holder that
 *               releases by close(), "missed" counted for LOCK_UN
 *
 * 1. Event latency: a holder process takes LOCK_EX on its own writable
 *    fd, the watcher arms its method, the holder lets go 20 to 30 ms later
 *    (varied, so that polling is not in step with it), by close() or by
 *    flock(LOCK_UN) in alternate runs; the latency is from the release to
 *    the watcher's wake-up (CLOCK_MONOTONIC, shared memory).  Median and
 *    maximum of RUNS runs per method.
 * 2. Cost of the hook: an uncontended flock(LOCK_EX) + flock(LOCK_UN)
 *    pair with no watch on the file and with a watch armed on it, and the
 *    cost of arming (KWISH_FLOCK_WATCH + close()), ns, best of ROUNDS.
 *
 * A benchmark, never a test: it exits 0 whenever it could measure.
 *
 * Usage: flock_notify_bench [-w RUNS] [-n ITERATIONS] [-r ROUNDS] [-d DIR]
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
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kwbench.h"
#include "libkwish.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define GIVE_UP_MS	5000

static char path[4096];

struct shared {
	double released_ns;
};

static struct shared *sh;

/* Wait its way for the release; returns the time it noticed, or < 0. */
typedef double (*wait_fn)(bool by_close, int ready_fd);

struct method {
	const char *name;
	wait_fn wait;
	double lat[256];
	int n, missed;
	const char *why;
};

/* The holder: LOCK_EX on its own fd, release after 20-30 ms. */
static pid_t holder_start(bool by_close, int *ctl)
{
	int p[2], ready[2];
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		return -1;
	if (pipe(ready) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(path, O_RDWR | O_CLOEXEC);

		close(p[1]);
		close(ready[0]);
		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			_exit(1);
		if (write(ready[1], "1", 1) != 1)
			_exit(1);
		/* the watcher arms, then says go */
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		usleep(20000 + rand() % 10000);
		sh->released_ns = kwb_now_ns();
		if (by_close)
			close(fd);
		else
			flock(fd, LOCK_UN);
		usleep(GIVE_UP_MS * 1000);
		_exit(0);
	}
	close(p[0]);
	close(ready[1]);
	*ctl = p[1];
	/* until it holds the lock */
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		close(p[1]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		errno = EIO;
		return -1;
	}
	close(ready[0]);
	return pid;
}

static double wait_kwish(bool by_close, int ctl)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), wfd;
	struct pollfd p;
	double t = -1;

	wfd = kwish_flock_watch(fd, 0);
	close(fd);
	if (wfd < 0)
		return -1;
	if (write(ctl, "g", 1) != 1)
		goto out;
	p = (struct pollfd){ .fd = wfd, .events = POLLIN };
	if (poll(&p, 1, GIVE_UP_MS) == 1)
		t = kwb_now_ns();
	else
		errno = ETIMEDOUT;
out:
	close(wfd);
	return t;
}

static double wait_poll200(bool by_close, int ctl)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	double end = kwb_now_ns() + GIVE_UP_MS * 1e6, t = -1;

	if (fd < 0)
		return -1;
	if (write(ctl, "g", 1) != 1)
		goto out;
	for (;;) {
		if (!flock(fd, LOCK_SH | LOCK_NB)) {
			t = kwb_now_ns();
			flock(fd, LOCK_UN);
			break;
		}
		if (kwb_now_ns() > end) {
			errno = ETIMEDOUT;
			break;
		}
		usleep(200000);
	}
out:
	close(fd);
	return t;
}

static double wait_inotify(bool by_close, int ctl)
{
	int in = inotify_init1(IN_CLOEXEC);
	char buf[4096] __attribute__((aligned(8)));
	struct pollfd p;
	double t = -1;

	if (in < 0)
		return -1;
	if (inotify_add_watch(in, path, IN_CLOSE_WRITE) < 0)
		goto out;
	if (write(ctl, "g", 1) != 1)
		goto out;
	p = (struct pollfd){ .fd = in, .events = POLLIN };
	/* LOCK_UN closes nothing: give up soon after the release */
	if (poll(&p, 1, by_close ? GIVE_UP_MS : 300) == 1 &&
	    read(in, buf, sizeof(buf)) > 0)
		t = kwb_now_ns();
	else
		errno = ETIMEDOUT;
out:
	close(in);
	return t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(struct method *m)
{
	qsort(m->lat, m->n, sizeof(m->lat[0]), cmp_double);
	return m->lat[m->n / 2];
}

/* ns per flock(LOCK_EX) + flock(LOCK_UN) pair on @fd. */
static double lock_pairs(int fd, long iter)
{
	double t0 = kwb_now_ns();
	long i;

	for (i = 0; i < iter; i++)
		if (flock(fd, LOCK_EX) || flock(fd, LOCK_UN))
			return -1;
	return (kwb_now_ns() - t0) / iter;
}

static double arms(int fd, long iter)
{
	double t0 = kwb_now_ns();
	int kfd = kwish_open(), wfd;
	long i;

	if (kfd < 0)
		return -1;
	for (i = 0; i < iter; i++) {
		wfd = kwish_flock_watch_kfd(kfd, fd, 0);
		if (wfd < 0) {
			close(kfd);
			return -1;
		}
		close(wfd);
	}
	close(kfd);
	return (kwb_now_ns() - t0) / iter;
}

int main(int argc, char **argv)
{
	struct method m[] = {
		{ .name = "kwish", .wait = wait_kwish },
		{ .name = "poll200ms", .wait = wait_poll200 },
		{ .name = "inotify", .wait = wait_inotify },
	};
	struct kwb_method cost[] = {
		{ .name = "unwatched", .enabled = true },
		{ .name = "watched", .enabled = true },
		{ .name = "arm", .enabled = true },
	};
	long iter = 2000, rounds = 3, runs = 20, r;
	double med;
	const char *dir = "/tmp";
	unsigned int i;
	int c, fd, wfd;

	while ((c = getopt(argc, argv, "w:n:r:d:")) != -1) {
		switch (c) {
		case 'w':
			runs = atol(optarg);
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
				"usage: %s [-w RUNS] [-n ITERATIONS] [-r ROUNDS] [-d DIR]\n",
				argv[0]);
			return 2;
		}
	}
	if (runs < 1 || runs > 256 || iter < 1 || rounds < 1) {
		fprintf(stderr, "%s: -w 1..256, -n and -r positive\n", argv[0]);
		return 2;
	}
	srand(getpid());
	snprintf(path, sizeof(path), "%s/flock_notify_bench.%d", dir,
		 (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || sh == MAP_FAILED) {
		fprintf(stderr, "%s: setup: %s\n", argv[0], strerror(errno));
		return 1;
	}

	/* 1. latency, methods interleaved run by run */
	for (r = 0; r < runs; r++) {
		bool by_close = !(r & 1);

		for (i = 0; i < ARRAY_SIZE(m); i++) {
			double t;
			pid_t pid;
			int ctl;

			if (m[i].why)
				continue;
			pid = holder_start(by_close, &ctl);
			if (pid < 0) {
				m[i].why = strerror(errno);
				continue;
			}
			t = m[i].wait(by_close, ctl);
			if (t >= 0)
				m[i].lat[m[i].n++] = (t - sh->released_ns) / 1e3;
			else if (errno == ETIMEDOUT)
				m[i].missed++;
			else
				m[i].why = strerror(errno);
			close(ctl);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
	}
	printf("# flock_notify_bench: latency from the release of the last flock() lock to the watcher's wake-up, %ld runs per method (half by close(), half by flock(LOCK_UN))\n",
	       runs);
	printf("%-10s %14s %14s %8s\n", "method", "median(us)", "max(us)",
	       "missed");
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		if (m[i].why || !m[i].n) {
			printf("%-10s %14s %14s %8d  (%s)\n", m[i].name, "n/a",
			       "n/a", m[i].missed,
			       m[i].why ? m[i].why : "never woke");
			continue;
		}
		/* median() sorts: the maximum is known only after it */
		med = median(&m[i]);
		printf("%-10s %14.1f %14.1f %8d\n", m[i].name, med,
		       m[i].lat[m[i].n - 1], m[i].missed);
	}
	for (i = 1; i < ARRAY_SIZE(m); i++) {
		if (m[0].n && m[i].n && !m[0].why && !m[i].why)
			printf("latency %s/kwish = %.2f\n", m[i].name,
			       median(&m[i]) / median(&m[0]));
		else
			printf("latency %s/kwish = n/a\n", m[i].name);
	}

	/* 2. cost */
	for (r = 0; r < rounds; r++) {
		kwb_record(&cost[0], lock_pairs(fd, iter), r);
		wfd = kwish_flock_watch(fd, 0);
		if (wfd < 0) {
			kwb_record(&cost[1], -1, r);
			kwb_record(&cost[2], -1, r);
			continue;
		}
		kwb_record(&cost[1], lock_pairs(fd, iter), r);
		close(wfd);
		kwb_record(&cost[2], arms(fd, iter), r);
	}
	printf("# flock_notify_bench: flock(LOCK_EX)+flock(LOCK_UN) without and with a watch on the file, and arming a watch, best of %ld rounds of %ld\n",
	       rounds, iter);
	kwb_print_head("op", "ops");
	for (i = 0; i < ARRAY_SIZE(cost); i++)
		kwb_print_row(&cost[i], rounds);
	kwb_ratio(&cost[0], &cost[1]);
	close(fd);
	unlink(path);
	return 0;
}
