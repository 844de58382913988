// SPDX-License-Identifier: GPL-2.0
/*
 * create_open_bench: directories created and opened per second (wish-list
 * item 34), two ways:
 *
 *   kwish       KWISH_CREATE_OPEN: mkdir and an O_DIRECTORY fd to the
 *               directory created, in one call, race-free
 *   workaround  today's careful way: mkdirat(), openat(O_RDONLY |
 *               O_DIRECTORY | O_NOFOLLOW), fstat() to check that what was
 *               opened is a directory owned by the caller.  Still racy:
 *               another process can rename a directory of the caller's
 *               over the name in between
 *
 * Only creating and opening is timed; closing and removing the directory
 * is not.  The methods run interleaved, ROUNDS rounds of ITERATIONS
 * directories each; the table shows the best round of each, the ratio
 * compares directories per second ("kwish/workaround = 1.50": kwish does
 * 1.5 times as many).  A benchmark, never a test: it exits 0 whenever it
 * could measure something.
 *
 * Usage: create_open_bench [-n ITERATIONS] [-r ROUNDS] [-d DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "kwbench.h"
#include "libkwish.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NAME		"bench.d"

static int dir_fd = -1;
static int kfd = -1;

static int create_kwish(void)
{
	struct kwish_create_open arg = {
		.size = sizeof(arg),
		.dirfd = dir_fd,
		.mode = S_IFDIR | 0755,
		.pathname = (uintptr_t)NAME,
	};

	return ioctl(kfd, KWISH_CREATE_OPEN, &arg);
}

static int create_workaround(void)
{
	struct stat st;
	int fd;

	if (mkdirat(dir_fd, NAME, 0755) < 0)
		return -1;
	/* <- another process may rename its own directory over NAME here */
	fd = openat(dir_fd, NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid()) {
		close(fd);
		errno = EEXIST;
		return -1;
	}
	return fd;
}

struct method {
	struct kwb_method b;
	int (*create)(void);
};

/* Returns ns per directory, or -1 (errno set) if a step failed. */
static double run(struct method *m, long iterations)
{
	double total = 0, t0;
	long i;
	int fd;

	for (i = 0; i < iterations; i++) {
		t0 = kwb_now_ns();
		fd = m->create();
		total += kwb_now_ns() - t0;
		if (fd < 0)
			return -1;
		close(fd);
		if (unlinkat(dir_fd, NAME, AT_REMOVEDIR) < 0)
			return -1;
	}
	return total / iterations;
}

int main(int argc, char **argv)
{
	struct method m[] = {
		{ .b = { .name = "kwish", .enabled = true },
		  .create = create_kwish },
		{ .b = { .name = "workaround", .enabled = true },
		  .create = create_workaround },
	};
	char tmpl[] = "/tmp/kwbench34.XXXXXX";
	long iterations = 10000, rounds = 5, r;
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
		/* One try: is KWISH_CREATE_OPEN there at all? */
		fd = create_kwish();
		if (fd < 0) {
			kwb_disable(&m[0].b, errno);
		} else {
			close(fd);
			unlinkat(dir_fd, NAME, AT_REMOVEDIR);
		}
	}

	printf("# create_open_bench: %s, %ld rounds x %ld directories per method, interleaved\n",
	       dir, rounds, iterations);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ARRAY_SIZE(m); i++)
			if (m[i].b.enabled)
				kwb_record(&m[i].b, run(&m[i], iterations), r);
	}

	kwb_print_head("mkdir", "mkdir");
	for (i = 0; i < ARRAY_SIZE(m); i++)
		kwb_print_row(&m[i].b, rounds);
	kwb_ratio(&m[0].b, &m[1].b);
	unlinkat(dir_fd, NAME, AT_REMOVEDIR);
	close(dir_fd);
	if (made)
		rmdir(tmpl);
	return 0;
}
