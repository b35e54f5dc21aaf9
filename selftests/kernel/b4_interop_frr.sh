#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Interop: FRR's bfdd is the AFTR-side BFD peer over a real ip6tnl. The
# daemon (auto-configured: the AFTR is the tunnel's remote) reaches Up with
# it at 300 ms x 3; an AdminDown from the AFTR takes the tunnel down with
# neighbor-down and its end brings it back; bfdd sees the daemon's
# AdminDown on a clean stop and its silence after kill -9.
#
#   [B4] ds0 (ip6tnl) ---- [ME] ---- [AFTR1] ds (ip6tnl) 192.0.0.1
#    dslitectl b4 run dev ds0          bfdd: peer 192.0.0.2
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq vtysh
[ -x /usr/lib/frr/bfdd ] || tap_skip_all "FRR's bfdd not installed"
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 1 || tap_skip_all "cannot build the topology"

frr_start 1 300 300 3 || tap_skip_all "bfdd does not start"
frr_ups() { frr_log 1 | grep -c 'state-change:.* -> up'; }
frr_downs() { frr_log 1 | grep -c "state-change:.*up -> down reason:$1"; }
__frr_count() { [ "$("$1" "${@:3}")" -ge "$2" ]; }
tjs() { tjson "$B4" ds0 "$1"; }

b4_start dev ds0 interval 300 multiplier 3 ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_peer $AFTR1_ADDR up 30000; then
	tap_ok "session Up with bfdd"
else
	tap_fail "session Up with bfdd" "$(b4_show_log)"
fi
if busywait 10000 __frr_count frr_ups 1; then
	tap_ok "bfdd logs the session Up"
else
	tap_fail "bfdd logs the session Up" "$(frr_log 1 | tail -5)"
fi
tap_expect "auto-configured AFTR: the tunnel's remote" "remote" \
	"$(b4_peer $AFTR1_ADDR origin)"
tap_expect "session runs inside the tunnel" "tunnel" "$(b4_peer $AFTR1_ADDR path)"
tap_expect "remote timers seen by the daemon" "300 300 3" \
	"$(b4_q ".peers[0] | \"\(.[\"remote-transmit-interval\"]) \(.[\"remote-receive-interval\"]) \(.[\"remote-detect-multiplier\"])\"")"
tap_expect "negotiated transmit interval and detection time" "300 900" \
	"$(b4_q '.peers[0] | "\(.["negotiated-transmit-interval"]) \(.["detection-time"])"')"
our_id=$(b4_peer $AFTR1_ADDR id)
frr=$(frr_json 1)
tap_expect "bfdd: status up, our timers and id" "up 300 300 3 $our_id" \
	"$("$JQ" -r '.[0] | "\(.status) \(.["remote-receive-interval"]) \(.["remote-transmit-interval"]) \(.["remote-detect-multiplier"]) \(.["remote-id"])"' <<<"$frr")"
tap_expect "bfdd's id is the daemon's remote-id" \
	"$("$JQ" -r '.[0].id' <<<"$frr")" "$(b4_peer $AFTR1_ADDR remote-id)"
tap_expect "tunnel keeps its carrier" "true none" "$(tjs carrier) $(tjs forced)"

# The AFTR shuts the session down (AdminDown): neighbor-down at once.
frr_vtysh 1 'configure terminal' 'bfd' \
	'peer 192.0.0.2 local-address 192.0.0.1' 'shutdown' >/dev/null
if b4_wait_peer $AFTR1_ADDR down 5000; then
	tap_ok "AFTR's AdminDown: session down"
else
	tap_fail "AFTR's AdminDown: session down" "$(b4_show_log)"
fi
tap_expect "diagnostic neighbor signaled down, remote AdminDown" \
	"neighbor signaled session down/shutdown" \
	"$(b4_q '.peers[0] | "\(.diagnostic)/\(.["remote-status"])"')"
tap_expect "tunnel forced down with neighbor-down" "false carrier-down neighbor-down" \
	"$(tjs carrier) $(tjs forced) $(tjs diagnostic)"
tap_expect "daemon: down, neighbor-down" "false neighbor-down" \
	"$(b4_q '"\(.up) \(.diagnostic)"')"
tap_expect "last failover: neighbor-down, still down" "failover neighbor-down null" \
	"$(b4_q '.["last-failover"] | "\(.kind) \(.diagnostic) \(.["outage-ms"])"')"

frr_vtysh 1 'configure terminal' 'bfd' \
	'peer 192.0.0.2 local-address 192.0.0.1' 'no shutdown' >/dev/null
if b4_wait_active $AFTR1_ADDR 15000; then
	tap_ok "AFTR back: recovery, carrier up"
else
	tap_fail "AFTR back: recovery, carrier up" "$(b4_show_log)"
fi
tap_expect "tunnel carrier restored" "true none" "$(tjs carrier) $(tjs forced)"
# (bfdd may restart its session once more after "no shutdown": the
# number of recoveries is bfdd's business, the kind is the daemon's)
tap_expect "last failover: recovery" "recovery $AFTR1_ADDR $AFTR1_ADDR" \
	"$(b4_q '.["last-failover"] | "\(.kind) \(.from) \(.to)"')"
trans=$(tjs transitions)

# Clean stop: bfdd records an administrative shutdown, not a timeout.
b4_stop TERM
tap_expect "SIGTERM: clean exit" 0 "$B4_RC"
if busywait 5000 __frr_count frr_downs 1 neighbor-down; then
	tap_ok "bfdd: session down, neighbor-down"
else
	tap_fail "bfdd: session down, neighbor-down" "$(frr_log 1 | tail -5)"
fi
tap_expect "bfdd: diagnostics of the daemon's AdminDown" \
	"down/neighbor signaled session down/administratively down" \
	"$(frr_json 1 | "$JQ" -r '.[0] | "\(.status)/\(.diagnostic)/\(.["remote-diagnostic"])"')"
tap_expect "carrier left as it was (on-stop keep)" "true none $trans" \
	"$(tjs carrier) $(tjs forced) $(tjs transitions)"
if b4_log_has 'SIGTERM: stopping, AdminDown to every AFTR'; then
	tap_ok "stop is logged"
else
	tap_fail "stop is logged" "$(b4_show_log)"
fi

# Silence: bfdd's detection time expires.
b4_start dev ds0 interval 300 multiplier 3
if b4_wait_peer $AFTR1_ADDR up 20000; then
	tap_ok "restarted daemon: Up again"
else
	tap_fail "restarted daemon: Up again" "$(b4_show_log)"
fi
busywait 10000 __frr_count frr_ups 3
b4_stop KILL
if busywait 5000 __frr_count frr_downs 1 control-expired; then
	tap_ok "bfdd: silence detected, control-expired"
else
	tap_fail "bfdd: silence detected, control-expired" "$(frr_log 1 | tail -5)"
fi
tap_expect "bfdd: diagnostic" "down/control detection time expired" \
	"$(frr_json 1 | "$JQ" -r '.[0] | "\(.status)/\(.diagnostic)"')"

tap_done
