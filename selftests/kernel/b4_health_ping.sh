#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The B4 daemon with "health ping" (no BFD at all): ICMP echo to
# 192.0.0.1 every 200 ms, inside the tunnel for the active AFTR, directly
# encapsulated for the standby, answered by dslite's XDP responders;
# ping-loss 3/5, repoint mode:
#   - both AFTRs healthy by ping, up via AFTR1, not one BFD packet sent;
#   - 1 echo in 5 toward AFTR1 dropped at the ME (nft numgen): losses
#     counted exactly, below the threshold, no failover;
#   - AFTR1's link is cut: 3 echoes lost, unhealthy by ping, carrier down
#     with path-down ("ping down"), repoint to AFTR2;
#   - health all (BFD and ping): AFTR2's echoes dropped while its BFD
#     session stays Up: unhealthy, failover to AFTR1;
#   - health any (BFD or ping): AFTR1's BFD dropped at the ME, its session
#     goes Down while its echoes are answered: still healthy, no
#     failover; then its echoes dropped too: unhealthy by both, failover
#     to AFTR2.
#
#  [B4] ds0 -> AFTR1 --- [ME] nft: 1 of 5 echoes --- [AFTR1] XDP responder on a1-me
#                             |    to AFTR1 dropped
#                             \------------------------ [AFTR2] XDP responder on a2-me
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq nft nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
# no module autoloading in the test VM: what the loss rule needs
for m in nft_numgen nft_objref; do
	modprobe $m || tap_skip_all "cannot load $m"
done
b4_topo 2 || tap_skip_all "cannot build the topology"
xdp_attach_both
tjs() { tjson "$B4" ds0 "$1"; }
# mute ADDR PROTO: the ME drops softwire packets to ADDR whose inner IPv4
# protocol is PROTO (1 ICMP, 17 UDP: BFD); the inner header is nft's
# transport header of an IPv4-in-IPv6 packet (after any extension header)
mute() {
	ip netns exec "$ME" nft -f - <<-EOF
		table ip6 mute {
			chain filter {
				type filter hook forward priority 0;
				ip6 daddr $1 meta l4proto 4 @th,72,8 $2 drop
			}
		}
	EOF
}
ping_q() { b4_q ".peers[] | select(.peer == \"$1\") | .ping[\"$2\"]"; }

b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR health ping \
	ping-interval 200 ping-loss 3/5 hold-down 2 ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
__healthy() {
	[ "$(b4_q '.peers | map(.healthy) | join(" ")')" = "true true" ]
}
if busywait 15000 __healthy && b4_wait_active $AFTR1_ADDR 5000; then
	tap_ok "both AFTRs healthy by ping, up via AFTR1"
else
	tap_fail "both AFTRs healthy by ping, up via AFTR1" "$(b4_show_log)"
fi
tap_expect "status: health ping, 200 ms, 3/5" "ping 200 3 5" \
	"$(b4_q '"\(.health) \(.["ping-interval"]) \(.["ping-loss"]) \(.["ping-loss-window"])"')"
tap_expect "paths: AFTR1 tunnel, AFTR2 direct" "tunnel direct" \
	"$(b4_q '.peers | map(.path) | join(" ")')"
p1=$(xdp_counter 1 tx_ping)
p2=$(xdp_counter 2 tx_ping)
if [ "$p1" -gt 0 ] && [ "$p2" -gt 0 ]; then
	tap_ok "both responders answer the echoes ($p1, $p2)"
else
	tap_fail "both responders answer the echoes" "tx_ping $p1 $p2"
fi
tap_expect "no BFD sent: the responders answered none, the sessions sent none" \
	"0 0 0 0" \
	"$(xdp_counter 1 tx_bfd) $(xdp_counter 2 tx_bfd) $(b4_q '.peers | map(.["packets-sent"]) | join(" ")')"

# 1 echo in 5 toward AFTR1 is lost. The inner IPv4 header is nft's
# transport header (meta l4proto skips ip6tnl's encapsulation-limit
# option): its protocol at byte 9, the ICMP type at byte 20.
lost0=$(ping_q $AFTR1_ADDR lost)
ip netns exec "$ME" nft -f - <<EOF
table ip6 lossy {
	counter dropped { }
	chain filter {
		type filter hook forward priority 0;
		ip6 daddr $AFTR1_ADDR meta l4proto 4 @th,72,8 1 @th,160,8 8 \
			numgen inc mod 5 0 counter name dropped drop
	}
}
EOF
dropped() {
	ip netns exec "$ME" nft -j list counter ip6 lossy dropped |
		"$JQ" '.nftables[] | select(.counter) | .counter.packets'
}
__dropped() { [ "$(dropped)" -ge 4 ] 2>/dev/null; }
if busywait 20000 __dropped; then tap_ok "echoes to AFTR1 dropped at the ME"
else tap_fail "echoes to AFTR1 dropped at the ME" "$(dropped)"; fi
ip netns exec "$ME" nft delete chain ip6 lossy filter
n=$(dropped)
# Every dropped echo is lost; an answer that comes after its echo's
# deadline (an emulated CPU under load) is lost too, so allow one more.
__lost() {
	local l
	l=$(ping_q $AFTR1_ADDR lost)
	[ "$l" -ge $((lost0 + n)) ] 2>/dev/null && [ "$l" -le $((lost0 + n + 1)) ]
}
[ "$n" -ge 4 ] 2>/dev/null || n=-1000	# no count: the next check fails
if busywait 3000 __lost; then tap_ok "the $n dropped echoes counted lost (at most one late answer besides)"
else tap_fail "the $n dropped echoes counted lost (at most one late answer besides)" "lost $lost0 -> $(ping_q $AFTR1_ADDR lost)"; fi
tap_expect "loss below 3/5: no failover, AFTR1 still healthy" \
	"true $AFTR1_ADDR 0 true" \
	"$(b4_q '"\(.up) \(.active) \(.failovers) \(.peers[0].healthy)"')"
if b4_log_has "unhealthy"; then
	tap_fail "no unhealthy verdict logged" "$(b4_show_log)"
else
	tap_ok "no unhealthy verdict logged"
fi

# AFTR1 dies.
aftr_cut 1
if b4_wait_active $AFTR2_ADDR 10000; then tap_ok "AFTR1 cut: failover to AFTR2"
else tap_fail "AFTR1 cut: failover to AFTR2" "$(b4_show_log)"; fi
last=$(b4_q '.["last-failover"]')
tap_expect "last failover: AFTR1 -> AFTR2, path-down" \
	"failover $AFTR1_ADDR $AFTR2_ADDR path-down" \
	"$("$JQ" -r '"\(.kind) \(.from) \(.to) \(.diagnostic)"' <<<"$last")"
elapsed=$(( $("$JQ" -r '.["carrier-down-at-ms"]' <<<"$last") -
	    $("$JQ" -r '.["last-rx-at-ms"]' <<<"$last") ))
diag "AFTR1's last echo reply -> carrier down: $elapsed ms (3 lost at 200 ms)"
# the last reply, then one echo answered by nobody per interval: the
# third loss is counted when the fourth echo is due, about 800 ms after
# the last reply; a fourth loss would be counted at about 1000 ms, so
# anything below that is the third (the VM's scheduling adds tens of ms)
if [ "$elapsed" -ge 500 ] && [ "$elapsed" -lt 1000 ]; then
	tap_ok "detected after 3 lost echoes (500..999 ms)"
else
	tap_fail "detected after 3 lost echoes (500..999 ms)" "$elapsed ms"
fi
tap_expect "tunnel re-pointed to AFTR2, carrier up" "$AFTR2_ADDR true none" \
	"$(tjs remote) $(tjs carrier) $(tjs forced)"
tap_expect "AFTR1 unhealthy: its window ends in 3 losses" \
	"false false xxx" \
	"$(b4_q ".peers[0] | \"\(.healthy) \(.ping.ok) \(.ping.window[-3:])\"")"
if b4_log_has "aftr $AFTR1_ADDR \(active\): unhealthy by ping \(health ping\), diag path-down: 3 of the last 5 echoes lost" &&
   b4_log_has "carrier down, diag path-down \(ping down: $AFTR1_ADDR\)" &&
   b4_log_has "failover to $AFTR2_ADDR done"; then
	tap_ok "logged: unhealthy by ping, carrier down (ping down), failover"
else
	tap_fail "logged: unhealthy by ping, carrier down (ping down), failover" "$(b4_show_log)"
fi
p2=$(xdp_counter 2 tx_ping)
__more() { [ "$(xdp_counter 2 tx_ping)" -ge $((p2 + 3)) ]; }
if busywait 5000 __more; then tap_ok "AFTR2 answers the echoes through the tunnel"
else tap_fail "AFTR2 answers the echoes through the tunnel" "tx_ping $p2 -> $(xdp_counter 2 tx_ping)"; fi
tap_expect "AFTR2 pinged in the tunnel now" "tunnel true" \
	"$(b4_q ".peers[1] | \"\(.path) \(.ping.ok)\"")"

# AFTR1 returns: healthy again as a standby (preempt off).
aftr_restore 1
__back() { [ "$(b4_q '.peers[0].healthy')" = true ]; }
if busywait 10000 __back; then tap_ok "AFTR1 healthy again (standby)"
else tap_fail "AFTR1 healthy again (standby)" "$(b4_show_log)"; fi
tap_expect "still via AFTR2, 1 failover" "true $AFTR2_ADDR 1" \
	"$(b4_q '"\(.up) \(.active) \(.failovers)"')"
b4_stop
tap_expect "clean stop" 0 "$B4_RC"

# health all: BFD and ping. AFTR2 (the tunnel's remote now) first; its
# echoes are dropped while its BFD session stays Up: unhealthy by ping,
# failover to AFTR1 with path-down.
b4_start dev ds0 aftr $AFTR2_ADDR aftr $AFTR1_ADDR health all interval 300 \
	standby-interval 500 ping-interval 200 ping-loss 3/5 ||
	tap_fail "daemon starts (health all)" "$(cat "$B4_LOG")"
if busywait 15000 __healthy && b4_wait_active $AFTR2_ADDR 5000; then
	tap_ok "health all: both healthy, up via AFTR2"
else
	tap_fail "health all: both healthy, up via AFTR2" "$(b4_show_log)"
fi
mute $AFTR2_ADDR 1
if b4_wait_active $AFTR1_ADDR 10000; then tap_ok "AFTR2's echoes dropped: failover to AFTR1"
else tap_fail "AFTR2's echoes dropped: failover to AFTR1" "$(b4_show_log)"; fi
tap_expect "AFTR2: BFD up, ping failing, unhealthy; diag path-down" \
	"up false false path-down" \
	"$(b4_q '"\(.peers[0].status) \(.peers[0].ping.ok) \(.peers[0].healthy) \(.["last-failover"].diagnostic)"')"
if b4_log_has "aftr $AFTR2_ADDR \\(active\\): unhealthy by ping \\(health all\\), diag path-down"; then
	tap_ok "logged: unhealthy by ping (health all)"
else
	tap_fail "logged: unhealthy by ping (health all)" "$(b4_show_log)"
fi
b4_stop
tap_expect "clean stop (health all)" 0 "$B4_RC"

# health any: BFD or ping. AFTR1 first; its BFD is dropped at the ME while
# its echoes are answered, then its echoes too.
ip netns exec "$ME" nft delete table ip6 mute
b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR health any interval 300 \
	standby-interval 500 ping-interval 200 ping-loss 3/5 ||
	tap_fail "daemon starts (health any)" "$(cat "$B4_LOG")"
__bfd_up() { [ "$(b4_q '.peers | map(.status) | join(" ")')" = "up up" ]; }
if busywait 15000 __healthy && busywait 10000 __bfd_up &&
   b4_wait_active $AFTR1_ADDR 5000; then
	tap_ok "health any: both healthy, BFD up on both, up via AFTR1"
else
	tap_fail "health any: both healthy, BFD up on both, up via AFTR1" "$(b4_show_log)"
fi
mute $AFTR1_ADDR 17
__bfd1_down() { [ "$(b4_peer $AFTR1_ADDR status)" = down ]; }
if busywait 5000 __bfd1_down; then
	tap_ok "AFTR1's BFD dropped: its session goes down"
else
	tap_fail "AFTR1's BFD dropped: its session goes down" "$(b4_show_log)"
fi
# two more ping intervals: a wrong verdict would have acted by then
sleep 0.5
tap_expect "health any: AFTR1 still healthy by ping, still active, no failover" \
	"down true true true $AFTR1_ADDR 0" \
	"$(b4_q '"\(.peers[0].status) \(.peers[0].ping.ok) \(.peers[0].healthy) \(.up) \(.active) \(.failovers)"')"
if b4_log_has "unhealthy"; then
	tap_fail "health any: no unhealthy verdict logged" "$(b4_show_log)"
else
	tap_ok "health any: no unhealthy verdict logged"
fi
mute $AFTR1_ADDR 1
if b4_wait_active $AFTR2_ADDR 10000; then
	tap_ok "health any: AFTR1's echoes dropped too: failover to AFTR2"
else
	tap_fail "health any: AFTR1's echoes dropped too: failover to AFTR2" "$(b4_show_log)"
fi
tap_expect "health any: AFTR1 unhealthy by both, diag path-down" \
	"down false false path-down" \
	"$(b4_q '"\(.peers[0].status) \(.peers[0].ping.ok) \(.peers[0].healthy) \(.["last-failover"].diagnostic)"')"
if b4_log_has "aftr $AFTR1_ADDR \(active\): unhealthy by bfd and ping \(health any\), diag path-down: ping: .*; bfd: session"; then
	tap_ok "logged: unhealthy by bfd and ping (health any), both reasons"
else
	tap_fail "logged: unhealthy by bfd and ping (health any), both reasons" "$(b4_show_log)"
fi
b4_stop
tap_expect "clean stop (health any)" 0 "$B4_RC"
tap_done
