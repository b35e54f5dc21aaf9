#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# "make demo": boot the test VM and run the failover demo in it
# (selftests/demo/failover.sh), showing its narration as it happens.
# The build and the packages are the Makefile's job (make demo does both).
#
#   selftests/demo/run.sh [-v]     -v: the VM's console too

set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
args=()
[ "${1:-}" = -v ] && args+=(-v)

start=$(date +%s)
echo "dslite demo: booting the test VM (Debian's kernel under qemu) ..."
status=1
while IFS= read -r line; do
	case $line in
	"@@ dslite-vm end "*)
		rc=${line##* rc=}
		rc=${rc%% *}
		[ "$rc" = 0 ] && status=0
		;;
	"@@ dslite-vm"*|"TAP version"*|"1.."*) ;;
	"not ok"*) echo "$line"; status=1 ;;
	*) echo "$line" ;;
	esac
done < <("$root/selftests/vm/run.sh" "${args[@]}" -t 150 \
		"$root/selftests/demo/failover.sh")
echo "dslite demo: $( [ $status -eq 0 ] && echo done || echo FAILED ) in $(($(date +%s) - start)) s"
exit $status
