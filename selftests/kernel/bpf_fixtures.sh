#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The AFTR responder's fixture table run again on Debian's 6.1 kernel: the
# BPF programs must pass its verifier and behave byte for byte as on the
# host's kernel (selftests/host/xdp_fixtures.sh runs the same table there).
#
#   [ VM, Debian 6.1 ]
#     xdp_fixtures --BPF_PROG_TEST_RUN--> dslite_aftr (frames in, frames out)
#
root=${DSLITE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$root/build/tests/xdp_fixtures
if [ ! -x "$bin" ]; then
	echo "TAP version 13"
	echo "not ok 1 $bin is not built (make tests)"
	echo "1..1"
	exit 1
fi
echo "# kernel $(uname -r)"
exec "$bin"
