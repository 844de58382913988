#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-package.sh - the install test (`make check-package`; check.sh runs
# it as part of `make check`): build the packages, install them in a
# Debian 12 image the way a user would, boot it and test what they put
# there, then remove them.
#
# Host steps (one TAP run "packages as host"):
#   dpkg-buildpackage -us -uc -b (tools/packaging/build-debs.sh), lintian,
#   rpmbuild (build-rpm.sh), the cached Debian 12 base image (rootfs.sh),
#   `apt install ./kwish-dkms_*.deb ./kwish-tools_*.deb` in it (chroot,
#   host CPU: dkms's postinst builds the modules for every kernel with
#   headers, as on a user's machine), the DKMS state and the modules'
#   vermagic for each test kernel (`dkms build` for one the postinst left
#   out), the disk image (mkfs.ext4 -d).
# Guest (guest-test.sh as init of the image, stock 6.1 kernel and initrd
# from the image, virtio disk, serial console, TCG): modprobe, /dev/kwish
# and udev, kwishctl status, the selftests as root and kwuser, rmmod.
# Then, on the host in the image tree again: `apt remove` of both
# packages removes the modules of every kernel and everything else.
#
# OUTDIR (default build/pkg): deb/, rpm/, root/ (the image tree),
# disk.img, results.log (every TAP run, for tools/testing/vm/tap-report.awk),
# console.log (guest kernel console), *.log of each step, status.
# Exit status 0 when every step ran; test results are judged by the caller
# from results.log.
#
# Environment: KWISH_PKG_VM_TIMEOUT (seconds, default 1200),
# KWISH_TEST_TIMEOUT (per selftest, 120), KWISH_TESTS (selftests to run).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
PKG=$ROOT/tools/packaging
OUT=${1:-$ROOT/build/pkg}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RES=$OUT/results.log
R=$OUT/root
SUDO=()
[ "$(id -u)" = 0 ] || SUDO=(sudo)
VER=$("$PKG/meta.sh" get KWISH_VERSION)
mapfile -t KV < <("$ROOT/tools/testing/kernels.sh" kvers | tr ' ' '\n' | grep -v -- '-kwish-debug$')
BOOT_KVER=${KV[0]}

: > "$RES"
N=0 FAILED=0
res() { echo "$*" >> "$RES"; }
tap() {		# tap OK|FAIL DESCRIPTION [DETAIL-FILE-OR-TEXT]
	N=$((N + 1))
	if [ -n "${3:-}" ]; then
		if [ -f "$3" ]; then tail -n 30 "$3"; else echo "$3"; fi | sed 's/^/# /' >> "$RES"
	fi
	if [ "$1" = OK ]; then res "ok $N - $2"; else res "not ok $N - $2"; FAILED=1; fi
	echo "    $([ "$1" = OK ] && echo ok || echo 'not ok') - $2"
}
host_end() {
	res "1..$N"
	res "# kwish-exit: packages as host rc=$FAILED"
}
abort() {	# the guest cannot run: close the host run and the results
	host_end
	res "# kwish-end"
	exit 1
}
# Run a shell script in the image (chroot) in a private mount namespace:
# the /proc, /sys and /dev mounts die with it, whatever happens.
in_image() {
	"${SUDO[@]}" unshare -m --propagation private -- sh -euc '
		R=$1; shift
		mount -t proc proc "$R/proc"
		mount --rbind /sys "$R/sys"
		mount --make-rslave "$R/sys"
		mount --rbind /dev "$R/dev"
		mount --make-rslave "$R/dev"
		exec chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
			sh -euc "$@"
	' sh "$R" "$@"
}

res "# kwish-run: packages as host"
res "TAP version 13"

# ------------------------------------------------------------ packages
t=$(date +%s)
"$PKG/build-debs.sh" "$OUT/deb" > "$OUT/build-debs.log" 2>&1
rc=$?
if [ $rc = 1 ]; then
	tap FAIL "dpkg-buildpackage -us -uc -b (log: $OUT/deb/build.log)" "$OUT/build-debs.log"
	abort
fi
tap OK "dpkg-buildpackage -us -uc -b: $(cd "$OUT/deb" && ls kwish-dkms_*.deb kwish-tools_*.deb | tr '\n' ' ')($(( $(date +%s) - t )) s)"
if [ $rc = 0 ]; then
	tap OK "lintian: no error or warning"
else
	tap FAIL "lintian: no error or warning (log: $OUT/deb/lintian.log)" "$OUT/deb/lintian.log"
fi

t=$(date +%s)
if "$PKG/build-rpm.sh" "$OUT/rpm" > "$OUT/build-rpm.log" 2>&1; then
	tap OK "rpmbuild: $(find "$OUT/rpm/RPMS" -name '*.rpm' -printf '%f ' | sort)($(( $(date +%s) - t )) s)"
else
	tap FAIL "rpmbuild (log: $OUT/rpm/build.log)" "$OUT/build-rpm.log"
fi

# ------------------------------------------------------------ image
t=$(date +%s)
if ! tarball=$("$HERE/rootfs.sh" 2> "$OUT/rootfs.log"); then
	tap FAIL "Debian 12 base image (tools/testing/package/rootfs.sh)" "$OUT/rootfs.log"
	abort
fi
tap OK "Debian 12 base image ${tarball##*/} ($(( $(date +%s) - t )) s, cached in ${tarball%/*})"
"${SUDO[@]}" rm -rf "$R"
mkdir -p "$R"
if ! zstd -qdc "$tarball" | "${SUDO[@]}" tar -C "$R" --numeric-owner --xattrs -xf -; then
	tap FAIL "unpack $tarball"
	abort
fi

# ------------------------------------------------------------ apt install
t=$(date +%s)
"${SUDO[@]}" mkdir -p "$R/root/kwish-debs"
"${SUDO[@]}" cp "$OUT"/deb/kwish-dkms_*.deb "$OUT"/deb/kwish-tools_*.deb "$R/root/kwish-debs/"
if in_image 'cd /root/kwish-debs && apt-get install -y ./kwish-dkms_*.deb ./kwish-tools_*.deb' \
	> "$OUT/apt-install.log" 2>&1; then
	tap OK "apt install ./kwish-dkms_*.deb ./kwish-tools_*.deb in the image ($(( $(date +%s) - t )) s)" \
		"$(grep -E '^(Building for|Building initial|Running the pre_build|Installing /|depmod)' "$OUT/apt-install.log" | head -n 20)"
else
	tap FAIL "apt install ./kwish-dkms_*.deb ./kwish-tools_*.deb in the image (log: $OUT/apt-install.log)" "$OUT/apt-install.log"
	abort
fi

# DKMS: every test kernel has kwish built and installed, with modules of
# its own vermagic.  A kernel the postinst did not build for (it builds
# for all kernels on a first install in a chroot) gets `dkms build` and
# `dkms install` here.
for k in "${KV[@]}"; do
	t=$(date +%s)
	if ! in_image "dkms status -k '$k' kwish | grep -q ': installed'" > /dev/null 2>&1; then
		in_image "dkms build -m kwish -v '$VER' -k '$k' && dkms install -m kwish -v '$VER' -k '$k'" \
			> "$OUT/dkms-$k.log" 2>&1
	fi
	if in_image "
		dkms status -k '$k' kwish | grep ': installed'
		for m in \$(sed -n 's/^BUILT_MODULE_NAME\\[[0-9]*\\]=\"\\(.*\\)\"/\\1/p' /usr/src/kwish-$VER/dkms.conf); do
			f=\$(ls /lib/modules/$k/updates/dkms/\$m.ko*)
			v=\$(modinfo -F vermagic \$f)
			echo \"\$f: \$v\"
			case \$v in '$k '*) ;; *) exit 1 ;; esac
		done" > "$OUT/dkms-status-$k.log" 2>&1; then
		tap OK "DKMS built and installed every kwish module for $k" "$OUT/dkms-status-$k.log"
	else
		cat "$OUT/dkms-$k.log" >> "$OUT/dkms-status-$k.log" 2>/dev/null
		tap FAIL "DKMS built and installed every kwish module for $k" "$OUT/dkms-status-$k.log"
	fi
done

# ------------------------------------------------------------ test payload
# The selftests (static, from `make tools`), runas, the distribution
# modules they need, and the guest side of this test.
make -C "$ROOT" -s tools > "$OUT/tools.log" 2>&1 || true
RUNAS=$OUT/runas
gcc -static -O2 -Wall -Wextra -Werror -o "$RUNAS" "$ROOT/tools/testing/vm/runas.c" >> "$OUT/tools.log" 2>&1
if [ -d "$ROOT/build/tools/selftests" ] && [ -x "$RUNAS" ]; then
	"${SUDO[@]}" mkdir -p "$R/opt/kwish-tests/selftests"
	"${SUDO[@]}" cp "$ROOT"/build/tools/selftests/* "$R/opt/kwish-tests/selftests/"
	"${SUDO[@]}" cp "$RUNAS" "$ROOT/tools/testing/vm/distro-modules" "$R/opt/kwish-tests/"
	"${SUDO[@]}" install -m 0755 "$HERE/guest-test.sh" "$R/usr/local/sbin/kwish-install-test"
	tap OK "selftests ($(ls "$ROOT/build/tools/selftests" | wc -l)) and the guest test in the image"
else
	tap FAIL "selftests in the image (make tools; log: $OUT/tools.log)" "$OUT/tools.log"
	abort
fi

# ------------------------------------------------------------ disk
t=$(date +%s)
size_mb=$(( $("${SUDO[@]}" du -sm "$R" | cut -f1) * 13 / 10 + 512 ))
rm -f "$OUT/disk.img"
if "${SUDO[@]}" mkfs.ext4 -q -F -L kwishroot -d "$R" "$OUT/disk.img" "${size_mb}M" > "$OUT/mkfs.log" 2>&1; then
	tap OK "disk image: ext4 ${size_mb} MB made from the image tree ($(( $(date +%s) - t )) s)"
else
	tap FAIL "disk image (mkfs.ext4 -d)" "$OUT/mkfs.log"
	abort
fi
cp "$R/boot/vmlinuz-$BOOT_KVER" "$OUT/vmlinuz"
cp "$R/boot/initrd.img-$BOOT_KVER" "$OUT/initrd.img"
host_end

# ------------------------------------------------------------ boot
APPEND="root=/dev/vda rw console=ttyS0,115200 loglevel=6 panic=-1"
APPEND+=" init=/usr/local/sbin/kwish-install-test kwish.timeout=${KWISH_TEST_TIMEOUT:-120}"
[ -n "${KWISH_TESTS:-}" ] && APPEND+=" kwish.tests=$KWISH_TESTS"
: > "$OUT/console.log"
: > "$OUT/guest.log"
# Single-threaded TCG, as tools/testing/vm/run-vm.sh explains.
# shellcheck disable=SC2054
QEMU=(qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp 2 -m 2G
      -nodefaults -no-user-config -no-reboot -display none -monitor none
      -chardev "file,id=s0,path=$OUT/console.log,append=on" -serial chardev:s0
      -chardev "file,id=s1,path=$OUT/guest.log,append=on" -serial chardev:s1
      -drive "file=$OUT/disk.img,format=raw,if=virtio,cache=unsafe"
      -kernel "$OUT/vmlinuz" -initrd "$OUT/initrd.img" -append "$APPEND")
printf '%q ' "${QEMU[@]}" > "$OUT/qemu.cmd"; echo >> "$OUT/qemu.cmd"
echo "    booting the image ($BOOT_KVER, TCG), console: $OUT/console.log"
t=$(date +%s)
timeout -k 10 "${KWISH_PKG_VM_TIMEOUT:-1200}" "${QEMU[@]}" < /dev/null
rc=$?
secs=$(( $(date +%s) - t ))
case $rc in
0)       echo "ok $secs" > "$OUT/status" ;;
124|137) echo "timeout $secs" > "$OUT/status" ;;
*)       echo "qemu-failed $secs rc=$rc" > "$OUT/status" ;;
esac
echo "    guest: $(cat "$OUT/status") s"
cat "$OUT/guest.log" >> "$RES"

# ------------------------------------------------------------ apt remove
# In the image tree (chroot, host CPU): the packages are in the state the
# boot found them in, and dkms remove's depmod of two kernels takes
# minutes under TCG.
N=0 FAILED=0
if ! grep -q '^# kwish-guest-end' "$OUT/guest.log"; then
	res "# kwish-run: guest as root"
	res "TAP version 13"
	tap FAIL "the guest finished its run (status: $(cat "$OUT/status"); see $OUT/console.log)" \
		"$(tail -n 20 "$OUT/console.log")"
	res "1..$N"
	res "# kwish-exit: guest as root rc=1"
	N=0 FAILED=0
fi
res "# kwish-run: apt-remove as host"
res "TAP version 13"
check_image() {	# check_image DESCRIPTION SCRIPT
	if out=$(in_image "$2" 2>&1); then tap OK "$1" "$out"; else tap FAIL "$1" "$out"; fi
}
if in_image 'apt-get remove -y kwish-dkms kwish-tools' > "$OUT/apt-remove.log" 2>&1; then
	tap OK "apt remove kwish-dkms kwish-tools" \
		"$(grep -E '^(Removing|Deleting|Module kwish)' "$OUT/apt-remove.log")"
else
	tap FAIL "apt remove kwish-dkms kwish-tools (log: $OUT/apt-remove.log)" "$OUT/apt-remove.log"
fi
check_image "no kwish module left in /lib/modules" \
	'out=$(find /lib/modules -name "kwish_*.ko*"); [ -z "$out" ] || { echo "$out"; false; }'
for k in "${KV[@]}"; do
	check_image "modprobe finds no kwish_core for $k (depmod ran)" \
		"! modprobe -S '$k' -n kwish_core"
done
check_image "DKMS forgot kwish (/var/lib/dkms/kwish, dkms status)" \
	'! test -e /var/lib/dkms/kwish && [ -z "$(dkms status kwish)" ]'
check_image "the DKMS source tree, kwishctl, libkwish and the headers are gone" \
	'! ls -d /usr/src/kwish-* 2>/dev/null && ! test -e /usr/bin/kwishctl &&
	 ! ls /usr/lib/*/libkwish.a 2>/dev/null && ! test -e /usr/include/linux/kwish.h &&
	 ! test -e /usr/include/linux/kwish_upstream.h &&
	 ! test -e /usr/share/bash-completion/completions/kwishctl'
check_image "the udev rule, modprobe.d and modules-load.d files are gone" \
	'! test -e /usr/lib/udev/rules.d/60-kwish.rules &&
	 ! test -e /usr/lib/modprobe.d/kwish.conf &&
	 ! test -e /usr/lib/modules-load.d/kwish.conf'
res "1..$N"
res "# kwish-exit: apt-remove as host rc=$FAILED"
res "# kwish-end"

# `make check-package`: count like check.sh does (results, clean kernel
# log) and end with its summary line.
if [ "${KWISH_PKG_SUMMARY:-0}" = 1 ]; then
	report=$(awk -v kver=package -v status="$(cat "$OUT/status")" \
		-f "$ROOT/tools/testing/vm/tap-report.awk" "$RES")
	sed '$d' <<< "$report"
	read -r _ p f s <<< "$(tail -n 1 <<< "$report")"
	if "$ROOT/tools/testing/vm/splats.sh" "$OUT/console.log"; then
		p=$((p + 1)); echo "ok   [package] kernel log clean"
	else
		f=$((f + 1)); echo "FAIL [package] kernel log has warnings/oopses (see $OUT/console.log)"
	fi
	echo "$p passed, $f failed, $s skipped"
	[ "$f" = 0 ]
	exit
fi
exit 0
