#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernels.sh - the one place that turns META's supported kernel range
# (KERNEL_MIN, KERNEL_MAX) into concrete Debian test kernels.
#
#   kernels.sh kvers              kernel release strings, space separated,
#                                 e.g. "6.1.0-56-amd64 6.12.117+deb12-amd64"
#   kernels.sh list               one line per kernel: KVER IMAGE-PKG HEADERS-PKG VERSION
#   kernels.sh image-pkg KVER     Debian package holding vmlinuz + modules
#   kernels.sh headers-pkg KVER   Debian package holding the build headers
#   kernels.sh version KVER       Debian version of the image package
#   kernels.sh cache-dir KVER     ~/.cache/kwish/kernels/KVER (vmlinuz, lib/modules)
#   kernels.sh headers-dir KVER   ~/.cache/kwish/headers/KVER (extracted headers)
#   kernels.sh kdir KVER          the kernel build tree to build modules against
#                                 (for kwish's debug kernel, *-kwish-debug:
#                                 its build tree, built first if needed)
#   kernels.sh debug-krel         build kwish's debug test kernel if needed
#                                 (dbgkernel/build.sh) and print its KVER
#
# How each series of META is resolved:
#   * the series the `linux-image-amd64` metapackage depends on (Debian 12's
#     6.1) is taken from that dependency: it is what a Debian 12 user runs;
#   * any other series (6.12 from bookworm-security) is the newest
#     `linux-image-<series>.*+deb12-amd64-unsigned` whose
#     `linux-headers-<same kver>` also exists.
#
# Override: KWISH_KVERS="kver ..." skips the apt resolution entirely (handy
# to pin a kernel, e.g. one whose headers are already installed).
#
# apt-cache answers in well under a second, but `make` evaluates
# `kernels.sh kvers` on every invocation, so the answer is cached in
# ~/.cache/kwish/kernels.list and recomputed when META or apt's package
# lists (apt-get update) are newer than the cache.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
META="$ROOT/META"
CACHE_ROOT="${KWISH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kwish}"
LIST_CACHE="$CACHE_ROOT/kernels.list"
APT_LISTS=/var/lib/apt/lists

die() { echo "kernels.sh: $*" >&2; exit 1; }

meta() {
	local v
	v=$(sed -n "s/^$1=//p" "$META" | tail -n1)
	[ -n "$v" ] || die "$1 missing from $META"
	echo "$v"
}

# Newest apt candidate version of a package, empty if apt does not know it.
candidate() {
	apt-cache policy "$1" 2>/dev/null |
		awk '$1 == "Candidate:" && $2 != "(none)" { print $2; exit }'
}

# Image package of a kernel outside the resolution: the unsigned image where
# Debian has one (same files, no Secure Boot signature), else the plain one.
image_pkg_for() {
	if [ -n "$(candidate "linux-image-$1-unsigned")" ]; then
		echo "linux-image-$1-unsigned"
	else
		echo "linux-image-$1"
	fi
}

# Resolve one series ("6.1") to "KVER IMAGE-PKG HEADERS-PKG VERSION".
resolve_series() {
	local series=$1 dep kver pkg ver
	local re="^linux-image-${series//./\\.}\\."

	# 1. The metapackage's kernel, if it is of this series.
	dep=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" { print $2 }' | grep -E "$re" | head -n1 || true)
	if [ -n "$dep" ]; then
		kver=${dep#linux-image-}
		kver=${kver%-unsigned}
		ver=$(candidate "$dep")
		if [ -n "$ver" ] && [ -n "$(candidate "linux-headers-$kver")" ]; then
			echo "$kver $dep linux-headers-$kver $ver"
			return 0
		fi
	fi

	# 2. Newest unsigned image of the series that has matching headers.
	apt-cache search --names-only "${re}.*\\+deb12-amd64-unsigned\$" 2>/dev/null |
		awk '{ print $1 }' |
		sed -e 's/^linux-image-//' -e 's/-unsigned$//' |
		sort -rV |
		while read -r kver; do
			pkg="linux-image-$kver-unsigned"
			ver=$(candidate "$pkg")
			[ -n "$ver" ] || continue
			[ -n "$(candidate "linux-headers-$kver")" ] || continue
			echo "$kver $pkg linux-headers-$kver $ver"
			return 0
		done
}

# Print (and cache) the resolved list, one kernel per line.
resolve_all() {
	if [ -n "${KWISH_KVERS:-}" ]; then
		local k
		for k in $KWISH_KVERS; do
			local pkg
			pkg=$(image_pkg_for "$k")
			echo "$k $pkg linux-headers-$k $(candidate "$pkg")"
		done
		return 0
	fi

	# Cached answer still valid?  (newer than META and than every apt list)
	if [ -s "$LIST_CACHE" ] && [ "$LIST_CACHE" -nt "$META" ] &&
	   [ -z "$(find "$APT_LISTS" -maxdepth 1 -newer "$LIST_CACHE" -name '*Packages*' -print -quit 2>/dev/null)" ]; then
		cat "$LIST_CACHE"
		return 0
	fi

	local out="" line series
	for series in $(meta KERNEL_MIN) $(meta KERNEL_MAX); do
		line=$(resolve_series "$series")
		[ -n "$line" ] || die "no Debian kernel found for series $series (run tools/testing/deps.sh, or 'apt-get update')"
		# KERNEL_MIN == KERNEL_MAX would list the kernel twice
		case "$out" in *"$line"*) continue ;; esac
		out+="$line"$'\n'
	done
	mkdir -p "$CACHE_ROOT"
	printf '%s' "$out" > "$LIST_CACHE.tmp.$$" && mv "$LIST_CACHE.tmp.$$" "$LIST_CACHE"
	printf '%s' "$out"
}

# Field N of the line for KVER.
field() {
	local kver=$1 n=$2 v
	v=$(resolve_all | awk -v k="$kver" -v n="$n" '$1 == k { print $n; exit }')
	if [ -z "$v" ]; then
		# A kernel outside the resolved set: derive the names.
		case $n in
		2) v=$(image_pkg_for "$kver") ;;
		3) v="linux-headers-$kver" ;;
		4) v=$(candidate "$(field "$kver" 2)") ;;
		esac
	fi
	[ -n "$v" ] || die "cannot resolve field $n for $kver"
	echo "$v"
}

cmd=${1:-}
case "$cmd" in
kvers)       resolve_all | awk '{ printf "%s%s", sep, $1; sep = " " } END { print "" }' ;;
list)        resolve_all ;;
image-pkg)   field "${2:?KVER}" 2 ;;
headers-pkg) field "${2:?KVER}" 3 ;;
version)     field "${2:?KVER}" 4 ;;
cache-dir)   echo "$CACHE_ROOT/kernels/${2:?KVER}" ;;
headers-dir) echo "$CACHE_ROOT/headers/${2:?KVER}" ;;
kdir)
	case ${2:?KVER} in
	*-kwish-debug) "$ROOT/tools/testing/dbgkernel/build.sh" kdir ;;
	*)             echo "$CACHE_ROOT/headers/$2/usr/src/linux-headers-$2" ;;
	esac ;;
debug-krel)  "$ROOT/tools/testing/dbgkernel/build.sh" krel ;;
*)
	sed -n '4,19s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2 ;;
esac
