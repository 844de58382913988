/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to net/unix/af_unix.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_NET_UNIX_AF_UNIX_H
#define _KWG_NET_UNIX_AF_UNIX_H

#include <kwish_gate.h>

struct msghdr;
struct scm_cookie;
struct sk_buff;
struct sock;
struct socket;

/* all static */
KW_GATE3(int, unix_scm_to_skb, -EOPNOTSUPP,
	 struct scm_cookie *, scm, struct sk_buff *, skb, bool, send_fds)
KW_GATE3(int, unix_dgram_sendmsg, -EOPNOTSUPP,
	 struct socket *, sock, struct msghdr *, msg, size_t, len)
KW_GATE1(void, unix_sock_destructor, /* nothing */, struct sock *, sk)
KW_GATE4(int, unix_dgram_recvmsg, -EOPNOTSUPP,
	 struct socket *, sock, struct msghdr *, msg, size_t, size,
	 int, flags)
KW_GATE4(int, unix_seqpacket_recvmsg, -EOPNOTSUPP,
	 struct socket *, sock, struct msghdr *, msg, size_t, size,
	 int, flags)
KW_GATE4(int, unix_stream_recvmsg, -EOPNOTSUPP,
	 struct socket *, sock, struct msghdr *, msg, size_t, size,
	 int, flags)
KW_GATE3(void, maybe_add_creds, /* nothing */,
	 struct sk_buff *, skb, const struct socket *, sock,
	 const struct sock *, other)
/*
 * v6.10 replaced (int flags, bool kern) with struct proto_accept_arg *
 * (probes/proto_accept_arg.c); kwish needs unix_accept() only where
 * SO_PASSPIDFD is missing (before v6.5), so only that prototype is
 * declared, and the gate never installs where it is not the kernel's.
 */
#ifdef KW_HAVE_PROTO_ACCEPT_ARG
#define KWG_BAD_unix_accept 1
#endif
KW_GATE4(int, unix_accept, -EOPNOTSUPP,
	 struct socket *, sock, struct socket *, newsock, int, flags,
	 bool, kern)

#endif
