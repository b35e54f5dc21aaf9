#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# RFC 9468 (unsolicited BFD) on the AFTR's passive side, with dslitectl
# and the XDP responder on this kernel, B4s from aftr_peer:
#   - the passive role is enabled per interface: the responder answers on
#     the interface it is attached to, a second interface of the same
#     AFTR answers nothing (section 2: explicitly configured per
#     interface, off by default);
#   - the subnet policy (section 2): BFD control from an inner source
#     outside the B4 addresses of 192.0.0.0/29 gets no session and no
#     answer (drop_bfd_inner_source), 192.0.0.7 does;
#   - the passive side's own timers (attach tx-interval, rx-interval,
#     multiplier) are what it advertises, and it chooses its own
#     discriminator (node id 5 in the top 8 bits);
#   - bfd.Role and the YANG operational leaves in "aftr sessions -j";
#   - reap rfc9468: a session whose B4 falls silent is deleted after its
#     detection time, never-Up sessions after theirs; nothing remains;
#   - bad input: reap with an unknown mode, reap rfc9468 with down-idle.
#
#   [ netns A: the AFTR ]                          [ netns B: the B4s ]
#     $AIF 2001:db8:af::1/64  <====== veth ======>  $BIF   aftr_peer
#     dslite_aftr (XDP, reap rfc9468)                      (XDP_PASS)
#     $AIF2 2001:db8:af2::1/64 <===== veth ======>  $BIF2  aftr_peer
#     (no responder: the passive role is off here)

. "$(dirname "$0")/../lib.sh"

require_root
require_bpffs
require_cmd jq bpftool nsenter
PEER=$DSLITE_ROOT/build/tests/aftr_peer
if [ ! -x "$PEER" ] || [ ! -x "$DSLITECTL" ]; then
	tap_fail "test programs built" "run make tests first"
	tap_done
fi

setup_ns A B || tap_skip_all "cannot create network namespaces"
sfx=${A#A-}
AIF=aftr$sfx
BIF=b4$sfx
AIF2=aftrb$sfx
BIF2=b4b$sfx
PINS=$(aftr_pin_dir "$A" "$AIF")
AFTR6=2001:db8:af::1
AFTR6B=2001:db8:af2::1
tmp=$(mktemp -d)
defer "rm -rf $tmp"

inA() { nsenter --net="/run/netns/$A" "$@"; }
inB() { nsenter --net="/run/netns/$B" "$@"; }
ctl() { inA "$DSLITECTL" "$@"; }
defer "inA $DSLITECTL aftr detach dev $AIF"

for pair in "$AIF $BIF $AFTR6" "$AIF2 $BIF2 $AFTR6B"; do
	set -- $pair
	ip link add "$1" netns "$A" type veth peer name "$2" netns "$B" ||
		tap_skip_all "no veth"
	ip netns exec "$B" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$A" addr add "$3/64" dev "$1" nodad
	ip -n "$A" link set "$1" up
	ip -n "$B" link set "$2" up
	inB "$PEER" xdp-pass "$2" || tap_skip_all "no native XDP on veth"
done
MAC_A=$(ip -n "$A" -j link show "$AIF" | jq -r '.[0].address')
MAC_A2=$(ip -n "$A" -j link show "$AIF2" | jq -r '.[0].address')

peer() {
	local src=$1
	shift
	inB "$PEER" run dev "$BIF" dmac "$MAC_A" src "$src" dst $AFTR6 "$@"
}
peer2() {
	local src=$1
	shift
	inB "$PEER" run dev "$BIF2" dmac "$MAC_A2" src "$src" dst $AFTR6B "$@"
}
counter() { ctl -j aftr stats dev "$AIF" | jq -r ".[0].counters.$1"; }
nsess() { ctl -j aftr sessions dev "$AIF" | jq length; }
no_sessions() { [ "$(nsess)" = 0 ]; }

# --- bad input: refused, nothing pinned
bad() {
	local desc=$1 msg=$2 out r
	shift 2
	out=$(ctl aftr attach "$@" 2>&1)
	r=$?
	if [ "$r:$out" = "1:dslitectl: aftr attach: $msg" ] && [ ! -e "$PINS" ]; then
		tap_ok "refused: $desc"
	else
		tap_fail "refused: $desc" "rc $r, '$out'"
	fi
}
bad "reap with an unknown mode" 'reap must be "idle" or "rfc9468", not "never"' \
	dev "$AIF" reap never
bad "reap rfc9468 with down-idle" \
	'down-idle and embryonic-idle are for "reap idle" ("reap rfc9468" deletes a session once Down, or not Up within one detection time)' \
	dev "$AIF" reap rfc9468 down-idle 5000

# --- the passive role on $AIF only
out=$(ctl aftr attach dev "$AIF" reap rfc9468 node-id 5 tx-interval 200 \
	rx-interval 150 multiplier 4 sweep-interval 50 2>&1)
tap_expect "attach reap rfc9468 with the passive side's own timers" "0:" "$?:$out"

out=$(peer2 2001:db8:b4::22 flood 3 2>&1)
tap_expect "an interface without the responder answers no B4 (passive role off)" \
	"flood: sent 3 answered 0" "$(grep '^flood:' <<<"$out")"
out=$(peer 2001:db8:b4::33 flood 3 2>&1)
tap_expect "the interface with the responder answers every new B4" \
	"flood: sent 3 answered 3" "$(grep '^flood:' <<<"$out")"

# --- the subnet policy: the inner source must be a B4's
out=$(peer 2001:db8:b6::44 b4 192.0.0.9 flood 2 2>&1)
tap_expect "inner source 192.0.0.9 (outside 192.0.0.0/29): no answer" \
	"flood: sent 2 answered 0" "$(grep '^flood:' <<<"$out")"
tap_expect "counted as drop_bfd_inner_source" 2 "$(counter drop_bfd_inner_source)"
out=$(peer 2001:db8:b7::55 b4 192.0.0.7 flood 1 2>&1)
tap_expect "inner source 192.0.0.7 (a B4 address of the /29): answered" \
	"flood: sent 1 answered 1" "$(grep '^flood:' <<<"$out")"

# --- an Up session: bfd.Role, own discriminator, own timers, YANG leaves
peer 2001:db8:b4::2 discr 2002 interval 100 multiplier 3 up hold 2500 \
	>"$tmp/p1" 2>&1 &
p1=$!
sess() { ctl -j aftr sessions dev "$AIF" peer 2001:db8:b4::2 | jq -r ".[0] | $1"; }
up() { [ "$(sess .status)" = up ]; }
if slowwait 5 up; then
	got=$(sess '[.role, (.id / 16777216 | floor), ."remote-id",
		."receive-interval", ."transmit-interval", ."detect-multiplier",
		.yang.role, .yang["path-type"], .yang["local-state"],
		.yang["remote-state"], .yang["local-diagnostic"],
		.yang["detection-mode"], .yang["remote-multiplier"],
		.yang["negotiated-rx-interval"], .yang["detection-time"],
		.yang["negotiated-tx-interval"],
		(.yang["local-discriminator"] == .id),
		.yang["remote-discriminator"]] | join(" ")')
	# rx 150 ms advertised, tx max(200, the B4's 100, rx 150) = 200;
	# detection time 3 x max(150, 100) ms; the AFTR answers at the B4's
	# pace: its negotiated TX interval is max(200 ms, the B4's RX 100)
	tap_expect "sessions: role passive, node id 5, the passive side's timers, YANG leaves" \
		"passive 5 2002 150 200 4 passive ip-sh up up none async-without-echo 3 150000 450000 200000 true 2002" \
		"$got"
else
	tap_fail "B4 Up" "$(cat "$tmp/p1")"
fi
wait $p1
tap_expect "the B4 stayed Up for its 2.5 s" "0" "$?"

# --- reap rfc9468: everything ends once its detection time has passed
# (the Up one 450 ms after the B4's last packet; the never-Up flood
# sessions 3 x 1 s after their one packet: a B4 not Up advertises 1 s)
if slowwait 15 no_sessions; then
	tap_ok "reap rfc9468: every session deleted (silent B4, never-Up B4s)"
else
	tap_fail "reap rfc9468: every session deleted" "$(ctl aftr sessions dev "$AIF")"
fi
tap_expect "sessions_reaped counts them all (3 + 1 + 1)" "5 5" "$(counter sessions_created) $(counter sessions_reaped)"
tap_expect "and the Up one timed out first (sessions_timeout)" 1 \
	"$( [ "$(counter sessions_timeout)" -ge 1 ] && echo 1)"

ctl aftr detach dev "$AIF"
tap_done
