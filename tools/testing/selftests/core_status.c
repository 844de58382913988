// SPDX-License-Identifier: GPL-2.0
/*
 * core_status: KWISH_STATUS reports all wish-list items truthfully, and
 * kwishctl status (human and --json) shows them.
 */
#include <limits.h>
#include <sys/ioctl.h>

#include "kwtap.h"

#define FILL	0xA5

static int get_status(struct kwish_status *st, void *buf, unsigned int nr,
		      unsigned int feature_size)
{
	int fd = open(KWISH_DEV_PATH, O_RDWR | O_CLOEXEC);
	int ret, err;

	if (fd < 0)
		return -1;
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->nr_features = nr;
	st->feature_size = feature_size;
	st->features = (uintptr_t)buf;
	ret = ioctl(fd, KWISH_STATUS, st);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static struct kwish_feature feats[KWISH_ITEM_MAX];

/* Fill feats[] with a full status call. */
static int full_status(void)
{
	struct kwish_status st;

	memset(feats, 0, sizeof(feats));
	if (get_status(&st, feats, KWISH_ITEM_MAX, sizeof(feats[0])) < 0)
		return kw_fail("KWISH_STATUS: %s (%s)", kw_errname(errno),
			       strerror(errno));
	if (st.nr_features != KWISH_ITEM_MAX)
		return kw_fail("nr_features %u, want %u", st.nr_features,
			       KWISH_ITEM_MAX);
	return KW_PASS;
}

static bool terminated(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

static int test_count_and_abi(void)
{
	struct kwish_status st;

	KW_CHECK_OK(get_status(&st, feats, KWISH_ITEM_MAX, sizeof(feats[0])));
	KW_CHECK(st.nr_features == KWISH_ITEM_MAX,
		 "nr_features %u, want %u", st.nr_features, KWISH_ITEM_MAX);
	KW_CHECK(st.abi_version == KWISH_ABI_VERSION,
		 "abi_version %u, want %u", st.abi_version, KWISH_ABI_VERSION);
	return KW_PASS;
}

static int test_entries_well_formed(void)
{
	unsigned int i;

	KW_TRY(full_status());
	for (i = 0; i < KWISH_ITEM_MAX; i++) {
		struct kwish_feature *f = &feats[i];

		KW_CHECK(f->id == i + 1, "entry %u has id %u", i, f->id);
		KW_CHECK(f->state <= KWISH_STATE_UNAVAILABLE,
			 "item %u: state %u out of range", f->id, f->state);
		KW_CHECK(terminated(f->name, sizeof(f->name)),
			 "item %u: name not NUL-terminated", f->id);
		KW_CHECK(terminated(f->module, sizeof(f->module)),
			 "item %u: module not NUL-terminated", f->id);
		KW_CHECK(terminated(f->reason, sizeof(f->reason)),
			 "item %u: reason not NUL-terminated", f->id);
		KW_CHECK(f->name[0], "item %u has no name", f->id);
	}
	return KW_PASS;
}

/* PRESENT means its module is loaded, NOT_LOADED that it is not. */
static int test_states_match_modules(void)
{
	char path[PATH_MAX];
	struct stat st;
	unsigned int i;
	bool loaded;

	KW_TRY(full_status());
	for (i = 0; i < KWISH_ITEM_MAX; i++) {
		struct kwish_feature *f = &feats[i];

		if (f->state == KWISH_STATE_PRESENT ||
		    f->state == KWISH_STATE_UNAVAILABLE)
			KW_CHECK(f->module[0], "item %u is %s without a module",
				 f->id, kwish_state_name(f->state));
		if (f->state == KWISH_STATE_UNAVAILABLE)
			KW_CHECK(f->reason[0],
				 "item %u is unavailable with no reason",
				 f->id);
		if (!f->module[0] || (f->state != KWISH_STATE_PRESENT &&
				      f->state != KWISH_STATE_NOT_LOADED))
			continue;
		snprintf(path, sizeof(path), "/sys/module/%.*s",
			 (int)sizeof(f->module), f->module);
		loaded = stat(path, &st) == 0;
		KW_CHECK(loaded == (f->state == KWISH_STATE_PRESENT),
			 "item %u is %s but %s %s", f->id,
			 kwish_state_name(f->state), path,
			 loaded ? "exists" : "does not exist");
	}
	return KW_PASS;
}

static int test_item08_present(void)
{
	struct kwish_feature *f = &feats[7];

	KW_TRY(full_status());
	KW_CHECK(f->state == KWISH_STATE_PRESENT,
		 "item 8 is %s (%.*s), want present", kwish_state_name(f->state),
		 (int)sizeof(f->reason), f->reason);
	KW_CHECK(!strncmp(f->module, "kwish_fs", sizeof(f->module)),
		 "item 8 module '%.*s', want kwish_fs",
		 (int)sizeof(f->module), f->module);
	KW_CHECK(!strncmp(f->name, "open_regular", sizeof(f->name)),
		 "item 8 name '%.*s', want open_regular",
		 (int)sizeof(f->name), f->name);
	return KW_PASS;
}

static int check_native(unsigned int id)
{
	struct kwish_feature *f = &feats[id - 1];

	KW_TRY(full_status());
	KW_CHECK(f->state == KWISH_STATE_NATIVE,
		 "item %u (%.*s) is %s (%.*s), want native", id,
		 (int)sizeof(f->name), f->name, kwish_state_name(f->state),
		 (int)sizeof(f->reason), f->reason);
	return KW_PASS;
}

static int test_item09_native(void) { return check_native(9); }
static int test_item15_native(void) { return check_native(15); }
static int test_item18_native(void) { return check_native(18); }
static int test_item32_native(void) { return check_native(32); }
static int test_item37_native(void) { return check_native(37); }

/* nr_features = 3: three entries written, nothing after them, 37 reported. */
static int test_truncated(void)
{
	size_t size = sizeof(struct kwish_feature);
	unsigned char buf[KWISH_ITEM_MAX * sizeof(struct kwish_feature)];
	struct kwish_feature *f = (struct kwish_feature *)buf;
	struct kwish_status st;
	size_t i;

	memset(buf, FILL, sizeof(buf));
	KW_CHECK_OK(get_status(&st, buf, 3, size));
	KW_CHECK(st.nr_features == KWISH_ITEM_MAX,
		 "nr_features %u after a 3-entry call, want %u",
		 st.nr_features, KWISH_ITEM_MAX);
	for (i = 0; i < 3; i++)
		KW_CHECK(f[i].id == i + 1, "entry %zu has id %u", i, f[i].id);
	for (i = 3 * size; i < sizeof(buf); i++)
		KW_CHECK(buf[i] == FILL,
			 "byte %zu (entry %zu) written past nr_features = 3",
			 i, i / size);
	return KW_PASS;
}

static int test_nr_zero(void)
{
	struct kwish_status st;

	KW_CHECK_OK(get_status(&st, NULL, 0, sizeof(struct kwish_feature)));
	KW_CHECK(st.nr_features == KWISH_ITEM_MAX,
		 "nr_features %u, want %u", st.nr_features, KWISH_ITEM_MAX);
	return KW_PASS;
}

/* A caller that knows a larger struct kwish_feature gets zeroes beyond it. */
static int test_larger_feature_size(void)
{
	enum { FSIZE = 256 };
	static unsigned char buf[(KWISH_ITEM_MAX + 1) * FSIZE];
	struct kwish_status st;
	struct kwish_feature *f;
	size_t i, b;

	memset(buf, FILL, sizeof(buf));
	KW_CHECK_OK(get_status(&st, buf, KWISH_ITEM_MAX, FSIZE));
	KW_CHECK(st.nr_features == KWISH_ITEM_MAX, "nr_features %u",
		 st.nr_features);
	for (i = 0; i < KWISH_ITEM_MAX; i++) {
		f = (struct kwish_feature *)(buf + i * FSIZE);
		KW_CHECK(f->id == i + 1, "entry %zu at stride %d has id %u",
			 i, FSIZE, f->id);
		for (b = sizeof(*f); b < FSIZE; b++)
			KW_CHECK(buf[i * FSIZE + b] == 0,
				 "entry %zu byte %zu is 0x%02x, want 0", i, b,
				 buf[i * FSIZE + b]);
	}
	for (b = KWISH_ITEM_MAX * FSIZE; b < sizeof(buf); b++)
		KW_CHECK(buf[b] == FILL, "byte %zu past the last entry written",
			 b);
	return KW_PASS;
}

/* ---------------------------------------------------------------- */
/* kwishctl                                                          */

static char kwishctl_path[PATH_MAX];

/* Run kwishctl with @args; its stdout goes to @out.  Returns exit code. */
static int run_kwishctl(char *const args[], char *out, size_t size)
{
	size_t len = 0;
	int pipefd[2];
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execv(kwishctl_path, args);
		_exit(127);
	}
	close(pipefd[1]);
	while (len + 1 < size) {
		n = read(pipefd[0], out + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	out[len] = '\0';
	close(pipefd[0]);
	return kw_wait(pid);
}

static int test_kwishctl_status(void)
{
	char *args[] = { kwishctl_path, "status", NULL };
	static char out[65536];
	char line[32];
	unsigned int id;
	int rc;

	if (!kw_find_kwishctl(kwishctl_path, sizeof(kwishctl_path)))
		return kw_skip("kwishctl not found (/kwish/bin/kwishctl, $KWISHCTL)");
	rc = run_kwishctl(args, out, sizeof(out));
	KW_CHECK(rc == 0, "%s status exited %d", kwishctl_path, rc);
	for (id = 1; id <= KWISH_ITEM_MAX; id++) {
		snprintf(line, sizeof(line), "\n%-3u ", id);
		KW_CHECK(strstr(out, line), "no table row for item %u", id);
	}
	KW_CHECK(strstr(out, "open_regular"), "output does not mention open_regular");
	return KW_PASS;
}

static int test_kwishctl_status_json(void)
{
	char *args[] = { kwishctl_path, "status", "--json", NULL };
	static char out[65536];
	char key[32];
	unsigned int id;
	int rc;

	if (!kw_find_kwishctl(kwishctl_path, sizeof(kwishctl_path)))
		return kw_skip("kwishctl not found (/kwish/bin/kwishctl, $KWISHCTL)");
	rc = run_kwishctl(args, out, sizeof(out));
	KW_CHECK(rc == 0, "%s status --json exited %d", kwishctl_path, rc);
	KW_CHECK(out[0] == '{', "JSON output does not start with '{'");
	KW_CHECK(strstr(out, "\"nr_features\":37"), "no \"nr_features\":37");
	for (id = 1; id <= KWISH_ITEM_MAX; id++) {
		snprintf(key, sizeof(key), "{\"id\":%u,", id);
		KW_CHECK(strstr(out, key), "JSON lacks %s", key);
	}
	return KW_PASS;
}

/*
 * kwishctl help lists every verb; "help VERB" and "VERB --help" print that
 * verb's part only (exit 0); an unknown verb is a usage error (exit 2).
 */
static int test_kwishctl_help(void)
{
	static const char *const verbs[] = {
		"status", "open-regular", "unlink-inode", "flock",
		"link-replace", "create", "close-async", "flock-watch",
		"upgrade-mask", "mounts", "mount-owner", "mount-watch",
	};
	static char out[65536], one[8192];
	char want[64];
	size_t i;
	int rc;

	if (!kw_find_kwishctl(kwishctl_path, sizeof(kwishctl_path)))
		return kw_skip("kwishctl not found (/kwish/bin/kwishctl, $KWISHCTL)");
	{
		char *args[] = { kwishctl_path, "help", NULL };

		rc = run_kwishctl(args, out, sizeof(out));
		KW_CHECK(rc == 0, "help exited %d", rc);
	}
	for (i = 0; i < KW_ARRAY_SIZE(verbs); i++) {
		char *help[] = { kwishctl_path, "help", (char *)verbs[i], NULL };
		char *opt[] = { kwishctl_path, (char *)verbs[i], "--help", NULL };

		snprintf(want, sizeof(want), "\n  %s ", verbs[i]);
		KW_CHECK(strstr(out, want), "help does not list %s", verbs[i]);
		rc = run_kwishctl(help, one, sizeof(one));
		KW_CHECK(rc == 0, "help %s exited %d", verbs[i], rc);
		KW_CHECK(strstr(one, want), "help %s lacks its usage", verbs[i]);
		KW_CHECK(!strstr(one, "Exit status:"),
			 "help %s printed the whole help", verbs[i]);
		rc = run_kwishctl(opt, one, sizeof(one));
		KW_CHECK(rc == 0, "%s --help exited %d", verbs[i], rc);
		KW_CHECK(strstr(one, want), "%s --help lacks its usage",
			 verbs[i]);
	}
	{
		char *bad[] = { kwishctl_path, "help", "no-such-verb", NULL };
		char *old[] = { kwishctl_path, "restrict", "--help", NULL };

		rc = run_kwishctl(bad, one, sizeof(one));
		KW_CHECK(rc == 2, "help no-such-verb exited %d, want 2", rc);
		/* kwish 0.1.0's name of upgrade-mask */
		rc = run_kwishctl(old, one, sizeof(one));
		KW_CHECK(rc == 0 && strstr(one, "\n  upgrade-mask "),
			 "restrict --help: exit %d", rc);
	}
	return KW_PASS;
}

static const struct kw_test tests[] = {
	KW_TEST(test_count_and_abi),
	KW_TEST(test_entries_well_formed),
	KW_TEST(test_states_match_modules),
	KW_TEST(test_item08_present),
	KW_TEST(test_item09_native),
	KW_TEST(test_item15_native),
	KW_TEST(test_item18_native),
	KW_TEST(test_item32_native),
	KW_TEST(test_item37_native),
	KW_TEST(test_truncated),
	KW_TEST(test_nr_zero),
	KW_TEST(test_larger_feature_size),
	KW_TEST(test_kwishctl_status),
	KW_TEST(test_kwishctl_status_json),
	KW_TEST(test_kwishctl_help),
};

int main(void)
{
	return KW_RUN(tests);
}
