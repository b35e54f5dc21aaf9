#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tunnel re-created under a running B4 daemon on its defaults
# (interval 1000 ms x 3, standby-interval 5000 ms, tunnel-wait forever),
# the way OpenWrt's netifd answers a WAN change: ds0 deleted, the WAN
# address changed, a tunnel of the same name created with the new local
# and brought up. The daemon waits instead of exiting, adopts the new
# device (new ifindex, new local) as at start and is Up again via the same
# AFTR within 2 x interval + 1 s, then stays Up; no send error; status
# and log name the change; AFTR1's session of the old address times out
# and is reaped. Then a re-created tunnel with another remote and no AFTR
# configured (the AFTR is the tunnel's remote), and "tunnel-wait 2": the
# daemon gives up 2 s after the tunnel went away, with exit 2.
# "Stays Up" is watched for 20 s: longer than the standby detection time
# (3 x 5 s). The AFTRs reap idle Down sessions after 5 s here (down-idle;
# 10 min by default) so that the old session is seen going away.
#
#  [B4] b4-me 2001:db8:b4::2 -> :b6::2              [AFTR1] XDP responder
#   ds0 ip6tnl (deleted, created) --- [ME] me-b4 ---- [AFTR2] XDP responder
#   dslitectl b4 run dev ds0               :b4::1 :b6::1
#     aftr AFTR1 aftr AFTR2
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 || tap_skip_all "cannot build the topology"
xdp_attach_both down-idle 5000
ADDR3=2001:db8:b6::2
ip -n "$ME" addr add 2001:db8:b6::1/64 dev me-b4 nodad
BOUND=3000	# the interval (1000 ms) x 2 + 1 s
OBSERVE=20
tjs() { tjson "$B4" ds0 "$1"; }
state() { b4_q '"\(.up) \(.active) \([.peers[].status] | join(","))"'; }
__both_up() { [ "$(state)" = "true $AFTR1_ADDR up,up" ]; }
__alive() { kill -0 "$B4_PID" 2>/dev/null; }

# recreate LOCAL REMOTE: the netifd way
recreate() {
	ip -n "$B4" link add ds0 type ip6tnl mode ipip6 local $1 remote $2
	T0=$(now_ms)
	ip -n "$B4" link set ds0 up
	ip -n "$B4" route add default dev ds0
}

b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if busywait 30000 __both_up; then tap_ok "up via AFTR1, both sessions Up"
else tap_fail "up via AFTR1, both sessions Up" "$(b4_show_log)"; fi
old_ifindex=$(b4_q '.tunnels[0].ifindex')
err0=$(b4_send_errors)

ip -n "$B4" link del ds0
ip -n "$B4" addr add $ADDR3/64 dev b4-me nodad
ip -n "$B4" -6 route replace default via 2001:db8:b6::1
ip -n "$B4" addr del $B4_ADDR/64 dev b4-me
__gone_seen() { b4_log_has "ds0: the tunnel is gone \(deleted or moved to another network namespace\): waiting for it \(tunnel-wait forever\)"; }
if busywait 5000 __gone_seen && __alive; then tap_ok "deletion waited for, the daemon runs"
else tap_fail "deletion waited for, the daemon runs" "$(b4_show_log)"; fi
tap_expect "status while gone: down, the tunnel gone" "false true" \
	"$(b4_q '"\(.up) \(.tunnels[0].gone)"')"
recreate $ADDR3 $AFTR1_ADDR
__back() { __both_up && [ "$(b4_q '.tunnels[0].local')" = $ADDR3 ]; }
if busywait 10000 __back; then
	t=$(($(b4_up_at) - T0))
	diag "Up again via AFTR1 (both sessions) $t ms after the new tunnel was created"
	if [ $t -le $BOUND ]; then tap_ok "Up again within $BOUND ms"
	else tap_fail "Up again within $BOUND ms" "$t ms"; fi
else
	tap_fail "Up again within $BOUND ms" "$(b4_show_log)"
fi
new_ifindex=$(ip -n "$B4" -j link show ds0 | jq '.[0].ifindex')
tap_expect "status shows the new tunnel (local, remote, ifindex)" \
	"$ADDR3 $AFTR1_ADDR $new_ifindex false" \
	"$(b4_q '.tunnels[0] | "\(.local) \(.remote) \(.ifindex) \(.gone)"')"
tap_expect "recorded (count, kind, ifindex, local)" \
	"1 recreated $old_ifindex $new_ifindex $B4_ADDR $ADDR3" \
	"$(b4_q '"\(.["wan-changes"]) \(.["last-wan-change"] | "\(.kind) \(.["old-ifindex"]) \(.["new-ifindex"]) \(.["old-local"]) \(.["new-local"])")"')"
if b4_log_has "ds0: the tunnel is back after [0-9]+ ms \(ifindex $old_ifindex -> $new_ifindex, local $ADDR3, remote $AFTR1_ADDR\): going on as at start" &&
   b4_log_has "ds0: found with its carrier: kept up via $AFTR1_ADDR"; then
	tap_ok "adopted as at start"
else
	tap_fail "adopted as at start" "$(b4_show_log)"
fi
tap_expect "192.0.0.2 on the new tunnel" 1 \
	"$(ip -n "$B4" -4 -j addr show dev ds0 | jq '[.[0].addr_info[] | select(.local == "192.0.0.2")] | length')"
if b4_hold "$OBSERVE" __both_up; then tap_ok "still Up ${OBSERVE} s later, both sessions"
else tap_fail "still Up ${OBSERVE} s later, both sessions" "$(state) (at $HOLD_AT)"; fi
tap_expect "carrier up, not forced, no failover" "true none 0" \
	"$(tjs carrier) $(tjs forced) $(b4_q .failovers)"
tap_expect "no send error" "$err0" "$(b4_send_errors)"
if aftr_wait_reaped 1 $B4_ADDR 20000; then
	tap_ok "AFTR1's session of the old address timed out and reaped"
else
	tap_fail "AFTR1's session of the old address timed out and reaped" \
		"$(in_aftr 1 "$DSLITECTL" aftr sessions dev a1-me)"
fi
if __alive; then tap_ok "the daemon never restarted"
else tap_fail "the daemon never restarted" "$(b4_show_log)"; fi
b4_stop TERM
tap_expect "clean stop" 0 "$B4_RC"
b4_show_log

# Without aftr: the AFTR is the tunnel's remote, also a new one.
b4_start dev ds0 tunnel-wait 2
if b4_wait_active $AFTR1_ADDR 15000; then tap_ok "no aftr given: up via the tunnel's remote (AFTR1)"
else tap_fail "no aftr given: up via the tunnel's remote (AFTR1)" "$(b4_show_log)"; fi
ip -n "$B4" link del ds0
recreate $ADDR3 $AFTR2_ADDR
if b4_wait_active $AFTR2_ADDR 10000 && b4_log_has "aftr $AFTR1_ADDR -> $AFTR2_ADDR \(the new tunnel's remote\)"; then
	tap_ok "re-created with another remote: that is the AFTR now"
else
	tap_fail "re-created with another remote: that is the AFTR now" "$(b4_show_log)"
fi
ip -n "$B4" link del ds0
__exited() { ! __alive; }
if busywait 8000 __exited; then tap_ok "tunnel-wait 2: the daemon gives up"
else tap_fail "tunnel-wait 2: the daemon gives up" "$(b4_show_log)"; fi
b4_stop
tap_expect "exit status 2" 2 "$B4_RC"
if b4_log_has "ds0: the tunnel did not come back within 2 s \(tunnel-wait\): stopping"; then
	tap_ok "logged why"
else
	tap_fail "logged why" "$(b4_show_log)"
fi
recreate $ADDR3 $AFTR1_ADDR
tap_done
