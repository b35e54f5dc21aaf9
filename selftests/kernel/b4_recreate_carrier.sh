#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "failover carrier" (one tunnel per AFTR) with a tunnel deleted and
# created again under the daemon (interval 1000 ms x 3, standby probes
# every 1000 ms):
#   - ds1 carries the traffic and is deleted: its AFTR is paused, the
#     daemon fails over to ds2 (diag path-down) instead of exiting;
#   - ds1 is created again: adopted as a standby (held down, its AFTR
#     probed directly, Up again);
#   - ds2 is deleted: failover back to the new ds1, carrier up.
#
#  [B4] ds1 -> AFTR1 \
#       ds2 -> AFTR2  -- [ME] --- [AFTR1] XDP responder
#   dslitectl b4 run          \-- [AFTR2] XDP responder
#    dev ds1 dev ds2 failover carrier
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 "" carrier || tap_skip_all "cannot build the topology"
xdp_attach_both
tun() { tjson "$B4" "$1" carrier; tjson "$B4" "$1" forced; tjson "$B4" "$1" diagnostic; }
__alive() { kill -0 "$B4_PID" 2>/dev/null; }
# mk N: tunnel dsN to AFTR N, as b4_topo makes it
mk() {
	ip -n "$B4" link add ds$1 type ip6tnl mode ipip6 local $B4_ADDR \
		remote $(aftr_addr $1)
	ip -n "$B4" link set ds$1 up
	ip -n "$B4" route add default dev ds$1 metric 1$1
}

b4_start dev ds1 dev ds2 failover carrier standby-interval 1000 ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_active $AFTR1_ADDR 30000 && b4_wait_peer $AFTR2_ADDR up 15000; then
	tap_ok "up via ds1/AFTR1, AFTR2 Up as a standby"
else
	tap_fail "up via ds1/AFTR1, AFTR2 Up as a standby" "$(b4_show_log)"
fi

ip -n "$B4" link del ds1
if b4_wait_active $AFTR2_ADDR 10000 && __alive; then
	tap_ok "ds1 deleted: failover to ds2/AFTR2, the daemon runs"
else
	tap_fail "ds1 deleted: failover to ds2/AFTR2, the daemon runs" "$(b4_show_log)"
fi
tap_expect "ds2 carries, not forced" "true none none" "$(echo $(tun ds2))"
tap_expect "last failover: path-down; ds1 gone, its AFTR paused" \
	"path-down true down" \
	"$(b4_q '"\(.["last-failover"].diagnostic) \(.tunnels[0].gone) \(.peers[0].status)"')"
if b4_log_has "ds1: the tunnel is gone \(deleted or moved to another network namespace\): waiting for it"; then
	tap_ok "logged: ds1 gone, waited for"
else
	tap_fail "logged: ds1 gone, waited for" "$(b4_show_log)"
fi

mk 1
if b4_wait_peer $AFTR1_ADDR up 10000; then tap_ok "ds1 created again: AFTR1 Up again, probed directly"
else tap_fail "ds1 created again: AFTR1 Up again, probed directly" "$(b4_show_log)"; fi
__standby() { [ "$(echo $(tun ds1))" = "false carrier-down admin-down" ]; }
if busywait 5000 __standby; then tap_ok "the new ds1 is held down as a standby"
else tap_fail "the new ds1 is held down as a standby" "$(tun ds1)"; fi
tap_expect "status: the new ds1, still via ds2" \
	"false $(ip -n "$B4" -j link show ds1 | jq '.[0].ifindex') true $AFTR2_ADDR" \
	"$(b4_q '"\(.tunnels[0].gone) \(.tunnels[0].ifindex) \(.up) \(.active)"')"

ip -n "$B4" link del ds2
if b4_wait_active $AFTR1_ADDR 10000; then tap_ok "ds2 deleted: failover to the new ds1"
else tap_fail "ds2 deleted: failover to the new ds1" "$(b4_show_log)"; fi
tap_expect "ds1 carries" "true none none" "$(echo $(tun ds1))"
if __alive; then tap_ok "the daemon never restarted"
else tap_fail "the daemon never restarted" "$(b4_show_log)"; fi
b4_stop TERM
tap_expect "clean stop" 0 "$B4_RC"
b4_show_log
tap_done
