#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dkms-pre-build.sh KERNELVER KERNEL_SOURCE_DIR - DKMS's PRE_BUILD step
# (dkms.conf, tools/packaging/dkms-conf.sh), run in the DKMS build copy of
# the source before `make -C modules`.
#
# Runs every modules/<module>/dkms-pre-build hook, in modules/Kbuild
# order, with the same two arguments; a hook that fails fails the build.
# A hook is the place for a step that needs the target kernel as
# installed on the user's machine rather than its build tree, e.g. reading
# its BTF (/sys/kernel/btf/vmlinux when KERNELVER is the running kernel,
# else /usr/lib/debug/boot/vmlinux-KERNELVER or /boot/vmlinux-KERNELVER).
# No module has one yet.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for hook in "$here"/*/dkms-pre-build; do
	[ -f "$hook" ] || continue
	echo "kwish: PRE_BUILD ${hook#"$here"/} $*"
	sh "$hook" "$@"
done
