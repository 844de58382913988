/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to kernel/fork.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_KERNEL_FORK_H
#define _KWG_KERNEL_FORK_H

#include <kwish_gate.h>

struct file;
struct pid;

/* a pidfd for @pid without installing it (SCM_PIDFD) */
KW_GATE3(int, pidfd_prepare, -EOPNOTSUPP,
	 struct pid *, pid, unsigned int, flags, struct file **, ret)

#endif
