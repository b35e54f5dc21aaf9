#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the BFD state machine (include/dslite/bfd.h) in userspace:
# the same code the AFTR's XDP responder and the B4 daemon run. The TAP
# comes from build/tests/bfd_test (make bpf-selftests).
#
#   [ bfd_test ]  initiator session  <-- struct bfd_ctrl -->  responder session
#                 (no network: packets are passed in memory)

. "$(dirname "$0")/../prog_lib.sh"

exec_test_prog bfd_test
