#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the dslite test VM (started by /init, chrooted into the host's
# root): runs each test of the job with bash, one after the other, and hands
# their TAP to the host on the second serial port (/dev/ttyS1):
#
#   @@ dslite-vm boot <uname -r>
#   @@ dslite-vm begin <test>
#   <the test's output: TAP, stderr included>
#   @@ dslite-vm end <test> rc=<exit code> ms=<wall time>
#   @@ dslite-vm done
#
# Every test starts from the same state: dslite.ko unloaded, no leftover
# processes or network namespaces. A test whose run left BUG/WARNING/Oops
# style lines in the kernel log gets one extra "not ok" line. A test that
# runs past its timeout is killed and gets a "not ok" line too.
#
# Usage: guest.sh JOBFILE. The job file (written by selftests/vm/run.sh)
# sets DSLITE_ROOT, MODE (run or shell), TIMEOUT and the TESTS array.

set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=${TERM:-linux} LC_ALL=C.UTF-8
unset MODE TIMEOUT TESTS

# shellcheck source=/dev/null
. "$1"
export DSLITE_ROOT

# Kernel log lines that fail the test that produced them.
kmsg_bad='BUG:|WARNING:|Oops|KASAN|unregister_netdevice: waiting for|refcount_t:|kernel BUG at|general protection fault|INFO: task .* blocked'

if [ "$MODE" = shell ]; then
	echo "dslite-vm: $(uname -r), DSLITE_ROOT=$DSLITE_ROOT; exit the shell to power off"
	cd "$DSLITE_ROOT" || exit 1
	setsid -c bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
	exit 0
fi

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
echo "@@ dslite-vm boot $(uname -r)" >&3

# Kill what a test left running (daemons it forgot, its timed-out
# children): every user process except /init and this script.
kill_leftovers() {
	local p comm
	for p in /proc/[0-9]*; do
		# kernel threads and zombies have no executable
		[ -e "$p/exe" ] || continue
		p=${p#/proc/}
		[ "$p" -eq 1 ] || [ "$p" -eq $$ ] && continue
		read -r comm <"/proc/$p/comm" 2>/dev/null
		kill -9 "$p" 2>/dev/null && echo "# harness: killed leftover process $p ($comm)"
	done
}

reset_state() {
	local ns
	kill_leftovers
	for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		echo "# harness: deleted leftover netns $ns"
		ip netns delete "$ns"
	done
	rmmod dslite 2>/dev/null
	return 0
}

# kmsg_check MARKER NEXT: print a "not ok NEXT" line when the kernel log
# after MARKER holds a line matching $kmsg_bad, with those lines.
kmsg_check() {
	local marker=$1 next=$2 log from bad trace
	log=$(dmesg 2>/dev/null)
	from=$(printf '%s\n' "$log" | grep -nF -- "$marker" | tail -n 1 | cut -d: -f1)
	if [ -n "$from" ]; then
		log=$(printf '%s\n' "$log" | tail -n +"$((from + 1))")
	else
		echo "# harness: kernel log wrapped, checking all of it"
	fi
	bad=$(printf '%s\n' "$log" | grep -E -- "$kmsg_bad")
	[ -z "$bad" ] && return 0
	echo "not ok $next kernel log clean (no BUG/WARNING/Oops)"
	printf '%s\n' "$bad" | head -n 20 | sed 's/^/#   /'
	trace=$(printf '%s\n' "$log" | grep -E -m 1 -A 40 -- "$kmsg_bad" | tail -n +2)
	if [ -n "$trace" ]; then
		echo "# kernel log after the first of them:"
		printf '%s\n' "$trace" | sed 's/^/#   /'
	fi
}

reset_state >/dev/null
for t in "${TESTS[@]}"; do
	echo "@@ dslite-vm begin $t" >&3
	out=/tmp/.dslite-vm.out
	marker="dslite-vm: begin $t $(date +%s%N)"
	echo "$marker" >/dev/kmsg
	start=$(date +%s%3N)
	(cd /tmp && exec timeout -k 5 "$TIMEOUT" bash "$DSLITE_ROOT/$t") \
		</dev/null 2>&1 | tee "$out" >&3
	rc=${PIPESTATUS[0]}
	ms=$(($(date +%s%3N) - start))
	n=$(grep -cE '^(not )?ok( |$)' "$out")
	{
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			n=$((n + 1))
			echo "not ok $n $t finished within ${TIMEOUT}s (killed, rc=$rc)"
		fi
		reset_state
		kmsg_check "$marker" $((n + 1))
		echo "@@ dslite-vm end $t rc=$rc ms=$ms"
	} >&3
	rm -f "$out"
done
echo "@@ dslite-vm done" >&3
exec 3>&-
