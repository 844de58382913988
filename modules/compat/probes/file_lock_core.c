// SPDX-License-Identifier: GPL-2.0
/*
 * struct file_lock_core: v6.9 split the fields that flock, POSIX locks and
 * leases share out of struct file_lock into it, embedded as
 * struct file_lock.c, and renamed them (fl_flags -> c.flc_flags, fl_type,
 * fl_owner, fl_pid, fl_file, fl_wait, fl_blocked_member likewise; Jeff
 * Layton, "filelock: add a new struct file_lock_core ..." and the series
 * after it).  v6.12 has it; v6.1 has the fl_* fields in struct file_lock.
 */
#include <linux/fs.h>
#include <linux/filelock.h>

unsigned int kw_probe(struct file_lock *fl);

unsigned int kw_probe(struct file_lock *fl)
{
	return fl->c.flc_flags;
}
