// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_net: the AF_UNIX receive path of items 5 and 6, one hook owner.
 *
 * Items 5 (SCM_KWISH_CGROUPID) and 6 on 6.1 (SCM_PIDFD) add a control
 * message about the sender of what one recvmsg() returns, after the
 * kernel's own ones.  The kernel's scm_recv() is inlined into the unix
 * recvmsg functions and the skb is gone when they return, so:
 *  - unix_dgram_recvmsg(), unix_seqpacket_recvmsg() (which calls or
 *    inlines unix_dgram_recvmsg(); a nested call leaves the work to the
 *    outer one) and unix_stream_recvmsg() of a socket that asked for one
 *    of the messages run in a wrapper with a task context (task_ctx.c);
 *  - the sender of what is read is picked up on the way from the skb:
 *    __unix_dgram_recvmsg() frees the skb it returned with
 *    skb_free_datagram(sk, skb) after scm_recv(); unix_stream_read_generic()
 *    copies each skb with unix_stream_read_actor(): the first one gives
 *    the sender, an skb of another sender (pid, uid, gid or cgroup) ends
 *    the read there, as upstream's check_creds does for SO_PASSCRED and
 *    SO_PASSPIDFD (the actor's error makes the loop return what it copied,
 *    at least the first skb's bytes);
 *  - after the kernel returns, the wrapper lets each subscriber (struct
 *    kw_net_recv_sub) append its message, in their order (kwish_net.h:
 *    item 6 first, as upstream puts SCM_PIDFD after the kernel's).
 * The items subscribe with the socket->flags bit of their option, and
 * only the calls of a socket with one of those bits are diverted.
 * All of these functions are out of line, with these prototypes, in
 * Debian's v6.1 and v6.12 (see the BTF).  The hooks are installed when the
 * first socket asks (kw_net_recv_arm()) and stay until unload.
 */

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <net/af_unix.h>
#include <net/sock.h>

#include <kwish_core.h>
#include <gates/net/unix/af_unix.h>
#include "kwish_net.h"

/* net/unix/af_unix.c's private struct, the same in v6.1 and v6.12 */
struct kw_unix_stream_read_state {
	int (*recv_actor)(struct sk_buff *skb, int skip, int chunk,
			  struct kw_unix_stream_read_state *state);
	struct socket *socket;
	struct msghdr *msg;
	struct pipe_inode_info *pipe;
	size_t size;
	int flags;
	unsigned int splice_flags;
};

struct kw_net_subs kw_net_recv_subs = KW_NET_SUBS_INIT(kw_net_recv_subs);

/* A socket that asked a subscriber for a receive-side message. */
static bool kw_recv_wanted(const struct socket *sock)
{
	return kw_net_sock_wants(sock, READ_ONCE(kw_net_recv_subs.sock_flags));
}

static struct kw_hook kw_recv_gates[] = {
	KW_GATE_HOOK(unix_dgram_recvmsg),
	KW_GATE_HOOK(unix_seqpacket_recvmsg),
	KW_GATE_HOOK(unix_stream_recvmsg),
};

typedef int (*kw_recvmsg_t)(struct socket *sock, struct msghdr *msg,
			    size_t size, int flags);

static int kw_recv_recvmsg(struct socket *sock, struct msghdr *msg,
			   size_t size, int flags, kw_recvmsg_t recvmsg)
{
	struct kw_net_recv_sub *s;
	struct kw_net_tctx ctx;
	struct kw_hook_pin pin;
	bool had_control;
	int ret;

	/*
	 * The receive may block for as long as the peer likes: a module
	 * reference, not the SRCU read section, holds the module.  A call
	 * that races with rmmod (no reference: the module is going) only
	 * runs the kernel's function, in the SRCU section rmmod waits for.
	 */
	kw_hook_pin(&pin);
	if (!pin.ref || kw_net_tctx_find(KW_TCTX_RECV)) {
		ret = recvmsg(sock, msg, size, flags);
		kw_hook_unpin(&pin);
		return ret;
	}

	had_control = !!msg->msg_control;
	kw_net_tctx_enter(&ctx, KW_TCTX_RECV);
	ret = recvmsg(sock, msg, size, flags);
	kw_net_tctx_leave(&ctx);
	/*
	 * The subscribers may sleep: they run under the module reference,
	 * which keeps them subscribed (kwish_net.h), not under RCU.
	 */
	if (ret >= 0) {
		list_for_each_entry_rcu(s, &kw_net_recv_subs.list, sub.node,
					pin.ref) {
			if (kw_net_sock_wants(sock, s->sub.sock_flags))
				s->recv(sock, msg, had_control, &ctx);
		}
	}
	put_pid(ctx.pid);
	kw_hook_unpin(&pin);
	return ret;
}

static int kw_recv_dgram_recvmsg(struct socket *sock, struct msghdr *msg,
				 size_t size, int flags)
{
	return kw_recv_recvmsg(sock, msg, size, flags,
			       kw_gate_unix_dgram_recvmsg);
}

static int kw_recv_seqpacket_recvmsg(struct socket *sock, struct msghdr *msg,
				     size_t size, int flags)
{
	return kw_recv_recvmsg(sock, msg, size, flags,
			       kw_gate_unix_seqpacket_recvmsg);
}

static int kw_recv_stream_recvmsg(struct socket *sock, struct msghdr *msg,
				  size_t size, int flags)
{
	return kw_recv_recvmsg(sock, msg, size, flags,
			       kw_gate_unix_stream_recvmsg);
}

/* Remember the sender of @skb; false if it is not the first one's. */
static bool kw_recv_note_sender(struct kw_net_tctx *ctx, struct sk_buff *skb)
{
	if (!ctx->have_creds) {
		ctx->have_creds = true;
		ctx->pid = get_pid(UNIXCB(skb).pid);
		ctx->uid = UNIXCB(skb).uid;
		ctx->gid = UNIXCB(skb).gid;
		ctx->cgroup_id = KW_UNIXCB_CGROUP_ID(skb);
		return true;
	}
	return ctx->pid == UNIXCB(skb).pid &&
	       uid_eq(ctx->uid, UNIXCB(skb).uid) &&
	       gid_eq(ctx->gid, UNIXCB(skb).gid) &&
	       ctx->cgroup_id == KW_UNIXCB_CGROUP_ID(skb);
}

/*
 * Does not sleep (consume_skb(); the skb's destructor, unix_destruct_scm(),
 * defers its fput()s; v6.1 and v6.12): the drain's first RCU-tasks
 * grace period covers it without a pin (kwish_core.h).
 */
static void kw_recv_skb_free_datagram(struct sock *sk, struct sk_buff *skb)
{
	struct kw_net_tctx *ctx = kw_net_tctx_find(KW_TCTX_RECV);

	if (ctx)
		kw_recv_note_sender(ctx, skb);
	skb_free_datagram(sk, skb);
}

static bool kw_recv_skb_free_datagram_filter(const unsigned long *args)
{
	const struct sock *sk = (const struct sock *)args[0];

	return sk->sk_family == AF_UNIX && kw_recv_wanted(sk->sk_socket);
}

/*
 * unix_stream_read_actor()'s body, after noting the sender.  The copy to
 * user memory may sleep in a page fault for as long as a userfaultfd or
 * FUSE server likes, and this call need not run inside kw_recv_recvmsg()
 * (the option was set, or the hooks installed, while the recvmsg() waited
 * for data): it pins the module itself.
 */
static int kw_recv_stream_read_actor(struct sk_buff *skb, int skip, int chunk,
				     struct kw_unix_stream_read_state *state)
{
	struct kw_net_tctx *ctx;
	struct kw_hook_pin pin;
	int ret;

	kw_hook_pin(&pin);
	ctx = kw_net_tctx_find(KW_TCTX_RECV);
	if (ctx && !kw_recv_note_sender(ctx, skb)) {
		ret = -EAGAIN;
	} else {
		ret = skb_copy_datagram_msg(skb, UNIXCB(skb).consumed + skip,
					    state->msg, chunk);
		ret = ret ?: chunk;
	}
	kw_hook_unpin(&pin);
	return ret;
}

static bool kw_recv_stream_read_actor_filter(const unsigned long *args)
{
	const struct kw_unix_stream_read_state *state =
		(const struct kw_unix_stream_read_state *)args[3];

	return kw_recv_wanted(state->socket);
}

static bool kw_recv_sock_filter(const unsigned long *args)
{
	return kw_recv_wanted((const struct socket *)args[0]);
}

static struct kw_hook kw_recv_hooks[] = {
	{
		.name = "unix_dgram_recvmsg (items 5, 6)",
		.target_sym = "unix_dgram_recvmsg",
		.dest_fn = kw_recv_dgram_recvmsg,
		.filter = kw_recv_sock_filter,
	},
	{
		.name = "unix_seqpacket_recvmsg (items 5, 6)",
		.target_sym = "unix_seqpacket_recvmsg",
		.dest_fn = kw_recv_seqpacket_recvmsg,
		.filter = kw_recv_sock_filter,
	},
	{
		.name = "unix_stream_recvmsg (items 5, 6)",
		.target_sym = "unix_stream_recvmsg",
		.dest_fn = kw_recv_stream_recvmsg,
		.filter = kw_recv_sock_filter,
	},
	{
		.name = "skb_free_datagram (items 5, 6)",
		.target_sym = "skb_free_datagram",
		.dest_fn = kw_recv_skb_free_datagram,
		.filter = kw_recv_skb_free_datagram_filter,
	},
	{
		.name = "unix_stream_read_actor (items 5, 6)",
		.target_sym = "unix_stream_read_actor",
		.dest_fn = kw_recv_stream_read_actor,
		.filter = kw_recv_stream_read_actor_filter,
	},
};

static bool kw_recv_gated;

static int kw_recv_before(void)
{
	return kw_recv_gated ? 0 : -ENODEV;
}

static struct kw_net_lazy_hooks kw_recv_lazy = {
	.hooks = kw_recv_hooks,
	.nr = ARRAY_SIZE(kw_recv_hooks),
	.what = "receive hooks",
	.before = kw_recv_before,
};

/* Install the receive hooks (once; idempotent).  0 or -errno. */
int kw_net_recv_arm(void)
{
	return kw_net_arm(&kw_recv_lazy);
}

/* NULL if the receive path can be hooked, else why not. */
static char kw_recv_reason[KWISH_REASON_LEN];

const char *kw_net_recv_why(void)
{
	return kw_recv_gated ? NULL : kw_recv_reason;
}

int kw_net_recv_init(void)
{
	if (!kw_hooks_install(kw_recv_gates, ARRAY_SIZE(kw_recv_gates),
			      kw_recv_reason, sizeof(kw_recv_reason)))
		kw_recv_gated = true;
	return 0;	/* the items report it: kw_net_recv_why() */
}

/* After the items' exits: nobody arms any more. */
void kw_net_recv_exit(void)
{
	kw_net_disarm(&kw_recv_lazy);
	if (kw_recv_gated)
		kw_hooks_remove(kw_recv_gates, ARRAY_SIZE(kw_recv_gates));
}
