#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the dslite test VM (started by /init, chrooted into the host's
# root): runs each test of the job with bash, one after the other, and hands
# their TAP to the host on the second serial port (/dev/ttyS1):
#
#   @@ dslite-vm boot <uname -r>
#   @@ dslite-vm next <n>             (with a queue: asks for a test)
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
# sets DSLITE_ROOT, MODE (run or shell), TIMEOUT and the TESTS array, or
# QUEUE: a directory where the host answers "next <n>" with a file named n
# holding the next test's path (empty when the queue is empty).

set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=${TERM:-linux} LC_ALL=C.UTF-8
unset MODE TIMEOUT TESTS QUEUE

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

# What a booted system loads on demand: the kernel's own module loader
# runs the initramfs root's modprobe, which does not exist. The AFTR
# responder's attach puts a tc filter on the device (clsact, cls_bpf).
modprobe -q sch_ingress 2>/dev/null
modprobe -q cls_bpf 2>/dev/null

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
	for ns in /run/netns/*; do
		[ -e "$ns" ] || continue
		echo "# harness: deleted leftover netns ${ns#/run/netns/}"
		ip netns delete "${ns#/run/netns/}"
	done
	[ -d /sys/module/dslite ] && rmmod dslite
	return 0
}

# kmsg_check MARKER NEXT: print a "not ok NEXT" line when the kernel log
# after MARKER holds lines matching $kmsg_bad, then those lines and the
# log that follows the first of them (its stack trace).
kmsg_check() {
	dmesg 2>/dev/null | awk -v marker="$1" -v next_n="$2" -v bad="$kmsg_bad" '
	{ line[NR] = $0 }
	index($0, marker) { from = NR }
	END {
		if (!from)
			print "# harness: kernel log wrapped, checking all of it"
		n = 0
		for (i = from + 1; i <= NR; i++)
			if (line[i] ~ bad)
				hit[++n] = i
		if (!n)
			exit
		print "not ok " next_n " kernel log clean (no BUG/WARNING/Oops)"
		for (j = 1; j <= n && j <= 20; j++)
			print "#   " line[hit[j]]
		if (hit[1] < NR)
			print "# kernel log after the first of them:"
		for (i = hit[1] + 1; i <= NR && i <= hit[1] + 40; i++)
			print "#   " line[i]
	}'
}

# processes started since boot; CPU time spent (all CPUs, 10 ms ticks)
forks() { local k v; while read -r k v; do [ "$k" = processes ] && echo "$v" && return; done </proc/stat; }
cpu_ticks() {
	local k u n s rest
	read -r k u n s rest </proc/stat
	echo $((u + n + s))
}
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# next_test: the next test's path in $t; false when there is none
n_asked=0
next_test() {
	local i f
	if [ -z "${QUEUE:-}" ]; then
		[ "$n_asked" -lt ${#TESTS[@]} ] || return 1
		t=${TESTS[$n_asked]}
		n_asked=$((n_asked + 1))
		return 0
	fi
	n_asked=$((n_asked + 1))
	echo "@@ dslite-vm next $n_asked" >&3
	# listed, not looked up: a name looked up before it exists could be
	# remembered as missing; the host answers within a second
	for ((i = 0; i < 600; i++)); do
		for f in "$QUEUE"/*; do
			[ "${f##*/}" = "$n_asked" ] || continue
			read -r t <"$f"
			[ -n "$t" ]
			return
		done
		sleep 0.1
	done
	echo "# harness: no answer from the host for test request $n_asked" >&3
	return 1
}

reset_state >/dev/null
while next_test; do
	echo "@@ dslite-vm begin $t" >&3
	out=/tmp/.dslite-vm.out
	start=$(now_ms)
	forks0=$(forks) cpu0=$(cpu_ticks)
	marker="dslite-vm: begin $t $start"
	echo "$marker" >/dev/kmsg
	# Through a file, not a pipe: a process the test leaves behind with
	# its stdout open must not keep the runner waiting.
	: >"$out"
	# "# vm-timeout: SECONDS" in a test's header gives it more time
	to=$(sed -n 's/^# vm-timeout: *\([0-9]\+\)$/\1/p' "$DSLITE_ROOT/$t" | head -n 1)
	[ -n "$to" ] && [ "$to" -gt "$TIMEOUT" ] || to=$TIMEOUT
	(cd /tmp && exec timeout -k 5 "$to" bash "$DSLITE_ROOT/$t") \
		</dev/null >"$out" 2>&1 &
	pid=$!
	tail -n +1 -s 0.1 -f --pid=$pid "$out" >&3
	wait $pid
	rc=$?
	ms=$(($(now_ms) - start))
	n=$(grep -cE '^(not )?ok( |$)' "$out")
	{
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			n=$((n + 1))
			echo "not ok $n $t finished within ${to}s (killed, rc=$rc)"
		fi
		reset_state
		kmsg_check "$marker" $((n + 1))
		echo "# harness: $(($(forks) - forks0)) processes started," \
			"VM CPU busy $((($(cpu_ticks) - cpu0) * 10)) ms"
		echo "@@ dslite-vm end $t rc=$rc ms=$ms"
	} >&3
	rm -f "$out"
done
echo "@@ dslite-vm done" >&3
exec 3>&-
