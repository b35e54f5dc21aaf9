#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AdminDown from the AFTR, preemption and reload (config file + SIGHUP):
#   - AFTR1 shuts its session down (AdminDown): neighbor-down, failover to
#     AFTR2 at once, without waiting for the detection time;
#   - AFTR1 returns; preempt off: the daemon stays on AFTR2;
#   - "preempt on" in the file, SIGHUP: back to AFTR1 (make-before-break);
#   - AFTR1 dies and returns: back to AFTR1 only after hold-down (2 s);
#   - "interval 200" in the file, SIGHUP: a Poll Sequence carries the new
#     timers to the AFTR, the session stays Up.
#
#  [B4] ds0 --- [ME] --- [AFTR1] bfdd, ds, NAT --- [INET] 203.0.113.1
#                    \-- [AFTR2] bfdd, ds, NAT ---/
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq ping vtysh
[ -x /usr/lib/frr/bfdd ] || tap_skip_all "FRR's bfdd not installed"
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 inet || tap_skip_all "cannot build the topology"
frr_start 1 300 300 3 && frr_start 2 300 300 3 || tap_skip_all "bfdd does not start"

CONF=$(mktemp /tmp/b4.conf.XXXXXX)
write_conf() {
	cat >"$CONF" <<-EOF
		# the B4 of the test topology
		dev ds0
		aftr $AFTR1_ADDR	# preferred
		aftr $AFTR2_ADDR
		interval $1 multiplier 3
		standby-interval 500
		hold-down 2
		preempt $2
	EOF
}
write_conf 300 off
b4_start config "$CONF" || tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_active $AFTR1_ADDR 30000 && b4_wait_peer $AFTR2_ADDR up 15000; then
	tap_ok "up via AFTR1, AFTR2 standby Up"
else
	tap_fail "up via AFTR1, AFTR2 standby Up" "$(b4_show_log)"
fi
flow_start
flow_wait_reply 0 10000

# AFTR1 sends AdminDown.
frr_vtysh 1 'configure terminal' 'bfd' \
	'peer 192.0.0.2 local-address 192.0.0.1' 'shutdown' >/dev/null
if b4_wait_active $AFTR2_ADDR 5000; then tap_ok "AFTR1's AdminDown: failover to AFTR2"
else tap_fail "AFTR1's AdminDown: failover to AFTR2" "$(b4_show_log)"; fi
last=$(b4_q '.["last-failover"]')
tap_expect "diag neighbor-down" "failover neighbor-down" \
	"$("$JQ" -r '"\(.kind) \(.diagnostic)"' <<<"$last")"
det=$("$JQ" -r '.["detection-ms"]' <<<"$last")
diag "AdminDown received -> detection: $det ms"
if [ "$det" -lt 300 ]; then tap_ok "no wait for the detection time (900 ms)"
else tap_fail "no wait for the detection time (900 ms)" "$det ms"; fi

frr_vtysh 1 'configure terminal' 'bfd' \
	'peer 192.0.0.2 local-address 192.0.0.1' 'no shutdown' >/dev/null
if b4_wait_peer $AFTR1_ADDR up 15000; then tap_ok "AFTR1 Up again as a standby"
else tap_fail "AFTR1 Up again as a standby" "$(b4_show_log)"; fi
slowwait 4 false	# longer than hold-down
tap_expect "preempt off: stays on AFTR2" "true $AFTR2_ADDR" "$(b4_q '"\(.up) \(.active)"')"

# Reload with preempt on: AFTR1 has been Up longer than hold-down.
write_conf 300 on
flow_mark
kill -HUP "$B4_PID"
if b4_wait_active $AFTR1_ADDR 5000; then tap_ok "reload, preempt on: back to AFTR1"
else tap_fail "reload, preempt on: back to AFTR1" "$(b4_show_log)"; fi
tap_expect "last switch: preempt" "preempt $AFTR2_ADDR $AFTR1_ADDR" \
	"$(b4_q '.["last-failover"] | "\(.kind) \(.from) \(.to)"')"
if b4_log_has "reloaded: 2 AFTRs, interval 300 ms x 3, standby-interval 500 ms, preempt on, hold-down 2s"
then tap_ok "reload logged"; else tap_fail "reload logged" "$(b4_show_log)"; fi
seq=$(flow_last_seq)
flow_wait_reply "$seq" 5000
read -r gap lost _ <<<"$(flow_gap)"
diag "loss window (preempt, make-before-break): $gap ms without replies, $lost echo requests lost"

# AFTR1 dies and returns: preempted back only after hold-down.
aftr_cut 1
if b4_wait_active $AFTR2_ADDR 5000; then tap_ok "AFTR1 cut: failover to AFTR2"
else tap_fail "AFTR1 cut: failover to AFTR2" "$(b4_show_log)"; fi
aftr_restore 1
if b4_wait_peer $AFTR1_ADDR up 15000; then tap_ok "AFTR1 Up again"
else tap_fail "AFTR1 Up again" "$(b4_show_log)"; fi
up_at=$(b4_peer $AFTR1_ADDR last-change-at-ms)
if b4_wait_active $AFTR1_ADDR 8000; then tap_ok "preempted back to AFTR1"
else tap_fail "preempted back to AFTR1" "$(b4_show_log)"; fi
sw_at=$(b4_q '.["last-failover"]["detected-at-ms"]')
held=$((sw_at - up_at))
diag "AFTR1 Up -> preempted back: $held ms (hold-down 2000 ms)"
if [ $held -ge 2000 ] && [ $held -le 3000 ]; then tap_ok "preempt after the hold time"
else tap_fail "preempt after the hold time" "$held ms"; fi

# Timer change by reload: Poll Sequence, session stays Up.
downs=$(frr_log 1 | grep -c 'up -> down')
write_conf 200 on
kill -HUP "$B4_PID"
__tx200() { [ "$(b4_peer $AFTR1_ADDR transmit-interval)/$(b4_peer $AFTR1_ADDR poll)" = 200/false ]; }
if busywait 5000 __tx200; then tap_ok "reload, interval 200: Poll Sequence completed"
else tap_fail "reload, interval 200: Poll Sequence completed" "$(b4_show_log)"; fi
tap_expect "bfdd sees the new timers" "up 200 200" \
	"$(frr_json 1 | "$JQ" -r '.[0] | "\(.status) \(.["remote-transmit-interval"]) \(.["remote-receive-interval"])"')"
tap_expect "negotiated transmit interval 300 (bfdd's receive interval)" 300 \
	"$(b4_peer $AFTR1_ADDR negotiated-transmit-interval)"
tap_expect "the session stayed Up at bfdd" "$downs" "$(frr_log 1 | grep -c 'up -> down')"
tap_expect "and at the daemon" "up $AFTR1_ADDR" "$(b4_q '"\(.peers[0].status) \(.active)"')"
flow_stop
tap_done
