#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An anycast AFTR group on the collect_md data plane, built by the
# commands of Documentation/anycast.md ("Setting up a member"): one
# "ip6tnl external" device per member and one "encap ip6" route per B4,
# 20 B4s behind real ECMP, each with its own IPv6 address, inner prefix
# and softwire.
#   - every B4 downloads from the Internet host at once, through the
#     group and its NAT, byte for byte; both members carry B4s;
#   - the downloads' Packet Too Big messages (the router's link to the
#     B4s has MTU 1400) reach either member, as ECMP hashes them: those
#     at the member that does not serve the B4 are relayed to the one
#     that does, whose kernel lowers its MTU toward the B4 on the
#     collect_md device's route ("ip -6 route get B4 from ANYCAST");
#   - one PTB about each B4 from the router (ptb_send): every owner's
#     route toward its B4s has MTU 1400, the other member's none, each
#     PTB was taken by the owner or relayed to it;
#   - the B4 daemon of B4 1 has its BFD session Up with its owner's node
#     id; the owner dies (its link at the router), the session comes back
#     Up with the other node id, "AFTR changed", and a download goes
#     through the survivor (every member has every B4's route);
#   - the document's teardown (routes by prefix, then the nexthops)
#     leaves neither on either member.
#
#  [B4 1..20] ds0 ==softwire==> [ME] --ECMP--> [AFTR1] ds external, NAT --+
#   10.1.i.1      (MTU 1400 to     \--ECMP--> [AFTR2] ds external, NAT --+-- [INET]
#                  each B4)          PTB relay between the members           203.0.113.1
#   anycast 2001:db8:ac::1 on both (details: selftests/anycast_md_lib.sh)
#
# 20 B4s, two members and 21 downloads: some 60 s in a VM of its own, up
# to four minutes beside another VM on a busy machine.
# vm-timeout: 480
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"
. "$(dirname "$0")/../anycast_md_lib.sh"

require_root
require_cmd jq nsenter busybox python3 awk
require_bpffs
PTB=$DSLITE_ROOT/build/tests/ptb_send
[ -x "$AFTR_PEER" ] && [ -x "$PTB" ] || { tap_fail "test programs built" "run make tests first"; tap_done; }
kmod_load || tap_skip_all "cannot load dslite.ko"

tmp=$(mktemp -d)
defer "rm -rf $tmp"

# --- the document's blocks
doc_block "$MD_DOC" member >"$tmp/doc-member"
# the commands without their comments, for comparison
sed 's/[[:space:]]*#.*//' "$tmp/doc-member" >"$tmp/doc-member.cmds"
doc_block "$MD_DOC" b4-routes >"$tmp/doc-routes"
if grep -q 'type ip6tnl mode ipip6 external' "$tmp/doc-member" &&
   grep -q '^ip -batch b4-routes' "$tmp/doc-member" &&
   grep -q 'dslitectl aftr attach' "$tmp/doc-member"; then
	tap_ok "anycast.md: the member block found ($(wc -l <"$tmp/doc-member") lines)"
else
	tap_fail "anycast.md: the member block found" "$(cat "$tmp/doc-member")"
fi
tap_expect "anycast.md: its b4-routes lines are those the test writes" \
	"$(md_routes | head -n 4)" "$(cat "$tmp/doc-routes")"
# aftr-operations.md shows the same data plane for a single AFTR
ops=$DSLITE_ROOT/Documentation/aftr-operations.md
doc_block "$ops" collect_md | sed 's/[[:space:]]*#.*//' | grep . >"$tmp/doc-ops"
missing=$(grep -v -x -F -f "$tmp/doc-member.cmds" "$tmp/doc-ops")
tap_expect "aftr-operations.md: its collect_md commands ($(wc -l <"$tmp/doc-ops") lines) are the member's" \
	"" "${missing:-$([ -s "$tmp/doc-ops" ] || echo "no block")}"

# phase NAME: when each part started (the VM's time goes mostly to TCG)
phase() { diag "${SECONDS}s: $*"; }
phase "topology"
if md_topo "$tmp"; then
	tap_ok "two members built from the document, $MD_N B4s"
else
	tap_fail "two members built from the document, $MD_N B4s"
	tap_done
fi
B4=$(md_b4_ns 1)	# the daemon's B4 (b4_lib.sh)

# The Internet host: TCP 5000 sends the blob to whoever connects.
head -c 131072 /dev/urandom >"$tmp/blob"
cat >"$tmp/inet.py" <<-'EOF'
	import socket, sys, threading
	blob = open(sys.argv[1], "rb").read()
	def tcp():
	    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	    s.bind(("0.0.0.0", 5000)); s.listen(64)
	    while True:
	        c, _ = s.accept()
	        threading.Thread(target=lambda c=c: (c.sendall(blob), c.close())).start()
	open(sys.argv[2], "w").write("ready\n")
	tcp()
EOF
ip netns exec "$INET" python3 "$tmp/inet.py" "$tmp/blob" "$tmp/inet.ready" &
inet_pid=$!
defer "kill $inet_pid"
slowwait 30 test -s "$tmp/inet.ready"

# download I: B4 I fetches the blob into $tmp/got.I (at most 60 s)
download() {
	ip netns exec "$(md_b4_ns "$1")" timeout 60 busybox nc $MD_INET 5000 >"$tmp/got.$1"
}

# --- every B4 downloads at once
phase "downloads"
for n in 1 2; do eval "C$n=\$(md_counters $n)"; done
t0=$(now_ms)
pids=()
for ((i = 1; i <= MD_N; i++)); do
	download $i &
	pids+=($!)
done
wait "${pids[@]}"
complete=0
for ((i = 1; i <= MD_N; i++)); do
	cmp -s "$tmp/blob" "$tmp/got.$i" && complete=$((complete + 1))
done
diag "$MD_N downloads of 128 KiB in $(($(now_ms) - t0)) ms"
tap_expect "every B4's download through the group completes, byte for byte" \
	"$MD_N" "$complete"

phase "owners"
md_refresh
owners=() on1=0 on2=0
md_conntrack "$tmp"
for ((i = 1; i <= MD_N; i++)); do
	owners[i]=$(md_owner "$tmp" $i)
	case ${owners[i]} in 1) on1=$((on1 + 1)) ;; 2) on2=$((on2 + 1)) ;; esac
done
diag "owners (B4 1..$MD_N): ${owners[*]}"
for ((i = 1; i <= MD_N; i++)); do
	[ -n "${owners[i]}" ] && continue
	diag "B4 $i in AFTR1's conntrack: $(grep "src=$(md_b4_inner $i) " "$tmp/ct.1" | tr '\n' ';')"
	diag "B4 $i in AFTR2's conntrack: $(grep "src=$(md_b4_inner $i) " "$tmp/ct.2" | tr '\n' ';')"
done
if [ $((on1 + on2)) -eq "$MD_N" ] && [ $on1 -ge 1 ] && [ $on2 -ge 1 ]; then
	tap_ok "ECMP: each B4's flows on one member's NAT, both members used ($on1 + $on2)"
else
	tap_fail "ECMP: each B4's flows on one member's NAT, both members used" "$on1 + $on2 of $MD_N"
fi

# --- the downloads' own PTBs: relayed, and the owners lowered their MTU
# toward the first B4s whose packets were too big (the Internet host then
# learnt the path MTU of each member's NAT address, and sent the others
# small enough)
phase "path MTU"
for n in 1 2; do eval "D$n=\$(md_delta \"\$C$n\" \"\$(md_counters $n)\")"; done
diag "AFTR1: $D1"
diag "AFTR2: $D2"
lowered=0 wrong=0
md_pmtus 1 >"$tmp/pmtu.1"
md_pmtus 2 >"$tmp/pmtu.2"
for ((i = 1; i <= MD_N; i++)); do
	o=${owners[i]}
	[ -n "$o" ] || continue
	[ "$(md_pmtu_of "$tmp/pmtu.$o" $i)" = 1400 ] && lowered=$((lowered + 1))
	[ -n "$(md_pmtu_of "$tmp/pmtu.$((3 - o))" $i)" ] && wrong=$((wrong + 1))
done
relayed=$(( $("$JQ" '.ptb_relayed // 0' <<<"$D1") + $("$JQ" '.ptb_relayed // 0' <<<"$D2") ))
taken=$(( $("$JQ" '.pass_ptb_peer // 0' <<<"$D1") + $("$JQ" '.pass_ptb_peer // 0' <<<"$D2") ))
diag "downloads: $relayed PTBs relayed, $taken copies taken; $lowered owners lowered their MTU toward a B4"
# Which member a download's PTB reaches is the router's hash of the
# quoted packet: a few PTBs may all reach their owners (then none is
# relayed: said, not failed); the relay itself is checked for certain
# below, with one PTB about each B4.
[ "$relayed" = 0 ] && diag "downloads: every PTB reached its owner first: nothing to relay this time"
if [ "$taken" = "$relayed" ] && [ "$lowered" -ge 1 ] && [ "$wrong" = 0 ]; then
	tap_ok "downloads: PTBs taken by the owner or relayed to it, whose route toward the B4 has MTU 1400 ($lowered B4s, $relayed relayed)"
else
	tap_fail "downloads: PTBs taken by the owner or relayed to it, whose route toward the B4 has MTU 1400" \
		"relayed $relayed, taken $taken, lowered $lowered, on the wrong member $wrong"
fi

# --- one Packet Too Big about each B4, as the router sends it (from its
# address on that B4's link): owned or relayed as ECMP hashes it
md_refresh
for n in 1 2; do eval "C$n=\$(md_counters $n)"; done
for ((i = 1; i <= MD_N; i++)); do
	ip netns exec "$ME" "$PTB" -d $MD_ANYCAST -q $MD_ANYCAST -b "$(md_b4_addr $i)" \
		-s 2001:db8:b4:$i::1 -n 1 >/dev/null || diag "ptb_send about B4 $i failed"
done
__lowered() {
	[ "$(cat "$tmp/pmtu.1" "$tmp/pmtu.2" 2>/dev/null | wc -l)" -ge "$MD_N" ] && return 0
	md_pmtus 1 >"$tmp/pmtu.1"
	md_pmtus 2 >"$tmp/pmtu.2"
	[ "$(cat "$tmp/pmtu.1" "$tmp/pmtu.2" | wc -l)" -ge "$MD_N" ]
}
rm -f "$tmp/pmtu.1" "$tmp/pmtu.2"
slowwait 30 __lowered
md_pmtus 1 >"$tmp/pmtu.1"
md_pmtus 2 >"$tmp/pmtu.2"
bad=''
for ((i = 1; i <= MD_N; i++)); do
	o=${owners[i]}
	[ -n "$o" ] || { bad="$bad B4 $i: no single owner;"; continue; }
	got="$(md_pmtu_of "$tmp/pmtu.$o" $i):$(md_pmtu_of "$tmp/pmtu.$((3 - o))" $i)"
	[ "$got" = "1400:" ] || bad="$bad B4 $i (owner $o): $got;"
done
tap_expect "each owner's route toward its B4s has MTU 1400, the other member's none" "" "$bad"
if [ -n "$bad" ]; then
	for n in 1 2; do
		diag "AFTR$n's exceptions: $(ip -n "$(md_member_ns $n)" -6 route show cache | tr '\n' ';')"
	done
fi
d1=$(md_delta "$C1" "$(md_counters 1)")
d2=$(md_delta "$C2" "$(md_counters 2)")
diag "AFTR1: $d1"
diag "AFTR2: $d2"
sum() { echo $(( $(jq ".$1 // 0" <<<"$d1") + $(jq ".$1 // 0" <<<"$d2") )); }
owned=$(sum pass_ptb_owned) relayed=$(sum ptb_relayed) taken=$(sum pass_ptb_peer)
diag "$MD_N PTBs: $owned taken by the owner that received it, $relayed relayed"
if [ $((owned + relayed)) = "$MD_N" ] && [ "$relayed" -ge 1 ] && [ "$taken" = "$relayed" ] &&
   [ "$(sum ptb_relay_failed)" = 0 ]; then
	tap_ok "each PTB taken by its owner or relayed to it ($owned + $relayed)"
else
	tap_fail "each PTB taken by its owner or relayed to it" "owned $owned, relayed $relayed, copies taken $taken"
fi

# --- the B4 daemon on B4 1, and its owner dies
phase "daemon"
own=${owners[1]:-1}
other=$((3 - own))
b4_start dev ds0 interval 300 multiplier 3 ||
	tap_fail "daemon starts" "$(cat "$B4_LOG")"
if b4_wait_peer $MD_ANYCAST up 60000; then
	tap_ok "B4 1: BFD session Up with $MD_ANYCAST"
else
	tap_fail "B4 1: BFD session Up with $MD_ANYCAST" "$(b4_show_log)"
fi
tap_expect "B4 1: the node id that answers is its NAT's member" "$own" \
	"$(b4_peer $MD_ANYCAST node-id)"
ip -n "$ME" link set me-a$own down
__moved() { [ "$(b4_peer $MD_ANYCAST node-id) $(b4_peer $MD_ANYCAST status)" = "$other up" ]; }
if busywait 60000 __moved; then
	tap_ok "AFTR$own gone: B4 1's session Up again, node id $other"
else
	tap_fail "AFTR$own gone: B4 1's session Up again, node id $other" "$(b4_show_log)"
fi
if b4_log_has "aftr $MD_ANYCAST: AFTR changed: node $own -> node $other"; then
	tap_ok "B4 1 log: AFTR changed, node $own -> node $other"
else
	tap_fail "B4 1 log: AFTR changed, node $own -> node $other" "$(b4_show_log)"
fi
download 1
if cmp -s "$tmp/blob" "$tmp/got.1"; then
	tap_ok "B4 1 downloads through AFTR$other, byte for byte"
else
	tap_fail "B4 1 downloads through AFTR$other, byte for byte" \
		"$(stat -c %s "$tmp/got.1") bytes"
fi
b4_stop

# --- the document's teardown on both members: the routes by prefix,
# then the nexthops; nothing of the B4s left
doc_block "$MD_DOC" teardown >"$tmp/teardown.sh"
for n in 1 2; do
	(cd "$tmp" && in_member $n bash -e teardown.sh) >"$tmp/teardown.$n" 2>&1
	rc=$?
	left="$(ip -n "$(md_member_ns $n)" -4 route show | grep -c '^10\.1\.') routes,"
	left="$left $(ip -n "$(md_member_ns $n)" nexthop show | grep -c .) nexthops"
	tap_expect "AFTR$n: anycast.md's teardown ($(grep -c . "$tmp/teardown.sh") lines) leaves no B4" \
		"0: 0 routes, 0 nexthops" "$rc: $left"
done
tap_done
