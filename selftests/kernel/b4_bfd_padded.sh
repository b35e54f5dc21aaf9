#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RFC 9764 padded BFD as a path MTU check of the softwire, on Debian's
# kernel: the B4 daemon pads its control packets to an inner IPv4 packet
# of 1400 bytes with DF ("pad 1400"), the AFTR's XDP responder answers
# each with a packet exactly as large, and the B4 accepts only such
# answers. So the session is Up only while 1400-byte packets pass both
# ways:
#   1. Up, padded both ways (every answer as large as the request);
#   2. the return path only (AFTR -> B4) gets an MTU of 1300 at the
#      router: Down (control-expired), the B4 says no answer of that size
#      came; the MTU raised again: Up;
#   3. the B4's tunnel MTU lowered to 1300: its sends fail (EMSGSIZE),
#      Down, the B4 says the path MTU is too small; raised again: Up;
#   4. "pad mtu": the packets fill the tunnel (its MTU, 1452); the
#      tunnel's MTU set to 1360: the next packets are 1360 bytes, the
#      session stays Up; the tunnel deleted and created again with MTU
#      1400: padded to 1400.
#
#  [B4] ds0 ip6tnl, 192.0.0.2 --- [ME] router ------------- [AFTR1] XDP responder
#   dslitectl b4 run dev ds0       2001:db8:b4::2/128 via      a1-me 2001:db8:a1::2
#     interval 200 pad 1400        me-b4 mtu 1300 (step 2)     (answers in place,
#   b4-me 2001:db8:b4::2                                        same size)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
require_root
require_cmd jq nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 1 || tap_skip_all "cannot build the topology"
if ! xdp_attach 1; then
	tap_fail "XDP responder attached" "aftr attach or $AFTR_PEER failed"
	tap_done
fi

PAD=1400
pq() { b4_q ".peers[0] | $1"; }
__status() { [ "$(pq .status)" = "$1" ]; }

b4_start dev ds0 interval 200 pad $PAD ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"

# --- 1. Up, padded both ways
if busywait 20000 __status up; then
	tap_ok "padded session Up (pad $PAD)"
else
	tap_fail "padded session Up (pad $PAD)" "$(b4_show_log)"
fi
sleep 1
got=$(pq '[.pad, .role, ."answers-short", (."packets-received" > 2)] | join(" ")')
tap_expect "status: pad $PAD, role active, no short answer, answers received" \
	"$PAD active 0 true" "$got"
# the responder answered them all in place: tx_bfd moves, nothing dropped
# for padding
tx=$(xdp_counter 1 tx_bfd)
pad_drops=$(xdp_counter 1 drop_bfd_padding)
if [ "$tx" -gt 2 ] && [ "$pad_drops" = 0 ]; then
	tap_ok "the AFTR answered $tx padded packets in XDP"
else
	tap_fail "the AFTR answered the padded packets" "tx_bfd $tx drop_bfd_padding $pad_drops"
fi

# --- 2. the return path's MTU below the pad size
ip -n "$ME" -6 route add $B4_ADDR/128 dev me-b4 mtu 1300
t0=$(now_ms)
if busywait 10000 __status down; then
	tap_ok "return path MTU 1300: Down after $(($(now_ms) - t0)) ms"
else
	tap_fail "return path MTU 1300: Down" "$(b4_show_log)"
fi
tap_expect "diag control-expired" "control detection time expired" "$(pq .diagnostic)"
reason=$(pq '."bfd-reason"')
case $reason in
*"padded to $PAD bytes: no answer of that size"*)
	tap_ok "reason: $reason" ;;
*)	tap_fail "reason says no answer of the padded size came" "$reason" ;;
esac
ip -n "$ME" -6 route del $B4_ADDR/128 dev me-b4
t0=$(now_ms)
if busywait 15000 __status up; then
	tap_ok "return path MTU back to 1500: Up after $(($(now_ms) - t0)) ms"
else
	tap_fail "return path MTU back: Up" "$(b4_show_log)"
fi

# --- 3. the tunnel's own MTU below the pad size
mtu=$(ip -n "$B4" -j link show ds0 | jq -r '.[0].mtu')
ip -n "$B4" link set ds0 mtu 1300
t0=$(now_ms)
if busywait 10000 __status down; then
	tap_ok "tunnel MTU 1300: Down after $(($(now_ms) - t0)) ms"
else
	tap_fail "tunnel MTU 1300: Down" "$(b4_show_log)"
fi
reason=$(pq '."bfd-reason"')
case $reason in
*"padded to $PAD bytes: path MTU too small (sends fail: Message too long)"*)
	tap_ok "reason: $reason" ;;
*)	tap_fail "reason says the sends fail as too large" "$reason" ;;
esac
tap_expect "the sends were refused (send errors, EMSGSIZE)" "true Message too long" \
	"$(pq '[(."send-errors" > 0), ."last-send-error"] | join(" ")')"
ip -n "$B4" link set ds0 mtu "$mtu"
t0=$(now_ms)
if busywait 15000 __status up; then
	tap_ok "tunnel MTU back to $mtu: Up after $(($(now_ms) - t0)) ms"
else
	tap_fail "tunnel MTU back: Up" "$(b4_show_log)"
fi

b4_stop

# --- 4. pad mtu: the tunnel's MTU, followed
b4_start dev ds0 interval 200 pad mtu ||
	tap_fail "daemon starts (pad mtu)" "$(cat "$B4_LOG")"
__pad() { [ "$(pq .status)" = up ] && [ "$(pq .pad)" = "$1" ]; }
if busywait 20000 __pad "$mtu"; then
	tap_ok "pad mtu: Up, padded to the tunnel's MTU ($mtu)"
else
	tap_fail "pad mtu: Up, padded to $mtu" "$(pq '[.status, .pad] | join(" ")')"
fi
ip -n "$B4" link set ds0 mtu 1360
if busywait 10000 __pad 1360; then
	tap_ok "tunnel MTU 1360: padded to 1360, Up"
else
	tap_fail "tunnel MTU 1360: padded to 1360" "$(pq '[.status, .pad] | join(" ")')"
fi
down=$(pq '."send-errors"')
tap_expect "no send refused (the packets follow the MTU)" 0 "$down"
ip -n "$B4" link del ds0
ip -n "$B4" link add ds0 type ip6tnl mode ipip6 local $B4_ADDR \
	remote $AFTR1_ADDR
ip -n "$B4" link set ds0 mtu 1400 up
ip -n "$B4" addr replace 192.0.0.2/29 dev ds0	# the daemon may have added it
if busywait 30000 __pad 1400; then
	tap_ok "tunnel re-created with MTU 1400: padded to 1400, Up"
else
	tap_fail "tunnel re-created: padded to 1400" "$(pq '[.status, .pad] | join(" ")') $(b4_show_log)"
fi
b4_stop
tap_done
