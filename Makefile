# SPDX-License-Identifier: GPL-2.0
#
# kwish top-level Makefile.
#   make run     install what is needed, build, boot stock Debian 6.1 in QEMU
#                with kwish loaded, show `kwishctl status` and a demo
#   make check   every test: module builds for each supported kernel,
#                QEMU selftests as root and as an unprivileged user;
#                ends with "N passed, N failed"
#   make bench   benchmarks in one VM boot, printed as ratios
#   make install build for the running kernel and install (no DKMS)
#   make check-package   build the .debs and the RPM, install them in a
#                Debian 12 image and test them there (also part of check)
#   make dkms-source DESTDIR=...   the DKMS source tree (/usr/src/kwish-V)
#   make system-files DESTDIR=...  udev rule, modprobe.d, modules-load.d
#   make man     man pages from docs/*.md into build/man
SHELL := /bin/bash
ROOT := $(CURDIR)
BUILD := $(ROOT)/build
TESTING := $(ROOT)/tools/testing

# Kernel release strings of the supported test kernels, e.g.
# "6.1.0-56-amd64 6.12.111+deb12-amd64" (resolved from META and apt).
KVERS ?= $(shell $(TESTING)/kernels.sh kvers)

PACKAGING := $(ROOT)/tools/packaging
KWISH_VERSION := $(shell $(PACKAGING)/meta.sh get KWISH_VERSION)
DKMS_SRC ?= /usr/src/kwish-$(KWISH_VERSION)
UDEVRULESDIR ?= /usr/lib/udev/rules.d
MODPROBEDIR ?= /usr/lib/modprobe.d
MODULESLOADDIR ?= /usr/lib/modules-load.d

all: modules tools

deps:
	$(TESTING)/deps.sh

# Each kernel gets its own copy of the sources, so builds for different
# kernels never share objects or compat probes.  The test kernels' headers
# are extracted into ~/.cache/kwish by deps.sh, not installed.
modules:
	@set -e; for k in $(KVERS); do \
		echo "== modules for $$k"; \
		mkdir -p $(BUILD)/$$k/src; \
		rm -rf $(BUILD)/$$k/src/modules $(BUILD)/$$k/src/uapi \
			$(BUILD)/$$k/src/kunit; \
		cp -a $(ROOT)/modules $(ROOT)/uapi $(ROOT)/kunit $(BUILD)/$$k/src/; \
		KWISH_BTF=$$($(TESTING)/kernels.sh cache-dir $$k)/vmlinuz \
		KWISH_LAYOUT_REQUIRED=1 \
		$(MAKE) -C $(BUILD)/$$k/src/modules \
			KDIR=$$($(TESTING)/kernels.sh kdir $$k) KCFLAGS=-Werror; \
	done

tools:
	$(MAKE) -C $(ROOT)/tools O=$(BUILD)/tools

check:
	@$(TESTING)/check.sh

run:
	$(TESTING)/run-demo.sh

bench:
	$(TESTING)/bench.sh

install:
	$(MAKE) -C modules KDIR=/lib/modules/$$(uname -r)/build
	$(MAKE) -C /lib/modules/$$(uname -r)/build M=$(ROOT)/modules modules_install
	depmod -a
	$(MAKE) -C $(ROOT)/tools O=$(BUILD)/tools install

# What DKMS builds from: the module sources, uapi and a dkms.conf made
# from META (tools/packaging/dkms-conf.sh).  Only sources are copied, never
# objects of an earlier build.
dkms-source:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	install -d $(DESTDIR)$(DKMS_SRC)
	cd $(ROOT) && find modules uapi -type f \
		\( -name '*.[ch]' -o -name Kbuild -o -name Makefile \
		   -o -name '*.sh' -o -name '*.list' -o -name dkms-pre-build \) \
		! -name compat_gen.h ! -name kwish_layout_gen.h \
		! -name kwish_gates_gen.h \
		! -name '*.mod.c' ! -path '*/.probes/*' \
		-print0 | sort -z | \
		xargs -0 -I{} install -D -m 0644 {} $(DESTDIR)$(DKMS_SRC)/{}
	find $(DESTDIR)$(DKMS_SRC) -name '*.sh' -o -name dkms-pre-build | \
		xargs chmod 0755
	install -m 0644 $(ROOT)/META $(DESTDIR)$(DKMS_SRC)/META
	$(PACKAGING)/dkms-conf.sh > $(DESTDIR)$(DKMS_SRC)/dkms.conf

# The udev rule for /dev/kwish, modprobe.d aliases and a modules-load.d
# file with every module commented out (the admin picks what loads at boot).
system-files:
	install -D -m 0644 $(PACKAGING)/system/60-kwish.rules \
		$(DESTDIR)$(UDEVRULESDIR)/60-kwish.rules
	install -D -m 0644 $(PACKAGING)/system/kwish-modprobe.conf \
		$(DESTDIR)$(MODPROBEDIR)/kwish.conf
	install -d $(DESTDIR)$(MODULESLOADDIR)
	{ echo "# kwish modules to load at boot (kwish-tools package)."; \
	  echo "# Nothing is loaded by default: uncomment the features you want,"; \
	  echo "# or copy this file to /etc/modules-load.d/kwish.conf and edit it."; \
	  echo "# Each module loads kwish_core with it; see kwish(7)."; \
	  for m in $$($(PACKAGING)/meta.sh modules); do echo "#$$m"; done; \
	} > $(DESTDIR)$(MODULESLOADDIR)/kwish.conf
	chmod 0644 $(DESTDIR)$(MODULESLOADDIR)/kwish.conf

man:
	$(PACKAGING)/man.sh $(BUILD)/man

check-package:
	@mkdir -p $(BUILD) && $(TESTING)/deps.sh > $(BUILD)/deps.log 2>&1 || { cat $(BUILD)/deps.log; exit 1; }
	@KWISH_PKG_SUMMARY=1 $(TESTING)/package/check-package.sh $(BUILD)/pkg

check-meta:
	$(PACKAGING)/meta.sh check

clean:
	rm -rf $(BUILD)
	$(MAKE) -C $(ROOT)/tools O=$(BUILD)/tools clean || true

.PHONY: all deps modules tools check run bench install clean dkms-source \
	system-files man check-package check-meta
