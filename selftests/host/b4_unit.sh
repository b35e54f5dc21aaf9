#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of B4 daemon parts (selftests/unit/b4_ping_test.c): the ping
# receive path reads a flood at most 32 packets a wake-up.
#
#   [ b4_ping_test ]  b4_ping_input()  <-- 100 datagrams --  socketpair

. "$(dirname "$0")/../prog_lib.sh"

exec_test_prog b4_ping_test
