/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to fs/locks.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_FS_LOCKS_H
#define _KWG_FS_LOCKS_H

#include <kwish_gate.h>

struct file_lock;
struct inode;

/* static; the flock() core under the inode's flc_lock */
KW_GATE2(int, flock_lock_inode, -EOPNOTSUPP,
	 struct inode *, inode, struct file_lock *, request)

#endif
