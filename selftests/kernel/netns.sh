#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The family is namespace-aware: a tunnel is only visible and settable from
# its own namespace; a dying namespace leaves no state behind; unloading the
# module gives forced-down tunnels their carrier back.
#
#   [ netns A ]          [ netns B ]          [ netns D (deleted) ]
#     a0 (ip6tnl)          b0 (ip6tnl)          d0 (ip6tnl, forced down)
#     same0 (ip6tnl)       same0 (ip6tnl)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

require_root
kmod_load || tap_skip_all "cannot load dslite.ko"
setup_ns A B
mk_tunnel a0 "$A"
mk_tunnel same0 "$A" 2001:db8::5
mk_tunnel b0 "$B" 2001:db8::7
mk_tunnel same0 "$B"

ctl() { local ns=$1; shift; ip netns exec "$ns" "$DSLITECTL" "$@"; }

tap_expect "A sees only its tunnels" "a0 same0 " \
	"$(ctl "$A" -j tunnel show | "$JQ" -r '.[].ifname' | sort | tr '\n' ' ')"
tap_expect "B sees only its tunnels" "b0 same0 " \
	"$(ctl "$B" -j tunnel show | "$JQ" -r '.[].ifname' | sort | tr '\n' ' ')"
out=$(ctl "$A" tunnel set dev b0 carrier down diag 1 2>&1)
if [ $? -ne 0 ] && echo "$out" | grep -q "No such device"; then
	tap_ok "B's tunnel untouchable from A"
else
	tap_fail "B's tunnel untouchable from A" "$out"
fi
tap_check "set same0 down in A" ctl "$A" tunnel set dev same0 carrier down diag 2
tap_expect "A's same0 down" "0" "$(sysfs_carrier "$A" same0)"
tap_expect "B's same0 untouched" "1" "$(sysfs_carrier "$B" same0)"
tap_expect "B's same0 not forced" "none" "$(tjson "$B" same0 forced)"

# A namespace dies with a forced-down tunnel in it.
setup_ns D
mk_tunnel d0 "$D"
tap_check "force d0 down" ctl "$D" tunnel set dev d0 carrier down diag 1 reason gone
ip netns del "$D"
# The module must release its reference: unregister would hang otherwise,
# and the harness flags "unregister_netdevice: waiting" in dmesg.
if busywait 5000 sh -c "! ip netns list | grep -q '^$D'"; then
	tap_ok "namespace with a forced-down tunnel deleted"
else
	tap_fail "namespace with a forced-down tunnel deleted"
fi
tap_expect "A unaffected by D's death" "a0 same0 " \
	"$(ctl "$A" -j tunnel show | "$JQ" -r '.[].ifname' | sort | tr '\n' ' ')"

# Moving a tunnel between namespaces: it leaves A's view, appears in B's,
# and does not keep a forced state behind.
mk_tunnel mv0 "$A" 2001:db8::6
tap_check "force mv0 down" ctl "$A" tunnel set dev mv0 carrier down diag 4
ip -n "$A" link set mv0 netns "$B"
tap_expect "moved tunnel gone from A" "a0 same0 " \
	"$(ctl "$A" -j tunnel show | "$JQ" -r '.[].ifname' | sort | tr '\n' ' ')"
tap_expect "moved tunnel tracked in B" "none" "$(tjson "$B" mv0 forced)"
ip -n "$B" link set mv0 up	# a move leaves the device down
tap_expect "moved tunnel got its carrier back" "1" "$(sysfs_carrier "$B" mv0)"

# rmmod with forced-down tunnels restores their carrier.
tap_check "force b0 down" ctl "$B" tunnel set dev b0 carrier down diag 7
tap_check "rmmod with forced tunnels" rmmod dslite
tap_expect "a0 untouched (was up)" "1" "$(sysfs_carrier "$A" a0)"
tap_expect "same0 in A carrier back" "1" "$(sysfs_carrier "$A" same0)"
tap_expect "b0 carrier back" "1" "$(sysfs_carrier "$B" b0)"
tap_check "reload" insmod "$DSLITE_KO"
tap_expect "after reload same0 in A not forced" "none" "$(tjson "$A" same0 forced)"

tap_done
