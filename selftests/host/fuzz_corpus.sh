#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The fuzz targets as a regression test: every input of every seed corpus
# (selftests/fuzz/corpus/NAME/, the seeds and every input a fuzzer once
# found a bug with) replayed once through its target, built with
# AddressSanitizer and UndefinedBehaviorSanitizer (selftests/fuzz/fuzz.mk,
# built by make tests). A crash, a sanitizer report or a broken invariant
# fails; so does an input the target did not run. make fuzz is the long
# run.
#
#   selftests/fuzz/corpus/NAME/*  -->  build/fuzz/NAME (libFuzzer, ASan+UBSan)
#                                        |  each file run once
#                                        v
#                                  exit 0, "Executed" for every file,
#                                  no ERROR / runtime error / invariant

. "$(dirname "$0")/../lib.sh"

corpus=$DSLITE_ROOT/selftests/fuzz/corpus
bins=${DSLITE_FUZZ_DIR:-$DSLITE_ROOT/build/fuzz}
tmp=$(mktemp -d)
defer rm -rf "$tmp"

for dir in "$corpus"/*/; do
	t=$(basename "$dir")
	bin=$bins/$t
	if [ ! -x "$bin" ]; then
		tap_fail "$t: corpus replayed" "$bin is not built (make tests)"
		continue
	fi
	mapfile -t files < <(find "$dir" -type f | sort)
	if [ ${#files[@]} -eq 0 ]; then
		tap_fail "$t: corpus replayed" "no input in $dir"
		continue
	fi
	log=$tmp/$t.log
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
		"$bin" -runs=1 "${files[@]}" >"$log" 2>&1
	rc=$?
	ran=$(grep -c '^Executed ' "$log")
	if [ "$rc" -eq 0 ] && [ "$ran" -eq ${#files[@]} ] &&
	   ! grep -qE 'ERROR: |runtime error|invariant failed|SUMMARY' "$log"; then
		tap_ok "$t: ${#files[@]} inputs replayed, no report"
	else
		tap_fail "$t: corpus replayed" "exit $rc, $ran of ${#files[@]} inputs run"
		grep -m 20 -E 'ERROR|runtime error|invariant|SUMMARY|Running: |#[0-9]+ 0x' "$log" |
			sed 's/^/#   /'
	fi
done

tap_done
