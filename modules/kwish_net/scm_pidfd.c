// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_net, item 6: SO_PASSPIDFD, SCM_PIDFD and SO_PEERPIDFD (upstream
 * v6.5, Alexander Mikhalitsyn, "af_unix: Add SCM_PIDFD" series) on a
 * kernel without them (v6.1), with upstream's numbers and semantics.  On
 * a kernel that has them (v6.12) the item is native and nothing here is
 * installed.
 *
 * Upstream (v6.5 .. v6.15, the same in v6.12):
 *  - SO_PASSPIDFD sets SOCK_PASSPIDFD in socket->flags; accept() copies it
 *    from the listener (unix_sock_inherit_flags()).
 *  - A sender attaches its struct pid (and uid/gid) to every AF_UNIX skb
 *    when either end has SO_PASSCRED or SO_PASSPIDFD
 *    (unix_passcred_enabled()); a stream receiver with either flag never
 *    reads the data of two different senders in one recvmsg()
 *    (unix_stream_read_generic(), check_creds).
 *  - recvmsg() (scm_recv_unix()): without msg_control, MSG_CTRUNC; else
 *    after SCM_CREDENTIALS, SCM_SECURITY and SCM_RIGHTS, last, an
 *    SCM_PIDFD cmsg (scm_pidfd_recv()): MSG_CTRUNC if the buffer left is
 *    smaller than CMSG_LEN(sizeof(int)); nothing if the message has no
 *    sender pid; else pidfd_prepare(pid, 0): an O_CLOEXEC pidfd of the
 *    sender's struct pid (so of the sender even if its pid number was
 *    reused since), or, if the sender is gone (reaped), the negative
 *    errno of pidfd_prepare() (-EINVAL) as the cmsg's int.  The pidfd is
 *    O_CLOEXEC with or without MSG_CMSG_CLOEXEC.
 *  - getsockopt(SO_PEERPIDFD): a pidfd of sk->sk_peer_pid (the peer at
 *    connect()/socketpair() time), ENODATA if none, pidfd_prepare()'s
 *    error (EINVAL: the peer is gone).
 *
 * How, on v6.1 (af_unix.c is built in; its functions used here are out
 * of line in Debian's build, see the BTF):
 *  - the options: sockopt.c's hooks; the flag is KW_SOCK_PASSPIDFD
 *    (kwish_net.h), a socket flag like upstream's;
 *  - the sender side: unix_passcred_enabled(), called by
 *    maybe_add_creds() and maybe_init_creds() for every message, is
 *    replaced by upstream's version (also tests the kwish flag);
 *  - the receive side: recv.c (shared with item 5) wraps the unix
 *    recvmsg functions of a socket with the flag and learns the sender of
 *    what was read (a stream read never mixes two senders); after the
 *    kernel's scm_recv(), kw_scm_pidfd_recv(), which subscribes to it,
 *    appends SCM_PIDFD exactly as scm_pidfd_recv() does.  accept()
 *    copies the flag (unix_accept()).
 *  - SO_PEERPIDFD: sk_peer_pid exists in v6.1 (since v5.15).
 * The per-message hooks are installed when the first socket sets
 * SO_PASSPIDFD, so that a loaded but unused kwish_net costs AF_UNIX
 * traffic nothing; they stay until unload.
 *
 * Not mirrored: upstream also autobinds an unbound sender with
 * SO_PASSPIDFD like one with SO_PASSCRED (an abstract address the
 * receiver sees in msg_name); sockets in a BPF sockmap (their own
 * recvmsg) get no SCM_PIDFD.
 */

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/pid.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <net/af_unix.h>
#include <net/compat.h>
#include <net/sock.h>

#include <kwish_core.h>
#include <gates/kernel/fork.h>
#include <gates/net/unix/af_unix.h>
#include "kwish_net.h"

/* ---- gates to the kernel's functions ---- */

static struct kw_hook kw_scm_pidfd_gates[] = {
	KW_GATE_HOOK(pidfd_prepare),
	KW_GATE_HOOK(unix_accept),
};

static bool kw_scm_pidfd_flag(const struct socket *sock)
{
	return sock && test_bit(KW_SOCK_PASSPIDFD, &sock->flags);
}

/* ---- the sender side ---- */

/* upstream v6.5's unix_passcred_enabled() */
static bool kw_scm_pidfd_passcred_enabled(const struct socket *sock,
					  const struct sock *other)
{
	return test_bit(SOCK_PASSCRED, &sock->flags) ||
	       kw_scm_pidfd_flag(sock) ||
	       !other->sk_socket ||
	       test_bit(SOCK_PASSCRED, &other->sk_socket->flags) ||
	       kw_scm_pidfd_flag(other->sk_socket);
}

/* ---- the receive side ---- */

/* upstream's scm_pidfd_recv() (include/net/scm.h, v6.5 .. v6.15) */
static void kw_scm_pidfd_put_cmsg(struct msghdr *msg, struct pid *pid)
{
	struct file *pidfd_file = NULL;
	int len, pidfd;

	if (msg->msg_flags & MSG_CMSG_COMPAT)
		len = sizeof(struct compat_cmsghdr) + sizeof(int);
	else
		len = sizeof(struct cmsghdr) + sizeof(int);

	if (msg->msg_controllen < len) {
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	if (!pid)
		return;

	pidfd = kw_gate_pidfd_prepare(pid, 0, &pidfd_file);
	if (put_cmsg(msg, SOL_SOCKET, SCM_PIDFD, sizeof(int), &pidfd)) {
		if (pidfd_file) {
			put_unused_fd(pidfd);
			fput(pidfd_file);
		}
		return;
	}
	if (pidfd_file)
		fd_install(pidfd, pidfd_file);
}

/* recv.c's, after each successful receive with the flag (scm_recv_unix()) */
static void kw_scm_pidfd_recv(struct socket *sock, struct msghdr *msg,
			      bool had_control, const struct kw_net_tctx *ctx)
{
	if (!had_control)
		msg->msg_flags |= MSG_CTRUNC;
	else
		kw_scm_pidfd_put_cmsg(msg, ctx->pid);
}

static struct kw_net_recv_sub kw_scm_pidfd_recv_sub = {
	.sub = {
		.to = &kw_net_recv_subs,
		.order = KW_NET_ORDER_SCM_PIDFD,
		.sock_flags = BIT(KW_SOCK_PASSPIDFD),
	},
	.recv = kw_scm_pidfd_recv,
};

static int kw_scm_pidfd_accept(struct socket *sock, struct socket *newsock,
			       int flags, bool kern)
{
	struct kw_hook_pin pin;
	int ret;

	/* accept() waits for a connection: see kw_recv_recvmsg() */
	kw_hook_pin(&pin);
	ret = kw_gate_unix_accept(sock, newsock, flags, kern);
	/* unix_sock_inherit_flags(), upstream v6.5 */
	if (!ret && pin.ref && kw_scm_pidfd_flag(sock))
		set_bit(KW_SOCK_PASSPIDFD, &newsock->flags);
	kw_hook_unpin(&pin);
	return ret;
}

static bool kw_scm_pidfd_sock_filter(const unsigned long *args)
{
	return kw_scm_pidfd_flag((const struct socket *)args[0]);
}

/* Installed when the first socket sets SO_PASSPIDFD; kept until unload. */
static struct kw_hook kw_scm_pidfd_msg_hooks[] = {
	{
		.name = "unix_passcred_enabled (item 6)",
		.target_sym = "unix_passcred_enabled",
		.dest_fn = kw_scm_pidfd_passcred_enabled,
	},
	{
		.name = "unix_accept (item 6)",
		.target_sym = "unix_accept",
		.dest_fn = kw_scm_pidfd_accept,
		.filter = kw_scm_pidfd_sock_filter,
	},
};

static struct kw_net_lazy_hooks kw_scm_pidfd_lazy = {
	.hooks = kw_scm_pidfd_msg_hooks,
	.nr = ARRAY_SIZE(kw_scm_pidfd_msg_hooks),
	.what = "SO_PASSPIDFD",
	.before = kw_net_recv_arm,
};

/* ---- the options ---- */

static int kw_scm_pidfd_set_passpidfd(struct sock *sk, sockptr_t optval,
				      unsigned int optlen)
{
	int val, err;

	err = kw_net_sockopt_int(optval, optlen, &val);
	if (err)
		return err;
	if (val) {
		err = kw_net_arm(&kw_scm_pidfd_lazy);
		if (err)
			return -ENOPROTOOPT;
	}
	assign_bit(KW_SOCK_PASSPIDFD, &sk->sk_socket->flags, val);
	return 0;
}

static int kw_scm_pidfd_get_passpidfd(struct sock *sk, sockptr_t optval,
				      sockptr_t optlen)
{
	return kw_net_getsockopt_int(kw_scm_pidfd_flag(sk->sk_socket), optval,
				     optlen);
}

/* upstream's sk_getsockopt() case SO_PEERPIDFD (v6.5 .. v6.15) */
static int kw_scm_pidfd_get_peerpidfd(struct sock *sk, sockptr_t optval,
				      sockptr_t optlen)
{
	struct file *pidfd_file = NULL;
	struct pid *peer_pid;
	int len, pidfd;

	if (copy_from_sockptr(&len, optlen, sizeof(int)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (len > sizeof(pidfd))
		len = sizeof(pidfd);

	spin_lock(&sk->sk_peer_lock);
	peer_pid = get_pid(sk->sk_peer_pid);
	spin_unlock(&sk->sk_peer_lock);
	if (!peer_pid)
		return -ENODATA;

	pidfd = kw_gate_pidfd_prepare(peer_pid, 0, &pidfd_file);
	put_pid(peer_pid);
	if (pidfd < 0)
		return pidfd;

	if (copy_to_sockptr(optval, &pidfd, len) ||
	    copy_to_sockptr(optlen, &len, sizeof(int))) {
		put_unused_fd(pidfd);
		fput(pidfd_file);
		return -EFAULT;
	}
	fd_install(pidfd, pidfd_file);
	return 0;
}

static const struct kw_net_sockopt kw_scm_pidfd_passpidfd = {
	.optname = SO_PASSPIDFD,
	.set = kw_scm_pidfd_set_passpidfd,
	.get = kw_scm_pidfd_get_passpidfd,
};

static const struct kw_net_sockopt kw_scm_pidfd_peerpidfd = {
	.optname = SO_PEERPIDFD,
	.get = kw_scm_pidfd_get_peerpidfd,
};

static const struct kw_net_sockopt * const kw_scm_pidfd_opts[] = {
	&kw_scm_pidfd_passpidfd, &kw_scm_pidfd_peerpidfd,
};

static struct kw_net_sub * const kw_scm_pidfd_subs[] = {
	&kw_scm_pidfd_recv_sub.sub,
};

struct kw_net_item kw_scm_pidfd_item = {
	.feature = KW_NET_ITEM(6, kw_scm_pidfd_gates, ARRAY_SIZE(kw_scm_pidfd_gates)),
	.feature.present =
		"SO_PASSPIDFD (76), SCM_PIDFD (4), SO_PEERPIDFD (77) as upstream v6.5",
	.subs = kw_scm_pidfd_subs,
	.nr_subs = ARRAY_SIZE(kw_scm_pidfd_subs),
	.opts = kw_scm_pidfd_opts,
	.nr_opts = ARRAY_SIZE(kw_scm_pidfd_opts),
	.lazy = &kw_scm_pidfd_lazy,
	.native_optname = SO_PASSPIDFD,
	.native_reason = "SO_PASSPIDFD, SCM_PIDFD, SO_PEERPIDFD (kernel knows SO_PASSPIDFD)",
	.why = kw_net_recv_why,
};
