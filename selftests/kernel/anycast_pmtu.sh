#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU discovery through an anycast AFTR group (RFC 7690): the B4's
# softwire hashes to AFTR1, the Packet Too Big the router sends about
# AFTR1's packets hashes to AFTR2.
#   - without the relay (AFTR2 a member without peers) a 1 MB download
#     from the Internet host to the B4 stalls: AFTR2's kernel takes the
#     PTB, AFTR1 never lowers its MTU;
#   - with the relay AFTR2 sends the PTB to AFTR1, AFTR1's route toward
#     the B4 gets MTU 1400 and the download completes, byte for byte;
#   - a PTB that reaches AFTR1 itself is for a softwire it serves;
#   - a PTB flood at AFTR2: relayed copies within relay-rate, all of them
#     taken by AFTR1, none relayed again;
#   - the B4 side's guard, RFC 9764 padded probes ("b4 run ... health
#     mtu" on its defaults, probes of the tunnel's MTU every 1000 ms):
#     the router's link
#     toward the B4 at 1500 first, the method healthy; AFTR2 without
#     peers again and a route of MTU 1400 toward the B4 at the router
#     (the return path only): AFTR1's answers to the probes
#     (as large as the probes, sent by XDP) vanish, their PTBs go to
#     AFTR2, BFD stays Up and the mtu method fails with "path MTU below
#     1452" (the detection time printed), the daemon takes the tunnel's
#     carrier down (its only AFTR, diag path-down); the relay on again:
#     AFTR1's kernel learns MTU 1400, but the responder still answers at
#     the probes' size, so the method keeps failing (it measures the
#     path, not the PTB's delivery); the route removed: healthy, the
#     carrier back.
#
#  [B4] ds0 ==softwire==> [ME] --ECMP, softwire--> [AFTR1] ds, NAT --+
#   192.0.0.2    (MTU 1400 |   \--ECMP, ICMPv6---> [AFTR2] ds, NAT --+-- [INET]
#                 to the B4)|        PTB               | relay        |   203.0.113.1
#                           +-------------- AFTR2 ==copy==> AFTR1     |   busybox nc
#   anycast 2001:db8:ac::1 on both AFTRs (details: selftests/anycast_lib.sh)
#   last steps: dslitectl b4 run dev ds0 health mtu on the B4, probes to
#   the anycast address (AFTR1), answered in place by AFTR1's XDP
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../anycast_lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

require_root
require_cmd jq nsenter busybox ss nft
PTB=$DSLITE_ROOT/build/tests/ptb_send
[ -x "$PTB" ] || { tap_fail "test programs built" "run make tests first"; tap_done; }
anycast_topo || tap_skip_all "cannot build the topology"
defer "anycast_detach 1"
defer "anycast_detach 2"

tmp=$(mktemp -d)
defer "rm -rf $tmp"
head -c 1048576 /dev/urandom >"$tmp/blob"

# download PORT SECONDS: the Internet host sends the blob to the B4
# (through the softwire) from PORT; the B4's copy in $tmp/got after at
# most SECONDS
download() {
	local srv port=$1
	: >"$tmp/got"
	ip netns exec "$INET" busybox nc -l -p "$port" -e cat "$tmp/blob" &
	srv=$!
	__listening() { ip netns exec "$INET" ss -Hltn "sport = :$port" | grep -q .; }
	busywait 5000 __listening
	ip netns exec "$B4" timeout "$2" busybox nc $AC_INET "$port" >"$tmp/got"
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
}

# ptb_keys JSON: the PTB counters of a delta (null: did not move)
ptb_keys() {
	jq -c '{ptb_seen, pass_ptb_owned, pass_ptb_unowned, pass_ptb_relay,
		pass_ptb_peer, ptb_relayed, ptb_relay_failed, drop_ptb_rate_limited}' <<<"$1"
}

# --- AFTR2 a member without peers: nobody relays
if anycast_attach 1 peer 2001:db8:a2::2 && anycast_attach 2; then
	tap_ok "AFTR1 a member of $ANYCAST with AFTR2 as its peer, AFTR2 without peers"
else
	tap_fail "AFTR1 a member of $ANYCAST with AFTR2 as its peer, AFTR2 without peers"
fi
ac_snap
t0=$(date +%s%3N)
download 5001 3
got=$(stat -c %s "$tmp/got")
diag "without the relay: $got of 1048576 bytes in $(($(date +%s%3N) - t0)) ms"
if [ "$got" -lt 1048576 ]; then
	tap_ok "without the relay the download stalls ($got bytes)"
else
	tap_fail "without the relay the download stalls" "$got bytes"
fi
ac_snap
n=$(jq '.ptb_seen' <<<"$D2")
tap_expect "the PTBs went to AFTR2, which serves no such B4 and has no peer (its kernel's)" \
	"$(ptb_keys "{\"ptb_seen\":$n,\"pass_ptb_unowned\":$n}")" "$(ptb_keys "$D2")"
diag "$n PTBs at AFTR2"
tap_expect "AFTR1 saw no PTB" "$(ptb_keys '{}')" "$(ptb_keys "$D1")"
tap_expect "route to the B4: AFTR1 no path MTU, AFTR2 (useless) 1400" ":1400" \
	"$(ac_pmtu 1):$(ac_pmtu 2)"

# --- with the relay
# The stalled download's server socket keeps retransmitting its large
# segments (for minutes): each would bring a PTB that AFTR2, once it has a
# peer, relays before the counters below are taken. Its packets are
# dropped at the Internet host; the second download uses another port.
ip netns exec "$INET" nft -f - <<-EOF
	table ip stale {
		chain out { type filter hook output priority 0; tcp sport 5001 drop; }
	}
EOF
anycast_detach 2
if anycast_attach 2 peer 2001:db8:a1::2 relay-rate 50; then
	tap_ok "AFTR2 attached again, AFTR1 its peer"
else
	tap_fail "AFTR2 attached again, AFTR1 its peer"
fi
unset C2		# the detach took its counters: they start again at 0
ac_snap
t0=$(date +%s%3N)
download 5002 30
got=$(stat -c %s "$tmp/got")
diag "with the relay: $got of 1048576 bytes in $(($(date +%s%3N) - t0)) ms"
if cmp -s "$tmp/blob" "$tmp/got"; then
	tap_ok "with the relay the download completes, byte for byte"
else
	tap_fail "with the relay the download completes, byte for byte" "$got bytes"
fi
ac_snap
n=$(jq '.ptb_relayed // 0' <<<"$D2")
diag "AFTR2: $D2"
diag "AFTR1: $D1"
if [ "${n:-0}" -ge 1 ] &&
   [ "$(ptb_keys "$D2")" = "$(ptb_keys "{\"ptb_seen\":$n,\"pass_ptb_relay\":$n,\"ptb_relayed\":$n}")" ] &&
   [ "$(ptb_keys "$D1")" = "$(ptb_keys "{\"ptb_seen\":$n,\"pass_ptb_peer\":$n}")" ]; then
	tap_ok "AFTR2 relayed the PTBs ($n), AFTR1 took each copy"
else
	tap_fail "AFTR2 relayed the PTBs, AFTR1 took each copy" "$D2 / $D1"
	diag "ME: $(ip netns exec "$ME" awk '/Ip6(InAddrErrors|InNoRoutes|OutForwDatagrams|InDiscards)/ { printf "%s %s ", $1, $2 }' /proc/net/snmp6)"
	diag "AFTR2's neighbours: $(ip -n "$A2" -6 neigh | tr '\n' ';')"
fi
tap_expect "AFTR1's route toward the B4 has the lowered MTU" 1400 "$(ac_pmtu 1)"

# --- a PTB that reaches AFTR1 itself: the B4's softwire is served there
ip -n "$ME" -6 rule add pref 90 ipproto ipv6-icmp to $ANYCAST/128 lookup 101
ip netns exec "$ME" "$PTB" -d $ANYCAST -q $ANYCAST -b $AC_B4 -n 1 >/dev/null
__seen1() { ac_snap; [ "$(jq '.ptb_seen' <<<"$D1")" = 1 ]; }
busywait 5000 __seen1
tap_expect "a PTB at AFTR1: served (softwire traffic seen), to its kernel" \
	"$(ptb_keys '{"ptb_seen":1,"pass_ptb_owned":1}')" "$(ptb_keys "$D1")"
ip -n "$ME" -6 rule del pref 90

# --- a flood at AFTR2
ac_snap
base1=$C1 base2=$C2
out=$(ip netns exec "$ME" "$PTB" -d $ANYCAST -q $ANYCAST -b $AC_B4 -t 1)
sent=${out#sent }
sent=${sent%% *}
ms=${out##* in }
ms=${ms%% *}
__flooded() {
	ac_snap
	d1=$(ac_delta "$base1" "$C1")
	d2=$(ac_delta "$base2" "$C2")
	[ "$(jq '.ptb_seen' <<<"$d2")" -ge "$sent" ] &&
	[ "$(jq '.pass_ptb_peer' <<<"$d1")" = "$(jq '.ptb_relayed' <<<"$d2")" ]
}
busywait 10000 __flooded
relayed=$(jq '.ptb_relayed // 0' <<<"$d2")
limited=$(jq '.drop_ptb_rate_limited // 0' <<<"$d2")
max=$((5 + (ms * 50 + 999) / 1000 + 2))
diag "flood: $sent PTBs in $ms ms, $relayed relayed, $limited rate limited (relay-rate 50, burst 5: at most $max)"
if [ "$relayed" -ge 1 ] && [ "$relayed" -le "$max" ] && [ "$limited" -gt 0 ] &&
   [ "$(ptb_keys "$d2")" = "$(ptb_keys "{\"ptb_seen\":$sent,\"pass_ptb_relay\":$relayed,\"ptb_relayed\":$relayed,\"drop_ptb_rate_limited\":$limited}")" ]; then
	tap_ok "flood: copies within the rate, the rest dropped in XDP, none came back"
else
	tap_fail "flood: copies within the rate, the rest dropped in XDP, none came back" "$d2"
fi
tap_expect "flood: AFTR1 took every copy and relayed none" \
	"$(ptb_keys "{\"ptb_seen\":$relayed,\"pass_ptb_peer\":$relayed}")" "$(ptb_keys "$d1")"

# --- the B4's mtu health method: the member that misses its PTB
# The B4 daemon through the group, "health mtu" on its defaults: probes
# of the tunnel's MTU every 1000 ms, unhealthy after 3 intervals without
# an answer that large (BFD's 1000 ms x 3 too: its small answers must
# keep coming on a loaded machine). Its only AFTR is the group's address: unhealthy,
# it takes the tunnel's carrier down (dslite.ko) with diag path-down.
blk0=$(now_ms)
if ! kmod_load; then
	tap_skip "the B4's mtu method through the group" "cannot load dslite.ko"
	tap_done
fi
ip -n "$ME" link set me-b4 mtu 1500
ip -n "$A1" -6 route flush cache	# AFTR1's path MTU from the steps above
# a session table for 4096 B4s for AFTR2's attaches here: the default
# million is 128 MB to preallocate, seconds of page clearing under
# emulation at every attach
SMALL="sessions 4096"
anycast_detach 2
if anycast_attach 2 $SMALL; then
	tap_ok "AFTR2 a member without peers again: no relay"
else
	tap_fail "AFTR2 a member without peers again: no relay"
fi
MTU=$(ip -n "$B4" -j link show ds0 | jq -r '.[0].mtu')
B4_LOG=$tmp/b4.log
ip netns exec "$B4" "$DSLITECTL" b4 run dev ds0 health mtu >"$B4_LOG" 2>&1 &
b4_pid=$!
defer "kill $b4_pid"
mq() {
	ip netns exec "$B4" "$DSLITECTL" -j b4 status 2>/dev/null |
		jq -r ".peers[0] | $1"
}
__mtu_ok() { [ "$(mq .mtu.ok)" = "$1" ]; }
if slowwait 30 __mtu_ok true; then
	tap_ok "B4 daemon: BFD Up via the group, the mtu method healthy (path 1500 bytes)"
else
	tap_fail "B4 daemon: BFD Up, the mtu method healthy" "$(sed 's/^/#   /' "$B4_LOG")"
fi
ac_snap
# the return path only: a route of MTU 1400 toward the B4 at the router
# (a veth's own MTU would also drop the B4's probes on their way in)
ip -n "$ME" -6 route add $AC_B4/128 dev me-b4 mtu 1400
lowered=$EPOCHREALTIME
t0=$(now_ms)
if slowwait 20 __mtu_ok false; then
	tap_ok "no relay: mtu method failing (seen by polling $(($(now_ms) - t0)) ms after the MTU fell)"
else
	tap_fail "no relay: mtu method failing" "$(sed 's/^/#   /' "$B4_LOG")"
fi
# the reason once small answers came after the last large one (the
# first judgement can come before them on a loaded machine)
reason=$(mq .mtu.reason)
__reason() { reason=$(mq .mtu.reason); [[ $reason == "path MTU below $MTU"* ]]; }
[[ $reason == "path MTU below"* ]] || diag "first reason: $reason"
slowwait 10 __reason
case $reason in
"path MTU below $MTU: no answer that large"*)	tap_ok "reason: $reason" ;;
*)	tap_fail "reason: path MTU below $MTU: no answer that large" "$reason" ;;
esac
tap_expect "BFD stays Up (its packets are small), AFTR unhealthy" "up false" \
	"$(mq '"\(.status) \(.healthy)"')"
# the detection by the daemon's clock: its first "mtu failing" line
# after the fall, by its time of day
det=$(awk -v l="$lowered" -v a="$ANYCAST: mtu failing" '
	index($0, a) {
		split($1, t, ":"); d = (t[1] * 3600 + t[2] * 60 + t[3] - l % 86400) * 1000
		if (d >= 0) { printf "%d", d; exit }
	}' "$B4_LOG")
diag "detection: the daemon logged mtu failing ${det:-?} ms after the MTU fell (defaults: 3 x 1000 ms after the last large answer, judged at the next probe)"
__forced() { [ "$(tjson "$B4" ds0 forced) $(tjson "$B4" ds0 diagnostic)" = "$1" ]; }
if slowwait 10 __forced "carrier-down path-down"; then
	tap_ok "the only AFTR unhealthy: the tunnel's carrier forced down, diag path-down"
else
	tap_fail "the tunnel's carrier forced down, diag path-down" \
		"$(tjson "$B4" ds0 forced) $(tjson "$B4" ds0 diagnostic); $(sed 's/^/#   /' "$B4_LOG")"
fi
ac_snap
n=$(jq '.pass_ptb_unowned // 0' <<<"$D2")
diag "AFTR2: $D2; AFTR1: $D1; AFTR1's route MTU toward the B4: '$(ac_pmtu 1)'"
if [ "$n" -ge 1 ] && [ "$(ptb_keys "$D1")" = "$(ptb_keys '{}')" ] && [ -z "$(ac_pmtu 1)" ]; then
	tap_ok "the answers' PTBs ($n) went to AFTR2's kernel; AFTR1 saw none, its route MTU not lowered"
else
	tap_fail "the answers' PTBs went to AFTR2; AFTR1 saw none" "$D2 / $D1 / '$(ac_pmtu 1)'"
fi

# the relay on again
anycast_detach 2
if anycast_attach 2 $SMALL peer 2001:db8:a1::2 relay-rate 50; then
	tap_ok "AFTR2 relays again"
else
	tap_fail "AFTR2 relays again"
fi
__pmtu1() { [ "$(ac_pmtu 1)" = 1400 ]; }
if slowwait 15 __pmtu1; then
	tap_ok "the answers' PTBs relayed: AFTR1's route toward the B4 at MTU 1400"
else
	tap_fail "the answers' PTBs relayed: AFTR1's route at 1400" "'$(ac_pmtu 1)'"
fi
s0=$(mq .mtu.sent)
__sent() { [ "$(mq .mtu.sent)" -ge $((s0 + 2)) ]; }
slowwait 10 __sent
diag "mtu with the relay: $(mq .mtu | jq -c '{ok, reason, sent, answered, short}')"
tap_expect "with the relay: still failing, the path carries 1400 bytes, the answers are as large as the probes" \
	"false" "$(mq .mtu.ok)"

# the path carries the softwire again
ip -n "$ME" -6 route del $AC_B4/128 dev me-b4
t0=$(now_ms)
if slowwait 20 __mtu_ok true; then
	tap_ok "the path at 1500 again (route removed): mtu method healthy after $(($(now_ms) - t0)) ms"
else
	tap_fail "the path at 1500 again: mtu method healthy" "$(sed 's/^/#   /' "$B4_LOG")"
fi
__unforced() { [ "$(tjson "$B4" ds0 forced)" = none ]; }
if slowwait 10 __unforced; then
	tap_ok "the carrier back"
else
	tap_fail "the carrier back" "$(tjson "$B4" ds0 forced) $(tjson "$B4" ds0 diagnostic)"
fi
kill "$b4_pid" 2>/dev/null
wait "$b4_pid" 2>/dev/null
diag "the mtu steps took $(($(now_ms) - blk0)) ms"
tap_done
