// SPDX-License-Identifier: GPL-2.0
/*
 * kwishctl: show and use the kwish kernel wish-list features.
 *
 *   kwishctl status [--json]
 *   kwishctl open-regular [options] PATH
 *   kwishctl unlink-inode [--dir] PATH INODE_PATH|--fd N
 *   kwishctl flock [options] PATH [--] COMMAND [ARGS...]
 *   kwishctl flock [options] PATH -c COMMAND_STRING
 *   kwishctl flock [options] FD
 *   kwishctl link-replace [--fd N] [--mode MODE] [--no-sync] PATH
 *   kwishctl create [--mode MODE] [--owner UID:GID] TYPE [ARG] PATH
 *   kwishctl close-async [--wait] [--verbose] FD... [-- COMMAND [ARGS...]]
 *   kwishctl flock-watch [options] PATH|--fd N
 *   kwishctl upgrade-mask [--no-read] [--no-write] [options] PATH [--] COMMAND...
 *   kwishctl help | version
 *
 * Exit status: 0 ok, 1 the operation failed, 2 usage error, 3 /dev/kwish
 * missing (kwish_core not loaded), 4 feature not available (EOPNOTSUPP),
 * 5 unlink-inode: PATH refers to another inode (ESTALE), nothing removed,
 * 6 flock: the lock was not acquired in time (or -E N); with a COMMAND,
 * the command's exit status; flock-watch: still locked at the timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "libkwish.h"

#ifndef KWISH_VERSION
#define KWISH_VERSION "unknown"
#endif

enum {
	EXIT_OK		= 0,
	EXIT_FAILED	= 1,
	EXIT_USAGE	= 2,
	EXIT_NO_CORE	= 3,
	EXIT_NO_FEATURE	= 4,
	EXIT_STALE	= 5,
	EXIT_CONFLICT	= 6,
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *prog = "kwishctl";

/* The verb table and usage(): after the handlers, before main(). */
static void usage(FILE *f);
static int verb_help(const char *name);

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s help'.\n", prog);
	return EXIT_USAGE;
}

/* getopt_long() found an unknown option or a missing argument. */
static int bad_option(const char *verb, char **argv, int c)
{
	if (c == ':')
		return usage_error("%s: option '%s' needs an argument", verb,
				   argv[optind - 1]);
	return usage_error("%s: unknown option '%s'", verb, argv[optind - 1]);
}

/* Report a failure to reach /dev/kwish; returns the exit status. */
static int kwish_dev_error(int err)
{
	if (kwish_core_missing(err)) {
		fprintf(stderr,
			"%s: %s: %s: kwish_core is not loaded (modprobe kwish_core)\n",
			prog, KWISH_DEV_PATH, strerror(err));
		return EXIT_NO_CORE;
	}
	fprintf(stderr, "%s: %s: %s (%s)\n", prog, KWISH_DEV_PATH,
		strerror(err), kwish_errno_name(err));
	return EXIT_FAILED;
}

/* ---------------------------------------------------------------- */
/* status                                                            */

/* Copy a kernel string field, which need not be NUL-terminated. */
static void field(char *dst, const char *src, size_t len)
{
	size_t n = strnlen(src, len);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct kwish_feature feat[KWISH_ITEM_MAX];
	unsigned int nr = KWISH_ITEM_MAX, abi = 0, shown, i;
	unsigned int count[KWISH_STATE_UNAVAILABLE + 2] = { 0 };
	char name[KWISH_NAME_LEN + 1], module[KWISH_NAME_LEN + 1];
	char reason[KWISH_REASON_LEN + 1];
	bool json = false;
	int c, kfd;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("status", argv, c);
		}
	}
	if (optind != argc)
		return usage_error("status: unexpected argument '%s'",
				   argv[optind]);

	kfd = kwish_open();
	if (kfd < 0)
		return kwish_dev_error(errno);
	memset(feat, 0, sizeof(feat));
	if (kwish_status(kfd, feat, &nr, &abi) < 0) {
		int err = errno;

		fprintf(stderr, "%s: KWISH_STATUS: %s (%s)\n", prog,
			kwish_strerror(err), kwish_errno_name(err));
		close(kfd);
		return err == EOPNOTSUPP ? EXIT_NO_FEATURE : EXIT_FAILED;
	}
	close(kfd);
	shown = nr < KWISH_ITEM_MAX ? nr : KWISH_ITEM_MAX;

	if (json) {
		printf("{\"abi_version\":%u,\"nr_features\":%u,\"features\":[",
		       abi, nr);
		for (i = 0; i < shown; i++) {
			field(name, feat[i].name, KWISH_NAME_LEN);
			field(module, feat[i].module, KWISH_NAME_LEN);
			field(reason, feat[i].reason, KWISH_REASON_LEN);
			printf("%s\n {\"id\":%u,\"name\":", i ? "," : "",
			       feat[i].id);
			json_string(name);
			printf(",\"module\":");
			json_string(module);
			printf(",\"state\":\"%s\",\"state_id\":%u,\"reason\":",
			       kwish_state_name(feat[i].state), feat[i].state);
			json_string(reason);
			putchar('}');
		}
		printf("\n]}\n");
	} else {
		printf("%-3s %-22s %-13s %-15s %s\n",
		       "ID", "NAME", "MODULE", "STATE", "REASON");
		for (i = 0; i < shown; i++) {
			unsigned int s = feat[i].state;

			field(name, feat[i].name, KWISH_NAME_LEN);
			field(module, feat[i].module, KWISH_NAME_LEN);
			field(reason, feat[i].reason, KWISH_REASON_LEN);
			count[s <= KWISH_STATE_UNAVAILABLE ?
			      s : KWISH_STATE_UNAVAILABLE + 1]++;
			printf("%-3u %-22s %-13s %-15s %s\n", feat[i].id,
			       name[0] ? name : "-",
			       module[0] ? module : "-",
			       kwish_state_name(s), reason);
		}
		printf("\n%u items (kwish ABI %u): %u present, %u native, %u unavailable, %u not loaded, %u not implemented\n",
		       nr, abi, count[KWISH_STATE_PRESENT],
		       count[KWISH_STATE_NATIVE],
		       count[KWISH_STATE_UNAVAILABLE],
		       count[KWISH_STATE_NOT_LOADED],
		       count[KWISH_STATE_NOT_IMPLEMENTED]);
		if (nr > shown)
			printf("(kwish_core knows %u items, this kwishctl shows the first %u)\n",
			       nr, shown);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: writing output: %s\n", prog,
			strerror(errno));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* ---------------------------------------------------------------- */
/* open-regular                                                      */

static const struct {
	const char *name;
	unsigned long long flag;
} resolve_names[] = {
	{ "beneath",		RESOLVE_BENEATH },
	{ "in-root",		RESOLVE_IN_ROOT },
	{ "no-symlinks",	RESOLVE_NO_SYMLINKS },
	{ "no-magiclinks",	RESOLVE_NO_MAGICLINKS },
	{ "no-xdev",		RESOLVE_NO_XDEV },
	{ "cached",		0x20 },	/* RESOLVE_CACHED, Linux 5.12 */
};

static int parse_resolve(const char *arg, unsigned long long *resolve)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	size_t i;
	int ret = 0;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < ARRAY_SIZE(resolve_names); i++) {
			if (!strcmp(tok, resolve_names[i].name))
				break;
		}
		if (i == ARRAY_SIZE(resolve_names)) {
			ret = -1;
			break;
		}
		*resolve |= resolve_names[i].flag;
	}
	free(copy);
	return ret;
}

/* @s as a decimal number from 0 to @max (an fd, an exit code), into @n. */
static bool parse_decimal(const char *s, long max, long *n)
{
	char *end;

	errno = 0;
	*n = strtol(s, &end, 10);
	return !errno && *s && !*end && *n >= 0 && *n <= max;
}

/* An octal permission MODE (0 to 07777), as chmod(1) takes it. */
static bool parse_mode(const char *s, mode_t *mode)
{
	unsigned long m;
	char *end;

	errno = 0;
	m = strtoul(s, &end, 8);
	if (errno || !*s || *end || m > 07777)
		return false;
	*mode = (mode_t)m;
	return true;
}

/* What an O_REGULAR open error means for kwishctl's user. */
static const char *open_regular_error(int err)
{
	switch (err) {
	case EFTYPE:
		return "not a regular file";
	case ELOOP:
		return "symbolic link refused (--nofollow, --resolve no-symlinks) or too many levels of links";
	case EXDEV:
		return "path leaves the starting directory or crosses a mount (--resolve)";
	case ENOTDIR:
		return "a component of the path is not a directory";
	case EACCES:
		return "permission denied";
	case EEXIST:
		return "file exists (--create --excl)";
	case EINVAL:
		return "invalid open flags, mode or resolve flags";
	case EBADF:
		return "bad directory file descriptor";
	case EAGAIN:
		return "cannot be resolved from the cache alone (--resolve cached)";
	case ENOTTY:
		return "kwish_core does not know KWISH_OPEN_REGULAR (older than this kwishctl)";
	case EOPNOTSUPP:
		return "O_REGULAR not available: kwish_fs not loaded or unavailable (modprobe kwish_fs; kwishctl status)";
	case E2BIG:
		return "kwish_core rejects the argument struct (older than this kwishctl)";
	case EFAULT:
		return "bad address passed to the kernel (a kwishctl bug)";
	default:
		return strerror(err);
	}
}

static int copy_out(int fd, const char *path)
{
	char buf[65536];
	ssize_t n, w, off;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: %s: read: %s\n", prog, path,
				strerror(errno));
			return EXIT_FAILED;
		}
		if (n == 0)
			return EXIT_OK;
		for (off = 0; off < n; off += w) {
			w = write(STDOUT_FILENO, buf + off, n - off);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0) {
				fprintf(stderr, "%s: write: %s\n", prog,
					strerror(errno));
				return EXIT_FAILED;
			}
		}
	}
}

static int cmd_open_regular(int argc, char **argv)
{
	enum { OPT_NOFOLLOW = 256, OPT_CREATE, OPT_EXCL, OPT_TRUNC, OPT_DIR,
	       OPT_RESOLVE, OPT_CAT };
	static const struct option opts[] = {
		{ "nofollow", no_argument, NULL, OPT_NOFOLLOW },
		{ "create", required_argument, NULL, OPT_CREATE },
		{ "excl", no_argument, NULL, OPT_EXCL },
		{ "trunc", no_argument, NULL, OPT_TRUNC },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "resolve", required_argument, NULL, OPT_RESOLVE },
		{ "cat", no_argument, NULL, OPT_CAT },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	unsigned long long flags = O_RDONLY | O_CLOEXEC, mode = 0, resolve = 0;
	const char *dir = NULL, *path;
	bool cat = false;
	int c, dirfd = AT_FDCWD, fd, err, ret;
	mode_t cmode;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_NOFOLLOW:
			flags |= O_NOFOLLOW;
			break;
		case OPT_CREATE:
			if (!parse_mode(optarg, &cmode))
				return usage_error("open-regular: bad --create mode '%s' (octal, e.g. 0644)",
						   optarg);
			mode = cmode;
			flags |= O_CREAT;
			break;
		case OPT_EXCL:
			flags |= O_EXCL;
			break;
		case OPT_TRUNC:
			flags |= O_TRUNC;
			break;
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_RESOLVE:
			if (parse_resolve(optarg, &resolve) < 0)
				return usage_error("open-regular: bad --resolve list '%s'",
						   optarg);
			break;
		case OPT_CAT:
			cat = true;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("open-regular", argv, c);
		}
	}
	if (argc - optind != 1)
		return usage_error("open-regular: need exactly one PATH");
	path = argv[optind];
	if ((flags & O_EXCL) && !(flags & O_CREAT))
		return usage_error("open-regular: --excl needs --create");

	if (dir) {
		dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, dir,
				strerror(errno));
			return EXIT_FAILED;
		}
	}

	fd = kwish_open_regular(dirfd, path, flags, mode, resolve);
	err = errno;
	if (dirfd >= 0)
		close(dirfd);
	if (fd < 0) {
		if (kwish_last_iface() == KWISH_IFACE_NONE &&
		    kwish_core_missing(err)) {
			fprintf(stderr,
				"%s: O_REGULAR: the kernel lacks it and %s is missing: kwish_core is not loaded (modprobe kwish_core kwish_fs)\n",
				prog, KWISH_DEV_PATH);
			return EXIT_NO_CORE;
		}
		if (kwish_last_iface() == KWISH_IFACE_NONE)
			return kwish_dev_error(err);
		fprintf(stderr, "%s: %s: %s (%s, via %s)\n", prog, path,
			open_regular_error(err), kwish_errno_name(err),
			kwish_iface_name(kwish_last_iface()));
		if (err == EOPNOTSUPP)
			return EXIT_NO_FEATURE;
		return EXIT_FAILED;
	}

	fprintf(cat ? stderr : stdout,
		"%s: regular file, opened (fd %d) via %s\n", path, fd,
		kwish_iface_name(kwish_last_iface()));
	ret = EXIT_OK;
	if (cat) {
		fflush(stdout);
		ret = copy_out(fd, path);
	}
	close(fd);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: writing output: %s\n", prog,
			strerror(errno));
		return EXIT_FAILED;
	}
	return ret;
}

/* ---------------------------------------------------------------- */
/* unlink-inode                                                      */

/* What a KWISH_UNLINK_INODE error means for kwishctl's user. */
static const char *unlink_inode_error(int err)
{
	switch (err) {
	case ESTALE:
		return "refers to another inode than the expected one (replaced since); nothing removed";
	case EXDEV:
		return "the expected inode is on another file system than the directory: it can never be this name";
	case ENOENT:
		return "no such file or directory";
	case ENOTDIR:
		return "not a directory (a directory component, or --dir on a non-directory)";
	case EISDIR:
		return "is a directory (use --dir)";
	case ENOTEMPTY:
	case EEXIST:
		return "directory not empty";
	case EACCES:
		return "permission denied (write and search permission on the directory needed)";
	case EPERM:
		return "operation not permitted (sticky directory, immutable or append-only file, or a security module)";
	case EROFS:
		return "read-only file system";
	case EBUSY:
		return "mount point or file system root";
	case EINVAL:
		return "PATH must end in a name, not '.' or '..'";
	case EBADF:
		return "bad file descriptor (--fd)";
	case ENAMETOOLONG:
		return "file name too long";
	case ENOTTY:
		return "kwish_core does not know KWISH_UNLINK_INODE (older than this kwishctl)";
	case EOPNOTSUPP:
		return "unlink-inode not available: kwish_fs not loaded or unavailable (modprobe kwish_fs; kwishctl status)";
	case E2BIG:
		return "kwish_core rejects the argument struct (older than this kwishctl)";
	case EFAULT:
		return "bad address passed to the kernel (a kwishctl bug)";
	default:
		return strerror(err);
	}
}

/*
 * Split @path into its directory and its last component, in place.
 * Trailing slashes are dropped ("dir/" names "dir"), as rmdir(1) does.
 * Returns the last component; *@dir is "." or "/" or the directory part.
 */
static char *split_path(char *path, const char **dir)
{
	size_t len = strlen(path);
	char *slash;

	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	slash = strrchr(path, '/');
	if (!slash) {
		*dir = ".";
		return path;
	}
	if (slash == path) {
		*dir = "/";
		return path + 1;
	}
	*slash = '\0';
	*dir = path;
	return slash + 1;
}

static int cmd_unlink_inode(int argc, char **argv)
{
	enum { OPT_DIR = 256, OPT_FD };
	static const struct option opts[] = {
		{ "dir", no_argument, NULL, OPT_DIR },
		{ "fd", required_argument, NULL, OPT_FD },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *dir, *inode_path = NULL;
	char *path, *name;
	unsigned int flags = 0;
	int c, dirfd, inode_fd = -1, err, ret;
	long n;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DIR:
			flags |= KWISH_UNLINK_REMOVEDIR;
			break;
		case OPT_FD:
			if (!parse_decimal(optarg, INT_MAX, &n))
				return usage_error("unlink-inode: bad --fd '%s' (a file descriptor number)",
						   optarg);
			inode_fd = n;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("unlink-inode", argv, c);
		}
	}
	if (inode_fd >= 0 && argc - optind != 1)
		return usage_error("unlink-inode: with --fd, give exactly one PATH");
	if (inode_fd < 0 && argc - optind != 2)
		return usage_error("unlink-inode: need PATH and INODE_PATH (or --fd N)");
	if (!*argv[optind])
		return usage_error("unlink-inode: empty PATH");
	if (inode_fd < 0)
		inode_path = argv[optind + 1];

	path = strdup(argv[optind]);
	if (!path) {
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		return EXIT_FAILED;
	}
	name = split_path(path, &dir);
	if (!*name) {
		free(path);
		return usage_error("unlink-inode: cannot remove '/'");
	}

	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		free(path);
		return EXIT_FAILED;
	}
	if (inode_path) {
		/* The entry itself: a symlink is compared, not its target. */
		inode_fd = open(inode_path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (inode_fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, inode_path,
				strerror(errno));
			close(dirfd);
			free(path);
			return EXIT_FAILED;
		}
	}

	ret = kwish_unlink_inode(dirfd, name, inode_fd, flags);
	err = errno;
	close(dirfd);
	if (inode_path)
		close(inode_fd);
	free(path);
	if (ret == 0) {
		printf("%s: removed\n", argv[optind]);
		if (fflush(stdout) != 0) {
			fprintf(stderr, "%s: writing output: %s\n", prog,
				strerror(errno));
			return EXIT_FAILED;
		}
		return EXIT_OK;
	}
	if (kwish_last_iface() == KWISH_IFACE_NONE)
		return kwish_dev_error(err);
	fprintf(stderr, "%s: %s: %s (%s)\n", prog, argv[optind],
		unlink_inode_error(err), kwish_errno_name(err));
	if (err == EOPNOTSUPP)
		return EXIT_NO_FEATURE;
	if (err == ESTALE)
		return EXIT_STALE;
	return EXIT_FAILED;
}

/* ---------------------------------------------------------------- */
/* flock                                                             */

/*
 * A DURATION: a non-negative decimal number of seconds (fractions
 * allowed), or a number followed by ns, us, ms, s, min or h, or
 * "infinity".  Returns 0 and *@ns (UINT64_MAX for infinity), or -1.
 */
static int parse_duration(const char *str, uint64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000 }, { "", 1000000000 },
		{ "min", 60ULL * 1000000000 }, { "h", 3600ULL * 1000000000 },
	};
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = str;
	unsigned int i;

	if (!strcmp(str, "infinity")) {
		*ns = UINT64_MAX;
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -1;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale < 1000000000) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
		}
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(p, units[i].unit))
			continue;
		if (whole > UINT64_MAX / units[i].ns / 2)
			return -1;
		*ns = whole * units[i].ns + frac * units[i].ns / scale;
		return 0;
	}
	return -1;
}

/* What a failed lock request means for kwishctl's user. */
static const char *flock_error(int err)
{
	switch (err) {
	case ETIMEDOUT:
		return "lock not acquired within the timeout";
	case EWOULDBLOCK:
		return "lock is held by someone else";
	case EINTR:
		return "interrupted by a signal";
	case EBADF:
		return "bad file descriptor (not open, O_PATH, or opened neither for reading nor writing)";
	case EOPNOTSUPP:
		return "flock timeout not available: kwish_fs not loaded or unavailable, or a file system with its own locking (NFS, FUSE, ...) where only flock(1) without a timeout works";
	case ENOTTY:
		return "kwish_core does not know KWISH_FLOCK_TIMEOUT (older than this kwishctl)";
	default:
		return strerror(err);
	}
}

/* Open PATH for locking as flock(1) does: created if missing. */
static int flock_open(const char *path, bool cloexec)
{
	int flags = O_RDONLY | O_NOCTTY | (cloexec ? O_CLOEXEC : 0);
	int fd;

	fd = open(path, flags | O_CREAT, 0666);
	/* a directory, or a file that exists on a read-only file system */
	if (fd < 0 && (errno == EISDIR || errno == EROFS || errno == EACCES))
		fd = open(path, flags);
	return fd;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Run @argv (argv[0] looked up in PATH) and return its exit status. */
static int run_command(char **argv, const char *what)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
		return EXIT_FAILED;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "%s: waitpid: %s\n", prog,
				strerror(errno));
			return EXIT_FAILED;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_FAILED;
}

static int cmd_flock(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "shared", no_argument, NULL, 's' },
		{ "exclusive", no_argument, NULL, 'x' },
		{ "nonblock", no_argument, NULL, 'n' },
		{ "nb", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'w' },
		{ "wait", required_argument, NULL, 'w' },
		{ "conflict-exit-code", required_argument, NULL, 'E' },
		{ "close", no_argument, NULL, 'o' },
		{ "command", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	char *sh_argv[] = { "/bin/sh", "-c", NULL, NULL };
	int c, fd, ret, err, operation = LOCK_EX, conflict = EXIT_CONFLICT;
	bool close_fd = false, verbose = false, own_fd;
	const char *target, *command = NULL;
	uint64_t timeout = UINT64_MAX;
	struct timespec t0;
	char **cmd_argv;
	long n;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:sxnw:E:oc:vh", opts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			operation = LOCK_SH;
			break;
		case 'x':
			operation = LOCK_EX;
			break;
		case 'n':
			timeout = 0;
			break;
		case 'w':
			if (parse_duration(optarg, &timeout))
				return usage_error("flock: bad DURATION '%s' (e.g. 10, 1.5, 250ms, 2min, infinity)",
						   optarg);
			break;
		case 'E':
			if (!parse_decimal(optarg, 255, &n))
				return usage_error("flock: bad exit code '%s' (0 to 255)",
						   optarg);
			conflict = n;
			break;
		case 'o':
			close_fd = true;
			break;
		case 'c':
			command = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("flock", argv, c);
		}
	}
	if (optind >= argc)
		return usage_error("flock: need PATH and a COMMAND, or FD");
	target = argv[optind++];
	/* flock(1)'s "flock [options] PATH -c COMMAND" */
	if (!command && optind < argc && (!strcmp(argv[optind], "-c") ||
					  !strcmp(argv[optind], "--command"))) {
		if (optind + 1 >= argc)
			return usage_error("flock: option '%s' needs an argument",
					   argv[optind]);
		command = argv[optind + 1];
		optind += 2;
	} else if (optind < argc && !strcmp(argv[optind], "--")) {
		optind++;
	}
	if (command && optind < argc)
		return usage_error("flock: give either -c STRING or COMMAND, not both");
	cmd_argv = command ? sh_argv : argv + optind;
	sh_argv[2] = (char *)command;
	own_fd = command || optind < argc;

	if (own_fd) {
		fd = flock_open(target, close_fd);
		if (fd < 0) {
			fprintf(stderr, "%s: cannot open lock file %s: %s\n",
				prog, target, strerror(errno));
			return EXIT_FAILED;
		}
	} else {
		/* flock(1)'s "flock [options] number": an inherited fd */
		if (!parse_decimal(target, INT_MAX, &n))
			return usage_error("flock: '%s' is not a file descriptor number; a PATH needs a COMMAND",
					   target);
		fd = n;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = kwish_flock_timeout(fd, operation, timeout);
	err = errno;
	if (ret) {
		if (own_fd)
			close(fd);
		if (err == ETIMEDOUT || err == EWOULDBLOCK) {
			if (verbose || err == ETIMEDOUT)
				fprintf(stderr, "%s: %s: %s (%s)\n", prog,
					target, flock_error(err),
					kwish_errno_name(err));
			return conflict;
		}
		if (kwish_last_iface() == KWISH_IFACE_NONE &&
		    err != EINVAL)
			return kwish_dev_error(err);
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, target,
			flock_error(err), kwish_errno_name(err));
		return err == EOPNOTSUPP ? EXIT_NO_FEATURE : EXIT_FAILED;
	}
	if (verbose)
		fprintf(stderr, "%s: got the lock on %s in %.6f s\n", prog,
			target, elapsed(&t0));
	if (!own_fd)
		return EXIT_OK;
	ret = run_command(cmd_argv, command ? "/bin/sh" : cmd_argv[0]);
	close(fd);
	return ret;
}

/* ---------------------------------------------------------------- */
/* link-replace                                                      */

/* What a KWISH_LINK_REPLACE error means for kwishctl's user. */
static const char *link_replace_error(int err)
{
	switch (err) {
	case EXDEV:
		return "the file is on another mount than the directory";
	case ENOENT:
		return "no such directory, or the file has no link left and is not a linkable O_TMPFILE file (or was opened by another user)";
	case EPERM:
		return "operation not permitted (fs.protected_hardlinks, a directory, an immutable file, a sticky directory or a security module)";
	case EACCES:
		return "permission denied (write and search permission on the directory needed)";
	case EISDIR:
		return "is a directory: a file cannot replace it";
	case EBUSY:
		return "is a mount point";
	case EROFS:
		return "read-only file system";
	case EOPNOTSUPP:
		return "link-replace not available: kwish_fs not loaded or unavailable (modprobe kwish_fs; kwishctl status)";
	case ENOTTY:
		return "kwish_core does not know KWISH_LINK_REPLACE (older than this kwishctl)";
	case EINVAL:
		return "PATH must end in a name, not '.' or '..'";
	default:
		return strerror(err);
	}
}

/* Copy standard input into @fd; returns 0 or an errno. */
static int copy_stdin(int fd)
{
	char buf[65536];
	ssize_t n, w, off;

	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return 0;
		for (off = 0; off < n; off += w) {
			w = write(fd, buf + off, n - off);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0)
				return errno;
		}
	}
}

static int cmd_link_replace(int argc, char **argv)
{
	enum { OPT_FD = 256, OPT_MODE, OPT_NO_SYNC };
	static const struct option opts[] = {
		{ "fd", required_argument, NULL, OPT_FD },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c, dirfd, fd = -1, err, ret;
	bool sync = true, own_fd;
	mode_t mode = 0644;
	const char *dir;
	char *path, *name;
	long n;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_FD:
			if (!parse_decimal(optarg, INT_MAX, &n))
				return usage_error("link-replace: bad --fd '%s' (a file descriptor number)",
						   optarg);
			fd = n;
			break;
		case OPT_MODE:
			if (!parse_mode(optarg, &mode))
				return usage_error("link-replace: bad --mode '%s' (octal, e.g. 0644)",
						   optarg);
			break;
		case OPT_NO_SYNC:
			sync = false;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("link-replace", argv, c);
		}
	}
	if (argc - optind != 1)
		return usage_error("link-replace: need exactly one PATH");
	if (!*argv[optind])
		return usage_error("link-replace: empty PATH");
	own_fd = fd < 0;

	path = strdup(argv[optind]);
	if (!path) {
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		return EXIT_FAILED;
	}
	name = split_path(path, &dir);
	/* readable, to fsync() it; O_PATH if it may only be searched */
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && errno == EACCES)
		dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		free(path);
		return EXIT_FAILED;
	}
	if (own_fd) {
		/* The new contents in an unnamed file in the same directory. */
		fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
		err = fd < 0 ? errno : copy_stdin(fd);
		if (!err && fchmod(fd, mode) < 0)	/* not the umask's */
			err = errno;
		if (!err && sync && fsync(fd) < 0)
			err = errno;
		if (err) {
			fprintf(stderr, "%s: %s: writing the new file: %s\n",
				prog, argv[optind], strerror(err));
			if (fd >= 0)
				close(fd);
			close(dirfd);
			free(path);
			return EXIT_FAILED;
		}
	}
	ret = kwish_link_replace(fd, dirfd, name, 0);
	err = errno;
	if (!ret && sync && fsync(dirfd) < 0 && errno != EBADF)
		ret = -1, err = errno;
	if (own_fd)
		close(fd);
	close(dirfd);
	free(path);
	if (ret == 0)
		return EXIT_OK;
	if (kwish_last_iface() == KWISH_IFACE_NONE)
		return kwish_dev_error(err);
	fprintf(stderr, "%s: %s: %s (%s)\n", prog, argv[optind],
		link_replace_error(err), kwish_errno_name(err));
	return err == EOPNOTSUPP ? EXIT_NO_FEATURE : EXIT_FAILED;
}

/* ---------------------------------------------------------------- */
/* create                                                            */

static const struct {
	const char *name;
	mode_t type;
	mode_t mode;		/* default permission bits */
} create_types[] = {
	{ "dir",	S_IFDIR,	0777 },
	{ "fifo",	S_IFIFO,	0666 },
	{ "socket",	S_IFSOCK,	0666 },
	{ "char",	S_IFCHR,	0666 },
	{ "block",	S_IFBLK,	0666 },
	{ "symlink",	S_IFLNK,	0 },
};

static const char *type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:	return "directory";
	case S_IFIFO:	return "fifo";
	case S_IFSOCK:	return "socket";
	case S_IFCHR:	return "character device";
	case S_IFBLK:	return "block device";
	case S_IFLNK:	return "symbolic link";
	case S_IFREG:	return "regular file";
	default:	return "unknown";
	}
}

/* What a KWISH_CREATE_OPEN error means for kwishctl's user. */
static const char *create_error(int err)
{
	switch (err) {
	case EEXIST:
		return "file exists";
	case EPERM:
		return "operation not permitted (CAP_MKNOD for device nodes, or the file system or a security module refuses)";
	case EACCES:
		return "permission denied (write and search permission on the directory needed)";
	case EOPNOTSUPP:
		return "create not available: kwish_fs not loaded or unavailable (modprobe kwish_fs; kwishctl status)";
	case ENOTTY:
		return "kwish_core does not know KWISH_CREATE_OPEN (older than this kwishctl)";
	case EINVAL:
		return "invalid type, mode or device number";
	default:
		return strerror(err);
	}
}

/* "MAJOR:MINOR" */
static bool parse_devnum(const char *s, dev_t *dev)
{
	unsigned long maj, min;
	char *end;

	errno = 0;
	maj = strtoul(s, &end, 10);
	if (errno || end == s || *end != ':')
		return false;
	s = end + 1;
	min = strtoul(s, &end, 10);
	if (errno || end == s || *end || maj > 4095 || min > 0xfffff)
		return false;
	*dev = makedev(maj, min);
	return true;
}

/* "UID:GID", numeric */
static bool parse_owner(const char *s, uid_t *uid, gid_t *gid)
{
	long u, g;
	char *colon, buf[64];

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (!colon)
		return false;
	*colon = '\0';
	if (!parse_decimal(buf, INT_MAX, &u) ||
	    !parse_decimal(colon + 1, INT_MAX, &g))
		return false;
	*uid = u;
	*gid = g;
	return true;
}

static int cmd_create(int argc, char **argv)
{
	enum { OPT_MODE = 256, OPT_OWNER };
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *target = NULL, *path;
	bool mode_set = false, owner = false;
	uid_t uid = 0;
	gid_t gid = 0;
	mode_t type, mode = 0;
	dev_t dev = 0;
	struct stat st;
	unsigned int i;
	int c, fd, err, nargs;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_MODE:
			if (!parse_mode(optarg, &mode))
				return usage_error("create: bad --mode '%s' (octal, e.g. 0755)",
						   optarg);
			mode_set = true;
			break;
		case OPT_OWNER:
			if (!parse_owner(optarg, &uid, &gid))
				return usage_error("create: bad --owner '%s' (UID:GID, numeric)",
						   optarg);
			owner = true;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("create", argv, c);
		}
	}
	if (optind >= argc)
		return usage_error("create: need a TYPE (dir, fifo, socket, char, block, symlink)");
	for (i = 0; i < ARRAY_SIZE(create_types); i++)
		if (!strcmp(argv[optind], create_types[i].name))
			break;
	if (i == ARRAY_SIZE(create_types))
		return usage_error("create: unknown TYPE '%s' (dir, fifo, socket, char, block, symlink)",
				   argv[optind]);
	type = create_types[i].type;
	if (!mode_set)
		mode = create_types[i].mode;
	else if (type == S_IFLNK)
		return usage_error("create: a symlink has no --mode");
	nargs = (type == S_IFLNK || type == S_IFCHR || type == S_IFBLK) ? 2 : 1;
	if (argc - optind - 1 != nargs)
		return usage_error(nargs == 2 ?
				   "create: %s needs %s and PATH" :
				   "create: %s needs PATH", argv[optind],
				   type == S_IFLNK ? "TARGET" : "MAJOR:MINOR");
	if (type == S_IFLNK)
		target = argv[optind + 1];
	else if (nargs == 2 && !parse_devnum(argv[optind + 1], &dev))
		return usage_error("create: bad device number '%s' (MAJOR:MINOR)",
				   argv[optind + 1]);
	path = argv[argc - 1];

	fd = kwish_create_open(AT_FDCWD, path, type | mode, target, dev, 0);
	if (fd < 0) {
		err = errno;
		if (kwish_last_iface() == KWISH_IFACE_NONE)
			return kwish_dev_error(err);
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, path,
			create_error(err), kwish_errno_name(err));
		return err == EOPNOTSUPP ? EXIT_NO_FEATURE : EXIT_FAILED;
	}
	/* Through the fd: the inode that was created, whatever PATH is now. */
	if (owner && fchownat(fd, "", uid, gid,
			      AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		fprintf(stderr, "%s: %s: changing the owner: %s\n", prog, path,
			strerror(errno));
		close(fd);
		return EXIT_FAILED;
	}
	if (fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		close(fd);
		return EXIT_FAILED;
	}
	close(fd);
	printf("%s: %s, inode %llu, mode %04o, owner %u:%u\n", path,
	       type_name(st.st_mode), (unsigned long long)st.st_ino,
	       (unsigned int)(st.st_mode & 07777), (unsigned int)st.st_uid,
	       (unsigned int)st.st_gid);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: writing output: %s\n", prog,
			strerror(errno));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* ---------------------------------------------------------------- */
/* close-async                                                       */

/* What a KWISH_CLOSE_ASYNC error means for kwishctl's user. */
static const char *close_async_error(int err)
{
	switch (err) {
	case EBADF:
		return "not an open file descriptor";
	case EAGAIN:
		return "too many files of this user are being released (kwish_fs.close_async_max_per_user); the fd stays open";
	case EINVAL:
		return "too many fds for one call";
	case EMFILE:
	case ENFILE:
		return "no file descriptor left for the completion fd (--wait)";
	case ENOTTY:
		return "kwish_core does not know KWISH_CLOSE_ASYNC (older than this kwishctl)";
	case EOPNOTSUPP:
		return "close-async not available: kwish_fs not loaded or unavailable (modprobe kwish_fs; kwishctl status)";
	case E2BIG:
		return "kwish_core rejects the argument struct (older than this kwishctl)";
	default:
		return strerror(err);
	}
}

/* Wait for the completion fd @wfd; returns an exit status. */
static int close_async_wait(int wfd, bool verbose, const struct timespec *t0)
{
	struct kwish_close_async_result res;
	ssize_t n;

	do {
		n = read(wfd, &res, sizeof(res));
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(res)) {
		fprintf(stderr, "%s: close-async: reading the completion fd: %s\n",
			prog, n < 0 ? strerror(errno) : "short read");
		return EXIT_FAILED;
	}
	if (verbose)
		fprintf(stderr, "%s: %u file(s) released after %.3f s\n", prog,
			res.nr_files, elapsed(t0));
	if (res.error) {
		fprintf(stderr, "%s: close-async: a flush failed: %s (%s), as close() would have reported\n",
			prog, strerror(-res.error), kwish_errno_name(-res.error));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static int cmd_close_async(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int fds[KWISH_CLOSE_ASYNC_MAX_FDS];
	bool wait = false, verbose = false;
	char **command = NULL;
	unsigned int nr = 0;
	int c, i, ret, err, wfd = -1, status = EXIT_OK;
	struct timespec t0;
	long n;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:wvh", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			wait = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("close-async", argv, c);
		}
	}
	for (i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			command = argv + i + 1;
			if (!*command)
				return usage_error("close-async: no COMMAND after '--'");
			break;
		}
		if (!parse_decimal(argv[i], INT_MAX, &n))
			return usage_error("close-async: bad FD '%s' (a file descriptor number)",
					   argv[i]);
		if (nr == ARRAY_SIZE(fds))
			return usage_error("close-async: more than %d fds",
					   KWISH_CLOSE_ASYNC_MAX_FDS);
		fds[nr++] = n;
	}
	if (!nr)
		return usage_error("close-async: need at least one FD");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = kwish_close_async(fds, nr, wait ? &wfd : NULL);
	err = errno;
	if (ret < 0) {
		if (kwish_last_iface() == KWISH_IFACE_NONE)
			return kwish_dev_error(err);
		fprintf(stderr, "%s: close-async: fd %d: %s (%s)\n", prog,
			fds[0], close_async_error(err), kwish_errno_name(err));
		return err == EOPNOTSUPP ? EXIT_NO_FEATURE : EXIT_FAILED;
	}
	if (verbose)
		fprintf(stderr, "%s: %d fd(s) closed in %.6f s\n", prog, ret,
			elapsed(&t0));
	if ((unsigned int)ret < nr) {
		/* Ask again for the first fd that was not closed: its errno. */
		kwish_close_async(fds + ret, 1, NULL);
		err = errno;
		fprintf(stderr, "%s: close-async: fd %d: %s (%s); fds before it are closed, it and the ones after it are not\n",
			prog, fds[ret], close_async_error(err),
			kwish_errno_name(err));
		status = EXIT_FAILED;
	}
	if (wfd >= 0) {
		ret = close_async_wait(wfd, verbose, &t0);
		close(wfd);
		if (ret != EXIT_OK)
			status = ret;
	}
	if (!command || status != EXIT_OK)
		return status;
	fflush(NULL);
	execvp(command[0], command);
	fprintf(stderr, "%s: %s: %s\n", prog, command[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* ---------------------------------------------------------------- */
/* flock-watch                                                       */

static const char *flock_watch_error(int err)
{
	switch (err) {
	case EBADF:
		return "bad file descriptor (not open, O_PATH, or opened neither for reading nor writing)";
	case EOPNOTSUPP:
		return "flock release notification not available: kwish_fs not loaded or unavailable, or a file system with its own locking (NFS, FUSE, ...)";
	case ENOTTY:
		return "kwish_core does not know KWISH_FLOCK_WATCH (older than this kwishctl)";
	default:
		return strerror(err);
	}
}

/*
 * Open PATH to watch it: read-only (what flock(1) uses), without
 * blocking on FIFOs or taking a controlling tty; write-only if that is
 * all the caller may do.
 */
static int flock_watch_open(const char *path)
{
	int flags = O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
	int fd;

	fd = open(path, O_RDONLY | flags);
	if (fd < 0 && errno == EACCES)
		fd = open(path, O_WRONLY | flags);
	return fd;
}

/* The milliseconds left until @deadline_s (CLOCK_MONOTONIC), for poll(). */
static int ms_left(double deadline_s)
{
	struct timespec now;
	double left;

	if (deadline_s < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	left = deadline_s - (now.tv_sec + now.tv_nsec / 1e9);
	if (left <= 0)
		return 0;
	return left > INT_MAX / 1000 ? INT_MAX : (int)(left * 1000) + 1;
}

static int cmd_flock_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 'w' },
		{ "wait", required_argument, NULL, 'w' },
		{ "release", no_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "fd", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	uint64_t timeout = UINT64_MAX, total = 0;
	bool need_release = false, quiet = false;
	long n, count = 1, in_fd = -1;
	struct kwish_flock_event ev;
	const char *target;
	struct timespec t0;
	double deadline = -1;
	int c, fd, wfd, err;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:w:rn:f:qh", opts,
				NULL)) != -1) {
		switch (c) {
		case 'w':
			if (parse_duration(optarg, &timeout))
				return usage_error("flock-watch: bad DURATION '%s' (e.g. 10, 1.5, 250ms, 2min, infinity)",
						   optarg);
			break;
		case 'r':
			need_release = true;
			break;
		case 'n':
			if (!parse_decimal(optarg, INT_MAX, &count))
				return usage_error("flock-watch: bad count '%s'",
						   optarg);
			break;
		case 'f':
			if (!parse_decimal(optarg, INT_MAX, &in_fd))
				return usage_error("flock-watch: bad fd '%s'",
						   optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("flock-watch", argv, c);
		}
	}
	if (in_fd >= 0) {
		if (optind != argc)
			return usage_error("flock-watch: give PATH or --fd, not both");
		target = "fd";
		fd = in_fd;
	} else {
		if (optind + 1 != argc)
			return usage_error("flock-watch: need one PATH (or --fd N)");
		target = argv[optind];
		fd = flock_watch_open(target);
		if (fd < 0) {
			fprintf(stderr, "%s: cannot open %s: %s\n", prog,
				target, strerror(errno));
			return EXIT_FAILED;
		}
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (timeout < UINT64_MAX / 2)
		deadline = t0.tv_sec + t0.tv_nsec / 1e9 + timeout / 1e9;
	wfd = kwish_flock_watch(fd, KWISH_FLOCK_WATCH_NONBLOCK);
	err = errno;
	if (in_fd < 0)
		close(fd);	/* the watch does not need it */
	if (wfd < 0) {
		if (kwish_last_iface() == KWISH_IFACE_NONE)
			return kwish_dev_error(err);
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, target,
			flock_watch_error(err), kwish_errno_name(err));
		return err == EOPNOTSUPP ? EXIT_NO_FEATURE : EXIT_FAILED;
	}

	for (;;) {
		struct pollfd p = { .fd = wfd, .events = POLLIN };

		n = poll(&p, 1, ms_left(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: poll: %s\n", prog,
				strerror(errno));
			close(wfd);
			return EXIT_FAILED;
		}
		if (n == 0) {
			if (!quiet)
				fprintf(stderr, "%s: %s: still locked after the timeout\n",
					prog, target);
			close(wfd);
			return EXIT_CONFLICT;
		}
		if (kwish_flock_watch_read(wfd, &ev)) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "%s: read: %s\n", prog,
				strerror(errno));
			close(wfd);
			return EXIT_FAILED;
		}
		if (!ev.releases && !need_release) {
			if (!quiet)
				printf("%s: not locked\n", target);
			break;
		}
		if (!ev.releases)
			continue;
		total += ev.releases;
		if (!quiet) {
			printf("%s: released%s after %.6f s (%llu release%s)\n",
			       target,
			       ev.flags & KWISH_FLOCK_EVENT_LOCKED ?
			       ", locked again" : "", elapsed(&t0),
			       (unsigned long long)total, total == 1 ? "" : "s");
			fflush(stdout);
		}
		if (count && total >= (uint64_t)count)
			break;
	}
	close(wfd);
	return EXIT_OK;
}

/* ---------------------------------------------------------------- */
/* upgrade-mask (item 24)                                            */

static int cmd_upgrade_mask(int argc, char **argv)
{
	enum { OPT_NOREAD = 256, OPT_NOWRITE, OPT_FD, OPT_NOFOLLOW };
	static const struct option opts[] = {
		{ "no-read", no_argument, NULL, OPT_NOREAD },
		{ "no-write", no_argument, NULL, OPT_NOWRITE },
		{ "fd", required_argument, NULL, OPT_FD },
		{ "nofollow", no_argument, NULL, OPT_NOFOLLOW },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	unsigned int mask = 0;
	int c, fd, rfd, target = 3, oflags = O_PATH | O_CLOEXEC, err;
	const char *path;
	char num[16];
	char *end;
	long n;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_NOREAD:
			mask |= UPGRADE_NOREAD;
			break;
		case OPT_NOWRITE:
			mask |= UPGRADE_NOWRITE;
			break;
		case OPT_FD:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || n < 0 ||
			    n > INT_MAX)
				return usage_error("restrict: bad --fd '%s' (a file descriptor number)",
						   optarg);
			target = (int)n;
			break;
		case OPT_NOFOLLOW:
			oflags |= O_NOFOLLOW;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("upgrade-mask", argv, c);
		}
	}
	if (!mask)
		return usage_error("upgrade-mask: give --no-read and/or --no-write");
	if (optind >= argc)
		return usage_error("restrict: need PATH and COMMAND");
	path = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc)
		return usage_error("restrict: need a COMMAND to run");

	fd = open(path, oflags);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return EXIT_FAILED;
	}
	rfd = kwish_upgrade_mask(fd, mask, 0);
	err = errno;
	close(fd);
	if (rfd < 0) {
		if (kwish_last_iface() == KWISH_IFACE_NONE)
			return kwish_dev_error(err);
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, path,
			err == EPERM ?
			"restricting a directory needs CAP_SYS_ADMIN over its mount" :
			err == EINVAL ?
			"not restrictable (not in this mount namespace, or an unbindable mount)" :
			kwish_strerror(err), kwish_errno_name(err));
		return err == EOPNOTSUPP ? EXIT_NO_FEATURE : EXIT_FAILED;
	}
	/* dup2() clears FD_CLOEXEC on the copy: COMMAND inherits it. */
	if (rfd != target) {
		if (dup2(rfd, target) < 0) {
			fprintf(stderr, "%s: dup2 to fd %d: %s\n", prog, target,
				strerror(errno));
			return EXIT_FAILED;
		}
		close(rfd);
	} else if (fcntl(rfd, F_SETFD, 0) < 0) {
		fprintf(stderr, "%s: fcntl: %s\n", prog, strerror(errno));
		return EXIT_FAILED;
	}
	snprintf(num, sizeof(num), "%d", target);
	setenv("KWISH_RESTRICTED_FD", num, 1);
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "%s: %s: %s\n", prog, argv[optind], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* ---------------------------------------------------------------- */

/* ---------------------------------------------------------------- */
/* mounts (item 25)                                                  */

static const char *propagation_name(uint64_t p)
{
	static char buf[64];

	buf[0] = '\0';
	if (p & (1 << 20))
		strcat(buf, "shared,");
	if (p & (1 << 19))
		strcat(buf, "slave,");
	if (p & (1 << 17))
		strcat(buf, "unbindable,");
	if (p & (1 << 18))
		strcat(buf, "private,");
	if (buf[0])
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

static int cmd_mounts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "below", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const uint64_t mask = KWISH_STATMOUNT_MNT_BASIC |
			      KWISH_STATMOUNT_FS_TYPE |
			      KWISH_STATMOUNT_MNT_POINT;
	uint64_t below = KWISH_LSMT_ROOT, last = 0, ids[512];
	union {
		struct kwish_statmount sm;
		char buf[sizeof(struct kwish_statmount) + 2 * 4096 + 256];
	} u;
	bool json = false, first = true;
	ssize_t n, i;
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			errno = 0;
			below = strtoull(optarg, &end, 0);
			if (errno || *end || !*optarg)
				return usage_error("mounts: bad --below id '%s'",
						   optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("mounts", argv, c);
		}
	}
	if (optind < argc)
		return usage_error("mounts: unexpected argument '%s'",
				   argv[optind]);

	if (json)
		printf("[");
	else
		printf("%-20s %-20s %6s %-18s %-12s %s\n", "ID", "PARENT", "OLD",
		       "PROPAGATION", "TYPE", "MOUNTPOINT");
	do {
		n = kwish_listmount(below, last, ids, ARRAY_SIZE(ids), 0);
		if (n < 0) {
			int err = errno;

			if (json)
				printf("]\n");
			fprintf(stderr, "%s: listmount: %s (%s)\n", prog,
				strerror(err), kwish_errno_name(err));
			return err == ENOSYS ? EXIT_NO_FEATURE : EXIT_FAILED;
		}
		for (i = 0; i < n; i++) {
			if (kwish_statmount(ids[i], mask, &u.sm, sizeof(u), 0) < 0)
				continue;	/* unmounted meanwhile */
			if (json) {
				printf("%s\n {\"id\": %llu, \"parent\": %llu, \"mountinfo_id\": %u, \"propagation\": ",
				       first ? "" : ",",
				       (unsigned long long)u.sm.mnt_id,
				       (unsigned long long)u.sm.mnt_parent_id,
				       u.sm.mnt_id_old);
				json_string(propagation_name(u.sm.mnt_propagation));
				printf(", \"peer_group\": %llu, \"master\": %llu, \"type\": ",
				       (unsigned long long)u.sm.mnt_peer_group,
				       (unsigned long long)u.sm.mnt_master);
				json_string(u.sm.str + u.sm.fs_type);
				printf(", \"mountpoint\": ");
				json_string(u.sm.str + u.sm.mnt_point);
				printf("}");
			} else {
				printf("%-20llu %-20llu %6u %-18s %-12s %s\n",
				       (unsigned long long)u.sm.mnt_id,
				       (unsigned long long)u.sm.mnt_parent_id,
				       u.sm.mnt_id_old,
				       propagation_name(u.sm.mnt_propagation),
				       u.sm.str + u.sm.fs_type,
				       u.sm.str + u.sm.mnt_point);
			}
			first = false;
		}
		if (n)
			last = ids[n - 1];
	} while (n == (ssize_t)ARRAY_SIZE(ids));
	if (json)
		printf("%s]\n", first ? "" : "\n");
	return EXIT_OK;
}

/* ---------------------------------------------------------------- */
/* mount-owner (item 11)                                             */

static const char *umount_why(uint32_t f)
{
	if (f & KWISH_UMOUNT_CAN)
		return "yes";
	if (f & KWISH_UMOUNT_DETACHED)
		return "no: not attached to a mount namespace";
	if (!(f & KWISH_UMOUNT_CALLER_NS))
		return "no: in another mount namespace";
	if (!(f & KWISH_UMOUNT_NS_ADMIN))
		return "no: no CAP_SYS_ADMIN over the namespace's owner";
	if (f & KWISH_UMOUNT_LOCKED)
		return "no: locked (inherited by a less privileged namespace)";
	if (f & KWISH_UMOUNT_NS_ROOT)
		return "no: the namespace's root mount";
	return "no";
}

static int cmd_mount_owner(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool json = false, check = false, cannot = false;
	struct kwish_mount_owner o;
	int c, i, fd, ret = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			check = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("mount-owner", argv, c);
		}
	}
	if (optind >= argc)
		return usage_error("mount-owner: need at least one PATH");
	if (json)
		printf("[");
	for (i = optind; i < argc; i++) {
		fd = open(argv[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, argv[i],
				strerror(errno));
			ret = EXIT_FAILED;
			continue;
		}
		if (kwish_mount_owner(fd, 0, &o) < 0) {
			int err = errno;

			close(fd);
			if (json)
				printf("]\n");
			if (err == EOPNOTSUPP) {
				fprintf(stderr, "%s: mount-owner: item 11 not available (kwishctl status)\n",
					prog);
				return EXIT_NO_FEATURE;
			}
			return kwish_dev_error(err);
		}
		close(fd);
		if (!(o.umount_flags & KWISH_UMOUNT_CAN))
			cannot = true;
		if (json) {
			printf("%s\n {\"path\": ", i == optind ? "" : ",");
			json_string(argv[i]);
			printf(", \"id\": %llu, \"mnt_ns_id\": %llu, \"owner_userns\": %llu, \"owner_uid\": %u, \"can_umount\": %s, \"flags\": %u, \"why\": ",
			       (unsigned long long)o.mnt_id,
			       (unsigned long long)o.mnt_ns_id,
			       (unsigned long long)o.userns_ino, o.owner_uid,
			       o.umount_flags & KWISH_UMOUNT_CAN ? "true" : "false",
			       o.umount_flags);
			json_string(umount_why(o.umount_flags));
			printf("}");
		} else {
			printf("%s: mount %llu, namespace %llu, owner user ns %llu (uid %u), can unmount: %s\n",
			       argv[i], (unsigned long long)o.mnt_id,
			       (unsigned long long)o.mnt_ns_id,
			       (unsigned long long)o.userns_ino, o.owner_uid,
			       umount_why(o.umount_flags));
		}
	}
	if (json)
		printf("\n]\n");
	if (ret == EXIT_OK && check && cannot)
		ret = 7;
	return ret;
}

/* ------------------------------------------------------------------ */
/* mount-watch (item 17)                                              */

static const char *mount_event_name(uint64_t mask)
{
	if (mask & FAN_Q_OVERFLOW)
		return "overflow";
	if ((mask & (FAN_MNT_ATTACH | FAN_MNT_DETACH)) ==
	    (FAN_MNT_ATTACH | FAN_MNT_DETACH))
		return "move";
	return mask & FAN_MNT_ATTACH ? "attach" : "detach";
}

static void mount_event_print(const struct fanotify_event_metadata *md,
			      bool json)
{
	const struct fanotify_event_info_mnt *info = (const void *)
		((const char *)md + md->metadata_len);
	union {
		struct kwish_statmount sm;
		char buf[sizeof(struct kwish_statmount) + 4096 + 256];
	} u;
	const char *point = NULL;
	uint64_t id = 0;

	if (md->event_len >= md->metadata_len + sizeof(*info) &&
	    info->hdr.info_type == FAN_EVENT_INFO_TYPE_MNT)
		id = info->mnt_id;
	/* a detached mount has no mount point any more */
	if (id && (md->mask & FAN_MNT_ATTACH) &&
	    kwish_statmount(id, KWISH_STATMOUNT_MNT_POINT, &u.sm,
			    sizeof(u), 0) == 0 &&
	    (u.sm.mask & KWISH_STATMOUNT_MNT_POINT))
		point = u.sm.str + u.sm.mnt_point;
	if (json) {
		printf("{\"event\": \"%s\", \"id\": %llu, \"pid\": %d, \"mount_point\": ",
		       mount_event_name(md->mask), (unsigned long long)id,
		       md->pid);
		if (point)
			json_string(point);
		else
			printf("null");
		printf("}\n");
	} else if (md->mask & FAN_Q_OVERFLOW) {
		printf("overflow\n");
	} else {
		printf("%s %llu %s\n", mount_event_name(md->mask),
		       (unsigned long long)id, point ? point : "-");
	}
}

static int cmd_mount_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ns", required_argument, NULL, 'N' },
		{ "count", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *ns_path = "/proc/self/ns/mnt";
	char buf[4096] __attribute__((aligned(8)));
	long count = 0, seen = 0;
	int c, nsfd, wfd;
	bool json = false;
	ssize_t len, off;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'N':
			ns_path = optarg;
			break;
		case 'n':
			if (!parse_decimal(optarg, INT_MAX, &count))
				return usage_error("mount-watch: bad count '%s'",
						   optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return verb_help(argv[0]);
		default:
			return bad_option("mount-watch", argv, c);
		}
	}
	if (optind < argc)
		return usage_error("mount-watch: unexpected argument '%s'",
				   argv[optind]);
	nsfd = open(ns_path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, ns_path, strerror(errno));
		return EXIT_FAILED;
	}
	wfd = kwish_mount_watch(nsfd, FAN_MNT_ATTACH | FAN_MNT_DETACH, 0, 0);
	close(nsfd);
	if (wfd < 0) {
		if (errno == EOPNOTSUPP) {
			fprintf(stderr, "%s: mount-watch: item 17 not available (kwishctl status)\n",
				prog);
			return EXIT_NO_FEATURE;
		}
		if (errno == EINVAL) {
			fprintf(stderr, "%s: %s: not a mount namespace\n",
				prog, ns_path);
			return EXIT_FAILED;
		}
		return kwish_dev_error(errno);
	}
	/* armed: tell a script waiting for it (stdout may be a pipe) */
	fflush(stdout);
	while (!count || seen < count) {
		len = read(wfd, buf, sizeof(buf));
		if (len < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: mount-watch: read: %s\n", prog,
				strerror(errno));
			close(wfd);
			return EXIT_FAILED;
		}
		for (off = 0; off < len && (!count || seen < count);) {
			const struct fanotify_event_metadata *md =
				(const void *)(buf + off);

			mount_event_print(md, json);
			off += md->event_len;
			seen++;
		}
		fflush(stdout);
	}
	close(wfd);
	return EXIT_OK;
}

/*
 * One row per verb: its handler, an older name it still answers to, and
 * its part of "kwishctl help".
 */
struct kw_verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *alias;
	const char *usage;
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct kw_verb verbs[] = {
	{
		.name = "status", .run = cmd_status, .alias = NULL,
		.usage =
		"  status [--json]          list all wish-list items: id, name, module,\n"
		"                           state, reason\n",
	},
	{
		.name = "open-regular", .run = cmd_open_regular, .alias = NULL,
		.usage =
		"  open-regular [OPTIONS] PATH\n"
		"                           open PATH only if it is a regular file (item 8,\n"
		"                           O_REGULAR); never blocks on FIFOs or devices\n"
		"      --nofollow           fail with ELOOP if PATH is a symlink\n"
		"      --create MODE        create PATH if missing, with octal MODE\n"
		"      --excl               with --create: fail if PATH exists\n"
		"      --trunc              truncate the file to size 0\n"
		"      --dir DIR            resolve a relative PATH from DIR\n"
		"      --resolve LIST       openat2 RESOLVE_* flags, comma separated:\n"
		"                           beneath,in-root,no-symlinks,no-magiclinks,\n"
		"                           no-xdev,cached\n"
		"      --cat                copy the file to standard output\n",
	},
	{
		.name = "unlink-inode", .run = cmd_unlink_inode, .alias = NULL,
		.usage =
		"  unlink-inode [--dir] PATH INODE_PATH|--fd N\n"
		"                           remove PATH only if it still is the inode that\n"
		"                           INODE_PATH (not followed if a symlink) or the\n"
		"                           inherited fd N refers to (item 10)\n"
		"      --dir                PATH is an empty directory (rmdir)\n"
		"      --fd N               the expected inode is that of fd N\n",
	},
	{
		.name = "flock", .run = cmd_flock, .alias = NULL,
		.usage =
		"  flock [OPTIONS] PATH [--] COMMAND [ARGS...]\n"
		"  flock [OPTIONS] PATH -c COMMAND_STRING\n"
		"  flock [OPTIONS] FD\n"
		"                           like flock(1): take a flock() lock on PATH\n"
		"                           (created if missing) and run COMMAND holding\n"
		"                           it, or lock the inherited fd FD; waits at most\n"
		"                           --timeout (item 22)\n"
		"      -s, --shared         a shared lock (LOCK_SH)\n"
		"      -x, --exclusive      an exclusive lock (LOCK_EX, the default)\n"
		"      -n, --nonblock       fail at once if the lock is busy (timeout 0)\n"
		"      -w, --timeout, --wait DURATION\n"
		"                           wait at most DURATION: seconds (1.5) or with\n"
		"                           a unit ns, us, ms, s, min, h (250ms), or\n"
		"                           'infinity' (the default)\n"
		"      -E, --conflict-exit-code N\n"
		"                           exit status when the lock was not acquired\n"
		"                           in time (default 6)\n"
		"      -o, --close          do not pass the lock fd to COMMAND\n"
		"      -c, --command STRING run STRING with /bin/sh -c\n"
		"      -v, --verbose        say how long it took to get the lock\n",
	},
	{
		.name = "link-replace", .run = cmd_link_replace, .alias = NULL,
		.usage =
		"  link-replace [OPTIONS] PATH\n"
		"                           replace PATH in one step (item 7): by the\n"
		"                           standard input, written to an O_TMPFILE file in\n"
		"                           PATH's directory, or by the inherited fd --fd N;\n"
		"                           readers of PATH see the old or the new file,\n"
		"                           never none, never a partial one\n"
		"      --fd N               link fd N's file instead of reading stdin\n"
		"      --mode MODE          the new file's octal mode (default 0644)\n"
		"      --no-sync            do not fsync() the file and the directory\n",
	},
	{
		.name = "create", .run = cmd_create, .alias = NULL,
		.usage =
		"  create [OPTIONS] dir|fifo|socket PATH\n"
		"  create [OPTIONS] char|block MAJOR:MINOR PATH\n"
		"  create [OPTIONS] symlink TARGET PATH\n"
		"                           create PATH like mkdir/mknod/ln -s and work on\n"
		"                           the created inode through an fd (item 34);\n"
		"                           prints its type, inode number, mode and owner\n"
		"      --mode MODE          octal permission bits (default 0777 for dir,\n"
		"                           0666 otherwise; the umask applies)\n"
		"      --owner UID:GID      chown the created inode through the fd\n",
	},
	{
		.name = "close-async", .run = cmd_close_async, .alias = NULL,
		.usage =
		"  close-async [OPTIONS] FD... [-- COMMAND [ARGS...]]\n"
		"                           close the inherited fds FD... without waiting\n"
		"                           for their flush or release (item 19), then run\n"
		"                           COMMAND (exec) if given\n"
		"      -w, --wait           wait until the releases are done and report\n"
		"                           the first flush error, if any\n"
		"      -v, --verbose        say how long closing and releasing took\n",
	},
	{
		.name = "flock-watch", .run = cmd_flock_watch, .alias = NULL,
		.usage =
		"  flock-watch [OPTIONS] PATH|--fd N\n"
		"                           wait until the last flock() lock of PATH's inode\n"
		"                           is released (item 4), e.g. a block device a\n"
		"                           formatter holds LOCK_EX on; exits 0 at once if\n"
		"                           nothing is locked\n"
		"      -w, --timeout DURATION  give up after DURATION (exit 6)\n"
		"      -r, --release       wait for a release even if nothing is locked now\n"
		"      -n, --count N       exit after N releases (0: never); default 1\n"
		"      -q, --quiet         print nothing; the exit status tells\n",
	},
	{
		.name = "upgrade-mask", .run = cmd_upgrade_mask, .alias = "restrict",
		.usage =
		"  upgrade-mask [OPTIONS] PATH [--] COMMAND [ARGS...]\n"
		"                           run COMMAND with an O_PATH fd to PATH that can\n"
		"                           never be re-opened (/proc/self/fd/N, openat(fd,\n"
		"                           \".\"), exec) for what the mask blocks (item 24);\n"
		"                           its number is in $KWISH_RESTRICTED_FD\n"
		"      --no-read            block re-opening for reading (and exec)\n"
		"      --no-write           block re-opening for writing (and truncate)\n"
		"      --fd N               the fd number COMMAND gets (default 3)\n"
		"      --nofollow           restrict the symlink PATH itself\n",
	},
	{
		.name = "mounts", .run = cmd_mounts, .alias = NULL,
		.usage =
		"  mounts [OPTIONS]         list the mounts of the caller's mount namespace\n"
		"                           with listmount(2) + statmount(2) (item 25):\n"
		"                           unique id, parent id, mountinfo id,\n"
		"                           propagation, type, mount point\n"
		"      --below ID           only the mounts below mount ID\n"
		"      --json               one JSON object per mount, in an array\n",
	},
	{
		.name = "mount-owner", .run = cmd_mount_owner, .alias = NULL,
		.usage =
		"  mount-owner [--json] PATH...\n"
		"                           for the mount PATH is on (not followed if a\n"
		"                           symlink): its id, the user namespace owning its\n"
		"                           mount namespace, and whether the caller could\n"
		"                           unmount it (item 11)\n"
		"      --check              exit 7 if any PATH's mount cannot be unmounted\n"
		"      --json               one JSON object per PATH, in an array\n",
	},
	{
		.name = "mount-watch", .run = cmd_mount_watch, .alias = NULL,
		.usage =
		"  mount-watch [OPTIONS]    print the mounts attached to and detached from\n"
		"                           a mount namespace as it happens (item 17):\n"
		"                           attach|detach|move ID MOUNTPOINT, or overflow\n"
		"      --ns PATH            the namespace of PATH (default\n"
		"                           /proc/self/ns/mnt)\n"
		"      -n, --count N        exit after N events (0: never); default 0\n"
		"      --json               one JSON object per line\n",
	},
	{
		.name = "help", .run = cmd_help, .alias = NULL,
		.usage =
		"  help                     show this help\n",
	},
	{
		.name = "version", .run = cmd_version, .alias = NULL,
		.usage =
		"  version                  show the kwishctl version\n",
	},
};

#define NR_VERBS	(sizeof(verbs) / sizeof(verbs[0]))

static const struct kw_verb *find_verb(const char *name)
{
	size_t i;

	for (i = 0; i < NR_VERBS; i++)
		if (!strcmp(verbs[i].name, name) ||
		    (verbs[i].alias && !strcmp(verbs[i].alias, name)))
			return &verbs[i];
	return NULL;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: %s COMMAND [OPTIONS]\n"
		"\n"
		"Commands:\n",
		prog);
	for (i = 0; i < NR_VERBS; i++)
		fputs(verbs[i].usage, f);
	fputs(
		"\n"
		"Exit status: 0 ok, 1 operation failed, 2 usage error,\n"
		"3 /dev/kwish missing (kwish_core not loaded),\n"
		"4 feature not available (module not loaded or unavailable),\n"
		"5 unlink-inode: PATH refers to another inode, nothing removed,\n"
		"6 flock: lock not acquired in time (-E); else COMMAND's exit status;\n"
		"  flock-watch: still locked when the timeout ran out;\n"
		"  upgrade-mask: COMMAND's exit status, 126/127 if it cannot be run.\n"
		"7 mount-owner --check: a mount cannot be unmounted by the caller.\n",
		f);
}

/* VERB --help, kwishctl help VERB: that verb's part of the help. */
static int verb_help(const char *name)
{
	const struct kw_verb *v = find_verb(name);

	if (!v)
		return usage_error("unknown command '%s'", name);
	printf("Usage: %s COMMAND [OPTIONS]\n\n", prog);
	fputs(v->usage, stdout);
	return EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_OK;
	}
	return verb_help(argv[1]);
}

static int cmd_version(int argc, char **argv)
{
	printf("kwishctl %s (kwish ABI %d)\n", KWISH_VERSION,
	       KWISH_ABI_VERSION);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct kw_verb *v;
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h"))
		cmd = "help";
	else if (!strcmp(cmd, "--version"))
		cmd = "version";
	v = find_verb(cmd);
	if (!v)
		return usage_error("unknown command '%s'", cmd);
	return v->run(argc - 1, argv + 1);
}
