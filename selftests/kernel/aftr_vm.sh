#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The AFTR responder against a real B4 on Debian's kernel: the programs
# load on it, a ping through a real ip6tnl softwire is answered by XDP
# (the AFTR has neither an ip6tnl nor 192.0.0.1), FRR's bfdd reaches Up
# against the responder at 300 ms x 3 and, separately, at 10 s x 3 (the
# negotiated timers show in "aftr sessions"), and goes Down with
# control-expired when the responder is detached.
#
#   [ netns B4 ]                                  [ netns AFTR ]
#     bfdd (FRR 8.4): peer 192.0.0.1                 no ip6tnl up, no 192.0.0.1
#       local-address 192.0.0.2                      dslitectl aftr attach dev $AIF
#     ds: ip6tnl mode ipip6, 192.0.0.2/29            (XDP answers BFD and ping
#       2001:db8:b4::2 -> 2001:db8:af::1              inside the softwire)
#     $BIF 2001:db8:b4::2/64 (XDP_PASS) <== veth ==> $AIF 2001:db8:af::1/64
#
# dslitectl runs in AFTR through nsenter --net (the VM's /sys/fs/bpf stays
# visible; "ip netns exec" would hide it).

. "$(dirname "$0")/../lib.sh"
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

require_root
require_cmd jq bpftool nsenter ping
[ -x /usr/lib/frr/bfdd ] || tap_skip_all "FRR's bfdd is not installed"
PEER=$DSLITE_ROOT/build/tests/aftr_peer
if [ ! -x "$PEER" ] || [ ! -x "$DSLITECTL" ]; then
	tap_fail "test programs built" "run make tests first"
	tap_done
fi
modprobe ip6_tunnel || tap_skip_all "no ip6_tunnel module"
modprobe veth 2>/dev/null
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
	mount -t bpf bpf /sys/fs/bpf || tap_skip_all "no BPF file system"

setup_ns B4 AFTR || tap_skip_all "cannot create network namespaces"
sfx=${AFTR#AFTR-}
AIF=a$sfx
BIF=b$sfx
AFTR6=2001:db8:af::1
B46=2001:db8:b4::2

in_b4() { ip netns exec "$B4" "$@"; }
in_aftr() { nsenter --net="/run/netns/$AFTR" "$@"; }
ctl() { in_aftr "$DSLITECTL" "$@"; }
defer "in_aftr $DSLITECTL aftr detach dev $AIF"

ip link add "$AIF" netns "$AFTR" type veth peer name "$BIF" netns "$B4"
ip -n "$AFTR" addr add $AFTR6/64 dev "$AIF" nodad
ip -n "$AFTR" link set "$AIF" up
ip -n "$B4" addr add $B46/64 dev "$BIF" nodad
ip -n "$B4" link set "$BIF" up
# one link, two prefixes: each is on-link for the other side (ND)
ip -n "$AFTR" -6 route add 2001:db8:b4::/64 dev "$AIF"
ip -n "$B4" -6 route add 2001:db8:af::/64 dev "$BIF"
ip -n "$B4" link add ds type ip6tnl mode ipip6 local $B46 remote $AFTR6
ip -n "$B4" addr add 192.0.0.2/29 dev ds
ip -n "$B4" link set ds up
# a veth receives its peer's XDP_TX frames only while it runs XDP itself
in_b4 "$PEER" xdp-pass "$BIF" || tap_skip_all "no native XDP on veth"

# --- the AFTR side: nothing but the responder
if [ -z "$(ip -n "$AFTR" -4 addr show dev "$AIF")" ] &&
   ! ip -n "$AFTR" -4 addr show | grep -q 'inet 192\.0\.0\.' &&
   [ -z "$(ip -n "$AFTR" -d link show up | grep ip6tnl)" ]; then
	tap_ok "the AFTR has no 192.0.0.0/29 address and no ip6tnl up"
else
	tap_fail "the AFTR has no 192.0.0.0/29 address and no ip6tnl up" \
		"$(ip -n "$AFTR" -d addr show)"
fi
t0=$(now_ms)
out=$(ctl aftr attach dev "$AIF" 2>&1)
tap_expect "dslitectl aftr attach on $(uname -r)" "0:" "$?:$out"
diag "attach took $(($(now_ms) - t0)) ms"
progs=$(bpftool prog show | sed -n 's/.* name \(dslite_[a-z_]*\) .*/\1/p' | sort -u | tr '\n' ' ')
if [[ " $progs" == *" dslite_aftr "* && " $progs" == *" dslite_aftr_arm "* ]]; then
	tap_ok "bpftool prog show lists $progs"
else
	tap_fail "bpftool prog show lists dslite_aftr" "$(bpftool prog show)"
fi

# counter NAME: one counter of the responder
counter() { ctl -j aftr stats dev "$AIF" | jq -r ".[0].counters.$1"; }

# --- ping through the softwire, answered by XDP only
tx0=$(counter xdp_tx)
ping0=$(counter tx_ping)
out=$(in_b4 ping -n -c 3 -i 0.3 -W 2 192.0.0.1 2>&1)
if grep -q '^3 packets transmitted, 3 received' <<<"$out" &&
   [ "$(grep -c 'ttl=64 ' <<<"$out")" = 3 ]; then
	tap_ok "ping 192.0.0.1 through the ip6tnl: 3 answers, TTL 64"
else
	tap_fail "ping 192.0.0.1 through the ip6tnl" "$out"
fi
tap_expect "answered by XDP: tx_ping and xdp_tx moved by 3" "3 3" \
	"$(($(counter tx_ping) - ping0)) $(($(counter xdp_tx) - tx0))"

# --- FRR's bfdd in the B4 namespace, peer 192.0.0.1 over the tunnel
FRR= FRR_PID= FRR_OLD=
frr_stop() {
	[ -n "$FRR_PID" ] && kill -9 "$FRR_PID" 2>/dev/null
	FRR_PID=
	[ -n "$FRR" ] && FRR_OLD+=" $FRR"
	FRR=
}
defer 'frr_stop; rm -rf $FRR_OLD'
mkdir -p /etc/frr && touch /etc/frr/vtysh.conf

# frr_start RX TX MULT: a fresh bfdd with those timers (ms)
frr_start() {
	frr_stop
	FRR=$(mktemp -d /tmp/aftr-frr.XXXXXX)
	mkdir -p "$FRR/run"
	cat >"$FRR/bfdd.conf" <<-EOF
		log file $FRR/bfdd.log
		debug bfd peer
		bfd
		 peer 192.0.0.1 local-address 192.0.0.2
		  receive-interval $1
		  transmit-interval $2
		  detect-multiplier $3
		 !
		!
	EOF
	chown -R frr:frr "$FRR"
	in_b4 /usr/lib/frr/bfdd -N "$B4" --vty_socket "$FRR/run" \
		-z "$FRR/run/zserv.api" -P 0 -d -f "$FRR/bfdd.conf" \
		-i "$FRR/run/bfdd.pid" --bfdctl "$FRR/run/bfdd.sock" \
		>/dev/null 2>&1 && busywait 20000 test -s "$FRR/run/bfdd.pid" ||
		return 1
	FRR_PID=$(cat "$FRR/run/bfdd.pid")
}
frr_has() { grep -qE -- "$1" "$FRR/bfdd.log" 2>/dev/null; }

# mon_gone PID: the monitor exited (a zombie until waited for)
mon_gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status"; }

# sess_is JQ: the B4's session at the AFTR satisfies JQ
sess_is() {
	[ "$(ctl -j aftr sessions dev "$AIF" peer $B46 | "$JQ" -r ".[0] | $1")" = true ]
}
sess() { ctl -j aftr sessions dev "$AIF" peer $B46 | jq -c ".[0] | $1"; }

# up_at RX TX MULT: bfdd reaches Up; the negotiated timers at the AFTR
up_at() {
	local rx=$1 tx=$2 mult=$3 t0
	t0=$(now_ms)
	if ! frr_start "$rx" "$tx" "$mult"; then
		tap_fail "bfdd starts ($rx ms x $mult)"
		return 1
	fi
	if slowwait 40 frr_has 'state-change:.* -> up'; then
		tap_ok "bfdd Up against the responder at $tx ms x $mult ($(($(now_ms) - t0)) ms from start)"
	else
		tap_fail "bfdd Up against the responder at $tx ms x $mult" \
			"$(tail -5 "$FRR/bfdd.log" 2>&1)"
		return 1
	fi
	# after bfdd's Poll Sequence to its own timers
	if slowwait 15 sess_is "(.status == \"up\" and .\"remote-transmit-interval\" == $tx and .\"remote-receive-interval\" == $rx)"; then
		tap_expect "aftr sessions: negotiated timers at $tx ms x $mult" \
			"[\"up\",$tx,$rx,$mult,300,$(((tx > 300) ? tx : 300)),3]" \
			"$(sess '[.status, ."remote-transmit-interval", ."remote-receive-interval", ."remote-detect-multiplier", ."receive-interval", ."transmit-interval", ."detect-multiplier"]')"
	else
		tap_fail "aftr sessions: negotiated timers at $tx ms x $mult" "$(sess .)"
	fi
}

# the monitor sees bfdd's session come and go Up (the ring buffer on 6.1)
nsenter --net="/run/netns/$AFTR" "$DSLITECTL" -j aftr monitor dev "$AIF" \
	count 2 ready /tmp/aftr-mon.ready >/tmp/aftr-mon 2>&1 &
mon=$!
defer "kill $mon; rm -f /tmp/aftr-mon /tmp/aftr-mon.ready"
busywait 10000 test -e /tmp/aftr-mon.ready

up_at 300 300 3

if busywait 5000 mon_gone $mon; then
	tap_expect "aftr monitor: new, then Up, for the B4's softwire" \
		"new down init $B46
state init up $B46" \
		"$("$JQ" -r '[.event, ."old-status", .status, .peer] | join(" ")' /tmp/aftr-mon)"
else
	tap_fail "aftr monitor: new, then Up, for the B4's softwire" "$(cat /tmp/aftr-mon)"
fi

# --- the responder goes away: bfdd detects it (900 ms)
t0=$(now_ms)
out=$(ctl aftr detach dev "$AIF" 2>&1)
tap_expect "detach" "0:" "$?:$out"
if busywait 10000 frr_has 'state-change:.*up -> down reason:control-expired'; then
	tap_ok "bfdd Down with control-expired $(($(now_ms) - t0)) ms after detach"
else
	tap_fail "bfdd Down with control-expired after detach" "$(tail -5 "$FRR/bfdd.log")"
fi
out=$(in_b4 ping -n -c 1 -W 1 192.0.0.1 2>&1)
if grep -q '^1 packets transmitted, 0 received' <<<"$out"; then
	tap_ok "without the responder nothing answers 192.0.0.1"
else
	tap_fail "without the responder nothing answers 192.0.0.1" "$out"
fi

# --- slow timers: 10 s x 3, a fresh bfdd against a fresh responder
out=$(ctl aftr attach dev "$AIF" 2>&1)
tap_expect "attach again" "0:" "$?:$out"
up_at 10000 10000 3

frr_stop
ctl aftr detach dev "$AIF"
tap_done
