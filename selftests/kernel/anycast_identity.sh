#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who answers in an anycast AFTR group:
#   - ping6 to the anycast address is answered from the anycast address
#     (by AFTR2's XDP: ICMPv6 to it hashes there), ping to 192.0.0.1
#     through the softwire by AFTR1 from the outer address the B4 used
#     (the B4's ip6tnl takes nothing else);
#   - the B4 daemon's BFD session through the softwire reaches AFTR1:
#     node id 1 in AFTR1's "aftr sessions" and in the B4's "b4 status";
#   - the B4's flow moves to AFTR2 (the router's hash changes): the
#     session comes back Up with node id 2 on both sides and the daemon
#     reports "AFTR changed" from node 1 to node 2 (log and status).
#
#  [B4] ds0 ==softwire, BFD==> [ME] --ECMP, from the B4--> [AFTR1] node 1
#   dslitectl b4 run        |      \--ECMP, ICMPv6-----> [AFTR2] node 2
#   (dslite.ko)             anycast_steer 2: the B4's flow to AFTR2
#   anycast 2001:db8:ac::1 on both AFTRs (details: selftests/anycast_lib.sh)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"
. "$(dirname "$0")/../anycast_lib.sh"

require_root
require_cmd jq nsenter ping
kmod_load || tap_skip_all "cannot load dslite.ko"
anycast_topo || tap_skip_all "cannot build the topology"
defer "anycast_detach 1"
defer "anycast_detach 2"

if anycast_attach 1 peer 2001:db8:a2::2 && anycast_attach 2 peer 2001:db8:a1::2; then
	tap_ok "both AFTRs attached, node ids 1 and 2"
else
	tap_fail "both AFTRs attached, node ids 1 and 2"
fi

# --- answers from the address asked
ac_snap
out=$(ip netns exec "$B4" ping -6 -n -c 1 -W 3 $ANYCAST 2>&1)
case $out in
*"bytes from $ANYCAST: icmp_seq=1"*) tap_ok "ping6 $ANYCAST answered from $ANYCAST" ;;
*) tap_fail "ping6 $ANYCAST answered from $ANYCAST" "$out" ;;
esac
out=$(ip netns exec "$B4" ping -n -c 1 -W 3 192.0.0.1 2>&1)
case $out in
*"bytes from 192.0.0.1: icmp_seq=1"*)
	tap_ok "ping 192.0.0.1 through the softwire answered (outer source $ANYCAST)" ;;
*)	tap_fail "ping 192.0.0.1 through the softwire answered (outer source $ANYCAST)" "$out" ;;
esac
ac_snap
tap_expect "the ICMPv6 echo answered by AFTR2's XDP, the inner one by AFTR1's" \
	"null 1 1 null" \
	"$("$JQ" -r '"\(.tx_ping6) \(.tx_ping)"' <<<"$D1") $("$JQ" -r '"\(.tx_ping6) \(.tx_ping)"' <<<"$D2")"

# --- the B4's BFD session: node 1
b4_start dev ds0 interval 300 multiplier 3 ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_peer $ANYCAST up 20000; then
	tap_ok "B4: session Up with $ANYCAST"
else
	tap_fail "B4: session Up with $ANYCAST" "$(b4_show_log)"
fi
# sess N: the B4's session on AFTR N as "node-id local status"
sess() {
	in_ac "$1" "$DSLITECTL" -j aftr sessions dev a$1-me peer $AC_B4 |
		"$JQ" -r '.[0] | "\(.["node-id"]) \(.local) \(.status)"'
}
tap_expect "AFTR1: the B4's session, node id 1, to $ANYCAST, up" \
	"1 $ANYCAST up" "$(sess 1)"
tap_expect "AFTR2: no session" "null null null" "$(sess 2)"
tap_expect "B4: node id 1 answers" "1" "$(b4_peer $ANYCAST node-id)"
tap_expect "B4: no AFTR change so far" "0 null" \
	"$(b4_q '"\(.["aftr-changes"]) \(.["last-aftr-change"])"')"

# --- the flow moves to AFTR2
anycast_steer 2
__node2() { [ "$(b4_peer $ANYCAST node-id) $(b4_peer $ANYCAST status)" = "2 up" ]; }
if busywait 20000 __node2; then
	tap_ok "B4: the session is Up again, node id 2 answers"
else
	tap_fail "B4: the session is Up again, node id 2 answers" "$(b4_show_log)"
fi
tap_expect "AFTR2: the B4's session, node id 2, to $ANYCAST, up" \
	"2 $ANYCAST up" "$(sess 2)"
tap_expect "B4 status: one AFTR change, node 1 -> node 2" \
	"1 $ANYCAST 1 2" \
	"$(b4_q '"\(.["aftr-changes"]) \(.["last-aftr-change"].peer) \(.["last-aftr-change"]["old-node-id"]) \(.["last-aftr-change"]["new-node-id"])"')"
if b4_log_has "aftr $ANYCAST: AFTR changed: node 1 -> node 2"; then
	tap_ok "B4 log: AFTR changed, node 1 -> node 2"
else
	tap_fail "B4 log: AFTR changed, node 1 -> node 2" "$(b4_show_log)"
fi
b4_stop
tap_done
