#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The AFTR responder's pins are per network namespace: two namespaces
# attach a device of the same name, each sees only its own sessions and
# responder, a detach in one leaves the other running, a namespace
# deleted with its responder attached leaves pins (and the program and
# its session memory) that "aftr prune" removes, and pins of the old
# layout (/sys/fs/bpf/dslite/IFNAME) move under the namespace they run in.
#
#   [ netns A1: AFTR ]                        [ netns B1: B4 ]
#     $IF 2001:db8:af::1/64 <==== veth ====>   $BIF  aftr_peer 2001:db8:b4::1
#     dslite_aftr (XDP)
#     pins /sys/fs/bpf/dslite/netns-COOKIE(A1)/$IF
#
#   [ netns A2: AFTR ]                        [ netns B2: B4 ]
#     $IF 2001:db8:af::1/64 <==== veth ====>   $BIF  aftr_peer 2001:db8:b4::2
#     (the same device name)
#     pins /sys/fs/bpf/dslite/netns-COOKIE(A2)/$IF
#
# dslitectl runs through nsenter --net, which keeps the host's BPF file
# system (one for every namespace: the pins of all of them meet there).

. "$(dirname "$0")/../lib.sh"

require_root
require_bpffs
require_cmd jq bpftool nsenter python3
PEER=$DSLITE_ROOT/build/tests/aftr_peer
if [ ! -x "$PEER" ] || [ ! -x "$DSLITECTL" ]; then
	tap_fail "test programs built" "run make tests first"
	tap_done
fi

setup_ns A1 B1 A2 B2 || tap_skip_all "cannot create network namespaces"
sfx=${A1#A1-}
IF=aftr$sfx
BIF=b4$sfx
AFTR6=2001:db8:af::1
ROOT=/sys/fs/bpf/dslite

in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
ctl() { local ns=$1; shift; in_ns "$ns" "$DSLITECTL" "$@"; }
defer "ctl A1 aftr detach dev $IF"

for i in 1 2; do
	a=A$i b=B$i
	ip link add "$IF" netns "${!a}" type veth peer name "$BIF" netns "${!b}" ||
		tap_skip_all "no veth"
	ip netns exec "${!b}" sysctl -qw "net.ipv6.conf.$BIF.disable_ipv6=1"
	ip -n "${!a}" addr add $AFTR6/64 dev "$IF" nodad
	ip -n "${!a}" link set "$IF" up
	ip -n "${!b}" link set "$BIF" up
	in_ns "${!b}" "$PEER" xdp-pass "$BIF" || tap_skip_all "no native XDP on veth"
done
P1=$(aftr_pin_dir "$A1" "$IF")
P2=$(aftr_pin_dir "$A2" "$IF")
NS2=$(dirname "$P2")
diag "pins: $P1 and $P2"

# peer N: B4 2001:db8:b4::N in BN brings a session to Up with its AFTR
peer() {
	local b=B$1 a=A$1 mac
	mac=$(ip -n "${!a}" -j link show "$IF" | jq -r '.[0].address')
	in_ns "${!b}" "$PEER" run dev "$BIF" dmac "$mac" src "2001:db8:b4::$1" \
		dst $AFTR6 discr $((1000 + $1)) up
}
# peers NS: the peers of every session NS sees, without "dev"
peers() { ctl "$1" -j aftr sessions | jq -c '[.[] | .peer]'; }
# devs NS: the responders NS sees, without "dev"
devs() { ctl "$1" -j aftr stats | jq -c '[.[] | [.dev, .attached]]'; }
prog_of() { ctl "$1" -j aftr stats dev "$IF" | jq -r '.[0]."prog-id"'; }
prog_gone() { ! bpftool prog show id "$1" >/dev/null 2>&1; }

# --- the same device name attached in two namespaces
out=$(ctl "$A1" aftr attach dev "$IF" mode native 2>&1)
tap_expect "A1: attach $IF" "0:" "$?:$out"
out=$(ctl "$A2" aftr attach dev "$IF" mode native 2>&1)
tap_expect "A2: attach $IF too (same name, other namespace)" "0:" "$?:$out"
if [ -e "$P1/link" ] && [ -e "$P2/link" ] && [ "$P1" != "$P2" ]; then
	tap_ok "one pin directory per namespace"
else
	tap_fail "one pin directory per namespace" "$(find $ROOT -maxdepth 2)"
fi
prog1=$(prog_of "$A1")
prog2=$(prog_of "$A2")
tap_expect "two programs" "true" \
	"$([ -n "$prog1" ] && [ -n "$prog2" ] && [ "$prog1" != "$prog2" ] && echo true)"

peer 1 >/dev/null 2>&1
tap_expect "B4 1 Up with A1's responder" 0 $?
peer 2 >/dev/null 2>&1
tap_expect "B4 2 Up with A2's responder" 0 $?
tap_expect "A1's sessions: only B4 1" '["2001:db8:b4::1"]' "$(peers "$A1")"
tap_expect "A2's sessions: only B4 2" '["2001:db8:b4::2"]' "$(peers "$A2")"
tap_expect "A1's stats: only its own responder" "[[\"$IF\",true]]" "$(devs "$A1")"
tap_expect "the host namespace sees no responder" "[]" \
	"$("$DSLITECTL" -j aftr stats | jq -c '[.[] | .dev]')"

# --- detach in A1 leaves A2 running
out=$(ctl "$A1" aftr detach dev "$IF" 2>&1)
tap_expect "A1: detach" "0:" "$?:$out"
if [ ! -e "$P1" ] && [ ! -e "$(dirname "$P1")" ] && busywait 3000 prog_gone "$prog1"; then
	tap_ok "A1: its pins, its namespace directory and its program are gone"
else
	tap_fail "A1: its pins, its namespace directory and its program are gone" \
		"$(find $ROOT -maxdepth 2)"
fi
tap_expect "A2: still attached, same program" "[[\"$IF\",true]] $prog2" \
	"$(devs "$A2") $(prog_of "$A2")"
peer 2 >/dev/null 2>&1
tap_expect "A2: still answers B4 2" 0 $?

# --- a namespace deleted with its responder attached
ip netns del "$A2"
# (the kernel dismantles a namespace in the background)
link_dead() { [ "$(bpftool -j link show pinned "$1" | jq -r '.ifindex // 0')" = 0 ]; }
busywait 20000 link_dead "$P2/link"
tap_expect "A2 deleted: its pins stay" "true true" \
	"$([ -e "$P2/link" ] && echo true) $(prog_gone "$prog2" || echo true)"
# (prune sweeps the whole BPF file system: lines about what other tests
# may have left are not this test's business)
out=$(ctl "$A1" aftr prune 2>&1)
tap_expect "prune (from A1): removes A2's pins" \
	"0:removed $P2 (its device is gone)" "$?:$(grep -F "$sfx" <<<"$out")"
if [ ! -e "$P2" ] && [ ! -e "$NS2" ] && busywait 3000 prog_gone "$prog2"; then
	tap_ok "A2's directory gone, its program and maps freed"
else
	tap_fail "A2's directory gone, its program and maps freed" \
		"$(find $ROOT -maxdepth 2; bpftool prog show id "$prog2")"
fi
out=$(ctl "$A1" aftr prune 2>&1)
tap_expect "prune again: nothing to do" "0:" "$?:$(grep -F "$sfx" <<<"$out")"

# --- prune keeps what runs, removes a directory without a link
ctl "$A1" aftr attach dev "$IF" mode native
prog1=$(prog_of "$A1")
mkdir -p "$ROOT/netns-999999999999/lost$sfx"
bpftool map create "$ROOT/netns-999999999999/lost$sfx/dslite_state" \
	type array key 4 value 16 entries 1 name dslite_state
out=$("$DSLITECTL" aftr prune 2>&1)
tap_expect "prune (from the host): a directory without a link is removed" \
	"0:removed $ROOT/netns-999999999999/lost$sfx (no link pinned)" \
	"$?:$(grep -F "$sfx" <<<"$out")"
tap_expect "prune leaves A1's responder running" "[[\"$IF\",true]] $prog1" \
	"$(devs "$A1") $(prog_of "$A1")"

# --- the old layout: /sys/fs/bpf/dslite/IFNAME
mv "$P1" "$ROOT/$IF"
tap_expect "A1's responder pinned as the old layout did" "true" \
	"$([ -e "$ROOT/$IF/link" ] && [ ! -e "$P1" ] && echo true)"
ctl "$A1" aftr stats >/dev/null 2>&1
if [ -e "$P1/link" ] && [ ! -e "$ROOT/$IF" ] &&
   [ "$(devs "$A1") $(prog_of "$A1")" = "[[\"$IF\",true]] $prog1" ]; then
	tap_ok "old layout: moved under A1's directory by the next command there, still running"
else
	tap_fail "old layout: moved under A1's directory" "$(find $ROOT -maxdepth 2)"
fi
peer 1 >/dev/null 2>&1
tap_expect "A1 still answers B4 1 across the move" 0 $?
mkdir "$ROOT/old$sfx"
bpftool map create "$ROOT/old$sfx/dslite_state" \
	type array key 4 value 16 entries 1 name dslite_state
out=$(ctl "$A1" aftr prune 2>&1)
tap_expect "prune: an old-layout directory without a live link is removed" \
	"0:removed $ROOT/old$sfx (no link pinned)" "$?:$(grep -F "$sfx" <<<"$out")"

# --- bad arguments
out=$(ctl "$A1" aftr prune now 2>&1)
tap_expect "prune takes no argument" \
	'1:dslitectl: aftr prune: unexpected argument "now" (try "dslitectl aftr help")' \
	"$?:$out"

out=$(ctl "$A1" aftr detach dev "$IF" 2>&1)
tap_expect "A1: detach" "0:" "$?:$out"
tap_done
