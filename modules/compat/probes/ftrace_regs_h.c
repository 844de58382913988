// SPDX-License-Identifier: GPL-2.0
/*
 * <linux/ftrace_regs.h> and arch_ftrace_regs(): present in v6.12, where
 * x86's struct ftrace_regs is reached through arch_ftrace_regs(); v6.1 has
 * neither, and its x86 struct ftrace_regs has a public "regs" member
 * (arch/x86/include/asm/ftrace.h).
 */
#include <linux/ftrace.h>
#include <linux/ftrace_regs.h>

struct pt_regs *kw_probe(struct ftrace_regs *fregs);

struct pt_regs *kw_probe(struct ftrace_regs *fregs)
{
	return &arch_ftrace_regs(fregs)->regs;
}
