/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to net/core/sock.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_NET_CORE_SOCK_H
#define _KWG_NET_CORE_SOCK_H

#include <kwish_gate.h>

struct sock;

/* sock_setsockopt()/sock_getsockopt()'s SOL_SOCKET cores (v6.1+) */
KW_GATE5(int, sk_setsockopt, -ENOPROTOOPT,
	 struct sock *, sk, int, level, int, optname, sockptr_t, optval,
	 unsigned int, optlen)
KW_GATE5(int, sk_getsockopt, -ENOPROTOOPT,
	 struct sock *, sk, int, level, int, optname, sockptr_t, optval,
	 sockptr_t, optlen)

#endif
