#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of B4 daemon parts (selftests/unit/b4_ping_test.c): the ping
# receive path reads a flood at most 32 packets a wake-up.
#
#   [ b4_ping_test ]  b4_ping_input()  <-- 100 datagrams --  socketpair

root=${DSLITE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$root/build/tests/b4_ping_test

if [ ! -x "$bin" ]; then
	echo "TAP version 13"
	echo "not ok 1 $bin is not built (make tests)"
	echo "1..1"
	exit 1
fi
exec "$bin"
