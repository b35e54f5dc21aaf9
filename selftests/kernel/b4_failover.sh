#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Failover between two AFTRs answered by dslite's XDP responder (repoint
# mode, 300 ms x 3, standby probes every 500 ms, hold-down 2 s, preempt
# off) with a ping flow every 50 ms from the B4 to the internet host:
#   - steady state: Up via AFTR1, AFTR2 Up as a standby, traffic flows,
#     the responders' counters show who answers;
#   - AFTR1's link is cut: carrier down with control-expired within the
#     detection time + 250 ms (the emulated VM's scheduling), repoint to AFTR2, traffic restored; the
#     events come in order; the loss window is measured;
#   - AFTR1 returns: without preempt the daemon stays on AFTR2;
#   - AFTR2's responder is removed: failover back to AFTR1;
#   - both AFTRs dead: carrier down, no AFTR up; recovery when one returns.
#
#  [B4] ds0 -> AFTR1 --- [ME] --- [AFTR1] XDP responder on a1-me,
#                             |           ds (decapsulation), NAT --- [INET]
#                             \-- [AFTR2] the same ------------------/ 203.0.113.1
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq ping nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 inet || tap_skip_all "cannot build the topology"
xdp_attach_both
tjs() { tjson "$B4" ds0 "$1"; }
rx_packets() { ip -n "$1" -j -s link show ds | jq '.[0].stats64.rx.packets'; }

b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR interval 300 \
	multiplier 3 standby-interval 500 hold-down 2 ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_peer $AFTR1_ADDR up 30000 && b4_wait_peer $AFTR2_ADDR up 15000; then
	tap_ok "both sessions Up"
else
	tap_fail "both sessions Up" "$(b4_show_log)"
fi
tx1=$(xdp_counter 1 tx_bfd)
tx2=$(xdp_counter 2 tx_bfd)
if [ "$tx1" -gt 0 ] && [ "$tx2" -gt 0 ]; then tap_ok "both responders answer ($tx1, $tx2 BFD replies)"
else tap_fail "both responders answer" "tx_bfd $tx1 $tx2"; fi
tap_expect "up via AFTR1" "true $AFTR1_ADDR" "$(b4_q '"\(.up) \(.active)"')"
tap_expect "AFTR1 in the tunnel at 300 ms, AFTR2 direct at 500 ms" \
	"tunnel 300 direct 500" \
	"$(b4_q '.peers | map("\(.path) \(.["transmit-interval"])") | join(" ")')"

flow_start
if flow_wait_reply 0 10000; then tap_ok "traffic flows via AFTR1"; else
	tap_fail "traffic flows via AFTR1" "$(tail -3 "$FLOW_LOG")"; fi
detect=$(b4_peer $AFTR1_ADDR detection-time)
tap_expect "detection time" 900 "$detect"

# AFTR1 dies.
MON=$(mktemp /tmp/mon.XXXXXX)
ip netns exec "$B4" "$DSLITECTL_B4" -j monitor ready "$MON.ready" >"$MON" 2>&1 &
defer "kill $!"
busywait 5000 test -e "$MON.ready"
a2_rx=$(rx_packets "$A2")
flow_mark
t0=$(now_ms)
aftr_cut 1
if b4_wait_active $AFTR2_ADDR 10000; then
	tap_ok "failover to AFTR2"
else
	tap_fail "failover to AFTR2" "$(b4_show_log)"
fi
last=$(b4_q '.["last-failover"]')
down_at=$("$JQ" -r '.["carrier-down-at-ms"]' <<<"$last")
# AFTR1 died after its last packet: from there to the carrier-down is an
# upper bound of the time from the failure (the cut command's own start-up
# is not part of it).
elapsed=$((down_at - $("$JQ" -r '.["last-rx-at-ms"]' <<<"$last")))
diag "AFTR1's last packet -> carrier down: $elapsed ms; link cut command started $((down_at - t0)) ms before it (detection time $detect ms)"
if [ "$elapsed" -le $((detect + 250)) ] && [ "$elapsed" -ge 0 ]; then
	tap_ok "carrier down within the detection time + 250 ms"
else
	tap_fail "carrier down within the detection time + 250 ms" "$elapsed ms"
fi
down_us=$("$JQ" -r '.["carrier-down-us"]' <<<"$last")
diag "detection -> carrier down: $down_us us"
if [ "$down_us" -le 50000 ]; then tap_ok "carrier down within 50 ms of detection"
else tap_fail "carrier down within 50 ms of detection" "$down_us us"; fi
tap_expect "last failover: AFTR1 -> AFTR2, control-expired" \
	"failover $AFTR1_ADDR $AFTR2_ADDR control-expired" \
	"$("$JQ" -r '"\(.kind) \(.from) \(.to) \(.diagnostic)"' <<<"$last")"
tap_expect "tunnel re-pointed to AFTR2, carrier up" "$AFTR2_ADDR true none" \
	"$(tjs remote) $(tjs carrier) $(tjs forced)"
tap_expect "AFTR2 now in the tunnel at 300 ms" "tunnel 300" \
	"$(b4_q ".peers[1] | \"\(.path) \(.[\"transmit-interval\"])\"")"
seq=$(flow_last_seq)
if flow_wait_reply "$seq" 10000; then tap_ok "traffic restored"; else
	tap_fail "traffic restored" "$(tail -3 "$FLOW_LOG")"; fi
if [ "$(rx_packets "$A2")" -gt "$a2_rx" ]; then tap_ok "traffic goes through AFTR2"
else tap_fail "traffic goes through AFTR2" "no packets on AFTR2's ds"; fi
read -r gap lost first lastseq <<<"$(flow_gap)"
diag "loss window (AFTR1 link cut): $gap ms without replies, $lost echo requests lost (icmp_seq $first..$lastseq); daemon: outage $("$JQ" -r '.["outage-ms"]' <<<"$last") ms from the last packet of AFTR1"
events=$("$JQ" -r 'select(.ifname == "ds0") | "\(.event) \(.carrier) \(.diagnostic) \(.remote)"' "$MON" | tr '\n' ';')
[ -n "$events" ] || diag "monitor output: $(head -c 600 "$MON")"
tap_expect "events: carrier down (control-expired), repoint, carrier up" \
	"carrier false control-expired $AFTR1_ADDR;params false control-expired $AFTR2_ADDR;carrier true none $AFTR2_ADDR;" \
	"$events"
if b4_log_has "carrier down, diag control-expired" &&
   b4_log_has "repoint remote $AFTR1_ADDR -> $AFTR2_ADDR" &&
   b4_log_has "failover to $AFTR2_ADDR done"; then
	tap_ok "each step logged with its diag"
else
	tap_fail "each step logged with its diag" "$(b4_show_log)"
fi

# AFTR1 returns; preempt is off: the daemon stays on AFTR2.
aftr_restore 1
if b4_wait_peer $AFTR1_ADDR up 15000; then tap_ok "AFTR1's session Up again (standby)"
else tap_fail "AFTR1's session Up again (standby)" "$(b4_show_log)"; fi
slowwait 4 false	# longer than hold-down (2 s)
tap_expect "preempt off: still via AFTR2" "true $AFTR2_ADDR" \
	"$(b4_q '"\(.up) \(.active)"')"

# AFTR2's responder goes away (no AdminDown): back to AFTR1.
flow_mark
xdp_detach 2
if b4_wait_active $AFTR1_ADDR 10000; then tap_ok "responder removed: failover to AFTR1"
else tap_fail "responder removed: failover to AFTR1" "$(b4_show_log)"; fi
tap_expect "diag control-expired, remote re-pointed" \
	"control-expired $AFTR1_ADDR true" \
	"$(b4_q '.["last-failover"].diagnostic') $(tjs remote) $(tjs carrier)"
seq=$(flow_last_seq)
if flow_wait_reply "$seq" 10000; then tap_ok "traffic restored via AFTR1"; else
	tap_fail "traffic restored via AFTR1" "$(tail -3 "$FLOW_LOG")"; fi
read -r gap lost first lastseq <<<"$(flow_gap)"
diag "loss window (AFTR2 responder removed): $gap ms without replies, $lost echo requests lost"

# Both dead: carrier down; recovery when AFTR2 returns.
aftr_cut 1
__down() { [ "$(b4_q .up)" = false ]; }
if busywait 5000 __down; then tap_ok "both dead: tunnel down"
else tap_fail "both dead: tunnel down" "$(b4_show_log)"; fi
tap_expect "carrier down with control-expired" "false carrier-down control-expired" \
	"$(tjs carrier) $(tjs forced) $(tjs diagnostic)"
__reason() { [ "$(tjs reason)" = "no AFTR up, probing 2" ]; }
if busywait 2000 __reason; then tap_ok "reason says no AFTR is up"
else tap_fail "reason says no AFTR is up" "$(tjs reason)"; fi
tap_expect "status: down, control-expired, still down" "false control-expired null" \
	"$(b4_q '"\(.up) \(.diagnostic) \(.["last-failover"]["outage-ms"])"')"
xdp_attach 2
if b4_wait_active $AFTR2_ADDR 20000; then tap_ok "AFTR2 returns: up via AFTR2"
else tap_fail "AFTR2 returns: up via AFTR2" "$(b4_show_log)"; fi
tap_expect "tunnel carrier up via AFTR2" "$AFTR2_ADDR true none" \
	"$(tjs remote) $(tjs carrier) $(tjs forced)"
seq=$(flow_last_seq)
if flow_wait_reply "$seq" 10000; then tap_ok "traffic restored via AFTR2"; else
	tap_fail "traffic restored via AFTR2" "$(tail -3 "$FLOW_LOG")"; fi
tap_expect "failovers counted" 3 "$(b4_q .failovers)"
flow_stop
tap_done
