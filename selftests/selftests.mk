# SPDX-License-Identifier: GPL-2.0
#
# Tests (see selftests/run.sh and selftests/vm/run.sh):
#
#   make check          install missing packages, build everything, run
#                       every host test, then every real-kernel test in
#                       one VM boot; last line "N passed, N failed"
#   make check-host     the same, host tests only
#   make check-kernel   the same, real-kernel tests only
#   make tests          build the test programs only (and the cross
#                       builds of selftests/cross.mk)
#
#   T=PATTERN           only tests whose name contains PATTERN,
#                       e.g. make check-kernel T=vm_sanity
#
# Test programs: every C test program is built here by one rule, from
# one source file with the flags of the tree (the shared headers, user/,
# user/lib/, user/b4/, bpf/, selftests/unit/ for tap.h, selftests/bpf/ for
# frames.h, $(BUILD) for the skeletons) and links what its row names.
# Test scripts find them at $DSLITE_ROOT/build/tests/NAME.
#
#   $(eval $(call test_prog,OUT,SOURCE,OBJECTS,LIBS))

TESTS_DIR := $(BUILD)/tests
TEST_CFLAGS := -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE $(USER_INC) \
	-I$(SRCTREE)/user/b4 -I$(SRCTREE)/bpf -I$(SRCTREE)/selftests/unit \
	-I$(SRCTREE)/selftests/bpf
BPF_LIBS := -lbpf -lelf -lz
TEST_PROGS +=

# test_prog(OUT, SOURCE, OBJECTS, LIBS): OUT built from SOURCE (relative to
# the tree) linked with OBJECTS and LIBS; the BPF skeletons are generated
# first (some sources include them; not in the B4-only build, whose test
# programs are the unit tests), -MMD tracks the headers. CFLAGS and
# LDFLAGS apply as to dslitectl (the cross builds pass -static there).
TEST_PROG_ORDER := $(if $(B4_ONLY),,$(AFTR_SKEL) $(BENCH_SKEL))

define test_prog
$(1): $(SRCTREE)/$(2) $(3) $(SRCTREE)/selftests/selftests.mk | $(TEST_PROG_ORDER)
	$$(call msg,CC,$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)$$(CC) $$(TEST_CFLAGS) $$(CFLAGS) $$(LDFLAGS) -MMD -MP -o $$@ $$< $(3) $(4)
-include $(1).d
endef

# Unit tests (selftests/unit/), BPF data-path programs (selftests/bpf/),
# the B4 peer of the AFTR tests (selftests/host/) and the benchmark.
UNIT_OBJS := $(addprefix $(DSLITECTL_BUILD)/,util.o diag.o json.o genl.o kw.o \
	tunnel.o monitor.o metrics_fmt.o b4/config.o b4/link.o http_addr.o)

$(eval $(call test_prog,$(TESTS_DIR)/bfd_test,selftests/unit/bfd_test.c))
$(eval $(call test_prog,$(TESTS_DIR)/mtu_test,selftests/unit/mtu_test.c))
$(eval $(call test_prog,$(TESTS_DIR)/pcp_test,selftests/unit/pcp_test.c,$(LIBDSLITE)))
$(eval $(call test_prog,$(TESTS_DIR)/b4_ping_test,selftests/unit/b4_ping_test.c,$(DSLITECTL_BUILD)/b4/ping.o $(LIBDSLITE)))
$(eval $(call test_prog,$(TESTS_DIR)/b4_echo_test,selftests/unit/b4_echo_test.c,$(DSLITECTL_BUILD)/b4/echo.o $(LIBDSLITE)))
$(eval $(call test_prog,$(TESTS_DIR)/b4_mtu_test,selftests/unit/b4_mtu_test.c,$(DSLITECTL_BUILD)/b4/mtu.o $(UNIT_OBJS) $(LIBDSLITE),-lmnl))
$(eval $(call test_prog,$(TESTS_DIR)/b4_health_test,selftests/unit/b4_health_test.c))
$(eval $(call test_prog,$(TESTS_DIR)/aftr_health_test,selftests/unit/aftr_health_test.c))
$(eval $(call test_prog,$(TESTS_DIR)/b4_wire_test,selftests/unit/b4_wire_test.c,$(DSLITECTL_BUILD)/ping_wire.o))
$(eval $(call test_prog,$(TESTS_DIR)/b4_session_test,selftests/unit/b4_session_test.c))
$(eval $(call test_prog,$(TESTS_DIR)/aftr_upgrade_test,selftests/unit/aftr_upgrade_test.c,,$(BPF_LIBS)))
$(eval $(call test_prog,$(TESTS_DIR)/dslitectl_unit,selftests/unit/dslitectl_unit.c,$(UNIT_OBJS) $(LIBDSLITE),-lmnl))
$(eval $(call test_prog,$(TESTS_DIR)/xdp_fixtures,selftests/bpf/xdp_fixtures.c,,$(BPF_LIBS)))
$(eval $(call test_prog,$(TESTS_DIR)/ptb_send,selftests/bpf/ptb_send.c))
$(eval $(call test_prog,$(TESTS_DIR)/xdp_volume,selftests/bpf/xdp_volume.c,,$(BPF_LIBS)))
$(eval $(call test_prog,$(TESTS_DIR)/aftr_peer,selftests/host/aftr_peer.c,,$(BPF_LIBS)))
$(eval $(call test_prog,$(BUILD)/bench/dslite_bench,selftests/bench/dslite_bench.c,,$(BPF_LIBS)))
$(eval $(call test_prog,$(TESTS_DIR)/scale_gen,selftests/bench/scale_gen.c))
$(eval $(call test_prog,$(TESTS_DIR)/genl_abuse,selftests/kernel/genl_abuse.c,,-lpthread))
$(eval $(call test_prog,$(TESTS_DIR)/upgrade_fill,selftests/bench/upgrade_fill.c,,$(BPF_LIBS)))

TEST_PROGS += $(addprefix $(TESTS_DIR)/,bfd_test pcp_test b4_ping_test \
	b4_health_test aftr_health_test b4_wire_test dslitectl_unit \
	b4_session_test aftr_upgrade_test xdp_fixtures ptb_send aftr_peer \
	xdp_volume scale_gen genl_abuse upgrade_fill mtu_test)
TEST_PROGS += $(TESTS_DIR)/b4_echo_test
TEST_PROGS += $(TESTS_DIR)/b4_mtu_test

include $(SRCTREE)/selftests/cross.mk

CHECK_ARGS_check :=
CHECK_ARGS_check-host := --host
CHECK_ARGS_check-kernel := --kernel

.PHONY: tests check-host check-kernel
.SECONDEXPANSION:

# The B4-only dslitectl is a test program too (kernel/b4_only_failover.sh).
tests: $$(TEST_PROGS) $(if $(B4_ONLY)$(CROSS_TRIPLET),,b4) \
	$(if $(CROSS_TRIPLET),,$(if $(CROSS_HAVE),cross))
	@:

$(TESTS_DIR):
	$(Q)mkdir -p $@

check check-host check-kernel:
	$(Q)$(SRCTREE)/scripts/deps.sh
	$(Q)$(MAKE) all tests
	$(Q)$(SRCTREE)/selftests/run.sh $(CHECK_ARGS_$@) $(T)

# make check-packages: the Debian packages installed, upgraded (with and
# without the module's reload) and purged in the test VM, DKMS building
# dslite.ko for its kernel (selftests/packaging/package.sh); not part of
# make check: three DKMS builds under emulation take many minutes.
.PHONY: check-packages
check-packages:
	$(Q)$(SRCTREE)/scripts/deps.sh
	$(Q)$(MAKE) all tests
	$(Q)DSLITE_KERNEL_TESTS=$(SRCTREE)/selftests/packaging \
		$(SRCTREE)/selftests/run.sh --kernel $(T)

# make check-bgp: the anycast group behind BGP in the VM (FRR on the
# router, FRR or BIRD on the members: selftests/bgp/), both tests; make
# check runs only FRR's (BIRD's has "# make check: no" in its header, for
# its VM time; Documentation/testing.md).
.PHONY: check-bgp
check-bgp:
	$(Q)$(SRCTREE)/scripts/deps.sh
	$(Q)$(MAKE) all tests
	$(Q)DSLITE_KERNEL_TESTS=$(SRCTREE)/selftests/bgp \
		$(SRCTREE)/selftests/run.sh --kernel $(T)

# make check-sanitize: dslitectl and the unit tests with ASan and UBSan
# (gcc) in build/asan/, their tests and three daemon tests in the VM
# (selftests/sanitize/run.sh); not part of make check (its time budget).
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SANITIZE_PROGS := bfd_test pcp_test b4_ping_test b4_health_test \
	b4_wire_test b4_session_test dslitectl_unit

.PHONY: check-sanitize
check-sanitize:
	$(Q)$(SRCTREE)/scripts/deps.sh
	$(Q)$(MAKE) all tests
	$(Q)$(MAKE) BUILD=$(SRCTREE)/build/asan CC=gcc \
		CFLAGS="$(SANITIZE_FLAGS)" LDFLAGS="$(SANITIZE_FLAGS)" \
		$(SRCTREE)/build/asan/dslitectl \
		$(addprefix $(SRCTREE)/build/asan/tests/,$(SANITIZE_PROGS))
	$(Q)$(SRCTREE)/selftests/sanitize/run.sh

# The test build of a later layout (bpf/dslite_aftr.h,
# DSLITE_TEST_SESSION_PAD: a session slot with a field appended):
# build/pad/dslitectl, the upgrade's other side in
# selftests/kernel/aftr_upgrade.sh and selftests/bench/upgrade_bench.sh.
PAD_BUILD := $(SRCTREE)/build/pad
.PHONY: test-pad
test-pad:
	$(Q)$(MAKE) BUILD=$(PAD_BUILD) CLANG="$(CLANG) -DDSLITE_TEST_SESSION_PAD" \
		CFLAGS="$(CFLAGS) -DDSLITE_TEST_SESSION_PAD" $(PAD_BUILD)/dslitectl
tests: $(if $(B4_ONLY)$(CROSS_TRIPLET),,test-pad)
# make bench's upgrade part (selftests/bench/upgrade_bench.sh)
bench: user test-pad $(TESTS_DIR)/upgrade_fill
# make bench's path MTU part (selftests/bench/pmtu_bench.sh, from bench.sh)
bench: $(TESTS_DIR)/ptb_send $(TESTS_DIR)/aftr_peer
