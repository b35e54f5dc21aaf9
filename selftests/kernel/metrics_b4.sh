#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dslitectl metrics on a B4 with two AFTRs answered by dslite's XDP
# responder (repoint mode, 300 ms x 3, standby probes every 500 ms, health
# any:bfd+ping, so that the ping families have samples while BFD alone
# decides):
#   - both sessions Up: the B4's families show AFTR1 active and Up, AFTR2
#     standby and Up, healthy by BFD, a ping sample per AFTR, pings
#     answered, no failover; the daemon is counted;
#   - AFTR1's link is cut: after the failover the failover counter is 1,
#     AFTR1 is a standby in Down, AFTR2 active and Up, and the last
#     failover's detection and outage are there;
#   - "dslitectl metrics" in AFTR2's namespace shows its session Up;
#   - promtool accepts every output.
#
#  [B4] ds0 -> AFTR1 --- [ME] --- [AFTR1] XDP responder on a1-me
#                             \-- [AFTR2] XDP responder on a2-me
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq nsenter promtool
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 || tap_skip_all "cannot build the topology"
xdp_attach_both
tmp=$(mktemp -d)
defer "rm -rf $tmp"

# m FILE NAME{LABELS}: a sample's value in FILE
m() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# state FILE AFTR ROLE: the one state whose gauge is 1
state() {
	awk -v p="dslite_b4_bfd_session_state{dev=\"ds0\",aftr=\"$2\",role=\"$3\",state=\"" \
		'index($1, p) == 1 && $2 == 1 { s = substr($1, length(p) + 1); sub(/".*/, "", s); print s }' "$1"
}
# check_format FILE: promtool's verdict, "" when clean
check_format() {
	local out
	out=$(promtool check metrics <"$1" 2>&1) || echo "rc $?: "
	echo "$out"
}

b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR interval 300 \
	multiplier 3 standby-interval 500 hold-down 2 health any:bfd+ping \
	ping-interval 200 ping-loss 3/5 ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_peer $AFTR1_ADDR up 30000 && b4_wait_peer $AFTR2_ADDR up 15000; then
	tap_ok "both sessions Up"
else
	tap_fail "both sessions Up" "$(b4_show_log)"
fi

# answered: both AFTRs answered a ping
answered() {
	[ "$(awk 'index($1, "dslite_b4_ping_received_total{") == 1 && $2 > 0 { n++ }
		END { print n + 0 }' "$tmp/m0")" = 2 ]
}
__answered() { in_b4 "$DSLITECTL_B4" metrics >"$tmp/m0" && answered; }
slowwait 30 __answered
in_b4 "$DSLITECTL_B4" metrics >"$tmp/m0" 2>"$tmp/err"
tap_expect "metrics: exit 0, silent" "0:" "$?:$(cat "$tmp/err")"
tap_expect "one daemon, up, no failover yet" "1 1 0" \
	"$(m "$tmp/m0" dslite_b4_daemons) $(m "$tmp/m0" 'dslite_b4_up{dev="ds0"}') $(m "$tmp/m0" 'dslite_b4_failovers_total{dev="ds0"}')"
tap_expect "AFTR1 active and up, AFTR2 standby and up" "up up" \
	"$(state "$tmp/m0" $AFTR1_ADDR active) $(state "$tmp/m0" $AFTR2_ADDR standby)"
tap_expect "healthy by BFD; a sample per AFTR and method (bfd, ping)" "1 1 0/1 0/1 4" \
	"$(for a in "$AFTR1_ADDR\",role=\"active" "$AFTR2_ADDR\",role=\"standby"; do
		m "$tmp/m0" "dslite_b4_health_ok{dev=\"ds0\",aftr=\"$a\",method=\"bfd\"}"
	done | paste -sd' ') $(for a in "$AFTR1_ADDR\",role=\"active" "$AFTR2_ADDR\",role=\"standby"; do
		m "$tmp/m0" "dslite_b4_health_ok{dev=\"ds0\",aftr=\"$a\",method=\"ping\"}" |
			sed 's,^[01]$,0/1,'
	done | paste -sd' ') $(grep -c '^dslite_b4_health_ok{' "$tmp/m0")"
tap_expect "pings sent and answered, both AFTRs" "yes yes" \
	"$(awk 'index($1, "dslite_b4_ping_sent_total{") == 1 && $2 > 0 { s++ }
		index($1, "dslite_b4_ping_received_total{") == 1 && $2 > 0 { r++ }
		END { print (s == 2 ? "yes" : "no"), (r == 2 ? "yes" : "no") }' "$tmp/m0")"
tap_expect "no failover yet: no last detection" "" \
	"$(grep '^dslite_b4_last_detection_seconds' "$tmp/m0")"
tap_expect "promtool: before the failover" "" "$(check_format "$tmp/m0")"

# AFTR1 dies.
aftr_cut 1
if b4_wait_active $AFTR2_ADDR 20000; then
	tap_ok "failover to AFTR2"
else
	tap_fail "failover to AFTR2" "$(b4_show_log)"
fi
in_b4 "$DSLITECTL_B4" metrics >"$tmp/m1"
tap_expect "failovers_total 1" 1 \
	"$(m "$tmp/m1" 'dslite_b4_failovers_total{dev="ds0"}')"
__a1_down() {
	in_b4 "$DSLITECTL_B4" metrics >"$tmp/m1" &&
		[ "$(state "$tmp/m1" $AFTR1_ADDR standby)" = down ] &&
		[ "$(m "$tmp/m1" "dslite_b4_aftr_healthy{dev=\"ds0\",aftr=\"$AFTR1_ADDR\",role=\"standby\"}")" = 0 ]
}
slowwait 20 __a1_down
tap_expect "after it: AFTR1 standby and down, AFTR2 active and up" "down up" \
	"$(state "$tmp/m1" $AFTR1_ADDR standby) $(state "$tmp/m1" $AFTR2_ADDR active)"
tap_expect "AFTR1 unhealthy (BFD and ping), AFTR2 healthy" "0 1" \
	"$(m "$tmp/m1" "dslite_b4_aftr_healthy{dev=\"ds0\",aftr=\"$AFTR1_ADDR\",role=\"standby\"}") $(m "$tmp/m1" "dslite_b4_aftr_healthy{dev=\"ds0\",aftr=\"$AFTR2_ADDR\",role=\"active\"}")"
tap_expect "last failover: detection and outage in seconds, kind failover" "yes yes 1" \
	"$(awk '/^dslite_b4_last_detection_seconds\{dev="ds0"\} [0-9]+\.[0-9][0-9][0-9]$/ { d = "yes" }
		/^dslite_b4_last_outage_seconds\{dev="ds0"\} [0-9]+\.[0-9][0-9][0-9]$/ { o = "yes" }
		/^dslite_b4_last_failover_timestamp_seconds\{dev="ds0",kind="failover"\} / { k++ }
		END { print d, o, k }' "$tmp/m1")"
tap_expect "BFD packets received from AFTR2 counted" yes \
	"$(awk -v k="dslite_b4_bfd_packets_received_total{dev=\"ds0\",aftr=\"$AFTR2_ADDR\",role=\"active\"}" '$1 == k && $2 > 0 { print "yes" }' "$tmp/m1")"
tap_expect "no AFTR device in the B4's namespace" 0 \
	"$(m "$tmp/m1" dslite_aftr_devices)"
tap_expect "promtool: after the failover" "" "$(check_format "$tmp/m1")"

in_b4 "$DSLITECTL_B4" b4 metrics dev ds0 >"$tmp/b4m"
tap_expect "b4 metrics dev ds0: the daemon's families, failovers 1" "1 1 0" \
	"$(m "$tmp/b4m" 'dslite_b4_failovers_total{dev="ds0"}') $(grep -c '^# TYPE dslite_b4_up ' "$tmp/b4m") $(grep -c '^dslite_b4_daemons' "$tmp/b4m")"
tap_expect "promtool: b4 metrics" "" "$(check_format "$tmp/b4m")"
out=$(in_b4 "$DSLITECTL_B4" b4 metrics dev nosuch 2>&1)
tap_expect "b4 metrics of a tunnel without a daemon" \
	"2:dslitectl: b4 metrics: no b4 daemon runs for nosuch in this network namespace" \
	"$?:$out"

# the AFTR's side, where the B4's session now runs
in_aftr 2 "$DSLITECTL" metrics >"$tmp/a2"
tap_expect "AFTR2: one device, the B4's session up" "1 1" \
	"$(m "$tmp/a2" dslite_aftr_devices) $(m "$tmp/a2" 'dslite_aftr_sessions{dev="a2-me",state="up"}')"
tap_expect "promtool: AFTR2" "" "$(check_format "$tmp/a2")"

tap_done
