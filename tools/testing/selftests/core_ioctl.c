// SPDX-License-Identifier: GPL-2.0
/*
 * core_ioctl: the errno contract of /dev/kwish (see <linux/kwish.h>),
 * exercised with KWISH_STATUS, the command every kwish_core has.
 */
#include <sys/ioctl.h>

#include "kwtap.h"

static struct kwish_feature feats[KWISH_ITEM_MAX];

static int kfd(void)
{
	return open(KWISH_DEV_PATH, O_RDWR | O_CLOEXEC);
}

#define OPEN_KWISH(fd)							\
	do {								\
		fd = kfd();						\
		if (fd < 0)						\
			return kw_fail("open %s: %s", KWISH_DEV_PATH,	\
				       kw_errname(errno));		\
	} while (0)

static void status_init(struct kwish_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->nr_features = KWISH_ITEM_MAX;
	st->feature_size = sizeof(struct kwish_feature);
	st->features = (uintptr_t)feats;
}

static int test_dev_node(void)
{
	struct stat st;

	KW_CHECK_OK(stat(KWISH_DEV_PATH, &st));
	KW_CHECK(S_ISCHR(st.st_mode), "%s is not a character device (mode %o)",
		 KWISH_DEV_PATH, st.st_mode);
	KW_CHECK((st.st_mode & 07777) == 0666, "%s has mode %04o, want 0666",
		 KWISH_DEV_PATH, st.st_mode & 07777);
	return KW_PASS;
}

static int status_as_is(void)
{
	struct kwish_status st;
	int fd;

	OPEN_KWISH(fd);
	status_init(&st);
	KW_CHECK_OK(ioctl(fd, KWISH_STATUS, &st));
	KW_CHECK(st.nr_features == KWISH_ITEM_MAX, "nr_features %u",
		 st.nr_features);
	close(fd);
	return KW_PASS;
}

/* Any user may open /dev/kwish and ask for the status. */
static int test_open_as_user(void)
{
	return kw_run_as_user(status_as_is);
}

static int test_status_ver0_size(void)
{
	struct kwish_status st;
	int fd;

	OPEN_KWISH(fd);
	status_init(&st);
	st.size = KWISH_STATUS_SIZE_VER0;
	KW_CHECK_OK(ioctl(fd, KWISH_STATUS, &st));
	KW_CHECK(st.nr_features == KWISH_ITEM_MAX, "nr_features %u",
		 st.nr_features);
	KW_CHECK(st.abi_version == KWISH_ABI_VERSION, "abi_version %u",
		 st.abi_version);
	return KW_PASS;
}

static int test_enotty_wrong_type(void)
{
	static const unsigned int types[] = {
		KWISH_TYPE - 1, KWISH_TYPE + 1, 'T', 0,
	};
	struct kwish_status st;
	unsigned int i;
	int fd;

	OPEN_KWISH(fd);
	for (i = 0; i < KW_ARRAY_SIZE(types); i++) {
		status_init(&st);
		KW_CHECK_ERRNO(ioctl(fd, _IO(types[i], KWISH_CMD_STATUS), &st),
			       ENOTTY);
	}
	return KW_PASS;
}

static int test_enotty_unknown_nr(void)
{
	static const unsigned int nrs[] = {
		KWISH_CMD_END, KWISH_CMD_END + 1, KWISH_CMD_BASE - 1, 0, 0xff,
	};
	struct kwish_status st;
	unsigned int i;
	int fd;

	OPEN_KWISH(fd);
	for (i = 0; i < KW_ARRAY_SIZE(nrs); i++) {
		status_init(&st);
		KW_CHECK_ERRNO(ioctl(fd, _IO(KWISH_TYPE, nrs[i]), &st),
			       ENOTTY);
	}
	return KW_PASS;
}

/* Commands are _IO(); the same number with a size/direction is unknown. */
static int test_enotty_dir_encoded(void)
{
	struct kwish_status st;
	int fd;

	OPEN_KWISH(fd);
	status_init(&st);
	KW_CHECK_ERRNO(ioctl(fd, _IOW(KWISH_TYPE, KWISH_CMD_STATUS,
				      struct kwish_status), &st), ENOTTY);
	KW_CHECK_ERRNO(ioctl(fd, _IOR(KWISH_TYPE, KWISH_CMD_STATUS,
				      struct kwish_status), &st), ENOTTY);
	KW_CHECK_ERRNO(ioctl(fd, _IOWR(KWISH_TYPE, KWISH_CMD_STATUS,
				       struct kwish_status), &st), ENOTTY);
	return KW_PASS;
}

/* ENOTTY is checked before the argument is looked at. */
static int test_enotty_before_efault(void)
{
	int fd;

	OPEN_KWISH(fd);
	KW_CHECK_ERRNO(ioctl(fd, _IO(KWISH_TYPE, KWISH_CMD_END), NULL),
		       ENOTTY);
	KW_CHECK_ERRNO(ioctl(fd, _IO(KWISH_TYPE + 1, KWISH_CMD_STATUS),
			     kw_bad_ptr()), ENOTTY);
	return KW_PASS;
}

static int test_efault_null(void)
{
	int fd;

	OPEN_KWISH(fd);
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, NULL), EFAULT);
	return KW_PASS;
}

static int test_efault_unmapped(void)
{
	int fd;

	OPEN_KWISH(fd);
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, kw_bad_ptr()), EFAULT);
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, (void *)-4096L), EFAULT);
	return KW_PASS;
}

/* A struct whose declared size runs into an unreadable page. */
static int test_efault_size_past_page(void)
{
	struct kwish_status *st;
	char *map;
	int fd;

	OPEN_KWISH(fd);
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	KW_CHECK(map != MAP_FAILED, "mmap: %s", kw_errname(errno));
	KW_CHECK_OK(mprotect(map + 4096, 4096, PROT_NONE));
	st = (struct kwish_status *)(map + 4096 - sizeof(*st));
	status_init(st);
	st->size = sizeof(*st) + 64;
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, st), EFAULT);
	return KW_PASS;
}

static int test_efault_features_ptr(void)
{
	struct kwish_status st;
	int fd;

	OPEN_KWISH(fd);
	status_init(&st);
	st.features = (uintptr_t)kw_bad_ptr();
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, &st), EFAULT);
	status_init(&st);
	st.features = 0;
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, &st), EFAULT);
	return KW_PASS;
}

static int test_einval_small_size(void)
{
	static const unsigned int sizes[] = {
		0, 4, 8, KWISH_STATUS_SIZE_VER0 - 8, KWISH_STATUS_SIZE_VER0 - 1,
	};
	struct kwish_status st;
	unsigned int i;
	int fd;

	OPEN_KWISH(fd);
	for (i = 0; i < KW_ARRAY_SIZE(sizes); i++) {
		status_init(&st);
		st.size = sizes[i];
		KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, &st), EINVAL);
	}
	return KW_PASS;
}

static int test_einval_flags(void)
{
	static const unsigned int flags[] = { 1, 2, 0x80000000u, ~0u };
	struct kwish_status st;
	unsigned int i;
	int fd;

	OPEN_KWISH(fd);
	for (i = 0; i < KW_ARRAY_SIZE(flags); i++) {
		status_init(&st);
		st.flags = flags[i];
		KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, &st), EINVAL);
	}
	return KW_PASS;
}

static int test_einval_reserved(void)
{
	struct kwish_status st;
	int fd;

	OPEN_KWISH(fd);
	status_init(&st);
	st.__reserved = 1;
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, &st), EINVAL);
	status_init(&st);
	st.__reserved = 0x80000000u;
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, &st), EINVAL);
	return KW_PASS;
}

static int test_einval_feature_size(void)
{
	static const unsigned int sizes[] = {
		0, 8, KWISH_FEATURE_SIZE_VER0 - 1,
	};
	struct kwish_status st;
	unsigned int i;
	int fd;

	OPEN_KWISH(fd);
	for (i = 0; i < KW_ARRAY_SIZE(sizes); i++) {
		status_init(&st);
		st.feature_size = sizes[i];
		KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, &st), EINVAL);
	}
	return KW_PASS;
}

/* A caller from the future: larger struct, non-zero bytes kwish can't know. */
static int test_e2big_nonzero_tail(void)
{
	struct {
		struct kwish_status st;
		unsigned char tail[64];
	} big;
	int fd;

	OPEN_KWISH(fd);
	memset(&big, 0, sizeof(big));
	status_init(&big.st);
	big.st.size = sizeof(big);
	big.tail[63] = 1;
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, &big), E2BIG);
	big.tail[63] = 0;
	big.tail[0] = 0x80;
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, &big), E2BIG);
	return KW_PASS;
}

static int test_larger_zero_tail_ok(void)
{
	struct {
		struct kwish_status st;
		unsigned char tail[64];
	} big;
	int fd;

	OPEN_KWISH(fd);
	memset(&big, 0, sizeof(big));
	status_init(&big.st);
	big.st.size = sizeof(big);
	KW_CHECK_OK(ioctl(fd, KWISH_STATUS, &big));
	KW_CHECK(big.st.nr_features == KWISH_ITEM_MAX, "nr_features %u",
		 big.st.nr_features);
	KW_CHECK(feats[7].id == 8, "entry 8 has id %u", feats[7].id);
	return KW_PASS;
}

static int test_e2big_over_page(void)
{
	static const unsigned int sizes[] = { 4097, 8192 };
	unsigned int i;
	char *buf;
	int fd;

	OPEN_KWISH(fd);
	buf = calloc(1, 8192);
	KW_CHECK(buf, "calloc");
	for (i = 0; i < KW_ARRAY_SIZE(sizes); i++) {
		struct kwish_status *st = (struct kwish_status *)buf;

		status_init(st);
		st->size = sizes[i];
		KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, buf), E2BIG);
	}
	free(buf);
	return KW_PASS;
}

/* The fd works after a failed call: errors leave no state behind. */
static int test_ok_after_errors(void)
{
	struct kwish_status st;
	int fd;

	OPEN_KWISH(fd);
	status_init(&st);
	st.flags = 1;
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, &st), EINVAL);
	KW_CHECK_ERRNO(ioctl(fd, KWISH_STATUS, NULL), EFAULT);
	status_init(&st);
	KW_CHECK_OK(ioctl(fd, KWISH_STATUS, &st));
	KW_CHECK(st.nr_features == KWISH_ITEM_MAX, "nr_features %u",
		 st.nr_features);
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_dev_node),
	KW_TEST(test_open_as_user),
	KW_TEST(test_status_ver0_size),
	KW_TEST(test_enotty_wrong_type),
	KW_TEST(test_enotty_unknown_nr),
	KW_TEST(test_enotty_dir_encoded),
	KW_TEST(test_enotty_before_efault),
	KW_TEST(test_efault_null),
	KW_TEST(test_efault_unmapped),
	KW_TEST(test_efault_size_past_page),
	KW_TEST(test_efault_features_ptr),
	KW_TEST(test_einval_small_size),
	KW_TEST(test_einval_flags),
	KW_TEST(test_einval_reserved),
	KW_TEST(test_einval_feature_size),
	KW_TEST(test_e2big_nonzero_tail),
	KW_TEST(test_larger_zero_tail_ok),
	KW_TEST(test_e2big_over_page),
	KW_TEST(test_ok_after_errors),
};

int main(void)
{
	return KW_RUN(tests);
}
