#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "b4 run" refuses bad configurations with a clear message before it
# touches anything: the tunnel's carrier, remote and addresses are as they
# were, no daemon keeps running.
#
#   [ netns C ]
#     ds0   ip6tnl ipip6  2001:db8::2 -> 2001:db8:a1::2, 192.0.0.2/29
#     ds6   ip6tnl ip6ip6 (carries no IPv4)
#     dsnr  ip6tnl ipip6 without remote
#     veth0 veth (not a tunnel)
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd jq
kmod_load || tap_skip_all "cannot load dslite.ko"

setup_ns C
in_c() { ip netns exec "$C" "$@"; }
mk_tunnel ds0 "$C" 2001:db8:a1::2
in_c ip addr add 192.0.0.2/29 dev ds0
in_c ip link add ds6 type ip6tnl mode ip6ip6 local 2001:db8:b4::2 remote 2001:db8:a1::2
in_c ip link add dsnr type ip6tnl mode ipip6 local 2001:db8:b4::2
in_c ip link add veth0 type veth peer veth1

snapshot() {
	in_c "$DSLITECTL" -j tunnel show dev ds0 |
		jq -c '.[0] | {remote, carrier, forced, diagnostic, transitions}'
	in_c ip -o addr show dev ds0 | awk '{ print $3, $4 }'
}
before=$(snapshot)

# refuse DESC RC MESSAGE ARGS...: "b4 run ARGS" exits RC with MESSAGE
refuse() {
	local desc=$1 rc=$2 msg=$3 out got
	shift 3
	out=$(in_c timeout 20 "$DSLITECTL" b4 run "$@" 2>&1 >/dev/null)
	got=$?
	if [ "$got" = "$rc" ] && [ "$out" = "$msg" ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "expected rc $rc '$msg', got rc $got '$out'"
	fi
}

refuse "no arguments" 1 \
	'dslitectl: b4 run: no tunnel: "dev IFNAME" is required'
refuse "unknown device" 1 \
	'dslitectl: b4 run: dev nosuch does not exist' dev nosuch
refuse "veth is not a tunnel" 1 \
	'dslitectl: b4 run: veth0 is not an ip6tnl tunnel (kind veth)' dev veth0
refuse "loopback is not a tunnel" 1 \
	'dslitectl: b4 run: lo is not an ip6tnl tunnel (no tunnel kind)' dev lo
refuse "ip6ip6 tunnel refused" 1 \
	'dslitectl: b4 run: ds6 is not a DS-Lite softwire: mode ip6ip6 carries no IPv4 (use mode ipip6)' dev ds6
refuse "no AFTR" 1 \
	'dslitectl: b4 run: no AFTR: dsnr has no remote address; give "aftr ADDR" or "aftr-name FQDN"' dev dsnr
refuse "IPv4 as aftr" 1 \
	'dslitectl: b4 run: aftr "192.0.2.1" is not an IPv6 address' dev ds0 aftr 192.0.2.1
refuse "garbage as aftr" 1 \
	'dslitectl: b4 run: aftr "2001:db8::zz" is not an IPv6 address' dev ds0 aftr 2001:db8::zz
refuse "link-local aftr" 1 \
	'dslitectl: b4 run: aftr fe80::1 is not a global unicast IPv6 address' dev ds0 aftr fe80::1
refuse "multicast aftr" 1 \
	'dslitectl: b4 run: aftr ff02::1 is not a global unicast IPv6 address' dev ds0 aftr ff02::1
refuse "unspecified aftr" 1 \
	'dslitectl: b4 run: aftr :: is not a global unicast IPv6 address' dev ds0 aftr ::
refuse "aftr twice" 1 \
	'dslitectl: b4 run: aftr 2001:db8::1 given twice' dev ds0 aftr 2001:db8::1 aftr 2001:db8::1
refuse "interval 0" 1 \
	'dslitectl: b4 run: interval must be 10..60000 ms, not "0"' dev ds0 interval 0
refuse "interval too small" 1 \
	'dslitectl: b4 run: interval must be 10..60000 ms, not "9"' dev ds0 interval 9
refuse "interval too large" 1 \
	'dslitectl: b4 run: interval must be 10..60000 ms, not "60001"' dev ds0 interval 60001
refuse "interval not a number" 1 \
	'dslitectl: b4 run: interval must be 10..60000 ms, not "1s"' dev ds0 interval 1s
refuse "standby-interval 0" 1 \
	'dslitectl: b4 run: standby-interval must be 10..60000 ms, not "0"' dev ds0 standby-interval 0
refuse "health: unknown method" 1 \
	'dslitectl: b4 run: health must be bfd, pcp, ping, echo, mtu, all, any, all:M+M[+M] or any:M+M[+M] (M: bfd, pcp, ping, echo, mtu; echo and mtu only with bfd), not "bgp"' dev ds0 health bgp
refuse "health: a method twice" 1 \
	'dslitectl: b4 run: health must be bfd, pcp, ping, echo, mtu, all, any, all:M+M[+M] or any:M+M[+M] (M: bfd, pcp, ping, echo, mtu; echo and mtu only with bfd), not "all:bfd+bfd"' dev ds0 health all:bfd+bfd
refuse "health: a combination of one" 1 \
	'dslitectl: b4 run: health must be bfd, pcp, ping, echo, mtu, all, any, all:M+M[+M] or any:M+M[+M] (M: bfd, pcp, ping, echo, mtu; echo and mtu only with bfd), not "any:pcp"' dev ds0 health any:pcp
refuse "health: empty list" 1 \
	'dslitectl: b4 run: health must be bfd, pcp, ping, echo, mtu, all, any, all:M+M[+M] or any:M+M[+M] (M: bfd, pcp, ping, echo, mtu; echo and mtu only with bfd), not "all:"' dev ds0 health all:
refuse "aftr: bad per-AFTR health" 1 \
	'dslitectl: b4 run: aftr 2001:db8::1: health must be bfd, pcp, ping, echo, mtu, all, any, all:M+M[+M] or any:M+M[+M] (M: bfd, pcp, ping, echo, mtu; echo and mtu only with bfd), not "pcp+ping"' dev ds0 aftr 2001:db8::1,health=pcp+ping
refuse "aftr: unknown per-AFTR option" 1 \
	'dslitectl: b4 run: aftr 2001:db8::1: unknown option "mtu" (health=SPEC, pcp-server=ADDR)' dev ds0 aftr 2001:db8::1,mtu=1400
refuse "aftr: option without value" 1 \
	'dslitectl: b4 run: aftr 2001:db8::1: option "health" is not KEY=VALUE (health=SPEC, pcp-server=ADDR)' dev ds0 aftr 2001:db8::1,health
refuse "aftr: per-AFTR health twice" 1 \
	'dslitectl: b4 run: aftr 2001:db8::1: health given twice' dev ds0 aftr 2001:db8::1,health=pcp,health=bfd
refuse "aftr: bad pcp-server" 1 \
	'dslitectl: b4 run: aftr 2001:db8::1: pcp-server "fe80::1" is not a global unicast IPv6 address' dev ds0 aftr 2001:db8::1,pcp-server=fe80::1
refuse "pcp-server without plain mode" 1 \
	'dslitectl: b4 run: pcp-server is for "pcp-mode plain" (encap sends to 192.0.0.1 inside the softwire)' dev ds0 health pcp pcp-server 2001:db8::53
refuse "pcp-lifetime 1" 1 \
	'dslitectl: b4 run: pcp-lifetime must be 2..86400 seconds, not "1"' dev ds0 health pcp pcp-lifetime 1
refuse "pcp-deadline 999" 1 \
	'dslitectl: b4 run: pcp-deadline must be 1000..600000 ms, not "999"' dev ds0 health pcp pcp-deadline 999
refuse "pcp-failures 0" 1 \
	'dslitectl: b4 run: pcp-failures must be 1..100, not "0"' dev ds0 health pcp pcp-failures 0
refuse "pcp-interval 500" 1 \
	'dslitectl: b4 run: pcp-interval must be 0 (by the lifetime) or 1000..3600000 ms, not "500"' dev ds0 health pcp pcp-interval 500
refuse "pcp-interval 3600001" 1 \
	'dslitectl: b4 run: pcp-interval must be 0 (by the lifetime) or 1000..3600000 ms, not "3600001"' dev ds0 health pcp pcp-interval 3600001
refuse "pcp-retry-max 50" 1 \
	'dslitectl: b4 run: pcp-retry-max must be 100..1024000 ms, not "50"' dev ds0 health pcp pcp-retry-max 50
refuse "pcp-mode" 1 \
	'dslitectl: b4 run: pcp-mode must be encap or plain, not "udp"' dev ds0 health pcp pcp-mode udp
refuse "pcp-port 0" 1 \
	'dslitectl: b4 run: pcp-port must be 1..65535, not "0"' dev ds0 health pcp pcp-port 0
refuse "ping-interval 5" 1 \
	'dslitectl: b4 run: ping-interval must be 10..60000 ms, not "5"' dev ds0 health ping ping-interval 5
refuse "ping-loss 0/5" 1 \
	'dslitectl: b4 run: ping-loss must be N/M with 1 <= N <= M <= 32, not "0/5"' dev ds0 ping-loss 0/5
refuse "ping-loss 6/5" 1 \
	'dslitectl: b4 run: ping-loss must be N/M with 1 <= N <= M <= 32, not "6/5"' dev ds0 ping-loss 6/5
refuse "ping-loss 3/33" 1 \
	'dslitectl: b4 run: ping-loss must be N/M with 1 <= N <= M <= 32, not "3/33"' dev ds0 ping-loss 3/33
refuse "ping-loss without M" 1 \
	'dslitectl: b4 run: ping-loss must be N/M with 1 <= N <= M <= 32, not "3"' dev ds0 ping-loss 3
refuse "multiplier 0" 1 \
	'dslitectl: b4 run: multiplier must be 1..255, not "0"' dev ds0 multiplier 0
refuse "multiplier 256" 1 \
	'dslitectl: b4 run: multiplier must be 1..255, not "256"' dev ds0 multiplier 256
refuse "bad failover mode" 1 \
	'dslitectl: b4 run: failover must be repoint or carrier, not "sideways"' dev ds0 failover sideways
refuse "bad preempt" 1 \
	'dslitectl: b4 run: preempt must be on or off, not "yes"' dev ds0 preempt yes
refuse "negative hold-down" 1 \
	'dslitectl: b4 run: hold-down must be 0..3600 seconds, not "-1"' dev ds0 hold-down -1
refuse "bad aftr-name" 1 \
	'dslitectl: b4 run: aftr-name "bad..name" is not a domain name' dev ds0 aftr-name bad..name
refuse "unknown keyword" 1 \
	'dslitectl: b4 run: unknown keyword "bogus" (try "dslitectl b4 help")' dev ds0 bogus 1
refuse "keyword without value" 1 \
	'dslitectl: b4 run: "interval" needs a value' dev ds0 interval
refuse "interval twice" 1 \
	'dslitectl: b4 run: "interval" given twice' dev ds0 interval 100 interval 200
refuse "two devices without carrier mode" 1 \
	'dslitectl: b4 run: several devices need "failover carrier" (one tunnel per AFTR)' dev ds0 dev dsnr
refuse "carrier mode with aftr" 1 \
	'dslitectl: b4 run: with "failover carrier" the AFTRs are the tunnels'"'"' remotes: give one "dev" per AFTR instead of aftr/aftr-name' \
	dev ds0 failover carrier aftr 2001:db8::1
refuse "carrier mode, tunnel without remote" 1 \
	'dslitectl: b4 run: dsnr has no usable remote (AFTR) address' dev ds0 dev dsnr failover carrier

conf=$(mktemp /tmp/b4.conf.XXXXXX)
printf '# B4\ndev ds0\ninterval 5 # too fast\n' >"$conf"
refuse "config file: bad value names file and line" 1 \
	"dslitectl: b4 run: $conf:3: interval must be 10..60000 ms, not \"5\"" config "$conf"
printf 'dev ds0\ninterval\n' >"$conf"
refuse "config file: keyword without value" 1 \
	"dslitectl: b4 run: $conf:2: \"interval\" needs a value" config "$conf"
printf 'dev ds0\nconfig /etc/passwd\n' >"$conf"
refuse "config file: no nested config" 1 \
	"dslitectl: b4 run: $conf:2: \"config\" inside a config file" config "$conf"
printf 'dev ds0\naftr 2001:db8:a1::2,health=all:pcp+ping\naftr 2001:db8:a2::2,health=pcp,ping\n' >"$conf"
refuse "config file: per-AFTR option error names file and line" 1 \
	"dslitectl: b4 run: $conf:3: aftr 2001:db8:a2::2: option \"ping\" is not KEY=VALUE (health=SPEC, pcp-server=ADDR)" config "$conf"
refuse "config file missing" 1 \
	'dslitectl: b4 run: config /nonexistent/b4.conf: No such file or directory' config /nonexistent/b4.conf

# A name without any IPv6 address: refused (no resolver answers here).
out=$(in_c timeout 30 "$DSLITECTL" b4 run dev ds0 aftr-name aftr.example.invalid 2>&1 >/dev/null)
rc=$?
case $out in
"dslitectl: b4 run: aftr-name aftr.example.invalid: "*) [ $rc -eq 1 ] &&
	tap_ok "unresolvable aftr-name" ||
	tap_fail "unresolvable aftr-name" "rc $rc: $out" ;;
*) tap_fail "unresolvable aftr-name" "rc $rc: $out" ;;
esac

# A second daemon on the same tunnel (the first one is stopped before its
# start-up grace could end).
b4_start_c() {
	B4_LOG=$(mktemp /tmp/b4-log.XXXXXX)
	ip netns exec "$C" "$DSLITECTL" b4 run "$@" >>"$B4_LOG" 2>&1 &
	B4_PID=$!
	defer "kill -9 $B4_PID"
	busywait 10000 in_c "$DSLITECTL" b4 status
}
if b4_start_c dev ds0 multiplier 20 standby-interval 60000; then
	tap_ok "a daemon runs"
	refuse "second daemon on the same tunnel" 2 \
		'dslitectl: b4 run: a b4 daemon already runs for ds0 in this network namespace' dev ds0
	kill -TERM $B4_PID
	wait $B4_PID
	tap_expect "first daemon stops cleanly" 0 $?
else
	tap_fail "a daemon runs" "$(cat "$B4_LOG")"
fi

# Without the module: refused, nothing touched.
rmmod dslite
refuse "dslite.ko not loaded" 2 \
	'dslitectl: b4 run: generic netlink family dslite not found (is the dslite module loaded?)' dev ds0
insmod "$DSLITE_KO"

tap_expect "the tunnel is unchanged" "$before" "$(snapshot)"
out=$(in_c "$DSLITECTL" b4 status 2>&1)
tap_expect "no daemon left" \
	"dslitectl: b4 status: no b4 daemon runs in this network namespace" "$out"
tap_done
