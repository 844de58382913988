/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates to security/security.c (<kwish_gate.h>): not exported in v6.1 and v6.12.
 * Prototypes: the kernel's, checked against its BTF at build time.
 */
#ifndef _KWG_SECURITY_SECURITY_H
#define _KWG_SECURITY_SECURITY_H

#include <kwish_gate.h>
#ifndef KWG_SCAN
/* the inlines that stand in without the kernel option */
#include <linux/security.h>
#endif

struct dentry;
struct file;
struct path;

KW_GATE_IF2(CONFIG_SECURITY, int, security_file_lock, -EOPNOTSUPP,
	    struct file *, file, unsigned int, cmd)
KW_GATE_IF3(CONFIG_SECURITY, int, security_path_notify, -EOPNOTSUPP,
	    const struct path *, path, u64, mask, unsigned int, obj_type)
KW_GATE_IF1(CONFIG_SECURITY, int, security_sb_statfs, -EACCES,
	    struct dentry *, dentry)
KW_GATE_IF3(CONFIG_SECURITY_PATH, int, security_path_symlink, -EOPNOTSUPP,
	    const struct path *, dir, struct dentry *, dentry,
	    const char *, old_name)
KW_GATE_IF3(CONFIG_SECURITY_PATH, int, security_path_link, -EOPNOTSUPP,
	    struct dentry *, old_dentry, const struct path *, new_dir,
	    struct dentry *, new_dentry)
KW_GATE_IF2(CONFIG_SECURITY_PATH, int, security_path_rmdir, -EOPNOTSUPP,
	    const struct path *, dir, struct dentry *, dentry)

#endif
