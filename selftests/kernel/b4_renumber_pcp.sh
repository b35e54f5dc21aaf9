#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A WAN renumbering in place with PCP health: the B4 daemon on its
# defaults with "health all:bfd+pcp", one AFTR answering BFD in XDP and
# PCP with miniupnpd (lifetimes clamped to 2..6 s by the server). The
# tunnel's local moves to a new address (the AFTR's softwire follows, as
# its provisioning would: its ds gets the new remote) and the old address
# goes away; the new address goes through DAD. The daemon maps again from the new address at once (the
# AFTR's NAT state was keyed by the old one), the BFD session is Up again
# within 2 x interval + 1 s, the AFTR stays healthy by both methods and
# the tunnel up: no carrier transition, no failover, no send error.
#
#  [B4] b4-me 2001:db8:b4::2 -> :b5::2 --- [ME] --- [AFTR1] XDP responder (BFD)
#   ds0 ip6tnl local = that                          ds 192.0.0.1 <- miniupnpd
#   dslitectl b4 run dev ds0 health all:bfd+pcp      wan0 11.0.1.1 (external)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"
. "$(dirname "$0")/../miniupnpd_lib.sh"

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
require_root
require_cmd miniupnpd nft jq nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
miniupnpd_modules
b4_topo 1 || tap_skip_all "cannot build the topology"
in_a1() { ip netns exec "$A1" "$@"; }
pcp_prepare 1 || tap_skip_all "cannot prepare miniupnpd"
if ! pcp_start 1; then
	tap_fail "miniupnpd listens on 192.0.0.1:5351" "$(in_a1 ss -lun)"
	tap_done
fi
if ! xdp_attach 1; then
	tap_fail "XDP responder attached" "aftr attach or $AFTR_PEER failed"
	tap_done
fi
ADDR2=2001:db8:b5::2
ip -n "$ME" addr add 2001:db8:b5::1/64 dev me-b4 nodad
BOUND=3000	# the interval (1000 ms) x 2 + 1 s
tjs() { tjson "$B4" ds0 "$1"; }
mapped() { grep -c "aftr $AFTR1_ADDR: pcp: mapped 192.0.0.2:" "$B4_LOG"; }
state() { b4_q '.peers[0] | "\(.healthy) \(.status) \(.pcp.ok) \(.local)"'; }
__ok_from() { [ "$(b4_q .up) $(state)" = "true true up true $1" ]; }

b4_start dev ds0 health all:bfd+pcp ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if busywait 30000 __ok_from $B4_ADDR && b4_wait_active $AFTR1_ADDR 5000; then
	tap_ok "AFTR1 healthy by BFD and PCP, up via AFTR1"
else
	tap_fail "AFTR1 healthy by BFD and PCP, up via AFTR1" "$(b4_show_log)"
fi
tap_expect "mapped once" 1 "$(mapped)"
trans=$(tjs transitions)
err0=$(b4_send_errors)

# with DAD, as a CPE's WAN address gets it: the tunnel cannot send from
# the new address until DAD is done (about 1 s); its end is an address
# event, on which the session's next packet leaves at once
ip -n "$B4" addr add $ADDR2/64 dev b4-me
t0=$(now_ms)
ip -n "$B4" link set ds0 type ip6tnl local $ADDR2
ip -n "$A1" link set ds type ip6tnl remote $ADDR2
ip -n "$B4" -6 route replace default via 2001:db8:b5::1
ip -n "$B4" addr del $B4_ADDR/64 dev b4-me
__bfd_from() { [ "$(b4_q '.peers[0] | "\(.status) \(.local)"')" = "up $1" ]; }
if busywait 10000 __bfd_from $ADDR2; then
	t=$(($(b4_up_at) - t0))
	diag "the BFD session Up again $t ms after the tunnel moved"
	if [ $t -le $BOUND ]; then tap_ok "BFD Up again within $BOUND ms"
	else tap_fail "BFD Up again within $BOUND ms" "$t ms"; fi
else
	tap_fail "BFD Up again within $BOUND ms" "$(state)"
fi
__remapped() { [ "$(mapped)" -ge 2 ] && __ok_from $ADDR2; }
if busywait 15000 __remapped; then
	tap_ok "PCP mapped again from the new address, healthy by both"
else
	tap_fail "PCP mapped again from the new address, healthy by both" "$(state) $(b4_show_log)"
fi
tap_expect "the mapping is 192.0.0.2:port -> 11.0.1.1, SUCCESS" \
	"11.0.1.1 SUCCESS true" \
	"$(b4_q '.peers[0].pcp | "\(.["external-address"]) \(.["last-result"]) \(.["internal-port"] == .["external-port"])"')"
if b4_log_has "ds0: local address $B4_ADDR -> $ADDR2 .*PCP mapped again"; then
	tap_ok "one log line names the change and the re-mapping"
else
	tap_fail "one log line names the change and the re-mapping" "$(b4_show_log)"
fi
# through renewals (3..3.75 s) and past the PCP deadline (15 s)
if b4_hold 18 __ok_from $ADDR2; then tap_ok "still healthy by both 18 s later"
else tap_fail "still healthy by both 18 s later" "$(state) (at $HOLD_AT)"; fi
tap_expect "renewed from the new address" true "$(b4_q '.peers[0].pcp.renewals >= 2')"
tap_expect "no carrier transition, no failover, no send error" \
	"true none $trans 0 $err0" \
	"$(tjs carrier) $(tjs forced) $(tjs transitions) $(b4_q .failovers) $(b4_send_errors)"
b4_stop TERM
tap_expect "clean stop" 0 "$B4_RC"
b4_show_log
tap_done
