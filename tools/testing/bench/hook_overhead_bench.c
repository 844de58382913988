// SPDX-License-Identifier: GPL-2.0
/*
 * hook_overhead_bench: what kwish_fs's vfs_open() hook (item 8) costs the
 * rest of the system.  Every open in the system passes the hook, so plain
 * openat()+close() of a regular file and of /dev/null are timed with
 * kwish_fs loaded and with it unloaded, alternating ROUNDS times in one
 * boot (the module is removed and loaded again between rounds).  Printed:
 * the best round of each, and "loaded/unloaded" ratios of opens per
 * second (1.00 = no cost; 0.95 = 5 % fewer opens per second).
 *
 * Needs root (module loading) and the modules in $KWISH_MODULES_DIR
 * (default /kwish/modules).  A benchmark, never a test: exits 0 whenever
 * it measured something.
 *
 * Usage: hook_overhead_bench [-n ITERATIONS] [-r ROUNDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kwbench.h"

#define MODULE_NAME	"kwish_fs"

/* ns per openat()+close() of @path over @n iterations, or -1. */
static double time_opens(const char *path, long n)
{
	double t0 = kwb_now_ns();
	long i;

	for (i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return -1;
		close(fd);
	}
	return (kwb_now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
	const char *paths[] = { NULL, "/dev/null" };
	const char *names[] = { "regular file", "/dev/null" };
	double best[2][2] = { { 1e18, 1e18 }, { 1e18, 1e18 } };
	char file[] = "/tmp/kwhookbenchXXXXXX";
	long n = 100000;
	int rounds = 5, r, p, loaded, fd;

	if (kwb_options(argc, argv, &n, &rounds))
		return 2;
	if (geteuid() != 0) {
		printf("# hook_overhead_bench: needs root to unload %s, not run\n",
		       MODULE_NAME);
		return 0;
	}
	fd = mkstemp(file);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	paths[0] = file;

	printf("# hook_overhead_bench: %d rounds x %ld openat()+close() per case, %s loaded and unloaded alternately\n",
	       rounds, n, MODULE_NAME);
	for (r = 0; r < rounds; r++) {
		for (loaded = 1; loaded >= 0; loaded--) {
			if (kwb_module_loaded(MODULE_NAME) != loaded &&
			    (loaded ? kwb_module_load(MODULE_NAME, "") :
				      kwb_module_unload(MODULE_NAME)) < 0) {
				printf("# cannot %s %s: %s\n",
				       loaded ? "load" : "unload", MODULE_NAME,
				       strerror(errno));
				goto out;
			}
			for (p = 0; p < 2; p++) {
				double ns = time_opens(paths[p], n);

				if (ns < 0) {
					printf("# open %s: %s\n", paths[p],
					       strerror(errno));
					goto out;
				}
				if (ns < best[p][loaded])
					best[p][loaded] = ns;
			}
		}
	}
	printf("%-14s %18s %20s %10s\n", "open of", "ns/open(loaded)",
	       "ns/open(unloaded)", "ratio");
	for (p = 0; p < 2; p++)
		printf("%-14s %18.0f %20.0f %10.3f\n", names[p], best[p][1],
		       best[p][0], best[p][0] / best[p][1]);
	for (p = 0; p < 2; p++)
		printf("openat %s: loaded/unloaded = %.3f\n", names[p],
		       best[p][0] / best[p][1]);
out:
	if (!kwb_module_loaded(MODULE_NAME))
		kwb_module_load(MODULE_NAME, "");
	unlink(file);
	return 0;
}
