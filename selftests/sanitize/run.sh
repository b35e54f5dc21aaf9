#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-sanitize: dslitectl and the unit tests built with
# -fsanitize=address,undefined into build/asan/ (by the Makefile, before
# this runs), then, through selftests/run.sh:
#   - on the host: the unit tests of the userspace (bfd, pcp, b4 ping,
#     health and wire, dslitectl_unit through dslitectl_cli.sh);
#   - in the VM: the daemon's tests that exercise most of it (failover,
#     renumbering, PCP health) with build/asan/dslitectl as the B4;
#   - last, on both levels, reports.sh: the binaries were the sanitized
#     ones and no report was written.
# Every sanitizer stops the program at its first report (halt_on_error)
# and writes it under the log directory (host) or /tmp (VM), where
# reports.sh finds it. Logs in build/test-logs/sanitize/{host,kernel}/.

set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
asan=$root/build/asan
logs=$root/build/test-logs/sanitize
rm -rf "$logs" "$asan/tests-host" "$asan/tests-kernel"
mkdir -p "$logs" "$asan/tests-host" "$asan/tests-kernel"

host_tests=(bfd_unit pcp_unit b4_unit b4_health_unit b4_wire_unit dslitectl_cli)
kernel_tests=(b4_failover b4_renumber b4_health_pcp)
for t in "${host_tests[@]}"; do
	ln -s "$root/selftests/host/$t.sh" "$asan/tests-host/$t.sh"
done
for t in "${kernel_tests[@]}"; do
	ln -s "$root/selftests/kernel/$t.sh" "$asan/tests-kernel/$t.sh"
done
# the host scripts source ../lib.sh and the like: the helpers one level up
for f in "$root"/selftests/*.sh; do
	ln -sf "$f" "$asan/${f##*/}"
done
# sorted last in both directories
ln -s "$root/selftests/sanitize/reports.sh" "$asan/tests-host/zz_sanitizer_reports.sh"
ln -s "$root/selftests/sanitize/reports.sh" "$asan/tests-kernel/zz_sanitizer_reports.sh"

opts=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export DSLITECTL=$asan/dslitectl DSLITECTL_B4=$asan/dslitectl
export DSLITECTL_UNIT=$asan/tests/dslitectl_unit DSLITE_TEST_PROGS=$asan/tests

# (run.sh empties its log directory: one for each level)
rc=0
mkdir -p "$logs/host-reports"
DSLITE_TEST_LOGS=$logs/host \
DSLITE_SANITIZE_LOG=$logs/host-reports/sanitizer \
ASAN_OPTIONS=$opts:detect_leaks=1:log_path=$logs/host-reports/sanitizer \
UBSAN_OPTIONS=$opts:log_path=$logs/host-reports/sanitizer \
DSLITE_HOST_TESTS=$asan/tests-host \
	"$root/selftests/run.sh" --host || rc=1
# the VM sees the host's / read-only: reports go to the guest's /tmp;
# leaks are not checked there (a daemon stopped by a signal exits with
# what it held)
DSLITE_TEST_LOGS=$logs/kernel \
DSLITE_SANITIZE_LOG=/tmp/dslite-sanitizer \
ASAN_OPTIONS=$opts:detect_leaks=0:log_path=/tmp/dslite-sanitizer \
UBSAN_OPTIONS=$opts:log_path=/tmp/dslite-sanitizer \
DSLITE_KERNEL_TESTS=$asan/tests-kernel \
	"$root/selftests/run.sh" --kernel || rc=1
exit $rc
