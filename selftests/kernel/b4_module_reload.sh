#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dslite.ko unloaded and loaded again under a running B4 daemon (a package
# upgrade), two AFTRs answered by dslite's XDP responder, repoint mode,
# interval 1000 ms x 3 (the default: a loaded test machine must not see
# spurious timeouts), standby probes every 1000 ms:
#   - rmmod: the daemon runs on in degraded mode, says so once in the log
#     and in "b4 status" ("module not loaded: carrier not forced"); a cut
#     of the active AFTR still fails over by repoint;
#   - insmod: the daemon binds to the family again; the healthy tunnel is
#     not flapped (no carrier transition, no event); a cut of the active
#     AFTR moves the tunnel and forces the carrier down and up as before;
#   - rmmod while a failover is in progress (both AFTRs dead, the tunnel
#     forced down: the module gives the carrier back as it goes), insmod:
#     the daemon forces it down again with its diag and reason; an AFTR
#     back brings the carrier up; a cut of the active AFTR after that
#     still moves the tunnel and forces the carrier;
#   - every rmmod succeeds (the daemon holds no reference to the module).
#
#  [B4] ds0 -> AFTR1 --- [ME] --- [AFTR1] XDP responder on a1-me
#   dslitectl b4 run            \- [AFTR2] XDP responder on a2-me
#   dslitectl monitor (restarted with each load)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 || tap_skip_all "cannot build the topology"
xdp_attach_both
tjs() { tjson "$B4" ds0 "$1"; }
remote() { ip -n "$B4" -j -d link show ds0 | jq -r '.[0].linkinfo.info_data.remote'; }
MON=$(mktemp /tmp/mon.XXXXXX)
mon_start() {
	: >"$MON"
	rm -f "$MON.ready"
	ip netns exec "$B4" "$DSLITECTL" -j monitor ready "$MON.ready" >>"$MON" 2>&1 &
	MON_PID=$!
	defer "kill $MON_PID"
	busywait 5000 test -e "$MON.ready"
}
mon_events() { jq -r 'select(.ifname == "ds0") | "\(.event) \(.carrier) \(.diagnostic) \(.remote)"' "$MON" 2>/dev/null | tr '\n' ';'; }
__alive() { kill -0 "$B4_PID" 2>/dev/null; }
__log_count() { [ "$(grep -cE -- "$1" "$B4_LOG")" -ge "$2" ]; }

# unload N: rmmod with the daemon running; the daemon notices
unload() {
	local n=$1
	if rmmod dslite; then tap_ok "reload $n: dslite.ko unloads under the daemon"
	else tap_fail "reload $n: dslite.ko unloads under the daemon" "$(lsmod | grep dslite)"; fi
	if busywait 5000 __log_count "module not loaded: carrier not forced" $n && __alive; then
		tap_ok "reload $n: degraded mode, said in the log, the daemon runs"
	else
		tap_fail "reload $n: degraded mode, said in the log, the daemon runs" "$(b4_show_log)"
	fi
	tap_expect "reload $n: status says the module is not loaded" "false" "$(b4_q '.["module-loaded"]')"
	if in_b4 "$DSLITECTL" b4 status | grep -q "module not loaded: carrier not forced"; then
		tap_ok "reload $n: text status: module not loaded: carrier not forced"
	else
		tap_fail "reload $n: text status: module not loaded: carrier not forced" "$(in_b4 "$DSLITECTL" b4 status)"
	fi
}

# load N: insmod; the daemon binds again
load() {
	local n=$1
	insmod "$DSLITE_KO" || { tap_fail "reload $n: insmod"; return; }
	mon_start
	if busywait 5000 __log_count "dslite.ko loaded again" $n; then
		tap_ok "reload $n: bound to the family again"
	else
		tap_fail "reload $n: bound to the family again" "$(b4_show_log)"
	fi
	tap_expect "reload $n: status: module loaded" "true" "$(b4_q '.["module-loaded"]')"
}

b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR standby-interval 1000 \
	hold-down 2 ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_active $AFTR1_ADDR 30000 && b4_wait_peer $AFTR2_ADDR up 15000; then
	tap_ok "up via AFTR1, AFTR2 Up as a standby"
else
	tap_fail "up via AFTR1, AFTR2 Up as a standby" "$(b4_show_log)"
fi

# 1. rmmod; failover by repoint without the module; insmod.
unload 1
aftr_cut 1
if b4_wait_active $AFTR2_ADDR 10000 && [ "$(remote)" = $AFTR2_ADDR ]; then
	tap_ok "reload 1: without the module a cut of AFTR1 still fails over (repoint to AFTR2)"
else
	tap_fail "reload 1: without the module a cut of AFTR1 still fails over (repoint to AFTR2)" "$(b4_show_log)"
fi
if b4_log_has "carrier down, diag control-expired .*\(not forced: module not loaded\)"; then
	tap_ok "reload 1: the skipped carrier-down is said"
else
	tap_fail "reload 1: the skipped carrier-down is said" "$(b4_show_log)"
fi
aftr_restore 1
b4_wait_peer $AFTR1_ADDR up 15000
load 1
slowwait 2 false	# time for anything the reload could flap
tap_expect "reload 1: the healthy tunnel is not flapped (carrier up, not forced, no transition, no event)" \
	"true none 0 " "$(tjs carrier) $(tjs forced) $(tjs transitions) $(mon_events)"
tap_expect "reload 1: still up via AFTR2" "true $AFTR2_ADDR" "$(b4_q '"\(.up) \(.active)"')"
: >"$MON"
aftr_cut 2
if b4_wait_active $AFTR1_ADDR 10000; then tap_ok "reload 1: a cut of AFTR2 moves the tunnel to AFTR1"
else tap_fail "reload 1: a cut of AFTR2 moves the tunnel to AFTR1" "$(b4_show_log)"; fi
tap_expect "reload 1: the carrier was forced down and up again (events)" \
	"carrier false control-expired $AFTR2_ADDR;params false control-expired $AFTR1_ADDR;carrier true none $AFTR1_ADDR;" \
	"$(mon_events)"

# 2. rmmod while a failover is in progress: both AFTRs dead, the tunnel
# forced down.
aftr_cut 1
__forced() { [ "$(tjs forced)" = carrier-down ]; }
if busywait 5000 __forced; then tap_ok "reload 2: both AFTRs dead: tunnel forced down"
else tap_fail "reload 2: both AFTRs dead: tunnel forced down" "$(b4_show_log)"; fi
reason=$(tjs reason)
diag=$(tjs diagnostic)
unload 2
tap_expect "reload 2: without the module the carrier is back (the module gave it back)" \
	"1" "$(sysfs_carrier "$B4" ds0)"
load 2
__again() { [ "$(tjs forced) $(tjs diagnostic)" = "carrier-down $diag" ]; }
if busywait 5000 __again; then tap_ok "reload 2: forced down again with its diag ($diag)"
else tap_fail "reload 2: forced down again with its diag ($diag)" "$(tjs forced) $(tjs diagnostic) $(b4_show_log)"; fi
tap_expect "reload 2: and its reason" "$reason" "$(tjs reason)"
tap_expect "reload 2: the kernel's carrier is off" "0" "$(sysfs_carrier "$B4" ds0)"
aftr_restore 2
if b4_wait_active $AFTR2_ADDR 15000 && [ "$(tjs carrier) $(tjs forced)" = "true none" ]; then
	tap_ok "reload 2: AFTR2 back: carrier up via AFTR2"
else
	tap_fail "reload 2: AFTR2 back: carrier up via AFTR2" "$(tjs carrier) $(tjs forced) $(b4_show_log)"
fi
aftr_restore 1
b4_wait_peer $AFTR1_ADDR up 15000
: >"$MON"
aftr_cut 2
if b4_wait_active $AFTR1_ADDR 10000; then tap_ok "reload 2: a cut of AFTR2 moves the tunnel to AFTR1"
else tap_fail "reload 2: a cut of AFTR2 moves the tunnel to AFTR1" "$(b4_show_log)"; fi
tap_expect "reload 2: the carrier was forced down and up again (events)" \
	"carrier false control-expired $AFTR2_ADDR;params false control-expired $AFTR1_ADDR;carrier true none $AFTR1_ADDR;" \
	"$(mon_events)"
if __alive; then tap_ok "the daemon never restarted"
else tap_fail "the daemon never restarted" "$(b4_show_log)"; fi
kill "$MON_PID" 2>/dev/null
b4_stop TERM
tap_expect "clean stop" 0 "$B4_RC"
b4_show_log
tap_done
