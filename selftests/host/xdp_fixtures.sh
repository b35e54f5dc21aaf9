#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Table-driven fixtures of the AFTR responder (bpf/dslite_aftr.bpf.c) run
# through BPF_PROG_TEST_RUN on this kernel: verdicts, exact output bytes,
# counters, session events and the session table, then a full table, the
# new-session rate limit, a re-load keeping the sessions, and the sweeper
# in real time. The TAP comes from build/tests/xdp_fixtures.
#
#   B4 2001:db8:b4::N                         AFTR 2001:db8:af::1
#   192.0.0.2  ==[ IPv6 nh 4 | IPv4 | UDP 3784/3785, ICMP ]==>  dslite_aftr (XDP)
#              <==============  XDP_TX answer  ===============  192.0.0.1
#   (frames are injected with BPF_PROG_TEST_RUN; no interface is used)

. "$(dirname "$0")/../prog_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP needs root (BPF_PROG_TEST_RUN)"
	exit 4
fi
exec_test_prog xdp_fixtures
