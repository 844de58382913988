#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-debs.sh OUTDIR - build kwish-dkms and kwish-tools the way a Debian
# developer would (dpkg-buildpackage -us -uc -b) from a clean copy of the
# working tree (tracked and new files, not what .gitignore names, so no
# build output of the tree leaks into the packages), then run lintian.
#
#   OUTDIR/kwish-dkms_V_all.deb, OUTDIR/kwish-tools_V_ARCH.deb,
#   OUTDIR/kwish_V_ARCH.changes, OUTDIR/build.log, OUTDIR/lintian.log
#
# Exit status 1 if the build failed, 2 if lintian reported an error or a
# warning (debian/*.lintian-overrides justify what is accepted).
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:?usage: build-debs.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
ver=$("$TOP/tools/packaging/meta.sh" get KWISH_VERSION)

rm -rf "$OUT/src" "$OUT"/*.deb "$OUT"/*.changes "$OUT"/*.buildinfo
src=$OUT/src/kwish-$ver
mkdir -p "$src"
( cd "$TOP" && git ls-files -z -c -o --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	cpio -0 -pdm --quiet "$src" )

if ! ( cd "$src" && dpkg-buildpackage -us -uc -b ) > "$OUT/build.log" 2>&1; then
	tail -n 40 "$OUT/build.log"
	echo "build-debs: dpkg-buildpackage failed (log: $OUT/build.log)" >&2
	exit 1
fi
mv "$OUT"/src/*.deb "$OUT"/src/*.changes "$OUT"/src/*.buildinfo "$OUT"/
rm -rf "$OUT/src"
ls -l "$OUT"/*.deb

# --fail-on warning: errors and warnings fail, info and pedantic do not.
if ! lintian --fail-on error,warning --no-tag-display-limit -i \
	"$OUT"/kwish_"$ver"_*.changes > "$OUT/lintian.log" 2>&1; then
	cat "$OUT/lintian.log"
	echo "build-debs: lintian is not clean (log: $OUT/lintian.log)" >&2
	exit 2
fi
echo "lintian: clean ($(grep -c . "$OUT/lintian.log" || true) lines of info/pedantic notes, see $OUT/lintian.log)"
