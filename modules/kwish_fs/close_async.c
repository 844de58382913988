// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs, item 19: close without blocking, as KWISH_CLOSE_ASYNC.
 *
 * Where close(2) blocks.  close(2) (fs/open.c) takes the file out of the
 * fd table (file_close_fd() in v6.12, close_fd_get_file() in v6.1), then
 * runs filp_flush()/filp_close(): the file's ->flush (NFS writes back
 * dirty pages and waits, FUSE sends FLUSH and waits for the daemon),
 * dnotify_flush() and locks_remove_posix() for the caller's fd table, and
 * drops the reference.  When that is the last reference the file's
 * __fput() runs before the caller is back in user space (v6.12: directly,
 * __fput_sync(); v6.1: task_work on the return to user space) and calls
 * ->release, which may block too: a TCP socket with SO_LINGER and unsent
 * data waits in tcp_close() for up to the linger time.
 *
 * What kwish does.  In the calling task, per fd:
 *   - the kernel's own detach (file_close_fd(), exported, compat/fdtable.h);
 *   - if the caller's fd table holds POSIX locks on the file: all of
 *     filp_flush(), in its order, through the kernel's filp_close() on a
 *     reference of our own: ->flush, dnotify_flush(), locks_remove_posix()
 *     with current->files as owner.  The locks must be gone when the call
 *     returns (a removal that ran later could remove locks the caller
 *     took again in the meantime: a lock owner is only a pointer), and
 *     the data must be flushed before they go (NFS writes back before an
 *     unlock in any case), so the caller waits for ->flush here, exactly
 *     as under close(2), with its own credentials and pid;
 *   - otherwise only dnotify_flush() (not exported: a call gate), which
 *     waits for no I/O and must be done before the file can be freed (a
 *     registration names the struct file).  locks_remove_posix() would
 *     remove nothing: the owner holds no lock (a lock taken through this
 *     fd after the detach is undone by fcntl_setlk() itself, which sees
 *     the fd gone).
 * Then a work item runs, with the caller's credentials, the ->flush that
 * has not run yet (owner: the caller's files_struct, a cookie only ever
 * compared, FUSE hashes it into lock_owner) and __fput_sync(): from a
 * kernel thread plain fput() would defer __fput() to the kernel's
 * delayed_fput list, and the completion fd could not tell when the
 * release is over.
 *
 * Bounds.  Each file in flight costs one struct kw_close_async_item (allocated
 * with __GFP_ACCOUNT, so charged to the caller's memory cgroup) and keeps
 * its file; per user and in total the number in flight is limited by
 * module parameters; past them the fd is left open and the call stops
 * with -EAGAIN.  A user is the uid in the initial user namespace, except
 * that every uid of a user namespace that a user other than root created
 * (directly or further up) is that user: a user namespace with a range of
 * subordinate uids does not give its creator fresh budgets.
 *
 * Fairness.  The workqueue runs at most WQ_UNBOUND_MAX_ACTIVE (512) work
 * items at once, and a release may block for minutes (a lingering TCP
 * close, a FUSE daemon that never answers FLUSH).  So at most
 * close_async_max_running_per_user (16) items of one user are on the
 * workqueue at a time; the user's others wait in its FIFO (struct
 * kw_close_async_user.waiting) and are queued one by one as the user's earlier
 * ones end.  One user can occupy no more than its share, and every other
 * user's releases start at once as long as fewer than 512 / 16 users are
 * blocked.
 *
 * Module unload.  Every item in flight holds a reference on kwish_fs
 * (taken in the ioctl, where the dispatcher already holds one, and dropped
 * as the work function's last statement), and every completion fd holds
 * one through its f_op->owner; so rmmod fails with EBUSY ("in use") while
 * a release is in flight instead of waiting for it (an NFS flush to a dead
 * server could wait for ever) or leaving a work item that points into
 * freed module text.  kw_close_async_teardown() then destroys the
 * workqueue, which waits for the work functions that dropped their
 * reference to return out of this module's text.
 */

#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/dnotify.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <kwish_core.h>
#include <gates/fs/notify/dnotify/dnotify.h>
#include "kwish_fs.h"

static unsigned int close_async_max_per_user = 1024;
module_param(close_async_max_per_user, uint, 0644);
MODULE_PARM_DESC(close_async_max_per_user,
		 "KWISH_CLOSE_ASYNC: files in flight per user (EAGAIN past it)");

static unsigned int close_async_max_total = 65536;
module_param(close_async_max_total, uint, 0644);
MODULE_PARM_DESC(close_async_max_total,
		 "KWISH_CLOSE_ASYNC: files in flight in total (EAGAIN past it)");

static unsigned int close_async_max_running_per_user = 16;
module_param(close_async_max_running_per_user, uint, 0644);
MODULE_PARM_DESC(close_async_max_running_per_user,
		 "KWISH_CLOSE_ASYNC: releases of one user running at once (the others wait for them)");

static struct kw_hook kw_close_async_gates[] = {
	KW_GATE_HOOK(dnotify_flush),
};

static struct workqueue_struct *kw_close_async_wq;

/* Files in flight of one user. */
struct kw_close_async_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int inflight;		/* charged: waiting + started */
	unsigned int started;		/* on the workqueue or running */
	struct list_head waiting;	/* kw_close_async_item.wait_node, FIFO */
};

static DEFINE_SPINLOCK(kw_close_async_users_lock);
static DEFINE_HASHTABLE(kw_close_async_users, 6);
static unsigned int kw_close_async_total;	/* under kw_close_async_users_lock */

/* The files one call closed, for its completion fd. */
struct kw_close_async_batch {
	refcount_t ref;		/* the completion fd and each item */
	atomic_t pending;	/* items not done, + 1 while submitting */
	u32 nr_files;
	atomic_t error;		/* the first ->flush error */
	wait_queue_head_t wqh;
};

/* One file being released. */
struct kw_close_async_item {
	struct work_struct work;
	struct list_head wait_node;	/* in user->waiting until started */
	struct file *file;
	fl_owner_t owner;		/* the caller's files_struct: a cookie */
	bool flushed;			/* ->flush already ran in the caller */
	const struct cred *cred;
	struct kw_close_async_user *user;
	struct kw_close_async_batch *batch;	/* NULL without a completion fd */
};

/*
 * The checks of KWISH_CLOSE_ASYNC's argument that need no fd: 0 or
 * -EINVAL.  The dispatcher has already refused unknown flags.
 */
VISIBLE_IF_KUNIT int kw_close_async_check_args(const struct kwish_close_async *arg)
{
	if (arg->__reserved)
		return -EINVAL;
	if (!arg->nr_fds || arg->nr_fds > KWISH_CLOSE_ASYNC_MAX_FDS)
		return -EINVAL;
	if ((arg->flags & KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC) &&
	    !(arg->flags & KWISH_CLOSE_ASYNC_WAITFD))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kw_close_async_check_args);

static struct kw_close_async_user *kw_close_async_user_find(kuid_t uid)
{
	struct kw_close_async_user *u;

	hash_for_each_possible(kw_close_async_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/*
 * Count one more file in flight for @uid, unless that passes @max_user
 * files for @uid or @max_total in all.  Returns the user's record (for
 * kw_close_async_uncharge()) or ERR_PTR(-EAGAIN) / ERR_PTR(-ENOMEM).
 */
VISIBLE_IF_KUNIT struct kw_close_async_user *kw_close_async_charge(kuid_t uid,
								   unsigned int max_user,
								   unsigned int max_total)
{
	struct kw_close_async_user *u, *fresh = NULL;

again:
	spin_lock(&kw_close_async_users_lock);
	u = kw_close_async_user_find(uid);
	if (kw_close_async_total >= max_total ||
	    (u ? u->inflight : 0) >= max_user) {
		spin_unlock(&kw_close_async_users_lock);
		kfree(fresh);
		return ERR_PTR(-EAGAIN);
	}
	if (!u) {
		if (!fresh) {
			/* Allocated outside the lock, then looked up again. */
			spin_unlock(&kw_close_async_users_lock);
			fresh = kmalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
			if (!fresh)
				return ERR_PTR(-ENOMEM);
			goto again;
		}
		u = fresh;
		fresh = NULL;
		u->uid = uid;
		u->inflight = 0;
		u->started = 0;
		INIT_LIST_HEAD(&u->waiting);
		hash_add(kw_close_async_users, &u->node, __kuid_val(uid));
	}
	u->inflight++;
	kw_close_async_total++;
	spin_unlock(&kw_close_async_users_lock);
	kfree(fresh);
	return u;
}
EXPORT_SYMBOL_IF_KUNIT(kw_close_async_charge);

VISIBLE_IF_KUNIT void kw_close_async_uncharge(struct kw_close_async_user *u)
{
	bool last;

	spin_lock(&kw_close_async_users_lock);
	kw_close_async_total--;
	last = !--u->inflight;
	if (last) {
		WARN_ON_ONCE(u->started || !list_empty(&u->waiting));
		hash_del(&u->node);
	}
	spin_unlock(&kw_close_async_users_lock);
	if (last)
		kfree(u);
}
EXPORT_SYMBOL_IF_KUNIT(kw_close_async_uncharge);

/*
 * A charged item of @u (@node: its wait_node) is ready: true if it may
 * start now (fewer than @max_running of @u's are started; it counts as
 * started), false if it was put at the end of @u's waiting list.
 */
VISIBLE_IF_KUNIT bool kw_close_async_admit(struct kw_close_async_user *u,
					   struct list_head *node,
					   unsigned int max_running)
{
	bool start;

	spin_lock(&kw_close_async_users_lock);
	start = u->started < max(max_running, 1U);
	if (start)
		u->started++;
	else
		list_add_tail(node, &u->waiting);
	spin_unlock(&kw_close_async_users_lock);
	return start;
}
EXPORT_SYMBOL_IF_KUNIT(kw_close_async_admit);

/*
 * A started item of @u is over (before its kw_close_async_uncharge()): returns
 * the wait_node of @u's oldest waiting item, now started, if one may
 * start in its place (@max_running), or NULL.
 */
VISIBLE_IF_KUNIT struct list_head *kw_close_async_next(struct kw_close_async_user *u,
						       unsigned int max_running)
{
	struct list_head *next = NULL;

	spin_lock(&kw_close_async_users_lock);
	u->started--;
	if (!list_empty(&u->waiting) && u->started < max(max_running, 1U)) {
		next = u->waiting.next;
		list_del_init(next);
		u->started++;
	}
	spin_unlock(&kw_close_async_users_lock);
	return next;
}
EXPORT_SYMBOL_IF_KUNIT(kw_close_async_next);

/* Files in flight for @uid (for the KUnit tests). */
VISIBLE_IF_KUNIT __maybe_unused unsigned int kw_close_async_inflight(kuid_t uid)
{
	struct kw_close_async_user *u;
	unsigned int n;

	spin_lock(&kw_close_async_users_lock);
	u = kw_close_async_user_find(uid);
	n = u ? u->inflight : 0;
	spin_unlock(&kw_close_async_users_lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(kw_close_async_inflight);

static void kw_close_async_batch_put(struct kw_close_async_batch *b)
{
	if (refcount_dec_and_test(&b->ref))
		kfree(b);
}

static bool kw_close_async_batch_done(struct kw_close_async_batch *b)
{
	return !atomic_read(&b->pending);
}

/* One item (or the submission's bias) is over: wake the waiters if last. */
static void kw_close_async_batch_finish(struct kw_close_async_batch *b)
{
	if (atomic_dec_and_test(&b->pending))
		wake_up_all(&b->wqh);
}

static __poll_t kw_close_async_poll(struct file *file, poll_table *wait)
{
	struct kw_close_async_batch *b = file->private_data;

	poll_wait(file, &b->wqh, wait);
	return kw_close_async_batch_done(b) ? EPOLLIN | EPOLLRDNORM : 0;
}

static ssize_t kw_close_async_read(struct file *file, char __user *buf, size_t count,
				   loff_t *ppos)
{
	struct kw_close_async_batch *b = file->private_data;
	struct kwish_close_async_result res = {};
	int err;

	if (count < sizeof(res))
		return -EINVAL;
	if (!kw_close_async_batch_done(b)) {
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(b->wqh, kw_close_async_batch_done(b));
		if (err)
			return err;
	}
	/* pending reached 0 with a full barrier after the last error */
	res.nr_files = b->nr_files;
	res.error = atomic_read(&b->error);
	if (copy_to_user(buf, &res, sizeof(res)))
		return -EFAULT;
	return sizeof(res);
}

static int kw_close_async_release(struct inode *inode, struct file *file)
{
	kw_close_async_batch_put(file->private_data);
	return 0;
}

static const struct file_operations kw_close_async_fops = {
	.owner = THIS_MODULE,
	.poll = kw_close_async_poll,
	.read = kw_close_async_read,
	.release = kw_close_async_release,
	.llseek = noop_llseek,
};

/* Record ->flush's error @err for the completion fd, as close(2) would. */
static void kw_close_async_batch_error(struct kw_close_async_batch *b, int err)
{
	/* as close(2): a restart cannot be asked for any more */
	if (err == -ERESTARTSYS || err == -ERESTARTNOINTR ||
	    err == -ERESTARTNOHAND || err == -ERESTART_RESTARTBLOCK)
		err = -EINTR;
	if (b && err)
		atomic_cmpxchg(&b->error, 0, err);
}

static void kw_close_async_work(struct work_struct *work)
{
	struct kw_close_async_item *item = container_of(work, struct kw_close_async_item, work);
	struct kw_close_async_batch *b = item->batch;
	struct file *file = item->file;
	struct list_head *next;
	const struct cred *old;
	int err = 0;

	old = override_creds(item->cred);
	if (!item->flushed && file->f_op->flush)
		err = file->f_op->flush(file, item->owner);
	/* Our reference; the file's __fput() here if it is the last one. */
	__fput_sync(file);
	revert_creds(old);
	put_cred(item->cred);

	/* The user's next waiting release takes this one's place. */
	next = kw_close_async_next(item->user,
				   READ_ONCE(close_async_max_running_per_user));
	if (next)
		queue_work(kw_close_async_wq, &list_entry(next, struct kw_close_async_item,
							  wait_node)->work);
	kw_close_async_uncharge(item->user);

	if (b) {
		kw_close_async_batch_error(b, err);
		kw_close_async_batch_finish(b);
		kw_close_async_batch_put(b);
	}
	kfree(item);
	/*
	 * The last statement: after it this module may be on its way out;
	 * kw_close_async_teardown()'s destroy_workqueue() waits for the
	 * return from here.
	 */
	module_put(THIS_MODULE);
}

/* Does @owner hold a POSIX lock on @file's inode? */
static bool kw_close_async_owner_locks(struct file *file, fl_owner_t owner)
{
	struct file_lock_context *ctx = locks_inode_context(file_inode(file));
	struct file_lock *fl;
	bool held = false;

	if (!ctx)
		return false;
	spin_lock(&ctx->flc_lock);
	list_for_each_entry(fl, &ctx->flc_posix, KW_FL_LIST) {
		if (kw_fl_owner(fl) == owner) {
			held = true;
			break;
		}
	}
	spin_unlock(&ctx->flc_lock);
	return held;
}

/* Close @fd of the caller without waiting: 0, -EBADF, -EAGAIN, -ENOMEM. */
static int kw_close_async_close_one(int fd, struct kw_close_async_batch *b)
{
	struct files_struct *files = current->files;
	struct kw_close_async_item *item;
	struct kw_close_async_user *user;
	struct file *file;

	item = kzalloc(sizeof(*item), GFP_KERNEL_ACCOUNT);
	if (!item)
		return -ENOMEM;
	user = kw_close_async_charge(kw_account_uid(current_cred()),
				     READ_ONCE(close_async_max_per_user),
				     READ_ONCE(close_async_max_total));
	if (IS_ERR(user)) {
		kfree(item);
		return PTR_ERR(user);
	}

	/* The point of no return: the fd is gone from the table. */
	file = fd < 0 ? NULL : file_close_fd(fd);
	if (!file) {
		kw_close_async_uncharge(user);
		kfree(item);
		return -EBADF;
	}

	if (likely(!(file->f_mode & FMODE_PATH)) &&
	    kw_close_async_owner_locks(file, files)) {
		/*
		 * filp_flush() as close(2) runs it (->flush, dnotify_flush(),
		 * locks_remove_posix()), on a reference of ours so that its
		 * fput() is not the last one: the worker keeps the table's.
		 */
		get_file(file);
		kw_close_async_batch_error(b, filp_close(file, files));
		item->flushed = true;
	} else if (likely(!(file->f_mode & FMODE_PATH))) {
		/* no lock of the caller's to remove: ->flush can wait */
		kw_gate_dnotify_flush(file, files);
	}

	INIT_WORK(&item->work, kw_close_async_work);
	INIT_LIST_HEAD(&item->wait_node);
	item->file = file;
	item->owner = files;
	item->cred = get_current_cred();
	item->user = user;
	item->batch = b;
	if (b) {
		refcount_inc(&b->ref);
		atomic_inc(&b->pending);
		b->nr_files++;
	}
	/* The dispatcher holds a reference on this module: we may take one. */
	__module_get(THIS_MODULE);
	if (kw_close_async_admit(user, &item->wait_node,
				 READ_ONCE(close_async_max_running_per_user)))
		queue_work(kw_close_async_wq, &item->work);
	return 0;
}

VISIBLE_IF_KUNIT long kw_fs_close_async(struct kw_ucmd *ucmd)
{
	struct kwish_close_async *arg = ucmd->cmd;
	struct kwish_close_async __user *uarg = ucmd->ubuffer;
	bool waitfd = arg->flags & KWISH_CLOSE_ASYNC_WAITFD;
	struct kw_close_async_batch *b = NULL;
	struct file *wfile = NULL;
	int wfd = -1, err;
	u32 i;
	s32 *fds;

	err = kw_close_async_check_args(arg);
	if (err)
		return err;

	fds = memdup_user(u64_to_user_ptr(arg->fds),
			  arg->nr_fds * sizeof(*fds));
	if (IS_ERR(fds))
		return PTR_ERR(fds);

	if (waitfd) {
		err = -ENOMEM;
		b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
		if (!b)
			goto out_free;
		refcount_set(&b->ref, 1);	/* the completion fd's */
		atomic_set(&b->pending, 1);	/* until all are queued */
		init_waitqueue_head(&b->wqh);

		wfd = get_unused_fd_flags(O_RDONLY |
			(arg->flags & KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC ?
			 0 : O_CLOEXEC));
		if (wfd < 0) {
			err = wfd;
			kfree(b);
			goto out_free;
		}
		wfile = anon_inode_getfile("[kwish_close_async]", &kw_close_async_fops,
					   b, O_RDONLY);
		if (IS_ERR(wfile)) {
			err = PTR_ERR(wfile);
			put_unused_fd(wfd);
			kfree(b);
			goto out_free;
		}
	}

	/* Before anything is closed, so EFAULT never loses a completion. */
	err = put_user(wfd, &uarg->wait_fd);
	if (err)
		goto out_wait;

	for (i = 0; i < arg->nr_fds; i++) {
		err = kw_close_async_close_one(fds[i], b);
		if (err)
			break;
	}
	if (!i)
		goto out_wait;		/* nothing closed: fail with err */

	if (b) {
		kw_close_async_batch_finish(b);	/* the submission's bias */
		fd_install(wfd, wfile);
	}
	kfree(fds);
	return i;

out_wait:
	if (b) {
		/* the file's release puts the batch */
		fput(wfile);
		put_unused_fd(wfd);
	}
out_free:
	kfree(fds);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kw_fs_close_async);

/* the uapi sizes: a struct never changes, it only grows */
static_assert(sizeof(struct kwish_close_async) == KWISH_CLOSE_ASYNC_SIZE_VER0);

static const struct kw_cmd kw_close_async_cmds[] = {
	KW_IOCTL_OP(KWISH_CMD_CLOSE_ASYNC, kw_fs_close_async,
		    struct kwish_close_async, __reserved,
		    KWISH_CLOSE_ASYNC_WAITFD |
		    KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC),
};

static int kw_close_async_setup(struct kw_feature *f)
{
	kw_close_async_wq = alloc_workqueue("kwish_close", WQ_UNBOUND,
					    WQ_UNBOUND_MAX_ACTIVE);
	if (!kw_close_async_wq) {
		strscpy(f->reason, "cannot allocate its workqueue",
			sizeof(f->reason));
		return -ENOMEM;
	}
	return 0;
}

static void kw_close_async_teardown(struct kw_feature *f)
{
	/*
	 * Every item held a module reference from the ioctl to its work
	 * function's last statement, also while it waited in its user's
	 * list: none is waiting, queued or running any more, but the last
	 * ones may still be returning; destroy_workqueue() drains and waits
	 * for them.
	 */
	destroy_workqueue(kw_close_async_wq);
	WARN_ON(kw_close_async_total || !hash_empty(kw_close_async_users));
}

struct kw_feature kw_close_async_feature = {
	.id = 19,
	.cmds = kw_close_async_cmds,
	.nr_cmds = ARRAY_SIZE(kw_close_async_cmds),
	.gates = kw_close_async_gates,
	.nr_gates = ARRAY_SIZE(kw_close_async_gates),
	.present =
		"fd detached at once, the caller's POSIX locks after ->flush; flush and release otherwise in a kworker, per user in turn",
	.setup = kw_close_async_setup,
	.teardown = kw_close_async_teardown,
};
