#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU toward B4s at an AFTR's scale: the kernel against dslite's
# per-softwire MTU record, side by side in one run.
#
# An anycast group of two members on the collect_md data plane
# (Documentation/anycast.md, "Setting up a member"; selftests/
# anycast_md_lib.sh), MD_N (3) real B4s behind the router's links of MTU
# 1400, and a generator behind the same router playing the other routers
# of a busy access network: Packet Too Big messages (MTU 1400) to the
# anycast address, each quoting a softwire packet toward another of
# PMTU_N distinct B4 addresses (2001:db8:b5::/64; ptb_send -B). The
# router's ECMP hashes each PTB to a member; those B4s send nothing else,
# so the member that receives one relays it to the other (relay-rate
# raised to PMTU_RELAY_RATE for this: the default 100/s is what
# Documentation/anycast.md judges), and each PTB reaches one kernel.
#
#  [B4 1..3] ds0 ==softwire==> [ME] --ECMP--> [AFTR1] ds external, NAT --+
#   10.1.i.1   (MTU 1400 to    | \--ECMP--> [AFTR2] ds external, NAT --+-- [INET]
#               each B4)       |   PTB relay between the members          203.0.113.1
#  [GEN] ptb_send -B PMTU_N ---+   anycast 2001:db8:ac::1 on both         TCP 5000: blob
#   PTBs about 2001:db8:b5::1.. (MTU 1400, to the anycast address)
#
# Each phase (members attached again, their path MTUs flushed):
#   1. PMTU_N PTBs, one about each generated B4 (PMTU_BURST_RATE per
#      second: faster, the router's queues drop some): path MTUs the kernels
#      retain (ip -6 route show cache, both members), records dslite
#      holds (dslitectl aftr mtu);
#   2. PMTU_ROUNDS rounds: every real B4 downloads the blob, one
#      download at a time; between two rounds the generator sends one
#      PTB about each of PMTU_N other B4s (the access network's PTBs in
#      the meantime: at an AFTR's scale, about other B4s). Before each download the Internet host forgets the
#      path MTU it learnt toward the members' NAT addresses (as a server
#      that never talked to them would): the download's 1500-byte
#      packets then meet the 1400-byte link, and the router sends a PTB
#      for each (a burst: a window's worth), unless the member stops
#      them first. Counted: the router's PTBs (Icmp6OutPktTooBigs) on the
#      first downloads and on the later ones, the downloads that cost
#      any, their time, their bytes.
# Phases (PMTU_PHASES, default "dslite"; make bench runs both):
# "kernel" (the responder without the MTU record, mtu-entries 0
# or a build without it: the kernel's path MTU cache alone) and "dslite" (aftr attach ... mtu-expire 600:
# the record learns from the PTBs and clamps the MSS of the B4s' SYNs).
# A build without the record prints the dslite column as "not in this
# build".
#
# Asserted: every download complete, byte for byte; at least half of
# the generated PTBs reach a kernel (a machine starved of CPU drops some
# in the router's queues: the figures say how many); the kernel keeps
# fewer path MTUs than the PTBs it took; with the record, every
# generated B4 whose PTB arrived has one, and PTBs come only on each
# real B4's first download (one burst per B4: the record lasts 600 s,
# longer than the test). Times are printed, never asserted. make bench
# runs both phases side by side with PMTU_N=50000
# (selftests/bench/pmtu_bench.sh); make check the dslite phase alone with
# PMTU_N=10000 (more than the kernel keeps: its retained count is
# printed beside the records): about 3-4 minutes in the VM beside
# another VM on two cores, of which 1-1.5 for the topology.
# vm-timeout: 480
MD_N=${MD_N:-3}
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../b4_lib.sh"
. "$(dirname "$0")/../anycast_md_lib.sh"

PMTU_N=${PMTU_N:-10000}
PMTU_ROUNDS=${PMTU_ROUNDS:-2}
PMTU_PHASES=${PMTU_PHASES:-dslite}
PMTU_BURST_RATE=${PMTU_BURST_RATE:-1500}
PMTU_RELAY_RATE=${PMTU_RELAY_RATE:-100000}
PMTU_BLOB_KB=${PMTU_BLOB_KB:-256}
FAKE_PREFIX=2001:db8:b5:

require_root
require_cmd jq nsenter busybox python3 awk
require_bpffs
for p in $PMTU_PHASES; do
	case $p in kernel|dslite) ;; *) tap_fail "PMTU_PHASES" "\"$p\" is not a phase (kernel, dslite)"; tap_done ;; esac
done
PTB=$DSLITE_ROOT/build/tests/ptb_send
[ -x "$AFTR_PEER" ] && [ -x "$PTB" ] || { tap_fail "test programs built" "run make tests first"; tap_done; }

tmp=$(mktemp -d)
defer "rm -rf $tmp"
phase() { diag "${SECONDS}s: $*"; }

phase "topology"
if md_topo "$tmp" && md_generator; then
	tap_ok "two members built from the document, $MD_N B4s behind MTU 1400, a PTB generator"
else
	tap_fail "two members built from the document, $MD_N B4s behind MTU 1400, a PTB generator"
	tap_done
fi

# The Internet host: TCP 5000 sends the blob to whoever connects.
head -c $((PMTU_BLOB_KB * 1024)) /dev/urandom >"$tmp/blob"
cat >"$tmp/inet.py" <<-'EOF'
	import socket, sys, threading
	blob = open(sys.argv[1], "rb").read()
	s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("0.0.0.0", 5000)); s.listen(64)
	open(sys.argv[2], "w").write("ready\n")
	while True:
	    c, _ = s.accept()
	    threading.Thread(target=lambda c=c: (c.sendall(blob), c.close())).start()
EOF
ip netns exec "$INET" python3 "$tmp/inet.py" "$tmp/blob" "$tmp/inet.ready" &
inet_pid=$!
defer "kill $inet_pid"
slowwait 30 test -s "$tmp/inet.ready" || tap_fail "Internet host listening"

# inet_forget: the Internet host forgets the path MTUs it learnt toward
# the members (they hang on its connected routes: an address taken away
# and put back takes them along)
inet_forget() {
	local n
	for n in 1 2; do
		ip -n "$INET" addr del 198.51.10$n.100/24 dev in-a$n
		ip -n "$INET" addr add 198.51.10$n.100/24 dev in-a$n
	done
	return 0
}

# stats: both members' counters, summed, as one JSON object in
# $tmp/stats (one dslitectl run per member: each costs under TCG)
stats() {
	local n
	for n in 1 2; do
		in_member $n "$DSLITECTL" -j aftr stats dev eth1 | jq -c '.[0].counters'
	done | jq -s -c 'reduce .[] as $c ({}; reduce ($c | to_entries[]) as $e (.;
		.[$e.key] += ($e.value | numbers)))' >"$tmp/stats"
}
# counter NAME: NAME in the last stats
counter() { jq ".$1 // 0" "$tmp/stats"; }
# taken: PTBs the members' kernels were given (owned, unowned, relayed
# copies), in the last stats
taken() {
	"$JQ" '(.pass_ptb_owned // 0) + (.pass_ptb_unowned // 0) + (.pass_ptb_peer // 0)' "$tmp/stats"
}

# records: distinct generated B4s with a record in either member's table
# (dslitectl aftr mtu), "" when the build has none
records() {
	local n
	for n in 1 2; do
		in_member $n "$DSLITECTL" -j aftr mtu dev eth1 2>/dev/null || return 1
	done | grep -o "\"${FAKE_PREFIX}[0-9a-f:]*\"" | sort -u | wc -l
}

# retained: path MTUs toward the generated B4s in both members' kernels
retained() { echo $(( $(md_cache_count 1 "$FAKE_PREFIX") + $(md_cache_count 2 "$FAKE_PREFIX") )); }

# real_known: real B4s whose member's kernel knows a path MTU toward them
real_known() {
	local i k=0
	md_pmtus 1 >"$tmp/pm.1"
	md_pmtus 2 >"$tmp/pm.2"
	for ((i = 1; i <= MD_N; i++)); do
		[ -n "$(md_pmtu_of "$tmp/pm.1" $i)$(md_pmtu_of "$tmp/pm.2" $i)" ] && k=$((k + 1))
	done
	echo $k
}

# generate K: one PTB about each of PMTU_N generated B4s, the Kth lot
# (2001:db8:b5:K::1 and on), paced; "sent N in MS ms"
generate() {
	ip netns exec "$GEN" "$PTB" -d $MD_ANYCAST -q $MD_ANYCAST -b "2001:db8:b5:$1::1" \
		-B "$PMTU_N" -n "$PMTU_N" -r "$PMTU_BURST_RATE" -s $MD_GEN_ADDR
}

# settle BEFORE: wait until PMTU_N more PTBs than BEFORE were taken, or
# none more came in 4 s (polled slowly); prints how many came
settle() {
	local i seen=-1 t
	for ((i = 0; i < 60; i++)); do
		stats
		t=$(( $(taken) - $1 ))
		[ "$t" -ge "$PMTU_N" ] || [ "$t" = "$seen" ] && break
		seen=$t
		sleep 4
	done
	echo "$t"
}

has_record=1
# run_phase NAME ATTACH_ARGS...: one phase; its figures in R_NAME_*
run_phase() {
	local name=$1 n i r t0 ms p p0 ok=0 seen rl got0 first=0 later=0 bursts=0
	shift
	phase "$name: attach"
	for n in 1 2; do
		if ! md_attach $n relay-rate "$PMTU_RELAY_RATE" "$@" >"$tmp/attach.$n" 2>&1; then
			# a build without the record refuses its keywords: the
			# kernel phase then runs without them (nothing to turn
			# off), the dslite phase is "not in this build"
			if grep -q 'unexpected argument "mtu-' "$tmp/attach.$n"; then
				diag "$name: aftr attach refuses the MTU record: $(head -n 1 "$tmp/attach.$n")"
				has_record=0
				if [ "$name" = dslite ]; then
					md_attach $n relay-rate "$PMTU_RELAY_RATE" >/dev/null 2>&1
					continue
				fi
				if ! md_attach $n relay-rate "$PMTU_RELAY_RATE" >"$tmp/attach.$n" 2>&1; then
					tap_fail "$name: member $n attached" "$(cat "$tmp/attach.$n")"
					return 1
				fi
			else
				tap_fail "$name: member $n attached" "$(cat "$tmp/attach.$n")"
				return 1
			fi
		fi
		ip -n "$(md_member_ns $n)" -6 route flush cache >/dev/null 2>&1
	done
	[ "$name" = dslite ] && [ "$has_record" = 0 ] && return 0
	md_refresh

	# 1. one PTB about each generated B4
	phase "$name: $PMTU_N PTBs"
	stats
	got0=$(taken)
	rl=$(counter drop_ptb_rate_limited)
	diag "$name: generator: $(generate 0)"
	seen=$(settle "$got0")
	[ "$seen" -ge "$PMTU_N" ] || diag "$name: $((PMTU_N - seen)) PTBs reached no kernel (lost on the way)"
	rl=$(( $(counter drop_ptb_rate_limited) - rl ))
	eval "R_${name}_taken=$seen R_${name}_ratelimited=$rl"
	eval "R_${name}_retained=$(retained)"
	if [ "$name" = dslite ]; then
		eval "R_${name}_records=$(records)"
	else
		eval "R_${name}_records=-"
	fi
	eval "diag \"$name: the kernels took $seen PTBs ($rl rate-limited), retain \$R_${name}_retained path MTUs; dslite records: \$R_${name}_records\""

	# 2. the downloads; between two rounds, the access network's PTBs
	# about as many other B4s
	ms=0
	for ((r = 1; r <= PMTU_ROUNDS; r++)); do
		if [ "$r" -gt 1 ]; then
			phase "$name: $PMTU_N PTBs about other B4s"
			stats
			got0=$(taken)
			generate $((r - 1)) >/dev/null
			settle "$got0" >/dev/null
		fi
		phase "$name: downloads, round $r"
		md_refresh
		for ((i = 1; i <= MD_N; i++)); do
			inet_forget
			p0=$(md_snmp6 "$ME" Icmp6OutPktTooBigs)
			t0=$(now_ms)
			ip netns exec "$(md_b4_ns $i)" timeout 120 busybox nc $MD_INET 5000 >"$tmp/got"
			ms=$((ms + $(now_ms) - t0))
			p=$(( $(md_snmp6 "$ME" Icmp6OutPktTooBigs) - p0 ))
			if [ "$r" = 1 ]; then first=$((first + p)); else later=$((later + p)); fi
			[ "$p" -gt 0 ] && bursts=$((bursts + 1))
			if cmp -s "$tmp/blob" "$tmp/got"; then
				ok=$((ok + 1))
			else
				diag "$name: B4 $i round $r: $(stat -c %s "$tmp/got") bytes"
			fi
		done
	done
	eval "R_${name}_ok=$ok R_${name}_first=$first R_${name}_later=$later R_${name}_bursts=$bursts R_${name}_ms=$ms"
	eval "R_${name}_known=$(real_known)"
	diag "$name: $ok downloads complete in $ms ms; PTBs from the router: $first in round 1, $later after; $bursts downloads cost PTBs"
	if [ "$name" = dslite ]; then
		stats
		diag "dslite: counters: mtu_learnt $(counter mtu_learnt), mtu_lowered $(counter mtu_lowered), mss_clamped $(counter mss_clamped)"
	fi
	return 0
}

downloads=$((MD_N * PMTU_ROUNDS))
if [[ " $PMTU_PHASES " == *" kernel "* ]]; then
	run_phase kernel mtu-entries 0
	tap_expect "kernel: every download complete, byte for byte" "$downloads" "${R_kernel_ok:-0}"
	if [ "${R_kernel_taken:-0}" -ge $((PMTU_N / 2)) ] && [ "${R_kernel_retained:-0}" -lt "$R_kernel_taken" ]; then
		tap_ok "kernel: $R_kernel_taken PTBs about distinct B4s taken, $R_kernel_retained path MTUs retained"
	else
		tap_fail "kernel: fewer path MTUs retained than distinct B4s' PTBs taken" \
			"taken ${R_kernel_taken:-?} of $PMTU_N, retained ${R_kernel_retained:-?}"
	fi
fi

run_phase dslite mtu-expire 600
if [ "$has_record" = 1 ]; then
	tap_expect "dslite: every download complete, byte for byte" "$downloads" "${R_dslite_ok:-0}"
	# every generated B4 whose PTB reached a kernel has a record (the
	# member that received it learnt before relaying it: a copy lost on
	# the way still left a record); on a starved machine the router's
	# queues drop some PTBs, at least half must arrive
	want=$(( R_dslite_taken < PMTU_N ? R_dslite_taken : PMTU_N ))
	if [ "$want" -ge $((PMTU_N / 2)) ] && [ "${R_dslite_records:-0}" -ge "$want" ]; then
		tap_ok "dslite: a record for each generated B4 whose PTB arrived ($R_dslite_records of $PMTU_N)"
	else
		tap_fail "dslite: a record for each generated B4 whose PTB arrived" \
			"${R_dslite_records:-none} records, $want PTBs taken, $PMTU_N sent"
	fi
	# a B4's first download teaches its record (the segments already in
	# flight each meet the 1400-byte link: one burst); later downloads
	# within the expiry are clamped and cost none
	if [ "${R_dslite_bursts:-99999}" -le "$MD_N" ] && [ "${R_dslite_later:-1}" = 0 ]; then
		tap_ok "dslite: PTBs at most on each B4's first download ($R_dslite_bursts of $downloads downloads, $R_dslite_first PTBs; none after)"
	else
		tap_fail "dslite: PTBs at most on each B4's first download" \
			"$R_dslite_bursts of $downloads downloads cost PTBs; $R_dslite_first PTBs in round 1, $R_dslite_later after"
	fi
fi

# the table, side by side
per() { awk -v a="$1" -v b="$2" 'BEGIN { if (b) printf "%.2f", a / b; else printf "-" }'; }
sec() { awk -v a="$1" 'BEGIN { printf "%.1f s", a / 1000 }'; }
col() {
	local name=$1
	if [[ " $PMTU_PHASES " != *" $name "* ]]; then
		printf '%-26s' "(make bench)"
		return
	fi
	if [ "$name" = dslite ] && [ "$has_record" = 0 ]; then
		printf '%-26s' "not in this build"
		return
	fi
	eval "local taken=\$R_${name}_taken ret=\$R_${name}_retained rec=\$R_${name}_records"
	eval "local first=\$R_${name}_first later=\$R_${name}_later bursts=\$R_${name}_bursts"
	eval "local ms=\$R_${name}_ms ok=\$R_${name}_ok known=\$R_${name}_known"
	case $3 in
	taken) printf '%-26s' "$taken" ;;
	retained) printf '%-26s' "$ret" ;;
	records) printf '%-26s' "$rec" ;;
	first) printf '%-26s' "$first ($(per "$first" $MD_N) per download)" ;;
	later) printf '%-26s' "$later ($(per "$later" $((downloads - MD_N))) per download)" ;;
	bursts) printf '%-26s' "$bursts of $downloads" ;;
	known) printf '%-26s' "$known of $MD_N" ;;
	time) printf '%-26s' "$(sec "$ms")" ;;
	ok) printf '%-26s' "$ok of $downloads" ;;
	esac
}
row() { printf '# %-40s %s %s\n' "$1" "$(col kernel x "$2")" "$(col dslite x "$2")"; }
printf '# %-40s %-26s %-26s\n' "path MTU, $PMTU_N generated B4s" "kernel only" "dslite (MTU record)"
row "PTBs about them taken by the kernels" taken
row "path MTUs retained by the kernels" retained
row "records held by dslite" records
row "router's PTBs, first downloads" first
row "router's PTBs, later downloads" later
row "downloads that cost PTBs" bursts
row "real B4s the kernels still know" known
row "download time ($PMTU_BLOB_KB KiB each)" time
row "downloads complete, byte for byte" ok
tap_done
