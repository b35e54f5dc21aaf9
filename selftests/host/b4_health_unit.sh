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

. "$(dirname "$0")/../prog_lib.sh"

exec_test_prog b4_health_test
