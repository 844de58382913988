/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kwbench.h - what kwish's benchmarks share: a monotonic clock, and for
 * the benchmarks that time methods in interleaved rounds, each method's
 * best and mean round, the result table and the ratio lines
 * ("a/b = 1.50": a does 1.5 times as many operations per second as b),
 * and for the benchmarks that compare a module loaded and unloaded, the
 * loading.  Header only, like the selftests' kwtap.h.
 */
#ifndef KWBENCH_H
#define KWBENCH_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "libkwish.h"

/*
 * The options of the benchmarks that take only these: -n ITERATIONS per
 * round into @n, -r ROUNDS into @rounds.  Returns 2 (the exit status of a
 * usage error) on any other option, else 0.
 */
static inline int kwb_options(int argc, char **argv, long *n, int *rounds)
{
	int opt;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			*n = atol(optarg);
		else if (opt == 'r')
			*rounds = atoi(optarg);
		else
			return 2;
	}
	return 0;
}

static inline double kwb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One method's results over the rounds. */
struct kwb_method {
	const char *name;
	bool enabled;
	const char *why_not;	/* when !enabled */
	double best_ns;		/* per operation, best round */
	double sum_ns;		/* all rounds */
};

/*
 * Record round @round's ns per operation, or a failure (@ns < 0, errno
 * set): the method is then disabled with strerror(errno) as the reason.
 */
static inline void kwb_record(struct kwb_method *m, double ns, long round)
{
	if (ns < 0) {
		m->enabled = false;
		m->why_not = strerror(errno);
		return;
	}
	if (!round || ns < m->best_ns)
		m->best_ns = ns;
	m->sum_ns += ns;
}

/* The table's head; @op names one operation ("open"), @ops per second. */
static inline void kwb_print_head(const char *op, const char *ops)
{
	char best[32], mean[32], rate[32];

	snprintf(best, sizeof(best), "ns/%s(best)", op);
	snprintf(mean, sizeof(mean), "ns/%s(mean)", op);
	snprintf(rate, sizeof(rate), "%s/s(best)", ops);
	printf("%-12s %14s %14s %14s\n", "method", best, mean, rate);
}

static inline void kwb_print_row(const struct kwb_method *m, long rounds)
{
	if (!m->enabled) {
		printf("%-12s %14s %14s %14s  (%s)\n", m->name, "n/a", "n/a",
		       "n/a", m->why_not);
		return;
	}
	printf("%-12s %14.0f %14.0f %14.0f\n", m->name, m->best_ns,
	       m->sum_ns / rounds, 1e9 / m->best_ns);
}

static inline void kwb_ratio(const struct kwb_method *a,
			     const struct kwb_method *b)
{
	if (!a->enabled || !b->enabled)
		printf("%s/%s = n/a\n", a->name, b->name);
	else
		printf("%s/%s = %.2f\n", a->name, b->name,
		       b->best_ns / a->best_ns);
}

/*
 * The benchmark's scratch directory: *@dir if the user gave one (-d),
 * else a new one from the mkdtemp() template @tmpl (then *@dir points to
 * it and *@made is set, for rmdir() at the end).  Returns an fd of it
 * opened with @oflags | O_DIRECTORY | O_CLOEXEC, or -1 (said on stderr).
 */
static inline int kwb_open_dir(const char *prog, const char **dir, char *tmpl,
			       bool *made, int oflags)
{
	int fd;

	if (!*dir) {
		if (!mkdtemp(tmpl)) {
			fprintf(stderr, "%s: temporary directory: %s\n", prog,
				strerror(errno));
			return -1;
		}
		*dir = tmpl;
		*made = true;
	}
	fd = open(*dir, oflags | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "%s: %s: %s\n", prog, *dir, strerror(errno));
	return fd;
}

/*
 * /dev/kwish for the kwish method @m: its fd, or -1 with @m disabled and
 * the reason recorded for the table.
 */
static inline int kwb_open_kwish(struct kwb_method *m)
{
	int kfd = kwish_open();

	if (kfd < 0) {
		m->enabled = false;
		m->why_not = kwish_core_missing(errno) ?
			"/dev/kwish missing (kwish_core not loaded)" :
			strerror(errno);
	}
	return kfd;
}

/* The command behind @m failed its first try: disable @m, say why. */
static inline void kwb_disable(struct kwb_method *m, int err)
{
	m->enabled = false;
	m->why_not = kwish_strerror(err);
}

/* Whether kernel module @name is loaded. */
static inline bool kwb_module_loaded(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

/* Unload kernel module @name (without waiting for its users). */
static inline int kwb_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/*
 * Load @name.ko from $KWISH_MODULES_DIR (default /kwish/modules) with
 * module parameters @params ("" for none).
 */
static inline int kwb_module_load(const char *name, const char *params)
{
	const char *dir = getenv("KWISH_MODULES_DIR");
	char ko[512];
	int fd, ret;

	snprintf(ko, sizeof(ko), "%s/%s.ko", dir ? dir : "/kwish/modules",
		 name);
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	return ret;
}

#endif /* KWBENCH_H */
