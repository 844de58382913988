/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kwish differs between kernel versions.  Decisions
 * come from compat_gen.h, written at build time by compat-probe.sh from the
 * probes in probes/ (one per API difference), never from version numbers.
 */
#ifndef _KWISH_COMPAT_H
#define _KWISH_COMPAT_H

#include <linux/ftrace.h>
#include <linux/mount.h>
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

/*
 * File locks and leases (break_deleg_wait() and the rest): in their own
 * header since v6.3 (v6.12), in <linux/fs.h> before (v6.1).
 */
#ifdef KW_HAVE_FILELOCK_H
#include <linux/filelock.h>
#endif

/*
 * The idmapping of the mount of @path, as vfs_unlink(), vfs_rmdir() and
 * lookup_one() take it (probes/mnt_idmap.c): struct mnt_idmap * from
 * mnt_idmap() since v6.3 (v6.12), struct user_namespace * from
 * mnt_user_ns() before (v6.1).  Either way the helpers map the inode's
 * owner through it before their permission checks (idmapped mounts).
 */
#ifdef KW_HAVE_MNT_IDMAP
#define kw_path_idmap(path)	mnt_idmap((path)->mnt)
#else
#define kw_path_idmap(path)	mnt_user_ns((path)->mnt)
#endif

#endif /* _KWISH_COMPAT_H */
