/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to fs/open.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_FS_OPEN_H
#define _KWG_FS_OPEN_H

#include <kwish_gate.h>

struct open_how;

/* openat2()'s body, after the copy of struct open_how */
KW_GATE3(long, do_sys_openat2, -EOPNOTSUPP,
	 int, dfd, const char __user *, filename, struct open_how *, how)

#endif
