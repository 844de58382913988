// SPDX-License-Identifier: GPL-2.0
/*
 * native_item32_userns_hook: wish-list item 32, native since Linux 6.1:
 * the LSM hook security_create_user_ns() exists and runs whenever a user
 * namespace is created.  A kprobe event on it (tracefs) must fire for the
 * task that calls unshare(CLONE_NEWUSER), and not for one that does not.
 */
#include <limits.h>
#include <sys/mount.h>

#include "kwtap.h"

#define EVENT		"kwish_t32"
#define HOOK		"security_create_user_ns"

static const char *tracefs = "/sys/kernel/tracing";

static const char *T(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;
	char *p = buf[i++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", tracefs, name);
	return p;
}

static int append(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = errno;
	close(fd);
	return n < 0 ? -err : 0;
}

static void remove_event(void)
{
	kw_write_file(T("events/kprobes/" EVENT "/enable"), "0");
	append(T("kprobe_events"), "-:" EVENT "\n");
}

static int setup_event(void)
{
	struct stat st;
	int ret, fd;

	if (stat(T("kprobe_events"), &st) < 0) {
		/* Not mounted: mount it in a mount namespace of our own. */
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tracefs", tracefs, "tracefs", 0, NULL) < 0)
			return kw_fail("no %s and cannot mount tracefs there: %s",
				       T("kprobe_events"), kw_errname(errno));
	}
	remove_event();		/* a leftover of an interrupted run */
	ret = append(T("kprobe_events"), "p:" EVENT " " HOOK "\n");
	if (ret < 0)
		return kw_fail("adding kprobe 'p:%s %s': %s (is %s in the kernel?)",
			       EVENT, HOOK, kw_errname(-ret), HOOK);
	ret = kw_write_file(T("tracing_on"), "1");
	if (ret == 0) {
		/* Empty the ring buffer. */
		fd = open(T("trace"), O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			ret = -errno;
		else
			close(fd);
	}
	if (ret == 0)
		ret = kw_write_file(T("events/kprobes/" EVENT "/enable"), "1");
	if (ret < 0) {
		remove_event();
		return kw_fail("enabling the kprobe event: %s",
			       kw_errname(-ret));
	}
	return KW_PASS;
}

/* Did the trace record a hit of our event from @pid? */
static int count_hits(pid_t pid, int *hits)
{
	static char buf[1 << 20];
	char needle[32], *line, *save = NULL;
	ssize_t n;

	n = kw_read_file(T("trace"), buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	snprintf(needle, sizeof(needle), "-%d ", pid);
	*hits = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '#' && strstr(line, EVENT ":") &&
		    strstr(line, needle))
			(*hits)++;
	}
	return 0;
}

/* Fork a child that (maybe as the test user) creates a user namespace. */
static pid_t spawn(bool unshare_userns, bool as_user, int *status)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (as_user && kw_become_user() < 0)
			_exit(100);
		if (unshare_userns && unshare(CLONE_NEWUSER) < 0)
			_exit(errno == EPERM || errno == ENOSPC ? 101 : 102);
		_exit(0);
	}
	*status = kw_wait(pid);
	return pid;
}

static int run_case(bool as_user)
{
	int st_plain, st_userns, hits_plain = 0, hits_userns = 0, ret;
	pid_t plain, userns;

	if (!kw_is_root())
		return kw_skip("root only (tracefs)");
	KW_TRY(setup_event());
	plain = spawn(false, as_user, &st_plain);
	userns = spawn(true, as_user, &st_userns);
	kw_write_file(T("events/kprobes/" EVENT "/enable"), "0");
	ret = count_hits(userns, &hits_userns);
	if (ret == 0)
		ret = count_hits(plain, &hits_plain);
	remove_event();

	KW_CHECK(plain > 0 && userns > 0, "fork: %s", kw_errname(errno));
	KW_CHECK(ret == 0, "reading %s: %s", T("trace"), kw_errname(-ret));
	KW_CHECK(st_plain == 0, "plain child exited %d", st_plain);
	if (st_userns == 101)
		return kw_skip("the user may not create user namespaces here");
	KW_CHECK(st_userns == 0, "unshare(CLONE_NEWUSER) child exited %d",
		 st_userns);
	KW_CHECK(hits_userns >= 1,
		 "no %s hit from pid %d after unshare(CLONE_NEWUSER)", HOOK,
		 userns);
	KW_CHECK(hits_plain == 0, "%d %s hits from pid %d that created no user namespace",
		 hits_plain, HOOK, plain);
	return KW_PASS;
}

static int test_hook_runs_on_userns_creation(void)
{
	return run_case(false);
}

static int test_hook_runs_for_unprivileged_user(void)
{
	return run_case(true);
}

static const struct kw_test tests[] = {
	KW_TEST(test_hook_runs_on_userns_creation),
	KW_TEST(test_hook_runs_for_unprivileged_user),
};

int main(void)
{
	return KW_RUN(tests);
}
