#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The metrics endpoints of both roles, scraped by a real Prometheus
# server (Debian's), on a B4 with two AFTRs answered by dslite's XDP
# responder (repoint mode, 1 s x 3: the test VM is emulated and shares
# the machine):
#   - "b4 run ... metrics [2001:db8:b4::2]:9100": GET /metrics from the
#     ME gives the daemon's families ("b4 metrics"), promtool clean;
#   - while the daemon runs its BFD sessions: 100 idle connections from
#     10 addresses held, 20 from one address (16 held, 4 closed), a
#     half-written request, a 1 MB header (431 or closed, the daemon's
#     peak memory +<256 kB), scrapes all along; both sessions stay Up
#     through it with no state change in the log and no failover, and the
#     server's timeout closes the idle and half-written connections;
#   - AFTR2 runs "dslitectl metrics serve [2001:db8:a2::2]:9100";
#     Prometheus in the ME scrapes both every second; AFTR1's link is
#     cut: the B4 fails over and the PromQL query
#     dslite_b4_failovers_total{dev="ds0"} returns the daemon's count (1);
#   - the Grafana dashboard (Documentation/grafana/dslite.json) is valid
#     JSON and every metric its panels query is one the two roles emit
#     (taken from the pages scraped here).
#
#  [B4] ds0 -> AFTR1 --- [ME] ----- [AFTR1] XDP responder on a1-me
#   :9100 (b4 run)        |     \-- [AFTR2] XDP responder on a2-me,
#                         |                 metrics serve :9100
#                         prometheus, slow clients from
#                         2001:db8:b4::1:1..11 (on me-b4)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"
. "$(dirname "$0")/../http_lib.sh"

require_root
require_cmd jq nsenter promtool prometheus curl python3 ss
"$DSLITECTL" metrics serve 2>&1 | grep -q "HTTP=0" &&
	tap_skip_all "$DSLITECTL was built with HTTP=0"
kmod_load || tap_skip_all "cannot load dslite.ko"
b4_topo 2 || tap_skip_all "cannot build the topology"
# a small table: a scrape of the AFTR walks all of it, in 1 s
xdp_attach_both sessions 4096
tmp=$(mktemp -d)
defer "rm -rf $tmp"
DASHBOARD=$DSLITE_ROOT/Documentation/grafana/dslite.json
NSME="ip netns exec $ME"
B4URL="http://[$B4_ADDR]:9100/metrics"
A2URL="http://[$AFTR2_ADDR]:9100/metrics"
check_format() {
	local out
	out=$(promtool check metrics <"$1" 2>&1) || echo "rc $?: "
	echo "$out"
}
# the slow clients' addresses, deprecated: bound to explicitly, never
# chosen as the source of the scrapes (a /128 would win the longest-match
# rule, and its per-address limit is full by design)
for i in $(seq 1 11); do
	ip -n "$ME" addr add 2001:db8:b4::1:$i/128 dev me-b4 nodad \
		preferred_lft 0
done


nsenter --net="/run/netns/$A2" "$DSLITECTL" metrics serve \
	"[$AFTR2_ADDR]:9100" 2>"$tmp/a2serve.log" &
defer "kill $!"
b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR interval 1000 \
	multiplier 3 standby-interval 1000 hold-down 2 \
	metrics "[$B4_ADDR]:9100" ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_peer $AFTR1_ADDR up 30000 && b4_wait_peer $AFTR2_ADDR up 15000; then
	tap_ok "both sessions Up"
else
	tap_fail "both sessions Up" "$(b4_show_log)"
fi
tap_expect "the daemon says where it serves" yes \
	"$(b4_log_has "metrics: serving http://\[$B4_ADDR\]:9100/metrics" && echo yes)"

$NSME curl -s -m 20 -D "$tmp/h" -o "$tmp/b4page" "$B4URL"
tap_expect "GET /metrics of the daemon: 200, text/plain; version=0.0.4" \
	"HTTP/1.1 200 OK|Content-Type: text/plain; version=0.0.4; charset=utf-8" \
	"$(grep -E '^(HTTP/|Content-Type:)' "$tmp/h" | tr -d '\r' | paste -sd'|')"
in_b4 "$DSLITECTL" b4 metrics dev ds0 >"$tmp/b4m"
grep -q 'failovers_total{dev="ds0"} 0' "$tmp/b4page" || b4_show_log
tap_expect "the families of b4 metrics, no failover yet" \
	"$(family_names "$tmp/b4m" | paste -sd' ') 0" \
	"$(family_names "$tmp/b4page" | paste -sd' ') $(awk '$1 == "dslite_b4_failovers_total{dev=\"ds0\"}" { print $2 }' "$tmp/b4page")"
tap_expect "promtool: the daemon's page" "" "$(check_format "$tmp/b4page")"
tap_expect "404 and 405 from the daemon" "404 405" \
	"$(http_code "$NSME" "http://[$B4_ADDR]:9100/") $(http_code "$NSME" "$B4URL" -X POST)"

# --- slow and malformed clients while the BFD sessions run
diag "$(printf "%(%T)T" -1) daemon running: $(kill -0 $B4_PID 2>&1 && echo yes)"
rx_before=$(in_b4 "$DSLITECTL" b4 metrics dev ds0 |
	awk -v k="dslite_b4_bfd_packets_received_total{dev=\"ds0\",aftr=\"$AFTR1_ADDR\",role=\"active\"}" '$1 == k { print $2 }')
idle=()
for i in $(seq 1 10); do idle+=(2001:db8:b4::1:$i 10); done
$NSME python3 "$HTTP_CLIENTS" hold $B4_ADDR 9100 "${idle[@]}" >"$tmp/idle" 2>&1 &
defer "kill $!"
diag "$(printf "%(%T)T" -1) BFD packets from AFTR1 so far: $rx_before"
if wait_conns "ip netns exec $B4" 9100 100 60 2001:db8:b4::1:0/120; then
	tap_ok "100 idle connections from 10 addresses: all held by the daemon"
else
	tap_fail "100 idle connections held" "$(server_conns "ip netns exec $B4" 9100 2001:db8:b4::1:0/120) held; $(cat "$tmp/idle")"
	diag "daemon alive: $(kill -0 $B4_PID 2>&1 && echo yes)"
	b4_show_log | tail -n 30
	dmesg | tail -n 20
fi
tap_expect "a scrape while they are held: 200, promtool clean" "200:" \
	"$($NSME curl -s -m 20 -o "$tmp/b4page2" -w '%{http_code}' "$B4URL"):$(check_format "$tmp/b4page2")"
$NSME python3 "$HTTP_CLIENTS" hold $B4_ADDR 9100 2001:db8:b4::1:11 20 >"$tmp/perip" 2>&1 &
defer "kill $!"
__perip() { grep -qx "closed 4" "$tmp/perip"; }
if slowwait 60 __perip &&
   wait_conns "ip netns exec $B4" 9100 $HTTP_PER_IP_MAX 10 "[2001:db8:b4::1:11]"; then
	tap_ok "20 from one address: $HTTP_PER_IP_MAX held, 4 closed"
else
	tap_fail "20 from one address: $HTTP_PER_IP_MAX held" "$(tail -n 1 "$tmp/perip")"
fi
$NSME python3 "$HTTP_CLIENTS" half $B4_ADDR 9100 2001:db8:b4::1:11 >"$tmp/half" 2>&1 &
defer "kill $!"
before=$(hwm $B4_PID)
$NSME python3 "$HTTP_CLIENTS" big $B4_ADDR 9100 1048576 2001:db8:b4::1:11 >"$tmp/big" 2>&1
after=$(hwm $B4_PID)
status=$(head -n 1 "$tmp/big")
case $status in
"HTTP/1.1 431 "*|"HTTP/1.1 413 "*|none) tap_ok "1 MB header: \"$status\"" ;;
*) tap_fail "1 MB header: 431, 413 or closed" "$(cat "$tmp/big")" ;;
esac
diag "the daemon's peak memory: $before kB before the 1 MB header, $after kB after"
tap_expect "1 MB header not buffered: the daemon's peak memory +<256 kB" yes \
	"$([ $((after - before)) -lt 256 ] && echo yes || echo "no (+$((after - before)) kB)")"
tap_expect "a scrape with all of them pending: 200" 200 "$(http_code "$NSME" "$B4URL")"

# BFD through it: Up, no state change, no failover, packets still coming
tap_expect "both sessions still Up, no failover" "up up 0" \
	"$(b4_peer $AFTR1_ADDR status) $(b4_peer $AFTR2_ADDR status) $(b4_q .failovers)"
tap_expect "no session left Up in the daemon's log" "" \
	"$(grep -E ': Up -> ' "$B4_LOG")"
rx_after=$(in_b4 "$DSLITECTL" b4 metrics dev ds0 |
	awk -v k="dslite_b4_bfd_packets_received_total{dev=\"ds0\",aftr=\"$AFTR1_ADDR\",role=\"active\"}" '$1 == k { print $2 }')
diag "BFD packets from AFTR1 while the clients were there: $((rx_after - rx_before))"
tap_expect "BFD packets kept coming from AFTR1" yes \
	"$([ "$rx_after" -gt "$rx_before" ] && echo yes)"

# --- Prometheus scrapes both roles (started now: its start takes the
# emulated CPUs for a while, not a thing to do under the checks above)
PROM_WAIT=0 prom_start "$NSME" "$tmp/prom" "[$B4_ADDR]:9100" "[$AFTR2_ADDR]:9100"
if slowwait 240 $NSME curl -sf "$PROM_URL/-/ready"; then
	tap_ok "prometheus started"
else
	tap_fail "prometheus started" "$(tail -n 20 "$tmp/prom/prometheus.log")"
fi
if prom_wait 'count(up{job="dslite"} == 1)' 2 120; then
	tap_ok "prometheus scrapes the B4 and AFTR2: up 1 for both"
else
	tap_fail "prometheus scrapes both: up 1" \
		"$($NSME curl -s "$PROM_URL/api/v1/targets" | jq -c '[.data.activeTargets[] | {scrapeUrl, health, lastError}]')"
fi
tap_expect "PromQL: no failover yet" 0 \
	"$(prom_query 'dslite_b4_failovers_total{dev="ds0"}')"

aftr_cut 1
if b4_wait_active $AFTR2_ADDR 20000; then
	tap_ok "failover to AFTR2"
else
	tap_fail "failover to AFTR2" "$(b4_show_log)"
fi
# the daemon's own count (1, or more when a loaded machine made a session
# flap as well) is what Prometheus has
__prom_failovers() {
	local n
	n=$(b4_q .failovers)
	[ "$n" -ge 1 ] 2>/dev/null &&
		[ "$(prom_query 'dslite_b4_failovers_total{dev="ds0"}')" = "$n" ]
}
if slowwait 60 __prom_failovers; then
	tap_ok "PromQL: dslite_b4_failovers_total{dev=\"ds0\"} is the daemon's count after the failover ($(b4_q .failovers))"
else
	tap_fail "PromQL: failovers after the failover" \
		"prometheus '$(prom_query 'dslite_b4_failovers_total{dev="ds0"}')', daemon '$(b4_q .failovers)'"
fi
q="dslite_b4_bfd_session_state{dev=\"ds0\",aftr=\"$AFTR2_ADDR\",role=\"active\",state=\"up\"}"
tap_expect "PromQL: AFTR2 active and Up" 1 "$(prom_query "$q")"
tap_expect "PromQL: AFTR2's responder sees the B4's session Up" 1 \
	"$(prom_query 'dslite_aftr_sessions{dev="a2-me",state="up"}')"

# --- the Grafana dashboard against what the two roles emit
$NSME curl -s -m 20 -o "$tmp/a2page" "$A2URL"
$NSME curl -s -m 20 -o "$tmp/b4page3" "$B4URL"
tap_expect "promtool: both pages after the failover" ":" \
	"$(check_format "$tmp/a2page"):$(check_format "$tmp/b4page3")"
cat "$tmp/b4page3" "$tmp/b4page" "$tmp/a2page" | family_names /dev/stdin >"$tmp/emitted"
if jq -e '.panels | length > 0' "$DASHBOARD" >/dev/null 2>&1; then
	tap_ok "the dashboard is JSON with panels ($("$JQ" '.panels | length' "$DASHBOARD"))"
else
	tap_fail "the dashboard is JSON with panels" "$(jq . "$DASHBOARD" 2>&1 | tail -n 2)"
fi
jq -r '(.. | objects | select(has("expr")) | .expr),
	(.templating.list[] | .definition // empty)' "$DASHBOARD" |
	grep -o 'dslite_[a-z0-9_]*' | sort -u >"$tmp/used"
missing=$(comm -23 "$tmp/used" "$tmp/emitted" | paste -sd' ')
tap_expect "every metric of the dashboard is emitted ($(wc -l <"$tmp/used") used)" "" "$missing"
tap_expect "every panel has a query" "" \
	"$("$JQ" -r '.panels[] | select(.type != "row") | select(([.targets[]?.expr] | length) == 0) | .title' "$DASHBOARD")"

# --- the server's timeout closes what was left idle or half-written
__all_closed() { grep -qx "closed 100" "$tmp/idle" && grep -qx closed "$tmp/half"; }
if slowwait 120 __all_closed; then
	tap_ok "idle and half-written connections closed by the daemon's timeout"
else
	tap_fail "idle and half-written connections closed" \
		"idle: $(tail -n 1 "$tmp/idle"), half: $(cat "$tmp/half")"
fi

b4_stop
tap_expect "the daemon stops cleanly" 0 "$B4_RC"

tap_done
