// SPDX-License-Identifier: GPL-2.0
/*
 * item13_passrights: wish-list item 13, SO_PASSRIGHTS with upstream's
 * uapi (v6.16): kwish_net provides it on 6.1 and 6.12.  Written against
 * the upstream interface only.
 *
 * A receiver that turns SO_PASSRIGHTS off makes every sendmsg() with
 * SCM_RIGHTS to it fail with EPERM, and no fd reaches it: the fd sent is
 * the write end of a pipe, and once the sender closes its own copy the
 * read end sees EOF at once, so no copy of it is queued anywhere.
 */
#include <netinet/in.h>

#include "kwtap.h"
#include "kwnet.h"

static int test_reported(void)
{
	int state = kwnet_item_state(13);

	if (state < 0)
		return kw_skip("kwish_core not loaded");
	KW_CHECK(state == KWISH_STATE_PRESENT || state == KWISH_STATE_NATIVE,
		 "item 13 state %d, want present or native", state);
	return KW_PASS;
}

static int test_option(void)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM, SOCK_SEQPACKET };
	socklen_t len = sizeof(int);
	unsigned int i;
	int fd, val;
	short s = 0;

	for (i = 0; i < KW_ARRAY_SIZE(types); i++) {
		fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		KW_CHECK_OK(fd);
		KW_CHECK(kwnet_getint(fd, SO_PASSRIGHTS) == 1,
			 "type %d: default not 1", types[i]);
		KW_CHECK_OK(kwnet_setint(fd, SO_PASSRIGHTS, 0));
		KW_CHECK(kwnet_getint(fd, SO_PASSRIGHTS) == 0, "not cleared");
		KW_CHECK_OK(kwnet_setint(fd, SO_PASSRIGHTS, 7));
		KW_CHECK(kwnet_getint(fd, SO_PASSRIGHTS) == 1, "7 is not on");
		KW_CHECK_ERRNO(setsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS, &s,
					  sizeof(s)), EINVAL);
		KW_CHECK_ERRNO(setsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS,
					  kw_bad_ptr(), sizeof(int)), EFAULT);
		close(fd);
	}
	/* AF_UNIX only, as upstream */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(kwnet_setint(fd, SO_PASSRIGHTS, 0), EOPNOTSUPP);
	KW_CHECK_ERRNO(getsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS, &val, &len),
		       EOPNOTSUPP);
	close(fd);
	return KW_PASS;
}

/*
 * Send the write end of a fresh pipe on @fd (to @to if not NULL) and
 * expect @err (0: success).  With EPERM, also check that no copy of the
 * fd is left in flight.
 */
static int send_pipe_end(int fd, const struct sockaddr_un *to, int err)
{
	int p[2];
	ssize_t n;
	char c;

	KW_CHECK_OK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
	n = kwnet_send_fds(fd, "f", 1, &p[1], 1, to);
	if (err) {
		KW_CHECK(n == -1 && errno == err, "sendmsg: %zd %s, want %s",
			 n, n < 0 ? kw_errname(errno) : "", kw_errname(err));
		close(p[1]);
		KW_CHECK(read(p[0], &c, 1) == 0,
			 "the refused fd is still open somewhere");
	} else {
		KW_CHECK(n == 1, "sendmsg: %s", kw_errname(errno));
		close(p[1]);
	}
	close(p[0]);
	return KW_PASS;
}

/* Nothing is queued on @fd (a refused send queued no byte either). */
static int nothing_queued(int fd)
{
	char buf[8];

	KW_CHECK_ERRNO(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	return KW_PASS;
}

static int pair_case(int type)
{
	struct kwnet_cmsgs c;
	char buf[8];
	int sv[2];

	KW_CHECK_OK(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv));
	/* default: fds pass */
	KW_TRY(send_pipe_end(sv[1], NULL, 0));
	KW_CHECK(kwnet_recv(sv[0], buf, sizeof(buf), 256, 0, &c, NULL) == 1 &&
		 c.nr_rights == 1, "default: the fd did not arrive");
	close(c.rights[0]);

	KW_CHECK_OK(kwnet_setint(sv[0], SO_PASSRIGHTS, 0));
	KW_TRY(send_pipe_end(sv[1], NULL, EPERM));
	KW_TRY(nothing_queued(sv[0]));
	/* data without fds still passes */
	KW_CHECK(send(sv[1], "d", 1, 0) == 1, "plain send: %s",
		 kw_errname(errno));
	KW_CHECK(kwnet_recv(sv[0], buf, sizeof(buf), 256, 0, &c, NULL) == 1 &&
		 buf[0] == 'd' && c.nr_rights == 0, "plain data");
	/* the other direction is not affected */
	KW_TRY(send_pipe_end(sv[0], NULL, 0));
	KW_CHECK(kwnet_recv(sv[1], buf, sizeof(buf), 256, 0, &c, NULL) == 1 &&
		 c.nr_rights == 1, "reverse direction refused");
	close(c.rights[0]);

	/* on again */
	KW_CHECK_OK(kwnet_setint(sv[0], SO_PASSRIGHTS, 1));
	KW_TRY(send_pipe_end(sv[1], NULL, 0));
	KW_CHECK(kwnet_recv(sv[0], buf, sizeof(buf), 256, 0, &c, NULL) == 1 &&
		 c.nr_rights == 1, "re-enabled: the fd did not arrive");
	close(c.rights[0]);
	close(sv[0]);
	close(sv[1]);
	return KW_PASS;
}

static int test_dgram(void)
{
	return pair_case(SOCK_DGRAM);
}

static int test_stream(void)
{
	return pair_case(SOCK_STREAM);
}

static int test_seqpacket(void)
{
	return pair_case(SOCK_SEQPACKET);
}

/* An unconnected sender: refused by one receiver, accepted by another. */
static int test_dgram_sendto(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct sockaddr_un b = { .sun_family = AF_UNIX };
	struct kwnet_cmsgs c;
	int ra, rb, s;
	char buf[8];

	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "kwish-pr-a-%d",
		 getpid());
	snprintf(b.sun_path + 1, sizeof(b.sun_path) - 1, "kwish-pr-b-%d",
		 getpid());
	ra = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	rb = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	KW_CHECK(ra >= 0 && rb >= 0 && s >= 0, "socket");
	KW_CHECK_OK(bind(ra, (struct sockaddr *)&a, sizeof(a)));
	KW_CHECK_OK(bind(rb, (struct sockaddr *)&b, sizeof(b)));
	KW_CHECK_OK(kwnet_setint(ra, SO_PASSRIGHTS, 0));
	KW_TRY(send_pipe_end(s, &a, EPERM));
	KW_TRY(nothing_queued(ra));
	KW_TRY(send_pipe_end(s, &b, 0));
	KW_CHECK(kwnet_recv(rb, buf, sizeof(buf), 256, 0, &c, NULL) == 1 &&
		 c.nr_rights == 1, "other receiver: the fd did not arrive");
	close(c.rights[0]);
	/* a connected dgram sender too */
	KW_CHECK_OK(connect(s, (struct sockaddr *)&a, sizeof(a)));
	KW_TRY(send_pipe_end(s, NULL, EPERM));
	KW_TRY(nothing_queued(ra));
	close(ra);
	close(rb);
	close(s);
	return KW_PASS;
}

/*
 * The listener's setting holds for its connections from connect() on,
 * before accept(): the client's fd is refused while the connection is
 * still pending, and the accepted socket reports it off.
 */
static int listener_case(int type)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int l, cli, acc;

	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "kwish-pr-l-%d",
		 getpid());
	l = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(l);
	KW_CHECK_OK(bind(l, (struct sockaddr *)&a, sizeof(a)));
	KW_CHECK_OK(kwnet_setint(l, SO_PASSRIGHTS, 0));
	KW_CHECK_OK(listen(l, 4));
	cli = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(cli);
	KW_CHECK_OK(connect(cli, (struct sockaddr *)&a, sizeof(a)));
	KW_TRY(send_pipe_end(cli, NULL, EPERM));
	acc = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	KW_CHECK_OK(acc);
	KW_CHECK(kwnet_getint(acc, SO_PASSRIGHTS) == 0,
		 "accepted socket: SO_PASSRIGHTS %d, want 0",
		 kwnet_getint(acc, SO_PASSRIGHTS));
	KW_TRY(nothing_queued(acc));
	KW_TRY(send_pipe_end(cli, NULL, EPERM));
	/* the client itself still accepts fds */
	KW_TRY(send_pipe_end(acc, NULL, 0));
	close(acc);
	close(cli);
	close(l);
	return KW_PASS;
}

static int test_listener_stream(void)
{
	return listener_case(SOCK_STREAM);
}

static int test_listener_seqpacket(void)
{
	return listener_case(SOCK_SEQPACKET);
}

static int unpriv_case(void)
{
	KW_TRY(pair_case(SOCK_DGRAM));
	KW_TRY(pair_case(SOCK_STREAM));
	return KW_PASS;
}

/* Any user may turn it off on its own sockets; fork()s a uid 1000 child. */
static int test_unprivileged(void)
{
	return kw_run_as_user(unpriv_case);
}

static const struct kw_test tests[] = {
	KW_TEST(test_reported),
	KW_TEST(test_option),
	KW_TEST(test_dgram),
	KW_TEST(test_stream),
	KW_TEST(test_seqpacket),
	KW_TEST(test_dgram_sendto),
	KW_TEST(test_listener_stream),
	KW_TEST(test_listener_seqpacket),
	KW_TEST(test_unprivileged),
};

int main(void)
{
	return KW_RUN(tests);
}
