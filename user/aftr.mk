# SPDX-License-Identifier: GPL-2.0
#
# dslitectl aftr (user/aftr*.c): the XDP responder's skeleton and libbpf.

DSLITECTL_DEPS += $(BUILD)/dslite_aftr.skel.h
DSLITECTL_LIBS += -lbpf -lelf -lz
DSLITECTL_CFLAGS += -I$(SRCTREE)/bpf

# The B4 of the AFTR tests: real DS-Lite frames over AF_PACKET, BFD with
# include/dslite/bfd.h, every answer checked byte by byte.
AFTR_PEER := $(BUILD)/tests/aftr_peer
TEST_PROGS += $(AFTR_PEER)

$(AFTR_PEER): $(SRCTREE)/selftests/host/aftr_peer.c $(SRCTREE)/user/aftr.mk \
		$(SRCTREE)/include/dslite/bfd.h $(SRCTREE)/include/dslite/proto.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE \
		-I$(SRCTREE)/include/uapi -I$(SRCTREE)/include -o $@ $< \
		-lbpf -lelf -lz
