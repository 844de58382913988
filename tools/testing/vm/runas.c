// SPDX-License-Identifier: GPL-2.0
/*
 * runas - run one test program in the kwish test VM, optionally as another
 * user, with a time limit.  Built static by mkinitramfs.sh; lives at
 * /kwish/bin/runas in the guest.
 *
 *   runas [-u UID:GID] [-t SECONDS] [--] PROGRAM [ARG...]
 *
 * The program runs in a new session (so it and everything it forks is one
 * process group).  With -u, supplementary groups become {GID} and the real,
 * effective and saved ids become UID/GID; HOME, USER and LOGNAME are set
 * from /etc/passwd.  With -t, the whole process group is killed with
 * SIGKILL when the time is up.  When the program exits, anything it left
 * running in its process group is killed too.
 *
 * Exit status: the program's, 128+N if killed by signal N, 124 if it timed
 * out, 125 if it timed out and could not even be killed (stuck in the
 * kernel: the caller should look at the console), 126/127 if it could not
 * be started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t expired;

static void on_alarm(int sig)
{
	(void)sig;
	expired = 1;
}

/*
 * Set HOME, USER and LOGNAME from uid's /etc/passwd line.  (Parsed by hand:
 * getpwuid() in a static glibc binary wants NSS modules at run time.)
 */
static void set_user_env(long uid)
{
	char line[512], *f[7], *p;
	FILE *fp = fopen("/etc/passwd", "r");
	int i;

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = 0;
		for (i = 0, p = line; i < 7 && p; i++)
			f[i] = strsep(&p, ":");
		if (i == 7 && atol(f[2]) == uid && *f[2]) {
			setenv("HOME", f[5], 1);
			setenv("USER", f[0], 1);
			setenv("LOGNAME", f[0], 1);
			break;
		}
	}
	fclose(fp);
}

static void usage(void)
{
	fprintf(stderr, "usage: runas [-u UID:GID] [-t SECONDS] [--] PROGRAM [ARG...]\n");
	exit(126);
}

int main(int argc, char **argv)
{
	long uid = -1, gid = -1, secs = 0;
	struct sigaction sa;
	int opt, status;
	pid_t pid, w;

	while ((opt = getopt(argc, argv, "+u:t:")) != -1) {
		switch (opt) {
		case 'u':
			if (sscanf(optarg, "%ld:%ld", &uid, &gid) != 2)
				usage();
			break;
		case 't':
			secs = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("runas: fork");
		return 126;
	}
	if (pid == 0) {
		setsid();
		if (uid >= 0) {
			gid_t g = (gid_t)gid;

			if (setgroups(1, &g) || setresgid(g, g, g) ||
			    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid)) {
				perror("runas: dropping privileges");
				_exit(126);
			}
			set_user_env(uid);
		}
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "runas: %s: %s\n", argv[optind], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: waitpid returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	if (secs > 0)
		alarm((unsigned int)secs);

	for (;;) {
		w = waitpid(pid, &status, 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			perror("runas: waitpid");
			return 126;
		}
		if (expired) {
			printf("# kwish-timeout: %s killed after %ld s\n", argv[optind], secs);
			fflush(stdout);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			/* Give it 10 s to die; a task stuck in D state never does. */
			expired = 0;
			alarm(10);
			w = waitpid(pid, &status, 0);
			if (w != pid) {
				printf("# kwish-timeout: %s cannot be killed (stuck in the kernel?)\n",
				       argv[optind]);
				fflush(stdout);
				return 125;
			}
			return 124;
		}
	}
	alarm(0);
	kill(-pid, SIGKILL);	/* leftovers of the test's session */

	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 126;
}
