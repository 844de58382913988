// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_mount, item 17: mount notifications.
 *
 * A watcher (systemd, libmount's monitor) learns that a mount entered or
 * left a mount namespace, with the mount's unique id to statmount() it,
 * instead of re-reading /proc/self/mountinfo after every poll wakeup.
 * Upstream v6.15 does this in fanotify (FAN_MARK_MNTNS, FAN_REPORT_MNT):
 * fs/namespace.c notes each mount whose namespace changes and
 * namespace_unlock() hands the list to fsnotify.  That needs a new
 * fsnotify object type (FSNOTIFY_OBJ_TYPE_MNTNS: connector, mark and
 * event code in fs/notify/), which a module cannot add to v6.1 or v6.12,
 * so kwish gives out a watch fd of its own (KWISH_MOUNT_WATCH) whose
 * read() returns the records a v6.15 fanotify mount watch returns.
 *
 * Where mounts change namespace or place (fs/namespace.c, fs/pnode.c
 * and fs/fs_struct.c, v6.1 and v6.12 alike).  All are called with
 * namespace_sem held for writing, so the hooks see the changes in the
 * order they are made; all are out of line in both stock kernels at the
 * call sites that matter (attach_mnt() is not: v6.1 inlines it into
 * attach_recursive_mnt(), hence the two hooks for moves):
 *
 *   commit_tree(mnt)		a new tree enters the namespace of its
 *				parent: every mount of the tree under @mnt
 *				(mount, bind, each propagated copy, a move
 *				out of an anonymous namespace) -> ATTACH
 *				(DETACH from the anonymous one first)
 *   attach_recursive_mnt(src, ...)  with @src attached (it has a
 *				parent) it moves @src (MS_MOVE,
 *				move_mount()): after it succeeded -> ATTACH |
 *				DETACH for @src (v6.1's bool "moving" and
 *				v6.12's MNT_TREE_MOVE are set exactly then)
 *   chroot_fs_refs(old, new)	called by pivot_root() after it moved the
 *				old root and the new one -> ATTACH | DETACH
 *				for both
 *   mnt_change_mountpoint(parent, mp, mnt)  the kernel re-parents @mnt
 *				in place: under a propagated copy
 *				(attach_recursive_mnt()), back onto what is
 *				left when a umount propagates (reparent() in
 *				fs/pnode.c), under a MOVE_MOUNT_BENEATH mount
 *				(v6.12) -> ATTACH | DETACH for @mnt
 *   umount_tree(mnt, how)	every mount under @mnt leaves -> DETACH
 *   propagate_umount(list)	called by umount_tree(): appends the
 *				propagated umounts to @list -> DETACH for
 *				those it added
 *
 * Reports are made while namespace_sem is held (before the hooked
 * function runs; after it, for attach_recursive_mnt() and
 * propagate_umount()).  The change is complete before
 * namespace_sem is released, and statmount() takes namespace_sem: a
 * watcher that statmount()s the id of an event sees the state after it.
 *
 * Delivery: each watch has a fixed ring of queue_len records plus one
 * slot for the overflow record, filled under the watch's spinlock (the
 * hooks cannot sleep or allocate more than a mount id).  When the ring is
 * full, one FAN_Q_OVERFLOW record is queued and later events are
 * dropped until the reader makes room, as fsnotify_insert_event() does.
 * Watches are on an RCU list; with no watch the hooks only test that
 * it is empty.  A watch keeps the namespace's nsfs file, which keeps the
 * namespace alive, so comparing the namespace pointer is safe.
 */

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/fanotify.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/proc_ns.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>

#include <kwish_core.h>
#include <gates/fs/fs_struct.h>
#include <gates/fs/namespace.h>
#include <gates/fs/pnode.h>
#include <gates/security/security.h>
#include "kwish_mount.h"

/*
 * Queue an event.  Returns false if it was dropped (the queue holds
 * @cap events); the first drop queues the overflow record, which takes
 * the extra slot, and no other until the reader has taken it.
 */
VISIBLE_IF_KUNIT bool kw_mount_notify_queue_push(struct kw_mount_notify_queue *q, u64 mnt_id,
						 u32 mask, s32 pid)
{
	struct kw_mount_notify_record *r;

	if (q->count >= q->cap) {
		if (q->overflow_queued)
			return false;
		q->overflow_queued = true;
		mnt_id = 0;
		mask = FAN_Q_OVERFLOW;
		pid = 0;
	}
	r = &q->rec[(q->head + q->count) % (q->cap + 1)];
	r->mnt_id = mnt_id;
	r->mask = mask;
	r->pid = pid;
	q->count++;
	return mask != FAN_Q_OVERFLOW;
}
EXPORT_SYMBOL_IF_KUNIT(kw_mount_notify_queue_push);

/* Copy the oldest record into @out, leaving it queued; false if empty. */
static bool kw_mount_notify_queue_peek(const struct kw_mount_notify_queue *q,
				       struct kw_mount_notify_record *out)
{
	if (!q->count)
		return false;
	*out = q->rec[q->head];
	return true;
}

/* Take the oldest record into @out; false if the queue is empty. */
VISIBLE_IF_KUNIT bool kw_mount_notify_queue_pop(struct kw_mount_notify_queue *q,
						struct kw_mount_notify_record *out)
{
	if (!kw_mount_notify_queue_peek(q, out))
		return false;
	q->head = (q->head + 1) % (q->cap + 1);
	q->count--;
	if (out->mask == FAN_Q_OVERFLOW)
		q->overflow_queued = false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(kw_mount_notify_queue_pop);

/*
 * The bytes read() returns for a record: fanotify's, as a v6.15
 * FAN_REPORT_MNT group writes them (copy_event_to_user()).  Returns the
 * length, @buf holds KW_MOUNT_NOTIFY_EVENT_LEN.
 */
VISIBLE_IF_KUNIT size_t kw_mount_notify_format(const struct kw_mount_notify_record *r, void *buf)
{
	struct fanotify_event_metadata md = {
		.event_len = FAN_EVENT_METADATA_LEN,
		.vers = FANOTIFY_METADATA_VERSION,
		.metadata_len = FAN_EVENT_METADATA_LEN,
		.mask = r->mask,
		.fd = FAN_NOFD,
		.pid = r->pid,
	};
	struct fanotify_event_info_mnt info = {
		.hdr.info_type = FAN_EVENT_INFO_TYPE_MNT,
		.hdr.len = sizeof(info),
		.mnt_id = r->mnt_id,
	};

	if (r->mask != FAN_Q_OVERFLOW) {
		md.event_len += sizeof(info);
		memcpy(buf + FAN_EVENT_METADATA_LEN, &info, sizeof(info));
	}
	memcpy(buf, &md, sizeof(md));
	return md.event_len;
}
EXPORT_SYMBOL_IF_KUNIT(kw_mount_notify_format);

struct kw_mount_notify_watch {
	struct list_head node;		/* kw_mount_notify_watches */
	struct mnt_namespace *ns;	/* kept alive by @nsfile */
	struct file *nsfile;
	struct pid_namespace *pid_ns;	/* the watcher's, for event pids */
	u64 mask;
	spinlock_t lock;		/* @q */
	struct kw_mount_notify_queue q;
	struct mutex read_lock;		/* the one reader taking records */
	wait_queue_head_t wq;
	struct rcu_head rcu;
	kuid_t account;			/* kw_account_uid() of the creator */
};

static LIST_HEAD(kw_mount_notify_watches);
static DEFINE_SPINLOCK(kw_mount_notify_watches_lock);

/*
 * What fanotify bounds for a user without CAP_SYS_ADMIN in the initial
 * user namespace: fanotify_init() counts groups per user against
 * fs.fanotify.max_user_groups (128; EMFILE past it), and only
 * FAN_UNLIMITED_QUEUE (CAP_SYS_ADMIN) lifts the queue limit of
 * fs.fanotify.max_queued_events (16384).  A watch's ring is allocated up
 * front (the hooks cannot allocate), so without both limits one user in a
 * user namespace of its own could pin gigabytes of kernel memory.
 */
static unsigned int mount_watch_max_per_user = 128;
module_param(mount_watch_max_per_user, uint, 0644);
MODULE_PARM_DESC(mount_watch_max_per_user,
		 "Item 17: mount watches one user may have open (128, as fs.fanotify.max_user_groups)");

/* Queue @mask for mount @m to every watch of @ns (atomic context). */
static void kw_mount_notify_report(struct mnt_namespace *ns, struct mount *m, u32 mask)
{
	struct kw_mount_notify_watch *w;
	u64 id = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(w, &kw_mount_notify_watches, node) {
		u32 wmask = mask & w->mask;
		s32 pid;

		if (w->ns != ns || !wmask)
			continue;
		/* v6.1: the id table may need an entry (GFP_ATOMIC) */
		if (!id)
			id = kw_mnt_unique_id_gfp(m, GFP_ATOMIC);
		pid = task_tgid_nr_ns(current, w->pid_ns);
		spin_lock(&w->lock);
		if (id)
			kw_mount_notify_queue_push(&w->q, id, wmask, pid);
		else	/* no memory for an id: the watcher must re-read */
			kw_mount_notify_queue_push(&w->q, 0, FAN_Q_OVERFLOW, 0);
		spin_unlock(&w->lock);
		wake_up_interruptible_poll(&w->wq, EPOLLIN | EPOLLRDNORM);
	}
	rcu_read_unlock();
}

/* A move is reported as upstream's mnt_notify() does: both bits at once. */
#define KW_MOUNT_NOTIFY_MOVE	(FAN_MNT_ATTACH | FAN_MNT_DETACH)

/* Queue @mask for @m to the watches of its namespace, if it has one. */
static void kw_mount_notify_report_mount(struct mount *m, u32 mask)
{
	struct mnt_namespace *ns = kw_mnt_ns(m);

	if (ns)
		kw_mount_notify_report(ns, m, mask);
}

/* Lockless hint that spares the hooks their walk; kw_mount_notify_report() decides */
static bool kw_mount_notify_active(void)
{
	return !list_empty(&kw_mount_notify_watches);
}

/*
 * Hook destinations run the hooked function through its call gate; some
 * of them sleep (attach_recursive_mnt() allocates, chroot_fs_refs() puts
 * paths): each runs between kw_hook_enter() and kw_hook_leave(), and
 * kw_hooks_remove() waits for those in flight (kwish_core.h).
 */

static void kw_mount_notify_commit_tree(struct mount *mnt)
{
	int idx;
	struct mnt_namespace *to, *from;
	struct mount *p;

	idx = kw_hook_enter();
	if (kw_mount_notify_active()) {
		to = kw_mnt_ns(kw_mnt_parent(mnt));
		for (p = mnt; p; p = kw_mnt_next(p, mnt)) {
			from = kw_mnt_ns(p);
			if (from == to)
				continue;
			if (from)
				kw_mount_notify_report(from, p, FAN_MNT_DETACH);
			kw_mount_notify_report(to, p, FAN_MNT_ATTACH);
		}
	}
	kw_gate_commit_tree(mnt);
	kw_hook_leave(idx);
}

static int kw_mount_notify_attach_recursive_mnt(struct mount *src, struct mount *dest,
						void *mp, unsigned long flags)
{
	int idx;
	bool moving;
	int ret;

	idx = kw_hook_enter();
	moving = kw_mnt_parent(src) != src;	/* mnt_has_parent() */
	ret = kw_gate_attach_recursive_mnt(src, dest, mp, flags);
	if (!ret && moving && kw_mount_notify_active())
		kw_mount_notify_report_mount(src, KW_MOUNT_NOTIFY_MOVE);
	kw_hook_leave(idx);
	return ret;
}

static void kw_mount_notify_chroot_fs_refs(const struct path *old,
					   const struct path *new)
{
	int idx;

	idx = kw_hook_enter();
	if (kw_mount_notify_active()) {
		kw_mount_notify_report_mount(kwl_real_mount(old->mnt), KW_MOUNT_NOTIFY_MOVE);
		kw_mount_notify_report_mount(kwl_real_mount(new->mnt), KW_MOUNT_NOTIFY_MOVE);
	}
	kw_gate_chroot_fs_refs(old, new);
	kw_hook_leave(idx);
}

static void kw_mount_notify_mnt_change_mountpoint(struct mount *parent, void *mp,
						  struct mount *mnt)
{
	int idx;

	idx = kw_hook_enter();
	if (kw_mount_notify_active())
		kw_mount_notify_report_mount(mnt, KW_MOUNT_NOTIFY_MOVE);
	kw_gate_mnt_change_mountpoint(parent, mp, mnt);
	kw_hook_leave(idx);
}

static void kw_mount_notify_umount_tree(struct mount *mnt, unsigned int how)
{
	int idx;
	struct mount *p;

	idx = kw_hook_enter();
	/* the mounts umount_tree() gathers first */
	if (kw_mount_notify_active()) {
		for (p = mnt; p; p = kw_mnt_next(p, mnt))
			kw_mount_notify_report_mount(p, FAN_MNT_DETACH);
	}
	kw_gate_umount_tree(mnt, how);
	kw_hook_leave(idx);
}

static struct mount *kw_mount_notify_list_mount(struct list_head *entry)
{
	return (struct mount *)((char *)entry - KWL_mount_mnt_list_OFF);
}

static int kw_mount_notify_propagate_umount(struct list_head *list)
{
	int idx;
	struct list_head *last = list->prev, *pos;
	int ret;

	idx = kw_hook_enter();
	ret = kw_gate_propagate_umount(list);
	/* what propagate_umount() spliced to the tail of @list */
	if (kw_mount_notify_active()) {
		for (pos = last->next; pos != list; pos = pos->next)
			kw_mount_notify_report_mount(kw_mount_notify_list_mount(pos),
						     FAN_MNT_DETACH);
	}
	kw_hook_leave(idx);
	return ret;
}

static struct kw_hook kw_mount_notify_gates[] = {
	KW_GATE_HOOK(commit_tree),
	KW_GATE_HOOK(attach_recursive_mnt),
	KW_GATE_HOOK(chroot_fs_refs),
	KW_GATE_HOOK(mnt_change_mountpoint),
	KW_GATE_HOOK(umount_tree),
	KW_GATE_HOOK(propagate_umount),
	KW_GATE_HOOK(security_path_notify),
};

/* Installed after the gates, removed before them. */
static struct kw_hook kw_mount_notify_hooks[] = {
	{ .name = "commit_tree (item 17)",
	  .target_sym = "commit_tree", .dest_fn = kw_mount_notify_commit_tree },
	{ .name = "attach_recursive_mnt (item 17)",
	  .target_sym = "attach_recursive_mnt",
	  .dest_fn = kw_mount_notify_attach_recursive_mnt },
	{ .name = "chroot_fs_refs (item 17)",
	  .target_sym = "chroot_fs_refs", .dest_fn = kw_mount_notify_chroot_fs_refs },
	{ .name = "mnt_change_mountpoint (item 17)",
	  .target_sym = "mnt_change_mountpoint",
	  .dest_fn = kw_mount_notify_mnt_change_mountpoint },
	{ .name = "umount_tree (item 17)",
	  .target_sym = "umount_tree", .dest_fn = kw_mount_notify_umount_tree },
	{ .name = "propagate_umount (item 17)",
	  .target_sym = "propagate_umount",
	  .dest_fn = kw_mount_notify_propagate_umount },
};

/*
 * The hooks are installed when the first watch is made, and stay until
 * unload: until then mounting costs nothing, and the dozen ftrace
 * registrations are not paid by every modprobe.  Installed before the
 * first watch is on the list, so that watch misses nothing.
 */
static DEFINE_MUTEX(kw_mount_notify_arm_lock);
static bool kw_mount_notify_armed;

static int kw_mount_notify_arm(void)
{
	char why[KWISH_REASON_LEN];
	int err = 0;

	mutex_lock(&kw_mount_notify_arm_lock);
	if (kw_mount_notify_armed)
		goto out;
	err = kw_hooks_install(kw_mount_notify_gates, ARRAY_SIZE(kw_mount_notify_gates),
			       why, sizeof(why));
	if (!err) {
		err = kw_hooks_install(kw_mount_notify_hooks, ARRAY_SIZE(kw_mount_notify_hooks),
				       why, sizeof(why));
		if (err)
			kw_hooks_remove(kw_mount_notify_gates,
					ARRAY_SIZE(kw_mount_notify_gates));
	}
	if (err)
		pr_warn_ratelimited("item 17: cannot install hooks: %s\n", why);
	else
		kw_mount_notify_armed = true;
out:
	mutex_unlock(&kw_mount_notify_arm_lock);
	return err;
}

/* The kernel functions item 17 needs, or the first one missing. */
static const char *kw_mount_notify_missing_symbol(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kw_mount_notify_gates); i++)
		if (!kw_lookup_name(kw_mount_notify_gates[i].dest_sym))
			return kw_mount_notify_gates[i].dest_sym;
	for (i = 0; i < ARRAY_SIZE(kw_mount_notify_hooks); i++)
		if (!kw_lookup_name(kw_mount_notify_hooks[i].target_sym))
			return kw_mount_notify_hooks[i].target_sym;
	return NULL;
}

/* Watches of @account (kw_mount_notify_watches_lock held): a creation is rare. */
static unsigned int kw_mount_notify_user_watches(kuid_t account)
{
	struct kw_mount_notify_watch *w;
	unsigned int n = 0;

	list_for_each_entry(w, &kw_mount_notify_watches, node)
		n += uid_eq(w->account, account);
	return n;
}

static void kw_mount_notify_watch_free(struct kw_mount_notify_watch *w)
{
	if (w->nsfile)
		fput(w->nsfile);
	if (w->pid_ns)
		put_pid_ns(w->pid_ns);
	kvfree(w->q.rec);
	kfree(w);
}

static void kw_mount_notify_watch_free_rcu(struct rcu_head *head)
{
	struct kw_mount_notify_watch *w = container_of(head, struct kw_mount_notify_watch, rcu);

	/* fput() and put_pid_ns() from RCU callbacks are fine (deferred) */
	kw_mount_notify_watch_free(w);
}

/* Take @w off the list; freed once no hook can still see it. */
static void kw_mount_notify_watch_drop(struct kw_mount_notify_watch *w)
{
	spin_lock(&kw_mount_notify_watches_lock);
	list_del_rcu(&w->node);
	spin_unlock(&kw_mount_notify_watches_lock);
	call_rcu(&w->rcu, kw_mount_notify_watch_free_rcu);
}

static int kw_mount_notify_release(struct inode *inode, struct file *file)
{
	kw_mount_notify_watch_drop(file->private_data);
	return 0;
}

static bool kw_mount_notify_pending(struct kw_mount_notify_watch *w)
{
	return READ_ONCE(w->q.count) != 0;
}

static __poll_t kw_mount_notify_poll(struct file *file, poll_table *pt)
{
	struct kw_mount_notify_watch *w = file->private_data;

	poll_wait(file, &w->wq, pt);
	return kw_mount_notify_pending(w) ? EPOLLIN | EPOLLRDNORM : 0;
}

/*
 * Copy whole events to @buf while they fit.  A record leaves the queue
 * only once it has been copied, so one that does not fit or faults stays
 * for the next read.  The hooks only add at the tail and the caller
 * holds @w->read_lock, so the record peeked is still the one popped.
 */
static ssize_t kw_mount_notify_copy_events(struct kw_mount_notify_watch *w, char __user *buf,
					   size_t count)
{
	char ev[KW_MOUNT_NOTIFY_EVENT_LEN];
	struct kw_mount_notify_record r;
	size_t done = 0, len;
	bool have;

	for (;;) {
		spin_lock(&w->lock);
		have = kw_mount_notify_queue_peek(&w->q, &r);
		spin_unlock(&w->lock);
		if (!have)
			return done;
		len = kw_mount_notify_format(&r, ev);
		if (len > count - done)
			return done ? : -EINVAL;
		if (copy_to_user(buf + done, ev, len))
			return done ? : -EFAULT;
		spin_lock(&w->lock);
		kw_mount_notify_queue_pop(&w->q, &r);
		spin_unlock(&w->lock);
		done += len;
	}
}

/* As fanotify_read(): whole events; EINVAL if not even one fits. */
static ssize_t kw_mount_notify_read(struct file *file, char __user *buf, size_t count,
				    loff_t *ppos)
{
	struct kw_mount_notify_watch *w = file->private_data;
	ssize_t ret;

	for (;;) {
		ret = mutex_lock_interruptible(&w->read_lock);
		if (ret)
			return ret;
		ret = kw_mount_notify_copy_events(w, buf, count);
		mutex_unlock(&w->read_lock);
		if (ret)
			return ret;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(w->wq, kw_mount_notify_pending(w));
		if (ret)
			return ret;
	}
}

static const struct file_operations kw_mount_notify_fops = {
	.owner = THIS_MODULE,	/* a watch fd pins kwish_mount */
	.release = kw_mount_notify_release,
	.poll = kw_mount_notify_poll,
	.read = kw_mount_notify_read,
	.llseek = noop_llseek,
};

/* The mount namespace of an nsfs file, or NULL. */
static struct mnt_namespace *kw_mount_notify_file_mnt_ns(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct ns_common *nsc;

	/* fs/nsfs.c's proc_ns_file() is not exported: test the fs magic */
	if (inode->i_sb->s_magic != NSFS_MAGIC)
		return NULL;
	nsc = get_proc_ns(inode);
	if (!nsc || !nsc->ops || nsc->ops->type != CLONE_NEWNS)
		return NULL;
	return (struct mnt_namespace *)((char *)nsc -
					KWL_mnt_namespace_ns_OFF);
}

VISIBLE_IF_KUNIT int kw_mount_notify_check_args(const struct kwish_mount_watch *arg)
{
	int fl = O_RDONLY | O_CLOEXEC;

	if (!arg->mask || (arg->mask & ~(u64)KW_MOUNT_NOTIFY_MASKS))
		return -EINVAL;
	if (arg->queue_len > KWISH_MOUNT_WATCH_QUEUE_MAX)
		return -EINVAL;
	if (arg->flags & KWISH_MOUNT_WATCH_NONBLOCK)
		fl |= O_NONBLOCK;
	if (arg->flags & KWISH_MOUNT_WATCH_NO_CLOEXEC)
		fl &= ~O_CLOEXEC;
	return fl;
}
EXPORT_SYMBOL_IF_KUNIT(kw_mount_notify_check_args);

static long kw_cmd_mount_watch(struct kw_ucmd *ucmd)
{
	const struct kwish_mount_watch *arg = ucmd->cmd;
	struct user_namespace *owner;
	struct mnt_namespace *ns;
	struct kw_mount_notify_watch *w;
	struct file *file;
	int fd_flags, err;
	u32 cap;

	fd_flags = kw_mount_notify_check_args(arg);
	if (fd_flags < 0)
		return fd_flags;
	/* fanotify_init(FAN_REPORT_MNT) in v6.16: admin of the caller's ns */
	if (!ns_capable(current_user_ns(), CAP_SYS_ADMIN))
		return -EPERM;
	/* beyond fanotify's default queue: as FAN_UNLIMITED_QUEUE */
	if (arg->queue_len > KWISH_MOUNT_WATCH_QUEUE_DEFAULT &&
	    !capable(CAP_SYS_ADMIN))
		return -EPERM;
	file = fget(arg->mntns_fd);
	if (!file)
		return -EBADF;
	err = -EINVAL;
	ns = kw_mount_notify_file_mnt_ns(file);
	if (!ns)
		goto out_fput;
	/* fanotify_mark(FAN_MARK_MNTNS): admin of the namespace's owner */
	err = -EPERM;
	owner = KWL(mnt_namespace, user_ns, struct user_namespace *, ns);
	if (!ns_capable(owner, CAP_SYS_ADMIN))
		goto out_fput;
	/* the hooks, and the gate the LSM check goes through */
	err = kw_mount_notify_arm();
	if (err)
		goto out_fput;
	/*
	 * fanotify_mark()'s LSM check.  v6.1 and v6.12 have no object type
	 * for a namespace (v6.15 added FSNOTIFY_OBJ_TYPE_MNTNS and SELinux
	 * file:watch_mountns): ask as for a mount mark (file:watch_mount).
	 */
	if (IS_ENABLED(CONFIG_SECURITY)) {
		err = kw_gate_security_path_notify(&file->f_path, 0,
						   FSNOTIFY_OBJ_TYPE_VFSMOUNT);
		if (err)
			goto out_fput;
	}

	err = -ENOMEM;
	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		goto out_fput;
	w->account = kw_account_uid(current_cred());
	cap = arg->queue_len ? : KWISH_MOUNT_WATCH_QUEUE_DEFAULT;
	w->q.cap = cap;
	w->q.rec = kvcalloc(cap + 1, sizeof(*w->q.rec), GFP_KERNEL_ACCOUNT);
	if (!w->q.rec) {
		kw_mount_notify_watch_free(w);
		goto out_fput;
	}
	w->ns = ns;
	w->nsfile = file;	/* the reference is the watch's now */
	w->pid_ns = get_pid_ns(task_active_pid_ns(current));
	w->mask = arg->mask;
	spin_lock_init(&w->lock);
	mutex_init(&w->read_lock);
	init_waitqueue_head(&w->wq);

	/*
	 * Armed from here: every change whose hook runs after this is
	 * queued; one whose hook ran before completes before namespace_sem
	 * is released, so a table read after this call shows it.
	 */
	spin_lock(&kw_mount_notify_watches_lock);
	if (kw_mount_notify_user_watches(w->account) >=
	    READ_ONCE(mount_watch_max_per_user)) {
		spin_unlock(&kw_mount_notify_watches_lock);
		w->nsfile = NULL;	/* still the caller's reference */
		kw_mount_notify_watch_free(w);
		err = -EMFILE;
		goto out_fput;
	}
	list_add_tail_rcu(&w->node, &kw_mount_notify_watches);
	spin_unlock(&kw_mount_notify_watches_lock);

	err = anon_inode_getfd("[kwish_mount_watch]", &kw_mount_notify_fops, w,
			       fd_flags);
	if (err < 0)
		kw_mount_notify_watch_drop(w);
	return err;

out_fput:
	fput(file);
	return err;
}

/* the uapi sizes: a struct never changes, it only grows */
static_assert(sizeof(struct kwish_mount_watch) == KWISH_MOUNT_WATCH_SIZE_VER0);
static_assert(sizeof(struct fanotify_event_info_mnt) == 16);

static const struct kw_cmd kw_mount_notify_cmds[] = {
	KW_IOCTL_OP(KWISH_CMD_MOUNT_WATCH, kw_cmd_mount_watch,
		    struct kwish_mount_watch, mask,
		    KWISH_MOUNT_WATCH_NONBLOCK | KWISH_MOUNT_WATCH_NO_CLOEXEC),
};

/*
 * kw_hooks_remove() returns once no call the hooks diverted still runs in
 * a destination; then the gates those calls use may go.
 */
static void kw_mount_notify_unhook(void)
{
	kw_hooks_remove(kw_mount_notify_hooks, ARRAY_SIZE(kw_mount_notify_hooks));
	kw_hooks_remove(kw_mount_notify_gates, ARRAY_SIZE(kw_mount_notify_gates));
}

static enum kwish_feature_state kw_mount_notify_probe(struct kw_feature *f)
{
	const char *missing;

	/*
	 * v6.15+: fanotify reports mounts itself; kwish_core reports the
	 * item native, kwish stays out: no hooks, and no KWISH_MOUNT_WATCH
	 * either (EOPNOTSUPP), programs use fanotify.
	 */
	if (kw_item_native(17))
		return KWISH_STATE_NOT_LOADED;
	if (kw_mount_table_error() || !KWL_HAVE(mount, mnt_list)) {
		strscpy(f->reason, kw_mount_table_error() ? :
			"layout of struct mount.mnt_list not found",
			sizeof(f->reason));
		return KWISH_STATE_UNAVAILABLE;
	}
	missing = kw_mount_notify_missing_symbol();
	if (missing) {
		snprintf(f->reason, sizeof(f->reason),
			 "kernel function %s not found", missing);
		return KWISH_STATE_UNAVAILABLE;
	}
	return KWISH_STATE_PRESENT;
}

/* The hooks are installed with the first watch (kw_mount_notify_arm()). */
static void kw_mount_notify_teardown(struct kw_feature *f)
{
	if (kw_mount_notify_armed)
		kw_mount_notify_unhook();
	kw_mount_notify_armed = false;
	/* watches pin the module: none is left, but their RCU frees may be */
	rcu_barrier();
}

struct kw_feature kw_mount_notify_feature = {
	.id = 17,
	.cmds = kw_mount_notify_cmds,
	.nr_cmds = ARRAY_SIZE(kw_mount_notify_cmds),
	.present = "KWISH_MOUNT_WATCH: fanotify FAN_REPORT_MNT records on a kwish fd",
	.probe = kw_mount_notify_probe,
	.teardown = kw_mount_notify_teardown,
};
