// SPDX-License-Identifier: GPL-2.0
/*
 * native_item15_pidns: wish-list item 15, native since Linux 3.8: the
 * initial PID namespace has the fixed inode number PROC_PID_INIT_INO
 * (0xEFFFFFFC), so stat("/proc/self/ns/pid") tells reliably whether a
 * process runs in a PID namespace other than the main one.
 */
#include <sys/ioctl.h>
#include <linux/nsfs.h>

#include "kwtap.h"

#define PROC_PID_INIT_INO	0xEFFFFFFCU

static int ns_ino(const char *path, unsigned long *ino)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	*ino = st.st_ino;
	return 0;
}

/* What systemd-detect-virt --container could do with it. */
static int in_init_pidns(void)
{
	unsigned long ino;

	if (ns_ino("/proc/self/ns/pid", &ino) < 0)
		return -1;
	return ino == PROC_PID_INIT_INO;
}

static int check_init(void)
{
	unsigned long ino;

	KW_CHECK_OK(ns_ino("/proc/self/ns/pid", &ino));
	KW_CHECK(ino == PROC_PID_INIT_INO,
		 "/proc/self/ns/pid inode %#lx, want %#x", ino,
		 PROC_PID_INIT_INO);
	KW_CHECK_OK(ns_ino("/proc/self/ns/pid_for_children", &ino));
	KW_CHECK(ino == PROC_PID_INIT_INO,
		 "/proc/self/ns/pid_for_children inode %#lx, want %#x", ino,
		 PROC_PID_INIT_INO);
	KW_CHECK(in_init_pidns() == 1, "in_init_pidns() says no");
	return KW_PASS;
}

static int test_init_ns_inode(void)
{
	return check_init();
}

static int test_init_ns_inode_as_user(void)
{
	return kw_run_as_user(check_init);
}

static int test_nsfs_type(void)
{
	int fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	int type;

	KW_CHECK_OK(fd);
	type = ioctl(fd, NS_GET_NSTYPE);
	KW_CHECK(type == CLONE_NEWPID, "NS_GET_NSTYPE %d (%s), want %d",
		 type, type < 0 ? kw_errname(errno) : "", CLONE_NEWPID);
	close(fd);
	return KW_PASS;
}

/* Child B: pid 1 of the new namespace; stays until @fd is closed. */
static int child_b(int fd)
{
	unsigned long ino;
	char c;

	if (getpid() != 1)
		return kw_fail("first child in the new namespace is pid %d",
			       getpid());
	if (ns_ino("/proc/self/ns/pid", &ino) < 0)
		return kw_fail("stat /proc/self/ns/pid: %s", kw_errname(errno));
	if (ino == PROC_PID_INIT_INO)
		return kw_fail("inside a new pid namespace the inode is still %#x",
			       PROC_PID_INIT_INO);
	if (in_init_pidns() != 0)
		return kw_fail("in_init_pidns() says yes inside a new pid namespace");
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	return KW_PASS;
}

/* A looks at B's namespace from the outside. */
static int check_b(pid_t pid)
{
	unsigned long ino_kids;
	char path[64];
	struct stat st, pst;
	int nsfd, pfd;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	KW_CHECK(nsfd >= 0, "open %s: %s", path, kw_errname(errno));
	KW_CHECK_OK(fstat(nsfd, &st));
	KW_CHECK(st.st_ino != PROC_PID_INIT_INO,
		 "%s is the initial namespace", path);
	/* pid_for_children exists once the namespace has its init. */
	KW_CHECK_OK(ns_ino("/proc/self/ns/pid_for_children", &ino_kids));
	KW_CHECK(ino_kids == st.st_ino,
		 "pid_for_children %#lx, child's pid ns %#lx", ino_kids,
		 (unsigned long)st.st_ino);
	pfd = ioctl(nsfd, NS_GET_PARENT);
	KW_CHECK(pfd >= 0, "NS_GET_PARENT: %s", kw_errname(errno));
	KW_CHECK_OK(fstat(pfd, &pst));
	KW_CHECK(pst.st_ino == PROC_PID_INIT_INO,
		 "parent of the new pid ns has inode %#lx, want %#x",
		 (unsigned long)pst.st_ino, PROC_PID_INIT_INO);
	close(pfd);
	close(nsfd);
	return KW_PASS;
}

/*
 * Process A unshares a PID namespace (alone, or with a user namespace):
 * its own pid namespace stays the initial one, its next child B is pid 1
 * of the new one and sees a different inode.
 */
static int in_child_ns(bool userns)
{
	unsigned long ino;
	int pipefd[2], ret, res;
	pid_t pid;

	if (!userns) {
		if (unshare(CLONE_NEWPID) < 0)
			return kw_fail("unshare(CLONE_NEWPID): %s",
				       kw_errname(errno));
	} else {
		ret = kw_enter_userns(CLONE_NEWPID);
		if (ret < 0)
			return kw_skip("unshare(CLONE_NEWUSER|CLONE_NEWPID): %s",
				       kw_errname(-ret));
	}
	KW_CHECK_OK(ns_ino("/proc/self/ns/pid", &ino));
	KW_CHECK(ino == PROC_PID_INIT_INO,
		 "after unshare the caller's own pid ns changed (%#lx)", ino);

	KW_CHECK_OK(pipe2(pipefd, O_CLOEXEC));
	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		close(pipefd[1]);
		_exit(child_b(pipefd[0]));
	}
	close(pipefd[0]);
	res = check_b(pid);
	close(pipefd[1]);
	ret = kw_wait(pid);
	return res != KW_PASS ? res : ret;
}

static int test_new_pidns(void)
{
	if (!kw_is_root())
		return kw_skip("unshare(CLONE_NEWPID) needs root; see test_new_pidns_in_userns");
	return in_child_ns(false);
}

/* What an unprivileged container manager does. */
static int test_new_pidns_in_userns(void)
{
	return in_child_ns(true);
}

static const struct kw_test tests[] = {
	KW_TEST(test_init_ns_inode),
	KW_TEST(test_init_ns_inode_as_user),
	KW_TEST(test_nsfs_type),
	KW_TEST(test_new_pidns),
	KW_TEST(test_new_pidns_in_userns),
};

int main(void)
{
	return KW_RUN(tests);
}
