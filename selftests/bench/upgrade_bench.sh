#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: how long an in-place upgrade of the AFTR responder takes
# with a full table (Documentation/aftr-operations.md, "Upgrading"):
# UPGRADE_SESSIONS (default 1,000,000) Up sessions written into the maps
# (upgrade_fill), then
#   1. "aftr attach" again with the same build: the program swapped on
#      the link, every map kept;
#   2. "aftr attach" with the test build of a later session layout
#      (build/pad/dslitectl): the session table migrated.
# The figures are those the upgrade itself prints (monotonic clock), and
# the command's wall time (loading the object included).
#
#   netns bupg: veth up0 (dslite_aftr, XDP native) <==> up1
#
#   selftests/bench/upgrade_bench.sh

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
n=${UPGRADE_SESSIONS:-1000000}
ctl=$root/build/dslitectl
pad=$root/build/pad/dslitectl
fill=$root/build/tests/upgrade_fill

if [ "$(id -u)" -ne 0 ]; then
	echo "upgrade bench: needs root (BPF, XDP, netns)" >&2
	exit 1
fi
for f in "$ctl" "$pad" "$fill"; do
	if [ ! -x "$f" ]; then
		echo "upgrade bench: $f missing (make user test-pad tests)" >&2
		exit 1
	fi
done
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
	mount -t bpf bpf /sys/fs/bpf || { echo "upgrade bench: no BPF file system" >&2; exit 1; }

ns=bupg-$(mktemp -u XXXXXX)
in_ns() { nsenter --net="/run/netns/$ns" "$@"; }
cleanup() {
	in_ns "$ctl" aftr detach dev up0 >/dev/null 2>&1 ||
		in_ns "$pad" aftr detach dev up0 >/dev/null 2>&1
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
ip netns add "$ns" || exit 1
ip -n "$ns" link add up0 type veth peer name up1
ip -n "$ns" addr add 2001:db8:af::1/64 dev up0 nodad
ip -n "$ns" link set up0 up
ip -n "$ns" link set up1 up

ms() { date +%s%3N; }
t0=$(ms)
in_ns "$ctl" aftr attach dev up0 sessions "$n" || exit 1
echo "# attach with $n sessions: $(($(ms) - t0)) ms"
dir=/sys/fs/bpf/dslite/netns-$(in_ns python3 -c '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 71, 8), "little"))')/up0
"$fill" "$dir" "$n" | sed 's/^/# /' || exit 1
live() { in_ns "$1" -j aftr stats dev up0 | jq -r '.[0].sessions'; }
echo "# live sessions: $(live "$ctl")"

# row NAME CMD...: one upgrade, its own figures and the wall time
row() {
	local name=$1 out t0 wall
	shift
	t0=$(ms)
	out=$("$@" 2>&1) || { echo "upgrade bench: $name: $out" >&2; return 1; }
	wall=$(($(ms) - t0))
	echo "# $out"
	awk -v name="$name" -v wall="$wall" -v line="$out" 'BEGIN {
		copy = "-"; again = "-"; swap = "-"; arm = "-"
		if (match(line, /first copy [0-9.]+ ms/)) copy = substr(line, RSTART + 11, RLENGTH - 14)
		if (match(line, /copied again in [0-9.]+ ms/)) again = substr(line, RSTART + 16, RLENGTH - 19)
		if (match(line, /swap [0-9.]+ ms/)) swap = substr(line, RSTART + 5, RLENGTH - 8)
		if (match(line, /running [0-9.]+ ms/)) arm = substr(line, RSTART + 8, RLENGTH - 11)
		printf "%-26s %10s %12s %14s %12s %10s\n", name, copy, again, swap, arm, wall
	}'
}

echo
echo "In-place upgrade with $n sessions (ms)"
printf "%-26s %10s %12s %14s %12s %10s\n" "upgrade" "1st copy" "2nd copy" "start->swap" "swap->armed" "command"
st=0
row "same build (maps kept)" in_ns "$ctl" aftr attach dev up0 sessions "$n" || st=1
row "later layout (migration)" in_ns "$pad" aftr attach dev up0 sessions "$n" || st=1
after=$(live "$pad")
echo "# live sessions after the migration: $after"
[ "$after" = "$n" ] || { echo "upgrade bench: $after sessions live after the migration, not $n" >&2; st=1; }
exit $st
