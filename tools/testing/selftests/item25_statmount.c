// SPDX-License-Identifier: GPL-2.0
/*
 * item25_statmount: statmount(2) and listmount(2) (wish-list item 25):
 * native on v6.8+ kernels, provided by kwish_mount on v6.1 under the same
 * syscall numbers (457, 458) and through /dev/kwish.
 *
 * Checked against /proc/self/mountinfo in a private mount namespace: the
 * mounts listmount() lists, statmount()'s fields and strings, the
 * propagation fields of shared and slave mounts, ids that are not reused
 * when mnt_id is, every errno of upstream's argument checks, and the
 * EPERM for a mount outside the caller's root without CAP_SYS_ADMIN over
 * the namespace.
 *
 * Unloading kwish_mount (root): with a statmount() call blocked in its
 * copy_to_user() on a userfaultfd page, rmmod returns at once (EAGAIN on
 * v6.1, where kwish answers the call and the call pins the module;
 * unloaded on v6.12, where the kernel answers it) instead of hanging in
 * D state, and the call then completes; with a tracee stopped at the
 * syscall-exit stop of statmount(), rmmod returns and the tracee gets
 * the result.  kwish_mount is loaded again at the end.
 */
#include <pthread.h>
#include <sched.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>

#include "kwtap.h"
#include "libkwish.h"

#define SM_ALL (KWISH_STATMOUNT_SB_BASIC | KWISH_STATMOUNT_MNT_BASIC | \
		KWISH_STATMOUNT_PROPAGATE_FROM | KWISH_STATMOUNT_MNT_ROOT | \
		KWISH_STATMOUNT_MNT_POINT | KWISH_STATMOUNT_FS_TYPE | \
		KWISH_STATMOUNT_MNT_NS_ID)
#define TMPFS_MAGIC	0x01021994
#ifndef MS_SHARED
#define MS_SHARED	(1 << 20)
#endif
#define KW_MS_SLAVE	(1 << 19)
#define KW_MS_PRIVATE	(1 << 18)
#define KW_ATTR_RDONLY	0x00000001
#define KW_ATTR_NOSUID	0x00000002
#define KW_ATTR_NODEV	0x00000004
#define KW_ATTR_NOEXEC	0x00000008

static char dir[] = "/tmp/kw25.XXXXXX";
static union {
	struct kwish_statmount sm;
	char buf[8192];
} u;

static long sys_statmount(const struct kwish_mnt_id_req *req, void *buf,
			  size_t size, unsigned int flags)
{
	return syscall(KWISH_NR_STATMOUNT, req, buf, size, flags);
}

static long sys_listmount(const struct kwish_mnt_id_req *req, uint64_t *ids,
			  size_t nr, unsigned int flags)
{
	return syscall(KWISH_NR_LISTMOUNT, req, ids, nr, flags);
}

static int statmount_id(uint64_t id, uint64_t mask)
{
	struct kwish_mnt_id_req req = {
		.size = KWISH_MNT_ID_REQ_SIZE_VER0, .mnt_id = id, .param = mask,
	};

	memset(&u, 0, sizeof(u));
	return sys_statmount(&req, &u, sizeof(u), 0);
}

static long listmount_id(uint64_t id, uint64_t last, uint64_t *ids, size_t nr,
			 unsigned int flags)
{
	struct kwish_mnt_id_req req = {
		.size = KWISH_MNT_ID_REQ_SIZE_VER0, .mnt_id = id, .param = last,
	};

	return sys_listmount(&req, ids, nr, flags);
}

/* The state of item 25 (KWISH_STATE_*), -1 without kwish_core. */
static int item_state(void)
{
	struct kwish_feature f[KWISH_ITEM_MAX];
	unsigned int nr = KWISH_ITEM_MAX;

	if (kwish_status(-1, f, &nr, NULL) < 0)
		return -1;
	return f[24].state;
}

static bool native(void)
{
	return item_state() == KWISH_STATE_NATIVE;
}

/* Skip unless the syscalls answer here (native or kwish_mount). */
static int need_syscalls(void)
{
	long r = listmount_id(KWISH_LSMT_ROOT, 0, NULL, 0, ~0U);

	if (r == -1 && errno == ENOSYS)
		return kw_fail("listmount: ENOSYS (item 25 state %d)",
			       item_state());
	return KW_PASS;
}

/* The mountinfo line of mount @mnt_id_old, or of mount point @point. */
static bool mountinfo_find(int mnt_id_old, const char *point, char *line,
			   size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char mp[PATH_MAX], cur[4096];
	int id;
	bool found = false;

	if (!f)
		return false;
	/* the last match: the mount on top */
	while (fgets(cur, sizeof(cur), f)) {
		if (sscanf(cur, "%d %*d %*s %*s %4095s", &id, mp) != 2)
			continue;
		if ((point && !strcmp(mp, point)) ||
		    (!point && id == mnt_id_old)) {
			snprintf(line, size, "%s", cur);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static int mountinfo_count(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* The unique id of the mount with old id @old (by listmount+statmount). */
static uint64_t unique_of_old(int old)
{
	static uint64_t ids[4096];
	long n, i;

	n = listmount_id(KWISH_LSMT_ROOT, 0, ids, 4096, 0);
	for (i = 0; i < n; i++)
		if (!statmount_id(ids[i], KWISH_STATMOUNT_MNT_BASIC) &&
		    (int)u.sm.mnt_id_old == old)
			return ids[i];
	return 0;
}

/* The old (mountinfo) id of the mount at @path. */
static int old_id_of(const char *path)
{
	char line[4096];
	int id;

	if (!mountinfo_find(0, path, line, sizeof(line)) ||
	    sscanf(line, "%d", &id) != 1)
		return -1;
	return id;
}

static int setup_ns(void)
{
	KW_TRY(kw_enter_mount_ns());
	KW_CHECK_OK(mount("kw25", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=1m"));
	return KW_PASS;
}

static int test_listmount_matches_mountinfo(void)
{
	static uint64_t ids[4096];
	long n, i;

	KW_TRY(need_syscalls());
	KW_TRY(setup_ns());
	n = listmount_id(KWISH_LSMT_ROOT, 0, ids, 4096, 0);
	KW_CHECK_OK(n);
	KW_CHECK(n == mountinfo_count(), "listmount %ld mounts, mountinfo %d",
		 n, mountinfo_count());
	for (i = 0; i < n; i++) {
		char line[4096];

		KW_CHECK(ids[i] > (1ULL << 31), "id %#llx", (unsigned long long)ids[i]);
		KW_CHECK(!i || ids[i] > ids[i - 1], "ids not ascending");
		KW_CHECK_OK(statmount_id(ids[i], KWISH_STATMOUNT_MNT_BASIC));
		KW_CHECK(u.sm.mnt_id == ids[i], "statmount id mismatch");
		KW_CHECK(mountinfo_find(u.sm.mnt_id_old, NULL, line, sizeof(line)),
			 "old id %u not in mountinfo", u.sm.mnt_id_old);
	}
	/* reverse: the same ids, descending; pagination by the last id */
	{
		static uint64_t rev[4096];
		uint64_t page[2];
		long r = listmount_id(KWISH_LSMT_ROOT, 0, rev, 4096,
				      KWISH_LISTMOUNT_REVERSE);

		KW_CHECK(r == n, "reverse listed %ld of %ld", r, n);
		for (i = 0; i < n; i++)
			KW_CHECK(rev[i] == ids[n - 1 - i], "reverse order");
		KW_CHECK(n >= 3, "too few mounts");
		KW_CHECK(listmount_id(KWISH_LSMT_ROOT, ids[0], page, 2, 0) == 2 &&
			 page[0] == ids[1] && page[1] == ids[2], "pagination");
		KW_CHECK(listmount_id(KWISH_LSMT_ROOT, ids[n - 1], page, 2, 0) == 0,
			 "nothing after the last id");
		KW_CHECK(listmount_id(KWISH_LSMT_ROOT, ids[1], page, 2,
				      KWISH_LISTMOUNT_REVERSE) == 1 &&
			 page[0] == ids[0], "reverse pagination");
	}
	return KW_PASS;
}

static int test_statmount_fields(void)
{
	char line[4096], expect[128], sub[PATH_MAX];
	int old, parent_old;
	uint64_t id;

	KW_TRY(need_syscalls());
	KW_TRY(setup_ns());
	old = old_id_of(dir);
	KW_CHECK(old > 0, "mount not in mountinfo");
	id = unique_of_old(old);
	KW_CHECK(id, "listmount does not list the new mount");
	KW_CHECK_OK(statmount_id(id, SM_ALL));
	KW_CHECK((u.sm.mask & SM_ALL) == SM_ALL, "mask %#llx",
		 (unsigned long long)u.sm.mask);
	KW_CHECK(u.sm.size > sizeof(u.sm) && u.sm.size < sizeof(u),
		 "size %u", u.sm.size);
	KW_CHECK(!strcmp(u.sm.str + u.sm.fs_type, "tmpfs"), "fs_type %s",
		 u.sm.str + u.sm.fs_type);
	KW_CHECK(!strcmp(u.sm.str + u.sm.mnt_point, dir), "mnt_point %s",
		 u.sm.str + u.sm.mnt_point);
	KW_CHECK(!strcmp(u.sm.str + u.sm.mnt_root, "/"), "mnt_root %s",
		 u.sm.str + u.sm.mnt_root);
	KW_CHECK(u.sm.sb_magic == TMPFS_MAGIC, "magic %#llx",
		 (unsigned long long)u.sm.sb_magic);
	KW_CHECK(u.sm.mnt_id_old == (unsigned int)old, "old id");
	KW_CHECK((u.sm.mnt_attr & (KW_ATTR_NOSUID | KW_ATTR_NODEV |
				   KW_ATTR_NOEXEC)) ==
		 (KW_ATTR_NOSUID | KW_ATTR_NODEV | KW_ATTR_NOEXEC) &&
		 !(u.sm.mnt_attr & KW_ATTR_RDONLY), "attr %#llx",
		 (unsigned long long)u.sm.mnt_attr);
	KW_CHECK(u.sm.mnt_propagation == KW_MS_PRIVATE, "propagation %#llx",
		 (unsigned long long)u.sm.mnt_propagation);
	KW_CHECK(u.sm.mnt_ns_id != 0, "no mnt_ns_id");
	/* parent and device as mountinfo says */
	KW_CHECK(mountinfo_find(old, NULL, line, sizeof(line)), "mountinfo");
	KW_CHECK(sscanf(line, "%*d %d", &parent_old) == 1, "parse");
	KW_CHECK(u.sm.mnt_parent_id_old == (unsigned int)parent_old,
		 "parent %u, mountinfo %d", u.sm.mnt_parent_id_old, parent_old);
	snprintf(expect, sizeof(expect), " %u:%u ", u.sm.sb_dev_major,
		 u.sm.sb_dev_minor);
	KW_CHECK(strstr(line, expect), "device %s not in %s", expect, line);
	{
		uint64_t parent = u.sm.mnt_parent_id;

		KW_CHECK(parent == unique_of_old(parent_old),
			 "parent unique id");
	}

	/* shared, then a slave bind of it: peer group and master */
	KW_CHECK_OK(mount(NULL, dir, NULL, MS_SHARED, NULL));
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	KW_CHECK_OK(mkdir(sub, 0755));
	KW_CHECK_OK(mount(dir, sub, NULL, MS_BIND, NULL));
	KW_CHECK_OK(mount(NULL, sub, NULL, KW_MS_SLAVE, NULL));
	KW_CHECK_OK(statmount_id(id, SM_ALL));
	KW_CHECK(u.sm.mnt_propagation == MS_SHARED && u.sm.mnt_peer_group,
		 "shared: propagation %#llx peer %llu",
		 (unsigned long long)u.sm.mnt_propagation,
		 (unsigned long long)u.sm.mnt_peer_group);
	{
		uint64_t peer = u.sm.mnt_peer_group, sid;

		old = old_id_of(sub);
		sid = unique_of_old(old);
		KW_CHECK(sid && sid != id, "bind mount id");
		KW_CHECK_OK(statmount_id(sid, SM_ALL));
		KW_CHECK(u.sm.mnt_propagation == KW_MS_SLAVE &&
			 u.sm.mnt_master == peer,
			 "slave: propagation %#llx master %llu (peer %llu)",
			 (unsigned long long)u.sm.mnt_propagation,
			 (unsigned long long)u.sm.mnt_master,
			 (unsigned long long)peer);
		KW_CHECK(u.sm.mnt_parent_id == id, "bind's parent");
		KW_CHECK(!strcmp(u.sm.str + u.sm.mnt_point, sub), "mnt_point %s",
			 u.sm.str + u.sm.mnt_point);
		snprintf(expect, sizeof(expect), "master:%llu",
			 (unsigned long long)peer);
		KW_CHECK(mountinfo_find(old, NULL, line, sizeof(line)) &&
			 strstr(line, expect), "mountinfo: %s", line);
	}
	return KW_PASS;
}

static int test_listmount_children(void)
{
	static uint64_t ids[64];
	char p[3][PATH_MAX];
	uint64_t top, child[3];
	long n, i, j;

	KW_TRY(need_syscalls());
	KW_TRY(setup_ns());
	top = unique_of_old(old_id_of(dir));
	KW_CHECK(top, "top mount");
	n = listmount_id(top, 0, ids, 64, 0);
	KW_CHECK(n == 0, "fresh tmpfs has %ld children", n);
	for (i = 0; i < 3; i++) {
		snprintf(p[i], PATH_MAX, i == 2 ? "%s/c0/d" : "%s/c%ld", dir,
			 i);
		KW_CHECK_OK(mkdir(p[i], 0755));
		KW_CHECK_OK(mount("kw25c", p[i], "tmpfs", 0, "size=1m"));
		child[i] = unique_of_old(old_id_of(p[i]));
		KW_CHECK(child[i], "child %ld", i);
	}
	/* every mount below, the nested one too, not the parent itself */
	n = listmount_id(top, 0, ids, 64, 0);
	KW_CHECK(n == 3, "listed %ld, want 3", n);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < n && ids[j] != child[i]; j++)
			;
		KW_CHECK(j < n, "child %ld missing", i);
	}
	n = listmount_id(child[0], 0, ids, 64, 0);
	KW_CHECK(n == 1 && ids[0] == child[2], "below c0: %ld", n);
	/* gone after umount */
	KW_CHECK_OK(umount(p[1]));
	KW_CHECK_ERRNO(statmount_id(child[1], KWISH_STATMOUNT_MNT_BASIC),
		       ENOENT);
	KW_CHECK_ERRNO(listmount_id(child[1], 0, ids, 64, 0), ENOENT);
	KW_CHECK(listmount_id(top, 0, ids, 64, 0) == 2, "after umount");
	return KW_PASS;
}

/* mnt_id is reused at once by the kernel; the 64-bit id never. */
static int test_ids_not_reused(void)
{
	uint64_t seen[100];
	int olds[100], i, j, same_old = 0;
	char p[PATH_MAX];

	KW_TRY(need_syscalls());
	KW_TRY(setup_ns());
	snprintf(p, sizeof(p), "%s/r", dir);
	KW_CHECK_OK(mkdir(p, 0755));
	for (i = 0; i < 100; i++) {
		KW_CHECK_OK(mount("kw25r", p, "tmpfs", 0, "size=1m"));
		olds[i] = old_id_of(p);
		seen[i] = unique_of_old(olds[i]);
		KW_CHECK(seen[i], "round %d", i);
		for (j = 0; j < i; j++) {
			KW_CHECK(seen[j] != seen[i], "id reused: round %d and %d",
				 j, i);
			same_old += olds[j] == olds[i];
		}
		KW_CHECK_OK(umount(p));
		KW_CHECK_ERRNO(statmount_id(seen[i], KWISH_STATMOUNT_MNT_BASIC),
			       ENOENT);
	}
	kw_diag("mnt_id reused %d times, unique ids never", same_old);
	return KW_PASS;
}

static int test_errno(void)
{
	struct kwish_mnt_id_req req = {
		.size = KWISH_MNT_ID_REQ_SIZE_VER0, .mnt_id = KWISH_LSMT_ROOT,
	};
	struct {
		struct kwish_mnt_id_req r;
		uint64_t tail;
	} big = { .r = req, .tail = 1 };
	uint64_t ids[4], id;
	long n;

	KW_TRY(need_syscalls());
	KW_TRY(setup_ns());
	n = listmount_id(KWISH_LSMT_ROOT, 0, ids, 4, 0);
	KW_CHECK(n > 0, "listmount %ld", n);
	id = ids[0];

	/* listmount */
	KW_CHECK_ERRNO(sys_listmount(&req, ids, 4, 2), EINVAL);
	KW_CHECK_ERRNO(sys_listmount(&req, ids, 1000001, 0), EOVERFLOW);
	KW_CHECK_ERRNO(sys_listmount(kw_bad_ptr(), ids, 4, 0), EFAULT);
	KW_CHECK_ERRNO(sys_listmount(&req, kw_bad_ptr(), 4, 0), EFAULT);
	req.size = KWISH_MNT_ID_REQ_SIZE_VER0 - 1;
	KW_CHECK_ERRNO(sys_listmount(&req, ids, 4, 0), EINVAL);
	req.size = 8192;
	KW_CHECK_ERRNO(sys_listmount(&req, ids, 4, 0), E2BIG);
	big.r.size = sizeof(big);
	KW_CHECK_ERRNO(sys_listmount(&big.r, ids, 4, 0), E2BIG);
	req.size = KWISH_MNT_ID_REQ_SIZE_VER0;
	req.param = 5;		/* a last id below the first valid one */
	KW_CHECK_ERRNO(sys_listmount(&req, ids, 4, 0), EINVAL);
	req.param = 0;
	req.mnt_id = 1ULL << 31;	/* the old ids are not accepted */
	KW_CHECK_ERRNO(sys_listmount(&req, ids, 4, 0), EINVAL);
	req.mnt_id = id + (1ULL << 40);	/* no such mount */
	KW_CHECK_ERRNO(sys_listmount(&req, ids, 4, 0), ENOENT);
	req.mnt_id = KWISH_LSMT_ROOT;
	req.size = KWISH_MNT_ID_REQ_SIZE_VER1;
	req.mnt_ns_id = 1;		/* not our namespace */
	n = sys_listmount(&req, ids, 4, 0);
	KW_CHECK(n == -1 && (errno == ENOENT || errno == EPERM),
		 "foreign mnt_ns_id: %ld %s", n, kw_errname(errno));
	req.mnt_ns_id = 0;
	KW_CHECK(sys_listmount(&req, ids, 0, 0) == 0, "nr 0");

	/* statmount */
	req.mnt_id = id;
	req.param = KWISH_STATMOUNT_MNT_BASIC;
	KW_CHECK_ERRNO(sys_statmount(&req, &u, sizeof(u), 1), EINVAL);
	KW_CHECK_ERRNO(sys_statmount(kw_bad_ptr(), &u, sizeof(u), 0), EFAULT);
	KW_CHECK_ERRNO(sys_statmount(&req, kw_bad_ptr(), sizeof(u), 0), EFAULT);
	req.mnt_id = 12;
	KW_CHECK_ERRNO(sys_statmount(&req, &u, sizeof(u), 0), EINVAL);
	req.mnt_id = id + (1ULL << 40);
	KW_CHECK_ERRNO(sys_statmount(&req, &u, sizeof(u), 0), ENOENT);
	req.mnt_id = id;
	/* strings need room after the struct */
	req.param = KWISH_STATMOUNT_MNT_POINT;
	KW_CHECK_ERRNO(sys_statmount(&req, &u, sizeof(u.sm), 0), EOVERFLOW);
	KW_CHECK_ERRNO(sys_statmount(&req, &u, sizeof(u.sm) + 1, 0), EOVERFLOW);
	/* a short buffer gets the head of the struct only */
	req.param = KWISH_STATMOUNT_MNT_BASIC;
	memset(&u, 0xff, sizeof(u));
	KW_CHECK_OK(sys_statmount(&req, &u, 16, 0));
	KW_CHECK(u.sm.size == 16 && (u.sm.mask & KWISH_STATMOUNT_MNT_BASIC) &&
		 u.buf[16] == (char)0xff, "short buffer: size %u", u.sm.size);
	/* an unknown mask bit is not an error; it is not reported back */
	req.param = KWISH_STATMOUNT_MNT_BASIC | (1ULL << 40);
	KW_CHECK_OK(sys_statmount(&req, &u, sizeof(u), 0));
	KW_CHECK(u.sm.mask == KWISH_STATMOUNT_MNT_BASIC, "mask %#llx",
		 (unsigned long long)u.sm.mask);
	/* mnt_ns_id of our own namespace */
	req.param = KWISH_STATMOUNT_MNT_NS_ID;
	KW_CHECK_OK(sys_statmount(&req, &u, sizeof(u), 0));
	req.size = KWISH_MNT_ID_REQ_SIZE_VER1;
	req.mnt_ns_id = u.sm.mnt_ns_id;
	KW_CHECK_OK(sys_statmount(&req, &u, sizeof(u), 0));
	return KW_PASS;
}

/*
 * A mount outside the caller's root: EPERM without CAP_SYS_ADMIN over the
 * namespace's owner (a nested user namespace has none there).
 */
static int test_eperm_outside_root(void)
{
	char a[PATH_MAX], r[PATH_MAX];
	uint64_t ida, idr, ids[8];
	struct kwish_mnt_id_req req = { .size = KWISH_MNT_ID_REQ_SIZE_VER0 };
	int rfd;

	KW_TRY(need_syscalls());
	KW_TRY(setup_ns());
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(r, sizeof(r), "%s/root", dir);
	KW_CHECK_OK(mkdir(a, 0755));
	KW_CHECK_OK(mkdir(r, 0755));
	KW_CHECK_OK(mount("kw25a", a, "tmpfs", 0, "size=1m"));
	KW_CHECK_OK(mount("kw25b", r, "tmpfs", 0, "size=1m"));
	ida = unique_of_old(old_id_of(a));
	idr = unique_of_old(old_id_of(r));
	KW_CHECK(ida && idr, "ids");
	/*
	 * A nested user namespace first (a chrooted task may not make
	 * one): root there, but without CAP_SYS_ADMIN over the mount
	 * namespace's owner.  Then chroot into r.
	 */
	rfd = open(r, O_PATH | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(rfd);
	if (unshare(CLONE_NEWUSER) < 0)
		return kw_skip("nested user namespace: %s", kw_errname(errno));
	KW_CHECK_OK(fchdir(rfd));
	KW_CHECK_OK(chroot("."));
	KW_CHECK_OK(chdir("/"));
	close(rfd);
	KW_CHECK_ERRNO(statmount_id(ida, KWISH_STATMOUNT_MNT_BASIC), EPERM);
	req.mnt_id = ida;
	KW_CHECK_ERRNO(sys_listmount(&req, ids, 8, 0), EPERM);
	/* the new root is reachable: fine, and mnt_point is "/" */
	KW_CHECK_OK(statmount_id(idr, KWISH_STATMOUNT_MNT_BASIC |
				 KWISH_STATMOUNT_MNT_POINT));
	KW_CHECK(!strcmp(u.sm.str + u.sm.mnt_point, "/"), "mnt_point %s",
		 u.sm.str + u.sm.mnt_point);
	/* listmount(LSMT_ROOT) lists only what is under the new root */
	KW_CHECK(listmount_id(KWISH_LSMT_ROOT, 0, ids, 8, 0) == 1 &&
		 ids[0] == idr, "listmount under the chroot");
	return KW_PASS;
}

static int test_dev_kwish(void)
{
	struct kwish_mnt_id_req req = {
		.size = KWISH_MNT_ID_REQ_SIZE_VER0, .mnt_id = KWISH_LSMT_ROOT,
	};
	struct kwish_mount_call c = { .size = sizeof(c) };
	uint64_t ids[256], ids2[256];
	long n, m;
	int kfd, state = item_state();

	if (state < 0)
		return kw_skip("kwish_core not loaded");
	if (state == KWISH_STATE_NATIVE) {
		/* kwish stays out of the way: the syscalls are the kernel's */
		kfd = kwish_open();
		KW_CHECK_OK(kfd);
		c.req = (uintptr_t)&req;
		KW_CHECK_ERRNO(ioctl(kfd, KWISH_LISTMOUNT, &c), EOPNOTSUPP);
		close(kfd);
		return KW_PASS;
	}
	KW_CHECK(state == KWISH_STATE_PRESENT, "item 25 state %s",
		 kwish_state_name(state));
	KW_TRY(setup_ns());
	kfd = kwish_open();
	KW_CHECK_OK(kfd);
	c.req = (uintptr_t)&req;
	c.buf = (uintptr_t)ids;
	c.bufsize = 256;
	n = ioctl(kfd, KWISH_LISTMOUNT, &c);
	KW_CHECK_OK(n);
	m = listmount_id(KWISH_LSMT_ROOT, 0, ids2, 256, 0);
	KW_CHECK(n == m && !memcmp(ids, ids2, n * sizeof(*ids)),
		 "ioctl and syscall differ");
	req.mnt_id = ids[0];
	req.param = KWISH_STATMOUNT_FS_TYPE;
	c.buf = (uintptr_t)&u;
	c.bufsize = sizeof(u);
	KW_CHECK_OK(ioctl(kfd, KWISH_STATMOUNT, &c));
	KW_CHECK(u.sm.mask == KWISH_STATMOUNT_FS_TYPE && u.sm.fs_type,
		 "ioctl statmount");
	c.call_flags = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_STATMOUNT, &c), EINVAL);
	c.call_flags = 0;
	c.__reserved = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_STATMOUNT, &c), EINVAL);
	c.__reserved = 0;
	c.flags = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_LISTMOUNT, &c), EINVAL);
	close(kfd);
	/* libkwish */
	KW_CHECK(kwish_listmount(KWISH_LSMT_ROOT, 0, ids2, 256, 0) == n,
		 "libkwish listmount");
	KW_CHECK_OK(kwish_statmount(ids[0], KWISH_STATMOUNT_MNT_BASIC, &u.sm,
				    sizeof(u), 0));
	return KW_PASS;
}

/*
 * A mount/umount storm: every id kwish gave out is dropped again when
 * the kernel frees the mount (the free_vfsmnt() hook), so the table does
 * not grow.
 */
static int test_id_table_bounded(void)
{
	char p[PATH_MAX], val[32];
	int i, before, after, tries;
	uint64_t ids[64];

	KW_TRY(need_syscalls());
	if (kw_read_file("/sys/module/kwish_mount/parameters/tracked_mount_ids",
			 val, sizeof(val)) <= 0 || native())
		return kw_skip("no kwish id table (native ids)");
	KW_TRY(setup_ns());
	snprintf(p, sizeof(p), "%s/s", dir);
	KW_CHECK_OK(mkdir(p, 0755));
	listmount_id(KWISH_LSMT_ROOT, 0, ids, 64, 0);
	kw_read_file("/sys/module/kwish_mount/parameters/tracked_mount_ids",
		     val, sizeof(val));
	before = atoi(val);
	for (i = 0; i < 300; i++) {
		KW_CHECK_OK(mount("kw25s", p, "tmpfs", 0, "size=1m"));
		KW_CHECK(listmount_id(KWISH_LSMT_ROOT, 0, ids, 64, 0) > 0,
			 "listmount");
		KW_CHECK_OK(umount(p));
	}
	/* frees run after an RCU grace period */
	for (tries = 0; tries < 50; tries++) {
		kw_read_file("/sys/module/kwish_mount/parameters/tracked_mount_ids",
			     val, sizeof(val));
		after = atoi(val);
		if (after <= before + 2)
			break;
		usleep(100000);
	}
	KW_CHECK(after <= before + 2, "table grew from %d to %d", before, after);
	return KW_PASS;
}

/* An rmmod that takes longer than this is counted as hung. */
#define UNLOAD_SECS	5

/* Load kwish_mount again if a test removed it. */
static int reload_mount_module(void)
{
	if (!kw_module_loaded("kwish_mount") &&
	    kw_module_insert("kwish_mount") < 0)
		return kw_fail("insmod kwish_mount: %s", kw_errname(errno));
	return KW_PASS;
}

/* Root, kwish_mount loaded and the syscalls answer (kwish's or native). */
static int need_unload(void)
{
	if (!kw_is_root())
		return kw_skip("unloading kwish_mount needs root");
	if (!kw_module_loaded("kwish_mount"))
		return kw_skip("kwish_mount not loaded");
	if (item_state() != KWISH_STATE_NATIVE &&
	    item_state() != KWISH_STATE_PRESENT)
		return kw_skip("item 25 is not provided (state %d)",
			       item_state());
	if (listmount_id(KWISH_LSMT_ROOT, 0, NULL, 0, 0) < 0)
		return kw_skip("statmount syscalls not answered here: %s",
			       kw_errname(errno));
	return KW_PASS;
}

/*
 * rmmod kwish_mount while a call of the caller is pending: it must come
 * back within UNLOAD_SECS.  @kwish: kwish answers the call (6.1), which
 * then pins the module: EAGAIN.  Returns a KW_ result; *@pid is the
 * rmmod child if it hung (still to be waited for), else 0.
 */
static int rmmod_while_pending(bool kwish, pid_t *pid)
{
	int rc;

	*pid = kw_module_remove_start("kwish_mount");
	KW_CHECK(*pid > 0, "fork: %s", kw_errname(errno));
	rc = kw_module_remove_wait(*pid, UNLOAD_SECS);
	if (rc < 0)
		return kw_fail("rmmod kwish_mount did not return within %d s (hangs in delete_module)",
			       UNLOAD_SECS);
	*pid = 0;
	kw_diag("rmmod kwish_mount: %s", rc ? kw_errname(rc) : "unloaded");
	if (kwish)
		KW_CHECK(rc == EAGAIN || rc == EBUSY,
			 "rmmod with a kwish call pending: %s, want EAGAIN",
			 rc ? kw_errname(rc) : "unloaded");
	else
		KW_CHECK(rc == 0 || rc == EAGAIN || rc == EBUSY, "rmmod: %s",
			 kw_errname(rc));
	return KW_PASS;
}

struct blocked_call {
	struct kwish_mnt_id_req req;
	void *buf;
	long ret;
	int err;
};

static void *blocked_statmount(void *arg)
{
	struct blocked_call *c = arg;

	c->ret = sys_statmount(&c->req, c->buf, 4096, 0);
	c->err = errno;
	return NULL;
}

static int test_rmmod_while_blocked_on_uffd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = { 0 };
	struct pollfd pfd = { .events = POLLIN };
	struct blocked_call c = { 0 };
	bool kwish = !native();
	struct uffd_msg msg;
	long page = sysconf(_SC_PAGESIZE);
	pthread_t thr;
	pid_t rmmod = 0;
	uint64_t id;
	int uffd, res;

	KW_TRY(need_unload());
	KW_CHECK(listmount_id(KWISH_LSMT_ROOT, 0, &id, 1, 0) == 1,
		 "listmount: %s", kw_errname(errno));
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		return kw_skip("userfaultfd: %s", kw_errname(errno));
	KW_CHECK_OK(ioctl(uffd, UFFDIO_API, &api));
	c.buf = mmap(NULL, page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	KW_CHECK(c.buf != MAP_FAILED, "mmap: %s", kw_errname(errno));
	reg.range.start = (uintptr_t)c.buf;
	reg.range.len = page;
	KW_CHECK_OK(ioctl(uffd, UFFDIO_REGISTER, &reg));

	c.req.size = KWISH_MNT_ID_REQ_SIZE_VER0;
	c.req.mnt_id = id;
	c.req.param = KWISH_STATMOUNT_SB_BASIC | KWISH_STATMOUNT_MNT_BASIC;
	KW_CHECK(pthread_create(&thr, NULL, blocked_statmount, &c) == 0,
		 "pthread_create");
	/* the call's copy_to_user() faults on the missing page and waits */
	pfd.fd = uffd;
	if (poll(&pfd, 1, 5000) != 1 || read(uffd, &msg, sizeof(msg)) !=
	    sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT) {
		res = kw_fail("statmount did not fault on the uffd page (ret %ld %s)",
			      c.ret, kw_errname(c.err));
		goto resolve;
	}
	res = rmmod_while_pending(kwish, &rmmod);
resolve:
	zero.range.start = (uintptr_t)c.buf;
	zero.range.len = page;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero) < 0 && res == KW_PASS)
		res = kw_fail("UFFDIO_ZEROPAGE: %s", kw_errname(errno));
	pthread_join(thr, NULL);
	if (rmmod > 0 && kw_module_remove_wait(rmmod, 30) < 0)
		return kw_fail("rmmod still hangs once the call is over");
	if (res == KW_PASS && c.ret != 0)
		res = kw_fail("statmount after the rmmod: %s",
			      kw_errname(c.err));
	if (res == KW_PASS &&
	    ((struct kwish_statmount *)c.buf)->mnt_id != id)
		res = kw_fail("statmount after the rmmod: mnt_id %#llx, want %#llx",
			      (unsigned long long)
			      ((struct kwish_statmount *)c.buf)->mnt_id,
			      (unsigned long long)id);
	close(uffd);
	KW_TRY(reload_mount_module());
	return res;
}

static int test_rmmod_at_syscall_exit_stop(void)
{
	struct kwish_mnt_id_req req = { .size = KWISH_MNT_ID_REQ_SIZE_VER0 };
	struct user_regs_struct regs;
	bool entered = false;
	pid_t pid, rmmod = 0;
	int status, res = KW_PASS;
	uint64_t id;

	KW_TRY(need_unload());
	KW_CHECK(listmount_id(KWISH_LSMT_ROOT, 0, &id, 1, 0) == 1,
		 "listmount: %s", kw_errname(errno));
	req.mnt_id = id;
	req.param = KWISH_STATMOUNT_MNT_BASIC;
	fflush(stdout);
	pid = fork();
	KW_CHECK(pid >= 0, "fork: %s", kw_errname(errno));
	if (pid == 0) {
		long r;

		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		memset(&u, 0, sizeof(u));
		r = sys_statmount(&req, &u, sizeof(u), 0);
		if (r)
			_exit(errno);
		_exit(u.sm.mnt_id == id ? 0 : 100);
	}
	KW_CHECK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status),
		 "tracee did not stop");
	KW_CHECK_OK(ptrace(PTRACE_SETOPTIONS, pid, NULL,
			   PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
	for (;;) {
		KW_CHECK_OK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL));
		KW_CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		KW_CHECK(WIFSTOPPED(status), "tracee ended early (%#x)",
			 status);
		if (WSTOPSIG(status) != (SIGTRAP | 0x80))
			continue;
		KW_CHECK_OK(ptrace(PTRACE_GETREGS, pid, NULL, &regs));
		if (regs.orig_rax != KWISH_NR_STATMOUNT)
			continue;
		if (entered)
			break;
		entered = true;
	}
	/* at the syscall-exit stop: the call is done (ptrace_notify()) */
	kw_diag("statmount at its syscall-exit stop: rax %lld",
		(long long)regs.rax);
	res = rmmod_while_pending(false, &rmmod);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	status = kw_wait(pid);
	if (rmmod > 0 && kw_module_remove_wait(rmmod, 30) < 0)
		return kw_fail("rmmod still hangs once the tracee went on");
	if (res == KW_PASS && status != 0)
		res = kw_fail("statmount of the tracee: %s",
			      status == 100 ? "wrong mnt_id" :
			      kw_errname(status));
	KW_TRY(reload_mount_module());
	return res;
}

/*
 * kwish_core's syscall backport switch (6.1): off, the syscall numbers
 * answer ENOSYS as the bare kernel does and /dev/kwish still answers;
 * item 25's status says so; on again, the syscalls answer.  Only root may
 * flip it (sysfs 0644): not uid 1000, not root of a user namespace.
 */
#define SYSCALLS_SWITCH "/sys/module/kwish_core/parameters/syscalls"

static bool reason_says_off(void)
{
	struct kwish_feature f[KWISH_ITEM_MAX];
	unsigned int nr = KWISH_ITEM_MAX;

	return kwish_status(-1, f, &nr, NULL) == 0 &&
	       strstr(f[24].reason, "syscalls statmount(457), listmount(458): off");
}

static int switch_refused(void)
{
	int ret = kw_write_file(SYSCALLS_SWITCH, "0");

	KW_CHECK(ret == -EACCES || ret == -EPERM,
		 "uid %d writes %s: %s, want EACCES", (int)geteuid(),
		 SYSCALLS_SWITCH, ret ? kw_errname(-ret) : "written");
	return KW_PASS;
}

static int switch_refused_in_userns(void)
{
	int ret = kw_enter_userns(0);

	if (ret < 0)
		return kw_skip("user namespace: %s", kw_errname(-ret));
	return switch_refused();
}

static int test_syscalls_switch(void)
{
	uint64_t ids[4];
	char was[8] = "";
	int res = KW_PASS;
	long r;

	if (native())
		return kw_skip("item 25 is native: no backport here");
	if (item_state() != KWISH_STATE_PRESENT)
		return kw_skip("item 25 not provided (state %d)", item_state());
	if (!kw_is_root())
		return switch_refused();
	KW_CHECK(kw_read_file(SYSCALLS_SWITCH, was, sizeof(was)) > 0,
		 "read %s: %s", SYSCALLS_SWITCH, kw_errname(errno));
	KW_TRY(kw_run_as_user(switch_refused));
	KW_TRY(kw_run_as_user(switch_refused_in_userns));

	KW_CHECK(kw_write_file(SYSCALLS_SWITCH, "0") == 0, "switch off");
	r = listmount_id(KWISH_LSMT_ROOT, 0, ids, 4, 0);
	if (r != -1 || errno != ENOSYS)
		res = kw_fail("listmount with the switch off: %ld (%s), want ENOSYS",
			      r, kw_errname(errno));
	else if (kwish_listmount(KWISH_LSMT_ROOT, 0, ids, 4, 0) < 1)
		res = kw_fail("libkwish listmount (/dev/kwish) with the switch off: %s",
			      kw_errname(errno));
	else if (!reason_says_off())
		res = kw_fail("item 25's status does not say the syscalls are off");

	KW_CHECK(kw_write_file(SYSCALLS_SWITCH, "1") == 0, "switch on");
	if (res == KW_PASS) {
		r = listmount_id(KWISH_LSMT_ROOT, 0, ids, 4, 0);
		if (r < 1)
			res = kw_fail("listmount with the switch on: %s",
				      kw_errname(errno));
		else if (reason_says_off())
			res = kw_fail("item 25's status still says off");
	}
	if (was[0] != 'Y')
		kw_write_file(SYSCALLS_SWITCH, "0");
	return res;
}

static int test_unprivileged(void)
{
	return kw_run_as_user(test_eperm_outside_root);
}

int main(void)
{
	static const struct kw_test tests[] = {
		KW_TEST(test_listmount_matches_mountinfo),
		KW_TEST(test_statmount_fields),
		KW_TEST(test_listmount_children),
		KW_TEST(test_ids_not_reused),
		KW_TEST(test_errno),
		KW_TEST(test_eperm_outside_root),
		KW_TEST(test_dev_kwish),
		KW_TEST(test_id_table_bounded),
		KW_TEST(test_unprivileged),
		KW_TEST(test_syscalls_switch),
		KW_TEST(test_rmmod_while_blocked_on_uffd),
		KW_TEST(test_rmmod_at_syscall_exit_stop),
	};
	int ret;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	ret = KW_RUN(tests);
	/* whatever happened: leave kwish_mount loaded */
	if (kw_is_root() && !kw_module_loaded("kwish_mount"))
		kw_module_insert("kwish_mount");
	return ret;
}
