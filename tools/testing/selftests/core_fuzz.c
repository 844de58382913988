// SPDX-License-Identifier: GPL-2.0
/*
 * core_fuzz: a structure-aware fuzzer of every kwish interface.
 *
 * What it calls: every /dev/kwish command (and ioctl numbers next to
 * them), every socket option kwish_net answers (set and get, on several
 * socket types, with SCM_RIGHTS traffic and receives with control buffers
 * of every size), the statmount/listmount syscall numbers kwish_mount
 * answers on 6.1, and the fds the commands return (read, poll, close).
 * Arguments are built per command: each field from a set of interesting
 * values (0, 1, all ones, single bits, random), sizes around the first
 * version, the header's size, a page and a page + 1, fds from a shared
 * pool of every kind (files, directories, O_PATH, pipes, sockets, nsfs,
 * eventfd, memfd, pidfd, watch fds, restricted fds, detached mounts) and
 * pointers that are good, NULL, unmapped, kernel addresses, read-only,
 * or straddling the end of a mapping.
 *
 * What it checks:
 *   fuzz_contract   the errno contract of uapi/linux/kwish.h, exactly:
 *                   ENOTTY, EOPNOTSUPP, EFAULT, EINVAL, E2BIG in the
 *                   documented order, for random commands and arguments
 *   fuzz_single     one thread, random arguments: every call succeeds or
 *                   fails with an errno a user can see (1..133, never a
 *                   kernel-internal value such as ENOTSUPP or ERESTARTSYS,
 *                   never ENOSYS from an ioctl); the kernel writes nothing
 *                   past the sizes it was given (canaries)
 *   fuzz_threads    the same from several threads on the same objects,
 *                   while fds are closed and replaced under them, a signal
 *                   interrupts them, and a child in its own mount namespace
 *                   (a user namespace when not root) changes mounts
 *   fuzz_reload     (root) fuzz_threads while kwish_fs, kwish_mount and
 *                   kwish_net are unloaded and loaded again in a loop
 * After each case every kwish module's reference count must come back to
 * what it was before (no leaked file, socket or watch), and the modules
 * must be loaded as before.  KASAN, lockdep and kmemleak on the debug
 * kernel, and the host's scan of the kernel log, do the rest.
 *
 * Environment:
 *   KW_FUZZ_SEED=N      seed (default: from the clock; always printed).
 *                       fuzz_single is reproducible from its seed.
 *   KW_FUZZ_SECONDS=S   length of each case (default 8, times
 *                       KW_TIME_SCALE)
 *   KW_FUZZ_THREADS=N   worker threads (default 4)
 *   KW_FUZZ_LOG=1       print every call (to reproduce a failure)
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <linux/netlink.h>

#include "kwtap.h"
#include <linux/kwish.h>

#ifndef O_PATH
#define O_PATH			010000000
#endif
#ifndef SO_TIMESTAMP_NEW
#define SO_TIMESTAMP_NEW	63
#endif
#ifndef SO_TIMESTAMPNS_NEW
#define SO_TIMESTAMPNS_NEW	64
#endif

#define PAGE			4096
#define FZ_POOL			48	/* shared fd slots */
#define FZ_RING			24	/* fds a thread keeps from results */
#define FZ_MAX_THREADS		16
#define FZ_SCRATCH		(16 * PAGE)

/* ------------------------------------------------------------ random */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)	/* splitmix64 */
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rn(struct rng *r, uint32_t n)	/* 0..n-1 */
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

static bool one_in(struct rng *r, uint32_t n)
{
	return rn(r, n) == 0;
}

static uint64_t r_u64(struct rng *r)
{
	switch (rn(r, 8)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ~0ULL;
	case 3: return 1ULL << rn(r, 64);
	case 4: return rn(r, 256);
	case 5: return 0x7fffffffffffffffULL;
	default: return rnd(r);
	}
}

static uint32_t r_u32(struct rng *r)
{
	switch (rn(r, 9)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ~0U;
	case 3: return 1U << rn(r, 32);
	case 4: return rn(r, 64);
	case 5: return PAGE;
	case 6: return PAGE + 1;
	case 7: return 0x80000000U;
	default: return (uint32_t)rnd(r);
	}
}

/* ------------------------------------------------------------ state */

/* What the per-call counts are kept by: the commands, then these. */
enum {
	OP_SETSOCKOPT = KWISH_CMD_END - KWISH_CMD_BASE,
	OP_GETSOCKOPT, OP_SENDMSG, OP_RECVMSG, OP_STATMOUNT, OP_LISTMOUNT,
	OP_NR,
};

struct fz_shared {		/* MAP_SHARED: the children report here */
	atomic_ulong calls, ok, bad;
	atomic_ulong op_calls[OP_NR], op_ok[OP_NR];
	atomic_int stop;
	char first_bad[512];
	atomic_flag first_set;
};

static struct fz_shared *sh;
static atomic_int pool[FZ_POOL];	/* shared fds, -1 when empty */
static char scratch_dir[] = "/tmp/kwfuzz.XXXXXX";
static int scratch_fd = -1;
static bool log_calls;
static bool have_cmd[KWISH_CMD_END - KWISH_CMD_BASE];
static int protect_max = 2;		/* fds 0..protect_max never closed */
static uint64_t mnt_ids[64];
static int nr_mnt_ids;

/* pages: a read-only one, a PROT_NONE one after a read-write one */
static char *ro_page, *edge_page;

struct fz_thread {
	struct rng r;
	int idx;
	int kfd;			/* this thread's /dev/kwish */
	int ring[FZ_RING];
	int ring_pos;
	char *buf;			/* FZ_SCRATCH bytes, then PROT_NONE */
	pthread_t tid;
	/*
	 * This call is well formed: right envelope, good pointers, a
	 * directory fd of the scratch tree, sane flags.  Half of the
	 * commands are, so that calls get past the argument checks to
	 * the work (and its races) often.
	 */
	bool sane;
};

static void fz_bad(struct fz_thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fz_bad(struct fz_thread *t, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	atomic_fetch_add(&sh->bad, 1);
	if (!atomic_flag_test_and_set(&sh->first_set))
		snprintf(sh->first_bad, sizeof(sh->first_bad), "%s", msg);
	printf("# fuzz: thread %d: %s\n", t->idx, msg);
}

/* Closes @fd unless it is one the fuzzer must keep (stdio, /dev/kwish). */
static void fz_close(int fd)
{
	if (fd > protect_max)
		close(fd);
}

/* Keeps a result fd for a while, then closes the oldest. */
static void fz_keep(struct fz_thread *t, int fd)
{
	int old;

	if (fd <= protect_max)
		return;
	/* half go to the shared pool, where the other threads use them */
	if (one_in(&t->r, 2)) {
		old = atomic_exchange(&pool[rn(&t->r, FZ_POOL)], fd);
		if (old >= 0)
			fz_close(old);
		return;
	}
	old = t->ring[t->ring_pos];
	t->ring[t->ring_pos] = fd;
	t->ring_pos = (t->ring_pos + 1) % FZ_RING;
	if (old >= 0)
		fz_close(old);
}

/*
 * An errno a user may see from a call with random arguments: 1..133, and
 * EFTYPE (134, item 8's, as upstream's OPENAT2_REGULAR).  Kernel-internal
 * values (ERESTARTSYS 512, ENOIOCTLCMD 515, ENOTSUPP 524, ...) must never
 * reach user space; an ioctl or a socket option never answers ENOSYS.
 */
static bool user_errno(int e, bool syscall_nr)
{
	if (e <= 0 || (e > 133 && e != EFTYPE))
		return false;
	if (e == ENOSYS && !syscall_nr)
		return false;
	return true;
}

/*
 * The outcome of one call: @ret, with errno.  @maxret is the largest
 * success value (0 for 0-only calls; INT_MAX for fd or count results).
 */
static void fz_outcome(struct fz_thread *t, int op, long ret, int err,
		       long maxret, bool syscall_nr, const char *what)
{
	atomic_fetch_add(&sh->calls, 1);
	atomic_fetch_add(&sh->op_calls[op], 1);
	if (ret >= 0)
		atomic_fetch_add(&sh->op_ok[op], 1);
	if (log_calls)
		printf("# fuzz: thread %d: %s = %ld (%s)\n", t->idx, what, ret,
		       ret < 0 ? strerror(err) : "ok");
	if (ret >= 0) {
		if (ret > maxret)
			fz_bad(t, "%s returned %ld (at most %ld expected)",
			       what, ret, maxret);
		else
			atomic_fetch_add(&sh->ok, 1);
		return;
	}
	if (ret != -1 || !user_errno(err, syscall_nr))
		fz_bad(t, "%s: ret %ld errno %d (%s): not a user errno", what,
		       ret, err, strerror(err));
}

/* ------------------------------------------------------------ buffers */

#define CANARY		0xa5

/*
 * A buffer of @len bytes in one half of the thread's scratch area (FZ_ARG
 * for an argument struct, FZ_OUT for what the kernel fills), followed by
 * 64 canary bytes; or, in the FZ_OUT half, placed so that it ends exactly
 * at the PROT_NONE page (then there is no canary: an overrun faults).
 */
struct fzbuf {
	char *p;
	size_t len;
	bool canary;
};

#define FZ_ARG		0
#define FZ_OUT		1
#define FZ_HALF		(FZ_SCRATCH / 2)

static struct fzbuf fz_buf(struct fz_thread *t, size_t len, int half)
{
	char *base = t->buf + half * FZ_HALF;
	struct fzbuf b = { .len = len };

	if (len > FZ_HALF - 64)
		len = b.len = FZ_HALF - 64;
	if (half == FZ_OUT && one_in(&t->r, 4)) {
		b.p = base + FZ_HALF - len;
		return b;
	}
	b.p = base + (FZ_HALF - 64 - len) / 2;
	memset(b.p + len, CANARY, 64);
	b.canary = true;
	return b;
}

static void fz_buf_check(struct fz_thread *t, const struct fzbuf *b,
			 const char *what)
{
	size_t i;

	if (!b->canary)
		return;
	for (i = 0; i < 64; i++) {
		if ((unsigned char)b->p[b->len + i] != CANARY) {
			fz_bad(t, "%s wrote past its %zu-byte buffer (byte %zu)",
			       what, b->len, i);
			return;
		}
	}
}

/* A pointer for an argument the kernel reads or writes: mostly good. */
static void *fz_ptr(struct fz_thread *t, void *good, size_t len)
{
	if (t->sane)
		return good;
	switch (rn(&t->r, 16)) {
	case 0: return NULL;
	case 1: return kw_bad_ptr();
	case 2: return (void *)0xffff888000000000ULL;	/* the kernel's */
	case 3: return ro_page;		/* read-only: writes fault */
	case 4: return edge_page + PAGE - (len > 1 ? len / 2 : 1);
	case 5: return (char *)good + 1;	/* unaligned */
	default: return good;
	}
}

/*
 * fz_ptr() for an output buffer: a pointer elsewhere (one byte further,
 * say) moves what the kernel writes, so the canary no longer tells.
 */
static void *fz_out_ptr(struct fz_thread *t, struct fzbuf *b)
{
	void *p = fz_ptr(t, b->p, b->len);

	if (p != b->p)
		b->canary = false;
	return p;
}

/* ------------------------------------------------------------ fds */

static int fz_fd(struct fz_thread *t)
{
	if (t->sane)
		return one_in(&t->r, 2) ? scratch_fd :
		       atomic_load(&pool[rn(&t->r, FZ_POOL)]);
	switch (rn(&t->r, 12)) {
	case 0: return -1;
	case 1: return AT_FDCWD;
	case 2: return (int)r_u32(&t->r);
	case 3: return scratch_fd;
	case 4: return t->kfd;
	case 5: return t->ring[rn(&t->r, FZ_RING)];
	default: return atomic_load(&pool[rn(&t->r, FZ_POOL)]);
	}
}

static const char *const names[] = {
	"f", "d", "d/g", "l", "dl", "p", "s", "nope", "", ".", "..", "/",
	"/tmp", "/dev/null", "/dev/kwish", "/proc/self/ns/mnt",
	"/proc/self/status", "/proc/self/fd/0", "/sys/kernel", "d/../f",
	"f/", "l/x", "t", "new", "new2", "newdir",
};

/*
 * Names that commands which remove, replace or create may get: relative
 * to the scratch tree (or a /proc/self/fd link), so that root's fuzzing
 * never unlinks /dev/null or replaces /dev/kwish.
 */
static const char *const local_names[] = {
	"f", "d", "d/g", "l", "dl", "p", "s", "nope", "", ".", "d/../f",
	"f/", "l/x", "t", "new", "new2", "newdir", "dl/new",
};

static const char *fz_name(struct fz_thread *t, char *tmp, size_t size,
			   bool local)
{
	int i;

	switch (rn(&t->r, 10)) {
	case 0:		/* a name too long for a component or a path */
		i = one_in(&t->r, 2) ? 256 : 4200;
		if ((size_t)i >= size)
			i = size - 1;
		memset(tmp, 'a' + rn(&t->r, 26), i);
		tmp[i] = 0;
		return tmp;
	case 1:
		snprintf(tmp, size, "/proc/self/fd/%d", fz_fd(t));
		return tmp;
	default:
		if (local)
			return local_names[rn(&t->r, KW_ARRAY_SIZE(local_names))];
		return names[rn(&t->r, KW_ARRAY_SIZE(names))];
	}
}

/* A new object for the pool: every kind of fd the commands may get. */
static int fz_new_obj(struct fz_thread *t)
{
	int fds[2], fd = -1, d = scratch_fd;

	switch (rn(&t->r, 22)) {
	case 0: return openat(d, "f", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	case 1: return openat(d, "f", O_RDONLY | O_CLOEXEC);
	case 2: return openat(d, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	case 3: return openat(d, "f", O_PATH | O_CLOEXEC);
	case 4: return openat(d, "l", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	case 5: return openat(d, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	case 6:
		if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
			return -1;
		fz_keep(t, fds[0]);
		return fds[1];
	case 7:
		if (socketpair(AF_UNIX, (int[]){ SOCK_STREAM, SOCK_DGRAM,
			       SOCK_SEQPACKET }[rn(&t->r, 3)] | SOCK_CLOEXEC,
			       0, fds))
			return -1;
		fz_keep(t, fds[1]);
		return fds[0];
	case 8: return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	case 9: return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	case 10: return socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	case 11: return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			       NETLINK_ROUTE);
	case 12: return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	case 13: return memfd_create("kwfuzz", MFD_CLOEXEC);
	case 14: return syscall(SYS_pidfd_open, getpid(), 0);
	case 15: return open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	case 16: return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	case 17: return open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	case 18: return open("/dev/null", O_RDWR | O_CLOEXEC);
	case 19:
		return syscall(SYS_open_tree, d, "d",
			       OPEN_TREE_CLONE | O_CLOEXEC);
	case 20: {	/* an item-24 restricted fd */
		struct kwish_upgrade_mask a = {
			.size = sizeof(a), .fd = atomic_load(&pool[0]),
			.upgrade_mask = UPGRADE_NOWRITE,
		};

		return ioctl(t->kfd, KWISH_UPGRADE_MASK, &a);
	}
	default:
		fd = openat(d, "p", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		return fd;
	}
}

/* The scratch tree the names refer to; ops may remove parts of it. */
static void fz_tree(void)
{
	int fd;

	mkdirat(scratch_fd, "d", 0755);
	mkdirat(scratch_fd, "d/g", 0755);
	fd = openat(scratch_fd, "f", O_WRONLY | O_CREAT | O_NONBLOCK |
		    O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, "kwish fuzz\n", 11) < 0)
			(void)0;
		close(fd);
	}
	fd = openat(scratch_fd, "t", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	if (symlinkat("f", scratch_fd, "l") && errno != EEXIST)
		(void)0;	/* an op may have replaced it: fine */
	if (symlinkat("d", scratch_fd, "dl") && errno != EEXIST)
		(void)0;
	mkfifoat(scratch_fd, "p", 0644);
}

/* ------------------------------------------------------------ commands */

/*
 * The header's size of each command's argument, its first version, and
 * where its reserved field is (0: none).
 */
static const struct {
	unsigned int nr;
	const char *name;
	size_t size, ver0, resv;
} cmds[] = {
#define C(n, s, v) { KWISH_CMD_##n, #n, sizeof(struct s), v,		\
		     offsetof(struct s, __reserved) }
	C(STATUS, kwish_status, KWISH_STATUS_SIZE_VER0),
	C(OPEN_REGULAR, kwish_open_regular, KWISH_OPEN_REGULAR_SIZE_VER0),
	C(UNLINK_INODE, kwish_unlink_inode, KWISH_UNLINK_INODE_SIZE_VER0),
	C(FLOCK_TIMEOUT, kwish_flock_timeout, KWISH_FLOCK_TIMEOUT_SIZE_VER0),
	C(LINK_REPLACE, kwish_link_replace, KWISH_LINK_REPLACE_SIZE_VER0),
	C(CREATE_OPEN, kwish_create_open, KWISH_CREATE_OPEN_SIZE_VER0),
	C(CLOSE_ASYNC, kwish_close_async, KWISH_CLOSE_ASYNC_SIZE_VER0),
	C(FLOCK_WATCH, kwish_flock_watch, KWISH_FLOCK_WATCH_SIZE_VER0),
	C(FD_RESTRICT, kwish_upgrade_mask, KWISH_UPGRADE_MASK_SIZE_VER0),
	C(STATMOUNT, kwish_mount_call, KWISH_MOUNT_CALL_SIZE_VER0),
	C(LISTMOUNT, kwish_mount_call, KWISH_MOUNT_CALL_SIZE_VER0),
	C(MOUNT_OWNER, kwish_mount_owner, KWISH_MOUNT_OWNER_SIZE_VER0),
	{ KWISH_CMD_MOUNT_WATCH, "MOUNT_WATCH",
	  sizeof(struct kwish_mount_watch), KWISH_MOUNT_WATCH_SIZE_VER0, 0 },
#undef C
};

/* Fills a kwish_mnt_id_req (statmount/listmount) with random values. */
static void fz_mnt_req(struct fz_thread *t, struct kwish_mnt_id_req *q,
		       bool list)
{
	memset(q, 0, sizeof(*q));
	q->size = one_in(&t->r, 6) ? r_u32(&t->r) :
		  (one_in(&t->r, 2) ? KWISH_MNT_ID_REQ_SIZE_VER0 : sizeof(*q));
	if (one_in(&t->r, 10))
		q->mnt_ns_fd = fz_fd(t);
	switch (rn(&t->r, 4)) {
	case 0: q->mnt_id = r_u64(&t->r); break;
	case 1: q->mnt_id = KWISH_LSMT_ROOT; break;
	default:
		q->mnt_id = nr_mnt_ids ? mnt_ids[rn(&t->r, nr_mnt_ids)] : 1;
	}
	if (list)
		q->param = one_in(&t->r, 3) ? r_u64(&t->r) : 0;
	else
		q->param = one_in(&t->r, 3) ? r_u64(&t->r) :
			   (rnd(&t->r) & 0x7f) |
			   (one_in(&t->r, 2) ? KWISH_STATMOUNT_MNT_OWNER : 0);
	if (one_in(&t->r, 6))
		q->mnt_ns_id = r_u64(&t->r);
}

/*
 * One random command with a structurally sensible argument, all its fields
 * drawn from the interesting values.  Returns the ioctl's result.
 */
static void fz_cmd(struct fz_thread *t)
{
	unsigned int c = rn(&t->r, KW_ARRAY_SIZE(cmds));
	size_t size = cmds[c].size;
	char name[4300], target[64];
	struct kwish_mnt_id_req req;
	int fds[8], i, n;
	struct fzbuf a, out = { 0 };
	union {
		struct { __u32 size, flags; } h;
		struct kwish_status st;
		struct kwish_open_regular orr;
		struct kwish_unlink_inode ui;
		struct kwish_flock_timeout ft;
		struct kwish_link_replace lr;
		struct kwish_create_open co;
		struct kwish_close_async ca;
		struct kwish_flock_watch fw;
		struct kwish_upgrade_mask fr;
		struct kwish_mount_call mc;
		struct kwish_mount_owner mo;
		struct kwish_mount_watch mw;
		char raw[PAGE + 64];
	} u;
	long ret, maxret = 0;
	static const char *const made[] = { "new", "new2", "newdir", "t" };
	const char *sname = made[0];
	int tmpfd = -1;
	char *argp;
	int err;

	memset(&u, 0, sizeof(u));
	t->sane = one_in(&t->r, 2);
	switch (cmds[c].nr) {
	case KWISH_CMD_STATUS:
		u.st.nr_features = one_in(&t->r, 3) ? r_u32(&t->r) :
				   rn(&t->r, 40);
		u.st.feature_size = one_in(&t->r, 3) ? r_u32(&t->r) :
			(uint32_t[]){ 0, 199, 200, 201, 256 }[rn(&t->r, 5)];
		if (u.st.nr_features * (size_t)u.st.feature_size <
		    FZ_HALF / 2) {
			n = u.st.nr_features * u.st.feature_size;
			out = fz_buf(t, n, FZ_OUT);
		} else {
			/*
			 * Entries are written feature_size apart: past one,
			 * the next could land in any mapping of this
			 * process.  At most one entry, in a buffer that
			 * ends at the PROT_NONE page: it faults there.
			 */
			u.st.nr_features = rn(&t->r, 2);
			n = rn(&t->r, PAGE);
			out.p = t->buf + FZ_SCRATCH - n;
			out.len = n;
			out.canary = false;
		}
		u.st.features = (uintptr_t)fz_out_ptr(t, &out);
		break;
	case KWISH_CMD_OPEN_REGULAR:
		u.orr.dirfd = fz_fd(t);
		u.orr.pathname = (uintptr_t)fz_ptr(t,
			(void *)fz_name(t, name, sizeof(name), false), 8);
		u.orr.open_flags = one_in(&t->r, 4) ? r_u64(&t->r) :
			(rnd(&t->r) & (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC |
				       O_APPEND | O_NONBLOCK | O_DIRECTORY |
				       O_NOFOLLOW | O_CLOEXEC | O_PATH |
				       O_TMPFILE | O_DIRECT));
		/* /proc/self/fd/1 is the results port: never our tty */
		u.orr.open_flags |= O_NOCTTY;
		u.orr.mode = one_in(&t->r, 3) ? r_u64(&t->r) : 0600;
		u.orr.resolve = one_in(&t->r, 2) ? 0 : r_u64(&t->r) & 0x3f;
		maxret = INT_MAX;
		break;
	case KWISH_CMD_UNLINK_INODE:
		u.ui.dirfd = fz_fd(t);
		u.ui.inode_fd = fz_fd(t);
		u.ui.name = (uintptr_t)fz_ptr(t,
			(void *)fz_name(t, name, sizeof(name), true), 8);
		u.ui.flags = one_in(&t->r, 3) ? KWISH_UNLINK_REMOVEDIR :
			     (one_in(&t->r, 4) ? r_u32(&t->r) : 0);
		break;
	case KWISH_CMD_FLOCK_TIMEOUT:
		u.ft.fd = fz_fd(t);
		u.ft.operation = one_in(&t->r, 5) ? r_u32(&t->r) :
			(uint32_t[]){ LOCK_SH, LOCK_EX, LOCK_UN,
				      LOCK_EX | LOCK_NB }[rn(&t->r, 4)];
		/* bounded: a wait without limit is ended by the pinger */
		u.ft.timeout_ns = one_in(&t->r, 50) ? ~0ULL :
			(uint64_t[]){ 0, 1, 1000, 1000000,
				      20000000 }[rn(&t->r, 5)];
		break;
	case KWISH_CMD_LINK_REPLACE:
		u.lr.fd = fz_fd(t);
		u.lr.dirfd = fz_fd(t);
		u.lr.name = (uintptr_t)fz_ptr(t,
			(void *)fz_name(t, name, sizeof(name), true), 8);
		break;
	case KWISH_CMD_CREATE_OPEN:
		u.co.dirfd = fz_fd(t);
		u.co.pathname = (uintptr_t)fz_ptr(t,
			(void *)fz_name(t, name, sizeof(name), true), 8);
		u.co.mode = one_in(&t->r, 4) ? r_u32(&t->r) :
			((uint32_t[]){ S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO,
				       S_IFSOCK, S_IFCHR, S_IFBLK,
				       0 }[rn(&t->r, 8)] | (rnd(&t->r) & 07777));
		snprintf(target, sizeof(target), "%s",
			 fz_name(t, name, sizeof(name), true));
		u.co.target = one_in(&t->r, 3) ? 0 :
			      (uintptr_t)fz_ptr(t, target, 8);
		/*
		 * Devices that are harmless to open: null, zero, full and
		 * urandom (1:3, 5, 7, 9), or numbers no driver has.  Never
		 * a random one: a watchdog starts when opened, a tty may
		 * become a controlling terminal.
		 */
		u.co.rdev_major = one_in(&t->r, 3) ? 4096 + rn(&t->r, 4000) : 1;
		u.co.rdev_minor = one_in(&t->r, 3) ? r_u32(&t->r) & 0xfffff :
				  3 + 2 * rn(&t->r, 4);
		if (u.co.rdev_major == 1 && u.co.rdev_minor > 9)
			u.co.rdev_minor = 3;
		u.co.flags = one_in(&t->r, 3) ? KWISH_CREATE_OPEN_NOCLOEXEC : 0;
		maxret = INT_MAX;
		break;
	case KWISH_CMD_CLOSE_ASYNC:
		n = one_in(&t->r, 8) ? (int)r_u32(&t->r) : 1 + (int)rn(&t->r, 8);
		for (i = 0; i < 8; i++) {
			fds[i] = fz_fd(t);
			/* never the fds the fuzzer keeps: stdio, /dev/kwish */
			if (fds[i] >= 0 && fds[i] <= protect_max)
				fds[i] = -1;
		}
		/*
		 * Never a pointer into memory other calls write (the edge
		 * page) or one byte off: the numbers read there could be
		 * 1 or 3 (the results port).
		 */
		u.ca.fds = (uintptr_t)(one_in(&t->r, 8) ?
			(void *[]){ NULL, kw_bad_ptr(),
				    (void *)0xffff888000000000ULL,
				    ro_page }[rn(&t->r, 4)] : fds);
		if (n > 8 && u.ca.fds == (uintptr_t)fds)
			n = 8;		/* beyond fds[] is the stack */
		u.ca.nr_fds = n;
		u.ca.flags = one_in(&t->r, 4) ? r_u32(&t->r) & 7 :
			     KWISH_CLOSE_ASYNC_WAITFD;
		u.ca.wait_fd = (int)r_u32(&t->r);
		maxret = KWISH_CLOSE_ASYNC_MAX_FDS;
		break;
	case KWISH_CMD_FLOCK_WATCH:
		u.fw.fd = fz_fd(t);
		u.fw.flags = one_in(&t->r, 4) ? r_u32(&t->r) :
			     KWISH_FLOCK_WATCH_NONBLOCK;
		maxret = INT_MAX;
		break;
	case KWISH_CMD_UPGRADE_MASK:
		u.fr.fd = fz_fd(t);
		u.fr.upgrade_mask = one_in(&t->r, 4) ? r_u32(&t->r) :
				    1 + rn(&t->r, 3) * 2;
		u.fr.upgrade_mask &= one_in(&t->r, 4) ? ~0U : 6;
		u.fr.flags = one_in(&t->r, 4) ? KWISH_UPGRADE_MASK_NOCLOEXEC : 0;
		maxret = INT_MAX;
		break;
	case KWISH_CMD_STATMOUNT:
	case KWISH_CMD_LISTMOUNT: {
		bool list = cmds[c].nr == KWISH_CMD_LISTMOUNT;
		size_t bs = one_in(&t->r, 4) ? r_u64(&t->r) : rn(&t->r, 600);

		fz_mnt_req(t, &req, list);
		u.mc.req = (uintptr_t)fz_ptr(t, &req, sizeof(req));
		n = list ? (bs < PAGE / 8 ? bs * 8 : PAGE) :
			   (bs < 2 * PAGE ? bs : 2 * PAGE);
		out = fz_buf(t, n, FZ_OUT);
		out.canary &= (size_t)n == (list ? bs * 8 : bs);
		u.mc.buf = (uintptr_t)fz_out_ptr(t, &out);
		u.mc.bufsize = bs;
		u.mc.call_flags = one_in(&t->r, 3) ? r_u32(&t->r) : 0;
		maxret = INT_MAX;
		break;
	}
	case KWISH_CMD_MOUNT_OWNER:
		u.mo.fd = fz_fd(t);
		if (one_in(&t->r, 2)) {
			u.mo.flags = KWISH_MOUNT_OWNER_BY_ID;
			u.mo.mnt_id = nr_mnt_ids && one_in(&t->r, 2) ?
				      mnt_ids[rn(&t->r, nr_mnt_ids)] :
				      r_u64(&t->r);
		}
		break;
	case KWISH_CMD_MOUNT_WATCH:
		u.mw.mntns_fd = fz_fd(t);
		u.mw.mask = one_in(&t->r, 4) ? r_u64(&t->r) :
			    (uint64_t[]){ FAN_MNT_ATTACH, FAN_MNT_DETACH,
					  FAN_MNT_ATTACH |
					  FAN_MNT_DETACH }[rn(&t->r, 3)];
		u.mw.queue_len = one_in(&t->r, 20) ? r_u32(&t->r) :
				 rn(&t->r, 64);
		u.mw.flags = one_in(&t->r, 4) ? r_u32(&t->r) :
			     KWISH_MOUNT_WATCH_NONBLOCK;
		maxret = INT_MAX;
		break;
	}
	if (t->sane) {
		sname = made[rn(&t->r, KW_ARRAY_SIZE(made))];
		switch (cmds[c].nr) {
		case KWISH_CMD_OPEN_REGULAR:
			u.orr.dirfd = scratch_fd;
			u.orr.pathname = (uintptr_t)(one_in(&t->r, 2) ? "f" :
						     sname);
			u.orr.open_flags = (one_in(&t->r, 2) ? O_RDWR : 0) |
				(one_in(&t->r, 3) ? O_CREAT : 0) | O_NOCTTY |
				O_CLOEXEC;
			u.orr.resolve = one_in(&t->r, 2) ? 0x08 : 0;
			break;
		case KWISH_CMD_UNLINK_INODE:
			tmpfd = openat(scratch_fd, sname,
				       O_PATH | O_NOFOLLOW | O_CLOEXEC);
			u.ui.dirfd = scratch_fd;
			u.ui.inode_fd = tmpfd;
			u.ui.name = (uintptr_t)sname;
			u.ui.flags = strcmp(sname, "newdir") ? 0 :
				     KWISH_UNLINK_REMOVEDIR;
			break;
		case KWISH_CMD_LINK_REPLACE:
			tmpfd = openat(scratch_fd, ".",
				       O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
			u.lr.fd = tmpfd;
			u.lr.dirfd = scratch_fd;
			u.lr.name = (uintptr_t)(one_in(&t->r, 2) ? "t" : sname);
			break;
		case KWISH_CMD_CREATE_OPEN:
			u.co.dirfd = scratch_fd;
			u.co.pathname = (uintptr_t)sname;
			u.co.mode = (uint32_t[]){ S_IFREG | 0644, S_IFDIR | 0755,
						  S_IFLNK | 0777,
						  S_IFIFO | 0644 }[rn(&t->r, 4)];
			u.co.target = S_ISLNK(u.co.mode) ? (uintptr_t)"f" : 0;
			u.co.rdev_major = u.co.rdev_minor = 0;
			break;
		case KWISH_CMD_MOUNT_WATCH:
			u.mw.mntns_fd = atomic_load(&pool[1]);
			u.mw.queue_len = rn(&t->r, 64);
			u.mw.mask &= FAN_MNT_ATTACH | FAN_MNT_DETACH;
			u.mw.mask |= FAN_MNT_ATTACH;
			u.mw.flags = KWISH_MOUNT_WATCH_NONBLOCK;
			break;
		}
		u.h.flags &= cmds[c].nr == KWISH_CMD_CLOSE_ASYNC ? 1 : 0;
	}
	/* the envelope: mostly right, sometimes an older or newer size */
	u.h.size = size;
	switch (t->sane ? 99 : rn(&t->r, 12)) {
	case 0: u.h.size = cmds[c].ver0; break;
	case 1: u.h.size = size + 8; break;		/* zero tail */
	case 2: u.h.size = r_u32(&t->r); break;
	case 3: u.h.flags = r_u32(&t->r); break;
	case 4:	/* a reserved field or a stray tail byte */
		/*
		 * Never in a pointer, count or size: the kernel would write
		 * somewhere into this process.
		 */
		i = cmds[c].resv && one_in(&t->r, 2) ?
		    (int)(cmds[c].resv + rn(&t->r, 4)) :
		    (int)(size + rn(&t->r, 8));
		u.raw[i] ^= 1 << rn(&t->r, 8);
		u.h.size = size + 8;
		break;
	}
	/* copied where an overrun shows */
	a = fz_buf(t, sizeof(u.raw) < size + 8 ? sizeof(u.raw) : size + 8,
		   FZ_ARG);
	memcpy(a.p, &u, a.len);
	argp = a.p;
	errno = 0;
	ret = ioctl(t->kfd, _IO(KWISH_TYPE, cmds[c].nr), argp);
	err = errno;
	fz_outcome(t, cmds[c].nr - KWISH_CMD_BASE, ret, err, maxret, false,
		   cmds[c].name);
	/* the kernel writes back at most the header's size */
	fz_buf_check(t, &a, cmds[c].name);
	if (out.p)
		fz_buf_check(t, &out, cmds[c].name);
	if (tmpfd >= 0)
		close(tmpfd);
	/* what sane calls create goes again now and then */
	if (t->sane && cmds[c].nr == KWISH_CMD_CREATE_OPEN && one_in(&t->r, 2))
		unlinkat(scratch_fd, sname,
			 strcmp(sname, "newdir") ? 0 : AT_REMOVEDIR);
	if (ret < 0)
		return;
	switch (cmds[c].nr) {
	case KWISH_CMD_OPEN_REGULAR:
	case KWISH_CMD_CREATE_OPEN:
	case KWISH_CMD_FLOCK_WATCH:
	case KWISH_CMD_UPGRADE_MASK:
	case KWISH_CMD_MOUNT_WATCH:
		fz_keep(t, ret);
		break;
	case KWISH_CMD_CLOSE_ASYNC:
		memcpy(&u, argp, sizeof(u.ca));
		if (u.ca.flags & KWISH_CLOSE_ASYNC_WAITFD)
			fz_keep(t, u.ca.wait_fd);
		break;
	}
}

/* The contract's own checks, exactly (one command, random values). */
static void fz_contract_one(struct fz_thread *t)
{
	unsigned int c = rn(&t->r, KW_ARRAY_SIZE(cmds)), nr = cmds[c].nr;
	size_t size = cmds[c].size, ver0 = cmds[c].ver0;
	bool have = have_cmd[nr - KWISH_CMD_BASE];
	char *p = t->buf + PAGE;	/* two writable pages around */
	unsigned long req = _IO(KWISH_TYPE, nr);
	int expect, kind = rn(&t->r, 8);
	const char *what;
	char desc[160];
	long ret;
	int err;

	memset(p, 0, 2 * PAGE);
	*(__u32 *)p = size;
	switch (kind) {
	case 0:
		what = "size below the first version";
		*(__u32 *)p = rn(&t->r, ver0);
		expect = EINVAL;
		break;
	case 1:
		what = "size above a page";
		*(__u32 *)p = PAGE + 1 + rn(&t->r, 1U << 20);
		expect = E2BIG;
		break;
	case 2:
		what = "unreadable argument";
		p = (char *[]){ NULL, kw_bad_ptr(),
				(char *)0xffff888000000000ULL }[rn(&t->r, 3)];
		expect = EFAULT;
		break;
	case 3:
		what = "only the size word readable";
		p = edge_page + PAGE - 4;
		*(__u32 *)p = ver0 + rn(&t->r, size - ver0 + 1);
		expect = EFAULT;
		break;
	case 4:
		what = "a non-zero byte past the header's struct";
		*(__u32 *)p = size + 1 + rn(&t->r, 64);
		p[size + rn(&t->r, *(__u32 *)p - size)] = 1 + rn(&t->r, 255);
		expect = E2BIG;
		break;
	case 5:
		what = "an unknown flag bit";
		*(__u32 *)(p + 4) = 0x80000000U >> rn(&t->r, 8);
		expect = EINVAL;
		break;
	case 6:
		what = "the same number with direction or size bits";
		req = (one_in(&t->r, 2) ? _IOR(KWISH_TYPE, nr, __u64) :
			_IOWR(KWISH_TYPE, nr, struct kwish_status));
		expect = ENOTTY;
		have = true;
		break;
	default:
		what = "a number that is no command";
		req = one_in(&t->r, 2) ?
			_IO(KWISH_TYPE, (KWISH_CMD_END + rn(&t->r, 64)) & 0xff) :
			_IO(KWISH_TYPE + 1 + rn(&t->r, 8), nr);
		expect = ENOTTY;
		have = true;
		break;
	}
	if (!have)
		expect = EOPNOTSUPP;
	errno = 0;
	ret = ioctl(t->kfd, req, p);
	err = errno;
	snprintf(desc, sizeof(desc), "%s (ioctl %#lx): %s", cmds[c].name, req,
		 what);
	atomic_fetch_add(&sh->calls, 1);
	if (log_calls)
		printf("# fuzz: %s = %ld (%s)\n", desc, ret, strerror(err));
	if (ret == -1 && err == expect)
		atomic_fetch_add(&sh->ok, 1);
	else
		fz_bad(t, "%s: ret %ld errno %s, expected %s", desc, ret,
		       ret < 0 ? kw_errname(err) : "-", kw_errname(expect));
}

/* ------------------------------------------------------------ sockets */

static const int sockopts[] = {
	SO_PASSPIDFD, SO_PEERPIDFD, SO_PASSRIGHTS, SO_KWISH_PASSCGROUPID,
	SO_KWISH_PEERCGROUPID, SO_KWISH_RIGHTS_FILTER,
	SO_KWISH_TIMESTAMP_CLOCK, SO_PASSCRED, SO_TIMESTAMP, SO_TIMESTAMPNS,
	SO_TIMESTAMP_NEW, SO_TIMESTAMPNS_NEW, SO_PEERCRED,
};

static void fz_sockopt(struct fz_thread *t)
{
	int fd = fz_fd(t), opt = sockopts[rn(&t->r, KW_ARRAY_SIZE(sockopts))];
	struct kwish_rights_filter *f;
	socklen_t len, *lenp;
	struct fzbuf b;
	char what[64];
	long ret;
	int err;

	len = (socklen_t[]){ 0, 1, 3, 4, 7, 8, sizeof(*f) - 1, sizeof(*f),
			     sizeof(*f) + 1, PAGE, 16,
			     24 }[rn(&t->r, 12)];
	if (one_in(&t->r, 10))
		len = r_u32(&t->r);
	b = fz_buf(t, len < PAGE ? len : PAGE, FZ_OUT);
	b.canary &= len < PAGE;
	memset(b.p, 0, b.len);
	if (b.len >= 4)
		*(int *)b.p = (int)(one_in(&t->r, 3) ? r_u32(&t->r) :
				    rn(&t->r, 3));
	if (opt == SO_KWISH_RIGHTS_FILTER && b.len >= sizeof(*f)) {
		f = (void *)b.p;
		f->flags = one_in(&t->r, 5) ? r_u32(&t->r) : 0;
		f->types = one_in(&t->r, 3) ? r_u32(&t->r) :
			   KWISH_RF_TYPE(S_IFREG) | KWISH_RF_TYPE(S_IFSOCK);
		f->nr_magics = one_in(&t->r, 4) ? r_u32(&t->r) : rn(&t->r, 3);
		f->magics[0] = one_in(&t->r, 2) ? 0x01021994 : r_u64(&t->r);
		f->__reserved = one_in(&t->r, 6) ? 1 : 0;
	}
	if (one_in(&t->r, 2)) {
		snprintf(what, sizeof(what), "setsockopt(%#x, len %u)", opt,
			 len);
		errno = 0;
		ret = setsockopt(fd, SOL_SOCKET, opt,
				 fz_ptr(t, b.p, b.len), len);
		err = errno;
		fz_outcome(t, OP_SETSOCKOPT, ret, err, 0, false, what);
		return;
	}
	snprintf(what, sizeof(what), "getsockopt(%#x, len %u)", opt, len);
	lenp = (socklen_t *)(t->buf + FZ_SCRATCH - PAGE - 8);
	*lenp = len;
	errno = 0;
	ret = getsockopt(fd, SOL_SOCKET, opt, fz_out_ptr(t, &b),
			 one_in(&t->r, 12) ? (socklen_t *)kw_bad_ptr() : lenp);
	err = errno;
	fz_outcome(t, OP_GETSOCKOPT, ret, err, 0, false, what);
	if (ret == 0) {
		if (*lenp > len)
			fz_bad(t, "%s: optlen grew to %u", what, *lenp);
		fz_buf_check(t, &b, what);
		if (opt == SO_PEERPIDFD && *lenp == 4 && len >= 4 &&
		    *(int *)b.p > protect_max)
			fz_close(*(int *)b.p);
	}
}

/* Closes the fds a received message carries (SCM_RIGHTS, SCM_PIDFD). */
static void fz_close_cmsg_fds(struct fz_thread *t, struct msghdr *m)
{
	struct cmsghdr *cm;
	size_t i, n;
	int fd;

	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    (cm->cmsg_type != SCM_RIGHTS && cm->cmsg_type != SCM_PIDFD))
			continue;
		if (cm->cmsg_len < CMSG_LEN(0))
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			fz_close(fd);
		}
	}
}

/* sendmsg() of random fds, or recvmsg() with a random control size. */
static void fz_msg(struct fz_thread *t)
{
	char data[64] = "kwish", cbuf[CMSG_SPACE(8 * sizeof(int)) + 64];
	struct iovec iov = { data, 1 + rn(&t->r, sizeof(data) - 1) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fd = fz_fd(t), n, i, fl;
	struct cmsghdr *cm;
	struct fzbuf b;
	long ret;
	int err;

	if (one_in(&t->r, 2)) {
		n = rn(&t->r, 5);
		if (n) {
			memset(cbuf, 0, sizeof(cbuf));
			m.msg_control = cbuf;
			m.msg_controllen = CMSG_SPACE(n * sizeof(int));
			cm = CMSG_FIRSTHDR(&m);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = one_in(&t->r, 8) ? r_u32(&t->r) :
					SCM_RIGHTS;
			cm->cmsg_len = one_in(&t->r, 8) ? rn(&t->r, 64) :
				       CMSG_LEN(n * sizeof(int));
			for (i = 0; i < n; i++) {
				int v = fz_fd(t);

				memcpy(CMSG_DATA(cm) + i * sizeof(int), &v,
				       sizeof(v));
			}
		}
		errno = 0;
		ret = sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		err = errno;
		fz_outcome(t, OP_SENDMSG, ret, err, INT_MAX, false, "sendmsg");
		return;
	}
	n = (int[]){ 0, 4, 8, 12, 16, 20, 24, 28, 32, 48, 64,
		     (int)sizeof(cbuf) - 64 }[rn(&t->r, 12)];
	b = fz_buf(t, n, FZ_OUT);
	memset(b.p, 0, n);
	m.msg_control = n ? b.p : NULL;
	m.msg_controllen = n;
	fl = MSG_DONTWAIT | (one_in(&t->r, 2) ? MSG_CMSG_CLOEXEC : 0) |
	     (one_in(&t->r, 4) ? MSG_PEEK : 0) |
	     (one_in(&t->r, 4) ? MSG_TRUNC : 0);
	errno = 0;
	ret = recvmsg(fd, &m, fl);
	err = errno;
	fz_outcome(t, OP_RECVMSG, ret, err, INT_MAX, false, "recvmsg");
	if (m.msg_controllen > (size_t)n)
		fz_bad(t, "recvmsg: msg_controllen grew from %d to %zu", n,
		       (size_t)m.msg_controllen);
	fz_buf_check(t, &b, "recvmsg");
	if (ret >= 0 && n)
		fz_close_cmsg_fds(t, &m);
}

/* ------------------------------------------------------------ syscalls */

static void fz_mount_syscall(struct fz_thread *t)
{
	bool list = one_in(&t->r, 2);
	uint64_t bs = one_in(&t->r, 5) ? r_u64(&t->r) : rn(&t->r, 600);
	struct kwish_mnt_id_req req;
	size_t n = list ? (bs < PAGE / 8 ? bs * 8 : PAGE) :
			  (bs < 2 * PAGE ? bs : 2 * PAGE);
	struct fzbuf b = fz_buf(t, n, FZ_OUT);
	long ret;
	int err;

	b.canary &= n == (list ? bs * 8 : bs);
	fz_mnt_req(t, &req, list);
	errno = 0;
	ret = syscall(list ? KWISH_NR_LISTMOUNT : KWISH_NR_STATMOUNT,
		      fz_ptr(t, &req, sizeof(req)), fz_out_ptr(t, &b), bs,
		      one_in(&t->r, 4) ? r_u64(&t->r) : 0);
	err = errno;
	fz_outcome(t, list ? OP_LISTMOUNT : OP_STATMOUNT, ret, err,
		   list ? INT_MAX : 0, true,
		   list ? "listmount" : "statmount");
	fz_buf_check(t, &b, list ? "listmount" : "statmount");
}

/* ------------------------------------------------------------ fds */

/* What a user does with a result fd: read, poll, fstat, close, replace. */
static void fz_fd_op(struct fz_thread *t)
{
	int slot = rn(&t->r, FZ_POOL), fd = atomic_load(&pool[slot]), nfd;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[PAGE];
	struct stat st;
	size_t len;

	switch (rn(&t->r, 7)) {
	case 0:
		/* nonblocking first: a FIFO or a socket must not block */
		if (fd > protect_max)
			fcntl(fd, F_SETFL, O_NONBLOCK);
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN)) {
			len = (size_t[]){ 0, 1, 16, 23, 24, 64, 100,
					  sizeof(buf) }[rn(&t->r, 8)];
			if (read(fd, buf, len) < 0 && errno > 133)
				fz_bad(t, "read of slot %d: errno %d", slot,
				       errno);
		}
		break;
	case 1:
		fstat(fd, &st);
		break;
	case 2:
	case 3:
		nfd = fz_new_obj(t);
		if (nfd < 0)
			break;
		nfd = atomic_exchange(&pool[slot], nfd);
		if (nfd >= 0)
			fz_close(nfd);
		break;
	case 4:		/* the number stays, the object changes under it */
		if (fd > protect_max) {
			nfd = fz_new_obj(t);
			if (nfd >= 0) {
				dup3(nfd, fd, O_CLOEXEC);
				fz_close(nfd);
			}
		}
		break;
	case 5:
		if (one_in(&t->r, 4)) {
			nfd = atomic_exchange(&pool[slot], -1);
			if (nfd >= 0)
				fz_close(nfd);
		}
		break;
	default:
		if (one_in(&t->r, 8))
			fz_tree();
		break;
	}
}

/* ------------------------------------------------------------ workers */

static void fz_step(struct fz_thread *t)
{
	switch (rn(&t->r, 16)) {
	case 0: case 1: case 2:
		fz_sockopt(t);
		break;
	case 3: case 4:
		fz_msg(t);
		break;
	case 5:
		fz_mount_syscall(t);
		break;
	case 6: case 7: case 8:
		fz_fd_op(t);
		break;
	default:
		fz_cmd(t);
		break;
	}
}

static int fz_thread_init(struct fz_thread *t, int idx, uint64_t seed)
{
	int i;

	t->idx = idx;
	t->r.s = seed ^ (0x1000193ULL * (idx + 1));
	for (i = 0; i < FZ_RING; i++)
		t->ring[i] = -1;
	t->buf = mmap(NULL, FZ_SCRATCH + PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->buf == MAP_FAILED)
		return -1;
	mprotect(t->buf + FZ_SCRATCH, PAGE, PROT_NONE);
	t->kfd = open("/dev/kwish", O_RDWR | O_CLOEXEC);
	return t->kfd < 0 ? -1 : 0;
}

static void fz_thread_fini(struct fz_thread *t)
{
	int i;

	for (i = 0; i < FZ_RING; i++)
		if (t->ring[i] >= 0)
			fz_close(t->ring[i]);
	munmap(t->buf, FZ_SCRATCH + PAGE);
}

static void *fz_worker(void *arg)
{
	struct fz_thread *t = arg;

	while (!atomic_load(&sh->stop))
		fz_step(t);
	return NULL;
}

static void fz_sig(int sig)
{
}

static double fz_seconds(void)
{
	const char *e = getenv("KW_FUZZ_SECONDS"), *s = getenv("KW_TIME_SCALE");
	double secs = e ? atof(e) : 8;

	if (!e && s && atof(s) > 0)
		secs *= atof(s);
	return secs;
}

static uint64_t fz_seed(void)
{
	const char *e = getenv("KW_FUZZ_SEED");

	return e ? strtoull(e, NULL, 0) : (uint64_t)time(NULL) ^
		   ((uint64_t)getpid() << 32);
}

/*
 * The scratch tree and the special pages.  First, so that the scratch
 * directory's fd is below the /dev/kwish ones, where no fuzzed call may
 * close it.
 */
static int fz_scratch(void)
{
	if (!mkdtemp(scratch_dir))
		return -1;
	scratch_fd = open(scratch_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (scratch_fd < 0)
		return -1;
	fz_tree();
	/* all ones: fds read from them are -1, never 0 (stdin) */
	ro_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_page != MAP_FAILED) {
		memset(ro_page, 0xff, PAGE);
		mprotect(ro_page, PAGE, PROT_READ);
	}
	edge_page = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_page == MAP_FAILED || edge_page == MAP_FAILED)
		return -1;
	mprotect(edge_page + PAGE, PAGE, PROT_NONE);
	memset(edge_page, 0xff, PAGE);
	return 0;
}

/* The pool of fds and the mount ids: in the case's process. */
static int fz_setup(struct fz_thread *t0)
{
	struct kwish_mount_call mc = { .size = sizeof(mc) };
	struct kwish_mnt_id_req req = {
		.size = sizeof(req), .mnt_id = KWISH_LSMT_ROOT,
	};
	int i, fd;
	long n;

	/* mount ids to ask about: listmount, by syscall or by ioctl */
	n = syscall(KWISH_NR_LISTMOUNT, &req, mnt_ids,
		    KW_ARRAY_SIZE(mnt_ids), 0);
	if (n < 0) {
		mc.req = (uintptr_t)&req;
		mc.buf = (uintptr_t)mnt_ids;
		mc.bufsize = KW_ARRAY_SIZE(mnt_ids);
		n = ioctl(t0->kfd, KWISH_LISTMOUNT, &mc);
	}
	nr_mnt_ids = n > 0 ? n : 0;

	for (i = 0; i < FZ_POOL; i++)
		atomic_store(&pool[i], -1);
	/* slot 0 is a plain file (fz_new_obj's restricted fds use it) */
	atomic_store(&pool[0], openat(scratch_fd, "f", O_RDWR | O_CLOEXEC));
	for (i = 1; i < FZ_POOL; i++) {
		fd = fz_new_obj(t0);
		atomic_store(&pool[i], fd);
	}
	return 0;
}

static void fz_teardown(void)
{
	char cmd[128];
	int i, fd;

	for (i = 0; i < FZ_POOL; i++) {
		fd = atomic_exchange(&pool[i], -1);
		if (fd >= 0)
			fz_close(fd);
	}
	/* the tree may hold anything the commands made: remove it all */
	snprintf(cmd, sizeof(cmd), "%s", scratch_dir);
	kw_rm_rf(cmd);
}

/*
 * A child in a mount namespace of its own (in a user namespace of its own
 * when not root) that changes mounts in a loop while the workers run: the
 * workers watch and query that namespace through /proc/PID/ns/mnt.
 */
static pid_t fz_churn_start(void)
{
	char m[256], c = 0;
	int i = 0, p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid) {
		close(p[1]);
		/* its namespace into the pool once it has one */
		while (pid > 0 && (i = read(p[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (pid > 0 && i == 1) {
			snprintf(m, sizeof(m), "/proc/%d/ns/mnt", pid);
			i = open(m, O_RDONLY | O_CLOEXEC);
			i = atomic_exchange(&pool[1], i);
			if (i >= 0)
				fz_close(i);
		}
		close(p[0]);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (geteuid() ? kw_enter_userns(CLONE_NEWNS) : unshare(CLONE_NEWNS))
		_exit(1);
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (write(p[1], "x", 1) != 1)
		_exit(1);
	close(p[1]);
	snprintf(m, sizeof(m), "%s/d", scratch_dir);
	while (!atomic_load(&sh->stop)) {
		if (mount("kwfuzz", m, "tmpfs", 0, "size=64k") == 0) {
			if (i++ % 2)
				mount(m, m, NULL, MS_BIND, NULL);
			mount(NULL, m, NULL, MS_SHARED, NULL);
			umount2(m, MNT_DETACH);
			umount2(m, MNT_DETACH);
		} else {
			usleep(1000);
		}
	}
	_exit(0);
}

/* ------------------------------------------------------------ modules */

static const char *const modules[] = {
	"kwish_core", "kwish_fs", "kwish_mount", "kwish_net",
};

static long module_refcnt(const char *m)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", m);
	if (kw_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	return atol(buf);
}

/*
 * After a case: every module's reference count is back to @before (or
 * below: what earlier programs left may drain meanwhile) within a while
 * (files are released by RCU, workqueues and item 24's collector, not at
 * once).
 */
/*
 * Files in flight in a unix socket that is itself in flight in its own
 * queue (a cycle the fuzzer's SCM_RIGHTS make) are freed only by the unix
 * garbage collector, which runs when a unix socket is released (with
 * something in flight, on 6.1), not when the cycle's last fd is closed.
 * One socket sent over a pair that is then closed runs it.
 */
static void unix_gc_poke(void)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { "x", 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sv[0], sizeof(int));
	sendmsg(sv[0], &m, MSG_DONTWAIT);
	close(sv[0]);
	close(sv[1]);
}

/* What holds kwish: the processes, and the stacks with a kwish frame. */
static void modules_holders(void)
{
	fflush(stdout);
	if (system("ps -o pid,ppid,stat,comm | sed 's/^/# /'; "
		   "for p in /proc/[0-9]*; do "
		   "grep -q kw_ $p/stack 2>/dev/null || continue; "
		   "echo \"# $p $(cat $p/comm)\"; sed 's/^/#   /' $p/stack; "
		   "done"))
		kw_diag("(could not list the holders)");
}

static int modules_settled(const long *before, double secs)
{
	double t0 = kw_now(), end = t0 + secs * kw_time_scale();
	bool told = false;
	size_t i;
	long now;

	for (i = 0; i < KW_ARRAY_SIZE(modules); i++) {
		if (before[i] < 0)
			continue;
		while ((now = module_refcnt(modules[i])) > before[i] &&
		       kw_now() < end) {
			/* usually a few seconds: say what holds it if not */
			if (!told && kw_now() > t0 + 10 * kw_time_scale()) {
				kw_diag("%s: %ld references after %.0f s, %ld before:",
					modules[i], now, kw_now() - t0,
					before[i]);
				modules_holders();
				told = true;
			}
			unix_gc_poke();
			usleep(50000);
		}
		if (now > before[i])
			return kw_fail("%s: reference count %ld, %ld before the case: a file, socket or watch was leaked",
				       modules[i], now, before[i]);
	}
	if (told)
		kw_diag("released after %.0f s", kw_now() - t0);
	return KW_PASS;
}

static void modules_refcnts(long *out)
{
	size_t i;

	for (i = 0; i < KW_ARRAY_SIZE(modules); i++)
		out[i] = module_refcnt(modules[i]);
}

/* ------------------------------------------------------------ cases */

enum fz_mode { FZ_CONTRACT, FZ_SINGLE, FZ_THREADS, FZ_RELOAD };

static void fz_reloader(double end)
{
	const char *m[] = { "kwish_fs", "kwish_mount", "kwish_net" };
	struct rng r = { fz_seed() };
	unsigned int i;

	while (kw_now() < end) {
		i = rn(&r, KW_ARRAY_SIZE(m));
		if (kw_module_loaded(m[i]))
			syscall(SYS_delete_module, m[i], O_NONBLOCK);
		else
			kw_module_insert(m[i]);
		usleep(rn(&r, 200000));
	}
}

/* Succeeded/calls of each interface: a fuzzer that never gets far shows. */
static void fz_report_ops(void)
{
	static const char *const other[] = {
		"setsockopt", "getsockopt", "sendmsg", "recvmsg",
		"statmount(2)", "listmount(2)",
	};
	char line[1024];
	size_t len = 0, i;
	int op;

	for (op = 0; op < OP_NR; op++) {
		const char *name = NULL;

		if (!atomic_load(&sh->op_calls[op]))
			continue;
		if (op >= OP_SETSOCKOPT)
			name = other[op - OP_SETSOCKOPT];
		for (i = 0; !name && i < KW_ARRAY_SIZE(cmds); i++)
			if (cmds[i].nr - KWISH_CMD_BASE == (unsigned int)op)
				name = cmds[i].name;
		len += snprintf(line + len, sizeof(line) - len, " %s %lu/%lu",
				name ? name : "?", atomic_load(&sh->op_ok[op]),
				atomic_load(&sh->op_calls[op]));
		if (len >= sizeof(line))
			break;
	}
	if (len)
		kw_diag("succeeded/calls:%s", line);
}

/* Runs in the case's process (forked by kw_run). */
static int fz_case(enum fz_mode mode)
{
	static struct fz_thread th[FZ_MAX_THREADS];
	const char *e = getenv("KW_FUZZ_THREADS");
	int nthreads = e ? atoi(e) : 4, i, res = KW_PASS;
	uint64_t seed = fz_seed();
	double secs = fz_seconds(), end;
	struct sigaction sa = { .sa_handler = fz_sig };
	long before[KW_ARRAY_SIZE(modules)];
	pid_t churn = -1, worker;
	unsigned int c;

	if (mode == FZ_RELOAD && !kw_is_root())
		return kw_skip("loading modules needs root");
	if (access("/dev/kwish", F_OK))
		return kw_skip("no /dev/kwish (kwish_core not loaded)");
	if (nthreads < 1 || nthreads > FZ_MAX_THREADS)
		nthreads = 4;
	if (mode <= FZ_SINGLE)
		nthreads = 1;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return kw_fail("mmap: %s", strerror(errno));
	kw_diag("seed %#llx, %.0f s, %d thread(s): KW_FUZZ_SEED=%#llx reproduces fuzz_single",
		(unsigned long long)seed, secs, nthreads,
		(unsigned long long)seed);
	modules_refcnts(before);

	/* the workers in a child: what it leaves open goes when it exits */
	fflush(stdout);
	worker = fork();
	if (worker < 0)
		return kw_fail("fork: %s", strerror(errno));
	if (worker == 0) {
		/*
		 * No SA_RESTART: a call that waits (a lock without a time
		 * limit, the open of a FIFO) ends with EINTR, from the
		 * timer in every mode and from the pinger in the threaded
		 * ones.  Timers are not inherited by the churn child.
		 */
		struct itimerval it = { { 0, 25000 }, { 0, 25000 } };

		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGALRM, &sa, NULL);
		/* a FIFO "f" (CREATE_OPEN made one) read by nobody any more */
		signal(SIGPIPE, SIG_IGN);
		if (fz_scratch())
			_exit(kw_fail("scratch: %s", strerror(errno)));
		for (i = 0; i < nthreads; i++)
			if (fz_thread_init(&th[i], i, seed))
				_exit(kw_fail("thread setup: %s",
					      strerror(errno)));
		for (i = 0; i < nthreads; i++)
			if (th[i].kfd > protect_max)
				protect_max = th[i].kfd;
		if (fz_setup(&th[0]))
			_exit(kw_fail("setup: %s", strerror(errno)));
		/* size 0: EINVAL where the command is there, else EOPNOTSUPP */
		for (c = 0; c < KW_ARRAY_SIZE(cmds); c++) {
			__u32 z = 0;

			have_cmd[cmds[c].nr - KWISH_CMD_BASE] =
				ioctl(th[0].kfd, _IO(KWISH_TYPE, cmds[c].nr),
				      &z) < 0 && errno == EINVAL;
		}
		end = kw_now() + secs;
		setitimer(ITIMER_REAL, &it, NULL);
		if (mode == FZ_CONTRACT) {
			while (kw_now() < end)
				fz_contract_one(&th[0]);
		} else if (mode == FZ_SINGLE) {
			while (kw_now() < end)
				fz_step(&th[0]);
		} else {
			churn = fz_churn_start();
			for (i = 0; i < nthreads; i++)
				pthread_create(&th[i].tid, NULL, fz_worker,
					       &th[i]);
			if (mode == FZ_RELOAD) {
				fz_reloader(end);
			} else {
				while (kw_now() < end) {
					usleep(20000);
					i = rand() % nthreads;
					pthread_kill(th[i].tid, SIGUSR1);
				}
			}
			atomic_store(&sh->stop, 1);
			/* a worker blocked in a wait is ended by the signal */
			for (i = 0; i < nthreads; i++) {
				while (pthread_tryjoin_np(th[i].tid, NULL)) {
					pthread_kill(th[i].tid, SIGUSR1);
					usleep(10000);
				}
			}
			while (churn > 0 && waitpid(churn, NULL, 0) < 0 &&
			       errno == EINTR)
				;
		}
		memset(&it, 0, sizeof(it));
		setitimer(ITIMER_REAL, &it, NULL);
		for (i = 0; i < nthreads; i++)
			fz_thread_fini(&th[i]);
		fz_teardown();
		_exit(0);
	}
	if (!kw__wait_timeout(worker, secs + 30 * kw_time_scale(), &i)) {
		kill(worker, SIGKILL);
		waitpid(worker, NULL, 0);
		return kw_fail("the fuzzer did not finish: a call hangs (seed %#llx)",
			       (unsigned long long)seed);
	}
	if (!WIFEXITED(i) || WEXITSTATUS(i))
		res = kw_fail("the fuzzer's process ended with status %#x", i);
	if (mode == FZ_RELOAD) {
		/* everything loaded again, core first */
		for (c = 0; c < KW_ARRAY_SIZE(modules); c++)
			if (before[c] >= 0 && !kw_module_loaded(modules[c]) &&
			    kw_module_insert(modules[c]))
				res = kw_fail("insmod %s: %s", modules[c],
					      strerror(errno));
	}
	kw_diag("%lu calls, %lu succeeded, %lu bad",
		atomic_load(&sh->calls), atomic_load(&sh->ok),
		atomic_load(&sh->bad));
	fz_report_ops();
	if (atomic_load(&sh->bad))
		return kw_fail("%lu bad outcome(s), the first: %s (seed %#llx)",
			       atomic_load(&sh->bad), sh->first_bad,
			       (unsigned long long)seed);
	if (res != KW_PASS)
		return res;
	if (!atomic_load(&sh->calls))
		return kw_fail("no call was made");
	if (mode == FZ_RELOAD)
		return KW_PASS;	/* reloaded modules count anew */
	return modules_settled(before, 60);
}

static int fuzz_contract(void) { return fz_case(FZ_CONTRACT); }
static int fuzz_single(void) { return fz_case(FZ_SINGLE); }
static int fuzz_threads(void) { return fz_case(FZ_THREADS); }
static int fuzz_reload(void) { return fz_case(FZ_RELOAD); }

int main(void)
{
	/* each case: its seconds, plus up to 60 s to settle */
	int per = (int)(fz_seconds() / (getenv("KW_FUZZ_SECONDS") ? 1 :
		       kw_time_scale())) + 75;
	const struct kw_test tests[] = {
		KW_TEST_T(fuzz_contract, per),
		KW_TEST_T(fuzz_single, per),
		KW_TEST_T(fuzz_threads, per),
		KW_TEST_T(fuzz_reload, per),
	};
	char budget[32];

	log_calls = getenv("KW_FUZZ_LOG") != NULL;
	if (!getenv("KW_TIME_BUDGET")) {
		snprintf(budget, sizeof(budget), "%d",
			 (int)KW_ARRAY_SIZE(tests) * per);
		setenv("KW_TIME_BUDGET", budget, 1);
	}
	return KW_RUN(tests);
}
