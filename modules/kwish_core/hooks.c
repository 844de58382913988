// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_core: the one ftrace hook registry.
 *
 * Every hook kwish installs goes through here (design.md section 4): a table
 * of {function, destination, filter}, resolved at load, installed
 * all-or-nothing, removed on unload, one IPMODIFY owner per function.
 *
 * Mechanism (x86_64, v6.1 and v6.12): an ftrace_ops with
 * FTRACE_OPS_FL_IPMODIFY on the function's __fentry__ site.  The callback
 * runs before the function's first instruction with the argument
 * registers saved; to divert the call it sets the saved ip to the
 * destination, and the ftrace trampoline "returns" there (RET, not an
 * indirect CALL/JMP, so a destination without ENDBR is fine under IBT).
 * This is the mechanism livepatch uses (kernel/livepatch/patch.c); like
 * livepatch we do not ask for FTRACE_OPS_FL_SAVE_REGS, because x86 has
 * DYNAMIC_FTRACE_WITH_ARGS, which saves the argument registers and honours
 * a changed ip.
 *
 * FTRACE_OPS_FL_PERMANENT: a kwish hook may enforce a security rule (item
 * 8 refuses to open non-regular files); with PERMANENT, writing 0 to
 * kernel.ftrace_enabled fails while the hook is installed instead of
 * silently switching the rule off.
 *
 * FTRACE_OPS_FL_RECURSION: ftrace itself keeps the callback from
 * recursing; the callback calls nothing traceable anyway.
 */

#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include "core.h"

static DEFINE_MUTEX(kw_hooks_lock);
static LIST_HEAD(kw_hooks_installed);

static void notrace kw_hook_callback(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *ops,
				     struct ftrace_regs *fregs)
{
	struct kw_hook *hook = container_of(ops, struct kw_hook, ops);
	struct pt_regs *regs = kw_fregs_regs(fregs);

	/*
	 * Recursion guard: a destination or a call gate of the owning module
	 * may call the hooked kernel function itself; such calls run the
	 * original.  (Call gates are functions of the owner: their callers
	 * are the owner too, so the guard does not apply to them.)
	 */
	if (hook->target_sym && within_module(parent_ip, hook->owner))
		return;

	if (hook->filter) {
		unsigned long args[6] = {
			regs->di, regs->si, regs->dx,
			regs->cx, regs->r8, regs->r9,
		};

		if (!hook->filter(args))
			return;
	}
	ftrace_regs_set_instruction_pointer(fregs, hook->dest);
}

static struct kw_hook *kw_hook_find_locked(unsigned long target)
{
	struct kw_hook *hook;

	list_for_each_entry(hook, &kw_hooks_installed, node)
		if (hook->target == target)
			return hook;
	return NULL;
}

static int kw_hook_resolve(struct kw_hook *hook, char *why, size_t why_len)
{
	const char *missing = NULL;

	if (hook->inline_body) {
		hook->target = 0;
		hook->dest = 0;
		return 0;
	}
	if (hook->proto_bad) {
		snprintf(why, why_len,
			 "%s: its prototype differs from this kernel's (BTF)",
			 hook->name);
		return -ENOENT;
	}
	hook->target = hook->target_fn ? (unsigned long)hook->target_fn :
		       kw_lookup_name(hook->target_sym);
	if (!hook->target)
		missing = hook->target_sym;
	hook->dest = hook->dest_fn ? (unsigned long)hook->dest_fn :
		     kw_lookup_name(hook->dest_sym);
	if (!missing && !hook->dest)
		missing = hook->dest_sym;
	if (!missing)
		return 0;
	if (kw_symbols_error())
		snprintf(why, why_len, "cannot resolve %s: %s", missing,
			 kw_symbols_error());
	else
		snprintf(why, why_len, "kernel function %s not found",
			 missing);
	return -ENOENT;
}

/*
 * Free the filter hash of an ops that is not registered.  Removing the ip
 * with ftrace_set_filter_ip(ops, ip, 1, 0) instead allocates a new hash,
 * and when that allocation fails the old one, with our ip in it, stays
 * behind: the next kw_hook_arm_locked() clears the ops and leaks it (seen
 * with fault injection on the debug kernel: kmemleak reported the hash
 * and its entry, allocated in ftrace_set_filter_ip() from here).
 * ftrace_free_filter() allocates nothing.
 */
static void kw_hook_free_filter(struct kw_hook *hook)
{
	ftrace_free_filter(&hook->ops);
}

static int kw_hook_arm_locked(struct kw_hook *hook, char *why, size_t why_len)
{
	struct kw_hook *other;
	int err;

	if (hook->inline_body)
		return 0;
	other = kw_hook_find_locked(hook->target);
	if (other) {
		snprintf(why, why_len, "%ps is already hooked by %s (%s)",
			 (void *)hook->target, other->name,
			 other->owner ? module_name(other->owner) : "kwish_core");
		return -EBUSY;
	}

	memset(&hook->ops, 0, sizeof(hook->ops));
	hook->ops.func = kw_hook_callback;
	hook->ops.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_RECURSION |
			  FTRACE_OPS_FL_PERMANENT;

	/*
	 * ftrace_set_filter_ip() maps a function's start to its __fentry__
	 * site, which sits after ENDBR on IBT kernels (ftrace_location()).
	 */
	err = ftrace_set_filter_ip(&hook->ops, hook->target, 0, 0);
	if (err) {
		snprintf(why, why_len, "%s: ftrace cannot trace %ps (%d)",
			 hook->name, (void *)hook->target, err);
		return err;
	}
	err = register_ftrace_function(&hook->ops);
	if (err) {
		/*
		 * -EBUSY: another IPMODIFY user (livepatch, BPF) owns the
		 * function, or ftrace is off (kernel.ftrace_enabled=0
		 * refuses PERMANENT ops).
		 */
		snprintf(why, why_len, "%s: %s (%d)", hook->name,
			 err == -EBUSY ?
			 "ftrace off (ftrace_enabled=0) or function owned" :
			 "ftrace refused the hook", err);
		kw_hook_free_filter(hook);
		return err;
	}
	list_add_tail(&hook->node, &kw_hooks_installed);
	return 0;
}

static void kw_hook_disarm_locked(struct kw_hook *hook)
{
	int err;

	if (hook->inline_body)
		return;
	/*
	 * unregister_ftrace_function() waits until no CPU can still be in
	 * the callback (ftrace_shutdown() synchronises for ops that live in
	 * module data).  A call already diverted runs in the destination:
	 * kw_hooks_remove() drains those.
	 */
	err = unregister_ftrace_function(&hook->ops);
	if (err) {
		pr_err("cannot remove hook %s: %d\n", hook->name, err);
		/* Still registered: at least stop tracing the function. */
		ftrace_set_filter_ip(&hook->ops, hook->target, 1, 0);
	} else {
		kw_hook_free_filter(hook);
	}
	list_del(&hook->node);
}

/*
 * Owners whose hooks sent calls into their own text: the last wait of
 * the drain (kwish_core.h) happens when such a module goes, once.
 */
struct kw_drain_owner {
	struct list_head node;
	struct module *mod;
};

static LIST_HEAD(kw_drain_owners);	/* under kw_hooks_lock */

static bool kw_hook_into_owner(const struct kw_hook *hook)
{
	return hook->owner && within_module(hook->dest, hook->owner);
}

/* Record @owner before its first hook into its own text is armed. */
static int kw_drain_owner_add_locked(struct module *owner)
{
	struct kw_drain_owner *o;

	list_for_each_entry(o, &kw_drain_owners, node)
		if (o->mod == owner)
			return 0;
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	o->mod = owner;
	list_add(&o->node, &kw_drain_owners);
	return 0;
}

/*
 * The drain of hooks removed together, for those whose destination is
 * the owner's text (see "The unload drain" in kwish_core.h):
 *  1. calls diverted but not inside the read section yet: the hooks'
 *     unregister_ftrace_function() already waited for them.  For an ops
 *     in module data (FTRACE_OPS_FL_DYNAMIC) ftrace_shutdown() returns
 *     only after synchronize_rcu_tasks_rude() and, on preemptible
 *     kernels (Debian's 6.1 and 6.12 are), synchronize_rcu_tasks(),
 *     begun after the call site stopped calling the ops (v6.1, v6.12,
 *     also when ftrace_enabled is 0): a task preempted anywhere between
 *     the trampoline and kw_hook_enter() has passed it;
 *  2. calls inside: synchronize_srcu() on the owner's domain;
 *  3. calls that left the section but have not returned: they run only
 *     the destination's last instructions, which touch no data, so only
 *     the owner's text must outlive them: kw_hooks_module_going() waits
 *     for an RCU-tasks grace period once, when the owner goes.
 */
static void kw_hooks_drain(struct kw_hook *hooks, unsigned int n)
{
	struct srcu_struct *drain = NULL;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (kw_hook_into_owner(&hooks[i]))
			drain = hooks[i].drain;
	if (drain)
		synchronize_srcu(drain);
}

static int kw_hooks_module_going(struct notifier_block *nb,
				 unsigned long state, void *data)
{
	struct kw_drain_owner *o, *found = NULL;
	struct module *mod = data;

	if (state != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&kw_hooks_lock);
	list_for_each_entry(o, &kw_drain_owners, node) {
		if (o->mod == mod) {
			list_del(&o->node);
			found = o;
			break;
		}
	}
	mutex_unlock(&kw_hooks_lock);
	if (!found)
		return NOTIFY_DONE;
	kfree(found);
	/* its exit (or failed init) removed its hooks: step 3 above */
	synchronize_rcu_tasks();
	return NOTIFY_DONE;
}

static struct notifier_block kw_hooks_module_nb = {
	.notifier_call = kw_hooks_module_going,
};

int __kw_hooks_install(struct kw_hook *hooks, unsigned int n,
		       struct module *owner, struct srcu_struct *drain,
		       char *why, size_t why_len)
{
	char scratch[KWISH_REASON_LEN];
	unsigned int i, armed;
	int err = 0;

	if (!why) {
		why = scratch;
		why_len = sizeof(scratch);
	}

	for (i = 0; i < n; i++) {
		hooks[i].owner = owner;
		hooks[i].drain = drain;
		if (!!hooks[i].target_sym == !!hooks[i].target_fn ||
		    (!!hooks[i].dest_sym == !!hooks[i].dest_fn &&
		     !hooks[i].inline_body))
			return -EINVAL;
		err = kw_hook_resolve(&hooks[i], why, why_len);
		if (err)
			return err;
	}

	mutex_lock(&kw_hooks_lock);
	for (i = 0; i < n; i++) {
		err = kw_hook_into_owner(&hooks[i]) ?
		      kw_drain_owner_add_locked(owner) : 0;
		if (err) {
			snprintf(why, why_len, "%s: out of memory",
				 hooks[i].name);
			break;
		}
		err = kw_hook_arm_locked(&hooks[i], why, why_len);
		if (err)
			break;
	}
	if (err) {
		pr_warn("hook %s: %s\n", hooks[i].name, why);
		armed = i;
		while (i-- > 0)
			kw_hook_disarm_locked(&hooks[i]);
	}
	mutex_unlock(&kw_hooks_lock);
	/* a hook armed for a moment may have diverted a call already */
	if (err)
		kw_hooks_drain(hooks, armed);
	return err;
}
EXPORT_SYMBOL_NS_GPL(__kw_hooks_install, KWISH);

void kw_hooks_remove(struct kw_hook *hooks, unsigned int n)
{
	unsigned int i;

	mutex_lock(&kw_hooks_lock);
	for (i = n; i-- > 0;)
		kw_hook_disarm_locked(&hooks[i]);
	mutex_unlock(&kw_hooks_lock);
	kw_hooks_drain(hooks, n);
}
EXPORT_SYMBOL_NS_GPL(kw_hooks_remove, KWISH);

int kw_hooks_init(void)
{
	return register_module_notifier(&kw_hooks_module_nb);
}

void kw_hooks_exit(void)
{
	/* Feature modules depend on kwish_core: all removed their hooks. */
	WARN_ON(!list_empty(&kw_hooks_installed));
	unregister_module_notifier(&kw_hooks_module_nb);
	/* kwish_core's own, if any; feature modules went through the notifier */
	WARN_ON(!list_empty(&kw_drain_owners));
}
