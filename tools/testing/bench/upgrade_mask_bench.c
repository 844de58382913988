// SPDX-License-Identifier: GPL-2.0
/*
 * upgrade_mask_bench: what item 24 (KWISH_UPGRADE_MASK) costs.
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
 *   free1     close of one restricted fd, until kwish_fs has freed the
 *             restriction (its module reference count is back)
 *   free256   the same for 256 closed together, per restriction: the
 *             collector frees them in batches, one RCU grace period per
 *             32 (kern_unmount_array()), not one each
 *
 * Printed ratios: idle/active (the cost for everybody else of a
 * restriction existing), procfs/reopen (the cost of the check on a
 * restricted re-open) and free256/free1 (how many times cheaper one
 * restriction is to free among 256 than alone: what batching saves; near
 * 1 would mean a grace period per restriction).  The cost with kwish_fs
 * not loaded at all is that of "idle" minus one ftrace callback; compare
 * across boots.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kwbench.h"
#include "libkwish.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static char file[] = "/tmp/kwbench24.XXXXXX";
static char link_path[64];

static long fs_refcnt(void)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/module/kwish_fs/refcnt", "r");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return atol(buf);
}

/*
 * ns per restriction to free @n restrictions of @pfd: from closing their
 * fds until kwish_fs's reference count is back where it was.
 */
static double run_free(int pfd, int n)
{
	long base = fs_refcnt();
	int fds[256], i;
	double t0;

	if (base < 0) {
		errno = ENOENT;
		return -1;
	}
	for (i = 0; i < n; i++) {
		fds[i] = kwish_upgrade_mask(pfd, UPGRADE_NOWRITE, 0);
		if (fds[i] < 0) {
			while (i--)
				close(fds[i]);
			return -1;
		}
	}
	t0 = kwb_now_ns();
	for (i = 0; i < n; i++)
		close(fds[i]);
	while (fs_refcnt() > base && kwb_now_ns() - t0 < 60e9)
		usleep(200);
	return (kwb_now_ns() - t0) / n;
}

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
	struct kwb_method free1 = { .name = "free1", .enabled = true };
	struct kwb_method free256 = { .name = "free256", .enabled = true };
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
		rfd = kwish_upgrade_mask(pfd, UPGRADE_NOWRITE, 0);
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
		kwb_record(&free1, run_free(pfd, 1), r);
		kwb_record(&free256, run_free(pfd, 256), r);
	}
	kwb_print_head("open", "opens");
	kwb_print_row(&idle, rounds);
	kwb_print_row(&active, rounds);
	kwb_print_row(&procfs, rounds);
	kwb_print_row(&reopen, rounds);
	kwb_ratio(&idle, &active);
	kwb_ratio(&procfs, &reopen);
	kwb_print_head("free", "frees");
	kwb_print_row(&free1, rounds);
	kwb_print_row(&free256, rounds);
	kwb_ratio(&free256, &free1);
	close(pfd);
	unlink(file);
	return 0;
}
