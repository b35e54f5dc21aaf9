# SPDX-License-Identifier: GPL-2.0
#
# libFuzzer targets for every parser of untrusted bytes in userspace
# (selftests/fuzz/*.c, one target a file, LLVMFuzzerTestOneInput), built
# with clang, AddressSanitizer and UndefinedBehaviorSanitizer into
# $(BUILD)/fuzz/ from the sources they exercise (not from the objects of
# dslitectl: those are built without the sanitizers).
#
#   make fuzz-build     build every target ($(BUILD)/fuzz/NAME)
#   make fuzz           run every target for FUZZ_SECONDS (default 30) on a
#                       copy of its seed corpus (selftests/fuzz/corpus/NAME/);
#                       new inputs go to $(BUILD)/fuzz/corpus/NAME/, a crash
#                       to $(BUILD)/fuzz/crashes/NAME/ with REPRODUCE (the
#                       command that replays it); fails if one crashed
#   FUZZ=NAME           only that target (make fuzz FUZZ=pcp)
#   XDP_VOLUME_FRAMES   then (without FUZZ=, as root) the XDP responder
#                       against that many random and mutated frames
#                       (selftests/bpf/xdp_volume.c, default 10000000;
#                       make check runs 500000)
#
# make check replays every seed corpus once (selftests/host/fuzz_corpus.sh).

FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SECONDS ?= 30
XDP_VOLUME_FRAMES ?= 10000000
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -D_GNU_SOURCE -Wall -Wextra \
	-Wno-unused-parameter $(USER_INC) -I$(SRCTREE)/user/b4 \
	-I$(SRCTREE)/selftests/fuzz -DDSLITE_VERSION='"$(VERSION)"'

FUZZ_TARGETS :=
# every header and source a target may reach (some include a .c)
FUZZ_DEPS := $(wildcard $(SRCTREE)/user/*.[ch] $(SRCTREE)/user/*/*.[ch] \
	$(SRCTREE)/include/*/*.h $(SRCTREE)/include/uapi/linux/*.h \
	$(SRCTREE)/selftests/fuzz/*.h)

# fuzz_target(NAME, SOURCES, LIBS): $(FUZZ_DIR)/NAME from
# selftests/fuzz/NAME.c and SOURCES (relative to the tree), linked with LIBS.
define fuzz_target
FUZZ_TARGETS += $(1)
$(FUZZ_DIR)/$(1): $(SRCTREE)/selftests/fuzz/$(1).c $(FUZZ_DEPS) \
		$(SRCTREE)/selftests/fuzz/fuzz.mk
	$$(call msg,FUZZCC,$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$(FUZZ_SAN) -o $$@ $$< \
		$(addprefix $(SRCTREE)/,$(2)) $(3)
endef

$(eval $(call fuzz_target,pcp,user/lib/pcp.c))
$(eval $(call fuzz_target,bfd,user/b4/bfd.c))
$(eval $(call fuzz_target,ping,user/ping_wire.c))
$(eval $(call fuzz_target,config,user/kw.c user/b4/config.c user/b4/link.c user/http_addr.c \
	user/util.c user/diag.c user/json.c,-lmnl))
$(eval $(call fuzz_target,genl,user/tunnel.c user/monitor.c user/util.c \
	user/diag.c user/json.c user/kw.c,-lmnl))
$(eval $(call fuzz_target,json,user/json.c))

FUZZ_RUN := $(if $(FUZZ),$(filter $(FUZZ),$(FUZZ_TARGETS)),$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build
fuzz-build: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))
	@:

fuzz: $(addprefix $(FUZZ_DIR)/,$(FUZZ_RUN)) $(if $(FUZZ),,$(TESTS_DIR)/xdp_volume)
	$(Q)FUZZ_DIR=$(FUZZ_DIR) $(SRCTREE)/selftests/fuzz/run.sh \
		$(FUZZ_SECONDS) $(FUZZ_RUN)
	$(Q)$(if $(FUZZ),true,$(TESTS_DIR)/xdp_volume $(XDP_VOLUME_FRAMES) | \
		tee $(FUZZ_DIR)/xdp_volume.log | grep -v '^ok')

# make tests builds the targets too (selftests/host/fuzz_corpus.sh replays
# the corpora); not in the B4-only or cross builds.
ifeq ($(B4_ONLY)$(CROSS_TRIPLET),)
tests: fuzz-build
endif
