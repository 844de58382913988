#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by layout.sh and gates.sh, with $kdir (the target tree) and
# $work (a scratch directory) set: finds the target kernel's BTF and sets
#   $krel    the release the tree builds for;
#   $btf     $work/btf, the kernel's raw BTF, or empty if none was found;
#   $source  where it came from, for messages and the generated headers.
# Where the BTF comes from, first match wins:
#   1. $KWISH_BTF: a raw .BTF blob, an ELF vmlinux or a bzImage (vmlinuz)
#      (kwish's test builds pass the test kernel's vmlinuz);
#   2. KDIR/vmlinux if it carries .BTF (a kernel built from source);
#   3. /sys/kernel/btf/vmlinux if KDIR is the running kernel's tree
#      (DKMS building for the running kernel);
#   4. /boot/vmlinuz-<release of KDIR> (DKMS building for another
#      installed kernel).
# Reading it needs pahole and pfunct (Debian package dwarves).
[ -n "${work:-}" ] || {
	echo "btf.sh: sourced by layout.sh and gates.sh, not run" >&2
	exit 2
}

# The release the tree builds for: UTS_RELEASE ("6.1.0-56-amd64"; Debian's
# include/config/kernel.release says "6.1.192"), or $KWISH_KVER (DKMS's
# $kernelver).
krel=${KWISH_KVER:-$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
	"$kdir/include/generated/utsrelease.h" 2>/dev/null || true)}
[ -n "$krel" ] || krel=$(cat "$kdir/include/config/kernel.release" 2>/dev/null || true)
source=
btf=

# bzImage or ELF or raw BTF -> raw BTF in $work/btf; 0 on success.
to_btf() {
	f=$1
	magic=$(od -An -tx1 -N4 "$f" | tr -d ' \n')
	case $magic in
	9feb*)	# raw BTF (little endian magic 0xeB9F)
		cp "$f" "$work/btf"
		return 0 ;;
	7f454c46)
		objcopy -O binary --only-section=.BTF "$f" "$work/btf" \
			2>/dev/null && [ -s "$work/btf" ]
		return ;;
	esac
	# A compressed kernel: try every embedded stream that decompresses
	# to an ELF image (the way scripts/extract-vmlinux does).
	for fmt in "fd377a585a00:xz -dc" "28b52ffd:zstd -dc" "1f8b08:gzip -dc" \
		   "425a68:bzip2 -dc" "894c5a:lzop -dc" "02214c18:lz4 -dc"; do
		hex=${fmt%%:*}
		cmd=${fmt#*:}
		command -v "${cmd%% *}" >/dev/null 2>&1 || continue
		pat=$(echo "$hex" | sed 's/../\\x&/g')
		for pos in $(LC_ALL=C grep -aboP "$pat" "$f" 2>/dev/null |
			     cut -d: -f1 | head -n 8); do
			tail -c +$((pos + 1)) "$f" | $cmd > "$work/vmlinux" \
				2>/dev/null || true
			if [ "$(od -An -tx1 -N4 "$work/vmlinux" | tr -d ' \n')" = \
			     7f454c46 ] && to_btf "$work/vmlinux"; then
				return 0
			fi
		done
	done
	return 1
}

if [ -n "${KWISH_BTF:-}" ] && to_btf "$KWISH_BTF"; then
	source="BTF of $KWISH_BTF"
elif [ -f "$kdir/vmlinux" ] && to_btf "$kdir/vmlinux"; then
	source="BTF of $kdir/vmlinux"
elif [ -n "$krel" ] && [ "$krel" = "$(uname -r)" ] &&
     [ -r /sys/kernel/btf/vmlinux ] && to_btf /sys/kernel/btf/vmlinux; then
	source="BTF of the running kernel (/sys/kernel/btf/vmlinux)"
elif [ -n "$krel" ] && [ -r "/boot/vmlinuz-$krel" ] &&
     to_btf "/boot/vmlinuz-$krel"; then
	source="BTF of /boot/vmlinuz-$krel"
fi
[ -n "$source" ] && btf=$work/btf

if [ -n "$btf" ] && ! command -v pahole >/dev/null 2>&1; then
	echo "$(basename "$0"): pahole not found (apt-get install dwarves)" >&2
	btf=
	source=
fi

