#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The anycast PTB relay on this kernel: two AFTRs share 2001:db8:ac::1,
# the router sends every ICMPv6 Packet Too Big for it to A2 (as an unlucky
# ECMP hash would), A2 serves no B4 and relays each PTB to A1, whose
# kernel takes the copy. Checked exactly: the counters on both sides, the
# copy's format (addresses, hop limit, checksum, the quote byte for byte),
# the token bucket under a flood, that nothing comes back, ICMPv6 echo to
# the anycast address answered from it, the argument checks, detach.
#
#   [ netns A1 ]                  [ netns ME ]                  [ netns A2 ]
#   $A1IF 2001:db8:a1::2 ---- me-a1 2001:db8:a1::1   me-a2 ---- $A2IF 2001:db8:a2::2
#   + 2001:db8:ac::1/128          2001:db8:a2::1                + 2001:db8:ac::1/128
#   dslite_aftr (XDP native)      lo 2001:db8:e::1              dslite_aftr (XDP generic)
#   node 1, peer a2::2            2001:db8:ac::1 via A2         node 2, peer a1::2,
#                                 ptb_send: PTB about           relay-rate 50
#                                 2001:db8:ac::1 -> B4
#
# dslitectl runs through nsenter --net (the BPF file system stays the
# host's): pins under /sys/fs/bpf/dslite/netns-COOKIE/$A1IF and $A2IF.

. "$(dirname "$0")/../lib.sh"

require_root
require_bpffs
require_cmd jq nsenter tcpdump tc python3
PTB=$DSLITE_ROOT/build/tests/ptb_send
if [ ! -x "$PTB" ] || [ ! -x "$DSLITECTL" ]; then
	tap_fail "test programs built" "run make tests first"
	tap_done
fi
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
	tap_skip_all "no BPF file system at /sys/fs/bpf"

setup_ns A1 A2 ME || tap_skip_all "cannot create network namespaces"
sfx=${ME#ME-}
A1IF=a1$sfx
A2IF=a2$sfx
ANY=2001:db8:ac::1
B4=2001:db8:b4::2
tmp=$(mktemp -d)
defer "rm -rf $tmp"

in1() { nsenter --net="/run/netns/$A1" "$@"; }
in2() { nsenter --net="/run/netns/$A2" "$@"; }
inme() { ip netns exec "$ME" "$@"; }
defer "in1 $DSLITECTL aftr detach dev $A1IF"
defer "in2 $DSLITECTL aftr detach dev $A2IF"

for i in 1 2; do
	ns=$(eval echo "\$A$i") dev=$(eval echo "\$A${i}IF")
	ip link add me-a$i netns "$ME" type veth peer name "$dev" netns "$ns" ||
		tap_skip_all "no veth"
	ip -n "$ME" link set me-a$i up
	ip -n "$ns" link set "$dev" up
	ip -n "$ME" addr add 2001:db8:a$i::1/64 dev me-a$i nodad
	ip -n "$ns" addr add 2001:db8:a$i::2/64 dev "$dev" nodad
	ip -n "$ns" addr add $ANY/128 dev "$dev" nodad
	ip -n "$ns" -6 route add default via 2001:db8:a$i::1
done
inme sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n "$ME" addr add 2001:db8:e::1/128 dev lo
ip -n "$ME" -6 route add $ANY/128 via 2001:db8:a2::2

# counters DEV NS: the counters, without the sweeper's runs
counters() {
	nsenter --net="/run/netns/$2" "$DSLITECTL" -j aftr stats dev "$1" |
		jq -c '.[0].counters | del(.sweeps)'
}
c1() { counters "$A1IF" "$A1"; }
c2() { counters "$A2IF" "$A2"; }
# delta BEFORE AFTER: the counters that moved, by how much
delta() {
	jq -c -n --argjson a "$1" --argjson b "$2" \
		'$b | with_entries(.value -= $a[.key]) | with_entries(select(.value != 0))'
}
# ptb_delta BEFORE AFTER: the same, without neighbour discovery (pass_icmp6)
ptb_delta() {
	jq -c -n --argjson a "$1" --argjson b "$2" \
		'$b | with_entries(.value -= $a[.key]) | with_entries(select(.value != 0))
		 | del(.pass_icmp6) | .xdp_pass -= ($b.pass_icmp6 - $a.pass_icmp6)
		 | with_entries(select(.value != 0))'
}
# snmp6 NS FIELD: a counter of the namespace's IPv6 stack
snmp6() { ip netns exec "$1" awk -v f="$2" '$1 == f { print $2 }' /proc/net/snmp6; }
# pinned IFNAME: what is pinned for IFNAME (A1IF in A1, A2IF in A2)
pinned() {
	local ns=$A1
	[ "$1" = "$A2IF" ] && ns=$A2
	ls "$(aftr_pin_dir "$ns" "$1")" 2>/dev/null | tr '\n' ' '
}

# --- argument checks: exit code, message, nothing pinned
bad() {
	local desc=$1 rc=$2 msg=$3 out r
	shift 3
	out=$(in1 "$DSLITECTL" aftr attach dev "$A1IF" "$@" 2>&1)
	r=$?
	if [ $r -eq "$rc" ] && [ "$out" = "dslitectl: aftr attach: $msg" ] &&
	   [ -z "$(pinned "$A1IF")" ]; then
		tap_ok "refused: $desc"
	else
		tap_fail "refused: $desc" "rc $r, '$out', pinned '$(pinned "$A1IF")'"
	fi
}
bad "anycast without node-id" 1 \
	'"anycast" needs "node-id N" (0..255, a different one on each member)' \
	anycast $ANY
bad "peer without anycast" 1 '"peer" needs "anycast ADDR"' \
	node-id 1 peer 2001:db8:a2::2
bad "relay-rate 0" 1 'relay-rate must be a number 1..1000000 per second, not "0"' \
	node-id 1 anycast $ANY relay-rate 0
bad "a multicast anycast address" 1 'anycast ff02::1 is not a global unicast address' \
	node-id 1 anycast ff02::1
bad "the anycast address as a peer" 1 \
	"peer $ANY is the anycast address (peers are the other members' unicast addresses)" \
	node-id 1 anycast $ANY peer $ANY
bad "a peer twice" 1 'peer 2001:db8:a2::2 given twice' \
	node-id 1 anycast $ANY peer 2001:db8:a2::2 peer 2001:db8:a2::2
bad "two peers without forwarding on the device" 2 \
	"relaying to more than one peer needs net.ipv6.conf.$A1IF.forwarding=1 (the kernel looks up next hops for BPF only on forwarding devices; this setting alone forwards nothing)" \
	node-id 1 anycast $ANY peer 2001:db8:a2::2 peer 2001:db8:a3::2
bad "a relay source that is not local" 2 \
	'relay-source 2001:db8:a9::9 is not an address of this host' \
	node-id 1 anycast $ANY peer 2001:db8:a2::2 relay-source 2001:db8:a9::9

# --- two members
out=$(in1 "$DSLITECTL" aftr attach dev "$A1IF" mode native node-id 1 \
	anycast $ANY peer 2001:db8:a2::2 2>&1)
r=$?
nometa="dslitectl: aftr attach: this kernel does not let XDP programs call bpf_xdp_adjust_meta(), which relaying Packet Too Big to a peer needs (attach without \"peer\" to answer BFD and ping only)"
if [ $r -eq 2 ] && [ "$out" = "$nometa" ]; then
	# a kernel that refuses the helper to XDP (the VM's Debian kernel
	# runs the relay: kernel/anycast_pmtu.sh, kernel/bpf_fixtures.sh)
	tap_expect "refused: a relaying member on a kernel without bpf_xdp_adjust_meta, nothing pinned" \
		"" "$(pinned "$A1IF")"
	tap_skip "two relaying members" "this kernel refuses bpf_xdp_adjust_meta() to XDP programs"
	tap_done
fi
tap_expect "A1 attached (native), silent" "0:" "$r:$out"
out=$(in2 "$DSLITECTL" aftr attach dev "$A2IF" mode generic node-id 2 \
	anycast $ANY peer 2001:db8:a1::2 relay-rate 50 2>&1)
tap_expect "A2 attached (generic), silent" "0:" "$?:$out"
tap_expect "the anycast maps are pinned with the others" \
	"dslite_peers dslite_relay dslite_softwires dslite_sw_seen link" \
	"$(pinned "$A2IF" | tr ' ' '\n' | grep -E '^(dslite_peers|dslite_relay|dslite_softwires|dslite_sw_seen|link)$' | tr '\n' ' ' | sed 's/ $//')"
filter=$(in2 tc filter show dev "$A2IF" ingress | grep -o 'handle 0xd51e dslite_ptb_rela[^ ]* direct-action')
tap_expect "A2: dslite_ptb_relay on clsact ingress (direct action)" \
	"1" "$(grep -c . <<<"$filter")"

# --- one PTB: relayed once, taken by A1's kernel, copy byte for byte
# (captures on ME's link to A2 and at A1, Packet Too Big only)
inme tcpdump -U -w "$tmp/orig.pcap" -c 1 -ni me-a2 'icmp6 and ip6[40] == 2' \
	2>"$tmp/t1.log" >/dev/null &
t1=$!
in1 tcpdump -U -w "$tmp/copy.pcap" -c 1 -ni "$A1IF" 'icmp6 and ip6[40] == 2' \
	2>"$tmp/t2.log" >/dev/null &
t2=$!
defer "kill $t1 $t2"
busywait 5000 grep -q "listening on" "$tmp/t1.log"
busywait 5000 grep -q "listening on" "$tmp/t2.log"
b1=$(c1) b2=$(c2)
ptb_before=$(snmp6 "$A1" Icmp6InPktTooBigs)
inme "$PTB" -d $ANY -q $ANY -b $B4 -n 1 >/dev/null
__copy_in() { [ "$(jq '.pass_ptb_peer' <<<"$(c1)")" = 1 ]; }
__copy_in_again() { [ "$(delta "$b1" "$(c1)" | jq '.pass_ptb_peer')" = 1 ]; }
busywait 3000 __copy_in
# (both learn the B4's path MTU from it: mtu_learnt, aftr-operations.md
# "The per-softwire MTU")
tap_expect "A2: the PTB seen, not served, flagged and relayed once" \
	'{"xdp_pass":1,"pass_ptb_relay":1,"ptb_seen":1,"ptb_relayed":1,"mtu_learnt":1}' \
	"$(ptb_delta "$b2" "$(c2)")"
tap_expect "A1: the copy delivered as relayed by a peer" \
	'{"xdp_pass":1,"pass_ptb_peer":1,"ptb_seen":1,"mtu_learnt":1}' "$(ptb_delta "$b1" "$(c1)")"
tap_expect "A1's kernel took it: one Packet Too Big, no checksum error" \
	"$((ptb_before + 1)) 0" \
	"$(snmp6 "$A1" Icmp6InPktTooBigs) $(snmp6 "$A1" Icmp6InCsumErrors)"
__captured() { ! kill -0 $t1 2>/dev/null && ! kill -0 $t2 2>/dev/null; }
busywait 3000 __captured
hdr=$(tcpdump -nr "$tmp/copy.pcap" -vv 2>/dev/null | tr -s ' \n' ' ')
case $hdr in
*"hlim 63,"*"2001:db8:a2::2 > 2001:db8:a1::2: [icmp6 sum ok] ICMP6, packet too big, mtu 1400"*)
	tap_ok "the copy: from A2's unicast address to A1's, hop limit 64 (63 after ME), checksum right" ;;
*)	tap_fail "the copy: from A2's unicast address to A1's, hop limit 64 (63 after ME), checksum right" "$hdr" ;;
esac
# pcap: 24-byte file header, 16-byte record header, then the frame; the
# ICMPv6 header starts 14 + 40 bytes into it, its MTU field 4 bytes later
if [ "$(stat -c %s "$tmp/orig.pcap")" = "$(stat -c %s "$tmp/copy.pcap")" ] &&
   cmp -s <(tail -c +$((40 + 58 + 1)) "$tmp/orig.pcap") \
	  <(tail -c +$((40 + 58 + 1)) "$tmp/copy.pcap"); then
	tap_ok "the copy: MTU field and quote (1232 bytes) unchanged"
else
	tap_fail "the copy: MTU field and quote (1232 bytes) unchanged" \
		"$(stat -c %s "$tmp/orig.pcap" "$tmp/copy.pcap" | tr '\n' ' ')"
fi

# --- a flood at A2: the relay stays within 50 copies/s, nothing loops
b1=$(c1) b2=$(c2)
out=$(inme "$PTB" -d $ANY -q $ANY -b $B4 -t 1)
sent=${out#sent }
sent=${sent%% *}
ms=${out##* in }
ms=${ms%% *}
__flood_done() {
	[ "$(delta "$b2" "$(c2)" | jq '.ptb_seen')" -ge "$sent" ] 2>/dev/null
}
busywait 5000 __flood_done
d2=$(ptb_delta "$b2" "$(c2)")
relayed=$(jq '.ptb_relayed' <<<"$d2")
limited=$(jq '.drop_ptb_rate_limited' <<<"$d2")
max=$((5 + (ms * 50 + 999) / 1000 + 2))
min=$((ms * 50 / 1000 / 2))
diag "flood: $sent PTBs in $ms ms at A2, $relayed relayed, $limited rate limited (50/s and a burst of 5: at most $max)"
if [ "$sent" -ge 200 ] && [ "$relayed" -ge "$min" ] && [ "$relayed" -le "$max" ] &&
   [ $((relayed + limited)) -eq "$sent" ] &&
   [ "$(jq -c 'del(.ptb_relayed, .drop_ptb_rate_limited)' <<<"$d2")" = \
     "{\"xdp_pass\":$relayed,\"xdp_drop\":$limited,\"pass_ptb_relay\":$relayed,\"ptb_seen\":$sent}" ]; then
	tap_ok "flood: relayed copies within the rate, the rest dropped in XDP"
else
	tap_fail "flood: relayed copies within the rate, the rest dropped in XDP" \
		"sent $sent relayed $relayed limited $limited max $max: $d2"
fi
__copies_in() {
	[ "$(delta "$b1" "$(c1)" | jq '.pass_ptb_peer')" = "$relayed" ]
}
busywait 3000 __copies_in
tap_expect "flood: A1 got every copy and relayed none" \
	"{\"xdp_pass\":$relayed,\"pass_ptb_peer\":$relayed,\"ptb_seen\":$relayed}" \
	"$(ptb_delta "$b1" "$(c1)")"
tap_expect "flood: nothing came back to A2" null \
	"$(delta "$b2" "$(c2)" | jq -c '.pass_ptb_peer')"

# --- ICMPv6 echo to the anycast address, answered from it by A2's XDP
b2=$(c2)
out=$(inme ping -6 -c 1 -W 2 $ANY 2>&1)
case $out in
*"bytes from $ANY: icmp_seq=1"*) tap_ok "ping $ANY answered from $ANY" ;;
*) tap_fail "ping $ANY answered from $ANY" "$out" ;;
esac
tap_expect "A2's XDP answered it" 1 "$(delta "$b2" "$(c2)" | jq '.tx_ping6')"

# --- attach on the live link: the relay's filter replaced in place
# (one filter, a new program), still relaying; then without a peer: the
# filter removed, the link still answering
relay_id() { in2 tc filter show dev "$A2IF" ingress | sed -n 's/.*dslite_ptb_rela[^ ]* direct-action.* id \([0-9]*\).*/\1/p'; }
xdp_id() { in2 ip -j link show dev "$A2IF" | jq -r '.[0].xdp.prog.id // empty'; }
id0=$(relay_id) x0=$(xdp_id)
out=$(in2 "$DSLITECTL" aftr attach dev "$A2IF" mode generic node-id 2 \
	anycast $ANY peer 2001:db8:a1::2 relay-rate 50 2>&1)
rc=$?
diag "$out"
id1=$(relay_id) x1=$(xdp_id)
if [ $rc = 0 ] && [[ $out = *"upgraded in place"* ]] && [ -n "$id0" ] &&
   [ -n "$id1" ] && [ "$id0" != "$id1" ] && [ -n "$x1" ] && [ "$x0" != "$x1" ]; then
	tap_ok "A2 upgraded in place: XDP program $x0 -> $x1, relay filter program $id0 -> $id1"
else
	tap_fail "A2 upgraded in place: new XDP and relay programs" \
		"rc $rc, xdp $x0 -> $x1, relay $id0 -> $id1: $out"
fi
tap_expect "one relay filter on clsact ingress" 1 \
	"$(in2 tc filter show dev "$A2IF" ingress | grep -c 'dslite_ptb_rela')"
b1=$(c1) b2=$(c2)
inme "$PTB" -d $ANY -q $ANY -b $B4 -n 1 >/dev/null
busywait 3000 __copy_in_again
tap_expect "after the upgrade: one PTB relayed once by the new filter" \
	'{"xdp_pass":1,"pass_ptb_relay":1,"ptb_seen":1,"ptb_relayed":1}' \
	"$(ptb_delta "$b2" "$(c2)")"
tap_expect "after the upgrade: A1 got the copy" \
	'{"xdp_pass":1,"pass_ptb_peer":1,"ptb_seen":1}' "$(ptb_delta "$b1" "$(c1)")"
out=$(in2 "$DSLITECTL" aftr attach dev "$A2IF" mode generic node-id 2 \
	anycast $ANY 2>&1)
rc=$?
tap_expect "upgraded again without a peer: no relay filter left, same link" \
	"0:0:1" "$rc:$(in2 tc filter show dev "$A2IF" ingress | grep -c dslite_ptb_rela):$([ -n "$(xdp_id)" ] && echo 1)"
b2=$(c2)
out=$(inme ping -6 -c 1 -W 2 $ANY 2>&1)
tap_expect "and still answering (ICMPv6 echo to the anycast address)" 1 \
	"$(delta "$b2" "$(c2)" | jq '.tx_ping6')"

# --- detach: filter and pins gone
out=$(in2 "$DSLITECTL" aftr detach dev "$A2IF" 2>&1)
tap_expect "A2 detached" "0:" "$?:$out"
tap_expect "no relay filter left, nothing pinned" ":" \
	"$(in2 tc filter show dev "$A2IF" ingress | grep -c dslite_ptb_rela | sed 's/^0$//'):$(pinned "$A2IF")"
tap_done
