// SPDX-License-Identifier: GPL-2.0
/*
 * net_module_reload: kwish_net cannot be removed under a call it diverted,
 * nor under a socket whose fd refusal it enforces.
 *
 * - A reader sleeps in a page fault inside unix_stream_recvmsg() (the
 *   destination page is registered with userfaultfd, so the copy to it
 *   waits for us), on a socket with SO_KWISH_PASSCGROUPID, so that its
 *   unix_stream_read_actor() runs in kwish_net.  rmmod kwish_net must
 *   then fail (busy) or wait until the fault is resolved; it must never
 *   return while the reader is still in kwish_net's code, which is freed
 *   with the module.  Two cases: the option set before the recv() (the
 *   whole recvmsg() is diverted), and set while the reader already waits
 *   for data (only the inner read actor is diverted).  A reader that
 *   returns into freed code oopses the guest (the runner's splat scan).
 * - A socket with SO_PASSRIGHTS off or an SO_KWISH_RIGHTS_FILTER keeps
 *   kwish_net loaded until it is closed (rmmod says busy), also a
 *   connection that inherited its listener's setting: the refusal must
 *   not silently end with an unload.
 *
 * Root only (rmmod); kwish_net is loaded again at the end if a test
 * removed it, from $KWISH_MODULES_DIR (default /kwish/modules).
 */
#include "kwtap.h"
#include "kwnet.h"

#include <pthread.h>
#include <sys/ioctl.h>
#include <linux/userfaultfd.h>

#define NET_MODULE	"kwish_net"

static int module_remove(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/* Load kwish_net again if a test removed it; 0 or -1. */
static int ensure_loaded(void)
{
	if (kw_module_loaded(NET_MODULE))
		return 0;
	return kw_module_insert(NET_MODULE);
}

static bool busy_errno(int err)
{
	return err == EBUSY || err == EWOULDBLOCK || err == EAGAIN;
}

/* ---- a reader asleep in a page fault inside recvmsg() ---- */

struct reader {
	int fd;
	char *buf;
	volatile pid_t tid;
	volatile ssize_t ret;
	volatile int err;
	volatile bool done;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	ssize_t n;

	r->tid = syscall(SYS_gettid);
	n = recv(r->fd, r->buf, 1, 0);
	r->err = errno;
	r->ret = n;
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* The state letter of thread @tid of this process ('?' if unknown). */
static char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (kw_read_file(path, buf, sizeof(buf)) < 0)
		return '?';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Wait until @r sleeps (in recv(), the only place it can). */
static bool reader_sleeps(struct reader *r)
{
	double end = kw_now() + 10;

	while (kw_now() < end) {
		if (r->tid && thread_state(r->tid) == 'S') {
			usleep(200 * 1000);	/* well inside the wait */
			return true;
		}
		usleep(10 * 1000);
	}
	return false;
}

static bool reader_done(struct reader *r, double secs)
{
	double end = kw_now() + secs;

	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		if (kw_now() > end)
			return false;
		usleep(10 * 1000);
	}
	return true;
}

/* A page registered with @uffd for missing faults, or MAP_FAILED. */
static char *uffd_page(int *uffd, size_t pgsz)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	char *page;

	*uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (*uffd < 0)
		return MAP_FAILED;
	if (ioctl(*uffd, UFFDIO_API, &api) < 0)
		return MAP_FAILED;
	page = mmap(NULL, pgsz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return MAP_FAILED;
	reg.range.start = (unsigned long)page;
	reg.range.len = pgsz;
	if (ioctl(*uffd, UFFDIO_REGISTER, &reg) < 0)
		return MAP_FAILED;
	return page;
}

/* Wait for the first fault on @uffd; true if it came. */
static bool uffd_fault(int uffd, double secs)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, secs * 1000) != 1)
		return false;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return false;
	return msg.event == UFFD_EVENT_PAGEFAULT;
}

/* Resolve the fault on @page with a page of zeroes. */
static int uffd_resolve(int uffd, char *page, size_t pgsz)
{
	static char zero[65536];
	struct uffdio_copy copy = {
		.dst = (unsigned long)page,
		.src = (unsigned long)zero,
		.len = pgsz,
	};

	if (pgsz > sizeof(zero))
		return -1;
	return ioctl(uffd, UFFDIO_COPY, &copy);
}

/* Fork a child that runs rmmod kwish_net; it exits 0 or with the errno. */
static pid_t rmmod_child(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(module_remove(NET_MODULE) == 0 ? 0 : errno);
	return pid;
}

/* @pid's exit status within @secs, or -1 if it still runs. */
static int wait_for(pid_t pid, double secs)
{
	double end = kw_now() + secs;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
		if (r < 0 || kw_now() > end)
			return -1;
		usleep(10 * 1000);
	}
}

static int rmmod_under_fault(bool option_first)
{
	size_t pgsz = sysconf(_SC_PAGESIZE);
	struct reader r = { 0 };
	int sv[2], uffd, one = 1, rc, res = KW_PASS;
	pthread_t thread;
	pid_t rm;

	if (!kw_is_root())
		return kw_skip("rmmod needs root");
	if (!kw_module_loaded(NET_MODULE))
		return kw_skip("kwish_net not loaded");
	if (kwnet_item_state(5) != KWISH_STATE_PRESENT)
		return kw_skip("item 5 (SO_KWISH_PASSCGROUPID) not present");

	r.buf = uffd_page(&uffd, pgsz);
	if (r.buf == MAP_FAILED)
		return kw_skip("userfaultfd: %s", kw_errname(errno));
	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	r.fd = sv[0];
	if (option_first)
		KW_CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_KWISH_PASSCGROUPID,
				       &one, sizeof(one)));
	KW_CHECK(pthread_create(&thread, NULL, reader_main, &r) == 0,
		 "pthread_create");
	KW_CHECK(reader_sleeps(&r), "the reader does not block in recv()");
	if (!option_first)
		KW_CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_KWISH_PASSCGROUPID,
				       &one, sizeof(one)));
	KW_CHECK(send(sv[1], "x", 1, 0) == 1, "send: %s", kw_errname(errno));
	KW_CHECK(uffd_fault(uffd, 10),
		 "the reader did not fault on its userfaultfd page");

	/*
	 * The reader now sleeps in the copy, in kwish_net's read actor.  An
	 * unload takes seconds under TCG (RCU Tasks grace periods): give it
	 * the time to finish if it is going to, before the fault goes.
	 */
	rm = rmmod_child();
	KW_CHECK(rm > 0, "fork: %s", kw_errname(errno));
	rc = wait_for(rm, 20);
	if (rc == 0)
		res = kw_fail("rmmod kwish_net returned while a diverted recvmsg() slept in a page fault");
	else if (rc > 0 && !busy_errno(rc))
		res = kw_fail("rmmod kwish_net: %s, want busy or a wait",
			      kw_errname(rc));
	else
		kw_diag("rmmod under the fault: %s",
			rc < 0 ? "waits" : kw_errname(rc));

	KW_CHECK_OK(uffd_resolve(uffd, r.buf, pgsz));
	if (!reader_done(&r, 10)) {
		wait_for(rm, 10);
		ensure_loaded();
		return kw_fail("the reader did not return after the fault was resolved");
	}
	pthread_join(thread, NULL);
	if (rc < 0) {
		rc = wait_for(rm, 10);
		if (rc != 0 && res == KW_PASS && !busy_errno(rc))
			res = kw_fail("the waiting rmmod: %s",
				      rc < 0 ? "still waits" : kw_errname(rc));
	}
	if (r.ret != 1 && res == KW_PASS)
		res = kw_fail("recv: %zd (%s), want 1 byte", r.ret,
			      kw_errname(r.err));
	else if (r.buf[0] != 'x' && res == KW_PASS)
		res = kw_fail("recv read 0x%02x, want 'x'", r.buf[0]);
	close(sv[0]);
	close(sv[1]);
	close(uffd);
	if (ensure_loaded() < 0 && res == KW_PASS)
		res = kw_fail("insmod kwish_net: %s", kw_errname(errno));
	return res;
}

static int test_rmmod_under_fault_option_first(void)
{
	return rmmod_under_fault(true);
}

static int test_rmmod_under_fault_option_while_waiting(void)
{
	return rmmod_under_fault(false);
}

/* ---- sockets that refuse fds keep the module ---- */

/* rmmod kwish_net must be refused (busy); 0 or a failure. */
static int expect_busy(const char *what)
{
	if (module_remove(NET_MODULE) == 0) {
		ensure_loaded();
		return kw_fail("rmmod kwish_net succeeded with %s open (its refusal of fds ended)",
			       what);
	}
	KW_CHECK(busy_errno(errno), "rmmod kwish_net with %s open: %s",
		 what, kw_errname(errno));
	return KW_PASS;
}

/*
 * rmmod kwish_net must succeed now that the sockets are closed (their
 * release may lag a moment), and the module load again.
 */
static int expect_unload(void)
{
	double end = kw_now() + 10;

	while (module_remove(NET_MODULE) < 0) {
		if (!busy_errno(errno) || kw_now() > end) {
			int err = errno;

			ensure_loaded();
			return kw_fail("rmmod kwish_net after closing: %s",
				       kw_errname(err));
		}
		usleep(20 * 1000);
	}
	KW_CHECK(kw_module_insert(NET_MODULE) == 0, "insmod kwish_net: %s",
		 kw_errname(errno));
	return KW_PASS;
}

static int rights_pin_case(int opt)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct kwish_rights_filter f = {
		.types = KWISH_RF_TYPE(S_IFREG),
	};
	int l, cli, acc, fd, zero = 0;
	const void *val = opt == SO_PASSRIGHTS ? (void *)&zero : (void *)&f;
	socklen_t len = opt == SO_PASSRIGHTS ? sizeof(zero) : sizeof(f);

	if (!kw_is_root())
		return kw_skip("rmmod needs root");
	if (!kw_module_loaded(NET_MODULE))
		return kw_skip("kwish_net not loaded");
	if (kwnet_item_state(opt == SO_PASSRIGHTS ? 13 : 14) !=
	    KWISH_STATE_PRESENT)
		return kw_skip("item %d not present",
			       opt == SO_PASSRIGHTS ? 13 : 14);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(setsockopt(fd, SOL_SOCKET, opt, val, len));
	KW_TRY(expect_busy("one socket"));

	/* a connection inherits its listener's setting, and the pin */
	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "kwish-pin-%d",
		 getpid());
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(l);
	KW_CHECK_OK(bind(l, (struct sockaddr *)&a, sizeof(a)));
	KW_CHECK_OK(setsockopt(l, SOL_SOCKET, opt, val, len));
	KW_CHECK_OK(listen(l, 2));
	cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(cli);
	KW_CHECK_OK(connect(cli, (struct sockaddr *)&a, sizeof(a)));
	acc = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	KW_CHECK_OK(acc);
	close(l);
	close(fd);
	KW_TRY(expect_busy("an accepted connection"));
	/* and closing them all releases every pin */
	close(acc);
	close(cli);
	KW_TRY(expect_unload());
	return KW_PASS;
}

static int test_passrights_off_pins(void)
{
	return rights_pin_case(SO_PASSRIGHTS);
}

static int test_rights_filter_pins(void)
{
	return rights_pin_case(SO_KWISH_RIGHTS_FILTER);
}

static const struct kw_test tests[] = {
	KW_TEST_T(test_rmmod_under_fault_option_first, 50),
	KW_TEST_T(test_rmmod_under_fault_option_while_waiting, 50),
	KW_TEST(test_passrights_off_pins),
	KW_TEST(test_rights_filter_pins),
};

int main(void)
{
	int ret = KW_RUN(tests);

	if (kw_is_root() && ensure_loaded() < 0) {
		printf("# insmod kwish_net: %s\n", strerror(errno));
		ret = 1;
	}
	return ret;
}
