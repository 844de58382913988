/* SPDX-License-Identifier: GPL-2.0 */
/* kwish_fs: one file per wish-list item; each exports init/exit here. */
#ifndef _KWISH_FS_H
#define _KWISH_FS_H

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct file_lock;
struct cred;
struct inode;
struct kw_cla_user;
struct kw_ucmd;
struct kwish_close_async;
struct kwish_create_open;
struct kwish_fd_restrict;
struct kwish_flock_event;
struct kwish_flock_timeout;
struct kwish_flock_watch;
struct path;
struct task_struct;

/* dirent.c: a directory fd and one name (items 7 and 10) */
long kw_fs_copy_name(char *kname, u64 uname);
int kw_fs_get_dir(int dirfd, struct path *dir);

/* open_regular.c: a task inside KWISH_OPEN_REGULAR, on the marked list */
struct kw_oreg_caller {
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
void kw_oreg_mark(struct kw_oreg_caller *caller);
void kw_oreg_unmark(struct kw_oreg_caller *caller);
bool kw_oreg_vfs_open_filter(const unsigned long *args);
long kw_fs_open_regular(struct kw_ucmd *ucmd);
int kw_fs_check_name(const char *name, size_t len);
long kw_fs_unlink_inode(struct kw_ucmd *ucmd);
int kw_flt_check_args(const struct kwish_flock_timeout *arg);
ktime_t kw_flt_deadline(u64 timeout_ns, ktime_t now);
ktime_t kw_flt_remaining(ktime_t deadline, ktime_t now);
long kw_fs_flock_timeout(struct kw_ucmd *ucmd);
long kw_fs_link_replace(struct kw_ucmd *ucmd);
int kw_cro_check_args(const struct kwish_create_open *arg);
int kw_cro_open_flags(umode_t type);
long kw_fs_create_open(struct kw_ucmd *ucmd);
int kw_cla_check_args(const struct kwish_close_async *arg);
struct kw_cla_user *kw_cla_charge(kuid_t uid, unsigned int max_user,
				  unsigned int max_total);
void kw_cla_uncharge(struct kw_cla_user *u);
bool kw_cla_admit(struct kw_cla_user *u, struct list_head *node,
		  unsigned int max_running);
struct list_head *kw_cla_next(struct kw_cla_user *u, unsigned int max_running);
unsigned int kw_cla_inflight(kuid_t uid);
long kw_fs_close_async(struct kw_ucmd *ucmd);
int kw_fln_check_args(const struct kwish_flock_watch *arg);
bool kw_fln_transition(bool *held, bool held_now);
bool kw_fln_make_event(u64 releases, u64 seen, bool unlocked_at_arm,
		       bool held, struct kwish_flock_event *ev);
long kw_fs_flock_watch(struct kw_ucmd *ucmd);
int kw_um_check_args(const struct kwish_fd_restrict *arg);
u32 kw_um_needed(fmode_t mode, unsigned int flags);
bool kw_um_file_open_filter(const unsigned long *args);
long kw_fs_fd_restrict(struct kw_ucmd *ucmd);
#endif

#endif
