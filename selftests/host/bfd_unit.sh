#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the BFD state machine (include/dslite/bfd.h) in userspace:
# the same code the AFTR's XDP responder and the B4 daemon run. The TAP
# comes from build/tests/bfd_test (make bpf-selftests).
#
#   [ bfd_test ]  initiator session  <-- struct bfd_ctrl -->  responder session
#                 (no network: packets are passed in memory)

root=${DSLITE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$root/build/tests/bfd_test

if [ ! -x "$bin" ]; then
	echo "TAP version 13"
	echo "not ok 1 $bin is not built (make bpf-selftests)"
	echo "1..1"
	exit 1
fi
exec "$bin"
