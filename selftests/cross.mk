# SPDX-License-Identifier: GPL-2.0
#
# Cross builds of the B4 side for the CPEs it runs on: 32-bit ARM
# (arm-linux-gnueabihf) and big-endian MIPS (mips-linux-gnu), static, so
# that selftests/host/cross.sh runs the unit tests under qemu-user:
#
#   make cross        for each target of CROSS_TARGETS whose gcc is
#                     installed, in build/cross/TRIPLET/:
#                     - every object of the B4-only build, compiled with
#                       that gcc and -Werror (user/, user/b4/, user/lib/)
#                     - the unit tests that need no libmnl: tests/bfd_test,
#                       pcp_test, b4_ping_test, b4_wire_test
#                     - with libmnl's source (scripts/deps.sh fetches
#                       Debian's into build/cross/src/): libmnl/libmnl.a,
#                       the B4-only dslitectl and tests/dslitectl_unit
#
# "make tests" (so make check) makes it when a cross gcc is there. The
# header of libmnl is the build machine's (libmnl-dev: the same version as
# the source, and no architecture of its own).

CROSS_TARGETS ?= mips-linux-gnu arm-linux-gnueabihf
CROSS_DIR := $(SRCTREE)/build/cross
CROSS_UNIT := bfd_test pcp_test b4_ping_test b4_wire_test

ifndef CROSS_TRIPLET

CROSS_HAVE := $(foreach t,$(CROSS_TARGETS),\
	$(if $(shell command -v $(t)-gcc 2>/dev/null),$(t)))
LIBMNL_TARBALL := $(firstword $(wildcard $(CROSS_DIR)/src/libmnl_*.orig.tar.*))

.PHONY: cross $(addprefix cross-,$(CROSS_TARGETS))
cross: $(addprefix cross-,$(CROSS_HAVE))

$(CROSS_DIR)/include/libmnl:
	$(Q)mkdir -p $(@D)
	$(Q)ln -sfn /usr/include/libmnl $@

# libmnl.a: its four C files, as its own build compiles them
# (config.h: the symbol visibility macro of its configure).
$(CROSS_DIR)/%/libmnl/libmnl.a: $(LIBMNL_TARBALL) $(SRCTREE)/selftests/cross.mk
	$(call msg,LIBMNL,$@)
	$(Q)rm -rf $(@D) && mkdir -p $(@D)/src
	$(Q)tar -xf $< -C $(@D)/src --strip-components=1
	$(Q)echo '#define HAVE_VISIBILITY_HIDDEN 1' >$(@D)/config.h
	$(Q)cd $(@D) && for f in src/src/*.c; do \
		$*-gcc -O2 -g -D_FILE_OFFSET_BITS=64 -I. -Isrc/include \
			-c -o $$(basename $$f .c).o $$f || exit 1; done
	$(Q)$*-ar rcs $@ $(@D)/*.o

$(addprefix cross-,$(CROSS_TARGETS)): cross-%: $(CROSS_DIR)/include/libmnl $(if $(LIBMNL_TARBALL),$(CROSS_DIR)/%/libmnl/libmnl.a)
	$(Q)$(MAKE) CROSS_TRIPLET=$* B4_ONLY=1 BUILD=$(CROSS_DIR)/$* \
		CC=$*-gcc AR=$*-ar \
		CFLAGS="-idirafter $(CROSS_DIR)/include" \
		LDFLAGS="-static $(if $(LIBMNL_TARBALL),-L$(CROSS_DIR)/$*/libmnl)" \
		CROSS_LIBMNL=$(if $(LIBMNL_TARBALL),1) cross-build

else # the sub-make of one target

.PHONY: cross-build
cross-build: $(DSLITECTL_OBJS) $(LIBDSLITE) $(CROSS_UNIT:%=$(TESTS_DIR)/%) \
	$(if $(CROSS_LIBMNL),$(DSLITECTL) $(TESTS_DIR)/dslitectl_unit)
	@:

endif
