// SPDX-License-Identifier: GPL-2.0
/*
 * net_hook_overhead_bench: what a loaded but unused kwish_net costs
 * AF_UNIX traffic (target: at most 1 %).  Ping-pong between two
 * processes over a stream and over a datagram socketpair (one byte each
 * way, a round trip per iteration), timed with kwish_net loaded (no
 * socket uses a kwish option: only the setsockopt/getsockopt hooks are
 * installed) and with it unloaded, alternating in one boot.  Printed: ns
 * per round trip, best round of each, and "loaded/unloaded" ratios of
 * round trips per second (1.00 = no cost; 0.99 = 1 % fewer).  The
 * order of the two states alternates from round to round.  Cross-CPU
 * wakeups under TCG vary by far more than 1 % from run to run, so the
 * same per-message path is also timed in one process (send and receive
 * on a socketpair, no scheduler in between): that line resolves 1 %.
 *
 * Needs root (module loading); modules from $KWISH_MODULES_DIR (default
 * /kwish/modules).  Exits 0 whenever it measured something.
 *
 * Usage: net_hook_overhead_bench [-n ROUNDTRIPS] [-r ROUNDS]
 */
#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kwbench.h"

#define MODULE_NAME	"kwish_net"

/* ns per round trip over a new socketpair of @type, or -1. */
static double time_pingpong(int type, long n)
{
	double t0, ns = -1;
	int sv[2], status;
	char c = 'p';
	pid_t pid;
	long i;

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		close(sv[0]);
		while (read(sv[1], &c, 1) == 1)
			if (write(sv[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	t0 = kwb_now_ns();
	for (i = 0; i < n; i++)
		if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1)
			break;
	if (i == n)
		ns = (kwb_now_ns() - t0) / n;
	shutdown(sv[0], SHUT_RDWR);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
out:
	close(sv[0]);
	close(sv[1]);
	return ns;
}

/* ns per send + receive of one byte in one process, or -1. */
static double time_local(int type, long n)
{
	double t0, ns = -1;
	int sv[2];
	char c = 'l';
	long i;

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	t0 = kwb_now_ns();
	for (i = 0; i < n; i++)
		if (write(sv[0], &c, 1) != 1 || read(sv[1], &c, 1) != 1)
			break;
	if (i == n)
		ns = (kwb_now_ns() - t0) / n;
	close(sv[0]);
	close(sv[1]);
	return ns;
}

int main(int argc, char **argv)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM };
	static const char * const names[] = {
		"stream", "dgram", "stream-local", "dgram-local",
	};
	double best[4][2] = {
		{ 1e18, 1e18 }, { 1e18, 1e18 }, { 1e18, 1e18 }, { 1e18, 1e18 },
	};
	int rounds = 7, r, t, i, loaded;
	long n = 20000;

	if (kwb_options(argc, argv, &n, &rounds))
		return 2;
	if (geteuid() != 0) {
		printf("# net_hook_overhead_bench: needs root to unload %s, not run\n",
		       MODULE_NAME);
		return 0;
	}
	printf("# net_hook_overhead_bench: %d rounds x %ld AF_UNIX round trips per type, %s loaded (unused) and unloaded alternately\n",
	       rounds, n, MODULE_NAME);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 2; i++) {
			loaded = (r + i) % 2;
			/* reload: a fresh module has no per-message hook */
			if (kwb_module_loaded(MODULE_NAME) &&
			    kwb_module_unload(MODULE_NAME) < 0) {
				printf("# cannot unload %s: %s\n", MODULE_NAME,
				       strerror(errno));
				goto out;
			}
			if (loaded && kwb_module_load(MODULE_NAME, "") < 0) {
				printf("# cannot load %s: %s\n", MODULE_NAME,
				       strerror(errno));
				goto out;
			}
			for (t = 0; t < 4; t++) {
				double ns = t < 2 ? time_pingpong(types[t], n) :
					    time_local(types[t - 2], n);

				if (ns < 0) {
					printf("# ping-pong %s: %s\n", names[t],
					       strerror(errno));
					goto out;
				}
				if (ns < best[t][loaded])
					best[t][loaded] = ns;
			}
		}
	}
	printf("%-13s %22s %24s %10s\n", "AF_UNIX", "ns/roundtrip(loaded)",
	       "ns/roundtrip(unloaded)", "ratio");
	for (t = 0; t < 4; t++)
		printf("%-13s %22.0f %24.0f %10.3f\n", names[t], best[t][1],
		       best[t][0], best[t][0] / best[t][1]);
	for (t = 0; t < 4; t++)
		printf("AF_UNIX %s%s: loaded/unloaded = %.3f\n", names[t],
		       t < 2 ? " ping-pong" : " send+recv",
		       best[t][0] / best[t][1]);
out:
	if (!kwb_module_loaded(MODULE_NAME))
		kwb_module_load(MODULE_NAME, "");
	return 0;
}
