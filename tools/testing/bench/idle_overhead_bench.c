// SPDX-License-Identifier: GPL-2.0
/*
 * idle_overhead_bench: what each kwish module costs unrelated system
 * calls while it is loaded and nobody uses it, and what kwish_core's
 * syscall backport switch (syscalls=1) costs every syscall.
 *
 * Cheap calls, where a per-call cost shows most: getppid(), a one-byte
 * pread() of /dev/zero, openat()+close() of a tmpfs file, a one-byte
 * write()+read() through a pipe, and a one-byte send()+recv() on an
 * AF_UNIX datagram socketpair.  Each is timed with no kwish module
 * loaded, with kwish_core alone, with kwish_core and one of kwish_fs,
 * kwish_mount and kwish_net, with all kwish modules, and with all of
 * them and kwish_core syscalls=1, the configurations taking turns ROUNDS
 * times in one boot (default 7), each round starting with the next
 * configuration, so that none is always measured first.  Printed: the
 * best round of each, as the ratio of calls per second against no kwish
 * module (1.000 = no cost; 0.800 = 20 % fewer calls), and per
 * configuration its worst ratio ("idle overhead of ...").
 *
 * Needs root (module loading) and the modules in $KWISH_MODULES_DIR
 * (default /kwish/modules).  Leaves every module that was loaded loaded
 * again, the switch as it found it.  A benchmark, never a test: exits 0
 * whenever it measured something.
 *
 * Usage: idle_overhead_bench [-n ITERATIONS] [-r ROUNDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kwbench.h"

#define SWITCH	"/sys/module/kwish_core/parameters/syscalls"

static const char *const features[] = { "kwish_fs", "kwish_mount",
					"kwish_net", "kwish_loop",
					"kwish_cgroup" };
#define NFEATURES	(sizeof(features) / sizeof(features[0]))

/* A configuration: kwish_core loaded or not, which features, the switch. */
static const struct {
	const char *name;
	int core;
	unsigned int features;		/* bit i: features[i] */
	int syscalls;
} configs[] = {
	{ "none", 0, 0, 0 },
	{ "kwish_core", 1, 0, 0 },
	{ "+kwish_fs", 1, 1, 0 },
	{ "+kwish_mount", 1, 2, 0 },
	{ "+kwish_net", 1, 4, 0 },
	{ "all", 1, 31, 0 },
	{ "all,syscalls=1", 1, 31, 1 },
};
#define NCONFIGS	(sizeof(configs) / sizeof(configs[0]))

static int zero_fd = -1, file_fd = -1, pipe_fd[2] = { -1, -1 };
static int sock_fd[2] = { -1, -1 };
static char file[] = "/tmp/kwidlebenchXXXXXX";

static long call_getppid(void)
{
	return syscall(SYS_getppid);
}

static long call_pread(void)
{
	char c;

	return pread(zero_fd, &c, 1, 0) == 1 ? 0 : -1;
}

static long call_open(void)
{
	int fd = openat(AT_FDCWD, file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return close(fd);
}

static long call_pipe(void)
{
	char c = 'x';

	if (write(pipe_fd[1], &c, 1) != 1)
		return -1;
	return read(pipe_fd[0], &c, 1) == 1 ? 0 : -1;
}

static long call_unix(void)
{
	char c = 'x';

	if (send(sock_fd[0], &c, 1, 0) != 1)
		return -1;
	return recv(sock_fd[1], &c, 1, 0) == 1 ? 0 : -1;
}

static const struct {
	const char *name;
	long (*call)(void);
} cases[] = {
	{ "getppid()", call_getppid },
	{ "pread(/dev/zero, 1)", call_pread },
	{ "openat()+close()", call_open },
	{ "pipe write+read", call_pipe },
	{ "unix dgram send+recv", call_unix },
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

static int set_switch(int on)
{
	int fd = open(SWITCH, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, on ? "1" : "0", 1);
	close(fd);
	return n == 1 ? 0 : -1;
}

static int get_switch(void)
{
	char c = 'N';
	int fd = open(SWITCH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = 'N';
	close(fd);
	return c == 'Y' || c == '1';
}

/* Unload, with a few tries: an unload may find the module briefly busy. */
static int unload(const char *name)
{
	int i;

	for (i = 0; i < 50 && kwb_module_loaded(name); i++) {
		if (kwb_module_unload(name) == 0)
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -1;
		usleep(100000);
	}
	return kwb_module_loaded(name) ? -1 : 0;
}

static int load(const char *name)
{
	if (kwb_module_loaded(name))
		return 0;
	return kwb_module_load(name, "");
}

/* Load and unload modules to reach configuration @k. */
static int apply(unsigned int k)
{
	unsigned int i;

	for (i = 0; i < NFEATURES; i++)
		if (!(configs[k].features & (1U << i)) &&
		    unload(features[i]) < 0)
			return -1;
	if (!configs[k].core) {
		if (unload("kwish_core") < 0)
			return -1;
		return 0;
	}
	if (load("kwish_core") < 0)
		return -1;
	for (i = 0; i < NFEATURES; i++)
		if ((configs[k].features & (1U << i)) && load(features[i]) < 0)
			return -1;
	return set_switch(configs[k].syscalls);
}

int main(int argc, char **argv)
{
	double best[NCASES][NCONFIGS];
	bool had[NFEATURES], had_core, any = false;
	int rounds = 7, r, had_switch;
	long n = 100000;
	unsigned int c, k, i;

	if (kwb_options(argc, argv, &n, &rounds))
		return 2;
	if (geteuid() != 0) {
		printf("# idle_overhead_bench: needs root to load and unload modules, not run\n");
		return 0;
	}
	zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	file_fd = mkstemp(file);
	if (zero_fd < 0 || file_fd < 0 || pipe(pipe_fd) < 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sock_fd) < 0) {
		perror("idle_overhead_bench: setup");
		return 1;
	}
	for (i = 0; i < NFEATURES; i++)
		any |= had[i] = kwb_module_loaded(features[i]);
	had_core = kwb_module_loaded("kwish_core");
	had_switch = get_switch();
	for (c = 0; c < NCASES; c++)
		for (k = 0; k < NCONFIGS; k++)
			best[c][k] = 1e18;

	printf("# idle_overhead_bench: %d rounds x %ld calls per case and configuration, configurations in turn\n",
	       rounds, n);
	for (r = 0; r < rounds; r++) {
		/* each round starts with another configuration */
		for (i = 0; i < NCONFIGS; i++) {
			k = (i + r) % NCONFIGS;
			if (apply(k) < 0) {
				printf("# cannot reach configuration %s: %s\n",
				       configs[k].name, strerror(errno));
				goto out;
			}
			for (c = 0; c < NCASES; c++) {
				double ns = time_calls(c, n);

				if (ns < 0) {
					printf("# %s: %s\n", cases[c].name,
					       strerror(errno));
					goto out;
				}
				if (ns < best[c][k])
					best[c][k] = ns;
			}
		}
	}
	printf("%-22s %9s", "call (ns with none)", "none");
	for (k = 1; k < NCONFIGS; k++)
		printf(" %15s", configs[k].name);
	printf("\n");
	for (c = 0; c < NCASES; c++) {
		printf("%-22s %9.0f", cases[c].name, best[c][0]);
		for (k = 1; k < NCONFIGS; k++)
			printf(" %15.3f", best[c][0] / best[c][k]);
		printf("\n");
	}
	for (k = 1; k < NCONFIGS; k++) {
		double worst = 1e18;
		unsigned int wc = 0;

		for (c = 0; c < NCASES; c++)
			if (best[c][0] / best[c][k] < worst) {
				worst = best[c][0] / best[c][k];
				wc = c;
			}
		printf("idle overhead of %s: worst ratio %.3f (%s)\n",
		       configs[k].name, worst, cases[wc].name);
	}
out:
	/* back to what was loaded, in dependency order */
	if (had_core || any)
		load("kwish_core");
	for (i = 0; i < NFEATURES; i++)
		if (had[i])
			load(features[i]);
		else
			unload(features[i]);
	if (had_core || any)
		set_switch(had_switch);
	else
		unload("kwish_core");
	close(zero_fd);
	close(file_fd);
	unlink(file);
	return 0;
}
