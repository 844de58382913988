#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-rpm.sh OUTDIR - build kwish-tools and the noarch kwish-dkms RPMs
# with rpmbuild from a clean copy of the working tree (tracked and new
# files, as build-debs.sh takes them).
#
#   OUTDIR/SOURCES/kwish-V.tar.gz   OUTDIR/SPECS/kwish.spec (from META)
#   OUTDIR/RPMS/{x86_64,noarch}/*.rpm   OUTDIR/build.log
#
# On Debian, rpm's database knows none of the build dependencies (they
# are Debian packages: deps.sh installs them), hence --nodeps, and there
# is no debuginfo tool chain set up for rpm, hence no debug package and
# no /usr/lib/.build-id links.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:?usage: build-rpm.sh OUTDIR}
META=$TOP/tools/packaging/meta.sh
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
ver=$("$META" get KWISH_VERSION)

rm -rf "$OUT"/{BUILD,BUILDROOT,RPMS,SOURCES,SPECS,SRPMS}
mkdir -p "$OUT"/{SOURCES,SPECS}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/kwish-$ver"
( cd "$TOP" && git ls-files -z -c -o --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	cpio -0 -pdm --quiet "$stage/kwish-$ver" )
tar -C "$stage" --owner=0 --group=0 -czf "$OUT/SOURCES/kwish-$ver.tar.gz" "kwish-$ver"

sed -e "s|@KWISH_VERSION@|$ver|g" \
    -e "s|@KERNEL_MIN@|$("$META" get KERNEL_MIN)|g" \
    -e "s|@KERNEL_MAX@|$("$META" get KERNEL_MAX)|g" \
    -e "s|@KERNEL_CONFIG@|$("$META" get KERNEL_CONFIG)|g" \
    "$TOP/rpm/kwish.spec.in" > "$OUT/SPECS/kwish.spec"

if ! rpmbuild -bb --nodeps --define "_topdir $OUT" \
	--define 'debug_package %{nil}' --define '_build_id_links none' \
	"$OUT/SPECS/kwish.spec" > "$OUT/build.log" 2>&1; then
	tail -n 40 "$OUT/build.log"
	echo "build-rpm: rpmbuild failed (log: $OUT/build.log)" >&2
	exit 1
fi
find "$OUT/RPMS" -name '*.rpm' | sort
