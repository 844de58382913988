// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for kwish_core:
 *   kwish_core_dispatch  the ioctl decoder and the size/flags/errno rules
 *                        of uapi kwish.h, and their order in kw_ioctl()
 *   kwish_core_registry  feature registration, command ownership, the
 *                        status entries of all 37 items
 *   kwish_core_hooks     the hook registry: diversion, filters, the
 *                        recursion guard, one IPMODIFY owner per function,
 *                        all-or-nothing installation, resolution errors
 *
 * Load kwish_core first and this module before any feature module: the
 * registry and dispatch cases borrow items and commands that no loaded
 * module owns (a case that finds its command taken is skipped).
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/ioctl.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/string.h>

#include <kwish_gate.h>

#include "core.h"
#include "kwish_core_test.h"

/* ------------------------------------------------------------ dispatch */

/* The request numbers are uapi: they never change. */
static void kwt_uapi_numbers(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, KWISH_TYPE, 0xBA);
	KUNIT_EXPECT_EQ(test, KWISH_STATUS, 0xBA80U);
	KUNIT_EXPECT_EQ(test, KWISH_OPEN_REGULAR, 0xBA81U);
	KUNIT_EXPECT_EQ(test, KWISH_UNLINK_INODE, 0xBA82U);
	KUNIT_EXPECT_EQ(test, KWISH_FLOCK_TIMEOUT, 0xBA83U);
	KUNIT_EXPECT_EQ(test, KWISH_LINK_REPLACE, 0xBA84U);
	KUNIT_EXPECT_EQ(test, KWISH_CREATE_OPEN, 0xBA85U);
	KUNIT_EXPECT_EQ(test, KWISH_CLOSE_ASYNC, 0xBA86U);
	KUNIT_EXPECT_EQ(test, KWISH_FLOCK_WATCH, 0xBA87U);
	KUNIT_EXPECT_EQ(test, KWISH_UPGRADE_MASK, 0xBA88U);
	KUNIT_EXPECT_EQ(test, KWISH_UNLINK_REMOVEDIR, 0x200);
}

static void kwt_decode_known(struct kunit *test)
{
	unsigned int nr;

	for (nr = KWISH_CMD_BASE; nr < KWISH_CMD_END; nr++)
		KUNIT_EXPECT_EQ(test, kw_cmd_decode(_IO(KWISH_TYPE, nr)),
				(int)nr);
}

static void kwt_decode_enotty(struct kunit *test)
{
	const unsigned int bad[] = {
		0,
		_IO(0xB7, KWISH_CMD_BASE),		/* nsfs' type */
		_IO(KWISH_TYPE, KWISH_CMD_BASE - 1),
		_IO(KWISH_TYPE, KWISH_CMD_END),
		_IO(KWISH_TYPE, 0xFF),
		_IOR(KWISH_TYPE, KWISH_CMD_BASE, __u32),
		_IOW(KWISH_TYPE, KWISH_CMD_BASE, __u32),
		_IOWR(KWISH_TYPE, KWISH_CMD_BASE, struct kwish_status),
		KWISH_STATUS | (8 << _IOC_SIZESHIFT),
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, kw_cmd_decode(bad[i]), -ENOTTY,
				    "cmd %#x", bad[i]);
}

/* kwish_core's own command, and a descriptor written by hand. */
static void kwt_size_flag_rules(struct kunit *test)
{
	static const struct kw_cmd wide = {
		.nr = KWISH_CMD_UNLINK_INODE, .handler = NULL,
		.size = KW_CMD_MAX_SIZE, .min_size = 8,
		.valid_flags = 0x80000001,
	};

	KUNIT_EXPECT_EQ(test, kw_status_cmd.min_size, KWISH_STATUS_SIZE_VER0);
	KUNIT_EXPECT_EQ(test, kw_status_cmd.valid_flags, 0);
	kwt_cmd_rules(test, &kw_status_cmd);
	kwt_cmd_rules(test, &wide);
}

/*
 * The cases that borrow KWISH_CMD_UNLINK_INODE (or check that item 10 is
 * "not loaded") need kwish_fs out; true if it is loaded.
 */
static bool kwt_unlink_inode_owned(void)
{
	struct module *owner = NULL;

	if (!kw_registry_get_cmd(KWISH_CMD_UNLINK_INODE, &owner))
		return false;
	module_put(owner);	/* get_cmd took a reference */
	return true;
}

static int kwt_handler_calls;

static long kwt_handler(struct kw_ucmd *ucmd)
{
	kwt_handler_calls++;
	return 0;
}

/*
 * kw_ioctl() checks in the order of the errno contract: the request
 * (ENOTTY), the feature (EOPNOTSUPP), then the argument (EFAULT for a
 * pointer that cannot be read), and calls no handler on an error.
 */
static void kwt_ioctl_order(struct kunit *test)
{
	static const struct kw_cmd cmds[] = {
		KW_IOCTL_OP(KWISH_CMD_UNLINK_INODE, kwt_handler,
			    struct kwish_unlink_inode, __reserved, 0),
	};
	struct kw_feature *f;

	if (kwt_unlink_inode_owned())
		kunit_skip(test, "KWISH_UNLINK_INODE is owned (kwish_fs loaded)");

	KUNIT_EXPECT_EQ(test, kw_ioctl(NULL, _IO(0xB7, 1), 0), -ENOTTY);
	/* not registered: EOPNOTSUPP, even for an unreadable argument */
	KUNIT_EXPECT_EQ(test, kw_ioctl(NULL, KWISH_UNLINK_INODE, 0),
			-EOPNOTSUPP);
	/* the status command is always there: EFAULT for a NULL argument */
	KUNIT_EXPECT_EQ(test, kw_ioctl(NULL, KWISH_STATUS, 0), -EFAULT);

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->id = 3;
	f->state = KWISH_STATE_PRESENT;
	f->cmds = cmds;
	f->nr_cmds = ARRAY_SIZE(cmds);
	KUNIT_ASSERT_EQ(test, kw_feature_register(f), 0);
	kwt_handler_calls = 0;
	KUNIT_EXPECT_EQ(test, kw_ioctl(NULL, KWISH_UNLINK_INODE, 0), -EFAULT);
	KUNIT_EXPECT_EQ(test, kw_ioctl(NULL, KWISH_UNLINK_INODE, 16), -EFAULT);
	KUNIT_EXPECT_EQ(test, kwt_handler_calls, 0);
	kw_feature_unregister(f);
	KUNIT_EXPECT_EQ(test, kw_ioctl(NULL, KWISH_UNLINK_INODE, 0),
			-EOPNOTSUPP);
}

static struct kunit_case kwt_dispatch_cases[] = {
	KUNIT_CASE(kwt_uapi_numbers),
	KUNIT_CASE(kwt_decode_known),
	KUNIT_CASE(kwt_decode_enotty),
	KUNIT_CASE(kwt_size_flag_rules),
	KUNIT_CASE(kwt_ioctl_order),
	{}
};

static struct kunit_suite kwt_dispatch_suite = {
	.name = "kwish_core_dispatch",
	.test_cases = kwt_dispatch_cases,
};

/* ------------------------------------------------------------ registry */

/* Items 1-3 (kwish_mount) have no code in this release: free to borrow. */
#define KWT_ITEM_A	1
#define KWT_ITEM_B	2

static struct kw_feature *kwt_feature(struct kunit *test, u32 id,
				      enum kwish_feature_state state)
{
	struct kw_feature *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->id = id;
	f->state = state;
	strscpy(f->reason, "kunit", sizeof(f->reason));
	return f;
}

static void kwt_fill(u32 id, struct kwish_feature *out)
{
	memset(out, 0xa5, sizeof(*out));	/* fill must set every byte */
	kw_registry_fill(id, out);
}

static void kwt_register_invalid(struct kunit *test)
{
	static const struct kw_cmd status_cmd[] = {
		KW_IOCTL_OP(KWISH_CMD_STATUS, kwt_handler,
			    struct kwish_status, __reserved, 0),
	};
	static const struct kw_cmd end_cmd[] = {
		KW_IOCTL_OP(KWISH_CMD_END, kwt_handler,
			    struct kwish_status, __reserved, 0),
	};
	static const struct kw_cmd null_cmd[] = {
		KW_IOCTL_OP(KWISH_CMD_UNLINK_INODE, NULL,
			    struct kwish_unlink_inode, __reserved, 0),
	};
	/* descriptors not written with KW_IOCTL_OP() */
	static const struct kw_cmd bad_size_cmds[][1] = {
		{ { KWISH_CMD_UNLINK_INODE, kwt_handler, 32, 4, 0 } },
		{ { KWISH_CMD_UNLINK_INODE, kwt_handler, 16, 32, 0 } },
		{ { KWISH_CMD_UNLINK_INODE, kwt_handler,
		    KW_CMD_MAX_SIZE + 8, 32, 0 } },
	};
	unsigned int i;
	struct kw_feature *f = kwt_feature(test, 0, KWISH_STATE_PRESENT);
	struct kwish_feature e;

	KUNIT_EXPECT_EQ(test, kw_feature_register(f), -EINVAL);
	f->id = KWISH_ITEM_MAX + 1;
	KUNIT_EXPECT_EQ(test, kw_feature_register(f), -EINVAL);
	f->id = KWT_ITEM_A;
	f->state = KWISH_STATE_NOT_LOADED;
	KUNIT_EXPECT_EQ(test, kw_feature_register(f), -EINVAL);
	f->state = KWISH_STATE_NOT_IMPLEMENTED;
	KUNIT_EXPECT_EQ(test, kw_feature_register(f), -EINVAL);
	f->state = KWISH_STATE_PRESENT;
	f->nr_cmds = 1;
	f->cmds = status_cmd;
	KUNIT_EXPECT_EQ(test, kw_feature_register(f), -EINVAL);
	f->cmds = end_cmd;
	KUNIT_EXPECT_EQ(test, kw_feature_register(f), -EINVAL);
	f->cmds = null_cmd;
	KUNIT_EXPECT_EQ(test, kw_feature_register(f), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(bad_size_cmds); i++) {
		f->cmds = bad_size_cmds[i];
		KUNIT_EXPECT_EQ_MSG(test, kw_feature_register(f), -EINVAL,
				    "descriptor %u", i);
	}

	kwt_fill(KWT_ITEM_A, &e);
	KUNIT_EXPECT_EQ(test, e.state, (__u32)KWISH_STATE_NOT_IMPLEMENTED);
}

static void kwt_register_unavailable(struct kunit *test)
{
	struct kw_feature *f = kwt_feature(test, KWT_ITEM_A,
					   KWISH_STATE_UNAVAILABLE);
	struct kw_feature *dup = kwt_feature(test, KWT_ITEM_A,
					     KWISH_STATE_PRESENT);
	struct kwish_feature e;

	strscpy(f->reason, "kunit: cannot", sizeof(f->reason));
	KUNIT_ASSERT_EQ(test, kw_feature_register(f), 0);
	KUNIT_EXPECT_PTR_EQ(test, f->owner, THIS_MODULE);

	kwt_fill(KWT_ITEM_A, &e);
	KUNIT_EXPECT_EQ(test, e.id, (__u32)KWT_ITEM_A);
	KUNIT_EXPECT_EQ(test, e.state, (__u32)KWISH_STATE_UNAVAILABLE);
	KUNIT_EXPECT_STREQ(test, e.name, "overflowuid");
	KUNIT_EXPECT_STREQ(test, e.module, "kwish_mount");
	KUNIT_EXPECT_STREQ(test, e.reason, "kunit: cannot");

	/* one feature per item */
	KUNIT_EXPECT_EQ(test, kw_feature_register(dup), -EEXIST);
	/* unregistering another struct for the item changes nothing */
	kw_feature_unregister(dup);
	kwt_fill(KWT_ITEM_A, &e);
	KUNIT_EXPECT_EQ(test, e.state, (__u32)KWISH_STATE_UNAVAILABLE);

	kw_feature_unregister(f);
	kwt_fill(KWT_ITEM_A, &e);
	KUNIT_EXPECT_EQ(test, e.state, (__u32)KWISH_STATE_NOT_IMPLEMENTED);
	KUNIT_EXPECT_STREQ(test, e.reason,
			   "not implemented in this kwish release");
	/* a second unregister is harmless */
	kw_feature_unregister(f);
}

static void kwt_command_ownership(struct kunit *test)
{
	static const struct kw_cmd cmds[] = {
		KW_IOCTL_OP(KWISH_CMD_UNLINK_INODE, kwt_handler,
			    struct kwish_unlink_inode, __reserved, 0),
	};
	struct kw_feature *a = kwt_feature(test, KWT_ITEM_A, KWISH_STATE_PRESENT);
	struct kw_feature *b = kwt_feature(test, KWT_ITEM_B, KWISH_STATE_PRESENT);
	struct kw_feature *u = kwt_feature(test, KWT_ITEM_B,
					   KWISH_STATE_UNAVAILABLE);
	struct module *owner = NULL;
	const struct kw_cmd *c;
	struct kwish_feature e;

	if (kwt_unlink_inode_owned())
		kunit_skip(test, "KWISH_UNLINK_INODE is owned (kwish_fs loaded)");
	a->cmds = cmds;
	b->cmds = cmds;
	u->cmds = cmds;
	a->nr_cmds = 1;
	b->nr_cmds = 1;
	u->nr_cmds = 1;

	/* unavailable: registered, reported, never dispatched */
	KUNIT_ASSERT_EQ(test, kw_feature_register(u), 0);
	KUNIT_EXPECT_NULL(test, kw_registry_get_cmd(KWISH_CMD_UNLINK_INODE,
						    &owner));
	kw_feature_unregister(u);

	KUNIT_ASSERT_EQ(test, kw_feature_register(a), 0);
	owner = NULL;
	c = kw_registry_get_cmd(KWISH_CMD_UNLINK_INODE, &owner);
	KUNIT_EXPECT_PTR_EQ(test, c, &cmds[0]);
	KUNIT_EXPECT_PTR_EQ(test, owner, THIS_MODULE);
	if (c)
		module_put(owner);	/* get_cmd took a reference */

	/* a command has one owner: b is refused and not registered at all */
	KUNIT_EXPECT_EQ(test, kw_feature_register(b), -EEXIST);
	kwt_fill(KWT_ITEM_B, &e);
	KUNIT_EXPECT_EQ(test, e.state, (__u32)KWISH_STATE_NOT_IMPLEMENTED);

	kw_feature_unregister(a);
	KUNIT_EXPECT_NULL(test, kw_registry_get_cmd(KWISH_CMD_UNLINK_INODE,
						    &owner));
	/* now b may have it */
	KUNIT_EXPECT_EQ(test, kw_feature_register(b), 0);
	kw_feature_unregister(b);
}

/* Every item has an entry that makes sense, whatever is loaded. */
static void kwt_fill_all_items(struct kunit *test)
{
	struct kwish_feature e;
	u32 id;

	for (id = 1; id <= KWISH_ITEM_MAX; id++) {
		kwt_fill(id, &e);
		KUNIT_EXPECT_EQ(test, e.id, id);
		KUNIT_EXPECT_GT_MSG(test, strnlen(e.name, sizeof(e.name)),
				    (size_t)0, "item %u", id);
		KUNIT_EXPECT_LT_MSG(test, strnlen(e.name, sizeof(e.name)),
				    sizeof(e.name), "item %u", id);
		KUNIT_EXPECT_LT_MSG(test, strnlen(e.reason, sizeof(e.reason)),
				    sizeof(e.reason), "item %u", id);
		KUNIT_EXPECT_LE_MSG(test, e.state,
				    (__u32)KWISH_STATE_UNAVAILABLE,
				    "item %u", id);
		/* anything not present says why */
		if (e.state != KWISH_STATE_PRESENT)
			KUNIT_EXPECT_NE_MSG(test, e.reason[0], 0, "item %u", id);
	}
}

/* Items the kernels kwish supports (and this test kernel) have natively. */
static void kwt_native_items(struct kunit *test)
{
	static const u32 native[] = { 9, 15, 18, 32, 37 };
	struct kwish_feature e;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(native); i++) {
		kwt_fill(native[i], &e);
		KUNIT_EXPECT_EQ_MSG(test, e.state, (__u32)KWISH_STATE_NATIVE,
				    "item %u: %s", native[i], e.reason);
	}
}

static void kwt_implemented_not_loaded(struct kunit *test)
{
	struct kwish_feature e;

	if (kwt_unlink_inode_owned())
		kunit_skip(test, "kwish_fs is loaded");
	kwt_fill(10, &e);
	KUNIT_EXPECT_EQ(test, e.state, (__u32)KWISH_STATE_NOT_LOADED);
	KUNIT_EXPECT_STREQ(test, e.module, "kwish_fs");
	KUNIT_EXPECT_STREQ(test, e.reason, "modprobe kwish_fs");
	/* item 35 is a statement, never code */
	kwt_fill(35, &e);
	KUNIT_EXPECT_EQ(test, e.state, (__u32)KWISH_STATE_NOT_IMPLEMENTED);
	KUNIT_EXPECT_STREQ(test, e.module, "");
}

/*
 * A feature's syscall numbers (the syscall backport): checked at
 * registration, one feature per number, freed at unregistration, and
 * named in the item's status reason.
 */
static long kwt_sys_call(const struct pt_regs *regs)
{
	return 0;
}

static void kwt_syscalls(struct kunit *test)
{
	struct kw_syscall *sc = kunit_kcalloc(test, 2, sizeof(*sc), GFP_KERNEL);
	struct kw_feature *a = kwt_feature(test, KWT_ITEM_A, KWISH_STATE_PRESENT);
	struct kw_feature *b = kwt_feature(test, KWT_ITEM_B, KWISH_STATE_PRESENT);
	struct kwish_feature e;

	KUNIT_ASSERT_NOT_NULL(test, sc);
	sc[0] = (struct kw_syscall){ .name = "kwt", .call = kwt_sys_call };
	sc[1] = sc[0];
	a->syscalls = &sc[0];
	a->nr_syscalls = 1;
	b->syscalls = &sc[1];
	b->nr_syscalls = 1;

	sc[0].nr = KW_SYSCALL_FIRST - 1;
	KUNIT_EXPECT_EQ(test, kw_feature_register(a), -EINVAL);
	sc[0].nr = KW_SYSCALL_FIRST + KW_SYSCALL_SLOTS;
	KUNIT_EXPECT_EQ(test, kw_feature_register(a), -EINVAL);
	sc[0].nr = 500;
	sc[0].call = NULL;
	KUNIT_EXPECT_EQ(test, kw_feature_register(a), -EINVAL);
	sc[0].call = kwt_sys_call;

	KUNIT_ASSERT_EQ(test, kw_feature_register(a), 0);
	kwt_fill(KWT_ITEM_A, &e);
	KUNIT_EXPECT_EQ(test, strncmp(e.reason, "kunit; syscalls kwt(500)",
				      strlen("kunit; syscalls kwt(500)")), 0);
	/* one feature per number */
	sc[1].nr = 500;
	KUNIT_EXPECT_EQ(test, kw_feature_register(b), -EBUSY);
	kwt_fill(KWT_ITEM_B, &e);
	KUNIT_EXPECT_EQ(test, e.state, (__u32)KWISH_STATE_NOT_IMPLEMENTED);
	kw_feature_unregister(a);
	/* the number is free again */
	KUNIT_EXPECT_EQ(test, kw_feature_register(b), 0);
	kw_feature_unregister(b);
	/* an unavailable feature answers no number */
	b->state = KWISH_STATE_UNAVAILABLE;
	KUNIT_EXPECT_EQ(test, kw_feature_register(b), 0);
	kwt_fill(KWT_ITEM_B, &e);
	KUNIT_EXPECT_STREQ(test, e.reason, "kunit");
	kw_feature_unregister(b);
}

static struct kunit_case kwt_registry_cases[] = {
	KUNIT_CASE(kwt_register_invalid),
	KUNIT_CASE(kwt_register_unavailable),
	KUNIT_CASE(kwt_command_ownership),
	KUNIT_CASE(kwt_fill_all_items),
	KUNIT_CASE(kwt_native_items),
	KUNIT_CASE(kwt_implemented_not_loaded),
	KUNIT_CASE(kwt_syscalls),
	{}
};

static struct kunit_suite kwt_registry_suite = {
	.name = "kwish_core_registry",
	.test_cases = kwt_registry_cases,
};

/* ------------------------------------------------------------ hooks */

/*
 * Hook targets and destinations: functions of this module, traceable
 * (every module function has an __fentry__ site) and KW_CALL_GATE, so the
 * calls below are real calls whose result the compiler cannot know.
 */
static KW_CALL_GATE long kwt_add(long a, long b)
{
	return a + b;
}

static KW_CALL_GATE long kwt_sub(long a, long b)
{
	return a - b;
}

static KW_CALL_GATE long kwt_mul(long a, long b)
{
	return a * b;
}

static KW_CALL_GATE long kwt_max(long a, long b)
{
	return a > b ? a : b;
}

/* Called through a pointer from kernel/smp.c, or directly from here. */
static KW_CALL_GATE void kwt_mark_one(void *info)
{
	*(int *)info = 1;
}

static KW_CALL_GATE void kwt_mark_two(void *info)
{
	*(int *)info = 2;
}

static struct kw_hook *kwt_hooks(struct kunit *test, unsigned int n)
{
	struct kw_hook *h = kunit_kcalloc(test, n, sizeof(*h), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	return h;
}

static void kwt_hook_divert(struct kunit *test)
{
	struct kw_hook *h = kwt_hooks(test, 1);
	char why[KWISH_REASON_LEN] = "";

	h->name = "kunit add->mul";
	h->target_fn = kwt_add;
	h->dest_fn = kwt_mul;
	KUNIT_EXPECT_EQ(test, kwt_add(3, 4), 7L);
	KUNIT_ASSERT_EQ_MSG(test, kw_hooks_install(h, 1, why, sizeof(why)), 0,
			    "%s", why);
	KUNIT_EXPECT_EQ(test, kwt_add(5, 6), 30L);
	kw_hooks_remove(h, 1);
	KUNIT_EXPECT_EQ(test, kwt_add(3, 4), 7L);
	/* installable again after removal */
	KUNIT_ASSERT_EQ(test, kw_hooks_install(h, 1, why, sizeof(why)), 0);
	KUNIT_EXPECT_EQ(test, kwt_add(2, 5), 10L);
	kw_hooks_remove(h, 1);
}

static unsigned long kwt_filter_seen[2];

static bool kwt_filter_first_is_42(const unsigned long *args)
{
	kwt_filter_seen[0] = args[0];
	kwt_filter_seen[1] = args[1];
	return args[0] == 42;
}

static void kwt_hook_filter(struct kunit *test)
{
	struct kw_hook *h = kwt_hooks(test, 1);

	h->name = "kunit sub->max if 42";
	h->target_fn = kwt_sub;
	h->dest_fn = kwt_max;
	h->filter = kwt_filter_first_is_42;
	KUNIT_ASSERT_EQ(test, kw_hooks_install(h, 1, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, kwt_sub(10, 3), 7L);	/* filter said no */
	KUNIT_EXPECT_EQ(test, kwt_filter_seen[0], 10UL);
	KUNIT_EXPECT_EQ(test, kwt_filter_seen[1], 3UL);
	KUNIT_EXPECT_EQ(test, kwt_sub(42, 50), 50L);	/* diverted */
	KUNIT_EXPECT_EQ(test, kwt_filter_seen[1], 50UL);
	kw_hooks_remove(h, 1);
	KUNIT_EXPECT_EQ(test, kwt_sub(42, 50), -8L);
}

/* A function has one IPMODIFY owner; the refusal names it. */
static void kwt_hook_one_owner(struct kunit *test)
{
	struct kw_hook *h = kwt_hooks(test, 2);
	char why[KWISH_REASON_LEN] = "";

	h[0].name = "kunit first owner";
	h[0].target_fn = kwt_add;
	h[0].dest_fn = kwt_mul;
	h[1].name = "kunit second owner";
	h[1].target_fn = kwt_add;
	h[1].dest_fn = kwt_sub;
	KUNIT_ASSERT_EQ(test, kw_hooks_install(&h[0], 1, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, kw_hooks_install(&h[1], 1, why, sizeof(why)),
			-EBUSY);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "already hooked by kunit first owner"));
	KUNIT_EXPECT_EQ(test, kwt_add(3, 4), 12L);	/* still the first */
	kw_hooks_remove(&h[0], 1);
	KUNIT_EXPECT_EQ(test, kwt_add(3, 4), 7L);
}

/* A failure part-way removes what the same call had installed. */
static void kwt_hook_all_or_nothing(struct kunit *test)
{
	struct kw_hook *owner = kwt_hooks(test, 1);
	struct kw_hook *h = kwt_hooks(test, 2);
	char why[KWISH_REASON_LEN] = "";

	owner->name = "kunit owner of add";
	owner->target_fn = kwt_add;
	owner->dest_fn = kwt_mul;
	h[0].name = "kunit sub->max";
	h[0].target_fn = kwt_sub;
	h[0].dest_fn = kwt_max;
	h[1].name = "kunit add->sub";
	h[1].target_fn = kwt_add;
	h[1].dest_fn = kwt_sub;
	KUNIT_ASSERT_EQ(test, kw_hooks_install(owner, 1, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, kw_hooks_install(h, 2, why, sizeof(why)), -EBUSY);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "kunit owner of add"));
	KUNIT_EXPECT_EQ(test, kwt_sub(1, 5), -4L);	/* h[0] unwound */
	/* and h[0]'s function is free for another hook */
	KUNIT_EXPECT_EQ(test, kw_hooks_install(&h[0], 1, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, kwt_sub(1, 5), 5L);
	kw_hooks_remove(&h[0], 1);
	kw_hooks_remove(owner, 1);
	KUNIT_EXPECT_EQ(test, kwt_add(3, 4), 7L);
	KUNIT_EXPECT_EQ(test, kwt_sub(1, 5), -4L);
}

static void kwt_hook_resolution_errors(struct kunit *test)
{
	struct kw_hook *h = kwt_hooks(test, 2);
	char why[KWISH_REASON_LEN] = "";

	h[0].name = "kunit no such function";
	h[0].target_sym = "kwish_kunit_no_such_function";
	h[0].dest_fn = kwt_mul;
	KUNIT_EXPECT_EQ(test, kw_hooks_install(h, 1, why, sizeof(why)),
			-ENOENT);
	KUNIT_EXPECT_STREQ(test, why,
			   "kernel function kwish_kunit_no_such_function not found");

	h[0].target_sym = NULL;
	h[0].target_fn = kwt_add;
	h[0].dest_sym = "kwish_kunit_no_such_dest";
	h[0].dest_fn = NULL;
	KUNIT_EXPECT_EQ(test, kw_hooks_install(h, 1, why, sizeof(why)),
			-ENOENT);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "kwish_kunit_no_such_dest"));

	/* exactly one of target_sym/target_fn, and of dest_sym/dest_fn */
	h[0].dest_sym = NULL;
	KUNIT_EXPECT_EQ(test, kw_hooks_install(h, 1, NULL, 0), -EINVAL);
	h[0].dest_fn = kwt_mul;
	h[0].target_sym = "kwt_add";
	KUNIT_EXPECT_EQ(test, kw_hooks_install(h, 1, NULL, 0), -EINVAL);

	/* an invalid second hook: the first is not installed either */
	h[0].target_sym = NULL;
	h[1].name = "kunit invalid";
	KUNIT_EXPECT_EQ(test, kw_hooks_install(h, 2, NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kwt_add(3, 4), 7L);
}

/*
 * KW_GATE_HOOK()'s two marks: a gate whose prototype gates.sh found to
 * differ from the kernel's is refused with words for `kwishctl status`
 * and nothing of its group stays installed; a gate whose body is the
 * kernel's inline installs nothing and succeeds.
 */
static void kwt_hook_gate_marks(struct kunit *test)
{
	struct kw_hook *h = kwt_hooks(test, 2);
	char why[KWISH_REASON_LEN] = "";

	h[0].name = "kunit add->mul";
	h[0].target_fn = kwt_add;
	h[0].dest_fn = kwt_mul;
	h[1].name = "kunit sub gate";
	h[1].target_fn = kwt_sub;
	h[1].dest_sym = "kwt_max";
	h[1].proto_bad = true;
	KUNIT_EXPECT_EQ(test, kw_hooks_install(h, 2, why, sizeof(why)),
			-ENOENT);
	KUNIT_EXPECT_STREQ(test, why,
			   "kunit sub gate: its prototype differs from this kernel's (BTF)");
	KUNIT_EXPECT_EQ(test, kwt_add(3, 4), 7L);
	KUNIT_EXPECT_EQ(test, kwt_sub(3, 4), -1L);

	h[1].proto_bad = false;
	h[1].inline_body = true;
	h[1].dest_sym = NULL;
	KUNIT_ASSERT_EQ_MSG(test, kw_hooks_install(h, 2, why, sizeof(why)), 0,
			    "%s", why);
	KUNIT_EXPECT_EQ(test, kwt_add(3, 4), 12L);	/* diverted */
	KUNIT_EXPECT_EQ(test, kwt_sub(3, 4), -1L);	/* not hooked */
	kw_hooks_remove(h, 2);
	KUNIT_EXPECT_EQ(test, kwt_add(3, 4), 7L);
}

/*
 * A hook on a function found by name diverts calls from elsewhere but not
 * the owning module's own calls (the recursion guard that lets a
 * destination call the function it replaces).  The "elsewhere" is
 * kernel/smp.c: smp_call_function_single() on this CPU calls the function
 * itself.
 */
static void kwt_hook_recursion_guard(struct kunit *test)
{
	struct kw_hook *h = kwt_hooks(test, 1);
	char why[KWISH_REASON_LEN] = "";
	int mark = 0;

	h->name = "kunit mark one->two";
	h->target_sym = "kwt_mark_one";
	h->dest_fn = kwt_mark_two;
	KUNIT_ASSERT_EQ_MSG(test, kw_hooks_install(h, 1, why, sizeof(why)), 0,
			    "%s", why);
	KUNIT_EXPECT_EQ(test, h->target, (unsigned long)kwt_mark_one);

	kwt_mark_one(&mark);			/* from the owner: original */
	KUNIT_EXPECT_EQ(test, mark, 1);
	mark = 0;
	KUNIT_EXPECT_EQ(test, smp_call_function_single(get_cpu(), kwt_mark_one,
						       &mark, 1), 0);
	put_cpu();
	KUNIT_EXPECT_EQ(test, mark, 2);		/* from the kernel: diverted */

	kw_hooks_remove(h, 1);
	mark = 0;
	KUNIT_EXPECT_EQ(test, smp_call_function_single(get_cpu(), kwt_mark_one,
						       &mark, 1), 0);
	put_cpu();
	KUNIT_EXPECT_EQ(test, mark, 1);
}

/*
 * The registry's unload drain: kw_hooks_remove() of a hook whose
 * destination is the owner's code returns only once no call it diverted
 * is still inside the destination (kw_hook_enter() .. kw_hook_leave()),
 * even one that sleeps there.
 */
static DECLARE_COMPLETION(kwt_drain_entered);
static DECLARE_COMPLETION(kwt_drain_release);
static DECLARE_COMPLETION(kwt_drain_removed);
static DECLARE_COMPLETION(kwt_drain_returned);
static long kwt_drain_result;

static KW_CALL_GATE long kwt_slow(long a)
{
	return a;
}

static long kwt_slow_dest(long a)
{
	int idx = kw_hook_enter();

	complete(&kwt_drain_entered);
	/* bounded, so that a broken drain fails the test, not the kernel */
	wait_for_completion_timeout(&kwt_drain_release, 30 * HZ);
	kw_hook_leave(idx);
	return -a;
}

static int kwt_drain_caller(void *unused)
{
	kwt_drain_result = kwt_slow(9);
	complete(&kwt_drain_returned);
	return 0;
}

static int kwt_drain_remover(void *hook)
{
	kw_hooks_remove(hook, 1);
	complete(&kwt_drain_removed);
	return 0;
}

static void kwt_hook_drain(struct kunit *test)
{
	struct kw_hook *h = kwt_hooks(test, 1);
	struct task_struct *t;

	reinit_completion(&kwt_drain_entered);
	reinit_completion(&kwt_drain_release);
	reinit_completion(&kwt_drain_removed);
	reinit_completion(&kwt_drain_returned);
	h->name = "kunit slow -> slow_dest";
	h->target_fn = kwt_slow;
	h->dest_fn = kwt_slow_dest;
	KUNIT_ASSERT_EQ(test, kw_hooks_install(h, 1, NULL, 0), 0);

	t = kthread_run(kwt_drain_caller, NULL, "kwt_drain_caller");
	if (IS_ERR(t)) {
		kw_hooks_remove(h, 1);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(t));
		return;
	}
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&kwt_drain_entered,
							  10 * HZ), 0UL);
	t = kthread_run(kwt_drain_remover, h, "kwt_drain_remover");
	if (IS_ERR(t)) {
		complete(&kwt_drain_release);
		wait_for_completion(&kwt_drain_returned);
		kw_hooks_remove(h, 1);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(t));
		return;
	}
	/* the call sleeps inside the destination: removal must wait */
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&kwt_drain_removed,
							  HZ / 2), 0UL);
	KUNIT_EXPECT_EQ(test, completion_done(&kwt_drain_returned), false);
	complete(&kwt_drain_release);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&kwt_drain_returned,
							  30 * HZ), 0UL);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&kwt_drain_removed,
							  60 * HZ), 0UL);
	KUNIT_EXPECT_EQ(test, kwt_drain_result, -9L);
	KUNIT_EXPECT_EQ(test, kwt_slow(9), 9L);
}

/*
 * A destination that pins holds a module reference instead: the owner
 * cannot be unloaded while such a call runs (rmmod answers "busy"), and
 * the reference goes with the call.  While the owner is not live (its
 * init still runs, as this suite's does on kernels that run module
 * suites from module_init), a pin takes no reference and stays in the
 * drain's read section.
 */
static KW_CALL_GATE long kwt_pinned(long a)
{
	return a;
}

static long kwt_pinned_dest(long a)
{
	struct kw_hook_pin pin;
	long refs;

	kw_hook_pin(&pin);
	refs = pin.ref ? module_refcount(THIS_MODULE) : -1;
	kw_hook_unpin(&pin);
	return refs;
}

static void kwt_hook_pin(struct kunit *test)
{
	struct kw_hook *h = kwt_hooks(test, 1);
	long before = module_refcount(THIS_MODULE);
	long expect = READ_ONCE(THIS_MODULE->state) == MODULE_STATE_LIVE ?
		      before + 1 : -1;

	h->name = "kunit pinned";
	h->target_fn = kwt_pinned;
	h->dest_fn = kwt_pinned_dest;
	KUNIT_ASSERT_EQ(test, kw_hooks_install(h, 1, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, kwt_pinned(0), expect);
	KUNIT_EXPECT_EQ(test, (long)module_refcount(THIS_MODULE), before);
	kw_hooks_remove(h, 1);
	KUNIT_EXPECT_EQ(test, kwt_pinned(5), 5L);
}

static struct kunit_case kwt_hooks_cases[] = {
	KUNIT_CASE(kwt_hook_divert),
	KUNIT_CASE(kwt_hook_filter),
	KUNIT_CASE(kwt_hook_one_owner),
	KUNIT_CASE(kwt_hook_all_or_nothing),
	KUNIT_CASE(kwt_hook_resolution_errors),
	KUNIT_CASE(kwt_hook_gate_marks),
	KUNIT_CASE(kwt_hook_recursion_guard),
	KUNIT_CASE(kwt_hook_drain),
	KUNIT_CASE(kwt_hook_pin),
	{}
};

static struct kunit_suite kwt_hooks_suite = {
	.name = "kwish_core_hooks",
	.test_cases = kwt_hooks_cases,
};

kunit_test_suites(&kwt_dispatch_suite, &kwt_registry_suite, &kwt_hooks_suite);

/* The SRCU domain of this module's hook destinations (kwish_core.h). */
KW_MODULE_DRAIN;

MODULE_DESCRIPTION("KUnit tests of kwish_core");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KWISH);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
