#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# guest-test.sh - the install test inside the booted Debian 12 image
# (check-package.sh installs it as /usr/local/sbin/kwish-install-test and
# boots the image with init= pointing at it).
#
# The packages were installed with apt in the image before the boot, and
# DKMS built the modules then, as on a user's machine.  Here, as the
# machine's PID 1 with systemd-udevd running:
#   install   the modules DKMS installed for the running kernel; modprobe
#             of each (kwish_core comes with the first); /dev/kwish with
#             the udev rule's mode, and an admin override of the rule
#             taking effect; the modprobe.d alias; modules-load.d loading
#             nothing; `kwishctl status`
#   the selftests (/opt/kwish-tests/selftests) as root and as kwuser
#   remove    rmmod of every module, /dev/kwish gone
# (`apt remove` runs on the host after the boot, in the same image tree:
# dkms remove runs depmod for each kernel, minutes under TCG.)
# Results go to ttyS1 in vm/init's format (# kwish-run:, TAP, # kwish-exit:),
# closed by "# kwish-guest-end"; check-package.sh appends its last run and
# "# kwish-end", and tools/testing/vm/tap-report.awk counts them all.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
LC_ALL=C.UTF-8
export PATH HOME LC_ALL

mnt() {	# mnt TYPE DIR [OPTIONS]: mount unless already mounted
	mountpoint -q "$2" || mount -t "$1" ${3:+-o "$3"} "$1" "$2"
}
mnt proc /proc
mnt sysfs /sys
mnt devtmpfs /dev
mount -o remount,rw /
mkdir -p /dev/pts /dev/shm /dev/mqueue /run
mnt devpts /dev/pts gid=5,mode=620,ptmxmode=666
mnt tmpfs /dev/shm mode=1777
mnt tmpfs /run mode=755
mnt tmpfs /tmp mode=1777
mnt mqueue /dev/mqueue
mnt tracefs /sys/kernel/tracing
mnt debugfs /sys/kernel/debug
mnt cgroup2 /sys/fs/cgroup
mnt bpf /sys/fs/bpf
hostname kwish
ip link set lo up

if [ -c /dev/ttyS1 ]; then
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	exec 3>/dev/ttyS1
else
	exec 3>&1
fi
R() { echo "$*" >&3; }
log() { echo "kwish-install-test: $*" > /dev/kmsg; }
KVER=$(uname -r)
TIMEOUT=$(sed -n 's/.*kwish.timeout=\([0-9]*\).*/\1/p' /proc/cmdline)
TIMEOUT=${TIMEOUT:-120}
R "# kwish-boot: kernel $KVER (Debian image, kwish from the packages)"

N=0 FAILED=0
tap() {		# tap OK|FAIL DESCRIPTION [DETAIL...]
	res=$1 desc=$2
	shift 2
	for d in "$@"; do
		[ -n "$d" ] && echo "$d" | sed 's/^/# /' >&3
	done
	N=$((N + 1))
	if [ "$res" = OK ]; then
		R "ok $N - $desc"
	else
		R "not ok $N - $desc"; FAILED=1
	fi
}
check() {	# check DESCRIPTION COMMAND...: one result, output as detail
	desc=$1; shift
	if out=$("$@" 2>&1); then tap OK "$desc" "$out"; else tap FAIL "$desc" "$out"; fi
}
begin() { N=0 FAILED=0; R "# kwish-run: $1 as root"; R "TAP version 13"; }
end() { R "1..$N"; R "# kwish-exit: $1 as root rc=$FAILED"; }

finish() {
	R "# kwish-guest-end"
	sleep 1
	echo "==== kwish-dmesg-begin ===="
	dmesg
	echo "==== kwish-dmesg-end ===="
	sync
	echo o > /proc/sysrq-trigger
	sleep 30
}

# The modules the package ships, from its dkms.conf (kwish_core first).
SRC=$(ls -d /usr/src/kwish-* 2>/dev/null | head -n 1)
MODULES=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1/p' "$SRC/dkms.conf" 2>/dev/null)
RMODULES=$(echo "$MODULES" | tac)

# ---------------------------------------------------------------- install
begin install
log "starting systemd-udevd"
/lib/systemd/systemd-udevd --daemon > /dev/null 2>&1
udevadm trigger --action=add > /dev/null 2>&1
udevadm settle --timeout=60
check "systemd-udevd is running" udevadm control --ping
tap "$([ -n "$MODULES" ] && echo OK || echo FAIL)" \
	"the package's dkms.conf names the modules: $(echo $MODULES)"
check "dkms status: kwish installed for $KVER" \
	sh -c "dkms status -k $KVER kwish | tee /dev/stderr | grep -q ': installed'"

# Selftests insmod from $KWISH_MODULES_DIR: plain .ko copies of what DKMS
# installed (DKMS compresses them when the kernel's modules are).
MODDIR=/tmp/kwish-modules
mkdir -p $MODDIR
for m in $MODULES; do
	f=$(modinfo -n "$m" 2>/dev/null)
	case $f in
	*/updates/dkms/*) tap OK "modinfo: $m is DKMS's, $f" ;;
	*) tap FAIL "modinfo: $m is DKMS's" "modinfo -n $m: '$f'" ;;
	esac
	# Debian's dkms signs with its own key (/var/lib/dkms/mok.key):
	# the key to enroll for Secure Boot (README).
	signer=$(modinfo -F signer "$m" 2>/dev/null)
	if [ -n "$signer" ]; then
		tap OK "$m is signed by '$signer'"
	else
		tap FAIL "$m is signed (modinfo -F signer)"
	fi
	case $f in
	*.ko.xz)  xz -dc "$f" > $MODDIR/$m.ko ;;
	*.ko.zst) zstd -qdc "$f" > $MODDIR/$m.ko ;;
	*.ko.gz)  gzip -dc "$f" > $MODDIR/$m.ko ;;
	*.ko)     cp "$f" $MODDIR/ ;;
	esac
done

# The distribution modules the selftests need (vm/distro-modules).
for m in $(grep -v '^#' /opt/kwish-tests/distro-modules 2>/dev/null | tr -d '?'); do
	modprobe -q "$m" 2>/dev/null
done

# As kwish(7) SYSCALL BACKPORT tells an admin: the syscall numbers (item
# 25 on 6.1) from boot on, so that the selftests try them; the tests that
# reload kwish_core do it with the same parameters (kwtap.h).
echo "options kwish_core syscalls=1" > /etc/modprobe.d/kwish-syscalls.conf
export KWISH_MODULE_PARAMS_kwish_core="syscalls=1"
for m in $MODULES; do
	log "modprobe $m"
	check "modprobe $m" modprobe "$m"
done
check "kwish_core was loaded with the feature modules" \
	sh -c 'lsmod | grep "^kwish_core "'
check "modprobe.d's options kwish_core syscalls=1 took effect" \
	grep -qx Y /sys/module/kwish_core/parameters/syscalls

RULE=/usr/lib/udev/rules.d/60-kwish.rules
want=$(grep -v '^[[:space:]]*#' $RULE 2>/dev/null |
	sed -n 's/.*MODE="\([0-7]*\)".*/\1/p' | sed 's/^0*//')
udevadm settle --timeout=30
if [ -c /dev/kwish ] && [ "$(stat -c %a /dev/kwish)" = "$want" ] &&
   [ "$(stat -c %U:%G /dev/kwish)" = root:root ]; then
	tap OK "/dev/kwish has the mode of $RULE ($want, root:root)" "$(ls -l /dev/kwish)"
else
	tap FAIL "/dev/kwish has the mode of $RULE ($want, root:root)" "$(ls -l /dev/kwish 2>&1)"
fi

# udev applies kwish's rules: an admin override in /etc (documented in the
# rule file) changes the mode; without it the packaged mode is back.
sed 's/MODE="[0-7]*"/MODE="0600"/' $RULE > /etc/udev/rules.d/60-kwish.rules
udevadm control --reload
udevadm trigger --action=add /sys/class/misc/kwish
udevadm settle --timeout=30
check "udev applies /etc/udev/rules.d/60-kwish.rules over the package's (mode 600)" \
	sh -c '[ "$(stat -c %a /dev/kwish)" = 600 ] || { ls -l /dev/kwish; false; }'
rm -f /etc/udev/rules.d/60-kwish.rules
udevadm control --reload
udevadm trigger --action=add /sys/class/misc/kwish
udevadm settle --timeout=30
check "without the override the package's mode is back ($want)" \
	sh -c "[ \"\$(stat -c %a /dev/kwish)\" = $want ] || { ls -l /dev/kwish; false; }"

check "modprobe.d: the generic netlink family alias resolves to kwish_core" \
	sh -c 'modprobe --resolve-alias net-pf-16-proto-16-family-kwish | grep -x kwish_core'
check "modules-load.d/kwish.conf loads nothing by default" \
	sh -c '! grep -v "^#" /usr/lib/modules-load.d/kwish.conf | grep .'
check "kwishctl status (as root)" kwishctl status
check "kwishctl status (as kwuser)" setpriv --reuid=1000 --regid=1000 --init-groups kwishctl status
# bash completion (kwish-tools): verbs, then a verb's options, from kwishctl
check "bash completes kwishctl's verbs and options" bash -c '
	. /usr/share/bash-completion/completions/kwishctl || exit 1
	COMP_WORDS=(kwishctl upg); COMP_CWORD=1; _kwishctl
	[ "${COMPREPLY[*]}" = upgrade-mask ] || { echo "verbs: ${COMPREPLY[*]}"; exit 1; }
	COMP_WORDS=(kwishctl upgrade-mask --no-); COMP_CWORD=2; _kwishctl
	[ "${COMPREPLY[*]}" = "--no-read --no-write" ] || { echo "options: ${COMPREPLY[*]}"; exit 1; }
	COMP_WORDS=(kwishctl help mount-); COMP_CWORD=2; _kwishctl
	[ "${COMPREPLY[*]}" = "mount-owner mount-watch" ] || { echo "help: ${COMPREPLY[*]}"; exit 1; }'
end install

# ---------------------------------------------------------------- selftests
# As vm/init runs them: runas, a fresh directory, root then kwuser.
export KWISHCTL=/usr/bin/kwishctl KWISH_MODULES_DIR=$MODDIR
run() {
	name=$1 who=$2; shift 2
	dir=/tmp/kwish-run/$name.$who
	mkdir -p "$dir"
	ids=0:0
	if [ "$who" = user ]; then
		ids=1000:1000
		chown $ids "$dir"
	fi
	log "run $name as $who"
	R "# kwish-run: $name as $who"
	( cd "$dir" && KWISH_RUN_AS=$who exec /opt/kwish-tests/runas -u $ids -t "$TIMEOUT" -- "$@" ) </dev/null >&3 2>&3
	R "# kwish-exit: $name as $who rc=$?"
}
ONLY=$(sed -n 's/.*kwish.tests=\([^ ]*\).*/\1/p' /proc/cmdline)
for t in /opt/kwish-tests/selftests/*; do
	[ -x "$t" ] || continue
	name=${t##*/}
	if [ -n "$ONLY" ]; then
		case ",$ONLY," in *",$name,"*) ;; *) continue ;; esac
	fi
	run "$name" root "$t"
	run "$name" user "$t"
done

# ---------------------------------------------------------------- remove
begin remove
for m in $RMODULES; do
	lsmod | grep -q "^$m " || continue
	i=0
	while ! out=$(rmmod "$m" 2>&1) && [ $i -lt 3 ]; do sleep 1; i=$((i + 1)); done
	if lsmod | grep -q "^$m "; then tap FAIL "rmmod $m" "$out"; else tap OK "rmmod $m"; fi
done
udevadm settle --timeout=30
check "/dev/kwish is gone with kwish_core" sh -c '! test -e /dev/kwish'
end remove
finish
