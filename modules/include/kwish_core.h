/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kwish_core's interface to the feature modules (symbol namespace KWISH).
 *
 * A feature module registers one struct kw_feature per wish-list item it
 * owns at load time and unregisters it at unload.  kwish_core owns
 * /dev/kwish: it validates every ioctl argument (size, flags, copy) before
 * a feature's handler runs, and holds a reference on the handler's module
 * for the duration of the call.
 */
#ifndef _KWISH_CORE_H
#define _KWISH_CORE_H

#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/module.h>
#include <linux/ftrace.h>
#include <linux/kwish.h>
#include <linux/cred.h>
#include <linux/srcu.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

/* Passed to a command handler: the argument, already validated. */
struct kw_ucmd {
	void *cmd;		/* kernel copy, zero-extended to the kernel size */
	void __user *ubuffer;	/* the caller's argument */
	u32 user_size;		/* the caller's size word */
};

typedef long (*kw_cmd_handler_t)(struct kw_ucmd *ucmd);

/*
 * One /dev/kwish command, declared where its handler is (iommufd's
 * IOCTL_OP): kwish_core checks the caller's argument against it before
 * @handler runs.  Write it with KW_IOCTL_OP().
 */
struct kw_cmd {
	unsigned int nr;		/* enum kwish_cmd */
	kw_cmd_handler_t handler;
	u32 size;		/* sizeof the argument struct, this version */
	u32 min_size;		/* the first version's size: up to @last */
	u32 valid_flags;	/* every other bit of "flags" is -EINVAL */
};

/*
 * kwish_core copies a command's argument onto its stack: an argument
 * struct may grow to this size (the build fails beyond it).
 */
#define KW_CMD_MAX_SIZE	128

/*
 * @_nr (KWISH_CMD_*) answered by @_fn, with argument @_struct whose
 * first version ended with member @_last, and flags @_flags.
 */
#define KW_IOCTL_OP(_nr, _fn, _struct, _last, _flags)			\
	{								\
		.nr = (_nr),						\
		.handler = (_fn),					\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(_struct) > KW_CMD_MAX_SIZE), \
		.min_size = offsetofend(_struct, _last),		\
		.valid_flags = (_flags),				\
	}

/*
 * The syscall backport (kwish_core/syscalls.c): an upstream x86_64 syscall
 * number the running kernel lacks, answered by @call in the caller's
 * context on its way back to user space (it may sleep; @regs holds the
 * arguments in di, si, dx, r10, r8, r9; the return value is the
 * syscall's).  A feature lists its syscalls in its kw_feature: they are
 * answered while it is registered PRESENT and kwish_core's "syscalls"
 * switch is on, which costs every syscall of every task the slow path;
 * /dev/kwish is the way that costs nothing.  While a call is queued, the
 * feature's module holds a module reference (rmmod: EAGAIN).  Numbers
 * lie in [KW_SYSCALL_FIRST, KW_SYSCALL_FIRST + KW_SYSCALL_SLOTS).
 */
#define KW_SYSCALL_FIRST	448
#define KW_SYSCALL_SLOTS	64

struct pt_regs;
struct kw_syscall {
	const char *name;
	unsigned int nr;
	long (*call)(const struct pt_regs *regs);
	/* private to kwish_core */
	struct module *owner;
};

struct kw_feature {
	u32 id;				/* wish-list item number */
	/* KWISH_STATE_PRESENT, _NATIVE or _UNAVAILABLE */
	enum kwish_feature_state state;
	/* shown by `kwishctl status`; required for native and unavailable */
	char reason[KWISH_REASON_LEN];
	const struct kw_cmd *cmds;	/* only dispatched while PRESENT/NATIVE */
	unsigned int nr_cmds;
	struct kw_syscall *syscalls;	/* only answered while PRESENT */
	unsigned int nr_syscalls;

	/*
	 * The feature's life, run by kwish_core for the features a module
	 * lists in KW_MODULE_FEATURES() (below), in this order:
	 *  1. @probe, if set, before anything is installed: returns
	 *     KWISH_STATE_PRESENT to go on, or NATIVE or UNAVAILABLE with
	 *     @reason filled (nothing is installed), or NOT_LOADED: the
	 *     running kernel has the item and kwish_core's native probe
	 *     reports it (nothing is registered);
	 *  2. @gates, then @hooks, each installed all-or-nothing; if they
	 *     cannot be, the feature is UNAVAILABLE with the hook
	 *     registry's words why;
	 *  3. @setup, if set: what else the feature needs (a workqueue,
	 *     hooks of its own choosing).  An error makes it UNAVAILABLE
	 *     (the hooks go again), with the reason @setup wrote, if any; it
	 *     may set @state to NATIVE with its reason.  Otherwise the reason
	 *     is @present;
	 *  4. registration: its commands are dispatched, its syscalls
	 *     answered.
	 * At unload, in reverse: unregister, @teardown, remove @hooks (and
	 * wait for the calls they diverted), then @gates, which those calls
	 * use.  A registration error fails the module's load.
	 */
	const char *present;
	struct kw_hook *gates;
	unsigned int nr_gates;
	struct kw_hook *hooks;
	unsigned int nr_hooks;
	enum kwish_feature_state (*probe)(struct kw_feature *f);
	int (*setup)(struct kw_feature *f);
	void (*teardown)(struct kw_feature *f);

	/* private to kwish_core */
	struct module *owner;
	bool gated, hooked, set_up;
};

/*
 * Whether the running kernel provides item @id itself, by kwish_core's
 * one probe for it (native.c): a feature's @probe asks here and answers
 * KWISH_STATE_NOT_LOADED, instead of probing again.
 */
bool kw_item_native(u32 id);

int __kw_feature_register(struct kw_feature *feature, struct module *owner);
#define kw_feature_register(f) __kw_feature_register(f, THIS_MODULE)
void kw_feature_unregister(struct kw_feature *feature);

/* A feature module's init and exit: KW_MODULE_FEATURES(), <kwish_module.h>. */
int __kw_features_init(struct kw_feature *const *features, unsigned int n,
		       int (*init)(void), void (*exit)(void),
		       struct module *owner, struct srcu_struct *drain);
void kw_features_exit(struct kw_feature *const *features, unsigned int n,
		      void (*exit)(void));

/*
 * Symbol resolution.  kallsyms_lookup_name() is not exported (since v5.7);
 * kwish_core finds it through a kprobe and calls it through a call gate
 * (see below), so this works on IBT kernels too.
 * Returns 0 when the symbol does not exist.
 */
unsigned long kw_lookup_name(const char *name);

/*
 * Hooks.  A hook puts an ftrace callback (FTRACE_OPS_FL_IPMODIFY) on the
 * entry of one function.  For each call, @filter decides; when it returns
 * true (or is NULL) the call is diverted to @dest, which runs with the
 * original arguments and returns to the original caller.  The hooked
 * function itself is then not executed.
 *
 * Diversion leaves the function through the ftrace trampoline's RET, not
 * through an indirect call, so @dest may be a kernel function whose ENDBR
 * was sealed at boot (X86_KERNEL_IBT, Debian's 6.12): that is how kwish
 * calls non-exported kernel functions safely ("call gates"): @target_fn is
 * a function of the owning module with the same prototype as @dest_sym,
 * whose body only runs if the hook is not installed (<kwish_gate.h>).
 *
 * Either @target_sym (a kernel function) or @target_fn is set; either
 * @dest_sym or @dest_fn is set.  Gates are declared once per kernel
 * function, in <gates/...> with <kwish_gate.h>, and listed with
 * KW_GATE_HOOK().  Hooks on a kernel function never divert
 * calls that come from the owning module itself (recursion guard).
 * A function has at most one IPMODIFY owner: installing a second hook on
 * the same function fails with -EBUSY and names the owner.
 */
struct kw_hook {
	const char *name;		/* for messages */
	const char *target_sym;
	void *target_fn;
	const char *dest_sym;
	void *dest_fn;
	/*
	 * Runs in the ftrace callback with preemption disabled: must not
	 * sleep.  @args are the first six integer arguments of the call.
	 */
	bool (*filter)(const unsigned long *args);
	/*
	 * Set by KW_GATE_HOOK() (<kwish_gate.h>): @proto_bad, a gate whose
	 * prototype is not the kernel function's, is never installed;
	 * @inline_body, a gate whose body already is the kernel's code (an
	 * inline without CONFIG_SECURITY), needs no hook.
	 */
	bool proto_bad;
	bool inline_body;
	/* private to kwish_core */
	unsigned long target;
	unsigned long dest;
	struct module *owner;
	struct srcu_struct *drain;	/* the owner's kw_module_srcu */
	struct ftrace_ops ops;
	struct list_head node;
};

/*
 * Install @n hooks all-or-nothing.  On failure nothing stays installed and
 * @why (if not NULL, @why_len bytes) says which hook failed and why, in
 * words fit for `kwishctl status`.
 */
int __kw_hooks_install(struct kw_hook *hooks, unsigned int n,
		       struct module *owner, struct srcu_struct *drain,
		       char *why, size_t why_len);
#define kw_hooks_install(h, n, why, len) \
	__kw_hooks_install(h, n, THIS_MODULE, &kw_module_srcu, why, len)
/*
 * Remove @n hooks installed together, and return once no call they
 * diverted into the owner's text can still run there (the drain below).
 */
void kw_hooks_remove(struct kw_hook *hooks, unsigned int n);

/*
 * The unload drain, owned by the registry.  A hook whose destination is
 * the owner's own code (@dest_fn in its text) sends kernel callers into
 * the module; some sleep there, in an allocation, a lock or the kernel
 * function they call through a gate.  Each module that installs hooks
 * defines one SRCU domain, kw_module_srcu (KW_MODULE_DRAIN in its
 * main.c), and every destination that may sleep runs inside it:
 *
 *  - kw_hook_enter() as its first statement, kw_hook_leave() as its last,
 *    for a call that sleeps only a bounded time: an unload waits for it;
 *  - or kw_hook_pin() / kw_hook_unpin(), for a call that may block as
 *    long as user space likes (a recvmsg()): it holds a module reference
 *    instead, so that rmmod answers "busy" rather than waiting; only a
 *    call that races with the unload stays in the SRCU read section.
 *
 * Nothing before kw_hook_enter() or kw_hook_pin() may sleep, nothing
 * after kw_hook_leave() or kw_hook_unpin() either.  kw_hooks_remove() then
 * returns once no call the hooks diverted is before or inside the read
 * section, so the owner may free what its destinations use; a call that
 * left the section and only returns is waited for when the owner module
 * goes.  How each wait is made: kw_hooks_drain() in hooks.c.
 * A destination that never sleeps (it runs under a spinlock, in softirq,
 * or only computes) needs neither: the RCU-tasks wait of unregistering
 * covers it whole.  But RCU Tasks does not wait for a task asleep
 * anywhere, also deep inside a kernel function a destination called: a
 * destination that may sleep and neither enters nor pins can be unloaded
 * under its caller.
 * Hooks whose destination is a kernel function (call gates) need none of
 * this: their callers are the owner's own code.
 */
extern struct srcu_struct kw_module_srcu;
#define KW_MODULE_DRAIN DEFINE_SRCU(kw_module_srcu)

static inline int kw_hook_enter(void)
{
	return srcu_read_lock(&kw_module_srcu);
}

static inline void kw_hook_leave(int idx)
{
	srcu_read_unlock(&kw_module_srcu, idx);
}

struct kw_hook_pin {
	int idx;
	bool ref;
};

static inline void kw_hook_pin(struct kw_hook_pin *pin)
{
	pin->idx = srcu_read_lock(&kw_module_srcu);
	pin->ref = READ_ONCE(THIS_MODULE->state) == MODULE_STATE_LIVE &&
		   try_module_get(THIS_MODULE);
	if (pin->ref)
		srcu_read_unlock(&kw_module_srcu, pin->idx);
}

static inline void kw_hook_unpin(struct kw_hook_pin *pin)
{
	if (pin->ref)
		module_put(THIS_MODULE);
	else
		srcu_read_unlock(&kw_module_srcu, pin->idx);
}

/*
 * Wait until no call that entered or pinned before is still inside
 * without a module reference: for state that destinations read and that
 * the owner is about to change (a handler table, a hash of watches).
 */
static inline void kw_hook_sync(void)
{
	synchronize_srcu(&kw_module_srcu);
}

/*
 * Whose per-user budget a caller with @cred uses (item 19's files in
 * flight, item 17's watches): its uid, or the creator of the outermost
 * user namespace above it that a user other than root created, so that
 * a user namespace and its subordinate uids give no fresh budget (the
 * kernel's ucounts charge a namespace's creator the same way).
 */
static inline kuid_t kw_account_uid(const struct cred *cred)
{
	const struct user_namespace *ns;
	kuid_t uid = cred->uid;

	for (ns = cred->user_ns; ns && ns != &init_user_ns; ns = ns->parent)
		if (!uid_eq(ns->owner, GLOBAL_ROOT_UID))
			uid = ns->owner;
	return uid;
}

#endif /* _KWISH_CORE_H */
