/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kwish compat layer: <linux/filelock.h> (v6.3+) or <linux/fs.h>: file locks.
 */
#ifndef _KWISH_COMPAT_FILELOCK_H
#define _KWISH_COMPAT_FILELOCK_H

#include <linux/fs.h>

/*
 * File locks and leases (break_deleg_wait() and the rest): in their own
 * header since v6.3 (v6.12), in <linux/fs.h> before (v6.1).
 */
#ifdef KW_HAVE_FILELOCK_H
#include <linux/filelock.h>
#endif

/*
 * The fields of a file lock request that item 22 sets and waits on
 * (probes/file_lock_core.c): since v6.9 (v6.12) in the embedded
 * struct file_lock_core c, as c.flc_*; in v6.1 struct file_lock's own
 * fl_* fields.  Same types and meaning in both.
 */
#ifdef KW_HAVE_FILE_LOCK_CORE
#define kw_fl_flags(fl)			((fl)->c.flc_flags)
#define kw_fl_type(fl)			((fl)->c.flc_type)
#define kw_fl_owner(fl)			((fl)->c.flc_owner)
#define kw_fl_pid(fl)			((fl)->c.flc_pid)
#define kw_fl_file(fl)			((fl)->c.flc_file)
#define kw_fl_wait(fl)			((fl)->c.flc_wait)
#define kw_fl_blocked_member(fl)	((fl)->c.flc_blocked_member)
/* the member linking a lock into its file_lock_context's lists */
#define KW_FL_LIST			c.flc_list
#else
#define kw_fl_flags(fl)			((fl)->fl_flags)
#define kw_fl_type(fl)			((fl)->fl_type)
#define kw_fl_owner(fl)			((fl)->fl_owner)
#define kw_fl_pid(fl)			((fl)->fl_pid)
#define kw_fl_file(fl)			((fl)->fl_file)
#define kw_fl_wait(fl)			((fl)->fl_wait)
#define kw_fl_blocked_member(fl)	((fl)->fl_blocked_member)
#define KW_FL_LIST			fl_list
#endif

#endif
