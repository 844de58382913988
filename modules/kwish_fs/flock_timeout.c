// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs, item 22: flock() with a timeout, as KWISH_FLOCK_TIMEOUT.
 *
 * How it works.  flock(2) (SYSCALL_DEFINE2(flock) in fs/locks.c, the same
 * in v6.1 and v6.12) builds a FL_FLOCK request for the open file
 * description, asks security_file_lock(), and for a file system without
 * its own ->flock calls locks_lock_file_wait() -> flock_lock_inode_wait(),
 * a loop of
 *
 *   flock_lock_inode()     take the lock, or queue the request on the
 *                          conflicting lock's fl_blocked_requests (with
 *                          FL_SLEEP) and return FILE_LOCK_DEFERRED
 *   wait_event_interruptible(request's fl_wait,
 *                            list_empty(&request's fl_blocked_member))
 *                          the releaser's __locks_wake_up_blocks() takes
 *                          the request off that list and wakes it
 *
 * ended by locks_delete_block(), which takes the request off the blocked
 * list if it is still there (a signal) and wakes the requests queued
 * behind it.  kwish runs the same loop with a deadline: the wait is
 * wait_event_interruptible_hrtimeout() with the same wait queue and
 * condition, so a release wakes the caller at once, exactly like a plain
 * flock() waiter queued on the same list (no polling, and no waiter is
 * preferred: both retry flock_lock_inode() when woken), and a timeout
 * ends with the same locks_delete_block(), so no request stays queued.
 * A request that timed out never holds the lock: only flock_lock_inode()
 * returning 0 grants it.
 *
 * Kernel functions:
 *   fget()                  the fd; refuses O_PATH fds (EBADF), as the
 *                           syscall's fdget() does
 *   security_file_lock()    the LSM hook flock(2) calls; not exported
 *                           (v6.1, v6.12): reached through a call gate
 *   flock_lock_inode()      static in fs/locks.c (v6.1, v6.12), the
 *                           function flock(2) ends in: reached through a
 *                           call gate.  It also does flock(2)'s conversion
 *                           of a lock held through the same open file
 *                           description (the old lock is removed first,
 *                           then the new one is asked for, as flock(2)
 *                           documents: a conversion that times out leaves
 *                           no lock, as one that fails with LOCK_NB does)
 *   locks_init_lock(), locks_delete_block(), locks_release_private()
 *                           exported (fs/locks.c)
 * The fields of struct file_lock moved into struct file_lock_core in
 * v6.9 (v6.12): kw_fl_*() in compat/filelock.h.
 *
 * File systems with their own ->flock (NFS, CIFS, FUSE, 9p, Ceph, GFS2,
 * OCFS2, AFS, ...) lock remotely and wait their own way, without this
 * wait queue: they are refused with -EOPNOTSUPP instead of being polled.
 *
 * A signal ends the wait with -ERESTARTNOHAND: EINTR when a handler runs,
 * with or without SA_RESTART (flock(2) would be restarted with it, but a
 * restarted call would start the relative timeout again: poll(), select()
 * and epoll_wait() behave the same), and a transparent restart when no
 * handler runs (a stop signal, the freezer), where the caller never sees
 * the interruption.
 */

#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/string.h>
#include <linux/wait.h>

#include <kwish_core.h>
#include <gates/fs/locks.h>
#include <gates/security/security.h>
#include "kwish_fs.h"

static struct kw_hook kw_flock_timeout_gates[] = {
	KW_GATE_HOOK(flock_lock_inode),
	KW_GATE_HOOK(security_file_lock),
};

/*
 * The lock type for @arg's operation, F_RDLCK (LOCK_SH) or F_WRLCK
 * (LOCK_EX), or -EINVAL: for a non-zero reserved field and for any other
 * operation.  LOCK_UN never waits (flock(2) does it), LOCK_NB is a
 * timeout of 0, and LOCK_MAND, which flock(2) still ignores for old
 * binaries, has no place in a new interface.
 */
VISIBLE_IF_KUNIT int kw_flock_timeout_check_args(const struct kwish_flock_timeout *arg)
{
	if (arg->__reserved)
		return -EINVAL;
	switch (arg->operation) {
	case LOCK_SH:
		return F_RDLCK;
	case LOCK_EX:
		return F_WRLCK;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(kw_flock_timeout_check_args);

/*
 * The deadline of a wait of @timeout_ns nanoseconds that starts at @now:
 * KTIME_MAX (no timer at all, as wait_event_interruptible_hrtimeout()
 * treats it) for timeouts that reach beyond what ktime_t can express
 * (about 292 years), so that U64_MAX means "wait as long as flock()".
 */
VISIBLE_IF_KUNIT ktime_t kw_flock_timeout_deadline(u64 timeout_ns, ktime_t now)
{
	if (timeout_ns >= (u64)KTIME_MAX)
		return KTIME_MAX;
	return ktime_add_safe(now, ns_to_ktime(timeout_ns));
}
EXPORT_SYMBOL_IF_KUNIT(kw_flock_timeout_deadline);

/* What is left of the wait until @deadline: > 0, or 0 if it is over. */
VISIBLE_IF_KUNIT ktime_t kw_flock_timeout_remaining(ktime_t deadline, ktime_t now)
{
	if (deadline == KTIME_MAX)
		return KTIME_MAX;
	if (ktime_compare(deadline, now) <= 0)
		return 0;
	return ktime_sub(deadline, now);
}
EXPORT_SYMBOL_IF_KUNIT(kw_flock_timeout_remaining);

/* The condition flock_lock_inode_wait() waits for (see below). */
static bool kw_flock_timeout_woken(struct file_lock *fl)
{
	return list_empty(&kw_fl_blocked_member(fl));
}

/*
 * flock_lock_inode_wait() with a deadline.  @fl has FL_SLEEP unless the
 * caller asked for a single try.
 */
static int kw_flock_timeout_lock_wait(struct inode *inode, struct file_lock *fl,
				      ktime_t deadline)
{
	ktime_t left;
	int err;

	might_sleep();
	for (;;) {
		/* through item 4, which counts the releases of watched inodes */
		err = kw_fs_flock_lock_inode(inode, fl,
					     kw_gate_flock_lock_inode);
		if (err != FILE_LOCK_DEFERRED)
			break;
		/*
		 * Queued behind a conflicting lock.  The condition is the one
		 * flock_lock_inode_wait() waits for: the releaser (or
		 * locks_delete_block() of the lock we are queued behind) took
		 * the request off fl_blocked_member and woke fl_wait; then
		 * flock_lock_inode() is tried again, as for every waiter.
		 */
		left = kw_flock_timeout_remaining(deadline, ktime_get());
		if (!left) {
			err = -ETIMEDOUT;
			break;
		}
		err = wait_event_interruptible_hrtimeout(kw_fl_wait(fl),
							 kw_flock_timeout_woken(fl), left);
		if (err == -ETIME) {
			err = -ETIMEDOUT;
			break;
		}
		if (err) {
			/* -ERESTARTSYS: see the top of this file */
			err = -ERESTARTNOHAND;
			break;
		}
	}
	/* Off the blocked list (if still on it), as flock_lock_inode_wait() */
	locks_delete_block(fl);
	return err;
}

VISIBLE_IF_KUNIT long kw_fs_flock_timeout(struct kw_ucmd *ucmd)
{
	const struct kwish_flock_timeout *arg = ucmd->cmd;
	struct file_lock fl;
	struct file *file;
	ktime_t deadline;
	int type, err;

	type = kw_flock_timeout_check_args(arg);
	if (type < 0)
		return type;
	/* Taken before anything else, so the wait is never longer. */
	deadline = kw_flock_timeout_deadline(arg->timeout_ns, ktime_get());

	/* fget(): not O_PATH, as flock(2)'s fdget() */
	file = fget(arg->fd);
	if (!file)
		return -EBADF;
	/* flock(2): a lock needs a file opened for reading or writing */
	err = -EBADF;
	if (!(file->f_mode & (FMODE_READ | FMODE_WRITE)))
		goto out_fput;

	/* flock_make_lock() (static in fs/locks.c): the request flock() makes */
	locks_init_lock(&fl);
	kw_fl_file(&fl) = file;
	kw_fl_owner(&fl) = file;
	kw_fl_pid(&fl) = current->tgid;
	kw_fl_flags(&fl) = FL_FLOCK;
	kw_fl_type(&fl) = type;
	fl.fl_end = OFFSET_MAX;

	err = kw_gate_security_file_lock(file, type);
	if (err)
		goto out_fput;

	if (file->f_op->flock) {
		err = -EOPNOTSUPP;
		goto out_release;
	}

	if (arg->timeout_ns)
		kw_fl_flags(&fl) |= FL_SLEEP;
	err = kw_flock_timeout_lock_wait(file_inode(file), &fl, deadline);
out_release:
	locks_release_private(&fl);
out_fput:
	fput(file);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kw_fs_flock_timeout);

/* the uapi sizes: a struct never changes, it only grows */
static_assert(sizeof(struct kwish_flock_timeout) == KWISH_FLOCK_TIMEOUT_SIZE_VER0);

static const struct kw_cmd kw_flock_timeout_cmds[] = {
	KW_IOCTL_OP(KWISH_CMD_FLOCK_TIMEOUT, kw_fs_flock_timeout,
		    struct kwish_flock_timeout, __reserved, 0),
};

struct kw_feature kw_flock_timeout_feature = {
	.id = 22,
	.cmds = kw_flock_timeout_cmds,
	.nr_cmds = ARRAY_SIZE(kw_flock_timeout_cmds),
	.gates = kw_flock_timeout_gates,
	.nr_gates = ARRAY_SIZE(kw_flock_timeout_gates),
	.present =
		"flock_lock_inode() with an hrtimer deadline on the lock's wait queue",
};
