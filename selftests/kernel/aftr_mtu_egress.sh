#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The per-softwire MTU at egress, on Debian's kernel with a real ip6tnl:
# the AFTR learnt the B4's path MTU (1400) from a PTB, its kernel forgot
# it (the route cache flushed, as a full path MTU cache does at scale);
# a 1450-byte IPv4 datagram with DF from the Internet host toward the B4
# leaves as a 1498-byte softwire packet, and dslite_mtu_egress turns it
# into the PTB the path would have sent, to the AFTR's own ingress:
#   - the AFTR's kernel has the MTU again (ip -6 route get B4 from AFTR);
#   - the sender got the ICMPv4 fragmentation-needed (its route cache
#     toward the B4 holds 1400 less the tunnel's overhead: 1352 behind
#     ip6tnl's encapsulation limit option, 1360 from a collect_md device,
#     which sends none);
#   - for a per-B4 ip6tnl and for one collect_md (external) ip6tnl with
#     an encap route per B4, then with a nexthop object per B4 ("nexthop
#     add id I encap ip6 ...", "route add ... nhid I").
#
#  [SRV] 203.0.113.1 --- 203.0.113.2 [AFTR] eth 2001:db8:1::1 ==== [B4] 2001:db8:1::2
#   ping -M do -s 1422                 ds (ip6tnl) / dsmd (external)     ds: 192.0.0.2
#                                      XDP dslite_aftr, tc egress
#                                      dslite_mtu_egress, record 1400
#
. "$(dirname "$0")/../lib.sh"

require_root
require_bpffs
require_cmd jq nsenter ping
PTB=$DSLITE_ROOT/build/tests/ptb_send
[ -x "$PTB" ] || { tap_fail "test programs built" "run make tests first"; tap_done; }
for m in ip6_tunnel veth sch_ingress cls_bpf; do
	modprobe "$m" || tap_skip_all "cannot load $m"
done

setup_ns SRV AFTR B4 || tap_skip_all "cannot create network namespaces"
ns_run() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }

if ! ip link add s0 netns "$SRV" type veth peer name a0 netns "$AFTR" ||
   ! ip link add a1 netns "$AFTR" type veth peer name b1 netns "$B4"; then
	tap_fail "the topology" "veth pairs could not be made"
	tap_done
fi
ip -n "$SRV" addr add 203.0.113.1/24 dev s0
ip -n "$SRV" link set s0 up
ip -n "$SRV" route add 192.0.0.0/29 via 203.0.113.2
ip -n "$AFTR" addr add 203.0.113.2/24 dev a0
ip -n "$AFTR" link set a0 up
ip -n "$AFTR" addr add 2001:db8:1::1/64 dev a1 nodad
ip -n "$AFTR" link set a1 up
ip netns exec "$AFTR" sysctl -qw net.ipv4.ip_forward=1
ip -n "$B4" addr add 2001:db8:1::2/64 dev b1 nodad
ip -n "$B4" link set b1 up
ip -n "$B4" link add ds type ip6tnl mode ipip6 local 2001:db8:1::2 remote 2001:db8:1::1
ip -n "$B4" addr add 192.0.0.2/29 dev ds
ip -n "$B4" link set ds up
# the B4 answers nothing: only the AFTR's side matters
ip -n "$B4" link set b1 mtu 1500

out=$(ns_run "$AFTR" "$DSLITECTL" aftr attach dev a1 mtu-entries 1000 mode generic 2>&1)
tap_expect "aftr attach dev a1 mtu-entries 1000" "0:" "$?:$out"
defer "nsenter --net=/run/netns/$AFTR $DSLITECTL aftr detach dev a1"
if ns_run "$AFTR" tc filter show dev a1 egress | grep -q dslite_mtu_egr; then
	tap_ok "dslite_mtu_egress on a1's clsact egress"
else
	tap_fail "dslite_mtu_egress on a1's clsact egress" "$(ns_run "$AFTR" tc filter show dev a1 egress)"
fi

counter() { ns_run "$AFTR" "$DSLITECTL" -j aftr stats dev a1 | jq ".[0].counters.$1"; }

# learn 1400 toward the B4 from a PTB, then let the kernel forget it
learn() {
	ip netns exec "$B4" "$PTB" -d 2001:db8:1::1 -q 2001:db8:1::1 -b 2001:db8:1::2 \
		-m 1400 -n 1 >/dev/null
	__learnt() { ns_run "$AFTR" "$DSLITECTL" -j aftr mtu dev a1 |
		     "$JQ" -e '.[] | select(.b4 == "2001:db8:1::2" and .mtu == 1400)'; }
	slowwait 10 __learnt
}

aftr_pmtu() {
	ip -n "$AFTR" -6 route get 2001:db8:1::2 from 2001:db8:1::1 |
		sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}
srv_pmtu() {
	ip -n "$SRV" route get 192.0.0.2 | sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}

# one_case NAME INNER_MTU: the tunnel set up, the record learnt: the DF
# datagram; INNER_MTU: what the sender must be told (1400 less the
# tunnel's overhead: 48 with ip6tnl's encapsulation limit option, 40
# without, as a collect_md device sends)
one_case() {
	local name=$1 inner=$2 made0 made pe

	if learn; then
		tap_ok "$name: the PTB about 2001:db8:1::2 learnt: record 1400"
	else
		tap_fail "$name: the PTB about 2001:db8:1::2 learnt: record 1400" \
			"$(ns_run "$AFTR" "$DSLITECTL" -j aftr mtu dev a1)"
	fi
	ip -n "$AFTR" -6 route flush cache
	ip -n "$SRV" route flush cache
	tap_expect "$name: the AFTR's kernel forgot the path MTU" "" "$(aftr_pmtu)"
	made0=$(counter mtu_ptb_made)
	out=$(ip netns exec "$SRV" ping -c 1 -W 2 -M do -s 1422 192.0.0.2 2>&1)
	made=$(counter mtu_ptb_made)
	diag "$name: ping: $(tr '\n' ' ' <<<"$out" | cut -c1-200)"
	if [ "$made" -gt "$made0" ]; then
		tap_ok "$name: the 1498-byte softwire packet became a PTB (mtu_ptb_made +$((made - made0)))"
	else
		tap_fail "$name: the 1498-byte softwire packet became a PTB" "mtu_ptb_made $made0 -> $made"
	fi
	__aftr_has() { [ "$(aftr_pmtu)" = 1400 ]; }
	if slowwait 5 __aftr_has; then
		tap_ok "$name: ip -6 route get B4 from AFTR: mtu 1400"
	else
		tap_fail "$name: ip -6 route get B4 from AFTR: mtu 1400" \
			"$(ip -n "$AFTR" -6 route get 2001:db8:1::2 from 2001:db8:1::1)"
	fi
	__srv_has() { [ "$(srv_pmtu)" = "$inner" ]; }
	if slowwait 5 __srv_has; then
		tap_ok "$name: the sender got the fragmentation-needed: its route toward the B4 has mtu $inner"
	else
		tap_fail "$name: the sender got the fragmentation-needed" \
			"$(ip -n "$SRV" route get 192.0.0.2 | tr "\n" " "); ping: $out"
	fi
	pe=$(ip netns exec "$SRV" ping -c 1 -W 2 -M do -s 1422 192.0.0.2 2>&1)
	if grep -qiE "message too long|frag needed|mtu" <<<"$pe"; then
		tap_ok "$name: the sender's next DF datagram of 1450 is refused locally"
	else
		tap_fail "$name: the sender's next DF datagram of 1450 is refused locally" "$pe"
	fi
}

# --- one ip6tnl per B4
ip -n "$AFTR" link add ds type ip6tnl mode ipip6 local 2001:db8:1::1 remote 2001:db8:1::2
ip -n "$AFTR" addr add 192.0.0.1/29 dev ds
ip -n "$AFTR" link set ds up
one_case "per-B4 ip6tnl" 1352
ip -n "$AFTR" link del ds

# --- one collect_md ip6tnl, a route per B4
ip -n "$AFTR" link add dsmd type ip6tnl external
ip -n "$AFTR" addr add 192.0.0.1/32 dev dsmd
ip -n "$AFTR" link set dsmd up
ip -n "$AFTR" route add 192.0.0.2/32 encap ip6 dst 2001:db8:1::2 src 2001:db8:1::1 dev dsmd
one_case "collect_md ip6tnl" 1360

# --- the same device, the B4 as a nexthop object (anycast.md's setup)
ip -n "$AFTR" route del 192.0.0.2/32
ip -n "$AFTR" nexthop add id 1 encap ip6 dst 2001:db8:1::2 src 2001:db8:1::1 dev dsmd
ip -n "$AFTR" route add 192.0.0.2/32 nhid 1
one_case "collect_md ip6tnl, nexthop object" 1360

tap_done
