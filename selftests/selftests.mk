# SPDX-License-Identifier: GPL-2.0
#
# Tests (see selftests/run.sh and selftests/vm/run.sh):
#
#   make check          install missing packages, build everything, run
#                       every host test, then every real-kernel test in
#                       one VM boot; last line "N passed, N failed"
#   make check-host     the same, host tests only
#   make check-kernel   the same, real-kernel tests only
#   make tests          build the test programs only
#
#   T=PATTERN           only tests whose name contains PATTERN,
#                       e.g. make check-kernel T=vm_sanity
#
# A part whose tests run a program of their own appends it and gives the
# rule; every check target builds them first:
#
#   TEST_PROGS += $(TESTS_DIR)/bfd_test
#   $(TESTS_DIR)/bfd_test: ... | $(TESTS_DIR)
#
# Test scripts find them at $DSLITE_ROOT/build/tests/NAME.

TESTS_DIR := $(BUILD)/tests
TEST_PROGS +=

CHECK_ARGS_check :=
CHECK_ARGS_check-host := --host
CHECK_ARGS_check-kernel := --kernel

.PHONY: tests check-host check-kernel
.SECONDEXPANSION:

tests: $$(TEST_PROGS)
	@:

$(TESTS_DIR):
	$(Q)mkdir -p $@

check check-host check-kernel:
	$(Q)$(SRCTREE)/scripts/deps.sh
	$(Q)$(MAKE) all tests
	$(Q)$(SRCTREE)/selftests/run.sh $(CHECK_ARGS_$@) $(T)
