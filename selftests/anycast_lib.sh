# SPDX-License-Identifier: GPL-2.0
# Topology and helpers of the anycast AFTR group's real-kernel tests
# (source after lib.sh): two AFTRs share 2001:db8:ac::1 behind an ECMP
# router, a B4 behind a link of MTU 1400, an Internet host.
#
#  [B4]                    [ME] (IPv6 forwarding)            [A1], [A2]            [INET]
#   b4-me 2001:db8:b4::2    me-b4 2001:db8:b4::1, MTU 1400    an-me 2001:db8:an::2  in-an 198.51.10n.100
#   ds0 ip6tnl ipip6         me-an 2001:db8:an::1              + 2001:db8:ac::1/128  lo 203.0.113.1
#    local 2001:db8:b4::2    2001:db8:ac::1/128: ECMP via     ds ip6tnl ipip6
#    remote 2001:db8:ac::1    A1 and A2, and the "hash"        local 2001:db8:ac::1
#    192.0.0.2/29              pinned by rules:                remote 2001:db8:b4::2
#    default dev ds0           pref 100 ICMPv6 to the          192.0.0.1/29
#                              anycast address -> A2           an-in 198.51.10n.1, NAT
#                              pref 200 from the B4 -> A1      dslitectl aftr attach
#                              (anycast_steer N moves it)      (XDP generic, TC relay)
#
# The B4's softwire goes to A1; every PTB the ME sends about A1's packets
# toward the B4 goes to A2, as an unlucky ECMP hash would have it (the
# PTB's addresses are not the flow's). The ME's link to the B4 has MTU
# 1400, the AFTRs send up to 1500: the ME answers with Packet Too Big.

ANYCAST=2001:db8:ac::1
AC_B4=2001:db8:b4::2
AC_INET=203.0.113.1

# anycast_modules: what the topology needs (no autoloading in the VM)
anycast_modules() {
	local m
	for m in ip6_tunnel veth sch_ingress cls_bpf nf_tables nft_chain_nat \
		nf_nat nft_masq nf_conntrack; do
		modprobe "$m" || return 1
	done
}

ac_ns() { eval echo "\$A$1"; }
in_ac() { local n=$1; shift; nsenter --net="/run/netns/$(ac_ns "$n")" "$@"; }

# Every namespace is configured by one "ip -batch" (a process costs a lot
# under TCG).
anycast_topo() {
	local i ns
	anycast_modules || return 1
	setup_ns B4 ME A1 A2 INET || return 1

	ip -batch - <<-EOF || return 1
		link add b4-me netns $B4 type veth peer me-b4 netns $ME
		link add a1-me netns $A1 type veth peer me-a1 netns $ME
		link add a2-me netns $A2 type veth peer me-a2 netns $ME
		link add a1-in netns $A1 type veth peer in-a1 netns $INET
		link add a2-in netns $A2 type veth peer in-a2 netns $INET
	EOF
	ip -n "$B4" -batch - <<-EOF || return 1
		link set b4-me up
		addr add $AC_B4/64 dev b4-me nodad
		route add default via 2001:db8:b4::1
		link add ds0 type ip6tnl mode ipip6 local $AC_B4 remote $ANYCAST
		link set ds0 up
		addr add 192.0.0.2/29 dev ds0
		route add 0.0.0.0/0 dev ds0
	EOF
	# the ECMP route, and the rules that stand for the hash
	ip -6 -n "$ME" -batch - <<-EOF || return 1
		link set me-b4 mtu 1400 up
		addr add 2001:db8:b4::1/64 dev me-b4 nodad
		link set me-a1 up
		link set me-a2 up
		addr add 2001:db8:a1::1/64 dev me-a1 nodad
		addr add 2001:db8:a2::1/64 dev me-a2 nodad
		route add $ANYCAST/128 table 101 via 2001:db8:a1::2 dev me-a1
		route add $ANYCAST/128 table 102 via 2001:db8:a2::2 dev me-a2
		route add $ANYCAST/128 nexthop via 2001:db8:a1::2 dev me-a1 nexthop via 2001:db8:a2::2 dev me-a2
		rule add pref 100 ipproto ipv6-icmp to $ANYCAST/128 lookup 102
		rule add pref 200 iif me-b4 to ::/0 lookup 101
	EOF
	ip netns exec "$ME" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	ip -n "$INET" -batch - <<-EOF || return 1
		addr add $AC_INET/32 dev lo
		link set in-a1 up
		link set in-a2 up
		addr add 198.51.101.100/24 dev in-a1
		addr add 198.51.102.100/24 dev in-a2
	EOF
	for i in 1 2; do
		ns=$(ac_ns $i)
		ip -n "$ns" -batch - <<-EOF || return 1
			link set a$i-me up
			addr add 2001:db8:a$i::2/64 dev a$i-me nodad
			addr add $ANYCAST/128 dev a$i-me nodad
			route add default via 2001:db8:a$i::1
			link add ds type ip6tnl mode ipip6 local $ANYCAST remote $AC_B4
			link set ds up
			addr add 192.0.0.1/29 dev ds
			link set a$i-in up
			addr add 198.51.10$i.1/24 dev a$i-in
			route add $AC_INET/32 via 198.51.10$i.100
		EOF
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

# anycast_steer N: the B4's softwire (and the rest of its traffic to the
# anycast address but ICMPv6) now hashes to AFTR N
anycast_steer() {
	ip -6 -n "$ME" -batch - <<-EOF
		rule del pref 200 iif me-b4 to ::/0
		rule add pref 200 iif me-b4 to ::/0 lookup 10$1
	EOF
}

# anycast_attach N ARGS...: dslitectl aftr attach on AFTR N's uplink, as
# an anycast member with node id N (generic XDP: the veth peer has none)
anycast_attach() {
	local n=$1
	shift
	in_ac "$n" "$DSLITECTL" aftr attach dev a$n-me mode generic node-id "$n" \
		anycast $ANYCAST "$@"
}

anycast_detach() { in_ac "$1" "$DSLITECTL" aftr detach dev a$1-me; }

# ac_counters N: AFTR N's counters (JSON, without the sweeper's runs)
ac_counters() {
	in_ac "$1" "$DSLITECTL" -j aftr stats dev a$1-me |
		jq -c '.[0].counters | del(.sweeps)'
}

# ac_snap: both AFTRs' counters (each namespace sees only its own
# responder) into C1 and C2, and what moved since the last ac_snap into D1
# and D2 ({} the first time)
ac_snap() {
	local c1 c2
	c1=$(ac_counters 1) || return 1
	c2=$(ac_counters 2) || return 1
	D1=$(ac_delta "${C1:-$c1}" "$c1")
	D2=$(ac_delta "${C2:-$c2}" "$c2")
	C1=$c1 C2=$c2
}

# ac_delta BEFORE AFTER: the counters that moved, by how much
ac_delta() {
	jq -c -n --argjson a "$1" --argjson b "$2" \
		'$b | with_entries(.value -= $a[.key]) | with_entries(select(.value != 0))'
}

# ac_pmtu N: the path MTU AFTR N's kernel has toward the B4 from the
# anycast address ("" when it has none)
ac_pmtu() {
	ip -n "$(ac_ns "$1")" -6 route get $AC_B4 from $ANYCAST |
		sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}
