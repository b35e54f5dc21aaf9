# SPDX-License-Identifier: GPL-2.0
# Topology and helpers of the anycast AFTR group behind BGP (source after
# lib.sh, kmod_lib.sh and b4_lib.sh): two members announce the group's
# address with BGP (FRR's bgpd, or BIRD) to a router running FRR with
# ECMP; "dslitectl aftr health run" on each member keeps the route that
# the BGP daemon announces; B4s whose softwires the router hashes over
# the members; an Internet host behind both NATs.
#
#  [Bk] k=1..N              [R] FRR zebra+bgpd, AS 65000      [Ai] i=1,2, AS 65001        [INET]
#   bk-r 2001:db8:b4:k::X    r-bk 2001:db8:b4:k::1/64          ai-r 2001:db8:ai::2/64      in-ai 198.51.10i.100
#   ds0 ip6tnl ipip6         r-ai 2001:db8:ai::1/64            lo 2001:db8:ac::1/64        lo 203.0.113.1
#    remote 2001:db8:ac::1    ECMP 2001:db8:ac::1/128 via       (noprefixroute: zebra's
#    192.0.0.2/29              A1 and A2 (BGP, maximum-paths)   connected route is the
#    100.64.0.k/32: its       hash: source and destination      /64, the /128 is the
#    data, default dev ds0     address only (policy 3)          supervisor's)
#   dslitectl b4 run                                           dsk ip6tnl local anycast
#   ping -i 0.1 203.0.113.1                                     remote Bk, 100.64.0.k/32
#                                                              XDP responder, node id i,
#                                                               peer = the other member
#                                                              ai-in 198.51.10i.1, NAT
#                                                              bgpd (or BIRD) from
#                                                               Documentation/examples/
#                                                              dslitectl aftr health run
#
# The B4 addresses (X) are chosen so that the router's forwarding puts the
# first half of the B4s on A1 and the rest on A2 (anycast_bgp_place:
# observed, not predicted).

ANYCAST=2001:db8:ac::1
INET_HOST=203.0.113.1
EXAMPLES=$DSLITE_ROOT/Documentation/examples

# pwait TIMEOUT_MS CMD...: poll CMD every 300 ms (each poll starts
# processes: a tighter loop would take the CPU from the daemons under TCG)
pwait() { __poll 0.3 "$@"; }

bgp_modules() {
	local m
	for m in ip6_tunnel veth sch_ingress cls_bpf nf_tables nft_chain_nat \
		nf_nat nft_masq nf_conntrack; do
		modprobe "$m" || return 1
	done
}

bgp_ns() { eval echo "\$A$1"; }
b4_ns() { eval echo "\$B$1"; }
in_m() { local n=$1; shift; nsenter --net="/run/netns/$(bgp_ns "$n")" "$@"; }
in_b() { local n=$1; shift; ip netns exec "$(b4_ns "$n")" "$@"; }

# anycast_bgp_topo NB4: the namespaces and links, without the B4s'
# addresses (anycast_bgp_place) and without the daemons
anycast_bgp_topo() {
	local nb=$1 i k ns vars="R A1 A2 INET"
	bgp_modules || return 1
	for ((k = 1; k <= nb; k++)); do vars="$vars B$k"; done
	# shellcheck disable=SC2086
	setup_ns $vars || return 1
	NB4=$nb

	ip netns exec "$R" sh -c 'sysctl -qw net.ipv6.conf.all.forwarding=1 &&
		sysctl -qw net.ipv6.fib_multipath_hash_policy=3 &&
		sysctl -qw net.ipv6.fib_multipath_hash_fields=0x0003' || return 1
	{
		for i in 1 2; do
			echo "link add a$i-r netns $(bgp_ns $i) type veth peer r-a$i netns $R"
			echo "link add a$i-in netns $(bgp_ns $i) type veth peer in-a$i netns $INET"
		done
		for ((k = 1; k <= nb; k++)); do
			echo "link add b$k-r netns $(b4_ns $k) type veth peer r-b$k netns $R"
		done
	} | ip -batch - || return 1
	{
		for i in 1 2; do
			echo "link set r-a$i up"
			echo "addr add 2001:db8:a$i::1/64 dev r-a$i nodad"
		done
		for ((k = 1; k <= nb; k++)); do
			echo "link set r-b$k up"
			echo "addr add 2001:db8:b4:$k::1/64 dev r-b$k nodad"
		done
	} | ip -n "$R" -batch - || return 1
	ip -n "$INET" -batch - <<-EOF || return 1
		addr add $INET_HOST/32 dev lo
		link set in-a1 up
		link set in-a2 up
		addr add 198.51.101.100/24 dev in-a1
		addr add 198.51.102.100/24 dev in-a2
	EOF
	for i in 1 2; do
		ns=$(bgp_ns $i)
		{
			cat <<-EOF
				link set a$i-r up
				addr add 2001:db8:a$i::2/64 dev a$i-r nodad
				addr add $ANYCAST/64 dev lo nodad noprefixroute
				route add default via 2001:db8:a$i::1
				link set a$i-in up
				addr add 198.51.10$i.1/24 dev a$i-in
				route add $INET_HOST/32 via 198.51.10$i.100
			EOF
		} | ip -n "$ns" -batch - || return 1
		ip netns exec "$ns" sh -c "sysctl -qw net.ipv4.ip_forward=1 &&
			nft -f -" <<-EOF || return 1
			table ip nat {
				chain post {
					type nat hook postrouting priority 100;
					oifname "a$i-in" masquerade
				}
			}
		EOF
	done
}

# ---------------------------------------------------------------------
# BGP daemons

# frr_zebra_start NAME NS CONF: zebra in NS for a bgpd whose
# configuration is CONF (a file); their files in a directory of their own
# (FRR_NAME); frr_bgpd_start NAME starts that bgpd once zebra listens.
# Both return at once (the daemon starts in the background: an FRR
# daemon's start-up, YANG modules and all, takes seconds of a vCPU under
# TCG, and the test does other things meanwhile)
frr_zebra_start() {
	local name=$1 ns=$2 conf=$3 dir
	dir=$(mktemp -d "/tmp/frr-$name.XXXXXX")
	mkdir -p "$dir/run"
	echo "log file $dir/zebra.log" >"$dir/zebra.conf"
	{ echo "log file $dir/bgpd.log"; cat "$conf"; } >"$dir/bgpd.conf"
	echo "$ns" >"$dir/ns"
	chown -R frr:frr "$dir"
	ip netns exec "$ns" /usr/lib/frr/zebra -N "$ns" --vty_socket "$dir/run" \
		-z "$dir/run/zserv.api" -d -f "$dir/zebra.conf" \
		-i "$dir/run/zebra.pid" >/dev/null 2>&1 &
	defer "kill \$(cat $dir/run/zebra.pid)"
	eval "FRR_$name=$dir"
}
frr_bgpd_start() {
	local dir ns
	dir=$(eval echo "\$FRR_$1")
	ns=$(cat "$dir/ns")
	pwait 90000 test -S "$dir/run/zserv.api" || return 1
	ip netns exec "$ns" /usr/lib/frr/bgpd -N "$ns" --vty_socket "$dir/run" \
		-z "$dir/run/zserv.api" -d -f "$dir/bgpd.conf" \
		-i "$dir/run/bgpd.pid" >/dev/null 2>&1 &
	defer "kill \$(cat $dir/run/bgpd.pid)"
}

# frr_bgp_start NAME NS CONF: zebra and bgpd in NS (the two above)
frr_bgp_start() {
	frr_zebra_start "$@" && frr_bgpd_start "$1"
}

# member_conf DAEMON I: the example configuration of DAEMON (frr or bird)
# for member I, with the test's timers: connect retry 1 s (FRR's default
# 120 s would leave a session that lost the race with its peer's start
# down for two minutes), keepalive 3 s and hold time 15 s (every change
# the tests make is an explicit withdrawal, which the hold time does not
# delay; a VM stalled for a few seconds by the other VMs of a loaded
# machine must not lose a session: keepalive 1 s, hold 3 s did)
member_conf() {
	local daemon=$1 i=$2
	if [ "$daemon" = frr ]; then
		sed -e "s/2001:db8:a1::/2001:db8:a$i::/g" \
		    -e "s/192\.0\.2\.1$/192.0.2.$i/" \
		    -e "/^ neighbor 2001:db8:a$i::1 remote-as/a\\
 neighbor 2001:db8:a$i::1 timers 3 15\\
 neighbor 2001:db8:a$i::1 timers connect 1" \
		    "$EXAMPLES/frr-aftr.conf"
	else
		sed -e "s/2001:db8:a1::/2001:db8:a$i::/g" \
		    -e "s/192\.0\.2\.1;/192.0.2.$i;/" \
		    -e "s/^\tneighbor .*/&\n\thold time 15;\n\tkeepalive time 3;\n\tconnect retry time 1;/" \
		    "$EXAMPLES/bird-aftr.conf"
	fi
}

# router_conf: the router's example, with the test's timers
router_conf() {
	sed -e "/^ neighbor 2001:db8:a.::2 remote-as/{p;s/remote-as.*/timers 3 15/p;s/timers 3 15/timers connect 1/}" \
		"$EXAMPLES/frr-router.conf"
}

# bird_start NAME NS CONF
bird_start() {
	local name=$1 ns=$2 conf=$3 dir
	dir=$(mktemp -d "/tmp/bird-$name.XXXXXX")
	{ echo "log \"$dir/bird.log\" all;"; cat "$conf"; } >"$dir/bird.conf"
	ip netns exec "$ns" bird -c "$dir/bird.conf" -s "$dir/bird.ctl" \
		-P "$dir/bird.pid" >/dev/null 2>&1 || return 1
	defer "kill \$(cat $dir/bird.pid)"
	eval "BIRD_$name=$dir"
}

# anycast_bgp_daemons MEMBER_DAEMON: FRR on the router, MEMBER_DAEMON
# (frr or bird) on both members; in two halves that the caller may call
# apart: anycast_bgp_zebras (zebra on the router, zebra or BIRD on the
# members) and anycast_bgp_bgpds (bgpd once its zebra listens). Each
# returns without waiting for the daemons: the routes tell when they work.
anycast_bgp_zebras() {
	local daemon=$1 i f
	f=$(mktemp /tmp/bgp-conf.XXXXXX)
	router_conf >"$f"
	frr_zebra_start R "$R" "$f" || return 1
	for i in 1 2; do
		member_conf "$daemon" $i >"$f.$i"
		if [ "$daemon" = frr ]; then
			frr_zebra_start A$i "$(bgp_ns $i)" "$f.$i" || return 1
		else
			bird_start A$i "$(bgp_ns $i)" "$f.$i" || return 1
		fi
	done
}
anycast_bgp_bgpds() {
	frr_bgpd_start R || return 1
	if [ "$1" = frr ]; then
		frr_bgpd_start A1 && frr_bgpd_start A2 || return 1
	fi
}
anycast_bgp_daemons() {
	anycast_bgp_zebras "$1" && anycast_bgp_bgpds "$1"
}

# ---------------------------------------------------------------------
# The members' data path and health

# member_attach I: the responder on member I's uplink (generic XDP); a
# session table for 4096 B4s (the default million preallocates 128 MB
# and as many path MTU records per member: seconds of page clearing under
# TCG, and a third of the VM's memory for the two)
member_attach() {
	local i=$1 o=$((3 - $1))
	in_m "$i" "$DSLITECTL" aftr attach dev a$i-r mode generic node-id "$i" \
		sessions 4096 anycast $ANYCAST peer 2001:db8:a$o::2 \
		relay-source 2001:db8:a$i::2 >/dev/null || return 1
	defer "in_m $i $DSLITECTL aftr detach dev a$i-r"
}

# members_attach: member_attach of both members side by side (loading
# and verifying the responder takes seconds of a vCPU each under TCG)
members_attach() {
	local i o rc=0
	for i in 1 2; do
		o=$((3 - i))
		in_m "$i" "$DSLITECTL" aftr attach dev a$i-r mode generic \
			node-id "$i" sessions 4096 anycast $ANYCAST \
			peer 2001:db8:a$o::2 relay-source 2001:db8:a$i::2 \
			>/dev/null &
		eval "__attach_$i=$!"
	done
	for i in 1 2; do
		wait "$(eval echo "\$__attach_$i")" || rc=1
		defer "in_m $i $DSLITECTL aftr detach dev a$i-r"
	done
	return $rc
}

# health_start I ARGS...: the supervisor of member I, its events (JSON
# lines) in HLOG_I
health_start() {
	local i=$1 log
	shift
	log=$(mktemp /tmp/health-a$i.XXXXXX)
	# nsenter itself in the background: $! is the supervisor
	nsenter --net="/run/netns/$(bgp_ns "$i")" "$DSLITECTL" -j aftr health \
		run dev a$i-r anycast $ANYCAST nat-dev a$i-in "$@" >"$log" 2>&1 &
	eval "HPID_$i=$! HLOG_$i=$log"
	defer "kill $!"
	[ -n "${HEALTH_NOWAIT:-}" ] ||
		pwait 10000 in_m "$i" "$DSLITECTL" aftr health status dev a$i-r
}

hlog() { eval cat "\$HLOG_$1"; }
hpid() { eval echo "\$HPID_$1"; }

# health_event_at I EVENT [N]: the at-ms of member I's Nth (default last)
# event EVENT
health_event_at() {
	hlog "$1" | jq -r --arg e "$2" 'select(.event == $e) | .["at-ms"]' |
		if [ -n "${3:-}" ]; then sed -n "${3}p"; else tail -n 1; fi
}

# health_q I JQ: a value of member I's "aftr health status"
health_q() {
	in_m "$1" timeout 30 "$DSLITECTL" -j aftr health status dev a$1-r | jq -r "$2"
}

# member_pcp_start K: miniupnpd (selftests/miniupnpd_lib.sh, source it
# first; miniupnpd_modules before) on both members as the PCP server of
# B4 K: each member's end of K's softwire, ds$K, gets 192.0.0.1/29 and
# miniupnpd listens there; its external interface is the member's NAT
# interface ai-in (198.51.10i.1), lifetimes 2..6 s. Only one B4 per member
# can have a PCP server: every B4 is 192.0.0.2 inside its softwire, and
# the member routes 192.0.0.0/29 to one tunnel.
member_pcp_start() {
	local k=$1 i ns
	for i in 1 2; do
		ns=$(bgp_ns $i)
		ip -n "$ns" addr add 192.0.0.1/29 dev ds$k &&
		miniupnpd_setup "$ns" ds$k "$MINIUPNPD_DIR/a$i.conf" "" a$i-in &&
		ip netns exec "$ns" miniupnpd -f "$MINIUPNPD_DIR/a$i.conf" \
			-P "$MINIUPNPD_DIR/a$i.pid" || return 1
		defer "kill \$(cat $MINIUPNPD_DIR/a$i.pid 2>/dev/null) 2>/dev/null"
		busywait 5000 __member_pcp_listening $i || return 1
	done
}
__member_pcp_listening() {
	in_m "$1" ss -Hlun 'sport = :5351' | grep -q 192.0.0.1
}

# member_dnat I PORT: member I's miniupnpd rules forwarding PORT to
# 192.0.0.2:PORT (the count)
member_dnat() {
	in_m "$1" nft list chain inet filter prerouting_miniupnpd |
		grep -c "dnat ip to 192.0.0.2:$2"
}

# ---------------------------------------------------------------------
# The router's view

# r_nexthops: the members the router's anycast route leads to ("a1 a2",
# "a1", "" when it has none)
r_nexthops() {
	ip -n "$R" -6 route show $ANYCAST/128 | awk '
		{ for (j = 1; j < NF; j++) if ($j == "dev") d[substr($(j + 1), 3)] = 1 }
		END { o = ""; if ("a1" in d) o = "a1"; if ("a2" in d) o = o (o ? " " : "") "a2"; print o }'
}
__r_is() { [ "$(r_nexthops)" = "$1" ]; }

# r_monitor: the router's route changes, timestamped by "ip -ts monitor",
# in RMON (r_changed_at reads them)
r_monitor() {
	RMON=$(mktemp /tmp/rmon.XXXXXX)
	ip -n "$R" -ts monitor route >"$RMON" 2>&1 &
	defer "kill $!"
}

# r_changed_at SINCE_MS NEXTHOPS: when (ms) the router's kernel got the
# anycast route with NEXTHOPS ("a1 a2", "a2") first after SINCE_MS;
# empty when not seen
r_changed_at() {
	local since ts
	since=$(date -d "@$(($1 / 1000)).$(printf %03d $(($1 % 1000)))" +%Y-%m-%dT%H:%M:%S.%6N)
	ts=$(awk -v since="$since" -v want="$2" -v any="$ANYCAST" '
		function rec_end() {
			if (found) return
			if (ts > since && hit && !del) {
				n = split(devs, d, " "); out = ""
				# two at most: sorted by hand
				if (n == 2 && d[1] > d[2]) { t = d[1]; d[1] = d[2]; d[2] = t }
				for (j = 1; j <= n; j++) out = out (j > 1 ? " " : "") d[j]
				if (out == want) { print ts; found = 1; exit }
			}
		}
		/^\[/ { rec_end(); ts = substr($1, 2, 26); hit = index($0, any "/128") || $2 == any
			 del = $2 == "Deleted"; devs = "" }
		{ for (j = 1; j <= NF; j++) if ($j == "dev" && $(j + 1) ~ /^r-a/)
			if (index(" " devs " ", " " substr($(j + 1), 3) " ") == 0)
				devs = devs " " substr($(j + 1), 3) }
		END { rec_end() }' "$RMON")
	[ -n "$ts" ] && date -d "$ts" +%s%3N
}
# r_wait NEXTHOPS TIMEOUT_MS (the times come from the route monitor,
# r_changed_at: the poll only has to see it)
r_wait() { __poll 0.2 "$2" __r_is "$1"; }

# ---------------------------------------------------------------------
# The B4s

# Placement. Which member the router gives a softwire is its ECMP hash of
# the outer source and destination (policy 3, fields 0x0003), learnt here
# from the router's own forwarding, never predicted: on Debian's 6.1 the
# forwarding path hashes the packet (rt6_multipath_custom_hash_skb: the
# hash of the addresses mixed once more with the inner one, jhash_2words)
# while "ip route get ... iif" hashes the flow without a packet
# (rt6_multipath_custom_hash_fl6): the same addresses, another number, and
# its prediction is right for about half the addresses. Where the router
# forwards each B4 address it sees is put in an nft set per member
# (table ip6 place in R); one packet through the B4's own softwire (ds0,
# local set to the candidate address) shows where it goes.

# place_watch: the router's sets a1 and a2 of the softwire sources it
# forwarded to each member
place_watch() {
	ip netns exec "$R" nft -f - <<-EOF
		table ip6 place {
			set a1 {
				type ipv6_addr
				flags dynamic
			}
			set a2 {
				type ipv6_addr
				flags dynamic
			}
			chain seen {
				type filter hook forward priority 0; policy accept;
				meta l4proto 4 ip6 daddr $ANYCAST oifname "r-a1" add @a1 { ip6 saddr }
				meta l4proto 4 ip6 daddr $ANYCAST oifname "r-a2" add @a2 { ip6 saddr }
			}
		}
	EOF
}

# place_dump: "ADDR MEMBER" for every softwire source the router
# forwarded (one nft call for all)
place_dump() {
	nsenter --net="/run/netns/$R" nft list table ip6 place |
		awk '/^\tset / { s = $2 }
			/elements = / || e { e = !/}/; n = split($0, w, /[ {},=]+/)
				for (j = 1; j <= n; j++) if (w[j] ~ /:/) print w[j], s }'
}
# place_seen ADDR: the member the router forwarded ADDR's softwire to
# (a1, a2, "" when not yet, "a1 a2" when both)
place_seen() {
	place_dump | awk -v a="$1" '$1 == a { print $2 }' | sort -u |
		tr '\n' ' ' | sed 's/ $//'
}
__place_all_seen() {
	local n
	n=$(place_dump | awk -v l="$1" 'BEGIN { split(l, c, " "); for (j in c) w[c[j]] = 1 }
		$1 in w { s[$1] = 1 } END { print length(s) }')
	[ "$n" = "$2" ]
}

# place_probe K ADDR...: from each ADDR (added to B4 K's link), one
# IPv4-in-IPv6 datagram to the anycast address, as B4 K's softwire would
# send it (one process for all: a raw socket bound to each address)
place_probe() {
	local k=$1 a
	shift
	{
		for a in "$@"; do echo "addr add $a/64 dev b$k-r nodad"; done
		echo "route replace default via 2001:db8:b4:$k::1"
	} | ip -n "$(b4_ns "$k")" -batch - || return 1
	in_b "$k" python3 - $ANYCAST "$@" <<-'EOF'
		import socket, sys
		# IPv4 192.0.0.2 -> 203.0.113.1, UDP 9 -> 9, empty
		inner = bytes.fromhex("4500001c" "00004000" "40110000"
				      "c0000002" "cb007101" "0009000900080000")
		for a in sys.argv[2:]:
		    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
		    s.bind((a, 0))
		    s.sendto(inner, (sys.argv[1], 0))
		    s.close()
	EOF
}

# anycast_bgp_place: every B4's link, its softwire ds0 (192.0.0.2/29,
# 100.64.0.K/32 its data) and an address the router forwards to its
# member: the first half of the B4s to A1, the rest to A2. 16 candidate
# addresses per B4 are probed at once; the first that went to the wanted
# member is kept (B4ADDR_K; B4ON_K says where), the others removed. Fails
# only when all 16 went to the other member (one chance in 65536) or
# one went nowhere.
anycast_bgp_place() {
	local k x a want cands pred agree=0
	place_watch || return 1
	for ((k = 1; k <= NB4; k++)); do
		cands=
		for ((x = 2; x < 18; x++)); do cands="$cands 2001:db8:b4:$k::$x"; done
		cands=${cands# }
		ip -n "$(b4_ns $k)" -batch - <<-EOF || return 1
			link set b$k-r up
			link add ds0 type ip6tnl mode ipip6 remote $ANYCAST
			link set ds0 up
			addr add 192.0.0.2/29 dev ds0
			addr add 100.64.0.$k/32 dev ds0
			route add 0.0.0.0/0 dev ds0 src 100.64.0.$k
		EOF
		# shellcheck disable=SC2086
		place_probe $k $cands || return 1
		pwait 10000 __place_all_seen "$cands" 16 || return 1
		want=a1
		[ $k -gt $((NB4 / 2)) ] && want=a2
		a=$(place_dump | awk -v l="$cands" -v w="$want" '
			BEGIN { n = split(l, c, " ") }
			{ m[$1] = m[$1] ? "both" : $2 }
			END { for (j = 1; j <= n; j++) if (m[c[j]] == w) { print c[j]; exit } }')
		[ -n "$a" ] || return 1
		for x in $cands; do
			[ "$x" = "$a" ] || echo "addr del $x/64 dev b$k-r"
		done | ip -n "$(b4_ns $k)" -batch - || return 1
		ip -n "$(b4_ns $k)" link set ds0 type ip6tnl local "$a" || return 1
		eval "B4ADDR_$k=$a B4ON_$k=$want"
		pred=$(ip -n "$R" -6 route get $ANYCAST from "$a" iif r-b$k |
			grep -o 'dev r-a[12]' | sed 's/dev r-//')
		[ "$pred" = "$want" ] && agree=$((agree + 1))
	done
	diag "placement: $NB4 B4 addresses chosen among 16 each, \"ip route get ... iif\" predicted $agree of them"
}

b4addr() { eval echo "\$B4ADDR_$1"; }
b4on() { eval echo "\$B4ON_$1"; }

# anycast_bgp_b4s: one tunnel per B4 on each member (after
# anycast_bgp_place)
anycast_bgp_b4s() {
	local k i a
	for ((k = 1; k <= NB4; k++)); do
		a=$(b4addr $k)
		for i in 1 2; do
			ip -n "$(bgp_ns $i)" -batch - <<-EOF || return 1
				link add ds$k type ip6tnl mode ipip6 local $ANYCAST remote $a
				link set ds$k up
				route add 100.64.0.$k/32 dev ds$k
			EOF
		done
	done
}

# b4k_start K [ARGS...]: the B4 daemon of B4 K (log in B4LOG_K; ARGS
# added to "b4 run"; BFD at 1 s: the B4's detection time is the
# responder's multiplier (3) times the B4's interval, and a VM starved by
# the other VMs of a 2-core machine stalled longer than the 0.9 s of a
# 300 ms interval: false Downs) and its flow to the Internet host (a ping every
# 100 ms, replies with their time, FLOW_K)
b4k_start() {
	local k=$1 log flow
	shift
	log=$(mktemp /tmp/b4-$k.XXXXXX)
	flow=$(mktemp /tmp/flow-$k.XXXXXX)
	in_b "$k" "$DSLITECTL" b4 run dev ds0 interval 1000 multiplier 3 "$@" \
		>"$log" 2>&1 &
	defer "kill $!"
	in_b "$k" stdbuf -oL ping -D -n -i 0.1 -W 1 $INET_HOST >"$flow" 2>&1 &
	defer "kill $!"
	eval "B4LOG_$k=$log FLOW_$k=$flow"
}

# b4k_log_ms K PATTERN [AFTER_PATTERN]: the time (ms) of the first line of
# B4 K's log matching PATTERN (after the first matching AFTER_PATTERN)
b4k_log_ms() {
	local t
	t=$(b4k_log "$1" | awk -v p="$2" -v a="${3:-}" 'a != "" && !seen { if ($0 ~ a) seen = 1; next }
		$0 ~ p { print $1; exit }')
	[ -n "$t" ] && date -d "$(date +%F) $t" +%s%3N
}

# b4k_log_since K SINCE_MS: B4 K's log lines from SINCE_MS on
b4k_log_since() {
	b4k_log "$1" | awk -v t="$(date -d "@$(($2 / 1000)).$(printf %03d $(($2 % 1000)))" +%H:%M:%S.%3N)" '$1 >= t'
}

# nsenter, not "ip netns exec": no remount of /sys for a query (polled)
b4k_q() {
	nsenter --net="/run/netns/$(b4_ns "$1")" timeout 30 "$DSLITECTL" -j b4 status |
		jq -r "$2"
}
b4k_log() { eval cat "\$B4LOG_$1"; }
b4k_flow() { eval cat "\$FLOW_$1"; }
__b4k_node() {
	[ "$(b4k_q "$1" '"\(.up) \(.peers[0]["node-id"])"')" = "true $2" ]
}
# b4k_wait_node K NODE TIMEOUT_MS: B4 K up, its AFTR node NODE
b4k_wait_node() { pwait "$3" __b4k_node "$1" "$2"; }

# b4_roles TIMEOUT_MS: wait until B4s 1 and 2 are Up on different
# members, then ON_A1, ON_A2 and B4ON_K name where each really is. The
# router's hash splits its space between the nexthops in the order bgpd
# installed them, and bgpd may install the same two in the other order
# when the route changes: the halves, and so the B4s, swap members.
__b4_split() {
	local n
	n="$(b4k_q 1 '"\(.up) \(.peers[0]["node-id"])"') $(b4k_q 2 '"\(.up) \(.peers[0]["node-id"])"')"
	[ "$n" = "true 1 true 2" ] || [ "$n" = "true 2 true 1" ]
}
b4_roles() {
	pwait "$1" __b4_split || return 1
	if [ "$(b4k_q 1 '.peers[0]["node-id"]')" = 1 ]; then
		ON_A1=1 ON_A2=2 B4ON_1=a1 B4ON_2=a2
	else
		ON_A1=2 ON_A2=1 B4ON_1=a2 B4ON_2=a1
	fi
}

__b4k_reply_after() {
	b4k_flow "$1" | tail -n 100 | sed -n 's/^\[\([0-9]*\)\.\([0-9]\{3\}\).* bytes from .*/\1\2/p' |
		awk -v t="$2" '$1 > t { f = 1 } END { exit !f }'
}
# b4k_wait_reply K AFTER_MS TIMEOUT_MS: an echo reply after AFTER_MS
b4k_wait_reply() { pwait "$3" __b4k_reply_after "$1" "$2"; }

# b4k_outage K SINCE_MS: B4 K's flow after SINCE_MS, as "GAP_MS LOST
# END_MS REORDERED": the longest silence between two replies (less the
# 100 ms interval; 0 when none above 150 ms, END_MS then "-") and when
# the reply that ended it came; the echo requests never answered (the
# sequence numbers missing below the highest answered: a reply that comes
# after a later one is late, not lost); the replies that came after a
# later one. Late replies are what a starved VM gives: veth queues a
# packet on the backlog of the CPU that sent it, and a vCPU the host does
# not run holds its packets while the other passes later ones.
b4k_outage() {
	b4k_flow "$1" |
		sed -n 's/^\[\([0-9]*\)\.\([0-9]\{3\}\)[0-9]*\] [0-9]* bytes from .*icmp_seq=\([0-9]*\).*/\1\2 \3/p' |
		awk -v since="$2" '
			$1 < since { t = $1; got[$2] = 1; if ($2 > top) top = $2; s0 = top; next }
			s0 == "" { s0 = $2 - 1; top = s0 }
			{ got[$2] = 1; if ($2 < top) reord++; else top = $2 }
			t && $1 - t > best { best = $1 - t; end = $1 }
			{ t = $1 }
			END {
				lost = 0
				for (q = s0 + 1; q < top; q++) if (!(q in got)) lost++
				if (best > 150) printf "%d %d %.0f %d\n", best - 100, lost, end, reord
				else printf "0 %d - %d\n", lost, reord
			}'
}
