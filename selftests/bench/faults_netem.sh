#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lossy, slow and reordered links (make bench-faults; runs in the test
# VM): the B4 daemon against dslite's XDP responder, one topology per
# row, every row at the same time for FAULTS_SECONDS, tc netem on the
# ME's interface toward the B4. Counts the daemon's false Down
# transitions (outages: carrier forced down) and puts them next to the
# number the loss alone explains (selftests/bench/faults_lib.sh).
#
#   [B4] dslitectl b4 run ---- b4-me | me-b4 [ME] me-a1 ---- [AFTR1] XDP responder
#                                      netem:
#                                      AFTR->B4 only (BFD answers,
#                                      echo replies); B4->AFTR clean
#
# Each B4 BFD packet is answered by the responder (XDP_TX), so the answers
# the daemon can lose are the packets it sent: expected Downs =
# sent * p^m * (1-p) (m = 3). With "health ping" (no BFD): unhealthy at
# N of the last M echoes lost (default 3/5), expected from the window.
#
# Settings (environment of selftests/bench/faults.sh, which hands them
# to the VM):
#   FAULTS_SECONDS   measured window of every row (600)
#   FAULTS_ROWS      rows, ";"-separated: "KIND INTERVAL_MS LOSS% [NETEM...]"
#                    KIND bfd (multiplier 3) or ping (ping-loss 3/5);
#                    extra netem words (delay, reorder) after the loss
#
# Output: TAP comments with one line per row, and "ok" per row when the
# measured count is not above the 95 % interval of the expected one
# (a row with jitter or reordering expects more than the loss alone
# explains only when jitter can stretch a gap past the detection time).

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"
. "$(dirname "$0")/faults_lib.sh"
faults_settings

SECS=${FAULTS_SECONDS:-600}
ROWS=${FAULTS_ROWS:-"bfd 300 1; bfd 300 5; bfd 300 10; bfd 300 20;
bfd 1000 1; bfd 1000 5; bfd 1000 10; bfd 1000 20;
bfd 300 0 delay 100ms 80ms reorder 25% 50%;
bfd 300 10 delay 100ms 80ms reorder 25% 50%;
ping 1000 1; ping 1000 5; ping 1000 10; ping 1000 20"}

require_root
require_cmd jq tc python3 nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
modprobe sch_netem || tap_skip_all "no sch_netem module"
[ -x "$AFTR_PEER" ] || tap_skip_all "$AFTR_PEER not built (make tests)"

res=$(mktemp -d /tmp/faults-netem.XXXXXX)

# row IDX KIND IV LOSS [NETEM...]: one topology, measured; writes
# "KIND IV LOSS sent downs ups transitions vm-load|netem" to $res/IDX
row() {
	local idx=$1 kind=$2 iv=$3 loss=$4 s0 d0 t0 s1 d1 t1 u0 u1
	shift 4
	b4_topo 1 || { echo "error topology" >"$res/$idx"; return; }
	xdp_attach 1 || { echo "error xdp" >"$res/$idx"; return; }
	faults_neigh || { echo "error neigh" >"$res/$idx"; return; }
	if [ "$kind" = bfd ]; then
		b4_start dev ds0 interval "$iv" multiplier 3
	else
		b4_start dev ds0 health ping ping-interval "$iv" ping-loss 3/5
	fi
	if ! b4_wait_active $AFTR1_ADDR 60000; then
		echo "error not-up" >"$res/$idx"
		return
	fi
	faults_netem loss random "$loss%" "$@" ||
		{ echo "error netem" >"$res/$idx"; return; }
	s0=$(faults_sent) d0=$(faults_downs) u0=$(faults_ups)
	t0=$(tjson "$B4" ds0 transitions)
	sleep "$SECS"
	s1=$(faults_sent) d1=$(faults_downs) u1=$(faults_ups)
	t1=$(tjson "$B4" ds0 transitions)
	echo "$kind $iv $loss $((s1 - s0)) $((d1 - d0)) $((u1 - u0)) $((t1 - t0)) $(faults_loadavg)|$*" \
		>"$res/$idx"
	b4_stop TERM
}

echo "# netem rows for ${SECS}s each, all at once; load ${FAULTS_HOSTLOAD:-?} on the host at start"
i=0 pids=()
IFS=';' read -ra rows <<<"$(tr '\n' ' ' <<<"$ROWS")"
for r in "${rows[@]}"; do
	# shellcheck disable=SC2086
	set -- $r
	[ $# -ge 3 ] || continue
	i=$((i + 1))
	# a subshell runs no EXIT trap of its parent: its own cleanup
	( __defer=(); trap '__run_defer' EXIT; row $i "$@" ) &
	pids+=($!)
done
n=$i
wait "${pids[@]}"

echo "# kind interval loss% netem | window s | sent | Downs | expected | Downs/h | expected/h | 95% interval of Downs | kernel transitions | VM load"
for ((i = 1; i <= n; i++)); do
	line=$(cat "$res/$i" 2>/dev/null)
	set -- ${line%%|*}
	extra=${line#*|}
	if [ "$1" = error ] || [ $# -lt 8 ]; then
		tap_fail "row $i" "${line:-no result}"
		continue
	fi
	kind=$1 iv=$2 loss=$3 sent=$4 downs=$5 ups=$6 trans=$7 vmload=$8
	p=$(awk -v l="$loss" 'BEGIN { print l / 100 }')
	if [ "$kind" = bfd ]; then
		exp=$(faults_expect bfd "$p" 3 "$sent")
	else
		exp=$(faults_expect ping "$p" 5 3 "$sent")
	fi
	ci=$(faults_ci "$downs")
	ph=$(awk -v d="$downs" -v s="$SECS" 'BEGIN { printf "%.1f", d * 3600 / s }')
	eh=$(awk -v d="$exp" -v s="$SECS" 'BEGIN { printf "%.1f", d * 3600 / s }')
	desc="$kind ${iv}ms x $([ "$kind" = bfd ] && echo 3 || echo 3/5) loss $loss%${extra:+ $extra}"
	echo "# $desc | $SECS | $sent | $downs | $exp | $ph | $eh | $ci | $trans | $vmload"
	# not worse than the arithmetic: the expected count is not below the
	# measured count's 95 % interval (rows with jitter are shown, their
	# extra delay is not in the arithmetic: only loss 0 is checked there)
	lo=${ci%-*}
	if [ -n "$extra" ] && [ "$loss" != 0 ]; then
		tap_ok "$desc: measured (jitter: not compared)"
	elif awk -v e="$exp" -v lo="$lo" 'BEGIN { exit !(e >= lo) }'; then
		tap_ok "$desc: $downs Downs, expected $exp"
	else
		tap_fail "$desc: $downs Downs, expected $exp" "more than the loss explains"
	fi
	# the log's outages and the kernel's view of the same carrier
	tap_expect "$desc: log Downs = log Ups (+1 if down at the end)" ok \
		"$([ "$ups" -eq "$downs" ] || [ "$ups" -eq $((downs - 1)) ] && echo ok || echo "$downs downs, $ups ups")"
done
rm -rf "$res"
tap_done
