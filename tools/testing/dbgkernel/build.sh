#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh - build (once, cached) kwish's debug test kernel: Debian's
# linux-source-6.1 with x86_64_defconfig + config.fragment (KASAN, lockdep,
# kmemleak, KUnit, ftrace/kprobes, fault injection, ...), and one Kconfig
# line of 6.1 lifted (patch_tree).
#
#   build.sh          build if needed; print the kernel release (KREL)
#   build.sh krel     the same: print KREL, e.g. 6.1.192-kwish-debug
#   build.sh kdir     build if needed; print the configured build tree
#                     (the KDIR for `make -C modules KDIR=...`)
#   build.sh status   never builds: print KREL and exit 0 if the current
#                     build is complete, exit 1 otherwise
#   build.sh key      never builds: print the cache key (below)
#
# Only the answer goes to stdout: the script moves its stdout to fd 3 at
# once and everything else (apt, dpkg, make, tar) writes to stderr, so a
# caller's $(build.sh krel) is the kernel release and nothing else, also
# on a fresh machine where the packages get installed first
# (tools/testing/scripts-test.sh checks this with apt stubbed).
#
# Cache (KWISH_CACHE, default ~/.cache/kwish, as in kernels.sh):
#   dbgkernel/<KEY>/src           the build tree, kept: KDIR for M= builds
#   dbgkernel/<KEY>/build.log     configure + build output
#   dbgkernel/<KEY>/build-seconds wall time of the last build
#   dbgkernel/<KEY>/stamp         KREL; written only when all succeeded
#   kernels/<KREL>/               what the QEMU runner boots, the layout
#                                 deps.sh makes for Debian kernels:
#       vmlinuz, config, System.map, lib/modules/<KREL>/ (depmod'ed;
#       its build symlink points at the tree), PACKAGE ("kwish-dbgkernel
#       <KEY>"), VERSION (linux-source-6.1's Debian version)
# KEY = short hash of (linux-source-6.1's installed version, this script,
# config.fragment): any change to one of them builds a new kernel.  When a
# build completes, the other keys' trees (and their kernels/<KREL> dirs,
# if they carry another KREL) are deleted.
#
# The build runs under `nice -n 19` with -j$(nproc); about 11 minutes on two
# cores.  A run that finds another one building waits for it (flock).  An
# interrupted build is resumed (incremental make) by the next run.
#
# Environment: KWISH_CACHE, KWISH_DBGK_JOBS (make -j, default nproc).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
FRAG=$HERE/config.fragment
SRCPKG=linux-source-6.1
TARBALL=${KWISH_DBGK_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
CACHE_ROOT="${KWISH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kwish}"
DBG_ROOT=$CACHE_ROOT/dbgkernel
KERNELS_ROOT=$CACHE_ROOT/kernels
JOBS=${KWISH_DBGK_JOBS:-$(nproc)}
BUILD_PKGS=("$SRCPKG" build-essential bc flex bison libelf-dev libssl-dev
	    cpio xz-utils kmod)

log() { echo "dbgkernel: $*" >&2; }
die() { echo "dbgkernel: error: $*" >&2; exit 1; }

usage() { sed -n '4,16s/^# \{0,1\}//p' "$SELF" >&2; exit 2; }
CMD=${1:-build}
case $CMD in build|krel|kdir|status|key) ;; *) usage ;; esac
# fd 3 is the answer; stdout is stderr from here on.
exec 3>&1 1>&2

# A kernel build must not pick up a caller's make or kbuild settings (e.g.
# when run from a make recipe, or with KCFLAGS=-Werror exported).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS \
      O KBUILD_OUTPUT ARCH CROSS_COMPILE LLVM CC LD KCFLAGS KCPPFLAGS \
      KAFLAGS KBUILD_EXTMOD M LOCALVERSION INSTALL_MOD_PATH

# ---------------------------------------------------------------- packages
SUDO=()
[ "$(id -u)" = 0 ] || SUDO=(sudo)

missing_pkgs() {
	local p st
	for p in "$@"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || echo "$p"
	done
}

install_deps() {
	local missing p
	mapfile -t missing < <(missing_pkgs "${BUILD_PKGS[@]}")
	[ ${#missing[@]} -gt 0 ] || return 0
	[ ${#SUDO[@]} -eq 0 ] || command -v sudo >/dev/null ||
		die "not root and no sudo: cannot install ${missing[*]}"
	for p in "${missing[@]}"; do
		if [ -z "$(apt-cache policy "$p" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)"')" ]; then
			log "apt-get update"
			"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=900 update -qq < /dev/null
			break
		fi
	done
	log "apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq \
		-o DPkg::Lock::Timeout=900 \
		--no-install-recommends "${missing[@]}" < /dev/null
}

# ---------------------------------------------------------------- the key
src_version() { dpkg-query -W -f='${Version}' "$SRCPKG" 2>/dev/null; }

compute_key() {
	{ echo "$SRCPKG $(src_version)"; cat "$SELF" "$FRAG"; } |
		sha256sum | cut -c1-12
}

# Complete: the stamp exists, the tree is there, and the runner's copy
# belongs to this key.  Prints KREL.
complete() {
	local kd=$DBG_ROOT/$KEY krel
	[ -s "$kd/stamp" ] && [ -f "$kd/src/Module.symvers" ] || return 1
	krel=$(cat "$kd/stamp")
	[ -f "$KERNELS_ROOT/$krel/vmlinuz" ] &&
		[ -f "$KERNELS_ROOT/$krel/lib/modules/$krel/modules.dep" ] &&
		[ "$(cat "$KERNELS_ROOT/$krel/PACKAGE" 2>/dev/null)" = "kwish-dbgkernel $KEY" ] ||
		return 1
	echo "$krel"
}

answer() {	# answer KREL: what the subcommand prints
	case $CMD in
	kdir) echo "$DBG_ROOT/$KEY/src" >&3 ;;
	*)    echo "$1" >&3 ;;
	esac
}

# ---------------------------------------------------------------- steps
# Options of the fragment that .config does not have as written.
check_config() {	# check_config FRAGMENT DOTCONFIG
	awk '
	FNR == NR {
		if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) {
			n = $0; sub(/=.*/, "", n)
			if (!(n in want)) order[++k] = n
			want[n] = substr($0, length(n) + 2)
		} else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set/) {
			if (!($2 in want)) order[++k] = $2
			want[$2] = "n"
		}
		next
	}
	$0 ~ /^CONFIG_[A-Za-z0-9_]+=/ {
		n = $0; sub(/=.*/, "", n); have[n] = substr($0, length(n) + 2)
	}
	END {
		bad = 0
		for (i = 1; i <= k; i++) {
			n = order[i]; h = (n in have) ? have[n] : "n"
			if (h != want[n]) {
				printf "  %s: wanted %s, got %s\n", n, want[n], h
				bad = 1
			}
		}
		exit bad
	}' "$1" "$2"
}

# make in the tree, niced; output appended to the build log.
kmake() {
	nice -n 19 make -C "$TREE" LOCALVERSION= \
		KBUILD_BUILD_USER=kwish KBUILD_BUILD_HOST=kwish "$@" >> "$LOG" 2>&1
}

fail() {
	echo "dbgkernel: error: $* (log: $LOG); its end:" >&2
	tail -n 60 "$LOG" | sed 's/^/  | /' >&2
	exit 1
}

# Changes to the extracted tree before it is configured.
#
# 6.1's lib/Kconfig.debug keeps FAULT_INJECTION_STACKTRACE_FILTER off
# x86_64 ("depends on !X86_64", commit 6d690dcac92a "fault injection:
# disable stacktrace filter for x86-64", 2007: x86_64 had no reliable
# unwinder then).  The ORC unwinder (4.14) gives reliable traces, and
# upstream dropped the line after 6.1 ("fault-injection: allow stacktrace
# filter for x86-64", Wei Yongjun, 2022).  The VM's faultinject phase
# needs the filter (require-start/-end) to fail only the allocations one
# kwish module makes.  The fragment's check (check_config) then confirms
# the option is on.
patch_tree() {
	local kc=$TREE/lib/Kconfig.debug
	[ -f "$kc" ] || die "no lib/Kconfig.debug in $TREE"
	sed -i '/^config FAULT_INJECTION_STACKTRACE_FILTER$/,/^config /{/^\tdepends on !X86_64$/d}' "$kc"
	if sed -n '/^config FAULT_INJECTION_STACKTRACE_FILTER$/,/^config /p' "$kc" |
	   grep -q 'X86_64'; then
		die "cannot allow FAULT_INJECTION_STACKTRACE_FILTER on x86_64 in $kc"
	fi
	echo "== patched: FAULT_INJECTION_STACKTRACE_FILTER allowed on x86_64" >> "$LOG"
}

configure() {
	log "extracting $TARBALL into $TREE"
	rm -rf "$TREE" "$KD/stamp" "$KD/.configured"
	mkdir -p "$TREE"
	nice -n 19 tar -xf "$TARBALL" -C "$TREE" --strip-components=1 ||
		die "cannot extract $TARBALL"
	patch_tree
	log "configuring: x86_64_defconfig + $(basename "$FRAG")"
	{ echo "== x86_64_defconfig + $FRAG"; } >> "$LOG"
	kmake x86_64_defconfig || fail "make x86_64_defconfig failed"
	( cd "$TREE" && scripts/kconfig/merge_config.sh -m .config "$FRAG" ) >> "$LOG" 2>&1 ||
		fail "merge_config.sh failed"
	kmake olddefconfig || fail "make olddefconfig failed"
	local bad
	if ! bad=$(check_config "$FRAG" "$TREE/.config"); then
		echo "dbgkernel: error: Kconfig did not keep these options of $FRAG:" >&2
		echo "$bad" >&2
		echo "  (a missing dependency, a renamed or misspelt symbol; see $TREE/.config)" >&2
		exit 1
	fi
	touch "$KD/.configured"
}

# Install into kernels/<KREL>/ the way deps.sh installs a Debian kernel.
install_kernel() {
	local krel=$1 dst=$KERNELS_ROOT/$1 tmp
	mkdir -p "$KERNELS_ROOT"
	tmp=$(mktemp -d "$KERNELS_ROOT/.dbgkernel.XXXXXX")
	chmod 0755 "$tmp"
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	log "installing $krel into $dst"
	cp "$TREE/arch/x86/boot/bzImage" "$tmp/vmlinuz"
	cp "$TREE/.config" "$tmp/config"
	cp "$TREE/System.map" "$tmp/System.map"
	echo "== modules_install" >> "$LOG"
	# modules_install runs depmod itself and links lib/modules/KREL/build
	# to the tree; depmod again explicitly, as deps.sh does.
	kmake INSTALL_MOD_PATH="$tmp" modules_install || fail "make modules_install failed"
	[ -d "$tmp/lib/modules/$krel" ] || fail "modules_install made no lib/modules/$krel"
	depmod -b "$tmp" "$krel"
	echo "kwish-dbgkernel $KEY" > "$tmp/PACKAGE"
	echo "$(src_version)" > "$tmp/VERSION"
	rm -rf "$dst"
	mv "$tmp" "$dst"
	trap - EXIT
}

# After a success: drop the other keys' trees, and the runner's copies of
# older debug kernels under another release string.
prune() {
	local d k
	shopt -s nullglob
	for d in "$DBG_ROOT"/*/; do
		k=$(basename "$d")
		[ "$k" != "$KEY" ] || continue
		log "removing old build $d"
		rm -rf "$d"
	done
	for d in "$KERNELS_ROOT"/*/; do
		[ -f "$d/PACKAGE" ] || continue
		[ "$(basename "$d")" != "$KREL" ] || continue
		case $(cat "$d/PACKAGE") in
		"kwish-dbgkernel "*) log "removing old kernel $d"; rm -rf "$d" ;;
		esac
	done
}

# ---------------------------------------------------------------- main
if [ "$CMD" = status ] || [ "$CMD" = key ]; then
	[ -n "$(src_version)" ] || exit 1
	KEY=$(compute_key)
	[ "$CMD" = key ] && { echo "$KEY" >&3; exit 0; }
	complete >&3 || exit 1
	exit 0
fi

# Fast path: already built, no lock, no apt.
if [ -n "$(src_version)" ]; then
	KEY=$(compute_key)
	if KREL=$(complete); then
		log "up to date: $DBG_ROOT/$KEY (kernel $KREL in $KERNELS_ROOT/$KREL)"
		answer "$KREL"
		exit 0
	fi
fi

mkdir -p "$DBG_ROOT"
exec 9> "$DBG_ROOT/.lock"
if ! flock -n 9; then
	log "another build is running; waiting for it"
	flock 9
fi

install_deps
[ -f "$TARBALL" ] || die "$SRCPKG installed but $TARBALL missing"
KEY=$(compute_key)
KD=$DBG_ROOT/$KEY
TREE=$KD/src
LOG=$KD/build.log

# Built meanwhile by the run we waited for?
if KREL=$(complete); then
	log "up to date: $KD (kernel $KREL)"
	answer "$KREL"
	exit 0
fi
mkdir -p "$KD"

# Built, but the runner's copy is missing or from another key: reinstall.
if [ -s "$KD/stamp" ] && [ -f "$TREE/Module.symvers" ]; then
	KREL=$(cat "$KD/stamp")
	install_kernel "$KREL"
	KREL=$(complete) || die "reinstalled $KREL, still incomplete"
	answer "$KREL"
	exit 0
fi

start=$(date +%s)
if [ -f "$KD/.configured" ] && [ -f "$TREE/.config" ]; then
	log "resuming the interrupted build in $TREE"
	echo "== resumed $(date)" >> "$LOG"
else
	: > "$LOG"
	configure
fi
log "building bzImage + modules (-j$JOBS, nice 19); log: $LOG"
echo "== bzImage modules -j$JOBS $(date)" >> "$LOG"
kmake -j"$JOBS" bzImage modules || fail "kernel build failed"
# Written by the build (from the Makefile's version and LOCALVERSION).
KREL=$(cat "$TREE/include/config/kernel.release" 2>/dev/null) && [ -n "$KREL" ] ||
	fail "no include/config/kernel.release"
secs=$(( $(date +%s) - start ))
echo "$secs" > "$KD/build-seconds"
log "built $KREL in $((secs / 60))m$((secs % 60))s"

install_kernel "$KREL"
echo "$KREL" > "$KD/stamp"
prune
KREL=$(complete) || die "build finished but $KD is incomplete"
log "done: tree $TREE, kernel $KERNELS_ROOT/$KREL"
answer "$KREL"
