// SPDX-License-Identifier: GPL-2.0
/*
 * <linux/filelock.h>: v6.3 moved the file locking and lease declarations
 * out of <linux/fs.h> into it (Jeff Layton, "filelock: move file locking
 * definitions to separate header file"), break_deleg_wait() among them.
 * v6.12 has it; in v6.1 break_deleg_wait() is in <linux/fs.h>.
 */
#include <linux/fs.h>
#include <linux/filelock.h>

int kw_probe(struct inode **delegated_inode);

int kw_probe(struct inode **delegated_inode)
{
	return break_deleg_wait(delegated_inode);
}
