// SPDX-License-Identifier: GPL-2.0
/*
 * file_close_fd(): v6.8 renamed close_fd_get_file(), the detach step of
 * close(2), to file_close_fd() (Christian Brauner, "file: rename
 * close_fd_get_file() to file_close_fd()").  v6.12 has file_close_fd(),
 * v6.1 close_fd_get_file(); both exported (GPL) from <linux/fdtable.h>.
 */
#include <linux/fdtable.h>

struct file *kw_probe(unsigned int fd);

struct file *kw_probe(unsigned int fd)
{
	return file_close_fd(fd);
}
