// SPDX-License-Identifier: GPL-2.0
/*
 * core_module_reload: a feature module can be removed and loaded again at
 * any time, also while its commands are in flight, and kwish_core tells
 * the truth about it meanwhile.
 *
 * - kwish_fs unloaded: KWISH_OPEN_REGULAR fails with EOPNOTSUPP (the errno
 *   contract), KWISH_STATUS reports item 8 "not loaded"; loaded again: it
 *   works and reports "present".
 * - rmmod/insmod of kwish_fs in a loop while other processes hammer
 *   KWISH_OPEN_REGULAR on a regular file and a FIFO and plain open()s run:
 *   every call returns an fd, EFTYPE or EOPNOTSUPP, nothing blocks, the
 *   FIFO is never opened, and the guest log stays clean (checked by the
 *   runner's splat scan).
 *
 * - With ftrace switched off (kernel.ftrace_enabled=0) kwish cannot hook:
 *   kwish_core and kwish_fs still load, /dev/kwish works, item 8 is
 *   reported "unavailable" with the reason, and its command gives
 *   EOPNOTSUPP; with ftrace back on, a reload makes it present again.
 *
 * Root only (module loading); the modules are in $KWISH_MODULES_DIR
 * (default /kwish/modules, where the test VM puts them).
 */
#include "kwtap.h"

#include <sys/ioctl.h>

#define FEATURE_MODULE	"kwish_fs"
#define ITEM_O_REGULAR	8

static char kw_dir[] = "/tmp/kw_reloadXXXXXX";

static int module_remove(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/* Make sure the feature module is loaded again whatever happened. */
static void ensure_loaded(void)
{
	if (!kw_module_loaded(FEATURE_MODULE))
		kw_module_insert(FEATURE_MODULE);
}

static int item_state(int kfd, unsigned int id, struct kwish_feature *out)
{
	struct kwish_feature f[KWISH_ITEM_MAX];
	struct kwish_status st = {
		.size = sizeof(st),
		.nr_features = KWISH_ITEM_MAX,
		.feature_size = sizeof(f[0]),
		.features = (uintptr_t)f,
	};

	if (ioctl(kfd, KWISH_STATUS, &st) < 0)
		return -1;
	*out = f[id - 1];
	return out->state;
}

static int open_regular(int kfd, const char *path)
{
	struct kwish_open_regular arg = {
		.size = sizeof(arg),
		.dirfd = AT_FDCWD,
		.pathname = (uintptr_t)path,
		.open_flags = O_RDONLY | O_CLOEXEC,
	};

	return ioctl(kfd, KWISH_OPEN_REGULAR, &arg);
}

static int setup_files(char *file, char *fifo, size_t len)
{
	int fd;

	snprintf(file, len, "%s/file", kw_dir);
	snprintf(fifo, len, "%s/fifo", kw_dir);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "x", 1) != 1)
		return -1;
	close(fd);
	if (mkfifo(fifo, 0644) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int test_unloaded_gives_eopnotsupp(void)
{
	char file[128], fifo[128];
	struct kwish_feature f;
	int kfd, fd;

	if (!kw_is_root())
		return kw_skip("loading modules needs root");
	KW_CHECK(setup_files(file, fifo, sizeof(file)) == 0, "setup: %s",
		 kw_errname(errno));
	kfd = open("/dev/kwish", O_RDWR | O_CLOEXEC);
	KW_CHECK_OK(kfd);

	KW_CHECK(item_state(kfd, ITEM_O_REGULAR, &f) == KWISH_STATE_PRESENT,
		 "item 8 is %u before unloading, expected present", f.state);
	KW_CHECK(kw_module_remove_settled(FEATURE_MODULE, 10) == 0,
		 "rmmod %s: %s",
		 FEATURE_MODULE, kw_errname(errno));

	KW_CHECK_ERRNO(open_regular(kfd, file), EOPNOTSUPP);
	KW_CHECK(item_state(kfd, ITEM_O_REGULAR, &f) == KWISH_STATE_NOT_LOADED,
		 "item 8 is %u while unloaded, expected not loaded", f.state);
	KW_CHECK(strstr(f.reason, FEATURE_MODULE),
		 "reason \"%s\" does not name %s", f.reason, FEATURE_MODULE);

	KW_CHECK(kw_module_insert(FEATURE_MODULE) == 0, "insmod %s: %s",
		 FEATURE_MODULE, kw_errname(errno));
	KW_CHECK(item_state(kfd, ITEM_O_REGULAR, &f) == KWISH_STATE_PRESENT,
		 "item 8 is %u after reloading, expected present", f.state);
	fd = open_regular(kfd, file);
	KW_CHECK(fd >= 0, "open_regular after reload: %s", kw_errname(errno));
	close(fd);
	KW_CHECK_ERRNO(open_regular(kfd, fifo), EFTYPE);
	close(kfd);
	return KW_PASS;
}

/* Child: call KWISH_OPEN_REGULAR until @end; exit 0 if all went well. */
static void hammer_open_regular(const char *path, bool regular, double end)
{
	int kfd = open("/dev/kwish", O_RDWR | O_CLOEXEC);
	unsigned long calls = 0;

	if (kfd < 0)
		_exit(2);
	while (kw_now() < end) {
		int fd = open_regular(kfd, path);

		calls++;
		if (fd >= 0) {
			if (!regular) {
				printf("# opened non-regular %s\n", path);
				_exit(3);
			}
			close(fd);
		} else if (errno != EOPNOTSUPP &&
			   !(errno == EFTYPE && !regular)) {
			printf("# %s: unexpected %s\n", path,
			       kw_errname(errno));
			_exit(4);
		}
	}
	_exit(calls ? 0 : 5);
}

/* Child: plain opens of the regular file, which the hook must not touch. */
static void hammer_plain_open(const char *path, double end)
{
	while (kw_now() < end) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			_exit(6);
		close(fd);
	}
	_exit(0);
}

static int test_rmmod_while_in_flight(void)
{
	char file[128], fifo[128];
	unsigned int cycles = 0, busy = 0;
	double end;
	pid_t kids[4];
	int i, res = KW_PASS;

	if (!kw_is_root())
		return kw_skip("loading modules needs root");
	KW_CHECK(setup_files(file, fifo, sizeof(file)) == 0, "setup: %s",
		 kw_errname(errno));
	ensure_loaded();

	end = kw_now() + 8;
	for (i = 0; i < 4; i++) {
		kids[i] = fork();
		KW_CHECK(kids[i] >= 0, "fork: %s", kw_errname(errno));
		if (kids[i] == 0) {
			if (i == 0)
				hammer_open_regular(file, true, end);
			if (i == 1)
				hammer_open_regular(fifo, false, end);
			if (i == 2)
				hammer_open_regular(file, true, end);
			hammer_plain_open(file, end);
		}
	}

	while (kw_now() < end - 1) {
		if (module_remove(FEATURE_MODULE) == 0) {
			cycles++;
			if (kw_module_insert(FEATURE_MODULE) < 0) {
				res = kw_fail("insmod %s: %s", FEATURE_MODULE,
					      kw_errname(errno));
				break;
			}
		} else if (errno == EBUSY || errno == EWOULDBLOCK ||
			   errno == EAGAIN) {
			busy++;
		} else {
			res = kw_fail("rmmod %s: %s", FEATURE_MODULE,
				      kw_errname(errno));
			break;
		}
	}
	ensure_loaded();

	for (i = 0; i < 4; i++) {
		int rc = kw_wait(kids[i]);

		if (rc != 0 && res == KW_PASS)
			res = kw_fail("worker %d exited %d", i, rc);
	}
	kw_diag("%u unload/load cycles, %u rmmod refused while busy", cycles,
		busy);
	if (res == KW_PASS && cycles == 0)
		res = kw_fail("the module was never unloaded");
	return res;
}

static const char * const all_modules[] = {
	"kwish_core", "kwish_fs", "kwish_mount", "kwish_net", "kwish_loop",
	"kwish_cgroup",
};

static int remove_all_modules(void)
{
	int i;

	for (i = KW_ARRAY_SIZE(all_modules) - 1; i >= 0; i--)
		if (kw_module_loaded(all_modules[i]) &&
		    kw_module_remove_settled(all_modules[i], 10) < 0)
			return -1;
	return 0;
}

/* Load every kwish module that is not loaded (core first). */
static int insert_all_modules(void)
{
	size_t i;

	for (i = 0; i < KW_ARRAY_SIZE(all_modules); i++)
		if (!kw_module_loaded(all_modules[i]) &&
		    kw_module_insert(all_modules[i]) < 0)
			return -1;
	return 0;
}

static int test_unavailable_when_ftrace_is_off(void)
{
	const char *sysctl = "/proc/sys/kernel/ftrace_enabled";
	char file[128], fifo[128];
	struct kwish_feature f;
	int kfd = -1, res = KW_PASS;

	if (!kw_is_root())
		return kw_skip("loading modules needs root");
	if (access(sysctl, W_OK) < 0)
		return kw_skip("no %s", sysctl);
	KW_CHECK(setup_files(file, fifo, sizeof(file)) == 0, "setup: %s",
		 kw_errname(errno));
	KW_CHECK(remove_all_modules() == 0, "rmmod: %s", kw_errname(errno));
	KW_CHECK(kw_write_file(sysctl, "0") == 0, "ftrace_enabled=0");

	if (kw_module_insert("kwish_core") < 0 ||
	    kw_module_insert(FEATURE_MODULE) < 0) {
		res = kw_fail("insmod with ftrace off: %s", kw_errname(errno));
		goto out;
	}
	kfd = open("/dev/kwish", O_RDWR | O_CLOEXEC);
	if (kfd < 0) {
		res = kw_fail("open /dev/kwish: %s", kw_errname(errno));
		goto out;
	}
	if (item_state(kfd, ITEM_O_REGULAR, &f) != KWISH_STATE_UNAVAILABLE) {
		res = kw_fail("item 8 is %u with ftrace off, expected unavailable",
			      f.state);
		goto out;
	}
	kw_diag("item 8 with ftrace off: unavailable: %s", f.reason);
	if (!f.reason[0]) {
		res = kw_fail("unavailable without a reason");
		goto out;
	}
	errno = 0;
	if (open_regular(kfd, file) != -1 || errno != EOPNOTSUPP) {
		res = kw_fail("KWISH_OPEN_REGULAR with ftrace off: %s, expected EOPNOTSUPP",
			      errno ? kw_errname(errno) : "success");
		goto out;
	}
out:
	if (kfd >= 0)
		close(kfd);
	if (remove_all_modules() < 0 && res == KW_PASS)
		res = kw_fail("rmmod after the ftrace-off check: %s",
			      kw_errname(errno));
	kw_write_file(sysctl, "1");
	if (insert_all_modules() < 0 && res == KW_PASS)
		res = kw_fail("reloading the modules: %s", kw_errname(errno));
	if (res != KW_PASS)
		return res;

	kfd = open("/dev/kwish", O_RDWR | O_CLOEXEC);
	KW_CHECK_OK(kfd);
	KW_CHECK(item_state(kfd, ITEM_O_REGULAR, &f) == KWISH_STATE_PRESENT,
		 "item 8 is %u after ftrace is back, expected present",
		 f.state);
	KW_CHECK_ERRNO(open_regular(kfd, fifo), EFTYPE);
	close(kfd);
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_unloaded_gives_eopnotsupp),
	KW_TEST(test_unavailable_when_ftrace_is_off),
	KW_TEST_T(test_rmmod_while_in_flight, 30),
};

int main(void)
{
	int ret;

	if (!mkdtemp(kw_dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	ret = KW_RUN(tests);
	if (kw_is_root()) {
		kw_write_file("/proc/sys/kernel/ftrace_enabled", "1");
		insert_all_modules();
	}
	kw_rm_rf(kw_dir);
	return ret;
}
