/* SPDX-License-Identifier: GPL-2.0 */
/* kwish_net: one file per wish-list item; each exports init/exit here. */
#ifndef _KWISH_NET_H
#define _KWISH_NET_H

#include <linux/list.h>
#include <linux/sockptr.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct kw_hook;
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
int kw_net_sockopt_add(const struct kw_net_sockopt *opt);
void kw_net_sockopt_del(const struct kw_net_sockopt *opt);
/* The int of a setsockopt() (EINVAL if short, EFAULT), as the kernel. */
int kw_net_sockopt_int(sockptr_t optval, unsigned int optlen, int *val);
/* Answer a getsockopt() with an int, as sk_getsockopt() does. */
int kw_net_getsockopt_int(int val, sockptr_t optval, sockptr_t optlen);

/*
 * Every call that a kwish_net hook diverts into this module runs, until
 * it holds a module reference or returns, inside this SRCU read section;
 * the exit functions wait for it (see kw_net_unhook()).
 */
extern struct srcu_struct kw_net_srcu;
void kw_net_unhook(struct kw_hook *hooks, unsigned int n);

/*
 * task_ctx.c: what a hooked outer call (recvmsg(), sendmsg()) learns from
 * the hooks of the kernel functions it calls, on its own stack, found by
 * the task.
 */
enum kw_net_tctx_kind {
	KW_TCTX_RECV_PIDFD = 1,		/* item 6: the sender of what is read */
	KW_TCTX_SEND_RIGHTS,		/* item 13: this message carries fds */
};

struct kw_net_tctx {
	struct hlist_node node;
	struct task_struct *task;
	enum kw_net_tctx_kind kind;
	/* item 6 */
	bool have_creds;
	struct pid *pid;		/* referenced */
	kuid_t uid;
	kgid_t gid;
	/* item 13 */
	bool fds;
};

void kw_net_tctx_enter(struct kw_net_tctx *ctx, enum kw_net_tctx_kind kind);
void kw_net_tctx_leave(struct kw_net_tctx *ctx);
struct kw_net_tctx *kw_net_tctx_find(enum kw_net_tctx_kind kind);

int kw_net_sockopt_init(void);
void kw_net_sockopt_exit(void);
int kw_net_scm_pidfd_init(void);
void kw_net_scm_pidfd_exit(void);
int kw_net_passrights_init(void);
void kw_net_passrights_exit(void);

#endif
