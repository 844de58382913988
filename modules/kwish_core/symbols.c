// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_core: resolving kernel symbols that are not exported.
 *
 * kallsyms_lookup_name() has not been exported since v5.7 (commit
 * 0bd476e6c671, "kallsyms: unexport kallsyms_lookup_name() and
 * kallsyms_on_each_symbol()").  register_kprobe() still resolves a symbol
 * name for us, so a kprobe on kallsyms_lookup_name itself tells its
 * address.  On IBT kernels that address is the one after the ENDBR
 * (arch_adjust_kprobe_addr()), and the function is not an indirect-call
 * target, so its ENDBR may be sealed at boot: calling it through a
 * function pointer would raise #CP.  We call it through a call gate
 * (kwish_core.h) instead, which enters it with a RET.
 */

#include <linux/kprobes.h>
#include <linux/module.h>

#include <gates/kernel/kallsyms.h>

#include "core.h"

static struct kw_hook kw_kallsyms_gate = {
	.name = "kallsyms gate",
	.target_fn = kw_gate_kallsyms_lookup_name,
	/* .dest_fn is set at init from the kprobe */
	.proto_bad = kwg_bad_kallsyms_lookup_name,
};

/* Why symbols cannot be resolved on this kernel; "" when they can. */
static char kw_symbols_why[KWISH_REASON_LEN];
static bool kw_symbols_ready;

unsigned long kw_lookup_name(const char *name)
{
	if (!kw_symbols_ready)
		return 0;
	return kw_gate_kallsyms_lookup_name(name);
}
EXPORT_SYMBOL_NS_GPL(kw_lookup_name, KWISH);

const char *kw_symbols_error(void)
{
	return kw_symbols_ready ? NULL : kw_symbols_why;
}

/*
 * Failure here does not stop kwish_core from loading: /dev/kwish and the
 * status table work, and every feature that needs a symbol reports itself
 * unavailable with kw_symbols_why as the reason.
 */
void kw_symbols_init(void)
{
	/*
	 * Registered disabled: only its address is wanted, and arming and
	 * disarming an ftrace-based kprobe allocate (ftrace_set_filter_ip()).
	 * When the disarm in unregister_kprobe() fails (ENOMEM), it warns
	 * "Failed to disarm kprobe-ftrace" and leaves the probe in the kprobe
	 * table: this on-stack kp, which kprobes_module_callback() then
	 * reads after we return (seen with fault injection on the debug
	 * kernel: a general protection fault in the next insmod).  A disabled
	 * probe is never armed, and its unregistration allocates nothing.
	 */
	struct kprobe kp = {
		.symbol_name = "kallsyms_lookup_name",
		.flags = KPROBE_FLAG_DISABLED,
	};
	char why[KWISH_REASON_LEN];
	int err;

	err = register_kprobe(&kp);
	if (err) {
		snprintf(kw_symbols_why, sizeof(kw_symbols_why),
			 "no kprobe on kallsyms_lookup_name (%d)", err);
		goto out;
	}
	kw_kallsyms_gate.dest_fn = (void *)kp.addr;
	unregister_kprobe(&kp);

	err = kw_hooks_install(&kw_kallsyms_gate, 1, why, sizeof(why));
	if (err) {
		strscpy(kw_symbols_why, why, sizeof(kw_symbols_why));
		goto out;
	}
	kw_symbols_ready = true;
	/* Self-check: a symbol every kernel has must resolve. */
	if (!kw_lookup_name("kallsyms_lookup_name")) {
		kw_symbols_ready = false;
		kw_hooks_remove(&kw_kallsyms_gate, 1);
		strscpy(kw_symbols_why, "kallsyms gate does not work",
			sizeof(kw_symbols_why));
	}
out:
	if (!kw_symbols_ready)
		pr_err("symbol lookup unavailable: %s\n", kw_symbols_why);
}

void kw_symbols_exit(void)
{
	if (kw_symbols_ready)
		kw_hooks_remove(&kw_kallsyms_gate, 1);
}
