/* SPDX-License-Identifier: GPL-2.0 */
/* kwish_net: one file per wish-list item; each exports its item here. */
#ifndef _KWISH_NET_H
#define _KWISH_NET_H

#include <linux/list.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/sockptr.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <net/af_unix.h>

struct kw_hook;
struct scm_fp_list;
struct msghdr;
struct socket;
struct pid;
struct sock;
struct task_struct;

/*
 * sockopt.c: the one owner of the sk_setsockopt() and sk_getsockopt()
 * hooks.  Items add the SOL_SOCKET options they provide; only calls for
 * those options are diverted, every other option runs the kernel's code.
 * @set and @get have sk_setsockopt()'s and sk_getsockopt()'s contracts
 * (either may be NULL: the kernel's answer, ENOPROTOOPT, stands).
 */
struct kw_net_sockopt {
	int optname;
	int (*set)(struct sock *sk, sockptr_t optval, unsigned int optlen);
	int (*get)(struct sock *sk, sockptr_t optval, sockptr_t optlen);
};

const char *kw_net_sockopt_why(void);
bool kw_net_sockopt_native(int optname);
int kw_net_sockopt_add(const struct kw_net_sockopt *opt);
void kw_net_sockopt_del(const struct kw_net_sockopt *opt);
/* The int of a setsockopt() (EINVAL if short, EFAULT), as the kernel. */
int kw_net_sockopt_int(sockptr_t optval, unsigned int optlen, int *val);
/* Answer a getsockopt() with an int, as sk_getsockopt() does. */
int kw_net_getsockopt_int(int val, sockptr_t optval, sockptr_t optlen);

/*
 * Per-message hooks that an item installs only when the first socket
 * turns its option on (kw_net_arm()), so that a loaded but unused
 * kwish_net costs the data path nothing; they stay until unload.
 * @before, if set, runs first: it arms what these hooks rely on (it is
 * itself idempotent), or refuses with -errno.
 */
struct kw_net_lazy_hooks {
	struct kw_hook *hooks;
	unsigned int nr;
	const char *what;		/* names them in a failure warning */
	int (*before)(void);
	bool armed;			/* set under sockopt.c's arm lock */
};

int kw_net_arm(struct kw_net_lazy_hooks *lazy);
void kw_net_disarm(struct kw_net_lazy_hooks *lazy);

/*
 * A hook that more than one item needs has one owner file, which calls
 * the items that subscribed to it and names none of them.  The owner
 * offers a struct kw_net_subs and a subscriber struct of its own that
 * begins with a struct kw_net_sub (its callbacks follow it); an item
 * lists its subscriptions in its struct kw_net_item.
 *
 * An owner calls its subscribers in ascending @order; equal orders in
 * the order they subscribed.  The order of all shared hooks is decided
 * here, in one place:
 *  - recv.c, after a receive: SCM_PIDFD (item 6) right after the
 *    kernel's control messages, as upstream, then SCM_KWISH_CGROUPID
 *    (item 5);
 *  - scm_cgroup.c's maybe_add_creds(), after the kernel's: the sender's
 *    cgroup id (item 5), then the arrival time stamp (item 20);
 *  - passrights.c, after SO_PASSRIGHTS's own refusal (item 13): item
 *    14's filter.
 */
enum kw_net_order {
	KW_NET_ORDER_SCM_PIDFD,		/* item 6 */
	KW_NET_ORDER_SCM_CGROUP,	/* item 5 */
	KW_NET_ORDER_TSTAMP,		/* item 20 */
	KW_NET_ORDER_RIGHTS_FILTER,	/* item 14 */
};

/* One owner's subscribers. */
struct kw_net_subs {
	struct list_head list;		/* ascending order; RCU */
	unsigned long sock_flags;	/* the union of the subscribers' */
};

#define KW_NET_SUBS_INIT(name)	{ .list = LIST_HEAD_INIT((name).list) }

/*
 * Publication: subscriptions are added and removed only by the module's
 * init and exit (kw_net_item_setup(), kw_net_item_teardown()), under one
 * mutex, with list_add_tail_rcu() and list_del_rcu().  An owner calls
 * its subscribers either under rcu_read_lock() (they must not sleep) or
 * from a destination that holds a module reference by kw_hook_pin()
 * (they may sleep; no exit runs while a reference is held).  A removal
 * waits for kw_hook_sync() and an RCU grace period before
 * kw_net_item_teardown() goes on: once that returns, the subscriber is
 * not called any more and the item may free what its callbacks use.
 */
struct kw_net_sub {
	struct kw_net_subs *to;		/* the owner's, of this struct's kind */
	enum kw_net_order order;
	/*
	 * The bits of socket->flags with which a socket asks for this
	 * subscriber (0: none).  The owner's hooks divert only the calls
	 * for a socket with one of its subscribers' bits, if it says so.
	 */
	unsigned long sock_flags;
	struct list_head node;		/* private to sockopt.c */
};

/* Does @sock have one of the socket->flags bits @flags? */
static inline bool kw_net_sock_wants(const struct socket *sock,
				     unsigned long flags)
{
	return sock && (READ_ONCE(sock->flags) & flags);
}

/*
 * One kwish_net item: its kwish_core feature (whose life kwish_core runs:
 * struct kw_feature, KW_MODULE_FEATURES() in main.c), and what kwish_net
 * adds to it.  KW_NET_ITEM() fills the feature's part:
 *  - probe: NATIVE with @native_reason if the kernel knows
 *    @native_optname; UNAVAILABLE if the option hooks (sockopt.c) or the
 *    shared part @why() names cannot work;
 *  - the feature's gates, then setup: @start, the subscriptions to
 *    shared hooks (which need the gates), then the socket options it
 *    serves;
 *  - teardown, in reverse, with @lazy's hooks if they were armed, then
 *    @stop.
 */
struct kw_net_item {
	struct kw_feature feature;
	struct kw_net_sub * const *subs;
	unsigned int nr_subs;
	const struct kw_net_sockopt * const *opts;
	unsigned int nr_opts;
	struct kw_net_lazy_hooks *lazy;	/* or NULL */
	/* why a shared part the item needs cannot work, or NULL */
	const char *(*why)(void);
	/*
	 * An option the kernel has where it provides the item itself (0:
	 * none): then the item is NATIVE with @native_reason, nothing set up.
	 */
	int native_optname;
	const char *native_reason;
	/* the item's own, first at setup and last at teardown (optional) */
	void (*start)(void);
	void (*stop)(void);
};

enum kwish_feature_state kw_net_item_probe(struct kw_feature *f);
int kw_net_item_setup(struct kw_feature *f);
void kw_net_item_teardown(struct kw_feature *f);

/* the feature's part; .feature.present follows it */
#define KW_NET_ITEM(_id, _gates, _nr_gates)				\
	{								\
		.id = (_id),						\
		.gates = (_gates),					\
		.nr_gates = (_nr_gates),				\
		.probe = kw_net_item_probe,				\
		.setup = kw_net_item_setup,				\
		.teardown = kw_net_item_teardown,			\
	}

/* One item per file, listed in main.c. */
extern struct kw_net_item kw_scm_pidfd_item;
extern struct kw_net_item kw_scm_cgroup_item;
extern struct kw_net_item kw_mono_tstamp_item;
extern struct kw_net_item kw_passrights_item;
extern struct kw_net_item kw_rights_filter_item;

/*
 * task_ctx.c: what a hooked outer call (recvmsg(), sendmsg()) learns from
 * the hooks of the kernel functions it calls, on its own stack, found by
 * the task.
 */
enum kw_net_tctx_kind {
	KW_TCTX_RECV = 1,		/* items 5, 6: the sender of what is read */
	KW_TCTX_SEND_RIGHTS,		/* items 13, 14: the fds of the message */
};

struct kw_net_tctx {
	struct hlist_node node;
	struct task_struct *task;
	enum kw_net_tctx_kind kind;
	/* items 5, 6 (recv.c) */
	bool have_creds;
	struct pid *pid;		/* referenced */
	kuid_t uid;
	kgid_t gid;
	u64 cgroup_id;
	/* items 13, 14: the fds of this message (dgram) */
	struct scm_fp_list *fpl;
};

void kw_net_tctx_enter(struct kw_net_tctx *ctx, enum kw_net_tctx_kind kind);
void kw_net_tctx_leave(struct kw_net_tctx *ctx);
struct kw_net_tctx *kw_net_tctx_find(enum kw_net_tctx_kind kind);

/*
 * Item 5's per-message data in the 16 bytes of skb->cb after struct
 * unix_skb_parms (32 of the 48 bytes in v6.1 and v6.12; alloc_skb()
 * zeroes cb, so an unstamped message reads 0, no cgroup).
 */
struct kw_unix_skb_cb {
	struct unix_skb_parms parms;
	u64 cgroup_id;			/* the sender's cgroup v2 id at send */
};

#define KW_UNIXCB(skb)		((struct kw_unix_skb_cb *)((skb)->cb))
#define KW_UNIXCB_CGROUP_ID(skb) (KW_UNIXCB(skb)->cgroup_id)

/*
 * recv.c: the AF_UNIX receive path, one hook owner.  A recvmsg() on a
 * socket with one of the subscribers' sock_flags runs in a wrapper that
 * learns the sender of what it reads (@ctx); after a successful receive,
 * @recv of each subscriber whose bits @sock has appends its control
 * message, @had_control telling whether the caller gave a buffer for
 * them.  @recv runs under the wrapper's module reference: it may sleep.
 */
struct kw_net_recv_sub {
	struct kw_net_sub sub;
	void (*recv)(struct socket *sock, struct msghdr *msg,
		     bool had_control, const struct kw_net_tctx *ctx);
};

extern struct kw_net_subs kw_net_recv_subs;
int kw_net_recv_arm(void);
const char *kw_net_recv_why(void);
int kw_net_recv_init(void);
void kw_net_recv_exit(void);

int kw_net_sockopt_init(void);
void kw_net_sockopt_exit(void);

/*
 * scm_cgroup.c: the maybe_add_creds() hook, one owner (item 5, whose
 * gate it needs: kw_net_send_stamp_why()).  maybe_add_creds(skb, sock,
 * other) runs in the sender for every AF_UNIX skb right before it is
 * queued to @other; when @other's socket has one of a subscriber's
 * bits, its @stamp runs after the kernel's function, under
 * rcu_read_lock(): it must not sleep.  kw_net_send_stamp_arm() installs
 * the hook (once; idempotent).
 */
struct kw_net_send_stamp_sub {
	struct kw_net_sub sub;
	void (*stamp)(struct sk_buff *skb, const struct socket *sock,
		      const struct sock *other);
};

extern struct kw_net_subs kw_net_send_stamp_subs;
int kw_net_send_stamp_arm(void);
const char *kw_net_send_stamp_why(void);

/*
 * passrights.c: the send-side hooks of SCM_RIGHTS, one owner (item 13).
 * Where SO_PASSRIGHTS does not refuse already, they ask each subscriber
 * in order, the first -errno wins.  All four callbacks are required;
 * they run under rcu_read_lock(), some under unix_state_lock() or
 * wherever the last reference to a socket goes: they must not sleep.
 * @active: may the subscriber refuse anything now?  The hooks divert
 *	sendmsg() and connect() only while SO_PASSRIGHTS is off somewhere
 *	or a subscriber is active.
 * @check: may @receiver get the files of @fpl?  0, or sendmsg()'s -errno.
 * @inherit: connect() queues @newsk to @listener: 0, or connect()'s
 *	-errno.  A subscriber that keeps state for @newsk pins the module
 *	for it (kw_net_rights_pin()).
 * @release: @sk, which pinned the module, is being destroyed.
 * kw_net_rights_arm() installs the hooks (once; idempotent).
 */
struct kw_net_rights_sub {
	struct kw_net_sub sub;
	bool (*active)(void);
	int (*check)(const struct sock *receiver,
		     const struct scm_fp_list *fpl);
	int (*inherit)(const struct sock *listener, struct sock *newsk);
	void (*release)(const struct sock *sk);
};

extern struct kw_net_subs kw_net_rights_subs;
int kw_net_rights_arm(void);
int kw_net_rights_pin(struct sock *sk);
const char *kw_net_rights_why(void);

#if IS_ENABLED(CONFIG_KUNIT)
/* Reached by the KUnit tests (kunit/kwish_net_test.c) only. */
struct kwish_rights_filter;
bool kw_rights_filter_match_mode(const struct kwish_rights_filter *f, umode_t mode,
				 u64 magic);
int kw_rights_filter_check_filter(const struct kwish_rights_filter *f);
bool kw_mono_tstamp_valid_clock(int clk);
#endif

/*
 * kwish_net's per-socket flags (items 6 and 13).  Both kernels manipulate
 * struct socket's flags and struct sock's sk_flags only bit by bit
 * (set_bit(), clear_bit(), test_bit(); sock_alloc() and sk_alloc() start
 * them at zero and nothing assigns them as a whole for AF_UNIX), and use
 * only low bits: socket flags 0..5 in v6.1 (SOCK_ASYNC_NOSPACE ..
 * SOCK_SUPPORT_ZC), 0..7 in v6.12 (+ SOCK_CUSTOM_SOCKOPT, SOCK_PASSPIDFD);
 * sk_flags 0..27 in both (enum sock_flags, up to SOCK_RCVMARK).  kwish
 * takes the top bits, far from any bit upstream may add next:
 *
 * KW_SOCK_PASSPIDFD   socket->flags, bit BITS_PER_LONG - 1: SO_PASSPIDFD
 *                     on a kernel without it (item 6, v6.1).  A socket
 *                     flag like upstream's SOCK_PASSPIDFD (v6.5 .. v6.15),
 *                     so it follows the socket (accept() copies it).
 * KW_SOCK_PASSCGROUPID socket->flags, bit BITS_PER_LONG - 2:
 *                     SO_KWISH_PASSCGROUPID (item 5).
 * KW_SOCK_TSTAMP_MONO socket->flags, bit BITS_PER_LONG - 3,
 * KW_SOCK_TSTAMP_BOOT socket->flags, bit BITS_PER_LONG - 4:
 *                     SO_KWISH_TIMESTAMP_CLOCK (item 20).
 * KW_SK_NOPASSRIGHTS  sk->sk_flags, bit BITS_PER_LONG - 1: SO_PASSRIGHTS
 *                     turned off (item 13); inverted so that the default,
 *                     zero, is upstream's default "on".  On struct sock
 *                     because the embryo socket of a pending connection
 *                     has no struct socket yet and must refuse fds from
 *                     connect() on (upstream v6.16 copies the listener's
 *                     flag at connect()).
 * KW_SK_RIGHTS_PINNED sk->sk_flags, bit BITS_PER_LONG - 2: the socket
 *                     holds a reference on kwish_net (items 13, 14: it
 *                     refuses some fds), dropped when it is destroyed.
 */
#define KW_SOCK_PASSPIDFD	(BITS_PER_LONG - 1)
#define KW_SOCK_PASSCGROUPID	(BITS_PER_LONG - 2)
#define KW_SOCK_TSTAMP_MONO	(BITS_PER_LONG - 3)
#define KW_SOCK_TSTAMP_BOOT	(BITS_PER_LONG - 4)
#define KW_SK_NOPASSRIGHTS	(BITS_PER_LONG - 1)
#define KW_SK_RIGHTS_PINNED	(BITS_PER_LONG - 2)

#endif
