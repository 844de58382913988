// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_net, item 13: SO_PASSRIGHTS (upstream v6.16, Kuniyuki Iwashima,
 * "af_unix: Introduce SO_PASSRIGHTS"), on kernels without it (v6.1 and
 * v6.12), with upstream's number (83) and semantics:
 *  - AF_UNIX only: setsockopt() and getsockopt() on other sockets fail
 *    with EOPNOTSUPP; default on (sk_scm_rights = 1 in unix_create1());
 *  - the socket of a pending connection starts with its listener's value
 *    (unix_stream_connect() copies sk_scm_recv_flags, "af_unix: Inherit
 *    sk_flags at connect()", same series);
 *  - a sendmsg() whose SCM_RIGHTS fds would be queued to a receiver that
 *    turned it off fails with EPERM, before the skb is queued, so no fd
 *    ever reaches the receiver: unix_dgram_sendmsg() (dgram and seqpacket)
 *    checks under unix_state_lock(other) before security_unix_may_send(),
 *    unix_stream_sendmsg() and queue_oob() before queueing the skb that
 *    carries the fds (the first one: a stream sender has sent nothing of
 *    the message yet, so sendmsg() returns EPERM).
 *
 * How (no flag in struct sock to borrow: KW_SK_NOPASSRIGHTS, kwish_net.h):
 *  - stream and seqpacket: the receiver is unix_peer(sk), fixed from
 *    connect() on.  unix_scm_to_skb(scm, skb, send_fds) attaches the fds
 *    to the skb (out of line in v6.1 and v6.12, called by
 *    unix_dgram_sendmsg(), unix_stream_sendmsg() and queue_oob() before
 *    the skb is queued, and its error fails the sendmsg()): for those
 *    types the hook refuses there with EPERM if the peer has the flag.
 *  - dgram: the receiver is only known under its lock, where
 *    unix_dgram_sendmsg() calls security_unix_may_send(sk->sk_socket,
 *    other->sk_socket) for every message (not for seqpacket) and returns
 *    its error.  unix_dgram_sendmsg() calls with ancillary data
 *    (msg_controllen != 0, the only ones that can carry fds) run in a
 *    task context; the unix_scm_to_skb() hook records there that the
 *    message carries fds, and the security_unix_may_send() hook, for a
 *    receiver with the flag, refuses with EPERM.
 *  - the listener's flag is copied to the new socket by a hook on
 *    security_unix_stream_connect(sk, other, newsk), called by
 *    unix_stream_connect() under the listener's lock just before the new
 *    socket is queued (both kernels).
 * The checks run before the skb is queued, as upstream's, but the stream
 * one before taking the receiver's lock: a setsockopt() racing with a
 * sendmsg() may go either way, as upstream (setsockopt() takes no lock).
 * All hooks are installed when the first socket turns SO_PASSRIGHTS off
 * or a subscriber asks (kw_net_rights_arm()): at the same points, after
 * SO_PASSRIGHTS, they ask the items that subscribed (struct
 * kw_net_rights_sub: item 14's filters), in their order (kwish_net.h).
 */

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/security.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <net/af_unix.h>
#include <net/scm.h>
#include <net/sock.h>

#include <kwish_core.h>
#include <gates/net/unix/af_unix.h>
#include "kwish_net.h"

/* asked after SO_PASSRIGHTS, in order (kwish_net.h) */
struct kw_net_subs kw_net_rights_subs = KW_NET_SUBS_INIT(kw_net_rights_subs);

static bool kw_passrights_refused(const struct sock *sk)
{
	return sk && test_bit(KW_SK_NOPASSRIGHTS, &sk->sk_flags);
}

static struct kw_hook kw_passrights_gates[] = {
	KW_GATE_HOOK(unix_scm_to_skb),
	KW_GATE_HOOK(unix_dgram_sendmsg),
	KW_GATE_HOOK(unix_sock_destructor),
};

/*
 * A socket that refuses fds (SO_PASSRIGHTS off, an item-14 filter, or
 * either inherited from its listener) holds a reference on kwish_net
 * from then until it is destroyed (unix_sock_destructor(), hooked below),
 * marked by KW_SK_RIGHTS_PINNED: removing the module would silently end
 * the refusal, so rmmod answers "busy" until such sockets are closed.
 * 0, or -ENOPROTOOPT if the module is going.  Does not sleep.
 */
int kw_net_rights_pin(struct sock *sk)
{
	if (test_bit(KW_SK_RIGHTS_PINNED, &sk->sk_flags))
		return 0;
	if (!try_module_get(THIS_MODULE))
		return -ENOPROTOOPT;
	if (test_and_set_bit(KW_SK_RIGHTS_PINNED, &sk->sk_flags))
		module_put(THIS_MODULE);
	return 0;
}

/* ---- the subscribers (struct kw_net_rights_sub); none sleeps ---- */

static bool kw_passrights_subs_active(void)
{
	struct kw_net_rights_sub *s;
	bool active = false;

	rcu_read_lock();
	list_for_each_entry_rcu(s, &kw_net_rights_subs.list, sub.node) {
		active = s->active();
		if (active)
			break;
	}
	rcu_read_unlock();
	return active;
}

static int kw_passrights_subs_check(const struct sock *receiver,
				    const struct scm_fp_list *fpl)
{
	struct kw_net_rights_sub *s;
	int err = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(s, &kw_net_rights_subs.list, sub.node) {
		err = s->check(receiver, fpl);
		if (err)
			break;
	}
	rcu_read_unlock();
	return err;
}

static int kw_passrights_subs_inherit(const struct sock *listener,
				      struct sock *newsk)
{
	struct kw_net_rights_sub *s;
	int err = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(s, &kw_net_rights_subs.list, sub.node) {
		err = s->inherit(listener, newsk);
		if (err)
			break;
	}
	rcu_read_unlock();
	return err;
}

static void kw_passrights_subs_release(const struct sock *sk)
{
	struct kw_net_rights_sub *s;

	rcu_read_lock();
	list_for_each_entry_rcu(s, &kw_net_rights_subs.list, sub.node)
		s->release(sk);
	rcu_read_unlock();
}

/*
 * The kernel's unix_scm_to_skb() allocates (unix_attach_fds(), GFP_KERNEL)
 * and may sleep, and unix_stream_sendmsg() reaches it without an outer
 * kwish call: pinned.
 */
static int kw_passrights_scm_to_skb(struct scm_cookie *scm, struct sk_buff *skb,
				    bool send_fds)
{
	struct sock *sk = skb->sk;	/* the sender: skb_set_owner_w() */
	struct kw_net_tctx *ctx;
	struct kw_hook_pin pin;
	struct sock *peer;
	int err = 0;

	kw_hook_pin(&pin);
	if (sk->sk_type == SOCK_STREAM || sk->sk_type == SOCK_SEQPACKET) {
		peer = unix_peer(sk);
		if (kw_passrights_refused(peer))
			err = -EPERM;
		else
			err = kw_passrights_subs_check(peer, scm->fp);
	} else {
		ctx = kw_net_tctx_find(KW_TCTX_SEND_RIGHTS);
		if (ctx)
			ctx->fpl = scm->fp;
	}
	if (!err)
		err = kw_gate_unix_scm_to_skb(scm, skb, send_fds);
	kw_hook_unpin(&pin);
	return err;
}

/* Only calls that attach fds: scm->fp and send_fds. */
static bool kw_passrights_scm_to_skb_filter(const unsigned long *args)
{
	const struct scm_cookie *scm = (const struct scm_cookie *)args[0];

	return scm->fp && (bool)args[2];
}

static int kw_passrights_dgram_sendmsg(struct socket *sock, struct msghdr *msg,
				       size_t len)
{
	struct kw_net_tctx ctx;
	struct kw_hook_pin pin;
	int ret;

	/* may block on a full receiver: see kw_recv_recvmsg() */
	kw_hook_pin(&pin);
	if (!pin.ref) {
		ret = kw_gate_unix_dgram_sendmsg(sock, msg, len);
		kw_hook_unpin(&pin);
		return ret;
	}
	kw_net_tctx_enter(&ctx, KW_TCTX_SEND_RIGHTS);
	ret = kw_gate_unix_dgram_sendmsg(sock, msg, len);
	kw_net_tctx_leave(&ctx);
	kw_hook_unpin(&pin);
	return ret;
}

static bool kw_passrights_dgram_sendmsg_filter(const unsigned long *args)
{
	const struct msghdr *msg = (const struct msghdr *)args[1];

	return msg->msg_controllen != 0;
}

/* Under unix_state_lock(other): must not sleep. */
static int kw_passrights_unix_may_send(struct socket *sock, struct socket *other)
{
	struct kw_net_tctx *ctx = kw_net_tctx_find(KW_TCTX_SEND_RIGHTS);
	int err;

	if (ctx && ctx->fpl) {
		if (kw_passrights_refused(other->sk))
			return -EPERM;
		err = kw_passrights_subs_check(other->sk, ctx->fpl);
		if (err)
			return err;
	}
	return security_unix_may_send(sock, other);
}

static bool kw_passrights_unix_may_send_filter(const unsigned long *args)
{
	const struct socket *other = (const struct socket *)args[1];

	return other && (kw_passrights_refused(other->sk) ||
			 kw_passrights_subs_active());
}

/*
 * Under the listener's and the connecting socket's state locks.  The new
 * socket inherits the listener's refusal, and with it a pin (the
 * listener holds one, so the module is not going).
 */
static int kw_passrights_stream_connect(struct sock *sock, struct sock *other,
					struct sock *newsk)
{
	int err = security_unix_stream_connect(sock, other, newsk);

	if (!err && kw_passrights_refused(other)) {
		err = kw_net_rights_pin(newsk);
		if (!err)
			set_bit(KW_SK_NOPASSRIGHTS, &newsk->sk_flags);
	}
	if (!err)
		err = kw_passrights_subs_inherit(other, newsk);
	return err;
}

static bool kw_passrights_stream_connect_filter(const unsigned long *args)
{
	return kw_passrights_refused((const struct sock *)args[1]) ||
	       kw_passrights_subs_active();
}

/*
 * sk->sk_destruct of every AF_UNIX socket; diverted for those that pinned
 * the module.  Does not sleep (it may run wherever the last reference to
 * the socket goes); the reference goes last, on the way out, which the
 * drain's first RCU-tasks grace period covers (kwish_core.h).
 */
static void kw_passrights_sock_destructor(struct sock *sk)
{
	kw_passrights_subs_release(sk);
	kw_gate_unix_sock_destructor(sk);
	if (test_and_clear_bit(KW_SK_RIGHTS_PINNED, &sk->sk_flags))
		module_put(THIS_MODULE);
}

static bool kw_passrights_sock_destructor_filter(const unsigned long *args)
{
	const struct sock *sk = (const struct sock *)args[0];

	return test_bit(KW_SK_RIGHTS_PINNED, &sk->sk_flags);
}

/* Installed by the first kw_net_rights_arm(); kept until unload. */
static struct kw_hook kw_passrights_hooks[] = {
	{
		.name = "unix_scm_to_skb (item 13)",
		.target_sym = "unix_scm_to_skb",
		.dest_fn = kw_passrights_scm_to_skb,
		.filter = kw_passrights_scm_to_skb_filter,
	},
	{
		.name = "unix_dgram_sendmsg (item 13)",
		.target_sym = "unix_dgram_sendmsg",
		.dest_fn = kw_passrights_dgram_sendmsg,
		.filter = kw_passrights_dgram_sendmsg_filter,
	},
	{
		.name = "security_unix_may_send (item 13)",
		.target_sym = "security_unix_may_send",
		.dest_fn = kw_passrights_unix_may_send,
		.filter = kw_passrights_unix_may_send_filter,
	},
	{
		.name = "security_unix_stream_connect (item 13)",
		.target_sym = "security_unix_stream_connect",
		.dest_fn = kw_passrights_stream_connect,
		.filter = kw_passrights_stream_connect_filter,
	},
	{
		.name = "unix_sock_destructor (items 13, 14)",
		.target_sym = "unix_sock_destructor",
		.dest_fn = kw_passrights_sock_destructor,
		.filter = kw_passrights_sock_destructor_filter,
	},
};

static struct kw_net_lazy_hooks kw_passrights_lazy = {
	.hooks = kw_passrights_hooks,
	.nr = ARRAY_SIZE(kw_passrights_hooks),
	.what = "SO_PASSRIGHTS",
};

int kw_net_rights_arm(void)
{
	return kw_net_arm(&kw_passrights_lazy);
}

static int kw_passrights_set(struct sock *sk, sockptr_t optval,
			     unsigned int optlen)
{
	int val, err;

	err = kw_net_sockopt_int(optval, optlen, &val);
	if (err)
		return err;
	if (sk->sk_family != AF_UNIX)
		return -EOPNOTSUPP;
	if (!val) {
		err = kw_net_rights_arm();
		if (err)
			return -ENOPROTOOPT;
		err = kw_net_rights_pin(sk);
		if (err)
			return err;
	}
	assign_bit(KW_SK_NOPASSRIGHTS, &sk->sk_flags, !val);
	return 0;
}

static int kw_passrights_get(struct sock *sk, sockptr_t optval, sockptr_t optlen)
{
	if (sk->sk_family != AF_UNIX)
		return -EOPNOTSUPP;
	return kw_net_getsockopt_int(!kw_passrights_refused(sk), optval, optlen);
}

static const struct kw_net_sockopt kw_passrights_opt = {
	.optname = SO_PASSRIGHTS,
	.set = kw_passrights_set,
	.get = kw_passrights_get,
};

/* NULL if the send-side hooks can be installed, else why not. */
const char *kw_net_rights_why(void)
{
	return kw_passrights_item.feature.state == KWISH_STATE_PRESENT ? NULL :
	       kw_passrights_item.feature.reason;
}

static const struct kw_net_sockopt * const kw_passrights_opts[] = {
	&kw_passrights_opt,
};

struct kw_net_item kw_passrights_item = {
	.feature = KW_NET_ITEM(13, kw_passrights_gates, ARRAY_SIZE(kw_passrights_gates)),
	.feature.present =
		"SO_PASSRIGHTS (83) as upstream v6.16: EPERM at sendmsg()",
	.opts = kw_passrights_opts,
	.nr_opts = ARRAY_SIZE(kw_passrights_opts),
	.lazy = &kw_passrights_lazy,
	.native_optname = SO_PASSRIGHTS,
	.native_reason = "kernel knows SO_PASSRIGHTS",
};
