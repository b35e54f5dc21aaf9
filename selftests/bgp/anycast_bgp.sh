#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An anycast AFTR group that scales out on BGP: route health injection
# by "dslitectl aftr health run", FRR's bgpd on the members and on the
# router (ECMP), two B4s over real ip6tnl softwires (one on each member:
# where the router forwards a B4's softwire is observed on the router
# before the B4 starts, see anycast_bgp_place), an Internet host behind
# both NATs, miniupnpd on both members as the PCP server of B1. Timers:
# BGP keepalive 3 s hold 15 s (withdrawals are explicit), health interval
# 200 ms, rise 3, fall 3, hold-down 4 s (the flap's is counted from its
# unfit: whatever the steps before took, the flap is held down); the B4s'
# BFD 1 s x 3 (a VM starved for a second by the other VMs of a loaded
# machine must not take a B4 Down where detection is not what a step
# measures). Every time printed comes from the daemons' own timestamps
# (health events, the router's route monitor, the B4s' logs and their
# pings' replies), not from when the test looked.
#
#   steady state   both members announced, the router's route has both;
#                  every B4 Up on the member the router forwards it to
#                  (node id), traffic flows; B1 (health bfd+pcp) has its
#                  PCP mapping on A1's miniupnpd; a PTB that hashes to
#                  the wrong member is relayed
#   fault          A1's NAT external interface goes down: A1 unfit, its
#                  route withdrawn, the router drops it, A1's B4s come
#                  Up on A2 ("AFTR changed", node 1 -> 2) and their
#                  traffic flows again; B1 re-maps on A2 (its mapping in
#                  A2's miniupnpd, A2's external address); A2's B4s lose
#                  nothing. Printed: fault -> withdrawal -> router
#                  converged -> traffic, -> re-mapped.
#   return, flap   the interface comes back: A1 announced again after
#                  its hold-down; it goes down (unfit) and up again: held
#                  down, announced only after its hold-down and rise; its
#                  B4s go back to it
#   drain          A2 drained: withdrawn, its B4s move to A1 without loss
#                  on A1's; resumed: announced again
#
#  [B1, B2] ds0 ==softwires==> [R] FRR bgpd, ECMP ==> [A1] node 1 ==NAT==> [INET]
#   b4 run, ping                    hash: addresses     [A2] node 2 ==NAT==>
#   B1: health bfd+pcp
#                     each Ai: XDP responder, ip6tnl per B4, bgpd (FRR),
#                     dslitectl aftr health run, miniupnpd on ds1
#                     (192.0.0.1, external ai-in) (selftests/anycast_bgp_lib.sh)
#
# vm-timeout: 600
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../anycast_bgp_lib.sh"
. "$(dirname "$0")/../miniupnpd_lib.sh"

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
require_root
require_cmd jq nsenter ping stdbuf nft miniupnpd python3
[ -x /usr/lib/frr/bgpd ] && [ -x /usr/lib/frr/zebra ] ||
	tap_skip_all "FRR's bgpd and zebra not installed"
PTB_SEND=$DSLITE_ROOT/build/tests/ptb_send
[ -x "$PTB_SEND" ] || tap_skip_all "$PTB_SEND not built (make tests)"
kmod_load || tap_skip_all "cannot load dslite.ko"
anycast_bgp_topo 2 || tap_skip_all "cannot build the topology"
require_bpffs
miniupnpd_modules

HOLD=4000
T0=$(now_ms)
stamp() { diag "at $(( $(now_ms) - T0 )) ms: $*"; }
HEALTH_ARGS=(interval 200 rise 3 fall 3 hold-down $HOLD)
ALL="1 2" ON_A1=1 ON_A2=2

stamp "start"
r_monitor
# the daemons start in the background, side by side with the responders'
# attach: each takes seconds of a vCPU under TCG
anycast_bgp_zebras frr || { tap_fail "FRR: zebra on the router and both members"; tap_done; }
members_attach || { tap_fail "members: responders attached"; tap_done; }
stamp "attached"
if anycast_bgp_bgpds frr; then
	tap_ok "FRR: zebra and bgpd on the router and both members"
else
	tap_fail "FRR: zebra and bgpd on the router and both members"
	tap_done
fi
stamp "bgpds started"
t0=$(now_ms)
for i in 1 2; do
	HEALTH_NOWAIT=1 health_start $i "${HEALTH_ARGS[@]}"
done
for i in 1 2; do
	pwait 30000 in_m "$i" "$DSLITECTL" aftr health status dev a$i-r ||
		tap_fail "member $i: health supervisor answers" "$(hlog $i)"
done
stamp "health"
if r_wait "a1 a2" 90000; then
	tap_ok "router: ECMP route to $ANYCAST via both members"
	diag "both members announced and installed $(($(now_ms) - t0)) ms after the supervisors started"
else
	tap_fail "router: ECMP route to $ANYCAST via both members" \
		"$(ip -n "$R" -6 route show $ANYCAST/128) $(hlog 1 | tail -3) $(hlog 2 | tail -3)"
	tap_done
fi
tap_expect "members: fit, route announced (proto 77 on lo)" \
	"true true true true" \
	"$(health_q 1 '"\(.fit) \(.announced)"') $(health_q 2 '"\(.fit) \(.announced)"')"
tap_expect "member 1: the kernel route bgpd redistributes" \
	"$ANYCAST dev lo proto 77 metric 1024 pref medium" \
	"$(ip -n "$A1" -6 route show $ANYCAST/128 | grep 'proto 77')"

stamp "place"
# --- steady state: each B4 on the member the router forwards it to
if anycast_bgp_place; then
	tap_ok "B4 addresses: the router forwards B1's softwire to A1, B2's to A2"
else
	tap_fail "B4 addresses: the router forwards B1's softwire to A1, B2's to A2" \
		"$(ip netns exec "$R" nft list table ip6 place)"
	tap_done
fi
stamp "b4 tunnels"
anycast_bgp_b4s || { tap_fail "B4 tunnels"; tap_done; }
# B1 (on A1) keeps a PCP mapping: miniupnpd on both members' end of its
# softwire
PCP_B4=1 PCP_PORT=41000
if member_pcp_start $PCP_B4; then
	tap_ok "miniupnpd on both members, 192.0.0.1:5351 on ds$PCP_B4"
else
	tap_fail "miniupnpd on both members, 192.0.0.1:5351 on ds$PCP_B4" \
		"$(in_m 1 ss -Hlun; in_m 2 ss -Hlun)"
	tap_done
fi

stamp "b4 start"
b4k_start $PCP_B4 health all:bfd+pcp pcp-port $PCP_PORT pcp-retry-max 2000
for k in $ALL; do [ $k = $PCP_B4 ] || b4k_start $k; done
node_of() { case $1 in a1) echo 1 ;; a2) echo 2 ;; esac; }
if b4_roles 90000; then
	tap_ok "B4s Up, one on each member (B$ON_A1 on node 1, B$ON_A2 on node 2)"
else
	tap_fail "B4s Up, one on each member" "$(b4k_log 1 | tail -2) $(b4k_log 2 | tail -2) $(b4k_q 1 '"\(.up) \(.peers[0]["node-id"])"') / $(b4k_q 2 '"\(.up) \(.peers[0]["node-id"])"')"
	# where the router sends them now, and what changed its route
	diag "router: $(r_nexthops); B4 sources forwarded since: $(ip netns exec "$R" nft list table ip6 place | grep -A1 'set a' | tr -s '\t\n' '  ')"
	tail -n 20 "$RMON" | sed 's/^/#   route: /'
	hlog 1 | tail -n 5 | sed 's/^/#   A1: /'
fi
tap_expect "each B4 on the member the router forwarded its probe to" \
	"1 2" "$ON_A1 $ON_A2"
stamp "b4 roles done"
# pq JQ: a value of B1's PCP status
pq() { b4k_q $PCP_B4 ".peers[0].pcp$1"; }
__mapped_on() {
	[ "$(pq '["external-address"]')" = "198.51.10$1.1" ] &&
		[ "$(member_dnat "$1" $PCP_PORT)" -ge 1 ]
}
if pwait 20000 __mapped_on 1; then
	tap_ok "B$PCP_B4: PCP mapping on A1 (external 198.51.101.1, in A1's miniupnpd rules)"
else
	tap_fail "B$PCP_B4: PCP mapping on A1 (external 198.51.101.1, in A1's miniupnpd rules)" \
		"$(b4k_q $PCP_B4 '.peers[0].pcp') $(in_m 1 nft list chain inet filter prerouting_miniupnpd)"
fi
stamp "pcp mapped"
now=$(now_ms)
for k in $ALL; do
	if b4k_wait_reply $k "$now" 10000; then
		tap_ok "B$k: traffic to $INET_HOST through its member's NAT"
	else
		tap_fail "B$k: traffic to $INET_HOST through its member's NAT" \
			"$(b4k_flow $k | tail -3)"
	fi
done

stamp "traffic"
# PTB relay: the router's own PTB goes where its hash sends it; it is
# about a B4 of the other member, which gets the relayed copy
src=2001:db8:a1::1
via=$(ip -n "$R" -6 route get $ANYCAST from $src | grep -o 'dev r-a[12]' | sed 's/dev r-//')
if [ "$via" = a1 ]; then other=2 k=$ON_A2; else other=1 k=$ON_A1; fi
got=$(node_of "$via")
cnt() { in_m "$1" "$DSLITECTL" -j aftr stats dev a$1-r | jq -r ".[0].counters.$2"; }
r0=$(cnt "$got" ptb_relayed) p0=$(cnt $other pass_ptb_peer)
ip netns exec "$R" "$PTB_SEND" -d $ANYCAST -q $ANYCAST -b "$(b4addr $k)" \
	-s $src -m 1400 >/dev/null
__relayed() { [ "$(cnt "$got" ptb_relayed)" -gt "$r0" ] && [ "$(cnt $other pass_ptb_peer)" -gt "$p0" ]; }
if pwait 10000 __relayed; then
	tap_ok "PTB about B$k hashed to A$got: relayed to A$other, taken there"
else
	tap_fail "PTB about B$k hashed to A$got: relayed to A$other, taken there" \
		"relayed $(cnt "$got" ptb_relayed) (was $r0), peer $(cnt $other pass_ptb_peer) (was $p0)"
fi

stamp "ptb"
# --- fault: A1's NAT external interface goes down
fault=$(now_ms)
ip -n "$A1" link set a1-in down
if r_wait "a2" 20000; then
	conv=$(now_ms)
	tap_ok "fault: the router removed A1 from the ECMP route"
else
	conv=
	tap_fail "fault: the router removed A1 from the ECMP route" "$(hlog 1 | tail -5)"
fi
wd=$(health_event_at 1 withdrawn)
tap_expect "A1: unfit (nat), route withdrawn" "nat: a1-in is down|unfit" \
	"$(hlog 1 | jq -r 'select(.event == "unfit") | .reason' | tail -1)|$(hlog 1 | jq -r 'select(.event == "withdrawn") | .reason' | tail -1)"
for k in $ON_A1; do
	if b4k_wait_node $k 2 30000; then
		tap_ok "B$k: Up again on A2 (node 2)"
	else
		tap_fail "B$k: Up again on A2 (node 2)" "$(b4k_log $k | tail -4) $(b4k_q $k '"\(.up) \(.peers[0].status) \(.peers[0]["node-id"])"')"
	fi
	b4k_wait_reply $k "$(now_ms)" 10000
	if b4k_log $k | grep -q "AFTR changed: node 1 -> node 2"; then
		tap_ok "B$k: the daemon reports AFTR changed, node 1 -> node 2"
	else
		tap_fail "B$k: the daemon reports AFTR changed, node 1 -> node 2" \
			"$(b4k_log $k | tail -4) $(b4k_q $k '"\(.up) \(.peers[0].status) \(.peers[0]["node-id"])"')"
	fi
done
stamp "fault: b4 moved"
conv=$(r_changed_at "$fault" a2 || echo "${conv:-$fault}")
diag "fault at 0 ms: A1's route withdrawn at $((wd - fault)) ms, router converged at $((conv - fault)) ms"
# B1 re-maps on A2: its next request (a renewal due within 3.75 s, at
# once when A2's Epoch shows a server that lost its state) reaches A2's
# miniupnpd, which maps it anew
if [ "$ON_A1" = $PCP_B4 ]; then
	if pwait 30000 __mapped_on 2; then
		remap=$(now_ms)
		tap_ok "B$PCP_B4: re-mapped on A2 (external 198.51.102.1, in A2's miniupnpd rules)"
		# its times from its own log: the node change (BFD), and
		# healthy by bfd and pcp again after PCP found it unhealthy (A2's
		# Epoch, a server that lost its state, or the mapping expired
		# unrenewed, whichever it saw first)
		since() { [ -n "$1" ] && echo "$(($1 - fault)) ms" || echo "not seen"; }
		changed=$(b4k_log_ms $PCP_B4 "AFTR changed")
		healthy=$(b4k_log_ms $PCP_B4 "healthy by bfd and pcp" "unhealthy by pcp")
		diag "B$PCP_B4: AFTR changed at $(since "$changed"), re-mapped on A2 (healthy by bfd and pcp again) at $(since "$healthy"); the test saw the mapping in A2's rules at $((remap - fault)) ms; its daemon said:"
		b4k_log $PCP_B4 | grep -E 'pcp|changed' | tail -6 | sed 's/^/#   /'
	else
		tap_fail "B$PCP_B4: re-mapped on A2 (external 198.51.102.1, in A2's miniupnpd rules)" \
			"$(b4k_q $PCP_B4 '.peers[0].pcp') $(in_m 2 nft list chain inet filter prerouting_miniupnpd) $(b4k_log $PCP_B4 | tail -4)"
	fi
else
	tap_fail "B$PCP_B4: re-mapped on A2" "B$PCP_B4 was not on A1"
fi
stamp "fault: remapped"
for k in $ON_A1; do
	read -r gap lost end reord <<<"$(b4k_outage $k "$fault")"
	if [ "$end" != - ]; then
		diag "B$k (moved to A2): traffic flowing again at $((end - fault)) ms (outage $gap ms, $lost echo requests lost)"
		tap_ok "B$k: traffic flows again through A2"
	else
		tap_fail "B$k: traffic flows again through A2" "no outage seen: $(b4k_flow $k | tail -3)"
	fi
done
for k in $ON_A2; do
	read -r gap lost end reord <<<"$(b4k_outage $k "$fault")"
	tap_expect "B$k (on A2): no interruption (no echo request lost)" 0 "$lost"
	diag "B$k (on A2): longest silence $gap ms, $reord replies came after a later one"
	[ "$lost" = 0 ] || { b4k_log_since $k "$fault"; b4k_flow $k | tail -n 60; } | sed 's/^/#   /'
done

stamp "return"
# --- return, then a flap: held down, then announced after rise
up1=$(now_ms)
ip -n "$A1" link set a1-in up
if r_wait "a1 a2" $((HOLD + 20000)); then
	tap_ok "return: A1 announced again after its hold-down"
else
	tap_fail "return: A1 announced again after its hold-down" "$(hlog 1 | tail -5)"
fi
ret=$(r_changed_at "$up1" "a1 a2" || now_ms)
stamp "returned"
# the flap: down until the supervisor has seen it (unfit again), then up
# at once: a watcher on the supervisor's events raises the link the moment
# the unfit is written (a poll by the test could come after the hold-down
# on a starved VM: no flap held down then). bash's read takes each line
# as it comes (awk would wait for a full buffer)
n_held() { hlog 1 | grep -c '"event":"held-down"'; }
u0=$(hlog 1 | grep -c '"event":"unfit"') h0=$(n_held)
(
	c=0
	while read -r line; do
		case $line in *'"event":"unfit"'*) c=$((c + 1)) ;; esac
		[ $c -gt "$u0" ] && break
	done < <(exec timeout 30 tail -s 0.1 -n +1 -f "$HLOG_1")
	ip -n "$A1" link set a1-in up
) &
flapper=$!
ip -n "$A1" link set a1-in down
wait $flapper
flap=$(now_ms)
__held() { [ "$(n_held)" -gt "$h0" ]; }
if pwait 15000 __held; then
	tap_ok "A1: good again within its hold-down: held down"
else
	tap_fail "A1: good again within its hold-down: held down" "$(hlog 1 | tail -5)"
fi
stamp "held"
if r_wait "a1 a2" $((HOLD + 20000)); then
	tap_ok "A1 announced again: the router has both members"
else
	tap_fail "A1 announced again: the router has both members" "$(hlog 1 | tail -5)"
fi
stamp "flap back"
ann=$(health_event_at 1 announced)
unfit_at=$(health_event_at 1 unfit)
tap_expect "A1: announced no earlier than the hold-down after it went unfit" 1 \
	"$([ $((ann - unfit_at)) -ge $HOLD ] && echo 1 || echo 0)"
# from the router's route monitor: A1 out after its unfit, and back only
# after its announcement
out=$(r_changed_at "$unfit_at" a2)
back=$(r_changed_at "$unfit_at" "a1 a2")
if [ -n "$out" ] && [ -n "$back" ] && [ "$back" -ge "$ann" ]; then
	tap_ok "router: A1 out while held down"
else
	tap_fail "router: A1 out while held down" \
		"out at ${out:-never}, back at ${back:-never}, announced at $ann; $(tail -n 20 "$RMON")"
fi
back=${back:-$fault}
diag "A1 up again at $((up1 - fault)) ms, announced again (router) at $((ret - fault)) ms; flapped: unfit at $((unfit_at - fault)) ms, up again at $((flap - fault)) ms or before, announced at $((ann - fault)) ms (hold-down $HOLD ms), router converged at $((back - fault)) ms"
tap_expect "A1: fit again as often as it went unfit (plus the start)" yes \
	"$(health_q 1 'if .["to-fit"] == .["to-unfit"] + 1 and .["to-unfit"] >= 1 then "yes" else "\(.["to-fit"]) \(.["to-unfit"])" end')"
if b4_roles 60000; then
	tap_ok "both members serve a B4 again (B$ON_A1 on A1, B$ON_A2 on A2)"
else
	tap_fail "both members serve a B4 again" "$(b4k_q 1 '"\(.up) \(.peers[0]["node-id"])"') / $(b4k_q 2 '"\(.up) \(.peers[0]["node-id"])"')"
fi

stamp "b4 roles again"
# --- drain A2
now=$(now_ms)
for k in $ALL; do b4k_wait_reply $k "$now" 10000; done
stamp "drain"
drain=$(now_ms)
out=$(in_m 2 "$DSLITECTL" aftr health drain dev a2-r)
tap_expect "A2 drained: the supervisor says so" "a2-r: drained, route withdrawn" "$out"
if r_wait "a1" 20000; then
	dconv=$(now_ms)
	tap_ok "drain: the router removed A2"
else
	dconv=
	tap_fail "drain: the router removed A2"
fi
stamp "drain: router"
for k in $ON_A2; do
	if b4k_wait_node $k 1 30000; then
		tap_ok "B$k: moved to A1 (node 1)"
	else
		tap_fail "B$k: moved to A1 (node 1)" "$(b4k_log $k | tail -4) $(b4k_q $k '"\(.up) \(.peers[0].status) \(.peers[0]["node-id"])"')"
	fi
	b4k_wait_reply $k "$(now_ms)" 10000
	read -r gap lost end reord <<<"$(b4k_outage $k "$drain")"
	diag "B$k (drained off A2): traffic flowing again at $(( ${end/-/$drain} - drain)) ms (outage $gap ms)"
done
stamp "drain: moved"
for k in $ON_A1; do
	read -r gap lost end reord <<<"$(b4k_outage $k "$drain")"
	tap_expect "B$k (on A1): nothing lost during the drain" 0 "$lost"
	[ "$lost" = 0 ] || { b4k_log_since $k "$drain"; b4k_flow $k | tail -n 60; } | sed 's/^/#   /'
done
dconv=$(r_changed_at "$drain" a1 || echo "${dconv:-$drain}")
diag "drain at 0 ms: withdrawn at $(($(health_event_at 2 withdrawn) - drain)) ms, router converged at $((dconv - drain)) ms"
tap_expect "A2 status: fit, drained, withdrawn" "true true false" \
	"$(health_q 2 '"\(.fit) \(.drained) \(.announced)"')"
stamp "drained"
in_m 2 "$DSLITECTL" aftr health resume dev a2-r >/dev/null
if r_wait "a1 a2" 20000; then
	tap_ok "resume: A2 announced again"
else
	tap_fail "resume: A2 announced again"
fi

stamp "resumed"
# --- metrics and a clean stop
m=$(in_m 1 "$DSLITECTL" metrics)
tap_expect "metrics: A1 fit, announced, transitions to unfit counted" "1 1 yes" \
	"$(awk '/^dslite_aftr_health_fit\{/ { f = $2 } /^dslite_aftr_health_announced\{/ { a = $2 }
		/^dslite_aftr_health_transitions_total\{.*to="unfit"/ { u = $2 >= 1 ? "yes" : "no" }
		END { print f, a, u }' <<<"$m")"
kill -TERM "$(hpid 1)"
wait "$(hpid 1)"
tap_expect "SIGTERM: the supervisor exits 0" 0 $?
tap_expect "SIGTERM: A1's route withdrawn on the way out" "" \
	"$(ip -n "$A1" -6 route show $ANYCAST/128 | grep 'proto 77')"
if r_wait "a2" 20000; then
	tap_ok "router: only A2 left"
else
	tap_fail "router: only A2 left"
fi
stamp "end"
tap_done
