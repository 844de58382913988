// SPDX-License-Identifier: GPL-2.0
/*
 * item17_mount_notify: KWISH_MOUNT_WATCH (wish-list item 17, mount
 * notifications in fanotify's FAN_REPORT_MNT format).
 *
 * Every event is checked byte by byte (fanotify_event_metadata + one
 * fanotify_event_info_mnt) and every mount id against statmount(2) and
 * listmount(2) (kwish's on v6.1, the kernel's on v6.12): the mount point
 * statmount reports for the id, the children listmount lists.  Covered:
 * mount and umount, a recursive bind (one attach per mount) and the lazy
 * umount of that subtree (one detach per mount), MS_MOVE, move_mount()
 * and pivot_root() (one event with both bits per moved mount), the mask,
 * a tree cloned with open_tree() and moved in, propagation from a peer in
 * another namespace (and nothing for a mount that does not propagate),
 * the overflow record and what follows it, the fd's flags, poll() and
 * read() rules, no event lost at subscription (also with a writer racing
 * the ioctl), a mount storm read concurrently (every id, in order, no
 * overflow), every errno, and the permission rule: EPERM on a namespace
 * the caller has no CAP_SYS_ADMIN over (uid 1000 on the initial one, a
 * nested user namespace), while an unprivileged user watches the mount
 * namespace of its own user namespace.
 *
 * Unloading (root): rmmod kwish_mount while a watch is open returns
 * EAGAIN at once (the watch pins the module); with the hooks installed
 * and other processes mounting, moving and unmounting, kwish_mount is
 * removed and loaded again in a loop, every mount call succeeds, and a
 * new watch works after it.  kwish_mount is loaded again at the end.
 *
 * Events are expected in the queue when the system call that made the
 * change returns (as upstream queues them in namespace_unlock()); tests
 * that do not test exactly that still wait up to WAIT_MS for them.  All
 * work happens in private mount namespaces.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kwtap.h"
#include "libkwish.h"

#define BOTH		(FAN_MNT_ATTACH | FAN_MNT_DETACH)
#define EV_LEN		(sizeof(struct fanotify_event_metadata) + \
			 sizeof(struct fanotify_event_info_mnt))
#define WAIT_MS		3000	/* an expected event must come within this */
#define QUIET_MS	150	/* and no further one within this */
#define MAX_EV		64
#define STORM_CYCLES	2000	/* mounts, and as many umounts */
#define STORM_SECS	8	/* or as many as fit (debug kernel) */
#define RACE_MOUNTS	3000	/* the racing writer stops before */

#ifndef STATX_MNT_ID
#define STATX_MNT_ID	0x00001000U
#endif

/* Shared with forked children (MAP_SHARED): atomic accesses. */
#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static char dir[] = "/tmp/kw17.XXXXXX";

/* One event as read. */
struct mev {
	uint64_t mask;
	uint64_t id;		/* 0 for FAN_Q_OVERFLOW */
	int32_t pid;
};

static union {
	struct kwish_statmount sm;
	char buf[8192];
} u;

static union {
	struct fanotify_event_metadata m;
	char b[1 << 16];
} rbuf;

/* The state of item 17 (KWISH_STATE_*), -1 without kwish_core. */
static int item_state(void)
{
	struct kwish_feature f[KWISH_ITEM_MAX];
	unsigned int nr = KWISH_ITEM_MAX;

	if (kwish_status(-1, f, &nr, NULL) < 0 || nr < 17)
		return -1;
	return f[16].state;
}

/*
 * Skip without kwish_core or kwish_mount, or with a kwish_mount that
 * does not implement item 17; anything but "present" then fails.
 */
static int need_item(void)
{
	int state = item_state();

	if (state < 0)
		return kw_skip("kwish_core not loaded");
	if (state == KWISH_STATE_NOT_LOADED)
		return kw_skip("kwish_mount not loaded");
	if (state == KWISH_STATE_NOT_IMPLEMENTED)
		return kw_skip("item 17 not implemented by this kwish");
	if (state == KWISH_STATE_NATIVE)
		return kw_skip("item 17 is native: fanotify reports mounts");
	if (state != KWISH_STATE_PRESENT)
		return kw_fail("item 17 is %s", kwish_state_name(state));
	return KW_PASS;
}

static int mntns_fd(void)
{
	return open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
}

/* A watch of the caller's mount namespace. */
static int watch_self(uint64_t mask, unsigned int flags, unsigned int qlen)
{
	int ns = mntns_fd(), wfd, err;

	if (ns < 0)
		return -1;
	wfd = kwish_mount_watch(ns, mask, flags, qlen);
	err = errno;
	close(ns);
	errno = err;
	return wfd;
}

static int statmount_id(uint64_t id, uint64_t mask)
{
	memset(&u, 0, sizeof(u));
	return kwish_statmount(id, mask, &u.sm, sizeof(u), 0);
}

/* The mount point statmount() reports for @id ("" if it fails). */
static const char *point_of(uint64_t id)
{
	if (statmount_id(id, KWISH_STATMOUNT_MNT_POINT) < 0 ||
	    !(u.sm.mask & KWISH_STATMOUNT_MNT_POINT))
		return "";
	return u.sm.str + u.sm.mnt_point;
}

/* The unique id of the mount with the old (mountinfo) id @old, or 0. */
static uint64_t unique_of_old(uint64_t old)
{
	static uint64_t ids[4096];
	ssize_t n, i;

	n = kwish_listmount(KWISH_LSMT_ROOT, 0, ids, 4096, 0);
	for (i = 0; i < n; i++)
		if (!statmount_id(ids[i], KWISH_STATMOUNT_MNT_BASIC) &&
		    u.sm.mnt_id_old == old)
			return ids[i];
	return 0;
}

/* The old id of the mount @path is on (the top one), 0 on error. */
static uint64_t old_id_of(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

/* The unique id (statmount's) of the mount @path is on, 0 on error. */
static uint64_t id_of(const char *path)
{
	uint64_t old = old_id_of(path);

	return old ? unique_of_old(old) : 0;
}

/* Is @id one of @n @ids? */
static bool has_id(const uint64_t *ids, size_t n, uint64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Do @a and @b (@n ids each, no duplicates in @a) hold the same ids? */
static bool same_ids(const uint64_t *a, const uint64_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (has_id(a + i + 1, n - i - 1, a[i]) || !has_id(b, n, a[i]))
			return false;
	for (i = 0; i < n; i++)
		if (!has_id(a, n, b[i]))
			return false;
	return true;
}

/*
 * Check and decode the @len bytes of events read into @buf, appending
 * them to @ev (room for @max, *@nr used).
 */
static int parse_events(const char *buf, ssize_t len, struct mev *ev,
			size_t max, size_t *nr)
{
	ssize_t off = 0;

	while (off < len) {
		const struct fanotify_event_metadata *m =
			(const void *)(buf + off);
		const struct fanotify_event_info_mnt *info =
			(const void *)(m + 1);
		struct mev e = { .mask = m->mask, .pid = m->pid };

		KW_CHECK(len - off >= (ssize_t)FAN_EVENT_METADATA_LEN,
			 "a partial event: %zd bytes left of %zd", len - off,
			 len);
		KW_CHECK(m->vers == FANOTIFY_METADATA_VERSION &&
			 m->metadata_len == FAN_EVENT_METADATA_LEN &&
			 m->fd == FAN_NOFD,
			 "event at %zd: vers %u metadata_len %u fd %d", off,
			 m->vers, m->metadata_len, m->fd);
		KW_CHECK(m->event_len <= len - off,
			 "event_len %u past the %zd bytes read", m->event_len,
			 len);
		if (m->mask == FAN_Q_OVERFLOW) {
			KW_CHECK(m->event_len == FAN_EVENT_METADATA_LEN,
				 "overflow event_len %u", m->event_len);
		} else {
			KW_CHECK(m->mask && !(m->mask & ~(uint64_t)BOTH),
				 "mask %#llx", (unsigned long long)m->mask);
			KW_CHECK(m->event_len == EV_LEN, "event_len %u, want %zu",
				 m->event_len, EV_LEN);
			KW_CHECK(info->hdr.info_type == FAN_EVENT_INFO_TYPE_MNT &&
				 info->hdr.len == sizeof(*info) && !info->hdr.pad,
				 "info type %u len %u pad %u", info->hdr.info_type,
				 info->hdr.len, info->hdr.pad);
			KW_CHECK(info->mnt_id > (1ULL << 31), "mnt_id %#llx",
				 (unsigned long long)info->mnt_id);
			e.id = info->mnt_id;
		}
		KW_CHECK(*nr < max, "more than %zu events", max);
		ev[(*nr)++] = e;
		off += m->event_len;
	}
	return KW_PASS;
}

/*
 * Read events from @wfd into @ev (room for @max) until @want have come
 * (or WAIT_MS passed), then for QUIET_MS more; *@nr is how many came.
 */
static int collect(int wfd, struct mev *ev, size_t max, size_t want,
		   size_t *nr)
{
	double end = kw_now() + WAIT_MS / 1000.0;
	struct pollfd p = { .fd = wfd, .events = POLLIN };
	ssize_t n;
	int r, ms;

	*nr = 0;
	for (;;) {
		ms = *nr >= want ? QUIET_MS : (int)((end - kw_now()) * 1000);
		r = poll(&p, 1, ms > 0 ? ms : 0);
		if (r < 0 && errno == EINTR)
			continue;
		KW_CHECK_OK(r);
		if (r == 0) {
			if (*nr >= want || kw_now() >= end)
				break;
			continue;
		}
		KW_CHECK((p.revents & POLLIN) &&
			 !(p.revents & (POLLERR | POLLHUP | POLLNVAL)),
			 "revents %#x", p.revents);
		n = read(wfd, rbuf.b, sizeof(rbuf.b));
		KW_CHECK(n > 0, "read after POLLIN: %zd (%s)", n,
			 kw_errname(errno));
		KW_TRY(parse_events(rbuf.b, n, ev, max, nr));
	}
	return KW_PASS;
}

/*
 * Exactly @n events, each with mask @mask and (@pid > 0) that pid; their
 * ids into @ids.
 */
static int expect_n(int wfd, size_t n, uint64_t mask, pid_t pid,
		    uint64_t *ids)
{
	struct mev ev[MAX_EV];
	size_t nr, i;

	KW_TRY(collect(wfd, ev, MAX_EV, n, &nr));
	KW_CHECK(nr == n, "%zu events, want %zu (mask %#llx)", nr, n,
		 (unsigned long long)mask);
	for (i = 0; i < n; i++) {
		KW_CHECK(ev[i].mask == mask, "event %zu: mask %#llx, want %#llx",
			 i, (unsigned long long)ev[i].mask,
			 (unsigned long long)mask);
		KW_CHECK(pid <= 0 || ev[i].pid == pid,
			 "event %zu: pid %d, want %d", i, ev[i].pid, pid);
		ids[i] = ev[i].id;
	}
	return KW_PASS;
}

static int expect_one(int wfd, uint64_t mask, uint64_t *id)
{
	return expect_n(wfd, 1, mask, getpid(), id);
}

/* Nothing is queued on @wfd (and nothing comes within QUIET_MS). */
static int expect_none(int wfd, const char *after)
{
	struct pollfd p = { .fd = wfd, .events = POLLIN };
	struct mev ev[MAX_EV];
	size_t nr = 0;
	ssize_t n;

	if (poll(&p, 1, QUIET_MS) == 0)
		return KW_PASS;
	n = read(wfd, rbuf.b, sizeof(rbuf.b));
	if (n > 0 && parse_events(rbuf.b, n, ev, MAX_EV, &nr) == KW_PASS &&
	    nr)
		return kw_fail("%s: unexpected event mask %#llx id %#llx",
			       after, (unsigned long long)ev[0].mask,
			       (unsigned long long)ev[0].id);
	return kw_fail("%s: the watch is readable (read %zd)", after, n);
}

/* @p (PATH_MAX bytes) = @base/@name. */
static void join(char *p, const char *base, const char *name)
{
	if (snprintf(p, PATH_MAX, "%s/%s", base, name) >= PATH_MAX)
		abort();
}

static void path_in(char *p, const char *name)
{
	join(p, dir, name);
}

static int mkdir_in(char *p, const char *name)
{
	path_in(p, name);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return kw_fail("mkdir %s: %s", p, kw_errname(errno));
	return KW_PASS;
}

static int mount_tmpfs(const char *p)
{
	if (mount("kw17", p, "tmpfs", 0, "size=1m") < 0)
		return kw_fail("mount tmpfs on %s: %s", p, kw_errname(errno));
	return KW_PASS;
}

/* A private mount namespace with a tmpfs on dir; listmount works. */
static int setup_ns(void)
{
	uint64_t id;

	KW_TRY(need_item());
	KW_TRY(kw_enter_mount_ns());
	KW_TRY(mount_tmpfs(dir));
	if (kwish_listmount(KWISH_LSMT_ROOT, 0, &id, 1, 0) < 0)
		return kw_fail("listmount: %s (item 25)", kw_errname(errno));
	return KW_PASS;
}

static int test_status(void)
{
	int state = item_state();
	struct stat st;

	if (state < 0)
		return kw_skip("kwish_core not loaded");
	if (stat("/sys/module/kwish_mount", &st) < 0) {
		KW_CHECK(state == KWISH_STATE_NOT_LOADED, "state %s",
			 kwish_state_name(state));
		return kw_skip("kwish_mount not loaded");
	}
	if (state == KWISH_STATE_NOT_IMPLEMENTED)
		return kw_skip("item 17 not implemented by this kwish");
	if (state == KWISH_STATE_NATIVE) {
		/* kwish stays out of the way: no watch of its own */
		int ns = mntns_fd();

		KW_CHECK_OK(ns);
		KW_CHECK_ERRNO(kwish_mount_watch(ns, BOTH, 0, 0), EOPNOTSUPP);
		close(ns);
		return KW_PASS;
	}
	KW_CHECK(state == KWISH_STATE_PRESENT, "item 17 is %s",
		 kwish_state_name(state));
	return KW_PASS;
}

static int test_attach_detach(void)
{
	char a[PATH_MAX];
	uint64_t id, got;
	int wfd;

	KW_TRY(setup_ns());
	KW_TRY(mkdir_in(a, "a"));
	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	KW_TRY(mount_tmpfs(a));
	KW_TRY(expect_one(wfd, FAN_MNT_ATTACH, &got));
	id = id_of(a);
	KW_CHECK(id && got == id, "event id %#llx, the mount's %#llx",
		 (unsigned long long)got, (unsigned long long)id);
	KW_CHECK(!strcmp(point_of(id), a), "statmount: mount point \"%s\"",
		 point_of(id));
	KW_CHECK_OK(umount(a));
	KW_TRY(expect_one(wfd, FAN_MNT_DETACH, &got));
	KW_CHECK(got == id, "detach id %#llx, want %#llx",
		 (unsigned long long)got, (unsigned long long)id);
	KW_CHECK_ERRNO(statmount_id(id, KWISH_STATMOUNT_MNT_BASIC), ENOENT);
	/* a bind mount, then an umount of a mount that has open files */
	KW_CHECK_OK(mount(dir, a, NULL, MS_BIND, NULL));
	KW_TRY(expect_one(wfd, FAN_MNT_ATTACH, &got));
	id = id_of(a);
	KW_CHECK(got == id, "bind: event id %#llx, mount %#llx",
		 (unsigned long long)got, (unsigned long long)id);
	{
		int busy = open(a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		KW_CHECK_OK(busy);
		KW_CHECK_OK(umount2(a, MNT_DETACH));
		KW_TRY(expect_one(wfd, FAN_MNT_DETACH, &got));
		KW_CHECK(got == id, "lazy umount of a busy mount: id");
		close(busy);
	}
	KW_TRY(expect_none(wfd, "closing the last file of the detached mount"));
	close(wfd);
	return KW_PASS;
}

/* src: a tmpfs with c0, c1 and c0/d below it: four mounts. */
static int make_tree(char *src, uint64_t *ids)
{
	static const char *const sub[] = { "c0", "c1", "c0/d" };
	char p[PATH_MAX];
	unsigned int i;
	ssize_t n;

	KW_TRY(mkdir_in(src, "src"));
	KW_TRY(mount_tmpfs(src));
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", src, sub[i]);
		KW_CHECK_OK(mkdir(p, 0755));
		KW_TRY(mount_tmpfs(p));
	}
	ids[0] = id_of(src);
	KW_CHECK(ids[0], "no id for %s", src);
	n = kwish_listmount(ids[0], 0, ids + 1, 8, 0);
	KW_CHECK(n == 3, "listmount under the tree: %zd", n);
	return KW_PASS;
}

static int test_recursive_bind(void)
{
	char src[PATH_MAX], dst[PATH_MAX];
	uint64_t tree[4], want[8], got[4], again[4];
	ssize_t n;
	int wfd;

	KW_TRY(setup_ns());
	KW_TRY(make_tree(src, tree));
	KW_TRY(mkdir_in(dst, "dst"));
	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	KW_CHECK_OK(mount(src, dst, NULL, MS_BIND | MS_REC, NULL));
	KW_TRY(expect_n(wfd, 4, FAN_MNT_ATTACH, getpid(), got));
	want[0] = id_of(dst);
	n = kwish_listmount(want[0], 0, want + 1, 7, 0);
	KW_CHECK(want[0] && n == 3, "the copy: id %#llx, %zd children",
		 (unsigned long long)want[0], n);
	KW_CHECK(same_ids(got, want, 4),
		 "attach ids are not the copy's mounts (top %#llx)",
		 (unsigned long long)want[0]);
	KW_CHECK(!has_id(tree, 4, got[0]) && !has_id(tree, 4, got[1]) &&
		 !has_id(tree, 4, got[2]) && !has_id(tree, 4, got[3]),
		 "an attach id is one of the source's");
	/* the lazy umount of the copy: one detach each */
	KW_CHECK_OK(umount2(dst, MNT_DETACH));
	KW_TRY(expect_n(wfd, 4, FAN_MNT_DETACH, getpid(), again));
	KW_CHECK(same_ids(again, want, 4), "detach ids differ from attach's");
	KW_CHECK(!strcmp(point_of(tree[0]), src), "source left intact");
	close(wfd);
	return KW_PASS;
}

static int test_move(void)
{
	char m1[PATH_MAX], m2[PATH_MAX], m3[PATH_MAX], sub[PATH_MAX];
	uint64_t id, child, got;
	int wfd;

	KW_TRY(setup_ns());
	KW_TRY(mkdir_in(m1, "m1"));
	KW_TRY(mkdir_in(m2, "m2"));
	KW_TRY(mkdir_in(m3, "m3"));
	KW_TRY(mount_tmpfs(m1));
	join(sub, m1, "sub");
	KW_CHECK_OK(mkdir(sub, 0755));
	KW_TRY(mount_tmpfs(sub));
	id = id_of(m1);
	child = id_of(sub);
	KW_CHECK(id && child, "ids");
	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	/* MS_MOVE of a mount with a child: one event, the moved mount */
	KW_CHECK_OK(mount(m1, m2, NULL, MS_MOVE, NULL));
	KW_TRY(expect_one(wfd, BOTH, &got));
	KW_CHECK(got == id, "MS_MOVE: id %#llx, want %#llx",
		 (unsigned long long)got, (unsigned long long)id);
	KW_CHECK(id_of(m2) == id && !strcmp(point_of(id), m2), "moved to %s",
		 point_of(id));
	/* move_mount() between two places */
	KW_CHECK_OK(move_mount(AT_FDCWD, m2, AT_FDCWD, m3, 0));
	KW_TRY(expect_one(wfd, BOTH, &got));
	KW_CHECK(got == id, "move_mount: id %#llx, want %#llx",
		 (unsigned long long)got, (unsigned long long)id);
	KW_CHECK(!strcmp(point_of(id), m3), "moved to %s", point_of(id));
	join(sub, m3, "sub");
	KW_CHECK(!strcmp(point_of(child), sub), "child at %s",
		 point_of(child));
	close(wfd);
	return KW_PASS;
}

static int test_mask_filter(void)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct mev ev[MAX_EV] = { { 0 } };
	int wa, wd, wb;
	uint64_t id, got[2];
	size_t nr;

	KW_TRY(setup_ns());
	KW_TRY(mkdir_in(a, "a"));
	KW_TRY(mkdir_in(b, "b"));
	wa = watch_self(FAN_MNT_ATTACH, 0, 0);
	wd = watch_self(FAN_MNT_DETACH, 0, 0);
	wb = watch_self(BOTH, 0, 0);
	KW_CHECK(wa >= 0 && wd >= 0 && wb >= 0, "watch: %s",
		 kw_errname(errno));
	KW_TRY(mount_tmpfs(a));
	id = id_of(a);
	KW_CHECK_OK(mount(a, b, NULL, MS_MOVE, NULL));
	KW_CHECK_OK(umount(b));
	/* attach only: the mount, the move as an attach */
	KW_TRY(expect_n(wa, 2, FAN_MNT_ATTACH, getpid(), got));
	KW_CHECK(got[0] == id && got[1] == id, "attach-only ids");
	/* detach only: the move as a detach, the umount */
	KW_TRY(expect_n(wd, 2, FAN_MNT_DETACH, getpid(), got));
	KW_CHECK(got[0] == id && got[1] == id, "detach-only ids");
	/* both, in order */
	KW_TRY(collect(wb, ev, MAX_EV, 3, &nr));
	KW_CHECK(nr == 3 && ev[0].mask == FAN_MNT_ATTACH &&
		 ev[1].mask == BOTH && ev[2].mask == FAN_MNT_DETACH &&
		 ev[0].id == id && ev[1].id == id && ev[2].id == id,
		 "both bits: %zu events, masks %#llx %#llx %#llx", nr,
		 (unsigned long long)ev[0].mask,
		 (unsigned long long)ev[1].mask,
		 (unsigned long long)ev[2].mask);
	close(wa);
	close(wd);
	close(wb);
	return KW_PASS;
}

static int test_open_tree_clone(void)
{
	char src[PATH_MAX], t[PATH_MAX], t2[PATH_MAX];
	uint64_t tree[4], got[4], want[4], id;
	int wfd, fd;

	KW_TRY(setup_ns());
	KW_TRY(make_tree(src, tree));
	KW_TRY(mkdir_in(t, "t"));
	KW_TRY(mkdir_in(t2, "t2"));
	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	/* a clone that is never attached: nothing */
	fd = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | AT_RECURSIVE |
		       OPEN_TREE_CLOEXEC);
	KW_CHECK_OK(fd);
	close(fd);
	KW_TRY(expect_none(wfd, "open_tree(OPEN_TREE_CLONE) + close"));
	/* one mount cloned, then moved in: one attach */
	fd = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_TRY(expect_none(wfd, "open_tree(OPEN_TREE_CLONE)"));
	KW_CHECK_OK(move_mount(fd, "", AT_FDCWD, t, MOVE_MOUNT_F_EMPTY_PATH));
	close(fd);
	KW_TRY(expect_one(wfd, FAN_MNT_ATTACH, got));
	id = id_of(t);
	KW_CHECK(got[0] == id && !has_id(tree, 4, id),
		 "event id %#llx, mount %#llx", (unsigned long long)got[0],
		 (unsigned long long)id);
	KW_CHECK(kwish_listmount(id, 0, want, 4, 0) == 0,
		 "the clone has children");
	/* a recursive clone: all four */
	fd = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | AT_RECURSIVE |
		       OPEN_TREE_CLOEXEC);
	KW_CHECK_OK(fd);
	KW_CHECK_OK(move_mount(fd, "", AT_FDCWD, t2, MOVE_MOUNT_F_EMPTY_PATH));
	close(fd);
	KW_TRY(expect_n(wfd, 4, FAN_MNT_ATTACH, getpid(), got));
	want[0] = id_of(t2);
	KW_CHECK(kwish_listmount(want[0], 0, want + 1, 3, 0) == 3,
		 "recursive clone children");
	KW_CHECK(same_ids(got, want, 4), "recursive clone: attach ids");
	close(wfd);
	return KW_PASS;
}

/* Write/read one byte or id over a pipe. */
static int put(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

static int get(int fd, uint64_t *v)
{
	return read(fd, v, sizeof(*v)) == sizeof(*v) ? 0 : -1;
}

/*
 * The mounter of test_propagation: in namespace A, mounts and unmounts
 * on command (1: mount on shared/x, 2: umount it, 3: mount on priv,
 * 4: umount that); answers 0 or an errno.
 */
static void mounter(int cmd, int ans, const char *shared, const char *priv)
{
	char x[PATH_MAX];
	uint64_t c;
	int err;

	join(x, shared, "x");
	while (!get(cmd, &c)) {
		switch (c) {
		case 1:
			err = mount("kw17p", x, "tmpfs", 0, "size=1m");
			break;
		case 2:
			err = umount(x);
			break;
		case 3:
			err = mount("kw17q", priv, "tmpfs", 0, "size=1m");
			break;
		case 4:
			err = umount(priv);
			break;
		default:
			_exit(0);
		}
		if (put(ans, err < 0 ? errno : 0))
			_exit(1);
	}
	_exit(0);
}

static int order(int cmd, int ans, uint64_t c)
{
	uint64_t err;

	if (put(cmd, c) || get(ans, &err))
		return kw_fail("the mounter is gone");
	if (err)
		return kw_fail("mounter command %llu: %s",
			       (unsigned long long)c, kw_errname(err));
	return KW_PASS;
}

/*
 * A mount in namespace A under a shared mount propagates to its peer in
 * namespace B: B's watch sees the copy attach and detach, with the
 * copy's id and the mounter's pid; A's watch the original.
 */
static int test_propagation(void)
{
	char shared[PATH_MAX], priv[PATH_MAX], x[PATH_MAX];
	int cmd[2], ans[2], nsa, wa, wb;
	uint64_t ida, idb, got;
	pid_t pid;

	KW_TRY(setup_ns());
	KW_TRY(mkdir_in(shared, "shared"));
	KW_TRY(mkdir_in(priv, "priv"));
	KW_TRY(mount_tmpfs(shared));
	KW_CHECK_OK(mount(NULL, shared, NULL, MS_SHARED, NULL));
	join(x, shared, "x");
	KW_CHECK_OK(mkdir(x, 0755));
	KW_CHECK_OK(pipe2(cmd, O_CLOEXEC));
	KW_CHECK_OK(pipe2(ans, O_CLOEXEC));
	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		close(cmd[1]);
		close(ans[0]);
		mounter(cmd[0], ans[1], shared, priv);
	}
	close(cmd[0]);
	close(ans[1]);
	/* this process goes on in namespace B, a copy of A */
	nsa = mntns_fd();
	KW_CHECK_OK(nsa);
	KW_CHECK_OK(unshare(CLONE_NEWNS));
	wa = kwish_mount_watch(nsa, BOTH, 0, 0);
	KW_CHECK_OK(wa);
	wb = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wb);

	KW_TRY(order(cmd[1], ans[0], 1));
	KW_TRY(expect_n(wb, 1, FAN_MNT_ATTACH, pid, &idb));
	KW_TRY(expect_n(wa, 1, FAN_MNT_ATTACH, pid, &ida));
	KW_CHECK(ida != idb, "A and B report the same id %#llx",
		 (unsigned long long)ida);
	KW_CHECK(id_of(x) == idb && !strcmp(point_of(idb), x),
		 "B's id %#llx is not the copy on %s (%#llx)",
		 (unsigned long long)idb, x, (unsigned long long)id_of(x));
	/* a mount in A that does not propagate: nothing in B */
	KW_TRY(order(cmd[1], ans[0], 3));
	KW_TRY(expect_n(wa, 1, FAN_MNT_ATTACH, pid, &got));
	KW_TRY(expect_none(wb, "a private mount in the other namespace"));
	KW_TRY(order(cmd[1], ans[0], 4));
	KW_TRY(expect_n(wa, 1, FAN_MNT_DETACH, pid, &got));
	/* the propagated umount */
	KW_TRY(order(cmd[1], ans[0], 2));
	KW_TRY(expect_n(wb, 1, FAN_MNT_DETACH, pid, &got));
	KW_CHECK(got == idb, "B's detach id %#llx, want %#llx",
		 (unsigned long long)got, (unsigned long long)idb);
	KW_TRY(expect_n(wa, 1, FAN_MNT_DETACH, pid, &got));
	KW_CHECK(got == ida, "A's detach id");
	/* B's own mount propagates back to A */
	KW_TRY(mount_tmpfs(x));
	KW_TRY(expect_n(wb, 1, FAN_MNT_ATTACH, getpid(), &idb));
	KW_TRY(expect_n(wa, 1, FAN_MNT_ATTACH, getpid(), &ida));
	KW_CHECK(ida != idb && idb == id_of(x), "ids back in A");
	close(cmd[1]);
	KW_CHECK(kw_wait(pid) == 0, "mounter failed");
	close(wa);
	close(wb);
	return KW_PASS;
}

/* The watcher of test_pid_namespace, pid 1 of a new pid namespace. */
static int pidns_watcher(int ready, int go, const char *b)
{
	struct mev ev[MAX_EV];
	uint64_t c;
	size_t nr;
	int wfd;

	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	KW_CHECK(getpid() == 1, "pid %d in the new pid namespace", getpid());
	KW_CHECK_OK(put(ready, 1));
	KW_CHECK_OK(get(go, &c));
	/* the parent's mount: its pid is not visible here */
	KW_TRY(collect(wfd, ev, MAX_EV, 1, &nr));
	KW_CHECK(nr == 1 && ev[0].mask == FAN_MNT_ATTACH && ev[0].pid == 0,
		 "a mount from outside: %zu events, pid %d (want 0)", nr,
		 nr ? ev[0].pid : -1);
	/* its own: pid 1 */
	KW_TRY(mount_tmpfs(b));
	KW_TRY(collect(wfd, ev, MAX_EV, 1, &nr));
	KW_CHECK(nr == 1 && ev[0].mask == FAN_MNT_ATTACH && ev[0].pid == 1,
		 "its own mount: %zu events, pid %d (want 1)", nr,
		 nr ? ev[0].pid : -1);
	return KW_PASS;
}

/*
 * The pid of an event is the changer's in the watcher's pid namespace
 * (the one it was in when it made the watch), 0 when not visible there.
 */
static int test_pid_namespace(void)
{
	char a[PATH_MAX], b[PATH_MAX];
	int ready[2], go[2];
	uint64_t c;
	pid_t pid;

	KW_TRY(setup_ns());
	KW_TRY(mkdir_in(a, "a"));
	KW_TRY(mkdir_in(b, "b"));
	KW_CHECK_OK(pipe2(ready, O_CLOEXEC));
	KW_CHECK_OK(pipe2(go, O_CLOEXEC));
	if (unshare(CLONE_NEWPID) < 0)
		return kw_fail("unshare(CLONE_NEWPID): %s", kw_errname(errno));
	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0)
		_exit(pidns_watcher(ready[1], go[0], b));
	close(ready[1]);
	close(go[0]);
	KW_CHECK(!get(ready[0], &c), "the watcher failed");
	KW_TRY(mount_tmpfs(a));
	KW_CHECK_OK(put(go[1], 1));
	KW_CHECK(kw_wait(pid) == KW_PASS, "the watcher failed");
	return KW_PASS;
}

/*
 * A propagated umount that takes a mount from under another one: the
 * mount on top falls onto the parent below (mnt_change_mountpoint()), a
 * move: b is a slave of a; a mount on a propagates to b, then one on b
 * stays there; the umount on a takes both copies, and the mount on b
 * moves down.
 */
static int test_reparent(void)
{
	char a[PATH_MAX], b[PATH_MAX];
	uint64_t a3, b4, b5, got[3];
	struct mev ev[MAX_EV];
	size_t nr, i;
	int wfd;

	KW_TRY(setup_ns());
	KW_TRY(mkdir_in(a, "a"));
	KW_TRY(mkdir_in(b, "b"));
	KW_TRY(mount_tmpfs(a));
	KW_CHECK_OK(mount(NULL, a, NULL, MS_SHARED, NULL));
	KW_CHECK_OK(mount(a, b, NULL, MS_BIND, NULL));
	KW_CHECK_OK(mount(NULL, b, NULL, MS_SLAVE, NULL));
	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	KW_CHECK_OK(mount(dir, a, NULL, MS_BIND, NULL));
	KW_TRY(expect_n(wfd, 2, FAN_MNT_ATTACH, getpid(), got));
	a3 = id_of(a);
	b4 = id_of(b);
	KW_CHECK(a3 && b4 && a3 != b4 &&
		 ((got[0] == a3 && got[1] == b4) ||
		  (got[0] == b4 && got[1] == a3)), "propagated attach ids");
	KW_CHECK_OK(mount(dir, b, NULL, MS_BIND, NULL));
	KW_TRY(expect_one(wfd, FAN_MNT_ATTACH, &b5));
	KW_CHECK(b5 == id_of(b), "b5");
	KW_CHECK_OK(umount(a));
	KW_TRY(collect(wfd, ev, MAX_EV, 3, &nr));
	/* the kernel did move b5 down onto b's first mount */
	KW_CHECK(id_of(b) == b5 && !strcmp(point_of(b5), b) &&
		 statmount_id(b4, KWISH_STATMOUNT_MNT_BASIC) < 0,
		 "b5 not reparented: top of b %#llx", (unsigned long long)id_of(b));
	for (i = 0; i < nr; i++)
		kw_diag("event %zu: mask %#llx id %s", i,
			(unsigned long long)ev[i].mask,
			ev[i].id == a3 ? "a3" : ev[i].id == b4 ? "b4" :
			ev[i].id == b5 ? "b5" : "?");
	KW_CHECK(nr == 3,
		 "%zu events for the umount, want detach a3, detach b4, move (both bits) b5",
		 nr);
	for (i = 0; i < nr; i++) {
		uint64_t want = ev[i].id == b5 ? BOTH : FAN_MNT_DETACH;

		KW_CHECK(ev[i].id == a3 || ev[i].id == b4 || ev[i].id == b5,
			 "event %zu: id %#llx", i, (unsigned long long)ev[i].id);
		KW_CHECK(ev[i].mask == want, "event %zu (%s): mask %#llx", i,
			 ev[i].id == a3 ? "a3" : ev[i].id == b4 ? "b4" : "b5",
			 (unsigned long long)ev[i].mask);
	}
	KW_CHECK(ev[0].id != ev[1].id && ev[1].id != ev[2].id &&
		 ev[0].id != ev[2].id, "an id twice");
	close(wfd);
	return KW_PASS;
}

/*
 * rmdir() in another mount namespace of a directory that is a mount
 * point here detaches the mounts on it (__detach_mounts()).
 */
static int test_rmdir_detach(void)
{
	char d[PATH_MAX], sub[PATH_MAX];
	uint64_t ids[2], got[2];
	int wfd, res;
	pid_t pid;

	KW_TRY(setup_ns());
	KW_TRY(mkdir_in(d, "d"));
	KW_TRY(mount_tmpfs(d));
	join(sub, d, "sub");
	KW_CHECK_OK(mkdir(sub, 0755));
	KW_TRY(mount_tmpfs(sub));
	ids[0] = id_of(d);
	ids[1] = id_of(sub);
	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		res = unshare(CLONE_NEWNS) < 0 ||
		      umount2(d, MNT_DETACH) < 0 || rmdir(d) < 0;
		if (res)
			kw_fail("child: %s", kw_errname(errno));
		_exit(res);
	}
	KW_CHECK(kw_wait(pid) == 0, "unshare + umount + rmdir in the child");
	KW_TRY(expect_n(wfd, 2, FAN_MNT_DETACH, pid, got));
	KW_CHECK(same_ids(got, ids, 2), "detach ids");
	close(wfd);
	return KW_PASS;
}

/*
 * pivot_root() in a fresh namespace: the new root and the old one move,
 * one event with both bits each.  The initramfs root cannot be pivoted,
 * so the old root is a tmpfs we chroot() into first.
 */
static int test_pivot_root(void)
{
	char r[PATH_MAX], nw[PATH_MAX], old[PATH_MAX];
	uint64_t idr, idn, got[2];
	int wfd;

	KW_TRY(setup_ns());
	KW_TRY(mkdir_in(r, "r"));
	KW_TRY(mount_tmpfs(r));
	join(nw, r, "new");
	KW_CHECK_OK(mkdir(nw, 0755));
	KW_TRY(mount_tmpfs(nw));
	join(old, nw, "old");
	KW_CHECK_OK(mkdir(old, 0755));
	idr = id_of(r);
	idn = id_of(nw);
	KW_CHECK(idr && idn, "ids");
	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	KW_CHECK_OK(chdir(r));
	KW_CHECK_OK(chroot("."));
	KW_TRY(expect_none(wfd, "chroot"));
	KW_CHECK_OK(syscall(SYS_pivot_root, "/new", "/new/old"));
	KW_TRY(expect_n(wfd, 2, BOTH, getpid(), got));
	KW_CHECK((got[0] == idr && got[1] == idn) ||
		 (got[0] == idn && got[1] == idr),
		 "pivot_root ids %#llx %#llx, want %#llx %#llx",
		 (unsigned long long)got[0], (unsigned long long)got[1],
		 (unsigned long long)idr, (unsigned long long)idn);
	KW_CHECK_OK(chdir("/"));
	KW_CHECK(!strcmp(point_of(idn), "/"), "new root at %s",
		 point_of(idn));
	KW_CHECK(!strcmp(point_of(idr), "/old"), "old root at %s",
		 point_of(idr));
	/* and back */
	KW_CHECK_OK(syscall(SYS_pivot_root, "/old", "/old/new"));
	KW_TRY(expect_n(wfd, 2, BOTH, getpid(), got));
	KW_CHECK((got[0] == idr && got[1] == idn) ||
		 (got[0] == idn && got[1] == idr), "pivot back: ids");
	close(wfd);
	return KW_PASS;
}

/*
 * queue_len 8, 20 mounts: the first 8 events, then one overflow record;
 * after the reader made room, new events come after the overflow record.
 */
static int test_overflow(void)
{
	struct mev ev[MAX_EV];
	char p[PATH_MAX], name[16];
	uint64_t ids[21];
	size_t nr = 0, i;
	ssize_t n;
	int wfd;

	KW_TRY(setup_ns());
	wfd = watch_self(BOTH, KWISH_MOUNT_WATCH_NONBLOCK, 8);
	KW_CHECK_OK(wfd);
	for (i = 0; i < 21; i++) {
		snprintf(name, sizeof(name), "o%zu", i);
		KW_TRY(mkdir_in(p, name));
		if (i == 20)
			break;
		KW_TRY(mount_tmpfs(p));
		ids[i] = id_of(p);
		KW_CHECK(ids[i], "id %zu", i);
	}
	/* room for 4 */
	n = read(wfd, rbuf.b, 4 * EV_LEN + EV_LEN - 1);
	KW_CHECK(n == 4 * EV_LEN, "first read: %zd (%s)", n,
		 kw_errname(errno));
	KW_TRY(parse_events(rbuf.b, n, ev, MAX_EV, &nr));
	/* a new mount now fits in the queue, after the overflow record */
	KW_TRY(mount_tmpfs(p));
	ids[20] = id_of(p);
	n = read(wfd, rbuf.b, sizeof(rbuf.b));
	KW_CHECK(n > 0, "second read: %s", kw_errname(errno));
	KW_TRY(parse_events(rbuf.b, n, ev, MAX_EV, &nr));
	KW_CHECK_ERRNO(read(wfd, rbuf.b, sizeof(rbuf.b)), EAGAIN);
	KW_CHECK(nr == 10, "%zu events in all, want 8 + overflow + 1", nr);
	for (i = 0; i < 8; i++)
		KW_CHECK(ev[i].mask == FAN_MNT_ATTACH && ev[i].id == ids[i],
			 "event %zu: mask %#llx id %#llx, want mount %zu", i,
			 (unsigned long long)ev[i].mask,
			 (unsigned long long)ev[i].id, i);
	KW_CHECK(ev[8].mask == FAN_Q_OVERFLOW, "event 8: mask %#llx",
		 (unsigned long long)ev[8].mask);
	KW_CHECK(ev[9].mask == FAN_MNT_ATTACH && ev[9].id == ids[20],
		 "after the overflow: mask %#llx id %#llx, want %#llx",
		 (unsigned long long)ev[9].mask, (unsigned long long)ev[9].id,
		 (unsigned long long)ids[20]);
	/* an empty queue works as before */
	KW_CHECK_OK(umount(p));
	nr = 0;
	n = read(wfd, rbuf.b, sizeof(rbuf.b));
	KW_CHECK(n == EV_LEN, "read after: %zd", n);
	KW_TRY(parse_events(rbuf.b, n, ev, MAX_EV, &nr));
	KW_CHECK(ev[0].mask == FAN_MNT_DETACH && ev[0].id == ids[20],
		 "detach after the overflow");
	close(wfd);
	return KW_PASS;
}

static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	alarmed = 1;
}

static int test_fd_rules(void)
{
	struct pollfd p = { .events = POLLIN };
	char a[PATH_MAX], b[PATH_MAX];
	struct sigaction sa = { .sa_handler = on_alarm };
	struct mev ev[MAX_EV];
	size_t nr = 0;
	ssize_t n;
	int wfd, w2, fl;
	double t0;
	pid_t pid;

	KW_TRY(setup_ns());
	KW_TRY(mkdir_in(a, "a"));
	KW_TRY(mkdir_in(b, "b"));
	/* flags: O_CLOEXEC unless NO_CLOEXEC, O_NONBLOCK only if asked */
	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	KW_CHECK(fcntl(wfd, F_GETFD) == FD_CLOEXEC, "FD_CLOEXEC not set");
	fl = fcntl(wfd, F_GETFL);
	KW_CHECK(!(fl & O_NONBLOCK) && (fl & O_ACCMODE) == O_RDONLY,
		 "f_flags %#x", fl);
	w2 = watch_self(BOTH, KWISH_MOUNT_WATCH_NONBLOCK |
			KWISH_MOUNT_WATCH_NO_CLOEXEC, 0);
	KW_CHECK_OK(w2);
	KW_CHECK(fcntl(w2, F_GETFD) == 0, "NO_CLOEXEC: FD_CLOEXEC set");
	KW_CHECK(fcntl(w2, F_GETFL) & O_NONBLOCK, "NONBLOCK: no O_NONBLOCK");
	KW_CHECK_ERRNO(read(w2, rbuf.b, sizeof(rbuf.b)), EAGAIN);
	/* poll: nothing, then POLLIN, then nothing */
	p.fd = wfd;
	KW_CHECK(poll(&p, 1, 0) == 0, "readable while empty");
	KW_TRY(mount_tmpfs(a));
	KW_TRY(mount_tmpfs(b));
	KW_CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN) &&
		 !(p.revents & (POLLERR | POLLHUP)),
		 "not readable after a mount: revents %#x", p.revents);
	/* a buffer that holds no event: EINVAL, the event stays */
	KW_CHECK_ERRNO(read(wfd, rbuf.b, EV_LEN - 1), EINVAL);
	KW_CHECK_ERRNO(read(wfd, rbuf.b, 0), EINVAL);
	/* whole events only: 1.5 events' room gives one */
	n = read(wfd, rbuf.b, EV_LEN + EV_LEN / 2);
	KW_CHECK(n == EV_LEN, "read of 1.5 events: %zd", n);
	KW_TRY(parse_events(rbuf.b, n, ev, MAX_EV, &nr));
	n = read(wfd, rbuf.b, sizeof(rbuf.b));
	KW_CHECK(n == EV_LEN, "read of the rest: %zd", n);
	KW_TRY(parse_events(rbuf.b, n, ev, MAX_EV, &nr));
	KW_CHECK(ev[0].id == id_of(a) && ev[1].id == id_of(b),
		 "ids in mount order");
	KW_CHECK(poll(&p, 1, 0) == 0, "readable after all was read");
	/* fcntl(O_NONBLOCK) on a blocking watch: EAGAIN */
	KW_CHECK_OK(fcntl(wfd, F_SETFL, fl | O_NONBLOCK));
	KW_CHECK_ERRNO(read(wfd, rbuf.b, sizeof(rbuf.b)), EAGAIN);
	KW_CHECK_OK(fcntl(wfd, F_SETFL, fl));
	/* a blocking read waits for the next change */
	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		usleep(300000);
		_exit(umount(a) < 0);
	}
	t0 = kw_now();
	n = read(wfd, rbuf.b, sizeof(rbuf.b));
	KW_CHECK(n == EV_LEN, "blocking read: %zd (%s)", n, kw_errname(errno));
	KW_CHECK(kw_now() - t0 > 0.2, "the read did not block (%.3f s)",
		 kw_now() - t0);
	nr = 0;
	KW_TRY(parse_events(rbuf.b, n, ev, MAX_EV, &nr));
	KW_CHECK(ev[0].mask == FAN_MNT_DETACH && ev[0].pid == pid,
		 "blocking read: mask %#llx pid %d, want %d",
		 (unsigned long long)ev[0].mask, ev[0].pid, pid);
	KW_CHECK(kw_wait(pid) == 0, "umount in the child");
	/* a signal interrupts the blocking read */
	KW_CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	n = read(wfd, rbuf.b, sizeof(rbuf.b));
	KW_CHECK(n == -1 && errno == EINTR && alarmed,
		 "read under a signal: %zd %s", n, kw_errname(errno));
	/* a buffer that faults: EFAULT */
	KW_TRY(mount_tmpfs(a));
	KW_CHECK_ERRNO(read(wfd, kw_bad_ptr(), sizeof(rbuf.b)), EFAULT);
	/* ... and the event it could not copy is still there */
	n = read(wfd, rbuf.b, sizeof(rbuf.b));
	KW_CHECK(n == EV_LEN, "read after EFAULT: %zd (%s)", n,
		 kw_errname(errno));
	nr = 0;
	KW_TRY(parse_events(rbuf.b, n, ev, MAX_EV, &nr));
	KW_CHECK(ev[0].mask == FAN_MNT_ATTACH && ev[0].pid == getpid(),
		 "after EFAULT: mask %#llx pid %d",
		 (unsigned long long)ev[0].mask, ev[0].pid);
	/* the second watch saw it all too */
	KW_CHECK(read(w2, rbuf.b, sizeof(rbuf.b)) == 4 * EV_LEN,
		 "the other watch");
	close(w2);
	close(wfd);
	return KW_PASS;
}

/* Watch, then at once mount: the event is queued when mount() returns. */
static int test_no_loss_at_subscription(void)
{
	char a[PATH_MAX];
	uint64_t id;
	ssize_t n;
	int wfd;

	KW_TRY(setup_ns());
	KW_TRY(mkdir_in(a, "a"));
	wfd = watch_self(BOTH, KWISH_MOUNT_WATCH_NONBLOCK, 0);
	KW_CHECK_OK(wfd);
	KW_TRY(mount_tmpfs(a));
	n = read(wfd, rbuf.b, sizeof(rbuf.b));
	KW_CHECK(n == EV_LEN, "read right after mount(): %zd (%s)", n,
		 n < 0 ? kw_errname(errno) : "-");
	id = id_of(a);
	KW_CHECK(((struct fanotify_event_info_mnt *)(&rbuf.m + 1))->mnt_id ==
		 id && rbuf.m.mask == FAN_MNT_ATTACH, "event");
	KW_CHECK_OK(umount(a));
	n = read(wfd, rbuf.b, sizeof(rbuf.b));
	KW_CHECK(n == EV_LEN && rbuf.m.mask == FAN_MNT_DETACH,
		 "read right after umount(): %zd (%s)", n,
		 n < 0 ? kw_errname(errno) : "-");
	close(wfd);
	return KW_PASS;
}

struct race {
	int stop;
	int made;
};

/*
 * A writer mounts all the time while the watch is armed: every mount
 * there is at the end is in the table read after arming or has an
 * attach event.
 */
static int test_no_loss_race(void)
{
	static uint64_t table[4096], after[4096];
	struct race *r;
	struct mev *ev;
	char p[PATH_MAX];
	ssize_t nt, na, i;
	size_t nr = 0, j;
	int wfd, before;
	pid_t pid;

	KW_TRY(setup_ns());
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ev = calloc(RACE_MOUNTS + 16, sizeof(*ev));
	KW_CHECK(r != MAP_FAILED && ev, "memory");
	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		int k;

		for (k = 0; k < RACE_MOUNTS && !LOAD(r->stop); k++) {
			snprintf(p, sizeof(p), "%s/r%d", dir, k);
			if (mkdir(p, 0755) < 0 ||
			    mount("kw17r", p, "tmpfs", 0, "size=1m") < 0)
				_exit(1);
			STORE(r->made, k + 1);
		}
		_exit(0);
	}
	while (LOAD(r->made) < 20 && waitpid(pid, NULL, WNOHANG) == 0)
		usleep(1000);
	KW_CHECK(LOAD(r->made) >= 20, "the writer stopped after %d mounts",
		 LOAD(r->made));
	before = LOAD(r->made);
	wfd = watch_self(FAN_MNT_ATTACH, KWISH_MOUNT_WATCH_NONBLOCK, 0);
	KW_CHECK_OK(wfd);
	nt = kwish_listmount(KWISH_LSMT_ROOT, 0, table, 4096, 0);
	KW_CHECK_OK(nt);
	while (LOAD(r->made) < before + 40 && LOAD(r->made) < RACE_MOUNTS)
		usleep(1000);
	STORE(r->stop, 1);
	KW_CHECK(kw_wait(pid) == 0, "writer failed");
	for (;;) {
		ssize_t n = read(wfd, rbuf.b, sizeof(rbuf.b));

		if (n < 0 && errno == EAGAIN)
			break;
		KW_CHECK(n > 0, "read: %s", kw_errname(errno));
		KW_TRY(parse_events(rbuf.b, n, ev, RACE_MOUNTS + 16, &nr));
	}
	na = kwish_listmount(KWISH_LSMT_ROOT, 0, after, 4096, 0);
	KW_CHECK_OK(na);
	for (i = 0; i < na; i++) {
		bool seen = has_id(table, nt, after[i]);

		for (j = 0; j < nr && !seen; j++)
			seen = ev[j].id == after[i];
		KW_CHECK(seen,
			 "mount %#llx (%s) neither in the table nor in the events (%zu; armed after %d of %d mounts)",
			 (unsigned long long)after[i], point_of(after[i]), nr,
			 before, LOAD(r->made));
	}
	for (j = 0; j < nr; j++)
		KW_CHECK(has_id(after, na, ev[j].id), "event for unknown %#llx",
			 (unsigned long long)ev[j].id);
	KW_CHECK(nr > 0, "no event for %d mounts after arming",
		 LOAD(r->made) - before);
	kw_diag("armed after %d mounts, %d made, %zu events", before,
		LOAD(r->made),
		nr);
	close(wfd);
	return KW_PASS;
}

struct storm {
	int done;
	int err;
	int cycles;		/* done */
	uint64_t ids[STORM_CYCLES];
};

/* The id of the mount on @p, just made: the newest id, checked. */
static uint64_t newest_id(const char *p)
{
	uint64_t old = old_id_of(p), id;

	if (kwish_listmount(KWISH_LSMT_ROOT, 0, &id, 1,
			    KWISH_LISTMOUNT_REVERSE) == 1 &&
	    !statmount_id(id, KWISH_STATMOUNT_MNT_BASIC) &&
	    u.sm.mnt_id_old == old)
		return id;
	return unique_of_old(old);
}

static void storm_writer(struct storm *s)
{
	double end = kw_now() + STORM_SECS;
	char p[PATH_MAX];
	int i;

	join(p, dir, "st");
	for (i = 0; i < STORM_CYCLES && kw_now() < end; i++) {
		int ret = i % 2 ? mount(dir, p, NULL, MS_BIND, NULL) :
				  mount("kw17s", p, "tmpfs", 0, "size=1m");

		if (ret < 0) {
			STORE(s->err, errno);
			break;
		}
		s->ids[i] = newest_id(p);
		if (!s->ids[i] || umount(p) < 0) {
			STORE(s->err, s->ids[i] ? errno : ENOENT);
			break;
		}
		STORE(s->cycles, i + 1);
	}
	STORE(s->done, 1);
	_exit(LOAD(s->err) != 0);
}

/*
 * STORM_CYCLES mounts and umounts (as many as fit in STORM_SECS) while
 * this process reads: every attach and detach, in order, with the
 * writer's ids; no overflow.
 */
static int test_mount_storm(void)
{
	size_t want = 2 * STORM_CYCLES;
	struct pollfd p = { .events = POLLIN };
	struct storm *s;
	struct mev *ev;
	char st[PATH_MAX];
	size_t nr = 0, i;
	double t0, quiet = 0;
	uint64_t id;
	pid_t pid;

	KW_TRY(setup_ns());
	KW_TRY(mkdir_in(st, "st"));
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ev = calloc(want + 64, sizeof(*ev));
	KW_CHECK(s != MAP_FAILED && ev, "memory");
	/* every mount has its id before the storm */
	KW_CHECK(id_of(dir), "id");
	p.fd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(p.fd);
	t0 = kw_now();
	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0)
		storm_writer(s);
	for (;;) {
		bool done = LOAD(s->done);
		ssize_t n;
		int r;

		/* all there is, and QUIET_MS more for any extra event */
		if (done && nr >= 2 * (size_t)LOAD(s->cycles) && !quiet)
			quiet = kw_now() + 2 - QUIET_MS / 1000.0;
		r = poll(&p, 1, done ? 50 : 200);
		if (r == 0) {
			if (!done)
				continue;
			if (!quiet)
				quiet = kw_now();
			if (kw_now() - quiet > 2)
				break;
			continue;
		}
		KW_CHECK(r == 1, "poll: %s", kw_errname(errno));
		n = read(p.fd, rbuf.b, sizeof(rbuf.b));
		KW_CHECK(n > 0, "read: %s", kw_errname(errno));
		KW_TRY(parse_events(rbuf.b, n, ev, want + 64, &nr));
	}
	KW_CHECK(kw_wait(pid) == 0 && !s->err, "writer: %s",
		 kw_errname(s->err));
	want = 2 * s->cycles;
	kw_diag("%d mounts + umounts, %zu events in %.1f s", s->cycles, nr,
		kw_now() - t0);
	KW_CHECK(s->cycles >= 200, "only %d cycles in %d s", s->cycles,
		 STORM_SECS);
	for (i = 0; i < nr; i++)
		KW_CHECK(ev[i].mask != FAN_Q_OVERFLOW,
			 "overflow after %zu events", i);
	for (i = 0; i < want && i < nr; i++) {
		id = s->ids[i / 2];
		KW_CHECK(ev[i].mask == (i % 2 ? FAN_MNT_DETACH : FAN_MNT_ATTACH) &&
			 ev[i].id == id && ev[i].pid == pid,
			 "event %zu: mask %#llx id %#llx pid %d, want %s of %#llx by %d",
			 i, (unsigned long long)ev[i].mask,
			 (unsigned long long)ev[i].id, ev[i].pid,
			 i % 2 ? "detach" : "attach", (unsigned long long)id,
			 pid);
	}
	KW_CHECK(nr == want, "%zu events, want %zu", nr, want);
	close(p.fd);
	return KW_PASS;
}

static int test_errno(void)
{
	struct {
		struct kwish_mount_watch w;
		uint64_t tail;
	} big;
	struct kwish_mount_watch w;
	int ns, fd, kfd, pidns;
	bool root = kw_is_root();	/* before a user namespace */

	memset(&big, 0, sizeof(big));
	KW_TRY(setup_ns());
	ns = mntns_fd();
	KW_CHECK_OK(ns);
	kfd = kwish_open();
	KW_CHECK_OK(kfd);
	/* EBADF */
	KW_CHECK_ERRNO(kwish_mount_watch(-1, BOTH, 0, 0), EBADF);
	KW_CHECK_ERRNO(kwish_mount_watch(1000, BOTH, 0, 0), EBADF);
	/* EINVAL: not a mount namespace */
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	KW_CHECK_ERRNO(kwish_mount_watch(fd, BOTH, 0, 0), EINVAL);
	close(fd);
	pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	KW_CHECK_ERRNO(kwish_mount_watch(pidns, BOTH, 0, 0), EINVAL);
	close(pidns);
	fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	KW_CHECK_ERRNO(kwish_mount_watch(fd, BOTH, 0, 0), EINVAL);
	close(fd);
	/* EINVAL: the mask */
	KW_CHECK_ERRNO(kwish_mount_watch(ns, 0, 0, 0), EINVAL);
	KW_CHECK_ERRNO(kwish_mount_watch(ns, BOTH | FAN_OPEN, 0, 0), EINVAL);
	KW_CHECK_ERRNO(kwish_mount_watch(ns, FAN_Q_OVERFLOW, 0, 0), EINVAL);
	KW_CHECK_ERRNO(kwish_mount_watch(ns, FAN_MNT_ATTACH | (1ULL << 40), 0,
					 0), EINVAL);
	/* EINVAL: flags, queue_len */
	KW_CHECK_ERRNO(kwish_mount_watch(ns, BOTH, 0x4, 0), EINVAL);
	KW_CHECK_ERRNO(kwish_mount_watch(ns, BOTH, 1U << 31, 0), EINVAL);
	KW_CHECK_ERRNO(kwish_mount_watch(ns, BOTH, 0,
					 KWISH_MOUNT_WATCH_QUEUE_MAX + 1),
		       EINVAL);
	KW_CHECK_ERRNO(kwish_mount_watch(ns, BOTH, 0, ~0U), EINVAL);
	/* the largest queue: CAP_SYS_ADMIN in the initial namespace only */
	fd = kwish_mount_watch(ns, FAN_MNT_DETACH, 0,
			       KWISH_MOUNT_WATCH_QUEUE_MAX);
	if (root) {
		KW_CHECK_OK(fd);
		close(fd);
	} else {
		KW_CHECK(fd < 0 && errno == EPERM,
			 "queue_len 2^20 in a user namespace: %d (%s), want EPERM",
			 fd, kw_errname(errno));
	}
	fd = kwish_mount_watch(ns, FAN_MNT_ATTACH, 0, 1);
	KW_CHECK_OK(fd);
	close(fd);
	/* the struct's size */
	w = (struct kwish_mount_watch){ .size = KWISH_MOUNT_WATCH_SIZE_VER0 - 1,
		.mntns_fd = ns, .mask = BOTH };
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_WATCH, &w), EINVAL);
	w.size = 0;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_WATCH, &w), EINVAL);
	big.w = (struct kwish_mount_watch){ .size = sizeof(big), .mntns_fd = ns,
		.mask = BOTH };
	big.tail = 1;
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_WATCH, &big), E2BIG);
	big.tail = 0;
	fd = ioctl(kfd, KWISH_MOUNT_WATCH, &big);
	KW_CHECK_OK(fd);
	close(fd);
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_WATCH, kw_bad_ptr()), EFAULT);
	KW_CHECK_ERRNO(ioctl(kfd, KWISH_MOUNT_WATCH, NULL), EFAULT);
	close(kfd);
	close(ns);
	return KW_PASS;
}

/*
 * EPERM without CAP_SYS_ADMIN over the namespace's owner: the caller's
 * namespace seen from a nested user namespace (root there), and for an
 * unprivileged caller the initial mount namespace.
 */
static int test_eperm(void)
{
	bool root = kw_is_root();
	int ns, init_ns, fd;

	KW_TRY(need_item());
	init_ns = mntns_fd();
	KW_CHECK_OK(init_ns);
	if (!root)
		KW_CHECK_ERRNO(kwish_mount_watch(init_ns, BOTH, 0, 0), EPERM);
	KW_TRY(kw_enter_mount_ns());
	ns = mntns_fd();
	KW_CHECK_OK(ns);
	fd = kwish_mount_watch(ns, BOTH, 0, 0);
	KW_CHECK_OK(fd);
	close(fd);
	/* the user, root in its own user namespace: not over the old one */
	if (!root)
		KW_CHECK_ERRNO(kwish_mount_watch(init_ns, BOTH, 0, 0), EPERM);
	if (unshare(CLONE_NEWUSER) < 0)
		return kw_skip("nested user namespace: %s", kw_errname(errno));
	KW_CHECK_ERRNO(kwish_mount_watch(ns, BOTH, 0, 0), EPERM);
	KW_CHECK_ERRNO(kwish_mount_watch(init_ns, BOTH, 0, 0), EPERM);
	close(ns);
	close(init_ns);
	return KW_PASS;
}

/*
 * fanotify's limits for a user without CAP_SYS_ADMIN in the initial user
 * namespace: no queue beyond the default (FAN_UNLIMITED_QUEUE's rule) and
 * 128 watches per user (max_user_groups), a user namespace counting as
 * its creator.  Root: both allowed (the per-user limit applies to root
 * too, as fanotify's; 128 watches of 16 events are cheap).
 */
static int limits_in_userns(void)
{
	int ns, fd, fds[129], i, n = 0, ret = KW_PASS;
	bool root = kw_is_root();	/* uid 0 in the user namespace too */

	if (root) {
		KW_TRY(kw_enter_mount_ns());
	} else {
		ret = kw_enter_userns(CLONE_NEWNS);
		if (ret < 0)
			return kw_skip("user + mount namespace: %s",
				       kw_errname(-ret));
	}
	ns = mntns_fd();
	KW_CHECK_OK(ns);
	fd = kwish_mount_watch(ns, BOTH, 0, KWISH_MOUNT_WATCH_QUEUE_DEFAULT);
	KW_CHECK_OK(fd);
	close(fd);
	fd = kwish_mount_watch(ns, BOTH, 0, KWISH_MOUNT_WATCH_QUEUE_DEFAULT + 1);
	if (root) {
		KW_CHECK_OK(fd);
		close(fd);
	} else {
		KW_CHECK(fd < 0 && errno == EPERM,
			 "queue_len 16385 in a user namespace: %d (%s), want EPERM",
			 fd, kw_errname(errno));
	}
	for (i = 0; i < 129; i++) {
		fds[i] = kwish_mount_watch(ns, BOTH, 0, 16);
		if (fds[i] < 0)
			break;
		n++;
	}
	if (n != 128 || errno != EMFILE)
		ret = kw_fail("%d watches, then %s: want 128, then EMFILE", n,
			      kw_errname(errno));
	for (i = 0; i < n; i++)
		close(fds[i]);
	if (ret == KW_PASS) {
		/* closed ones no longer count */
		fd = kwish_mount_watch(ns, BOTH, 0, 16);
		KW_CHECK_OK(fd);
		close(fd);
	}
	close(ns);
	return ret;
}

static int test_limits(void)
{
	KW_TRY(need_item());
	if (kw_is_root())
		KW_TRY(limits_in_userns());
	return kw_run_as_user(limits_in_userns);
}

/*
 * The unprivileged user: EPERM on the initial mount namespace, even
 * after entering a user namespace of its own; a watch of the mount
 * namespace it owns sees its own mounts there.
 */
static int user_watch(void)
{
	char a[PATH_MAX];
	uint64_t id, got, two[2];
	int init_ns, wfd, ret;

	/* dir is root's when root's run made it: the user makes its own */
	if (access(dir, W_OK | X_OK) < 0) {
		strcpy(dir, "/tmp/kw17.XXXXXX");
		KW_CHECK(mkdtemp(dir), "mkdtemp: %s", kw_errname(errno));
	}
	init_ns = mntns_fd();
	KW_CHECK_OK(init_ns);
	KW_CHECK_ERRNO(kwish_mount_watch(init_ns, BOTH, 0, 0), EPERM);
	ret = kw_enter_userns(CLONE_NEWNS);
	if (ret < 0)
		return kw_skip("user + mount namespace: %s", kw_errname(-ret));
	KW_CHECK_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	KW_CHECK_ERRNO(kwish_mount_watch(init_ns, BOTH, 0, 0), EPERM);
	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	KW_TRY(mount_tmpfs(dir));
	KW_TRY(mkdir_in(a, "u"));
	KW_CHECK_OK(mount(dir, a, NULL, MS_BIND, NULL));
	KW_TRY(expect_n(wfd, 2, FAN_MNT_ATTACH, getpid(), two));
	id = id_of(a);
	KW_CHECK(id && !strcmp(point_of(id), a), "statmount of the bind");
	KW_CHECK_OK(umount(a));
	KW_TRY(expect_one(wfd, FAN_MNT_DETACH, &got));
	KW_CHECK(got == id, "detach id %#llx, want %#llx",
		 (unsigned long long)got, (unsigned long long)id);
	close(wfd);
	close(init_ns);
	return KW_PASS;
}

static int test_unprivileged(void)
{
	KW_TRY(need_item());
	return kw_run_as_user(user_watch);
}

/*
 * kwishctl mount-watch: it arms, prints "attach ID MOUNTPOINT" and
 * "detach ID -" lines, and exits after -n events.  The mounts go on
 * until it has seen two (it may arm after the first ones).
 */
static int test_kwishctl(void)
{
	char ctl[PATH_MAX], path[PATH_MAX], out[4096], point[PATH_MAX];
	char *const bad_ns[] = { ctl, "mount-watch", "--ns", "/", NULL };
	char *const bad_arg[] = { ctl, "mount-watch", "extra", NULL };
	unsigned long long id;
	int pipefd[2], status = -1, lines = 0, i;
	char *line, *save = NULL;
	double end;
	ssize_t len = 0, n;
	pid_t pid;

	if (!kw_find_kwishctl(ctl, sizeof(ctl)))
		return kw_skip("kwishctl not found");
	KW_TRY(setup_ns());
	snprintf(path, sizeof(path), "%s/kc", dir);
	KW_CHECK(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir");
	KW_CHECK_OK(pipe2(pipefd, O_CLOEXEC));
	fflush(stdout);
	pid = fork();
	KW_CHECK_OK(pid);
	if (pid == 0) {
		char *const argv[] = { ctl, "mount-watch", "-n", "2", NULL };

		dup2(pipefd[1], STDOUT_FILENO);
		execv(ctl, argv);
		_exit(127);
	}
	close(pipefd[1]);
	end = kw_now() + 10;
	for (i = 0; kw_now() < end; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (mount("kw17", path, "tmpfs", 0, "size=1m") == 0)
			umount(path);
		usleep(20000);
	}
	if (kw_now() >= end) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(pipefd[0]);
		return kw_fail("kwishctl mount-watch -n 2 did not end");
	}
	while (len < (ssize_t)sizeof(out) - 1 &&
	       (n = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += n;
	close(pipefd[0]);
	out[len] = 0;
	KW_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		 "exit status %#x", status);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		lines++;
		kw_diag("kwishctl: %s", line);
		if (sscanf(line, "attach %llu %4095s", &id, point) == 2) {
			KW_CHECK(id > 0, "attach id");
			/* a line of an umount done before the print says - */
			KW_CHECK(!strcmp(point, path) || !strcmp(point, "-"),
				 "attach point %s", point);
		} else {
			KW_CHECK(sscanf(line, "detach %llu -", &id) == 1 &&
				 id > 0, "line '%s'", line);
		}
	}
	KW_CHECK(lines == 2, "%d lines", lines);
	KW_CHECK(kw_run_cmd(bad_ns, -1, NULL, 0) == 1, "--ns /: not 1");
	KW_CHECK(kw_run_cmd(bad_arg, -1, NULL, 0) == 2, "extra arg: not 2");
	return KW_PASS;
}

/* Mount, bind, move and unmount in a loop until *@stop; exit 0 if all did. */
static void unload_mounter(const char *base, volatile int *stop)
{
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("kw17", base, "tmpfs", 0, "size=1m") < 0)
		_exit(2);
	join(a, base, "a");
	join(b, base, "b");
	join(c, base, "c");
	if (mkdir(a, 0755) || mkdir(b, 0755) || mkdir(c, 0755))
		_exit(3);
	while (!LOAD(*stop)) {
		if (mount("kw17", a, "tmpfs", 0, "size=1m") ||
		    mount(a, b, NULL, MS_BIND, NULL) ||
		    mount(b, c, NULL, MS_MOVE, NULL) ||
		    umount(c) || umount2(a, MNT_DETACH))
			_exit(4);
	}
	_exit(0);
}

static int test_rmmod_during_mount_activity(void)
{
	char p[PATH_MAX], q[PATH_MAX];
	int *stop, wfd, rc, i, res = KW_PASS;
	unsigned int cycles = 0, busy = 0;
	pid_t kids[2], rmmod;
	uint64_t id;
	double end;

	if (!kw_is_root())
		return kw_skip("unloading kwish_mount needs root");
	KW_TRY(setup_ns());
	stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	KW_CHECK(stop != MAP_FAILED, "mmap");
	/* a watch arms the hooks; open, it pins the module */
	KW_TRY(mkdir_in(p, "m"));
	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	KW_TRY(mount_tmpfs(p));
	KW_TRY(expect_one(wfd, FAN_MNT_ATTACH, &id));
	rmmod = kw_module_remove_start("kwish_mount");
	KW_CHECK(rmmod > 0, "fork");
	rc = kw_module_remove_wait(rmmod, 5);
	KW_CHECK(rc >= 0, "rmmod with a watch open did not return in 5 s");
	KW_CHECK(rc == EAGAIN || rc == EBUSY,
		 "rmmod with a watch open: %s, want EAGAIN",
		 rc ? kw_errname(rc) : "unloaded");
	close(wfd);

	for (i = 0; i < 2; i++) {
		char name[16];

		snprintf(name, sizeof(name), "k%d", i);
		KW_TRY(mkdir_in(q, name));
		fflush(stdout);
		kids[i] = fork();
		KW_CHECK(kids[i] >= 0, "fork: %s", kw_errname(errno));
		if (kids[i] == 0)
			unload_mounter(q, stop);
	}
	end = kw_now() + 4;
	while (res == KW_PASS && kw_now() < end) {
		/* the hooks installed again (a watch made and closed) */
		wfd = watch_self(BOTH, 0, 0);
		if (wfd >= 0)
			close(wfd);
		rmmod = kw_module_remove_start("kwish_mount");
		rc = kw_module_remove_wait(rmmod, 10);
		if (rc < 0)
			res = kw_fail("rmmod under mount activity did not return in 10 s");
		else if (rc == EAGAIN || rc == EBUSY)
			busy++;
		else if (rc)
			res = kw_fail("rmmod: %s", kw_errname(rc));
		else if (kw_module_insert("kwish_mount") < 0)
			res = kw_fail("insmod: %s", kw_errname(errno));
		else
			cycles++;
	}
	STORE(*stop, 1);
	for (i = 0; i < 2; i++) {
		rc = kw_wait(kids[i]);
		if (rc && res == KW_PASS)
			res = kw_fail("mounter %d exited %d", i, rc);
	}
	if (!kw_module_loaded("kwish_mount") &&
	    kw_module_insert("kwish_mount") < 0)
		return kw_fail("insmod: %s", kw_errname(errno));
	kw_diag("%u unload/load cycles, %u refused", cycles, busy);
	if (res != KW_PASS)
		return res;
	KW_CHECK(cycles > 0, "kwish_mount was never unloaded");
	/* a fresh watch works */
	wfd = watch_self(BOTH, 0, 0);
	KW_CHECK_OK(wfd);
	KW_CHECK_OK(umount(p));
	KW_TRY(expect_one(wfd, FAN_MNT_DETACH, &id));
	close(wfd);
	return KW_PASS;
}

int main(void)
{
	static const struct kw_test tests[] = {
		KW_TEST(test_status),
		KW_TEST(test_attach_detach),
		KW_TEST(test_recursive_bind),
		KW_TEST(test_move),
		KW_TEST(test_mask_filter),
		KW_TEST(test_open_tree_clone),
		KW_TEST(test_propagation),
		KW_TEST(test_pid_namespace),
		KW_TEST(test_reparent),
		KW_TEST(test_rmdir_detach),
		KW_TEST(test_pivot_root),
		KW_TEST(test_overflow),
		KW_TEST(test_fd_rules),
		KW_TEST(test_no_loss_at_subscription),
		KW_TEST(test_no_loss_race),
		KW_TEST(test_mount_storm),
		KW_TEST(test_errno),
		KW_TEST(test_eperm),
		KW_TEST(test_limits),
		KW_TEST(test_unprivileged),
		KW_TEST(test_kwishctl),
		KW_TEST_T(test_rmmod_during_mount_activity, 30),
	};
	int ret;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	ret = KW_RUN(tests);
	/* whatever happened: leave kwish_mount loaded */
	if (kw_is_root() && !kw_module_loaded("kwish_mount"))
		kw_module_insert("kwish_mount");
	return ret;
}
