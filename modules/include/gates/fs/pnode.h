/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to fs/pnode.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_FS_PNODE_H
#define _KWG_FS_PNODE_H

#include <kwish_gate.h>

struct list_head;
struct mount;
struct path;

/* static in fs/pnode.c, declared in fs/pnode.h (private) */
KW_GATE2(int, get_dominating_id, 0,
	 struct mount *, mnt, const struct path *, root)
KW_GATE1(int, propagate_umount, 0, struct list_head *, list)

#endif
