#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# meta.sh - read META and derive what the packaging needs from it.
#
#   meta.sh get NAME        a META value (KWISH_VERSION, KERNEL_MIN, ...)
#   meta.sh modules         the kwish modules, one per line, in load order
#                           (the obj-m directories of modules/Kbuild)
#   meta.sh kernel-regex    an extended regex matching the release strings
#                           of every kernel from KERNEL_MIN to KERNEL_MAX
#                           (dkms < 3.1 has no BUILD_EXCLUSIVE_KERNEL_MIN/MAX)
#   meta.sh check           debian/changelog and rpm/kwish.spec.in agree
#                           with META; non-zero and a message if not
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
META=$TOP/META

get() {
	v=$(sed -n "s/^$1=//p" "$META" | tail -n 1)
	[ -n "$v" ] || { echo "meta.sh: $1 missing from $META" >&2; exit 1; }
	echo "$v"
}

# kwish_core first (the others import its namespace), then modules/Kbuild's
# order.
modules() {
	sed -n 's|^obj-m[[:space:]]*+=[[:space:]]*\([a-z0-9_]*\)/[[:space:]]*$|\1|p' \
		"$TOP/modules/Kbuild"
}

# "6.1" .. "6.12" -> ^(6\.(1|2|...|12))([.-]|$)
kernel_regex() {
	min=$(get KERNEL_MIN) max=$(get KERNEL_MAX)
	minmaj=${min%%.*} minmin=${min#*.} maxmaj=${max%%.*} maxmin=${max#*.}
	alts=""
	maj=$minmaj
	while [ "$maj" -le "$maxmaj" ]; do
		lo=0 hi=99
		[ "$maj" = "$minmaj" ] && lo=$minmin
		[ "$maj" = "$maxmaj" ] && hi=$maxmin
		m=$lo
		minors=""
		while [ "$m" -le "$hi" ]; do
			minors="$minors${minors:+|}$m"
			m=$((m + 1))
		done
		alts="$alts${alts:+|}$maj\\.($minors)"
		maj=$((maj + 1))
	done
	echo "^($alts)([.-]|\$)"
}

check() {
	ver=$(get KWISH_VERSION) bad=0
	if [ -f "$TOP/debian/changelog" ]; then
		deb=$(sed -n '1s/^kwish (\([^)]*\)).*/\1/p' "$TOP/debian/changelog")
		case $deb in
		"$ver"|"$ver"-*) ;;
		*) echo "meta.sh: debian/changelog is at $deb, META at $ver" >&2; bad=1 ;;
		esac
	fi
	spec=$TOP/rpm/kwish.spec.in
	if [ -f "$spec" ] && ! grep -q '^Version:[[:space:]]*@KWISH_VERSION@' "$spec"; then
		echo "meta.sh: rpm/kwish.spec.in does not take its Version from META" >&2
		bad=1
	fi
	return $bad
}

case ${1:-} in
get)          get "${2:?NAME}" ;;
modules)      modules ;;
kernel-regex) kernel_regex ;;
check)        check ;;
*)            sed -n '4,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
