/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to fs/namespace.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_FS_NAMESPACE_H
#define _KWG_FS_NAMESPACE_H

#include <kwish_gate.h>

struct dentry;
struct mount;
struct mountpoint;
struct path;

/* all static, all out of line in Debian's v6.1 and v6.12 (BTF) */
KW_GATE1(void, commit_tree, /* nothing */, struct mount *, mnt)
/*
 * The last argument is a bool "moving" in v6.1 and an enum
 * mnt_tree_flags_t in v6.12; kwish passes it through.
 */
KW_GATE4(int, attach_recursive_mnt, -EOPNOTSUPP,
	 struct mount *, source_mnt, struct mount *, dest_mnt,
	 struct mountpoint *, dest_mp, KWG_ANY(unsigned long), flags)
KW_GATE3(void, mnt_change_mountpoint, /* nothing */,
	 struct mount *, parent, struct mountpoint *, mp,
	 struct mount *, mnt)
/* the flags are enum umount_tree_flags, private to fs/namespace.c */
KW_GATE2(void, umount_tree, /* nothing */,
	 struct mount *, mnt, KWG_ANY(unsigned int), how)
KW_GATE3(bool, is_path_reachable, false,
	 struct mount *, mnt, struct dentry *, dentry,
	 const struct path *, root)
/* inlined in v6.12, where kwish does not need it (mnt_id_unique) */
KW_GATE1(void, free_vfsmnt, /* nothing */, struct mount *, mnt)

#endif
