// SPDX-License-Identifier: GPL-2.0
/*
 * kwish_mount: reading the mount table, shared by every mount item.
 *
 * struct mount and struct mnt_namespace are private to fs/ (fs/mount.h):
 * their members are reached only through <kwish_layout.h>, whose offsets
 * kwish_core/layout.sh took from the target kernel's BTF at build time.
 * The tree is read the way fs/namespace.c reads it for /proc/self/mountinfo
 * and statmount(2): under namespace_sem held for reading (the tree, each
 * mount's mnt_ns and its children lists only change with it held for
 * writing), walking mnt_mounts/mnt_child from the namespace's root like
 * next_mnt().  (v6.1's mnt_namespace.list is not used: /proc readers put
 * cursors into it under ns_lock.)
 *
 * Unique mount ids.  v6.8 gave every mount a 64-bit id that is never
 * reused (mnt_id_unique); v6.1 only has the 31-bit mnt_id of
 * /proc/self/mountinfo, which the IDA hands out again as soon as a mount
 * is freed.  Where the kernel has mnt_id_unique (found in its BTF), kwish
 * uses it.  Otherwise kwish keeps a table: the first time kwish looks at
 * a mount it gives it the id
 *
 *	(generation << 32) | mnt_id		(generation = 1, 2, 3, ...)
 *
 * and keeps {mount, id} in an xarray indexed by mnt_id.  A hook on
 * free_vfsmnt() (the one place a struct mount is freed: cleanup_mnt()'s
 * RCU callback and clone_mnt()'s error path) drops the entry before the
 * memory goes, so an entry always names a live mount, and a mount that
 * gets a recycled mnt_id gets a new generation.  Such ids are never
 * reused while kwish_mount stays loaded, are > 2^32 (upstream's unique ids
 * start above 2^31, so callers' range checks hold), and give the old id
 * back in their low 32 bits.  Ids are given out lazily, so their order is
 * the order in which kwish first saw the mounts, not creation order; a
 * reload of kwish_mount starts a new numbering.
 */

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/nsproxy.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <kwish_core.h>
#include <gates/fs/namespace.h>
#include <gates/fs/pnode.h>
#include <gates/fs/seq_file.h>
#include <gates/security/security.h>
#include "kwish_mount.h"

static struct rw_semaphore *kw_namespace_sem;
static char kw_table_why[KWISH_REASON_LEN];
static bool kw_table_ready;
/* The kernel has mnt_id_unique: no table, no free_vfsmnt() hook. */
static bool kw_native_ids;

struct kw_mnt_ident {
	struct mount *mnt;	/* compared, never dereferenced from here */
	u64 id;
};

/*
 * mnt_id -> struct kw_mnt_ident.  Locked with BH off: free_vfsmnt() runs
 * in an RCU callback.  An entry is only dereferenced under the lock, and
 * the free_vfsmnt() hook erases it under the lock before the mount's
 * memory is freed.
 */
static DEFINE_XARRAY_FLAGS(kw_idents, XA_FLAGS_LOCK_BH);
static atomic64_t kw_generation = ATOMIC64_INIT(0);

/* Number of mounts in the table (read-only parameter, for tests). */
static atomic_t kw_nr_idents = ATOMIC_INIT(0);
static int kw_param_get_idents(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&kw_nr_idents));
}

static const struct kernel_param_ops kw_idents_ops = {
	.get = kw_param_get_idents,
};
module_param_cb(tracked_mount_ids, &kw_idents_ops, NULL, 0444);
MODULE_PARM_DESC(tracked_mount_ids,
		 "mounts that have a kwish unique id (0 where the kernel has its own)");

/*
 * Diverted free_vfsmnt() (fs/namespace.c, static, out of line in v6.1):
 * forget the mount's id, then free it.  Runs in an RCU callback or under
 * namespace_sem and does not sleep; it enters the drain's read section
 * all the same, for the gate it calls at the end.
 */
static void kw_free_vfsmnt(struct mount *mnt)
{
	int srcu = kw_hook_enter();
	struct kw_mnt_ident *e;
	unsigned long idx;

	idx = (unsigned int)kw_mnt_id_old(mnt);
	xa_lock_bh(&kw_idents);
	e = xa_load(&kw_idents, idx);
	if (e && e->mnt == mnt) {
		__xa_erase(&kw_idents, idx);
		atomic_dec(&kw_nr_idents);
	} else {
		e = NULL;
	}
	xa_unlock_bh(&kw_idents);
	kfree(e);
	kw_gate_free_vfsmnt(mnt);
	kw_hook_leave(srcu);
}

static struct kw_hook kw_table_gates[] = {
	KW_GATE_HOOK(is_path_reachable),
	KW_GATE_HOOK(get_dominating_id),
	KW_GATE_HOOK(seq_path_root),
	KW_GATE_HOOK(security_sb_statfs),
	/* the last one only without mnt_id_unique */
	KW_GATE_HOOK(free_vfsmnt),
};

/*
 * Without mnt_id_unique only; installed after the gates, removed before
 * them: kw_free_vfsmnt() calls a gate.
 */
static struct kw_hook kw_table_id_hook[] = {
	{ .name = "free_vfsmnt id release",
	  .target_sym = "free_vfsmnt",
	  .dest_fn = kw_free_vfsmnt },
};

static unsigned int kw_nr_table_gates(void)
{
	return ARRAY_SIZE(kw_table_gates) - (kw_native_ids ? 1 : 0);
}

bool kw_is_path_reachable(struct mount *mnt, struct dentry *dentry,
			  const struct path *root)
{
	return kw_gate_is_path_reachable(mnt, dentry, root);
}

int kw_get_dominating_id(struct mount *mnt, const struct path *root)
{
	return kw_gate_get_dominating_id(mnt, root);
}

int kw_seq_path_root(struct seq_file *m, const struct path *path,
		     const struct path *root, const char *esc)
{
	return kw_gate_seq_path_root(m, path, root, esc);
}

int kw_security_sb_statfs(struct dentry *dentry)
{
	return kw_gate_security_sb_statfs(dentry);
}

void kw_namespace_lock_read(void)
{
	down_read(kw_namespace_sem);
}

void kw_namespace_unlock_read(void)
{
	up_read(kw_namespace_sem);
}

struct mnt_namespace *kw_current_mnt_ns(void)
{
	return current->nsproxy->mnt_ns;
}

/* fs/namespace.c's next_mnt(). */
struct mount *kw_mnt_next(struct mount *p, struct mount *root)
{
	struct list_head *head = KWL_PTR(mount, mnt_mounts, struct list_head, p);
	struct list_head *next = head->next;

	if (next == head) {
		for (;;) {
			struct mount *parent;

			if (p == root)
				return NULL;
			next = KWL(mount, mnt_child, struct list_head, p).next;
			parent = kw_mnt_parent(p);
			if (next != KWL_PTR(mount, mnt_mounts, struct list_head,
					    parent))
				break;
			p = parent;
		}
	}
	return (struct mount *)((char *)next - KWL_mount_mnt_child_OFF);
}

u64 kw_mnt_unique_id(struct mount *m)
{
	return kw_mnt_unique_id_gfp(m, GFP_KERNEL);
}

u64 kw_mnt_unique_id_gfp(struct mount *m, gfp_t gfp)
{
	unsigned long idx = (unsigned int)kw_mnt_id_old(m);
	struct kw_mnt_ident *e, *new, *cur;
	u64 id = 0;

	if (kw_native_ids)
		return KWL(mount, mnt_id_unique, u64, m);
	xa_lock_bh(&kw_idents);
	e = xa_load(&kw_idents, idx);
	if (e && e->mnt == m)
		id = e->id;
	xa_unlock_bh(&kw_idents);
	if (id)
		return id;

	new = kmalloc(sizeof(*new), gfp);
	if (!new)
		return 0;
	new->mnt = m;
	new->id = ((u64)atomic64_inc_return(&kw_generation) << 32) | idx;

	xa_lock_bh(&kw_idents);
	for (;;) {
		e = xa_load(&kw_idents, idx);
		if (e && e->mnt == m) {
			/* someone else named it first */
			id = e->id;
			break;
		}
		/* empty, or a mount that had this mnt_id before */
		cur = __xa_cmpxchg(&kw_idents, idx, e, new, gfp);
		if (xa_is_err(cur)) {
			id = 0;
			break;
		}
		if (cur == e) {
			id = new->id;
			if (!e)
				atomic_inc(&kw_nr_idents);
			new = e;	/* the stale entry is freed below */
			break;
		}
	}
	xa_unlock_bh(&kw_idents);
	kfree(new);
	return id;
}

struct mount *kw_mnt_find(struct mnt_namespace *ns, u64 id)
{
	struct kw_mnt_ident *e;
	struct mount *m = NULL;

	lockdep_assert_held(kw_namespace_sem);
	if (kw_native_ids) {
		struct mount *root = KWL(mnt_namespace, root, struct mount *, ns);

		for (m = root; m; m = kw_mnt_next(m, root))
			if (kw_mnt_unique_id(m) == id && kw_mnt_ns(m) == ns)
				return m;
		return NULL;
	}
	if (id >> 32 == 0)
		return NULL;
	xa_lock_bh(&kw_idents);
	e = xa_load(&kw_idents, (unsigned int)id);
	/*
	 * The entry is there, so the mount is not freed yet; if it is in
	 * @ns, it stays there (and alive) while we hold namespace_sem.
	 */
	if (e && e->id == id && kw_mnt_ns(e->mnt) == ns)
		m = e->mnt;
	xa_unlock_bh(&kw_idents);
	return m;
}

const char *kw_mount_table_error(void)
{
	return kw_table_ready ? NULL : kw_table_why;
}

/* Members every mount item reads (kwish_core/layout.list). */
#define KW_NEED(s, m)	{ KWL_HAVE(s, m), "struct " #s "." #m }
static const struct {
	bool have;
	const char *name;
} kw_layout_needed[] = {
	KW_NEED(mount, mnt_parent),
	KW_NEED(mount, mnt_mountpoint),
	KW_NEED(mount, mnt),
	KW_NEED(mount, mnt_mounts),
	KW_NEED(mount, mnt_child),
	KW_NEED(mount, mnt_master),
	KW_NEED(mount, mnt_ns),
	KW_NEED(mount, mnt_id),
	KW_NEED(mount, mnt_group_id),
	KW_NEED(mnt_namespace, ns),
	KW_NEED(mnt_namespace, root),
	KW_NEED(mnt_namespace, user_ns),
	KW_NEED(mnt_namespace, seq),
};

static const char *kw_layout_missing(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kw_layout_needed); i++)
		if (!kw_layout_needed[i].have)
			return kw_layout_needed[i].name;
	return NULL;
}

int kw_mount_table_init(void)
{
	const char *missing = kw_layout_missing();
	int err;

	if (missing) {
		snprintf(kw_table_why, sizeof(kw_table_why),
			 "layout of %s not found (%s)", missing, KWL_SOURCE);
		goto out;
	}
	kw_native_ids = KWL_HAVE(mount, mnt_id_unique);
	kw_namespace_sem = (void *)kw_lookup_name("namespace_sem");
	if (!kw_namespace_sem) {
		strscpy(kw_table_why, "cannot resolve namespace_sem",
			sizeof(kw_table_why));
		goto out;
	}
	err = kw_hooks_install(kw_table_gates, kw_nr_table_gates(),
			       kw_table_why, sizeof(kw_table_why));
	if (err)
		goto out;
	if (!kw_native_ids) {
		err = kw_hooks_install(kw_table_id_hook,
				       ARRAY_SIZE(kw_table_id_hook),
				       kw_table_why, sizeof(kw_table_why));
		if (err) {
			kw_hooks_remove(kw_table_gates, kw_nr_table_gates());
			goto out;
		}
	}
	kw_table_ready = true;
out:
	if (!kw_table_ready)
		pr_warn("mount table unavailable: %s\n", kw_table_why);
	return 0;
}

void kw_mount_table_exit(void)
{
	struct kw_mnt_ident *e;
	unsigned long idx;

	if (!kw_table_ready)
		return;
	/*
	 * A free_vfsmnt() diverted before the removal may still run, and
	 * needs its gate to free the mount: the gates go after it.
	 */
	if (!kw_native_ids) {
		kw_hooks_remove(kw_table_id_hook,
				ARRAY_SIZE(kw_table_id_hook));
	}
	kw_hooks_remove(kw_table_gates, kw_nr_table_gates());
	xa_for_each(&kw_idents, idx, e)
		kfree(e);
	xa_destroy(&kw_idents);
	kw_table_ready = false;
}
