#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rootfs.sh - the Debian 12 base root file system of the install test
# (check-package.sh), made with debootstrap and cached as a tarball.
#
#   rootfs.sh          make it unless cached; print the tarball's path
#   rootfs.sh key      print the cache key only
#
# The image is what a Debian 12 user has before installing kwish: a minbase
# system with bookworm, bookworm-updates and bookworm-security, the 6.1
# kernel with its headers (the test kernel kernels.sh resolves, Debian's
# current 6.1), the 6.12 headers from bookworm-security (DKMS builds for
# them too), dkms with its tool chain, udev, kmod, initramfs-tools, and a
# user kwuser (uid 1000).  Installing the .debs later needs no download.
#
# Cache: ~/.cache/kwish/rootfs/base-<key>.tar.zst, key = sha256 of the
# suite, the mirror, the package list (with the kernel versions) and this
# script, so a new kernel upload or an edit here makes a new image; older
# images are removed.  A lock serializes runs: check.sh starts this in the
# background early (debootstrap waits on the network and the disk while
# the modules build), and check-package.sh's own call then waits for it.
#
# Needs root (or sudo) for debootstrap and chroot.  All chroot work runs
# in a private mount namespace (unshare -m): the /proc, /sys and /dev
# mounts inside the tree go away with it on every exit path.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
KERNELS=$ROOT/tools/testing/kernels.sh
CACHE=${KWISH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kwish}/rootfs
SUITE=bookworm
# The machine's own Debian mirror (tools/testing/apt-mirror.sh).
MIRROR=$("$ROOT/tools/testing/apt-mirror.sh" archive)
SECURITY=$("$ROOT/tools/testing/apt-mirror.sh" security)

die() { echo "rootfs: $*" >&2; exit 1; }
SUDO=()
[ "$(id -u)" = 0 ] || SUDO=(sudo)

# The test kernels: the first of META's range is booted, every one gets
# its headers (DKMS builds for each).
mapfile -t KV < <("$KERNELS" kvers | tr ' ' '\n' | grep -v -- '-kwish-debug$')
[ ${#KV[@]} -gt 0 ] || die "no test kernels (tools/testing/kernels.sh kvers)"
BOOT_KVER=${KV[0]}
# kwish-dkms's own dependencies (debian/control: dkms, and dwarves and
# binutils for the BTF layout step) are in the base image: `apt install
# ./kwish-*.deb` runs in the image without a mirror.
PKGS=(dkms build-essential udev kmod initramfs-tools dwarves binutils
      e2fsprogs util-linux procps iproute2 xz-utils zstd)
for k in "${KV[@]}"; do
	PKGS+=("linux-headers-$k")
done
# The booted kernel at the version kernels.sh resolved (and the cache key
# changes with it); the others only as headers.
PKGS+=("$("$KERNELS" image-pkg "$BOOT_KVER")=$("$KERNELS" version "$BOOT_KVER")")

key() {
	{ echo "$SUITE $MIRROR $SECURITY"; printf '%s\n' "${PKGS[@]}"
	  cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16
}
KEY=$(key)
[ "${1:-}" = key ] && { echo "$KEY"; exit 0; }
TARBALL=$CACHE/base-$KEY.tar.zst

mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9
if [ -f "$TARBALL" ]; then
	echo "$TARBALL"
	exit 0
fi

command -v debootstrap > /dev/null || die "no debootstrap (run tools/testing/deps.sh)"
T=$(mktemp -d "$CACHE/.build.XXXXXX")
trap '"${SUDO[@]}" rm -rf "$T"' EXIT
R=$T/root
t0=$(date +%s)
echo "rootfs: debootstrap $SUITE into $R" >&2
"${SUDO[@]}" debootstrap --variant=minbase --include=ca-certificates \
	"$SUITE" "$R" "$MIRROR" > "$T/debootstrap.log" 2>&1 ||
	{ tail -n 30 "$T/debootstrap.log" >&2; die "debootstrap failed"; }

"${SUDO[@]}" tee "$R/etc/apt/sources.list" > /dev/null <<SRC
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
SRC
# No documentation in the image: smaller and faster to copy.
"${SUDO[@]}" tee "$R/etc/dpkg/dpkg.cfg.d/01-kwish-nodoc" > /dev/null <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/info/*
CFG

# The kernel's postinst runs update-initramfs (for the boot) and, with the
# headers, dkms for installed modules (none yet).
echo "rootfs: apt-get install ${PKGS[*]}" >&2
"${SUDO[@]}" unshare -m --propagation private -- sh -euc '
	R=$1; shift
	mount -t proc proc "$R/proc"
	mount --rbind /sys "$R/sys"
	mount --rbind /dev "$R/dev"
	cp /etc/resolv.conf "$R/etc/resolv.conf"
	chroot "$R" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 sh -euc "
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends \"\$@\"
		apt-get clean
		rm -rf /var/lib/apt/lists/*
		useradd -m -u 1000 -U -s /bin/sh kwuser
		echo kwish > /etc/hostname
		: > /etc/machine-id
	" sh "$@"
' sh "$R" "${PKGS[@]}" > "$T/apt.log" 2>&1 ||
	{ tail -n 40 "$T/apt.log" >&2; die "installing the packages in the image failed (log: $T/apt.log)"; }
"${SUDO[@]}" test -f "$R/boot/vmlinuz-$BOOT_KVER" || die "no /boot/vmlinuz-$BOOT_KVER in the image"
"${SUDO[@]}" test -f "$R/boot/initrd.img-$BOOT_KVER" || die "no initrd for $BOOT_KVER in the image"

"${SUDO[@]}" tar -C "$R" --numeric-owner --xattrs -cf - . | zstd -q -T0 -3 > "$T/base.tar.zst"
mv "$T/base.tar.zst" "$TARBALL"
echo "$BOOT_KVER" > "$TARBALL.kver"
find "$CACHE" -maxdepth 1 -name 'base-*.tar.zst*' ! -name "base-$KEY.*" -delete
echo "rootfs: $TARBALL ($(du -h "$TARBALL" | cut -f1), $(( $(date +%s) - t0 )) s)" >&2
echo "$TARBALL"
