# SPDX-License-Identifier: GPL-2.0
# Shared helpers for dslite tests (bash). Source it first in every test:
#
#   . "$(dirname "$0")/../lib.sh"
#
# A test prints TAP version 13: one "ok"/"not ok" line per check, the plan at
# the end, and exits 0 (all passed), 1 (something failed) or 4 (skipped
# whole). Cleanup registered with defer always runs, in reverse order.

set -u

DSLITE_ROOT=${DSLITE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
DSLITECTL=${DSLITECTL:-$DSLITE_ROOT/build/dslitectl}
DSLITE_KO=${DSLITE_KO:-$DSLITE_ROOT/kmod/dslite.ko}
export DSLITE_ROOT DSLITECTL DSLITE_KO

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

__tap_n=0
__tap_failed=0
__tap_skipped=0
__defer=()

echo "TAP version 13"

# Each check is preceded by a comment with the seconds since the test
# started ("# @ 12.3 s"): where a test spends its time shows in its log.
__tap_t0=${EPOCHREALTIME/./}
__tap_at() {
	local t=$(((${EPOCHREALTIME/./} - __tap_t0) / 100000))
	echo "# @ $((t / 10)).$((t % 10)) s"
}

# tap_ok DESC / tap_fail DESC [WHY...] / tap_skip DESC REASON
tap_ok()   { __tap_at; __tap_n=$((__tap_n + 1)); echo "ok $__tap_n $1"; }
tap_fail() {
	__tap_at
	__tap_n=$((__tap_n + 1)); __tap_failed=$((__tap_failed + 1))
	echo "not ok $__tap_n $1"
	shift
	[ $# -gt 0 ] && echo "# $*"
	return 0
}
tap_skip() {
	__tap_at
	__tap_n=$((__tap_n + 1)); __tap_skipped=$((__tap_skipped + 1))
	echo "ok $__tap_n $1 # SKIP $2"
}
# diag TEXT: a comment line in the TAP stream
diag() { echo "# $*"; }

# tap_check DESC CMD...: ok if CMD succeeds; its output is shown on failure
tap_check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "command failed (rc=$rc): $*"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	return 0
}

# tap_expect DESC EXPECTED ACTUAL: ok if the two strings are equal
tap_expect() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "expected '$2', got '$3'"
	fi
}

# tap_skip_all REASON: the whole test cannot run here
tap_skip_all() {
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}

# defer CMD...: run CMD at exit (reverse order of registration)
defer() { __defer+=("$*"); }

__run_defer() {
	local i
	for ((i = ${#__defer[@]} - 1; i >= 0; i--)); do
		eval "${__defer[i]}" >/dev/null 2>&1 || true
	done
	__defer=()
}

# tap_done: print the plan and exit with the kselftest code
tap_done() {
	__run_defer
	echo "1..$__tap_n"
	if [ $__tap_failed -gt 0 ]; then
		exit $KSFT_FAIL
	fi
	if [ $__tap_n -gt 0 ] && [ $__tap_skipped -eq $__tap_n ]; then
		exit $KSFT_SKIP
	fi
	exit $KSFT_PASS
}
trap '__run_defer' EXIT
trap 'exit 1' INT TERM

# now_ms: milliseconds since the epoch, without starting a process (in
# the test VM every process started costs tens of milliseconds of CPU)
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# nap SECONDS: sleep without starting a process: a read that times out on
# a pipe nobody writes to (this shell holds its write end)
__nap_fd=
nap() {
	[ -n "$__nap_fd" ] || exec {__nap_fd}<> <(:)
	read -r -t "$1" -u "$__nap_fd"
	return 0
}

# __poll PERIOD_S TIMEOUT_MS CMD...: run CMD every PERIOD_S until it succeeds
__poll() {
	local period=$1 timeout=$2 start now
	shift 2
	start=${EPOCHREALTIME/./}
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		now=${EPOCHREALTIME/./}
		[ $(((now - start) / 1000)) -ge "$timeout" ] && return 1
		nap "$period"
	done
}

# __wait PERIOD_MS TIMEOUT_MS CMD...: run CMD every PERIOD_MS until it
# succeeds. A check that takes longer than PERIOD_MS itself (one that
# starts processes: in the test VM each costs tens of milliseconds of
# emulated CPU) is followed by a nap as long as it took, up to 500 ms:
# a wait then leaves at least half of a CPU to what it waits for (the
# daemons, the other VM on the machine) instead of spinning on it. On
# the host (no /run/dslite-job, which only the test VM has), where a
# process costs a millisecond, the period stays fixed.
__wait() {
	local period=$1 timeout=$2 start now t0 p
	shift 2
	if [ ! -d /run/dslite-job ]; then
		printf -v p '%d.%03d' $((period / 1000)) $((period % 1000))
		__poll "$p" "$timeout" "$@"
		return
	fi
	start=${EPOCHREALTIME/./}
	while :; do
		t0=${EPOCHREALTIME/./}
		"$@" >/dev/null 2>&1 && return 0
		now=${EPOCHREALTIME/./}
		[ $(((now - start) / 1000)) -ge "$timeout" ] && return 1
		p=$(((now - t0) / 1000))
		[ $p -gt 500 ] && p=500
		[ $p -lt "$period" ] && p=$period
		printf -v p '%d.%03d' $((p / 1000)) $((p % 1000))
		nap "$p"
	done
}

# busywait TIMEOUT_MS CMD...: poll CMD every 10 ms until it succeeds
# (a check that starts processes: see __wait)
busywait() { __wait 10 "$@"; }

# slowwait TIMEOUT_S CMD...: poll CMD every 100 ms until it succeeds
slowwait() {
	local timeout=$(($1 * 1000))
	shift
	__wait 100 "$timeout" "$@"
}

# in_ns NS CMD...: CMD in network namespace NS, through nsenter: cheaper
# than "ip netns exec" (which also mounts a /sys of the namespace: use
# that for what reads /sys/class/net)
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# JQ: the jq the helpers query JSON with: gojq where installed, whose
# start costs a third of jq 1.6's in the test VM (jq 1.6 compiles its
# library of builtins at every start), else jq
JQ=${JQ:-$(command -v gojq || echo jq)}

# setup_ns VAR...: create one namespace per VAR with a unique name, set
# VAR to it, bring lo up, and delete it at exit.
setup_ns() {
	local var name names=() i=0
	for var in "$@"; do
		# unique without starting mktemp: this shell's pid and a random
		printf -v name '%s-%x%04x' "$var" $$ $RANDOM
		[ -e "/run/netns/$name" ] && printf -v name '%s-%x%04x' "$var" $$ $RANDOM
		names+=("$name")
	done
	# one "ip" for all of them (in the test VM each process costs)
	printf 'netns add %s\n' "${names[@]}" | ip -batch - || return 1
	for name in "${names[@]}"; do
		defer "ip netns del $name"
	done
	for var in "$@"; do
		name=${names[i++]}
		ip -n "$name" link set lo up
		eval "$var=$name"
	done
}

# mod_load MODULE...: modprobe the modules not loaded yet (one modprobe
# for all, none when all are there: in the test VM a modprobe costs a
# second of emulated CPU, and the modules stay loaded between tests)
mod_load() {
	local m todo=()
	for m in "$@"; do
		[ -d "/sys/module/${m//-/_}" ] || todo+=("$m")
	done
	[ ${#todo[@]} -eq 0 ] || modprobe -a "${todo[@]}"
}

# require_cmd CMD...: skip the whole test if a command is missing
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || tap_skip_all "$c not installed"
	done
}

# require_root: skip unless running as root
require_root() {
	[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root"
}

# require_bpffs: /sys/fs/bpf must be a BPF file system for pinning; mount
# one there if the machine booted without it (it is left mounted, as a
# systemd boot would have it)
require_bpffs() {
	[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] && return 0
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null ||
		tap_skip_all "cannot mount a BPF file system on /sys/fs/bpf"
}

# netns_cookie NS: the SO_NETNS_COOKIE of namespace NS ("" for this one)
netns_cookie() {
	${1:+nsenter --net="/run/netns/$1"} python3 -c '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 71, 8), "little"))'
}

# aftr_pin_dir NS IFNAME: where "dslitectl aftr attach dev IFNAME" run in
# NS pins the responder (/sys/fs/bpf/dslite/netns-COOKIE/IFNAME)
aftr_pin_dir() {
	echo "/sys/fs/bpf/dslite/netns-$(netns_cookie "$1")/$2"
}
