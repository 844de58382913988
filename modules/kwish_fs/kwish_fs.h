/* SPDX-License-Identifier: GPL-2.0 */
/* kwish_fs: one file per wish-list item; each exports init/exit here. */
#ifndef _KWISH_FS_H
#define _KWISH_FS_H

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/types.h>

struct kw_ucmd;
struct kwish_create_open;
struct kwish_fd_restrict;
struct kwish_flock_timeout;
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

int kw_fs_open_regular_init(void);
void kw_fs_open_regular_exit(void);
int kw_fs_unlink_inode_init(void);
void kw_fs_unlink_inode_exit(void);
int kw_fs_flock_timeout_init(void);
void kw_fs_flock_timeout_exit(void);
int kw_fs_link_replace_init(void);
void kw_fs_link_replace_exit(void);
int kw_fs_create_open_init(void);
void kw_fs_create_open_exit(void);
int kw_fs_upgrade_mask_init(void);
void kw_fs_upgrade_mask_exit(void);

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
int kw_um_check_args(const struct kwish_fd_restrict *arg);
u32 kw_um_needed(fmode_t mode, unsigned int flags);
bool kw_um_file_open_filter(const unsigned long *args);
long kw_fs_fd_restrict(struct kw_ucmd *ucmd);
#endif

#endif
