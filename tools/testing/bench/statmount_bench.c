// SPDX-License-Identifier: GPL-2.0
/*
 * statmount_bench: what item 25 (statmount/listmount) saves over parsing
 * /proc/self/mountinfo, as the mount table grows.
 *
 * In a private mount namespace with N = 100, 1,000 and 10,000 extra
 * mounts (bind mounts of one tmpfs directory), per N:
 *
 *   mountinfo   read and parse all of /proc/self/mountinfo (id, parent,
 *               mount point, fs type): today's way to list the mounts
 *   listmount   listmount(LSMT_ROOT) + statmount(MNT_BASIC | MNT_POINT |
 *               FS_TYPE) of every mount: the same information
 *   rescan      learning about one new mount without notifications: a
 *               full mountinfo re-read and a diff against the previous
 *               ids (the mount and umount around it are not timed)
 *   stat1       the same with the new mount's id known: one statmount()
 *   event       the same learnt from item 17: with a KWISH_MOUNT_WATCH
 *               armed on the namespace, read() of the mount's attach
 *               event, then one statmount() of the id it carries
 *
 * rescan and event are timed alike: the mount is made (not timed), then
 * the clock runs from the start of the mountinfo read, or of the event
 * read(), until the new mount's id, parent, mount point and fs type are
 * known (mountinfo's line holds them; statmount(MNT_BASIC | MNT_POINT |
 * FS_TYPE) gives them); neither includes a poll() wakeup, both find the
 * change already there.  The umount and reading its detach event are not
 * timed; the watch is armed once per round, after the N mounts exist.
 *
 * Printed per N (kwbench's "a/b = x": a is x times as fast as b):
 * listmount/mountinfo, stat1/rescan, event/rescan (what item 17 saves
 * over a rescan of mountinfo) and event/stat1 (the price of reading the
 * event on top of the statmount).  The goal of items 25 and 17: event
 * and stat1 stay flat as N grows, rescan does not.  On a kernel with
 * statmount/listmount (6.12) they are the kernel's; kwish does not
 * provide them there, but provides the watch on both.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kwbench.h"
#include "libkwish.h"

#define EVENT_LEN	(sizeof(struct fanotify_event_metadata) + \
			 sizeof(struct fanotify_event_info_mnt))

#define MAX_MOUNTS	10100

static char dir[] = "/tmp/kwbench25.XXXXXX";
static uint64_t ids[MAX_MOUNTS + 512];
static int old_ids[MAX_MOUNTS + 512];
static union {
	struct kwish_statmount sm;
	char buf[sizeof(struct kwish_statmount) + 8192];
} u;

static long sys_listmount(uint64_t id, uint64_t *out, size_t nr)
{
	struct kwish_mnt_id_req req = {
		.size = KWISH_MNT_ID_REQ_SIZE_VER0, .mnt_id = id,
	};

	return syscall(KWISH_NR_LISTMOUNT, &req, out, nr, 0);
}

static int sys_statmount(uint64_t id, uint64_t mask)
{
	struct kwish_mnt_id_req req = {
		.size = KWISH_MNT_ID_REQ_SIZE_VER0, .mnt_id = id, .param = mask,
	};

	return syscall(KWISH_NR_STATMOUNT, &req, &u, sizeof(u), 0);
}

/* Parse all of mountinfo; returns the number of mounts or -1. */
static long parse_mountinfo(int *out)
{
	static char buf[4 << 20];
	char mp[4096], type[64];
	ssize_t len = 0, n;
	long count = 0;
	char *line, *next;
	int fd, id, parent;

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%d %d %*s %*s %4095s %*[^-]- %63s", &id,
			   &parent, mp, type) < 3)
			continue;
		if (out && count < MAX_MOUNTS + 512)
			out[count] = id;
		count++;
	}
	return count;
}

static double run_mountinfo(long iters)
{
	double t0 = kwb_now_ns();
	long i;

	for (i = 0; i < iters; i++)
		if (parse_mountinfo(NULL) < 0)
			return -1;
	return (kwb_now_ns() - t0) / iters;
}

static double run_listmount(long iters)
{
	const uint64_t mask = KWISH_STATMOUNT_MNT_BASIC |
			      KWISH_STATMOUNT_MNT_POINT |
			      KWISH_STATMOUNT_FS_TYPE;
	double t0 = kwb_now_ns();
	long i, n, j;

	for (i = 0; i < iters; i++) {
		n = sys_listmount(KWISH_LSMT_ROOT, ids, MAX_MOUNTS + 512);
		if (n < 0)
			return -1;
		for (j = 0; j < n; j++)
			if (sys_statmount(ids[j], mask) < 0)
				return -1;
	}
	return (kwb_now_ns() - t0) / iters;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * One new mount found by re-reading mountinfo and diffing against the
 * previous ids (only that part is timed, not the mount and umount).
 */
static double run_rescan(const char *target, long iters)
{
	static int now[MAX_MOUNTS + 512];
	double t0, spent = 0;
	long i, n, before, k;

	before = parse_mountinfo(old_ids);
	qsort(old_ids, before, sizeof(int), cmp_int);
	for (i = 0; i < iters; i++) {
		if (mount(dir, target, NULL, MS_BIND, NULL) < 0)
			return -1;
		t0 = kwb_now_ns();
		n = parse_mountinfo(now);
		for (k = 0; k < n; k++)
			if (!bsearch(&now[k], old_ids, before, sizeof(int),
				     cmp_int))
				break;	/* the new one */
		spent += kwb_now_ns() - t0;
		if (k == n || umount(target) < 0)
			return -1;
	}
	return spent / iters;
}

/* One new mount with its id known: one statmount. */
static double run_stat1(const char *target, long iters)
{
	const uint64_t mask = KWISH_STATMOUNT_MNT_BASIC |
			      KWISH_STATMOUNT_MNT_POINT |
			      KWISH_STATMOUNT_FS_TYPE;
	double t0, spent = 0;
	uint64_t id;
	long i, n;

	for (i = 0; i < iters; i++) {
		if (mount(dir, target, NULL, MS_BIND, NULL) < 0)
			return -1;
		/* the id, as an event would carry it (not timed) */
		n = sys_listmount(KWISH_LSMT_ROOT, ids, MAX_MOUNTS + 512);
		if (n <= 0)
			return -1;
		id = ids[n - 1];
		t0 = kwb_now_ns();
		if (sys_statmount(id, mask) < 0)
			return -1;
		spent += kwb_now_ns() - t0;
		if (umount(target) < 0)
			return -1;
	}
	return spent / iters;
}

/* Read one event from @wfd: its mask and id; -1 (errno) on error. */
static int read_event(int wfd, uint64_t *mask, uint64_t *id)
{
	static union {
		struct fanotify_event_metadata m;
		char b[EVENT_LEN];
	} ev;
	const struct fanotify_event_info_mnt *info = (const void *)(&ev.m + 1);

	if (read(wfd, ev.b, sizeof(ev.b)) != (ssize_t)EVENT_LEN ||
	    ev.m.event_len != EVENT_LEN ||
	    info->hdr.info_type != FAN_EVENT_INFO_TYPE_MNT) {
		if (!errno)
			errno = EPROTO;
		return -1;
	}
	*mask = ev.m.mask;
	*id = info->mnt_id;
	return 0;
}

/*
 * One new mount learnt from its attach event: read() of the event and
 * one statmount() of its id (only that is timed, as in run_rescan()).
 */
static double run_event(const char *target, long iters)
{
	const uint64_t mask = KWISH_STATMOUNT_MNT_BASIC |
			      KWISH_STATMOUNT_MNT_POINT |
			      KWISH_STATMOUNT_FS_TYPE;
	int ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC), wfd;
	double t0, spent = 0;
	uint64_t m, id;
	long i;

	if (ns < 0)
		return -1;
	wfd = kwish_mount_watch(ns, FAN_MNT_ATTACH | FAN_MNT_DETACH, 0, 0);
	close(ns);
	if (wfd < 0)
		return -1;
	for (i = 0; i < iters; i++) {
		if (mount(dir, target, NULL, MS_BIND, NULL) < 0)
			goto fail;
		errno = 0;
		t0 = kwb_now_ns();
		if (read_event(wfd, &m, &id) < 0 ||
		    sys_statmount(id, mask) < 0)
			goto fail;
		spent += kwb_now_ns() - t0;
		if (m != FAN_MNT_ATTACH || u.sm.mnt_id != id) {
			errno = EPROTO;
			goto fail;
		}
		/* the detach event of the umount (not timed) */
		if (umount(target) < 0 || read_event(wfd, &m, &id) < 0)
			goto fail;
	}
	close(wfd);
	return spent / iters;
fail:
	close(wfd);
	return -1;
}

int main(int argc, char **argv)
{
	static const long sizes[] = { 100, 1000, 10000 };
	char path[4096], target[4096];
	long have = 0, s, r, rounds = 3;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("kwb25", dir, "tmpfs", 0, "size=64m") < 0) {
		perror("mount namespace");
		return 1;
	}
	snprintf(target, sizeof(target), "%s/target", dir);
	mkdir(target, 0755);
	if (sys_listmount(KWISH_LSMT_ROOT, ids, 1) < 0) {
		printf("statmount_bench: listmount: %s: item 25 not available\n",
		       strerror(errno));
		return 0;
	}
	printf("statmount_bench: item 25 (statmount/listmount syscalls)\n");
	for (s = 0; s < 3; s++) {
		struct kwb_method mi = { .name = "mountinfo", .enabled = true };
		struct kwb_method lm = { .name = "listmount", .enabled = true };
		struct kwb_method rs = { .name = "rescan", .enabled = true };
		struct kwb_method s1 = { .name = "stat1", .enabled = true };
		struct kwb_method ev = { .name = "event", .enabled = true };
		long iters_full = sizes[s] >= 10000 ? 3 : sizes[s] >= 1000 ? 10 : 50;
		long iters_one = sizes[s] >= 10000 ? 5 : 20;

		for (; have < sizes[s]; have++) {
			snprintf(path, sizeof(path), "%s/m%ld", dir, have);
			if (mkdir(path, 0755) < 0 ||
			    mount(dir, path, NULL, MS_BIND, NULL) < 0) {
				printf("statmount_bench: mount %ld: %s\n", have,
				       strerror(errno));
				return 1;
			}
		}
		printf("\n== N = %ld mounts (+%ld in the namespace)\n", sizes[s],
		       parse_mountinfo(NULL) - sizes[s]);
		for (r = 0; r < rounds; r++) {
			if (mi.enabled)
				kwb_record(&mi, run_mountinfo(iters_full), r);
			if (lm.enabled)
				kwb_record(&lm, run_listmount(iters_full), r);
			if (rs.enabled)
				kwb_record(&rs, run_rescan(target, iters_one), r);
			if (s1.enabled)
				kwb_record(&s1, run_stat1(target, iters_one), r);
			if (ev.enabled)
				kwb_record(&ev, run_event(target, iters_one), r);
		}
		kwb_print_head("op", "ops");
		kwb_print_row(&mi, rounds);
		kwb_print_row(&lm, rounds);
		kwb_print_row(&rs, rounds);
		kwb_print_row(&s1, rounds);
		kwb_print_row(&ev, rounds);
		printf("N=%ld: ", sizes[s]);
		kwb_ratio(&lm, &mi);
		printf("N=%ld: ", sizes[s]);
		kwb_ratio(&s1, &rs);
		printf("N=%ld: ", sizes[s]);
		kwb_ratio(&ev, &rs);
		printf("N=%ld: ", sizes[s]);
		kwb_ratio(&ev, &s1);
	}
	return 0;
}
