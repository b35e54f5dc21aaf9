# SPDX-License-Identifier: GPL-2.0
#
# dslite: liveness and failover for DS-Lite softwires.
#
#   make            build dslite.ko, the BPF objects and dslitectl
#   make b4         the B4-only dslitectl for CPEs (build/b4/, no libbpf)
#   make check      install what the tests need, build, run every test
#   make bench      data-path benchmarks (table with in-run baselines)
#   make bench-scale  N BFD sessions against the XDP responder and bfdd,
#                   side by side (minutes; SCALE_SECONDS=, SCALE_N="...")
#   make bench-faults  false Downs on lossy links and a starved CPU, in
#                   the test VM, against the arithmetic and bfdd
#                   (about 25 minutes; FAULTS_SECONDS=, FAULTS_ROWS=...)
#   make demo       the failover demo in a VM
#   make install    install module, tool and man page (DESTDIR, PREFIX)
#   make deb        Debian packages dslite-dkms and dslitectl in build/deb/
#
# KDIR selects the kernel build tree for the module; by default the first
# installed one (the running kernel's if it has headers). V=1 for commands.
# B4_ONLY=1 makes any target for the B4-only build (user/user.mk), in
# build/b4/.

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=

SRCTREE := $(CURDIR)
# B4_ONLY: 1 or empty (the full build)
override B4_ONLY := $(filter 1,$(B4_ONLY))
BUILD := $(SRCTREE)/build$(if $(B4_ONLY),/b4)

KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	  else for d in /lib/modules/*/build; do [ -d "$$d" ] && basename $$(dirname $$d); done | sort -V | tail -n 1; fi)
KDIR ?= /lib/modules/$(KVER)/build

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif
MAKEFLAGS += --no-print-directory

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine)

.DELETE_ON_ERROR:
.PHONY: all kmod user bpf check bench demo deps install clean help deb
.PHONY: bench-scale bench-faults

all: kmod $(if $(B4_ONLY),,bpf) user

help:
	@sed -n '3,22p' Makefile | sed 's/^# \{0,1\}//'

kmod:
	@if [ ! -d "$(KDIR)" ]; then \
		echo "dslite: no kernel build tree at '$(KDIR)' (install linux-headers-amd64 or set KDIR=)" >&2; exit 1; fi
	$(Q)$(MAKE) -C $(KDIR) M=$(SRCTREE) $(if $(filter 1,$(V)),V=1,) modules

include bpf/bpf.mk
include user/user.mk
include selftests/selftests.mk
include selftests/fuzz/fuzz.mk

# dpkg-buildpackage in a copy of the tree (scripts/deb.sh, debian/)
deb:
	$(Q)$(SRCTREE)/scripts/deb.sh

deps:
	$(Q)$(SRCTREE)/scripts/deps.sh

# not part of make check: minutes per timer setting (Documentation/
# aftr-operations.md, "At scale")
bench-scale: user $(TESTS_DIR)/scale_gen $(TESTS_DIR)/aftr_peer
	$(SRCTREE)/selftests/bench/bench_scale.sh

# not part of make check: about 25 minutes in the test VM (Documentation/
# reliability.md, "Lossy links" and "Starved CPU"); FAULTS_* settings
bench-faults: all tests
	$(SRCTREE)/selftests/bench/faults.sh

install: all
	install -d $(DESTDIR)/lib/modules/$(KVER)/extra $(DESTDIR)$(PREFIX)/sbin \
		$(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 kmod/dslite.ko $(DESTDIR)/lib/modules/$(KVER)/extra/
	install -m 0755 $(BUILD)/dslitectl $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 Documentation/dslitectl.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER) || true; fi

clean:
	$(Q)if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(SRCTREE) clean >/dev/null; fi
	$(Q)rm -rf $(BUILD)
