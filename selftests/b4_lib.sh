# SPDX-License-Identifier: GPL-2.0
# Topology and helpers for the B4 daemon's real-kernel tests (source after
# lib.sh and kmod_lib.sh).
#
#   b4_topo N [inet] [carrier]: the namespaces below, N = 1 or 2 AFTRs;
#   "inet" adds the internet host and NAT on the AFTRs; "carrier" gives
#   the B4 one tunnel per AFTR (dsN -> AFTR N, default route metric 10 N)
#   with net.ipv4.conf.all.ignore_routes_with_linkdown=1, instead of ds0.
#
#  [B4]                      [ME]                      [AFTRn]                 [INET]
#   ds0 ip6tnl ipip6          me-b4 2001:db8:b4::1      an-me 2001:db8:an::2     in-an 198.51.10n.100
#    local 2001:db8:b4::2     me-an 2001:db8:an::1       (the AFTR's address)    lo    203.0.113.1
#    remote 2001:db8:a1::2    (IPv6 forwarding)         ds ip6tnl ipip6         (the "internet" host)
#    192.0.0.2/29                                          local 2001:db8:an::2
#    default via ds0                                       remote 2001:db8:b4::2
#   b4-me 2001:db8:b4::2                                  192.0.0.1/29 on ds
#                                                         an-in 198.51.10n.1, NAT
#
# The B4's flow to 203.0.113.1 goes through the tunnel to whichever AFTR
# it points to; each AFTR masquerades it to its own address toward INET.
# AFTR n dies with "aftr_cut n" (its link at the ME goes down).

B4_ADDR=2001:db8:b4::2
B4_GW=2001:db8:b4::1
AFTR1_ADDR=2001:db8:a1::2
AFTR2_ADDR=2001:db8:a2::2
INET_HOST=203.0.113.1

# b4_modules: what the topology needs (module autoloading does not work
# in the test VM's chroot)
b4_modules() {
	mod_load ip6_tunnel veth nf_tables nft_chain_nat nf_nat nft_masq \
		nf_conntrack
}

aftr_addr() { eval echo "\$AFTR${1}_ADDR"; }
aftr_ns() { eval echo "\$A$1"; }

# The topology is built by one "ip -batch" per namespace (in the test VM
# every process started costs tens of milliseconds).
b4_topo() {
	local n=$1 inet=${2:-} carrier=${3:-} i ns a
	b4_modules || return 1
	if [ $n -eq 2 ]; then
		setup_ns B4 ME A1 A2 || return 1
	else
		setup_ns B4 ME A1 || return 1
	fi
	[ "$inet" = inet ] && { setup_ns INET || return 1; }

	# addresses survive "aftr_cut" (link down) for "aftr_restore"
	in_ns "$ME" sysctl -qw net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.all.keep_addr_on_down=1 \
		net.ipv6.conf.default.keep_addr_on_down=1 || return 1
	# the links between the namespaces
	{
		echo "link add b4-me netns $B4 type veth peer me-b4 netns $ME"
		for ((i = 1; i <= n; i++)); do
			ns=$(aftr_ns $i)
			echo "link add a$i-me netns $ns type veth peer me-a$i netns $ME"
			[ "$inet" = inet ] &&
				echo "link add a$i-in netns $ns type veth peer in-a$i netns $INET"
		done
	} | ip -batch - || return 1

	{
		echo "link set b4-me up"
		echo "addr add $B4_ADDR/64 dev b4-me nodad"
		echo "route add default via $B4_GW"
		if [ "$carrier" = carrier ]; then
			for ((i = 1; i <= n; i++)); do
				echo "link add ds$i type ip6tnl mode ipip6 local $B4_ADDR remote $(aftr_addr $i)"
				echo "link set ds$i up"
				echo "addr add 192.0.0.2/29 dev ds$i"
				echo "route add default dev ds$i metric 1$i"
			done
		else
			echo "link add ds0 type ip6tnl mode ipip6 local $B4_ADDR remote $AFTR1_ADDR"
			echo "link set ds0 up"
			echo "addr add 192.0.0.2/29 dev ds0"
			echo "route add default dev ds0"
		fi
	} | ip -n "$B4" -batch - || return 1
	if [ "$carrier" = carrier ]; then
		in_ns "$B4" sysctl -qw \
			net.ipv4.conf.all.ignore_routes_with_linkdown=1 || return 1
	fi

	{
		echo "link set me-b4 up"
		echo "addr add $B4_GW/64 dev me-b4 nodad"
		for ((i = 1; i <= n; i++)); do
			echo "link set me-a$i up"
			echo "addr add 2001:db8:a$i::1/64 dev me-a$i nodad"
		done
	} | ip -n "$ME" -batch - || return 1

	if [ "$inet" = inet ]; then
		{
			echo "addr add $INET_HOST/32 dev lo"
			for ((i = 1; i <= n; i++)); do
				echo "link set in-a$i up"
				echo "addr add 198.51.10$i.100/24 dev in-a$i"
			done
		} | ip -n "$INET" -batch - || return 1
	fi
	for ((i = 1; i <= n; i++)); do
		ns=$(aftr_ns $i)
		a=$(aftr_addr $i)
		{
			echo "link set a$i-me up"
			echo "addr add $a/64 dev a$i-me nodad"
			echo "route add default via 2001:db8:a$i::1"
			echo "link add ds type ip6tnl mode ipip6 local $a remote $B4_ADDR"
			echo "link set ds up"
			echo "addr add 192.0.0.1/29 dev ds"
			if [ "$inet" = inet ]; then
				echo "link set a$i-in up"
				echo "addr add 198.51.10$i.1/24 dev a$i-in"
				echo "route add $INET_HOST/32 via 198.51.10$i.100"
			fi
		} | ip -n "$ns" -batch - || return 1
		[ "$inet" = inet ] || continue
		in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1 || return 1
		in_ns "$ns" nft -f - <<-EOF || return 1
			table ip nat {
				chain post {
					type nat hook postrouting priority 100;
					oifname "a$i-in" masquerade
				}
			}
		EOF
	done
	# resolve the neighbours now: a first BFD packet must not wait for ND
	# (the AFTRs side by side)
	local pids=()
	for ((i = 1; i <= n; i++)); do
		in_ns "$B4" ping -6 -c 1 -W 5 "$(aftr_addr $i)" >/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || return 1
	done
}


in_b4() { nsenter --net="/run/netns/$B4" "$@"; }

# aftr_cut N / aftr_restore N: AFTR N's link at the ME down / up
aftr_cut() { ip -n "$ME" link set me-a$1 down; }
aftr_restore() { ip -n "$ME" link set me-a$1 up; }

# ---------------------------------------------------------------------
# FRR's bfdd as the AFTR-side BFD peer (over the AFTR's ip6tnl "ds").

# frr_start N [RX_MS TX_MS MULT]: bfdd in AFTR N with peer 192.0.0.2
frr_start() {
	local n=$1 rx=${2:-300} tx=${3:-300} mult=${4:-3} ns dir
	ns=$(aftr_ns $n)
	dir=$(mktemp -d /tmp/frr-a$n.XXXXXX)
	mkdir -p "$dir/run"
	chown -R frr:frr "$dir"
	mkdir -p /etc/frr && touch /etc/frr/vtysh.conf
	cat >"$dir/bfdd.conf" <<-EOF
		log file $dir/bfdd.log
		debug bfd peer
		bfd
		 peer 192.0.0.2 local-address 192.0.0.1
		  receive-interval $rx
		  transmit-interval $tx
		  detect-multiplier $mult
		 !
		!
	EOF
	chown frr:frr "$dir/bfdd.conf"
	ip netns exec "$ns" /usr/lib/frr/bfdd -N "$ns" --vty_socket "$dir/run" \
		-z "$dir/run/zserv.api" -P 0 -d -f "$dir/bfdd.conf" \
		-i "$dir/run/bfdd.pid" --bfdctl "$dir/run/bfdd.sock" \
		>/dev/null 2>&1 || return 1
	eval "FRR_DIR$n=$dir"
	defer "kill \$(cat $dir/run/bfdd.pid)"
	busywait 20000 test -s "$dir/run/bfdd.pid"
}

frr_dir() { eval echo "\$FRR_DIR$1"; }

# frr_log N: bfdd's log of AFTR N
frr_log() { cat "$(frr_dir $1)/bfdd.log" 2>/dev/null; }

# frr_json N: "show bfd peers json" of AFTR N (about 2 s under TCG)
frr_json() {
	ip netns exec "$(aftr_ns $1)" vtysh --vty_socket "$(frr_dir $1)/run" \
		-c 'show bfd peers json'
}

# frr_vtysh N CMD...: configuration commands in bfdd of AFTR N
frr_vtysh() {
	local n=$1 args=() c
	shift
	for c in "$@"; do args+=(-c "$c"); done
	ip netns exec "$(aftr_ns $n)" vtysh --vty_socket "$(frr_dir $n)/run" \
		"${args[@]}"
}

# frr_stop N: kill bfdd of AFTR N (silently: no AdminDown)
frr_stop() { kill -9 "$(cat "$(frr_dir $1)/run/bfdd.pid")"; }

# ---------------------------------------------------------------------
# dslite's XDP responder as the AFTR (dslitectl aftr attach on an-me).

AFTR_PEER=${AFTR_PEER:-$DSLITE_ROOT/build/tests/aftr_peer}

# in_aftr N CMD...: in AFTR N's network namespace with the host's bpffs
# (ip netns exec would remount /sys)
in_aftr() {
	local n=$1
	shift
	nsenter --net="/run/netns/$(aftr_ns $n)" "$@"
}

# xdp_attach N [ARGS...]: the responder on AFTR N's uplink
xdp_attach() {
	local n=$1
	shift
	__xdp_prepare || return 1
	__xdp_attach $n "$@" || return 1
	defer "in_aftr $n $DSLITECTL aftr detach dev a$n-me"
}
__xdp_prepare() {
	[ -x "$AFTR_PEER" ] || return 1
	[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
		mount -t bpf bpf /sys/fs/bpf
}
__xdp_attach() {
	local n=$1
	shift
	# a veth receives its peer's XDP_TX frames only while it runs XDP
	in_ns "$ME" "$AFTR_PEER" xdp-pass me-a$n >/dev/null || return 1
	in_aftr $n "$DSLITECTL" aftr attach dev a$n-me "$@" >/dev/null
}

# xdp_attach_both [ARGS...]: the responder on both AFTRs' uplinks (side
# by side: loading the program is seconds of emulated CPU), or the test
# fails and ends here
xdp_attach_both() {
	local p1 p2 rc=0
	__xdp_prepare || rc=1
	if [ $rc -eq 0 ]; then
		__xdp_attach 1 "$@" &
		p1=$!
		__xdp_attach 2 "$@" &
		p2=$!
		wait $p1 || rc=1
		wait $p2 || rc=1
		defer "in_aftr 1 $DSLITECTL aftr detach dev a1-me"
		defer "in_aftr 2 $DSLITECTL aftr detach dev a2-me"
	fi
	if [ $rc -ne 0 ]; then
		tap_fail "XDP responders attached on both AFTRs" "aftr attach or $AFTR_PEER failed"
		tap_done
	fi
}

# xdp_detach N: remove AFTR N's responder
xdp_detach() { in_aftr $1 "$DSLITECTL" aftr detach dev a$1-me >/dev/null; }

# xdp_counter N NAME: a counter of AFTR N's responder
xdp_counter() {
	in_aftr $1 "$DSLITECTL" -j aftr stats dev a$1-me |
		"$JQ" -r ".[0].counters.$2"
}

# ---------------------------------------------------------------------
# The daemon.

# The B4 role (b4 run, b4 status, the B4's monitor) runs $DSLITECTL_B4:
# the full dslitectl unless the test names another, such as the B4-only
# build (kernel/b4_only_failover.sh); the AFTRs always run $DSLITECTL
# (aftr attach is not in the B4-only build).
DSLITECTL_B4=${DSLITECTL_B4:-$DSLITECTL}

# b4_start ARGS...: "dslitectl b4 run ARGS" in B4, log in $B4_LOG; waits
# until it answers "b4 status" (up to 30 s: a loaded VM starts it slowly)
b4_start() {
	B4_LOG=$(mktemp /tmp/b4-log.XXXXXX)
	ip netns exec "$B4" "$DSLITECTL_B4" b4 run "$@" >>"$B4_LOG" 2>&1 &
	B4_PID=$!
	defer "kill -9 $B4_PID"
	busywait 30000 in_b4 "$DSLITECTL_B4" b4 status
}

# b4_stop [SIGNAL]: stop the daemon and wait for it
b4_stop() {
	kill -"${1:-TERM}" "$B4_PID" 2>/dev/null
	wait "$B4_PID" 2>/dev/null
	B4_RC=$?
}

# b4_q JQ: a value of "dslitectl -j b4 status"
b4_q() { in_b4 "$DSLITECTL_B4" -j b4 status | "$JQ" -r "$1"; }

# b4_peer ADDR FIELD: a field of the candidate ADDR
b4_peer() { b4_q ".peers[] | select(.peer == \"$1\") | .[\"$2\"]"; }

__peer_is() { [ "$(b4_peer "$1" status)" = "$2" ]; }
# b4_wait_peer ADDR STATUS TIMEOUT_MS
b4_wait_peer() { busywait "$3" __peer_is "$1" "$2"; }

__active_is() { [ "$(b4_q '.up, .active' | tr '\n' ' ')" = "true $1 " ]; }
# b4_wait_active ADDR TIMEOUT_MS: up via ADDR
b4_wait_active() { busywait "$2" __active_is "$1"; }

# b4_log_has REGEX: the daemon's log has a matching line
b4_log_has() { grep -qE -- "$1" "$B4_LOG"; }

# b4_show_log: the daemon's log as TAP comments
b4_show_log() { sed 's/^/#   /' "$B4_LOG"; }

# b4_hold SECONDS CHECK [ARGS...]: CHECK stays true for SECONDS (asked
# every 2 s); 1 at the first time it is not, HOLD_AT its time of day
b4_hold() {
	local end=$(($(now_ms) + $1 * 1000))

	shift
	while [ "$(now_ms)" -lt "$end" ]; do
		"$@" || { HOLD_AT=$(printf '%(%T)T' -1); return 1; }
		nap 2
	done
}

# ---------------------------------------------------------------------
# A continuous flow from the B4 to the internet host: ping every 50 ms,
# each reply with its arrival time (-D).

flow_start() {
	FLOW_LOG=$(mktemp /tmp/flow.XXXXXX)
	# line-buffered: the log must keep up with the replies
	ip netns exec "$B4" stdbuf -oL ping -D -n -i 0.05 -W 1 $INET_HOST \
		>"$FLOW_LOG" 2>&1 &
	FLOW_PID=$!
	defer "kill $FLOW_PID"
}

flow_stop() {
	kill -INT "$FLOW_PID" 2>/dev/null
	wait "$FLOW_PID" 2>/dev/null
}

# flow_last_seq: the last echo reply's sequence number
flow_last_seq() {
	sed -n 's/.* bytes from .*icmp_seq=\([0-9]*\).*/\1/p' "$FLOW_LOG" | tail -n 1
}

__flow_after() { [ "$(flow_last_seq)" -gt "$1" ] 2>/dev/null; }
# flow_wait_reply AFTER_SEQ TIMEOUT_MS: a reply newer than AFTER_SEQ
flow_wait_reply() { busywait "$2" __flow_after "$1"; }

# flow_mark: remember where the flow is (flow_gap looks after it)
flow_mark() { FLOW_MARK=$(wc -l <"$FLOW_LOG"); }

# flow_gap: the longest silence between two replies after flow_mark, as
# "MS LOST FIRST LAST": milliseconds between the two replies minus one
# interval (the loss window), the number of echo requests lost in it and
# their first and last sequence numbers
flow_gap() {
	tail -n +"$((${FLOW_MARK:-0} + 1))" "$FLOW_LOG" |
		sed -n 's/^\[\([0-9.]*\)\] [0-9]* bytes from .*icmp_seq=\([0-9]*\).*/\1 \2/p' |
		awk 'NR > 1 && ($1 - t) * 1000 > best {
			best = ($1 - t) * 1000; lost = $2 - s - 1
			first = s + 1; last = $2 - 1 }
		     { t = $1; s = $2 }
		     END { if (best > 50) printf "%d %d %d %d\n", best - 50, lost, first, last
			   else print 0, 0, "-", "-" }'
}

# ---------------------------------------------------------------------
# WAN changes (b4_renumber.sh, b4_recreate.sh).

# aftr_session N ADDR: the status of AFTR N's session of B4 address ADDR
# ("" when it has none)
aftr_session() {
	in_aftr $1 "$DSLITECTL" -j aftr sessions dev a$1-me |
		"$JQ" -r ".[] | select(.peer == \"$2\") | .status"
}
__no_aftr_session() { [ -z "$(aftr_session $1 $2)" ]; }
# aftr_wait_reaped N ADDR TIMEOUT_MS: AFTR N has no session of ADDR
aftr_wait_reaped() { busywait "$3" __no_aftr_session $1 $2; }

# b4_up_at: when the last of the daemon's sessions changed state
# (realtime ms; after a wait for every session Up: when the last came Up)
b4_up_at() { b4_q '[.peers[]["last-change-at-ms"]] | max'; }

# b4_send_errors: send errors of every session, summed
b4_send_errors() { b4_q '[.peers[]["send-errors"]] | add'; }
