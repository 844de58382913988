// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace_regs_set_instruction_pointer(): the setter's name in v6.12;
 * v6.1 calls it ftrace_instruction_pointer_set() (both in
 * arch/x86/include/asm/ftrace.h).
 */
#include <linux/ftrace.h>

void kw_probe(struct ftrace_regs *fregs);

void kw_probe(struct ftrace_regs *fregs)
{
	ftrace_regs_set_instruction_pointer(fregs, 0);
}
