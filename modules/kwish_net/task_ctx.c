// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_net: per-call context of a hooked outer call, found by the task.
 *
 * A hooked recvmsg() or sendmsg() puts a struct kw_net_tctx on its own
 * stack and enters it here; hooks of the kernel functions that the call
 * reaches (skb_free_datagram(), unix_stream_read_actor(),
 * unix_scm_to_skb(), security_unix_may_send()) find it by current and
 * record what only they see (the skb's sender, the fds of the message).
 * Only the owning task looks its entries up and only it removes them, so
 * a found entry stays valid for the caller.  Nothing here sleeps: the
 * lookup runs under unix_state_lock() too.
 */
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include <kwish_core.h>
#include "kwish_net.h"

static DEFINE_HASHTABLE(kw_net_tctx_table, 6);
static DEFINE_SPINLOCK(kw_net_tctx_lock);

void kw_net_tctx_enter(struct kw_net_tctx *ctx, enum kw_net_tctx_kind kind)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->task = current;
	ctx->kind = kind;
	spin_lock(&kw_net_tctx_lock);
	hash_add(kw_net_tctx_table, &ctx->node, (unsigned long)current);
	spin_unlock(&kw_net_tctx_lock);
}

void kw_net_tctx_leave(struct kw_net_tctx *ctx)
{
	spin_lock(&kw_net_tctx_lock);
	hash_del(&ctx->node);
	spin_unlock(&kw_net_tctx_lock);
}

/* current's innermost context of @kind, or NULL */
struct kw_net_tctx *kw_net_tctx_find(enum kw_net_tctx_kind kind)
{
	struct kw_net_tctx *ctx, *found = NULL;

	spin_lock(&kw_net_tctx_lock);
	hash_for_each_possible(kw_net_tctx_table, ctx, node,
			       (unsigned long)current) {
		if (ctx->task == current && ctx->kind == kind) {
			found = ctx;	/* hash_add() puts newer ones first */
			break;
		}
	}
	spin_unlock(&kw_net_tctx_lock);
	return found;
}
