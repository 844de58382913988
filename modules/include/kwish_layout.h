/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private kernel structures (struct mount, struct mnt_namespace: fs/mount.h,
 * not in any headers package), read with the layout of the target kernel
 * itself.  kwish_core/layout.sh writes <kwish_layout_gen.h> at build time
 * from the kernel's BTF (or its source tree); kwish_core/layout.list names
 * the members.  This header is the only way kwish code touches them:
 *
 *	struct mount *parent = KWL(mount, mnt_parent, struct mount *, m);
 *
 * checks at compile time that the member's size in the target kernel is
 * the size of the C type the caller reads it as.  KWL_HAVE(s, m) is 0 when
 * the target kernel has no such member: a feature tests its members at
 * load and reports itself unavailable ("layout of struct mount.x not
 * found") instead of guessing.
 */
#ifndef _KWISH_LAYOUT_H
#define _KWISH_LAYOUT_H

#include <linux/build_bug.h>
#include <linux/mount.h>
#include <linux/ns_common.h>
#include <linux/stddef.h>

#include "kwish_layout_gen.h"

/* Opaque: only reached through KWL(). */
struct mount;
struct mnt_namespace;

/* 1 if the target kernel's struct @s has member @m, else 0. */
#define KWL_HAVE(s, m)		(KWL_HAVE_##s##_##m)

/*
 * Address of member @m (read as C type @type) of the struct @s at @p.
 * Only valid where KWL_HAVE(s, m): a feature checks its members at load.
 */
#define KWL_PTR(s, m, type, p)						\
	({								\
		BUILD_BUG_ON(KWL_HAVE_##s##_##m &&			\
			     sizeof(type) != KWL_##s##_##m##_SIZE);	\
		(type *)((char *)(p) + KWL_##s##_##m##_OFF);		\
	})
#define KWL(s, m, type, p)	(*KWL_PTR(s, m, type, p))

/* fs/mount.h's real_mount(): the struct mount around a vfsmount. */
static inline struct mount *kwl_real_mount(const struct vfsmount *mnt)
{
	return (struct mount *)((char *)mnt - KWL_mount_mnt_OFF);
}

static inline struct vfsmount *kwl_vfsmount(struct mount *m)
{
	return KWL_PTR(mount, mnt, struct vfsmount, m);
}

/* The mount namespace's ns_common (inode number, refcount). */
static inline struct ns_common *kwl_mnt_ns_common(struct mnt_namespace *ns)
{
	return KWL_PTR(mnt_namespace, ns, struct ns_common, ns);
}

/* Where the layout came from, for messages. */
#define KWL_SOURCE_STR		KWL_SOURCE

#endif /* _KWISH_LAYOUT_H */
