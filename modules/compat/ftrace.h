/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kwish compat layer: <linux/ftrace.h>: an ftrace callback's registers.
 */
#ifndef _KWISH_COMPAT_FTRACE_H
#define _KWISH_COMPAT_FTRACE_H

#include <linux/ftrace.h>

#ifdef KW_HAVE_FTRACE_REGS_H
#include <linux/ftrace_regs.h>
/* The saved registers of an ftrace callback (argument registers and ip). */
static __always_inline struct pt_regs *kw_fregs_regs(struct ftrace_regs *fregs)
{
	return &arch_ftrace_regs(fregs)->regs;
}
#else
static __always_inline struct pt_regs *kw_fregs_regs(struct ftrace_regs *fregs)
{
	return &fregs->regs;
}
#endif

/*
 * Where the ftrace trampoline returns to: diverts the traced call.
 * ftrace_regs_set_instruction_pointer() since v6.2 (v6.12), named
 * ftrace_instruction_pointer_set() in v6.1
 * (probes/ftrace_regs_set_instruction_pointer.c).
 */
#ifndef KW_HAVE_FTRACE_REGS_SET_INSTRUCTION_POINTER
#define ftrace_regs_set_instruction_pointer(fregs, ip) \
	ftrace_instruction_pointer_set(fregs, ip)
#endif

#endif
