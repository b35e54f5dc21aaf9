#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dslitectl pcp against a real PCP server: miniupnpd (Debian's
# miniupnpd-nftables) in the AFTR namespace, listening on the AFTR's end of
# a real ip6tnl softwire. The B4's requests go inside the tunnel from
# 192.0.0.2 to 192.0.0.1:5351 (encapsulation mode). Checked: SUCCESS with
# the lifetime miniupnpd clamps to and the external address, the port
# mapping in nft, renewals before the lifetime ends, the delete at exit,
# NOT_AUTHORIZED and NETWORK_FAILURE by name (and health down), an Epoch
# reset (SIGUSR1) detected and re-mapped, plain mode over native IPv6.
#
#   [ netns B: the B4 ]                       [ netns A: the AFTR ]
#     ds0 ip6tnl ipip6                          ds0 ip6tnl ipip6 (decapsulates)
#       2001:db8::2 -> 2001:db8::1                2001:db8::1 -> 2001:db8::2
#       192.0.0.2/29                              192.0.0.1/29  <- miniupnpd listening_ip
#     dslitectl pcp map                         miniupnpd (PCP, nft table inet filter)
#     v6 2001:db8::2/64 ======== veth ========= v6 2001:db8::1/64
#                                               wan0 (dummy) 11.0.0.1/24  <- ext_ifname
#                                               (a public-looking external address)
#
# miniupnpd: min_lifetime 2, max_lifetime 6, so "lifetime 120" is granted
# 6 s and renewed every 3..3.75 s; ports 1024-65535 allowed to 192.0.0.2.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../miniupnpd_lib.sh"

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
require_root
require_cmd miniupnpd nft jq
for m in ip6_tunnel veth dummy nf_tables nft_chain_nat nf_nat nft_nat; do
	modprobe "$m" 2>/dev/null || tap_skip_all "no $m module"
done
modprobe -a nft_ct nft_fib_inet nft_masq nft_redir 2>/dev/null

setup_ns B A || tap_skip_all "cannot create network namespaces"
tmp=$(mktemp -d)
defer "rm -rf $tmp"

inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }

ip link add v6 netns "$B" type veth peer name v6 netns "$A"
ip -n "$B" addr add 2001:db8::2/64 dev v6 nodad
ip -n "$A" addr add 2001:db8::1/64 dev v6 nodad
ip -n "$B" link set v6 up
ip -n "$A" link set v6 up
ip -n "$B" link add ds0 type ip6tnl mode ipip6 local 2001:db8::2 remote 2001:db8::1
ip -n "$A" link add ds0 type ip6tnl mode ipip6 local 2001:db8::1 remote 2001:db8::2
ip -n "$B" addr add 192.0.0.2/29 dev ds0
ip -n "$A" addr add 192.0.0.1/29 dev ds0
ip -n "$B" link set ds0 up
ip -n "$A" link set ds0 up
ip -n "$A" link add wan0 type dummy
ip -n "$A" addr add 11.0.0.1/24 dev wan0
ip -n "$A" link set wan0 up

miniupnpd_setup "$A" ds0 "$tmp/miniupnpd.conf" ||
	tap_skip_all "cannot set up miniupnpd's nft chains"
# Without -d it forks into the background and writes its pid file.
inA miniupnpd -f "$tmp/miniupnpd.conf" -P "$tmp/miniupnpd.pid" ||
	tap_skip_all "miniupnpd does not start"
defer 'kill $(cat '"$tmp"'/miniupnpd.pid) 2>/dev/null'
listening() { inA ss -Hlun 'sport = :5351' | grep -q 192.0.0.1; }
if busywait 5000 listening; then tap_ok "miniupnpd listens on 192.0.0.1:5351"; else
	tap_fail "miniupnpd listens on 192.0.0.1:5351" "$(inA ss -lun)"; tap_done; fi
started=$EPOCHSECONDS

# ev FILE EVENT JQ: the JQ expression on the first EVENT object of FILE
ev() { jq -r "select(.event == \"$2\") | $3" "$1" 2>/dev/null | head -n 1; }
# evn FILE EVENT: how many EVENT objects FILE has
evn() { jq -r "select(.event == \"$2\") | .event" "$1" 2>/dev/null | wc -l; }
dnat() { inA nft list chain inet filter prerouting_miniupnpd | grep -c "dnat ip to 192.0.0.2:$1"; }

# ---- SUCCESS, clamped lifetime, renewals, delete at exit ---------------
out=$tmp/map.json
inB "$DSLITECTL" -j pcp map lifetime 120 internal-port 5000 count 3 >"$out" 2>"$tmp/map.err" &
pid=$!
has_mapping() { [ "$(dnat 5000)" = 1 ]; }
if slowwait 10 has_mapping; then tap_ok "the mapping is in nft while the client runs"; else
	tap_fail "the mapping is in nft while the client runs" \
		"$(inA nft list chain inet filter prerouting_miniupnpd)"; fi
wait $pid
rc=$?
tap_expect "pcp map: exit 0 after 3 SUCCESS answers" 0 "$rc"
tap_expect "request: encapsulation mode, client 192.0.0.2" "initial 192.0.0.2 5000 120 udp" \
	"$(ev "$out" request '"\(.kind) \(."client-address") \(."internal-port") \(.lifetime) \(.protocol)"')"
tap_expect "response: SUCCESS by name, code 0" "SUCCESS 0" \
	"$(ev "$out" response '"\(.result) \(."result-code")"')"
tap_expect "response: lifetime clamped to max_lifetime 6" 6 "$(ev "$out" response .lifetime)"
tap_expect "response: external address and port" "11.0.0.1:5000" \
	"$(ev "$out" response '"\(."external-address"):\(."external-port")"')"
tap_expect "three SUCCESS answers" 3 \
	"$("$JQ" -r 'select(.event == "response" and .result == "SUCCESS" and .lifetime == 6) | .event' "$out" | wc -l)"
tap_expect "two renewal requests" 2 \
	"$("$JQ" -r 'select(.event == "request" and .kind == "renewal") | .kind' "$out" | wc -l)"
# each renewal went out 1/2..5/8 of the 6 s after the grant before it
windows=$("$JQ" -rs '[.[] | select(.event == "mapped" or (.event == "request" and .kind == "renewal"))]
	| [range(0; length - 1) as $i | select(.[$i].event == "mapped" and .[$i + 1].kind == "renewal")
	   | .[$i + 1]."t-ms" - .[$i]."t-ms"] | map(tostring) | join(" ")' "$out")
inwin=1
for d in $windows; do
	# not before 1/2 of the lifetime, and before it ends
	[ "$d" -ge 2990 ] && [ "$d" -lt 6000 ] || inwin=0
done
if [ "$inwin" = 1 ] && [ "$(echo "$windows" | wc -w)" = 2 ]; then
	tap_ok "renewals sent after 1/2 of the 6 s lifetime and before it ends ($windows ms)"
else
	tap_fail "renewals sent after 1/2 of the 6 s lifetime and before it ends" "gaps: '$windows' ms"
fi
tap_expect "every grant scheduled its renewal 1/2..5/8 into it (3000..3749 ms)" "3 3" \
	"$(evn "$out" mapped) $("$JQ" -r 'select(.event == "mapped" and ."renew-in-ms" >= 2999 and ."renew-in-ms" < 3750) | .event' "$out" | wc -l)"
tap_expect "health up" "up" "$(ev "$out" health .health)"
tap_expect "at exit: a delete (lifetime 0), answered" "delete 0 1" \
	"$(echo "$("$JQ" -r 'select(.event == "request" and .kind == "delete") | "\(.kind) \(.lifetime)"' "$out") $(evn "$out" released)")"
tap_expect "the mapping is gone from nft after the delete" 0 "$(dnat 5000)"
tap_expect "summary: 4 requests, 4 answers, 2 renewals, 0 retransmissions, 0 malformed" \
	"4 4 2 0 0" \
	"$(ev "$out" summary '"\(."tx-requests") \(."rx-responses") \(.renewals) \(."tx-retransmits") \(."rx-malformed")"')"
tap_expect "summary: SUCCESS 4 in the per-result counters" 4 "$(ev "$out" summary .results.SUCCESS)"
diag "MAP exchange rtt: $("$JQ" -r 'select(.event == "response") | ."rtt-us"' "$out" | paste -sd ' ') us"

# ---- NOT_AUTHORIZED: a port outside the allow rule ---------------------
txt=$(inB "$DSLITECTL" pcp map internal-port 80 count 1 2>&1)
rc=$?
tap_expect "NOT_AUTHORIZED: exit 1" 1 "$rc"
if echo "$txt" | grep -q '^response: NOT_AUTHORIZED lifetime 0 epoch [0-9]*'; then
	tap_ok "NOT_AUTHORIZED shown by name in text"
else
	tap_fail "NOT_AUTHORIZED shown by name in text" "$txt"
fi
out=$tmp/na.json
inB "$DSLITECTL" -j pcp map internal-port 80 count 1 >"$out"
tap_expect "NOT_AUTHORIZED: result code 2, health stays up (the server answers)" \
	"NOT_AUTHORIZED 2 up" \
	"$(echo "$(ev "$out" response '"\(.result) \(."result-code")"') $(ev "$out" summary .health)")"

# ---- NETWORK_FAILURE: the external interface lost its address ----------
ip -n "$A" addr flush dev wan0
out=$tmp/nf.json
inB "$DSLITECTL" -j pcp map internal-port 5001 count 2 failures 2 retry-max 1 >"$out"
rc=$?
ip -n "$A" addr add 11.0.0.1/24 dev wan0
tap_expect "NETWORK_FAILURE: exit 1" 1 "$rc"
tap_expect "NETWORK_FAILURE twice, by name, code 7, lifetime 30" \
	"NETWORK_FAILURE 7 30|NETWORK_FAILURE 7 30" \
	"$("$JQ" -r 'select(.event == "response") | "\(.result) \(."result-code") \(.lifetime)"' "$out" | paste -sd '|')"
tap_expect "the second in a row: health down (network-failure)" "down network-failure" \
	"$(ev "$out" health '"\(.health) \(.reason)"')"
tap_expect "the retry waited retry-max (1 s), not the 30 s error lifetime" 1 \
	"$(ev "$out" error '."retry-in-ms" <= 1000 and ."retry-in-ms" >= 900 | if . then 1 else 0 end')"
tap_expect "summary: NETWORK_FAILURE counted twice" 2 "$(ev "$out" summary .results.NETWORK_FAILURE)"

# ---- Epoch reset: SIGUSR1 makes miniupnpd start its Epoch from 0 -------
# The epoch must be well above 1 first (it counts from the start).
old_enough() { [ $(($EPOCHSECONDS - started)) -ge 4 ]; }
slowwait 10 old_enough
out=$tmp/epoch.json
# count 3: the reset shows in the answer to the first or second renewal,
# whichever follows the signal; the re-map's answer ends the run.
inB "$DSLITECTL" -j pcp map internal-port 5002 lifetime 120 count 3 >"$out" &
pid=$!
mapped() { [ "$(evn "$out" mapped)" -ge 1 ]; }
slowwait 10 mapped
epoch0=$(ev "$out" response .epoch)
kill -USR1 "$(cat "$tmp/miniupnpd.pid")"
wait $pid
rc=$?
tap_expect "epoch: the run ends mapped (exit 0)" 0 "$rc"
diag "epoch before the reset $epoch0, events: $("$JQ" -r '.event' "$out" | paste -sd ' ')"
tap_expect "epoch: the reset is detected (backwards)" "backwards" "$(ev "$out" epoch .check)"
tap_expect "epoch: previous epoch (>= $epoch0) and the new one (<= 4) reported" true \
	"$(ev "$out" epoch "(.\"previous-epoch\" >= $epoch0) and .epoch <= 4")"
tap_expect "epoch: health down (epoch), then up" "down:epoch up:null" \
	"$(jq -r 'select(.event == "health") | "\(.health):\(.reason)"' "$out" | tail -n 2 | paste -sd ' ')"
tap_expect "epoch: a re-map request follows at once, same nonce" "re-map 1" \
	"$("$JQ" -rs '[.[] | select(.event == "request")] as $r
		| "\($r[-2].kind) \(if ($r | map(.nonce) | unique | length) == 1 then 1 else 0 end)"' "$out")"
tap_expect "epoch: the re-map is answered SUCCESS with the external address" "SUCCESS 11.0.0.1:5002" \
	"$("$JQ" -rs '[.[] | select(.event == "response" and .lifetime != 0)][-1]
		| "\(.result) \(."external-address"):\(."external-port")"' "$out")"
tap_expect "epoch: one reset counted" 1 "$(ev "$out" summary '."epoch-resets"')"

# ---- Plain mode: native IPv6 to the server -----------------------------
# miniupnpd listens on IPv4 only here: the request reaches the AFTR and is
# refused with port unreachable, which the client counts; nothing answers.
out=$tmp/plain.json
inB "$DSLITECTL" -j pcp map mode plain server 2001:db8::1 internal-port 5003 count 1 deadline 2 >"$out"
rc=$?
tap_expect "plain mode: no PCP server on IPv6: exit 1 after the deadline" 1 "$rc"
tap_expect "plain mode: client address is the B4's IPv6 address" "2001:db8::2" \
	"$(ev "$out" request '."client-address"')"
tap_expect "plain mode: deadline event, health down (no-answer)" "2000 down no-answer" \
	"$(echo "$(ev "$out" deadline '."after-ms"') $(ev "$out" summary '"\(.health) \(.reason)"')")"
if [ "$(ev "$out" summary '."rx-errors"')" -ge 1 ]; then
	tap_ok "plain mode: the AFTR's port unreachable is counted (rx-errors)"
else
	tap_fail "plain mode: the AFTR's port unreachable is counted" "$(ev "$out" summary .)"
fi

tap_done
