#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the B4 daemon's health table (selftests/unit/b4_health_test.c):
# a method that exists only in the test plugs in with one row; verdicts
# recorded from inside a probe's input are evaluated once per turn of the
# loop, all/any, one failover event per change.
#
#   [ b4_health_test ]  manual_cb() <-- '0'/'1' --  socketpair
#                       b4_health_eval() --> b4_fo_session_changed() (counted)

root=${DSLITE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$root/build/tests/b4_health_test

if [ ! -x "$bin" ]; then
	echo "TAP version 13"
	echo "not ok 1 $bin is not built (make tests)"
	echo "1..1"
	exit 1
fi
exec "$bin"
