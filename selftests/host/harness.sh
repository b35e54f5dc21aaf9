#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test harness reports what really happened: selftests/run.sh boots the
# VM once with the fixtures of selftests/vm/fixtures/ (see the README
# there) and every verdict, count, cleanup and message is checked, among
# them a WARNING in the kernel log failing a test that passed its own
# checks, a timeout, and a kernel panic in the middle of the run.
#
#   host: selftests/run.sh --kernel -t 6
#         |  one boot of the test VM, fixtures run in name order
#         v
#   VM:  1-leftover 2-warning 3-clean 4-skip 5-exit 6-silent 7-timeout
#        8-crash (panic) | 9-never (not run)

. "$(dirname "$0")/../lib.sh"

require_root
require_cmd qemu-system-x86_64
ls /boot/vmlinuz-* >/dev/null 2>&1 || tap_skip_all "no kernel image in /boot"

logs=$(mktemp -d "${TMPDIR:-/tmp}/dslite-harness.XXXXXX")
defer "rm -rf $logs"
out=$logs/run.out

# one VM: the fixtures rely on each other's order
DSLITE_TEST_LOGS=$logs/logs DSLITE_VM_JOBS=1 \
DSLITE_KERNEL_TESTS=$DSLITE_ROOT/selftests/vm/fixtures \
	"$DSLITE_ROOT/selftests/run.sh" --kernel -t 6 >"$out" 2>&1
tap_expect "run.sh exits 1 when tests failed" 1 $?
tap_expect "final line" "7 passed, 6 failed, 1 skipped" "$(tail -n 1 "$out")"

verdict() {
	sed -n "s|^# ---- vm/fixtures/$1: \(.*\) ([0-9.]* s)$|\1|p" "$out"
}
while read -r t want; do
	tap_expect "$t: $want" "$want" "$(verdict "$t")"
done <<'EOF'
1-leftover.sh PASS, 1 passed, 0 failed, 0 skipped
2-warning.sh FAIL, 1 passed, 1 failed, 0 skipped
3-clean.sh PASS, 3 passed, 0 failed, 0 skipped
4-skip.sh SKIP, 0 passed, 0 failed, 1 skipped
5-exit.sh FAIL, 1 passed, 1 failed, 0 skipped
6-silent.sh FAIL, 0 passed, 1 failed, 0 skipped
7-timeout.sh FAIL, 1 passed, 1 failed, 0 skipped
8-crash.sh FAIL, 0 passed, 1 failed, 0 skipped
9-never.sh FAIL, 0 passed, 1 failed, 0 skipped
EOF

log=$logs/logs/vm/fixtures
tap_check "leftover process killed" grep -q '^# harness: killed leftover process [0-9]* (sleep)$' \
	"$log/1-leftover.sh.log"
tap_check "leftover netns deleted" grep -qx '# harness: deleted leftover netns dslite-fixture-leftover' \
	"$log/1-leftover.sh.log"
tap_check "kernel WARNING fails the test" grep -qx 'not ok 2 kernel log clean (no BUG/WARNING/Oops)' \
	"$log/2-warning.sh.log"
tap_check "offending kernel line shown" grep -qE '^#   \[ *[0-9.]+\] WARNING: dslite harness self-test$' \
	"$log/2-warning.sh.log"
tap_check "timeout reported" grep -qx 'not ok 2 selftests/vm/fixtures/7-timeout.sh finished within 6s (killed, rc=124)' \
	"$log/7-timeout.sh.log"
tap_check "skip reason listed" grep -qx '# vm/fixtures/4-skip.sh: fixture: nothing to test here' "$out"
tap_check "crash reported" grep -qE '^not ok - selftests/vm/fixtures/8-crash.sh: the VM went down before the end' \
	"$log/8-crash.sh.log"
tap_check "panic shown from the console" grep -q 'Kernel panic' "$log/8-crash.sh.log"
tap_check "test after the crash not run" grep -qE '^not ok 1 selftests/vm/fixtures/9-never.sh: not run, ' \
	"$log/9-never.sh.log"
tap_check "console log kept" grep -q 'sysrq: Trigger a crash' "$logs/logs/vm-console.log"

# Two VMs on one queue (make check's way): a VM that crashes takes only its
# own test down, the other one runs the rest; every verdict is the same
# as in one VM, and each test is printed whole, once.
pout=$logs/parallel.out
DSLITE_TEST_LOGS=$logs/plogs DSLITE_VM_JOBS=2 \
DSLITE_KERNEL_TESTS=$DSLITE_ROOT/selftests/vm/fixtures \
	"$DSLITE_ROOT/selftests/run.sh" --kernel -t 6 4-skip 5-exit 6-silent \
	7-timeout 8-crash 9-never >"$pout" 2>&1
tap_expect "2 VMs: run.sh exits 1 when tests failed" 1 $?
tap_expect "2 VMs: final line" "3 passed, 4 failed, 1 skipped" "$(tail -n 1 "$pout")"
tap_expect "2 VMs: side by side" 1 \
	"$(grep -c '^# ==== 0 host test(s) and 6 kernel test(s) side by side in 2 VM(s)' "$pout")"
pverdict() {
	sed -n "s|^# ---- vm/fixtures/$1: \(.*\) ([0-9.]* s)$|\1|p" "$pout"
}
while read -r t want; do
	tap_expect "2 VMs: $t: $want" "$want" "$(pverdict "$t")"
done <<'EOF'
4-skip.sh SKIP, 0 passed, 0 failed, 1 skipped
5-exit.sh FAIL, 1 passed, 1 failed, 0 skipped
6-silent.sh FAIL, 0 passed, 1 failed, 0 skipped
7-timeout.sh FAIL, 1 passed, 1 failed, 0 skipped
8-crash.sh FAIL, 0 passed, 1 failed, 0 skipped
9-never.sh PASS, 1 passed, 0 failed, 0 skipped
EOF
tap_expect "2 VMs: each test printed once" 6 "$(grep -c '^# ---- vm/fixtures/[^:]*$' "$pout")"
tap_check "2 VMs: the crash reported" grep -qE '^not ok - selftests/vm/fixtures/8-crash.sh: the VM went down before the end' \
	"$logs/plogs/vm/fixtures/8-crash.sh.log"
tap_check "2 VMs: the timeout's output whole" grep -qx 'not ok 2 selftests/vm/fixtures/7-timeout.sh finished within 6s (killed, rc=124)' \
	"$logs/plogs/vm/fixtures/7-timeout.sh.log"

tap_done
