# SPDX-License-Identifier: GPL-2.0
# Topology of the anycast group on the collect_md data plane (source after
# lib.sh): two members share 2001:db8:ac::1 behind real ECMP, MD_N B4s
# (default 20), each in its own namespace with its own IPv6 address,
# inner prefix and ip6tnl softwire, an Internet host.
#
#  [B4 i] (i = 1..MD_N)          [ME] (IPv6 forwarding)               [A1], [A2]                [INET]
#   wan 2001:db8:b4:i::2/64       me-bi 2001:db8:b4:i::1, MTU 1400     eth1 2001:db8:an::2/64    in-an 198.51.10n.100
#   ds0 ip6tnl ipip6              me-an 2001:db8:an::1                  ds ip6tnl external        lo 203.0.113.1
#    local 2001:db8:b4:i::2       2001:db8:ac::1/128 ECMP:              b4-routes: 10.1.i.0/24    python3: TCP 5000, the
#    remote 2001:db8:ac::1         nexthop A1, nexthop A2                encap ip6 dst B4 i        blob to each B4
#    192.0.0.2/29                  (L3 hash: addresses, flow              src 2001:db8:ac::1
#   lo 10.1.i.1/24                  label)                              eth0 198.51.10n.1, NAT
#   default dev ds0 src 10.1.i.1         (as nexthop id i)              dslitectl aftr attach
#   ds0 flowlabel i (fixed: ECMP keeps the B4 on one member)            (native XDP, TC relay)
#
# Each member's data plane is built by the commands of
# Documentation/anycast.md ("Setting up a member"), taken from the file.
# A B4's softwire hashes to one member; a Packet Too Big the ME sends
# toward the anycast address about a member's packet to B4 i hashes on
# its own (Linux hashes the errors it sends on the packet they quote, the
# members' flow labels differ from the B4's): to the owner or to the
# other member, which relays it.

MD_ANYCAST=2001:db8:ac::1
MD_INET=203.0.113.1
MD_N=${MD_N:-20}
MD_DOC=$DSLITE_ROOT/Documentation/anycast.md

md_b4_addr() { echo "2001:db8:b4:$1::2"; }
md_b4_inner() { echo "10.1.$1.1"; }
md_b4_ns() { eval echo "\$B4_$1"; }
md_member_ns() { eval echo "\$A$1"; }
in_member() { local n=$1; shift; nsenter --net="/run/netns/$(md_member_ns "$n")" "$@"; }

md_modules() {
	local m
	for m in ip6_tunnel veth sch_ingress cls_bpf nf_tables nft_chain_nat \
		nf_nat nft_masq nf_conntrack; do
		modprobe "$m" || return 1
	done
}

# doc_block FILE NAME: the fenced block after the line
# "<!-- selftests/kernel/anycast_collect_md.sh runs this block: NAME -->"
doc_block() {
	awk -v m="runs this block: $2 -->" '
		index($0, m) { found = 1; next }
		found && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }' "$1"
}

# md_routes: b4-routes for the MD_N B4s, in the format of the document:
# per B4 one nexthop object (id = the B4's index) carrying the
# encapsulation, and its inner prefix's route through it
md_routes() {
	local i
	for ((i = 1; i <= MD_N; i++)); do
		echo "nexthop add id $i encap ip6 dst $(md_b4_addr $i) src $MD_ANYCAST dev ds"
		echo "route add 10.1.$i.0/24 nhid $i"
	done
}

# md_member_script N: the document's member block for member N (the
# document shows member 1; member 2 differs in its node id and peer)
md_member_script() {
	if [ "$1" = 1 ]; then
		doc_block "$MD_DOC" member
	else
		doc_block "$MD_DOC" member |
			sed 's/node-id 1 /node-id 2 /; s/peer 2001:db8:a2::2/peer 2001:db8:a1::2/'
	fi
}

# md_topo DIR: the namespaces, links and addresses, then each member's
# data plane from the document (run in DIR, where b4-routes is written)
md_topo() {
	local dir=$1 i ns
	md_modules || return 1
	setup_ns ME A1 A2 INET || return 1
	# the B4s' namespaces by one process each way (a process costs a lot
	# under TCG)
	for ((i = 1; i <= MD_N; i++)); do
		eval "B4_$i=B4_$i-$(mktemp -u XXXXXX)"
		echo "netns add $(md_b4_ns $i)"
	done >"$dir/ns-add"
	sed 's/^netns add/netns del/' "$dir/ns-add" >"$dir/ns-del"
	defer "ip -batch $dir/ns-del"
	ip -batch "$dir/ns-add" || return 1

	{
		for ((i = 1; i <= MD_N; i++)); do
			echo "link add wan netns $(md_b4_ns $i) type veth peer me-b$i netns $ME"
		done
		echo "link add eth1 netns $A1 type veth peer me-a1 netns $ME"
		echo "link add eth1 netns $A2 type veth peer me-a2 netns $ME"
		echo "link add eth0 netns $A1 type veth peer in-a1 netns $INET"
		echo "link add eth0 netns $A2 type veth peer in-a2 netns $INET"
	} | ip -batch - || return 1

	for ((i = 1; i <= MD_N; i++)); do
		ns=$(md_b4_ns $i)
		ip -n "$ns" -batch - <<-EOF || return 1
			link set lo up
			link set wan up
			addr add $(md_b4_addr $i)/64 dev wan nodad
			route add default via 2001:db8:b4:$i::1
			link add ds0 type ip6tnl mode ipip6 local $(md_b4_addr $i) remote $MD_ANYCAST flowlabel $i
			link set ds0 up
			addr add 192.0.0.2/29 dev ds0
			addr add $(md_b4_inner $i)/24 dev lo
			route add 0.0.0.0/0 dev ds0 src $(md_b4_inner $i)
		EOF
	done

	{
		for ((i = 1; i <= MD_N; i++)); do
			echo "link set me-b$i mtu 1400 up"
			echo "addr add 2001:db8:b4:$i::1/64 dev me-b$i nodad"
		done
		echo "link set me-a1 up"
		echo "link set me-a2 up"
		echo "addr add 2001:db8:a1::1/64 dev me-a1 nodad"
		echo "addr add 2001:db8:a2::1/64 dev me-a2 nodad"
		echo "route add $MD_ANYCAST/128 nexthop via 2001:db8:a1::2 dev me-a1 nexthop via 2001:db8:a2::2 dev me-a2"
	} | ip -6 -n "$ME" -batch - || return 1
	ip netns exec "$ME" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	# the members' answers (XDP_TX) reach a veth only while it runs XDP;
	# this also has the kernel finish the checksums it sends there
	ip netns exec "$ME" "$AFTR_PEER" xdp-pass me-a1 >/dev/null || return 1
	ip netns exec "$ME" "$AFTR_PEER" xdp-pass me-a2 >/dev/null || return 1

	ip -n "$INET" -batch - <<-EOF || return 1
		addr add $MD_INET/32 dev lo
		link set in-a1 up
		link set in-a2 up
		addr add 198.51.101.100/24 dev in-a1
		addr add 198.51.102.100/24 dev in-a2
	EOF

	diag "topology: ${SECONDS}s: B4s, router and Internet host set up"
	md_routes >"$dir/b4-routes"
	for i in 1 2; do
		ns=$(md_member_ns $i)
		ip -n "$ns" -batch - <<-EOF || return 1
			link set eth1 up
			addr add 2001:db8:a$i::2/64 dev eth1 nodad
			route add default via 2001:db8:a$i::1
			link set eth0 up
			addr add 198.51.10$i.1/24 dev eth0
			route add $MD_INET/32 via 198.51.10$i.100
		EOF
		# the document's commands, as they are written there
		md_member_script $i >"$dir/member$i.sh"
		(cd "$dir" && PATH=$DSLITE_ROOT/build:$PATH in_member $i bash -e member$i.sh) ||
			return 1
		defer "in_member $i $DSLITECTL aftr detach dev eth1"
		diag "topology: ${SECONDS}s: member $i set up by the document's commands"
	done
}

# md_counters N: member N's counters (JSON, without the sweeper's runs)
md_counters() {
	in_member "$1" "$DSLITECTL" -j aftr stats dev eth1 |
		jq -c '.[0].counters | del(.sweeps)'
}

# md_pmtu N I: the path MTU member N's kernel has toward B4 I from the
# anycast address ("" when it has none)
md_pmtu() {
	ip -n "$(md_member_ns "$1")" -6 route get "$(md_b4_addr "$2")" from $MD_ANYCAST |
		sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}

# md_pmtus N: "B4 MTU" for every B4 toward which member N's kernel has
# a path MTU (one command instead of one per B4)
md_pmtus() {
	ip -n "$(md_member_ns "$1")" -6 route show cache |
		sed -n 's/^\(2001:db8:b4:[0-9a-f]*::2\) .* mtu \([0-9]*\).*/\1 \2/p'
}

# md_pmtu_of FILE I: B4 I's MTU in a list of md_pmtus ("" when none)
md_pmtu_of() { awk -v a="$(md_b4_addr "$2")" '$1 == a { print $2 }' "$1"; }

# md_conntrack DIR: both members' conntrack tables into DIR/ct.N (a
# read of /proc/net/nf_conntrack walks the whole hash table: about 2 s
# under TCG, so once per member)
md_conntrack() {
	local n
	for n in 1 2; do
		ip netns exec "$(md_member_ns $n)" cat /proc/net/nf_conntrack >"$1/ct.$n"
	done
}

# md_owner DIR I: the member whose NAT carries B4 I's flows (its
# conntrack, as md_conntrack saved it, has them), "" when none or both
md_owner() {
	local n own=''
	for n in 1 2; do
		if grep -q "src=$(md_b4_inner "$2") " "$1/ct.$n"; then
			[ -n "$own" ] && { echo ""; return; }
			own=$n
		fi
	done
	echo "$own"
}

# md_delta BEFORE AFTER: the counters that moved, by how much
md_delta() {
	jq -c -n --argjson a "$1" --argjson b "$2" \
		'$b | with_entries(.value -= ($a[.key] // 0)) | with_entries(select(.value != 0))'
}

# md_generator: namespace GEN behind the router, from which ptb_send
# plays the other routers of a busy access network (their PTBs cross the
# router and its ECMP as the B4s' own do):
#   [GEN] gen0 2001:db8:ee::2/64 --- me-gen 2001:db8:ee::1/64 [ME]
MD_GEN_ADDR=2001:db8:ee::2
md_generator() {
	setup_ns GEN || return 1
	ip link add gen0 netns "$GEN" type veth peer me-gen netns "$ME" || return 1
	ip -6 -n "$GEN" -batch - <<-EOF || return 1
		link set gen0 up
		addr add $MD_GEN_ADDR/64 dev gen0 nodad
		route add default via 2001:db8:ee::1
	EOF
	ip -6 -n "$ME" -batch - <<-EOF || return 1
		link set me-gen up
		addr add 2001:db8:ee::1/64 dev me-gen nodad
	EOF
}

# md_attach N ARGS...: member N's responder detached and attached again
# with the group's arguments (node id, anycast, the other member as peer)
# and ARGS
md_attach() {
	local n=$1
	shift
	in_member "$n" "$DSLITECTL" aftr detach dev eth1 >/dev/null 2>&1
	in_member "$n" "$DSLITECTL" aftr attach dev eth1 node-id "$n" \
		anycast $MD_ANYCAST peer "2001:db8:a$((3 - n))::2" "$@"
}

# md_cache_count N PREFIX: how many path MTUs member N's kernel holds
# toward addresses starting with PREFIX (ip -6 route show cache)
md_cache_count() {
	ip -n "$(md_member_ns "$1")" -6 route show cache | grep -c "^$2"
}

# md_snmp6 NS NAME: the counter NAME of /proc/net/snmp6 in namespace NS
md_snmp6() {
	ip netns exec "$1" awk -v n="$2" '$1 == n { print $2 }' /proc/net/snmp6
}

# md_refresh: one ping from each B4 through its softwire, so that the
# member serving it has seen it lately (the relay's owner-idle, 60 s) and
# holds its flows in conntrack (ICMP: 30 s), however long the steps
# before took on a slow machine
md_refresh() {
	local i pids=()
	for ((i = 1; i <= MD_N; i++)); do
		ip netns exec "$(md_b4_ns $i)" ping -c 1 -W 5 -q $MD_INET >/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
}
