// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_net, item 14: a receiver accepts only some fds.
 *
 * SO_KWISH_RIGHTS_FILTER (uapi/linux/kwish.h) sets a filter on an AF_UNIX
 * socket: every fd of an SCM_RIGHTS message to it must be of one of the
 * given file types and on one of the given file systems (statfs() magic),
 * else the sendmsg() fails with EFTYPE before anything is queued, so a
 * refused fd never reaches the receiver.  Enforced where item 13 refuses
 * (passrights.c's hooks, after SO_PASSRIGHTS; it subscribes to them:
 * struct kw_net_rights_sub): unix_scm_to_skb() for stream and
 * seqpacket, security_unix_may_send() for datagrams; the listener's
 * filter is copied to each connection at connect().
 *
 * The filter is more than a bit, so it lives in a table keyed by the
 * struct sock, freed from unix_sock_destructor() (sk->sk_destruct of
 * every AF_UNIX socket, out of line in v6.1 and v6.12; hooked by
 * passrights.c for the sockets that pin the module, which every socket
 * with a filter does) and at unload.
 * Lookups run under rcu_read_lock() (also under unix_state_lock()).
 *
 * Relation to the BPF-LSM approach: the posted "unix_may_send with the
 * fds" idea lets a system-wide BPF LSM program decide per fd; an LSM is
 * privileged policy.  This is the receiver's own, unprivileged choice of
 * what it is willing to get, with the same effect (the send fails, no fd
 * reaches the receiver); both can coexist (the LSM runs after kwish in
 * security_unix_may_send(), for stream at unix_stream_connect()).
 */

#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <net/af_unix.h>
#include <net/scm.h>
#include <net/sock.h>

#include <kwish_core.h>
#include "kwish_net.h"

struct kw_rf {
	struct hlist_node node;
	const struct sock *sk;		/* the key; never dereferenced */
	struct kwish_rights_filter filter;
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(kw_rights_filter_table, 8);
static DEFINE_SPINLOCK(kw_rights_filter_lock);
static atomic_t kw_rights_filter_count = ATOMIC_INIT(0);
static bool kw_rights_filter_live;			/* under kw_rights_filter_lock */

static bool kw_rights_filter_active(void)
{
	return atomic_read(&kw_rights_filter_count) > 0;
}

/* Under rcu_read_lock() or kw_rights_filter_lock. */
static struct kw_rf *kw_rights_filter_find(const struct sock *sk)
{
	struct kw_rf *rf;

	hash_for_each_possible_rcu(kw_rights_filter_table, rf, node, (unsigned long)sk)
		if (rf->sk == sk)
			return rf;
	return NULL;
}

/* Does a file of @mode on a file system with @magic match @f? */
VISIBLE_IF_KUNIT bool kw_rights_filter_match_mode(const struct kwish_rights_filter *f,
						  umode_t mode, u64 magic)
{
	u32 type = KWISH_RF_TYPE(mode & S_IFMT);
	u32 i;

	if (f->types && !(f->types & type))
		return false;
	if (!f->nr_magics)
		return true;
	for (i = 0; i < f->nr_magics; i++)
		if (f->magics[i] == magic)
			return true;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(kw_rights_filter_match_mode);

static bool kw_rights_filter_match(const struct kwish_rights_filter *f,
				   const struct file *file)
{
	const struct inode *inode = file_inode(file);

	return kw_rights_filter_match_mode(f, inode->i_mode, inode->i_sb->s_magic);
}

/* The option's checks of a new filter: 0 or -EINVAL. */
VISIBLE_IF_KUNIT int kw_rights_filter_check_filter(const struct kwish_rights_filter *f)
{
	u32 i;

	if (f->flags || f->__reserved ||
	    f->nr_magics > KWISH_RIGHTS_FILTER_MAX_MAGICS)
		return -EINVAL;
	for (i = f->nr_magics; i < KWISH_RIGHTS_FILTER_MAX_MAGICS; i++)
		if (f->magics[i])
			return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kw_rights_filter_check_filter);

/* 0, or -EFTYPE if @receiver has a filter that one of @fpl's files fails. */
static int kw_rights_filter_check(const struct sock *receiver,
				  const struct scm_fp_list *fpl)
{
	struct kw_rf *rf;
	int i, err = 0;

	if (!receiver || !fpl || !kw_rights_filter_active())
		return 0;
	rcu_read_lock();
	rf = kw_rights_filter_find(receiver);
	for (i = 0; rf && i < fpl->count; i++) {
		if (!kw_rights_filter_match(&rf->filter, fpl->fp[i])) {
			err = -EFTYPE;
			break;
		}
	}
	rcu_read_unlock();
	return err;
}

/* Replace (or with @f NULL remove) @sk's filter.  Takes kw_rights_filter_lock. */
static int kw_rights_filter_store(const struct sock *sk,
				  const struct kwish_rights_filter *f, gfp_t gfp)
{
	struct kw_rf *new = NULL, *old;
	unsigned long flags;

	if (f) {
		new = kmalloc(sizeof(*new), gfp);
		if (!new)
			return -ENOMEM;
		new->sk = sk;
		new->filter = *f;
	}
	/* the destructor may run wherever the last reference goes */
	spin_lock_irqsave(&kw_rights_filter_lock, flags);
	if (!kw_rights_filter_live) {
		spin_unlock_irqrestore(&kw_rights_filter_lock, flags);
		kfree(new);
		return -ENOPROTOOPT;
	}
	old = kw_rights_filter_find(sk);
	if (old) {
		hash_del_rcu(&old->node);
		atomic_dec(&kw_rights_filter_count);
	}
	if (new) {
		hash_add_rcu(kw_rights_filter_table, &new->node, (unsigned long)sk);
		atomic_inc(&kw_rights_filter_count);
	}
	spin_unlock_irqrestore(&kw_rights_filter_lock, flags);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/*
 * Called under the listener's and the new socket's state locks.  The new
 * socket pins the module like its listener (kw_net_rights_pin()).
 */
static int kw_rights_filter_inherit(const struct sock *listener, struct sock *newsk)
{
	struct kwish_rights_filter f;
	struct kw_rf *rf;
	int err;

	if (!kw_rights_filter_active())
		return 0;
	rcu_read_lock();
	rf = kw_rights_filter_find(listener);
	if (rf)
		f = rf->filter;
	rcu_read_unlock();
	if (!rf)
		return 0;
	err = kw_net_rights_pin(newsk);
	if (err)
		return err;
	/* refuse the connection rather than let it in unfiltered */
	return kw_rights_filter_store(newsk, &f, GFP_ATOMIC) == -ENOMEM ? -ENOMEM : 0;
}

/* ---- freeing with the socket ---- */

/* From passrights.c's unix_sock_destructor() hook; does not sleep. */
static void kw_rights_filter_release(const struct sock *sk)
{
	if (kw_rights_filter_active())
		kw_rights_filter_store(sk, NULL, GFP_ATOMIC);
}

/* passrights.c's hooks ask it after SO_PASSRIGHTS */
static struct kw_net_rights_sub kw_rights_filter_sub = {
	.sub = {
		.to = &kw_net_rights_subs,
		.order = KW_NET_ORDER_RIGHTS_FILTER,
	},
	.active = kw_rights_filter_active,
	.check = kw_rights_filter_check,
	.inherit = kw_rights_filter_inherit,
	.release = kw_rights_filter_release,
};

/* ---- the option ---- */

static int kw_rights_filter_set(struct sock *sk, sockptr_t optval, unsigned int optlen)
{
	struct kwish_rights_filter f;
	int err;

	if (optlen != sizeof(f))
		return -EINVAL;
	if (copy_from_sockptr(&f, optval, sizeof(f)))
		return -EFAULT;
	if (sk->sk_family != AF_UNIX)
		return -EOPNOTSUPP;
	if (kw_rights_filter_check_filter(&f))
		return -EINVAL;
	if (!f.types && !f.nr_magics)
		return kw_rights_filter_store(sk, NULL, GFP_KERNEL);
	if (kw_net_rights_arm())
		return -ENOPROTOOPT;
	err = kw_net_rights_pin(sk);
	if (err)
		return err;
	return kw_rights_filter_store(sk, &f, GFP_KERNEL);
}

static int kw_rights_filter_get(struct sock *sk, sockptr_t optval, sockptr_t optlen)
{
	struct kwish_rights_filter f = {};
	struct kw_rf *rf;
	int len;

	if (copy_from_sockptr(&len, optlen, sizeof(int)))
		return -EFAULT;
	if (sk->sk_family != AF_UNIX)
		return -EOPNOTSUPP;
	if (len < 0)
		return -EINVAL;
	rcu_read_lock();
	rf = kw_rights_filter_find(sk);
	if (rf)
		f = rf->filter;
	rcu_read_unlock();
	len = min_t(int, len, sizeof(f));
	if (copy_to_sockptr(optval, &f, len) ||
	    copy_to_sockptr(optlen, &len, sizeof(int)))
		return -EFAULT;
	return 0;
}

static const struct kw_net_sockopt kw_rights_filter_opt = {
	.optname = SO_KWISH_RIGHTS_FILTER,
	.set = kw_rights_filter_set,
	.get = kw_rights_filter_get,
};

static const struct kw_net_sockopt * const kw_rights_filter_opts[] = { &kw_rights_filter_opt };

static struct kw_net_sub * const kw_rights_filter_subs[] = { &kw_rights_filter_sub.sub };

static void kw_rights_filter_start(void)
{
	spin_lock_irq(&kw_rights_filter_lock);
	kw_rights_filter_live = true;
	spin_unlock_irq(&kw_rights_filter_lock);
}

/* the filters go with the item; no new one from here on */
static void kw_rights_filter_stop(void)
{
	struct hlist_node *tmp;
	struct kw_rf *rf;
	int bkt;

	spin_lock_irq(&kw_rights_filter_lock);
	kw_rights_filter_live = false;
	hash_for_each_safe(kw_rights_filter_table, bkt, tmp, rf, node) {
		hash_del_rcu(&rf->node);
		atomic_dec(&kw_rights_filter_count);
		kfree_rcu(rf, rcu);
	}
	spin_unlock_irq(&kw_rights_filter_lock);
}

struct kw_net_item kw_rights_filter_item = {
	.feature = KW_NET_ITEM(14, NULL, 0),
	.feature.present =
		"SO_KWISH_RIGHTS_FILTER: file types and fs magics; EFTYPE at sendmsg()",
	.subs = kw_rights_filter_subs,
	.nr_subs = ARRAY_SIZE(kw_rights_filter_subs),
	.opts = kw_rights_filter_opts,
	.nr_opts = ARRAY_SIZE(kw_rights_filter_opts),
	.why = kw_net_rights_why,
	.start = kw_rights_filter_start,
	.stop = kw_rights_filter_stop,
};
