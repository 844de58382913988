/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kwnet.h: helpers of the kwish_net selftests (items 6, 13): the state of
 * an item, pidfds, control messages.  Include after kwtap.h.
 */
#ifndef _KWNET_H
#define _KWNET_H

#include <sys/socket.h>
#include <sys/un.h>
#include <linux/kwish.h>

/* KWISH_STATE_* of item @id, or -1 if kwish_core is not loaded. */
static inline int kwnet_item_state(unsigned int id)
{
	struct kwish_feature f[KWISH_ITEM_MAX];
	unsigned int nr = KWISH_ITEM_MAX;

	if (kwish_status(-1, f, &nr, NULL) < 0 || id > nr)
		return -1;
	return f[id - 1].state;
}

/* The pid a pidfd refers to (/proc/self/fdinfo "Pid:"), -1 if none. */
static inline int kwnet_pidfd_pid(int pidfd)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if (kw_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nPid:");
	return p ? atoi(p + 5) : -1;
}

/* The number of open fds of this process. */
static inline int kwnet_nr_fds(void)
{
	char path[64];
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (!access(path, F_OK))
			n++;
	}
	return n;
}

/* The received control messages of one recvmsg(). */
struct kwnet_cmsgs {
	int nr;
	int types[8];		/* SOL_SOCKET cmsg types, in order */
	int pidfd;		/* SCM_PIDFD's int, or INT_MIN if none */
	int nr_rights;		/* fds received with SCM_RIGHTS */
	int rights[8];
	bool creds;
	struct ucred ucred;
};

static inline void kwnet_parse(struct msghdr *msg, struct kwnet_cmsgs *c)
{
	struct cmsghdr *cm;

	memset(c, 0, sizeof(*c));
	c->pidfd = INT_MIN;
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (c->nr < 8)
			c->types[c->nr++] = cm->cmsg_type;
		if (cm->cmsg_type == SCM_PIDFD &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&c->pidfd, CMSG_DATA(cm), sizeof(int));
		if (cm->cmsg_type == SCM_CREDENTIALS) {
			c->creds = true;
			memcpy(&c->ucred, CMSG_DATA(cm), sizeof(c->ucred));
		}
		if (cm->cmsg_type == SCM_RIGHTS) {
			int n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			if (n > 8)
				n = 8;
			memcpy(c->rights, CMSG_DATA(cm), n * sizeof(int));
			c->nr_rights = n;
		}
	}
}

/*
 * recvmsg() on @fd into @buf with a control buffer of @ctl_len bytes
 * (0: msg_control NULL); fills @c.  Returns recvmsg()'s result.
 */
static inline ssize_t kwnet_recv(int fd, void *buf, size_t len,
				 size_t ctl_len, int flags,
				 struct kwnet_cmsgs *c, int *msg_flags)
{
	union {
		char buf[512];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl_len ? ctl.buf : NULL,
		.msg_controllen = ctl_len,
	};
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	n = recvmsg(fd, &msg, flags);
	if (msg_flags)
		*msg_flags = msg.msg_flags;
	if (n >= 0)
		kwnet_parse(&msg, c);
	return n;
}

/* sendmsg() of @len bytes with @nr_fds SCM_RIGHTS fds (may be 0). */
static inline ssize_t kwnet_send_fds(int fd, const void *buf, size_t len,
				     const int *fds, int nr_fds,
				     const struct sockaddr_un *to)
{
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_name = (void *)to,
		.msg_namelen = to ? sizeof(*to) : 0,
	};
	struct cmsghdr *cm;

	if (nr_fds) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(nr_fds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nr_fds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nr_fds * sizeof(int));
	}
	return sendmsg(fd, &msg, MSG_NOSIGNAL);
}

static inline int kwnet_setint(int fd, int opt, int val)
{
	return setsockopt(fd, SOL_SOCKET, opt, &val, sizeof(val));
}

static inline int kwnet_getint(int fd, int opt)
{
	socklen_t len = sizeof(int);
	int val = -1;

	if (getsockopt(fd, SOL_SOCKET, opt, &val, &len) < 0)
		return -1;
	return val;
}

#endif
