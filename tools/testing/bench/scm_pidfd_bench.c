// SPDX-License-Identifier: GPL-2.0
/*
 * scm_pidfd_bench: the per-message receive cost of SO_PASSPIDFD (item 6):
 * kwish_net's on 6.1, the kernel's own on 6.12 (one boot per kernel: the
 * ratios of the two boots compare kwish with native).
 *
 * One process, an AF_UNIX datagram socketpair: send() one byte, recvmsg()
 * it with a control buffer, close the pidfd received.  Methods, timed in
 * interleaved rounds: "plain" (no option), "passcred" (SO_PASSCRED, for
 * scale) and "passpidfd" (SO_PASSPIDFD; the close() of the pidfd is part
 * of the cost a receiver pays).  Printed: ns per message and the ratios
 * plain/passpidfd ("how many times more messages per second without
 * SO_PASSPIDFD") and passcred/passpidfd.
 *
 * Usage: scm_pidfd_bench [-n MESSAGES] [-r ROUNDS]
 */
#include <limits.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/kwish.h>

#include "kwbench.h"

enum { PLAIN, PASSCRED, PASSPIDFD, NR_METHODS };

/* ns per send+recvmsg of one datagram on @sv, or -1. */
static double time_messages(int sv[2], long n)
{
	union {
		char buf[256];
		struct cmsghdr align;
	} ctl;
	char c = 'x';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	double t0 = kwb_now_ns();
	long i;

	for (i = 0; i < n; i++) {
		if (send(sv[1], &c, 1, 0) != 1)
			return -1;
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		if (recvmsg(sv[0], &msg, 0) != 1)
			return -1;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			int fd;

			if (cm->cmsg_level != SOL_SOCKET ||
			    cm->cmsg_type != SCM_PIDFD)
				continue;
			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
			if (fd < 0) {
				errno = -fd;
				return -1;
			}
			close(fd);
		}
	}
	return (kwb_now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
	struct kwb_method m[NR_METHODS] = {
		[PLAIN] = { .name = "plain", .enabled = true },
		[PASSCRED] = { .name = "passcred", .enabled = true },
		[PASSPIDFD] = { .name = "passpidfd", .enabled = true },
	};
	static const int opts[NR_METHODS] = { 0, SO_PASSCRED, SO_PASSPIDFD };
	int sv[NR_METHODS][2], one = 1, rounds = 5, i;
	long n = 20000, r;

	if (kwb_options(argc, argv, &n, &rounds))
		return 2;
	for (i = 0; i < NR_METHODS; i++) {
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv[i]) < 0) {
			perror("socketpair");
			return 1;
		}
		if (opts[i] && setsockopt(sv[i][0], SOL_SOCKET, opts[i], &one,
					  sizeof(one)) < 0) {
			m[i].enabled = false;
			m[i].why_not = strerror(errno);
		}
	}
	printf("# scm_pidfd_bench: %d rounds x %ld datagrams (send + recvmsg + close of the pidfd)\n",
	       rounds, n);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < NR_METHODS; i++)
			if (m[i].enabled)
				kwb_record(&m[i], time_messages(sv[i], n), r);
	kwb_print_head("msg", "msgs");
	for (i = 0; i < NR_METHODS; i++)
		kwb_print_row(&m[i], rounds);
	kwb_ratio(&m[PLAIN], &m[PASSPIDFD]);
	kwb_ratio(&m[PASSCRED], &m[PASSPIDFD]);
	return 0;
}
