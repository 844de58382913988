// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for kwish_fs:
 *   kwish_fs_dispatch      the size and flag rules on kwish_fs' commands
 *   kwish_fs_open_regular  item 8: the uapi values shared with upstream,
 *                          the vfs_open() filter (which opens are
 *                          refused), argument validation
 *   kwish_fs_unlink_inode  item 10: name validation and the order of the
 *                          argument checks
 *   kwish_fs_flock_timeout item 22: operation and reserved-field checks,
 *                          the deadline arithmetic, the order of the
 *                          argument checks
 *   kwish_fs_link_replace  item 7: uapi, the order of the argument checks
 *   kwish_fs_create_open   item 34: argument checks, the fd's open flags
 *   kwish_fs_flock_notify  item 4: argument and fd-flag checks, the
 *                          release state machine, the read() record, the
 *                          order of the argument checks
 *   kwish_fs_close_async   item 19: uapi layout, argument checks and
 *                          their order, the per-user and total limits
 *                          of files in flight, the per-user turn of
 *                          running releases, whose budget a uid uses
 *   kwish_fs_upgrade_mask  item 24: the upstream mask values, argument
 *                          checks, which opens need which mask bit, the
 *                          security_file_open() filter's fast path
 * Load after kwish_core and kwish_fs.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/openat2.h>
#include <linux/path.h>
#include <linux/stat.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "core.h"
#include "kwish_core_test.h"
#include "kwish_fs.h"

/*
 * Item @id is registered by kwish_fs under @name and present: what
 * `kwishctl status` shows for each kwish_fs item on these kernels.
 */
static void kwt_expect_present(struct kunit *test, u32 id, const char *name)
{
	struct kwish_feature e;

	kw_registry_fill(id, &e);
	KUNIT_EXPECT_STREQ(test, e.module, "kwish_fs");
	KUNIT_EXPECT_STREQ(test, e.name, name);
	KUNIT_EXPECT_EQ_MSG(test, e.state, (__u32)KWISH_STATE_PRESENT, "%s",
			    e.reason);
}

/* ------------------------------------------------------------ item 8 */

/* Same names and values as the upstream OPENAT2_REGULAR series. */
static void kwt_oreg_uapi(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, OPENAT2_REGULAR, 1ULL << 32);
	KUNIT_EXPECT_EQ(test, EFTYPE, 134);
	/* not a bit of O_* in the 32-bit open() flags word */
	KUNIT_EXPECT_EQ(test, OPENAT2_REGULAR & 0xffffffffULL, 0ULL);
}

/* A struct path whose dentry's inode has mode @mode (never opened). */
static const struct path *kwt_fake_path(struct kunit *test, umode_t mode)
{
	struct path *path = kunit_kzalloc(test, sizeof(*path), GFP_KERNEL);
	struct dentry *dentry = kunit_kzalloc(test, sizeof(*dentry), GFP_KERNEL);
	struct inode *inode = kunit_kzalloc(test, sizeof(*inode), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, path);
	KUNIT_ASSERT_NOT_NULL(test, dentry);
	KUNIT_ASSERT_NOT_NULL(test, inode);
	inode->i_mode = mode;
	dentry->d_inode = inode;
	path->dentry = dentry;
	return path;
}

/* What the vfs_open() hook's filter decides for @path (true: refuse). */
static bool kwt_oreg_refused(const struct path *path)
{
	unsigned long args[6] = { (unsigned long)path };

	return kw_open_regular_vfs_open_filter(args);
}

static const umode_t kwt_not_regular[] = {
	S_IFDIR | 0755, S_IFCHR | 0666, S_IFBLK | 0660, S_IFIFO | 0600,
	S_IFSOCK | 0777, S_IFLNK | 0777,
};

/* Nobody inside KWISH_OPEN_REGULAR: every open passes. */
static void kwt_oreg_filter_idle(struct kunit *test)
{
	const struct path *path = kwt_fake_path(test, S_IFREG | 0644);
	unsigned int i;

	KUNIT_EXPECT_FALSE(test, kwt_oreg_refused(path));
	for (i = 0; i < ARRAY_SIZE(kwt_not_regular); i++) {
		path = kwt_fake_path(test, kwt_not_regular[i]);
		KUNIT_EXPECT_FALSE(test, kwt_oreg_refused(path));
	}
}

/* The calling task inside KWISH_OPEN_REGULAR: only S_IFREG passes. */
static void kwt_oreg_filter_marked(struct kunit *test)
{
	struct kw_open_regular_caller me = { .task = current };
	const struct path *reg = kwt_fake_path(test, S_IFREG | 0644);
	const struct path *others[ARRAY_SIZE(kwt_not_regular)];
	bool refused[ARRAY_SIZE(kwt_not_regular)];
	bool reg_refused, after;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kwt_not_regular); i++)
		others[i] = kwt_fake_path(test, kwt_not_regular[i]);

	/* Nothing but the filter while marked. */
	kw_open_regular_mark(&me);
	reg_refused = kwt_oreg_refused(reg);
	for (i = 0; i < ARRAY_SIZE(kwt_not_regular); i++)
		refused[i] = kwt_oreg_refused(others[i]);
	kw_open_regular_unmark(&me);
	after = kwt_oreg_refused(others[0]);

	KUNIT_EXPECT_FALSE(test, reg_refused);
	for (i = 0; i < ARRAY_SIZE(kwt_not_regular); i++)
		KUNIT_EXPECT_TRUE_MSG(test, refused[i], "mode %o",
				      kwt_not_regular[i]);
	KUNIT_EXPECT_FALSE(test, after);
}

/* Another task inside KWISH_OPEN_REGULAR changes nothing for this one. */
static void kwt_oreg_filter_other_task(struct kunit *test)
{
	struct task_struct *other = kunit_kzalloc(test, sizeof(*other),
						  GFP_KERNEL);
	struct kw_open_regular_caller them = { .task = other };
	struct kw_open_regular_caller me = { .task = current };
	const struct path *fifo = kwt_fake_path(test, S_IFIFO | 0600);
	bool mine, both, after;

	KUNIT_ASSERT_NOT_NULL(test, other);
	kw_open_regular_mark(&them);
	mine = kwt_oreg_refused(fifo);
	kw_open_regular_mark(&me);
	both = kwt_oreg_refused(fifo);
	kw_open_regular_unmark(&me);
	after = kwt_oreg_refused(fifo);
	kw_open_regular_unmark(&them);

	KUNIT_EXPECT_FALSE(test, mine);
	KUNIT_EXPECT_TRUE(test, both);
	KUNIT_EXPECT_FALSE(test, after);
}

static void kwt_oreg_reserved(struct kunit *test)
{
	struct kwish_open_regular arg = {
		.size = sizeof(arg),
		.open_flags = O_RDONLY,
		.dirfd = AT_FDCWD,
		.__reserved = 1,
	};
	struct kw_ucmd ucmd = { .cmd = &arg, .user_size = sizeof(arg) };

	KUNIT_EXPECT_EQ(test, kw_fs_open_regular(&ucmd), -EINVAL);
}

/* The registry reports item 8 from kwish_fs, present or native. */
static void kwt_oreg_registered(struct kunit *test)
{
	struct kwish_feature e;

	kw_registry_fill(8, &e);
	KUNIT_EXPECT_STREQ(test, e.module, "kwish_fs");
	KUNIT_EXPECT_TRUE_MSG(test, e.state == KWISH_STATE_PRESENT ||
			      e.state == KWISH_STATE_NATIVE,
			      "state %u: %s", e.state, e.reason);
}

static struct kunit_case kwt_oreg_cases[] = {
	KUNIT_CASE(kwt_oreg_uapi),
	KUNIT_CASE(kwt_oreg_filter_idle),
	KUNIT_CASE(kwt_oreg_filter_marked),
	KUNIT_CASE(kwt_oreg_filter_other_task),
	KUNIT_CASE(kwt_oreg_reserved),
	KUNIT_CASE(kwt_oreg_registered),
	{}
};

static struct kunit_suite kwt_oreg_suite = {
	.name = "kwish_fs_open_regular",
	.test_cases = kwt_oreg_cases,
};

/* ------------------------------------------------------------ item 10 */

static void kwt_unl_names(struct kunit *test)
{
	static const struct {
		const char *name;
		int err;
	} cases[] = {
		{ "a", 0 }, { "lock", 0 }, { "...", 0 }, { ".a", 0 },
		{ "..a", 0 }, { "a.", 0 }, { " ", 0 }, { "\\", 0 },
		{ "", -ENOENT },
		{ ".", -EINVAL }, { "..", -EINVAL },
		{ "/", -EINVAL }, { "a/b", -EINVAL }, { "a/", -EINVAL },
		{ "/a", -EINVAL }, { "./a", -EINVAL }, { "../a", -EINVAL },
	};
	const char *name;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		name = cases[i].name;
		KUNIT_EXPECT_EQ_MSG(test, kw_fs_check_name(name, strlen(name)),
				    cases[i].err, "name \"%s\"", name);
	}
}

static void kwt_unl_name_max(struct kunit *test)
{
	char *name = kunit_kzalloc(test, NAME_MAX + 2, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, name);
	memset(name, 'x', NAME_MAX + 1);
	KUNIT_EXPECT_EQ(test, kw_fs_check_name(name, NAME_MAX), 0);
	KUNIT_EXPECT_EQ(test, kw_fs_check_name(name, NAME_MAX + 1),
			-ENAMETOOLONG);
	/* a '/' at the very end of a maximal name */
	name[NAME_MAX - 1] = '/';
	KUNIT_EXPECT_EQ(test, kw_fs_check_name(name, NAME_MAX), -EINVAL);
}

/* __reserved first, then the name (EFAULT), before any fd is looked at. */
static void kwt_unl_argument_order(struct kunit *test)
{
	struct kwish_unlink_inode arg = {
		.size = sizeof(arg),
		.dirfd = -1,
		.inode_fd = -1,
		.name = 0,
		.__reserved = 1,
	};
	struct kw_ucmd ucmd = { .cmd = &arg, .user_size = sizeof(arg) };

	KUNIT_EXPECT_EQ(test, kw_fs_unlink_inode(&ucmd), -EINVAL);
	arg.__reserved = 0;
	KUNIT_EXPECT_EQ(test, kw_fs_unlink_inode(&ucmd), -EFAULT);
	arg.name = 16;
	KUNIT_EXPECT_EQ(test, kw_fs_unlink_inode(&ucmd), -EFAULT);
}

static void kwt_unl_uapi(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, KWISH_UNLINK_REMOVEDIR, AT_REMOVEDIR);
	KUNIT_EXPECT_EQ(test, sizeof(struct kwish_unlink_inode),
			(size_t)KWISH_UNLINK_INODE_SIZE_VER0);
}

static void kwt_unl_registered(struct kunit *test)
{
	kwt_expect_present(test, 10, "unlink_inode");
}

static struct kunit_case kwt_unl_cases[] = {
	KUNIT_CASE(kwt_unl_uapi),
	KUNIT_CASE(kwt_unl_names),
	KUNIT_CASE(kwt_unl_name_max),
	KUNIT_CASE(kwt_unl_argument_order),
	KUNIT_CASE(kwt_unl_registered),
	{}
};

static struct kunit_suite kwt_unl_suite = {
	.name = "kwish_fs_unlink_inode",
	.test_cases = kwt_unl_cases,
};

/* ------------------------------------------------------------ item 22 */

static void kwt_flt_operations(struct kunit *test)
{
	static const struct {
		u32 op;
		int want;
	} cases[] = {
		{ LOCK_SH, F_RDLCK }, { LOCK_EX, F_WRLCK },
		{ 0, -EINVAL }, { LOCK_UN, -EINVAL }, { LOCK_NB, -EINVAL },
		{ LOCK_SH | LOCK_NB, -EINVAL }, { LOCK_EX | LOCK_NB, -EINVAL },
		{ LOCK_SH | LOCK_EX, -EINVAL }, { LOCK_MAND, -EINVAL },
		{ LOCK_MAND | LOCK_READ, -EINVAL }, { 16, -EINVAL },
		{ 0x80000000u, -EINVAL }, { ~0u, -EINVAL },
	};
	struct kwish_flock_timeout arg = { .size = sizeof(arg) };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		arg.operation = cases[i].op;
		KUNIT_EXPECT_EQ_MSG(test, kw_flock_timeout_check_args(&arg), cases[i].want,
				    "operation %#x", cases[i].op);
	}
}

static void kwt_flt_reserved(struct kunit *test)
{
	struct kwish_flock_timeout arg = {
		.size = sizeof(arg), .operation = LOCK_EX,
	};

	KUNIT_EXPECT_EQ(test, kw_flock_timeout_check_args(&arg), F_WRLCK);
	arg.__reserved = 1;
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_check_args(&arg), -EINVAL);
	arg.__reserved = 1ULL << 63;
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_check_args(&arg), -EINVAL);
}

static void kwt_flt_deadline(struct kunit *test)
{
	ktime_t now = 1000000;

	KUNIT_EXPECT_EQ(test, kw_flock_timeout_deadline(0, now), now);
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_deadline(1, now), now + 1);
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_deadline(NSEC_PER_SEC, now),
			now + NSEC_PER_SEC);
	/* beyond ktime_t: no limit at all */
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_deadline(U64_MAX, now), KTIME_MAX);
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_deadline((u64)KTIME_MAX, now), KTIME_MAX);
	/* saturates instead of wrapping */
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_deadline((u64)KTIME_MAX - 1, now),
			KTIME_MAX);
}

static void kwt_flt_remaining(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_remaining(KTIME_MAX, 5), KTIME_MAX);
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_remaining(100, 40), 60);
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_remaining(100, 100), 0);
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_remaining(100, 101), 0);
	KUNIT_EXPECT_EQ(test, kw_flock_timeout_remaining(0, 1000), 0);
}

/* The arguments before the fd: a bad fd is only seen after them. */
static void kwt_flt_argument_order(struct kunit *test)
{
	struct kwish_flock_timeout arg = {
		.size = sizeof(arg), .fd = -1, .operation = LOCK_UN,
		.timeout_ns = 1, .__reserved = 1,
	};
	struct kw_ucmd ucmd = { .cmd = &arg, .user_size = sizeof(arg) };

	KUNIT_EXPECT_EQ(test, kw_fs_flock_timeout(&ucmd), -EINVAL);
	arg.__reserved = 0;
	KUNIT_EXPECT_EQ(test, kw_fs_flock_timeout(&ucmd), -EINVAL);
	arg.operation = LOCK_EX;
	KUNIT_EXPECT_EQ(test, kw_fs_flock_timeout(&ucmd), -EBADF);
	arg.timeout_ns = 0;
	KUNIT_EXPECT_EQ(test, kw_fs_flock_timeout(&ucmd), -EBADF);
}

static void kwt_flt_uapi(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct kwish_flock_timeout),
			(size_t)KWISH_FLOCK_TIMEOUT_SIZE_VER0);
	KUNIT_EXPECT_EQ(test, offsetof(struct kwish_flock_timeout, timeout_ns),
			(size_t)16);
	KUNIT_EXPECT_EQ(test, KWISH_CMD_FLOCK_TIMEOUT,
			KWISH_CMD_UNLINK_INODE + 1);
}

static void kwt_flt_registered(struct kunit *test)
{
	kwt_expect_present(test, 22, "flock_timeout");
}

static struct kunit_case kwt_flt_cases[] = {
	KUNIT_CASE(kwt_flt_uapi),
	KUNIT_CASE(kwt_flt_operations),
	KUNIT_CASE(kwt_flt_reserved),
	KUNIT_CASE(kwt_flt_deadline),
	KUNIT_CASE(kwt_flt_remaining),
	KUNIT_CASE(kwt_flt_argument_order),
	KUNIT_CASE(kwt_flt_registered),
	{}
};

static struct kunit_suite kwt_flt_suite = {
	.name = "kwish_fs_flock_timeout",
	.test_cases = kwt_flt_cases,
};

/* ------------------------------------------------------------- item 7 */

static void kwt_lnr_uapi(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct kwish_link_replace),
			(size_t)KWISH_LINK_REPLACE_SIZE_VER0);
	KUNIT_EXPECT_EQ(test, KWISH_LINK_REPLACE, 0xBA84U);
}

/* __reserved, then the name, then the fds: no fd is looked at first. */
static void kwt_lnr_argument_order(struct kunit *test)
{
	struct kwish_link_replace arg = {
		.size = sizeof(arg),
		.fd = -1,
		.dirfd = -1,
		.name = 0,
		.__reserved = 1,
	};
	struct kw_ucmd ucmd = { .cmd = &arg, .user_size = sizeof(arg) };

	KUNIT_EXPECT_EQ(test, kw_fs_link_replace(&ucmd), -EINVAL);
	arg.__reserved = 0;
	KUNIT_EXPECT_EQ(test, kw_fs_link_replace(&ucmd), -EFAULT);
	arg.name = 16;
	KUNIT_EXPECT_EQ(test, kw_fs_link_replace(&ucmd), -EFAULT);
}

static void kwt_lnr_registered(struct kunit *test)
{
	kwt_expect_present(test, 7, "link_replace");
}

static struct kunit_case kwt_lnr_cases[] = {
	KUNIT_CASE(kwt_lnr_uapi),
	KUNIT_CASE(kwt_lnr_argument_order),
	KUNIT_CASE(kwt_lnr_registered),
	{}
};

static struct kunit_suite kwt_lnr_suite = {
	.name = "kwish_fs_link_replace",
	.test_cases = kwt_lnr_cases,
};

/* ------------------------------------------------------------ item 34 */

static void kwt_cro_uapi(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct kwish_create_open),
			(size_t)KWISH_CREATE_OPEN_SIZE_VER0);
	KUNIT_EXPECT_EQ(test, KWISH_CREATE_OPEN, 0xBA85U);
}

static void kwt_cro_check_args(struct kunit *test)
{
	static const struct {
		u32 mode;
		u64 target;
		u32 major, minor;
		int err;
	} cases[] = {
		{ S_IFDIR | 0755, 0, 0, 0, 0 },
		{ S_IFDIR | 07777, 0, 0, 0, 0 },
		{ S_IFIFO | 0600, 0, 0, 0, 0 },
		{ S_IFSOCK, 0, 0, 0, 0 },
		{ S_IFCHR | 0666, 0, 1, 3, 0 },
		{ S_IFBLK | 0600, 0, 4095, 0xfffff, 0 },
		{ S_IFLNK, 0x1000, 0, 0, 0 },
		{ S_IFREG | 0644, 0, 0, 0, -EINVAL },
		{ 0644, 0, 0, 0, -EINVAL },
		{ S_IFMT, 0, 0, 0, -EINVAL },
		{ S_IFDIR | 0x10000, 0, 0, 0, -EINVAL },
		{ S_IFDIR, 0x1000, 0, 0, -EINVAL },
		{ S_IFDIR, 0, 1, 0, -EINVAL },
		{ S_IFIFO, 0, 0, 1, -EINVAL },
		{ S_IFCHR, 0x1000, 1, 3, -EINVAL },
		{ S_IFCHR, 0, 4096, 0, -EINVAL },
		{ S_IFBLK, 0, 0, 0x100000, -EINVAL },
		{ S_IFLNK, 0, 0, 0, -EINVAL },
		{ S_IFLNK | 0777, 0x1000, 0, 0, -EINVAL },
		{ S_IFLNK, 0x1000, 1, 0, -EINVAL },
	};
	struct kwish_create_open arg = {};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		arg.mode = cases[i].mode;
		arg.target = cases[i].target;
		arg.rdev_major = cases[i].major;
		arg.rdev_minor = cases[i].minor;
		KUNIT_EXPECT_EQ_MSG(test, kw_create_open_check_args(&arg),
				    cases[i].err, "case %u, mode %o", i,
				    cases[i].mode);
	}
	arg.mode = S_IFDIR;
	arg.target = 0;
	arg.rdev_major = 0;
	arg.rdev_minor = 0;
	arg.__reserved = 1;
	KUNIT_EXPECT_EQ(test, kw_create_open_check_args(&arg), -EINVAL);
}

static void kwt_cro_open_flags(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kw_create_open_open_flags(S_IFDIR),
			O_RDONLY | O_DIRECTORY | O_LARGEFILE);
	KUNIT_EXPECT_EQ(test, kw_create_open_open_flags(S_IFLNK), O_PATH | O_NOFOLLOW);
	KUNIT_EXPECT_EQ(test, kw_create_open_open_flags(S_IFIFO), O_PATH);
	KUNIT_EXPECT_EQ(test, kw_create_open_open_flags(S_IFSOCK), O_PATH);
	KUNIT_EXPECT_EQ(test, kw_create_open_open_flags(S_IFCHR), O_PATH);
	KUNIT_EXPECT_EQ(test, kw_create_open_open_flags(S_IFBLK), O_PATH);
}

static void kwt_cro_registered(struct kunit *test)
{
	kwt_expect_present(test, 34, "create_open");
}

/* ------------------------------------------------------------ item 19 */

static void kwt_cla_uapi(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct kwish_close_async),
			(size_t)KWISH_CLOSE_ASYNC_SIZE_VER0);
	KUNIT_EXPECT_EQ(test, offsetof(struct kwish_close_async, fds),
			(size_t)8);
	KUNIT_EXPECT_EQ(test, offsetof(struct kwish_close_async, nr_fds),
			(size_t)16);
	KUNIT_EXPECT_EQ(test, offsetof(struct kwish_close_async, wait_fd),
			(size_t)20);
	KUNIT_EXPECT_EQ(test, sizeof(struct kwish_close_async_result),
			(size_t)8);
	KUNIT_EXPECT_EQ(test, KWISH_CLOSE_ASYNC_WAITFD &
			KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC, 0U);
}

static void kwt_cla_check_args_cases(struct kunit *test)
{
	static const struct {
		u32 flags, nr;
		u64 reserved;
		int want;
	} cases[] = {
		{ 0, 1, 0, 0 },
		{ 0, KWISH_CLOSE_ASYNC_MAX_FDS, 0, 0 },
		{ KWISH_CLOSE_ASYNC_WAITFD, 3, 0, 0 },
		{ KWISH_CLOSE_ASYNC_WAITFD |
		  KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC, 3, 0, 0 },
		{ KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC, 3, 0, -EINVAL },
		{ 0, 0, 0, -EINVAL },
		{ 0, KWISH_CLOSE_ASYNC_MAX_FDS + 1, 0, -EINVAL },
		{ 0, ~0u, 0, -EINVAL },
		{ 0, 1, 1, -EINVAL },
		{ 0, 1, 1ULL << 63, -EINVAL },
	};
	struct kwish_close_async arg = { .size = sizeof(arg) };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		arg.flags = cases[i].flags;
		arg.nr_fds = cases[i].nr;
		arg.__reserved = cases[i].reserved;
		KUNIT_EXPECT_EQ_MSG(test, kw_close_async_check_args(&arg),
				    cases[i].want, "case %u", i);
	}
}

/* A uid no test user has: the limits are per kuid. */
#define KWT_CLA_UID	KUIDT_INIT(0x7ffe1919)

static void kwt_cla_limit_per_user(struct kunit *test)
{
	struct kw_close_async_user *a, *b, *c;

	KUNIT_ASSERT_EQ(test, kw_close_async_inflight(KWT_CLA_UID), 0U);
	a = kw_close_async_charge(KWT_CLA_UID, 2, UINT_MAX);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	b = kw_close_async_charge(KWT_CLA_UID, 2, UINT_MAX);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	KUNIT_EXPECT_EQ(test, kw_close_async_inflight(KWT_CLA_UID), 2U);
	c = kw_close_async_charge(KWT_CLA_UID, 2, UINT_MAX);
	KUNIT_EXPECT_EQ(test, PTR_ERR(c), -EAGAIN);
	KUNIT_EXPECT_EQ(test, kw_close_async_inflight(KWT_CLA_UID), 2U);
	/* another user is not limited by this one */
	c = kw_close_async_charge(KUIDT_INIT(0x7ffe1920), 2, UINT_MAX);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c));
	kw_close_async_uncharge(c);

	kw_close_async_uncharge(a);
	KUNIT_EXPECT_EQ(test, kw_close_async_inflight(KWT_CLA_UID), 1U);
	c = kw_close_async_charge(KWT_CLA_UID, 2, UINT_MAX);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c));
	kw_close_async_uncharge(b);
	kw_close_async_uncharge(c);
	/* the last uncharge frees the record (kmemleak would tell) */
	KUNIT_EXPECT_EQ(test, kw_close_async_inflight(KWT_CLA_UID), 0U);
}

static void kwt_cla_limit_zero(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, PTR_ERR(kw_close_async_charge(KWT_CLA_UID, 0, UINT_MAX)),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kw_close_async_charge(KWT_CLA_UID, UINT_MAX, 0)),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, kw_close_async_inflight(KWT_CLA_UID), 0U);
}

/*
 * Finding 4 of issue 14: at most @max_running items of one user are
 * started; the rest wait in order and start one per finished item.
 */
static void kwt_cla_fair_queue(struct kunit *test)
{
	struct list_head na, nb, nc, nd;
	struct kw_close_async_user *u;
	int i;

	for (i = 0; i < 4; i++) {
		u = kw_close_async_charge(KWT_CLA_UID, UINT_MAX, UINT_MAX);
		KUNIT_ASSERT_FALSE(test, IS_ERR(u));
	}
	KUNIT_EXPECT_TRUE(test, kw_close_async_admit(u, &na, 2));
	KUNIT_EXPECT_TRUE(test, kw_close_async_admit(u, &nb, 2));
	KUNIT_EXPECT_FALSE(test, kw_close_async_admit(u, &nc, 2));
	KUNIT_EXPECT_FALSE(test, kw_close_async_admit(u, &nd, 2));
	/* a finishes: c (the oldest waiting) takes its place, then d */
	KUNIT_EXPECT_PTR_EQ(test, kw_close_async_next(u, 2), &nc);
	kw_close_async_uncharge(u);
	KUNIT_EXPECT_PTR_EQ(test, kw_close_async_next(u, 2), &nd);
	kw_close_async_uncharge(u);
	/* nothing waits any more */
	KUNIT_EXPECT_PTR_EQ(test, kw_close_async_next(u, 2), NULL);
	kw_close_async_uncharge(u);
	KUNIT_EXPECT_PTR_EQ(test, kw_close_async_next(u, 2), NULL);
	kw_close_async_uncharge(u);
	KUNIT_EXPECT_EQ(test, kw_close_async_inflight(KWT_CLA_UID), 0U);

	/* a limit of 0 still lets one run: nothing waits for ever */
	u = kw_close_async_charge(KWT_CLA_UID, UINT_MAX, UINT_MAX);
	KUNIT_ASSERT_FALSE(test, IS_ERR(u));
	KUNIT_EXPECT_TRUE(test, kw_close_async_admit(u, &na, 0));
	KUNIT_EXPECT_PTR_EQ(test, kw_close_async_next(u, 0), NULL);
	kw_close_async_uncharge(u);
	KUNIT_EXPECT_EQ(test, kw_close_async_inflight(KWT_CLA_UID), 0U);
}

/* Whose budget: user namespaces created by a user are that user's. */
static void kwt_cla_account_uid(struct kunit *test)
{
	struct user_namespace *byroot, *byuser, *inner;
	struct cred *cred;

	byroot = kunit_kzalloc(test, sizeof(*byroot), GFP_KERNEL);
	byuser = kunit_kzalloc(test, sizeof(*byuser), GFP_KERNEL);
	inner = kunit_kzalloc(test, sizeof(*inner), GFP_KERNEL);
	cred = kunit_kzalloc(test, sizeof(*cred), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, byroot && byuser && inner && cred);

	cred->uid = KUIDT_INIT(1000);
	cred->user_ns = &init_user_ns;
	KUNIT_EXPECT_EQ(test, __kuid_val(kw_account_uid(cred)), 1000U);
	/* a container root set up with its own range: its uids are users */
	byroot->parent = &init_user_ns;
	byroot->owner = GLOBAL_ROOT_UID;
	cred->uid = KUIDT_INIT(101005);
	cred->user_ns = byroot;
	KUNIT_EXPECT_EQ(test, __kuid_val(kw_account_uid(cred)), 101005U);
	/* a namespace that uid 101000 created in it: all of it is 101000 */
	byuser->parent = byroot;
	byuser->owner = KUIDT_INIT(101000);
	inner->parent = byuser;
	inner->owner = KUIDT_INIT(102000);
	cred->uid = KUIDT_INIT(102005);
	cred->user_ns = inner;
	KUNIT_EXPECT_EQ(test, __kuid_val(kw_account_uid(cred)), 101000U);
}

/* Argument checks come before the fd array is read, EFAULT before fds. */
static void kwt_cla_argument_order(struct kunit *test)
{
	static s32 kernel_fds[1] = { 0 };
	struct kwish_close_async arg = {
		.size = sizeof(arg), .nr_fds = 0, .__reserved = 1,
		.fds = (uintptr_t)kernel_fds,
	};
	struct kw_ucmd ucmd = { .cmd = &arg, .user_size = sizeof(arg) };

	KUNIT_EXPECT_EQ(test, kw_fs_close_async(&ucmd), -EINVAL);
	arg.__reserved = 0;
	KUNIT_EXPECT_EQ(test, kw_fs_close_async(&ucmd), -EINVAL);
	arg.nr_fds = 1;
	arg.flags = KWISH_CLOSE_ASYNC_WAITFD_NOCLOEXEC;
	KUNIT_EXPECT_EQ(test, kw_fs_close_async(&ucmd), -EINVAL);
	/* a kernel address is not a user pointer: nothing is closed */
	arg.flags = 0;
	KUNIT_EXPECT_EQ(test, kw_fs_close_async(&ucmd), -EFAULT);
}

static void kwt_cla_registered(struct kunit *test)
{
	kwt_expect_present(test, 19, "close_async");
}

static struct kunit_case kwt_cro_cases[] = {
	KUNIT_CASE(kwt_cro_uapi),
	KUNIT_CASE(kwt_cro_check_args),
	KUNIT_CASE(kwt_cro_open_flags),
	KUNIT_CASE(kwt_cro_registered),
	{}
};

static struct kunit_suite kwt_cro_suite = {
	.name = "kwish_fs_create_open",
	.test_cases = kwt_cro_cases,
};

static struct kunit_case kwt_cla_cases[] = {
	KUNIT_CASE(kwt_cla_uapi),
	KUNIT_CASE(kwt_cla_check_args_cases),
	KUNIT_CASE(kwt_cla_limit_per_user),
	KUNIT_CASE(kwt_cla_limit_zero),
	KUNIT_CASE(kwt_cla_fair_queue),
	KUNIT_CASE(kwt_cla_account_uid),
	KUNIT_CASE(kwt_cla_argument_order),
	KUNIT_CASE(kwt_cla_registered),
	{}
};

static struct kunit_suite kwt_cla_suite = {
	.name = "kwish_fs_close_async",
	.test_cases = kwt_cla_cases,
};

/* ------------------------------------------------------------ item 4 */

static void kwt_fln_uapi(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct kwish_flock_watch),
			(size_t)KWISH_FLOCK_WATCH_SIZE_VER0);
	KUNIT_EXPECT_EQ(test, sizeof(struct kwish_flock_event),
			(size_t)KWISH_FLOCK_EVENT_SIZE_VER0);
	KUNIT_EXPECT_EQ(test, offsetof(struct kwish_flock_event, releases),
			(size_t)8);
	KUNIT_EXPECT_EQ(test, KWISH_FLOCK_WATCH & 0xff,
			(unsigned int)KWISH_CMD_FLOCK_WATCH);
	KUNIT_EXPECT_EQ(test, KWISH_FLOCK_WATCH_NONBLOCK &
			KWISH_FLOCK_WATCH_NO_CLOEXEC, 0);
}

static void kwt_fln_args(struct kunit *test)
{
	struct kwish_flock_watch arg = { .size = sizeof(arg) };

	KUNIT_EXPECT_EQ(test, kw_flock_notify_check_args(&arg), O_RDONLY | O_CLOEXEC);
	arg.flags = KWISH_FLOCK_WATCH_NONBLOCK;
	KUNIT_EXPECT_EQ(test, kw_flock_notify_check_args(&arg),
			O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	arg.flags = KWISH_FLOCK_WATCH_NO_CLOEXEC;
	KUNIT_EXPECT_EQ(test, kw_flock_notify_check_args(&arg), O_RDONLY);
	arg.flags |= KWISH_FLOCK_WATCH_NONBLOCK;
	KUNIT_EXPECT_EQ(test, kw_flock_notify_check_args(&arg), O_RDONLY | O_NONBLOCK);
	arg.__reserved = 1;
	KUNIT_EXPECT_EQ(test, kw_flock_notify_check_args(&arg), -EINVAL);
	arg.__reserved = 0x80000000u;
	KUNIT_EXPECT_EQ(test, kw_flock_notify_check_args(&arg), -EINVAL);
}

/* Only "held" followed by "not held" is a release of the last lock. */
static void kwt_fln_transition(struct kunit *test)
{
	bool held = false;

	KUNIT_EXPECT_FALSE(test, kw_flock_notify_transition(&held, false));
	KUNIT_EXPECT_FALSE(test, held);
	KUNIT_EXPECT_FALSE(test, kw_flock_notify_transition(&held, true));
	KUNIT_EXPECT_TRUE(test, held);
	/* another LOCK_SH holder came and went: still held */
	KUNIT_EXPECT_FALSE(test, kw_flock_notify_transition(&held, true));
	KUNIT_EXPECT_TRUE(test, kw_flock_notify_transition(&held, false));
	KUNIT_EXPECT_FALSE(test, held);
	/* a second sample of the same state fires nothing */
	KUNIT_EXPECT_FALSE(test, kw_flock_notify_transition(&held, false));
}

static void kwt_fln_event(struct kunit *test)
{
	struct kwish_flock_event ev;

	/* nothing pending */
	KUNIT_EXPECT_FALSE(test, kw_flock_notify_make_event(5, 5, false, false, &ev));
	KUNIT_EXPECT_FALSE(test, kw_flock_notify_make_event(0, 0, false, true, &ev));
	/* armed while unlocked */
	KUNIT_ASSERT_TRUE(test, kw_flock_notify_make_event(0, 0, true, false, &ev));
	KUNIT_EXPECT_EQ(test, ev.size, (u32)sizeof(ev));
	KUNIT_EXPECT_EQ(test, ev.releases, 0ULL);
	KUNIT_EXPECT_EQ(test, ev.flags, (u32)KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM);
	/* ... and locked again by the time of the read */
	KUNIT_ASSERT_TRUE(test, kw_flock_notify_make_event(0, 0, true, true, &ev));
	KUNIT_EXPECT_EQ(test, ev.flags, (u32)(KWISH_FLOCK_EVENT_UNLOCKED_AT_ARM |
					      KWISH_FLOCK_EVENT_LOCKED));
	/* releases since the last read */
	KUNIT_ASSERT_TRUE(test, kw_flock_notify_make_event(7, 4, false, false, &ev));
	KUNIT_EXPECT_EQ(test, ev.releases, 3ULL);
	KUNIT_EXPECT_EQ(test, ev.flags, 0U);
	/* the counter wraps like any u64 difference */
	KUNIT_ASSERT_TRUE(test, kw_flock_notify_make_event(1, U64_MAX, false, true,
							   &ev));
	KUNIT_EXPECT_EQ(test, ev.releases, 2ULL);
	KUNIT_EXPECT_EQ(test, ev.flags, (u32)KWISH_FLOCK_EVENT_LOCKED);
}

/* The reserved field before the fd: a bad fd is only seen after it. */
static void kwt_fln_argument_order(struct kunit *test)
{
	struct kwish_flock_watch arg = {
		.size = sizeof(arg), .fd = -1, .__reserved = 1,
	};
	struct kw_ucmd ucmd = { .cmd = &arg, .user_size = sizeof(arg) };

	KUNIT_EXPECT_EQ(test, kw_fs_flock_watch(&ucmd), -EINVAL);
	arg.__reserved = 0;
	KUNIT_EXPECT_EQ(test, kw_fs_flock_watch(&ucmd), -EBADF);
	arg.fd = INT_MAX;
	KUNIT_EXPECT_EQ(test, kw_fs_flock_watch(&ucmd), -EBADF);
}

static void kwt_fln_registered(struct kunit *test)
{
	kwt_expect_present(test, 4, "flock_notify");
}

static struct kunit_case kwt_fln_cases[] = {
	KUNIT_CASE(kwt_fln_uapi),
	KUNIT_CASE(kwt_fln_args),
	KUNIT_CASE(kwt_fln_transition),
	KUNIT_CASE(kwt_fln_event),
	KUNIT_CASE(kwt_fln_argument_order),
	KUNIT_CASE(kwt_fln_registered),
	{}
};

static struct kunit_suite kwt_fln_suite = {
	.name = "kwish_fs_flock_notify",
	.test_cases = kwt_fln_cases,
};

/* ----------------------------------------------------------- item 24 */

static void kwt_um_uapi(struct kunit *test)
{
	/* the 2019 openat2() upgrade-mask series; bit 0 was UPGRADE_NOEXEC */
	KUNIT_EXPECT_EQ(test, UPGRADE_NOREAD, 0x02);
	KUNIT_EXPECT_EQ(test, UPGRADE_NOWRITE, 0x04);
	KUNIT_EXPECT_EQ(test, KWISH_UPGRADE_MASK_NOCLOEXEC, 0x1);
	KUNIT_EXPECT_EQ(test, sizeof(struct kwish_upgrade_mask),
			(size_t)KWISH_UPGRADE_MASK_SIZE_VER0);
}

static void kwt_um_check_args(struct kunit *test)
{
	struct kwish_upgrade_mask arg = { .size = sizeof(arg) };
	static const u32 good[] = {
		UPGRADE_NOREAD, UPGRADE_NOWRITE,
		UPGRADE_NOREAD | UPGRADE_NOWRITE,
	};
	static const u32 bad[] = { 0, 0x1, 0x8, 0x7, 0x80000000, ~0U };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		arg.upgrade_mask = good[i];
		KUNIT_EXPECT_EQ_MSG(test, kw_upgrade_mask_check_args(&arg), 0,
				    "mask %#x", good[i]);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		arg.upgrade_mask = bad[i];
		KUNIT_EXPECT_EQ_MSG(test, kw_upgrade_mask_check_args(&arg), -EINVAL,
				    "mask %#x", bad[i]);
	}
	arg.upgrade_mask = UPGRADE_NOWRITE;
	arg.__reserved = 1;
	KUNIT_EXPECT_EQ(test, kw_upgrade_mask_check_args(&arg), -EINVAL);
}

static void kwt_um_needed(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kw_upgrade_mask_needed(FMODE_READ, O_RDONLY),
			(u32)UPGRADE_NOREAD);
	KUNIT_EXPECT_EQ(test, kw_upgrade_mask_needed(FMODE_WRITE, O_WRONLY),
			(u32)UPGRADE_NOWRITE);
	KUNIT_EXPECT_EQ(test, kw_upgrade_mask_needed(FMODE_READ | FMODE_WRITE, O_RDWR),
			(u32)(UPGRADE_NOREAD | UPGRADE_NOWRITE));
	/* O_RDONLY|O_TRUNC truncates: a write */
	KUNIT_EXPECT_EQ(test, kw_upgrade_mask_needed(FMODE_READ, O_RDONLY | O_TRUNC),
			(u32)(UPGRADE_NOREAD | UPGRADE_NOWRITE));
	/* exec: do_open_execat() opens O_RDONLY, f_mode has FMODE_READ */
	KUNIT_EXPECT_EQ(test, kw_upgrade_mask_needed(FMODE_READ | FMODE_EXEC, O_RDONLY),
			(u32)UPGRADE_NOREAD);
	/* O_APPEND, O_CREAT on an existing file: no more than the mode */
	KUNIT_EXPECT_EQ(test, kw_upgrade_mask_needed(FMODE_READ, O_APPEND | O_CREAT),
			(u32)UPGRADE_NOREAD);
	KUNIT_EXPECT_EQ(test, kw_upgrade_mask_needed(0, 0), 0U);
}

/* With no restriction in the system the filter never diverts. */
static void kwt_um_filter_idle(struct kunit *test)
{
	struct file *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned long args[6] = { (unsigned long)f };

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	/* f_path is NULL: the filter must return before looking at it */
	f->f_mode = FMODE_READ | FMODE_WRITE;
	KUNIT_EXPECT_FALSE(test, kw_upgrade_mask_file_open_filter(args));
}

static void kwt_um_registered(struct kunit *test)
{
	kwt_expect_present(test, 24, "upgrade_mask");
}

static struct kunit_case kwt_um_cases[] = {
	KUNIT_CASE(kwt_um_uapi),
	KUNIT_CASE(kwt_um_check_args),
	KUNIT_CASE(kwt_um_needed),
	KUNIT_CASE(kwt_um_filter_idle),
	KUNIT_CASE(kwt_um_registered),
	{}
};

static struct kunit_suite kwt_um_suite = {
	.name = "kwish_fs_upgrade_mask",
	.test_cases = kwt_um_cases,
};

/* ------------------------------------------------------------ dispatch */

/*
 * The dispatcher's size and flag rules on the commands kwish_fs
 * registered, from its own KW_IOCTL_OP() tables: KWISH_OPEN_REGULAR,
 * KWISH_UNLINK_INODE, KWISH_FLOCK_TIMEOUT, KWISH_LINK_REPLACE,
 * KWISH_CREATE_OPEN, KWISH_CLOSE_ASYNC, KWISH_FLOCK_WATCH,
 * KWISH_UPGRADE_MASK.
 */
static void kwt_fs_cmd_rules(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kwt_module_cmd_rules(test, "kwish_fs"), 8);
}

static struct kunit_case kwt_fs_dispatch_cases[] = {
	KUNIT_CASE(kwt_fs_cmd_rules),
	{}
};

static struct kunit_suite kwt_fs_dispatch_suite = {
	.name = "kwish_fs_dispatch",
	.test_cases = kwt_fs_dispatch_cases,
};

kunit_test_suites(&kwt_fs_dispatch_suite, &kwt_oreg_suite, &kwt_unl_suite, &kwt_flt_suite,
		  &kwt_lnr_suite, &kwt_cro_suite, &kwt_cla_suite,
		  &kwt_fln_suite, &kwt_um_suite);

MODULE_DESCRIPTION("KUnit tests of kwish_fs");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KWISH);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
