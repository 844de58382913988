/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by the files of kwish_mount. */
#ifndef _KWISH_MOUNT_H
#define _KWISH_MOUNT_H

#include <linux/atomic.h>
#include <linux/fanotify.h>
#include <linux/kwish.h>
#include <linux/path.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include <kwish_layout.h>

/*
 * mount_table.c: the mount tree of kwish_core's layout and the kernel's
 * own locks and helpers, shared by every mount item.  Set up once by
 * kw_mount_table_init(); kw_mount_table_error() says why it is not
 * usable on this kernel (a feature then reports that as "unavailable").
 */
int kw_mount_table_init(void);
void kw_mount_table_exit(void);
const char *kw_mount_table_error(void);

/* fs/namespace.c's namespace_sem: the mount tree is stable under it. */
void kw_namespace_lock_read(void);
void kw_namespace_unlock_read(void);

/* Field accessors (namespace_sem held). */
static inline struct mount *kw_mnt_parent(struct mount *m)
{
	return KWL(mount, mnt_parent, struct mount *, m);
}

/*
 * The mount's namespace, or NULL if it has none.  Mounts of kern_mount()
 * (pipefs, sockfs, anon_inodefs, nsfs, and kwish's own item-24 clones
 * made by clone_private_mount()) carry MNT_NS_INTERNAL, an ERR_PTR
 * (fs/mount.h, v6.1 and v6.12 alike), not NULL: never hand that out.
 */
static inline struct mnt_namespace *kw_mnt_ns(struct mount *m)
{
	struct mnt_namespace *ns;

	ns = READ_ONCE(KWL(mount, mnt_ns, struct mnt_namespace *, m));
	return IS_ERR(ns) ? NULL : ns;
}

static inline int kw_mnt_id_old(struct mount *m)
{
	return KWL(mount, mnt_id, int, m);
}

struct mnt_namespace *kw_current_mnt_ns(void);
/* The next mount after @p in a pre-order walk of the tree under @root. */
struct mount *kw_mnt_next(struct mount *p, struct mount *root);

/*
 * Unique 64-bit mount ids on kernels without mnt_id_unique (v6.1), see
 * mount_table.c.  kw_mnt_unique_id() returns 0 only on -ENOMEM.
 */
u64 kw_mnt_unique_id(struct mount *m);
/* The same with @gfp for its allocation (GFP_ATOMIC under mount_lock). */
u64 kw_mnt_unique_id_gfp(struct mount *m, gfp_t gfp);
/* The mount of @ns with unique id @id, or NULL (namespace_sem held). */
struct mount *kw_mnt_find(struct mnt_namespace *ns, u64 id);

/* Kernel functions reached through call gates (see mount_table.c). */
bool kw_is_path_reachable(struct mount *mnt, struct dentry *dentry,
			  const struct path *root);
int kw_get_dominating_id(struct mount *mnt, const struct path *root);
int kw_seq_path_root(struct seq_file *m, const struct path *path,
		     const struct path *root, const char *esc);
int kw_security_sb_statfs(struct dentry *dentry);

/* One feature per file, listed in main.c. */
struct kw_feature;
extern struct kw_feature kw_statmount_feature;
extern struct kw_feature kw_mount_owner_feature;
extern struct kw_feature kw_mount_notify_feature;

/* statmount.c: item 25 */
/* kwish answers statmount(2) here (the kernel has none of its own) */
bool kw_mount_statmount_provided(void);

/* mount_notify.c: item 17 */

#define KW_MOUNT_NOTIFY_MASKS		(FAN_MNT_ATTACH | FAN_MNT_DETACH)
#define KW_MOUNT_NOTIFY_EVENT_LEN	(FAN_EVENT_METADATA_LEN + \
					 sizeof(struct fanotify_event_info_mnt))

/* A watch's queue: @cap events and one overflow record, in a ring. */
struct kw_mount_notify_record {
	u64 mnt_id;
	u32 mask;		/* FAN_MNT_* or FAN_Q_OVERFLOW */
	s32 pid;
};

struct kw_mount_notify_queue {
	u32 cap;
	u32 head;		/* oldest record */
	u32 count;		/* records queued, the overflow record included */
	bool overflow_queued;
	struct kw_mount_notify_record *rec;	/* cap + 1 entries */
};

#if IS_ENABLED(CONFIG_KUNIT)
/* Reached by the KUnit tests (kunit/kwish_mount_test.c) only. */
bool kw_mount_notify_queue_push(struct kw_mount_notify_queue *q, u64 mnt_id, u32 mask, s32 pid);
bool kw_mount_notify_queue_pop(struct kw_mount_notify_queue *q, struct kw_mount_notify_record *out);
size_t kw_mount_notify_format(const struct kw_mount_notify_record *r, void *buf);
int kw_mount_notify_check_args(const struct kwish_mount_watch *arg);
#endif

/* mount_owner.c: item 11 */
struct kw_mount_owner_info {
	u64 mnt_id;
	u64 mnt_ns_id;
	u64 userns_ino;
	u32 owner_uid;
	u32 umount_flags;	/* KWISH_UMOUNT_* */
};

/* namespace_sem held, @m alive */
int kw_mount_owner_fill(struct mount *m, struct kw_mount_owner_info *o);

#endif /* _KWISH_MOUNT_H */
