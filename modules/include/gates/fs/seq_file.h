/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to fs/seq_file.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_FS_SEQ_FILE_H
#define _KWG_FS_SEQ_FILE_H

#include <kwish_gate.h>

struct path;
struct seq_file;

KW_GATE4(int, seq_path_root, -EOPNOTSUPP,
	 struct seq_file *, m, const struct path *, path,
	 const struct path *, root, const char *, esc)

#endif
