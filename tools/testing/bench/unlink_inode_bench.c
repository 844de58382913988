// SPDX-License-Identifier: GPL-2.0
/*
 * unlink_inode_bench: removals per second of a file whose owner holds an
 * fd to it (the lock-file case of wish-list item 10), three ways:
 *
 *   kwish       KWISH_UNLINK_INODE on /dev/kwish: remove the name only if
 *               it is still the inode of the owner's fd (atomic)
 *   workaround  today's user-space way: fstat() the owner's fd, open the
 *               name O_PATH|O_NOFOLLOW, fstat() it, compare st_dev and
 *               st_ino, unlinkat(), close the O_PATH fd.  Racy: the name
 *               can be replaced between the fstat() and the unlinkat(),
 *               and then the other file is removed
 *   unlinkat    a plain unlinkat() with no check at all (the floor)
 *
 * Each iteration creates the file (O_CREAT|O_EXCL, the fd kept as the
 * owner's), then removes it the method's way, then closes the fd; only
 * the removal is timed (CLOCK_MONOTONIC around it).  The methods run
 * interleaved, ROUNDS rounds of ITERATIONS removals each; the table shows
 * the best round of each, and the ratios compare removals per second
 * ("kwish/workaround = 1.50": kwish does 1.5 times as many removals per
 * second).  A benchmark, never a test: it exits 0 whenever it could
 * measure something.
 *
 * Usage: unlink_inode_bench [-n ITERATIONS] [-r ROUNDS] [-d DIR]
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

#include "kwbench.h"
#include "libkwish.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NAME		"bench.lock"

static int dir_fd = -1;
static int kfd = -1;

static int remove_kwish(int fd)
{
	struct kwish_unlink_inode arg = {
		.size = sizeof(arg),
		.dirfd = dir_fd,
		.inode_fd = fd,
		.name = (uintptr_t)NAME,
	};

	return ioctl(kfd, KWISH_UNLINK_INODE, &arg);
}

static int remove_workaround(int fd)
{
	struct stat mine, now;
	int pfd;

	if (fstat(fd, &mine) < 0)
		return -1;
	pfd = openat(dir_fd, NAME, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	if (fstat(pfd, &now) < 0) {
		close(pfd);
		return -1;
	}
	if (now.st_dev != mine.st_dev || now.st_ino != mine.st_ino) {
		close(pfd);
		errno = ESTALE;
		return -1;
	}
	/* <- another process may replace the name right here */
	if (unlinkat(dir_fd, NAME, 0) < 0) {
		close(pfd);
		return -1;
	}
	return close(pfd);
}

static int remove_plain(int fd)
{
	return unlinkat(dir_fd, NAME, 0);
}

struct method {
	struct kwb_method b;	/* name, state, results */
	int (*remove)(int fd);
};

/* Returns ns per removal, or -1 (errno set) if a step failed. */
static double run(struct method *m, long iterations)
{
	double total = 0, t0;
	long i;
	int fd, ret, err;

	for (i = 0; i < iterations; i++) {
		fd = openat(dir_fd, NAME, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			    0644);
		if (fd < 0)
			return -1;
		t0 = kwb_now_ns();
		ret = m->remove(fd);
		total += kwb_now_ns() - t0;
		err = errno;
		close(fd);
		if (ret < 0) {
			unlinkat(dir_fd, NAME, 0);
			errno = err;
			return -1;
		}
	}
	return total / iterations;
}

int main(int argc, char **argv)
{
	struct method m[] = {
		{ .b = { .name = "kwish", .enabled = true },
		  .remove = remove_kwish },
		{ .b = { .name = "workaround", .enabled = true },
		  .remove = remove_workaround },
		{ .b = { .name = "unlinkat", .enabled = true },
		  .remove = remove_plain },
	};
	char tmpl[] = "/tmp/kwbench10.XXXXXX";
	long iterations = 50000, rounds = 5, r;
	const char *dir = NULL;
	bool made = false;
	size_t i;
	int opt, fd;

	while ((opt = getopt(argc, argv, "n:r:d:h")) != -1) {
		switch (opt) {
		case 'n':
			iterations = atol(optarg);
			break;
		case 'r':
			rounds = atol(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-n ITERATIONS] [-r ROUNDS] [-d DIR]\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (iterations < 1 || rounds < 1) {
		fprintf(stderr, "%s: -n and -r must be positive\n", argv[0]);
		return 2;
	}
	dir_fd = kwb_open_dir(argv[0], &dir, tmpl, &made, O_PATH);
	if (dir_fd < 0)
		return 1;
	kfd = kwb_open_kwish(&m[0].b);
	if (kfd >= 0) {
		/* One try: is KWISH_UNLINK_INODE there at all? */
		fd = openat(dir_fd, NAME, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			    0644);
		if (fd >= 0 && remove_kwish(fd) < 0) {
			kwb_disable(&m[0].b, errno);
			unlinkat(dir_fd, NAME, 0);
		}
		if (fd >= 0)
			close(fd);
	}

	printf("# unlink_inode_bench: %s, %ld rounds x %ld removals per method, interleaved\n",
	       dir, rounds, iterations);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ARRAY_SIZE(m); i++)
			if (m[i].b.enabled)
				kwb_record(&m[i].b, run(&m[i], iterations), r);
	}

	kwb_print_head("rm", "rm");
	for (i = 0; i < ARRAY_SIZE(m); i++)
		kwb_print_row(&m[i].b, rounds);
	kwb_ratio(&m[0].b, &m[1].b);
	kwb_ratio(&m[0].b, &m[2].b);
	kwb_ratio(&m[1].b, &m[2].b);
	close(dir_fd);
	if (made)
		rmdir(tmpl);
	return 0;
}
