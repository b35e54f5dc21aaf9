#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, data-plane rows: what a B4 costs an AFTR on the collect_md
# data plane (one "ip6tnl external" device, one "encap ip6" route per
# B4; Documentation/aftr-operations.md, "The AFTR's data plane") against
# one ip6tnl per B4, all in one run. ip6tnl exists only in the test VM
# (Debian's 6.1 under qemu TCG), so make bench runs this there:
#
#   selftests/vm/run.sh -t 900 selftests/bench/dataplane_bench.sh
#
# Rows:
#   - route insertion: N routes by one "ip -batch" into a fresh network
#     namespace (N = 10,000 and 100,000), the B4s' encapsulation as
#     nexthop objects (one "nexthop add ... encap ip6" and one "route
#     add ... nhid" per B4) against the same routes without encap (the
#     floor); the encap routes of the documented set-up ("route add ...
#     encap ip6 ... dev ds") at 5,000 and 10,000 only: their insertion is
#     quadratic (see insrow's comment); N per-B4 ip6tnl devices with
#     their routes (N = 1,000); time and memory (Slab + Percpu of
#     /proc/meminfo) per B4; each row checks that every route is there;
#   - forwarding: pktgen floods 64-byte UDP packets to random inner
#     addresses of every B4 from [GEN]; [AFTR] routes them into the
#     softwires (encapsulation toward the B4s), [SINK] drops them. ns per
#     packet = pktgen's elapsed time / packets sent: the generator, the
#     AFTR's forwarding and encapsulation and the sink's drop all run in
#     pktgen's context (veth delivers on the sending CPU). The floor is
#     plain IPv4 forwarding of the same packets to the sink (no tunnel).
#     Data planes: collect_md with 1, 1,000 and 10,000 B4 routes and
#     with 10,000 nexthop objects, one ip6tnl per B4 with 1, 1,000 and
#     10,000 devices.
#
#  [GEN] pktgen g0 --veth-- a0 [AFTR] ds (external) or b4-N (per B4) a1 --veth-- s1 [SINK]
#   10.255.0.2                10.255.0.1, 2001:db8:ff::1                2001:db8:ff::2, 10.255.1.2
#
# Under TCG every instruction costs many times what it costs on
# hardware: the ns are the emulator's; the ratios, taken in the same
# run, are what to read.
. "$(dirname "$0")/../lib.sh"

require_root
modprobe ip6_tunnel && modprobe veth && modprobe pktgen ||
	tap_skip_all "ip6_tunnel, veth or pktgen missing"
COUNT=${COUNT:-200000}

# routes KIND FIRST N: "ip -batch" lines for B4s FIRST..N-1: B4 I has
# the inner prefix 10.0.0.0 + 16 I (a /28: 100,000 fit in 10.0.0.0/8)
# and the address 2001:db8:b4:I/65536:I%65536::2
routes() {
	awk -v kind="$1" -v first="$2" -v n="$3" 'BEGIN {
		for (i = first; i < n; i++) {
			a = 167772160 + i * 16
			p = sprintf("%d.%d.%d.%d/28", int(a / 16777216), int(a / 65536) % 256,
				    int(a / 256) % 256, a % 256)
			b = sprintf("2001:db8:b4:%x:%x::2", int(i / 65536), i % 65536)
			if (kind == "encap")
				print "route add " p " encap ip6 dst " b " src 2001:db8::1 dev ds"
			else if (kind == "plain")
				print "route add " p " dev ds"
			else if (kind == "nh") {
				print "nexthop add id " i + 1 " encap ip6 dst " b " src 2001:db8::1 dev ds"
				print "route add " p " nhid " i + 1
			} else if (kind == "floor")
				print "route add " p " via 10.255.1.2"
			else {
				print "link add b4-" i " type ip6tnl mode ipip6 local 2001:db8::1 remote " b
				print "link set b4-" i " up"
				print "route add " p " dev b4-" i
			}
		}
	}'
}

# unroutes FIRST N: "ip -batch" lines deleting the routes of B4s
# FIRST..N-1 by prefix ("ip route flush" fails with "Invalid argument"
# on routes that use nexthop objects with encap, Debian 12's iproute2
# on 6.1)
unroutes() {
	awk -v first="$1" -v n="$2" 'BEGIN {
		for (i = first; i < n; i++) {
			a = 167772160 + i * 16
			printf "route del %d.%d.%d.%d/28\n", int(a / 16777216),
				int(a / 65536) % 256, int(a / 256) % 256, a % 256
		}
	}'
}

# last_addr N: the last address pktgen sends to with N B4s
last_addr() {
	awk -v n="$1" 'BEGIN { a = 167772160 + (n - 1) * 16 + 14
		printf "%d.%d.%d.%d\n", int(a / 16777216), int(a / 65536) % 256,
			int(a / 256) % 256, a % 256 }'
}

mem_kb() { awk '/^(Slab|Percpu):/ { s += $2 } END { print s }' /proc/meminfo; }

# insert KIND N: time (ms) and memory (bytes per B4) of N B4s of KIND
# in a fresh namespace, then the time to delete them, as "MS BYTES
# ROUTES DEL_MS" (ROUTES: the IPv4 routes the namespace then held, 0 if
# ip -batch failed). The routes go before their nexthop objects: a
# nexthop deleted while routes use it makes the kernel walk the whole
# FIB (fib_flush) once per nexthop, quadratic: 100,000 of them left in
# a namespace being deleted held a CPU (and the RTNL) for over 15
# minutes under TCG, soft lockups and RCU stalls in the log.
insert() {
	local kind=$1 n=$2 ns m0 m1 t0 t1 td t2 nr=0
	routes "$kind" 0 "$n" >"$tmp/batch"
	ns=bins-$(mktemp -u XXXXXX)
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add ds type ip6tnl mode ipip6 external
	ip -n "$ns" link set ds up
	sync; echo 3 >/proc/sys/vm/drop_caches
	m0=$(mem_kb)
	t0=$(date +%s%N)
	if ip -n "$ns" -batch "$tmp/batch"; then
		t1=$(date +%s%N)
		m1=$(mem_kb)
		nr=$(ip -n "$ns" -4 route show | grep -c '^10\.')
	else
		t1=$(date +%s%N)
		m1=$(mem_kb)
		echo "# insert $kind $n: ip -batch failed" >&2
	fi
	unroutes 0 "$n" >"$tmp/unbatch"
	td=$(date +%s%N)
	ip -n "$ns" -batch "$tmp/unbatch" >/dev/null 2>&1
	ip -n "$ns" nexthop flush >/dev/null 2>&1
	t2=$(date +%s%N)
	ip netns del "$ns"
	echo "$(((t1 - t0) / 1000000)) $(((m1 - m0) * 1024 / n)) $nr $(((t2 - td) / 1000000))"
}

tmp=$(mktemp -d)
defer "rm -rf $tmp"

# insrow WHAT KIND N [FLOOR_US]: one insertion row, checked: every
# route in place; "vs floor" compares the time per B4 with FLOOR_US
# (the plain routes' time per B4); INS_US is this row's
insrow() {
	local what=$1 kind=$2 n=$3 fl=${4:-} ms b nr dms t0 us
	t0=$(date +%s)
	read -r ms b nr dms <<<"$(insert "$kind" "$n")"
	us=$((ms * 1000 / n))
	printf '# %-40s %8d %10d %12d %9sx %8d\n' "$n $what" "$ms" "$us" "$b" \
		"$(awk -v a="$us" -v b="${fl:-$us}" 'BEGIN { printf "%.2f", b ? a / b : 0 }')" "$dms"
	tap_expect "route insertion: $n $what ($(($(date +%s) - t0)) s)" "$n" "$nr"
	INS_US=$us
}

echo "# route insertion (one ip -batch, fresh namespace)"
printf '# %-40s %8s %10s %12s %10s %8s\n' "B4s" "ms" "us per B4" "bytes per B4" "vs floor" "del ms"
# The kernel keeps the routes' next hops (struct fib_info) in a hash of
# the protocol, scope, source, metric and output device only: the "encap
# ip6" routes of one device all land in one chain and each insertion
# compares its encapsulation with every one before it (quadratic; about
# 100 times the 10,000 row for 100,000, hours under TCG). With nexthop
# objects ("ip nexthop add id I encap ip6 ...", "ip route add P nhid I")
# the hash includes the id: linear.
for n in 10000 100000; do
	insrow "plain routes (floor)" plain $n
	floor_us=$INS_US
	[ $n -eq 10000 ] && floor10=$floor_us
	insrow "nexthop objects + routes (collect_md)" nh $n "$floor_us"
	if [ $n -le 10000 ]; then
		insrow "encap ip6 routes (collect_md)" encap $((n / 2)) "$floor_us"
		insrow "encap ip6 routes (collect_md)" encap $n "$floor_us"
	fi
done
insrow "ip6tnl devices + routes" tunnels 1000 "$floor10"

# --- forwarding
setup_ns GEN AFTR SINK || tap_skip_all "no network namespaces"
ip link add g0 netns "$GEN" type veth peer a0 netns "$AFTR"
ip link add a1 netns "$AFTR" type veth peer s1 netns "$SINK"
ip -n "$GEN" -batch - <<-EOF
	link set g0 up
	addr add 10.255.0.2/24 dev g0
EOF
ip -n "$AFTR" -batch - <<-EOF
	link set a0 up
	link set a1 up
	addr add 10.255.0.1/24 dev a0
	addr add 10.255.1.1/24 dev a1
	addr add 2001:db8:ff::1/64 dev a1 nodad
	addr add 2001:db8::1/128 dev lo
	route add 2001:db8:b4::/48 via 2001:db8:ff::2
	link add ds type ip6tnl mode ipip6 external
	link set ds up
EOF
ip -n "$SINK" -batch - <<-EOF
	link set s1 up
	addr add 2001:db8:ff::2/64 dev s1 nodad
	addr add 10.255.1.2/24 dev s1
EOF
ip netns exec "$AFTR" sysctl -qw net.ipv4.ip_forward=1
# the neighbours, once
ip netns exec "$AFTR" ping -6 -c 1 -W 5 2001:db8:ff::2 >/dev/null
ip netns exec "$AFTR" ping -c 1 -W 5 10.255.1.2 >/dev/null
ip netns exec "$GEN" ping -c 1 -W 5 10.255.0.1 >/dev/null
gw_mac=$(ip -n "$AFTR" -j link show a0 | jq -r '.[0].address')

pg() { echo "$2" >"/proc/net/pktgen/$1" || echo "# pktgen $1: $2 refused" >&2; }

# flood N: pktgen sends COUNT packets to random addresses of B4 0..N-1;
# prints "NS_PER_PACKET DELIVERED_PERCENT"
flood() {
	local n=$1 last out usec rx0 rx1
	last=$(last_addr "$n")
	rx0=$(ip netns exec "$SINK" cat /sys/class/net/s1/statistics/rx_packets)
	ip netns exec "$GEN" bash -c '
		pg() { echo "$2" >"/proc/net/pktgen/$1"; }
		pg kpktgend_0 rem_device_all
		pg kpktgend_0 "add_device g0"
		pg g0 "count '"$COUNT"'"
		pg g0 "pkt_size 64"
		pg g0 "delay 0"
		pg g0 "dst_min 10.0.0.1"
		pg g0 "dst_max '"$last"'"
		pg g0 "flag IPDST_RND"
		pg g0 "src_min 10.255.0.2"
		pg g0 "src_max 10.255.0.2"
		pg g0 "udp_dst_min 9"
		pg g0 "udp_dst_max 9"
		pg g0 "dst_mac '"$gw_mac"'"
		pg pgctrl start
		cat /proc/net/pktgen/g0' >"$tmp/pg.out"
	rx1=$(ip netns exec "$SINK" cat /sys/class/net/s1/statistics/rx_packets)
	usec=$(sed -n 's/.*Result: OK: \([0-9]*\)(.*/\1/p' "$tmp/pg.out")
	if [ -z "$usec" ]; then
		echo "0 0"
		sed 's/^/# pktgen: /' "$tmp/pg.out" >&2
		return
	fi
	echo "$((usec * 1000 / COUNT)) $(((rx1 - rx0) * 100 / COUNT))"
}

# dataplane KIND N: the AFTR carries N B4s of KIND (floor, encap,
# tunnels); the tunnels rows come last and grow (deleting thousands of
# devices one by one costs minutes under TCG)
ntun=0 prev=
dataplane() {
	local kind=$1 n=$2
	if [ "$kind" != tunnels ] || [ $ntun -eq 0 ]; then
		if [ "${prev% *}" = nh ]; then
			unroutes 0 "${prev#* }" >"$tmp/undp"
			ip -n "$AFTR" -batch "$tmp/undp"
			ip -n "$AFTR" nexthop flush >/dev/null
		fi
		ip -n "$AFTR" -4 route flush proto boot
	fi
	prev="$kind $n"
	if [ "$kind" = tunnels ]; then
		routes tunnels $ntun "$n" >"$tmp/dp"
		ntun=$n
	else
		routes "$kind" 0 "$n" >"$tmp/dp"
	fi
	ip -n "$AFTR" -batch "$tmp/dp"
}

echo "# forwarding: pktgen, $COUNT packets of 64 bytes to random B4s, encapsulated toward them"
printf '# %-34s %10s %10s %10s\n' "data plane" "ns/packet" "delivered" "vs floor"
floor=0
for row in "floor 1" "encap 1" "encap 1000" "encap 10000" "nh 10000" "tunnels 1" "tunnels 1000" "tunnels 10000"; do
	set -- $row
	t0=$(date +%s)
	dataplane "$1" "$2"
	read -r ns pct <<<"$(flood "$2")"
	[ "$1" = floor ] && floor=$ns
	case $1 in
	floor) what="IPv4 forwarding (floor)" ;;
	encap) what="collect_md, $2 B4 routes" ;;
	nh) what="collect_md, $2 nexthop objects" ;;
	tunnels) what="ip6tnl per B4, $2 devices" ;;
	esac
	printf '# %-34s %10d %9d%% %9sx\n' "$what" "$ns" "$pct" \
		"$(awk -v a="$ns" -v b="$floor" 'BEGIN { printf "%.2f", b ? a / b : 0 }')"
	if [ "$ns" -gt 0 ] && [ "$pct" -ge 90 ]; then
		tap_ok "forwarding: $what ($(($(date +%s) - t0)) s)"
	else
		tap_fail "forwarding: $what" "$ns ns, $pct % delivered"
	fi
done
tap_done
