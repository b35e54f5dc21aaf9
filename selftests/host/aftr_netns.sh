#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dslitectl aftr on this kernel: the XDP responder attached in native mode
# to a veth in an AFTR namespace answers real encapsulated BFD, BFD echo,
# ping and ping6 sent by B4s in another namespace; sessions, stats and
# monitor show what happened, exactly; restarts keep the sessions; table
# size, allowlist and new-session rate hold; bad arguments pin nothing.
#
#   [ netns A: the AFTR ]                          [ netns B: the B4s ]
#     $AIF 2001:db8:af::1/64 <====== veth ======>   $BIF (IPv6 off, XDP_PASS
#     dslite_aftr (XDP, native)                      so XDP_TX frames arrive)
#     answers 192.0.0.1 inside the softwire         aftr_peer: B4s 2001:db8:b4::N
#     (no ip6tnl, no 192.0.0.1 on any device)       inner 192.0.0.2, BFD with
#                                                   include/dslite/bfd.h, frames
#                                                   over AF_PACKET
#
# dslitectl runs in A through nsenter --net (not "ip netns exec", which
# hides the host's BPF file system): pins live in
# /sys/fs/bpf/dslite/netns-COOKIE/$AIF, COOKIE the SO_NETNS_COOKIE of A.

. "$(dirname "$0")/../lib.sh"

require_root
require_bpffs
require_cmd jq bpftool nsenter python3
PEER=$DSLITE_ROOT/build/tests/aftr_peer
if [ ! -x "$PEER" ] || [ ! -x "$DSLITECTL" ]; then
	tap_fail "test programs built" "run make tests first"
	tap_done
fi
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
	tap_skip_all "no BPF file system at /sys/fs/bpf"

setup_ns A B || tap_skip_all "cannot create network namespaces"
sfx=${A#A-}
AIF=aftr$sfx
BIF=b4$sfx
PINS=$(aftr_pin_dir "$A" "$AIF")
AFTR6=2001:db8:af::1
tmp=$(mktemp -d)
defer "rm -rf $tmp"

inA() { nsenter --net="/run/netns/$A" "$@"; }
inB() { nsenter --net="/run/netns/$B" "$@"; }
ctl() { inA "$DSLITECTL" "$@"; }
defer "inA $DSLITECTL aftr detach dev $AIF"

ip link add "$AIF" netns "$A" type veth peer name "$BIF" netns "$B" ||
	tap_skip_all "no veth"
ip netns exec "$B" sysctl -qw "net.ipv6.conf.$BIF.disable_ipv6=1"
ip -n "$A" addr add $AFTR6/64 dev "$AIF" nodad
ip -n "$A" addr add 2001:db8:af::99/64 dev "$AIF" nodad
ip -n "$A" link set "$AIF" up
ip -n "$B" link set "$BIF" up
inB "$PEER" xdp-pass "$BIF" || tap_skip_all "no native XDP on veth"
MAC_A=$(ip -n "$A" -j link show "$AIF" | jq -r '.[0].address')

# peer SRC ARGS...: one B4 talking to the AFTR
peer() {
	local src=$1
	shift
	inB "$PEER" run dev "$BIF" dmac "$MAC_A" src "$src" dst $AFTR6 "$@"
}

# sess PEER FILTER: a jq expression on the session of PEER
sess() {
	ctl -j aftr sessions dev "$AIF" peer "$1" | jq -r ".[0] | $2"
}
sess_is() { [ "$(sess "$1" "$2")" = true ]; }

# counters: the counters object without the sweeper's runs
counters() {
	ctl -j aftr stats dev "$AIF" | jq -c '.[0].counters | del(.sweeps)'
}

# gone PID: the process exited (a zombie until waited for)
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# no_xdp: nothing attached to $AIF
no_xdp() {
	[ -z "$(inA bpftool net show dev "$AIF" | sed -n '/^xdp:/,/^$/p' | sed '1d;/^$/d')" ]
}

# summary FILE KEY: a number from the peer's summary line
summary() { sed -n "s/^summary .*\b$2 \([^ ]*\).*/\1/p" "$1"; }

# --- bad arguments: exit 1 (2 for a missing device), nothing pinned
bad() {
	local desc=$1 rc=$2 msg=$3 out r
	shift 3
	out=$(ctl aftr attach "$@" 2>&1)
	r=$?
	if [ "$r:$out" = "$rc:dslitectl: aftr attach: $msg" ] && [ ! -e "$PINS" ]; then
		tap_ok "refused: $desc"
	else
		tap_fail "refused: $desc" "rc $r, '$out'"
	fi
}
bad "unknown device" 2 "nosuch$sfx: no such device" dev "nosuch$sfx"
bad "host bits beyond the prefix" 1 \
	'allow "2001:db8::1/32": bits are set beyond the prefix length' \
	dev "$AIF" allow 2001:db8::1/32
bad "prefix length 129" 1 'allow "2001:db8::/129": the prefix length must be 0..128' \
	dev "$AIF" allow 2001:db8::/129
bad "IPv4 prefix" 1 'allow "10.0.0.0/8": not an IPv6 prefix (ADDR/LEN)' \
	dev "$AIF" allow 10.0.0.0/8
bad "interval 0" 1 'interval must be a number 1..3600000 ms, not "0"' \
	dev "$AIF" interval 0
bad "multiplier 0" 1 'multiplier must be a number 1..255, not "0"' \
	dev "$AIF" multiplier 0
bad "multiplier 256" 1 'multiplier must be a number 1..255, not "256"' \
	dev "$AIF" multiplier 256
bad "sessions 0" 1 'sessions must be a number 1..16777215, not "0"' \
	dev "$AIF" sessions 0
bad "sessions 16777216 (a 24-bit slot per session)" 1 \
	'sessions must be a number 1..16777215, not "16777216"' \
	dev "$AIF" sessions 16777216
bad "sweep-interval 0" 1 'sweep-interval must be a number 1..1000 ms, not "0"' \
	dev "$AIF" sweep-interval 0
bad "mode fast" 1 'mode must be "native" or "generic", not "fast"' \
	dev "$AIF" mode fast
bad "addr 300.1.1.1" 1 'addr "300.1.1.1" is not an IPv4 address' \
	dev "$AIF" addr 300.1.1.1
bad "unknown keyword" 1 'unexpected argument "speed" (try "dslitectl aftr help")' \
	dev "$AIF" speed 1
bad "dev twice" 1 '"dev" given twice' dev "$AIF" dev "$AIF"
bad "no dev" 1 'missing "dev IFNAME"' interval 300
bad "allow without a prefix" 1 '"allow" needs a value' dev "$AIF" allow
out=$(ip netns exec "$A" "$DSLITECTL" aftr attach dev "$AIF" 2>&1)
r=$?
if [ $r -eq 2 ] && [[ $out == *"/sys/fs/bpf is not a BPF file system"* ]] && no_xdp; then
	tap_ok "refused without a BPF file system (ip netns exec)"
else
	tap_fail "refused without a BPF file system (ip netns exec)" "rc $r, '$out'"
fi

# --- attach
ARGS=(dev "$AIF" mode native node-id 7 allow 2001:db8:b4::/64 allow 2001:db8:b5::/48)
out=$(ctl aftr attach "${ARGS[@]}" 2>&1)
tap_expect "attach native: exit 0, silent" "0:" "$?:$out"
pinned=" $(ls "$PINS" | tr '\n' ' ')"
missing=
for f in link dslite_sessions dslite_discrs dslite_counters dslite_events \
	 dslite_allow dslite_local dslite_timer dslite_state; do
	[[ $pinned == *" $f "* ]] || missing+=" $f"
done
tap_expect "pinned: the link and every map" "" "$missing"
prog=$(ctl -j aftr stats dev "$AIF" | jq -r '.[0]."prog-id"')
if inA bpftool net show dev "$AIF" | grep -q "$AIF([0-9]*) driver id $prog\$" &&
   bpftool prog show id "$prog" | grep -q "name dslite_aftr "; then
	tap_ok "bpftool: dslite_aftr (id $prog) runs in driver mode"
else
	tap_fail "bpftool: dslite_aftr runs in driver mode" \
		"$(inA bpftool net show dev "$AIF"; bpftool prog show id "$prog")"
fi
# a second attach on the live link upgrades it in place (aftr-operations.md
# "Upgrading"; kernel/aftr_upgrade.sh tests it under B4s)
out=$(ctl aftr attach "${ARGS[@]}" 2>&1)
r=$?
if [ $r -eq 0 ] && [[ $out == "$AIF: upgraded in place: link "*", program $prog -> "* ]]; then
	tap_ok "a second attach upgrades in place"
else
	tap_fail "a second attach upgrades in place" "rc $r, '$out'"
fi
prog=$(ctl -j aftr stats dev "$AIF" | jq -r '.[0]."prog-id"')

# --- monitor, then two B4s: one goes silent, one sends AdminDown
# (nsenter execs dslitectl: $! is the monitor itself)
nsenter --net="/run/netns/$A" "$DSLITECTL" -j aftr monitor dev "$AIF" \
	ready "$tmp/ready" >"$tmp/mon" 2>"$tmp/mon.err" &
mon=$!
defer "kill $mon"
if busywait 5000 test -e "$tmp/ready"; then tap_ok "monitor ready"; else
	tap_fail "monitor ready" "$(cat "$tmp/mon.err")"; fi
out=$(ctl aftr monitor dev "$AIF" count 1 2>&1)
tap_expect "a second monitor of the device is refused" \
	"2:dslitectl: aftr monitor: $AIF: another monitor is reading its events (a ring buffer has one reader)" \
	"$?:$out"

base=$(counters)
peer 2001:db8:b4::2 discr 1001 up ping 3 ping6 3 echo 3 poll 300 1000 \
	data 2 ttl254 2 hold 1500 >"$tmp/p1" 2>&1 &
p1=$!
peer 2001:db8:b4::3 discr 1002 up hold 800 admin-down >"$tmp/p2" 2>&1 &
p2=$!

# B4 1 Up, after its Poll Sequence to 1000 ms receive interval
if slowwait 5 sess_is 2001:db8:b4::2 '.status == "up" and ."remote-receive-interval" == 1000'; then
	# ids: node id 7, a random tag (4 bits above the 20 slot bits of a
	# 1,000,000 table, never 0), slots 1 and 2 in the order B4s came
	got=$(sess 2001:db8:b4::2 '[.peer, .dev, .local, ((.id % 1048576) as $s | ($s == 1 or $s == 2) and ((.id / 16777216 | floor) == 7) and ((.id / 1048576 | floor) % 16 != 0)), ."remote-id", ."node-id",
		.multihop, ."passive-mode", .status, .diagnostic, .diag,
		."remote-status", ."remote-diagnostic", ."receive-interval",
		."transmit-interval", ."echo-receive-interval",
		."detect-multiplier", ."remote-receive-interval",
		."remote-transmit-interval", ."remote-detect-multiplier"] | join(" ")')
	tap_expect "sessions: B4 1 Up with FRR's fields" \
		"2001:db8:b4::2 $AIF $AFTR6 true 1001 7 false true up ok none up ok 300 300 50 3 1000 300 3" \
		"$got"
	if sess_is 2001:db8:b4::2 '.uptime >= 0 and ."rx-packets" > 0 and ."rx-packets" == ."tx-packets" and (has("downtime") | not)'; then
		tap_ok "sessions: uptime, rx-packets = tx-packets"
	else
		tap_fail "sessions: uptime, rx-packets = tx-packets" "$(sess 2001:db8:b4::2 .)"
	fi
else
	tap_fail "sessions: B4 1 Up with FRR's fields" "$(ctl -j aftr sessions dev "$AIF")"
	tap_fail "sessions: uptime, rx-packets = tx-packets"
fi
# B4 2 signalled AdminDown
if slowwait 5 sess_is 2001:db8:b4::3 '.status == "down"'; then
	tap_expect "sessions: B4 2 Down, neighbor signaled down, remote shutdown" \
		"down neighbor signaled session down neighbor-down shutdown administratively down admin-down 1002" \
		"$(sess 2001:db8:b4::3 '[.status, .diagnostic, .diag, ."remote-status", ."remote-diagnostic", ."remote-diag", ."remote-id"] | join(" ")')"
else
	tap_fail "sessions: B4 2 Down, neighbor signaled down" "$(ctl -j aftr sessions dev "$AIF")"
fi
wait $p1
tap_expect "B4 1: every answer checked, exit 0" 0 $?
wait $p2
tap_expect "B4 2: every answer checked, exit 0" 0 $?
tap_expect "B4 1: the AFTR went Init, then Up" "up: replies Init Up" \
	"$(sed -n 's/^\(up: replies [^(]*\) (.*/\1/p' "$tmp/p1" | sed 's/ $//')"
tap_expect "B4 1: Poll answered with Final" "poll: final, AFTR tx 300 ms rx 300 ms" \
	"$(grep '^poll:' "$tmp/p1")"
tap_expect "B4 1: tunnel data and TTL 254 not answered" \
	"data: sent 2 answered 0|ttl254: sent 2 answered 0" \
	"$(grep -E '^(data|ttl254):' "$tmp/p1" | paste -sd'|')"
tap_expect "B4 1: 3 pings, 3 ping6, 3 echoes answered; every BFD packet answered" \
	"3 3 3 $(summary "$tmp/p1" bfd-sent)" \
	"$(summary "$tmp/p1" ping) $(summary "$tmp/p1" ping6) $(summary "$tmp/p1" echo) $(summary "$tmp/p1" bfd-answered)"
tap_expect "B4 2: AdminDown answered Down with diag 3 (neighbor down)" \
	"admin-down: reply Down diag 3" "$(grep '^admin-down:' "$tmp/p2")"

# B4 1 is silent now: Down with control-expired within 900 ms + 1 s
if slowwait 4 sess_is 2001:db8:b4::2 '.status == "down"'; then
	tap_expect "sessions: silent B4 1 Down, control detection time expired" \
		"down control detection time expired control-expired 0" \
		"$(sess 2001:db8:b4::2 '[.status, .diagnostic, .diag, ."remote-id"] | join(" ")')"
else
	tap_fail "sessions: silent B4 1 Down" "$(sess 2001:db8:b4::2 .)"
fi

# not permitted sources get nothing, not even a session
out=$(peer 2001:db8:bad::2 flood 3 2>&1)
tap_expect "sources outside the allowlist are not answered" \
	"flood: sent 3 answered 0" "$(grep '^flood:' <<<"$out")"

# every counter moved exactly as much as the B4s caused
s1=$(summary "$tmp/p1" bfd-sent)
s2=$(summary "$tmp/p2" bfd-sent)
expect=$(jq -c --argjson b $((s1 + s2)) '
	map_values(0) + {
	xdp_tx: ($b + 9), tx_bfd: $b, tx_ping: 3, tx_ping6: 3, tx_echo: 3,
	xdp_pass: 2, pass_tunnel_data: 2,
	xdp_drop: 5, drop_ttl: 2, drop_not_permitted: 3,
	sessions_created: 2, sessions_up: 2, sessions_down: 1,
	sessions_timeout: 1 }' <<<"$base")
delta=$(jq -c -n --argjson a "$base" --argjson b "$(counters)" \
	'$b | with_entries(.value -= $a[.key])')
tap_expect "stats: every counter moved exactly" "$expect" "$delta"
tap_expect "stats: 2 sessions, table of 1000000, attached" "2 1000000 true" \
	"$(ctl -j aftr stats dev "$AIF" | jq -r '.[0] | [.sessions, ."sessions-max", .attached] | join(" ")')"
if ctl aftr stats dev "$AIF" | grep -qE "^ +tx_ping6 +3$"; then
	tap_ok "stats: text prints every counter by name"
else
	tap_fail "stats: text prints every counter by name" "$(ctl aftr stats dev "$AIF")"
fi

# the monitor saw it all, in order, with the time of the timeout
kill $mon
wait $mon
tap_expect "monitor exits 0 on SIGTERM" 0 $?
ev() {
	jq -r --arg p "$1" 'select(.peer == $p) | [.event, ."old-status", .status, .diag, .dev, .local] | join(" ")' "$tmp/mon"
}
tap_expect "monitor: B4 1 new, Up, then timeout (control-expired)" \
	"new down init none $AIF $AFTR6
state init up none $AIF $AFTR6
timeout up down control-expired $AIF $AFTR6" "$(ev 2001:db8:b4::2)"
tap_expect "monitor: B4 2 new, Up, then admin-down (neighbor-down)" \
	"new down init none $AIF $AFTR6
state init up none $AIF $AFTR6
admin-down up down neighbor-down $AIF $AFTR6" "$(ev 2001:db8:b4::3)"
last=$(summary "$tmp/p1" last-tx-ns)
tout=$(jq -r 'select(.event == "timeout") | ."monotonic-ns"' "$tmp/mon")
ms=$(( (${tout:-0} - ${last:-0}) / 1000000 ))
if [ "$ms" -ge 900 ] && [ "$ms" -le 1900 ]; then
	tap_ok "timeout $ms ms after the last packet (detection 900 ms, + 1 s)"
else
	tap_fail "timeout within detection time + 1 s" "$ms ms"
fi

# text monitor: one line per event
nsenter --net="/run/netns/$A" "$DSLITECTL" aftr monitor count 2 \
	ready "$tmp/ready2" >"$tmp/tmon" 2>&1 &
tmon=$!
busywait 5000 test -e "$tmp/ready2"
peer 2001:db8:b4::4 discr 1003 up >/dev/null 2>&1
if ! busywait 3000 gone $tmon; then
	kill $tmon
fi
wait $tmon
rc=$?
# the id: node 7, slot 3, the session's random tag in between
id=$(sed -n '1s/.* id \([0-9]*\) .*/\1/p' "$tmp/tmon")
want_id="(node 7, slot 3 and a tag)"
if [ -n "$id" ] && [ $((id >> 24)) -eq 7 ] && [ $((id & 0xfffff)) -eq 3 ] &&
   [ $(((id >> 20) & 0xf)) -ne 0 ]; then
	want_id=$id
fi
tap_expect "text monitor: one line per event, exit 0 after count 2" \
	"0:$AIF: peer 2001:db8:b4::4 new down -> init diag none remote down remote-diag none id $want_id remote-id 1003 local $AFTR6
$AIF: peer 2001:db8:b4::4 state init -> up diag none remote up remote-diag none id $want_id remote-id 1003 local $AFTR6" \
	"$rc:$(cut -d' ' -f2- "$tmp/tmon")"
if grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z ' "$tmp/tmon"; then
	tap_ok "text monitor: UTC time first"
else
	tap_fail "text monitor: UTC time first" "$(cat "$tmp/tmon")"
fi

# --- a restart without detach keeps the sessions (as long as the
# responder is back within the B4's detection time: 500 ms x 6 here, as
# loading takes about a second on this machine, more when it is busy)
peer 2001:db8:b4::5 discr 1005 interval 500 multiplier 6 up hold 4500 >"$tmp/p4" 2>&1 &
p4=$!
slowwait 5 sess_is 2001:db8:b4::5 '.status == "up"'
id4=$(sess 2001:db8:b4::5 .id)
rx4=$(sess 2001:db8:b4::5 '."rx-packets"')
before=$(ctl -j aftr stats dev "$AIF" | jq -c '.[0] | [.sessions, .counters.tx_bfd]')
rm "$PINS/link"			# what a lost link leaves: maps, no link
t0=$(date +%s%3N)
if busywait 2000 no_xdp; then
	tap_ok "link unpinned: the responder is detached"
else
	tap_fail "link unpinned: the responder is detached"
fi
out=$(ctl aftr attach "${ARGS[@]}" 2>&1)
tap_expect "attach again over the pinned maps" "0:" "$?:$out"
diag "responder back $(($(date +%s%3N) - t0)) ms after the link was removed"
after=$(ctl -j aftr stats dev "$AIF")
prog2=$(jq -r '.[0]."prog-id"' <<<"$after")
if [ "$prog2" != "$prog" ] &&
   [ "$(jq -r '.[0].sessions' <<<"$after")" = "$(jq -r '.[0]' <<<"$before")" ] &&
   [ "$(jq -r '.[0].counters.tx_bfd' <<<"$after")" -ge "$(jq -r '.[1]' <<<"$before")" ]; then
	tap_ok "new program, same sessions, counters kept"
else
	tap_fail "new program, same sessions, counters kept" "$before / $after"
fi
if slowwait 4 sess_is 2001:db8:b4::5 ".status == \"up\" and .id == $id4 and .\"rx-packets\" > $rx4 + 2"; then
	tap_ok "the session kept its id and state, and went on counting"
else
	tap_fail "the session kept its id and state, and went on counting" \
		"id $id4, rx $rx4 before: $(sess 2001:db8:b4::5 .)" \
		"$(counters | jq -c 'with_entries(select(.value > 0))')"
fi
wait $p4
tap_expect "the B4 never saw its session fail across the restart" \
	"0 Up" "$? $(summary "$tmp/p4" state)"

# --- detach
out=$(ctl aftr detach dev "$AIF" 2>&1)
tap_expect "detach: exit 0, silent" "0:" "$?:$out"
if [ ! -e "$PINS" ] && no_xdp &&
   ! bpftool prog show id "$prog2" >/dev/null 2>&1 &&
   ! bpftool prog show id "$prog" >/dev/null 2>&1; then
	tap_ok "detach: pins gone, nothing attached, programs freed"
else
	tap_fail "detach: pins gone, nothing attached, programs freed" \
		"$(ls "$PINS" 2>&1; bpftool prog show id "$prog2" 2>&1)"
fi
out=$(ctl aftr detach dev "$AIF" 2>&1)
tap_expect "detach again: not attached" "2:dslitectl: aftr detach: $AIF: not attached" "$?:$out"
out=$(ctl aftr stats dev "$AIF" 2>&1)
tap_expect "stats of a detached device: not attached" \
	"2:dslitectl: aftr stats: $AIF: not attached" "$?:$out"

# --- a full table refuses new sessions and keeps the established one
ctl aftr attach dev "$AIF" sessions 4 new-rate 0 interval 200 multiplier 5 \
	echo-interval 0
peer 2001:db8:b4::6 discr 1006 up flood 10 hold 1000 >"$tmp/p5" 2>&1
tap_expect "table of 4: 3 of 10 new B4s answered, the established one stays Up" \
	"0 flood: sent 10 answered 3 Up" \
	"$? $(grep '^flood:' "$tmp/p5") $(summary "$tmp/p5" state)"
tap_expect "table of 4: sessions 4, drop_table_full 7" "4 7" \
	"$(ctl -j aftr stats dev "$AIF" | jq -r '.[0] | [.sessions, .counters.drop_table_full] | join(" ")')"
tap_expect "interval 200, multiplier 5, echo-interval 0 advertised" "200 5 0" \
	"$(sess 2001:db8:b4::6 '[."receive-interval", ."detect-multiplier", ."echo-receive-interval"] | join(" ")')"
out=$(ctl aftr detach dev "$AIF" 2>&1)
r=$?
rm -f "$tmp/x"
ctl aftr attach dev "$AIF" sessions 5 2>"$tmp/x"
tap_expect "detached, then attached with another table size" "0:0:" "$r:$?:$(cat "$tmp/x")"
tap_expect "sessions 5: sessions-max 5 (5 + 1 slots, slot 0 unused)" "5 6" \
	"$(ctl -j aftr stats dev "$AIF" | jq -r '.[0]."sessions-max"') $(bpftool -j map show pinned "$PINS/dslite_sessions" | jq -r .max_entries)"
ctl aftr detach dev "$AIF"

# --- maps pinned by a version whose session table was a hash keyed by
# the B4 address: refused, nothing attached, detach cleans up (either
# map of the old layout may be named: the first in the object's order)
mkdir -p "$PINS"
bpftool map create "$PINS/dslite_sessions" type hash key 16 value 128 \
	entries 8 name dslite_sessions flags 1 &&
bpftool map create "$PINS/dslite_discrs" type hash key 4 value 16 \
	entries 8 name dslite_discrs flags 1 &&
bpftool map create "$PINS/dslite_state" type array key 4 value 16 \
	entries 1 name dslite_state
out=$(ctl aftr attach dev "$AIF" 2>&1)
r=$?
if [ $r -eq 2 ] && no_xdp &&
   [ "${out/dslite_discrs/dslite_sessions}" = "dslitectl: aftr attach: $AIF: the pinned map dslite_sessions has the layout of another version of the responder (\"dslitectl aftr detach dev $AIF\" first; it drops the sessions)" ] &&
   [ ! -e "$PINS/link" ]; then
	tap_ok "old session table layout pinned: refused with the reason"
else
	tap_fail "old session table layout pinned: refused with the reason" "rc $r, '$out'"
fi
out=$(ctl aftr detach dev "$AIF" 2>&1)
tap_expect "detach removes the old pins" "0::gone" \
	"$?:$out:$([ -e "$PINS" ] && echo there || echo gone)"

# --- new-session rate limit, generic mode
ctl aftr attach dev "$AIF" mode generic new-rate 1 new-burst 2 addr 192.0.0.9
if inA bpftool net show dev "$AIF" | grep -q "$AIF([0-9]*) generic id"; then
	tap_ok "attach generic"
else
	tap_fail "attach generic" "$(inA bpftool net show dev "$AIF")"
fi
out=$(peer 2001:db8:b5:1::2 aftr 192.0.0.9 flood 5 2>&1)
tap_expect "addr 192.0.0.9, rate 1/s, burst 2: 2 of 5 new B4s answered" \
	"flood: sent 5 answered 2" \
	"$(grep '^flood:' <<<"$out")"
tap_expect "drop_rate_limited 3, sessions_created 2" "3 2" \
	"$(ctl -j aftr stats dev "$AIF" | jq -r '.[0].counters | [.drop_rate_limited, .sessions_created] | join(" ")')"
ctl aftr detach dev "$AIF"

tap_done
