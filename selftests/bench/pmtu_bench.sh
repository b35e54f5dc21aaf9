#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, path MTU rows: selftests/kernel/aftr_pmtu_scale.sh at an
# access network's scale, in the test VM (ip6tnl exists only there):
#
#   selftests/vm/run.sh selftests/bench/pmtu_bench.sh
#
# 50,000 generated B4s (PMTU_N; each member's kernel takes about half
# of their PTBs), then 50,000 others between the two rounds of
# downloads: the kernel's path MTU cache (about 5,000 per route and
# member) against dslite's MTU record, side by side. Prints the test's
# table (its "# " lines); make check runs the same scenario with 10,000.
# Figures: Documentation/anycast.md, "Path MTU at scale".
# vm-timeout: 2400
export PMTU_N=${PMTU_N:-50000}
export PMTU_ROUNDS=${PMTU_ROUNDS:-2}
export PMTU_PHASES=${PMTU_PHASES:-kernel dslite}
export PMTU_BLOB_KB=${PMTU_BLOB_KB:-4096}
export PMTU_BURST_RATE=${PMTU_BURST_RATE:-1000}
exec bash "$(dirname "$0")/../kernel/aftr_pmtu_scale.sh"
