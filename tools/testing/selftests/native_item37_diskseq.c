// SPDX-License-Identifier: GPL-2.0
/*
 * native_item37_diskseq: wish-list item 37, native since Linux 5.15: every
 * (re)use of a block device gets a new "disk sequence number", readable
 * with the BLKGETDISKSEQ ioctl and in /sys/block/<dev>/diskseq, so a loop
 * device that is detached and attached again is told apart from its
 * previous use.
 */
#include <dirent.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/loop.h>

#include "kwtap.h"

#ifndef BLKGETDISKSEQ
#define BLKGETDISKSEQ	_IOR(0x12, 128, __u64)
#endif
#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE	0x4C0A
#endif

static char backing[] = "/tmp/kw37.XXXXXX";
static int backing_fd = -1;

static int sysfs_diskseq(const char *dev, unsigned long long *seq)
{
	char path[PATH_MAX], buf[64], *end;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/block/%s/diskseq", dev);
	n = kw_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	errno = 0;
	*seq = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

/* Attach the backing file to /dev/loop@nr; returns the loop fd. */
static int loop_attach(int nr)
{
	struct loop_config cfg = { .fd = backing_fd, .block_size = 0 };
	char path[64];
	double end = kw_now() + 5;
	int fd;

	snprintf(path, sizeof(path), "/dev/loop%d", nr);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0)
			return fd;
		if (errno == EINVAL || errno == ENOTTY) {
			/* Kernel before 5.8: the old two-step way. */
			if (ioctl(fd, LOOP_SET_FD, backing_fd) == 0)
				return fd;
		}
		/* A detach still in progress. */
		if (errno != EBUSY || kw_now() > end)
			break;
		usleep(10000);
	}
	close(fd);
	return -1;
}

static void loop_detach(int fd)
{
	ioctl(fd, LOOP_CLR_FD, 0);
	close(fd);
}

static int get_free(void)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	int nr;

	if (ctl < 0)
		return -1;
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	return nr;
}

/* BLKGETDISKSEQ on @fd must agree with /sys/block/loop@nr/diskseq. */
static int read_seq(int fd, int nr, unsigned long long *seq)
{
	unsigned long long s = 0, sys = 0;
	char dev[32];
	int ret;

	KW_CHECK_OK(ioctl(fd, BLKGETDISKSEQ, &s));
	snprintf(dev, sizeof(dev), "loop%d", nr);
	ret = sysfs_diskseq(dev, &sys);
	KW_CHECK(ret == 0, "/sys/block/%s/diskseq: %s", dev, kw_errname(-ret));
	KW_CHECK(s == sys, "BLKGETDISKSEQ %llu but sysfs says %llu", s, sys);
	KW_CHECK(s != 0, "diskseq is 0");
	*seq = s;
	return KW_PASS;
}

static int test_reattach_new_diskseq(void)
{
	unsigned long long seq1, seq2;
	int nr, fd, res;

	if (!kw_is_root())
		return kw_skip("root only (loop devices)");
	nr = get_free();
	KW_CHECK(nr >= 0, "LOOP_CTL_GET_FREE: %s", kw_errname(errno));
	fd = loop_attach(nr);
	KW_CHECK(fd >= 0, "attach loop%d: %s", nr, kw_errname(errno));
	res = read_seq(fd, nr, &seq1);
	loop_detach(fd);
	KW_TRY(res);

	fd = loop_attach(nr);
	KW_CHECK(fd >= 0, "attach loop%d again: %s", nr, kw_errname(errno));
	res = read_seq(fd, nr, &seq2);
	loop_detach(fd);
	KW_TRY(res);
	KW_CHECK(seq2 > seq1,
		 "loop%d reattached: diskseq %llu, first use had %llu", nr,
		 seq2, seq1);
	return KW_PASS;
}

static int test_two_devices_differ(void)
{
	unsigned long long seq_a, seq_b;
	int nr_a, nr_b, fd_a, fd_b, res;

	if (!kw_is_root())
		return kw_skip("root only (loop devices)");
	nr_a = get_free();
	KW_CHECK(nr_a >= 0, "LOOP_CTL_GET_FREE: %s", kw_errname(errno));
	fd_a = loop_attach(nr_a);
	KW_CHECK(fd_a >= 0, "attach loop%d: %s", nr_a, kw_errname(errno));
	nr_b = get_free();
	if (nr_b < 0 || nr_b == nr_a) {
		loop_detach(fd_a);
		return kw_fail("second LOOP_CTL_GET_FREE gave %d (first %d)",
			       nr_b, nr_a);
	}
	fd_b = loop_attach(nr_b);
	if (fd_b < 0) {
		res = kw_fail("attach loop%d: %s", nr_b, kw_errname(errno));
		loop_detach(fd_a);
		return res;
	}
	res = read_seq(fd_a, nr_a, &seq_a);
	if (res == KW_PASS)
		res = read_seq(fd_b, nr_b, &seq_b);
	loop_detach(fd_b);
	loop_detach(fd_a);
	KW_TRY(res);
	KW_CHECK(seq_a != seq_b, "loop%d and loop%d share diskseq %llu", nr_a,
		 nr_b, seq_a);
	KW_CHECK(seq_b > seq_a,
		 "loop%d attached later has diskseq %llu <= loop%d's %llu",
		 nr_b, seq_b, nr_a, seq_a);
	return KW_PASS;
}

/* Any user can read the sequence numbers; no two disks share one. */
static int sysfs_unique(void)
{
	unsigned long long seqs[256];
	unsigned int n = 0, i;
	struct dirent *de;
	DIR *d = opendir("/sys/block");

	KW_CHECK(d, "opendir /sys/block: %s", kw_errname(errno));
	while ((de = readdir(d)) && n < KW_ARRAY_SIZE(seqs)) {
		unsigned long long seq;
		int ret;

		if (de->d_name[0] == '.')
			continue;
		ret = sysfs_diskseq(de->d_name, &seq);
		KW_CHECK(ret == 0, "/sys/block/%s/diskseq: %s", de->d_name,
			 kw_errname(-ret));
		for (i = 0; i < n; i++)
			KW_CHECK(seqs[i] != seq,
				 "diskseq %llu appears twice (again at %s)",
				 seq, de->d_name);
		seqs[n++] = seq;
	}
	closedir(d);
	if (!n)
		return kw_skip("no block devices");
	return KW_PASS;
}

static int test_sysfs_unique_as_user(void)
{
	return kw_run_as_user(sysfs_unique);
}

static const struct kw_test tests[] = {
	KW_TEST(test_reattach_new_diskseq),
	KW_TEST(test_two_devices_differ),
	KW_TEST(test_sysfs_unique_as_user),
};

int main(void)
{
	static const char block[4096];
	int ret, i;

	backing_fd = mkstemp(backing);
	for (i = 0; backing_fd >= 0 && i < 256; i++) {
		if (write(backing_fd, block, sizeof(block)) != sizeof(block))
			break;
	}
	if (backing_fd < 0 || i < 256) {
		printf("TAP version 13\n1..0\nBail out! backing file %s: %s\n",
		       backing, strerror(errno));
		return 1;
	}
	ret = KW_RUN(tests);
	close(backing_fd);
	unlink(backing);
	return ret;
}
