// SPDX-License-Identifier: GPL-2.0
/*
 * link_replace_bench: atomic replacements of a small file per second
 * (wish-list item 7), two ways, each writing the same SIZE bytes:
 *
 *   kwish       open(dir, O_TMPFILE), write, KWISH_LINK_REPLACE over the
 *               name, close: no name ever exists for the new file until it
 *               is complete, nothing to clean up after a crash
 *   workaround  today's way (systemd's, glibc-free): open a random name
 *               O_CREAT|O_EXCL, write, renameat() over the name, close.
 *               A crash leaves the random name behind
 *
 * No fsync() in either (it would measure the disk; both would pay it
 * equally).  The methods run interleaved, ROUNDS rounds of ITERATIONS
 * replacements each; the table shows the best round of each, the ratio
 * compares replacements per second ("kwish/workaround = 1.10": kwish does
 * 1.1 times as many).  A benchmark, never a test: it exits 0 whenever it
 * could measure something.
 *
 * Usage: link_replace_bench [-n ITERATIONS] [-r ROUNDS] [-s SIZE] [-d DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include "kwbench.h"
#include "libkwish.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NAME		"bench.conf"

static int dir_fd = -1;
static int kfd = -1;
static char *data;
static size_t size = 4096;

static int write_all(int fd)
{
	return write(fd, data, size) == (ssize_t)size ? 0 : -1;
}

static int replace_kwish(void)
{
	struct kwish_link_replace arg = {
		.size = sizeof(arg),
		.dirfd = dir_fd,
		.name = (uintptr_t)NAME,
	};
	int fd, ret;

	fd = openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	arg.fd = fd;
	ret = write_all(fd);
	if (!ret)
		ret = ioctl(kfd, KWISH_LINK_REPLACE, &arg);
	close(fd);
	return ret;
}

static int replace_workaround(void)
{
	unsigned long long r = 0;
	char tmp[64];
	int fd, ret;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		return -1;
	snprintf(tmp, sizeof(tmp), "." NAME ".%016llx", r);
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);
	if (fd < 0)
		return -1;
	ret = write_all(fd);
	if (!ret)
		ret = renameat(dir_fd, tmp, dir_fd, NAME);
	if (ret)
		unlinkat(dir_fd, tmp, 0);
	close(fd);
	return ret;
}

struct method {
	struct kwb_method b;
	int (*replace)(void);
};

/* Returns ns per replacement, or -1 (errno set) if a step failed. */
static double run(struct method *m, long iterations)
{
	double t0 = kwb_now_ns();
	long i;

	for (i = 0; i < iterations; i++)
		if (m->replace() < 0)
			return -1;
	return (kwb_now_ns() - t0) / iterations;
}

int main(int argc, char **argv)
{
	struct method m[] = {
		{ .b = { .name = "kwish", .enabled = true },
		  .replace = replace_kwish },
		{ .b = { .name = "workaround", .enabled = true },
		  .replace = replace_workaround },
	};
	char tmpl[] = "/tmp/kwbench07.XXXXXX";
	long iterations = 3000, rounds = 5, r;
	const char *dir = NULL;
	bool made = false;
	size_t i;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:s:d:h")) != -1) {
		switch (opt) {
		case 'n':
			iterations = atol(optarg);
			break;
		case 'r':
			rounds = atol(optarg);
			break;
		case 's':
			size = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-n ITERATIONS] [-r ROUNDS] [-s SIZE] [-d DIR]\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (iterations < 1 || rounds < 1 || !size) {
		fprintf(stderr, "%s: -n, -r and -s must be positive\n", argv[0]);
		return 2;
	}
	data = malloc(size);
	if (!data)
		return 1;
	memset(data, 'k', size);
	dir_fd = kwb_open_dir(argv[0], &dir, tmpl, &made, O_RDONLY);
	if (dir_fd < 0)
		return 1;
	kfd = kwb_open_kwish(&m[0].b);
	/* One try: is KWISH_LINK_REPLACE there at all? */
	if (kfd >= 0 && replace_kwish() < 0)
		kwb_disable(&m[0].b, errno);

	printf("# link_replace_bench: %s, %ld rounds x %ld replacements of %zu bytes per method, interleaved\n",
	       dir, rounds, iterations, size);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ARRAY_SIZE(m); i++)
			if (m[i].b.enabled)
				kwb_record(&m[i].b, run(&m[i], iterations), r);
	}

	kwb_print_head("replace", "replace");
	for (i = 0; i < ARRAY_SIZE(m); i++)
		kwb_print_row(&m[i].b, rounds);
	kwb_ratio(&m[0].b, &m[1].b);
	unlinkat(dir_fd, NAME, 0);
	close(dir_fd);
	if (made)
		rmdir(tmpl);
	free(data);
	return 0;
}
