#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The generator of make bench-scale (build/tests/scale_gen) is right,
# whatever its speed: 50 B4 sessions against dslite's XDP responder for
# 3 s all come Up and stay Up, every packet is answered and the answers
# it counts are exactly what the responder counted; the responder sees 50
# sessions whose remote ids are the generator's discriminators 1..50; and
# when the responder goes away, every session's detection time expires
# and the generator counts 50 false Downs, all by timeout.
#
#   [ netns G: scale_gen ]                        [ netns R: the AFTR ]
#     $GIF (IPv6 off, XDP_PASS)  <==== veth ====>   $RIF 2001:db8:af::1/64
#     50 sessions, dslite's bfd.h                    dslite_aftr (XDP native)
#     B4 2001:db8:b4::1..::32 -> 2001:db8:af::1,     answers every BFD packet
#     192.0.0.2 -> 192.0.0.1 UDP 3784 inside         inside the softwire

. "$(dirname "$0")/../lib.sh"

require_root
require_bpffs
require_cmd jq nsenter python3
GEN=$DSLITE_ROOT/build/tests/scale_gen
PEER=$DSLITE_ROOT/build/tests/aftr_peer
if [ ! -x "$GEN" ] || [ ! -x "$PEER" ] || [ ! -x "$DSLITECTL" ]; then
	tap_fail "test programs built" "run make tests first"
	tap_done
fi

setup_ns G R || tap_skip_all "cannot create network namespaces"
sfx=${G#G-}
GIF=sg$sfx
RIF=sr$sfx
tmp=$(mktemp -d)
defer "rm -rf $tmp"
inG() { nsenter --net="/run/netns/$G" "$@"; }
inR() { nsenter --net="/run/netns/$R" "$@"; }
ctl() { inR "$DSLITECTL" "$@"; }
defer "inR $DSLITECTL aftr detach dev $RIF"

ip link add "$GIF" netns "$G" type veth peer name "$RIF" netns "$R" ||
	tap_skip_all "no veth"
ip netns exec "$G" sysctl -qw "net.ipv6.conf.$GIF.disable_ipv6=1"
ip -n "$R" addr add 2001:db8:af::1/64 dev "$RIF" nodad
ip -n "$G" link set "$GIF" up
ip -n "$R" link set "$RIF" up
inG "$PEER" xdp-pass "$GIF" >/dev/null || tap_skip_all "no native XDP on veth"
RMAC=$(ip -n "$R" -j link show "$RIF" | jq -r '.[0].address')

# counters: the responder's counters without the sweeper's runs
counters() { ctl -j aftr stats dev "$RIF" | jq -c '.[0].counters | del(.sweeps)'; }
# val FILE KEY: a value from the generator's summary line
val() {
	awk -v k="$2" '$1 == "summary" { for (i = 2; i < NF; i += 2) if ($i == k) print $(i + 1) }' "$1"
}
# gen OUT ARGS...: the generator, 50 B4s at 300 ms x 3
gen() {
	local out=$1
	shift
	inG "$GEN" dslite dev "$GIF" dmac "$RMAC" smac 02:5c:a1:e0:00:01 \
		src 2001:db8:b4:: dst 2001:db8:af::1 n 50 interval 300 \
		multiplier 3 "$@" >"$out" 2>"$out.err"
}

out=$(ctl aftr attach dev "$RIF" mode native allow 2001:db8:b4::/64 \
	interval 300 multiplier 3 sessions 1000 new-rate 0 2>&1)
tap_expect "attach the responder" "0:" "$?:$out"
base=$(counters)

# --- 50 sessions for 3 s
gen "$tmp/g1" seconds 3 warmup 15 drain 1000
tap_expect "generator: exit 0" "0" "$?"
g() { val "$tmp/g1" "$1"; }
tap_expect "all 50 Up at the end of the window, each Up once" "50 50" \
	"$(g up) $(g ever-up)"
tap_expect "no false Down" "0 0" "$(g false-down) $(g window-false-down)"
sent=$(g sent)
tap_expect "every packet answered, nothing malformed or refused" \
	"$sent 0 0 0" "$(g answers) $(g send-err) $(g rx-bad) $(g rx-refused)"
if [ "${sent:-0}" -ge 500 ]; then
	tap_ok "sent $sent packets (50 sessions, 3 s at 300 ms, and the handshakes)"
else
	tap_fail "at least 500 packets sent (50 x 3 s / 262 ms)" "sent ${sent:-none}"
fi
# (the sessions time out once the generator has stopped: the sweeper's
# sessions_timeout is left out, it moves during the drain)
expect=$(jq -c --argjson a "$(g answers)" 'map_values(0) + {
	xdp_tx: $a, tx_bfd: $a, sessions_created: 50, sessions_up: 50 } |
	del(.sessions_timeout)' <<<"$base")
delta=$(jq -c -n --argjson a "$base" --argjson b "$(counters)" \
	'$b | with_entries(.value -= $a[.key]) | del(.sessions_timeout)')
tap_expect "the responder counted exactly the answers the generator counted" \
	"$expect" "$delta"
if [ "$(g answer-samples)" -gt 0 ] && [ "$(g final-samples)" -gt 0 ] &&
   [ "$(g send-pps)" -gt 0 ] && [ "$(g answer-pps)" -gt 0 ]; then
	tap_ok "latency of answers and Finals measured, rates printed"
else
	tap_fail "latency of answers and Finals measured" "$(cat "$tmp/g1")"
fi

# --- the responder goes away 1 s into the window: 50 false Downs
gen "$tmp/g2" seconds 5 warmup 15 &
pid=$!
peers=$(for i in $(seq 50); do printf '2001:db8:b4::%x\n' "$i"; done | sort | paste -sd,)
if busywait 20000 grep -q measuring "$tmp/g2.err"; then
	tap_expect "the responder's sessions: 50 Up, remote ids 1..50, B4s ::1..::32" \
		"50 $(seq -s, 1 50) $peers" \
		"$(ctl -j aftr sessions dev "$RIF" | jq -r '[.[] | select(.status == "up")] |
			"\(length) \(map(."remote-id") | sort | map(tostring) | join(",")) \(map(.peer) | sort | join(","))"')"
	sleep 1
	ctl aftr detach dev "$RIF"
else
	tap_fail "the generator's second run measures" "$(cat "$tmp/g2.err")"
fi
wait $pid
tap_expect "generator: exit 0" "0" "$?"
g() { val "$tmp/g2" "$1"; }
tap_expect "responder gone: 50 false Downs in the window, all by timeout, none Up" \
	"50 50 0 0" \
	"$(g window-false-down) $(g false-down-timeout) $(g false-down-remote) $(g up)"

# --- bad arguments
out=$("$GEN" dslite dev "$GIF" n 0 2>&1)
tap_expect "n 0 is refused" "2:scale_gen: n must be a number 1..16777215, not \"0\"" \
	"$?:$(head -1 <<<"$out")"
out=$("$GEN" dslite dev "$GIF" speed 1 2>&1)
tap_expect "unknown keyword is refused" "2:scale_gen: unknown keyword \"speed\"" \
	"$?:$(head -1 <<<"$out")"

tap_done
