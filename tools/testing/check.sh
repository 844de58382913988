#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - every kwish test (what `make check` and CI run).
#
#   1. tools/testing/deps.sh (packages, test kernels)
#      tools/testing/scripts-test.sh: the helper scripts' answers, with
#      apt stubbed                                          1 result each
#      tools/testing/dbgkernel/build.sh: kwish's debug test kernel (Debian's
#      linux-source-6.1 with KUnit, KASAN, lockdep, kmemleak), built once
#      and cached (about 11 minutes on 2 cores)             1 result
#   2. for each test kernel (tools/testing/kernels.sh kvers, then the
#      debug kernel):
#        make modules KVERS=<kver>                         1 result
#      (for the debug kernel also the KUnit modules, kunit/)
#   3. make tools                                          1 result
#      tools/dev/checkpatch.sh (checkpatch.pl --strict)      1 result
#   4. for each test kernel: boot it under QEMU (TCG) in check mode and
#      count the TAP results of setup, every selftest as root and as
#      kwuser (uid 1000), and teardown (tools/testing/vm/tap-report.awk),
#      plus 1 result for a clean kernel log (tools/testing/vm/splats.sh:
#      BUG, WARNING, Oops, lockups, KASAN, lockdep, ...).  The debug
#      kernel then also runs every KUnit case (one result each), 50
#      load/unload cycles of all kwish modules under use, fault injection
#      (allocations from each kwish module's code fail while its features
#      are used, and while it loads), trinity for 90 s as kwuser, and a
#      kmemleak scan (tools/testing/vm/init).
#   5. the install test (tools/testing/package/check-package.sh): the
#      .debs (dpkg-buildpackage, lintian) and the RPMs (rpmbuild), `apt
#      install` of the .debs in a cached Debian 12 image (debootstrap,
#      started in the background right after step 1, while the kernels
#      and modules build), DKMS builds for 6.1 and 6.12 there, then the
#      image booted under QEMU: modprobe, /dev/kwish and its udev mode,
#      kwishctl status, every selftest as root and kwuser, rmmod; then
#      `apt remove`.  It runs in the background beside step 4 (TCG keeps
#      one CPU busy, this uses the other) and is reported after it.  Each
#      step is one result ("package" in the summary), plus 1 for a clean
#      kernel log.
#
# Every failure is printed with its kernel and user, then a summary per
# kernel; the last line is "N passed, N failed, N skipped" and the exit
# status is non-zero if anything failed.  Logs: build/<kver>/modules.log,
# build/tools.log, build/vm/<kver>/{console,results}.log.
#
# Environment: KWISH_KVERS (pin kernels; the debug kernel is then left
# out unless listed, as "$(tools/testing/kernels.sh debug-krel)"),
# KWISH_DEBUG_KERNEL=0 (leave the debug kernel out), KWISH_TESTS (run only
# these selftests, comma-separated; on the debug kernel also kunit, reload,
# faultinject, trinity, kmemleak), KWISH_TEST_TIMEOUT, KWISH_VM_TIMEOUT,
# and for the debug kernel, which runs about ten times slower under TCG,
# KWISH_DBG_TEST_TIMEOUT (default 900), KWISH_DBG_VM_TIMEOUT (2400) and
# KWISH_DBG_RELOAD_CYCLES (25 load/unload cycles in the reload phase; a
# cycle takes about 19 s there); run-vm.sh's KWISH_TRINITY_SECONDS,
# KWISH_FAULTINJECT_SECONDS, ... lengthen the trinity and faultinject
# phases (raise KWISH_DBG_VM_TIMEOUT with them).
# The install test runs in a full run (no KWISH_KVERS, no KWISH_TESTS) or
# when KWISH_TESTS names "package"; KWISH_PACKAGE_TEST=0 leaves it out,
# =1 forces it.
set -uo pipefail	# no -e: every step is counted, none aborts the run

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTING=$ROOT/tools/testing
BUILD=$ROOT/build
cd "$ROOT" || exit 1
export DEBIAN_FRONTEND=noninteractive
# `make check KVERS="..."` pins the kernels like KWISH_KVERS does.
if [ -n "${KVERS:-}" ] && [ -z "${KWISH_KVERS:-}" ]; then
	export KWISH_KVERS=$KVERS
fi

PASSED=0 FAILED=0 SKIPPED=0
FAILURES=()		# one line per failure, repeated at the end
declare -A KP=() KF=() KS=() KTIME=()
T0=$(date +%s)

say() { echo "== $*"; }
pass() { PASSED=$((PASSED + 1)); [ -n "${2:-}" ] && KP[$2]=$(( ${KP[$2]:-0} + 1 )); echo "ok   $1"; }
fail() {
	FAILED=$((FAILED + 1)); [ -n "${2:-}" ] && KF[$2]=$(( ${KF[$2]:-0} + 1 ))
	FAILURES+=("$1"); echo "FAIL $1"
}
# Print a (possibly long) log: all of it up to 300 lines, else head and tail.
show_log() {
	local n; n=$(wc -l < "$1")
	if [ "$n" -le 300 ]; then
		sed 's/^/    /' "$1"
	else
		head -n 200 "$1" | sed 's/^/    /'
		echo "    ... ($((n - 250)) lines left out, see $1) ..."
		tail -n 50 "$1" | sed 's/^/    /'
	fi
}

summary() {
	local k
	echo
	say "summary ($(( $(date +%s) - T0 )) s)"
	for k in "${KVERS[@]}"; do
		printf '%s: %d passed, %d failed, %d skipped%s\n' "$k" \
			"${KP[$k]:-0}" "${KF[$k]:-0}" "${KS[$k]:-0}" \
			"${KTIME[$k]:+ (VM ${KTIME[$k]} s)}"
	done
	if [ ${#FAILURES[@]} -gt 0 ]; then
		echo "failures:"
		printf '  %s\n' "${FAILURES[@]}"
	fi
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
}

# ------------------------------------------------------------------ deps
say "dependencies (tools/testing/deps.sh)"
mkdir -p "$BUILD"
if "$TESTING/deps.sh" > "$BUILD/deps.log" 2>&1; then
	sed 's/^/    /' "$BUILD/deps.log"
else
	show_log "$BUILD/deps.log"
	fail "deps: tools/testing/deps.sh failed"
fi

# The helper scripts whose stdout is an answer (kernel release, paths,
# the mirror) print nothing else, also when they install packages first.
say "helper scripts answer on stdout only (tools/testing/scripts-test.sh)"
n=0
while IFS= read -r line; do
	case $line in
	"ok "*)     pass "scripts: ${line#ok * - }"; n=$((n + 1)) ;;
	"not ok "*) fail "scripts: ${line#not ok * - }"; n=$((n + 1)) ;;
	*)          echo "    $line" ;;
	esac
done < <("$TESTING/scripts-test.sh" 2>&1)
[ "$n" -gt 0 ] || fail "scripts: tools/testing/scripts-test.sh reported nothing"

# The install test's Debian 12 base image: made (or found in the cache)
# in the background, since debootstrap mostly waits on the network and
# the disk while the kernels and modules below keep the CPUs busy.
PKG_TEST=${KWISH_PACKAGE_TEST:-}
if [ -z "$PKG_TEST" ]; then
	PKG_TEST=0
	if [ -z "${KWISH_KVERS:-}" ] && [ -z "${KWISH_TESTS:-}" ]; then
		PKG_TEST=1
	fi
	case ",${KWISH_TESTS:-}," in *,package,*) PKG_TEST=1 ;; esac
fi
ROOTFS_PID=""
if [ "$PKG_TEST" = 1 ]; then
	say "install test: Debian 12 base image in the background (log: build/rootfs.log)"
	"$TESTING/package/rootfs.sh" > "$BUILD/rootfs.log" 2>&1 < /dev/null &
	ROOTFS_PID=$!
fi

KVERS=()
read -r -a KVERS <<< "$("$TESTING/kernels.sh" kvers 2>"$BUILD/kernels.err")"
if [ ${#KVERS[@]} -eq 0 ]; then
	cat "$BUILD/kernels.err"
	fail "kernels: cannot resolve the test kernels from META"
	summary
	exit 1
fi

# The debug kernel: built (or found in the cache) here, so that its time
# shows, and booted last.
if [ "${KWISH_DEBUG_KERNEL:-1}" != 0 ] && [ -z "${KWISH_KVERS:-}" ]; then
	say "debug test kernel (tools/testing/dbgkernel/build.sh)"
	t=$(date +%s)
	if dk=$("$TESTING/kernels.sh" debug-krel 2> "$BUILD/dbgkernel.log"); then
		sed 's/^/    /' "$BUILD/dbgkernel.log"
		pass "debug kernel $dk ready ($(( $(date +%s) - t )) s)"
		KVERS+=("$dk")
	else
		show_log "$BUILD/dbgkernel.log"
		fail "debug kernel: tools/testing/dbgkernel/build.sh failed (log: build/dbgkernel.log)"
	fi
fi
say "test kernels: ${KVERS[*]}"

# ------------------------------------------------------------------ builds
declare -A BUILT=()
for k in "${KVERS[@]}"; do
	say "modules for $k"
	mkdir -p "$BUILD/$k"
	if make -C "$ROOT" -j"$(nproc)" modules KVERS="$k" > "$BUILD/$k/modules.log" 2>&1; then
		pass "[$k] build modules" "$k"
		BUILT[$k]=1
		# Warnings are errors (KCFLAGS=-Werror), but show what kbuild said.
		grep -E 'warning:|WARNING:' "$BUILD/$k/modules.log" | sed 's/^/    /' | head -n 50
	else
		show_log "$BUILD/$k/modules.log"
		fail "[$k] build modules (make modules KVERS=$k; log: build/$k/modules.log)" "$k"
	fi
done

say "tools (make tools)"
if make -C "$ROOT" -j"$(nproc)" tools > "$BUILD/tools.log" 2>&1; then
	pass "build tools"
else
	show_log "$BUILD/tools.log"
	fail "build tools (make tools; log: build/tools.log)"
fi

say "kernel coding style (tools/dev/checkpatch.sh)"
if "$ROOT/tools/dev/checkpatch.sh" > "$BUILD/checkpatch.log" 2>&1; then
	pass "checkpatch --strict clean"
else
	show_log "$BUILD/checkpatch.log"
	fail "checkpatch --strict (tools/dev/checkpatch.sh; log: build/checkpatch.log)"
fi

# ------------------------------------------------------------------ packages
# The install test runs beside the test VMs: QEMU's TCG runs the guest on
# one host thread, so the second CPU builds the packages and the DKMS
# modules in the image and then boots it.  Its output is shown after the
# VMs.
PKG_PID=""
if [ "$PKG_TEST" = 1 ]; then
	say "install test started in the background (log: build/pkg.log)"
	# rootfs.sh, which check-package.sh calls, waits on the lock of the
	# background run started above and then finds its image in the cache.
	(
		t=$(date +%s)
		"$TESTING/package/check-package.sh" "$BUILD/pkg"
		echo "$(( $(date +%s) - t ))" > "$BUILD/pkg.time"
	) > "$BUILD/pkg.log" 2>&1 < /dev/null &
	PKG_PID=$!
fi

# ------------------------------------------------------------------ VMs
# count_results LABEL OUTDIR: the TAP results in OUTDIR/results.log (a
# guest that hung or crashed is one more failure), then 1 result for a
# clean kernel log in OUTDIR/console.log.
count_results() {
	local k=$1 out=$2 report counts p f s line splats
	report=$(awk -v kver="$k" -v status="$(cat "$out/status" 2>/dev/null)" \
		-f "$TESTING/vm/tap-report.awk" "$out/results.log" 2>&1)
	counts=$(tail -n 1 <<< "$report")
	if [[ $counts =~ ^COUNTS\ ([0-9]+)\ ([0-9]+)\ ([0-9]+)$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
		PASSED=$((PASSED + p)); FAILED=$((FAILED + f)); SKIPPED=$((SKIPPED + s))
		KP[$k]=$(( ${KP[$k]:-0} + p )); KF[$k]=$(( ${KF[$k]:-0} + f ))
		KS[$k]=$(( ${KS[$k]:-0} + s ))
		sed '$d' <<< "$report"
		while IFS= read -r line; do
			FAILURES+=("${line#FAIL }")
		done < <(grep '^FAIL ' <<< "$report")
		echo "    $k: $p passed, $f failed, $s skipped in the guest"
	else
		echo "$report"
		fail "[$k] cannot read ${out#"$ROOT"/}/results.log" "$k"
	fi

	# Kernel log
	if splats=$("$TESTING/vm/splats.sh" "$out/console.log"); then
		pass "[$k] kernel log clean (no BUG/WARNING/Oops/lockup)" "$k"
	else
		echo "$splats"
		fail "[$k] kernel log has warnings/oopses (see ${out#"$ROOT"/}/console.log)" "$k"
	fi
}

for k in "${KVERS[@]}"; do
	out=$BUILD/vm/$k
	say "selftests on $k under QEMU (logs: ${out#"$ROOT"/})"
	if [ -z "${BUILT[$k]:-}" ]; then
		fail "[$k] selftests not run: the modules did not build" "$k"
		continue
	fi
	vmenv=()
	case $k in
	*-kwish-debug)
		vmenv=(KWISH_VM_TIMEOUT="${KWISH_DBG_VM_TIMEOUT:-2400}"
		       KWISH_TEST_TIMEOUT="${KWISH_DBG_TEST_TIMEOUT:-900}"
		       KWISH_RELOAD_CYCLES="${KWISH_DBG_RELOAD_CYCLES:-25}") ;;
	esac
	t=$(date +%s)
	env "${vmenv[@]}" "$TESTING/vm/run-vm.sh" "$k" check "$out" 2>&1 | sed 's/^/    /'
	KTIME[$k]=$(( $(date +%s) - t ))

	count_results "$k" "$out"
done

# ------------------------------------------------------------------ packages
if [ "$PKG_TEST" = 1 ]; then
	say "install test: packages in a Debian 12 image (tools/testing/package/check-package.sh; logs: build/pkg)"
	wait "$PKG_PID"
	if [ -n "$ROOTFS_PID" ] && ! wait "$ROOTFS_PID"; then
		echo "    the background image build failed (build/rootfs.log):"
		sed 's/^/    /' "$BUILD/rootfs.log"
	fi
	cat "$BUILD/pkg.log"
	KTIME[package]=$(cat "$BUILD/pkg.time" 2>/dev/null)
	KVERS+=(package)
	count_results package "$BUILD/pkg"
fi

summary
[ "$FAILED" -eq 0 ]
