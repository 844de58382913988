// SPDX-License-Identifier: GPL-2.0
/*
 * item06_scm_pidfd: wish-list item 6, SO_PASSPIDFD / SCM_PIDFD /
 * SO_PEERPIDFD with upstream's uapi (v6.5): provided by kwish_net on 6.1,
 * native on 6.12.  The tests are written against the upstream interface
 * only, as an unmodified program would be; the values come from
 * <linux/kwish.h> where the libc headers lack them.
 *
 * Each test also runs as uid 1000 (the runner runs the program twice);
 * test_unprivileged_journald runs the journald case as uid 1000 from root.
 */
#include <sys/syscall.h>

#include "kwtap.h"
#include "kwnet.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int pidfd_send_signal(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* Fork a child that sends @msg on @fd and exits at once. */
static pid_t send_and_exit(int fd, const char *msg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(send(fd, msg, strlen(msg), MSG_NOSIGNAL) ==
		      (ssize_t)strlen(msg) ? 0 : 1);
	return pid;
}

/* Wait until @pid is a zombie (exited, not reaped). */
static void wait_zombie(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
}

static int test_reported(void)
{
	int state = kwnet_item_state(6);

	if (state < 0)
		return kw_skip("kwish_core not loaded");
	KW_CHECK(state == KWISH_STATE_PRESENT || state == KWISH_STATE_NATIVE,
		 "item 6 state %d, want present or native", state);
	return KW_PASS;
}

static int test_option_roundtrip(void)
{
	int sv[2];
	socklen_t len;
	short s;

	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	KW_CHECK(kwnet_getint(sv[0], SO_PASSPIDFD) == 0, "default not 0");
	KW_CHECK_OK(kwnet_setint(sv[0], SO_PASSPIDFD, 1));
	KW_CHECK(kwnet_getint(sv[0], SO_PASSPIDFD) == 1, "not set");
	KW_CHECK_OK(kwnet_setint(sv[0], SO_PASSPIDFD, 0));
	KW_CHECK(kwnet_getint(sv[0], SO_PASSPIDFD) == 0, "not cleared");
	KW_CHECK_OK(kwnet_setint(sv[0], SO_PASSPIDFD, 42));
	KW_CHECK(kwnet_getint(sv[0], SO_PASSPIDFD) == 1, "42 is not true");
	s = 1;
	KW_CHECK_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_PASSPIDFD, &s,
				  sizeof(s)), EINVAL);
	KW_CHECK_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_PASSPIDFD, kw_bad_ptr(),
				  sizeof(int)), EFAULT);
	len = sizeof(int);
	KW_CHECK_ERRNO(getsockopt(sv[0], SOL_SOCKET, SO_PASSPIDFD, kw_bad_ptr(),
				  &len), EFAULT);
	/* SO_PEERPIDFD is read-only */
	KW_CHECK_ERRNO(kwnet_setint(sv[0], SO_PEERPIDFD, 1), ENOPROTOOPT);
	close(sv[0]);
	close(sv[1]);
	return KW_PASS;
}

/* One datagram from a child: SCM_PIDFD of that child, O_CLOEXEC. */
static int dgram_case(int type, int recv_flags)
{
	struct kwnet_cmsgs c;
	char buf[64];
	int sv[2], mflags;
	pid_t pid;

	KW_CHECK_OK(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv));
	KW_CHECK_OK(kwnet_setint(sv[0], SO_PASSPIDFD, 1));
	pid = send_and_exit(sv[1], "hello");
	KW_CHECK_OK(pid);
	KW_CHECK(kwnet_recv(sv[0], buf, sizeof(buf), 256, recv_flags, &c,
			    &mflags) == 5, "recv: %s", kw_errname(errno));
	KW_CHECK(c.nr == 1 && c.types[0] == SCM_PIDFD,
		 "%d cmsgs, first %d: want one SCM_PIDFD", c.nr, c.types[0]);
	KW_CHECK(c.pidfd >= 0, "SCM_PIDFD carries %d", c.pidfd);
	KW_CHECK(kwnet_pidfd_pid(c.pidfd) == pid, "pidfd of %d, sender %d",
		 kwnet_pidfd_pid(c.pidfd), pid);
	KW_CHECK(fcntl(c.pidfd, F_GETFD) == FD_CLOEXEC, "pidfd not O_CLOEXEC");
	KW_CHECK(!(mflags & MSG_CTRUNC), "MSG_CTRUNC");
	KW_CHECK(kw_wait(pid) == 0, "sender failed");
	close(c.pidfd);
	close(sv[0]);
	close(sv[1]);
	return KW_PASS;
}

static int test_dgram(void)
{
	return dgram_case(SOCK_DGRAM, 0);
}

static int test_seqpacket(void)
{
	return dgram_case(SOCK_SEQPACKET, 0);
}

/* Upstream's pidfd is O_CLOEXEC with and without MSG_CMSG_CLOEXEC. */
static int test_cmsg_cloexec(void)
{
	return dgram_case(SOCK_DGRAM, MSG_CMSG_CLOEXEC);
}

/*
 * Two senders write into one stream: each recvmsg() returns one sender's
 * bytes only, with that sender's pidfd (messages of different writers
 * are never glued).
 */
static int test_stream_two_senders(void)
{
	struct kwnet_cmsgs c;
	char buf[64];
	int sv[2], i;
	pid_t pid[2];

	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	KW_CHECK_OK(kwnet_setint(sv[0], SO_PASSPIDFD, 1));
	pid[0] = send_and_exit(sv[1], "first");
	KW_CHECK_OK(pid[0]);
	KW_CHECK(kw_wait(pid[0]) == 0, "sender 0");
	/* sender 0 is reaped now: its pid may not be resolved any more */
	pid[1] = send_and_exit(sv[1], "second");
	KW_CHECK_OK(pid[1]);
	wait_zombie(pid[1]);
	KW_CHECK(kwnet_recv(sv[0], buf, sizeof(buf), 256, 0, &c, NULL) == 5,
		 "first read is not exactly sender 0's 5 bytes");
	KW_CHECK(!memcmp(buf, "first", 5), "first read: wrong bytes");
	KW_CHECK(c.nr == 1 && c.types[0] == SCM_PIDFD, "no SCM_PIDFD");
	/* the sender is gone: upstream passes pidfd_prepare()'s error */
	KW_CHECK(c.pidfd == -EINVAL, "reaped sender: SCM_PIDFD %d, want %d",
		 c.pidfd, -EINVAL);
	i = kwnet_recv(sv[0], buf, sizeof(buf), 256, 0, &c, NULL);
	KW_CHECK(i == 6 && !memcmp(buf, "second", 6), "second read: %d", i);
	KW_CHECK(c.pidfd >= 0 && kwnet_pidfd_pid(c.pidfd) == pid[1],
		 "second read: pidfd %d of %d, want %d", c.pidfd,
		 kwnet_pidfd_pid(c.pidfd), pid[1]);
	close(c.pidfd);
	KW_CHECK(kw_wait(pid[1]) == 0, "sender 1");
	close(sv[0]);
	close(sv[1]);
	return KW_PASS;
}

/*
 * journald: a client connects to a bound datagram socket, logs one line
 * and exits before the server reads.  The server still gets a pidfd of
 * that client (it is a zombie, its struct pid is kept), can wait for it
 * through the pidfd, and a signal through the pidfd never reaches another
 * process once the client is reaped, even if its pid is reused.
 */
static int journald_case(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct kwnet_cmsgs c;
	char buf[64];
	siginfo_t si;
	int srv, cli;
	pid_t pid;

	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
		 "kwish-journal-%d", getpid());
	srv = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(srv);
	KW_CHECK_OK(bind(srv, (struct sockaddr *)&addr, sizeof(addr)));
	KW_CHECK_OK(kwnet_setint(srv, SO_PASSPIDFD, 1));
	KW_CHECK_OK(kwnet_setint(srv, SO_PASSCRED, 1));

	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		cli = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (cli < 0 || connect(cli, (struct sockaddr *)&addr,
				       sizeof(addr)) < 0 ||
		    send(cli, "<6>hi", 5, 0) != 5)
			_exit(1);
		_exit(0);
	}
	wait_zombie(pid);
	KW_CHECK(kwnet_recv(srv, buf, sizeof(buf), 256, 0, &c, NULL) == 5,
		 "recv: %s", kw_errname(errno));
	/* upstream order: SCM_CREDENTIALS first, SCM_PIDFD last */
	KW_CHECK(c.nr == 2 && c.types[0] == SCM_CREDENTIALS &&
		 c.types[1] == SCM_PIDFD, "cmsgs %d: %d, %d", c.nr,
		 c.types[0], c.types[1]);
	KW_CHECK(c.ucred.pid == pid, "SCM_CREDENTIALS pid %d, want %d",
		 c.ucred.pid, pid);
	KW_CHECK(c.pidfd >= 0, "exited client: SCM_PIDFD %d", c.pidfd);
	KW_CHECK(kwnet_pidfd_pid(c.pidfd) == pid, "pidfd of %d, client %d",
		 kwnet_pidfd_pid(c.pidfd), pid);
	memset(&si, 0, sizeof(si));
	KW_CHECK_OK(waitid(P_PIDFD, c.pidfd, &si, WEXITED));
	KW_CHECK(si.si_pid == pid && si.si_status == 0,
		 "waitid(P_PIDFD): pid %d status %d", si.si_pid, si.si_status);
	/* reaped: the pidfd still names that process, which is gone */
	KW_CHECK_ERRNO(pidfd_send_signal(c.pidfd, 0), ESRCH);
	close(c.pidfd);
	close(srv);
	return KW_PASS;
}

static int test_journald_exited_client(void)
{
	return journald_case();
}

static int test_unprivileged_journald(void)
{
	return kw_run_as_user(journald_case);
}

/* Without SO_PASSPIDFD on the receiver: no SCM_PIDFD, even if the sender
 * has it; with it on, a control buffer too small: MSG_CTRUNC, no fd. */
static int test_no_flag_and_ctrunc(void)
{
	struct kwnet_cmsgs c;
	char buf[64];
	int sv[2], mflags, before;

	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	KW_CHECK_OK(kwnet_setint(sv[1], SO_PASSPIDFD, 1));
	KW_CHECK_OK(send(sv[1], "x", 1, 0));
	KW_CHECK(kwnet_recv(sv[0], buf, sizeof(buf), 256, 0, &c, &mflags) == 1,
		 "recv");
	KW_CHECK(c.nr == 0 && !(mflags & MSG_CTRUNC),
		 "receiver without SO_PASSPIDFD got %d cmsgs", c.nr);

	KW_CHECK_OK(kwnet_setint(sv[0], SO_PASSPIDFD, 1));
	before = kwnet_nr_fds();
	KW_CHECK_OK(send(sv[1], "x", 1, 0));
	KW_CHECK(kwnet_recv(sv[0], buf, sizeof(buf), CMSG_LEN(sizeof(int)) - 1,
			    0, &c, &mflags) == 1, "recv");
	KW_CHECK(mflags & MSG_CTRUNC, "short buffer: no MSG_CTRUNC");
	KW_CHECK(c.pidfd == INT_MIN, "short buffer: SCM_PIDFD delivered");
	KW_CHECK(kwnet_nr_fds() == before, "short buffer: an fd was installed");

	KW_CHECK_OK(send(sv[1], "x", 1, 0));
	KW_CHECK(kwnet_recv(sv[0], buf, sizeof(buf), 0, 0, &c, &mflags) == 1,
		 "recv");
	KW_CHECK(mflags & MSG_CTRUNC, "no control buffer: no MSG_CTRUNC");
	KW_CHECK(kwnet_nr_fds() == before, "no buffer: an fd was installed");

	/* just enough room: delivered */
	KW_CHECK_OK(send(sv[1], "x", 1, 0));
	KW_CHECK(kwnet_recv(sv[0], buf, sizeof(buf), CMSG_SPACE(sizeof(int)),
			    0, &c, &mflags) == 1, "recv");
	KW_CHECK(!(mflags & MSG_CTRUNC) && c.pidfd >= 0 &&
		 kwnet_pidfd_pid(c.pidfd) == getpid(),
		 "exact buffer: flags %#x pidfd %d", mflags, c.pidfd);
	close(c.pidfd);
	close(sv[0]);
	close(sv[1]);
	return KW_PASS;
}

/* SCM_RIGHTS and SCM_PIDFD together: SCM_PIDFD comes last. */
static int test_with_rights(void)
{
	struct kwnet_cmsgs c;
	char buf[8];
	int sv[2], devnull;

	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	KW_CHECK_OK(kwnet_setint(sv[0], SO_PASSPIDFD, 1));
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	KW_CHECK_OK(devnull);
	KW_CHECK(kwnet_send_fds(sv[1], "r", 1, &devnull, 1, NULL) == 1,
		 "send: %s", kw_errname(errno));
	KW_CHECK(kwnet_recv(sv[0], buf, sizeof(buf), 256, 0, &c, NULL) == 1,
		 "recv");
	KW_CHECK(c.nr == 2 && c.types[0] == SCM_RIGHTS &&
		 c.types[1] == SCM_PIDFD, "cmsgs %d: %d, %d", c.nr,
		 c.types[0], c.types[1]);
	KW_CHECK(kwnet_pidfd_pid(c.pidfd) == getpid(), "pidfd not ours");
	close(c.rights[0]);
	close(c.pidfd);
	close(devnull);
	close(sv[0]);
	close(sv[1]);
	return KW_PASS;
}

/*
 * SO_PEERPIDFD: the peer of a connected stream socket is the process that
 * called listen() (a child here, which then waits); of a socketpair() its
 * creator; an unconnected socket has none (ENODATA).  accept() copies
 * SO_PASSPIDFD from the listener.
 */
static int test_peerpidfd(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sv[2], pfd[2], cli, pidfd, dg;
	socklen_t len;
	pid_t pid;
	char c;

	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	len = sizeof(pidfd);
	KW_CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len));
	KW_CHECK(len == sizeof(int) && kwnet_pidfd_pid(pidfd) == getpid(),
		 "socketpair peer pidfd of %d", kwnet_pidfd_pid(pidfd));
	KW_CHECK(fcntl(pidfd, F_GETFD) == FD_CLOEXEC, "not O_CLOEXEC");
	close(pidfd);
	close(sv[0]);
	close(sv[1]);

	dg = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(dg);
	len = sizeof(pidfd);
	KW_CHECK_ERRNO(getsockopt(dg, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len),
		       ENODATA);
	close(dg);

	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
		 "kwish-peer-%d", getpid());
	KW_CHECK_OK(pipe2(pfd, O_CLOEXEC));
	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), a;

		if (l < 0 || kwnet_setint(l, SO_PASSPIDFD, 1) < 0 ||
		    bind(l, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
		    listen(l, 1) < 0 || write(pfd[1], "r", 1) != 1)
			_exit(1);
		a = accept(l, NULL, NULL);
		if (a < 0 || kwnet_getint(a, SO_PASSPIDFD) != 1)
			_exit(2);
		/* until the parent closes: EOF (0) is the expected end */
		_exit(read(a, &c, 1) < 0 ? 3 : 0);
	}
	close(pfd[1]);
	KW_CHECK(read(pfd[0], &c, 1) == 1, "listener did not start");
	cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(cli);
	KW_CHECK_OK(connect(cli, (struct sockaddr *)&addr, sizeof(addr)));
	len = sizeof(pidfd);
	KW_CHECK_OK(getsockopt(cli, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len));
	KW_CHECK(kwnet_pidfd_pid(pidfd) == pid, "peer pidfd of %d, want %d",
		 kwnet_pidfd_pid(pidfd), pid);
	close(cli);
	KW_CHECK(kw_wait(pid) == 0, "listener child failed (accept flag?)");
	close(pidfd);
	close(pfd[0]);
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_reported),
	KW_TEST(test_option_roundtrip),
	KW_TEST(test_dgram),
	KW_TEST(test_seqpacket),
	KW_TEST(test_cmsg_cloexec),
	KW_TEST(test_stream_two_senders),
	KW_TEST(test_journald_exited_client),
	KW_TEST(test_unprivileged_journald),
	KW_TEST(test_no_flag_and_ctrunc),
	KW_TEST(test_with_rights),
	KW_TEST(test_peerpidfd),
};

int main(void)
{
	return KW_RUN(tests);
}
