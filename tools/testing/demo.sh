#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - a short tour of kwish, run in the test VM (busybox sh) by
# `make run` after the modules are loaded:
#   1. kwishctl status: all 37 wish-list items and their state
#   2. item 8, O_REGULAR: kwishctl open-regular on a regular file, a FIFO
#      (where a plain `cat` blocks), /dev/zero (where a naive reader gets
#      endless data), a symlink, a path escaping its directory, and a file
#      the unprivileged user may not read.
#
# Environment: KWISHCTL (default: kwishctl from PATH, else /kwish/bin).
# Exit status: 0 if every step showed what it should, 1 otherwise.

KWISHCTL=${KWISHCTL:-$(command -v kwishctl 2>/dev/null || echo /kwish/bin/kwishctl)}
FAILED=0

step() {
	printf '\n=== %s\n' "$*"
}

# show EXPECTED_STATUS CMD...: print and run CMD, report its exit status
# (EXPECTED_STATUS "killed": any non-zero status).
show() {
	want=$1
	shift
	printf '$ %s\n' "$*"
	"$@"
	rc=$?
	if [ "$rc" = "$want" ] || { [ "$want" = killed ] && [ "$rc" != 0 ]; }; then
		printf '(exit status %s)\n' "$rc"
	else
		printf '(exit status %s, expected %s) <-- unexpected\n' "$rc" "$want"
		FAILED=1
	fi
}

if [ ! -x "$KWISHCTL" ]; then
	echo "demo: no kwishctl ($KWISHCTL)"
	exit 1
fi

D=$(mktemp -d /tmp/kwish-demo.XXXXXX) || exit 1
chmod 755 "$D"
trap 'rm -rf "$D"' EXIT

step "kwishctl status: the kernel wish list on $(uname -r)"
show 0 "$KWISHCTL" status

step "Item 8, O_REGULAR: open a file only if it is a regular file"
echo "Hello from a regular file." > "$D/hello.txt"
show 0 "$KWISHCTL" open-regular --cat "$D/hello.txt"
if [ -f /etc/passwd ]; then
	show 0 "$KWISHCTL" open-regular --cat /etc/passwd
fi

step "A FIFO with no writer: a plain open blocks (stopped by timeout after 3 s)"
mkfifo "$D/fifo"
TIME=
command -v time >/dev/null 2>&1 && TIME=time
show killed $TIME timeout 3 cat "$D/fifo"
echo "... while O_REGULAR refuses it at once, without opening it:"
show 1 $TIME "$KWISHCTL" open-regular --cat "$D/fifo"

step "/dev/zero: a naive reader (file:///dev/zero) gets data without end"
echo "the first 32 of endless bytes:"
echo '$ head -c 32 /dev/zero | od -An -tx1'
head -c 32 /dev/zero | od -An -tx1
echo "... O_REGULAR refuses device nodes before their driver is called:"
show 1 "$KWISHCTL" open-regular --cat /dev/zero
show 1 "$KWISHCTL" open-regular /dev/null

step "Symlinks and confined lookups (openat2 RESOLVE_* flags)"
ln -s hello.txt "$D/link"
show 0 "$KWISHCTL" open-regular "$D/link"
show 1 "$KWISHCTL" open-regular --nofollow "$D/link"
mkdir "$D/jail"
show 1 "$KWISHCTL" open-regular --dir "$D/jail" --resolve beneath ../hello.txt

step "Creating a file: O_CREAT with a mode, as open(2)"
show 0 "$KWISHCTL" open-regular --create 0640 --excl "$D/new.txt"
ls -l "$D/new.txt"
show 1 "$KWISHCTL" open-regular --create 0640 --excl "$D/new.txt"

step "Permissions are those of the caller: uid 1000 cannot read a 0600 file of root"
echo "root's secret" > "$D/secret"
chmod 600 "$D/secret"
if command -v runas >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	show 1 runas -u 1000:1000 -- "$KWISHCTL" open-regular --cat "$D/secret"
else
	echo "(skipped: needs root and runas)"
fi

echo
if [ $FAILED = 0 ]; then
	echo "demo: every step behaved as expected"
else
	echo "demo: some steps did not behave as expected (see above)"
fi
exit $FAILED
