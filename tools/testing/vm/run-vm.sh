#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-vm.sh KVER MODE OUTDIR - build the initramfs for KVER and boot the
# cached Debian kernel under QEMU (TCG) in MODE (check, demo, bench, shell).
#
# OUTDIR receives:
#   initramfs.cpio.gz  what was booted
#   console.log        kernel console (ttyS0), incl. a dmesg dump at the end
#   results.log        what /init reports (ttyS1): TAP between markers
#   qemu.cmd           the QEMU command line
#   status             "ok", "timeout" or "qemu-failed" and the seconds taken
#
# Environment:
#   KWISH_VM_TIMEOUT   seconds before a hung guest is killed
#                      (default: check 900, demo 600, bench 1200, shell none)
#   KWISH_TEST_TIMEOUT limit per test program in the guest (default 120)
#   KWISH_TESTS        comma-separated test names to run (default: all)
#   KWISH_RELOAD_CYCLES  cycles of the debug kernel's reload phase (50)
#   KWISH_FUZZ_SECONDS   length of each core_fuzz case (default 8 s, times
#                      4 on the debug kernel); raise KWISH_TEST_TIMEOUT
#                      with it (core_fuzz has 4 cases)
#   KWISH_TRINITY_SECONDS  how long the debug kernel's trinity phase runs
#                      trinity (90); KWISH_TRINITY_CHILDREN its -C (2),
#                      KWISH_TRINITY_SEED its -s
#   KWISH_FAULTINJECT_SECONDS  the debug kernel's faultinject phase cycles
#                      each module's programs this long (0: once);
#                      KWISH_FAULTINJECT_PROBABILITY percentages used in
#                      turn (50,20,5), KWISH_FAULTINJECT_INSMODS insmod
#                      attempts per module (5), KWISH_FAULTINJECT_VERBOSE
#                      (1; 2 logs each injected failure's stack)
#   KWISH_VM_ECHO=1    also copy results.log to stdout while the guest runs
#   KWISH_VM_SMP, KWISH_VM_MEM   vCPUs (2) and memory (2G)
#   KWISH_VM_APPEND    extra kernel command line
#   plus mkinitramfs.sh's KWISH_BUILD, KWISH_MODULES_DIR, KWISH_TOOLS_DIR
#
# Exit status: 0 if the guest reached the end of /init ("# kwish-end"),
# 1 otherwise (crash, panic, timeout).  Test failures are not judged here:
# check.sh reads results.log.
set -euo pipefail

usage() { echo "usage: run-vm.sh KVER check|demo|bench|shell OUTDIR" >&2; exit 2; }
KVER=${1:-}; MODE=${2:-}; OUT=${3:-}
[ -n "$KVER" ] && [ -n "$OUT" ] || usage
case $MODE in check|demo|bench|shell) ;; *) usage ;; esac

VMDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$VMDIR/../../.." && pwd)
KDIR=$("$ROOT/tools/testing/kernels.sh" cache-dir "$KVER")
[ -f "$KDIR/vmlinuz" ] || { echo "run-vm: no kernel $KVER in $KDIR (run tools/testing/deps.sh)" >&2; exit 1; }

case $MODE in
check) def_timeout=900 ;; demo) def_timeout=600 ;; bench) def_timeout=1200 ;; shell) def_timeout=0 ;;
esac
VM_TIMEOUT=${KWISH_VM_TIMEOUT:-$def_timeout}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT"/{console.log,results.log,status}
"$VMDIR/mkinitramfs.sh" "$KVER" "$OUT/initramfs.cpio.gz"

APPEND="console=ttyS0,115200 loglevel=7 log_buf_len=8M printk.devkmsg=on"
APPEND+=" panic=-1 rdinit=/init kwish.mode=$MODE kwish.timeout=${KWISH_TEST_TIMEOUT:-120}"
[ -n "${KWISH_TESTS:-}" ] && APPEND+=" kwish.tests=$KWISH_TESTS"
[ -n "${KWISH_RELOAD_CYCLES:-}" ] && APPEND+=" kwish.reload_cycles=$KWISH_RELOAD_CYCLES"
[ -n "${KWISH_FUZZ_SECONDS:-}" ] && APPEND+=" kwish.fuzz_seconds=$KWISH_FUZZ_SECONDS"
for v in TRINITY_SECONDS TRINITY_CHILDREN TRINITY_SEED FAULTINJECT_SECONDS \
	 FAULTINJECT_PROBABILITY FAULTINJECT_INSMODS FAULTINJECT_VERBOSE; do
	val=$(printenv "KWISH_$v" || true)
	[ -n "$val" ] && APPEND+=" kwish.${v,,}=$val"
done
[ -n "${KWISH_VM_APPEND:-}" ] && APPEND+=" $KWISH_VM_APPEND"

# Both serial ports are files opened in append mode (so `tail -f` on them
# never sees a truncation); ttyS0 is the interactive terminal in shell mode.
: > "$OUT/console.log"
: > "$OUT/results.log"
if [ "$MODE" = shell ]; then
	S0=(-chardev "stdio,id=s0,signal=off,logfile=$OUT/console.log" -serial chardev:s0)
else
	S0=(-chardev "file,id=s0,path=$OUT/console.log,append=on" -serial chardev:s0)
fi
# Single-threaded TCG (vCPUs take turns on one host thread).  Multi-threaded
# TCG does not keep cross-modifying code coherent enough for the kernel's
# int3-based text patching (text_poke_bp): a stock 6.12 guest oopses with
# "Oops: int3" when ftrace or a static key is switched while another vCPU
# runs the patched code (seen with `echo function > current_tracer` alone).
# KVM is not an option on these machines (it hangs guests).
QEMU=(qemu-system-x86_64 -accel "${KWISH_VM_ACCEL:-tcg,thread=single}" -cpu max -smp "${KWISH_VM_SMP:-2}" -m "${KWISH_VM_MEM:-2G}"
      -nodefaults -no-user-config -no-reboot -display none -monitor none
      "${S0[@]}"
      -chardev "file,id=s1,path=$OUT/results.log,append=on" -serial chardev:s1
      -kernel "$KDIR/vmlinuz" -initrd "$OUT/initramfs.cpio.gz" -append "$APPEND")
printf '%q ' "${QEMU[@]}" > "$OUT/qemu.cmd"; echo >> "$OUT/qemu.cmd"

start=$(date +%s)
if [ "$VM_TIMEOUT" -gt 0 ]; then
	RUN=(timeout -k 10 "$VM_TIMEOUT" "${QEMU[@]}")
else
	RUN=("${QEMU[@]}")
fi
echo "run-vm: booting $KVER ($MODE, timeout ${VM_TIMEOUT}s), logs in $OUT" >&2

rc=0
if [ "${KWISH_VM_ECHO:-0}" = 1 ] && [ "$MODE" != shell ]; then
	"${RUN[@]}" < /dev/null & qpid=$!
	# Shown to a person: the markers become headings, the setup steps
	# that worked are left out.
	tail -n +1 -f --pid=$qpid "$OUT/results.log" | sed -u -e 's/\r$//' \
		-e '/^# kwish-run: setup as root$/,/^# kwish-exit: setup /{' \
		-e '  /^ok /d' -e '  /^1\.\./d' -e '  /^# crw/d' \
		-e '  s/^# kwish-run: setup as root$/---- loading the kwish modules/' \
		-e '  s/^# kwish-exit: setup as root rc=0$/kwish modules loaded, \/dev\/kwish is there/' -e '}' \
		-e 's/^# kwish-run: \(.*\) as \(.*\)$/---- \1 (as \2)/' \
		-e '/^# kwish-exit: .* rc=0$/d' \
		-e 's/^# kwish-exit: \(.*\) as .* rc=\(.*\)$/---- \1: exit status \2/' \
		-e '/^# kwish-end$/d' -e '/^TAP version/d' & tpid=$!
	wait $qpid || rc=$?
	wait $tpid || true
elif [ "$MODE" = shell ]; then
	"${RUN[@]}" || rc=$?
else
	"${RUN[@]}" < /dev/null || rc=$?
fi
secs=$(( $(date +%s) - start ))

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "timeout $secs" > "$OUT/status"
	echo "run-vm: $KVER: guest killed after ${VM_TIMEOUT}s (hung?); see $OUT/console.log" >&2
	exit 1
elif [ "$rc" != 0 ]; then
	echo "qemu-failed $secs rc=$rc" > "$OUT/status"
	echo "run-vm: $KVER: qemu exited with $rc; see $OUT/console.log" >&2
	exit 1
fi
echo "ok $secs" > "$OUT/status"
if ! grep -q '^# kwish-end' "$OUT/results.log"; then
	echo "run-vm: $KVER: guest stopped before the end of its run (panic?); see $OUT/console.log" >&2
	exit 1
fi
echo "run-vm: $KVER: guest finished in ${secs}s" >&2
