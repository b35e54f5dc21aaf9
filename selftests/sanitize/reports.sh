#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The last test of make check-sanitize, on the host and in the VM: the
# binaries that ran were the sanitized ones, and no AddressSanitizer or
# UndefinedBehaviorSanitizer report was written (ASAN_OPTIONS and
# UBSAN_OPTIONS send them to $DSLITE_SANITIZE_LOG.PID; every report found
# is printed here, so it lands in the test log).
#
#   tests before this one --(reports)--> $DSLITE_SANITIZE_LOG.*  --> none?

. "$(dirname "$0")/../lib.sh"

log=${DSLITE_SANITIZE_LOG:-}
if [ -z "$log" ]; then
	tap_skip_all "DSLITE_SANITIZE_LOG is not set (make check-sanitize sets it)"
fi

for bin in "$DSLITECTL" ${DSLITE_TEST_PROGS:+"$DSLITE_TEST_PROGS"/*_test}; do
	[ -x "$bin" ] || continue
	if ldd "$bin" 2>/dev/null | grep -q libasan &&
	   ldd "$bin" | grep -q libubsan; then
		tap_ok "${bin#"$DSLITE_ROOT"/} is built with ASan and UBSan"
	else
		tap_fail "${bin#"$DSLITE_ROOT"/} is built with ASan and UBSan"
	fi
done

shopt -s nullglob
reports=("$log".*)
if [ ${#reports[@]} -eq 0 ]; then
	tap_ok "no sanitizer report"
else
	tap_fail "no sanitizer report" "${#reports[@]} report(s):"
	for f in "${reports[@]}"; do
		echo "# ---- $f"
		sed 's/^/#   /' "$f"
	done
fi
tap_done
