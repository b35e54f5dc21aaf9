#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dslitectl ping on a real ip6tnl softwire: through the tunnel to the
# active AFTR, answered by the XDP responder (its tx_ping counter proves
# it); encapsulated directly to a standby AFTR while the tunnel points
# elsewhere (the kernel of the standby answers through its own ip6tnl,
# and the B4's ip6tnl does not swallow the reply); directly to the active
# AFTR while dslite.ko holds the tunnel's carrier down; a dead AFTR is 100%
# loss with exit 1; a second softwire makes "dev" necessary; text and JSON.
#
#                           [ netns B: the B4 ]
#                             lo 2001:db8:b4::2 (the softwire's local end)
#                             ds0 ip6tnl -> 2001:db8:1::1, 192.0.0.2/29
#                             (later ds1 ip6tnl -> 2001:db8:2::1)
#              v1 (XDP_PASS)         |  v2                    |  v3
#   2001:db8:1::2/64                 |  2001:db8:2::2/64      |  2001:db8:3::2/64
#         |                          |                        |
#   [ netns A1: active AFTR ]  [ netns A2: standby AFTR ]  [ netns A3: dead ]
#     a1 2001:db8:1::1/64        a2 2001:db8:2::1/64          a3 2001:db8:3::1/64
#     dslite_aftr XDP (native)   ds0 ip6tnl -> 2001:db8:b4::2 (nothing answers)
#     no ip6tnl, no 192.0.0.1    192.0.0.1/29: the kernel answers
. "$(dirname "$0")/../lib.sh"

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
require_root
require_cmd jq nsenter
for m in ip6_tunnel veth; do
	modprobe "$m" 2>/dev/null || tap_skip_all "no $m module"
done
PEER=$DSLITE_ROOT/build/tests/aftr_peer
[ -x "$PEER" ] || { tap_fail "test programs built" "run make tests first"; tap_done; }
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null ||
	tap_skip_all "no BPF file system at /sys/fs/bpf"

setup_ns B A1 A2 A3 || tap_skip_all "cannot create network namespaces"
inB() { ip netns exec "$B" "$@"; }
# dslitectl aftr needs the host's bpffs: nsenter --net keeps the mounts
inA1() { nsenter --net="/run/netns/$A1" "$@"; }

B4=2001:db8:b4::2
ip -n "$B" addr add $B4/128 dev lo
for i in 1 2 3; do
	eval "ns=\$A$i"
	ip link add v$i netns "$B" type veth peer name a$i netns "$ns"
	ip -n "$B" addr add 2001:db8:$i::2/64 dev v$i nodad
	ip -n "$ns" addr add 2001:db8:$i::1/64 dev a$i nodad
	ip -n "$B" link set v$i up
	ip -n "$ns" link set a$i up
	ip -n "$ns" route add $B4/128 via 2001:db8:$i::2
done
# Resolve the neighbours first, so no measured echo waits for them.
for i in 1 2 3; do
	ip netns exec "$B" ping -6 -n -q -c 1 -W 5 2001:db8:$i::1 >/dev/null ||
		tap_fail "2001:db8:$i::1 answers ping6 before the test"
done
ip -n "$B" link add ds0 type ip6tnl mode ipip6 local $B4 remote 2001:db8:1::1
ip -n "$B" addr add 192.0.0.2/29 dev ds0
ip -n "$B" link set ds0 up
ip -n "$A2" link add ds0 type ip6tnl mode ipip6 local 2001:db8:2::1 remote $B4
ip -n "$A2" addr add 192.0.0.1/29 dev ds0
ip -n "$A2" link set ds0 up

# The active AFTR: the XDP responder, nothing else answers 192.0.0.1 there.
defer "inA1 $DSLITECTL aftr detach dev a1"
if ! inA1 "$DSLITECTL" aftr attach dev a1 >/dev/null; then
	tap_fail "aftr attach dev a1"
	tap_done
fi
# XDP_TX frames reach a veth only while it runs an XDP program itself.
inB "$PEER" xdp-pass v1 || tap_skip_all "no native XDP on veth"
tx_ping() { inA1 "$DSLITECTL" -j aftr stats dev a1 | jq -r '.[0].counters.tx_ping'; }
a2_rx() { ip -n "$A2" -j -s link show ds0 | jq -r '.[0].stats64.rx.packets'; }
pj() { jq -r "$1" "$tmp/out"; }
tmp=$(mktemp -d)
defer "rm -rf $tmp"

# ---- through the tunnel, answered by XDP -------------------------------
c0=$(tx_ping)
inB "$DSLITECTL" -j ping count 3 interval 100 >"$tmp/out"
rc=$?
c1=$(tx_ping)
tap_expect "tunnel: exit 0" 0 "$rc"
tap_expect "tunnel: the only softwire is used, path tunnel, AFTR its remote" \
	"tunnel ds0 2001:db8:1::1 null" "$(pj '"\(.path) \(.dev) \(.aftr) \(.source)"')"
tap_expect "tunnel: 3 sent, 3 received, 0% loss, no duplicates" "3 3 0 0" \
	"$(pj '"\(.transmitted) \(.received) \(."loss-percent") \(.duplicates)"')"
tap_expect "tunnel: replies seq 1 2 3, ttl 64, 64 bytes" "1:64:64 2:64:64 3:64:64" \
	"$(pj '[.replies[] | "\(.seq):\(.ttl):\(.bytes)"] | join(" ")')"
tap_expect "tunnel: rtt min <= avg <= max, all set" true \
	"$(pj '."rtt-min-us" <= ."rtt-avg-us" and ."rtt-avg-us" <= ."rtt-max-us" and ."rtt-max-us" > 0')"
tap_expect "tunnel: the XDP responder answered exactly 3 (tx_ping $c0 -> $c1)" 3 $((c1 - c0))
diag "tunnel to XDP: rtt min/avg/max $(pj '"\(."rtt-min-us")/\(."rtt-avg-us")/\(."rtt-max-us")"') us"

txt=$(inB "$DSLITECTL" ping dev ds0 count 2 interval 100)
rc=$?
c2=$(tx_ping)
tap_expect "tunnel, text: exit 0" 0 "$rc"
tap_expect "tunnel, text: header" "PING 192.0.0.1 through ds0 (AFTR 2001:db8:1::1): 56 data bytes" \
	"$(echo "$txt" | head -n 1)"
tap_expect "tunnel, text: one line per reply" 2 \
	"$(echo "$txt" | grep -cE '^64 bytes from 192\.0\.0\.1: icmp_seq=[12] ttl=64 time=[0-9]+\.[0-9]{3} ms$')"
tap_expect "tunnel, text: statistics" "2 packets transmitted, 2 received, 0% packet loss" \
	"$(echo "$txt" | grep 'packets transmitted' | sed 's/, time .*//')"
if echo "$txt" | grep -qE '^rtt min/avg/max = [0-9.]+/[0-9.]+/[0-9.]+ ms$'; then
	tap_ok "tunnel, text: rtt min/avg/max line"
else
	tap_fail "tunnel, text: rtt min/avg/max line" "$txt"
fi
tap_expect "tunnel, text: 2 more answers from XDP" 2 $((c2 - c1))

# ---- a standby AFTR, encapsulated directly -----------------------------
r0=$(a2_rx)
inB "$DSLITECTL" -j ping aftr 2001:db8:2::1 count 3 interval 100 >"$tmp/out"
rc=$?
r1=$(a2_rx)
c3=$(tx_ping)
tap_expect "standby: exit 0" 0 "$rc"
tap_expect "standby: path direct from the tunnel's local address" \
	"direct ds0 2001:db8:2::1 $B4" "$(pj '"\(.path) \(.dev) \(.aftr) \(.source)"')"
tap_expect "standby: 3 sent, 3 received (through B's ip6tnl that points elsewhere)" "3 3 0" \
	"$(pj '"\(.transmitted) \(.received) \(."loss-percent")"')"
tap_expect "standby: the requests arrived at A2's tunnel (rx $r0 -> $r1)" 3 $((r1 - r0))
tap_expect "standby: the active AFTR saw none of them" 0 $((c3 - c2))
diag "direct to a kernel AFTR: rtt min/avg/max $(pj '"\(."rtt-min-us")/\(."rtt-avg-us")/\(."rtt-max-us")"') us"
txt=$(inB "$DSLITECTL" ping aftr 2001:db8:2::1 count 1)
tap_expect "standby, text: header says direct and why" \
	"PING 192.0.0.1 encapsulated to AFTR 2001:db8:2::1 from $B4 (not the tunnel's remote): 56 data bytes" \
	"$(echo "$txt" | head -n 1)"

# ---- a dead AFTR -------------------------------------------------------
inB "$DSLITECTL" -j ping aftr 2001:db8:3::1 count 3 interval 100 timeout 300 >"$tmp/out"
rc=$?
tap_expect "dead AFTR: exit 1" 1 "$rc"
tap_expect "dead AFTR: 3 sent, 0 received, 100% loss, no rtt" "3 0 100 null []" \
	"$(pj '"\(.transmitted) \(.received) \(."loss-percent") \(."rtt-avg-us") \(.replies)"')"
txt=$(inB "$DSLITECTL" ping aftr 2001:db8:3::1 count 2 interval 100 timeout 300)
rc=$?
tap_expect "dead AFTR, text: exit 1 and 100% packet loss" \
	"1 2 packets transmitted, 0 received, 100% packet loss" \
	"$rc $(echo "$txt" | grep 'packets transmitted' | sed 's/, time .*//')"
tap_expect "dead AFTR, text: no rtt line" 0 "$(echo "$txt" | grep -c '^rtt')"

# ---- the active AFTR while dslite.ko holds the tunnel down -------------
if [ -r "$DSLITE_KO" ] && { grep -q '^dslite ' /proc/modules || insmod "$DSLITE_KO"; }; then
	defer "rmmod dslite"
	inB "$DSLITECTL" tunnel set dev ds0 carrier down diag control-expired
	nocarrier() { [ "$(inB cat /sys/class/net/ds0/carrier)" = 0 ]; }
	busywait 2000 nocarrier
	c4=$(tx_ping)
	inB "$DSLITECTL" -j ping count 2 interval 100 >"$tmp/out"
	rc=$?
	c5=$(tx_ping)
	tap_expect "no carrier: exit 0, path direct to the tunnel's remote" \
		"0 direct 2001:db8:1::1 2 2" \
		"$rc $(pj '"\(.path) \(.aftr) \(.transmitted) \(.received)"')"
	tap_expect "no carrier: the XDP responder answered both" 2 $((c5 - c4))
	txt=$(inB "$DSLITECTL" ping count 1)
	tap_expect "no carrier, text: the header says why" \
		"PING 192.0.0.1 encapsulated to AFTR 2001:db8:1::1 from $B4 (the tunnel has no carrier): 56 data bytes" \
		"$(echo "$txt" | head -n 1)"
	inB "$DSLITECTL" tunnel set dev ds0 carrier up
else
	tap_skip "no carrier: direct to the tunnel's remote" "dslite.ko not loadable"
fi

# ---- a second softwire -------------------------------------------------
ip -n "$B" link add ds1 type ip6tnl mode ipip6 local $B4 remote 2001:db8:2::1
ip -n "$B" link set ds1 up
err=$(inB "$DSLITECTL" ping count 1 2>&1 >/dev/null)
rc=$?
tap_expect "two softwires, no dev: exit 2 naming both" \
	"2 dslitectl: ping: 2 softwires (ds0, ds1): give dev IFNAME" "$rc $err"
ip -n "$B" addr del 192.0.0.2/29 dev ds0
err=$(inB "$DSLITECTL" ping dev ds1 count 1 2>&1 >/dev/null)
rc=$?
tap_expect "192.0.0.2 on no device: exit 2 with the fix" \
	"2 dslitectl: ping: 192.0.0.2 is not configured (ip addr add 192.0.0.2/29 dev ds1)" "$rc $err"
ip -n "$B" addr add 192.0.0.2/29 dev ds1
r0=$(a2_rx)
inB "$DSLITECTL" -j ping dev ds1 count 2 interval 100 >"$tmp/out"
rc=$?
r1=$(a2_rx)
tap_expect "dev ds1: through the tunnel to A2, answered by its kernel" "0 tunnel ds1 2001:db8:2::1 2" \
	"$rc $(pj '"\(.path) \(.dev) \(.aftr) \(.received)"')"
tap_expect "dev ds1: A2's tunnel received both" 2 $((r1 - r0))

# ---- usage and lookup errors -------------------------------------------
err=$(inB "$DSLITECTL" ping count x 2>&1)
tap_expect "usage: bad count, exit 1" \
	"1 dslitectl: ping: count \"x\" is not a number 0..4294967295" "$? $err"
err=$(inB "$DSLITECTL" ping interval 0 2>&1)
tap_expect "usage: interval 0, exit 1" \
	"1 dslitectl: ping: interval \"0\" is not 1..3600000 ms" "$? $err"
err=$(inB "$DSLITECTL" ping aftr 192.0.0.1 2>&1)
tap_expect "usage: IPv4 AFTR, exit 1" \
	"1 dslitectl: ping: \"192.0.0.1\" is not an IPv6 address" "$? $err"
err=$(inB "$DSLITECTL" ping dev nosuch0 2>&1)
tap_expect "unknown device: exit 2" "2 dslitectl: ping: nosuch0: no such device" "$? $err"
err=$(inB "$DSLITECTL" ping dev v1 2>&1)
tap_expect "not a tunnel: exit 2" "2 dslitectl: ping: v1: not an ip6tnl device (kind veth)" "$? $err"
ip -n "$B" link add ds6 type ip6tnl mode ip6ip6 local $B4 remote 2001:db8:3::1
err=$(inB "$DSLITECTL" ping dev ds6 2>&1)
tap_expect "an ip6ip6 tunnel: exit 2" "2 dslitectl: ping: ds6: does not carry IPv4 (ip6tnl mode ip6ip6)" "$? $err"

tap_done
