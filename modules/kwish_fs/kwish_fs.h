/* SPDX-License-Identifier: GPL-2.0 */
/* kwish_fs: one file per wish-list item; each exports its feature here. */
#ifndef _KWISH_FS_H
#define _KWISH_FS_H

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct file_lock;
struct cred;
struct inode;
struct kw_close_async_user;
struct kw_ucmd;
struct kwish_close_async;
struct kwish_create_open;
struct kwish_upgrade_mask;
struct kwish_flock_event;
struct kwish_flock_timeout;
struct kwish_flock_watch;
struct path;
struct task_struct;

/* dirent.c: a directory fd and one name (items 7 and 10) */
long kw_fs_copy_name(char *kname, u64 uname);
int kw_fs_get_dir(int dirfd, struct path *dir);

/* open_regular.c: a task inside KWISH_OPEN_REGULAR, on the marked list */
struct kw_open_regular_caller {
	struct list_head node;
	struct task_struct *task;
};

/* One feature per file, listed in main.c. */
struct kw_feature;
extern struct kw_feature kw_open_regular_feature;
extern struct kw_feature kw_unlink_inode_feature;
extern struct kw_feature kw_flock_timeout_feature;
extern struct kw_feature kw_link_replace_feature;
extern struct kw_feature kw_create_open_feature;
extern struct kw_feature kw_close_async_feature;
extern struct kw_feature kw_flock_notify_feature;
extern struct kw_feature kw_upgrade_mask_feature;
/*
 * flock_notify.c: flock_lock_inode() through the call gate @lock_inode,
 * for kwish_fs's own callers (item 22), whose calls the item-4 hook never
 * diverts; it keeps watched inodes' release counts right.
 */
int kw_fs_flock_lock_inode(struct inode *inode, struct file_lock *request,
			   int (*lock_inode)(struct inode *,
					     struct file_lock *));

#if IS_ENABLED(CONFIG_KUNIT)
/* Reached by the KUnit tests (kunit/kwish_fs_test.c) only. */
void kw_open_regular_mark(struct kw_open_regular_caller *caller);
void kw_open_regular_unmark(struct kw_open_regular_caller *caller);
bool kw_open_regular_vfs_open_filter(const unsigned long *args);
long kw_fs_open_regular(struct kw_ucmd *ucmd);
int kw_fs_check_name(const char *name, size_t len);
long kw_fs_unlink_inode(struct kw_ucmd *ucmd);
int kw_flock_timeout_check_args(const struct kwish_flock_timeout *arg);
ktime_t kw_flock_timeout_deadline(u64 timeout_ns, ktime_t now);
ktime_t kw_flock_timeout_remaining(ktime_t deadline, ktime_t now);
long kw_fs_flock_timeout(struct kw_ucmd *ucmd);
long kw_fs_link_replace(struct kw_ucmd *ucmd);
int kw_create_open_check_args(const struct kwish_create_open *arg);
int kw_create_open_open_flags(umode_t type);
long kw_fs_create_open(struct kw_ucmd *ucmd);
int kw_close_async_check_args(const struct kwish_close_async *arg);
struct kw_close_async_user *kw_close_async_charge(kuid_t uid, unsigned int max_user,
						  unsigned int max_total);
void kw_close_async_uncharge(struct kw_close_async_user *u);
bool kw_close_async_admit(struct kw_close_async_user *u, struct list_head *node,
			  unsigned int max_running);
struct list_head *kw_close_async_next(struct kw_close_async_user *u, unsigned int max_running);
unsigned int kw_close_async_inflight(kuid_t uid);
long kw_fs_close_async(struct kw_ucmd *ucmd);
int kw_flock_notify_check_args(const struct kwish_flock_watch *arg);
bool kw_flock_notify_transition(bool *held, bool held_now);
bool kw_flock_notify_make_event(u64 releases, u64 seen, bool unlocked_at_arm,
				bool held, struct kwish_flock_event *ev);
long kw_fs_flock_watch(struct kw_ucmd *ucmd);
int kw_upgrade_mask_check_args(const struct kwish_upgrade_mask *arg);
u32 kw_upgrade_mask_needed(fmode_t mode, unsigned int flags);
bool kw_upgrade_mask_file_open_filter(const unsigned long *args);
long kw_fs_upgrade_mask(struct kw_ucmd *ucmd);
#endif

#endif
