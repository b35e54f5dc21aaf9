#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Restart safety: after kill -9 a new daemon adopts the tunnel's state from
# dslite.ko. An up tunnel stays up while the session comes back (no carrier
# transition, no event); a forced-down tunnel stays down until the AFTR is
# back, then comes up once. A tunnel deleted under the daemon is waited
# for (tunnel-wait, default forever): with "tunnel-wait 0" the daemon
# stops at once with exit 2, as a supervised daemon may want. dslite.ko
# unloaded under the daemon does not stop it (b4_module_reload.sh has
# the rest).
#
#   [B4] ds0 (ip6tnl) ---- [ME] ---- [AFTR1] ds (ip6tnl) 192.0.0.1
#    dslitectl b4 run dev ds0          bfdd: peer 192.0.0.2
#    dslitectl monitor (all events)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq
[ -x /usr/lib/frr/bfdd ] || tap_skip_all "FRR's bfdd not installed"
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 1 || tap_skip_all "cannot build the topology"
frr_start 1 300 300 3 || tap_skip_all "bfdd does not start"
tjs() { tjson "$B4" ds0 "$1"; }
MON=$(mktemp /tmp/mon.XXXXXX)
mon_events() { jq -r 'select(.ifname == "ds0") | "\(.event) \(.carrier)"' "$MON" | tr '\n' ';'; }

b4_start dev ds0 interval 300 multiplier 3
if b4_wait_peer $AFTR1_ADDR up 30000; then tap_ok "session Up"
else tap_fail "session Up" "$(b4_show_log)"; fi
trans=$(tjs transitions)
id=$(b4_peer $AFTR1_ADDR id)

ip netns exec "$B4" "$DSLITECTL" -j monitor ready "$MON.ready" >>"$MON" 2>&1 &
defer "kill $!"
busywait 5000 test -e "$MON.ready"

b4_stop KILL
tap_expect "kill -9 leaves the carrier as it was" "true none $trans" \
	"$(tjs carrier) $(tjs forced) $(tjs transitions)"
b4_start dev ds0 interval 300 multiplier 3
if b4_log_has "found with its carrier: kept up via $AFTR1_ADDR"; then
	tap_ok "new daemon adopts the up tunnel"
else
	tap_fail "new daemon adopts the up tunnel" "$(b4_show_log)"
fi
if b4_wait_peer $AFTR1_ADDR up 10000; then tap_ok "session resumes"
else tap_fail "session resumes" "$(b4_show_log)"; fi
if [ "$(b4_peer $AFTR1_ADDR id)" != "$id" ]; then tap_ok "a new session (new discriminator)"
else tap_fail "a new session (new discriminator)" "id $id reused"; fi
tap_expect "no carrier transition across the restart" "true none $trans" \
	"$(tjs carrier) $(tjs forced) $(tjs transitions)"
tap_expect "no tunnel event across the restart" "" "$(mon_events)"
tap_expect "no failover recorded" "null 0" "$(b4_q '"\(.["last-failover"]) \(.failovers)"')"

# The same while the tunnel is forced down (the AFTR is dead).
aftr_cut 1
__down() { [ "$(tjs forced)" = carrier-down ]; }
if busywait 5000 __down; then tap_ok "AFTR dead: tunnel forced down"
else tap_fail "AFTR dead: tunnel forced down" "$(b4_show_log)"; fi
trans=$(tjs transitions)
: >"$MON"
b4_stop KILL
b4_start dev ds0 interval 300 multiplier 3
if b4_log_has "found forced down \(control-expired\): stays down until an AFTR is up"; then
	tap_ok "new daemon adopts the forced-down tunnel"
else
	tap_fail "new daemon adopts the forced-down tunnel" "$(b4_show_log)"
fi
slowwait 2 false	# the old start-up grace would have ended by now
tap_expect "still down, no transition" "false carrier-down control-expired $trans" \
	"$(tjs carrier) $(tjs forced) $(tjs diagnostic) $(tjs transitions)"
tap_expect "no tunnel event while down" "" "$(mon_events)"
aftr_restore 1
if b4_wait_active $AFTR1_ADDR 15000; then tap_ok "AFTR back: tunnel up"
else tap_fail "AFTR back: tunnel up" "$(b4_show_log)"; fi
tap_expect "exactly one carrier transition (up)" "true none $((trans + 1))" \
	"$(tjs carrier) $(tjs forced) $(tjs transitions)"
tap_expect "events: carrier up" "carrier true;" "$(mon_events)"
b4_stop TERM
tap_expect "clean stop" 0 "$B4_RC"

# The tunnel deleted under a running daemon with "tunnel-wait 0": it
# stops at once with exit 2 (a supervisor restarts it once the tunnel is
# back). By default it would wait (b4_recreate.sh).
b4_start dev ds0 interval 300 multiplier 3 tunnel-wait 0
if b4_wait_peer $AFTR1_ADDR up 15000; then tap_ok "session Up again"
else tap_fail "session Up again" "$(b4_show_log)"; fi
ip -n "$B4" link del ds0
__exited() { ! kill -0 "$B4_PID" 2>/dev/null; }
if busywait 5000 __exited; then tap_ok "ds0 deleted, tunnel-wait 0: the daemon stops"
else tap_fail "ds0 deleted, tunnel-wait 0: the daemon stops" "$(b4_show_log)"; fi
b4_stop
tap_expect "exit status 2" 2 "$B4_RC"
if b4_log_has "ds0: the tunnel is gone \(deleted or moved to another network namespace\): waiting for it \(tunnel-wait 0 s\)" &&
   b4_log_has "ds0: the tunnel did not come back within 0 s \(tunnel-wait\): stopping" &&
   b4_log_has "stopped \(exit 2\)"; then
	tap_ok "logged: the tunnel is gone, not back within 0 s, stopped (exit 2)"
else
	tap_fail "logged: the tunnel is gone, not back within 0 s, stopped (exit 2)" "$(b4_show_log)"
fi

# dslite.ko unloaded under a running daemon: it goes on without it.
ip -n "$B4" link add ds0 type ip6tnl mode ipip6 local $B4_ADDR remote $AFTR1_ADDR
ip -n "$B4" addr add 192.0.0.2/29 dev ds0
ip -n "$B4" link set ds0 up
b4_start dev ds0 interval 300 multiplier 3
if b4_wait_peer $AFTR1_ADDR up 15000; then tap_ok "a new ds0: session Up"
else tap_fail "a new ds0: session Up" "$(b4_show_log)"; fi
rmmod dslite
__said() { b4_log_has "dslite.ko unloaded \(generic netlink family dslite gone\): module not loaded: carrier not forced"; }
if busywait 5000 __said; then tap_ok "dslite.ko unloaded: said in the log"
else tap_fail "dslite.ko unloaded: said in the log" "$(b4_show_log)"; fi
slowwait 2 false
if kill -0 "$B4_PID" 2>/dev/null && [ "$(b4_peer $AFTR1_ADDR status)" = up ]; then
	tap_ok "the daemon runs on, session Up"
else
	tap_fail "the daemon runs on, session Up" "$(b4_show_log)"
fi
insmod "$DSLITE_KO"
b4_stop TERM
tap_expect "clean stop" 0 "$B4_RC"
tap_done
