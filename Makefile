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
SHELL := /bin/bash
ROOT := $(CURDIR)
BUILD := $(ROOT)/build
TESTING := $(ROOT)/tools/testing

# Kernel release strings of the supported test kernels, e.g.
# "6.1.0-56-amd64 6.12.111+deb12-amd64" (resolved from META and apt).
KVERS ?= $(shell $(TESTING)/kernels.sh kvers)

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

clean:
	rm -rf $(BUILD)
	$(MAKE) -C $(ROOT)/tools O=$(BUILD)/tools clean || true

.PHONY: all deps modules tools check run bench install clean
