// SPDX-License-Identifier: GPL-2.0
/*
 * syscall_probe_bench: what kwish_mount's sys_enter probe (item 25 on
 * kernels without statmount/listmount) costs every other system call.
 * While the probe is registered, every task takes the syscall slow path
 * (syscall_trace_enter()), so a cheap syscall is where it shows most.
 *
 * getppid() and a one-byte pread() of /dev/zero are timed with kwish_mount
 * loaded as by default (syscalls=1) and loaded with syscalls=0 (no probe,
 * statmount/listmount only through /dev/kwish), alternating ROUNDS times
 * in one boot.  Printed: the best round of each, and "probe/no probe"
 * ratios of calls per second (1.00 = no cost; 0.80 = 20 % fewer calls).
 * On a kernel with native statmount kwish_mount registers no probe and
 * both columns measure the same thing.
 *
 * Needs root (module loading) and the modules in $KWISH_MODULES_DIR
 * (default /kwish/modules).  A benchmark, never a test: exits 0 whenever
 * it measured something.
 *
 * Usage: syscall_probe_bench [-n ITERATIONS] [-r ROUNDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kwbench.h"

#define MODULE_NAME	"kwish_mount"

static int zero_fd = -1;

static long call_getppid(void)
{
	return syscall(SYS_getppid);
}

static long call_pread(void)
{
	char c;

	return pread(zero_fd, &c, 1, 0) == 1 ? 0 : -1;
}

static const struct {
	const char *name;
	long (*call)(void);
} cases[] = {
	{ "getppid()", call_getppid },
	{ "pread(/dev/zero, 1)", call_pread },
};

#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* ns per call of case @c over @n iterations, or -1. */
static double time_calls(unsigned int c, long n)
{
	double t0 = kwb_now_ns();
	long i;

	for (i = 0; i < n; i++)
		if (cases[c].call() < 0)
			return -1;
	return (kwb_now_ns() - t0) / n;
}

/* Load kwish_mount with its syscalls parameter set to @probe. */
static int module_reload(int probe)
{
	if (kwb_module_loaded(MODULE_NAME) &&
	    kwb_module_unload(MODULE_NAME) < 0)
		return -1;
	return kwb_module_load(MODULE_NAME,
			       probe ? "syscalls=1" : "syscalls=0");
}

int main(int argc, char **argv)
{
	double best[NCASES][2];
	long n = 200000;
	int rounds = 5, opt, r, probe;
	unsigned int c;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			n = atol(optarg);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else
			return 2;
	}
	if (geteuid() != 0) {
		printf("# syscall_probe_bench: needs root to reload %s, not run\n",
		       MODULE_NAME);
		return 0;
	}
	zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (zero_fd < 0) {
		perror("/dev/zero");
		return 1;
	}
	for (c = 0; c < NCASES; c++)
		best[c][0] = best[c][1] = 1e18;

	printf("# syscall_probe_bench: %d rounds x %ld calls per case, %s with syscalls=1 and syscalls=0 alternately\n",
	       rounds, n, MODULE_NAME);
	for (r = 0; r < rounds; r++) {
		for (probe = 1; probe >= 0; probe--) {
			if (module_reload(probe) < 0) {
				printf("# cannot load %s syscalls=%d: %s\n",
				       MODULE_NAME, probe, strerror(errno));
				goto out;
			}
			for (c = 0; c < NCASES; c++) {
				double ns = time_calls(c, n);

				if (ns < 0) {
					printf("# %s: %s\n", cases[c].name,
					       strerror(errno));
					goto out;
				}
				if (ns < best[c][probe])
					best[c][probe] = ns;
			}
		}
	}
	printf("%-22s %16s %18s %8s\n", "call", "ns/call(probe)",
	       "ns/call(no probe)", "ratio");
	for (c = 0; c < NCASES; c++)
		printf("%-22s %16.0f %18.0f %8.3f\n", cases[c].name,
		       best[c][1], best[c][0], best[c][0] / best[c][1]);
	for (c = 0; c < NCASES; c++)
		printf("%s with the sys_enter probe: probe/no probe = %.3f\n",
		       cases[c].name, best[c][0] / best[c][1]);
out:
	module_reload(1);
	close(zero_fd);
	return 0;
}
