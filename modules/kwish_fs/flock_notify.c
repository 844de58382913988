// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs, item 4: a pollable fd that reports the release of the last
 * BSD (flock) lock of an inode, as KWISH_FLOCK_WATCH.
 *
 * Where flock() locks change.  Every change of an inode's flock() list
 * (i_flctx->flc_flock, under flc_lock) is made by flock_lock_inode(),
 * static in fs/locks.c, the same in v6.1 and v6.12:
 *
 *   flock(fd, LOCK_SH/LOCK_EX/LOCK_UN)
 *     -> locks_lock_file_wait() -> flock_lock_inode_wait()
 *        -> flock_lock_inode()        take, convert, release
 *   close() of the last fd of an open file description, process exit
 *     -> __fput() -> locks_remove_file() -> locks_remove_flock()
 *        -> flock_lock_inode(F_UNLCK | FL_CLOSE)
 *           (only when the list is not empty: files that never held a
 *            flock() lock do not get here)
 *   item 22 (flock_timeout.c)   -> flock_lock_inode() through its gate
 *
 * File systems with their own ->flock (NFS, FUSE, ...) record local locks
 * through locks_lock_file_wait() too, but their locks live on a server;
 * kwish refuses to watch them (EOPNOTSUPP).
 *
 * So kwish hooks flock_lock_inode() (the one ftrace registry of
 * kwish_core) with kw_flock_notify_flock_lock_inode(), which runs the original and,
 * only for a watched inode, takes a sample of the list afterwards.  The
 * hook is on a cold function: it runs for flock() calls and for the close
 * of files whose inode has flock() locks, never for other files.
 *
 * No lost and no invented events.  For each watched inode a node (hashed
 * by inode) holds a mutex: every flock_lock_inode() on the inode runs
 * under it, followed by the sample (list empty or not, under flc_lock).
 * The samples are therefore taken in the order of the changes and each
 * one sees the list exactly as its own call left it; a release of the
 * last lock is a sample "empty" after a sample "not empty".  Calls that
 * found no node ran the original unserialised: arming a watch hashes the
 * node first and then waits for those calls with kw_hook_sync() (every
 * call runs inside the module's hook read section, kw_hook_enter()) before
 * its own first sample, so from that sample on, every change is seen.
 *
 * Unload.  Watch fds hold a module reference (fops.owner), so the module
 * goes away only when no watch exists; calls diverted into this module's
 * code by the hook may still be running then: kw_hooks_remove() waits for
 * them (the registry's drain, kwish_core.h) before the gate they use goes.
 */

#include <linux/anon_inodes.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include <kwish_core.h>
#include <gates/fs/locks.h>
#include <gates/security/security.h>
#include "kwish_fs.h"

/* One per watched inode, shared by all watches of it. */
struct kw_flock_notify_node {
	struct hlist_node hnode;	/* kw_flock_notify_table, while nr_watchers > 0 */
	struct inode *inode;		/* the key; pinned by the watches */
	refcount_t ref;			/* watches + calls in progress */
	unsigned int nr_watchers;	/* under kw_flock_notify_table_lock */
	bool synced;			/* the arming kw_hook_sync() is done */
	struct mutex mutex;		/* serialises flock_lock_inode() + sample */
	spinlock_t lock;		/* held, releases; the watches' state */
	bool held;			/* last sample: a flock() lock exists */
	u64 releases;			/* samples "held" -> "not held" */
	wait_queue_head_t wq;
	struct rcu_head rcu;
};

/* One per watch fd. */
struct kw_flock_notify_watch {
	struct kw_flock_notify_node *node;
	struct inode *inode;		/* ihold()'d */
	struct path path;		/* keeps the mount busy */
	u64 seen;			/* node->releases when last read */
	bool unlocked_at_arm;		/* KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM due */
};

static DEFINE_HASHTABLE(kw_flock_notify_table, 6);
static DEFINE_SPINLOCK(kw_flock_notify_table_lock);

static int kw_flock_notify_flock_lock_inode(struct inode *inode,
					    struct file_lock *request);

static struct kw_hook kw_flock_notify_gates[] = {
	KW_GATE_HOOK(flock_lock_inode),
	KW_GATE_HOOK(security_file_lock),
};

/* Installed after the gates, removed before them. */
static struct kw_hook kw_flock_notify_hook[] = {
	{
		.name = "flock_lock_inode",
		.target_sym = "flock_lock_inode",
		.dest_fn = kw_flock_notify_flock_lock_inode,
	},
};

/*
 * The fd flags of a watch for KWISH_FLOCK_WATCH's @flags, or -EINVAL for
 * a non-zero reserved field (unknown flags are the dispatcher's EINVAL).
 */
VISIBLE_IF_KUNIT int kw_flock_notify_check_args(const struct kwish_flock_watch *arg)
{
	int fl = O_RDONLY | O_CLOEXEC;

	if (arg->__reserved)
		return -EINVAL;
	if (arg->flags & KWISH_FLOCK_WATCH_NONBLOCK)
		fl |= O_NONBLOCK;
	if (arg->flags & KWISH_FLOCK_WATCH_NO_CLOEXEC)
		fl &= ~O_CLOEXEC;
	return fl;
}
EXPORT_SYMBOL_IF_KUNIT(kw_flock_notify_check_args);

/*
 * One sample: @held_now after the state @*held of the previous one.
 * Returns true when it is the release of the last lock.
 */
VISIBLE_IF_KUNIT bool kw_flock_notify_transition(bool *held, bool held_now)
{
	bool released = *held && !held_now;

	*held = held_now;
	return released;
}
EXPORT_SYMBOL_IF_KUNIT(kw_flock_notify_transition);

/*
 * The record read() returns for a watch that last saw @seen of the
 * node's @releases; false if nothing is pending.
 */
VISIBLE_IF_KUNIT bool kw_flock_notify_make_event(u64 releases, u64 seen,
						 bool unlocked_at_arm, bool held,
						 struct kwish_flock_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (releases == seen && !unlocked_at_arm)
		return false;
	ev->size = sizeof(*ev);
	ev->releases = releases - seen;
	if (unlocked_at_arm)
		ev->flags |= KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM;
	if (held)
		ev->flags |= KWISH_FLOCK_EVENT_LOCKED;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(kw_flock_notify_make_event);

/* Does @inode have a flock() lock right now? */
static bool kw_flock_notify_flock_held(struct inode *inode)
{
	struct file_lock_context *ctx = locks_inode_context(inode);
	bool held;

	if (!ctx)
		return false;
	spin_lock(&ctx->flc_lock);
	held = !list_empty(&ctx->flc_flock);
	spin_unlock(&ctx->flc_lock);
	return held;
}

/* Sample @node's inode; node->mutex held. */
static void kw_flock_notify_sample(struct kw_flock_notify_node *node)
{
	bool held_now = kw_flock_notify_flock_held(node->inode);
	bool released;

	lockdep_assert_held(&node->mutex);
	spin_lock(&node->lock);
	released = kw_flock_notify_transition(&node->held, held_now);
	if (released)
		node->releases++;
	spin_unlock(&node->lock);
	if (released)
		wake_up_interruptible_poll(&node->wq, EPOLLIN | EPOLLRDNORM);
}

static void kw_flock_notify_node_put(struct kw_flock_notify_node *node)
{
	if (refcount_dec_and_test(&node->ref))
		kfree_rcu(node, rcu);
}

/* The node of @inode with a reference, or NULL if it is not watched. */
static struct kw_flock_notify_node *kw_flock_notify_node_find(struct inode *inode)
{
	struct kw_flock_notify_node *node, *found = NULL;

	rcu_read_lock();
	hash_for_each_possible_rcu(kw_flock_notify_table, node, hnode,
				   (unsigned long)inode) {
		if (node->inode == inode && refcount_inc_not_zero(&node->ref)) {
			found = node;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * flock_lock_inode() through @lock_inode (a call gate), with the sample
 * a watched inode needs.  The hook's destination for calls of the kernel,
 * and what item 22 calls: calls from kwish_fs itself are never diverted
 * by the hook (the registry's recursion guard).
 */
int kw_fs_flock_lock_inode(struct inode *inode, struct file_lock *request,
			   int (*lock_inode)(struct inode *,
					     struct file_lock *))
{
	struct kw_flock_notify_node *node;
	int idx, err;

	/* may sleep: the allocation in flock_lock_inode(), node->mutex */
	idx = kw_hook_enter();
	node = kw_flock_notify_node_find(inode);
	if (!node) {
		err = lock_inode(inode, request);
	} else {
		mutex_lock(&node->mutex);
		err = lock_inode(inode, request);
		kw_flock_notify_sample(node);
		mutex_unlock(&node->mutex);
		kw_flock_notify_node_put(node);
	}
	kw_hook_leave(idx);
	return err;
}

static int kw_flock_notify_flock_lock_inode(struct inode *inode,
					    struct file_lock *request)
{
	return kw_fs_flock_lock_inode(inode, request,
				      kw_gate_flock_lock_inode);
}

/* The node of @inode, made if needed, with one more watcher on it. */
static struct kw_flock_notify_node *kw_flock_notify_node_get(struct inode *inode)
{
	struct kw_flock_notify_node *node, *new;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return NULL;

	spin_lock(&kw_flock_notify_table_lock);
	hash_for_each_possible(kw_flock_notify_table, node, hnode, (unsigned long)inode) {
		if (node->inode == inode) {
			node->nr_watchers++;
			refcount_inc(&node->ref);
			spin_unlock(&kw_flock_notify_table_lock);
			kfree(new);
			return node;
		}
	}
	new->inode = inode;
	refcount_set(&new->ref, 1);
	new->nr_watchers = 1;
	mutex_init(&new->mutex);
	spin_lock_init(&new->lock);
	init_waitqueue_head(&new->wq);
	hash_add_rcu(kw_flock_notify_table, &new->hnode, (unsigned long)inode);
	spin_unlock(&kw_flock_notify_table_lock);
	return new;
}

/* A watcher leaves @node. */
static void kw_flock_notify_node_leave(struct kw_flock_notify_node *node)
{
	spin_lock(&kw_flock_notify_table_lock);
	if (!--node->nr_watchers)
		hash_del_rcu(&node->hnode);
	spin_unlock(&kw_flock_notify_table_lock);
	kw_flock_notify_node_put(node);
}

static void kw_flock_notify_watch_free(struct kw_flock_notify_watch *w)
{
	if (w->node)
		kw_flock_notify_node_leave(w->node);
	iput(w->inode);
	path_put(&w->path);
	kfree(w);
}

static int kw_flock_notify_release(struct inode *ainode, struct file *file)
{
	kw_flock_notify_watch_free(file->private_data);
	return 0;
}

static bool kw_flock_notify_pending(struct kw_flock_notify_watch *w)
{
	return READ_ONCE(w->unlocked_at_arm) ||
	       READ_ONCE(w->node->releases) != READ_ONCE(w->seen);
}

static __poll_t kw_flock_notify_poll(struct file *file, poll_table *pt)
{
	struct kw_flock_notify_watch *w = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &w->node->wq, pt);
	spin_lock(&w->node->lock);
	if (kw_flock_notify_pending(w))
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&w->node->lock);
	return mask;
}

static ssize_t kw_flock_notify_read(struct file *file, char __user *buf, size_t count,
				    loff_t *ppos)
{
	struct kw_flock_notify_watch *w = file->private_data;
	struct kw_flock_notify_node *node = w->node;
	struct kwish_flock_event ev;
	size_t n;
	int err;

	if (count < KWISH_FLOCK_EVENT_SIZE_VER0)
		return -EINVAL;
	for (;;) {
		spin_lock(&node->lock);
		if (kw_flock_notify_make_event(node->releases, w->seen,
					       w->unlocked_at_arm, node->held, &ev))
			break;
		spin_unlock(&node->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(node->wq, kw_flock_notify_pending(w));
		if (err)
			return err;
	}
	w->seen += ev.releases;
	w->unlocked_at_arm = false;
	spin_unlock(&node->lock);

	n = min_t(size_t, count, sizeof(ev));
	if (copy_to_user(buf, &ev, n)) {
		/* Not consumed: the caller may read it again. */
		spin_lock(&node->lock);
		w->seen -= ev.releases;
		if (ev.flags & KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM)
			w->unlocked_at_arm = true;
		spin_unlock(&node->lock);
		return -EFAULT;
	}
	return n;
}

static const struct file_operations kw_flock_notify_fops = {
	.owner = THIS_MODULE,	/* a watch fd pins kwish_fs */
	.release = kw_flock_notify_release,
	.poll = kw_flock_notify_poll,
	.read = kw_flock_notify_read,
	.llseek = noop_llseek,
};

VISIBLE_IF_KUNIT long kw_fs_flock_watch(struct kw_ucmd *ucmd)
{
	const struct kwish_flock_watch *arg = ucmd->cmd;
	struct kw_flock_notify_watch *w;
	struct kw_flock_notify_node *node;
	struct file *file;
	int fd_flags, err;

	fd_flags = kw_flock_notify_check_args(arg);
	if (fd_flags < 0)
		return fd_flags;

	/* fget(): not O_PATH, as flock(2)'s fdget() */
	file = fget(arg->fd);
	if (!file)
		return -EBADF;
	/* flock(2): a lock needs a file opened for reading or writing */
	err = -EBADF;
	if (!(file->f_mode & (FMODE_READ | FMODE_WRITE)))
		goto out_fput;
	/* The LSM check a flock(fd, LOCK_SH) makes */
	err = kw_gate_security_file_lock(file, F_RDLCK);
	if (err)
		goto out_fput;
	err = -EOPNOTSUPP;
	if (file->f_op->flock)
		goto out_fput;

	err = -ENOMEM;
	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		goto out_fput;
	w->path = file->f_path;
	path_get(&w->path);
	w->inode = file_inode(file);
	ihold(w->inode);
	fput(file);

	node = kw_flock_notify_node_get(w->inode);
	if (!node) {
		kw_flock_notify_watch_free(w);
		return -ENOMEM;
	}
	w->node = node;
	/*
	 * Calls of flock_lock_inode() that started before the node was
	 * hashed did not see it and take no sample: wait for them.
	 */
	if (!smp_load_acquire(&node->synced)) {
		kw_hook_sync();
		/* pairs with the smp_load_acquire() above, of later arms */
		smp_store_release(&node->synced, true);
	}
	mutex_lock(&node->mutex);
	kw_flock_notify_sample(node);
	spin_lock(&node->lock);
	w->seen = node->releases;
	w->unlocked_at_arm = !node->held;
	spin_unlock(&node->lock);
	mutex_unlock(&node->mutex);

	err = anon_inode_getfd("[kwish_flock_watch]", &kw_flock_notify_fops, w,
			       fd_flags);
	if (err < 0)
		kw_flock_notify_watch_free(w);
	return err;

out_fput:
	fput(file);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kw_fs_flock_watch);

/* the uapi sizes: a struct never changes, it only grows */
static_assert(sizeof(struct kwish_flock_watch) == KWISH_FLOCK_WATCH_SIZE_VER0);
static_assert(sizeof(struct kwish_flock_event) == KWISH_FLOCK_EVENT_SIZE_VER0);

static const struct kw_cmd kw_flock_notify_cmds[] = {
	KW_IOCTL_OP(KWISH_CMD_FLOCK_WATCH, kw_fs_flock_watch,
		    struct kwish_flock_watch, __reserved,
		    KWISH_FLOCK_WATCH_NONBLOCK | KWISH_FLOCK_WATCH_NO_CLOEXEC),
};

/*
 * The hook goes before the gates: kw_hooks_remove() returns once no call
 * it diverted still runs in kw_flock_notify_flock_lock_inode(), and then the gate
 * those calls use may go.  No watch exists any more then (each pins the
 * module).
 */
struct kw_feature kw_flock_notify_feature = {
	.id = 4,
	.cmds = kw_flock_notify_cmds,
	.nr_cmds = ARRAY_SIZE(kw_flock_notify_cmds),
	.gates = kw_flock_notify_gates,
	.nr_gates = ARRAY_SIZE(kw_flock_notify_gates),
	.hooks = kw_flock_notify_hook,
	.nr_hooks = ARRAY_SIZE(kw_flock_notify_hook),
	.present = "hook on flock_lock_inode(), a watch fd per inode (poll/read)",
};
