#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts-test.sh - the test scripts whose stdout is an answer print the
# answer and nothing else, also on a fresh machine where they install
# packages first.  apt-get, apt-cache and dpkg-query are stubbed (the
# stubs print apt's own kind of progress lines on stdout), so this runs
# in a second, installs nothing and needs no network.
#
#   scripts-test.sh      TAP on stdout; exit status non-zero on a failure
#
# Cases:
#   * dbgkernel/build.sh krel and kdir, and kernels.sh debug-krel, with
#     linux-source-6.1 "missing" until the stubbed apt-get installs it,
#     against a cache that holds a finished build for that key;
#   * apt-mirror.sh archive and security, from a stubbed apt;
#   * kernels.sh kvers and cache-dir with KWISH_KVERS pinned.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
N=0 BAD=0

ok() {	# ok NAME EXPECTED ACTUAL
	N=$((N + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $N - $1"
	else
		BAD=$((BAD + 1))
		echo "not ok $N - $1"
		printf '#   expected: %q\n#   got:      %q\n' "$2" "$3"
	fi
}

# --- stubs: apt's noise on stdout, dpkg's state in a file
mkdir -p "$T/bin" "$T/state"
cat > "$T/bin/apt-get" <<'STUB'
#!/bin/sh
echo "(Reading database ... 12345 files and directories currently installed.)"
echo "Unpacking something ..."
echo "noise on stderr too" >&2
case " $* " in *" install "*) touch "$KWISH_STUB_STATE/installed" ;; esac
case " $* " in *" indextargets "*)
	echo "http://mirror.invalid/debian/ bookworm"
	echo "http://mirror.invalid/debian/ bookworm-updates"
	echo "http://mirror.invalid/debian-security/ bookworm-security" ;;
esac
exit 0
STUB
cat > "$T/bin/apt-cache" <<'STUB'
#!/bin/sh
echo "  Candidate: 9.9-stub"
STUB
cat > "$T/bin/dpkg-query" <<'STUB'
#!/bin/sh
# Every package is installed once the stubbed apt-get install ran.
[ -f "$KWISH_STUB_STATE/installed" ] || exit 1
case "$*" in
*'${Version}'*) printf '%s' 6.1.999-stub ;;
*) printf '%s' installed ;;
esac
STUB
chmod +x "$T/bin/"*
export KWISH_STUB_STATE=$T/state
STUBENV=(env PATH="$T/bin:$PATH" KWISH_CACHE="$T/cache"
	 KWISH_DBGK_TARBALL="$T/linux-source.tar.xz")
: > "$T/linux-source.tar.xz"

# --- a finished debug-kernel build in the stub cache, for the stub's key
B=$ROOT/tools/testing/dbgkernel/build.sh
touch "$T/state/installed"
KEY=$("${STUBENV[@]}" "$B" key 2>/dev/null)
rm -f "$T/state/installed"
ok "build.sh key prints a 12-digit key" 12 "${#KEY}"
KREL=6.1.999-kwish-debug
D=$T/cache/dbgkernel/$KEY
mkdir -p "$D/src" "$T/cache/kernels/$KREL/lib/modules/$KREL"
echo "$KREL" > "$D/stamp"
: > "$D/src/Module.symvers"
: > "$T/cache/kernels/$KREL/vmlinuz"
: > "$T/cache/kernels/$KREL/lib/modules/$KREL/modules.dep"
echo "kwish-dbgkernel $KEY" > "$T/cache/kernels/$KREL/PACKAGE"

out=$("${STUBENV[@]}" "$B" krel 2>/dev/null)
ok "build.sh krel after installing its packages prints only KREL" "$KREL" "$out"
ok "build.sh krel installed the packages (stub apt-get ran)" yes \
	"$([ -f "$T/state/installed" ] && echo yes)"
rm -f "$T/state/installed"
out=$("${STUBENV[@]}" "$B" kdir 2>/dev/null)
ok "build.sh kdir prints only the tree" "$D/src" "$out"
rm -f "$T/state/installed"
out=$("${STUBENV[@]}" "$ROOT/tools/testing/kernels.sh" debug-krel 2>/dev/null)
ok "kernels.sh debug-krel prints only KREL" "$KREL" "$out"
out=$("${STUBENV[@]}" "$B" status 2>/dev/null)
ok "build.sh status prints only KREL" "$KREL" "$out"

# --- apt-mirror.sh
M=$ROOT/tools/testing/apt-mirror.sh
out=$("${STUBENV[@]}" "$M" archive 2>/dev/null)
ok "apt-mirror.sh archive is apt's bookworm URI" "http://mirror.invalid/debian" "$out"
out=$("${STUBENV[@]}" "$M" security 2>/dev/null)
ok "apt-mirror.sh security is apt's bookworm-security URI" \
	"http://mirror.invalid/debian-security" "$out"

# --- kernels.sh with pinned kernels
K=$ROOT/tools/testing/kernels.sh
out=$("${STUBENV[@]}" KWISH_KVERS="6.1.0-1-amd64 6.12.1+deb12-amd64" "$K" kvers 2>/dev/null)
ok "kernels.sh kvers prints only the pinned kernels" \
	"6.1.0-1-amd64 6.12.1+deb12-amd64" "$out"
out=$("${STUBENV[@]}" "$K" cache-dir 6.1.0-1-amd64 2>/dev/null)
ok "kernels.sh cache-dir prints only the path" "$T/cache/kernels/6.1.0-1-amd64" "$out"

echo "1..$N"
[ "$BAD" = 0 ]
