#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `dslitectl monitor` sees every tunnel event, in order, with diag and reason,
# and exits 2 when dslite.ko is unloaded under it.
#
#   [ netns M ]
#     m0 (ip6tnl)   --events-->  dslitectl -j monitor  (listener in M)
#   [ netns O ]
#     o0 (ip6tnl)   events of another namespace must not reach M's listener
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

require_root
kmod_load || tap_skip_all "cannot load dslite.ko"
setup_ns M O

log=$(mktemp)
defer "rm -f $log"
ip netns exec "$M" "$DSLITECTL" -j monitor > "$log" 2>&1 &
mon=$!
defer "kill $mon"

if wait_subscribed "$M" $mon; then tap_ok "monitor subscribed"; else
	tap_fail "monitor subscribed" "$(cat "$log")"; tap_done; fi

in_m() { ip netns exec "$M" "$@"; }
ip -n "$O" link add o0 type ip6tnl mode ipip6 remote 2001:db8::1 local 2001:db8::2
ip -n "$M" link add m0 type ip6tnl mode ipip6 remote 2001:db8::1 local 2001:db8::2
ip -n "$M" link set m0 up
in_m "$DSLITECTL" tunnel set dev m0 carrier down diag control-expired reason "r1"
in_m "$DSLITECTL" tunnel set dev m0 carrier down diag path-down
in_m "$DSLITECTL" tunnel set dev m0 carrier up
ip -n "$M" link set m0 down
ip -n "$M" link set m0 up
ip -n "$M" link set m0 type ip6tnl remote 2001:db8::7
ip -n "$M" link del m0
ip -n "$O" link del o0

busywait 3000 grep -q '"del"' "$log"
seq=$("$JQ" -r '[.event, .ifname, (.carrier|tostring), .diagnostic, (.reason // "-"), (."admin-up"|tostring), .remote] | join(" ")' < "$log")
expected="new m0 true none - false 2001:db8::1
link m0 true none - true 2001:db8::1
carrier m0 false control-expired r1 true 2001:db8::1
state m0 false path-down - true 2001:db8::1
carrier m0 true none - true 2001:db8::1
link m0 true none - false 2001:db8::1
link m0 true none - true 2001:db8::1
params m0 true none - true 2001:db8::7
link m0 true none - false 2001:db8::7
del m0 true none - false 2001:db8::7"
if [ "$seq" = "$expected" ]; then
	tap_ok "events in order with carrier, diag and reason"
else
	tap_fail "events in order with carrier, diag and reason"
	diff <(echo "$expected") <(echo "$seq") | sed 's/^/#   /'
fi
if grep -q '"o0"' "$log"; then
	tap_fail "no events from another namespace"
else
	tap_ok "no events from another namespace"
fi

# Text output: one line per event.
tlog=$(mktemp)
defer "rm -f $tlog"
in_m "$DSLITECTL" monitor count 2 > "$tlog" 2>&1 &
tmon=$!
wait_subscribed "$M" $tmon
ip -n "$M" link add t0 type ip6tnl mode ipip6 remote 2001:db8::1 local 2001:db8::2
in_m "$DSLITECTL" tunnel set dev t0 carrier down diag echo-failed reason "no echo"
if busywait 3000 proc_gone $tmon; then
	tap_ok "monitor count 2 exits after two events"
else
	kill $tmon; tap_fail "monitor count 2 exits after two events" "$(cat "$tlog")"
fi
tap_expect "text monitor prints one line per event" "2" "$(wc -l < "$tlog")"
if grep -q 't0' "$tlog" && grep -q 'echo-failed' "$tlog" && grep -q 'no echo' "$tlog"; then
	tap_ok "text event names device, diag and reason"
else
	tap_fail "text event names device, diag and reason" "$(cat "$tlog")"
fi


# dslite.ko unloaded under a monitor: no event can come any more; it says
# so and exits 2.
ulog=$(mktemp)
ready=$(mktemp -u)
defer "rm -f $ulog $ready"
in_m "$DSLITECTL" monitor ready "$ready" > "$ulog" 2>&1 &
umon=$!
__ready() { [ -e "$ready" ]; }
busywait 5000 __ready
rmmod dslite
if busywait 3000 proc_gone $umon; then
	tap_ok "dslite.ko unloaded: the monitor exits"
else
	kill $umon; tap_fail "dslite.ko unloaded: the monitor exits" "$(cat "$ulog")"
fi
wait $umon
rc=$?
tap_expect "exit 2, the reason on standard error" \
	"2 dslitectl: monitor: the dslite module was unloaded" "$rc $(tail -n 1 "$ulog")"
insmod "$DSLITE_KO"

tap_done
