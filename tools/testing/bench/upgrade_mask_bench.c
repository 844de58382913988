// SPDX-License-Identifier: GPL-2.0
/*
 * upgrade_mask_bench: what item 24 (KWISH_FD_RESTRICT) costs.
 *
 *   idle      open()+close() of an ordinary file, no restriction in the
 *             system: the security_file_open() hook's filter reads one
 *             counter and lets the call through
 *   active    the same while a restricted fd exists: the filter compares
 *             the file's dentry with its mount's root (not the root of an
 *             ordinary file), no lookup
 *   procfs    re-open of a plain O_PATH fd through /proc/self/fd/N
 *             (today's way, no restriction)
 *   reopen    re-open of a restricted (UPGRADE_NOWRITE) O_PATH fd through
 *             /proc/self/fd/N for reading: the RCU hash lookup on top
 *
 * Printed ratios: idle/active (the cost for everybody else of a
 * restriction existing) and procfs/reopen (the cost of the check on a
 * restricted re-open).  The cost with kwish_fs not loaded at all is that
 * of "idle" minus one ftrace callback; compare across boots.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "kwbench.h"
#include "libkwish.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static char file[] = "/tmp/kwbench24.XXXXXX";
static char link_path[64];

static double run_open(const char *path, long iterations)
{
	double t0 = kwb_now_ns();
	long i;
	int fd;

	for (i = 0; i < iterations; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		close(fd);
	}
	return (kwb_now_ns() - t0) / iterations;
}

int main(int argc, char **argv)
{
	struct kwb_method idle = { .name = "idle", .enabled = true };
	struct kwb_method active = { .name = "active", .enabled = true };
	struct kwb_method procfs = { .name = "procfs", .enabled = true };
	struct kwb_method reopen = { .name = "reopen", .enabled = true };
	long iterations = 20000, rounds = 5, r;
	char plain_link[64];
	int fd, pfd, rfd = -1;

	if (argc > 1)
		iterations = atol(argv[1]);
	fd = mkstemp(file);
	if (fd < 0) {
		perror("upgrade_mask_bench: mkstemp");
		return 1;
	}
	close(fd);
	pfd = open(file, O_PATH | O_CLOEXEC);
	snprintf(plain_link, sizeof(plain_link), "/proc/self/fd/%d", pfd);

	printf("# upgrade_mask_bench: %s, %ld rounds x %ld opens per method, interleaved\n",
	       file, rounds, iterations);
	for (r = 0; r < rounds; r++) {
		kwb_record(&idle, run_open(file, iterations), r);
		kwb_record(&procfs, run_open(plain_link, iterations), r);
		rfd = kwish_fd_restrict(pfd, UPGRADE_NOWRITE, 0);
		if (rfd < 0) {
			active.enabled = reopen.enabled = false;
			active.why_not = reopen.why_not = kwish_strerror(errno);
		} else {
			snprintf(link_path, sizeof(link_path),
				 "/proc/self/fd/%d", rfd);
			kwb_record(&active, run_open(file, iterations), r);
			kwb_record(&reopen, run_open(link_path, iterations), r);
			close(rfd);
			/* let kwish_fs free the restriction before "idle" */
			usleep(400 * 1000);
		}
	}
	kwb_print_head("open", "opens");
	kwb_print_row(&idle, rounds);
	kwb_print_row(&active, rounds);
	kwb_print_row(&procfs, rounds);
	kwb_print_row(&reopen, rounds);
	kwb_ratio(&idle, &active);
	kwb_ratio(&procfs, &reopen);
	close(pfd);
	unlink(file);
	return 0;
}
