#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, data-plane rows: what a B4 costs an AFTR on the collect_md
# data plane (one "ip6tnl external" device, one nexthop object or one
# "encap ip6" route per B4; Documentation/aftr-operations.md, "The
# AFTR's data plane") against one ip6tnl per B4, all in one run. ip6tnl
# exists only in the test VM (Debian's 6.1 under qemu TCG), so make bench
# runs this there:
#
#   selftests/vm/run.sh -t 3600 selftests/bench/dataplane_bench.sh
#
# vm-timeout: 7200
#
# Parts (all by default; "dp_rows=forward" on the VM's kernel command
# line, DSLITE_VM_APPEND=dp_rows=forward, or DP_ROWS=forward in the
# environment picks some: a comma-separated list of insert, forward,
# losses; "dp_count=N" or COUNT=N sets the packets per forwarding row):
#
#   - insert: N routes by one "ip -batch" into a fresh network
#     namespace (N = 10,000 and 100,000), the B4s' encapsulation as
#     nexthop objects (one "nexthop add ... encap ip6" and one "route
#     add ... nhid" per B4) against the same routes without encap (the
#     floor); the encap routes of the documented set-up ("route add ...
#     encap ip6 ... dev ds") at 5,000 and 10,000 only: their insertion is
#     quadratic (see insrow's comment); N per-B4 ip6tnl devices with
#     their routes (N = 1,000); time and memory (Slab + Percpu of
#     /proc/meminfo) per B4; each row checks that every route is there;
#
#   - forward: what forwarding one packet into a softwire costs the
#     AFTR. pktgen runs in [AFTR] with "xmit_mode netif_receive" on a0:
#     each 64-byte UDP packet (to a random inner address of the N B4s)
#     is handed to netif_receive_skb() in pktgen's own thread, so the
#     whole path runs synchronously there, packet after packet: IPv4
#     receive and route lookup, forwarding, the encapsulation (the
#     collect_md device or the B4's ip6tnl), the IPv6 route and
#     neighbour, and the egress device's xmit. The egress is d1, a
#     dummy device: its xmit counts the packet and frees it, as a NIC's
#     driver hands it to the hardware; no receiver, no queue behind it,
#     so no packet is dropped for want of CPU, and pktgen's elapsed
#     time / packets is the cost of one (pktgen's own making of the
#     packet included, the same in every row). Every row counts what
#     the AFTR sent (d1's tx_packets, and for the softwire rows the
#     tunnel devices' tx_packets): at least 90 % of the packets pktgen
#     made must leave, or the row fails and prints every counter that
#     moved. Each row runs 3 times (dp_reps=N) and shows the median
#     and the range.
#     The floor is plain IPv4 forwarding of the same packets (routes
#     via an IPv4 gateway on d1), same method, same run: each run of a
#     row follows a run of the 1-route floor, and "vs floor" is the
#     median of the ratios of these pairs (the host's load changes the
#     emulator's speed from minute to minute). Rows: floor with 1 and
#     10,000 routes; collect_md with 1, 1,000, 10,000 encap routes and 1,
#     1,000, 10,000, 100,000 nexthop objects; one ip6tnl per B4 with
#     1, 1,000, 10,000 devices;
#
#   - losses: the old way of measuring it, kept to show where its
#     packets went: pktgen in [GEN] sends (start_xmit) on veth g0, the
#     AFTR forwards from a0 out of veth a1, [SINK] receives on s1 and
#     drops. Each row prints the share that reached s1 and every
#     counter that moved in the three namespaces, the devices and
#     /proc/net/softnet_stat; it checks that the counters account for
#     every packet lost: the CPU's backlog (netdev_max_backlog packets,
#     one queue per CPU for every veth) refused them on a1, while
#     pktgen kept it full (veth refuses pktgen's packets too, g0's
#     tx_dropped, but pktgen sends a refused packet again and does not
#     count it as sent; the AFTR's forwarded packet is lost).
#
#   [GEN] g0 ==veth== a0 [AFTR] --IPv4 forward--> ds (external) or b4-N --> a1 ==veth== s1 [SINK]
#    pktgen (losses)  ^ pktgen netif_receive                             \-> d1 (dummy: forward)
#   10.255.0.2        10.255.0.1; 2001:db8::1 on lo   2001:db8:ff::1 (a1), 2001:db8:fe::1 (d1)
#                                                    10.255.1.1 (a1), 10.255.2.1 (d1)
#
# The B4s' IPv6 prefix 2001:db8:b4::/48 is routed via 2001:db8:fe::2 on
# d1 for the figures and via 2001:db8:ff::2 (s1) for the losses; the
# floor's IPv4 routes via 10.255.2.2 (d1) or 10.255.1.2 (s1).
#
# Under TCG every instruction costs many times what it costs on
# hardware: the ns are the emulator's; the ratios, taken in the same
# run, are what to read.
. "$(dirname "$0")/../lib.sh"

require_root
modprobe ip6_tunnel && modprobe veth && modprobe pktgen && modprobe dummy ||
	tap_skip_all "ip6_tunnel, veth, dummy or pktgen missing"

# cmdline KEY: the value of KEY=... on the kernel command line
cmdline() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tail -n 1; }
ROWS=${DP_ROWS:-$(cmdline dp_rows)}
ROWS=${ROWS:-insert,forward,losses}
COUNT=${COUNT:-$(cmdline dp_count)}
COUNT=${COUNT:-50000}
for p in ${ROWS//,/ }; do
	case $p in
	insert | forward | losses) ;;
	*) echo "dataplane_bench: unknown part '$p' (insert, forward, losses)" >&2
	   exit 2 ;;
	esac
done
case $COUNT in
'' | *[!0-9]*) echo "dataplane_bench: count '$COUNT' is not a number" >&2; exit 2 ;;
esac
part() { case ",$ROWS," in *",$1,"*) return 0 ;; esac; return 1; }

# routes KIND FIRST N: "ip -batch" lines for B4s FIRST..N-1: B4 I has
# the inner prefix 10.0.0.0 + 16 I (a /28: 100,000 fit in 10.0.0.0/8)
# and the address 2001:db8:b4:I/65536:I%65536::2
routes() {
	awk -v kind="$1" -v first="$2" -v n="$3" -v gw="${FLOOR_GW:-10.255.2.2}" 'BEGIN {
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
				print "route add " p " via " gw
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

# the insertion rows
insert_part() {
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
}

# --- forwarding: the topology of the drawing above, one per part
topology() {
	setup_ns GEN AFTR SINK || tap_skip_all "no network namespaces"
	ip link add g0 netns "$GEN" type veth peer a0 netns "$AFTR"
	ip link add a1 netns "$AFTR" type veth peer s1 netns "$SINK"
	ip -n "$GEN" -batch - <<-EOT
		link set g0 up
		addr add 10.255.0.2/24 dev g0
	EOT
	ip -n "$AFTR" -batch - <<-EOT
		link add d1 type dummy
		link set a0 up
		link set a1 up
		link set d1 up
		addr add 10.255.0.1/24 dev a0
		addr add 10.255.1.1/24 dev a1
		addr add 10.255.2.1/24 dev d1
		addr add 2001:db8:ff::1/64 dev a1 nodad
		addr add 2001:db8:fe::1/64 dev d1 nodad
		addr add 2001:db8::1/128 dev lo
		link add ds type ip6tnl mode ipip6 external
		link set ds up
	EOT
	ip -n "$SINK" -batch - <<-EOT
		link set s1 up
		addr add 2001:db8:ff::2/64 dev s1 nodad
		addr add 10.255.1.2/24 dev s1
	EOT
	ip netns exec "$AFTR" sysctl -qw net.ipv4.ip_forward=1
	# no router solicitations from every new tunnel (sent again and
	# again with backoff, thousands of them during the timed rows)
	ip netns exec "$AFTR" sysctl -qw net.ipv6.conf.default.router_solicitations=0
	# the neighbours on the veths, once (d1 is NOARP: none to resolve)
	ip netns exec "$AFTR" ping -6 -c 1 -W 5 2001:db8:ff::2 >/dev/null
	ip netns exec "$AFTR" ping -c 1 -W 5 10.255.1.2 >/dev/null
	ip netns exec "$GEN" ping -c 1 -W 5 10.255.0.1 >/dev/null
	a0_mac=$(ip -n "$AFTR" -j link show a0 | jq -r '.[0].address')
	cur_kind='' cur_n=0
}

# egress DEV: the B4s' IPv6 prefix and the floor's routes leave by d1
# (the figures) or by a1 toward the sink (the losses)
egress() {
	if [ "$1" = d1 ]; then
		ip -n "$AFTR" -6 route replace 2001:db8:b4::/48 via 2001:db8:fe::2 dev d1
		FLOOR_GW=10.255.2.2
	else
		ip -n "$AFTR" -6 route replace 2001:db8:b4::/48 via 2001:db8:ff::2 dev a1
		FLOOR_GW=10.255.1.2
	fi
}

# clear_dataplane: remove the B4s of the current data plane (routes
# before their nexthop objects: see insert())
clear_dataplane() {
	case $cur_kind in
	nh)
		unroutes 0 "$cur_n" >"$tmp/undp"
		ip -n "$AFTR" -batch "$tmp/undp"
		ip -n "$AFTR" nexthop flush >/dev/null ;;
	tunnels)
		awk -v n="$cur_n" 'BEGIN { for (i = 0; i < n; i++) print "link del b4-" i }' >"$tmp/undp"
		ip -n "$AFTR" -batch "$tmp/undp" ;;
	floor | encap)
		ip -n "$AFTR" -4 route flush proto boot ;;
	esac
	cur_kind='' cur_n=0
}

# dataplane KIND N: the AFTR carries N B4s of KIND (floor, encap, nh,
# tunnels); nexthop objects and tunnels grow from the row before
# (deleting thousands one by one costs minutes under TCG)
dataplane() {
	local kind=$1 n=$2 first=0
	if [ "$kind" = "$cur_kind" ] && [ "$n" -ge "$cur_n" ] &&
	   { [ "$kind" = nh ] || [ "$kind" = tunnels ]; }; then
		first=$cur_n
	else
		clear_dataplane
	fi
	routes "$kind" "$first" "$n" >"$tmp/dp"
	ip -n "$AFTR" -batch "$tmp/dp" || return 1
	cur_kind=$kind cur_n=$n
}

# pktgen NS DEV MODE N [DST_MIN DST_MAX]: COUNT 64-byte UDP packets
# from DEV of NS to random addresses of B4 0..N-1 (or DST_MIN..DST_MAX;
# xmit_mode MODE); prints "USEC SENT ERRORS", or "0 0 0" and pktgen's
# report on stderr
pktgen() {
	local ns=$1 dev=$2 mode=$3 n=$4 dmin=${5:-10.0.0.1} dmax=${6:-} usec sent err
	[ -n "$dmax" ] || dmax=$(last_addr "$n")
	ip netns exec "$ns" bash -c '
		pg() { echo "$2" >"/proc/net/pktgen/$1" ||
			echo "# pktgen $1: $2 refused" >&2; }
		pg kpktgend_0 rem_device_all
		pg kpktgend_0 "add_device '"$dev"'"
		pg '"$dev"' "xmit_mode '"$mode"'"
		pg '"$dev"' "count '"$COUNT"'"
		pg '"$dev"' "pkt_size 64"
		pg '"$dev"' "delay 0"
		pg '"$dev"' "dst_min '"$dmin"'"
		pg '"$dev"' "dst_max '"$dmax"'"
		pg '"$dev"' "flag IPDST_RND"
		pg '"$dev"' "src_min 10.255.0.2"
		pg '"$dev"' "src_max 10.255.0.2"
		pg '"$dev"' "udp_dst_min 9"
		pg '"$dev"' "udp_dst_max 9"
		pg '"$dev"' "dst_mac '"$a0_mac"'"
		pg pgctrl start
		# "start" may return before the thread took the job (it
		# waits 125 ms for that, not always enough under TCG)
		for ((i = 0; i < 36000; i++)); do
			grep -q "Result: OK:" /proc/net/pktgen/'"$dev"' && break
			read -r -t 0.1 <> <(:)
		done
		cat /proc/net/pktgen/'"$dev"'
		pg kpktgend_0 rem_device_all' >"$tmp/pg.out"
	usec=$(sed -n 's/.*Result: OK: \([0-9]*\)(.*/\1/p' "$tmp/pg.out")
	sent=$(sed -n 's/.*usec, \([0-9]*\) (.*/\1/p' "$tmp/pg.out")
	err=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$tmp/pg.out" | tail -n 1)
	if [ -z "$usec" ] || [ -z "$sent" ]; then
		sed 's/^/# pktgen: /' "$tmp/pg.out" >&2
		echo "0 0 0"
		return
	fi
	echo "$usec $sent ${err:-0}"
}

# snap: "NAME VALUE" for every counter of the three namespaces (SNMP
# and netstat MIBs, every device's statistics, the per-B4 tunnels
# summed as b4-*) and the VM's /proc/net/softnet_stat (all CPUs)
snap() {
	local ns p a b c x y z rest i
	for ns in "$GEN" "$AFTR" "$SINK"; do
		p=${ns%%-*}
		ip netns exec "$ns" awk -v p="$p:" '
			FILENAME ~ /snmp6$/ { print p $1, $2; next }
			!($1 in h) { h[$1] = $0; next }
			{ n = split(h[$1], k); t = substr($1, 1, length($1) - 1)
			  for (i = 2; i <= n; i++) print p t k[i], $i
			  delete h[$1] }' /proc/net/snmp /proc/net/netstat /proc/net/snmp6
		# a dump that raced with a device change is taken again
		for i in 1 2 3 4 5; do
			ip -n "$ns" -s -s -j link show >"$tmp/links" 2>"$tmp/links.err" &&
				! [ -s "$tmp/links.err" ] && break
		done
		jq -r --arg p "$p:" '.[] |
			(.ifname | sub("^b4-[0-9]+$"; "b4-*")) as $d |
			(.stats64.rx | to_entries[] | "\($p)\($d).rx_\(.key) \(.value)"),
			(.stats64.tx | to_entries[] | "\($p)\($d).tx_\(.key) \(.value)")' \
			"$tmp/links" | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }'
	done
	a=0 b=0 c=0
	while read -r x y z rest; do
		a=$((a + 16#$x)) b=$((b + 16#$y)) c=$((c + 16#$z))
	done </proc/net/softnet_stat
	echo "softnet.processed $a"
	echo "softnet.dropped $b"
	echo "softnet.time_squeeze $c"
}

# backlog_empty: no packet waits in any CPU's backlog (softnet_stat's
# 12th column)
backlog_empty() { awk '$12 != "00000000" { exit 1 }' /proc/net/softnet_stat; }

# moved BEFORE AFTER: "NAME DELTA" for every counter that moved
moved() {
	awk 'NR == FNR { v[$1] = $2; next }
	     $2 != v[$1] { printf "%s %d\n", $1, $2 - v[$1] }' "$1" "$2" | sort
}

# delta FILE NAME: NAME's delta in FILE (moved's output), 0 if it did not move
delta() { awk -v k="$2" '$1 == k { d = $2 } END { print d + 0 }' "$1"; }

what_row() {
	case $1 in
	floor) echo "IPv4 forwarding (floor), $2 routes" ;;
	encap) echo "collect_md, $2 encap routes" ;;
	nh) echo "collect_md, $2 nexthop objects" ;;
	tunnels) echo "ip6tnl per B4, $2 devices" ;;
	esac
}

# the figures: pktgen's netif_receive mode on a0, egress d1. The host's
# load moves the emulator's speed from one minute to the next (other
# VMs share its cores), so every run of a row is paired with a run of
# the floor just before it: the same packets to 11.0.0.0/28, one plain
# route via d1's gateway, in the same namespace. Each row runs REPS
# such pairs (COUNT packets each) and reports the median ns per packet
# with its range, the median of its floors, and the median of the
# per-pair ratios ("vs floor").
FWD_ROWS=${DP_FWD:-$(cmdline dp_fwd)}
FWD_ROWS=${FWD_ROWS:-floor:1,floor:10000,encap:1,encap:1000,encap:10000,nh:1,nh:1000,nh:10000,nh:100000,tunnels:1,tunnels:1000,tunnels:10000}
REPS=${DP_REPS:-$(cmdline dp_reps)}
REPS=${REPS:-3}
forward_part() {
	local row kind n t0 usec sent err r all fall ratios ns lo hi fl ratio
	local fwd tun what ok why total ftotal
	topology
	egress d1
	ip -n "$AFTR" route add 11.0.0.0/28 via 10.255.2.2 proto static
	echo "# forwarding: pktgen netif_receive on a0 (the whole AFTR path in pktgen's thread), egress dummy d1; $REPS x $COUNT packets of 64 bytes per row to random addresses of the B4s, each after $COUNT to the floor's route"
	printf '# %-36s %10s %17s %10s %9s %10s %10s %5s\n' "data plane" "ns/packet" "(range)" \
		"floor ns" "vs floor" "forwarded" "softwired" "s"
	for row in ${FWD_ROWS//,/ }; do
		kind=${row%:*} n=${row#*:}
		what=$(what_row "$kind" "$n")
		t0=$(now_ms)
		if ! dataplane "$kind" "$n"; then
			tap_fail "forwarding: $what" "ip -batch failed setting it up"
			continue
		fi
		snap >"$tmp/s0"
		all='' fall='' ratios='' total=0 ftotal=0 ok=1 why=
		for ((r = 0; r < REPS; r++)); do
			read -r usec sent err <<<"$(pktgen "$AFTR" a0 netif_receive 1 11.0.0.1 11.0.0.14)"
			ftotal=$((ftotal + sent))
			if [ "$sent" -ne "$COUNT" ]; then
				ok=0 why="pktgen sent $sent of $COUNT (floor)"
				continue
			fi
			fl=$((usec * 1000 / sent))
			read -r usec sent err <<<"$(pktgen "$AFTR" a0 netif_receive "$n")"
			total=$((total + sent))
			if [ "$sent" -ne "$COUNT" ]; then
				ok=0 why="pktgen sent $sent of $COUNT"
				continue
			fi
			all="$all $((usec * 1000 / sent))"
			fall="$fall $fl"
			ratios="$ratios $(awk -v a="$usec" -v b="$fl" -v c="$sent" 'BEGIN { printf "%.2f", a * 1000 / c / b }')"
		done
		snap >"$tmp/s1"
		moved "$tmp/s0" "$tmp/s1" >"$tmp/moved"
		read -r ns lo hi <<<"$(median $all)"
		read -r fl _ <<<"$(median $fall)"
		read -r ratio _ <<<"$(median $ratios)"
		fwd=$(delta "$tmp/moved" AFTR:d1.tx_packets)
		case $kind in
		floor) tun=0 ;;
		tunnels) tun=$(delta "$tmp/moved" 'AFTR:b4-*.tx_packets') ;;
		*) tun=$(delta "$tmp/moved" AFTR:ds.tx_packets) ;;
		esac
		[ "$total" -gt 0 ] || total=1
		printf '# %-36s %10d %17s %10d %8sx %9d%% %10s %5d\n' "$what" "$ns" "($lo-$hi)" \
			"$fl" "$ratio" $((fwd * 100 / (total + ftotal))) \
			"$([ "$kind" = floor ] && echo - || echo "$((tun * 100 / total))%")" \
			$((($(now_ms) - t0) / 1000))
		# every packet must leave by d1 (and those to the B4s by
		# their tunnel device): 90 % at least
		if [ $ok -eq 1 ] && [ $((fwd * 100)) -lt $(((total + ftotal) * 90)) ]; then
			ok=0 why="d1 sent $fwd of $((total + ftotal)) packets"
		elif [ $ok -eq 1 ] && [ "$kind" != floor ] && [ $((tun * 100)) -lt $((total * 90)) ]; then
			ok=0 why="the tunnel devices sent $tun of $total packets"
		fi
		if [ $ok -eq 1 ]; then
			tap_ok "forwarding: $what: $ns ns per packet, ${ratio}x the floor, $fwd of $((total + ftotal)) sent"
		else
			tap_fail "forwarding: $what" "$why; the counters that moved:"
			sed 's/^/#   /' "$tmp/moved"
		fi
	done
	clear_dataplane
	ip netns del "$GEN"; ip netns del "$AFTR"; ip netns del "$SINK"
}

# median V...: "MEDIAN MIN MAX" of the numbers V ("0 0 0" if none)
median() {
	[ $# -gt 0 ] || { echo 0 0 0; return; }
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) { print 0, 0, 0; exit }
		      print v[int((NR + 1) / 2)], v[1], v[NR] }'
}

# the losses of the old measurement: pktgen start_xmit on g0, egress a1
# toward the sink; how many reached s1 and which counters account for
# the rest
LOSS_ROWS=${DP_LOSS:-$(cmdline dp_loss)}
LOSS_ROWS=${LOSS_ROWS:-floor:1,encap:1,encap:1000,nh:1000,tunnels:1,tunnels:1000}
losses_part() {
	local row kind n usec sent err what rx lost drop fwd a1d g0d
	topology
	egress a1
	echo "# losses: pktgen start_xmit on g0 in [GEN], $COUNT packets per row, [AFTR] forwards out of a1 to [SINK]"
	for row in ${LOSS_ROWS//,/ }; do
		kind=${row%:*} n=${row#*:}
		what=$(what_row "$kind" "$n")
		if ! dataplane "$kind" "$n"; then
			tap_fail "losses: $what" "ip -batch failed setting it up"
			continue
		fi
		snap >"$tmp/s0"
		read -r usec sent err <<<"$(pktgen "$GEN" g0 start_xmit "$n")"
		# what the CPUs' backlogs still hold is delivered
		slowwait 30 backlog_empty
		snap >"$tmp/s1"
		moved "$tmp/s0" "$tmp/s1" >"$tmp/moved"
		rx=$(delta "$tmp/moved" SINK:s1.rx_packets)
		fwd=$(delta "$tmp/moved" AFTR:IpForwDatagrams)
		a1d=$(delta "$tmp/moved" AFTR:a1.tx_dropped)
		g0d=$(delta "$tmp/moved" GEN:g0.tx_dropped)
		drop=$(delta "$tmp/moved" softnet.dropped)
		lost=$((sent - rx))
		[ "$sent" -gt 0 ] || sent=1
		echo "# $what: pktgen sent $sent in $usec us (and $err refused, sent again),"\
			"the AFTR forwarded $fwd, s1 received $rx ($((rx * 100 / sent)) %), lost $lost;"\
			"backlog drops (softnet_stat) $drop: g0's $g0d, a1's $a1d; every counter that moved:"
		sed 's/^/#   /' "$tmp/moved"
		# accounted for: the packets lost are a1's refused by the
		# backlog, and the backlog's drops are g0's and a1's (within
		# 1 % of the packets: neighbour and router messages move s1's
		# counters too)
		if [ $(( (lost - a1d) * 100 )) -le "$sent" ] &&
		   [ $(( (a1d - lost) * 100 )) -le "$sent" ] &&
		   [ "$drop" -eq $((g0d + a1d)) ]; then
			tap_ok "losses: $what: $lost of $sent lost, all of them a1's backlog drops"
		else
			tap_fail "losses: $what" "$lost of $sent lost; backlog drops $drop, g0's $g0d, a1's $a1d: not accounted for"
		fi
	done
	clear_dataplane
	ip netns del "$GEN"; ip netns del "$AFTR"; ip netns del "$SINK"
}

part insert && insert_part
part losses && losses_part
part forward && forward_part
tap_done
