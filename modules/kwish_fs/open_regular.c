// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_fs, item 8: O_REGULAR, open a file only if it is a regular file.
 *
 * Semantics of the posted upstream OPENAT2_REGULAR (openat2() how.flags bit
 * 32, EFTYPE when the final file is not S_IFREG), as KWISH_OPEN_REGULAR.
 *
 * How it works.  The command runs the kernel's own openat2()
 * implementation, do_sys_openat2() (fs/open.c; static, reached through a
 * call gate), for the caller, with the calling task marked.  A hook on
 * vfs_open() refuses a marked task's open of anything that is not S_IFREG
 * with -EFTYPE.  vfs_open() is where do_open() and do_o_path()
 * (fs/namei.c, v6.1 and v6.12) hand the looked-up path to
 * do_dentry_open(), after may_open() and before the file's ->open(): a
 * FIFO's fifo_open() (which blocks without a peer) or a device driver's
 * open is never called.  Everything else is openat2()'s own:
 * build_open_flags() validation (EINVAL), the path walk with RESOLVE_*,
 * may_open() (DAC, O_NOFOLLOW -> ELOOP, EISDIR for writes), LSM file_open,
 * audit, fsnotify, O_CREAT/O_TRUNC, fd allocation and O_CLOEXEC.
 *
 * Opens that do not pass vfs_open() only ever produce regular files:
 * O_TMPFILE (vfs_tmpfile() creates S_IFREG) and ->atomic_open() (NFS,
 * CIFS, FUSE, 9p open there only files they create as S_IFREG, FUSE
 * rejects a server that answers otherwise, and fall back to vfs_open()
 * via finish_no_open() for existing non-regular files).
 *
 * The hook is on a hot path (every open in the system passes vfs_open()),
 * so its filter first reads one atomic counter of marked tasks, which is
 * zero unless a KWISH_OPEN_REGULAR call is in progress.
 */

#include <linux/dcache.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/openat2.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include <kwish_core.h>
#include <gates/fs/open.h>
#include "kwish_fs.h"

static atomic_t kw_open_regular_nr_callers = ATOMIC_INIT(0);
static DEFINE_SPINLOCK(kw_open_regular_lock);
static LIST_HEAD(kw_open_regular_callers);
static bool kw_open_regular_native;

VISIBLE_IF_KUNIT void kw_open_regular_mark(struct kw_open_regular_caller *caller)
{
	spin_lock(&kw_open_regular_lock);
	list_add(&caller->node, &kw_open_regular_callers);
	atomic_inc(&kw_open_regular_nr_callers);
	spin_unlock(&kw_open_regular_lock);
}
EXPORT_SYMBOL_IF_KUNIT(kw_open_regular_mark);

VISIBLE_IF_KUNIT void kw_open_regular_unmark(struct kw_open_regular_caller *caller)
{
	spin_lock(&kw_open_regular_lock);
	list_del(&caller->node);
	atomic_dec(&kw_open_regular_nr_callers);
	spin_unlock(&kw_open_regular_lock);
}
EXPORT_SYMBOL_IF_KUNIT(kw_open_regular_unmark);

static bool kw_open_regular_current_is_marked(void)
{
	struct kw_open_regular_caller *caller;
	bool marked = false;

	spin_lock(&kw_open_regular_lock);
	list_for_each_entry(caller, &kw_open_regular_callers, node) {
		if (caller->task == current) {
			marked = true;
			break;
		}
	}
	spin_unlock(&kw_open_regular_lock);
	return marked;
}

/* Filter of the vfs_open(const struct path *, struct file *) hook. */
VISIBLE_IF_KUNIT bool kw_open_regular_vfs_open_filter(const unsigned long *args)
{
	const struct path *path = (const struct path *)args[0];

	if (likely(!atomic_read(&kw_open_regular_nr_callers)))
		return false;
	if (S_ISREG(d_backing_inode(path->dentry)->i_mode))
		return false;
	return kw_open_regular_current_is_marked();
}
EXPORT_SYMBOL_IF_KUNIT(kw_open_regular_vfs_open_filter);

/* Where a refused vfs_open() call goes: same prototype, fails. */
static int kw_open_regular_refuse_open(const struct path *path, struct file *file)
{
	return -EFTYPE;
}

static struct kw_hook kw_open_regular_gate = KW_GATE_HOOK(do_sys_openat2);

static struct kw_hook kw_open_regular_check = {
	.name = "O_REGULAR type check in vfs_open",
	.target_sym = "vfs_open",
	.dest_fn = kw_open_regular_refuse_open,
	.filter = kw_open_regular_vfs_open_filter,
};

VISIBLE_IF_KUNIT long kw_fs_open_regular(struct kw_ucmd *ucmd)
{
	const struct kwish_open_regular *arg = ucmd->cmd;
	struct kw_open_regular_caller caller = { .task = current };
	struct open_how how = {
		.flags = arg->open_flags & ~OPENAT2_REGULAR,
		.mode = arg->mode,
		.resolve = arg->resolve,
	};
	const char __user *pathname = u64_to_user_ptr(arg->pathname);
	long fd;

	if (arg->__reserved)
		return -EINVAL;
	/*
	 * What the openat2() syscall does before do_sys_openat2() (fs/open.c,
	 * v6.1 and v6.12): on 64-bit every open but O_PATH is O_LARGEFILE.
	 * Without it generic_file_open() refuses files over 2 GiB with
	 * EOVERFLOW and F_GETFL differs from openat2()'s.
	 */
	if (!(how.flags & O_PATH) && force_o_largefile())
		how.flags |= O_LARGEFILE;

	if (kw_open_regular_native) {
		how.flags |= OPENAT2_REGULAR;
		return kw_gate_do_sys_openat2(arg->dirfd, pathname, &how);
	}

	kw_open_regular_mark(&caller);
	fd = kw_gate_do_sys_openat2(arg->dirfd, pathname, &how);
	kw_open_regular_unmark(&caller);
	return fd;
}
EXPORT_SYMBOL_IF_KUNIT(kw_fs_open_regular);

/* the uapi sizes: a struct never changes, it only grows */
static_assert(sizeof(struct kwish_open_regular) == KWISH_OPEN_REGULAR_SIZE_VER0);

static const struct kw_cmd kw_open_regular_cmds[] = {
	KW_IOCTL_OP(KWISH_CMD_OPEN_REGULAR, kw_fs_open_regular,
		    struct kwish_open_regular, resolve, 0),
};

/*
 * Native OPENAT2_REGULAR: build_open_flags() runs before the path is read,
 * so a kernel that does not know the flag answers EINVAL, one that knows it
 * goes on to getname(NULL) and answers EFAULT.
 */
static bool kw_open_regular_probe_native(void)
{
	struct open_how how = { .flags = O_RDONLY | OPENAT2_REGULAR };

	return kw_gate_do_sys_openat2(AT_FDCWD, NULL, &how) == -EFAULT;
}

/* With the gate installed: native, or the type check in vfs_open(). */
static int kw_open_regular_setup(struct kw_feature *f)
{
	kw_open_regular_native = kw_open_regular_probe_native();
	if (kw_open_regular_native) {
		f->state = KWISH_STATE_NATIVE;
		strscpy(f->reason, "openat2() accepts OPENAT2_REGULAR",
			sizeof(f->reason));
		return 0;
	}
	return kw_hooks_install(&kw_open_regular_check, 1, f->reason,
				sizeof(f->reason));
}

static void kw_open_regular_teardown(struct kw_feature *f)
{
	if (!kw_open_regular_native)
		kw_hooks_remove(&kw_open_regular_check, 1);
}

struct kw_feature kw_open_regular_feature = {
	.id = 8,
	.cmds = kw_open_regular_cmds,
	.nr_cmds = ARRAY_SIZE(kw_open_regular_cmds),
	.gates = &kw_open_regular_gate,
	.nr_gates = 1,
	.present = "openat2() with a file type check in vfs_open()",
	.setup = kw_open_regular_setup,
	.teardown = kw_open_regular_teardown,
};
