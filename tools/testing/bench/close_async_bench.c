// SPDX-License-Identifier: GPL-2.0
/*
 * close_async_bench: what closing an fd costs the caller (wish-list item
 * 19), four ways:
 *
 *   kwish    KWISH_CLOSE_ASYNC on /dev/kwish (one fd per call, and the
 *            whole batch in one call: "kwish-batch")
 *   close    close(2) itself: the caller waits for the release
 *   thread   today's workaround: a detached thread per close
 *   fork     the other workaround: fork(), the child closes the fd and
 *            exits, the parent closes its copy (not the last reference)
 *
 * Two tables:
 *   slow   one TCP socket whose release lingers 1 s (SO_LINGER {1, 1},
 *          peer not reading, buffers full): the caller's time for one
 *          close, ROUNDS rounds (close costs 1 s per round)
 *   cheap  closing ITERATIONS fds of /dev/null: the per-fd cost when the
 *          release is fast (kwish's worker and accounting, a thread's
 *          creation, a fork, against a plain close)
 * Every method's releases are waited for, untimed, before the next
 * method runs.  Ratios compare closes per second of the caller
 * ("kwish/close = 1000": the caller does 1000 times as many).
 * A benchmark, never a test: it exits 0 whenever it could measure.
 *
 * Usage: close_async_bench [-n ITERATIONS] [-r ROUNDS]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kwbench.h"
#include "libkwish.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_FDS		KWISH_CLOSE_ASYNC_MAX_FDS

static int kfd = -1;

/* A socket whose close(2) lingers about @secs s; *@peer: never read. */
static int slow_socket(int secs, int *peer)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct linger lg = { .l_onoff = 1, .l_linger = secs };
	socklen_t len = sizeof(sa);
	int small = 4096, lfd, c, p, idle = 0;
	static char buf[65536];

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -1;
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
		close(lfd);
		return -1;
	}
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS) {
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
	while (idle < 20) {
		if (write(c, buf, sizeof(buf)) > 0) {
			idle = 0;
		} else if (errno == EAGAIN) {
			idle++;
			usleep(5000);
		} else {
			break;
		}
	}
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	*peer = p;
	return c;
}

/* --- the methods: close @n fds; then wait for what they started ---- */

static int wait_fd = -1;

static int close_kwish(int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		struct kwish_close_async arg = {
			.size = sizeof(arg), .fds = (uintptr_t)&fds[i],
			.nr_fds = 1,
		};

		if (ioctl(kfd, KWISH_CLOSE_ASYNC, &arg) != 1)
			return -1;
	}
	return 0;
}

static int close_kwish_batch(int *fds, int n)
{
	for (int i = 0; i < n; i += MAX_FDS) {
		struct kwish_close_async arg = {
			.size = sizeof(arg), .fds = (uintptr_t)&fds[i],
			.nr_fds = n - i < MAX_FDS ? n - i : MAX_FDS,
			.flags = KWISH_CLOSE_ASYNC_WAITFD,
		};

		if (ioctl(kfd, KWISH_CLOSE_ASYNC, &arg) != (int)arg.nr_fds)
			return -1;
		/* keep the last one: waited for after the timing */
		if (wait_fd >= 0)
			close(wait_fd);
		wait_fd = arg.wait_fd;
	}
	return 0;
}

static int close_plain(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (close(fds[i]) < 0)
			return -1;
	return 0;
}

static pthread_t threads[1 << 16];
static int nr_threads;

static void *closer(void *arg)
{
	close((int)(long)arg);
	return NULL;
}

static int close_thread(int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		errno = pthread_create(&threads[nr_threads], NULL, closer,
				       (void *)(long)fds[i]);
		if (errno)
			return -1;
		nr_threads++;
	}
	return 0;
}

static int close_fork(int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return -1;
		if (pid == 0) {
			close(fds[i]);
			_exit(0);
		}
		close(fds[i]);
	}
	return 0;
}

/* Untimed: wait until every release a method started is over. */
static void settle(void)
{
	struct pollfd p = { .fd = wait_fd, .events = POLLIN };

	while (nr_threads > 0)
		pthread_join(threads[--nr_threads], NULL);
	while (waitpid(-1, NULL, 0) > 0)
		;
	if (wait_fd >= 0) {
		poll(&p, 1, -1);
		close(wait_fd);
		wait_fd = -1;
	}
	/* kwish without a completion fd: the limit tells us when it is 0 */
	usleep(10000);
}

struct method {
	struct kwb_method b;
	int (*close)(int *fds, int n);
};

static double run_slow(struct method *m, int secs)
{
	int fd, peer, ret, err;
	double t0, t;

	fd = slow_socket(secs, &peer);
	if (fd < 0)
		return -1;
	t0 = kwb_now_ns();
	ret = m->close(&fd, 1);
	t = kwb_now_ns() - t0;
	err = errno;
	settle();
	close(peer);
	errno = err;
	return ret < 0 ? -1 : t;
}

static double run_cheap(struct method *m, int *fds, int n)
{
	double t0, t;
	int ret, err;

	for (int i = 0; i < n; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			return -1;
	}
	t0 = kwb_now_ns();
	ret = m->close(fds, n);
	t = kwb_now_ns() - t0;
	err = errno;
	settle();
	errno = err;
	return ret < 0 ? -1 : t / n;
}

static void reset(struct method *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		m[i].b.enabled = !(m[i].close == close_kwish ||
				   m[i].close == close_kwish_batch) || kfd >= 0;
		m[i].b.why_not = "no /dev/kwish";
		m[i].b.best_ns = 0;
		m[i].b.sum_ns = 0;
	}
}

int main(int argc, char **argv)
{
	struct method m[] = {
		{ .b = { .name = "kwish" }, .close = close_kwish },
		{ .b = { .name = "kwish-batch" }, .close = close_kwish_batch },
		{ .b = { .name = "close" }, .close = close_plain },
		{ .b = { .name = "thread" }, .close = close_thread },
		{ .b = { .name = "fork" }, .close = close_fork },
	};
	long iterations = 1000, rounds = 3, r;
	static int fds[1 << 14];
	size_t i;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:h")) != -1) {
		switch (opt) {
		case 'n':
			iterations = atol(optarg);
			break;
		case 'r':
			rounds = atol(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-n ITERATIONS] [-r ROUNDS]\n",
				argv[0]);
			return 2;
		}
	}
	if (iterations < 1 || iterations > (long)ARRAY_SIZE(fds) ||
	    rounds < 1) {
		fprintf(stderr, "%s: bad -n or -r\n", argv[0]);
		return 2;
	}
	kfd = kwish_open();

	printf("close_async_bench: the caller's cost of one close of a socket whose release lingers 1 s, %ld rounds\n",
	       rounds);
	reset(m, ARRAY_SIZE(m));
	for (r = 0; r < rounds; r++)
		for (i = 0; i < ARRAY_SIZE(m); i++)
			if (m[i].b.enabled)
				kwb_record(&m[i].b, run_slow(&m[i], 1), r);
	kwb_print_head("close", "closes");
	for (i = 0; i < ARRAY_SIZE(m); i++)
		kwb_print_row(&m[i].b, rounds);
	kwb_ratio(&m[0].b, &m[2].b);
	kwb_ratio(&m[0].b, &m[3].b);
	kwb_ratio(&m[0].b, &m[4].b);

	printf("\nclose_async_bench: the caller's cost per fd, %ld fds of /dev/null, %ld rounds\n",
	       iterations, rounds);
	reset(m, ARRAY_SIZE(m));
	for (r = 0; r < rounds; r++)
		for (i = 0; i < ARRAY_SIZE(m); i++)
			if (m[i].b.enabled)
				kwb_record(&m[i].b,
					   run_cheap(&m[i], fds, iterations),
					   r);
	kwb_print_head("close", "closes");
	for (i = 0; i < ARRAY_SIZE(m); i++)
		kwb_print_row(&m[i].b, rounds);
	kwb_ratio(&m[0].b, &m[2].b);
	kwb_ratio(&m[1].b, &m[2].b);
	kwb_ratio(&m[0].b, &m[3].b);
	kwb_ratio(&m[0].b, &m[4].b);
	return 0;
}
