#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# man.sh OUTDIR - man pages from the Markdown pages in docs/ (lowdown).
#
# A page is docs/*.md whose first line is "# NAME(SECTION) — title"; it
# becomes OUTDIR/name.SECTION.  Its "## " headings become the page's
# sections.  The date is SOURCE_DATE_EPOCH's when set (package builds are
# reproducible), else today.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:?usage: man.sh OUTDIR}
mkdir -p "$OUT"
ver=$("$TOP/tools/packaging/meta.sh" get KWISH_VERSION)
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)
for md in "$TOP"/docs/*.md; do
	head=$(head -n 1 "$md")
	page=$(echo "$head" | sed -n 's/^# \([A-Z0-9_-]*\)(\([1-9]\)).*/\1 \2/p')
	[ -n "$page" ] || continue
	name=$(echo "${page% *}" | tr 'A-Z' 'a-z')
	sec=${page#* }
	sed -e '1d' -e 's/^#\(#*\) /\1 /' "$md" |
		lowdown -s -Tman -M "title=$name" -M "section=$sec" \
			-M "date=$date" -M "source=kwish $ver" \
			-M "volume=kwish" |
		# lowdown puts a heading on the line after .SH; man-db's
		# lexgrog (whatis, apropos) wants ".SH NAME" and "name \- text".
		awk '
		prev_sh { print ".SH " $0; prev_sh = 0; name = ($0 == "NAME"); next }
		/^\.SH$/ { prev_sh = 1; next }
		name && !/^\./ { sub(/ — /, " \\- "); name = 0 }
		{ print }' > "$OUT/$name.$sec"
	echo "$OUT/$name.$sec"
done
