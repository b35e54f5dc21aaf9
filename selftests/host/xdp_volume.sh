#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The AFTR responder against random and mutated frames at volume
# (selftests/bpf/xdp_volume.c): distinct frames through
# BPF_PROG_TEST_RUN, the maps checked after every batch (verdicts,
# counters adding up, sessions created only by a valid first BFD packet
# of a permitted B4, no B4 changing another's session). make check runs
# DSLITE_XDP_VOLUME_FRAMES (default 500,000); make fuzz runs 10,000,000.
#
#   random / mutated fixture frames --> [ XDP dslite_aftr ] --> verdict
#                                              |
#                  dslite_sessions, dslite_discrs, dslite_counters
#                  checked after each batch of 20,000

. "$(dirname "$0")/../prog_lib.sh"

bin=$DSLITE_ROOT/build/tests/xdp_volume
if [ ! -x "$bin" ]; then
	exec_test_prog xdp_volume
fi
exec "$bin" "${DSLITE_XDP_VOLUME_FRAMES:-500000}"
