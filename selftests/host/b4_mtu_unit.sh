#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the B4 daemon's mtu health method (RFC 9764 padded
# probes of the BFD session, selftests/unit/b4_mtu_test.c): the judging
# (answered, short, no answer at all, the send failing with EMSGSIZE) and
# its reasons ("path MTU below N"), the counters, and the keywords: pad
# mtu|BYTES, health mtu, mtu-size / mtu-interval / mtu-multiplier, bad
# values refused with the message that says why.
#
#   b4_mtu_sent() --- probe of N bytes ---> (path) ---> b4_mtu_rx(len)
#                                                        b4_mtu_judge(now)

. "$(dirname "$0")/../prog_lib.sh"

exec_test_prog b4_mtu_test
