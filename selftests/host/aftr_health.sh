#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dslitectl aftr health on the host's kernel: the supervisor of a member
# (XDP responder on up0, NAT interface nat0) keeps the anycast route
# (proto 77, dev lo) while fit; FRR's bgpd on the member announces it to
# a router (FRR) and withdraws it when the NAT interface goes down; the
# hold-down, the drain, the metrics, SIGTERM, and bad input.
#
#   [R] zebra+bgpd AS 65000  r-m 2001:db8:a1::1 ---- m-r 2001:db8:a1::2  [M] zebra+bgpd AS 65001
#                                                     up0 (veth, XDP generic), nat0 198.51.101.1
#                                                     lo 2001:db8:ac::1/64 noprefixroute
#                                                     dslitectl aftr health run dev up0 ...
. "$(dirname "$0")/../lib.sh"

require_root
require_cmd jq nsenter
require_bpffs
[ -x /usr/lib/frr/bgpd ] && [ -x /usr/lib/frr/zebra ] ||
	tap_skip_all "FRR's bgpd and zebra not installed"
[ -x "$DSLITECTL" ] || tap_skip_all "$DSLITECTL not built"
ANYCAST=2001:db8:ac::1
EX=$DSLITE_ROOT/Documentation/examples

setup_ns R M
ip link add r-m netns "$R" type veth peer m-r netns "$M"
ip -n "$R" link set r-m up
ip -n "$R" addr add 2001:db8:a1::1/64 dev r-m nodad
ip -n "$M" -batch - <<EOF
link set m-r up
addr add 2001:db8:a1::2/64 dev m-r nodad
addr add $ANYCAST/64 dev lo nodad noprefixroute
link add up0 type veth peer up1
link add nat0 type veth peer nat1
link set up0 up
link set up1 up
link set nat0 up
link set nat1 up
addr add 2001:db8:b::2/64 dev up0 nodad
addr add 198.51.101.1/24 dev nat0
EOF
in_m() { nsenter --net="/run/netns/$M" "$@"; }

frr() {
	local name=$1 ns=$2 conf=$3 dir
	dir=$(mktemp -d "/tmp/frr-$name.XXXXXX")
	mkdir -p "$dir/run"
	echo "log file $dir/zebra.log" >"$dir/zebra.conf"
	{ echo "log file $dir/bgpd.log"; cat "$conf"; } >"$dir/bgpd.conf"
	chown -R frr:frr "$dir"
	ip netns exec "$ns" /usr/lib/frr/zebra -N "$ns" --vty_socket "$dir/run" \
		-z "$dir/run/zserv.api" -d -f "$dir/zebra.conf" -i "$dir/run/zebra.pid" \
		>/dev/null 2>&1 || return 1
	defer "kill \$(cat $dir/run/zebra.pid)"
	busywait 20000 test -S "$dir/run/zserv.api" || return 1
	ip netns exec "$ns" /usr/lib/frr/bgpd -N "$ns" --vty_socket "$dir/run" \
		-z "$dir/run/zserv.api" -d -f "$dir/bgpd.conf" -i "$dir/run/bgpd.pid" \
		>/dev/null 2>&1 || return 1
	defer "kill \$(cat $dir/run/bgpd.pid)"
}
# the examples, as shipped, with short timers; the router with one member
sed -e '/^ neighbor 2001:db8:a1::1 remote-as/a\
 neighbor 2001:db8:a1::1 timers 1 3\
 neighbor 2001:db8:a1::1 timers connect 1' "$EX/frr-aftr.conf" >/tmp/frr-m.$$
sed -e '/2001:db8:a2::2/d' -e '/^ neighbor 2001:db8:a1::2 remote-as/a\
 neighbor 2001:db8:a1::2 timers 1 3\
 neighbor 2001:db8:a1::2 timers connect 1' "$EX/frr-router.conf" >/tmp/frr-r.$$
defer "rm -f /tmp/frr-m.$$ /tmp/frr-r.$$"

# --- bad input changes nothing
for args in "dev up0" "dev up0 anycast ff02::1" "dev up0 anycast $ANYCAST rise 0" \
	"dev up0 anycast $ANYCAST table 255" "dev up0 anycast $ANYCAST bogus 1" \
	"dev up0 anycast $ANYCAST/0"; do
	# shellcheck disable=SC2086
	out=$(in_m "$DSLITECTL" aftr health run $args 2>&1)
	tap_expect "refused with a usage error: $args" "1 yes" \
		"$? $(case $out in "dslitectl: aftr health run: "*) echo yes ;; *) echo "no: $out" ;; esac)"
done
out=$(in_m "$DSLITECTL" aftr health run dev nosuch anycast $ANYCAST 2>&1)
tap_expect "a device that does not exist" "2 dslitectl: aftr health run: nosuch: no such device" "$? $out"
tap_expect "nothing was routed" "" "$(ip -n "$M" -6 route show $ANYCAST/128)"

frr R "$R" /tmp/frr-r.$$ && frr M "$M" /tmp/frr-m.$$ ||
	{ tap_fail "FRR starts in both namespaces"; tap_done; }
in_m "$DSLITECTL" aftr attach dev up0 mode generic node-id 1 anycast $ANYCAST >/dev/null ||
	{ tap_fail "responder attached"; tap_done; }
defer "in_m $DSLITECTL aftr detach dev up0"

LOG=$(mktemp /tmp/health.XXXXXX)
defer "rm -f $LOG"
# nsenter itself in the background (a function would be a subshell, and
# $! its pid)
nsenter --net="/run/netns/$M" "$DSLITECTL" -j aftr health run dev up0 \
	anycast $ANYCAST nat-dev nat0 interval 200 rise 3 fall 2 \
	hold-down 8000 >"$LOG" 2>&1 &
HPID=$!
defer "kill $HPID"
r_has() { ip -n "$R" -6 route show $ANYCAST/128 | grep -q 'proto bgp'; }
r_none() { ! r_has; }
if slowwait 30 r_has; then
	tap_ok "fit: announced through bgpd, the router has the route"
else
	tap_fail "fit: announced through bgpd, the router has the route" "$(cat "$LOG")"
fi
tap_expect "the member's kernel route" "$ANYCAST dev lo proto 77 metric 1024 pref medium" \
	"$(ip -n "$M" -6 route show $ANYCAST/128)"
st() { in_m "$DSLITECTL" -j aftr health status | jq -r "$1"; }
tap_expect "status: fit, announced, every check ok" "true true xdp,uplink,nat true" \
	"$(st '"\(.fit) \(.announced) \([.checks[].check] | join(",")) \([.checks[].ok] | all)"')"

ip -n "$M" link set nat0 down
t0=$(now_ms)
if slowwait 10 r_none; then
	tap_ok "NAT interface down: unfit, withdrawn, the router drops the route"
	diag "router's route gone $(($(now_ms) - t0)) ms after the fault (fall 2 x 200 ms)"
else
	tap_fail "NAT interface down: unfit, withdrawn, the router drops the route" "$(cat "$LOG")"
fi
tap_expect "events: check-failing, unfit, withdrawn (unfit)" \
	"nat0 is down|nat: nat0 is down|unfit" \
	"$(jq -r 'select(.event == "check-failing") | .reason' "$LOG" | tail -1)|$(jq -r 'select(.event == "unfit") | .reason' "$LOG")|$(jq -r 'select(.event == "withdrawn") | .reason' "$LOG" | tail -1)"
ip -n "$M" link set nat0 up
held() { jq -e 'select(.event == "held-down")' "$LOG" >/dev/null; }
if slowwait 10 held; then
	tap_ok "good again within the hold-down: held down"
else
	tap_fail "good again within the hold-down: held down" "$(cat "$LOG")"
fi
tap_expect "still withdrawn while held down" "false" "$(st .announced)"
if slowwait 30 r_has; then
	tap_ok "announced again after the hold-down"
else
	tap_fail "announced again after the hold-down" "$(cat "$LOG")"
fi
gap=$(( $(jq -r 'select(.event == "announced") | .["at-ms"]' "$LOG" | tail -1) -
	$(jq -r 'select(.event == "unfit") | .["at-ms"]' "$LOG") ))
tap_expect "announced no earlier than 8000 ms after it went unfit" 1 \
	"$([ "$gap" -ge 8000 ] && echo 1 || echo "0 ($gap ms)")"

tap_expect "drain" "up0: drained, route withdrawn" "$(in_m "$DSLITECTL" aftr health drain dev up0)"
slowwait 10 r_none && tap_ok "drained: the router drops the route" ||
	tap_fail "drained: the router drops the route"
tap_expect "resume" "up0: not drained, route announced" "$(in_m "$DSLITECTL" aftr health resume)"
slowwait 10 r_has && tap_ok "resumed: announced again" || tap_fail "resumed: announced again"

m=$(in_m "$DSLITECTL" metrics)
tap_expect "metrics: fit 1, announced 1, to unfit 1, nat failures > 0" "1 1 1 yes" \
	"$(awk '/^dslite_aftr_health_fit\{/ { f = $2 } /^dslite_aftr_health_announced\{/ { a = $2 }
		/^dslite_aftr_health_transitions_total\{.*to="unfit"/ { u = $2 }
		/^dslite_aftr_health_check_failures_total\{.*check="nat"/ { n = $2 > 0 ? "yes" : "no" }
		END { print f, a, u, n }' <<<"$m")"
if command -v promtool >/dev/null; then
	out=$(promtool check metrics <<<"$m" 2>&1)
	tap_expect "promtool accepts the metrics" 0 $?
	[ -n "$out" ] && diag "$out"
fi

# a route removed behind its back comes back
ip -n "$M" -6 route del $ANYCAST/128 proto 77
readd() { ip -n "$M" -6 route show $ANYCAST/128 | grep -q 'proto 77'; }
slowwait 5 readd && tap_ok "a route removed by someone else is put back" ||
	tap_fail "a route removed by someone else is put back" "$(tail -3 "$LOG")"

out=$(in_m "$DSLITECTL" aftr health run dev up0 anycast $ANYCAST 2>&1)
tap_expect "a second supervisor for the device is refused" \
	"2 dslitectl: aftr health run: a health supervisor already runs for up0 in this network namespace" "$? $out"

kill -TERM $HPID
wait $HPID
tap_expect "SIGTERM: exit 0" 0 $?
tap_expect "SIGTERM: the route is withdrawn" "" "$(ip -n "$M" -6 route show $ANYCAST/128)"
slowwait 10 r_none && tap_ok "the router drops it" || tap_fail "the router drops it"
tap_done
