#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dslitectl metrics on the AFTR side: the responder attached to a veth in
# an AFTR namespace answers two B4s; "dslitectl metrics" shows its
# sessions by state and every counter with exactly the value
# "dslitectl -j aftr stats" shows; two devices give one family each with
# the samples of both; promtool accepts every output. Without a B4 daemon
# and without a device the output is the two source gauges at 0.
#
#   [ netns A: the AFTR ]                          [ netns B: the B4s ]
#     $AIF 2001:db8:af::1/64 <====== veth ======>   $BIF (IPv6 off, XDP_PASS)
#     dslite_aftr (XDP, native)                     aftr_peer: B4 1 Up, held;
#                                                   B4 2 Up, then AdminDown
#     $XIF <== veth ==> $XIF-peer (both in A):
#     dslite_aftr (XDP, generic), no traffic
#
# dslitectl runs in A through nsenter --net (the BPF file system stays
# the host's; see aftr_netns.sh).

. "$(dirname "$0")/../lib.sh"

require_root
require_bpffs
require_cmd jq nsenter promtool
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
XIF=x$sfx
AFTR6=2001:db8:af::1
tmp=$(mktemp -d)
defer "rm -rf $tmp"

inA() { nsenter --net="/run/netns/$A" "$@"; }
inB() { nsenter --net="/run/netns/$B" "$@"; }
ctl() { inA "$DSLITECTL" "$@"; }

# check_format FILE: promtool's verdict on an exposition, "" when clean
check_format() {
	local out
	out=$(promtool check metrics <"$1" 2>&1) || echo "rc $?: "
	echo "$out"
}

# --- nothing in the namespace
ctl metrics >"$tmp/empty" 2>"$tmp/err"
tap_expect "nothing attached, no daemon: exit 0, the source gauges at 0" \
	"0:dslite_aftr_devices 0|dslite_b4_daemons 0:" \
	"$?:$(grep -v '^#' "$tmp/empty" | paste -sd'|'):$(cat "$tmp/err")"
tap_expect "promtool: empty output is clean" "" "$(check_format "$tmp/empty")"
out=$(ctl metrics now 2>&1)
tap_expect "an argument is refused" \
	"1:dslitectl: metrics: unexpected argument \"now\" (try \"dslitectl metrics help\")" \
	"$?:$out"
out=$(ctl b4 metrics 2>&1)
tap_expect "b4 metrics without a daemon" \
	"2:dslitectl: b4 metrics: no b4 daemon runs in this network namespace" \
	"$?:$out"

# --- the responder, two B4s
defer "inA $DSLITECTL aftr detach dev $AIF"
ip link add "$AIF" netns "$A" type veth peer name "$BIF" netns "$B" ||
	tap_skip_all "no veth"
ip netns exec "$B" sysctl -qw "net.ipv6.conf.$BIF.disable_ipv6=1"
ip -n "$A" addr add $AFTR6/64 dev "$AIF" nodad
ip -n "$A" link set "$AIF" up
ip -n "$B" link set "$BIF" up
inB "$PEER" xdp-pass "$BIF" || tap_skip_all "no native XDP on veth"
MAC_A=$(ip -n "$A" -j link show "$AIF" | jq -r '.[0].address')
out=$(ctl aftr attach dev "$AIF" mode native allow 2001:db8:b4::/64 2>&1)
tap_expect "attach" "0:" "$?:$out"

peer() {
	local src=$1
	shift
	inB "$PEER" run dev "$BIF" dmac "$MAC_A" src "$src" dst $AFTR6 "$@"
}

# metric NAME{LABELS}: its value in a fresh "dslitectl metrics"
metric() { ctl metrics | awk -v k="$1" '$1 == k { print $2 }'; }
# states: "up N down N" of $AIF's sessions
states() {
	ctl metrics | awk -v d="$AIF" '
		index($1, "dslite_aftr_sessions{dev=\"" d "\",state=") == 1 {
			split($1, a, "state=\""); sub(/".*/, "", a[2]); v[a[2]] = $2 }
		END { print "up " v["up"] " down " v["down"] }'
}
states_are() { [ "$(states)" = "$1" ]; }

# (nsenter execs the peer: $! is the peer itself)
nsenter --net="/run/netns/$B" "$PEER" run dev "$BIF" dmac "$MAC_A" \
	src 2001:db8:b4::2 dst $AFTR6 up hold 600000 >"$tmp/p1" 2>&1 &
p1=$!
defer "kill $p1"
peer 2001:db8:b4::3 up admin-down >"$tmp/p2" 2>&1
tap_expect "B4 2: Up, then AdminDown answered" 0 $?
if slowwait 30 states_are "up 1 down 1"; then
	tap_ok "sessions by state: 1 up (B4 1), 1 down (B4 2)"
else
	tap_fail "sessions by state: 1 up, 1 down" "$(states); $(cat "$tmp/p1")"
fi
tap_expect "sessions_max: the table's size" 1000000 \
	"$(metric "dslite_aftr_sessions_max{dev=\"$AIF\"}")"
tap_expect "attached 1, devices 1" "1 1" \
	"$(metric "dslite_aftr_attached{dev=\"$AIF\"}") $(metric dslite_aftr_devices)"

# B4 1 goes silent: the sweeper takes it Down
kill "$p1"
wait "$p1" 2>/dev/null
if slowwait 30 states_are "up 0 down 2"; then
	tap_ok "silent B4 1 timed out: 0 up, 2 down"
else
	tap_fail "silent B4 1 timed out: 0 up, 2 down" "$(states)"
fi
tap_expect "sessions created 2, up 2, down 1, timed out 1" "2 2 1 1" \
	"$(for m in created up down timed_out; do
		metric "dslite_aftr_sessions_${m}_total{dev=\"$AIF\"}"; done |
		paste -sd' ')"

# every counter of "aftr stats" (but the sweeper's passes, which move on
# their own) is a sample with the same value
expected() {
	ctl -j aftr stats dev "$AIF" | jq -r --arg d "$AIF" '
		.[0].counters | del(.sweeps) | to_entries[] |
		.key as $k | .value as $v | "{dev=\"\($d)\"" as $l |
		(if ($k | startswith("xdp_")) then
			"dslite_aftr_packets_total\($l),verdict=\"\($k[4:])\"}"
		elif ($k | startswith("tx_")) then
			"dslite_aftr_answered_packets_total\($l),kind=\"\($k[3:])\"}"
		elif ($k | startswith("pass_")) then
			"dslite_aftr_passed_packets_total\($l),reason=\"\($k[5:])\"}"
		elif ($k | startswith("drop_")) then
			"dslite_aftr_dropped_packets_total\($l),reason=\"\($k[5:])\"}"
		else
			"dslite_aftr_\({sessions_timeout: "sessions_timed_out"}[$k] // $k)_total\($l)}"
		end) + " \($v)"' | sort
}
got() {
	grep -E "^dslite_aftr_[a-z_]+_total\{dev=\"$AIF\"" "$1" |
		grep -v '^dslite_aftr_sweeps_total' | sort
}
# the counters are still now (no B4 talks): the same before and after
same() {
	expected >"$tmp/exp1"
	ctl metrics >"$tmp/m1"
	expected >"$tmp/exp2"
	cmp -s "$tmp/exp1" "$tmp/exp2" && got "$tmp/m1" | cmp -s - "$tmp/exp1"
}
if slowwait 30 same; then
	tap_ok "every counter equals aftr stats ($(wc -l <"$tmp/exp1") samples)"
else
	tap_fail "every counter equals aftr stats" \
		"$(got "$tmp/m1" | diff "$tmp/exp1" - | head -20)"
fi
tap_expect "answers: BFD answered, nothing dropped" "true 0" \
	"$(awk -v d="$AIF" '$1 == "dslite_aftr_answered_packets_total{dev=\"" d "\",kind=\"bfd\"}" { a = ($2 > 0) ? "true" : "false" }
		$1 == "dslite_aftr_packets_total{dev=\"" d "\",verdict=\"drop\"}" { b = $2 }
		END { print a, b }' "$tmp/m1")"
tap_expect "promtool: clean" "" "$(check_format "$tmp/m1")"

# --- a second device: one family each, the samples of both
defer "inA $DSLITECTL aftr detach dev $XIF"
ip -n "$A" link add "$XIF" type veth peer name "$XIF-p"
ip -n "$A" link set "$XIF" up
ip -n "$A" link set "$XIF-p" up
out=$(ctl aftr attach dev "$XIF" mode generic sessions 1000 2>&1)
tap_expect "attach a second device" "0:" "$?:$out"
ctl metrics >"$tmp/m2"
dup=$(grep '^# TYPE ' "$tmp/m2" | sort | uniq -d)
tap_expect "two devices: every family once" "" "$dup"
tap_expect "two devices: devices 2, both devices' samples" \
	"2 1000000 1000" \
	"$(awk -v a="$AIF" -v x="$XIF" '
		$1 == "dslite_aftr_devices" { n = $2 }
		$1 == "dslite_aftr_sessions_max{dev=\"" a "\"}" { ma = $2 }
		$1 == "dslite_aftr_sessions_max{dev=\"" x "\"}" { mx = $2 }
		END { print n, ma, mx }' "$tmp/m2")"
tap_expect "two devices: each family's samples together" "" \
	"$(awk '/^# TYPE/ { f = $3; next } /^#/ { next }
		{ n = $1; sub(/\{.*/, "", n); if (n != f) print "sample " n " under " f }' "$tmp/m2")"
tap_expect "promtool: two devices clean" "" "$(check_format "$tmp/m2")"

tap_done
