#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A starved CPU (make bench-faults; runs in the test VM): four B4/AFTR
# pairs side by side, B4 ends pinned to CPU 1, AFTR ends on CPU 0:
#
#   dslite 50    [B4] dslitectl b4 run 50 ms x 3  --[ME]-- [AFTR] XDP responder
#   dslite 300   [B4] dslitectl b4 run 300 ms x 3 --[ME]-- [AFTR] XDP responder
#   bfdd 50      [B4] bfdd 50 ms x 3              --[ME]-- [AFTR] bfdd
#   bfdd 300     [B4] bfdd 300 ms x 3             --[ME]-- [AFTR] bfdd
#                 (each over its own ip6tnl, 192.0.0.2 <-> 192.0.0.1)
#
# under, in turn, for FAULTS_STRESS_SECONDS each:
#   idle        nothing else
#   cpu+timer   stress-ng --cpu 2 --timer 2 (every CPU, normal policy)
#   rt-hog      the same plus a SCHED_FIFO 50 busy loop on CPU 1 (the B4
#               ends' CPU; the kernel's RT throttling leaves the others
#               50 ms of each second there)
#   rt-hog, B4 at FIFO 60   the same, the daemon restarted with
#               "rt-priority 60", bfdd's threads moved to SCHED_FIFO 60
#               (chrt: it has no option of its own)
#   rt-softirq  the same, and CPU 1's ksoftirqd at SCHED_FIFO 60 too (the
#               packets of every pair wait there when softirq work is
#               deferred to it, whatever the daemons' priority)
#
# and counts the Down transitions at each B4 end (the daemon's outages,
# bfdd's "up -> down"). Nothing is lost on the links: the arithmetic
# expects none, every Down is the CPU's.
#
# Settings (environment of selftests/bench/faults.sh):
#   FAULTS_STRESS_SECONDS  measured window per condition (120)
#   FAULTS_STRESS_CONDS    "idle cpu+timer rt-hog rt-fifo rt-softirq"
#   FAULTS_TIMER_FREQ      stress-ng --timer-freq (10000 Hz per worker)

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"
. "$(dirname "$0")/faults_lib.sh"
faults_settings

SECS=${FAULTS_STRESS_SECONDS:-120}
CONDS=${FAULTS_STRESS_CONDS:-idle cpu+timer rt-hog rt-fifo rt-softirq}
TFREQ=${FAULTS_TIMER_FREQ:-10000}
PAIRS="dslite:50 dslite:300 bfdd:50 bfdd:300"

require_root
require_cmd jq stress-ng chrt taskset nsenter
[ -x /usr/lib/frr/bfdd ] || tap_skip_all "FRR's bfdd not installed"
[ "$(nproc)" -ge 2 ] || tap_skip_all "needs 2 CPUs"
kmod_load || tap_skip_all "cannot load dslite.ko"

# bfdd_b4 IV: bfdd in $B4 with peer 192.0.0.1 (the AFTR's bfdd), its
# directory in BFDD_B4_DIR
bfdd_b4() {
	local iv=$1 dir
	dir=$(mktemp -d /tmp/frr-b4.XXXXXX)
	mkdir -p "$dir/run"
	cat >"$dir/bfdd.conf" <<-EOF
		log file $dir/bfdd.log
		debug bfd peer
		bfd
		 peer 192.0.0.1 local-address 192.0.0.2
		  receive-interval $iv
		  transmit-interval $iv
		  detect-multiplier 3
		 !
		!
	EOF
	chown -R frr:frr "$dir"
	ip netns exec "$B4" /usr/lib/frr/bfdd -N "$B4" --vty_socket "$dir/run" \
		-z "$dir/run/zserv.api" -P 0 -d -f "$dir/bfdd.conf" \
		-i "$dir/run/bfdd.pid" --bfdctl "$dir/run/bfdd.sock" \
		>/dev/null 2>&1 || return 1
	defer "kill \$(cat $dir/run/bfdd.pid)"
	busywait 20000 test -s "$dir/run/bfdd.pid" || return 1
	BFDD_B4_DIR=$dir
}

# per pair k: P_KIND P_IV P_B4 P_LOG (the daemon's or the B4 bfdd's log)
# P_PID (the B4 end's process) P_AFTRPID (bfdd of the AFTR)
declare -A P_KIND P_IV P_B4 P_LOG P_PID P_AFTRPID
k=0
for p in $PAIRS; do
	k=$((k + 1))
	kind=${p%:*} iv=${p#*:}
	b4_topo 1 || tap_skip_all "cannot build the topology"
	P_KIND[$k]=$kind P_IV[$k]=$iv P_B4[$k]=$B4
	if [ "$kind" = dslite ]; then
		xdp_attach 1 || tap_skip_all "cannot attach the XDP responder"
		b4_start dev ds0 interval "$iv" multiplier 3 ||
			tap_skip_all "the daemon does not start"
		P_LOG[$k]=$B4_LOG P_PID[$k]=$B4_PID
	else
		frr_start 1 "$iv" "$iv" 3 || tap_skip_all "bfdd does not start"
		bfdd_b4 "$iv" || tap_skip_all "bfdd does not start in the B4"
		P_LOG[$k]=$BFDD_B4_DIR/bfdd.log
		P_PID[$k]=$(cat "$BFDD_B4_DIR/run/bfdd.pid")
		P_AFTRPID[$k]=$(cat "$(frr_dir 1)/run/bfdd.pid")
		taskset -a -pc 0 "${P_AFTRPID[$k]}" >/dev/null
	fi
	taskset -a -pc 1 "${P_PID[$k]}" >/dev/null
done
n=$k

downs() {
	if [ "${P_KIND[$1]}" = dslite ]; then
		grep -c ': carrier down, diag' "${P_LOG[$1]}"
	else
		grep -c 'state-change:.*up -> down' "${P_LOG[$1]}"
	fi
}
is_up() {
	if [ "${P_KIND[$1]}" = dslite ]; then
		B4=${P_B4[$1]}
		[ "$(b4_q '.up')" = true ]
	else
		[ "$(grep -c 'state-change:.* -> up' "${P_LOG[$1]}")" -gt \
		  "$(downs $1)" ]
	fi
}
all_up() {
	local j
	for ((j = 1; j <= n; j++)); do is_up $j || return 1; done
}

# restart_fifo: the daemons again with rt-priority 60, bfdd at FIFO 60
restart_fifo() {
	local j
	for ((j = 1; j <= n; j++)); do
		if [ "${P_KIND[$j]}" = dslite ]; then
			B4=${P_B4[$j]} B4_PID=${P_PID[$j]}
			b4_stop TERM
			b4_start dev ds0 interval "${P_IV[$j]}" multiplier 3 \
				rt-priority 60 || return 1
			P_LOG[$j]=$B4_LOG P_PID[$j]=$B4_PID
			taskset -a -pc 1 "$B4_PID" >/dev/null
		else
			chrt -a -f -p 60 "${P_PID[$j]}" || return 1
			chrt -a -f -p 60 "${P_AFTRPID[$j]}" || return 1
		fi
	done
}

# softirq_fifo PRIO: CPU 1's ksoftirqd at SCHED_FIFO PRIO, 0: back to normal
softirq_fifo() {
	local f pid=
	for f in /proc/[0-9]*/comm; do
		[ "$(cat "$f" 2>/dev/null)" = ksoftirqd/1 ] || continue
		pid=${f#/proc/}
		pid=${pid%/comm}
	done
	[ -n "$pid" ] || return 1
	if [ "$1" = 0 ]; then
		chrt -o -p 0 "$pid"
	else
		chrt -f -p "$1" "$pid"
	fi
}
defer softirq_fifo 0

STRESS_PIDS=()
stress_start() {
	local c=$1
	[ "$c" = idle ] && return 0
	stress-ng --cpu 2 --timer 2 --timer-freq "$TFREQ" -t $((SECS + 30)) \
		>/dev/null 2>&1 &
	STRESS_PIDS+=($!)
	if [ "$c" != cpu+timer ]; then
		taskset -c 1 chrt -f 50 bash -c 'while :; do :; done' &
		STRESS_PIDS+=($!)
	fi
}
stress_stop() {
	local p
	for p in "${STRESS_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${STRESS_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	# softirq_fifo PRIO: CPU 1's ksoftirqd at SCHED_FIFO PRIO, 0: back to normal
softirq_fifo() {
	local f pid=
	for f in /proc/[0-9]*/comm; do
		[ "$(cat "$f" 2>/dev/null)" = ksoftirqd/1 ] || continue
		pid=${f#/proc/}
		pid=${pid%/comm}
	done
	[ -n "$pid" ] || return 1
	if [ "$1" = 0 ]; then
		chrt -o -p 0 "$pid"
	else
		chrt -f -p "$1" "$pid"
	fi
}
defer softirq_fifo 0

STRESS_PIDS=()
}
defer stress_stop

echo "# stress rows of ${SECS}s, the four pairs at once; host load ${FAULTS_HOSTLOAD:-?} at start"
echo "# condition | B4 end | timers | window s | Downs | Downs/h | 95% interval | VM load (end)"
for c in $CONDS; do
	if [ "$c" = rt-fifo ] && ! restart_fifo; then
		tap_fail "$c: B4 ends at FIFO 60" "restart failed"
		continue
	fi
	if [ "$c" = rt-softirq ]; then
		[ "${P_KIND[1]}" = dslite ] && grep -q 'rt-priority: SCHED_FIFO' "${P_LOG[1]}" ||
			restart_fifo || { tap_fail "$c: B4 ends at FIFO 60" "restart failed"; continue; }
		softirq_fifo 60 || { tap_fail "$c: ksoftirqd/1 at FIFO 60" "not found"; continue; }
	fi
	if ! slowwait 90 all_up; then
		tap_fail "$c: every pair Up before the stress" \
			"$(for ((j = 1; j <= n; j++)); do is_up $j || echo "${P_KIND[$j]} ${P_IV[$j]} not up"; done)"
		continue
	fi
	declare -A d0=()
	for ((j = 1; j <= n; j++)); do d0[$j]=$(downs $j); done
	stress_start "$c"
	sleep "$SECS"
	load=$(faults_loadavg)
	stress_stop
	for ((j = 1; j <= n; j++)); do
		d=$(($(downs $j) - d0[$j]))
		ph=$(awk -v d="$d" -v s="$SECS" 'BEGIN { printf "%.0f", d * 3600 / s }')
		echo "# $c | ${P_KIND[$j]} | ${P_IV[$j]} ms x 3 | $SECS | $d | $ph | $(faults_ci $d) | $load"
		tap_ok "$c: ${P_KIND[$j]} ${P_IV[$j]} ms x 3: $d Downs (measured)"
	done
done
tap_done
