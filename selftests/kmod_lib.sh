# SPDX-License-Identifier: GPL-2.0
# Helpers for real-kernel tests that use dslite.ko (source after lib.sh).

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

# kmod_load: load ip6_tunnel and a fresh dslite.ko, unload it at exit
kmod_load() {
	mod_load ip6_tunnel || tap_skip_all "no ip6_tunnel module"
	mod_load veth dummy 2>/dev/null
	if [ -d /sys/module/dslite ]; then
		rmmod dslite || return 1
	fi
	insmod "$DSLITE_KO" || return 1
	defer "rmmod dslite"
}

# mk_tunnel NAME [NETNS] [REMOTE]: an ip6tnl ipip6 softwire, admin up
mk_tunnel() {
	local name=$1 ns=${2:-} remote=${3:-2001:db8::1}
	ip ${ns:+-n "$ns"} link add "$name" type ip6tnl mode ipip6 \
		local 2001:db8::2 remote "$remote" || return 1
	ip ${ns:+-n "$ns"} link set "$name" up
}

# tjson [NETNS] DEV FIELD: one field of `dslitectl -j tunnel show dev DEV`
tjson() {
	local ns=
	if [ $# -eq 3 ]; then ns=$1; shift; fi
	${ns:+ip netns exec "$ns"} "$DSLITECTL" -j tunnel show dev "$1" |
		"$JQ" -r ".[0][\"$2\"]"
}

# sysfs_carrier [NETNS] DEV: the kernel's own carrier flag
sysfs_carrier() {
	local ns=
	if [ $# -eq 2 ]; then ns=$1; shift; fi
	${ns:+ip netns exec "$ns"} cat "/sys/class/net/$1/carrier" 2>/dev/null
}

# route_linkdown DEV PREFIX: the route via DEV is flagged linkdown
route_linkdown() {
	ip route show dev "$1" "$2" | grep -q linkdown
}

# wait_subscribed NETNS PID: wait until process PID has a generic netlink
# socket in NETNS that joined a multicast group (/proc/net/netlink shows the
# first 32 groups, which is where dynamically allocated ids land).
__subscribed() {
	ip netns exec "$1" awk -v pid="$2" \
		'$2 == 16 && $3 == pid && $4 != "00000000" { f = 1 } END { exit !f }' \
		/proc/net/netlink
}
wait_subscribed() {
	busywait 5000 __subscribed "$1" "$2"
}

# proc_gone PID: the process has exited (possibly not yet reaped)
proc_gone() {
	[ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
