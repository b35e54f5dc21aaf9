# SPDX-License-Identifier: GPL-2.0
#
# dslitectl b4: unit tests of daemon parts built with stubs of the rest,
# run by selftests/host/b4_unit.sh.

B4_PING_TEST := $(BUILD)/tests/b4_ping_test
TEST_PROGS += $(B4_PING_TEST)

$(B4_PING_TEST): $(SRCTREE)/selftests/unit/b4_ping_test.c \
		$(DSLITECTL_BUILD)/b4_ping.o $(SRCTREE)/selftests/unit/tap.h \
		$(SRCTREE)/user/b4_unit.mk
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -o $@ $< $(DSLITECTL_BUILD)/b4_ping.o

-include $(BUILD)/tests/b4_ping_test.d
