// SPDX-License-Identifier: GPL-2.0
/*
 * native_item18_crossns_mount: wish-list item 18, native since Linux 5.2:
 * a mount prepared in one mount namespace is attached in another by file
 * descriptor, with open_tree(OPEN_TREE_CLONE) + move_mount(), where the
 * old way, mount("/proc/self/fd/N", ..., MS_BIND) of an fd from another
 * namespace, is refused with EINVAL.
 *
 * The test process first enters a mount namespace of its own (so nothing
 * leaks into the runner's), then a child prepares a tmpfs with a file in a
 * further namespace and passes the tree over SCM_RIGHTS.
 */
#include <limits.h>
#include <sys/mount.h>
#include <sys/socket.h>

#include "kwtap.h"

/* <linux/mount.h> clashes with glibc 2.36's <sys/mount.h>. */
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC	O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH	0x00000004
#endif
#ifndef SYS_move_mount
#define SYS_move_mount		429
#endif

#define CONTENT "prepared in another mount namespace\n"

static int sys_open_tree(int dfd, const char *path, unsigned int flags)
{
	return syscall(SYS_open_tree, dfd, path, flags);
}

static int sys_move_mount(int from_dfd, const char *from_path, int to_dfd,
			  const char *to_path, unsigned int flags)
{
	return syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path,
		       flags);
}

static char dir[] = "/tmp/kw18.XXXXXX";

static int send_fds(int sock, const int *fds, int n)
{
	char data = 'x';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(sock, &msg, 0) < 0 ? -1 : 0;
}

static int recv_fds(int sock, int *fds, int n)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t r;

	do {
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(n * sizeof(int))) {
		errno = EPROTO;
		return -1;
	}
	memcpy(fds, CMSG_DATA(c), n * sizeof(int));
	return 0;
}

static const char *D(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;
	char *p = buf[i++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

/*
 * The child: a mount namespace of its own, a tmpfs with a file in it, and
 * the tree (OPEN_TREE_CLONE) plus an O_PATH fd of it sent to the parent.
 */
static int child_prepare(int sock)
{
	int fds[2], fd;
	char ack;

	if (unshare(CLONE_NEWNS) < 0)
		return kw_fail("child: unshare(CLONE_NEWNS): %s",
			       kw_errname(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return kw_fail("child: make / rprivate: %s", kw_errname(errno));
	if (mount("kwish18", D("src"), "tmpfs", 0, "size=1m,mode=0755") < 0)
		return kw_fail("child: mount tmpfs: %s", kw_errname(errno));
	fd = open(D("src/hello"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, CONTENT, strlen(CONTENT)) < 0)
		return kw_fail("child: write file: %s", kw_errname(errno));
	close(fd);
	fds[0] = sys_open_tree(AT_FDCWD, D("src"),
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fds[0] < 0)
		return kw_fail("child: open_tree(OPEN_TREE_CLONE): %s",
			       kw_errname(errno));
	fds[1] = open(D("src"), O_PATH | O_CLOEXEC);
	if (fds[1] < 0)
		return kw_fail("child: open O_PATH: %s", kw_errname(errno));
	if (send_fds(sock, fds, 2) < 0)
		return kw_fail("child: sendmsg: %s", kw_errname(errno));
	/* Keep our namespace alive until the parent is done. */
	while (read(sock, &ack, 1) < 0 && errno == EINTR)
		;
	return KW_PASS;
}

/* Runs in the test process; @userns: do it all in a user namespace. */
static int scenario(bool userns)
{
	int sv[2], fds[2], ret, res;
	char procfd[64], buf[128];
	ssize_t n;
	pid_t pid;

	if (userns) {
		ret = kw_enter_userns(CLONE_NEWNS);
		if (ret < 0)
			return kw_skip("unshare(CLONE_NEWUSER|CLONE_NEWNS): %s",
				       kw_errname(-ret));
	} else {
		KW_CHECK_OK(unshare(CLONE_NEWNS));
	}
	KW_CHECK_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	/* A private tmpfs of the parent's own for the targets. */
	KW_CHECK_OK(mount("kwish18p", D("dst"), "tmpfs", 0,
			  "size=1m,mode=0755"));
	KW_CHECK_OK(mkdir(D("dst/new"), 0755));
	KW_CHECK_OK(mkdir(D("dst/old"), 0755));

	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		close(sv[0]);
		_exit(child_prepare(sv[1]));
	}
	close(sv[1]);
	if (recv_fds(sv[0], fds, 2) < 0) {
		kw_wait(pid);
		return kw_fail("no fds from the child: %s", kw_errname(errno));
	}

	/* The new way. */
	res = KW_PASS;
	if (sys_move_mount(fds[0], "", AT_FDCWD, D("dst/new"),
			   MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		res = kw_fail("move_mount of the other namespace's tree: %s",
			      kw_errname(errno));
	} else {
		ret = kw_read_file(D("dst/new/hello"), buf, sizeof(buf));
		if (ret < 0 || strcmp(buf, CONTENT))
			res = kw_fail("dst/new/hello after move_mount: %s",
				      ret < 0 ? kw_errname(-ret) :
				      "wrong content");
	}

	/* The old way: a bind mount of the fd's path is refused. */
	snprintf(procfd, sizeof(procfd), "/proc/self/fd/%d", fds[1]);
	errno = 0;
	ret = mount(procfd, D("dst/old"), NULL, MS_BIND, NULL);
	if (res == KW_PASS && (ret == 0 || errno != EINVAL))
		res = kw_fail("mount(%s, MS_BIND) from another namespace: %s, want EINVAL",
			      procfd, ret == 0 ? "success" : kw_errname(errno));

	n = write(sv[0], "x", 1);
	(void)n;
	close(sv[0]);
	ret = kw_wait(pid);
	if (ret != KW_PASS)
		return ret;
	/* The file must not be there through the refused bind. */
	if (res == KW_PASS && access(D("dst/old/hello"), F_OK) == 0)
		res = kw_fail("dst/old/hello exists after the refused bind");
	return res;
}

static int test_move_mount_crossns(void)
{
	if (!kw_is_root())
		return kw_skip("root only; see test_move_mount_crossns_userns");
	return scenario(false);
}

static int test_move_mount_crossns_userns(void)
{
	return scenario(true);
}

static int eperm_as_user(void)
{
	int fd;

	KW_CHECK_ERRNO(sys_open_tree(AT_FDCWD, dir,
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC),
		       EPERM);
	fd = open(dir, O_PATH | O_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(sys_move_mount(fd, "", AT_FDCWD, D("dst"),
				      MOVE_MOUNT_F_EMPTY_PATH), EPERM);
	close(fd);
	return KW_PASS;
}

/* Without CAP_SYS_ADMIN in the mount namespace's user namespace: EPERM. */
static int test_unprivileged_eperm(void)
{
	return kw_run_as_user(eperm_as_user);
}

int main(void)
{
	static const struct kw_test tests[] = {
		KW_TEST(test_move_mount_crossns),
		KW_TEST(test_move_mount_crossns_userns),
		KW_TEST(test_unprivileged_eperm),
	};
	int ret;

	if (!mkdtemp(dir) || chmod(dir, 0755) < 0 ||
	    mkdir(D("src"), 0755) < 0 || mkdir(D("dst"), 0755) < 0) {
		printf("TAP version 13\n1..0\nBail out! setup: %s\n",
		       strerror(errno));
		return 1;
	}
	ret = KW_RUN(tests);
	kw_rm_rf(dir);
	return ret;
}
