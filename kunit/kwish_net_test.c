// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for kwish_net:
 *   kwish_net_uapi           the socket option values shared with
 *                            upstream (items 6, 13) and kwish's own block
 *                            (items 5, 14, 20)
 *   kwish_net_rights_filter  item 14: which files a filter admits, the
 *                            option's checks of a filter
 *   kwish_net_tstamp         item 20: the clocks the option takes
 * Load after kwish_core and kwish_net.
 */
#include <kunit/test.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/socket.h>
#include <linux/stat.h>
#include <linux/time.h>

#include "core.h"
#include "kwish_net.h"

static void kwt_net_uapi(struct kunit *test)
{
	/* asm-generic/socket.h of v6.5 and v6.16 */
	KUNIT_EXPECT_EQ(test, SO_PASSPIDFD, 76);
	KUNIT_EXPECT_EQ(test, SO_PEERPIDFD, 77);
	KUNIT_EXPECT_EQ(test, SCM_PIDFD, 4);
	KUNIT_EXPECT_EQ(test, SO_PASSRIGHTS, 83);
	/* kwish's own options: in the "KW" block, cmsg == option */
	KUNIT_EXPECT_EQ(test, SO_KWISH_PASSCGROUPID >> 16, 0x4b57);
	KUNIT_EXPECT_EQ(test, SO_KWISH_PEERCGROUPID >> 16, 0x4b57);
	KUNIT_EXPECT_EQ(test, SO_KWISH_RIGHTS_FILTER >> 16, 0x4b57);
	KUNIT_EXPECT_EQ(test, SO_KWISH_TIMESTAMP_CLOCK >> 16, 0x4b57);
	KUNIT_EXPECT_EQ(test, SCM_KWISH_CGROUPID, SO_KWISH_PASSCGROUPID);
	KUNIT_EXPECT_EQ(test, sizeof(struct kwish_rights_filter), 80);
	KUNIT_EXPECT_EQ(test, KWISH_RF_TYPE(S_IFREG), 1U << 8);
	KUNIT_EXPECT_EQ(test, KWISH_RF_TYPE(S_IFSOCK), 1U << 12);
	/* item 5's stamp fits behind struct unix_skb_parms */
	KUNIT_EXPECT_LE(test, sizeof(struct kw_unix_skb_cb),
			sizeof_field(struct sk_buff, cb));
}

static void kwt_rf_match(struct kunit *test)
{
	struct kwish_rights_filter f = {
		.types = KWISH_RF_TYPE(S_IFREG),
		.nr_magics = 2,
		.magics = { TMPFS_MAGIC, HUGETLBFS_MAGIC },
	};

	/* "only memfds" */
	KUNIT_EXPECT_TRUE(test, kw_rights_filter_match_mode(&f, S_IFREG | 0600,
							    TMPFS_MAGIC));
	KUNIT_EXPECT_TRUE(test, kw_rights_filter_match_mode(&f, S_IFREG, HUGETLBFS_MAGIC));
	KUNIT_EXPECT_FALSE(test, kw_rights_filter_match_mode(&f, S_IFREG, EXT4_SUPER_MAGIC));
	KUNIT_EXPECT_FALSE(test, kw_rights_filter_match_mode(&f, S_IFDIR, TMPFS_MAGIC));
	KUNIT_EXPECT_FALSE(test, kw_rights_filter_match_mode(&f, S_IFIFO, PIPEFS_MAGIC));
	/* types only */
	f.nr_magics = 0;
	KUNIT_EXPECT_TRUE(test, kw_rights_filter_match_mode(&f, S_IFREG, EXT4_SUPER_MAGIC));
	KUNIT_EXPECT_FALSE(test, kw_rights_filter_match_mode(&f, S_IFCHR, TMPFS_MAGIC));
	/* magics only */
	f.types = 0;
	f.nr_magics = 1;
	f.magics[0] = PIPEFS_MAGIC;
	KUNIT_EXPECT_TRUE(test, kw_rights_filter_match_mode(&f, S_IFIFO, PIPEFS_MAGIC));
	KUNIT_EXPECT_FALSE(test, kw_rights_filter_match_mode(&f, S_IFREG, TMPFS_MAGIC));
}

static void kwt_rf_check(struct kunit *test)
{
	struct kwish_rights_filter f = { .types = KWISH_RF_TYPE(S_IFREG) };

	KUNIT_EXPECT_EQ(test, kw_rights_filter_check_filter(&f), 0);
	f.flags = 1;
	KUNIT_EXPECT_EQ(test, kw_rights_filter_check_filter(&f), -EINVAL);
	f.flags = 0;
	f.__reserved = 1;
	KUNIT_EXPECT_EQ(test, kw_rights_filter_check_filter(&f), -EINVAL);
	f.__reserved = 0;
	f.nr_magics = KWISH_RIGHTS_FILTER_MAX_MAGICS + 1;
	KUNIT_EXPECT_EQ(test, kw_rights_filter_check_filter(&f), -EINVAL);
	f.nr_magics = KWISH_RIGHTS_FILTER_MAX_MAGICS;
	KUNIT_EXPECT_EQ(test, kw_rights_filter_check_filter(&f), 0);
	/* a magic beyond nr_magics */
	f.nr_magics = 1;
	f.magics[3] = TMPFS_MAGIC;
	KUNIT_EXPECT_EQ(test, kw_rights_filter_check_filter(&f), -EINVAL);
}

static void kwt_ts_clocks(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, kw_mono_tstamp_valid_clock(CLOCK_REALTIME));
	KUNIT_EXPECT_TRUE(test, kw_mono_tstamp_valid_clock(CLOCK_MONOTONIC));
	KUNIT_EXPECT_TRUE(test, kw_mono_tstamp_valid_clock(CLOCK_BOOTTIME));
	KUNIT_EXPECT_FALSE(test, kw_mono_tstamp_valid_clock(CLOCK_MONOTONIC_RAW));
	KUNIT_EXPECT_FALSE(test, kw_mono_tstamp_valid_clock(CLOCK_TAI));
	KUNIT_EXPECT_FALSE(test, kw_mono_tstamp_valid_clock(-1));
}

static struct kunit_case kwt_net_uapi_cases[] = {
	KUNIT_CASE(kwt_net_uapi),
	{}
};

static struct kunit_suite kwt_net_uapi_suite = {
	.name = "kwish_net_uapi",
	.test_cases = kwt_net_uapi_cases,
};

static struct kunit_case kwt_rf_cases[] = {
	KUNIT_CASE(kwt_rf_match),
	KUNIT_CASE(kwt_rf_check),
	{}
};

static struct kunit_suite kwt_rf_suite = {
	.name = "kwish_net_rights_filter",
	.test_cases = kwt_rf_cases,
};

static struct kunit_case kwt_ts_cases[] = {
	KUNIT_CASE(kwt_ts_clocks),
	{}
};

static struct kunit_suite kwt_ts_suite = {
	.name = "kwish_net_tstamp",
	.test_cases = kwt_ts_cases,
};

kunit_test_suites(&kwt_net_uapi_suite, &kwt_rf_suite, &kwt_ts_suite);

MODULE_DESCRIPTION("KUnit tests for kwish_net");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KWISH);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
