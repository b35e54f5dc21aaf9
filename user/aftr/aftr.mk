# SPDX-License-Identifier: GPL-2.0
#
# dslitectl aftr (user/aftr/): the XDP responder's skeleton and libbpf.

DSLITECTL_DEPS += $(BUILD)/dslite_aftr.skel.h
DSLITECTL_LIBS += -lbpf -lelf -lz
DSLITECTL_CFLAGS += -I$(SRCTREE)/bpf
