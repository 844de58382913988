/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kwish differs between kernel versions.  Decisions
 * come from compat_gen.h, written at build time by compat-probe.sh from the
 * probes in probes/ (one per API difference), never from version numbers.
 */
#ifndef _KWISH_COMPAT_H
#define _KWISH_COMPAT_H

#include <linux/fs.h>
#include <linux/ftrace.h>
#include <linux/mount.h>
#include "compat_gen.h"

#ifdef KW_HAVE_FTRACE_REGS_H
#include <linux/ftrace_regs.h>
/* The saved registers of an ftrace callback (argument registers and ip). */
static __always_inline struct pt_regs *kw_fregs_regs(struct ftrace_regs *fregs)
{
	return &arch_ftrace_regs(fregs)->regs;
}
#else
static __always_inline struct pt_regs *kw_fregs_regs(struct ftrace_regs *fregs)
{
	return &fregs->regs;
}
#endif

/* Where the ftrace trampoline returns to: diverts the traced call. */
#ifdef KW_HAVE_FTRACE_REGS_SET_INSTRUCTION_POINTER
#define kw_fregs_set_ip(fregs, ip) ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define kw_fregs_set_ip(fregs, ip) ftrace_instruction_pointer_set(fregs, ip)
#endif

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

/*
 * The idmapping of the mount of @path, as vfs_unlink(), vfs_rmdir() and
 * lookup_one() take it (probes/mnt_idmap.c): struct mnt_idmap * from
 * mnt_idmap() since v6.3 (v6.12), struct user_namespace * from
 * mnt_user_ns() before (v6.1).  Either way the helpers map the inode's
 * owner through it before their permission checks (idmapped mounts).
 */
#ifdef KW_HAVE_MNT_IDMAP
#define kw_path_idmap(path)	mnt_idmap((path)->mnt)
#else
#define kw_path_idmap(path)	mnt_user_ns((path)->mnt)
#endif

/*
 * The type kw_path_idmap() returns, for prototypes of the non-exported
 * functions kwish reaches through call gates (may_linkat(), fs/namei.c:
 * (struct mnt_idmap *, const struct path *) in v6.12, (struct
 * user_namespace *, const struct path *) in v6.1), and struct renamedata's
 * two idmapping fields (old_mnt_idmap/new_mnt_idmap in v6.12,
 * old_mnt_userns/new_mnt_userns in v6.1) for vfs_rename().
 */
#ifdef KW_HAVE_MNT_IDMAP
#define kw_idmap		mnt_idmap
#else
#define kw_idmap		user_namespace
#endif

static inline void kw_renamedata_set_idmap(struct renamedata *rd,
					   struct kw_idmap *idmap)
{
#ifdef KW_HAVE_MNT_IDMAP
	rd->old_mnt_idmap = idmap;
	rd->new_mnt_idmap = idmap;
#else
	rd->old_mnt_userns = idmap;
	rd->new_mnt_userns = idmap;
#endif
}

/*
 * Take fd @fd out of current's fd table and return its file with the
 * table's reference, or NULL: what close(2) does first
 * (probes/file_close_fd.c).  v6.8 renamed close_fd_get_file() to
 * file_close_fd() (Christian Brauner, "file: rename close_fd_get_file()
 * to file_close_fd()"); both exported, same prototype.
 */
#include <linux/fdtable.h>
#ifdef KW_HAVE_FILE_CLOSE_FD
#define kw_file_close_fd(fd)	file_close_fd(fd)
#else
#define kw_file_close_fd(fd)	close_fd_get_file(fd)
#endif

/*
 * Internal functions that kwish's KUnit modules (kunit/) test: static
 * unless the kernel has CONFIG_KUNIT, then global and exported in the
 * EXPORTED_FOR_KUNIT_TESTING namespace.  <kunit/visibility.h> since v6.2,
 * backported to later 6.1.y; the same definitions for a 6.1.y without it
 * (probes/kunit_visibility_h.c).
 * Debian's kernels have no CONFIG_KUNIT: there the functions stay static.
 */
#ifdef KW_HAVE_KUNIT_VISIBILITY_H
#include <kunit/visibility.h>
#elif IS_ENABLED(CONFIG_KUNIT)
#define VISIBLE_IF_KUNIT
#define EXPORT_SYMBOL_IF_KUNIT(symbol) \
	EXPORT_SYMBOL_NS(symbol, EXPORTED_FOR_KUNIT_TESTING)
#else
#define VISIBLE_IF_KUNIT static
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
#endif

/*
 * kwish_net's per-socket flags (items 6 and 13).  Both kernels manipulate
 * struct socket's flags and struct sock's sk_flags only bit by bit
 * (set_bit(), clear_bit(), test_bit(); sock_alloc() and sk_alloc() start
 * them at zero and nothing assigns them as a whole for AF_UNIX), and use
 * only low bits: socket flags 0..5 in v6.1 (SOCK_ASYNC_NOSPACE ..
 * SOCK_SUPPORT_ZC), 0..7 in v6.12 (+ SOCK_CUSTOM_SOCKOPT, SOCK_PASSPIDFD);
 * sk_flags 0..27 in both (enum sock_flags, up to SOCK_RCVMARK).  kwish
 * takes the top bits, far from any bit upstream may add next:
 *
 * KW_SOCK_PASSPIDFD   socket->flags, bit BITS_PER_LONG - 1: SO_PASSPIDFD
 *                     on a kernel without it (item 6, v6.1).  A socket
 *                     flag like upstream's SOCK_PASSPIDFD (v6.5 .. v6.15),
 *                     so it follows the socket (accept() copies it).
 * KW_SOCK_PASSCGROUPID socket->flags, bit BITS_PER_LONG - 2:
 *                     SO_KWISH_PASSCGROUPID (item 5).
 * KW_SOCK_TSTAMP_MONO socket->flags, bit BITS_PER_LONG - 3,
 * KW_SOCK_TSTAMP_BOOT socket->flags, bit BITS_PER_LONG - 4:
 *                     SO_KWISH_TIMESTAMP_CLOCK (item 20).
 * KW_SK_NOPASSRIGHTS  sk->sk_flags, bit BITS_PER_LONG - 1: SO_PASSRIGHTS
 *                     turned off (item 13); inverted so that the default,
 *                     zero, is upstream's default "on".  On struct sock
 *                     because the embryo socket of a pending connection
 *                     has no struct socket yet and must refuse fds from
 *                     connect() on (upstream v6.16 copies the listener's
 *                     flag at connect()).
 * KW_SK_RIGHTS_PINNED sk->sk_flags, bit BITS_PER_LONG - 2: the socket
 *                     holds a reference on kwish_net (items 13, 14: it
 *                     refuses some fds), dropped when it is destroyed.
 */
#define KW_SOCK_PASSPIDFD	(BITS_PER_LONG - 1)
#define KW_SOCK_PASSCGROUPID	(BITS_PER_LONG - 2)
#define KW_SOCK_TSTAMP_MONO	(BITS_PER_LONG - 3)
#define KW_SOCK_TSTAMP_BOOT	(BITS_PER_LONG - 4)
#define KW_SK_NOPASSRIGHTS	(BITS_PER_LONG - 1)
#define KW_SK_RIGHTS_PINNED	(BITS_PER_LONG - 2)

#endif /* _KWISH_COMPAT_H */
