#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-demo.sh - what `make run` does: install what is needed, build kwish
# for Debian 12's stock 6.1 kernel, boot that kernel in QEMU with the kwish
# modules loaded, show `kwishctl status` and the demonstration
# (tools/testing/demo.sh), and power the VM off again.  Nothing is loaded
# into the kernel you are running.
#
# Environment: KWISH_KVER (boot another test kernel), KWISH_VM_TIMEOUT.
# Logs: build/vm/<kver>/demo/{console,results}.log.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTING=$ROOT/tools/testing
BUILD=$ROOT/build
cd "$ROOT"
# `make run|bench KVERS="..."` pins the kernels like KWISH_KVERS does.
if [ -n "${KVERS:-}" ] && [ -z "${KWISH_KVERS:-}" ]; then
	export KWISH_KVERS=$KVERS
fi

step() { echo "== $*"; }
# build LOG CMD...: run a build step quietly, show its log if it fails.
build() {
	local log=$1; shift
	mkdir -p "$(dirname "$log")"
	if "$@" > "$log" 2>&1; then
		return 0
	fi
	tail -n 100 "$log"
	echo "run-demo: '$*' failed (full log: ${log#"$ROOT"/})" >&2
	return 1
}

step "installing what is needed (tools/testing/deps.sh)"
"$TESTING/deps.sh"

# The oldest supported kernel: Debian 12's stock one.
KVER=${KWISH_KVER:-$("$TESTING/kernels.sh" kvers | awk '{ print $1 }')}
[ -n "$KVER" ] || { echo "run-demo: no test kernel" >&2; exit 1; }

step "building the kwish modules for $KVER"
build "$BUILD/$KVER/modules.log" make -C "$ROOT" -j"$(nproc)" modules KVERS="$KVER"
step "building kwishctl and the tools"
tools_ok=1
build "$BUILD/tools.log" make -C "$ROOT" -j"$(nproc)" tools || tools_ok=0
[ "$tools_ok" = 1 ] || echo "run-demo: booting without the tools" >&2

OUT=$BUILD/vm/$KVER/demo
step "booting Debian's $KVER under QEMU (TCG, takes a little while)"
rc=0
KWISH_VM_ECHO=1 "$TESTING/vm/run-vm.sh" "$KVER" demo "$OUT" || rc=$?
if ! "$TESTING/vm/splats.sh" "$OUT/console.log"; then
	echo "run-demo: the kernel logged warnings (above)" >&2
	rc=1
fi
step "done; VM logs in ${OUT#"$ROOT"/}/"
[ "$rc" = 0 ] && [ "$tools_ok" = 1 ]
