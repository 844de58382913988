// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for kwish_mount:
 *   kwish_mount_dispatch the size and flag rules on kwish_mount's commands
 *   kwish_mount_notify  item 17: the uapi values shared with upstream
 *                       v6.15's fanotify, the watch queue (order,
 *                       overflow as fsnotify_insert_event() does it),
 *                       the records read() returns, the argument checks
 * Load after kwish_core and kwish_mount.
 */
#include <kunit/test.h>
#include <linux/fcntl.h>
#include <linux/module.h>

#include "kwish_core_test.h"
#include "kwish_mount.h"

static void kwt_mnw_uapi(struct kunit *test)
{
	/* include/uapi/linux/fanotify.h of v6.15 */
	KUNIT_EXPECT_EQ(test, FAN_MNT_ATTACH, 0x01000000);
	KUNIT_EXPECT_EQ(test, FAN_MNT_DETACH, 0x02000000);
	KUNIT_EXPECT_EQ(test, FAN_EVENT_INFO_TYPE_MNT, 7);
	KUNIT_EXPECT_EQ(test, sizeof(struct fanotify_event_info_mnt), 16);
	KUNIT_EXPECT_EQ(test, FAN_EVENT_METADATA_LEN, 24);
	KUNIT_EXPECT_EQ(test, KW_MOUNT_NOTIFY_EVENT_LEN, 40);
}

#define KWT_CAP	3

static void kwt_mnw_queue_init(struct kw_mount_notify_queue *q,
			       struct kw_mount_notify_record *rec)
{
	memset(q, 0, sizeof(*q));
	q->cap = KWT_CAP;
	q->rec = rec;
}

static void kwt_mnw_expect_pop(struct kunit *test, struct kw_mount_notify_queue *q,
			       u64 id, u32 mask)
{
	struct kw_mount_notify_record r;

	KUNIT_ASSERT_TRUE(test, kw_mount_notify_queue_pop(q, &r));
	KUNIT_EXPECT_EQ(test, r.mnt_id, id);
	KUNIT_EXPECT_EQ(test, r.mask, mask);
}

static void kwt_mnw_queue_order(struct kunit *test)
{
	struct kw_mount_notify_record rec[KWT_CAP + 1], r;
	struct kw_mount_notify_queue q;
	int round;

	kwt_mnw_queue_init(&q, rec);
	KUNIT_EXPECT_FALSE(test, kw_mount_notify_queue_pop(&q, &r));
	/* several rounds, so that the ring wraps */
	for (round = 0; round < 5; round++) {
		KUNIT_EXPECT_TRUE(test, kw_mount_notify_queue_push(&q, 10 + round,
								   FAN_MNT_ATTACH, 1));
		KUNIT_EXPECT_TRUE(test, kw_mount_notify_queue_push(&q, 20 + round,
								   FAN_MNT_DETACH, 2));
		kwt_mnw_expect_pop(test, &q, 10 + round, FAN_MNT_ATTACH);
		kwt_mnw_expect_pop(test, &q, 20 + round, FAN_MNT_DETACH);
		KUNIT_EXPECT_FALSE(test, kw_mount_notify_queue_pop(&q, &r));
	}
}

static void kwt_mnw_queue_overflow(struct kunit *test)
{
	struct kw_mount_notify_record rec[KWT_CAP + 1], r;
	struct kw_mount_notify_queue q;

	kwt_mnw_queue_init(&q, rec);
	KUNIT_EXPECT_TRUE(test, kw_mount_notify_queue_push(&q, 1, FAN_MNT_ATTACH, 0));
	KUNIT_EXPECT_TRUE(test, kw_mount_notify_queue_push(&q, 2, FAN_MNT_ATTACH, 0));
	KUNIT_EXPECT_TRUE(test, kw_mount_notify_queue_push(&q, 3, FAN_MNT_ATTACH, 0));
	/* full: the first drop queues the overflow record, later ones not */
	KUNIT_EXPECT_FALSE(test, kw_mount_notify_queue_push(&q, 4, FAN_MNT_ATTACH, 0));
	KUNIT_EXPECT_FALSE(test, kw_mount_notify_queue_push(&q, 5, FAN_MNT_ATTACH, 0));
	KUNIT_EXPECT_EQ(test, q.count, KWT_CAP + 1);
	kwt_mnw_expect_pop(test, &q, 1, FAN_MNT_ATTACH);
	/* still cap records queued (the overflow counts): dropped */
	KUNIT_EXPECT_FALSE(test, kw_mount_notify_queue_push(&q, 6, FAN_MNT_ATTACH, 0));
	kwt_mnw_expect_pop(test, &q, 2, FAN_MNT_ATTACH);
	/* room now: queued after the overflow record */
	KUNIT_EXPECT_TRUE(test, kw_mount_notify_queue_push(&q, 7, FAN_MNT_DETACH, 0));
	kwt_mnw_expect_pop(test, &q, 3, FAN_MNT_ATTACH);
	kwt_mnw_expect_pop(test, &q, 0, FAN_Q_OVERFLOW);
	kwt_mnw_expect_pop(test, &q, 7, FAN_MNT_DETACH);
	KUNIT_EXPECT_FALSE(test, kw_mount_notify_queue_pop(&q, &r));
	/* the overflow record was read: the next overflow is reported */
	KUNIT_EXPECT_FALSE(test, q.overflow_queued);
	kw_mount_notify_queue_push(&q, 8, FAN_MNT_ATTACH, 0);
	kw_mount_notify_queue_push(&q, 9, FAN_MNT_ATTACH, 0);
	kw_mount_notify_queue_push(&q, 10, FAN_MNT_ATTACH, 0);
	KUNIT_EXPECT_FALSE(test, kw_mount_notify_queue_push(&q, 11, FAN_MNT_ATTACH, 0));
	KUNIT_EXPECT_TRUE(test, q.overflow_queued);
}

static void kwt_mnw_format(struct kunit *test)
{
	struct kw_mount_notify_record r = {
		.mnt_id = 0x100000007ULL, .mask = FAN_MNT_ATTACH | FAN_MNT_DETACH,
		.pid = 42,
	};
	struct fanotify_event_metadata md;
	struct fanotify_event_info_mnt info;
	char buf[KW_MOUNT_NOTIFY_EVENT_LEN];

	KUNIT_ASSERT_EQ(test, kw_mount_notify_format(&r, buf), 40);
	memcpy(&md, buf, sizeof(md));
	memcpy(&info, buf + sizeof(md), sizeof(info));
	KUNIT_EXPECT_EQ(test, md.event_len, 40);
	KUNIT_EXPECT_EQ(test, md.vers, FANOTIFY_METADATA_VERSION);
	KUNIT_EXPECT_EQ(test, md.metadata_len, 24);
	KUNIT_EXPECT_EQ(test, md.mask, (u64)(FAN_MNT_ATTACH | FAN_MNT_DETACH));
	KUNIT_EXPECT_EQ(test, md.fd, FAN_NOFD);
	KUNIT_EXPECT_EQ(test, md.pid, 42);
	KUNIT_EXPECT_EQ(test, info.hdr.info_type, FAN_EVENT_INFO_TYPE_MNT);
	KUNIT_EXPECT_EQ(test, info.hdr.len, 16);
	KUNIT_EXPECT_EQ(test, info.mnt_id, 0x100000007ULL);

	r.mask = FAN_Q_OVERFLOW;
	r.mnt_id = 0;
	r.pid = 0;
	KUNIT_ASSERT_EQ(test, kw_mount_notify_format(&r, buf), 24);
	memcpy(&md, buf, sizeof(md));
	KUNIT_EXPECT_EQ(test, md.event_len, 24);
	KUNIT_EXPECT_EQ(test, md.mask, (u64)FAN_Q_OVERFLOW);
	KUNIT_EXPECT_EQ(test, md.fd, FAN_NOFD);
}

static void kwt_mnw_check_args(struct kunit *test)
{
	struct kwish_mount_watch a = {
		.size = sizeof(a), .mask = FAN_MNT_ATTACH,
	};

	KUNIT_EXPECT_EQ(test, kw_mount_notify_check_args(&a), O_RDONLY | O_CLOEXEC);
	a.flags = KWISH_MOUNT_WATCH_NONBLOCK | KWISH_MOUNT_WATCH_NO_CLOEXEC;
	KUNIT_EXPECT_EQ(test, kw_mount_notify_check_args(&a), O_RDONLY | O_NONBLOCK);
	a.flags = 0;
	a.mask = 0;
	KUNIT_EXPECT_EQ(test, kw_mount_notify_check_args(&a), -EINVAL);
	a.mask = FAN_MNT_ATTACH | FAN_Q_OVERFLOW;
	KUNIT_EXPECT_EQ(test, kw_mount_notify_check_args(&a), -EINVAL);
	a.mask = FAN_MNT_DETACH;
	a.queue_len = KWISH_MOUNT_WATCH_QUEUE_MAX;
	KUNIT_EXPECT_GE(test, kw_mount_notify_check_args(&a), 0);
	a.queue_len = KWISH_MOUNT_WATCH_QUEUE_MAX + 1;
	KUNIT_EXPECT_EQ(test, kw_mount_notify_check_args(&a), -EINVAL);
}

static struct kunit_case kwt_mnw_cases[] = {
	KUNIT_CASE(kwt_mnw_uapi),
	KUNIT_CASE(kwt_mnw_queue_order),
	KUNIT_CASE(kwt_mnw_queue_overflow),
	KUNIT_CASE(kwt_mnw_format),
	KUNIT_CASE(kwt_mnw_check_args),
	{}
};

static struct kunit_suite kwt_mnw_suite = {
	.name = "kwish_mount_notify",
	.test_cases = kwt_mnw_cases,
};

/* ------------------------------------------------------------ dispatch */

/*
 * The dispatcher's size and flag rules on the commands kwish_mount
 * registered, from its own KW_IOCTL_OP() tables: KWISH_STATMOUNT,
 * KWISH_LISTMOUNT, KWISH_MOUNT_OWNER, KWISH_MOUNT_WATCH.
 */
static void kwt_mount_cmd_rules(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kwt_module_cmd_rules(test, "kwish_mount"), 4);
}

static struct kunit_case kwt_mount_dispatch_cases[] = {
	KUNIT_CASE(kwt_mount_cmd_rules),
	{}
};

static struct kunit_suite kwt_mount_dispatch_suite = {
	.name = "kwish_mount_dispatch",
	.test_cases = kwt_mount_dispatch_cases,
};

kunit_test_suites(&kwt_mount_dispatch_suite, &kwt_mnw_suite);

MODULE_DESCRIPTION("KUnit tests for kwish_mount");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_IMPORT_NS(KWISH);
