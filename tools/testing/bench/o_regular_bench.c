// SPDX-License-Identifier: GPL-2.0
/*
 * o_regular_bench: opens per second of a regular file, three ways:
 *
 *   kwish       KWISH_OPEN_REGULAR on /dev/kwish (item 8, O_REGULAR)
 *   workaround  today's user-space way to open only regular files safely:
 *               open(O_PATH), fstat(), S_ISREG(), reopen through
 *               /proc/self/fd/N, close the O_PATH fd
 *   openat      a plain openat() with no type check (the floor)
 *   native      openat2(OPENAT2_REGULAR), only where the kernel has it
 *
 * Every open is followed by close(), in every method.  The methods run
 * interleaved, ROUNDS rounds of ITERATIONS opens each, timed with
 * CLOCK_MONOTONIC; the table shows the best round of each, and the ratios
 * compare opens per second ("kwish/workaround = 1.50": kwish does 1.5 times
 * as many opens per second).  A benchmark, never a test: it exits 0
 * whenever it could measure something.
 *
 * Usage: o_regular_bench [-n ITERATIONS] [-r ROUNDS] [-f FILE]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

#include "libkwish.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static const char *path;
static int kfd = -1;

static int open_kwish(void)
{
	struct kwish_open_regular arg = {
		.size = sizeof(arg),
		.dirfd = AT_FDCWD,
		.pathname = (uintptr_t)path,
		.open_flags = O_RDONLY | O_CLOEXEC,
	};

	return ioctl(kfd, KWISH_OPEN_REGULAR, &arg);
}

static int open_workaround(void)
{
	char proc[64];
	struct stat st;
	int pfd, fd;

	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(pfd);
		errno = EFTYPE;
		return -1;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	close(pfd);
	return fd;
}

static int open_plain(void)
{
	return openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
}

static int open_native(void)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | OPENAT2_REGULAR,
	};

	return syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

struct method {
	const char *name;
	int (*open)(void);
	bool enabled;
	const char *why_not;
	double best_ns;		/* per open, best round */
	double sum_ns;		/* all rounds */
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Returns ns per open, or -1 (errno set) if an open failed. */
static double run(struct method *m, long iterations)
{
	double t0 = now_ns();
	long i;
	int fd;

	for (i = 0; i < iterations; i++) {
		fd = m->open();
		if (fd < 0)
			return -1;
		close(fd);
	}
	return (now_ns() - t0) / iterations;
}

static void ratio(const struct method *a, const struct method *b)
{
	if (!a->enabled || !b->enabled)
		printf("%s/%s = n/a\n", a->name, b->name);
	else
		printf("%s/%s = %.2f\n", a->name, b->name,
		       b->best_ns / a->best_ns);
}

int main(int argc, char **argv)
{
	struct method m[] = {
		{ "kwish", open_kwish, true, NULL, 0, 0 },
		{ "workaround", open_workaround, true, NULL, 0, 0 },
		{ "openat", open_plain, true, NULL, 0, 0 },
		{ "native", open_native, false, "kernel has no OPENAT2_REGULAR",
		  0, 0 },
	};
	char tmpl[] = "/tmp/kwbench.XXXXXX";
	long iterations = 100000, rounds = 5, r;
	bool made = false;
	size_t i;
	int opt, fd;

	while ((opt = getopt(argc, argv, "n:r:f:h")) != -1) {
		switch (opt) {
		case 'n':
			iterations = atol(optarg);
			break;
		case 'r':
			rounds = atol(optarg);
			break;
		case 'f':
			path = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-n ITERATIONS] [-r ROUNDS] [-f FILE]\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (iterations < 1 || rounds < 1) {
		fprintf(stderr, "%s: -n and -r must be positive\n", argv[0]);
		return 2;
	}
	if (!path) {
		fd = mkstemp(tmpl);
		if (fd < 0 || write(fd, "kwish\n", 6) != 6) {
			perror("o_regular_bench: temporary file");
			return 1;
		}
		close(fd);
		path = tmpl;
		made = true;
	}

	kfd = kwish_open();
	fd = kfd < 0 ? -1 : open_kwish();
	if (kfd < 0) {
		m[0].enabled = false;
		m[0].why_not = kwish_core_missing(errno) ?
			"/dev/kwish missing (kwish_core not loaded)" :
			strerror(errno);
	} else if (fd < 0) {
		m[0].enabled = false;
		m[0].why_not = kwish_strerror(errno);
	} else {
		close(fd);
	}
	m[3].enabled = kwish_o_regular_native();

	printf("# o_regular_bench: %s, %ld rounds x %ld opens per method, interleaved\n",
	       path, rounds, iterations);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ARRAY_SIZE(m); i++) {
			double ns;

			if (!m[i].enabled)
				continue;
			ns = run(&m[i], iterations);
			if (ns < 0) {
				m[i].enabled = false;
				m[i].why_not = strerror(errno);
				continue;
			}
			if (!r || ns < m[i].best_ns)
				m[i].best_ns = ns;
			m[i].sum_ns += ns;
		}
	}

	printf("%-12s %14s %14s %14s\n", "method", "ns/open(best)",
	       "ns/open(mean)", "opens/s(best)");
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		if (!m[i].enabled) {
			printf("%-12s %14s %14s %14s  (%s)\n", m[i].name, "n/a",
			       "n/a", "n/a", m[i].why_not);
			continue;
		}
		printf("%-12s %14.0f %14.0f %14.0f\n", m[i].name, m[i].best_ns,
		       m[i].sum_ns / rounds, 1e9 / m[i].best_ns);
	}
	ratio(&m[0], &m[1]);
	ratio(&m[0], &m[2]);
	ratio(&m[1], &m[2]);
	if (m[3].enabled) {
		ratio(&m[3], &m[1]);
		ratio(&m[0], &m[3]);
	}
	if (made)
		unlink(tmpl);
	return 0;
}
