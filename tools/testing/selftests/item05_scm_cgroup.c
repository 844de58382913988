// SPDX-License-Identifier: GPL-2.0
/*
 * item05_scm_cgroup: wish-list item 5, the sender's cgroup v2 id with
 * every AF_UNIX message (SO_KWISH_PASSCGROUPID / SCM_KWISH_CGROUPID),
 * taken at send time, and the peer's (SO_KWISH_PEERCGROUPID); kwish_net
 * on 6.1 and 6.12.
 *
 * Root creates child cgroups under /sys/fs/cgroup (cgroup2): a process
 * moves into one, sends and exits; it is reaped and its cgroup is left
 * before the receiver reads, and the receiver still gets that cgroup's id
 * and resolves it to the path.  uid 1000 cannot create cgroups: it checks
 * the id of its own messages against its own cgroup.
 */
#include <ftw.h>
#include <sys/socket.h>

#include "kwtap.h"
#include "kwnet.h"

#define CG_ROOT	"/sys/fs/cgroup"

/* The cgroup v2 id of a cgroup directory: its inode number. */
static uint64_t cg_id_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? 0 : st.st_ino;
}

static uint64_t cg_self_id(void)
{
	char buf[512], path[PATH_MAX], *p;

	if (kw_read_file("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "0::");
	if (!p)
		return 0;
	p[strcspn(p, "\n")] = '\0';
	snprintf(path, sizeof(path), "%s%s", CG_ROOT, p + 3);
	return cg_id_of(path);
}

/* Resolve a cgroup id to its path below CG_ROOT (how a receiver would). */
static uint64_t resolve_id;
static char resolved[PATH_MAX];

static int resolve_cb(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	if (type == FTW_D && st->st_ino == resolve_id) {
		snprintf(resolved, sizeof(resolved), "%s", path);
		return 1;
	}
	return 0;
}

static const char *cg_path_of_id(uint64_t id)
{
	resolve_id = id;
	resolved[0] = '\0';
	nftw(CG_ROOT, resolve_cb, 16, FTW_PHYS | FTW_MOUNT);
	return resolved;
}

/* SCM_KWISH_CGROUPID of one recvmsg(), 0 if none. */
static ssize_t recv_cg(int fd, char *buf, size_t len, size_t ctl_len,
		       uint64_t *id, int *mflags)
{
	union {
		char buf[256];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl_len ? ctl.buf : NULL,
		.msg_controllen = ctl_len,
	};
	struct cmsghdr *cm;
	ssize_t n;

	*id = 0;
	n = recvmsg(fd, &msg, 0);
	*mflags = msg.msg_flags;
	if (n < 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_KWISH_CGROUPID &&
		    cm->cmsg_len == CMSG_LEN(sizeof(uint64_t)))
			memcpy(id, CMSG_DATA(cm), sizeof(*id));
	return n;
}

static int test_reported(void)
{
	int state = kwnet_item_state(5);

	if (state < 0)
		return kw_skip("kwish_core not loaded");
	KW_CHECK(state == KWISH_STATE_PRESENT, "item 5 state %d", state);
	return KW_PASS;
}

static int test_option(void)
{
	socklen_t len;
	uint64_t id;
	int fd, sv[2];
	short s = 1;

	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	KW_CHECK(kwnet_getint(sv[0], SO_KWISH_PASSCGROUPID) == 0, "default");
	KW_CHECK_OK(kwnet_setint(sv[0], SO_KWISH_PASSCGROUPID, 1));
	KW_CHECK(kwnet_getint(sv[0], SO_KWISH_PASSCGROUPID) == 1, "not set");
	KW_CHECK_OK(kwnet_setint(sv[0], SO_KWISH_PASSCGROUPID, 0));
	KW_CHECK(kwnet_getint(sv[0], SO_KWISH_PASSCGROUPID) == 0, "not off");
	KW_CHECK_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_KWISH_PASSCGROUPID, &s,
				  sizeof(s)), EINVAL);
	len = 4;
	KW_CHECK_ERRNO(getsockopt(sv[0], SOL_SOCKET, SO_KWISH_PEERCGROUPID, &id,
				  &len), EINVAL);
	len = sizeof(id);
	KW_CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_KWISH_PEERCGROUPID, &id,
			       &len));
	KW_CHECK(len == 8 && id == cg_self_id(),
		 "socketpair peer cgroup %llu, own %llu",
		 (unsigned long long)id, (unsigned long long)cg_self_id());
	KW_CHECK_ERRNO(kwnet_setint(sv[0], SO_KWISH_PEERCGROUPID, 1),
		       ENOPROTOOPT);
	close(sv[0]);
	close(sv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(getsockopt(fd, SOL_SOCKET, SO_KWISH_PEERCGROUPID, &id,
				  &len), ENODATA);
	close(fd);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(kwnet_setint(fd, SO_KWISH_PASSCGROUPID, 1), EOPNOTSUPP);
	close(fd);
	return KW_PASS;
}

/* Own messages carry the own cgroup; no buffer: MSG_CTRUNC. */
static int own_case(void)
{
	uint64_t id, self = cg_self_id();
	int sv[2], mflags, type;
	char buf[8];

	KW_CHECK(self, "no own cgroup v2 id");
	for (type = SOCK_STREAM; type <= SOCK_SEQPACKET; type++) {
		if (type == SOCK_RAW || type == SOCK_RDM)
			continue;
		KW_CHECK_OK(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv));
		KW_CHECK(send(sv[1], "a", 1, 0) == 1, "send");
		KW_CHECK(recv_cg(sv[0], buf, 1, 256, &id, &mflags) == 1,
			 "recv");
		KW_CHECK(id == 0, "type %d: cmsg without the option", type);
		KW_CHECK_OK(kwnet_setint(sv[0], SO_KWISH_PASSCGROUPID, 1));
		KW_CHECK(send(sv[1], "b", 1, 0) == 1, "send");
		KW_CHECK(recv_cg(sv[0], buf, 1, 256, &id, &mflags) == 1,
			 "recv");
		KW_CHECK(id == self, "type %d: id %llu, own %llu", type,
			 (unsigned long long)id, (unsigned long long)self);
		KW_CHECK(send(sv[1], "c", 1, 0) == 1, "send");
		KW_CHECK(recv_cg(sv[0], buf, 1, 0, &id, &mflags) == 1, "recv");
		KW_CHECK(mflags & MSG_CTRUNC, "type %d: no MSG_CTRUNC", type);
		close(sv[0]);
		close(sv[1]);
	}
	return KW_PASS;
}

static int test_own_cgroup(void)
{
	return own_case();
}

static int test_unprivileged(void)
{
	return kw_run_as_user(own_case);
}

/* A child that enters cgroup @cg, sends @msg on @fd and exits. */
static pid_t send_from_cgroup(const char *cg, int fd, const char *msg)
{
	char procs[PATH_MAX];
	pid_t pid;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (kw_write_file(procs, "0") < 0)
			_exit(2);
		_exit(send(fd, msg, strlen(msg), 0) == (ssize_t)strlen(msg) ?
		      0 : 1);
	}
	return pid;
}

static int make_cgroup(char *path, size_t size, const char *name)
{
	snprintf(path, size, "%s/kwish-t5-%s-%d", CG_ROOT, name, getpid());
	if (mkdir(path, 0755) < 0)
		return -errno;
	return 0;
}

static int test_sender_in_child_cgroup_exits(void)
{
	char cg[PATH_MAX], buf[8];
	uint64_t id, want;
	int sv[2], mflags, ret;
	const char *path;
	pid_t pid;

	if (!kw_is_root())
		return kw_skip("creating cgroups needs root (uid 1000: test_unprivileged)");
	ret = make_cgroup(cg, sizeof(cg), "a");
	if (ret < 0)
		return kw_skip("mkdir in %s: %s", CG_ROOT, kw_errname(-ret));
	want = cg_id_of(cg);
	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	KW_CHECK_OK(kwnet_setint(sv[0], SO_KWISH_PASSCGROUPID, 1));
	pid = send_from_cgroup(cg, sv[1], "gone");
	KW_CHECK_OK(pid);
	KW_CHECK(kw_wait(pid) == 0, "sender failed");
	/* the sender is reaped; its cgroup is empty again */
	KW_CHECK(recv_cg(sv[0], buf, sizeof(buf), 256, &id, &mflags) == 4,
		 "recv");
	KW_CHECK(id == want, "id %llu, want %llu (child cgroup)",
		 (unsigned long long)id, (unsigned long long)want);
	path = cg_path_of_id(id);
	KW_CHECK(!strcmp(path, cg), "id resolves to '%s', want %s", path, cg);
	close(sv[0]);
	close(sv[1]);
	KW_CHECK_OK(rmdir(cg));
	return KW_PASS;
}

/*
 * A stream from two cgroups: each read returns one cgroup's bytes only.
 * The id is the one at send time even if the sender moves afterwards.
 */
static int test_stream_two_cgroups(void)
{
	char cga[PATH_MAX], cgb[PATH_MAX], buf[16];
	uint64_t id;
	int sv[2], mflags, ret;
	pid_t pid;

	if (!kw_is_root())
		return kw_skip("creating cgroups needs root");
	ret = make_cgroup(cga, sizeof(cga), "sa");
	if (ret == 0)
		ret = make_cgroup(cgb, sizeof(cgb), "sb");
	if (ret < 0)
		return kw_skip("mkdir in %s: %s", CG_ROOT, kw_errname(-ret));
	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	KW_CHECK_OK(kwnet_setint(sv[0], SO_KWISH_PASSCGROUPID, 1));
	pid = send_from_cgroup(cga, sv[1], "aaaa");
	KW_CHECK(pid > 0 && kw_wait(pid) == 0, "sender a");
	pid = send_from_cgroup(cgb, sv[1], "bbbbbb");
	KW_CHECK(pid > 0 && kw_wait(pid) == 0, "sender b");
	KW_CHECK(recv_cg(sv[0], buf, sizeof(buf), 256, &id, &mflags) == 4,
		 "first read is not exactly a's 4 bytes");
	KW_CHECK(id == cg_id_of(cga), "first read: wrong cgroup");
	KW_CHECK(recv_cg(sv[0], buf, sizeof(buf), 256, &id, &mflags) == 6,
		 "second read");
	KW_CHECK(id == cg_id_of(cgb), "second read: wrong cgroup");
	close(sv[0]);
	close(sv[1]);
	KW_CHECK_OK(rmdir(cga));
	KW_CHECK_OK(rmdir(cgb));
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_reported),
	KW_TEST(test_option),
	KW_TEST(test_own_cgroup),
	KW_TEST(test_unprivileged),
	KW_TEST(test_sender_in_child_cgroup_exits),
	KW_TEST(test_stream_two_cgroups),
};

int main(void)
{
	return KW_RUN(tests);
}
