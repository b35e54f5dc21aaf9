#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-scale: N BFD sessions from one generator against (a) dslite's
# XDP responder and (b) FRR's bfdd, side by side, each responder on one
# CPU, the generator on the other; N ramps up per timer setting.
#
#   netns G (generator, CPU $GCPU)          netns R (responder, CPU $RCPU)
#   scale_gen: N sessions, bfd.h             (a) dslite_aftr, XDP native:
#    frames over AF_PACKET,       veth       answers every packet (XDP_TX)
#    answers from a TPACKET_V3  sgX <===> srX (b) bfdd, N configured peers,
#    ring (XDP_PASS on sgX:                       plain IPv4 single hop;
#    XDP_TX frames arrive)                        XDP_PASS on srX
#   sgX's NAPI: a thread on $GCPU (FIFO)    srX's NAPI: a thread on $RCPU
#
#   (a) session i = B4 2001:db8:b4::(i+1) -> AFTR 2001:db8:af::1, IPv6
#       next header 4, IPv4 192.0.0.2 -> 192.0.0.1, UDP 3784, TTL 255
#   (b) session i = 10.65.0.0 + i -> 10.64.0.(1 + i / 16000), UDP 3784,
#       TTL 255 (bfdd binds one source port per session and local
#       address: 16,000 peers per local address); bfdd's neighbours are
#       permanent entries (no ARP during the run)
#
# Both responders receive through the same veth path: a threaded NAPI
# with an XDP program (dslite's, or XDP_PASS in front of bfdd's stack),
# its kthread pinned to $RCPU, so "responder CPU" is everything the
# kernel charges to the responder's threads: the NAPI thread (veth's
# copy into an XDP buffer, XDP, and for bfdd the IPv4/UDP receive path),
# plus for bfdd every thread of the daemon (its sends included).
#
# Settings (environment, or make bench-scale VAR=...):
#   SCALE_SECONDS   measured window per point (60)
#   SCALE_N         the ramp ("100 1000 10000 100000 1000000")
#   SCALE_INTERVALS BFD intervals in ms, multiplier 3 ("300 1000")
#   SCALE_RESPONDERS "dslite bfdd"
#   SCALE_RESP_CPU, SCALE_GEN_CPU   the two CPUs (0 and 1)
#   SCALE_BFDD_CONFIG_TIMEOUT       seconds bfdd may take to create its
#                   sessions before its ramp stops (300)
#   SCALE_LAG_MS    the generator is behind when 1 % of its periodic
#                   packets leave more than this late (10)
#   SCALE_RT        1 (default): the responder's NAPI thread runs at
#                   SCHED_FIFO 50, as the softirq it stands for would
#                   preempt any task, and bfdd at SCHED_FIFO 30, so that
#                   other work on a shared machine competes with neither
#                   responder; 0: both at the default policy
#
# A ramp stops for a responder and timer setting at the first point
# where the generator fell behind (its figures are shown, marked), and
# bfdd's ramp where its configuration took too long.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
GEN=$root/build/tests/scale_gen
PEER=$root/build/tests/aftr_peer
CTL=$root/build/dslitectl
BFDD=/usr/lib/frr/bfdd

SECS=${SCALE_SECONDS:-60}
NLIST=${SCALE_N:-100 1000 10000 100000 1000000}
IVS=${SCALE_INTERVALS:-300 1000}
RESPS=${SCALE_RESPONDERS:-dslite bfdd}
RCPU=${SCALE_RESP_CPU:-0}
GCPU=${SCALE_GEN_CPU:-1}
CFG_TIMEOUT=${SCALE_BFDD_CONFIG_TIMEOUT:-300}
LAG_MS=${SCALE_LAG_MS:-10}
RT=${SCALE_RT:-1}
RPRIO=$([ "$RT" = 1 ] && echo 50)
SMAC=02:5c:a1:e0:00:01		# the generator's frames (see scale_gen.c)
PER_LOCAL=16000

die() { echo "bench-scale: $*" >&2; exit 1; }
say() { echo "# $*"; }

[ "$(id -u)" -eq 0 ] || die "needs root (XDP, network namespaces)"
for b in "$GEN" "$PEER" "$CTL"; do
	[ -x "$b" ] || die "$b is not built (make tests)"
done
for c in jq nsenter taskset chrt prlimit awk; do
	command -v $c >/dev/null || die "$c not installed"
done
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
	mount -t bpf bpf /sys/fs/bpf || die "no BPF file system on /sys/fs/bpf"
ncpu=$(nproc)
[ "$RCPU" != "$GCPU" ] && [ "$RCPU" -lt "$ncpu" ] && [ "$GCPU" -lt "$ncpu" ] ||
	die "SCALE_RESP_CPU ($RCPU) and SCALE_GEN_CPU ($GCPU) must be two CPUs of $ncpu"

tmp=$(mktemp -d /tmp/bench-scale.XXXXXX)
chmod 755 "$tmp"		# bfdd runs as frr
G= R= BPID=
cleanup() {
	[ -z "$BPID" ] && [ -s "$tmp/bfdd/run/bfdd.pid" ] &&
		BPID=$(cat "$tmp/bfdd/run/bfdd.pid")
	[ -n "$BPID" ] && kill "$BPID" 2>/dev/null
	rm -f "$tmp/bfdd/run/bfdd.pid"
	[ -n "$R" ] && nsenter --net="/run/netns/$R" "$CTL" aftr detach \
		dev "$RIF" >/dev/null 2>&1
	[ -n "$G" ] && ip netns del "$G" 2>/dev/null
	[ -n "$R" ] && ip netns del "$R" 2>/dev/null
	G= R= BPID=
}
trap 'cleanup; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# napi_tid IFNAME: the kthread of the device's (one) threaded NAPI
napi_tid() {
	local f
	for f in /proc/[0-9]*/comm; do
		if [[ $(cat "$f" 2>/dev/null) == "napi/$1-"* ]]; then
			f=${f#/proc/}
			echo "${f%/comm}"
			return 0
		fi
	done
	return 1
}

# threaded IFNAME NS CPU [FIFO-PRIO]: the device's NAPI in a kthread,
# pinned to CPU; prints its tid
threaded() {
	local dev=$1 ns=$2 cpu=$3 prio=${4:-} tid
	ip netns exec "$ns" sh -c "echo 1 > /sys/class/net/$dev/threaded" ||
		return 1
	for _ in $(seq 50); do
		tid=$(napi_tid "$dev") && break
		sleep 0.1
	done
	[ -n "$tid" ] || return 1
	taskset -p -c "$cpu" "$tid" >/dev/null || return 1
	[ -n "$prio" ] && { chrt -f -p "$prio" "$tid" ||
		say "warning: no real-time priority for $dev's NAPI thread"; }
	echo "$tid"
}

# topology: namespaces G and R, veth $GIF (G) - $RIF (R), G's side ready
topology() {
	local sfx
	sfx=$(tr -dc 'a-z0-9' </dev/urandom | head -c 4)
	G=sg-$sfx R=sr-$sfx GIF=sg$sfx RIF=sr$sfx
	ip netns add "$G" && ip netns add "$R" &&
	ip -n "$G" link add "$GIF" type veth peer name "$RIF" netns "$R" &&
	ip netns exec "$G" sysctl -qw "net.ipv6.conf.$GIF.disable_ipv6=1" &&
	ip -n "$G" link set "$GIF" up && ip -n "$R" link set "$RIF" up &&
	ip -n "$R" link set lo up &&
	nsenter --net="/run/netns/$G" "$PEER" xdp-pass "$GIF" &&
	GTID=$(threaded "$GIF" "$G" "$GCPU" 50) &&
	RMAC=$(ip -n "$R" -j link show "$RIF" | jq -r '.[0].address')
}

# gen ARGS...: the generator on its CPU at real-time priority (below its
# NAPI thread), output to $tmp/gen
gen() {
	nsenter --net="/run/netns/$G" taskset -c "$GCPU" chrt -f 40 \
		"$GEN" "$@" seconds "$SECS" warmup "$WARMUP" watch-gen "$GTID" \
		cpu "$RCPU" >"$tmp/gen" 2>"$tmp/gen.err"
}

# val KEY: a value from the generator's summary line
val() {
	awk -v k="$1" '$1 == "summary" { for (i = 2; i < NF; i += 2) if ($i == k) print $(i + 1) }' "$tmp/gen"
}

# run_dslite N INTERVAL: one point against the XDP responder
run_dslite() {
	local n=$1 iv=$2 size tid
	size=$((n + n / 10 + 64))
	[ $size -gt 16777215 ] && size=16777215
	topology || { say "dslite: no topology (veth, XDP, threaded NAPI)"; return 1; }
	ip -n "$R" addr add 2001:db8:af::1/64 dev "$RIF" nodad
	nsenter --net="/run/netns/$R" "$CTL" aftr attach dev "$RIF" mode native \
		allow 2001:db8:b4::/64 interval "$iv" multiplier 3 \
		sessions $size new-rate 0 || { say "dslite: attach failed"; return 1; }
	tid=$(threaded "$RIF" "$R" "$RCPU" $RPRIO) || { say "dslite: no NAPI thread"; return 1; }
	gen dslite dev "$GIF" dmac "$RMAC" smac $SMAC src 2001:db8:b4:: \
		dst 2001:db8:af::1 n "$n" interval "$iv" watch "$tid" ||
		{ say "dslite: generator failed: $(cat "$tmp/gen.err")"; return 1; }
	EXTRA="responder tx_bfd $(nsenter --net="/run/netns/$R" "$CTL" -j aftr stats \
		dev "$RIF" | jq -r '.[0].counters.tx_bfd')"
}

# addresses of the bfdd run: session i's source, bfdd's local address
bfdd_conf() {
	local n=$1 iv=$2 dir=$3
	awk -v n="$n" -v iv="$iv" -v per=$PER_LOCAL -v dir="$dir" -v smac=$SMAC \
	    -v dev="$RIF" 'BEGIN {
		print "log file " dir "/bfdd.log" > dir "/bfdd.conf"
		print "bfd" > dir "/bfdd.conf"
		for (i = 0; i < n; i++) {
			a = sprintf("10.%d.%d.%d", 65 + int(i / 65536),
				    int(i / 256) % 256, i % 256)
			printf " peer %s local-address 10.64.0.%d\n  receive-interval %d\n  transmit-interval %d\n  detect-multiplier 3\n exit\n",
				a, 1 + int(i / per), iv, iv > dir "/bfdd.conf"
			printf "neigh replace %s lladdr %s dev %s nud permanent\n",
				a, smac, dev > dir "/neigh"
		}
		print "exit" > dir "/bfdd.conf"
	}'
}

# bfdd_sockets PID: the sockets bfdd holds (one per session, a few more)
bfdd_sockets() { find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l; }

# run_bfdd N INTERVAL: one point against FRR's bfdd; return 2 when its
# configuration took too long
run_bfdd() {
	local n=$1 iv=$2 dir tid k t0 t1 nofile udp0 udp1
	topology || { say "bfdd: no topology"; return 1; }
	for ((k = 0; k <= (n - 1) / PER_LOCAL; k++)); do
		ip -n "$R" addr add 10.64.0.$((1 + k))/10 dev "$RIF"
	done
	nsenter --net="/run/netns/$R" "$PEER" xdp-pass "$RIF" >/dev/null
	tid=$(threaded "$RIF" "$R" "$RCPU" $RPRIO) || { say "bfdd: no NAPI thread"; return 1; }
	dir=$tmp/bfdd
	rm -rf "$dir"
	mkdir -p "$dir/run"
	bfdd_conf "$n" "$iv" "$dir"
	ip -n "$R" -batch "$dir/neigh" || { say "bfdd: neighbours failed"; return 1; }
	chown -R frr:frr "$dir"
	mkdir -p /etc/frr && touch /etc/frr/vtysh.conf
	nofile=$((n + 4096))
	[ $nofile -gt "$(cat /proc/sys/fs/nr_open)" ] && nofile=$(cat /proc/sys/fs/nr_open)
	udp0=$(ip netns exec "$R" awk '/^Udp:/ { getline; print $4, $6 }' /proc/net/snmp)
	t0=$(date +%s%N)
	ip netns exec "$R" taskset -c "$RCPU" $([ "$RT" = 1 ] && echo chrt -f 30) \
		prlimit --nofile=$nofile:$nofile \
		"$BFDD" -N "$R" --vty_socket "$dir/run" -z "$dir/run/zserv.api" \
		-P 0 -d -f "$dir/bfdd.conf" -i "$dir/run/bfdd.pid" \
		--bfdctl "$dir/run/bfdd.sock" >"$dir/start.log" 2>&1 ||
		{ say "bfdd: does not start: $(tail -3 "$dir/start.log")"; return 1; }
	for _ in $(seq 100); do
		[ -s "$dir/run/bfdd.pid" ] && break
		sleep 0.1
	done
	BPID=$(cat "$dir/run/bfdd.pid" 2>/dev/null)
	[ -n "$BPID" ] || { say "bfdd: no pid file"; return 1; }
	# configured: a socket per session
	while [ "$(bfdd_sockets "$BPID")" -lt "$n" ]; do
		t1=$(date +%s%N)
		if [ $(((t1 - t0) / 1000000000)) -ge "$CFG_TIMEOUT" ]; then
			CFG_MADE=$(bfdd_sockets "$BPID")
			say "bfdd: configuring $n peers took more than $CFG_TIMEOUT s ($CFG_MADE sessions made): not run"
			return 2
		fi
		[ -e "/proc/$BPID" ] ||
			{ say "bfdd: exited while configuring: $(tail -3 "$dir/bfdd.log")"; return 1; }
		sleep 0.5
	done
	t1=$(date +%s%N)
	CFG_S=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e9 }')
	gen ipv4 dev "$GIF" dmac "$RMAC" smac $SMAC src 10.65.0.0 dst 10.64.0.1 \
		dst-per $PER_LOCAL n "$n" interval "$iv" watch "$BPID" watch "$tid" ||
		{ say "bfdd: generator failed: $(cat "$tmp/gen.err")"; return 1; }
	udp1=$(ip netns exec "$R" awk '/^Udp:/ { getline; print $4, $6 }' /proc/net/snmp)
	EXTRA="bfdd start-up ${CFG_S} s, UDP receive errors $((${udp1% *} - ${udp0% *})) (buffer full $((${udp1#* } - ${udp0#* })))"
}

# fmt NUMBER: with thousands separators
fmt() { printf '%s' "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "bench-scale: $ncpu CPUs ($model), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
echo "bench-scale: $SECS s per point; responder on CPU $RCPU$([ "$RT" = 1 ] && echo " (NAPI thread SCHED_FIFO 50, bfdd SCHED_FIFO 30)"), generator on CPU $GCPU (NAPI thread SCHED_FIFO 50, generator SCHED_FIFO 40)"
echo "bench-scale: bfdd runs plain IPv4 single-hop sessions: it cannot serve sessions inside one DS-Lite softwire per B4 (every B4 is 192.0.0.2 -> 192.0.0.1 inside its own IPv6 tunnel; bfdd tells peers apart by their IPv4 address only), so its rows are the same BFD load over plain IPv4"
[ -x "$BFDD" ] || { echo "bench-scale: $BFDD not installed: bfdd rows skipped"; RESPS=${RESPS//bfdd/}; }

rows=()
notes=()
bfdd_max=
for iv in $IVS; do
	for resp in $RESPS; do
		for n in $NLIST; do
			if [ "$resp" = bfdd ] && [ -n "$bfdd_max" ] && [ "$n" -ge "$bfdd_max" ]; then
				break
			fi
			WARMUP=$((10 + n / 5000))
			[ $WARMUP -gt 120 ] && WARMUP=120
			EXTRA=
			say "$resp, $n sessions at $iv ms x 3 ..."
			"run_$resp" "$n" "$iv"
			rc=$?
			cleanup
			if [ $rc -eq 2 ]; then
				bfdd_max=$n
				notes+=("bfdd, $n sessions: configuring them took more than $CFG_TIMEOUT s (about $CFG_MADE sessions made by then): not run, nor beyond")
				break
			fi
			[ $rc -ne 0 ] && break
			lag=$(val lag-p99-us)
			behind=$(awk -v l="$lag" -v m="$LAG_MS" 'BEGIN { print (l > m * 1000) }')
			sched=$(awk -v n="$n" -v iv="$iv" 'BEGIN { printf "%.0f", n / (iv * 0.875 / 1000) }')
			if [ "$resp" = dslite ]; then
				lat="$(val answer-p50-us) / $(val answer-p99-us) us"
			else
				lat="$(val final-p50-us) / $(val final-p99-us) us (Poll->Final)"
			fi
			row="| $resp | $iv ms x 3 | $(fmt "$n") | $(fmt "$(val up)") | $(val window-false-down) | $(fmt "$(val send-pps)") of $(fmt "$sched") | $(fmt "$(val answer-pps)") | $(val resp-cpu-pct) % | $lat | $(awk -v l="$lag" 'BEGIN { printf "%.1f", l / 1000 }') ms$( [ "$behind" = 1 ] && echo ' (behind)') |"
			rows+=("$row")
			echo "$row"
			say "  generator: $(val gen-cpu-pct) % CPU, its NAPI thread $(val gen-thr-cpu-pct) %; CPU $RCPU busy $(val cpu-busy-pct) % (all tasks); sent $(val sent), answers $(val answers), false Downs in the whole run $(val false-down) (timeout $(val false-down-timeout), remote Down $(val false-down-remote)); peer gaps p99 $(val gap-p99-ms) ms, max $(val gap-max-ms) ms; answer latency of Finals $(val final-p50-us) / $(val final-p99-us) us; $EXTRA"
			if [ "$behind" = 1 ]; then
				notes+=("$resp at $iv ms: the generator fell behind its schedule at $n sessions (p99 lag $(awk -v l="$lag" 'BEGIN { printf "%.1f", l / 1000 }') ms): ramp stopped there")
				break
			fi
		done
	done
done

echo
echo "| responder | timers | sessions | Up at the end | false Downs in $SECS s | generator send pps (of scheduled) | answer pps | responder CPU (one core) | answer latency p50 / p99 | generator lag p99 |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
for x in "${notes[@]}"; do echo "- $x"; done
echo "- scheduled = N / (0.875 x interval): RFC 5880 jitter makes the mean interval 87.5 % of the nominal one."
echo "- answer latency: dslite answers every packet, so it is the time from the sendmmsg() call that sent a packet to its answer's arrival stamp in the generator's ring; bfdd sends on its own schedule, so its column is the time from the first packet of a Poll Sequence to bfdd's Final (about one Poll per session every tenth packet, at most 1,000 a second)."
echo "- responder CPU: CPU time the kernel charged to the responder's threads (the veth NAPI kthread, and every bfdd thread) over the window, in % of one core."
