#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the PCP MAP client (include/dslite/pcp.h, user/lib/pcp.c):
# codec, result code names, malformed cases, renewal window,
# retransmission schedule and deadline, Epoch rules, health, counters,
# and the socket layer over ::1. The TAP comes from build/tests/pcp_test
# (make tests).
#
#   [ pcp_test ]  struct pcp_client  <-- MAP request/response bytes -->  test's server
#                     |  (socket checks)                                      |
#                     +------------- UDP [::1]:port <-------------------------+

. "$(dirname "$0")/../prog_lib.sh"

exec_test_prog pcp_test
