/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to fs/namei.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_FS_NAMEI_H
#define _KWG_FS_NAMEI_H

#include <kwish_gate.h>

struct path;

/*
 * static; the protected_hardlinks check of linkat().  Its idmapping
 * argument is a struct mnt_idmap * since v6.3 (v6.12), the mount's
 * struct user_namespace * before (v6.1): probes/mnt_idmap.c.
 */
#ifdef KW_HAVE_MNT_IDMAP
struct mnt_idmap;
KW_GATE2(int, may_linkat, -EOPNOTSUPP,
	 struct mnt_idmap *, idmap, const struct path *, link)
#else
struct user_namespace;
KW_GATE2(int, may_linkat, -EOPNOTSUPP,
	 struct user_namespace *, idmap, const struct path *, link)
#endif

#endif
