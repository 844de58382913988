/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kwish compat layer: <linux/mnt_idmapping.h>: the idmapping of a mount.
 */
#ifndef _KWISH_COMPAT_IDMAP_H
#define _KWISH_COMPAT_IDMAP_H

#include <linux/fs.h>
#include <linux/mount.h>

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

/*
 * The type kw_path_idmap() returns, for prototypes of the non-exported
 * functions kwish reaches through call gates (may_linkat(), fs/namei.c:
 * (struct mnt_idmap *, const struct path *) in v6.12, (struct
 * user_namespace *, const struct path *) in v6.1), and struct renamedata's
 * two idmapping fields (old_mnt_idmap/new_mnt_idmap in v6.12,
 * old_mnt_userns/new_mnt_userns in v6.1) for vfs_rename().
 */
#ifdef KW_HAVE_MNT_IDMAP
#define kw_idmap		mnt_idmap
#else
#define kw_idmap		user_namespace
#endif

static inline void kw_renamedata_set_idmap(struct renamedata *rd,
					   struct kw_idmap *idmap)
{
#ifdef KW_HAVE_MNT_IDMAP
	rd->old_mnt_idmap = idmap;
	rd->new_mnt_idmap = idmap;
#else
	rd->old_mnt_userns = idmap;
	rd->new_mnt_userns = idmap;
#endif
}

#endif
