# SPDX-License-Identifier: GPL-2.0
#
# dslitectl pcp (user/pcp.c, user/pcp_cmd.c): the unit tests of the PCP
# MAP client, run by selftests/host/pcp_unit.sh.

PCP_TEST := $(BUILD)/tests/pcp_test
TEST_PROGS += $(PCP_TEST)

$(PCP_TEST): $(SRCTREE)/selftests/unit/pcp_test.c $(DSLITECTL_BUILD)/pcp.o \
		$(SRCTREE)/selftests/unit/tap.h $(SRCTREE)/user/pcp.mk
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -o $@ $< $(DSLITECTL_BUILD)/pcp.o

-include $(BUILD)/tests/pcp_test.d
