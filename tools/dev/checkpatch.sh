#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh [FILE...]: run the kernel's scripts/checkpatch.pl --strict
# over kwish's kernel sources (default: every .c/.h under modules/ and
# uapi/).  checkpatch.pl comes from Debian's linux-source-6.1 package,
# extracted once into ~/.cache/kwish/checkpatch/<version>/.
# Exit status: 0 when clean.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${KWISH_CACHE:-$HOME/.cache/kwish}/checkpatch

ver=$(apt-cache policy linux-source-6.1 | awk '/Candidate:/ {print $2}')
if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
	echo "checkpatch.sh: linux-source-6.1 not known to apt (run apt-get update)" >&2
	exit 1
fi
dir=$cache/$ver
if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download "linux-source-6.1=$ver" >/dev/null 2>&1)
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-6.1_*.deb |
		tar -x -C "$tmp" --wildcards '*/linux-source-6.1.tar.xz'
	mkdir -p "$dir"
	tar -xJf "$tmp"/usr/src/linux-source-6.1.tar.xz -C "$dir" \
		--strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
fi

if [ $# -eq 0 ]; then
	mapfile -t files < <(cd "$root" && git ls-files -co --exclude-standard \
		'modules/*.c' 'modules/*.h' 'uapi/*.h' 'kunit/*.c' 'kunit/*.h' |
		grep -v '_gen.h')
else
	files=("$@")
fi
cd "$root"

# Per-file exceptions, each with its reason:
#   modules/compat/kunit.h  EXPORT_SYMBOL: it defines v6.2's
#     EXPORT_SYMBOL_IF_KUNIT() for v6.1, and checkpatch takes the #define
#     for a misplaced export (upstream's <kunit/visibility.h> gets the
#     same warning).
#   modules/include/kwish_gate.h  its macros define functions and enums
#     from a list of (type, name) pairs, as <linux/syscalls.h>'s
#     SYSCALL_DEFINEx do, which checkpatch takes for statements.
#   modules/include/kwish_module.h  KW_MODULE_FEATURES() defines a
#     module's init and exit functions, so it returns and uses its
#     arguments in both.
declare -A EXTRA_IGNORE=(
	[modules/include/kwish_module.h]=MACRO_WITH_FLOW_CONTROL,MACRO_ARG_REUSE
	[modules/include/kwish_gate.h]=COMPLEX_MACRO,MULTISTATEMENT_MACRO_USE_DO_WHILE,TRAILING_SEMICOLON,MACRO_ARG_REUSE
	[modules/compat/kunit.h]=EXPORT_SYMBOL
)
rc=0
plain=()
for f in "${files[@]}"; do
	if [ -n "${EXTRA_IGNORE[$f]:-}" ]; then
		"$dir/scripts/checkpatch.pl" --no-tree --strict --quiet --show-types \
			--ignore "FILE_PATH_CHANGES,SPDX_LICENSE_TAG,${EXTRA_IGNORE[$f]}" \
			-f "$f" || rc=1
	else
		plain+=("$f")
	fi
done
if [ ${#plain[@]} -gt 0 ]; then
	"$dir/scripts/checkpatch.pl" --no-tree --strict --quiet --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f "${plain[@]}" || rc=1
fi
exit $rc
