// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_net, item 20: receive timestamps in CLOCK_MONOTONIC or
 * CLOCK_BOOTTIME, taken when the message arrives.
 *
 * SO_KWISH_TIMESTAMP_CLOCK (int: CLOCK_REALTIME, the default,
 * CLOCK_MONOTONIC or CLOCK_BOOTTIME) on an AF_UNIX datagram/seqpacket or
 * a UDP socket: the SO_TIMESTAMP, SO_TIMESTAMPNS (old and new) and
 * software SO_TIMESTAMPING receive timestamps of the socket are read on
 * that clock, stamped when the message is queued to the socket, so they
 * stay ordered and exact when CLOCK_REALTIME is stepped (a conversion at
 * recvmsg() time would move with the step).
 *
 * How: the kernel puts the realtime arrival stamp into skb->tstamp
 * (AF_UNIX: unix_dgram_sendmsg() right before maybe_add_creds(); UDP: at
 * netif_receive_skb()), and __sock_recv_timestamp() turns skb->tstamp
 * into the control messages.  kwish overwrites skb->tstamp with the
 * chosen clock when the skb is queued to a socket with the option:
 * AF_UNIX in the maybe_add_creds() hook (owned by item 5, scm_cgroup.c,
 * after its own stamp: kw_mono_tstamp_unix_sub), UDP in a hook on
 * __udp_enqueue_schedule_skb() (IPv4 and IPv6, in the receive softirq,
 * microseconds after the realtime stamp).  SIOCGSTAMP(NS) then report the
 * same clock.  Hardware timestamps are untouched.
 */

#include <linux/in.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/timekeeping.h>
#include <net/sock.h>
#include <net/udp.h>

#include <kwish_core.h>
#include "kwish_net.h"

static int kw_mono_tstamp_clock(const struct socket *sock)
{
	if (!sock)
		return CLOCK_REALTIME;
	if (test_bit(KW_SOCK_TSTAMP_MONO, &sock->flags))
		return CLOCK_MONOTONIC;
	if (test_bit(KW_SOCK_TSTAMP_BOOT, &sock->flags))
		return CLOCK_BOOTTIME;
	return CLOCK_REALTIME;
}

static bool kw_mono_tstamp_wanted(const struct sock *sk)
{
	return sk && kw_mono_tstamp_clock(sk->sk_socket) != CLOCK_REALTIME;
}

/* Stamp @skb, being queued to @sk now, on @sk's clock. */
static void kw_mono_tstamp_stamp(const struct sock *sk, struct sk_buff *skb)
{
	switch (sk ? kw_mono_tstamp_clock(sk->sk_socket) : CLOCK_REALTIME) {
	case CLOCK_MONOTONIC:
		skb->tstamp = ktime_get();
		break;
	case CLOCK_BOOTTIME:
		skb->tstamp = ktime_get_boottime();
		break;
	}
}

/* AF_UNIX: a subscriber of scm_cgroup.c's maybe_add_creds() hook */
static void kw_mono_tstamp_unix_stamp(struct sk_buff *skb, const struct socket *sock,
				      const struct sock *other)
{
	kw_mono_tstamp_stamp(other, skb);
}

static struct kw_net_send_stamp_sub kw_mono_tstamp_unix_sub = {
	.sub = {
		.to = &kw_net_send_stamp_subs,
		.order = KW_NET_ORDER_TSTAMP,
		.sock_flags = BIT(KW_SOCK_TSTAMP_MONO) | BIT(KW_SOCK_TSTAMP_BOOT),
	},
	.stamp = kw_mono_tstamp_unix_stamp,
};

static int kw_mono_tstamp_udp_enqueue(struct sock *sk, struct sk_buff *skb)
{
	kw_mono_tstamp_stamp(sk, skb);
	return __udp_enqueue_schedule_skb(sk, skb);
}

static bool kw_mono_tstamp_udp_enqueue_filter(const unsigned long *args)
{
	return kw_mono_tstamp_wanted((const struct sock *)args[0]);
}

static struct kw_hook kw_mono_tstamp_hooks[] = {
	{
		.name = "__udp_enqueue_schedule_skb (item 20)",
		.target_sym = "__udp_enqueue_schedule_skb",
		.dest_fn = kw_mono_tstamp_udp_enqueue,
		.filter = kw_mono_tstamp_udp_enqueue_filter,
	},
};

static struct kw_net_lazy_hooks kw_mono_tstamp_lazy = {
	.hooks = kw_mono_tstamp_hooks,
	.nr = ARRAY_SIZE(kw_mono_tstamp_hooks),
	.what = "SO_KWISH_TIMESTAMP_CLOCK",
	.before = kw_net_send_stamp_arm,
};

static bool kw_mono_tstamp_supported(const struct sock *sk)
{
	if (sk->sk_family == AF_UNIX)
		return sk->sk_type == SOCK_DGRAM || sk->sk_type == SOCK_SEQPACKET;
	if (sk->sk_family == AF_INET || sk->sk_family == AF_INET6)
		return sk->sk_type == SOCK_DGRAM &&
		       sk->sk_protocol == IPPROTO_UDP;
	return false;
}

/* The clocks SO_KWISH_TIMESTAMP_CLOCK takes. */
VISIBLE_IF_KUNIT bool kw_mono_tstamp_valid_clock(int clk)
{
	return clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC ||
	       clk == CLOCK_BOOTTIME;
}
EXPORT_SYMBOL_IF_KUNIT(kw_mono_tstamp_valid_clock);

static int kw_mono_tstamp_set(struct sock *sk, sockptr_t optval, unsigned int optlen)
{
	struct socket *sock = sk->sk_socket;
	int val, err;

	err = kw_net_sockopt_int(optval, optlen, &val);
	if (err)
		return err;
	if (!kw_mono_tstamp_supported(sk))
		return -EOPNOTSUPP;
	if (!kw_mono_tstamp_valid_clock(val))
		return -EINVAL;
	if (val != CLOCK_REALTIME && kw_net_arm(&kw_mono_tstamp_lazy))
		return -ENOPROTOOPT;
	assign_bit(KW_SOCK_TSTAMP_MONO, &sock->flags, val == CLOCK_MONOTONIC);
	assign_bit(KW_SOCK_TSTAMP_BOOT, &sock->flags, val == CLOCK_BOOTTIME);
	return 0;
}

static int kw_mono_tstamp_get(struct sock *sk, sockptr_t optval, sockptr_t optlen)
{
	if (!kw_mono_tstamp_supported(sk))
		return -EOPNOTSUPP;
	return kw_net_getsockopt_int(kw_mono_tstamp_clock(sk->sk_socket), optval,
				     optlen);
}

static const struct kw_net_sockopt kw_mono_tstamp_opt = {
	.optname = SO_KWISH_TIMESTAMP_CLOCK,
	.set = kw_mono_tstamp_set,
	.get = kw_mono_tstamp_get,
};

static const struct kw_net_sockopt * const kw_mono_tstamp_opts[] = { &kw_mono_tstamp_opt };

static struct kw_net_sub * const kw_mono_tstamp_subs[] = { &kw_mono_tstamp_unix_sub.sub };

struct kw_net_item kw_mono_tstamp_item = {
	.feature = KW_NET_ITEM(20, NULL, 0),
	.feature.present =
		"SO_KWISH_TIMESTAMP_CLOCK: AF_UNIX dgram and UDP, stamped on arrival",
	.subs = kw_mono_tstamp_subs,
	.nr_subs = ARRAY_SIZE(kw_mono_tstamp_subs),
	.opts = kw_mono_tstamp_opts,
	.nr_opts = ARRAY_SIZE(kw_mono_tstamp_opts),
	.lazy = &kw_mono_tstamp_lazy,
	.why = kw_net_send_stamp_why,
};
