#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "failover carrier": one tunnel per AFTR, the daemon only changes
# carriers and the kernel's routing does the rest (default routes via ds1
# metric 11 and ds2 metric 12, ignore_routes_with_linkdown=1):
#   - start: ds1 (AFTR1) carries the traffic, ds2 is held down as a
#     standby (admin-down) while its AFTR is probed directly;
#   - AFTR1 dies: ds1 down with control-expired, ds2 up, the kernel routes
#     through ds2, traffic restored;
#   - AFTR1 returns, preempt off: ds1 stays down.
#
#  [B4] ds1 -> AFTR1 \
#       ds2 -> AFTR2  -- [ME] --- [AFTR1] XDP responder, ds, NAT --- [INET]
#                             \-- [AFTR2] XDP responder, ds, NAT ---/ 203.0.113.1
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq ping nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 inet carrier || tap_skip_all "cannot build the topology"
xdp_attach_both
tun() { tjson "$B4" "$1" carrier; tjson "$B4" "$1" forced; tjson "$B4" "$1" diagnostic; }
tunnels() { echo $(tun ds1) / $(tun ds2); }
route_dev() { in_b4 ip -o route get $INET_HOST | sed -n 's/.* dev \([^ ]*\).*/\1/p'; }

b4_start dev ds1 dev ds2 failover carrier interval 300 multiplier 3 \
	standby-interval 500 hold-down 2 || tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_active $AFTR1_ADDR 30000 && b4_wait_peer $AFTR2_ADDR up 15000; then
	tap_ok "up via ds1/AFTR1, AFTR2 Up as a standby"
else
	tap_fail "up via ds1/AFTR1, AFTR2 Up as a standby" "$(b4_show_log)"
fi
tap_expect "ds1 up, ds2 held down as a standby" \
	"true none none / false carrier-down admin-down" "$(tunnels)"
tap_expect "standby reason" "standby" "$(tjson "$B4" ds2 reason)"
tap_expect "paths: AFTR1 in ds1, AFTR2 direct" "tunnel ds1 direct ds2" \
	"$(b4_q '.peers | map("\(.path) \(.interface)") | join(" ")')"
tap_expect "the kernel routes through ds1" ds1 "$(route_dev)"
flow_start
if flow_wait_reply 0 10000; then tap_ok "traffic flows"; else
	tap_fail "traffic flows" "$(tail -3 "$FLOW_LOG")"; fi

flow_mark
aftr_cut 1
if b4_wait_active $AFTR2_ADDR 10000; then tap_ok "AFTR1 cut: failover to ds2/AFTR2"
else tap_fail "AFTR1 cut: failover to ds2/AFTR2" "$(b4_show_log)"; fi
tap_expect "ds1 down with control-expired, ds2 up" \
	"false carrier-down control-expired / true none none" "$(tunnels)"
tap_expect "remotes untouched" "$AFTR1_ADDR $AFTR2_ADDR" \
	"$(tjson "$B4" ds1 remote) $(tjson "$B4" ds2 remote)"
tap_expect "the kernel routes through ds2" ds2 "$(route_dev)"
seq=$(flow_last_seq)
if flow_wait_reply "$seq" 10000; then tap_ok "traffic restored"; else
	tap_fail "traffic restored" "$(tail -3 "$FLOW_LOG")"; fi
read -r gap lost _ <<<"$(flow_gap)"
diag "loss window (carrier mode, AFTR1 cut): $gap ms without replies, $lost echo requests lost"

aftr_restore 1
if b4_wait_peer $AFTR1_ADDR up 15000; then tap_ok "AFTR1 Up again, probed directly"
else tap_fail "AFTR1 Up again, probed directly" "$(b4_show_log)"; fi
slowwait 3 false	# longer than hold-down
tap_expect "preempt off: ds1 stays down, ds2 carries" \
	"false carrier-down control-expired / true none none" "$(tunnels)"
flow_stop
b4_stop TERM
tap_expect "clean stop" 0 "$B4_RC"
tap_done
