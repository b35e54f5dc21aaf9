#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dslitectl ping on this kernel (no ip6tnl here): IPv4-in-IPv6 echo built
# by dslitectl and sent directly over IPv6 to an AFTR whose XDP responder
# answers inside the softwire. Exact counts on both sides; two pings at
# once each take only their own replies (identifier in the socket filter);
# an address nobody answers is 100% loss with exit 1.
#
#   [ netns B: the B4 ]                          [ netns A: the AFTR ]
#     $BIF 2001:db8:b::2/64 <====== veth ======>  $AIF 2001:db8:b::1/64
#     XDP_PASS (so XDP_TX frames arrive)          dslite_aftr (XDP, native):
#     dslitectl ping aftr 2001:db8:b::1           answers 192.0.0.1 in softwires
#
# dslitectl aftr runs in A through nsenter --net (not "ip netns exec",
# which hides the host's BPF file system).

. "$(dirname "$0")/../lib.sh"

require_root
require_bpffs
require_cmd jq nsenter
PEER=$DSLITE_ROOT/build/tests/aftr_peer
if [ ! -x "$PEER" ] || [ ! -x "$DSLITECTL" ]; then
	tap_fail "test programs built" "run make tests first"
	tap_done
fi
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
	tap_skip_all "no BPF file system at /sys/fs/bpf"

setup_ns A B || tap_skip_all "cannot create network namespaces"
sfx=${A#A-}
AIF=pa$sfx
BIF=pb$sfx
tmp=$(mktemp -d)
defer "rm -rf $tmp"
inA() { nsenter --net="/run/netns/$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }

ip link add "$AIF" netns "$A" type veth peer name "$BIF" netns "$B" ||
	tap_skip_all "no veth"
ip -n "$A" addr add 2001:db8:b::1/64 dev "$AIF" nodad
ip -n "$B" addr add 2001:db8:b::2/64 dev "$BIF" nodad
ip -n "$A" link set "$AIF" up
ip -n "$B" link set "$BIF" up
defer "inA $DSLITECTL aftr detach dev $AIF"
inA "$DSLITECTL" aftr attach dev "$AIF" >/dev/null ||
	{ tap_fail "aftr attach dev $AIF"; tap_done; }
inB "$PEER" xdp-pass "$BIF" || tap_skip_all "no native XDP on veth"
tx_ping() { inA "$DSLITECTL" -j aftr stats dev "$AIF" | jq -r '.[0].counters.tx_ping'; }
pj() { jq -r "$2" "$1"; }

c0=$(tx_ping)
inB "$DSLITECTL" -j ping aftr 2001:db8:b::1 count 4 interval 50 >"$tmp/one"
rc=$?
c1=$(tx_ping)
tap_expect "direct, no tunnel: exit 0" 0 "$rc"
tap_expect "direct, no tunnel: path, AFTR, no device, kernel's source" \
	"direct 2001:db8:b::1 null null" "$(pj "$tmp/one" '"\(.path) \(.aftr) \(.dev) \(.source)"')"
tap_expect "4 sent, 4 received, 0% loss, no duplicates, none late" "4 4 0 0 0" \
	"$(pj "$tmp/one" '"\(.transmitted) \(.received) \(."loss-percent") \(.duplicates) \(.late)"')"
tap_expect "replies 1..4, ttl 64, 64 bytes each" "1:64:64 2:64:64 3:64:64 4:64:64" \
	"$(pj "$tmp/one" '[.replies[] | "\(.seq):\(.ttl):\(.bytes)"] | join(" ")')"
tap_expect "the XDP responder answered exactly 4" 4 $((c1 - c0))
diag "direct to XDP over veth: rtt min/avg/max $(pj "$tmp/one" '"\(."rtt-min-us")/\(."rtt-avg-us")/\(."rtt-max-us")"') us"

# Two at once, same sequence numbers: each must see its own replies only.
inB "$DSLITECTL" -j ping aftr 2001:db8:b::1 count 10 interval 20 >"$tmp/a" &
pa=$!
inB "$DSLITECTL" -j ping aftr 2001:db8:b::1 count 10 interval 20 >"$tmp/b" &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
c2=$(tx_ping)
tap_expect "two at once: both exit 0" "0 0" "$ra $rb"
tap_expect "two at once: 10/10 each, no duplicates" "10 10 0|10 10 0" \
	"$(pj "$tmp/a" '"\(.transmitted) \(.received) \(.duplicates)"')|$(pj "$tmp/b" '"\(.transmitted) \(.received) \(.duplicates)"')"
tap_expect "two at once: 20 answers from XDP" 20 $((c2 - c1))

# Nobody at that address: the IPv6 packets go nowhere.
inB "$DSLITECTL" -j ping aftr 2001:db8:b::99 count 2 interval 50 timeout 200 >"$tmp/dead"
rc=$?
tap_expect "no AFTR: exit 1, 2 sent, 0 received, 100% loss" "1 2 0 100" \
	"$rc $(pj "$tmp/dead" '"\(.transmitted) \(.received) \(."loss-percent")"')"
tap_expect "no AFTR: the responder saw nothing" "$c2" "$(tx_ping)"

# The reply must come from the AFTR pinged: a second address of A is
# answered by XDP from that address, and counts for a ping to it only.
ip -n "$A" addr add 2001:db8:b::7/64 dev "$AIF" nodad
inB "$DSLITECTL" -j ping aftr 2001:db8:b::7 count 2 interval 50 >"$tmp/seven"
tap_expect "another address of the AFTR: answered from it" "2 2001:db8:b::7" \
	"$(pj "$tmp/seven" '"\(.received) \(.aftr)"')"

tap_done
