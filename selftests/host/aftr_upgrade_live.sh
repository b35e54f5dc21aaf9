#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-place upgrade's migration while B4s talk (Documentation/
# aftr-operations.md, "Upgrading"): three B4 peers (aftr_peer, real frames,
# dslite's own BFD state machine) hold sessions in the lowest slots, the
# table behind them is filled with 400,000 more (upgrade_fill), and the
# test build of a later layout (build/pad/dslitectl) migrates the table
# while the peers go on sending: their slots change after the first copy
# and must be copied again by the second pass. Every BFD packet the peers
# send is answered (they check every answer), the sessions stay Up with
# their discriminators and go on counting, nothing times out or is
# dropped; then the live change of the allowlist leaves exactly the new
# prefixes.
#
#   [ netns A: AFTR ]                          [ netns B: B4s ]
#     $IF 2001:db8:af::1/64 <==== veth ====>    $BIF  aftr_peer 2001:db8:b4::1..3
#     dslite_aftr (XDP), sessions 500000
#     slots 1-3: the peers; 4-400003: upgrade_fill

. "$(dirname "$0")/../lib.sh"

require_root
require_bpffs
require_cmd jq bpftool nsenter
PEER=$DSLITE_ROOT/build/tests/aftr_peer
FILL=$DSLITE_ROOT/build/tests/upgrade_fill
PAD=$DSLITE_ROOT/build/pad/dslitectl
for f in "$PEER" "$FILL" "$PAD" "$DSLITECTL"; do
	if [ ! -x "$f" ]; then
		tap_fail "test programs built" "$f missing: run make tests first"
		tap_done
	fi
done

setup_ns A B || tap_skip_all "cannot create network namespaces"
sfx=${A#A-}
IF=upa$sfx
BIF=upb$sfx
in_a() { nsenter --net="/run/netns/$A" "$@"; }
defer "in_a $PAD aftr detach dev $IF"
ip link add "$IF" netns "$A" type veth peer name "$BIF" netns "$B" ||
	tap_skip_all "no veth"
ip netns exec "$B" sysctl -qw "net.ipv6.conf.$BIF.disable_ipv6=1"
ip -n "$A" addr add 2001:db8:af::1/64 dev "$IF" nodad
ip -n "$A" link set "$IF" up
ip -n "$B" link set "$BIF" up
nsenter --net="/run/netns/$B" "$PEER" xdp-pass "$BIF" ||
	tap_skip_all "no native XDP on veth"

out=$(in_a "$DSLITECTL" aftr attach dev "$IF" mode native sessions 500000 \
	allow 2001:db8:b4::/48 allow 2001:db8:99::/48 2>&1)
tap_expect "attach, 500000 sessions" "0:" "$?:$out"
PINS=$(aftr_pin_dir "$A" "$IF")
tmp=$(mktemp -d /tmp/aftr-upgrade.XXXXXX)
defer "rm -rf $tmp"
mac=$(ip -n "$A" -j link show "$IF" | jq -r '.[0].address')
for i in 1 2 3; do
	nsenter --net="/run/netns/$B" "$PEER" run dev "$BIF" dmac "$mac" \
		src 2001:db8:b4::$i dst 2001:db8:af::1 discr 100$i interval 100 \
		up hold 15000 >"$tmp/p$i" 2>&1 &
	pids[i]=$!
done
view() {
	in_a "$1" -j aftr sessions dev "$IF" |
		jq -c '[.[] | select(.peer | startswith("2001:db8:b4::")) |
			[.peer, .status, .id]] | sort'
}
__three_up() { [ "$(view "$DSLITECTL" | jq '[.[] | select(.[1] == "up")] | length')" = 3 ]; }
slowwait 10 __three_up
before=$(view "$DSLITECTL")
tap_expect "three peers Up in slots 1-3" 3 "$(jq '[.[] | select(.[1] == "up")] | length' <<<"$before")"
rx0=$(in_a "$DSLITECTL" -j aftr sessions dev "$IF" | jq '[.[] | select(.peer | startswith("2001:db8:b4::")) | ."rx-packets"] | add')
out=$("$FILL" "$PINS" 400000 4 2>&1)
tap_expect "400000 more sessions written behind them" 0 "$?"
diag "$out"

out=$(in_a "$PAD" aftr attach dev "$IF" sessions 500000 allow 2001:db8:b4::/48 \
	allow 2001:db8:77::/64 2>&1)
rc=$?
diag "$out"
again=$(sed -n 's/.*, \([0-9]*\) slots copied again.*/\1/p' <<<"$out")
if [ $rc = 0 ] && grep -q "layout 3 -> 4, 400004 session slots migrated" <<<"$out"; then
	tap_ok "migrated: 400004 slots"
else
	tap_fail "migrated: 400004 slots" "rc $rc: $out"
fi
# the peers send every 100 to 300 ms: the first copy takes longer than
# that, so their slots changed after it
if [ "${again:-0}" -ge 1 ]; then
	tap_ok "the second pass copied the slots changed meanwhile ($again)"
else
	tap_fail "the second pass copied the slots changed meanwhile" "$out"
fi
# (while the peers still send: once they stop, their sessions time out)
slowwait 1 false
tap_expect "no timeout, no drop for a discriminator or a stuck slot, 400003 live" \
	"0 0 0 0 400003" \
	"$(in_a "$PAD" -j aftr stats dev "$IF" | jq -r '.[0] | .counters | "\(.sessions_timeout) \(.sessions_down) \(.drop_bfd_your_discr) \(.drop_busy)"') $(in_a "$PAD" -j aftr stats dev "$IF" | jq -r '.[0].sessions')"
# the sessions as the new program holds them, while the peers still
# send (once they stop, their sessions time out after 300 ms)
after=$(view "$PAD")
fails=0
for i in 1 2 3; do
	wait "${pids[i]}" || fails=$((fails + 1))
done
tap_expect "every BFD packet of the three peers answered, checked, Up at the end" \
	"0 3" "$fails $(cat "$tmp"/p? | grep -c 'state Up')"
grep -h . "$tmp"/p? | sed 's/^/# /'
tap_expect "the same sessions, Up, same discriminators" "$before" "$after"
rx1=$(in_a "$PAD" -j aftr sessions dev "$IF" | jq '[.[] | select(.peer | startswith("2001:db8:b4::")) | ."rx-packets"] | add')
if [ "$rx1" -gt "$rx0" ]; then tap_ok "they went on counting ($rx0 -> $rx1)"
else tap_fail "they went on counting" "$rx0 -> $rx1"; fi
# 2001:db8:b4::/48 and 2001:db8:77::/64 (bytes 4 and 5 of the address)
tap_expect "allowlist changed live: exactly the new prefixes" \
	'[[48,0,180],[64,0,119]]' \
	"$(bpftool -j map dump pinned "$PINS/dslite_allow" |
	   jq -c '[.[].formatted.key | [.prefixlen, .addr[4], .addr[5]]] | sort')"
tap_done
