#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The mtu health method (RFC 9764 padded probes of the BFD session) on
# Debian's kernel, two AFTRs answered by dslite's XDP responder,
# "health mtu" on its defaults (probes of the tunnel's MTU, 1452 bytes,
# every 1000 ms, unhealthy after 3 without an answer that large), BFD
# on its defaults too (1000 ms x 3: small packets must not fail on a
# loaded machine, the point is the large ones), standby probes every
# 1000 ms:
#   1. both AFTRs healthy: probes of 1452 bytes answered at that size,
#      the tunnel carries a 1452-byte packet with DF to the internet;
#   2. the router's link toward AFTR1 gets an MTU of 1400 (below the
#      softwire's 1500-byte IPv6 packets): AFTR1's BFD session stays Up
#      (its packets are small), its mtu method fails with "path MTU below
#      1452", the daemon fails over to AFTR2 (the detection time the
#      defaults give: 3 x 1000 ms after the last large answer), and a
#      1452-byte packet with DF crosses the tunnel again; counters and
#      metrics show the short probes;
#   3. the MTU restored: AFTR1 healthy again (a standby; no preempt).
#
#  [B4] ds0 ip6tnl (MTU 1452) --- [ME] me-a1 MTU 1400 (step 2) --- [AFTR1] XDP responder,
#   dslitectl b4 run dev ds0        |                                 ds, NAT --- [INET]
#     aftr A1 aftr A2 health mtu    \-- me-a2 1500 ------------- [AFTR2] the same --/ 203.0.113.1
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq ping nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 inet || tap_skip_all "cannot build the topology"
xdp_attach_both

MTU=$(ip -n "$B4" -j link show ds0 | jq -r '.[0].mtu')
# an inner IPv4 packet that fills the softwire: ICMP data = MTU - 28
big_ping() {
	in_b4 ping -n -M do -c 1 -W 2 -s $((MTU - 28)) $INET_HOST >/dev/null 2>&1
}
pm() { b4_q ".peers[] | select(.peer == \"$1\") | .mtu | $2"; }
__mtu_ok() { [ "$(pm "$1" .ok)" = "$2" ]; }

b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR standby-interval 1000 \
	health mtu ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"

# --- 1. both healthy
if b4_wait_active $AFTR1_ADDR 30000 && busywait 20000 __mtu_ok $AFTR1_ADDR true &&
   busywait 20000 __mtu_ok $AFTR2_ADDR true; then
	tap_ok "up via AFTR1, the mtu method healthy on both AFTRs"
else
	tap_fail "up via AFTR1, mtu healthy on both" "$(b4_show_log)"
fi
tap_expect "health all:bfd+mtu, mtu-size mtu, mtu-interval 1000, mtu-multiplier 3" \
	"all:bfd+mtu mtu 1000 3" \
	"$(b4_q '"\(.peers[0].health) \(.["mtu-size"]) \(.["mtu-interval"]) \(.["mtu-multiplier"])"')"
tap_expect "probes of the tunnel's MTU ($MTU bytes), answered" "$MTU true true" \
	"$(pm $AFTR1_ADDR '"\(.size) \(.["size-from-tunnel"]) \(.answered > 0)"')"
if busywait 10000 big_ping; then
	tap_ok "a $MTU-byte packet with DF crosses the tunnel via AFTR1"
else
	tap_fail "a $MTU-byte packet with DF crosses the tunnel via AFTR1" \
		"$(in_b4 ping -n -M do -c 1 -W 2 -s $((MTU - 28)) $INET_HOST 2>&1 | tail -2)"
fi

# --- 2. the path toward AFTR1 carries less than the softwire's packets
tap_expect "before: still via AFTR1, no failover yet" "true $AFTR1_ADDR 0" \
	"$(b4_q '"\(.up) \(.active) \(.failovers // 0)"')"
echo "# AFTR1 mtu before: $(pm $AFTR1_ADDR tojson)"
ip -n "$ME" link set me-a1 mtu 1400
t0=$(now_ms)
lowered=$(date +%s.%N)
if busywait 20000 __mtu_ok $AFTR1_ADDR false; then
	t1=$(now_ms)
	tap_ok "mtu method of AFTR1 failing (seen by polling $((t1 - t0)) ms after the MTU fell)"
else
	tap_fail "mtu method of AFTR1 failing" "$(b4_show_log)"
fi
reason=$(pm $AFTR1_ADDR .reason)
case $reason in
"path MTU below $MTU"*)	tap_ok "reason: $reason" ;;
*)	tap_fail "reason: path MTU below $MTU" "$reason" ;;
esac
tap_expect "AFTR1's BFD session stays Up (small packets pass)" up \
	"$(b4_peer $AFTR1_ADDR status)"
if b4_wait_active $AFTR2_ADDR 15000; then
	t2=$(now_ms)
	tap_ok "failover to AFTR2 (seen by polling $((t2 - t0)) ms after the MTU fell)"
else
	tap_fail "failover to AFTR2" "$(b4_show_log)"
fi
if b4_log_has "$AFTR1_ADDR \(active\): unhealthy by mtu .*path MTU below $MTU"; then
	# the detection by the daemon's clock: its log line's time of day
	at=$(sed -n "s/^\([0-9:.]*\) .*$AFTR1_ADDR: mtu failing.*/\1/p" "$B4_LOG" | head -1)
	det=$(awk -v a="$at" -v l="$lowered" 'BEGIN {
		split(a, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
		ls = l % 86400; printf "%d", (s - ls) * 1000 }')
	tap_ok "the active AFTR left as unhealthy by mtu, with the reason; the daemon detected it ${det} ms after the MTU fell (defaults: 3 x 1000 ms after the last large answer, judged at the next probe)"
else
	tap_fail "the active AFTR left as unhealthy by mtu" "$(b4_show_log)"
fi
if busywait 10000 big_ping; then
	tap_ok "a $MTU-byte packet with DF crosses the tunnel again (via AFTR2)"
else
	tap_fail "a $MTU-byte packet crosses the tunnel via AFTR2" \
		"$(in_b4 ping -n -M do -c 1 -W 2 -s $((MTU - 28)) $INET_HOST 2>&1 | tail -2)"
fi
tap_expect "AFTR1: probes short, none answered since, BFD still Up" "true up" \
	"$(pm $AFTR1_ADDR '(.short > 0) | tostring') $(b4_peer $AFTR1_ADDR status)"
m=$(in_b4 "$DSLITECTL_B4" b4 metrics dev ds0 2>&1 |
	sed -n "s/^dslite_b4_mtu_probes_short_total{.*aftr=\"$AFTR1_ADDR\".*} \([0-9]*\)$/\1/p")
if [ "${m:-0}" -gt 0 ]; then
	tap_ok "metrics: dslite_b4_mtu_probes_short_total of AFTR1 = $m"
else
	tap_fail "metrics: mtu_probes_short_total of AFTR1" \
		"$(in_b4 "$DSLITECTL_B4" b4 metrics dev ds0 2>&1 | grep mtu_)"
fi

# --- 3. the MTU restored: AFTR1 healthy again, a standby
ip -n "$ME" link set me-a1 mtu 1500
t0=$(now_ms)
if busywait 20000 __mtu_ok $AFTR1_ADDR true; then
	tap_ok "MTU restored: AFTR1's mtu method healthy after $(($(now_ms) - t0)) ms"
else
	tap_fail "MTU restored: AFTR1 healthy" "$(pm $AFTR1_ADDR .) $(b4_show_log)"
fi
tap_expect "still via AFTR2 (no preempt), AFTR1 healthy" "true $AFTR2_ADDR true" \
	"$(b4_q '"\(.up) \(.active)"') $(b4_q ".peers[] | select(.peer == \"$AFTR1_ADDR\") | .healthy")"

b4_stop
tap_done
