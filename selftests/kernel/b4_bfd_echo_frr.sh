#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Interop: RFC 9747 echo from the B4 toward an AFTR whose BFD peer is
# FRR's bfdd (as Debian ships it) over a real ip6tnl. bfdd itself never
# sees the echo: a packet to 192.0.0.2 is not addressed to the AFTR, so
# the AFTR's kernel forwards it back into the softwire (TTL 254), which
# is the reflection RFC 9747 asks of the remote system. bfdd supplies the
# control session and the Required Min Echo RX it advertises.
#   - ip_forward 1 on the AFTR: BFD and echo Up, the echo interval the
#     larger of ours and bfdd's;
#   - ip_forward 0: the AFTR stops reflecting, BFD stays Up: echo-failed,
#     the only AFTR unhealthy, the carrier down with diag echo-failed;
#   - ip_forward 1 again: echo Up, the carrier back;
#   - RFC 9764 toward bfdd (the same bfdd, a new daemon with "health
#     mtu"): bfdd takes the padded probes (its received-packet counter
#     moves with them, its session stays up) but answers only with its
#     own 24-byte packets: the mtu method finds no answer of the
#     tunnel's MTU and says "path MTU below 1452" while BFD stays Up;
#     the mtu method needs a responder that answers in place (dslite's);
#   - RFC 9764 toward BIRD (Debian's bird2, its bfd protocol with a
#     neighbor 192.0.0.2 on ds, in bfdd's place): "health mtu": the
#     session Up on both sides, BIRD takes every padded probe (its packet
#     trace counts them, no "Bad packet"), answers with 24-byte packets
#     (counted by nft), so the mtu method says "path MTU below 1452" as with
#     bfdd; "pad mtu": BIRD goes Init on the padded Down packets and
#     answers 24 bytes, which the B4 counts as short: no Up.
#     (bird 2.0.12, proto/bfd/packets.c: 64-byte receive buffer, the
#     datagram's truncation not looked at, Length 24 <= what was read:
#     accepted; bfd_send_ctl() always sends Length bytes.)
#
#   [B4] ds0 (ip6tnl) ---- [ME] ---- [AFTR1] ds (ip6tnl) 192.0.0.1
#    b4 run health echo               bfdd: peer 192.0.0.2, 1 s x 3
#    192.0.0.2 -> 192.0.0.2:3785      kernel: forwards 192.0.0.2 back
#    (then health mtu; pad mtu)       (last: BIRD, bfd neighbor 192.0.0.2)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq vtysh
[ -x /usr/lib/frr/bfdd ] || tap_skip_all "FRR's bfdd not installed"
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 1 || tap_skip_all "cannot build the topology"
fwd() { ip netns exec "$A1" sysctl -qw net.ipv4.ip_forward=$1; }
fwd 1
frr_start 1 1000 1000 3 || tap_skip_all "bfdd does not start"
echo_q() { b4_q ".peers[0].echo[\"$1\"]"; }
tjs() { tjson "$B4" ds0 "$1"; }

b4_start dev ds0 health echo interval 1000 echo-interval 300 ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_peer $AFTR1_ADDR up 30000; then tap_ok "BFD session Up with bfdd"
else tap_fail "BFD session Up with bfdd" "$(b4_show_log)"; fi
erx=$(b4_q '.peers[0].echo["remote-min-echo-rx-us"]')
diag "bfdd advertises Required Min Echo RX $erx us"
if [ "$erx" = 0 ]; then
	# bfdd advertises no echo: ask it for some
	frr_vtysh 1 'configure terminal' 'bfd' \
		'peer 192.0.0.2 local-address 192.0.0.1' \
		'echo receive-interval 300' >/dev/null
fi
__echo_up() { [ "$(echo_q state)" = up ]; }
if busywait 20000 __echo_up; then tap_ok "echo Up: reflected by the AFTR's forwarding"
else tap_fail "echo Up: reflected by the AFTR's forwarding" "$(b4_show_log)"; fi
erx=$(b4_q '.peers[0].echo["remote-min-echo-rx-us"]')
exp=$(( erx / 1000 > 300 ? erx / 1000 : 300 ))
tap_expect "echo interval: max(300 ms, bfdd's $erx us)" "$exp" "$(echo_q interval-ms)"
# healthy first, the carrier a moment later (the failover step)
__steady() {
	got="$(echo_q ttl-refused) $(b4_peer $AFTR1_ADDR healthy) $(tjs carrier) $(tjs forced)"
	[ "$got" = "0 true true none" ]
}
busywait 10000 __steady
tap_expect "reflected with TTL 254: none refused, healthy, carrier up" \
	"0 true true none" "$got"

# The AFTR stops forwarding: no reflection, BFD unaffected.
frr_downs() { frr_log 1 | grep -c 'state-change:.*up -> down'; }
downs0=$(frr_downs)
fwd 0
__echo_down() { [ "$(echo_q state)" = down ]; }
if busywait 10000 __echo_down; then tap_ok "AFTR forwards no more: echo Down"
else tap_fail "AFTR forwards no more: echo Down" "$(b4_show_log)"; fi
tap_expect "BFD up, echo-failed, unhealthy" "up echo-failed false" \
	"$(b4_peer $AFTR1_ADDR status) $(echo_q diagnostic) $(b4_peer $AFTR1_ADDR healthy)"
__forced() { [ "$(tjs forced)" = carrier-down ]; }
if busywait 5000 __forced; then tap_ok "carrier forced down"
else tap_fail "carrier forced down" "$(tjs forced)"; fi
tap_expect "the tunnel's diag: echo-failed" "echo-failed" "$(tjs diagnostic)"
if [ "$(frr_downs)" = "$downs0" ]; then
	tap_ok "bfdd's session stayed up"
else
	tap_fail "bfdd's session stayed up" "$(frr_log 1 | tail -5)"
fi

fwd 1
if busywait 15000 __echo_up; then tap_ok "forwarding back: echo Up again"
else tap_fail "forwarding back: echo Up again" "$(b4_show_log)"; fi
__carrier() { [ "$(tjs forced)" = none ]; }
if busywait 10000 __carrier; then tap_ok "carrier up again"
else tap_fail "carrier up again" "$(tjs forced)"; fi
b4_stop
tap_expect "clean stop" 0 "$B4_RC"

# --- RFC 9764: padded probes (health mtu) toward bfdd
frr_in() {
	ip netns exec "$A1" vtysh --vty_socket "$(frr_dir 1)/run" \
		-c 'show bfd peers counters json' |
		jq '[.[] | select(.peer == "192.0.0.2")][0]["control-packet-input"]'
}
b4_start dev ds0 health mtu interval 1000 ||
	tap_fail "daemon starts (health mtu)" "$(cat "$B4_LOG")"
if b4_wait_peer $AFTR1_ADDR up 30000; then tap_ok "health mtu: BFD session Up with bfdd"
else tap_fail "health mtu: BFD session Up with bfdd" "$(b4_show_log)"; fi
mq() { b4_q ".peers[0].mtu.$1"; }
downs0=$(frr_downs)
in0=$(frr_in)
tx0=$(b4_q '.peers[0]["packets-sent"] + .peers[0].mtu.sent')
__probes() { [ "$(mq sent)" -ge "$1" ]; }
p0=$(mq sent)
busywait 20000 __probes $((p0 + 5))
in1=$(frr_in)
tx1=$(b4_q '.peers[0]["packets-sent"] + .peers[0].mtu.sent')
probes=$(($(mq sent) - p0))
diag "bfdd counted $((in1 - in0)) control packets in while the B4 sent $((tx1 - tx0)), $probes of them padded to $(mq size) bytes"
# the counters are read a few hundred ms apart (vtysh under emulation):
# allow two packets either way
if [ $((in1 - in0)) -ge $((tx1 - tx0 - 2)) ] && [ "$probes" -ge 5 ]; then
	tap_ok "bfdd receives the padded probes as control packets"
else
	tap_fail "bfdd receives the padded probes" "in $in0 -> $in1, B4 sent $tx0 -> $tx1"
fi
# unhealthy from the start ("no answer of N bytes yet"), then, once the
# probes had their detection time, with the path's reason
__mtu_failing() { [ "$(mq ok)" = false ] && [[ "$(mq reason)" == "path MTU below"* ]]; }
slowwait 30 __mtu_failing	# vtysh and b4 status are slow on a loaded machine
reason=$(mq reason)
case $reason in
"path MTU below $(mq size): no answer that large"*)
	tap_ok "bfdd answers unpadded: mtu failing ($reason), answered $(mq answered)" ;;
*)	tap_fail "bfdd answers unpadded: mtu failing" "$reason; $(b4_q '.peers[0].mtu')" ;;
esac
tap_expect "BFD Up through it all, bfdd's session stayed up" "up $downs0" \
	"$(b4_peer $AFTR1_ADDR status) $(frr_downs)"
b4_stop

# --- RFC 9764 toward BIRD's bfd protocol (Debian's bird2) in bfdd's place
if [ ! -x /usr/sbin/bird ] || [ ! -x /usr/sbin/birdc ]; then
	tap_skip "RFC 9764 toward BIRD" "bird2 not installed"
	tap_done
fi
bfdd_pid=$(cat "$(frr_dir 1)/run/bfdd.pid")
frr_stop 1
__gone() { ! kill -0 "$1" 2>/dev/null; }
busywait 5000 __gone "$bfdd_pid"	# bfdd lets go of UDP 3784
bdir=$(mktemp -d /tmp/bird-a1.XXXXXX)
cat >"$bdir/bird.conf" <<-EOF
	log "$bdir/bird.log" all;
	router id 192.0.0.1;
	protocol device { }
	protocol bfd {
		debug { packets };
		interface "ds" { interval 1000 ms; multiplier 3; };
		neighbor 192.0.0.2 dev "ds" local 192.0.0.1;
	}
EOF
if ip netns exec "$A1" /usr/sbin/bird -c "$bdir/bird.conf" -s "$bdir/bird.ctl" \
	-P "$bdir/bird.pid" >"$bdir/out" 2>&1; then
	defer "kill \$(cat $bdir/bird.pid)"
	tap_ok "BIRD $(/usr/sbin/bird --version 2>&1 | sed -n 's/^BIRD version //p') on AFTR1, bfd neighbor 192.0.0.2 on ds"
else
	tap_fail "BIRD starts on AFTR1" "$(cat "$bdir/out")"
fi
# bird_state: BIRD's state of its session with the B4 (Up, Init, Down)
bird_state() {
	/usr/sbin/birdc -s "$bdir/bird.ctl" show bfd sessions 2>/dev/null |
		awk '$1 == "192.0.0.2" { print $3 }'
}
bird_rx() { grep -c 'CTL received from 192.0.0.2' "$bdir/bird.log"; }
__bird_is() { [ "$(bird_state)" = "$1" ]; }

b4_start dev ds0 health mtu interval 1000 ||
	tap_fail "daemon starts (health mtu, BIRD)" "$(cat "$B4_LOG")"
if b4_wait_peer $AFTR1_ADDR up 30000 && slowwait 10 __bird_is Up; then
	tap_ok "BIRD: BFD session Up both ways"
else
	tap_fail "BIRD: BFD session Up both ways" "BIRD: $(bird_state); $(b4_show_log)"
fi
in0=$(bird_rx)
tx0=$(b4_q '.peers[0]["packets-sent"] + .peers[0].mtu.sent')
p0=$(mq sent)
slowwait 20 __probes $((p0 + 4))
tx1=$(b4_q '.peers[0]["packets-sent"] + .peers[0].mtu.sent')
probes=$(($(mq sent) - p0))
# what the B4 has sent is read now, BIRD's trace may lag behind on a
# loaded machine: wait until it has caught up (or 10 s)
__caught_up() { in1=$(bird_rx); [ $((in1 - in0)) -ge $((tx1 - tx0 - 2)) ]; }
slowwait 10 __caught_up
diag "BIRD logged $((in1 - in0)) control packets in while the B4 sent $((tx1 - tx0)), $probes of them padded to $(mq size) bytes"
if [ $((in1 - in0)) -ge $((tx1 - tx0 - 2)) ] && [ "$probes" -ge 4 ] &&
   ! grep -q 'Bad packet' "$bdir/bird.log"; then
	tap_ok "BIRD takes the padded probes as control packets (none refused)"
else
	tap_fail "BIRD takes the padded probes" "in $in0 -> $in1, B4 sent $tx0 -> $tx1; $(grep 'Bad packet' "$bdir/bird.log" | tail -2)"
fi
# the size of what BIRD sends: nft counts its packets to the B4, and
# those whose IPv4 length is 52 (20 + 8 + 24 bytes of BFD)
ip netns exec "$A1" nft -f - <<-EOF
	table ip bird_tx {
		chain out {
			type filter hook output priority 0;
			udp dport 3784 counter
			udp dport 3784 ip length 52 counter
		}
	}
EOF
nft_counts() {
	ip netns exec "$A1" nft -j list chain ip bird_tx out |
		jq -r '[.nftables[].rule.expr // empty | .[] | .counter.packets // empty] | join(" ")'
}
__counted() { c=$(nft_counts); [ "${c%% *}" -ge 3 ]; }
# (BIRD's packets can come seconds apart on a loaded VM: the sizes are
# what is checked, not the rate)
slowwait 40 __counted
c=$(nft_counts)
if [ "${c%% *}" -ge 3 ] && [ "${c%% *}" = "${c##* }" ]; then
	tap_ok "BIRD's answers: all of them 24 bytes of BFD, no padding ($c)"
else
	tap_fail "BIRD's answers: 24 bytes of BFD" "all, 52-byte IPv4: $c"
fi
# one status read per poll (each is slow on a loaded machine); the
# reason is taken the first time it names the path MTU (under heavy
# load BIRD's packets can come more than 3 s apart, and it then says
# "no answer of N bytes yet" for a moment)
__mtu_failing1() {
	local r
	r=$(b4_q '.peers[0].mtu | "\(.ok) \(.answered) \(.short > 1) \(.reason)"')
	seen=${r#* * * }
	[[ $r == "false 0 true path MTU below"* ]]
}
if slowwait 40 __mtu_failing1 &&
   [[ $seen == "path MTU below $(mq size): no answer that large"* ]]; then
	tap_ok "BIRD answers unpadded: mtu failing ($seen), answered 0, short $(mq short)"
else
	tap_fail "BIRD answers unpadded: mtu failing" "last seen: $seen; $(b4_q '.peers[0].mtu')"
fi
tap_expect "BFD Up on both sides through it all" "up Up" \
	"$(b4_peer $AFTR1_ADDR status) $(bird_state)"
b4_stop

# the whole session padded ("pad mtu"): BIRD takes the padded Down
# packets (its session goes Init) and answers 24 bytes, which the B4
# does not take as answers: no Up on either side
b4_start dev ds0 pad mtu interval 1000 ||
	tap_fail "daemon starts (pad mtu, BIRD)" "$(cat "$B4_LOG")"
pq() { b4_q ".peers[0][\"$1\"]"; }
__short() { __bird_is Init && [ "$(pq answers-short)" -ge 3 ]; }
if slowwait 20 __short; then
	tap_ok "pad mtu: BIRD in Init on the padded packets, its answers short at the B4 ($(pq answers-short))"
else
	tap_fail "pad mtu: BIRD Init, answers short" "BIRD: $(bird_state); $(b4_q '.peers[0]')"
fi
reason=$(pq bfd-reason)
case $reason in
*"padded to $(pq pad) bytes: no answer of that size"*)
	tap_ok "pad mtu: the B4's session not Up: $reason" ;;
*)	tap_fail "pad mtu: the B4 says no answer of the padded size" "$reason; $(pq status)" ;;
esac
b4_stop
tap_done
