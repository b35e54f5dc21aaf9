# SPDX-License-Identifier: GPL-2.0
#
# BPF part: the AFTR responder object and its skeleton, the benchmark's
# object (the test programs themselves are built by selftests/selftests.mk).
#
#   make bpf            $(BUILD)/dslite_aftr.bpf.o, $(BUILD)/dslite_aftr.skel.h
#   make bpf-selftests  $(BUILD)/tests/bfd_test (unit tests of bfd.h)
#                       $(BUILD)/tests/xdp_fixtures (BPF_PROG_TEST_RUN)
#                       $(BUILD)/tests/ptb_send (ICMPv6 Packet Too Big
#                       sender of the anycast relay tests)
#                       (in TEST_PROGS: `make tests` and `make check` build them)
#   make bench          build and run selftests/bench (prints its tables)
#
# Users of the skeleton (dslitectl) add $(BUILD)/dslite_aftr.skel.h to
# DSLITECTL_DEPS and link -lbpf -lelf -lz.

BPF_BUILD := $(BUILD)
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Wall -Werror \
	-I$(SRCTREE)/include/uapi -I$(SRCTREE)/include -I$(SRCTREE)/bpf \
	-idirafter $(ARCH_INC)

AFTR_OBJ := $(BUILD)/dslite_aftr.bpf.o
AFTR_SKEL := $(BUILD)/dslite_aftr.skel.h
BENCH_OBJ := $(BUILD)/bench/bench_xdp.bpf.o
BENCH_SKEL := $(BUILD)/bench/bench_xdp.skel.h

DSLITE_BENCH := $(BUILD)/bench/dslite_bench

.PHONY: bpf bpf-selftests bench
bpf: $(AFTR_OBJ) $(AFTR_SKEL)
bpf-selftests: $(addprefix $(BUILD)/tests/,bfd_test xdp_fixtures ptb_send)

$(BUILD)/%.bpf.o: $(SRCTREE)/bpf/%.bpf.c $(SRCTREE)/bpf/bpf.mk
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/bench/%.bpf.o: $(SRCTREE)/selftests/bench/%.bpf.c $(SRCTREE)/bpf/bpf.mk
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c -o $@ $<

%.skel.h: %.bpf.o
	$(call msg,GENSKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $(*F)) > $@

.SECONDARY: $(AFTR_OBJ) $(BENCH_OBJ)

# every part runs even when one before it failed; the status says whether
# any did (a part that cannot run here prints why and is not a failure)
bench: $(DSLITE_BENCH)
	$(Q)st=0; \
	$(SRCTREE)/selftests/bench/bench.sh $(DSLITE_BENCH) || st=1; \
	$(SRCTREE)/selftests/bench/pcp_bench.sh || st=1; \
	$(SRCTREE)/selftests/bench/upgrade_bench.sh || st=1; \
	$(SRCTREE)/selftests/vm/run.sh -t 3600 $(SRCTREE)/selftests/bench/dataplane_bench.sh || st=1; \
	exit $$st

-include $(wildcard $(BUILD)/*.bpf.d $(BUILD)/bench/*.bpf.d)
