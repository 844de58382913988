// SPDX-License-Identifier: GPL-2.0
/*
 * item20_mono_tstamp: wish-list item 20, receive timestamps on
 * CLOCK_MONOTONIC or CLOCK_BOOTTIME (SO_KWISH_TIMESTAMP_CLOCK), taken when
 * the message arrives; kwish_net on 6.1 and 6.12.
 *
 * AF_UNIX datagrams (the journald case) and UDP over loopback: the
 * SO_TIMESTAMPNS stamp lies between the clock read before the send and
 * the one after it.  As root, CLOCK_REALTIME is stepped (an hour ahead,
 * then two hours back) between send and receive: the stamps stay on the
 * monotonic clock, ordered and within bounds.  The realtime clock is put
 * back at the end.
 */
#include <netinet/in.h>
#include <arpa/inet.h>

#include "kwtap.h"
#include "kwnet.h"

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Step CLOCK_REALTIME by @delta_s seconds; 0 or -errno. */
static int step_realtime(int delta_s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += delta_s;
	return clock_settime(CLOCK_REALTIME, &ts) < 0 ? -errno : 0;
}

/* recvmsg() one message and its SCM_TIMESTAMPNS, or -1. */
static int64_t recv_stamp(int fd)
{
	union {
		char buf[256];
		struct cmsghdr align;
	} ctl;
	char buf[16];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	struct timespec ts;

	if (recvmsg(fd, &msg, 0) < 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			return ts.tv_sec * 1000000000LL + ts.tv_nsec;
		}
	return -1;
}

/* A receiving/sending pair: AF_UNIX dgram or UDP over 127.0.0.1. */
static int make_pair(int family, int *r, int *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int sv[2];

	if (family == AF_UNIX) {
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -1;
		*r = sv[0];
		*s = sv[1];
		return 0;
	}
	*r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	*s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (*r < 0 || *s < 0 || bind(*r, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(*r, (struct sockaddr *)&a, &len) < 0 ||
	    connect(*s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	return 0;
}

static int clock_case(int family, clockid_t clk)
{
	int64_t before[2], after[2], stamp[2];
	bool stepped = false;
	int r, s, i, one = 1;

	KW_CHECK_OK(make_pair(family, &r, &s));
	KW_CHECK_OK(setsockopt(r, SOL_SOCKET, SO_TIMESTAMPNS, &one,
			       sizeof(one)));
	KW_CHECK_OK(kwnet_setint(r, SO_KWISH_TIMESTAMP_CLOCK, clk));
	KW_CHECK(kwnet_getint(r, SO_KWISH_TIMESTAMP_CLOCK) == (int)clk,
		 "option reads back %d", kwnet_getint(r,
						      SO_KWISH_TIMESTAMP_CLOCK));
	for (i = 0; i < 2; i++) {
		before[i] = now_ns(clk);
		KW_CHECK(send(s, "t", 1, 0) == 1, "send: %s",
			 kw_errname(errno));
		after[i] = now_ns(clk);
		/* between send and receive: realtime jumps */
		if (kw_is_root() && !step_realtime(i ? -7200 : 3600))
			stepped = true;
		usleep(1000);
	}
	for (i = 0; i < 2; i++) {
		stamp[i] = recv_stamp(r);
		KW_CHECK(stamp[i] > 0, "no SCM_TIMESTAMPNS");
		KW_CHECK(stamp[i] >= before[i] && stamp[i] <= after[i],
			 "message %d: stamp %lld not in [%lld, %lld] of clock %d%s",
			 i, (long long)stamp[i], (long long)before[i],
			 (long long)after[i], clk,
			 stepped ? " (realtime stepped)" : "");
	}
	KW_CHECK(stamp[1] > stamp[0], "stamps out of order");
	if (stepped)
		step_realtime(3600);	/* back: +1 h - 2 h + 1 h */
	/* back to realtime: the kernel's stamps again */
	KW_CHECK_OK(kwnet_setint(r, SO_KWISH_TIMESTAMP_CLOCK, CLOCK_REALTIME));
	before[0] = now_ns(CLOCK_REALTIME);
	KW_CHECK(send(s, "t", 1, 0) == 1, "send");
	after[0] = now_ns(CLOCK_REALTIME);
	stamp[0] = recv_stamp(r);
	KW_CHECK(stamp[0] >= before[0] && stamp[0] <= after[0],
		 "realtime again: stamp %lld not in [%lld, %lld]",
		 (long long)stamp[0], (long long)before[0],
		 (long long)after[0]);
	close(r);
	close(s);
	return KW_PASS;
}

static int test_reported(void)
{
	int state = kwnet_item_state(20);

	if (state < 0)
		return kw_skip("kwish_core not loaded");
	KW_CHECK(state == KWISH_STATE_PRESENT, "item 20 state %d", state);
	return KW_PASS;
}

static int test_option(void)
{
	int fd, sv[2];

	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	KW_CHECK(kwnet_getint(sv[0], SO_KWISH_TIMESTAMP_CLOCK) ==
		 CLOCK_REALTIME, "default");
	KW_CHECK_ERRNO(kwnet_setint(sv[0], SO_KWISH_TIMESTAMP_CLOCK,
				    CLOCK_PROCESS_CPUTIME_ID), EINVAL);
	KW_CHECK_ERRNO(kwnet_setint(sv[0], SO_KWISH_TIMESTAMP_CLOCK, 99),
		       EINVAL);
	KW_CHECK_OK(kwnet_setint(sv[0], SO_KWISH_TIMESTAMP_CLOCK,
				 CLOCK_BOOTTIME));
	KW_CHECK(kwnet_getint(sv[0], SO_KWISH_TIMESTAMP_CLOCK) ==
		 CLOCK_BOOTTIME, "boottime");
	close(sv[0]);
	close(sv[1]);
	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	KW_CHECK_ERRNO(kwnet_setint(sv[0], SO_KWISH_TIMESTAMP_CLOCK,
				    CLOCK_MONOTONIC), EOPNOTSUPP);
	close(sv[0]);
	close(sv[1]);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(fd);
	KW_CHECK_ERRNO(kwnet_setint(fd, SO_KWISH_TIMESTAMP_CLOCK,
				    CLOCK_MONOTONIC), EOPNOTSUPP);
	close(fd);
	return KW_PASS;
}

static int test_unix_monotonic(void)
{
	return clock_case(AF_UNIX, CLOCK_MONOTONIC);
}

static int test_unix_boottime(void)
{
	return clock_case(AF_UNIX, CLOCK_BOOTTIME);
}

static int test_udp_monotonic(void)
{
	return clock_case(AF_INET, CLOCK_MONOTONIC);
}

static int test_udp_boottime(void)
{
	return clock_case(AF_INET, CLOCK_BOOTTIME);
}

static int unpriv_case(void)
{
	KW_TRY(clock_case(AF_UNIX, CLOCK_MONOTONIC));
	return clock_case(AF_INET, CLOCK_MONOTONIC);
}

static int test_unprivileged(void)
{
	return kw_run_as_user(unpriv_case);
}

static const struct kw_test tests[] = {
	KW_TEST(test_reported),
	KW_TEST(test_option),
	KW_TEST(test_unix_monotonic),
	KW_TEST(test_unix_boottime),
	KW_TEST(test_udp_monotonic),
	KW_TEST(test_udp_boottime),
	KW_TEST(test_unprivileged),
};

int main(void)
{
	return KW_RUN(tests);
}
