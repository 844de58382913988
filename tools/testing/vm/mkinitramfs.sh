#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KVER OUTPUT.cpio.gz - build the test VM's initramfs for one
# kernel (gzip'd newc cpio).  See tools/testing/vm/README.md for the layout
# the guest sees.  Everything optional (kwishctl, selftests, benchmarks, the
# demo script, even the kwish modules) may be missing: the guest's /init
# reports what it lacks.
#
# Inputs (environment, all optional):
#   KWISH_BUILD        build directory                    (default: <repo>/build)
#   KWISH_MODULES_DIR  where the kwish *.ko are           (default: $KWISH_BUILD/KVER/src/modules)
#   KWISH_KUNIT_DIR    where the KUnit *_test.ko are      (default: $KWISH_BUILD/KVER/src/kunit)
#   KWISH_TOOLS_DIR    the `make tools` output            (default: $KWISH_BUILD/tools)
#   KWISH_DEMO         the demo script                    (default: tools/testing/demo.sh)
set -euo pipefail

KVER=${1:?usage: mkinitramfs.sh KVER OUTPUT.cpio.gz}
OUT=${2:?usage: mkinitramfs.sh KVER OUTPUT.cpio.gz}

VMDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$VMDIR/../../.." && pwd)
BUILD=${KWISH_BUILD:-$ROOT/build}
MODDIR=${KWISH_MODULES_DIR:-$BUILD/$KVER/src/modules}
KUNITDIR=${KWISH_KUNIT_DIR:-$BUILD/$KVER/src/kunit}
TOOLSDIR=${KWISH_TOOLS_DIR:-$BUILD/tools}
DEMO=${KWISH_DEMO:-$ROOT/tools/testing/demo.sh}
KDIR=$("$ROOT/tools/testing/kernels.sh" cache-dir "$KVER")
KMODS=$KDIR/lib/modules/$KVER

die() { echo "mkinitramfs: error: $*" >&2; exit 1; }
note() { echo "mkinitramfs: $*" >&2; }

[ -f "$KMODS/modules.dep" ] || die "no kernel $KVER in $KDIR (run tools/testing/deps.sh)"

S=$(mktemp -d "${TMPDIR:-/tmp}/kwish-initramfs.XXXXXX")
trap 'rm -rf "$S"' EXIT
mkdir -p "$S"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,home/kwuser,mnt} \
	 "$S"/kwish/{bin,modules,kunit,tests,bench,lib} "$S/lib/modules/$KVER"

is_elf() { [ "$(head -c 4 "$1" 2>/dev/null)" = $'\x7fELF' ]; }

# ------------------------------------------------------------------ busybox
BUSYBOX=$(command -v busybox) || die "busybox not installed (tools/testing/deps.sh)"
cp "$BUSYBOX" "$S/bin/busybox"
while read -r applet; do
	[ -e "$S/$applet" ] || [ -L "$S/$applet" ] || ln -s /bin/busybox "$S/$applet"
done < <("$S/bin/busybox" --list-full)

# bash, so that test and demo scripts may use it (libraries copied below)
if [ -x /bin/bash ]; then
	cp /bin/bash "$S/bin/bash"
fi

# ------------------------------------------------------------------ runas
# Static helper: drop to uid/gid 1000, time limit, kill the process group.
RUNAS=$BUILD/vm/runas
if [ ! -x "$RUNAS" ] || [ "$VMDIR/runas.c" -nt "$RUNAS" ]; then
	mkdir -p "$BUILD/vm"
	gcc -static -O2 -Wall -Wextra -Werror -o "$RUNAS.tmp" "$VMDIR/runas.c"
	mv "$RUNAS.tmp" "$RUNAS"
fi
cp "$RUNAS" "$S/kwish/bin/runas"

# ------------------------------------------------------------------ kwish modules
# Stripped of debug info (the unstripped ones in build/ decode stack traces).
kwish_deps=()
if [ -d "$MODDIR" ]; then
	while IFS= read -r ko; do
		strip --strip-debug -o "$S/kwish/modules/$(basename "$ko")" "$ko"
		for d in $(modinfo -F depends "$ko" 2>/dev/null | tr ',' ' '); do
			case $d in kwish_*) ;; *) kwish_deps+=("$d") ;; esac
		done
	done < <(find "$MODDIR" -maxdepth 2 -name '*.ko' | sort)
fi
nko=$(find "$S/kwish/modules" -name '*.ko' | wc -l)
[ "$nko" -gt 0 ] || note "no kwish modules in $MODDIR"

# KUnit modules: built only for a kernel with CONFIG_KUNIT, kwish's debug
# test kernel; /kwish/debug-kernel tells /init to run its debug phases
# (KUnit, the load/unload loop).
if [ -d "$KUNITDIR" ] && grep -qx 'CONFIG_KUNIT=y' "$KDIR/config" 2>/dev/null; then
	while IFS= read -r ko; do
		strip --strip-debug -o "$S/kwish/kunit/$(basename "$ko")" "$ko"
	done < <(find "$KUNITDIR" -maxdepth 1 -name '*_test.ko' | sort)
	touch "$S/kwish/debug-kernel"
	note "debug kernel: $(find "$S/kwish/kunit" -name '*.ko' | wc -l) KUnit modules"
	# trinity (Debian's package, tools/testing/deps.sh) for its trinity
	# phase; the libraries it needs are copied below.
	if TRINITY=$(command -v trinity); then
		cp "$TRINITY" "$S/kwish/bin/trinity"
	else
		note "no trinity on the host (tools/testing/deps.sh installs it): the trinity phase will fail"
	fi
fi

# ------------------------------------------------------------------ distro modules
# Resolve the wanted modules (distro-modules + what the kwish modules depend
# on) and their dependencies through the kernel's modules.dep, copy them
# decompressed to /lib/modules/KVER (with a depmod'ed modules.dep, so the
# kernel's own request_module() through busybox modprobe works), and write
# the load order for /init to /kwish/distro-modules:
#   load NAME RELPATH | builtin NAME | missing NAME
declare -A DEP=() PATHOF=() SEEN=()
while IFS=: read -r path deps; do
	name=${path##*/}; name=${name%%.ko*}; name=${name//-/_}
	PATHOF[$name]=$path
	DEP[$path]=$deps
done < "$KMODS/modules.dep"
declare -A BUILTIN=()
while read -r path; do
	name=${path##*/}; name=${name%%.ko*}; BUILTIN[${name//-/_}]=1
done < "$KMODS/modules.builtin"

ORDER=$S/kwish/distro-modules
: > "$ORDER"
emit() {	# emit PATH: its dependencies first (modules.dep lists them
		# closest last, so walk the list backwards), then itself
	local path=$1 d deps i
	[ -z "${SEEN[$path]:-}" ] || return 0
	SEEN[$path]=1
	read -r -a deps <<< "${DEP[$path]}"
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
		emit "${deps[i]}"
	done
	local rel=${path%.xz}; rel=${rel%.zst}; rel=${rel%.gz}
	mkdir -p "$S/lib/modules/$KVER/$(dirname "$rel")"
	case $path in
	*.xz)  xz -dc "$KMODS/$path" > "$S/lib/modules/$KVER/$rel" ;;
	*.zst) zstd -qdc "$KMODS/$path" > "$S/lib/modules/$KVER/$rel" ;;
	*.gz)  gzip -dc "$KMODS/$path" > "$S/lib/modules/$KVER/$rel" ;;
	*)     cp "$KMODS/$path" "$S/lib/modules/$KVER/$rel" ;;
	esac
	local n; n=$(basename "$rel" .ko)
	echo "load ${n//-/_} $rel" >> "$ORDER"
}
wanted=()
while read -r line; do
	line=${line%%#*}; line=${line//[[:space:]]/}
	[ -n "$line" ] && wanted+=("$line")
done < "$VMDIR/distro-modules"
for d in "${kwish_deps[@]}"; do wanted+=("$d?"); done
for w in "${wanted[@]}"; do
	opt=; case $w in *\?) opt=1; w=${w%\?} ;; esac
	w=${w//-/_}
	if [ -n "${PATHOF[$w]:-}" ]; then
		emit "${PATHOF[$w]}"
	elif [ -n "${BUILTIN[$w]:-}" ]; then
		echo "builtin $w" >> "$ORDER"
	elif [ -z "$opt" ]; then
		echo "missing $w" >> "$ORDER"
	fi
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ -f "$KMODS/$f" ] && cp "$KMODS/$f" "$S/lib/modules/$KVER/"
done
depmod -b "$S" "$KVER"

# ------------------------------------------------------------------ userspace
if [ -f "$TOOLSDIR/kwishctl" ]; then
	cp "$TOOLSDIR/kwishctl" "$S/kwish/bin/kwishctl"
	chmod 0755 "$S/kwish/bin/kwishctl"
else
	note "no $TOOLSDIR/kwishctl"
fi
if [ -d "$TOOLSDIR/selftests" ]; then
	cp -a "$TOOLSDIR/selftests/." "$S/kwish/tests/"
fi
if [ -d "$TOOLSDIR/bench" ]; then
	cp -a "$TOOLSDIR/bench/." "$S/kwish/bench/"
fi
# Shared libraries built by `make tools` (libkwish.so*), found by the loader
# through LD_LIBRARY_PATH=/kwish/lib.
if [ -d "$TOOLSDIR" ]; then
	find "$TOOLSDIR" -name '*.so*' \( -type f -o -type l \) -exec cp -a {} "$S/kwish/lib/" \;
fi
if [ -f "$DEMO" ]; then
	cp "$DEMO" "$S/kwish/demo.sh"
	chmod 0755 "$S/kwish/demo.sh"
fi
# Build artefacts that are not programs (objects, dependency files) only
# cost space.
find "$S/kwish/tests" "$S/kwish/bench" \( -name '*.o' -o -name '*.d' -o -name '*.a' \) -delete

# Shared libraries of every dynamically linked program, at the path the
# host's loader found them; a library ldd cannot find is looked for in the
# tools build directory.
declare -A LIBS=()
while IFS= read -r -d '' f; do
	is_elf "$f" || continue
	case $f in *.ko) continue ;; esac
	out=$(ldd "$f" 2>/dev/null) || continue
	while read -r a b c _; do
		if [ "$b" = "=>" ] && [ "$c" = "not" ]; then
			hit=$(find "$TOOLSDIR" -name "$a" -print -quit 2>/dev/null || true)
			if [ -n "$hit" ]; then
				LIBS[$hit]=/kwish/lib/$a
			else
				note "$(basename "$f"): library $a not found"
			fi
		elif [ "$b" = "=>" ] && [ "${c#/}" != "$c" ]; then
			LIBS[$c]=$c
		elif [ "${a#/}" != "$a" ]; then
			LIBS[$a]=$a	# the dynamic loader
		fi
	done <<< "$out"
done < <(find "$S/bin" "$S/kwish" -type f -print0)
for src in "${!LIBS[@]}"; do
	dst=$S${LIBS[$src]}
	mkdir -p "$(dirname "$dst")"
	cp -L "$src" "$dst"
done
printf '%s\n' /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib /kwish/lib > "$S/etc/ld.so.conf"
ldconfig -r "$S" 2>/dev/null || true

# ------------------------------------------------------------------ /etc, /init
cat > "$S/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
kwuser:x:1000:1000:kwish test user:/home/kwuser:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat > "$S/etc/group" <<'EOF'
root:x:0:
kwuser:x:1000:
nogroup:x:65534:
EOF
echo kwish > "$S/etc/hostname"
ln -s /proc/mounts "$S/etc/mtab"
echo "$KVER" > "$S/kwish/kver"
cp "$VMDIR/init" "$S/init"
chmod 0755 "$S/init"
chmod 1777 "$S/tmp"
find "$S/kwish/tests" "$S/kwish/bench" -type f -perm -u+x -exec chmod a+rx {} +

# ------------------------------------------------------------------ archive
# Everything owned by root in the archive (the host need not be root);
# /init gives /home/kwuser to kwuser.
mkdir -p "$(dirname "$OUT")"
( cd "$S" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 ) | gzip -6 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
note "$OUT: $(du -h "$OUT" | cut -f1), $nko kwish modules, $(grep -c '^load' "$ORDER") distro modules, $(find "$S/kwish/tests" -maxdepth 1 -type f -perm -u+x | wc -l) tests"
