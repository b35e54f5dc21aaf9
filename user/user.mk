# SPDX-License-Identifier: GPL-2.0
#
# dslitectl: $(BUILD)/dslitectl from every .c under user/ (user/ the CLI
# core, user/b4/ the B4 daemon, user/aftr/ the AFTR loader) and the shared
# library user/lib/ ($(BUILD)/lib/libdslite.a, which the test programs link
# too). Objects and -MMD -MP dependency files mirror the tree under
# $(BUILD)/user/ and $(BUILD)/lib/.
#
# A part with needs of its own appends, in its .mk (user/*/*.mk are
# included from here):
#
#   DSLITECTL_LIBS   += -lbpf -lelf -lz       libraries to link
#   DSLITECTL_CFLAGS += -DFOO                 extra compiler flags
#   DSLITECTL_DEPS   += $(BUILD)/foo.skel.h   files every object needs
#                       before it compiles (generated headers); -MMD then
#                       tracks them like any other header
#
# The lists are read through secondary expansion, so appending works from
# a .mk included before or after this one. $(BUILD) is on the include path
# for generated headers.
#
# The B4-only build, for CPEs (Documentation/b4-operations.md,
# "Footprint"):
#
#   make b4           $(BUILD)/b4/dslitectl: the same tool without
#                     user/aftr/ (no libbpf, libelf, zlib, no BPF object),
#                     linked with libmnl only; "dslitectl aftr" says that
#                     this build has no AFTR role
#   make B4_ONLY=1 [TARGET]   any target for that build, in build/b4/
#                     (make B4_ONLY=1 install: dslite.ko and the B4-only
#                     dslitectl)

DSLITECTL := $(BUILD)/dslitectl
DSLITECTL_BUILD := $(BUILD)/user
LIBDSLITE := $(BUILD)/lib/libdslite.a

# The parts of the tool: every directory of user/ but lib/ (aftr/ only in
# the full build).
DSLITECTL_PARTS := user user/b4 $(if $(B4_ONLY),,user/aftr)
DSLITECTL_OBJS := $(patsubst $(SRCTREE)/user/%.c,$(DSLITECTL_BUILD)/%.o,\
		    $(wildcard $(DSLITECTL_PARTS:%=$(SRCTREE)/%/*.c)))
LIBDSLITE_OBJS := $(patsubst $(SRCTREE)/user/lib/%.c,$(BUILD)/lib/%.o,\
		    $(wildcard $(SRCTREE)/user/lib/*.c))
DSLITECTL_LIBS += -lmnl
DSLITECTL_CFLAGS += $(if $(B4_ONLY),-DDSLITE_B4_ONLY)
DSLITECTL_DEPS +=

# Include path of everything built from user/ (and of the test programs):
# the shared headers, the CLI core's headers, the library's.
USER_INC := -I$(SRCTREE)/include/uapi -I$(SRCTREE)/include \
	-I$(SRCTREE)/user -I$(SRCTREE)/user/lib -I$(BUILD)
USER_CFLAGS := -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE $(USER_INC) \
	-DDSLITE_VERSION='"$(VERSION)"'

.SECONDEXPANSION:

.PHONY: b4
user: $(DSLITECTL)
	@:

b4:
	$(Q)$(MAKE) B4_ONLY=1 user

$(DSLITECTL): $(DSLITECTL_OBJS) $(LIBDSLITE)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(DSLITECTL_OBJS) $(LIBDSLITE) \
		$(DSLITECTL_LIBS)

$(LIBDSLITE): $(LIBDSLITE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

# The top Makefile and this file set flags (VERSION among them).
$(DSLITECTL_BUILD)/%.o: $(SRCTREE)/user/%.c $(SRCTREE)/Makefile \
		$(SRCTREE)/user/user.mk | $$(DSLITECTL_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) $(DSLITECTL_CFLAGS) $(CFLAGS) -MMD -MP \
		-c -o $@ $<

$(BUILD)/lib/%.o: $(SRCTREE)/user/lib/%.c $(SRCTREE)/Makefile \
		$(SRCTREE)/user/user.mk
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(DSLITECTL_BUILD) $(BUILD)/lib -name '*.d' 2>/dev/null)

# The metrics' HTTP endpoint, HTTP=0|1 (user/http.mk).
include $(SRCTREE)/user/http.mk

# Parts of the tool with build rules of their own (user/aftr/aftr.mk, ...).
include $(wildcard $(patsubst %,$(SRCTREE)/%/*.mk,$(filter-out user,$(DSLITECTL_PARTS))))
