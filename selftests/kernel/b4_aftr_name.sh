#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Auto-configuration from an AFTR name (DHCPv6 option 64): every AAAA
# record is a candidate, in the order the resolver gives them (here
# /etc/hosts, AFTR2's line first). SIGHUP resolves the name again: a
# record that disappears is dropped (AdminDown sent to it); when it was
# the active AFTR the daemon fails over at once with admin-down.
#
#   /etc/hosts: 2001:db8:a2::2 aftr.dslite.test
#               2001:db8:a1::2 aftr.dslite.test
#
#   [B4] ds0 -> AFTR1 --- [ME] --- [AFTR1] XDP responder
#                              \-- [AFTR2] XDP responder
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq nsenter
[ -w /etc/hosts ] || tap_skip_all "/etc/hosts is not writable here"
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 || tap_skip_all "cannot build the topology"
xdp_attach_both
tjs() { tjson "$B4" ds0 "$1"; }

NAME=aftr.dslite.test
cp /etc/hosts /tmp/hosts.orig
defer "cp /tmp/hosts.orig /etc/hosts"
hosts() {
	cp /tmp/hosts.orig /etc/hosts
	for a in "$@"; do echo "$a $NAME" >>/etc/hosts; done
}
hosts $AFTR2_ADDR $AFTR1_ADDR

b4_start dev ds0 aftr-name $NAME interval 300 multiplier 3 standby-interval 500 \
	hold-down 1 || tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_peer $AFTR1_ADDR up 30000 && b4_wait_peer $AFTR2_ADDR up 15000; then
	tap_ok "both AFTRs of the name Up"
else
	tap_fail "both AFTRs of the name Up" "$(b4_show_log)"
fi
tap_expect "candidates in record order, from aftr-name" \
	"$AFTR2_ADDR aftr-name $AFTR1_ADDR aftr-name" \
	"$(b4_q '.peers | map("\(.peer) \(.origin)") | join(" ")')"
tap_expect "the tunnel's remote (a candidate) is kept: up via AFTR1" \
	"true $AFTR1_ADDR $AFTR1_ADDR" "$(b4_q '"\(.up) \(.active)"') $(tjs remote)"

# The name loses AFTR2 (a standby): dropped, AdminDown sent to it.
hosts $AFTR1_ADDR
kill -HUP "$B4_PID"
__n() { [ "$(b4_q '.peers | length')" = "$1" ]; }
if busywait 5000 __n 1; then tap_ok "reload: AFTR2 dropped"
else tap_fail "reload: AFTR2 dropped" "$(b4_show_log)"; fi
a2_session() {
	in_aftr 2 "$DSLITECTL" -j aftr sessions dev a2-me |
		"$JQ" -r '.[0] | "\(.status) \(.diagnostic) \(.["remote-status"])"'
}
__a2_down() { [ "$(a2_session)" = "down neighbor signaled session down shutdown" ]; }
if busywait 5000 __a2_down; then tap_ok "AFTR2 got AdminDown"
else tap_fail "AFTR2 got AdminDown" "$(a2_session)"; fi
tap_expect "still up via AFTR1" "true $AFTR1_ADDR" "$(b4_q '"\(.up) \(.active)"')"

# The name now points to AFTR2 only: the active AFTR is gone.
hosts $AFTR2_ADDR
kill -HUP "$B4_PID"
if b4_wait_active $AFTR2_ADDR 10000; then tap_ok "reload: fails over to the new AFTR2"
else tap_fail "reload: fails over to the new AFTR2" "$(b4_show_log)"; fi
tap_expect "tunnel re-pointed, carrier up" "$AFTR2_ADDR true none" \
	"$(tjs remote) $(tjs carrier) $(tjs forced)"
tap_expect "last failover: admin-down from AFTR1" "failover $AFTR2_ADDR admin-down" \
	"$(b4_q '.["last-failover"] | "\(.kind) \(.to) \(.diagnostic)"')"
if b4_log_has "reload: the active AFTR was removed"; then tap_ok "logged"
else tap_fail "logged" "$(b4_show_log)"; fi

# A name that no longer resolves: the reload is refused, nothing changes.
hosts
kill -HUP "$B4_PID"
__refused() { b4_log_has "reload refused: aftr-name $NAME: "; }
# (the resolver may wait for its name servers: timeouts of 5 s, tried twice)
if busywait 30000 __refused; then tap_ok "unresolvable name: reload refused"
else tap_fail "unresolvable name: reload refused" "$(b4_show_log)"; fi
tap_expect "still up via AFTR2" "true $AFTR2_ADDR 1" \
	"$(b4_q '"\(.up) \(.active) \(.peers | length)"')"
tap_done
