#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every ip6tnl device is tracked, whether it existed before dslite.ko was
# loaded or was created after; other devices are not.
#
#   [ netns T ]
#     before0 (ip6tnl ipip6, created before insmod)
#     after0  (ip6tnl ipip6, created after insmod)
#     ip6tnl0 (the namespace's fallback device: not a softwire)
#     veth0 <-> veth1, dummy0 (not tunnels)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

require_root
modprobe ip6_tunnel || tap_skip_all "no ip6_tunnel module"
modprobe veth; modprobe dummy
grep -q '^dslite ' /proc/modules && rmmod dslite

setup_ns T
ip -n "$T" link add before0 type ip6tnl mode ipip6 local 2001:db8::2 remote 2001:db8::1
ip -n "$T" link set before0 up
tap_check "insmod with a tunnel present" insmod "$DSLITE_KO"
defer "rmmod dslite"
ip -n "$T" link add after0 type ip6tnl mode ipip6 local 2001:db8:1::2 remote 2001:db8:1::1
ip -n "$T" link add veth0 type veth peer name veth1
ip -n "$T" link add dummy0 type dummy

names=$(ip netns exec "$T" "$DSLITECTL" -j tunnel show | "$JQ" -r '.[].ifname' | sort | tr '\n' ' ')
tap_expect "exactly the two softwires are tracked" "after0 before0 " "$names"

tap_expect "before0 remote" "2001:db8::1" "$(tjson "$T" before0 remote)"
tap_expect "before0 local" "2001:db8::2" "$(tjson "$T" before0 local)"
tap_expect "after0 remote" "2001:db8:1::1" "$(tjson "$T" after0 remote)"
tap_expect "before0 carrier" "true" "$(tjson "$T" before0 carrier)"
tap_expect "before0 forced" "none" "$(tjson "$T" before0 forced)"
tap_expect "before0 diagnostic" "none" "$(tjson "$T" before0 diagnostic)"
tap_expect "before0 transitions" "0" "$(tjson "$T" before0 transitions)"
tap_expect "before0 admin up" "true" "$(tjson "$T" before0 admin-up)"
tap_expect "after0 admin up" "false" "$(tjson "$T" after0 admin-up)"
ifidx=$(ip netns exec "$T" cat /sys/class/net/before0/ifindex)
tap_expect "before0 ifindex" "$ifidx" "$(tjson "$T" before0 ifindex)"

for dev in veth0 dummy0 ip6tnl0; do
	out=$(ip netns exec "$T" "$DSLITECTL" tunnel show dev $dev 2>&1); rc=$?
	if [ $rc -ne 0 ] && echo "$out" | grep -q "not an ip6tnl tunnel"; then
		tap_ok "$dev is not tracked"
	else
		tap_fail "$dev is not tracked" "rc=$rc: $out"
	fi
done

# Endpoint changes are picked up.
ip -n "$T" link set after0 type ip6tnl remote 2001:db8:1::99
tap_expect "after0 remote after change" "2001:db8:1::99" "$(tjson "$T" after0 remote)"

# A deleted tunnel is forgotten.
ip -n "$T" link del after0
names=$(ip netns exec "$T" "$DSLITECTL" -j tunnel show | "$JQ" -r '.[].ifname' | tr '\n' ' ')
tap_expect "deleted tunnel forgotten" "before0 " "$names"

tap_done
