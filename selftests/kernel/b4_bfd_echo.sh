#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RFC 9747 BFD echo from the B4 ("health echo" = all:bfd+echo): the B4
# sends echo packets to itself (192.0.0.2 -> 192.0.0.2, UDP 3785, TTL 255)
# inside the tunnel for the active AFTR, directly encapsulated for the
# standby; dslite's XDP responders reflect them with TTL 254. Repoint
# mode, preempt on, hold-down 2 s; the B4 asks for echo-interval 100 ms,
# the AFTRs advertise Required Min Echo RX 300 ms:
#   - both AFTRs healthy (BFD and echo Up), up via AFTR1, echo interval
#     300 ms (the AFTR's, the larger), the responders reflect;
#   - the ME drops only the echo packets toward AFTR1 (inner UDP 3785),
#     BFD control still passes: echo Down with diag echo-failed (2),
#     failover to AFTR2 with diag echo-failed while AFTR1's session stays
#     Up;
#   - the drop removed: AFTR1's echo Up again (1 packet/s, then 100 ms),
#     preempted back after the hold-down;
#   - a reflector that does not decrement the TTL (a packet socket in the
#     ME sends each echo back as it came, TTL 255): those are counted
#     "ttl-refused" and not taken; the real ones keep the echo Up.
# (An AFTR advertising Required Min Echo RX 0 is sent no echo: in
# selftests/unit/b4_echo_test.c.)
#
#  [B4] ds0 -> AFTR1 --- [ME] nft: inner UDP 3785 --- [AFTR1] XDP responder, echo 300 ms
#   b4 run health echo      |  to AFTR1 dropped
#                           |  py: TTL-255 reflector on me-b4
#                           \------------------------ [AFTR2] XDP responder, echo 300 ms
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq nft nsenter python3
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 || tap_skip_all "cannot build the topology"
xdp_attach_both echo-interval 300
echo_q() { b4_q ".peers[] | select(.peer == \"$1\") | .echo[\"$2\"]"; }
__echo_is() { [ "$(echo_q "$1" state)" = "$2" ]; }

b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR health echo \
	interval 300 standby-interval 500 echo-interval 100 echo-multiplier 3 \
	preempt on hold-down 2 ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
__healthy() {
	[ "$(b4_q '.peers | map(.healthy) | join(" ")')" = "true true" ]
}
if busywait 20000 __healthy && b4_wait_active $AFTR1_ADDR 5000; then
	tap_ok "both AFTRs healthy by BFD and echo, up via AFTR1"
else
	tap_fail "both AFTRs healthy by BFD and echo, up via AFTR1" "$(b4_show_log)"
fi
tap_expect "health all:bfd+echo, echo-interval 100, multiplier 3" \
	"all:bfd+echo 100 3" \
	"$(b4_q '"\(.peers[0].health) \(.["echo-interval"]) \(.["echo-multiplier"])"')"
tap_expect "echo up on both, AFTR1 in the tunnel, AFTR2 direct" \
	"up up tunnel direct" \
	"$(b4_q '.peers | map(.echo.state) + map(.path) | join(" ")')"
# (the faster interval applies from the first packet after Up)
__ival() {
	[ "$(b4_q '.peers | map("\(.echo["interval-ms"]) \(.echo["remote-min-echo-rx-us"])") | join(" ")')" = "300 300000 300 300000" ]
}
if busywait 5000 __ival; then
	tap_ok "echo interval 300 ms: the AFTR's Required Min Echo RX beats our 100"
else
	tap_fail "echo interval 300 ms: the AFTR's Required Min Echo RX beats our 100" \
		"$(b4_q '.peers | map("\(.echo["interval-ms"]) \(.echo["remote-min-echo-rx-us"])") | join(" ")')"
fi
e1=$(xdp_counter 1 tx_echo)
e2=$(xdp_counter 2 tx_echo)
if [ "$e1" -gt 0 ] && [ "$e2" -gt 0 ]; then
	tap_ok "both responders reflect the echoes ($e1, $e2)"
else
	tap_fail "both responders reflect the echoes" "tx_echo $e1 $e2"
fi
r1=$(echo_q $AFTR1_ADDR received)
__more_rx() { [ "$(echo_q $AFTR1_ADDR received)" -ge $((r1 + 10)) ]; }
if busywait 5000 __more_rx; then tap_ok "reflected echoes keep coming back, TTL 254 taken"
else tap_fail "reflected echoes keep coming back, TTL 254 taken" "$(echo_q $AFTR1_ADDR received)"; fi
tap_expect "none refused for its TTL" "0 0" \
	"$(b4_q '.peers | map(.echo["ttl-refused"]) | join(" ")')"

# Only the echo toward AFTR1 is lost: the inner IPv4 header is nft's
# transport header (protocol at byte 9, the UDP destination port at 22).
ip netns exec "$ME" nft -f - <<EOF
table ip6 noecho {
	chain filter {
		type filter hook forward priority 0;
		ip6 daddr $AFTR1_ADDR meta l4proto 4 @th,72,8 17 @th,176,16 3785 drop
	}
}
EOF
[ $? -eq 0 ] || tap_fail "nft: echo to AFTR1 dropped at the ME" "nft -f failed"
bfd_rx=$(b4_peer $AFTR1_ADDR packets-received)
if b4_wait_active $AFTR2_ADDR 10000; then tap_ok "AFTR1's echoes dropped: failover to AFTR2"
else tap_fail "AFTR1's echoes dropped: failover to AFTR2" "$(b4_show_log)"; fi
tap_expect "last failover: AFTR1 -> AFTR2, diag echo-failed" \
	"failover $AFTR1_ADDR $AFTR2_ADDR echo-failed" \
	"$(b4_q '.["last-failover"] | "\(.kind) \(.from) \(.to) \(.diagnostic)"')"
tap_expect "AFTR1: BFD still up, echo down with diag echo-failed, failures counted" \
	"up down echo-failed true false" \
	"$(b4_q '.peers[0] | "\(.status) \(.echo.state) \(.echo.diagnostic) \(.echo.failures >= 1) \(.healthy)"')"
if [ "$(b4_peer $AFTR1_ADDR packets-received)" -gt "$bfd_rx" ]; then
	tap_ok "BFD control from AFTR1 still received meanwhile"
else
	tap_fail "BFD control from AFTR1 still received meanwhile" "$bfd_rx"
fi
if b4_log_has "aftr $AFTR1_ADDR: echo Up -> Down: echo-failed" &&
   b4_log_has "aftr $AFTR1_ADDR \(active\): unhealthy by echo .*diag echo-failed" &&
   b4_log_has "carrier down, diag echo-failed"; then
	tap_ok "logged: echo Down (echo-failed), unhealthy by echo, carrier down"
else
	tap_fail "logged: echo Down (echo-failed), unhealthy by echo, carrier down" "$(b4_show_log)"
fi
tap_expect "tunnel re-pointed to AFTR2, carrier up" "$AFTR2_ADDR true none" \
	"$(tjson "$B4" ds0 remote) $(tjson "$B4" ds0 carrier) $(tjson "$B4" ds0 forced)"

# The path heals: AFTR1's echo (now direct) Down -> Init -> Up, then
# preemption back to it after hold-down 2 s.
ip netns exec "$ME" nft delete table ip6 noecho
if b4_wait_active $AFTR1_ADDR 15000; then tap_ok "echo restored: preempted back to AFTR1"
else tap_fail "echo restored: preempted back to AFTR1" "$(b4_show_log)"; fi
tap_expect "last switch: preempt AFTR2 -> AFTR1; echo up on both" \
	"preempt $AFTR2_ADDR $AFTR1_ADDR up up" \
	"$(b4_q '"\(.["last-failover"].kind) \(.["last-failover"].from) \(.["last-failover"].to) \(.peers[0].echo.state) \(.peers[1].echo.state)"')"
if b4_log_has "aftr $AFTR1_ADDR: echo Down -> Init" &&
   b4_log_has "aftr $AFTR1_ADDR: echo Init -> Up"; then
	tap_ok "logged: echo Down -> Init -> Up (the looped packets' states)"
else
	tap_fail "logged: echo Down -> Init -> Up (the looped packets' states)" "$(b4_show_log)"
fi

# A reflector that does not decrement: each echo the B4 sends (to either
# AFTR) comes back from the ME as it was, TTL 255, besides the real one.
refl=$(mktemp /tmp/ttl255.XXXXXX)
cat >"$refl" <<'PY'
import socket, sys
ifname, count = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86dd))
s.bind((ifname, 0x86dd))
s.settimeout(20)
n = 0
while n < count:
    f, addr = s.recvfrom(4096)
    if addr[2] == 4:                    # PACKET_OUTGOING: our own
        continue
    nh, off = f[20], 54                 # after Ethernet and IPv6
    if nh == 60:                        # ip6tnl's encapsulation limit
        nh, off = f[off], off + (f[off + 1] + 1) * 8
    if nh != 4 or len(f) < off + 28:
        continue
    ihl = (f[off] & 15) * 4
    if (f[off + 9] != 17 or f[off + 8] != 255 or
            f[off + 12:off + 16] != f[off + 16:off + 20] or
            f[off + ihl + 2:off + ihl + 4] != b'\x0e\xc9'):
        continue
    # back to the B4: Ethernet and IPv6 addresses swapped, the rest as is
    s.send(f[6:12] + f[0:6] + f[12:22] + f[38:54] + f[22:38] + f[54:])
    n += 1
print(n)
PY
refused0=$(b4_q '[.peers[].echo["ttl-refused"]] | add')
fo0=$(b4_q '.failovers')
sent=$(ip netns exec "$ME" timeout 30 python3 "$refl" me-b4 10)
__refused() {
	[ "$(b4_q '[.peers[].echo["ttl-refused"]] | add')" -ge $((refused0 + 10)) ]
}
if [ "$sent" = 10 ] && busywait 5000 __refused; then
	tap_ok "10 echoes sent back with TTL 255: all counted ttl-refused"
else
	tap_fail "10 echoes sent back with TTL 255: all counted ttl-refused" \
		"sent '$sent', ttl-refused $refused0 -> $(b4_q '[.peers[].echo["ttl-refused"]] | add')"
fi
tap_expect "not taken: echo still up on both, no failover" "up up $fo0" \
	"$(b4_q '"\(.peers[0].echo.state) \(.peers[1].echo.state) \(.failovers)"')"
metrics=$(in_b4 "$DSLITECTL_B4" b4 metrics 2>&1)
if grep -qE "^dslite_b4_echo_ttl_refused_total\{.*\} [1-9]" <<<"$metrics" &&
   grep -qE "^dslite_b4_echo_received_total\{.*\} [1-9]" <<<"$metrics"; then
	tap_ok "metrics: echo_received_total, echo_ttl_refused_total"
else
	tap_fail "metrics: echo_received_total, echo_ttl_refused_total" "$(grep echo <<<"$metrics")"
fi
rm -f "$refl"

b4_stop
tap_expect "clean stop" 0 "$B4_RC"
tap_done
