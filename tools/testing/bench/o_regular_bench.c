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

#include "kwbench.h"
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
	struct kwb_method b;	/* name, state, results */
	int (*open)(void);
};

/* Returns ns per open, or -1 (errno set) if an open failed. */
static double run(struct method *m, long iterations)
{
	double t0 = kwb_now_ns();
	long i;
	int fd;

	for (i = 0; i < iterations; i++) {
		fd = m->open();
		if (fd < 0)
			return -1;
		close(fd);
	}
	return (kwb_now_ns() - t0) / iterations;
}

int main(int argc, char **argv)
{
	struct method m[] = {
		{ .b = { .name = "kwish", .enabled = true },
		  .open = open_kwish },
		{ .b = { .name = "workaround", .enabled = true },
		  .open = open_workaround },
		{ .b = { .name = "openat", .enabled = true },
		  .open = open_plain },
		{ .b = { .name = "native",
			 .why_not = "kernel has no OPENAT2_REGULAR" },
		  .open = open_native },
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
		m[0].b.enabled = false;
		m[0].b.why_not = kwish_core_missing(errno) ?
			"/dev/kwish missing (kwish_core not loaded)" :
			strerror(errno);
	} else if (fd < 0) {
		m[0].b.enabled = false;
		m[0].b.why_not = kwish_strerror(errno);
	} else {
		close(fd);
	}
	m[3].b.enabled = kwish_o_regular_native();

	printf("# o_regular_bench: %s, %ld rounds x %ld opens per method, interleaved\n",
	       path, rounds, iterations);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ARRAY_SIZE(m); i++)
			if (m[i].b.enabled)
				kwb_record(&m[i].b, run(&m[i], iterations), r);
	}

	kwb_print_head("open", "opens");
	for (i = 0; i < ARRAY_SIZE(m); i++)
		kwb_print_row(&m[i].b, rounds);
	kwb_ratio(&m[0].b, &m[1].b);
	kwb_ratio(&m[0].b, &m[2].b);
	kwb_ratio(&m[1].b, &m[2].b);
	if (m[3].b.enabled) {
		kwb_ratio(&m[3].b, &m[1].b);
		kwb_ratio(&m[0].b, &m[3].b);
	}
	if (made)
		unlink(tmpl);
	return 0;
}
