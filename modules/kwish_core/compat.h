/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kwish differs between kernel versions.  Decisions
 * come from compat_gen.h, written at build time by compat-probe.sh from the
 * probes in probes/ (one per API difference), never from version numbers.
 */
#ifndef _KWISH_COMPAT_H
#define _KWISH_COMPAT_H

#include <linux/ftrace.h>
#include "compat_gen.h"

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

/* Where the ftrace trampoline returns to: diverts the traced call. */
#ifdef KW_HAVE_FTRACE_REGS_SET_INSTRUCTION_POINTER
#define kw_fregs_set_ip(fregs, ip) ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define kw_fregs_set_ip(fregs, ip) ftrace_instruction_pointer_set(fregs, ip)
#endif

#endif /* _KWISH_COMPAT_H */
