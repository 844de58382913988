/* SPDX-License-Identifier: GPL-2.0 */
/* kwish_fs: one file per wish-list item; each exports init/exit here. */
#ifndef _KWISH_FS_H
#define _KWISH_FS_H

int kw_fs_open_regular_init(void);
void kw_fs_open_regular_exit(void);
int kw_fs_unlink_inode_init(void);
void kw_fs_unlink_inode_exit(void);

#endif
