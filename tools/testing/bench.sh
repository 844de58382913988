#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - what `make bench` does: install what is needed, build the
# modules for every test kernel and the tools, boot each kernel once in
# QEMU in bench mode (every program of build/tools/bench/ runs as root, in
# one boot) and print what the benchmarks print.
#
# Numbers come from a TCG-emulated CPU: compare ratios within one boot, not
# absolute times across machines.
#
# Environment: KWISH_KVERS (pin kernels), KWISH_TESTS (only these
# benchmarks, comma-separated), KWISH_VM_TIMEOUT.
# Logs: build/vm/<kver>/bench/{console,results}.log.
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
build() {
	local log=$1; shift
	mkdir -p "$(dirname "$log")"
	if "$@" > "$log" 2>&1; then
		return 0
	fi
	tail -n 100 "$log"
	echo "bench: '$*' failed (full log: ${log#"$ROOT"/})" >&2
	return 1
}

step "dependencies (tools/testing/deps.sh)"
"$TESTING/deps.sh"
read -r -a KVERS <<< "$("$TESTING/kernels.sh" kvers)"

step "building the tools"
build "$BUILD/tools.log" make -C "$ROOT" -j"$(nproc)" tools

rc=0
for k in "${KVERS[@]}"; do
	step "modules for $k"
	if ! build "$BUILD/$k/modules.log" make -C "$ROOT" -j"$(nproc)" modules KVERS="$k"; then
		rc=1
		continue
	fi
	OUT=$BUILD/vm/$k/bench
	step "benchmarks on $k (QEMU, TCG)"
	KWISH_VM_ECHO=1 "$TESTING/vm/run-vm.sh" "$k" bench "$OUT" || rc=1
	"$TESTING/vm/splats.sh" "$OUT/console.log" || rc=1
done
exit $rc
