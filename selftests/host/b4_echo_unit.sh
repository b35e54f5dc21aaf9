#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the B4 daemon's echo health method (RFC 9747,
# selftests/unit/b4_echo_test.c): the packet byte by byte, pacing (1/s
# until Up, the AFTR's Required Min Echo RX), the TTL rule (254 back,
# 255 refused), foreign and late packets, detection (diag echo-failed),
# and the socket filter run by the kernel.
#
#   b4_echo_build() -> reflect (TTL-1) -> b4_echo_rx() / b4_echo_expire()

. "$(dirname "$0")/../prog_lib.sh"

exec_test_prog b4_echo_test
