// SPDX-License-Identifier: GPL-2.0
/*
 * struct proto_accept_arg (v6.10, "net: have do_accept() take a struct
 * proto_accept_arg argument"): proto_ops->accept() and unix_accept()
 * take it instead of (int flags, bool kern).  Only the gate declaration
 * of unix_accept() looks at it (gates/net/unix/af_unix.h).
 */
#include <net/sock.h>

struct proto_accept_arg kwp_arg;
