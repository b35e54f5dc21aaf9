#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The B4 daemon with "health pcp": each AFTR's liveness is a PCP mapping
# kept alive on a real PCP server (miniupnpd, Debian's miniupnpd-nftables)
# listening on the AFTR's end of its ip6tnl softwire, 192.0.0.1:5351.
# miniupnpd grants at most 6 s, so the daemon renews every 3..3.75 s.
#   - both AFTRs mapped and healthy, up via AFTR1, not one BFD packet
#     sent; AFTR1's requests go through the tunnel, AFTR2's (standby)
#     encapsulated directly; the mappings are in each AFTR's nft;
#     renewals keep them, nothing retransmitted or malformed;
#   - malformed answers (short, version 1, another nonce) sent to AFTR2's
#     direct path are counted by reason and change nothing;
#   - AFTR2's server loses its state (SIGUSR1: Epoch from 0): detected,
#     re-mapped, healthy again, no failover;
#   - AFTR1's external address goes away: one NETWORK_FAILURE (the
#     default pcp-failures 1), unhealthy with path-down, failover to AFTR2, whose
#     mapping is then renewed through the tunnel;
#   - AFTR1's address is back: healthy again as a standby;
#   - AFTR2's server stops: no answer within pcp-deadline (its port
#     unreachable counted), unhealthy, failover back to AFTR1;
#   - a clean stop deletes the mapping (gone from AFTR1's nft);
#   - per-AFTR health from a config file: AFTR1 "all:pcp+ping", AFTR2
#     "ping": AFTR1's server stops while its pings are answered:
#     unhealthy by pcp, failover to AFTR2;
#   - plain mode: PCP over native IPv6 to the configured server (AFTR2's
#     miniupnpd, for both AFTRs): both healthy; the server stops: no AFTR
#     is healthy, carrier down with path-down;
#   - a tunnel adopted up whose AFTRs never answer PCP: down with
#     path-down when the start-up grace ends.
#
#  [B4] ds0 -> AFTR1 ---- [ME] ---- [AFTR1] ds ip6tnl 192.0.0.1/29 <- miniupnpd
#   192.0.0.2/29            |                wan0 (dummy) 11.0.1.1 (external)
#   dslitectl b4 run        \------- [AFTR2] ds ip6tnl 192.0.0.1/29 <- miniupnpd
#                                            wan0 (dummy) 11.0.2.1 (external)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"
. "$(dirname "$0")/../miniupnpd_lib.sh"

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
require_root
require_cmd miniupnpd nft jq python3
kmod_load || tap_skip_all "cannot load dslite.ko"
miniupnpd_modules
b4_topo 2 || tap_skip_all "cannot build the topology"
tmp=$(mktemp -d)
defer "rm -rf $tmp"

in_a() { local n=$1; shift; ip netns exec "$(aftr_ns $n)" "$@"; }

# dnat N PORT: AFTR N's nft rules forwarding to 192.0.0.2:PORT
dnat() {
	in_a $1 nft list chain inet filter prerouting_miniupnpd |
		grep -c "dnat ip to 192.0.0.2:$2"
}
# pq N FIELD: a field of AFTR N's pcp status
pq() { b4_q ".peers[] | select(.peer == \"$(aftr_addr $1)\") | .pcp[\"$2\"]"; }

pcp_prepare 1 && pcp_prepare 2 || tap_skip_all "cannot prepare the PCP servers"
if pcp_start 1 && pcp_start 2; then
	tap_ok "miniupnpd listens on 192.0.0.1:5351 in both AFTRs"
else
	tap_fail "miniupnpd listens on 192.0.0.1:5351 in both AFTRs" "$(in_a 1 ss -lun; in_a 2 ss -lun)"
	tap_done
fi

b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR health pcp \
	pcp-deadline 3000 pcp-retry-max 1000 hold-down 2 ||
	tap_fail "daemon starts (health pcp)" "$(cat "$B4_LOG")"

__healthy() {
	[ "$(b4_q '.peers | map(.healthy) | join(" ")')" = "true true" ]
}
if busywait 20000 __healthy && b4_wait_active $AFTR1_ADDR 5000; then
	tap_ok "both AFTRs healthy by PCP, up via AFTR1"
else
	tap_fail "both AFTRs healthy by PCP, up via AFTR1" "$(b4_show_log)"
fi
port=$(b4_q '.["pcp-port"]')
tap_expect "status: health pcp, encap mode, the port in 49152..65535" "pcp encap 1" \
	"$(b4_q '"\(.health) \(.["pcp-mode"])"') $([ "$port" -ge 49152 ] 2>/dev/null && echo 1)"
tap_expect "AFTR1 via the tunnel: 192.0.0.2:port -> 11.0.1.1:port for 6 s, SUCCESS" \
	"tunnel true 11.0.1.1 $port $port 6 SUCCESS" \
	"$(b4_q ".peers[0] | \"\(.path) \(.pcp.ok) \(.pcp[\"external-address\"]) \(.pcp[\"external-port\"]) \(.pcp[\"internal-port\"]) \(.pcp.lifetime) \(.pcp[\"last-result\"])\"")"
tap_expect "AFTR2 directly (standby): mapped on 11.0.2.1, SUCCESS" \
	"direct true 11.0.2.1 $port 6 SUCCESS" \
	"$(b4_q ".peers[1] | \"\(.path) \(.pcp.ok) \(.pcp[\"external-address\"]) \(.pcp[\"external-port\"]) \(.pcp.lifetime) \(.pcp[\"last-result\"])\"")"
tap_expect "the mappings are in both AFTRs' nft" "1 1" "$(dnat 1 $port) $(dnat 2 $port)"
tap_expect "no BFD packet sent (health pcp)" "0 0" \
	"$(b4_q '.peers | map(.["packets-sent"]) | join(" ")')"

__renewed() { [ "$(pq 1 renewals)" -ge 2 ] && [ "$(pq 2 renewals)" -ge 2 ]; }
if busywait 15000 __renewed; then
	tap_ok "both mappings renewed twice (6 s lifetime)"
else
	tap_fail "both mappings renewed twice" "$(b4_q '.peers[].pcp')"
fi
tap_expect "renewals answered: still mapped, no retransmission, no malformed answer" \
	"true 0 0 true 0 0" \
	"$(b4_q '[.peers[].pcp | "\(.ok) \(.retransmits) \(.malformed)"] | join(" ")')"
left=$(pq 1 lifetime-left-ms)
if [ "$left" -gt 0 ] && [ "$left" -le 6000 ]; then
	tap_ok "lifetime left within the 6 s granted ($left ms)"
else
	tap_fail "lifetime left within the 6 s granted" "$left"
fi
in_b4 "$DSLITECTL" b4 status | sed 's/^/# /'
tap_expect "SUCCESS counted per result" true \
	"$(b4_q "(.peers[0].pcp.results.SUCCESS == .peers[0].pcp.answers) and .peers[0].pcp.answers >= 3")"

# ---- malformed answers change nothing -----------------------------------
# pcp_inject N PORT KIND: one datagram 192.0.0.1:5351 -> 192.0.0.2:PORT
# from AFTR N's end of its softwire, through a raw socket (miniupnpd holds
# the port): "short" (a version 2 MAP answer cut at 10 bytes), "version"
# (a MAP answer of version 1),
# "nonce" (a well-formed MAP answer with another nonce)
pcp_inject() {
	in_a $1 python3 - "$2" "$3" <<'EOF'
import socket, struct, sys
port, kind = int(sys.argv[1]), sys.argv[2]
def answer(version, nonce):
    head = struct.pack('!BBBBII', version, 0x80 | 1, 0, 0, 6, 100) + bytes(12)
    body = nonce + struct.pack('!B3xHH', 17, port, port)
    return head + body + bytes(10) + b'\xff\xff' + bytes([11, 0, 2, 1])
data = {'short': bytes([2, 0x81]) + bytes(8), 'version': answer(1, bytes(12)),
        'nonce': answer(2, b'\x01' * 12)}[kind]
udp = struct.pack('!HHHH', 5351, port, 8 + len(data), 0) + data
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17,
                 0, socket.inet_aton('192.0.0.1'), socket.inet_aton('192.0.0.2'))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'ds')
s.sendto(ip + udp, ('192.0.0.2', 0))
EOF
}
for kind in short version nonce; do
	pcp_inject 2 "$port" $kind
done
__counted() { [ "$(pq 2 malformed)" = 3 ]; }
if busywait 5000 __counted; then
	tap_ok "AFTR2 (direct path): three malformed answers counted"
else
	tap_fail "AFTR2 (direct path): three malformed answers counted" "$(b4_q '.peers[1].pcp')"
fi
tap_expect "counted by reason: short, version, nonce; still mapped on 11.0.2.1, healthy" \
	'{"nonce":1,"short":1,"version":1} true 11.0.2.1 true' \
	"$(b4_q '.peers[1] | "\(.pcp["malformed-by-reason"] | to_entries | sort_by(.key) | from_entries | tojson) \(.pcp.ok) \(.pcp["external-address"]) \(.healthy)"')"

# ---- AFTR2's server loses its state -------------------------------------
epoch0=$(pq 2 epoch)
kill -USR1 "$(pcp_pid 2)"
__reset() { [ "$(pq 2 epoch-resets)" = 1 ]; }
__remapped() { __reset && [ "$(pq 2 ok)" = true ] && [ "$(pq 2 epoch)" -lt "$epoch0" ]; }
if busywait 10000 __remapped; then
	tap_ok "AFTR2's Epoch reset detected (epoch $epoch0 -> $(pq 2 epoch)), re-mapped, healthy"
else
	tap_fail "AFTR2's Epoch reset detected, re-mapped, healthy" "$(b4_q '.peers[1].pcp')"
fi
lost=$(sed -nE "s/.*aftr $AFTR2_ADDR: pcp: the server lost its state \(epoch ([0-9]+) after ([0-9]+), backwards\): mapping again$/\1 \2/p" "$B4_LOG" | head -n 1)
if [ -n "$lost" ] && [ "${lost% *}" -lt "${lost#* }" ] && [ "${lost#* }" -ge "$epoch0" ]; then
	tap_ok "logged: AFTR2's server lost its state (epoch ${lost% *} after ${lost#* })"
else
	tap_fail "logged: AFTR2's server lost its state, the new epoch below the old" "$(b4_show_log)"
fi
tap_expect "a standby's Epoch reset: no failover" "true $AFTR1_ADDR 0" \
	"$(b4_q '"\(.up) \(.active) \(.failovers)"')"

# ---- NETWORK_FAILURE on AFTR1 -------------------------------------------
t0=$(now_ms)
ip -n "$A1" addr flush dev wan0
if b4_wait_active $AFTR2_ADDR 15000; then
	diag "external address removed -> failover seen: $(($(now_ms) - t0)) ms"
	tap_ok "AFTR1 answers NETWORK_FAILURE: failover to AFTR2"
else
	tap_fail "AFTR1 answers NETWORK_FAILURE: failover to AFTR2" "$(b4_show_log)"
fi
tap_expect "AFTR1: unhealthy, last result NETWORK_FAILURE (7), health down (network-failure)" \
	"false NETWORK_FAILURE 7 true down network-failure" \
	"$(b4_q ".peers[0] | \"\(.healthy) \(.pcp[\"last-result\"]) \(.pcp[\"last-result-code\"]) \(.pcp.results.NETWORK_FAILURE >= 1) \(.pcp.health) \(.pcp[\"down-reason\"])\"")"
tap_expect "last failover: from AFTR1 to AFTR2, diag path-down" \
	"$AFTR1_ADDR $AFTR2_ADDR path-down" \
	"$(b4_q '.["last-failover"] | "\(.from) \(.to) \(.diagnostic)"')"
if b4_log_has "aftr $AFTR1_ADDR \(active\): unhealthy by pcp \(health pcp\), diag path-down: network-failure: NETWORK_FAILURE 1 time in a row"; then
	tap_ok "logged: unhealthy by pcp, network-failure"
else
	tap_fail "logged: unhealthy by pcp, network-failure" "$(b4_show_log)"
fi
r0=$(pq 2 renewals)
__renewed_tunnel() {
	[ "$(b4_q '.peers[1].path')" = tunnel ] && [ "$(pq 2 renewals)" -gt "$r0" ] &&
		[ "$(pq 2 ok)" = true ]
}
if busywait 10000 __renewed_tunnel; then
	tap_ok "AFTR2 (active now): its mapping renewed through the tunnel"
else
	tap_fail "AFTR2: its mapping renewed through the tunnel" "$(b4_q '.peers[1]')"
fi

ip -n "$A1" addr add 11.0.1.1/24 dev wan0
__back1() { [ "$(b4_q '.peers[0].healthy')" = true ]; }
if busywait 15000 __back1; then
	tap_ok "AFTR1's address back: healthy again (standby, mapped directly)"
else
	tap_fail "AFTR1's address back: healthy again" "$(b4_q '.peers[0].pcp')"
fi

# ---- AFTR2's server stops -------------------------------------------------
t0=$(now_ms)
pcp_stop 2
if b4_wait_active $AFTR1_ADDR 15000; then
	diag "server stopped -> failover seen: $(($(now_ms) - t0)) ms"
	tap_ok "AFTR2's server stopped: failover back to AFTR1"
else
	tap_fail "AFTR2's server stopped: failover back to AFTR1" "$(b4_show_log)"
fi
# the reason: no-answer, or expired when the 6 s mapping ran out first
# (the deadline's no-answer follows it)
tap_expect "AFTR2: unhealthy, down (no-answer or expired)" "false down true" \
	"$(b4_q '.peers[1] | "\(.healthy) \(.pcp.health) \(.pcp["down-reason"] | test("^(no-answer|expired)$"))"')"
if [ "$(pq 2 icmp-errors)" -ge 1 ]; then
	tap_ok "AFTR2's port unreachable counted ($(pq 2 icmp-errors))"
else
	tap_fail "AFTR2's port unreachable counted" "$(b4_q '.peers[1].pcp')"
fi
# a 6 s mapping whose renewal (at 3..3.75 s) goes unanswered expires at
# 6 s, about when the 3 s deadline passes: either reason is right
if b4_log_has "aftr $AFTR2_ADDR \(active\): unhealthy by pcp \(health pcp\), diag path-down: (no-answer: no answer within 3000 ms|expired: the mapping ran out unrenewed)"; then
	tap_ok "logged: unhealthy by pcp, no-answer"
else
	tap_fail "logged: unhealthy by pcp, no-answer" "$(b4_show_log)"
fi
tap_expect "two failovers" 2 "$(b4_q .failovers)"

__mapped1() { [ "$(dnat 1 $port)" = 1 ]; }
busywait 5000 __mapped1
b4_stop
tap_expect "clean stop" 0 "$B4_RC"
__unmapped1() { [ "$(dnat 1 $port)" = 0 ]; }
if busywait 5000 __unmapped1; then
	tap_ok "the stop deleted the mapping (gone from AFTR1's nft)"
else
	tap_fail "the stop deleted the mapping" "$(in_a 1 nft list chain inet filter prerouting_miniupnpd)"
fi

# ---- per-AFTR health from a config file -----------------------------------
cat >"$tmp/b4.conf" <<EOF
# B4: AFTR1 must keep its PCP mapping and answer pings, AFTR2 pings
dev ds0
aftr $AFTR1_ADDR,health=all:pcp+ping
aftr $AFTR2_ADDR
health ping
ping-interval 200
pcp-deadline 3000
pcp-port 40000
EOF
b4_start config "$tmp/b4.conf" ||
	tap_fail "daemon starts (config file)" "$(cat "$B4_LOG")"
if busywait 20000 __healthy && b4_wait_active $AFTR1_ADDR 5000; then
	tap_ok "config file: both healthy, up via AFTR1"
else
	tap_fail "config file: both healthy, up via AFTR1" "$(b4_show_log)"
fi
tap_expect "per-AFTR health: all:pcp+ping and ping (the default), pcp-port 40000" \
	"ping 40000 all:pcp+ping ping true null" \
	"$(b4_q '"\(.health) \(.["pcp-port"]) \(.peers[0].health) \(.peers[1].health) \(.peers[0].pcp.ok) \(.peers[1].pcp)"')"
tap_expect "AFTR1's mapping of 192.0.0.2:40000 in its nft" 1 "$(dnat 1 40000)"
pcp_stop 1
if b4_wait_active $AFTR2_ADDR 15000; then
	tap_ok "AFTR1's server stopped, pings still answered: failover to AFTR2"
else
	tap_fail "AFTR1's server stopped, pings still answered: failover to AFTR2" "$(b4_show_log)"
fi
tap_expect "AFTR1: ping ok, pcp failing, unhealthy" "true false false" \
	"$(b4_q '.peers[0] | "\(.ping.ok) \(.pcp.ok) \(.healthy)"')"
if b4_log_has "aftr $AFTR1_ADDR \(active\): unhealthy by pcp \(health all:pcp\+ping\), diag path-down"; then
	tap_ok "logged: unhealthy by pcp (health all:pcp+ping)"
else
	tap_fail "logged: unhealthy by pcp (health all:pcp+ping)" "$(b4_show_log)"
fi
b4_stop
tap_expect "clean stop (config file)" 0 "$B4_RC"

# ---- plain mode: over native IPv6 to the configured PCP server ------------
# AFTR2's miniupnpd again, now also answering PCP over IPv6 on its uplink;
# AFTR1's PCP server is said to be AFTR2's (aftr ADDR,pcp-server=ADDR).
sed -e 's/^ipv6_disable=yes/ipv6_disable=no/' -e 's/^secure_mode=yes/secure_mode=no/' \
	"$MINIUPNPD_DIR/miniupnpd2.conf" >"$tmp/miniupnpd2v6.conf"
echo "listening_ip=a2-me" >>"$tmp/miniupnpd2v6.conf"
__listening6() { in_a 2 ss -Hlun6 'sport = :5351' | grep -q 5351; }
in_a 2 miniupnpd -f "$tmp/miniupnpd2v6.conf" -P "$MINIUPNPD_DIR/miniupnpd2.pid"
if busywait 5000 __listening6; then
	tap_ok "AFTR2's miniupnpd answers PCP over IPv6 too"
else
	tap_fail "AFTR2's miniupnpd answers PCP over IPv6 too" "$(in_a 2 ss -lun)"
fi
b4_start dev ds0 aftr $AFTR1_ADDR,pcp-server=$AFTR2_ADDR aftr $AFTR2_ADDR \
	health pcp pcp-mode plain pcp-deadline 3000 ||
	tap_fail "daemon starts (plain mode)" "$(cat "$B4_LOG")"
if busywait 15000 __healthy; then
	tap_ok "plain mode: both AFTRs healthy by PCP"
else
	tap_fail "plain mode: both AFTRs healthy by PCP" "$(b4_show_log)"
fi
tap_expect "plain mode: both asked AFTR2's server over IPv6, SUCCESS, 6 s" \
	"plain plain $AFTR2_ADDR $AFTR2_ADDR SUCCESS SUCCESS 6 6" \
	"$(b4_q '"\(.["pcp-mode"]) \(.peers[0].pcp.mode) \(.peers[0].pcp.server) \(.peers[1].pcp.server) \(.peers[0].pcp["last-result"]) \(.peers[1].pcp["last-result"]) \(.peers[0].pcp.lifetime) \(.peers[1].pcp.lifetime)"')"
pcp_stop 2
__all_down() { [ "$(b4_q '"\(.up) \(.diagnostic)"')" = "false path-down" ]; }
if busywait 15000 __all_down; then
	tap_ok "plain mode: the server stops, no AFTR is healthy: carrier down, path-down"
else
	tap_fail "plain mode: the server stops, no AFTR is healthy: carrier down, path-down" "$(b4_show_log)"
fi
tap_expect "plain mode: both down (no-answer, or expired first)" "true true" \
	"$(b4_q '[.peers[].pcp["down-reason"] | test("^(no-answer|expired)$")] | map(tostring) | join(" ")')"
b4_stop
tap_expect "clean stop (plain mode)" 0 "$B4_RC"

# ---- start-up grace: adopted up, but no PCP server answers ----------------
# The tunnel is found with its carrier; no AFTR becomes healthy by PCP
# within the grace (pcp-deadline 3000 < 4 s): carrier down, path-down.
in_b4 "$DSLITECTL" tunnel set dev ds0 carrier up
adopted=$(tjson "$B4" ds0 remote)	# the AFTR the daemon adopts
b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR health pcp pcp-deadline 3000 ||
	tap_fail "daemon starts (grace)" "$(cat "$B4_LOG")"
__grace_over() { b4_log_has "not healthy within the start-up grace \(health pcp\)"; }
if busywait 10000 __grace_over; then
	tap_ok "logged: not healthy within the start-up grace (health pcp)"
else
	tap_fail "logged: not healthy within the start-up grace (health pcp)" "$(b4_show_log)"
fi
__tun_down() { [ "$(tjson "$B4" ds0 forced)" = carrier-down ]; }
busywait 3000 __tun_down
tap_expect "tunnel down with path-down, no AFTR up" \
	"carrier-down path-down no AFTR up, probing 2" \
	"$(tjson "$B4" ds0 forced) $(tjson "$B4" ds0 diagnostic) $(tjson "$B4" ds0 reason)"
if b4_log_has "ds0: carrier down, diag path-down \(pcp down: $adopted\)"; then
	tap_ok "logged: carrier down, path-down (pcp down)"
else
	tap_fail "logged: carrier down, path-down (pcp down)" "$(b4_show_log)"
fi
b4_stop
tap_expect "clean stop (grace)" 0 "$B4_RC"
tap_done
