// SPDX-License-Identifier: GPL-2.0
/*
 * item11_mount_owner: KWISH_MOUNT_OWNER (wish-list item 11): the user
 * namespace that owns a mount's namespace, and whether the caller could
 * unmount it; on v6.1 also as the statmount extension
 * KWISH_STATMOUNT_MNT_OWNER.
 *
 * Every "can unmount" answer is checked against umount2() itself: a
 * mount of the caller's own namespace (yes), a mount inherited into a new
 * user + mount namespace (locked: umount2 fails with EINVAL), the
 * namespace's root, a mount of another namespace, an open_tree() clone.
 */
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "kwtap.h"
#include "libkwish.h"


static char dir[] = "/tmp/kw11.XXXXXX";

static int owner_of(const char *path, struct kwish_mount_owner *o)
{
	int fd = open(path, O_PATH | O_CLOEXEC), ret, err;

	if (fd < 0)
		return -1;
	ret = kwish_mount_owner(fd, 0, o);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/* The inode of the caller's user namespace (the link followed). */
static unsigned long userns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/user", &st) < 0 ? 0 : st.st_ino;
}

static int need_item(void)
{
	struct kwish_mount_owner o;

	if (kwish_mount_owner(0, 0, &o) < 0 && errno == EOPNOTSUPP)
		return kw_fail("KWISH_MOUNT_OWNER: EOPNOTSUPP (kwish_mount loaded?)");
	return KW_PASS;
}

/* A new user + mount namespace, as an unprivileged container gets. */
static int enter_userns_mountns(void)
{
	int ret = kw_enter_userns(CLONE_NEWNS);

	if (ret < 0)
		return kw_skip("user + mount namespace: %s", kw_errname(-ret));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return kw_fail("making / private: %s", kw_errname(errno));
	return KW_PASS;
}

static int test_own_mount(void)
{
	struct kwish_mount_owner o;

	KW_TRY(need_item());
	KW_TRY(enter_userns_mountns());
	KW_CHECK_OK(mount("kw11", dir, "tmpfs", 0, "size=1m"));
	KW_CHECK_OK(owner_of(dir, &o));
	KW_CHECK(o.umount_flags == (KWISH_UMOUNT_CAN | KWISH_UMOUNT_CALLER_NS |
				    KWISH_UMOUNT_NS_ADMIN |
				    KWISH_UMOUNT_OWNER_DESCENDANT),
		 "flags %#x", o.umount_flags);
	KW_CHECK(o.userns_ino == userns_ino(), "owner %llu, mine %lu",
		 (unsigned long long)o.userns_ino, userns_ino());
	KW_CHECK(o.owner_uid == 0, "owner uid %u (uid 0 in the new ns)",
		 o.owner_uid);
	KW_CHECK(o.mnt_id > (1ULL << 31) && o.mnt_ns_id, "ids");
	KW_CHECK_OK(umount2(dir, 0));
	return KW_PASS;
}

/* An inherited mount (not the root) of the current namespace, or NULL. */
static const char *inherited_mount(struct kwish_mount_owner *o)
{
	static const char *const cands[] = { "/proc", "/sys", "/dev", "/tmp" };
	unsigned int i;

	for (i = 0; i < KW_ARRAY_SIZE(cands); i++)
		if (owner_of(cands[i], o) == 0 &&
		    !(o->umount_flags & KWISH_UMOUNT_NS_ROOT))
			return cands[i];
	return NULL;
}

/* Mounts copied into a less privileged namespace are locked. */
static int test_inherited_locked(void)
{
	struct kwish_mount_owner o;
	const char *p;

	KW_TRY(need_item());
	KW_TRY(enter_userns_mountns());
	p = inherited_mount(&o);
	KW_CHECK(p, "no inherited child mount found");
	KW_CHECK((o.umount_flags & (KWISH_UMOUNT_LOCKED | KWISH_UMOUNT_CALLER_NS |
				    KWISH_UMOUNT_NS_ADMIN)) ==
		 (KWISH_UMOUNT_LOCKED | KWISH_UMOUNT_CALLER_NS |
		  KWISH_UMOUNT_NS_ADMIN) && !(o.umount_flags & KWISH_UMOUNT_CAN),
		 "%s: flags %#x", p, o.umount_flags);
	KW_CHECK_ERRNO(umount2(p, 0), EINVAL);
	/* the namespace's root */
	KW_CHECK_OK(owner_of("/", &o));
	if (o.umount_flags & KWISH_UMOUNT_NS_ROOT)
		KW_CHECK(!(o.umount_flags & KWISH_UMOUNT_CAN), "root: %#x",
			 o.umount_flags);
	return KW_PASS;
}

/* A mount of the parent namespace, seen from a child user namespace. */
static int test_other_namespace(void)
{
	struct kwish_mount_owner o, before;
	unsigned long parent_ino = userns_ino();
	int fd;

	KW_TRY(need_item());
	fd = open("/", O_PATH | O_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(kwish_mount_owner(fd, 0, &before));
	KW_CHECK(before.userns_ino == parent_ino &&
		 before.umount_flags & KWISH_UMOUNT_CALLER_NS,
		 "owner of / %llu", (unsigned long long)before.userns_ino);
	KW_TRY(enter_userns_mountns());
	KW_CHECK_OK(kwish_mount_owner(fd, 0, &o));
	close(fd);
	KW_CHECK(o.mnt_id == before.mnt_id && o.mnt_ns_id == before.mnt_ns_id,
		 "same mount, same answer for ids");
	KW_CHECK(!(o.umount_flags & (KWISH_UMOUNT_CAN | KWISH_UMOUNT_CALLER_NS |
				     KWISH_UMOUNT_NS_ADMIN |
				     KWISH_UMOUNT_OWNER_DESCENDANT)),
		 "flags %#x", o.umount_flags);
	KW_CHECK(o.userns_ino == before.userns_ino && o.userns_ino != userns_ino(),
		 "owner ino");
	return KW_PASS;
}

static int test_by_id_and_statmount(void)
{
	union {
		struct kwish_statmount sm;
		char buf[4096];
	} u;
	struct kwish_mount_owner o, b;

	KW_TRY(need_item());
	KW_TRY(enter_userns_mountns());
	KW_CHECK_OK(mount("kw11", dir, "tmpfs", 0, "size=1m"));
	KW_CHECK_OK(owner_of(dir, &o));
	KW_CHECK_OK(kwish_mount_owner(-1, o.mnt_id, &b));
	KW_CHECK(b.mnt_id == o.mnt_id && b.umount_flags == o.umount_flags &&
		 b.userns_ino == o.userns_ino, "by id differs");
	KW_CHECK_OK(kwish_statmount(o.mnt_id, KWISH_STATMOUNT_MNT_OWNER |
				    KWISH_STATMOUNT_MNT_BASIC, &u.sm,
				    sizeof(u), 0));
	if (!(u.sm.mask & KWISH_STATMOUNT_MNT_OWNER)) {
		/* the kernel's own statmount: no kwish extension */
		KW_CHECK(u.sm.mask & KWISH_STATMOUNT_MNT_BASIC, "mask");
		kw_diag("native statmount: extension not offered (as documented)");
		return KW_PASS;
	}
	KW_CHECK(u.sm.kw_umount_flags == o.umount_flags &&
		 u.sm.kw_owner_userns_ino == o.userns_ino &&
		 u.sm.kw_owner_uid == o.owner_uid, "statmount extension differs");
	return KW_PASS;
}

static int test_detached(void)
{
	struct kwish_mount_owner o;
	int fd;

	KW_TRY(need_item());
	KW_TRY(enter_userns_mountns());
	KW_CHECK_OK(mount("kw11", dir, "tmpfs", 0, "size=1m"));
	fd = syscall(SYS_open_tree, AT_FDCWD, dir, OPEN_TREE_CLONE | O_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(kwish_mount_owner(fd, 0, &o));
	close(fd);
	KW_CHECK(o.umount_flags & KWISH_UMOUNT_DETACHED &&
		 !(o.umount_flags & KWISH_UMOUNT_CAN), "flags %#x",
		 o.umount_flags);
	return KW_PASS;
}

/*
 * Files of kern_mount() file systems (pipefs, sockfs, anon inodes) are on
 * mounts whose namespace is the kernel's internal marker, not a
 * namespace: answered as detached, never dereferenced (an oops on 6.1
 * and 6.12 before).
 */
static int test_internal_mounts(void)
{
	struct kwish_mount_owner o;
	int p[2], s, i;

	KW_TRY(need_item());
	KW_CHECK_OK(pipe2(p, O_CLOEXEC));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(s);
	for (i = 0; i < 2; i++) {
		KW_CHECK_OK(kwish_mount_owner(i ? s : p[0], 0, &o));
		KW_CHECK(o.umount_flags == KWISH_UMOUNT_DETACHED &&
			 !o.mnt_ns_id && !o.userns_ino && o.mnt_id,
			 "%s: flags %#x ns %llu", i ? "socket" : "pipe",
			 o.umount_flags, (unsigned long long)o.mnt_ns_id);
	}
	close(p[0]);
	close(p[1]);
	close(s);
	return KW_PASS;
}

static int test_errno(void)
{
	struct kwish_mount_owner o = { .size = sizeof(o) };
	int kfd;

	KW_TRY(need_item());
	kfd = kwish_open();
	KW_CHECK_OK(kfd);
	o.fd = 9999;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_OWNER, &o), EBADF);
	o.fd = kfd;
	o.flags = 2;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_OWNER, &o), EINVAL);
	o.flags = 0;
	o.__reserved = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_OWNER, &o), EINVAL);
	o.__reserved = 0;
	o.mnt_id = 5;		/* an id without BY_ID */
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_OWNER, &o), EINVAL);
	o.flags = KWISH_MOUNT_OWNER_BY_ID;	/* with an fd */
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_OWNER, &o), EINVAL);
	o.fd = -1;
	o.mnt_id = 3ULL << 40;	/* no such mount */
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_OWNER, &o), ENOENT);
	o.mnt_id = 0;
	o.flags = 0;
	o.fd = kfd;
	o.size = KWISH_MOUNT_OWNER_SIZE_VER0 - 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_OWNER, &o), EINVAL);
	o.size = sizeof(o);
	KW_CHECK_OK(ioctl(kfd, KWISH_MOUNT_OWNER, &o));
	close(kfd);
	return KW_PASS;
}

static int test_kwishctl(void)
{
	char ctl[PATH_MAX], out[4096];
	char *argv[] = { ctl, "mount-owner", "--check", dir, NULL };
	struct kwish_mount_owner o;
	const char *p;
	int st;

	if (!kw_find_kwishctl(ctl, sizeof(ctl)))
		return kw_skip("kwishctl not found");
	KW_TRY(need_item());
	KW_TRY(enter_userns_mountns());
	KW_CHECK_OK(mount("kw11", dir, "tmpfs", 0, "size=1m"));
	st = kw_run_cmd(argv, -1, out, sizeof(out));
	KW_CHECK(st == 0 && strstr(out, "can unmount: yes"), "status %d: %s",
		 st, out);
	p = inherited_mount(&o);
	KW_CHECK(p, "no inherited child mount found");
	argv[3] = (char *)p;
	st = kw_run_cmd(argv, -1, out, sizeof(out));
	KW_CHECK(st == 7 && strstr(out, "locked"), "status %d: %s", st, out);
	return KW_PASS;
}

int main(void)
{
	static const struct kw_test tests[] = {
		KW_TEST(test_own_mount),
		KW_TEST(test_inherited_locked),
		KW_TEST(test_other_namespace),
		KW_TEST(test_by_id_and_statmount),
		KW_TEST(test_detached),
		KW_TEST(test_internal_mounts),
		KW_TEST(test_errno),
		KW_TEST(test_kwishctl),
	};

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	/* reachable for uid 1000 inside its user namespace */
	chmod(dir, 0777);
	return KW_RUN(tests);
}
