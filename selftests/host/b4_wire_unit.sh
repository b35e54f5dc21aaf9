#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Byte-exact unit tests of the packets the B4 builds and parses itself
# (selftests/unit/b4_wire_test.c): the IPv4/UDP packet around BFD and PCP
# (user/b4/net.c), the check of a direct-path answer, the raw socket's
# filter, the ping request, reply check and filter (user/ping_wire.c).
# The filters run in the kernel on a socketpair.
#
#   [ b4_wire_test ]  sv[1] --- crafted IPv4 packets ---> sv[0] + filter

. "$(dirname "$0")/../prog_lib.sh"

exec_test_prog b4_wire_test
