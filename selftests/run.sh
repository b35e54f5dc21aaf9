#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the dslite tests: every host test (selftests/host/*.sh, on this
# machine, as root), then every real-kernel test (selftests/kernel/*.sh and
# selftests/bgp/*.sh, all in one boot of the test VM, see selftests/vm/run.sh).
#
#   selftests/run.sh [--host | --kernel] [-t SECONDS] [PATTERN...]
#
#   --host, --kernel  run only that level
#   -t SECONDS        per-test timeout (default: selftests/settings)
#   PATTERN           run only tests whose name (e.g. kernel/vm_sanity.sh)
#                     contains PATTERN; shell globs work
#
# Each test's output (TAP) is streamed and saved in build/test-logs/. Its
# subtests are counted: "ok" passed, "not ok" failed, "ok ... # SKIP why"
# skipped. A test that exits non-zero without a "not ok", or prints no TAP,
# is one failure; one that exits 4 after "1..0 # SKIP why" is one skip. The
# last line is "N passed, N failed" (", N skipped" when some were), and the
# exit status is 1 when anything failed.
#
# With both levels and DSLITE_VM_JOBS above 1 (default 2), the levels run
# side by side: the host tests one after the other, and the kernel tests
# from one queue in DSLITE_VM_JOBS VMs at once (each takes the next test
# when it is done with one; the queue holds the longest first, by the
# wall times in selftests/vm/weights). Each test's output is then printed
# whole when it ends; DSLITE_VM_JOBS=1 runs one VM after the host tests,
# streaming. Each test's wall time is kept in the log directory's "times".
#
# Environment: DSLITE_TEST_LOGS (log directory), DSLITE_HOST_TESTS and
# DSLITE_KERNEL_TESTS (directories to take the tests from; the kernel
# tests' default is selftests/bgp/ and selftests/kernel/), DSLITE_VM_JOBS.

set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
logs=${DSLITE_TEST_LOGS:-$root/build/test-logs}
host_dir=${DSLITE_HOST_TESTS:-$root/selftests/host}
# the kernel tests: selftests/bgp/ (the anycast group behind BGP) and
# selftests/kernel/, but not a test whose header has the line
# "# make check: no" (make check-bgp runs it); or every test of the
# directory DSLITE_KERNEL_TESTS names
if [ -n "${DSLITE_KERNEL_TESTS:-}" ]; then
	kernel_dirs=("$DSLITE_KERNEL_TESTS") kernel_all=all
else
	kernel_dirs=("$root/selftests/bgp" "$root/selftests/kernel") kernel_all=
fi
export DSLITE_ROOT=$root

usage() {
	sed -n '4,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

levels="host kernel" timeout='' patterns=()
vm_jobs=${DSLITE_VM_JOBS:-2}
[[ $vm_jobs =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: bad DSLITE_VM_JOBS '$vm_jobs'" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--host) levels=host ;;
	--kernel) levels=kernel ;;
	-t) [ $# -ge 2 ] || usage; timeout=$2; shift ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) patterns+=("$1") ;;
	esac
	shift
done
if [ -z "$timeout" ]; then
	timeout=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$root/selftests/settings" 2>/dev/null)
	timeout=${timeout:-120}
fi
[[ $timeout =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: bad timeout '$timeout'" >&2; exit 2; }

# Name of a test: its path below selftests/ (host/foo.sh, kernel/bar.sh).
name_of() {
	local p
	p=$(realpath "$1")
	case $p in
	"$root/selftests/"*) echo "${p#"$root/selftests/"}" ;;
	*) echo "$p" ;;
	esac
}

# selected NAME: true if no pattern was given or one matches NAME
selected() {
	local p
	[ ${#patterns[@]} -eq 0 ] && return 0
	for p in "${patterns[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == *$p* ]] && return 0
	done
	return 1
}

# list DIR [all]: the selected tests in DIR, sorted by name; without
# "all", not those marked "# make check: no"
list() {
	local f
	[ -d "$1" ] || return 0
	for f in "$1"/*.sh; do
		[ -f "$f" ] && selected "$(name_of "$f")" || continue
		[ "${2:-}" = all ] || ! grep -qx '# make check: no' "$f" || continue
		echo "$f"
	done
}

total_pass=0 total_fail=0 total_skip=0
skips=() failures=() times=()

header() { printf '\n# ---- %s\n' "$1"; }

# account NAME RC MS LOG: count the subtests of one finished test
account() {
	local name=$1 rc=$2 ms=$3 log=$4
	local pass=0 fail=0 skip=0 plan='' skipall='' line why='' verdict secs
	local re_skip='^ok[[:space:]]+([0-9]+[[:space:]]+)?(-[[:space:]]+)?([^#]*)#[[:space:]]*[Ss][Kk][Ii][Pp]([[:space:]]+(.*))?$'
	local re_skipall='^1\.\.0[[:space:]]*#[[:space:]]*[Ss][Kk][Ii][Pp]([[:space:]]+(.*))?$'
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [[ $line =~ $re_skip ]]; then
			skip=$((skip + 1))
			skips+=("$name: ${BASH_REMATCH[3]%"${BASH_REMATCH[3]##*[! ]}"}: ${BASH_REMATCH[5]:-no reason given}")
		elif [[ $line =~ ^ok([[:space:]]|$) ]]; then
			pass=$((pass + 1))
		elif [[ $line =~ ^not\ ok([[:space:]]|$) ]]; then
			fail=$((fail + 1))
		elif [[ $line =~ $re_skipall ]]; then
			skipall=${BASH_REMATCH[2]:-no reason given}
		elif [[ $line =~ ^1\.\.([0-9]+) ]]; then
			plan=${BASH_REMATCH[1]}
		fi
	done <"$log"

	# The rules for tests that did not say what happened.
	if [ $((pass + fail + skip)) -eq 0 ]; then
		if [ -n "$skipall" ] || [ "$rc" = 4 ]; then
			skip=1
			skips+=("$name: ${skipall:-exit 4, no reason given}")
		else
			fail=1 why="no TAP output, exit $rc"
		fi
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ $fail -eq 0 ]; then
		fail=1 why="exit $rc without a failing check"
	elif [ -n "$plan" ] && [ $fail -eq 0 ] && [ "$plan" != $((pass + skip)) ]; then
		fail=1 why="planned $plan checks, ran $((pass + skip))"
	fi
	[ -n "$why" ] && echo "not ok - $why" | tee -a "$log"

	if [ $fail -gt 0 ]; then
		verdict=FAIL
		failures+=("$name: ${why:-$fail failed}")
	elif [ $pass -eq 0 ] && [ $skip -gt 0 ]; then
		verdict=SKIP
	else
		verdict=PASS
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
	secs=$(awk "BEGIN { printf \"%.1f\", $ms / 1000 }")
	times+=("$(printf '%7s s  %s' "$secs" "$name")")
	echo "$name ${secs%.*}" >>"$logs/times"
	printf '# ---- %s: %s, %d passed, %d failed, %d skipped (%s s)\n' \
		"$name" $verdict $pass $fail $skip "$secs"
}

# In a lane (levels side by side), a test's output is printed whole when
# it ends, under a lock: lanes do not interleave their lines.
lane=''
# finish NAME RC MS LOG: account for a test; in a lane, print it whole
finish() {
	if [ -z "$lane" ]; then
		account "$@"
		return
	fi
	account "$@" >"$state/verdict.$lane"
	{
		flock 9
		header "$1"
		cat "$4"
		tail -n 1 "$state/verdict.$lane"
	} 9>"$state/print.lock"
}
run_host() {
	local t name log rc start ms dir
	for t in "$@"; do
		name=$(name_of "$t")
		log=$logs/$name.log
		mkdir -p "$(dirname "$log")"
		[ -z "$lane" ] && header "$name"
		dir=$(mktemp -d "${TMPDIR:-/tmp}/dslite-test.XXXXXX")
		start=$(date +%s%3N)
		# Through a file, not a pipe: a process the test leaves behind
		# with its stdout open must not keep the runner waiting.
		: >"$log"
		(cd "$dir" && exec timeout -k 5 "$timeout" bash "$t") </dev/null >"$log" 2>&1 &
		pid=$!
		if [ -z "$lane" ]; then
			tail -n +1 -s 0.1 -f --pid=$pid "$log"
		fi
		wait $pid
		rc=$?
		pid=''
		ms=$(($(date +%s%3N) - start))
		rm -rf "$dir"
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "not ok - $name killed after ${timeout}s" >>"$log"
			[ -z "$lane" ] && tail -n 1 "$log"
		fi
		finish "$name" "$rc" "$ms" "$log"
	done
}

# run_kernel [-q QUEUE] TEST...: in one VM, the tests given or the queue's
run_kernel() {
	local t name line log='' cur='' rc ms
	local -A ended=()
	local vmargs=(-o "$logs${lane:+/vm$lane}" -t "$timeout")
	if [ "${1:-}" = -q ]; then
		vmargs+=(-q "$2")
		shift 2
	else
		vmargs+=("$@")
		header "VM: $# kernel test(s), one boot"
	fi
	while IFS= read -r line; do
		case $line in
		"@@ dslite-vm begin "*)
			cur=$(name_of "$root/${line#@@ dslite-vm begin }")
			log=$logs/$cur.log
			mkdir -p "$(dirname "$log")"
			: >"$log"
			[ -z "$lane" ] && header "$cur"
			;;
		"@@ dslite-vm end "*)
			[ -n "$cur" ] || continue
			rc=${line##* rc=}; rc=${rc%% *}
			ms=${line##* ms=}
			finish "$cur" "$rc" "$ms" "$log"
			ended[$cur]=1
			[ -n "$lane" ] && echo "$cur" >>"$state/ended"
			cur=
			;;
		*)
			if [ -n "$cur" ]; then
				printf '%s\n' "$line" >>"$log"
				[ -z "$lane" ] && printf '%s\n' "$line"
			elif [ -z "$lane" ]; then
				printf '%s\n' "$line"
			else
				{ flock 9; printf '%s\n' "$line"; } 9>"$state/print.lock"
			fi
			;;
		esac
	done < <("$root/selftests/vm/run.sh" "${vmargs[@]}")
	# A harness failure (no kernel, qemu missing) leaves tests without
	# result (with a queue, the caller looks after what no VM ran).
	for t in "$@"; do
		name=$(name_of "$t")
		[ -n "${ended[$name]:-}" ] && continue
		not_run "$name"
	done
}

# not_run NAME: one failure for a kernel test the VM harness never ran
not_run() {
	local log=$logs/$1.log
	mkdir -p "$(dirname "$log")"
	[ -z "$lane" ] && header "$1"
	echo "not ok 1 $1 not run: the VM harness failed (see above)" >"$log"
	[ -z "$lane" ] && cat "$log"
	finish "$1" -1 0 "$log"
}

# in_lane ID COMMAND...: run COMMAND (run_host or run_kernel) as lane ID in
# the background; its counts and lists are left in $state/lane.ID.*
in_lane() {
	local id=$1
	shift
	(
		lane=$id
		"$@"
		echo "$total_pass $total_fail $total_skip" >"$state/lane.$id.counts"
		printf '%s\n' "${skips[@]}" >"$state/lane.$id.skips"
		printf '%s\n' "${failures[@]}" >"$state/lane.$id.failures"
		printf '%s\n' "${times[@]}" >"$state/lane.$id.times"
	) &
}

# merge_lane ID: add a finished lane's counts and lists to ours
merge_lane() {
	local p f k line
	[ -f "$state/lane.$1.counts" ] || return 0
	read -r p f k <"$state/lane.$1.counts"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + k))
	while IFS= read -r line; do [ -n "$line" ] && skips+=("$line"); done <"$state/lane.$1.skips"
	while IFS= read -r line; do [ -n "$line" ] && failures+=("$line"); done <"$state/lane.$1.failures"
	while IFS= read -r line; do [ -n "$line" ] && times+=("$line"); done <"$state/lane.$1.times"
}

# longest_first TEST...: the tests, the longest first by the wall times
# of selftests/vm/weights (90 s when not listed), else in the order given
longest_first() {
	local t i=0
	for t in "$@"; do
		i=$((i + 1))
		printf '%s %d %s\n' "$(name_of "$t")" $i "$t"
	done | awk -v w="$root/selftests/vm/weights" '
		BEGIN { while ((getline l < w) > 0) if (l !~ /^#/) { split(l, f, " "); s[f[1]] = f[2] } }
		{ print ($1 in s ? s[$1] : 90), $2, $3 }' |
		sort -k1,1nr -k2,2n | cut -d" " -f3-
}

# run_parallel HOSTTESTS... -- KERNELTESTS...: the host tests in one lane,
# the kernel tests from one queue in $vm_jobs VMs, all at once
run_parallel() {
	local -a host=() kernel=()
	local t i n name
	while [ $# -gt 0 ] && [ "$1" != -- ]; do host+=("$1"); shift; done
	shift
	kernel=("$@")
	n=$vm_jobs
	[ "$n" -gt ${#kernel[@]} ] && n=${#kernel[@]}
	echo "# ==== ${#host[@]} host test(s) and ${#kernel[@]} kernel test(s) side by side in $n VM(s); each test printed when it ends"
	mapfile -t kernel < <(longest_first "${kernel[@]}")
	"$root/selftests/vm/run.sh" --prepare "${kernel[@]}" ||
		echo "# run.sh: preparing the VM failed" >&2
	mkdir -p "$state/queue"
	i=0
	for t in "${kernel[@]}"; do
		i=$((i + 1))
		printf '%s\n' "$(realpath --relative-to="$root" "$t")" >"$state/queue/$(printf '%04d' $i)"
	done
	: >"$state/ended"
	[ ${#host[@]} -gt 0 ] && in_lane h run_host "${host[@]}"
	for ((i = 1; i <= n; i++)); do
		in_lane "$i" run_kernel -q "$state/queue"
		sleep 2	# the boots' heavy start one after the other
	done
	wait
	merge_lane h
	for ((i = 1; i <= n; i++)); do merge_lane "$i"; done
	# what no VM ran (each died early)
	for t in "${kernel[@]}"; do
		name=$(name_of "$t")
		grep -qxF "$name" "$state/ended" && continue
		not_run "$name"
	done
}

# timeout(1) passes a TERM on to the test it runs.
pid=''
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; kill $(jobs -p) 2>/dev/null; exit 130' INT TERM

start=$(date +%s)
rm -rf "$logs"
mkdir -p "$logs"
state=$(mktemp -d "${TMPDIR:-/tmp}/dslite-run.XXXXXX")
trap 'rm -rf "$state"' EXIT
ran=0
mapfile -t host_tests < <([[ $levels == *host* ]] && list "$host_dir")
mapfile -t kernel_tests < <([[ $levels == *kernel* ]] &&
	for d in "${kernel_dirs[@]}"; do list "$d" "$kernel_all"; done)
ran=$((${#host_tests[@]} + ${#kernel_tests[@]}))
if [ "$vm_jobs" -gt 1 ] && [ ${#kernel_tests[@]} -gt 1 ]; then
	run_parallel "${host_tests[@]}" -- "${kernel_tests[@]}"
else
	[ ${#host_tests[@]} -gt 0 ] && run_host "${host_tests[@]}"
	[ ${#kernel_tests[@]} -gt 0 ] && run_kernel "${kernel_tests[@]}"
fi
if [ $ran -eq 0 ] && [ ${#patterns[@]} -gt 0 ]; then
	echo "run.sh: no test matches: ${patterns[*]}" >&2
	exit 2
fi

echo
if [ ${#times[@]} -gt 0 ]; then
	echo "# ==== wall time per test"
	printf '# %s\n' "${times[@]}"
fi
echo "# total $(($(date +%s) - start)) s; logs in $logs"
if [ ${#skips[@]} -gt 0 ]; then
	echo "# ==== skipped"
	printf '# %s\n' "${skips[@]}"
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo "# ==== failed"
	printf '# %s\n' "${failures[@]}"
fi
summary="$total_pass passed, $total_fail failed"
[ $total_skip -gt 0 ] && summary+=", $total_skip skipped"
echo "$summary" | tee "$logs/summary"
[ $total_fail -eq 0 ]
