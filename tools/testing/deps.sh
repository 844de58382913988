#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh - install everything kwish's build and tests need; idempotent.
#
#   * Debian packages (apt-get, only those missing; `apt-get update` at most
#     once, and only when something is missing or apt knows no kernels):
#     the build tool chain, QEMU, busybox-static.
#   * Nothing of the test kernels is installed on the host (installing
#     Debian's 6.12 headers would pull in the 6.12 image and make it the
#     default boot kernel of the user's machine).  Their packages are
#     fetched with `apt-get download` and extracted into the cache, keyed by
#     the package version (a new Debian upload of the same ABI replaces it):
#     vmlinuz + /lib/modules/<kver> into ~/.cache/kwish/kernels/<kver>/,
#     the headers (linux-headers-<kver>, its -common and linux-kbuild) into
#     ~/.cache/kwish/headers/<kver>/, the tree `kernels.sh kdir` names.
#
# When everything is present it only asks dpkg and apt-cache: a few seconds.
# Works unattended (CI=true, no stdin).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KERNELS="$ROOT/tools/testing/kernels.sh"
export DEBIAN_FRONTEND=noninteractive

# Host packages the project needs (see the README).  dwarves: pahole, with
# which kbuild adds BTF to modules built for a kernel with
# CONFIG_DEBUG_INFO_BTF_MODULES (Debian's 6.12; the extracted headers
# package does not pull it in the way an installed one would).
HOST_PKGS=(build-essential bc flex bison libelf-dev kmod cpio xz-utils zstd
	   gzip dwarves qemu-system-x86 busybox-static)
# Packaging and the install test (tools/testing/package/): the .debs
# (debhelper, dh-dkms for dh-sequence-dkms, lowdown for the man pages,
# lintian), the RPM (rpm ships rpmbuild), and the Debian 12 image the
# packages are installed into (debootstrap, e2fsprogs' mkfs.ext4 -d).
HOST_PKGS+=(dpkg-dev debhelper dh-dkms dkms fakeroot lowdown lintian rpm
	    debootstrap e2fsprogs util-linux)
# The debug kernel's trinity phase: mkinitramfs.sh copies /usr/bin/trinity
# into its initramfs (tools/testing/vm/init).
HOST_PKGS+=(trinity)

log() { echo "deps: $*" >&2; }
die() { echo "deps: error: $*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || die "not root and no sudo: cannot install packages"
	SUDO=(sudo)
fi

# Wait for another apt/dpkg run (the debug kernel's build.sh, unattended
# upgrades) instead of failing on its lock.
APT_LOCK=(-o DPkg::Lock::Timeout=900)
APT_UPDATED=${KWISH_DEPS_UPDATED:-0}
apt_update_once() {
	[ "$APT_UPDATED" = 1 ] && return 0
	log "apt-get update"
	"${SUDO[@]}" apt-get "${APT_LOCK[@]}" update -qq < /dev/null
	APT_UPDATED=1
}

# Something apt had in its lists is gone from the archive (a newer upload
# replaced it): refresh the lists and start over, so that the test kernels
# are resolved again.  At most once.
restart_after_update() {
	[ "$APT_UPDATED" = 1 ] && die "$1"
	log "$1; refreshing apt's lists and starting over"
	apt_update_once
	KWISH_DEPS_UPDATED=1 exec "$0"
}

# Packages from "$@" that dpkg does not have installed.
missing_pkgs() {
	local p st
	for p in "$@"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || echo "$p"
	done
}

apt_install() {
	local missing
	mapfile -t missing < <(missing_pkgs "$@")
	[ ${#missing[@]} -gt 0 ] || return 0
	# Update first if apt does not even know one of them.
	local p
	for p in "${missing[@]}"; do
		if [ -z "$(apt-cache policy "$p" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)"')" ]; then
			apt_update_once
			break
		fi
	done
	log "apt-get install ${missing[*]}"
	"${SUDO[@]}" apt-get "${APT_LOCK[@]}" install -y -qq --no-install-recommends "${missing[@]}" < /dev/null ||
		restart_after_update "apt-get install ${missing[*]} failed"
}

# ---------------------------------------------------------------- host tools
apt_install "${HOST_PKGS[@]}"

# ---------------------------------------------------------------- test kernels
# Resolving needs apt's package lists (a fresh machine has none).
if ! KLIST=$("$KERNELS" list 2>/dev/null) || [ -z "$KLIST" ]; then
	apt_update_once
	KLIST=$("$KERNELS" list) || die "cannot resolve the test kernels"
fi

# Images: extracted into the cache, never installed.
fetch_kernel() {
	local kver=$1 pkg=$2 ver=$3 dir tmp dl deb
	dir=$("$KERNELS" cache-dir "$kver")
	if [ -f "$dir/vmlinuz" ] && [ -d "$dir/lib/modules/$kver" ] &&
	   [ "$(cat "$dir/VERSION" 2>/dev/null)" = "$ver" ]; then
		return 0
	fi
	log "fetching $pkg=$ver into $dir"
	mkdir -p "$(dirname "$dir")"
	tmp=$(mktemp -d "$(dirname "$dir")/.fetch.XXXXXX")
	# apt's sandbox user (_apt) must be able to write the download
	# directory, so download into /tmp, not under $HOME.
	dl=$(mktemp -d /tmp/kwish-fetch.XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp' '$dl'" EXIT
	chmod 0777 "$dl"
	if ! ( cd "$dl" && apt-get download -qq "$pkg=$ver" < /dev/null ); then
		rm -rf "$tmp" "$dl"
		restart_after_update "apt-get download $pkg=$ver failed"
	fi
	deb=$(ls "$dl"/*.deb)
	mkdir "$tmp/x"
	dpkg-deb -x "$deb" "$tmp/x"
	local img=$tmp/x/boot/vmlinuz-$kver mods=$tmp/x/lib/modules/$kver
	[ -d "$mods" ] || mods=$tmp/x/usr/lib/modules/$kver
	if [ ! -f "$img" ] || [ ! -d "$mods" ]; then
		die "$deb has no vmlinuz-$kver or modules"
	fi
	mkdir -p "$tmp/k/lib/modules"
	mv "$img" "$tmp/k/vmlinuz"
	mv "$mods" "$tmp/k/lib/modules/$kver"
	[ -f "$tmp/x/boot/config-$kver" ] && mv "$tmp/x/boot/config-$kver" "$tmp/k/config"
	[ -f "$tmp/x/boot/System.map-$kver" ] && mv "$tmp/x/boot/System.map-$kver" "$tmp/k/System.map"
	# The package's modules.dep etc. are generated by depmod at install
	# time; generate them here (the initramfs builder reads modules.dep).
	depmod -b "$tmp/k" "$kver"
	echo "$pkg" > "$tmp/k/PACKAGE"
	echo "$ver" > "$tmp/k/VERSION"
	rm -rf "$dir"
	mv "$tmp/k" "$dir"
	rm -rf "$tmp" "$dl"
	trap - EXIT
	log "kernel $kver ready ($(du -sh "$dir" | cut -f1))"
}

# Headers: linux-headers-<kver> with the linux-headers-*-common and
# linux-kbuild-* packages it depends on, all of the image's version,
# extracted into one root; the top Makefile's absolute include of the
# -common tree is pointed into that root.
fetch_headers() {
	local kver=$1 hdr=$2 ver=$3 dir tmp dl pkgs p
	dir=$("$KERNELS" headers-dir "$kver")
	if [ -f "$dir/usr/src/linux-headers-$kver/Makefile" ] &&
	   [ "$(cat "$dir/VERSION" 2>/dev/null)" = "$ver" ]; then
		return 0
	fi
	pkgs=("$hdr=$ver")
	for p in $(apt-cache depends "$hdr" 2>/dev/null |
		   awk '$1 ~ /Depends:$/ { print $2 }' |
		   grep -E '^linux-(headers-.*-common|kbuild-)' | sort -u); do
		pkgs+=("$p=$ver")
	done
	log "fetching ${pkgs[*]} into $dir"
	mkdir -p "$(dirname "$dir")"
	tmp=$(mktemp -d "$(dirname "$dir")/.fetch.XXXXXX")
	dl=$(mktemp -d /tmp/kwish-fetch.XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp' '$dl'" EXIT
	chmod 0777 "$dl"
	if ! ( cd "$dl" && apt-get download -qq "${pkgs[@]}" < /dev/null ); then
		rm -rf "$tmp" "$dl"
		restart_after_update "apt-get download ${pkgs[*]} failed"
	fi
	for p in "$dl"/*.deb; do
		dpkg-deb -x "$p" "$tmp"
	done
	[ -f "$tmp/usr/src/linux-headers-$kver/Makefile" ] ||
		die "$hdr has no usr/src/linux-headers-$kver"
	sed -i "s|^include /usr/src/|include $dir/usr/src/|" \
		"$tmp/usr/src/linux-headers-$kver/Makefile"
	echo "$ver" > "$tmp/VERSION"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	rm -rf "$dl"
	trap - EXIT
	log "headers $kver ready ($(du -sh "$dir" | cut -f1))"
}

while read -r kver pkg hdr ver; do
	[ -n "$kver" ] || continue
	# kwish's debug kernel (KWISH_KVERS may name it) is no Debian package:
	# dbgkernel/build.sh builds it.
	case $kver in *-kwish-debug) continue ;; esac
	fetch_kernel "$kver" "$pkg" "$ver"
	fetch_headers "$kver" "$hdr" "$ver"
done <<< "$KLIST"
