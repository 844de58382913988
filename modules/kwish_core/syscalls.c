// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_core: the syscall backport.  Upstream system call numbers that
 * the running kernel does not have (statmount 457 and listmount 458 on
 * v6.1, open_tree_attr 467 on v6.1 and v6.12), answered by a feature
 * module for unmodified programs, x86_64 ABI only.
 *
 * Mechanism.  v6.1's and v6.12's do_syscall_64() answer a number past
 * their table with -ENOSYS without calling anything a module could hook:
 * __x64_sys_ni_syscall() is inlined there (arch/x86/entry/common.c is
 * built without ftrace, and do_syscall_64() is noinstr, where kprobes are
 * refused).  What the kernel does offer modules on every syscall is the
 * sys_enter tracepoint (syscall_trace_enter(), kernel/entry/common.c),
 * after seccomp and ptrace have had their say.  Our probe, for a
 * registered number only, queues a task_work (TWA_RESUME); the kernel
 * then answers -ENOSYS as always, and on the way back to user space
 * (exit_to_user_mode_loop()) the work runs in the caller's context,
 * sleepable, makes the call and stores its result in the saved ax: the
 * caller sees exactly the syscall's result.  Audit and the sys_exit
 * tracepoint see ENOSYS for these numbers.
 *
 * Cost.  While any probe is on sys_enter, syscall_regfunc() marks every
 * task SYSCALL_WORK_SYSCALL_TRACEPOINT, and every syscall of every task
 * takes the slow path (as under `perf trace`): getppid() costs about a
 * third more.  No module-reachable mechanism avoids this on v6.1 or
 * v6.12, so the probe is off by default (kwish_core syscalls=0): the
 * backported calls are then reached through /dev/kwish (libkwish,
 * kwishctl), and a machine that wants unmodified programs to reach them
 * turns the numbers on, at load (modprobe.d) or at any time:
 *	echo 1 > /sys/module/kwish_core/parameters/syscalls
 * The probe is registered only while the switch is on and at least one
 * number is registered; `make bench` (idle_overhead_bench) measures both.
 *
 * Unloading while calls are queued.  A queued work runs when its task
 * gets to it, and the call may then block for as long as user space
 * likes (copy_to_user() to a userfaultfd or FUSE page, a writer holding
 * namespace_sem).  Waiting for such works at unload would leave rmmod in
 * D state at user space's mercy, and task_work_cancel() is not exported.
 * So every queued work holds a reference on the module that registered
 * the number, taken by the probe and dropped as the work's last
 * statement: while one is pending, that module's rmmod fails with EAGAIN,
 * like an open fd of it.  The instructions after that module_put() are
 * kwish_core's, which cannot go before its users; kw_syscalls_exit()
 * waits for them with an RCU-tasks grace period.
 */

#include <linux/bits.h>
#include <linux/compat.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>

#include "core.h"

static DEFINE_MUTEX(kw_sys_lock);
/* by number - KW_SYSCALL_FIRST; written under kw_sys_lock */
static struct kw_syscall __rcu *kw_sys_table[KW_SYSCALL_SLOTS];
/* the numbers in kw_sys_table, for the probe's first test */
static u64 kw_sys_mask;
static unsigned int kw_sys_count;
static bool kw_sys_enabled;
static bool kw_sys_probe_on;
static struct tracepoint *kw_sys_enter_tp;
static char kw_sys_error[KWISH_REASON_LEN];

struct kw_sys_work {
	struct callback_head cb;
	struct kw_syscall *sc;
};

static void kw_sys_work(struct callback_head *cb)
{
	struct kw_sys_work *w = container_of(cb, struct kw_sys_work, cb);
	struct pt_regs *regs = task_pt_regs(current);
	struct kw_syscall *sc = w->sc;

	kfree(w);
	/*
	 * Works queued in a syscall run on the way out of it (or first
	 * thing in get_signal() or ptrace_notify()); should one ever run
	 * from do_exit()'s exit_task_work(), the task has no namespaces or
	 * fs left: leave its -ENOSYS alone.  The number is the one the
	 * kernel dispatched (orig_ax), which a tracer may have changed
	 * since the probe: then this is not our call either.
	 */
	if (likely(!(current->flags & PF_EXITING) && current->nsproxy &&
		   current->fs && regs->orig_ax == sc->nr))
		regs->ax = sc->call(regs);
	/* the last statement: see "Unloading while calls are queued" */
	module_put(sc->owner);
}

/* sys_enter probe: atomic context, every syscall of every task. */
static void kw_sys_enter(void *data, struct pt_regs *regs, long id)
{
	unsigned long slot = id - KW_SYSCALL_FIRST;
	struct kw_syscall *sc;
	struct kw_sys_work *w;

	if (likely(slot >= KW_SYSCALL_SLOTS ||
		   !(READ_ONCE(kw_sys_mask) & BIT_ULL(slot))))
		return;
	/* x86_64 ABI only: ia32 has other numbers and registers */
	if (in_compat_syscall() || current->flags & PF_KTHREAD)
		return;
	rcu_read_lock();
	sc = rcu_dereference(kw_sys_table[slot]);
	/* not while its module loads or unloads: the caller gets ENOSYS */
	if (!sc || READ_ONCE(sc->owner->state) != MODULE_STATE_LIVE ||
	    !try_module_get(sc->owner))
		sc = NULL;
	rcu_read_unlock();
	if (!sc)
		return;
	w = kmalloc(sizeof(*w), GFP_ATOMIC | __GFP_NOWARN);
	if (!w)
		goto out_put;		/* the caller gets ENOSYS */
	w->sc = sc;
	init_task_work(&w->cb, kw_sys_work);
	if (!task_work_add(current, &w->cb, TWA_RESUME))
		return;
	kfree(w);
out_put:
	module_put(sc->owner);
}

static void kw_find_sys_enter(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sys_enter"))
		kw_sys_enter_tp = tp;
}

/* Probe on while enabled and wanted, off otherwise (kw_sys_lock held). */
static void kw_sys_update_locked(void)
{
	bool want = kw_sys_enabled && kw_sys_count;
	int err;

	if (want == kw_sys_probe_on)
		return;
	if (!want) {
		tracepoint_probe_unregister(kw_sys_enter_tp, kw_sys_enter,
					    NULL);
		/* no CPU is in the probe any more */
		tracepoint_synchronize_unregister();
		kw_sys_probe_on = false;
		return;
	}
	if (!kw_sys_enter_tp)
		for_each_kernel_tracepoint(kw_find_sys_enter, NULL);
	if (!kw_sys_enter_tp) {
		strscpy(kw_sys_error, "no sys_enter tracepoint",
			sizeof(kw_sys_error));
		return;
	}
	err = tracepoint_probe_register(kw_sys_enter_tp, kw_sys_enter, NULL);
	if (err) {
		snprintf(kw_sys_error, sizeof(kw_sys_error),
			 "sys_enter tracepoint refused the probe (%d)", err);
		return;
	}
	kw_sys_error[0] = '\0';
	kw_sys_probe_on = true;
}

/*
 * Called by the registry, for a feature registered PRESENT, with @sc
 * already checked (__kw_feature_register()).
 */
int kw_syscall_add(struct kw_syscall *sc, struct module *owner)
{
	unsigned long slot = sc->nr - KW_SYSCALL_FIRST;
	int err = 0;

	sc->owner = owner;
	mutex_lock(&kw_sys_lock);
	if (rcu_access_pointer(kw_sys_table[slot])) {
		err = -EBUSY;
	} else {
		rcu_assign_pointer(kw_sys_table[slot], sc);
		WRITE_ONCE(kw_sys_mask, kw_sys_mask | BIT_ULL(slot));
		kw_sys_count++;
		kw_sys_update_locked();
	}
	mutex_unlock(&kw_sys_lock);
	return err;
}

/*
 * A probe may still be looking at @sc under rcu_read_lock(): the registry
 * waits for a grace period before the feature can go
 * (kw_feature_unregister()).  A probe that found @sc holds a reference
 * on its module, which is unloading only when none is held.
 */
void kw_syscall_del(struct kw_syscall *sc)
{
	unsigned long slot = sc->nr - KW_SYSCALL_FIRST;

	mutex_lock(&kw_sys_lock);
	if (rcu_access_pointer(kw_sys_table[slot]) == sc) {
		WRITE_ONCE(kw_sys_mask, kw_sys_mask & ~BIT_ULL(slot));
		RCU_INIT_POINTER(kw_sys_table[slot], NULL);
		kw_sys_count--;
		kw_sys_update_locked();
	}
	mutex_unlock(&kw_sys_lock);
}

bool kw_syscalls_answered(char *why, size_t len)
{
	bool on;

	mutex_lock(&kw_sys_lock);
	on = kw_sys_probe_on;
	if (!on)
		strscpy(why, kw_sys_error[0] ? kw_sys_error :
			"off (kwish_core syscalls=1 slows every syscall)",
			len);
	mutex_unlock(&kw_sys_lock);
	return on;
}

static int kw_sys_param_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err)
		return err;
	mutex_lock(&kw_sys_lock);
	kw_sys_enabled = on;
	kw_sys_update_locked();
	err = on && kw_sys_count && !kw_sys_probe_on ? -EIO : 0;
	mutex_unlock(&kw_sys_lock);
	return err;
}

static int kw_sys_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%c\n", READ_ONCE(kw_sys_enabled) ? 'Y' : 'N');
}

static const struct kernel_param_ops kw_sys_param_ops = {
	.set = kw_sys_param_set,
	.get = kw_sys_param_get,
};
module_param_cb(syscalls, &kw_sys_param_ops, NULL, 0644);
MODULE_PARM_DESC(syscalls,
		 "answer upstream syscall numbers this kernel lacks (statmount, listmount on 6.1); every syscall of every task then takes the slow path (default off: /dev/kwish only)");

void kw_syscalls_exit(void)
{
	/* every user unregistered, so the probe is off */
	WARN_ON(kw_sys_probe_on || kw_sys_count);
	/* a work may still be after its module_put(): see the top */
	synchronize_rcu_tasks();
}
