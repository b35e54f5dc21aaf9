#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A forced carrier-down takes the softwire out of routing, survives
# ip link down/up, and carrier up restores everything.
#
#   [ netns C ]
#     ds0 (ip6tnl ipip6) -- 198.51.100.0/24 metric 10   (primary)
#     dummy0             -- 198.51.100.0/24 metric 100  (backup)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

require_root
kmod_load || tap_skip_all "cannot load dslite.ko"

setup_ns C
mk_tunnel ds0 "$C"
ip -n "$C" link add dummy0 type dummy
ip -n "$C" link set dummy0 up
ip -n "$C" addr add 192.0.0.2/29 dev ds0
ip -n "$C" addr add 203.0.113.2/24 dev dummy0
ip -n "$C" route add 198.51.100.0/24 dev ds0 metric 10
ip -n "$C" route add 198.51.100.0/24 dev dummy0 metric 100
ip netns exec "$C" sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1

in_c() { ip netns exec "$C" "$@"; }
route_dev() { in_c ip -o route get 198.51.100.1 | sed -n 's/.* dev \([^ ]*\).*/\1/p'; }
linkdown() { in_c ip route show 198.51.100.0/24 dev ds0 | grep -q linkdown; }
not_linkdown() { ! linkdown; }

oper_before=$(in_c cat /sys/class/net/ds0/operstate)
tap_expect "primary route used while up" "ds0" "$(route_dev)"

tap_check "carrier down with diag and reason" \
	in_c "$DSLITECTL" tunnel set dev ds0 carrier down diag control-expired reason "bfd timeout"
tap_expect "sysfs carrier is 0" "0" "$(sysfs_carrier "$C" ds0)"
oper=$(in_c cat /sys/class/net/ds0/operstate)
if [ "$oper" != "up" ] && [ "$oper" != "unknown" ]; then
	tap_ok "operstate is not up ($oper)"
else
	tap_fail "operstate is not up" "operstate $oper"
fi
if busywait 2000 linkdown; then tap_ok "route via ds0 is linkdown"; else
	tap_fail "route via ds0 is linkdown" "$(in_c ip route)"; fi
tap_expect "route get picks the backup" "dummy0" "$(route_dev)"
tap_expect "forced state" "carrier-down" "$(tjson "$C" ds0 forced)"
tap_expect "diag" "control-expired" "$(tjson "$C" ds0 diagnostic)"
tap_expect "diag code" "1" "$(tjson "$C" ds0 diag-code)"
tap_expect "reason" "bfd timeout" "$(tjson "$C" ds0 reason)"
tap_expect "carrier (json)" "false" "$(tjson "$C" ds0 carrier)"
tap_expect "transitions" "1" "$(tjson "$C" ds0 transitions)"

# Forced down survives an administrative down/up (which flushes the
# tunnel's routes: put the primary back).
in_c ip link set ds0 down
in_c ip link set ds0 up
ip -n "$C" route add 198.51.100.0/24 dev ds0 metric 10
tap_expect "still carrier 0 after link down/up" "0" "$(sysfs_carrier "$C" ds0)"
tap_expect "still forced after link down/up" "carrier-down" "$(tjson "$C" ds0 forced)"
if busywait 2000 linkdown; then tap_ok "route still linkdown after link down/up"; else
	tap_fail "route still linkdown after link down/up" "$(in_c ip route)"; fi

# A second set with another diag updates the reason, carrier stays down.
tap_check "carrier down again, numeric diag 5" \
	in_c "$DSLITECTL" tunnel set dev ds0 carrier down diag 5
tap_expect "diag now path-down" "path-down" "$(tjson "$C" ds0 diagnostic)"
tap_expect "reason cleared" "null" "$(tjson "$C" ds0 reason)"
tap_expect "no extra transition" "1" "$(tjson "$C" ds0 transitions)"

tap_check "carrier up" in_c "$DSLITECTL" tunnel set dev ds0 carrier up
tap_expect "sysfs carrier is 1" "1" "$(sysfs_carrier "$C" ds0)"
if busywait 2000 not_linkdown; then tap_ok "route no longer linkdown"; else
	tap_fail "route no longer linkdown" "$(in_c ip route)"; fi
tap_expect "route get picks ds0 again" "ds0" "$(route_dev)"
oper=$(in_c cat /sys/class/net/ds0/operstate)
if [ "$oper" = "up" ] || [ "$oper" = "unknown" ]; then
	tap_ok "operstate up again ($oper, was $oper_before)"
else
	tap_fail "operstate up again" "operstate $oper"
fi
tap_expect "forced cleared" "none" "$(tjson "$C" ds0 forced)"
tap_expect "diag cleared" "none" "$(tjson "$C" ds0 diagnostic)"
tap_expect "transitions after up" "2" "$(tjson "$C" ds0 transitions)"

# Default diag is admin-down.
tap_check "carrier down without diag" in_c "$DSLITECTL" tunnel set dev ds0 carrier down
tap_expect "default diag" "admin-down" "$(tjson "$C" ds0 diagnostic)"

# Carrier down on an administratively down tunnel, then up: still down.
in_c ip link set ds0 down
tap_check "carrier up while admin down" in_c "$DSLITECTL" tunnel set dev ds0 carrier up
tap_check "carrier down while admin down" in_c "$DSLITECTL" tunnel set dev ds0 carrier down diag 3
in_c ip link set ds0 up
tap_expect "carrier stays 0 when brought up" "0" "$(sysfs_carrier "$C" ds0)"
tap_expect "transitions counted while admin down" "5" "$(tjson "$C" ds0 transitions)"

tap_done
