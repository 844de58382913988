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
 *    (compat.h), a socket flag like upstream's;
 *  - the sender side: unix_passcred_enabled(), called by
 *    maybe_add_creds() and maybe_init_creds() for every message, is
 *    replaced by upstream's version (also tests the kwish flag);
 *  - the receive side: unix_dgram_recvmsg(), unix_seqpacket_recvmsg()
 *    (which has unix_dgram_recvmsg() inlined in Debian's v6.1; a nested
 *    call leaves the work to the outer wrapper) and unix_stream_recvmsg()
 *    of a socket with the flag are wrapped: the wrapper enters a task context, the kernel
 *    receives, and the sender's pid is picked up on the way by hooks on
 *    skb_free_datagram() (dgram: called with the received skb after
 *    scm_recv()) and unix_stream_read_actor() (stream: per skb copied;
 *    the first gives the sender, a later one of another sender ends the
 *    read there, as check_creds does upstream).  After the kernel's
 *    scm_recv(), the wrapper appends SCM_PIDFD exactly as
 *    scm_pidfd_recv() does.  accept() copies the flag (unix_accept()).
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
#define pr_fmt(fmt) "kwish_net: " fmt

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
#include "../kwish_core/compat.h"
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

static struct kw_feature kw_pidfd_feature = {
	.id = 6,
};

/* ---- gates to the kernel's functions ---- */

/* kernel/fork.c, v6.1.0-56 (backported from v6.5) and v6.12 */
static KW_CALL_GATE int kw_pidfd_gate_pidfd_prepare(struct pid *pid,
						    unsigned int flags,
						    struct file **ret)
{
	return -EOPNOTSUPP;
}

/* net/unix/af_unix.c, static (v6.1 prototypes) */
static KW_CALL_GATE int kw_pidfd_gate_dgram_recvmsg(struct socket *sock,
						    struct msghdr *msg,
						    size_t size, int flags)
{
	return -EOPNOTSUPP;
}

static KW_CALL_GATE int kw_pidfd_gate_stream_recvmsg(struct socket *sock,
						     struct msghdr *msg,
						     size_t size, int flags)
{
	return -EOPNOTSUPP;
}

static KW_CALL_GATE int kw_pidfd_gate_seqpacket_recvmsg(struct socket *sock,
							struct msghdr *msg,
							size_t size, int flags)
{
	return -EOPNOTSUPP;
}

static KW_CALL_GATE int kw_pidfd_gate_accept(struct socket *sock,
					     struct socket *newsock,
					     int flags, bool kern)
{
	return -EOPNOTSUPP;
}

static struct kw_hook kw_pidfd_gates[] = {
	{
		.name = "pidfd_prepare gate (item 6)",
		.target_fn = kw_pidfd_gate_pidfd_prepare,
		.dest_sym = "pidfd_prepare",
	},
	{
		.name = "unix_dgram_recvmsg gate (item 6)",
		.target_fn = kw_pidfd_gate_dgram_recvmsg,
		.dest_sym = "unix_dgram_recvmsg",
	},
	{
		.name = "unix_stream_recvmsg gate (item 6)",
		.target_fn = kw_pidfd_gate_stream_recvmsg,
		.dest_sym = "unix_stream_recvmsg",
	},
	{
		.name = "unix_seqpacket_recvmsg gate (item 6)",
		.target_fn = kw_pidfd_gate_seqpacket_recvmsg,
		.dest_sym = "unix_seqpacket_recvmsg",
	},
	{
		.name = "unix_accept gate (item 6)",
		.target_fn = kw_pidfd_gate_accept,
		.dest_sym = "unix_accept",
	},
};

static bool kw_pidfd_flag(const struct socket *sock)
{
	return sock && test_bit(KW_SOCK_PASSPIDFD, &sock->flags);
}

/* ---- the sender side ---- */

/* upstream v6.5's unix_passcred_enabled() */
static bool kw_pidfd_passcred_enabled(const struct socket *sock,
				      const struct sock *other)
{
	return test_bit(SOCK_PASSCRED, &sock->flags) ||
	       kw_pidfd_flag(sock) ||
	       !other->sk_socket ||
	       test_bit(SOCK_PASSCRED, &other->sk_socket->flags) ||
	       kw_pidfd_flag(other->sk_socket);
}

/* ---- the receive side ---- */

/* upstream's scm_pidfd_recv() (include/net/scm.h, v6.5 .. v6.15) */
static void kw_pidfd_put_cmsg(struct msghdr *msg, struct pid *pid)
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

	pidfd = kw_pidfd_gate_pidfd_prepare(pid, 0, &pidfd_file);
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

typedef int (*kw_recvmsg_t)(struct socket *sock, struct msghdr *msg,
			    size_t size, int flags);

static int kw_pidfd_recvmsg(struct socket *sock, struct msghdr *msg,
			    size_t size, int flags, kw_recvmsg_t recvmsg)
{
	struct kw_net_tctx ctx;
	bool had_control;
	int idx, ret;

	/*
	 * The receive may block for as long as the peer likes: hold a module
	 * reference rather than the SRCU read section across it.  Only a
	 * call that races with rmmod (the module is going) keeps the SRCU
	 * section, and rmmod waits for it.
	 */
	idx = srcu_read_lock(&kw_net_srcu);
	if (!try_module_get(THIS_MODULE)) {
		ret = recvmsg(sock, msg, size, flags);
		srcu_read_unlock(&kw_net_srcu, idx);
		return ret;
	}
	srcu_read_unlock(&kw_net_srcu, idx);

	/*
	 * unix_seqpacket_recvmsg() calls unix_dgram_recvmsg() (or has it
	 * inlined: both are hooked): the outer wrapper does the work.
	 */
	if (kw_net_tctx_find(KW_TCTX_RECV_PIDFD)) {
		ret = recvmsg(sock, msg, size, flags);
		module_put(THIS_MODULE);
		return ret;
	}

	had_control = !!msg->msg_control;
	kw_net_tctx_enter(&ctx, KW_TCTX_RECV_PIDFD);
	ret = recvmsg(sock, msg, size, flags);
	kw_net_tctx_leave(&ctx);
	/* where upstream's scm_recv_unix() adds it: after the others */
	if (ret >= 0 && kw_pidfd_flag(sock)) {
		if (!had_control)
			msg->msg_flags |= MSG_CTRUNC;
		else
			kw_pidfd_put_cmsg(msg, ctx.pid);
	}
	put_pid(ctx.pid);
	module_put(THIS_MODULE);
	return ret;
}

static int kw_pidfd_dgram_recvmsg(struct socket *sock, struct msghdr *msg,
				  size_t size, int flags)
{
	return kw_pidfd_recvmsg(sock, msg, size, flags,
				kw_pidfd_gate_dgram_recvmsg);
}

static int kw_pidfd_seqpacket_recvmsg(struct socket *sock,
				      struct msghdr *msg, size_t size,
				      int flags)
{
	return kw_pidfd_recvmsg(sock, msg, size, flags,
				kw_pidfd_gate_seqpacket_recvmsg);
}

static int kw_pidfd_stream_recvmsg(struct socket *sock, struct msghdr *msg,
				   size_t size, int flags)
{
	return kw_pidfd_recvmsg(sock, msg, size, flags,
				kw_pidfd_gate_stream_recvmsg);
}

/* Remember the sender of @skb; false if it is not the first one's. */
static bool kw_pidfd_note_sender(struct kw_net_tctx *ctx, struct sk_buff *skb)
{
	if (!ctx->have_creds) {
		ctx->have_creds = true;
		ctx->pid = get_pid(UNIXCB(skb).pid);
		ctx->uid = UNIXCB(skb).uid;
		ctx->gid = UNIXCB(skb).gid;
		return true;
	}
	return ctx->pid == UNIXCB(skb).pid &&
	       uid_eq(ctx->uid, UNIXCB(skb).uid) &&
	       gid_eq(ctx->gid, UNIXCB(skb).gid);
}

/*
 * __unix_dgram_recvmsg() frees the skb it returned (after scm_recv())
 * with skb_free_datagram(sk, skb): the skb of this recvmsg().
 */
static void kw_pidfd_skb_free_datagram(struct sock *sk, struct sk_buff *skb)
{
	struct kw_net_tctx *ctx = kw_net_tctx_find(KW_TCTX_RECV_PIDFD);

	if (ctx)
		kw_pidfd_note_sender(ctx, skb);
	skb_free_datagram(sk, skb);
}

static bool kw_pidfd_skb_free_datagram_filter(const unsigned long *args)
{
	const struct sock *sk = (const struct sock *)args[0];

	return sk->sk_family == AF_UNIX && kw_pidfd_flag(sk->sk_socket);
}

/*
 * unix_stream_read_generic() copies each skb with the actor
 * unix_stream_read_actor(): the same body here, after noting the sender.
 * An skb of another sender than the first one ends the read: the error
 * makes unix_stream_read_generic() stop and return what it copied (at
 * least the first skb's bytes), as its check_creds test does upstream.
 */
static int kw_pidfd_stream_read_actor(struct sk_buff *skb, int skip, int chunk,
				      struct kw_unix_stream_read_state *state)
{
	struct kw_net_tctx *ctx = kw_net_tctx_find(KW_TCTX_RECV_PIDFD);
	int ret;

	if (ctx && !kw_pidfd_note_sender(ctx, skb))
		return -EAGAIN;
	ret = skb_copy_datagram_msg(skb, UNIXCB(skb).consumed + skip,
				    state->msg, chunk);
	return ret ?: chunk;
}

static bool kw_pidfd_stream_read_actor_filter(const unsigned long *args)
{
	const struct kw_unix_stream_read_state *state =
		(const struct kw_unix_stream_read_state *)args[3];

	return kw_pidfd_flag(state->socket);
}

static int kw_pidfd_accept(struct socket *sock, struct socket *newsock,
			   int flags, bool kern)
{
	int idx, ret;

	idx = srcu_read_lock(&kw_net_srcu);
	if (!try_module_get(THIS_MODULE)) {
		ret = kw_pidfd_gate_accept(sock, newsock, flags, kern);
		srcu_read_unlock(&kw_net_srcu, idx);
		return ret;
	}
	srcu_read_unlock(&kw_net_srcu, idx);
	ret = kw_pidfd_gate_accept(sock, newsock, flags, kern);
	/* unix_sock_inherit_flags(), upstream v6.5 */
	if (!ret && kw_pidfd_flag(sock))
		set_bit(KW_SOCK_PASSPIDFD, &newsock->flags);
	module_put(THIS_MODULE);
	return ret;
}

static bool kw_pidfd_sock_filter(const unsigned long *args)
{
	return kw_pidfd_flag((const struct socket *)args[0]);
}

/* Installed when the first socket sets SO_PASSPIDFD; kept until unload. */
static struct kw_hook kw_pidfd_msg_hooks[] = {
	{
		.name = "unix_passcred_enabled (item 6)",
		.target_sym = "unix_passcred_enabled",
		.dest_fn = kw_pidfd_passcred_enabled,
	},
	{
		.name = "unix_dgram_recvmsg (item 6)",
		.target_sym = "unix_dgram_recvmsg",
		.dest_fn = kw_pidfd_dgram_recvmsg,
		.filter = kw_pidfd_sock_filter,
	},
	{
		.name = "unix_seqpacket_recvmsg (item 6)",
		.target_sym = "unix_seqpacket_recvmsg",
		.dest_fn = kw_pidfd_seqpacket_recvmsg,
		.filter = kw_pidfd_sock_filter,
	},
	{
		.name = "unix_stream_recvmsg (item 6)",
		.target_sym = "unix_stream_recvmsg",
		.dest_fn = kw_pidfd_stream_recvmsg,
		.filter = kw_pidfd_sock_filter,
	},
	{
		.name = "skb_free_datagram (item 6)",
		.target_sym = "skb_free_datagram",
		.dest_fn = kw_pidfd_skb_free_datagram,
		.filter = kw_pidfd_skb_free_datagram_filter,
	},
	{
		.name = "unix_stream_read_actor (item 6)",
		.target_sym = "unix_stream_read_actor",
		.dest_fn = kw_pidfd_stream_read_actor,
		.filter = kw_pidfd_stream_read_actor_filter,
	},
	{
		.name = "unix_accept (item 6)",
		.target_sym = "unix_accept",
		.dest_fn = kw_pidfd_accept,
		.filter = kw_pidfd_sock_filter,
	},
};

static DEFINE_MUTEX(kw_pidfd_arm_lock);
static bool kw_pidfd_armed;

static int kw_pidfd_arm(void)
{
	char why[KWISH_REASON_LEN];
	int err = 0;

	if (READ_ONCE(kw_pidfd_armed))
		return 0;
	mutex_lock(&kw_pidfd_arm_lock);
	if (!kw_pidfd_armed) {
		err = kw_hooks_install(kw_pidfd_msg_hooks,
				       ARRAY_SIZE(kw_pidfd_msg_hooks),
				       why, sizeof(why));
		if (err)
			pr_warn_ratelimited("SO_PASSPIDFD: %s\n", why);
		else
			WRITE_ONCE(kw_pidfd_armed, true);
	}
	mutex_unlock(&kw_pidfd_arm_lock);
	return err;
}

/* ---- the options ---- */

static int kw_pidfd_set_passpidfd(struct sock *sk, sockptr_t optval,
				  unsigned int optlen)
{
	int val, err;

	err = kw_net_sockopt_int(optval, optlen, &val);
	if (err)
		return err;
	if (val) {
		err = kw_pidfd_arm();
		if (err)
			return -ENOPROTOOPT;
	}
	assign_bit(KW_SOCK_PASSPIDFD, &sk->sk_socket->flags, val);
	return 0;
}

static int kw_pidfd_get_passpidfd(struct sock *sk, sockptr_t optval,
				  sockptr_t optlen)
{
	return kw_net_getsockopt_int(kw_pidfd_flag(sk->sk_socket), optval,
				     optlen);
}

/* upstream's sk_getsockopt() case SO_PEERPIDFD (v6.5 .. v6.15) */
static int kw_pidfd_get_peerpidfd(struct sock *sk, sockptr_t optval,
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

	pidfd = kw_pidfd_gate_pidfd_prepare(peer_pid, 0, &pidfd_file);
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

static const struct kw_net_sockopt kw_pidfd_passpidfd = {
	.optname = SO_PASSPIDFD,
	.set = kw_pidfd_set_passpidfd,
	.get = kw_pidfd_get_passpidfd,
};

static const struct kw_net_sockopt kw_pidfd_peerpidfd = {
	.optname = SO_PEERPIDFD,
	.get = kw_pidfd_get_peerpidfd,
};

/*
 * Native: the kernel knows SO_PASSPIDFD.  Asked before kwish adds the
 * option to sockopt.c's hooks, on a kernel socket of our own.
 */
static bool kw_pidfd_native(void)
{
	struct socket *sock;
	int one = 1;
	int err;

	err = sock_create_kern(&init_net, AF_UNIX, SOCK_DGRAM, 0, &sock);
	if (err)
		return false;
	err = sock_setsockopt(sock, SOL_SOCKET, SO_PASSPIDFD,
			      KERNEL_SOCKPTR(&one), sizeof(one));
	sock_release(sock);
	return !err;
}

int kw_net_scm_pidfd_init(void)
{
	struct kw_feature *f = &kw_pidfd_feature;
	const char *why;
	int err;

	if (kw_pidfd_native()) {
		f->state = KWISH_STATE_NATIVE;
		strscpy(f->reason,
			"SO_PASSPIDFD, SCM_PIDFD, SO_PEERPIDFD (kernel knows SO_PASSPIDFD)",
			sizeof(f->reason));
		return kw_feature_register(f);
	}

	why = kw_net_sockopt_why();
	if (why) {
		strscpy(f->reason, why, sizeof(f->reason));
		goto unavailable;
	}
	err = kw_hooks_install(kw_pidfd_gates, ARRAY_SIZE(kw_pidfd_gates),
			       f->reason, sizeof(f->reason));
	if (err)
		goto unavailable;
	err = kw_net_sockopt_add(&kw_pidfd_passpidfd);
	if (!err)
		err = kw_net_sockopt_add(&kw_pidfd_peerpidfd);
	if (err) {
		kw_net_sockopt_del(&kw_pidfd_passpidfd);
		kw_hooks_remove(kw_pidfd_gates, ARRAY_SIZE(kw_pidfd_gates));
		return err;
	}
	f->state = KWISH_STATE_PRESENT;
	strscpy(f->reason,
		"SO_PASSPIDFD (76), SCM_PIDFD (4), SO_PEERPIDFD (77) as upstream v6.5",
		sizeof(f->reason));
	err = kw_feature_register(f);
	if (err) {
		kw_net_sockopt_del(&kw_pidfd_peerpidfd);
		kw_net_sockopt_del(&kw_pidfd_passpidfd);
		kw_hooks_remove(kw_pidfd_gates, ARRAY_SIZE(kw_pidfd_gates));
	}
	return err;

unavailable:
	f->state = KWISH_STATE_UNAVAILABLE;
	return kw_feature_register(f);
}

void kw_net_scm_pidfd_exit(void)
{
	struct kw_feature *f = &kw_pidfd_feature;

	kw_feature_unregister(f);
	if (f->state != KWISH_STATE_PRESENT)
		return;
	kw_net_sockopt_del(&kw_pidfd_peerpidfd);
	kw_net_sockopt_del(&kw_pidfd_passpidfd);
	/* sockopt.c's handlers may still run: they run under kw_net_srcu */
	synchronize_srcu(&kw_net_srcu);
	if (kw_pidfd_armed)
		kw_net_unhook(kw_pidfd_msg_hooks,
			      ARRAY_SIZE(kw_pidfd_msg_hooks));
	kw_hooks_remove(kw_pidfd_gates, ARRAY_SIZE(kw_pidfd_gates));
}
