/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kwish compat layer: <linux/fdtable.h>: closing an fd.
 */
#ifndef _KWISH_COMPAT_FDTABLE_H
#define _KWISH_COMPAT_FDTABLE_H

#include <linux/fdtable.h>

/*
 * Take fd @fd out of current's fd table and return its file with the
 * table's reference, or NULL: what close(2) does first
 * (probes/file_close_fd.c).  v6.8 renamed close_fd_get_file() to
 * file_close_fd() (Christian Brauner, "file: rename close_fd_get_file()
 * to file_close_fd()"); both exported, same prototype.
 */
#ifndef KW_HAVE_FILE_CLOSE_FD
#define file_close_fd(fd)	close_fd_get_file(fd)
#endif

#endif
