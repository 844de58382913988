// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_net: the SOL_SOCKET options of items 6 and 13, one hook owner.
 *
 * setsockopt(fd, SOL_SOCKET, ...) and getsockopt() reach sk_setsockopt()
 * and sk_getsockopt() (net/core/sock.c, out of line in v6.1 and v6.12)
 * through sock_setsockopt()/sock_getsockopt() (v6.1) or
 * do_sock_setsockopt()/do_sock_getsockopt() (v6.12), after the LSM
 * (security_socket_setsockopt()) and cgroup-BPF sockopt checks, for every
 * socket family that has no SOL_SOCKET handler of its own.  kwish hooks
 * both functions here, once, and diverts only the calls for an option
 * that an item added (the filter compares the level and option name, no
 * more); every other call runs the kernel's code untouched.  An option
 * that is native on the running kernel is simply never added.
 *
 * Also here, what every item of the module uses: the lazy arming of
 * hooks (kw_net_arm()), the subscriptions to shared hooks and an item's
 * setup (kw_net_item_setup()).
 */

#include <linux/errno.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/rculist.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/sock.h>

#include <kwish_core.h>
#include <gates/net/core/sock.h>
#include "kwish_net.h"

#define KW_NET_MAX_SOCKOPTS	8

static bool kw_net_sockopt_hooked;
static char kw_net_sockopt_reason[KWISH_REASON_LEN];

static const struct kw_net_sockopt *kw_net_sockopts[KW_NET_MAX_SOCKOPTS];
static DEFINE_MUTEX(kw_net_sockopts_lock);

static const struct kw_net_sockopt *kw_net_sockopt_find(int optname)
{
	const struct kw_net_sockopt *opt;
	unsigned int i;

	for (i = 0; i < KW_NET_MAX_SOCKOPTS; i++) {
		opt = READ_ONCE(kw_net_sockopts[i]);
		if (opt && opt->optname == optname)
			return opt;
	}
	return NULL;
}

/* NULL if the hooks are installed, else why not (for kwishctl status). */
const char *kw_net_sockopt_why(void)
{
	return kw_net_sockopt_hooked ? NULL : kw_net_sockopt_reason;
}

int kw_net_sockopt_add(const struct kw_net_sockopt *opt)
{
	unsigned int i;
	int err = -ENOSPC;

	mutex_lock(&kw_net_sockopts_lock);
	for (i = 0; i < KW_NET_MAX_SOCKOPTS; i++) {
		if (!kw_net_sockopts[i]) {
			WRITE_ONCE(kw_net_sockopts[i], opt);
			err = 0;
			break;
		}
	}
	mutex_unlock(&kw_net_sockopts_lock);
	return err;
}

void kw_net_sockopt_del(const struct kw_net_sockopt *opt)
{
	unsigned int i;

	mutex_lock(&kw_net_sockopts_lock);
	for (i = 0; i < KW_NET_MAX_SOCKOPTS; i++)
		if (kw_net_sockopts[i] == opt)
			WRITE_ONCE(kw_net_sockopts[i], NULL);
	mutex_unlock(&kw_net_sockopts_lock);
}

/* sk_setsockopt()'s own reading of an int option (v6.1, v6.12). */
int kw_net_sockopt_int(sockptr_t optval, unsigned int optlen, int *val)
{
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(val, optval, sizeof(*val)))
		return -EFAULT;
	return 0;
}

/* sk_getsockopt()'s answer with an int (v6.1, v6.12). */
int kw_net_getsockopt_int(int val, sockptr_t optval, sockptr_t optlen)
{
	int len;

	if (copy_from_sockptr(&len, optlen, sizeof(int)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (len > sizeof(int))
		len = sizeof(int);
	if (copy_to_sockptr(optval, &val, len))
		return -EFAULT;
	if (copy_to_sockptr(optlen, &len, sizeof(int)))
		return -EFAULT;
	return 0;
}

static int kw_net_sk_setsockopt(struct sock *sk, int level, int optname,
				sockptr_t optval, unsigned int optlen)
{
	const struct kw_net_sockopt *opt;
	struct kw_hook_pin pin;
	int ret;

	/* copies from user memory: may sleep in a page fault */
	kw_hook_pin(&pin);
	opt = kw_net_sockopt_find(optname);
	if (opt && opt->set && sk->sk_socket)
		ret = opt->set(sk, optval, optlen);
	else
		ret = kw_gate_sk_setsockopt(sk, level, optname, optval,
					    optlen);
	kw_hook_unpin(&pin);
	return ret;
}

static int kw_net_sk_getsockopt(struct sock *sk, int level, int optname,
				sockptr_t optval, sockptr_t optlen)
{
	const struct kw_net_sockopt *opt;
	struct kw_hook_pin pin;
	int ret;

	kw_hook_pin(&pin);
	opt = kw_net_sockopt_find(optname);
	if (opt && opt->get && sk->sk_socket)
		ret = opt->get(sk, optval, optlen);
	else
		ret = kw_gate_sk_getsockopt(sk, level, optname, optval,
					    optlen);
	kw_hook_unpin(&pin);
	return ret;
}

/* Divert only SOL_SOCKET calls for an option an item added. */
static bool kw_net_sockopt_filter(const unsigned long *args)
{
	return (int)args[1] == SOL_SOCKET && kw_net_sockopt_find((int)args[2]);
}

static struct kw_hook kw_net_sockopt_gates[] = {
	KW_GATE_HOOK(sk_setsockopt),
	KW_GATE_HOOK(sk_getsockopt),
};

static struct kw_hook kw_net_sockopt_hooks[] = {
	{
		.name = "sk_setsockopt (items 6, 13)",
		.target_sym = "sk_setsockopt",
		.dest_fn = kw_net_sk_setsockopt,
		.filter = kw_net_sockopt_filter,
	},
	{
		.name = "sk_getsockopt (items 6, 13)",
		.target_sym = "sk_getsockopt",
		.dest_fn = kw_net_sk_getsockopt,
		.filter = kw_net_sockopt_filter,
	},
};

/*
 * Whether the running kernel itself knows SOL_SOCKET option @optname:
 * setting it to 1 on a kernel AF_UNIX socket of our own succeeds.  Ask
 * before kwish adds @optname to its hooks, or kwish answers itself.
 */
bool kw_net_sockopt_native(int optname)
{
	struct socket *sock;
	int one = 1;
	int err;

	err = sock_create_kern(&init_net, AF_UNIX, SOCK_DGRAM, 0, &sock);
	if (err)
		return false;
	err = sock_setsockopt(sock, SOL_SOCKET, optname, KERNEL_SOCKPTR(&one),
			      sizeof(one));
	sock_release(sock);
	return !err;
}

static DEFINE_MUTEX(kw_net_arm_lock);

int kw_net_arm(struct kw_net_lazy_hooks *lazy)
{
	char why[KWISH_REASON_LEN];
	int err;

	if (READ_ONCE(lazy->armed))
		return 0;
	/* outside the lock: @before arms other hooks through here */
	err = lazy->before ? lazy->before() : 0;
	if (err)
		return err;
	mutex_lock(&kw_net_arm_lock);
	if (!lazy->armed) {
		err = kw_hooks_install(lazy->hooks, lazy->nr, why, sizeof(why));
		if (err)
			pr_warn_ratelimited("%s: %s\n", lazy->what, why);
		else
			WRITE_ONCE(lazy->armed, true);
	}
	mutex_unlock(&kw_net_arm_lock);
	return err;
}

/* At unload, when nothing can arm @lazy any more. */
void kw_net_disarm(struct kw_net_lazy_hooks *lazy)
{
	if (lazy->armed)
		kw_hooks_remove(lazy->hooks, lazy->nr);
	lazy->armed = false;
}

/* ---- subscriptions to a shared hook (kwish_net.h) ---- */

static DEFINE_MUTEX(kw_net_subs_lock);

/* Publish the union of @subs' bits; under kw_net_subs_lock. */
static void kw_net_subs_update(struct kw_net_subs *subs)
{
	struct kw_net_sub *sub;
	unsigned long flags = 0;

	lockdep_assert_held(&kw_net_subs_lock);
	list_for_each_entry(sub, &subs->list, node)
		flags |= sub->sock_flags;
	WRITE_ONCE(subs->sock_flags, flags);
}

static void kw_net_subs_add(struct kw_net_sub * const *subs, unsigned int n)
{
	struct kw_net_sub *pos;
	unsigned int i;

	mutex_lock(&kw_net_subs_lock);
	for (i = 0; i < n; i++) {
		/* before the first of a later order: after its equals */
		list_for_each_entry(pos, &subs[i]->to->list, node)
			if (pos->order > subs[i]->order)
				break;
		list_add_tail_rcu(&subs[i]->node, &pos->node);
		kw_net_subs_update(subs[i]->to);
	}
	mutex_unlock(&kw_net_subs_lock);
}

/* Unlink @subs; the caller waits for their callers (kw_net_item_stop()). */
static void kw_net_subs_del(struct kw_net_sub * const *subs, unsigned int n)
{
	mutex_lock(&kw_net_subs_lock);
	while (n--) {
		list_del_rcu(&subs[n]->node);
		kw_net_subs_update(subs[n]->to);
	}
	mutex_unlock(&kw_net_subs_lock);
}

/*
 * Remove @item's first @nr_opts options and its subscriptions, and wait
 * until no call runs any of them: a call that reached one runs inside
 * its pin (SRCU, or a module reference, which no exit runs under) or,
 * for a subscriber that must not sleep, under rcu_read_lock().
 */
static void kw_net_item_stop(const struct kw_net_item *item,
			     unsigned int nr_opts)
{
	while (nr_opts--)
		kw_net_sockopt_del(item->opts[nr_opts]);
	kw_net_subs_del(item->subs, item->nr_subs);
	kw_hook_sync();
	if (item->nr_subs)
		synchronize_rcu();
}

enum kwish_feature_state kw_net_item_probe(struct kw_feature *f)
{
	struct kw_net_item *item = container_of(f, struct kw_net_item, feature);
	const char *why;

	if (item->native_optname &&
	    kw_net_sockopt_native(item->native_optname)) {
		strscpy(f->reason, item->native_reason, sizeof(f->reason));
		return KWISH_STATE_NATIVE;
	}
	why = kw_net_sockopt_why();
	if (!why && item->why)
		why = item->why();
	if (why) {
		strscpy(f->reason, why, sizeof(f->reason));
		return KWISH_STATE_UNAVAILABLE;
	}
	return KWISH_STATE_PRESENT;
}

/* After kwish_core installed the gates, which the subscriptions need. */
int kw_net_item_setup(struct kw_feature *f)
{
	struct kw_net_item *item = container_of(f, struct kw_net_item, feature);
	unsigned int i;
	int err;

	if (item->start)
		item->start();
	/* before the options: a socket that turns one on is served */
	kw_net_subs_add(item->subs, item->nr_subs);
	for (i = 0; i < item->nr_opts; i++) {
		err = kw_net_sockopt_add(item->opts[i]);
		if (err) {
			/* a setsockopt() may have reached a handler already */
			kw_net_item_stop(item, i);
			if (item->stop)
				item->stop();
			snprintf(f->reason, sizeof(f->reason),
				 "socket option %d: %d", item->opts[i]->optname,
				 err);
			return err;
		}
	}
	return 0;
}

void kw_net_item_teardown(struct kw_feature *f)
{
	struct kw_net_item *item = container_of(f, struct kw_net_item, feature);

	kw_net_item_stop(item, item->nr_opts);
	if (item->lazy)
		kw_net_disarm(item->lazy);
	if (item->stop)
		item->stop();
}

int kw_net_sockopt_init(void)
{
	int err;

	err = kw_hooks_install(kw_net_sockopt_gates,
			       ARRAY_SIZE(kw_net_sockopt_gates),
			       kw_net_sockopt_reason, sizeof(kw_net_sockopt_reason));
	if (err)
		return 0;	/* the items report it: kw_net_sockopt_why() */
	err = kw_hooks_install(kw_net_sockopt_hooks,
			       ARRAY_SIZE(kw_net_sockopt_hooks),
			       kw_net_sockopt_reason, sizeof(kw_net_sockopt_reason));
	if (err) {
		kw_hooks_remove(kw_net_sockopt_gates,
				ARRAY_SIZE(kw_net_sockopt_gates));
		return 0;
	}
	kw_net_sockopt_hooked = true;
	return 0;
}

void kw_net_sockopt_exit(void)
{
	if (!kw_net_sockopt_hooked)
		return;
	kw_hooks_remove(kw_net_sockopt_hooks, ARRAY_SIZE(kw_net_sockopt_hooks));
	kw_hooks_remove(kw_net_sockopt_gates, ARRAY_SIZE(kw_net_sockopt_gates));
}
