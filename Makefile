# SPDX-License-Identifier: GPL-2.0
#
# kiscsi: in-kernel iSCSI initiator.
#
#   make demo     boot a VM with a LIO target and show kiscsi at work
#   make check    the whole test suite; ends with "N passed, N failed"
#
#   make                      kiscsi.ko for KVER (default: the running kernel,
#                             else Debian's 6.12 line) and kiscsictl
#   make KVER=<release>       kiscsi.ko for an installed kernel
#   make KDIR=<kbuild dir>    kiscsi.ko for any kernel build tree
#   make K=6.1|6.12|debug     kiscsi.ko for one of the bench's kernels
#   make bench                open-iscsi vs kiscsi, side by side in one VM
#   make lint                 checkpatch --strict and shellcheck
#   make unit                 user-space unit tests of the protocol logic
#   make ynl                  regenerate the netlink files from the spec
#   make vmtest K=6.12 CASES="boot_smoke ..."   run bench cases in one boot

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VERSION := 0.1.0$(shell git -C $(TOP) describe --always --dirty --match none 2>/dev/null | sed 's/^/-g/')

ifneq ($(K),)
  KINFO := $(shell $(TOP)/scripts/kernels.sh $(K))
  KVER := $(patsubst KVER=%,%,$(filter KVER=%,$(KINFO)))
  KDIR := $(patsubst KDIR=%,%,$(filter KDIR=%,$(KINFO)))
endif
ifneq ($(KDIR),)
  KVER ?= $(shell cat $(KDIR)/include/config/kernel.release)
endif
KVER ?= $(shell uname -r)
ifeq ($(wildcard /lib/modules/$(KVER)/build),)
  ifeq ($(KDIR),)
    # No headers for the running kernel (a container): Debian's 6.12 line.
    KVER := $(shell $(TOP)/scripts/kernels.sh 6.12 | sed -n 's/^KVER=//p')
  endif
endif
KDIR ?= /lib/modules/$(KVER)/build

# Each kernel builds in its own mirror of the sources, so the supported
# kernels can be built side by side without cleaning.
BUILD := $(TOP)/build/$(KVER)
KMOD := $(BUILD)/drivers/scsi/kiscsi/kiscsi.ko

.PHONY: all module tool clean check demo bench lint unit ynl ynl-check vmtest deps

all: module tool

module:
	@mkdir -p $(BUILD)
	@cp -rsf $(TOP)/drivers $(TOP)/Kbuild $(BUILD)/
	$(MAKE) -C $(KDIR) M=$(BUILD) CONFIG_SCSI_KISCSI=m \
		KISCSI_TOP=$(TOP) KISCSI_VERSION=$(VERSION) modules
	@echo "kiscsi.ko for $(KVER): $(KMOD)"

tool:
	$(MAKE) -C $(TOP)/tools/kiscsictl VERSION=$(VERSION)

deps:
	$(TOP)/scripts/deps.sh

check:
	$(TOP)/scripts/check.sh

demo:
	$(TOP)/scripts/demo.sh

bench:
	$(TOP)/tools/testing/selftests/kiscsi/bench

lint:
	$(TOP)/scripts/lint.sh

unit:
	$(MAKE) -C $(TOP)/tools/testing/selftests/kiscsi/unit run

ynl:
	$(TOP)/scripts/ynl-gen.sh

ynl-check:
	$(TOP)/scripts/ynl-gen.sh --check

vmtest: module tool
	$(TOP)/tools/testing/selftests/kiscsi/vm-run --kernel $(or $(K),6.12) \
		--module $(KMOD) $(CASES)

clean:
	rm -rf $(TOP)/build
	$(MAKE) -C $(TOP)/tools/kiscsictl clean
