#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run fuzz targets (make fuzz): each for SECONDS on its seed corpus
# (selftests/fuzz/corpus/NAME/, read only) plus its working corpus
# ($FUZZ_DIR/corpus/NAME/, kept between runs, where new inputs go).
# A crash goes to $FUZZ_DIR/crashes/NAME/ with REPRODUCE, the command that
# replays it. One line per target in $FUZZ_DIR/stats.tsv (appended: date,
# target, seconds, executions, working corpus size, crashes); exit 1 if a
# target crashed.
#
#   FUZZ_DIR=build/fuzz selftests/fuzz/run.sh SECONDS NAME...

set -uo pipefail

seeds=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/corpus
dir=${FUZZ_DIR:?}
secs=${1:?usage: run.sh SECONDS NAME...}
shift
failed=0

for t in "$@"; do
	bin=$dir/$t work=$dir/corpus/$t crashes=$dir/crashes/$t
	mkdir -p "$work" "$crashes"
	log=$dir/$t.log
	echo "fuzz: $t for ${secs}s (log $log)"
	"$bin" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$work" "$seeds/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	n=$(find "$work" -type f | wc -l)
	found=$(find "$crashes" -type f ! -name REPRODUCE | wc -l)
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$secs" \
		"${execs:-0}" "$n" "$found" >>"$dir/stats.tsv"
	if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
		failed=1
		{
			echo "# replay each input found by $t (exit $rc, log $log):"
			find "$crashes" -type f ! -name REPRODUCE | while read -r f; do
				echo "$bin $f"
			done
		} >"$crashes/REPRODUCE"
		echo "fuzz: $t: FOUND something: $crashes/REPRODUCE" >&2
		grep -m 5 -E 'ERROR|runtime error|invariant failed' "$log" >&2
	else
		echo "fuzz: $t: ${execs:-0} executions, corpus $n inputs, nothing found"
	fi
done
exit $failed
