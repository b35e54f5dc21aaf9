#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The counters an in-place upgrade carries over (selftests/unit/
# aftr_upgrade_test.c), on real per-CPU array maps: from a layout-1
# program (one counter fewer, inserted in layout 2) to this build, within
# one layout, and to a build that appends counters.
#
#   [ aftr_upgrade_test ]  old PERCPU_ARRAY --aftr_percpu_add()--> new

. "$(dirname "$0")/../prog_lib.sh"

# (prog_lib.sh has no require_root: lib.sh is not sourced here)
if [ "$EUID" -ne 0 ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP needs root (BPF maps)"
	exit 4
fi
exec_test_prog aftr_upgrade_test
