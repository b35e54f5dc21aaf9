#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The anycast AFTR group behind BGP with BIRD on the members instead of
# FRR (Documentation/examples/bird-aftr.conf), FRR on the router: BIRD
# learns the supervisor's kernel route (protocol 77) and announces it;
# a fault on A1's NAT interface withdraws it (times printed), A1's B4
# comes Up on A2 and its traffic flows again, A2's B4 loses nothing;
# the return announces it again.
#
#  [B1] ==> [R] FRR bgpd, ECMP ==> [A1] BIRD, node 1 ==NAT==> [INET]
#  [B2] ==>                    ==> [A2] BIRD, node 2 ==NAT==>
#  (selftests/anycast_bgp_lib.sh; health: interval 200 ms, rise 3,
#   fall 3, hold-down 2 s)
#
# Not in make check (make check-bgp runs it): about 220 s of VM time
# under load, well above what one more daemon's variant of
# anycast_bgp.sh is worth there.
# make check: no
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../anycast_bgp_lib.sh"

require_root
require_cmd jq nsenter ping stdbuf bird
[ -x /usr/lib/frr/bgpd ] && [ -x /usr/lib/frr/zebra ] ||
	tap_skip_all "FRR's bgpd and zebra not installed"
kmod_load || tap_skip_all "cannot load dslite.ko"
anycast_bgp_topo 2 || tap_skip_all "cannot build the topology"
require_bpffs

for i in 1 2; do
	member_attach $i || { tap_fail "member $i: responder attached"; tap_done; }
done
r_monitor
if anycast_bgp_daemons bird; then
	tap_ok "FRR on the router, BIRD on both members"
else
	tap_fail "FRR on the router, BIRD on both members"
	tap_done
fi
for i in 1 2; do
	health_start $i interval 200 rise 3 fall 3 hold-down 2000 ||
		tap_fail "member $i: health supervisor answers" "$(hlog $i)"
done
if r_wait "a1 a2" 60000; then
	tap_ok "router: ECMP route to $ANYCAST via both BIRD members"
else
	tap_fail "router: ECMP route to $ANYCAST via both BIRD members" \
		"$(hlog 1 | tail -3) $(cat "$BIRD_A1/bird.log" | tail -5)"
	tap_done
fi
if anycast_bgp_place && anycast_bgp_b4s; then
	tap_ok "the router forwards B1's softwire to A1, B2's to A2"
else
	tap_fail "the router forwards B1's softwire to A1, B2's to A2" \
		"$(ip netns exec "$R" nft list table ip6 place)"
	tap_done
fi
for k in 1 2; do b4k_start $k; done
if b4_roles 40000; then
	tap_ok "B4s Up, one on each member (B$ON_A1 on node 1, B$ON_A2 on node 2)"
else
	tap_fail "B4s Up, one on each member" "$(b4k_log 1 | tail -2) $(b4k_log 2 | tail -2)"
	ON_A1=1 ON_A2=2
fi
k1=$ON_A1 k2=$ON_A2
now=$(now_ms)
for k in 1 2; do
	pwait 10000 __b4k_reply_after $k "$now" ||
		tap_fail "B$k: traffic flows" "$(b4k_flow $k | tail -2)"
done

fault=$(now_ms)
ip -n "$A1" link set a1-in down
if r_wait "a2" 20000; then
	conv=$(now_ms)
	tap_ok "fault: BIRD withdrew A1, the router dropped it"
else
	conv=$fault
	tap_fail "fault: BIRD withdrew A1, the router dropped it" "$(hlog 1 | tail -4)"
fi
if b4k_wait_node $k1 2 30000 && b4k_wait_reply $k1 "$(now_ms)" 10000; then
	tap_ok "B$k1: Up on A2 (node 2), traffic flows again"
else
	tap_fail "B$k1: Up on A2 (node 2), traffic flows again" "$(b4k_log $k1 | tail -4)"
fi
read -r gap lost end _ <<<"$(b4k_outage $k1 "$fault")"
conv=$(r_changed_at "$fault" a2 || echo "$conv")
diag "BIRD: fault at 0 ms: withdrawn at $(($(health_event_at 1 withdrawn) - fault)) ms, router converged at $((conv - fault)) ms, B$k1 flowing again at $(( ${end/-/$fault} - fault)) ms (outage $gap ms)"
read -r gap lost end _ <<<"$(b4k_outage $k2 "$fault")"
tap_expect "B$k2 (on A2): no echo request lost" 0 "$lost"

up1=$(now_ms)
ip -n "$A1" link set a1-in up
if r_wait "a1 a2" 30000; then
	back=$(r_changed_at "$up1" "a1 a2" || now_ms)
	diag "BIRD: interface up at 0 ms: announced at $(($(health_event_at 1 announced) - up1)) ms (hold-down 2000 ms from the fault), router converged at $((back - up1)) ms"
	tap_ok "return: BIRD announces A1 again"
else
	tap_fail "return: BIRD announces A1 again" "$(hlog 1 | tail -4)"
fi
if b4_roles 30000; then
	tap_ok "both members serve a B4 again"
else
	tap_fail "both members serve a B4 again" "$(b4k_log 1 | tail -2) $(b4k_log 2 | tail -2)"
fi
tap_done
