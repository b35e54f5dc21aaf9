#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the B4's BFD session schedule (selftests/unit/
# b4_session_test.c): a daemon that did not run (a starved CPU, a stopped
# VM) does not declare its AFTR down for its own silence; a dead AFTR is
# still declared down, one transmission interval later at most.
#
#   [ b4_session_test ]  b4_session (300 ms x 3) <-- answers -- bfd.h peer
#                        the test's clock: 1 ms steps, or a 5 s jump

. "$(dirname "$0")/../prog_lib.sh"

exec_test_prog b4_session_test
