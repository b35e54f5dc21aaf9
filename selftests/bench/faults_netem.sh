#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lossy, slow and reordered links (make bench-faults; runs in the test
# VM): the B4 daemon against dslite's XDP responder (and, for "health
# pcp", miniupnpd on the AFTR's end of the softwire), one topology per
# row, every row at the same time for FAULTS_SECONDS, tc netem on the
# ME's interfaces. Counts the daemon's false Down transitions (outages:
# carrier forced down) and puts them next to the number the loss alone
# explains (selftests/bench/faults_lib.sh).
#
#  [B4] dslitectl b4 run ---- b4-me | me-b4 [ME] me-a1 | a1-me ---- [AFTR1] XDP responder
#                                     netem            netem              miniupnpd (pcp rows)
#                                     "to-b4"          "to-aftr"
#                                     AFTR->B4         B4->AFTR
#                                     (answers)        (requests)
#
# A row's direction: "to-b4" (the default) loses the AFTR's answers,
# "to-aftr" the B4's packets, "both" each, drawn independently. A round
# trip (a request and its answer) is then lost with q = p, or 1-(1-p)^2
# for "both". Expected false Downs:
#   bfd   the responder answers each B4 packet: a Down needs 3 round
#         trips in a row lost: sent * q^3 * (1-q) (multiplier 3);
#   ping  unhealthy at 3 of the last 5 echoes lost: the per-echo
#         probability that the window reaches 3 (faults_expect);
#   pcp   pcp-interval INTERVAL, pcp-deadline 5000: an exchange sends its
#         request at 0 and again at 2.7..3.3 s (RFC 6887's 3 s initial
#         retransmission time +-10 %), the next one after 7.5 s, past
#         the deadline: down (no-answer) when both round trips are lost,
#         exchanges * q^2; miniupnpd with its own lifetimes (at least
#         120 s granted: no expiry within a loss run).
# With B4 -> AFTR loss the AFTR's side is exercised too: the responder's
# sweeper takes a session Down when 3 of the B4's packets in a row are
# lost (sessions_timeout in aftr stats), expected sent * p^3 * (1-p) for
# "to-aftr" (less in practice: the B4's jitter and the sweeper's
# period leave some runs of 3 within the detection time).
#
# Settings (environment of selftests/bench/faults.sh, which hands them
# to the VM):
#   FAULTS_SECONDS   measured window of every row (600)
#   FAULTS_ROWS      rows, ";"-separated:
#                    "KIND INTERVAL_MS LOSS% [to-b4|to-aftr|both] [NETEM...]"
#                    KIND bfd (multiplier 3), ping (ping-loss 3/5) or pcp
#                    (INTERVAL_MS is then pcp-interval); extra netem
#                    words (delay, reorder) after the loss
#
# Output: TAP comments with one line per row, and "ok" per row when the
# measured count is not above the 95 % interval of the expected one
# (a row with jitter or reordering expects more than the loss alone
# explains only when jitter can stretch a gap past the detection time).
# The "stalls" column is the daemon's own count of detection times found
# expired while its own packet was overdue (the process did not run: a
# starved VM, not the loss); "late" the log's lines saying so.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"
. "$(dirname "$0")/../miniupnpd_lib.sh"
. "$(dirname "$0")/faults_lib.sh"
faults_settings

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
SECS=${FAULTS_SECONDS:-600}
PCP_DEADLINE=5000
ROWS=${FAULTS_ROWS:-"bfd 300 1; bfd 300 5; bfd 300 10; bfd 300 20;
bfd 300 1 to-aftr; bfd 300 5 to-aftr; bfd 300 10 to-aftr; bfd 300 20 to-aftr;
bfd 300 10 both; bfd 300 20 both;
bfd 1000 1; bfd 1000 5; bfd 1000 10; bfd 1000 20;
bfd 300 0 to-b4 delay 100ms 80ms reorder 25% 50%;
bfd 300 10 to-b4 delay 100ms 80ms reorder 25% 50%;
ping 1000 1; ping 1000 5; ping 1000 10; ping 1000 20;
ping 1000 10 to-aftr; ping 1000 20 to-aftr; ping 1000 20 both;
pcp 3000 1; pcp 3000 5; pcp 3000 10; pcp 3000 20;
pcp 3000 10 to-aftr; pcp 3000 20 to-aftr; pcp 3000 20 both"}

require_root
require_cmd jq tc python3 nsenter
kmod_load || tap_skip_all "cannot load dslite.ko"
modprobe sch_netem || tap_skip_all "no sch_netem module"
[ -x "$AFTR_PEER" ] || tap_skip_all "$AFTR_PEER not built (make tests)"
if grep -q 'pcp' <<<"$ROWS"; then
	require_cmd miniupnpd nft
	miniupnpd_modules
fi

res=$(mktemp -d /tmp/faults-netem.XXXXXX)

# done KIND: what the AFTR answered so far: BFD packets the daemon sent,
# echoes ("ping"), PCP exchanges begun ("pcp": requests less
# retransmissions)
done_count() {
	local v i q
	case $1 in
	bfd) q='.peers[0]["packets-sent"]' ;;
	ping) q='.peers[0].ping.sent' ;;
	pcp) q='.peers[0].pcp | .requests - .retransmits' ;;
	esac
	# the status socket may not answer a loaded VM at once
	for i in 1 2 3 4 5; do
		v=$(b4_q "$q") && [ -n "$v" ] && [ "$v" != null ] && { echo "$v"; return 0; }
		sleep 1
	done
	echo 0
}
stalls() { local v; v=$(b4_q '.peers[0].stalls // 0') && echo "${v:-0}" || echo 0; }
late_lines() { grep -c 'overdue' "$B4_LOG"; }
aftr_timeouts() { local v; v=$(xdp_counter 1 sessions_timeout) && [ "$v" != null ] && echo "$v" || echo 0; }

# row IDX KIND IV LOSS [DIR] [NETEM...]: one topology, measured; writes
# "KIND IV LOSS DIR sent downs ups transitions stalls late aftr-timeouts
# vm-load|netem" to $res/IDX
row() {
	local idx=$1 kind=$2 iv=$3 loss=$4 dir=to-b4
	local s0 d0 t0 s1 d1 t1 u0 u1 st0 st1 l0 l1 a0 a1
	shift 4
	case ${1:-} in
	to-b4|to-aftr|both) dir=$1; shift ;;
	esac
	b4_topo 1 || { echo "error topology" >"$res/$idx"; return; }
	# small tables: one session per row, and the rows share the VM's
	# memory (the default million sessions preallocate 128 MB each)
	xdp_attach 1 sessions 1024 mtu-entries 0 ||
		{ echo "error xdp" >"$res/$idx"; return; }
	{ faults_neigh && faults_neigh_aftr; } ||
		{ echo "error neigh" >"$res/$idx"; return; }
	case $kind in
	bfd) b4_start dev ds0 interval "$iv" multiplier 3 ;;
	ping) b4_start dev ds0 health ping ping-interval "$iv" ping-loss 3/5 ;;
	pcp)
		MINIUPNPD_DIR=$(mktemp -d)
		defer "rm -rf $MINIUPNPD_DIR"
		{ pcp_prepare 1 defaults && pcp_start 1; } ||
			{ echo "error miniupnpd" >"$res/$idx"; return; }
		b4_start dev ds0 health pcp pcp-interval "$iv" \
			pcp-deadline $PCP_DEADLINE
		;;
	*) echo "error kind $kind" >"$res/$idx"; return ;;
	esac
	if ! b4_wait_active $AFTR1_ADDR 60000; then
		echo "error not-up" >"$res/$idx"
		return
	fi
	faults_netem_dir "$dir" loss random "$loss%" "$@" ||
		{ echo "error netem" >"$res/$idx"; return; }
	s0=$(done_count "$kind") d0=$(faults_downs) u0=$(faults_ups)
	t0=$(tjson "$B4" ds0 transitions) st0=$(stalls) l0=$(late_lines)
	a0=$(aftr_timeouts)
	sleep "$SECS"
	s1=$(done_count "$kind") d1=$(faults_downs) u1=$(faults_ups)
	t1=$(tjson "$B4" ds0 transitions) st1=$(stalls) l1=$(late_lines)
	a1=$(aftr_timeouts)
	echo "$kind $iv $loss $dir $((s1 - s0)) $((d1 - d0)) $((u1 - u0)) $((t1 - t0)) $((st1 - st0)) $((l1 - l0)) $((a1 - a0)) $(faults_loadavg)|$*" \
		>"$res/$idx"
	cp "$B4_LOG" "$res/$idx.log"
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

echo "# kind interval loss% direction netem | window s | done | Downs | expected | Downs/h | expected/h | 95% interval of Downs | kernel transitions | stalls | late | AFTR timeouts | expected | VM load"
for ((i = 1; i <= n; i++)); do
	line=$(cat "$res/$i" 2>/dev/null)
	# shellcheck disable=SC2086
	set -- ${line%%|*}
	extra=${line#*|}
	if [ "$1" = error ] || [ $# -lt 12 ]; then
		tap_fail "row $i" "${line:-no result}"
		continue
	fi
	kind=$1 iv=$2 loss=$3 dir=$4 sent=$5 downs=$6 ups=$7 trans=$8
	stl=$9 late=${10} atmo=${11} vmload=${12}
	p=$(awk -v l="$loss" 'BEGIN { print l / 100 }')
	q=$(faults_q "$dir" "$p")
	case $kind in
	bfd) exp=$(faults_expect bfd "$q" 3 "$sent"); what="${iv}ms x 3" ;;
	ping) exp=$(faults_expect ping "$q" 5 3 "$sent"); what="${iv}ms 3/5" ;;
	pcp) exp=$(faults_expect_pcp "$q" 2 "$sent"); what="${iv}ms deadline ${PCP_DEADLINE}ms" ;;
	esac
	aexp=-
	if [ "$kind" = bfd ] && [ "$dir" != to-b4 ]; then
		aexp=$(faults_expect bfd "$p" 3 "$sent")
	fi
	ci=$(faults_ci "$downs")
	ph=$(awk -v d="$downs" -v s="$SECS" 'BEGIN { printf "%.1f", d * 3600 / s }')
	eh=$(awk -v d="$exp" -v s="$SECS" 'BEGIN { printf "%.1f", d * 3600 / s }')
	desc="$kind $what loss $loss% $dir${extra:+ $extra}"
	echo "# $desc | $SECS | $sent | $downs | $exp | $ph | $eh | $ci | $trans | $stl | $late | $atmo | $aexp | $vmload"
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
		# the daemon's own account of them
		grep -E ': (Up -> Down|unhealthy by)|overdue|stall' "$res/$i.log" |
			tail -n 20 | sed 's/^/#   /'
	fi
	# the log's outages and the kernel's view of the same carrier
	tap_expect "$desc: log Downs = log Ups (+1 if down at the end)" ok \
		"$([ "$ups" -eq "$downs" ] || [ "$ups" -eq $((downs - 1)) ] && echo ok || echo "$downs downs, $ups ups")"
done
if [ -n "${FAULTS_KEEP:-}" ]; then
	echo "# logs kept in $res"
else
	rm -rf "$res"
fi
tap_done
