// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_net, item 5: the sender's cgroup v2 id with every AF_UNIX message,
 * taken at send time, and the peer's cgroup id as a socket option.
 *
 * uapi (kwish's own; upstream has no such message yet):
 *  - SO_KWISH_PASSCGROUPID (int, AF_UNIX): on the receiving socket, every
 *    recvmsg() adds SOL_SOCKET/SCM_KWISH_CGROUPID, a __u64: the cgroup v2
 *    id (cgroup_id(), the cgroupfs inode number, what name_to_handle_at()
 *    and PIDFD_INFO_CGROUPID (v6.13) report) of the sending process's
 *    cgroup when it sent the message.  The sender may have exited or
 *    moved since: the id is stamped into the skb at send time.
 *  - SO_KWISH_PEERCGROUPID (getsockopt, __u64): the cgroup id of the peer
 *    process (sk_peer_pid, the process SO_PEERCRED names) at the time of
 *    the call; ENODATA without a peer, ESRCH if it is gone, EOPNOTSUPP
 *    for other families, EINVAL if optlen < 8.  The posted
 *    SO_PEERCGROUPID (Mikhalitsyn, 2025) reads the peer socket's
 *    sk_cgrp_data instead; but connect() creates the server's end in the
 *    connecting process, so on the connecting side that names the
 *    caller's own cgroup.  kwish answers for the process, like
 *    PIDFD_INFO_CGROUPID (v6.13) for SO_PEERPIDFD's pidfd; a per-message
 *    answer fixed at send time is SCM_KWISH_CGROUPID.
 *
 * How: maybe_add_creds(skb, sock, other) (out of line in v6.1 and v6.12)
 * runs in the sender for every skb right before it is queued to the
 * receiver @other.  This file owns its hook, which other items subscribe
 * to as well (struct kw_net_send_stamp_sub; item 20), and subscribes
 * first itself: for a receiver with the flag it stamps the
 * sender's cgroup id into skb->cb after struct unix_skb_parms
 * (KW_UNIXCB_CGROUP_ID()).  recv.c hands it to kw_scm_cgroup_recv(), which
 * subscribes to it, after the kernel's control messages (and after
 * SCM_PIDFD: kwish_net.h).  A stream
 * read never mixes bytes of two cgroups.  Messages queued before the
 * receiver set the option carry no id (no message is added), as
 * SO_PASSCRED does for credentials.
 */

#include <linux/cgroup.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <net/af_unix.h>
#include <net/sock.h>

#include <kwish_core.h>
#include <gates/net/unix/af_unix.h>
#include "kwish_net.h"

static_assert(sizeof(struct kw_unix_skb_cb) <=
	      sizeof_field(struct sk_buff, cb));

/* maybe_add_creds()'s subscribers: item 5 first, then others (kwish_net.h) */
struct kw_net_subs kw_net_send_stamp_subs =
	KW_NET_SUBS_INIT(kw_net_send_stamp_subs);

static bool kw_scm_cgroup_flag(const struct socket *sock)
{
	return sock && test_bit(KW_SOCK_PASSCGROUPID, &sock->flags);
}

static struct kw_hook kw_scm_cgroup_gates[] = {
	KW_GATE_HOOK(maybe_add_creds),
};

static void kw_scm_cgroup_maybe_add_creds(struct sk_buff *skb,
					  const struct socket *sock,
					  const struct sock *other)
{
	struct kw_net_send_stamp_sub *s;

	kw_gate_maybe_add_creds(skb, sock, other);
	/* then the subscribers for @other, in order */
	rcu_read_lock();
	list_for_each_entry_rcu(s, &kw_net_send_stamp_subs.list, sub.node) {
		if (kw_net_sock_wants(other->sk_socket, s->sub.sock_flags))
			s->stamp(skb, sock, other);
	}
	rcu_read_unlock();
}

static bool kw_scm_cgroup_maybe_add_creds_filter(const unsigned long *args)
{
	const struct sock *other = (const struct sock *)args[2];

	return kw_net_sock_wants(other->sk_socket,
				 READ_ONCE(kw_net_send_stamp_subs.sock_flags));
}

static struct kw_hook kw_scm_cgroup_hooks[] = {
	{
		.name = "maybe_add_creds (items 5, 20)",
		.target_sym = "maybe_add_creds",
		.dest_fn = kw_scm_cgroup_maybe_add_creds,
		.filter = kw_scm_cgroup_maybe_add_creds_filter,
	},
};

/* maybe_add_creds()'s subscriber, for a receiver with the flag */
static void kw_scm_cgroup_stamp(struct sk_buff *skb, const struct socket *sock,
				const struct sock *other)
{
	rcu_read_lock();
	KW_UNIXCB_CGROUP_ID(skb) = cgroup_id(task_dfl_cgroup(current));
	rcu_read_unlock();
}

static struct kw_net_send_stamp_sub kw_scm_cgroup_stamp_sub = {
	.sub = {
		.to = &kw_net_send_stamp_subs,
		.order = KW_NET_ORDER_SCM_CGROUP,
		.sock_flags = BIT(KW_SOCK_PASSCGROUPID),
	},
	.stamp = kw_scm_cgroup_stamp,
};

/* recv.c's, after each successful receive with the flag */
static void kw_scm_cgroup_recv(struct socket *sock, struct msghdr *msg,
			       bool had_control, const struct kw_net_tctx *ctx)
{
	u64 id = ctx->cgroup_id;

	if (!had_control) {
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	if (id)		/* put_cmsg() sets MSG_CTRUNC if it does not fit */
		put_cmsg(msg, SOL_SOCKET, SCM_KWISH_CGROUPID, sizeof(id), &id);
}

static struct kw_net_recv_sub kw_scm_cgroup_recv_sub = {
	.sub = {
		.to = &kw_net_recv_subs,
		.order = KW_NET_ORDER_SCM_CGROUP,
		.sock_flags = BIT(KW_SOCK_PASSCGROUPID),
	},
	.recv = kw_scm_cgroup_recv,
};

static int kw_scm_cgroup_stamp_before(void)
{
	return kw_scm_cgroup_item.feature.state == KWISH_STATE_PRESENT ? 0 : -ENODEV;
}

static struct kw_net_lazy_hooks kw_scm_cgroup_lazy = {
	.hooks = kw_scm_cgroup_hooks,
	.nr = ARRAY_SIZE(kw_scm_cgroup_hooks),
	.what = "maybe_add_creds",
	.before = kw_scm_cgroup_stamp_before,
};

/*
 * Install the maybe_add_creds() hook (once; also for item 20, which
 * stamps AF_UNIX messages there).  0 or -errno.
 */
int kw_net_send_stamp_arm(void)
{
	return kw_net_arm(&kw_scm_cgroup_lazy);
}

/* NULL if kw_net_send_stamp_arm() can work, else why not. */
const char *kw_net_send_stamp_why(void)
{
	return kw_scm_cgroup_item.feature.state == KWISH_STATE_PRESENT ? NULL :
	       kw_scm_cgroup_item.feature.reason;
}

static int kw_scm_cgroup_arm(void)
{
	int err = kw_net_recv_arm();

	return err ?: kw_net_send_stamp_arm();
}

static int kw_scm_cgroup_set_pass(struct sock *sk, sockptr_t optval,
				  unsigned int optlen)
{
	int val, err;

	err = kw_net_sockopt_int(optval, optlen, &val);
	if (err)
		return err;
	if (sk->sk_family != AF_UNIX)
		return -EOPNOTSUPP;
	if (val) {
		err = kw_scm_cgroup_arm();
		if (err)
			return -ENOPROTOOPT;
	}
	assign_bit(KW_SOCK_PASSCGROUPID, &sk->sk_socket->flags, val);
	return 0;
}

static int kw_scm_cgroup_get_pass(struct sock *sk, sockptr_t optval,
				  sockptr_t optlen)
{
	if (sk->sk_family != AF_UNIX)
		return -EOPNOTSUPP;
	return kw_net_getsockopt_int(kw_scm_cgroup_flag(sk->sk_socket), optval,
				     optlen);
}

/*
 * The cgroup of the peer process (sk_peer_pid, the process SO_PEERCRED
 * and SO_PEERPIDFD name: the other end at connect(), the listener's
 * creator for the connecting side) as it is now.
 */
static int kw_scm_cgroup_get_peer(struct sock *sk, sockptr_t optval, sockptr_t optlen)
{
	struct task_struct *task;
	struct pid *pid;
	u64 id = 0;
	int len;

	if (copy_from_sockptr(&len, optlen, sizeof(int)))
		return -EFAULT;
	if (sk->sk_family != AF_UNIX)
		return -EOPNOTSUPP;
	if (len < (int)sizeof(id))
		return -EINVAL;
	len = sizeof(id);

	spin_lock(&sk->sk_peer_lock);
	pid = get_pid(sk->sk_peer_pid);
	spin_unlock(&sk->sk_peer_lock);
	if (!pid)
		return -ENODATA;
	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	if (task)
		id = cgroup_id(task_dfl_cgroup(task));
	rcu_read_unlock();
	put_pid(pid);
	if (!task)
		return -ESRCH;

	if (copy_to_sockptr(optval, &id, len) ||
	    copy_to_sockptr(optlen, &len, sizeof(int)))
		return -EFAULT;
	return 0;
}

static const struct kw_net_sockopt kw_scm_cgroup_pass = {
	.optname = SO_KWISH_PASSCGROUPID,
	.set = kw_scm_cgroup_set_pass,
	.get = kw_scm_cgroup_get_pass,
};

static const struct kw_net_sockopt kw_scm_cgroup_peer = {
	.optname = SO_KWISH_PEERCGROUPID,
	.get = kw_scm_cgroup_get_peer,
};

static const struct kw_net_sockopt * const kw_scm_cgroup_opts[] = {
	&kw_scm_cgroup_pass, &kw_scm_cgroup_peer,
};

static struct kw_net_sub * const kw_scm_cgroup_subs[] = {
	&kw_scm_cgroup_stamp_sub.sub, &kw_scm_cgroup_recv_sub.sub,
};

struct kw_net_item kw_scm_cgroup_item = {
	.feature = KW_NET_ITEM(5, kw_scm_cgroup_gates, ARRAY_SIZE(kw_scm_cgroup_gates)),
	.feature.present =
		"SO_KWISH_PASSCGROUPID: SCM_KWISH_CGROUPID at send time; SO_KWISH_PEERCGROUPID",
	.subs = kw_scm_cgroup_subs,
	.nr_subs = ARRAY_SIZE(kw_scm_cgroup_subs),
	.opts = kw_scm_cgroup_opts,
	.nr_opts = ARRAY_SIZE(kw_scm_cgroup_opts),
	.lazy = &kw_scm_cgroup_lazy,
	.why = kw_net_recv_why,
};
