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

require_root
exec_test_prog aftr_upgrade_test
