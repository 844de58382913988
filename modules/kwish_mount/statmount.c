// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_mount, item 25: statmount(2) and listmount(2) for kernels without
 * them (v6.1), with upstream's numbers, structs and errno values.
 *
 * The semantics follow fs/namespace.c as of v6.12 (statmount and
 * listmount came in v6.8; listmount's pagination by the last id and
 * LISTMOUNT_REVERSE, STATMOUNT_MNT_NS_ID and mnt_id_req's mnt_ns_id came
 * later and are included): the mount is looked up in the caller's mount
 * namespace under namespace_sem; a mount whose root the caller cannot
 * reach from its own root is EPERM unless the caller has CAP_SYS_ADMIN in
 * the namespace's owning user namespace; security_sb_statfs() is asked;
 * strings go after the fixed struct, EOVERFLOW if they do not fit.
 * Not provided: STATMOUNT_MNT_OPTS (v6.10), mnt_ns_fd (EINVAL, as v6.8
 * treated the field as spare; later kernels, Debian's 6.12 among them,
 * take a mount namespace fd there) and mnt_ns_id of another namespace
 * (ENOENT: v6.1 cannot look mount namespaces up by id).
 *
 * The syscall numbers 457 and 458 go through kwish_core's syscall
 * backport (kwish_core/syscalls.c), while its "syscalls" switch is on;
 * /dev/kwish answers always.  Nothing of this runs where the kernel has
 * the syscalls: item 25 is native there.
 */

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string_helpers.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <uapi/linux/mount.h>

#include <kwish_core.h>
#include "kwish_mount.h"

/* The first valid unique mount id is MNT_UNIQUE_ID_OFFSET + 1 (v6.8). */
#define KW_MNT_UNIQUE_ID_OFFSET		BIT_ULL(31)
#define KW_STATMOUNT_STRING_REQ		(KWISH_STATMOUNT_MNT_ROOT | \
					 KWISH_STATMOUNT_MNT_POINT | \
					 KWISH_STATMOUNT_FS_TYPE)
#define KW_LISTMOUNT_MAX		1000000

struct kw_statmount {
	struct kwish_statmount __user *buf;
	size_t bufsize;
	struct mount *m;
	u64 mask;
	struct path root;
	struct kwish_statmount sm;
	struct seq_file seq;
};

static struct user_namespace *kw_ns_owner(struct mnt_namespace *ns)
{
	return KWL(mnt_namespace, user_ns, struct user_namespace *, ns);
}

static u64 kw_ns_id(struct mnt_namespace *ns)
{
	return KWL(mnt_namespace, seq, u64, ns);
}

static int kw_copy_mnt_id_req(const struct kwish_mnt_id_req __user *req,
			      struct kwish_mnt_id_req *kreq)
{
	u32 usize;
	int err;

	if (get_user(usize, &req->size))
		return -EFAULT;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	if (usize < KWISH_MNT_ID_REQ_SIZE_VER0)
		return -EINVAL;
	err = copy_struct_from_user(kreq, sizeof(*kreq), req, usize);
	if (err)
		return err;
	if (kreq->mnt_ns_fd)
		return -EINVAL;
	if (kreq->mnt_id <= KW_MNT_UNIQUE_ID_OFFSET)
		return -EINVAL;
	return 0;
}

static u64 kw_mnt_to_attr(struct vfsmount *mnt)
{
	unsigned int f = READ_ONCE(mnt->mnt_flags);
	u64 attr = 0;

	if (f & MNT_READONLY)
		attr |= MOUNT_ATTR_RDONLY;
	if (f & MNT_NOSUID)
		attr |= MOUNT_ATTR_NOSUID;
	if (f & MNT_NODEV)
		attr |= MOUNT_ATTR_NODEV;
	if (f & MNT_NOEXEC)
		attr |= MOUNT_ATTR_NOEXEC;
	if (f & MNT_NODIRATIME)
		attr |= MOUNT_ATTR_NODIRATIME;
	if (f & MNT_NOSYMFOLLOW)
		attr |= MOUNT_ATTR_NOSYMFOLLOW;
	if (f & MNT_NOATIME)
		attr |= MOUNT_ATTR_NOATIME;
	else if (f & MNT_RELATIME)
		attr |= MOUNT_ATTR_RELATIME;
	else
		attr |= MOUNT_ATTR_STRICTATIME;
	if (is_idmapped_mnt(mnt))
		attr |= MOUNT_ATTR_IDMAP;
	return attr;
}

static bool kw_mnt_shared(struct mount *m)
{
	return READ_ONCE(kwl_vfsmount(m)->mnt_flags) & MNT_SHARED;
}

static struct mount *kw_mnt_master(struct mount *m)
{
	return KWL(mount, mnt_master, struct mount *, m);
}

static int kw_mnt_group_id(struct mount *m)
{
	return KWL(mount, mnt_group_id, int, m);
}

static u64 kw_mnt_to_propagation(struct mount *m)
{
	u64 prop = 0;

	if (kw_mnt_shared(m))
		prop |= MS_SHARED;
	if (kw_mnt_master(m))
		prop |= MS_SLAVE;
	if (READ_ONCE(kwl_vfsmount(m)->mnt_flags) & MNT_UNBINDABLE)
		prop |= MS_UNBINDABLE;
	if (!prop)
		prop |= MS_PRIVATE;
	return prop;
}

static void kw_sm_sb_basic(struct kw_statmount *s)
{
	struct super_block *sb = kwl_vfsmount(s->m)->mnt_sb;

	s->sm.mask |= KWISH_STATMOUNT_SB_BASIC;
	s->sm.sb_dev_major = MAJOR(sb->s_dev);
	s->sm.sb_dev_minor = MINOR(sb->s_dev);
	s->sm.sb_magic = sb->s_magic;
	s->sm.sb_flags = sb->s_flags &
			 (SB_RDONLY | SB_SYNCHRONOUS | SB_DIRSYNC | SB_LAZYTIME);
}

static int kw_sm_mnt_basic(struct kw_statmount *s)
{
	struct mount *m = s->m;
	struct mount *parent = kw_mnt_parent(m);

	s->sm.mnt_id = kw_mnt_unique_id(m);
	s->sm.mnt_parent_id = kw_mnt_unique_id(parent);
	if (!s->sm.mnt_id || !s->sm.mnt_parent_id)
		return -ENOMEM;
	s->sm.mask |= KWISH_STATMOUNT_MNT_BASIC;
	s->sm.mnt_id_old = kw_mnt_id_old(m);
	s->sm.mnt_parent_id_old = kw_mnt_id_old(parent);
	s->sm.mnt_attr = kw_mnt_to_attr(kwl_vfsmount(m));
	s->sm.mnt_propagation = kw_mnt_to_propagation(m);
	s->sm.mnt_peer_group = kw_mnt_shared(m) ? kw_mnt_group_id(m) : 0;
	s->sm.mnt_master = kw_mnt_master(m) ?
			   kw_mnt_group_id(kw_mnt_master(m)) : 0;
	return 0;
}

static void kw_sm_propagate_from(struct kw_statmount *s)
{
	s->sm.mask |= KWISH_STATMOUNT_PROPAGATE_FROM;
	if (kw_mnt_master(s->m))
		s->sm.propagate_from = kw_get_dominating_id(s->m, &s->root);
}

/* fs/namespace.c's show_path(), then unescaped as upstream does. */
static int kw_sm_mnt_root(struct kw_statmount *s, struct seq_file *seq)
{
	struct dentry *root = kwl_vfsmount(s->m)->mnt_root;
	size_t start = seq->count;
	int err = 0;

	if (root->d_sb->s_op->show_path)
		err = root->d_sb->s_op->show_path(seq, root);
	else
		seq_dentry(seq, root, " \t\n\\");
	if (err)
		return err;
	if (unlikely(seq_has_overflowed(seq)))
		return -EAGAIN;
	seq->buf[seq->count] = '\0';
	seq->count = start;
	seq_commit(seq, string_unescape_inplace(seq->buf + start,
						UNESCAPE_OCTAL));
	return 0;
}

static int kw_sm_mnt_point(struct kw_statmount *s, struct seq_file *seq)
{
	struct vfsmount *mnt = kwl_vfsmount(s->m);
	struct path mnt_path = { .dentry = mnt->mnt_root, .mnt = mnt };
	int err;

	err = kw_seq_path_root(seq, &mnt_path, &s->root, "");
	return err == SEQ_SKIP ? 0 : err;
}

static int kw_sm_string(struct kw_statmount *s, u64 flag)
{
	struct seq_file *seq = &s->seq;
	struct kwish_statmount *sm = &s->sm;
	size_t kbufsize;
	u32 start, *offp;
	int err;

	/* An empty string at offset 0 for every offset left unset. */
	if (!seq->count)
		seq_putc(seq, 0);
	start = seq->count;

	switch (flag) {
	case KWISH_STATMOUNT_FS_TYPE:
		offp = &sm->fs_type;
		seq_puts(seq, kwl_vfsmount(s->m)->mnt_sb->s_type->name);
		err = 0;
		break;
	case KWISH_STATMOUNT_MNT_ROOT:
		offp = &sm->mnt_root;
		err = kw_sm_mnt_root(s, seq);
		break;
	case KWISH_STATMOUNT_MNT_POINT:
		offp = &sm->mnt_point;
		err = kw_sm_mnt_point(s, seq);
		break;
	default:
		WARN_ON_ONCE(1);
		return -EINVAL;
	}

	if (unlikely(check_add_overflow(sizeof(*sm), seq->count, &kbufsize)))
		return -EOVERFLOW;
	if (kbufsize >= s->bufsize)
		return -EOVERFLOW;
	if (unlikely(seq_has_overflowed(seq)))
		return -EAGAIN;	/* retried with a larger buffer */
	if (err)
		return err;
	seq->buf[seq->count++] = '\0';
	sm->mask |= flag;
	*offp = start;
	return 0;
}

/* upstream's grab_requested_root() for the caller's own namespace */
static int kw_do_statmount(struct kw_statmount *s, u64 mnt_id,
			   struct mnt_namespace *ns)
{
	struct vfsmount *mnt;
	int err = 0;

	s->m = kw_mnt_find(ns, mnt_id);
	if (!s->m)
		return -ENOENT;
	get_fs_root(current->fs, &s->root);
	mnt = kwl_vfsmount(s->m);

	/* As upstream: no audit denials for merely looking. */
	if (!kw_is_path_reachable(s->m, mnt->mnt_root, &s->root) &&
	    !ns_capable_noaudit(kw_ns_owner(ns), CAP_SYS_ADMIN))
		return -EPERM;
	err = kw_security_sb_statfs(mnt->mnt_root);
	if (err)
		return err;

	if (s->mask & KWISH_STATMOUNT_SB_BASIC)
		kw_sm_sb_basic(s);
	if (s->mask & KWISH_STATMOUNT_MNT_BASIC)
		err = kw_sm_mnt_basic(s);
	if (!err && s->mask & KWISH_STATMOUNT_PROPAGATE_FROM)
		kw_sm_propagate_from(s);
	if (!err && s->mask & KWISH_STATMOUNT_FS_TYPE)
		err = kw_sm_string(s, KWISH_STATMOUNT_FS_TYPE);
	if (!err && s->mask & KWISH_STATMOUNT_MNT_ROOT)
		err = kw_sm_string(s, KWISH_STATMOUNT_MNT_ROOT);
	if (!err && s->mask & KWISH_STATMOUNT_MNT_POINT)
		err = kw_sm_string(s, KWISH_STATMOUNT_MNT_POINT);
	if (!err && s->mask & KWISH_STATMOUNT_MNT_OWNER) {
		struct kw_mount_owner_info o;

		err = kw_mount_owner_fill(s->m, &o);
		if (!err) {
			s->sm.mask |= KWISH_STATMOUNT_MNT_OWNER;
			s->sm.kw_owner_userns_ino = o.userns_ino;
			s->sm.kw_owner_uid = o.owner_uid;
			s->sm.kw_umount_flags = o.umount_flags;
		}
	}
	if (!err && s->mask & KWISH_STATMOUNT_MNT_NS_ID) {
		s->sm.mask |= KWISH_STATMOUNT_MNT_NS_ID;
		s->sm.mnt_ns_id = kw_ns_id(ns);
	}
	return err;
}

static int kw_copy_statmount_to_user(struct kw_statmount *s)
{
	struct kwish_statmount *sm = &s->sm;
	struct seq_file *seq = &s->seq;
	char __user *str = (char __user *)s->buf + sizeof(*sm);
	size_t copysize = min_t(size_t, s->bufsize, sizeof(*sm));

	if (seq->count && copy_to_user(str, seq->buf, seq->count))
		return -EFAULT;
	sm->size = copysize + seq->count;
	if (copy_to_user(s->buf, sm, copysize))
		return -EFAULT;
	return 0;
}

/* Whether a mount namespace id names the caller's (v6.1 has no others). */
static int kw_check_ns(const struct kwish_mnt_id_req *kreq,
		       struct mnt_namespace *ns)
{
	if (kreq->mnt_ns_id && kreq->mnt_ns_id != kw_ns_id(ns))
		return -ENOENT;
	return 0;
}

static long kw_statmount(const struct kwish_mnt_id_req __user *req,
			 struct kwish_statmount __user *buf, size_t bufsize,
			 unsigned int flags)
{
	struct mnt_namespace *ns = kw_current_mnt_ns();
	struct kwish_mnt_id_req kreq;
	struct kw_statmount *s;
	/* three strings of at most PATH_MAX, grown on -EAGAIN */
	size_t seq_size = 3 * PATH_MAX;
	long ret;

	if (flags)
		return -EINVAL;
	ret = kw_copy_mnt_id_req(req, &kreq);
	if (ret)
		return ret;
	ret = kw_check_ns(&kreq, ns);
	if (ret)
		return ret;
	if (!access_ok(buf, bufsize))
		return -EFAULT;

	s = kmalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
retry:
	memset(s, 0, sizeof(*s));
	s->mask = kreq.param;
	s->buf = buf;
	s->bufsize = bufsize;
	if (s->mask & KW_STATMOUNT_STRING_REQ) {
		/* even the reserved empty string needs room */
		ret = -EOVERFLOW;
		if (bufsize <= sizeof(s->sm))
			goto out;
		ret = -ENOMEM;
		s->seq.buf = kvmalloc(seq_size, GFP_KERNEL_ACCOUNT);
		if (!s->seq.buf)
			goto out;
		s->seq.size = seq_size;
	}

	kw_namespace_lock_read();
	ret = kw_do_statmount(s, kreq.mnt_id, ns);
	kw_namespace_unlock_read();

	if (!ret)
		ret = kw_copy_statmount_to_user(s);
	kvfree(s->seq.buf);
	path_put(&s->root);
	if (ret == -EAGAIN && !check_mul_overflow(seq_size, 2, &seq_size) &&
	    seq_size <= MAX_RW_COUNT)
		goto retry;
out:
	kfree(s);
	return ret;
}

static int kw_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Every mount of @ns whose root is reachable from @orig, except the mount
 * named @parent_id itself, sorted by id: upstream walks its id-sorted
 * tree; v6.1 has none, so kwish collects and sorts (O(n log n)),
 * descending for LISTMOUNT_REVERSE.
 */
static int kw_cmp_u64_reverse(const void *a, const void *b)
{
	return kw_cmp_u64(b, a);
}

static ssize_t kw_collect_mounts(struct mnt_namespace *ns, u64 parent_id,
				 const struct path *orig, bool reverse,
				 u64 **idsp)
{
	struct mount *root = KWL(mnt_namespace, root, struct mount *, ns);
	size_t n = 0, cap = 64;
	struct mount *r;
	u64 *ids, *bigger, id;

	ids = kvmalloc_array(cap, sizeof(*ids), GFP_KERNEL_ACCOUNT);
	if (!ids)
		return -ENOMEM;
	for (r = root; r; r = kw_mnt_next(r, root)) {
		if (kw_mnt_ns(r) != ns)
			continue;
		if (!kw_is_path_reachable(r, kwl_vfsmount(r)->mnt_root, orig))
			continue;
		id = kw_mnt_unique_id(r);
		if (!id)
			goto nomem;
		if (id == parent_id)
			continue;
		if (n == cap) {
			bigger = kvmalloc_array(cap * 2, sizeof(*ids),
						GFP_KERNEL_ACCOUNT);
			if (!bigger)
				goto nomem;
			memcpy(bigger, ids, n * sizeof(*ids));
			kvfree(ids);
			ids = bigger;
			cap *= 2;
		}
		ids[n++] = id;
		cond_resched();
	}
	sort(ids, n, sizeof(*ids), reverse ? kw_cmp_u64_reverse : kw_cmp_u64,
	     NULL);
	*idsp = ids;
	return n;
nomem:
	kvfree(ids);
	return -ENOMEM;
}

static long kw_listmount(const struct kwish_mnt_id_req __user *req,
			 u64 __user *mnt_ids, size_t nr_mnt_ids,
			 unsigned int flags)
{
	struct mnt_namespace *ns = kw_current_mnt_ns();
	bool reverse = flags & KWISH_LISTMOUNT_REVERSE;
	struct kwish_mnt_id_req kreq;
	struct path root, orig;
	u64 *ids = NULL, last;
	ssize_t n, first, ret;

	if (flags & ~KWISH_LISTMOUNT_REVERSE)
		return -EINVAL;
	if (nr_mnt_ids > KW_LISTMOUNT_MAX)
		return -EOVERFLOW;
	if (!access_ok(mnt_ids, nr_mnt_ids * sizeof(*mnt_ids)))
		return -EFAULT;
	ret = kw_copy_mnt_id_req(req, &kreq);
	if (ret)
		return ret;
	last = kreq.param;
	if (last && last <= KW_MNT_UNIQUE_ID_OFFSET)
		return -EINVAL;
	ret = kw_check_ns(&kreq, ns);
	if (ret)
		return ret;

	kw_namespace_lock_read();
	get_fs_root(current->fs, &root);
	if (kreq.mnt_id == KWISH_LSMT_ROOT) {
		orig = root;
	} else {
		struct mount *m = kw_mnt_find(ns, kreq.mnt_id);

		ret = -ENOENT;
		if (!m)
			goto unlock;
		orig.mnt = kwl_vfsmount(m);
		orig.dentry = orig.mnt->mnt_root;
	}
	ret = -EPERM;
	if (!kw_is_path_reachable(kwl_real_mount(orig.mnt), orig.dentry,
				  &root) &&
	    !ns_capable_noaudit(kw_ns_owner(ns), CAP_SYS_ADMIN))
		goto unlock;
	ret = kw_security_sb_statfs(orig.dentry);
	if (ret)
		goto unlock;
	ret = kw_collect_mounts(ns, kreq.mnt_id, &orig, reverse, &ids);
unlock:
	kw_namespace_unlock_read();
	path_put(&root);
	if (ret <= 0) {
		kvfree(ids);	/* allocated even when nothing was found */
		return ret;
	}

	/* ids sorted ascending (descending for LISTMOUNT_REVERSE) */
	n = ret;
	for (first = 0; first < n && last &&
	     (reverse ? ids[first] >= last : ids[first] <= last); first++)
		;
	n = min_t(ssize_t, n - first, nr_mnt_ids);
	ret = n;
	if (n && copy_to_user(mnt_ids, ids + first, n * sizeof(*ids)))
		ret = -EFAULT;
	kvfree(ids);
	return ret;
}

/* The syscall numbers, x86_64 ABI (kwish_core's syscall backport). */
static long kw_sys_statmount(const struct pt_regs *regs)
{
	return kw_statmount((void __user *)regs->di, (void __user *)regs->si,
			    regs->dx, (unsigned int)regs->r10);
}

static long kw_sys_listmount(const struct pt_regs *regs)
{
	return kw_listmount((void __user *)regs->di, (void __user *)regs->si,
			    regs->dx, (unsigned int)regs->r10);
}

static struct kw_syscall kw_statmount_syscalls[] = {
	{ .name = "statmount", .nr = KWISH_NR_STATMOUNT,
	  .call = kw_sys_statmount },
	{ .name = "listmount", .nr = KWISH_NR_LISTMOUNT,
	  .call = kw_sys_listmount },
};

/* /dev/kwish */
static long kw_cmd_statmount(struct kw_ucmd *ucmd)
{
	struct kwish_mount_call *c = ucmd->cmd;

	if (c->__reserved)
		return -EINVAL;
	return kw_statmount(u64_to_user_ptr(c->req), u64_to_user_ptr(c->buf),
			    c->bufsize, c->call_flags);
}

static long kw_cmd_listmount(struct kw_ucmd *ucmd)
{
	struct kwish_mount_call *c = ucmd->cmd;

	if (c->__reserved)
		return -EINVAL;
	return kw_listmount(u64_to_user_ptr(c->req), u64_to_user_ptr(c->buf),
			    c->bufsize, c->call_flags);
}

/* the uapi sizes: a struct never changes, it only grows */
static_assert(sizeof(struct kwish_mount_call) == KWISH_MOUNT_CALL_SIZE_VER0);
static_assert(sizeof(struct kwish_mnt_id_req) == KWISH_MNT_ID_REQ_SIZE_VER1);
static_assert(sizeof(struct kwish_statmount) == 512);

static const struct kw_cmd kw_statmount_cmds[] = {
	KW_IOCTL_OP(KWISH_CMD_STATMOUNT, kw_cmd_statmount,
		    struct kwish_mount_call, __reserved, 0),
	KW_IOCTL_OP(KWISH_CMD_LISTMOUNT, kw_cmd_listmount,
		    struct kwish_mount_call, __reserved, 0),
};

static enum kwish_feature_state kw_statmount_probe(struct kw_feature *f)
{
	/* Native (v6.8+): kwish_core reports it, kwish stays out. */
	if (kw_item_native(25))
		return KWISH_STATE_NOT_LOADED;
	if (kw_mount_table_error()) {
		strscpy(f->reason, kw_mount_table_error(), sizeof(f->reason));
		return KWISH_STATE_UNAVAILABLE;
	}
	f->syscalls = kw_statmount_syscalls;
	f->nr_syscalls = ARRAY_SIZE(kw_statmount_syscalls);
	return KWISH_STATE_PRESENT;
}

struct kw_feature kw_statmount_feature = {
	.id = 25,
	.cmds = kw_statmount_cmds,
	.nr_cmds = ARRAY_SIZE(kw_statmount_cmds),
	.present = "/dev/kwish",
	.probe = kw_statmount_probe,
};

bool kw_mount_statmount_provided(void)
{
	return kw_statmount_feature.state == KWISH_STATE_PRESENT;
}
