#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-faults: the B4 daemon on bad links and a starved CPU, in the
# test VM (one boot), figures for Documentation/reliability.md:
#
#   selftests/bench/faults.sh [netem] [stress]   (default: both)
#
#   netem   selftests/bench/faults_netem.sh: loss, jitter, reordering on
#           the AFTR -> B4 path; false Downs against the arithmetic
#   stress  selftests/bench/faults_stress.sh: stress-ng cpu and timer
#           stressors and a real-time hog on the daemon's CPU; the daemon
#           and FRR's bfdd side by side
#
# Every FAULTS_* variable of the environment is handed to the VM (see the
# two scripts for theirs). The host's load average is sampled every 10 s
# during the run and its mean printed at the end (the VM is an emulator
# sharing the host's CPUs: its timing depends on it). Logs in
# build/faults/.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build/faults
modes=${*:-netem stress}

[ "$(id -u)" -eq 0 ] || { echo "bench-faults: needs root" >&2; exit 1; }
mkdir -p "$out"
env | grep '^FAULTS_' | sed "s/^\([A-Z_]*\)=\(.*\)$/\1='\2'/" >"$out/settings"
echo "FAULTS_HOSTLOAD='$(cut -d' ' -f1-3 /proc/loadavg)'" >>"$out/settings"

tests=() secs=${FAULTS_SECONDS:-600} ssecs=${FAULTS_STRESS_SECONDS:-120}
for m in $modes; do
	case $m in
	netem) tests+=(selftests/bench/faults_netem.sh) ;;
	stress) tests+=(selftests/bench/faults_stress.sh) ;;
	*) echo "bench-faults: unknown mode '$m' (netem, stress)" >&2; exit 2 ;;
	esac
done

( while :; do cut -d' ' -f1 /proc/loadavg; sleep 10; done ) >"$out/hostload" &
sampler=$!
trap 'kill $sampler 2>/dev/null' EXIT
# the longest run: every stress row in turn, or the netem rows at once
to=$((secs + 16 * ssecs + 600))
"$root/selftests/vm/run.sh" -t "$to" -o "$out" "${tests[@]}" | tee "$out/run.log"
rc=${PIPESTATUS[0]}
kill $sampler 2>/dev/null
awk '{ s += $1; n++; if ($1 > m) m = $1 }
     END { if (n) printf "# host load average during the run: mean %.1f, max %.1f (%d samples)\n", s / n, m, n }' \
	"$out/hostload" | tee -a "$out/run.log"
exit $rc
