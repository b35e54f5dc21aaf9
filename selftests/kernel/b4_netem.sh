#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The measurement machinery of make bench-faults (selftests/bench/
# faults_lib.sh), on a real lossy link: the daemon at 300 ms x 3 against
# dslite's XDP responder, tc netem on the ME's interface toward the B4
# (AFTR -> B4 only: the BFD answers).
#   - no loss for 10 s: no Down, by the log, the kernel's events and the
#     daemon's counter;
#   - 50 % loss for 30 s (about 115 answers, 7 false Downs expected from
#     p^3 (1-p) per answer): the Downs counted from the daemon's log equal
#     the carrier-down events dslite.ko sent (dslitectl monitor) and the
#     daemon's own failover counter once the loss is gone and it is Up
#     again; at least one, and not above what the loss explains (the 99.9 %
#     Poisson bound of the expected count).
#
#  [B4] dslitectl b4 run ---- b4-me | me-b4 [ME] me-a1 ---- [AFTR1] XDP responder
#   dslitectl -j monitor              netem loss, AFTR->B4
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"
. "$(dirname "$0")/../bench/faults_lib.sh"

require_root
require_cmd jq tc python3 nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
modprobe sch_netem || tap_skip_all "no sch_netem module"
b4_topo 1 || tap_skip_all "cannot build the topology"
xdp_attach 1 || tap_skip_all "cannot attach the XDP responder"
faults_neigh || tap_skip_all "cannot set permanent neighbours"

mon=$(mktemp /tmp/b4-netem-mon.XXXXXX)
ip netns exec "$B4" "$DSLITECTL" -j monitor >"$mon" 2>&1 &
mon_pid=$!
defer "kill $mon_pid"
wait_subscribed "$B4" $mon_pid || { tap_fail "monitor subscribes" "$(cat "$mon")"; tap_done; }
# carrier-down events of ds0 sent by dslite.ko
kdowns() {
	"$JQ" -r 'select(.event == "carrier" and .ifname == "ds0" and .carrier == false) | .ifname' \
		"$mon" 2>/dev/null | wc -l
}
failovers() { b4_q '.failovers'; }

b4_start dev ds0 interval 300 multiplier 3 ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_active $AFTR1_ADDR 30000; then
	tap_ok "session Up"
else
	tap_fail "session Up" "$(b4_show_log)"
	tap_done
fi

d0=$(faults_downs) k0=$(kdowns) f0=$(failovers) s0=$(faults_sent)
faults_netem loss random 0% || tap_fail "netem on me-b4" "tc failed"
sleep 10
tap_expect "no loss, 10 s: no Down (log, kernel events, failovers)" "0 0 0" \
	"$(($(faults_downs) - d0)) $(($(kdowns) - k0)) $(($(failovers) - f0))"

d0=$(faults_downs) k0=$(kdowns) f0=$(failovers) s0=$(faults_sent)
faults_netem loss random 50%
sleep 30
faults_netem loss random 0%
sent=$(($(faults_sent) - s0))
if b4_wait_active $AFTR1_ADDR 20000; then
	tap_ok "Up again once the loss is gone"
else
	tap_fail "Up again once the loss is gone" "$(b4_show_log | tail -5)"
fi
# the last recovery and its events are in once the carrier is up again
busywait 5000 test "$(kdowns)" -ge $(($(faults_downs) - d0 + k0))
d=$(($(faults_downs) - d0)) k=$(($(kdowns) - k0)) f=$(($(failovers) - f0))
exp=$(faults_expect bfd 0.5 3 "$sent")
echo "# 50 % loss, 30 s: $sent answers sent, $d Downs, $exp expected"
tap_expect "50 % loss: the kernel's carrier-down events = the log's Downs" "$d" "$k"
tap_expect "50 % loss: the daemon's failovers (recoveries) = the log's Downs" "$d" "$f"
tap_check "50 % loss: at least one false Down" test "$d" -ge 1
hi=$(python3 -c "
import math
mu = $exp; k = 0; t = s = math.exp(-mu)
while s < 0.999:
    k += 1; t *= mu / k; s += t
print(k)")
tap_check "50 % loss: not more Downs than the loss explains (<= $hi)" test "$d" -le "$hi"
if b4_hold 5 __active_is $AFTR1_ADDR; then
	tap_ok "no loss again: stays Up"
else
	tap_fail "no loss again: stays Up" "down at $HOLD_AT"
fi

tap_done
