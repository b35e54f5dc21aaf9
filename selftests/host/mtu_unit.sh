#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the AFTR's per-softwire path MTU record
# (include/dslite/mtu.h) in userspace: the same code the XDP responder
# runs. The TAP comes from build/tests/mtu_test.
#
#   PTB(mtu) --> learn/lower/ignore/expire --> record --> MSS
#   padded BFD(S) --> raise --^
#   (no network: records are passed in memory)

. "$(dirname "$0")/../prog_lib.sh"

exec_test_prog mtu_test
