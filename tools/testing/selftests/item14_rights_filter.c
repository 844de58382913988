// SPDX-License-Identifier: GPL-2.0
/*
 * item14_rights_filter: wish-list item 14, a receiver accepts only some
 * fds (SO_KWISH_RIGHTS_FILTER); kwish_net on 6.1 and 6.12.
 *
 * "Only memfds" (regular files on tmpfs/hugetlbfs): a memfd passes, a
 * pipe, /dev/null or a file on another file system fails the sendmsg()
 * with EFTYPE, nothing is queued, and no copy of the refused fd stays in
 * flight (the pipe's reader sees EOF once the sender closes its end).
 */
#include <sys/mman.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "kwtap.h"
#include "kwnet.h"

static void memfd_only(struct kwish_rights_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->types = KWISH_RF_TYPE(S_IFREG);
	f->nr_magics = 2;
	f->magics[0] = TMPFS_MAGIC;
	f->magics[1] = HUGETLBFS_MAGIC;
}

static int set_filter(int fd, const struct kwish_rights_filter *f)
{
	return setsockopt(fd, SOL_SOCKET, SO_KWISH_RIGHTS_FILTER, f,
			  sizeof(*f));
}

static int test_reported(void)
{
	int state = kwnet_item_state(14);

	if (state < 0)
		return kw_skip("kwish_core not loaded");
	KW_CHECK(state == KWISH_STATE_PRESENT, "item 14 state %d", state);
	return KW_PASS;
}

static int test_option(void)
{
	struct kwish_rights_filter f, g;
	socklen_t len = sizeof(g);
	int fd, sv[2];

	KW_CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	KW_CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_KWISH_RIGHTS_FILTER, &g,
			       &len));
	KW_CHECK(len == sizeof(g) && !g.types && !g.nr_magics, "default");
	memfd_only(&f);
	KW_CHECK_OK(set_filter(sv[0], &f));
	KW_CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_KWISH_RIGHTS_FILTER, &g,
			       &len));
	KW_CHECK(!memcmp(&f, &g, sizeof(f)), "read back differs");
	f.flags = 1;
	KW_CHECK_ERRNO(set_filter(sv[0], &f), EINVAL);
	memfd_only(&f);
	f.nr_magics = 9;
	KW_CHECK_ERRNO(set_filter(sv[0], &f), EINVAL);
	memfd_only(&f);
	f.nr_magics = 1;	/* magics[1] set beyond nr_magics */
	KW_CHECK_ERRNO(set_filter(sv[0], &f), EINVAL);
	KW_CHECK_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_KWISH_RIGHTS_FILTER,
				  &f, 8), EINVAL);
	KW_CHECK_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_KWISH_RIGHTS_FILTER,
				  kw_bad_ptr(), sizeof(f)), EFAULT);
	memset(&f, 0, sizeof(f));
	KW_CHECK_OK(set_filter(sv[0], &f));	/* removes it */
	KW_CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_KWISH_RIGHTS_FILTER, &g,
			       &len));
	KW_CHECK(!g.types && !g.nr_magics, "not removed");
	close(sv[0]);
	close(sv[1]);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(fd);
	memfd_only(&f);
	KW_CHECK_ERRNO(set_filter(fd, &f), EOPNOTSUPP);
	close(fd);
	return KW_PASS;
}

/* Send @fd on @s; expect @err (0: success); count what arrives at @r. */
static int expect_send(int s, int r, int fd, int err)
{
	struct kwnet_cmsgs c;
	ssize_t n;
	char buf[8];

	n = kwnet_send_fds(s, "f", 1, &fd, 1, NULL);
	if (err) {
		KW_CHECK(n == -1 && errno == err, "sendmsg: %zd %s, want %s",
			 n, n < 0 ? kw_errname(errno) : "", kw_errname(err));
		KW_CHECK_ERRNO(recv(r, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
		return KW_PASS;
	}
	KW_CHECK(n == 1, "sendmsg: %s", kw_errname(errno));
	KW_CHECK(kwnet_recv(r, buf, sizeof(buf), 256, 0, &c, NULL) == 1 &&
		 c.nr_rights == 1, "the fd did not arrive");
	close(c.rights[0]);
	return KW_PASS;
}

static int memfd_case(int type)
{
	struct kwish_rights_filter f;
	int sv[2], mfd, nullfd, p[2], dir;
	char c;

	KW_CHECK_OK(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv));
	memfd_only(&f);
	KW_CHECK_OK(set_filter(sv[0], &f));
	mfd = memfd_create("kwish-item14", MFD_CLOEXEC);
	KW_CHECK_OK(mfd);
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	KW_CHECK_OK(nullfd);
	dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_OK(dir);
	KW_CHECK_OK(pipe2(p, O_CLOEXEC | O_NONBLOCK));

	KW_TRY(expect_send(sv[1], sv[0], mfd, 0));
	KW_TRY(expect_send(sv[1], sv[0], nullfd, EFTYPE));
	KW_TRY(expect_send(sv[1], sv[0], dir, EFTYPE));
	KW_TRY(expect_send(sv[1], sv[0], p[1], EFTYPE));
	close(p[1]);
	KW_CHECK(read(p[0], &c, 1) == 0, "a refused fd is still open somewhere");
	/* the other direction has no filter */
	KW_TRY(expect_send(sv[0], sv[1], nullfd, 0));
	/* two fds, one bad: the whole message is refused */
	{
		int two[2] = { mfd, nullfd };

		KW_CHECK(kwnet_send_fds(sv[1], "t", 1, two, 2, NULL) == -1 &&
			 errno == EFTYPE, "mixed message not refused");
	}
	/* SO_PASSRIGHTS off wins with EPERM */
	KW_CHECK_OK(kwnet_setint(sv[0], SO_PASSRIGHTS, 0));
	KW_TRY(expect_send(sv[1], sv[0], mfd, EPERM));
	KW_CHECK_OK(kwnet_setint(sv[0], SO_PASSRIGHTS, 1));
	/* only the type: any regular file (/ is not one) */
	memset(&f, 0, sizeof(f));
	f.types = KWISH_RF_TYPE(S_IFREG) | KWISH_RF_TYPE(S_IFCHR);
	KW_CHECK_OK(set_filter(sv[0], &f));
	KW_TRY(expect_send(sv[1], sv[0], nullfd, 0));
	KW_TRY(expect_send(sv[1], sv[0], dir, EFTYPE));
	close(p[0]);
	close(dir);
	close(nullfd);
	close(mfd);
	close(sv[0]);
	close(sv[1]);
	return KW_PASS;
}

static int test_dgram(void)
{
	return memfd_case(SOCK_DGRAM);
}

static int test_stream(void)
{
	return memfd_case(SOCK_STREAM);
}

static int test_seqpacket(void)
{
	return memfd_case(SOCK_SEQPACKET);
}

/* The listener's filter holds for connections from connect() on. */
static int test_listener(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct kwish_rights_filter f;
	int l, cli, acc, nullfd;

	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "kwish-rf-%d",
		 getpid());
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(l);
	KW_CHECK_OK(bind(l, (struct sockaddr *)&a, sizeof(a)));
	memfd_only(&f);
	KW_CHECK_OK(set_filter(l, &f));
	KW_CHECK_OK(listen(l, 2));
	cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	KW_CHECK_OK(cli);
	KW_CHECK_OK(connect(cli, (struct sockaddr *)&a, sizeof(a)));
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	KW_CHECK_OK(nullfd);
	KW_CHECK(kwnet_send_fds(cli, "x", 1, &nullfd, 1, NULL) == -1 &&
		 errno == EFTYPE, "pending connection: not refused");
	acc = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	KW_CHECK_OK(acc);
	KW_TRY(expect_send(cli, acc, nullfd, EFTYPE));
	close(nullfd);
	close(acc);
	close(cli);
	close(l);
	return KW_PASS;
}

static int unpriv_case(void)
{
	KW_TRY(memfd_case(SOCK_DGRAM));
	return memfd_case(SOCK_STREAM);
}

static int test_unprivileged(void)
{
	return kw_run_as_user(unpriv_case);
}

static const struct kw_test tests[] = {
	KW_TEST(test_reported),
	KW_TEST(test_option),
	KW_TEST(test_dgram),
	KW_TEST(test_stream),
	KW_TEST(test_seqpacket),
	KW_TEST(test_listener),
	KW_TEST(test_unprivileged),
};

int main(void)
{
	return KW_RUN(tests);
}
