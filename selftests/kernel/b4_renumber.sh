#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A WAN renumbering in place under a running B4 daemon on its defaults
# (interval 1000 ms x 3, standby-interval 5000 ms), two AFTRs answered by
# dslite's XDP responder: a new address on the WAN link, the tunnel's
# local moved to it ("ip link set ds0 type ip6tnl local NEW"), the old
# address removed. The daemon is Up again via the same AFTR within
# 2 x interval + 1 s, without a carrier transition or a failover, and
# stays Up; no send error; status and log name the change; AFTR1's
# session of the old address ends (AdminDown) and is reaped. The same
# again with the old address kept (only the tunnel's local moves).
# (b4_recreate.sh: the tunnel deleted and created again.)
# "Stays Up" is watched for 20 s: longer than the standby detection time
# (3 x 5 s), the longest a session started from a wrong address survives
# (today's daemon loses its standby AFTR 15 s after a renumbering), so a
# session left behind on the old address would be seen going Down. The
# AFTRs reap idle Down sessions after 5 s here (down-idle; 10 min by
# default) so that the old session is seen going away.
#
#  [B4] b4-me 2001:db8:b4::2 -> :b5::2 (+ :b6::2)     [AFTR1] XDP responder
#   ds0 ip6tnl local = that --- [ME] me-b4 :b4::1 ---- [AFTR2] XDP responder
#   dslitectl b4 run dev ds0         :b5::1 :b6::1
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
ADDR2=2001:db8:b5::2
ADDR3=2001:db8:b6::2
ip -n "$ME" addr add 2001:db8:b5::1/64 dev me-b4 nodad
ip -n "$ME" addr add 2001:db8:b6::1/64 dev me-b4 nodad
BOUND=3000	# the interval (1000 ms) x 2 + 1 s
OBSERVE=20
tjs() { tjson "$B4" ds0 "$1"; }
MON=$(mktemp /tmp/mon.XXXXXX)
mon_events() { jq -r 'select(.ifname == "ds0") | "\(.event) \(.carrier) \(.local)"' "$MON" | tr '\n' ';'; }
state() { b4_q '"\(.up) \(.active) \([.peers[].status] | join(","))"'; }
__both_up() { [ "$(state)" = "true $AFTR1_ADDR up,up" ]; }
__local_is() { __both_up && [ "$(b4_q '[.peers[].local] | unique | join(",")')" = "$1" ]; }

# moved NAME ADDR T0: Up again from ADDR within BOUND of T0, new sessions
moved() {
	local what=$1 addr=$2 t0=$3 ids=$4 t
	if busywait 10000 __local_is $addr; then
		t=$(($(b4_up_at) - t0))
		diag "$what: Up again via AFTR1 (both sessions) $t ms after the tunnel moved"
		if [ $t -le $BOUND ]; then tap_ok "$what: Up again within $BOUND ms"
		else tap_fail "$what: Up again within $BOUND ms" "$t ms"; fi
	else
		tap_fail "$what: Up again within $BOUND ms" "$(state)"
	fi
	tap_expect "$what: status shows the tunnel as it is" \
		"$addr $AFTR1_ADDR $(ip -n "$B4" -j link show ds0 | jq '.[0].ifindex')" \
		"$(b4_q '.tunnels[0] | "\(.local) \(.remote) \(.ifindex)"')"
	if [ "$(b4_q '[.peers[].id] | join(" ")')" != "$ids" ]; then
		tap_ok "$what: new sessions (new discriminators)"
	else
		tap_fail "$what: new sessions (new discriminators)" "$ids"
	fi
}

b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if busywait 30000 __both_up; then tap_ok "up via AFTR1, both sessions Up"
else tap_fail "up via AFTR1, both sessions Up" "$(b4_show_log)"; fi
ip netns exec "$B4" "$DSLITECTL" -j monitor ready "$MON.ready" >>"$MON" 2>&1 &
defer "kill $!"
busywait 5000 test -e "$MON.ready"
trans=$(tjs transitions)
err0=$(b4_send_errors)
timeouts0=$(xdp_counter 1 sessions_timeout)
reaped0=$(xdp_counter 1 sessions_reaped)

# 1. New address added, the tunnel's local moved to it, the old removed.
ids="$(b4_q '[.peers[].id] | join(" ")')"
ip -n "$B4" addr add $ADDR2/64 dev b4-me nodad
t0=$(now_ms)
ip -n "$B4" link set ds0 type ip6tnl local $ADDR2
ip -n "$B4" -6 route replace default via 2001:db8:b5::1
ip -n "$B4" addr del $B4_ADDR/64 dev b4-me
moved "renumbering" $ADDR2 $t0 "$ids"
tap_expect "renumbering: recorded (count, kind, old and new local, AdminDown sent)" \
	"1 renumber $B4_ADDR $ADDR2 true" \
	"$(b4_q '"\(.["wan-changes"]) \(.["last-wan-change"] | "\(.kind) \(.["old-local"]) \(.["new-local"]) \(.["admin-down-sent"])")"')"
if b4_log_has "ds0: local address $B4_ADDR -> $ADDR2 .*AdminDown to the old ones, carrier kept up"; then
	tap_ok "renumbering: one log line names the change"
else
	tap_fail "renumbering: one log line names the change" "$(b4_show_log)"
fi
tap_expect "renumbering: tunnel events: one params (the new local)" \
	"params true $ADDR2;" "$(mon_events)"
tap_expect "renumbering: AFTR1 serves the new address" up "$(aftr_session 1 $ADDR2)"

# 2. The old address stays, only the tunnel's local moves.
ids="$(b4_q '[.peers[].id] | join(" ")')"
ip -n "$B4" addr add $ADDR3/64 dev b4-me nodad
t0=$(now_ms)
ip -n "$B4" link set ds0 type ip6tnl local $ADDR3
moved "local moved, old address kept" $ADDR3 $t0 "$ids"
tap_expect "local moved, old address kept: recorded" "2 $ADDR2 $ADDR3 true" \
	"$(b4_q '"\(.["wan-changes"]) \(.["last-wan-change"] | "\(.["old-local"]) \(.["new-local"]) \(.["admin-down-sent"])")"')"

# Both: the daemon stays Up (longer than the standby detection time).
if b4_hold "$OBSERVE" __both_up; then tap_ok "still Up ${OBSERVE} s later, both sessions"
else tap_fail "still Up ${OBSERVE} s later, both sessions" "$(state) (at $HOLD_AT)"; fi
tap_expect "no carrier transition, no failover" "true none $trans 0" \
	"$(tjs carrier) $(tjs forced) $(tjs transitions) $(b4_q .failovers)"
tap_expect "no send error" "$err0" "$(b4_send_errors)"
if aftr_wait_reaped 1 $B4_ADDR 10000 && aftr_wait_reaped 1 $ADDR2 10000; then
	tap_ok "AFTR1's sessions of the earlier addresses reaped (down-idle)"
else
	tap_fail "AFTR1's sessions of the earlier addresses reaped (down-idle)" \
		"$(in_aftr 1 "$DSLITECTL" aftr sessions dev a1-me)"
fi
tap_expect "AFTR1: both old sessions ended by AdminDown (none timed out) and were reaped" \
	"$timeouts0 true" \
	"$(xdp_counter 1 sessions_timeout) $([ "$(xdp_counter 1 sessions_reaped)" -ge $((reaped0 + 2)) ] && echo true)"
tap_expect "AFTR1 keeps one session, Up" "up" \
	"$(in_aftr 1 "$DSLITECTL" -j aftr sessions dev a1-me | "$JQ" -r 'map(.status) | join(",")')"
b4_stop TERM
tap_expect "clean stop" 0 "$B4_RC"
b4_show_log
tap_done
