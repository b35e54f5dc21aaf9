#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The B4 daemon's footprint on a running system: resident memory and CPU
# time of "dslitectl b4 run" with two AFTRs (dslite's XDP responder on
# both, one active through the tunnel, one standby probed directly), for
# the full and the B4-only build at the default timers (1 s x 3) and for
# the B4-only build at the slow ones (10 s x 3). Measures, never fails on
# a number (Documentation/b4-operations.md, "Footprint", has the table):
#
#   selftests/vm/run.sh -t 600 selftests/bench/b4_footprint.sh
#
# Each row: the daemon's VmRSS and VmHWM once its sessions are Up, and
# the CPU time (utime + stime from /proc/PID/stat) it used over WINDOW
# seconds (default 60) after that, as a percentage of one CPU. Under the
# test VM (qemu TCG) every instruction costs several times what it costs
# on hardware, so the CPU figures are upper bounds.
#
#  [B4] ds0 -> AFTR1 --- [ME] --- [AFTR1] XDP responder
#                            \--- [AFTR2] XDP responder (standby)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

window=${WINDOW:-60}
full=$DSLITECTL
b4only=$DSLITE_ROOT/build/b4/dslitectl
hz=$(getconf CLK_TCK)

require_root
require_cmd jq
[ -x "$b4only" ] || tap_skip_all "$b4only is not built (make tests)"
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 || tap_skip_all "cannot build the topology"
xdp_attach_both

# measure NAME BINARY ARGS...: one row
measure() {
	local name=$1 t0 t1 rss hwm
	DSLITECTL_B4=$2
	shift 2
	b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR "$@" ||
		{ tap_fail "$name: daemon starts" "$(b4_show_log)"; return; }
	if ! b4_wait_peer $AFTR1_ADDR up 30000 || ! b4_wait_peer $AFTR2_ADDR up 30000; then
		tap_fail "$name: both sessions Up" "$(b4_show_log)"
		b4_stop
		return
	fi
	t0=$(awk '{print $14 + $15}' /proc/$B4_PID/stat)
	sleep "$window"
	t1=$(awk '{print $14 + $15}' /proc/$B4_PID/stat)
	rss=$(awk '/^VmRSS/ {print $2}' /proc/$B4_PID/status)
	hwm=$(awk '/^VmHWM/ {print $2}' /proc/$B4_PID/status)
	tap_ok "$name: measured"
	printf '# %-40s VmRSS %5d kB  VmHWM %5d kB  CPU %6.3f %% (%d ticks in %d s)\n' \
		"$name" "$rss" "$hwm" "$(awk "BEGIN {print ($t1 - $t0) * 100 / $hz / $window}")" \
		$((t1 - t0)) "$window"
	b4_stop
}

measure "full build, 1 s x 3 (default)" "$full"
measure "B4-only build, 1 s x 3 (default)" "$b4only"
measure "B4-only build, 10 s x 3 (standby 10 s)" "$b4only" \
	interval 10000 multiplier 3 standby-interval 10000
tap_done
