/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to fs/fs_struct.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_FS_FS_STRUCT_H
#define _KWG_FS_FS_STRUCT_H

#include <kwish_gate.h>

struct path;

/* moves every task's root and cwd from @old to @new (pivot_root()) */
KW_GATE2(void, chroot_fs_refs, /* nothing */,
	 const struct path *, old, const struct path *, new)

#endif
