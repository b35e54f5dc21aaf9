# SPDX-License-Identifier: GPL-2.0
#
# dslitectl: $(BUILD)/dslitectl from user/*.c (every file there is part of
# the tool), objects and -MMD -MP dependency files in $(BUILD)/user/.
#
# Other parts extend the tool by appending, in their own .mk or here:
#
#   DSLITECTL_SRCS   += include/dslite/bfd.c  sources outside user/, relative
#                       to $(SRCTREE); built as $(BUILD)/user/<path>.o
#   DSLITECTL_OBJS   += $(BUILD)/x.o          ready-made objects to link
#   DSLITECTL_LIBS   += -lbpf -lelf -lz       libraries to link
#   DSLITECTL_CFLAGS += -DFOO                 extra compiler flags
#   DSLITECTL_DEPS   += $(BUILD)/foo.skel.h   files every object needs
#                       before it compiles (generated headers); -MMD then
#                       tracks them like any other header
#
# The lists are read through secondary expansion, so appending works from
# a .mk included before or after this one. $(BUILD) is on the include path
# for generated headers.

DSLITECTL := $(BUILD)/dslitectl
DSLITECTL_BUILD := $(BUILD)/user

DSLITECTL_SRCS +=
DSLITECTL_OBJS += $(patsubst $(SRCTREE)/user/%.c,$(DSLITECTL_BUILD)/%.o,\
		    $(wildcard $(SRCTREE)/user/*.c))
DSLITECTL_LIBS += -lmnl
DSLITECTL_CFLAGS +=
DSLITECTL_DEPS +=

# Objects of DSLITECTL_SRCS, evaluated late so later appends count.
dslitectl_all_objs = $(DSLITECTL_OBJS) \
	$(patsubst %.c,$(DSLITECTL_BUILD)/%.o,$(DSLITECTL_SRCS))

USER_CFLAGS := -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE \
	-I$(SRCTREE)/include/uapi -I$(SRCTREE)/include -I$(SRCTREE)/user \
	-I$(BUILD) \
	-DDSLITE_VERSION='"$(VERSION)"'

.SECONDEXPANSION:

user: $(DSLITECTL)

$(DSLITECTL): $$(dslitectl_all_objs)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(dslitectl_all_objs) $(DSLITECTL_LIBS)

# The top Makefile and this file set flags (VERSION among them).
$(DSLITECTL_BUILD)/%.o: $(SRCTREE)/user/%.c $(SRCTREE)/Makefile \
		$(SRCTREE)/user/user.mk | $$(DSLITECTL_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) $(DSLITECTL_CFLAGS) $(CFLAGS) -MMD -MP \
		-c -o $@ $<

$(DSLITECTL_BUILD)/%.o: $(SRCTREE)/%.c $(SRCTREE)/Makefile \
		$(SRCTREE)/user/user.mk | $$(DSLITECTL_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) $(DSLITECTL_CFLAGS) $(CFLAGS) -MMD -MP \
		-c -o $@ $<

# Unit tests of the tool's parts (run by selftests/host/dslitectl_cli.sh).
DSLITECTL_UNIT := $(BUILD)/tests/dslitectl_unit
DSLITECTL_UNIT_OBJS := $(addprefix $(DSLITECTL_BUILD)/,util.o diag.o json.o \
	genl.o tunnel.o monitor.o b4_config.o b4_link.o tests/dslitectl_unit.o)
TEST_PROGS += $(DSLITECTL_UNIT)

$(DSLITECTL_UNIT): $(DSLITECTL_UNIT_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(DSLITECTL_UNIT_OBJS) -lmnl

-include $(shell find $(DSLITECTL_BUILD) -name '*.d' 2>/dev/null)

# Parts of the tool with their own build rules (user/aftr.mk, ...).
include $(filter-out $(SRCTREE)/user/user.mk,$(wildcard $(SRCTREE)/user/*.mk))
